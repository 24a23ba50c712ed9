//! Typing in a paper form (reception, `triage run --staff --from-paper`): one screen per section,
//! laid out as a form with every visible question of the section at once. Option numbers are
//! typed directly (a one-digit choice moves on by itself), Tab / Enter go to the next field and
//! Shift-Tab back, the last field of a section goes on to the next section; conditions are
//! evaluated again as each answer is given, so questions appear and disappear as the paper says.
//! Each answer is saved to the draft as it is given. A section cannot be left forward with a
//! required answer missing: the missing ones are marked and named. Keys become this screen's
//! actions in one place, [`action`].

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use tui_input::InputRequest;
use unicode_width::UnicodeWidthStr;

use crate::engine::{At, Step, toggle_option};
use crate::questionnaire::{ItemIdx, ItemKind, OptionIdx};
use crate::strings;
use crate::tui::model::{Action, Effect, Field, HitMap, Intent, Model, Msg, Screen, Target};
use crate::tui::options;
use crate::tui::paper::{page_end, page_of, pages};
use crate::tui::screens::{pause, review, step};
use crate::tui::theme;

/// What a key or tap asks of the form.
#[derive(Debug, Clone, PartialEq)]
pub enum FormAction {
    /// Commit this field and go to the next one (the next section after the last).
    Next,
    /// Commit this field and go to the one before (the previous section's last, at the first).
    Prev,
    NextSection,
    PrevSection,
    /// A digit of an option number.
    Digit(u32),
    /// Ends an option number that could go on ("1" of a list of ten or more).
    Separator,
    /// Empties a choice field.
    Clear,
    /// Edits a typed field.
    Edit(InputRequest),
    Help,
    /// Focus this field (a tap on its row).
    Focus(usize),
    /// Choose this option of the focused field (a tap).
    Choose(usize),
    Nothing,
}

/// The one place intents (from the tables `Paper` and `PaperTyping` of
/// `crate::tui::keymap::patient`) become this screen's actions.
pub fn action(i: Intent) -> FormAction {
    match i {
        Intent::NextField => FormAction::Next,
        Intent::PrevField => FormAction::Prev,
        Intent::NextSection => FormAction::NextSection,
        Intent::PrevSection => FormAction::PrevSection,
        Intent::Help => FormAction::Help,
        Intent::Type(c) => FormAction::Edit(InputRequest::InsertChar(c)),
        Intent::Edit(req) => FormAction::Edit(req),
        Intent::Digit(d) => FormAction::Digit(u32::from(d)),
        Intent::Separator => FormAction::Separator,
        Intent::Clear => FormAction::Clear,
        _ => FormAction::Nothing,
    }
}

/// The questions of `section` (a page, see [`pages`]) shown as fields, in order: visible, not
/// read-only.
pub fn fields(m: &Model<'_>, section: ItemIdx) -> Vec<ItemIdx> {
    let q = m.session.questionnaire();
    section
        .up_to(page_end(q, section))
        .filter(|&i| m.session.is_step(i) && matches!(q.item(i).kind, ItemKind::Question(_)))
        .collect()
}

/// The first page after (`forward`) or before `section` that has a field to type in.
fn other_section(m: &Model<'_>, section: ItemIdx, forward: bool) -> Option<ItemIdx> {
    let q = m.session.questionnaire();
    let mut sections: Vec<ItemIdx> = pages(q);
    if !forward {
        sections.reverse();
    }
    sections
        .into_iter()
        .skip_while(|&s| s != section)
        .skip(1)
        .find(|&s| !fields(m, s).is_empty())
}

/// Opens the form at its first field without an answer (the preset "typed in by staff from my
/// paper form" is not typed again): the start of paper mode.
pub fn start(m: &mut Model<'_>) {
    let q = m.session.questionnaire();
    let first = m
        .session
        .steps()
        .find(|s| {
            matches!(s, Step::Item(at) if at.inst.is_empty()
                && matches!(q.item(at.item).kind, ItemKind::Question(_))
                && m.session.stored(at.item).is_none())
        })
        .or_else(|| m.session.next_step(None));
    match first {
        Some(first) => m.go_to(first),
        None => review::arrive(m, None),
    }
}

