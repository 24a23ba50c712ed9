//! Keys become intents here, before any screen sees them (ARCHITECTURE.md §9): one binding table
//! per [`Mode`] (a screen, or a state of one such as a typing field), and for the patient's
//! screens a table per operator laid over it ([`Operator`]: the patient at `run`, reception
//! staff, a locked-down kiosk). The key hints on screen are generated from the same tables: the
//! inbox's hint bar ([`draw_hints`], also tap targets carrying the same intents) and the
//! patient screens' sentences, whose key names are filled in from the table ([`fill_keys`]), so
//! a rebinding can never leave a wrong hint. Screens match [`Intent`]s, never key codes.
//!
//! The tables: [`inbox`] for the doctor's inbox, [`patient`] for the walk-through, the staff
//! screens and the kiosk (its lockdown is [`patient::KIOSK`]: what a kiosk's keyboard can do
//! beyond answering, which is opening the staff PIN entry and nothing else).

mod doc;
pub mod inbox;
pub mod patient;

pub use doc::markdown as tables_markdown;
pub use patient::Operator;

use crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use unicode_width::UnicodeWidthStr;

/// What a key or a tap means, whatever it was.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Intent {
    /// Move the focus (or scroll) one row up / down.
    Up,
    Down,
    /// One window up / down.
    PageUp,
    PageDown,
    /// To the first / last row.
    Top,
    Bottom,
    /// The n-th thing shown (0-based): a digit key 1-9, or a tap on it.
    Choose(usize),
    /// A digit key 0-9 as printed: the number of an answer as the screen shows it (a 0-10
    /// scale's "3" is the answer printed 3, whatever its position; the paper form's option
    /// numbers, typed digit by digit).
    Digit(u8),
    /// Go on to the next screen (Next).
    Next,
    /// Take or leave the focused answer (Space).
    Toggle,
    /// "Why we ask": the question's help.
    Help,
    /// Close what is open over the screen (the help panel): any key.
    Dismiss,
    /// Open the staff PIN entry (kiosk F12; at a safety pause with a staff PIN).
    Staff,
    /// Reception: the list of sections to jump to.
    Sections,
    /// Staff at a safety pause in `run` without a staff PIN: the patient carries on / the form
    /// ends here.
    ReleaseCarryOn,
    ReleaseEnd,
    /// The paper form: the next / previous section.
    NextSection,
    PrevSection,
    /// The paper form: ends an option number that could go on ("1" of a list of ten or more).
    Separator,
    /// The paper form: empties the focused choice.
    Clear,
    /// Editing a typed line other than typing a character: moving the cursor, deleting
    /// (from tui-input, which turns the editing keys of readline into requests).
    Edit(tui_input::InputRequest),
    /// Go on with what has the focus: open it, choose it, save the form (Enter).
    Confirm,
    /// Go back one step; leaves a form without saving (Esc).
    Back,
    /// The next / previous field of a form.
    NextField,
    PrevField,
    /// A character typed into a text or PIN field / the last one taken away.
    Type(char),
    Erase,
    /// Record a decision on the intake shown.
    Decide,
    /// Jump to "Answers in full" on the doctor's page.
    InFull,
    /// List again now.
    Refresh,
    /// Between today's intakes and every intake.
    ToggleDay,
    /// Hide patient data until the PIN is typed again.
    Lock,
    /// Sign in as another prescriber.
    SwitchUser,
    /// Leave the program.
    Quit,
}

/// A key a binding answers to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Key {
    /// This key without Control (Shift allowed: it makes the character; Alt allowed, see
    /// [`Key::intent_of`]).
    Plain(KeyCode),
    /// Control and this letter.
    Ctrl(char),
    /// The digits 1 to 9, as `Intent::Choose(0..=8)`.
    Digits,
    /// The digits 0 to 9, as `Intent::Digit(0..=9)`.
    Numbers,
    /// Any key at all (a panel that any key closes).
    Any,
}

