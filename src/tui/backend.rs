//! A ratatui backend for crossterm that remembers the terminal's state between frames, so it
//! never re-sends what the terminal already has: no colour and attribute reset after every frame,
//! no "hide cursor" when the cursor is hidden. A focus move then writes a few dozen bytes, which
//! matters on slow serial kiosk links and keeps key-to-frame latency low.

use std::io::{self, Write};

use crossterm::cursor::{Hide, MoveTo, Show};
use crossterm::queue;
use crossterm::style::{Attribute, Print, SetAttribute, SetBackgroundColor, SetForegroundColor};
use crossterm::terminal::{self, Clear, ClearType as CtClearType};
use ratatui::backend::{Backend, ClearType, IntoCrossterm, WindowSize};
use ratatui::buffer::Cell;
use ratatui::layout::{Position, Size};
use ratatui::style::{Color, Modifier};

pub struct LeanBackend<W: Write> {
    out: W,
    fg: Color,
    bg: Color,
    modifier: Modifier,
    cursor_visible: Option<bool>,
}

impl<W: Write> LeanBackend<W> {
    pub fn new(out: W) -> Self {
        LeanBackend {
            out,
            fg: Color::Reset,
            bg: Color::Reset,
            modifier: Modifier::empty(),
            cursor_visible: None,
        }
    }

    /// Writes raw bytes (the bell).
    pub fn write_raw(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.out.write_all(bytes)?;
        self.out.flush()
    }

    fn set_modifier(&mut self, to: Modifier) -> io::Result<()> {
        if to == self.modifier {
            return Ok(());
        }
        if !(self.modifier - to).is_empty() {
            // Something must be switched off: reset, then switch on what is wanted.
            queue!(self.out, SetAttribute(Attribute::Reset))?;
            self.modifier = Modifier::empty();
            self.fg = Color::Reset;
            self.bg = Color::Reset;
        }
        let table = [
            (Modifier::BOLD, Attribute::Bold),
            (Modifier::DIM, Attribute::Dim),
            (Modifier::ITALIC, Attribute::Italic),
            (Modifier::UNDERLINED, Attribute::Underlined),
            (Modifier::SLOW_BLINK, Attribute::SlowBlink),
            (Modifier::RAPID_BLINK, Attribute::RapidBlink),
            (Modifier::REVERSED, Attribute::Reverse),
            (Modifier::HIDDEN, Attribute::Hidden),
            (Modifier::CROSSED_OUT, Attribute::CrossedOut),
        ];
        for (m, a) in table {
            if to.contains(m) && !self.modifier.contains(m) {
                queue!(self.out, SetAttribute(a))?;
            }
        }
        self.modifier = to;
        Ok(())
    }
}

impl<W: Write> Backend for LeanBackend<W> {
    type Error = io::Error;

    fn draw<'a, I>(&mut self, content: I) -> io::Result<()>
    where
        I: Iterator<Item = (u16, u16, &'a Cell)>,
    {
        let mut last: Option<(u16, u16)> = None;
        for (x, y, cell) in content {
            if !matches!(last, Some((lx, ly)) if x == lx + 1 && y == ly) {
                queue!(self.out, MoveTo(x, y))?;
            }
            last = Some((x, y));
            self.set_modifier(cell.modifier)?;
            if cell.fg != self.fg {
                queue!(self.out, SetForegroundColor(cell.fg.into_crossterm()))?;
                self.fg = cell.fg;
            }
            if cell.bg != self.bg {
                queue!(self.out, SetBackgroundColor(cell.bg.into_crossterm()))?;
                self.bg = cell.bg;
            }
            queue!(self.out, Print(cell.symbol()))?;
        }
        Ok(())
    }

    fn hide_cursor(&mut self) -> io::Result<()> {
        if self.cursor_visible != Some(false) {
            queue!(self.out, Hide)?;
            self.cursor_visible = Some(false);
        }
        Ok(())
    }

    fn show_cursor(&mut self) -> io::Result<()> {
        if self.cursor_visible != Some(true) {
            queue!(self.out, Show)?;
            self.cursor_visible = Some(true);
        }
        Ok(())
    }

    fn get_cursor_position(&mut self) -> io::Result<Position> {
        crossterm::cursor::position().map(|(x, y)| Position { x, y })
    }

    fn set_cursor_position<P: Into<Position>>(&mut self, position: P) -> io::Result<()> {
        let p = position.into();
        queue!(self.out, MoveTo(p.x, p.y))
    }

    fn clear(&mut self) -> io::Result<()> {
        self.set_modifier(Modifier::empty())?;
        queue!(
            self.out,
            SetForegroundColor(crossterm::style::Color::Reset),
            SetBackgroundColor(crossterm::style::Color::Reset),
            Clear(CtClearType::All)
        )?;
        self.fg = Color::Reset;
        self.bg = Color::Reset;
        Ok(())
    }

    fn clear_region(&mut self, clear_type: ClearType) -> io::Result<()> {
        let t = match clear_type {
            ClearType::All => CtClearType::All,
            ClearType::AfterCursor => CtClearType::FromCursorDown,
            ClearType::BeforeCursor => CtClearType::FromCursorUp,
            ClearType::CurrentLine => CtClearType::CurrentLine,
            ClearType::UntilNewLine => CtClearType::UntilNewLine,
        };
        queue!(self.out, Clear(t))
    }

    fn size(&self) -> io::Result<Size> {
        let (width, height) = terminal::size()?;
        Ok(Size { width, height })
    }

    fn window_size(&mut self) -> io::Result<WindowSize> {
        let w = terminal::window_size()?;
        Ok(WindowSize {
            columns_rows: Size {
                width: w.columns,
                height: w.rows,
            },
            pixels: Size {
                width: w.width,
                height: w.height,
            },
        })
    }

    fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ratatui::Terminal;
    use ratatui::widgets::Paragraph;

    fn frame(t: &mut Terminal<LeanBackend<Vec<u8>>>, focus: usize) -> usize {
        let before = t.backend().out.len();
        t.draw(|f| {
            for i in 0..3u16 {
                let style = if usize::from(i) == focus {
                    ratatui::style::Style::default().add_modifier(Modifier::BOLD)
                } else {
                    ratatui::style::Style::default()
                };
                let marker = if usize::from(i) == focus { "►" } else { " " };
                f.render_widget(
                    Paragraph::new(format!("{marker}( ) {i} Option")).style(style),
                    ratatui::layout::Rect::new(0, i * 3, 20, 1),
                );
            }
        })
        .expect("draw");
        t.backend().out.len() - before
    }

    /// A repeated frame writes nothing at all; a focus move writes only the changed cells.
    #[test]
    fn only_changes_are_written() {
        let mut t = Terminal::with_options(
            LeanBackend::new(Vec::new()),
            ratatui::TerminalOptions {
                viewport: ratatui::Viewport::Fixed(ratatui::layout::Rect::new(0, 0, 20, 9)),
            },
        )
        .expect("terminal");
        frame(&mut t, 0);
        assert_eq!(frame(&mut t, 0), 0, "an unchanged frame writes no bytes");
        let moved = frame(&mut t, 1);
        assert!(moved < 60, "a focus move wrote {moved} bytes");
    }
}
