//! Kiosk staff access: F12 opens a masked PIN entry over whatever is showing; the right PIN opens
//! the staff menu (let a paused patient carry on, end the session and save it, continue an
//! unfinished form, reprint the last summary, leave the kiosk). Both close on their own if left
//! idle, so the next patient never finds them open.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::widgets::Paragraph;

use crate::engine::{ReleaseAction, Releaser};
use crate::kiosk::pin::Check;
use crate::store::AuditEvent;
use crate::strings::{self, fill};
use crate::tui::model::{AfterPin, Effect, HitMap, Intent, Model, Msg, Screen, Target};
use crate::tui::screens::keypad::{self, PinAction};

use crate::tui::screens::pause;
use crate::tui::theme;

/// Rows kept for the PIN entry's message (wrong PIN, lockout), drawn or not.
pub const PIN_MESSAGE_ROWS: u16 = 2;

/// What the staff menu offers, depending on what the kiosk is doing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Item {
    Close,
    CarryOn,
    End,
    Continue,
    Reprint,
    Leave,
}

impl Item {
    fn label(self) -> &'static str {
        match self {
            Item::Close => strings::STAFF_CLOSE,
            Item::CarryOn => strings::STAFF_CARRY_ON,
            Item::End => strings::STAFF_END,
            Item::Continue => strings::STAFF_CONTINUE,
            Item::Reprint => strings::STAFF_REPRINT,
            Item::Leave => strings::STAFF_LEAVE,
        }
    }
}

/// Opens the masked PIN entry over the current screen.
pub fn open_pin(m: &mut Model<'_>, then: AfterPin) {
    let back = Box::new(m.screen.clone());
    m.screen = Screen::StaffPin {
        entered: String::new(),
        message: None,
        wait: None,
        back,
        then,
    };
}

pub fn items(m: &Model<'_>, back: &Screen) -> Vec<Item> {
    let mut out = vec![Item::Close];
    if matches!(back, Screen::Pause { .. }) {
        out.push(Item::CarryOn);
    }
    if matches!(
        back,
        Screen::Step(_)
            | Screen::Form { .. }
            | Screen::Review { .. }
            | Screen::Confirm
            | Screen::Pause { .. }
    ) {
        out.push(Item::End);
    }
    // Between patients (the welcome screen behind the menu, no answers in memory). Not
    // `has_patient()`: the screen showing now is this menu, which it would count as a patient.
    if matches!(back, Screen::Welcome)
        && m.draft.is_none()
        && m.session.stored_answers().next().is_none()
    {
        out.push(Item::Continue);
    }
    if m.kiosk.as_ref().is_some_and(|k| k.last_record.is_some()) {
        out.push(Item::Reprint);
    }
    if m.kiosk.is_some() {
        out.push(Item::Leave);
    }
    out
}

pub fn pin_update(m: &mut Model<'_>, msg: Msg) -> Vec<Effect> {
    let Screen::StaffPin {
        entered,
        message,
        wait,
        back,
        ..
    } = &mut m.screen
    else {
        return Vec::new();
    };
    // Keys and the on-screen keypad's taps do the same things.
    match keypad::pin_action(&msg) {
        PinAction::Cancel => m.screen = (**back).clone(),
        PinAction::Delete => {
            entered.pop();
        }
        PinAction::Submit if !entered.is_empty() => {
            let pin = std::mem::take(entered);
            *message = Some(strings::STAFF_PIN_CHECKING.to_owned());
            *wait = None;
            return vec![Effect::CheckPin(pin)];
        }
        PinAction::Type(c) if entered.chars().count() < 64 => entered.push(c),
        _ => {}
    }
    Vec::new()
}

pub fn pin_checked(m: &mut Model<'_>, check: Check) -> Vec<Effect> {
    let now = m.now;
    let Screen::StaffPin {
        message,
        wait,
        back,
        then,
        ..
    } = &mut m.screen
    else {
        return Vec::new();
    };
    match check {
        Check::Right | Check::Recovered => match *then {
            AfterPin::Menu => {
                let back = back.clone();
                m.screen = Screen::StaffMenu { focus: 0, back };
            }
            AfterPin::Resume(draft) => {
                m.screen = (**back).clone();
                return vec![
                    Effect::Audit {
                        event: AuditEvent::Unlocked,
                        detail: format!("draft {draft} staff_pin"),
                    },
                    Effect::LoadDraft(draft),
                ];
            }
        },
        other => {
            *message = Some(wait_message(&other, now));
            *wait = Some(other);
        }
    }
    Vec::new()
}

/// Ticks: the message of a PIN answer that asked staff to wait counts down.
pub fn count_down(m: &mut Model<'_>) {
    let now = m.now;
    if let Screen::StaffPin {
        message,
        wait: Some(w),
        ..
    } = &mut m.screen
    {
        *message = Some(wait_message(w, now));
    }
}

