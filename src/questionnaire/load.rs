//! Loads a native TOML questionnaire and checks it: syntax, unknown and missing keys, ids, options,
//! per-type rules, every condition (names, option values, types), references to later questions,
//! cycles, placeholders and the summary layout. Every finding has a span and, where it helps, a
//! fix. A questionnaire is returned only when there are no errors.

use std::collections::HashMap;
use std::ops::Range;

use jiff::civil::Date;
use sha2::{Digest, Sha256};

use super::model::*;
use super::raw::*;
use super::strspan::StrMap;
use crate::diag::Diagnostic;
use crate::expr::{self, Expr, Ref, Scope, Ty, syntax};
use crate::{strings, text};

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
    for b in digest.iter() {
        s.push_str(&format!("{b:02x}"));
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
    fn option_index(&self, question: u32, value: &str) -> Option<u32> {
        self.items
            .get(question as usize)?
            .options()
            .iter()
            .position(|o| o.value == value)
            .map(|i| i as u32)
    }
    fn option_values(&self, question: u32) -> Vec<String> {
        self.items
            .get(question as usize)
            .map(|it| it.options().iter().map(|o| o.value.clone()).collect())
            .unwrap_or_default()
    }
    fn question_id(&self, question: u32) -> String {
        self.items
            .get(question as usize)
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
    fn text(&mut self, s: &S<String>) -> String {
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
                    self.items[*i as usize].show_if = e;
                }
                Target::ValidIf(i, msg) => {
                    if let Some(e) = self.condition(src, &scope_items) {
                        self.items[*i as usize].valid_if = Some((e, msg.clone()));
                    }
                }
            }
        }
        let derived_max = self.derived_positions(&derived);
        self.check_order(&pending, &derived, &derived_max);
        let flags = self.flags(&raw.flag, &derived_max);
        let outcome = self.outcome(raw.outcome);
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
            title: self.text(&m.title),
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
            let default = self.text(&w.default).trim().to_owned();
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
                Some(m) => *m.get_ref() as usize,
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
            match self.wording.iter().position(|w| w.name == name) {
                Some(i) => parts.push(WordedPart::Wording(i)),
                None => {
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

    fn section(&mut self, sec: &S<RawSection>, pending: &mut Vec<(Target, S<String>)>) {
        let s = sec.get_ref();
        let idx = self.items.len() as ItemIdx;
        self.declare(&s.id, Some((Ref::Question(idx), Ty::Info)));
        let title = self.text(&s.title);
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
            end: idx + 1,
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
        self.items[idx as usize].end = self.items.len() as ItemIdx;
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

    fn question(
        &mut self,
        rq: &S<RawQuestion>,
        parent: ItemIdx,
        pending: &mut Vec<(Target, S<String>)>,
    ) {
        let q = rq.get_ref();
        let kind = *q.kind.get_ref();
        let idx = self.items.len() as ItemIdx;
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
                q.min.as_ref().map(|v| v.span()),
                matches!(kind, RawType::Number | RawType::Date),
            ),
            (
                "max",
                q.max.as_ref().map(|v| v.span()),
                matches!(kind, RawType::Number | RawType::Date),
            ),
            (
                "unit",
                q.unit.as_ref().map(|v| v.span()),
                kind == RawType::Number,
            ),
            (
                "unit_one",
                q.unit_one.as_ref().map(|v| v.span()),
                kind == RawType::Number,
            ),
            (
                "integer",
                q.integer.as_ref().map(|v| v.span()),
                kind == RawType::Number,
            ),
            (
                "allow_month",
                q.allow_month.as_ref().map(|v| v.span()),
                kind == RawType::Date,
            ),
            (
                "max_length",
                q.max_length.as_ref().map(|v| v.span()),
                kind == RawType::Text,
            ),
            (
                "min_length",
                q.min_length.as_ref().map(|v| v.span()),
                kind == RawType::Text,
            ),
            (
                "pattern",
                q.pattern.as_ref().map(|v| v.span()),
                kind == RawType::Text,
            ),
            (
                "valid_if",
                q.valid_if.as_ref().map(|v| v.span()),
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
        let text = self.text(&q.text);
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
            end: idx + 1,
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
                .map(text::clean)
                .unwrap_or_else(|| strings::NOT_VALID.to_owned());
            pending.push((Target::ValidIf(idx, msg), c.clone()));
        }
    }

    fn options(&mut self, q: &RawQuestion, style: ChoiceStyle) -> Vec<ChoiceOption> {
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
            let label = self.text(&o.label);
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

    fn number(&mut self, q: &RawQuestion) -> QuestionKind {
        let integer = q.integer.as_ref().is_some_and(|i| *i.get_ref());
        let num = |b: &mut Self, v: &Option<S<toml::Value>>, key: &str| -> Option<f64> {
            let v = v.as_ref()?;
            let n = match v.get_ref() {
                toml::Value::Integer(i) => *i as f64,
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
            toml::Value::Datetime(dt) => match (dt.date, dt.time) {
                (Some(d), None) => Date::new(d.year as i16, d.month as i8, d.day as i8)
                    .ok()
                    .map(DateBound::Fixed),
                _ => {
                    self.err(
                        v.span(),
                        format!("`{key}` must be a date without a time"),
                        "has a time",
                        Some(help.into()),
                    );
                    None
                }
            },
            toml::Value::String(s) => match parse_date_bound(s) {
                Some(b) => Some(b),
                None => {
                    self.err(
                        v.span(),
                        format!("`{key}` is not a date limit"),
                        "cannot read this",
                        Some(help.into()),
                    );
                    None
                }
            },
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

    fn date(&mut self, q: &RawQuestion) -> QuestionKind {
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
            Some(m) => *m.get_ref() as usize,
            None => 500,
        };
        let pattern = match &q.pattern {
            Some(p) => match regex_lite::Regex::new(p.get_ref()) {
                Ok(regex) => Some(TextPattern {
                    regex,
                    message: q
                        .pattern_message
                        .as_deref()
                        .map(text::clean)
                        .unwrap_or_else(|| strings::TEXT_PATTERN.to_owned()),
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
            Some(m) if !(0..=max_length as i64).contains(m.get_ref()) => {
                self.err(
                    m.span(),
                    "`min_length` must be between 0 and `max_length`",
                    "out of range",
                    None,
                );
                0
            }
            Some(m) => *m.get_ref() as usize,
            None => 0,
        };
        QuestionKind::Text {
            max_length,
            min_length,
            pattern,
        }
    }

    /// Parses an expression string; reports syntax errors at their place in the file.
    fn parse(&mut self, s: &S<String>) -> Option<syntax::Ast> {
        match syntax::parse(s.get_ref()) {
            Ok(a) => Some(a),
            Err(e) => {
                let map = StrMap::new(self.src, s.span(), s.get_ref());
                self.err(
                    map.span(e.span),
                    format!("in condition: {}", e.message),
                    "here",
                    e.help,
                );
                None
            }
        }
    }

    fn report_compile(&mut self, s: &S<String>, errors: Vec<expr::CompileError>) {
        let map = StrMap::new(self.src, s.span(), s.get_ref());
        for e in errors {
            self.err(map.span(e.span), e.message, e.label, e.help);
        }
    }

    fn condition(&mut self, s: &S<String>, items: &[Item]) -> Option<Expr> {
        let map = StrMap::new(self.src, s.span(), s.get_ref());
        self.condition_in(s.get_ref(), 0, &map, items)
    }

    /// Declares, orders and compiles derived values. Cycles among them are reported.
    fn derived(&mut self, raw: &[S<RawDerived>]) -> Vec<Option<Derived>> {
        // Chains of derived values are followed depth first: bounded, they cannot take the stack.
        let raw = match raw.get(crate::limits::MAX_DERIVED) {
            Some(over) => {
                self.err(
                    over.span().start..over.span().start + 1,
                    format!("more than {} derived values", crate::limits::MAX_DERIVED),
                    "the limit is passed here",
                    Some("the limits are in docs/questionnaire-format.md".into()),
                );
                &raw[..crate::limits::MAX_DERIVED]
            }
            None => raw,
        };
        for (i, d) in raw.iter().enumerate() {
            self.declare(&d.get_ref().id, Some((Ref::Derived(i as u32), Ty::Unknown)));
        }
        let asts: Vec<Option<syntax::Ast>> =
            raw.iter().map(|d| self.parse(&d.get_ref().expr)).collect();
        let index: HashMap<&str, usize> = raw
            .iter()
            .enumerate()
            .map(|(i, d)| (d.get_ref().id.get_ref().as_str(), i))
            .collect();
        let deps: Vec<Vec<usize>> = asts
            .iter()
            .map(|a| {
                let mut names = Vec::new();
                if let Some(a) = a {
                    ast_names(a, &mut names);
                }
                names
                    .iter()
                    .filter_map(|n| index.get(n.as_str()).copied())
                    .collect()
            })
            .collect();
        // Depth-first order; a node met again while on the stack closes a cycle.
        let mut state = vec![0u8; raw.len()];
        let mut order = Vec::new();
        let mut in_cycle = vec![false; raw.len()];
        for start in 0..raw.len() {
            let mut stack = Vec::new();
            self.visit_derived(
                start,
                &deps,
                &mut state,
                &mut order,
                &mut stack,
                &mut in_cycle,
                raw,
            );
        }
        let mut out: Vec<Option<Derived>> = (0..raw.len()).map(|_| None).collect();
        let items = self.items.clone();
        for i in order {
            let d = raw[i].get_ref();
            if in_cycle[i] {
                continue;
            }
            let Some(ast) = &asts[i] else { continue };
            let scope = NameScope {
                names: &self.names,
                items: &items,
            };
            match expr::compile(ast, &scope) {
                Ok((e, ty)) => {
                    if matches!(ty, Ty::Set(_) | Ty::Text | Ty::Info) {
                        let span = StrMap::new(self.src, d.expr.span(), d.expr.get_ref())
                            .span(ast.span.clone());
                        self.err(
                            span,
                            format!("a derived value cannot be {}", ty.describe()),
                            "use this directly instead",
                            Some(
                                "derived values are true/false, numbers, dates or single choices"
                                    .into(),
                            ),
                        );
                        continue;
                    }
                    self.names
                        .insert(d.id.get_ref().clone(), (Ref::Derived(i as u32), ty));
                    out[i] = Some(Derived {
                        id: d.id.get_ref().clone(),
                        expr: e,
                        ty,
                        label: d.label.as_deref().map(text::clean),
                        trigger: d.trigger.unwrap_or(true),
                    });
                }
                Err(errs) => self.report_compile(&d.expr, errs),
            }
        }
        out
    }

    #[allow(clippy::too_many_arguments)]
    fn visit_derived(
        &mut self,
        i: usize,
        deps: &[Vec<usize>],
        state: &mut [u8],
        order: &mut Vec<usize>,
        stack: &mut Vec<usize>,
        in_cycle: &mut [bool],
        raw: &[S<RawDerived>],
    ) {
        match state[i] {
            2 => return,
            1 => {
                let from = stack.iter().position(|&s| s == i).unwrap_or(0);
                let cycle: Vec<&str> = stack[from..]
                    .iter()
                    .chain(std::iter::once(&i))
                    .map(|&s| raw[s].get_ref().id.get_ref().as_str())
                    .collect();
                for &s in &stack[from..] {
                    in_cycle[s] = true;
                }
                let d = raw[i].get_ref();
                self.err(
                    d.expr.span(),
                    format!(
                        "derived values depend on each other in a circle: {}",
                        cycle.join(" → ")
                    ),
                    "part of a cycle",
                    Some("a derived value may only use values that do not, in turn, use it".into()),
                );
                return;
            }
            _ => {}
        }
        state[i] = 1;
        stack.push(i);
        for &d in &deps[i] {
            self.visit_derived(d, deps, state, order, stack, in_cycle, raw);
        }
        stack.pop();
        state[i] = 2;
        order.push(i);
    }

    /// For each derived value: the last question it reads (directly or through other derived
    /// values), or `None` if it reads no question.
    fn derived_positions(&self, derived: &[Option<Derived>]) -> Vec<Option<ItemIdx>> {
        let mut memo: Vec<Option<Option<ItemIdx>>> = vec![None; derived.len()];
        fn go(
            i: usize,
            derived: &[Option<Derived>],
            memo: &mut Vec<Option<Option<ItemIdx>>>,
            depth: usize,
        ) -> Option<ItemIdx> {
            if let Some(m) = memo[i] {
                return m;
            }
            let mut refs = Vec::new();
            if let Some(d) = &derived[i] {
                d.expr.refs(&mut refs);
            }
            let mut best: Option<ItemIdx> = None;
            for r in refs {
                let p = match r {
                    Ref::Question(q) => Some(q),
                    Ref::Derived(d) if depth < derived.len() => {
                        go(d as usize, derived, memo, depth + 1)
                    }
                    _ => None,
                };
                best = best.max(p);
            }
            memo[i] = Some(best);
            best
        }
        (0..derived.len())
            .map(|i| go(i, derived, &mut memo, 0))
            .collect()
    }

    /// A condition may only read answers the patient has already given when it is evaluated.
    fn check_order(
        &mut self,
        pending: &[(Target, S<String>)],
        derived: &[Option<Derived>],
        derived_max: &[Option<ItemIdx>],
    ) {
        for (target, src) in pending {
            let (idx, own_ok, what) = match target {
                Target::ShowIf(i) => (*i, false, "is shown only when"),
                Target::ValidIf(i, _) => (*i, true, "is checked with"),
            };
            let item = &self.items[idx as usize];
            let Some(e) = (match target {
                Target::ShowIf(_) => item.show_if.as_ref(),
                Target::ValidIf(..) => item.valid_if.as_ref().map(|(e, _)| e),
            }) else {
                continue;
            };
            let mut refs = Vec::new();
            e.refs(&mut refs);
            let subtree = idx..item.end;
            let id = item.id.clone();
            let mut problems = Vec::new();
            for r in refs {
                let (pos, via) = match r {
                    Ref::Question(q) => (Some(q), None),
                    Ref::Derived(d) => (
                        derived_max[d as usize],
                        derived[d as usize].as_ref().map(|d| d.id.clone()),
                    ),
                    Ref::VisitDate => (None, None),
                };
                let Some(pos) = pos else { continue };
                if own_ok && pos == idx {
                    continue;
                }
                let later = &self.items[pos as usize].id;
                if subtree.contains(&pos) {
                    let msg = match &via {
                        Some(v) if *later == id => format!(
                            "cycle: `{id}` {what} `{v}`, but `{v}` depends on the answer to `{id}` itself"
                        ),
                        Some(v) => format!(
                            "cycle: `{id}` {what} `{v}`, but `{v}` depends on `{later}`, which is inside `{id}` itself"
                        ),
                        None => format!("cycle: `{id}` {what} its own answer (`{later}`)"),
                    };
                    problems.push((msg, "depends on itself".to_owned()));
                } else if pos > idx {
                    let msg = match &via {
                        Some(v) => format!(
                            "`{id}` {what} `{v}`, which uses `{later}`, a question asked later"
                        ),
                        None => format!("`{id}` {what} `{later}`, a question asked later"),
                    };
                    problems.push((msg, "not answered yet at this point".to_owned()));
                }
            }
            for (msg, label) in problems {
                self.err(src.span(), msg, label, Some("a condition can only use answers given before it; move the question earlier, or the condition later".into()));
            }
        }
    }

    fn template(&mut self, s: &S<String>, items: &[Item]) -> Template {
        let raw = s.get_ref();
        let map = StrMap::new(self.src, s.span(), raw);
        let parts = self.template_parts(raw, 0..raw.len(), &map, items, 0);
        Template { parts }
    }

    /// Parses `raw[range]` of a text with placeholders: `{name}`, `{name?}`, `{? condition:
    /// text}` (nested up to [`FRAGMENT_DEPTH`] deep) and the `{{` `}}` escapes.
    fn template_parts(
        &mut self,
        raw: &str,
        range: Range<usize>,
        map: &StrMap,
        items: &[Item],
        depth: usize,
    ) -> Vec<TemplatePart> {
        let mut parts = Vec::new();
        let mut lit = String::new();
        let bytes = raw.as_bytes();
        let end = range.end;
        let mut i = range.start;
        let flush = |lit: &mut String, parts: &mut Vec<TemplatePart>| {
            if !lit.is_empty() {
                parts.push(TemplatePart::Text(text::clean(&std::mem::take(lit))));
            }
        };
        let mut placeholders = 0;
        while i < end {
            if bytes[i] == b'{' && (i + 1 >= end || bytes[i + 1] != b'{') {
                placeholders += 1;
                if placeholders > crate::limits::MAX_PLACEHOLDERS {
                    self.err(
                        map.span(i..i + 1),
                        format!(
                            "more than {} placeholders in one text",
                            crate::limits::MAX_PLACEHOLDERS
                        ),
                        "the limit is passed here",
                        Some("a text names at most 100 answers; split it into summary rows".into()),
                    );
                    break;
                }
            }
            match bytes[i] {
                b'{' if i + 1 < end && bytes[i + 1] == b'{' => {
                    lit.push('{');
                    i += 2;
                }
                b'}' if i + 1 < end && bytes[i + 1] == b'}' => {
                    lit.push('}');
                    i += 2;
                }
                b'{' if i + 1 < end && bytes[i + 1] == b'?' => {
                    let Some((colon, close)) = self.fragment_bounds(raw, i, end, map) else {
                        break;
                    };
                    let cond_src = &raw[i + 2..colon];
                    let lead = cond_src.len() - cond_src.trim_start().len();
                    let cond = self.condition_in(cond_src.trim(), i + 2 + lead, map, items);
                    let body = &raw[colon + 1..close];
                    let body_start = colon + 1 + (body.len() - body.trim_start().len());
                    if depth + 1 > FRAGMENT_DEPTH {
                        self.err(
                            map.span(i..close + 1),
                            "conditional fragments are nested too deeply",
                            "too deep",
                            Some(format!("nest `{{? ...}}` at most {FRAGMENT_DEPTH} deep")),
                        );
                    } else {
                        let inner =
                            self.template_parts(raw, body_start..close, map, items, depth + 1);
                        if let Some(cond) = cond {
                            flush(&mut lit, &mut parts);
                            parts.push(TemplatePart::When(cond, inner));
                        }
                    }
                    i = close + 1;
                }
                b'{' => {
                    let Some(close) = raw[i..end].find('}') else {
                        self.err(
                            map.span(i..end),
                            "placeholder is never closed",
                            "missing `}`",
                            Some("write `{name}`, or `{{` for a literal brace".into()),
                        );
                        break;
                    };
                    let inner = raw[i + 1..i + close].trim();
                    let (inner, ago) = match inner.strip_suffix(":ago") {
                        Some(n) => (n.trim(), true),
                        None => (inner, false),
                    };
                    let (name, optional) = match inner.strip_suffix('?') {
                        Some(n) => (n.trim(), true),
                        None => (inner, false),
                    };
                    let span = map.span(i..i + close + 1);
                    let found = if name == "visit_date" {
                        Some((Ref::VisitDate, Ty::Date))
                    } else {
                        self.names.get(name).copied()
                    };
                    match found {
                        Some((_, Ty::Info)) => self.err(span, format!("placeholder `{{{name}}}` names a section or info screen, which has no answer"), "no value", None),
                        Some((_, ty)) if ago && ty != Ty::Num => self.err(span, format!("`{{{name}:ago}}` needs a number of days; `{name}` is {}", ty.describe()), "not a number", Some("`:ago` formats a day count such as days_between(e_last_date, visit_date)".into())),
                        Some((r, _)) => {
                            flush(&mut lit, &mut parts);
                            parts.push(match (ago, optional) {
                                (true, _) => TemplatePart::Ago(r),
                                (false, true) => TemplatePart::Optional(r),
                                (false, false) => TemplatePart::Value(r),
                            });
                        }
                        None => {
                            let help = (self.diags.len() < crate::limits::MAX_SUGGESTIONS)
                                .then(|| crate::limits::did_you_mean(name, self.names.keys().map(String::as_str)))
                                .flatten()
                                .map(|n| format!("did you mean `{{{n}}}`?"));
                            let name = crate::limits::shorten(name, crate::limits::MAX_SUGGEST_CHARS);
                            self.err(span, format!("placeholder `{{{name}}}` names nothing"), "no question or derived value has this id", help.or(Some("placeholders name a question, a derived value or visit_date; write `{{` for a literal brace, or `{? condition: text}` for text shown only when a condition holds".into())));
                        }
                    }
                    i += close + 1;
                }
                b'}' => {
                    self.err(
                        map.span(i..i + 1),
                        "stray `}` in text",
                        "unmatched",
                        Some("write `}}` for a literal brace".into()),
                    );
                    i += 1;
                }
                _ => {
                    let ch = raw[i..].chars().next().unwrap_or(' ');
                    lit.push(ch);
                    i += ch.len_utf8();
                }
            }
        }
        flush(&mut lit, &mut parts);
        parts
    }

    /// Where the condition of the fragment opening at `open` (`{?`) ends (its `:`) and where
    /// the fragment closes (its `}`). Quoted option values and `{...}` sets inside the
    /// condition, and placeholders inside the text, are skipped over. Reports a fragment
    /// without `:` or without its closing brace.
    fn fragment_bounds(
        &mut self,
        raw: &str,
        open: usize,
        end: usize,
        map: &StrMap,
    ) -> Option<(usize, usize)> {
        const FORM: &str = "write `{? condition: text shown when it holds}`";
        let bytes = raw.as_bytes();
        let problem = |b: &mut Self, at: Range<usize>, message: &str, label: &str| {
            b.err(map.span(at), message, label, Some(FORM.into()));
            None
        };
        let mut j = open + 2;
        let mut depth = 0usize;
        let mut quoted = false;
        let colon = loop {
            if j >= end {
                let message = "conditional fragment is never closed";
                return problem(self, open..end, message, "missing `: text}`");
            }
            match bytes[j] {
                b'"' => quoted = !quoted,
                b'{' if !quoted => depth += 1,
                b'}' if !quoted && depth == 0 => {
                    let message = "conditional fragment has no `:` after its condition";
                    return problem(self, open..j + 1, message, "missing `:`");
                }
                b'}' if !quoted => depth -= 1,
                b':' if !quoted && depth == 0 => break j,
                _ => {}
            }
            j += 1;
        };
        let mut k = colon + 1;
        let mut depth = 0usize;
        loop {
            if k >= end {
                let message = "conditional fragment is never closed";
                return problem(
                    self,
                    open..end,
                    message,
                    "missing `}` (`}}` is a literal brace)",
                );
            }
            match bytes[k] {
                b'{' | b'}' if k + 1 < end && bytes[k + 1] == bytes[k] => k += 1,
                b'{' => depth += 1,
                b'}' if depth == 0 => return Some((colon, k)),
                b'}' => depth -= 1,
                _ => {}
            }
            k += 1;
        }
    }

    /// Compiles a condition found at byte `offset` of a decoded TOML string (a whole
    /// condition, or the condition of a conditional fragment inside a text), so every error
    /// points at its place in the file.
    fn condition_in(
        &mut self,
        cond: &str,
        offset: usize,
        map: &StrMap,
        items: &[Item],
    ) -> Option<Expr> {
        let at = |r: Range<usize>| map.span(offset + r.start..offset + r.end);
        let ast = match syntax::parse(cond) {
            Ok(a) => a,
            Err(e) => {
                self.err(
                    at(e.span),
                    format!("in condition: {}", e.message),
                    "here",
                    e.help,
                );
                return None;
            }
        };
        let scope = NameScope {
            names: &self.names,
            items,
        };
        match expr::compile_bool(&ast, &scope) {
            Ok(e) => Some(e),
            Err(errs) => {
                for e in errs {
                    self.err(at(e.span), e.message, e.label, e.help);
                }
                None
            }
        }
    }

    fn flags(&mut self, raw: &[S<RawFlag>], derived_max: &[Option<ItemIdx>]) -> Vec<Flag> {
        let items = self.items.clone();
        let mut out = Vec::new();
        for f in raw {
            let f = f.get_ref();
            let when = self.condition(&f.when, &items);
            let text = self.template(&f.text, &items);
            let action = f.action.as_ref().map(|a| *a.get_ref());
            if let (Some(FlagAction::Pause), None, Some(a)) = (action, &f.message, &f.action) {
                self.err(
                    a.span(),
                    "a `pause` flag needs a `message` for the patient's support screen",
                    "no support text",
                    Some("add message = \"Thank you for telling us. ...\"".into()),
                );
            }
            let mut show = Vec::new();
            for s in &f.show {
                match self.names.get(s.get_ref().as_str()) {
                    Some((Ref::Question(i), ty)) if *ty != Ty::Info => show.push(*i),
                    _ => self.err(
                        s.span(),
                        format!("`show` names `{}`, which is not a question", s.get_ref()),
                        "not a question",
                        None,
                    ),
                }
            }
            if let (Some(FlagAction::Pause), Some(l)) = (action, &f.latch)
                && !*l.get_ref()
            {
                self.err(
                    l.span(),
                    "a `pause` flag is always latched: a safety disclosure stays on the record",
                    "cannot be turned off",
                    Some("remove `latch = false`".into()),
                );
            }
            let latch =
                action == Some(FlagAction::Pause) || f.latch.as_ref().is_some_and(|l| *l.get_ref());
            let Some(when) = when else { continue };
            let mut refs = Vec::new();
            when.refs(&mut refs);
            let position = refs
                .iter()
                .filter_map(|r| match r {
                    Ref::Question(q) => Some(*q),
                    Ref::Derived(d) => derived_max.get(*d as usize).copied().flatten(),
                    Ref::VisitDate => None,
                })
                .max()
                .unwrap_or(0);
            out.push(Flag {
                id: f.id.get_ref().clone(),
                severity: *f.severity.get_ref(),
                when,
                text,
                action,
                message: f.message.as_deref().map(text::clean),
                show,
                list_triggers: f.list_triggers.unwrap_or(true),
                basis: f.basis.clone(),
                position,
                latch,
            });
        }
        out
    }

    fn outcome(&mut self, raw: Option<RawOutcomes>) -> Outcomes {
        let pick = |r: Option<RawOutcomeText>, banner: &str, text: &str| match r {
            Some(r) => OutcomeText {
                banner: text::clean_line(&r.banner),
                text: text::clean_line(&r.text),
            },
            None => OutcomeText {
                banner: banner.into(),
                text: text.into(),
            },
        };
        let raw = raw.unwrap_or(RawOutcomes {
            stop: None,
            caution: None,
            clear: None,
            not_assessed: None,
            no_rules: None,
            footer: None,
            disclaimer: None,
        });
        Outcomes {
            stop: pick(
                raw.stop,
                strings::OUTCOME_STOP_BANNER,
                strings::OUTCOME_STOP_TEXT,
            ),
            caution: pick(
                raw.caution,
                strings::OUTCOME_CAUTION_BANNER,
                strings::OUTCOME_CAUTION_TEXT,
            ),
            clear: pick(
                raw.clear,
                strings::OUTCOME_CLEAR_BANNER,
                strings::OUTCOME_CLEAR_TEXT,
            ),
            not_assessed: pick(
                raw.not_assessed,
                strings::OUTCOME_NOT_ASSESSED_BANNER,
                strings::OUTCOME_NOT_ASSESSED_TEXT,
            ),
            no_rules: pick(
                raw.no_rules,
                strings::OUTCOME_NO_RULES_BANNER,
                strings::OUTCOME_NO_RULES_TEXT,
            ),
            footer: raw
                .footer
                .map(|f| text::clean_line(&f))
                .unwrap_or_else(|| strings::OUTCOME_FOOTER.into()),
            disclaimer: raw
                .disclaimer
                .map(|f| text::clean_line(&f))
                .unwrap_or_else(|| strings::DISCLAIMER.into()),
        }
    }

    fn row(&mut self, r: &S<RawRow>, items: &[Item]) -> Option<SummaryRow> {
        let row = r.get_ref();
        let show_if = row.show_if.as_ref().and_then(|c| self.condition(c, items));
        let value = match (&row.value, &row.answers) {
            (Some(v), None) => RowValue::Template(self.template(v, items)),
            (None, Some(ids)) => {
                let mut refs = Vec::new();
                for id in ids {
                    match self.names.get(id.get_ref().as_str()) {
                        Some((_, Ty::Info)) | None => self.err(
                            id.span(),
                            format!("`{}` is not a question or derived value", id.get_ref()),
                            "nothing to show",
                            None,
                        ),
                        Some((r, _)) => refs.push(*r),
                    }
                }
                RowValue::Answers(refs)
            }
            _ => {
                self.err(r.span(), "a summary row needs either `value` (a text with {placeholders}) or `answers` (a list of ids)", "this row", None);
                return None;
            }
        };
        Some(SummaryRow {
            label: text::clean_line(&row.label),
            value,
            show_if,
            optional: row.optional.unwrap_or(false),
        })
    }

    fn summary(&mut self, raw: Option<&RawSummary>) -> SummaryLayout {
        let Some(raw) = raw else {
            return SummaryLayout {
                signoff: strings::SIGNOFF.iter().map(|s| (*s).to_owned()).collect(),
                ..Default::default()
            };
        };
        let items = self.items.clone();
        let header = raw
            .header
            .iter()
            .filter_map(|r| self.row(r, &items))
            .collect();
        let mut blocks = Vec::new();
        for b in &raw.block {
            let bl = b.get_ref();
            let show_if = bl.show_if.as_ref().and_then(|c| self.condition(c, &items));
            let rows = bl.rows.iter().filter_map(|r| self.row(r, &items)).collect();
            blocks.push(SummaryBlock {
                title: text::clean_line(&bl.title),
                show_if,
                rows,
            });
        }
        let signoff = match &raw.signoff {
            Some(lines) => lines.iter().map(|l| text::clean_line(l)).collect(),
            None => strings::SIGNOFF.iter().map(|s| (*s).to_owned()).collect(),
        };
        SummaryLayout {
            header,
            blocks,
            signoff,
        }
    }

    fn unused_derived(
        &mut self,
        raw_derived: &[S<RawDerived>],
        derived: &[Option<Derived>],
        flags: &[Flag],
        summary: &SummaryLayout,
    ) {
        let mut used = vec![false; derived.len()];
        let mut mark = |e: &Expr| {
            let mut refs = Vec::new();
            e.refs(&mut refs);
            for r in refs {
                if let Ref::Derived(d) = r {
                    used[d as usize] = true;
                }
            }
        };
        for it in &self.items {
            if let Some(e) = &it.show_if {
                mark(e);
            }
            if let Some((e, _)) = &it.valid_if {
                mark(e);
            }
        }
        for d in derived.iter().flatten() {
            mark(&d.expr);
        }
        for f in flags {
            mark(&f.when);
            f.text.conditions().into_iter().for_each(&mut mark);
        }
        let mut template_refs: Vec<Ref> = flags.iter().flat_map(|f| f.text.refs()).collect();
        let rows = summary
            .header
            .iter()
            .chain(summary.blocks.iter().flat_map(|b| b.rows.iter()));
        for row in rows {
            if let Some(e) = &row.show_if {
                mark(e);
            }
            match &row.value {
                RowValue::Template(t) => {
                    t.conditions().into_iter().for_each(&mut mark);
                    template_refs.extend(t.refs());
                }
                RowValue::Answers(refs) => template_refs.extend(refs.iter().copied()),
            }
        }
        for b in &summary.blocks {
            if let Some(e) = &b.show_if {
                mark(e);
            }
        }
        for r in template_refs {
            if let Ref::Derived(d) = r {
                used[d as usize] = true;
            }
        }
        for (i, d) in raw_derived.iter().enumerate() {
            if !used[i] && derived[i].is_some() {
                let id = d.get_ref().id.clone();
                self.warn(
                    id.span(),
                    format!("derived value `{}` is never used", id.get_ref()),
                    "unused",
                    Some("use it in a condition, flag text or summary row, or remove it".into()),
                );
            }
        }
    }

    /// `staff_answers = { a_respondent = "staff" }`: each must be a valid answer to a question.
    fn staff_answers(&mut self, t: &S<toml::Table>) -> Vec<(ItemIdx, crate::answer::Answer)> {
        let mut out = Vec::new();
        for (id, v) in t.get_ref() {
            let Some((Ref::Question(i), ty)) = self.names.get(id.as_str()).copied() else {
                self.err(
                    t.span(),
                    format!("`staff_answers` names `{id}`, which is not a question"),
                    "unknown question",
                    None,
                );
                continue;
            };
            if ty == Ty::Info {
                self.err(
                    t.span(),
                    format!("`staff_answers` names `{id}`, which has no answer"),
                    "not a question",
                    None,
                );
                continue;
            }
            let item = &self.items[i as usize];
            let answer =
                crate::answers::answer_for_item(item, &crate::answers::RawValue::from_toml(v))
                    .and_then(|a| {
                        crate::engine::check_answer(
                            item,
                            a,
                            jiff::civil::Date::constant(2000, 1, 1),
                        )
                        .map_err(|e| e.message)
                    });
            match answer {
                Ok(a) => out.push((i, a)),
                Err(e) => self.err(
                    t.span(),
                    format!("`staff_answers`: {e}"),
                    "not a valid answer",
                    None,
                ),
            }
        }
        out
    }

    /// Evaluation order: each item after its parent and what its condition reads; each derived
    /// value after what it reads.
    fn order(&mut self, derived: &[Option<Derived>]) -> Option<Vec<Node>> {
        let n_items = self.items.len();
        let deps = |node: Node| -> Vec<Node> {
            let mut refs = Vec::new();
            let mut out = Vec::new();
            match node {
                Node::Item(i) => {
                    let it = &self.items[i as usize];
                    if let Some(p) = it.parent {
                        out.push(Node::Item(p));
                    }
                    if let Some(e) = &it.show_if {
                        e.refs(&mut refs);
                    }
                }
                Node::Derived(d) => {
                    if let Some(d) = &derived[d as usize] {
                        d.expr.refs(&mut refs);
                    }
                }
            }
            out.extend(refs.into_iter().filter_map(|r| match r {
                Ref::Question(q) => Some(Node::Item(q)),
                Ref::Derived(d) => Some(Node::Derived(d)),
                Ref::VisitDate => None,
            }));
            out
        };
        let all: Vec<Node> = (0..n_items as u32)
            .map(Node::Item)
            .chain((0..derived.len() as u32).map(Node::Derived))
            .collect();
        topo_order(&all, deps)
    }
}

/// Topological order of `nodes`, or `None` if there is a cycle (already reported elsewhere).
pub(crate) fn topo_order(nodes: &[Node], deps: impl Fn(Node) -> Vec<Node>) -> Option<Vec<Node>> {
    let (order, loops) = topo_order_lenient(nodes, deps);
    loops.is_empty().then_some(order)
}

/// As [`topo_order`], but a dependency that would close a loop is skipped (FHIR allows
/// conditions that refer to each other). Returns the order and the skipped dependencies
/// `(from, to)`.
pub(crate) fn topo_order_lenient(
    nodes: &[Node],
    deps: impl Fn(Node) -> Vec<Node>,
) -> (Vec<Node>, Vec<(Node, Node)>) {
    let mut loops = Vec::new();
    let mut state: HashMap<Node, u8> = HashMap::with_capacity(nodes.len());
    let mut order = Vec::with_capacity(nodes.len());
    for &start in nodes {
        if state.get(&start) == Some(&2) {
            continue;
        }
        // Iterative DFS so deep chains cannot overflow the stack.
        let mut stack: Vec<(Node, Vec<Node>)> = vec![(start, deps(start))];
        state.insert(start, 1);
        while let Some((node, pending)) = stack.last_mut() {
            if let Some(next) = pending.pop() {
                match state.get(&next) {
                    Some(2) => {}
                    Some(_) => loops.push((*node, next)),
                    None => {
                        state.insert(next, 1);
                        let d = deps(next);
                        stack.push((next, d));
                    }
                }
            } else {
                let node = *node;
                state.insert(node, 2);
                order.push(node);
                stack.pop();
            }
        }
    }
    (order, loops)
}

fn builtin(value: &str, label: &str) -> ChoiceOption {
    ChoiceOption {
        value: value.into(),
        label: label.into(),
        ..Default::default()
    }
}

fn type_name(t: RawType) -> &'static str {
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

fn ast_names(a: &syntax::Ast, out: &mut Vec<String>) {
    use syntax::AstKind::*;
    match &a.kind {
        Lit(_) => {}
        Name(n) => out.push(n.clone()),
        Call { args, .. } => args.iter().for_each(|x| ast_names(x, out)),
        Not(x) => ast_names(x, out),
        And(xs) | Or(xs) => xs.iter().for_each(|x| ast_names(x, out)),
        Cmp { lhs, rhs, .. } => {
            ast_names(lhs, out);
            ast_names(rhs, out);
        }
        Has { subject, .. } | In { subject, .. } => ast_names(subject, out),
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

/// Compiles a condition (or, with `boolean = false`, any value) in the native language against
/// the given names and items; for FHIR files that carry triage's own conditions in extensions.
pub(crate) fn compile_text(
    text: &str,
    names: &HashMap<String, (Ref, Ty)>,
    items: &[Item],
    boolean: bool,
) -> Result<(Expr, Ty), String> {
    let ast = syntax::parse(text).map_err(|e| e.message)?;
    let scope = NameScope { names, items };
    let first = |errs: Vec<expr::CompileError>| {
        errs.into_iter()
            .next()
            .map(|e| e.message)
            .unwrap_or_default()
    };
    if boolean {
        expr::compile_bool(&ast, &scope)
            .map(|e| (e, Ty::Bool))
            .map_err(first)
    } else {
        expr::compile(&ast, &scope).map_err(first)
    }
}

/// The type a question's answers have in conditions.
pub(crate) fn item_ty(idx: ItemIdx, item: &Item) -> Ty {
    match &item.kind {
        ItemKind::Question(QuestionKind::Choice {
            style: ChoiceStyle::Multi,
            ..
        }) => Ty::Set(idx),
        ItemKind::Question(QuestionKind::Choice { .. }) => Ty::Choice(idx),
        ItemKind::Question(QuestionKind::Number { .. }) => Ty::Num,
        ItemKind::Question(QuestionKind::Date { .. }) => Ty::Date,
        ItemKind::Question(QuestionKind::Text { .. }) => Ty::Text,
        ItemKind::Group { .. } | ItemKind::Info => Ty::Info,
    }
}
