//! The clinic store without a server: `[clinic_store]` settings checked by `triage check` (one
//! fixture per mistake, file:line:col), the password file's mode, a device with no clinic store
//! working as before (its records still queue in the outbox), an unreachable clinic store
//! (completing still works, `sync` says what waits and exits 3), and the outbox migration that
//! gives records stored before it a UUID.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "a test stops at the first thing that is wrong, saying what"
)]

mod common;

use std::os::unix::fs::PermissionsExt;

use assert_cmd::Command;
use triage::store::{SqliteStore, Store};

const ANSWERS: &str = "questionnaires/examples/baseline.json";

fn triage() -> Command {
    let mut c = Command::cargo_bin("triage").expect("binary builds");
    c.env("NO_COLOR", "1")
        .env_remove("TRIAGE_DATA_DIR")
        .env_remove("PGPASSFILE");
    c
}

fn output(c: &mut Command) -> (Option<i32>, String, String) {
    let o = c.output().expect("runs");
    (
        o.status.code(),
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

/// Each mistake in `[clinic_store]` is its own fixture, found with its place; a password in the
/// URL is reported without printing the line that holds it.
#[test]
fn clinic_store_settings_are_checked() {
    let cases: &[(&str, i32, &str, &str)] = &[
        (
            "tls_off_remote",
            1,
            "TLS can only be turned off for a server on this machine",
            ":2:7",
        ),
        ("missing_site", 1, "`[clinic_store]` needs `site`", ":3:1"),
        ("no_ca", 1, "`[clinic_store]` needs `ca_file`", ":1:1"),
        ("bad_ca", 1, "`ca_file`: cannot read", ":3:11"),
        (
            "bad_device",
            1,
            "`device` must be 1 to 64 letters, digits, dots, dashes or underscores",
            ":4:10",
        ),
        ("unknown_key", 1, "unknown key `pasword_file`", ":3:1"),
        (
            "local_no_password",
            0,
            "warning: no password: neither `password_file` nor PGPASSFILE is set",
            ":3:1",
        ),
        ("password_in_url", 1, "the URL must not hold a password", ""),
    ];
    for (name, code, message, at) in cases {
        let path = format!("tests/fixtures/clinic/{name}.toml");
        let (status, _, stderr) = output(triage().args(["check", &path]));
        assert_eq!(status, Some(*code), "{name}: {stderr}");
        assert!(
            stderr.contains(message) && stderr.contains(&format!("{path}{at}")),
            "{name}: {stderr}"
        );
        assert!(
            !stderr.contains("hunter2"),
            "{name} printed a password: {stderr}"
        );
    }
}

/// A password file others can read is refused (with its mode); at 0600 it is accepted.
#[test]
fn password_file_must_be_private() {
    let dir = tempfile::tempdir().expect("tempdir");
    let pass = dir.path().join("store.pass");
    std::fs::write(&pass, "s3cret\n").expect("write");
    std::fs::set_permissions(&pass, std::fs::Permissions::from_mode(0o644)).expect("chmod");
    let config = dir.path().join("config.toml");
    std::fs::write(
        &config,
        "[clinic_store]\nurl = \"postgresql://kiosk1@127.0.0.1/triage?sslmode=disable\"\npassword_file = \"store.pass\"\nsite = \"riverside\"\ndevice = \"kiosk-1\"\n",
    )
    .expect("config");
    let (status, _, stderr) = output(triage().arg("check").arg(&config));
    assert_eq!(status, Some(1), "{stderr}");
    assert!(stderr.contains("its mode is 0644"), "{stderr}");
    assert!(stderr.contains("config.toml:3:17"), "{stderr}");
    assert!(!stderr.contains("s3cret"));
    std::fs::set_permissions(&pass, std::fs::Permissions::from_mode(0o600)).expect("chmod");
    let (status, stdout, stderr) = output(triage().arg("check").arg(&config));
    assert_eq!(status, Some(0), "{stderr}");
    assert!(
        stdout.contains("ok (clinic settings, 0 warnings)"),
        "{stdout}"
    );
}

/// Without a clinic store nothing changes: submit prints the id only, records list as before;
/// the record is still queued in the outbox (ready if a clinic store is set up later), and
/// `sync` says that no clinic store is configured.
#[test]
fn no_clinic_store_works_as_before() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path();
    let (status, stdout, stderr) =
        output(
            triage()
                .arg("--data-dir")
                .arg(data)
                .args(["submit", "--answers", ANSWERS]),
        );
    assert_eq!((status, stdout.trim()), (Some(0), "1"), "{stderr}");
    assert_eq!(stderr, "", "nothing about a clinic store");
    let (status, stdout, stderr) = output(
        triage()
            .arg("--data-dir")
            .arg(data)
            .args(["records", "list"]),
    );
    assert_eq!(status, Some(0), "{stderr}");
    assert!(stdout.starts_with("    ID  COMPLETED"), "{stdout}");
    assert_eq!(stderr, "");
    let store = SqliteStore::open(data).expect("store");
    let c = store.outbox_counts().expect("counts");
    assert_eq!((c.pending, c.delivered), (1, 0));
    let (uuid, hash) = &store.record_fingerprints().expect("prints")[0];
    assert!(uuid::Uuid::parse_str(uuid).is_ok(), "{uuid}");
    assert_eq!(hash.as_ref().map(String::len), Some(64));
    let (status, _, stderr) = output(triage().arg("--data-dir").arg(data).arg("sync"));
    assert_eq!(status, Some(2));
    assert!(stderr.contains("no clinic store is configured"), "{stderr}");
}

/// With the clinic store out of reach, completing a form still works and says the record waits;
/// `sync` (and `sync --wait`) exit 3 with the counts; `records list` shows this machine's;
/// deleting the waiting record says it will not be sent.
#[test]
fn unreachable_clinic_store_keeps_records_waiting() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("data");
    let port = common::pg::free_port();
    let pass = dir.path().join("store.pass");
    common::pg::write_private(&pass, "pw");
    let config = dir.path().join("config.toml");
    std::fs::write(
        &config,
        format!("[clinic_store]\nurl = \"postgresql://kiosk1@127.0.0.1:{port}/triage?sslmode=disable\"\npassword_file = \"store.pass\"\nsite = \"riverside\"\ndevice = \"kiosk-1\"\nretry_max_seconds = 0.2\n"),
    )
    .expect("config");
    let with = |args: &[&str]| {
        output(
            triage()
                .arg("--data-dir")
                .arg(&data)
                .arg("--config")
                .arg(&config)
                .args(args),
        )
    };
    let (status, stdout, stderr) = with(&["submit", "--answers", ANSWERS]);
    assert_eq!((status, stdout.trim()), (Some(0), "1"), "{stderr}");
    assert!(
        stderr.contains("1 record(s) wait in the outbox"),
        "{stderr}"
    );
    let (status, stdout, stderr) = with(&["sync"]);
    assert_eq!(status, Some(3), "{stdout}{stderr}");
    assert!(
        stdout.contains("delivered: 0 (new 0, already there 0)"),
        "{stdout}"
    );
    assert!(stdout.contains("pending: 1 records"), "{stdout}");
    assert!(stderr.contains("cannot reach the clinic store"), "{stderr}");
    let started = std::time::Instant::now();
    let (status, _, _) = with(&["sync", "--wait", "1"]);
    assert_eq!(status, Some(3));
    assert!(
        started.elapsed().as_secs_f64() >= 1.0,
        "it kept trying for the time given"
    );
    let (status, stdout, stderr) = with(&["records", "list"]);
    assert_eq!(status, Some(0), "{stderr}");
    assert!(
        stderr.contains("showing this machine's records"),
        "{stderr}"
    );
    assert!(stdout.contains("    ID  COMPLETED"), "{stdout}");
    // Deleting it here (retention) leaves nothing to send, and says so.
    let (status, stdout, stderr) = with(&["records", "delete", "1", "--yes"]);
    assert_eq!(
        (status, stdout.trim()),
        (Some(0), "deleted record 1"),
        "{stderr}"
    );
    assert!(
        stderr.contains("had not reached the clinic store"),
        "{stderr}"
    );
    let (status, stdout, _) = with(&["sync"]);
    assert_eq!(status, Some(3), "its audit events still wait: {stdout}");
    assert!(
        stdout.contains("pending: 0 records, 3 audit events"),
        "{stdout}"
    );
}

