//! Lexing and parsing condition strings into a spanned syntax tree. Knows nothing about any
//! questionnaire; names are checked later by `compile`.

use std::ops::Range;

use jiff::civil::Date;

/// A syntax error, with a byte span inside the expression text.
#[derive(Debug, Clone, PartialEq)]
pub struct SyntaxError {
    pub span: Range<usize>,
    pub message: String,
    pub help: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Ident(String),
    Str(String),
    Num(f64),
    Date(Date),
    LParen,
    RParen,
    LBrace,
    RBrace,
    Comma,
    Op(CmpOp),
    And,
    Or,
    Not,
    Has,
    In,
    Any,
    All,
    True,
    False,
}

/// Comparison operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CmpOp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

impl CmpOp {
    pub fn symbol(self) -> &'static str {
        match self {
            CmpOp::Eq => "=",
            CmpOp::Ne => "!=",
            CmpOp::Lt => "<",
            CmpOp::Le => "<=",
            CmpOp::Gt => ">",
            CmpOp::Ge => ">=",
        }
    }
}

/// A literal value in an expression.
#[derive(Debug, Clone, PartialEq)]
pub enum Lit {
    Bool(bool),
    Num(f64),
    Str(String),
    Date(Date),
}

/// A literal with its span.
pub type SpannedLit = (Lit, Range<usize>);

/// Which options `has` looks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Quant {
    One,
    Any,
    All,
}

