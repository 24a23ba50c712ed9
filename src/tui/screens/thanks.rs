//! The end: the questionnaire's closing words; the same for everyone, whatever the outcome. In
//! run mode Enter finishes; at a kiosk the welcome screen returns on its own (or on a key), and
//! the finished patient is already gone from memory.

use ratatui::Frame;
use ratatui::layout::Rect;

use crate::strings;
use crate::tui::model::{Action, Effect, HitMap, Intent, Model, Msg, Screen, Target};
use crate::tui::theme;

/// At a kiosk, input in the first moments of the thank-you screen is ignored: it belongs to the
/// patient who just sent, not to the next one.
pub const SETTLE: std::time::Duration = std::time::Duration::from_millis(1500);

/// Whether the kiosk's thank-you screen has been up for [`SETTLE`] (input is taken again).
pub fn settled(m: &Model<'_>) -> bool {
    m.kiosk
        .as_ref()
        .and_then(|k| k.thanks_since)
        .is_none_or(|t| {
            std::time::Duration::try_from(m.now.duration_since(t)).unwrap_or_default() >= SETTLE
        })
}

pub fn update(m: &mut Model<'_>, msg: Msg) -> Vec<Effect> {
    let finish = matches!(
        msg,
        Msg::Intent(Intent::Confirm) | Msg::Tap(Target::Button(Action::Finish))
    );
    match (finish, m.kiosk.is_some()) {
        (true, true) => {
            m.show(Screen::Welcome);
            Vec::new()
        }
        (true, false) => vec![Effect::Quit],
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
    // The questionnaire's closing words are for the patient; reception (reading the questions
    // out, or typing in a paper form) is told what happened in its own words.
    let finish = if m.mode.is_staff() {
        strings::THANKS_STAFF
    } else {
        q.meta.finish.as_deref().unwrap_or(strings::THANKS_DEFAULT)
    };
    // In a small window the staff line comes first: the closing words give way to it.
    let room_w = body.width;
    let room_h = area
        .height
        .saturating_sub(2 + 2 + if area.height >= 16 { 4 } else { 2 });
    let text = match (m.kiosk.is_some(), m.record) {
        (true, _) if settled(m) => format!(
            "{finish}\n\n{}\n\n{}",
            strings::THANKS_KIOSK,
            m.keys_hint(strings::THANKS_KIOSK_NEXT)
        ),
        (true, _) => format!("{finish}\n\n{}", strings::THANKS_KIOSK),
        // The doctor's page will not be printed on this screen: say where staff find it.
        (false, Some(record)) if !m.page_to_stdout => {
            let whole = format!("{finish}\n\n{}", strings::thanks_saved(record));
            [whole, strings::thanks_saved(record)]
                .into_iter()
                .find(|t| theme::text_height(t, room_w) <= room_h)
                .unwrap_or_else(|| strings::thanks_staff_line(record))
        }
        (false, _) => finish.to_owned(),
    };
    let (_, row) = theme::dialog(f, area, body, strings::THANKS_TITLE, &text);
    let bw = body.width.min(30);
    let b = Rect {
        x: body.x + (body.width - bw) / 2,
        width: bw,
        ..row
    };
    if m.kiosk.is_none() {
        theme::button(
            f,
            b,
            &m.keys_hint(strings::THANKS_RUN_HINT),
            true,
            hits,
            Action::Finish,
        );
    }
}
