//! The terminal guard: raw mode, alternate screen, mouse capture and bracketed paste are turned
//! on together and always turned off together: on normal exit, on error (drop), and on panic (a
//! hook that restores the terminal and prints a calm sentence, never a backtrace).

use std::fs::{File, OpenOptions};
use std::io::{self, IsTerminal, Write};

use crossterm::event::{
    DisableBracketedPaste, DisableMouseCapture, EnableBracketedPaste, EnableMouseCapture,
};
use crossterm::terminal::{
    EnterAlternateScreen, LeaveAlternateScreen, disable_raw_mode, enable_raw_mode,
};
use crossterm::{cursor, execute};

use crate::strings;

/// Where the questionnaire is drawn: standard output when it is a terminal, otherwise the
/// controlling terminal, so `triage run > summary.txt` still shows the questions.
pub enum Tty {
    Stdout(io::Stdout),
    Dev(File),
}

impl Write for Tty {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Tty::Stdout(s) => s.write(buf),
            Tty::Dev(f) => f.write(buf),
        }
    }
    fn flush(&mut self) -> io::Result<()> {
        match self {
            Tty::Stdout(s) => s.flush(),
            Tty::Dev(f) => f.flush(),
        }
    }
}

/// The terminal to draw on, or `None` when there is none (no keyboard or no screen).
pub fn open_tty() -> Option<Tty> {
    if !io::stdin().is_terminal() {
        return None;
    }
    if io::stdout().is_terminal() {
        return Some(Tty::Stdout(io::stdout()));
    }
    OpenOptions::new()
        .write(true)
        .open("/dev/tty")
        .ok()
        .map(Tty::Dev)
}

/// Puts the terminal into questionnaire mode; undoes it when dropped.
pub struct Guard {
    active: bool,
}

impl Guard {
    pub fn enter(out: &mut Tty) -> io::Result<Guard> {
        install_panic_hook();
        enable_raw_mode()?;
        let guard = Guard { active: true };
        execute!(
            out,
            EnterAlternateScreen,
            EnableMouseCapture,
            EnableBracketedPaste,
            cursor::Hide
        )?;
        Ok(guard)
    }

    /// Restores the terminal now (also done on drop).
    pub fn leave(&mut self) {
        if self.active {
            restore();
            self.active = false;
        }
    }
}

impl Drop for Guard {
    fn drop(&mut self) {
        self.leave();
    }
}

/// Best-effort restore, safe to call more than once.
pub fn restore() {
    let _ = disable_raw_mode();
    let mut out: Box<dyn Write> = match OpenOptions::new().write(true).open("/dev/tty") {
        Ok(f) => Box::new(f),
        Err(_) => Box::new(io::stdout()),
    };
    let _ = execute!(
        out,
        DisableBracketedPaste,
        DisableMouseCapture,
        LeaveAlternateScreen,
        cursor::Show
    );
    let _ = out.flush();
}

fn install_panic_hook() {
    std::panic::set_hook(Box::new(|info| {
        restore();
        // A calm sentence for whoever is at the screen; where it happened for whoever fixes it.
        let place = info
            .location()
            .map(|l| format!(" ({}:{})", l.file(), l.line()))
            .unwrap_or_default();
        eprintln!("{}{place}", strings::CRASHED);
    }));
}
