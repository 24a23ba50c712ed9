//! `triage pin set [--recovery]`: stores the staff PIN, or the recovery PIN that lifts a
//! lockout (each as an argon2id hash). On a terminal it asks twice with masked input; otherwise
//! it reads two lines from standard input, for provisioning scripts
//! (`printf '4321\n4321\n' | triage pin set`).

use std::io::{BufRead, IsTerminal, Write};
use std::path::Path;
use std::time::{Duration, Instant};

use crossterm::event::{Event, KeyCode, KeyEventKind, KeyModifiers};
use crossterm::terminal;

use super::{CliError, Io, Status};
use crate::kiosk::pin::{self, PinError};

/// Reads one PIN without echoing it: a `*` per character. Keys are decoded by `tui::input`, so
/// a stray escape sequence cannot wedge the prompt; a closed terminal ends it.
fn read_masked(prompt: &str) -> std::io::Result<Option<String>> {
    use crate::tui::terminal::{Input, read_input, wait_for_input};
    let mut err = std::io::stderr();
    write!(err, "{prompt}")?;
    err.flush()?;
    crate::tui::terminal::enable_raw()?;
    let mut pin = String::new();
    let mut decoder = crate::tui::input::Decoder::new();
    let mut buf = [0u8; 1024];
    let result = 'read: loop {
        let events = match wait_for_input(Duration::from_millis(250)) {
            Ok(Input::Ready) => match read_input(&mut buf) {
                Ok(0) => break Ok(None),
                Ok(n) => decoder.feed(&buf[..n], Instant::now()),
                Err(e) => break Err(e),
            },
            Ok(Input::Nothing) => decoder.flush(Instant::now()),
            Ok(Input::HungUp) => break Ok(None),
            Err(e) => break Err(e),
        };
        for ev in events {
            let Event::Key(k) = ev else { continue };
            if k.kind == KeyEventKind::Release {
                continue;
            }
            match k.code {
                KeyCode::Enter => break 'read Ok(Some(pin)),
                KeyCode::Char('c') | KeyCode::Char('d')
                    if k.modifiers.contains(KeyModifiers::CONTROL) =>
                {
                    break 'read Ok(None);
                }
                KeyCode::Esc => break 'read Ok(None),
                KeyCode::Backspace if pin.pop().is_some() => {
                    let _ = write!(err, "\x08 \x08");
                }
                KeyCode::Char(c)
                    if !c.is_control()
                        && !k
                            .modifiers
                            .intersects(KeyModifiers::CONTROL | KeyModifiers::ALT) =>
                {
                    pin.push(c);
                    let _ = write!(err, "*");
                }
                _ => {}
            }
        }
        let _ = err.flush();
    };
    let _ = terminal::disable_raw_mode();
    writeln!(err)?;
    result
}

/// `triage pin set`: the staff PIN; with `--recovery`, the recovery PIN that lifts a lockout.
/// Either starts the attempt counter again (an audit event).
pub fn pin_set(
    io: &mut Io<'_>,
    data_dir: Option<&Path>,
    recovery: bool,
) -> Result<Status, CliError> {
    let dir = crate::store::data_dir(data_dir).map_err(|e| CliError::Usage(e.to_string()))?;
    let (ask, again) = if recovery {
        ("New recovery PIN: ", "The same recovery PIN again: ")
    } else {
        ("New staff PIN: ", "The same PIN again: ")
    };
    let (first, second) = if std::io::stdin().is_terminal() {
        let Some(a) = read_masked(ask)? else {
            return Err(CliError::Usage("no PIN was set".into()));
        };
        let Some(b) = read_masked(again)? else {
            return Err(CliError::Usage("no PIN was set".into()));
        };
        (a, b)
    } else {
        let mut lines = std::io::stdin().lock().lines();
        let mut next = || {
            lines
                .next()
                .transpose()
                .map(|l| l.unwrap_or_default().trim_end_matches('\r').to_owned())
        };
        (next()?, next()?)
    };
    if first != second {
        return Err(CliError::Usage(PinError::Mismatch.to_string()));
    }
    let mut store = super::open_store(data_dir)?;
    let now = jiff::Timestamp::now();
    if recovery {
        pin::set_recovery(&dir, &mut store, &first, now)
            .map_err(|e| CliError::Usage(e.to_string()))?;
        writeln!(io.out, "The recovery PIN is set.")?;
    } else {
        pin::set_pin(&dir, &mut store, &first, now).map_err(|e| CliError::Usage(e.to_string()))?;
        writeln!(io.out, "The staff PIN is set.")?;
    }
    Ok(Status::Ok)
}
