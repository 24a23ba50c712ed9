//! The doctor's one-page text summary (clinical spec §6): header, outcome banner with counts,
//! STOP then CAUTION flags with the answers that triggered them, the questionnaire's declared
//! blocks, notes, and the prescriber sign-off box. At most 80 columns and plain ASCII
//! punctuation for printers. A printed page has no "full record" to point at, so nothing an
//! answer says is ever dropped: rows and flags are wrapped whole while page 1 has room; when it
//! has not, optional rows go first, then long rows and flags are shortened on page 1, ending
//! "(continued on page 2)", and printed whole on a second page, "Answers in full". Answers
//! marked `in_full` (medicines, allergies, the patient's own words: clinical spec 9.4) are the
//! last to be shortened.

use unicode_width::UnicodeWidthStr;

use super::{
    Context, TextUse, answer_text, counts, fill_for, is_in_full, ordered_flags, text_answer,
    trigger_texts, value_text_for,
};
use crate::engine::{Problem, Session};
use crate::questionnaire::{ItemIdx, ItemKind, RowValue, Severity, SummaryRow};
use crate::strings;

/// Page width in columns.
pub const WIDTH: usize = 80;
/// Lines a summary row keeps on page 1 when the page is short of room.
const ROW_LINES: usize = 2;
/// Lines that fit on one A4 sheet before the sign-off box.
pub const PAGE_LINES: usize = 66;

/// Wraps `text` whole with the given indents.
fn wrap(text: &str, first: &str, rest: &str) -> Vec<String> {
    let opts = textwrap::Options::new(WIDTH)
        .initial_indent(first)
        .subsequent_indent(rest)
        .break_words(true);
    // A line break inside a value is a space here: only the page decides where lines end.
    let text = crate::text::one_line(text);
    textwrap::wrap(&text, opts)
        .into_iter()
        .map(std::borrow::Cow::into_owned)
        .collect()
}

/// Keeps the first `max_lines` lines; when any were dropped, the last kept one ends
/// `... marker` within the page width.
fn cut_lines(lines: &mut Vec<String>, max_lines: usize, marker: &str) {
    if lines.len() <= max_lines {
        return;
    }
    lines.truncate(max_lines);
    if let Some(last) = lines.last_mut() {
        let tail = format!("... {marker}");
        let room = WIDTH.saturating_sub(tail.width() + 1);
        let mut cut = String::new();
        for ch in last.chars() {
            if cut.width() + ch.to_string().width() > room {
                break;
            }
            cut.push(ch);
        }
        *last = format!("{}{tail}", cut.trim_end());
    }
}

/// Packs whole sentences into lines of at most 80 columns, so a sentence someone may search for
/// ("Final decision by the prescriber ...") is never broken in the middle when it fits a line.
fn sentence_lines(text: &str) -> Vec<String> {
    let text = crate::text::one_line(text);
    let mut sentences: Vec<String> = Vec::new();
    let mut current = String::new();
    for word in text.split(' ').filter(|w| !w.is_empty()) {
        if !current.is_empty() {
            current.push(' ');
        }
        current.push_str(word);
        if word.ends_with(['.', '!', '?']) {
            sentences.push(std::mem::take(&mut current));
        }
    }
    if !current.is_empty() {
        sentences.push(current);
    }
    let mut lines: Vec<String> = Vec::new();
    for sentence in sentences {
        match lines.last_mut() {
            Some(last) if last.width() + 1 + sentence.width() <= WIDTH => {
                last.push(' ');
                last.push_str(&sentence);
            }
            _ if sentence.width() <= WIDTH => lines.push(sentence),
            _ => lines.extend(wrap(&sentence, "", "")),
        }
    }
    lines
}

/// A section heading drawn as a rule: `-- STOP ----...`; a long title is cut to fit.
fn heading(title: &str) -> String {
    let mut t = String::new();
    for ch in crate::text::one_line(title).to_uppercase().chars() {
        if t.width() + ch.to_string().width() > WIDTH - 8 {
            t.push_str("...");
            break;
        }
        t.push(ch);
    }
    let head = format!("-- {t} ");
    let fill = WIDTH.saturating_sub(head.width());
    format!("{head}{}", "-".repeat(fill))
}

