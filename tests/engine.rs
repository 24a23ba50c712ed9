//! The engine's semantics: unanswered and hidden values, cascades, navigation, validation,
//! derived values, flags with their triggers, outcome, and the end/pause actions.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "a test stops at the first thing that is wrong, saying what"
)]

mod common;

use common::*;
use triage::answer::{Answer, PartialDate};
use triage::engine::{
    NotAssessed, Outcome, Problem, ReleaseAction, Releaser, Session, toggle_option,
};
use triage::questionnaire::Severity;

const Q: &str = r#"
[questionnaire]
id = "t"
version = "1"
title = "Test"

[[section]]
id = "s1"
title = "One"
intro = "Intro"

[[section.question]]
id = "gate"
type = "yes_no"
text = "Go on?"

[[section.question]]
id = "mid"
type = "yes_no_unsure"
text = "Middle?"
show_if = 'gate = "yes"'

[[section.question]]
id = "deep"
type = "yes_no"
text = "Deep?"
show_if = 'mid = "yes"'

[[section.question]]
id = "areas"
type = "multi"
text = "Areas?"
options = [
  { value = "a", label = "A" },
  { value = "b", label = "B" },
  { value = "c", label = "C" },
  { value = "none", label = "None", exclusive = true },
]

[[section.question]]
id = "n"
type = "number"
text = "How many?"
min = 0
max = 31
integer = true

[[section.question]]
id = "m"
type = "number"
text = "Of those?"
min = 0
max = 31
valid_if = "m <= n"
valid_message = "This cannot be more than the first number."

[[section.question]]
id = "dob"
type = "date"
text = "Born?"
min = "today-110y"
max = "today"

[[section.question]]
id = "last"
type = "date"
text = "Last?"
allow_month = true
max = "today"
required = false

[[section.question]]
id = "note"
type = "text"
text = "Anything?"
max_length = 10
required = false

[[section]]
id = "s2"
title = "Two"
show_if = 'areas has "c"'

[[section.question]]
id = "c_only"
type = "yes_no"
text = "C only?"

[[section.question]]
id = "info"
type = "info"
text = "A statement."

[[derived]]
id = "age"
expr = "years_between(dob, visit_date)"

[[derived]]
id = "since"
expr = "days_between(last, visit_date)"

[[derived]]
id = "ab"
expr = 'areas has any {"a", "b"}'
trigger = false

[[flag]]
id = "NE"
severity = "note"
when = 'deep != "yes"'
text = "deep is not yes"

[[flag]]
id = "NNE"
severity = "note"
when = "n != 5 and dob != 2000-01-01 and mid not in {\"no\"}"
text = "numbers and dates differ"

[[flag]]
id = "DEEP"
severity = "caution"
when = 'deep = "yes"'
text = "deep"

[[flag]]
id = "YOUNG"
severity = "stop"
when = "age < 18"
text = "Under 18 (age {age})."

[[flag]]
id = "RECENT"
severity = "caution"
when = "since < 90"
text = "Recent: {since} days."

[[flag]]
id = "ANYOF"
severity = "caution"
when = 'mid = "unsure" or gate = "yes" or areas has any {"a", "c"}'
text = "any"

[[flag]]
id = "GUARDED"
severity = "note"
when = 'ab and n >= 10'
text = "guarded"

[[flag]]
id = "END"
severity = "stop"
when = 'gate = "no"'
text = "ended"
action = "end"

[[flag]]
id = "PAUSE"
severity = "stop"
when = 'c_only = "yes"'
text = "paused"
action = "pause"
message = "Please wait for a member of staff."
"#;

fn fresh(q: &triage::questionnaire::Questionnaire) -> Session<'_> {
    Session::new(q, visit())
}

