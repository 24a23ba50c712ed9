//! Between sessions and the store: a finished session becomes a [`NewRecord`] (answers, flags,
//! outcome and both summary forms), and a stored draft becomes a session again.

use jiff::Timestamp;

use crate::answer::Answer;
use crate::answers::{self, FileAnswer, RawValue};
use crate::diag::Diagnostic;
use crate::engine::Session;
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
            summary::to_json(s, &ctx).to_string(),
            summary::render_text(s, &ctx),
        )
    })
}

/// The record to store for a finished session (without its summaries).
pub fn new_record(s: &Session<'_>, draft: Option<DraftId>, completed_at: Timestamp) -> NewRecord {
    let q = s.questionnaire();
    let mut answers = serde_json::Map::new();
    for (i, it, _) in q.questions() {
        if let Some(a) = s.answer(i) {
            answers.insert(it.id.clone(), answers::to_json(q, i, a));
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
        counts: [counts[0].1, counts[1].1, counts[2].1],
        answers_json: serde_json::Value::Object(answers).to_string(),
    }
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
        .filter(|d| d.is_error())
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
        .map(|d| d.date)
        .unwrap_or_else(crate::clock::today);
    let (session, _) = restore(q, visit, &answers);
    let authored = r
        .summary
        .completed_at
        .parse::<jiff::Timestamp>()
        .map(crate::clock::rfc3339)
        .unwrap_or_default();
    Some(crate::fhir::questionnaire_response(&session, &authored))
}
