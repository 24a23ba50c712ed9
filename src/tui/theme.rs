//! Drawing helpers shared by the screens: high contrast, focus shown by a thick border, a `›`
//! marker and reverse video (never by colour alone), no blinking. Buttons and options are tap
//! targets at least three rows tall, recorded in the hit map as they are drawn.

use ratatui::Frame;
use ratatui::layout::{Alignment, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Borders, Clear, Paragraph, Wrap};
use unicode_width::UnicodeWidthStr;

pub use super::surface::Viewport;
use super::surface::{Action, HitMap, Target, cells};

pub fn bold() -> Style {
    Style::default().add_modifier(Modifier::BOLD)
}

pub fn focused() -> Style {
    Style::default().add_modifier(Modifier::BOLD | Modifier::REVERSED)
}

pub fn dim() -> Style {
    Style::default()
}

/// How many rows `text` takes wrapped to `width` (word wrap, as `Paragraph` does).
pub fn text_height(text: &str, width: u16) -> u16 {
    if width == 0 {
        return 0;
    }
    text.split('\n')
        .map(|para| cells(textwrap::wrap(para, width as usize).len().max(1)))
        .sum()
}

/// Wrapped text in a style.
/// A dialog screen's body: a bold title, then `text`, with room kept for a row of buttons at the
/// bottom of `area`. Draws both; returns the text's area and the button row's.
pub fn dialog(f: &mut Frame, area: Rect, body: Rect, title: &str, text: &str) -> (Rect, Rect) {
    let th = text_height(title, body.width);
    f.render_widget(
        paragraph(title, bold()),
        Rect {
            height: th.min(body.height),
            ..body
        },
    );
    let button_h = if area.height >= 16 { 3 } else { 1 };
    let text_area = Rect {
        y: body.y + th + 1,
        height: body.height.saturating_sub(th + 1 + button_h + 1),
        ..body
    };
    f.render_widget(paragraph(text, Style::default()), text_area);
    let row = Rect {
        y: area.y + area.height.saturating_sub(button_h + 1),
        height: button_h,
        ..body
    };
    (text_area, row)
}

/// `text` cut to `width` columns, ending in "…" when cut.
pub fn ellipsize(text: &str, width: usize) -> String {
    if text.width() <= width {
        return text.to_owned();
    }
    let mut cut = String::new();
    for ch in text.chars() {
        if cut.width() + ch.to_string().width() + 1 > width {
            break;
        }
        cut.push(ch);
    }
    format!("{cut}…")
}

pub fn paragraph(text: &str, style: Style) -> Paragraph<'_> {
    Paragraph::new(text).style(style).wrap(Wrap { trim: false })
}

/// The top bar: title on the left, where we are on the right, in reverse video.
pub fn header(f: &mut Frame, area: Rect, title: &str, right: &str) {
    let w = area.width as usize;
    let right_w = right.width();
    let room = w.saturating_sub(right_w + 3);
    let mut t = String::new();
    for ch in title.chars() {
        if (t.clone() + &ch.to_string()).width() > room {
            break;
        }
        t.push(ch);
    }
    let pad = w.saturating_sub(t.width() + right_w + 2);
    let line = format!(" {t}{}{right} ", " ".repeat(pad));
    f.render_widget(Paragraph::new(line).style(focused()), area);
}

/// A progress bar of `done` out of `total` across the area, with no colour needed to read it.
pub fn progress(f: &mut Frame, area: Rect, done: usize, total: usize) {
    let w = area.width as usize;
    let filled = (w * done.min(total)).checked_div(total).unwrap_or(0);
    let bar: String = "█".repeat(filled) + &"░".repeat(w - filled);
    f.render_widget(Paragraph::new(bar), area);
}

/// A button's label as drawn: the focused button is the one Enter presses, and says so
/// ("► Next (Enter) →"), so every screen tells on itself what Enter will do.
pub fn button_text(label: &str, is_focused: bool) -> String {
    if !is_focused {
        return label.to_owned();
    }
    let label = if label.contains(crate::strings::ENTER_KEY) {
        label.to_owned()
    } else {
        match label.strip_suffix(" →") {
            Some(l) => format!("{l} {} →", crate::strings::ENTER_MARK),
            None => format!("{label} {}", crate::strings::ENTER_MARK),
        }
    };
    format!("► {label}")
}

