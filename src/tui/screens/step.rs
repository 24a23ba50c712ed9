//! One step of the questionnaire: a section intro, an information screen, or a question with its
//! options or input field, progress, "why we ask" help on demand, and Back / Next. Enter commits
//! the answer (validated; a plain message says what is needed) and autosaves it before the next
//! screen appears.

use crossterm::event::{Event, KeyCode};
use ratatui::Frame;
use ratatui::layout::Rect;
use tui_input::InputRequest;
use tui_input::backend::crossterm::to_input_request;

use crate::answer::Answer;
use crate::answers;
use crate::engine::toggle_option;
use crate::engine::{At, Step};
use crate::questionnaire::{ChoiceStyle, ItemIdx, ItemKind, QuestionKind};
use crate::strings::{self, fill};
use crate::tui::keymap::{is_back, is_next};
use crate::tui::model::{Action, Effect, Field, HitMap, Model, Msg, Screen, Target};
use crate::tui::options::{self, option_keys};
use crate::tui::theme;
use crate::typed;
use unicode_width::UnicodeWidthStr;

pub fn update(m: &mut Model<'_>, step: Step, msg: Msg) -> Vec<Effect> {
    let at = match step {
        Step::Item(at) => at,
        Step::More(at) => return super::more::update(m, at, msg),
    };
    if m.help_open {
        // Any key or tap closes the help panel.
        if matches!(msg, Msg::Key(_) | Msg::Tap(_)) {
            m.help_open = false;
        }
        return Vec::new();
    }
    let item = at.item;
    let room = max_chars(m, item);
    match msg {
        Msg::Key(k) => {
            if k.code == KeyCode::F(1)
                || (k.code == KeyCode::Char('?') && m.field.input().is_none())
            {
                m.help_open = true;
                return Vec::new();
            }
            // A quantity's unit: up and down go through the units offered.
            if let Field::Quantity { unit, .. } = &mut m.field
                && matches!(k.code, KeyCode::Up | KeyCode::Down)
            {
                let n = m.session.questionnaire().item(item).unit_choices().len();
                *unit = match k.code {
                    KeyCode::Up => unit.saturating_sub(1),
                    _ => (*unit + 1).min(n.saturating_sub(1)),
                };
                m.message = None;
                return Vec::new();
            }
            if matches!(m.field, Field::Text(_)) && matches!(k.code, KeyCode::Up | KeyCode::Down) {
                // A one-line field has no use for ↑/↓: they scroll a question too long to fit.
                m.scroll_view(if k.code == KeyCode::Up { -1 } else { 1 }, false);
                return Vec::new();
            }
            if m.field.input().is_some() {
                return match k.code {
                    KeyCode::Enter | KeyCode::PageDown => next(m, at),
                    KeyCode::Tab if m.mode.is_staff() => next(m, at),
                    KeyCode::Esc | KeyCode::PageUp => back(m, step),
                    KeyCode::BackTab if m.mode.is_staff() => back(m, step),
                    _ => {
                        edit_text(m, room, k);
                        Vec::new()
                    }
                };
            }
            if let Some(d) = digit_key(&k) {
                let keys = option_keys(m.offered_options(item));
                if let Some(i) = keys.iter().position(|c| *c == Some(d)) {
                    choose(m, item, i);
                }
                return Vec::new();
            }
            match k.code {
                KeyCode::Tab if m.mode.is_staff() => return next(m, at),
                KeyCode::BackTab if m.mode.is_staff() => return back(m, step),
                KeyCode::Up => {
                    let first = focus(m) == Some(0);
                    if !m.scroll_view(-1, !first) {
                        move_focus(m, -1);
                    }
                }
                KeyCode::Down if !m.scroll_view(1, true) => move_focus(m, 1),
                KeyCode::Down => {}
                KeyCode::Tab => move_focus(m, 1),
                // Answers past the ninth have no number key: End reaches the last ("None of
                // these", "Not sure") at once, Home the first.
                KeyCode::End => move_focus(m, i32::MAX / 2),
                KeyCode::Home => move_focus(m, -(i32::MAX / 2)),
                KeyCode::Char(' ') => {
                    if let Some(f) = focus(m) {
                        choose(m, item, f);
                    } else {
                        return next(m, at);
                    }
                }
                KeyCode::Right => return next(m, at),
                _ if is_next(&k) => return next(m, at),
                _ if is_back(&k) => return back(m, step),
                _ => {}
            }
            Vec::new()
        }
        Msg::Tap(Target::Option(i)) => {
            if let Field::Quantity { unit, .. } = &mut m.field {
                if i < m.session.questionnaire().item(item).unit_choices().len() {
                    *unit = i;
                    m.message = None;
                }
            } else {
                choose(m, item, i);
            }
            Vec::new()
        }
        Msg::Tap(Target::Button(Action::Next)) => next(m, at),
        Msg::Tap(Target::Button(Action::Back)) => back(m, step),
        Msg::Tap(Target::Button(Action::Help)) => {
            m.help_open = true;
            Vec::new()
        }
        Msg::Scroll(n) => {
            if !m.scroll_view(n.signum() as i32, false) {
                move_focus(m, n.signum() as i32);
            }
            Vec::new()
        }
        Msg::Paste(text) => {
            paste_text(m, room, &text);
            Vec::new()
        }
        _ => Vec::new(),
    }
}

