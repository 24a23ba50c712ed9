//! The doctor's one-page text summary (clinical spec §6): header, outcome banner with counts,
//! STOP then CAUTION flags with the answers that triggered them, the questionnaire's declared
//! blocks, notes, and the prescriber sign-off box. At most 80 columns; long free text is cut and
//! marked "(see full record)" so the page stays one A4 sheet.

use unicode_width::UnicodeWidthStr;

use super::{Context, answer_text, counts, fill, ordered_flags, trigger_texts, value_text};
use crate::engine::{Outcome, Problem, Session};
use crate::questionnaire::{ItemKind, RowValue, Severity, SummaryRow};
use crate::strings;

/// Page width in columns.
pub const WIDTH: usize = 80;

fn wrap(text: &str, first: &str, rest: &str, max_lines: usize) -> Vec<String> {
    let opts = textwrap::Options::new(WIDTH).initial_indent(first).subsequent_indent(rest).break_words(true);
    let mut lines: Vec<String> = textwrap::wrap(text, opts).into_iter().map(|c| c.into_owned()).collect();
    if lines.len() > max_lines {
        lines.truncate(max_lines);
        if let Some(last) = lines.last_mut() {
            let tail = format!("… {}", strings::SEE_FULL_RECORD);
            let room = WIDTH.saturating_sub(tail.width() + 1);
            let mut cut = String::new();
            for ch in last.chars() {
                if (cut.clone() + &ch.to_string()).width() > room {
                    break;
                }
                cut.push(ch);
            }
            *last = format!("{} {tail}", cut.trim_end());
        }
    }
    lines
}

fn rule(ch: char) -> String {
    std::iter::repeat_n(ch, WIDTH).collect()
}

