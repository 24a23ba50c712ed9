//! The inbox's runtime: draws the model, turns keys (through the mode's keymap), taps (through
//! the last frame's tap targets), the wheel and pastes into intents, calls `update`, and performs
//! its effects. The store is on the desk's worker thread (see `crate::tui::inbox::desk`); only the
//! PIN check runs here, as in the kiosk. The terminal is restored however it ends.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::sync::mpsc::{Receiver, Sender, channel};
use std::time::{Duration, Instant};

use crossterm::event::{self, Event, KeyEventKind, MouseButton, MouseEventKind};
use jiff::Timestamp;
use ratatui::Terminal;

use super::{Effect, Inbox, Msg, Setup, update, view};
use crate::kiosk::pin;
use crate::tui::RunError;
use crate::tui::backend::LeanBackend;
use crate::tui::inbox::desk::{self, Desk, ListSpec, Reply, Request};
use crate::tui::keymap::{Intent, Taps, keymap};
use crate::tui::terminal::{Guard, Input, open_tty, wait_for_input};

/// Everything the inbox needs to run.
pub struct InboxOptions {
    pub setup: Setup,
    /// Where the prescribers' PIN files are (the data directory).
    pub data_dir: PathBuf,
    /// The PIN limits (the kiosk's: attempts, delay, lockout).
    pub policy: pin::Policy,
    /// What to list and how often to look for changes.
    pub spec: ListSpec,
    /// The clinic store to listen to for changes, when that is where the intakes are.
    pub listen: Option<crate::clinic::ClinicSettings>,
}

/// Runs the inbox until the prescriber quits or it is stopped (SIGTERM, SIGHUP, a closed
/// terminal). `open` makes the store on the worker thread.
pub fn run(
    opts: &InboxOptions,
    open: impl FnOnce() -> Result<Box<dyn Desk>, String> + Send + 'static,
) -> Result<(), RunError> {
    let mut tty = open_tty().ok_or(RunError::NoTerminal)?;
    let (stop, done) = crate::tui::terminal::stop_on_signals()?;
    let (requests, worker_requests): (Sender<Request>, Receiver<Request>) = channel();
    let (worker_replies, replies): (Sender<Reply>, Receiver<Reply>) = channel();
    desk::spawn(open, opts.spec.clone(), worker_requests, worker_replies);
    if let Some(settings) = opts.listen.clone() {
        desk::listen(settings, requests.clone(), Arc::clone(&done));
    }
    let mut guard = Guard::enter(&mut tty)?;
    let result = (|| -> Result<(), RunError> {
        let mut terminal = Terminal::new(LeanBackend::new(tty))?;
        let mut model = Inbox::new(opts.setup.clone(), Timestamp::now());
        let mut taps = Taps::default();
        let mut dirty = true;
        let mut last_tick = Instant::now();
        loop {
            if dirty {
                if terminal.draw(|f| taps = view(&model, f)).is_err() {
                    return Ok(());
                }
                dirty = false;
            }
            if stop.load(Ordering::Relaxed) {
                return Ok(());
            }
            let mut events = Vec::new();
            match wait_for_input(Duration::from_millis(200)) {
                Ok(Input::Ready) => {
                    if read_events(&mut events) {
                        return Ok(());
                    }
                }
                Ok(Input::Nothing) => {}
                Ok(Input::HungUp) | Err(_) => return Ok(()),
            }
            let mut msgs: Vec<Msg> = Vec::new();
            if last_tick.elapsed() >= Duration::from_millis(250) || events.is_empty() {
                last_tick = Instant::now();
                msgs.push(Msg::Tick(Timestamp::now()));
            }
            msgs.extend(replies.try_iter().map(|r| match r {
                Reply::Listed(l) => Msg::Listed(l),
                Reply::Opened(id, o) => Msg::Opened(id, o),
                Reply::Decided(id, d) => Msg::Decided(id, d),
            }));
            for msg in msgs {
                let before = model.screen.clone();
                let is_tick = matches!(msg, Msg::Tick(_));
                let effects = update(&mut model, msg);
                dirty |= !is_tick || model.screen != before;
                if perform(effects, &mut model, opts, &requests) {
                    return Ok(());
                }
            }
            // Keys are translated one by one with the keymap of the screen they arrive on.
            for ev in events {
                for intent in translate(&model, &taps, ev, &mut dirty) {
                    dirty = true;
                    let effects = update(&mut model, Msg::Intent(intent));
                    if perform(effects, &mut model, opts, &requests) {
                        return Ok(());
                    }
                }
            }
        }
    })();
    done.store(true, Ordering::Relaxed);
    guard.leave();
    result
}

