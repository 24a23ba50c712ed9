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
    if let Some(mut stdin) = child.stdin.take() {
        stdin
            .write_all(input)
            .map_err(|e| format!("`{program}` did not take the summary: {e}"))?;
    }
    let start = Instant::now();
    loop {
        match child.try_wait() {
            Ok(Some(status)) if status.success() => return Ok(()),
            Ok(Some(status)) => return Err(format!("`{program}` failed ({status})")),
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

/// Starts the staff alert command and lets it run on its own (reaped by a thread). No patient
/// data is passed: not in its arguments, not on its input.
pub fn alert(argv: &[String]) -> Result<(), String> {
    let (program, args) = argv.split_first().ok_or("the alert command is empty")?;
    let mut child = Command::new(program)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("could not start the alert `{program}`: {e}"))?;
    std::thread::spawn(move || {
        let _ = child.wait();
    });
    Ok(())
}
