//! The first screen: what this is, roughly how long it takes, and Start.

use ratatui::Frame;
use ratatui::layout::Rect;

use crate::strings;
use crate::tui::model::{Action, Effect, HitMap, Intent, Model, Msg, Target};
use crate::tui::theme;

pub fn update(m: &mut Model<'_>, msg: Msg) -> Vec<Effect> {
    // A welcome text too long for a small window scrolls.
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
    let start = matches!(
        msg,
        Msg::Intent(Intent::Next) | Msg::Tap(Target::Button(Action::Start))
    );
    if !start {
        return Vec::new();
    }
    // The draft is created with the first saved answer, so the first question shows at once.
    match m.session.next_step(None) {
        Some(first) => m.go_to(first),
        None => super::review::arrive(m, None),
    }
    Vec::new()
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
    let mut text = String::new();
    if let Some(w) = &q.meta.welcome {
        text.push_str(w);
    }
    if let Some(min) = q.meta.minutes {
        text.push_str("\n\n");
        text.push_str(&strings::minutes(min));
    }
    let button_h = if area.height >= 16 { 3 } else { 1 };
    let title_h = theme::text_height(&q.meta.title, body.width);
    f.render_widget(
        theme::paragraph(&q.meta.title, theme::bold()),
        Rect {
            height: title_h.min(body.height),
            ..body
        },
    );
    let y = body.y + title_h + 1;
    let text_h = body.height.saturating_sub(title_h + 1 + button_h + 2);
    let drawn = theme::viewport(
        f,
        Rect {
            y,
            height: text_h,
            ..body
        },
        theme::text_height(&text, body.width),
        m.viewport.get(),
        false,
        hits,
        |f, r, _| f.render_widget(theme::paragraph(&text, ratatui::style::Style::default()), r),
    );
    m.viewport.set(drawn);
    let bw = body.width.min(30);
    let b = Rect {
        x: body.x + (body.width - bw) / 2,
        y: area.y + area.height.saturating_sub(button_h + 1),
        width: bw,
        height: button_h,
    };
    theme::button(
        f,
        b,
        &format!("{} →", strings::START),
        true,
        hits,
        Action::Start,
    );
    if m.kiosk.is_some() {
        // Staff at a touch-only kiosk open the PIN entry here (F12 on a keyboard).
        theme::staff_button(f, Rect { height: 1, ..area }, hits);
    }
    // A problem for staff (a summary that did not print) on the last line, small.
    let notice = m
        .kiosk
        .as_ref()
        .and_then(|k| k.staff_notice.as_deref())
        .or(m.notice.as_deref());
    if let Some(notice) = notice {
        let h = theme::text_height(notice, area.width).min(2);
        let r = Rect {
            y: area.y + area.height - h,
            height: h,
            ..area
        };
        f.render_widget(theme::paragraph(notice, theme::dim()), r);
    }
}
