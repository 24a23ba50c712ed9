//! The clinic store against a real, throwaway PostgreSQL (see tests/common/pg.rs): `store init`,
//! `submit` and `sync` through the outbox, `records list|show|export` from the shared store with
//! site and device, the device role reading nothing, one copy per UUID with conflicts kept, and
//! TLS with the clinic's CA. Each test prints "skipped: ..." and passes when no server binaries
//! are installed, unless TRIAGE_REQUIRE_PG is set.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "a test stops at the first thing that is wrong, saying what"
)]

mod common;

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use assert_cmd::Command;
use common::pg::{self, Pg};

const ANSWERS: &str = "questionnaires/examples/baseline.json";

fn triage(data: &Path, config: &Path) -> Command {
    common::triage_with(data, config)
}

struct Run {
    code: Option<i32>,
    out: String,
    err: String,
}

fn run(c: &mut Command) -> Run {
    let o = c.output().expect("runs");
    Run {
        code: o.status.code(),
        out: String::from_utf8_lossy(&o.stdout).into_owned(),
        err: String::from_utf8_lossy(&o.stderr).into_owned(),
    }
}

/// A server with the clinic store set up through `triage store init`, and logins: `kiosk1` and
/// `kiosk2` (devices) and `doctor` (reader).
fn clinic() -> Option<Pg> {
    let pg = Pg::start()?;
    let out = pg.store_init();
    let to = triage::clinic::schema::SCHEMA_VERSION;
    assert!(out.contains(&format!("version 0 -> {to}")), "{out}");
    pg.login("kiosk1", "kiosk1-pw", "triage_device");
    pg.login("kiosk2", "kiosk2-pw", "triage_device");
    pg.login("doctor", "doctor-pw", "triage_reader");
    Some(pg)
}

/// A machine: a data directory and a config naming the clinic store as `user` (password
/// `USER-pw`), over plain TCP to the test server.
fn machine(pg: &Pg, name: &str, user: &str, site: &str) -> (PathBuf, PathBuf) {
    machine_at(pg, name, user, site, &pg.url(user, "triage"))
}

fn machine_at(pg: &Pg, name: &str, user: &str, site: &str, url: &str) -> (PathBuf, PathBuf) {
    pg.machine_at(name, user, site, url, "")
}

