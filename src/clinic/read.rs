//! Reading the clinic store (reader roles only): a page of the record list, newest first, served
//! by the `records_newest` index; one record by id or UUID; every record for export. Each view
//! and export is written to `triage.access_log` first (who, what, when), through a function, so
//! a record is never shown unlogged. Record contents come back as the payload the device sent.

use postgres::Client;

use super::ClinicError;
use crate::store::{QuestionnaireRef, Record, RecordSummary};

/// One line of the shared record list.
#[derive(Debug, Clone, serde::Serialize)]
pub struct SharedSummary {
    pub id: i64,
    pub uuid: String,
    pub completed_at: String,
    pub site: String,
    pub device: String,
    pub name: Option<String>,
    pub questionnaire: String,
    pub outcome: String,
    pub stop: i64,
    pub caution: i64,
    pub note: i64,
}

/// A whole shared record: where it came from, and the record as the device stored it.
#[derive(Debug, Clone)]
pub struct SharedRecord {
    pub uuid: String,
    pub site: String,
    pub device: String,
    pub content_sha256: String,
    pub record: Record,
}

/// Which records a list shows.
#[derive(Debug, Clone, Default)]
pub struct Page<'a> {
    pub limit: i64,
    pub offset: i64,
    pub site: Option<&'a str>,
}

// By value, so that it reads `.map_err(pg)`.
#[allow(clippy::needless_pass_by_value)]
fn pg(e: postgres::Error) -> ClinicError {
    ClinicError::from_pg(&e)
}

/// Whether this connection's role may read records (a device role may not).
pub fn can_read(client: &mut Client) -> bool {
    client
        .query_one(
            "SELECT has_table_privilege('triage.records', 'SELECT') AND has_function_privilege('triage.log_access(text, bigint[])', 'EXECUTE')",
            &[],
        )
        .is_ok_and(|r| r.get::<_, bool>(0))
}

pub(crate) const COMPLETED_AT: &str =
    "to_char(completed_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')";

/// A page of records, newest first; the flag says whether more follow.
pub fn list(
    client: &mut Client,
    page: &Page<'_>,
) -> Result<(Vec<SharedSummary>, bool), ClinicError> {
    // Two statements rather than `$3 IS NULL OR site = $3`, so each has its index.
    let columns = format!(
        "SELECT id, uuid::text, {COMPLETED_AT}, site, device, patient_name, questionnaire_id, outcome, stop_count, caution_count, note_count FROM triage.records"
    );
    let order = "ORDER BY completed_at DESC, id DESC LIMIT $1 OFFSET $2";
    let rows = match page.site {
        Some(site) => client.query(
            &format!("{columns} WHERE site = $3 {order}"),
            &[&(page.limit + 1), &page.offset, &site],
        ),
        None => client.query(
            &format!("{columns} {order}"),
            &[&(page.limit + 1), &page.offset],
        ),
    }
    .map_err(pg)?;
    let more = i64::try_from(rows.len()).map_or(true, |n| n > page.limit);
    let list = rows
        .iter()
        .take(usize::try_from(page.limit).unwrap_or(usize::MAX))
        .map(|r| SharedSummary {
            id: r.get(0),
            uuid: r.get(1),
            completed_at: r.get(2),
            site: r.get(3),
            device: r.get(4),
            name: r.get(5),
            questionnaire: r.get(6),
            outcome: r.get(7),
            stop: i64::from(r.get::<_, i32>(8)),
            caution: i64::from(r.get::<_, i32>(9)),
            note: i64::from(r.get::<_, i32>(10)),
        })
        .collect();
    Ok((list, more))
}

/// Writes who opened which records, before they are shown.
pub fn log_access(client: &mut Client, event: &str, ids: &[i64]) -> Result<(), ClinicError> {
    client
        .execute("SELECT triage.log_access($1, $2)", &[&event, &ids])
        .map(|_| ())
        .map_err(pg)
}

