//! FHIRPath, the expression language of FHIR Questionnaires (`calculatedExpression`,
//! `variable`, `enableWhenExpression`): a parser for FHIRPath N1 and an evaluator over JSON
//! resources, with SDC's `answers()`, `ordinal()` and `weight()`. A function or name triage
//! cannot evaluate is refused when the expression is parsed or bound, never half understood.
//!
//! This layer knows JSON and FHIRPath, not questionnaires: what an expression reads
//! (`%resource`, variables, scores) comes through [`Ctx`]. It allocates while evaluating; only
//! FHIR questionnaires use it.

mod eval;
mod funcs;
mod lex;
mod parse;
pub mod units;
mod value;

pub use eval::{Coll, Ctx, evaluate, truth};
pub use parse::{Ast, Env, Func, Op, parse};
pub use value::{PDate, PTime, Val, fmt_dec, from_json};

#[cfg(test)]
mod tests;
