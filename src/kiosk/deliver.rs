//! Where a finished summary goes at a kiosk: never the kiosk's screen. A configured print
//! command gets it on standard input (an argument list, never a shell; no patient data in the
//! arguments), and/or it is written atomically into a spool folder. The staff alert command runs
//! with no patient data at all.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::store::write_atomic;

/// How long a print or alert command may take before it counts as failed.
const COMMAND_TIMEOUT: Duration = Duration::from_secs(20);

/// Runs `argv` with `input` on its standard input; an error says what went wrong, plainly.
pub fn run_with_input(argv: &[String], input: &[u8]) -> Result<(), String> {
    let (program, args) = argv.split_first().ok_or("the command is empty")?;
    let mut child = Command::new(program)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("could not start `{program}`: {e}"))?;
    // Written from a thread so that a command which never reads cannot hang the kiosk: the
    // timeout below still applies, and killing the command ends the write.
    let writer = child.stdin.take().map(|mut stdin| {
        let input = input.to_vec();
        std::thread::spawn(move || stdin.write_all(&input))
    });
    let start = Instant::now();
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if start.elapsed() > COMMAND_TIMEOUT => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!(
                    "`{program}` did not finish within {} seconds",
                    COMMAND_TIMEOUT.as_secs()
                ));
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(10)),
            Err(e) => return Err(format!("`{program}`: {e}")),
        }
    };
    // A command that fails is reported as failing, even if it also stopped reading early.
    if !status.success() {
        return Err(format!("`{program}` failed ({status})"));
    }
    let Some(writer) = writer else { return Ok(()) };
    // The command has ended; if something it left behind still holds the pipe without reading,
    // do not wait for it forever.
    let waited = Instant::now();
    while !writer.is_finished() && waited.elapsed() < Duration::from_secs(1) {
        std::thread::sleep(Duration::from_millis(5));
    }
    if !writer.is_finished() {
        return Err(format!(
            "`{program}` ended without taking the whole summary"
        ));
    }
    match writer.join() {
        Ok(Ok(())) => Ok(()),
        Ok(Err(e)) => Err(format!("`{program}` did not take the summary: {e}")),
        Err(_) => Err(format!("`{program}` did not take the summary")),
    }
}

/// Writes a summary into the spool folder as `triage-record-ID.EXT`, whole or not at all.
pub fn spool(dir: &Path, record: i64, ext: &str, bytes: &[u8]) -> Result<PathBuf, String> {
    crate::store::ensure_private_dir(dir)
        .map_err(|e| format!("cannot use the spool folder {}: {e}", dir.display()))?;
    let path = dir.join(format!("triage-record-{record}.{ext}"));
    write_atomic(&path, bytes)
        .map_err(|e| format!("cannot write into the spool folder {}: {e}", dir.display()))?;
    Ok(path)
}

/// Runs the staff alert command and waits for it (at most the command timeout): `Ok` only when
/// it ran and reported success, so nobody is told staff were alerted when they were not. No
/// patient data is passed: not in its arguments, not on its input. Blocking: call it off the UI
/// thread.
pub fn alert(argv: &[String]) -> Result<(), String> {
    if argv.is_empty() {
        return Err("the alert command is empty".into());
    }
    run_with_input(argv, b"")
}
