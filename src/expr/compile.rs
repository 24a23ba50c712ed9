//! Type-checks a parsed condition against a questionnaire and turns it into an [`Expr`]:
//! unknown names, option values a question does not have, and type mismatches are reported with
//! the span of the offending part and a suggestion.

use std::ops::Range;

use super::syntax::{Ast, AstKind, CmpOp, Lit, Quant};
use super::{Expr, ItemIdx, OptionIdx, Ref, Ty, Val};

/// What the compiler needs to know about the questionnaire.
pub trait Scope {
    /// The item or value a name refers to, and its type.
    fn resolve(&self, name: &str) -> Option<(Ref, Ty)>;
    /// The index of an option value of a choice question.
    fn option_index(&self, question: ItemIdx, value: &str) -> Option<OptionIdx>;
    /// All option values of a choice question, in order.
    fn option_values(&self, question: ItemIdx) -> Vec<String>;
    /// The id of a question (for messages).
    fn question_id(&self, question: ItemIdx) -> String;
    /// Every name that could be used (for "did you mean").
    fn names(&self) -> Vec<String>;
}

/// A type or name error with a span inside the expression text.
#[derive(Debug, Clone, PartialEq)]
pub struct CompileError {
    pub span: Range<usize>,
    pub message: String,
    pub label: String,
    pub help: Option<String>,
}

struct Cx<'s> {
    scope: &'s dyn Scope,
    errors: Vec<CompileError>,
}

/// Compiles an expression of any type (for `[[derived]]`).
pub fn compile(ast: &Ast, scope: &dyn Scope) -> Result<(Expr, Ty), Vec<CompileError>> {
    let mut cx = Cx {
        scope,
        errors: Vec::new(),
    };
    let out = cx.value(ast);
    match (out, cx.errors.is_empty()) {
        (Some((e, t)), true) => Ok((e, t)),
        _ => Err(cx.errors),
    }
}

/// Compiles an expression that must be true or false (`show_if`, `when`).
pub fn compile_bool(ast: &Ast, scope: &dyn Scope) -> Result<Expr, Vec<CompileError>> {
    let mut cx = Cx {
        scope,
        errors: Vec::new(),
    };
    let out = cx.boolean(ast);
    match (out, cx.errors.is_empty()) {
        (Some(e), true) => Ok(e),
        _ => Err(cx.errors),
    }
}

/// "Did you mean" for the first few unknown names of an expression (bounded: see
/// `crate::limits::did_you_mean`).
fn closest<'a>(word: &str, candidates: impl IntoIterator<Item = &'a String>) -> Option<&'a str> {
    crate::limits::did_you_mean(word, candidates.into_iter().map(String::as_str))
}

