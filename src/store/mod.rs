//! Where answers live: drafts committed answer by answer, completed records, and an append-only
//! audit log. The embedded default is SQLite ([`SqliteStore`]); the [`Store`] trait keeps the rest
//! of the program independent of it, so a shared server can stand behind the same calls later.
//! Nothing here logs or prints answers; errors carry ids and causes, never health data.

mod connection;
mod decisions;
mod files;
mod lock;
mod outbox;
mod schema;
mod sqlite;

pub use connection::{DB_FILE, SqliteStore};
pub use files::{
    data_dir, ensure_private_dir, precreate_private, set_file_mode_nofollow, symlink_refused,
    sync_dir, write_atomic,
};
pub use lock::DraftLock;
pub use outbox::{Delivery, OutboxCounts, PAYLOAD_FORMAT, Pending, RecordDelivery, sha256_hex};
pub use schema::SCHEMA_VERSION;

use std::path::PathBuf;

use jiff::Timestamp;

pub type DraftId = i64;
pub type RecordId = i64;

/// Which questionnaire (and exactly which content) answers belong to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuestionnaireRef {
    pub id: String,
    pub version: String,
    pub content_hash: String,
}

impl QuestionnaireRef {
    pub fn of(q: &crate::questionnaire::Questionnaire) -> Self {
        QuestionnaireRef {
            id: q.meta.id.clone(),
            version: q.meta.version.clone(),
            content_hash: q.content_hash.clone(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DraftStatus {
    /// Being answered, or interrupted (a crash): can be resumed.
    Open,
    Completed,
    /// Left idle at a kiosk and wiped from the screen; reachable by staff only.
    Abandoned,
    /// The patient or staff chose to throw it away.
    Discarded,
}

impl DraftStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            DraftStatus::Open => "open",
            DraftStatus::Completed => "completed",
            DraftStatus::Abandoned => "abandoned",
            DraftStatus::Discarded => "discarded",
        }
    }

    fn parse(s: &str) -> DraftStatus {
        match s {
            "completed" => DraftStatus::Completed,
            "abandoned" => DraftStatus::Abandoned,
            "discarded" => DraftStatus::Discarded,
            _ => DraftStatus::Open,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct DraftInfo {
    pub id: DraftId,
    pub questionnaire: QuestionnaireRef,
    pub visit_date: String,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub status: DraftStatus,
    /// How many answers are stored (cleared ones not counted).
    pub answers: usize,
    /// The item the patient was on.
    pub position: Option<String>,
}

/// A completed questionnaire, ready to be stored.
#[derive(Debug, Clone)]
pub struct NewRecord {
    pub draft: Option<DraftId>,
    pub questionnaire: QuestionnaireRef,
    pub visit_date: String,
    pub completed_at: Timestamp,
    pub patient_name: Option<String>,
    pub outcome: String,
    /// Fired flags: stop, caution, note.
    pub counts: [usize; 3],
    /// The visible answers, as an answers-file `answers` object.
    pub answers_json: String,
    /// Latched flags (a JSON list, see `records::latches_to_json`), if any latched.
    pub latches_json: Option<String>,
}

/// One line of the record list.
#[derive(Debug, Clone, serde::Serialize)]
pub struct RecordSummary {
    pub id: RecordId,
    pub completed_at: String,
    pub name: Option<String>,
    pub questionnaire: String,
    pub outcome: String,
    pub stop: usize,
    pub caution: usize,
    pub note: usize,
}

/// A whole stored record.
#[derive(Debug, Clone)]
pub struct Record {
    pub summary: RecordSummary,
    pub draft: Option<DraftId>,
    pub questionnaire: QuestionnaireRef,
    pub visit_date: String,
    pub answers_json: String,
    pub summary_json: String,
    pub summary_text: String,
    /// Latched flags, if any (see `records::latches_to_json`).
    pub latches_json: Option<String>,
}

/// What the audit log records. Never answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuditEvent {
    /// A draft (a new session) or a record (typed in from paper) was created.
    Created,
    Resumed,
    Abandoned,
    Discarded,
    Completed,
    Viewed,
    Exported,
    Printed,
    PrintFailed,
    Deleted,
    /// A safety pause began (detail: the flag id).
    Paused,
    /// The staff alert for a pause ran (detail: the flag id).
    AlertSent,
    /// The staff alert failed (detail: the flag id and the reason, no patient data).
    AlertFailed,
    /// A pause began with no staff alert configured (detail: the flag id).
    AlertNotConfigured,
    /// A pause was released (detail: flag id, who: `staff_pin` or `operator`, and what:
    /// `carry_on` or `end_here`).
    PauseReleased,
    /// Staff ended a questionnaire early (detail: the item it ended after).
    EndedByStaff,
    /// A draft was opened for resuming after the staff PIN or the date of birth was checked
    /// (detail: `staff_pin` or `date_of_birth`).
    Unlocked,
    /// A prescriber opened a record in the inbox (detail: `by` and the prescriber's id).
    Reviewed,
    /// A prescriber recorded a decision (detail: the decision's id, what, and the prescriber's
    /// id; never the note or the reason).
    Decided,
    /// A date of birth typed to open a draft did not match (counted: three, then staff only).
    DobFailed,
    /// A wrong staff PIN (or recovery PIN) was typed (detail: `staff` or `pause`, and
    /// `recovery` when the lockout was up). The attempt counter is these rows: append-only,
    /// kept across restarts, not reset by deleting a file.
    PinFailed,
    /// The staff PIN was right: the counter starts again.
    PinOk,
    /// The recovery PIN was right (a lockout lifted, or staff let in): the counter starts again.
    PinRecovered,
    /// The right staff PIN during a lockout or a wait: refused, and not counted as a failure.
    PinRefused,
    /// The counter starts again: a PIN was set (`pin_set`, `recovery_set`) or a lockout ran out
    /// (`lockout_over`).
    PinReset,
}

impl AuditEvent {
    pub fn as_str(self) -> &'static str {
        match self {
            AuditEvent::Created => "created",
            AuditEvent::Resumed => "resumed",
            AuditEvent::Abandoned => "abandoned",
            AuditEvent::Discarded => "discarded",
            AuditEvent::Completed => "completed",
            AuditEvent::Viewed => "viewed",
            AuditEvent::Exported => "exported",
            AuditEvent::Printed => "printed",
            AuditEvent::PrintFailed => "print_failed",
            AuditEvent::Deleted => "deleted",
            AuditEvent::Paused => "paused",
            AuditEvent::AlertSent => "alert_sent",
            AuditEvent::AlertFailed => "alert_failed",
            AuditEvent::AlertNotConfigured => "alert_not_configured",
            AuditEvent::PauseReleased => "pause_released",
            AuditEvent::EndedByStaff => "ended_by_staff",
            AuditEvent::Unlocked => "unlocked",
            AuditEvent::Reviewed => "reviewed",
            AuditEvent::Decided => "decided",
            AuditEvent::DobFailed => "dob_failed",
            AuditEvent::PinFailed => "pin_failed",
            AuditEvent::PinOk => "pin_ok",
            AuditEvent::PinRecovered => "pin_recovered",
            AuditEvent::PinRefused => "pin_refused",
            AuditEvent::PinReset => "pin_reset",
        }
    }
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct AuditRow {
    pub id: i64,
    pub at: String,
    pub event: String,
    pub record: Option<RecordId>,
    pub draft: Option<DraftId>,
    /// What the event concerned: a flag or item id, who released a pause. Never an answer.
    pub detail: Option<String>,
}

/// Why the store could not do what was asked. Messages are plain and never contain answers.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("cannot use the data directory {path}: {source}")]
    Dir {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("the database is in use by another triage and stayed locked; try again in a moment")]
    Locked,
    #[error("the disk is full: nothing already saved was lost; free some space and try again")]
    DiskFull,
    #[error("cannot write to {0}: the file or its directory is read-only")]
    ReadOnly(PathBuf),
    #[error(
        "{0} is damaged or is not a triage database; keep it for inspection and start a new data directory"
    )]
    Corrupt(PathBuf),
    #[error(
        "the database was written by a newer triage (schema {found}; this program knows up to {known})"
    )]
    TooNew { found: i64, known: i64 },
    #[error("the database would not keep its safety settings: {0}")]
    Settings(String),
    #[error("there is no record {0}")]
    NoRecord(RecordId),
    #[error("there is no draft {0}")]
    NoDraft(DraftId),
    #[error("form {0} is no longer open (it was completed, abandoned or discarded)")]
    DraftClosed(DraftId),
    #[error("database error: {0}")]
    Other(String),
}

