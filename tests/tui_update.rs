//! The walk-through's `update` as a plain function: keys, taps and pastes change the model and
//! return effects (saves, completion); the clock only arrives in messages.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "a test stops at the first thing that is wrong, saying what"
)]

mod common;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use triage::engine::Session;
use triage::questionnaire::{DEFAULT_SOURCE, Questionnaire, load_toml};
use triage::strings;
use triage::tui::{Action, Effect, Field, Mode, Model, Msg, Screen, Target, update};

fn q() -> Questionnaire {
    load_toml(DEFAULT_SOURCE).questionnaire.expect("valid")
}

fn t0() -> jiff::Timestamp {
    "2025-06-02T09:00:00Z".parse().expect("ts")
}

fn key(code: KeyCode) -> Msg {
    Msg::Key(KeyEvent::new(code, KeyModifiers::NONE))
}

fn ch(c: char) -> Msg {
    key(KeyCode::Char(c))
}

/// The baseline patient's answers, with the question `id` not yet answered and on screen.
fn at<'q>(q: &'q Questionnaire, id: &str) -> Model<'q> {
    let text = std::fs::read_to_string("questionnaires/examples/baseline.json").expect("baseline");
    let file = triage::answers::parse_answers_file(&text).expect("parse");
    let mut session = Session::new(q, common::visit());
    triage::answers::fill_session(&mut session, &file.answers);
    let item = q.item_index(id).expect("item");
    session.clear(item);
    let mut m = Model::new(session, Mode::Run, t0());
    m.draft = Some(1);
    m.go_to(triage::engine::Step::base(item));
    m
}

fn on(m: &Model<'_>) -> String {
    match &m.screen {
        Screen::Step(i) => m.session.questionnaire().item(i.item()).id.clone(),
        other => format!("{other:?}"),
    }
}

fn type_text(m: &mut Model<'_>, s: &str) {
    for c in s.chars() {
        update(m, ch(c));
    }
}

/// Enter without an answer says what is needed and goes nowhere.
#[test]
fn enter_needs_an_answer() {
    let q = q();
    let mut m = at(&q, "a_respondent");
    assert!(update(&mut m, key(KeyCode::Enter)).is_empty());
    assert_eq!(m.message.as_deref(), Some(strings::NEED_CHOICE));
    assert_eq!(on(&m), "a_respondent");
}

/// A digit chooses; Enter commits, autosaves before moving on, and shows the next question.
#[test]
fn digit_then_enter_saves_and_advances() {
    let q = q();
    let mut m = at(&q, "a_respondent");
    update(&mut m, ch('1'));
    let effects = update(&mut m, key(KeyCode::Enter));
    assert_eq!(
        effects,
        vec![Effect::Save {
            item: "a_respondent".into(),
            value: Some(serde_json::json!("self"))
        }]
    );
    assert_eq!(
        on(&m),
        "a_agree_start",
        "the helper question stays hidden for self"
    );
    update(&mut m, key(KeyCode::Esc));
    assert!(
        matches!(
            m.field,
            Field::Choice {
                chosen: Some(0),
                ..
            }
        ),
        "going back shows the saved answer"
    );
}

/// Arrow keys move the focus and Space chooses the focused option.
#[test]
fn arrows_and_space() {
    let q = q();
    let mut m = at(&q, "a_respondent");
    update(&mut m, key(KeyCode::Down));
    update(&mut m, key(KeyCode::Down));
    update(&mut m, ch(' '));
    assert!(matches!(
        m.field,
        Field::Choice {
            focus: 2,
            chosen: Some(2)
        }
    ));
    update(&mut m, key(KeyCode::Enter));
    assert_eq!(
        on(&m),
        "a_helper_details",
        "choosing a helper shows the helper question"
    );
}

/// Typed dates in people's forms are read; a bad one gets a plain message.
#[test]
fn typed_dates() {
    let q = q();
    let mut m = at(&q, "a_dob");
    type_text(&mut m, "31/02/1991");
    update(&mut m, key(KeyCode::Enter));
    assert_eq!(m.message.as_deref(), Some(strings::DATE_NOT_REAL));
    for _ in 0..10 {
        update(&mut m, key(KeyCode::Backspace));
    }
    type_text(&mut m, "15 March 1991");
    let effects = update(&mut m, key(KeyCode::Enter));
    assert_eq!(
        effects,
        vec![Effect::Save {
            item: "a_dob".into(),
            value: Some(serde_json::json!("1991-03-15"))
        }]
    );
    assert_eq!(on(&m), "a_phone");
}

