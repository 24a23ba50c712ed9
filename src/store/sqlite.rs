//! The embedded store: one SQLite file in the data directory, `journal_mode=WAL` and
//! `synchronous=FULL` set on every connection and verified, schema versioned with migrations
//! (`PRAGMA user_version`), the audit table made append-only by triggers.

use std::path::{Path, PathBuf};
use std::time::Duration;

use jiff::Timestamp;
use rusqlite::{Connection, ErrorCode, OptionalExtension, params};

use super::files::{ensure_private_dir, precreate_private, set_file_mode_nofollow};
use super::*;

/// The database file's name inside the data directory.
pub const DB_FILE: &str = "triage.db";

/// Each entry migrates the schema from version `i` to `i + 1`.
const MIGRATIONS: &[&str] = &[
    r#"
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
"#,
    r#"
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
"#,
    // 3: the clinic store's outbox (record UUIDs, delivery state, device id).
    super::outbox::MIGRATION,
    // 4: the staff PIN's attempt counter is read from the audit log at every PIN typed: by
    // event, newest first, without a scan of the whole log.
    "CREATE INDEX IF NOT EXISTS audit_by_event ON audit (event, id);",
    // 5: the doctor's desk: prescribers' decisions, append-only.
    super::decisions::MIGRATION,
];

/// The schema version this program writes.
pub const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

pub struct SqliteStore {
    pub(super) conn: Connection,
    path: PathBuf,
}

impl SqliteStore {
    /// Opens (creating if needed) the store in `dir`: directory 0700, files 0600, WAL and full
    /// synchronous writes verified, schema migrated.
    pub fn open(dir: &Path) -> Result<SqliteStore, StoreError> {
        // Links above the data directory are the system's (SQLite's no-follow open refuses a
        // link anywhere in the path, so they are resolved first); the directory itself and the
        // database must not be links.
        let resolved = super::files::resolve_above(dir).map_err(|source| StoreError::Dir {
            path: dir.to_owned(),
            source,
        })?;
        let dir = resolved.as_path();
        ensure_private_dir(dir).map_err(|source| match source.kind() {
            std::io::ErrorKind::StorageFull => StoreError::DiskFull,
            _ => StoreError::Dir {
                path: dir.to_owned(),
                source,
            },
        })?;
        let path = dir.join(DB_FILE);
        precreate_private(&path).map_err(|source| match source.kind() {
            std::io::ErrorKind::PermissionDenied | std::io::ErrorKind::ReadOnlyFilesystem => {
                StoreError::ReadOnly(path.clone())
            }
            std::io::ErrorKind::StorageFull => StoreError::DiskFull,
            _ => StoreError::Dir {
                path: dir.to_owned(),
                source,
            },
        })?;
        // SQLite must not follow a link either (precreate_private refused one just now; this
        // covers one swapped in since).
        let conn = Connection::open_with_flags(
            &path,
            rusqlite::OpenFlags::default() | rusqlite::OpenFlags::SQLITE_OPEN_NOFOLLOW,
        )
        .map_err(|e| map_err(e, &path))?;
        let mut store = SqliteStore { conn, path };
        store.configure()?;
        store.migrate()?;
        store.tighten_files();
        Ok(store)
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// How long a call waits for another process's lock before it fails with
    /// [`StoreError::Locked`] (5 s by default, for commands). The walk-through uses a short
    /// wait and retries from its clock tick, so a locked database never stalls the keyboard.
    pub fn set_busy_timeout(&self, wait: Duration) -> Result<(), StoreError> {
        self.conn.busy_timeout(wait).map_err(|e| self.err(e))
    }

    fn err(&self, e: rusqlite::Error) -> StoreError {
        map_err(e, &self.path)
    }

    fn configure(&mut self) -> Result<(), StoreError> {
        self.conn
            .busy_timeout(Duration::from_secs(5))
            .map_err(|e| self.err(e))?;
        let mode: String = self
            .conn
            .pragma_update_and_check(None, "journal_mode", "WAL", |r| r.get(0))
            .map_err(|e| self.err(e))?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(StoreError::Settings(format!(
                "journal_mode is {mode}, not wal"
            )));
        }
        self.conn
            .pragma_update(None, "synchronous", "FULL")
            .map_err(|e| self.err(e))?;
        let sync: i64 = self
            .conn
            .pragma_query_value(None, "synchronous", |r| r.get(0))
            .map_err(|e| self.err(e))?;
        if sync != 2 {
            return Err(StoreError::Settings(format!(
                "synchronous is {sync}, not FULL (2)"
            )));
        }
        self.conn
            .pragma_update(None, "foreign_keys", "ON")
            .map_err(|e| self.err(e))?;
        Ok(())
    }

