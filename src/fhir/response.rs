//! A session's answers as a FHIR R4 QuestionnaireResponse: status, the questionnaire's canonical
//! URL with its version, the authored time with its offset, and an item tree that mirrors the
//! questionnaire's nesting (a question's children sit inside its answer). Answers are typed as
//! the item was (valueCoding, valueBoolean, valueInteger, ...); item text is copied; hidden and
//! unanswered items are left out.

use serde_json::{Value, json};

use crate::answer::Answer;
use crate::engine::{Session, fhir_tree};
use crate::questionnaire::{At, ItemKind, Questionnaire};

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
#[allow(
    clippy::indexing_slicing,
    reason = "writes into a JSON object made by `json!({..})` just above: `Value`'s IndexMut inserts into an object and cannot panic"
)]
pub fn questionnaire_response(s: &Session<'_>, authored: &str) -> Value {
    if let Ok(v) = try_questionnaire_response(s, authored) {
        v
    } else {
        let mut v = build(s, authored);
        v["status"] = json!("in-progress");
        v
    }
}

/// The response for a session, or an error naming the item whose answer cannot be written in
/// FHIR (an option the item does not have; never written as 0).
pub fn try_questionnaire_response(s: &Session<'_>, authored: &str) -> Result<Value, String> {
    let q = s.questionnaire();
    for (at, a) in s.stored_at_all().filter(|(at, _)| s.is_visible_at(*at)) {
        let answer_of = |c: At| s.answer_at(c).cloned();
        fhir_tree::answer_values(q, at, a, &answer_of)?;
    }
    Ok(build(s, authored))
}

#[allow(
    clippy::indexing_slicing,
    reason = "writes into a JSON object made by `json!({..})` just above: `Value`'s IndexMut inserts into an object and cannot panic"
)]
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

/// The response items inside occurrence `parent` (top-level items for `None`).
fn children(s: &Session<'_>, parent: Option<At>) -> Vec<Value> {
    items(s, &s.children_of(parent))
}

/// Response items for enabled occurrences in order: each instance of a repeating group is its
/// own item; the instances of a repeating question are one item with an answer per instance
/// (FHIR R4 qrs-2), each answer holding its own children.
#[allow(
    clippy::indexing_slicing,
    reason = "`i` and `j` are checked against `occ.len()` in the loop conditions"
)]
fn items(s: &Session<'_>, occ: &[At]) -> Vec<Value> {
    let q = s.questionnaire();
    let mut out = Vec::new();
    let mut i = 0;
    while i < occ.len() {
        let at = occ[i];
        let it = q.item(at.item);
        let mut j = i + 1;
        match &it.kind {
            _ if fhir_tree::is_other_text(q, at.item) => {}
            ItemKind::Info => {}
            ItemKind::Group { .. } => {
                let kids = children(s, Some(at));
                if !kids.is_empty() {
                    out.push(json!({ "linkId": it.id, "text": it.text, "item": kids }));
                }
            }
            ItemKind::Question(_) => {
                let mut answers = answers_of(s, at);
                while j < occ.len() && occ[j].item == at.item {
                    answers.extend(answers_of(s, occ[j]));
                    j += 1;
                }
                if !answers.is_empty() {
                    out.push(json!({ "linkId": it.id, "text": it.text, "answer": answers }));
                }
            }
        }
        i = j;
    }
    out
}

/// The answers of one occurrence of a question, with the items under it: under each answer
/// for a question asked per chosen answer, else under the first.
#[allow(
    clippy::indexing_slicing,
    reason = "writes into a JSON object made by `json!({..})` just above: `Value`'s IndexMut inserts into an object and cannot panic"
)]
fn answers_of(s: &Session<'_>, at: At) -> Vec<Value> {
    let q = s.questionnaire();
    let Some(a) = s.answer_at(at) else {
        return Vec::new();
    };
    let answer_of = |c: At| s.answer_at(c).cloned();
    if q.per_answer(at.item)
        && let Answer::Multi(chosen) = a
    {
        let kids = s.children_of(Some(at));
        let mut out = Vec::new();
        for &o in chosen {
            let Ok(vals) = fhir_tree::answer_values(q, at, &Answer::Multi(vec![o]), &answer_of)
            else {
                continue;
            };
            let inst = at.inst.push(crate::questionnaire::option_instance(o));
            // This answer's items (a repeating one has deeper instances of its own).
            let mine: Vec<At> = kids
                .iter()
                .copied()
                .filter(|c| c.inst.prefix(inst.len()) == inst)
                .collect();
            let per = items(s, &mine);
            for mut v in vals {
                if !per.is_empty() {
                    v["item"] = Value::Array(per.clone());
                }
                out.push(v);
            }
        }
        return out;
    }
    let Ok(mut answers) = fhir_tree::answer_values(q, at, a, &answer_of) else {
        return Vec::new();
    };
    let kids = children(s, Some(at));
    if !kids.is_empty()
        && let Some(first) = answers.first_mut()
    {
        first["item"] = Value::Array(kids);
    }
    answers
}
