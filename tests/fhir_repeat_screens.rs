//! What a user test found on the screens and page of FHIR repeats (issue 18), through `update`
//! and a test terminal: `minOccurs` kept by "remove the last one" and the missing instance
//! named; the doctor's page in questionnaire order; "add another" at 40x12 (one-row choices,
//! "So far" in sight) with each choice keeping its number; screens and review rows naming the
//! instance and the answer they are for; follow-up questions asked after a change from the
//! review; the progress bar moving on; UCUM names; the staff line on a small thank-you screen.
//! The fixture is made up (`tests/fixtures/fhir/repeat-screens.json`).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "a test stops at the first thing that is wrong, saying what"
)]

mod common;

use std::path::Path;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use triage::answer::Answer;
use triage::engine::{At, Inst, Problem, Session, Step};
use triage::questionnaire::Questionnaire;
use triage::tui::{Mode, Model, Msg, Screen, update};

fn load() -> Questionnaire {
    common::fhir::load(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/fhir/repeat-screens.json"),
    )
}

fn t0() -> jiff::Timestamp {
    "2025-06-02T09:00:00Z".parse().expect("ts")
}

fn key(code: KeyCode) -> Msg {
    Msg::Key(KeyEvent::new(code, KeyModifiers::NONE))
}

fn at(q: &Questionnaire, id: &str, k: &[u16]) -> At {
    At {
        item: common::idx(q, id),
        inst: Inst::from_slice(k).expect("depth"),
    }
}

fn text(s: &str) -> Answer {
    Answer::Text(s.into())
}

fn model(s: Session<'_>, step: Step) -> Model<'_> {
    let mut m = Model::new(s, Mode::Run, t0());
    m.draft = Some(1);
    m.go_to(step);
    m
}

/// Two medicines named (the `minOccurs`), nothing else.
fn two_meds(q: &Questionnaire) -> Session<'_> {
    let mut s = Session::new(q, common::visit());
    s.set_at(at(q, "med.name", &[0]), text("Aspirin"))
        .expect("a");
    s.set_at(at(q, "med.name", &[1]), text("Ibuprofen"))
        .expect("b");
    s
}

/// At `minOccurs` (2) "add another" offers no "Remove the last one" and its key does nothing;
/// a third may be removed again. The second instance is needed: its required question is
/// "Not answered yet" on the review, and Send focuses that row.
#[test]
fn min_occurs_is_kept_and_the_missing_instance_named() {
    let q = load();
    let med = common::idx(&q, "med");
    let s = two_meds(&q);
    assert_eq!(
        s.instance_count(med, Inst::ROOT),
        2,
        "minOccurs 2 to begin with"
    );
    let more = Step::More(at(&q, "med", &[2]));
    let mut m = model(s, more);
    let (screen, _) = common::screen::draw(&m, 80, 24);
    assert!(!screen.contains("Remove the last one"), "{screen}");
    update(&mut m, key(KeyCode::Char('3')));
    update(&mut m, key(KeyCode::Enter));
    assert_eq!(
        m.session.instance_count(med, Inst::ROOT),
        2,
        "nothing removed"
    );
    // A third, then removed again: back to two, still no "Remove".
    m.go_to(more);
    update(&mut m, key(KeyCode::Char('1')));
    update(&mut m, key(KeyCode::Enter));
    assert_eq!(m.screen, Screen::Step(Step::Item(at(&q, "med.name", &[2]))));
    let (screen, _) = common::screen::draw(&m, 80, 24);
    assert!(screen.contains("Medicine you take (3)"), "{screen}");
    typed(&mut m, "Paracetamol");
    update(&mut m, key(KeyCode::Enter));
    update(&mut m, key(KeyCode::Enter));
    let more3 = Step::More(at(&q, "med", &[3]));
    assert_eq!(m.screen, Screen::Step(more3));
    let (screen, _) = common::screen::draw(&m, 80, 24);
    assert!(numbered(&screen, '3', "Remove the last one"), "{screen}");
    update(&mut m, key(KeyCode::Char('3')));
    update(&mut m, key(KeyCode::Enter));
    assert_eq!(m.session.instance_count(med, Inst::ROOT), 2);
    assert_eq!(m.screen, Screen::Step(more));
    // The second medicine unnamed: missing, and named on the review.
    m.session.clear_at(at(&q, "med.name", &[1]));
    assert_eq!(
        m.session.first_problem(),
        Some(Problem::Missing(at(&q, "med.name", &[1])))
    );
    triage::tui::screens::review::arrive(&mut m, None);
    let (screen, _) = common::screen::draw(&m, 100, 30);
    let row = screen
        .lines()
        .find(|l| l.contains("(Medicine you take 2)"))
        .unwrap_or_else(|| panic!("a row for the second medicine: {screen}"));
    assert!(row.contains("Not answered yet"), "{row}");
    update(
        &mut m,
        Msg::Tap(triage::tui::Target::Button(triage::tui::Action::Send)),
    );
    let rows = triage::tui::screens::review::rows(&m);
    let Screen::Review { focus } = m.screen else {
        panic!("{:?}", m.screen)
    };
    assert_eq!(
        rows[focus],
        at(&q, "med.name", &[1]),
        "Send focuses that row"
    );
}