    /// The settings actually in force: (journal_mode, synchronous).
    pub fn settings(&self) -> Result<(String, i64), StoreError> {
        let mode: String = self
            .conn
            .pragma_query_value(None, "journal_mode", |r| r.get(0))
            .map_err(|e| self.err(e))?;
        let sync: i64 = self
            .conn
            .pragma_query_value(None, "synchronous", |r| r.get(0))
            .map_err(|e| self.err(e))?;
        Ok((mode, sync))
    }

    /// The schema version on disk.
    pub fn schema_version(&self) -> Result<i64, StoreError> {
        self.conn
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .map_err(|e| self.err(e))
    }

    fn migrate(&mut self) -> Result<(), StoreError> {
        let found = self.schema_version()?;
        if found > SCHEMA_VERSION {
            return Err(StoreError::TooNew {
                found,
                known: SCHEMA_VERSION,
            });
        }
        for (i, sql) in MIGRATIONS.iter().enumerate().skip(found as usize) {
            let path = self.path.clone();
            let tx = self.conn.transaction().map_err(|e| map_err(e, &path))?;
            tx.execute_batch(sql).map_err(|e| map_err(e, &path))?;
            tx.pragma_update(None, "user_version", (i + 1) as i64)
                .map_err(|e| map_err(e, &path))?;
            tx.commit().map_err(|e| map_err(e, &path))?;
        }
        Ok(())
    }

    /// SQLite gives the WAL and shared-memory files the database's mode; make sure anyway.
    fn tighten_files(&self) {
        for suffix in ["-wal", "-shm"] {
            let mut p = self.path.clone().into_os_string();
            p.push(suffix);
            let p = PathBuf::from(p);
            let _ = set_file_mode_nofollow(&p, 0o600);
        }
    }

    /// `PRAGMA integrity_check`: "ok" for a healthy database.
    pub fn integrity_check(&self) -> Result<String, StoreError> {
        self.conn
            .query_row("PRAGMA integrity_check", [], |r| r.get(0))
            .map_err(|e| self.err(e))
    }

    fn audit_in(
        tx: &Connection,
        event: AuditEvent,
        record: Option<RecordId>,
        draft: Option<DraftId>,
        now: Timestamp,
    ) -> rusqlite::Result<()> {
        Self::audit_detail_in(tx, event, record, draft, None, now)
    }

    fn audit_detail_in(
        tx: &Connection,
        event: AuditEvent,
        record: Option<RecordId>,
        draft: Option<DraftId>,
        detail: Option<&str>,
        now: Timestamp,
    ) -> rusqlite::Result<()> {
        tx.prepare_cached(
            "INSERT INTO audit (at, event, record_id, draft_id, detail) VALUES (?1, ?2, ?3, ?4, ?5)",
        )?
        .execute(params![now.to_string(), event.as_str(), record, draft, detail])?;
        Ok(())
    }

    fn draft_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<DraftInfo> {
        let ts = |s: String| s.parse::<Timestamp>().unwrap_or(Timestamp::UNIX_EPOCH);
        Ok(DraftInfo {
            id: r.get(0)?,
            questionnaire: QuestionnaireRef {
                id: r.get(1)?,
                version: r.get(2)?,
                content_hash: r.get(3)?,
            },
            visit_date: r.get(4)?,
            created_at: ts(r.get(5)?),
            updated_at: ts(r.get(6)?),
            status: DraftStatus::parse(&r.get::<_, String>(7)?),
            position: r.get(8)?,
            answers: r.get::<_, i64>(9)? as usize,
        })
    }
}

const DRAFT_COLUMNS: &str = "d.id, d.questionnaire_id, d.questionnaire_version, d.content_hash, d.visit_date, d.created_at, d.updated_at, d.status, d.position, \
     (SELECT COUNT(*) FROM draft_answers a WHERE a.draft_id = d.id AND a.value IS NOT NULL)";

