//! Questionnaires: the model, loading the native TOML format with spans, and checking it.
//! Knows nothing about terminals or storage.

pub mod instance;
mod load;
pub mod sanitize;
pub(crate) use load::{compile_text, item_ty, topo_order_lenient};
mod model;
pub(crate) mod print;
mod raw;
mod strspan;
pub mod validate;
pub mod values;
pub mod versions;

pub use instance::{At, Inst, MAX_REPEAT_DEPTH, option_instance};
pub use load::{
    Loaded, content_hash, load_toml, parse_date_bound, parse_limited, toml_error as toml_diagnostic,
};
pub use model::*;

/// The shipped default questionnaire, embedded so the program works from any directory.
pub const DEFAULT_SOURCE: &str = include_str!("../../questionnaires/botulinum-toxin.toml");
/// The display name of the embedded default questionnaire.
pub const DEFAULT_NAME: &str = "botulinum-toxin.toml (built in)";
