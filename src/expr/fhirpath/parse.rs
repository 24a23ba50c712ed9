//! FHIRPath syntax tree and parser (operator precedence of FHIRPath N1, §4/§6). Every function
//! name is checked here: a function triage does not evaluate is refused by name when the
//! questionnaire is loaded, never half understood at run time.

use super::lex::{Tok, TokKind, lex};
use crate::expr::num::int_to_f64;

/// A parsed expression. Environment names (`%name`) stay names until [`Ast::resolve`] binds
/// them.
#[derive(Debug, Clone, PartialEq)]
pub enum Ast {
    Empty,
    Bool(bool),
    Int(i64),
    Dec(f64),
    Str(String),
    /// `@...` date or dateTime literal text.
    DateTime(String),
    /// `@T...` time literal text.
    Time(String),
    /// A number with a unit: `5 'kg'`, `2 years`.
    Quantity(f64, String),
    This,
    Index,
    Total,
    /// `%resource`, `%questionnaire`, `%context`, `%ucum`, ... or a variable.
    Env(Env),
    /// A member of the focus (`item`, `linkId`).
    Member(Box<Ast>, String),
    /// A function called on the focus, with its (unevaluated) arguments.
    Call(Box<Ast>, Func, Vec<Ast>),
    Indexer(Box<Ast>, Box<Ast>),
    Neg(Box<Ast>),
    Bin(Op, Box<Ast>, Box<Ast>),
    Is(Box<Ast>, String),
    As(Box<Ast>, String),
}

/// An environment name, once resolved.
#[derive(Debug, Clone, PartialEq)]
pub enum Env {
    Resource,
    Questionnaire,
    Context,
    /// A text constant such as `%ucum` or `%sct`.
    Const(&'static str),
    /// A variable, by its index in the questionnaire's variable list.
    Var(u32),
    /// A variable defined elsewhere in the questionnaire but not around the expression: FHIRPath
    /// gives an error when it is evaluated (so the expression has no value).
    OutOfScope(String),
    /// Not yet resolved.
    Name(String),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Mul,
    Div,
    IntDiv,
    Mod,
    Add,
    Sub,
    Concat,
    Union,
    Lt,
    Le,
    Gt,
    Ge,
    Eq,
    Ne,
    Equiv,
    NotEquiv,
    In,
    Contains,
    And,
    Or,
    Xor,
    Implies,
}

macro_rules! funcs {
    ($($v:ident = $n:literal),* $(,)?) => {
        /// The FHIRPath functions triage evaluates (FHIRPath N1 plus SDC's `answers()`,
        /// `ordinal()` and `weight()`).
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum Func { $($v),* }
        impl Func {
            pub fn from_name(n: &str) -> Option<Func> {
                match n { $($n => Some(Func::$v),)* _ => None }
            }
            pub fn name(self) -> &'static str {
                match self { $(Func::$v => $n),* }
            }
        }
    };
}

funcs! {
    Empty = "empty", Exists = "exists", All = "all", AllTrue = "allTrue", AnyTrue = "anyTrue",
    AllFalse = "allFalse", AnyFalse = "anyFalse", Count = "count", Distinct = "distinct",
    IsDistinct = "isDistinct", Where = "where", Select = "select", Repeat = "repeat",
    OfType = "ofType", First = "first", Last = "last", Tail = "tail", Skip = "skip",
    Take = "take", Single = "single", Combine = "combine", Union = "union",
    Intersect = "intersect", Exclude = "exclude", Iif = "iif", Not = "not",
    ToString = "toString", ToInteger = "toInteger", ToDecimal = "toDecimal",
    ToBoolean = "toBoolean", ToDate = "toDate", ToDateTime = "toDateTime",
    ToQuantity = "toQuantity", ConvertsToInteger = "convertsToInteger",
    ConvertsToDecimal = "convertsToDecimal", Substring = "substring",
    StartsWith = "startsWith", EndsWith = "endsWith", ContainsStr = "contains",
    Replace = "replace", Matches = "matches", Lower = "lower", Upper = "upper",
    Length = "length", IndexOf = "indexOf", Trim = "trim", Split = "split", Join = "join",
    Round = "round", Floor = "floor", Ceiling = "ceiling", Truncate = "truncate", Abs = "abs",
    Ln = "ln", Log = "log", Exp = "exp", Power = "power", Sqrt = "sqrt", Sum = "sum",
    Min = "min", Max = "max", Avg = "avg", Today = "today", Now = "now",
    HasValue = "hasValue", Children = "children", Descendants = "descendants",
    Extension = "extension", Trace = "trace", Ordinal = "ordinal", Weight = "weight",
    Answers = "answers",
}

