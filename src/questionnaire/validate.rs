//! Validation of one answer against its question: type, options, exclusive options, range,
//! whole numbers, date limits, month-only dates, text length and pattern. Messages are the calm
//! sentences a patient sees.

use jiff::civil::Date;

use crate::answer::Answer;
use crate::questionnaire::{ChoiceStyle, Item, ItemKind, QuestionKind};
/// The largest magnitude every number up to which is kept exactly (2^53, IEEE 754 doubles).
pub const MAX_EXACT: f64 = 9_007_199_254_740_992.0;

use crate::strings::{self, fill};
use crate::typed::fmt_num;

/// Why an answer was refused; `message` is what the patient reads.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{message}")]
pub struct AnswerError {
    pub message: String,
}

fn refuse<T>(message: impl Into<String>) -> Result<T, AnswerError> {
    Err(AnswerError {
        message: message.into(),
    })
}

fn fmt_date(d: Date) -> String {
    format!("{:02}/{:02}/{:04}", d.day(), d.month(), d.year())
}

/// A quantity answer's value in the item's first unit, when it converts (what conditions and
/// limits compare).
pub fn base_value(item: &Item, value: f64, unit: u32) -> Option<f64> {
    let units = item.unit_choices();
    if unit == 0 {
        return Some(value);
    }
    let from = units.get(unit as usize)?.code.as_deref()?;
    let to = units.first()?.code.as_deref()?;
    crate::expr::fhirpath::units::convert(value, from, to)
}

/// A limit with the first unit's name ("100 cm").
fn unit_text(n: f64, units: &[crate::questionnaire::FhirUnit]) -> String {
    match units.first() {
        Some(u) => format!("{} {}", fmt_num(n), u.display),
        None => fmt_num(n),
    }
}

