//! The shipped botulinum toxin questionnaire: it checks clean, it is the built-in default from
//! any directory, its doctor's page follows the clinical spec §6 and fits one A4 page, and no
//! outcome ever says a patient is suitable for treatment.

use assert_cmd::Command;
use triage::questionnaire::{DEFAULT_SOURCE, load_toml};
use triage::summary::{Context, render_text};
use unicode_width::UnicodeWidthStr;

const FILE: &str = "questionnaires/botulinum-toxin.toml";
const SCENARIOS: &str = "questionnaires/botulinum-toxin.scenarios.toml";

fn triage() -> Command {
    let mut c = Command::cargo_bin("triage").expect("binary builds");
    c.env("NO_COLOR", "1");
    c
}

/// `triage check` finds no errors and no warnings in the shipped file.
#[test]
fn shipped_questionnaire_checks_clean() {
    let out = triage().args(["check", FILE]).output().expect("runs");
    assert_eq!(out.status.code(), Some(0));
    assert!(
        String::from_utf8_lossy(&out.stdout)
            .contains("ok (botulinum-toxin 1.0.1, 97 questions, 71 flags, 0 warnings)")
    );
    assert!(
        out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The embedded default is the file on disk, byte for byte.
#[test]
fn embedded_default_is_the_shipped_file() {
    assert_eq!(std::fs::read_to_string(FILE).expect("file"), DEFAULT_SOURCE);
}

/// Every id the clinical spec defines exists, with its type (the contract with acceptance checks).
#[test]
fn contract_ids_exist() {
    let q = load_toml(DEFAULT_SOURCE).questionnaire.expect("valid");
    for id in [
        "a_respondent",
        "a_agree_start",
        "a_dob",
        "b_areas",
        "b_calf_tiptoe",
        "c_walking_aid",
        "d_groups",
        "e_last_date",
        "f_sport_level",
        "g_self_harm",
        "h_calf_amount",
        "i_gp_name",
    ] {
        assert!(q.item_index(id).is_some(), "question {id}");
    }
    for id in [
        "age_years",
        "calves",
        "face",
        "jaw",
        "high_dose_count",
        "days_since_toxin",
        "days_to_event",
        "bdd_screen_positive",
        "nmj_declared",
    ] {
        assert!(q.derived_index(id).is_some(), "derived {id}");
    }
    let ids: Vec<String> = (1..=14)
        .map(|i| format!("S{i:02}"))
        .chain((1..=30).map(|i| format!("C{i:02}")))
        .chain((1..=27).map(|i| format!("N{i:02}")))
        .collect();
    for id in &ids {
        let f = q.flag(id).unwrap_or_else(|| panic!("flag {id}"));
        let want = match &id[..1] {
            "S" => "stop",
            "C" => "caution",
            _ => "note",
        };
        assert_eq!(f.severity.as_str(), want, "{id}");
    }
    assert_eq!(q.flags.len(), ids.len());
}

/// Runs with no questionnaire named use the built-in one, from any working directory.
#[test]
fn default_questionnaire_from_any_directory() {
    let answers = std::fs::canonicalize("questionnaires/examples/baseline.json").expect("example");
    let dir = tempfile::tempdir().expect("tempdir");
    let out = triage()
        .current_dir(dir.path())
        .arg("summary")
        .arg("--answers")
        .arg(&answers)
        .output()
        .expect("runs");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let page = String::from_utf8_lossy(&out.stdout);
    assert!(page.contains("Rules: botulinum-toxin 1.0.1"), "{page}");
}

/// The baseline patient's page: §6 order, no flags, the best outcome wording, within 80 columns.
#[test]
fn baseline_page() {
    let out = triage()
        .args([
            "summary",
            "--answers",
            "questionnaires/examples/baseline.json",
            "--visit-date",
            "2025-06-02",
        ])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(0));
    let page = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(page.lines().all(|l| l.width() <= 80));
    insta::assert_snapshot!(page);
}

fn position(page: &str, needle: &str) -> usize {
    page.find(needle)
        .unwrap_or_else(|| panic!("`{needle}` not on the page:\n{page}"))
}

/// A patient with many flags: STOP before CAUTION before the blocks before NOTES before the
/// sign-off; the triggering answers are in words; free text is cut and marked; everything
/// before the sign-off box fits one A4 page (66 lines).
#[test]
fn many_flags_page_fits_one_a4_sheet() {
    let out = triage()
        .args([
            "summary",
            "--answers",
            "questionnaires/examples/several-flags.json",
        ])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(0));
    let page = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(page.lines().all(|l| l.width() <= 80), "{page}");
    let before_signoff = page
        .lines()
        .take_while(|l| !l.contains("PRESCRIBER SIGN-OFF"))
        .count();
    assert!(
        before_signoff <= 66,
        "{before_signoff} lines before the sign-off box:\n{page}"
    );
    let order = [
        "DO NOT TREAT TODAY",
        "STOP 2 - CAUTION 2 - NOTE 7",
        "-- STOP",
        " S10 ",
        " S13 ",
        "-- CAUTION",
        " C08 ",
        "-- REQUEST",
        "-- SAFETY SNAPSHOT",
        "-- CALVES",
        "-- FACE",
        "-- WELLBEING",
        "-- EXPECTATIONS",
        "-- NOTES",
        " N01 ",
        "-- PRESCRIBER SIGN-OFF",
        "STOP override reason",
    ];
    let mut last = 0;
    for needle in order {
        let p = position(&page, needle);
        assert!(p >= last, "`{needle}` is out of order:\n{page}");
        last = p;
    }
    assert!(
        page.contains("Uses a walking aid: Yes"),
        "triggering answers in words"
    );
    assert!(
        page.contains("(see full record)"),
        "long free text is cut and marked"
    );
    assert!(
        page.contains("Toxin about 5 weeks ago (month only: April 2025) (product Botox/Vistabel,"),
        "placeholders filled; a day count from a month-only date is given in weeks, marked"
    );
}