fn rule(ch: char) -> String {
    std::iter::repeat_n(ch, WIDTH).collect()
}

/// What page 1 shortens, from nothing to everything that may be (each step tried in turn).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Cut {
    /// Every row and flag wrapped whole.
    Nothing,
    /// Rows and flags without an `in_full` answer keep their usual lines on page 1 and are
    /// printed whole on page 2.
    Rows,
    /// Those holding an `in_full` answer too.
    Everything,
}

/// How much page 1 may hold.
#[derive(Debug, Clone, Copy)]
struct Fit {
    /// Rows marked optional (reference text, never answers) are shown.
    optional: bool,
    cut: Cut,
}

impl Fit {
    /// Whether a row or flag (holding an `in_full` answer or not) may be shortened on page 1.
    fn may_cut(self, in_full: bool) -> bool {
        match self.cut {
            Cut::Nothing => false,
            Cut::Rows => !in_full,
            Cut::Everything => true,
        }
    }
}

/// A rendered page: the lines before the sign-off box, the box, and page 2 (the rows and flags
/// cut on page 1, whole).
struct Parts {
    body: Vec<String>,
    signoff: Vec<String>,
    page2: Vec<String>,
}

/// Renders the doctor's page. Every line is at most 80 columns; control characters in answers
/// are escaped. Everything is wrapped whole while page 1 fits one A4 sheet ([`PAGE_LINES`]
/// before the sign-off box); if it does not, rows marked optional are left out, then long rows
/// and flags are shortened on page 1 ("(continued on page 2)") and printed whole on page 2
/// ("Answers in full"), those holding `in_full` answers last. Nothing an answer says is lost.
pub fn render_text(s: &Session<'_>, ctx: &Context) -> String {
    let steps = [
        (true, Cut::Nothing),
        (false, Cut::Nothing),
        (false, Cut::Rows),
        (false, Cut::Everything),
    ];
    let mut parts: Option<Parts> = None;
    for (optional, cut) in steps {
        let next = render_parts(s, ctx, Fit { optional, cut });
        let fits = next.body.len() <= PAGE_LINES;
        // A later step is only worth it when it makes page 1 shorter.
        if parts
            .as_ref()
            .is_none_or(|p| next.body.len() < p.body.len())
        {
            parts = Some(next);
        }
        if fits {
            break;
        }
    }
    let Some(parts) = parts else {
        return String::new();
    };
    let mut lines = parts.body;
    lines.extend(parts.signoff);
    if !parts.page2.is_empty() {
        lines.extend(sentence_lines(strings::PAGE_CONTINUED));
        lines.push(String::new());
        lines.push(rule('='));
        lines.push(heading(strings::PAGE_IN_FULL));
        lines.extend(identity_lines(s, ctx));
        lines.extend(parts.page2);
        lines.push(rule('-'));
    }
    // Each line is one line: a newline inside an answer can never add a line to the page.
    let mut page = lines
        .iter()
        .map(|l| crate::text::one_line(l))
        .collect::<Vec<_>>()
        .join("\n");
    page.push('\n');
    crate::text::escape(&page)
}

/// The lines naming the patient and record at the top of page 2, should the sheets part.
fn identity_lines(s: &Session<'_>, ctx: &Context) -> Vec<String> {
    let q = s.questionnaire();
    let mut out = Vec::new();
    if let Some(row) = q.summary.header.first()
        && let Some(v) = row_text(s, row)
    {
        out.extend(wrap(&format!("{}: {v}", row.label), "", "  "));
    }
    if let Some(id) = &ctx.record_id {
        out.push(format!("{}: {id}", strings::PAGE_RECORD));
    }
    out
}

