//! Compiled conditions written back as source text in triage's condition language, for exports
//! (`triage convert`) that must carry a condition FHIR cannot express.

use std::fmt::Write as _;

use crate::expr::num::f64_to_i64;
use crate::expr::{Expr, ItemIdx, OptionIdx, Ref, Ty, Val};

use super::model::Questionnaire;

impl Questionnaire {
    /// `e` as condition-language text that compiles back to the same expression, or `None` for
    /// the forms only FHIR imports create (text comparisons, FHIRPath).
    pub fn expr_source(&self, e: &Expr) -> Option<String> {
        let mut out = String::new();
        self.write_expr(e, &mut out)?;
        Some(out)
    }

    pub(crate) fn ref_name(&self, r: Ref) -> &str {
        match r {
            Ref::Question(i) => &self.item(i).id,
            Ref::Derived(d) => &self.derived_at(d).id,
            Ref::VisitDate => "visit_date",
        }
    }

    /// The question whose options a choice-typed expression holds.
    pub(crate) fn choice_question(&self, subject: &Expr) -> Option<ItemIdx> {
        match subject {
            Expr::Get(Ref::Question(q)) => Some(*q),
            Expr::Get(Ref::Derived(d)) => match self.derived_at(*d).ty {
                Ty::Choice(q) => Some(q),
                _ => None,
            },
            _ => None,
        }
    }

    fn option_list(&self, question: ItemIdx, options: &[OptionIdx]) -> Option<String> {
        let item = self.items.get(question.to_usize())?;
        let mut vals = Vec::with_capacity(options.len());
        for &o in options {
            let v = &item.option(o)?.value;
            if v.contains('"') {
                return None;
            }
            vals.push(format!("\"{v}\""));
        }
        Some(if vals.len() == 1 {
            vals.pop().unwrap_or_default()
        } else {
            format!("{{{}}}", vals.join(", "))
        })
    }

    fn write_operand(&self, e: &Expr, out: &mut String) -> Option<()> {
        let compound = matches!(
            e,
            Expr::And(_)
                | Expr::Or(_)
                | Expr::Not(_)
                | Expr::Cmp(..)
                | Expr::OneOf { .. }
                | Expr::Has { .. }
        );
        if compound {
            out.push('(');
        }
        self.write_expr(e, out)?;
        if compound {
            out.push(')');
        }
        Some(())
    }

    fn write_list(&self, es: &[Expr], sep: &str, out: &mut String) -> Option<()> {
        for (i, e) in es.iter().enumerate() {
            if i > 0 {
                out.push_str(sep);
            }
            self.write_operand(e, out)?;
        }
        Some(())
    }

    fn write_expr(&self, e: &Expr, out: &mut String) -> Option<()> {
        match e {
            Expr::Lit(Val::Bool(b)) => out.push_str(if *b { "true" } else { "false" }),
            Expr::Lit(Val::Num(n)) => out.push_str(&number(*n)),
            Expr::Lit(Val::Date(d)) => out.push_str(&d.to_string()),
            Expr::Get(r) => out.push_str(self.ref_name(*r)),
            Expr::Not(inner) => {
                out.push_str("not ");
                self.write_operand(inner, out)?;
            }
            Expr::And(es) => self.write_list(es, " and ", out)?,
            Expr::Or(es) => self.write_list(es, " or ", out)?,
            Expr::Cmp(op, a, b) => {
                self.write_operand(a, out)?;
                let _ = write!(out, " {} ", op.symbol());
                self.write_operand(b, out)?;
            }
            Expr::OneOf {
                subject,
                options,
                negated,
            } => {
                let q = self.choice_question(subject)?;
                self.write_operand(subject, out)?;
                let op = match (options.len() == 1, negated) {
                    (true, false) => " = ",
                    (true, true) => " != ",
                    (false, false) => " in ",
                    (false, true) => " not in ",
                };
                out.push_str(op);
                out.push_str(&self.option_list(q, options)?);
            }
            Expr::Has {
                question,
                options,
                all,
            } => {
                out.push_str(&self.item(*question).id);
                out.push_str(match (options.len() == 1, all) {
                    (true, _) => " has ",
                    (false, false) => " has any ",
                    (false, true) => " has all ",
                });
                out.push_str(&self.option_list(*question, options)?);
            }
            Expr::Answered(r) => {
                let _ = write!(out, "answered({})", self.ref_name(*r));
            }
            Expr::Count(q) => {
                let _ = write!(out, "count({})", self.item(*q).id);
            }
            Expr::CountTrue(es) => {
                out.push_str("count_true(");
                for (i, e) in es.iter().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    self.write_expr(e, out)?;
                }
                out.push(')');
            }
            Expr::YearsBetween(a, b) | Expr::DaysBetween(a, b) => {
                out.push_str(if matches!(e, Expr::YearsBetween(..)) {
                    "years_between("
                } else {
                    "days_between("
                });
                self.write_expr(a, out)?;
                out.push_str(", ");
                self.write_expr(b, out)?;
                out.push(')');
            }
            // An option index needs its question to be named; text and FHIRPath conditions
            // have no form in this language.
            Expr::Lit(Val::Choice(_)) | Expr::TextCmp { .. } | Expr::Path { .. } => return None,
        }
        Some(())
    }
}

