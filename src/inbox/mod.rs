//! The doctor's desk (`triage inbox`): the day's intakes in the order a prescriber should read
//! them, each opened to the doctor's page, and decisions (treat today, defer, decline, refer)
//! appended to the record and audited. This module holds the values, rules and the stores'
//! side ([`desk`]); the screens live in `crate::tui::inbox`. It never logs answers.

pub mod decision;
pub mod intake;
pub mod settings;

pub use decision::{Decision, DecisionError, DecisionKind, NewDecision, Prescriber};
pub use intake::{Columns, EnteredBy, Intake, IntakeRow, Status};
