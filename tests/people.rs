//! Input people really type, end to end: thousands separators and decimal commas, numbers too
//! large to keep, rough dates ("6 weeks ago", "June 2025" in June), answers made only of
//! invisible characters, pasted lines from terminals that send CR, LF or CRLF; and the page's
//! Visit line. PTY tests drive the real binary; CLI tests feed answers files.
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
use serde_json::Value;
use triage::store::{DraftStatus, SqliteStore, Store};

const FORM: &str = r#"
[questionnaire]
id = "people"
version = "1"
title = "Typing test"

[[section]]
id = "s"
title = "S"

[[section.question]]
id = "name"
type = "text"
text = "Your name?"

[[section.question]]
id = "meds"
type = "text"
text = "Your medicines?"
max_length = 200

[[section.question]]
id = "volume"
type = "number"
text = "How many millilitres?"
unit = "ml"

[[section.question]]
id = "last"
type = "date"
text = "When was your last treatment?"
allow_month = true
max = "today"

[[flag]]
id = "N1"
severity = "note"
when = "days_since < 14"
text = "Treated {days_since:ago}."

[[derived]]
id = "days_since"
expr = "days_between(last, visit_date)"
"#;

fn bin() -> PathBuf {
    assert_cmd::cargo::cargo_bin("triage")
}

fn form(dir: &Path) -> PathBuf {
    let p = dir.join("people.toml");
    std::fs::write(&p, FORM).expect("write");
    p
}

fn draft_answers(data: &Path) -> std::collections::BTreeMap<String, Value> {
    let store = SqliteStore::open(data).expect("store");
    let d = store.drafts(DraftStatus::Open, None).expect("drafts")[0].id;
    store
        .draft_answers(d)
        .expect("answers")
        .into_iter()
        .collect()
}

/// In a real terminal: a name of invisible characters only is refused as empty; medicines
/// pasted with CR (as some terminals send), LF and CRLF line ends each become one space;
/// "1,500" ml is 1500; "1.500" is refused with a message showing both readings; "6 weeks ago"
/// is kept as the month it means with the words typed.
#[test]
fn typed_and_pasted_input() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("data");
    let q = form(dir.path());
    for (line_end, name) in [("\r", "Ann"), ("\n", "Bo"), ("\r\n", "Cy")] {
        let _ = std::fs::remove_dir_all(&data);
        let mut p = Pty::spawn(
            &bin(),
            &[
                "--data-dir",
                data.to_str().expect("utf-8"),
                "--visit-date",
                "2025-06-02",
                "run",
                q.to_str().expect("utf-8"),
            ],
            80,
            24,
        );
        p.wait_for("Start");
        p.send(ENTER);
        p.wait_for("Your name?");
        // Zero-width joiner, Hangul filler, braille blank, a lone combining accent.
        p.send(&format!("\u{200d}\u{3164}\u{2800}\u{301}{ENTER}"));
        p.wait_for("Please answer this question");
        p.send(CTRL_U);
        p.send(&format!("{name}{ENTER}"));
        p.wait_for("Your medicines?");
        // Bracketed paste, as the terminal sends it.
        p.send(&format!(
            "\x1b[200~Aspirin 75mg{line_end}Metformin 500mg\x1b[201~{ENTER}"
        ));
        p.wait_for("How many millilitres?");
        p.send(&format!("1.500{ENTER}"));
        p.wait_for("Did you mean 1500 or 1.5?");
        p.send(CTRL_U);
        p.send(&format!("1,500{ENTER}"));
        p.wait_for("When was your last treatment?");
        p.send(&format!("6 weeks ago{ENTER}"));
        p.wait_for("Check your answers");
        let s = p.wait_for("6 weeks ago (April 2025)");
        assert!(s.contains("Aspirin 75mg Metformin 500mg"), "{s}");
        p.send(CTRL_C);
        p.wait_exit();
        let a = draft_answers(&data);
        assert_eq!(a["name"], name);
        assert_eq!(
            a["meds"], "Aspirin 75mg Metformin 500mg",
            "line end {line_end:?}"
        );
        assert_eq!(a["volume"], 1500);
        assert_eq!(
            a["last"],
            serde_json::json!({ "date": "2025-04", "said": "6 weeks ago" })
        );
    }
}

