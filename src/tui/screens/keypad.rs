//! The on-screen keypad of the staff PIN entry, so a touch-only kiosk can be unlocked: large
//! digit targets (three rows tall where the window allows), Delete, Cancel and OK. It is only a
//! front end: taps become the same PIN actions as keys ([`pin_action`]), the PIN stays masked,
//! and it is checked through `Effect::CheckPin` with the same attempt limits and lockout.

use ratatui::Frame;
use ratatui::layout::{Alignment, Rect};
use ratatui::widgets::{Block, Borders, Paragraph};

use crate::strings;
use crate::tui::model::{HitMap, Intent, Msg, PadKey, Target};
use crate::tui::theme;

/// What a key or a tap does on the PIN entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PinAction {
    Type(char),
    Delete,
    Submit,
    Cancel,
    Nothing,
}

/// The one place intents (from the staff PIN table, where Ctrl-C and other chorded keys are not
/// characters of a PIN) and keypad taps become PIN actions.
pub fn pin_action(msg: &Msg) -> PinAction {
    match msg {
        Msg::Intent(i) => match i {
            Intent::Back => PinAction::Cancel,
            Intent::Erase => PinAction::Delete,
            Intent::Confirm => PinAction::Submit,
            Intent::Type(c) if !c.is_whitespace() => PinAction::Type(*c),
            _ => PinAction::Nothing,
        },
        Msg::Tap(Target::Pad(key)) => match key {
            PadKey::Digit(d) => {
                char::from_digit(u32::from(*d), 10).map_or(PinAction::Nothing, PinAction::Type)
            }
            PadKey::Delete => PinAction::Delete,
            PadKey::Ok => PinAction::Submit,
            PadKey::Cancel => PinAction::Cancel,
        },
        _ => PinAction::Nothing,
    }
}

/// Rows the keypad needs at its smallest (one row per key row).
pub const MIN_HEIGHT: u16 = 4;

/// Draws the keypad in `area`: digits in a 3x3 grid with 0 under 8, and a column of Delete,
/// Cancel and OK beside it. Keys are as tall as the room allows, up to three rows.
pub fn draw(f: &mut Frame, area: Rect, hits: &mut HitMap) {
    if area.height < MIN_HEIGHT || area.width < 20 {
        return;
    }
    let key_h = (area.height / 4).clamp(1, 3);
    let gap = u16::from(area.width >= 40);
    let action_w = (area.width / 3).clamp(10, 18);
    let digit_w = ((area.width.saturating_sub(action_w + 3 * gap)) / 3).clamp(3, 9);
    let key = |col: u16, row: u16, w: u16| Rect {
        x: area.x + col,
        y: area.y + row * key_h,
        width: w,
        height: key_h,
    };
    let digits = [
        (1, 0, 0),
        (2, 1, 0),
        (3, 2, 0),
        (4, 0, 1),
        (5, 1, 1),
        (6, 2, 1),
        (7, 0, 2),
        (8, 1, 2),
        (9, 2, 2),
        (0, 1, 3),
    ];
    for (d, col, row) in digits {
        let r = key(col * (digit_w + gap), row, digit_w);
        pad_key(f, r, &d.to_string(), hits, PadKey::Digit(d));
    }
    let x = 3 * (digit_w + gap);
    let actions = [
        (strings::PAD_DELETE, PadKey::Delete),
        (strings::PAD_CANCEL, PadKey::Cancel),
        (strings::PAD_OK, PadKey::Ok),
    ];
    for (row, (label, k)) in actions.into_iter().enumerate() {
        pad_key(
            f,
            key(x, crate::tui::surface::cells(row), action_w),
            label,
            hits,
            k,
        );
    }
}

/// One key: boxed when three rows tall, else in brackets; the whole rectangle is the target.
fn pad_key(f: &mut Frame, r: Rect, label: &str, hits: &mut HitMap, k: PadKey) {
    if r.height >= 3 {
        f.render_widget(
            Paragraph::new(label)
                .style(theme::bold())
                .alignment(Alignment::Center)
                .block(Block::default().borders(Borders::ALL)),
            r,
        );
    } else {
        f.render_widget(
            Paragraph::new(format!("[{label}]"))
                .style(theme::bold())
                .alignment(Alignment::Center),
            r,
        );
    }
    hits.add(r, Target::Pad(k));
}
