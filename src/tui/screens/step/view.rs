//! Drawing a step: the frame (header, progress, buttons), the question with its hint, the
//! answer field (options, typing box, units) and the scrolling layout of the smallest windows.

use ratatui::Frame;
use ratatui::layout::Rect;

use crate::questionnaire::OptionIdx;

use super::{
    Action, At, ChoiceStyle, Field, HitMap, Intent, ItemIdx, ItemKind, Model, QuestionKind, Step,
    UnicodeWidthStr, fill, focus, option_keys, options, strings, theme,
};

/// Writes wrapped text at row `y` of `body` (cut at its bottom) and moves `y` below it.
pub(in crate::tui::screens) fn put_text(
    f: &mut Frame,
    body: Rect,
    y: &mut u16,
    text: &str,
    style: ratatui::style::Style,
) {
    let bottom = body.y + body.height;
    let h = theme::text_height(text, body.width).min(bottom.saturating_sub(*y));
    if h > 0 {
        f.render_widget(
            theme::paragraph(text, style),
            Rect {
                y: *y,
                height: h,
                ..body
            },
        );
    }
    *y += h;
}

/// The footer's height: three rows (boxed buttons) from 16 rows up, else one.
fn footer_height(area: Rect) -> u16 {
    if area.height >= 16 { 3 } else { 1 }
}

/// The frame of a step screen: header with the section, progress bar; returns the body and
/// footer rectangles. `tight`: the progress bar and the blank row above the buttons give way
/// to two more rows of answers (see [`needs_tight_layout`]).
pub(in crate::tui::screens) fn frame(
    m: &Model<'_>,
    f: &mut Frame,
    area: Rect,
    step: Step,
    tight: bool,
) -> (Rect, Rect) {
    let q = m.session.questionnaire();
    let (where_, done, total) = progress(m, step);
    theme::header(f, Rect { height: 1, ..area }, &q.meta.title, &where_);
    if !tight {
        theme::progress(
            f,
            Rect {
                y: area.y + 1,
                height: 1,
                ..area
            },
            done,
            total,
        );
    }
    let footer_h = footer_height(area);
    let footer = Rect {
        y: area.y + area.height - footer_h,
        height: footer_h,
        ..area
    };
    let body = if tight {
        Rect {
            x: area.x + 1,
            y: area.y + 2,
            width: area.width.saturating_sub(2),
            height: area.height.saturating_sub(2 + footer_h),
        }
    } else {
        Rect {
            x: area.x + 1,
            y: area.y + 3,
            width: area.width.saturating_sub(2),
            height: area.height.saturating_sub(3 + footer_h + 1),
        }
    };
    (body, footer)
}

/// Whether the answers of `item` show whole only with the progress bar and the blank row
/// above the buttons given up (at 80x24: the eleven medicine groups, one per row).
fn needs_tight_layout(m: &Model<'_>, area: Rect, item: ItemIdx, message: Option<&str>) -> bool {
    let it = m.session.questionnaire().item(item);
    let offered = m.offered_options(item);
    if offered.is_empty() || !matches!(it.kind, ItemKind::Question(_)) {
        return false;
    }
    let width = area.width.saturating_sub(2);
    let normal = area.height.saturating_sub(3 + footer_height(area) + 1);
    let message_h = message.map_or(0, |t| theme::text_height(&format!("! {t}"), width));
    let need = theme::text_height(&it.text, width)
        + options::rows_needed(offered, width, options::Numbering::Keys)
        + message_h;
    need > normal && need <= normal + 2
}

/// "Section 3 of 9" (counting every section, so the number does not change as sections are
/// shown or hidden; nothing for a question outside every section, as in a flat FHIR
/// questionnaire), and how far through the questionnaire the step is, for the progress bar:
/// items before it of all items; with repeats, screens before it of all screens now (so each
/// new instance and each "add another" screen moves the bar on rather than back).
pub fn progress(m: &Model<'_>, step: Step) -> (String, usize, usize) {
    let q = m.session.questionnaire();
    let item = step.item();
    let sections: Vec<ItemIdx> = q.sections().collect();
    let here = q.section_of(item);
    let where_ = match sections.iter().position(|&s| s == here) {
        Some(p) => fill(&fill(strings::SECTION_OF, p + 1), sections.len()),
        None => String::new(),
    };
    if q.has_repeats() {
        let steps: Vec<Step> = m.session.steps().collect();
        let done = steps.iter().position(|&s| s == step).unwrap_or(0);
        return (where_, done, steps.len().max(1));
    }
    (where_, item.to_usize(), q.items.len())
}

