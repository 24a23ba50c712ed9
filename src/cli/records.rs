//! `triage records list | show | export | delete`: staff access to stored records. Every view,
//! export and deletion is written to the audit log (ids and times, never answers). When the
//! clinic settings name a clinic store that this login may read, list, show and export read it
//! (with site and device; views and exports logged there); otherwise this machine's store.
//! `show` adds the prescribers' decisions (text: a block after the page; JSON: `decision` and
//! `decisions`; FHIR: an extension, see `inbox::decision::add_to_fhir`), and `list` the current
//! decision and who made it.

use std::path::Path;

use jiff::Timestamp;

use super::{CliError, Format, Io, Status, open_store};
use crate::inbox::Decision;
use crate::inbox::decision;
use crate::questionnaire::versions;
use crate::records::local_time;
use crate::store::{self, AuditEvent, Store};
use crate::text;

/// Where the records commands read: the local store, and the clinic settings that may name a
/// shared one.
pub struct RecordsArgs<'a> {
    pub data_dir: Option<&'a Path>,
    pub config: Option<&'a Path>,
    /// Read this machine's store even when a readable clinic store is configured.
    pub local: bool,
}

/// What `records list` shows of the clinic store (the local list is always whole).
pub struct ListArgs<'a> {
    pub json: bool,
    /// Records per page (clinic store).
    pub limit: i64,
    /// Page number from 1 (clinic store).
    pub page: i64,
    /// Only records from this site (clinic store).
    pub site: Option<&'a str>,
}

/// A connection to the clinic store when the settings name one and its role may read records;
/// otherwise `None`, with a note on stderr saying why this machine's store is used instead.
fn shared_reader(
    io: &mut Io<'_>,
    args: &RecordsArgs<'_>,
) -> Result<Option<postgres::Client>, CliError> {
    if args.local {
        return Ok(None);
    }
    let dir = store::data_dir(args.data_dir).map_err(|e| CliError::Usage(e.to_string()))?;
    let Some(settings) = super::clinic_config(io, args.config, &dir)?.clinic_store else {
        return Ok(None);
    };
    let mut client = match crate::clinic::connect::connect(&settings) {
        Ok(c) => c,
        Err(e) => {
            writeln!(
                io.err,
                "note: {}; showing this machine's records",
                text::escape(&e.to_string())
            )?;
            return Ok(None);
        }
    };
    if !crate::clinic::read::can_read(&mut client) {
        writeln!(
            io.err,
            "note: this machine's clinic store login may not read records (a device role); showing this machine's records"
        )?;
        return Ok(None);
    }
    Ok(Some(client))
}

pub fn records_list(
    io: &mut Io<'_>,
    args: &RecordsArgs<'_>,
    list_args: &ListArgs<'_>,
) -> Result<Status, CliError> {
    if let Some(mut client) = shared_reader(io, args)? {
        return shared_list(io, &mut client, list_args);
    }
    let json = list_args.json;
    let store = open_store(args.data_dir)?;
    let list = store.records()?;
    let decided: std::collections::HashMap<i64, Decision> = store
        .current_decisions()?
        .into_iter()
        .map(|d| (d.record, d))
        .collect();
    if json {
        let rows: Vec<serde_json::Value> = list
            .iter()
            .map(|r| with_decision(r, decided.get(&r.id)))
            .collect();
        let v = super::json(&rows)?;
        writeln!(io.out, "{v}")?;
        return Ok(Status::Ok);
    }
    if list.is_empty() {
        writeln!(io.out, "No records yet.")?;
        return Ok(Status::Ok);
    }
    writeln!(
        io.out,
        "{:>6}  {:<23}  {:<24}  {:<12}  {:>4} {:>7} {:>4}  DECISION",
        "ID", "COMPLETED", "NAME", "OUTCOME", "STOP", "CAUTION", "NOTE"
    )?;
    for r in &list {
        // Padded by display width, so wide or invisible characters cannot shift a column.
        writeln!(
            io.out,
            "{:>6}  {:<23}  {}  {:<12}  {:>4} {:>7} {:>4}  {}",
            r.id,
            local_time(&r.completed_at),
            cell(r.name.as_deref().unwrap_or("-"), 24),
            cell(&r.outcome, 12).trim_end(),
            r.stop,
            r.caution,
            r.note,
            decision_cell(decided.get(&r.id))
        )?;
    }
    Ok(Status::Ok)
}

