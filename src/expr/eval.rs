//! Evaluation of compiled expressions against a session's answers, and the explanation of which
//! answers made a condition true (a flag's "triggered by"). Evaluation allocates nothing; FHIRPath
//! conditions from FHIR imports are handed to the environment ([`Env::path_holds`]).

use jiff::civil::Date;

use super::num::{count_to_f64, int_to_f64};
use super::{CmpOp, DerivedIdx, Expr, ItemIdx, OptionIdx, Ref, Val};
use crate::answer::Answer;

/// What evaluation reads. Hidden questions must come back as `None`, like unanswered ones.
pub trait Env {
    /// The answer to a question, or `None` if unanswered or hidden.
    fn answer(&self, question: ItemIdx) -> Option<&Answer>;
    /// A derived value, or `None` if it could not be worked out (inputs unanswered).
    fn derived(&self, index: DerivedIdx) -> Option<Val>;
    /// The expression of a derived value whose inputs should be listed as triggers, or `None`
    /// for a derived value marked `trigger = false` (a guard such as "calves chosen").
    fn derived_explain(&self, index: DerivedIdx) -> Option<&Expr>;
    fn visit_date(&self) -> Date;
    /// Whether the FHIRPath condition `expr` holds in the context of item `item` (FHIR
    /// `enableWhenExpression`); false where no FHIR response is being evaluated.
    fn path_holds(&self, expr: &super::fhirpath::Ast, item: ItemIdx) -> bool;
}

/// One answer that contributed to a true condition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Trigger {
    pub question: ItemIdx,
    /// For multi-choice: only the options that matched (as [`Answer::Multi`] holds them, so
    /// the list can stand in for the answer); `None` means the whole answer.
    pub options: Option<Vec<u32>>,
}

/// Evaluates an expression; `None` means unanswered.
pub fn eval<E: Env + ?Sized>(e: &Expr, env: &E) -> Option<Val> {
    match e {
        Expr::Lit(v) => Some(*v),
        Expr::Get(r) => get(*r, env),
        Expr::Not(_)
        | Expr::And(_)
        | Expr::Or(_)
        | Expr::Cmp(..)
        | Expr::OneOf { .. }
        | Expr::Has { .. }
        | Expr::TextCmp { .. }
        | Expr::Path { .. }
        | Expr::Answered(_) => Some(Val::Bool(eval_bool(e, env))),
        Expr::Count(q) => match env.answer(*q) {
            Some(Answer::Multi(list)) => Some(Val::Num(count_to_f64(list.len()))),
            _ => None,
        },
        Expr::CountTrue(es) => Some(Val::Num(count_to_f64(
            es.iter().filter(|e| eval_bool(e, env)).count(),
        ))),
        Expr::YearsBetween(a, b) => match (eval(a, env)?, eval(b, env)?) {
            (Val::Date(a), Val::Date(b)) => Some(Val::Num(f64::from(years_between(a, b)))),
            _ => None,
        },
        Expr::DaysBetween(a, b) => match (eval(a, env)?, eval(b, env)?) {
            (Val::Date(a), Val::Date(b)) => Some(Val::Num(int_to_f64(days_between(a, b)))),
            _ => None,
        },
    }
}

fn get<E: Env + ?Sized>(r: Ref, env: &E) -> Option<Val> {
    match r {
        Ref::VisitDate => Some(Val::Date(env.visit_date())),
        Ref::Derived(d) => env.derived(d),
        Ref::Question(q) => match env.answer(q)? {
            Answer::Choice(i) => Some(Val::Choice(OptionIdx::new(*i))),
            Answer::Number(n) => Some(Val::Num(*n)),
            Answer::Quantity { base, .. } => base.map(Val::Num),
            Answer::Date(d) => Some(Val::Date(d.resolved_for(env.visit_date()))),
            Answer::Multi(_) | Answer::Text(_) => None,
        },
    }
}

