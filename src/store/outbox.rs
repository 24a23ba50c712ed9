//! The outbox: what this machine still has to hand to the clinic store. Every completed record
//! gets a UUID in the same transaction that stores it (so `run`, `kiosk` and `submit` all go
//! through here), and waits as `pending` until the clinic store has committed it; audit events
//! follow by a cursor over the append-only audit log. The record's content is not copied: the
//! payload is rebuilt from the (immutable) record row, and its SHA-256 taken at completion proves
//! it unchanged. Delivery state lives in its own table beside `records`, so a device without a
//! clinic store works exactly as before and a later rebuild of `records` cannot drop it.
//! Nothing here talks to the network; `crate::clinic` does. Its tables are schema step 2 -> 3 (`super::schema`).

use std::fmt::Write as _;

use jiff::Timestamp;
use rusqlite::{Connection, OptionalExtension, params};
use sha2::{Digest, Sha256};

use super::connection::{audit_from_row, map_err};
use super::{AuditRow, NewRecord, RecordId, SqliteStore, StoreError};

/// The payload's format name; the clinic store keeps it with the record.
pub const PAYLOAD_FORMAT: &str = "triage-record/1";

/// A record's fields as the payload carries them, borrowed from wherever they are.
#[derive(Clone, Copy)]
struct Fields<'a> {
    id: RecordId,
    questionnaire_id: &'a str,
    questionnaire_version: &'a str,
    content_hash: &'a str,
    visit_date: &'a str,
    completed_at: &'a str,
    patient_name: Option<&'a str>,
    outcome: &'a str,
    counts: [usize; 3],
    answers_json: &'a str,
    summary_json: &'a str,
    summary_text: &'a str,
    /// Latched flags (safety disclosures and what followed), as stored.
    latches_json: Option<&'a str>,
}

/// The exact text delivered for a record: JSON with a fixed field order, so the same record
/// always gives the same bytes (and the same SHA-256). Outcome and summaries are copied as they
/// are stored, without interpretation.
fn payload(uuid: &str, f: &Fields<'_>) -> String {
    let parse = |s: &str| serde_json::from_str(s).unwrap_or(serde_json::Value::Null);
    serde_json::json!({
        "format": PAYLOAD_FORMAT,
        "uuid": uuid,
        "local_id": f.id,
        "questionnaire": {
            "id": f.questionnaire_id,
            "version": f.questionnaire_version,
            "content_hash": f.content_hash,
        },
        "visit_date": f.visit_date,
        "completed_at": f.completed_at,
        "patient_name": f.patient_name,
        "outcome": f.outcome,
        "flags": { "stop": f.counts[0], "caution": f.counts[1], "note": f.counts[2] },
        "answers": parse(f.answers_json),
        "summary": parse(f.summary_json),
        "summary_text": f.summary_text,
        "latches": f.latches_json.map_or(serde_json::Value::Null, parse),
    })
    .to_string()
}

/// Lower-case hex SHA-256 of a payload (what the clinic store checks and keeps).
pub fn sha256_hex(text: &str) -> String {
    let digest = Sha256::digest(text.as_bytes());
    digest.iter().fold(String::with_capacity(64), |mut hex, b| {
        let _ = write!(hex, "{b:02x}");
        hex
    })
}

/// Gives a just-stored record its UUID and queues it, inside the transaction that stores it.
pub(super) fn enqueue(
    tx: &Connection,
    id: RecordId,
    r: &NewRecord,
    summary_json: &str,
    summary_text: &str,
) -> rusqlite::Result<()> {
    let uuid = uuid::Uuid::new_v4().to_string();
    let completed_at = r.completed_at.to_string();
    let f = Fields {
        id,
        questionnaire_id: &r.questionnaire.id,
        questionnaire_version: &r.questionnaire.version,
        content_hash: &r.questionnaire.content_hash,
        visit_date: &r.visit_date,
        completed_at: &completed_at,
        patient_name: r.patient_name.as_deref(),
        outcome: &r.outcome,
        counts: r.counts,
        answers_json: &r.answers_json,
        summary_json,
        summary_text,
        latches_json: r.latches_json.as_deref(),
    };
    let hash = sha256_hex(&payload(&uuid, &f));
    tx.prepare_cached(
        "INSERT INTO record_delivery (record_id, uuid, payload_sha256, state, enqueued_at) VALUES (?1, ?2, ?3, 'pending', ?4)",
    )?
    .execute(params![id, uuid, hash, completed_at])?;
    Ok(())
}

/// A record waiting for the clinic store, with the exact text to send.
#[derive(Debug, Clone)]
pub struct Pending {
    pub record: RecordId,
    pub uuid: String,
    pub sha256: String,
    pub payload: String,
}

