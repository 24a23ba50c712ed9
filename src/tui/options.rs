//! How a question's answers are laid out in the room a screen gives them, so that every answer
//! shows without scrolling wherever that is possible: boxed (three-row tap targets) when all
//! the boxes fit, else one row each, else one row each in two columns; only when even that does
//! not fit does the list scroll, with a visible "more answers below" line. Labels are wrapped,
//! never cut. Draws and records tap targets; changes nothing else.

use ratatui::Frame;
use ratatui::layout::Rect;

use super::surface::HitMap;
use super::theme;
use crate::questionnaire::ChoiceOption;
use crate::strings;

/// Columns between the two columns of answers.
const COLUMN_GAP: u16 = 2;

/// How a list of answers is drawn in a given room.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Arrangement {
    /// Each answer in its own box, three rows or more.
    Boxed,
    /// One answer per (wrapped) row, one column.
    Lines,
    /// One answer per (wrapped) row, down the left column first, then the right.
    TwoColumns,
    /// One answer per row, scrolled to the focus, with "more answers" lines.
    Scrolled,
}

/// The answers to draw and how each is marked.
pub struct OptionList<'a> {
    pub options: &'a [ChoiceOption],
    /// The option with the focus (`►`), if one has it.
    pub focus: Option<usize>,
    /// Boxes may be used (patient screens); reception screens are always compact.
    pub boxes: bool,
    /// `(x)`, `( )`, `[x]` or `[ ]` for option `i`.
    pub marker: &'a dyn Fn(usize) -> &'static str,
    /// Which number each option shows.
    pub numbering: Numbering,
}

/// The number shown beside each option: always what a key does there.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Numbering {
    /// Patient screens: the single key that chooses it ([`option_keys`]); none past 9.
    Keys,
    /// The paper form: its number ([`paper_numbers`]), typed as one or two digits (1 then 0
    /// chooses option 10, or "10" on a 0-10 scale).
    Positions,
}

impl Numbering {
    /// Columns the number takes for `n` options.
    pub fn width(self, n: usize) -> usize {
        match self {
            Numbering::Keys => 1,
            Numbering::Positions => n.max(1).to_string().len(),
        }
    }

    /// The number beside each of `options`, right-aligned to [`Numbering::width`].
    pub fn labels(self, options: &[ChoiceOption]) -> Vec<String> {
        let w = self.width(options.len());
        match self {
            Numbering::Keys => option_keys(options)
                .into_iter()
                .map(|k| k.unwrap_or(' ').to_string())
                .collect(),
            Numbering::Positions => paper_numbers(options)
                .into_iter()
                .map(|i| format!("{i:>w$}"))
                .collect(),
        }
    }
}

/// The number each option has on the paper form: on a numeric scale (every label a distinct whole
/// number from 0 to 99, as on 0-10 pain scales) the number printed, so what a patient circled is
/// what is typed; otherwise its position, from 1.
pub fn paper_numbers(options: &[ChoiceOption]) -> Vec<u32> {
    let values: Vec<Option<u32>> = options
        .iter()
        .map(|o| o.label.trim().parse::<u32>().ok().filter(|v| *v < 100))
        .collect();
    let distinct = {
        let mut seen: Vec<u32> = values.iter().flatten().copied().collect();
        seen.sort_unstable();
        seen.dedup();
        seen.len() == options.len()
    };
    if !options.is_empty() && distinct && values.iter().all(Option::is_some) {
        return values.into_iter().flatten().collect();
    }
    (1..=u32::try_from(options.len()).unwrap_or(u32::MAX)).collect()
}

/// Whether some option has no key of its own (past the ninth, or "10" on a 0-10 scale): it
/// is reached with the arrows or End, and the hint says so.
pub fn some_without_key(options: &[ChoiceOption]) -> bool {
    option_keys(options).iter().any(Option::is_none)
}

