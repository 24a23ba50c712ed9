//! The compiled questionnaire: items in pre-order (sections are top-level groups, so FHIR's nested
//! groups fit too), derived values, flag rules, outcome texts and the doctor's page layout. Built
//! only by the loaders, after every check has passed, so the engine can trust it.

use std::collections::HashMap;

use jiff::civil::Date;

use crate::expr::{Expr, Ref, Ty};

/// Index of an item in [`Questionnaire::items`].
pub type ItemIdx = u32;

#[derive(Debug, Clone)]
pub struct Questionnaire {
    pub meta: Meta,
    /// Every item in document (pre-)order.
    pub items: Vec<Item>,
    pub derived: Vec<Derived>,
    pub flags: Vec<Flag>,
    pub outcome: Outcomes,
    pub summary: SummaryLayout,
    /// `sha256:` and the hex digest of the file the questionnaire was loaded from.
    pub content_hash: String,
    pub(crate) names: HashMap<String, Ref>,
    /// Items and derived values in an order where everything comes after what it reads.
    pub(crate) order: Vec<Node>,
    /// Conditions refer to each other in a loop (allowed in FHIR): evaluation repeats until
    /// visibility settles.
    pub(crate) loops: bool,
    /// FHIRPath logic of an imported FHIR Questionnaire (variables, calculated values,
    /// `enableWhenExpression`), with the Questionnaire's JSON for `%questionnaire`.
    pub fhir: Option<std::sync::Arc<FhirLogic>>,
    /// For each item, the repeating items whose instances contain it, outermost first (see
    /// [`super::instance`]); empty for items outside every repeat. Built by [`repeat_levels`].
    pub(crate) levels: Vec<Box<[ItemIdx]>>,
}

/// The FHIRPath side of an imported FHIR Questionnaire. Evaluated by the session over the
/// QuestionnaireResponse being filled in, repeatedly until answers and visibility settle.
#[derive(Debug, Clone)]
pub struct FhirLogic {
    /// The Questionnaire as given (`%questionnaire`).
    pub source: serde_json::Value,
    /// Variables and calculated values in evaluation order: the Questionnaire's own first,
    /// then each item's in document order (an item's variables before its calculation).
    pub exprs: Vec<FhirExpr>,
}

/// One FHIRPath expression evaluated on every change: a `variable`, or a
/// `calculatedExpression` (which may also be named, and so be a variable too).
#[derive(Debug, Clone)]
pub struct FhirExpr {
    pub name: Option<String>,
    /// The item it belongs to (its `%context`); `None` for the Questionnaire's own.
    pub scope: Option<ItemIdx>,
    /// The item whose answer it computes.
    pub calculates: Option<ItemIdx>,
    pub expr: crate::expr::fhirpath::Ast,
}

/// One step of evaluation order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Node {
    Item(ItemIdx),
    Derived(u32),
}

#[derive(Debug, Clone, Default)]
pub struct Meta {
    pub id: String,
    pub version: String,
    pub title: String,
    pub language: String,
    /// Shown on the welcome screen.
    pub welcome: Option<String>,
    /// Roughly how many minutes it takes.
    pub minutes: Option<u32>,
    /// Shown to the patient at the end, whatever the outcome.
    pub finish: Option<String>,
    /// FHIR canonical URL, when imported from or exported to FHIR.
    pub url: Option<String>,
    /// The text question holding the patient's name (for record lists).
    pub name_item: Option<ItemIdx>,
    /// The patient's date of birth (`dob_question`): proves who an unfinished form belongs to
    /// when no staff PIN is set.
    pub dob_item: Option<ItemIdx>,
    /// Answers already given when reception staff fill the form in (`triage run --staff`).
    pub staff_answers: Vec<(ItemIdx, crate::answer::Answer)>,
    /// Texts the clinic may replace in its settings (`[wording]`), in name order.
    pub wording: Vec<Wording>,
    /// Question texts that use a wording (`{wording.NAME}`), as written.
    pub worded: Vec<Worded>,
}

/// A text the clinic may replace in its settings (`config.toml`, `[wording]`), such as who
/// assesses and who injects. Patient-facing; records keep the text that was shown.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Wording {
    pub name: String,
    /// The shipped text.
    pub default: String,
    /// What the clinic should say here.
    pub about: Option<String>,
    /// The clinic's own text, once applied with [`Questionnaire::apply_wording`].
    pub clinic: Option<String>,
    /// The longest text the clinic may give, in characters.
    pub max_length: usize,
}

