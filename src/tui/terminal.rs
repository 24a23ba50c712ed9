//! The terminal guard: raw mode, alternate screen, mouse capture and bracketed paste are turned
//! on together and always turned off together: on normal exit, on error (drop), and on panic (a
//! hook that restores the terminal and prints a calm sentence, never a backtrace).

use std::fs::{File, OpenOptions};
use std::io::{self, IsTerminal, Write};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use rustix::event::{PollFd, PollFlags, Timespec, poll};
use rustix::io::Errno;

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

/// What the keyboard has for the walk-through.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Input {
    /// Bytes are waiting: they can be read without blocking.
    Ready,
    /// Nothing arrived within the wait (or a signal interrupted it).
    Nothing,
    /// The terminal is gone: the window was closed or the connection dropped.
    HungUp,
}

/// Waits up to `timeout` for the patient's keyboard (standard input) without reading it.
///
/// A hung-up terminal is reported here instead of being read (crossterm 0.29 re-read a dead tty
/// forever, crossterm-rs/crossterm#793). The bytes themselves are read with [`read_input`] and
/// decoded by `tui::input`, never by crossterm's reader, whose parser can be wedged by an
/// unfinished escape sequence (issue 12).
pub fn wait_for_input(timeout: Duration) -> io::Result<Input> {
    let stdin = io::stdin();
    let mut fds = [PollFd::new(&stdin, PollFlags::IN)];
    let ts = Timespec {
        tv_sec: timeout.as_secs().try_into().unwrap_or(i64::MAX),
        tv_nsec: timeout.subsec_nanos().into(),
    };
    match poll(&mut fds, Some(&ts)) {
        Ok(0) | Err(Errno::INTR) => Ok(Input::Nothing),
        Ok(_) => {
            let r = fds[0].revents();
            Ok(
                if r.intersects(PollFlags::HUP | PollFlags::ERR | PollFlags::NVAL) {
                    Input::HungUp
                } else if r.contains(PollFlags::IN) {
                    Input::Ready
                } else {
                    Input::Nothing
                },
            )
        }
        Err(e) => Err(e.into()),
    }
}

/// Reads what standard input has now (call after [`wait_for_input`] said `Ready`): at most
/// `buf.len()` bytes, never blocking. `Ok(0)` means the terminal is gone.
pub fn read_input(buf: &mut [u8]) -> io::Result<usize> {
    let stdin = io::stdin();
    loop {
        match rustix::io::read(&stdin, &mut *buf) {
            Ok(n) => return Ok(n),
            Err(Errno::INTR) => {}
            Err(e) => return Err(e.into()),
        }
    }
}

/// A last resort for a stop that the walk-through cannot act on (its thread stuck in a read of
/// a vanished terminal): once `stop` is set, the walk-through has `grace` to finish (save, restore
/// the terminal, set `done`); if it has not, the process ends as SIGTERM's default would.
/// Every answer already confirmed is in the store by then; only the one being typed can be lost.
pub fn watchdog(stop: Arc<AtomicBool>, done: Arc<AtomicBool>, grace: Duration) {
    std::thread::spawn(move || {
        let mut since: Option<Instant> = None;
        loop {
            if done.load(Ordering::Relaxed) {
                return;
            }
            if stop.load(Ordering::Relaxed) {
                let t = *since.get_or_insert_with(Instant::now);
                if t.elapsed() >= grace {
                    restore();
                    let _ = signal_hook::low_level::emulate_default_handler(
                        signal_hook::consts::SIGTERM,
                    );
                    return;
                }
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    });
}

/// SIGTERM, SIGHUP and SIGINT set the returned `stop` flag (the screen's loop ends at its next
/// turn); the [`watchdog`] ends the process a second later if the loop is stuck. Set `done`
/// when the loop has finished.
pub fn stop_on_signals() -> io::Result<(Arc<AtomicBool>, Arc<AtomicBool>)> {
    let stop = Arc::new(AtomicBool::new(false));
    for sig in [
        signal_hook::consts::SIGTERM,
        signal_hook::consts::SIGHUP,
        signal_hook::consts::SIGINT,
    ] {
        signal_hook::flag::register(sig, Arc::clone(&stop))?;
    }
    let done = Arc::new(AtomicBool::new(false));
    watchdog(Arc::clone(&stop), Arc::clone(&done), Duration::from_secs(1));
    Ok((stop, done))
}

/// Puts the terminal into questionnaire mode; undoes it when dropped.
pub struct Guard {
    active: bool,
}

impl Guard {
    pub fn enter(out: &mut Tty) -> io::Result<Guard> {
        install_panic_hook();
        enable_raw()?;
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

/// Raw mode, saved from a sane terminal: crossterm restores on exit whatever state it found, so
/// a terminal left raw by a killed run (kill -9 restores nothing) is first put back to cooked
/// mode (line editing, echo, signals, CR-NL), or every later clean exit would leave it raw.
pub fn enable_raw() -> io::Result<()> {
    use rustix::termios::{
        InputModes, LocalModes, OptionalActions, OutputModes, tcgetattr, tcsetattr,
    };
    let stdin = io::stdin();
    if let Ok(mut t) = tcgetattr(&stdin) {
        let cooked = LocalModes::ICANON | LocalModes::ECHO | LocalModes::ISIG;
        if !t.local_modes.contains(cooked) {
            t.local_modes |= cooked
                | LocalModes::ECHOE
                | LocalModes::ECHOK
                | LocalModes::IEXTEN
                | LocalModes::ECHOCTL
                | LocalModes::ECHOKE;
            t.input_modes |= InputModes::ICRNL | InputModes::IXON | InputModes::BRKINT;
            t.input_modes -= InputModes::INLCR | InputModes::IGNCR;
            t.output_modes |= OutputModes::OPOST | OutputModes::ONLCR;
            let _ = tcsetattr(&stdin, OptionalActions::Now, &t);
        }
    }
    enable_raw_mode()
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
