//! One file per screen, each with its `update` and `view`.

// Each screen's `update` takes its message by value, as `crate::tui::update` hands it on (The
// Elm Architecture); some arms move out of it (a paste's text), others only read it.
#![allow(clippy::needless_pass_by_value)]

pub mod confirm;
pub mod form;
pub mod intake;
pub mod keypad;
pub mod more;
pub mod pause;
pub mod resume;
pub mod review;
pub mod sections;
pub mod staff;
pub mod step;
pub mod thanks;
pub mod welcome;
