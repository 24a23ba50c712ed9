//! A finished (or partly finished) session rendered for the doctor: the one-page text summary
//! (red flags first) and the JSON contract of ARCHITECTURE.md §5. Pure: the completion time comes
//! in as a value; nothing here reads the clock or the store.

mod json;
mod page;

pub use json::to_json;
pub use page::{render_text, row_text};

use crate::answer::Answer;
use crate::engine::{AlertStatus, FiredFlag, Latch, NotAssessed, ReleaseAction, Releaser, Session};
use crate::expr::num::f64_to_i64;
use crate::expr::{Ref, Ty, Val};
use crate::questionnaire::{
    Flag, FlagCounts, ItemIdx, QuestionKind, Questionnaire, Template, TemplatePart,
};

/// What the summary needs besides the session.
#[derive(Debug, Clone, Default)]
pub struct Context {
    /// The clinic's name for the header.
    pub clinic: Option<String>,
    /// When the questionnaire was completed, already formatted ("2025-06-02 10:14 +01:00").
    pub completed_at: Option<String>,
    /// The record's id, once stored.
    pub record_id: Option<String>,
}

pub use crate::typed::fmt_num;

/// An answer in words for the doctor (option short labels, units, ISO dates).
pub fn answer_text(q: &Questionnaire, item: ItemIdx, a: &Answer) -> String {
    let it = q.item(item);
    let label = |i: &u32| {
        it.options()
            .get(*i as usize)
            .map_or("?", |o| o.doctor_label())
            .to_owned()
    };
    match a {
        Answer::Choice(i) => label(i),
        Answer::Multi(list) => list.iter().map(label).collect::<Vec<_>>().join(", "),
        Answer::Quantity { value, unit, .. } => match it.unit_choices().get(*unit as usize) {
            Some(u) => format!("{} {}", fmt_num(*value), u.display),
            None => fmt_num(*value),
        },
        Answer::Number(n) => match it.question() {
            #[allow(
                clippy::float_cmp,
                reason = "the singular unit is for exactly 1, the number `fmt_num` prints as \"1\""
            )]
            Some(QuestionKind::Number {
                unit: Some(u),
                unit_one,
                ..
            }) => {
                let u = unit_one.as_ref().filter(|_| *n == 1.0).unwrap_or(u);
                format!("{} {u}", fmt_num(*n))
            }
            _ => fmt_num(*n),
        },
        Answer::Date(d) => match &d.said {
            Some(said) => format!("{} ({}: {said})", d.to_iso(), crate::strings::PAGE_SAID),
            None => d.to_iso(),
        },
        Answer::Text(t) => t.clone(),
    }
}

/// Which instance an occurrence inside repeats is about, in words, outermost first ("2", "2,
/// Headache"): a repeating group's or question's instance by number, an item asked per ticked
/// answer by that answer's label, an item under an answer of a repeating question by that
/// answer ("Penicillin"); with `name_groups` a repeating group's instance names the group
/// ("Medicine you take 2"). `None` outside repeats.
pub fn instance_label(
    s: &Session<'_>,
    at: crate::questionnaire::At,
    name_groups: bool,
) -> Option<String> {
    let q = s.questionnaire();
    let levels = q.levels(at.item);
    if levels.is_empty() {
        return None;
    }
    let parts: Vec<String> = levels
        .iter()
        .zip(at.inst.as_slice())
        .enumerate()
        .map(|(d, (&level, &k))| {
            let it = q.item(level);
            let number = (k + 1).to_string();
            if !it.repeats_itself() {
                return it
                    .options()
                    .get(k as usize)
                    .map_or(number, |o| o.doctor_label().to_owned());
            }
            if it.question().is_some() {
                let answer = (level != at.item)
                    .then(|| {
                        s.answer_at(crate::questionnaire::At {
                            item: level,
                            inst: at.inst.prefix(d + 1),
                        })
                    })
                    .flatten();
                return answer.map_or(number, |a| answer_text(q, level, a));
            }
            match it
                .text
                .lines()
                .next()
                .filter(|t| name_groups && !t.trim().is_empty())
            {
                Some(name) => format!("{name} {number}"),
                None => number,
            }
        })
        .collect();
    Some(parts.join(", "))
}

