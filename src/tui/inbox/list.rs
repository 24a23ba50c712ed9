//! The queue: one row per intake (time, name, age, areas, outcome, flag counts, source, status)
//! in the inbox's order. The focus stays on the same intake when new ones arrive above it. A tap
//! on a row focuses it; a tap on the focused row opens it.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::widgets::Paragraph;
use unicode_width::UnicodeWidthStr;

use super::{Effect, Inbox, Page, Screen};
use crate::inbox::{EnteredBy, Intake};
use crate::strings;
use crate::tui::keymap::{Intent, Taps};
use crate::tui::theme;

pub(super) fn update(m: &mut Inbox, i: Intent) -> Vec<Effect> {
    let n = m.intakes.len();
    let rows = m.rows.get().max(1);
    let sel = m.list.selected;
    let target = match i {
        Intent::Up => Some(sel.saturating_sub(1)),
        Intent::Down => Some(sel + 1),
        Intent::PageUp => Some(sel.saturating_sub(rows)),
        Intent::PageDown => Some(sel + rows),
        Intent::Top => Some(0),
        Intent::Bottom => Some(n.saturating_sub(1)),
        Intent::Choose(k) if k < n && k != sel => Some(k),
        Intent::Choose(k) if k < n => return open(m),
        Intent::Confirm => return open(m),
        Intent::Refresh => return vec![Effect::List],
        Intent::ToggleDay => {
            m.day = match m.day {
                None => Some(m.today),
                Some(_) => None,
            };
            m.loaded = false;
            return vec![Effect::SetDay(m.day)];
        }
        _ => None,
    };
    if let Some(t) = target {
        select(m, t.min(n.saturating_sub(1)));
    }
    Vec::new()
}

fn select(m: &mut Inbox, index: usize) {
    m.list.selected = index;
    m.list.id = m.intakes.get(index).map(|i| i.id);
    let rows = m.rows.get().max(1);
    if index < m.list.offset {
        m.list.offset = index;
    } else if index >= m.list.offset + rows {
        m.list.offset = index + 1 - rows;
    }
}

fn open(m: &mut Inbox) -> Vec<Effect> {
    let Some(it) = m.intakes.get(m.list.selected) else {
        return Vec::new();
    };
    let id = it.id;
    m.notice = None;
    m.screen = Screen::Page(Page::loading(it));
    vec![Effect::Open(id)]
}

/// After a new list: the focus follows its intake (new intakes may have arrived above it).
pub(super) fn follow(m: &mut Inbox) {
    let index = m
        .list
        .id
        .and_then(|id| m.intakes.iter().position(|i| i.id == id))
        .unwrap_or(m.list.selected.min(m.intakes.len().saturating_sub(1)));
    select(m, index);
}

/// Column widths for a width: time, name, age, areas, outcome, flags, source, status.
fn widths(total: u16, all_days: bool) -> [usize; 8] {
    let time = if all_days { 11 } else { 5 };
    let fixed = 2 + time + 3 + 12 + 5 + 8 + 7;
    let flex = usize::from(total).saturating_sub(fixed);
    // Names seldom need more than 24 columns; the source takes what is left.
    let name = (flex * 38 / 100).min(24);
    let areas = flex * 30 / 100;
    [time, name, 3, areas, 12, 5, flex - name - areas, 8]
}

fn cell(text: &str, w: usize, right: bool) -> String {
    let t = theme::ellipsize(text, w);
    let pad = w.saturating_sub(t.width());
    if right {
        format!("{}{t}", " ".repeat(pad))
    } else {
        format!("{t}{}", " ".repeat(pad))
    }
}

/// The all-days view's first column: the visit's date (month-day; the whole date when it is not
/// in this year), with the time when the form was completed on that day; a form typed in later
/// (from paper) shows its visit date alone, never the day it was typed.
fn visit_cell(it: &Intake, completed: &jiff::ZonedDateTime, today: jiff::civil::Date) -> String {
    let day = completed.strftime("%Y-%m-%d").to_string();
    let this_year = it.visit_date.get(..4) == Some(today.year().to_string().as_str());
    if !this_year {
        return it.visit_date.clone();
    }
    let visit = it.visit_date.get(5..).unwrap_or(&it.visit_date);
    if day == it.visit_date {
        format!("{visit} {}", completed.strftime("%H:%M"))
    } else {
        visit.to_owned()
    }
}

