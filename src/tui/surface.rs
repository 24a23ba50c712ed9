//! What the last frame left for `update` to read: the tap targets drawn ([`HitMap`] of
//! [`Target`]s, or of keymap intents for the inbox) and where a scrolling body stands
//! ([`Viewport`]). Drawing writes them, input reads them; neither the model nor the drawing
//! helpers own them, so the two do not depend on each other.

use ratatui::layout::Rect;

/// A button or other tap target.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Start,
    Next,
    Back,
    Help,
    Send,
    ConfirmSend,
    ConfirmBack,
    ResumeContinue,
    ResumeNew,
    Finish,
    StaffContinue,
    StaffEnd,
    /// Open the staff PIN entry (a touch-only kiosk has no F12).
    Staff,
}

/// A key of the on-screen PIN keypad.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PadKey {
    Digit(u8),
    Delete,
    Ok,
    Cancel,
}

/// What a tap landed on (from the hit map of the last frame drawn).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    Option(usize),
    Row(usize),
    Button(Action),
    /// A key of the staff PIN keypad.
    Pad(PadKey),
}

/// Where a screen's scrollable body stands (kept between frames like ratatui's `ListState`): the
/// first content row shown, the content's and the window's heights, and the rows of the focused
/// element (content coordinates), if any.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Viewport {
    pub offset: u16,
    pub content: u16,
    pub height: u16,
    pub focus: Option<(u16, u16)>,
}

impl Viewport {
    /// Whether the content is taller than its window.
    pub fn scrolls(&self) -> bool {
        self.content > self.height
    }

    /// Whether the focused element is wholly in the window.
    pub fn focus_visible(&self) -> bool {
        self.focus
            .is_none_or(|(t, b)| t >= self.offset && b <= self.offset + self.height)
    }

    /// The furthest the window can scroll.
    pub fn max_offset(&self) -> u16 {
        self.content.saturating_sub(self.height)
    }
}

/// The rectangles of the last frame's tap targets, topmost last: [`Target`]s for the patient's
/// screens, intents for the screens that use `crate::tui::keymap`.
#[derive(Debug, Clone, PartialEq)]
pub struct HitMap<T = Target> {
    pub targets: Vec<(Rect, T)>,
}

impl<T> Default for HitMap<T> {
    fn default() -> Self {
        HitMap {
            targets: Vec::new(),
        }
    }
}

impl<T: Copy> HitMap<T> {
    pub fn add(&mut self, r: Rect, t: T) {
        if r.width > 0 && r.height > 0 {
            self.targets.push((r, t));
        }
    }

    /// The target under a cell, if any.
    pub fn at(&self, column: u16, row: u16) -> Option<T> {
        self.targets
            .iter()
            .rev()
            .find(|(r, _)| {
                column >= r.x && column < r.x + r.width && row >= r.y && row < r.y + r.height
            })
            .map(|(_, t)| *t)
    }
}

/// Terminal cells (rows or columns) for a count: saturating at `u16::MAX`, so a count too big
/// for any terminal is drawn cut off, never wrapped round to a small number.
pub fn cells(n: usize) -> u16 {
    u16::try_from(n).unwrap_or(u16::MAX)
}

/// `index` moved by `by` rows within a list of `len`: kept in `0..len` (0 when empty).
pub fn moved(index: usize, by: i32, len: usize) -> usize {
    let step = usize::try_from(by.unsigned_abs()).unwrap_or(usize::MAX);
    let to = if by < 0 {
        index.saturating_sub(step)
    } else {
        index.saturating_add(step)
    };
    to.min(len.saturating_sub(1))
}

#[cfg(test)]
mod tests {
    #[test]
    fn moved_stays_in_the_list() {
        assert_eq!(super::moved(0, -1, 3), 0);
        assert_eq!(super::moved(2, 1, 3), 2);
        assert_eq!(super::moved(1, 1, 3), 2);
        assert_eq!(super::moved(5, -(i32::MAX / 2), 9), 0);
        assert_eq!(super::moved(0, i32::MAX / 2, 9), 8);
        assert_eq!(super::moved(0, 1, 0), 0);
        assert_eq!(super::cells(70_000), u16::MAX);
    }
}
