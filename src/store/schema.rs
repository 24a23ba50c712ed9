//! The local database's schema: every migration step, in order, and the version they reach.
//! Data only: no connection, no I/O (the connection in `super::connection` applies them).

/// Each entry migrates the schema from version `i` to `i + 1`.
pub(super) const MIGRATIONS: &[&str] = &[
    r"
CREATE TABLE drafts (
    id INTEGER PRIMARY KEY,
    questionnaire_id TEXT NOT NULL,
    questionnaire_version TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    visit_date TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('open', 'completed', 'abandoned', 'discarded')),
    position TEXT
);
CREATE INDEX drafts_by_status ON drafts (status, questionnaire_id);
CREATE TABLE draft_answers (
    draft_id INTEGER NOT NULL REFERENCES drafts (id) ON DELETE CASCADE,
    item_id TEXT NOT NULL,
    value TEXT,
    answered_at TEXT NOT NULL,
    PRIMARY KEY (draft_id, item_id)
);
CREATE TABLE records (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    draft_id INTEGER REFERENCES drafts (id) ON DELETE SET NULL,
    questionnaire_id TEXT NOT NULL,
    questionnaire_version TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    visit_date TEXT NOT NULL,
    completed_at TEXT NOT NULL,
    patient_name TEXT,
    outcome TEXT NOT NULL CHECK (outcome IN ('stop', 'caution', 'clear')),
    stop_count INTEGER NOT NULL,
    caution_count INTEGER NOT NULL,
    note_count INTEGER NOT NULL,
    answers_json TEXT NOT NULL,
    summary_json TEXT NOT NULL,
    summary_text TEXT NOT NULL
);
CREATE TABLE audit (
    id INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    event TEXT NOT NULL,
    record_id INTEGER,
    draft_id INTEGER
);
CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
",
    r"
-- 2: honest outcomes and latched flags. Outcomes gain 'no_rules' and 'not_assessed' (SQLite cannot
-- change a CHECK, so the table is rebuilt, keeping ids and the AUTOINCREMENT high-water mark, so
-- the id of a deleted record is never given to a new one); drafts and records keep their latched
-- flags; audit events gain a detail (a flag or item id, who released a pause; never answers).
ALTER TABLE drafts ADD COLUMN latches TEXT;
ALTER TABLE audit ADD COLUMN detail TEXT;
CREATE TABLE records_v2 (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    draft_id INTEGER REFERENCES drafts (id) ON DELETE SET NULL,
    questionnaire_id TEXT NOT NULL,
    questionnaire_version TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    visit_date TEXT NOT NULL,
    completed_at TEXT NOT NULL,
    patient_name TEXT,
    outcome TEXT NOT NULL CHECK (outcome IN ('stop', 'caution', 'clear', 'no_rules', 'not_assessed')),
    stop_count INTEGER NOT NULL,
    caution_count INTEGER NOT NULL,
    note_count INTEGER NOT NULL,
    answers_json TEXT NOT NULL,
    summary_json TEXT NOT NULL,
    summary_text TEXT NOT NULL,
    latches_json TEXT
);
INSERT INTO records_v2 (id, draft_id, questionnaire_id, questionnaire_version, content_hash, visit_date, completed_at, patient_name, outcome, stop_count, caution_count, note_count, answers_json, summary_json, summary_text)
    SELECT id, draft_id, questionnaire_id, questionnaire_version, content_hash, visit_date, completed_at, patient_name, outcome, stop_count, caution_count, note_count, answers_json, summary_json, summary_text FROM records;
DELETE FROM sqlite_sequence WHERE name = 'records_v2';
INSERT INTO sqlite_sequence (name, seq) SELECT 'records_v2', seq FROM sqlite_sequence WHERE name = 'records';
DROP TABLE records;
ALTER TABLE records_v2 RENAME TO records;
",
    // 3: the clinic store's outbox (record UUIDs, delivery state, device id).
    OUTBOX,
    // 4: the staff PIN's attempt counter is read from the audit log at every PIN typed: by
    // event, newest first, without a scan of the whole log.
    "CREATE INDEX IF NOT EXISTS audit_by_event ON audit (event, id);",
    // 5: the doctor's desk: prescribers' decisions, append-only.
    DECISIONS,
];

