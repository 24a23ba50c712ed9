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
    v["answers"]
        .as_object()
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
    let answers = baseline();
    let mut mirror = Session::new(q, super::visit());
    for (id, v) in &answers {
        let i = q.item_index(id).expect("item");
        mirror
            .set(
                i,
                triage::answers::to_answer(q, i, &triage::answers::RawValue::from_json(v))
                    .expect("answer"),
            )
            .expect("valid");
    }
    let mut step = mirror.next_step(from);
    let mut before = String::new();
    while let Some(item) = step {
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
        step = mirror.next_step(Some(item));
    }
    p.wait_for("Check your answers");
}

/// From the review screen: goes to the end, sends, and confirms "Ready to send?".
pub fn send_from_review(p: &mut Pty) {
    p.send(super::pty::END);
    p.send(ENTER);
    p.wait_for("Ready to send?");
    p.send(ENTER);
}
