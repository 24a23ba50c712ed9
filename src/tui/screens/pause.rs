//! A safety disclosure (a `pause` flag): the questionnaire's support message, what became of the
//! staff alert (told honestly: "has been told" only once the alert command succeeded), and
//! nothing else until it is released. With a staff PIN set (any mode) only staff can release it
//! (F2 or F12, then the PIN, then the staff menu); in `triage run` with no PIN, F2 carries on and
//! F10 ends the questionnaire there (stored at once), and the record says no PIN was checked.

use ratatui::Frame;
use ratatui::layout::Rect;

use crate::engine::{AlertStatus, ReleaseAction, Releaser};
use crate::questionnaire::{FlagIdx, ItemIdx};
use crate::store::AuditEvent;
use crate::strings;
use crate::tui::model::{Action, AfterPin, Effect, HitMap, Intent, Model, Msg, Screen, Target};
use crate::tui::screens::step;
use crate::tui::theme;

/// Shows the pause for `flag` after `at`, rings, audits it and asks for the staff alert.
pub fn enter(m: &mut Model<'_>, flag: FlagIdx, at: ItemIdx) -> Vec<Effect> {
    m.show(Screen::Pause { flag, at });
    m.reset_view();
    let id = m.session.questionnaire().flag_at(flag).id.clone();
    vec![
        Effect::Bell,
        Effect::Audit {
            event: AuditEvent::Paused,
            detail: id,
        },
        Effect::Alert { flag },
    ]
}

pub fn update(m: &mut Model<'_>, flag: FlagIdx, at: ItemIdx, msg: Msg) -> Vec<Effect> {
    // Scrolling (a small window) works for everyone, at a kiosk too.
    match &msg {
        Msg::Intent(i @ (Intent::Up | Intent::Down)) => {
            m.scroll_view(if *i == Intent::Up { -1 } else { 1 }, false);
            return Vec::new();
        }
        Msg::Scroll(n) => {
            m.scroll_view(i32::from(n.signum()), false);
            return Vec::new();
        }
        _ => {}
    }
    if m.kiosk.is_some() {
        // At a kiosk only staff (F12, PIN, staff menu) can carry on or end the session.
        return Vec::new();
    }
    if m.staff_pin && matches!(msg, Msg::Tap(Target::Button(Action::Staff))) {
        super::staff::open_pin(m, AfterPin::Menu);
        return Vec::new();
    }
    let Msg::Intent(i) = msg else {
        return Vec::new();
    };
    // With a staff PIN the table gives `Staff` (the release keys open the PIN entry); without
    // one, the release keys release.
    match i {
        Intent::Staff if m.staff_pin => {
            super::staff::open_pin(m, AfterPin::Menu);
            Vec::new()
        }
        Intent::ReleaseCarryOn if !m.staff_pin => {
            release(m, flag, at, Releaser::Operator, ReleaseAction::CarryOn)
        }
        Intent::ReleaseEnd if !m.staff_pin => {
            release(m, flag, at, Releaser::Operator, ReleaseAction::EndHere)
        }
        _ => Vec::new(),
    }
}

/// Releases the pause: the patient carries on, or the questionnaire ends after `at` (then the
/// confirm screen; at a kiosk the record is stored at once by the caller). Audited.
pub fn release(
    m: &mut Model<'_>,
    flag: FlagIdx,
    at: ItemIdx,
    by: Releaser,
    action: ReleaseAction,
) -> Vec<Effect> {
    m.session.release_pause(flag, by, action);
    let q = m.session.questionnaire();
    let mut effects = vec![Effect::Audit {
        event: AuditEvent::PauseReleased,
        detail: format!("{} {} {}", q.flag_at(flag).id, by.as_str(), action.as_str()),
    }];
    match action {
        ReleaseAction::CarryOn => effects.extend(step::advance(m, crate::engine::Step::base(at))),
        ReleaseAction::EndHere => {
            effects.extend(end_here(m, at));
        }
    }
    effects
}

