//! Loosely typed values, as answers files and scenario TOML write them, checked against their
//! question into typed answers, and typed answers written back in that form. Below the session:
//! it knows items, not patients (`crate::answers` re-exports it for answers files).

use crate::answer::{Answer, PartialDate};
use crate::expr::OptionIdx;
use crate::expr::num::{f64_to_i64, int_to_f64};
use crate::questionnaire::{ChoiceStyle, ItemIdx, ItemKind, QuestionKind, Questionnaire};

/// A value as written in an answers or scenario file, before it is checked against its question.
#[derive(Debug, Clone, PartialEq)]
pub enum RawValue {
    Str(String),
    Num(f64),
    Bool(bool),
    List(Vec<RawValue>),
    /// An object (per-answer values of items inside repeats).
    Map(Vec<(String, RawValue)>),
    /// A date given as a phrase: `{ "date": "2025-04", "said": "6 weeks ago" }`.
    DateSaid {
        date: String,
        said: String,
    },
    Null,
    Other(&'static str),
}

impl RawValue {
    pub fn from_json(v: &serde_json::Value) -> RawValue {
        match v {
            // Cleaned on the way in, once: nothing unsafe reaches a session, a page or a file.
            serde_json::Value::String(s) => RawValue::Str(crate::text::clean(s)),
            // A whole number beyond 2^53 would be rounded on the way to a double: refused.
            serde_json::Value::Number(n)
                if n.as_u64().is_some_and(|u| u > 1 << 53)
                    || n.as_i64().is_some_and(|i| i.unsigned_abs() > 1 << 53) =>
            {
                RawValue::Other("a number too large to keep exactly")
            }
            serde_json::Value::Number(n) => n
                .as_f64()
                .map_or(RawValue::Other("a number too large"), RawValue::Num),
            serde_json::Value::Bool(b) => RawValue::Bool(*b),
            serde_json::Value::Array(a) => {
                RawValue::List(a.iter().map(RawValue::from_json).collect())
            }
            serde_json::Value::Null => RawValue::Null,
            serde_json::Value::Object(o) => match (
                o.get("date").and_then(|d| d.as_str()),
                o.get("said").and_then(|d| d.as_str()),
                o.len(),
            ) {
                (Some(date), Some(said), 2) => RawValue::DateSaid {
                    date: crate::text::clean_line(date),
                    said: crate::text::clean_line(said),
                },
                _ => RawValue::Map(
                    o.iter()
                        .map(|(k, v)| (k.clone(), RawValue::from_json(v)))
                        .collect(),
                ),
            },
        }
    }

    pub fn from_toml(v: &toml::Value) -> RawValue {
        match v {
            toml::Value::String(s) => RawValue::Str(s.clone()),
            toml::Value::Integer(i) => RawValue::Num(int_to_f64(*i)),
            toml::Value::Float(f) => RawValue::Num(*f),
            toml::Value::Boolean(b) => RawValue::Bool(*b),
            toml::Value::Datetime(d) => RawValue::Str(d.to_string()),
            toml::Value::Array(a) => RawValue::List(a.iter().map(RawValue::from_toml).collect()),
            toml::Value::Table(t) => RawValue::Map(
                t.iter()
                    .map(|(k, v)| (k.clone(), RawValue::from_toml(v)))
                    .collect(),
            ),
        }
    }