/// Evaluates a condition; unanswered counts as false.
pub fn eval_bool<E: Env + ?Sized>(e: &Expr, env: &E) -> bool {
    match e {
        Expr::Not(inner) => !eval_bool(inner, env),
        Expr::And(es) => es.iter().all(|e| eval_bool(e, env)),
        Expr::Or(es) => es.iter().any(|e| eval_bool(e, env)),
        Expr::Cmp(op, a, b) => {
            let (Some(a), Some(b)) = (eval(a, env), eval(b, env)) else {
                return *op == CmpOp::Ne;
            };
            compare(*op, a, b)
        }
        Expr::OneOf {
            subject,
            options,
            negated,
        } => match eval(subject, env) {
            Some(Val::Choice(i)) => options.contains(&i) != *negated,
            _ => *negated,
        },
        Expr::Has {
            question,
            options,
            all,
        } => match env.answer(*question) {
            Some(Answer::Multi(list)) => {
                if *all {
                    options.iter().all(|o| list.contains(&o.get()))
                } else {
                    options.iter().any(|o| list.contains(&o.get()))
                }
            }
            _ => false,
        },
        Expr::Answered(r) => match r {
            Ref::Question(q) => env.answer(*q).is_some(),
            Ref::Derived(d) => env.derived(*d).is_some(),
            Ref::VisitDate => true,
        },
        Expr::TextCmp {
            op,
            question,
            value,
            time,
        } => {
            use std::cmp::Ordering::{Equal, Greater, Less};
            let Some(Answer::Text(t)) = env.answer(*question) else {
                return *op == CmpOp::Ne;
            };
            let ord = if *time {
                match (seconds_of_day(t), seconds_of_day(value)) {
                    (Some(a), Some(b)) => a.cmp(&b),
                    _ => return *op == CmpOp::Ne,
                }
            } else {
                t.as_str().cmp(value)
            };
            match op {
                CmpOp::Eq => ord == Equal,
                CmpOp::Ne => ord != Equal,
                CmpOp::Lt => ord == Less,
                CmpOp::Le => ord != Greater,
                CmpOp::Gt => ord == Greater,
                CmpOp::Ge => ord != Less,
            }
        }
        Expr::Path { expr, item } => env.path_holds(expr, *item),
        _ => matches!(eval(e, env), Some(Val::Bool(true))),
    }
}

fn compare(op: CmpOp, a: Val, b: Val) -> bool {
    use std::cmp::Ordering;
    let ord = match (a, b) {
        (Val::Num(a), Val::Num(b)) => a.partial_cmp(&b),
        (Val::Date(a), Val::Date(b)) => Some(a.cmp(&b)),
        (Val::Bool(a), Val::Bool(b)) => Some(a.cmp(&b)),
        (Val::Choice(a), Val::Choice(b)) => Some(a.cmp(&b)),
        _ => None,
    };
    match (op, ord) {
        (CmpOp::Ne, o) => o != Some(Ordering::Equal),
        (_, None) => false,
        (CmpOp::Eq, Some(o)) => o == Ordering::Equal,
        (CmpOp::Lt, Some(o)) => o == Ordering::Less,
        (CmpOp::Le, Some(o)) => o != Ordering::Greater,
        (CmpOp::Gt, Some(o)) => o == Ordering::Greater,
        (CmpOp::Ge, Some(o)) => o != Ordering::Less,
    }
}

/// Whole years from `a` to `b`; a birthday on `b` counts as reached. Someone born on 29 February
/// reaches their birthday on 1 March in a common year (as UK law counts age).
pub fn years_between(a: Date, b: Date) -> i32 {
    let mut years = i32::from(b.year()) - i32::from(a.year());
    if (b.month(), b.day()) < (a.month(), a.day()) {
        years -= 1;
    }
    years
}

