//! The doctor's inbox: its tables (sign-in, PIN, the queue, a doctor's page, a decision).

use crossterm::event::KeyCode as K;

use super::Key::{Ctrl, Digits, Plain};
use super::{Binding, Intent as I, Keymap, Typing, bind};

// Bindings several of these tables share.
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

pub(super) static SIGN_IN: Keymap = Keymap {
    name: "InboxSignIn",
    typing: Typing::No,
    bindings: &[
        UP,
        DOWN,
        DIGITS,
        bind(&[Plain(K::Enter)], I::Confirm, Some("sign in")),
        QUIT_Q,
        QUIT,
    ],
};

pub(super) static PIN: Keymap = Keymap {
    name: "InboxPin",
    typing: Typing::Chars,
    bindings: &[
        bind(&[Plain(K::Enter)], I::Confirm, Some("check PIN")),
        bind(&[Plain(K::Backspace)], I::Erase, None),
        bind(&[Plain(K::Esc)], I::SwitchUser, Some("someone else")),
        bind(&[Ctrl('c'), Ctrl('q')], I::Quit, Some("quit")),
    ],
};

pub(super) static LIST: Keymap = Keymap {
    name: "InboxList",
    typing: Typing::No,
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

pub(super) static PAGE: Keymap = Keymap {
    name: "InboxPage",
    typing: Typing::No,
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

pub(super) static CHOOSE: Keymap = Keymap {
    name: "InboxChoose",
    typing: Typing::No,
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

pub(super) static WRITE: Keymap = Keymap {
    name: "InboxWrite",
    typing: Typing::Chars,
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
