//! Loads a native TOML questionnaire and checks it: syntax, unknown and missing keys, ids, options,
//! per-type rules, every condition (names, option values, types), references to later questions,
//! cycles, placeholders and the summary layout. Every finding has a span and, where it helps, a
//! fix. A questionnaire is returned only when there are no errors.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::ops::Range;

use jiff::civil::Date;
use sha2::{Digest, Sha256};

use super::model::{
    ChoiceOption, ChoiceStyle, DateBound, Derived, DerivedIdx, Flag, FlagAction, Item, ItemIdx,
    ItemKind, Meta, Node, OptionIdx, OutcomeText, Outcomes, QuestionKind, Questionnaire, RowValue,
    SummaryBlock, SummaryLayout, SummaryRow, Template, TemplatePart, TextPattern, Worded,
    WordedPart, Wording, repeat_levels,
};
use super::raw::{
    RawDerived, RawFile, RawFlag, RawMeta, RawOutcomeText, RawOutcomes, RawQuestion, RawRow,
    RawSection, RawSummary, RawType, RawWording, S,
};
use super::strspan::StrMap;
use crate::diag::Diagnostic;
use crate::expr::{self, Expr, Ref, Scope, Ty, syntax};
use crate::{strings, text};

mod derived;
mod flags;
mod question;
mod texts;

pub(crate) use derived::{compile_text, item_ty, topo_order_lenient};
pub use question::parse_date_bound;
use question::type_name;

/// The result of loading: a questionnaire if there were no errors, and every finding.
#[derive(Debug)]
pub struct Loaded {
    pub questionnaire: Option<Questionnaire>,
    pub diagnostics: Vec<Diagnostic>,
}

/// The longest clinic wording by default, in characters.
const WORDING_MAX: usize = 600;

/// How deep conditional fragments (`{? condition: text}`) may nest in a text.
const FRAGMENT_DEPTH: usize = 3;

const RESERVED: &[&str] = &[
    "and",
    "or",
    "not",
    "has",
    "in",
    "any",
    "all",
    "true",
    "false",
    "visit_date",
];

/// `sha256:` and the hex digest of `bytes`: what records remember about their questionnaire.
pub fn content_hash(bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    let mut s = String::with_capacity(71);
    s.push_str("sha256:");
    for b in &digest {
        let _ = write!(s, "{b:02x}");
    }
    s
}

/// Loads and checks a questionnaire written in the native TOML format.
pub fn load_toml(src: &str) -> Loaded {
    let mut cleaned = Vec::new();
    let raw: RawFile = match parse_limited_inspect(
        src,
        &crate::limits::QUESTIONNAIRE,
        |e| toml_error(e, src),
        |table| cleaned = super::sanitize::toml_fields(table),
    ) {
        Ok(r) => r,
        Err(diagnostics) => {
            return Loaded {
                questionnaire: None,
                diagnostics,
            };
        }
    };
    let names = HashMap::from([("visit_date".to_owned(), (Ref::VisitDate, Ty::Date))]);
    let mut b = Builder {
        src,
        diags: Vec::new(),
        wording: Vec::new(),
        worded: Vec::new(),
        items: Vec::new(),
        names,
        spans: HashMap::new(),
    };
    let q = b.build(raw);
    let has_errors = b.diags.iter().any(Diagnostic::is_error);
    b.diags.extend(super::sanitize::field_warnings(cleaned));
    crate::limits::cap_diagnostics(&mut b.diags);
    Loaded {
        questionnaire: if has_errors { None } else { q },
        diagnostics: b.diags,
    }
    .sanitized(None)
}