/// Submitting delivers at once; with the server down the record waits and `sync` says so
/// (exit 3); once it is back `sync --wait` empties the outbox (exit 0); a reader's
/// `records list` shows every machine's records with site and device, `show` finds one by UUID,
/// `export` writes them, and each is logged; a device's `records list` falls back to its own.
#[test]
fn sync_and_shared_records_end_to_end() {
    let Some(pg) = clinic() else { return };
    let (k1, k1c) = machine(&pg, "kiosk-1", "kiosk1", "riverside");
    let (k2, k2c) = machine(&pg, "kiosk-2", "kiosk2", "hilltop");
    let (doc, docc) = machine(&pg, "doctor", "doctor", "riverside");

    let r = run(triage(&k1, &k1c).args(["submit", "--answers", ANSWERS]));
    assert_eq!(r.code, Some(0), "{}", r.err);
    assert_eq!(r.out.trim(), "1");
    assert!(r.err.contains("sent to the clinic store"), "{}", r.err);

    // The server goes away: completing still works; the record waits.
    pg.stop_immediate();
    let r = run(triage(&k2, &k2c).args(["submit", "--answers", ANSWERS]));
    assert_eq!(r.code, Some(0), "{}", r.err);
    assert!(r.err.contains("wait in the outbox"), "{}", r.err);
    let r = run(triage(&k2, &k2c).arg("sync"));
    assert_eq!(r.code, Some(3), "{}{}", r.out, r.err);
    assert!(r.out.contains("pending: 1 records"), "{}", r.out);
    assert!(r.err.contains("cannot reach the clinic store"), "{}", r.err);
    assert!(!r.err.contains("kiosk2-pw"), "{}", r.err);

    pg.start_again();
    let r = run(triage(&k2, &k2c).args(["sync", "--wait", "30"]));
    assert_eq!(r.code, Some(0), "{}{}", r.out, r.err);
    assert!(
        r.out.contains("delivered: 1 (new 1, already there 0)"),
        "{}",
        r.out
    );
    assert!(
        r.out.contains("pending: 0 records, 0 audit events"),
        "{}",
        r.out
    );
    let r = run(triage(&k2, &k2c).arg("sync"));
    assert_eq!(r.code, Some(0), "nothing left: {}{}", r.out, r.err);

    let r = run(triage(&doc, &docc).args(["records", "list"]));
    assert_eq!(r.code, Some(0), "{}", r.err);
    let lines: Vec<&str> = r.out.lines().collect();
    assert!(
        lines[0].contains("SITE") && lines[0].contains("DEVICE"),
        "{}",
        r.out
    );
    assert_eq!(lines.len(), 3, "{}", r.out);
    assert!(
        r.out.contains("riverside") && r.out.contains("kiosk-1"),
        "{}",
        r.out
    );
    assert!(
        r.out.contains("hilltop") && r.out.contains("kiosk-2"),
        "{}",
        r.out
    );

    let r = run(triage(&doc, &docc).args(["records", "list", "--json", "--site", "hilltop"]));
    let v: serde_json::Value = serde_json::from_str(&r.out).expect("json");
    let list = v.as_array().expect("array");
    assert_eq!(list.len(), 1, "{}", r.out);
    let uuid = list[0]["uuid"].as_str().expect("uuid").to_owned();

    let r = run(triage(&doc, &docc).args(["records", "show", &uuid]));
    assert_eq!(r.code, Some(0), "{}", r.err);
    assert!(r.err.contains("site hilltop, device kiosk-2"), "{}", r.err);
    let local = run(triage(&k2, &k2c).args(["records", "show", "1", "--local"]));
    assert_eq!(r.out, local.out, "the shared copy is the device's record");

    let out = pg.files().join("export");
    let r = run(triage(&doc, &docc)
        .args(["records", "export", "--out"])
        .arg(&out));
    assert_eq!(r.code, Some(0), "{}", r.err);
    assert!(r.out.contains("exported 2 record(s)"), "{}", r.out);
    let exported: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(out.join(format!("record-{uuid}.json"))).expect("file"),
    )
    .expect("json");
    assert_eq!(exported["site"], "hilltop");

    let mut admin = pg.admin("triage");
    let logged: i64 = admin
        .query_one(
            "SELECT count(*) FROM triage.access_log WHERE who = 'doctor'",
            &[],
        )
        .expect("query")
        .get(0);
    assert_eq!(logged, 3, "one view and two exports");
    let audit: i64 = admin
        .query_one(
            "SELECT count(*) FROM triage.audit WHERE device = 'kiosk-2' AND event = 'completed'",
            &[],
        )
        .expect("query")
        .get(0);
    assert_eq!(audit, 1, "the device's audit events follow its records");

    // The clinic store loses its newest records (a restore from last night's backup): the
    // devices still hold theirs and send them again; what it kept counts once.
    admin
        .batch_execute("DELETE FROM triage.records WHERE device = 'kiosk-2'")
        .expect("delete");
    let r = run(triage(&k2, &k2c).args(["sync", "--resend"]));
    assert_eq!(r.code, Some(0), "{}{}", r.out, r.err);
    assert!(
        r.out.contains("delivered: 1 (new 1, already there 0)"),
        "{}",
        r.out
    );
    let r = run(triage(&k1, &k1c).args(["sync", "--resend"]));
    assert!(
        r.out.contains("delivered: 1 (new 0, already there 1)"),
        "{}",
        r.out
    );

    // A device login may not read: its list is its own.
    let r = run(triage(&k1, &k1c).args(["records", "list"]));
    assert_eq!(r.code, Some(0), "{}", r.err);
    assert!(r.err.contains("may not read records"), "{}", r.err);
    assert!(!r.out.contains("SITE"), "{}", r.out);
}