/// Typing in a text, number or date field (question screens and the paper form alike): typed
/// characters pass the same sanitizer as pasted ones and stop at the field's length limit
/// (`room`, in characters). Reaching the limit, or typing past it, says so at once under the
/// field, naming the limit (clinical spec 9.4: nothing is cut without the patient knowing).
pub(crate) fn edit_text(m: &mut Model<'_>, room: usize, k: crossterm::event::KeyEvent) {
    let Some(input) = m.field.input_mut() else {
        return;
    };
    let Some(req) = to_input_request(&Event::Key(k)) else {
        return;
    };
    let len = input.value().chars().count();
    if let InputRequest::InsertChar(c) = req {
        if crate::text::is_unsafe(c) || c == '\t' {
            return;
        }
        if len >= room {
            m.message = Some(strings::at_limit(room));
            return;
        }
    }
    input.handle(req);
    let full = input.value().chars().count() >= room;
    m.message = full.then(|| strings::at_limit(room));
}

/// Pasting into a text field: cleaned to one line, and cut at the field's length limit
/// (`room`, in characters) with a message naming the limit when it was reached.
pub(crate) fn paste_text(m: &mut Model<'_>, room: usize, text: &str) {
    let Some(input) = m.field.input_mut() else {
        return;
    };
    let len = input.value().chars().count();
    let clean = crate::text::clean_line(text);
    let fits = room.saturating_sub(len);
    for c in clean.chars().take(fits) {
        input.handle(InputRequest::InsertChar(c));
    }
    let n = clean.chars().count();
    m.message = if n > fits {
        Some(strings::paste_cut(room))
    } else if len + n >= room {
        Some(strings::at_limit(room))
    } else {
        None
    };
}

/// The most characters a text field takes (pasting or typing beyond stops, with a message).
pub(crate) fn max_chars(m: &Model<'_>, item: ItemIdx) -> usize {
    match m.session.questionnaire().item(item).question() {
        Some(QuestionKind::Text { max_length, .. }) => *max_length,
        _ => 40,
    }
}

fn focus(m: &Model<'_>) -> Option<usize> {
    match &m.field {
        Field::Choice { focus, .. } | Field::Multi { focus, .. } => Some(*focus),
        _ => None,
    }
}

fn move_focus(m: &mut Model<'_>, by: i32) {
    let Screen::Step(Step::Item(at)) = m.screen else {
        return;
    };
    m.follow_focus = true;
    let n = m.offered_options(at.item).len();
    if let Field::Choice { focus, .. } | Field::Multi { focus, .. } = &mut m.field
        && n > 0
    {
        *focus = (*focus as i32 + by).clamp(0, n as i32 - 1) as usize;
    }
}

fn choose(m: &mut Model<'_>, item: ItemIdx, i: usize) {
    let it = m.session.questionnaire().item(item);
    if i >= m.offered_options(item).len() {
        return;
    }
    match &mut m.field {
        Field::Choice { focus, chosen } => {
            *focus = i;
            *chosen = Some(i as u32);
        }
        Field::Multi { focus, chosen } => {
            *focus = i;
            *chosen = toggle_option(it, chosen, i as u32);
        }
        _ => return,
    }
    // The list scrolls to the answer chosen (by its number key, perhaps out of sight).
    m.follow_focus = true;
    m.message = None;
}

/// What the field holds as an answer: `Ok(None)` when empty, `Err` with a patient message when
/// it cannot be read.
pub(crate) fn field_answer(m: &Model<'_>, item: ItemIdx) -> Result<Option<Answer>, String> {
    let it = m.session.questionnaire().item(item);
    match (&m.field, it.question()) {
        (Field::Choice { chosen, .. }, _) => Ok(chosen.map(Answer::Choice)),
        (Field::Multi { chosen, .. }, _) => {
            Ok((!chosen.is_empty()).then(|| Answer::Multi(chosen.clone())))
        }
        (Field::Quantity { input, unit }, _) => {
            let v = input.value().trim();
            if crate::text::is_blank(v) {
                return Ok(None);
            }
            typed::parse_number(v).map(|value| {
                Some(Answer::Quantity {
                    value,
                    unit: *unit as u32,
                    base: None,
                })
            })
        }
        (Field::Text(input), Some(kind)) => {
            let v = input.value().trim();
            if crate::text::is_blank(v) {
                return Ok(None);
            }
            match kind {
                QuestionKind::Number { .. } => {
                    typed::parse_number(v).map(|n| Some(Answer::Number(n)))
                }
                QuestionKind::Date { allow_month, .. } => {
                    typed::parse_date_at(v, *allow_month, m.session.visit_date())
                        .map(|d| Some(Answer::Date(d)))
                }
                _ => Ok(Some(Answer::Text(v.to_owned()))),
            }
        }
        _ => Ok(None),
    }
}

