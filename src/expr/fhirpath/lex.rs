//! FHIRPath tokens: the lexical grammar of FHIRPath N1 (literals, identifiers, `%` environment
//! names, `$this`, operators), with the position of each token for error messages. Knows nothing
//! about meaning.

/// One token and the byte offset where it starts.
#[derive(Debug, Clone, PartialEq)]
pub struct Tok {
    pub kind: TokKind,
    pub at: usize,
}

#[derive(Debug, Clone, PartialEq)]
pub enum TokKind {
    Str(String),
    Int(i64),
    Dec(f64),
    /// `@2025-06-02`, `@2025-06`, `@2025-06-02T10:00:00Z` (text after `@`).
    DateTime(String),
    /// `@T10:00` (text after `@T`).
    Time(String),
    /// A name; backquoted names arrive without the quotes.
    Ident(String),
    /// `%name` or `` %`name` ``.
    Env(String),
    /// `$this`, `$index`, `$total`.
    Special(String),
    Op(&'static str),
    Dot,
    Comma,
    LParen,
    RParen,
    LBracket,
    RBracket,
    LBrace,
    RBrace,
}

/// Splits a FHIRPath expression into tokens. The error names what was not understood and where.
pub fn lex(s: &str) -> Result<Vec<Tok>, String> {
    let mut out = Vec::new();
    let mut it = s.char_indices().peekable();
    while let Some(&(at, c)) = it.peek() {
        let rest = &s[at..];
        let push = |out: &mut Vec<Tok>, kind| out.push(Tok { kind, at });
        match c {
            _ if c.is_whitespace() => {
                it.next();
            }
            '/' if rest.starts_with("//") => {
                while it.peek().is_some_and(|(_, c)| *c != '\n') {
                    it.next();
                }
            }
            '/' if rest.starts_with("/*") => {
                let end = rest.find("*/").ok_or("a comment is never closed")?;
                skip_to(&mut it, at + end + 2);
            }
            '\'' | '`' => {
                let (text, len) = quoted(rest, c)?;
                skip_to(&mut it, at + len);
                if c == '\'' {
                    push(&mut out, TokKind::Str(text));
                } else {
                    push(&mut out, TokKind::Ident(text));
                }
            }
            '@' => {
                let body: String = rest[1..]
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | ':' | '.' | '+'))
                    .collect();
                skip_to(&mut it, at + 1 + body.len());
                match body.strip_prefix('T') {
                    Some(t) => push(&mut out, TokKind::Time(t.to_owned())),
                    None => push(&mut out, TokKind::DateTime(body)),
                }
            }
            '%' => {
                let (name, len) = if rest[1..].starts_with('`') {
                    let (n, l) = quoted(&rest[1..], '`')?;
                    (n, l + 1)
                } else if rest[1..].starts_with('\'') {
                    let (n, l) = quoted(&rest[1..], '\'')?;
                    (n, l + 1)
                } else {
                    let n = ident_len(&rest[1..]);
                    (rest[1..=n].to_owned(), n + 1)
                };
                if name.is_empty() {
                    return Err(format!("a name must follow `%` (at {at})"));
                }
                skip_to(&mut it, at + len);
                push(&mut out, TokKind::Env(name));
            }
            '$' => {
                let n = ident_len(&rest[1..]);
                skip_to(&mut it, at + 1 + n);
                push(&mut out, TokKind::Special(rest[1..=n].to_owned()));
            }
            '0'..='9' => {
                let int_len = rest
                    .find(|c: char| !c.is_ascii_digit())
                    .unwrap_or(rest.len());
                let frac = rest[int_len..]
                    .strip_prefix('.')
                    .filter(|f| f.starts_with(|c: char| c.is_ascii_digit()))
                    .map(|f| f.find(|c: char| !c.is_ascii_digit()).unwrap_or(f.len()));
                let len = int_len + frac.map_or(0, |f| f + 1);
                let text = &rest[..len];
                let kind = if frac.is_some() {
                    TokKind::Dec(
                        text.parse()
                            .map_err(|_| format!("`{text}` is not a number"))?,
                    )
                } else {
                    TokKind::Int(text.parse().map_err(|_| format!("`{text}` is too large"))?)
                };
                skip_to(&mut it, at + len);
                push(&mut out, kind);
            }
            _ if c.is_alphabetic() || c == '_' => {
                let n = ident_len(rest);
                skip_to(&mut it, at + n);
                push(&mut out, TokKind::Ident(rest[..n].to_owned()));
            }
            _ => {
                let ops: [&'static str; 18] = [
                    "!=", "!~", "<=", ">=", "=", "~", "<", ">", "+", "-", "*", "/", "&", "|", "(",
                    ")", "[", "]",
                ];
                let simple = match c {
                    '.' => Some(TokKind::Dot),
                    ',' => Some(TokKind::Comma),
                    '{' => Some(TokKind::LBrace),
                    '}' => Some(TokKind::RBrace),
                    _ => None,
                };
                if let Some(k) = simple {
                    it.next();
                    push(&mut out, k);
                    continue;
                }
                let Some(op) = ops.iter().find(|o| rest.starts_with(**o)) else {
                    return Err(format!("`{c}` is not part of FHIRPath (at {at})"));
                };
                skip_to(&mut it, at + op.len());
                let kind = match *op {
                    "(" => TokKind::LParen,
                    ")" => TokKind::RParen,
                    "[" => TokKind::LBracket,
                    "]" => TokKind::RBracket,
                    o => TokKind::Op(o),
                };
                push(&mut out, kind);
            }
        }
    }
    Ok(out)
}

