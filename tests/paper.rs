//! Typing in a paper form (issue 14): `triage run --staff` asks how the answers are given,
//! `--from-paper` goes straight to the form; one screen per section with every visible
//! question, option numbers typed directly, Tab / Enter to move, a section's last field on to
//! the next section, required answers marked before a section can be left, each answer saved
//! as it is given, and the record marked as transcribed from paper (clinical spec 9.1, N01).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "a test stops at the first thing that is wrong, saying what"
)]

mod common;

use common::pty::*;
use common::screen::draw;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use triage::questionnaire::{DEFAULT_SOURCE, ItemIdx, Questionnaire, load_toml};
use triage::tui::model::new_session;
use triage::tui::screens::form;
use triage::tui::{Effect, Mode, Model, Msg, Screen, update};

fn shipped() -> Questionnaire {
    load_toml(DEFAULT_SOURCE).questionnaire.expect("valid")
}

fn t0() -> jiff::Timestamp {
    "2025-06-02T09:00:00Z".parse().expect("ts")
}

fn key(code: KeyCode) -> Msg {
    Msg::Key(KeyEvent::new(code, KeyModifiers::NONE))
}

fn typed(m: &mut Model<'_>, s: &str) -> Vec<Effect> {
    s.chars()
        .flat_map(|c| match c {
            '\t' => update(m, key(KeyCode::Tab)),
            c => update(m, key(KeyCode::Char(c))),
        })
        .collect()
}

fn paper(q: &Questionnaire) -> Model<'_> {
    let mut m = Model::new(
        new_session(q, common::visit(), Mode::Paper),
        Mode::Paper,
        t0(),
    );
    m.draft = Some(1);
    form::start(&mut m);
    m
}

fn focus_id(m: &Model<'_>) -> String {
    match &m.screen {
        Screen::Form { focus, .. } => m.session.questionnaire().item(*focus).id.clone(),
        other => format!("{other:?}"),
    }
}

fn saved(effects: &[Effect]) -> Vec<String> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::Save { item, .. } => Some(item.clone()),
            _ => None,
        })
        .collect()
}

fn idx(q: &Questionnaire, id: &str) -> ItemIdx {
    q.item_index(id).expect("item")
}

/// Paper mode presets "typed in by staff from my paper form" (not "a staff member is reading
/// the questions to me"), so the doctor's note is N01's paper wording, without "check
/// understanding"; the form opens on the first question still to type.
#[test]
fn paper_mode_records_transcribed_provenance() {
    let q = shipped();
    let m = paper(&q);
    let who = idx(&q, "a_respondent");
    let answer = m.session.stored(who).expect("preset");
    let value = triage::answers::to_json(&q, who, answer);
    assert_eq!(value, serde_json::json!("transcribed"));
    assert!(common::fired(&m.session).contains(&"N01".to_owned()));
    assert_eq!(
        focus_id(&m),
        "a_agree_start",
        "the preset answer is not typed again"
    );
    // Reading to the patient keeps the old preset.
    let s = new_session(&q, common::visit(), Mode::Staff);
    assert_eq!(
        triage::answers::to_json(&q, who, s.stored(who).expect("preset")),
        serde_json::json!("staff")
    );
}

/// A one-digit choice is chosen, saved and left by the digit alone; text is typed and Tab
/// moves on, saving it; every field of the section is on the screen at once.
#[test]
fn digits_choose_and_tab_moves_with_each_answer_saved() {
    let q = shipped();
    let mut m = paper(&q);
    let effects = typed(&mut m, "1");
    assert_eq!(saved(&effects), ["a_agree_start"], "saved as it is given");
    assert_eq!(
        focus_id(&m),
        "a_full_name",
        "a one-digit choice moves on by itself"
    );
    // The questions shown when the patient agreed to start are on the form now.
    let Screen::Form { section, .. } = m.screen else {
        panic!("on the form")
    };
    let fields: Vec<String> = form::fields(&m, section)
        .iter()
        .map(|&i| q.item(i).id.clone())
        .collect();
    assert!(fields.contains(&"a_dob".to_owned()) && fields.contains(&"a_sex".to_owned()));
    let (text, _) = draw(&m, 80, 24);
    for label in [
        "full name",
        "Date of birth",
        "Phone number",
        "Sex registered",
    ] {
        assert!(text.contains(label), "`{label}` on the form:\n{text}");
    }
    let mut effects = typed(&mut m, "Alex Sample");
    assert!(effects.is_empty(), "nothing saved while typing");
    effects = update(&mut m, key(KeyCode::Tab));
    assert_eq!(saved(&effects), ["a_full_name"]);
    assert_eq!(focus_id(&m), "a_dob");
    // A date that is not real stays, with the reason.
    typed(&mut m, "31/02/1991");
    update(&mut m, key(KeyCode::Enter));
    assert_eq!(focus_id(&m), "a_dob");
    assert!(
        m.message
            .as_deref()
            .unwrap_or("")
            .contains("does not exist")
    );
    for _ in 0.."31/02/1991".len() {
        update(&mut m, key(KeyCode::Backspace));
    }
    typed(&mut m, "15/03/1991");
    update(&mut m, key(KeyCode::Enter));
    assert_eq!(focus_id(&m), "a_phone");
    // Shift-Tab goes back a field.
    update(&mut m, key(KeyCode::BackTab));
    assert_eq!(focus_id(&m), "a_dob");
}

