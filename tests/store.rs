//! The store: private files and directory, verified safety settings, migration from an empty
//! database, an append-only audit log with a row for every action, refusal of incomplete
//! answers, atomic exports, and plain errors for unusable, damaged or locked databases.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "a test stops at the first thing that is wrong, saying what"
)]

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use assert_cmd::Command;
use jiff::Timestamp;
use triage::store::{
    AuditEvent, DB_FILE, DraftStatus, QuestionnaireRef, SCHEMA_VERSION, SqliteStore, Store,
    StoreError,
};

fn triage(data: &Path) -> Command {
    let mut c = Command::cargo_bin("triage").expect("binary builds");
    c.env("NO_COLOR", "1")
        .env_remove("TRIAGE_DATA_DIR")
        .arg("--data-dir")
        .arg(data);
    c
}

fn mode(p: &Path) -> u32 {
    fs::metadata(p)
        .unwrap_or_else(|e| panic!("{}: {e}", p.display()))
        .permissions()
        .mode()
        & 0o777
}

fn qref() -> QuestionnaireRef {
    QuestionnaireRef {
        id: "botulinum-toxin".into(),
        version: "1.0.0".into(),
        content_hash: "sha256:x".into(),
    }
}

fn now() -> Timestamp {
    "2025-06-02T09:00:00Z".parse().expect("timestamp")
}

fn submit(data: &Path, answers: &str) -> String {
    let out = triage(data)
        .args(["submit", "--answers", answers])
        .output()
        .expect("runs");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

/// The data directory is 0700 and the database, WAL and shared-memory files are 0600, even
/// under a permissive umask; so are exported files.
#[test]
fn files_are_private() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("data");
    let mut store = SqliteStore::open(&data).expect("open");
    let d = store
        .start_draft(&qref(), "2025-06-02", now())
        .expect("draft");
    store
        .save_answer(d, "a_dob", Some(&serde_json::json!("1991-03-15")), now())
        .expect("save");
    assert_eq!(mode(&data), 0o700);
    for name in [
        DB_FILE.to_owned(),
        format!("{DB_FILE}-wal"),
        format!("{DB_FILE}-shm"),
    ] {
        assert_eq!(mode(&data.join(&name)), 0o600, "{name}");
    }
    drop(store);
    submit(&data, "questionnaires/examples/baseline.json");
    let out = dir.path().join("export");
    let st = triage(&data)
        .arg("records")
        .arg("export")
        .arg("--out")
        .arg(&out)
        .output()
        .expect("runs");
    assert_eq!(st.status.code(), Some(0));
    assert_eq!(mode(&out), 0o700);
    assert_eq!(mode(&out.join("record-1.json")), 0o600);
}

/// A loose existing directory is tightened to 0700.
#[test]
fn existing_directory_is_tightened() {
    let dir = tempfile::tempdir().expect("tempdir");
    fs::set_permissions(dir.path(), fs::Permissions::from_mode(0o755)).expect("chmod");
    SqliteStore::open(dir.path()).expect("open");
    assert_eq!(mode(dir.path()), 0o700);
}

/// WAL and FULL synchronous writes are in force on the connection, checked, not assumed.
#[test]
fn safety_settings_are_in_force() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = SqliteStore::open(dir.path()).expect("open");
    assert_eq!(store.settings().expect("settings"), ("wal".to_owned(), 2));
}

/// An empty database file (0 bytes) is migrated to the current schema; opening again changes
/// nothing; a database from a newer triage is refused.
#[test]
fn migration_from_empty_database() {
    let dir = tempfile::tempdir().expect("tempdir");
    fs::write(dir.path().join(DB_FILE), b"").expect("empty file");
    let store = SqliteStore::open(dir.path()).expect("open");
    assert_eq!(store.schema_version().expect("version"), SCHEMA_VERSION);
    assert!(store.records().expect("records").is_empty());
    drop(store);
    let store = SqliteStore::open(dir.path()).expect("reopen");
    assert_eq!(store.schema_version().expect("version"), SCHEMA_VERSION);
    drop(store);
    let conn = rusqlite::Connection::open(dir.path().join(DB_FILE)).expect("raw open");
    conn.pragma_update(None, "user_version", SCHEMA_VERSION + 1)
        .expect("bump");
    drop(conn);
    assert!(matches!(
        SqliteStore::open(dir.path()),
        Err(StoreError::TooNew { .. })
    ));
}

