//! Everything on every screen can be reached at the smallest supported size (40x12): for every
//! question of the shipped questionnaire, ↓ (and the mouse wheel) bring every part of the
//! question and every answer into view, and the safety pause shows its phone numbers at once.

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
use triage::questionnaire::{DEFAULT_SOURCE, ItemKind, load_toml};
use triage::tui::{Mode, Model, Msg, Screen, update};

fn key(code: KeyCode) -> Msg {
    Msg::Key(KeyEvent::new(code, KeyModifiers::NONE))
}

/// Words of `text` that are long enough to look for on screen.
fn words(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| w.chars().count() >= 4)
        .map(str::to_owned)
        .collect()
}

/// Every question at 40x12, in run and reception modes: pressing ↓ until nothing changes shows
/// every word of the question and of every answer on some frame.
#[test]
fn every_question_is_reachable_at_40x12() {
    let q = load_toml(DEFAULT_SOURCE).questionnaire.expect("valid");
    let t0: jiff::Timestamp = "2025-06-02T09:00:00Z".parse().expect("ts");
    let mut checked = 0;
    for (i, it) in q.items.iter().enumerate() {
        let ItemKind::Question(_) = &it.kind else {
            continue;
        };
        for (mode, (w, h)) in [
            (Mode::Run, (40, 12)),
            (Mode::Staff, (40, 12)),
            (Mode::Run, (60, 16)),
        ] {
            let mut m = Model::new(Session::new(&q, common::visit()), mode, t0);
            m.go_to(triage::engine::Step::base(
                triage::questionnaire::ItemIdx::at(i),
            ));
            let mut seen = String::new();
            let mut last = String::new();
            let steps = it.options().len() + 40;
            for _ in 0..steps {
                let (text, _) = draw(&m, w, h);
                seen.push_str(&text);
                if text == last && !it.options().is_empty() {
                    // Nothing moves any more; one more ↓ would only repeat the frame.
                }
                last = text;
                update(&mut m, key(KeyCode::Down));
            }
            assert!(matches!(m.screen, Screen::Step(_)), "still on the question");
            let flat: String = seen.split_whitespace().collect::<Vec<_>>().join(" ");
            for word in words(&it.text) {
                assert!(
                    flat.contains(&word),
                    "{} ({mode:?}): the word `{word}` of the question never shows at {w}x{h}",
                    it.id
                );
            }
            // Every word of every answer offered in this mode (staff-only ones in reception
            // only): the words that decide whether it applies ("in the last 6 months") must
            // never be cut off.
            for o in it.offered_options(mode == Mode::Staff) {
                for word in words(&o.label) {
                    assert!(
                        flat.contains(&word),
                        "{} ({mode:?}): the word `{word}` of the answer `{}` never shows at {w}x{h}",
                        it.id,
                        o.label
                    );
                }
            }
            checked += 1;
        }
    }
    assert!(checked > 250, "{checked} question screens checked");
}

/// The safety pause at 40x12 (a real terminal): the support message with both phone numbers is
/// on the first frame, nothing needs scrolling to find them.
#[test]
fn pause_phone_numbers_show_at_40x12() {
    let q = load_toml(DEFAULT_SOURCE).questionnaire.expect("valid");
    let t0: jiff::Timestamp = "2025-06-02T09:00:00Z".parse().expect("ts");
    let mut m = Model::new(Session::new(&q, common::visit()), Mode::Run, t0);
    m.screen = Screen::Pause {
        flag: triage::questionnaire::FlagIdx::at(
            q.flags.iter().position(|f| f.id == "S14").expect("S14"),
        ),
        at: q.item_index("g_self_harm").expect("item"),
    };
    for (w, h) in [(40, 12), (44, 13), (80, 24)] {
        let (text, _) = draw(&m, w, h);
        let flat: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
        assert!(
            flat.contains("999") && flat.contains("116 123"),
            "{w}x{h}:\n{text}"
        );
    }
}

/// In a real 40x12 terminal: a long question's answers are reached with ↓, chosen and sent.
#[test]
fn long_question_answered_in_a_40x12_terminal() {
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
        40,
        12,
    );
    p.wait_for("Start");
    p.send(ENTER);
    p.wait_for("Who is filling in");
    p.send(&format!("1{ENTER}"));
    p.wait_for("Are you happy");
    let mut screen = p.screen();
    let mut presses = 0;
    while !(screen.contains("Yes") && screen.contains("No")) {
        presses += 1;
        assert!(presses < 30, "the answers never came into view:\n{screen}");
        let before = screen.clone();
        p.send(DOWN);
        screen = p.wait_until("the view to move", |s| s != before);
    }
    p.send(&format!("1{ENTER}"));
    p.wait_for("full name");
}
