//! A safety disclosure (a `pause` flag): the questionnaire's support message, what became of the
//! staff alert (told honestly: "has been told" only once the alert command succeeded), and
//! nothing else until it is released. With a staff PIN set (any mode) only staff can release it
//! (F2 or F12, then the PIN, then the staff menu); in `triage run` with no PIN, F2 carries on and
//! F10 ends the questionnaire there, and the record says no PIN was checked.

use crossterm::event::KeyCode;
use ratatui::Frame;
use ratatui::layout::Rect;

use crate::engine::{AlertStatus, ReleaseAction, Releaser};
use crate::questionnaire::ItemIdx;
use crate::store::AuditEvent;
use crate::strings;
use crate::tui::model::{AfterPin, Effect, HitMap, Model, Msg, Screen};
use crate::tui::screens::step;
use crate::tui::theme;

/// Shows the pause for `flag` after `at`, rings, audits it and asks for the staff alert.
pub fn enter(m: &mut Model<'_>, flag: u32, at: ItemIdx) -> Vec<Effect> {
    m.screen = Screen::Pause { flag, at };
    m.message = None;
    let id = m.session.questionnaire().flags[flag as usize].id.clone();
    vec![
        Effect::Bell,
        Effect::Audit {
            event: AuditEvent::Paused,
            detail: id,
        },
        Effect::Alert { flag },
    ]
}

pub fn update(m: &mut Model<'_>, flag: u32, at: ItemIdx, msg: Msg) -> Vec<Effect> {
    if m.kiosk.is_some() {
        // At a kiosk only staff (F12, PIN, staff menu) can carry on or end the session.
        return Vec::new();
    }
    let Msg::Key(k) = msg else { return Vec::new() };
    if m.staff_pin {
        if matches!(k.code, KeyCode::F(2) | KeyCode::F(10) | KeyCode::F(12)) {
            super::staff::open_pin(m, AfterPin::Menu);
        }
        return Vec::new();
    }
    match k.code {
        KeyCode::F(2) => release(m, flag, at, Releaser::Operator, ReleaseAction::CarryOn),
        KeyCode::F(10) => release(m, flag, at, Releaser::Operator, ReleaseAction::EndHere),
        _ => Vec::new(),
    }
}

/// Releases the pause: the patient carries on, or the questionnaire ends after `at` (then the
/// confirm screen; at a kiosk the record is stored at once by the caller). Audited.
pub fn release(
    m: &mut Model<'_>,
    flag: u32,
    at: ItemIdx,
    by: Releaser,
    action: ReleaseAction,
) -> Vec<Effect> {
    m.session.release_pause(flag, by, action);
    let q = m.session.questionnaire();
    let mut effects = vec![Effect::Audit {
        event: AuditEvent::PauseReleased,
        detail: format!(
            "{} {} {}",
            q.flags[flag as usize].id,
            by.as_str(),
            action.as_str()
        ),
    }];
    match action {
        ReleaseAction::CarryOn => effects.extend(step::advance(m, crate::engine::Step::base(at))),
        ReleaseAction::EndHere => {
            effects.extend(end_here(m, at));
        }
    }
    effects
}

/// Staff end the questionnaire after `at`: later questions are not asked and the outcome is
/// NOT ASSESSED. Audited; the confirm screen follows.
pub fn end_here(m: &mut Model<'_>, at: ItemIdx) -> Vec<Effect> {
    m.session.end_after(at);
    m.back_to_review = false;
    m.screen = Screen::Confirm;
    m.message = None;
    vec![Effect::Audit {
        event: AuditEvent::EndedByStaff,
        detail: m.session.questionnaire().item(at).id.clone(),
    }]
}

/// The line under the support message: what became of the staff alert.
fn alert_line(m: &Model<'_>, flag: u32) -> &'static str {
    match m.session.latch(flag).and_then(|l| l.alert.as_ref()) {
        Some(AlertStatus::Sent { .. }) => strings::PAUSE_ALERT_SENT,
        Some(AlertStatus::Pending) => strings::PAUSE_ALERT_PENDING,
        // Failed, none configured, or not started: the patient must tell someone.
        _ => strings::PAUSE_TELL_STAFF,
    }
}

pub fn view(m: &Model<'_>, f: &mut Frame, area: Rect, _hits: &mut HitMap, flag: u32) {
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
        .get(flag as usize)
        .and_then(|f| f.message.as_deref())
        .unwrap_or(strings::PAUSE_TITLE);
    let text = format!("{message}\n\n{}", alert_line(m, flag));
    let th = theme::text_height(strings::PAUSE_TITLE, body.width);
    f.render_widget(
        theme::paragraph(strings::PAUSE_TITLE, theme::bold()),
        Rect {
            height: th.min(body.height),
            ..body
        },
    );
    let staff_text = match (m.kiosk.is_some(), m.staff_pin) {
        (true, _) => "",
        (false, true) => strings::PAUSE_STAFF_PIN,
        (false, false) => strings::PAUSE_STAFF_RUN,
    };
    let staff_h = if staff_text.is_empty() {
        0
    } else {
        theme::text_height(staff_text, body.width)
    };
    f.render_widget(
        theme::paragraph(&text, theme::bold()),
        Rect {
            y: body.y + th + 1,
            height: body.height.saturating_sub(th + 1 + staff_h + 1),
            ..body
        },
    );
    if staff_h > 0 {
        f.render_widget(
            theme::paragraph(staff_text, theme::dim()),
            Rect {
                y: body.y + body.height.saturating_sub(staff_h),
                height: staff_h.min(body.height),
                ..body
            },
        );
    }
}