/// Least privilege: a device login can deliver but cannot read a record, a conflict, the audit
/// or access log, nor log access; a reader cannot deliver; a login in neither group gets nothing.
#[test]
fn device_role_reads_nothing() {
    let Some(pg) = clinic() else { return };
    let (k1, k1c) = machine(&pg, "kiosk-1", "kiosk1", "riverside");
    let r = run(triage(&k1, &k1c).args(["submit", "--answers", ANSWERS]));
    assert!(r.err.contains("sent to the clinic store"), "{}", r.err);

    let mut device = pg
        .connect("kiosk1", "kiosk1-pw", "triage")
        .expect("device login");
    for sql in [
        "SELECT * FROM triage.records",
        "SELECT payload FROM triage.records WHERE id = 1",
        "SELECT * FROM triage.conflicts",
        "SELECT * FROM triage.audit",
        "SELECT * FROM triage.access_log",
        "SELECT triage.log_access('viewed', ARRAY[1::bigint])",
        "UPDATE triage.records SET outcome = 'clear'",
        "DELETE FROM triage.records",
        "COPY triage.records TO STDOUT",
    ] {
        let e = device.batch_execute(sql).expect_err(sql);
        let code = e.code().map(|c| c.code().to_owned());
        assert_eq!(code.as_deref(), Some("42501"), "{sql}: {e}");
    }
    let rows = device
        .query(
            "SELECT result FROM triage.deliver_records('riverside', 'kiosk-1', gen_random_uuid(), ARRAY[]::uuid[], ARRAY[]::text[], ARRAY[]::bigint[], ARRAY[]::text[])",
            &[],
        )
        .expect("a device may deliver");
    assert!(rows.is_empty());

    pg.login("stranger", "stranger-pw", "pg_monitor");
    let mut stranger = pg
        .connect("stranger", "stranger-pw", "triage")
        .expect("login");
    for sql in [
        "SELECT * FROM triage.records",
        "SELECT triage.deliver_records('x', 'y', gen_random_uuid(), ARRAY[]::uuid[], ARRAY[]::text[], ARRAY[]::bigint[], ARRAY[]::text[])",
    ] {
        let e = stranger.batch_execute(sql).expect_err(sql);
        assert_eq!(
            e.code().map(postgres::error::SqlState::code),
            Some("42501"),
            "{sql}: {e}"
        );
    }
    let mut reader = pg
        .connect("doctor", "doctor-pw", "triage")
        .expect("reader login");
    let n: i64 = reader
        .query_one("SELECT count(*) FROM triage.records", &[])
        .expect("a reader reads")
        .get(0);
    assert_eq!(n, 1);
    let e = reader
        .batch_execute("SELECT triage.deliver_records('x', 'y', gen_random_uuid(), ARRAY[]::uuid[], ARRAY[]::text[], ARRAY[]::bigint[], ARRAY[]::text[])")
        .expect_err("a reader does not deliver");
    assert_eq!(
        e.code().map(postgres::error::SqlState::code),
        Some("42501"),
        "{e}"
    );
}

fn deliver(c: &mut postgres::Client, uuid: &str, payload: &str, hash: &str) -> String {
    c.query_one(
        "SELECT result FROM triage.deliver_records('riverside', 'kiosk-1', '00000000-0000-4000-8000-000000000001', ARRAY[$1::text::uuid], ARRAY[$2::text], ARRAY[7::bigint], ARRAY[$3::text])",
        &[&uuid, &hash, &payload],
    )
    .expect("deliver")
    .get(0)
}