/// Columns a button needs to show its whole label: inside a box (three rows or more) or
/// between brackets (one row).
fn button_width(label: &str, is_focused: bool, height: u16) -> u16 {
    let text = cells(button_text(label, is_focused).width());
    if height >= 3 { text + 4 } else { text + 2 }
}

/// A button: a bordered box, thick when focused, recorded as a tap target.
pub fn button(
    f: &mut Frame,
    area: Rect,
    label: &str,
    is_focused: bool,
    hits: &mut HitMap,
    action: Action,
) {
    if area.width < 3 || area.height == 0 {
        return;
    }
    let style = if is_focused { focused() } else { bold() };
    let text = button_text(label, is_focused);
    if area.height >= 3 {
        let block = Block::default()
            .borders(Borders::ALL)
            .border_type(if is_focused {
                BorderType::Thick
            } else {
                BorderType::Plain
            });
        f.render_widget(
            Paragraph::new(text)
                .style(style)
                .alignment(Alignment::Center)
                .block(block),
            area,
        );
    } else {
        f.render_widget(
            Paragraph::new(format!("[{text}]"))
                .style(style)
                .alignment(Alignment::Center),
            area,
        );
    }
    hits.add(area, Target::Button(action));
}

/// Lays buttons out in one row across `area`: equal widths when every label fits that way,
/// else each as wide as its label needs plus an equal share of what is left (so "Next (Enter)"
/// is never cut at 40 columns); equal widths again when even that does not fit.
pub fn button_row(f: &mut Frame, area: Rect, buttons: &[(&str, Action, bool)], hits: &mut HitMap) {
    if buttons.is_empty() || area.width == 0 {
        return;
    }
    let n = cells(buttons.len());
    let gap = if area.width >= 40 { 2 } else { 1 };
    let room = area.width.saturating_sub(gap * (n - 1));
    let equal = room / n;
    let needs: Vec<u16> = buttons
        .iter()
        .map(|(label, _, focus)| button_width(label, *focus, area.height))
        .collect();
    let total: u16 = needs.iter().sum();
    let widths: Vec<u16> = if needs.iter().all(|&w| w <= equal) || total > room {
        vec![equal; buttons.len()]
    } else {
        let share = (room - total) / n;
        needs.iter().map(|w| w + share).collect()
    };
    let mut x = area.x;
    for (i, ((label, action, is_focused), &w)) in buttons.iter().zip(&widths).enumerate() {
        let r = Rect {
            x,
            y: area.y,
            width: if cells(i) == n - 1 {
                (area.x + area.width).saturating_sub(x)
            } else {
                w
            },
            height: area.height,
        };
        button(f, r, label, *is_focused, hits, *action);
        x += w + gap;
    }
}

/// A small "[Staff]" tap target at the right end of `row` (kiosk): opens the staff PIN entry.
pub fn staff_button(f: &mut Frame, row: Rect, hits: &mut HitMap) {
    let label = format!("[{}]", crate::strings::STAFF_BUTTON);
    let w = cells(label.width()).saturating_add(2).min(row.width);
    let r = Rect {
        x: row.x + row.width - w,
        width: w,
        height: 1,
        ..row
    };
    f.render_widget(
        Paragraph::new(label)
            .style(focused())
            .alignment(Alignment::Center),
        r,
    );
    hits.add(r, Target::Button(Action::Staff));
}

/// One choice option to draw.
pub struct OptionView<'a> {
    /// `(x)`, `( )`, `[x]` or `[ ]`.
    pub marker: &'a str,
    /// Its position in the list (0-based).
    pub index: usize,
    /// The number shown before the label: the key (or typed number) that chooses it, padded
    /// to the list's number column; spaces where no key chooses it.
    pub number: String,
    pub label: &'a str,
    pub focused: bool,
}

