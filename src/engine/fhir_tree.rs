//! The FHIR side of a session: answers typed as FHIR answer values (shared by the exported
//! QuestionnaireResponse), the response tree FHIRPath expressions read as `%resource`, and the
//! conversion of a calculated FHIRPath result back into an answer. Pure: no I/O.

use serde_json::{Map, Value as Json, json};

use crate::answer::{Answer, PartialDate};
use crate::expr::fhirpath::{self, Coll, Val};
use crate::questionnaire::{
    ChoiceStyle, FhirLogic, Item, ItemIdx, ItemKind, OPEN_CHOICE_TEXT, OTHER, QuestionKind,
    Questionnaire,
};

/// Whether an item is triage's own "something else" text box of an open-choice (no FHIR item).
pub fn is_other_text(q: &Questionnaire, i: ItemIdx) -> bool {
    q.item(i)
        .fhir
        .as_ref()
        .is_some_and(|f| f.kind == OPEN_CHOICE_TEXT)
}

fn number(n: f64) -> Json {
    if n.fract() == 0.0 && n.abs() < 9e15 {
        json!(n as i64)
    } else {
        json!(n)
    }
}

/// The typed FHIR answer values (`valueCoding`, `valueQuantity`, ...) of item `i`'s answer `a`.
/// An open-choice's "something else" becomes the typed text, read with `answer_of`.
/// Errors: an option index the item does not have, or an integer option whose value is not a
/// number (never written as 0 or left out silently).
pub fn answer_values(
    q: &Questionnaire,
    i: ItemIdx,
    a: &Answer,
    answer_of: &dyn Fn(ItemIdx) -> Option<Answer>,
) -> Result<Vec<Json>, String> {
    let it = q.item(i);
    let Some(kind) = it.question() else {
        return Ok(Vec::new());
    };
    let fhir_kind = it.fhir.as_ref().map(|f| f.kind.as_str());
    let option = |o: &u32| -> Result<Option<Json>, String> {
        let opt = it
            .options()
            .get(*o as usize)
            .ok_or_else(|| format!("item '{}' has no option {o}", it.id))?;
        if opt.value == OTHER {
            let text = (i + 1..it.end)
                .find(|&c| is_other_text(q, c))
                .and_then(answer_of);
            return Ok(match text {
                Some(Answer::Text(t)) => Some(json!({ "valueString": t })),
                _ => None,
            });
        }
        let given = it
            .fhir
            .as_ref()
            .and_then(|f| f.option_kinds.get(*o as usize))
            .map(String::as_str);
        Ok(Some(match (fhir_kind, given) {
            (Some("boolean"), _) => json!({ "valueBoolean": opt.value == "true" }),
            (_, Some("valueString")) => json!({ "valueString": opt.value }),
            (_, Some("valueInteger")) => {
                let n: i64 = opt.value.parse().map_err(|_| {
                    format!(
                        "option '{}' of item '{}' is not a whole number",
                        opt.value, it.id
                    )
                })?;
                json!({ "valueInteger": n })
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
        }))
    };
    Ok(match (kind, a) {
        (QuestionKind::Choice { .. }, Answer::Choice(o)) => option(o)?.into_iter().collect(),
        (
            QuestionKind::Choice {
                style: ChoiceStyle::Multi,
                ..
            },
            Answer::Multi(list),
        ) => {
            let mut out = Vec::new();
            for o in list {
                out.extend(option(o)?);
            }
            out
        }
        (QuestionKind::Number { integer, .. }, Answer::Number(n)) => match fhir_kind {
            Some("quantity") => {
                let mut qv = json!({ "value": number(*n) });
                if let Some(u) = it.fhir.as_ref().and_then(|f| f.unit.as_ref()) {
                    qv["unit"] = json!(u.display);
                    if let Some(s) = &u.system {
                        qv["system"] = json!(s);
                    }
                    if let Some(c) = &u.code {
                        qv["code"] = json!(c);
                    }
                }
                vec![json!({ "valueQuantity": qv })]
            }
            // valueInteger is 32-bit: a whole number beyond it goes out as valueDecimal,
            // never clamped.
            _ if *integer && n.abs() <= f64::from(i32::MAX) => {
                vec![json!({ "valueInteger": *n as i32 })]
            }
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
    })
}

/// The QuestionnaireResponse that FHIRPath reads as `%resource`: every item of the
/// questionnaire (so each has a `%context`), answers only where the item is enabled. A
/// question's children are kept under its `item` so `repeat(item)` reaches them.
pub fn response_tree(q: &Questionnaire, answer_of: &dyn Fn(ItemIdx) -> Option<Answer>) -> Json {
    let mut root = Map::new();
    root.insert("resourceType".into(), json!("QuestionnaireResponse"));
    let items = children(q, None, answer_of);
    root.insert("item".into(), Json::Array(items));
    Json::Object(root)
}

fn children(
    q: &Questionnaire,
    parent: Option<ItemIdx>,
    answer_of: &dyn Fn(ItemIdx) -> Option<Answer>,
) -> Vec<Json> {
    let (start, end) = match parent {
        Some(p) => (p + 1, q.item(p).end),
        None => (0, q.items.len() as ItemIdx),
    };
    let mut out = Vec::new();
    let mut i = start;
    while i < end {
        let it = q.item(i);
        if !is_other_text(q, i) {
            let mut m = Map::new();
            m.insert("linkId".into(), json!(it.id));
            if let Some(a) = answer_of(i) {
                // An answer that cannot be written counts as none (see `answer_values`).
                let vals = answer_values(q, i, &a, answer_of).unwrap_or_default();
                if !vals.is_empty() {
                    m.insert("answer".into(), Json::Array(vals));
                }
            }
            if it.end > i + 1 {
                m.insert("item".into(), Json::Array(children(q, Some(i), answer_of)));
            }
            out.push(Json::Object(m));
        }
        i = it.end;
    }
    out
}

/// The node of each item in a tree from [`response_tree`], by item index.
pub fn item_nodes<'t>(q: &Questionnaire, root: &'t Json) -> Vec<Option<&'t Json>> {
    let mut flat = Vec::with_capacity(q.items.len());
    fn walk<'t>(items: Option<&'t Json>, out: &mut Vec<&'t Json>) {
        for it in items.and_then(Json::as_array).into_iter().flatten() {
            out.push(it);
            walk(it.get("item"), out);
        }
    }
    walk(root.get("item"), &mut flat);
    let mut nodes = flat.into_iter();
    (0..q.items.len() as ItemIdx)
        .map(|i| {
            if is_other_text(q, i) {
                None
            } else {
                nodes.next()
            }
        })
        .collect()
}