/// One copy per UUID: an identical resend is a duplicate; other content under the same UUID is a
/// conflict kept beside the first (which is not overwritten); content that does not match its
/// hash is rejected; records cannot be updated, even by their owner.
#[test]
fn same_uuid_counts_once_and_conflicts_are_kept() {
    let Some(pg) = clinic() else { return };
    let mut device = pg
        .connect("kiosk1", "kiosk1-pw", "triage")
        .expect("device login");
    let uuid = "5b0c7a52-7d8e-4c3e-9d41-2f0e8f7a1c33";
    let doc = |outcome: &str| {
        serde_json::json!({
            "format": "triage-record/1", "uuid": uuid, "local_id": 7,
            "questionnaire": {"id": "q", "version": "1", "content_hash": "sha256:x"},
            "visit_date": "2025-06-02", "completed_at": "2025-06-02T09:00:00Z",
            "patient_name": "Ann", "outcome": outcome,
            "flags": {"stop": 0, "caution": 0, "note": 0},
            "answers": {}, "summary": {}, "summary_text": "page"
        })
        .to_string()
    };
    let first = doc("clear");
    let h1 = triage::store::sha256_hex(&first);
    assert_eq!(deliver(&mut device, uuid, &first, &h1), "inserted");
    assert_eq!(deliver(&mut device, uuid, &first, &h1), "duplicate");
    let second = doc("stop");
    let h2 = triage::store::sha256_hex(&second);
    assert_eq!(deliver(&mut device, uuid, &second, &h2), "conflict");
    assert_eq!(
        deliver(&mut device, uuid, &second, &h2),
        "conflict",
        "kept once"
    );
    assert!(deliver(&mut device, uuid, &second, &h1).starts_with("rejected"));

    let mut admin = pg.admin("triage");
    let row = admin
        .query_one(
            "SELECT count(*), min(content_sha256), min(outcome) FROM triage.records",
            &[],
        )
        .expect("query");
    assert_eq!(row.get::<_, i64>(0), 1);
    assert_eq!(row.get::<_, String>(1), h1, "the first content stays");
    assert_eq!(row.get::<_, String>(2), "clear");
    let kept: Vec<String> = admin
        .query(
            "SELECT content_sha256 FROM triage.conflicts WHERE uuid = $1::text::uuid",
            &[&uuid],
        )
        .expect("query")
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(kept, vec![h2]);
    let e = admin
        .batch_execute("UPDATE triage.records SET outcome = 'stop'")
        .expect_err("append-only");
    let message = e.as_db_error().map(|d| d.message().to_owned());
    assert!(message.is_some_and(|m| m.contains("append-only")), "{e:?}");
}

/// `store init` again is a no-op that says so; a store set up by a newer triage is refused.
#[test]
fn store_init_is_idempotent_and_refuses_newer_schemas() {
    let Some(pg) = clinic() else { return };
    let init = || {
        run(Command::cargo_bin("triage")
            .expect("binary")
            .env_remove("PGPASSFILE")
            .args(["store", "init", "--url", &pg.url(pg::ADMIN, "triage")])
            .arg("--password-file")
            .arg(&pg.admin_password_file))
    };
    let r = init();
    assert_eq!(r.code, Some(0), "{}", r.err);
    assert!(r.out.contains("already up to date"), "{}", r.out);
    pg.admin("triage")
        .batch_execute("INSERT INTO triage.schema_version (version) VALUES (99)")
        .expect("insert");
    let r = init();
    assert_eq!(r.code, Some(2));
    assert!(r.err.contains("version 99"), "{}", r.err);
}