/// The program is stopping (a signal, a closed terminal): an answer chosen or typed on screen
/// but not yet confirmed is kept in the draft if it is a valid answer, so nothing the patient
/// gave is lost. Nothing moves on.
pub fn keep_on_screen(m: &mut Model<'_>, at: At) -> Vec<Effect> {
    let Ok(Some(a)) = field_answer(m, at.item) else {
        return Vec::new();
    };
    if m.session.stored_at(at) == Some(&a) || m.session.set_at(at, a).is_err() {
        return Vec::new();
    }
    vec![save(m, at.item)]
}

/// The digit typed, if a digit key was pressed.
fn digit_key(k: &crossterm::event::KeyEvent) -> Option<char> {
    match k.code {
        KeyCode::Char(c @ '0'..='9')
            if !k
                .modifiers
                .contains(crossterm::event::KeyModifiers::CONTROL) =>
        {
            Some(c)
        }
        _ => None,
    }
}

/// Commits the answer on screen and moves on.
pub fn next(m: &mut Model<'_>, at: At) -> Vec<Effect> {
    match commit(m, at, true) {
        Ok(mut effects) => {
            effects.extend(advance(m, Step::Item(at)));
            effects
        }
        Err(Refused) => Vec::new(),
    }
}

/// The answer on screen could not be taken; the model's message says why.
#[derive(Debug)]
pub struct Refused;

/// Commits the answer in the field to the session and asks for it to be saved (or its removal,
/// when the field was emptied). Refused, with a plain message, when it cannot be read, breaks
/// a rule, or is empty while `need_answer` and the question is required.
pub fn commit(m: &mut Model<'_>, at: At, need_answer: bool) -> Result<Vec<Effect>, Refused> {
    let q = m.session.questionnaire();
    let item = at.item;
    let it = q.item(item);
    let mut effects = Vec::new();
    if it.question().is_none() {
        return Ok(effects);
    }
    let answer = match field_answer(m, item) {
        Ok(a) => a,
        Err(e) => {
            m.message = Some(e);
            return Err(Refused);
        }
    };
    match answer {
        None if need_answer && m.session.required_at(at) => {
            // A choice's message is worded for the window when drawn (see `view`): shortened
            // where the answers scroll, naming those out of sight only when they stay so.
            m.message = Some(match it.question() {
                Some(QuestionKind::Choice { style, .. }) => {
                    strings::need_choice(*style == ChoiceStyle::Multi).to_owned()
                }
                _ => strings::NEED_ANSWER.to_owned(),
            });
            // The answers come into view (in the smallest windows the question scrolls with
            // them): the message is about them.
            m.follow_focus = true;
            return Err(Refused);
        }
        None => {
            if m.session.stored_at(at).is_some() {
                m.session.clear_at(at);
                effects.push(save(m, item));
            }
        }
        Some(a) => {
            if (m.session.stored_at(at) != Some(&a) || !m.session.is_visible_at(at))
                && let Err(e) = m.session.set_at(at, a)
            {
                m.message = Some(e.message);
                return Err(Refused);
            }
            if m.session.stored_at(at).is_some() {
                effects.push(save(m, item));
            }
        }
    }
    Ok(effects)
}

/// Saves an item's answers (every occurrence of it, in the answers-file form) to the draft.
pub fn save(m: &Model<'_>, item: ItemIdx) -> Effect {
    Effect::Save {
        item: m.session.questionnaire().item(item).id.clone(),
        value: answers::item_json(&m.session, item, false),
    }
}

/// Where to go after `step`: a safety pause, the end, back to review, or the next step.
pub fn advance(m: &mut Model<'_>, step: Step) -> Vec<Effect> {
    if let Some(flag) = m.session.pending_pause() {
        // Staff are alerted at once, in every mode (the alert command gets no patient data).
        return super::pause::enter(m, flag, step.item());
    }
    if let Some(from_review) = m.back_to_review {
        // A follow-up question the change brought in (not on the review before) is asked
        // first, as in the walk-through.
        let q = m.session.questionnaire();
        let new = m
            .session
            .steps()
            .skip_while(|&s| s != step)
            .skip(1)
            .find(|s| {
                !m.review_seen.contains(s)
                    && matches!(s, Step::Item(a) if q.item(a.item).question().is_some()
                        && m.session.answer_at(*a).is_none())
            });
        if let Some(n) = new {
            m.go_to(n);
            return Vec::new();
        }
        match m.session.first_problem() {
            Some(p) => m.go_to_problem(&p),
            None => super::review::arrive(m, Some(from_review)),
        }
        return Vec::new();
    }
    match m.session.next_step(Some(step)) {
        Some(n) => m.go_to(n),
        None if m.session.ended_at().is_some() => {
            m.screen = Screen::Confirm;
            m.message = None;
        }
        None => super::review::arrive(m, None),
    }
    Vec::new()
}

