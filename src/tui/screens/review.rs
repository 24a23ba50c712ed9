//! Every visible answer on one list. The focus starts on Send, so a keyboard patient who is
//! happy sends with Enter; ↑ (or a tap) reaches the list. Choosing an answer jumps to that
//! question; after the change the patient comes back here with the focus on that row. Send goes
//! on to the confirmation, unless something is missing. The line above the list says what Enter
//! does.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use unicode_width::UnicodeWidthStr;

use crate::answer::Answer;
use crate::engine::{At, Step};
use crate::questionnaire::ItemKind;
use crate::strings;
use crate::summary::answer_text;
use crate::tui::model::{Action, Effect, HitMap, Intent, Model, Msg, Screen, Target};
use crate::tui::theme;
use crate::typed;

/// The questions listed, in order (each occurrence of a repeating one).
pub fn rows(m: &Model<'_>) -> Vec<At> {
    let q = m.session.questionnaire();
    m.session
        .steps()
        .filter_map(|s| match s {
            Step::Item(at) if matches!(q.item(at.item).kind, ItemKind::Question(_)) => Some(at),
            _ => None,
        })
        .collect()
}

/// Shows the review screen with the focus on the row of `at` (the question just changed from
/// here), or on Send when `at` is `None` or no longer listed.
pub fn arrive(m: &mut Model<'_>, at: Option<At>) {
    let rows = rows(m);
    let focus = at
        .and_then(|item| rows.iter().position(|&r| r == item))
        .unwrap_or(rows.len());
    m.back_to_review = None;
    m.show(Screen::Review { focus });
}

pub fn update(m: &mut Model<'_>, focus: usize, msg: Msg) -> Vec<Effect> {
    let rows = rows(m);
    let n = rows.len();
    let set_focus = |m: &mut Model<'_>, f: usize| m.screen = Screen::Review { focus: f.min(n) };
    match msg {
        Msg::Intent(i) => match i {
            Intent::Up => set_focus(m, focus.saturating_sub(1)),
            Intent::Down => set_focus(m, focus + 1),
            Intent::Top => set_focus(m, 0),
            Intent::Bottom => set_focus(m, n),
            Intent::Confirm => return open(m, &rows, focus),
            Intent::Back => back(m),
            _ => {}
        },
        Msg::Tap(Target::Row(i)) => return open(m, &rows, i),
        Msg::Tap(Target::Button(Action::Send)) => return open(m, &rows, n),
        Msg::Tap(Target::Button(Action::Back)) => back(m),
        Msg::Scroll(d) => set_focus(m, crate::tui::surface::moved(focus, i32::from(d), n + 1)),
        _ => {}
    }
    Vec::new()
}

fn back(m: &mut Model<'_>) {
    let last = m.session.steps().last();
    if let Some(l) = last {
        m.go_to(l);
    }
}

fn open(m: &mut Model<'_>, rows: &[At], i: usize) -> Vec<Effect> {
    if let Some(&at) = rows.get(i) {
        m.back_to_review = Some(at);
        m.review_seen = m.session.steps().collect();
        m.go_to(Step::Item(at));
        return Vec::new();
    }
    // Send: everything must be answered first.
    match m.session.first_problem() {
        Some(p) => {
            let at = rows
                .iter()
                .position(|&r| r == p.at())
                .or_else(|| rows.iter().position(|r| r.item >= p.item()))
                .unwrap_or(0);
            m.screen = Screen::Review { focus: at };
            // A repeat short of instances has no row to mark: the message names it.
            m.message = Some(match p {
                crate::engine::Problem::TooFew(a, _) => {
                    let parent = a.inst.prefix(a.inst.len().saturating_sub(1));
                    let (given, need) = m.session.too_few(a.item, parent).unwrap_or((0, 1));
                    super::more::need_message(m, a.item, given, need, false)
                }
                _ => strings::REVIEW_NEED.to_owned(),
            });
        }
        None => m.show(Screen::Confirm),
    }
    Vec::new()
}

/// An answer as the patient gave it (their words and option labels), "Not answered yet" for a
/// required question, or "Left blank (optional)".
pub(crate) fn shown(m: &Model<'_>, at: At) -> String {
    let q = m.session.questionnaire();
    let item = at.item;
    match m.session.answer_at(at) {
        None if m.session.required_at(at) => strings::REVIEW_MISSING.to_owned(),
        None => strings::REVIEW_LEFT_BLANK.to_owned(),
        Some(Answer::Date(d)) => typed::describe_date(d),
        Some(Answer::Choice(c)) => q
            .item(item)
            .options()
            .get(*c as usize)
            .map_or(String::new(), |o| o.label.clone()),
        Some(Answer::Multi(l)) => l
            .iter()
            .filter_map(|c| q.item(item).options().get(*c as usize))
            .map(|o| o.label.as_str())
            .collect::<Vec<_>>()
            .join(", "),
        Some(a) => answer_text(q, item, a),
    }
}

