//! A lost terminal ends the walk-through: closing the window (the terminal's master side goes
//! away), SIGHUP or SIGTERM at random points of a walk, with or without an answer half typed.
//! The process is gone within a second (no orphan spinning on a dead tty), and every answer that
//! was confirmed (Enter, and the next screen shown) is in the draft, as is a valid answer that was
//! on screen but not yet confirmed. `TRIAGE_HANGUP_RUNS` sets how many walks (default 8).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "a test stops at the first thing that is wrong, saying what"
)]

mod common;

use std::path::PathBuf;
use std::time::Duration;

use common::hangup::HangupPty;
use common::walk::{baseline, keys, prompt};
use triage::engine::Session;
use triage::questionnaire::{DEFAULT_SOURCE, ItemKind, load_toml};
use triage::store::{DraftStatus, SqliteStore, Store};

fn bin() -> PathBuf {
    assert_cmd::cargo::cargo_bin("triage")
}

/// A small deterministic generator (xorshift), seeded from the clock and printed, so a failing
/// run can be repeated with `TRIAGE_HANGUP_SEED`.
struct Rng(u64);
impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        usize::try_from(self.0 % n as u64).expect("below n, a usize")
    }
}

#[derive(Debug, Clone, Copy)]
enum Loss {
    CloseTerminal,
    Hup,
    Term,
}

/// Random walks ended by a closed terminal, SIGHUP or SIGTERM: gone within a second, nothing
/// confirmed lost, the half-typed name kept.
#[test]
fn lost_terminal_ends_the_walk_and_keeps_every_answer() {
    let runs: usize = std::env::var("TRIAGE_HANGUP_RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(8);
    let seed: u64 = std::env::var("TRIAGE_HANGUP_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| {
            // Nanoseconds since 1970 fit a u64 until the year 2554.
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .ok()
                .and_then(|d| u64::try_from(d.as_nanos()).ok())
                .unwrap_or(1)
                | 1
        });
    eprintln!("TRIAGE_HANGUP_SEED={seed}");
    let mut rng = Rng(seed);
    let q = load_toml(DEFAULT_SOURCE).questionnaire.expect("valid");
    let answers = baseline();
    let mut mirror = Session::new(&q, common::visit());
    for (id, v) in &answers {
        let i = q.item_index(id).expect("item");
        let a = triage::answers::to_answer(&q, i, &triage::answers::RawValue::from_json(v))
            .expect("answer");
        mirror.set(i, a).expect("valid");
    }
    let steps: Vec<triage::questionnaire::ItemIdx> = mirror.steps().map(|s| s.item()).collect();
    let mut slowest = Duration::ZERO;
    for run in 0..runs {
        let dir = tempfile::tempdir().expect("tempdir");
        let data = dir.path().join("data");
        let mut p = HangupPty::spawn(
            &bin(),
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
        p.send("\r");
        // Answer a random number of screens, each confirmed by the next screen appearing; the
        // first walk always stops with the name half typed.
        let name_item = q.item_index("a_full_name").expect("name");
        let name_at = steps
            .iter()
            .position(|&s| s == name_item)
            .expect("name step");
        let stop_at = if run == 0 {
            name_at
        } else {
            rng.below(steps.len().min(14))
        };
        let mut confirmed: Vec<(String, serde_json::Value)> = Vec::new();
        for (n, &item) in steps.iter().enumerate().take(stop_at) {
            p.wait_for(&prompt(&q, item));
            let it = q.item(item);
            if let (ItemKind::Question(_), Some(v)) = (&it.kind, answers.get(&it.id)) {
                p.send(&keys(&q, item, v));
                confirmed.push((it.id.clone(), v.clone()));
            } else {
                p.send("\r");
            }
            if let Some(&next) = steps.get(n + 1) {
                p.wait_for(&prompt(&q, next));
            }
        }
        // Sometimes the patient is half way through typing their name.
        let half_typed = stop_at == name_at && (run == 0 || rng.below(2) == 0);
        if half_typed {
            p.send("Alex Sam");
            p.wait_for("Alex Sam");
        }
        let loss = [Loss::CloseTerminal, Loss::Hup, Loss::Term][rng.below(3)];
        match loss {
            Loss::CloseTerminal => p.hang_up(),
            Loss::Hup => p.signal("HUP"),
            Loss::Term => p.signal("TERM"),
        }
        let took = p.exits_within(Duration::from_secs(1)).unwrap_or_else(|| {
            panic!("run {run} (seed {seed}): still running 1 s after {loss:?} at step {stop_at}")
        });
        slowest = slowest.max(took);
        let store = SqliteStore::open(&data).expect("store");
        let drafts = store
            .drafts(DraftStatus::Open, Some("botulinum-toxin"))
            .expect("drafts");
        let stored: std::collections::BTreeMap<String, serde_json::Value> = match drafts.first() {
            Some(d) => store
                .draft_answers(d.id)
                .expect("answers")
                .into_iter()
                .collect(),
            None => std::collections::BTreeMap::new(),
        };
        for (id, v) in &confirmed {
            assert_eq!(
                stored.get(id),
                Some(v),
                "run {run} (seed {seed}, {loss:?} at step {stop_at}): confirmed answer `{id}` lost"
            );
        }
        if half_typed {
            assert_eq!(
                stored.get("a_full_name"),
                Some(&serde_json::json!("Alex Sam")),
                "run {run} (seed {seed}, {loss:?}): the name on screen was not kept"
            );
        }
    }
    eprintln!("{runs} walks ended by a lost terminal or signal; slowest exit {slowest:?}");
}

/// An orphan never spins: after the terminal closes with nothing else happening (no signal to
/// the process group, as when a window manager just drops the pty), the process still ends.
#[test]
fn closed_terminal_alone_ends_the_process() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("data");
    let mut p = HangupPty::spawn(
        &bin(),
        &["--data-dir", data.to_str().expect("utf-8"), "run"],
        80,
        24,
    );
    p.wait_for("Start");
    p.send("\r");
    p.wait_for("Who is filling in this form?");
    // Ignore SIGHUP in nothing: just close the master and measure.
    p.hang_up();
    assert!(
        p.exits_within(Duration::from_secs(1)).is_some(),
        "the process outlived its terminal"
    );
}
