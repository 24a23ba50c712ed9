//! Answers files (JSON, ARCHITECTURE.md §5) and the conversion of loosely typed values, from JSON
//! or from scenario TOML, into typed answers of a session. Every problem names the id; nothing is
//! dropped silently.

use std::ops::Range;

use jiff::civil::Date;
use serde::Deserialize;

use crate::answer::PartialDate;
use crate::diag::Diagnostic;
use crate::engine::Session;
use crate::expr::OptionIdx;
use crate::questionnaire::{At, Inst, ItemIdx, Questionnaire, option_instance};

pub use crate::questionnaire::values::{RawValue, answer_for_item, to_answer, to_json};

/// The value of an item across its occurrences, as answers files, drafts and summaries hold it:
/// the plain value for an item outside repeats. Inside repeats there is one nesting per repeat
/// level, outermost first: a list with one entry per instance of a repeating group or question
/// (`null` for an instance without an answer), and an object keyed by the option's value for
/// the items a multi-choice question asks once per chosen answer. `visible_only`: only enabled
/// answers (summaries and records); otherwise every stored answer (drafts, so a hidden answer
/// comes back). `None` when there is no answer at all.
pub fn item_json(s: &Session<'_>, item: ItemIdx, visible_only: bool) -> Option<serde_json::Value> {
    let q = s.questionnaire();
    if q.levels(item).is_empty() {
        let a = if visible_only {
            s.answer(item)
        } else {
            s.stored(item)
        };
        return a.map(|a| to_json(q, item, a));
    }
    let mut entries: Vec<(Inst, serde_json::Value)> = if visible_only {
        s.occurrences_of(item)
            .filter_map(|at| s.answer_at(at).map(|a| (at.inst, to_json(q, item, a))))
            .collect()
    } else {
        s.stored_at_all()
            .filter(|(at, _)| at.item == item)
            .map(|(at, a)| (at.inst, to_json(q, item, a)))
            .collect()
    };
    if entries.is_empty() {
        return None;
    }
    entries.sort_by_key(|e| e.0);
    Some(nest(q, q.levels(item), &entries, 0))
}

fn nest(
    q: &Questionnaire,
    levels: &[ItemIdx],
    entries: &[(Inst, serde_json::Value)],
    depth: usize,
) -> serde_json::Value {
    let Some(&level) = levels.get(depth) else {
        return entries
            .first()
            .map_or(serde_json::Value::Null, |(_, v)| v.clone());
    };
    let mut groups: Vec<(u16, Vec<(Inst, serde_json::Value)>)> = Vec::new();
    for (inst, v) in entries {
        let k = inst.as_slice().get(depth).copied().unwrap_or(0);
        match groups.last_mut() {
            Some((g, list)) if *g == k => list.push((*inst, v.clone())),
            _ => groups.push((k, vec![(*inst, v.clone())])),
        }
    }
    if q.item(level).repeats_itself() {
        let len = groups.last().map_or(0, |(k, _)| *k as usize + 1);
        let mut out = vec![serde_json::Value::Null; len];
        for (k, list) in &groups {
            // `len` is one past the largest `k` (the groups are in order).
            if let Some(slot) = out.get_mut(*k as usize) {
                *slot = nest(q, levels, list, depth + 1);
            }
        }
        serde_json::Value::Array(out)
    } else {
        let options = q.item(level).options();
        let mut out = serde_json::Map::new();
        for (k, list) in &groups {
            if let Some(o) = options.get(*k as usize) {
                out.insert(o.value.clone(), nest(q, levels, list, depth + 1));
            }
        }
        serde_json::Value::Object(out)
    }
}

/// One answer as read from a file, with where it was (for messages).
#[derive(Debug, Clone)]
pub struct FileAnswer {
    pub id: String,
    pub value: RawValue,
    pub span: Option<Range<usize>>,
}

