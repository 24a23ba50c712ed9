//! `view(&Model, &mut Frame) -> HitMap`: draws the current screen and returns where its tap
//! targets are. It never changes the model. Below 40x12 it asks for a larger window.

use ratatui::Frame;
use ratatui::layout::Rect;

use super::model::{HitMap, Model, Screen};
use super::screens;
use super::theme;
use crate::strings;

/// The smallest size the questionnaire is drawn at.
pub const MIN_WIDTH: u16 = 40;
pub const MIN_HEIGHT: u16 = 12;

pub fn view(m: &Model<'_>, f: &mut Frame) -> HitMap {
    let area = f.area();
    let mut hits = HitMap::default();
    if area.width < MIN_WIDTH || area.height < MIN_HEIGHT {
        let h = theme::text_height(strings::TOO_SMALL, area.width).min(area.height);
        f.render_widget(
            theme::paragraph(strings::TOO_SMALL, theme::bold()),
            Rect { height: h, ..area },
        );
        return hits;
    }
    match &m.screen {
        Screen::Welcome => screens::welcome::view(m, f, area, &mut hits),
        Screen::Resume { .. } | Screen::ResumeDob { .. } => {
            screens::resume::view(m, f, area, &mut hits);
        }
        Screen::Step(step) => screens::step::view(m, f, area, &mut hits, *step),
        Screen::Review { focus } => screens::review::view(m, f, area, &mut hits, *focus),
        Screen::Confirm => screens::confirm::view(m, f, area, &mut hits),
        Screen::Pause { flag, .. } => screens::pause::view(m, f, area, &mut hits, *flag),
        Screen::Thanks => screens::thanks::view(m, f, area, &mut hits),
        Screen::StaffPin { .. } | Screen::StaffMenu { .. } => {
            screens::staff::view(m, f, area, &mut hits);
        }
        Screen::Sections { focus, .. } => screens::sections::view(m, f, area, &mut hits, *focus),
        Screen::Intake { focus } => screens::intake::view(m, f, area, &mut hits, *focus),
        Screen::Form { .. } => screens::form::view(m, f, area, &mut hits),
    }
    if super::update::idle_warning_showing_for(m) {
        // Over everything: the question for whoever is (or is not) there, and the countdown.
        if let Some(k) = &m.kiosk {
            let remaining = k.idle_reset.saturating_sub(k.idle_for(m.now));
            // Whole seconds, rounded up: "1 second" until it is gone.
            let left = remaining.as_secs() + u64::from(remaining.subsec_nanos() > 0);
            let text = strings::fill(strings::IDLE_TEXT, left);
            let w = area.width.saturating_sub(4).min(60);
            let h = (theme::text_height(&text, w.saturating_sub(2)) + 2).min(area.height);
            let r = Rect {
                x: area.x + (area.width - w) / 2,
                y: area.y + (area.height - h) / 2,
                width: w,
                height: h,
            };
            theme::overlay(f, r, strings::IDLE_TITLE, &text);
        }
        // Any tap anywhere answers "I'm still here".
        hits.targets.clear();
    }
    hits
}