/// `!=` on an unanswered question is true; `=` and ordering comparisons are false.
#[test]
fn not_equal_is_true_when_unanswered() {
    let q = load(Q);
    let s = fresh(&q);
    assert!(fired(&s).contains(&"NE".to_owned()));
    assert!(!fired(&s).contains(&"DEEP".to_owned()));
    assert!(
        !fired(&s).contains(&"YOUNG".to_owned()),
        "age < 18 must be false when dob is unanswered"
    );
    assert!(
        fired(&s).contains(&"NNE".to_owned()),
        "`!=` on unanswered numbers and dates, and `not in`, are true"
    );
    let mut s = fresh(&q);
    set(&mut s, "n", "#5");
    assert!(!fired(&s).contains(&"NNE".to_owned()), "5 != 5 is false");
}

/// Hiding a question hides everything that depends on it, however deep, and hidden answers
/// count nowhere; showing it again brings the stored answers back.
#[test]
fn hidden_cascades_and_answers_come_back() {
    let q = load(Q);
    let mut s = fresh(&q);
    set(&mut s, "gate", "yes");
    set(&mut s, "mid", "yes");
    set(&mut s, "deep", "yes");
    assert!(fired(&s).contains(&"DEEP".to_owned()));
    set(&mut s, "gate", "no");
    let deep = idx(&q, "deep");
    assert!(!s.is_visible(idx(&q, "mid")) && !s.is_visible(deep));
    assert_eq!(s.answer(deep), None, "a hidden answer must not count");
    assert!(s.stored(deep).is_some(), "a hidden answer stays in memory");
    assert!(!fired(&s).contains(&"DEEP".to_owned()));
    assert!(
        fired(&s).contains(&"NE".to_owned()),
        "`!=` on a hidden question is true"
    );
    set(&mut s, "gate", "yes");
    assert!(s.is_visible(deep) && fired(&s).contains(&"DEEP".to_owned()));
}

/// A hidden section hides all its questions and its screens.
#[test]
fn hidden_section_hides_its_questions() {
    let q = load(Q);
    let mut s = fresh(&q);
    set(&mut s, "areas", "a");
    assert!(!s.is_visible(idx(&q, "c_only")));
    assert!(!visible_ids(&s).contains(&"info".to_owned()));
    set(&mut s, "areas", "a,c");
    assert!(s.is_visible(idx(&q, "c_only")) && s.is_visible(idx(&q, "info")));
}

fn st(q: &triage::questionnaire::Questionnaire, id: &str) -> triage::engine::Step {
    triage::engine::Step::base(idx(q, id))
}

/// Navigation visits intro, questions and info screens in order, skipping hidden ones, and
/// back then forward returns to the same screen.
#[test]
fn navigation_skips_hidden_items() {
    let q = load(Q);
    let mut s = fresh(&q);
    assert_eq!(
        visible_ids(&s),
        ["s1", "gate", "areas", "n", "m", "dob", "last", "note"]
    );
    set(&mut s, "gate", "yes");
    assert_eq!(s.next_step(Some(st(&q, "gate"))), Some(st(&q, "mid")));
    assert_eq!(
        s.next_step(Some(st(&q, "mid"))),
        Some(st(&q, "areas")),
        "deep is hidden until mid = yes"
    );
    assert_eq!(s.prev_step(st(&q, "areas")), Some(st(&q, "mid")));
    assert_eq!(
        s.next_step(None),
        Some(st(&q, "s1")),
        "the section intro is the first screen"
    );
    assert_eq!(s.prev_step(st(&q, "s1")), None);
    assert_eq!(s.next_step(Some(st(&q, "note"))), None);
    for step in s.steps().collect::<Vec<_>>() {
        if let Some(next) = s.next_step(Some(step)) {
            assert_eq!(s.prev_step(next), Some(step));
        }
    }
}

