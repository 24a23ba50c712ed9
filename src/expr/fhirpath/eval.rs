//! Evaluates a FHIRPath syntax tree over JSON resources, with FHIRPath's collection semantics:
//! every expression yields a collection; an empty operand makes comparisons and arithmetic
//! empty; `and`/`or`/`not` use three-valued logic. What the tree reads from outside
//! (`%resource`, `%questionnaire`, variables, today's date, option scores) comes through [`Ctx`].

use super::parse::{Ast, Env, Op};
use super::value::{self, PDate, PTime, Val};
use crate::expr::num::{count_to_i64, f64_to_i64, int_to_f64};

/// A collection of values.
pub type Coll<'a> = Vec<Val<'a>>;

/// What an expression may read besides its focus.
pub trait Ctx<'a> {
    /// `%resource`: the QuestionnaireResponse being filled in.
    fn resource(&self) -> Option<Val<'a>>;
    /// `%questionnaire`: the Questionnaire itself.
    fn questionnaire(&self) -> Option<Val<'a>>;
    /// A variable's current value (empty when it could not be worked out).
    fn var(&self, index: u32) -> Coll<'a>;
    /// `today()`: the visit date.
    fn today(&self) -> jiff::civil::Date;
    /// The score (`itemWeight` / `ordinalValue`) of a coding chosen for the item `link`.
    fn weight(&self, link: Option<&str>, coding: &Val<'a>) -> Option<f64>;
    /// Told of every node whose answers the expression reads (`answer`, `children()`,
    /// `descendants()`, `answers()`), so a caller can tell when to evaluate it again.
    fn read(&self, _node: &'a serde_json::Value) {}
}

/// Where an expression is evaluated: `$this`, `$index` and `%context`.
#[derive(Clone, Copy)]
pub(super) struct Frame<'x, 'a> {
    pub this: &'x [Val<'a>],
    pub index: usize,
    pub context: &'x [Val<'a>],
}

pub(super) struct Ev<'c, 'a> {
    pub ctx: &'c dyn Ctx<'a>,
}

