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

    pub fn at(mut self, span: Range<usize>, label: impl Into<String>) -> Self {
        self.span = Some(span);
        self.label = label.into();
        self
    }

    pub fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

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
        let message = text::escape(&d.message);
        let label = text::escape(&d.label);
        let help = d.help.as_deref().map(text::escape);
        let mut report: Vec<Group<'_>> = Vec::new();
        match &d.span {
            Some(span) => {
                let start = floor_char_boundary(&source, span.start.min(source.len()));
                let end = floor_char_boundary(&source, span.end.min(source.len())).max(start);
                report.push(
                    level.primary_title(message.as_str()).element(
                        Snippet::source(source.as_str())
                            .path(path.as_str())
                            .fold(true)
                            .annotation(
                                AnnotationKind::Primary
                                    .span(start..end)
                                    .label(label.as_str()),
                            ),
                    ),
                );
            }
            None => {
                let title = match &d.path {
                    Some(p) => format!("{message}\n  --> {path} at {}", text::escape(p)),
                    None => format!("{message}\n  --> {path}"),
                };
                report.push(Group::with_title(level.primary_title(title)));
            }
        }
        if let Some(h) = &help {
            report.push(Group::with_title(Level::HELP.secondary_title(h.as_str())));
        }
        let _ = writeln!(out, "{}\n", renderer.render(&report));
    }
    out
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
            out.push_str(&format!("  help: {}\n", text::escape(h)));
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
