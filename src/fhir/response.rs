//! A session's answers as a FHIR R4 QuestionnaireResponse: status, the questionnaire's canonical
//! URL with its version, the authored time with its offset, and an item tree that mirrors the
//! questionnaire's nesting (a question's children sit inside its answer). Answers are typed as
//! the item was (valueCoding, valueBoolean, valueInteger, ...); item text is copied; hidden and
//! unanswered items are left out.

use serde_json::{Map, Value, json};

use crate::answer::Answer;
use crate::engine::Session;
use crate::expr::Val;
use crate::questionnaire::{ChoiceStyle, ItemIdx, ItemKind, QuestionKind, Questionnaire};

use super::import::{OPEN_CHOICE_TEXT, OTHER};

/// The questionnaire's canonical reference: its URL (or a triage URN) and version.
pub fn canonical(q: &Questionnaire) -> String {
    let url = q
        .meta
        .url
        .clone()
        .unwrap_or_else(|| format!("urn:triage:questionnaire:{}", q.meta.id));
    format!("{url}|{}", q.meta.version)
}

/// The response for a session. `authored` is an RFC 3339 time with its offset.
pub fn questionnaire_response(s: &Session<'_>, authored: &str) -> Value {
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
    if it.fhir.as_ref().is_some_and(|f| f.kind == OPEN_CHOICE_TEXT) {
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
        ItemKind::Calculated { value, unit } => {
            let Some(Val::Num(n)) = s.calculated(value) else {
                return None;
            };
            let kind = it.fhir.as_ref().map_or("quantity", |f| f.kind.as_str());
            let answer = match kind {
                "integer" => json!({ "valueInteger": n as i64 }),
                "decimal" => json!({ "valueDecimal": n }),
                _ => {
                    let mut qv = json!({ "value": number(n) });
                    if let Some(u) = unit {
                        qv["unit"] = json!(u);
                    }
                    json!({ "valueQuantity": qv })
                }
            };
            v.insert("answer".into(), json!([answer]));
        }
        ItemKind::Question(kind) => {
            let a = s.answer(i)?;
            let mut answers = values(q, i, kind, a);
            // An open-choice "something else": the typed text is one of the answers.
            if let Some(other) = it.options().iter().position(|o| o.value == OTHER) {
                answers.retain(|x| {
                    x.get("valueCoding").and_then(|c| c.get("code")) != Some(&json!(OTHER))
                        && x.get("valueString") != Some(&json!(OTHER))
                });
                let text_item = (i + 1..it.end).find(|&c| {
                    q.item(c)
                        .fhir
                        .as_ref()
                        .is_some_and(|f| f.kind == OPEN_CHOICE_TEXT)
                });
                let chosen = matches!(a, Answer::Choice(c) if *c as usize == other)
                    || matches!(a, Answer::Multi(l) if l.contains(&(other as u32)));
                if let (true, Some(t)) = (chosen, text_item.and_then(|t| s.answer(t)))
                    && let Answer::Text(text) = t
                {
                    answers.push(json!({ "valueString": text }));
                }
            }
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

fn number(n: f64) -> Value {
    if n.fract() == 0.0 && n.abs() < 9e15 {
        json!(n as i64)
    } else {
        json!(n)
    }
}

/// The typed answer values of a question.
fn values(q: &Questionnaire, i: ItemIdx, kind: &QuestionKind, a: &Answer) -> Vec<Value> {
    let it = q.item(i);
    let fhir_kind = it.fhir.as_ref().map(|f| f.kind.as_str());
    let option = |o: &u32| -> Value {
        let opt = &it.options()[*o as usize];
        let given = it
            .fhir
            .as_ref()
            .and_then(|f| f.option_kinds.get(*o as usize))
            .map(String::as_str);
        match (fhir_kind, given) {
            (Some("boolean"), _) => json!({ "valueBoolean": opt.value == "true" }),
            (_, Some("valueString")) => json!({ "valueString": opt.value }),
            (_, Some("valueInteger")) => {
                json!({ "valueInteger": opt.value.parse::<i64>().unwrap_or_default() })
            }
            (_, Some("valueDate")) => json!({ "valueDate": opt.value }),
            (_, Some("valueTime")) => json!({ "valueTime": opt.value }),
            _ => {
                let mut c = json!({ "code": opt.value, "display": opt.label });
                if let Some(sys) = &opt.system {
                    c["system"] = json!(sys);
                }
                json!({ "valueCoding": c })
            }
        }
    };
    match (kind, a) {
        (QuestionKind::Choice { .. }, Answer::Choice(o)) => vec![option(o)],
        (
            QuestionKind::Choice {
                style: ChoiceStyle::Multi,
                ..
            },
            Answer::Multi(list),
        ) => list.iter().map(option).collect(),
        (QuestionKind::Number { integer: true, .. }, Answer::Number(n)) => {
            vec![json!({ "valueInteger": *n as i64 })]
        }
        (QuestionKind::Number { .. }, Answer::Number(n)) => match fhir_kind {
            Some("quantity") => vec![json!({ "valueQuantity": { "value": number(*n) } })],
            _ => vec![json!({ "valueDecimal": n })],
        },
        (QuestionKind::Date { .. }, Answer::Date(d)) => match fhir_kind {
            Some("dateTime") => vec![json!({ "valueDateTime": d.to_iso() })],
            _ => vec![json!({ "valueDate": d.to_iso() })],
        },
        (QuestionKind::Text { .. }, Answer::Text(t)) => match fhir_kind {
            Some("time") => vec![
                json!({ "valueTime": if t.len() == 5 { format!("{t}:00") } else { t.clone() } }),
            ],
            Some("choice") => vec![json!({ "valueCoding": { "code": t } })],
            Some("url") => vec![json!({ "valueUri": t })],
            _ => vec![json!({ "valueString": t })],
        },
        _ => Vec::new(),
    }
}