/// The number key that chooses each option. On a numeric scale (every option is a whole
/// number, as on 0-10 pain scales) the key is the number printed, so pressing 3 chooses "3";
/// numbers without a single key (10) are reached with the arrows. Otherwise options 1-9 by
/// position.
pub fn option_keys(options: &[crate::questionnaire::ChoiceOption]) -> Vec<Option<char>> {
    let numbers: Vec<Option<i64>> = options
        .iter()
        .map(|o| o.label.trim().parse::<i64>().ok())
        .collect();
    if !options.is_empty() && numbers.iter().all(Option::is_some) {
        return numbers
            .into_iter()
            .map(|n| {
                n.and_then(|n| u32::try_from(n).ok())
                    .and_then(|n| char::from_digit(n, 10))
            })
            .collect();
    }
    (0..options.len())
        .map(|i| {
            u32::try_from(i + 1)
                .ok()
                .and_then(|n| char::from_digit(n, 10))
        })
        .collect()
}

/// Rows each option takes one per row at `width`.
fn line_heights(options: &[ChoiceOption], width: u16, numbering: Numbering) -> Vec<u16> {
    let nw = numbering.width(options.len());
    options
        .iter()
        .map(|o| theme::line_height_numbered(&o.label, width, nw))
        .collect()
}

/// Where the right column starts: the first half (rounded up) goes down the left.
fn split(n: usize) -> usize {
    n.div_ceil(2)
}

/// The width of each of two columns in `width`.
fn column_width(width: u16) -> u16 {
    width.saturating_sub(COLUMN_GAP) / 2
}

/// Rows the answers need in two columns at `width`.
fn two_column_height(options: &[ChoiceOption], width: u16, numbering: Numbering) -> u16 {
    let h = line_heights(options, column_width(width), numbering);
    let (left, right) = h.split_at(split(options.len()));
    left.iter().sum::<u16>().max(right.iter().sum())
}

/// The fewest rows that show every answer whole at `width`: one per row in one column, or in
/// two columns when that is shorter (and each column is wide enough to read).
pub fn rows_needed(options: &[ChoiceOption], width: u16, numbering: Numbering) -> u16 {
    let one: u16 = line_heights(options, width, numbering).iter().sum();
    if options.len() > 1 && column_width(width) >= 24 {
        one.min(two_column_height(options, width, numbering))
    } else {
        one
    }
}

/// Rows the answers need boxed at `width`.
pub fn boxed_height(options: &[ChoiceOption], width: u16) -> u16 {
    options
        .iter()
        .map(|o| theme::option_height(&o.label, width))
        .sum()
}

/// The arrangement that shows every answer in `area`, preferring boxes, then one column.
pub fn arrangement(list: &OptionList<'_>, area: Rect) -> Arrangement {
    let (w, h) = (area.width, area.height);
    if list.boxes && boxed_height(list.options, w) <= h {
        Arrangement::Boxed
    } else if line_heights(list.options, w, list.numbering)
        .iter()
        .sum::<u16>()
        <= h
    {
        Arrangement::Lines
    } else if rows_needed(list.options, w, list.numbering) <= h {
        Arrangement::TwoColumns
    } else {
        Arrangement::Scrolled
    }
}

/// Draws the answers in `area`; returns the options not wholly in sight (only when the list
/// has to scroll), for the message that names them.
pub fn draw(list: &OptionList<'_>, f: &mut Frame, area: Rect, hits: &mut HitMap) -> Vec<usize> {
    if area.height == 0 || area.width < 4 || list.options.is_empty() {
        return Vec::new();
    }
    let focus = list.focus.map(|f| f.min(list.options.len() - 1));
    let numbers = list.numbering.labels(list.options);
    let view = |i: usize| theme::OptionView {
        marker: (list.marker)(i),
        index: i,
        number: numbers.get(i).cloned().unwrap_or_default(),
        label: list.options.get(i).map_or("", |o| o.label.as_str()),
        focused: Some(i) == focus,
    };
    match arrangement(list, area) {
        Arrangement::Boxed => {
            let mut y = area.y;
            for (i, o) in list.options.iter().enumerate() {
                let h = theme::option_height(&o.label, area.width);
                view(i).boxed(
                    f,
                    Rect {
                        y,
                        height: h,
                        ..area
                    },
                    hits,
                );
                y += h;
            }
            Vec::new()
        }
        Arrangement::Lines => {
            column(list, f, area, hits, 0..list.options.len(), &view);
            Vec::new()
        }
        Arrangement::TwoColumns => {
            let w = column_width(area.width);
            let half = split(list.options.len());
            let left = Rect { width: w, ..area };
            let right = Rect {
                x: area.x + w + COLUMN_GAP,
                width: area.width.saturating_sub(w + COLUMN_GAP),
                ..area
            };
            column(list, f, left, hits, 0..half, &view);
            column(list, f, right, hits, half..list.options.len(), &view);
            Vec::new()
        }
        Arrangement::Scrolled => scrolled(list, f, area, hits, focus.unwrap_or(0), &view),
    }
}

