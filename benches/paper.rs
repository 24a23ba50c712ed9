//! Reception typing in paper forms, through a real pseudo-terminal at 80x24: every shipped
//! scenario's answers typed by keys alone, first on the question screens (`triage run --staff`,
//! "reading the questions to the patient": one screen per question, as before issue 14), then
//! in the paper form (`triage run --staff --from-paper`). Reports keystrokes per answered
//! question (typed characters and navigation keys apart) and seconds per form, from start to
//! the stored record. The program is driven as fast as it draws (each field waits for its
//! screen), so the seconds are the program's, not a person's; the keystrokes are what a
//! person would press.
//!
//! Run: `cargo bench --bench paper` (all 133 scenarios, both ways: several minutes), or
//! `PAPER_BENCH_LIMIT=20 cargo bench --bench paper` for the first 20.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "a test stops at the first thing that is wrong, saying what"
)]

#[path = "../tests/common/paper.rs"]
#[allow(dead_code)]
mod paper;
#[path = "../tests/common/pty.rs"]
#[allow(dead_code)]
mod pty;

use std::path::Path;
use std::time::Instant;

use paper::{F2, F10, Keys, pause_at, target, type_form};
use pty::{DOWN, END, ENTER, Pty};
use triage::engine::Session;
use triage::questionnaire::{
    ChoiceStyle, DEFAULT_SOURCE, ItemIdx, QuestionKind, Questionnaire, load_toml,
};
use triage::tui::Mode;

/// One form's numbers.
struct Form {
    keys: Keys,
    /// Keys on the way in and out (the intake question, welcome, review, confirmation and
    /// thank-you screens), counted as navigation.
    around: usize,
    seconds: f64,
}

fn spawn(bin: &Path, data: &Path, args: &[&str]) -> Pty {
    let mut all = vec![
        "--data-dir",
        data.to_str().expect("utf-8"),
        "--visit-date",
        "2025-06-02",
        "run",
    ];
    all.extend_from_slice(args);
    Pty::spawn(bin, &all, 80, 24)
}

/// Today's question screens: digits 1-9 and Enter on each question, ↓ and Space for options
/// 10 and up, Enter on section intros and information screens, F2 / F10 on a safety pause.
fn type_screens(p: &mut Pty, q: &Questionnaire, done: &Session<'_>) -> Keys {
    let mut keys = Keys::default();
    let goal = target(q, done, Mode::Staff);
    let preset = triage::tui::model::preset_answers(q, Mode::Staff);
    let nav = |k: &mut Keys, p: &mut Pty, s: &str| {
        k.navigation += 1;
        p.send(s);
    };
    for item in goal.steps().map(|s| s.item()).collect::<Vec<ItemIdx>>() {
        let it = q.item(item);
        let want: String = it
            .text
            .lines()
            .next()
            .unwrap_or("")
            .chars()
            .take(30)
            .collect();
        p.wait_until(&format!("the screen of `{}`", it.id), |s| s.contains(&want));
        if it.question().is_none() {
            nav(&mut keys, p, ENTER);
            continue;
        }
        // The staff preset ("who is filling in") is already answered: Enter keeps it.
        let Some(stored) = goal
            .stored(item)
            .filter(|_| !preset.iter().any(|(i, _)| *i == item))
        else {
            nav(&mut keys, p, ENTER);
            continue;
        };
        keys.answered += 1;
        let value = triage::answers::to_json(q, item, stored);
        let offered = it.offered_options(true);
        let index = |v: &serde_json::Value| {
            offered
                .iter()
                .position(|o| Some(o.value.as_str()) == v.as_str())
                .expect("option")
        };
        let chosen: Vec<usize> = match it.question() {
            Some(QuestionKind::Choice {
                style: ChoiceStyle::Multi,
                ..
            }) => value.as_array().expect("list").iter().map(index).collect(),
            Some(QuestionKind::Choice { .. }) => vec![index(&value)],
            _ => {
                let text = match &value {
                    serde_json::Value::String(s) => s.clone(),
                    other => other.to_string(),
                };
                keys.typed += text.chars().count();
                p.send(&text);
                nav(&mut keys, p, ENTER);
                continue;
            }
        };
        // The focus starts on the first option (or the one already chosen, for the preset).
        let mut focus = 0;
        for i in chosen {
            if i < 9 {
                keys.typed += 1;
                p.send(&(i + 1).to_string());
                focus = i;
            } else {
                while focus < i {
                    nav(&mut keys, p, DOWN);
                    focus += 1;
                }
                keys.typed += 1;
                p.send(" ");
            }
        }
        nav(&mut keys, p, ENTER);
        if let Some(ends) = pause_at(q, &goal, item) {
            p.wait_for("Support for you");
            if ends {
                nav(&mut keys, p, F10);
                p.wait_for("Thank you");
                return keys;
            }
            nav(&mut keys, p, F2);
        }
    }
    keys
}