pub fn update(m: &mut Model<'_>, msg: Msg) -> Vec<Effect> {
    let Screen::Form { focus, .. } = m.screen else {
        return Vec::new();
    };
    if m.help_open {
        if matches!(msg, Msg::Intent(_) | Msg::Tap(_)) {
            m.help_open = false;
        }
        return Vec::new();
    }
    let act = match msg {
        Msg::Intent(i) => action(i),
        Msg::Tap(Target::Row(i)) => FormAction::Focus(i),
        Msg::Tap(Target::Option(i)) => FormAction::Choose(i),
        Msg::Tap(Target::Button(Action::Next)) => FormAction::Next,
        Msg::Tap(Target::Button(Action::Back)) => FormAction::Prev,
        Msg::Tap(Target::Button(Action::Help)) => FormAction::Help,
        Msg::Paste(text) => {
            paste(m, focus, &text);
            return Vec::new();
        }
        _ => FormAction::Nothing,
    };
    perform(m, focus, act)
}

fn perform(m: &mut Model<'_>, focus: ItemIdx, act: FormAction) -> Vec<Effect> {
    match act {
        FormAction::Next => leave_field(m, focus, Direction::Forward),
        FormAction::Prev => leave_field(m, focus, Direction::Back),
        FormAction::NextSection => leave_field(m, focus, Direction::NextSection),
        FormAction::PrevSection => leave_field(m, focus, Direction::PrevSection),
        FormAction::Digit(d) => digit(m, focus, d),
        FormAction::Separator => {
            let mut effects = flush_pending(m, focus);
            effects.extend(after_choice(m, focus, false));
            effects
        }
        FormAction::Clear => clear(m, focus),
        FormAction::Edit(k) => {
            edit(m, focus, k);
            Vec::new()
        }
        FormAction::Help => {
            m.help_open = true;
            Vec::new()
        }
        FormAction::Focus(i) => {
            let Screen::Form { section, .. } = m.screen else {
                return Vec::new();
            };
            let Some(&target) = fields(m, section).get(i) else {
                return Vec::new();
            };
            let mut effects = match commit_here(m, focus) {
                Ok(e) => e,
                Err(e) => return e,
            };
            if m.session.pending_pause().is_some() {
                effects.extend(pause_if_needed(m, focus));
            } else {
                focus_field(m, target);
            }
            effects
        }
        FormAction::Choose(i) => {
            let effects = choose(m, focus, i);
            let mut all = effects;
            all.extend(after_choice(m, focus, true));
            all
        }
        FormAction::Nothing => Vec::new(),
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Direction {
    Forward,
    Back,
    NextSection,
    PrevSection,
}

/// Focuses `item` in its section's form, with its stored answer in the field.
fn focus_field(m: &mut Model<'_>, item: ItemIdx) {
    m.go_to(Step::base(item));
}

/// Commits the focused field (an empty required answer is allowed here: it is marked, and the
/// section cannot be left forward without it). `Err` when it was refused (the message says
/// why), with the saves still to make for an option number that was pending.
fn commit_here(m: &mut Model<'_>, focus: ItemIdx) -> Result<Vec<Effect>, Vec<Effect>> {
    let mut effects = flush_pending(m, focus);
    if m.field.input().is_none() {
        // Options are committed and saved as they are typed.
        return Ok(effects);
    }
    match step::commit(m, At::base(focus), false) {
        Ok(e) => {
            effects.extend(e);
            Ok(effects)
        }
        Err(step::Refused) => Err(effects),
    }
}

/// A safety pause the last answer set off shows at once (staff are alerted, as in every mode).
fn pause_if_needed(m: &mut Model<'_>, at: ItemIdx) -> Vec<Effect> {
    match m.session.pending_pause() {
        Some(flag) => pause::enter(m, flag, at),
        None => Vec::new(),
    }
}

fn leave_field(m: &mut Model<'_>, focus: ItemIdx, dir: Direction) -> Vec<Effect> {
    let Screen::Form { section, .. } = m.screen else {
        return Vec::new();
    };
    m.message = None;
    let mut effects = match commit_here(m, focus) {
        Ok(e) => e,
        Err(e) => return e,
    };
    if m.session.pending_pause().is_some() {
        effects.extend(pause_if_needed(m, focus));
        return effects;
    }
    if let Some(from_review) = m.back_to_review.filter(|_| dir == Direction::Forward) {
        // Opened from the review screen: back there, on the row changed, unless the change
        // made another answer necessary.
        match m.session.first_problem() {
            Some(p) if p.item() != focus => m.go_to_problem(&p),
            _ => review::arrive(m, Some(from_review)),
        }
        return effects;
    }
    let list = fields(m, section);
    let here = list.iter().position(|&i| i == focus);
    match dir {
        Direction::Forward => match here.and_then(|p| list.get(p + 1)) {
            Some(&next) => focus_field(m, next),
            None => leave_section(m, section),
        },
        Direction::NextSection => leave_section(m, section),
        Direction::Back => match here
            .and_then(|p| p.checked_sub(1))
            .and_then(|p| list.get(p))
        {
            Some(&prev) => focus_field(m, prev),
            None => {
                if let Some(prev) = other_section(m, section, false)
                    && let Some(&last) = fields(m, prev).last()
                {
                    focus_field(m, last);
                }
            }
        },
        Direction::PrevSection => {
            let target = match here {
                Some(p) if p > 0 => list.first().copied(),
                _ => other_section(m, section, false).and_then(|s| fields(m, s).first().copied()),
            };
            if let Some(t) = target {
                focus_field(m, t);
            }
        }
    }
    effects
}

/// Goes on from `section`: to the next section with fields, or to the end (review, or the
/// confirmation when a rule ended the questionnaire). Refused while a required answer of this
/// section is missing: those are marked, named, and the first gets the focus.
fn leave_section(m: &mut Model<'_>, section: ItemIdx) {
    let missing: Vec<ItemIdx> = m
        .session
        .problems()
        .map(|p| p.item())
        .filter(|&i| page_of(m.session.questionnaire(), i) == section)
        .collect();
    if let Some(&first) = missing.first() {
        let q = m.session.questionnaire();
        let labels: Vec<&str> = missing.iter().map(|&i| q.item(i).patient_label()).collect();
        focus_field(m, first);
        if let Screen::Form { show_missing, .. } = &mut m.screen {
            *show_missing = true;
        }
        m.message = Some(m.keys_hint(&strings::form_missing(&labels)));
        return;
    }
    match other_section(m, section, true) {
        Some(next) => {
            if let Some(&first) = fields(m, next).first() {
                focus_field(m, first);
            }
        }
        None if m.session.ended_at().is_some() => {
            m.show(Screen::Confirm);
        }
        None => review::arrive(m, None),
    }
}

/// The option numbers of the focused field can reach `n` options: how many digits a number
/// may have before it is complete.
fn can_go_on(number: u32, numbers: &[u32]) -> bool {
    number > 0 && numbers.iter().any(|&n| n >= number * 10)
}

fn digit(m: &mut Model<'_>, focus: ItemIdx, d: u32) -> Vec<Effect> {
    if !matches!(m.field, Field::Choice { .. } | Field::Multi { .. }) {
        return Vec::new();
    }
    // The numbers printed beside the answers (positions, or a scale's own numbers).
    let numbers = options::paper_numbers(m.offered_options(focus));
    let index = |n: u32| numbers.iter().position(|&x| x == n);
    let Screen::Form { pending, .. } = &mut m.screen else {
        return Vec::new();
    };
    let mut effects = Vec::new();
    let number = match pending.take() {
        Some(p) if index(p * 10 + d).is_some() => p * 10 + d,
        Some(p) => {
            // "1" then "5" in a list of eleven: option 1, then option 5.
            if let Some(i) = index(p) {
                effects.extend(choose(m, focus, i));
            }
            d
        }
        None => d,
    };
    let Some(i) = index(number) else {
        let (lo, hi) = (
            numbers.iter().min().copied().unwrap_or(1),
            numbers.iter().max().copied().unwrap_or(1),
        );
        m.message = Some(strings::form_no_such_answer(number, lo, hi));
        return effects;
    };
    if can_go_on(number, &numbers) {
        if let Screen::Form { pending, .. } = &mut m.screen {
            *pending = Some(number);
        }
        return effects;
    }
    effects.extend(choose(m, focus, i));
    effects.extend(after_choice(m, focus, true));
    effects
}

/// The pending option number, taken as it is.
fn flush_pending(m: &mut Model<'_>, focus: ItemIdx) -> Vec<Effect> {
    let pending = match &mut m.screen {
        Screen::Form { pending, .. } => pending.take(),
        _ => None,
    };
    let numbers = options::paper_numbers(m.offered_options(focus));
    match pending.and_then(|p| numbers.iter().position(|&x| x == p)) {
        Some(i) => choose(m, focus, i),
        None => Vec::new(),
    }
}

/// Chooses (single) or toggles (multi) option `i` of the focused field, and saves the answer
/// at once, so conditions that depend on it show or hide fields as it is typed.
fn choose(m: &mut Model<'_>, focus: ItemIdx, i: usize) -> Vec<Effect> {
    if i >= m.offered_options(focus).len() {
        return Vec::new();
    }
    let it = m.session.questionnaire().item(focus);
    match &mut m.field {
        Field::Choice { focus: f, chosen } => {
            *f = i;
            *chosen = Some(OptionIdx::at(i).get());
        }
        Field::Multi { focus: f, chosen } => {
            *f = i;
            *chosen = toggle_option(it, chosen, OptionIdx::at(i).get());
        }
        _ => return Vec::new(),
    }
    m.message = None;
    step::commit(m, At::base(focus), false).unwrap_or_default()
}

/// After an option was chosen: a single choice whose number is complete moves on by itself;
/// a safety pause shows at once.
fn after_choice(m: &mut Model<'_>, focus: ItemIdx, chosen_now: bool) -> Vec<Effect> {
    if m.session.pending_pause().is_some() {
        return pause_if_needed(m, focus);
    }
    let single = matches!(
        m.field,
        Field::Choice {
            chosen: Some(_),
            ..
        }
    );
    if chosen_now && single {
        return leave_field(m, focus, Direction::Forward);
    }
    Vec::new()
}

fn clear(m: &mut Model<'_>, focus: ItemIdx) -> Vec<Effect> {
    if let Screen::Form { pending, .. } = &mut m.screen
        && pending.take().is_some()
    {
        return Vec::new();
    }
    match &mut m.field {
        Field::Choice { chosen, .. } => *chosen = None,
        Field::Multi { chosen, .. } => chosen.clear(),
        _ => return Vec::new(),
    }
    step::commit(m, At::base(focus), false).unwrap_or_default()
}

/// Typing in a text, number or date field: the same sanitizer, length limit and message as
/// the question screens.
fn edit(m: &mut Model<'_>, focus: ItemIdx, req: InputRequest) {
    let room = step::max_chars(m, focus);
    step::edit_text(m, room, req);
}

fn paste(m: &mut Model<'_>, focus: ItemIdx, text: &str) {
    let room = step::max_chars(m, focus);
    step::paste_text(m, room, text);
}

/// What Enter does here, for the button and the key line.
fn enter_does(m: &Model<'_>, section: ItemIdx, focus: ItemIdx) -> &'static str {
    if m.back_to_review.is_some() {
        return strings::FORM_ENTER_REVIEW;
    }
    let list = fields(m, section);
    // What leaving the section would find missing (the field with the focus counts as
    // answered when something is typed in it: Enter takes it first).
    let typed = m
        .field
        .input()
        .is_some_and(|i| !crate::text::is_blank(i.value()));
    let missing = m.session.problems().any(|p| {
        m.session.questionnaire().section_of(p.item()) == section && !(typed && p.item() == focus)
    });
    if list.last() != Some(&focus) {
        strings::FORM_ENTER_FIELD
    } else if missing {
        strings::FORM_ENTER_MISSING
    } else if other_section(m, section, true).is_some() {
        strings::FORM_ENTER_SECTION
    } else {
        strings::FORM_ENTER_END
    }
}

/// The rows a field takes: one when not focused; the question, its answers and the entry
/// line when focused.
fn block_height(m: &Model<'_>, item: ItemIdx, focused: bool, width: u16) -> u16 {
    if !focused {
        return 1;
    }
    let it = m.session.questionnaire().item(item);
    let text = theme::text_height(&format!("► {}", it.text), width);
    let offered = m.offered_options(item);
    let answers = if offered.is_empty() {
        theme::text_height(&m.keys_hint(&step::hint_text(it)), width.saturating_sub(2))
    } else {
        options::rows_needed(
            offered,
            width.saturating_sub(2),
            options::Numbering::Positions,
        )
    };
    text + answers + 1
}

pub fn view(m: &Model<'_>, f: &mut Frame, area: Rect, hits: &mut HitMap) {
    let Screen::Form {
        section,
        focus,
        pending,
        show_missing,
    } = &m.screen
    else {
        return;
    };
    let q = m.session.questionnaire();
    let sections = pages(q);
    let pos = sections
        .iter()
        .position(|s| s == section)
        .map_or(0, |p| p + 1);
    let right = strings::form_where(pos, sections.len());
    theme::header(f, Rect { height: 1, ..area }, &q.meta.title, &right);
    // A section's title; the questions outside every section under the questionnaire's.
    let title = match q.item(*section).kind {
        ItemKind::Group { .. } => q.item(*section).text.as_str(),
        _ => q.meta.title.as_str(),
    };
    f.render_widget(
        Paragraph::new(theme::ellipsize(
            title,
            area.width.saturating_sub(2) as usize,
        ))
        .style(theme::bold()),
        Rect {
            x: area.x + 1,
            y: area.y + 1,
            width: area.width.saturating_sub(2),
            height: 1,
        },
    );
    // The last two rows: what is wrong (or the keys), then the buttons.
    let footer = Rect {
        y: area.y + area.height - 1,
        height: 1,
        ..area
    };
    let does = enter_does(m, *section, *focus);
    let next_l = format!("{does} →");
    let back_l = format!(
        "{} {}",
        m.key_name(Intent::PrevField).unwrap_or_default(),
        strings::FORM_BACK
    );
    let help_l = format!(
        "{} {}",
        m.key_name(Intent::Help).unwrap_or_default(),
        strings::HELP_SHORT
    );
    let mut buttons = vec![(back_l.as_str(), Action::Back, false)];
    if area.width >= 60 {
        buttons.push((help_l.as_str(), Action::Help, false));
    }
    buttons.push((next_l.as_str(), Action::Next, true));
    theme::button_row(f, footer, &buttons, hits);
    let line = m.message.as_ref().or(m.save_problem.as_ref()).map_or_else(
        || {
            let keys = if area.width >= 60 {
                strings::FORM_KEYS
            } else {
                strings::FORM_KEYS_SHORT
            };
            (m.keys_hint(keys), theme::dim())
        },
        |t| (format!("! {t}"), theme::bold()),
    );
    let line_h = theme::text_height(&line.0, area.width).clamp(1, 3);
    f.render_widget(
        theme::paragraph(&line.0, line.1),
        Rect {
            y: footer.y.saturating_sub(line_h),
            height: line_h,
            ..area
        },
    );
    let list_area = Rect {
        x: area.x + 1,
        y: area.y + 2,
        width: area.width.saturating_sub(2),
        height: area.height.saturating_sub(3 + line_h),
    };
    let list = fields(m, *section);
    let heights: Vec<u16> = list
        .iter()
        .map(|&i| block_height(m, i, i == *focus, list_area.width))
        .collect();
    let content: u16 = heights.iter().sum();
    let at = list.iter().position(|i| i == focus).unwrap_or(0);
    let top: u16 = heights.iter().take(at).sum();
    let view = theme::Viewport {
        focus: Some((top, top + heights.get(at).copied().unwrap_or(1))),
        ..m.viewport.get()
    };
    let drawn = theme::viewport(f, list_area, content, view, true, hits, |f, r, hits| {
        let mut y = r.y;
        for (row, (&item, &h)) in list.iter().zip(&heights).enumerate() {
            let block = Rect { y, height: h, ..r };
            if item == *focus {
                focused_field(m, f, block, hits, item, *pending);
            } else {
                field_line(m, f, block, hits, item, row, *show_missing);
            }
            y += h;
        }
    });
    m.viewport.set(drawn);
    if m.help_open {
        let it = q.item(*focus);
        let help = it.help.as_deref().unwrap_or(strings::NO_HELP);
        let h = (theme::text_height(help, list_area.width.saturating_sub(4)) + 2)
            .min(list_area.height.max(3));
        let r = Rect {
            x: list_area.x + 1,
            width: list_area.width.saturating_sub(2),
            height: h,
            ..list_area
        };
        theme::overlay(f, r, &step::help_title(), help);
    }
}

/// A field without the focus: its label and answer on one row (a tap focuses it).
fn field_line(
    m: &Model<'_>,
    f: &mut Frame,
    r: Rect,
    hits: &mut HitMap,
    item: ItemIdx,
    row: usize,
    show_missing: bool,
) {
    let it = m.session.questionnaire().item(item);
    let label_w = (r.width as usize * 2 / 5).clamp(8, 36);
    let label = theme::ellipsize(it.patient_label(), label_w.saturating_sub(3));
    let pad = label_w.saturating_sub(label.width() + 2);
    let (answer, style) = match m.session.answer(item) {
        Some(_) => (
            review::shown(m, At::base(item)),
            ratatui::style::Style::default(),
        ),
        None if show_missing && it.required => (strings::FORM_MISSING.to_owned(), theme::bold()),
        None => (strings::NOT_GIVEN.to_owned(), theme::dim()),
    };
    let room = (r.width as usize).saturating_sub(label_w);
    let text = Line::from(vec![
        Span::raw(format!("  {label}{}", " ".repeat(pad))),
        Span::styled(theme::ellipsize(&answer, room), style),
    ]);
    f.render_widget(Paragraph::new(text), r);
    hits.add(r, Target::Row(row));
}

/// The field with the focus: the whole question, its numbered answers (every one in sight),
/// and the entry line (option numbers chosen, or the text with its cursor).
fn focused_field(
    m: &Model<'_>,
    f: &mut Frame,
    r: Rect,
    hits: &mut HitMap,
    item: ItemIdx,
    pending: Option<u32>,
) {
    let it = m.session.questionnaire().item(item);
    let question = format!("► {}", it.text);
    let th = theme::text_height(&question, r.width).min(r.height);
    f.render_widget(
        theme::paragraph(&question, theme::focused()),
        Rect { height: th, ..r },
    );
    let offered = m.offered_options(item);
    let inner = Rect {
        x: r.x + 2,
        y: r.y + th,
        width: r.width.saturating_sub(2),
        height: r.height.saturating_sub(th + 1),
    };
    let entry_y = r.y + r.height.saturating_sub(1);
    let entry = Rect {
        x: r.x + 2,
        y: entry_y,
        width: r.width.saturating_sub(2),
        height: 1,
    };
    match &m.field {
        Field::Choice { .. } | Field::Multi { .. } => {
            // The chosen options (in order), marked `(x)` or `[x]`, and typed as their numbers.
            let (chosen, single): (Vec<u32>, bool) = match &m.field {
                Field::Choice { chosen, .. } => (chosen.iter().copied().collect(), true),
                Field::Multi { chosen, .. } => (chosen.clone(), false),
                _ => (Vec::new(), true),
            };
            let marker = |i: usize| match (single, chosen.contains(&OptionIdx::at(i).get())) {
                (true, true) => "(x)",
                (true, false) => "( )",
                (false, true) => "[x]",
                (false, false) => "[ ]",
            };
            let list = options::OptionList {
                options: offered,
                focus: None,
                boxes: false,
                marker: &marker,
                numbering: options::Numbering::Positions,
            };
            options::draw(&list, f, inner, hits);
            let printed = options::paper_numbers(offered);
            let numbers: Vec<u32> = chosen
                .iter()
                .filter_map(|&c| printed.get(c as usize).copied())
                .collect();
            entry_line(f, entry, &numbers, pending);
        }
        Field::Text(input) | Field::Quantity { input, .. } => {
            f.render_widget(
                theme::paragraph(&m.keys_hint(&step::hint_text(it)), theme::dim()),
                inner,
            );
            let w = entry.width.saturating_sub(2) as usize;
            let scroll = input.visual_scroll(w);
            f.render_widget(
                Paragraph::new("> ").style(theme::bold()),
                Rect { width: 2, ..entry },
            );
            f.render_widget(
                Paragraph::new(input.value()).scroll((0, crate::tui::surface::cells(scroll))),
                Rect {
                    x: entry.x + 2,
                    width: entry.width.saturating_sub(2),
                    ..entry
                },
            );
            let cx = entry.x
                + 2
                + crate::tui::surface::cells(input.visual_cursor().max(scroll) - scroll);
            f.set_cursor_position((cx.min(entry.x + entry.width.saturating_sub(1)), entry.y));
        }
        Field::None => {}
    }
}

/// `> 1 3 1_`: the option numbers chosen, and a number still being typed.
fn entry_line(f: &mut Frame, r: Rect, numbers: &[u32], pending: Option<u32>) {
    let mut text = String::from("> ");
    let list: Vec<String> = numbers.iter().map(u32::to_string).collect();
    text.push_str(&list.join(" "));
    if let Some(p) = pending {
        if !list.is_empty() {
            text.push(' ');
        }
        text.push_str(&p.to_string());
        text.push('_');
    }
    f.render_widget(Paragraph::new(text).style(theme::bold()), r);
}
