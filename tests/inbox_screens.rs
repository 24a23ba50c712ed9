//! The inbox's screens and rules without a terminal: snapshots of the list and of an intake's
//! page at 80x24 and 120x40 (ratatui's TestBackend + insta), and `update` driven by intents with
//! a fake clock (idle lock, the focus following its intake, taps, the override reason).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "a test stops at the first thing that is wrong, saying what"
)]

mod common;

use jiff::Timestamp;
use jiff::civil::Date;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use serde_json::json;
use triage::inbox::{Columns, Decision, DecisionKind, IntakeRow, Prescriber};
use triage::questionnaire::{DEFAULT_SOURCE, load_toml};
use triage::tui::inbox::desk::Opened;
use triage::tui::inbox::{Effect, Inbox, Msg, Screen, Setup, update, view};
use triage::tui::keymap::{Intent, Taps};

fn at(minute: i64) -> Timestamp {
    // 2025-06-02 09:00 UTC plus minutes.
    Timestamp::from_second(1_748_854_800 + minute * 60).expect("ts")
}

fn lee() -> Prescriber {
    Prescriber {
        id: "lee".into(),
        name: "Dr Alex Lee".into(),
        registration: "GMC 7654321".into(),
    }
}

fn setup() -> Setup {
    Setup {
        prescribers: vec![
            lee(),
            Prescriber {
                id: "okafor".into(),
                name: "Dr Ngozi Okafor".into(),
                registration: "GMC 1234567".into(),
            },
        ],
        pin_set: vec![true, false],
        today: Date::constant(2025, 6, 2),
        day: Some(Date::constant(2025, 6, 2)),
        source: "riverside clinic store".into(),
        idle_lock: std::time::Duration::from_mins(2),
        zone: jiff::tz::TimeZone::UTC,
    }
}

#[allow(clippy::too_many_arguments)]
fn row(
    id: i64,
    minute: i64,
    name: &str,
    dob: &str,
    areas: serde_json::Value,
    outcome: &str,
    counts: [usize; 3],
    respondent: &str,
    decision: Option<DecisionKind>,
    reviewed: bool,
) -> IntakeRow {
    IntakeRow {
        id,
        uuid: None,
        completed_at: at(minute),
        visit_date: "2025-06-02".into(),
        questionnaire: "botulinum-toxin".into(),
        name: Some(name.into()),
        outcome: outcome.into(),
        counts,
        site: Some("riverside".into()),
        device: Some(
            if respondent == "staff" {
                "desk-2"
            } else {
                "kiosk-1"
            }
            .into(),
        ),
        fields: vec![Some(json!(dob)), Some(areas), Some(json!(respondent))],
        decision,
        reviewed,
    }
}

/// A day's intakes, listed as the worker lists them (columns worked out, then sorted).
fn intakes() -> Vec<triage::inbox::Intake> {
    let q = load_toml(DEFAULT_SOURCE).questionnaire.expect("valid");
    let columns = Columns::of(&q, None);
    assert_eq!(
        columns.keys(),
        vec!["a_dob", "b_areas", "a_respondent"],
        "the shipped questionnaire's columns"
    );
    let rows = vec![
        row(
            1,
            5,
            "Clara Clear",
            "1991-03-15",
            json!(["frown_lines"]),
            "clear",
            [0, 0, 1],
            "self",
            None,
            false,
        ),
        row(
            2,
            12,
            "Sam Stop",
            "1991-03-15",
            json!(["frown_lines"]),
            "stop",
            [1, 0, 0],
            "self",
            None,
            true,
        ),
        row(
            3,
            20,
            "Casey Caution",
            "1980-01-20",
            json!(["frown_lines", "crows_feet"]),
            "caution",
            [0, 1, 0],
            "self",
            None,
            false,
        ),
        row(
            4,
            31,
            "Nia Notfinished",
            "2001-11-30",
            json!(["calves"]),
            "not_assessed",
            [0, 0, 0],
            "self",
            None,
            false,
        ),
        row(
            5,
            44,
            "Rae Reception",
            "1975-07-04",
            json!(["underarm_sweating"]),
            "clear",
            [0, 0, 0],
            "staff",
            None,
            false,
        ),
        row(
            6,
            2,
            "Dee Decided",
            "1969-02-14",
            json!(["jaw_slimming", "teeth_grinding"]),
            "stop",
            [2, 1, 0],
            "self",
            Some(DecisionKind::Refer),
            true,
        ),
    ];
    let mut list: Vec<_> = rows.into_iter().map(|r| columns.intake(r)).collect();
    triage::inbox::intake::sort(&mut list);
    list
}

