//! What the question screens say and show in small windows, as a user test found them (issues
//! 14 and 17): the empty-answer message leaves answers in sight and counts only those really
//! out of sight; choosing by number scrolls to the choice; option numbers match what a key does.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "a test stops at the first thing that is wrong, saying what"
)]

mod common;

use common::screen::draw;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use triage::engine::{Session, Step};
use triage::questionnaire::{DEFAULT_SOURCE, ItemKind, QuestionKind, Questionnaire, load_toml};
use triage::tui::model::new_session;
use triage::tui::screens::form;
use triage::tui::{Mode, Model, Msg, update};

fn shipped() -> Questionnaire {
    load_toml(DEFAULT_SOURCE).questionnaire.expect("valid")
}

fn t0() -> jiff::Timestamp {
    "2025-06-02T09:00:00Z".parse().expect("ts")
}

fn key(code: KeyCode) -> Msg {
    Msg::Key(KeyEvent::new(code, KeyModifiers::NONE))
}

fn at<'q>(q: &'q Questionnaire, id: &str, mode: Mode) -> Model<'q> {
    let mut m = Model::new(Session::new(q, common::visit()), mode, t0());
    m.go_to(Step::base(common::idx(q, id)));
    m
}

/// The paper form, started on its first section.
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

/// The labels of `labels` that show on `screen`, known by their first two words (a label
/// wrapped over two rows, or beside another in two columns, counts when they show).
fn in_sight(screen: &str, labels: &[String]) -> Vec<String> {
    let flat: String = screen.split_whitespace().collect::<Vec<_>>().join(" ");
    labels
        .iter()
        .filter(|l| {
            let head: String = l.split_whitespace().take(2).collect::<Vec<_>>().join(" ");
            flat.contains(&head)
        })
        .cloned()
        .collect()
}

/// Every "more" line is whole: an opening bracket is closed.
fn marks_whole(screen: &str) {
    for line in screen.lines() {
        if line.contains('▼') || line.contains('▲') {
            assert_eq!(
                line.matches('(').count(),
                line.matches(')').count(),
                "a cut scroll mark: `{line}`\n{screen}"
            );
        }
    }
}

/// The reported case: at 40x12, Enter with nothing chosen on "What would you like help
/// with?" keeps answers in sight, says so in one line, and "at least one" for a multi-choice.
#[test]
fn empty_answer_message_leaves_answers_in_sight_at_40x12() {
    let q = shipped();
    let mut m = at(&q, "b_areas", Mode::Run);
    update(&mut m, key(KeyCode::Enter));
    let (s, _) = draw(&m, 40, 12);
    let labels: Vec<String> = q
        .item(common::idx(&q, "b_areas"))
        .options()
        .iter()
        .map(|o| o.label.clone())
        .collect();
    assert!(
        in_sight(&s, &labels).len() >= 3,
        "answers pushed out of sight:\n{s}"
    );
    assert!(s.contains("! Choose at least one (↑↓ for more)."), "{s}");
    assert!(
        !s.contains("out of sight"),
        "no count of answers here:\n{s}"
    );
    marks_whole(&s);
}