/// A draft's answers are committed one by one, replaced, and cleared; drafts list by status.
#[test]
fn drafts_keep_answers() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut store = SqliteStore::open(dir.path()).expect("open");
    let d = store
        .start_draft(&qref(), "2025-06-02", now())
        .expect("draft");
    store
        .save_answer(d, "a_dob", Some(&serde_json::json!("1991-03-15")), now())
        .expect("save");
    store
        .save_answer(d, "b_areas", Some(&serde_json::json!(["calves"])), now())
        .expect("save");
    store
        .save_answer(
            d,
            "b_areas",
            Some(&serde_json::json!(["frown_lines"])),
            now(),
        )
        .expect("replace");
    store.save_answer(d, "a_dob", None, now()).expect("clear");
    assert_eq!(
        store.draft_answers(d).expect("answers"),
        vec![("b_areas".to_owned(), serde_json::json!(["frown_lines"]))]
    );
    let info = store.draft(d).expect("draft");
    assert_eq!(
        (info.answers, info.position.as_deref(), info.status),
        (1, Some("a_dob"), DraftStatus::Open)
    );
    assert_eq!(
        store
            .drafts(DraftStatus::Open, Some("botulinum-toxin"))
            .expect("list")
            .len(),
        1
    );
    store
        .set_draft_status(d, DraftStatus::Abandoned, now())
        .expect("abandon");
    assert!(
        store
            .drafts(DraftStatus::Open, None)
            .expect("list")
            .is_empty()
    );
    assert!(
        matches!(
            store.save_answer(d, "x", None, now()),
            Err(StoreError::NoDraft(_))
        ),
        "a closed draft takes no answers"
    );
}

/// Every action leaves an audit row with ids and times, and the log cannot be edited.
#[test]
fn audit_rows_for_each_action() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("data");
    {
        let mut store = SqliteStore::open(&data).expect("open");
        let d = store
            .start_draft(&qref(), "2025-06-02", now())
            .expect("draft");
        store
            .set_draft_status(d, DraftStatus::Abandoned, now())
            .expect("abandon");
        store
            .set_draft_status(d, DraftStatus::Open, now())
            .expect("resume");
        store
            .set_draft_status(d, DraftStatus::Discarded, now())
            .expect("discard");
        store
            .log(AuditEvent::Printed, None, Some(d), now())
            .expect("print");
    }
    let id = submit(&data, "questionnaires/examples/baseline.json");
    for args in [
        vec!["records", "show", &id],
        vec!["records", "delete", &id, "--yes"],
    ] {
        if args[1] == "delete" {
            let out = dir.path().join("out");
            assert_eq!(
                triage(&data)
                    .arg("records")
                    .arg("export")
                    .arg("--out")
                    .arg(&out)
                    .output()
                    .expect("runs")
                    .status
                    .code(),
                Some(0)
            );
        }
        assert_eq!(
            triage(&data)
                .args(&args)
                .output()
                .expect("runs")
                .status
                .code(),
            Some(0)
        );
    }
    let store = SqliteStore::open(&data).expect("open");
    let events: Vec<String> = store
        .audit()
        .expect("audit")
        .into_iter()
        .map(|r| r.event)
        .collect();
    assert_eq!(
        events,
        [
            "created",
            "abandoned",
            "resumed",
            "discarded",
            "printed",
            "created",
            "completed",
            "viewed",
            "exported",
            "deleted"
        ]
    );
    drop(store);
    let conn = rusqlite::Connection::open(data.join(DB_FILE)).expect("raw open");
    assert!(
        conn.execute("UPDATE audit SET event = 'x'", []).is_err(),
        "audit rows cannot be changed"
    );
    assert!(
        conn.execute("DELETE FROM audit", []).is_err(),
        "audit rows cannot be deleted"
    );
}

/// The audit log never contains answers, and the database keeps answers only in their tables.
#[test]
fn audit_carries_no_answers() {
    let dir = tempfile::tempdir().expect("tempdir");
    submit(dir.path(), "questionnaires/examples/several-flags.json");
    let conn = rusqlite::Connection::open(dir.path().join(DB_FILE)).expect("raw open");
    let rows: Vec<String> = conn
        .prepare("SELECT at || event || ifnull(record_id, '') || ifnull(draft_id, '') FROM audit")
        .expect("prepare")
        .query_map([], |r| r.get(0))
        .expect("query")
        .collect::<Result<_, _>>()
        .expect("rows");
    for r in rows {
        assert!(!r.contains("Alex") && !r.contains("warfarin"), "{r}");
    }
}

/// Incomplete or invalid answers are refused with what is missing, and nothing is stored.
#[test]
fn incomplete_answers_are_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("partial.json");
    fs::write(&file, r#"{ "questionnaire": "botulinum-toxin", "visit_date": "2025-06-02", "answers": { "a_respondent": "self", "a_agree_start": "yes", "a_dob": "1991-03-15", "e_sessions_12m": 99 } }"#).expect("write");
    let out = triage(dir.path())
        .arg("submit")
        .arg("--answers")
        .arg(&file)
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("the answers were refused; nothing was stored"),
        "{err}"
    );
    assert!(
        err.contains("`a_full_name` is missing: What is your full name?"),
        "{err}"
    );
    assert!(
        err.contains("`e_sessions_12m`: Please type a number no bigger than 20."),
        "{err}"
    );
    assert!(out.stdout.is_empty());
    let store = SqliteStore::open(dir.path()).expect("open");
    assert!(store.records().expect("records").is_empty());
}