/// Fills a session from file answers. Answers are set in questionnaire order so rules that
/// compare with earlier answers see them. Unknown ids and invalid values are errors; answers to
/// questions that are not asked are warnings (they are kept but count nowhere).
pub fn fill_session(session: &mut Session<'_>, answers: &[FileAnswer]) -> Vec<Diagnostic> {
    let q = session.questionnaire();
    let mut diags = Vec::new();
    let mut located: Vec<(ItemIdx, &FileAnswer)> = Vec::new();
    for a in answers {
        if let Some(i) = q.item_index(&a.id) {
            located.push((i, a));
        } else {
            let hint = (diags.len() < crate::limits::MAX_SUGGESTIONS)
                .then(|| {
                    crate::limits::did_you_mean(
                        &a.id,
                        q.questions().map(|(_, it, _)| it.id.as_str()),
                    )
                })
                .flatten()
                .map(|n| format!("did you mean `{n}`?"));
            diags.push(with_span(
                Diagnostic::error(format!(
                    "unknown question id `{}`",
                    crate::limits::shorten(&a.id, crate::limits::MAX_SUGGEST_CHARS)
                )),
                a,
                "not in this questionnaire",
                hint,
            ));
        }
    }
    located.sort_by_key(|(i, _)| *i);
    for (i, a) in &located {
        let mut errors = Vec::new();
        fill_one(session, *i, &a.id, &a.value, Inst::ROOT, &mut errors);
        for msg in errors {
            diags.push(with_span(Diagnostic::error(msg), a, "this answer", None));
        }
    }
    let hidden: Vec<&&FileAnswer> = located
        .iter()
        .filter(|(i, _)| session.stored(*i).is_some() && !session.is_visible(*i))
        .map(|(_, a)| a)
        .collect();
    if let Some(first) = hidden.first() {
        let ids: Vec<&str> = hidden.iter().map(|a| a.id.as_str()).collect();
        let message = if let [id] = ids.as_slice() {
            format!("the answer to `{id}` is ignored: with these answers the question is not asked")
        } else {
            format!(
                "{} answers are ignored: with these answers their questions are not asked: {}",
                ids.len(),
                ids.join(", ")
            )
        };
        diags.push(with_span(
            Diagnostic::warning(message),
            first,
            "not asked",
            Some("hidden answers never count in flags, summaries or exports".into()),
        ));
    }
    diags
}

/// Sets one file value of `item` at instance `inst`, following the nesting of its repeat
/// levels (see [`item_json`]); each problem names the id and, inside repeats, which instance.
fn fill_one(
    session: &mut Session<'_>,
    item: ItemIdx,
    id: &str,
    v: &RawValue,
    inst: Inst,
    errors: &mut Vec<String>,
) {
    let q = session.questionnaire();
    let levels = q.levels(item);
    let here = if inst.is_empty() {
        format!("`{id}`")
    } else {
        format!("`{id}` (instance {})", inst.label())
    };
    let Some(&level) = levels.get(inst.len()) else {
        if *v == RawValue::Null {
            return;
        }
        let result = answer_for_item(q.item(item), v).and_then(|ans| {
            session
                .set_at(At { item, inst }, ans)
                .map_err(|e| format!("{here}: {}", e.message))
        });
        if let Err(msg) = result {
            errors.push(if inst.is_empty() {
                msg
            } else {
                msg.replacen(&format!("`{id}`"), &here, 1)
            });
        }
        return;
    };
    let outer = &q.item(level).id;
    if q.item(level).repeats_itself() {
        let RawValue::List(list) = v else {
            errors.push(format!(
                "{here} is inside the repeating `{outer}`: give a list with one entry per time it is answered, found {}",
                v.describe()
            ));
            return;
        };
        session.ensure_instances(level, inst, u16::try_from(list.len()).unwrap_or(u16::MAX));
        let count = session.instance_count(level, inst);
        let have = usize::from(count);
        if list.len() > have {
            errors.push(format!(
                "{here}: `{outer}` may be given at most {have} times, found {}",
                list.len()
            ));
        }
        for (k, x) in (0..count).zip(list) {
            fill_one(session, item, id, x, inst.push(k), errors);
        }
    } else {
        let RawValue::Map(map) = v else {
            errors.push(format!(
                "{here} is asked once per answer chosen for `{outer}`: give an object keyed by those answers' values, found {}",
                v.describe()
            ));
            return;
        };
        for (key, x) in map {
            match q.item(level).options().iter().position(|o| &o.value == key) {
                Some(o) => {
                    let o = option_instance(OptionIdx::at(o).get());
                    fill_one(session, item, id, x, inst.push(o), errors);
                }
                None => errors.push(format!("{here}: `{outer}` has no option \"{key}\"")),
            }
        }
    }
}

fn with_span(d: Diagnostic, a: &FileAnswer, label: &str, help: Option<String>) -> Diagnostic {
    let d = match &a.span {
        Some(s) => d.at(s.clone(), label),
        None => d,
    };
    match help {
        Some(h) => d.help(h),
        None => d,
    }
}

/// A latched flag as kept with a draft, a record or an answers file (`latched`): ids, not
/// indexes, so it survives reading back; times as RFC 3339 UTC.
#[derive(Debug, Clone, PartialEq, serde::Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StoredLatch {
    /// The flag's id.
    pub flag: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fired_at: Option<String>,
    /// The answers that made it fire, as an answers-file `answers` object.
    #[serde(default)]
    pub answers: serde_json::Map<String, serde_json::Value>,
    /// Present once its answers were changed so that it no longer holds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub changed: Option<StoredWhen>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alert: Option<StoredAlert>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub release: Option<StoredRelease>,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StoredWhen {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at: Option<String>,
}

/// `status` is `pending`, `sent`, `failed` or `not_configured`.
#[derive(Debug, Clone, PartialEq, serde::Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StoredAlert {
    pub status: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// `by` is `staff_pin` or `operator`; `action` is `carry_on` or `end_here`.
