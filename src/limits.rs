//! Limits on everything triage reads from outside (issue 12): file sizes, tokens, string
//! lengths, array sizes, nesting, expression depth, placeholders, diagnostics. Every input is
//! bounded before the work that could grow with it, so a hostile questionnaire, FHIR file,
//! answers file, config or scenario file costs a bounded time and memory, and never overflows the
//! stack. Each limit, when passed, is an author's error with a place: `file:line:col` (and the
//! JSON path in a JSON file).
//!
//! The numbers and their reasons (also in docs/questionnaire-format.md, "Limits"):
//! - Questionnaires (TOML or FHIR JSON) up to 8 MiB and 1,000,000 tokens: the largest real form
//!   in the FHIR corpus is 1 MB, the 10,000-question benchmark 1.3 MB (TOML) and 3.8 MB (FHIR).
//!   Parsing costs about 100 bytes of memory per token, so a file at the limit stays near 100 MB
//!   instead of gigabytes; the tokens are counted by a streaming pass that allocates nothing.
//! - Answers files up to 1 MiB (a full form with long texts is a few kB); config files 64 KiB;
//!   scenario files 4 MiB (the shipped ones are 19 kB).
//! - One string up to 64 KiB (a question's text is a paragraph; FHIR allows 1 MiB, for embedded
//!   renderings it never shows).
//! - One array up to 20,000 entries (the benchmark has 1,000 sections and 2,200 flags), and up
//!   to 2,000 options per question (a country list is 250) and 2,000 derived values (the
//!   benchmark has 200; a chain of them is followed depth first, so this bounds the stack).
//! - Nesting of tables and arrays up to 64 levels (a questionnaire needs 4, FHIR groups 30).
//! - A condition up to 4 KiB and 32 levels of nesting (parentheses, `not`, calls), at most 1,000
//!   operators and values; FHIRPath the same, 16 KiB and a tree at most 128 deep (chains such
//!   as `a.b.c` deepen it too). Real ones have 3 levels and 20 nodes; the
//!   checker, evaluator and the tree's destructor recurse, and 32 levels keeps them far from any
//!   thread's stack.
//! - Up to 100 placeholders in one text (a summary row lists about 10).
//! - "Did you mean": only for words up to 64 characters (no id is longer), against at most
//!   5,000 names, for the first 20 unknown names of a file.
//! - At most 100 findings per file, then one saying more were left out: fix these first.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::ops::Range;

use crate::diag::Diagnostic;

const KIB: usize = 1024;
const MIB: usize = 1024 * KIB;

/// Anything read from a file at all: bigger files are refused before they are read.
pub const MAX_INPUT_BYTES: usize = 16 * MIB;
/// A questionnaire, TOML or FHIR JSON.
pub const MAX_QUESTIONNAIRE_BYTES: usize = 8 * MIB;
/// Tokens in one TOML or JSON file (counted without allocating).
pub const MAX_TOKENS: usize = 1_000_000;
pub const MAX_ANSWERS_BYTES: usize = MIB;
pub const MAX_CONFIG_BYTES: usize = 64 * KIB;
pub const MAX_SCENARIO_BYTES: usize = 4 * MIB;
/// One string value (or key) in a questionnaire, answers, config or scenario file.
pub const MAX_STRING_BYTES: usize = 64 * KIB;
/// One string in a FHIR file (renderings and attachments may be long; triage shows none).
pub const MAX_FHIR_STRING_BYTES: usize = MIB;
/// Entries in one array (sections, questions, flags, FHIR items...).
pub const MAX_ARRAY_ITEMS: usize = 20_000;
/// Options of one question.
pub const MAX_OPTIONS: usize = 2_000;
/// Derived values in one questionnaire (their chains are followed depth first).
pub const MAX_DERIVED: usize = 2_000;
/// Answers in one answers file.
pub const MAX_ANSWERS: usize = 5_000;
/// Nesting of tables and arrays.
pub const MAX_NESTING: usize = 64;
/// A condition (`show_if`, `when`, `expr`, `valid_if`).
pub const MAX_EXPR_BYTES: usize = 4 * KIB;
/// A FHIRPath expression.
pub const MAX_FHIRPATH_BYTES: usize = 16 * KIB;
/// Parentheses, `not`, calls and unary signs inside one another.
pub const MAX_EXPR_DEPTH: usize = 32;
/// Operators, names, values and calls in one expression.
pub const MAX_EXPR_NODES: usize = 1_000;
/// The depth of a FHIRPath tree, chains included (`a.b.c`, `1 + 2 + 3` grow it without
/// parentheses); the evaluator recurses once per level.
pub const MAX_FHIRPATH_TREE_DEPTH: usize = 128;
/// `{name}` placeholders in one text.
pub const MAX_PLACEHOLDERS: usize = 100;
/// The longest word "did you mean" looks at (no id is longer).
pub const MAX_SUGGEST_CHARS: usize = 64;
/// Names compared for one suggestion.
pub const MAX_SUGGEST_CANDIDATES: usize = 5_000;
/// Unknown names in one file that get a suggestion.
pub const MAX_SUGGESTIONS: usize = 20;
/// Findings reported for one file.
pub const MAX_DIAGNOSTICS: usize = 100;