/// Out-of-range, non-whole and wrong-type answers are refused with a plain message, and the
/// previous answer is kept.
#[test]
fn validation_refuses_bad_answers() {
    let q = load(Q);
    let mut s = fresh(&q);
    let n = idx(&q, "n");
    assert!(s.set(n, Answer::Number(3.0)).is_ok());
    let e = s.set(n, Answer::Number(32.0)).unwrap_err();
    assert_eq!(e.message, "Please type a number no bigger than 31.");
    assert!(
        s.set(n, Answer::Number(2.5))
            .unwrap_err()
            .message
            .contains("whole number")
    );
    assert!(s.set(n, Answer::Number(-1.0)).is_err());
    assert!(s.set(n, Answer::Text("3".into())).is_err());
    assert_eq!(
        s.answer(n),
        Some(&Answer::Number(3.0)),
        "a refused answer changes nothing"
    );

    let note = idx(&q, "note");
    assert!(
        s.set(note, Answer::Text("01234567890".into()))
            .unwrap_err()
            .message
            .contains("at most 10")
    );
    assert!(s.set(note, Answer::Text("   ".into())).is_err());
    s.set(note, Answer::Text("ok\u{1b}[2J".into()))
        .expect("cleaned text is fine");
    assert_eq!(
        s.answer(note),
        Some(&Answer::Text("ok[2J".into())),
        "control characters are stripped on the way in"
    );

    let gate = idx(&q, "gate");
    assert!(s.set(gate, Answer::Choice(7)).is_err());
    assert!(s.set(gate, Answer::Multi(vec![0])).is_err());
}

/// "None of these" cannot be combined with other options; toggling handles it for the patient.
#[test]
fn exclusive_options() {
    let q = load(Q);
    let mut s = fresh(&q);
    let areas = idx(&q, "areas");
    let e = s.set(areas, Answer::Multi(vec![0, 3])).unwrap_err();
    assert!(
        e.message.contains("\"None\" cannot be chosen together"),
        "{}",
        e.message
    );
    let item = q.item(areas);
    assert_eq!(
        toggle_option(item, &[0, 1], 3),
        vec![3],
        "choosing None clears the others"
    );
    assert_eq!(
        toggle_option(item, &[3], 1),
        vec![1],
        "choosing another clears None"
    );
    assert_eq!(
        toggle_option(item, &[0, 1], 1),
        vec![0],
        "choosing again unchooses"
    );
}

/// Date limits are relative to the visit date; month-only dates need `allow_month` and are
/// allowed when any day of the month is within the limits.
#[test]
fn date_limits_and_month_only() {
    let q = load(Q);
    let mut s = fresh(&q);
    let dob = idx(&q, "dob");
    let d = |x: &str| Answer::Date(PartialDate::parse_iso(x).expect("date"));
    assert!(
        s.set(dob, d("2025-06-03"))
            .unwrap_err()
            .message
            .contains("too late")
    );
    assert!(
        s.set(dob, d("1915-06-01"))
            .unwrap_err()
            .message
            .contains("too early")
    );
    assert!(s.set(dob, d("1915-06-02")).is_ok());
    assert!(
        s.set(dob, d("1990-05"))
            .unwrap_err()
            .message
            .contains("day as well")
    );
    let last = idx(&q, "last");
    assert!(
        s.set(last, d("2025-06")).is_ok(),
        "this month is not in the future"
    );
    assert!(s.set(last, d("2025-07")).is_err());
}

/// Month-only dates resolve to the last day of the month in arithmetic.
#[test]
fn month_only_date_resolves_to_last_day() {
    let q = load(Q);
    let mut s = fresh(&q);
    set(&mut s, "last", "@2025-03");
    let since = q.derived_index("since").expect("derived");
    assert_eq!(s.derived_value(since), Some(triage::expr::Val::Num(63.0)));
    assert!(fired(&s).contains(&"RECENT".to_owned()));
}

/// Age counts a birthday on the visit date as reached.
#[test]
fn age_boundary() {
    let q = load(Q);
    let mut s = fresh(&q);
    set(&mut s, "dob", "@2007-06-02");
    assert!(!fired(&s).contains(&"YOUNG".to_owned()));
    set(&mut s, "dob", "@2007-06-03");
    assert!(fired(&s).contains(&"YOUNG".to_owned()));
    let flags = triage::summary::ordered_flags(&s);
    let (flag, _) = flags.iter().find(|(f, _)| f.id == "YOUNG").expect("fired");
    assert_eq!(
        triage::summary::fill(&s, &flag.text).0,
        "Under 18 (age 17)."
    );
}

