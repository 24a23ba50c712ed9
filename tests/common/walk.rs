//! Drives the real binary through the shipped questionnaire as the baseline patient would, with
//! keys only, waiting for each screen before typing.
use std::collections::BTreeMap;

use super::pty::{ENTER, Pty};
use triage::engine::Session;
use triage::questionnaire::{ChoiceStyle, ItemIdx, ItemKind, QuestionKind, Questionnaire};

pub fn baseline() -> BTreeMap<String, serde_json::Value> {
    let v: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string("questionnaires/examples/baseline.json").expect("file"),
    )
    .expect("json");
    v.get("answers")
        .and_then(serde_json::Value::as_object)
        .expect("answers")
        .iter()
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

/// Text that identifies an item's screen.
pub fn prompt(q: &Questionnaire, item: ItemIdx) -> String {
    let t = q.item(item).text.lines().next().unwrap_or("");
    t.chars().take(30).collect()
}

/// The keys a patient presses to give `value` to `item`.
pub fn keys(q: &Questionnaire, item: ItemIdx, value: &serde_json::Value) -> String {
    let it = q.item(item);
    let index = |v: &serde_json::Value| {
        it.options()
            .iter()
            .position(|o| Some(o.value.as_str()) == v.as_str())
            .expect("option")
            + 1
    };
    let mut k = match it.question() {
        Some(QuestionKind::Choice {
            style: ChoiceStyle::Multi,
            ..
        }) => value
            .as_array()
            .expect("list")
            .iter()
            .map(|v| index(v).to_string())
            .collect(),
        Some(QuestionKind::Choice { .. }) => index(value).to_string(),
        Some(QuestionKind::Number { .. }) => value.to_string(),
        Some(_) => value.as_str().expect("text").to_owned(),
        None => String::new(),
    };
    k.push_str(ENTER);
    k
}

/// Answers every screen from `from` on with the baseline patient's answers (keys only), waiting
/// for each screen before typing, until the review screen.
pub fn answer_baseline(p: &mut Pty, q: &Questionnaire, from: Option<ItemIdx>) {
    answer_with(p, q, from, &baseline(), &mut |_, _| {
        panic!("the baseline patient makes no safety disclosure")
    });
    p.wait_for("Check your answers");
}

/// The baseline answers with `changes` on top (`null` removes an answer).
pub fn baseline_with(changes: &[(&str, serde_json::Value)]) -> BTreeMap<String, serde_json::Value> {
    let mut a = baseline();
    for (k, v) in changes {
        if v.is_null() {
            a.remove(*k);
        } else {
            a.insert((*k).to_owned(), v.clone());
        }
    }
    a
}

/// Answers every screen from `from` on with `answers` (keys only), waiting for each screen
/// before typing, until the review screen. When an answer fires a `pause` flag, `on_pause` is
/// called with its id once the support screen shows; it releases the pause and says whether to
/// go on answering (`true`) or stop the walk there (`false`).
pub fn answer_with(
    p: &mut Pty,
    q: &Questionnaire,
    from: Option<ItemIdx>,
    answers: &BTreeMap<String, serde_json::Value>,
    on_pause: &mut dyn FnMut(&mut Pty, &str) -> bool,
) {
    let mut mirror = Session::new(q, super::visit());
    for (id, v) in answers {
        let i = q.item_index(id).expect("item");
        mirror
            .set(
                i,
                triage::answers::to_answer(q, i, &triage::answers::RawValue::from_json(v))
                    .expect("answer"),
            )
            .expect("valid");
    }
    let pauses: Vec<(ItemIdx, String)> = mirror
        .fired()
        .iter()
        .map(|&f| q.flag_at(f))
        .filter(|f| f.action == Some(triage::questionnaire::FlagAction::Pause))
        .map(|f| (f.position, f.id.clone()))
        .collect();
    let mut step = mirror.next_step(from.map(triage::engine::Step::base));
    let mut before = String::new();
    while let Some(here) = step {
        let item = here.item();
        let want = prompt(q, item);
        before = p.wait_until(&format!("the screen of `{}`", q.item(item).id), |s| {
            s.contains(&want) && s != before
        });
        match q.item(item).kind {
            ItemKind::Question(_) => match answers.get(&q.item(item).id) {
                Some(v) => p.send(&keys(q, item, v)),
                None => p.send(ENTER), // optional and not answered
            },
            _ => p.send(ENTER),
        }
        if let Some((_, id)) = pauses.iter().find(|(at, _)| *at == item) {
            before = p.wait_for("Support for you");
            if !on_pause(p, id) {
                return;
            }
        }
        step = mirror.next_step(Some(here));
    }
    p.wait_for("Check your answers");
}

/// The row of `id` on the review screen (0-based) for these answers.
pub fn review_row(
    q: &Questionnaire,
    answers: &BTreeMap<String, serde_json::Value>,
    id: &str,
) -> usize {
    let mut mirror = Session::new(q, super::visit());
    for (k, v) in answers {
        let i = q.item_index(k).expect("item");
        let a = triage::answers::to_answer(q, i, &triage::answers::RawValue::from_json(v))
            .expect("answer");
        mirror.set(i, a).expect("valid");
    }
    mirror
        .steps()
        .map(|s| s.item())
        .filter(|&i| matches!(q.item(i).kind, ItemKind::Question(_)))
        .position(|i| q.item(i).id == id)
        .expect("a review row")
}

/// From the review screen: goes to the end, sends, and confirms "Ready to send?".
pub fn send_from_review(p: &mut Pty) {
    p.send(super::pty::END);
    p.send(ENTER);
    p.wait_for("Ready to send?");
    p.send(ENTER);
}

/// From the review screen: send, confirm, leave the thank-you screen; the exit status.
pub fn send_and_finish(p: &mut Pty) -> u32 {
    send_from_review(p);
    p.wait_for("Thank you");
    p.send(ENTER);
    p.wait_exit()
}
