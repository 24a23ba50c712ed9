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

/// Cleans text on the way in. Tabs become a space, carriage returns are dropped (Windows line
/// ends), every other unsafe character is removed.
pub fn clean(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\t' => out.push(' '),
            '\r' => {}
            c if is_unsafe(c) => {}
            c => out.push(c),
        }
    }
    out
}

/// Cleans one line of text on the way in: as [`clean`], with newlines turned into spaces.
pub fn clean_line(s: &str) -> String {
    clean(s).replace('\n', " ")
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
