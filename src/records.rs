//! Between sessions and the store: a finished session becomes a [`NewRecord`] (answers, flags,
//! outcome and both summary forms), and a stored draft becomes a session again.

use jiff::Timestamp;

use crate::answer::Answer;
use crate::answers::{
    self, FileAnswer, RawValue, StoredAlert, StoredLatch, StoredRelease, StoredWhen,
};
use crate::diag::Diagnostic;
use crate::engine::{AlertStatus, Latch, Release, ReleaseAction, Releaser, Session};
use crate::questionnaire::Questionnaire;
use crate::store::{DraftId, NewRecord, QuestionnaireRef, RecordId, Store, StoreError};
use crate::summary::{self, Context};

/// Stores a finished session as a record (closing its draft), with both summary forms rendered
/// for the record's id. Returns the id.
pub fn store_session(
    store: &mut dyn Store,
    s: &Session<'_>,
    draft: Option<DraftId>,
    completed_at: Timestamp,
    ctx: &Context,
) -> Result<RecordId, StoreError> {
    let record = new_record(s, draft, completed_at);
    store.complete(&record, &|id| {
        let ctx = Context {
            record_id: Some(id.to_string()),
            ..ctx.clone()
        };
        (
            crate::text::json_compact(&summary::to_json(s, &ctx)).unwrap_or_default(),
            summary::render_text(s, &ctx),
        )
    })
}

/// The record to store for a finished session (without its summaries).
pub fn new_record(s: &Session<'_>, draft: Option<DraftId>, completed_at: Timestamp) -> NewRecord {
    let q = s.questionnaire();
    let mut answers = serde_json::Map::new();
    for (i, it, _) in q.questions() {
        if let Some(v) = answers::item_json(s, i, true) {
            answers.insert(it.id.clone(), v);
        }
    }
    let counts = summary::counts(s);
    let patient_name = q.meta.name_item.and_then(|i| match s.answer(i) {
        Some(Answer::Text(t)) => Some(t.clone()),
        _ => None,
    });
    NewRecord {
        draft,
        questionnaire: QuestionnaireRef::of(q),
        visit_date: summary::iso(s.visit_date()),
        completed_at,
        patient_name,
        outcome: s.outcome().as_str().to_owned(),
        counts: counts.to_array(),
        answers_json: crate::text::json_compact(&serde_json::Value::Object(answers))
            .unwrap_or_default(),
        latches_json: latches_to_json(s),
    }
}

/// The session's latched flags in their stored form.
pub fn stored_latches(s: &Session<'_>) -> Vec<StoredLatch> {
    let q = s.questionnaire();
    let ts = |t: Option<Timestamp>| t.map(|t| t.to_string());
    s.latches()
        .iter()
        .map(|l| StoredLatch {
            flag: q.flag_at(l.flag).id.clone(),
            fired_at: ts(l.fired_at),
            answers: l
                .answers
                .iter()
                .map(|(i, a)| (q.item(*i).id.clone(), answers::to_json(q, *i, a)))
                .collect(),
            changed: l.changed.map(|at| StoredWhen { at: ts(at) }),
            alert: l.alert.as_ref().map(|a| match a {
                AlertStatus::Sent { at } => StoredAlert {
                    status: a.as_str().into(),
                    at: ts(*at),
                    reason: None,
                },
                AlertStatus::Failed { at, reason } => StoredAlert {
                    status: a.as_str().into(),
                    at: ts(*at),
                    reason: Some(reason.clone()),
                },
                AlertStatus::Pending | AlertStatus::NotConfigured => StoredAlert {
                    status: a.as_str().into(),
                    at: None,
                    reason: None,
                },
            }),
            release: l.release.map(|r| StoredRelease {
                by: r.by.as_str().into(),
                action: r.action.as_str().into(),
                at: ts(r.at),
            }),
        })
        .collect()
}

/// The session's latched flags as JSON, or `None` when nothing latched.
pub fn latches_to_json(s: &Session<'_>) -> Option<String> {
    let stored = stored_latches(s);
    (!stored.is_empty())
        .then(|| crate::text::json_compact(&stored).ok())
        .flatten()
}