/// Options `range` one under another from the top of `area`, each row a tap target.
fn column<'a>(
    list: &OptionList<'a>,
    f: &mut Frame,
    area: Rect,
    hits: &mut HitMap,
    range: std::ops::Range<usize>,
    view: &dyn Fn(usize) -> theme::OptionView<'a>,
) {
    let mut y = area.y;
    let nw = list.numbering.width(list.options.len());
    for (i, option) in list
        .options
        .iter()
        .enumerate()
        .take(range.end)
        .skip(range.start)
    {
        let h = theme::line_height_numbered(&option.label, area.width, nw);
        if y + h > area.y + area.height {
            break;
        }
        view(i).line(
            f,
            Rect {
                y,
                height: h,
                ..area
            },
            hits,
        );
        y += h;
    }
}

/// One per row, scrolled so the focused option shows; a "more answers above/below" line where
/// answers are out of sight. Returns the options out of sight.
fn scrolled<'a>(
    list: &OptionList<'a>,
    f: &mut Frame,
    area: Rect,
    hits: &mut HitMap,
    focus: usize,
    view: &dyn Fn(usize) -> theme::OptionView<'a>,
) -> Vec<usize> {
    let heights = line_heights(list.options, area.width, list.numbering);
    // Scroll so the focused option is visible, leaving rows for the "more" lines.
    let mut start = 0;
    while start < focus {
        let used: u16 =
            heights.iter().take(focus + 1).skip(start).sum::<u16>() + 1 + u16::from(start > 0);
        if used <= area.height {
            break;
        }
        start += 1;
    }
    let mut y = area.y;
    if start > 0 {
        f.render_widget(
            theme::paragraph(strings::MORE_ANSWERS_ABOVE, theme::bold()),
            Rect {
                y,
                height: 1,
                ..area
            },
        );
        y += 1;
    }
    let bottom = area.y + area.height;
    let mut hidden: Vec<usize> = (0..start).collect();
    for (i, h) in heights.iter().copied().enumerate().skip(start) {
        let last = i + 1 == list.options.len();
        let room = bottom - y;
        if h > room || (!last && h + 1 > room) {
            hidden.extend(i..list.options.len());
            f.render_widget(
                theme::paragraph(strings::MORE_ANSWERS_BELOW, theme::bold()),
                Rect {
                    y: bottom - 1,
                    height: 1,
                    ..area
                },
            );
            break;
        }
        view(i).line(
            f,
            Rect {
                y,
                height: h,
                ..area
            },
            hits,
        );
        y += h;
    }
    hidden
}

/// The message for an empty answer when some answers are out of sight: it names them (the
/// last ones first in mind: "None of these" and "Not sure" usually come last).
pub fn out_of_sight_message(base: &str, options: &[ChoiceOption], hidden: &[usize]) -> String {
    let labels: Vec<&str> = hidden
        .iter()
        .filter_map(|&i| options.get(i).map(|o| o.label.as_str()))
        .collect();
    if labels.is_empty() {
        return base.to_owned();
    }
    format!("{base} {}", strings::answers_out_of_sight(&labels))
}
