//! Checks a FHIR R4 QuestionnaireResponse's shape (what triage writes, and what another system
//! sends back): its status, questionnaire reference, and items each with a linkId and either
//! answers (exactly one typed value each) or nested items. Findings carry the JSON path.

use serde_json::Value;

use crate::diag::Diagnostic;

const STATUSES: &[&str] = &[
    "in-progress",
    "completed",
    "amended",
    "entered-in-error",
    "stopped",
];
const VALUES: &[&str] = &[
    "valueBoolean",
    "valueDecimal",
    "valueInteger",
    "valueDate",
    "valueDateTime",
    "valueTime",
    "valueString",
    "valueUri",
    "valueAttachment",
    "valueCoding",
    "valueQuantity",
    "valueReference",
];

/// Checks a response; returns the findings and how many answers it holds.
pub fn check_response(v: &Value) -> (Vec<Diagnostic>, usize) {
    let mut diags = Vec::new();
    let mut answers = 0;
    match v.get("status").and_then(Value::as_str) {
        Some(s) if STATUSES.contains(&s) => {}
        Some(s) => {
            diags.push(Diagnostic::error(format!("unknown status `{s}`")).json_path("status"));
        }
        None => diags.push(Diagnostic::error("the response has no status").json_path("status")),
    }
    if !v.get("questionnaire").is_none_or(Value::is_string) {
        diags.push(
            Diagnostic::error("`questionnaire` must be a canonical URL").json_path("questionnaire"),
        );
    }
    if let Some(items) = v.get("item") {
        walk(items, "item", &mut diags, &mut answers);
    }
    (diags, answers)
}

fn walk(items: &Value, path: &str, diags: &mut Vec<Diagnostic>, answers: &mut usize) {
    let Some(list) = items.as_array() else {
        diags.push(Diagnostic::error("`item` must be a list").json_path(path.to_owned()));
        return;
    };
    for (i, it) in list.iter().enumerate() {
        let at = format!("{path}[{i}]");
        if it
            .get("linkId")
            .and_then(Value::as_str)
            .is_none_or(str::is_empty)
        {
            diags.push(Diagnostic::error("the item has no linkId").json_path(at.clone()));
        }
        if let Some(ans) = it.get("answer") {
            let Some(ans) = ans.as_array() else {
                diags.push(
                    Diagnostic::error("`answer` must be a list").json_path(format!("{at}.answer")),
                );
                continue;
            };
            for (j, a) in ans.iter().enumerate() {
                let aat = format!("{at}.answer[{j}]");
                let n = a.as_object().map_or(0, |m| {
                    m.keys().filter(|k| VALUES.contains(&k.as_str())).count()
                });
                if n != 1 {
                    diags.push(
                        Diagnostic::error(format!(
                            "an answer needs exactly one value[x], found {n}"
                        ))
                        .json_path(aat.clone()),
                    );
                }
                *answers += 1;
                if let Some(kids) = a.get("item") {
                    walk(kids, &format!("{aat}.item"), diags, answers);
                }
            }
        }
        if let Some(kids) = it.get("item") {
            walk(kids, &format!("{at}.item"), diags, answers);
        }
        if it.get("answer").is_none() && it.get("item").is_none() {
            diags.push(Diagnostic::warning("the item has neither answers nor items").json_path(at));
        }
    }
}