impl Cx<'_> {
    fn error(&mut self, span: &Range<usize>, message: String, label: &str, help: Option<String>) {
        self.errors.push(CompileError {
            span: span.clone(),
            message,
            label: label.to_owned(),
            help,
        });
    }

    fn name(&mut self, name: &str, span: &Range<usize>) -> Option<(Ref, Ty)> {
        match self.scope.resolve(name) {
            Some((_, Ty::Info)) => {
                self.error(
                    span,
                    format!("`{name}` is an information screen; it has no answer to test"),
                    "no answer here",
                    None,
                );
                None
            }
            Some((_, Ty::Unknown)) => None,
            Some(found) => Some(found),
            None => {
                let names = if self.errors.len() < 3 {
                    self.scope.names()
                } else {
                    Vec::new()
                };
                let help = match closest(name, &names) {
                    Some(c) => format!("did you mean `{c}`?"),
                    None => "names are question ids, derived value ids, or `visit_date`".to_owned(),
                };
                let name = crate::limits::shorten(name, crate::limits::MAX_SUGGEST_CHARS);
                self.error(
                    span,
                    format!("unknown name `{name}`"),
                    "no question or derived value has this id",
                    Some(help),
                );
                None
            }
        }
    }

    fn boolean(&mut self, ast: &Ast) -> Option<Expr> {
        match &ast.kind {
            AstKind::Not(inner) => Some(Expr::Not(Box::new(self.boolean(inner)?))),
            AstKind::And(items) | AstKind::Or(items) => {
                let compiled: Vec<Option<Expr>> = items.iter().map(|a| self.boolean(a)).collect();
                let compiled: Option<Vec<Expr>> = compiled.into_iter().collect();
                let compiled = compiled?.into_boxed_slice();
                Some(if matches!(ast.kind, AstKind::And(_)) {
                    Expr::And(compiled)
                } else {
                    Expr::Or(compiled)
                })
            }
            _ => {
                let (e, ty) = self.value(ast)?;
                match ty {
                    Ty::Bool => Some(e),
                    Ty::Choice(q) => {
                        let id = self.scope.question_id(q);
                        let first = self
                            .scope
                            .option_values(q)
                            .into_iter()
                            .next()
                            .unwrap_or_else(|| "yes".into());
                        self.error(
                            &ast.span,
                            format!("`{id}` is a choice, not true/false"),
                            "this needs a comparison",
                            Some(format!(
                                "compare it with an option value: `{id} = \"{first}\"`"
                            )),
                        );
                        None
                    }
                    Ty::Set(q) => {
                        let id = self.scope.question_id(q);
                        self.error(
                            &ast.span,
                            format!("`{id}` is a multi-choice list, not true/false"),
                            "this needs `has`",
                            Some(format!(
                                "test for an option: `{id} has \"...\"`, or `answered({id})`"
                            )),
                        );
                        None
                    }
                    Ty::Unknown => None,
                    other => {
                        self.error(
                            &ast.span,
                            format!(
                                "expected a condition (true/false), found {}",
                                other.describe()
                            ),
                            "not a condition",
                            Some("compare it, for example `x > 3`, or use `answered(x)`".into()),
                        );
                        None
                    }
                }
            }
        }
    }

    fn value(&mut self, ast: &Ast) -> Option<(Expr, Ty)> {
        match &ast.kind {
            AstKind::Lit(lit) => match lit {
                Lit::Bool(b) => Some((Expr::Lit(Val::Bool(*b)), Ty::Bool)),
                Lit::Num(n) => Some((Expr::Lit(Val::Num(*n)), Ty::Num)),
                Lit::Date(d) => Some((Expr::Lit(Val::Date(*d)), Ty::Date)),
                Lit::Str(s) => {
                    self.error(
                        &ast.span,
                        format!("the text \"{s}\" cannot stand on its own"),
                        "compare a question with it",
                        Some(format!("for example `question_id = \"{s}\"`")),
                    );
                    None
                }
            },
            AstKind::Name(name) => {
                let (r, ty) = self.name(name, &ast.span)?;
                Some((Expr::Get(r), ty))
            }
            AstKind::Not(_) | AstKind::And(_) | AstKind::Or(_) => {
                Some((self.boolean(ast)?, Ty::Bool))
            }
            AstKind::Cmp { op, lhs, rhs } => self.comparison(*op, lhs, rhs, &ast.span),
            AstKind::Has {
                subject,
                quant,
                values,
            } => {
                let q = self.multi_subject(subject, "has")?;
                let options = self.options(q, values)?;
                let all = *quant == Quant::All;
                Some((
                    Expr::Has {
                        question: q,
                        options: options.into_boxed_slice(),
                        all,
                    },
                    Ty::Bool,
                ))
            }
            AstKind::In {
                subject,
                values,
                negated,
            } => {
                let (e, ty) = self.value(subject)?;
                match ty {
                    Ty::Choice(q) => {
                        let options = self.options(q, values)?;
                        Some((
                            Expr::OneOf {
                                subject: Box::new(e),
                                options: options.into_boxed_slice(),
                                negated: *negated,
                            },
                            Ty::Bool,
                        ))
                    }
                    Ty::Set(q) => {
                        let id = self.scope.question_id(q);
                        self.error(
                            &subject.span,
                            format!("`in` needs a single choice, but `{id}` is multi-choice"),
                            "multi-choice",
                            Some(format!("use `{id} has any {{...}}`")),
                        );
                        None
                    }
                    Ty::Num | Ty::Date => {
                        let mut alts = Vec::new();
                        for (lit, span) in values {
                            let rhs = self.literal_of(ty, lit, span)?;
                            alts.push(Expr::Cmp(CmpOp::Eq, Box::new(e.clone()), Box::new(rhs)));
                        }
                        let any = Expr::Or(alts.into_boxed_slice());
                        Some((
                            if *negated {
                                Expr::Not(Box::new(any))
                            } else {
                                any
                            },
                            Ty::Bool,
                        ))
                    }
                    other => {
                        self.error(
                            &subject.span,
                            format!("`in` cannot test {}", other.describe()),
                            "here",
                            None,
                        );
                        None
                    }
                }
            }
            AstKind::Call {
                name,
                name_span,
                args,
            } => self.call(name, name_span, args, &ast.span),
        }
    }

    fn literal_of(&mut self, ty: Ty, lit: &Lit, span: &Range<usize>) -> Option<Expr> {
        match (ty, lit) {
            (Ty::Num, Lit::Num(n)) => Some(Expr::Lit(Val::Num(*n))),
            (Ty::Date, Lit::Date(d)) => Some(Expr::Lit(Val::Date(*d))),
            (Ty::Bool, Lit::Bool(b)) => Some(Expr::Lit(Val::Bool(*b))),
            _ => {
                self.error(
                    span,
                    format!("expected {}, found {}", ty.describe(), lit_describe(lit)),
                    "wrong kind of value",
                    None,
                );
                None
            }
        }
    }

    fn multi_subject(&mut self, subject: &Ast, op: &str) -> Option<ItemIdx> {
        let (_, ty) = self.value(subject)?;
        match ty {
            Ty::Set(q) => Some(q),
            Ty::Choice(q) => {
                let id = self.scope.question_id(q);
                self.error(
                    &subject.span,
                    format!("`{op}` needs a multi-choice question, but `{id}` is single choice"),
                    "single choice",
                    Some(format!("use `{id} = \"...\"` or `{id} in {{...}}`")),
                );
                None
            }
            Ty::Unknown => None,
            other => {
                self.error(
                    &subject.span,
                    format!(
                        "`{op}` needs a multi-choice question, found {}",
                        other.describe()
                    ),
                    "not multi-choice",
                    None,
                );
                None
            }
        }
    }

    /// Resolves quoted option values against question `q`, reporting each unknown one.
    fn options(&mut self, q: ItemIdx, values: &[(Lit, Range<usize>)]) -> Option<Vec<OptionIdx>> {
        let mut out = Vec::new();
        let mut ok = true;
        for (lit, span) in values {
            let Lit::Str(s) = lit else {
                self.error(
                    span,
                    format!(
                        "expected an option value in quotes, found {}",
                        lit_describe(lit)
                    ),
                    "not an option value",
                    None,
                );
                ok = false;
                continue;
            };
            if let Some(i) = self.scope.option_index(q, s) {
                out.push(i);
            } else {
                let id = self.scope.question_id(q);
                let all = self.scope.option_values(q);
                let help = match closest(s, &all) {
                    Some(c) => format!("did you mean \"{c}\"? `{id}` has: {}", all.join(", ")),
                    None => format!("`{id}` has: {}", all.join(", ")),
                };
                self.error(
                    span,
                    format!("`{id}` has no option \"{s}\""),
                    "not an option of this question",
                    Some(help),
                );
                ok = false;
            }
        }
        ok.then_some(out)
    }

    fn comparison(
        &mut self,
        op: CmpOp,
        lhs: &Ast,
        rhs: &Ast,
        span: &Range<usize>,
    ) -> Option<(Expr, Ty)> {
        // A choice compared with a quoted option value.
        if let AstKind::Lit(Lit::Str(_)) = &rhs.kind {
            let (e, ty) = self.value(lhs)?;
            let AstKind::Lit(lit) = &rhs.kind else {
                return None;
            };
            return match ty {
                Ty::Choice(q) => {
                    if !matches!(op, CmpOp::Eq | CmpOp::Ne) {
                        self.error(
                            span,
                            format!("`{}` cannot order choices", op.symbol()),
                            "choices are only equal or not",
                            Some("use `=`, `!=` or `in {...}`".into()),
                        );
                        return None;
                    }
                    let options = self.options(q, &[(lit.clone(), rhs.span.clone())])?;
                    Some((
                        Expr::OneOf {
                            subject: Box::new(e),
                            options: options.into_boxed_slice(),
                            negated: op == CmpOp::Ne,
                        },
                        Ty::Bool,
                    ))
                }
                Ty::Set(q) => {
                    let id = self.scope.question_id(q);
                    self.error(
                        &lhs.span,
                        format!(
                            "`{id}` is multi-choice; `{}` compares single values",
                            op.symbol()
                        ),
                        "multi-choice",
                        Some(format!("use `{id} has {}`", &rhs_text(lit))),
                    );
                    None
                }
                Ty::Text => {
                    self.error(&lhs.span, "free-text answers cannot be compared".to_owned(), "free text", Some("no rule should depend on free text; use `answered(...)` or a choice question".into()));
                    None
                }
                Ty::Unknown => None,
                other => {
                    self.error(
                        &rhs.span,
                        format!("cannot compare {} with text", other.describe()),
                        "wrong kind of value",
                        None,
                    );
                    None
                }
            };
        }
        let left = self.value(lhs);
        let right = self.value(rhs);
        let ((le, lt), (re, rt)) = (left?, right?);
        match (lt, rt) {
            (Ty::Num, Ty::Num) | (Ty::Date, Ty::Date) => {
                Some((Expr::Cmp(op, Box::new(le), Box::new(re)), Ty::Bool))
            }
            (Ty::Bool, Ty::Bool) if matches!(op, CmpOp::Eq | CmpOp::Ne) => {
                Some((Expr::Cmp(op, Box::new(le), Box::new(re)), Ty::Bool))
            }
            (Ty::Unknown, _) | (_, Ty::Unknown) => None,
            (a, b) => {
                let help = match (a, b) {
                    (Ty::Date, Ty::Num) | (Ty::Num, Ty::Date) => Some("to compare a date with a number of days or years, use `days_between(a, b)` or `years_between(a, b)`".to_owned()),
                    (Ty::Choice(_), _) | (_, Ty::Choice(_)) => Some("compare a choice with a quoted option value, like `x = \"yes\"`".to_owned()),
                    _ => None,
                };
                self.error(
                    span,
                    format!("cannot compare {} with {}", a.describe(), b.describe()),
                    "mismatched types",
                    help,
                );
                None
            }
        }
    }

    fn call(
        &mut self,
        name: &str,
        name_span: &Range<usize>,
        args: &[Ast],
        span: &Range<usize>,
    ) -> Option<(Expr, Ty)> {
        let arity = |cx: &mut Self, n: usize| -> bool {
            if args.len() == n {
                true
            } else {
                cx.error(
                    span,
                    format!(
                        "`{name}` takes {n} argument{}, found {}",
                        if n == 1 { "" } else { "s" },
                        args.len()
                    ),
                    "wrong number of arguments",
                    None,
                );
                false
            }
        };
        match name {
            "answered" => {
                if !arity(self, 1) {
                    return None;
                }
                let [arg] = args else { return None };
                let AstKind::Name(n) = &arg.kind else {
                    self.error(
                        &arg.span,
                        "`answered` takes a question or derived id".into(),
                        "not a name",
                        None,
                    );
                    return None;
                };
                let (r, _) = self.name(n, &arg.span)?;
                Some((Expr::Answered(r), Ty::Bool))
            }
            "count" => {
                if !arity(self, 1) {
                    return None;
                }
                let [arg] = args else { return None };
                let q = self.multi_subject(arg, "count")?;
                Some((Expr::Count(q), Ty::Num))
            }
            "count_true" => {
                if args.is_empty() {
                    self.error(
                        span,
                        "`count_true` needs at least one condition".into(),
                        "empty",
                        None,
                    );
                    return None;
                }
                let items: Option<Vec<Expr>> = args
                    .iter()
                    .map(|a| self.boolean(a))
                    .collect::<Vec<_>>()
                    .into_iter()
                    .collect();
                Some((Expr::CountTrue(items?.into_boxed_slice()), Ty::Num))
            }
            "years_between" | "days_between" => {
                if !arity(self, 2) {
                    return None;
                }
                let [a, b] = args else { return None };
                let a = self.date_arg(a, name);
                let b = self.date_arg(b, name);
                let (a, b) = (Box::new(a?), Box::new(b?));
                Some((
                    if name == "years_between" {
                        Expr::YearsBetween(a, b)
                    } else {
                        Expr::DaysBetween(a, b)
                    },
                    Ty::Num,
                ))
            }
            _ => {
                let known = [
                    "answered",
                    "count",
                    "count_true",
                    "years_between",
                    "days_between",
                ]
                .map(String::from);
                let help = match closest(name, &known) {
                    Some(c) => format!("did you mean `{c}`?"),
                    None => format!("functions: {}", known.join(", ")),
                };
                self.error(
                    name_span,
                    format!("unknown function `{name}`"),
                    "not a function",
                    Some(help),
                );
                None
            }
        }
    }

    fn date_arg(&mut self, arg: &Ast, func: &str) -> Option<Expr> {
        let (e, ty) = self.value(arg)?;
        match ty {
            Ty::Date => Some(e),
            Ty::Unknown => None,
            other => {
                self.error(
                    &arg.span,
                    format!("`{func}` needs dates, found {}", other.describe()),
                    "not a date",
                    None,
                );
                None
            }
        }
    }
}

fn lit_describe(lit: &Lit) -> &'static str {
    match lit {
        Lit::Bool(_) => "true/false",
        Lit::Num(_) => "a number",
        Lit::Str(_) => "text",
        Lit::Date(_) => "a date",
    }
}

fn rhs_text(lit: &Lit) -> String {
    match lit {
        Lit::Str(s) => format!("\"{s}\""),
        _ => "...".into(),
    }
}