/// What the clinic store said about one record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Delivery {
    /// Stored for the first time.
    Inserted,
    /// The clinic store already had exactly this content under this UUID: counted once.
    Duplicate,
    /// The clinic store has other content under this UUID: both are kept there for staff.
    Conflict,
    /// Refused for good (the content does not match its hash); kept here, not retried.
    Rejected(String),
}

impl Delivery {
    fn state(&self) -> &'static str {
        match self {
            Delivery::Inserted => "delivered",
            Delivery::Duplicate => "duplicate",
            Delivery::Conflict => "conflict",
            Delivery::Rejected(_) => "rejected",
        }
    }
}

/// How many records are in each delivery state on this machine.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct OutboxCounts {
    pub pending: usize,
    /// Delivered, including those the clinic store already had (duplicates).
    pub delivered: usize,
    pub conflicts: usize,
    pub rejected: usize,
    /// Audit events not yet handed over.
    pub audit_pending: usize,
}

/// A record's delivery state, for `records show` and staff.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordDelivery {
    pub uuid: String,
    pub state: String,
    pub attempts: i64,
    pub delivered_at: Option<String>,
}

impl SqliteStore {
    /// This database's device UUID (made by the migration, never changed): with the local record
    /// and audit ids, it keys what this machine sends.
    pub fn device_uuid(&self) -> Result<String, StoreError> {
        self.conn
            .query_row("SELECT uuid FROM device WHERE id = 1", [], |r| r.get(0))
            .map_err(|e| map_err(e, self.path()))
    }

    /// Up to `limit` pending records, oldest first, each with its payload. A record whose content
    /// no longer matches the SHA-256 taken at completion is marked rejected (local damage) and
    /// left out.
    pub fn outbox_batch(&mut self, limit: usize) -> Result<Vec<Pending>, StoreError> {
        let path = self.path().to_owned();
        let mut out = Vec::new();
        let mut damaged = Vec::new();
        let mut unhashed = Vec::new();
        {
            let mut stmt = self
                .conn
                .prepare_cached(
                    "SELECT d.record_id, d.uuid, d.payload_sha256, r.questionnaire_id, r.questionnaire_version, r.content_hash, r.visit_date, r.completed_at, \
                     r.patient_name, r.outcome, r.stop_count, r.caution_count, r.note_count, r.answers_json, r.summary_json, r.summary_text, r.latches_json \
                     FROM record_delivery d JOIN records r ON r.id = d.record_id WHERE d.state = 'pending' ORDER BY d.record_id LIMIT ?1",
                )
                .map_err(|e| map_err(e, &path))?;
            let mut rows = stmt.query([limit]).map_err(|e| map_err(e, &path))?;
            while let Some(r) = rows.next().map_err(|e| map_err(e, &path))? {
                let get_s = |i: usize| r.get::<_, String>(i).map_err(|e| map_err(e, &path));
                let (id, uuid, stored): (RecordId, String, Option<String>) = (
                    r.get(0).map_err(|e| map_err(e, &path))?,
                    r.get(1).map_err(|e| map_err(e, &path))?,
                    r.get(2).map_err(|e| map_err(e, &path))?,
                );
                let questionnaire_id = get_s(3)?;
                let questionnaire_version = get_s(4)?;
                let content_hash = get_s(5)?;
                let visit_date = get_s(6)?;
                let completed_at = get_s(7)?;
                let outcome = get_s(9)?;
                let answers_json = get_s(13)?;
                let summary_json = get_s(14)?;
                let summary_text = get_s(15)?;
                let name: Option<String> = r.get(8).map_err(|e| map_err(e, &path))?;
                let latches: Option<String> = r.get(16).map_err(|e| map_err(e, &path))?;
                let mut counts = [0usize; 3];
                for (k, c) in counts.iter_mut().enumerate() {
                    *c = r.get(10 + k).map_err(|e| map_err(e, &path))?;
                }
                let f = Fields {
                    id,
                    questionnaire_id: &questionnaire_id,
                    questionnaire_version: &questionnaire_version,
                    content_hash: &content_hash,
                    visit_date: &visit_date,
                    completed_at: &completed_at,
                    patient_name: name.as_deref(),
                    outcome: &outcome,
                    counts,
                    answers_json: &answers_json,
                    summary_json: &summary_json,
                    summary_text: &summary_text,
                    latches_json: latches.as_deref(),
                };
                let text = payload(&uuid, &f);
                let sha = sha256_hex(&text);
                match stored {
                    Some(s) if s != sha => damaged.push(id),
                    stored => {
                        if stored.is_none() {
                            unhashed.push((id, sha.clone()));
                        }
                        out.push(Pending {
                            record: id,
                            uuid,
                            sha256: sha,
                            payload: text,
                        });
                    }
                }
            }
        }
        if !unhashed.is_empty() {
            self.fix_hashes(&unhashed)?;
        }
        if !damaged.is_empty() {
            let now = Timestamp::now();
            let results: Vec<(RecordId, Delivery)> = damaged
                .into_iter()
                .map(|id| {
                    (
                        id,
                        Delivery::Rejected(
                            "the record changed on this machine after it was completed".into(),
                        ),
                    )
                })
                .collect();
            self.outbox_mark(&results, now)?;
        }
        Ok(out)
    }

