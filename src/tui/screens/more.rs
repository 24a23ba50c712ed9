//! "Add another?": the question after the last instance of a repeating group or question (FHIR
//! `repeats`). It lists what was given so far and offers to add another (while below
//! `maxOccurs`), to remove the last one, or to go on. Keys 1-3 choose, Enter goes on; every
//! choice is a tap target.

use crossterm::event::KeyCode;
use ratatui::Frame;
use ratatui::layout::Rect;

use super::step;
use crate::engine::{At, Step};
use crate::questionnaire::{ChoiceOption, ItemIdx};
use crate::strings::{self, fill};
use crate::summary::answer_text;
use crate::tui::model::{Action, Effect, Field, HitMap, Model, Msg, Target};
use crate::tui::theme;
use crate::tui::update::{is_back, is_next};

/// What the patient can do here.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Choice {
    Add,
    Done,
    RemoveLast,
}

/// The choices offered at an "add another" place `more`, in order.
fn choices(m: &Model<'_>, more: At) -> Vec<(Choice, &'static str)> {
    let mut out = Vec::new();
    if m.session.can_add(more) {
        out.push((Choice::Add, strings::MORE_ADD));
    }
    out.push((Choice::Done, strings::MORE_DONE));
    if m.session.instance_count(more.item, parent(more)) > 1 {
        out.push((Choice::RemoveLast, strings::MORE_REMOVE));
    }
    out
}

fn parent(more: At) -> crate::engine::Inst {
    more.inst.prefix(more.inst.len().saturating_sub(1))
}

pub fn update(m: &mut Model<'_>, more: At, msg: Msg) -> Vec<Effect> {
    let list = choices(m, more);
    let pick = |m: &mut Model<'_>, i: usize| {
        if i < list.len() {
            m.field = Field::Choice {
                focus: i,
                chosen: Some(i as u32),
            };
            m.message = None;
        }
    };
    match msg {
        Msg::Key(k) => match k.code {
            KeyCode::Char(c @ '1'..='9') => pick(m, c as usize - '1' as usize),
            KeyCode::Up | KeyCode::Down | KeyCode::Tab => {
                if let Field::Choice { focus, .. } = &mut m.field {
                    *focus = match k.code {
                        KeyCode::Up => focus.saturating_sub(1),
                        _ => (*focus + 1).min(list.len().saturating_sub(1)),
                    };
                }
            }
            KeyCode::Char(' ') => {
                if let Field::Choice { focus, .. } = m.field {
                    pick(m, focus);
                }
            }
            KeyCode::Right => return go(m, more, &list),
            _ if is_next(&k) => return go(m, more, &list),
            _ if is_back(&k) => return step::back(m, Step::More(more)),
            _ => {}
        },
        Msg::Tap(Target::Option(i)) => pick(m, i),
        Msg::Tap(Target::Button(Action::Next)) => return go(m, more, &list),
        Msg::Tap(Target::Button(Action::Back)) => return step::back(m, Step::More(more)),
        Msg::Scroll(n) => {
            if let Field::Choice { focus, .. } = &mut m.field {
                *focus =
                    (*focus as i32 + n.signum() as i32).clamp(0, list.len() as i32 - 1) as usize;
            }
        }
        _ => {}
    }
    Vec::new()
}

/// Does what was chosen (Next with nothing chosen goes on).
fn go(m: &mut Model<'_>, more: At, list: &[(Choice, &str)]) -> Vec<Effect> {
    let chosen = match m.field {
        Field::Choice {
            chosen: Some(c), ..
        } => list.get(c as usize).map(|(c, _)| *c),
        _ => None,
    };
    match chosen.unwrap_or(Choice::Done) {
        Choice::Done => step::advance(m, Step::More(more)),
        Choice::Add => match m.session.add_instance(more) {
            Some(new) => {
                match m
                    .session
                    .step_for_problem(&crate::engine::Problem::Missing(new))
                {
                    Some(s) => m.go_to(s),
                    None => return step::advance(m, Step::More(more)),
                }
                Vec::new()
            }
            None => {
                m.message = Some(fill(strings::MORE_AT_MOST, limit(m, more.item)));
                Vec::new()
            }
        },
        Choice::RemoveLast => {
            let n = m.session.instance_count(more.item, parent(more));
            m.session.remove_instance(At {
                item: more.item,
                inst: parent(more).push(n.saturating_sub(1)),
            });
            let effects = saves_inside(m, more.item);
            let again = Step::More(At {
                item: more.item,
                inst: parent(more).push(n.saturating_sub(1)),
            });
            if m.session.is_step_at(again) {
                m.go_to(again);
            } else {
                match m.session.prev_step(again) {
                    Some(s) => m.go_to(s),
                    None => m.go_to(again),
                }
            }
            effects
        }
    }
}

