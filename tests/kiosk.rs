//! Kiosk mode end to end, in a pseudo-terminal: the lockdown keys, the idle warning and wipe,
//! nothing of a finished patient behind Back, the staff PIN (exit, lockout that survives kill -9),
//! the safety pause with its staff alert, and where summaries go (print command, spool folder).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "a test stops at the first thing that is wrong, saying what"
)]

mod common;

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use common::pty::*;
use common::walk::answer_baseline;
use triage::questionnaire::{DEFAULT_SOURCE, load_toml};
use triage::store::{DraftStatus, SqliteStore, Store};

fn bin() -> PathBuf {
    assert_cmd::cargo::cargo_bin("triage")
}

/// A data directory with a staff PIN (4321) and a config file.
fn setup(config: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("data");
    Command::new(bin())
        .arg("--data-dir")
        .arg(&data)
        .args(["pin", "set"])
        .write_stdin("4321\n4321\n")
        .assert()
        .success();
    std::fs::write(data.join("config.toml"), config).expect("config");
    (dir, data)
}

fn kiosk(data: &Path, extra: &[&str]) -> Pty {
    let mut args = vec![
        "--data-dir",
        data.to_str().expect("utf-8"),
        "--visit-date",
        "2025-06-02",
        "kiosk",
    ];
    args.extend_from_slice(extra);
    Pty::spawn(&bin(), &args, 80, 24)
}

/// The kiosk still answers: Enter starts, Esc comes back to the welcome screen. Each wait is for
/// the whole new screen (the old one's words gone too), so that the next key is not sent while a
/// half-drawn frame still shows the old screen's words: a key right behind a lone Esc would be
/// read as Alt+key.
fn still_running(p: &mut Pty) {
    p.wait_until("the welcome screen", |s| {
        s.contains("Start") && !s.contains("Who is filling in this form?")
    });
    p.send(ENTER);
    p.wait_until("the first question", |s| {
        s.contains("Who is filling in this form?") && !s.contains("Start")
    });
    p.send(ESC);
    p.wait_until("the welcome screen again", |s| {
        s.contains("Start") && !s.contains("Who is filling in this form?")
    });
}

const F: [&str; 12] = [
    "\x1bOP", "\x1bOQ", "\x1bOR", "\x1bOS", "\x1b[15~", "\x1b[17~", "\x1b[18~", "\x1b[19~",
    "\x1b[20~", "\x1b[21~", "\x1b[23~", "\x1b[24~",
];

/// Ctrl-C, Ctrl-Z, Ctrl-\, Ctrl-D, Esc, q and the function keys (but F12, the staff key) leave
/// the kiosk running, on the welcome screen and in the middle of a question.
#[test]
fn lockdown_keys_do_not_leave() {
    let (_dir, data) = setup("");
    let mut p = kiosk(&data, &[]);
    p.wait_for("Start");
    let keys = [
        "\x03", "\x1a", "\x1c", "\x04", ESC, "q", F[0], F[1], F[2], F[3], F[4], F[5], F[6], F[7],
        F[8], F[9], F[10],
    ];
    for k in keys {
        p.send(k);
        still_running(&mut p);
    }
    p.send(ENTER);
    p.wait_for("Who is filling in this form?");
    for k in ["\x03", "\x1a", "\x1c", "\x04", "q", F[9]] {
        p.send(k);
    }
    p.send(&format!("1{ENTER}"));
    p.wait_for("Are you happy to answer questions");
    assert_eq!(p.modes(), (true, true, true), "still in kiosk mode");
}

/// After the idle warning the session is wiped: the canary typed by patient 1 leaves the screen,
/// the next patient starts clean, and the wiped draft is kept as abandoned for staff.
#[test]
fn idle_warning_then_wipe() {
    let (_dir, data) = setup("");
    let mut p = kiosk(&data, &["--idle-warning", "1", "--idle-reset", "2.5"]);
    p.wait_for("Start");
    p.send(ENTER);
    p.wait_for("Who is filling in this form?");
    p.send(&format!("1{ENTER}"));
    p.wait_for("Are you happy to answer questions");
    p.send(&format!("1{ENTER}"));
    p.wait_for("What is your full name?");
    p.send("CANARY-7731");
    p.wait_for("Are you still there?");
    p.wait_until("the welcome screen, without the canary", |s| {
        s.contains("Start") && !s.contains("CANARY")
    });
    p.send(ENTER);
    p.wait_until("a clean first question", |s| {
        s.contains("Who is filling in this form?") && !s.contains("(x)")
    });
    p.send(&format!("1{ENTER}"));
    p.wait_for("Are you happy to answer questions");
    p.send(&format!("1{ENTER}"));
    p.wait_until("an empty name field", |s| {
        s.contains("What is your full name?") && !s.contains("CANARY")
    });
    let store = SqliteStore::open(&data).expect("store");
    assert_eq!(
        store
            .drafts(DraftStatus::Abandoned, None)
            .expect("drafts")
            .len(),
        1,
        "the wiped draft stays, for staff"
    );
}