const RECORD_SUMMARY_COLUMNS: &str = "id, completed_at, patient_name, questionnaire_id, outcome, stop_count, caution_count, note_count";

fn summary_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<RecordSummary> {
    Ok(RecordSummary {
        id: r.get(0)?,
        completed_at: r.get(1)?,
        name: r.get(2)?,
        questionnaire: r.get(3)?,
        outcome: r.get(4)?,
        stop: r.get::<_, i64>(5)? as usize,
        caution: r.get::<_, i64>(6)? as usize,
        note: r.get::<_, i64>(7)? as usize,
    })
}

/// An audit row from `SELECT id, at, event, record_id, draft_id, detail`.
pub(super) fn audit_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<AuditRow> {
    Ok(AuditRow {
        id: r.get(0)?,
        at: r.get(1)?,
        event: r.get(2)?,
        record: r.get(3)?,
        draft: r.get(4)?,
        detail: r.get(5)?,
    })
}

/// Turns SQLite's errors into plain ones. The message never includes values (answers). A disk
/// that is full often shows as an I/O error (`SQLITE_IOERR_WRITE`, `_SHMSIZE`, `_FSYNC`...: the
/// `ENOSPC` behind it is not passed on), so an I/O error on a full disk is the disk-full error.
pub(super) fn map_err(e: rusqlite::Error, path: &Path) -> StoreError {
    /// SQLITE_CANTOPEN_SYMLINK: a no-follow open met a symbolic link.
    const CANTOPEN_SYMLINK: std::ffi::c_int = 1550;
    if let rusqlite::Error::SqliteFailure(f, _) = &e
        && f.extended_code == CANTOPEN_SYMLINK
    {
        return StoreError::Dir {
            path: path.to_owned(),
            source: super::files::symlink_refused(path),
        };
    }
    // "Cannot open" is read-only only when it is: else the real reason is said.
    if e.sqlite_error_code() == Some(ErrorCode::CannotOpen)
        && !path.parent().is_some_and(disk_full)
        && writable(path)
    {
        return StoreError::Other(format!("cannot open {}: {e}", path.display()));
    }
    match e.sqlite_error_code() {
        Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked) => StoreError::Locked,
        Some(ErrorCode::DiskFull) => StoreError::DiskFull,
        Some(ErrorCode::SystemIoFailure | ErrorCode::CannotOpen)
            if path.parent().is_some_and(disk_full) =>
        {
            StoreError::DiskFull
        }
        Some(ErrorCode::ReadOnly | ErrorCode::CannotOpen | ErrorCode::PermissionDenied) => {
            StoreError::ReadOnly(path.to_owned())
        }
        Some(ErrorCode::DatabaseCorrupt | ErrorCode::NotADatabase) => {
            StoreError::Corrupt(path.to_owned())
        }
        _ => StoreError::Other(e.to_string()),
    }
}

/// Whether this process may write the database file (or create it) and its folder.
fn writable(path: &Path) -> bool {
    use rustix::fs::{Access, access};
    let dir_ok = path
        .parent()
        .is_none_or(|d| access(d, Access::WRITE_OK | Access::EXEC_OK).is_ok());
    let file_ok = !path.exists() || access(path, Access::WRITE_OK).is_ok();
    dir_ok && file_ok
}

/// Whether the file system holding `dir` has (almost) no room left for an unprivileged writer.
pub(super) fn disk_full(dir: &Path) -> bool {
    let dir = if dir.as_os_str().is_empty() {
        Path::new(".")
    } else {
        dir
    };
    rustix::fs::statvfs(dir).is_ok_and(|s| s.f_bavail.saturating_mul(s.f_frsize) < 64 * 1024)
}

impl Store for SqliteStore {
    fn start_draft(
        &mut self,
        q: &QuestionnaireRef,
        visit_date: &str,
        now: Timestamp,
    ) -> Result<DraftId, StoreError> {
        let path = self.path.clone();
        let tx = self.conn.transaction().map_err(|e| map_err(e, &path))?;
        let now_s = now.to_string();
        tx.execute(
            "INSERT INTO drafts (questionnaire_id, questionnaire_version, content_hash, visit_date, created_at, updated_at, status) VALUES (?1, ?2, ?3, ?4, ?5, ?5, 'open')",
            params![q.id, q.version, q.content_hash, visit_date, now_s],
        )
        .map_err(|e| map_err(e, &path))?;
        let id = tx.last_insert_rowid();
        Self::audit_in(&tx, AuditEvent::Created, None, Some(id), now)
            .map_err(|e| map_err(e, &path))?;
        tx.commit().map_err(|e| map_err(e, &path))?;
        Ok(id)
    }

