//! FHIRPath functions (N1 §5, the subset listed in [`Func`]) and SDC's `answers()`,
//! `ordinal()` / `weight()`. Functions that iterate (`where`, `select`, `all`, `exists`,
//! `repeat`) evaluate their argument once per input value with `$this` bound to it.

use super::eval::{Coll, Ev, Frame, truth};
use super::parse::{Ast, Func};
use super::value::{self, PDate, PTime, Val};
use crate::expr::num::{count_to_f64, count_to_i64, f64_to_count, f64_to_i64, int_to_f64};

impl<'a> Ev<'_, 'a> {
    fn arg(&self, args: &[Ast], i: usize, f: Frame<'_, 'a>) -> Result<Coll<'a>, String> {
        match args.get(i) {
            Some(a) => self.eval(a, f),
            None => Err(format!("argument {} is missing", i + 1)),
        }
    }

    fn arg_num(&self, args: &[Ast], i: usize, f: Frame<'_, 'a>) -> Result<Option<f64>, String> {
        let v = self.arg(args, i, f)?;
        match v.as_slice() {
            [] => Ok(None),
            [x] => x
                .as_num()
                .map(Some)
                .ok_or_else(|| "expected a number".into()),
            _ => Err("expected one number".into()),
        }
    }

    fn arg_str(&self, args: &[Ast], i: usize, f: Frame<'_, 'a>) -> Result<Option<String>, String> {
        if let Some(Ast::Str(s)) = args.get(i) {
            return Ok(Some(s.clone()));
        }
        let v = self.arg(args, i, f)?;
        match v.as_slice() {
            [] => Ok(None),
            [Val::Str(s)] => Ok(Some(s.clone())),
            _ => Err("expected one text".into()),
        }
    }

    /// `crit` evaluated for each value of `input`, with `$this` and `$index` bound.
    fn each(
        &self,
        input: &[Val<'a>],
        crit: &Ast,
        f: Frame<'_, 'a>,
        mut step: impl FnMut(usize, Coll<'a>) -> Result<bool, String>,
    ) -> Result<(), String> {
        for (i, v) in input.iter().enumerate() {
            let frame = Frame {
                this: std::slice::from_ref(v),
                index: i,
                context: f.context,
            };
            if !step(i, self.eval(crit, frame)?)? {
                break;
            }
        }
        Ok(())
    }

    #[allow(
        clippy::indexing_slicing,
        reason = "`each` calls back with `i` in `0..input.len()`"
    )]
    pub(super) fn call(
        &self,
        func: Func,
        input: Coll<'a>,
        args: &[Ast],
        f: Frame<'_, 'a>,
    ) -> Result<Coll<'a>, String> {
        let b = |x: bool| Ok(vec![Val::Bool(x)]);
        let single = |what: &str| -> Result<Option<Val<'a>>, String> {
            match input.as_slice() {
                [] => Ok(None),
                [v] => Ok(Some(v.clone())),
                _ => Err(format!("`{what}()` needs one value, not {}", input.len())),
            }
        };
        match func {
            Func::Empty => b(input.is_empty()),
            Func::Exists if args.is_empty() => b(!input.is_empty()),
            Func::Exists | Func::All => {
                let want_all = func == Func::All;
                let mut result = want_all;
                let crit = args.first().ok_or("a condition is missing")?;
                self.each(&input, crit, f, |_, c| {
                    let t = truth(&c)?.unwrap_or(false);
                    if t != want_all {
                        result = !want_all;
                        return Ok(false);
                    }
                    Ok(true)
                })?;
                b(result)
            }
            Func::AllTrue | Func::AnyTrue | Func::AllFalse | Func::AnyFalse => {
                let bools: Vec<bool> = input
                    .iter()
                    .map(|v| match v {
                        Val::Bool(x) => Ok(*x),
                        _ => Err("expected true/false values".to_owned()),
                    })
                    .collect::<Result<_, _>>()?;
                b(match func {
                    Func::AllTrue => bools.iter().all(|x| *x),
                    Func::AnyTrue => bools.iter().any(|x| *x),
                    Func::AllFalse => bools.iter().all(|x| !*x),
                    _ => bools.iter().any(|x| !*x),
                })
            }
            Func::Count => Ok(vec![Val::Int(count_to_i64(input.len()))]),
            Func::Distinct => {
                let mut out: Coll<'a> = Vec::new();
                for v in input {
                    if !out.iter().any(|o| value::equals(o, &v) == Some(true)) {
                        out.push(v);
                    }
                }
                Ok(out)
            }
            Func::IsDistinct => {
                let n = input.len();
                let d = self.call(Func::Distinct, input, args, f)?;
                b(d.len() == n)
            }
            Func::Where => {
                let crit = args.first().ok_or("`where()` needs a condition")?;
                let mut out = Vec::new();
                self.each(&input, crit, f, |i, c| {
                    if truth(&c)? == Some(true) {
                        out.push(input[i].clone());
                    }
                    Ok(true)
                })?;
                Ok(out)
            }
            Func::Select => {
                let e = args.first().ok_or("`select()` needs an expression")?;
                let mut out = Vec::new();
                self.each(&input, e, f, |_, c| {
                    out.extend(c);
                    Ok(true)
                })?;
                Ok(out)
            }
            Func::Repeat => {
                let e = args.first().ok_or("`repeat()` needs an expression")?;
                let mut out: Coll<'a> = Vec::new();
                let mut queue = input;
                let mut rounds = 0;
                while !queue.is_empty() {
                    rounds += 1;
                    if rounds > 64 {
                        return Err("`repeat()` goes deeper than 64 levels".into());
                    }
                    let mut next = Vec::new();
                    self.each(&queue, e, f, |_, c| {
                        next.extend(c);
                        Ok(true)
                    })?;
                    next.retain(|v| !out.iter().any(|o| o == v));
                    out.extend(next.iter().cloned());
                    queue = next;
                }
                Ok(out)
            }
            Func::OfType => {
                let ty = match args.first() {
                    Some(Ast::Member(_, n)) => n.clone(),
                    _ => return Err("`ofType()` needs a type name".into()),
                };
                self.eval(
                    &Ast::As(Box::new(Ast::This), ty),
                    Frame { this: &input, ..f },
                )
            }
            Func::First => Ok(input.into_iter().take(1).collect()),
            Func::Last => Ok(input.into_iter().last().into_iter().collect()),
            Func::Tail => Ok(input.into_iter().skip(1).collect()),
            Func::Skip | Func::Take => {
                let n = f64_to_count(self.arg_num(args, 0, f)?.unwrap_or(0.0).max(0.0));
                Ok(if func == Func::Skip {
                    input.into_iter().skip(n).collect()
                } else {
                    input.into_iter().take(n).collect()
                })
            }
            Func::Single => Ok(single("single")?.into_iter().collect()),
            Func::Combine | Func::Union => {
                let other = self.arg(args, 0, f)?;
                if func == Func::Combine {
                    Ok(input.into_iter().chain(other).collect())
                } else {
                    let mut out: Coll<'a> = Vec::new();
                    for v in input.into_iter().chain(other) {
                        if !out.iter().any(|o| value::equals(o, &v) == Some(true)) {
                            out.push(v);
                        }
                    }
                    Ok(out)
                }
            }
            Func::Intersect | Func::Exclude => {
                let other = self.arg(args, 0, f)?;
                let keep = func == Func::Intersect;
                Ok(input
                    .into_iter()
                    .filter(|v| other.iter().any(|o| value::equals(o, v) == Some(true)) == keep)
                    .collect())
            }
            Func::Iif => {
                let c = truth(&self.arg(args, 0, f)?)?;
                if c == Some(true) {
                    self.arg(args, 1, f)
                } else if args.len() > 2 {
                    self.arg(args, 2, f)
                } else {
                    Ok(Vec::new())
                }
            }
            Func::Not => Ok(truth(&input)?.map(|x| Val::Bool(!x)).into_iter().collect()),
            Func::ToString => Ok(single("toString")?
                .and_then(|v| v.to_text())
                .map(Val::Str)
                .into_iter()
                .collect()),
            Func::ToInteger | Func::ConvertsToInteger => {
                let v = single("toInteger")?;
                let r = match &v {
                    Some(Val::Int(i)) => Some(*i),
                    Some(Val::Str(s)) => s.trim().parse().ok(),
                    Some(Val::Bool(x)) => Some(i64::from(*x)),
                    _ => None,
                };
                if func == Func::ConvertsToInteger {
                    return Ok(v.map(|_| Val::Bool(r.is_some())).into_iter().collect());
                }
                Ok(r.map(Val::Int).into_iter().collect())
            }
            Func::ToDecimal | Func::ConvertsToDecimal => {
                let v = single("toDecimal")?;
                let r = match &v {
                    Some(Val::Int(i)) => Some(int_to_f64(*i)),
                    Some(Val::Dec(d)) => Some(*d),
                    Some(Val::Str(s)) => s.trim().parse().ok(),
                    Some(Val::Bool(x)) => Some(if *x { 1.0 } else { 0.0 }),
                    _ => None,
                };
                if func == Func::ConvertsToDecimal {
                    return Ok(v.map(|_| Val::Bool(r.is_some())).into_iter().collect());
                }
                Ok(r.map(Val::Dec).into_iter().collect())
            }
            Func::ToBoolean => Ok(match single("toBoolean")? {
                Some(Val::Bool(x)) => Some(x),
                Some(Val::Str(s)) => match s.to_lowercase().as_str() {
                    "true" | "t" | "yes" | "y" | "1" | "1.0" => Some(true),
                    "false" | "f" | "no" | "n" | "0" | "0.0" => Some(false),
                    _ => None,
                },
                Some(Val::Int(1)) => Some(true),
                Some(Val::Int(0)) => Some(false),
                _ => None,
            }
            .map(Val::Bool)
            .into_iter()
            .collect()),
            Func::ToDate | Func::ToDateTime => Ok(match single("toDate")? {
                Some(Val::Date(d)) => Some((d, None)),
                Some(Val::DateTime(d, t)) => Some((d, t)),
                Some(Val::Str(s)) => value::parse_datetime(&s),
                _ => None,
            }
            .map(|(d, t)| {
                if func == Func::ToDate {
                    Val::Date(d)
                } else {
                    Val::DateTime(d, t)
                }
            })
            .into_iter()
            .collect()),
            Func::ToQuantity => {
                let unit = self.arg_str(args, 0, f)?;
                let q = match single("toQuantity")? {
                    Some(Val::Quantity(n, u)) => Some((n, u)),
                    Some(v) => v.as_num().map(|n| (n, "1".to_owned())),
                    None => None,
                };
                Ok(match (q, unit) {
                    (None, _) => None,
                    (Some((n, u)), None) => Some(Val::Quantity(n, u)),
                    (Some((n, u)), Some(to)) => {
                        super::units::convert(n, &u, &to).map(|x| Val::Quantity(x, to))
                    }
                }
                .into_iter()
                .collect())
            }
            Func::Substring => {
                let Some(Val::Str(s)) = single("substring")? else {
                    return Ok(Vec::new());
                };
                let chars: Vec<char> = s.chars().collect();
                let Some(start) = self.arg_num(args, 0, f)? else {
                    return Ok(Vec::new());
                };
                if start < 0.0 || f64_to_count(start) >= chars.len() {
                    return Ok(Vec::new());
                }
                let start = f64_to_count(start);
                let len = match args.get(1) {
                    Some(_) => f64_to_count(self.arg_num(args, 1, f)?.unwrap_or(0.0).max(0.0)),
                    None => chars.len(),
                };
                Ok(vec![Val::Str(chars.iter().skip(start).take(len).collect())])
            }
            Func::StartsWith | Func::EndsWith | Func::ContainsStr | Func::IndexOf => {
                let Some(Val::Str(s)) = single(func.name())? else {
                    return Ok(Vec::new());
                };
                let Some(p) = self.arg_str(args, 0, f)? else {
                    return Ok(Vec::new());
                };
                Ok(vec![match func {
                    Func::StartsWith => Val::Bool(s.starts_with(&p)),
                    Func::EndsWith => Val::Bool(s.ends_with(&p)),
                    Func::ContainsStr => Val::Bool(s.contains(&p)),
                    _ => Val::Int(s.find(&p).map_or(-1, |i| {
                        count_to_i64(s.get(..i).map_or(0, |head| head.chars().count()))
                    })),
                }])
            }
            Func::Replace => {
                let Some(Val::Str(s)) = single("replace")? else {
                    return Ok(Vec::new());
                };
                match (self.arg_str(args, 0, f)?, self.arg_str(args, 1, f)?) {
                    (Some(p), Some(r)) => Ok(vec![Val::Str(s.replace(&p, &r))]),
                    _ => Ok(Vec::new()),
                }
            }
            Func::Matches => {
                let Some(Val::Str(s)) = single("matches")? else {
                    return Ok(Vec::new());
                };
                let Some(p) = self.arg_str(args, 0, f)? else {
                    return Ok(Vec::new());
                };
                let re = regex_lite::Regex::new(&p).map_err(|e| e.to_string())?;
                b(re.is_match(&s))
            }
            Func::Lower | Func::Upper | Func::Length | Func::Trim => {
                let Some(Val::Str(s)) = single(func.name())? else {
                    return Ok(Vec::new());
                };
                Ok(vec![match func {
                    Func::Lower => Val::Str(s.to_lowercase()),
                    Func::Upper => Val::Str(s.to_uppercase()),
                    Func::Trim => Val::Str(s.trim().to_owned()),
                    _ => Val::Int(count_to_i64(s.chars().count())),
                }])
            }
            Func::Split => {
                let Some(Val::Str(s)) = single("split")? else {
                    return Ok(Vec::new());
                };
                let sep = self.arg_str(args, 0, f)?.unwrap_or_default();
                Ok(s.split(sep.as_str())
                    .map(|p| Val::Str(p.to_owned()))
                    .collect())
            }
            Func::Join => {
                let sep = match args.first() {
                    Some(_) => self.arg_str(args, 0, f)?.unwrap_or_default(),
                    None => String::new(),
                };
                let parts: Vec<String> = input.iter().filter_map(Val::to_text).collect();
                Ok(vec![Val::Str(parts.join(&sep))])
            }
            Func::Round
            | Func::Floor
            | Func::Ceiling
            | Func::Truncate
            | Func::Abs
            | Func::Ln
            | Func::Exp
            | Func::Sqrt
            | Func::Log
            | Func::Power => self.math(func, single, args, f),
            Func::Sum | Func::Min | Func::Max | Func::Avg => {
                if input.is_empty() {
                    return Ok(if func == Func::Sum {
                        vec![Val::Int(0)]
                    } else {
                        Vec::new()
                    });
                }
                let all_int = input.iter().all(|v| matches!(v, Val::Int(_)));
                let nums: Vec<f64> = input
                    .iter()
                    .map(|v| v.as_num().ok_or("expected numbers"))
                    .collect::<Result<_, _>>()?;
                let r = match func {
                    Func::Sum => nums.iter().sum(),
                    Func::Min => nums.iter().copied().fold(f64::INFINITY, f64::min),
                    Func::Max => nums.iter().copied().fold(f64::NEG_INFINITY, f64::max),
                    _ => nums.iter().sum::<f64>() / count_to_f64(nums.len()),
                };
                Ok(vec![if all_int && func != Func::Avg {
                    Val::Int(f64_to_i64(r))
                } else {
                    Val::Dec(r)
                }])
            }
            Func::Today => Ok(vec![Val::Date(PDate::full(self.ctx.today()))]),
            Func::Now => Ok(vec![Val::DateTime(
                PDate::full(self.ctx.today()),
                Some(PTime {
                    h: 0,
                    m: Some(0),
                    s: Some(0.0),
                }),
            )]),
            Func::HasValue => b(matches!(input.as_slice(), [v] if !matches!(v, Val::Node { .. }))),
            Func::Children | Func::Descendants => {
                let mut out = Vec::new();
                let mut queue = input;
                loop {
                    let mut next = Vec::new();
                    for v in &queue {
                        if let Val::Node { v: j, link, .. } = v
                            && let Some(o) = j.as_object()
                        {
                            self.ctx.read(j);
                            for (k, x) in o {
                                value::from_json(x, k, k, *link, &mut next);
                            }
                        }
                    }
                    out.extend(next.iter().cloned());
                    if func == Func::Children || next.is_empty() {
                        break;
                    }
                    queue = next;
                }
                Ok(out)
            }
            Func::Extension => {
                let url = self.arg_str(args, 0, f)?.unwrap_or_default();
                let mut exts = Vec::new();
                for v in &input {
                    value::member(v, "extension", &mut exts);
                }
                Ok(exts
                    .into_iter()
                    .filter(|e| {
                        matches!(e, Val::Node { v, .. }
                        if v.get("url").and_then(|u| u.as_str()) == Some(url.as_str()))
                    })
                    .collect())
            }
            Func::Trace => Ok(input),
            Func::Ordinal | Func::Weight => Ok(input
                .iter()
                .filter_map(|v| {
                    let link = match v {
                        Val::Node { link, .. } => *link,
                        _ => None,
                    };
                    // An answer (with a `value`) stands for its coding.
                    let mut inner = Vec::new();
                    value::member(v, "value", &mut inner);
                    let coding = match inner.as_slice() {
                        [c @ Val::Node { .. }] => c.clone(),
                        _ => v.clone(),
                    };
                    self.ctx.weight(link, &coding).map(Val::Dec)
                })
                .collect()),
            Func::Answers => {
                let mut items = Vec::new();
                let mut queue = input;
                while !queue.is_empty() {
                    let mut next = Vec::new();
                    for v in &queue {
                        if let Val::Node { v, .. } = v {
                            self.ctx.read(v);
                        }
                        value::member(v, "item", &mut next);
                        let mut answers = Vec::new();
                        value::member(v, "answer", &mut answers);
                        for a in &answers {
                            value::member(a, "item", &mut next);
                        }
                        items.extend(answers);
                    }
                    queue = next;
                }
                Ok(items)
            }
        }
    }

    fn math(
        &self,
        func: Func,
        single: impl Fn(&str) -> Result<Option<Val<'a>>, String>,
        args: &[Ast],
        f: Frame<'_, 'a>,
    ) -> Result<Coll<'a>, String> {
        let Some(v) = single(func.name())? else {
            return Ok(Vec::new());
        };
        let int = matches!(v, Val::Int(_));
        let x = v
            .as_num()
            .ok_or_else(|| format!("`{}()` needs a number", func.name()))?;
        let r = match func {
            Func::Round => {
                #[allow(
                    clippy::cast_possible_truncation,
                    reason = "clamped to 0..=15 decimal places on this line"
                )]
                let p = self.arg_num(args, 0, f)?.unwrap_or(0.0).clamp(0.0, 15.0) as i32;
                let m = 10f64.powi(p);
                // Half away from zero, on the decimal text (2.675 rounds to 2.68).
                let scaled = format!("{:.12}", x * m).parse::<f64>().unwrap_or(x * m);
                Val::Dec(scaled.round() / m)
            }
            Func::Floor => Val::Int(f64_to_i64(x.floor())),
            Func::Ceiling => Val::Int(f64_to_i64(x.ceil())),
            Func::Truncate => Val::Int(f64_to_i64(x.trunc())),
            Func::Abs if int => Val::Int(f64_to_i64(x).abs()),
            Func::Abs => Val::Dec(x.abs()),
            Func::Ln if x <= 0.0 => return Ok(Vec::new()),
            Func::Ln => Val::Dec(x.ln()),
            Func::Exp => Val::Dec(x.exp()),
            Func::Sqrt if x < 0.0 => return Ok(Vec::new()),
            Func::Sqrt => Val::Dec(x.sqrt()),
            Func::Log => match self.arg_num(args, 0, f)? {
                Some(base) if x > 0.0 && base > 0.0 => Val::Dec(x.ln() / base.ln()),
                _ => return Ok(Vec::new()),
            },
            _ => {
                let Some(e) = self.arg_num(args, 0, f)? else {
                    return Ok(Vec::new());
                };
                let r = x.powf(e);
                if r.is_nan() {
                    return Ok(Vec::new());
                }
                if int && e.fract() == 0.0 && e >= 0.0 && r.abs() < 9e15 {
                    Val::Int(f64_to_i64(r))
                } else {
                    Val::Dec(r)
                }
            }
        };
        Ok(vec![r])
    }
}
