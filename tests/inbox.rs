//! The doctor's desk end to end: the real binary in a pseudo-terminal (`triage inbox`) over the
//! local store and over a throwaway clinic store (PostgreSQL; "skipped" without its server
//! binaries unless TRIAGE_REQUIRE_PG is set). Tests wait for screen conditions, never a fixed time.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "a test stops at the first thing that is wrong, saying what"
)]

mod common;

use std::path::{Path, PathBuf};

use common::pg::Pg;
use common::pty::{ENTER, ESC, Pty};
use common::triage_with as triage;

const VISIT: &str = "2025-06-02";

fn bin() -> PathBuf {
    assert_cmd::cargo::cargo_bin("triage")
}

/// A machine for the doctor: data directory and clinic settings with two prescribers (PINs
/// `4321` and `8765`), quick polling, and `extra` settings appended.
struct Desk {
    _dir: tempfile::TempDir,
    data: PathBuf,
    config: PathBuf,
}

const PRESCRIBERS: &str = r#"
[[prescriber]]
id = "lee"
name = "Dr Alex Lee"
registration = "GMC 7654321"

[[prescriber]]
id = "okafor"
name = "Dr Ngozi Okafor"
registration = "GMC 1234567"
"#;

fn desk(settings: &str) -> Desk {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("data");
    let config = dir.path().join("config.toml");
    std::fs::write(&config, format!("{settings}\n{PRESCRIBERS}")).expect("config");
    let d = Desk {
        _dir: dir,
        data,
        config,
    };
    set_pin(&d.data, &d.config, "lee", "4321");
    set_pin(&d.data, &d.config, "okafor", "8765");
    d
}