fn summary(dir: &Path, answers: &str, format: &str) -> (i32, String, String) {
    let f = dir.join("answers.json");
    std::fs::write(&f, answers).expect("write");
    let out = std::process::Command::new(bin())
        .args(["summary", "--format", format, "--questionnaire"])
        .arg(form(dir))
        .arg("--answers")
        .arg(&f)
        .output()
        .expect("runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// From answers files: a number too large to keep exactly is refused (never written as 1e+20
/// or clamped); a blank text answer is refused; a month-only date in the visit's own month is
/// 0 days ago (never negative) and the page says it is about weeks, month only; the Visit line
/// is the visit date, with the completion time when it is another day.
#[test]
fn answers_files_are_kept_exact_and_honest() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (code, out, err) = summary(
        dir.path(),
        r#"{ "visit_date": "2025-06-02", "answers": { "name": "A", "meds": "none", "volume": 99999999999999999999, "last": "2025-05-01" } }"#,
        "json",
    );
    assert_ne!(code, 0, "{out}");
    assert!(err.contains("too large to keep exactly"), "{err}");
    assert!(!out.contains("1e+20") && !out.contains("1e20"), "{out}");

    let (code, _, err) = summary(
        dir.path(),
        "{ \"visit_date\": \"2025-06-02\", \"answers\": { \"name\": \"\u{200b}\u{3164}\", \"meds\": \"none\", \"volume\": 5, \"last\": \"2025-05-01\" } }",
        "text",
    );
    assert_ne!(code, 0);
    assert!(err.contains("Please type an answer"), "{err}");

    let (code, page, err) = summary(
        dir.path(),
        r#"{ "visit_date": "2025-06-02", "completed_at": "2025-06-09T10:00:00Z", "answers": { "name": "A", "meds": "none", "volume": 5, "last": "2025-06" } }"#,
        "text",
    );
    assert_eq!(code, 0, "{err}");
    assert!(
        page.contains(" N1   Treated this month (month only: June 2025)."),
        "{page}"
    );
    assert!(!page.contains("-2"), "never a negative interval: {page}");
    assert!(
        page.contains("Visit: 2025-06-02 (completed 2025-06-09"),
        "{page}"
    );
    let (_, js, _) = summary(
        dir.path(),
        r#"{ "visit_date": "2025-06-02", "answers": { "name": "A", "meds": "none", "volume": 5, "last": "2025-06" } }"#,
        "json",
    );
    let v: Value = serde_json::from_str(&js).expect("json");
    assert_eq!(v["derived"]["days_since"], 0);
}

/// A FHIR open-choice bound to a value set on a terminology server is refused by name (its JSON
/// path) by `check` and by every command that loads it, never a panic or a phantom question.
#[test]
fn remote_value_set_is_refused_by_name_not_a_panic() {
    let dir = tempfile::tempdir().expect("tempdir");
    let f = dir.path().join("oc.json");
    std::fs::write(
        &f,
        r#"{"resourceType":"Questionnaire","id":"oc","status":"active","item":[
 {"linkId":"a","type":"open-choice","text":"Pick","answerValueSet":"http://example.org/ValueSet/remote"},
 {"linkId":"b","type":"string","text":"Other"}]}"#,
    )
    .expect("write");
    for args in [vec!["check"], vec!["convert", "--to", "fhir"]] {
        let out = std::process::Command::new(bin())
            .args(&args)
            .arg(&f)
            .output()
            .expect("runs");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            matches!(out.status.code(), Some(1 | 2)),
            "{args:?}: {:?} {err}",
            out.status
        );
        assert!(err.contains("item[0].answerValueSet"), "{args:?}: {err}");
        assert!(!err.contains("panicked"), "{err}");
    }
}
