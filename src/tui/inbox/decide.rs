//! Recording a decision: choose treat today, defer, decline or refer; then write an optional note
//! and, to treat today despite a STOP (or an intake not assessed), the override reason, which
//! cannot be left empty. Saving appends the decision (the store checks the rule again); the page
//! then shows it. Nothing here is ever edited in place.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::widgets::{Block, BorderType, Borders, Paragraph, Wrap};

use super::{Effect, Inbox, Page, Screen, decision_label};
use crate::inbox::decision::{self, Decision, DecisionKind, NewDecision};
use crate::strings::{self, fill};
use crate::tui::keymap::{Intent, Taps};
use crate::tui::theme;

/// The decision's text fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    Reason,
    Note,
}

/// The form for one decision.
#[derive(Debug, Clone, PartialEq)]
pub struct Write {
    pub page: Page,
    pub kind: DecisionKind,
    pub reason: String,
    pub note: String,
    pub field: Field,
    pub message: Option<String>,
    /// Sent to the store; waiting for its answer.
    pub saving: bool,
}

impl Write {
    /// Whether the form asks for an override reason.
    pub fn needs_reason(&self) -> bool {
        self.kind == DecisionKind::TreatToday
            && decision::needs_reason(&self.page.outcome, self.page.counts[0])
    }
}

pub(super) fn choose(m: &mut Inbox, i: Intent) -> Vec<Effect> {
    let Screen::Choose { page, focus } = &mut m.screen else {
        return Vec::new();
    };
    if i == Intent::Back {
        m.screen = Screen::Page(page.clone());
        return Vec::new();
    }
    if let Some(&kind) =
        super::choice(focus, DecisionKind::ALL.len(), i).and_then(|k| DecisionKind::ALL.get(k))
    {
        let w = Write {
            page: page.clone(),
            kind,
            reason: String::new(),
            note: String::new(),
            field: Field::Note,
            message: None,
            saving: false,
        };
        let field = if w.needs_reason() {
            Field::Reason
        } else {
            Field::Note
        };
        m.screen = Screen::Write(Write { field, ..w });
    }
    Vec::new()
}

pub(super) fn write(m: &mut Inbox, i: Intent) -> Vec<Effect> {
    let prescriber = m.prescriber().cloned();
    let Screen::Write(w) = &mut m.screen else {
        return Vec::new();
    };
    if w.saving {
        return Vec::new();
    }
    let fields: &[Field] = if w.needs_reason() {
        &[Field::Reason, Field::Note]
    } else {
        &[Field::Note]
    };
    let at = fields.iter().position(|f| *f == w.field).unwrap_or(0);
    match i {
        Intent::Type(c) => {
            let text = match w.field {
                Field::Reason => &mut w.reason,
                Field::Note => &mut w.note,
            };
            if text.chars().count() < decision::TEXT_MAX {
                text.push(c);
            }
        }
        Intent::Erase => {
            match w.field {
                Field::Reason => w.reason.pop(),
                Field::Note => w.note.pop(),
            };
        }
        Intent::NextField => {
            w.field = fields
                .iter()
                .cycle()
                .nth(at + 1)
                .copied()
                .unwrap_or(w.field);
        }
        Intent::PrevField => {
            w.field = fields
                .iter()
                .cycle()
                .nth(at + fields.len() - 1)
                .copied()
                .unwrap_or(w.field);
        }
        Intent::Choose(k) if k < fields.len() => {
            w.field = fields.get(k).copied().unwrap_or(w.field);
        }
        Intent::Back => {
            let kind = w.kind;
            m.screen = Screen::Choose {
                page: w.page.clone(),
                focus: DecisionKind::ALL
                    .iter()
                    .position(|k| *k == kind)
                    .unwrap_or(0),
            };
        }
        Intent::Confirm => {
            let Some(prescriber) = prescriber else {
                return Vec::new();
            };
            let d = NewDecision {
                kind: w.kind,
                note: Some(w.note.clone()),
                override_reason: Some(w.reason.clone()),
                prescriber,
            };
            match decision::check(&d, &w.page.outcome, w.page.counts[0]) {
                Ok(d) => {
                    w.saving = true;
                    w.message = Some(strings::INBOX_SAVING.to_owned());
                    return vec![Effect::Decide {
                        id: w.page.id,
                        decision: d,
                    }];
                }
                Err(e) => {
                    w.message = Some(e.to_string());
                    w.field = Field::Reason;
                }
            }
        }
        _ => {}
    }
    Vec::new()
}

/// The store's answer to a decision.
pub(super) fn decided(m: &mut Inbox, id: i64, result: Result<Decision, String>) -> Vec<Effect> {
    let zone = m.zone.clone();
    let rows = m.rows.get().max(1);
    let Screen::Write(w) = &mut m.screen else {
        return Vec::new();
    };
    if w.page.id != id {
        return Vec::new();
    }
    match result {
        Ok(d) => {
            let mut page = w.page.clone();
            let mut decisions = page.decisions.clone();
            let label = decision_label(d.kind);
            decisions.push(d);
            // The page's text with the new decision in it, as `records show` prints it now.
            let stored = std::mem::take(&mut page.stored);
            page.fill(&stored, decisions, &zone);
            // Show the decisions: their block at the top, or the page's end if it is short.
            let lines = page.lines.as_deref().unwrap_or_default();
            let head = format!("-- {}", strings::DECISIONS_HEADING.to_uppercase());
            let block = lines
                .iter()
                .rposition(|l| l.starts_with(&head))
                .unwrap_or(0);
            page.scroll = block.min(lines.len().saturating_sub(rows));
            m.notice = Some(fill(strings::INBOX_DECIDED, label));
            m.screen = Screen::Page(page);
            vec![Effect::List]
        }
        Err(e) => {
            w.saving = false;
            w.message = Some(crate::text::clean_line(&e));
            Vec::new()
        }
    }
}

