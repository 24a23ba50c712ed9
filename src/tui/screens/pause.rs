//! A safety disclosure (a `pause` flag): the questionnaire's support message, and nothing else
//! until a member of staff continues (F2) or ends the questionnaire here (F10).

use crossterm::event::KeyCode;
use ratatui::Frame;
use ratatui::layout::Rect;

use crate::questionnaire::ItemIdx;
use crate::strings;
use crate::tui::model::{Action, Effect, HitMap, Model, Msg, Screen};
use crate::tui::screens::step;
use crate::tui::theme;

pub fn update(m: &mut Model<'_>, flag: u32, at: ItemIdx, msg: Msg) -> Vec<Effect> {
    if m.kiosk.is_some() {
        // At a kiosk only staff (F12, PIN, staff menu) can carry on or end the session.
        return Vec::new();
    }
    let action = match msg {
        Msg::Key(k) if k.code == KeyCode::F(2) => Some(Action::StaffContinue),
        Msg::Key(k) if k.code == KeyCode::F(10) => Some(Action::StaffEnd),
        _ => None,
    };
    match action {
        Some(Action::StaffContinue) => {
            m.session.acknowledge_pause(flag);
            step::advance(m, at)
        }
        Some(Action::StaffEnd) => {
            m.session.acknowledge_pause(flag);
            m.session.end_after(at);
            m.back_to_review = false;
            m.screen = Screen::Confirm;
            Vec::new()
        }
        _ => Vec::new(),
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
    let text = q
        .flags
        .get(flag as usize)
        .and_then(|f| f.message.as_deref())
        .unwrap_or(strings::PAUSE_TITLE);
    let th = theme::text_height(strings::PAUSE_TITLE, body.width);
    f.render_widget(
        theme::paragraph(strings::PAUSE_TITLE, theme::bold()),
        Rect {
            height: th.min(body.height),
            ..body
        },
    );
    let staff_text = if m.kiosk.is_some() {
        strings::PAUSE_STAFF_KIOSK
    } else {
        strings::PAUSE_STAFF_RUN
    };
    let staff_h = theme::text_height(staff_text, body.width);
    f.render_widget(
        theme::paragraph(text, theme::bold()),
        Rect {
            y: body.y + th + 1,
            height: body.height.saturating_sub(th + 1 + staff_h + 1),
            ..body
        },
    );
    f.render_widget(
        theme::paragraph(staff_text, theme::dim()),
        Rect {
            y: body.y + body.height.saturating_sub(staff_h),
            height: staff_h.min(body.height),
            ..body
        },
    );
}