/// The paper form's text fields say when the field is full, as the question screens do,
/// naming the limit; the characters past it are refused, never dropped silently.
#[test]
fn a_full_text_field_on_the_form_says_so() {
    let q = shipped();
    let mut m = paper(&q);
    typed(&mut m, "1");
    assert_eq!(focus_id(&m), "a_full_name");
    let room = match q.item(idx(&q, "a_full_name")).question() {
        Some(triage::questionnaire::QuestionKind::Text { max_length, .. }) => *max_length,
        _ => panic!("a text question"),
    };
    typed(&mut m, &"n".repeat(room));
    assert_eq!(
        m.message.as_deref(),
        Some(triage::strings::at_limit(room).as_str())
    );
    typed(&mut m, "more");
    let (text, _) = draw(&m, 80, 24);
    assert!(text.contains("That is as much as fits here"), "{text}");
    assert_eq!(focus_id(&m), "a_full_name");
}

/// Conditions are evaluated again as options are typed: choosing "calves" puts the calf
/// questions on the form before the field is left, and taking it away removes them.
#[test]
fn conditions_change_the_form_as_options_are_typed() {
    let q = shipped();
    let mut m = paper(&q);
    for i in ["a_agree_start", "a_full_name", "a_dob", "a_phone", "a_sex"] {
        let v = match i {
            "a_agree_start" => "yes",
            "a_full_name" => "'Alex Sample",
            "a_phone" => "'07700 900123",
            "a_dob" => "@1950-01-01",
            _ => "male",
        };
        common::set(&mut m.session, i, v);
    }
    m.go_to(triage::engine::Step::base(idx(&q, "b_areas")));
    let calf = idx(&q, "b_calf_reason");
    let section = q.section_of(idx(&q, "b_areas"));
    assert!(!form::fields(&m, section).contains(&calf));
    // Ten options: "1" could be the start of "10"; a space ends it.
    typed(&mut m, "1 ");
    assert_eq!(
        focus_id(&m),
        "b_areas",
        "a multi-choice stays for more numbers"
    );
    assert!(
        form::fields(&m, section).contains(&calf),
        "calves chosen: calf questions"
    );
    typed(&mut m, "1 ");
    assert!(
        !form::fields(&m, section).contains(&calf),
        "calves taken away again"
    );
    // Ten options: "1" waits for a possible "10"; "1" then "0" is option 10; a space ends "1".
    typed(&mut m, "10");
    let areas = |m: &Model<'_>| match m.session.stored(idx(&q, "b_areas")) {
        Some(triage::answer::Answer::Multi(l)) => l.clone(),
        _ => Vec::new(),
    };
    assert_eq!(areas(&m), vec![9], "option 10 (something else)");
    typed(&mut m, "1 2");
    assert_eq!(areas(&m), vec![0, 1, 9]);
    assert!(form::fields(&m, section).contains(&idx(&q, "b_other_area")));
}

/// A section is not left with a required answer missing: Enter on its last field marks the
/// missing ones, names them and goes to the first; once given, Enter goes on to the next
/// section.
#[test]
fn required_answers_are_marked_before_a_section_is_left() {
    let q = shipped();
    let mut m = paper(&q);
    typed(&mut m, "1"); // agree: the rest of section A shows
    update(&mut m, key(KeyCode::Tab)); // full name left empty
    assert_eq!(focus_id(&m), "a_dob");
    update(&mut m, key(KeyCode::PageDown));
    assert_eq!(
        focus_id(&m),
        "a_full_name",
        "back to the first missing answer"
    );
    let message = m.message.clone().expect("a message");
    assert!(
        message.contains("Your full name") && message.contains("Date of birth"),
        "{message}"
    );
    let (text, _) = draw(&m, 80, 24);
    assert!(
        text.contains("MISSING"),
        "missing answers are marked:\n{text}"
    );
    typed(&mut m, "Alex Sample\t15/03/1991\t07700 900123\t\t1");
    // (no emergency contact) a_sex female: pregnancy and breastfeeding shown (age 34).
    assert_eq!(focus_id(&m), "a_pregnancy");
    typed(&mut m, "2");
    assert_eq!(focus_id(&m), "a_breastfeeding");
    typed(&mut m, "2");
    assert_eq!(
        focus_id(&m),
        "b_areas",
        "the last field of a section goes on to the next"
    );
}