impl Wording {
    /// The text in use: the clinic's, else the shipped default.
    pub fn text(&self) -> &str {
        self.clinic.as_deref().unwrap_or(&self.default)
    }
}

/// A question's text as written, with `{wording.NAME}` placeholders: split into literal pieces
/// and wording indexes, refilled whenever the wording changes.
#[derive(Debug, Clone, PartialEq)]
pub struct Worded {
    pub item: ItemIdx,
    pub parts: Vec<WordedPart>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum WordedPart {
    Text(String),
    /// Index into [`Meta::wording`].
    Wording(usize),
}

/// Why a clinic's wording cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WordingError {
    #[error("`{name}` is not a wording of this questionnaire{}", suggest(.closest))]
    Unknown {
        name: String,
        closest: Option<String>,
    },
    #[error("`{name}` is empty")]
    Empty { name: String },
    #[error("`{name}` is {len} characters; at most {max} fit")]
    TooLong {
        name: String,
        len: usize,
        max: usize,
    },
}

fn suggest(closest: &Option<String>) -> String {
    match closest {
        Some(c) => format!(" (did you mean `{c}`?)"),
        None => String::new(),
    }
}

#[derive(Debug, Clone)]
pub struct Item {
    pub id: String,
    pub kind: ItemKind,
    pub text: String,
    /// "Why we ask", shown on demand.
    pub help: Option<String>,
    /// A short label for the doctor's page; falls back to `text`. Never shown to patients.
    pub short: Option<String>,
    /// The label of the question on the patient's review screen, in the patient's words;
    /// falls back to the first line of `text`.
    pub review_label: Option<String>,
    /// A free-text answer the doctor's page never cuts (medicines, allergies, the patient's
    /// own words): wrapped in full, on a second page "Answers in full" if need be.
    pub in_full: bool,
    pub parent: Option<ItemIdx>,
    /// One past the last item of this item's subtree.
    pub end: ItemIdx,
    pub depth: u8,
    pub show_if: Option<Expr>,
    /// Required when shown. Always false for groups and info screens.
    pub required: bool,
    /// A cross-field rule the answer must satisfy, with the message shown when it does not.
    pub valid_if: Option<(Expr, String)>,
    /// Shown to nobody as a question: its answer comes from `initial` (or a calculation) and
    /// the patient cannot change it (FHIR `readOnly`). Never required.
    pub read_only: bool,
    /// Not shown (FHIR `questionnaire-hidden`), but enabled: its value, calculation and
    /// effect on conditions stay, and it goes into the response. Never required.
    pub hidden: bool,
    /// The answers already given when a session starts (FHIR `initial`): at most one, except
    /// for a repeating question, where each is one instance. Several initial values of a
    /// multi-choice are one `Multi` answer.
    pub initial: Vec<crate::answer::Answer>,
    /// The item may be given more than once (FHIR `repeats`, with `minOccurs`/`maxOccurs`): a
    /// group or free-entry question is asked again ("add another"); for a multi-choice it
    /// bounds how many options are chosen.
    pub occurs: Option<Occurs>,
    /// How the item was written in FHIR, to answer in the same types.
    pub fhir: Option<FhirItem>,
}

/// How often a repeating item may occur (FHIR `minOccurs`, `maxOccurs`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Occurs {
    /// At least this many occurrences with an answer (0: none needed).
    pub min: u16,
    /// At most this many; `None` for no limit.
    pub max: Option<u16>,
}

/// What a FHIR item's answers look like, kept from import for the QuestionnaireResponse.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct FhirItem {
    /// The FHIR item type (`boolean`, `choice`, `integer`, `time`, ...).
    pub kind: String,
    /// For choices: how each option was given (`valueCoding`, `valueString`, ...).
    pub option_kinds: Vec<String>,
    /// For quantities and numbers with a unit: the unit as a coding (UCUM code and system),
    /// written into `valueQuantity`.
    pub unit: Option<FhirUnit>,
    /// A quantity that offers several units (`unitOption`): each, the patient choosing one
    /// (its answers are [`crate::answer::Answer::Quantity`]). Empty with one unit or none.
    pub units: Vec<FhirUnit>,
}