    pub(crate) fn describe(&self) -> String {
        match self {
            RawValue::Str(s) => format!("\"{s}\""),
            RawValue::Num(n) => format!("{n}"),
            RawValue::Bool(b) => format!("{b}"),
            RawValue::List(_) => "a list".into(),
            RawValue::Map(_) => "an object".into(),
            RawValue::DateSaid { date, said } => format!("\"{date}\" (said \"{said}\")"),
            RawValue::Null => "null".into(),
            RawValue::Other(what) => (*what).into(),
        }
    }
}

/// Converts a file value into a typed answer for `item`. The error says what was expected.
pub fn to_answer(q: &Questionnaire, item: ItemIdx, v: &RawValue) -> Result<Answer, String> {
    answer_for_item(q.item(item), v)
}

/// As [`to_answer`], for an item on its own (used while a questionnaire is being loaded).
pub fn answer_for_item(it: &crate::questionnaire::Item, v: &RawValue) -> Result<Answer, String> {
    let ItemKind::Question(kind) = &it.kind else {
        return Err(format!(
            "`{}` is a section or information screen and takes no answer",
            it.id
        ));
    };
    let values = || {
        it.options()
            .iter()
            .map(|o| format!("\"{}\"", o.value))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let option = |s: &str| -> Result<u32, String> {
        it.options()
            .iter()
            .position(|o| o.value == s)
            .map(|i| OptionIdx::at(i).get())
            .ok_or_else(|| {
                format!(
                    "`{}` has no option \"{s}\"; expected one of {}",
                    it.id,
                    values()
                )
            })
    };
    match (kind, v) {
        (QuestionKind::Choice { style: ChoiceStyle::Multi, .. }, RawValue::List(list)) => {
            let mut out = Vec::new();
            for x in list {
                match x {
                    RawValue::Str(s) => out.push(option(s)?),
                    other => return Err(format!("`{}` takes a list of option values, found {} in it", it.id, other.describe())),
                }
            }
            Ok(Answer::Multi(out))
        }
        (QuestionKind::Choice { style: ChoiceStyle::Multi, .. }, other) => {
            Err(format!("`{}` is multi-choice and takes a list like [\"{}\"], found {}", it.id, it.options().first().map_or("", |o| o.value.as_str()), other.describe()))
        }
        (QuestionKind::Choice { .. }, RawValue::Str(s)) => Ok(Answer::Choice(option(s)?)),
        (QuestionKind::Choice { .. }, other) => Err(format!("`{}` takes one of {}, found {}", it.id, values(), other.describe())),
        (QuestionKind::Number { .. }, RawValue::Num(n)) if !it.unit_choices().is_empty() => Ok(Answer::Quantity { value: *n, unit: it.default_unit(), base: None }),
        (QuestionKind::Number { .. }, RawValue::Num(n)) => Ok(Answer::Number(*n)),
        (QuestionKind::Number { .. }, RawValue::Map(m)) if !it.unit_choices().is_empty() => quantity(it, m),
        (QuestionKind::Number { .. }, other) => Err(format!("`{}` takes a number, found {}", it.id, other.describe())),
        (QuestionKind::Date { .. }, RawValue::DateSaid { date, said }) => PartialDate::parse_iso(date)
            .map(|d| Answer::Date(PartialDate { said: Some(crate::text::clean_line(said)), ..d }))
            .ok_or_else(|| format!("`{}` takes a date as \"YYYY-MM-DD\" (or \"YYYY-MM\" where a month is enough), found \"{date}\"", it.id)),
        (QuestionKind::Date { .. }, RawValue::Str(s)) => PartialDate::parse_iso(s)
            .map(Answer::Date)
            .ok_or_else(|| format!("`{}` takes a date as \"YYYY-MM-DD\" (or \"YYYY-MM\" where a month is enough), found \"{s}\"", it.id)),
        (QuestionKind::Date { .. }, other) => Err(format!("`{}` takes a date as \"YYYY-MM-DD\", found {}", it.id, other.describe())),
        (QuestionKind::Text { .. }, RawValue::Str(s)) => Ok(Answer::Text(s.clone())),
        (QuestionKind::Text { .. }, other) => Err(format!("`{}` takes text, found {}", it.id, other.describe())),
    }
}

/// The JSON form of a typed answer (option values, not labels).
pub fn to_json(q: &Questionnaire, item: ItemIdx, a: &Answer) -> serde_json::Value {
    let it = q.item(item);
    let value = |i: &u32| {
        serde_json::Value::String(
            it.options()
                .get(*i as usize)
                .map(|o| o.value.clone())
                .unwrap_or_default(),
        )
    };
    match a {
        Answer::Choice(i) => value(i),
        Answer::Multi(list) => serde_json::Value::Array(list.iter().map(value).collect()),
        Answer::Number(n) => number(*n),
        Answer::Quantity { value, unit, .. } => serde_json::json!({
            "value": number(*value),
            "unit": it.unit_choices().get(*unit as usize).map(|u| u.code.clone().unwrap_or_else(|| u.display.clone())),
        }),
        Answer::Date(d) => match &d.said {
            Some(said) => serde_json::json!({ "date": d.to_iso(), "said": said }),
            None => serde_json::Value::String(d.to_iso()),
        },
        Answer::Text(t) => serde_json::Value::String(t.clone()),
    }
}

fn number(n: f64) -> serde_json::Value {
    if n.fract() == 0.0 && n.abs() < 9e15 {
        serde_json::Value::from(f64_to_i64(n))
    } else {
        serde_json::Value::from(n)
    }
}

/// `{"value": 180, "unit": "cm"}` for a question offering several units (the unit by its code
/// or its name).
fn quantity(it: &crate::questionnaire::Item, m: &[(String, RawValue)]) -> Result<Answer, String> {
    let get = |k: &str| m.iter().find(|(key, _)| key == k).map(|(_, v)| v);
    let units = it.unit_choices();
    let names = || {
        units
            .iter()
            .map(|u| format!("\"{}\"", u.code.as_deref().unwrap_or(&u.display)))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let value = match get("value") {
        Some(RawValue::Num(n)) => *n,
        _ => {
            return Err(format!(
                "`{}` takes {{\"value\": a number, \"unit\": one of {}}}",
                it.id,
                names()
            ));
        }
    };
    let unit = match get("unit") {
        Some(RawValue::Str(s)) => units
            .iter()
            .position(|u| u.code.as_deref() == Some(s.as_str()) || &u.display == s)
            .ok_or_else(|| {
                format!(
                    "`{}` has no unit \"{s}\"; expected one of {}",
                    it.id,
                    names()
                )
            })
            .and_then(|i| {
                u32::try_from(i).map_err(|_| format!("`{}` has too many units", it.id))
            })?,
        None => it.default_unit(),
        Some(other) => {
            return Err(format!(
                "`{}`: the unit must be one of {}, found {}",
                it.id,
                names(),
                other.describe()
            ));
        }
    };
    Ok(Answer::Quantity {
        value,
        unit,
        base: None,
    })
}