/// Numbers out of range are refused with the limit; Backspace edits and Left moves the cursor.
#[test]
fn numbers_and_editing() {
    let q = q();
    let mut m = at(&q, "e_sessions_12m");
    type_text(&mut m, "25");
    update(&mut m, key(KeyCode::Enter));
    assert_eq!(
        m.message.as_deref(),
        Some("Please type a number no bigger than 20.")
    );
    update(&mut m, key(KeyCode::Left));
    update(&mut m, key(KeyCode::Backspace));
    let Field::Text(input) = &m.field else {
        panic!("text field")
    };
    assert_eq!(
        input.value(),
        "5",
        "backspace removed the 2 before the cursor"
    );
}

/// Pasted text is cleaned (no newlines, no escape codes) and cut at the question's limit.
#[test]
fn paste_is_cleaned_and_capped() {
    let q = q();
    let mut m = at(&q, "a_full_name");
    update(&mut m, Msg::Paste("Alex\nSample\u{1b}[2J".into()));
    let Field::Text(input) = &m.field else {
        panic!("text field")
    };
    assert_eq!(input.value(), "Alex Sample[2J");
    update(&mut m, Msg::Paste("x".repeat(500)));
    let Field::Text(input) = &m.field else {
        panic!("text field")
    };
    assert_eq!(
        input.value().chars().count(),
        80,
        "a_full_name takes at most 80 characters"
    );
}

fn text_value(m: &Model<'_>) -> String {
    let Field::Text(input) = &m.field else {
        panic!("text field")
    };
    input.value().to_owned()
}

/// The question's length limit in characters.
fn limit(q: &Questionnaire, id: &str) -> usize {
    let i = q.item_index(id).expect("item");
    match q.item(i).question() {
        Some(triage::questionnaire::QuestionKind::Text { max_length, .. }) => *max_length,
        _ => panic!("{id} is a text question"),
    }
}

/// Typing up to a text question's limit says so at once, under the field, naming the limit in
/// plain words; more typing is refused with the message still there (nothing vanishes
/// silently), and deleting a character takes the message away. For the patient's own words,
/// a name, and the allergy list alike.
#[test]
fn typing_to_the_limit_says_so_at_once() {
    let q = q();
    for id in ["b_why", "a_full_name", "c_allergy_list"] {
        let mut m = at(&q, id);
        if id == "c_allergy_list" {
            // Shown only after a severe reaction.
            let i = q.item_index("c_anaphylaxis").expect("item");
            let yes = common::answer(&q, i, "yes");
            m.session.set(i, yes).expect("set");
            m.go_to(triage::engine::Step::base(q.item_index(id).expect("item")));
        }
        assert_eq!(on(&m), id);
        let room = limit(&q, id);
        type_text(&mut m, &"a".repeat(room - 1));
        assert_eq!(m.message, None, "{id}: no message before the limit");
        type_text(&mut m, "b");
        assert_eq!(
            m.message.as_deref(),
            Some(strings::at_limit(room).as_str()),
            "{id}: the limit is named as soon as it is reached"
        );
        let (screen, _) = common::screen::draw(&m, 80, 24);
        assert!(
            screen.contains("That is as much as fits here"),
            "{id}: the message is on screen:\n{screen}"
        );
        type_text(&mut m, "cd");
        assert_eq!(text_value(&m).chars().count(), room, "{id}");
        assert!(
            text_value(&m).ends_with('b'),
            "{id}: past the limit is refused"
        );
        assert_eq!(
            m.message.as_deref(),
            Some(strings::at_limit(room).as_str()),
            "{id}: typing past the limit keeps saying so"
        );
        update(&mut m, key(KeyCode::Backspace));
        assert_eq!(m.message, None, "{id}: room again, no message");
    }
}

/// Pasting that fills a field exactly says the field is full; pasting more than fits says the
/// rest was not pasted; both name the limit.
#[test]
fn pasting_to_the_limit_says_so() {
    let q = q();
    let mut m = at(&q, "b_why");
    let room = limit(&q, "b_why");
    update(&mut m, Msg::Paste("x".repeat(room - 5)));
    assert_eq!(m.message, None);
    update(&mut m, Msg::Paste("y".repeat(5)));
    assert_eq!(m.message.as_deref(), Some(strings::at_limit(room).as_str()));
    for _ in 0..3 {
        update(&mut m, key(KeyCode::Backspace));
    }
    update(&mut m, Msg::Paste("z".repeat(10)));
    assert_eq!(text_value(&m).chars().count(), room);
    assert_eq!(
        m.message.as_deref(),
        Some(strings::paste_cut(room).as_str())
    );
    assert!(
        m.message
            .as_deref()
            .unwrap_or("")
            .contains(&room.to_string())
    );
}

