//! One step of the questionnaire: a section intro, an information screen, or a question with its
//! options or input field, progress, "why we ask" help on demand, and Back / Next. Enter commits
//! the answer (validated; a plain message says what is needed) and autosaves it before the next
//! screen appears.

use tui_input::InputRequest;

use crate::answer::Answer;
use crate::answers;
use crate::engine::toggle_option;
use crate::engine::{At, Step};
use crate::questionnaire::{ChoiceStyle, ItemIdx, ItemKind, OptionIdx, QuestionKind};
use crate::strings::{self, fill};
use crate::tui::model::{Action, Effect, Field, HitMap, Intent, Model, Msg, Screen, Target};
use crate::tui::options::{self, option_keys};
use crate::tui::theme;
use crate::typed;
use unicode_width::UnicodeWidthStr;

mod view;
pub(super) use view::{frame, put_text};
pub(crate) use view::{help_title, hint_text};
pub use view::{progress, view};

pub fn update(m: &mut Model<'_>, step: Step, msg: Msg) -> Vec<Effect> {
    let at = match step {
        Step::Item(at) => at,
        Step::More(at) => return super::more::update(m, at, msg),
    };
    if m.help_open {
        // Any key or tap closes the help panel (its table gives `Dismiss` for any key).
        if matches!(msg, Msg::Intent(_) | Msg::Tap(_)) {
            m.help_open = false;
        }
        return Vec::new();
    }
    let item = at.item;
    let room = max_chars(m, item);
    match msg {
        Msg::Intent(i) => on_intent(m, at, room, i),
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
        Msg::Tap(Target::Button(Action::Back)) => back_keeping(m, at),
        Msg::Tap(Target::Button(Action::Help)) => {
            m.help_open = true;
            Vec::new()
        }
        Msg::Scroll(n) => {
            if !m.scroll_view(i32::from(n.signum()), false) {
                move_focus(m, i32::from(n.signum()));
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

/// What an intent does on a question (the tables `Choice` and `Typing` of
/// `crate::tui::keymap::patient` say which keys give which).
fn on_intent(m: &mut Model<'_>, at: At, room: usize, i: Intent) -> Vec<Effect> {
    let item = at.item;
    let typing = m.field.input().is_some();
    match i {
        Intent::Help => m.help_open = true,
        Intent::Next => return next(m, at),
        Intent::Back => return back_keeping(m, at),
        Intent::Up | Intent::Down => {
            let by = if i == Intent::Up { -1 } else { 1 };
            if let Field::Quantity { unit, .. } = &mut m.field {
                // A quantity's unit: up and down go through the units offered.
                let n = m.session.questionnaire().item(item).unit_choices().len();
                *unit = if by < 0 {
                    unit.saturating_sub(1)
                } else {
                    (*unit + 1).min(n.saturating_sub(1))
                };
                m.message = None;
            } else if typing {
                // A one-line field has no use for ↑/↓: they scroll a question too long to fit.
                m.scroll_view(by, false);
            } else if by < 0 {
                let first = focus(m) == Some(0);
                if !m.scroll_view(-1, !first) {
                    move_focus(m, -1);
                }
            } else if !m.scroll_view(1, true) {
                move_focus(m, 1);
            }
        }
        Intent::Type(c) => edit_text(m, room, InputRequest::InsertChar(c)),
        Intent::Edit(req) => edit_text(m, room, req),
        Intent::Digit(d) => {
            let keys = option_keys(m.offered_options(item));
            let printed = char::from(b'0' + d.min(9));
            if let Some(i) = keys.iter().position(|c| *c == Some(printed)) {
                choose(m, item, i);
            }
        }
        Intent::NextField => move_focus(m, 1),
        // Answers past the ninth have no number key: End reaches the last ("None of these",
        // "Not sure") at once, Home the first.
        Intent::Bottom => move_focus(m, i32::MAX / 2),
        Intent::Top => move_focus(m, -(i32::MAX / 2)),
        Intent::Toggle => match focus(m) {
            Some(f) => choose(m, item, f),
            None => return next(m, at),
        },
        _ => {}
    }
    Vec::new()
}

/// Back from a question: an answer typed and not yet confirmed is kept when it is a valid one
/// (the patient typed it; going back to check something must not lose it, nor may an Esc
/// pressed by mistake), and a field emptied stays empty; text that cannot be read as an answer
/// leaves the stored answer as it was. A choice is not: an option picked and not confirmed is only a focus. If keeping
/// the answer raises a safety pause, the pause comes first.
fn back_keeping(m: &mut Model<'_>, at: At) -> Vec<Effect> {
    let step = Step::Item(at);
    // From the review, Back returns there and leaves the answer as it was (a change abandoned).
    // Otherwise what the field says is committed without requiring an answer: a valid answer is
    // kept, an emptied one is cleared; one that cannot be read is left as stored.
    let mut effects = if m.field.input().is_some() && m.back_to_review.is_none() {
        commit(m, at, false).unwrap_or_default()
    } else {
        Vec::new()
    };
    if !effects.is_empty() && m.session.pending_pause().is_some() {
        effects.extend(advance(m, step));
    } else {
        effects.extend(back(m, step));
    }
    effects
}

/// Typing in a text, number or date field (question screens and the paper form alike): typed
/// characters pass the same sanitizer as pasted ones and stop at the field's length limit
/// (`room`, in characters). Reaching the limit, or typing past it, says so at once under the
/// field, naming the limit (clinical spec 9.4: nothing is cut without the patient knowing).
pub(crate) fn edit_text(m: &mut Model<'_>, room: usize, req: InputRequest) {
    let Some(input) = m.field.input_mut() else {
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
        *focus = crate::tui::surface::moved(*focus, by, n);
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
            *chosen = Some(OptionIdx::at(i).get());
        }
        Field::Multi { focus, chosen } => {
            *focus = i;
            *chosen = toggle_option(it, chosen, OptionIdx::at(i).get());
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
                    unit: u32::try_from(*unit).unwrap_or(u32::MAX),
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
            m.show(Screen::Confirm);
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
            m.show(Screen::Welcome);
        }
    }
    Vec::new()
}
