//! The connection to the embedded store: one SQLite file in the data directory,
//! `journal_mode=WAL` and `synchronous=FULL` set on every connection and verified, the schema
//! migrated (`PRAGMA user_version`, steps in `super::schema`), SQLite's errors turned into plain
//! [`StoreError`]s, and the append-only audit log written. The drafts and records
//! (`super::sqlite`), the outbox and the decisions build on this; it depends on none of them.

use std::path::{Path, PathBuf};
use std::time::Duration;

use jiff::Timestamp;
use rusqlite::{Connection, ErrorCode, params};

use super::files::{ensure_private_dir, precreate_private, set_file_mode_nofollow};
use super::schema::{MIGRATIONS, SCHEMA_VERSION};
use super::{AuditEvent, AuditRow, DraftId, RecordId, StoreError};

/// The database file's name inside the data directory.
pub const DB_FILE: &str = "triage.db";

pub struct SqliteStore {
    pub(super) conn: Connection,
    pub(super) path: PathBuf,
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

    pub(super) fn err(&self, e: rusqlite::Error) -> StoreError {
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
        // `found` is at most SCHEMA_VERSION here. A negative user_version (no triage ever writes
        // one) runs no step, as before.
        let done = usize::try_from(found).unwrap_or(usize::MAX);
        for (version, sql) in (1i64..).zip(MIGRATIONS).skip(done) {
            let path = self.path.clone();
            let tx = self.conn.transaction().map_err(|e| map_err(e, &path))?;
            tx.execute_batch(sql).map_err(|e| map_err(e, &path))?;
            tx.pragma_update(None, "user_version", version)
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

    pub(super) fn audit_in(
        tx: &Connection,
        event: AuditEvent,
        record: Option<RecordId>,
        draft: Option<DraftId>,
        now: Timestamp,
    ) -> rusqlite::Result<()> {
        Self::audit_detail_in(tx, event, record, draft, None, now)
    }

    pub(super) fn audit_detail_in(
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
// By value, so that every call reads `.map_err(|e| map_err(e, &path))`.
#[allow(clippy::needless_pass_by_value)]
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
