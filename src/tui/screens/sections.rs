//! Reception mode: jump to any section (F5 or Ctrl-G), for staff typing in a form out of order.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::widgets::Paragraph;

use crate::engine::Step;
use crate::questionnaire::ItemIdx;
use crate::strings;
use crate::tui::model::{Effect, HitMap, Intent, Model, Msg, Screen, Target};
use crate::tui::theme;

/// The sections shown for this patient, each with its number as the screens' header counts it
/// (every section, hidden ones too: "Section 7 of 9"), so the list and the header agree and a
/// digit key goes to the section of that number.
fn sections(m: &Model<'_>) -> Vec<(usize, ItemIdx)> {
    m.session
        .questionnaire()
        .sections()
        .enumerate()
        .filter(|&(_, s)| m.session.is_visible(s))
        .map(|(i, s)| (i + 1, s))
        .collect()
}

pub fn update(m: &mut Model<'_>, focus: usize, back: Step, msg: Msg) -> Vec<Effect> {
    let list = sections(m);
    let pick = match msg {
        Msg::Intent(i) => match i {
            Intent::Up => {
                m.screen = Screen::Sections {
                    focus: focus.saturating_sub(1),
                    back,
                };
                None
            }
            Intent::Down => {
                m.screen = Screen::Sections {
                    focus: (focus + 1).min(list.len().saturating_sub(1)),
                    back,
                };
                None
            }
            Intent::Back => {
                m.go_to(back);
                None
            }
            Intent::Confirm => list.get(focus).map(|&(_, s)| s),
            Intent::Choose(n) => list.iter().find(|&&(k, _)| k == n + 1).map(|&(_, s)| s),
            _ => None,
        },
        Msg::Tap(Target::Row(i)) => list.get(i).map(|&(_, s)| s),
        _ => None,
    };
    if let Some(section) = pick {
        // The section's intro or first question; before it, the step just before the section.
        let first = m.session.first_step_from(section).unwrap_or(back);
        m.go_to(first);
    }
    Vec::new()
}

pub fn view(m: &Model<'_>, f: &mut Frame, area: Rect, hits: &mut HitMap, focus: usize) {
    let q = m.session.questionnaire();
    theme::header(
        f,
        Rect { height: 1, ..area },
        &q.meta.title,
        strings::SECTIONS_TITLE,
    );
    let body = Rect {
        x: area.x + 2,
        y: area.y + 2,
        width: area.width.saturating_sub(4),
        height: area.height.saturating_sub(3),
    };
    // What Enter does, on the last rows.
    let last = sections(m).last().map_or(0, |&(k, _)| k);
    let hint = m.keys_hint_for_rows(strings::SECTIONS_HINT, last);
    let hint_h = theme::text_height(&hint, body.width);
    f.render_widget(
        theme::paragraph(&hint, theme::dim()),
        Rect {
            y: (area.y + area.height).saturating_sub(hint_h),
            height: hint_h,
            ..body
        },
    );
    let body = Rect {
        height: body.height.saturating_sub(hint_h),
        ..body
    };
    for (i, (number, s)) in sections(m).into_iter().enumerate() {
        let y = body.y + crate::tui::surface::cells(i);
        if y >= body.y + body.height {
            break;
        }
        let is_focus = i == focus;
        let text = format!(
            "{}{} {}",
            if is_focus { "► " } else { "  " },
            number,
            q.item(s).text
        );
        let r = Rect {
            y,
            height: 1,
            ..body
        };
        f.render_widget(
            Paragraph::new(text).style(if is_focus {
                theme::focused()
            } else {
                ratatui::style::Style::default()
            }),
            r,
        );
        hits.add(r, Target::Row(i));
    }
}