fn row_text(m: &Inbox, it: &Intake, w: &[usize; 8]) -> String {
    let at = it.completed_at.to_zoned_datetime(m.zone.clone());
    let time = if m.day.is_none() {
        visit_cell(it, &at, m.today)
    } else {
        at.strftime("%H:%M").to_string()
    };
    let who = match it.entered_by {
        EnteredBy::Patient => strings::INBOX_ENTERED_PATIENT,
        EnteredBy::Reception => strings::INBOX_ENTERED_RECEPTION,
        EnteredBy::Unknown => "",
    };
    // Narrow: the device, or "reception"; wide: who typed it in and where.
    let source = if w[6] < 20 {
        match (it.entered_by, &it.device) {
            (EnteredBy::Reception, _) => who.to_owned(),
            (_, Some(d)) => d.clone(),
            (_, None) => it.origin().unwrap_or_else(|| who.to_owned()),
        }
    } else {
        match (who, it.origin()) {
            (w, None) => w.to_owned(),
            ("", Some(o)) => o,
            (w, Some(o)) => format!("{w} {o}"),
        }
    };
    let source = if source.is_empty() {
        "-".to_owned()
    } else {
        source
    };
    let [s, c, n] = it.counts;
    [
        cell(&time, w[0], false),
        cell(it.name.as_deref().unwrap_or("-"), w[1], false),
        cell(&it.age.map_or("-".into(), |a| a.to_string()), w[2], true),
        cell(
            &if it.areas.is_empty() {
                "-".to_owned()
            } else {
                it.areas.join(", ")
            },
            w[3],
            false,
        ),
        cell(strings::inbox_outcome(&it.outcome), w[4], false),
        cell(&format!("{s}/{c}/{n}"), w[5], false),
        cell(&source, w[6], false),
        cell(it.status.label(), w[7], false),
    ]
    .join(" ")
}

pub(super) fn view(m: &Inbox, f: &mut Frame, body: Rect, taps: &mut Taps) {
    let w = widths(body.width, m.day.is_none());
    let head = [
        cell(
            if m.day.is_none() {
                strings::INBOX_VISIT_COLUMN
            } else {
                strings::INBOX_TIME_COLUMN
            },
            w[0],
            false,
        ),
        cell("NAME", w[1], false),
        cell("AGE", w[2], true),
        cell("AREAS", w[3], false),
        cell("OUTCOME", w[4], false),
        cell("S/C/N", w[5], false),
        cell("SOURCE", w[6], false),
        cell("STATUS", w[7], false),
    ]
    .join(" ");
    f.render_widget(
        Paragraph::new(format!("  {head}")).style(theme::bold()),
        Rect { height: 1, ..body },
    );
    let rows = usize::from(body.height.saturating_sub(1));
    m.rows.set(rows.max(1));
    let list = Rect {
        y: body.y + 1,
        height: body.height.saturating_sub(1),
        ..body
    };
    if m.intakes.is_empty() {
        let text = if m.loaded {
            strings::INBOX_EMPTY
        } else {
            strings::INBOX_LOADING
        };
        f.render_widget(theme::paragraph(text, theme::dim()), list);
        return;
    }
    // The model keeps the focus in view; this only guards a window resized since.
    let sel = m.list.selected.min(m.intakes.len() - 1);
    let mut offset = m.list.offset.min(sel);
    if sel >= offset + rows {
        offset = sel + 1 - rows;
    }
    for (k, it) in m.intakes.iter().enumerate().skip(offset).take(rows) {
        let r = Rect {
            y: list.y + crate::tui::surface::cells(k - offset),
            height: 1,
            ..list
        };
        let focused = k == sel;
        let text = format!(
            "{}{}",
            if focused { "► " } else { "  " },
            row_text(m, it, &w)
        );
        let style = if focused {
            theme::focused()
        } else if it.rank() == 0 {
            theme::bold()
        } else {
            ratatui::style::Style::default()
        };
        f.render_widget(Paragraph::new(text).style(style), r);
        taps.add(r, Intent::Choose(k));
    }
}