/// A repeat short of answered instances with nothing required inside (two past visits
/// needed, none given): Send says so by name instead of pointing at unmarked rows.
#[test]
fn too_few_instances_are_named_on_send() {
    let q = load();
    let mut m = model(
        two_meds(&q),
        Step::base(triage::questionnaire::ItemIdx::new(0)),
    );
    triage::tui::screens::review::arrive(&mut m, None);
    update(
        &mut m,
        Msg::Tap(triage::tui::Target::Button(triage::tui::Action::Send)),
    );
    let message = m.message.clone().unwrap_or_default();
    assert!(
        message.contains("Past visits: at least 2 are needed, 0 given so far"),
        "{message}"
    );
    assert!(matches!(m.screen, Screen::Review { .. }));
}

/// Whether the screen shows `label` as choice number `n` (the key that chooses it).
fn numbered(screen: &str, n: char, label: &str) -> bool {
    screen.lines().any(|l| {
        l.find(label)
            .is_some_and(|p| l[..p].trim_end().ends_with(n))
    })
}

fn typed(m: &mut Model<'_>, s: &str) {
    for c in s.chars() {
        update(m, key(KeyCode::Char(c)));
    }
}

/// The doctor's page follows the questionnaire: the medicines (asked first) come before the
/// symptoms and allergies outside every group.
#[test]
fn page_is_in_questionnaire_order() {
    let q = load();
    let mut s = two_meds(&q);
    s.set(common::idx(&q, "sym"), Answer::Multi(vec![0]))
        .expect("sym");
    s.set_at(at(&q, "allergy", &[0]), text("Penicillin"))
        .expect("allergy");
    s.set_at(at(&q, "allergy.reaction", &[0]), text("Rash"))
        .expect("reaction");
    let page = triage::summary::render_text(&s, &triage::summary::Context::default());
    let pos = |t: &str| page.find(t).unwrap_or_else(|| panic!("{t}: {page}"));
    assert!(
        pos("Name of the medicine (1)") < pos("Which symptoms do you have?"),
        "{page}"
    );
    assert!(
        pos("Which symptoms do you have?") < pos("Name an allergy (1)"),
        "{page}"
    );
    assert!(
        pos("What happens? (Penicillin)") > pos("Name an allergy (1)"),
        "{page}"
    );
}

/// At 40x12 "add another" lays its choices out as other choices are (one row each, numbered)
/// and keeps "So far" in sight; each choice keeps its number: at `maxOccurs` 1 is shown but
/// not possible, and 2 is still "No, that is all".
#[test]
fn add_another_small_and_numbers_stable() {
    let q = load();
    let mut s = two_meds(&q);
    let more = Step::More(at(&q, "med", &[2]));
    let m = model(s.clone(), more);
    let (screen, hits) = common::screen::draw(&m, 40, 12);
    assert!(
        screen.contains("So far:") && screen.contains("Aspirin"),
        "{screen}"
    );
    assert!(numbered(&screen, '1', "Yes, add another"), "{screen}");
    assert!(numbered(&screen, '2', "No, that is all"), "{screen}");
    assert!(!screen.contains("▼ more below"), "{screen}");
    assert!(
        hits.targets
            .iter()
            .filter(|(_, t)| matches!(t, triage::tui::Target::Option(_)))
            .all(|(r, _)| r.height == 1),
        "one row each, as other choices at 40x12"
    );
    s.add_instance(at(&q, "med", &[2])).expect("third");
    s.set_at(at(&q, "med.name", &[2]), text("Paracetamol"))
        .expect("c");
    let mut m = model(s, Step::More(at(&q, "med", &[3])));
    let (screen, _) = common::screen::draw(&m, 80, 24);
    assert!(
        screen.contains("not possible: this form takes at most 3"),
        "{screen}"
    );
    assert!(numbered(&screen, '2', "No, that is all"), "{screen}");
    update(&mut m, key(KeyCode::Char('2')));
    update(&mut m, key(KeyCode::Enter));
    assert_eq!(
        m.screen,
        Screen::Step(Step::base(common::idx(&q, "sym"))),
        "2 goes on at the limit too"
    );
}

/// An optional repeating question with one answer offers "Remove the last one" too; removing
/// it empties the answer and goes back to the question.
#[test]
fn optional_repeating_question_can_remove_its_only_answer() {
    let q = load();
    let mut s = two_meds(&q);
    s.set_at(at(&q, "allergy", &[0]), text("Nuts"))
        .expect("allergy");
    let mut m = model(s, Step::More(at(&q, "allergy", &[1])));
    let (screen, _) = common::screen::draw(&m, 80, 24);
    assert!(numbered(&screen, '3', "Remove the last one"), "{screen}");
    update(&mut m, key(KeyCode::Char('3')));
    update(&mut m, key(KeyCode::Enter));
    assert_eq!(m.session.answer_at(at(&q, "allergy", &[0])), None);
    assert_eq!(m.screen, Screen::Step(Step::Item(at(&q, "allergy", &[0]))));
}