fn limit(m: &Model<'_>, item: ItemIdx) -> u16 {
    m.session
        .questionnaire()
        .item(item)
        .occurs
        .and_then(|o| o.max)
        .unwrap_or(0)
}

/// Draft saves for every question inside a repeating item (their instances moved).
fn saves_inside(m: &Model<'_>, item: ItemIdx) -> Vec<Effect> {
    let q = m.session.questionnaire();
    (item..q.item(item).end)
        .filter(|&i| q.item(i).question().is_some())
        .map(|i| step::save(m, i))
        .collect()
}

/// One line per instance given so far: its first answers in words.
fn given_so_far(m: &Model<'_>, more: At) -> Vec<String> {
    let q = m.session.questionnaire();
    let n = m.session.instance_count(more.item, parent(more));
    (0..n)
        .map(|k| {
            let inst = At {
                item: more.item,
                inst: parent(more).push(k),
            };
            let words: Vec<String> = m
                .session
                .occurrences()
                .filter(|a| {
                    a.item >= inst.item
                        && a.item < q.item(inst.item).end
                        && a.inst.prefix(inst.inst.len()) == inst.inst
                })
                .filter_map(|a| m.session.answer_at(a).map(|x| answer_text(q, a.item, x)))
                .take(3)
                .collect();
            let text = if words.is_empty() {
                strings::MORE_EMPTY.to_owned()
            } else {
                words.join("; ")
            };
            format!("{}. {text}", k + 1)
        })
        .collect()
}

pub fn view(m: &Model<'_>, f: &mut Frame, area: Rect, hits: &mut HitMap, more: At) {
    let q = m.session.questionnaire();
    let it = q.item(more.item);
    let (body, footer) = step::frame(m, f, area, more.item, false);
    let back_l = format!("← {}", strings::BACK);
    let next_l = format!("{} →", strings::NEXT);
    theme::button_row(
        f,
        footer,
        &[
            (back_l.as_str(), Action::Back, false),
            (next_l.as_str(), Action::Next, true),
        ],
        hits,
    );
    let bottom = body.y + body.height;
    let mut y = body.y;
    let put =
        |f: &mut Frame, y: &mut u16, text: &str, style| step::put_text(f, body, y, text, style);
    let name = it.text.lines().next().unwrap_or("");
    put(f, &mut y, &fill(strings::MORE_TITLE, name), theme::bold());
    let list = choices(m, more);
    // What was given so far, as much as leaves room for the choices.
    let so_far = given_so_far(m, more);
    let room_for_list = bottom
        .saturating_sub(y)
        .saturating_sub(list.len() as u16 * 3 + 2);
    if room_for_list >= 2 {
        let shown: Vec<String> = so_far
            .iter()
            .take(room_for_list.saturating_sub(1) as usize)
            .cloned()
            .collect();
        put(
            f,
            &mut y,
            &format!("{}\n{}", strings::MORE_SO_FAR, shown.join("\n")),
            theme::dim(),
        );
        y += 1;
    }
    let message_h = m
        .message
        .as_ref()
        .map_or(0, |t| theme::text_height(&format!("! {t}"), body.width));
    let options: Vec<ChoiceOption> = list
        .iter()
        .map(|(_, label)| ChoiceOption {
            value: String::new(),
            label: (*label).to_owned(),
            ..ChoiceOption::default()
        })
        .collect();
    let (focus, chosen) = match m.field {
        Field::Choice { focus, chosen } => (focus, chosen),
        _ => (0, None),
    };
    let field = Rect {
        y,
        height: bottom.saturating_sub(y + message_h),
        ..body
    };
    if field.height > 0 && field.width >= 4 {
        step::options_view(
            m.mode == crate::tui::model::Mode::Staff,
            true,
            f,
            field,
            hits,
            &options,
            focus.min(options.len().saturating_sub(1)),
            |i| {
                if chosen == Some(i as u32) {
                    "(x)"
                } else {
                    "( )"
                }
            },
        );
    }
    if let Some(t) = &m.message {
        let h = message_h.min(body.height);
        theme::message(
            f,
            Rect {
                y: bottom.saturating_sub(h),
                height: h,
                ..body
            },
            t,
        );
    }
}