/// A node of the syntax tree with its span in the expression text.
#[derive(Debug, Clone, PartialEq)]
pub struct Ast {
    pub kind: AstKind,
    pub span: Range<usize>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum AstKind {
    Lit(Lit),
    Name(String),
    Call {
        name: String,
        name_span: Range<usize>,
        args: Vec<Ast>,
    },
    Not(Box<Ast>),
    And(Vec<Ast>),
    Or(Vec<Ast>),
    Cmp {
        op: CmpOp,
        lhs: Box<Ast>,
        rhs: Box<Ast>,
    },
    Has {
        subject: Box<Ast>,
        quant: Quant,
        values: Vec<(Lit, Range<usize>)>,
    },
    In {
        subject: Box<Ast>,
        values: Vec<(Lit, Range<usize>)>,
        negated: bool,
    },
}

#[allow(
    clippy::indexing_slicing,
    reason = "a byte scanner: each index is checked against the length on the line that reads it (`i < end`, `k + 1 < end`, `text.len() == 10`)"
)]
fn lex(src: &str) -> Result<Vec<(Tok, Range<usize>)>, SyntaxError> {
    let bytes = src.as_bytes();
    let mut toks = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        let start = i;
        if c.is_ascii_whitespace() {
            i += 1;
            continue;
        }
        let single = match c {
            b'(' => Some(Tok::LParen),
            b')' => Some(Tok::RParen),
            b'{' => Some(Tok::LBrace),
            b'}' => Some(Tok::RBrace),
            b',' => Some(Tok::Comma),
            _ => None,
        };
        if let Some(t) = single {
            toks.push((t, i..i + 1));
            i += 1;
            continue;
        }
        match c {
            b'=' => {
                i += if bytes.get(i + 1) == Some(&b'=') {
                    2
                } else {
                    1
                };
                toks.push((Tok::Op(CmpOp::Eq), start..i));
            }
            b'!' | b'<' | b'>' => {
                let eq = bytes.get(i + 1) == Some(&b'=');
                let op = match (c, eq) {
                    (b'!', true) => CmpOp::Ne,
                    (b'<', true) => CmpOp::Le,
                    (b'>', true) => CmpOp::Ge,
                    (b'<', false) => CmpOp::Lt,
                    (b'>', false) => CmpOp::Gt,
                    _ => {
                        return Err(SyntaxError {
                            span: i..i + 1,
                            message: "`!` on its own is not an operator".into(),
                            help: Some(
                                "write `not` to negate, or `!=` for \"is not equal to\"".into(),
                            ),
                        });
                    }
                };
                i += if eq { 2 } else { 1 };
                toks.push((Tok::Op(op), start..i));
            }
            b'"' => {
                i += 1;
                let mut s = String::new();
                loop {
                    match src[i..].chars().next() {
                        None => {
                            return Err(SyntaxError {
                                span: start..src.len(),
                                message: "this string is never closed".into(),
                                help: Some("add a closing `\"`".into()),
                            });
                        }
                        Some('"') => {
                            i += 1;
                            break;
                        }
                        Some(ch) => {
                            s.push(ch);
                            i += ch.len_utf8();
                        }
                    }
                }
                toks.push((Tok::Str(s), start..i));
            }
            b'0'..=b'9' | b'-' => {
                let neg = c == b'-';
                let mut j = if neg { i + 1 } else { i };
                if !bytes.get(j).is_some_and(u8::is_ascii_digit) {
                    return Err(SyntaxError {
                        span: i..i + 1,
                        message: "unexpected `-`".into(),
                        help: Some("the language has no arithmetic; use `days_between` or `years_between` for dates".into()),
                    });
                }
                while bytes
                    .get(j)
                    .is_some_and(|b| b.is_ascii_digit() || *b == b'.' || *b == b'-')
                {
                    j += 1;
                }
                let text = &src[i..j];
                let tok = if !neg
                    && text.len() == 10
                    && text.as_bytes()[4] == b'-'
                    && text.as_bytes()[7] == b'-'
                {
                    let date = (|| {
                        Date::new(
                            text[0..4].parse().ok()?,
                            text[5..7].parse().ok()?,
                            text[8..10].parse().ok()?,
                        )
                        .ok()
                    })();
                    match date {
                        Some(d) => Tok::Date(d),
                        None => {
                            return Err(SyntaxError {
                                span: i..j,
                                message: format!("`{text}` is not a real date"),
                                help: Some(
                                    "dates are written YYYY-MM-DD, for example 2025-06-02".into(),
                                ),
                            });
                        }
                    }
                } else {
                    match text.parse::<f64>() {
                        Ok(n) if n.is_finite() => Tok::Num(n),
                        _ => {
                            return Err(SyntaxError {
                                span: i..j,
                                message: format!("`{text}` is not a number or a date"),
                                help: Some(
                                    "numbers look like 18 or 2.5; dates like 2025-06-02".into(),
                                ),
                            });
                        }
                    }
                };
                toks.push((tok, i..j));
                i = j;
            }
            c if c.is_ascii_alphabetic() || c == b'_' => {
                let mut j = i;
                while bytes
                    .get(j)
                    .is_some_and(|b| b.is_ascii_alphanumeric() || *b == b'_')
                {
                    j += 1;
                }
                let word = &src[i..j];
                let tok = match word.to_ascii_lowercase().as_str() {
                    "and" => Tok::And,
                    "or" => Tok::Or,
                    "not" => Tok::Not,
                    "has" => Tok::Has,
                    "in" => Tok::In,
                    "any" => Tok::Any,
                    "all" => Tok::All,
                    "true" => Tok::True,
                    "false" => Tok::False,
                    _ => Tok::Ident(word.to_owned()),
                };
                toks.push((tok, i..j));
                i = j;
            }
            _ => {
                let ch = src[i..].chars().next().unwrap_or('?');
                let help = match ch {
                    '\'' => "strings use double quotes: \"value\"",
                    '&' | '|' => "write `and` / `or`",
                    _ => {
                        "conditions use names, \"strings\", numbers, dates, = != < <= > >=, has, in, and, or, not"
                    }
                };
                return Err(SyntaxError {
                    span: i..i + ch.len_utf8(),
                    message: format!("unexpected character `{}`", ch.escape_debug()),
                    help: Some(help.into()),
                });
            }
        }
    }
    Ok(toks)
}

struct Parser<'a> {
    toks: Vec<(Tok, Range<usize>)>,
    pos: usize,
    src: &'a str,
    /// Parentheses, `not` and calls open around the current token (see `crate::limits`).
    depth: usize,
}

