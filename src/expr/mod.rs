//! The condition language shared by `show_if`, `[[derived]]` and `[[flag]] when`: parse, type-check
//! against a questionnaire, evaluate. Compiled expressions refer to items by index and compare
//! option indexes, so evaluation allocates nothing.
//!
//! Semantics (matching FHIR `enableWhen`): an unanswered or hidden question is *unanswered*; any
//! comparison with an unanswered value is false, except `!=` (and `not in`), defined as the
//! negation of `=` (`in`), which is therefore true.

mod compile;
mod eval;
pub mod fhirpath;
mod index;
pub(crate) mod num;
pub mod syntax;

pub use compile::{CompileError, Scope, compile, compile_bool};
pub use eval::{Env, Trigger, eval, eval_bool, explain};
pub use index::{DerivedIdx, FlagIdx, ItemIdx, OptionIdx};
pub use syntax::CmpOp;

use jiff::civil::Date;

/// What a name refers to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Ref {
    /// A question (item index).
    Question(ItemIdx),
    /// A derived value (index into the questionnaire's derived list).
    Derived(DerivedIdx),
    /// The date of the visit ("today").
    VisitDate,
}

/// The type of an expression or a name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ty {
    Bool,
    Num,
    Date,
    /// One option of the given question (single choice, yes/no).
    Choice(ItemIdx),
    /// A set of options of the given multi-choice question.
    Set(ItemIdx),
    Text,
    /// A statement with no answer.
    Info,
    /// The type could not be worked out (an error was already reported).
    Unknown,
}

impl Ty {
    pub fn describe(self) -> &'static str {
        match self {
            Ty::Bool => "true/false",
            Ty::Num => "a number",
            Ty::Date => "a date",
            Ty::Choice(_) => "a single choice",
            Ty::Set(_) => "a multi-choice list",
            Ty::Text => "free text",
            Ty::Info => "an information screen",
            Ty::Unknown => "unknown",
        }
    }
}

/// A value during evaluation. `Choice` holds an option index.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Val {
    Bool(bool),
    Num(f64),
    Date(Date),
    Choice(OptionIdx),
}

/// A compiled, type-checked expression.
#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    Lit(Val),
    Get(Ref),
    Not(Box<Expr>),
    And(Box<[Expr]>),
    Or(Box<[Expr]>),
    /// Numbers, dates or booleans compared. `!=` is `not =`.
    Cmp(CmpOp, Box<Expr>, Box<Expr>),
    /// A single-choice value is one of `options` (`=` and `in`); negated for `!=` / `not in`.
    OneOf {
        subject: Box<Expr>,
        options: Box<[OptionIdx]>,
        negated: bool,
    },
    /// A multi-choice question includes one / any / all of `options`.
    Has {
        question: ItemIdx,
        options: Box<[OptionIdx]>,
        all: bool,
    },
    Answered(Ref),
    /// How many options a multi-choice answer has.
    Count(ItemIdx),
    /// How many of the conditions are true.
    CountTrue(Box<[Expr]>),
    /// Whole years from the first date to the second (a birthday on the second date counts).
    YearsBetween(Box<Expr>, Box<Expr>),
    /// Days from the first date to the second (negative if the second is earlier).
    DaysBetween(Box<Expr>, Box<Expr>),
    /// A free-text (or time) answer compared with a text (FHIR `answerString`, `answerTime`).
    /// Times compare as times of day. Only FHIR imports create this: no rule in the native
    /// format depends on free text.
    TextCmp {
        op: CmpOp,
        question: ItemIdx,
        value: Box<str>,
        time: bool,
    },
    /// A FHIR `enableWhenExpression`: FHIRPath evaluated by the environment in the context of
    /// the item `item` (see [`Env::path_holds`]).
    Path {
        expr: Box<fhirpath::Ast>,
        item: ItemIdx,
    },
}

impl Expr {
    /// "`question` has option `opt` chosen": `has` for a multi-choice, `=` for a single choice.
    pub fn chose(question: ItemIdx, opt: OptionIdx, multi: bool) -> Expr {
        let options = vec![opt].into_boxed_slice();
        if multi {
            Expr::Has {
                question,
                options,
                all: false,
            }
        } else {
            Expr::OneOf {
                subject: Box::new(Expr::Get(Ref::Question(question))),
                options,
                negated: false,
            }
        }
    }

    /// Every name the expression reads, for dependency ordering and cycle checks.
    pub fn refs(&self, out: &mut Vec<Ref>) {
        match self {
            Expr::Get(r) | Expr::Answered(r) => out.push(*r),
            Expr::Not(e) => e.refs(out),
            Expr::And(es) | Expr::Or(es) | Expr::CountTrue(es) => {
                es.iter().for_each(|e| e.refs(out));
            }
            Expr::Cmp(_, a, b) | Expr::YearsBetween(a, b) | Expr::DaysBetween(a, b) => {
                a.refs(out);
                b.refs(out);
            }
            Expr::OneOf { subject, .. } => subject.refs(out),
            Expr::Has { question, .. } | Expr::Count(question) | Expr::TextCmp { question, .. } => {
                out.push(Ref::Question(*question));
            }
            // A literal reads nothing. FHIRPath reads the whole response; questionnaires that
            // use it are evaluated until they settle rather than in a dependency order.
            Expr::Lit(_) | Expr::Path { .. } => {}
        }
    }

    /// Number of nodes; used by benchmarks and sanity limits.
    pub fn size(&self) -> usize {
        match self {
            Expr::Lit(_)
            | Expr::Get(_)
            | Expr::Answered(_)
            | Expr::Has { .. }
            | Expr::Count(_)
            | Expr::TextCmp { .. }
            | Expr::Path { .. } => 1,
            Expr::Not(e) | Expr::OneOf { subject: e, .. } => 1 + e.size(),
            Expr::And(es) | Expr::Or(es) | Expr::CountTrue(es) => {
                1 + es.iter().map(Expr::size).sum::<usize>()
            }
            Expr::Cmp(_, a, b) | Expr::YearsBetween(a, b) | Expr::DaysBetween(a, b) => {
                1 + a.size() + b.size()
            }
        }
    }
}