/// The lines before the sign-off box, the sign-off box, and what page 2 must hold.
fn render_parts(s: &Session<'_>, ctx: &Context, fit: Fit) -> Parts {
    let q = s.questionnaire();
    let mut out: Vec<String> = Vec::new();
    let mut page2: Vec<String> = Vec::new();

    // Header: title (and record id at the right), the questionnaire's rows, visit and rules.
    let title = match &ctx.clinic {
        Some(c) => format!("{c} · {}", q.meta.title),
        None => q.meta.title.clone(),
    };
    let title = wrap(&title, "", "  ");
    match &ctx.record_id {
        Some(id) => {
            let right = format!("{}: {id}", strings::PAGE_RECORD);
            match title.as_slice() {
                [one] if WIDTH.saturating_sub(one.width() + right.width()) >= 2 => {
                    let gap = WIDTH - one.width() - right.width();
                    out.push(format!("{one}{}{right}", " ".repeat(gap)));
                }
                _ => {
                    out.extend(title);
                    out.push(right);
                }
            }
        }
        None => out.extend(title),
    }
    for row in &q.summary.header {
        if let Some(v) = row_text(s, row) {
            out.extend(wrap(&format!("{}: {v}", row.label), "", "  "));
        }
    }
    let hash = q
        .content_hash
        .strip_prefix("sha256:")
        .unwrap_or(&q.content_hash)
        .get(..8)
        .unwrap_or("");
    // The visit date is the one ages and intervals were worked out from; the completion time is
    // added when it is on another day (a paper form typed in later, a test's fixed date).
    let visit_date = super::iso(s.visit_date());
    let when = match ctx.completed_at.as_deref() {
        Some(c) if c.starts_with(&visit_date) => c.to_owned(),
        Some(c) => format!("{visit_date} ({} {c})", strings::PAGE_COMPLETED),
        None => visit_date,
    };
    let visit = format!(
        "{}: {when} · {}: {} {} ({hash})",
        strings::PAGE_VISIT,
        strings::PAGE_RULES,
        q.meta.id,
        q.meta.version
    );
    out.extend(wrap(&visit, "", "  "));
    if let Some(current) = crate::questionnaire::versions::superseded_by(q) {
        let line = strings::page_older_version(&q.meta.id, &q.meta.version, &current);
        out.extend(wrap(&line, "", "  "));
    }
    out.extend(sentence_lines(&q.outcome.disclaimer));

    // Outcome banner.
    out.push(rule('='));
    let outcome = s.outcome();
    let o = outcome.text(&q.outcome);
    let c = counts(s);
    let tally = format!("STOP {} - CAUTION {} - NOTE {}", c.stop, c.caution, c.note);
    let banner = o.banner.to_uppercase();
    let gap = WIDTH.saturating_sub(banner.width() + tally.width()).max(1);
    out.push(format!("{banner}{}{tally}", " ".repeat(gap)));
    out.extend(sentence_lines(&format!("{} {}", o.text, q.outcome.footer)));
    if let Some(why) = s.not_assessed() {
        out.extend(wrap(&super::not_assessed_text(s, why), "", "  "));
    }
    // The questions in the doctor's words, not their ids.
    let missing: Vec<&str> = s
        .problems()
        .filter_map(|p| {
            matches!(p, Problem::Missing(_) | Problem::TooFew(..))
                .then(|| q.item(p.item()).doctor_label())
        })
        .collect();
    if !missing.is_empty() {
        out.extend(wrap(
            &format!("{} {}", strings::PAGE_INCOMPLETE, missing.join("; ")),
            "",
            "  ",
        ));
    }

    // STOP and CAUTION flags, with their triggers.
    let fired = ordered_flags(s);
    for sev in [Severity::Stop, Severity::Caution] {
        let of_sev: Vec<_> = fired.iter().filter(|(f, _)| f.severity == sev).collect();
        if of_sev.is_empty() {
            continue;
        }
        out.push(heading(sev.as_str()));
        for (flag, f) in of_sev {
            out.extend(flag_lines(s, flag, f, 5, fit, &mut page2));
        }
    }

    // The questionnaire's blocks, or every answer by section.
    if q.summary.blocks.is_empty() {
        // Every answer, section by section.
        // Inside repeats each occurrence is its own row, labelled with its instance.
        let row = |at: crate::questionnaire::At| -> Option<Row> {
            let it = q.item(at.item);
            let text = match &it.kind {
                ItemKind::Question(_) => match s.answer_at(at)? {
                    crate::answer::Answer::Text(t) => text_answer(q, at.item, t, TextUse::Page),
                    a => answer_text(q, at.item, a),
                },
                _ => return None,
            };
            Some(Row {
                label: match super::instance_label(s, at, false) {
                    Some(w) => format!("{} ({w})", it.doctor_label()),
                    None => it.doctor_label().to_owned(),
                },
                value: text,
                whole: it.in_full,
            })
        };
        // In questionnaire order: each section a block under its title; a run of questions
        // outside every section a block under the questionnaire's title (the first such
        // run) or "Other answers" (a later one).
        let mut top = ItemIdx::new(0);
        let mut loose_runs = 0;
        while top.to_usize() < q.items.len() {
            let item = q.item(top);
            if matches!(item.kind, ItemKind::Group { .. }) {
                if s.is_visible(top) {
                    let rows: Vec<Row> = s
                        .occurrences()
                        .filter(|a| a.item > top && a.item < item.end)
                        .filter_map(row)
                        .collect();
                    block(&mut out, &item.text, &rows, fit, &mut page2);
                }
                top = item.end;
                continue;
            }
            let mut end = item.end;
            while end.to_usize() < q.items.len()
                && !matches!(q.item(end).kind, ItemKind::Group { .. })
            {
                end = q.item(end).end;
            }
            let rows: Vec<Row> = s
                .occurrences()
                .filter(|a| a.item >= top && a.item < end)
                .filter_map(row)
                .collect();
            if !rows.is_empty() {
                let title = if loose_runs == 0 {
                    q.meta.title.as_str()
                } else {
                    strings::PAGE_OTHER_ANSWERS
                };
                loose_runs += 1;
                block(&mut out, title, &rows, fit, &mut page2);
            }
            top = end;
        }
    } else {
        for b in &q.summary.blocks {
            if !b.show_if.as_ref().is_none_or(|e| s.holds(e)) {
                continue;
            }
            let rows: Vec<Row> = b
                .rows
                .iter()
                .filter(|r| fit.optional || !r.optional)
                .filter_map(|r| {
                    row_text(s, r).map(|v| Row {
                        label: r.label.clone(),
                        value: v,
                        whole: row_in_full(q, r),
                    })
                })
                .collect();
            block(&mut out, &b.title, &rows, fit, &mut page2);
        }
    }

    // Notes.
    let notes: Vec<_> = fired
        .iter()
        .filter(|(f, _)| f.severity == Severity::Note)
        .collect();
    if !notes.is_empty() {
        out.push(heading(strings::PAGE_NOTES));
        for (flag, f) in notes {
            out.extend(flag_lines(s, flag, f, 3, fit, &mut page2));
        }
    }

    // Sign-off box.
    let mut signoff = vec![heading(strings::PAGE_SIGNOFF)];
    for l in &q.summary.signoff {
        signoff.extend(wrap(l, "", "  "));
    }
    if s.worst() == Some(Severity::Stop) {
        signoff.extend(wrap(strings::STOP_OVERRIDE, "", "  "));
    }
    signoff.push(rule('-'));
    Parts {
        body: out,
        signoff,
        page2,
    }
}