impl Loaded {
    /// Removes unsafe characters from every text of the questionnaire (see
    /// [`super::sanitize`]). The loaders already named each field of the file they cleaned; if
    /// they named none and this pass changed something, one warning names the fields changed
    /// (with `json_path` for a FHIR file). Idempotent.
    #[must_use]
    pub fn sanitized(mut self, json_path: Option<&str>) -> Loaded {
        let named = self
            .diagnostics
            .iter()
            .any(|d| d.message.starts_with(super::sanitize::CLEANED));
        if let Some(q) = &mut self.questionnaire {
            let changed = super::sanitize::sanitize(q);
            if let Some(w) = super::sanitize::warning(&changed).filter(|_| !named) {
                self.diagnostics.push(match json_path {
                    Some(p) => w.json_path(p),
                    None => w,
                });
            }
        }
        self
    }
}

/// Parses a TOML file into `T` within its limits (size and tokens before parsing; strings,
/// lists and nesting before deserializing): a hostile file costs bounded time and memory. Shared
/// by questionnaires, clinic configs and scenario files; `toml_err` words a TOML error.
pub fn parse_limited<T: serde::de::DeserializeOwned>(
    src: &str,
    limits: &crate::limits::FileLimits,
    toml_err: impl Fn(&toml::de::Error) -> Diagnostic,
) -> Result<T, Vec<Diagnostic>> {
    parse_limited_inspect(src, limits, toml_err, |_| {})
}

/// As [`parse_limited`], letting `inspect` see the parsed document (with its spans) once it is
/// within its limits, before it is deserialized.
pub fn parse_limited_inspect<T: serde::de::DeserializeOwned>(
    src: &str,
    limits: &crate::limits::FileLimits,
    toml_err: impl Fn(&toml::de::Error) -> Diagnostic,
    inspect: impl FnOnce(&toml::Spanned<toml::de::DeTable<'_>>),
) -> Result<T, Vec<Diagnostic>> {
    crate::limits::toml_prescan(src, limits).map_err(|d| vec![*d])?;
    let table = toml::de::DeTable::parse(src).map_err(|e| vec![toml_err(&e)])?;
    let found = crate::limits::toml_tree(&table, limits);
    if !found.is_empty() {
        return Err(found);
    }
    inspect(&table);
    T::deserialize(toml::de::Deserializer::from(table)).map_err(|e| vec![toml_err(&e)])
}

/// A TOML parse or shape error as a diagnostic (shared with the clinic config).
pub fn toml_error(e: &toml::de::Error, src: &str) -> Diagnostic {
    let message = e.message().trim().to_owned();
    // serde's messages name the offending word and the expected ones in backticks.
    let ticked: Vec<&str> = message.split('`').skip(1).step_by(2).collect();
    let (word, expected) = match ticked.split_first() {
        Some((w, rest)) => (*w, rest.to_vec()),
        None => ("", Vec::new()),
    };
    let closest = expected
        .iter()
        .filter(|_| word.len() <= crate::limits::MAX_SUGGEST_CHARS)
        .map(|c| (strsim::jaro_winkler(word, c), *c))
        .filter(|(score, _)| *score > 0.7)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, c)| c);
    let word = crate::limits::shorten(word, crate::limits::MAX_SUGGEST_CHARS);
    let word = word.as_str();
    let listing = expected
        .iter()
        .map(|c| format!("`{c}`"))
        .collect::<Vec<_>>()
        .join(", ");
    let suggest = |what: &str| match closest {
        Some(c) => format!("did you mean `{c}`? {what}: {listing}"),
        None => format!("{what}: {listing}"),
    };
    let (title, label, help) = if message.starts_with("unknown field") {
        (
            format!("unknown key `{word}`"),
            "not a key here".to_owned(),
            Some(suggest("keys here")),
        )
    } else if message.starts_with("missing field") {
        (
            format!("missing key `{word}`"),
            "this table needs it".to_owned(),
            Some("add the key; the format is described in docs/questionnaire-format.md".to_owned()),
        )
    } else if message.starts_with("unknown variant") {
        (
            format!("unknown value `{word}`"),
            "not allowed here".to_owned(),
            Some(suggest("allowed")),
        )
    } else if message.starts_with("duplicate key") {
        (
            format!("duplicate key `{word}`"),
            "already given in this table".to_owned(),
            Some("remove one of them".to_owned()),
        )
    } else {
        (
            format!("TOML syntax: {message}"),
            "here".to_owned(),
            Some("see https://toml.io for the syntax".to_owned()),
        )
    };
    let mut d = Diagnostic::error(title);
    if let Some(span) = e.span() {
        // A span over several lines reads badly; point at where it starts.
        let text = src
            .get(span.start..span.end.max(span.start + 1))
            .unwrap_or("");
        let span = if text.starts_with('\n') && span.start > 0 {
            span.start - 1..span.start
        } else if span.is_empty() || text.contains('\n') {
            span.start..(span.start + 1).min(src.len())
        } else {
            span
        };
        d = d.at(span, label);
    }
    if let Some(h) = help {
        d = d.help(h);
    }
    d
}