/// TLS: with the clinic's CA, delivery works over verify-full; with another CA the server is
/// not trusted (nothing sent, exit 3, a plain error); the server refuses plain connections.
#[test]
fn tls_with_the_clinics_ca() {
    let ca_key = rcgen::KeyPair::generate().expect("key");
    let mut ca_params = rcgen::CertificateParams::new(Vec::<String>::new()).expect("params");
    ca_params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "Clinic test CA");
    let ca = ca_params.self_signed(&ca_key).expect("ca");
    let issuer = rcgen::Issuer::new(ca_params, ca_key);
    let server_key = rcgen::KeyPair::generate().expect("key");
    let server_params =
        rcgen::CertificateParams::new(vec!["localhost".to_owned(), "127.0.0.1".to_owned()])
            .expect("params");
    let server = server_params.signed_by(&server_key, &issuer).expect("cert");
    let Some(pg) = Pg::start_with(Some(&pg::ServerTls {
        cert: server.pem(),
        key: server_key.serialize_pem(),
    })) else {
        return;
    };
    pg.admin("postgres")
        .batch_execute("CREATE DATABASE triage")
        .expect("db");
    let r = run(Command::cargo_bin("triage")
        .expect("binary")
        .args(["store", "init", "--url", &pg.url(pg::ADMIN, "triage")])
        .arg("--password-file")
        .arg(&pg.admin_password_file));
    assert_eq!(r.code, Some(0), "{}", r.err);
    pg.login("kiosk1", "kiosk1-pw", "triage_device");

    let ca_file = pg.files().join("clinic-ca.pem");
    std::fs::write(&ca_file, ca.pem()).expect("ca file");
    let url = format!("postgresql://kiosk1@localhost:{}/triage", pg.port);
    let (k1, k1c) = machine_at(&pg, "kiosk-1", "kiosk1", "riverside", &url);
    let mut config = std::fs::read_to_string(&k1c).expect("config");
    writeln!(config, "ca_file = \"{}\"", ca_file.display()).expect("a String takes any text");
    std::fs::write(&k1c, &config).expect("config");
    let r = run(triage(&k1, &k1c).arg("check").arg(&k1c));
    assert_eq!(r.code, Some(0), "{}{}", r.out, r.err);

    // Another CA: the server's certificate is not trusted, nothing is sent.
    let other_key = rcgen::KeyPair::generate().expect("key");
    let mut other = rcgen::CertificateParams::new(Vec::<String>::new()).expect("params");
    other.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    let other = other.self_signed(&other_key).expect("other ca");
    let wrong = pg.files().join("other-ca.pem");
    std::fs::write(&wrong, other.pem()).expect("file");
    let wrong_config = pg.files().join("wrong.toml");
    std::fs::write(
        &wrong_config,
        config.replace(&ca_file.display().to_string(), &wrong.display().to_string()),
    )
    .expect("config");
    let r = run(triage(&k1, &wrong_config).args(["submit", "--answers", ANSWERS]));
    assert_eq!(r.code, Some(0), "{}", r.err);
    let r = run(triage(&k1, &wrong_config).arg("sync"));
    assert_eq!(r.code, Some(3), "{}{}", r.out, r.err);
    assert!(r.err.to_lowercase().contains("certificate"), "{}", r.err);

    let r = run(triage(&k1, &k1c).arg("sync"));
    assert_eq!(r.code, Some(0), "{}{}", r.out, r.err);
    assert!(r.out.contains("delivered: 1"), "{}", r.out);
    let one: bool = pg
        .admin("triage")
        .query_one("SELECT count(*) = 1 FROM triage.records", &[])
        .expect("query")
        .get(0);
    assert!(one, "the record arrived over TLS");
    let Err(e) = pg.connect("kiosk1", "kiosk1-pw", "triage") else {
        panic!("plain connections are refused");
    };
    let message = e.as_db_error().map(|d| d.message().to_owned());
    assert!(
        message.is_some_and(|m| m.contains("no encryption")),
        "{e:?}"
    );
}

fn bin() -> PathBuf {
    assert_cmd::cargo::cargo_bin("triage")
}