/// Renders the doctor's page. Every line is at most 80 columns; control characters in answers
/// are escaped.
pub fn render_text(s: &Session<'_>, ctx: &Context) -> String {
    let q = s.questionnaire();
    let mut out: Vec<String> = Vec::new();

    // Header.
    let title = match &ctx.clinic {
        Some(c) => format!("{c} · {}", q.meta.title),
        None => q.meta.title.clone(),
    };
    out.extend(wrap(&title, "", "", 1));
    for row in &q.summary.header {
        if let Some(v) = row_value(s, row) {
            out.extend(wrap(&format!("{}: {v}", row.label), "", "  ", 2));
        }
    }
    let mut visit = format!("{}: {}", strings::PAGE_VISIT, ctx.completed_at.clone().unwrap_or_else(|| super::iso(s.visit_date())));
    if let Some(id) = &ctx.record_id {
        visit.push_str(&format!(" · {}: {id}", strings::PAGE_RECORD));
    }
    let hash = q.content_hash.get(..19).unwrap_or(&q.content_hash);
    visit.push_str(&format!(" · {}: {} {} ({hash})", strings::PAGE_RULES, q.meta.id, q.meta.version));
    out.extend(wrap(&visit, "", "  ", 2));
    out.extend(wrap(&q.outcome.disclaimer, "", "", 2));

    // Outcome banner.
    out.push(rule('='));
    let outcome = s.outcome();
    let o = match outcome {
        Outcome::Stop => &q.outcome.stop,
        Outcome::Caution => &q.outcome.caution,
        Outcome::Clear => &q.outcome.clear,
    };
    let c = counts(s);
    let tally = format!("STOP {} - CAUTION {} - NOTE {}", c[0].1, c[1].1, c[2].1);
    let banner = o.banner.to_uppercase();
    let gap = WIDTH.saturating_sub(banner.width() + tally.width()).max(1);
    out.push(format!("{banner}{}{tally}", " ".repeat(gap)));
    out.extend(wrap(&format!("{} {}", o.text, q.outcome.footer), "", "", 3));
    let missing: Vec<&str> = s.problems().filter_map(|p| matches!(p, Problem::Missing(_)).then(|| q.item(p.item()).id.as_str())).collect();
    if !missing.is_empty() {
        out.extend(wrap(&format!("{} {}", strings::PAGE_INCOMPLETE, missing.join(", ")), "", "  ", 3));
    }
    if let Some(end) = s.ended_at() {
        out.extend(wrap(&format!("{} {}", strings::PAGE_ENDED, q.item(end).doctor_label()), "", "  ", 2));
    }
    out.push(rule('='));

    // STOP and CAUTION flags, with their triggers.
    let fired = ordered_flags(s);
    for sev in [Severity::Stop, Severity::Caution] {
        let of_sev: Vec<_> = fired.iter().filter(|(f, _)| f.severity == sev).collect();
        if of_sev.is_empty() {
            continue;
        }
        out.push(String::new());
        out.push(sev.as_str().to_uppercase());
        for (flag, f) in of_sev {
            let (text, _) = fill(s, &flag.text);
            let id = format!(" {:<4} ", flag.id);
            let pad = " ".repeat(id.width());
            out.extend(wrap(&text, &id, &pad, 3));
            let trig: Vec<String> = trigger_texts(s, f).into_iter().map(|t| format!("{}: {}", t.label, t.answer)).collect();
            if !trig.is_empty() {
                out.extend(wrap(&trig.join("; "), &format!("{pad}> "), &format!("{pad}  "), 2));
            }
        }
    }

    // The questionnaire's blocks, or every answer by section.
    if q.summary.blocks.is_empty() {
        for sec in q.sections().filter(|&i| s.is_visible(i)) {
            let item = q.item(sec);
            let rows: Vec<(String, String)> = (sec + 1..item.end)
                .filter_map(|i| {
                    let it = q.item(i);
                    let a = s.answer(i)?;
                    matches!(it.kind, ItemKind::Question(_)).then(|| (it.doctor_label().to_owned(), answer_text(q, i, a)))
                })
                .collect();
            block(&mut out, &item.text, &rows);
        }
    } else {
        for b in &q.summary.blocks {
            if !b.show_if.as_ref().is_none_or(|e| s.holds(e)) {
                continue;
            }
            let rows: Vec<(String, String)> = b.rows.iter().filter_map(|r| row_value(s, r).map(|v| (r.label.clone(), v))).collect();
            block(&mut out, &b.title, &rows);
        }
    }

    // Notes.
    let notes: Vec<_> = fired.iter().filter(|(f, _)| f.severity == Severity::Note).collect();
    if !notes.is_empty() {
        out.push(String::new());
        out.push(strings::PAGE_NOTES.to_owned());
        for (flag, f) in notes {
            let (text, _) = fill(s, &flag.text);
            let trig: Vec<String> = trigger_texts(s, f).into_iter().map(|t| format!("{}: {}", t.label, t.answer)).collect();
            let line = if trig.is_empty() { text } else { format!("{text} > {}", trig.join("; ")) };
            let id = format!(" {:<4} ", flag.id);
            out.extend(wrap(&line, &id, &" ".repeat(id.width()), 2));
        }
    }

    // Sign-off box.
    out.push(String::new());
    out.push(rule('-'));
    out.push(strings::PAGE_SIGNOFF.to_owned());
    for l in &q.summary.signoff {
        out.extend(wrap(l, "", "  ", 2));
    }
    if outcome == Outcome::Stop {
        out.extend(wrap(strings::STOP_OVERRIDE, "", "  ", 2));
    }
    out.push(rule('-'));
    let mut page = out.join("\n");
    page.push('\n');
    crate::text::escape(&page)
}

fn block(out: &mut Vec<String>, title: &str, rows: &[(String, String)]) {
    if rows.is_empty() {
        return;
    }
    out.push(String::new());
    out.push(title.to_uppercase());
    let label_w = rows.iter().map(|(l, _)| l.width()).max().unwrap_or(0).min(24);
    for (label, value) in rows {
        let first = if label.width() > label_w {
            let mut l = String::new();
            for ch in label.chars() {
                if (l.clone() + &ch.to_string()).width() >= label_w {
                    break;
                }
                l.push(ch);
            }
            format!(" {l}… ")
        } else {
            format!(" {label}{} ", " ".repeat(label_w - label.width()))
        };
        let rest = " ".repeat(label_w + 2);
        out.extend(wrap(value, &first, &rest, 3));
    }
}

/// A row's text, or `None` when the row should be left out.
fn row_value(s: &Session<'_>, row: &SummaryRow) -> Option<String> {
    if !row.show_if.as_ref().is_none_or(|e| s.holds(e)) {
        return None;
    }
    match &row.value {
        RowValue::Template(t) => {
            let (text, any) = fill(s, t);
            (any || t.refs().next().is_none()).then_some(text)
        }
        RowValue::Answers(refs) => {
            let parts: Vec<String> = refs.iter().filter_map(|r| value_text(s, *r)).collect();
            (!parts.is_empty()).then(|| parts.join("; "))
        }
    }
}
