//! triage: a terminal intake questionnaire for clinics. The library holds everything; the
//! `triage` binary only parses the command line and wires these parts together.

pub mod answer;
pub mod answers;
pub mod cli;
pub mod clinic;
pub mod clock;
pub mod config;
pub mod diag;
pub mod engine;
pub mod expr;
pub mod fhir;
pub mod inbox;
pub mod kiosk;
pub mod limits;
pub mod questionnaire;
pub mod records;
pub mod scenario;
pub mod store;
pub mod strings;
pub mod summary;
pub mod text;
pub mod tui;
pub mod typed;