pub fn back(m: &mut Model<'_>, step: Step) -> Vec<Effect> {
    if let Some(from_review) = m.back_to_review {
        super::review::arrive(m, Some(from_review));
        return Vec::new();
    }
    match m.session.prev_step(step) {
        Some(p) => m.go_to(p),
        None => {
            m.screen = Screen::Welcome;
            m.message = None;
        }
    }
    Vec::new()
}

/// Writes wrapped text at row `y` of `body` (cut at its bottom) and moves `y` below it.
pub(super) fn put_text(
    f: &mut Frame,
    body: Rect,
    y: &mut u16,
    text: &str,
    style: ratatui::style::Style,
) {
    let bottom = body.y + body.height;
    let h = theme::text_height(text, body.width).min(bottom.saturating_sub(*y));
    if h > 0 {
        f.render_widget(
            theme::paragraph(text, style),
            Rect {
                y: *y,
                height: h,
                ..body
            },
        );
    }
    *y += h;
}

/// The footer's height: three rows (boxed buttons) from 16 rows up, else one.
fn footer_height(area: Rect) -> u16 {
    if area.height >= 16 { 3 } else { 1 }
}

/// The frame of a step screen: header with the section, progress bar; returns the body and
/// footer rectangles. `tight`: the progress bar and the blank row above the buttons give way
/// to two more rows of answers (see [`needs_tight_layout`]).
pub(super) fn frame(
    m: &Model<'_>,
    f: &mut Frame,
    area: Rect,
    step: Step,
    tight: bool,
) -> (Rect, Rect) {
    let q = m.session.questionnaire();
    let (where_, done, total) = progress(m, step);
    theme::header(f, Rect { height: 1, ..area }, &q.meta.title, &where_);
    if !tight {
        theme::progress(
            f,
            Rect {
                y: area.y + 1,
                height: 1,
                ..area
            },
            done,
            total,
        );
    }
    let footer_h = footer_height(area);
    let footer = Rect {
        y: area.y + area.height - footer_h,
        height: footer_h,
        ..area
    };
    let body = if tight {
        Rect {
            x: area.x + 1,
            y: area.y + 2,
            width: area.width.saturating_sub(2),
            height: area.height.saturating_sub(2 + footer_h),
        }
    } else {
        Rect {
            x: area.x + 1,
            y: area.y + 3,
            width: area.width.saturating_sub(2),
            height: area.height.saturating_sub(3 + footer_h + 1),
        }
    };
    (body, footer)
}

/// Whether the answers of `item` show whole only with the progress bar and the blank row
/// above the buttons given up (at 80x24: the eleven medicine groups, one per row).
fn needs_tight_layout(m: &Model<'_>, area: Rect, item: ItemIdx, message: Option<&str>) -> bool {
    let it = m.session.questionnaire().item(item);
    let offered = m.offered_options(item);
    if offered.is_empty() || !matches!(it.kind, ItemKind::Question(_)) {
        return false;
    }
    let width = area.width.saturating_sub(2);
    let normal = area.height.saturating_sub(3 + footer_height(area) + 1);
    let message_h = message.map_or(0, |t| theme::text_height(&format!("! {t}"), width));
    let need = theme::text_height(&it.text, width)
        + options::rows_needed(offered, width, options::Numbering::Keys)
        + message_h;
    need > normal && need <= normal + 2
}

/// "Section 3 of 9" (counting every section, so the number does not change as sections are
/// shown or hidden; nothing for a question outside every section, as in a flat FHIR
/// questionnaire), and how far through the questionnaire the step is, for the progress bar:
/// items before it of all items; with repeats, screens before it of all screens now (so each
/// new instance and each "add another" screen moves the bar on rather than back).
pub fn progress(m: &Model<'_>, step: Step) -> (String, usize, usize) {
    let q = m.session.questionnaire();
    let item = step.item();
    let sections: Vec<ItemIdx> = q.sections().collect();
    let here = q.section_of(item);
    let where_ = match sections.iter().position(|&s| s == here) {
        Some(p) => fill(&fill(strings::SECTION_OF, p + 1), sections.len()),
        None => String::new(),
    };
    if q.has_repeats() {
        let steps: Vec<Step> = m.session.steps().collect();
        let done = steps.iter().position(|&s| s == step).unwrap_or(0);
        return (where_, done, steps.len().max(1));
    }
    (where_, item as usize, q.items.len())
}