/// The limits of one kind of file.
#[derive(Debug, Clone, Copy)]
pub struct FileLimits {
    /// What the file is, for messages: "a questionnaire", "an answers file".
    pub what: &'static str,
    pub bytes: usize,
    pub tokens: usize,
    pub string: usize,
    pub array: usize,
    pub nesting: usize,
}

pub const QUESTIONNAIRE: FileLimits = FileLimits {
    what: "a questionnaire",
    bytes: MAX_QUESTIONNAIRE_BYTES,
    tokens: MAX_TOKENS,
    string: MAX_STRING_BYTES,
    array: MAX_ARRAY_ITEMS,
    nesting: MAX_NESTING,
};

pub const FHIR: FileLimits = FileLimits {
    what: "a FHIR file",
    string: MAX_FHIR_STRING_BYTES,
    ..QUESTIONNAIRE
};

pub const ANSWERS: FileLimits = FileLimits {
    what: "an answers file",
    bytes: MAX_ANSWERS_BYTES,
    tokens: 100_000,
    string: MAX_STRING_BYTES,
    array: MAX_ANSWERS,
    nesting: 16,
};

pub const CONFIG: FileLimits = FileLimits {
    what: "a clinic config file",
    bytes: MAX_CONFIG_BYTES,
    tokens: 20_000,
    string: 4 * KIB,
    array: 256,
    nesting: 8,
};

pub const SCENARIOS: FileLimits = FileLimits {
    what: "a scenario file",
    bytes: MAX_SCENARIO_BYTES,
    ..QUESTIONNAIRE
};

/// "1.5 MiB", "12.0 KiB", "300 bytes".
// Shown to one decimal: f64's 52-bit mantissa is far more than the display keeps.
#[allow(clippy::cast_precision_loss)]
pub fn size(n: usize) -> String {
    if n >= MIB {
        format!("{:.1} MiB", n as f64 / MIB as f64)
    } else if n >= KIB {
        format!("{:.1} KiB", n as f64 / KIB as f64)
    } else {
        format!("{n} bytes")
    }
}

/// At most `max` characters of `s`, with how long it really was when cut: for echoing words
/// from a file in messages.
pub fn shorten(s: &str, max: usize) -> String {
    match s.char_indices().nth(max) {
        None => s.to_owned(),
        Some((cut, _)) => format!("{}... ({} characters)", &s[..cut], s.chars().count()),
    }
}

/// The candidate closest to `word` (Jaro-Winkler over 0.8), bounded: nothing for a word longer
/// than any id can be, and at most [`MAX_SUGGEST_CANDIDATES`] names compared.
pub fn did_you_mean<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    if word.chars().nth(MAX_SUGGEST_CHARS).is_some() {
        return None;
    }
    candidates
        .into_iter()
        .filter(|c| c.chars().nth(MAX_SUGGEST_CHARS).is_none())
        .take(MAX_SUGGEST_CANDIDATES)
        .map(|c| (strsim::jaro_winkler(word, c), c))
        .filter(|(score, _)| *score > 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, c)| c)
}