impl Key {
    /// What the key means if it is this one: the binding's intent `bound`, or for a digit key
    /// the digit's own.
    ///
    /// Control makes another key; Alt does not: a key pressed right after a lone Esc reaches a
    /// terminal program as Alt and that key (a nervous patient's Esc, Enter is Alt+Enter), so
    /// Alt+Enter is Enter here.
    fn intent_of(self, k: &KeyEvent, bound: Intent) -> Option<Intent> {
        let ctrl = k.modifiers.contains(KeyModifiers::CONTROL);
        match self {
            Key::Plain(code) => (!ctrl && k.code == code).then_some(bound),
            Key::Ctrl(c) => (ctrl && k.code == KeyCode::Char(c)).then_some(bound),
            Key::Digits => match k.code {
                KeyCode::Char(d @ '1'..='9') if !ctrl => {
                    Some(Intent::Choose(d as usize - '1' as usize))
                }
                _ => None,
            },
            Key::Numbers => match k.code {
                KeyCode::Char(d @ '0'..='9') if !ctrl => Some(Intent::Digit(d as u8 - b'0')),
                _ => None,
            },
            Key::Any => Some(bound),
        }
    }

    /// How the key is written in a hint.
    pub fn name(self) -> String {
        match self {
            Key::Plain(code) => match code {
                KeyCode::Up => "↑".into(),
                KeyCode::Down => "↓".into(),
                KeyCode::Left => "←".into(),
                KeyCode::Right => "→".into(),
                KeyCode::PageUp => "PgUp".into(),
                KeyCode::PageDown => "PgDn".into(),
                KeyCode::Home => "Home".into(),
                KeyCode::End => "End".into(),
                KeyCode::Enter => "Enter".into(),
                KeyCode::Esc => "Esc".into(),
                KeyCode::Tab => "Tab".into(),
                KeyCode::BackTab => "Shift-Tab".into(),
                KeyCode::Backspace => "Backspace".into(),
                KeyCode::F(n) => format!("F{n}"),
                KeyCode::Char(' ') => "Space".into(),
                KeyCode::Char(c) => c.to_string(),
                other => format!("{other:?}"),
            },
            Key::Ctrl(c) => format!("Ctrl-{}", c.to_ascii_uppercase()),
            Key::Digits => "1-9".into(),
            Key::Numbers => "0-9".into(),
            Key::Any => "any key".into(),
        }
    }
}

/// One line of a table: the keys, what they mean, and the hint shown for them (`None`: not
/// hinted). Consecutive bindings with the same hint are shown as one ("↑↓ move").
#[derive(Debug, Clone, Copy)]
pub struct Binding {
    pub keys: &'static [Key],
    /// The intent; for [`Key::Digits`] and [`Key::Numbers`] the digit's own replaces it.
    pub intent: Intent,
    pub hint: Option<&'static str>,
}

const fn bind(keys: &'static [Key], intent: Intent, hint: Option<&'static str>) -> Binding {
    Binding { keys, intent, hint }
}

/// What a typing table does with the keys it does not bind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Typing {
    /// Nothing: the key has no intent.
    No,
    /// A printable character is typed (`Intent::Type`); nothing else (a PIN, a date of birth).
    Chars,
    /// A line editor: characters are typed, and the editing keys of readline (arrows, Home,
    /// End, Backspace, Delete, Ctrl-W, ...) become `Intent::Edit`.
    Line,
}

/// Which table applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Inbox: choosing who signs in.
    InboxSignIn,
    /// Inbox: typing a PIN (at sign-in or after the idle lock).
    InboxPin,
    /// Inbox: the queue of intakes.
    InboxList,
    /// Inbox: an intake's doctor's page.
    InboxPage,
    /// Inbox: choosing a decision.
    InboxChoose,
    /// Inbox: the decision's reason and note.
    InboxWrite,
    /// The first screen.
    Welcome,
    /// An unfinished form found: continue (1) or start again (2).
    Resume,
    /// Typing the date of birth that opens an unfinished form.
    ResumeDob,
    /// A question whose answers are chosen, a section intro or an information screen.
    Choice,
    /// A question whose answer is typed (text, number, date, a number with units).
    Typing,
    /// The help panel over a question or the paper form.
    Help,
    /// "Add another?" after a repeat.
    More,
    /// Every answer, and Send.
    Review,
    /// "Ready to send?"
    Confirm,
    /// A safety pause that staff release from the keyboard (`run`, no staff PIN).
    Pause,
    /// A safety pause only the staff PIN releases (`run` with a staff PIN).
    PauseLocked,
    /// A safety pause at a kiosk: scrolling only (staff come with F12, the kiosk's key).
    PauseKiosk,
    /// The end.
    Thanks,
    /// The staff PIN entry.
    StaffPin,
    /// Lists of rows chosen by number: the staff menu and the sections.
    Menu,
    /// Reception: reading to the patient, or typing a paper form?
    Intake,
    /// The paper form, a choice field focused.
    Paper,
    /// The paper form, a typed field focused.
    PaperTyping,
}