/// A repeating question's screens say which instance ("Name an allergy (2)"); its child names
/// the answer it is for ("Penicillin") and is not asked for an answer left empty.
#[test]
fn screens_name_the_instance_and_the_answer() {
    let q = load();
    let mut s = two_meds(&q);
    s.set_at(at(&q, "allergy", &[0]), text("Nuts"))
        .expect("allergy");
    s.add_instance(at(&q, "allergy", &[1])).expect("second");
    s.set_at(at(&q, "allergy", &[1]), text("Penicillin"))
        .expect("allergy");
    let m = model(s.clone(), Step::Item(at(&q, "allergy", &[1])));
    let (screen, _) = common::screen::draw(&m, 80, 24);
    assert!(screen.contains("Name an allergy (2)"), "{screen}");
    let m = model(s.clone(), Step::Item(at(&q, "allergy.reaction", &[1])));
    let (screen, _) = common::screen::draw(&m, 80, 24);
    assert!(screen.contains("(Penicillin)"), "{screen}");
    s.clear_at(at(&q, "allergy", &[1]));
    assert!(
        !s.steps()
            .any(|x| x == Step::Item(at(&q, "allergy.reaction", &[1]))),
        "no allergy named: its reaction is not asked"
    );
}

/// Ticking another symptom from the review asks its follow-up before going back there.
#[test]
fn change_from_review_asks_new_follow_ups() {
    let q = load();
    let mut s = two_meds(&q);
    let sym = common::idx(&q, "sym");
    s.set(sym, Answer::Multi(vec![0])).expect("headache");
    s.set_at(at(&q, "sym.days", &[0]), Answer::Number(2.0))
        .expect("days");
    for k in 0..2 {
        s.set_at(at(&q, "visit.where", &[k]), text("Here"))
            .expect("visit");
    }
    assert!(s.is_complete(), "{:?}", s.problems().collect::<Vec<_>>());
    let mut m = model(s, Step::base(triage::questionnaire::ItemIdx::new(0)));
    triage::tui::screens::review::arrive(&mut m, None);
    let rows = triage::tui::screens::review::rows(&m);
    let i = rows.iter().position(|&r| r.item == sym).expect("sym row");
    update(&mut m, Msg::Tap(triage::tui::Target::Row(i)));
    assert_eq!(m.screen, Screen::Step(Step::base(sym)));
    update(&mut m, key(KeyCode::Char('3')));
    update(&mut m, key(KeyCode::Enter));
    assert_eq!(m.session.answer(sym), Some(&Answer::Multi(vec![0, 2])));
    assert_eq!(
        m.screen,
        Screen::Step(Step::Item(at(&q, "sym.days", &[2]))),
        "dizziness's follow-up is asked"
    );
    let (screen, _) = common::screen::draw(&m, 80, 24);
    assert!(screen.contains("(Dizziness)"), "{screen}");
    typed(&mut m, "4");
    update(&mut m, key(KeyCode::Enter));
    assert!(matches!(m.screen, Screen::Review { .. }), "{:?}", m.screen);
}

/// The bar moves on through instances and "add another", and is never empty there.
#[test]
fn progress_moves_forward_through_repeats() {
    let q = load();
    let s = two_meds(&q);
    let bar = |m: &Model<'_>| {
        let (screen, _) = common::screen::draw(m, 80, 24);
        screen.lines().nth(1).unwrap_or("").matches('█').count()
    };
    let first = bar(&model(s.clone(), Step::Item(at(&q, "med.name", &[0]))));
    let second = bar(&model(s.clone(), Step::Item(at(&q, "med.name", &[1]))));
    let more = bar(&model(s.clone(), Step::More(at(&q, "med", &[2]))));
    assert!(first < second && second < more, "{first} {second} {more}");
    assert!(more > 0);
}

/// The UCUM code "a" shows as "years"; `run --help` says JSON works; at 40x12 the thank-you
/// screen keeps the staff line.
#[test]
fn smaller_findings() {
    let q = load();
    let since = common::idx(&q, "since");
    let m = model(two_meds(&q), Step::base(since));
    let (screen, _) = common::screen::draw(&m, 80, 24);
    assert!(
        screen.contains("years") && !screen.contains("(a)"),
        "{screen}"
    );
    let mut m = model(
        two_meds(&q),
        Step::base(triage::questionnaire::ItemIdx::new(0)),
    );
    m.record = Some(42);
    m.page_to_stdout = false;
    m.screen = Screen::Thanks;
    let (screen, _) = common::screen::draw(&m, 40, 12);
    assert!(screen.contains("Staff: this is record 42"), "{screen}");
    let help = assert_cmd::Command::cargo_bin("triage")
        .expect("binary")
        .args(["run", "--help"])
        .output()
        .expect("runs");
    let help = String::from_utf8_lossy(&help.stdout);
    assert!(help.contains(".json"), "{help}");
}
