//! Patients finish without help (issue 14): the review screen starts on Send, so Enter sends;
//! ↑ or a tap reaches the list; after changing an answer from there the focus comes back to
//! that row; and every screen says on itself what Enter does.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "a test stops at the first thing that is wrong, saying what"
)]

mod common;

use common::pty::*;
use common::screen::draw;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use triage::engine::Session;
use triage::questionnaire::{DEFAULT_SOURCE, ItemKind, Questionnaire, load_toml};
use triage::tui::screens::review::rows;
use triage::tui::{AfterPin, Effect, Mode, Model, Msg, Screen, Target, update};

fn shipped() -> Questionnaire {
    load_toml(DEFAULT_SOURCE).questionnaire.expect("valid")
}

fn t0() -> jiff::Timestamp {
    "2025-06-02T09:00:00Z".parse().expect("ts")
}

fn key(code: KeyCode) -> Msg {
    Msg::Key(KeyEvent::new(code, KeyModifiers::NONE))
}

fn baseline(q: &Questionnaire) -> Session<'_> {
    let text = std::fs::read_to_string("questionnaires/examples/baseline.json").expect("baseline");
    let file = triage::answers::parse_answers_file(&text).expect("parse");
    let mut s = Session::new(q, common::visit());
    triage::answers::fill_session(&mut s, &file.answers);
    s
}

/// The baseline patient on the last question, answered.
fn at_last_question(q: &Questionnaire) -> Model<'_> {
    let mut m = Model::new(baseline(q), Mode::Run, t0());
    m.draft = Some(1);
    let last = m.session.steps().last().expect("a last step");
    m.go_to(last);
    m
}

/// After the last question the focus is on Send: Enter goes to "Ready to send?", Enter again
/// stores the record. No End, no arrows.
#[test]
fn review_starts_on_send_and_enter_sends() {
    let q = shipped();
    let mut m = at_last_question(&q);
    update(&mut m, key(KeyCode::Enter));
    let n = rows(&m).len();
    assert_eq!(m.screen, Screen::Review { focus: n }, "focus on Send");
    let (text, _) = draw(&m, 80, 24);
    assert!(text.contains("Enter sends your answers"), "{text}");
    assert!(text.contains("Send my answers (Enter)"), "{text}");
    update(&mut m, key(KeyCode::Enter));
    assert_eq!(m.screen, Screen::Confirm);
    assert_eq!(update(&mut m, key(KeyCode::Enter)), vec![Effect::Complete]);
}

/// ↑ from Send reaches the last answer; Enter there opens it; after the change the review
/// comes back with the focus on that row, and the line above the list says what Enter does.
#[test]
fn up_reaches_the_list_and_the_focus_returns_to_the_row_changed() {
    let q = shipped();
    let mut m = at_last_question(&q);
    update(&mut m, key(KeyCode::Enter));
    let n = rows(&m).len();
    update(&mut m, key(KeyCode::Up));
    assert_eq!(m.screen, Screen::Review { focus: n - 1 });
    let (text, _) = draw(&m, 80, 24);
    assert!(text.contains("Enter changes the answer marked"), "{text}");
    // A tap on a row in the middle: that question opens, is changed, and Enter comes back.
    let row = rows(&m)
        .iter()
        .position(|&i| q.item(i.item).id == "b_whose_idea")
        .expect("b_whose_idea is listed");
    update(&mut m, Msg::Tap(Target::Row(row)));
    assert!(matches!(m.screen, Screen::Step(i) if q.item(i.item()).id == "b_whose_idea"));
    update(
        &mut m,
        Msg::Key(KeyEvent::new(KeyCode::Char('2'), KeyModifiers::NONE)),
    );
    update(&mut m, key(KeyCode::Enter));
    assert_eq!(
        m.screen,
        Screen::Review { focus: row },
        "back on the row changed"
    );
    // Opened again and left with Back: the same row again.
    update(&mut m, key(KeyCode::Enter));
    update(&mut m, key(KeyCode::Esc));
    assert_eq!(m.screen, Screen::Review { focus: row });
    // "Go back" from "Ready to send?" lands on Send.
    update(&mut m, key(KeyCode::End));
    update(&mut m, key(KeyCode::Enter));
    assert_eq!(m.screen, Screen::Confirm);
    update(&mut m, key(KeyCode::Esc));
    assert_eq!(m.screen, Screen::Review { focus: n });
}

