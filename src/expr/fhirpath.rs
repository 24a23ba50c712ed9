//! A small, documented subset of FHIRPath, enough for `enableWhenExpression` conditions written
//! against a questionnaire's own answers:
//!
//! - answers: `%resource.item(.item)*.where(linkId='X').answer.value`, or
//!   `%resource.repeat(item).where(linkId='X').answer.value`, optionally `.code` / `.display`;
//! - literals: `'text'`, numbers, `true`, `false`, `@2025-06-02`;
//! - operators: `=`, `!=`, `<`, `<=`, `>`, `>=`, `&` (text join), `and`, `or`, and `( )`;
//! - functions: `.exists()`, `.empty()`, `.not()`, `.count()`.
//!
//! Anything else is refused when the questionnaire is loaded, so a condition is never half
//! understood. Unlike the main language this one allocates while evaluating (text values); only
//! FHIR-imported conditions use it.

use jiff::civil::Date;

use super::eval::Env;
use super::syntax::CmpOp;
use crate::answer::Answer;

/// A parsed expression, with answer paths resolved to item indexes.
#[derive(Debug, Clone, PartialEq)]
pub enum Node {
    Lit(FVal),
    /// The answers of an item; `part` picks a coding's code or display.
    Answers {
        item: u32,
        part: Part,
    },
    Cmp(CmpOp, Box<Node>, Box<Node>),
    Concat(Box<Node>, Box<Node>),
    And(Box<Node>, Box<Node>),
    Or(Box<Node>, Box<Node>),
    Call(Box<Node>, Func),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part {
    Value,
    Code,
    Display,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Func {
    Exists,
    Empty,
    Not,
    Count,
}

/// A FHIRPath value.
#[derive(Debug, Clone, PartialEq)]
pub enum FVal {
    Str(String),
    Num(f64),
    Bool(bool),
    Date(Date),
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Str(String),
    Num(f64),
    Date(Date),
    Ident(String),
    Env(String),
    Op(&'static str),
    Dot,
    LParen,
    RParen,
}

fn lex(s: &str) -> Result<Vec<Tok>, String> {
    let b = s.as_bytes();
    let mut i = 0;
    let mut out = Vec::new();
    while i < b.len() {
        let c = b[i];
        match c {
            b' ' | b'\t' | b'\n' | b'\r' => i += 1,
            b'\'' => {
                let mut v = String::new();
                i += 1;
                loop {
                    match s[i..].chars().next() {
                        None => return Err("a text in quotes is never closed".into()),
                        Some('\'') => {
                            i += 1;
                            break;
                        }
                        Some('\\') => {
                            let n = s[i + 1..]
                                .chars()
                                .next()
                                .ok_or("a text ends in a backslash")?;
                            v.push(n);
                            i += 1 + n.len_utf8();
                        }
                        Some(ch) => {
                            v.push(ch);
                            i += ch.len_utf8();
                        }
                    }
                }
                out.push(Tok::Str(v));
            }
            b'@' => {
                let end = s[i + 1..]
                    .find(|ch: char| !(ch.is_ascii_digit() || ch == '-'))
                    .map_or(s.len(), |e| i + 1 + e);
                let d = crate::answer::PartialDate::parse_iso(&s[i + 1..end])
                    .filter(|d| !d.month_only)
                    .ok_or("only whole dates like @2025-06-02 are understood")?;
                out.push(Tok::Date(d.date));
                i = end;
            }
            b'%' => {
                let end = s[i + 1..]
                    .find(|ch: char| !(ch.is_ascii_alphanumeric() || ch == '_'))
                    .map_or(s.len(), |e| i + 1 + e);
                out.push(Tok::Env(s[i + 1..end].to_owned()));
                i = end;
            }
            b'0'..=b'9' => {
                let end = s[i..]
                    .find(|ch: char| !(ch.is_ascii_digit() || ch == '.'))
                    .map_or(s.len(), |e| i + e);
                out.push(Tok::Num(
                    s[i..end]
                        .parse()
                        .map_err(|_| format!("`{}` is not a number", &s[i..end]))?,
                ));
                i = end;
            }
            b'.' => {
                out.push(Tok::Dot);
                i += 1;
            }
            b'(' => {
                out.push(Tok::LParen);
                i += 1;
            }
            b')' => {
                out.push(Tok::RParen);
                i += 1;
            }
            _ if c.is_ascii_alphabetic() || c == b'_' => {
                let end = s[i..]
                    .find(|ch: char| !(ch.is_ascii_alphanumeric() || ch == '_'))
                    .map_or(s.len(), |e| i + e);
                out.push(Tok::Ident(s[i..end].to_owned()));
                i = end;
            }
            _ => {
                let two = s.get(i..i + 2).unwrap_or("");
                let op = match two {
                    "!=" => "!=",
                    "<=" => "<=",
                    ">=" => ">=",
                    _ => match c {
                        b'=' => "=",
                        b'<' => "<",
                        b'>' => ">",
                        b'&' => "&",
                        _ => {
                            return Err(format!(
                                "`{}` is not part of the FHIRPath that triage understands",
                                s[i..].chars().next().unwrap_or('?')
                            ));
                        }
                    },
                };
                i += op.len();
                out.push(Tok::Op(op));
            }
        }
    }
    Ok(out)
}

struct P<'a> {
    t: Vec<Tok>,
    pos: usize,
    resolve: &'a dyn Fn(&str) -> Option<u32>,
}

/// Parses a FHIRPath condition, resolving linkIds with `resolve`. The error says what is not
/// understood.
pub fn parse(src: &str, resolve: &dyn Fn(&str) -> Option<u32>) -> Result<Node, String> {
    let mut p = P {
        t: lex(src)?,
        pos: 0,
        resolve,
    };
    let n = p.or()?;
    if p.pos != p.t.len() {
        return Err("unexpected text after the condition".into());
    }
    Ok(n)
}

impl P<'_> {
    fn peek(&self) -> Option<&Tok> {
        self.t.get(self.pos)
    }
    fn eat(&mut self, t: &Tok) -> bool {
        if self.peek() == Some(t) {
            self.pos += 1;
            true
        } else {
            false
        }
    }
    fn word(&mut self, w: &str) -> bool {
        self.eat(&Tok::Ident(w.to_owned()))
    }
    fn or(&mut self) -> Result<Node, String> {
        let mut n = self.and()?;
        while self.word("or") {
            n = Node::Or(Box::new(n), Box::new(self.and()?));
        }
        Ok(n)
    }
    fn and(&mut self) -> Result<Node, String> {
        let mut n = self.eq()?;
        while self.word("and") {
            n = Node::And(Box::new(n), Box::new(self.eq()?));
        }
        Ok(n)
    }
    fn eq(&mut self) -> Result<Node, String> {
        let l = self.rel()?;
        let op = match self.peek() {
            Some(Tok::Op("=")) => CmpOp::Eq,
            Some(Tok::Op("!=")) => CmpOp::Ne,
            _ => return Ok(l),
        };
        self.pos += 1;
        Ok(Node::Cmp(op, Box::new(l), Box::new(self.rel()?)))
    }
    fn rel(&mut self) -> Result<Node, String> {
        let l = self.concat()?;
        let op = match self.peek() {
            Some(Tok::Op("<")) => CmpOp::Lt,
            Some(Tok::Op("<=")) => CmpOp::Le,
            Some(Tok::Op(">")) => CmpOp::Gt,
            Some(Tok::Op(">=")) => CmpOp::Ge,
            _ => return Ok(l),
        };
        self.pos += 1;
        Ok(Node::Cmp(op, Box::new(l), Box::new(self.concat()?)))
    }
    fn concat(&mut self) -> Result<Node, String> {
        let mut n = self.postfix()?;
        while self.eat(&Tok::Op("&")) {
            n = Node::Concat(Box::new(n), Box::new(self.postfix()?));
        }
        Ok(n)
    }
    fn postfix(&mut self) -> Result<Node, String> {
        let mut n = self.primary()?;
        while self.eat(&Tok::Dot) {
            let Some(Tok::Ident(f)) = self.peek().cloned() else {
                return Err("expected a function after `.`".into());
            };
            self.pos += 1;
            let func = match f.as_str() {
                "exists" => Func::Exists,
                "empty" => Func::Empty,
                "not" => Func::Not,
                "count" => Func::Count,
                other => return Err(format!("the function `{other}()` is not understood")),
            };
            if !(self.eat(&Tok::LParen) && self.eat(&Tok::RParen)) {
                return Err(format!("`{f}` takes no arguments: write `{f}()`"));
            }
            n = Node::Call(Box::new(n), func);
        }
        Ok(n)
    }
    fn primary(&mut self) -> Result<Node, String> {
        match self.peek().cloned() {
            Some(Tok::Str(s)) => {
                self.pos += 1;
                Ok(Node::Lit(FVal::Str(s)))
            }
            Some(Tok::Num(n)) => {
                self.pos += 1;
                Ok(Node::Lit(FVal::Num(n)))
            }
            Some(Tok::Date(d)) => {
                self.pos += 1;
                Ok(Node::Lit(FVal::Date(d)))
            }
            Some(Tok::Ident(w)) if w == "true" || w == "false" => {
                self.pos += 1;
                Ok(Node::Lit(FVal::Bool(w == "true")))
            }
            Some(Tok::LParen) => {
                self.pos += 1;
                let n = self.or()?;
                if !self.eat(&Tok::RParen) {
                    return Err("expected `)`".into());
                }
                Ok(n)
            }
            Some(Tok::Env(e)) if e == "resource" || e == "questionnaire" => {
                self.pos += 1;
                self.path()
            }
            _ => Err("expected an answer path (%resource...), a value or `(`".into()),
        }
    }
    /// `.item(.item)* | .repeat(item)` then `.where(linkId='X').answer.value[.code|.display]`.
    fn path(&mut self) -> Result<Node, String> {
        let mut link = None;
        while self.eat(&Tok::Dot) {
            let Some(Tok::Ident(seg)) = self.peek().cloned() else {
                return Err("expected a path step after `.`".into());
            };
            match seg.as_str() {
                "item" => self.pos += 1,
                "repeat" => {
                    self.pos += 1;
                    if !(self.eat(&Tok::LParen) && self.word("item") && self.eat(&Tok::RParen)) {
                        return Err("only `repeat(item)` is understood".into());
                    }
                }
                "where" => {
                    self.pos += 1;
                    let ok =
                        self.eat(&Tok::LParen) && self.word("linkId") && self.eat(&Tok::Op("="));
                    let Some(Tok::Str(id)) = self.peek().cloned().filter(|_| ok) else {
                        return Err("only `where(linkId='...')` is understood".into());
                    };
                    self.pos += 1;
                    if !self.eat(&Tok::RParen) {
                        return Err("expected `)` after the linkId".into());
                    }
                    link = Some(id);
                }
                "answer" if link.is_some() => {
                    self.pos += 1;
                    if !(self.eat(&Tok::Dot) && self.word("value")) {
                        return Err("expected `.answer.value`".into());
                    }
                    let part = if self.peek() == Some(&Tok::Dot)
                        && matches!(self.t.get(self.pos + 1), Some(Tok::Ident(w)) if w == "code" || w == "display")
                    {
                        self.pos += 1;
                        let Some(Tok::Ident(w)) = self.peek().cloned() else {
                            return Err("expected code or display".into());
                        };
                        self.pos += 1;
                        if w == "code" {
                            Part::Code
                        } else {
                            Part::Display
                        }
                    } else {
                        Part::Value
                    };
                    let id = link.unwrap_or_default();
                    let item =
                        (self.resolve)(&id).ok_or_else(|| format!("no item has linkId '{id}'"))?;
                    return Ok(Node::Answers { item, part });
                }
                _ => {
                    // A function call on the path (like `.exists()`) comes back to postfix.
                    self.pos -= 1;
                    break;
                }
            }
        }
        Err("the path must end in `.where(linkId='...').answer.value`".into())
    }
}

fn answers<E: Env + ?Sized>(env: &E, item: u32, part: Part) -> Vec<FVal> {
    let q = env.questionnaire();
    let it = q.item(item);
    let opt = |i: &u32| {
        let o = it.options().get(*i as usize);
        match part {
            Part::Display => FVal::Str(o.map(|o| o.label.clone()).unwrap_or_default()),
            _ => match o {
                Some(o)
                    if it
                        .fhir
                        .as_ref()
                        .and_then(|f| f.option_kinds.get(*i as usize))
                        .is_some_and(|k| k == "valueInteger") =>
                {
                    o.value
                        .parse()
                        .map(FVal::Num)
                        .unwrap_or_else(|_| FVal::Str(o.value.clone()))
                }
                Some(o) if it.fhir.as_ref().is_some_and(|f| f.kind == "boolean") => {
                    FVal::Bool(o.value == "true")
                }
                Some(o) => FVal::Str(o.value.clone()),
                None => FVal::Str(String::new()),
            },
        }
    };
    match env.answer(item) {
        None => Vec::new(),
        Some(Answer::Choice(i)) => vec![opt(i)],
        Some(Answer::Multi(l)) => l.iter().map(opt).collect(),
        Some(Answer::Number(n)) => vec![FVal::Num(*n)],
        Some(Answer::Date(d)) => vec![FVal::Date(d.resolved())],
        Some(Answer::Text(t)) => vec![FVal::Str(t.clone())],
    }
}

fn eval<E: Env + ?Sized>(n: &Node, env: &E) -> Vec<FVal> {
    match n {
        Node::Lit(v) => vec![v.clone()],
        Node::Answers { item, part } => answers(env, *item, *part),
        Node::Concat(a, b) => {
            let s = |v: Vec<FVal>| match v.first() {
                Some(FVal::Str(s)) => s.clone(),
                Some(FVal::Num(n)) => n.to_string(),
                Some(FVal::Bool(b)) => b.to_string(),
                Some(FVal::Date(d)) => d.to_string(),
                None => String::new(),
            };
            vec![FVal::Str(s(eval(a, env)) + &s(eval(b, env)))]
        }
        Node::Cmp(op, a, b) => {
            let (a, b) = (eval(a, env), eval(b, env));
            let (Some(x), Some(y)) = (a.first(), b.first()) else {
                return Vec::new();
            };
            let ord = match (x, y) {
                (FVal::Str(x), FVal::Str(y)) => Some(x.cmp(y)),
                (FVal::Num(x), FVal::Num(y)) => x.partial_cmp(y),
                (FVal::Bool(x), FVal::Bool(y)) => Some(x.cmp(y)),
                (FVal::Date(x), FVal::Date(y)) => Some(x.cmp(y)),
                _ => None,
            };
            let Some(o) = ord else {
                return vec![FVal::Bool(*op == CmpOp::Ne)];
            };
            use std::cmp::Ordering::*;
            vec![FVal::Bool(match op {
                CmpOp::Eq => o == Equal,
                CmpOp::Ne => o != Equal,
                CmpOp::Lt => o == Less,
                CmpOp::Le => o != Greater,
                CmpOp::Gt => o == Greater,
                CmpOp::Ge => o != Less,
            })]
        }
        Node::And(a, b) => vec![FVal::Bool(truthy(&eval(a, env)) && truthy(&eval(b, env)))],
        Node::Or(a, b) => vec![FVal::Bool(truthy(&eval(a, env)) || truthy(&eval(b, env)))],
        Node::Call(a, f) => {
            let v = eval(a, env);
            match f {
                Func::Exists => vec![FVal::Bool(!v.is_empty())],
                Func::Empty => vec![FVal::Bool(v.is_empty())],
                Func::Not => vec![FVal::Bool(!truthy(&v))],
                Func::Count => vec![FVal::Num(v.len() as f64)],
            }
        }
    }
}

fn truthy(v: &[FVal]) -> bool {
    matches!(v, [FVal::Bool(true)])
}

/// Evaluates a condition: true only for a single `true`.
pub fn holds<E: Env + ?Sized>(n: &Node, env: &E) -> bool {
    truthy(&eval(n, env))
}

/// Every item the expression reads.
pub fn items(n: &Node, out: &mut Vec<u32>) {
    match n {
        Node::Lit(_) => {}
        Node::Answers { item, .. } => out.push(*item),
        Node::Cmp(_, a, b) | Node::Concat(a, b) | Node::And(a, b) | Node::Or(a, b) => {
            items(a, out);
            items(b, out);
        }
        Node::Call(a, _) => items(a, out),
    }
}
