//! The step screen with FHIR questionnaires, through `update` and a test terminal: a quantity's
//! unit chosen on screen (keys and taps), number keys on a 0-10 scale choosing the number
//! printed, no "Section 0 of 0" on a flat file, and the "add another" loop of a repeating group
//! walked with the keyboard and with taps. Fixtures are made up (`tests/fixtures/fhir/`).

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
use triage::engine::{At, Inst, Session, Step};
use triage::questionnaire::Questionnaire;
use triage::tui::{Action, Effect, Mode, Model, Msg, Screen, Target, update};

fn load(name: &str) -> Questionnaire {
    common::fhir::load(
        &Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/fhir")
            .join(name),
    )
}

fn t0() -> jiff::Timestamp {
    "2025-06-02T09:00:00Z".parse().expect("ts")
}

fn key(code: KeyCode) -> Msg {
    Msg::Key(KeyEvent::new(code, KeyModifiers::NONE))
}

fn on(q: &Questionnaire, step: Step) -> Model<'_> {
    let mut m = Model::new(Session::new(q, common::visit()), Mode::Run, t0());
    m.draft = Some(1);
    m.go_to(step);
    m
}

fn at(item: triage::questionnaire::ItemIdx, k: &[u16]) -> At {
    At {
        item,
        inst: Inst::from_slice(k).expect("depth"),
    }
}

fn typed(m: &mut Model<'_>, s: &str) {
    for c in s.chars() {
        update(m, key(KeyCode::Char(c)));
    }
}

/// A quantity offering kg and lb: the unit is chosen with the arrows (or a tap), the answer is
/// recorded with that unit's UCUM code, and a condition written in kg compares the converted
/// value (150 lb is 68 kg: not over 100 kg).
#[test]
fn quantity_unit_is_chosen_on_screen() {
    let q = load("units-and-scale.json");
    let weight = common::idx(&q, "weight");
    let mut m = on(&q, Step::base(weight));
    let (screen, _) = common::screen::draw(&m, 80, 24);
    assert!(screen.contains("kg") && screen.contains("lb"), "{screen}");
    typed(&mut m, "150");
    update(&mut m, key(KeyCode::Down));
    let effects = update(&mut m, key(KeyCode::Enter));
    assert!(
        effects
            .iter()
            .any(|e| matches!(e, Effect::Save { item, value: Some(v) }
            if item == "weight" && v == &serde_json::json!({"value": 150, "unit": "[lb_av]"}))),
        "{effects:?}"
    );
    let Some(Answer::Quantity { value, unit, base }) = m.session.answer(weight).cloned() else {
        panic!("a quantity: {:?}", m.session.answer(weight))
    };
    assert_eq!((value, unit), (150.0, 1));
    assert!((base.expect("converts") - 68.04).abs() < 0.01, "{base:?}");
    assert!(!m.session.is_visible(common::idx(&q, "heavy")));
    let r = triage::fhir::questionnaire_response(&m.session, "2025-06-02T10:00:00+00:00");
    assert_eq!(
        r["item"][0]["answer"][0]["valueQuantity"],
        serde_json::json!({"value": 150, "unit": "lb", "system": "http://unitsofmeasure.org", "code": "[lb_av]"})
    );
    // Back to it: the field shows the unit chosen; a tap on kg changes it, and 150 kg is over.
    m.go_to(Step::base(weight));
    let (_, hits) = common::screen::draw(&m, 80, 24);
    assert!(hits.targets.iter().any(|(_, t)| *t == Target::Option(0)));
    update(&mut m, Msg::Tap(Target::Option(0)));
    update(&mut m, Msg::Tap(Target::Button(Action::Next)));
    assert_eq!(
        m.session.answer(weight),
        Some(&Answer::Quantity {
            value: 150.0,
            unit: 0,
            base: Some(150.0)
        })
    );
    assert!(m.session.is_visible(common::idx(&q, "heavy")));
}

/// Limits are in the first unit: 700 lb (318 kg) is over the 300 kg maximum.
#[test]
fn quantity_limits_convert() {
    let q = load("units-and-scale.json");
    let weight = common::idx(&q, "weight");
    let mut m = on(&q, Step::base(weight));
    typed(&mut m, "700");
    update(&mut m, key(KeyCode::Down));
    update(&mut m, key(KeyCode::Enter));
    assert!(
        m.message.as_deref().is_some_and(|t| t.contains("300 kg")),
        "{:?}",
        m.message
    );
    assert_eq!(m.screen, Screen::Step(Step::base(weight)));
}

/// On a 0-10 scale the number keys choose the number printed: 3 records "3", 0 records "0";
/// the keys shown beside the options are those numbers.
#[test]
fn number_keys_choose_the_printed_number() {
    let q = load("units-and-scale.json");
    let pain = common::idx(&q, "pain");
    let mut m = on(&q, Step::base(pain));
    update(&mut m, key(KeyCode::Char('3')));
    update(&mut m, key(KeyCode::Enter));
    assert_eq!(m.session.answer(pain), Some(&Answer::Choice(3)));
    assert_eq!(q.item(pain).options()[3].value, "3");
    m.go_to(Step::base(pain));
    update(&mut m, key(KeyCode::Char('0')));
    update(&mut m, key(KeyCode::Enter));
    assert_eq!(m.session.answer(pain), Some(&Answer::Choice(0)));
    let keys = triage::tui::options::option_keys(q.item(pain).options());
    assert_eq!(keys[0], Some('0'));
    assert_eq!(keys[9], Some('9'));
    assert_eq!(keys[10], None, "10 has no single key");
}

