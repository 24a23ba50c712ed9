//! `triage records list | show | export | delete`: staff access to stored records. Every view,
//! export and deletion is written to the audit log (ids and times, never answers).

use std::path::Path;

use jiff::Timestamp;

use super::{CliError, Format, Io, Status, open_store};
use crate::questionnaire::versions;
use crate::records::local_time;
use crate::store::{self, AuditEvent, Store};
use crate::text;

pub fn records_list(
    io: &mut Io<'_>,
    data_dir: Option<&Path>,
    json: bool,
) -> Result<Status, CliError> {
    let store = open_store(data_dir)?;
    let list = store.records()?;
    if json {
        let v = serde_json::to_string_pretty(&list).map_err(|e| CliError::Usage(e.to_string()))?;
        writeln!(io.out, "{v}")?;
        return Ok(Status::Ok);
    }
    if list.is_empty() {
        writeln!(io.out, "No records yet.")?;
        return Ok(Status::Ok);
    }
    writeln!(
        io.out,
        "{:>6}  {:<23}  {:<24}  {:<12}  {:>4} {:>7} {:>4}",
        "ID", "COMPLETED", "NAME", "OUTCOME", "STOP", "CAUTION", "NOTE"
    )?;
    for r in &list {
        let name: String = text::escape(r.name.as_deref().unwrap_or("-"))
            .chars()
            .take(24)
            .collect();
        writeln!(
            io.out,
            "{:>6}  {:<23}  {:<24}  {:<12}  {:>4} {:>7} {:>4}",
            r.id,
            local_time(&r.completed_at),
            name,
            r.outcome,
            r.stop,
            r.caution,
            r.note
        )?;
    }
    Ok(Status::Ok)
}

pub fn records_show(
    io: &mut Io<'_>,
    data_dir: Option<&Path>,
    id: i64,
    format: Format,
    questionnaire: Option<&Path>,
    now: Timestamp,
) -> Result<Status, CliError> {
    let mut store = open_store(data_dir)?;
    let r = store.record(id)?;
    store.log(AuditEvent::Viewed, Some(id), r.draft, now)?;
    match format {
        Format::Fhir => {
            // The response is rebuilt from the stored answers against the questionnaire they
            // were given to.
            let src = super::source(questionnaire)?;
            let given = super::load_checked(io, &src)?;
            let earlier = versions::earlier_versions(&given.meta.id, &given.content_hash);
            let q = versions::pick(
                &given,
                &earlier,
                &r.questionnaire.id,
                &r.questionnaire.content_hash,
            );
            if q.meta.id != r.questionnaire.id {
                return Err(CliError::Usage(format!(
                    "record {id} was made with `{}`; name that questionnaire with --questionnaire FILE",
                    r.questionnaire.id
                )));
            }
            if q.content_hash != r.questionnaire.content_hash {
                writeln!(
                    io.err,
                    "warning: record {id} was made with another version of `{}` ({}); the response follows the questionnaire given now",
                    r.questionnaire.id, r.questionnaire.version
                )?;
            }
            let response = crate::records::questionnaire_response(q, &r).ok_or_else(|| {
                CliError::Store(store::StoreError::Corrupt(store.path().to_owned()))
            })?;
            writeln!(
                io.out,
                "{}",
                text::escape(
                    &serde_json::to_string_pretty(&response)
                        .map_err(|e| CliError::Usage(e.to_string()))?
                )
            )?;
        }
        Format::Text => write!(io.out, "{}", text::escape(&r.summary_text))?,
        Format::Json => {
            let v: serde_json::Value = serde_json::from_str(&r.summary_json).map_err(|_| {
                CliError::Store(store::StoreError::Corrupt(store.path().to_owned()))
            })?;
            writeln!(
                io.out,
                "{}",
                serde_json::to_string_pretty(&v).map_err(|e| CliError::Usage(e.to_string()))?
            )?;
        }
    }
    Ok(Status::Ok)
}