/// A mode's bindings. In a typing mode every printable key that no binding takes is typed
/// (`Intent::Type`), so a typing table binds no plain character keys.
#[derive(Debug)]
pub struct Keymap {
    /// The table's name, for messages and documentation.
    pub name: &'static str,
    pub bindings: &'static [Binding],
    pub typing: Typing,
}

/// One key hint on screen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hint {
    pub keys: String,
    pub what: &'static str,
    /// What tapping the hint does (`None` for merged hints such as "↑↓ move").
    pub intent: Option<Intent>,
}

impl Keymap {
    /// The intent of a key press in this mode, if it has one.
    pub fn intent(&self, k: &KeyEvent) -> Option<Intent> {
        self.bound(k).or_else(|| self.typed(k))
    }

    /// The intent a binding gives the key, if one does.
    fn bound(&self, k: &KeyEvent) -> Option<Intent> {
        self.bindings
            .iter()
            .find_map(|b| b.keys.iter().find_map(|key| key.intent_of(k, b.intent)))
    }

    /// What typing makes of a key no binding takes.
    fn typed(&self, k: &KeyEvent) -> Option<Intent> {
        let plain = !k
            .modifiers
            .intersects(KeyModifiers::CONTROL | KeyModifiers::ALT);
        match (self.typing, k.code) {
            (Typing::No, _) => None,
            (_, KeyCode::Char(c)) if plain && !c.is_control() => Some(Intent::Type(c)),
            (Typing::Chars, _) => None,
            (Typing::Line, _) => {
                match tui_input::backend::crossterm::to_input_request(&Event::Key(*k))? {
                    tui_input::InputRequest::InsertChar(c) if !c.is_control() => {
                        Some(Intent::Type(c))
                    }
                    tui_input::InputRequest::InsertChar(_) => None,
                    req => Some(Intent::Edit(req)),
                }
            }
        }
    }

    /// The name of the first key bound to `intent` in this table (digits: "1-9"), for hints.
    pub fn key_for(&self, intent: Intent) -> Option<Key> {
        self.keys_for(intent).into_iter().next()
    }

    /// Every key bound to `intent`, in table order.
    pub fn keys_for(&self, intent: Intent) -> Vec<Key> {
        self.bindings
            .iter()
            .filter(|b| {
                b.intent == intent
                    || b.keys.iter().any(|k| {
                        matches!(
                            (k, intent),
                            (Key::Digits, Intent::Choose(_)) | (Key::Numbers, Intent::Digit(_))
                        )
                    })
            })
            .flat_map(|b| b.keys.iter().copied())
            .collect()
    }

    /// The hints, in table order, from the same bindings [`Keymap::intent`] reads.
    pub fn hints(&self) -> Vec<Hint> {
        let mut out: Vec<Hint> = Vec::new();
        for b in self.bindings {
            let (Some(what), Some(first)) = (b.hint, b.keys.first()) else {
                continue;
            };
            match out.last_mut() {
                Some(last) if last.what == what => {
                    // "↑↓", but "PgUp/PgDn".
                    let name = first.name();
                    if name.chars().count() > 1 || last.keys.chars().count() > 1 {
                        last.keys.push('/');
                    }
                    last.keys.push_str(&name);
                    last.intent = None;
                }
                _ => out.push(Hint {
                    keys: first.name(),
                    what,
                    intent: Some(b.intent),
                }),
            }
        }
        out
    }
}

/// The table for a mode.
pub fn keymap(mode: Mode) -> &'static Keymap {
    match mode {
        Mode::InboxSignIn => &inbox::SIGN_IN,
        Mode::InboxPin => &inbox::PIN,
        Mode::InboxList => &inbox::LIST,
        Mode::InboxPage => &inbox::PAGE,
        Mode::InboxChoose => &inbox::CHOOSE,
        Mode::InboxWrite => &inbox::WRITE,
        other => patient::table(other),
    }
}

