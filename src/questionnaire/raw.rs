//! The native TOML format as written by clinic authors, deserialized with spans so every later
//! check can point at the exact place. Unknown keys are errors. Per-type rules (which keys a
//! `number` may have, and so on) are checked in `load`, where the messages can be specific.

use serde::Deserialize;
use serde_spanned::Spanned;

use super::model::{FlagAction, Severity};

pub type S<T> = Spanned<T>;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawFile {
    pub questionnaire: S<RawMeta>,
    #[serde(default)]
    pub section: Vec<S<RawSection>>,
    #[serde(default)]
    pub derived: Vec<S<RawDerived>>,
    #[serde(default)]
    pub flag: Vec<S<RawFlag>>,
    pub outcome: Option<RawOutcomes>,
    pub summary: Option<RawSummary>,
    /// Texts a clinic may replace in its settings (`[wording.NAME]`), used in question texts as
    /// `{wording.NAME}`.
    #[serde(default)]
    pub wording: std::collections::BTreeMap<String, S<RawWording>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawWording {
    /// The shipped text, used when the clinic gives none.
    pub default: S<String>,
    /// What the clinic should say here (shown by `triage check` and in the docs).
    pub about: Option<String>,
    pub max_length: Option<S<i64>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawMeta {
    pub id: S<String>,
    pub version: S<String>,
    pub title: S<String>,
    pub language: Option<String>,
    pub welcome: Option<String>,
    pub minutes: Option<u32>,
    pub finish: Option<String>,
    pub url: Option<String>,
    pub name_question: Option<S<String>>,
    pub dob_question: Option<S<String>>,
    pub staff_answers: Option<S<toml::Table>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSection {
    pub id: S<String>,
    pub title: S<String>,
    pub intro: Option<String>,
    pub show_if: Option<S<String>>,
    #[serde(default)]
    pub question: Vec<S<RawQuestion>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RawType {
    YesNo,
    YesNoUnsure,
    Single,
    Multi,
    Number,
    Date,
    Text,
    Info,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawQuestion {
    pub id: S<String>,
    #[serde(rename = "type")]
    pub kind: S<RawType>,
    pub text: S<String>,
    pub help: Option<String>,
    pub short: Option<String>,
    pub review_label: Option<S<String>>,
    pub in_full: Option<S<bool>>,
    pub required: Option<S<bool>>,
    pub show_if: Option<S<String>>,
    pub options: Option<S<Vec<S<RawOption>>>>,
    pub min: Option<S<toml::Value>>,
    pub max: Option<S<toml::Value>>,
    pub unit: Option<S<String>>,
    pub unit_one: Option<S<String>>,
    pub integer: Option<S<bool>>,
    pub allow_month: Option<S<bool>>,
    pub max_length: Option<S<i64>>,
    pub min_length: Option<S<i64>>,
    pub pattern: Option<S<String>>,
    pub pattern_message: Option<String>,
    pub valid_if: Option<S<String>>,
    pub valid_message: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawOption {
    pub value: S<String>,
    pub label: S<String>,
    pub short: Option<String>,
    pub exclusive: Option<S<bool>>,
    pub staff_only: Option<S<bool>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawDerived {
    pub id: S<String>,
    pub expr: S<String>,
    pub label: Option<String>,
    pub trigger: Option<bool>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawFlag {
    pub id: S<String>,
    pub severity: S<Severity>,
    pub when: S<String>,
    pub text: S<String>,
    pub action: Option<S<FlagAction>>,
    pub message: Option<String>,
    #[serde(default)]
    pub show: Vec<S<String>>,
    pub list_triggers: Option<bool>,
    pub basis: Option<String>,
    pub latch: Option<S<bool>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawOutcomeText {
    pub banner: String,
    pub text: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawOutcomes {
    pub stop: Option<RawOutcomeText>,
    pub caution: Option<RawOutcomeText>,
    pub clear: Option<RawOutcomeText>,
    pub not_assessed: Option<RawOutcomeText>,
    pub no_rules: Option<RawOutcomeText>,
    pub footer: Option<String>,
    pub disclaimer: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSummary {
    #[serde(default)]
    pub header: Vec<S<RawRow>>,
    #[serde(default)]
    pub block: Vec<S<RawBlock>>,
    pub signoff: Option<Vec<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawBlock {
    pub title: String,
    pub show_if: Option<S<String>>,
    #[serde(default)]
    pub rows: Vec<S<RawRow>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawRow {
    pub label: String,
    pub value: Option<S<String>>,
    pub answers: Option<Vec<S<String>>>,
    pub show_if: Option<S<String>>,
    pub optional: Option<bool>,
}