/// Typed control and bidi-override characters never reach the field.
#[test]
fn typed_controls_are_dropped() {
    let q = q();
    let mut m = at(&q, "a_full_name");
    type_text(&mut m, "Al\u{202e}ex\u{7}");
    let Field::Text(input) = &m.field else {
        panic!("text field")
    };
    assert_eq!(input.value(), "Alex");
}

/// Taps choose options and press buttons; "None of these" clears the others.
#[test]
fn taps_on_options_and_buttons() {
    let q = q();
    let mut m = at(&q, "c_breathing");
    update(&mut m, Msg::Tap(Target::Option(0)));
    update(&mut m, Msg::Tap(Target::Option(1)));
    assert!(matches!(&m.field, Field::Multi { chosen, .. } if chosen == &vec![0, 1]));
    update(&mut m, Msg::Tap(Target::Option(4)));
    assert!(
        matches!(&m.field, Field::Multi { chosen, .. } if chosen == &vec![4]),
        "none clears the others"
    );
    let effects = update(&mut m, Msg::Tap(Target::Button(Action::Next)));
    assert_eq!(
        effects,
        vec![Effect::Save {
            item: "c_breathing".into(),
            value: Some(serde_json::json!(["none"]))
        }]
    );
    assert_eq!(on(&m), "c_bleeding");
}

/// Back goes to the previous visible screen; from the first, to the welcome screen.
#[test]
fn back_goes_to_previous_screen() {
    let q = q();
    let mut m = at(&q, "a_agree_start");
    update(&mut m, key(KeyCode::Esc));
    assert_eq!(on(&m), "a_respondent");
    update(&mut m, key(KeyCode::Left));
    assert_eq!(m.screen, Screen::Welcome);
}

/// "Why we ask" opens on ? and closes on any key.
#[test]
fn help_on_demand() {
    let q = q();
    let mut m = at(&q, "a_respondent");
    update(&mut m, ch('?'));
    assert!(m.help_open);
    update(&mut m, ch('1'));
    assert!(!m.help_open);
    assert!(
        matches!(m.field, Field::Choice { chosen: None, .. }),
        "the closing key does nothing else"
    );
}

/// Declining at a_agree_start goes straight to the end (the `end` action).
#[test]
fn declining_goes_to_the_end() {
    let q = q();
    let mut m = at(&q, "a_agree_start");
    update(&mut m, ch('2'));
    update(&mut m, key(KeyCode::Enter));
    assert_eq!(m.screen, Screen::Confirm);
    assert_eq!(update(&mut m, key(KeyCode::Enter)), vec![Effect::Complete]);
}

/// A self-harm disclosure pauses at once with a bell; staff continue (F2) or end here (F10).
#[test]
fn safety_pause() {
    let q = q();
    for (staff_key, expect) in [(KeyCode::F(2), "g_life_event"), (KeyCode::F(10), "Confirm")] {
        let mut m = at(&q, "g_low_mood");
        update(&mut m, ch('1'));
        update(&mut m, key(KeyCode::Enter));
        assert_eq!(on(&m), "g_self_harm");
        update(&mut m, ch('1'));
        let effects = update(&mut m, key(KeyCode::Enter));
        assert!(effects.contains(&Effect::Bell));
        assert!(matches!(m.screen, Screen::Pause { .. }));
        for k in [KeyCode::Enter, KeyCode::Esc, KeyCode::Char('x')] {
            update(&mut m, key(k));
            assert!(
                matches!(m.screen, Screen::Pause { .. }),
                "the patient cannot leave the support screen"
            );
        }
        update(&mut m, key(staff_key));
        assert_eq!(on(&m), expect);
    }
}

/// From the review screen, choosing an answer opens it; after the change, review comes back.
#[test]
fn review_jump_and_return() {
    let q = q();
    let mut m = at(&q, "a_respondent");
    m.screen = Screen::Review { focus: 0 };
    update(&mut m, key(KeyCode::Enter));
    assert_eq!(on(&m), "a_respondent");
    update(&mut m, ch('1'));
    update(&mut m, key(KeyCode::Enter));
    assert_eq!(
        m.screen,
        Screen::Review { focus: 0 },
        "back to review after the change"
    );
    let why = q.item_index("b_why").expect("b_why");
    let kept = m.session.stored(why).cloned().expect("baseline answer");
    m.session.clear(why);
    update(&mut m, key(KeyCode::End));
    update(&mut m, key(KeyCode::Enter));
    assert_eq!(
        m.message.as_deref(),
        Some(strings::REVIEW_NEED),
        "Send is refused while answers are missing"
    );
    let Screen::Review { focus } = m.screen else {
        panic!("still on review")
    };
    assert_eq!(
        triage::tui::screens::review::rows(&m)[focus],
        triage::engine::At::base(why),
        "the focus moves to the missing answer"
    );
    m.session.set(why, kept).expect("answer again");
    update(&mut m, key(KeyCode::End));
    update(&mut m, key(KeyCode::Enter));
    assert_eq!(m.screen, Screen::Confirm);
}