    fn save_answer(
        &mut self,
        draft: DraftId,
        item: &str,
        value: Option<&serde_json::Value>,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        let path = self.path.clone();
        let tx = self.conn.transaction().map_err(|e| map_err(e, &path))?;
        let now_s = now.to_string();
        let changed = tx
            .prepare_cached("UPDATE drafts SET updated_at = ?2, position = ?3 WHERE id = ?1 AND status = 'open'")
            .and_then(|mut s| s.execute(params![draft, now_s, item]))
            .map_err(|e| map_err(e, &path))?;
        if changed == 0 {
            return Err(StoreError::NoDraft(draft));
        }
        let value = value.map(|v| v.to_string());
        tx.prepare_cached("INSERT INTO draft_answers (draft_id, item_id, value, answered_at) VALUES (?1, ?2, ?3, ?4) ON CONFLICT (draft_id, item_id) DO UPDATE SET value = excluded.value, answered_at = excluded.answered_at")
            .and_then(|mut s| s.execute(params![draft, item, value, now_s]))
            .map_err(|e| map_err(e, &path))?;
        tx.commit().map_err(|e| map_err(e, &path))
    }

    fn draft_answers(
        &self,
        draft: DraftId,
    ) -> Result<Vec<(String, serde_json::Value)>, StoreError> {
        let mut stmt = self.conn.prepare_cached("SELECT item_id, value FROM draft_answers WHERE draft_id = ?1 AND value IS NOT NULL ORDER BY rowid").map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map([draft], |r| {
                Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
            })
            .map_err(|e| self.err(e))?;
        let mut out = Vec::new();
        for row in rows {
            let (id, text) = row.map_err(|e| self.err(e))?;
            // A value that does not parse was not written by us; report it as damage.
            let value =
                serde_json::from_str(&text).map_err(|_| StoreError::Corrupt(self.path.clone()))?;
            out.push((id, value));
        }
        Ok(out)
    }

    fn draft(&self, draft: DraftId) -> Result<DraftInfo, StoreError> {
        self.conn
            .query_row(
                &format!("SELECT {DRAFT_COLUMNS} FROM drafts d WHERE d.id = ?1"),
                [draft],
                Self::draft_from_row,
            )
            .optional()
            .map_err(|e| self.err(e))?
            .ok_or(StoreError::NoDraft(draft))
    }

    fn drafts(
        &self,
        status: DraftStatus,
        questionnaire: Option<&str>,
    ) -> Result<Vec<DraftInfo>, StoreError> {
        let sql = format!(
            "SELECT {DRAFT_COLUMNS} FROM drafts d WHERE d.status = ?1 AND (?2 IS NULL OR d.questionnaire_id = ?2) ORDER BY d.updated_at DESC, d.id DESC"
        );
        let mut stmt = self.conn.prepare(&sql).map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map(
                params![status.as_str(), questionnaire],
                Self::draft_from_row,
            )
            .map_err(|e| self.err(e))?;
        rows.collect::<rusqlite::Result<Vec<_>>>()
            .map_err(|e| self.err(e))
    }

    fn set_draft_status(
        &mut self,
        draft: DraftId,
        status: DraftStatus,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        let path = self.path.clone();
        let tx = self.conn.transaction().map_err(|e| map_err(e, &path))?;
        let n = tx
            .execute(
                "UPDATE drafts SET status = ?2, updated_at = ?3 WHERE id = ?1",
                params![draft, status.as_str(), now.to_string()],
            )
            .map_err(|e| map_err(e, &path))?;
        if n == 0 {
            return Err(StoreError::NoDraft(draft));
        }
        let event = match status {
            DraftStatus::Open => AuditEvent::Resumed,
            DraftStatus::Completed => AuditEvent::Completed,
            DraftStatus::Abandoned => AuditEvent::Abandoned,
            DraftStatus::Discarded => AuditEvent::Discarded,
        };
        Self::audit_in(&tx, event, None, Some(draft), now).map_err(|e| map_err(e, &path))?;
        tx.commit().map_err(|e| map_err(e, &path))
    }