/// `triage run` with a clinic store: the patient's record reaches the clinic store by the time
/// the program has ended, without any command from staff.
#[test]
fn walk_through_delivers_to_the_clinic_store() {
    use common::pty::*;
    let Some(pg) = clinic() else { return };
    let (k1, k1c) = machine(&pg, "reception", "kiosk1", "riverside");
    let out = pg.files().join("summary.txt");
    let cmd = format!(
        "exec '{}' --data-dir '{}' --config '{}' --visit-date 2025-06-02 run > '{}'",
        bin().display(),
        k1.display(),
        k1c.display(),
        out.display()
    );
    let q = triage::questionnaire::load_toml(triage::questionnaire::DEFAULT_SOURCE)
        .questionnaire
        .expect("valid");
    let mut p = Pty::spawn(Path::new("/bin/sh"), &["-c", &cmd], 80, 24);
    p.wait_for("Start");
    p.send(ENTER);
    common::walk::answer_baseline(&mut p, &q, None);
    common::walk::send_from_review(&mut p);
    p.wait_for("Thank you");
    p.send(ENTER);
    assert_eq!(p.wait_exit(), 0);
    let row = pg
        .admin("triage")
        .query_one(
            "SELECT count(*), min(device), min(patient_name) FROM triage.records",
            &[],
        )
        .expect("query");
    assert_eq!(row.get::<_, i64>(0), 1, "the record is in the clinic store");
    assert_eq!(row.get::<_, String>(1), "reception");
    assert_eq!(
        row.get::<_, Option<String>>(2).as_deref(),
        Some("Alex Sample")
    );
}

/// The kiosk with a clinic store that is down: the patient finishes as usual and sees nothing of
/// it; the staff menu says a record waits; once the server is back it says all were sent.
#[test]
fn kiosk_staff_see_waiting_records_patients_do_not() {
    use common::pty::*;
    let Some(pg) = clinic() else { return };
    let (k1, k1c) = machine(&pg, "kiosk-1", "kiosk1", "riverside");
    Command::cargo_bin("triage")
        .expect("binary")
        .arg("--data-dir")
        .arg(&k1)
        .args(["pin", "set"])
        .write_stdin("4321\n4321\n")
        .assert()
        .success();
    std::fs::copy(&k1c, k1.join("config.toml")).expect("config");
    pg.stop_immediate();
    let q = triage::questionnaire::load_toml(triage::questionnaire::DEFAULT_SOURCE)
        .questionnaire
        .expect("valid");
    let mut p = Pty::spawn(
        &bin(),
        &[
            "--data-dir",
            k1.to_str().expect("utf-8"),
            "--visit-date",
            "2025-06-02",
            "kiosk",
        ],
        80,
        24,
    );
    p.wait_for("Start");
    p.send(ENTER);
    common::walk::answer_baseline(&mut p, &q, None);
    common::walk::send_from_review(&mut p);
    let thanks = p.wait_for("Please tell reception you have finished.");
    assert!(!thanks.contains("Clinic store"), "{thanks}");
    // Keys in the first moments belong to the patient who just sent: wait for the invitation.
    p.wait_for("Next person: touch the screen or press Enter.");
    p.send(ENTER);
    let welcome = p.wait_for("Start");
    assert!(
        !welcome.contains("Clinic store"),
        "patients never see it: {welcome}"
    );
    p.send("\x1b[24~");
    p.wait_for("Type the staff PIN");
    p.send("4321");
    p.send(ENTER);
    p.wait_for("Clinic store: 1 record(s) waiting to be sent.");
    pg.start_again();
    p.wait_for("Clinic store: every record has been sent.");
    let (r, c) = p.find("Leave the kiosk");
    p.click(r, c);
    assert_eq!(p.wait_exit(), 0);
    let n: i64 = pg
        .admin("triage")
        .query_one(
            "SELECT count(*) FROM triage.records WHERE device = 'kiosk-1'",
            &[],
        )
        .expect("query")
        .get(0);
    assert_eq!(n, 1);
}