/// How a free-text answer is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextUse {
    /// As the patient gave it (JSON, scenario checks).
    Exact,
    /// On the doctor's page: an answer that filled its question's length limit says so, since
    /// the patient was told "Tell the clinician the rest" (clinical spec 9.4).
    Page,
}

/// A free-text answer to `item`, written for `usage`. Never cut: the page decides what goes to
/// page 2, whole.
pub fn text_answer(q: &Questionnaire, item: ItemIdx, text: &str, usage: TextUse) -> String {
    match (usage, q.item(item).question()) {
        (TextUse::Page, Some(QuestionKind::Text { max_length, .. }))
            if text.chars().count() >= *max_length =>
        {
            format!("{text} {}", crate::strings::page_at_limit(*max_length))
        }
        _ => text.to_owned(),
    }
}

/// The value of a name in words, or `None` when unanswered or not asked.
pub fn value_text(s: &Session<'_>, r: Ref) -> Option<String> {
    value_text_for(s, r, TextUse::Exact)
}

/// Whether a reference names a question whose answer is never cut (`in_full`).
pub fn is_in_full(q: &Questionnaire, r: Ref) -> bool {
    matches!(r, Ref::Question(i) if q.item(i).in_full)
}

/// As [`value_text`], with free-text answers written for `usage`.
pub fn value_text_for(s: &Session<'_>, r: Ref, usage: TextUse) -> Option<String> {
    let q = s.questionnaire();
    match r {
        Ref::Question(i) => s.answer(i).map(|a| match a {
            Answer::Text(t) => text_answer(q, i, t, usage),
            _ => answer_text(q, i, a),
        }),
        Ref::VisitDate => Some(iso(s.visit_date())),
        Ref::Derived(d) => {
            // A value worked out from questions nobody answered (not asked, or the session
            // ended first) is not a finding: "screen positive: no" would read as a negative.
            if !s.derived_known(d) {
                return None;
            }
            let v = s.derived_value(d)?;
            Some(match (v, q.derived_at(d).ty) {
                (Val::Bool(b), _) => if b { "yes" } else { "no" }.to_owned(),
                (Val::Num(n), _) => fmt_num(n),
                (Val::Date(d), _) => iso(d),
                (Val::Choice(o), Ty::Choice(item)) => q
                    .item(item)
                    .option(o)
                    .map_or("?", |x| x.doctor_label())
                    .to_owned(),
                (Val::Choice(o), _) => o.to_string(),
            })
        }
    }
}

pub(crate) fn iso(d: jiff::civil::Date) -> String {
    format!("{:04}-{:02}-{:02}", d.year(), d.month(), d.day())
}

/// Fills a template; unanswered placeholders read "not given". Also says whether any
/// placeholder had a value.
pub fn fill(s: &Session<'_>, t: &Template) -> (String, bool) {
    fill_for(s, t, TextUse::Exact)
}

/// As [`fill`], with free-text answers written for `usage`.
pub fn fill_for(s: &Session<'_>, t: &Template, usage: TextUse) -> (String, bool) {
    let mut out = String::new();
    let mut any = false;
    fill_parts(s, &t.parts, usage, &mut out, &mut any);
    (out, any)
}

