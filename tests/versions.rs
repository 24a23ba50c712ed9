//! Earlier versions of the shipped questionnaire stay usable after 1.1: an unfinished form
//! started with 1.0.1 resumes with 1.0.1's questions and rules, its record and page say which
//! version judged it, and a record made with it is answered in FHIR against it.

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
use common::walk::{answer_with, baseline, send_and_finish};
use triage::engine::Session;
use triage::questionnaire::{DEFAULT_SOURCE, Questionnaire, load_toml};
use triage::store::{QuestionnaireRef, SqliteStore, Store};
use triage::summary::{Context, render_text, to_json};
use triage::tui::{Mode, Model, Msg, update};

const V101: &str = include_str!("../questionnaires/history/botulinum-toxin-1.0.1.toml");

fn v101() -> Questionnaire {
    load_toml(V101).questionnaire.expect("1.0.1 loads")
}

fn current() -> Questionnaire {
    load_toml(DEFAULT_SOURCE).questionnaire.expect("valid")
}

fn bin() -> PathBuf {
    assert_cmd::cargo::cargo_bin("triage")
}

/// The baseline patient's answers to the questions `q` has.
fn baseline_for(q: &Questionnaire) -> BTreeMap<String, serde_json::Value> {
    baseline()
        .into_iter()
        .filter(|(id, _)| q.item_index(id).is_some())
        .collect()
}

/// An unfinished form made with 1.0.1 (name and date of birth given) in a fresh data folder.
fn old_draft(data: &Path) {
    let q = v101();
    let mut store = SqliteStore::open(data).expect("store");
    let now = jiff::Timestamp::now();
    let draft = store
        .start_draft(&QuestionnaireRef::of(&q), "2025-06-02", now)
        .expect("draft");
    for (id, v) in [
        ("a_respondent", "self"),
        ("a_agree_start", "yes"),
        ("a_full_name", "Old Form"),
        ("a_dob", "1991-03-15"),
    ] {
        store
            .save_answer(draft, id, Some(&serde_json::json!(v)), now)
            .expect("save");
    }
}

/// A form started with 1.0.1 and continued after the upgrade is finished with 1.0.1's own
/// questions (after the phone number comes 1.0.1's pregnancy question, not 1.1's emergency
/// contact); the record remembers 1.0.1, and its page says 1.0.1 judged it.
#[test]
fn form_started_with_1_0_1_resumes_and_is_judged_with_it() {
    let q = v101();
    let dir = tempfile::tempdir().expect("tempdir");
    let (data, out) = (dir.path().join("data"), dir.path().join("summary.txt"));
    old_draft(&data);
    let cmd = format!(
        "exec '{}' --data-dir '{}' --visit-date 2025-06-02 run > '{}'",
        bin().display(),
        data.display(),
        out.display()
    );
    let mut p = Pty::spawn(Path::new("/bin/sh"), &["-c", &cmd], 80, 24);
    let offer = p.wait_for("An unfinished form was found");
    assert!(
        !offer.contains("has changed"),
        "its own version is here, so nothing changed for it:\n{offer}"
    );
    p.send("1");
    p.wait_for("Date of birth on that form");
    p.send(&format!("15/03/1991{ENTER}"));
    p.wait_for("What phone number");
    let answers = baseline_for(&q);
    let dob = q.item_index("a_dob").expect("a_dob");
    answer_with(&mut p, &q, Some(dob), &answers, &mut |_, _| {
        panic!("the baseline makes no disclosure")
    });
    assert_eq!(send_and_finish(&mut p), 0);
    let page = std::fs::read_to_string(&out).expect("summary");
    let words = page.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(words.contains("Rules: botulinum-toxin 1.0.1"), "{page}");
    assert!(
        words.contains("Judged by the rules of botulinum-toxin 1.0.1"),
        "{page}"
    );
    assert!(page.contains("NO FLAGS"), "{page}");
    let store = SqliteStore::open(&data).expect("store");
    let r = store.record(1).expect("record");
    assert_eq!(r.questionnaire.version, "1.0.1");
    assert_eq!(r.questionnaire.content_hash, q.content_hash);
    let stored: BTreeMap<String, serde_json::Value> =
        serde_json::from_str(&r.answers_json).expect("json");
    assert!(
        !stored.contains_key("a_sex"),
        "1.1's questions were not asked"
    );
    assert_eq!(stored["a_full_name"], serde_json::json!("Old Form"));
}