/// Parses a FHIRPath expression. The error says what is not understood. An expression longer
/// than [`crate::limits::MAX_FHIRPATH_BYTES`], with more than
/// [`crate::limits::MAX_EXPR_NODES`] tokens, or nested deeper than
/// [`crate::limits::MAX_EXPR_DEPTH`] is refused: the tree it builds is walked recursively.
pub fn parse(src: &str) -> Result<Ast, String> {
    use crate::limits::{MAX_EXPR_NODES, MAX_FHIRPATH_BYTES};
    if src.len() > MAX_FHIRPATH_BYTES {
        return Err(format!(
            "the expression is {}; triage reads FHIRPath expressions up to {}",
            crate::limits::size(src.len()),
            crate::limits::size(MAX_FHIRPATH_BYTES)
        ));
    }
    let t = lex(src)?;
    if let Some(tok) = t.get(MAX_EXPR_NODES) {
        return Err(format!(
            "the expression has more than {MAX_EXPR_NODES} names, values and operators (at {})",
            tok.at
        ));
    }
    let mut p = P {
        t,
        pos: 0,
        depth: 0,
    };
    let e = p.expr(0)?;
    if let Some(t) = p.t.get(p.pos) {
        return Err(format!("unexpected text at {}", t.at));
    }
    // Operator and member chains (`1 + 1 + ...`, `a.b.c...`) build deep trees without nesting.
    if e.depth() > crate::limits::MAX_FHIRPATH_TREE_DEPTH {
        return Err(format!(
            "the expression chains too many operators or members: at most {} deep",
            crate::limits::MAX_FHIRPATH_TREE_DEPTH
        ));
    }
    Ok(e)
}

impl Ast {
    /// The depth of the tree (a literal is 1), measured without recursion.
    pub fn depth(&self) -> usize {
        let mut deepest = 0;
        let mut stack = vec![(self, 1usize)];
        while let Some((a, d)) = stack.pop() {
            deepest = deepest.max(d);
            match a {
                Ast::Member(x, _) | Ast::Neg(x) | Ast::Is(x, _) | Ast::As(x, _) => {
                    stack.push((x, d + 1));
                }
                Ast::Call(x, _, args) => {
                    stack.push((x, d + 1));
                    stack.extend(args.iter().map(|a| (a, d + 1)));
                }
                Ast::Indexer(x, y) | Ast::Bin(_, x, y) => {
                    stack.push((x, d + 1));
                    stack.push((y, d + 1));
                }
                _ => {}
            }
        }
        deepest
    }
}

struct P {
    t: Vec<Tok>,
    pos: usize,
    /// Sub-expressions open around the current token (see `crate::limits`).
    depth: usize,
}

/// Binary operators by precedence level, loosest first.
fn level(op: &TokKind) -> Option<(usize, Op)> {
    let word = |w: &str| match w {
        "implies" => Some((0, Op::Implies)),
        "or" => Some((1, Op::Or)),
        "xor" => Some((1, Op::Xor)),
        "and" => Some((2, Op::And)),
        "in" => Some((3, Op::In)),
        "contains" => Some((3, Op::Contains)),
        "div" => Some((8, Op::IntDiv)),
        "mod" => Some((8, Op::Mod)),
        _ => None,
    };
    match op {
        TokKind::Ident(w) => word(w),
        TokKind::Op(o) => Some(match *o {
            "=" => (4, Op::Eq),
            "!=" => (4, Op::Ne),
            "~" => (4, Op::Equiv),
            "!~" => (4, Op::NotEquiv),
            "<" => (5, Op::Lt),
            "<=" => (5, Op::Le),
            ">" => (5, Op::Gt),
            ">=" => (5, Op::Ge),
            "|" => (6, Op::Union),
            "+" => (7, Op::Add),
            "-" => (7, Op::Sub),
            "&" => (7, Op::Concat),
            "*" => (8, Op::Mul),
            "/" => (8, Op::Div),
            _ => return None,
        }),
        _ => None,
    }
}