/// A flat questionnaire (no groups) shows no "Section 0 of 0".
#[test]
fn flat_file_has_no_section_count() {
    let q = load("units-and-scale.json");
    let m = on(&q, Step::base(common::idx(&q, "pain")));
    let (screen, _) = common::screen::draw(&m, 80, 24);
    assert!(!screen.contains("Section"), "{screen}");
}

/// The "add another" loop with keys: after the first medicine, choosing "Yes, add another"
/// goes to the second medicine's first question; "No" goes on to the next question.
#[test]
fn add_another_with_keys() {
    let q = load("repeats.json");
    let name = common::idx(&q, "name");
    let meds = common::idx(&q, "meds");
    let mut m = on(&q, Step::Item(at(name, &[0])));
    typed(&mut m, "Aspirin");
    update(&mut m, key(KeyCode::Enter));
    // Dose and "every day?" are optional: go on past them.
    update(&mut m, key(KeyCode::Enter));
    update(&mut m, key(KeyCode::Enter));
    assert_eq!(m.screen, Screen::Step(Step::More(at(meds, &[1]))));
    let (screen, _) = common::screen::draw(&m, 80, 24);
    assert!(
        screen.contains("Aspirin"),
        "what was given so far: {screen}"
    );
    update(&mut m, key(KeyCode::Char('1')));
    update(&mut m, key(KeyCode::Enter));
    assert_eq!(m.screen, Screen::Step(Step::Item(at(name, &[1]))));
    let effects = {
        typed(&mut m, "Ibuprofen");
        update(&mut m, key(KeyCode::Enter))
    };
    assert!(
        effects
            .iter()
            .any(|e| matches!(e, Effect::Save { item, value: Some(v) }
            if item == "name" && v == &serde_json::json!(["Aspirin", "Ibuprofen"]))),
        "the draft keeps every instance: {effects:?}"
    );
    update(&mut m, key(KeyCode::Enter));
    update(&mut m, key(KeyCode::Enter));
    assert_eq!(m.screen, Screen::Step(Step::More(at(meds, &[2]))));
    // "No, that is all" (2): on to the allergies.
    update(&mut m, key(KeyCode::Char('2')));
    update(&mut m, key(KeyCode::Enter));
    assert_eq!(
        m.screen,
        Screen::Step(Step::Item(at(common::idx(&q, "allergies"), &[0])))
    );
    // Back returns to "add another".
    update(&mut m, key(KeyCode::Esc));
    assert_eq!(m.screen, Screen::Step(Step::More(at(meds, &[2]))));
}

/// The same loop with taps: every choice of "add another" is a tap target; removing the last
/// instance is offered once there are two, and saves the moved answers.
#[test]
fn add_another_with_taps_and_remove() {
    let q = load("repeats.json");
    let name = common::idx(&q, "name");
    let meds = common::idx(&q, "meds");
    let mut s = Session::new(&q, common::visit());
    s.set_at(at(name, &[0]), Answer::Text("Aspirin".into()))
        .expect("a");
    s.add_instance(at(meds, &[1])).expect("second");
    s.set_at(at(name, &[1]), Answer::Text("Ibuprofen".into()))
        .expect("b");
    let mut m = Model::new(s, Mode::Run, t0());
    m.go_to(Step::More(at(meds, &[2])));
    let (screen, hits) = common::screen::draw(&m, 80, 24);
    assert!(screen.contains("Remove the last one"), "{screen}");
    let options: Vec<usize> = hits
        .targets
        .iter()
        .filter_map(|(r, t)| match t {
            Target::Option(i) if r.height >= 3 => Some(*i),
            _ => None,
        })
        .collect();
    assert_eq!(
        options,
        [0, 1, 2],
        "three choices, each at least three rows tall"
    );
    update(&mut m, Msg::Tap(Target::Option(2)));
    let effects = update(&mut m, Msg::Tap(Target::Button(Action::Next)));
    assert_eq!(m.session.instance_count(meds, Inst::ROOT), 1);
    assert!(
        effects
            .iter()
            .any(|e| matches!(e, Effect::Save { item, value: Some(v) }
            if item == "name" && v == &serde_json::json!(["Aspirin"]))),
        "{effects:?}"
    );
    assert_eq!(m.screen, Screen::Step(Step::More(at(meds, &[1]))));
    update(&mut m, Msg::Tap(Target::Option(0)));
    update(&mut m, Msg::Tap(Target::Button(Action::Next)));
    assert_eq!(m.screen, Screen::Step(Step::Item(at(name, &[1]))));
}
