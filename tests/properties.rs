//! Properties that must hold for any sequence of answers: no panics, back-then-forward returns
//! to the same screen, and evaluation depends only on the answers (not on their order or on
//! repetition).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "a test stops at the first thing that is wrong, saying what"
)]

mod common;

use common::visit;
use proptest::prelude::*;
use triage::answer::{Answer, PartialDate};
use triage::engine::Session;
use triage::questionnaire::{FlagIdx, ItemIdx, Questionnaire};

fn example() -> Questionnaire {
    common::load(
        &std::fs::read_to_string("questionnaires/example.toml").expect("example questionnaire"),
    )
}

/// Any kind of answer, valid or not, for any item.
fn any_answer() -> impl Strategy<Value = Answer> {
    prop_oneof![
        (0u32..6).prop_map(Answer::Choice),
        proptest::collection::vec(0u32..6, 0..5).prop_map(Answer::Multi),
        prop_oneof![Just(f64::NAN), Just(f64::INFINITY), -50.0..200.0f64].prop_map(Answer::Number),
        (1900i16..2100, 1i8..13, 1i8..29, any::<bool>()).prop_map(|(y, m, d, month_only)| {
            let mut p = PartialDate::full(jiff::civil::Date::constant(y, m, d));
            p.month_only = month_only;
            Answer::Date(p)
        }),
        ".{0,120}".prop_map(Answer::Text),
    ]
}

#[derive(Debug, Clone)]
enum Op {
    Set(u32, Answer),
    Clear(u32),
}

fn ops(n_items: u32) -> impl Strategy<Value = Vec<Op>> {
    proptest::collection::vec(
        prop_oneof![
            4 => (0..n_items + 2, any_answer()).prop_map(|(i, a)| Op::Set(i, a)),
            1 => (0..n_items + 2).prop_map(Op::Clear),
        ],
        0..40,
    )
}

fn apply(s: &mut Session<'_>, ops: &[Op]) {
    for op in ops {
        match op {
            Op::Set(i, a) => {
                let _ = s.set(ItemIdx::new(*i), a.clone());
            }
            Op::Clear(i) => s.clear(ItemIdx::new(*i)),
        }
    }
}

/// What the answers determine: the screens, the flags whose conditions hold now, the outcome
/// (unless a latched disclosure from earlier in the history no longer holds: latching is
/// history by design), and the first problem.
fn snapshot(
    s: &Session<'_>,
) -> (
    Vec<ItemIdx>,
    Vec<FlagIdx>,
    Option<String>,
    Option<triage::engine::Problem>,
) {
    let history = s.latches().iter().any(|l| !s.holds_now(l.flag));
    (
        s.steps().map(|st| st.item()).collect(),
        s.fired()
            .iter()
            .copied()
            .filter(|&f| s.holds_now(f))
            .collect(),
        (!history).then(|| s.outcome().as_str().to_owned()),
        s.first_problem(),
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    /// Random answers, valid or not, to any item (even out of range) never panic, and summaries
    /// of whatever results can always be rendered within 80 columns.
    #[test]
    fn random_answers_never_panic(ops in ops(16)) {
        let q = example();
        let mut s = Session::new(&q, visit());
        apply(&mut s, &ops);
        let page = triage::summary::render_text(&s, &triage::summary::Context::default());
        for line in page.lines() {
            prop_assert!(unicode_width::UnicodeWidthStr::width(line) <= 80, "{line}");
        }
        let _ = triage::summary::to_json(&s, &triage::summary::Context::default());
    }

    /// From any screen, going back then forward returns to the same screen.
    #[test]
    fn back_then_forward_returns(ops in ops(16)) {
        let q = example();
        let mut s = Session::new(&q, visit());
        apply(&mut s, &ops);
        let steps: Vec<triage::engine::Step> = s.steps().collect();
        for &step in &steps {
            if let Some(prev) = s.prev_step(step) {
                prop_assert_eq!(s.next_step(Some(prev)), Some(step));
            }
            if let Some(next) = s.next_step(Some(step)) {
                prop_assert_eq!(s.prev_step(next), Some(step));
            }
        }
    }

    /// The same answers give the same visible screens, holding flags and outcome, whatever order
    /// they were given in and however often they were re-applied; only a latched disclosure
    /// carries history.
    #[test]
    fn evaluation_is_deterministic(ops in ops(16), seed in any::<u64>()) {
        let q = example();
        let mut a = Session::new(&q, visit());
        apply(&mut a, &ops);
        // Rebuild from the final stored answers, in a shuffled order.
        let mut finals: Vec<(ItemIdx, Answer)> = a.stored_answers().map(|(i, x)| (i, x.clone())).collect();
        let mut rng = seed;
        for i in (1..finals.len()).rev() {
            rng = rng.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
            finals.swap(i, (rng >> 33) as usize % (i + 1));
        }
        let mut b = Session::new(&q, visit());
        for (i, x) in &finals {
            prop_assert!(b.set(*i, x.clone()).is_ok(), "a stored answer is valid on its own");
        }
        let (sa, sb) = (snapshot(&a), snapshot(&b));
        prop_assert_eq!((&sa.0, &sa.1, &sa.3), (&sb.0, &sb.1, &sb.3));
        if sa.2.is_some() && sb.2.is_some() {
            prop_assert_eq!(&sa.2, &sb.2);
        }
        // Every flag that holds is fired; a fired flag that does not hold is latched.
        for &f in a.fired() {
            prop_assert!(a.holds_now(f) || a.latch(f).is_some());
        }
        let again = snapshot(&b);
        for (i, x) in &finals {
            let _ = b.set(*i, x.clone());
        }
        prop_assert_eq!(again, snapshot(&b));
    }
}