impl FhirItem {
    /// The unit an answer was given in: its chosen unit, or the item's one unit.
    pub fn unit_of(&self, a: &crate::answer::Answer) -> Option<&FhirUnit> {
        match a {
            crate::answer::Answer::Quantity { unit, .. } => self.units.get(*unit as usize),
            _ => self.unit.as_ref(),
        }
    }
}

/// A unit of a FHIR quantity: `code` and `system` (usually UCUM) and the name people read.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct FhirUnit {
    pub code: Option<String>,
    pub system: Option<String>,
    pub display: String,
}

/// The option added to an open-choice for "something else", and the text child that asks it.
pub const OTHER: &str = "__other";
pub const OTHER_SUFFIX: &str = "__other";
/// The FHIR kind recorded for that text child (it is not an item of the FHIR file).
pub const OPEN_CHOICE_TEXT: &str = "open-choice-other";

#[derive(Debug, Clone)]
pub enum ItemKind {
    /// A section (or FHIR group), with an optional intro screen.
    Group {
        intro: Option<String>,
    },
    /// A statement with no answer.
    Info,
    Question(QuestionKind),
}

/// How a choice question is presented and stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChoiceStyle {
    YesNo,
    YesNoUnsure,
    Single,
    Multi,
}

#[derive(Debug, Clone)]
pub enum QuestionKind {
    Choice {
        style: ChoiceStyle,
        options: Vec<ChoiceOption>,
    },
    Number {
        min: Option<f64>,
        max: Option<f64>,
        unit: Option<String>,
        /// The unit after the number 1 when it is worded differently ("session" beside
        /// `unit = "sessions"`); `None` when the unit reads the same for every number.
        unit_one: Option<String>,
        integer: bool,
    },
    Date {
        min: Option<DateBound>,
        max: Option<DateBound>,
        allow_month: bool,
    },
    Text {
        max_length: usize,
        /// The fewest characters an answer may have (0: no limit); checked after `pattern`,
        /// so an answer of the right kind that is too short is told so.
        min_length: usize,
        pattern: Option<TextPattern>,
    },
}

#[derive(Debug, Clone)]
pub struct TextPattern {
    pub regex: regex_lite::Regex,
    pub message: String,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct ChoiceOption {
    /// What is stored, compared and exported.
    pub value: String,
    /// What the patient sees.
    pub label: String,
    /// What the doctor sees; falls back to `label`.
    pub short: Option<String>,
    /// Choosing it clears every other choice ("None of these").
    pub exclusive: bool,
    /// Offered only to reception staff (`triage run --staff`) and in answers files, never on
    /// a patient's screen. Such options come after all the others.
    pub staff_only: bool,
    /// A score for the option (FHIR `ordinalValue`), for totals.
    pub ordinal: Option<f64>,
    /// The code system of a FHIR coding.
    pub system: Option<String>,
}

impl ChoiceOption {
    pub fn doctor_label(&self) -> &str {
        self.short.as_deref().unwrap_or(&self.label)
    }
}

/// A date limit: a fixed date, or a distance from the visit date.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum DateBound {
    Fixed(Date),
    /// Visit date plus this many years, months and days (negative for the past).
    FromVisit {
        years: i16,
        months: i32,
        days: i32,
    },
}

impl DateBound {
    pub fn resolve(&self, visit: Date) -> Date {
        match *self {
            DateBound::Fixed(d) => d,
            DateBound::FromVisit {
                years,
                months,
                days,
            } => {
                let span = jiff::Span::new().years(years).months(months).days(days);
                visit.saturating_add(span)
            }
        }
    }
}

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
                        out.push(*r)
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