fn signed_in() -> Inbox {
    let mut m = Inbox::new(setup(), at(50));
    m.signed_in = Some(0);
    m.screen = Screen::List;
    update(&mut m, Msg::Listed(Ok(intakes())));
    m
}

fn draw(m: &Inbox, w: u16, h: u16) -> (String, Taps) {
    let mut terminal = Terminal::new(TestBackend::new(w, h)).expect("terminal");
    let mut taps = Taps::default();
    terminal.draw(|f| taps = view(m, f)).expect("draw");
    (common::screen::text(terminal.backend().buffer()), taps)
}

fn opened_stop(m: &mut Inbox) {
    let stop = m
        .intakes
        .iter()
        .position(|i| i.id == 2)
        .expect("Sam is listed");
    if m.list.selected != stop {
        update(m, Msg::Intent(Intent::Choose(stop)));
    }
    let effects = update(m, Msg::Intent(Intent::Confirm));
    assert_eq!(effects, vec![Effect::Open(2)]);
    let page = std::fs::read_to_string("tests/fixtures/inbox/stop-page.txt").expect("page");
    let decision = Decision {
        id: 1,
        record: 2,
        decided_at: at(55),
        kind: DecisionKind::Defer,
        note: Some("Pregnancy test first; rebook in two weeks.".into()),
        override_reason: None,
        prescriber: lee(),
        login: Some("doctor".into()),
    };
    update(
        m,
        Msg::Opened(
            2,
            Ok(Opened {
                id: 2,
                name: Some("Sam Stop".into()),
                outcome: "stop".into(),
                counts: [1, 0, 0],
                page,
                decisions: vec![decision],
                origin: Some("riverside/kiosk-1".into()),
            }),
        ),
    );
}

/// The list at both sizes: undecided first, STOP, NOT ASSESSED, CAUTION, then NO FLAGS, newest
/// first; age, areas by their short labels, source with who typed it in, status.
#[test]
fn list_snapshots() {
    let m = signed_in();
    for (w, h) in [(80, 24), (120, 40)] {
        let (text, _) = draw(&m, w, h);
        insta::assert_snapshot!(format!("list_{w}x{h}"), text);
    }
    let order: Vec<i64> = m.intakes.iter().map(|i| i.id).collect();
    assert_eq!(order, vec![2, 4, 3, 5, 1, 6]);
}

/// An intake's page at both sizes: the stored page, scrolled; then "Answers in full" (`f`)
/// and the decisions block at the end.
#[test]
fn page_snapshots() {
    for (w, h) in [(80, 24), (120, 40)] {
        let mut m = signed_in();
        opened_stop(&mut m);
        let (text, _) = draw(&m, w, h);
        insta::assert_snapshot!(format!("page_{w}x{h}"), text);
        update(&mut m, Msg::Intent(Intent::InFull));
        let (text, _) = draw(&m, w, h);
        insta::assert_snapshot!(format!("page_in_full_{w}x{h}"), text);
    }
    // On a tall window page 2 comes to the top.
    let mut m = signed_in();
    opened_stop(&mut m);
    let (text, _) = draw(&m, 120, 40);
    assert!(!text.contains("-- ANSWERS IN FULL"), "{text}");
    update(&mut m, Msg::Intent(Intent::InFull));
    let (text, _) = draw(&m, 120, 40);
    let body: Vec<&str> = text.lines().skip(2).collect();
    assert!(body[0].starts_with("=========="), "{text}");
    assert!(body[1].starts_with("-- ANSWERS IN FULL"), "{text}");
}

