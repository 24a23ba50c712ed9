//! `triage check` says whenever loading cleans unsafe characters out of a questionnaire's text
//! (issue 13, item 5): every field named, with file:line:col in TOML and the JSON path in FHIR,
//! whichever field it is (welcome, short, help, flag text, option label, ...); a zero-width
//! joiner between two characters (emoji, Persian, Indic scripts) is kept, a stray one is removed
//! (and said), and never leaves a stray cell on the screen.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "a test stops at the first thing that is wrong, saying what"
)]

mod common;

use assert_cmd::Command;
use triage::questionnaire::load_toml;

fn triage() -> Command {
    let mut c = Command::cargo_bin("triage").expect("binary builds");
    c.env("NO_COLOR", "1");
    c
}

/// Runs `triage check` on `text` saved as `name`: (exit code, stdout + stderr).
fn check(name: &str, text: &str) -> (i32, String) {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join(name);
    std::fs::write(&path, text).expect("write");
    let out = triage().arg("check").arg(&path).output().expect("runs");
    let all = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.code().unwrap_or(-1), all)
}

/// A TOML questionnaire with a TOML escape for `bad` in the fields named in [`TOML_FIELDS`].
fn toml_with(bad: &str) -> String {
    format!(
        r#"[questionnaire]
id = "clean"
version = "1"
title = "Clean"
welcome = "Welcome{bad}"

[[section]]
id = "s"
title = "Section"

[[section.question]]
id = "q1"
type = "single"
text = "Pick one"
help = "Why{bad} we ask"
short = "Pick{bad}"
options = [
  {{ value = "a", label = "A{bad}" }},
  {{ value = "b", label = "B" }},
]

[[flag]]
id = "F1"
severity = "note"
when = 'q1 = "a"'
text = "Chose A{bad}"
"#
    )
}

/// (field named in the warning, line:col of its value)
const TOML_FIELDS: &[(&str, &str)] = &[
    ("questionnaire.welcome", "5:11"),
    ("section[0].question[0].help", "15:8"),
    ("section[0].question[0].short", "16:9"),
    ("section[0].question[0].options[0].label", "18:26"),
    ("flag[0].text", "26:8"),
];

/// Every unsafe kind in every kind of TOML field: each field is named with its place; the
/// file is still usable (warnings, exit 0); a clean file gets none.
#[test]
fn toml_fields_cleaned_are_named_with_their_place() {
    let (code, out) = check("clean.toml", &toml_with(""));
    assert_eq!(code, 0, "{out}");
    assert!(!out.contains("were removed"), "{out}");
    for bad in [
        "\\u001B[2J",
        "\\u0007",
        "\\u0085",
        "\\u202E",
        "\\U000E0041",
        "\\u200B",
    ] {
        let (code, out) = check("q.toml", &toml_with(bad));
        assert_eq!(code, 0, "{bad}: {out}");
        for (field, at) in TOML_FIELDS {
            assert!(
                out.contains(&format!("were removed from `{field}`")),
                "{bad}: `{field}` not named:\n{out}"
            );
            assert!(
                out.contains(&format!("q.toml:{at}")),
                "{bad}: {field} at {at}:\n{out}"
            );
        }
    }
}

/// A FHIR Questionnaire with ESC, BEL, C1, RLO and TAG characters: each text is named by its
/// JSON path (before, FHIR reported none).
#[test]
fn fhir_fields_cleaned_are_named_by_json_path() {
    for bad in ["\u{1b}[31m", "\u{7}", "\u{9b}", "\u{202e}", "\u{e0041}"] {
        let s = |t: &str| serde_json::to_string(&format!("{t}{bad}")).expect("json");
        let text = format!(
            r#"{{"resourceType":"Questionnaire","status":"active","title":{},
  "item":[
    {{"linkId":"q1","type":"choice","text":{},"answerOption":[
       {{"valueCoding":{{"system":"http://x","code":"a","display":{}}}}},
       {{"valueCoding":{{"system":"http://x","code":"b","display":"B"}}}}]}},
    {{"linkId":"q2","type":"string","text":"Plain","prefix":{}}}
  ]}}"#,
            s("Title"),
            s("Pick one"),
            s("A"),
            s("1.")
        );
        let (code, out) = check("q.json", &text);
        assert_eq!(code, 0, "{bad:?}: {out}");
        for path in [
            "title",
            "item[0].text",
            "item[0].answerOption[0].valueCoding.display",
            "item[1].prefix",
        ] {
            assert!(
                out.contains(&format!("were removed from `{path}`")),
                "{bad:?}: `{path}` not named:\n{out}"
            );
        }
        assert!(
            !out.contains('\u{1b}') && !out.contains('\u{202e}'),
            "{out:?}"
        );
    }
}

/// Zero-width joiners: kept between two characters (a woman health worker emoji, a Persian
/// word with a non-joiner), removed when stray (after a space, at the end), with a warning.
#[test]
fn zero_width_joiners_kept_where_they_join() {
    let joined = "\\U0001F469\\u200D\\u2695\\uFE0F";
    let persian = "\\u0645\\u06CC\\u200C\\u062E\\u0648\\u0627\\u0647\\u0645";
    let src = toml_with("").replace(
        "welcome = \"Welcome\"",
        &format!("welcome = \"Welcome {joined} {persian}\""),
    );
    let q = load_toml(&src);
    let q = q.questionnaire.expect("loads");
    let welcome = q.meta.welcome.clone().unwrap_or_default();
    assert!(welcome.contains("\u{1f469}\u{200d}\u{2695}"), "{welcome:?}");
    assert!(welcome.contains("\u{06cc}\u{200c}\u{062e}"), "{welcome:?}");
    let (_, out) = check("q.toml", &src);
    assert!(
        !out.contains("were removed"),
        "joining ones are kept:\n{out}"
    );
    let stray = toml_with("").replace(
        "welcome = \"Welcome\"",
        "welcome = \"Welcome \\u200Dto the clinic\\u200D\"",
    );
    let loaded = load_toml(&stray).questionnaire.expect("loads");
    assert_eq!(
        loaded.meta.welcome.as_deref(),
        Some("Welcome to the clinic")
    );
    let (_, out) = check("q.toml", &stray);
    assert!(
        out.contains("were removed from `questionnaire.welcome`"),
        "{out}"
    );
}

/// The user test's welcome text with stray joiners: the welcome screen draws no cell holding
/// a lone joiner (the glyph left beside the box corner), and the joined emoji stays whole.
#[test]
fn the_screen_draws_no_stray_joiner() {
    let src = toml_with("").replace(
        "welcome = \"Welcome\"",
        "welcome = \"\\u200DWelcome \\U0001F469\\u200D\\u2695\\uFE0F to the clinic.\\u200D\"",
    );
    let q = load_toml(&src).questionnaire.expect("loads");
    let session = triage::engine::Session::new(&q, common::visit());
    let t0: jiff::Timestamp = "2025-06-02T09:00:00Z".parse().expect("ts");
    let m = triage::tui::Model::new(session, triage::tui::Mode::Run, t0);
    let mut terminal =
        ratatui::Terminal::new(ratatui::backend::TestBackend::new(80, 24)).expect("terminal");
    terminal
        .draw(|f| {
            triage::tui::view(&m, f);
        })
        .expect("draw");
    let buf = terminal.backend().buffer();
    let mut text = String::new();
    for cell in buf.content() {
        assert!(
            !cell.symbol().starts_with('\u{200d}'),
            "a cell starting with a joiner: {:?}",
            cell.symbol()
        );
        text.push_str(cell.symbol());
    }
    assert!(text.contains("Welcome"), "{text}");
}