/// How long until `until`, in words a person at the kiosk can act on: seconds under five
/// minutes ("in 45 s", "in 2 min 5 s"), else the clock time rounded up to the next minute, so
/// the time shown has never already arrived ("at 12:41", with the date when not today).
/// `None` once it has arrived.
pub fn wait_words(until: jiff::Timestamp, now: jiff::Timestamp) -> Option<String> {
    let ms = until.as_millisecond() - now.as_millisecond();
    if ms <= 0 {
        return None;
    }
    let secs = (ms + 999) / 1000;
    if secs < 5 * 60 {
        return Some(strings::wait_in(secs.unsigned_abs()));
    }
    let zone = crate::clock::local_zone();
    let up = until
        .checked_add(jiff::SignedDuration::from_secs(59))
        .unwrap_or(until)
        .to_zoned_datetime(zone.clone());
    let today = now.to_zoned_datetime(zone).date();
    let clock = if up.date() == today {
        up.strftime("%H:%M").to_string()
    } else {
        up.strftime("%Y-%m-%d %H:%M").to_string()
    };
    Some(strings::wait_at(&clock))
}

/// The message for a PIN answer that asks to wait (or says what is wrong), as of `now`: the
/// staff PIN screen and the inbox's prescriber PINs alike.
pub(crate) fn wait_message(check: &Check, now: jiff::Timestamp) -> String {
    match check {
        Check::Locked { until, recovery } => {
            strings::staff_pin_locked(wait_words(*until, now).as_deref(), *recovery)
        }
        Check::Wrong {
            left: Some(left),
            retry_at,
        } => strings::staff_pin_wrong(*left, wait_words(*retry_at, now).as_deref()),
        Check::Wrong {
            left: None,
            retry_at,
        } => strings::staff_pin_wrong_retry(wait_words(*retry_at, now).as_deref()),
        Check::TooSoon { retry_at } => {
            strings::staff_pin_wait(wait_words(*retry_at, now).as_deref())
        }
        Check::Right | Check::Recovered => String::new(),
    }
}

pub fn pin_unavailable(m: &mut Model<'_>, reason: String) -> Vec<Effect> {
    if let Screen::StaffPin { message, wait, .. } = &mut m.screen {
        *message = Some(reason);
        *wait = None;
    }
    Vec::new()
}

pub fn menu_update(m: &mut Model<'_>, focus: usize, msg: Msg) -> Vec<Effect> {
    let Screen::StaffMenu { back, .. } = &m.screen else {
        return Vec::new();
    };
    let back = (**back).clone();
    let list = items(m, &back);
    let chosen = match msg {
        Msg::Intent(i) => match i {
            Intent::Up => {
                m.screen = Screen::StaffMenu {
                    focus: focus.saturating_sub(1),
                    back: Box::new(back.clone()),
                };
                None
            }
            Intent::Down => {
                m.screen = Screen::StaffMenu {
                    focus: (focus + 1).min(list.len() - 1),
                    back: Box::new(back.clone()),
                };
                None
            }
            Intent::Back => {
                m.screen = back.clone();
                None
            }
            Intent::Confirm => list.get(focus).copied(),
            Intent::Choose(n) => list.get(n).copied(),
            _ => None,
        },
        Msg::Tap(Target::Row(i)) => list.get(i).copied(),
        _ => None,
    };
    let Some(item) = chosen else {
        return Vec::new();
    };
    match item {
        Item::Close => {
            m.screen = back;
            Vec::new()
        }
        Item::CarryOn => {
            let Screen::Pause { flag, at } = back else {
                return Vec::new();
            };
            pause::release(m, flag, at, Releaser::StaffPin, ReleaseAction::CarryOn)
        }
        Item::End => {
            // Stored at once, in every mode: "end this session here and save it".
            let effects = match back {
                Screen::Pause { flag, at } => {
                    pause::release(m, flag, at, Releaser::StaffPin, ReleaseAction::EndHere)
                }
                Screen::Step(s) => pause::end_here(m, s.item()),
                Screen::Form { focus: i, .. } => pause::end_here(m, i),
                _ => vec![Effect::Complete],
            };
            m.show(Screen::Confirm);
            effects
        }
        Item::Continue => {
            m.screen = back;
            vec![Effect::LoadLatestDraft]
        }
        Item::Reprint => {
            m.screen = back;
            m.kiosk
                .as_ref()
                .and_then(|k| k.last_record)
                .map(Effect::Deliver)
                .into_iter()
                .collect()
        }
        Item::Leave => vec![Effect::Quit],
    }
}

