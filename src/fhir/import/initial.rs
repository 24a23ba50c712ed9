//! Initial answers: `initial` (every value: several make a multi-choice answer), options marked
//! `initialSelected`, and `initialExpression`. An initialExpression that reads only the
//! Questionnaire itself is worked out here; one that needs the patient's record (a launch
//! context such as `%patient`, or a server query) starts empty at a kiosk, with a warning.

use serde_json::{Map, Value};

use super::Importer;
use super::options::Opt;
use crate::answer::{Answer, PartialDate};
use crate::engine::fhir_tree;
use crate::expr::OptionIdx;
use crate::expr::fhirpath::{self, Coll, Val};
use crate::questionnaire::{
    ChoiceStyle, FhirExpr, FhirLogic, Item, ItemIdx, ItemKind, OTHER, QuestionKind,
};
use crate::text as clean;

impl Importer<'_> {
    #[allow(
        clippy::indexing_slicing,
        reason = "item, derived and wording indices here were made by this loader as it pushed each entry (`ItemIdx::at(items.len())`), so they are in range"
    )]
    pub(super) fn initial(
        &mut self,
        obj: &Map<String, Value>,
        path: &str,
        idx: ItemIdx,
        opts: &[Opt],
    ) -> Vec<Answer> {
        let it = self.items[idx.to_usize()].clone();
        let selected: Vec<u32> = opts
            .iter()
            .enumerate()
            .filter(|(_, o)| o.initial)
            .map(|(i, _)| OptionIdx::at(i).get())
            .collect();
        let given: Vec<&Map<String, Value>> = obj
            .get("initial")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_object)
            .collect();
        let multi = matches!(
            it.question(),
            Some(QuestionKind::Choice {
                style: ChoiceStyle::Multi,
                ..
            })
        );
        if !selected.is_empty() {
            return vec![if multi {
                Answer::Multi(selected)
            } else {
                Answer::Choice(selected[0])
            }];
        }
        if given.is_empty() {
            return Vec::new();
        }
        if given.len() > 1 && !multi && !it.repeats_itself() {
            self.error(
                &format!("{path}.initial"),
                "several initial values are given for a question that takes one answer",
            );
            return Vec::new();
        }
        let mut answers = Vec::new();
        for (k, g) in given.iter().enumerate() {
            // A quantity's initial unit picks the unit the answer is asked in (with no value,
            // that is all it does); a value in another unit is converted, or refused.
            let quantity = match (it.question(), g.get("valueQuantity")) {
                (Some(QuestionKind::Number { .. }), Some(q)) => Some(q),
                _ => None,
            };
            let unit = quantity.and_then(|q| self.initial_unit(idx, q));
            if quantity.is_some_and(|q| q.get("value").is_none()) {
                continue;
            }
            let it = self.items[idx.to_usize()].clone();
            let mut a = one_initial(&it, g);
            if let (Some(Answer::Number(n)), Some(q)) = (&a, quantity) {
                let choices = !it.unit_choices().is_empty();
                let given = q.get("code").and_then(Value::as_str);
                let asked = it
                    .fhir
                    .as_ref()
                    .and_then(|f| f.unit.as_ref())
                    .and_then(|u| u.code.as_deref());
                a = match (choices, given, asked) {
                    (true, _, _) => Some(Answer::Quantity {
                        value: *n,
                        unit: unit.unwrap_or(0),
                        base: crate::engine::base_value(&it, *n, unit.unwrap_or(0)),
                    }),
                    (false, Some(g), Some(w)) if g != w => {
                        if let Some(v) = fhirpath::units::convert(*n, g, w) {
                            Some(Answer::Number(v))
                        } else {
                            self.error(&format!("{path}.initial[{k}]"), format!("this initial value is in `{g}`, which does not convert to the item's unit `{w}`"));
                            continue;
                        }
                    }
                    _ => a,
                };
            }
            // An open-choice's initial text that is not an option is its "something else".
            let other = it.options().iter().position(|o| o.value == OTHER);
            let text = g.get("valueString").and_then(Value::as_str).or_else(|| {
                g.get("valueCoding")
                    .and_then(|c| c.get("display"))
                    .and_then(Value::as_str)
            });
            if a.is_none()
                && let (Some(o), Some(t)) = (other, text)
            {
                a = Some(Answer::Choice(OptionIdx::at(o).get()));
                self.other_initial = Some(clean::clean(t));
            }
            if a.is_none() {
                self.error(&format!("{path}.initial[{k}]"), "this initial value does not fit the item (not one of its options, or of another type)");
            }
            answers.extend(a);
        }
        if multi {
            let mut all: Vec<u32> = answers
                .iter()
                .filter_map(|a| match a {
                    Answer::Choice(i) => Some(*i),
                    _ => None,
                })
                .collect();
            all.sort_unstable();
            all.dedup();
            (!all.is_empty())
                .then_some(Answer::Multi(all))
                .into_iter()
                .collect()
        } else {
            // One per instance of a repeating question; at most one otherwise.
            answers
        }
    }

    /// The unit of an initial quantity becomes the one the answer is asked in: with unit
    /// choices, the one with its code (added when the choices lack it, as the SDC reference
    /// renderer does); returns its index among the choices.
    #[allow(
        clippy::indexing_slicing,
        reason = "item, derived and wording indices here were made by this loader as it pushed each entry (`ItemIdx::at(items.len())`), so they are in range"
    )]
    fn initial_unit(&mut self, idx: ItemIdx, q: &Value) -> Option<u32> {
        let unit = super::item::coding_unit(q)?;
        q.get("code").and_then(Value::as_str)?;
        let it = &mut self.items[idx.to_usize()];
        let f = it.fhir.as_mut()?;
        let index = if f.units.is_empty() {
            None
        } else {
            let i = if let Some(i) = f.units.iter().position(|u| u.code == unit.code) {
                i
            } else {
                f.units.push(unit.clone());
                f.units.len() - 1
            };
            u32::try_from(i).ok()
        };
        let chosen = match index {
            Some(i) => f.units[i as usize].clone(),
            None => unit,
        };
        if f.units.is_empty() && f.unit.as_ref().is_some_and(|u| u.code != chosen.code) {
            // One unit only: a value given in another unit is converted (by the caller).
            return None;
        }
        f.unit = Some(chosen.clone());
        if let ItemKind::Question(QuestionKind::Number { unit, .. }) = &mut it.kind {
            *unit = Some(chosen.display);
        }
        index
    }

    /// Works out each `initialExpression` that reads only the Questionnaire; the others start
    /// empty with a warning (no patient record at a kiosk).
    #[allow(
        clippy::indexing_slicing,
        reason = "item, derived and wording indices here were made by this loader as it pushed each entry (`ItemIdx::at(items.len())`), so they are in range"
    )]
    pub(super) fn initial_values(&mut self, source: &Value, exprs: &[FhirExpr]) {
        for (idx, at, text) in std::mem::take(&mut self.initial_exprs) {
            let mut names = Vec::new();
            let parsed = fhirpath::parse(&text);
            if let Ok(ast) = &parsed {
                ast.names(&mut names);
            }
            let mut ast = match parsed {
                Ok(a) => a,
                Err(e) => {
                    self.error(&at, format!("initialExpression is not understood ({e})"));
                    continue;
                }
            };
            if !names.is_empty() {
                self.warn(&at, format!("initialExpression reads `%{}` (the patient's record or data from a server), which a kiosk does not have: the question starts empty", names.join("`, `%")));
                continue;
            }
            if ast.resolve(&|_| None).is_err() {
                continue;
            }
            let empty = serde_json::json!({"resourceType": "QuestionnaireResponse"});
            let logic = FhirLogic {
                source: source.clone(),
                exprs: exprs.to_vec(),
            };
            let ctx = Start {
                logic: &logic,
                root: &empty,
            };
            let result = fhirpath::evaluate(&ast, &ctx, &[fhir_tree::node(&empty)]);
            let it = &self.items[idx.to_usize()];
            match result.map(|r| fhir_tree::to_answer(it, &r)) {
                Ok(Some(a)) => self.items[idx.to_usize()].initial = vec![a],
                Ok(None) => self.warn(&at, "initialExpression gives no value that fits the item: the question starts empty"),
                Err(e) => self.error(&at, format!("initialExpression cannot be worked out ({e})")),
            }
        }
    }
}