/// Runs a command that must succeed; its standard output.
fn ok(c: &mut assert_cmd::Command) -> String {
    let out = c.output().expect("runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn set_pin(data: &Path, config: &Path, id: &str, pin: &str) {
    ok(triage(data, config)
        .args(["pin", "set", "--prescriber", id])
        .write_stdin(format!("{pin}\n{pin}\n")));
}

/// Stores a fixture (`stop`, `caution`, `clear`, ...) as a completed record; returns its id.
fn submit(data: &Path, config: &Path, fixture: &str) -> String {
    ok(triage(data, config)
        .args(["--visit-date", VISIT, "submit", "--answers"])
        .arg(format!("tests/fixtures/inbox/{fixture}.json")))
    .trim()
    .to_owned()
}

fn inbox(d: &Desk, cols: u16, rows: u16) -> Pty {
    let args = [
        "--data-dir",
        d.data.to_str().expect("utf-8"),
        "--config",
        d.config.to_str().expect("utf-8"),
        "--visit-date",
        VISIT,
        "inbox",
    ];
    Pty::spawn(&bin(), &args, cols, rows)
}

/// Signs in as the first prescriber (Dr Alex Lee) and waits for the list's header.
fn sign_in(p: &mut Pty) {
    p.wait_for("Who is signing in?");
    p.send(ENTER);
    p.wait_for("Type your PIN");
    p.send("4321");
    p.send(ENTER);
    p.wait_for("OUTCOME");
}

/// The screen row on which `text` appears.
fn row_of(screen: &str, text: &str) -> usize {
    screen
        .lines()
        .position(|l| l.contains(text))
        .unwrap_or_else(|| panic!("`{text}` is not on the screen:\n{screen}"))
}

fn show_json(d: &Desk, id: &str) -> serde_json::Value {
    let out = ok(triage(&d.data, &d.config).args(["records", "show", id, "--format", "json"]));
    serde_json::from_str(&out).expect("JSON")
}

const SETTINGS: &str = "[kiosk]\npin_attempts = 3\npin_delay = 0\n[inbox]\npoll_seconds = 0.2\n";

/// Three intakes (clear, STOP, CAUTION, stored in that order) are listed STOP first, then
/// CAUTION, then the clear one; the STOP intake opens to its doctor's page; treating today with
/// an override reason is recorded and `records show --format json` (and text) shows it with the
/// prescriber; the list marks it decided and moves it below the undecided ones.
#[test]
fn stop_first_then_decide_with_override_reason() {
    let d = desk(SETTINGS);
    submit(&d.data, &d.config, "clear");
    let stop = submit(&d.data, &d.config, "stop");
    submit(&d.data, &d.config, "caution");
    let mut p = inbox(&d, 80, 24);
    sign_in(&mut p);
    let s = p.wait_for("Clara Clear");
    let (r_stop, r_caution, r_clear) = (
        row_of(&s, "Sam Stop"),
        row_of(&s, "Casey Caution"),
        row_of(&s, "Clara Clear"),
    );
    assert!(r_stop < r_caution && r_caution < r_clear, "{s}");
    assert!(
        s.lines()
            .nth(r_stop)
            .is_some_and(|l| l.contains("STOP") && l.contains("NEW")),
        "{s}"
    );
    // The focus starts on the first row: open it.
    p.send(ENTER);
    p.wait_for("DO NOT TREAT TODAY");
    p.send("d");
    p.wait_for("This intake has a STOP");
    p.send("1");
    p.wait_for("STOP override reason (required to treat today)");
    p.send("Benefit discussed; test negative today");
    p.send("\t");
    p.send("Seen with partner");
    p.send(ENTER);
    p.wait_for("Decision recorded: TREAT TODAY.");
    let s = p.wait_for("[current]");
    assert!(s.contains("STOP override reason: Benefit discussed"), "{s}");
    p.send(ESC);
    // Decided intakes go below the undecided ones.
    let s = p.wait_until("the decided intake below the others", |s| {
        let at = |t: &str| s.lines().position(|l| l.contains(t));
        matches!((at("Sam Stop"), at("Clara Clear")), (Some(a), Some(b)) if a > b)
    });
    let sam = s.lines().nth(row_of(&s, "Sam Stop")).unwrap_or_default();
    assert!(sam.contains("TREAT"), "{s}");
    p.send("q");
    assert_eq!(p.wait_exit(), 0);

    let v = show_json(&d, &stop);
    assert_eq!(v["decision"]["decision"], "treat_today", "{v:#}");
    assert_eq!(
        v["decision"]["override_reason"],
        "Benefit discussed; test negative today"
    );
    assert_eq!(v["decision"]["note"], "Seen with partner");
    assert_eq!(v["decision"]["prescriber"]["registration"], "GMC 7654321");
    assert_eq!(v["decisions"].as_array().map(Vec::len), Some(1));
    let text = ok(triage(&d.data, &d.config).args(["records", "show", &stop]));
    assert!(
        text.contains("TREAT TODAY  by Dr Alex Lee (GMC 7654321) [current]"),
        "{text}"
    );
    let list = ok(triage(&d.data, &d.config).args(["records", "list"]));
    assert!(list.contains("treat_today by lee"), "{list}");
}

/// Treating a STOP intake today without an override reason is refused on screen, and nothing
/// is stored; deferring needs no reason.
#[test]
fn stop_decision_without_reason_is_refused() {
    let d = desk(SETTINGS);
    let stop = submit(&d.data, &d.config, "stop");
    let mut p = inbox(&d, 80, 24);
    sign_in(&mut p);
    p.wait_for("Sam Stop");
    p.send(ENTER);
    p.wait_for("DO NOT TREAT TODAY");
    p.send("d");
    p.send("1");
    p.wait_for("STOP override reason (required to treat today)");
    p.send("   ");
    p.send(ENTER);
    p.wait_for("Treating today despite a STOP");
    // One Esc at a time: two at once read as one key.
    p.send(ESC);
    p.wait_for("4 Refer");
    p.send(ESC);
    p.wait_for("DO NOT TREAT TODAY");
    p.send(ESC);
    p.wait_for("OUTCOME");
    p.send("q");
    assert_eq!(p.wait_exit(), 0);
    let v = show_json(&d, &stop);
    assert!(v["decision"].is_null(), "{v:#}");
    assert_eq!(v["decisions"], serde_json::json!([]));

    // The store refuses it too, whoever asks: the trigger behind the screen's rule.
    let mut store = triage::store::SqliteStore::open(&d.data).expect("open");
    let lee = triage::inbox::Prescriber {
        id: "lee".into(),
        name: "Dr Alex Lee".into(),
        registration: "GMC 7654321".into(),
    };
    let bare = triage::inbox::NewDecision {
        kind: triage::inbox::DecisionKind::TreatToday,
        note: None,
        override_reason: None,
        prescriber: lee.clone(),
    };
    let id: i64 = stop.parse().expect("id");
    let err = store
        .decide(id, &bare, jiff::Timestamp::now())
        .expect_err("refused by the store");
    assert!(err.to_string().contains("override reason"), "{err}");
    let defer = triage::inbox::NewDecision {
        kind: triage::inbox::DecisionKind::Defer,
        ..bare
    };
    store
        .decide(id, &defer, jiff::Timestamp::now())
        .expect("deferring needs no reason");
}

/// Wrong PINs lock a prescriber out as the staff PIN does: after the allowed attempts even the
/// right PIN is refused, and a restart does not reset it (the counter is on disk); another
/// prescriber is not locked.
#[test]
fn wrong_pin_locks_out() {
    let d = desk("[kiosk]\npin_attempts = 2\npin_delay = 0\npin_lockout = 600\n");
    let mut p = inbox(&d, 80, 24);
    p.wait_for("Who is signing in?");
    p.send(ENTER);
    p.wait_for("Type your PIN");
    p.send("0000");
    p.send(ENTER);
    p.wait_for("That PIN is not right. 1 try left.");
    p.send("1111");
    p.send(ENTER);
    p.wait_for("Too many wrong PINs: locked. Try again");
    p.send("4321");
    p.send(ENTER);
    p.wait_until("the right PIN refused while locked", |s| {
        s.contains("Too many wrong PINs") && !s.contains("OUTCOME")
    });
    p.send("\x03");
    assert_eq!(p.wait_exit(), 0);

    let mut p = inbox(&d, 80, 24);
    p.wait_for("Who is signing in?");
    p.send(ENTER);
    p.wait_for("Type your PIN");
    p.send("4321");
    p.send(ENTER);
    p.wait_for("Too many wrong PINs: locked. Try again");
    // Dr Okafor's PIN still works.
    p.send(ESC);
    p.wait_for("Who is signing in?");
    p.send("2");
    p.wait_for("Dr Ngozi Okafor");
    p.send("8765");
    p.send(ENTER);
    p.wait_for("OUTCOME");
    p.send("q");
    assert_eq!(p.wait_exit(), 0);
}

/// After the idle time the inbox hides patient data and asks for the PIN again; the PIN brings
/// back the screen it hid.
#[test]
fn idle_lock_hides_patient_data() {
    let d = desk("[kiosk]\npin_delay = 0\n[inbox]\nidle_lock = 1\npoll_seconds = 0.2\n");
    submit(&d.data, &d.config, "stop");
    let mut p = inbox(&d, 80, 24);
    sign_in(&mut p);
    p.wait_for("Sam Stop");
    p.send(ENTER);
    p.wait_for("DO NOT TREAT TODAY");
    let s = p.wait_for("Patient data is hidden");
    assert!(!s.contains("Sam") && !s.contains("TREAT TODAY"), "{s}");
    p.send("4321");
    p.send(ENTER);
    p.wait_for("DO NOT TREAT TODAY");
    p.send("\x03");
    assert_eq!(p.wait_exit(), 0);
}

/// A record completed on this machine while the inbox is open appears without a restart.
#[test]
fn new_local_record_appears() {
    let d = desk(SETTINGS);
    submit(&d.data, &d.config, "clear");
    let mut p = inbox(&d, 80, 24);
    sign_in(&mut p);
    p.wait_for("Clara Clear");
    submit(&d.data, &d.config, "stop");
    let s = p.wait_for("Sam Stop");
    assert!(row_of(&s, "Sam Stop") < row_of(&s, "Clara Clear"), "{s}");
    p.send("q");
    assert_eq!(p.wait_exit(), 0);
}

/// Without prescribers the inbox does not start, and says what to set up.
#[test]
fn needs_prescribers() {
    let dir = tempfile::tempdir().expect("tempdir");
    let config = dir.path().join("config.toml");
    std::fs::write(&config, "clinic_name = \"x\"\n").expect("config");
    let out = triage(&dir.path().join("data"), &config)
        .arg("inbox")
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("[[prescriber]]"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// With the clinic store: a record a kiosk delivers while the inbox is open appears at once
/// (LISTEN/NOTIFY), a decision made in the inbox is kept by the clinic store with the reader's
/// login and shows on `records show` and `records list`, and a device login may not decide.
#[test]
fn clinic_store_record_appears_and_decision_is_kept() {
    let Some(pg) = Pg::start() else { return };
    pg.store_init();
    pg.login("kiosk1", "kiosk1-pw", "triage_device");
    pg.login("doctor", "doctor-pw", "triage_reader");
    let said = pg.allow_decisions(PRESCRIBERS, "doctor", &["lee"]);
    assert!(said.contains("doctor may sign decisions as lee"), "{said}");
    let machine = |name: &str, user: &str, extra: &str| {
        pg.machine_at(name, user, "riverside", &pg.url(user, "triage"), extra)
    };
    let (k_data, k_config) = machine("kiosk-1", "kiosk1", "");
    // Slow polling: the record must come by notification.
    let (doc_data, doc_config) = machine(
        "doctor-room",
        "doctor",
        &format!("[kiosk]\npin_delay = 0\n[inbox]\npoll_seconds = 30\n{PRESCRIBERS}"),
    );
    set_pin(&doc_data, &doc_config, "lee", "4321");
    submit(&k_data, &k_config, "clear");
    let d = Desk {
        _dir: tempfile::tempdir().expect("tempdir"),
        data: doc_data,
        config: doc_config,
    };
    let mut p = inbox(&d, 120, 40);
    // Only the prescriber this desk's login may sign for is offered.
    let s = p.wait_for("Dr Alex Lee");
    assert!(!s.contains("Okafor"), "{s}");
    sign_in(&mut p);
    let s = p.wait_for("Clara Clear");
    assert!(
        s.contains("clinic store") && s.contains("riverside/kiosk-1"),
        "{s}"
    );
    submit(&k_data, &k_config, "stop");
    let s = p.wait_for("Sam Stop");
    assert!(row_of(&s, "Sam Stop") < row_of(&s, "Clara Clear"), "{s}");
    // The focus stayed on the intake it was on (Clara's): the new one is above it.
    let focused = s.lines().find(|l| l.starts_with('►')).unwrap_or_default();
    assert!(focused.contains("Clara Clear"), "{s}");
    p.send("g");
    p.send(ENTER);
    p.wait_for("DO NOT TREAT TODAY");
    p.send("d");
    p.send("2");
    p.wait_for("Note (optional)");
    p.send("Recheck pregnancy status next week");
    p.send(ENTER);
    p.wait_for("Decision recorded: DEFER.");
    p.send(ESC);
    p.wait_until("the list with the decision", |s| {
        s.contains("OUTCOME")
            && s.lines()
                .any(|l| l.contains("Sam Stop") && l.contains("DEFER"))
    });
    p.send("q");
    assert_eq!(p.wait_exit(), 0);

    let out = ok(triage(&d.data, &d.config).args(["records", "list", "--json"]));
    let list: serde_json::Value = serde_json::from_str(&out).expect("JSON");
    let sam = list
        .as_array()
        .and_then(|l| l.iter().find(|r| r["name"] == "Sam Stop"))
        .cloned()
        .expect("Sam in the list");
    assert_eq!(sam["decision"]["decision"], "defer", "{sam:#}");
    assert_eq!(sam["decision"]["login"], "doctor");
    let id = sam["id"].as_i64().expect("id").to_string();
    let v = show_json(&d, &id);
    assert_eq!(v["decision"]["note"], "Recheck pregnancy status next week");
    assert_eq!(v["decision"]["prescriber"]["id"], "lee");

    // The clinic store checks the override-reason rule itself, whoever calls it.
    let mut doctor = pg
        .connect("doctor", "doctor-pw", "triage")
        .expect("reader login");
    let e = doctor
        .query(
            "SELECT * FROM triage.record_decision($1, 'treat_today', NULL, '  ', 'lee', 'Dr Alex Lee', 'GMC 7654321')",
            &[&id.parse::<i64>().expect("id")],
        )
        .expect_err("no reason, no treatment");
    let message = e
        .as_db_error()
        .map(|d| d.message().to_owned())
        .unwrap_or_default();
    assert!(message.contains("override reason"), "{e:?}");
    // Appended, audited, never changed: the owner cannot update it either.
    let mut admin = pg.admin("triage");
    let logged: i64 = admin
        .query_one(
            "SELECT count(*) FROM triage.access_log WHERE who = 'doctor' AND event IN ('reviewed', 'decided')",
            &[],
        )
        .expect("query")
        .get(0);
    assert!(logged >= 2, "opened and decided are logged: {logged}");
    assert!(
        admin
            .batch_execute("UPDATE triage.decisions SET decision = 'treat_today'")
            .is_err()
    );
    // A device login reads nothing and decides nothing.
    let mut kiosk = pg
        .connect("kiosk1", "kiosk1-pw", "triage")
        .expect("kiosk login");
    assert!(kiosk.query("SELECT * FROM triage.decisions", &[]).is_err());
    assert!(
        kiosk
            .query(
                "SELECT * FROM triage.record_decision(1, 'defer', NULL, NULL, 'lee', 'Dr Alex Lee', 'GMC 7654321')",
                &[],
            )
            .is_err()
    );
    // Retention still works: deleting a record takes its decisions with it.
    admin
        .batch_execute("DELETE FROM triage.records WHERE patient_name = 'Sam Stop'")
        .expect("a record can be deleted for retention");
    let left: i64 = admin
        .query_one("SELECT count(*) FROM triage.decisions", &[])
        .expect("query")
        .get(0);
    assert_eq!(left, 0);
}

/// With the clinic store, a decision is signed in a prescriber's name only from a login the
/// administrator bound to that prescriber: not from a reception login (a reader), not from the
/// doctor's own login for another prescriber; an inbox on a reception login says how to allow
/// it, rather than failing when a decision is saved.
#[test]
fn clinic_store_decisions_only_from_bound_logins() {
    let Some(pg) = Pg::start() else { return };
    pg.store_init();
    pg.login("kiosk1", "kiosk1-pw", "triage_device");
    pg.login("doctor", "doctor-pw", "triage_reader");
    pg.login("reception", "reception-pw", "triage_reader");
    pg.allow_decisions(PRESCRIBERS, "doctor", &["lee"]);
    let (k_data, k_config) = pg.machine_at(
        "kiosk-1",
        "kiosk1",
        "riverside",
        &pg.url("kiosk1", "triage"),
        "",
    );
    submit(&k_data, &k_config, "clear");
    let decide = |login: &str, prescriber: &str| {
        let mut c = pg
            .connect(login, &format!("{login}-pw"), "triage")
            .expect("login");
        let id: i64 = c
            .query_one("SELECT min(id) FROM triage.records", &[])
            .expect("a record")
            .get(0);
        let (name, registration) = match prescriber {
            "okafor" => ("Dr Ngozi Okafor", "GMC 1234567"),
            _ => ("Dr Alex Lee", "GMC 7654321"),
        };
        c.query(
            "SELECT * FROM triage.record_decision($1, 'defer', NULL, NULL, $2, $3, $4)",
            &[&id, &prescriber, &name, &registration],
        )
        .map(|_| ())
        .map_err(|e| {
            e.as_db_error()
                .map_or_else(|| e.to_string(), |d| d.message().to_owned())
        })
    };
    assert_eq!(decide("doctor", "lee"), Ok(()), "bound: signs");
    let e = decide("doctor", "okafor").expect_err("not bound to okafor");
    assert!(
        e.contains("may not sign decisions as prescriber okafor"),
        "{e}"
    );
    let e = decide("reception", "lee").expect_err("a reception login cannot sign");
    assert!(e.contains("permission denied"), "{e}");
    // The inbox on a reception machine says so at start, with the way to allow it.
    let (r_data, r_config) = pg.machine_at(
        "front-desk",
        "reception",
        "riverside",
        &pg.url("reception", "triage"),
        PRESCRIBERS,
    );
    let out = triage(&r_data, &r_config)
        .args(["inbox"])
        .output()
        .expect("runs");
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("may not sign decisions") && err.contains("allow-decisions"),
        "{err}"
    );
    // A login name that is not one is refused plainly, and nothing is granted.
    let (code, _, err) =
        pg.allow_decisions_with(PRESCRIBERS, "x; DROP TABLE triage.records", &["lee"], &[]);
    assert_eq!(code, Some(2));
    assert!(err.contains("is not a database login name"), "{err}");
    assert_eq!(decide("doctor", "lee"), Ok(()), "the records are all there");
    // A device login, or one that is not a reader, can never become a desk.
    pg.login("loner", "loner-pw", "triage_prescriber");
    for (login, why) in [
        ("kiosk1", "device login"),
        ("loner", "not in triage_reader"),
    ] {
        let (code, _, err) = pg.allow_decisions_with(PRESCRIBERS, login, &["lee"], &[]);
        assert_eq!(code, Some(2), "{login}");
        assert!(err.contains(why), "{login}: {err}");
    }
    // Only prescribers of the clinic settings, with the name and registration bound there: a
    // desk cannot sign in another name.
    let (code, _, err) = pg.allow_decisions_with(PRESCRIBERS, "doctor", &["lee_typo"], &[]);
    assert_eq!(code, Some(2));
    assert!(err.contains("no prescriber `lee_typo`"), "{err}");
    let mut c = pg.connect("doctor", "doctor-pw", "triage").expect("login");
    let e = c
        .query(
            "SELECT * FROM triage.record_decision((SELECT min(id) FROM triage.records), 'decline', NULL, NULL, 'lee', 'Dr Ngozi Okafor', 'GMC 1234567')",
            &[],
        )
        .expect_err("signed in another name");
    let message = e
        .as_db_error()
        .map(|d| d.message().to_owned())
        .unwrap_or_default();
    assert!(message.contains("differs from the one"), "{message}");
    // A desk whose login may sign for none of the prescribers in its settings is told so at
    // start, not when a decision is saved.
    pg.login("desk_two", "desk_two-pw", "triage_reader");
    pg.allow_decisions(PRESCRIBERS, "desk_two", &["okafor"]);
    let lee_only = PRESCRIBERS
        .split("\n\n[[prescriber]]")
        .next()
        .expect("lee")
        .to_owned();
    let (t_data, t_config) = pg.machine_at(
        "desk-two",
        "desk_two",
        "riverside",
        &pg.url("desk_two", "triage"),
        &lee_only,
    );
    let out = triage(&t_data, &t_config)
        .args(["inbox"])
        .output()
        .expect("runs");
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("may sign for none of the prescribers"),
        "{err}"
    );
    // A binding can be taken away.
    let (code, out, _) = pg.allow_decisions_with(PRESCRIBERS, "doctor", &["lee"], &["--revoke"]);
    assert_eq!(code, Some(0));
    assert!(out.contains("no longer sign decisions as lee"), "{out}");
    let e = decide("doctor", "lee").expect_err("revoked");
    assert!(e.contains("permission denied"), "{e}");
}
