//! "Ready to send?": the last chance to go back before the record is stored.

use ratatui::Frame;
use ratatui::layout::Rect;

use crate::strings;
use crate::tui::model::{Action, Effect, HitMap, Intent, Model, Msg, Target};
use crate::tui::theme;

pub fn update(m: &mut Model<'_>, msg: Msg) -> Vec<Effect> {
    let action = match msg {
        Msg::Intent(Intent::Confirm) => Some(Action::ConfirmSend),
        Msg::Intent(Intent::Back) => Some(Action::ConfirmBack),
        Msg::Tap(Target::Button(a)) => Some(a),
        _ => None,
    };
    match action {
        Some(Action::ConfirmSend) => vec![Effect::Complete],
        Some(Action::ConfirmBack) => {
            super::review::arrive(m, None);
            Vec::new()
        }
        _ => Vec::new(),
    }
}

pub fn view(m: &Model<'_>, f: &mut Frame, area: Rect, hits: &mut HitMap) {
    let q = m.session.questionnaire();
    theme::header(f, Rect { height: 1, ..area }, &q.meta.title, "");
    let body = Rect {
        x: area.x + 2,
        y: area.y + 2,
        width: area.width.saturating_sub(4),
        height: area.height.saturating_sub(2),
    };
    let (text, row) = theme::dialog(f, area, body, strings::CONFIRM_TITLE, strings::CONFIRM_TEXT);
    if let Some(p) = &m.save_problem {
        let h = theme::text_height(p, body.width).min(text.height);
        theme::message(
            f,
            Rect {
                y: text.y + text.height.saturating_sub(h),
                height: h,
                ..body
            },
            p,
        );
    }
    let back = format!("← {}", strings::CONFIRM_BACK);
    let send = format!("{} →", strings::CONFIRM_SEND);
    theme::button_row(
        f,
        row,
        &[
            (back.as_str(), Action::ConfirmBack, false),
            (send.as_str(), Action::ConfirmSend, true),
        ],
        hits,
    );
}