/// `HH:MM` or `HH:MM:SS` as seconds since midnight.
pub fn seconds_of_day(t: &str) -> Option<u32> {
    let parts: Vec<&str> = t.trim().split(':').collect();
    let num = |p: &str, max: u32| p.parse::<u32>().ok().filter(|n| *n <= max && p.len() == 2);
    match parts.as_slice() {
        [h, m] => Some(num(h, 23)? * 3600 + num(m, 59)? * 60),
        [h, m, s] => Some(num(h, 23)? * 3600 + num(m, 59)? * 60 + num(s, 59)?),
        _ => None,
    }
}

/// Days from `a` to `b`.
pub fn days_between(a: Date, b: Date) -> i64 {
    a.duration_until(b).as_secs() / 86_400
}

/// Lists the answers that made the (true) condition `e` true. `or` lists every true branch, `and`
/// every part, `not` nothing (an absence is not an answer to show).
pub fn explain<E: Env + ?Sized>(e: &Expr, env: &E, out: &mut Vec<Trigger>) {
    match e {
        // Literals, absences, the visit date and FHIRPath conditions name no answer to show.
        Expr::Lit(_)
        | Expr::Not(_)
        | Expr::Get(Ref::VisitDate)
        | Expr::Answered(Ref::VisitDate)
        | Expr::Path { .. } => {}
        Expr::Get(Ref::Question(q)) | Expr::Answered(Ref::Question(q)) | Expr::Count(q) => {
            if env.answer(*q).is_some() {
                push(out, *q, None);
            }
        }
        Expr::Get(Ref::Derived(d)) | Expr::Answered(Ref::Derived(d)) => {
            if let Some(inner) = env.derived_explain(*d) {
                explain(inner, env, out);
            }
        }
        Expr::And(es) => es.iter().for_each(|e| explain(e, env, out)),
        Expr::Or(es) | Expr::CountTrue(es) => {
            for e in es.iter().filter(|e| eval_bool(e, env)) {
                explain(e, env, out);
            }
        }
        Expr::Cmp(_, a, b) | Expr::YearsBetween(a, b) | Expr::DaysBetween(a, b) => {
            explain(a, env, out);
            explain(b, env, out);
        }
        Expr::OneOf { subject, .. } => explain(subject, env, out),
        Expr::TextCmp { question, .. } => {
            if env.answer(*question).is_some() {
                push(out, *question, None);
            }
        }
        Expr::Has {
            question, options, ..
        } => {
            if let Some(Answer::Multi(list)) = env.answer(*question) {
                let matched: Vec<u32> = options
                    .iter()
                    .map(|o| o.get())
                    .filter(|o| list.contains(o))
                    .collect();
                if !matched.is_empty() {
                    push(out, *question, Some(matched));
                }
            }
        }
    }
}

fn push(out: &mut Vec<Trigger>, question: ItemIdx, options: Option<Vec<u32>>) {
    if let Some(existing) = out.iter_mut().find(|t| t.question == question) {
        match (&mut existing.options, options) {
            (Some(have), Some(more)) => {
                for o in more {
                    if !have.contains(&o) {
                        have.push(o);
                    }
                }
                have.sort_unstable();
            }
            (slot, _) => *slot = None,
        }
    } else {
        out.push(Trigger { question, options });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Birthdays count on the day; 29 February birthdays count on 1 March in common years.
    #[test]
    fn years_between_counts_birthdays() {
        let d = |y, m, dd| Date::constant(y, m, dd);
        assert_eq!(years_between(d(2007, 6, 2), d(2025, 6, 2)), 18);
        assert_eq!(years_between(d(2007, 6, 3), d(2025, 6, 2)), 17);
        assert_eq!(years_between(d(2008, 2, 29), d(2026, 2, 28)), 17);
        assert_eq!(years_between(d(2008, 2, 29), d(2026, 3, 1)), 18);
        assert_eq!(days_between(d(2024, 10, 1), d(2025, 6, 2)), 244);
        assert_eq!(days_between(d(2025, 6, 2), d(2025, 6, 1)), -1);
    }
}
