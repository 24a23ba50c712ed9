//! The one sanitizer for untrusted text: typed answers, pasted text, questionnaire files and stored
//! records pass through here on the way in, and everything printed is escaped on the way out.
//! It must not drop real letters of any script (accents, Arabic, Hebrew, CJK stay as they are).

use std::fmt::Write as _;

/// Whether `c` may never reach a terminal, printer or log as it is: C0 controls (but newline),
/// DEL, C1 controls, bidi marks, embeddings, overrides and isolates (LRM, RLM, ALM, U+202A-E,
/// U+2066-9), the line and paragraph separators, and invisible characters that can hide or
/// disguise text: zero-width space, word joiner and the invisible operators (U+2060-4), the
/// deprecated format controls (U+206A-F), soft hyphen, combining grapheme joiner, the BOM, the
/// interlinear annotation controls (U+FFF9-B), the Mongolian vowel separator, and the TAG
/// characters (U+E0000-7F: "Alex" plus tags looks like "Alex" but carries hidden text). ZWJ and
/// ZWNJ are kept: scripts such as Persian and Devanagari, and emoji, need them.
pub fn is_unsafe(c: char) -> bool {
    matches!(c,
        '\u{0}'..='\u{8}' | '\u{b}'..='\u{1f}' | '\u{7f}'..='\u{9f}'
        | '\u{ad}' | '\u{34f}' | '\u{61c}' | '\u{180e}'
        | '\u{200b}' | '\u{200e}' | '\u{200f}' | '\u{2028}' | '\u{2029}'
        | '\u{202a}'..='\u{202e}' | '\u{2060}'..='\u{2064}' | '\u{2066}'..='\u{206f}'
        | '\u{feff}' | '\u{fff9}'..='\u{fffb}' | '\u{e0000}'..='\u{e007f}'
    )
}

/// Cleans text on the way in. Tabs become a space; every line break (LF, CRLF, a lone CR as
/// some terminals paste, NEL, U+2028/U+2029) becomes one `\n`; every other unsafe character is
/// removed.
///
/// Zero-width joiners and non-joiners (U+200D, U+200C) are kept where they join: between two
/// visible characters, as in emoji sequences (👩‍⚕️) and in scripts that need them (Persian,
/// Indic conjuncts). A stray one (at the start or end, or beside a space or line break) joins
/// nothing and could leave a stray cell on a screen: it is removed like the unsafe characters.
pub fn clean(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\u{200c}' | '\u{200d}' => {
                let joins = |x: Option<char>| {
                    x.is_some_and(|x| !x.is_whitespace() && !is_unsafe(x) && !is_joiner(x))
                };
                if joins(out.chars().next_back()) && joins(chars.peek().copied()) {
                    out.push(c);
                }
            }
            '\t' => out.push(' '),
            '\r' => {
                if chars.peek() == Some(&'\n') {
                    chars.next();
                }
                out.push('\n');
            }
            '\u{85}' | '\u{2028}' | '\u{2029}' => out.push('\n'),
            c if is_unsafe(c) => {}
            c => out.push(c),
        }
    }
    out
}

fn is_joiner(c: char) -> bool {
    matches!(c, '\u{200c}' | '\u{200d}')
}

/// Whether [`clean`] would remove something from `s` (an unsafe character, a stray joiner, a
/// line separator), beyond making line ends and tabs plain: for warnings to authors.
pub fn needs_cleaning(s: &str) -> bool {
    let plain = s.replace("\r\n", "\n").replace('\t', " ");
    clean(s) != plain
}

/// Cleans one line of text on the way in: as [`clean`], with each line break turned into one
/// space ("Aspirin 75mg⏎Metformin" pasted is "Aspirin 75mg Metformin", whatever the line end).
pub fn clean_line(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut last_break = false;
    for c in clean(s).chars() {
        if c == '\n' {
            // A run of line breaks (a blank line, or a terminal that sends CR and LF
            // separately) is one space too.
            if !last_break {
                out.push(' ');
            }
            last_break = true;
        } else {
            out.push(c);
            last_break = false;
        }
    }
    out
}

