//! The rules part of the model: derived values, flags, texts with placeholders, outcome texts and
//! the doctor's page layout.

use super::{Expr, ItemIdx, Ref, Ty};

#[derive(Debug, Clone)]
pub struct Derived {
    pub id: String,
    pub expr: Expr,
    pub ty: Ty,
    pub label: Option<String>,
    /// Whether the answers behind this value are listed among a flag's triggers.
    pub trigger: bool,
}

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Note,
    Caution,
    Stop,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Stop => "stop",
            Severity::Caution => "caution",
            Severity::Note => "note",
        }
    }
}

/// How many fired flags there are of each severity (the doctor's banner "STOP 1 - CAUTION 2 -
/// NOTE 0", the summary JSON's `counts`, a record's columns).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct FlagCounts {
    pub stop: usize,
    pub caution: usize,
    pub note: usize,
}

impl FlagCounts {
    /// The count of one severity.
    pub fn of(&self, severity: Severity) -> usize {
        match severity {
            Severity::Stop => self.stop,
            Severity::Caution => self.caution,
            Severity::Note => self.note,
        }
    }

    /// Counts one more flag of `severity`.
    pub fn add(&mut self, severity: Severity) {
        match severity {
            Severity::Stop => self.stop += 1,
            Severity::Caution => self.caution += 1,
            Severity::Note => self.note += 1,
        }
    }

    /// Stop, caution, note: the order of the store's columns.
    pub fn to_array(self) -> [usize; 3] {
        [self.stop, self.caution, self.note]
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FlagAction {
    /// Stop asking: everything after the triggering answer is not asked.
    End,
    /// Show the support screen and wait for staff.
    Pause,
}

#[derive(Debug, Clone)]
pub struct Flag {
    pub id: String,
    pub severity: Severity,
    pub when: Expr,
    /// The doctor's text with `{name}` placeholders.
    pub text: Template,
    pub action: Option<FlagAction>,
    /// What the patient sees for a `pause` (support screen) or `end` action.
    pub message: Option<String>,
    /// Further answers to show beside the triggering ones when answered (e.g. helper details).
    pub show: Vec<ItemIdx>,
    /// Whether the doctor's page lists the triggering answers after the text (the JSON always
    /// does). Off for notes whose text says it all.
    pub list_triggers: bool,
    /// The evidence behind the rule (fact ids or references), for reviewers.
    pub basis: Option<String>,
    /// The last item the rule depends on: an `end` action cuts the questionnaire after it.
    pub position: ItemIdx,
    /// Once fired, the flag stays in the session and the record even if its answers change
    /// (clinical spec 9.4). Always on for `pause` flags; `latch = true` for any other.
    pub latch: bool,
}

/// Text with `{name}` placeholders filled from answers and derived values.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Template {
    pub parts: Vec<TemplatePart>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum TemplatePart {
    Text(String),
    /// `{name}`: the value, or a dash when unanswered.
    Value(Ref),
    /// `{name?}`: the value, or nothing when unanswered.
    Optional(Ref),
    /// `{? condition: text}`: the text (itself a template) when the condition holds; otherwise
    /// nothing, and the spaces before it go too.
    When(Expr, Vec<TemplatePart>),
    /// `{name:ago}`: a number of days as "N days ago", or "about N weeks ago (month only)"
    /// when it was worked out from a month-only date.
    Ago(Ref),
}

impl Template {
    /// The names of every placeholder, in conditional fragments too (not their conditions).
    pub fn refs(&self) -> std::vec::IntoIter<Ref> {
        fn walk(parts: &[TemplatePart], out: &mut Vec<Ref>) {
            for p in parts {
                match p {
                    TemplatePart::Value(r) | TemplatePart::Optional(r) | TemplatePart::Ago(r) => {
                        out.push(*r);
                    }
                    TemplatePart::When(_, inner) => walk(inner, out),
                    TemplatePart::Text(_) => {}
                }
            }
        }
        let mut out = Vec::new();
        walk(&self.parts, &mut out);
        out.into_iter()
    }

    /// The conditions of the conditional fragments, nested ones included.
    pub fn conditions(&self) -> Vec<&Expr> {
        fn walk<'a>(parts: &'a [TemplatePart], out: &mut Vec<&'a Expr>) {
            for p in parts {
                if let TemplatePart::When(e, inner) = p {
                    out.push(e);
                    walk(inner, out);
                }
            }
        }
        let mut out = Vec::new();
        walk(&self.parts, &mut out);
        out
    }

    /// Every literal piece of text, in conditional fragments too (for checks that look for
    /// doctor-only wording).
    pub fn literals(&self) -> Vec<&str> {
        fn walk<'a>(parts: &'a [TemplatePart], out: &mut Vec<&'a str>) {
            for p in parts {
                match p {
                    TemplatePart::Text(t) => out.push(t),
                    TemplatePart::When(_, inner) => walk(inner, out),
                    TemplatePart::Value(_) | TemplatePart::Optional(_) | TemplatePart::Ago(_) => {}
                }
            }
        }
        let mut out = Vec::new();
        walk(&self.parts, &mut out);
        out
    }
}

