//! Draws a walk-through model with ratatui's TestBackend and reads the screen back as text
//! (any drawn buffer, with [`text`]).

use ratatui::Terminal;
use ratatui::backend::TestBackend;
use triage::tui::{HitMap, Model, view};

/// Draws the model and returns the screen as text (one line per row) and the hit map.
pub fn draw(m: &Model<'_>, w: u16, h: u16) -> (String, HitMap) {
    let mut terminal = Terminal::new(TestBackend::new(w, h)).expect("terminal");
    let mut hits = HitMap::default();
    terminal.draw(|f| hits = view(m, f)).expect("draw");
    (text(terminal.backend().buffer()), hits)
}

/// A drawn buffer as text, one line per row, trailing spaces dropped.
pub fn text(buf: &ratatui::buffer::Buffer) -> String {
    let area = buf.area;
    let mut out = String::new();
    for y in area.y..area.y + area.height {
        // A wide character fills two cells; the second holds a placeholder to skip.
        let mut line = String::new();
        let mut skip = 0;
        for x in area.x..area.x + area.width {
            if skip > 0 {
                skip -= 1;
                continue;
            }
            let sym = buf[(x, y)].symbol();
            skip = unicode_width::UnicodeWidthStr::width(sym).saturating_sub(1);
            line.push_str(sym);
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}
