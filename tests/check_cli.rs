//! `triage check` through the real binary: one fixture file per diagnostic, each asserted on
//! message, location (file:line:col) and exit code.

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

/// (fixture, expected exit code, message fragment, line:col of the finding)
const CASES: &[(&str, i32, &str, &str)] = &[
    (
        "toml_syntax",
        1,
        "TOML syntax: unclosed array table",
        "15:19",
    ),
    ("unknown_key", 1, "unknown key `show_iff`", "19:1"),
    ("missing_key", 1, "missing key `text`", "15:1"),
    ("unknown_type", 1, "unknown value `yesno`", "12:8"),
    ("duplicate_id", 1, "duplicate id `q1`", "16:6"),
    (
        "duplicate_option",
        1,
        "duplicate option value \"a\" in `q1`",
        "16:13",
    ),
    ("unknown_name", 1, "unknown name `q_1`", "19:12"),
    (
        "unknown_option",
        1,
        "`areas` has no option \"calfs\"",
        "24:22",
    ),
    (
        "type_mismatch",
        1,
        "cannot compare a date with a number",
        "19:12",
    ),
    (
        "has_on_single",
        1,
        "`has` needs a multi-choice question, but `q1` is single choice",
        "19:12",
    ),
    (
        "choice_as_condition",
        1,
        "`q1` is a choice, not true/false",
        "19:12",
    ),
    (
        "condition_syntax",
        1,
        "in condition: unexpected character",
        "19:17",
    ),
    (
        "derived_cycle",
        1,
        "derived values depend on each other in a circle: a → b → a",
        "17:8",
    ),
    (
        "show_if_cycle",
        1,
        "cycle: `q2` is shown only when `seen`, but `seen` depends on the answer to `q2` itself",
        "19:11",
    ),
    (
        "later_reference",
        1,
        "`q1` is shown only when `q2`, a question asked later",
        "14:11",
    ),
    (
        "min_greater_than_max",
        1,
        "`max` (5) is smaller than `min` (10)",
        "15:7",
    ),
    (
        "empty_section",
        1,
        "section `empty` has no questions",
        "16:6",
    ),
    (
        "bad_placeholder",
        1,
        "placeholder `{q_one}` names nothing",
        "19:18",
    ),
    (
        "options_on_yes_no",
        1,
        "`options` does not apply to a yes_no question",
        "14:11",
    ),
    (
        "key_not_for_type",
        1,
        "`min` does not apply to a text question",
        "14:7",
    ),
    (
        "pause_without_message",
        1,
        "a `pause` flag needs a `message`",
        "20:10",
    ),
    (
        "bad_pattern",
        1,
        "`pattern` is not a valid regular expression",
        "14:11",
    ),
    ("bad_date_bound", 1, "`max` is not a date limit", "14:7"),
    (
        "comparing_text",
        1,
        "free-text answers cannot be compared",
        "18:9",
    ),
    (
        "unknown_function",
        1,
        "unknown function `year_between`",
        "18:9",
    ),
    ("no_sections", 1, "the questionnaire has no sections", "1:1"),
    (
        "warning_unused_derived",
        0,
        "warning: derived value `age` is never used",
        "16:6",
    ),
    (
        "fragment_unknown_option",
        1,
        "`q1` has no option \"maybe\"",
        "19:27",
    ),
    ("fragment_unknown_name", 1, "unknown name `q_2`", "19:22"),
    (
        "fragment_without_colon",
        1,
        "conditional fragment has no `:` after its condition",
        "19:19",
    ),
    (
        "fragment_never_closed",
        1,
        "conditional fragment is never closed",
        "19:19",
    ),
    (
        "empty_review_label",
        1,
        "the review label is empty",
        "14:16",
    ),
    (
        "in_full_not_text",
        1,
        "`in_full` does not apply to a yes_no question",
        "14:11",
    ),
    (
        "staff_only_not_last",
        1,
        "an option for everyone comes after a `staff_only` option",
        "17:13",
    ),
    (
        "unknown_wording",
        1,
        "`{wording.practicioner}` names no wording",
        "16:9",
    ),
    (
        "warning_unused_wording",
        0,
        "warning: wording `practitioner` is never used",
        "6:1",
    ),
];