/// Parses a condition string. Spans are byte offsets into `src`. A condition longer than
/// [`crate::limits::MAX_EXPR_BYTES`], with more than [`crate::limits::MAX_EXPR_NODES`] tokens,
/// or nested deeper than [`crate::limits::MAX_EXPR_DEPTH`] is an error (it would cost unbounded
/// work, or the stack, in the checker and evaluator).
pub fn parse(src: &str) -> Result<Ast, SyntaxError> {
    use crate::limits::{MAX_EXPR_BYTES, MAX_EXPR_NODES};
    if src.len() > MAX_EXPR_BYTES {
        return Err(SyntaxError {
            span: 0..src.len(),
            message: format!(
                "the condition is {}; a condition may be at most {}",
                crate::limits::size(src.len()),
                crate::limits::size(MAX_EXPR_BYTES)
            ),
            help: Some("split it into derived values".into()),
        });
    }
    let toks = lex(src)?;
    if let Some((_, span)) = toks.get(MAX_EXPR_NODES) {
        return Err(SyntaxError {
            span: span.clone(),
            message: format!(
                "the condition has more than {MAX_EXPR_NODES} names, values and operators"
            ),
            help: Some("split it into derived values".into()),
        });
    }
    if toks.is_empty() {
        return Err(SyntaxError {
            span: 0..src.len(),
            message: "the condition is empty".into(),
            help: Some(
                "write a condition such as `b_areas has \"calves\"`, or remove the key".into(),
            ),
        });
    }
    let mut p = Parser {
        toks,
        pos: 0,
        src,
        depth: 0,
    };
    let ast = p.or()?;
    if let Some((_, span)) = p.toks.get(p.pos) {
        return Err(SyntaxError {
            span: span.clone(),
            message: format!(
                "unexpected `{}` after a complete condition",
                &src[span.clone()]
            ),
            help: Some("join conditions with `and` or `or`".into()),
        });
    }
    Ok(ast)
}

