//! End to end: the real binary in a pseudo-terminal, driven by keys and taps the way a patient
//! would, checked on screen, on standard output and in the store.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "a test stops at the first thing that is wrong, saying what"
)]

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use common::pty::*;
use common::walk::{answer_baseline, baseline, send_and_finish};
use triage::questionnaire::{DEFAULT_SOURCE, Questionnaire, load_toml};
use triage::store::{DraftStatus, SqliteStore, Store};

fn shipped() -> Questionnaire {
    load_toml(DEFAULT_SOURCE).questionnaire.expect("valid")
}

fn bin() -> PathBuf {
    assert_cmd::cargo::cargo_bin("triage")
}

/// `triage run` with standard output redirected to `out`, as `triage run > summary.txt` does.
fn start(data: &Path, out: &Path) -> Pty {
    let cmd = format!(
        "exec '{}' --data-dir '{}' --visit-date 2025-06-02 run > '{}'",
        bin().display(),
        data.display(),
        out.display()
    );
    Pty::spawn(Path::new("/bin/sh"), &["-c", &cmd], 80, 24)
}

/// The baseline patient answers the shipped questionnaire with keys only, changes their name from
/// the review screen, and sends. The summary arrives on standard output, the record is stored,
/// and the terminal is restored.
#[test]
fn baseline_patient_keys_only_with_review_jump() {
    let q = shipped();
    let dir = tempfile::tempdir().expect("tempdir");
    let (data, out) = (dir.path().join("data"), dir.path().join("summary.txt"));
    let mut p = start(&data, &out);
    p.wait_for("Start");
    p.send(ENTER);
    answer_baseline(&mut p, &q, None);
    // Jump from review to the name, change it, and come back to review.
    p.send(HOME);
    p.send(DOWN);
    p.send(DOWN);
    p.send(ENTER);
    p.wait_for("What is your full name?");
    p.send(CTRL_U);
    p.send("Alex Changed");
    p.send(ENTER);
    p.wait_until("review with the new name", |s| {
        s.contains("Check your answers") && s.contains("Alex Changed")
    });
    assert_eq!(send_and_finish(&mut p), 0);
    assert_eq!(
        p.modes(),
        (false, false, false),
        "alternate screen, mouse capture and bracketed paste are off again"
    );
    let summary = std::fs::read_to_string(&out).expect("summary");
    assert!(
        summary.contains("NO FLAGS")
            && summary.contains("Alex Changed")
            && summary.contains("Record: 1"),
        "{summary}"
    );
    let store = SqliteStore::open(&data).expect("store");
    let records = store.records().expect("records");
    assert_eq!(records.len(), 1);
    assert_eq!(records[0].name.as_deref(), Some("Alex Changed"));
    let stored: BTreeMap<String, serde_json::Value> =
        serde_json::from_str(&store.record(1).expect("record").answers_json).expect("json");
    let mut expected = baseline();
    expected.insert("a_full_name".into(), serde_json::json!("Alex Changed"));
    assert_eq!(stored, expected);
    assert!(
        store
            .drafts(DraftStatus::Open, None)
            .expect("drafts")
            .is_empty(),
        "the draft is closed"
    );
}

/// Going back shows the earlier answer; changing it changes what is asked next.
#[test]
fn back_and_change_an_answer() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut p = start(&dir.path().join("data"), &dir.path().join("out"));
    p.wait_for("Start");
    p.send(ENTER);
    p.wait_for("Who is filling in this form?");
    p.send(&format!("1{ENTER}"));
    p.wait_for("Are you happy to answer questions");
    p.send(ESC);
    p.wait_until("the first question with its answer", |s| {
        s.contains("Who is filling in this form?") && s.contains("(x) 1  Me, the patient")
    });
    p.send(&format!("3{ENTER}"));
    p.wait_for("What is the helper's name");
    p.send(&format!("Sam, my son{ENTER}"));
    p.wait_for("Are you happy to answer questions");
    p.send(CTRL_C);
    assert_eq!(p.wait_exit(), 130);
    let store = SqliteStore::open(&dir.path().join("data")).expect("store");
    let draft = store.drafts(DraftStatus::Open, None).expect("drafts")[0].id;
    let answers: BTreeMap<String, serde_json::Value> = store
        .draft_answers(draft)
        .expect("answers")
        .into_iter()
        .collect();
    assert_eq!(
        answers.get("a_respondent"),
        Some(&serde_json::json!("helper"))
    );
    assert_eq!(
        answers.get("a_helper_details"),
        Some(&serde_json::json!("Sam, my son"))
    );
}