/// The lines of a row or flag on page 1: all of them when they fit `max_lines` or `fit` does
/// not shorten this one (it holds an `in_full` answer or not); else the first `max_lines`,
/// the last ending "(continued on page 2)", with every line copied to page 2.
fn fitted(
    all: Vec<String>,
    max_lines: usize,
    in_full: bool,
    fit: Fit,
    page2: &mut Vec<String>,
) -> Vec<String> {
    if !fit.may_cut(in_full) || all.len() <= max_lines {
        return all;
    }
    page2.extend(all.iter().cloned());
    let mut cut = all;
    cut_lines(&mut cut, max_lines, strings::CONTINUED_ON_PAGE_2);
    cut
}

/// Whether a row shows an answer that is never cut (`in_full`).
fn row_in_full(q: &crate::questionnaire::Questionnaire, row: &SummaryRow) -> bool {
    match &row.value {
        RowValue::Template(t) => t.refs().any(|r| is_in_full(q, r)),
        RowValue::Answers(refs) => refs.iter().any(|r| is_in_full(q, *r)),
    }
}

/// One flag: id, doctor text, then `>` and the answers that triggered it, as one wrapped
/// paragraph, shortened on page 1 only as [`fitted`] says.
fn flag_lines(
    s: &Session<'_>,
    flag: &crate::questionnaire::Flag,
    f: &crate::engine::FiredFlag,
    max_lines: usize,
    fit: Fit,
    page2: &mut Vec<String>,
) -> Vec<String> {
    let q = s.questionnaire();
    let holds_full = flag.text.refs().any(|r| is_in_full(q, r))
        || (flag.list_triggers && flag.show.iter().any(|&i| q.item(i).in_full));
    let (text, _) = fill_for(s, &flag.text, TextUse::Page);
    let trig: Vec<String> = if flag.list_triggers {
        trigger_texts(s, f, TextUse::Page)
            .into_iter()
            .map(|t| format!("{}: {}", t.label, t.answer))
            .collect()
    } else {
        Vec::new()
    };
    let line = match (trig.is_empty(), text.ends_with(':')) {
        (true, _) => text,
        (false, true) => format!("{text} {}", trig.join("; ")),
        (false, false) => format!("{text} > {}", trig.join("; ")),
    };
    let id = format!(" {:<4} ", flag.id);
    let indent = " ".repeat(id.width());
    let mut lines = fitted(wrap(&line, &id, &indent), max_lines, holds_full, fit, page2);
    // What happened after a latched flag fired is never cut: the doctor must see it.
    if let Some(l) = s.latch(f.flag) {
        let story = super::latch_story(s, l);
        if !story.is_empty() {
            lines.extend(wrap(&story.join(" "), &indent, &indent));
        }
    }
    lines
}