/// One page of the clinic store's records, newest first, with site and device.
fn shared_list(
    io: &mut Io<'_>,
    client: &mut postgres::Client,
    a: &ListArgs<'_>,
) -> Result<Status, CliError> {
    if a.limit < 1 || a.limit > 10_000 || a.page < 1 {
        return Err(CliError::Usage(
            "--limit takes 1 to 10000 and --page starts at 1".into(),
        ));
    }
    let page = crate::clinic::read::Page {
        limit: a.limit,
        offset: (a.page - 1).saturating_mul(a.limit),
        site: a.site,
    };
    let (list, more) = crate::clinic::read::list(client, &page)?;
    let ids: Vec<i64> = list.iter().map(|r| r.id).collect();
    let mut decided: std::collections::HashMap<i64, Decision> = std::collections::HashMap::new();
    for d in crate::clinic::desk::decisions_if_kept(client, &ids)? {
        // Oldest first: the last one per record is its current decision.
        decided.insert(d.record, d);
    }
    if a.json {
        let rows: Vec<serde_json::Value> = list
            .iter()
            .map(|r| with_decision(r, decided.get(&r.id)))
            .collect();
        writeln!(io.out, "{}", super::json(&rows)?)?;
        return Ok(Status::Ok);
    }
    if list.is_empty() {
        writeln!(io.out, "No records in the clinic store on this page.")?;
        return Ok(Status::Ok);
    }
    writeln!(
        io.out,
        "{:>8}  {:<23}  {:<12}  {:<12}  {:<24}  {:<12}  {:>4} {:>7} {:>4}  DECISION",
        "ID", "COMPLETED", "SITE", "DEVICE", "NAME", "OUTCOME", "STOP", "CAUTION", "NOTE"
    )?;
    for r in &list {
        writeln!(
            io.out,
            "{:>8}  {:<23}  {}  {}  {}  {:<12}  {:>4} {:>7} {:>4}  {}",
            r.id,
            local_time(&r.completed_at),
            cell(&r.site, 12),
            cell(&r.device, 12),
            cell(r.name.as_deref().unwrap_or("-"), 24),
            cell(&r.outcome, 12).trim_end(),
            r.stop,
            r.caution,
            r.note,
            decision_cell(decided.get(&r.id))
        )?;
    }
    if more {
        writeln!(io.out, "more: --page {}", a.page + 1)?;
    }
    Ok(Status::Ok)
}

/// A list row as JSON with its current decision (`null` when none).
fn with_decision(row: &impl serde::Serialize, d: Option<&Decision>) -> serde_json::Value {
    let mut v = serde_json::to_value(row).unwrap_or(serde_json::Value::Null);
    if let Some(map) = v.as_object_mut() {
        map.insert(
            "decision".into(),
            d.map_or(serde_json::Value::Null, decision::to_json),
        );
    }
    v
}

/// The list's decision column: "treat_today by lee".
fn decision_cell(d: Option<&Decision>) -> String {
    d.map_or("-".to_owned(), |d| {
        text::escape(&format!("{} by {}", d.kind.as_str(), d.prescriber.id))
    })
}

pub fn records_show(
    io: &mut Io<'_>,
    args: &RecordsArgs<'_>,
    id: &str,
    format: Format,
    questionnaire: Option<&Path>,
    now: Timestamp,
) -> Result<Status, CliError> {
    let (r, decisions) = if let Some(mut client) = shared_reader(io, args)? {
        let Some(shared) = crate::clinic::read::show(&mut client, id)? else {
            return Err(CliError::Usage(format!(
                "there is no record `{}` in the clinic store (give its id or UUID)",
                text::escape(id)
            )));
        };
        writeln!(
            io.err,
            "record {} from the clinic store: site {}, device {}, uuid {}",
            shared.record.summary.id,
            text::escape(&shared.site),
            text::escape(&shared.device),
            shared.uuid
        )?;
        let decisions =
            crate::clinic::desk::decisions_if_kept(&mut client, &[shared.record.summary.id])?;
        (shared.record, decisions)
    } else {
        let id: i64 = id.parse().map_err(|_| {
            CliError::Usage(format!(
                "`{}` is not a record id; this machine's records have numbers (see `triage records list`)",
                text::escape(id)
            ))
        })?;
        let mut store = open_store(args.data_dir)?;
        let r = store.record(id)?;
        store.log(AuditEvent::Viewed, Some(id), r.draft, now)?;
        let decisions = store.decisions(id)?;
        (r, decisions)
    };
    let id = r.summary.id;
    let unreadable = || {
        CliError::Usage(format!(
            "record {id} cannot be read back; keep the store for inspection"
        ))
    };
    match format {
        Format::Fhir => {
            // The response is rebuilt from the stored answers against the questionnaire they
            // were given to.
            let src = super::source(questionnaire)?;
            let given = super::load_checked(io, &src)?;
            // A record made with an earlier shipped version is answered in that version.
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
            let mut response =
                crate::records::questionnaire_response(q, &r).ok_or_else(unreadable)?;
            decision::add_to_fhir(&mut response, &decisions);
            writeln!(io.out, "{}", super::json(&response)?)?;
        }
        Format::Text => {
            write!(io.out, "{}", text::escape(&r.summary_text))?;
            write!(
                io.out,
                "{}",
                decision::render_text(&decisions, &crate::clock::local_zone())
            )?;
        }
        Format::Json => {
            let mut v: serde_json::Value =
                serde_json::from_str(&r.summary_json).map_err(|_| unreadable())?;
            decision::add_to_summary(&mut v, &decisions);
            writeln!(io.out, "{}", super::json(&v)?)?;
        }
    }
    Ok(Status::Ok)
}

