//! The shipped botulinum toxin questionnaire: it checks clean, it is the built-in default from
//! any directory, its doctor's page follows the clinical spec §6 and fits one A4 page, and no
//! outcome ever says a patient is suitable for treatment.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
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
            .contains("ok (botulinum-toxin 1.1.1, 106 questions, 77 flags, 0 warnings)")
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
    assert!(page.contains("Rules: botulinum-toxin 1.1.1"), "{page}");
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
/// sign-off; the triggering answers are in words; nothing is cut while the page has room;
/// everything before the sign-off box fits one A4 page (66 lines).
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
    assert!(!page.contains("(see full record)"), "{page}");
    // This page is full: what page 1 shortened is whole on page 2.
    let (first, second) = page.split_once("-- ANSWERS IN FULL").unwrap_or((&page, ""));
    assert_continued_on_page_2(first, second);
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

/// The answers of a calf patient with no calf findings (so long rows, not calf flags, fill the
/// page).
fn calf_answers() -> Vec<(&'static str, serde_json::Value)> {
    vec![
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
    ]
}

/// Every line of page 1 that ends "(continued on page 2)" starts something found on page 2.
fn assert_continued_on_page_2(first: &str, second: &str) {
    for line in first
        .lines()
        .filter(|l| l.ends_with("(continued on page 2)"))
    {
        let start: String = line
            .split_whitespace()
            .take(4)
            .collect::<Vec<_>>()
            .join(" ");
        assert!(
            words(second).contains(&start),
            "`{line}` is not on page 2:\n{second}"
        );
    }
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

/// 9.4: when even without its optional rows the page would not fit one sheet, long rows and
/// flags are shortened on page 1 ("continued on page 2") and printed whole on page 2,
/// "Answers in full", under the patient's name; page 1 still fits.
#[test]
fn answers_in_full_on_a_second_page() {
    let q = load_toml(DEFAULT_SOURCE).questionnaire.expect("valid");
    let answers: Vec<_> = [
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
        ("f_sport", serde_json::json!(["none"])),
        ("f_job", serde_json::json!(["none"])),
        ("f_heels", serde_json::json!("no")),
        ("f_big_event", serde_json::json!("no")),
    ]
    .into_iter()
    .chain(calf_answers())
    .collect();
    let s = session_with(&q, &answers);
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
    assert!(first.contains("(continued on page 2)"), "{page}");
    assert!(second.contains("Patient: Alex Sample"), "{second}");
    for text in [LONG_MEDICINES, LONG_ALLERGY, LONG_OTHER, LONG_WHY] {
        assert!(
            words(&page).contains(&words(text)),
            "not in full anywhere: {text}\n{page}"
        );
    }
    // Whatever page 1 shortened is whole on page 2.
    assert_continued_on_page_2(first, second);
}

/// The length limit of a text question.
fn limit_of(q: &triage::questionnaire::Questionnaire, id: &str) -> usize {
    let i = q.item_index(id).expect("item");
    match q.item(i).question() {
        Some(triage::questionnaire::QuestionKind::Text { max_length, .. }) => *max_length,
        _ => panic!("{id} is a text question"),
    }
}

/// 9.4, nothing that matters is cut: allergy and medicine lists take 1000 characters, the
/// patient's own words and questions for the doctor 600, and the clinically used free-text
/// answers are marked to be printed whole.
#[test]
fn clinical_free_text_has_room() {
    let q = load_toml(DEFAULT_SOURCE).questionnaire.expect("valid");
    for (id, at_least) in [
        ("c_allergy_list", 1000),
        ("c_allergy_other_list", 1000),
        ("d_list", 1000),
        ("b_why", 600),
        ("i_questions", 600),
    ] {
        assert!(limit_of(&q, id) >= at_least, "{id}: {}", limit_of(&q, id));
    }
    for id in ["c_allergy_list", "c_allergy_other_list", "d_list", "b_why"] {
        assert!(q.item(q.item_index(id).expect("item")).in_full, "{id}");
    }
}

/// An answer that filled its question's whole space is marked on the page (the patient was
/// told to tell the clinician the rest), in its row and in the flag that quotes it; one a
/// character shorter is not; the JSON keeps the answer exactly as given.
#[test]
fn an_answer_at_its_limit_is_marked_on_the_page() {
    let q = load_toml(DEFAULT_SOURCE).questionnaire.expect("valid");
    let room = limit_of(&q, "c_allergy_list");
    let marker = format!("[filled the {room}-character space: ask for the rest]");
    let text = |n: usize| -> String {
        let t: String = "penicillin rash "
            .repeat(room)
            .chars()
            .take(n - 1)
            .collect();
        t + "x"
    };
    let page_with = |n: usize| {
        let s = session_with(
            &q,
            &[
                ("c_anaphylaxis", serde_json::json!("yes")),
                ("c_allergy_list", serde_json::json!(text(n))),
            ],
        );
        let json = triage::summary::to_json(&s, &Context::default());
        assert!(!json.to_string().contains("ask for the rest"), "{json}");
        render_text(&s, &Context::default())
    };
    let page = page_with(room - 1);
    assert!(!words(&page).contains("ask for the rest"), "{page}");
    let page = page_with(room);
    assert!(
        words(&page).matches(&marker).count() >= 2,
        "in the row and in N08:\n{page}"
    );
}

/// Checks that every answer row the page shows is whole somewhere on the pages (page 1, or
/// page 2 when page 1 shortened it), and every free-text answer too; returns the problems.
fn whole_on_pages(s: &triage::engine::Session<'_>, page: &str) -> Vec<String> {
    let q = s.questionnaire();
    // Without any spacing: the page may break a line after a slash or a hyphen.
    let squash = |t: &str| t.split_whitespace().collect::<String>();
    let all = squash(page);
    let mut problems = Vec::new();
    let blocks = q
        .summary
        .blocks
        .iter()
        .filter(|b| b.show_if.as_ref().is_none_or(|e| s.holds(e)));
    for row in blocks
        .flat_map(|b| b.rows.iter().filter(|r| !r.optional))
        .chain(q.summary.header.iter())
    {
        if let Some(text) = triage::summary::row_text(s, row)
            && !all.contains(&squash(&text))
        {
            problems.push(format!("row `{}` not whole: {text}", row.label));
        }
    }
    for i in q.item_indices() {
        if let Some(triage::answer::Answer::Text(t)) = s.answer(i)
            && !all.contains(&squash(t))
        {
            problems.push(format!("answer to {} not whole: {t}", q.item(i).id));
        }
    }
    if page.contains("(see full record)") {
        problems.push("a printed page points at a \"full record\"".into());
    }
    problems
}

/// Whatever page 1 shows of an answer, the pages hold it whole: for every shipped scenario,
/// every answer row shown is whole on page 1 or on page 2, every free-text answer is whole,
/// and nothing points at a "full record" a printed page does not have.
#[test]
fn every_answer_whole_on_the_pages_for_every_scenario() {
    let q = load_toml(DEFAULT_SOURCE).questionnaire.expect("valid");
    let src = std::fs::read_to_string(SCENARIOS).expect("scenarios");
    let built = triage::scenario::build(&q, &src).expect("scenarios build");
    for b in &built {
        let page = render_text(&b.session, &Context::default());
        let problems = whole_on_pages(&b.session, &page);
        assert!(problems.is_empty(), "{}: {problems:#?}\n{page}", b.name);
    }
}

/// The user test's cases: a patient with a long toxin history and the calf patient who is a
/// nurse (safety-critical work, high heels, a big event) get their "Last toxin" and
/// "Activity" rows whole, on page 1 when it has room, or continued on page 2 when it has not
/// (shown by adding long allergy, medicine and own-words answers).
#[test]
fn long_rows_wrap_or_continue_on_page_2() {
    let q = load_toml(DEFAULT_SOURCE).questionnaire.expect("valid");
    let history = [
        ("b_areas", serde_json::json!(["calves", "frown_lines"])),
        ("e_toxin_before", serde_json::json!("yes")),
        ("e_last_date", serde_json::json!("2025-04")),
        ("e_last_product", serde_json::json!("botox")),
        ("e_last_where", serde_json::json!("elsewhere")),
        (
            "e_last_areas",
            serde_json::json!(["frown_lines", "forehead_lines", "crows_feet"]),
        ),
        ("e_sessions_12m", serde_json::json!(3)),
        ("e_multi_clinic", serde_json::json!("yes")),
        ("e_problems", serde_json::json!(["droop"])),
        ("f_sport", serde_json::json!(["none"])),
        ("f_job", serde_json::json!(["standing", "safety_critical"])),
        ("f_heels", serde_json::json!("yes")),
        ("f_big_event", serde_json::json!("yes")),
        ("c_walking_aid", serde_json::json!("no")),
    ];
    let long = [
        ("c_anaphylaxis", serde_json::json!("yes")),
        ("c_allergy_list", serde_json::json!(LONG_ALLERGY)),
        ("c_allergy_other", serde_json::json!("yes")),
        ("c_allergy_other_list", serde_json::json!(LONG_OTHER)),
        ("d_any", serde_json::json!("yes")),
        ("d_list", serde_json::json!(LONG_MEDICINES)),
        ("b_why", serde_json::json!(LONG_WHY)),
    ];
    let history: Vec<_> = history.into_iter().chain(calf_answers()).collect();
    let plain = session_with(&q, &history);
    let mut crowded: Vec<_> = history.clone();
    crowded.extend(long.iter().cloned());
    let crowded = session_with(&q, &crowded);
    for (name, s) in [("room", &plain), ("crowded", &crowded)] {
        let page = render_text(s, &Context::default());
        assert!(page.lines().all(|l| l.width() <= 80), "{page}");
        let problems = whole_on_pages(s, &page);
        assert!(problems.is_empty(), "{name}: {problems:#?}\n{page}");
        for needle in [
            "high heels Yes",
            "big event in 3 months Yes",
            ">1 clinic Yes",
            "problems Droop",
        ] {
            assert!(words(&page).contains(needle), "{name}: `{needle}`:\n{page}");
        }
        if name == "crowded" {
            assert!(page.contains("(continued on page 2)"), "{page}");
        }
        let first = page.split("-- ANSWERS IN FULL").next().unwrap_or("");
        let before_signoff = first
            .lines()
            .take_while(|l| !l.contains("PRESCRIBER SIGN-OFF"))
            .count();
        assert!(
            before_signoff <= 66,
            "{name}: {before_signoff} lines:\n{page}"
        );
        if name == "room" {
            assert!(
                !page.contains("ANSWERS IN FULL"),
                "wrapped, not cut:\n{page}"
            );
        }
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
                .map(|&f| q.flags[f.to_usize()].id.clone()),
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

/// Small wording on the page: a count of one takes the singular unit ("1 session", "1 day a
/// month"), no treatments read "0 treatments" (not "None treatments"), and a free-text answer
/// ending in a full stop is not followed by a second one in N08 and N28.
#[test]
fn counts_units_and_full_stops_read_right() {
    let q = load_toml(DEFAULT_SOURCE).questionnaire.expect("valid");
    let s = session_with(
        &q,
        &[
            ("e_toxin_before", serde_json::json!("yes")),
            ("e_last_date", serde_json::json!("2024-01")),
            ("e_sessions_12m", serde_json::json!(1)),
            ("e_cosmetic_count", serde_json::json!("0")),
            ("c_anaphylaxis", serde_json::json!("yes")),
            (
                "c_allergy_list",
                serde_json::json!("Peanuts, I carry an EpiPen."),
            ),
            ("c_allergy_other", serde_json::json!("yes")),
            (
                "c_allergy_other_list",
                serde_json::json!("Latex gloves: a rash."),
            ),
        ],
    );
    let page = words(&render_text(&s, &Context::default()));
    assert!(page.contains("1 session in 12 mo"), "{page}");
    assert!(!page.contains("1 sessions"), "{page}");
    assert!(page.contains("Cosmetic history 0 treatments"), "{page}");
    assert!(!page.contains("None treatments"), "{page}");
    assert!(!page.contains(".."), "{page}");
    assert!(
        page.contains("Other allergies: Latex gloves: a rash."),
        "{page}"
    );
    let s = session_with(
        &q,
        &[
            ("e_toxin_before", serde_json::json!("yes")),
            ("e_last_date", serde_json::json!("2024-01")),
            ("e_sessions_12m", serde_json::json!(2)),
        ],
    );
    assert!(words(&render_text(&s, &Context::default())).contains("2 sessions in 12 mo"));
}

/// In any questionnaire, a template's full stop right after an answer that already ends a
/// sentence is not doubled.
#[test]
fn no_double_full_stop_after_an_answer() {
    let src = r#"[questionnaire]
id = "stops"
version = "1"
title = "Stops"

[[section]]
id = "s"
title = "Section"

[[section.question]]
id = "q1"
type = "text"
text = "Anything?"

[[flag]]
id = "F1"
severity = "note"
when = 'answered(q1)'
text = "Said: {q1}. Ask more."
"#;
    let q = load_toml(src).questionnaire.expect("valid");
    for (answer, expected) in [
        ("All fine.", "Said: All fine. Ask more."),
        ("All fine", "Said: All fine. Ask more."),
        ("Really?", "Said: Really? Ask more."),
    ] {
        let mut s = triage::engine::Session::new(&q, jiff::civil::Date::constant(2025, 6, 2));
        let i = q.item_index("q1").expect("q1");
        s.set(i, triage::answer::Answer::Text(answer.into()))
            .expect("set");
        let (text, _) = triage::summary::fill(&s, &q.flags[0].text);
        assert_eq!(text, expected);
    }
}
