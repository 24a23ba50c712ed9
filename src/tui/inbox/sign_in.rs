//! Signing in to the inbox: choose yourself among the clinic's prescribers, then your PIN
//! (argon2id, the staff PIN's limits: attempts, a doubling delay, a lockout kept on disk). The
//! idle lock asks for the same PIN again over a screen that shows no patient data; Esc there
//! signs someone else in instead (what the lock hid is then dropped).

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::widgets::{Block, Borders, Paragraph};

use super::{Effect, Inbox, PinEntry, Screen};
use crate::kiosk::pin::Check;
use crate::strings::{self, fill};
use crate::tui::keymap::{Intent, Taps};
use crate::tui::theme;

pub(super) fn sign_in(m: &mut Inbox, i: Intent) -> Vec<Effect> {
    let Screen::SignIn { focus, message } = &mut m.screen else {
        return Vec::new();
    };
    let Some(p) = super::choice(focus, m.prescribers.len(), i) else {
        return Vec::new();
    };
    *focus = p;
    if !m.pin_set.get(p).copied().unwrap_or(false) {
        *message = m
            .prescribers
            .get(p)
            .map(|who| strings::inbox_no_pin(&who.name, &who.id));
        return Vec::new();
    }
    m.screen = Screen::Pin(PinEntry {
        prescriber: p,
        entered: String::new(),
        message: None,
        wait: None,
        behind: None,
    });
    Vec::new()
}

pub(super) fn pin(m: &mut Inbox, i: Intent) -> Vec<Effect> {
    let Screen::Pin(entry) = &mut m.screen else {
        return Vec::new();
    };
    match i {
        Intent::Type(c) if !c.is_whitespace() && entry.entered.chars().count() < 32 => {
            entry.entered.push(c);
        }
        Intent::Erase => {
            entry.entered.pop();
        }
        Intent::Confirm if !entry.entered.is_empty() => {
            entry.message = Some(strings::STAFF_PIN_CHECKING.to_owned());
            entry.wait = None;
            return vec![Effect::CheckPin {
                prescriber: entry.prescriber,
                pin: std::mem::take(&mut entry.entered),
            }];
        }
        Intent::SwitchUser | Intent::Back => {
            // Whatever the lock hid belonged to the one signed in: not shown to someone else.
            m.signed_in = None;
            m.notice = None;
            m.screen = Screen::SignIn {
                focus: entry.prescriber,
                message: None,
            };
        }
        _ => {}
    }
    Vec::new()
}

pub(super) fn pin_checked(m: &mut Inbox, p: usize, check: Check) -> Vec<Effect> {
    let Screen::Pin(entry) = &mut m.screen else {
        return Vec::new();
    };
    if entry.prescriber != p {
        return Vec::new();
    }
    match check {
        // A prescriber's PIN has no recovery PIN: `Recovered` cannot come, and would let in.
        Check::Right | Check::Recovered => {
            let behind = entry.behind.take();
            m.signed_in = Some(p);
            m.last_input = m.now;
            m.screen = behind.map_or(Screen::List, |b| *b);
            // Opening the list tells the worker nothing new; a fresh list is welcome anyway.
            return vec![Effect::List];
        }
        other => {
            entry.message = Some(crate::tui::screens::staff::wait_message(&other, m.now));
            entry.wait = Some(other);
        }
    }
    Vec::new()
}

pub(super) fn view_sign_in(
    m: &Inbox,
    f: &mut Frame,
    body: Rect,
    focus: usize,
    message: Option<&str>,
    taps: &mut Taps,
) {
    let inner = inset(body);
    f.render_widget(
        theme::paragraph(strings::INBOX_SIGN_IN, theme::bold()),
        Rect { height: 1, ..inner },
    );
    let mut y = inner.y + 2;
    for (i, p) in m.prescribers.iter().enumerate() {
        if y >= inner.y + inner.height {
            break;
        }
        let text = format!(
            "{}{} {} ({})",
            if i == focus { "► " } else { "  " },
            i + 1,
            p.name,
            p.registration
        );
        let r = Rect {
            y,
            height: 1,
            ..inner
        };
        let style = if i == focus {
            theme::focused()
        } else {
            theme::bold()
        };
        f.render_widget(
            Paragraph::new(theme::ellipsize(&text, usize::from(r.width))).style(style),
            r,
        );
        taps.add(r, Intent::Choose(i));
        y += 1;
    }
    if let Some(msg) = message {
        let r = Rect {
            y: y + 1,
            height: (inner.y + inner.height).saturating_sub(y + 1),
            ..inner
        };
        theme::message(f, r, msg);
    }
}

pub(super) fn view_pin(m: &Inbox, f: &mut Frame, body: Rect, pin: &PinEntry, taps: &mut Taps) {
    let inner = inset(body);
    let name = m
        .prescribers
        .get(pin.prescriber)
        .map_or(String::new(), |p| p.name.clone());
    let (title, text) = if pin.behind.is_some() {
        (
            strings::INBOX_LOCKED_TITLE.to_owned(),
            fill(strings::INBOX_LOCKED, &name),
        )
    } else {
        (name, strings::INBOX_PIN_PROMPT.to_owned())
    };
    f.render_widget(
        theme::paragraph(&title, theme::bold()),
        Rect { height: 1, ..inner },
    );
    let th = theme::text_height(&text, inner.width);
    f.render_widget(
        theme::paragraph(&text, ratatui::style::Style::default()),
        Rect {
            y: inner.y + 2,
            height: th.min(inner.height.saturating_sub(2)),
            ..inner
        },
    );
    let boxed = Rect {
        y: inner.y + 3 + th,
        height: 3.min((inner.y + inner.height).saturating_sub(inner.y + 3 + th)),
        width: inner.width.min(40),
        ..inner
    };
    f.render_widget(
        Paragraph::new("•".repeat(pin.entered.chars().count()))
            .block(Block::default().borders(Borders::ALL)),
        boxed,
    );
    // A keypad, so a PIN of digits can be typed by tap alone.
    let pad_y = boxed.y + boxed.height;
    if pad_y < inner.y + inner.height {
        let keys: Vec<(String, Intent)> = ('1'..='9')
            .chain(std::iter::once('0'))
            .map(|c| (c.to_string(), Intent::Type(c)))
            .chain([
                ("⌫".to_owned(), Intent::Erase),
                ("OK".to_owned(), Intent::Confirm),
            ])
            .collect();
        let mut x = inner.x;
        for (label, intent) in keys {
            let w = crate::tui::surface::cells(label.chars().count()).saturating_add(4);
            if x + w > inner.x + inner.width {
                break;
            }
            let r = Rect {
                x,
                y: pad_y,
                width: w,
                height: 1,
            };
            f.render_widget(
                Paragraph::new(format!("[ {label} ]")).style(theme::bold()),
                r,
            );
            taps.add(r, intent);
            x += w + 1;
        }
    }
    if let Some(msg) = &pin.message {
        let y = pad_y + 2;
        theme::message(
            f,
            Rect {
                y,
                height: (inner.y + inner.height).saturating_sub(y),
                ..inner
            },
            msg,
        );
    }
}

/// The body less a margin of two columns.
pub(super) fn inset(body: Rect) -> Rect {
    Rect {
        x: body.x + 2,
        y: body.y + 1,
        width: body.width.saturating_sub(4),
        height: body.height.saturating_sub(1),
    }
}