/// Whether text has nothing a reader would see: only whitespace, zero-width and format
/// characters (zero-width space and joiners, word joiner, soft hyphen, marks, tags), blank
/// fillers (Hangul fillers, braille blank) and combining marks with nothing to combine with. Such
/// an answer is no answer: "required" is not met by it.
pub fn is_blank(s: &str) -> bool {
    use unicode_width::UnicodeWidthChar;
    s.chars().all(|c| {
        c.is_whitespace()
            || c.is_control()
            || is_unsafe(c)
            || matches!(
                c,
                '\u{115f}' | '\u{1160}' | '\u{3164}' | '\u{ffa0}' | '\u{2800}' | '\u{ad}'
                    | '\u{34f}' | '\u{200b}'..='\u{200f}' | '\u{2060}'..='\u{206f}'
                    | '\u{fe00}'..='\u{fe0f}' | '\u{fff9}'..='\u{fffb}'
                    | '\u{e0000}'..='\u{e007f}' | '\u{e0100}'..='\u{e01ef}'
            )
            || c.width() == Some(0)
    })
}

/// Escapes text on the way out so that nothing left in it acts on a terminal: every unsafe
/// character is shown as `\u{..}`. Newlines are kept.
pub fn escape(s: &str) -> String {
    if !s.chars().any(|c| is_unsafe(c) || c == '\t') {
        return s.to_owned();
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        // A tab would move columns on a page or in a list: shown, never acted on.
        if is_unsafe(c) || c == '\t' {
            let _ = write!(out, "\\u{{{:x}}}", c as u32);
        } else {
            out.push(c);
        }
    }
    out
}

/// Text as one line of a page or a list: line breaks become spaces (a newline in an answer must
/// never add a line, such as a forged "NO FLAGS" above the real banner).
pub fn one_line(s: &str) -> String {
    if s.contains(['\n', '\r']) {
        s.replace("\r\n", " ").replace(['\n', '\r'], " ")
    } else {
        s.to_owned()
    }
}

/// `s` padded with spaces (or cut, ending in "…") to exactly `width` terminal columns: columns of
/// a list line up by what the eye sees, whatever the script or the width of its spaces.
pub fn pad_to(s: &str, width: usize) -> String {
    use unicode_width::UnicodeWidthStr;
    let s = one_line(s);
    if s.width() <= width {
        return format!("{s}{}", " ".repeat(width - s.width()));
    }
    let mut out = String::new();
    for ch in s.chars() {
        if out.width() + UnicodeWidthStr::width(ch.to_string().as_str()) + 1 > width {
            break;
        }
        out.push(ch);
    }
    out.push('…');
    let w = out.width();
    out.push_str(&" ".repeat(width.saturating_sub(w)));
    out
}

/// JSON for people and other programs, from serde values: pretty, with every character that
/// [`is_unsafe`] (or a tab) written as a `\uXXXX` escape. It stays valid JSON, and no terminal,
/// printer or log can act on it. JSON is never post-processed as text.
pub fn json_pretty<T: serde::Serialize + ?Sized>(v: &T) -> serde_json::Result<String> {
    let mut out = Vec::new();
    let mut ser = serde_json::Serializer::with_formatter(
        &mut out,
        SafeFormatter(serde_json::ser::PrettyFormatter::new()),
    );
    v.serialize(&mut ser)?;
    Ok(String::from_utf8_lossy(&out).into_owned())
}

/// As [`json_pretty`], on one line (stored summaries, spool files read by programs).
pub fn json_compact<T: serde::Serialize + ?Sized>(v: &T) -> serde_json::Result<String> {
    let mut out = Vec::new();
    let mut ser = serde_json::Serializer::with_formatter(
        &mut out,
        SafeFormatter(serde_json::ser::CompactFormatter),
    );
    v.serialize(&mut ser)?;
    Ok(String::from_utf8_lossy(&out).into_owned())
}