impl Parser<'_> {
    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.pos).map(|(t, _)| t)
    }

    fn span_here(&self) -> Range<usize> {
        match self.toks.get(self.pos) {
            Some((_, s)) => s.clone(),
            None => self.src.len()..self.src.len(),
        }
    }

    /// Takes the token `peek` just saw (every call follows a `peek` that matched one).
    #[allow(
        clippy::indexing_slicing,
        reason = "called only after `peek` (or `toks.get(pos + 1)`) matched a token at `pos`"
    )]
    fn bump(&mut self) -> (Tok, Range<usize>) {
        let t = self.toks[self.pos].clone();
        self.pos += 1;
        t
    }

    fn err<T>(&self, message: impl Into<String>, help: &str) -> Result<T, SyntaxError> {
        let span = self.span_here();
        let found = if span.is_empty() {
            "the end".to_owned()
        } else {
            format!("`{}`", &self.src[span.clone()])
        };
        Err(SyntaxError {
            span,
            message: format!("{}, found {found}", message.into()),
            help: Some(help.into()),
        })
    }

    /// One level deeper (a parenthesis, `not`, a call); an error past the limit.
    fn enter(&mut self) -> Result<(), SyntaxError> {
        self.depth += 1;
        if self.depth > crate::limits::MAX_EXPR_DEPTH {
            return Err(SyntaxError {
                span: self.span_here(),
                message: format!(
                    "the condition nests too deeply: at most {} levels of parentheses, `not` and calls",
                    crate::limits::MAX_EXPR_DEPTH
                ),
                help: Some("write it flatter, or split it into derived values".into()),
            });
        }
        Ok(())
    }

    fn or(&mut self) -> Result<Ast, SyntaxError> {
        let first = self.and()?;
        let mut items = vec![first];
        while self.peek() == Some(&Tok::Or) {
            self.bump();
            items.push(self.and()?);
        }
        Ok(join(items, AstKind::Or))
    }

    fn and(&mut self) -> Result<Ast, SyntaxError> {
        let first = self.unary()?;
        let mut items = vec![first];
        while self.peek() == Some(&Tok::And) {
            self.bump();
            items.push(self.unary()?);
        }
        Ok(join(items, AstKind::And))
    }

    fn unary(&mut self) -> Result<Ast, SyntaxError> {
        if self.peek() == Some(&Tok::Not) {
            let (_, s) = self.bump();
            self.enter()?;
            let inner = self.unary()?;
            self.depth -= 1;
            let span = s.start..inner.span.end;
            return Ok(Ast {
                kind: AstKind::Not(Box::new(inner)),
                span,
            });
        }
        self.comparison()
    }

    fn comparison(&mut self) -> Result<Ast, SyntaxError> {
        let lhs = self.primary()?;
        match self.peek() {
            Some(Tok::Op(op)) => {
                let op = *op;
                self.bump();
                let rhs = self.primary()?;
                let span = lhs.span.start..rhs.span.end;
                Ok(Ast {
                    kind: AstKind::Cmp {
                        op,
                        lhs: Box::new(lhs),
                        rhs: Box::new(rhs),
                    },
                    span,
                })
            }
            Some(Tok::Has) => {
                self.bump();
                let quant = match self.peek() {
                    Some(Tok::Any) => {
                        self.bump();
                        Quant::Any
                    }
                    Some(Tok::All) => {
                        self.bump();
                        Quant::All
                    }
                    _ => Quant::One,
                };
                let (values, end) = if quant == Quant::One {
                    let (lit, span) = self.literal("after `has`, an option value in quotes")?;
                    (vec![(lit, span.clone())], span.end)
                } else {
                    self.set()?
                };
                let span = lhs.span.start..end;
                Ok(Ast {
                    kind: AstKind::Has {
                        subject: Box::new(lhs),
                        quant,
                        values,
                    },
                    span,
                })
            }
            Some(Tok::In) => {
                self.bump();
                let (values, end) = self.set()?;
                let span = lhs.span.start..end;
                Ok(Ast {
                    kind: AstKind::In {
                        subject: Box::new(lhs),
                        values,
                        negated: false,
                    },
                    span,
                })
            }
            Some(Tok::Not) if matches!(self.toks.get(self.pos + 1), Some((Tok::In, _))) => {
                self.bump();
                self.bump();
                let (values, end) = self.set()?;
                let span = lhs.span.start..end;
                Ok(Ast {
                    kind: AstKind::In {
                        subject: Box::new(lhs),
                        values,
                        negated: true,
                    },
                    span,
                })
            }
            _ => Ok(lhs),
        }
    }

    fn literal(&mut self, what: &str) -> Result<(Lit, Range<usize>), SyntaxError> {
        let lit = match self.peek() {
            Some(Tok::Str(s)) => Lit::Str(s.clone()),
            Some(Tok::Num(n)) => Lit::Num(*n),
            Some(Tok::Date(d)) => Lit::Date(*d),
            Some(Tok::True) => Lit::Bool(true),
            Some(Tok::False) => Lit::Bool(false),
            Some(Tok::Ident(name)) => {
                let name = name.clone();
                return self.err(
                    format!("expected {what}"),
                    &format!("option values are quoted: \"{name}\""),
                );
            }
            _ => return self.err(format!("expected {what}"), "for example \"calves\""),
        };
        let (_, span) = self.bump();
        Ok((lit, span))
    }

    /// `{ lit, lit, ... }`; returns the values and the end offset.
    fn set(&mut self) -> Result<(Vec<SpannedLit>, usize), SyntaxError> {
        if self.peek() != Some(&Tok::LBrace) {
            return self.err(
                "expected `{` starting a list of values",
                "write a list like {\"regular\", \"competitive\"}",
            );
        }
        self.bump();
        let mut values = Vec::new();
        loop {
            values.push(self.literal("a value in the list")?);
            match self.peek() {
                Some(Tok::Comma) => {
                    self.bump();
                }
                Some(Tok::RBrace) => {
                    let (_, s) = self.bump();
                    return Ok((values, s.end));
                }
                _ => {
                    return self.err(
                        "expected `,` or `}` in the list",
                        "separate values with commas and close with `}`",
                    );
                }
            }
        }
    }

    fn primary(&mut self) -> Result<Ast, SyntaxError> {
        match self.peek() {
            Some(Tok::LParen) => {
                let (_, s) = self.bump();
                self.enter()?;
                let inner = self.or()?;
                self.depth -= 1;
                if self.peek() != Some(&Tok::RParen) {
                    return self.err("expected `)`", "every `(` needs a matching `)`");
                }
                let (_, e) = self.bump();
                Ok(Ast {
                    kind: inner.kind,
                    span: s.start..e.end,
                })
            }
            Some(Tok::Ident(name)) => {
                let name = name.clone();
                let (_, span) = self.bump();
                if self.peek() == Some(&Tok::LParen) {
                    self.bump();
                    self.enter()?;
                    let mut args = Vec::new();
                    if self.peek() != Some(&Tok::RParen) {
                        loop {
                            args.push(self.or()?);
                            match self.peek() {
                                Some(Tok::Comma) => {
                                    self.bump();
                                }
                                Some(Tok::RParen) => break,
                                _ => {
                                    return self.err(
                                        "expected `,` or `)` in the argument list",
                                        "close the call with `)`",
                                    );
                                }
                            }
                        }
                    }
                    let (_, e) = self.bump();
                    self.depth -= 1;
                    return Ok(Ast {
                        kind: AstKind::Call {
                            name,
                            name_span: span.clone(),
                            args,
                        },
                        span: span.start..e.end,
                    });
                }
                Ok(Ast {
                    kind: AstKind::Name(name),
                    span,
                })
            }
            Some(Tok::Str(_) | Tok::Num(_) | Tok::Date(_) | Tok::True | Tok::False) => {
                let (lit, span) = self.literal("a value")?;
                Ok(Ast {
                    kind: AstKind::Lit(lit),
                    span,
                })
            }
            _ => self.err(
                "expected a name, a value or `(`",
                "a condition looks like `c_falls = \"yes\"`",
            ),
        }
    }
}

