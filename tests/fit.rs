//! Every answer fits (issue 14): at 80x24 every shipped question shows all of its answers whole,
//! with no scrolling, in every mode and with the "please choose" message showing; where a small
//! window has to scroll, a "more answers below" line says so, and the message for an empty
//! answer names the answers out of sight.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "a test stops at the first thing that is wrong, saying what"
)]

mod common;

use common::screen::draw;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use triage::engine::Session;
use triage::questionnaire::{DEFAULT_SOURCE, ItemKind, Questionnaire, load_toml};
use triage::strings;
use triage::tui::{Mode, Model, Msg, Target, update};

fn shipped() -> Questionnaire {
    load_toml(DEFAULT_SOURCE).questionnaire.expect("valid")
}

fn t0() -> jiff::Timestamp {
    "2025-06-02T09:00:00Z".parse().expect("ts")
}

fn flat(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Words of `text` long enough to look for on screen.
fn words(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| w.chars().count() >= 3)
        .map(str::to_owned)
        .collect()
}

/// Every shipped question at 80x24, as a patient (run, kiosk) and as reception staff: every
/// word of every answer offered is on the first frame, each answer is a tap target, nothing
/// says "more below"; the same once the "Please choose one of the answers." message shows.
#[test]
fn every_shipped_question_shows_all_its_answers_at_80x24() {
    let q = shipped();
    let mut checked = 0;
    for (i, it) in q.items.iter().enumerate() {
        let ItemKind::Question(_) = &it.kind else {
            continue;
        };
        if it.options().is_empty() {
            continue;
        }
        for mode in [Mode::Run, Mode::Staff] {
            for message in [None, Some(strings::NEED_CHOICE)] {
                let mut m = Model::new(Session::new(&q, common::visit()), mode, t0());
                m.go_to(triage::engine::Step::base(
                    triage::questionnaire::ItemIdx::at(i),
                ));
                m.message = message.map(str::to_owned);
                let (text, hits) = draw(&m, 80, 24);
                let shown = flat(&text);
                let where_ = format!("{} ({mode:?}, message {message:?})", it.id);
                assert!(
                    !text.contains("more below") && !text.contains("more answers"),
                    "{where_}: the answers scroll at 80x24:\n{text}"
                );
                let offered = it.offered_options(mode == Mode::Staff);
                for (n, o) in offered.iter().enumerate() {
                    for w in words(&o.label) {
                        assert!(
                            shown.contains(&w),
                            "{where_}: `{w}` of the answer `{}` is not on screen:\n{text}",
                            o.label
                        );
                    }
                    assert!(
                        hits.targets.iter().any(|(_, t)| *t == Target::Option(n)),
                        "{where_}: the answer `{}` cannot be tapped",
                        o.label
                    );
                }
                if let Some(msg) = message {
                    assert!(shown.contains(msg), "{where_}: the message is not shown");
                }
                checked += 1;
            }
        }
    }
    assert!(checked > 200, "{checked} question screens checked");
}

/// The longest list (eleven groups of medicines) at 80x24 is one answer per row, and a tap
/// anywhere on an answer's row chooses it.
#[test]
fn the_medicine_groups_fit_one_per_row_and_each_row_is_a_tap_target() {
    let q = shipped();
    let item = q.item_index("d_groups").expect("item");
    let mut m = Model::new(Session::new(&q, common::visit()), Mode::Run, t0());
    m.go_to(triage::engine::Step::base(item));
    let (text, hits) = draw(&m, 80, 24);
    assert!(
        text.contains("None of these") && text.contains("Not sure"),
        "{text}"
    );
    let (rect, _) = hits
        .targets
        .iter()
        .find(|(_, t)| *t == Target::Option(10))
        .expect("`Not sure` is a target");
    assert!(rect.width >= 70, "the whole row is the target: {rect:?}");
    update(&mut m, Msg::Tap(Target::Option(10)));
    let Some(triage::tui::Field::Multi { chosen, .. }) = Some(m.field.clone()) else {
        panic!("a multi-choice field")
    };
    assert_eq!(chosen, vec![10]);
}

/// At 40x12 a long list scrolls: "more answers below" shows, and Enter with nothing chosen
/// says in one line that more answers are out of sight, leaving answers in sight (issue 14's
/// user test: the long message that named them pushed every answer out).
#[test]
fn out_of_sight_answers_are_marked_and_named_at_40x12() {
    let q = shipped();
    let item = q.item_index("c_nerve_muscle").expect("item");
    let mut m = Model::new(Session::new(&q, common::visit()), Mode::Run, t0());
    m.go_to(triage::engine::Step::base(item));
    let (text, _) = draw(&m, 40, 12);
    assert!(text.contains("more answers below"), "{text}");
    assert!(
        !text.contains("Not sure"),
        "the last answer is out of sight:\n{text}"
    );
    update(
        &mut m,
        Msg::Key(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE)),
    );
    assert_eq!(m.message.as_deref(), Some(strings::NEED_CHOICE_MULTI));
    let (text, _) = draw(&m, 40, 12);
    assert!(text.contains(strings::NEED_CHOICE_MULTI_SHORT), "{text}");
    assert!(
        text.contains("Myasthenia gravis"),
        "an answer in sight:\n{text}"
    );
    // Where every answer shows, the message is whole and names none.
    let mut all_seen = Model::new(Session::new(&q, common::visit()), Mode::Run, t0());
    all_seen.go_to(triage::engine::Step::base(
        q.item_index("a_respondent").expect("item"),
    ));
    update(
        &mut all_seen,
        Msg::Key(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE)),
    );
    let (text, _) = draw(&all_seen, 80, 24);
    assert!(text.contains(strings::NEED_CHOICE), "{text}");
    assert!(!text.contains("out of sight"), "{text}");
}
