//! A session's answers as a FHIR R4 QuestionnaireResponse: status, the questionnaire's canonical
//! URL with its version, the authored time with its offset, and an item tree that mirrors the
//! questionnaire's nesting (a question's children sit inside its answer). Answers are typed as
//! the item was (valueCoding, valueBoolean, valueInteger, ...); item text is copied; hidden and
//! unanswered items are left out.

use serde_json::{Map, Value, json};

use crate::engine::{Session, fhir_tree};
use crate::questionnaire::{ItemIdx, ItemKind, Questionnaire};

/// The questionnaire's canonical reference: its URL (or a triage URN) and version.
pub fn canonical(q: &Questionnaire) -> String {
    let url = q
        .meta
        .url
        .clone()
        .unwrap_or_else(|| format!("urn:triage:questionnaire:{}", q.meta.id));
    format!("{url}|{}", q.meta.version)
}

/// The response for a session. `authored` is an RFC 3339 time with its offset. An answer that
/// cannot be written (see [`try_questionnaire_response`]) is left out and the status is then
/// `in-progress`, never `completed`: the response is not taken for a finished record.
pub fn questionnaire_response(s: &Session<'_>, authored: &str) -> Value {
    match try_questionnaire_response(s, authored) {
        Ok(v) => v,
        Err(_) => {
            let mut v = build(s, authored);
            v["status"] = json!("in-progress");
            v
        }
    }
}

/// The response for a session, or an error naming the item whose answer cannot be written in
/// FHIR (an option the item does not have; never written as 0).
pub fn try_questionnaire_response(s: &Session<'_>, authored: &str) -> Result<Value, String> {
    let q = s.questionnaire();
    for (i, a) in s.stored_answers().filter(|(i, _)| s.is_visible(*i)) {
        let answer_of = |c: ItemIdx| s.answer(c).cloned();
        fhir_tree::answer_values(q, i, a, &answer_of)?;
    }
    Ok(build(s, authored))
}

fn build(s: &Session<'_>, authored: &str) -> Value {
    let q = s.questionnaire();
    let status = if s.is_complete() {
        "completed"
    } else {
        "in-progress"
    };
    let mut out = json!({
        "resourceType": "QuestionnaireResponse",
        "questionnaire": canonical(q),
        "status": status,
        "authored": authored,
    });
    let items = children(s, None);
    if !items.is_empty() {
        out["item"] = Value::Array(items);
    }
    out
}

/// The direct children of `parent` (top-level items for `None`), as response items.
fn children(s: &Session<'_>, parent: Option<ItemIdx>) -> Vec<Value> {
    let q = s.questionnaire();
    let range = match parent {
        Some(p) => p + 1..q.item(p).end,
        None => 0..q.items.len() as ItemIdx,
    };
    let mut out = Vec::new();
    let mut i = range.start;
    while i < range.end {
        let it = q.item(i);
        let next = it.end;
        if it.parent == parent
            && s.is_visible(i)
            && let Some(v) = item(s, i)
        {
            out.push(v);
        }
        i = if it.parent == parent { next } else { i + 1 };
    }
    out
}

fn item(s: &Session<'_>, i: ItemIdx) -> Option<Value> {
    let q = s.questionnaire();
    let it = q.item(i);
    if fhir_tree::is_other_text(q, i) {
        return None; // given inside its open-choice parent's answers
    }
    let mut v = Map::new();
    v.insert("linkId".into(), json!(it.id));
    v.insert("text".into(), json!(it.text));
    match &it.kind {
        ItemKind::Group { .. } => {
            let kids = children(s, Some(i));
            if kids.is_empty() {
                return None;
            }
            v.insert("item".into(), Value::Array(kids));
        }
        ItemKind::Info => return None,
        ItemKind::Question(_) => {
            let a = s.answer(i)?;
            let answer_of = |c: ItemIdx| s.answer(c).cloned();
            let mut answers = fhir_tree::answer_values(q, i, a, &answer_of).ok()?;
            if answers.is_empty() {
                return None;
            }
            let kids = children(s, Some(i));
            if !kids.is_empty()
                && let Some(first) = answers.first_mut()
            {
                first["item"] = Value::Array(kids);
            }
            v.insert("answer".into(), Value::Array(answers));
        }
    }
    Some(Value::Object(v))
}