fn limit_error(message: String, span: Range<usize>, label: &str, help: &str) -> Diagnostic {
    Diagnostic::error(message)
        .at(span, label)
        .help(help.to_owned())
}

/// The file as a whole is over its size limit (reported at 1:1).
fn too_big(l: &FileLimits, len: usize) -> Diagnostic {
    limit_error(
        format!(
            "the file is {}; {} may be at most {}",
            size(len),
            l.what,
            size(l.bytes)
        ),
        0..0,
        "too large",
        "split it, or remove what is not needed; the limits are in docs/questionnaire-format.md",
    )
}

fn too_many_tokens(l: &FileLimits, at: Range<usize>) -> Diagnostic {
    limit_error(
        format!(
            "too many values and separators: {} may have at most {}",
            l.what, l.tokens
        ),
        at,
        "the limit is passed here",
        "this file is far larger than any real one; the limits are in docs/questionnaire-format.md",
    )
}

/// Size and token count of a TOML text, before it is parsed: the tokens are counted by
/// `toml_parser`'s lexer, which allocates nothing. An error points where the limit is passed.
pub fn toml_prescan(src: &str, l: &FileLimits) -> Result<(), Box<Diagnostic>> {
    if src.len() > l.bytes {
        return Err(Box::new(too_big(l, src.len())));
    }
    let source = toml_parser::Source::new(src);
    for (n, token) in source.lex().enumerate() {
        if n >= l.tokens {
            let s = token.span();
            return Err(Box::new(too_many_tokens(l, s.start()..s.end())));
        }
    }
    Ok(())
}

/// Checks a parsed TOML document: string (and key) lengths, array sizes, nesting. Walks with an
/// explicit stack, so no depth of nesting can overflow it.
pub fn toml_tree(root: &toml::Spanned<toml::de::DeTable<'_>>, l: &FileLimits) -> Vec<Diagnostic> {
    use toml::de::DeValue;
    let mut out = Vec::new();
    let mut stack: Vec<(&toml::Spanned<DeValue<'_>>, usize)> = Vec::new();
    push_table(root.get_ref(), 0, l, &mut out, &mut stack);
    while let Some((v, depth)) = stack.pop() {
        if out.len() >= MAX_DIAGNOSTICS {
            break;
        }
        if depth > l.nesting {
            out.push(limit_error(
                format!(
                    "nested too deeply: {} may nest tables and lists {} levels",
                    l.what, l.nesting
                ),
                v.span().start..v.span().start + 1,
                "too deep",
                "flatten the structure",
            ));
            continue;
        }
        match v.get_ref() {
            DeValue::String(s) if s.len() > l.string => {
                out.push(string_error(l, v.span(), s.len()));
            }
            DeValue::Array(a) => {
                if a.len() > l.array {
                    let at = a
                        .get(l.array)
                        .map_or(v.span(), |e| e.span().start..e.span().start + 1);
                    out.push(limit_error(
                        format!(
                            "this list has {} entries; {} may have at most {} in one list",
                            a.len(),
                            l.what,
                            l.array
                        ),
                        at,
                        "the limit is passed here",
                        "split it; the limits are in docs/questionnaire-format.md",
                    ));
                    continue;
                }
                for e in a.iter().rev() {
                    stack.push((e, depth + 1));
                }
            }
            DeValue::Table(t) => push_table(t, depth, l, &mut out, &mut stack),
            _ => {}
        }
    }
    out
}

/// Checks a table's keys and puts its values on the walk's stack (in order).
fn push_table<'a, 'i>(
    t: &'a toml::de::DeTable<'i>,
    depth: usize,
    l: &FileLimits,
    out: &mut Vec<Diagnostic>,
    stack: &mut Vec<(&'a toml::Spanned<toml::de::DeValue<'i>>, usize)>,
) {
    let from = stack.len();
    for (k, v) in t {
        if k.get_ref().len() > l.string {
            out.push(string_error(l, k.span(), k.get_ref().len()));
        }
        stack.push((v, depth + 1));
    }
    if let Some(pushed) = stack.get_mut(from..) {
        pushed.reverse();
    }
}

/// A text of `len` bytes (at `span`) is over the limit.
fn string_error(l: &FileLimits, span: Range<usize>, len: usize) -> Diagnostic {
    limit_error(
        format!(
            "this text is {}; a text in {} may be at most {}",
            size(len),
            l.what,
            size(l.string)
        ),
        span.start..(span.start + 1),
        "too long",
        "shorten it; the limits are in docs/questionnaire-format.md",
    )
}

/// What a JSON text holds, learned in one pass that allocates only for its result.
#[derive(Debug, Default)]
pub struct JsonShape<'s> {
    /// The first place each object key appears (the quoted key, quotes included), by its raw
    /// text: lets a caller point at `"a_dob":` without searching the file once per key.
    pub keys: HashMap<&'s str, Range<usize>>,
}

