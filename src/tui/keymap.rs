//! Keys and taps become intents here, before any `update` sees them (ARCHITECTURE.md §9): one
//! binding table per mode, and the on-screen key hints are generated from the same table (and
//! drawn as tap targets carrying the same intents), so a rebinding can never leave a wrong hint
//! and every hinted action works by tap too. Screens match [`Intent`]s, never key codes. The
//! doctor's inbox uses it; the patient, staff and kiosk modes are meant to move here (issue 15):
//! add a [`Mode`] and its table, and translate keys with [`Keymap::intent`] in their runtime.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
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
    /// This key without Control or Alt (Shift allowed: it makes the character).
    Plain(KeyCode),
    /// Control and this letter.
    Ctrl(char),
    /// The digits 1 to 9, as `Intent::Choose(0..=8)`.
    Digits,
}

impl Key {
    fn matches(self, k: &KeyEvent) -> Option<Option<usize>> {
        let ctrl_alt = k
            .modifiers
            .intersects(KeyModifiers::CONTROL | KeyModifiers::ALT);
        match self {
            Key::Plain(code) => (!ctrl_alt && k.code == code).then_some(None),
            Key::Ctrl(c) => (k.modifiers.contains(KeyModifiers::CONTROL)
                && k.code == KeyCode::Char(c))
            .then_some(None),
            Key::Digits => match k.code {
                KeyCode::Char(d @ '1'..='9') if !ctrl_alt => Some(Some(d as usize - '1' as usize)),
                _ => None,
            },
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
        }
    }
}

/// One line of a table: the keys, what they mean, and the hint shown for them (`None`: not
/// hinted). Consecutive bindings with the same hint are shown as one ("↑↓ move").
#[derive(Debug, Clone, Copy)]
pub struct Binding {
    pub keys: &'static [Key],
    /// The intent; for [`Key::Digits`] the digit's `Choose(n)` replaces it.
    pub intent: Intent,
    pub hint: Option<&'static str>,
}

const fn bind(keys: &'static [Key], intent: Intent, hint: Option<&'static str>) -> Binding {
    Binding { keys, intent, hint }
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
}