/// Checks `answer` for `item` and returns it normalised (text cleaned, multi sorted).
pub fn check(item: &Item, answer: Answer, visit: Date) -> Result<Answer, AnswerError> {
    let ItemKind::Question(kind) = &item.kind else {
        return refuse(strings::NOT_VALID);
    };
    match (kind, answer) {
        (QuestionKind::Choice { style, options }, Answer::Choice(i))
            if *style != ChoiceStyle::Multi =>
        {
            if (i as usize) < options.len() {
                Ok(Answer::Choice(i))
            } else {
                refuse(strings::NEED_CHOICE)
            }
        }
        (
            QuestionKind::Choice {
                style: ChoiceStyle::Multi,
                options,
            },
            Answer::Multi(mut list),
        ) => {
            list.sort_unstable();
            list.dedup();
            if list.is_empty() || list.iter().any(|&i| i as usize >= options.len()) {
                return refuse(strings::NEED_CHOICE_MULTI);
            }
            if let Some(occurs) = item.occurs {
                if let Some(m) = occurs.max.filter(|m| list.len() > *m as usize) {
                    return refuse(fill(strings::CHOOSE_AT_MOST, m));
                }
                if list.len() < occurs.min as usize {
                    return refuse(fill(strings::CHOOSE_AT_LEAST, occurs.min));
                }
            }
            if list.len() > 1
                && let Some(ex) = list
                    .iter()
                    .filter_map(|&i| options.get(i as usize))
                    .find(|o| o.exclusive)
            {
                return refuse(fill(strings::EXCLUSIVE_ALONE, &ex.label));
            }
            Ok(Answer::Multi(list))
        }
        (
            QuestionKind::Number {
                min, max, integer, ..
            },
            Answer::Number(n),
        ) => {
            if !n.is_finite() {
                return refuse(strings::NEED_NUMBER);
            }
            // Beyond 2^53 a number cannot be kept exactly: refused, never rounded.
            if n.abs() > MAX_EXACT {
                return refuse(strings::NUMBER_TOO_LARGE);
            }
            if *integer && n.fract() != 0.0 {
                return refuse(strings::NEED_WHOLE_NUMBER);
            }
            if let Some(lo) = min.filter(|lo| n < *lo) {
                return refuse(fill(strings::NUMBER_TOO_SMALL, fmt_num(lo)));
            }
            if let Some(hi) = max.filter(|hi| n > *hi) {
                return refuse(fill(strings::NUMBER_TOO_BIG, fmt_num(hi)));
            }
            Ok(Answer::Number(n))
        }
        (
            QuestionKind::Date {
                min,
                max,
                allow_month,
            },
            Answer::Date(d),
        ) => {
            if d.month_only && !allow_month {
                return refuse(strings::DATE_NEED_DAY);
            }
            // A month-only date is allowed if any day of that month is within the limits.
            let (first, last) = if d.month_only {
                (d.date, d.date.last_of_month())
            } else {
                (d.date, d.date)
            };
            if let Some(lo) = min.map(|b| b.resolve(visit)).filter(|lo| last < *lo) {
                return refuse(fill(strings::DATE_TOO_EARLY, fmt_date(lo)));
            }
            if let Some(hi) = max.map(|b| b.resolve(visit)).filter(|hi| first > *hi) {
                return refuse(fill(strings::DATE_TOO_LATE, fmt_date(hi)));
            }
            Ok(Answer::Date(d))
        }
        (
            QuestionKind::Text {
                max_length,
                min_length,
                pattern,
            },
            Answer::Text(t),
        ) => {
            // Every text answer is one line (no question takes several): a line break in an
            // answers file becomes a space.
            let t = crate::text::clean_line(&t).trim().to_owned();
            if crate::text::is_blank(&t) {
                return refuse(strings::TEXT_EMPTY);
            }
            if t.chars().count() > *max_length {
                return refuse(fill(strings::TEXT_TOO_LONG, max_length));
            }
            if let Some(p) = pattern
                && !p.regex.is_match(&t)
            {
                return refuse(p.message.clone());
            }
            // After the pattern: "2" for a phone number is of the right kind, only too short.
            if t.chars().count() < *min_length {
                return refuse(fill(strings::TEXT_TOO_SHORT, min_length));
            }
            Ok(Answer::Text(t))
        }
        (
            QuestionKind::Number {
                min, max, integer, ..
            },
            Answer::Quantity { value, unit, .. },
        ) => {
            let units = item.unit_choices();
            if units.get(unit as usize).is_none() {
                return refuse(strings::NEED_UNIT);
            }
            if !value.is_finite() {
                return refuse(strings::NEED_NUMBER);
            }
            if *integer && value.fract() != 0.0 {
                return refuse(strings::NEED_WHOLE_NUMBER);
            }
            // Limits are in the first unit; the answer is compared once converted to it.
            let base = base_value(item, value, unit);
            if let Some(b) = base {
                if let Some(lo) = min.filter(|lo| b < *lo) {
                    return refuse(fill(strings::NUMBER_TOO_SMALL, unit_text(lo, units)));
                }
                if let Some(hi) = max.filter(|hi| b > *hi) {
                    return refuse(fill(strings::NUMBER_TOO_BIG, unit_text(hi, units)));
                }
            }
            Ok(Answer::Quantity { value, unit, base })
        }
        (QuestionKind::Choice { .. }, _) => refuse(strings::NEED_CHOICE),
        (QuestionKind::Number { .. }, _) => refuse(strings::NEED_NUMBER),
        _ => refuse(strings::NOT_VALID),
    }
}

/// The new selection after tapping option `opt` of a multi-choice question: choosing an
/// exclusive option ("None of these") clears the others, and choosing any other option clears
/// the exclusive ones. Tapping a chosen option unchooses it.
pub fn toggle_option(item: &Item, current: &[u32], opt: u32) -> Vec<u32> {
    let options = item.options();
    let Some(chosen) = options.get(opt as usize) else {
        return current.to_vec();
    };
    if current.contains(&opt) {
        return current.iter().copied().filter(|&o| o != opt).collect();
    }
    let mut out: Vec<u32> = if chosen.exclusive {
        Vec::new()
    } else {
        current
            .iter()
            .copied()
            .filter(|&o| !options.get(o as usize).is_some_and(|x| x.exclusive))
            .collect()
    };
    out.push(opt);
    out.sort_unstable();
    out
}
