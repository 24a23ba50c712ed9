//! An intake opened: the doctor's page, exactly as `records show` prints it (the stored page,
//! then the prescribers' decisions), scrolled by keys, wheel or the hints; `f` jumps to the
//! second page, "Answers in full", when the record has one; `d` records a decision.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::widgets::Paragraph;

use super::{Effect, Inbox, Screen};
use crate::inbox::Intake;
use crate::inbox::decision::{self, Decision};
use crate::strings;
use crate::tui::inbox::desk::Opened;
use crate::tui::keymap::{Intent, Taps};
use crate::tui::theme;

/// An intake's page and where it is scrolled to.
#[derive(Debug, Clone, PartialEq)]
pub struct Page {
    pub id: i64,
    pub name: Option<String>,
    pub outcome: String,
    pub counts: [usize; 3],
    /// The page's lines (`None` until the record has been read).
    pub lines: Option<Vec<String>>,
    /// The stored page the lines were made from (before the decisions).
    pub stored: String,
    pub decisions: Vec<Decision>,
    pub scroll: usize,
    /// The first line of "Answers in full", if the page has a second page.
    pub in_full: Option<usize>,
    /// Why the record could not be read.
    pub error: Option<String>,
}

impl Page {
    /// A page waiting for its record.
    pub fn loading(it: &Intake) -> Page {
        Page {
            id: it.id,
            name: it.name.clone(),
            outcome: it.outcome.clone(),
            counts: it.counts,
            lines: None,
            stored: String::new(),
            decisions: Vec::new(),
            scroll: 0,
            in_full: None,
            error: None,
        }
    }

    /// Fills in the page's text: the stored page and the decisions block (`records show`'s
    /// text), escaped.
    pub fn fill(&mut self, page: &str, decisions: Vec<Decision>, zone: &jiff::tz::TimeZone) {
        let text = format!(
            "{}{}",
            crate::text::escape(page),
            decision::render_text(&decisions, zone)
        );
        let lines: Vec<String> = text.lines().map(str::to_owned).collect();
        self.in_full = second_page(&lines);
        page.clone_into(&mut self.stored);
        self.lines = Some(lines);
        self.decisions = decisions;
    }
}

/// Where page 2 ("Answers in full") starts: a rule of `=` followed by a `-- ` heading (the
/// outcome banner's rule is followed by the banner instead).
pub fn second_page(lines: &[String]) -> Option<usize> {
    lines.windows(2).position(|w| match w {
        [rule, heading] => {
            rule.chars().count() >= 40
                && rule.chars().all(|c| c == '=')
                && heading.starts_with("-- ")
        }
        _ => false,
    })
}

pub(super) fn opened(m: &mut Inbox, id: i64, result: Result<Opened, String>) {
    let zone = m.zone.clone();
    let Screen::Page(p) = &mut m.screen else {
        return;
    };
    if p.id != id {
        return;
    }
    match result {
        Ok(o) => {
            p.counts = o.counts;
            p.outcome = o.outcome;
            p.fill(&o.page, o.decisions, &zone);
        }
        Err(e) => p.error = Some(crate::text::clean_line(&e)),
    }
}

pub(super) fn update(m: &mut Inbox, i: Intent) -> Vec<Effect> {
    let rows = m.rows.get().max(1);
    let Screen::Page(p) = &mut m.screen else {
        return Vec::new();
    };
    let len = p.lines.as_ref().map_or(0, Vec::len);
    // The last window; "Answers in full" may scroll past it, to put page 2 at the top.
    let max = len.saturating_sub(rows).max(p.scroll);
    match i {
        Intent::Up => p.scroll = p.scroll.saturating_sub(1),
        Intent::Down => p.scroll = (p.scroll + 1).min(max),
        Intent::PageUp => p.scroll = p.scroll.saturating_sub(rows.saturating_sub(1).max(1)),
        Intent::PageDown => p.scroll = (p.scroll + rows.saturating_sub(1).max(1)).min(max),
        Intent::Top => p.scroll = 0,
        Intent::Bottom => p.scroll = len.saturating_sub(rows),
        Intent::InFull => {
            if let Some(at) = p.in_full {
                p.scroll = at;
            }
        }
        Intent::Decide if p.lines.is_some() => {
            let page = p.clone();
            m.notice = None;
            m.screen = Screen::Choose { page, focus: 0 };
        }
        Intent::Back => {
            m.screen = Screen::List;
            return vec![Effect::List];
        }
        _ => {}
    }
    Vec::new()
}

pub(super) fn view(m: &Inbox, f: &mut Frame, body: Rect, p: &Page, taps: &mut Taps) {
    let _ = taps;
    let rows = usize::from(body.height.saturating_sub(1));
    m.rows.set(rows.max(1));
    let Some(lines) = &p.lines else {
        let text = p.error.as_deref().unwrap_or(strings::INBOX_PAGE_LOADING);
        f.render_widget(theme::paragraph(text, theme::bold()), body);
        return;
    };
    let scroll = p.scroll.min(lines.len().saturating_sub(1));
    let shown: Vec<ratatui::text::Line> = lines
        .iter()
        .skip(scroll)
        .take(rows)
        .map(|l| ratatui::text::Line::raw(l.as_str()))
        .collect();
    f.render_widget(
        Paragraph::new(shown),
        Rect {
            height: body.height.saturating_sub(1),
            ..body
        },
    );
    let end = (scroll + rows).min(lines.len());
    let place = format!(
        "{}-{} / {}{}",
        scroll + 1,
        end,
        lines.len(),
        if end < lines.len() {
            format!("  {}", strings::MORE_BELOW)
        } else {
            String::new()
        }
    );
    f.render_widget(
        Paragraph::new(place).style(theme::dim()),
        Rect {
            y: body.y + body.height.saturating_sub(1),
            height: 1,
            ..body
        },
    );
}