fn skip_to(it: &mut std::iter::Peekable<std::str::CharIndices<'_>>, end: usize) {
    while it.peek().is_some_and(|(i, _)| *i < end) {
        it.next();
    }
}

fn ident_len(s: &str) -> usize {
    s.find(|c: char| !(c.is_alphanumeric() || c == '_'))
        .unwrap_or(s.len())
}

/// A quoted text starting at `s[0] == q`: its unescaped content and its length with the quotes.
fn quoted(s: &str, q: char) -> Result<(String, usize), String> {
    let mut out = String::new();
    let mut chars = s.char_indices().skip(1);
    while let Some((i, c)) = chars.next() {
        match c {
            _ if c == q => return Ok((out, i + c.len_utf8())),
            '\\' => match chars.next() {
                Some((_, 'n')) => out.push('\n'),
                Some((_, 't')) => out.push('\t'),
                Some((_, 'r')) => out.push('\r'),
                Some((_, 'f')) => out.push('\u{c}'),
                Some((j, 'u')) => {
                    let hex = s.get(j + 1..j + 5).ok_or("a \\u escape is cut short")?;
                    let ch = u32::from_str_radix(hex, 16)
                        .ok()
                        .and_then(char::from_u32)
                        .ok_or("a \\u escape is not a character")?;
                    out.push(ch);
                    for _ in 0..4 {
                        chars.next();
                    }
                }
                Some((_, other)) => out.push(other),
                None => break,
            },
            _ => out.push(c),
        }
    }
    Err("a text in quotes is never closed".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Literals, names, environment variables and two-character operators come out whole.
    #[test]
    fn tokens() {
        let t: Vec<TokKind> =
            lex("%resource.item.where(linkId != 'a\\'b') >= 2.5 and @2025-06 | @T10:00")
                .unwrap()
                .into_iter()
                .map(|t| t.kind)
                .collect();
        assert_eq!(t[0], TokKind::Env("resource".into()));
        assert!(t.contains(&TokKind::Str("a'b".into())));
        assert!(t.contains(&TokKind::Op("!=")));
        assert!(t.contains(&TokKind::Op(">=")));
        assert!(t.contains(&TokKind::Dec(2.5)));
        assert!(t.contains(&TokKind::DateTime("2025-06".into())));
        assert!(t.contains(&TokKind::Time("10:00".into())));
        assert!(lex("a # b").is_err());
    }
}
