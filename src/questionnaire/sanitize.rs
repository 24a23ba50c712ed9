//! One pass over a loaded questionnaire, whatever its format (TOML or FHIR), that removes from
//! every text it holds the characters that could act on a terminal, printer or log, or hide or
//! disguise text (`text::is_unsafe`: controls, bidi marks and overrides, invisible characters,
//! TAG characters). Done once, on the way in, so every later output (the check report, pages,
//! JSON, exports, the database) starts from clean values. Every field is named below by
//! destructuring its struct without `..`: a new field that is not handled does not compile.

use std::fmt::Write as _;

use super::model::{
    ChoiceOption, Derived, FhirItem, FhirUnit, Flag, Item, ItemKind, Meta, OutcomeText, Outcomes,
    QuestionKind, Questionnaire, RowValue, SummaryBlock, SummaryLayout, SummaryRow, Template,
    TemplatePart, TextPattern, WordedPart, Wording,
};
use crate::text;

/// Collects the names of the fields that were changed.
struct Pass {
    changed: Vec<String>,
}

impl Pass {
    /// A one-line field (ids, labels, codes): unsafe characters removed, line breaks as spaces.
    fn line(&mut self, what: impl FnOnce() -> String, s: &mut String) {
        if s.chars()
            .any(|c| text::is_unsafe(c) || c == '\t' || c == '\n' || c == '\r')
        {
            let clean = text::clean_line(s);
            if clean != *s {
                *s = clean;
                self.changed.push(what());
            }
        }
    }

    /// A text that may have line breaks (question texts, help, intros, messages).
    fn text(&mut self, what: impl FnOnce() -> String, s: &mut String) {
        if s.chars()
            .any(|c| text::is_unsafe(c) || c == '\t' || c == '\r')
        {
            let clean = text::clean(s);
            if clean != *s {
                *s = clean;
                self.changed.push(what());
            }
        }
    }

    fn opt_line(&mut self, what: impl FnOnce() -> String, s: &mut Option<String>) {
        if let Some(s) = s {
            self.line(what, s);
        }
    }

    fn opt_text(&mut self, what: impl FnOnce() -> String, s: &mut Option<String>) {
        if let Some(s) = s {
            self.text(what, s);
        }
    }

    fn template(&mut self, what: &str, t: &mut Template) {
        let Template { parts } = t;
        self.parts(what, parts);
    }

    fn parts(&mut self, what: &str, parts: &mut [TemplatePart]) {
        for p in parts {
            match p {
                TemplatePart::Text(s) => self.text(|| what.to_owned(), s),
                TemplatePart::When(_, inner) => self.parts(what, inner),
                TemplatePart::Value(_) | TemplatePart::Optional(_) | TemplatePart::Ago(_) => {}
            }
        }
    }

    fn meta(&mut self, m: &mut Meta) {
        let Meta {
            id,
            version,
            title,
            language,
            welcome,
            minutes: _,
            finish,
            url,
            name_item: _,
            dob_item: _,
            staff_answers: _,
            wording,
            worded,
        } = m;
        self.line(|| "questionnaire id".into(), id);
        self.line(|| "questionnaire version".into(), version);
        self.line(|| "questionnaire title".into(), title);
        self.line(|| "questionnaire language".into(), language);
        self.opt_text(|| "questionnaire welcome".into(), welcome);
        self.opt_text(|| "questionnaire finish".into(), finish);
        self.opt_line(|| "questionnaire url".into(), url);
        for w in wording {
            let Wording {
                name,
                default,
                about,
                clinic,
                max_length: _,
            } = w;
            let n = name.clone();
            self.line(|| format!("wording {n} name"), name);
            self.text(|| format!("wording {n} default"), default);
            self.opt_text(|| format!("wording {n} about"), about);
            self.opt_text(|| format!("wording {n} clinic"), clinic);
        }
        for w in worded {
            for p in &mut w.parts {
                if let WordedPart::Text(s) = p {
                    self.text(|| "worded question text".into(), s);
                }
            }
        }
    }

