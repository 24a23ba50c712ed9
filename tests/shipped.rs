//! The shipped botulinum toxin questionnaire: it checks clean, it is the built-in default from
//! any directory, its doctor's page follows the clinical spec §6 and fits one A4 page, and no
//! outcome ever says a patient is suitable for treatment.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "a test stops at the first thing that is wrong, saying what"
)]

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
            .contains("ok (botulinum-toxin 1.1.0, 106 questions, 77 flags, 0 warnings)")
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
        // Revision 1.1 (clinical spec 9.1).
        "a_sex",
        "a_emergency_contact",
        "c_allergy_other",
        "c_allergy_other_list",
        "c_eyes",
        "h_calf_offlabel",
        "h_calf_dose",
        "h_calf_weakness",
        "h_alternatives",
        "h_not_consent",
        "h_practitioner",
    ] {
        assert!(q.item_index(id).is_some(), "question {id}");
    }
    // Revision 1.1 options (9.1): codes are a contract too.
    for (id, value) in [
        ("a_respondent", "transcribed"),
        ("c_nerve_muscle", "ms_autoimmune"),
        ("e_last_product", "letybo"),
        ("e_last_product", "alluzience"),
        ("e_last_product", "daxxify"),
        ("f_job", "safety_critical"),
        ("c_eyes", "narrow_angle"),
    ] {
        let it = q.item(q.item_index(id).expect("question"));
        assert!(
            it.options().iter().any(|o| o.value == value),
            "{id} has {value}"
        );
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
        "periocular",
        "probable_nmj",
    ] {
        assert!(q.derived_index(id).is_some(), "derived {id}");
    }
    let ids: Vec<String> = (1..=15)
        .map(|i| format!("S{i:02}"))
        .chain((1..=33).map(|i| format!("C{i:02}")))
        .chain((1..=29).map(|i| format!("N{i:02}")))
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
    assert!(page.contains("Rules: botulinum-toxin 1.1.0"), "{page}");
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

/// The baseline answers with `changes`, as a session of the shipped questionnaire.
fn session_with<'q>(
    q: &'q triage::questionnaire::Questionnaire,
    changes: &[(&str, serde_json::Value)],
) -> triage::engine::Session<'q> {
    let text = std::fs::read_to_string("questionnaires/examples/baseline.json").expect("file");
    let mut file: serde_json::Value = serde_json::from_str(&text).expect("json");
    for (k, v) in changes {
        file["answers"][*k] = v.clone();
    }
    let visit = jiff::civil::Date::constant(2025, 6, 2);
    let mut s = triage::engine::Session::new(q, visit);
    for (id, v) in file["answers"].as_object().expect("answers") {
        let i = q.item_index(id).expect("item");
        let a = triage::answers::to_answer(q, i, &triage::answers::RawValue::from_json(v))
            .expect("answer");
        s.set(i, a).expect("valid");
    }
    s
}