/// Every action of the list and the page works by tap: rows focus then open, and the hints
/// carry their intents.
#[test]
fn taps() {
    let mut m = signed_in();
    let (_, taps) = draw(&m, 80, 24);
    let (r, _) = taps
        .targets
        .iter()
        .find(|(_, i)| *i == Intent::Choose(2))
        .copied()
        .expect("the third row is a tap target");
    let tap = |m: &mut Inbox, taps: &Taps, x: u16, y: u16| {
        let i = taps.at(x, y).expect("something to tap");
        update(m, Msg::Intent(i))
    };
    assert!(tap(&mut m, &taps, r.x + 3, r.y).is_empty());
    assert_eq!(m.list.selected, 2);
    assert_eq!(
        tap(&mut m, &taps, r.x + 3, r.y),
        vec![Effect::Open(m.intakes[2].id)]
    );
    let (_, taps) = draw(&m, 80, 24);
    assert!(
        !taps.targets.iter().any(|(_, i)| *i == Intent::Decide),
        "nothing to decide on while the page loads"
    );
    let mut m = signed_in();
    opened_stop(&mut m);
    let (_, taps) = draw(&m, 80, 24);
    for want in [Intent::Decide, Intent::InFull, Intent::Back, Intent::Lock] {
        assert!(
            taps.targets.iter().any(|(_, i)| *i == want),
            "{want:?} has no tap target"
        );
    }
}

/// The idle lock: after the configured time without input the screen shows no patient data;
/// the right PIN brings back the page it hid; Esc signs someone else in and drops it.
#[test]
fn idle_lock() {
    let mut m = signed_in();
    opened_stop(&mut m);
    update(&mut m, Msg::Tick(at(51)));
    assert!(matches!(m.screen, Screen::Page(_)));
    update(&mut m, Msg::Tick(at(53)));
    assert!(matches!(m.screen, Screen::Pin(_)), "locked after 2 minutes");
    let (text, _) = draw(&m, 80, 24);
    for secret in ["Sam", "Stop", "Pregnan", "Clara", "TREAT"] {
        assert!(
            !text.contains(secret),
            "`{secret}` shows while locked:\n{text}"
        );
    }
    for c in "4321".chars() {
        update(&mut m, Msg::Intent(Intent::Type(c)));
    }
    let effects = update(&mut m, Msg::Intent(Intent::Confirm));
    assert_eq!(
        effects,
        vec![Effect::CheckPin {
            prescriber: 0,
            pin: "4321".into()
        }]
    );
    update(&mut m, Msg::PinChecked(0, triage::kiosk::pin::Check::Right));
    assert!(matches!(&m.screen, Screen::Page(p) if p.id == 2));
    // Locked again; someone else signs in: the page is not theirs to see.
    update(&mut m, Msg::Intent(Intent::Lock));
    update(&mut m, Msg::Intent(Intent::SwitchUser));
    assert!(matches!(m.screen, Screen::SignIn { .. }));
    assert_eq!(m.signed_in, None);
    // Dr Okafor has no PIN set: told how to set one, not asked for it.
    update(&mut m, Msg::Intent(Intent::Choose(1)));
    let (text, _) = draw(&m, 80, 24);
    assert!(text.contains("No PIN is set for Dr Ngozi Okafor"), "{text}");
    // The command to set it names her real id, ready to type.
    let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        flat.contains("triage pin set --prescriber okafor"),
        "{text}"
    );
    assert!(!text.contains("--prescriber ID"), "{text}");
}