/// One open array or object while scanning.
struct Frame<'s> {
    array: bool,
    start: usize,
    /// Entries so far (array elements, object members).
    entries: usize,
    /// The object key being read (objects only).
    key: Option<&'s str>,
}

/// Size, tokens, string lengths, array sizes and nesting of a JSON text, before serde_json reads
/// it (whose memory per value is far larger than the text). An error has the place (a span, so
/// `file:line:col`) and the JSON path in its message. The text needs not be valid JSON: what
/// is malformed is left to serde_json's message.
pub fn json_prescan<'s>(src: &'s str, l: &FileLimits) -> Result<JsonShape<'s>, Box<Diagnostic>> {
    if src.len() > l.bytes {
        return Err(Box::new(too_big(l, src.len())));
    }
    let b = src.as_bytes();
    let mut shape = JsonShape::default();
    let mut stack: Vec<Frame<'s>> = Vec::new();
    let mut tokens = 0usize;
    let mut i = 0;
    let fail = |stack: &[Frame<'s>], d: Diagnostic| Err(Box::new(with_path(d, stack)));
    while let Some(&c) = b.get(i) {
        match c {
            b'"' => {
                let start = i;
                i += 1;
                while let Some(&ch) = b.get(i)
                    && ch != b'"'
                {
                    i += if ch == b'\\' { 2 } else { 1 };
                }
                let end = (i + 1).min(b.len());
                let len = end.saturating_sub(start + 2);
                if len > l.string {
                    return fail(&stack, string_error(l, start..end, len));
                }
                // A key: a string directly followed by `:` inside an object.
                let after = src[end..].trim_start();
                if after.starts_with(':')
                    && let Some(f) = stack.last_mut()
                    && !f.array
                {
                    let raw = src.get(start + 1..end.saturating_sub(1)).unwrap_or("");
                    f.key = Some(raw);
                    shape.keys.entry(raw).or_insert(start..end);
                }
                tokens += 1;
                i = end;
                continue;
            }
            b'{' | b'[' => {
                tokens += 1;
                if stack.len() >= l.nesting {
                    return fail(
                        &stack,
                        limit_error(
                            format!(
                                "nested too deeply: {} may nest objects and lists {} levels",
                                l.what, l.nesting
                            ),
                            i..i + 1,
                            "too deep",
                            "flatten the structure",
                        ),
                    );
                }
                stack.push(Frame {
                    array: c == b'[',
                    start: i,
                    entries: 0,
                    key: None,
                });
            }
            b'}' | b']' => {
                tokens += 1;
                stack.pop();
            }
            b',' => {
                tokens += 1;
                if let Some(f) = stack.last_mut() {
                    f.entries += 1;
                    f.key = None;
                    if f.array && f.entries >= l.array {
                        let start = f.start;
                        return fail(
                            &stack,
                            limit_error(
                                format!(
                                    "this list has more than {} entries; {} may have at most {} in one list",
                                    l.array, l.what, l.array
                                ),
                                start..start + 1,
                                "this list",
                                "split it; the limits are in docs/questionnaire-format.md",
                            ),
                        );
                    }
                }
            }
            b':' => tokens += 1,
            _ => {}
        }
        if tokens > l.tokens {
            return fail(&stack, too_many_tokens(l, i..i + 1));
        }
        i += 1;
    }
    Ok(shape)
}