struct Builder<'a> {
    src: &'a str,
    diags: Vec<Diagnostic>,
    /// The questionnaire's clinic wordings (`[wording]`), read before the questions.
    wording: Vec<Wording>,
    worded: Vec<Worded>,
    items: Vec<Item>,
    names: HashMap<String, (Ref, Ty)>,
    /// Where each id was defined (for duplicates and later-reference messages).
    spans: HashMap<String, Range<usize>>,
}

/// An expression waiting for pass 2, once every name and derived type is known.
enum Target {
    ShowIf(ItemIdx),
    ValidIf(ItemIdx, String),
}

struct NameScope<'b> {
    names: &'b HashMap<String, (Ref, Ty)>,
    items: &'b [Item],
}

impl Scope for NameScope<'_> {
    fn resolve(&self, name: &str) -> Option<(Ref, Ty)> {
        self.names.get(name).copied()
    }
    fn option_index(&self, question: ItemIdx, value: &str) -> Option<OptionIdx> {
        self.items
            .get(question.to_usize())?
            .options_indexed()
            .find(|(_, o)| o.value == value)
            .map(|(i, _)| i)
    }
    fn option_values(&self, question: ItemIdx) -> Vec<String> {
        self.items
            .get(question.to_usize())
            .map(|it| it.options().iter().map(|o| o.value.clone()).collect())
            .unwrap_or_default()
    }
    fn question_id(&self, question: ItemIdx) -> String {
        self.items
            .get(question.to_usize())
            .map(|it| it.id.clone())
            .unwrap_or_default()
    }
    fn names(&self) -> Vec<String> {
        self.names.keys().cloned().collect()
    }
}

fn valid_id(id: &str) -> bool {
    let mut chars = id.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

fn valid_option_value(v: &str) -> bool {
    !v.is_empty()
        && v.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | '+' | ':' | '/'))
}