/// Over all days (`a`), the first column is the visit's date, and the header says so: with
/// the time for a form completed on its visit day, the date alone for one typed in later
/// from paper (never the day it was typed). Today's list keeps the time.
#[test]
fn all_days_show_the_visit_date() {
    let q = load_toml(DEFAULT_SOURCE).questionnaire.expect("valid");
    let columns = Columns::of(&q, None);
    let mut typed_later = row(
        7,
        40,
        "Pat Paper",
        "1980-01-20",
        json!(["frown_lines"]),
        "clear",
        [0, 0, 0],
        "staff",
        None,
        false,
    );
    typed_later.visit_date = "2025-05-28".into();
    let mut last_year = row(
        8,
        41,
        "Lou Lastyear",
        "1970-02-02",
        json!(["frown_lines"]),
        "clear",
        [0, 0, 0],
        "staff",
        None,
        false,
    );
    last_year.visit_date = "2024-12-30".into();
    let mut list = intakes();
    list.push(columns.intake(typed_later));
    list.push(columns.intake(last_year));
    triage::inbox::intake::sort(&mut list);
    let mut m = Inbox::new(setup(), at(50));
    m.signed_in = Some(0);
    m.screen = Screen::List;
    update(&mut m, Msg::Listed(Ok(list.clone())));
    let (today, _) = draw(&m, 120, 30);
    assert!(today.contains("TIME"), "{today}");
    m.day = None;
    update(&mut m, Msg::Listed(Ok(list)));
    let (text, _) = draw(&m, 120, 30);
    assert!(text.contains("VISIT"), "the header says which:\n{text}");
    let paper = text
        .lines()
        .find(|l| l.contains("Pat Paper"))
        .unwrap_or_else(|| panic!("{text}"));
    assert!(paper.contains("05-28"), "the visit date: {paper}");
    let old = text
        .lines()
        .find(|l| l.contains("Lou Lastyear"))
        .unwrap_or_else(|| panic!("{text}"));
    assert!(
        old.contains("2024-12-30"),
        "another year's visit says its year: {old}"
    );
    assert!(
        !paper.contains("06-02"),
        "not the day it was typed: {paper}"
    );
    let same_day = text
        .lines()
        .find(|l| l.contains("Clara Clear"))
        .unwrap_or_else(|| panic!("{text}"));
    assert!(
        same_day.contains("06-02 "),
        "visit date and time: {same_day}"
    );
}

/// A new intake arriving above keeps the focus on the intake it was on.
#[test]
fn focus_follows_its_intake() {
    let mut m = signed_in();
    update(&mut m, Msg::Intent(Intent::Down));
    update(&mut m, Msg::Intent(Intent::Down));
    let focused = m.intakes[m.list.selected].id;
    let mut more = intakes();
    let q = load_toml(DEFAULT_SOURCE).questionnaire.expect("valid");
    more.push(Columns::of(&q, None).intake(row(
        7,
        49,
        "New Arrival",
        "1990-01-01",
        json!(["calves"]),
        "stop",
        [1, 0, 0],
        "self",
        None,
        false,
    )));
    triage::inbox::intake::sort(&mut more);
    update(&mut m, Msg::Listed(Ok(more)));
    assert_eq!(m.intakes[0].id, 7, "the new STOP is first");
    assert_eq!(m.intakes[m.list.selected].id, focused);
}

/// Treating today with a STOP needs the reason; the form says so and sends nothing until it
/// has one; a failed save keeps the form and says why.
#[test]
fn override_reason_required() {
    let mut m = signed_in();
    opened_stop(&mut m);
    update(&mut m, Msg::Intent(Intent::Decide));
    update(&mut m, Msg::Intent(Intent::Choose(0)));
    assert!(update(&mut m, Msg::Intent(Intent::Confirm)).is_empty());
    let (text, _) = draw(&m, 80, 24);
    assert!(text.contains("needs"), "{text}");
    for c in "benefit discussed".chars() {
        update(&mut m, Msg::Intent(Intent::Type(c)));
    }
    let effects = update(&mut m, Msg::Intent(Intent::Confirm));
    let [Effect::Decide { id: 2, decision }] = effects.as_slice() else {
        panic!("{effects:?}");
    };
    assert_eq!(
        decision.override_reason.as_deref(),
        Some("benefit discussed")
    );
    assert_eq!(decision.prescriber, lee());
    update(
        &mut m,
        Msg::Decided(2, Err("cannot reach the clinic store".into())),
    );
    let (text, _) = draw(&m, 80, 24);
    assert!(text.contains("cannot reach the clinic store"), "{text}");
    assert!(matches!(m.screen, Screen::Write(_)));
}
