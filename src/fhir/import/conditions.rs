//! enableWhen into triage conditions, with FHIR R4's semantics: `!=` holds when the source is
//! unanswered or disabled; a coding without a system matches on its code; several conditions
//! need `enableBehavior`; numbers compared with choices whose codes are numbers.
//! `enableWhenExpression` is FHIRPath, compiled in [`super::expressions`].

use std::collections::HashMap;

use serde_json::Value;

use super::{Importer, Pending};
use crate::answer::PartialDate;
use crate::expr::{CmpOp, Expr, Ref, Ty, Val};
use crate::questionnaire::{ChoiceStyle, OptionIdx, QuestionKind, compile_text};

impl Importer<'_> {
    /// Compiles an item's enableWhen (and enableWhenExpression, and triage's own condition).
    pub(super) fn condition(
        &mut self,
        p: &Pending,
        names: &HashMap<String, (Ref, Ty)>,
    ) -> Option<Expr> {
        let mut parts = Vec::new();
        for (i, ew) in p.enable_when.iter().enumerate() {
            let at = format!("{}.enableWhen[{i}]", p.path);
            if let Some(e) = self.enable_when(ew, &at, names) {
                parts.push(e);
            }
        }
        let mut combined = match (parts.len(), p.behavior.as_deref()) {
            (0, _) => None,
            (1, _) => parts.pop(),
            (_, Some("any")) => Some(Expr::Or(parts.into_boxed_slice())),
            (_, Some("all")) => Some(Expr::And(parts.into_boxed_slice())),
            (_, other) => {
                self.error(&format!("{}.enableBehavior", p.path), format!("with several enableWhen conditions, enableBehavior must be `all` or `any` (found {})", other.map_or("nothing".to_owned(), |o| format!("`{o}`"))));
                None
            }
        };
        if let Some(x) = &p.expression
            && let Some(ast) = self.compile_fhirpath(
                x,
                Some(p.item),
                &format!("{}.extension", p.path),
                "enableWhenExpression",
            )
        {
            self.has_paths = true;
            let e = Expr::Path {
                expr: Box::new(ast),
                item: p.item,
            };
            combined = Some(match combined {
                Some(c) => Expr::And(vec![c, e].into_boxed_slice()),
                None => e,
            });
        }
        if let Some(t) = &p.triage {
            match compile_text(t, names, &self.items, true) {
                Ok((e, _)) => {
                    combined = Some(match combined {
                        Some(c) => Expr::And(vec![c, e].into_boxed_slice()),
                        None => e,
                    });
                }
                Err(e) => self.error(
                    &format!("{}.extension", p.path),
                    format!("triage condition: {e}"),
                ),
            }
        }
        combined
    }

    #[allow(
        clippy::indexing_slicing,
        reason = "item, derived and wording indices here were made by this loader as it pushed each entry (`ItemIdx::at(items.len())`), so they are in range"
    )]
    fn enable_when(
        &mut self,
        ew: &Value,
        at: &str,
        names: &HashMap<String, (Ref, Ty)>,
    ) -> Option<Expr> {
        let q_link = ew.get("question").and_then(Value::as_str).unwrap_or("");
        let Some(&(Ref::Question(q), _)) = names.get(q_link) else {
            self.error(
                at,
                format!("enableWhen refers to '{q_link}', which is not an item here"),
            );
            return None;
        };
        let op = ew.get("operator").and_then(Value::as_str).unwrap_or("");
        let Some((key, answer)) = ew
            .as_object()
            .and_then(|m| m.iter().find(|(k, _)| k.starts_with("answer")))
        else {
            self.error(at, "enableWhen has no answer to compare with");
            return None;
        };
        if op == "exists" {
            let exists = Expr::Answered(Ref::Question(q));
            return match answer.as_bool() {
                Some(true) => Some(exists),
                Some(false) => Some(Expr::Not(Box::new(exists))),
                None => {
                    self.error(at, "`exists` takes answerBoolean");
                    None
                }
            };
        }
        let cmp = match op {
            "=" => CmpOp::Eq,
            "!=" => CmpOp::Ne,
            "<" => CmpOp::Lt,
            "<=" => CmpOp::Le,
            ">" => CmpOp::Gt,
            ">=" => CmpOp::Ge,
            other => {
                self.error(at, format!("unknown enableWhen operator `{other}`"));
                return None;
            }
        };
        let it = self.items[q.to_usize()].clone();
        let mismatch = |b: &mut Self| {
            let id = b.items[q.to_usize()].id.clone();
            b.error(
                at,
                format!("`{key}` cannot be compared with the answers of '{id}'"),
            );
            None
        };
        match it.question() {
            Some(QuestionKind::Choice { style, options }) => {
                // A number against a choice whose values are numbers: the options that satisfy it.
                if let (Some(n), "answerInteger" | "answerDecimal") =
                    (answer.as_f64(), key.as_str())
                {
                    let numeric: Option<Vec<f64>> = options
                        .iter()
                        .map(|o| o.value.parse::<f64>().ok())
                        .collect();
                    let Some(values) = numeric else {
                        return mismatch(self);
                    };
                    #[allow(
                        clippy::float_cmp,
                        reason = "enableWhen `=` on a decimal is exact, as FHIR defines it"
                    )]
                    let hit = |v: f64| match cmp {
                        CmpOp::Eq | CmpOp::Ne => v == n,
                        CmpOp::Lt => v < n,
                        CmpOp::Le => v <= n,
                        CmpOp::Gt => v > n,
                        CmpOp::Ge => v >= n,
                    };
                    let matching: Vec<OptionIdx> = values
                        .iter()
                        .enumerate()
                        .filter(|(_, v)| hit(**v))
                        .map(|(i, _)| OptionIdx::at(i))
                        .collect();
                    let is = if *style == ChoiceStyle::Multi {
                        Expr::Has {
                            question: q,
                            options: matching.into_boxed_slice(),
                            all: false,
                        }
                    } else {
                        Expr::OneOf {
                            subject: Box::new(Expr::Get(Ref::Question(q))),
                            options: matching.into_boxed_slice(),
                            negated: false,
                        }
                    };
                    return Some(if cmp == CmpOp::Ne {
                        Expr::Not(Box::new(is))
                    } else {
                        is
                    });
                }
                let want: Option<(Option<&str>, String)> = match key.as_str() {
                    "answerCoding" => answer
                        .get("code")
                        .and_then(Value::as_str)
                        .map(|c| (answer.get("system").and_then(Value::as_str), c.to_owned())),
                    "answerBoolean" => answer.as_bool().map(|b| (None, b.to_string())),
                    "answerString" | "answerDate" | "answerTime" => {
                        answer.as_str().map(|s| (None, s.to_owned()))
                    }
                    "answerInteger" | "answerDecimal" => {
                        answer.as_str().map(|s| (None, s.to_owned()))
                    }
                    _ => None,
                };
                if matches!(key.as_str(), "answerInteger" | "answerDecimal") && answer.is_string() {
                    self.warn(
                        at,
                        format!(
                            "`{key}` holds a text; it is compared with the option values as text"
                        ),
                    );
                }
                let Some((system, code)) = want else {
                    return mismatch(self);
                };
                // A coding without a system matches on the code alone.
                let found = options.iter().position(|o| {
                    o.value == code
                        && (system.is_none() || o.system.is_none() || o.system.as_deref() == system)
                });
                let Some(opt) = found else {
                    let id = it.id.clone();
                    self.error(at, format!("'{code}' is not an answer of '{id}'"));
                    return None;
                };
                let opt = OptionIdx::at(opt);
                let is = Expr::chose(q, opt, *style == ChoiceStyle::Multi);
                match cmp {
                    CmpOp::Eq => Some(is),
                    CmpOp::Ne => Some(Expr::Not(Box::new(is))),
                    _ => {
                        self.error(at, format!("`{op}` cannot order the answers of a choice"));
                        None
                    }
                }
            }
            Some(QuestionKind::Number { .. }) if key == "answerQuantity" => {
                // Compared in the question's own (first) unit, the value converted to it.
                let Some(n) = answer.get("value").and_then(Value::as_f64) else {
                    return mismatch(self);
                };
                let from = answer.get("code").and_then(Value::as_str);
                let to = it
                    .unit_choices()
                    .first()
                    .or(it.fhir.as_ref().and_then(|f| f.unit.as_ref()))
                    .and_then(|u| u.code.clone());
                let n = match (from, to) {
                    (Some(f), Some(t)) if f != t => {
                        if let Some(v) = crate::expr::fhirpath::units::convert(n, f, &t) {
                            v
                        } else {
                            self.error(
                                at,
                                format!("`{f}` does not convert to `{t}`, the unit of '{}'", it.id),
                            );
                            return None;
                        }
                    }
                    _ => n,
                };
                Some(Expr::Cmp(
                    cmp,
                    Box::new(Expr::Get(Ref::Question(q))),
                    Box::new(Expr::Lit(Val::Num(n))),
                ))
            }
            Some(QuestionKind::Number { .. }) => match answer
                .as_f64()
                .filter(|_| matches!(key.as_str(), "answerInteger" | "answerDecimal"))
            {
                Some(n) => Some(Expr::Cmp(
                    cmp,
                    Box::new(Expr::Get(Ref::Question(q))),
                    Box::new(Expr::Lit(Val::Num(n))),
                )),
                None => mismatch(self),
            },
            Some(QuestionKind::Date { .. }) => {
                let d = answer
                    .as_str()
                    .filter(|_| matches!(key.as_str(), "answerDate" | "answerDateTime"))
                    .and_then(|s| PartialDate::parse_iso(s.get(..10).unwrap_or(s)));
                if key == "answerDateTime" && !self.dateish_warned {
                    self.dateish_warned = true;
                    self.warn(at, "answerDateTime is compared by its date only");
                }
                match d {
                    Some(d) => Some(Expr::Cmp(
                        cmp,
                        Box::new(Expr::Get(Ref::Question(q))),
                        Box::new(Expr::Lit(Val::Date(d.resolved()))),
                    )),
                    None => mismatch(self),
                }
            }
            Some(QuestionKind::Text { .. }) => {
                let time = key == "answerTime";
                let text = match key.as_str() {
                    "answerString" | "answerTime" => answer.as_str(),
                    // A choice asked as typed text: its codes.
                    "answerCoding" => answer.get("code").and_then(Value::as_str),
                    _ => None,
                };
                match text {
                    Some(s) => Some(Expr::TextCmp {
                        op: cmp,
                        question: q,
                        value: s.into(),
                        time,
                    }),
                    None => mismatch(self),
                }
            }
            None => {
                let id = it.id.clone();
                self.error(at, format!("'{id}' has no answer to compare with"));
                None
            }
        }
    }
}
