//! Questions: each type's keys and rules, options, numbers, dates and text limits.

use super::{
    Builder, ChoiceOption, ChoiceStyle, Date, DateBound, HashMap, Item, ItemIdx, ItemKind,
    QuestionKind, Range, RawQuestion, RawType, Ref, S, Target, TextPattern, Ty, strings, text,
    valid_option_value,
};

impl Builder<'_> {
    pub(super) fn question(
        &mut self,
        rq: &S<RawQuestion>,
        parent: ItemIdx,
        pending: &mut Vec<(Target, S<String>)>,
    ) {
        let q = rq.get_ref();
        let kind = *q.kind.get_ref();
        let idx = ItemIdx::at(self.items.len());
        // Report keys that this type does not use.
        let is_choice = matches!(kind, RawType::Single | RawType::Multi);
        if let (Some(o), false) = (&q.options, is_choice) {
            let help = if matches!(kind, RawType::YesNo | RawType::YesNoUnsure) {
                Some("yes/no questions have fixed options (yes, no, unsure); use `type = \"single\"` for other options".to_owned())
            } else {
                None
            };
            self.err(
                o.span(),
                format!("`options` does not apply to a {} question", type_name(kind)),
                "not used by this type",
                help,
            );
        }
        let checks: [(&str, Option<Range<usize>>, bool); 10] = [
            (
                "min",
                q.min.as_ref().map(serde_spanned::Spanned::span),
                matches!(kind, RawType::Number | RawType::Date),
            ),
            (
                "max",
                q.max.as_ref().map(serde_spanned::Spanned::span),
                matches!(kind, RawType::Number | RawType::Date),
            ),
            (
                "unit",
                q.unit.as_ref().map(serde_spanned::Spanned::span),
                kind == RawType::Number,
            ),
            (
                "unit_one",
                q.unit_one.as_ref().map(serde_spanned::Spanned::span),
                kind == RawType::Number,
            ),
            (
                "integer",
                q.integer.as_ref().map(serde_spanned::Spanned::span),
                kind == RawType::Number,
            ),
            (
                "allow_month",
                q.allow_month.as_ref().map(serde_spanned::Spanned::span),
                kind == RawType::Date,
            ),
            (
                "max_length",
                q.max_length.as_ref().map(serde_spanned::Spanned::span),
                kind == RawType::Text,
            ),
            (
                "min_length",
                q.min_length.as_ref().map(serde_spanned::Spanned::span),
                kind == RawType::Text,
            ),
            (
                "pattern",
                q.pattern.as_ref().map(serde_spanned::Spanned::span),
                kind == RawType::Text,
            ),
            (
                "valid_if",
                q.valid_if.as_ref().map(serde_spanned::Spanned::span),
                kind != RawType::Info,
            ),
        ];
        for (key, span, allowed) in checks {
            if let (Some(span), false) = (span, allowed) {
                self.not_for(span, key, kind);
            }
        }
        if let (RawType::Info, Some(r)) = (kind, &q.required)
            && *r.get_ref()
        {
            self.err(
                r.span(),
                "an info screen cannot be required",
                "info has no answer",
                Some("remove `required`".into()),
            );
        }
        let qkind = match kind {
            RawType::Info => None,
            RawType::YesNo | RawType::YesNoUnsure => {
                let mut options = vec![builtin("yes", strings::YES), builtin("no", strings::NO)];
                let style = if kind == RawType::YesNoUnsure {
                    options.push(builtin("unsure", strings::NOT_SURE));
                    ChoiceStyle::YesNoUnsure
                } else {
                    ChoiceStyle::YesNo
                };
                Some(QuestionKind::Choice { style, options })
            }
            RawType::Single | RawType::Multi => {
                let style = if kind == RawType::Multi {
                    ChoiceStyle::Multi
                } else {
                    ChoiceStyle::Single
                };
                let options = self.options(q, style);
                Some(QuestionKind::Choice { style, options })
            }
            RawType::Number => Some(self.number(q)),
            RawType::Date => Some(self.date(q)),
            RawType::Text => Some(self.text_kind(q)),
        };
        let ty = match (&qkind, kind) {
            (None, _) => Ty::Info,
            (
                Some(QuestionKind::Choice {
                    style: ChoiceStyle::Multi,
                    ..
                }),
                _,
            ) => Ty::Set(idx),
            (Some(QuestionKind::Choice { .. }), _) => Ty::Choice(idx),
            (Some(QuestionKind::Number { .. }), _) => Ty::Num,
            (Some(QuestionKind::Date { .. }), _) => Ty::Date,
            (Some(QuestionKind::Text { .. }), _) => Ty::Text,
        };
        self.declare(&q.id, Some((Ref::Question(idx), ty)));
        let text = Self::text(&q.text);
        let text = self.worded_text(&q.text, text, idx);
        if text.trim().is_empty() {
            self.err(q.text.span(), "the question text is empty", "empty", None);
        }
        let required = qkind.is_some() && q.required.as_ref().is_none_or(|r| *r.get_ref());
        let review_label = q.review_label.as_ref().map(|l| {
            let cleaned = text::clean_line(l.get_ref());
            if cleaned.trim().is_empty() {
                self.err(l.span(), "the review label is empty", "empty", Some("give the question a few words the patient understands, or remove `review_label`".into()));
            } else if kind == RawType::Info {
                self.err(l.span(), "an info screen has no answer, so it is not on the review screen", "not used", Some("remove `review_label`".into()));
            }
            cleaned
        });
        let in_full = match &q.in_full {
            Some(f) if *f.get_ref() && kind != RawType::Text => {
                self.not_for(f.span(), "in_full", kind);
                false
            }
            Some(f) => *f.get_ref(),
            None => false,
        };
        self.items.push(Item {
            id: q.id.get_ref().clone(),
            kind: match qkind {
                Some(k) => ItemKind::Question(k),
                None => ItemKind::Info,
            },
            text,
            help: q.help.as_deref().map(text::clean),
            short: q.short.as_deref().map(text::clean),
            review_label,
            in_full,
            parent: Some(parent),
            end: idx.next(),
            depth: 1,
            show_if: None,
            required,
            valid_if: None,
            read_only: false,
            hidden: false,
            initial: Vec::new(),
            occurs: None,
            fhir: None,
        });
        if let Some(c) = &q.show_if {
            pending.push((Target::ShowIf(idx), c.clone()));
        }
        if let Some(c) = &q.valid_if {
            let msg = q
                .valid_message
                .as_deref()
                .map_or_else(|| strings::NOT_VALID.to_owned(), text::clean);
            pending.push((Target::ValidIf(idx, msg), c.clone()));
        }
    }

    pub(super) fn options(&mut self, q: &RawQuestion, style: ChoiceStyle) -> Vec<ChoiceOption> {
        let Some(raw) = &q.options else {
            self.err(
                q.kind.span(),
                format!(
                    "a {} question needs `options`",
                    type_name(*q.kind.get_ref())
                ),
                "no options",
                Some("add options = [{ value = \"a\", label = \"...\" }, ...]".into()),
            );
            return Vec::new();
        };
        if raw.get_ref().is_empty() {
            self.err(raw.span(), "the option list is empty", "no options", None);
        }
        if let Some(over) = raw.get_ref().get(crate::limits::MAX_OPTIONS) {
            self.err(
                over.span().start..over.span().start + 1,
                format!("more than {} options", crate::limits::MAX_OPTIONS),
                "the limit is passed here",
                Some("a long list is easier as a text answer; the limits are in docs/questionnaire-format.md".into()),
            );
            return Vec::new();
        }
        let mut out: Vec<ChoiceOption> = Vec::new();
        let mut seen: HashMap<String, Range<usize>> = HashMap::new();
        for o in raw.get_ref() {
            let o = o.get_ref();
            let value = o.value.get_ref();
            if !valid_option_value(value) {
                self.err(o.value.span(), format!("\"{value}\" is not a valid option value"), "invalid value", Some("option values use letters, digits and `_ - . + : /`; the label is what patients read".into()));
            }
            if let Some(first) = seen.get(value) {
                let (l, _) = crate::diag::line_col(self.src, first.start);
                self.err(
                    o.value.span(),
                    format!("duplicate option value \"{value}\" in `{}`", q.id.get_ref()),
                    format!("already used on line {l}"),
                    Some("each option needs its own value".into()),
                );
            } else {
                seen.insert(value.clone(), o.value.span());
            }
            let label = Self::text(&o.label);
            if label.trim().is_empty() {
                self.err(o.label.span(), "the option label is empty", "empty", None);
            }
            let exclusive = o.exclusive.as_ref().is_some_and(|e| *e.get_ref());
            if let (Some(e), false) = (&o.exclusive, style == ChoiceStyle::Multi) {
                self.warn(
                    e.span(),
                    "`exclusive` only matters in multi-choice questions",
                    "has no effect here",
                    Some("remove it".into()),
                );
            }
            let staff_only = o.staff_only.as_ref().is_some_and(|e| *e.get_ref());
            if !staff_only && out.iter().any(|p: &ChoiceOption| p.staff_only) {
                self.err(
                    o.value.span(),
                    "an option for everyone comes after a `staff_only` option",
                    "after a staff-only option",
                    Some("put `staff_only` options last, so option numbers are the same on patients' and staff screens".into()),
                );
            }
            out.push(ChoiceOption {
                value: value.clone(),
                label,
                short: o.short.as_deref().map(text::clean),
                exclusive,
                staff_only,
                ..Default::default()
            });
        }
        if !out.is_empty() && out.iter().all(|o| o.staff_only) {
            self.err(
                raw.span(),
                "every option is `staff_only`: patients could not answer",
                "no option for patients",
                Some("leave at least one option for everyone".into()),
            );
        }
        out
    }

    pub(super) fn number(&mut self, q: &RawQuestion) -> QuestionKind {
        let integer = q.integer.as_ref().is_some_and(|i| *i.get_ref());
        let num = |b: &mut Self, v: &Option<S<toml::Value>>, key: &str| -> Option<f64> {
            let v = v.as_ref()?;
            let n = match v.get_ref() {
                toml::Value::Integer(i) => crate::expr::num::int_to_f64(*i),
                toml::Value::Float(f) if f.is_finite() => *f,
                _ => {
                    b.err(
                        v.span(),
                        format!("`{key}` of a number question must be a number"),
                        "not a number",
                        None,
                    );
                    return None;
                }
            };
            if integer && n.fract() != 0.0 {
                b.err(
                    v.span(),
                    format!("`{key}` is not a whole number, but the question takes whole numbers"),
                    "not whole",
                    None,
                );
            }
            Some(n)
        };
        let min = num(self, &q.min, "min");
        let max = num(self, &q.max, "max");
        if let (Some(lo), Some(hi), Some(mx)) = (min, max, &q.max)
            && lo > hi
        {
            self.err(
                mx.span(),
                format!("`max` ({hi}) is smaller than `min` ({lo})"),
                "no number can be valid",
                Some("swap them, or fix the limit".into()),
            );
        }
        QuestionKind::Number {
            min,
            max,
            unit: q.unit.as_ref().map(|u| text::clean(u.get_ref())),
            unit_one: q.unit_one.as_ref().map(|u| text::clean(u.get_ref())),
            integer,
        }
    }

    fn date_bound(&mut self, v: &S<toml::Value>, key: &str) -> Option<DateBound> {
        let help = "write a date \"2025-01-31\", \"today\", or a distance from today such as \"today+2y\" or \"today-110y\" (d, w, m, y)";
        match v.get_ref() {
            toml::Value::Datetime(dt) => {
                if let (Some(d), None) = (dt.date, dt.time) {
                    match (
                        i16::try_from(d.year),
                        i8::try_from(d.month),
                        i8::try_from(d.day),
                    ) {
                        (Ok(y), Ok(m), Ok(day)) => Date::new(y, m, day).ok().map(DateBound::Fixed),
                        _ => None,
                    }
                } else {
                    self.err(
                        v.span(),
                        format!("`{key}` must be a date without a time"),
                        "has a time",
                        Some(help.into()),
                    );
                    None
                }
            }
            toml::Value::String(s) => {
                if let Some(b) = parse_date_bound(s) {
                    Some(b)
                } else {
                    self.err(
                        v.span(),
                        format!("`{key}` is not a date limit"),
                        "cannot read this",
                        Some(help.into()),
                    );
                    None
                }
            }
            _ => {
                self.err(
                    v.span(),
                    format!("`{key}` of a date question must be a date"),
                    "not a date",
                    Some(help.into()),
                );
                None
            }
        }
    }

    pub(super) fn date(&mut self, q: &RawQuestion) -> QuestionKind {
        let min = q.min.as_ref().and_then(|v| self.date_bound(v, "min"));
        let max = q.max.as_ref().and_then(|v| self.date_bound(v, "max"));
        if let (Some(lo), Some(hi), Some(mx)) = (min, max, &q.max) {
            let probe = Date::constant(2000, 6, 15);
            if lo.resolve(probe) > hi.resolve(probe) {
                self.err(
                    mx.span(),
                    "`max` is earlier than `min`",
                    "no date can be valid",
                    Some("swap them, or fix the limit".into()),
                );
            }
        }
        QuestionKind::Date {
            min,
            max,
            allow_month: q.allow_month.as_ref().is_some_and(|a| *a.get_ref()),
        }
    }

    fn text_kind(&mut self, q: &RawQuestion) -> QuestionKind {
        let max_length = match &q.max_length {
            Some(m) if !(1..=10_000).contains(m.get_ref()) => {
                self.err(
                    m.span(),
                    "`max_length` must be between 1 and 10000",
                    "out of range",
                    None,
                );
                500
            }
            // In 1..=10000, checked above.
            Some(m) => usize::try_from(*m.get_ref()).unwrap_or(500),
            None => 500,
        };
        let pattern = match &q.pattern {
            Some(p) => match regex_lite::Regex::new(p.get_ref()) {
                Ok(regex) => Some(TextPattern {
                    regex,
                    message: q
                        .pattern_message
                        .as_deref()
                        .map_or_else(|| strings::TEXT_PATTERN.to_owned(), text::clean),
                }),
                Err(e) => {
                    self.err(
                        p.span(),
                        "`pattern` is not a valid regular expression",
                        e.to_string(),
                        None,
                    );
                    None
                }
            },
            None => None,
        };
        let min_length = match &q.min_length {
            Some(m)
                if !(0..=i64::try_from(max_length).unwrap_or(i64::MAX)).contains(m.get_ref()) =>
            {
                self.err(
                    m.span(),
                    "`min_length` must be between 0 and `max_length`",
                    "out of range",
                    None,
                );
                0
            }
            // In 0..=max_length, checked above.
            Some(m) => usize::try_from(*m.get_ref()).unwrap_or(0),
            None => 0,
        };
        QuestionKind::Text {
            max_length,
            min_length,
            pattern,
        }
    }
}