/// A number as the condition language writes it: whole numbers without a decimal point.
pub(crate) fn number(n: f64) -> String {
    if n.fract() == 0.0 && n.abs() < 1e15 {
        format!("{}", f64_to_i64(n))
    } else {
        format!("{n}")
    }
}

impl super::model::DateBound {
    /// The bound as the file format writes it (`2020-01-01`, `today`, `today-110y`), when it has
    /// such a form.
    pub fn source(&self) -> Option<String> {
        use super::model::DateBound;
        match *self {
            DateBound::Fixed(d) => Some(d.to_string()),
            DateBound::FromVisit {
                years,
                months,
                days,
            } => match (years, months, days) {
                (0, 0, 0) => Some("today".to_owned()),
                (y, 0, 0) => Some(format!("today{y:+}y")),
                (0, m, 0) => Some(format!("today{m:+}m")),
                (0, 0, d) => Some(format!("today{d:+}d")),
                _ => None,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::super::{DEFAULT_SOURCE, compile_text, item_ty, load_toml};
    use crate::expr::{Expr, Ref, Ty};

    /// Every condition of the shipped questionnaire, written back as text, compiles to exactly
    /// the same expression: exports that carry conditions as text lose nothing.
    #[test]
    fn shipped_conditions_print_back_to_the_same_expression() {
        let q = load_toml(DEFAULT_SOURCE)
            .questionnaire
            .expect("the shipped questionnaire loads");
        let mut names: HashMap<String, (Ref, Ty)> =
            HashMap::from([("visit_date".to_owned(), (Ref::VisitDate, Ty::Date))]);
        for (i, it) in q.items_indexed() {
            names.insert(it.id.clone(), (Ref::Question(i), item_ty(i, it)));
        }
        for (d, dv) in q.derived_indexed() {
            names.insert(dv.id.clone(), (Ref::Derived(d), dv.ty));
        }
        let mut exprs: Vec<(&str, &Expr)> = Vec::new();
        exprs.extend(
            q.items
                .iter()
                .filter_map(|it| Some((&*it.id, it.show_if.as_ref()?))),
        );
        exprs.extend(q.derived.iter().map(|d| (&*d.id, &d.expr)));
        exprs.extend(q.flags.iter().map(|f| (&*f.id, &f.when)));
        assert!(exprs.len() > 100, "only {} conditions", exprs.len());
        for (id, e) in exprs {
            let text = q
                .expr_source(e)
                .unwrap_or_else(|| panic!("{id}: not printable"));
            let (back, _) = compile_text(&text, &names, &q.items, false)
                .unwrap_or_else(|err| panic!("{id}: `{text}` does not compile: {err}"));
            assert_eq!(&back, e, "{id}: `{text}`");
        }
    }
}