fn fill_parts(
    s: &Session<'_>,
    parts: &[TemplatePart],
    usage: TextUse,
    out: &mut String,
    any: &mut bool,
) {
    for p in parts {
        match p {
            TemplatePart::Text(x) => {
                // An answer that ends a sentence is not followed by a second full stop
                // ("...a medical alert bracelet.. Check").
                let x = match x.strip_prefix('.') {
                    Some(rest) if out.ends_with(['.', '!', '?']) => rest,
                    _ => x.as_str(),
                };
                out.push_str(x);
            }
            TemplatePart::Value(r) => match value_text_for(s, *r, usage) {
                Some(v) => {
                    *any = true;
                    out.push_str(&v);
                }
                None => out.push_str(crate::strings::NOT_GIVEN),
            },
            TemplatePart::Ago(r) => {
                let v = ago_text(s, *r);
                *any |= v.is_some();
                out.push_str(v.as_deref().unwrap_or(crate::strings::NOT_GIVEN));
            }
            TemplatePart::Optional(r) => match value_text_for(s, *r, usage) {
                Some(v) => {
                    *any = true;
                    out.push_str(&v);
                }
                // An unanswered optional value disappears with the spaces before it.
                None => out.truncate(out.trim_end_matches(' ').len()),
            },
            TemplatePart::When(cond, inner) => {
                if s.holds(cond) {
                    fill_parts(s, inner, usage, out, any);
                } else {
                    // A fragment that does not apply disappears with the spaces before it.
                    out.truncate(out.trim_end_matches(' ').len());
                }
            }
        }
    }
}

/// `{name:ago}`: a number of days as "244 days ago"; when the days were worked out from a
/// month-only date, "about 35 weeks ago (month only: April 2025)" (clinical spec 9.2).
pub fn ago_text(s: &Session<'_>, r: Ref) -> Option<String> {
    let days = match r {
        Ref::Derived(d) if s.derived_known(d) => match s.derived_value(d)? {
            Val::Num(n) => n,
            _ => return None,
        },
        Ref::Question(i) => match s.answer(i)? {
            Answer::Number(n) => *n,
            _ => return None,
        },
        _ => return None,
    };
    let month_only = match r {
        Ref::Derived(d) => s.month_only_input(d),
        _ => None,
    };
    Some(match month_only {
        Some(date) => {
            let weeks = f64_to_i64((days / 7.0).round());
            let month =
                crate::typed::describe_date(&crate::answer::PartialDate { said: None, ..date });
            crate::strings::about_weeks_ago(weeks, &month)
        }
        None => crate::strings::days_ago(f64_to_i64(days.round())),
    })
}

/// One answer that triggered a flag, in words.
#[derive(Debug, Clone)]
pub struct TriggerText {
    pub item: ItemIdx,
    pub label: String,
    pub answer: String,
    /// The answer itself: as it was when the flag fired, for a latched flag whose answers
    /// changed since; else as it is now.
    pub value: Option<Answer>,
}

/// The answers behind a fired flag, plus the flag's `show` extras, in words; free text is
/// written for `usage`, never cut. A latched flag whose answers have since changed lists the
/// answers that made it fire, as they were then.
pub fn trigger_texts(s: &Session<'_>, f: &FiredFlag, usage: TextUse) -> Vec<TriggerText> {
    let q = s.questionnaire();
    let flag = q.flag_at(f.flag);
    let mut out: Vec<TriggerText> = Vec::new();
    let latched_then = s.latch(f.flag).filter(|_| !s.holds_now(f.flag));
    if let Some(l) = latched_then {
        for (item, a) in &l.answers {
            let answer = match a {
                Answer::Text(text) => text_answer(q, *item, text, usage),
                _ => answer_text(q, *item, a),
            };
            out.push(TriggerText {
                item: *item,
                label: q.item(*item).doctor_label().to_owned(),
                answer,
                value: Some(a.clone()),
            });
        }
    }
    // A latched flag that no longer holds is shown by the answers it fired on; today's answers
    // are in its story ("answer later changed to ...").
    let current = if latched_then.is_some() {
        &[][..]
    } else {
        &f.triggers[..]
    };
    for t in current {
        let Some(a) = s.answer(t.question) else {
            continue;
        };
        let answer = match (&t.options, a) {
            (Some(opts), Answer::Multi(_)) => {
                answer_text(q, t.question, &Answer::Multi(opts.clone()))
            }
            (_, Answer::Text(text)) => text_answer(q, t.question, text, usage),
            _ => answer_text(q, t.question, a),
        };
        out.push(TriggerText {
            item: t.question,
            label: q.item(t.question).doctor_label().to_owned(),
            answer,
            value: Some(a.clone()),
        });
    }
    for &extra in &flag.show {
        if out.iter().any(|t| t.item == extra) {
            continue;
        }
        if let Some(a) = s.answer(extra) {
            let answer = match a {
                Answer::Text(text) => text_answer(q, extra, text, usage),
                _ => answer_text(q, extra, a),
            };
            out.push(TriggerText {
                item: extra,
                label: q.item(extra).doctor_label().to_owned(),
                answer,
                value: Some(a.clone()),
            });
        }
    }
    out
}