/// A mode's bindings. In a typing mode every printable key that no binding takes is typed
/// (`Intent::Type`), so a typing table binds no plain character keys.
#[derive(Debug)]
pub struct Keymap {
    pub mode: Mode,
    pub bindings: &'static [Binding],
    pub typing: bool,
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
        for b in self.bindings {
            for key in b.keys {
                if let Some(digit) = key.matches(k) {
                    return Some(digit.map_or(b.intent, Intent::Choose));
                }
            }
        }
        match k.code {
            KeyCode::Char(c)
                if self.typing
                    && !c.is_control()
                    && !k
                        .modifiers
                        .intersects(KeyModifiers::CONTROL | KeyModifiers::ALT) =>
            {
                Some(Intent::Type(c))
            }
            _ => None,
        }
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

use Intent as I;
use Key::{Ctrl, Digits, Plain};
use KeyCode as K;

// Bindings several tables share.
const QUIT: Binding = bind(&[Ctrl('c'), Ctrl('q')], I::Quit, None);
const QUIT_Q: Binding = bind(&[Plain(K::Char('q'))], I::Quit, Some("quit"));
const UP: Binding = bind(&[Plain(K::Up), Plain(K::Char('k'))], I::Up, Some("move"));
const DOWN: Binding = bind(
    &[Plain(K::Down), Plain(K::Char('j'))],
    I::Down,
    Some("move"),
);
const TOP: Binding = bind(&[Plain(K::Home), Plain(K::Char('g'))], I::Top, None);
const BOTTOM: Binding = bind(&[Plain(K::End), Plain(K::Char('G'))], I::Bottom, None);
const DIGITS: Binding = bind(&[Digits], I::Choose(0), Some("choose"));
const LOCK: Binding = bind(&[Plain(K::Char('l')), Ctrl('l')], I::Lock, Some("lock"));
const LOCK_CTRL: Binding = bind(&[Ctrl('l')], I::Lock, None);
const CANCEL: Binding = bind(&[Plain(K::Esc)], I::Back, Some("cancel"));

static SIGN_IN: Keymap = Keymap {
    mode: Mode::InboxSignIn,
    typing: false,
    bindings: &[
        UP,
        DOWN,
        DIGITS,
        bind(&[Plain(K::Enter)], I::Confirm, Some("sign in")),
        QUIT_Q,
        QUIT,
    ],
};

static PIN: Keymap = Keymap {
    mode: Mode::InboxPin,
    typing: true,
    bindings: &[
        bind(&[Plain(K::Enter)], I::Confirm, Some("check PIN")),
        bind(&[Plain(K::Backspace)], I::Erase, None),
        bind(&[Plain(K::Esc)], I::SwitchUser, Some("someone else")),
        bind(&[Ctrl('c'), Ctrl('q')], I::Quit, Some("quit")),
    ],
};

static LIST: Keymap = Keymap {
    mode: Mode::InboxList,
    typing: false,
    bindings: &[
        UP,
        DOWN,
        bind(&[Plain(K::PageUp)], I::PageUp, None),
        bind(&[Plain(K::PageDown)], I::PageDown, None),
        TOP,
        BOTTOM,
        bind(&[Plain(K::Enter)], I::Confirm, Some("open")),
        bind(&[Plain(K::Char('a'))], I::ToggleDay, Some("today/all")),
        bind(
            &[Plain(K::Char('r')), Plain(K::F(5))],
            I::Refresh,
            Some("refresh"),
        ),
        LOCK,
        QUIT_Q,
        QUIT,
    ],
};

static PAGE: Keymap = Keymap {
    mode: Mode::InboxPage,
    typing: false,
    bindings: &[
        Binding {
            hint: Some("scroll"),
            ..UP
        },
        Binding {
            hint: Some("scroll"),
            ..DOWN
        },
        bind(&[Plain(K::PageUp)], I::PageUp, Some("page")),
        bind(
            &[Plain(K::PageDown), Plain(K::Char(' '))],
            I::PageDown,
            Some("page"),
        ),
        TOP,
        BOTTOM,
        bind(&[Plain(K::Char('d'))], I::Decide, Some("decide")),
        bind(&[Plain(K::Char('f'))], I::InFull, Some("answers in full")),
        bind(
            &[Plain(K::Esc), Plain(K::Left), Plain(K::Char('q'))],
            I::Back,
            Some("list"),
        ),
        LOCK,
        QUIT,
    ],
};

static CHOOSE: Keymap = Keymap {
    mode: Mode::InboxChoose,
    typing: false,
    bindings: &[
        UP,
        DOWN,
        DIGITS,
        bind(&[Plain(K::Enter)], I::Confirm, Some("next")),
        CANCEL,
        LOCK_CTRL,
        QUIT,
    ],
};

static WRITE: Keymap = Keymap {
    mode: Mode::InboxWrite,
    typing: true,
    bindings: &[
        bind(&[Plain(K::Enter)], I::Confirm, Some("save")),
        bind(&[Plain(K::Tab)], I::NextField, Some("next field")),
        bind(&[Plain(K::BackTab)], I::PrevField, None),
        bind(&[Plain(K::Backspace)], I::Erase, None),
        CANCEL,
        LOCK_CTRL,
        QUIT,
    ],
};

/// The table for a mode.
pub fn keymap(mode: Mode) -> &'static Keymap {
    match mode {
        Mode::InboxSignIn => &SIGN_IN,
        Mode::InboxPin => &PIN,
        Mode::InboxList => &LIST,
        Mode::InboxPage => &PAGE,
        Mode::InboxChoose => &CHOOSE,
        Mode::InboxWrite => &WRITE,
    }
}

/// Every table (for tests and documentation).
pub const MODES: [Mode; 6] = [
    Mode::InboxSignIn,
    Mode::InboxPin,
    Mode::InboxList,
    Mode::InboxPage,
    Mode::InboxChoose,
    Mode::InboxWrite,
];

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
        let w = (keys.width() + 1 + h.what.width()) as u16;
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

// The patient screens' keys, until they take intents from a table of their own (issue 15): here,
// so that screens depend on the keymap and never on `update`, which depends on them.

/// Keys that mean "go back" on every patient screen.
pub fn is_back(k: &KeyEvent) -> bool {
    matches!(k.code, KeyCode::Esc | KeyCode::Left | KeyCode::PageUp)
}

/// Keys that mean "go on".
pub fn is_next(k: &KeyEvent) -> bool {
    matches!(k.code, KeyCode::Enter | KeyCode::PageDown)
}

/// A digit key 1-9 as an index 0-8.
pub fn digit(k: &KeyEvent) -> Option<usize> {
    match k.code {
        KeyCode::Char(c @ '1'..='9') if !k.modifiers.contains(KeyModifiers::CONTROL) => {
            Some(c as usize - '1' as usize)
        }
        _ => None,
    }
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
                    if map.typing {
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
