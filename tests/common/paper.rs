//! Types a finished session's answers into the paper form (`triage run --staff --from-paper`)
//! through a real pseudo-terminal, as reception would from a paper form: option numbers, text,
//! Tab after a field that does not move on by itself, waiting for each field to have the focus
//! before typing. Counts the keys: typed characters (digits, letters, separators) and navigation
//! keys (Tab, Enter, F2 and the like). Used by the tests and by `cargo bench --bench paper`.
use super::pty::Pty;
use triage::engine::Session;
use triage::questionnaire::{ChoiceStyle, ItemIdx, ItemKind, QuestionKind, Questionnaire};

pub const TAB: &str = "\t";
pub const F2: &str = "\x1bOQ";
pub const F10: &str = "\x1b[21~";

/// The keys used for one form.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Keys {
    /// Questions typed in with an answer.
    pub answered: usize,
    /// Characters of answers: digits, letters, spaces and separators.
    pub typed: usize,
    /// Tab, Enter, function keys.
    pub navigation: usize,
}

impl Keys {
    fn nav(&mut self, p: &mut Pty, key: &str) {
        self.navigation += 1;
        p.send(key);
    }

    fn text(&mut self, p: &mut Pty, text: &str) {
        self.typed += text.chars().count();
        p.send(text);
    }
}

/// What shows when `item` has the focus on the form.
fn focused(q: &Questionnaire, item: ItemIdx) -> String {
    let text: String = q.item(item).text.chars().take(24).collect();
    format!("► {}", text.lines().next().unwrap_or(""))
}

/// Whether a number typed for a list of `n` options could still go on (`1` of ten or more).
fn can_go_on(number: usize, n: usize) -> bool {
    number * 10 <= n
}

/// The characters that give `item` its answer in `done`, and whether the field then moves on
/// by itself (a one-digit, or complete, single choice).
fn answer_keys(q: &Questionnaire, item: ItemIdx, done: &Session<'_>) -> Option<(String, bool)> {
    let it = q.item(item);
    let stored = done.stored(item)?;
    let value = triage::answers::to_json(q, item, stored);
    let offered = it.offered_options(true);
    let number = |v: &serde_json::Value| {
        offered
            .iter()
            .position(|o| Some(o.value.as_str()) == v.as_str())
            .expect("an offered option")
            + 1
    };
    Some(match it.question()? {
        QuestionKind::Choice {
            style: ChoiceStyle::Multi,
            ..
        } => {
            let numbers: Vec<usize> = value.as_array()?.iter().map(number).collect();
            let mut s = String::new();
            for (i, n) in numbers.iter().enumerate() {
                s.push_str(&n.to_string());
                // A number that could go on needs a space before the next one.
                if i + 1 < numbers.len() && can_go_on(*n, offered.len()) {
                    s.push(' ');
                }
            }
            (s, false)
        }
        QuestionKind::Choice { .. } => {
            let n = number(&value);
            (n.to_string(), !can_go_on(n, offered.len()))
        }
        QuestionKind::Number { .. } => (value.to_string(), false),
        _ => (value.as_str()?.to_owned(), false),
    })
}

/// The session reception would end with, typing `done` in `mode`: its answers (hidden ones
/// too), with the mode's preset answers over them (in paper mode "who is filling in" is
/// "typed in by staff from my paper form", whatever the scenario said), ended where `done`
/// was ended by staff.
pub fn target<'q>(
    q: &'q Questionnaire,
    done: &Session<'_>,
    mode: triage::tui::Mode,
) -> Session<'q> {
    let mut s = Session::new(q, done.visit_date());
    for (item, answer) in done.stored_answers() {
        let _ = s.set(item, answer.clone());
    }
    for (item, answer) in triage::tui::model::preset_answers(q, mode) {
        let _ = s.set(item, answer);
    }
    if let Some(at) = done.ended_by_staff() {
        s.end_after(at);
    }
    s
}

/// The safety pause `item` sets off in `s`, if any: whether staff end the form there (F10)
/// rather than let it carry on (F2).
pub fn pause_at(q: &Questionnaire, s: &Session<'_>, item: ItemIdx) -> Option<bool> {
    s.fired()
        .iter()
        .map(|&f| q.flag_at(f))
        .find(|f| f.position == item && f.action == Some(triage::questionnaire::FlagAction::Pause))
        .map(|_| s.ended_by_staff() == Some(item))
}

/// Types `done`'s answers into the paper form on `p`, from its first field, until the review
/// screen (or the confirmation, when a rule ended the form; or the thank-you screen, when staff
/// ended it at a safety pause). Pauses are released as `done` says (F2 carries on, F10 ends; no
/// staff PIN is set). Returns the keys used, not counting those on the screens after the form.
pub fn type_form(p: &mut Pty, q: &Questionnaire, done: &Session<'_>) -> Keys {
    let mut keys = Keys::default();
    p.wait_for("Paper form");
    let goal = target(q, done, triage::tui::Mode::Paper);
    let preset = triage::tui::model::preset_answers(q, triage::tui::Mode::Paper);
    // The form opens on the first field the preset answers leave empty.
    let fields: Vec<ItemIdx> = goal
        .steps()
        .map(|s| s.item())
        .filter(|&i| matches!(q.item(i).kind, ItemKind::Question(_)))
        .skip_while(|i| preset.iter().any(|(p, _)| p == i))
        .collect();
    for item in fields {
        let want = focused(q, item);
        p.wait_until(&format!("`{}` to have the focus", q.item(item).id), |s| {
            s.contains(&want)
        });
        match answer_keys(q, item, &goal) {
            Some((text, moves_on)) => {
                keys.answered += 1;
                keys.text(p, &text);
                if !moves_on {
                    keys.nav(p, TAB);
                }
            }
            None => keys.nav(p, TAB),
        }
        if let Some(ends) = pause_at(q, &goal, item) {
            p.wait_for("Support for you");
            if ends {
                keys.nav(p, F10);
                p.wait_for("Thank you");
                return keys;
            }
            keys.nav(p, F2);
        }
    }
    p.wait_until("the review or the confirmation", |s| {
        s.contains("Check your answers") || s.contains("Ready to send?")
    });
    keys
}
