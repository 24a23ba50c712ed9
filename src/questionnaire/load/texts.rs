//! Texts with placeholders: `{name}`, `{name?}`, `{name:ago}`, conditional fragments
//! `{? condition: text}` and the `{{` `}}` escapes.

use super::{
    Builder, Expr, FRAGMENT_DEPTH, Item, NameScope, Range, Ref, S, StrMap, Template, TemplatePart,
    Ty, expr, syntax, text,
};

impl Builder<'_> {
    pub(super) fn template(&mut self, s: &S<String>, items: &[Item]) -> Template {
        let raw = s.get_ref();
        let map = StrMap::new(self.src, s.span(), raw);
        let parts = self.template_parts(raw, 0..raw.len(), &map, items, 0);
        Template { parts }
    }

    /// Parses `raw[range]` of a text with placeholders: `{name}`, `{name?}`, `{? condition:
    /// text}` (nested up to [`FRAGMENT_DEPTH`] deep) and the `{{` `}}` escapes.
    #[allow(
        clippy::indexing_slicing,
        reason = "a byte scanner: each index is checked against the length on the line that reads it (`i < end`, `k + 1 < end`, `text.len() == 10`)"
    )]
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
    #[allow(
        clippy::indexing_slicing,
        reason = "a byte scanner: each index is checked against the length on the line that reads it (`i < end`, `k + 1 < end`, `text.len() == 10`)"
    )]
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
    pub(super) fn condition_in(
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
}