/// `is` / `as` bind between `|` (6) and `+` (7).
const TYPE_LEVEL: usize = 7;

impl P {
    fn peek(&self) -> Option<&TokKind> {
        self.t.get(self.pos).map(|t| &t.kind)
    }

    fn at(&self) -> String {
        self.t
            .get(self.pos)
            .map_or("the end".to_owned(), |t| format!("{}", t.at))
    }

    fn expect(&mut self, k: &TokKind, what: &str) -> Result<(), String> {
        if self.peek() == Some(k) {
            self.pos += 1;
            Ok(())
        } else {
            Err(format!("expected {what} at {}", self.at()))
        }
    }

    fn expr(&mut self, min: usize) -> Result<Ast, String> {
        self.depth += 1;
        if self.depth > crate::limits::MAX_EXPR_DEPTH {
            return Err(format!(
                "the expression nests too deeply at {}: at most {} levels of parentheses, calls and operators",
                self.at(),
                crate::limits::MAX_EXPR_DEPTH
            ));
        }
        let e = self.expr_inner(min);
        self.depth -= 1;
        e
    }

    fn expr_inner(&mut self, min: usize) -> Result<Ast, String> {
        let mut lhs = self.unary()?;
        loop {
            if let Some(TokKind::Ident(w)) = self.peek()
                && (w == "is" || w == "as")
                && TYPE_LEVEL >= min
            {
                let is = w == "is";
                self.pos += 1;
                let ty = self.type_name()?;
                lhs = if is {
                    Ast::Is(Box::new(lhs), ty)
                } else {
                    Ast::As(Box::new(lhs), ty)
                };
                continue;
            }
            let Some((lvl, op)) = self.peek().and_then(level) else {
                break;
            };
            if lvl < min {
                break;
            }
            self.pos += 1;
            let rhs = self.expr(lvl + 1)?;
            lhs = Ast::Bin(op, Box::new(lhs), Box::new(rhs));
        }
        Ok(lhs)
    }

    fn type_name(&mut self) -> Result<String, String> {
        let mut name = match self.peek() {
            Some(TokKind::Ident(n)) => n.clone(),
            _ => return Err(format!("expected a type name at {}", self.at())),
        };
        self.pos += 1;
        // `FHIR.Quantity`, `System.String`: the namespace is dropped.
        while self.peek() == Some(&TokKind::Dot) {
            if let Some(TokKind::Ident(n)) = self.t.get(self.pos + 1).map(|t| &t.kind) {
                name.clone_from(n);
                self.pos += 2;
            } else {
                break;
            }
        }
        Ok(name)
    }

    fn unary(&mut self) -> Result<Ast, String> {
        match self.peek() {
            Some(TokKind::Op("-" | "+")) if self.depth >= crate::limits::MAX_EXPR_DEPTH => {
                Err(format!("too many signs in a row at {}", self.at()))
            }
            Some(TokKind::Op("-")) => {
                self.pos += 1;
                self.depth += 1;
                let inner = self.unary();
                self.depth -= 1;
                Ok(Ast::Neg(Box::new(inner?)))
            }
            Some(TokKind::Op("+")) => {
                self.pos += 1;
                self.depth += 1;
                let inner = self.unary();
                self.depth -= 1;
                inner
            }
            _ => self.postfix(),
        }
    }

