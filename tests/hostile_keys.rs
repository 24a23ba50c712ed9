//! The keyboard parser against a hostile keyboard macro (issue 12, item 6): an unfinished or
//! malformed escape sequence (`ESC [ ?`, `ESC [ 200 ~` with no end marker, an overlong CSI)
//! never makes the walk-through swallow the keys after it: Enter and Ctrl-C get through, at once
//! or after a short timeout. The real binary in a pseudo-terminal, waiting for screens.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "a test stops at the first thing that is wrong, saying what"
)]

mod common;

use std::path::{Path, PathBuf};

use common::pty::*;

fn bin() -> PathBuf {
    assert_cmd::cargo::cargo_bin("triage")
}

fn start(data: &Path, mode: &str) -> Pty {
    let mut args = vec![
        "--data-dir",
        data.to_str().expect("utf-8"),
        "--visit-date",
        "2025-06-02",
        mode,
    ];
    if mode == "kiosk" {
        args.extend(["--idle-warning", "600", "--idle-reset", "900"]);
    }
    Pty::spawn(&bin(), &args, 80, 24)
}

const FIRST: &str = "Who is filling in this form?";
const SECOND: &str = "Are you happy to answer questions";

/// `ESC [ ?` typed before Enter, Ctrl-C after another `ESC [ ?`: the form starts, an option is
/// chosen, and Ctrl-C stops the walk-through (exit 130) with its answers saved.
#[test]
fn private_sequence_prefix_does_not_swallow_enter_or_ctrl_c() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut p = start(dir.path(), "run");
    p.wait_for("Start");
    p.send("\x1b[?");
    p.send(ENTER);
    p.wait_for(FIRST);
    p.send("\x1b[?");
    p.send(ENTER);
    p.send("1");
    p.send(ENTER);
    p.wait_for(SECOND);
    p.send("\x1b[?");
    p.send(CTRL_C);
    assert_eq!(p.wait_exit(), 130, "Ctrl-C stopped the walk-through");
}

/// A bracketed-paste start marker with no end marker (a macro typing `ESC[200~`): the keys after
/// it count as typed once the paste is given up, so Enter starts the form and the next keys
/// answer it.
#[test]
fn paste_start_without_end_is_given_up() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut p = start(dir.path(), "run");
    p.wait_for("Start");
    p.send("\x1b[200~");
    p.send(ENTER);
    p.wait_for(FIRST);
    p.send("\x1b[200~1\r");
    p.wait_for(SECOND);
    p.send(CTRL_C);
    assert_eq!(p.wait_exit(), 130);
}

/// In the kiosk, where Ctrl-C is ignored, a hostile sequence and an overlong CSI do not wedge
/// input either: the next patient's keys still answer.
#[test]
fn kiosk_input_resumes_after_hostile_sequences() {
    let dir = tempfile::tempdir().expect("tempdir");
    let st = std::process::Command::new(bin())
        .args(["--data-dir", dir.path().to_str().expect("utf-8")])
        .args(["pin", "set"])
        .stdin(std::process::Stdio::piped())
        .spawn()
        .and_then(|mut c| {
            use std::io::Write;
            c.stdin.take().expect("stdin").write_all(b"4321\n4321\n")?;
            c.wait()
        })
        .expect("pin set");
    assert!(st.success());
    let mut p = start(dir.path(), "kiosk");
    p.wait_for("Start");
    let mut long = String::from("\x1b[");
    long.push_str(&"9;".repeat(5_000));
    p.send(&long);
    p.send("A");
    p.send("\x1b[?");
    p.send(ENTER);
    p.wait_for(FIRST);
    p.send("\x1b[200~");
    p.send("1");
    p.send(ENTER);
    p.wait_for(SECOND);
}