pub fn view(m: &Model<'_>, f: &mut Frame, area: Rect, hits: &mut HitMap, step: Step) {
    let at = match step {
        Step::Item(at) => at,
        Step::More(at) => return super::more::view(m, f, area, hits, at),
    };
    let shown = m.message.as_deref().or(m.save_problem.as_deref());
    let Some(multi) = m.message.as_deref().and_then(strings::is_need_choice) else {
        return draw_item(m, f, area, hits, at, shown);
    };
    // The empty-answer message of a choice must leave the answers in sight and count only
    // those really out of sight: drawn in full (or in one line) when every answer then shows;
    // else in one line that says more are out of sight, or naming them when that costs none of
    // the answers shown.
    let first_hit = hits.targets.len();
    let view_before = m.viewport.get();
    let redraw = |f: &mut Frame, hits: &mut HitMap, text: &str| {
        f.render_widget(ratatui::widgets::Clear, area);
        hits.targets.truncate(first_hit);
        m.viewport.set(view_before);
        draw_item(m, f, area, hits, at, Some(text));
        m.hidden_options.borrow().clone()
    };
    let base = strings::need_choice(multi);
    if redraw(f, hits, base).is_empty()
        || redraw(f, hits, strings::need_choice_line(multi)).is_empty()
    {
        return;
    }
    let out_of_sight = redraw(f, hits, strings::need_choice_short(multi));
    let named = options::out_of_sight_message(base, m.offered_options(at.item), &out_of_sight);
    let all = m.offered_options(at.item).len();
    let in_sight = all.saturating_sub(out_of_sight.len());
    if in_sight < all.min(3) || redraw(f, hits, &named) != out_of_sight {
        redraw(f, hits, strings::need_choice_short(multi));
    }
}