impl Questionnaire {
    /// Checks a clinic's wording (name, text) against this questionnaire's, without changing
    /// anything. The text is cleaned of control characters first.
    pub fn check_wording(&self, name: &str, text: &str) -> Result<(), WordingError> {
        let Some(w) = self.meta.wording.iter().find(|w| w.name == name) else {
            let closest = self
                .meta
                .wording
                .iter()
                .map(|w| (strsim::jaro_winkler(name, &w.name), &w.name))
                .filter(|(score, _)| *score > 0.7)
                .max_by(|a, b| a.0.total_cmp(&b.0))
                .map(|(_, n)| n.clone());
            return Err(WordingError::Unknown {
                name: name.to_owned(),
                closest,
            });
        };
        let cleaned = crate::text::clean(text);
        let len = cleaned.trim().chars().count();
        if len == 0 {
            return Err(WordingError::Empty {
                name: name.to_owned(),
            });
        }
        if len > w.max_length {
            return Err(WordingError::TooLong {
                name: name.to_owned(),
                len,
                max: w.max_length,
            });
        }
        Ok(())
    }

    /// Puts a clinic's wording (`[wording]` of its settings) into the question texts that use
    /// it. Names this questionnaire does not have are errors (nothing is changed then).
    pub fn apply_wording<'a>(
        &mut self,
        clinic: impl IntoIterator<Item = (&'a str, &'a str)> + Clone,
    ) -> Result<(), Vec<WordingError>> {
        let errors: Vec<WordingError> = clinic
            .clone()
            .into_iter()
            .filter_map(|(n, t)| self.check_wording(n, t).err())
            .collect();
        if !errors.is_empty() {
            return Err(errors);
        }
        for (name, text) in clinic {
            if let Some(w) = self.meta.wording.iter_mut().find(|w| w.name == name) {
                w.clinic = Some(crate::text::clean(text).trim().to_owned());
            }
        }
        for worded in &self.meta.worded {
            let mut out = String::new();
            for p in &worded.parts {
                match p {
                    WordedPart::Text(t) => out.push_str(t),
                    WordedPart::Wording(i) => out.push_str(self.meta.wording[*i].text()),
                }
            }
            self.items[worded.item as usize].text = out;
        }
        Ok(())
    }

    /// Looks up an item by id.
    pub fn item_index(&self, id: &str) -> Option<ItemIdx> {
        match self.names.get(id) {
            Some(Ref::Question(i)) => Some(*i),
            _ => self
                .items
                .iter()
                .position(|it| it.id == id)
                .map(|i| i as ItemIdx),
        }
    }

    pub fn item(&self, idx: ItemIdx) -> &Item {
        &self.items[idx as usize]
    }

    pub fn derived_index(&self, id: &str) -> Option<u32> {
        match self.names.get(id) {
            Some(Ref::Derived(d)) => Some(*d),
            _ => None,
        }
    }

    pub fn flag(&self, id: &str) -> Option<&Flag> {
        self.flags.iter().find(|f| f.id == id)
    }

    /// The repeating items whose instances contain `item`, outermost first; an occurrence of
    /// the item has one instance number per level.
    pub fn levels(&self, item: ItemIdx) -> &[ItemIdx] {
        self.levels.get(item as usize).map_or(&[], |l| l)
    }

    /// Whether the children of `item` are asked once per chosen answer (a multi-choice with
    /// children).
    pub fn per_answer(&self, item: ItemIdx) -> bool {
        per_answer(&self.items, item)
    }

    /// Whether any item repeats (a questionnaire without repeats has one occurrence per item).
    pub fn has_repeats(&self) -> bool {
        self.levels.iter().any(|l| !l.is_empty())
    }

    /// The top-level groups (sections), in order.
    pub fn sections(&self) -> impl Iterator<Item = ItemIdx> + '_ {
        self.items
            .iter()
            .enumerate()
            .filter(|(_, it)| it.parent.is_none() && matches!(it.kind, ItemKind::Group { .. }))
            .map(|(i, _)| i as ItemIdx)
    }

    /// The top-level item containing `idx` (its section).
    pub fn section_of(&self, mut idx: ItemIdx) -> ItemIdx {
        while let Some(p) = self.items[idx as usize].parent {
            idx = p;
        }
        idx
    }

    pub fn questions(&self) -> impl Iterator<Item = (ItemIdx, &Item, &QuestionKind)> {
        self.items
            .iter()
            .enumerate()
            .filter_map(|(i, it)| match &it.kind {
                ItemKind::Question(k) => Some((i as ItemIdx, it, k)),
                _ => None,
            })
    }
}

