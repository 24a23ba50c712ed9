//! The doctor's desk in the local store (schema step 4 -> 5, in `super::schema`): prescribers' decisions on records,
//! appended and never changed (triggers refuse updates, and deletes while the record exists; a
//! record deleted for retention takes its decisions with it), the override-reason rule enforced
//! by a trigger as well as by the caller, each decision and each opening audited (ids, the
//! decision and who; never the note, the reason or an answer), and the inbox's list of a day's
//! records with the few answers its columns need.

use std::fmt::Write as _;

use jiff::Timestamp;
use rusqlite::{OptionalExtension, params};

use super::connection::map_err;
use super::{AuditEvent, RecordId, SqliteStore, StoreError};
use crate::inbox::{Decision, DecisionKind, IntakeRow, NewDecision, Prescriber};

const DECISION_COLUMNS: &str = "id, record_id, decided_at, decision, note, override_reason, prescriber_id, prescriber_name, registration";

fn decision_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Decision> {
    let kind: String = r.get(3)?;
    let at: String = r.get(2)?;
    Ok(Decision {
        id: r.get(0)?,
        record: r.get(1)?,
        decided_at: at.parse().unwrap_or(Timestamp::UNIX_EPOCH),
        // The CHECK constraint keeps other words out.
        kind: DecisionKind::parse(&kind).unwrap_or(DecisionKind::Defer),
        note: r.get(4)?,
        override_reason: r.get(5)?,
        prescriber: Prescriber {
            id: r.get(6)?,
            name: r.get(7)?,
            registration: r.get(8)?,
        },
        login: None,
    })
}

