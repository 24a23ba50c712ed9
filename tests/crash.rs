//! Nothing acknowledged is lost: the real binary commits answers one at a time (the same store
//! calls the walk-through makes) and is killed with SIGKILL at random moments. Afterwards the
//! database passes `PRAGMA integrity_check`, and every answer whose commit was acknowledged is
//! there with its value. Runs 50 times by default; set TRIAGE_CRASH_RUNS for a longer run.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "a test stops at the first thing that is wrong, saying what"
)]

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use triage::store::{SqliteStore, Store};

const ANSWERS: &str = "questionnaires/examples/several-flags.json";

/// A small deterministic random source (no extra dependency needed for test timing).
struct Lcg(u64);

impl Lcg {
    fn next(&mut self, below: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 33) % below
    }
}

fn expected_values() -> BTreeMap<String, serde_json::Value> {
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(ANSWERS).expect("answers")).expect("json");
    v["answers"]
        .as_object()
        .expect("answers object")
        .iter()
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

/// Kills the writer at random moments and checks integrity and every acknowledged answer.
#[test]
fn kill_at_random_moments_loses_nothing_acknowledged() {
    let runs: usize = std::env::var("TRIAGE_CRASH_RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(50);
    // Nanoseconds since 1970 fit a u64 until the year 2554.
    let seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .ok()
        .and_then(|d| u64::try_from(d.as_nanos()).ok())
        .unwrap_or(7);
    let mut rng = Lcg(seed);
    let expected = expected_values();
    let dir = tempfile::tempdir().expect("tempdir");
    let bin = assert_cmd::cargo::cargo_bin("triage");
    let (mut total_acks, mut killed_mid_write) = (0usize, 0usize);
    for run in 0..runs {
        let mut child = Command::new(&bin)
            .arg("--data-dir")
            .arg(dir.path())
            .args(["harness-autosave", "--answers", ANSWERS, "--rounds", "1000"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn");
        let stdout = child.stdout.take().expect("stdout");
        let (tx, rx) = mpsc::channel::<String>();
        let reader = std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        // Kill at a random moment: sometimes during start-up, mostly while answers are written.
        let delay = Duration::from_millis(rng.next(120));
        let start = Instant::now();
        let mut lines = Vec::new();
        while start.elapsed() < delay {
            if let Ok(l) = rx.recv_timeout(Duration::from_millis(1)) {
                lines.push(l);
            }
        }
        child.kill().expect("SIGKILL");
        let status = child.wait().expect("wait");
        reader.join().expect("reader");
        lines.extend(rx.try_iter());
        assert!(
            !status.success(),
            "run {run}: the writer finished before it was killed; raise --rounds"
        );
        let Some(draft) = lines
            .first()
            .and_then(|l| l.strip_prefix("draft "))
            .and_then(|d| d.parse::<i64>().ok())
        else {
            continue; // killed before the draft was acknowledged
        };
        let acked: Vec<&str> = lines
            .iter()
            .filter_map(|l| l.strip_prefix("ack "))
            .collect();
        total_acks += acked.len();
        killed_mid_write += usize::from(!acked.is_empty());
        let store = SqliteStore::open(dir.path())
            .unwrap_or_else(|e| panic!("run {run}: reopen failed: {e}"));
        assert_eq!(
            store.integrity_check().expect("integrity"),
            "ok",
            "run {run}"
        );
        let stored: BTreeMap<String, serde_json::Value> = store
            .draft_answers(draft)
            .expect("draft answers")
            .into_iter()
            .collect();
        for id in acked {
            let got = stored
                .get(id)
                .unwrap_or_else(|| panic!("run {run}: acknowledged answer `{id}` is missing"));
            let want = &expected[id];
            let same = match (got, want) {
                (serde_json::Value::Number(a), serde_json::Value::Number(b)) => {
                    a.as_f64() == b.as_f64()
                }
                (a, b) => a == b,
            };
            assert!(same, "run {run}: `{id}` is {got}, expected {want}");
        }
    }
    eprintln!(
        "{runs} kills, {killed_mid_write} while writing, {total_acks} acknowledged answers checked"
    );
    assert!(
        killed_mid_write * 2 >= runs,
        "most kills should land while answers are being written"
    );
}