    fn postfix(&mut self) -> Result<Ast, String> {
        let mut e = self.term()?;
        loop {
            match self.peek() {
                Some(TokKind::Dot) => {
                    self.pos += 1;
                    let name = match self.peek() {
                        Some(TokKind::Ident(n)) => n.clone(),
                        _ => return Err(format!("expected a name after `.` at {}", self.at())),
                    };
                    self.pos += 1;
                    e = self.invocation(e, name)?;
                }
                Some(TokKind::LBracket) => {
                    self.pos += 1;
                    let i = self.expr(0)?;
                    self.expect(&TokKind::RBracket, "`]`")?;
                    e = Ast::Indexer(Box::new(e), Box::new(i));
                }
                _ => return Ok(e),
            }
        }
    }

    /// `name` or `name(args)` applied to `focus`.
    fn invocation(&mut self, focus: Ast, name: String) -> Result<Ast, String> {
        if self.peek() != Some(&TokKind::LParen) {
            return Ok(Ast::Member(Box::new(focus), name));
        }
        self.pos += 1;
        let func = Func::from_name(&name).ok_or_else(|| {
            format!("the FHIRPath function `{name}()` is not supported by triage")
        })?;
        let mut args = Vec::new();
        if self.peek() != Some(&TokKind::RParen) {
            loop {
                // `ofType(Coding)`, `is(T)`: a type name is kept as a member name.
                args.push(self.expr(0)?);
                if self.peek() == Some(&TokKind::Comma) {
                    self.pos += 1;
                } else {
                    break;
                }
            }
        }
        self.expect(&TokKind::RParen, "`)`")?;
        Ok(Ast::Call(Box::new(focus), func, args))
    }

    fn term(&mut self) -> Result<Ast, String> {
        let Some(t) = self.peek().cloned() else {
            return Err("the expression ends too early".into());
        };
        self.pos += 1;
        Ok(match t {
            TokKind::Str(s) => Ast::Str(s),
            TokKind::Int(n) => self.maybe_quantity(int_to_f64(n)).unwrap_or(Ast::Int(n)),
            TokKind::Dec(n) => self.maybe_quantity(n).unwrap_or(Ast::Dec(n)),
            TokKind::DateTime(s) => Ast::DateTime(s),
            TokKind::Time(s) => Ast::Time(s),
            TokKind::Env(n) => Ast::Env(match n.as_str() {
                "resource" => Env::Resource,
                "questionnaire" => Env::Questionnaire,
                "context" => Env::Context,
                "ucum" => Env::Const("http://unitsofmeasure.org"),
                "sct" => Env::Const("http://snomed.info/sct"),
                "loinc" => Env::Const("http://loinc.org"),
                _ => Env::Name(n),
            }),
            TokKind::Special(s) => match s.as_str() {
                "this" => Ast::This,
                "index" => Ast::Index,
                "total" => Ast::Total,
                other => return Err(format!("`${other}` is not a FHIRPath name")),
            },
            TokKind::LParen => {
                let e = self.expr(0)?;
                self.expect(&TokKind::RParen, "`)`")?;
                e
            }
            TokKind::LBrace => {
                self.expect(
                    &TokKind::RBrace,
                    "`}` (only the empty collection `{}` is allowed)",
                )?;
                Ast::Empty
            }
            TokKind::Ident(w) if w == "true" => Ast::Bool(true),
            TokKind::Ident(w) if w == "false" => Ast::Bool(false),
            TokKind::Ident(w) => self.invocation(Ast::This, w)?,
            other => {
                let at = self.pos.checked_sub(1).and_then(|p| self.t.get(p));
                return Err(format!(
                    "unexpected {other:?} at {}",
                    at.map_or(0, |t| t.at)
                ));
            }
        })
    }

    /// A number followed by a unit (`'kg'` or a calendar word) is a quantity.
    fn maybe_quantity(&mut self, n: f64) -> Option<Ast> {
        let unit = match self.peek()? {
            TokKind::Str(u) => u.clone(),
            TokKind::Ident(w) if calendar_unit(w).is_some() => w.clone(),
            _ => return None,
        };
        self.pos += 1;
        Some(Ast::Quantity(n, unit))
    }
}

