//! `triage pin set [--prescriber ID]`: stores the staff PIN, or a prescriber's own PIN for the
//! inbox (the prescriber must be in the clinic settings), as an argon2id hash. On a terminal it
//! asks twice with masked input; otherwise it reads two lines from standard input, for
//! provisioning scripts (`printf '4321\n4321\n' | triage pin set`).

use std::io::{BufRead, IsTerminal, Write};
use std::path::Path;

use crossterm::event::{self, Event, KeyCode, KeyEventKind, KeyModifiers};
use crossterm::terminal;

use super::{CliError, Io, Status};
use crate::kiosk::pin::{self, PinError};

/// Reads one PIN without echoing it: a `*` per character.
fn read_masked(prompt: &str) -> std::io::Result<Option<String>> {
    let mut err = std::io::stderr();
    write!(err, "{prompt}")?;
    err.flush()?;
    terminal::enable_raw_mode()?;
    let mut pin = String::new();
    let result = loop {
        match event::read() {
            Ok(Event::Key(k)) if k.kind != KeyEventKind::Release => match k.code {
                KeyCode::Enter => break Ok(Some(pin)),
                KeyCode::Char('c') | KeyCode::Char('d')
                    if k.modifiers.contains(KeyModifiers::CONTROL) =>
                {
                    break Ok(None);
                }
                KeyCode::Esc => break Ok(None),
                KeyCode::Backspace if pin.pop().is_some() => {
                    let _ = write!(err, "\x08 \x08");
                }
                KeyCode::Char(c) if !c.is_control() => {
                    pin.push(c);
                    let _ = write!(err, "*");
                }
                _ => {}
            },
            Ok(_) => {}
            Err(e) => break Err(e),
        }
        let _ = err.flush();
    };
    let _ = terminal::disable_raw_mode();
    writeln!(err)?;
    result
}

pub fn pin_set(
    io: &mut Io<'_>,
    data_dir: Option<&Path>,
    config: Option<&Path>,
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
    let prompt = match &who {
        Some(p) => format!("New PIN for {}: ", crate::text::escape(&p.name)),
        None => "New staff PIN: ".to_owned(),
    };
    let (first, second) = if std::io::stdin().is_terminal() {
        let Some(a) = read_masked(&prompt)? else {
            return Err(CliError::Usage("no PIN was set".into()));
        };
        let Some(b) = read_masked("The same PIN again: ")? else {
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
    match &who {
        None => {
            pin::set_pin(&dir, &first).map_err(|e| CliError::Usage(e.to_string()))?;
            writeln!(io.out, "The staff PIN is set.")?;
        }
        Some(p) => {
            let files = pin::PinFiles::prescriber(&dir, &p.id);
            if let Some(folder) = files.hash.parent() {
                for d in [dir.as_path(), folder] {
                    crate::store::ensure_private_dir(d).map_err(|source| {
                        CliError::Store(crate::store::StoreError::Dir {
                            path: d.to_owned(),
                            source,
                        })
                    })?;
                }
            }
            pin::set_pin_in(&files, &first).map_err(|e| CliError::Usage(e.to_string()))?;
            writeln!(
                io.out,
                "The PIN of {} is set.",
                crate::text::escape(&p.name)
            )?;
        }
    }
    Ok(Status::Ok)
}
