//! "Add another?": the question after the last instance of a repeating group or question (FHIR
//! `repeats`). It lists what was given so far and offers to add another (while below
//! `maxOccurs`), to remove the last one (while more are given than needed), or to go on. Each
//! choice keeps its number (1 add, 2 no more, 3 remove); Enter goes on; every choice is a tap
//! target. Going on with fewer instances than needed (`minOccurs`) says how many are needed.

use ratatui::Frame;
use ratatui::layout::Rect;

use super::step;
use crate::engine::{At, Step};
use crate::questionnaire::{ChoiceOption, ItemIdx, OptionIdx};
use crate::strings::{self, fill};
use crate::summary::answer_text;
use crate::tui::model::{Action, Effect, Field, HitMap, Intent, Model, Msg, Target};
use crate::tui::options::{self, Numbering};
use crate::tui::theme;

/// What the patient can do here.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Choice {
    Add,
    Done,
    RemoveLast,
}

/// The choices shown at an "add another" place `more`, in a fixed order so each keeps its
/// number: 1 add another (shown with the reason when the limit is reached), 2 no more, 3 remove
/// the last one (only while more instances are given than are needed; it is last, so leaving
/// it out renumbers nothing).
fn choices(m: &Model<'_>, more: At) -> Vec<(Choice, String)> {
    let add = if m.session.can_add(more) {
        strings::MORE_ADD.to_owned()
    } else {
        fill(strings::MORE_ADD_NOT, limit(m, more.item))
    };
    let mut out = vec![
        (Choice::Add, add),
        (Choice::Done, strings::MORE_DONE.to_owned()),
    ];
    if m.session.can_remove(more) {
        out.push((Choice::RemoveLast, strings::MORE_REMOVE.to_owned()));
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
                chosen: Some(OptionIdx::at(i).get()),
            };
            m.message = None;
        }
    };
    match msg {
        Msg::Intent(i) => match i {
            Intent::Choose(n) => pick(m, n),
            Intent::Up | Intent::Down => {
                if let Field::Choice { focus, .. } = &mut m.field {
                    *focus = match i {
                        Intent::Up => focus.saturating_sub(1),
                        _ => (*focus + 1).min(list.len().saturating_sub(1)),
                    };
                }
            }
            Intent::Toggle => {
                if let Field::Choice { focus, .. } = m.field {
                    pick(m, focus);
                }
            }
            Intent::Next => return go(m, more, &list),
            Intent::Back => return step::back(m, Step::More(more)),
            _ => {}
        },
        Msg::Tap(Target::Option(i)) => pick(m, i),
        Msg::Tap(Target::Button(Action::Next)) => return go(m, more, &list),
        Msg::Tap(Target::Button(Action::Back)) => return step::back(m, Step::More(more)),
        Msg::Scroll(n) => {
            if let Field::Choice { focus, .. } = &mut m.field {
                *focus = crate::tui::surface::moved(*focus, i32::from(n.signum()), list.len());
            }
        }
        _ => {}
    }
    Vec::new()
}

/// Does what was chosen (Next with nothing chosen goes on). Going on with fewer answered
/// instances than needed stays here and says how many are needed.
fn go(m: &mut Model<'_>, more: At, list: &[(Choice, String)]) -> Vec<Effect> {
    let chosen = match m.field {
        Field::Choice {
            chosen: Some(c), ..
        } => list.get(c as usize).map(|(c, _)| *c),
        _ => None,
    };
    match chosen.unwrap_or(Choice::Done) {
        Choice::Done => match m.session.too_few(more.item, parent(more)) {
            Some((given, need)) => {
                m.message = Some(need_message(m, more.item, given, need, true));
                Vec::new()
            }
            None => step::advance(m, Step::More(more)),
        },
        Choice::Add => {
            if let Some(new) = m.session.add_instance(more) {
                match m
                    .session
                    .step_for_problem(&crate::engine::Problem::Missing(new))
                {
                    Some(s) => m.go_to(s),
                    None => return step::advance(m, Step::More(more)),
                }
                Vec::new()
            } else {
                m.message = Some(fill(strings::MORE_AT_MOST, limit(m, more.item)));
                Vec::new()
            }
        }
        Choice::RemoveLast => {
            if !m.session.can_remove(more) {
                return Vec::new();
            }
            let n = m.session.instance_count(more.item, parent(more));
            let last = At {
                item: more.item,
                inst: parent(more).push(n.saturating_sub(1)),
            };
            m.session.remove_instance(last);
            let effects = saves_inside(m, more.item);
            // Back to "add another" after the instances left, or (when the only one was
            // emptied) to the first screen of that instance.
            let left = m.session.instance_count(more.item, parent(more));
            let again = Step::More(At {
                item: more.item,
                inst: parent(more).push(left),
            });
            let first = At {
                item: more.item,
                inst: parent(more).push(left.saturating_sub(1)),
            };
            if m.session.is_step_at(again) {
                m.go_to(again);
            } else if let Some(s) = m
                .session
                .step_for_problem(&crate::engine::Problem::Missing(first))
            {
                m.go_to(s);
            } else {
                m.go_to(again);
            }
            effects
        }
    }
}