/// The record list shows id, name, outcome and counts; JSON works too; show prints the page.
#[test]
fn list_and_show() {
    let dir = tempfile::tempdir().expect("tempdir");
    submit(dir.path(), "questionnaires/examples/baseline.json");
    submit(dir.path(), "questionnaires/examples/several-flags.json");
    let out = triage(dir.path())
        .args(["records", "list"])
        .output()
        .expect("runs");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("Alex Sample") && text.contains("stop") && text.contains("clear"),
        "{text}"
    );
    let out = triage(dir.path())
        .args(["records", "list", "--json"])
        .output()
        .expect("runs");
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(v[1]["outcome"], "stop");
    assert_eq!(
        (
            v[1]["stop"].as_u64(),
            v[1]["caution"].as_u64(),
            v[1]["note"].as_u64()
        ),
        (Some(2), Some(2), Some(7))
    );
    let out = triage(dir.path())
        .args(["records", "show", "2"])
        .output()
        .expect("runs");
    let page = String::from_utf8_lossy(&out.stdout);
    assert!(
        page.contains("Record: 2") && page.contains("DO NOT TREAT TODAY"),
        "{page}"
    );
    let out = triage(dir.path())
        .args(["records", "show", "2", "--format", "json"])
        .output()
        .expect("runs");
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(v["record_id"], "2");
    let out = triage(dir.path())
        .args(["records", "show", "9"])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("there is no record 9"));
}

/// Deleted record ids are never reused.
#[test]
fn deleted_ids_are_not_reused() {
    let dir = tempfile::tempdir().expect("tempdir");
    assert_eq!(
        submit(dir.path(), "questionnaires/examples/baseline.json"),
        "1"
    );
    assert_eq!(
        triage(dir.path())
            .args(["records", "delete", "1", "--yes"])
            .output()
            .expect("runs")
            .status
            .code(),
        Some(0)
    );
    assert_eq!(
        submit(dir.path(), "questionnaires/examples/baseline.json"),
        "2"
    );
}

/// Exports are whole: while records are exported again and again, a reader never sees a
/// partial file, and no temporary file is left behind.
#[test]
fn export_is_atomic() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("data");
    submit(&data, "questionnaires/examples/several-flags.json");
    let out = dir.path().join("export");
    let export = || {
        triage(&data)
            .arg("records")
            .arg("export")
            .arg("--out")
            .arg(&out)
            .output()
            .expect("runs")
    };
    assert_eq!(export().status.code(), Some(0));
    let file = out.join("record-1.json");
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let reader = {
        let (file, stop) = (file.clone(), stop.clone());
        std::thread::spawn(move || {
            let mut reads = 0;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                let bytes = fs::read(&file).expect("the file is always there");
                serde_json::from_slice::<serde_json::Value>(&bytes)
                    .expect("the file is always whole");
                reads += 1;
            }
            reads
        })
    };
    for _ in 0..5 {
        assert_eq!(export().status.code(), Some(0));
    }
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    assert!(reader.join().expect("reader") > 0);
    let names: Vec<String> = fs::read_dir(&out)
        .expect("dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, ["record-1.json"]);
    let v: serde_json::Value =
        serde_json::from_slice(&fs::read(&file).expect("read")).expect("json");
    assert_eq!(v["questionnaire"]["id"], "botulinum-toxin");
    assert_eq!(v["answers"]["a_full_name"], "Alex Sample");
    assert_eq!(v["summary"]["outcome"], "stop");
}

/// A data directory that cannot be used, a damaged database and a locked one give a plain
/// message and a non-zero exit, never a panic.
#[test]
fn unusable_damaged_or_locked_store() {
    let dir = tempfile::tempdir().expect("tempdir");
    let not_a_dir = dir.path().join("file");
    fs::write(&not_a_dir, "x").expect("write");
    let out = triage(&not_a_dir)
        .args(["records", "list"])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.starts_with("error: cannot use the data directory"),
        "{err}"
    );

    let damaged = dir.path().join("damaged");
    fs::create_dir(&damaged).expect("mkdir");
    fs::write(damaged.join(DB_FILE), vec![0x5a; 8192]).expect("garbage");
    let out = triage(&damaged)
        .args(["records", "list"])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("is damaged or is not a triage database"),
        "{err}"
    );
    assert!(!err.contains("panicked"), "{err}");

    let locked = dir.path().join("locked");
    SqliteStore::open(&locked).expect("create");
    let conn = rusqlite::Connection::open(locked.join(DB_FILE)).expect("raw open");
    conn.execute_batch("BEGIN EXCLUSIVE").expect("lock");
    let out = triage(&locked)
        .args([
            "submit",
            "--answers",
            "questionnaires/examples/baseline.json",
        ])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("locked"), "{err}");
    conn.execute_batch("ROLLBACK").expect("unlock");
}