/// Reads stored latches back against a questionnaire. A latch naming a flag, question or
/// answer the questionnaire does not have is an error naming it (a record is never re-read
/// with part of its safety history silently gone).
pub fn latches_from_stored(
    q: &Questionnaire,
    stored: &[StoredLatch],
) -> Result<Vec<Latch>, String> {
    let ts = |t: &Option<String>| -> Result<Option<Timestamp>, String> {
        t.as_deref()
            .map(|s| {
                s.parse::<Timestamp>()
                    .map_err(|_| format!("`{s}` is not a time"))
            })
            .transpose()
    };
    let mut out = Vec::new();
    for l in stored {
        let flag = q
            .flags
            .iter()
            .position(|f| f.id == l.flag)
            .ok_or_else(|| format!("latched flag `{}` is not in this questionnaire", l.flag))?;
        let mut answers = Vec::new();
        for (id, v) in &l.answers {
            let item = q.item_index(id).ok_or_else(|| {
                format!("latched flag `{}` names unknown question `{id}`", l.flag)
            })?;
            answers.push((item, answers::to_answer(q, item, &RawValue::from_json(v))?));
        }
        let alert = match &l.alert {
            None => None,
            Some(a) => Some(match a.status.as_str() {
                "pending" => AlertStatus::Pending,
                "sent" => AlertStatus::Sent { at: ts(&a.at)? },
                "failed" => AlertStatus::Failed {
                    at: ts(&a.at)?,
                    reason: a.reason.clone().unwrap_or_default(),
                },
                "not_configured" => AlertStatus::NotConfigured,
                other => return Err(format!("unknown alert status `{other}`")),
            }),
        };
        let release = match &l.release {
            None => None,
            Some(r) => Some(Release {
                by: Releaser::parse(&r.by).ok_or_else(|| format!("unknown releaser `{}`", r.by))?,
                action: ReleaseAction::parse(&r.action)
                    .ok_or_else(|| format!("unknown release action `{}`", r.action))?,
                at: ts(&r.at)?,
            }),
        };
        out.push(Latch {
            flag: crate::questionnaire::FlagIdx::at(flag),
            fired_at: ts(&l.fired_at)?,
            answers,
            changed: match &l.changed {
                Some(c) => Some(ts(&c.at)?),
                None => None,
            },
            alert,
            release,
        });
    }
    Ok(out)
}

/// As [`latches_from_stored`], from the JSON kept in the store.
pub fn latches_from_json(q: &Questionnaire, json: &str) -> Result<Vec<Latch>, String> {
    let stored: Vec<StoredLatch> =
        serde_json::from_str(json).map_err(|e| format!("damaged latched flags: {e}"))?;
    latches_from_stored(q, &stored)
}

/// Rebuilds a session from stored draft answers. Answers that no longer fit the questionnaire
/// (it changed) come back as diagnostics instead of being dropped silently.
pub fn restore<'q>(
    q: &'q Questionnaire,
    visit: jiff::civil::Date,
    stored: &[(String, serde_json::Value)],
) -> (Session<'q>, Vec<Diagnostic>) {
    let mut session = Session::new(q, visit);
    let file: Vec<FileAnswer> = stored
        .iter()
        .map(|(id, v)| FileAnswer {
            id: id.clone(),
            value: RawValue::from_json(v),
            span: None,
        })
        .collect();
    let diags = answers::fill_session(&mut session, &file)
        .into_iter()
        .filter(crate::diag::Diagnostic::is_error)
        .collect();
    (session, diags)
}

/// The local time zone's rendering of a stored timestamp ("2025-06-02 10:14 +01:00").
pub fn local_time(ts: &str) -> String {
    match ts.parse::<Timestamp>() {
        Ok(t) => {
            let z = t.to_zoned_datetime(crate::clock::local_zone());
            z.strftime("%Y-%m-%d %H:%M %:z").to_string()
        }
        Err(_) => ts.to_owned(),
    }
}

/// A stored record as a FHIR QuestionnaireResponse, rebuilt from its answers against the
/// questionnaire they were given to. `None` if the stored answers cannot be read.
pub fn questionnaire_response(
    q: &crate::questionnaire::Questionnaire,
    r: &crate::store::Record,
) -> Option<serde_json::Value> {
    let answers: serde_json::Map<String, serde_json::Value> =
        serde_json::from_str(&r.answers_json).ok()?;
    let answers: Vec<(String, serde_json::Value)> = answers.into_iter().collect();
    let visit = crate::answer::PartialDate::parse_iso(&r.visit_date)
        .map_or_else(crate::clock::today, |d| d.date);
    let (mut session, _) = restore(q, visit, &answers);
    if let Some(l) = &r.latches_json {
        session.restore_latches(latches_from_json(q, l).ok()?);
    }
    let authored = r
        .summary
        .completed_at
        .parse::<jiff::Timestamp>()
        .map(crate::clock::rfc3339)
        .unwrap_or_default();
    Some(crate::fhir::questionnaire_response(&session, &authored))
}
