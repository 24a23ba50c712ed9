//! The one sanitizer for untrusted text: typed answers, pasted text, questionnaire files and stored
//! records pass through here on the way in, and everything printed is escaped on the way out.
//! It must not drop real letters of any script (accents, Arabic, Hebrew, CJK stay as they are).

/// Whether `c` may never reach a terminal, printer or log as it is: C0 controls (but newline),
/// DEL, C1 controls, bidi embeddings/overrides/isolates, and invisible zero-width characters.
/// ZWJ and ZWNJ are kept: scripts such as Persian and Devanagari need them.
pub fn is_unsafe(c: char) -> bool {
    matches!(c,
        '\u{0}'..='\u{8}' | '\u{b}'..='\u{1f}' | '\u{7f}'..='\u{9f}'
        | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}'
        | '\u{200b}' | '\u{2060}' | '\u{feff}' | '\u{180e}' | '\u{061c}'
    )
}

/// Cleans text on the way in. Tabs become a space; every line break (LF, CRLF, a lone CR as
/// some terminals paste, NEL, U+2028/U+2029) becomes one `\n`; every other unsafe character is
/// removed.
pub fn clean(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
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

/// Cleans one line of text on the way in: as [`clean`], with each line break turned into one
/// space ("Aspirin 75mg⏎Metformin" pasted is "Aspirin 75mg Metformin", whatever the line end).
pub fn clean_line(s: &str) -> String {
    clean(s).replace('\n', " ")
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
    if !s.chars().any(is_unsafe) {
        return s.to_owned();
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if is_unsafe(c) {
            out.push_str(&format!("\\u{{{:x}}}", c as u32));
        } else {
            out.push(c);
        }
    }
    out
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
    }

    /// Escape sequences an attacker could type are removed on the way in.
    #[test]
    fn clean_removes_terminal_controls() {
        let nasty = "a\u{1b}]0;pwned\u{7}b\u{9b}31mc\u{202e}d\u{200b}e";
        assert_eq!(clean(nasty), "a]0;pwnedb31mcde");
    }

    /// Letters of every script survive cleaning untouched.
    #[test]
    fn clean_keeps_real_letters() {
        let s = "Zoë Ångström — محمد — שלום — 山田太郎 — नमस्ते\u{200d}";
        assert_eq!(clean(s), s);
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