/// Records stored before the outbox existed (schema 2) get a UUID and are queued by the
/// migration; their hash is fixed at their first delivery attempt.
#[test]
fn migration_queues_older_records() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (status, _, stderr) =
        output(
            triage()
                .arg("--data-dir")
                .arg(dir.path())
                .args(["submit", "--answers", ANSWERS]),
        );
    assert_eq!(status, Some(0), "{stderr}");
    // Back to schema 2, as a triage before the outbox left it.
    let conn = rusqlite::Connection::open(dir.path().join(triage::store::DB_FILE)).expect("open");
    conn.execute_batch("DROP TABLE record_delivery; DROP TABLE device; PRAGMA user_version = 2;")
        .expect("downgrade");
    drop(conn);
    let mut store = SqliteStore::open(dir.path()).expect("migrates");
    assert_eq!(
        store.schema_version().expect("v"),
        triage::store::SCHEMA_VERSION
    );
    assert_eq!(store.records().expect("records").len(), 1);
    let prints = store.record_fingerprints().expect("prints");
    assert_eq!(prints.len(), 1);
    assert!(uuid::Uuid::parse_str(&prints[0].0).is_ok(), "{prints:?}");
    assert_eq!(prints[0].1, None);
    assert!(uuid::Uuid::parse_str(&store.device_uuid().expect("device")).is_ok());
    let batch = store.outbox_batch(10).expect("batch");
    assert_eq!(batch.len(), 1);
    let prints = store.record_fingerprints().expect("prints");
    assert_eq!(prints[0].1.as_deref(), Some(batch[0].sha256.as_str()));
}

/// `sync` on a new install with nothing waiting still connects, so wrong settings show before a
/// patient's record depends on them: unreachable is an error (exit 2), not "pending: 0".
#[test]
fn sync_proves_the_connection_with_an_empty_outbox() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("data");
    let port = common::pg::free_port();
    let pass = dir.path().join("store.pass");
    common::pg::write_private(&pass, "pw");
    let config = dir.path().join("config.toml");
    std::fs::write(
        &config,
        format!("[clinic_store]\nurl = \"postgresql://kiosk1@127.0.0.1:{port}/triage?sslmode=disable\"\npassword_file = \"store.pass\"\nsite = \"riverside\"\ndevice = \"kiosk-1\"\n"),
    )
    .expect("config");
    let (status, stdout, stderr) = output(
        triage()
            .arg("--data-dir")
            .arg(&data)
            .arg("--config")
            .arg(&config)
            .arg("sync"),
    );
    assert_eq!(status, Some(2), "{stdout}{stderr}");
    assert!(stderr.contains("cannot reach the clinic store"), "{stderr}");
}