fn builtin(value: &str, label: &str) -> ChoiceOption {
    ChoiceOption {
        value: value.into(),
        label: label.into(),
        ..Default::default()
    }
}

pub(super) fn type_name(t: RawType) -> &'static str {
    match t {
        RawType::YesNo => "yes_no",
        RawType::YesNoUnsure => "yes_no_unsure",
        RawType::Single => "single",
        RawType::Multi => "multi",
        RawType::Number => "number",
        RawType::Date => "date",
        RawType::Text => "text",
        RawType::Info => "info",
    }
}

/// Parses `today`, `today+2y`, `today - 110y`, `today+6m`, `today-14d`, `today+3w`, or a
/// `YYYY-MM-DD` date.
pub fn parse_date_bound(s: &str) -> Option<DateBound> {
    let s: String = s.chars().filter(|c| !c.is_whitespace()).collect();
    if let Some(rest) = s.strip_prefix("today") {
        if rest.is_empty() {
            return Some(DateBound::FromVisit {
                years: 0,
                months: 0,
                days: 0,
            });
        }
        let (sign, rest) = match rest.as_bytes().first()? {
            b'+' => (1, &rest[1..]),
            b'-' => (-1, &rest[1..]),
            _ => return None,
        };
        let unit = rest.chars().last()?;
        let n: i32 = rest[..rest.len() - 1].parse().ok()?;
        let n = sign * n;
        return match unit {
            'd' => Some(DateBound::FromVisit {
                years: 0,
                months: 0,
                days: n,
            }),
            'w' => Some(DateBound::FromVisit {
                years: 0,
                months: 0,
                days: n * 7,
            }),
            'm' => Some(DateBound::FromVisit {
                years: 0,
                months: n,
                days: 0,
            }),
            'y' => Some(DateBound::FromVisit {
                years: i16::try_from(n).ok()?,
                months: 0,
                days: 0,
            }),
            _ => None,
        };
    }
    crate::answer::PartialDate::parse_iso(&s)
        .filter(|d| !d.month_only)
        .map(|d| DateBound::Fixed(d.date))
}