/// A safety disclosure typed from paper shows the support screen and alerts staff as in every
/// mode; once released, typing carries on in the form.
#[test]
fn a_safety_disclosure_pauses_the_paper_form_too() {
    let q = shipped();
    let mut m = paper(&q);
    let low = idx(&q, "g_low_mood");
    common::set(&mut m.session, "a_agree_start", "yes");
    common::set(&mut m.session, "g_low_mood", "yes");
    m.go_to(triage::engine::Step::base(idx(&q, "g_self_harm")));
    assert!(m.session.is_visible(low));
    let effects = typed(&mut m, "1");
    assert!(matches!(m.screen, Screen::Pause { .. }), "{:?}", m.screen);
    assert!(effects.iter().any(|e| matches!(e, Effect::Alert { .. })));
    update(&mut m, key(KeyCode::F(2)));
    assert!(matches!(m.screen, Screen::Form { .. }), "{:?}", m.screen);
}

/// `triage run --staff` asks first; choosing the paper form starts the form, preset as
/// transcribed.
#[test]
fn staff_mode_asks_how_the_answers_are_given() {
    let q = shipped();
    let mut m = Model::new(
        new_session(&q, common::visit(), Mode::Staff),
        Mode::Staff,
        t0(),
    );
    m.screen = Screen::Intake { focus: 0 };
    let (text, _) = draw(&m, 80, 24);
    assert!(
        text.contains("reading the questions") && text.contains("paper form"),
        "{text}"
    );
    update(&mut m, key(KeyCode::Char('2')));
    assert_eq!(m.mode, Mode::Paper);
    assert_eq!(focus_id(&m), "a_agree_start");
    let who = idx(&q, "a_respondent");
    assert_eq!(
        triage::answers::to_json(&q, who, m.session.stored(who).expect("preset")),
        serde_json::json!("transcribed")
    );
    let mut reading = Model::new(
        new_session(&q, common::visit(), Mode::Staff),
        Mode::Staff,
        t0(),
    );
    reading.screen = Screen::Intake { focus: 0 };
    update(&mut reading, key(KeyCode::Enter));
    assert_eq!(reading.mode, Mode::Staff);
    assert_eq!(reading.screen, Screen::Welcome);
}

/// The T11 patient (competitive runner on scaffolding) typed in from the scenario's answers,
/// by keys alone, in a real terminal with `--from-paper`: the record is stored, its flags are
/// the scenario's, and the doctor's page says it was typed in from the paper form.
#[test]
#[allow(
    clippy::cast_precision_loss,
    reason = "key counts of one form, far below 2^52"
)]
fn the_t11_patient_is_typed_in_from_paper_by_keys_alone() {
    let q = shipped();
    let src = std::fs::read_to_string("questionnaires/botulinum-toxin.scenarios.toml")
        .expect("scenarios");
    let built = triage::scenario::build(&q, &src).expect("scenarios build");
    let t11 = built.iter().find(|b| b.id == "T11").expect("T11");
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("data");
    let bin = assert_cmd::cargo::cargo_bin("triage");
    let mut p = Pty::spawn(
        &bin,
        &[
            "--data-dir",
            data.to_str().expect("utf-8"),
            "--visit-date",
            "2025-06-02",
            "run",
            "--staff",
            "--from-paper",
        ],
        80,
        24,
    );
    let keys = common::paper::type_form(&mut p, &q, &t11.session);
    assert!(keys.answered > 50, "{} answers typed", keys.answered);
    assert!(
        (keys.navigation as f64) <= 1.1 * keys.answered as f64,
        "navigation keys {} for {} answers",
        keys.navigation,
        keys.answered
    );
    p.wait_for("Send my answers (Enter)");
    p.send(ENTER);
    p.wait_for("Ready to send?");
    p.send(ENTER);
    p.wait_for("Thank you");
    p.send(ENTER);
    assert_eq!(p.wait_exit(), 0);
    let show = assert_cmd::Command::new(&bin)
        .args([
            "--data-dir",
            data.to_str().expect("utf-8"),
            "records",
            "show",
            "1",
        ])
        .output()
        .expect("records show");
    let page = String::from_utf8_lossy(&show.stdout);
    assert!(
        page.contains("Typed in by staff from the patient's paper form"),
        "{page}"
    );
    assert!(!page.contains("Check understanding"), "{page}");
    for flag in ["C19", "C20", "C21"] {
        assert!(page.contains(flag), "{flag} on the page:\n{page}");
    }
}