/// Evaluates `ast` with `%context` (and the initial focus) `context`. The error says what went
/// wrong (a type that does not fit, several values where one was needed).
pub fn evaluate<'a>(ast: &Ast, ctx: &dyn Ctx<'a>, context: &[Val<'a>]) -> Result<Coll<'a>, String> {
    let ev = Ev { ctx };
    ev.eval(
        ast,
        Frame {
            this: context,
            index: 0,
            context,
        },
    )
}

/// The single boolean of a collection, FHIRPath's singleton evaluation: empty is `None`; one
/// value that is not a boolean counts as true.
pub fn truth(c: &[Val<'_>]) -> Result<Option<bool>, String> {
    match c {
        [] => Ok(None),
        [Val::Bool(b)] => Ok(Some(*b)),
        [_] => Ok(Some(true)),
        _ => Err(format!(
            "{} values where one true/false was expected",
            c.len()
        )),
    }
}

fn one<'x, 'a>(c: &'x [Val<'a>], what: &str) -> Result<Option<&'x Val<'a>>, String> {
    match c {
        [] => Ok(None),
        [v] => Ok(Some(v)),
        _ => Err(format!("{what} needs one value, not {}", c.len())),
    }
}

impl<'a> Ev<'_, 'a> {
    pub(super) fn eval(&self, ast: &Ast, f: Frame<'_, 'a>) -> Result<Coll<'a>, String> {
        Ok(match ast {
            Ast::Empty => Vec::new(),
            Ast::Bool(b) => vec![Val::Bool(*b)],
            Ast::Int(i) => vec![Val::Int(*i)],
            Ast::Dec(d) => vec![Val::Dec(*d)],
            Ast::Str(s) => vec![Val::Str(s.clone())],
            Ast::DateTime(s) => {
                let (d, t) =
                    value::parse_datetime(s).ok_or_else(|| format!("`@{s}` is not a date"))?;
                vec![if t.is_none() && !s.contains('T') {
                    Val::Date(d)
                } else {
                    Val::DateTime(d, t)
                }]
            }
            Ast::Time(s) => {
                vec![Val::Time(
                    PTime::parse(s).ok_or_else(|| format!("`@T{s}` is not a time"))?,
                )]
            }
            Ast::Quantity(n, u) => vec![Val::Quantity(*n, u.clone())],
            Ast::This => f.this.to_vec(),
            Ast::Index => vec![Val::Int(count_to_i64(f.index))],
            Ast::Total => return Err("`$total` (aggregate) is not supported".into()),
            Ast::Env(e) => match e {
                Env::Resource => self.ctx.resource().into_iter().collect(),
                Env::Questionnaire => self.ctx.questionnaire().into_iter().collect(),
                Env::Context => f.context.to_vec(),
                Env::Const(s) => vec![Val::Str((*s).to_owned())],
                Env::Var(i) => self.ctx.var(*i),
                Env::Name(n) => return Err(format!("`%{n}` is not defined")),
                Env::OutOfScope(n) => return Err(format!("`%{n}` is not defined here")),
            },
            Ast::Member(focus, name) => {
                // The focus itself (`linkId` inside `where(...)`) is read in place.
                let input: std::borrow::Cow<'_, [Val<'a>]> = if **focus == Ast::This {
                    std::borrow::Cow::Borrowed(f.this)
                } else {
                    std::borrow::Cow::Owned(self.eval(focus, f)?)
                };
                // A leading type name (`QuestionnaireResponse.item`) names the root itself.
                if **focus == Ast::This && name.starts_with(|c: char| c.is_ascii_uppercase()) {
                    let is_type = |v: &Val<'_>| {
                        matches!(v, Val::Node { v, .. }
                            if v.get("resourceType").and_then(|r| r.as_str()) == Some(name))
                    };
                    if input.iter().any(is_type) {
                        return Ok(input.iter().filter(|v| is_type(v)).cloned().collect());
                    }
                }
                let mut out = Vec::new();
                for v in input.iter() {
                    if name == "answer"
                        && let Val::Node { v, .. } = v
                    {
                        self.ctx.read(v);
                    }
                    value::member(v, name, &mut out);
                }
                out
            }
            Ast::Indexer(focus, i) => {
                let input = self.eval(focus, f)?;
                let i = self.eval(i, f)?;
                match one(&i, "an index")? {
                    Some(Val::Int(i)) if *i >= 0 => input
                        .into_iter()
                        .nth(usize::try_from(*i).unwrap_or(usize::MAX))
                        .into_iter()
                        .collect(),
                    Some(_) => return Err("an index must be a whole number".into()),
                    None => Vec::new(),
                }
            }
            Ast::Neg(a) => {
                let v = self.eval(a, f)?;
                match one(&v, "`-`")? {
                    None => Vec::new(),
                    Some(Val::Int(i)) => vec![Val::Int(-i)],
                    Some(Val::Dec(d)) => vec![Val::Dec(-d)],
                    Some(Val::Quantity(n, u)) => vec![Val::Quantity(-n, u.clone())],
                    Some(_) => return Err("`-` needs a number".into()),
                }
            }
            Ast::Is(a, ty) => {
                let v = self.eval(a, f)?;
                match one(&v, "`is`")? {
                    None => Vec::new(),
                    Some(v) => vec![Val::Bool(is_type(v, ty))],
                }
            }
            Ast::As(a, ty) => self
                .eval(a, f)?
                .into_iter()
                .filter(|v| is_type(v, ty))
                .collect(),
            Ast::Call(focus, func, args) => {
                let input = self.eval(focus, f)?;
                self.call(*func, input, args, f)?
            }
            Ast::Bin(op, a, b) => self.binary(*op, a, b, f)?,
        })
    }

    fn binary(&self, op: Op, a: &Ast, b: &Ast, f: Frame<'_, 'a>) -> Result<Coll<'a>, String> {
        // Logic first: the right side is evaluated only when it can matter.
        if matches!(op, Op::And | Op::Or | Op::Xor | Op::Implies) {
            let l = truth(&self.eval(a, f)?)?;
            let short = match (op, l) {
                (Op::And, Some(false)) => Some(false),
                (Op::Or, Some(true)) | (Op::Implies, Some(false)) => Some(true),
                _ => None,
            };
            if let Some(v) = short {
                return Ok(vec![Val::Bool(v)]);
            }
            let r = truth(&self.eval(b, f)?)?;
            let v = match op {
                Op::And => match (l, r) {
                    (_, Some(false)) => Some(false),
                    (Some(true), Some(true)) => Some(true),
                    _ => None,
                },
                Op::Or => match (l, r) {
                    (_, Some(true)) => Some(true),
                    (Some(false), Some(false)) => Some(false),
                    _ => None,
                },
                Op::Xor => l.zip(r).map(|(x, y)| x != y),
                _ => match (l, r) {
                    (Some(true), r) => r,
                    (None, Some(true)) => Some(true),
                    _ => None,
                },
            };
            return Ok(v.map(Val::Bool).into_iter().collect());
        }
        let l = self.eval(a, f)?;
        // A text compared with a text literal (`linkId = 'x'`, the most common test in
        // questionnaires): no copy of the literal.
        if let (Op::Eq | Op::Ne, Ast::Str(lit), [Val::Str(s)]) = (op, b, l.as_slice()) {
            let eq = s == lit;
            return Ok(vec![Val::Bool(if op == Op::Eq { eq } else { !eq })]);
        }
        let r = self.eval(b, f)?;
        let bool1 = |b: Option<bool>| b.map(Val::Bool).into_iter().collect::<Coll<'a>>();
        Ok(match op {
            Op::Union => {
                let mut out: Coll<'a> = Vec::new();
                for v in l.into_iter().chain(r) {
                    if !out.iter().any(|o| value::equals(o, &v) == Some(true)) {
                        out.push(v);
                    }
                }
                out
            }
            Op::Concat => {
                let s = |c: &[Val<'_>]| -> Result<String, String> {
                    Ok(one(c, "`&`")?.and_then(Val::to_text).unwrap_or_default())
                };
                vec![Val::Str(s(&l)? + &s(&r)?)]
            }
            Op::Eq | Op::Ne => {
                if l.is_empty() || r.is_empty() {
                    return Ok(Vec::new());
                }
                let eq = if l.len() == r.len() {
                    let mut all = Some(true);
                    for (x, y) in l.iter().zip(&r) {
                        match value::equals(x, y) {
                            Some(true) => {}
                            Some(false) => {
                                all = Some(false);
                                break;
                            }
                            None => all = None,
                        }
                    }
                    all
                } else {
                    Some(false)
                };
                bool1(if op == Op::Eq { eq } else { eq.map(|e| !e) })
            }
            Op::Equiv | Op::NotEquiv => {
                let eq = l.len() == r.len()
                    && l.iter().all(|x| r.iter().any(|y| value::equivalent(x, y)));
                vec![Val::Bool(if op == Op::Equiv { eq } else { !eq })]
            }
            Op::Lt | Op::Le | Op::Gt | Op::Ge => {
                use std::cmp::Ordering::{Greater, Less};
                let (Some(x), Some(y)) = (one(&l, "a comparison")?, one(&r, "a comparison")?)
                else {
                    return Ok(Vec::new());
                };
                let o = value::compare(x, y);
                if o.is_none() && !comparable(x, y) {
                    return Err("these values cannot be compared".into());
                }
                bool1(o.map(|o| match op {
                    Op::Lt => o == Less,
                    Op::Le => o != Greater,
                    Op::Gt => o == Greater,
                    _ => o != Less,
                }))
            }
            Op::In | Op::Contains => {
                let (item, list) = if op == Op::In { (&l, &r) } else { (&r, &l) };
                match one(item, "`in`/`contains`")? {
                    None => Vec::new(),
                    Some(x) => vec![Val::Bool(
                        list.iter().any(|y| value::equals(x, y) == Some(true)),
                    )],
                }
            }
            _ => {
                let (Some(x), Some(y)) = (one(&l, "arithmetic")?, one(&r, "arithmetic")?) else {
                    return Ok(Vec::new());
                };
                arith(op, x, y)?.into_iter().collect()
            }
        })
    }
}