/// Neighbours: every choice question of the shipped questionnaire, in run and reception
/// modes, at sizes from 40x12 to 80x24: after Enter with nothing chosen some answers show,
/// a count of answers out of sight is the number really out of sight, and the message says
/// "at least one" exactly on multi-choice questions.
#[test]
fn empty_answer_message_counts_only_answers_out_of_sight() {
    let q = shipped();
    let mut checked = 0;
    for (i, it) in q.items.iter().enumerate() {
        let ItemKind::Question(QuestionKind::Choice { style, .. }) = &it.kind else {
            continue;
        };
        if !it.required {
            continue;
        }
        let multi = *style == triage::questionnaire::ChoiceStyle::Multi;
        for mode in [Mode::Run, Mode::Staff] {
            for (w, h) in [(40, 12), (44, 14), (50, 16), (60, 16), (80, 24)] {
                let mut m = Model::new(new_session(&q, common::visit(), mode), mode, t0());
                m.go_to(Step::base(triage::questionnaire::ItemIdx::at(i)));
                update(&mut m, key(KeyCode::Enter));
                if m.message.is_none() {
                    // Answered already (reception's preset answers): Enter moved on.
                    continue;
                }
                let (s, _) = draw(&m, w, h);
                let offered: Vec<String> = it
                    .offered_options(mode == Mode::Staff)
                    .iter()
                    .map(|o| o.label.clone())
                    .collect();
                // Answers in sight above the message (which may name some out of sight).
                let above: String = s.split("\n ! ").next().unwrap_or("").to_owned();
                let seen = in_sight(&above, &offered);
                let flat: String = s.split_whitespace().collect::<Vec<_>>().join(" ");
                assert!(
                    !seen.is_empty(),
                    "{} {mode:?} {w}x{h}: no answer in sight\n{s}",
                    it.id
                );
                if let Some(pos) = flat.find(" more answers are out of sight") {
                    let n: usize = flat[..pos]
                        .rsplit(' ')
                        .next()
                        .and_then(|n| n.parse().ok())
                        .expect("a count");
                    assert_eq!(
                        n,
                        offered.len() - seen.len(),
                        "{} {mode:?} {w}x{h}: wrong count\n{s}",
                        it.id
                    );
                }
                if seen.len() < offered.len() {
                    assert!(
                        flat.contains("(↑↓ for more)") || flat.contains("out of sight"),
                        "{} {mode:?} {w}x{h}: answers out of sight, message silent\n{s}",
                        it.id
                    );
                } else {
                    let (full, short) = if multi {
                        (
                            "Please choose at least one of the answers.",
                            "Choose at least one answer.",
                        )
                    } else {
                        ("Please choose one of the answers.", "Choose one answer.")
                    };
                    assert!(
                        flat.contains(full) || flat.contains(short),
                        "{} {mode:?} {w}x{h}:\n{s}",
                        it.id
                    );
                }
                marks_whole(&s);
                checked += 1;
            }
        }
    }
    assert!(checked > 50, "only {checked} screens checked");
}

/// The reported case and its neighbours: at 40x12 a number key choosing an answer out of
/// sight scrolls the list to it, marked chosen.
#[test]
fn choosing_by_number_scrolls_to_the_choice() {
    let q = shipped();
    for (id, digit, label) in [
        ("b_areas", '9', "Migraine"),
        ("b_areas", '8', "Heavy underarm sweating"),
    ] {
        let mut m = at(&q, id, Mode::Run);
        let (before, _) = draw(&m, 40, 12);
        assert!(
            !before.contains(label),
            "{label} starts out of sight\n{before}"
        );
        update(&mut m, key(KeyCode::Char(digit)));
        let (s, _) = draw(&m, 40, 12);
        let row = s
            .lines()
            .find(|l| l.contains(label))
            .unwrap_or_else(|| panic!("{label} not in sight:\n{s}"));
        assert!(row.contains("[x]"), "{label} not marked chosen: {row}");
        // Choosing the first again scrolls back up.
        update(&mut m, key(KeyCode::Char('1')));
        let (s, _) = draw(&m, 40, 12);
        assert!(s.contains("Slimmer calves"), "{s}");
    }
}

/// Patient screens show a number only where a key chooses the answer; the tenth answer has
/// none, End reaches it (and Home the first), and the hint says so.
#[test]
fn end_reaches_answers_without_a_number_key() {
    let q = shipped();
    let mut m = at(&q, "b_areas", Mode::Run);
    let (s, _) = draw(&m, 80, 24);
    assert!(s.contains("End goes to the last answer."), "{s}");
    let row = s
        .lines()
        .find(|l| l.contains("Something else"))
        .expect("shown");
    assert!(!row.contains("10"), "no key types 10 here: {row}");
    update(&mut m, key(KeyCode::End));
    let (s, _) = draw(&m, 40, 12);
    let row = s
        .lines()
        .find(|l| l.contains("Something else"))
        .unwrap_or_else(|| panic!("{s}"));
    assert!(row.contains('►'), "focus on the last answer: {row}");
    update(&mut m, key(KeyCode::Char(' ')));
    update(&mut m, key(KeyCode::Home));
    let (s, _) = draw(&m, 40, 12);
    let row = s
        .lines()
        .find(|l| l.contains("Slimmer calves"))
        .unwrap_or_else(|| panic!("{s}"));
    assert!(row.contains('►'), "focus back on the first: {row}");
    // Nine answers or fewer: every one has its key, and the hint does not mention End.
    let m = at(&q, "a_sex", Mode::Run);
    let (s, _) = draw(&m, 80, 24);
    assert!(!s.contains("End goes"), "{s}");
}