/// Reads what crossterm can parse now, without waiting; says whether the terminal is gone.
fn read_events(events: &mut Vec<Event>) -> bool {
    loop {
        match event::poll(Duration::ZERO) {
            Ok(true) => {}
            Ok(false) => return false,
            Err(_) => return true,
        }
        match event::read() {
            Ok(ev) => events.push(ev),
            Err(_) => return true,
        }
    }
}

/// A terminal event as intents for the screen showing: keys through its keymap, taps through
/// the last frame's targets, the wheel as up and down, a paste typed into a text field (as one
/// line; never into a PIN).
fn translate(m: &Inbox, taps: &Taps, ev: Event, dirty: &mut bool) -> Vec<Intent> {
    match ev {
        Event::Key(k) if k.kind != KeyEventKind::Release => {
            keymap(m.mode()).intent(&k).into_iter().collect()
        }
        Event::Mouse(me) => match me.kind {
            MouseEventKind::Down(MouseButton::Left) => {
                taps.at(me.column, me.row).into_iter().collect()
            }
            MouseEventKind::ScrollDown => vec![Intent::Down],
            MouseEventKind::ScrollUp => vec![Intent::Up],
            _ => Vec::new(),
        },
        Event::Paste(text) if m.mode() == crate::tui::keymap::Mode::InboxWrite => {
            crate::text::clean_line(&text)
                .chars()
                .map(Intent::Type)
                .collect()
        }
        Event::Resize(..) => {
            *dirty = true;
            Vec::new()
        }
        _ => Vec::new(),
    }
}

/// Performs effects; the PIN check answers at once. Says whether to quit.
fn perform(
    effects: Vec<Effect>,
    m: &mut Inbox,
    opts: &InboxOptions,
    requests: &Sender<Request>,
) -> bool {
    for effect in effects {
        let request = match effect {
            Effect::Quit => return true,
            Effect::List => Some(Request::List),
            Effect::SetDay(d) => Some(Request::SetDay(d.map(|d| d.to_string()))),
            Effect::Open(id) => m.prescriber().map(|p| Request::Open {
                id,
                prescriber: p.id.clone(),
            }),
            Effect::Decide { id, decision } => Some(Request::Decide { id, decision }),
            Effect::CheckPin { prescriber, pin } => {
                let reply = match m.prescribers.get(prescriber) {
                    Some(p) => {
                        // Attempts are counted in this machine's audit log, whichever store
                        // the desk reads.
                        let checked = crate::store::SqliteStore::open(&opts.data_dir)
                            .map_err(pin::PinError::from)
                            .and_then(|mut store| {
                                pin::check_prescriber(
                                    &opts.data_dir,
                                    &mut store,
                                    &p.id,
                                    &pin,
                                    &opts.policy,
                                    Timestamp::now(),
                                )
                            });
                        match checked {
                            Ok(check) => Msg::PinChecked(prescriber, check),
                            Err(e) => Msg::PinUnavailable(e.to_string()),
                        }
                    }
                    None => Msg::PinUnavailable("no such prescriber".into()),
                };
                let more = update(m, reply);
                if perform(more, m, opts, requests) {
                    return true;
                }
                None
            }
        };
        if let Some(r) = request {
            // A worker that has stopped has already said why (Listed(Err)).
            let _ = requests.send(r);
        }
    }
    false
}