/// A serde_json formatter that escapes unsafe characters inside strings as `\uXXXX` (UTF-16
/// surrogate pairs above U+FFFF) and otherwise does what the formatter it wraps does.
struct SafeFormatter<F>(F);

impl<F: serde_json::ser::Formatter> serde_json::ser::Formatter for SafeFormatter<F> {
    // `start` and `i` are char boundaries from `char_indices`, `start <= i <= len`.
    #[allow(clippy::indexing_slicing)]
    fn write_string_fragment<W: ?Sized + std::io::Write>(
        &mut self,
        writer: &mut W,
        fragment: &str,
    ) -> std::io::Result<()> {
        let mut start = 0;
        for (i, c) in fragment.char_indices() {
            if is_unsafe(c) || c == '\t' {
                writer.write_all(&fragment.as_bytes()[start..i])?;
                let mut units = [0u16; 2];
                for u in c.encode_utf16(&mut units) {
                    write!(writer, "\\u{u:04x}")?;
                }
                start = i + c.len_utf8();
            }
        }
        writer.write_all(&fragment.as_bytes()[start..])
    }
    fn begin_array<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.begin_array(w)
    }
    fn end_array<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.end_array(w)
    }
    fn begin_array_value<W: ?Sized + std::io::Write>(
        &mut self,
        w: &mut W,
        first: bool,
    ) -> std::io::Result<()> {
        self.0.begin_array_value(w, first)
    }
    fn end_array_value<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.end_array_value(w)
    }
    fn begin_object<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.begin_object(w)
    }
    fn end_object<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.end_object(w)
    }
    fn begin_object_key<W: ?Sized + std::io::Write>(
        &mut self,
        w: &mut W,
        first: bool,
    ) -> std::io::Result<()> {
        self.0.begin_object_key(w, first)
    }
    fn end_object_key<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.end_object_key(w)
    }
    fn begin_object_value<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.begin_object_value(w)
    }
    fn end_object_value<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.end_object_value(w)
    }
}