/// A tap (mouse click) chooses an option and a tap on Next goes on.
#[test]
fn tap_chooses_an_option() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut p = start(&dir.path().join("data"), &dir.path().join("out"));
    p.wait_for("Start");
    let (r, c) = p.find("Start");
    p.click(r, c);
    p.wait_for("Who is filling in this form?");
    let (r, c) = p.find("Someone else is helping me");
    p.click(r, c + 3);
    p.wait_for("(x) 3  Someone else is helping me");
    let (r, c) = p.find("Next (Enter) →");
    p.click(r, c);
    p.wait_for("What is the helper's name");
}

/// Killed with SIGKILL in the middle; on restart the form can be resumed and every committed
/// answer is back.
#[test]
fn kill_then_resume() {
    let q = shipped();
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("data");
    let mut p = start(&data, &dir.path().join("out"));
    p.wait_for("Start");
    p.send(ENTER);
    let steps = [
        ("Who is filling in this form?", "1"),
        ("Are you happy to answer questions", "1"),
        ("What is your full name?", "Alex Sample"),
        ("What is your date of birth?", "15/03/1991"),
    ];
    for (screen, keys) in steps {
        p.wait_for(screen);
        p.send(&format!("{keys}{ENTER}"));
    }
    p.wait_for("What phone number");
    p.signal("KILL");
    p.wait_exit();
    drop(p);

    let mut p = start(&data, &dir.path().join("out"));
    p.wait_for("An unfinished form was found");
    // Private: no answers and no count of them before the date of birth is given again.
    let offer = p.wait_for("not finished");
    assert!(
        !offer.contains("Alex") && !offer.contains("1991"),
        "{offer}"
    );
    p.send("1");
    p.wait_for("Date of birth on that form");
    p.send(&format!("15/03/1991{ENTER}"));
    p.wait_for("What phone number");
    let store = SqliteStore::open(&data).expect("store");
    let draft = store
        .drafts(DraftStatus::Open, Some(&q.meta.id))
        .expect("drafts")[0]
        .id;
    let answers: BTreeMap<String, serde_json::Value> = store
        .draft_answers(draft)
        .expect("answers")
        .into_iter()
        .collect();
    assert_eq!(answers.len(), 4);
    assert_eq!(answers["a_dob"], serde_json::json!("1991-03-15"));
    p.send(ESC);
    p.wait_until("the date of birth, restored", |s| {
        s.contains("What is your date of birth?") && s.contains("15/03/1991")
    });
}

/// SIGTERM stops the walk-through after saving and restores the terminal.
#[test]
fn sigterm_restores_the_terminal() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut p = start(&dir.path().join("data"), &dir.path().join("out"));
    p.wait_for("Start");
    p.send(ENTER);
    p.wait_for("Who is filling in this form?");
    assert_eq!(
        p.modes(),
        (true, true, true),
        "questionnaire mode is on while running"
    );
    p.signal("TERM");
    assert_eq!(p.wait_exit(), 130);
    assert_eq!(p.modes(), (false, false, false));
    p.wait_for("Every answer given so far is saved");
}

/// Reception intake: "who is filling in" is already answered "staff", options are compact and
/// numbered, Tab moves on, F5 jumps to a section.
#[test]
fn reception_intake() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("data");
    let cmd = format!(
        "exec '{}' --data-dir '{}' --visit-date 2025-06-02 run --staff > '{}'",
        bin().display(),
        data.display(),
        dir.path().join("out").display()
    );
    let mut p = Pty::spawn(Path::new("/bin/sh"), &["-c", &cmd], 80, 24);
    // Reception is asked first how the answers are given: reading to the patient.
    p.wait_for("How are the answers being given?");
    p.send("1");
    p.wait_for("Start");
    p.send(ENTER);
    p.wait_until("the preset answer", |s| {
        s.contains("Who is filling in this form?") && s.contains("(x) 2 A staff member")
    });
    assert!(
        p.screen().contains(" ( ) 1 Me, the patient") && !p.screen().contains("│ ( ) 1"),
        "compact options, no boxes"
    );
    p.send("\t");
    p.wait_for("Are you happy to answer questions");
    p.send("1\t");
    p.wait_for("What is your full name?");
    p.send("\x1b[15~"); // F5
    p.wait_for("Go to a section");
    p.send("4");
    p.wait_for("Do you take any medicines?");
    p.send("\x1b[Z"); // Shift-Tab: back
    p.wait_until("the step before the medicines section", |s| {
        !s.contains("Do you take any medicines?")
    });
}