/// Writes one record's export file (and its QuestionnaireResponse when `fhir` names the
/// questionnaire it was made with). `name` is the file stem (`record-ID` or `record-UUID`).
fn export_one(
    io: &mut Io<'_>,
    out: &Path,
    name: &str,
    r: &store::Record,
    origin: Option<&crate::clinic::read::SharedRecord>,
    fhir: Option<&crate::questionnaire::Questionnaire>,
    earlier: &[crate::questionnaire::Questionnaire],
) -> Result<Exported, CliError> {
    // A damaged record is reported, never exported with holes (`"answers": null`).
    let parse = |s: &str, what: &'static str, object: bool| {
        serde_json::from_str::<serde_json::Value>(s)
            .ok()
            .filter(|v| !object || v.is_object())
            .ok_or(what)
    };
    let parts = (|| {
        Ok::<_, &'static str>((
            parse(&r.answers_json, "answers", true)?,
            match r.latches_json.as_deref() {
                Some(l) => parse(l, "latched flags", false)?,
                None => serde_json::json!([]),
            },
            parse(&r.summary_json, "summary", true)?,
        ))
    })();
    let (answers, latched, summary) = match parts {
        Ok(p) => p,
        Err(what) => return Ok(Exported::Damaged(what)),
    };
    let mut doc = serde_json::json!({
        "record_id": r.summary.id,
        "completed_at": r.summary.completed_at,
        "questionnaire": { "id": r.questionnaire.id, "version": r.questionnaire.version, "content_hash": r.questionnaire.content_hash },
        "visit_date": r.visit_date,
        "answers": answers,
        "latched": latched,
        "summary": summary,
    });
    if let (Some(o), Some(map)) = (origin, doc.as_object_mut()) {
        map.insert("uuid".into(), o.uuid.clone().into());
        map.insert("site".into(), o.site.clone().into());
        map.insert("device".into(), o.device.clone().into());
        map.insert("content_sha256".into(), o.content_sha256.clone().into());
    }
    let write = |path: &Path, bytes: &[u8]| {
        store::write_atomic(path, bytes).map_err(|source| {
            CliError::Store(store::StoreError::Dir {
                path: path.to_owned(),
                source,
            })
        })
    };
    let bytes = super::json(&doc)?.into_bytes();
    write(&out.join(format!("{name}.json")), &bytes)?;
    let id = r.summary.id;
    if let Some(given) = fhir {
        // A record made with an earlier shipped version is answered in that version.
        let q = versions::pick(
            given,
            earlier,
            &r.questionnaire.id,
            &r.questionnaire.content_hash,
        );
        if q.meta.id == r.questionnaire.id {
            let response = crate::records::questionnaire_response(q, r).ok_or_else(|| {
                CliError::Usage(format!("record {id} cannot be read back as FHIR"))
            })?;
            let bytes = super::json(&response)?.into_bytes();
            write(&out.join(format!("{name}.fhir.json")), &bytes)?;
            if q.content_hash != r.questionnaire.content_hash {
                writeln!(
                    io.err,
                    "warning: record {id} was made with another version of `{}` ({}); its response follows the questionnaire given now",
                    r.questionnaire.id, r.questionnaire.version
                )?;
            }
        } else {
            writeln!(
                io.err,
                "note: record {id} was made with `{}`, not `{}`: no FHIR response written for it",
                r.questionnaire.id, q.meta.id
            )?;
        }
    }
    Ok(Exported::Written)
}