pub fn view(m: &Model<'_>, f: &mut Frame, area: Rect, hits: &mut HitMap) {
    theme::header(f, Rect { height: 1, ..area }, strings::STAFF_PIN_TITLE, "");
    let body = Rect {
        x: area.x + 2,
        y: area.y + 2,
        width: area.width.saturating_sub(4),
        height: area.height.saturating_sub(3),
    };
    match &m.screen {
        Screen::StaffPin {
            entered, message, ..
        } => {
            let ph = theme::text_height(&m.keys_hint(strings::STAFF_PIN_PROMPT), body.width);
            f.render_widget(
                theme::paragraph(&m.keys_hint(strings::STAFF_PIN_PROMPT), theme::bold()),
                Rect {
                    height: ph.min(body.height),
                    ..body
                },
            );
            let masked: String = "•".repeat(entered.chars().count());
            // Masked entry: boxed when there is room, else one line.
            let roomy = body.height >= ph + 3 + 1 + keypad::MIN_HEIGHT + 2;
            let boxed = Rect {
                y: body.y + ph + u16::from(roomy),
                height: if roomy { 3 } else { 1 },
                width: body.width.min(40),
                ..body
            };
            if roomy {
                let block =
                    ratatui::widgets::Block::default().borders(ratatui::widgets::Borders::ALL);
                f.render_widget(Paragraph::new(masked).block(block), boxed);
            } else {
                f.render_widget(Paragraph::new(format!("> {masked}")), boxed);
            }
            // The message's rows are kept whether or not there is one and whatever its length,
            // so the keypad never moves under a finger (a tap aimed at Cancel must not land on
            // Delete when a lockout message wraps).
            let y = boxed.y + boxed.height + PIN_MESSAGE_ROWS;
            if let Some(msg) = message {
                let top = boxed.y + boxed.height;
                theme::message(
                    f,
                    Rect {
                        y: top,
                        height: PIN_MESSAGE_ROWS.min((body.y + body.height).saturating_sub(top)),
                        ..body
                    },
                    msg,
                );
            }
            // The keypad for touch screens, below; as large as the rest of the screen allows.
            let pad = Rect {
                y: y + u16::from(roomy),
                height: (area.y + area.height)
                    .saturating_sub(y + u16::from(roomy))
                    .min(12),
                width: body.width.min(60),
                ..body
            };
            keypad::draw(f, pad, hits);
        }
        Screen::StaffMenu { focus, back } => {
            f.render_widget(
                theme::paragraph(strings::STAFF_MENU_TITLE, theme::bold()),
                Rect { height: 1, ..body },
            );
            // What Enter does, on the last rows.
            let hint = m.keys_hint_for_rows(strings::STAFF_MENU_HINT, items(m, back).len());
            let hint_h = theme::text_height(&hint, body.width);
            let body = Rect {
                height: body.height.saturating_sub(hint_h),
                ..body
            };
            f.render_widget(
                theme::paragraph(&hint, theme::dim()),
                Rect {
                    y: body.y + body.height,
                    height: hint_h,
                    ..body
                },
            );
            // Each choice wraps rather than being cut, so every word shows at 40 columns.
            let mut y = body.y + 2;
            for (i, item) in items(m, back).into_iter().enumerate() {
                let is_focus = i == *focus;
                let text = format!(
                    "{}{} {}",
                    if is_focus { "► " } else { "  " },
                    i + 1,
                    item.label()
                );
                let h = theme::text_height(&text, body.width);
                if y + h > body.y + body.height {
                    break;
                }
                let r = Rect {
                    y,
                    height: h,
                    ..body
                };
                f.render_widget(
                    theme::paragraph(
                        &text,
                        if is_focus {
                            theme::focused()
                        } else {
                            theme::bold()
                        },
                    ),
                    r,
                );
                hits.add(r, Target::Row(i));
                y += h;
            }
            // Staff only: how many records wait for the clinic store (never on a patient screen).
            if let Some(n) = m.outbox_pending {
                let line = if n == 0 {
                    strings::STAFF_OUTBOX_EMPTY.to_owned()
                } else {
                    fill(strings::STAFF_OUTBOX_WAITING, n)
                };
                let h = theme::text_height(&line, body.width);
                if y + 1 + h <= body.y + body.height {
                    f.render_widget(
                        theme::paragraph(&line, theme::dim()),
                        Rect {
                            y: y + 1,
                            height: h,
                            ..body
                        },
                    );
                }
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::wait_words;
    use crate::clock::local_zone;
    use jiff::{SignedDuration, Timestamp};

    fn t(s: i64) -> Timestamp {
        // 2025-06-02 09:00:00 UTC: a whole minute in every zone with a whole-minute offset.
        Timestamp::from_second(1_748_854_800 + s).expect("ts")
    }

    fn clock(ts: Timestamp) -> String {
        format!(
            "at {}",
            ts.to_zoned_datetime(local_zone()).strftime("%H:%M")
        )
    }

    /// Short waits in seconds, rounded up (never "0 s" while waiting); long ones as the clock
    /// minute rounded up, so the time shown has not already arrived; none once over.
    #[test]
    fn waits_in_words() {
        assert_eq!(wait_words(t(45), t(0)).as_deref(), Some("in 45 s"));
        let almost = t(44)
            .checked_add(SignedDuration::from_millis(200))
            .expect("ts");
        assert_eq!(wait_words(almost, t(0)).as_deref(), Some("in 45 s"));
        assert_eq!(wait_words(t(125), t(0)).as_deref(), Some("in 2 min 5 s"));
        assert_eq!(wait_words(t(120), t(0)).as_deref(), Some("in 2 min"));
        assert_eq!(wait_words(t(0), t(0)), None);
        assert_eq!(wait_words(t(0), t(3)), None);
        assert_eq!(wait_words(t(601), t(0)), Some(clock(t(660))));
        assert_eq!(wait_words(t(600), t(0)), Some(clock(t(600))));
    }
}