/// What an initialExpression may read: the Questionnaire only.
struct Start<'a> {
    logic: &'a FhirLogic,
    root: &'a Value,
}

impl<'a> fhirpath::Ctx<'a> for Start<'a> {
    fn resource(&self) -> Option<Val<'a>> {
        Some(fhir_tree::node(self.root))
    }
    fn questionnaire(&self) -> Option<Val<'a>> {
        Some(fhir_tree::node(&self.logic.source))
    }
    fn var(&self, _: u32) -> Coll<'a> {
        Vec::new()
    }
    fn today(&self) -> jiff::civil::Date {
        jiff::civil::Date::constant(2000, 1, 1)
    }
    fn weight(&self, _: Option<&str>, _: &Val<'a>) -> Option<f64> {
        None
    }
}

/// One `initial` value as an answer of the item.
fn one_initial(it: &Item, g: &Map<String, Value>) -> Option<Answer> {
    match it.question()? {
        QuestionKind::Choice { options, .. } => {
            let want = g
                .get("valueBoolean")
                .and_then(Value::as_bool)
                .map(|b| (b.to_string(), None))
                .or_else(|| {
                    g.get("valueCoding").and_then(|c| {
                        let code = c.get("code").or(c.get("display")).and_then(Value::as_str)?;
                        Some((code.to_owned(), c.get("system").and_then(Value::as_str)))
                    })
                })
                .or_else(|| {
                    ["valueString", "valueDate", "valueTime"]
                        .iter()
                        .find_map(|k| g.get(*k).and_then(Value::as_str))
                        .map(|s| (s.to_owned(), None))
                })
                .or_else(|| {
                    g.get("valueInteger")
                        .and_then(Value::as_i64)
                        .map(|n| (n.to_string(), None))
                })?;
            let i = options.iter().position(|o| {
                o.value == want.0
                    && (want.1.is_none() || o.system.is_none() || o.system.as_deref() == want.1)
            })?;
            Some(Answer::Choice(OptionIdx::at(i).get()))
        }
        QuestionKind::Number { .. } => g
            .get("valueInteger")
            .or(g.get("valueDecimal"))
            .or(g.get("valueQuantity").and_then(|q| q.get("value")))
            .and_then(Value::as_f64)
            .map(Answer::Number),
        QuestionKind::Date { .. } => g
            .get("valueDate")
            .or(g.get("valueDateTime"))
            .and_then(Value::as_str)
            .and_then(|s| PartialDate::parse_iso(s.get(..10).unwrap_or(s)))
            .map(Answer::Date),
        QuestionKind::Text { .. } => g
            .get("valueString")
            .or(g.get("valueTime"))
            .or(g.get("valueUri"))
            .and_then(Value::as_str)
            .map(|s| Answer::Text(clean::clean(s))),
    }
}