/// Rebuilds a [`Record`] from a delivered payload. `None` if the payload is not one.
fn from_payload(id: i64, payload: &str) -> Option<Record> {
    let v: serde_json::Value = serde_json::from_str(payload).ok()?;
    let s = |p: &str| v.pointer(p).and_then(|x| x.as_str()).map(str::to_owned);
    let n = |p: &str| {
        v.pointer(p)
            .and_then(serde_json::Value::as_u64)
            .and_then(|n| usize::try_from(n).ok())
            .unwrap_or(0)
    };
    let questionnaire = QuestionnaireRef {
        id: s("/questionnaire/id")?,
        version: s("/questionnaire/version")?,
        content_hash: s("/questionnaire/content_hash")?,
    };
    Some(Record {
        summary: RecordSummary {
            id,
            completed_at: s("/completed_at")?,
            name: s("/patient_name"),
            questionnaire: questionnaire.id.clone(),
            outcome: s("/outcome")?,
            stop: n("/flags/stop"),
            caution: n("/flags/caution"),
            note: n("/flags/note"),
        },
        draft: None,
        questionnaire,
        visit_date: s("/visit_date")?,
        answers_json: v.get("answers")?.to_string(),
        summary_json: v.get("summary")?.to_string(),
        summary_text: s("/summary_text")?,
        latches_json: v
            .get("latches")
            .filter(|l| !l.is_null())
            .map(std::string::ToString::to_string),
    })
}

fn shared(row: &postgres::Row) -> Result<SharedRecord, ClinicError> {
    let id: i64 = row.get(0);
    let payload: String = row.get(5);
    let record = from_payload(id, &payload).ok_or_else(|| {
        ClinicError::Refused(format!("record {id} in the clinic store is not readable"))
    })?;
    Ok(SharedRecord {
        uuid: row.get(1),
        site: row.get(2),
        device: row.get(3),
        content_sha256: row.get(4),
        record,
    })
}

const RECORD_COLUMNS: &str = "id, uuid::text, site, device, content_sha256, payload";

/// One record by its clinic store id or its UUID, logged as viewed. `Ok(None)` if there is none.
pub fn show(client: &mut Client, key: &str) -> Result<Option<SharedRecord>, ClinicError> {
    show_as(client, key, "viewed")
}

/// As [`show`], logged as `event` (the inbox logs `reviewed`).
pub fn show_as(
    client: &mut Client,
    key: &str,
    event: &str,
) -> Result<Option<SharedRecord>, ClinicError> {
    let row = if let Ok(id) = key.parse::<i64>() {
        client
            .query_opt(
                &format!("SELECT {RECORD_COLUMNS} FROM triage.records WHERE id = $1"),
                &[&id],
            )
            .map_err(pg)?
    } else if uuid::Uuid::parse_str(key).is_ok() {
        client
            .query_opt(
                &format!("SELECT {RECORD_COLUMNS} FROM triage.records WHERE uuid = $1::text::uuid"),
                &[&key],
            )
            .map_err(pg)?
    } else {
        return Ok(None);
    };
    let Some(row) = row else { return Ok(None) };
    let id: i64 = row.get(0);
    log_access(client, event, &[id])?;
    shared(&row).map(Some)
}

/// Calls `each` for every record, oldest first, fetched in pages of 500 (so memory stays flat
/// however many there are); each page is logged as exported before it is handed out.
pub fn for_each(
    client: &mut Client,
    mut each: impl FnMut(SharedRecord) -> Result<(), ClinicError>,
) -> Result<usize, ClinicError> {
    let mut after = 0i64;
    let mut n = 0;
    loop {
        let rows = client
            .query(
                &format!("SELECT {RECORD_COLUMNS} FROM triage.records WHERE id > $1 ORDER BY id LIMIT 500"),
                &[&after],
            )
            .map_err(pg)?;
        let Some(last) = rows.last() else {
            return Ok(n);
        };
        after = last.get(0);
        let ids: Vec<i64> = rows.iter().map(|r| r.get(0)).collect();
        log_access(client, "exported", &ids)?;
        for row in &rows {
            each(shared(row)?)?;
            n += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A delivered payload reads back as the record it was, latched flags included.
    #[test]
    fn payload_reads_back() {
        let text = r#"{"format":"triage-record/1","uuid":"u","local_id":3,"questionnaire":{"id":"q","version":"1","content_hash":"h"},
            "visit_date":"2025-06-02","completed_at":"2025-06-02T09:00:00Z","patient_name":null,"outcome":"not_assessed",
            "flags":{"stop":1,"caution":0,"note":2},"answers":{"a":"yes"},"summary":{"outcome":"not_assessed"},
            "summary_text":"page","latches":[{"flag":"P01"}]}"#;
        let r = from_payload(42, text).expect("reads");
        assert_eq!(r.summary.id, 42);
        assert_eq!(r.summary.outcome, "not_assessed");
        assert_eq!((r.summary.stop, r.summary.note), (1, 2));
        assert_eq!(r.answers_json, r#"{"a":"yes"}"#);
        assert_eq!(r.latches_json.as_deref(), Some(r#"[{"flag":"P01"}]"#));
        assert!(from_payload(1, "{}").is_none());
    }
}
