//! Kiosk rules in `update`, with a fake clock: the idle warning and wipe, the thank-you timeout,
//! staff screens closing by themselves, staff access by F12 only, and no way out by keys.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "a test stops at the first thing that is wrong, saying what"
)]

mod common;

use std::time::Duration;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use triage::engine::Session;
use triage::questionnaire::{DEFAULT_SOURCE, Questionnaire, load_toml};
use triage::tui::{Effect, Mode, Model, Msg, Screen, update};

fn q() -> Questionnaire {
    load_toml(DEFAULT_SOURCE).questionnaire.expect("valid")
}

fn at(secs: i64) -> jiff::Timestamp {
    jiff::Timestamp::from_second(1_750_000_000 + secs).expect("ts")
}

fn kiosk(q: &Questionnaire) -> Model<'_> {
    let mut m = Model::new(Session::new(q, common::visit()), Mode::Kiosk, at(0));
    m.kiosk = Some(triage::tui::model::Kiosk {
        idle_warning: Duration::from_mins(1),
        idle_reset: Duration::from_secs(90),
        thanks: Duration::from_secs(15),
        last_activity: at(0),
        thanks_since: None,
        staff_notice: None,
        last_record: None,
        zone: jiff::tz::TimeZone::UTC,
        fixed_date: None,
    });
    m
}

fn key(code: KeyCode) -> Msg {
    Msg::Key(KeyEvent::new(code, KeyModifiers::NONE))
}

/// Starts a patient and answers the first question.
fn with_patient(m: &mut Model<'_>) {
    update(m, key(KeyCode::Enter));
    update(m, key(KeyCode::Char('1')));
    update(m, key(KeyCode::Enter));
    update(m, Msg::DraftStarted(7));
}

/// After 60 s without input the warning shows; after 90 s the session is wiped from memory and
/// its draft kept as abandoned.
#[test]
fn idle_warning_then_wipe() {
    let q = q();
    let mut m = kiosk(&q);
    with_patient(&mut m);
    update(&mut m, Msg::Tick(at(59)));
    assert!(!triage::tui::update::idle_warning_showing_for(&m));
    update(&mut m, Msg::Tick(at(61)));
    assert!(triage::tui::update::idle_warning_showing_for(&m));
    let effects = update(&mut m, Msg::Tick(at(91)));
    assert_eq!(effects, vec![Effect::AbandonDraft(7)]);
    assert_eq!(m.screen, Screen::Welcome);
    assert!(
        m.session.stored_answers().next().is_none(),
        "nothing of the patient stays in memory"
    );
    assert_eq!(m.draft, None);
}

/// During the warning, a key only says "still here": it does not act on the screen.
#[test]
fn key_during_warning_only_dismisses() {
    let q = q();
    let mut m = kiosk(&q);
    with_patient(&mut m);
    let before = m.screen.clone();
    update(&mut m, Msg::Tick(at(70)));
    update(&mut m, key(KeyCode::Esc));
    assert_eq!(m.screen, before, "Esc did not go back");
    assert!(!triage::tui::update::idle_warning_showing_for(&m));
    update(&mut m, Msg::Tick(at(140)));
    assert_eq!(m.screen, before, "the idle clock restarted at the key");
}

/// An empty welcome screen is never wiped (there is nothing to clear).
#[test]
fn welcome_is_not_wiped() {
    let q = q();
    let mut m = kiosk(&q);
    assert!(update(&mut m, Msg::Tick(at(1000))).is_empty());
    assert_eq!(m.screen, Screen::Welcome);
}

/// A finished patient leaves memory at once; the thank-you screen gives way after 15 s.
#[test]
fn completed_then_thanks_timeout() {
    let q = q();
    let mut m = kiosk(&q);
    with_patient(&mut m);
    update(&mut m, Msg::Tick(at(10)));
    let effects = update(&mut m, Msg::Completed(3));
    assert_eq!(effects, vec![Effect::Deliver(3)]);
    assert_eq!(m.screen, Screen::Thanks);
    assert!(m.session.stored_answers().next().is_none() && m.draft.is_none());
    update(&mut m, Msg::Tick(at(24)));
    assert_eq!(m.screen, Screen::Thanks);
    update(&mut m, Msg::Tick(at(26)));
    assert_eq!(m.screen, Screen::Welcome);
}

/// Quit keys do nothing at a kiosk; F12 opens the PIN screen, which closes by itself if left.
#[test]
fn no_way_out_but_staff() {
    let q = q();
    let mut m = kiosk(&q);
    for (code, mods) in [
        (KeyCode::Char('c'), KeyModifiers::CONTROL),
        (KeyCode::Char('q'), KeyModifiers::CONTROL),
        (KeyCode::Char('z'), KeyModifiers::CONTROL),
        (KeyCode::Esc, KeyModifiers::NONE),
        (KeyCode::F(10), KeyModifiers::NONE),
    ] {
        assert!(!update(&mut m, Msg::Key(KeyEvent::new(code, mods))).contains(&Effect::Quit));
    }
    update(&mut m, key(KeyCode::F(12)));
    assert!(matches!(m.screen, Screen::StaffPin { .. }));
    for c in "4321".chars() {
        update(&mut m, key(KeyCode::Char(c)));
    }
    assert_eq!(
        update(&mut m, key(KeyCode::Enter)),
        vec![Effect::CheckPin("4321".into())]
    );
    update(&mut m, Msg::Tick(at(61)));
    assert_eq!(
        m.screen,
        Screen::Welcome,
        "an unattended staff screen closes"
    );
}

/// A kiosk started with `--visit-date` gives every patient that date, not the clock's; without
/// it, the next patient gets today's.
#[test]
fn fixed_visit_date_holds_for_every_patient() {
    let q = triage::questionnaire::load_toml(triage::questionnaire::DEFAULT_SOURCE)
        .questionnaire
        .expect("valid");
    let mut m = kiosk(&q);
    if let Some(k) = &mut m.kiosk {
        k.fixed_date = Some(common::visit());
    }
    m.now = "2030-01-05T10:00:00Z".parse().expect("ts");
    m.start_over();
    assert_eq!(m.session.visit_date(), common::visit());
    let mut m = kiosk(&q);
    m.now = "2030-01-05T10:00:00Z".parse().expect("ts");
    m.start_over();
    assert_eq!(m.session.visit_date(), jiff::civil::date(2030, 1, 5));
}

/// F12 opens the staff PIN entry at once wherever the kiosk is: over "Are you still there?"
/// (not spent on "I'm still here") and in the thank-you screen's first moments, where the
/// patient's other keys are still ignored (user test of issue 15).
#[test]
fn f12_reaches_staff_through_the_warning_and_the_thanks_pause() {
    let q = q();
    let mut m = kiosk(&q);
    with_patient(&mut m);
    update(&mut m, Msg::Tick(at(61)));
    assert!(triage::tui::update::idle_warning_showing_for(&m));
    update(&mut m, key(KeyCode::F(12)));
    assert!(
        matches!(m.screen, Screen::StaffPin { .. }),
        "{:?}",
        m.screen
    );

    let mut m = kiosk(&q);
    with_patient(&mut m);
    update(&mut m, Msg::Completed(3));
    assert_eq!(m.screen, Screen::Thanks);
    update(&mut m, key(KeyCode::Enter));
    assert_eq!(
        m.screen,
        Screen::Thanks,
        "the last patient's Enter is ignored"
    );
    update(&mut m, key(KeyCode::F(12)));
    assert!(
        matches!(m.screen, Screen::StaffPin { .. }),
        "{:?}",
        m.screen
    );
}