/// One row of a block: its label, its text, and whether it holds an `in_full` answer.
struct Row {
    label: String,
    value: String,
    whole: bool,
}

fn block(out: &mut Vec<String>, title: &str, rows: &[Row], fit: Fit, page2: &mut Vec<String>) {
    if rows.is_empty() {
        return;
    }
    out.push(heading(title));
    let label_w = rows
        .iter()
        .map(|r| r.label.width())
        .filter(|w| *w <= 24)
        .max()
        .unwrap_or(0);
    for Row {
        label,
        value,
        whole,
    } in rows
    {
        if label.width() > 24 {
            // A long label (a whole question) gets a line of its own, the answer under it.
            let mut cut = String::from(" ");
            for ch in label.chars() {
                if cut.width() + ch.to_string().width() > WIDTH - 3 {
                    cut.push_str("...");
                    break;
                }
                cut.push(ch);
            }
            let lines = wrap(value, "    ", "    ");
            let mut all = vec![cut];
            all.extend(lines);
            out.extend(fitted(all, ROW_LINES + 1, *whole, fit, page2));
            continue;
        }
        let first = format!(" {label}{} ", " ".repeat(label_w - label.width()));
        let rest = " ".repeat(label_w + 2);
        out.extend(fitted(
            wrap(value, &first, &rest),
            ROW_LINES,
            *whole,
            fit,
            page2,
        ));
    }
}

/// A summary row's text as the page writes it, whole (never cut: the page decides what goes
/// to page 2), or `None` when the row is left out for this session.
pub fn row_text(s: &Session<'_>, row: &SummaryRow) -> Option<String> {
    if !row.show_if.as_ref().is_none_or(|e| s.holds(e)) {
        return None;
    }
    match &row.value {
        RowValue::Template(t) => {
            let (text, any) = fill_for(s, t, TextUse::Page);
            (any || t.refs().next().is_none()).then_some(text)
        }
        RowValue::Answers(refs) => {
            let parts: Vec<String> = refs
                .iter()
                .filter_map(|r| value_text_for(s, *r, TextUse::Page))
                .collect();
            (!parts.is_empty()).then(|| parts.join("; "))
        }
    }
}