impl Builder<'_> {
    fn err(
        &mut self,
        span: Range<usize>,
        message: impl Into<String>,
        label: impl Into<String>,
        help: Option<String>,
    ) {
        let mut d = Diagnostic::error(message).at(span, label);
        if let Some(h) = help {
            d = d.help(h);
        }
        self.diags.push(d);
    }

    fn warn(
        &mut self,
        span: Range<usize>,
        message: impl Into<String>,
        label: impl Into<String>,
        help: Option<String>,
    ) {
        let mut d = Diagnostic::warning(message).at(span, label);
        if let Some(h) = help {
            d = d.help(h);
        }
        self.diags.push(d);
    }

    /// Cleans author text (each field cleaned is named in one warning by
    /// [`super::sanitize::toml_fields`], whichever field it is).
    fn text(s: &S<String>) -> String {
        text::clean(s.get_ref())
    }

    fn declare(&mut self, id: &S<String>, binding: Option<(Ref, Ty)>) -> bool {
        let name = id.get_ref();
        if !valid_id(name) {
            self.err(
                id.span(),
                format!("`{name}` is not a valid id"),
                "invalid id",
                Some(
                    "ids start with a letter and use only letters, digits and `_`, like `c_falls`"
                        .into(),
                ),
            );
            return false;
        }
        if RESERVED.contains(&name.to_ascii_lowercase().as_str()) {
            self.err(
                id.span(),
                format!("`{name}` is a reserved word"),
                "reserved",
                Some("choose another id".into()),
            );
            return false;
        }
        if let Some(first) = self.spans.get(name) {
            let (l, _) = crate::diag::line_col(self.src, first.start);
            self.err(
                id.span(),
                format!("duplicate id `{name}`"),
                format!("`{name}` was already used on line {l}"),
                Some("every section, question, derived value and flag needs its own id".into()),
            );
            return false;
        }
        self.spans.insert(name.clone(), id.span());
        if let Some(b) = binding {
            self.names.insert(name.clone(), b);
        }
        true
    }

    #[allow(
        clippy::indexing_slicing,
        reason = "item, derived and wording indices here were made by this loader as it pushed each entry (`ItemIdx::at(items.len())`), so they are in range"
    )]
    fn build(&mut self, raw: RawFile) -> Option<Questionnaire> {
        let mut meta = self.meta(&raw.questionnaire);
        let mut pending: Vec<(Target, S<String>)> = Vec::new();
        if raw.section.is_empty() {
            self.err(raw.questionnaire.span(), "the questionnaire has no sections", "add at least one [[section]]", Some("a section is written [[section]] with id and title, followed by [[section.question]] tables".into()));
        }
        self.wordings(&raw.wording);
        for sec in &raw.section {
            self.section(sec, &mut pending);
        }
        for (i, w) in self.wording.iter().enumerate() {
            let used = self
                .worded
                .iter()
                .any(|x| x.parts.contains(&WordedPart::Wording(i)));
            if !used && let Some(r) = raw.wording.get(&w.name) {
                self.diags.push(
                    Diagnostic::warning(format!("wording `{}` is never used", w.name))
                        .at(r.span(), "unused")
                        .help(format!(
                            "use it in a question text as {{wording.{}}}, or remove it",
                            w.name
                        )),
                );
            }
        }
        meta.wording = std::mem::take(&mut self.wording);
        meta.worded = std::mem::take(&mut self.worded);
        // Flag ids share the namespace, so a condition can never be confused about a name.
        for f in &raw.flag {
            self.declare(&f.get_ref().id, None);
        }
        if let Some(n) = &raw.questionnaire.get_ref().name_question {
            match self.names.get(n.get_ref().as_str()) {
                Some((Ref::Question(i), Ty::Text)) => meta.name_item = Some(*i),
                _ => self.err(
                    n.span(),
                    format!(
                        "`name_question` must name a text question; `{}` is not one",
                        n.get_ref()
                    ),
                    "not a text question",
                    None,
                ),
            }
        }
        if let Some(n) = &raw.questionnaire.get_ref().dob_question {
            match self.names.get(n.get_ref().as_str()) {
                Some((Ref::Question(i), Ty::Date)) => meta.dob_item = Some(*i),
                _ => self.err(
                    n.span(),
                    format!(
                        "`dob_question` must name a date question; `{}` is not one",
                        n.get_ref()
                    ),
                    "not a date question",
                    None,
                ),
            }
        }
        let derived = self.derived(&raw.derived);
        let scope_items = self.items.clone();
        for (target, src) in &pending {
            match target {
                Target::ShowIf(i) => {
                    let e = self.condition(src, &scope_items);
                    self.items[i.to_usize()].show_if = e;
                }
                Target::ValidIf(i, msg) => {
                    if let Some(e) = self.condition(src, &scope_items) {
                        self.items[i.to_usize()].valid_if = Some((e, msg.clone()));
                    }
                }
            }
        }
        let derived_max = Self::derived_positions(&derived);
        self.check_order(&pending, &derived, &derived_max);
        let flags = self.flags(&raw.flag, &derived_max);
        let outcome = Self::outcome(raw.outcome);
        let summary = self.summary(raw.summary.as_ref());
        self.unused_derived(&raw.derived[..derived.len()], &derived, &flags, &summary);
        if let Some(t) = &raw.questionnaire.get_ref().staff_answers {
            meta.staff_answers = self.staff_answers(t);
        }
        let order = self.order(&derived)?;
        let derived: Vec<Derived> = derived.into_iter().collect::<Option<Vec<_>>>()?;
        let names = self
            .names
            .iter()
            .map(|(k, (r, _))| (k.clone(), *r))
            .collect();
        let items = std::mem::take(&mut self.items);
        Some(Questionnaire {
            levels: repeat_levels(&items),
            meta,
            items,
            derived,
            flags,
            outcome,
            summary,
            content_hash: content_hash(self.src.as_bytes()),
            names,
            order,
            loops: false,
            fhir: None,
        })
    }

    fn meta(&mut self, m: &S<RawMeta>) -> Meta {
        let m = m.get_ref();
        if !valid_id(m.id.get_ref()) && !m.id.get_ref().contains('-') || m.id.get_ref().is_empty() {
            self.err(
                m.id.span(),
                "the questionnaire id must be letters, digits, `-` or `_`",
                "invalid id",
                None,
            );
        }
        if m.version.get_ref().trim().is_empty() {
            self.err(
                m.version.span(),
                "the version is empty",
                "empty",
                Some("give a version such as \"1.0.0\"; records remember it".into()),
            );
        }
        Meta {
            id: m.id.get_ref().clone(),
            version: m.version.get_ref().clone(),
            title: Self::text(&m.title),
            language: m.language.clone().unwrap_or_else(|| "en".into()),
            welcome: m.welcome.as_deref().map(text::clean),
            minutes: m.minutes,
            finish: m.finish.as_deref().map(text::clean),
            url: m.url.clone(),
            name_item: None,
            dob_item: None,
            staff_answers: Vec::new(),
            wording: Vec::new(),
            worded: Vec::new(),
        }
    }

    /// Reads `[wording.NAME]` tables: texts the clinic may replace in its settings.
    fn wordings(&mut self, raw: &std::collections::BTreeMap<String, S<RawWording>>) {
        for (name, w) in raw {
            let span = w.span();
            let w = w.get_ref();
            if !valid_id(name) {
                self.err(
                    span.clone(),
                    format!("`{name}` is not a valid wording name"),
                    "invalid name",
                    Some("names start with a letter and use only letters, digits and `_`".into()),
                );
            }
            let default = Self::text(&w.default).trim().to_owned();
            if default.is_empty() {
                self.err(
                    w.default.span(),
                    "the default wording is empty",
                    "empty",
                    Some("give the text patients read when the clinic gives none".into()),
                );
            }
            let max_length = match &w.max_length {
                Some(m) if *m.get_ref() < 1 || *m.get_ref() > 2000 => {
                    self.err(
                        m.span(),
                        "`max_length` must be from 1 to 2000",
                        "out of range",
                        None,
                    );
                    WORDING_MAX
                }
                // In 1..=2000, checked above.
                Some(m) => usize::try_from(*m.get_ref()).unwrap_or(WORDING_MAX),
                None => WORDING_MAX,
            };
            if default.chars().count() > max_length {
                self.err(
                    w.default.span(),
                    format!("the default wording is longer than its `max_length` ({max_length})"),
                    "too long",
                    None,
                );
            }
            self.wording.push(Wording {
                name: name.clone(),
                default,
                about: w.about.as_deref().map(text::clean_line),
                clinic: None,
                max_length,
            });
        }
    }

    /// A question text with `{wording.NAME}` filled with the default wording; the text as
    /// written is kept so a clinic's wording can replace it later.
    #[allow(
        clippy::indexing_slicing,
        reason = "item, derived and wording indices here were made by this loader as it pushed each entry (`ItemIdx::at(items.len())`), so they are in range"
    )]
    fn worded_text(&mut self, raw: &S<String>, cleaned: String, item: ItemIdx) -> String {
        const OPEN: &str = "{wording.";
        if !cleaned.contains(OPEN) {
            return cleaned;
        }
        let map = StrMap::new(self.src, raw.span(), raw.get_ref());
        // Offsets in the cleaned text are the written ones unless cleaning removed something.
        let same = *raw.get_ref() == cleaned;
        let offset_of = |cleaned_at: usize| {
            if same {
                cleaned_at
            } else {
                raw.get_ref().find(&cleaned[cleaned_at..]).unwrap_or(0)
            }
        };
        let mut parts = Vec::new();
        let mut rest = 0;
        while let Some(found) = cleaned[rest..].find(OPEN) {
            let start = rest + found;
            let Some(close) = cleaned[start..].find('}') else {
                let at = offset_of(start);
                self.err(
                    map.span(at..at + OPEN.len()),
                    "`{wording.` is never closed",
                    "missing `}`",
                    Some("write `{wording.NAME}`".into()),
                );
                return cleaned;
            };
            let name = &cleaned[start + OPEN.len()..start + close];
            if start > rest {
                parts.push(WordedPart::Text(cleaned[rest..start].to_owned()));
            }
            if let Some(i) = self.wording.iter().position(|w| w.name == name) {
                parts.push(WordedPart::Wording(i));
            } else {
                let at = offset_of(start);
                let names: Vec<&str> = self.wording.iter().map(|w| w.name.as_str()).collect();
                let help = if names.is_empty() {
                    "declare it in a [wording.NAME] table with its `default` text".to_owned()
                } else {
                    format!("wordings here: {}", names.join(", "))
                };
                self.err(
                    map.span(at..at + close + 1),
                    format!("`{{wording.{name}}}` names no wording"),
                    "no [wording] table has this name",
                    Some(help),
                );
                return cleaned;
            }
            rest = start + close + 1;
        }
        if rest < cleaned.len() {
            parts.push(WordedPart::Text(cleaned[rest..].to_owned()));
        }
        let text = parts
            .iter()
            .map(|p| match p {
                WordedPart::Text(t) => t.as_str(),
                WordedPart::Wording(i) => self.wording[*i].default.as_str(),
            })
            .collect();
        self.worded.push(Worded { item, parts });
        text
    }

    #[allow(
        clippy::indexing_slicing,
        reason = "item, derived and wording indices here were made by this loader as it pushed each entry (`ItemIdx::at(items.len())`), so they are in range"
    )]
    fn section(&mut self, sec: &S<RawSection>, pending: &mut Vec<(Target, S<String>)>) {
        let s = sec.get_ref();
        let idx = ItemIdx::at(self.items.len());
        self.declare(&s.id, Some((Ref::Question(idx), Ty::Info)));
        let title = Self::text(&s.title);
        self.items.push(Item {
            id: s.id.get_ref().clone(),
            kind: ItemKind::Group {
                intro: s.intro.as_deref().map(text::clean),
            },
            text: title,
            help: None,
            short: None,
            review_label: None,
            in_full: false,
            parent: None,
            end: idx.next(),
            depth: 0,
            show_if: None,
            required: false,
            valid_if: None,
            read_only: false,
            hidden: false,
            initial: Vec::new(),
            occurs: None,
            fhir: None,
        });
        if let Some(c) = &s.show_if {
            pending.push((Target::ShowIf(idx), c.clone()));
        }
        if s.question.is_empty() {
            self.err(
                s.id.span(),
                format!("section `{}` has no questions", s.id.get_ref()),
                "empty section",
                Some("add [[section.question]] tables after it, or remove the section".into()),
            );
        }
        for q in &s.question {
            self.question(q, idx, pending);
        }
        self.items[idx.to_usize()].end = ItemIdx::at(self.items.len());
    }

    fn not_for(&mut self, span: Range<usize>, key: &str, kind: RawType) {
        let t = type_name(kind);
        self.err(
            span,
            format!("`{key}` does not apply to a {t} question"),
            "not used by this type",
            Some(format!("remove `{key}`, or change `type`")),
        );
    }
}