/// A timestamp as the local "HH:MM" for the page, with a leading space; empty when unknown.
fn at_hhmm(t: Option<jiff::Timestamp>) -> String {
    t.map(|t| {
        let z = t.to_zoned_datetime(crate::clock::local_zone());
        format!(" at {}", z.strftime("%H:%M"))
    })
    .unwrap_or_default()
}

/// What happened after a latched flag fired, as sentences for the page: the staff alert and
/// the release (pause flags), and a later change of the answers behind it.
pub fn latch_story(s: &Session<'_>, l: &Latch) -> Vec<String> {
    let q = s.questionnaire();
    let flag = q.flag_at(l.flag);
    let mut out = Vec::new();
    if flag.action == Some(crate::questionnaire::FlagAction::Pause) {
        out.push(match &l.alert {
            Some(AlertStatus::Sent { at }) => {
                crate::strings::latch_alert_sent(at_hhmm(*at).trim_start())
            }
            Some(AlertStatus::Failed { reason, .. }) => {
                crate::strings::latch_alert_failed(&crate::text::clean_line(reason))
            }
            Some(AlertStatus::Pending) => crate::strings::LATCH_ALERT_PENDING.to_owned(),
            Some(AlertStatus::NotConfigured) => crate::strings::LATCH_ALERT_NONE.to_owned(),
            None => crate::strings::LATCH_ALERT_NOT_SENT.to_owned(),
        });
        out.push(match l.release {
            Some(r) => crate::strings::latch_released(
                r.by == Releaser::StaffPin,
                r.action == ReleaseAction::EndHere,
                &at_hhmm(r.at),
            ),
            None => crate::strings::LATCH_NOT_RELEASED.to_owned(),
        });
    }
    if let Some(when) = l.changed {
        let now: Vec<String> = l
            .answers
            .iter()
            .filter_map(|(i, _)| s.answer(*i).map(|a| answer_text(q, *i, a)))
            .collect();
        out.push(if now.is_empty() {
            // The question is no longer asked (an earlier answer changed), or was cleared.
            crate::strings::latch_not_asked(&at_hhmm(when))
        } else {
            crate::strings::latch_changed(&now.join("; "), &at_hhmm(when))
        });
    }
    out
}

/// Why the session is NOT ASSESSED, as a sentence for the page.
pub fn not_assessed_text(s: &Session<'_>, why: NotAssessed) -> String {
    let q = s.questionnaire();
    match why {
        NotAssessed::EndedByRule { flag } => {
            let f = q.flag_at(flag);
            crate::strings::not_assessed_by_rule(&f.id, q.item(f.position).doctor_label())
        }
        NotAssessed::EndedByStaff { after } => {
            crate::strings::not_assessed_by_staff(q.item(after).doctor_label())
        }
        NotAssessed::Incomplete { problems } => crate::strings::not_assessed_incomplete(problems),
    }
}

/// Fired flags, worst first, questionnaire order within a severity.
pub fn ordered_flags<'q>(s: &Session<'q>) -> Vec<(&'q Flag, FiredFlag)> {
    let q = s.questionnaire();
    let mut fired: Vec<(&Flag, FiredFlag)> = s
        .fired_flags()
        .into_iter()
        .map(|f| (q.flag_at(f.flag), f))
        .collect();
    fired.sort_by_key(|(flag, f)| (std::cmp::Reverse(flag.severity), f.flag));
    fired
}

/// How many fired flags of each severity.
pub fn counts(s: &Session<'_>) -> FlagCounts {
    let q = s.questionnaire();
    let mut c = FlagCounts::default();
    for &f in s.fired() {
        c.add(q.flag_at(f).severity);
    }
    c
}