/// On the paper form, where typing 1 then 0 chooses option 10, options 10 and up show "10",
/// "11", and the numbers line up.
#[test]
fn paper_form_numbers_options_past_nine() {
    let q = shipped();
    let mut m = paper(&q);
    for (i, v) in [
        ("a_agree_start", "yes"),
        ("a_full_name", "'Alex Sample"),
        ("a_phone", "'07700 900123"),
        ("a_dob", "@1950-01-01"),
        ("a_sex", "male"),
    ] {
        common::set(&mut m.session, i, v);
    }
    m.go_to(Step::base(common::idx(&q, "b_areas")));
    let (s, _) = draw(&m, 80, 24);
    let ten = s
        .lines()
        .find(|l| l.contains("Something else"))
        .unwrap_or_else(|| panic!("{s}"));
    assert!(ten.contains("10 Something else"), "{ten}\n{s}");
    let one = s
        .lines()
        .find(|l| l.contains("Slimmer calves"))
        .expect("shown");
    assert!(one.contains(" 1 Slimmer calves"), "{one}");
    for c in ['1', '0'] {
        update(&mut m, key(KeyCode::Char(c)));
    }
    let (s, _) = draw(&m, 80, 24);
    let ten = s
        .lines()
        .find(|l| l.contains("Something else"))
        .expect("shown");
    assert!(
        ten.contains("[x]"),
        "typing 1 0 chose the answer numbered 10: {ten}"
    );
}

/// A model on the review screen after the first questions: name given, emergency contact
/// (optional) and phone (required) left empty.
fn review_with_gaps(q: &Questionnaire) -> Model<'_> {
    let mut m = Model::new(Session::new(q, common::visit()), Mode::Run, t0());
    for (i, v) in [
        ("a_respondent", "self"),
        ("a_agree_start", "yes"),
        ("a_full_name", "'Alex Sample"),
    ] {
        common::set(&mut m.session, i, v);
    }
    triage::tui::screens::review::arrive(&mut m, None);
    m
}

/// The review tells required and optional unanswered questions apart, and while a required
/// answer is missing, Send's line says what Enter does then (it does not send).
#[test]
fn review_says_what_enter_does_and_what_is_needed() {
    let q = shipped();
    let m = review_with_gaps(&q);
    let (s, _) = draw(&m, 120, 40);
    let phone = s
        .lines()
        .find(|l| l.contains("Phone number"))
        .unwrap_or_else(|| panic!("{s}"));
    assert!(phone.contains("Not answered yet"), "{phone}");
    let contact = s
        .lines()
        .find(|l| l.to_lowercase().contains("emergency"))
        .unwrap_or_else(|| panic!("{s}"));
    assert!(contact.contains("Left blank (optional)"), "{contact}");
    assert!(
        !s.contains("Enter sends your answers"),
        "Enter does not send here:\n{s}"
    );
    assert!(s.contains("Enter does not send yet"), "{s}");
    // Everything answered: Enter sends, and the line says so.
    let mut done = Model::new(Session::new(&q, common::visit()), Mode::Run, t0());
    common::set(&mut done.session, "a_respondent", "self");
    common::set(&mut done.session, "a_agree_start", "no");
    triage::tui::screens::review::arrive(&mut done, None);
    if done.session.first_problem().is_none() {
        let (s, _) = draw(&done, 120, 40);
        assert!(s.contains("Enter sends your answers"), "{s}");
    }
}

/// A question opened from the review says that Enter goes back there, at 80x24 and 40x12;
/// reached in the ordinary way it says Next.
#[test]
fn an_answer_opened_from_the_review_says_enter_goes_back() {
    let q = shipped();
    let mut m = review_with_gaps(&q);
    let rows = triage::tui::screens::review::rows(&m);
    let phone = rows
        .iter()
        .position(|r| q.item(r.item).id == "a_phone")
        .expect("phone on the review");
    m.screen = triage::tui::Screen::Review { focus: phone };
    update(&mut m, key(KeyCode::Enter));
    let (s, _) = draw(&m, 80, 24);
    assert!(s.contains("What phone number"), "{s}");
    assert!(s.contains("Back to the review (Enter)"), "{s}");
    assert!(!s.contains("Next (Enter)"), "{s}");
    let (s, _) = draw(&m, 40, 12);
    assert!(s.contains("Review (Enter) →]"), "{s}");
    let plain = at(&q, "a_phone", Mode::Run);
    let (s, _) = draw(&plain, 80, 24);
    assert!(s.contains("Next (Enter)"), "{s}");
}

