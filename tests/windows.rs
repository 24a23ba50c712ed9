//! One live owner per form: two `triage run` windows on one data directory never share a form.
//! The second window is not offered the first one's live form; a kiosk starting up does not
//! abandon it; staff tools refuse to discard or open it; a crash (kill -9) releases it at once;
//! and a form completes once.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "a test stops at the first thing that is wrong, saying what"
)]

mod common;

use std::path::{Path, PathBuf};

use common::pty::*;
use jiff::Timestamp;
use triage::store::{DraftStatus, NewRecord, QuestionnaireRef, SqliteStore, Store, StoreError};

fn bin() -> PathBuf {
    assert_cmd::cargo::cargo_bin("triage")
}

fn window(data: &Path) -> Pty {
    Pty::spawn(
        &bin(),
        &[
            "--data-dir",
            data.to_str().expect("utf-8"),
            "--visit-date",
            "2025-06-02",
            "run",
        ],
        80,
        24,
    )
}

/// Starts a form in `p` (respondent, agreement, a name) and leaves it live on the date screen.
fn start_form(p: &mut Pty, name: &str) {
    p.wait_for("Start");
    p.send(ENTER);
    for (screen, keys) in [
        ("Who is filling in this form?", "1"),
        ("Are you happy to answer questions", "1"),
        ("What is your full name?", name),
    ] {
        p.wait_for(screen);
        p.send(&format!("{keys}{ENTER}"));
    }
    p.wait_for("What is your date of birth?");
}

fn triage(data: &Path, args: &[&str]) -> (i32, String, String) {
    let out = std::process::Command::new(bin())
        .arg("--data-dir")
        .arg(data)
        .args(args)
        .output()
        .expect("runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// A second window is not offered the first window's live form, and gets its own; a kiosk
/// starting meanwhile leaves the live form alone; staff tools refuse to touch it while it is
/// live; once its window is killed (-9) the form is offered again (the hold died with it).
#[test]
fn a_live_form_has_one_owner() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("data");
    let mut a = window(&data);
    start_form(&mut a, "Window A");

    let mut b = window(&data);
    let s = b.wait_for("Start");
    assert!(!s.contains("unfinished"), "the live form was offered:\n{s}");
    start_form(&mut b, "Window B");

    // A kiosk starting up abandons interrupted forms, but not live ones.
    std::process::Command::new(bin())
        .arg("--data-dir")
        .arg(&data)
        .args(["pin", "set"])
        .stdin(std::process::Stdio::piped())
        .spawn()
        .and_then(|mut c| {
            use std::io::Write;
            c.stdin.take().expect("stdin").write_all(b"4321\n4321\n")?;
            c.wait()
        })
        .expect("pin set");
    let k = Pty::spawn(
        &bin(),
        &["--data-dir", data.to_str().expect("utf-8"), "kiosk"],
        80,
        24,
    );
    k.wait_for("Start");
    drop(k);
    let store = SqliteStore::open(&data).expect("store");
    let open = store
        .drafts(DraftStatus::Open, Some("botulinum-toxin"))
        .expect("drafts");
    assert_eq!(open.len(), 2, "both live forms still open: {open:?}");

    let (_, list, _) = triage(&data, &["records", "drafts"]);
    assert_eq!(list.matches("in use").count(), 2, "{list}");
    let (code, _, err) = triage(&data, &["records", "drafts", "--discard", "1", "--yes"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("open in a triage window"), "{err}");
    let (code, _, err) = triage(&data, &["run", "--draft", "1"]);
    assert_eq!(code, 2, "{err}");

    // Window A crashes: its form is free again and offered (privately) to the next start.
    a.signal("KILL");
    a.wait_exit();
    drop(a);
    let c = window(&data);
    c.wait_for("An unfinished form was found");
    let (_, list, _) = triage(&data, &["records", "drafts"]);
    assert_eq!(
        list.matches("in use").count(),
        1,
        "only B's is live now: {list}"
    );
    let (code, out, err) = triage(&data, &["records", "drafts", "--discard", "1", "--yes"]);
    assert_eq!(
        code, 0,
        "A's form can be discarded by staff now: {out}{err}"
    );
    drop(b);
}

/// A form completes once: a second completion of the same draft is refused, not stored twice.
#[test]
fn a_draft_completes_once() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut store = SqliteStore::open(dir.path()).expect("store");
    let q = QuestionnaireRef {
        id: "q".into(),
        version: "1".into(),
        content_hash: "sha256:x".into(),
    };
    let now = Timestamp::now();
    let d = store.start_draft(&q, "2025-06-02", now).expect("draft");
    let record = NewRecord {
        draft: Some(d),
        questionnaire: q,
        visit_date: "2025-06-02".into(),
        completed_at: now,
        patient_name: None,
        outcome: "clear".into(),
        counts: [0, 0, 0],
        answers_json: "{}".into(),
        latches_json: None,
    };
    let summaries = |_| (String::from("{}"), String::from("page"));
    store
        .complete(&record, &summaries)
        .expect("first completion");
    let second = store.complete(&record, &summaries);
    assert!(
        matches!(second, Err(StoreError::DraftClosed(id)) if id == d),
        "{second:?}"
    );
    assert_eq!(store.records().expect("records").len(), 1);
}