#[derive(Debug, Clone)]
pub struct OutcomeText {
    /// One line in capitals on the doctor's page ("DO NOT TREAT TODAY").
    pub banner: String,
    pub text: String,
}

#[derive(Debug, Clone)]
pub struct Outcomes {
    pub stop: OutcomeText,
    pub caution: OutcomeText,
    pub clear: OutcomeText,
    /// Ended early, declined or incomplete: never read as clear.
    pub not_assessed: OutcomeText,
    /// The questionnaire has no rules: answers only, never "suitable".
    pub no_rules: OutcomeText,
    /// Printed after every outcome line.
    pub footer: String,
    /// The disclaimer under the header.
    pub disclaimer: String,
}

/// The doctor's page, as declared by the questionnaire (`[summary]`).
#[derive(Debug, Clone, Default)]
pub struct SummaryLayout {
    pub header: Vec<SummaryRow>,
    /// Blocks between the flags and the notes. Empty means: one block per section, every answer.
    pub blocks: Vec<SummaryBlock>,
    /// Lines of the prescriber sign-off box.
    pub signoff: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct SummaryBlock {
    pub title: String,
    pub show_if: Option<Expr>,
    pub rows: Vec<SummaryRow>,
}

#[derive(Debug, Clone)]
pub struct SummaryRow {
    pub label: String,
    pub value: RowValue,
    pub show_if: Option<Expr>,
    /// Left out when the page would otherwise not fit one A4 sheet.
    pub optional: bool,
}

#[derive(Debug, Clone)]
pub enum RowValue {
    /// Filled placeholders; the row is left out when every placeholder is unanswered.
    Template(Template),
    /// The answers of these items, joined with "; "; left out when none is answered.
    Answers(Vec<Ref>),
}

impl Default for Outcomes {
    fn default() -> Self {
        use crate::strings as s;
        let t = |banner: &str, text: &str| OutcomeText {
            banner: banner.into(),
            text: text.into(),
        };
        Outcomes {
            stop: t(s::OUTCOME_STOP_BANNER, s::OUTCOME_STOP_TEXT),
            caution: t(s::OUTCOME_CAUTION_BANNER, s::OUTCOME_CAUTION_TEXT),
            clear: t(s::OUTCOME_CLEAR_BANNER, s::OUTCOME_CLEAR_TEXT),
            not_assessed: t(s::OUTCOME_NOT_ASSESSED_BANNER, s::OUTCOME_NOT_ASSESSED_TEXT),
            no_rules: t(s::OUTCOME_NO_RULES_BANNER, s::OUTCOME_NO_RULES_TEXT),
            footer: s::OUTCOME_FOOTER.into(),
            disclaimer: s::DISCLAIMER.into(),
        }
    }
}

impl SummaryLayout {
    /// Every answer by section, with the default sign-off box.
    pub fn every_answer() -> Self {
        SummaryLayout {
            signoff: crate::strings::SIGNOFF
                .iter()
                .map(|l| (*l).to_owned())
                .collect(),
            ..Default::default()
        }
    }
}
