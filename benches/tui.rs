//! The walk-through in a real pseudo-terminal, next to `whiptail --radiolist` with five options in
//! the same run: time to the first frame and to the first question, bytes written per focus move,
//! key-to-frame latency (median, p95) and peak memory. Prints a table; run with `cargo bench --bench tui`.
//! whiptail comes from Debian's `whiptail` package; without it only triage is measured.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "a test stops at the first thing that is wrong, saying what"
)]

#[path = "../tests/common/pty.rs"]
#[allow(dead_code)]
mod pty;

use std::path::Path;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use pty::{CTRL_C, DOWN, ENTER, Pty, UP};

const RUNS: usize = 15;
const MOVES: usize = 40;

const QUESTIONNAIRE: &str = r#"
[questionnaire]
id = "bench"
version = "1"
title = "Bench"

[[section]]
id = "s"
title = "S"

[[section.question]]
id = "pick"
type = "single"
text = "Pick one option"
options = [
  { value = "a", label = "Option A" },
  { value = "b", label = "Option B" },
  { value = "c", label = "Option C" },
  { value = "d", label = "Option D" },
  { value = "e", label = "Option E" },
]
"#;

#[derive(Default)]
struct Sample {
    first_frame: Vec<Duration>,
    first_question: Vec<Duration>,
    move_bytes: Vec<usize>,
    move_latency: Vec<Duration>,
    peak_rss_kb: Vec<u64>,
}

/// Busy-waits (no fixed sleep) until the program writes its next frame: the byte counter moves.
/// Reading an atomic counter keeps the measuring loop off the emulator's lock.
fn wait_output(p: &Pty, before: usize) -> Instant {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        if p.bytes.load(Ordering::SeqCst) != before {
            return Instant::now();
        }
        assert!(Instant::now() < deadline, "no output after the key");
        // A short sleep rather than a spin: the machine has two cores, and a spinning measurer
        // would compete with the program it measures.
        std::thread::sleep(Duration::from_micros(20));
    }
}

/// Waits until no byte has arrived for 20 ms, so a frame is complete.
fn settle(p: &Pty) {
    let mut last = p.bytes.load(Ordering::SeqCst);
    let mut since = Instant::now();
    while since.elapsed() < Duration::from_millis(20) {
        std::thread::sleep(Duration::from_millis(1));
        let now = p.bytes.load(Ordering::SeqCst);
        if now != last {
            last = now;
            since = Instant::now();
        }
    }
}

fn peak_rss_kb(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}

fn measure(mut spawn: impl FnMut() -> Pty, first: &str, question: Option<&str>) -> Sample {
    let mut s = Sample::default();
    for _ in 0..RUNS {
        let t0 = Instant::now();
        let mut p = spawn();
        p.wait_for(first);
        s.first_frame.push(t0.elapsed());
        if let Some(q) = question {
            p.send(ENTER);
            p.wait_for(q);
        }
        s.first_question.push(t0.elapsed());
        settle(&p);
        for i in 0..MOVES {
            let before = p.formatted();
            let bytes = p.bytes.load(Ordering::SeqCst);
            let sent = Instant::now();
            p.send(if i % 2 == 0 { DOWN } else { UP });
            let answered = wait_output(&p, bytes);
            s.move_latency.push(answered - sent);
            settle(&p);
            assert_ne!(p.formatted(), before, "the focus move changed the screen");
            s.move_bytes.push(p.bytes.load(Ordering::SeqCst) - bytes);
        }
        s.peak_rss_kb.push(peak_rss_kb(p.pid()));
        p.send(CTRL_C);
        p.send("\x1b");
        let _ = p.wait_exit();
    }
    s
}

/// The `p`th percentile of `v` (`p` in 0..=100): the value at rank `(len - 1) * p / 100`,
/// rounded half up.
fn pct<T: Copy + Ord>(v: &[T], p: usize) -> T {
    let mut v = v.to_vec();
    v.sort();
    v[((v.len() - 1) * p + 50) / 100]
}

fn report(name: &str, s: &Sample) {
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!(
        "{name:<10} first frame {:>7.1} ms | first question {:>7.1} ms | bytes/move {:>5} (max {:>5}) | key-to-frame median {:>5.2} ms, p95 {:>5.2} ms | peak RSS {:>6} kB",
        ms(pct(&s.first_frame, 50)),
        ms(pct(&s.first_question, 50)),
        pct(&s.move_bytes, 50),
        pct(&s.move_bytes, 100),
        ms(pct(&s.move_latency, 50)),
        ms(pct(&s.move_latency, 95)),
        pct(&s.peak_rss_kb, 100),
    );
}

fn main() {
    // `cargo bench` passes `--bench`; also allow plain runs.
    let dir = tempfile::tempdir().expect("tempdir");
    let qfile = dir.path().join("bench.toml");
    std::fs::write(&qfile, QUESTIONNAIRE).expect("write");
    let bin = env!("CARGO_BIN_EXE_triage");
    let data = dir.path().join("data");
    // Each run gets its own data directory so no earlier draft asks to be resumed. Normally the
    // database exists already: those directories are all made before any timing starts. The
    // first run on a new data directory also creates the database.
    for n in 0..RUNS {
        let ok = std::process::Command::new(bin)
            .arg("--data-dir")
            .arg(data.join(format!("existing{n}")))
            .args(["records", "list"])
            .output()
            .expect("create")
            .status
            .success();
        assert!(ok, "creating the data directory failed");
    }
    std::thread::sleep(Duration::from_millis(500));
    let mut n = 0;
    let mut spawn = |prefix: &str| {
        let d = data.join(format!("{prefix}{n}"));
        n = (n + 1) % RUNS;
        Pty::spawn(
            Path::new(bin),
            &[
                "--data-dir",
                d.to_str().expect("utf-8"),
                "run",
                qfile.to_str().expect("utf-8"),
            ],
            80,
            24,
        )
    };
    let triage = measure(|| spawn("existing"), "Start", Some("Pick one option"));
    let first_ever = measure(|| spawn("new"), "Start", Some("Pick one option"));
    println!("{RUNS} runs x {MOVES} focus moves, 80x24 pseudo-terminal");
    report("triage", &triage);
    report("(new dir)", &first_ever);
    if Path::new("/usr/bin/whiptail").exists() {
        let whiptail = measure(
            || {
                Pty::spawn(
                    Path::new("/usr/bin/whiptail"),
                    &[
                        "--radiolist",
                        "Pick one option",
                        "15",
                        "60",
                        "5",
                        "a",
                        "Option A",
                        "ON",
                        "b",
                        "Option B",
                        "OFF",
                        "c",
                        "Option C",
                        "OFF",
                        "d",
                        "Option D",
                        "OFF",
                        "e",
                        "Option E",
                        "OFF",
                    ],
                    80,
                    24,
                )
            },
            "Option E",
            None,
        );
        report("whiptail", &whiptail);
        let ratio = |a: &[Duration]| {
            pct(a, 50).as_secs_f64() / pct(&whiptail.first_frame, 50).as_secs_f64()
        };
        println!(
            "triage / whiptail first frame: {:.2}x (triage's first frame is its welcome screen; its first question, one key later: {:.2}x)",
            ratio(&triage.first_frame),
            ratio(&triage.first_question)
        );
    } else {
        println!("whiptail not installed (apt-get install whiptail): no comparison");
    }
}