/// A key during the warning keeps the session (and does nothing else).
#[test]
fn a_key_during_the_warning_keeps_the_session() {
    let (_dir, data) = setup("");
    let mut p = kiosk(&data, &["--idle-warning", "1", "--idle-reset", "30"]);
    p.wait_for("Start");
    p.send(ENTER);
    p.wait_for("Who is filling in this form?");
    p.send("2");
    p.wait_for("Are you still there?");
    p.send("1");
    p.wait_until("the warning gone, the answer unchanged", |s| {
        !s.contains("Are you still there?") && s.contains("(x) 2")
    });
}

/// A finished patient is gone: Back on the thank-you and welcome screens reaches nothing of
/// theirs; the summary went to the print command's standard input and to the spool folder, and
/// the intake as a FHIR QuestionnaireResponse to the FHIR spool folder.
#[test]
fn after_submit_nothing_is_reachable_and_the_summary_is_delivered() {
    let dir = tempfile::tempdir().expect("tempdir");
    let printed = dir.path().join("printed.txt");
    let spool = dir.path().join("spool");
    let fhir_spool = dir.path().join("to-ehr");
    let config = format!(
        "clinic_name = \"Riverside Clinic\"\n[output]\nprint_command = [\"tee\", \"{}\"]\nspool_dir = \"{}\"\nfhir_spool_dir = \"{}\"\n",
        printed.display(),
        spool.display(),
        fhir_spool.display()
    );
    let (_d, data) = setup(&config);
    let q = load_toml(DEFAULT_SOURCE).questionnaire.expect("valid");
    let mut p = kiosk(&data, &["--idle-warning", "60", "--idle-reset", "90"]);
    p.wait_for("Start");
    p.send(ENTER);
    answer_baseline(&mut p, &q, None);
    p.send(END);
    p.send(ENTER);
    p.wait_for("Ready to send?");
    p.send(ENTER);
    p.wait_for("Please tell reception you have finished.");
    for k in [ESC, LEFT, "\x1b[5~", ESC] {
        p.send(k);
    }
    p.wait_for("Please tell reception you have finished.");
    assert!(
        !p.screen().contains("Alex Sample"),
        "Back reaches nothing of the finished patient"
    );
    // Keys in the first moments belong to the patient who just sent: ignored until the screen
    // invites the next person.
    p.wait_for("Next person: touch the screen or press Enter.");
    p.send(ENTER);
    p.wait_for("Start");
    for k in [ESC, LEFT, "\x1b[5~"] {
        p.send(k);
    }
    p.send(ENTER);
    p.wait_until("a clean first question", |s| {
        s.contains("Who is filling in this form?") && !s.contains("(x)")
    });
    p.send(ESC);
    p.wait_for("Start");
    assert!(!p.screen().contains("Alex Sample"));
    let printed_text =
        std::fs::read_to_string(&printed).expect("the print command got the summary");
    assert!(
        printed_text.contains("Riverside Clinic")
            && printed_text.contains("Alex Sample")
            && printed_text.contains("NO FLAGS"),
        "{printed_text}"
    );
    let spooled = std::fs::read_to_string(spool.join("triage-record-1.txt")).expect("spooled");
    assert_eq!(spooled, printed_text, "the spool file is the whole summary");
    let response: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(fhir_spool.join("triage-record-1.fhir.json"))
            .expect("the FHIR spool file"),
    )
    .expect("json");
    assert_eq!(response["resourceType"], "QuestionnaireResponse");
    assert_eq!(response["status"], "completed");
    assert!(response.to_string().contains("Alex Sample"));
    let store = SqliteStore::open(&data).expect("store");
    let events: Vec<String> = store
        .audit()
        .expect("audit")
        .into_iter()
        .map(|r| r.event)
        .collect();
    assert!(events.contains(&"printed".to_owned()), "{events:?}");
}

/// The right PIN opens the staff menu, which can leave the kiosk; the terminal is restored.
#[test]
fn right_pin_leaves_the_kiosk() {
    let (_dir, data) = setup("");
    let mut p = kiosk(&data, &[]);
    p.wait_for("Start");
    p.send(F[11]);
    p.wait_for("Type the staff PIN");
    p.send("4321");
    p.wait_for("••••");
    assert!(!p.screen().contains("4321"), "the PIN is masked");
    p.send(ENTER);
    p.wait_for("Staff menu");
    let (r, c) = p.find("Leave the kiosk");
    p.click(r, c);
    assert_eq!(p.wait_exit(), 0);
    assert_eq!(p.modes(), (false, false, false));
}