/// Each broken file gives its one message at its place, with the right exit code.
#[test]
fn each_fixture_reports_its_diagnostic() {
    let mut failures = Vec::new();
    for (name, code, message, at) in CASES {
        let path = format!("tests/fixtures/check/{name}.toml");
        let out = triage().args(["check", &path]).output().expect("runs");
        let stderr = String::from_utf8_lossy(&out.stderr);
        let location = format!("{path}:{at}");
        if out.status.code() != Some(*code)
            || !stderr.contains(message)
            || !stderr.contains(&location)
        {
            failures.push(format!(
                "{name}: exit {:?} (want {code}), want `{message}` at {location}\n{stderr}",
                out.status.code()
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n---\n"));
}

/// Every fixture in the folder is covered by the table above, so none is silently untested.
#[test]
fn every_fixture_is_in_the_table() {
    let mut on_disk: Vec<String> = std::fs::read_dir("tests/fixtures/check")
        .expect("fixtures folder")
        .filter_map(|e| e.ok()?.path().file_stem()?.to_str().map(String::from))
        .collect();
    on_disk.sort();
    let mut listed: Vec<String> = CASES.iter().map(|c| c.0.to_owned()).collect();
    listed.sort();
    assert_eq!(on_disk, listed);
}

/// A finding shows the source line with a caret under the span, and how to fix it.
#[test]
fn finding_shows_caret_and_help() {
    let out = triage()
        .args(["check", "tests/fixtures/check/unknown_option.toml"])
        .output()
        .expect("runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("show_if = 'areas has \"calfs\"'"),
        "{stderr}"
    );
    assert!(
        stderr.contains("^^^^^^^ not an option of this question"),
        "{stderr}"
    );
    assert!(
        stderr.contains("help: did you mean \"calves\"?"),
        "{stderr}"
    );
}

/// Several files: every one is reported, and the worst status wins.
#[test]
fn several_files_and_unreadable_file() {
    let out = triage()
        .args([
            "check",
            "questionnaires/example.toml",
            "tests/fixtures/check/duplicate_id.toml",
        ])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("questionnaires/example.toml: ok"),
        "{stdout}"
    );
    assert!(stdout.contains("duplicate_id.toml: 1 errors"), "{stdout}");

    let out = triage()
        .args(["check", "questionnaires/example.toml", "no/such/file.toml"])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot read no/such/file.toml"));
}

/// No arguments is a usage error (exit 2), not a crash.
#[test]
fn check_without_files_is_usage_error() {
    let out = triage().arg("check").output().expect("runs");
    assert_eq!(out.status.code(), Some(2));
}

/// Escape sequences inside a questionnaire never reach the terminal through `check`.
#[test]
fn check_output_has_no_terminal_escapes() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("evil.toml");
    std::fs::write(
        &path,
        "[questionnaire]\nid = \"x\"\nversion = \"1\"\ntitle = \"\u{1b}]0;owned\u{7}\u{1b}[2J\"\n",
    )
    .expect("write");
    let out = triage().arg("check").arg(&path).output().expect("runs");
    assert_eq!(out.status.code(), Some(1));
    for stream in [&out.stdout, &out.stderr] {
        assert!(
            !stream.contains(&0x1b) && !stream.contains(&0x07),
            "{}",
            String::from_utf8_lossy(stream)
        );
    }
}

/// Clinic config files are checked too, with the same file:line:col messages.
#[test]
fn config_files_are_checked() {
    let cases: &[(&str, i32, &str, &str)] = &[
        (
            "idle_reset_too_short",
            1,
            "`idle_reset` must be longer than `idle_warning`",
            "4:14",
        ),
        ("unknown_key", 1, "unknown key `print_comand`", "3:1"),
        (
            "missing_program",
            0,
            "warning: `print_command`: the program `no-such-printer-program` was not found",
            "3:17",
        ),
        // `[wording]` is checked against the questionnaire the clinic runs (the built-in one).
        (
            "unknown_wording",
            1,
            "[wording] `practioner` is not a wording of this questionnaire (did you mean `practitioner`?)",
            "3:14",
        ),
        (
            "wording_too_long",
            1,
            "[wording] `practitioner` is 459 characters; at most 400 fit",
            "3:16",
        ),
        // The inbox's prescribers and settings.
        (
            "prescriber_bad_id",
            1,
            "a prescriber `id` is 1 to 32 lower-case letters, digits, dashes or underscores",
            "3:6",
        ),
        (
            "prescriber_twice",
            1,
            "prescriber `lee` is listed twice",
            "7:6",
        ),
        (
            "inbox_idle_lock",
            1,
            "`idle_lock` must be a number of seconds from 1 to 86400",
            "2:13",
        ),
    ];
    for (name, code, message, at) in cases {
        let path = format!("tests/fixtures/config/{name}.toml");
        let out = triage().args(["check", &path]).output().expect("runs");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(*code), "{name}: {stderr}");
        assert!(
            stderr.contains(message) && stderr.contains(&format!("{path}:{at}")),
            "{name}: {stderr}"
        );
    }
}

/// A password in the clinic settings never appears in a message about them, whatever the
/// mistake: a libpq keyword string instead of a URL, or a missing closing quote.
#[test]
fn settings_errors_never_print_a_password() {
    let dir = tempfile::tempdir().expect("tempdir");
    for (name, text) in [
        (
            "keyword.toml",
            "[clinic_store]\nsite = \"a\"\ndevice = \"b\"\nurl = \"host=localhost user=kiosk1 password=Secret-pw-123 dbname=triage\"\n",
        ),
        (
            "quote.toml",
            "[clinic_store]\nsite = \"a\"\ndevice = \"b\"\nurl = \"postgresql://kiosk1:Secret-pw-123@localhost:5432/triage\n",
        ),
    ] {
        let path = dir.path().join(name);
        std::fs::write(&path, text).expect("write");
        let out = std::process::Command::new(assert_cmd::cargo::cargo_bin("triage"))
            .arg("check")
            .arg(&path)
            .output()
            .expect("runs");
        let all = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(!out.status.success(), "{name}: {all}");
        assert!(!all.contains("Secret-pw-123"), "{name}: {all}");
        assert!(
            all.contains(&format!("{name}:")),
            "the place is still given: {all}"
        );
    }
}

/// A clinic's own wording that fits the questionnaire checks clean.
#[test]
fn clinic_wording_checks_clean() {
    let out = triage()
        .args(["check", "tests/fixtures/config/wording.toml"])
        .output()
        .expect("runs");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("ok (clinic settings, 0 warnings)"));
}