    fn item(&mut self, it: &mut Item) {
        let Item {
            id,
            kind,
            text,
            help,
            short,
            review_label,
            in_full: _,
            parent: _,
            end: _,
            depth: _,
            show_if: _,
            required: _,
            valid_if,
            read_only: _,
            hidden: _,
            initial,
            occurs: _,
            fhir,
        } = it;
        self.line(|| "an item id".into(), id);
        let name = id.clone();
        self.text(|| format!("item {name} text"), text);
        self.opt_text(|| format!("item {name} help"), help);
        self.opt_line(|| format!("item {name} short"), short);
        self.opt_line(|| format!("item {name} review_label"), review_label);
        if let Some((_, message)) = valid_if {
            self.text(|| format!("item {name} valid_message"), message);
        }
        for a in initial {
            if let crate::answer::Answer::Text(t) = a {
                self.line(|| format!("item {name} initial"), t);
            }
        }
        match kind {
            ItemKind::Group { intro } => self.opt_text(|| format!("item {name} intro"), intro),
            ItemKind::Info => {}
            ItemKind::Question(q) => match q {
                QuestionKind::Choice { style: _, options } => {
                    for o in options {
                        self.option(&name, o);
                    }
                }
                QuestionKind::Number {
                    min: _,
                    max: _,
                    unit,
                    unit_one,
                    integer: _,
                } => {
                    self.opt_line(|| format!("item {name} unit"), unit);
                    self.opt_line(|| format!("item {name} unit_one"), unit_one);
                }
                QuestionKind::Date { .. } => {}
                QuestionKind::Text {
                    max_length: _,
                    min_length: _,
                    pattern,
                } => {
                    if let Some(TextPattern { regex: _, message }) = pattern {
                        self.text(|| format!("item {name} pattern_message"), message);
                    }
                }
            },
        }
        if let Some(FhirItem {
            kind,
            option_kinds,
            unit,
            units,
        }) = fhir
        {
            self.line(|| format!("item {name} FHIR type"), kind);
            for k in option_kinds {
                self.line(|| format!("item {name} FHIR answer type"), k);
            }
            for FhirUnit {
                code,
                system,
                display,
            } in unit.iter_mut().chain(units.iter_mut())
            {
                self.opt_line(|| format!("item {name} unit code"), code);
                self.opt_line(|| format!("item {name} unit system"), system);
                self.line(|| format!("item {name} unit"), display);
            }
        }
    }

    fn option(&mut self, item: &str, o: &mut ChoiceOption) {
        let ChoiceOption {
            value,
            label,
            short,
            exclusive: _,
            staff_only: _,
            ordinal: _,
            system,
        } = o;
        self.line(|| format!("item {item} option value"), value);
        let v = value.clone();
        self.line(|| format!("item {item} option {v} label"), label);
        self.opt_line(|| format!("item {item} option {v} short"), short);
        self.opt_line(|| format!("item {item} option {v} system"), system);
    }

    fn derived(&mut self, d: &mut Derived) {
        let Derived {
            id,
            expr: _,
            ty: _,
            label,
            trigger: _,
        } = d;
        self.line(|| "a derived id".into(), id);
        let name = id.clone();
        self.opt_line(|| format!("derived {name} label"), label);
    }

    fn flag(&mut self, f: &mut Flag) {
        let Flag {
            id,
            severity: _,
            when: _,
            text,
            action: _,
            message,
            show: _,
            list_triggers: _,
            basis,
            position: _,
            latch: _,
        } = f;
        self.line(|| "a flag id".into(), id);
        let name = id.clone();
        self.template(&format!("flag {name} text"), text);
        self.opt_text(|| format!("flag {name} message"), message);
        self.opt_line(|| format!("flag {name} basis"), basis);
    }

    fn outcomes(&mut self, o: &mut Outcomes) {
        let Outcomes {
            stop,
            caution,
            clear,
            not_assessed,
            no_rules,
            footer,
            disclaimer,
        } = o;
        for (name, t) in [
            ("stop", stop),
            ("caution", caution),
            ("clear", clear),
            ("not_assessed", not_assessed),
            ("no_rules", no_rules),
        ] {
            let OutcomeText { banner, text } = t;
            self.line(|| format!("outcome {name} banner"), banner);
            self.line(|| format!("outcome {name} text"), text);
        }
        self.line(|| "outcome footer".into(), footer);
        self.line(|| "outcome disclaimer".into(), disclaimer);
    }

    fn row(&mut self, r: &mut SummaryRow) {
        let SummaryRow {
            label,
            value,
            show_if: _,
            optional: _,
        } = r;
        self.line(|| "a summary row label".into(), label);
        if let RowValue::Template(t) = value {
            let l = label.clone();
            self.template(&format!("summary row {l}"), t);
        }
    }

    fn summary(&mut self, s: &mut SummaryLayout) {
        let SummaryLayout {
            header,
            blocks,
            signoff,
        } = s;
        for r in header {
            self.row(r);
        }
        for b in blocks {
            let SummaryBlock {
                title,
                show_if: _,
                rows,
            } = b;
            self.line(|| "a summary block title".into(), title);
            for r in rows {
                self.row(r);
            }
        }
        for l in signoff {
            self.line(|| "a sign-off line".into(), l);
        }
    }
}

/// Cleans every text of a loaded questionnaire in place; returns the names of the fields that
/// held unsafe characters (empty when none did).
pub fn sanitize(q: &mut Questionnaire) -> Vec<String> {
    let mut p = Pass {
        changed: Vec::new(),
    };
    p.meta(&mut q.meta);
    for it in &mut q.items {
        p.item(it);
    }
    for d in &mut q.derived {
        p.derived(d);
    }
    for f in &mut q.flags {
        p.flag(f);
    }
    p.outcomes(&mut q.outcome);
    p.summary(&mut q.summary);
    p.changed
}

/// How every warning about cleaned characters begins (so the catch-all is not added twice).
pub const CLEANED: &str = "control, bidi or invisible characters were removed from";
/// Fields named one by one; the rest are counted in one more warning.
const MAX_NAMED: usize = 20;