/// Draws the step of `at` with `message` (validation or saving problem) at the bottom.
fn draw_item(
    m: &Model<'_>,
    f: &mut Frame,
    area: Rect,
    hits: &mut HitMap,
    at: At,
    message: Option<&str>,
) {
    let item = at.item;
    let q = m.session.questionnaire();
    let it = q.item(item);
    let narrow = area.width < 60;
    m.hidden_options.replace(Vec::new());
    let tight = needs_tight_layout(m, area, item, message);
    let (body, footer) = frame(m, f, area, Step::Item(at), tight);
    let context_row = if tight { area.y + 1 } else { area.y + 2 };

    // Footer buttons.
    // What Enter does: from a question opened on the review, it goes back there.
    let next_label = if m.back_to_review.is_some() {
        strings::BACK_TO_REVIEW
    } else if matches!(it.kind, ItemKind::Group { .. }) {
        strings::CONTINUE
    } else {
        strings::NEXT
    };
    let (back_l, help_l, next_l) = if narrow {
        let next_label = if m.back_to_review.is_some() {
            strings::BACK_TO_REVIEW_SHORT
        } else {
            next_label
        };
        (
            "← Back".to_owned(),
            "? Help".to_owned(),
            format!("{next_label} →"),
        )
    } else {
        (
            format!("← {}", strings::BACK),
            format!("? {}", strings::HELP),
            format!("{next_label} →"),
        )
    };
    let mut buttons: Vec<(&str, Action, bool)> = vec![(back_l.as_str(), Action::Back, false)];
    if matches!(it.kind, ItemKind::Question(_)) {
        buttons.push((help_l.as_str(), Action::Help, false));
    }
    buttons.push((next_l.as_str(), Action::Next, true));
    theme::button_row(f, footer, &buttons, hits);

    // Body: heading, text, hint, field, message.
    let mut y = body.y;
    let bottom = body.y + body.height;
    let put = |f: &mut Frame, y: &mut u16, text: &str, style: ratatui::style::Style| {
        put_text(f, body, y, text, style)
    };
    let message_h = message.map_or(0, |t| theme::text_height(&format!("! {t}"), body.width));
    // Where the question stands: the text of the group around it (a section's title, or a
    // FHIR group's stem such as "Over the last two weeks, how often ..."), on the free row under
    // the progress bar; a stem too long for it goes above the question when there is room.
    // Inside repeats it names the instance: "Medicine you take (2)", "Allergy (2)", and for an
    // item asked per answer, the answer ("Which symptoms? (Dizziness)").
    let context = match (
        group_text(q, item),
        crate::summary::instance_label(&m.session, at, false),
    ) {
        (Some(g), Some(w)) => Some(format!("{g} ({w})")),
        (Some(g), None) => Some(g.to_owned()),
        (None, Some(w)) => {
            let outer = q.levels(item).first().map_or(item, |&l| l);
            let name = q.item(outer).text.lines().next().unwrap_or("");
            Some(format!("{name} ({w})"))
        }
        (None, None) => None,
    };
    if !matches!(it.kind, ItemKind::Group { .. })
        && let Some(context) = context.as_deref()
    {
        let line = context.lines().next().unwrap_or("");
        let whole = line.width() <= body.width as usize && !context.contains('\n');
        if whole || area.height < 20 || tight {
            f.render_widget(
                theme::paragraph(&theme::ellipsize(line, body.width as usize), theme::dim()),
                Rect {
                    y: context_row,
                    height: 1,
                    ..body
                },
            );
        } else {
            put(f, &mut y, context, theme::dim());
        }
    }
    // A question too long for its answers to fit beside it (the smallest windows): the question,
    // hint and answers scroll together, so every part can be reached.
    if let ItemKind::Question(_) = &it.kind {
        let text_h = theme::text_height(&it.text, body.width);
        let offered = m.offered_options(item);
        let n = offered.len() as u16;
        // The answers need room for three of them, and for the tallest one whole with the
        // "more above/below" rows; otherwise everything scrolls together.
        let tallest = offered
            .iter()
            .map(|o| theme::line_height(&o.label, body.width))
            .max()
            .unwrap_or(1);
        let min_field = if offered.is_empty() {
            1
        } else {
            (tallest + 2).max(n.min(3))
        };
        let avail = bottom.saturating_sub(y + message_h);
        if text_h + min_field > avail {
            let hint = hint_text(it);
            let hint_h = theme::text_height(&hint, body.width);
            let field_y = text_h + hint_h + 1;
            // Options one under another, each label wrapped in full; a quantity with units:
            // its typing line, then one line per unit.
            let heights: Vec<u16> = offered
                .iter()
                .map(|o| theme::line_height(&o.label, body.width))
                .collect();
            let field_h = if offered.is_empty() {
                1 + it.unit_choices().len() as u16
            } else {
                heights.iter().sum()
            };
            let (focus_top, focus_h) = focus(m).map_or((0, 1), |i| {
                (
                    heights.iter().take(i).sum::<u16>(),
                    heights.get(i).copied().unwrap_or(1),
                )
            });
            let view = theme::Viewport {
                focus: Some((field_y + focus_top, field_y + focus_top + focus_h)),
                ..m.viewport.get()
            };
            let window = Rect {
                y,
                height: avail,
                ..body
            };
            let drawn = theme::viewport_with(
                f,
                window,
                field_y + field_h,
                view,
                m.follow_focus,
                hits,
                strings::MORE_ANSWERS_BELOW,
                |f, r, hits| {
                    let line = |f: &mut Frame, y: u16, h: u16, text: &str, style| {
                        f.render_widget(theme::paragraph(text, style), Rect { y, height: h, ..r });
                    };
                    line(f, r.y, text_h, &it.text, theme::bold());
                    line(f, r.y + text_h, hint_h, &hint, theme::dim());
                    field_view(
                        m,
                        f,
                        Rect {
                            y: r.y + field_y,
                            height: field_h,
                            ..r
                        },
                        hits,
                        item,
                        true,
                    );
                },
            );
            m.viewport.set(drawn);
            // The answers out of the window, for the message that names them.
            let mut top = field_y;
            let mut hidden = Vec::new();
            for (i, h) in heights.iter().enumerate() {
                if drawn.scrolls() && (top < drawn.offset || top + h > drawn.offset + drawn.height)
                {
                    hidden.push(i);
                }
                top += h;
            }
            m.hidden_options.replace(hidden);
            if let Some(t) = message {
                let h = message_h.min(body.height);
                theme::message(
                    f,
                    Rect {
                        y: bottom.saturating_sub(h),
                        height: h,
                        ..body
                    },
                    t,
                );
            }
            return;
        }
    }
    m.viewport.set(theme::Viewport::default());
    match &it.kind {
        ItemKind::Group { intro } => {
            put(f, &mut y, &it.text, theme::bold());
            y += 1;
            put(
                f,
                &mut y,
                intro.as_deref().unwrap_or(""),
                ratatui::style::Style::default(),
            );
        }
        ItemKind::Info => put(f, &mut y, &it.text, theme::bold()),
        ItemKind::Question(_) => {
            put(f, &mut y, &it.text, theme::bold());
            let hint = hint_text(it);
            // Room goes to the question, then the field, then the message; the hint and blank
            // lines only when there is space left for a full-size field.
            let hint_h = theme::text_height(&hint, body.width);
            let room = bottom.saturating_sub(y + message_h);
            // A text field needs five rows; a list of answers what shows every one of them
            // (one per row, or two columns).
            let offered = m.offered_options(item);
            let field_need = if offered.is_empty() {
                5
            } else {
                options::rows_needed(offered, body.width, options::Numbering::Keys)
            };
            if room >= hint_h + 1 + field_need {
                put(f, &mut y, &hint, theme::dim());
                y += 1;
            }
            let field_area = Rect {
                y,
                height: bottom.saturating_sub(y + message_h),
                ..body
            };
            field_view(m, f, field_area, hits, item, false);
        }
    }
    if let Some(t) = message {
        let h = message_h.min(body.height);
        theme::message(
            f,
            Rect {
                y: bottom.saturating_sub(h),
                height: h,
                ..body
            },
            t,
        );
    }
    if m.help_open {
        let help = it.help.as_deref().unwrap_or(strings::NO_HELP);
        let below_question =
            (body.y + theme::text_height(&it.text, body.width)).min(bottom.saturating_sub(3));
        let h = (theme::text_height(help, body.width.saturating_sub(4)) + 2)
            .min(bottom.saturating_sub(below_question).max(3));
        let r = Rect {
            x: body.x + 1,
            y: below_question,
            width: body.width.saturating_sub(2),
            height: h,
        };
        theme::overlay(f, r, strings::HELP, help);
    }
}