pub fn view(m: &Model<'_>, f: &mut Frame, area: Rect, hits: &mut HitMap, step: Step) {
    let at = match step {
        Step::Item(at) => at,
        Step::More(at) => return crate::tui::screens::more::view(m, f, area, hits, at),
    };
    let shown = m.message.as_deref().or(m.save_problem.as_deref());
    let Some(multi) = m.message.as_deref().and_then(strings::is_need_choice) else {
        return draw_item(m, f, area, hits, at, shown);
    };
    // The empty-answer message of a choice must leave the answers in sight and count only
    // those really out of sight: drawn in full (or in one line) when every answer then shows;
    // else in one line that says more are out of sight, or naming them when that costs none of
    // the answers shown.
    let first_hit = hits.targets.len();
    let view_before = m.viewport.get();
    let redraw = |f: &mut Frame, hits: &mut HitMap, text: &str| {
        f.render_widget(ratatui::widgets::Clear, area);
        hits.targets.truncate(first_hit);
        m.viewport.set(view_before);
        draw_item(m, f, area, hits, at, Some(text));
        m.hidden_options.borrow().clone()
    };
    let base = strings::need_choice(multi);
    if redraw(f, hits, base).is_empty()
        || redraw(f, hits, strings::need_choice_line(multi)).is_empty()
    {
        return;
    }
    let out_of_sight = redraw(f, hits, strings::need_choice_short(multi));
    let named = options::out_of_sight_message(base, m.offered_options(at.item), &out_of_sight);
    let all = m.offered_options(at.item).len();
    let in_sight = all.saturating_sub(out_of_sight.len());
    if in_sight < all.min(3) || redraw(f, hits, &named) != out_of_sight {
        redraw(f, hits, strings::need_choice_short(multi));
    }
}

