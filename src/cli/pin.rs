//! `triage pin set [--recovery | --prescriber ID]`: stores the staff PIN, the recovery PIN that
//! lifts a lockout, or a prescriber's own PIN for the inbox (the prescriber must be in the clinic
//! settings), each as an argon2id hash. On a terminal it asks twice with masked input; otherwise
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
                // A read never returns more than the buffer holds.
                Ok(n) => decoder.feed(buf.get(..n).unwrap_or_default(), Instant::now()),
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
                KeyCode::Char('c' | 'd') if k.modifiers.contains(KeyModifiers::CONTROL) => {
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

/// `triage pin set`: the staff PIN; with `--recovery`, the recovery PIN that lifts a lockout;
/// with `--prescriber ID`, that prescriber's own PIN for the inbox. Each starts its attempt
/// counter again (an audit event).
pub fn pin_set(
    io: &mut Io<'_>,
    data_dir: Option<&Path>,
    config: Option<&Path>,
    recovery: bool,
    prescriber: Option<&str>,
) -> Result<Status, CliError> {
    let dir = crate::store::data_dir(data_dir).map_err(|e| CliError::Usage(e.to_string()))?;
    // A prescriber's PIN: only for someone the clinic settings list.
    let who = match prescriber {
        None => None,
        Some(id) => {
            let c = super::clinic_config(io, config, &dir)?;
            let Some(p) = c.prescribers.into_iter().find(|p| p.id == id) else {
                return Err(CliError::Usage(format!(
                    "there is no prescriber `{}` in the clinic settings; add a [[prescriber]] with that id first",
                    crate::text::escape(id)
                )));
            };
            Some(p)
        }
    };
    let (ask, again) = match (&who, recovery) {
        (Some(p), _) => (
            format!("New PIN for {}: ", crate::text::escape(&p.name)),
            "The same PIN again: ",
        ),
        (None, true) => (
            "New recovery PIN: ".to_owned(),
            "The same recovery PIN again: ",
        ),
        (None, false) => ("New staff PIN: ".to_owned(), "The same PIN again: "),
    };
    let (first, second) = if std::io::stdin().is_terminal() {
        let Some(a) = read_masked(&ask)? else {
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
    let usage = |e: pin::PinError| CliError::Usage(e.to_string());
    match &who {
        Some(p) => {
            pin::set_prescriber_pin(&dir, &mut store, &p.id, &first, now).map_err(usage)?;
            writeln!(
                io.out,
                "The PIN of {} is set.",
                crate::text::escape(&p.name)
            )?;
        }
        None if recovery => {
            pin::set_recovery(&dir, &mut store, &first, now).map_err(usage)?;
            writeln!(io.out, "The recovery PIN is set.")?;
        }
        None => {
            pin::set_pin(&dir, &mut store, &first, now).map_err(usage)?;
            writeln!(io.out, "The staff PIN is set.")?;
        }
    }
    Ok(Status::Ok)
}