/// One JSON file per record, written atomically with mode 0600; with a questionnaire (`--fhir`),
/// also each record made with it as a FHIR QuestionnaireResponse (`record-N.fhir.json`).
pub fn records_export(
    io: &mut Io<'_>,
    data_dir: Option<&Path>,
    out: &Path,
    fhir: bool,
    questionnaire: Option<&Path>,
    now: Timestamp,
) -> Result<Status, CliError> {
    let q = if fhir {
        Some(super::load_checked(io, &super::source(questionnaire)?)?)
    } else {
        None
    };
    let earlier = q.as_ref().map_or_else(Vec::new, |q| {
        versions::earlier_versions(&q.meta.id, &q.content_hash)
    });
    let fhir = q.as_ref();
    let mut st = open_store(data_dir)?;
    store::ensure_private_dir(out).map_err(|source| {
        CliError::Store(store::StoreError::Dir {
            path: out.to_owned(),
            source,
        })
    })?;
    let list = st.records()?;
    for summary in &list {
        let r = st.record(summary.id)?;
        let parse = |s: &str| {
            serde_json::from_str::<serde_json::Value>(s).unwrap_or(serde_json::Value::Null)
        };
        let doc = serde_json::json!({
            "record_id": r.summary.id,
            "completed_at": r.summary.completed_at,
            "questionnaire": { "id": r.questionnaire.id, "version": r.questionnaire.version, "content_hash": r.questionnaire.content_hash },
            "visit_date": r.visit_date,
            "answers": parse(&r.answers_json),
            "latched": r.latches_json.as_deref().map_or(serde_json::json!([]), parse),
            "summary": parse(&r.summary_json),
        });
        let bytes = serde_json::to_vec_pretty(&doc).map_err(|e| CliError::Usage(e.to_string()))?;
        let path = out.join(format!("record-{}.json", r.summary.id));
        store::write_atomic(&path, &bytes).map_err(|source| {
            CliError::Store(store::StoreError::Dir {
                path: path.clone(),
                source,
            })
        })?;
        if let Some(given) = fhir {
            // A record made with an earlier shipped version is answered in that version.
            let q = versions::pick(
                given,
                &earlier,
                &r.questionnaire.id,
                &r.questionnaire.content_hash,
            );
            if q.meta.id == r.questionnaire.id {
                let response = crate::records::questionnaire_response(q, &r).ok_or_else(|| {
                    CliError::Store(store::StoreError::Corrupt(st.path().to_owned()))
                })?;
                let bytes = serde_json::to_vec_pretty(&response)
                    .map_err(|e| CliError::Usage(e.to_string()))?;
                let path = out.join(format!("record-{}.fhir.json", r.summary.id));
                store::write_atomic(&path, &bytes).map_err(|source| {
                    CliError::Store(store::StoreError::Dir {
                        path: path.clone(),
                        source,
                    })
                })?;
                if q.content_hash != r.questionnaire.content_hash {
                    writeln!(
                        io.err,
                        "warning: record {} was made with another version of `{}` ({}); its response follows the questionnaire given now",
                        r.summary.id, r.questionnaire.id, r.questionnaire.version
                    )?;
                }
            } else {
                writeln!(
                    io.err,
                    "note: record {} was made with `{}`, not `{}`: no FHIR response written for it",
                    r.summary.id, r.questionnaire.id, q.meta.id
                )?;
            }
        }
        st.log(AuditEvent::Exported, Some(r.summary.id), r.draft, now)?;
    }
    writeln!(
        io.out,
        "exported {} record(s) to {}",
        list.len(),
        text::escape(&out.display().to_string())
    )?;
    Ok(Status::Ok)
}

pub fn records_delete(
    io: &mut Io<'_>,
    data_dir: Option<&Path>,
    id: i64,
    yes: bool,
    now: Timestamp,
) -> Result<Status, CliError> {
    if !yes {
        return Err(CliError::Usage(format!(
            "deleting record {id} cannot be undone; add --yes to confirm"
        )));
    }
    let mut store = open_store(data_dir)?;
    store.delete_record(id, now)?;
    writeln!(io.out, "deleted record {id}")?;
    Ok(Status::Ok)
}

/// One unfinished form, for staff.
#[derive(Debug, serde::Serialize)]
struct DraftRow {
    id: store::DraftId,
    status: &'static str,
    questionnaire: String,
    version: String,
    started_at: String,
    updated_at: String,
    answers: usize,
    /// The question it was on.
    position: Option<String>,
    /// The patient's name, when the form has one and the questionnaire names its name question.
    name: Option<String>,
}