/// Words of `text` with the page's wrapping undone.
fn words(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

const LONG_MEDICINES: &str = "warfarin 5mg every evening for atrial fibrillation, bisoprolol 2.5mg in the morning, ramipril 5mg, atorvastatin 40mg at night, metformin 500mg twice a day with food, omeprazole 20mg, sertraline 50mg, vitamin D 1000 units, cod liver oil capsules, a salbutamol inhaler when needed, and hydrocortisone cream for eczema on my hands";
const LONG_ALLERGY: &str = "Penicillin and amoxicillin: my throat swelled and I could not breathe, I needed adrenaline in A&E in 2019 and again in 2021 after a dentist gave me a tablet by mistake";
const LONG_OTHER: &str = "Latex gloves give me an itchy red rash within minutes; sticking plasters blister my skin; chlorhexidine wipes made my arm swell up for two days after a blood test last year";
const LONG_WHY: &str = "I have wanted slimmer lower legs since school because boots never fit and people comment on them at the gym. My sister had it done abroad and was happy. My wedding is in the autumn and I would like to feel confident in the dress and in the photos that everyone will share afterwards.";

/// 9.4: a patient with long medicines and allergy text gets them in full on the page, never
/// cut, and the page still fits one A4 sheet before the sign-off box.
#[test]
fn long_medicines_and_allergies_in_full() {
    let q = load_toml(DEFAULT_SOURCE).questionnaire.expect("valid");
    let s = session_with(
        &q,
        &[
            ("c_anaphylaxis", serde_json::json!("yes")),
            ("c_allergy_list", serde_json::json!(LONG_ALLERGY)),
            ("c_allergy_other", serde_json::json!("yes")),
            ("c_allergy_other_list", serde_json::json!(LONG_OTHER)),
            ("d_any", serde_json::json!("yes")),
            ("d_list", serde_json::json!(LONG_MEDICINES)),
            ("d_groups", serde_json::json!(["anticoagulant"])),
            ("b_why", serde_json::json!(LONG_WHY)),
        ],
    );
    let page = render_text(&s, &Context::default());
    assert!(page.lines().all(|l| l.width() <= 80), "{page}");
    for text in [LONG_MEDICINES, LONG_ALLERGY, LONG_OTHER, LONG_WHY] {
        assert!(
            words(&page).contains(&words(text)),
            "not in full: {text}\n{page}"
        );
    }
    assert!(!page.contains("(see full record)"), "{page}");
    assert!(!page.contains("ANSWERS IN FULL"), "one page: {page}");
    let before_signoff = page
        .lines()
        .take_while(|l| !l.contains("PRESCRIBER SIGN-OFF"))
        .count();
    assert!(before_signoff <= 66, "{before_signoff} lines:\n{page}");
}

/// 9.4: when even without its optional rows the page would not fit one sheet, the long answers
/// are shortened on page 1 ("in full on page 2") and printed whole on page 2, "Answers in
/// full", under the patient's name; page 1 still fits.
#[test]
fn answers_in_full_on_a_second_page() {
    let q = load_toml(DEFAULT_SOURCE).questionnaire.expect("valid");
    let s = session_with(
        &q,
        &[
            ("a_respondent", serde_json::json!("staff")),
            ("b_areas", serde_json::json!(["calves", "frown_lines"])),
            ("b_why", serde_json::json!(LONG_WHY)),
            ("c_anaphylaxis", serde_json::json!("yes")),
            ("c_allergy_list", serde_json::json!(LONG_ALLERGY)),
            ("c_allergy_other", serde_json::json!("yes")),
            ("c_allergy_other_list", serde_json::json!(LONG_OTHER)),
            ("c_heart", serde_json::json!("yes")),
            ("c_walking_aid", serde_json::json!("yes")),
            ("d_any", serde_json::json!("yes")),
            ("d_list", serde_json::json!(LONG_MEDICINES)),
            (
                "d_groups",
                serde_json::json!(["anticoagulant", "antiplatelet"]),
            ),
            ("e_last_date", serde_json::json!("2025-04")),
            ("h_calf_offlabel", serde_json::json!("yes")),
            ("h_calf_dose", serde_json::json!("yes")),
            ("h_calf_weakness", serde_json::json!("yes")),
            ("h_effects_calves", serde_json::json!("yes")),
            ("h_calf_amount", serde_json::json!("yes")),
            ("b_calf_reason", serde_json::json!(["boots"])),
            ("b_calf_cause", serde_json::json!("muscle")),
            ("b_calf_tiptoe", serde_json::json!("yes")),
            ("c_leg_problems", serde_json::json!(["none"])),
            ("c_falls", serde_json::json!("no")),
            ("f_sport", serde_json::json!(["none"])),
            ("f_job", serde_json::json!(["none"])),
            ("f_heels", serde_json::json!("no")),
            ("f_big_event", serde_json::json!("no")),
        ],
    );
    let page = render_text(&s, &Context::default());
    assert!(page.lines().all(|l| l.width() <= 80), "{page}");
    let (first, second) = page
        .split_once("-- ANSWERS IN FULL (PAGE 2 OF 2)")
        .unwrap_or_else(|| panic!("a second page:\n{page}"));
    let before_signoff = first
        .lines()
        .take_while(|l| !l.contains("PRESCRIBER SIGN-OFF"))
        .count();
    assert!(before_signoff <= 66, "{before_signoff} lines:\n{page}");
    assert!(first.contains("(in full on page 2)"), "{page}");
    assert!(second.contains("Patient: Alex Sample"), "{second}");
    for text in [LONG_MEDICINES, LONG_ALLERGY, LONG_OTHER, LONG_WHY] {
        assert!(
            words(&page).contains(&words(text)),
            "not in full anywhere: {text}\n{page}"
        );
    }
    // Whatever page 1 shortened is whole on page 2.
    for line in first.lines().filter(|l| l.ends_with("(in full on page 2)")) {
        let start: String = line
            .split_whitespace()
            .skip(1)
            .take(3)
            .collect::<Vec<_>>()
            .join(" ");
        assert!(words(second).contains(&start), "`{line}` is not on page 2");
    }
}

/// Every flag of the shipped questionnaire fires in at least one shipped scenario (revision
/// 1.1's S15, C31-C33, N28 and N29 among them), so no rule goes untested.
#[test]
fn every_flag_fires_in_some_scenario() {
    let q = load_toml(DEFAULT_SOURCE).questionnaire.expect("valid");
    let src = std::fs::read_to_string(SCENARIOS).expect("scenarios");
    let built = triage::scenario::build(&q, &src).expect("scenarios build");
    let mut fired = std::collections::BTreeSet::new();
    for b in &built {
        fired.extend(
            b.session
                .fired()
                .iter()
                .map(|&f| q.flags[f as usize].id.clone()),
        );
    }
    let never: Vec<&str> = q
        .flags
        .iter()
        .map(|f| f.id.as_str())
        .filter(|id| !fired.contains(*id))
        .collect();
    assert!(never.is_empty(), "flags no scenario fires: {never:?}");
}
