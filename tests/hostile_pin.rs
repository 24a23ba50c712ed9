//! The staff PIN against a patient who types wrong PINs (issue 12, item 7), in the real kiosk in
//! a pseudo-terminal: the attempt counter is in the database (deleting or damaging files does
//! not reset it, nor does a restart), the recovery PIN lifts a lockout at once, and wrong PINs
//! at a safety pause never lock staff out of it.

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
use triage::store::{SqliteStore, Store};

fn bin() -> PathBuf {
    assert_cmd::cargo::cargo_bin("triage")
}

const F12: &str = "\x1b[24~";

/// A data directory with a staff PIN (4321), a recovery PIN (drawer-2468) and a config file.
fn setup(config: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("data");
    for (args, input) in [
        (&["pin", "set"][..], "4321\n4321\n"),
        (
            &["pin", "set", "--recovery"][..],
            "drawer-2468\ndrawer-2468\n",
        ),
    ] {
        Command::new(bin())
            .arg("--data-dir")
            .arg(&data)
            .args(args)
            .write_stdin(input)
            .assert()
            .success();
    }
    std::fs::write(data.join("config.toml"), config).expect("config");
    (dir, data)
}

fn kiosk(data: &Path, file: Option<&Path>) -> Pty {
    let mut args = vec![
        "--data-dir",
        data.to_str().expect("utf-8"),
        "--visit-date",
        "2025-06-02",
        "kiosk",
    ];
    if let Some(f) = file {
        args.push(f.to_str().expect("utf-8"));
    }
    Pty::spawn(&bin(), &args, 80, 24)
}

/// The PIN events of the audit log, oldest first.
fn pin_events(data: &Path) -> Vec<String> {
    SqliteStore::open(data)
        .expect("store")
        .audit()
        .expect("audit")
        .into_iter()
        .map(|r| r.event)
        .filter(|e| e.starts_with("pin_"))
        .collect()
}

/// Types a wrong PIN and waits for the answer to it (the field empties, a message shows).
fn wrong(p: &mut Pty, expect: &str) {
    p.send(&format!("9999{ENTER}"));
    p.wait_until(expect, |s| s.contains(expect) && !s.contains("••••"));
    // A keystroke that changes nothing, so the next message is drawn anew.
    p.send("x");
    p.send("\x7f");
}

/// Wrong PINs lock the staff menu; the lockout outlives a restart and the deletion of every file
/// but the database; the recovery PIN then opens the staff menu at once, and the staff PIN works
/// again after it.
#[test]
fn lockout_is_in_the_database_and_the_recovery_pin_lifts_it() {
    let (_dir, data) = setup("[kiosk]\npin_attempts = 3\npin_delay = 0\npin_lockout = 600\n");
    let mut p = kiosk(&data, None);
    p.wait_for("Start");
    p.send(F12);
    p.wait_for("Type the staff PIN");
    wrong(&mut p, "That PIN is not right. 2 tries left.");
    wrong(&mut p, "That PIN is not right. 1 try left.");
    p.send(&format!("9999{ENTER}"));
    p.wait_for("locked. Try again at");
    p.wait_until("the lockout, with the recovery PIN named", |s| {
        s.contains("locked. Try again at") && s.contains("recovery PIN works")
    });
    p.signal("KILL");
    p.wait_exit();
    drop(p);
    // The old attempts file, damaged or gone, changes nothing: the counter is in the database.
    std::fs::write(data.join("pin_attempts.json"), "{ damaged").expect("write");
    let _ = std::fs::remove_file(data.join("pin_attempts.json"));
    let store = SqliteStore::open(&data).expect("store");
    assert_eq!(store.pin_failures(None).expect("failures").len(), 3);
    drop(store);

    let mut p = kiosk(&data, None);
    p.wait_for("Start");
    p.send(F12);
    p.wait_for("Type the staff PIN");
    p.send(&format!("4321{ENTER}"));
    p.wait_for("locked. Try again at");
    assert!(!p.screen().contains("Staff menu"));
    p.send(&format!("drawer-2468{ENTER}"));
    p.wait_for("Staff menu");
    p.send(ESC);
    p.wait_for("Start");
    p.send(F12);
    p.wait_for("Type the staff PIN");
    p.send(&format!("4321{ENTER}"));
    p.wait_for("Staff menu");
    let audit = pin_events(&data);
    assert_eq!(
        audit,
        [
            "pin_reset",
            "pin_reset",
            "pin_failed",
            "pin_failed",
            "pin_failed",
            "pin_refused",
            "pin_recovered",
            "pin_ok"
        ]
    );
}

const PAUSING: &str = r#"[questionnaire]
id = "pause-test"
version = "1"
title = "Pause test"

[[section]]
id = "s"
title = "Section"

