//! The doctor's desk on the terminal (`triage inbox`), in The Elm Architecture like the patient's
//! walk-through: an [`Inbox`] model whose screens keep their own state in their [`Screen`]
//! variant, `update(&mut Inbox, Msg) -> Vec<Effect>` fed with intents (keys and taps are
//! translated by `crate::tui::keymap` before they get here), and `view` returning the tap
//! targets. One file per screen. The store is reached only through effects, on a worker thread.

mod decide;
pub mod desk;
mod list;
mod page;
pub mod runtime;
mod sign_in;

use std::time::Duration;

use jiff::Timestamp;
use jiff::civil::Date;
use ratatui::Frame;
use ratatui::layout::Rect;

use super::keymap::{Intent, Mode, Taps};
use crate::inbox::{Decision, DecisionKind, Intake, NewDecision, Prescriber};
use crate::kiosk::pin::Check;
use crate::strings;
use crate::tui::inbox::desk::Opened;

pub use page::Page;

/// Which screen is showing, with the state that only it has.
#[derive(Debug, Clone, PartialEq)]
pub enum Screen {
    /// Who is signing in (the clinic settings' prescribers).
    SignIn {
        focus: usize,
        message: Option<String>,
    },
    /// A prescriber's PIN: at sign-in, or after the idle lock (`behind` holds what the lock
    /// hid; nothing of it is drawn until the PIN is right).
    Pin(PinEntry),
    /// The queue.
    List,
    /// An intake's doctor's page.
    Page(Page),
    /// Which decision.
    Choose { page: Page, focus: usize },
    /// The decision's override reason and note.
    Write(decide::Write),
}

/// The PIN being typed, never shown.
#[derive(Debug, Clone, PartialEq)]
pub struct PinEntry {
    pub prescriber: usize,
    pub entered: String,
    pub message: Option<String>,
    /// The last answer that asked to wait: the message counts down from it with each tick.
    pub wait: Option<crate::kiosk::pin::Check>,
    /// What the idle lock hid; `None` at sign-in.
    pub behind: Option<Box<Screen>>,
}

/// The focus in the list, kept on the same intake when the list changes under it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ListPos {
    pub selected: usize,
    /// The record id under the focus.
    pub id: Option<i64>,
    /// The first row shown.
    pub offset: usize,
}

/// What the inbox needs from outside, once, at start.
#[derive(Debug, Clone)]
pub struct Setup {
    pub prescribers: Vec<Prescriber>,
    /// Whether each prescriber has a PIN set.
    pub pin_set: Vec<bool>,
    pub today: Date,
    /// Start on every day rather than today's (`--all`), or on another date (`--date`).
    pub day: Option<Date>,
    /// "clinic store" or "this machine".
    pub source: String,
    pub idle_lock: Duration,
    pub zone: jiff::tz::TimeZone,
}

/// The whole state of the inbox.
#[derive(Debug, Clone)]
pub struct Inbox {
    pub screen: Screen,
    pub prescribers: Vec<Prescriber>,
    pub pin_set: Vec<bool>,
    /// Who is signed in.
    pub signed_in: Option<usize>,
    /// The intakes in the inbox's order (see `crate::inbox::intake`).
    pub intakes: Vec<Intake>,
    /// Whether a list has arrived yet.
    pub loaded: bool,
    pub list: ListPos,
    pub today: Date,
    /// The visit date shown; `None`: every day.
    pub day: Option<Date>,
    pub source: String,
    /// Why the store cannot be read right now (the list shown is the last one read).
    pub problem: Option<String>,
    /// A short confirmation ("Decision recorded: ...").
    pub notice: Option<String>,
    pub now: Timestamp,
    pub last_input: Timestamp,
    pub idle_lock: Duration,
    pub zone: jiff::tz::TimeZone,
    /// Rows of the list or page drawn last (for page up/down), written by `view`.
    pub rows: std::cell::Cell<usize>,
}

/// What changes the inbox.
#[derive(Debug, Clone)]
pub enum Msg {
    /// A key or tap, already translated.
    Intent(Intent),
    Tick(Timestamp),
    Listed(Result<Vec<Intake>, String>),
    Opened(i64, Result<Opened, String>),
    Decided(i64, Result<Decision, String>),
    PinChecked(usize, Check),
    /// The PIN could not be checked (files unreadable).
    PinUnavailable(String),
}