    /// Records what the clinic store answered, in one transaction. Only call this after the
    /// clinic store has committed: a crash before it means a resend, which counts once.
    pub fn outbox_mark(
        &mut self,
        results: &[(RecordId, Delivery)],
        now: Timestamp,
    ) -> Result<(), StoreError> {
        let path = self.path().to_owned();
        let tx = self.conn.transaction().map_err(|e| map_err(e, &path))?;
        {
            let mut stmt = tx
                .prepare_cached(
                    "UPDATE record_delivery SET state = ?2, delivered_at = ?3, attempts = attempts + 1, last_error = ?4 \
                     WHERE record_id = ?1 AND state = 'pending'",
                )
                .map_err(|e| map_err(e, &path))?;
            for (id, d) in results {
                let (delivered_at, error) = match d {
                    Delivery::Rejected(why) => (None, Some(why.as_str())),
                    _ => (Some(now.to_string()), None),
                };
                stmt.execute(params![id, d.state(), delivered_at, error])
                    .map_err(|e| map_err(e, &path))?;
            }
        }
        tx.commit().map_err(|e| map_err(e, &path))
    }

    /// Keeps the SHA-256 of records queued before this version (they had none at completion),
    /// so their content is fixed from their first delivery attempt on.
    fn fix_hashes(&mut self, batch: &[(RecordId, String)]) -> Result<(), StoreError> {
        let path = self.path().to_owned();
        let tx = self.conn.transaction().map_err(|e| map_err(e, &path))?;
        {
            let mut stmt = tx
                .prepare_cached("UPDATE record_delivery SET payload_sha256 = ?2 WHERE record_id = ?1 AND payload_sha256 IS NULL")
                .map_err(|e| map_err(e, &path))?;
            for (id, sha) in batch {
                stmt.execute(params![id, sha])
                    .map_err(|e| map_err(e, &path))?;
            }
        }
        tx.commit().map_err(|e| map_err(e, &path))
    }

    /// Counts a failed attempt for these records, with a reason that names no answer.
    pub fn outbox_failed(&mut self, records: &[RecordId], reason: &str) -> Result<(), StoreError> {
        let path = self.path().to_owned();
        let tx = self.conn.transaction().map_err(|e| map_err(e, &path))?;
        {
            let mut stmt = tx
                .prepare_cached("UPDATE record_delivery SET attempts = attempts + 1, last_error = ?2 WHERE record_id = ?1")
                .map_err(|e| map_err(e, &path))?;
            for id in records {
                stmt.execute(params![id, reason])
                    .map_err(|e| map_err(e, &path))?;
            }
        }
        tx.commit().map_err(|e| map_err(e, &path))
    }