[[section.question]]
id = "q1"
type = "yes_no"
text = "Have you had thoughts of hurting yourself?"

[[section.question]]
id = "q2"
type = "yes_no"
text = "Anything else to tell us?"

[[flag]]
id = "P1"
severity = "stop"
when = 'q1 = "yes"'
action = "pause"
text = "Safety disclosure"
message = "Thank you for telling us. A member of staff will come and talk with you."
"#;

/// At a safety pause, as many wrong PINs as a patient likes never lock staff out: each is only
/// "not right", and the staff PIN then lets the patient carry on.
#[test]
fn wrong_pins_at_a_safety_pause_never_lock_staff_out() {
    let (dir, data) = setup("[kiosk]\npin_attempts = 3\npin_delay = 0\npin_lockout = 600\n");
    let q = dir.path().join("pause.toml");
    std::fs::write(&q, PAUSING).expect("write");
    let mut p = kiosk(&data, Some(&q));
    p.wait_for("Start");
    p.send(ENTER);
    p.wait_for("Have you had thoughts");
    p.send(&format!("1{ENTER}"));
    p.wait_for("Support for you");
    p.send(F12);
    p.wait_for("Type the staff PIN");
    for _ in 0..7 {
        wrong(&mut p, "That PIN is not right. Try again");
        assert!(!p.screen().contains("Locked"), "{}", p.screen());
    }
    p.send(&format!("4321{ENTER}"));
    p.wait_for("Let the patient carry on");
    p.send("2");
    p.wait_for("Anything else to tell us?");
}

/// Types a PIN, waits for it on screen (masked), presses Enter and waits for the answer: the
/// field empties and `answer` holds.
fn typed_then_enter(p: &mut Pty, pin: &str, answer: impl Fn(&str) -> bool) {
    p.send(pin);
    let dots = "•".repeat(pin.chars().count());
    p.wait_until("the PIN typed", |s| s.contains(&dots));
    p.send(ENTER);
    p.wait_until("the answer", |s| {
        !s.contains('•') && !s.contains("Checking") && answer(s)
    });
}

/// The user test's lockout (3 tries, 1 s delay doubling, 2 minutes): waits are shown in
/// seconds and count down; the right staff PIN typed during the lockout is refused without
/// counting as a failure; after a restart the message shows the lockout's real end (not the
/// short wait between tries); the recovery PIN opens at once, even within the wait after a
/// wrong PIN.
#[test]
fn lockout_waits_in_seconds_and_the_recovery_pin_never_waits() {
    let (_dir, data) = setup("[kiosk]\npin_attempts = 3\npin_delay = 1\npin_lockout = 120\n");
    let mut p = kiosk(&data, None);
    p.wait_for("Start");
    p.send(F12);
    p.wait_for("Type the staff PIN");
    for left in ["2 tries left", "1 try left"] {
        p.send(&format!("9999{ENTER}"));
        p.wait_for(left);
        // The wait counts down, in seconds, and says when it is over.
        p.wait_until("the wait to pass", |s| {
            s.contains(&format!("{left}.")) && !s.contains("try again in")
        });
    }
    let locked = |s: &str| s.contains("locked. Try again in");
    p.send(&format!("9999{ENTER}"));
    p.wait_until("the lockout", locked);
    let screen = p.screen();
    assert!(
        screen.contains("Try again in 1 min 5") || screen.contains("Try again in 2 min"),
        "seconds, not a clock minute: {screen}"
    );
    // The right staff PIN during the lockout: refused, not counted.
    typed_then_enter(&mut p, "4321", locked);
    assert!(!p.screen().contains("Staff menu"));
    let store = SqliteStore::open(&data).expect("store");
    assert_eq!(store.pin_failures(None).expect("failures").len(), 3);
    drop(store);
    p.signal("KILL");
    p.wait_exit();
    drop(p);
    // After a restart, within the wait after the last wrong PIN: the lockout's real end.
    let mut p = kiosk(&data, None);
    p.wait_for("Start");
    p.send(F12);
    p.wait_for("Type the staff PIN");
    typed_then_enter(&mut p, "4321", locked);
    let screen = p.screen();
    assert!(
        screen.contains("Try again in 1 min") || screen.contains("Try again in 2 min"),
        "{screen}"
    );
    // A PIN wrong for both counts; the recovery PIN right after it needs no wait.
    typed_then_enter(&mut p, "1111", locked);
    p.send(&format!("drawer-2468{ENTER}"));
    p.wait_for("Staff menu");
    let audit = pin_events(&data);
    assert_eq!(
        audit,
        [
            "pin_reset",
            "pin_reset",
            "pin_failed",
            "pin_failed",
            "pin_failed",
            "pin_refused",
            "pin_refused",
            "pin_failed",
            "pin_recovered"
        ]
    );
}