fn join(mut items: Vec<Ast>, make: fn(Vec<Ast>) -> AstKind) -> Ast {
    match (items.len(), items.pop()) {
        (1, Some(only)) => only,
        (_, Some(last)) => {
            let start = items.first().map_or(last.span.start, |f| f.span.start);
            let span = start..last.span.end;
            items.push(last);
            Ast {
                kind: make(items),
                span,
            }
        }
        (_, None) => Ast {
            kind: AstKind::And(Vec::new()),
            span: 0..0,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(s: &str) -> Ast {
        parse(s).unwrap_or_else(|e| panic!("{s}: {e:?}"))
    }

    /// `and` binds tighter than `or`, and `not` tighter than both.
    #[test]
    fn precedence() {
        let a = ok("a or b and not c");
        let AstKind::Or(items) = a.kind else { panic!() };
        assert_eq!(items.len(), 2);
        assert!(matches!(items[1].kind, AstKind::And(_)));
    }

    /// Every form the clinical questionnaire needs parses, with spans.
    #[test]
    fn forms() {
        ok(r#"calves and (c_falls = "yes" or c_leg_problems has "weakness")"#);
        ok(r#"f_sport_level in {"regular", "competitive"}"#);
        ok(r#"f_sport_level not in {"regular"}"#);
        ok(r#"b_sweat_signs has any {"recent", "night"}"#);
        ok("years_between(a_dob, visit_date) < 18");
        ok("e_last_date >= 2025-01-01 AND NOT nmj");
        ok("x != -3.5");
        let a = ok(r#"b_areas has "calves""#);
        assert_eq!(a.span, 0..20);
    }

    /// Broken conditions give an error at the right place.
    #[test]
    fn errors_have_spans() {
        let e = parse(r#"a = "x" b"#).unwrap_err();
        assert_eq!(e.span, 8..9);
        let e = parse(r"a = 'x'").unwrap_err();
        assert_eq!(e.span, 4..5);
        let e = parse(r#"(a = "x""#).unwrap_err();
        assert!(e.message.contains("expected `)`"), "{}", e.message);
        let e = parse("d < 2025-02-30").unwrap_err();
        assert!(e.message.contains("not a real date"));
        let e = parse("a has calves").unwrap_err();
        assert_eq!(
            e.help.as_deref(),
            Some("option values are quoted: \"calves\"")
        );
        assert!(parse("").is_err());
        assert!(parse("a = ").is_err());
        assert!(parse("a && b").is_err());
    }
}