/// Adds the JSON path of the innermost open value (`item[3].text`) to a limit's message.
fn with_path(mut d: Diagnostic, stack: &[Frame<'_>]) -> Diagnostic {
    let mut path = String::new();
    for f in stack {
        if f.array {
            let _ = write!(path, "[{}]", f.entries);
        } else if let Some(k) = f.key {
            if !path.is_empty() {
                path.push('.');
            }
            path.push_str(&shorten(k, MAX_SUGGEST_CHARS));
        }
    }
    if path.is_empty() {
        path.push('$');
    }
    d.message = format!("{} (at {})", d.message, crate::text::escape(&path));
    d.path = Some(path);
    d
}

/// Keeps the first [`MAX_DIAGNOSTICS`] findings and says how many more were left out.
pub fn cap_diagnostics(diags: &mut Vec<Diagnostic>) {
    if diags.len() > MAX_DIAGNOSTICS {
        let more = diags.len() - MAX_DIAGNOSTICS;
        let errors = diags.iter().any(Diagnostic::is_error);
        diags.truncate(MAX_DIAGNOSTICS);
        let d = if errors {
            Diagnostic::error(format!(
                "{more} more findings are not shown: fix these first and check again"
            ))
        } else {
            Diagnostic::warning(format!("{more} more warnings are not shown"))
        };
        diags.push(d);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Words are cut with their real length; suggestions skip words no id can match.
    #[test]
    fn shorten_and_suggest() {
        assert_eq!(shorten("abc", 5), "abc");
        assert_eq!(shorten("abcdef", 3), "abc... (6 characters)");
        assert_eq!(
            did_you_mean("c_fals", ["c_falls", "b_areas"]),
            Some("c_falls")
        );
        let huge = "c".repeat(5_000_000);
        assert_eq!(did_you_mean(&huge, ["c_falls"]), None);
    }

    /// The JSON scan finds each limit with its path, and the first place of every key.
    #[test]
    fn json_limits_have_paths() {
        let l = FileLimits {
            what: "a test file",
            bytes: 1000,
            tokens: 200,
            string: 8,
            array: 3,
            nesting: 3,
        };
        let ok = json_prescan(r#"{"a": {"b": [1, 2]}, "c": "x"}"#, &l).expect("fine");
        assert_eq!(ok.keys.get("c"), Some(&(21..24)));
        let e = json_prescan(r#"{"a": {"b": "far too long"}}"#, &l).expect_err("string");
        assert_eq!(e.path.as_deref(), Some("a.b"));
        let e = json_prescan(r#"{"item": [1, 2, 3, 4]}"#, &l).expect_err("array");
        assert_eq!(e.path.as_deref(), Some("item[3]"));
        let e = json_prescan(r"[[[[1]]]]", &l).expect_err("depth");
        assert!(e.message.contains("nested too deeply"), "{}", e.message);
        let e = json_prescan(&"x".repeat(2000), &l).expect_err("size");
        assert_eq!(e.span, Some(0..0));
        let wide = FileLimits { array: 1000, ..l };
        let e = json_prescan(&format!("[{}]", "[],".repeat(150)), &wide).expect_err("tokens");
        assert!(e.message.contains("at most 200"), "{}", e.message);
    }

    /// The TOML scan counts tokens without parsing; the tree walk finds long strings, big
    /// lists and deep nesting with their spans.
    #[test]
    fn toml_limits_have_spans() {
        let l = FileLimits {
            what: "a test file",
            bytes: 1000,
            tokens: 50,
            string: 8,
            array: 3,
            nesting: 3,
        };
        assert!(toml_prescan("a = 1\n", &l).is_ok());
        let e = toml_prescan(&"a = [1,2,3]\n".repeat(20), &l).expect_err("tokens");
        assert!(e.span.is_some_and(|s| s.start > 0));
        let src = "s = \"far too long\"\nxs = [1, 2, 3, 4]\nd = [[[[1]]]]\n";
        let t = toml::de::DeTable::parse(src).expect("toml");
        let found = toml_tree(&t, &l);
        assert_eq!(found.len(), 3, "{found:#?}");
        assert!(found.iter().all(|d| d.span.is_some()));
    }
}