impl SqliteStore {
    /// Appends a decision on a record (checked by `inbox::decision::check` first; the store's
    /// trigger refuses a treat-today without a reason on a STOP anyway) and audits it, in one
    /// transaction.
    pub fn decide(
        &mut self,
        record: RecordId,
        d: &NewDecision,
        now: Timestamp,
    ) -> Result<Decision, StoreError> {
        let path = self.path().to_owned();
        let tx = self.conn.transaction().map_err(|e| map_err(e, &path))?;
        let exists: Option<i64> = tx
            .query_row("SELECT id FROM records WHERE id = ?1", [record], |r| {
                r.get(0)
            })
            .optional()
            .map_err(|e| map_err(e, &path))?;
        if exists.is_none() {
            return Err(StoreError::NoRecord(record));
        }
        tx.execute(
            "INSERT INTO decisions (record_id, decided_at, decision, note, override_reason, prescriber_id, prescriber_name, registration) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            params![
                record,
                now.to_string(),
                d.kind.as_str(),
                d.note,
                d.override_reason,
                d.prescriber.id,
                d.prescriber.name,
                d.prescriber.registration
            ],
        )
        .map_err(|e| map_err(e, &path))?;
        let id = tx.last_insert_rowid();
        let detail = format!("decision {id}: {} by {}", d.kind.as_str(), d.prescriber.id);
        SqliteStore::audit_detail_in(
            &tx,
            AuditEvent::Decided,
            Some(record),
            None,
            Some(&detail),
            now,
        )
        .map_err(|e| map_err(e, &path))?;
        tx.commit().map_err(|e| map_err(e, &path))?;
        Ok(Decision {
            id,
            record,
            decided_at: now,
            kind: d.kind,
            note: d.note.clone(),
            override_reason: d.override_reason.clone(),
            prescriber: d.prescriber.clone(),
            login: None,
        })
    }

    /// Every decision on a record, oldest first.
    pub fn decisions(&self, record: RecordId) -> Result<Vec<Decision>, StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached(&format!(
                "SELECT {DECISION_COLUMNS} FROM decisions WHERE record_id = ?1 ORDER BY id"
            ))
            .map_err(|e| map_err(e, self.path()))?;
        let rows = stmt
            .query_map([record], decision_from_row)
            .map_err(|e| map_err(e, self.path()))?;
        rows.collect::<rusqlite::Result<Vec<_>>>()
            .map_err(|e| map_err(e, self.path()))
    }

    /// The current (latest) decision of every record that has one.
    pub fn current_decisions(&self) -> Result<Vec<Decision>, StoreError> {
        let mut stmt = self
            .conn
            .prepare(&format!(
                "SELECT {DECISION_COLUMNS} FROM decisions WHERE id IN (SELECT max(id) FROM decisions GROUP BY record_id) ORDER BY record_id"
            ))
            .map_err(|e| map_err(e, self.path()))?;
        let rows = stmt
            .query_map([], decision_from_row)
            .map_err(|e| map_err(e, self.path()))?;
        rows.collect::<rusqlite::Result<Vec<_>>>()
            .map_err(|e| map_err(e, self.path()))
    }

    /// Audits that a prescriber opened a record in the inbox (its status becomes "reviewed").
    pub fn mark_reviewed(
        &mut self,
        record: RecordId,
        prescriber: &str,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        self.conn
            .execute(
                "INSERT INTO audit (at, event, record_id, draft_id, detail) VALUES (?1, ?2, ?3, NULL, ?4)",
                params![
                    now.to_string(),
                    AuditEvent::Reviewed.as_str(),
                    record,
                    format!("by {prescriber}")
                ],
            )
            .map(|_| ())
            .map_err(|e| map_err(e, self.path()))
    }

    /// The records of one visit date (every record with `None`) as the inbox lists them, with
    /// the answers named by `keys` (empty keys give nothing), in no particular order.
    pub fn intakes(
        &self,
        day: Option<&str>,
        keys: &[String],
    ) -> Result<Vec<IntakeRow>, StoreError> {
        let mut extract = String::new();
        for (i, k) in keys.iter().enumerate() {
            if k.is_empty() {
                extract.push_str(", NULL");
            } else {
                // Each answer as JSON text (`->`), bound as a path, never spliced in.
                let _ = write!(extract, ", r.answers_json -> ?{}", i + 2);
            }
        }
        let sql = format!(
            "SELECT r.id, d.uuid, r.completed_at, r.visit_date, r.questionnaire_id, r.patient_name, r.outcome, \
             r.stop_count, r.caution_count, r.note_count, \
             (SELECT x.decision FROM decisions x WHERE x.record_id = r.id ORDER BY x.id DESC LIMIT 1), \
             EXISTS (SELECT 1 FROM audit a WHERE a.record_id = r.id AND a.event = 'reviewed'){extract} \
             FROM records r LEFT JOIN record_delivery d ON d.record_id = r.id{}",
            // `?1 IS NULL OR ...` would keep the planner off the visit-date index.
            if day.is_some() {
                " WHERE r.visit_date = ?1"
            } else {
                " WHERE ?1 IS NULL"
            }
        );
        let mut stmt = self
            .conn
            .prepare_cached(&sql)
            .map_err(|e| map_err(e, self.path()))?;
        let mut args: Vec<rusqlite::types::Value> = vec![match day {
            Some(d) => rusqlite::types::Value::Text(d.to_owned()),
            None => rusqlite::types::Value::Null,
        }];
        for k in keys {
            args.push(rusqlite::types::Value::Text(format!("$.\"{k}\"")));
        }
        let n = keys.len();
        let rows = stmt
            .query_map(rusqlite::params_from_iter(args), |r| {
                let at: String = r.get(2)?;
                let decision: Option<String> = r.get(10)?;
                let mut fields = Vec::with_capacity(n);
                for i in 0..n {
                    let v: Option<String> = r.get(12 + i)?;
                    fields.push(v.and_then(|t| serde_json::from_str(&t).ok()));
                }
                Ok(IntakeRow {
                    id: r.get(0)?,
                    uuid: r.get(1)?,
                    completed_at: at.parse().unwrap_or(Timestamp::UNIX_EPOCH),
                    visit_date: r.get(3)?,
                    questionnaire: r.get(4)?,
                    name: r.get(5)?,
                    outcome: r.get(6)?,
                    counts: [
                        r.get::<_, usize>(7)?,
                        r.get::<_, usize>(8)?,
                        r.get::<_, usize>(9)?,
                    ],
                    site: None,
                    device: None,
                    fields,
                    decision: decision.as_deref().and_then(DecisionKind::parse),
                    reviewed: r.get(11)?,
                })
            })
            .map_err(|e| map_err(e, self.path()))?;
        rows.collect::<rusqlite::Result<Vec<_>>>()
            .map_err(|e| map_err(e, self.path()))
    }

    /// A number that changes whenever another connection commits to the database (SQLite's
    /// `data_version`): the inbox polls it to know when to list again.
    pub fn data_version(&self) -> Result<i64, StoreError> {
        self.conn
            .pragma_query_value(None, "data_version", |r| r.get(0))
            .map_err(|e| map_err(e, self.path()))
    }
}