/// A draft's answers coming back with the version it was made with switch the session to
/// that version; the next form (kiosk, or after a wipe) starts with the current one again.
#[test]
fn restored_draft_uses_its_version_and_the_next_form_the_current_one() {
    let now = current();
    let old = vec![v101()];
    let t0: jiff::Timestamp = "2025-06-02T09:00:00Z".parse().expect("ts");
    let session = Session::new(&now, common::visit());
    let mut m = Model::new(session, Mode::Run, t0);
    m.earlier = &old;
    update(
        &mut m,
        Msg::Restored {
            draft: 7,
            made_with: QuestionnaireRef::of(&old[0]),
            answers: vec![("a_full_name".into(), serde_json::json!("Old Form"))],
            latches: Vec::new(),
        },
    );
    assert_eq!(m.session.questionnaire().meta.version, "1.0.1");
    assert_eq!(m.draft, Some(7));
    m.start_over();
    assert_eq!(m.session.questionnaire().meta.version, "1.1.1");
    // A draft of a version not kept here resumes with the current one.
    let unknown = QuestionnaireRef {
        id: "botulinum-toxin".into(),
        version: "0.9".into(),
        content_hash: "sha256:0000".into(),
    };
    update(
        &mut m,
        Msg::Restored {
            draft: 8,
            made_with: unknown,
            answers: Vec::new(),
            latches: Vec::new(),
        },
    );
    assert_eq!(m.session.questionnaire().meta.version, "1.1.1");
}

/// The page and the JSON of a session judged by 1.0.1 say so; a 1.1 session's do not.
#[test]
fn page_names_the_version_that_judged_it() {
    let old = v101();
    let mut s = Session::new(&old, common::visit());
    let answers = baseline_for(&old);
    for (id, v) in &answers {
        let i = old.item_index(id).expect("item");
        let a = triage::answers::to_answer(&old, i, &triage::answers::RawValue::from_json(v))
            .expect("answer");
        s.set(i, a).expect("valid");
    }
    let page = render_text(&s, &Context::default());
    assert!(
        page.contains(
            "Judged by the rules of botulinum-toxin 1.0.1, the version this form was started"
        ),
        "{page}"
    );
    let json = to_json(&s, &Context::default());
    assert_eq!(json["questionnaire"]["version"], "1.0.1");
    assert_eq!(json["questionnaire"]["superseded_by"], "1.1.1");
    let now = current();
    let s = Session::new(&now, common::visit());
    assert!(!render_text(&s, &Context::default()).contains("Judged by"));
    assert!(to_json(&s, &Context::default())["questionnaire"]["superseded_by"].is_null());
}

/// A record made with 1.0.1 (a paper form typed in against that file) keeps its page, its
/// FHIR QuestionnaireResponse is rebuilt against 1.0.1 without naming a file, and its export
/// read back as an answers file is judged with 1.0.1 again (under 1.1 it would be incomplete).
#[test]
fn old_record_prints_and_exports_with_its_version() {
    let q = v101();
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("data");
    let answers = dir.path().join("answers.json");
    std::fs::write(
        &answers,
        serde_json::json!({
            "questionnaire": "botulinum-toxin",
            "visit_date": "2025-06-02",
            "answers": baseline_for(&q),
        })
        .to_string(),
    )
    .expect("write");
    let run = |args: &[&str]| {
        let out = std::process::Command::new(bin())
            .arg("--data-dir")
            .arg(&data)
            .args(args)
            .env("NO_COLOR", "1")
            .output()
            .expect("runs");
        assert!(out.status.success(), "{args:?}: {out:?}");
        (
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let history = "questionnaires/history/botulinum-toxin-1.0.1.toml";
    let answers = answers.to_str().expect("utf-8");
    run(&["submit", "--answers", answers, "--questionnaire", history]);
    let (page, _) = run(&["records", "show", "1"]);
    let words = page.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(words.contains("Rules: botulinum-toxin 1.0.1"), "{page}");
    let (fhir, err) = run(&["records", "show", "1", "--format", "fhir"]);
    let v: serde_json::Value = serde_json::from_str(&fhir).expect("json");
    assert_eq!(
        v["questionnaire"],
        "urn:triage:questionnaire:botulinum-toxin|1.0.1"
    );
    assert!(!err.contains("another version"), "{err}");
    // Exported, the record is an answers file that is judged again with 1.0.1.
    let out = dir.path().join("export");
    run(&["records", "export", "--out", out.to_str().expect("utf-8")]);
    let exported = out.join("record-1.json");
    let (again, _) = run(&["summary", "--answers", exported.to_str().expect("utf-8")]);
    let words = again.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(words.contains("Rules: botulinum-toxin 1.0.1"), "{again}");
    assert!(
        words.contains("NO FLAGS"),
        "complete under 1.0.1's rules: {again}"
    );
}