/// The repeat levels of every item (see [`Questionnaire::levels`]): an item is inside the
/// levels of its parent, plus its parent's when the parent asks its children once per chosen
/// answer, plus its own when it repeats itself.
pub fn repeat_levels(items: &[Item]) -> Vec<Box<[ItemIdx]>> {
    let mut out: Vec<Box<[ItemIdx]>> = Vec::with_capacity(items.len());
    for (i, it) in items.iter().enumerate() {
        let mut levels: Vec<ItemIdx> = match it.parent {
            Some(p) => {
                let mut l = out[p as usize].to_vec();
                if per_answer(items, p) && !items[i].is_open_choice_text() {
                    l.push(p);
                }
                l
            }
            None => Vec::new(),
        };
        if it.repeats_itself() {
            levels.push(i as ItemIdx);
        }
        out.push(levels.into_boxed_slice());
    }
    out
}

/// Whether the children of `item` are asked once per chosen answer: a multi-choice question
/// with children of its own (its "something else" text box aside).
fn per_answer(items: &[Item], item: ItemIdx) -> bool {
    let it = &items[item as usize];
    matches!(
        it.kind,
        ItemKind::Question(QuestionKind::Choice {
            style: ChoiceStyle::Multi,
            ..
        })
    ) && (item + 1..it.end).any(|c| {
        let ch = &items[c as usize];
        ch.parent == Some(item) && !ch.is_open_choice_text()
    })
}

impl Item {
    /// The units the patient chooses from (a quantity with several `unitOption`s); empty
    /// otherwise.
    pub fn unit_choices(&self) -> &[FhirUnit] {
        self.fhir.as_ref().map_or(&[], |f| &f.units)
    }

    /// Which of [`Item::unit_choices`] an answer is in when none is said: the item's unit
    /// (its initial value's, else the first offered).
    pub fn default_unit(&self) -> u32 {
        let Some(f) = &self.fhir else { return 0 };
        f.unit
            .as_ref()
            .and_then(|u| f.units.iter().position(|x| x.code == u.code))
            .unwrap_or(0) as u32
    }

    /// Whether the item is asked again with "add another": a repeating group or free-entry
    /// question (a repeating choice is a multi-choice instead).
    pub fn repeats_itself(&self) -> bool {
        self.occurs.is_some()
            && !matches!(
                self.kind,
                ItemKind::Question(QuestionKind::Choice {
                    style: ChoiceStyle::Multi,
                    ..
                }) | ItemKind::Info
            )
    }

    /// Whether this is triage's own "something else" text box of an open-choice.
    pub fn is_open_choice_text(&self) -> bool {
        self.fhir
            .as_ref()
            .is_some_and(|f| f.kind == OPEN_CHOICE_TEXT)
    }

    pub fn question(&self) -> Option<&QuestionKind> {
        match &self.kind {
            ItemKind::Question(k) => Some(k),
            _ => None,
        }
    }

    pub fn options(&self) -> &[ChoiceOption] {
        match &self.kind {
            ItemKind::Question(QuestionKind::Choice { options, .. }) => options,
            _ => &[],
        }
    }

    pub fn doctor_label(&self) -> &str {
        self.short.as_deref().unwrap_or(&self.text)
    }

    /// The question as the patient's review screen names it: its `review_label`, else the
    /// first line of its text. Never the doctor's `short` label.
    pub fn patient_label(&self) -> &str {
        match &self.review_label {
            Some(l) => l,
            None => self.text.lines().next().unwrap_or(""),
        }
    }

    /// The options a patient (or, with `staff`, reception staff) may choose from: staff-only
    /// options are left out of patient screens. They come last, so option numbers are the same
    /// in every mode.
    pub fn offered_options(&self, staff: bool) -> &[ChoiceOption] {
        let all = self.options();
        if staff {
            return all;
        }
        let n = all.iter().take_while(|o| !o.staff_only).count();
        &all[..n]
    }
}

impl Outcomes {
    /// The banner and text for an outcome.
    pub fn text_for(&self, o: crate::engine::Outcome) -> &OutcomeText {
        use crate::engine::Outcome;
        match o {
            Outcome::Stop => &self.stop,
            Outcome::Caution => &self.caution,
            Outcome::Clear => &self.clear,
            Outcome::NotAssessed => &self.not_assessed,
            Outcome::NoRules => &self.no_rules,
        }
    }
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