/// Wrong PINs lock the staff menu; the lockout survives kill -9 and a restart.
#[test]
fn wrong_pins_lock_out_across_restarts() {
    let (_dir, data) = setup("[kiosk]\npin_attempts = 3\npin_delay = 0\npin_lockout = 600\n");
    let mut p = kiosk(&data, &[]);
    p.wait_for("Start");
    p.send(F[11]);
    p.wait_for("Type the staff PIN");
    for _ in 0..2 {
        p.send(&format!("9999{ENTER}"));
        p.wait_for("That PIN is not right.");
        p.send("x");
        p.send("\x7f");
    }
    p.send(&format!("9999{ENTER}"));
    p.wait_for("Too many wrong PINs: locked. Try again");
    p.signal("KILL");
    p.wait_exit();
    drop(p);
    let mut p = kiosk(&data, &[]);
    p.wait_for("Start");
    p.send(F[11]);
    p.wait_for("Type the staff PIN");
    p.send(&format!("4321{ENTER}"));
    p.wait_for("Too many wrong PINs: locked. Try again");
    assert!(!p.screen().contains("Staff menu"));
}

/// The kiosk will not start without a staff PIN, and says how to set one.
#[test]
fn kiosk_needs_a_pin() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = Command::new(bin())
        .arg("--data-dir")
        .arg(dir.path())
        .arg("kiosk")
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("triage pin set"));
}

/// A safety disclosure shows the support screen, alerts staff at once (no patient data), and
/// only staff can let the patient carry on.
#[test]
fn safety_pause_alerts_staff() {
    let dir = tempfile::tempdir().expect("tempdir");
    let alerted = dir.path().join("alerted");
    let (_d, data) = setup(&format!(
        "[alert]\ncommand = [\"touch\", \"{}\"]\n",
        alerted.display()
    ));
    let q = load_toml(DEFAULT_SOURCE).questionnaire.expect("valid");
    let mut p = kiosk(&data, &[]);
    p.wait_for("Start");
    p.send(ENTER);
    answer_until(&mut p, &q, "g_low_mood");
    p.send(&format!("1{ENTER}"));
    p.wait_for("Have you had thoughts of hurting yourself");
    p.send(&format!("1{ENTER}"));
    p.wait_for("Samaritans");
    let start = std::time::Instant::now();
    while !alerted.exists() {
        assert!(start.elapsed() < TIMEOUT, "the alert command did not run");
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    for k in [ENTER, ESC, F[1], F[9], "\x03"] {
        p.send(k);
    }
    p.send(F[11]);
    p.wait_for("Type the staff PIN");
    p.send(&format!("4321{ENTER}"));
    p.wait_for("Let the patient carry on");
    p.send("2");
    p.wait_for("Has something big happened lately");
}

/// Answers baseline answers until the screen of `stop` shows.
fn answer_until(p: &mut Pty, q: &triage::questionnaire::Questionnaire, stop: &str) {
    use common::walk::{baseline, keys, prompt};
    let answers = baseline();
    let mut mirror = triage::engine::Session::new(q, common::visit());
    for (id, v) in &answers {
        let i = q.item_index(id).expect("item");
        mirror
            .set(
                i,
                triage::answers::to_answer(q, i, &triage::answers::RawValue::from_json(v))
                    .expect("answer"),
            )
            .expect("valid");
    }
    let mut step = mirror.next_step(None);
    let mut before = String::new();
    while let Some(here) = step {
        let item = here.item();
        let want = prompt(q, item);
        before = p.wait_until("the next screen", |s| s.contains(&want) && s != before);
        if q.item(item).id == stop {
            return;
        }
        match answers.get(&q.item(item).id) {
            Some(v) if q.item(item).question().is_some() => p.send(&keys(q, item, v)),
            _ => p.send(ENTER),
        }
        step = mirror.next_step(Some(here));
    }
}

/// A printer that takes long (here 8 s) never freezes the kiosk: the thank-you screen appears
/// at once, and keys the patient goes on pressing do not start or fill the next patient's form.
#[test]
fn slow_printer_never_freezes_the_kiosk() {
    let (_d, data) = setup("[output]\nprint_command = [\"sleep\", \"8\"]\n");
    let q = load_toml(DEFAULT_SOURCE).questionnaire.expect("valid");
    let mut p = kiosk(&data, &["--idle-warning", "60", "--idle-reset", "90"]);
    p.wait_for("Start");
    p.send(ENTER);
    answer_baseline(&mut p, &q, None);
    p.send(END);
    p.send(ENTER);
    p.wait_for("Ready to send?");
    let sent = std::time::Instant::now();
    p.send(ENTER);
    // Keys pressed straight after sending, as an impatient patient would.
    p.send(&format!("{ENTER}1{ENTER}1{ENTER}CANARY{ENTER}"));
    p.wait_for("Please tell reception you have finished.");
    assert!(
        sent.elapsed() < std::time::Duration::from_secs(4),
        "the thank-you screen waited for the printer ({:?})",
        sent.elapsed()
    );
    p.wait_for("Next person: touch the screen or press Enter.");
    p.send(ENTER);
    p.wait_for("Start");
    p.send(ENTER);
    p.wait_until("a clean first question", |s| {
        s.contains("Who is filling in this form?") && !s.contains("(x)") && !s.contains("CANARY")
    });
}