/// Every screen that Enter does something on says so on the screen itself, at 80x24 and at
/// 40x12 (the safety pause, where Enter does nothing, is left out).
#[test]
fn every_screen_says_what_enter_does() {
    fn model(s: Session<'_>, mode: Mode) -> Model<'_> {
        Model::new(s, mode, t0())
    }
    let q = shipped();
    let mut screens: Vec<(String, Model<'_>)> = Vec::new();
    screens.push((
        "welcome".into(),
        model(Session::new(&q, common::visit()), Mode::Run),
    ));
    for (i, it) in q.items.iter().enumerate() {
        // A section intro, an information screen and every question.
        if matches!(it.kind, ItemKind::Group { intro: None }) {
            continue;
        }
        let mut m = model(baseline(&q), Mode::Run);
        m.go_to(triage::engine::Step::base(
            triage::questionnaire::ItemIdx::at(i),
        ));
        screens.push((it.id.clone(), m));
    }
    let mut review_send = model(baseline(&q), Mode::Run);
    let n = rows(&review_send).len();
    review_send.screen = Screen::Review { focus: n };
    screens.push(("review on Send".into(), review_send));
    let mut review_row = model(baseline(&q), Mode::Run);
    review_row.screen = Screen::Review { focus: 3 };
    screens.push(("review on a row".into(), review_row));
    let mut confirm = model(baseline(&q), Mode::Run);
    confirm.screen = Screen::Confirm;
    screens.push(("confirm".into(), confirm));
    let mut thanks = model(baseline(&q), Mode::Run);
    thanks.screen = Screen::Thanks;
    screens.push(("thanks".into(), thanks));
    let mut pin = model(baseline(&q), Mode::Run);
    triage::tui::screens::staff::open_pin(&mut pin, AfterPin::Menu);
    screens.push(("staff PIN".into(), pin));
    let mut menu = model(baseline(&q), Mode::Run);
    menu.screen = Screen::StaffMenu {
        focus: 0,
        back: Box::new(Screen::Welcome),
    };
    screens.push(("staff menu".into(), menu));
    let mut sections = model(baseline(&q), Mode::Staff);
    sections.screen = Screen::Sections {
        focus: 0,
        back: triage::engine::Step::base(triage::questionnaire::ItemIdx::new(1)),
    };
    screens.push(("sections".into(), sections));
    let mut intake = model(Session::new(&q, common::visit()), Mode::Staff);
    intake.screen = Screen::Intake { focus: 0 };
    screens.push(("intake".into(), intake));
    let mut form = model(Session::new(&q, common::visit()), Mode::Paper);
    triage::tui::screens::form::start(&mut form);
    screens.push(("paper form".into(), form));
    for (name, m) in &screens {
        for (w, h) in [(80, 24), (40, 12)] {
            let (text, _) = draw(m, w, h);
            assert!(
                text.contains("Enter"),
                "{name} at {w}x{h} does not say what Enter does:\n{text}"
            );
        }
    }
}

/// In a real terminal: the baseline patient reaches the review screen and sends with Enter,
/// Enter, and nothing else.
#[test]
fn review_enter_sends_in_a_terminal() {
    let q = shipped();
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
        ],
        80,
        24,
    );
    p.wait_for("Start");
    p.send(ENTER);
    common::walk::answer_baseline(&mut p, &q, None);
    p.wait_for("Send my answers (Enter)");
    p.send(ENTER);
    p.wait_for("Ready to send?");
    p.send(ENTER);
    p.wait_for("Thank you");
    p.send(ENTER);
    assert_eq!(p.wait_exit(), 0);
    let out = assert_cmd::Command::new(&bin)
        .args([
            "--data-dir",
            data.to_str().expect("utf-8"),
            "records",
            "list",
        ])
        .output()
        .expect("records list");
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("Alex Sample"),
        "the record was stored"
    );
}

/// A list chosen by number names the digits it has: the staff menu says "1-3" for three rows
/// (or "1" for one), not "1-9" (user test of issue 15).
#[test]
fn menus_name_the_digits_they_have() {
    let q = shipped();
    let mut menu = Model::new(baseline(&q), Mode::Run, t0());
    menu.screen = Screen::StaffMenu {
        focus: 0,
        back: Box::new(Screen::Welcome),
    };
    let rows = triage::tui::screens::staff::items(&menu, &Screen::Welcome).len();
    assert!((1..9).contains(&rows), "{rows} rows");
    let digits = if rows == 1 {
        "1".to_owned()
    } else {
        format!("1-{rows}")
    };
    let (text, _) = draw(&menu, 80, 24);
    assert!(text.contains(&format!("{digits} choose")), "{text}");
    assert!(!text.contains("1-9"), "{text}");
}

/// Reception's section list numbers each section as the header does ("Section 7 of 9", hidden
/// sections counted), and its digit goes to that section: the list and the header agree
/// (user test of issue 15: the list numbered the visible sections 1-8, the header 1-9).
#[test]
fn section_list_numbers_match_the_header() {
    let q = shipped();
    let hidden = q
        .sections()
        .filter(|&s| !baseline(&q).is_visible(s))
        .count();
    assert!(hidden > 0, "the baseline patient has a hidden section");
    let total = q.sections().count();
    for (k, s) in q.sections().enumerate() {
        if !baseline(&q).is_visible(s) {
            continue;
        }
        let mut m = Model::new(baseline(&q), Mode::Staff, t0());
        m.screen = Screen::Sections {
            focus: 0,
            back: triage::engine::Step::base(q.item_index("a_full_name").expect("item")),
        };
        let (list, _) = draw(&m, 80, 24);
        let title = &q.item(s).text;
        assert!(list.contains(&format!("{} {title}", k + 1)), "{list}");
        update(
            &mut m,
            key(KeyCode::Char(char::from(
                b'1' + u8::try_from(k).expect("few"),
            ))),
        );
        let (text, _) = draw(&m, 80, 24);
        assert!(
            text.contains(&format!("Section {} of {total}", k + 1)),
            "digit {} went to:\n{text}",
            k + 1
        );
    }
}