/// What `update` asks the runtime to do.
#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    /// List again now.
    List,
    /// Show another visit date (`None`: every day).
    SetDay(Option<Date>),
    /// Open a record for the signed-in prescriber (audited as reviewed).
    Open(i64),
    /// Append a decision.
    Decide {
        id: i64,
        decision: NewDecision,
    },
    /// Check a prescriber's PIN.
    CheckPin {
        prescriber: usize,
        pin: String,
    },
    Quit,
}

impl Inbox {
    pub fn new(s: Setup, now: Timestamp) -> Inbox {
        Inbox {
            screen: Screen::SignIn {
                focus: 0,
                message: None,
            },
            prescribers: s.prescribers,
            pin_set: s.pin_set,
            signed_in: None,
            intakes: Vec::new(),
            loaded: false,
            list: ListPos::default(),
            today: s.today,
            day: s.day,
            source: s.source,
            problem: None,
            notice: None,
            now,
            last_input: now,
            idle_lock: s.idle_lock,
            zone: s.zone,
            rows: std::cell::Cell::new(10),
        }
    }

    /// The key table for the screen showing.
    pub fn mode(&self) -> Mode {
        match &self.screen {
            Screen::SignIn { .. } => Mode::InboxSignIn,
            Screen::Pin(_) => Mode::InboxPin,
            Screen::List => Mode::InboxList,
            Screen::Page(_) => Mode::InboxPage,
            Screen::Choose { .. } => Mode::InboxChoose,
            Screen::Write(_) => Mode::InboxWrite,
        }
    }

    /// The prescriber signed in.
    pub fn prescriber(&self) -> Option<&Prescriber> {
        self.signed_in.and_then(|i| self.prescribers.get(i))
    }

    /// Whether patient data may be drawn: someone is signed in and the lock is not up.
    pub fn unlocked(&self) -> bool {
        self.signed_in.is_some() && !matches!(self.screen, Screen::Pin(_) | Screen::SignIn { .. })
    }

    /// "Today 2025-06-02", "2025-05-30" or "All days".
    pub fn day_label(&self) -> String {
        match self.day {
            None => strings::INBOX_ALL.to_owned(),
            Some(d) if d == self.today => format!("{} {d}", strings::INBOX_TODAY),
            Some(d) => d.to_string(),
        }
    }

    /// The idle lock: hides everything behind the signed-in prescriber's PIN.
    fn lock(&mut self) {
        let Some(p) = self.signed_in else { return };
        if matches!(self.screen, Screen::Pin(_) | Screen::SignIn { .. }) {
            return;
        }
        let behind = std::mem::replace(&mut self.screen, Screen::List);
        self.notice = None;
        self.screen = Screen::Pin(PinEntry {
            prescriber: p,
            entered: String::new(),
            message: None,
            wait: None,
            behind: Some(Box::new(behind)),
        });
    }
}

/// The only place the inbox's state changes.
pub fn update(m: &mut Inbox, msg: Msg) -> Vec<Effect> {
    match msg {
        Msg::Tick(now) => {
            m.now = now;
            if let Screen::Pin(PinEntry {
                message,
                wait: Some(w),
                ..
            }) = &mut m.screen
            {
                *message = Some(crate::tui::screens::staff::wait_message(w, now));
            }
            let idle = Duration::try_from(now.duration_since(m.last_input)).unwrap_or_default();
            if m.unlocked() && idle >= m.idle_lock {
                m.lock();
            }
            Vec::new()
        }
        Msg::Listed(Ok(list)) => {
            m.problem = None;
            m.loaded = true;
            m.intakes = list;
            list::follow(m);
            Vec::new()
        }
        Msg::Listed(Err(e)) => {
            m.problem = Some(crate::text::clean_line(&e));
            Vec::new()
        }
        Msg::Opened(id, result) => {
            page::opened(m, id, result);
            Vec::new()
        }
        Msg::Decided(id, result) => decide::decided(m, id, result),
        Msg::PinChecked(p, check) => sign_in::pin_checked(m, p, check),
        Msg::PinUnavailable(reason) => {
            if let Screen::Pin(pin) = &mut m.screen {
                pin.message = Some(crate::text::clean_line(&reason));
            }
            Vec::new()
        }
        Msg::Intent(i) => {
            m.last_input = m.now;
            intent(m, i)
        }
    }
}