/// No scenario's page or JSON ever says a patient is suitable for treatment; the best outcome is
/// "No flags: suitable to proceed to consultation", and every outcome line is followed by the
/// prescriber line.
#[test]
fn outcome_wording_for_every_scenario() {
    let q = load_toml(DEFAULT_SOURCE).questionnaire.expect("valid");
    let src = std::fs::read_to_string(SCENARIOS).expect("scenarios");
    let built = triage::scenario::build(&q, &src).expect("scenarios build");
    assert!(built.len() > 50);
    for b in &built {
        let page = render_text(&b.session, &Context::default());
        let json = triage::summary::to_json(&b.session, &Context::default()).to_string();
        for text in [&page, &json] {
            assert!(
                !text.to_lowercase().contains("suitable for treatment"),
                "{}: {text}",
                b.id
            );
        }
        let lines: Vec<&str> = page.lines().collect();
        let banner = lines
            .iter()
            .position(|l| l.contains("STOP ") && l.contains(" - CAUTION "))
            .expect("banner");
        let expected = match b.session.outcome() {
            triage::engine::Outcome::Stop => "Do not treat today: doctor review required.",
            triage::engine::Outcome::Caution => {
                "Doctor must review the flagged items before treatment."
            }
            triage::engine::Outcome::Clear => "No flags: suitable to proceed to consultation.",
            triage::engine::Outcome::NotAssessed => {
                "Not assessed: suitability was not checked. Do not treat on this page alone."
            }
            triage::engine::Outcome::NoRules => {
                unreachable!("the shipped questionnaire has rules")
            }
        };
        assert_eq!(lines[banner + 1], expected, "{}", b.id);
        assert_eq!(
            lines[banner + 2],
            "Final decision by the prescriber after face-to-face assessment.",
            "{}",
            b.id
        );
        assert!(lines.iter().all(|l| l.width() <= 80), "{}", b.id);
    }
}

/// T20: a patient who declines gets header, banner and S01 only; nothing else is asked or shown.
#[test]
fn declined_patient_page() {
    let q = load_toml(DEFAULT_SOURCE).questionnaire.expect("valid");
    let src = std::fs::read_to_string(SCENARIOS).expect("scenarios");
    let built = triage::scenario::build(&q, &src).expect("scenarios build");
    let t20 = built.iter().find(|b| b.id == "T20").expect("T20");
    let page = render_text(&t20.session, &Context::default());
    assert!(
        page.contains(" S01  Patient declined the health questions."),
        "{page}"
    );
    assert!(
        page.contains("NOT ASSESSED") && page.contains("ended early at rule S01"),
        "{page}"
    );
    // Nothing was asked, so nothing reads as a finding ("body image screen positive: no").
    for absent in [
        "-- REQUEST",
        "-- SAFETY",
        "-- NOTES",
        "-- WELLBEING",
        "NO FLAGS",
        "suitable",
        "Alex Sample",
    ] {
        assert!(
            !page.contains(absent),
            "`{absent}` must not appear:\n{page}"
        );
    }
}