/// `triage records drafts`: every open (interrupted) and abandoned form, newest first.
pub fn drafts_list(
    io: &mut Io<'_>,
    data_dir: Option<&Path>,
    json: bool,
    questionnaire: Option<&Path>,
) -> Result<Status, CliError> {
    let q = super::load_checked(io, &super::source(questionnaire)?)?;
    let st = open_store(data_dir)?;
    let dir = store::data_dir(data_dir).map_err(|e| CliError::Usage(e.to_string()))?;
    let mut rows = Vec::new();
    for status in [store::DraftStatus::Open, store::DraftStatus::Abandoned] {
        for d in st.drafts(status, None)? {
            let name = q
                .meta
                .name_item
                .filter(|_| d.questionnaire.id == q.meta.id)
                .and_then(|i| {
                    let id = &q.item(i).id;
                    st.draft_answers(d.id).ok()?.into_iter().find_map(|(k, v)| {
                        (&k == id).then(|| v.as_str().map(str::to_owned)).flatten()
                    })
                });
            let in_use = store::DraftLock::held_elsewhere(&dir, d.id);
            rows.push(DraftRow {
                id: d.id,
                status: if in_use { "in use" } else { d.status.as_str() },
                questionnaire: d.questionnaire.id,
                version: d.questionnaire.version,
                started_at: d.created_at.to_string(),
                updated_at: d.updated_at.to_string(),
                answers: d.answers,
                position: d.position,
                name,
            });
        }
    }
    rows.sort_by(|a, b| b.updated_at.cmp(&a.updated_at).then(b.id.cmp(&a.id)));
    if json {
        let v = serde_json::to_string_pretty(&rows).map_err(|e| CliError::Usage(e.to_string()))?;
        writeln!(io.out, "{v}")?;
        return Ok(Status::Ok);
    }
    if rows.is_empty() {
        writeln!(io.out, "No unfinished forms.")?;
        return Ok(Status::Ok);
    }
    writeln!(
        io.out,
        "{:>6}  {:<9}  {:<23}  {:<24}  {:>7}  LAST QUESTION",
        "ID", "STATUS", "UPDATED", "NAME", "ANSWERS"
    )?;
    for r in &rows {
        let name: String = text::escape(r.name.as_deref().unwrap_or("-"))
            .chars()
            .take(24)
            .collect();
        writeln!(
            io.out,
            "{:>6}  {:<9}  {:<23}  {:<24}  {:>7}  {}",
            r.id,
            r.status,
            local_time(&r.updated_at),
            name,
            r.answers,
            text::escape(r.position.as_deref().unwrap_or("-"))
        )?;
    }
    writeln!(
        io.out,
        "Continue one with `triage run --draft ID` (staff PIN when set); discard one with `triage records drafts --discard ID --yes`."
    )?;
    Ok(Status::Ok)
}

/// `triage records drafts --discard ID --yes`: throws an unfinished form away (audited).
pub fn drafts_discard(
    io: &mut Io<'_>,
    data_dir: Option<&Path>,
    id: store::DraftId,
    yes: bool,
    now: Timestamp,
) -> Result<Status, CliError> {
    if !yes {
        return Err(CliError::Usage(format!(
            "discarding unfinished form {id} cannot be undone; add --yes to confirm"
        )));
    }
    let mut st = open_store(data_dir)?;
    let d = st.draft(id)?;
    let dir = store::data_dir(data_dir).map_err(|e| CliError::Usage(e.to_string()))?;
    if store::DraftLock::held_elsewhere(&dir, id) {
        return Err(CliError::Usage(format!(
            "form {id} is open in a triage window right now; nothing was changed"
        )));
    }
    if !matches!(
        d.status,
        store::DraftStatus::Open | store::DraftStatus::Abandoned
    ) {
        return Err(CliError::Usage(format!(
            "form {id} is {}, not unfinished; nothing was changed",
            d.status.as_str()
        )));
    }
    st.set_draft_status(id, store::DraftStatus::Discarded, now)?;
    writeln!(io.out, "discarded unfinished form {id}")?;
    Ok(Status::Ok)
}
