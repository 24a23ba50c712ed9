//! The patient's walk-through in the terminal, built as The Elm Architecture: a [`Model`], the
//! messages that change it in [`update`], a [`view`] that draws it and returns the hit map for
//! taps, and a runtime that performs effects. One file per screen under `screens/`.

mod backend;
pub mod inbox;
pub mod input;
pub mod keymap;
pub mod model;
pub mod options;
pub mod paper;
mod runtime;
pub mod screens;
pub mod surface;
pub mod terminal;
pub mod theme;
pub mod update;
pub mod view;

pub use model::{
    Action, AfterPin, Effect, Field, HitMap, Mode, Model, Msg, PadKey, ResumeAccess, Screen, Target,
};
pub use runtime::{RunEnd, RunError, RunOptions, run};
pub use update::update;
pub use view::view;
