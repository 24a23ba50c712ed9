//! The clinic store: one PostgreSQL database that every kiosk and reception PC of a clinic feeds
//! from its local outbox, and that reception and doctors read. Devices deliver through one
//! SECURITY DEFINER function keyed by record UUID (inserted / duplicate / conflict, conflicts
//! kept, never overwritten) and can read nothing; readers read. This module never blocks a
//! patient's screen (delivery runs on its own thread) and never logs answers or passwords.

pub mod connect;
pub mod courier;
pub mod desk;
pub mod read;
pub mod schema;
pub mod settings;

pub use courier::{Attempt, Courier, Deliverer, Tally};
pub use settings::{ClinicSettings, PasswordSource, RawClinicStore, Tls};

/// Why talking to the clinic store failed. Messages name no password and no answer.
#[derive(Debug, thiserror::Error)]
pub enum ClinicError {
    /// The settings cannot be used (file unreadable, bad URL, bad CA).
    #[error("{0}")]
    Settings(String),
    /// The server could not be reached, or the connection broke.
    #[error("cannot reach the clinic store: {0}")]
    Unreachable(String),
    /// The server answered with an error.
    #[error("the clinic store refused: {0}")]
    Refused(String),
    /// The clinic store was set up by a newer triage.
    #[error(
        "the clinic store's schema is version {found}; this program knows up to {known}: update triage"
    )]
    TooNew { found: i32, known: i32 },
    #[error("{0}")]
    Local(#[from] crate::store::StoreError),
}

impl ClinicError {
    /// Sorts a `postgres` error. Server messages of the data classes (22, 23) can quote a value,
    /// so only their code is kept.
    pub fn from_pg(e: &postgres::Error) -> ClinicError {
        if let Some(db) = e.as_db_error() {
            let code = db.code().code();
            if code.starts_with("22") || code.starts_with("23") {
                ClinicError::Refused(format!("a value was not accepted (SQLSTATE {code})"))
            } else {
                ClinicError::Refused(format!(
                    "{} (SQLSTATE {code})",
                    crate::text::escape(db.message())
                ))
            }
        } else {
            // The cause (refused, timed out, certificate not trusted) is in the source chain.
            let mut text = e.to_string();
            let mut source = std::error::Error::source(e);
            while let Some(s) = source {
                let more = s.to_string();
                if !text.contains(&more) {
                    text.push_str(": ");
                    text.push_str(&more);
                }
                source = s.source();
            }
            ClinicError::Unreachable(crate::text::escape(&text))
        }
    }
}