/// A cross-field rule refuses a bad answer, and flags the answer again if an earlier answer
/// changes later.
#[test]
fn cross_field_rule() {
    let q = load(Q);
    let mut s = fresh(&q);
    set(&mut s, "n", "#10");
    let m = idx(&q, "m");
    assert_eq!(
        s.set(m, Answer::Number(11.0)).unwrap_err().message,
        "This cannot be more than the first number."
    );
    set(&mut s, "m", "#8");
    set(&mut s, "n", "#5");
    assert!(s.problems().any(|p| p
        == Problem::Invalid(
            triage::engine::At::base(m),
            "This cannot be more than the first number.".into()
        )));
}

/// The first problem is the first visible required question without an answer; optional and
/// hidden questions are never missing.
#[test]
fn first_missing_required() {
    let q = load(Q);
    let mut s = fresh(&q);
    assert_eq!(
        s.first_problem(),
        Some(Problem::Missing(triage::engine::At::base(idx(&q, "gate"))))
    );
    for (id, v) in [
        ("gate", "yes"),
        ("mid", "no"),
        ("areas", "a"),
        ("n", "#1"),
        ("m", "#1"),
        ("dob", "@1990-01-01"),
    ] {
        set(&mut s, id, v);
    }
    assert_eq!(
        s.first_problem(),
        None,
        "last and note are optional; deep and s2 are hidden"
    );
    assert!(s.is_complete());
    set(&mut s, "areas", "c");
    assert_eq!(
        s.first_problem(),
        Some(Problem::Missing(triage::engine::At::base(idx(
            &q, "c_only"
        ))))
    );
}

/// `or` lists every true branch as a trigger; `has` lists only the matched options; a derived
/// value marked `trigger = false` is not listed.
#[test]
fn triggers_name_the_answers() {
    let q = load(Q);
    let mut s = fresh(&q);
    set(&mut s, "gate", "yes");
    set(&mut s, "mid", "unsure");
    set(&mut s, "areas", "a,b");
    set(&mut s, "n", "#12");
    let fired = s.fired_flags();
    let any = fired
        .iter()
        .find(|f| q.flags[f.flag.to_usize()].id == "ANYOF")
        .expect("ANYOF fired");
    let ids: Vec<&str> = any
        .triggers
        .iter()
        .map(|t| q.item(t.question).id.as_str())
        .collect();
    assert_eq!(ids, ["gate", "mid", "areas"]);
    let areas = any
        .triggers
        .iter()
        .find(|t| q.item(t.question).id == "areas")
        .expect("areas");
    assert_eq!(
        areas.options,
        Some(vec![0]),
        "only the matched option a, not b"
    );
    let guarded = fired
        .iter()
        .find(|f| q.flags[f.flag.to_usize()].id == "GUARDED")
        .expect("GUARDED fired");
    let ids: Vec<&str> = guarded
        .triggers
        .iter()
        .map(|t| q.item(t.question).id.as_str())
        .collect();
    assert_eq!(ids, ["n"], "the guard `ab` is not listed");
}

/// The outcome is the worst severity: stop over caution over clear (notes do not count); a
/// session with required answers missing is NOT ASSESSED whatever fired.
#[test]
fn outcome_order() {
    let q = load(Q);
    let mut s = fresh(&q);
    assert_eq!(s.worst(), Some(Severity::Note), "only a note fires");
    assert_eq!(s.outcome(), Outcome::NotAssessed, "nothing answered yet");
    assert!(matches!(
        s.not_assessed(),
        Some(NotAssessed::Incomplete { .. })
    ));
    set(&mut s, "gate", "yes");
    assert_eq!(s.worst(), Some(Severity::Caution));
    set(&mut s, "dob", "@2010-01-01");
    assert_eq!(s.worst(), Some(Severity::Stop));
    assert_eq!(s.outcome(), Outcome::NotAssessed, "still incomplete");
}