/// The schema version this program writes.
// A handful of steps: the count is far below `i64::MAX` (and `try_from` is not const).
#[allow(clippy::cast_possible_wrap)]
pub const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

/// Schema step 2 -> 3: delivery state for every record (existing ones get a UUID and are queued),
/// and this database's device identity with its audit cursor.
const OUTBOX: &str = r"
CREATE TABLE record_delivery (
    record_id INTEGER PRIMARY KEY,
    uuid TEXT NOT NULL UNIQUE,
    payload_sha256 TEXT,
    state TEXT NOT NULL CHECK (state IN ('pending', 'delivered', 'duplicate', 'conflict', 'rejected')),
    enqueued_at TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    last_error TEXT,
    delivered_at TEXT
);
CREATE INDEX record_delivery_pending ON record_delivery (state, record_id);
CREATE TABLE device (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    uuid TEXT NOT NULL,
    audit_sent_up_to INTEGER NOT NULL DEFAULT 0
);
INSERT INTO device (id, uuid) VALUES (1,
    lower(hex(randomblob(4))) || '-' || lower(hex(randomblob(2))) || '-4' || substr(lower(hex(randomblob(2))), 2) || '-' ||
    substr('89ab', 1 + abs(random() % 4), 1) || substr(lower(hex(randomblob(2))), 2) || '-' || lower(hex(randomblob(6))));
INSERT INTO record_delivery (record_id, uuid, state, enqueued_at)
SELECT id,
    lower(hex(randomblob(4))) || '-' || lower(hex(randomblob(2))) || '-4' || substr(lower(hex(randomblob(2))), 2) || '-' ||
    substr('89ab', 1 + abs(random() % 4), 1) || substr(lower(hex(randomblob(2))), 2) || '-' || lower(hex(randomblob(6))),
    'pending', completed_at
FROM records;
";

/// Schema step 4 -> 5 (idempotent: every object `IF NOT EXISTS`). The triggers on `records` must be created again if a later step
/// rebuilds that table.
const DECISIONS: &str = r"
CREATE TABLE IF NOT EXISTS decisions (
    id INTEGER PRIMARY KEY,
    record_id INTEGER NOT NULL,
    decided_at TEXT NOT NULL,
    decision TEXT NOT NULL CHECK (decision IN ('treat_today', 'defer', 'decline', 'refer')),
    note TEXT CHECK (note IS NULL OR length(note) <= 1000),
    override_reason TEXT CHECK (override_reason IS NULL OR length(override_reason) <= 1000),
    prescriber_id TEXT NOT NULL,
    prescriber_name TEXT NOT NULL,
    registration TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS decisions_by_record ON decisions (record_id, id);
CREATE TRIGGER IF NOT EXISTS decisions_need_record BEFORE INSERT ON decisions
    WHEN NOT EXISTS (SELECT 1 FROM records WHERE id = NEW.record_id)
    BEGIN SELECT RAISE(ABORT, 'there is no such record'); END;
CREATE TRIGGER IF NOT EXISTS decisions_need_reason BEFORE INSERT ON decisions
    WHEN NEW.decision = 'treat_today'
     AND coalesce(trim(NEW.override_reason), '') = ''
     AND (SELECT stop_count > 0 OR outcome IN ('stop', 'not_assessed') FROM records WHERE id = NEW.record_id)
    BEGIN SELECT RAISE(ABORT, 'treating today despite a STOP or an intake not assessed needs an override reason'); END;
CREATE TRIGGER IF NOT EXISTS decisions_no_update BEFORE UPDATE ON decisions
    BEGIN SELECT RAISE(ABORT, 'decisions are append-only: a later decision supersedes'); END;
CREATE TRIGGER IF NOT EXISTS decisions_no_delete BEFORE DELETE ON decisions
    WHEN EXISTS (SELECT 1 FROM records WHERE id = OLD.record_id)
    BEGIN SELECT RAISE(ABORT, 'decisions are append-only: a later decision supersedes'); END;
CREATE TRIGGER IF NOT EXISTS records_delete_decisions AFTER DELETE ON records
    BEGIN DELETE FROM decisions WHERE record_id = OLD.id; END;
CREATE INDEX IF NOT EXISTS records_by_visit ON records (visit_date, id);
CREATE INDEX IF NOT EXISTS audit_by_record ON audit (record_id, event);
";