/// Every table (for tests and documentation).
pub const MODES: [Mode; 24] = [
    Mode::InboxSignIn,
    Mode::InboxPin,
    Mode::InboxList,
    Mode::InboxPage,
    Mode::InboxChoose,
    Mode::InboxWrite,
    Mode::Welcome,
    Mode::Resume,
    Mode::ResumeDob,
    Mode::Choice,
    Mode::Typing,
    Mode::Help,
    Mode::More,
    Mode::Review,
    Mode::Confirm,
    Mode::Pause,
    Mode::PauseLocked,
    Mode::PauseKiosk,
    Mode::Thanks,
    Mode::StaffPin,
    Mode::Menu,
    Mode::Intake,
    Mode::Paper,
    Mode::PaperTyping,
];

/// Fills a hint's key names from the tables that apply: `{next}` becomes the name of the first
/// key bound to [`Intent::Next`] in `tables` (first table first), `{next/2}` the first two
/// joined by "/", `{up}{down}` "↑↓". Names: the intents' in snake case (`choose` and `digit`
/// for the digit keys, "1-9" / "0-9"). A name no table binds is left as written, so a test can
/// find it (see the tests of [`patient`]).
pub fn fill_keys(template: &str, tables: &[&Keymap]) -> String {
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        let (before, from) = rest.split_at(open);
        out.push_str(before);
        let Some(close) = from.find('}') else {
            out.push_str(from);
            return out;
        };
        let (inner, after) = from.split_at(close);
        let inner = inner.trim_start_matches('{');
        rest = after.get(1..).unwrap_or_default();
        let (name, count) = match inner.split_once('/') {
            Some((n, c)) => (n, c.parse().unwrap_or(1)),
            None => (inner, 1),
        };
        let mut keys: Vec<String> = Vec::new();
        for i in intents_named(name) {
            for t in tables {
                for k in t.keys_for(i) {
                    let n = k.name();
                    if !keys.contains(&n) {
                        keys.push(n);
                    }
                }
            }
            if !keys.is_empty() {
                break;
            }
        }
        if keys.is_empty() {
            out.push('{');
            out.push_str(inner);
            out.push('}');
        } else {
            out.push_str(&keys.into_iter().take(count).collect::<Vec<_>>().join("/"));
        }
    }
    out.push_str(rest);
    out
}

/// The intents a hint placeholder names, the first bound one counting: `next` is the key that
/// goes on, Next on a question and NextField on the paper form (one hint serves both).
fn intents_named(name: &str) -> Vec<Intent> {
    if name == "next" {
        return vec![Intent::Next, Intent::NextField];
    }
    intent_named(name).into_iter().collect()
}

/// The intent a hint placeholder names.
fn intent_named(name: &str) -> Option<Intent> {
    Some(match name {
        "up" => Intent::Up,
        "down" => Intent::Down,
        "top" => Intent::Top,
        "bottom" => Intent::Bottom,
        "choose" => Intent::Choose(0),
        "digit" => Intent::Digit(0),
        "confirm" => Intent::Confirm,
        "back" => Intent::Back,
        "next" => Intent::Next,
        "next_field" => Intent::NextField,
        "prev_field" => Intent::PrevField,
        "toggle" => Intent::Toggle,
        "help" => Intent::Help,
        "staff" => Intent::Staff,
        "sections" => Intent::Sections,
        "release_carry_on" => Intent::ReleaseCarryOn,
        "release_end" => Intent::ReleaseEnd,
        "next_section" => Intent::NextSection,
        "prev_section" => Intent::PrevSection,
        "separator" => Intent::Separator,
        "clear" => Intent::Clear,
        "quit" => Intent::Quit,
        "dismiss" => Intent::Dismiss,
        _ => return None,
    })
}

/// The tap targets of the last frame, each carrying its intent (topmost last).
pub type Taps = super::surface::HitMap<Intent>;