impl OptionView<'_> {
    /// The label's style (bold when chosen) and the focus marker.
    fn parts(&self) -> (Style, &'static str) {
        let style = if self.marker.contains('x') {
            bold()
        } else {
            Style::default()
        };
        let lead = if self.focused { "►" } else { " " };
        (style, lead)
    }

    /// As a tap target at least three rows tall: `[x] 1  Label` in a box, the label wrapped
    /// under itself. Focus shows as a bold `►` before the option (the box stays the same, so
    /// moving the focus changes two cells); the chosen option is `(x)` and bold. Neither relies
    /// on colour.
    pub fn boxed(&self, f: &mut Frame, area: Rect, hits: &mut HitMap) {
        let (style, lead) = self.parts();
        let prefix = format!("{lead}{} {}  ", self.marker, self.number);
        let indent = " ".repeat(prefix.width());
        let chunks = wrap_label(self.label, area.width.saturating_sub(2), prefix.width());
        let lines: Vec<Line> = chunks
            .into_iter()
            .enumerate()
            .map(|(i, chunk)| {
                let head = if i == 0 {
                    Span::styled(prefix.clone(), bold())
                } else {
                    Span::raw(indent.clone())
                };
                Line::from(vec![head, Span::styled(chunk, style)])
            })
            .collect();
        let block = Block::default().borders(Borders::ALL);
        f.render_widget(Paragraph::new(lines).block(block), area);
        hits.add(area, Target::Option(self.index));
    }

    /// Without a box, for the smallest windows: `►[x] 1 Label`, the label wrapped under itself
    /// (never cut: the words that decide whether an answer applies must all show).
    pub fn line(&self, f: &mut Frame, area: Rect, hits: &mut HitMap) {
        let (style, lead) = self.parts();
        let lines = line_wrap(
            &format!("{lead}{} {} ", self.marker, self.number),
            self.label,
            area.width,
        );
        f.render_widget(Paragraph::new(lines.join("\n")).style(style), area);
        hits.add(area, Target::Option(self.index));
    }
}

/// A label wrapped to `width` columns less a `prefix` columns wide, every line (the first
/// and the continuations) starting under the label's first letter.
fn wrap_label(label: &str, width: u16, prefix: usize) -> Vec<String> {
    let room = usize::from(width).saturating_sub(prefix).max(1);
    let opts = textwrap::Options::new(room).break_words(true);
    let lines: Vec<String> = textwrap::wrap(label, opts)
        .into_iter()
        .map(std::borrow::Cow::into_owned)
        .collect();
    if lines.is_empty() {
        vec![String::new()]
    } else {
        lines
    }
}

/// An unboxed option's label wrapped to `width` under a `prefix` (the marker and number).
fn line_wrap(prefix: &str, label: &str, width: u16) -> Vec<String> {
    let indent = " ".repeat(prefix.width());
    let opts = textwrap::Options::new(usize::from(width).max(prefix.width() + 1))
        .initial_indent(prefix)
        .subsequent_indent(&indent)
        .break_words(true);
    textwrap::wrap(label, opts)
        .into_iter()
        .map(std::borrow::Cow::into_owned)
        .collect()
}

/// Rows an unboxed option takes at a width (its label wrapped, never cut), with a one-column
/// number.
pub fn line_height(label: &str, width: u16) -> u16 {
    line_height_numbered(label, width, 1)
}

/// [`line_height`] with a number column `number_width` columns wide (two from option 10 up
/// on the paper form).
pub fn line_height_numbered(label: &str, width: u16, number_width: usize) -> u16 {
    let prefix = format!("►[x] {} ", " ".repeat(number_width));
    cells(line_wrap(&prefix, label, width).len()).max(1)
}

/// Height of an option box for a label at a width (borders included, at least 3 rows).
pub fn option_height(label: &str, width: u16) -> u16 {
    let prefix = "►(x) 9  ".width();
    cells(wrap_label(label, width.saturating_sub(2), prefix).len()).saturating_add(2)
}

/// A bordered box drawn over whatever is below (help panel).
pub fn overlay(f: &mut Frame, area: Rect, title: &str, text: &str) {
    f.render_widget(Clear, area);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_type(BorderType::Double)
        .title(Span::styled(format!(" {title} "), bold()));
    f.render_widget(paragraph(text, Style::default()).block(block), area);
}

/// The plain message line (validation, saving problems): bold with a `!` so colour is not needed.
pub fn message(f: &mut Frame, area: Rect, text: &str) {
    f.render_widget(paragraph(&format!("! {text}"), bold()), area);
}

/// Draws content that may be taller than `area` through a window, so everything on a screen
/// stays reachable at the smallest size. `draw` paints the whole content (`content` rows) into
/// an off-screen buffer; the rows from `view.offset` are copied into `area` less its last row,
/// which says "more above" / "more below"; tap targets move with the content and are cut at
/// the window's edges, and the text cursor follows. Content that fits is drawn straight into
/// `area`. With `follow`, the window moves just enough to show the focused element. Returns
/// the viewport as drawn.
pub fn viewport(
    f: &mut Frame,
    area: Rect,
    content: u16,
    view: Viewport,
    follow: bool,
    hits: &mut HitMap,
    draw: impl FnOnce(&mut Frame, Rect, &mut HitMap),
) -> Viewport {
    viewport_with(
        f,
        area,
        content,
        view,
        follow,
        hits,
        crate::strings::MORE_BELOW,
        draw,
    )
}