/// A made-up flat FHIR questionnaire (no groups): a text question, a 0-10 scale and a yes/no.
fn flat_fhir() -> Questionnaire {
    let scale: Vec<serde_json::Value> = (0..=10)
        .map(|n| serde_json::json!({ "valueCoding": { "code": n.to_string(), "display": n.to_string() } }))
        .collect();
    let q = serde_json::json!({
        "resourceType": "Questionnaire",
        "url": "http://example.org/flat",
        "status": "active",
        "item": [
            { "linkId": "name", "text": "Name", "type": "string" },
            { "linkId": "pain", "text": "Pain now, 0 to 10", "type": "choice", "answerOption": scale },
            { "linkId": "smoker", "text": "Do you smoke?", "type": "boolean" }
        ]
    });
    triage::fhir::load_fhir(&q.to_string())
        .questionnaire
        .expect("loads")
}

/// Questions outside every section (a flat FHIR questionnaire) are one page of the paper form:
/// none is skipped, and leaving the last goes to the review, not past unseen questions.
#[test]
fn a_flat_questionnaire_is_one_page() {
    let q = flat_fhir();
    let m = paper(&q);
    let Screen::Form { section, .. } = m.screen else {
        panic!("on the form: {:?}", m.screen)
    };
    let fields: Vec<String> = form::fields(&m, section)
        .iter()
        .map(|&i| q.item(i).id.clone())
        .collect();
    assert_eq!(fields, ["name", "pain", "smoker"]);
    let (text, _) = draw(&m, 80, 24);
    assert!(
        text.contains("Pain now") && text.contains("Do you smoke?"),
        "{text}"
    );
}

/// On a numeric scale the number typed is the number printed (what the patient circled): 3 is
/// "3", 1 then 0 is "10", 0 is "0"; never the position.
#[test]
fn scale_numbers_are_typed_as_printed() {
    let q = flat_fhir();
    let pain = idx(&q, "pain");
    let label = |m: &Model<'_>| match m.session.stored(pain) {
        Some(triage::answer::Answer::Choice(i)) => {
            q.item(pain).options()[*i as usize].label.clone()
        }
        other => format!("{other:?}"),
    };
    for (keys, want) in [("3", "3"), ("10", "10"), ("0", "0"), ("1\t", "1")] {
        let mut m = paper(&q);
        m.go_to(triage::engine::Step::base(pain));
        typed(&mut m, keys);
        assert_eq!(label(&m), want, "typed {keys:?}");
    }
    let mut m = paper(&q);
    m.go_to(triage::engine::Step::base(pain));
    let (text, _) = draw(&m, 80, 24);
    assert!(
        text.lines().any(|l| l.contains(" 3 3")) && !text.contains(" 4 3"),
        "the scale's own numbers are shown:\n{text}"
    );
}

/// A questionnaire with repeats cannot be typed as a paper form: refused at once, plainly, with
/// the way to type it in; nothing is stored.
#[test]
fn paper_form_refuses_repeats() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("repeats.json");
    std::fs::write(
        &file,
        serde_json::json!({
            "resourceType": "Questionnaire",
            "url": "http://example.org/repeats",
            "status": "active",
            "item": [{ "linkId": "med", "text": "A medicine", "type": "string", "repeats": true }]
        })
        .to_string(),
    )
    .expect("write");
    let out = std::process::Command::new(assert_cmd::cargo::cargo_bin("triage"))
        .arg("--data-dir")
        .arg(dir.path().join("data"))
        .args(["run", "--staff", "--from-paper"])
        .arg(&file)
        .output()
        .expect("runs");
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("paper form cannot show") && err.contains("triage run --staff"),
        "{err}"
    );
}

/// With the help panel open on the paper form, the hints around it still name the form's keys
/// (they used to show raw `{next}` placeholders: user test of issue 15), and its title says how
/// to close it, as on the question screens.
#[test]
fn hints_stay_filled_while_help_is_open() {
    let q = load_toml(DEFAULT_SOURCE).questionnaire.expect("valid");
    let mut m = Model::new(
        new_session(&q, common::visit(), Mode::Paper),
        Mode::Paper,
        t0(),
    );
    form::start(&mut m);
    update(&mut m, key(KeyCode::F(1)));
    assert!(m.help_open);
    let (text, _) = draw(&m, 80, 24);
    assert!(!text.contains('{'), "{text}");
    assert!(text.contains("Enter/Tab next"), "{text}");
    assert!(text.contains("any key closes"), "{text}");
}
