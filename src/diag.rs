//! Diagnostics for authors: what is wrong, where (file:line:col with a caret under the span), and
//! how to fix it. Rendering goes through annotate-snippets, as rustc and cargo do. It must not
//! print anything from a file without masking terminal controls first.

use std::fmt::Write as _;
use std::ops::Range;

use annotate_snippets::{AnnotationKind, Group, Level, Renderer, Snippet};

use crate::text;

/// How serious a finding is: errors fail `triage check`, warnings only print.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    Warning,
    Error,
}

/// One finding about one place in a file.
#[derive(Debug, Clone, PartialEq)]
pub struct Diagnostic {
    pub severity: Severity,
    pub message: String,
    /// Byte range in the file; `None` when the finding is about the file as a whole.
    pub span: Option<Range<usize>>,
    /// Short text printed under the caret.
    pub label: String,
    /// How to fix it.
    pub help: Option<String>,
    /// Where in a JSON document (FHIR files), when spans are not available.
    pub path: Option<String>,
}

impl Diagnostic {
    pub fn error(message: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Error,
            message: message.into(),
            span: None,
            label: String::new(),
            help: None,
            path: None,
        }
    }

    pub fn warning(message: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Warning,
            ..Diagnostic::error(message)
        }
    }

    #[must_use]
    pub fn at(mut self, span: Range<usize>, label: impl Into<String>) -> Self {
        self.span = Some(span);
        self.label = label.into();
        self
    }

    #[must_use]
    pub fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    #[must_use]
    pub fn json_path(mut self, path: impl Into<String>) -> Self {
        self.path = Some(path.into());
        self
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

/// Line and column (both from 1, column in characters) of a byte offset.
pub fn line_col(source: &str, offset: usize) -> (usize, usize) {
    let offset = floor_char_boundary(source, offset.min(source.len()));
    let before = &source[..offset];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let col = source[line_start..offset].chars().count() + 1;
    (line, col)
}

fn floor_char_boundary(s: &str, mut i: usize) -> usize {
    while i > 0 && !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// Renders findings for one file. `color` adds ANSI styling (for a terminal).
pub fn render(path: &str, source: &str, diags: &[Diagnostic], color: bool) -> String {
    let source = text::mask_same_len(source);
    let path = text::escape(path);
    let renderer = if color {
        Renderer::styled()
    } else {
        Renderer::plain()
    };
    let mut out = String::new();
    for d in diags {
        let level = match d.severity {
            Severity::Error => Level::ERROR,
            Severity::Warning => Level::WARNING,
        };
        let mut message = text::escape(&d.message);
        let label = text::escape(&d.label);
        let help = d.help.as_deref().map(text::escape);
        let mut report: Vec<Group<'_>> = Vec::new();
        if let Some(span) = &d.span {
            // Only the lines of the span (at most a few kB of them) go to the renderer,
            // numbered as in the file: rendering costs the same in a 10-line file and an
            // 8 MiB one, and a huge line is cut, not printed whole.
            let start = floor_char_boundary(&source, span.start.min(source.len()));
            let end = floor_char_boundary(&source, span.end.min(source.len())).max(start);
            let (window, offset, line) = excerpt(&source, start, end);
            if offset > 0 && !source[..offset].ends_with('\n') {
                // The line was cut before the span: the renderer's column would be off.
                let (l, c) = line_col(&source, span.start);
                message = format!("{message} (line {l}, column {c})");
            }
            let (start, end) = (start - offset, (end - offset).min(window.len()));
            report.push(
                level.primary_title(message.as_str()).element(
                    Snippet::source(window)
                        .line_start(line)
                        .path(path.as_str())
                        .fold(true)
                        .annotation(
                            AnnotationKind::Primary
                                .span(start..end)
                                .label(label.as_str()),
                        ),
                ),
            );
        } else {
            let title = match &d.path {
                Some(p) => format!("{message}\n  --> {path} at {}", text::escape(p)),
                None => format!("{message}\n  --> {path}"),
            };
            report.push(Group::with_title(level.primary_title(title)));
        }
        if let Some(h) = &help {
            report.push(Group::with_title(Level::HELP.secondary_title(h.as_str())));
        }
        let _ = writeln!(out, "{}\n", renderer.render(&report));
    }
    out
}

/// The lines holding `start..end` (cut to at most 2 kB either side), where they start in
/// `source`, and the line number of the first.
fn excerpt(source: &str, start: usize, end: usize) -> (&str, usize, usize) {
    const AROUND: usize = 2048;
    let line_start = source[..start].rfind('\n').map_or(0, |i| i + 1);
    let from = floor_char_boundary(source, line_start.max(start.saturating_sub(AROUND)));
    let line_end = source[end..].find('\n').map_or(source.len(), |i| end + i);
    let to = floor_char_boundary(source, line_end.min(end.saturating_add(AROUND))).max(end);
    let line = source[..from].matches('\n').count() + 1;
    (&source[from..to], from, line)
}

/// Renders findings for a file that holds health data (an answers file): the place
/// (`file:line:col`), the message and the help, but never the file's lines, so that a mistake in
/// one answer does not print the patient's other answers on a terminal or into a log.
pub fn render_private(path: &str, source: &str, diags: &[Diagnostic]) -> String {
    let mut out = String::new();
    for d in diags {
        out.push_str(&render_short(path, source, d));
        out.push('\n');
        if let Some(h) = &d.help {
            let _ = writeln!(out, "  help: {}", text::escape(h));
        }
        out.push('\n');
    }
    out
}

/// One line per finding, `file:line:col: severity: message`, for logs and tests.
pub fn render_short(path: &str, source: &str, d: &Diagnostic) -> String {
    let sev = match d.severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
    };
    let place = match (&d.span, &d.path) {
        (Some(s), _) => {
            let (l, c) = line_col(source, s.start);
            format!("{path}:{l}:{c}")
        }
        (None, Some(p)) => format!("{path} at {p}"),
        (None, None) => path.to_owned(),
    };
    text::escape(&format!("{place}: {sev}: {}", d.message))
}

/// A JSON syntax error (serde_json) as a diagnostic at its place, the message opening with
/// `what` ("JSON", "answers file"). serde_json's own place is kept, except for a lone
/// surrogate escape (`\\uD800`-`\\uDFFF` not in a pair): serde_json calls every one "leading"
/// and points past it, so the escape itself is found, named for what it is (a leading one with
/// no trailing one after it, or a trailing one with no leading one before it) and pointed at.
pub fn json_syntax(src: &str, e: &serde_json::Error, what: &str) -> Diagnostic {
    let mut offset = src
        .split_inclusive('\n')
        .take(e.line().saturating_sub(1))
        .map(str::len)
        .sum::<usize>()
        + e.column().saturating_sub(1);
    offset = offset.min(src.len());
    let full = e.to_string();
    // The place is the diagnostic's own; serde_json's " at line L column C" is dropped.
    let mut message = match full.rfind(" at line ") {
        Some(i) => full[..i].to_owned(),
        None => full,
    };
    if (message.contains("surrogate") || message.contains("hex escape"))
        && let Some((at, unit)) = surrogate_before(src, offset)
    {
        offset = at;
        message = if (0xDC00..=0xDFFF).contains(&unit) {
            format!(
                "a lone trailing surrogate \\u{unit:04X}: a trailing surrogate (\\uDC00-\\uDFFF) must follow a leading one (\\uD800-\\uDBFF)"
            )
        } else {
            format!(
                "a lone leading surrogate \\u{unit:04X}: a leading surrogate (\\uD800-\\uDBFF) must be followed by a trailing one (\\uDC00-\\uDFFF)"
            )
        };
    }
    Diagnostic::error(format!("{what}: {message}"))
        .at(offset..(offset + 1).min(src.len()).max(offset), "here")
}

/// The lone surrogate escape (`\\uXXXX`) a JSON error at `offset` is about: the last one
/// starting at or before `offset` (within a few escapes of it), or the leading one just before
/// it when that one is also leading (it is the one left without its pair). Its byte offset and
/// code unit.
fn surrogate_before(src: &str, offset: usize) -> Option<(usize, u32)> {
    let bytes = src.as_bytes();
    let unit_at = |i: usize| -> Option<u32> {
        if bytes.get(i) != Some(&b'\\') || bytes.get(i + 1) != Some(&b'u') {
            return None;
        }
        let hex = std::str::from_utf8(bytes.get(i + 2..i + 6)?).ok()?;
        let unit = u32::from_str_radix(hex, 16).ok()?;
        (0xD800..=0xDFFF).contains(&unit).then_some(unit)
    };
    let from = offset.saturating_sub(16);
    let (i, unit) = (from..=offset.min(bytes.len()))
        .rev()
        .find_map(|i| unit_at(i).map(|u| (i, u)))?;
    let leading = |u: u32| (0xD800..=0xDBFF).contains(&u);
    match i.checked_sub(6).and_then(|p| unit_at(p).map(|u| (p, u))) {
        Some((p, u)) if leading(u) && leading(unit) => Some((p, u)),
        _ => Some((i, unit)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Line and column count from one, columns in characters not bytes.
    #[test]
    fn line_col_counts_characters() {
        let s = "ab\nçd = x\n";
        assert_eq!(line_col(s, 0), (1, 1));
        assert_eq!(line_col(s, 3), (2, 1));
        assert_eq!(line_col(s, 6), (2, 3));
    }

    /// A rendered finding names the file, line and column and shows a caret line.
    #[test]
    fn render_points_at_the_span() {
        let src = "[questionnaire]\nid = 5\n";
        let d = Diagnostic::error("bad id")
            .at(21..22, "not a string")
            .help("quote it");
        let out = render("q.toml", src, &[d], false);
        assert!(out.contains("q.toml:2:6"), "{out}");
        assert!(out.contains("^ not a string"), "{out}");
        assert!(out.contains("help: quote it"), "{out}");
    }

    /// Control characters in a file never reach the terminal through a diagnostic.
    #[test]
    fn render_masks_controls() {
        let src = "title = \"\u{1b}]0;x\u{7}\"\n";
        let d = Diagnostic::error("x").at(0..5, "here");
        let out = render("q.toml", src, &[d], false);
        assert!(!out.contains('\u{1b}'));
    }
}