/// The calendar duration words of FHIRPath, as their singular.
pub fn calendar_unit(w: &str) -> Option<&'static str> {
    Some(match w {
        "year" | "years" | "a" => "year",
        "month" | "months" | "mo" => "month",
        "week" | "weeks" | "wk" => "week",
        "day" | "days" | "d" => "day",
        "hour" | "hours" | "h" => "hour",
        "minute" | "minutes" | "min" => "minute",
        "second" | "seconds" | "s" => "second",
        _ => return None,
    })
}

impl Ast {
    /// Binds every `%name` with `bind`; the error names the first unknown one.
    pub fn resolve(&mut self, bind: &dyn Fn(&str) -> Option<u32>) -> Result<(), String> {
        match self {
            Ast::Env(e) => {
                if let Env::Name(n) = e {
                    match bind(n) {
                        Some(i) => *e = Env::Var(i),
                        None => return Err(format!("`%{n}` is not defined here")),
                    }
                }
                Ok(())
            }
            Ast::Member(a, _) | Ast::Neg(a) | Ast::Is(a, _) | Ast::As(a, _) => a.resolve(bind),
            Ast::Call(a, _, args) => {
                a.resolve(bind)?;
                args.iter_mut().try_for_each(|x| x.resolve(bind))
            }
            Ast::Indexer(a, b) | Ast::Bin(_, a, b) => {
                a.resolve(bind)?;
                b.resolve(bind)
            }
            _ => Ok(()),
        }
    }

    /// Marks `%name` as out of scope (see [`Env::OutOfScope`]).
    pub fn out_of_scope(&mut self, name: &str) {
        match self {
            Ast::Env(e) => {
                if matches!(e, Env::Name(n) if n == name) {
                    *e = Env::OutOfScope(name.to_owned());
                }
            }
            Ast::Member(a, _) | Ast::Neg(a) | Ast::Is(a, _) | Ast::As(a, _) => a.out_of_scope(name),
            Ast::Call(a, _, args) => {
                a.out_of_scope(name);
                for x in args.iter_mut() {
                    x.out_of_scope(name);
                }
            }
            Ast::Indexer(a, b) | Ast::Bin(_, a, b) => {
                a.out_of_scope(name);
                b.out_of_scope(name);
            }
            _ => {}
        }
    }

    /// Every `%name` not yet bound, in order of appearance.
    pub fn names(&self, out: &mut Vec<String>) {
        match self {
            Ast::Env(Env::Name(n)) => out.push(n.clone()),
            Ast::Member(a, _) | Ast::Neg(a) | Ast::Is(a, _) | Ast::As(a, _) => a.names(out),
            Ast::Call(a, _, args) => {
                a.names(out);
                for x in args {
                    x.names(out);
                }
            }
            Ast::Indexer(a, b) | Ast::Bin(_, a, b) => {
                a.names(out);
                b.names(out);
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `*` binds tighter than `+`, which binds tighter than comparison, then `and`, then `or`.
    #[test]
    fn precedence() {
        let e = parse("1 + 2 * 3 > 6 and true or false").unwrap();
        let Ast::Bin(Op::Or, l, _) = e else {
            panic!("{e:?}")
        };
        let Ast::Bin(Op::And, l, _) = *l else {
            panic!()
        };
        let Ast::Bin(Op::Gt, l, _) = *l else { panic!() };
        assert!(matches!(*l, Ast::Bin(Op::Add, _, _)));
    }

    /// Unknown functions are refused by name; quantities and `{}` parse.
    #[test]
    fn functions_and_literals() {
        let err = parse("a.memberOf('x')").unwrap_err();
        assert!(err.contains("memberOf"), "{err}");
        assert_eq!(parse("5 'kg'").unwrap(), Ast::Quantity(5.0, "kg".into()));
        assert_eq!(parse("{}").unwrap(), Ast::Empty);
        assert!(matches!(
            parse("today() - 18 years").unwrap(),
            Ast::Bin(Op::Sub, _, _)
        ));
        assert!(parse("x.ofType(FHIR.Quantity)").is_ok());
    }
}