/// The calls the rest of the program makes on a store.
pub trait Store {
    /// Starts a draft for a new session.
    fn start_draft(
        &mut self,
        q: &QuestionnaireRef,
        visit_date: &str,
        now: Timestamp,
    ) -> Result<DraftId, StoreError>;
    /// Commits one answer (or its removal, `None`) to a draft, with the item the patient is on.
    /// When this returns `Ok`, the answer is on disk.
    fn save_answer(
        &mut self,
        draft: DraftId,
        item: &str,
        value: Option<&serde_json::Value>,
        now: Timestamp,
    ) -> Result<(), StoreError>;
    /// The stored answers of a draft.
    fn draft_answers(&self, draft: DraftId)
    -> Result<Vec<(String, serde_json::Value)>, StoreError>;
    fn draft(&self, draft: DraftId) -> Result<DraftInfo, StoreError>;
    /// Drafts with a status, newest first, optionally of one questionnaire id.
    fn drafts(
        &self,
        status: DraftStatus,
        questionnaire: Option<&str>,
    ) -> Result<Vec<DraftInfo>, StoreError>;
    fn set_draft_status(
        &mut self,
        draft: DraftId,
        status: DraftStatus,
        now: Timestamp,
    ) -> Result<(), StoreError>;
    /// Stores a completed record (and closes its draft) in one transaction. `summaries` renders
    /// the summary JSON and text for the new record's id, inside the same transaction.
    fn complete(
        &mut self,
        record: &NewRecord,
        summaries: &dyn Fn(RecordId) -> (String, String),
    ) -> Result<RecordId, StoreError>;
    /// Every record, oldest first.
    fn records(&self) -> Result<Vec<RecordSummary>, StoreError>;
    fn record(&self, id: RecordId) -> Result<Record, StoreError>;
    /// Deletes a record and its draft answers (retention); the audit log keeps the event.
    fn delete_record(&mut self, id: RecordId, now: Timestamp) -> Result<(), StoreError>;
    /// Appends an event to the audit log.
    fn log(
        &mut self,
        event: AuditEvent,
        record: Option<RecordId>,
        draft: Option<DraftId>,
        now: Timestamp,
    ) -> Result<(), StoreError>;
    /// Appends an event with a detail (a flag or item id, who did it; never an answer).
    fn log_detail(
        &mut self,
        event: AuditEvent,
        record: Option<RecordId>,
        draft: Option<DraftId>,
        detail: &str,
        now: Timestamp,
    ) -> Result<(), StoreError>;
    /// Keeps a draft's latched flags (JSON, see `records::latches_to_json`).
    fn save_latches(&mut self, draft: DraftId, latches: &str) -> Result<(), StoreError>;
    /// A draft's latched flags, if it has any.
    fn draft_latches(&self, draft: DraftId) -> Result<Option<String>, StoreError>;
    /// The whole audit log, oldest first.
    fn audit(&self) -> Result<Vec<AuditRow>, StoreError>;
    /// The times of the wrong PINs since the counter last started again (`pin_ok`,
    /// `pin_recovered` or `pin_reset`), oldest first: a PIN's attempt counter. `holder`: the
    /// audit detail of a prescriber's PIN events (`prescriber:ID`), or `None` for the staff PIN
    /// (every PIN event that names no prescriber).
    fn pin_failures(&self, holder: Option<&str>) -> Result<Vec<Timestamp>, StoreError>;
    /// How many `event`s the audit log has for a draft since its last `reset` event (all of
    /// them when there is none): e.g. wrong dates of birth since the form was last unlocked.
    fn draft_events_since(
        &self,
        draft: DraftId,
        event: AuditEvent,
        reset: AuditEvent,
    ) -> Result<usize, StoreError>;
}