pub(super) fn view_choose(
    m: &Inbox,
    f: &mut Frame,
    body: Rect,
    page: &Page,
    focus: usize,
    taps: &mut Taps,
) {
    let _ = m;
    let inner = super::sign_in::inset(body);
    let name = page
        .name
        .clone()
        .unwrap_or_else(|| format!("record {}", page.id));
    f.render_widget(
        theme::paragraph(&fill(strings::INBOX_CHOOSE_TITLE, name), theme::bold()),
        Rect { height: 1, ..inner },
    );
    let mut y = inner.y + 2;
    if let Some(warn) = warning(page) {
        let h = theme::text_height(warn, inner.width);
        theme::message(
            f,
            Rect {
                y,
                height: h,
                ..inner
            },
            warn,
        );
        y += h + 1;
    }
    for (k, kind) in DecisionKind::ALL.iter().enumerate() {
        if y >= inner.y + inner.height {
            break;
        }
        let r = Rect {
            y,
            height: 1,
            ..inner
        };
        let text = format!(
            "{}{} {}",
            if k == focus { "► " } else { "  " },
            k + 1,
            kind.label()
        );
        let style = if k == focus {
            theme::focused()
        } else {
            theme::bold()
        };
        f.render_widget(Paragraph::new(text).style(style), r);
        taps.add(r, Intent::Choose(k));
        y += 1;
    }
    if y + 1 < inner.y + inner.height {
        f.render_widget(
            theme::paragraph(strings::INBOX_CHOOSE_HINT, theme::dim()),
            Rect {
                y: y + 1,
                height: 1,
                ..inner
            },
        );
    }
}

/// What the prescriber must know before treating today.
fn warning(page: &Page) -> Option<&'static str> {
    if page.counts[0] > 0 || page.outcome == "stop" {
        Some(strings::INBOX_STOP_PRESENT)
    } else if decision::needs_reason(&page.outcome, page.counts[0]) {
        Some(strings::INBOX_NOT_ASSESSED)
    } else {
        None
    }
}

pub(super) fn view_write(m: &Inbox, f: &mut Frame, body: Rect, w: &Write, taps: &mut Taps) {
    let _ = m;
    let inner = super::sign_in::inset(body);
    let name = w
        .page
        .name
        .clone()
        .unwrap_or_else(|| format!("record {}", w.page.id));
    f.render_widget(
        theme::paragraph(
            &format!(
                "{}: {}",
                fill(strings::INBOX_CHOOSE_TITLE, name),
                w.kind.label()
            ),
            theme::bold(),
        ),
        Rect { height: 1, ..inner },
    );
    let mut y = inner.y + 2;
    let fields: Vec<(Field, &str, &str)> = if w.needs_reason() {
        vec![
            (
                Field::Reason,
                strings::INBOX_REASON_LABEL,
                w.reason.as_str(),
            ),
            (Field::Note, strings::INBOX_NOTE_LABEL, w.note.as_str()),
        ]
    } else {
        vec![(Field::Note, strings::INBOX_NOTE_LABEL, w.note.as_str())]
    };
    // Leave room for the buttons and a message.
    let room = (inner.y + inner.height).saturating_sub(y + 3);
    let each = (room / crate::tui::surface::cells(fields.len()).max(1)).clamp(3, 6);
    for (k, (field, label, text)) in fields.iter().enumerate() {
        if y + each > inner.y + inner.height {
            break;
        }
        let focused = *field == w.field;
        let block = Block::default()
            .borders(Borders::ALL)
            .border_type(if focused {
                BorderType::Thick
            } else {
                BorderType::Plain
            })
            .title(format!(" {label} "));
        let r = Rect {
            y,
            height: each,
            ..inner
        };
        let shown = if focused {
            format!("{text}▏")
        } else {
            (*text).to_owned()
        };
        f.render_widget(
            Paragraph::new(crate::text::escape(&shown))
                .wrap(Wrap { trim: false })
                .block(block),
            r,
        );
        taps.add(r, Intent::Choose(k));
        y += each;
    }
    let buttons = Rect {
        y,
        height: 1,
        width: inner.width.min(40),
        ..inner
    };
    if y < inner.y + inner.height {
        let half = buttons.width / 2;
        let save = Rect {
            width: half.saturating_sub(1),
            ..buttons
        };
        let cancel = Rect {
            x: buttons.x + half,
            width: half,
            ..buttons
        };
        f.render_widget(
            Paragraph::new(format!("[ {} ]", strings::INBOX_SAVE)).style(theme::focused()),
            save,
        );
        f.render_widget(
            Paragraph::new(format!("[ {} ]", strings::INBOX_CANCEL)).style(theme::bold()),
            cancel,
        );
        taps.add(save, Intent::Confirm);
        taps.add(cancel, Intent::Back);
    }
    if let Some(msg) = &w.message {
        let y = y + 2;
        if y < inner.y + inner.height {
            theme::message(
                f,
                Rect {
                    y,
                    height: (inner.y + inner.height) - y,
                    ..inner
                },
                msg,
            );
        }
    }
}