    fn complete(
        &mut self,
        r: &NewRecord,
        summaries: &dyn Fn(RecordId) -> (String, String),
    ) -> Result<RecordId, StoreError> {
        let path = self.path.clone();
        let tx = self.conn.transaction().map_err(|e| map_err(e, &path))?;
        tx.execute(
            "INSERT INTO records (draft_id, questionnaire_id, questionnaire_version, content_hash, visit_date, completed_at, patient_name, outcome, stop_count, caution_count, note_count, answers_json, summary_json, summary_text, latches_json) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)",
            params![
                r.draft,
                r.questionnaire.id,
                r.questionnaire.version,
                r.questionnaire.content_hash,
                r.visit_date,
                r.completed_at.to_string(),
                r.patient_name,
                r.outcome,
                r.counts[0] as i64,
                r.counts[1] as i64,
                r.counts[2] as i64,
                r.answers_json,
                "",
                "",
                r.latches_json
            ],
        )
        .map_err(|e| map_err(e, &path))?;
        let id = tx.last_insert_rowid();
        // A draft completes once: a second window (or a retry) finds it closed.
        if let Some(d) = r.draft {
            let status: Option<String> = tx
                .query_row("SELECT status FROM drafts WHERE id = ?1", [d], |row| {
                    row.get(0)
                })
                .optional()
                .map_err(|e| map_err(e, &path))?;
            match status.as_deref() {
                Some("open") => {}
                Some(_) => return Err(StoreError::DraftClosed(d)),
                None => return Err(StoreError::NoDraft(d)),
            }
        }
        let (json, text) = summaries(id);
        tx.execute(
            "UPDATE records SET summary_json = ?2, summary_text = ?3 WHERE id = ?1",
            params![id, json, text],
        )
        .map_err(|e| map_err(e, &path))?;
        super::outbox::enqueue(&tx, id, r, &json, &text).map_err(|e| map_err(e, &path))?;
        match r.draft {
            Some(d) => {
                tx.execute(
                    "UPDATE drafts SET status = 'completed', updated_at = ?2 WHERE id = ?1",
                    params![d, r.completed_at.to_string()],
                )
                .map_err(|e| map_err(e, &path))?;
            }
            None => Self::audit_in(&tx, AuditEvent::Created, Some(id), None, r.completed_at)
                .map_err(|e| map_err(e, &path))?,
        }
        Self::audit_in(
            &tx,
            AuditEvent::Completed,
            Some(id),
            r.draft,
            r.completed_at,
        )
        .map_err(|e| map_err(e, &path))?;
        tx.commit().map_err(|e| map_err(e, &path))?;
        Ok(id)
    }