    /// How many records are pending, delivered, in conflict or rejected (records deleted here
    /// for retention are not counted), and how many audit events wait.
    pub fn outbox_counts(&self) -> Result<OutboxCounts, StoreError> {
        let mut c = OutboxCounts::default();
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT d.state, COUNT(*) FROM record_delivery d JOIN records r ON r.id = d.record_id GROUP BY d.state",
            )
            .map_err(|e| map_err(e, self.path()))?;
        let rows = stmt
            .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, usize>(1)?)))
            .map_err(|e| map_err(e, self.path()))?;
        for row in rows {
            let (state, n) = row.map_err(|e| map_err(e, self.path()))?;
            match state.as_str() {
                "pending" => c.pending = n,
                "delivered" | "duplicate" => c.delivered += n,
                "conflict" => c.conflicts = n,
                _ => c.rejected += n,
            }
        }
        c.audit_pending = self
            .conn
            .query_row(
                "SELECT COUNT(*) FROM audit WHERE id > (SELECT audit_sent_up_to FROM device WHERE id = 1)",
                [],
                |r| r.get::<_, usize>(0),
            )
            .map_err(|e| map_err(e, self.path()))?;
        Ok(c)
    }

    /// A record's UUID and delivery state.
    pub fn record_delivery(&self, id: RecordId) -> Result<Option<RecordDelivery>, StoreError> {
        self.conn
            .query_row(
                "SELECT uuid, state, attempts, delivered_at FROM record_delivery WHERE record_id = ?1",
                [id],
                |r| {
                    Ok(RecordDelivery {
                        uuid: r.get(0)?,
                        state: r.get(1)?,
                        attempts: r.get(2)?,
                        delivered_at: r.get(3)?,
                    })
                },
            )
            .optional()
            .map_err(|e| map_err(e, self.path()))
    }

    /// Every (UUID, SHA-256) of the records kept here, in id order: what the clinic store must
    /// hold once everything is delivered.
    pub fn record_fingerprints(&self) -> Result<Vec<(String, Option<String>)>, StoreError> {
        let mut stmt = self
            .conn
            .prepare(
                "SELECT d.uuid, d.payload_sha256 FROM record_delivery d JOIN records r ON r.id = d.record_id ORDER BY d.record_id",
            )
            .map_err(|e| map_err(e, self.path()))?;
        let rows = stmt
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .map_err(|e| map_err(e, self.path()))?;
        rows.collect::<rusqlite::Result<Vec<_>>>()
            .map_err(|e| map_err(e, self.path()))
    }

    /// Puts every delivered record still kept here back in the outbox, and rewinds the audit
    /// cursor: for a clinic store restored from a backup that lost recent deliveries. What it
    /// still has counts once (duplicates); what it lost is stored again. Returns the count.
    pub fn outbox_resend_all(&mut self) -> Result<usize, StoreError> {
        let path = self.path().to_owned();
        let tx = self.conn.transaction().map_err(|e| map_err(e, &path))?;
        let n = tx
            .execute(
                "UPDATE record_delivery SET state = 'pending', delivered_at = NULL \
                 WHERE state IN ('delivered', 'duplicate') AND record_id IN (SELECT id FROM records)",
                [],
            )
            .map_err(|e| map_err(e, &path))?;
        tx.execute("UPDATE device SET audit_sent_up_to = 0 WHERE id = 1", [])
            .map_err(|e| map_err(e, &path))?;
        tx.commit().map_err(|e| map_err(e, &path))?;
        Ok(n)
    }

    /// Up to `limit` audit events not yet handed over, oldest first.
    pub fn audit_batch(&self, limit: usize) -> Result<Vec<AuditRow>, StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT id, at, event, record_id, draft_id, detail FROM audit WHERE id > (SELECT audit_sent_up_to FROM device WHERE id = 1) ORDER BY id LIMIT ?1",
            )
            .map_err(|e| map_err(e, self.path()))?;
        let rows = stmt
            .query_map([limit], audit_from_row)
            .map_err(|e| map_err(e, self.path()))?;
        rows.collect::<rusqlite::Result<Vec<_>>>()
            .map_err(|e| map_err(e, self.path()))
    }

    /// Moves the audit cursor once the clinic store has committed events up to `id`.
    pub fn audit_sent(&mut self, id: i64) -> Result<(), StoreError> {
        self.conn
            .execute(
                "UPDATE device SET audit_sent_up_to = max(audit_sent_up_to, ?1) WHERE id = 1",
                [id],
            )
            .map(|_| ())
            .map_err(|e| map_err(e, self.path()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The same fields always give the same payload bytes, and the hash changes with content.
    #[test]
    fn payload_is_stable_and_hash_follows_content() {
        let f = Fields {
            id: 7,
            questionnaire_id: "q",
            questionnaire_version: "1",
            content_hash: "sha256:x",
            visit_date: "2025-06-02",
            completed_at: "2025-06-02T09:00:00Z",
            patient_name: Some("Ann"),
            outcome: "clear",
            counts: [0, 1, 2],
            answers_json: r#"{"b":1,"a":[1.5,"x"]}"#,
            summary_json: "{}",
            summary_text: "page",
            latches_json: None,
        };
        let a = payload("u", &f);
        assert_eq!(a, payload("u", &f));
        assert!(a.starts_with(r#"{"format":"triage-record/1","uuid":"u","local_id":7"#));
        assert!(a.contains(r#""answers":{"b":1,"a":[1.5,"x"]}"#), "{a}");
        let other = Fields {
            outcome: "stop",
            ..f
        };
        assert_ne!(sha256_hex(&a), sha256_hex(&payload("u", &other)));
        assert!(a.ends_with(r#""latches":null}"#), "{a}");
        let latched = Fields {
            latches_json: Some(r#"[{"flag":"P01"}]"#),
            ..f
        };
        assert!(payload("u", &latched).ends_with(r#""latches":[{"flag":"P01"}]}"#));
        assert_eq!(sha256_hex("").len(), 64);
    }
}
