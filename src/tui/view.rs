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
        Screen::Resume { .. } => screens::resume::view(m, f, area, &mut hits),
        Screen::Step(item) => screens::step::view(m, f, area, &mut hits, *item),
        Screen::Review { focus } => screens::review::view(m, f, area, &mut hits, *focus),
        Screen::Confirm => screens::confirm::view(m, f, area, &mut hits),
        Screen::Pause { flag, .. } => screens::pause::view(m, f, area, &mut hits, *flag),
        Screen::Thanks => screens::thanks::view(m, f, area, &mut hits),
    }
    hits
}