    fn records(&self) -> Result<Vec<RecordSummary>, StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached(&format!(
                "SELECT {RECORD_SUMMARY_COLUMNS} FROM records ORDER BY id"
            ))
            .map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map([], summary_from_row)
            .map_err(|e| self.err(e))?;
        rows.collect::<rusqlite::Result<Vec<_>>>()
            .map_err(|e| self.err(e))
    }

    fn record(&self, id: RecordId) -> Result<Record, StoreError> {
        let sql = format!(
            "SELECT {RECORD_SUMMARY_COLUMNS}, draft_id, questionnaire_version, content_hash, visit_date, answers_json, summary_json, summary_text, latches_json FROM records WHERE id = ?1"
        );
        self.conn
            .query_row(&sql, [id], |r| {
                let summary = summary_from_row(r)?;
                Ok(Record {
                    questionnaire: QuestionnaireRef {
                        id: summary.questionnaire.clone(),
                        version: r.get(9)?,
                        content_hash: r.get(10)?,
                    },
                    summary,
                    draft: r.get(8)?,
                    visit_date: r.get(11)?,
                    answers_json: r.get(12)?,
                    summary_json: r.get(13)?,
                    summary_text: r.get(14)?,
                    latches_json: r.get(15)?,
                })
            })
            .optional()
            .map_err(|e| self.err(e))?
            .ok_or(StoreError::NoRecord(id))
    }

    fn delete_record(&mut self, id: RecordId, now: Timestamp) -> Result<(), StoreError> {
        let path = self.path.clone();
        let tx = self.conn.transaction().map_err(|e| map_err(e, &path))?;
        let draft: Option<Option<DraftId>> = tx
            .query_row("SELECT draft_id FROM records WHERE id = ?1", [id], |r| {
                r.get(0)
            })
            .optional()
            .map_err(|e| map_err(e, &path))?;
        let Some(draft) = draft else {
            return Err(StoreError::NoRecord(id));
        };
        tx.execute("DELETE FROM records WHERE id = ?1", [id])
            .map_err(|e| map_err(e, &path))?;
        if let Some(d) = draft {
            tx.execute("DELETE FROM drafts WHERE id = ?1", [d])
                .map_err(|e| map_err(e, &path))?;
        }
        Self::audit_in(&tx, AuditEvent::Deleted, Some(id), draft, now)
            .map_err(|e| map_err(e, &path))?;
        tx.commit().map_err(|e| map_err(e, &path))
    }

    fn log(
        &mut self,
        event: AuditEvent,
        record: Option<RecordId>,
        draft: Option<DraftId>,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        Self::audit_in(&self.conn, event, record, draft, now).map_err(|e| self.err(e))
    }

    fn log_detail(
        &mut self,
        event: AuditEvent,
        record: Option<RecordId>,
        draft: Option<DraftId>,
        detail: &str,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        Self::audit_detail_in(&self.conn, event, record, draft, Some(detail), now)
            .map_err(|e| self.err(e))
    }

    fn save_latches(&mut self, draft: DraftId, latches: &str) -> Result<(), StoreError> {
        let n = self
            .conn
            .prepare_cached("UPDATE drafts SET latches = ?2 WHERE id = ?1 AND status = 'open'")
            .and_then(|mut s| s.execute(params![draft, latches]))
            .map_err(|e| self.err(e))?;
        if n == 0 {
            return Err(StoreError::NoDraft(draft));
        }
        Ok(())
    }

    fn draft_latches(&self, draft: DraftId) -> Result<Option<String>, StoreError> {
        self.conn
            .query_row("SELECT latches FROM drafts WHERE id = ?1", [draft], |r| {
                r.get(0)
            })
            .optional()
            .map_err(|e| self.err(e))?
            .ok_or(StoreError::NoDraft(draft))
    }

    fn draft_events_since(
        &self,
        draft: DraftId,
        event: AuditEvent,
        reset: AuditEvent,
    ) -> Result<usize, StoreError> {
        self.conn
            .query_row(
                "SELECT COUNT(*) FROM audit WHERE draft_id = ?1 AND event = ?2 AND id > \
                 COALESCE((SELECT MAX(id) FROM audit WHERE draft_id = ?1 AND event = ?3), 0)",
                params![draft, event.as_str(), reset.as_str()],
                |r| r.get::<_, i64>(0),
            )
            .map(|n| n as usize)
            .map_err(|e| self.err(e))
    }

    fn pin_failures(&self, holder: Option<&str>) -> Result<Vec<Timestamp>, StoreError> {
        // Whose rows: a prescriber's by their detail; the staff PIN's are all the others.
        let whose = if holder.is_some() {
            "detail = ?1"
        } else {
            "COALESCE(detail, '') NOT LIKE 'prescriber:%' AND ?1 IS NULL"
        };
        let mut stmt = self
            .conn
            .prepare_cached(&format!(
                "SELECT at FROM audit WHERE event = 'pin_failed' AND {whose} AND id > COALESCE( \
                 (SELECT MAX(id) FROM audit WHERE event IN ('pin_ok', 'pin_recovered', 'pin_reset') \
                 AND {whose}), 0) ORDER BY id"
            ))
            .map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map([holder], |r| r.get::<_, String>(0))
            .map_err(|e| self.err(e))?;
        let mut out = Vec::new();
        for at in rows {
            // An unreadable time counts as long ago: still a failure, no longer a delay.
            let at = at.map_err(|e| self.err(e))?;
            out.push(at.parse::<Timestamp>().unwrap_or(Timestamp::UNIX_EPOCH));
        }
        Ok(out)
    }

    fn audit(&self) -> Result<Vec<AuditRow>, StoreError> {
        let mut stmt = self
            .conn
            .prepare("SELECT id, at, event, record_id, draft_id, detail FROM audit ORDER BY id")
            .map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map([], audit_from_row)
            .map_err(|e| self.err(e))?;
        rows.collect::<rusqlite::Result<Vec<_>>>()
            .map_err(|e| self.err(e))
    }
}