/// What FHIRPath reads while a questionnaire is evaluated: the response tree, the
/// Questionnaire's JSON, the variables worked out so far and the visit date.
pub struct FhirCtx<'a, 'v> {
    pub q: &'a Questionnaire,
    pub logic: &'a FhirLogic,
    pub root: &'a Json,
    pub vars: &'v [Coll<'a>],
    pub today: jiff::civil::Date,
}

impl<'a> fhirpath::Ctx<'a> for FhirCtx<'a, '_> {
    fn resource(&self) -> Option<Val<'a>> {
        Some(node(self.root))
    }
    fn questionnaire(&self) -> Option<Val<'a>> {
        Some(node(&self.logic.source))
    }
    fn var(&self, index: u32) -> Coll<'a> {
        self.vars.get(index as usize).cloned().unwrap_or_default()
    }
    fn today(&self) -> jiff::civil::Date {
        self.today
    }
    fn weight(&self, link: Option<&str>, coding: &Val<'a>) -> Option<f64> {
        let Val::Node { v, .. } = coding else {
            return None;
        };
        let code = v.get("code").and_then(Json::as_str);
        let system = v.get("system").and_then(Json::as_str);
        let item = self.q.item_index(link?)?;
        self.q
            .item(item)
            .options()
            .iter()
            .find(|o| {
                Some(o.value.as_str()) == code
                    && (system.is_none() || o.system.is_none() || o.system.as_deref() == system)
            })
            .and_then(|o| o.ordinal)
    }
}

/// A JSON node as a FHIRPath value.
pub fn node(v: &Json) -> Val<'_> {
    Val::Node {
        v,
        link: v.get("linkId").and_then(Json::as_str),
        ty: None,
    }
}

/// The answer a calculated item takes from its expression's result; `None` when the result is
/// empty or does not fit the item (a text for a number, a code that is not an option).
pub fn to_answer(it: &Item, result: &[Val<'_>]) -> Option<Answer> {
    let ItemKind::Question(kind) = &it.kind else {
        return None;
    };
    let first = result.first()?;
    match kind {
        QuestionKind::Number { integer, .. } => {
            let n = match first {
                Val::Quantity(n, u) => {
                    let want = it
                        .fhir
                        .as_ref()
                        .and_then(|f| f.unit.as_ref())
                        .and_then(|u| u.code.clone());
                    match want {
                        Some(w) if &w != u => fhirpath::units::convert(*n, u, &w)?,
                        _ => *n,
                    }
                }
                v => v.as_num()?,
            };
            if !n.is_finite() {
                return None;
            }
            Some(Answer::Number(if *integer { n.round() } else { n }))
        }
        QuestionKind::Choice { style, options } => {
            let pick = |v: &Val<'_>| -> Option<u32> {
                let (code, system) = match v {
                    Val::Node { v, .. } => (
                        v.get("code").and_then(Json::as_str)?.to_owned(),
                        v.get("system").and_then(Json::as_str),
                    ),
                    other => (other.to_text()?, None),
                };
                options
                    .iter()
                    .position(|o| {
                        o.value == code
                            && (system.is_none()
                                || o.system.is_none()
                                || o.system.as_deref() == system)
                    })
                    .map(|p| p as u32)
            };
            if *style == ChoiceStyle::Multi {
                let mut picked: Vec<u32> = result.iter().filter_map(pick).collect();
                picked.sort_unstable();
                picked.dedup();
                (!picked.is_empty()).then_some(Answer::Multi(picked))
            } else {
                pick(first).map(Answer::Choice)
            }
        }
        QuestionKind::Date { .. } => match first {
            Val::Date(d) | Val::DateTime(d, _) => match (d.m, d.d) {
                (Some(m), Some(_)) => d
                    .to_civil()
                    .map(|c| Answer::Date(PartialDate::full(c)))
                    .or(PartialDate::month(d.y, m).map(Answer::Date)),
                (Some(m), None) => PartialDate::month(d.y, m).map(Answer::Date),
                _ => None,
            },
            Val::Str(s) => PartialDate::parse_iso(s).map(Answer::Date),
            _ => None,
        },
        QuestionKind::Text { .. } => first
            .to_text()
            .map(|t| Answer::Text(crate::text::clean(&t))),
    }
}