/// On the review screen an optional question passed without an answer reads "Left blank
/// (optional)", a required one without an answer "Not answered yet".
#[test]
fn review_says_left_blank_for_optional_questions() {
    let q = q();
    let mut m = at(&q, "a_respondent");
    let optional = q.item_index("i_questions").expect("item");
    assert!(!q.item(optional).required);
    m.session.clear(optional);
    let why = q.item_index("b_why").expect("b_why");
    m.session.clear(why);
    m.screen = Screen::Review { focus: 0 };
    let (screen, _) = common::screen::draw(&m, 80, 200);
    let line = |label: &str| {
        screen
            .lines()
            .find(|l| l.contains(label))
            .unwrap_or_else(|| panic!("`{label}` on review:\n{screen}"))
            .to_owned()
    };
    assert!(
        line("Questions for the doctor").contains("Left blank (optional)"),
        "{screen}"
    );
    assert!(
        line("In your own words").contains("Not answered yet"),
        "{screen}"
    );
}

/// A failed save keeps the answer, shows a plain problem, and is retried on the next tick.
#[test]
fn failed_saves_are_retried() {
    let q = q();
    let mut m = at(&q, "a_respondent");
    update(
        &mut m,
        Msg::SaveFailed {
            item: "a_respondent".into(),
            value: Some(serde_json::json!("self")),
            reason: "disk full".into(),
        },
    );
    assert_eq!(m.save_problem.as_deref(), Some(strings::SAVE_FAILING));
    let later = t0()
        .checked_add(jiff::SignedDuration::from_secs(1))
        .expect("ts");
    let effects = update(&mut m, Msg::Tick(later));
    assert_eq!(
        effects,
        vec![Effect::Save {
            item: "a_respondent".into(),
            value: Some(serde_json::json!("self"))
        }]
    );
    assert_eq!(m.now, later);
    update(&mut m, Msg::Saved("a_respondent".into()));
    assert_eq!(m.save_problem, None);
    assert!(update(&mut m, Msg::Tick(later)).is_empty());
}

/// Ctrl-C stops (everything committed is already saved).
#[test]
fn ctrl_c_quits() {
    let q = q();
    let mut m = at(&q, "a_respondent");
    let effects = update(
        &mut m,
        Msg::Key(KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL)),
    );
    assert_eq!(effects, vec![Effect::Quit]);
}

/// Back (Esc, PageUp, the Back button) from a typed answer keeps what was typed when it is a
/// valid answer, so an Esc pressed by mistake loses nothing (user test of issue 15); the field
/// shows it again on return. A choice picked and not confirmed is not kept.
#[test]
fn back_keeps_a_typed_answer() {
    let q = q();
    let mut m = at(&q, "a_emergency_contact");
    type_text(&mut m, "Bob 0123 456 789");
    let effects = update(&mut m, key(KeyCode::Esc));
    assert!(
        effects
            .iter()
            .any(|e| matches!(e, Effect::Save { item, .. } if item == "a_emergency_contact")),
        "the typed answer is saved: {effects:?}"
    );
    assert_ne!(on(&m), "a_emergency_contact", "went back");
    update(&mut m, key(KeyCode::Enter));
    assert_eq!(on(&m), "a_emergency_contact");
    let Field::Text(input) = &m.field else {
        panic!("a text field: {:?}", m.field)
    };
    assert_eq!(input.value(), "Bob 0123 456 789");

    let mut m = at(&q, "a_sex");
    update(&mut m, ch('1'));
    let effects = update(&mut m, key(KeyCode::Esc));
    assert!(effects.is_empty(), "{effects:?}");
    assert!(
        m.session
            .stored(q.item_index("a_sex").expect("item"))
            .is_none()
    );
}

/// Emptying a typed answer and going back clears it: what the field says is what is kept.
#[test]
fn back_after_emptying_clears_the_answer() {
    let q = q();
    let mut m = at(&q, "a_emergency_contact");
    let item = q.item_index("a_emergency_contact").expect("item");
    type_text(&mut m, "Bob 0400 999 888");
    update(&mut m, key(KeyCode::Esc));
    assert!(m.session.stored(item).is_some());
    update(&mut m, key(KeyCode::Enter));
    assert_eq!(on(&m), "a_emergency_contact");
    update(
        &mut m,
        Msg::Key(KeyEvent::new(KeyCode::Char('u'), KeyModifiers::CONTROL)),
    );
    update(&mut m, key(KeyCode::Esc));
    assert!(m.session.stored(item).is_none(), "emptied, then Back");
}