/// Replaces every unsafe character with `?` repeated to the same UTF-8 length, so byte offsets
/// into the text (for diagnostics) stay valid while nothing dangerous is printed.
pub fn mask_same_len(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if is_unsafe(c) || c == '\t' || c == '\r' {
            for _ in 0..c.len_utf8() {
                out.push(if c == '\t' { ' ' } else { '?' });
            }
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Invisible-only text is blank; any visible letter, digit or mark with its base is not.
    #[test]
    fn blank_means_nothing_visible() {
        for blank in [
            "",
            "   ",
            "\u{200d}",
            "\u{200b}\u{200c}",
            "\u{3164}",
            "\u{115f}\u{1160}",
            "\u{2800}",
            "\u{301}",
            " \u{301}\u{308} ",
            "\u{ad}",
            "\u{2060}",
            "\u{feff}",
            "\u{e0041}\u{e0042}",
            "\u{fe0f}",
            "\u{200e}\u{200f}",
            "\u{2028}",
        ] {
            assert!(is_blank(blank), "{blank:?}");
        }
        for real in ["a", "e\u{301}", "山", "٣", "-", ".", "\u{200d}a", "😀", "ñ"] {
            assert!(!is_blank(real), "{real:?}");
        }
    }

    /// JSON out escapes every unsafe character and a tab as `\uXXXX` (surrogate pairs above
    /// U+FFFF) and stays valid JSON that reads back to the same text.
    #[test]
    fn json_is_valid_and_escaped() {
        let v = serde_json::json!({ "name": "A\u{1b}[2J\u{9b}\u{202e}x\t\u{e0041}", "n": [1, 2] });
        for out in [json_pretty(&v).unwrap(), json_compact(&v).unwrap()] {
            assert!(!out.chars().any(|c| is_unsafe(c) || c == '\t'), "{out:?}");
            assert!(
                out.contains("\\u001b")
                    && out.contains("\\u009b")
                    && out.contains("\\udb40\\udc41"),
                "{out}"
            );
            let back: serde_json::Value = serde_json::from_str(&out).unwrap();
            assert_eq!(back, v);
        }
    }

    /// Columns line up by display width: wide and invisible characters cannot shift them.
    #[test]
    fn pad_by_display_width() {
        use unicode_width::UnicodeWidthStr;
        for s in [
            "Ann",
            "山田太郎",
            "Zoë",
            "\u{3000}\u{3000}",
            "a\nb",
            "a very long name indeed",
        ] {
            assert_eq!(pad_to(s, 10).width(), 10, "{s:?}");
        }
        assert_eq!(pad_to("a\nb", 5), "a b  ");
    }

    /// Each kind of line break pasted becomes one space in a one-line field.
    #[test]
    fn every_line_end_is_one_space() {
        for pasted in [
            "Aspirin 75mg\rMetformin 500mg",
            "Aspirin 75mg\nMetformin 500mg",
            "Aspirin 75mg\r\nMetformin 500mg",
            "Aspirin 75mg\u{2028}Metformin 500mg",
            "Aspirin 75mg\u{85}Metformin 500mg",
        ] {
            assert_eq!(
                clean_line(pasted),
                "Aspirin 75mg Metformin 500mg",
                "{pasted:?}"
            );
        }
        assert_eq!(clean("a\r\nb\rc\nd"), "a\nb\nc\nd");
        assert_eq!(clean_line("Anna Maria\r\r\nSchmidt"), "Anna Maria Schmidt");
        assert_eq!(clean_line("one\n\n\ntwo"), "one two");
    }

    /// Escape sequences an attacker could type are removed on the way in.
    #[test]
    fn clean_removes_terminal_controls() {
        let nasty = "a\u{1b}]0;pwned\u{7}b\u{9b}31mc\u{202e}d\u{200b}e";
        assert_eq!(clean(nasty), "a]0;pwnedb31mcde");
    }

    /// Letters of every script survive cleaning untouched, joiners that join among them
    /// (a Devanagari half form, a Persian non-joiner, an emoji sequence).
    #[test]
    fn clean_keeps_real_letters() {
        let s = "Zoë Ångström — محمد — שלום — 山田太郎 — नमस्ते क्\u{200d}ष — می\u{200c}خواهم — 👩\u{200d}⚕\u{fe0f}";
        assert_eq!(clean(s), s);
        assert!(!needs_cleaning(s));
    }

    /// A joiner that joins nothing (at either end, beside a space or a line break, doubled) is
    /// removed, and said to need cleaning.
    #[test]
    fn stray_joiners_are_removed() {
        for (dirty, plain) in [
            ("\u{200d}Welcome", "Welcome"),
            ("Welcome\u{200d}", "Welcome"),
            ("a \u{200d}b", "a b"),
            ("a\u{200c} b", "a b"),
            ("a\u{200d}\nb", "a\nb"),
        ] {
            assert_eq!(clean(dirty), plain, "{dirty:?}");
            assert!(needs_cleaning(dirty), "{dirty:?}");
        }
        assert!(!needs_cleaning("tab\there\r\n"));
    }

    /// Escaping makes control characters visible instead of active.
    #[test]
    fn escape_shows_controls() {
        assert_eq!(escape("x\u{1b}[2J"), "x\\u{1b}[2J");
        assert_eq!(escape("line\nnext"), "line\nnext");
    }

    /// Masking keeps byte length so diagnostic spans stay valid.
    #[test]
    fn mask_keeps_length() {
        let s = "a\u{1b}b\u{202e}c";
        let m = mask_same_len(s);
        assert_eq!(m.len(), s.len());
        assert!(!m.chars().any(is_unsafe));
    }
}