/// Whether two kinds of value are of a kind that compares (so an empty result means
/// "different precision", not a type error).
fn comparable(a: &Val<'_>, b: &Val<'_>) -> bool {
    let dateish = |v: &Val<'_>| matches!(v, Val::Date(_) | Val::DateTime(..) | Val::Str(_));
    (dateish(a) && dateish(b))
        || matches!(
            (a, b),
            (Val::Time(_), Val::Time(_)) | (Val::Quantity(..), Val::Quantity(..))
        )
}

fn is_type(v: &Val<'_>, ty: &str) -> bool {
    let ty = ty.trim_start_matches("FHIR.").trim_start_matches("System.");
    match v {
        Val::Bool(_) => ty.eq_ignore_ascii_case("boolean"),
        Val::Int(_) => ty.eq_ignore_ascii_case("integer"),
        Val::Dec(_) => ty.eq_ignore_ascii_case("decimal"),
        Val::Str(_) => matches!(ty, "string" | "String" | "code" | "uri" | "id" | "markdown"),
        Val::Date(_) => ty.eq_ignore_ascii_case("date"),
        Val::DateTime(..) => ty.eq_ignore_ascii_case("datetime"),
        Val::Time(_) => ty.eq_ignore_ascii_case("time"),
        Val::Quantity(..) => ty == "Quantity",
        Val::Node { v, ty: t, .. } => {
            *t == Some(ty) || v.get("resourceType").and_then(|r| r.as_str()) == Some(ty)
        }
    }
}