/// `triage run` refuses settings whose `[wording]` does not fit the questionnaire, before any
/// patient sees a screen, and says how to find out more.
#[test]
fn run_refuses_wording_that_does_not_fit() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = triage()
        .arg("--data-dir")
        .arg(dir.path())
        .args([
            "--config",
            "tests/fixtures/config/unknown_wording.toml",
            "run",
        ])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("[wording] does not fit") && err.contains("`practioner`"),
        "{err}"
    );
}

/// Runs `triage ARGS` with `text` saved as `name` in place of `{}`: (exit code, stdout+stderr).
fn run_on(name: &str, text: &str, args: &[&str]) -> (i32, String) {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join(name);
    std::fs::write(&path, text).expect("write");
    let p = path.to_str().expect("utf-8");
    let args: Vec<&str> = args
        .iter()
        .map(|a| if *a == "{}" { p } else { a })
        .collect();
    let out = triage()
        .env("TRIAGE_DATA_DIR", dir.path().join("data"))
        .args(&args)
        .output()
        .expect("runs");
    let all = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.code().unwrap_or(-1), all)
}

/// `check` on an answers file checks it as an answers file (never "a FHIR file"): the baseline
/// is ok against the built-in questionnaire; one nested too deeply gets the same message and
/// limit (16 levels) as `summary --answers`, and its lines are not shown (they hold answers).
#[test]
fn check_on_an_answers_file() {
    let baseline =
        std::fs::read_to_string("questionnaires/examples/baseline.json").expect("baseline");
    let (code, out) = run_on("answers.json", &baseline, &["check", "{}"]);
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("ok (answers file for botulinum-toxin"),
        "{out}"
    );
    let mut deep = String::from("\"x\"");
    for _ in 0..70 {
        deep = format!("[{deep}]");
    }
    let text =
        format!(r#"{{"questionnaire":"botulinum-toxin","answers":{{"a_full_name":{deep}}}}}"#);
    let (code, check) = run_on("answers.json", &text, &["check", "{}"]);
    assert_eq!(code, 1, "{check}");
    let (_, summary) = run_on("answers.json", &text, &["summary", "--answers", "{}"]);
    for out in [&check, &summary] {
        assert!(
            out.contains("an answers file may nest objects and lists 16 levels"),
            "{out}"
        );
        assert!(!out.contains("FHIR") && !out.contains("64"), "{out}");
    }
}

/// A lone surrogate escape is named for what it is (trailing with no leading one before it,
/// leading with no trailing one after it) and pointed at its backslash, in answers files and
/// FHIR files alike, by `check` and `summary`.
#[test]
fn lone_surrogates_are_named_and_pointed_at() {
    let answers = |s: &str| {
        format!(r#"{{"questionnaire":"botulinum-toxin","answers":{{"a_full_name":"ab{s}cd"}}}}"#)
    };
    let col = |text: &str| text.find('\\').expect("an escape") + 1;
    for (escape, kind) in [
        ("\\udc00", "a lone trailing surrogate \\uDC00"),
        ("\\ud83d", "a lone leading surrogate \\uD83D"),
        ("\\ud83d\\ud83d", "a lone leading surrogate \\uD83D"),
    ] {
        let text = answers(escape);
        for args in [&["check", "{}"][..], &["summary", "--answers", "{}"][..]] {
            let (code, out) = run_on("a.json", &text, args);
            assert_eq!(code, 1, "{out}");
            assert!(out.contains(kind), "{escape} {args:?}: {out}");
            assert!(
                out.contains(&format!("a.json:1:{}", col(&text))),
                "{escape}: {out}"
            );
            assert!(
                !out.contains("abcd") && !out.contains("\"ab"),
                "private: {out}"
            );
        }
    }
    let fhir = r#"{"resourceType":"Questionnaire","status":"active","title":"T\udc01x","item":[]}"#;
    let (code, out) = run_on("q.json", fhir, &["check", "{}"]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("a lone trailing surrogate \\uDC01"), "{out}");
    assert!(out.contains(&format!("q.json:1:{}", col(fhir))), "{out}");
}