/// The line under a question saying how to answer it.
pub(crate) fn hint_text(it: &crate::questionnaire::Item) -> String {
    let Some(kind) = it.question() else {
        return String::new();
    };
    match (kind, it.required) {
        (
            QuestionKind::Choice {
                style: ChoiceStyle::Multi,
                ..
            },
            _,
        ) if options::some_without_key(it.options()) => {
            format!("{} {}", strings::CHOOSE_MANY_HINT, strings::END_KEY_HINT)
        }
        (
            QuestionKind::Choice {
                style: ChoiceStyle::Multi,
                ..
            },
            _,
        ) => strings::CHOOSE_MANY_HINT.to_owned(),
        (QuestionKind::Choice { .. }, _) if options::some_without_key(it.options()) => {
            format!("{} {}", strings::CHOOSE_ONE_HINT, strings::END_KEY_HINT)
        }
        (QuestionKind::Choice { .. }, _) => strings::CHOOSE_ONE_HINT.to_owned(),
        (QuestionKind::Number { min, max, unit, .. }, _) => {
            // FHIR's 32-bit integer limits are a technical bound, not one worth reading.
            let real = |b: &Option<f64>| b.filter(|v| v.abs() < f64::from(i32::MAX));
            let range = match (real(min), real(max)) {
                (Some(a), Some(b)) => format!(
                    " from {} to {}",
                    crate::summary::fmt_num(a),
                    crate::summary::fmt_num(b)
                ),
                _ => String::new(),
            };
            if it.unit_choices().is_empty() {
                let unit = unit.as_ref().map(|u| format!(" ({u})")).unwrap_or_default();
                format!("{}{range}{unit}.", strings::NUMBER_HINT)
            } else {
                let first = it
                    .unit_choices()
                    .first()
                    .filter(|_| !range.is_empty())
                    .map(|u| format!(" {}", u.display))
                    .unwrap_or_default();
                format!(
                    "{}{range}{first}; {}",
                    strings::NUMBER_HINT,
                    strings::UNIT_HINT
                )
            }
        }
        (
            QuestionKind::Date {
                allow_month: true, ..
            },
            _,
        ) => format!("{}.", strings::DATE_MONTH_HINT),
        (QuestionKind::Date { .. }, _) => format!("{}.", strings::DATE_HINT),
        (QuestionKind::Text { .. }, true) => strings::TEXT_HINT.to_owned(),
        (QuestionKind::Text { .. }, false) => {
            format!("{} {}", strings::TEXT_HINT, strings::OPTIONAL_HINT)
        }
    }
}

/// The answer field. `lines_only`: options one per (wrapped) line, never boxed (the
/// scrolling layout of the smallest windows).
fn field_view(
    m: &Model<'_>,
    f: &mut Frame,
    area: Rect,
    hits: &mut HitMap,
    item: ItemIdx,
    lines_only: bool,
) {
    if area.height == 0 || area.width < 4 {
        return;
    }
    let it = m.session.questionnaire().item(item);
    // A staff-only answer (given in reception mode) is not among a patient's options: the
    // focus stays on the options shown.
    let offered = m.offered_options(item);
    let shown = offered.len().saturating_sub(1);
    let boxes = !lines_only && !m.mode.is_staff();
    let mut list = |focus: usize, marker: &dyn Fn(usize) -> &'static str| {
        let list = options::OptionList {
            options: offered,
            focus: Some(focus.min(shown)),
            boxes,
            marker,
            numbering: options::Numbering::Keys,
        };
        options::draw(&list, f, area, hits)
    };
    let hidden = match &m.field {
        Field::Choice { focus, chosen } => list(*focus, &|i| {
            if *chosen == Some(i as u32) {
                "(x)"
            } else {
                "( )"
            }
        }),
        Field::Multi { focus, chosen } => list(*focus, &|i| {
            if chosen.contains(&(i as u32)) {
                "[x]"
            } else {
                "[ ]"
            }
        }),
        _ => Vec::new(),
    };
    if !lines_only && matches!(m.field, Field::Choice { .. } | Field::Multi { .. }) {
        m.hidden_options.replace(hidden);
    }
    match &m.field {
        Field::Text(input) => text_box(f, area, input),
        Field::Quantity { input, unit } => {
            let units = it.unit_choices().len() as u16;
            let box_h = if area.height >= 3 + units { 3 } else { 1 };
            text_box(
                f,
                Rect {
                    height: box_h,
                    ..area
                },
                input,
            );
            let units: Vec<crate::questionnaire::ChoiceOption> = it
                .unit_choices()
                .iter()
                .map(|u| crate::questionnaire::ChoiceOption {
                    label: u.display.clone(),
                    ..Default::default()
                })
                .collect();
            let below = Rect {
                y: area.y + box_h,
                height: area.height.saturating_sub(box_h),
                ..area
            };
            if below.height > 0 {
                options_view(
                    m.mode.is_staff(),
                    false,
                    f,
                    below,
                    hits,
                    &units,
                    *unit,
                    |i| if i == *unit { "(x)" } else { "( )" },
                );
            }
        }
        _ => {}
    }
}

