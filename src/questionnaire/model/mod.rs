//! The compiled questionnaire: items in pre-order (sections are top-level groups, so FHIR's nested
//! groups fit too), derived values, flag rules, outcome texts and the doctor's page layout. Built
//! only by the loaders, after every check has passed, so the engine can trust it.

use std::collections::HashMap;

use jiff::civil::Date;

use crate::expr::{Expr, Ref, Ty};

mod rules;
mod wording;
pub use rules::*;
pub use wording::*;

pub use crate::expr::{DerivedIdx, FlagIdx, ItemIdx, OptionIdx};

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
    Derived(DerivedIdx),
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

#[derive(Debug, Clone)]
#[allow(
    clippy::struct_excessive_bools,
    reason = "each flag mirrors its own field of the questionnaire file (TOML key or FHIR element); the loader enforces the documented exclusions (a read-only item is never required)"
)]
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

impl Questionnaire {
    /// Looks up an item by id.
    pub fn item_index(&self, id: &str) -> Option<ItemIdx> {
        match self.names.get(id) {
            Some(Ref::Question(i)) => Some(*i),
            _ => self
                .items
                .iter()
                .position(|it| it.id == id)
                .map(ItemIdx::at),
        }
    }

    /// The item at `idx`. Every `ItemIdx` the program holds was made by the loader of this
    /// questionnaire (ids resolve to indices once, at load), so it is in range; an index from
    /// elsewhere goes through [`Questionnaire::get_item`].
    #[allow(
        clippy::indexing_slicing,
        reason = "item indices are made by this questionnaire's loader, which checked them once"
    )]
    pub fn item(&self, idx: ItemIdx) -> &Item {
        &self.items[idx.to_usize()]
    }

    /// The item at `idx`, or `None` if there is none (an index not made by this
    /// questionnaire's loader).
    pub fn get_item(&self, idx: ItemIdx) -> Option<&Item> {
        self.items.get(idx.to_usize())
    }

    /// Every item index, in document (pre-)order.
    pub fn item_indices(&self) -> impl DoubleEndedIterator<Item = ItemIdx> + Clone + use<> {
        ItemIdx::all(self.items.len())
    }

    /// Every item with its index, in document (pre-)order.
    pub fn items_indexed(&self) -> impl DoubleEndedIterator<Item = (ItemIdx, &Item)> + Clone {
        ItemIdx::all(self.items.len()).zip(&self.items)
    }

    /// The items inside `idx` (its whole subtree, not itself), in document order.
    pub fn descendants(&self, idx: ItemIdx) -> impl DoubleEndedIterator<Item = ItemIdx> + Clone {
        idx.next().up_to(self.item(idx).end)
    }

    pub fn derived_index(&self, id: &str) -> Option<DerivedIdx> {
        match self.names.get(id) {
            Some(Ref::Derived(d)) => Some(*d),
            _ => None,
        }
    }

    /// The derived value at `idx` (made by the loader, like item indices: see
    /// [`Questionnaire::item`]).
    #[allow(
        clippy::indexing_slicing,
        reason = "derived indices are made by this questionnaire's loader, which checked them once"
    )]
    pub fn derived_at(&self, idx: DerivedIdx) -> &Derived {
        &self.derived[idx.to_usize()]
    }

    /// Every derived value with its index, in file order.
    pub fn derived_indexed(&self) -> impl DoubleEndedIterator<Item = (DerivedIdx, &Derived)> {
        DerivedIdx::all(self.derived.len()).zip(&self.derived)
    }

    pub fn flag(&self, id: &str) -> Option<&Flag> {
        self.flags.iter().find(|f| f.id == id)
    }

    /// The flag rule at `idx` (made by the loader, like item indices: see
    /// [`Questionnaire::item`]).
    #[allow(
        clippy::indexing_slicing,
        reason = "flag indices are made by this questionnaire's loader, which checked them once"
    )]
    pub fn flag_at(&self, idx: FlagIdx) -> &Flag {
        &self.flags[idx.to_usize()]
    }

    /// Every flag rule with its index, in file order.
    pub fn flags_indexed(&self) -> impl DoubleEndedIterator<Item = (FlagIdx, &Flag)> {
        FlagIdx::all(self.flags.len()).zip(&self.flags)
    }

    /// The repeating items whose instances contain `item`, outermost first; an occurrence of
    /// the item has one instance number per level.
    pub fn levels(&self, item: ItemIdx) -> &[ItemIdx] {
        self.levels.get(item.to_usize()).map_or(&[], |l| l)
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
        self.items_indexed()
            .filter(|(_, it)| it.parent.is_none() && matches!(it.kind, ItemKind::Group { .. }))
            .map(|(i, _)| i)
    }

    /// The top-level item containing `idx` (its section).
    pub fn section_of(&self, mut idx: ItemIdx) -> ItemIdx {
        while let Some(p) = self.get_item(idx).and_then(|it| it.parent) {
            idx = p;
        }
        idx
    }

    pub fn questions(&self) -> impl Iterator<Item = (ItemIdx, &Item, &QuestionKind)> {
        self.items_indexed().filter_map(|(i, it)| match &it.kind {
            ItemKind::Question(k) => Some((i, it, k)),
            _ => None,
        })
    }
}

/// The repeat levels of every item (see [`Questionnaire::levels`]): an item is inside the
/// levels of its parent, plus its parent's when the parent asks its children once per chosen
/// answer, plus its own when it repeats itself.
pub fn repeat_levels(items: &[Item]) -> Vec<Box<[ItemIdx]>> {
    let mut out: Vec<Box<[ItemIdx]>> = Vec::with_capacity(items.len());
    for (i, it) in ItemIdx::all(items.len()).zip(items) {
        // A parent comes before its children (pre-order), so its levels are already out.
        let mut levels: Vec<ItemIdx> = match it.parent {
            Some(p) => {
                let mut l = out
                    .get(p.to_usize())
                    .map(|l| l.to_vec())
                    .unwrap_or_default();
                if per_answer(items, p) && !it.is_open_choice_text() {
                    l.push(p);
                }
                l
            }
            None => Vec::new(),
        };
        if it.repeats_itself() {
            levels.push(i);
        }
        out.push(levels.into_boxed_slice());
    }
    out
}

/// Whether the children of `item` are asked once per chosen answer: a multi-choice question
/// with children of its own (its "something else" text box aside).
fn per_answer(items: &[Item], item: ItemIdx) -> bool {
    let Some(it) = items.get(item.to_usize()) else {
        return false;
    };
    matches!(
        it.kind,
        ItemKind::Question(QuestionKind::Choice {
            style: ChoiceStyle::Multi,
            ..
        })
    ) && item.next().up_to(it.end).any(|c| {
        items
            .get(c.to_usize())
            .is_some_and(|ch| ch.parent == Some(item) && !ch.is_open_choice_text())
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
            .and_then(|p| u32::try_from(p).ok())
            .unwrap_or(0)
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

    /// The option at `o`, or `None` if the item has no such option (or is not a choice).
    pub fn option(&self, o: OptionIdx) -> Option<&ChoiceOption> {
        self.options().get(o.to_usize())
    }

    /// Every option with its index, in order.
    pub fn options_indexed(&self) -> impl DoubleEndedIterator<Item = (OptionIdx, &ChoiceOption)> {
        OptionIdx::all(self.options().len()).zip(self.options())
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
        all.get(..n).unwrap_or(all)
    }
}