fn arith<'a>(op: Op, x: &Val<'a>, y: &Val<'a>) -> Result<Option<Val<'a>>, String> {
    Ok(Some(match (x, y) {
        (Val::Int(a), Val::Int(b)) => match op {
            Op::Add => Val::Int(a.checked_add(*b).ok_or("a number is too large")?),
            Op::Sub => Val::Int(a.checked_sub(*b).ok_or("a number is too large")?),
            Op::Mul => Val::Int(a.checked_mul(*b).ok_or("a number is too large")?),
            Op::Div | Op::IntDiv | Op::Mod if *b == 0 => return Ok(None),
            Op::Div => Val::Dec(int_to_f64(*a) / int_to_f64(*b)),
            Op::IntDiv => Val::Int(a.div_euclid(*b)),
            Op::Mod => Val::Int(a.rem_euclid(*b)),
            _ => return Err("not a number operation".into()),
        },
        (Val::Str(a), Val::Str(b)) if op == Op::Add => Val::Str(format!("{a}{b}")),
        (Val::Date(_) | Val::DateTime(..), Val::Quantity(n, u))
            if matches!(op, Op::Add | Op::Sub) =>
        {
            let sign = if op == Op::Add { 1.0 } else { -1.0 };
            return shift_date(x, sign * n, u).map(Some);
        }
        (Val::Quantity(a, u), Val::Quantity(b, v)) if matches!(op, Op::Add | Op::Sub) => {
            let b = super::units::convert(*b, v, u).ok_or("quantities of different kinds")?;
            Val::Quantity(if op == Op::Add { a + b } else { a - b }, u.clone())
        }
        (Val::Quantity(a, u), n) if matches!(op, Op::Mul | Op::Div) && n.as_num().is_some() => {
            let n = n.as_num().unwrap_or(f64::NAN);
            if op == Op::Div && n == 0.0 {
                return Ok(None);
            }
            Val::Quantity(if op == Op::Mul { a * n } else { a / n }, u.clone())
        }
        (n, Val::Quantity(a, u)) if op == Op::Mul && n.as_num().is_some() => {
            Val::Quantity(a * n.as_num().unwrap_or(f64::NAN), u.clone())
        }
        _ => {
            let (Some(a), Some(b)) = (x.as_num(), y.as_num()) else {
                return Err("arithmetic needs numbers".into());
            };
            let r = match op {
                Op::Add => a + b,
                Op::Sub => a - b,
                Op::Mul => a * b,
                Op::Div | Op::IntDiv | Op::Mod if b == 0.0 => return Ok(None),
                Op::Div => a / b,
                Op::IntDiv => return Ok(Some(Val::Int(f64_to_i64((a / b).trunc())))),
                Op::Mod => a % b,
                _ => return Err("not a number operation".into()),
            };
            Val::Dec(r)
        }
    }))
}

/// A date moved by a calendar quantity (`today() - 18 years`).
fn shift_date<'a>(d: &Val<'a>, n: f64, unit: &str) -> Result<Val<'a>, String> {
    let (date, time) = match d {
        Val::Date(d) => (*d, None),
        Val::DateTime(d, t) => (*d, *t),
        _ => return Err("not a date".into()),
    };
    let n = f64_to_i64(n.trunc());
    let unit = super::parse::calendar_unit(unit).unwrap_or(unit);
    let span = match unit {
        "year" => jiff::Span::new().try_years(n),
        "month" => jiff::Span::new().try_months(n),
        "week" => jiff::Span::new().try_weeks(n),
        "day" => jiff::Span::new().try_days(n),
        _ => return Err(format!("a date cannot be moved by `{unit}`")),
    }
    .map_err(|e| e.to_string())?;
    let full = PDate {
        y: date.y,
        m: Some(date.m.unwrap_or(1)),
        d: Some(date.d.unwrap_or(1)),
    }
    .to_civil()
    .ok_or("not a date")?;
    let moved = full.checked_add(span).map_err(|e| e.to_string())?;
    let mut out = PDate::full(moved);
    out.m = date.m.and(out.m);
    out.d = date.d.and(out.d);
    Ok(match d {
        Val::Date(_) => Val::Date(out),
        _ => Val::DateTime(out, time),
    })
}