/// What became of one record in an export.
enum Exported {
    Written,
    /// Its stored data cannot be read (which part): not written.
    Damaged(&'static str),
}

/// One JSON file per record, written atomically with mode 0600; with a questionnaire (`--fhir`),
/// also each record made with it as a FHIR QuestionnaireResponse. Local records are
/// `record-N.json`; the clinic store's are `record-UUID.json`, with site and device.
pub fn records_export(
    io: &mut Io<'_>,
    args: &RecordsArgs<'_>,
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
    let shared = shared_reader(io, args)?;
    store::ensure_private_dir(out).map_err(|e| {
        CliError::Usage(format!(
            "cannot use the export folder {}: {e}",
            out.display()
        ))
    })?;
    let mut damaged = Vec::new();
    let count = if let Some(mut client) = shared {
        let mut failed = None;
        let n = crate::clinic::read::for_each(&mut client, |s| {
            if failed.is_some() {
                return Ok(());
            }
            match export_one(
                io,
                out,
                &format!("record-{}", s.uuid),
                &s.record,
                Some(&s),
                fhir,
                &earlier,
            ) {
                Ok(Exported::Written) => {}
                Ok(Exported::Damaged(what)) => damaged.push((s.uuid.clone(), what)),
                Err(e) => failed = Some(e),
            }
            Ok(())
        })?;
        if let Some(e) = failed {
            return Err(e);
        }
        n
    } else {
        let mut st = open_store(args.data_dir)?;
        let list = st.records()?;
        for summary in &list {
            let r = st.record(summary.id)?;
            match export_one(
                io,
                out,
                &format!("record-{}", r.summary.id),
                &r,
                None,
                fhir,
                &earlier,
            )? {
                Exported::Written => {
                    st.log(AuditEvent::Exported, Some(r.summary.id), r.draft, now)?;
                }
                Exported::Damaged(what) => damaged.push((r.summary.id.to_string(), what)),
            }
        }
        list.len()
    };
    for (id, what) in &damaged {
        writeln!(
            io.err,
            "error: record {} is damaged (its stored {what} cannot be read); it was not exported: keep the database for inspection",
            text::escape(id)
        )?;
    }
    writeln!(
        io.out,
        "exported {} record(s) to {}",
        count - damaged.len(),
        text::escape(&out.display().to_string())
    )?;
    Ok(if damaged.is_empty() {
        Status::Ok
    } else {
        Status::Findings
    })
}

pub fn records_delete(
    io: &mut Io<'_>,
    args: &RecordsArgs<'_>,
    id: i64,
    yes: bool,
    now: Timestamp,
) -> Result<Status, CliError> {
    if !yes {
        return Err(CliError::Usage(format!(
            "deleting record {id} cannot be undone; add --yes to confirm"
        )));
    }
    let mut store = open_store(args.data_dir)?;
    let undelivered = store
        .record_delivery(id)?
        .is_some_and(|d| d.state == "pending" || d.state == "rejected");
    let dir = store::data_dir(args.data_dir).map_err(|e| CliError::Usage(e.to_string()))?;
    let shared = undelivered
        && super::clinic_config(io, args.config, &dir)?
            .clinic_store
            .is_some();
    store.delete_record(id, now)?;
    writeln!(io.out, "deleted record {id}")?;
    if shared {
        writeln!(
            io.err,
            "note: record {id} had not reached the clinic store; no copy of it is left to send"
        )?;
    }
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
    let dir = store::data_dir(data_dir).map_err(|e| CliError::Usage(e.to_string()))?;
    // The questionnaire named, else the clinic's (as the kiosk uses), else the shipped one.
    let configured = if questionnaire.is_none() {
        super::clinic_config(io, None, &dir)?.questionnaire
    } else {
        None
    };
    let q = super::load_checked(io, &super::source(questionnaire.or(configured.as_deref()))?)?;
    let st = open_store(data_dir)?;
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
        let v = super::json(&rows)?;
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
        writeln!(
            io.out,
            "{:>6}  {:<9}  {:<23}  {}  {:>7}  {}",
            r.id,
            r.status,
            local_time(&r.updated_at),
            cell(r.name.as_deref().unwrap_or("-"), 24),
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

/// One cell of a list: escaped (nothing in it acts on a terminal), one line, padded or cut to
/// exactly `width` display columns.
fn cell(s: &str, width: usize) -> String {
    text::pad_to(&text::escape(s), width)
}