/// The catch-all warning for fields the pass above changed, naming the first few: only when the
/// scan of the file itself (see [`toml_fields`], [`json_fields`]) named none.
pub fn warning(changed: &[String]) -> Option<crate::diag::Diagnostic> {
    changed.first()?;
    let shown: Vec<&str> = changed.iter().take(5).map(String::as_str).collect();
    let more = changed.len().saturating_sub(shown.len());
    let mut list = shown.join(", ");
    if more > 0 {
        let _ = write!(list, " and {more} more");
    }
    Some(
        crate::diag::Diagnostic::warning(format!("{CLEANED} {} field(s): {list}", changed.len()))
            .help(HELP),
    )
}

const HELP: &str = "such characters can change a terminal, a printout or a log, or hide text; remove them from the file";

/// One warning per text of the file that loading cleans (see [`crate::text::needs_cleaning`]),
/// each naming the field, with its place: a byte span (TOML: file:line:col) or a JSON path
/// (FHIR). At most [`MAX_NAMED`], then one warning counting the rest.
pub fn field_warnings(
    found: Vec<(String, Option<std::ops::Range<usize>>)>,
) -> Vec<crate::diag::Diagnostic> {
    use crate::diag::Diagnostic;
    let total = found.len();
    let mut out: Vec<Diagnostic> = found
        .into_iter()
        .take(MAX_NAMED)
        .map(|(field, span)| {
            let d = Diagnostic::warning(format!("{CLEANED} `{field}`")).help(HELP);
            match span {
                Some(span) => d.at(span, "cleaned when loaded"),
                None => d.json_path(field),
            }
        })
        .collect();
    if total > MAX_NAMED {
        out.push(Diagnostic::warning(format!(
            "{CLEANED} {} more field(s)",
            total - MAX_NAMED
        )));
    }
    out
}

type Found = Vec<(String, Option<std::ops::Range<usize>>)>;

/// The entries of a TOML table as (key path, value); keys that need cleaning go to `out`.
fn toml_children<'a, 'i>(
    t: &'a toml::de::DeTable<'i>,
    prefix: &str,
    out: &mut Found,
) -> Vec<(String, &'a toml::Spanned<toml::de::DeValue<'i>>)> {
    let mut children = Vec::new();
    for (k, v) in t {
        let key: &str = k.get_ref();
        let path = if prefix.is_empty() {
            key.to_owned()
        } else {
            format!("{prefix}.{key}")
        };
        if text::needs_cleaning(key) {
            out.push((format!("{path} (the key)"), Some(k.span())));
        }
        children.push((path, v));
    }
    children
}

/// The texts (values and keys) of a parsed TOML file that loading cleans, as (key path, span),
/// in file order: `questionnaire.welcome`, `section[0].question[2].help`. Walks with an explicit
/// stack (the file's nesting is already within its limits).
pub fn toml_fields(
    root: &toml::Spanned<toml::de::DeTable<'_>>,
) -> Vec<(String, Option<std::ops::Range<usize>>)> {
    use toml::de::DeValue;
    let mut out = Vec::new();
    let mut stack: Vec<(String, &toml::Spanned<DeValue<'_>>)> = Vec::new();
    stack.extend(toml_children(root.get_ref(), "", &mut out));
    while let Some((path, v)) = stack.pop() {
        match v.get_ref() {
            DeValue::String(s) if text::needs_cleaning(s) => out.push((path, Some(v.span()))),
            DeValue::Array(a) => {
                for (i, e) in a.iter().enumerate() {
                    stack.push((format!("{path}[{i}]"), e));
                }
            }
            DeValue::Table(t) => stack.extend(toml_children(t, &path, &mut out)),
            _ => {}
        }
    }
    out.sort_by_key(|(_, span)| span.as_ref().map_or(0, |s| s.start));
    out
}

/// The texts (values and keys) of a JSON document that loading cleans, as JSON paths
/// (`item[0].text`), in document order.
pub fn json_fields(root: &serde_json::Value) -> Vec<(String, Option<std::ops::Range<usize>>)> {
    use serde_json::Value;
    let mut out = Vec::new();
    let mut stack: Vec<(String, &Value)> = vec![(String::new(), root)];
    while let Some((path, v)) = stack.pop() {
        match v {
            Value::String(s) if text::needs_cleaning(s) => {
                out.push((if path.is_empty() { "$".into() } else { path }, None));
            }
            Value::Array(a) => {
                for (i, e) in a.iter().enumerate().rev() {
                    stack.push((format!("{path}[{i}]"), e));
                }
            }
            Value::Object(o) => {
                let mut children = Vec::new();
                for (k, e) in o {
                    let p = if path.is_empty() {
                        k.clone()
                    } else {
                        format!("{path}.{k}")
                    };
                    if text::needs_cleaning(k) {
                        out.push((format!("{p} (the key)"), None));
                    }
                    children.push((p, e));
                }
                stack.extend(children.into_iter().rev());
            }
            _ => {}
        }
    }
    out
}