/// An `end` flag stops the questionnaire after its trigger: later questions are not asked and
/// their stored answers count nowhere.
#[test]
fn end_action_cuts_later_questions() {
    let q = load(Q);
    let mut s = fresh(&q);
    set(&mut s, "areas", "a");
    set(&mut s, "dob", "@2010-01-01");
    set(&mut s, "gate", "no");
    assert_eq!(fired(&s), ["NE", "NNE", "END"]);
    assert_eq!(visible_ids(&s), ["s1", "gate"]);
    assert_eq!(s.first_problem(), None, "nothing after the end is required");
    assert_eq!(s.ended_at(), Some(idx(&q, "gate")));
    set(&mut s, "gate", "yes");
    assert!(
        fired(&s).contains(&"YOUNG".to_owned()),
        "changing the answer brings everything back"
    );
}

/// A `pause` flag waits for staff; once released it does not pause again. Staff may end the
/// session instead: later questions are not asked, the outcome is NOT ASSESSED, and the
/// disclosure stays fired (latched) even though its question is no longer asked.
#[test]
fn pause_and_staff_end() {
    let q = load(Q);
    let mut s = fresh(&q);
    set(&mut s, "areas", "c");
    assert_eq!(s.pending_pause(), None);
    set(&mut s, "c_only", "yes");
    let p = s.pending_pause().expect("pause pending");
    assert_eq!(q.flags[p.to_usize()].id, "PAUSE");
    s.release_pause(p, Releaser::StaffPin, ReleaseAction::EndHere);
    assert_eq!(s.pending_pause(), None);
    s.end_after(idx(&q, "areas"));
    assert!(!s.is_visible(idx(&q, "n")));
    assert!(
        fired(&s).contains(&"PAUSE".to_owned()),
        "a disclosure is latched"
    );
    assert!(!s.holds_now(p), "its question is no longer asked");
    assert_eq!(s.outcome(), Outcome::NotAssessed);
    assert_eq!(
        s.not_assessed(),
        Some(NotAssessed::EndedByStaff {
            after: idx(&q, "areas")
        })
    );
}

/// Conditional fragments in flag text: shown only when their condition holds (placeholders
/// and nested fragments inside them filled), gone with the spaces before them otherwise;
/// `{{`/`}}` stay literal braces, and `{...}` sets inside a condition do not end it.
#[test]
fn conditional_fragments_in_flag_text() {
    let q = load(
        r#"
[questionnaire]
id = "t"
version = "1"
title = "Test"

[[section]]
id = "s"
title = "S"

[[section.question]]
id = "who"
type = "single"
text = "Who?"
options = [
  { value = "me", label = "Me" },
  { value = "helper", label = "A helper" },
  { value = "staff", label = "Staff" },
]

[[section.question]]
id = "n"
type = "number"
text = "How many?"

[[flag]]
id = "F1"
severity = "note"
when = 'answered(who)'
text = 'Filled in. {? who in {"helper", "staff"}: With help ({who}{? n > 2: , {n} times}).} Done {{ok}}.'
"#,
    );
    let text = |who: &str, n: f64| {
        let mut s = Session::new(&q, visit());
        let w = idx(&q, "who");
        let opt = q
            .item(w)
            .options()
            .iter()
            .position(|o| o.value == who)
            .expect("option");
        let opt = u32::try_from(opt).expect("an option index fits u32");
        s.set(w, Answer::Choice(opt)).expect("valid");
        s.set(idx(&q, "n"), Answer::Number(n)).expect("valid");
        let f = q.flag("F1").expect("flag");
        triage::summary::fill(&s, &f.text).0
    };
    assert_eq!(text("me", 5.0), "Filled in. Done {ok}.");
    assert_eq!(
        text("helper", 1.0),
        "Filled in. With help (A helper). Done {ok}."
    );
    assert_eq!(
        text("staff", 3.0),
        "Filled in. With help (Staff, 3 times). Done {ok}."
    );
}