#[derive(Debug, Clone, PartialEq, serde::Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StoredRelease {
    pub by: String,
    pub action: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at: Option<String>,
}

/// The answers-file format.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAnswersFile {
    /// The questionnaire's id, or (as `records export` writes it) `{ "id", "version",
    /// "content_hash" }`.
    questionnaire: Option<serde_json::Value>,
    /// Written by `records export`; read and ignored, so an exported record is an answers file.
    #[serde(default)]
    record_id: Option<serde_json::Value>,
    /// Written by `records export` (the stored summary); ignored: the summary is made anew.
    #[serde(default)]
    summary: Option<serde_json::Value>,
    visit_date: Option<String>,
    completed_at: Option<String>,
    answers: serde_json::Map<String, serde_json::Value>,
    /// Latched flags (safety disclosures) carried with the answers, as records export them.
    #[serde(default)]
    latched: Vec<StoredLatch>,
}

/// A parsed answers file.
#[derive(Debug, Clone)]
pub struct AnswersFile {
    pub questionnaire: Option<String>,
    /// The content hash of the questionnaire the answers were given to, when the file says
    /// (`records export` does): a record made with an earlier shipped version is judged again
    /// with that version.
    pub content_hash: Option<String>,
    pub visit_date: Option<Date>,
    pub completed_at: Option<String>,
    pub answers: Vec<FileAnswer>,
    pub latched: Vec<StoredLatch>,
}

/// Parses an answers file; errors carry a span into `src`.
pub fn parse_answers_file(src: &str) -> Result<AnswersFile, Vec<Diagnostic>> {
    // Within its limits before serde_json builds anything (see `crate::limits`).
    let shape = crate::limits::json_prescan(src, &crate::limits::ANSWERS).map_err(|d| vec![*d])?;
    let raw: RawAnswersFile = serde_json::from_str(src)
        .map_err(|e| vec![crate::diag::json_syntax(src, &e, "answers file")])?;
    let visit_date = match &raw.visit_date {
        Some(s) => {
            if let Some(d) = PartialDate::parse_iso(s).filter(|d| !d.month_only) {
                Some(d.date)
            } else {
                let span = find_key(src, "visit_date").unwrap_or(0..0);
                return Err(vec![
                    Diagnostic::error(format!("visit_date \"{s}\" is not a date"))
                        .at(span, "expected YYYY-MM-DD"),
                ]);
            }
        }
        None => None,
    };
    if raw.answers.len() > crate::limits::MAX_ANSWERS {
        let span = find_key(src, "answers").unwrap_or(0..0);
        return Err(vec![
            Diagnostic::error(format!(
                "{} answers; an answers file may have at most {}",
                raw.answers.len(),
                crate::limits::MAX_ANSWERS
            ))
            .at(span, "too many"),
        ]);
    }
    // Each answer's place, from the one pass of the scan (not a search of the file per answer).
    let answers = raw
        .answers
        .iter()
        .map(|(k, v)| FileAnswer {
            id: k.clone(),
            value: RawValue::from_json(v),
            span: shape.keys.get(k.as_str()).cloned(),
        })
        .collect();
    let _ = (&raw.record_id, &raw.summary);
    let content_hash = match &raw.questionnaire {
        Some(serde_json::Value::Object(o)) => o
            .get("content_hash")
            .and_then(|v| v.as_str())
            .map(str::to_owned),
        _ => None,
    };
    let questionnaire = match raw.questionnaire {
        None => None,
        Some(serde_json::Value::String(s)) => Some(s),
        Some(serde_json::Value::Object(o)) => {
            if let Some(id) = o.get("id").and_then(|v| v.as_str()) {
                Some(id.to_owned())
            } else {
                let span = find_key(src, "questionnaire").unwrap_or(0..0);
                return Err(vec![
                    Diagnostic::error("`questionnaire` has no `id`")
                        .at(span, "expected \"id\" inside"),
                ]);
            }
        }
        Some(_) => {
            let span = find_key(src, "questionnaire").unwrap_or(0..0);
            return Err(vec![
                Diagnostic::error("`questionnaire` must be the questionnaire's id")
                    .at(span, "expected a string"),
            ]);
        }
    };
    Ok(AnswersFile {
        questionnaire,
        content_hash,
        visit_date,
        completed_at: raw.completed_at.as_deref().map(crate::text::clean_line),
        answers,
        latched: raw.latched,
    })
}

/// The span of `"key":` in a JSON text (the first occurrence), for pointing at an answer.
pub fn find_key(src: &str, key: &str) -> Option<Range<usize>> {
    let needle = format!("\"{key}\"");
    let mut from = 0;
    while let Some(pos) = src[from..].find(&needle) {
        let start = from + pos;
        let end = start + needle.len();
        if src[end..].trim_start().starts_with(':') {
            return Some(start..end);
        }
        from = end;
    }
    None
}