pub fn view(m: &Model<'_>, f: &mut Frame, area: Rect, hits: &mut HitMap, focus: usize) {
    let q = m.session.questionnaire();
    theme::header(
        f,
        Rect { height: 1, ..area },
        &q.meta.title,
        strings::REVIEW_TITLE,
    );
    let footer_h = if area.height >= 16 { 3 } else { 1 };
    let footer = Rect {
        y: area.y + area.height - footer_h,
        height: footer_h,
        ..area
    };
    let rows = rows(m);
    let back_l = format!("← {}", strings::BACK);
    let send_l = format!("{} →", strings::REVIEW_SEND);
    theme::button_row(
        f,
        footer,
        &[
            (back_l.as_str(), Action::Back, false),
            (send_l.as_str(), Action::Send, focus >= rows.len()),
        ],
        hits,
    );
    let body = Rect {
        x: area.x + 1,
        y: area.y + 2,
        width: area.width.saturating_sub(2),
        height: area.height.saturating_sub(3 + footer_h),
    };
    // What Enter does, said on the screen itself (or what is still needed).
    let hint = match &m.message {
        Some(t) => t.clone(),
        None if focus >= rows.len() && m.session.first_problem().is_some() => {
            m.keys_hint(strings::REVIEW_HINT_NEED)
        }
        None if focus >= rows.len() => m.keys_hint(strings::REVIEW_HINT_SEND),
        None => m.keys_hint(strings::REVIEW_HINT_ROW),
    };
    let hint = hint.as_str();
    let hint_h = theme::text_height(hint, body.width).min(body.height);
    if m.message.is_some() {
        theme::message(
            f,
            Rect {
                height: hint_h,
                ..body
            },
            hint,
        );
    } else {
        f.render_widget(
            theme::paragraph(hint, theme::dim()),
            Rect {
                height: hint_h,
                ..body
            },
        );
    }
    let mut list = Rect {
        y: body.y + hint_h + 1,
        height: body.height.saturating_sub(hint_h + 1),
        ..body
    };
    if list.height == 0 {
        return;
    }
    // One line per answer: the question in the patient's words (its review label, else its
    // text; never the doctor's short label), then the answer; scroll to the focus (the top of
    // the list while Send has it). A list longer than the room says so on its last line.
    let scrolls = rows.len() > list.height as usize && list.height >= 2;
    if scrolls {
        list.height -= 1;
    }
    let visible = list.height as usize;
    let row_focus = if focus < rows.len() { focus } else { 0 };
    let start = if row_focus >= visible {
        row_focus + 1 - visible
    } else {
        0
    }
    .min(rows.len().saturating_sub(visible.min(rows.len())));
    if scrolls {
        let mark = match (start > 0, start + visible < rows.len()) {
            (true, true) => format!("{}  {}", strings::MORE_ABOVE, strings::MORE_BELOW),
            (true, false) => strings::MORE_ABOVE.to_owned(),
            _ => strings::MORE_BELOW.to_owned(),
        };
        f.render_widget(
            theme::paragraph(&mark, theme::dim()),
            Rect {
                y: list.y + list.height,
                height: 1,
                ..list
            },
        );
    }
    let label_w = (list.width as usize * 2 / 5).clamp(8, 40);
    for (line, (i, &at)) in rows
        .iter()
        .enumerate()
        .skip(start)
        .take(visible)
        .enumerate()
    {
        let it = q.item(at.item);
        // Inside repeats the instance comes first, so a long question cut short keeps it.
        let text = it.patient_label();
        let label = match crate::summary::instance_label(&m.session, at, true) {
            Some(w) => format!("({w}) {text}"),
            None => text.to_owned(),
        };
        let mut l = String::new();
        for ch in label.chars() {
            if (l.clone() + &ch.to_string()).width() + 2 > label_w {
                l.push('…');
                break;
            }
            l.push(ch);
        }
        let pad = label_w.saturating_sub(l.width());
        let is_focus = i == focus;
        let style = if is_focus {
            theme::focused()
        } else {
            ratatui::style::Style::default()
        };
        let room = (list.width as usize).saturating_sub(label_w + 2);
        let answer = theme::ellipsize(&shown(m, at), room);
        let answer_style = if m.session.answer_at(at).is_none() {
            theme::bold()
        } else {
            style
        };
        let marker = if is_focus { "► " } else { "  " };
        let text = Line::from(vec![
            Span::styled(format!("{marker}{l}{}", " ".repeat(pad)), style),
            Span::styled(answer, answer_style.patch(style)),
        ]);
        let r = Rect {
            y: list.y + crate::tui::surface::cells(line),
            height: 1,
            ..list
        };
        f.render_widget(Paragraph::new(text), r);
        hits.add(r, Target::Row(i));
    }
}