/// "Medicine you take: at least 2 are needed, 1 given so far." (`add`: with how to add one.)
pub(crate) fn need_message(
    m: &Model<'_>,
    item: ItemIdx,
    given: u16,
    need: u16,
    add: bool,
) -> String {
    let q = m.session.questionnaire();
    let name = q.item(item).text.lines().next().unwrap_or("").to_owned();
    let text = fill(&fill(&fill(strings::MORE_NEED, name), need), given);
    if add {
        format!("{text} {}", strings::MORE_NEED_ADD)
    } else {
        text
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
    item.up_to(q.item(item).end)
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

/// Draws the screen: the question, what was given so far, the choices (laid out as every
/// other choice is, [`options::draw`]) and any message. "So far" always keeps at least its
/// first line: when the whole list does not fit with the choices, it is given on one wrapped
/// line, cut with "…", and the choices drop to one row each.
pub fn view(m: &Model<'_>, f: &mut Frame, area: Rect, hits: &mut HitMap, more: At) {
    let q = m.session.questionnaire();
    let it = q.item(more.item);
    let (body, footer) = step::frame(m, f, area, Step::More(more), false);
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
    let name = it.text.lines().next().unwrap_or("");
    step::put_text(
        f,
        body,
        &mut y,
        &fill(strings::MORE_TITLE, name),
        theme::bold(),
    );
    let list = choices(m, more);
    let options: Vec<ChoiceOption> = list
        .iter()
        .map(|(_, label)| ChoiceOption {
            value: String::new(),
            label: label.clone(),
            ..ChoiceOption::default()
        })
        .collect();
    let message_h = m
        .message
        .as_ref()
        .map_or(0, |t| theme::text_height(&format!("! {t}"), body.width));
    let staff = m.mode == crate::tui::model::Mode::Staff;
    let room = bottom.saturating_sub(y + message_h);
    let lines_h = options::rows_needed(&options, body.width, Numbering::Keys);
    // What was given so far: one line per instance when it fits with the choices, else all on
    // one wrapped paragraph in the rows the choices leave.
    let so_far = given_so_far(m, more);
    let full = format!("{}\n{}", strings::MORE_SO_FAR, so_far.join("\n"));
    let full_h = theme::text_height(&full, body.width) + 1;
    let boxes_fit = !staff && options::boxed_height(&options, body.width) + full_h <= room;
    if boxes_fit || lines_h + full_h <= room {
        step::put_text(f, body, &mut y, &full, theme::dim());
        y += 1;
    } else {
        let rows = room.saturating_sub(lines_h).max(1);
        let short = format!("{} {}", strings::MORE_SO_FAR, so_far.join("; "));
        let cut = cut_to_rows(&short, body.width, rows);
        step::put_text(f, body, &mut y, &cut, theme::dim());
    }
    let (focus, chosen) = match m.field {
        Field::Choice { focus, chosen } => (focus, chosen),
        _ => (0, None),
    };
    let field = Rect {
        y,
        height: bottom.saturating_sub(y + message_h),
        ..body
    };
    let marker = |i: usize| {
        if chosen == Some(OptionIdx::at(i).get()) {
            "(x)"
        } else {
            "( )"
        }
    };
    options::draw(
        &options::OptionList {
            options: &options,
            focus: Some(focus.min(options.len().saturating_sub(1))),
            boxes: !staff,
            marker: &marker,
            numbering: Numbering::Keys,
        },
        f,
        field,
        hits,
    );
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

/// `text` cut (with "…") to what `rows` wrapped rows of `width` hold.
fn cut_to_rows(text: &str, width: u16, rows: u16) -> String {
    if theme::text_height(text, width) <= rows {
        return text.to_owned();
    }
    let chars: Vec<char> = text.chars().collect();
    let (mut lo, mut hi) = (0, chars.len());
    while lo < hi {
        let mid = (lo + hi).div_ceil(2);
        let t: String = chars.iter().take(mid).collect::<String>() + "…";
        if theme::text_height(&t, width) <= rows {
            lo = mid;
        } else {
            hi = mid - 1;
        }
    }
    chars.iter().take(lo).collect::<String>() + "…"
}
