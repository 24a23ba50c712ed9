//! `triage summary` and `triage test` through the real binary: the doctor's page (snapshot),
//! the JSON contract, clear errors for bad answers files, and readable scenario failures.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "a test stops at the first thing that is wrong, saying what"
)]

use assert_cmd::Command;

fn triage() -> Command {
    let mut c = Command::cargo_bin("triage").expect("binary builds");
    c.env("NO_COLOR", "1");
    c
}

fn run(args: &[&str]) -> (i32, String, String) {
    let out = triage().args(args).output().expect("runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

const EXAMPLE: &[&str] = &[
    "summary",
    "--questionnaire",
    "questionnaires/example.toml",
    "--answers",
    "tests/fixtures/answers/example-ann.json",
];

/// The doctor's page for the example patient: cautions first, then the declared block and notes.
#[test]
fn text_summary_page() {
    let (code, out, err) = run(EXAMPLE);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.lines()
            .all(|l| unicode_width::UnicodeWidthStr::width(l) <= 80)
    );
    insta::assert_snapshot!(out);
}

/// The JSON carries the contract fields; hidden answers are left out and listed as not asked.
#[test]
fn json_summary_contract() {
    let mut args = EXAMPLE.to_vec();
    args.extend(["--format", "json"]);
    let (code, out, err) = run(&args);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).expect("valid JSON");
    assert_eq!(v["outcome"], "caution");
    assert_eq!(v["questionnaire"]["id"], "example-flu");
    assert_eq!(v["questionnaire"]["version"], "1.0.0");
    assert!(
        v["questionnaire"]["content_hash"]
            .as_str()
            .is_some_and(|h| h.starts_with("sha256:") && h.len() == 71)
    );
    let flags: Vec<&str> = v["flags"]
        .as_array()
        .expect("flags")
        .iter()
        .map(|f| f["id"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(flags, ["X03", "X04", "X05"], "cautions before notes");
    assert_eq!(v["flags"][0]["triggered_by"][0]["id"], "egg_allergy");
    assert_eq!(v["flags"][0]["triggered_by"][0]["answer"], "unsure");
    assert_eq!(v["derived"]["age"], 75);
    assert_eq!(
        v["answers"]["conditions"],
        serde_json::json!(["asthma", "heart"])
    );
    assert!(
        v["answers"].get("temperature").is_none(),
        "a hidden answer is not exported"
    );
    assert!(
        v["not_asked"]
            .as_array()
            .expect("not_asked")
            .iter()
            .any(|x| x == "temperature")
    );
    assert_eq!(v["missing"], serde_json::json!([]));
    assert!(
        err.contains("the answer to `temperature` is ignored"),
        "a hidden answer is a warning: {err}"
    );
}

/// `--visit-date` wins over the file's own date.
#[test]
fn visit_date_flag_overrides_file() {
    let mut args = EXAMPLE.to_vec();
    args.extend(["--format", "json", "--visit-date", "2026-01-21"]);
    let (_, out, _) = run(&args);
    let v: serde_json::Value = serde_json::from_str(&out).expect("valid JSON");
    assert_eq!(v["visit_date"], "2026-01-21");
    assert_eq!(v["derived"]["age"], 76);
}

/// Unknown ids and wrong types are errors naming the id, with nothing on stdout.
#[test]
fn bad_answers_are_errors_with_ids() {
    let (code, out, err) = run(&[
        "summary",
        "--questionnaire",
        "questionnaires/example.toml",
        "--answers",
        "tests/fixtures/answers/example-errors.json",
    ]);
    assert_eq!(code, 1);
    assert!(out.is_empty(), "no summary from bad answers: {out}");
    assert!(
        err.contains("unknown question id `agre`") && err.contains("did you mean `agree`?"),
        "{err}"
    );
    assert!(
        err.contains("`dob` takes a date as \"YYYY-MM-DD\""),
        "{err}"
    );
    assert!(
        err.contains("`conditions` is multi-choice and takes a list"),
        "{err}"
    );
    assert!(err.contains("`fever` has no option \"hot\""), "{err}");
    assert!(
        err.contains("example-errors.json:2:16"),
        "errors point into the file: {err}"
    );
}

/// Answers for another questionnaire are refused.
#[test]
fn answers_for_another_questionnaire() {
    let (code, _, err) = run(&[
        "summary",
        "--questionnaire",
        "tests/fixtures/check/warning_unused_derived.toml",
        "--answers",
        "tests/fixtures/answers/example-ann.json",
    ]);
    assert_eq!(code, 1);
    assert!(
        err.contains("these answers are for `example-flu`, but the questionnaire is `fixture`"),
        "{err}"
    );
}

/// A failing scenario prints what differs: missing and unexpected flags, the outcome, and
/// incomplete answers; the exit code is 1.
#[test]
fn failing_scenarios_show_the_difference() {
    let (code, out, _) = run(&[
        "test",
        "questionnaires/example.toml",
        "tests/fixtures/scenarios/example-failing.scenarios.toml",
    ]);
    assert_eq!(code, 1);
    assert!(out.contains("FAIL  W01"), "{out}");
    assert!(out.contains("missing flags:    X02"), "{out}");
    assert!(
        out.contains("unexpected flags: X03 (Severe egg allergy reported or unsure"),
        "{out}"
    );
    assert!(
        out.contains("outcome:          expected stop, got caution"),
        "{out}"
    );
    assert!(
        out.contains("FAIL  W02") && out.contains("incomplete answers: fever (missing)"),
        "{out}"
    );
    assert!(out.contains("ok    W03"), "{out}");
    assert!(out.contains("1 passed, 2 failed"), "{out}");
}

/// Every scenario file shipped in questionnaires/ (and questionnaires/history/, the earlier
/// versions kept for old records) passes against its questionnaire.
#[test]
fn shipped_scenarios_pass() {
    let mut ran = 0;
    let entries = ["questionnaires", "questionnaires/history"]
        .into_iter()
        .flat_map(|dir| std::fs::read_dir(dir).expect("questionnaires folder"));
    for entry in entries {
        let path = entry.expect("entry").path();
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or("")
            .to_owned();
        let Some(stem) = name.strip_suffix(".scenarios.toml") else {
            continue;
        };
        let q = path.with_file_name(format!("{stem}.toml"));
        let q = q.to_str().expect("utf-8 path");
        let (code, out, err) = run(&["test", q, path.to_str().expect("utf-8 path")]);
        assert_eq!(code, 0, "{name}:\n{out}\n{err}");
        assert!(out.contains(" 0 failed"), "{out}");
        ran += 1;
    }
    assert!(ran >= 3, "the shipped and the kept scenario files");
}