/// Draws a mode's hints across `area` (wrapping onto its further rows) as `[keys] what`, each
/// hint with an intent also a tap target. Hints whose intent is not `enabled` now (nothing to
/// jump to) are left out, and so are those that do not fit, last first.
pub fn draw_hints(
    f: &mut Frame,
    area: Rect,
    mode: Mode,
    enabled: &dyn Fn(Intent) -> bool,
    taps: &mut Taps,
) {
    let key_style = Style::default().add_modifier(Modifier::BOLD | Modifier::REVERSED);
    let (mut x, mut y) = (area.x, area.y);
    let mut line: Vec<Span> = Vec::new();
    let mut row_start = area.x;
    let flush = |f: &mut Frame, line: &mut Vec<Span<'static>>, y: u16, x0: u16| {
        if !line.is_empty() && y < area.y + area.height {
            f.render_widget(
                Paragraph::new(Line::from(std::mem::take(line))),
                Rect {
                    x: x0,
                    y,
                    width: area.x + area.width - x0,
                    height: 1,
                },
            );
        }
        line.clear();
    };
    for h in keymap(mode).hints() {
        if h.intent.is_some_and(|i| !enabled(i)) {
            continue;
        }
        let keys = format!(" {} ", h.keys);
        let w = crate::tui::surface::cells(keys.width() + 1 + h.what.width());
        if x + w > area.x + area.width && x > area.x {
            flush(f, &mut line, y, row_start);
            y += 1;
            x = area.x;
            row_start = x;
        }
        if y >= area.y + area.height || x + w > area.x + area.width {
            break;
        }
        if let Some(i) = h.intent {
            taps.add(
                Rect {
                    x,
                    y,
                    width: w,
                    height: 1,
                },
                i,
            );
        }
        line.push(Span::styled(keys, key_style));
        line.push(Span::raw(format!(" {}  ", h.what)));
        x += w + 2;
    }
    flush(f, &mut line, y, row_start);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(code: KeyCode) -> KeyEvent {
        KeyEvent::new(code, KeyModifiers::NONE)
    }

    /// Keys become intents per mode; digits choose; a typing mode types what it does not bind.
    #[test]
    fn keys_to_intents() {
        let list = keymap(Mode::InboxList);
        assert_eq!(list.intent(&key(KeyCode::Enter)), Some(Intent::Confirm));
        assert_eq!(list.intent(&key(KeyCode::Char('j'))), Some(Intent::Down));
        assert_eq!(list.intent(&key(KeyCode::Char('x'))), None);
        let ctrl_c = KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL);
        assert_eq!(list.intent(&ctrl_c), Some(Intent::Quit));
        let choose = keymap(Mode::InboxChoose);
        assert_eq!(
            choose.intent(&key(KeyCode::Char('3'))),
            Some(Intent::Choose(2))
        );
        let write = keymap(Mode::InboxWrite);
        assert_eq!(
            write.intent(&key(KeyCode::Char('3'))),
            Some(Intent::Type('3'))
        );
        assert_eq!(
            write.intent(&key(KeyCode::Char('q'))),
            Some(Intent::Type('q'))
        );
        assert_eq!(write.intent(&ctrl_c), Some(Intent::Quit));
    }

    /// No typing table binds a plain character (it could never be typed), and no two bindings
    /// of one table share a key (the second could never fire).
    #[test]
    fn tables_are_consistent() {
        for mode in MODES {
            let map = keymap(mode);
            let mut seen: Vec<Key> = Vec::new();
            for b in map.bindings {
                for k in b.keys {
                    assert!(!seen.contains(k), "{mode:?}: {k:?} is bound twice");
                    seen.push(*k);
                    if map.typing != Typing::No {
                        assert!(
                            !matches!(k, Key::Plain(KeyCode::Char(_)) | Key::Digits),
                            "{mode:?}: typing table binds {k:?}"
                        );
                    }
                }
            }
        }
    }

    /// Hints come from the table: each hinted intent is what its key does, and moves merge.
    #[test]
    fn hints_follow_the_table() {
        for mode in MODES {
            let map = keymap(mode);
            for h in map.hints() {
                if let Some(i) = h.intent {
                    let b = map
                        .bindings
                        .iter()
                        .find(|b| b.intent == i && b.hint == Some(h.what))
                        .expect("a binding for every hint");
                    assert_eq!(b.keys[0].name(), h.keys);
                }
            }
        }
        let hints = keymap(Mode::InboxList).hints();
        assert_eq!(hints[0].keys, "↑↓");
        assert_eq!(hints[0].intent, None);
        assert!(hints.iter().any(|h| h.keys == "Enter" && h.what == "open"));
    }
}
