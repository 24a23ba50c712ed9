//! Maps byte offsets inside a decoded TOML string value back to byte offsets in the file, so an
//! error inside a condition string can put its caret under the exact characters, even through
//! escapes and multi-line strings.

use std::ops::Range;

/// Offsets of one string value. Falls back to the whole token when the raw text cannot be
/// matched to the decoded value.
pub struct StrMap {
    whole: Range<usize>,
    /// `map[i]` is the file offset of decoded byte `i`; one extra entry for the end.
    map: Option<Vec<usize>>,
}

impl StrMap {
    pub fn new(source: &str, token: Range<usize>, decoded: &str) -> StrMap {
        let map = source
            .get(token.clone())
            .and_then(|raw| build(raw, decoded))
            .map(|m| m.into_iter().map(|o| o + token.start).collect());
        StrMap { whole: token, map }
    }

    /// The file span of a span inside the decoded value.
    #[allow(
        clippy::indexing_slicing,
        reason = "the match guard checks `inner.start <= inner.end < m.len()`"
    )]
    pub fn span(&self, inner: Range<usize>) -> Range<usize> {
        match &self.map {
            Some(m) if inner.end < m.len() && inner.start <= inner.end => {
                m[inner.start]..m[inner.end].max(m[inner.start])
            }
            _ => self.whole.clone(),
        }
    }
}

fn build(raw: &str, decoded: &str) -> Option<Vec<usize>> {
    let (start, basic) = if raw.starts_with("'''") {
        (3, false)
    } else if raw.starts_with("\"\"\"") {
        (3, true)
    } else if raw.starts_with('\'') {
        (1, false)
    } else if raw.starts_with('"') {
        (1, true)
    } else {
        return None;
    };
    let mut pos = start;
    if start == 3 {
        if raw[pos..].starts_with("\r\n") {
            pos += 2;
        } else if raw[pos..].starts_with('\n') {
            pos += 1;
        }
    }
    let mut map = Vec::with_capacity(decoded.len() + 1);
    let rb = raw.as_bytes();
    for ch in decoded.chars() {
        // Line-ending backslashes in multi-line basic strings produce nothing: skip them.
        while basic
            && start == 3
            && rb.get(pos) == Some(&b'\\')
            && is_line_end_escape(&raw[pos + 1..])
        {
            pos += 1;
            while rb.get(pos).is_some_and(u8::is_ascii_whitespace) {
                pos += 1;
            }
        }
        let here = pos;
        if basic && rb.get(pos) == Some(&b'\\') {
            let len = match rb.get(pos + 1)? {
                b'u' => 6,
                b'U' => 10,
                b'x' => 4,
                _ => 2,
            };
            pos += len;
        } else {
            let rc = raw[pos..].chars().next()?;
            let same = rc == ch || (rc == '\r' && ch == '\n');
            if !same {
                return None;
            }
            pos += rc.len_utf8();
            if rc == '\r' && rb.get(pos) == Some(&b'\n') {
                pos += 1;
            }
        }
        for _ in 0..ch.len_utf8() {
            map.push(here);
        }
    }
    map.push(pos);
    Some(map)
}

fn is_line_end_escape(rest: &str) -> bool {
    let trimmed = rest.trim_start_matches([' ', '\t']);
    trimmed.starts_with('\n') || trimmed.starts_with("\r\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(src: &str, decoded: &str, inner: Range<usize>, expect: &str) {
        let start = src.find(['"', '\'']).unwrap();
        let m = StrMap::new(src, start..src.len(), decoded);
        assert_eq!(&src[m.span(inner)], expect);
    }

    /// Spans map through plain, literal, escaped and multi-line strings.
    #[test]
    fn maps_spans() {
        check(r#"x = "a = \"b\"""#, r#"a = "b""#, 4..7, r#"\"b\""#);
        check(r#"x = 'a = "b"'"#, r#"a = "b""#, 4..7, r#""b""#);
        check("x = '''\nab cd'''", "ab cd", 3..5, "cd");
        check("x = \"\"\"\nab \\\n   cd\"\"\"", "ab cd", 3..5, "cd");
        check("x = \"é \\u00e9 z\"", "é é z", 6..7, "z");
    }
}