fn intent(m: &mut Inbox, i: Intent) -> Vec<Effect> {
    if i == Intent::Quit {
        return vec![Effect::Quit];
    }
    if i == Intent::Lock {
        m.lock();
        return Vec::new();
    }
    match &m.screen {
        Screen::SignIn { .. } => sign_in::sign_in(m, i),
        Screen::Pin(_) => sign_in::pin(m, i),
        Screen::List => list::update(m, i),
        Screen::Page(_) => page::update(m, i),
        Screen::Choose { .. } => decide::choose(m, i),
        Screen::Write(_) => decide::write(m, i),
    }
}

/// Draws the inbox and returns its tap targets. It never changes the model (but for the rows
/// count it remembers for page up/down).
pub fn view(m: &Inbox, f: &mut Frame) -> Taps {
    let area = f.area();
    let mut taps = Taps::default();
    if area.width < 40 || area.height < 12 {
        f.render_widget(
            super::theme::paragraph(strings::TOO_SMALL, super::theme::bold()),
            area,
        );
        return taps;
    }
    let who = m
        .prescriber()
        .filter(|_| m.unlocked())
        .map(|p| p.name.clone())
        .unwrap_or_default();
    super::theme::header(
        f,
        Rect { height: 1, ..area },
        &format!(
            "{} · {} · {}",
            strings::INBOX_TITLE,
            m.day_label(),
            m.source
        ),
        &who,
    );
    // The line under the header: what went wrong, what was just done, or the day's counts.
    let status = if let Some(p) = &m.problem {
        format!("! {p}")
    } else if let Some(n) = m.notice.as_ref().filter(|_| m.unlocked()) {
        n.clone()
    } else if m.unlocked() && m.loaded {
        let open = m
            .intakes
            .iter()
            .filter(|i| !matches!(i.status, crate::inbox::Status::Decided(_)))
            .count();
        strings::fill(&strings::fill(strings::INBOX_COUNTS, m.intakes.len()), open)
    } else {
        String::new()
    };
    f.render_widget(
        ratatui::widgets::Paragraph::new(super::theme::ellipsize(&status, usize::from(area.width)))
            .style(super::theme::bold()),
        Rect {
            y: area.y + 1,
            height: 1,
            ..area
        },
    );
    let body = Rect {
        y: area.y + 2,
        height: area.height.saturating_sub(4),
        ..area
    };
    let footer = Rect {
        y: area.y + area.height - 2,
        height: 2,
        ..area
    };
    match &m.screen {
        Screen::SignIn { focus, message } => {
            sign_in::view_sign_in(m, f, body, *focus, message.as_deref(), &mut taps);
        }
        Screen::Pin(pin) => sign_in::view_pin(m, f, body, pin, &mut taps),
        Screen::List => list::view(m, f, body, &mut taps),
        Screen::Page(p) => page::view(m, f, body, p, &mut taps),
        Screen::Choose { page, focus } => decide::view_choose(m, f, body, page, *focus, &mut taps),
        Screen::Write(w) => decide::view_write(m, f, body, w, &mut taps),
    }
    let enabled = |i: Intent| match (&m.screen, i) {
        (Screen::Page(p), Intent::InFull) => p.in_full.is_some(),
        (Screen::Page(p), Intent::Decide) => p.lines.is_some(),
        _ => true,
    };
    super::keymap::draw_hints(f, footer, m.mode(), &enabled, &mut taps);
    taps
}

/// A list of `n` choices: ↑↓ move the focus, a digit or a tap chooses, Enter chooses the focused
/// one. Returns the choice made, if any.
pub(crate) fn choice(focus: &mut usize, n: usize, i: Intent) -> Option<usize> {
    match i {
        Intent::Up => *focus = focus.saturating_sub(1),
        Intent::Down => *focus = (*focus + 1).min(n.saturating_sub(1)),
        Intent::Choose(k) if k < n => return Some(k),
        Intent::Confirm if *focus < n => return Some(*focus),
        _ => {}
    }
    None
}

/// The outcome banner words and the decision word for a status line.
pub(crate) fn decision_label(k: DecisionKind) -> String {
    k.label().to_uppercase()
}
