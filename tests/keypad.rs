//! A touch-only kiosk can be unlocked (issue 14): `[Staff]` opens the PIN entry with a tap, the
//! on-screen keypad's large digits enter the PIN (masked), and the PIN is checked the same way
//! as typed ones, with the same attempts and lockout.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "a test stops at the first thing that is wrong, saying what"
)]

mod common;

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use common::pty::*;
use common::screen::draw;
use triage::engine::Session;
use triage::questionnaire::{DEFAULT_SOURCE, load_toml};
use triage::tui::{Action, AfterPin, Effect, Mode, Model, Msg, PadKey, Screen, Target, update};

fn t0() -> jiff::Timestamp {
    "2025-06-02T09:00:00Z".parse().expect("ts")
}

fn tap(k: PadKey) -> Msg {
    Msg::Tap(Target::Pad(k))
}

/// Taps on the keypad enter the PIN, masked; Delete takes the last digit off; OK asks for the
/// same check as Enter; Cancel goes back. At 80x24 the digits are three rows tall.
#[test]
fn keypad_taps_are_pin_keys() {
    let q = load_toml(DEFAULT_SOURCE).questionnaire.expect("valid");
    let mut m = Model::new(Session::new(&q, common::visit()), Mode::Run, t0());
    triage::tui::screens::staff::open_pin(&mut m, AfterPin::Menu);
    let (_, hits) = draw(&m, 80, 24);
    for d in 0..=9 {
        let (r, _) = hits
            .targets
            .iter()
            .find(|(_, t)| *t == Target::Pad(PadKey::Digit(d)))
            .unwrap_or_else(|| panic!("digit {d} on the keypad"));
        assert!(
            r.height >= 3 && r.width >= 5,
            "digit {d} is a large target: {r:?}"
        );
    }
    for k in [PadKey::Delete, PadKey::Ok, PadKey::Cancel] {
        assert!(
            hits.targets.iter().any(|(_, t)| *t == Target::Pad(k)),
            "{k:?}"
        );
    }
    for d in [4, 3, 2, 9] {
        update(&mut m, tap(PadKey::Digit(d)));
    }
    update(&mut m, tap(PadKey::Delete));
    update(&mut m, tap(PadKey::Digit(1)));
    let (text, _) = draw(&m, 80, 24);
    assert!(
        text.contains("••••") && !text.contains("4321"),
        "masked:\n{text}"
    );
    assert_eq!(
        update(&mut m, tap(PadKey::Ok)),
        vec![Effect::CheckPin("4321".into())]
    );
    update(&mut m, tap(PadKey::Cancel));
    assert_eq!(m.screen, Screen::Welcome, "Cancel goes back");
    // The keypad fits the smallest window too.
    triage::tui::screens::staff::open_pin(&mut m, AfterPin::Menu);
    let (text, hits) = draw(&m, 40, 12);
    for d in 0..=9 {
        assert!(
            hits.targets
                .iter()
                .any(|(_, t)| *t == Target::Pad(PadKey::Digit(d))),
            "digit {d} at 40x12:\n{text}"
        );
    }
}

/// The keypad never moves under a finger (issue 14's user test): with no message, a one-line
/// one and one that wraps over two lines (a lockout), every key is drawn at the same place, at
/// 80x24 and at 40x12, so a tap aimed at Cancel never lands on Delete.
#[test]
fn keypad_stays_put_whatever_the_message() {
    let q = load_toml(DEFAULT_SOURCE).questionnaire.expect("valid");
    let mut m = Model::new(Session::new(&q, common::visit()), Mode::Kiosk, t0());
    triage::tui::screens::staff::open_pin(&mut m, AfterPin::Menu);
    let long = "Too many wrong PINs. Locked until 09:15. Ask the practice manager for the \
                recovery PIN if this cannot wait, or try again later.";
    for (w, h) in [(80, 24), (40, 12)] {
        let mut places = Vec::new();
        for message in [None, Some("Wrong PIN. 2 tries left."), Some(long)] {
            if let Screen::StaffPin { message: shown, .. } = &mut m.screen {
                *shown = message.map(str::to_owned);
            }
            let (text, hits) = draw(&m, w, h);
            if let Some(t) = message {
                let first = t.split_whitespace().take(3).collect::<Vec<_>>().join(" ");
                assert!(text.contains(&first), "the message shows:\n{text}");
            }
            let pad: Vec<_> = hits
                .targets
                .iter()
                .filter(|(_, t)| matches!(t, Target::Pad(_)))
                .copied()
                .collect();
            assert!(
                pad.iter().any(|(_, t)| *t == Target::Pad(PadKey::Cancel)),
                "Cancel on the keypad at {w}x{h}:\n{text}"
            );
            places.push(pad);
        }
        assert_eq!(
            places[0], places[1],
            "a one-line message moved the keypad at {w}x{h}"
        );
        assert_eq!(
            places[0], places[2],
            "a two-line message moved the keypad at {w}x{h}"
        );
    }
}