/// Staff end the questionnaire after `at`: later questions are not asked, the outcome is NOT
/// ASSESSED, and the record is stored at once (nothing left for an interruption to lose).
/// Audited.
pub fn end_here(m: &mut Model<'_>, at: ItemIdx) -> Vec<Effect> {
    m.session.end_after(at);
    m.back_to_review = None;
    m.show(Screen::Confirm);
    vec![
        Effect::Audit {
            event: AuditEvent::EndedByStaff,
            detail: m.session.questionnaire().item(at).id.clone(),
        },
        Effect::Complete,
    ]
}

/// The line under the support message: what became of the staff alert.
fn alert_line(m: &Model<'_>, flag: FlagIdx) -> &'static str {
    match m.session.latch(flag).and_then(|l| l.alert.as_ref()) {
        Some(AlertStatus::Sent { .. }) => strings::PAUSE_ALERT_SENT,
        Some(AlertStatus::Pending) => strings::PAUSE_ALERT_PENDING,
        // Failed, none configured, or not started: the patient must tell someone.
        _ => strings::PAUSE_TELL_STAFF,
    }
}

pub fn view(m: &Model<'_>, f: &mut Frame, area: Rect, hits: &mut HitMap, flag: FlagIdx) {
    let q = m.session.questionnaire();
    theme::header(
        f,
        Rect { height: 1, ..area },
        &q.meta.title,
        strings::PAGE_TITLE_PAUSE,
    );
    let body = Rect {
        x: area.x + 2,
        y: area.y + 2,
        width: area.width.saturating_sub(4),
        height: area.height.saturating_sub(3),
    };
    let message = q
        .flags
        .get(flag.to_usize())
        .and_then(|f| f.message.as_deref())
        .unwrap_or(strings::PAUSE_TITLE);
    let staff_text = match (m.kiosk.is_some(), m.staff_pin) {
        (true, _) => String::new(),
        (false, true) => m.keys_hint(strings::PAUSE_STAFF_PIN),
        (false, false) => m.keys_hint(strings::PAUSE_STAFF_RUN),
    };
    let staff_text = staff_text.as_str();
    // The support message (with its phone numbers) comes first and is never cut; at small
    // sizes the title and blank lines go, and whatever still does not fit scrolls.
    let roomy = area.height >= 16;
    let mut parts: Vec<(&str, ratatui::style::Style)> = Vec::new();
    if roomy {
        parts.push((strings::PAUSE_TITLE, theme::bold()));
        parts.push(("", theme::dim()));
    }
    parts.push((message, theme::bold()));
    if roomy {
        parts.push(("", theme::dim()));
    }
    parts.push((alert_line(m, flag), theme::bold()));
    if !staff_text.is_empty() {
        parts.push(("", theme::dim()));
        parts.push((staff_text, theme::dim()));
    }
    // Staff at a touch screen open the PIN entry here (F12, or F2 in `triage run`, on a
    // keyboard).
    let mut body = body;
    if m.kiosk.is_some() || m.staff_pin {
        body.height = body.height.saturating_sub(1);
        theme::staff_button(
            f,
            Rect {
                y: area.y + area.height - 1,
                height: 1,
                ..area
            },
            hits,
        );
    }
    let heights: Vec<u16> = parts
        .iter()
        .map(|(t, _)| theme::text_height(t, body.width).max(1))
        .collect();
    let content: u16 = heights.iter().sum();
    let drawn = theme::viewport(
        f,
        body,
        content,
        m.viewport.get(),
        false,
        hits,
        |f, r, _| {
            let mut y = r.y;
            for ((text, style), h) in parts.iter().zip(&heights) {
                f.render_widget(theme::paragraph(text, *style), Rect { y, height: *h, ..r });
                y += h;
            }
        },
    );
    m.viewport.set(drawn);
}
