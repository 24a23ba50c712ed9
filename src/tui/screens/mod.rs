//! One file per screen, each with its `update` and `view`.

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