/// Draws the step of `at` with `message` (validation or saving problem) at the bottom.
fn draw_item(
    m: &Model<'_>,
    f: &mut Frame,
    area: Rect,
    hits: &mut HitMap,
    at: At,
    message: Option<&str>,
) {
    let item = at.item;
    let q = m.session.questionnaire();
    let it = q.item(item);
    let narrow = area.width < 60;
    m.hidden_options.replace(Vec::new());
    let tight = needs_tight_layout(m, area, item, message);
    let (body, footer) = frame(m, f, area, Step::Item(at), tight);
    let context_row = if tight { area.y + 1 } else { area.y + 2 };

    // Footer buttons.
    // What Enter does: from a question opened on the review, it goes back there.
    let next_label = if m.back_to_review.is_some() {
        strings::BACK_TO_REVIEW
    } else if matches!(it.kind, ItemKind::Group { .. }) {
        strings::CONTINUE
    } else {
        strings::NEXT
    };
    // The buttons name the key that does what they do here ("← Back" on a choice, "Esc Back"
    // in a typed answer, where ← moves the cursor).
    let back_key = m.key_name(Intent::Back).unwrap_or_default();
    let help_key = m.key_name(Intent::Help).unwrap_or_default();
    let (back_l, help_l, next_l) = if narrow {
        let next_label = if m.back_to_review.is_some() {
            strings::BACK_TO_REVIEW_SHORT
        } else {
            next_label
        };
        // Narrow: a key named by one sign ("←", "?") still shows; a longer name ("Esc", "F1")
        // gives its room to the Next button, whose "(Enter)" must fit.
        let short = |key: &str, label: &str| match key.chars().count() {
            1 => format!("{key} {label}"),
            _ => label.to_owned(),
        };
        (
            short(&back_key, strings::BACK),
            short(&help_key, strings::HELP_SHORT),
            format!("{next_label} →"),
        )
    } else {
        (
            format!("{back_key} {}", strings::BACK),
            format!("{help_key} {}", strings::HELP),
            format!("{next_label} →"),
        )
    };
    let mut buttons: Vec<(&str, Action, bool)> = vec![(back_l.as_str(), Action::Back, false)];
    if matches!(it.kind, ItemKind::Question(_)) {
        buttons.push((help_l.as_str(), Action::Help, false));
    }
    buttons.push((next_l.as_str(), Action::Next, true));
    theme::button_row(f, footer, &buttons, hits);

    // Body: heading, text, hint, field, message.
    let mut y = body.y;
    let bottom = body.y + body.height;
    let put = |f: &mut Frame, y: &mut u16, text: &str, style: ratatui::style::Style| {
        put_text(f, body, y, text, style);
    };
    let message_h = message.map_or(0, |t| theme::text_height(&format!("! {t}"), body.width));
    // Where the question stands: the text of the group around it (a section's title, or a
    // FHIR group's stem such as "Over the last two weeks, how often ..."), on the free row under
    // the progress bar; a stem too long for it goes above the question when there is room.
    // Inside repeats it names the instance: "Medicine you take (2)", "Allergy (2)", and for an
    // item asked per answer, the answer ("Which symptoms? (Dizziness)").
    let context = match (
        group_text(q, item),
        crate::summary::instance_label(&m.session, at, false),
    ) {
        (Some(g), Some(w)) => Some(format!("{g} ({w})")),
        (Some(g), None) => Some(g.to_owned()),
        (None, Some(w)) => {
            let outer = q.levels(item).first().map_or(item, |&l| l);
            let name = q.item(outer).text.lines().next().unwrap_or("");
            Some(format!("{name} ({w})"))
        }
        (None, None) => None,
    };
    if !matches!(it.kind, ItemKind::Group { .. })
        && let Some(context) = context.as_deref()
    {
        let line = context.lines().next().unwrap_or("");
        let whole = line.width() <= body.width as usize && !context.contains('\n');
        if whole || area.height < 20 || tight {
            f.render_widget(
                theme::paragraph(&theme::ellipsize(line, body.width as usize), theme::dim()),
                Rect {
                    y: context_row,
                    height: 1,
                    ..body
                },
            );
        } else {
            put(f, &mut y, context, theme::dim());
        }
    }
    // A question too long for its answers to fit beside it (the smallest windows): the question,
    // hint and answers scroll together, so every part can be reached.
    if let ItemKind::Question(_) = &it.kind {
        let text_h = theme::text_height(&it.text, body.width);
        let offered = m.offered_options(item);
        let n = crate::tui::surface::cells(offered.len());
        // The answers need room for three of them, and for the tallest one whole with the
        // "more above/below" rows; otherwise everything scrolls together.
        let tallest = offered
            .iter()
            .map(|o| theme::line_height(&o.label, body.width))
            .max()
            .unwrap_or(1);
        let min_field = if offered.is_empty() {
            1
        } else {
            (tallest + 2).max(n.min(3))
        };
        let avail = bottom.saturating_sub(y + message_h);
        if text_h + min_field > avail {
            let hint = question_hint(m, it);
            let hint_h = theme::text_height(&hint, body.width);
            let field_y = text_h + hint_h + 1;
            // Options one under another, each label wrapped in full; a quantity with units:
            // its typing line, then one line per unit.
            let heights: Vec<u16> = offered
                .iter()
                .map(|o| theme::line_height(&o.label, body.width))
                .collect();
            let field_h = if offered.is_empty() {
                1 + crate::tui::surface::cells(it.unit_choices().len())
            } else {
                heights.iter().sum()
            };
            let (focus_top, focus_h) = focus(m).map_or((0, 1), |i| {
                (
                    heights.iter().take(i).sum::<u16>(),
                    heights.get(i).copied().unwrap_or(1),
                )
            });
            let view = theme::Viewport {
                focus: Some((field_y + focus_top, field_y + focus_top + focus_h)),
                ..m.viewport.get()
            };
            let window = Rect {
                y,
                height: avail,
                ..body
            };
            let drawn = theme::viewport_with(
                f,
                window,
                field_y + field_h,
                view,
                m.follow_focus,
                hits,
                strings::MORE_ANSWERS_BELOW,
                |f, r, hits| {
                    let line = |f: &mut Frame, y: u16, h: u16, text: &str, style| {
                        f.render_widget(theme::paragraph(text, style), Rect { y, height: h, ..r });
                    };
                    line(f, r.y, text_h, &it.text, theme::bold());
                    line(f, r.y + text_h, hint_h, &hint, theme::dim());
                    field_view(
                        m,
                        f,
                        Rect {
                            y: r.y + field_y,
                            height: field_h,
                            ..r
                        },
                        hits,
                        item,
                        true,
                    );
                },
            );
            m.viewport.set(drawn);
            // The answers out of the window, for the message that names them.
            let mut top = field_y;
            let mut hidden = Vec::new();
            for (i, h) in heights.iter().enumerate() {
                if drawn.scrolls() && (top < drawn.offset || top + h > drawn.offset + drawn.height)
                {
                    hidden.push(i);
                }
                top += h;
            }
            m.hidden_options.replace(hidden);
            if let Some(t) = message {
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
            return;
        }
    }
    m.viewport.set(theme::Viewport::default());
    match &it.kind {
        ItemKind::Group { intro } => {
            put(f, &mut y, &it.text, theme::bold());
            y += 1;
            put(
                f,
                &mut y,
                intro.as_deref().unwrap_or(""),
                ratatui::style::Style::default(),
            );
        }
        ItemKind::Info => put(f, &mut y, &it.text, theme::bold()),
        ItemKind::Question(_) => {
            put(f, &mut y, &it.text, theme::bold());
            let hint = question_hint(m, it);
            // Room goes to the question, then the field, then the message; the hint and blank
            // lines only when there is space left for a full-size field.
            let hint_h = theme::text_height(&hint, body.width);
            let room = bottom.saturating_sub(y + message_h);
            // A text field needs five rows; a list of answers what shows every one of them
            // (one per row, or two columns).
            let offered = m.offered_options(item);
            let field_need = if offered.is_empty() {
                5
            } else {
                options::rows_needed(offered, body.width, options::Numbering::Keys)
            };
            if room >= hint_h + 1 + field_need {
                put(f, &mut y, &hint, theme::dim());
                y += 1;
            }
            let field_area = Rect {
                y,
                height: bottom.saturating_sub(y + message_h),
                ..body
            };
            field_view(m, f, field_area, hits, item, false);
        }
    }
    if let Some(t) = message {
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
    if m.help_open {
        let help = it.help.as_deref().unwrap_or(strings::NO_HELP);
        let below_question =
            (body.y + theme::text_height(&it.text, body.width)).min(bottom.saturating_sub(3));
        let h = (theme::text_height(help, body.width.saturating_sub(4)) + 2)
            .min(bottom.saturating_sub(below_question).max(3));
        let r = Rect {
            x: body.x + 1,
            y: below_question,
            width: body.width.saturating_sub(2),
            height: h,
        };
        theme::overlay(f, r, &help_title(), help);
    }
}

/// The help panel's title, with how to close it (any key: the help table's).
pub(crate) fn help_title() -> String {
    format!(
        "{} · {}",
        strings::HELP,
        crate::tui::keymap::fill_keys(
            strings::HELP_CLOSES,
            &[crate::tui::keymap::keymap(crate::tui::keymap::Mode::Help)]
        )
    )
}

/// The lines under a question: how to answer it, and for reception the keys that move on.
fn question_hint(m: &Model<'_>, it: &crate::questionnaire::Item) -> String {
    let hint = m.keys_hint(&hint_text(it));
    if m.mode == crate::tui::model::Mode::Staff {
        format!("{hint}\n{}", m.keys_hint(strings::STAFF_STEP_KEYS))
    } else {
        hint
    }
}

/// The line under a question saying how to answer it.
pub(crate) fn hint_text(it: &crate::questionnaire::Item) -> String {
    let Some(kind) = it.question() else {
        return String::new();
    };
    match (kind, it.required) {
        (
            QuestionKind::Choice {
                style: ChoiceStyle::Multi,
                ..
            },
            _,
        ) if options::some_without_key(it.options()) => {
            format!("{} {}", strings::CHOOSE_MANY_HINT, strings::END_KEY_HINT)
        }
        (
            QuestionKind::Choice {
                style: ChoiceStyle::Multi,
                ..
            },
            _,
        ) => strings::CHOOSE_MANY_HINT.to_owned(),
        (QuestionKind::Choice { .. }, _) if options::some_without_key(it.options()) => {
            format!("{} {}", strings::CHOOSE_ONE_HINT, strings::END_KEY_HINT)
        }
        (QuestionKind::Choice { .. }, _) => strings::CHOOSE_ONE_HINT.to_owned(),
        (QuestionKind::Number { min, max, unit, .. }, _) => {
            // FHIR's 32-bit integer limits are a technical bound, not one worth reading.
            let real = |b: &Option<f64>| b.filter(|v| v.abs() < f64::from(i32::MAX));
            let range = match (real(min), real(max)) {
                (Some(a), Some(b)) => format!(
                    " from {} to {}",
                    crate::summary::fmt_num(a),
                    crate::summary::fmt_num(b)
                ),
                _ => String::new(),
            };
            if it.unit_choices().is_empty() {
                let unit = unit.as_ref().map(|u| format!(" ({u})")).unwrap_or_default();
                format!("{}{range}{unit}.", strings::NUMBER_HINT)
            } else {
                let first = it
                    .unit_choices()
                    .first()
                    .filter(|_| !range.is_empty())
                    .map(|u| format!(" {}", u.display))
                    .unwrap_or_default();
                format!(
                    "{}{range}{first}; {}",
                    strings::NUMBER_HINT,
                    strings::UNIT_HINT
                )
            }
        }
        (
            QuestionKind::Date {
                allow_month: true, ..
            },
            _,
        ) => format!("{}.", strings::DATE_MONTH_HINT),
        (QuestionKind::Date { .. }, _) => format!("{}.", strings::DATE_HINT),
        (QuestionKind::Text { .. }, true) => strings::TEXT_HINT.to_owned(),
        (QuestionKind::Text { .. }, false) => {
            format!("{} {}", strings::TEXT_HINT, strings::OPTIONAL_HINT)
        }
    }
}

/// The answer field. `lines_only`: options one per (wrapped) line, never boxed (the
/// scrolling layout of the smallest windows).
fn field_view(
    m: &Model<'_>,
    f: &mut Frame,
    area: Rect,
    hits: &mut HitMap,
    item: ItemIdx,
    lines_only: bool,
) {
    if area.height == 0 || area.width < 4 {
        return;
    }
    let it = m.session.questionnaire().item(item);
    // A staff-only answer (given in reception mode) is not among a patient's options: the
    // focus stays on the options shown.
    let offered = m.offered_options(item);
    let shown = offered.len().saturating_sub(1);
    let boxes = !lines_only && !m.mode.is_staff();
    let mut list = |focus: usize, marker: &dyn Fn(usize) -> &'static str| {
        let list = options::OptionList {
            options: offered,
            focus: Some(focus.min(shown)),
            boxes,
            marker,
            numbering: options::Numbering::Keys,
        };
        options::draw(&list, f, area, hits)
    };
    let hidden = match &m.field {
        Field::Choice { focus, chosen } => list(*focus, &|i| {
            if *chosen == Some(OptionIdx::at(i).get()) {
                "(x)"
            } else {
                "( )"
            }
        }),
        Field::Multi { focus, chosen } => list(*focus, &|i| {
            if chosen.contains(&OptionIdx::at(i).get()) {
                "[x]"
            } else {
                "[ ]"
            }
        }),
        _ => Vec::new(),
    };
    if !lines_only && matches!(m.field, Field::Choice { .. } | Field::Multi { .. }) {
        m.hidden_options.replace(hidden);
    }
    match &m.field {
        Field::Text(input) => text_box(f, area, input),
        Field::Quantity { input, unit } => {
            let units = crate::tui::surface::cells(it.unit_choices().len());
            let box_h = if area.height >= 3 + units { 3 } else { 1 };
            text_box(
                f,
                Rect {
                    height: box_h,
                    ..area
                },
                input,
            );
            let units: Vec<crate::questionnaire::ChoiceOption> = it
                .unit_choices()
                .iter()
                .map(|u| crate::questionnaire::ChoiceOption {
                    label: u.display.clone(),
                    ..Default::default()
                })
                .collect();
            let below = Rect {
                y: area.y + box_h,
                height: area.height.saturating_sub(box_h),
                ..area
            };
            if below.height > 0 {
                options_view(
                    m.mode.is_staff(),
                    false,
                    f,
                    below,
                    hits,
                    &units,
                    *unit,
                    |i| if i == *unit { "(x)" } else { "( )" },
                );
            }
        }
        _ => {}
    }
}

/// A typing box: a thick box when there is room, otherwise one line starting with `>`; the
/// terminal cursor sits at the input's cursor.
fn text_box(f: &mut Frame, area: Rect, input: &tui_input::Input) {
    let boxed = area.height >= 3;
    let r = Rect {
        height: if boxed { 3 } else { 1 },
        ..area
    };
    let (inner_x, inner_w) = (
        r.x + if boxed { 1 } else { 2 },
        r.width.saturating_sub(3) as usize,
    );
    let scroll = input.visual_scroll(inner_w);
    let text = ratatui::widgets::Paragraph::new(input.value())
        .scroll((0, crate::tui::surface::cells(scroll)));
    if boxed {
        let block = ratatui::widgets::Block::default()
            .borders(ratatui::widgets::Borders::ALL)
            .border_type(ratatui::widgets::BorderType::Thick);
        f.render_widget(text.block(block), r);
    } else {
        f.render_widget(
            ratatui::widgets::Paragraph::new(">").style(theme::bold()),
            Rect { width: 2, ..r },
        );
        f.render_widget(
            text,
            Rect {
                x: inner_x,
                width: r.width.saturating_sub(2),
                ..r
            },
        );
    }
    let cx = inner_x + crate::tui::surface::cells(input.visual_cursor().max(scroll) - scroll);
    let cy = if boxed { r.y + 1 } else { r.y };
    f.set_cursor_position((cx.min(r.x + r.width.saturating_sub(2)), cy));
}

/// The options of a choice as boxes (or lines when space is short), scrolled to the focus;
/// `keyed`: each shows the number key that chooses it.
#[allow(clippy::too_many_arguments)]
fn options_view(
    compact: bool,
    keyed: bool,
    f: &mut Frame,
    area: Rect,
    hits: &mut HitMap,
    options: &[crate::questionnaire::ChoiceOption],
    focus: usize,
    marker: impl Fn(usize) -> &'static str,
) {
    // Boxed options (three-row tap targets) when every one of them fits with both scroll hints;
    // otherwise one line each, so the smallest window still shows every choice.
    let tallest = options
        .iter()
        .map(|o| theme::option_height(&o.label, area.width))
        .max()
        .unwrap_or(0);
    let boxed = area.height >= 5 && tallest + 2 <= area.height && !compact;
    let keys = if keyed {
        option_keys(options)
    } else {
        Vec::new()
    };
    let heights: Vec<u16> = options
        .iter()
        .map(|o| {
            if boxed {
                theme::option_height(&o.label, area.width)
            } else {
                1
            }
        })
        .collect();
    // Scroll so the focused option is visible, leaving a row for "more" hints when scrolled.
    let mut start = 0;
    while start < focus {
        let used: u16 =
            heights.iter().take(focus + 1).skip(start).sum::<u16>() + u16::from(start > 0);
        if used < area.height {
            break;
        }
        start += 1;
    }
    let mut y = area.y;
    if start > 0 {
        f.render_widget(
            ratatui::widgets::Paragraph::new(strings::MORE_ABOVE),
            Rect {
                y,
                height: 1,
                ..area
            },
        );
        y += 1;
    }
    for (i, (o, &h)) in options.iter().zip(&heights).enumerate().skip(start) {
        let remaining = area.y + area.height - y;
        let last_fits = i + 1 == options.len() && h <= remaining;
        if h + 1 > remaining && !last_fits {
            f.render_widget(
                ratatui::widgets::Paragraph::new(strings::MORE_BELOW),
                Rect {
                    y: area.y + area.height - 1,
                    height: 1,
                    ..area
                },
            );
            break;
        }
        let r = Rect {
            y,
            height: h,
            ..area
        };
        let view = theme::OptionView {
            marker: marker(i),
            index: i,
            number: keys.get(i).copied().flatten().unwrap_or(' ').to_string(),
            label: &o.label,
            focused: i == focus,
        };
        if boxed {
            view.boxed(f, r, hits);
        } else {
            view.line(f, r, hits);
        }
        y += h;
    }
}

/// The text of the nearest group around `item`.
fn group_text(q: &crate::questionnaire::Questionnaire, item: ItemIdx) -> Option<&str> {
    let mut at = q.item(item).parent;
    while let Some(p) = at {
        let it = q.item(p);
        if matches!(it.kind, ItemKind::Group { .. }) {
            return Some(it.text.as_str()).filter(|t| !t.trim().is_empty());
        }
        at = it.parent;
    }
    None
}
