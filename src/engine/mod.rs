//! A questionnaire session: answers, which items are visible, navigation order, validation,
//! derived values, fired flags and the outcome. Pure and synchronous: no I/O, no clock (the
//! visit date comes in as a value).

pub mod fhir_tree;
mod latch;
mod layout;
mod session;

pub use crate::questionnaire::validate::{
    AnswerError, base_value, check as check_answer, toggle_option,
};
pub use crate::questionnaire::{At, Inst};
pub use latch::{AlertStatus, Latch, NotAssessed, Release, ReleaseAction, Releaser};
pub use layout::Step;
pub use session::{FiredFlag, Outcome, Problem, Session};