/// A typing box: a thick box when there is room, otherwise one line starting with `>`; the
/// terminal cursor sits at the input's cursor.
fn text_box(f: &mut Frame, area: Rect, input: &tui_input::Input) {
    let boxed = area.height >= 3;
    let r = Rect {
        height: if boxed { 3 } else { 1 },
        ..area
    };
    let (inner_x, inner_w) = (
        r.x + if boxed { 1 } else { 2 },
        r.width.saturating_sub(3) as usize,
    );
    let scroll = input.visual_scroll(inner_w);
    let text = ratatui::widgets::Paragraph::new(input.value()).scroll((0, scroll as u16));
    if boxed {
        let block = ratatui::widgets::Block::default()
            .borders(ratatui::widgets::Borders::ALL)
            .border_type(ratatui::widgets::BorderType::Thick);
        f.render_widget(text.block(block), r);
    } else {
        f.render_widget(
            ratatui::widgets::Paragraph::new(">").style(theme::bold()),
            Rect { width: 2, ..r },
        );
        f.render_widget(
            text,
            Rect {
                x: inner_x,
                width: r.width.saturating_sub(2),
                ..r
            },
        );
    }
    let cx = inner_x + (input.visual_cursor().max(scroll) - scroll) as u16;
    let cy = if boxed { r.y + 1 } else { r.y };
    f.set_cursor_position((cx.min(r.x + r.width.saturating_sub(2)), cy));
}

/// The options of a choice as boxes (or lines when space is short), scrolled to the focus;
/// `keyed`: each shows the number key that chooses it.
#[allow(clippy::too_many_arguments)]
pub(super) fn options_view(
    compact: bool,
    keyed: bool,
    f: &mut Frame,
    area: Rect,
    hits: &mut HitMap,
    options: &[crate::questionnaire::ChoiceOption],
    focus: usize,
    marker: impl Fn(usize) -> &'static str,
) {
    // Boxed options (three-row tap targets) when every one of them fits with both scroll hints;
    // otherwise one line each, so the smallest window still shows every choice.
    let tallest = options
        .iter()
        .map(|o| theme::option_height(&o.label, area.width))
        .max()
        .unwrap_or(0);
    let boxed = area.height >= 5 && tallest + 2 <= area.height && !compact;
    let keys = if keyed {
        option_keys(options)
    } else {
        Vec::new()
    };
    let heights: Vec<u16> = options
        .iter()
        .map(|o| {
            if boxed {
                theme::option_height(&o.label, area.width)
            } else {
                1
            }
        })
        .collect();
    // Scroll so the focused option is visible, leaving a row for "more" hints when scrolled.
    let mut start = 0;
    while start < focus {
        let used: u16 = heights[start..=focus].iter().sum::<u16>() + u16::from(start > 0);
        if used < area.height {
            break;
        }
        start += 1;
    }
    let mut y = area.y;
    if start > 0 {
        f.render_widget(
            ratatui::widgets::Paragraph::new(strings::MORE_ABOVE),
            Rect {
                y,
                height: 1,
                ..area
            },
        );
        y += 1;
    }
    for (i, o) in options.iter().enumerate().skip(start) {
        let h = heights[i];
        let remaining = area.y + area.height - y;
        let last_fits = i + 1 == options.len() && h <= remaining;
        if h + 1 > remaining && !last_fits {
            f.render_widget(
                ratatui::widgets::Paragraph::new(strings::MORE_BELOW),
                Rect {
                    y: area.y + area.height - 1,
                    height: 1,
                    ..area
                },
            );
            break;
        }
        let r = Rect {
            y,
            height: h,
            ..area
        };
        let view = theme::OptionView {
            marker: marker(i),
            index: i,
            number: keys.get(i).copied().flatten().unwrap_or(' ').to_string(),
            label: &o.label,
            focused: i == focus,
        };
        if boxed {
            view.boxed(f, r, hits);
        } else {
            view.line(f, r, hits);
        }
        y += h;
    }
}

/// The text of the nearest group around `item`.
fn group_text(q: &crate::questionnaire::Questionnaire, item: ItemIdx) -> Option<&str> {
    let mut at = q.item(item).parent;
    while let Some(p) = at {
        let it = q.item(p);
        if matches!(it.kind, ItemKind::Group { .. }) {
            return Some(it.text.as_str()).filter(|t| !t.trim().is_empty());
        }
        at = it.parent;
    }
    None
}