/// The paper form's first field with nothing answered: Enter would only mark what is
/// missing, so the button says that, not "Check answers".
#[test]
fn paper_form_button_says_what_enter_does() {
    let q = shipped();
    let mut m = paper(&q);
    let (s, _) = draw(&m, 80, 24);
    assert!(!s.contains("Check answers"), "{s}");
    assert!(s.contains("Show what is missing (Enter)"), "{s}");
    update(&mut m, key(KeyCode::Enter));
    let (s, _) = draw(&m, 80, 24);
    assert!(
        s.contains("MISSING") || s.contains("missing"),
        "Enter marked it:\n{s}"
    );
}

/// Validation names the rule that failed: "at least one" on a pick-all-that-apply question;
/// a phone number of only digits that is too short is told it is too short, one with
/// letters that only numbers and spaces go there, and a real one is taken.
#[test]
fn validation_names_the_rule_that_failed() {
    let q = shipped();
    let mut m = at(&q, "b_areas", Mode::Run);
    update(&mut m, key(KeyCode::Enter));
    assert_eq!(
        m.message.as_deref(),
        Some("Please choose at least one of the answers.")
    );
    let mut m = at(&q, "a_sex", Mode::Run);
    update(&mut m, key(KeyCode::Enter));
    assert_eq!(
        m.message.as_deref(),
        Some("Please choose one of the answers.")
    );
    let mut s = Session::new(&q, common::visit());
    let phone = common::idx(&q, "a_phone");
    common::set(&mut s, "a_agree_start", "yes");
    let text = |t: &str| triage::answer::Answer::Text(t.to_owned());
    for short in ["2", "0770", "+44 1"] {
        let e = s.set(phone, text(short)).expect_err(short);
        assert!(e.message.contains("too short"), "{short}: {}", e.message);
    }
    for wrong in ["abc", "0770O 900123", "07700-900123"] {
        let e = s.set(phone, text(wrong)).expect_err(wrong);
        assert!(
            e.message.contains("only numbers and spaces"),
            "{wrong}: {}",
            e.message
        );
    }
    for good in ["07700 900123", "+44 7700 900123", "020 7946 0000"] {
        s.set(phone, text(good))
            .unwrap_or_else(|e| panic!("{good}: {}", e.message));
    }
}

/// The thank-you screen speaks to whoever is at the keyboard: the patient in run mode, staff
/// in reception and paper modes (they typed the answers; the patient is not reading).
#[test]
fn thanks_speaks_to_staff_in_staff_modes() {
    let q = shipped();
    for (mode, staff) in [(Mode::Run, false), (Mode::Staff, true), (Mode::Paper, true)] {
        let mut m = Model::new(new_session(&q, common::visit(), mode), mode, t0());
        m.screen = triage::tui::Screen::Thanks;
        let (s, _) = draw(&m, 80, 24);
        let flat = s.split_whitespace().collect::<Vec<_>>().join(" ");
        assert_eq!(
            flat.contains("go through your answers with you"),
            !staff,
            "{mode:?}:\n{s}"
        );
        assert_eq!(
            flat.contains("go through the answers with the patient"),
            staff,
            "{mode:?}:\n{s}"
        );
    }
}

/// A wrapped label's second line starts under the label's first letter, in boxes and in
/// one-row lines alike (not at the box's edge).
#[test]
fn wrapped_labels_continue_under_the_label() {
    let q = common::load(
        r#"
[questionnaire]
id = "wrap"
version = "1"
title = "Wrap"
language = "en"

[[section]]
id = "s"
title = "S"

[[section.question]]
id = "q"
type = "single"
text = "Which one?"
options = [
  { value = "long", label = "A rather long answer that has to wrap onto a second line in this window" },
  { value = "short", label = "Short" },
]
"#,
    );
    for (w, h) in [(60, 24), (40, 12)] {
        let mut m = Model::new(Session::new(&q, common::visit()), Mode::Run, t0());
        m.go_to(Step::base(common::idx(&q, "q")));
        let (s, _) = draw(&m, w, h);
        let lines: Vec<&str> = s.lines().collect();
        let first = lines
            .iter()
            .position(|l| l.contains("A rather"))
            .unwrap_or_else(|| panic!("{s}"));
        let col = |l: &str, word: &str| l.find(word).map(|b| l[..b].chars().count());
        let start = col(lines[first], "A rather").expect("label");
        let next = lines[first + 1];
        let text_at = next
            .char_indices()
            .position(|(_, c)| c.is_alphabetic())
            .unwrap_or_else(|| panic!("a second line: {next}\n{s}"));
        assert_eq!(
            text_at, start,
            "{w}x{h}: continuation under the label:\n{s}"
        );
    }
}