/// From the review screen (or the confirmation, when the form ended early) to the exit; the
/// keys pressed. `end_first`: press End on the review screen (before issue 14 the focus
/// started on the first answer).
fn send(p: &mut Pty, end_first: bool) -> usize {
    let s = p.wait_until("review or confirmation", |s| {
        s.contains("Check your answers") || s.contains("Ready to send?") || s.contains("Thank you")
    });
    let mut n = 0;
    if s.contains("Check your answers") {
        if end_first {
            p.send(END);
            n += 1;
        }
        p.send(ENTER);
        n += 1;
    }
    if !s.contains("Thank you") {
        p.wait_for("Ready to send?");
        p.send(ENTER);
        n += 1;
    }
    p.wait_for("Thank you");
    p.send(ENTER);
    n += 1;
    assert_eq!(p.wait_exit(), 0, "the program ended cleanly");
    n
}

#[allow(
    clippy::cast_precision_loss,
    reason = "counts of forms and keys in one run, far below 2^52, turned into averages for a report"
)]
fn report(name: &str, forms: &[Form]) {
    let answered: usize = forms.iter().map(|f| f.keys.answered).sum();
    let typed: usize = forms.iter().map(|f| f.keys.typed).sum();
    let nav: usize = forms.iter().map(|f| f.keys.navigation).sum();
    let around: usize = forms.iter().map(|f| f.around).sum();
    let mut secs: Vec<f64> = forms.iter().map(|f| f.seconds).collect();
    secs.sort_by(f64::total_cmp);
    let n = forms.len().max(1) as f64;
    let per = |x: usize| x as f64 / answered.max(1) as f64;
    println!(
        "{name:<22} {} forms, {answered} answers ({:.1}/form) | per answered question: navigation {:.3} (with the way in and out {:.3}), typed {:.2}, all keys {:.2} | keys per form {:.0} | seconds per form: median {:.2}, mean {:.2}, max {:.2}",
        forms.len(),
        answered as f64 / n,
        per(nav),
        per(nav + around),
        per(typed),
        per(nav + around + typed),
        (nav + around + typed) as f64 / n,
        secs.get(secs.len() / 2).copied().unwrap_or(0.0),
        secs.iter().sum::<f64>() / n,
        secs.last().copied().unwrap_or(0.0),
    );
}

fn main() {
    let q = load_toml(DEFAULT_SOURCE).questionnaire.expect("valid");
    let src = std::fs::read_to_string("questionnaires/botulinum-toxin.scenarios.toml")
        .expect("the shipped scenarios");
    let built = triage::scenario::build(&q, &src).expect("scenarios build");
    let limit = std::env::var("PAPER_BENCH_LIMIT")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(usize::MAX);
    let bin = Path::new(env!("CARGO_BIN_EXE_triage"));
    let dir = tempfile::tempdir().expect("tempdir");
    let (mut before, mut after) = (Vec::new(), Vec::new());
    for (n, b) in built.iter().take(limit).enumerate() {
        let done = &b.session;
        // Question screens: the intake question (1: reading), the welcome screen, then one
        // screen per question.
        let t0 = Instant::now();
        let mut p = spawn(bin, &dir.path().join(format!("screens{n}")), &["--staff"]);
        p.wait_for("How are the answers being given?");
        p.send("1");
        p.wait_for("Start");
        p.send(ENTER);
        let keys = type_screens(&mut p, &q, done);
        let around = 2 + send(&mut p, true);
        before.push(Form {
            keys,
            around,
            seconds: t0.elapsed().as_secs_f64(),
        });
        // The paper form.
        let t0 = Instant::now();
        let mut p = spawn(
            bin,
            &dir.path().join(format!("paper{n}")),
            &["--staff", "--from-paper"],
        );
        let keys = type_form(&mut p, &q, done);
        let around = send(&mut p, false);
        after.push(Form {
            keys,
            around,
            seconds: t0.elapsed().as_secs_f64(),
        });
    }
    println!(
        "Every shipped scenario typed by keys alone through an 80x24 pseudo-terminal (debug or release as built)"
    );
    report("question screens", &before);
    report("paper form", &after);
}