/// [`viewport`] with its own words for what is below the window (a question's window says
/// "more answers below").
#[allow(clippy::too_many_arguments)]
pub fn viewport_with(
    f: &mut Frame,
    area: Rect,
    content: u16,
    mut view: Viewport,
    follow: bool,
    hits: &mut HitMap,
    below_text: &str,
    draw: impl FnOnce(&mut Frame, Rect, &mut HitMap),
) -> Viewport {
    if content <= area.height || area.height < 2 || area.width == 0 {
        draw(f, area, hits);
        return Viewport {
            offset: 0,
            content,
            height: area.height,
            focus: view.focus,
        };
    }
    view.content = content;
    view.height = area.height - 1;
    if follow && let Some((t, b)) = view.focus {
        if b - t > view.height {
            // Taller than the window: show its top (↓ then scrolls through the rest).
            if view.offset < t || view.offset > b - view.height {
                view.offset = t;
            }
        } else if t < view.offset {
            view.offset = t;
        } else if b > view.offset + view.height {
            view.offset = b.saturating_sub(view.height);
        }
    }
    view.offset = view.offset.min(view.max_offset());
    // The off-screen terminal cannot fail (its backend's error type is uninhabited).
    let Ok(mut canvas) =
        ratatui::Terminal::new(ratatui::backend::TestBackend::new(area.width, content));
    let mut local = HitMap::default();
    let mut cursor = None;
    let drawn = canvas.draw(|cf| {
        draw(cf, Rect::new(0, 0, area.width, content), &mut local);
    });
    if drawn.is_ok()
        && let Ok(p) = canvas.get_cursor_position()
        && canvas.backend().cursor_visible()
    {
        cursor = Some(p);
    }
    let src = canvas.backend().buffer();
    let dst = f.buffer_mut();
    for row in 0..view.height {
        for col in 0..area.width {
            let (sx, sy) = (col, view.offset + row);
            if let (Some(from), Some(to)) = (
                src.cell((sx, sy)),
                dst.cell_mut((area.x + col, area.y + row)),
            ) {
                *to = from.clone();
            }
        }
    }
    for (r, t) in local.targets {
        let top = r.y.max(view.offset);
        let bottom = (r.y + r.height).min(view.offset + view.height);
        if bottom > top {
            hits.add(
                Rect {
                    x: area.x + r.x,
                    y: area.y + top - view.offset,
                    width: r.width,
                    height: bottom - top,
                },
                t,
            );
        }
    }
    if let Some(p) = cursor
        && p.y >= view.offset
        && p.y < view.offset + view.height
    {
        f.set_cursor_position((area.x + p.x, area.y + p.y - view.offset));
    }
    let mark = scroll_mark(
        view.offset > 0,
        view.offset < view.max_offset(),
        below_text,
        area.width,
    );
    f.render_widget(
        Paragraph::new(mark).style(bold()),
        Rect {
            y: area.y + area.height - 1,
            height: 1,
            ..area
        },
    );
    view
}

/// The line under a scrolled window: what is above and below it and the keys that scroll,
/// in the fullest words that fit `width` whole (a mark is never cut: shorter words instead).
pub fn scroll_mark(above: bool, below: bool, below_text: &str, width: u16) -> String {
    use crate::strings::{MORE_ABOVE, MORE_BELOW, MORE_BOTH, SCROLL_HINT};
    let hint = |mark: &str| format!("{mark} {SCROLL_HINT}");
    let candidates: Vec<String> = match (above, below) {
        (true, true) => vec![
            hint(&format!("{MORE_ABOVE}  {below_text}")),
            hint(&format!("{MORE_ABOVE}  {MORE_BELOW}")),
            hint(MORE_BOTH),
            MORE_BOTH.to_owned(),
        ],
        (true, false) => vec![hint(MORE_ABOVE), MORE_ABOVE.to_owned()],
        _ => vec![
            hint(below_text),
            hint(MORE_BELOW),
            below_text.to_owned(),
            MORE_BELOW.to_owned(),
        ],
    };
    let fits = |c: &&String| c.width() <= usize::from(width);
    match candidates.iter().find(fits) {
        Some(c) => c.clone(),
        None => candidates.last().cloned().unwrap_or_default(),
    }
}