/// At a kiosk the welcome screen has a `[Staff]` tap target that opens the PIN entry (what F12
/// does on a keyboard).
#[test]
fn staff_tap_target_at_the_kiosk() {
    let q = load_toml(DEFAULT_SOURCE).questionnaire.expect("valid");
    let mut m = Model::new(Session::new(&q, common::visit()), Mode::Kiosk, t0());
    m.kiosk = Some(triage::tui::model::Kiosk {
        idle_warning: std::time::Duration::from_mins(1),
        idle_reset: std::time::Duration::from_secs(90),
        thanks: std::time::Duration::from_secs(15),
        last_activity: t0(),
        thanks_since: None,
        staff_notice: None,
        last_record: None,
        zone: jiff::tz::TimeZone::UTC,
        fixed_date: None,
    });
    let (text, hits) = draw(&m, 80, 24);
    assert!(text.contains("[Staff]"), "{text}");
    assert!(
        hits.targets
            .iter()
            .any(|(_, t)| *t == Target::Button(Action::Staff))
    );
    update(&mut m, Msg::Tap(Target::Button(Action::Staff)));
    assert!(
        matches!(m.screen, Screen::StaffPin { .. }),
        "{:?}",
        m.screen
    );
}

fn bin() -> PathBuf {
    assert_cmd::cargo::cargo_bin("triage")
}

fn setup(config: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("data");
    Command::new(bin())
        .arg("--data-dir")
        .arg(&data)
        .args(["pin", "set"])
        .write_stdin("4321\n4321\n")
        .assert()
        .success();
    std::fs::write(data.join("config.toml"), config).expect("config");
    (dir, data)
}

fn kiosk(data: &Path) -> Pty {
    let args = [
        "--data-dir",
        data.to_str().expect("utf-8"),
        "--visit-date",
        "2025-06-02",
        "kiosk",
    ];
    Pty::spawn(&bin(), &args, 80, 24)
}

/// Where the keypad key labelled `label` is drawn (row, column), if the keypad is whole on
/// `screen`.
fn key_at(screen: &str, label: &str) -> Option<(u16, u16)> {
    let top = screen.lines().position(|l| l.contains("Delete"))?;
    (0u16..)
        .zip(screen.lines())
        .skip(top.saturating_sub(1))
        .find_map(|(r, line)| {
            line.find(label).map(|b| {
                let col = line[..b].chars().count();
                (r, u16::try_from(col).expect("a terminal column fits u16"))
            })
        })
}

/// Taps the keypad key labelled `label` (the first place it is drawn on the keypad), once the
/// keypad is drawn whole.
fn tap_key(p: &mut Pty, label: &str) {
    let screen = p.wait_until(&format!("`{label}` on the keypad"), |s| {
        s.contains("Type the staff PIN") && key_at(s, label).is_some()
    });
    let (r, c) = key_at(&screen, label).expect("found above");
    p.click(r, c);
}

/// In a real terminal, by taps alone: `[Staff]`, the PIN on the keypad, OK, and the staff menu
/// opens; wrong PINs tapped in lock it out exactly as typed ones do.
#[test]
fn a_touch_only_kiosk_is_unlocked_by_taps() {
    let (_dir, data) = setup("[kiosk]\npin_attempts = 2\npin_delay = 0\npin_lockout = 600\n");
    let mut p = kiosk(&data);
    p.wait_for("Start");
    let (r, c) = p.find("[Staff]");
    p.click(r, c + 1);
    for d in ["4", "3", "2", "1"] {
        let before = p.screen();
        tap_key(&mut p, d);
        p.wait_until("the digit to register", |s| s != before);
    }
    assert!(!p.screen().contains("4321"), "masked");
    tap_key(&mut p, "OK");
    p.wait_for("Staff menu");
    let (r, c) = p.find("Back to the patient's screen");
    p.click(r, c);
    p.wait_for("Start");
    // Two wrong PINs by taps: locked.
    let (r, c) = p.find("[Staff]");
    p.click(r, c + 1);
    for round in 0..2 {
        for _ in 0..4 {
            let before = p.screen();
            tap_key(&mut p, "9");
            p.wait_until("the digit to register", |s| s != before);
        }
        tap_key(&mut p, "OK");
        if round == 0 {
            p.wait_for("That PIN is not right.");
        }
    }
    p.wait_for("Too many wrong PINs: locked. Try again");
}
