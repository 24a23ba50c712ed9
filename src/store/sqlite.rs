//! The [`Store`] calls on the embedded SQLite store: drafts answer by answer, completed records
//! (queued for the clinic store in the same transaction), and the audit log read back. The
//! connection, schema and error mapping are in `super::connection`.

use jiff::Timestamp;
use rusqlite::{OptionalExtension, params};

use super::connection::{audit_from_row, map_err};
use super::{
    AuditEvent, AuditRow, DraftId, DraftInfo, DraftStatus, NewRecord, QuestionnaireRef, Record,
    RecordId, RecordSummary, SqliteStore, Store, StoreError,
};

impl SqliteStore {
    fn draft_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<DraftInfo> {
        let ts = |s: String| s.parse::<Timestamp>().unwrap_or(Timestamp::UNIX_EPOCH);
        Ok(DraftInfo {
            id: r.get(0)?,
            questionnaire: QuestionnaireRef {
                id: r.get(1)?,
                version: r.get(2)?,
                content_hash: r.get(3)?,
            },
            visit_date: r.get(4)?,
            created_at: ts(r.get(5)?),
            updated_at: ts(r.get(6)?),
            status: DraftStatus::parse(&r.get::<_, String>(7)?),
            position: r.get(8)?,
            answers: r.get::<_, usize>(9)?,
        })
    }
}

const DRAFT_COLUMNS: &str = "d.id, d.questionnaire_id, d.questionnaire_version, d.content_hash, d.visit_date, d.created_at, d.updated_at, d.status, d.position, \
     (SELECT COUNT(*) FROM draft_answers a WHERE a.draft_id = d.id AND a.value IS NOT NULL)";

const RECORD_SUMMARY_COLUMNS: &str = "id, completed_at, patient_name, questionnaire_id, outcome, stop_count, caution_count, note_count";

fn summary_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<RecordSummary> {
    Ok(RecordSummary {
        id: r.get(0)?,
        completed_at: r.get(1)?,
        name: r.get(2)?,
        questionnaire: r.get(3)?,
        outcome: r.get(4)?,
        stop: r.get::<_, usize>(5)?,
        caution: r.get::<_, usize>(6)?,
        note: r.get::<_, usize>(7)?,
    })
}

impl Store for SqliteStore {
    fn start_draft(
        &mut self,
        q: &QuestionnaireRef,
        visit_date: &str,
        now: Timestamp,
    ) -> Result<DraftId, StoreError> {
        let path = self.path.clone();
        let tx = self.conn.transaction().map_err(|e| map_err(e, &path))?;
        let now_s = now.to_string();
        tx.execute(
            "INSERT INTO drafts (questionnaire_id, questionnaire_version, content_hash, visit_date, created_at, updated_at, status) VALUES (?1, ?2, ?3, ?4, ?5, ?5, 'open')",
            params![q.id, q.version, q.content_hash, visit_date, now_s],
        )
        .map_err(|e| map_err(e, &path))?;
        let id = tx.last_insert_rowid();
        Self::audit_in(&tx, AuditEvent::Created, None, Some(id), now)
            .map_err(|e| map_err(e, &path))?;
        tx.commit().map_err(|e| map_err(e, &path))?;
        Ok(id)
    }

    fn save_answer(
        &mut self,
        draft: DraftId,
        item: &str,
        value: Option<&serde_json::Value>,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        let path = self.path.clone();
        let tx = self.conn.transaction().map_err(|e| map_err(e, &path))?;
        let now_s = now.to_string();
        let changed = tx
            .prepare_cached("UPDATE drafts SET updated_at = ?2, position = ?3 WHERE id = ?1 AND status = 'open'")
            .and_then(|mut s| s.execute(params![draft, now_s, item]))
            .map_err(|e| map_err(e, &path))?;
        if changed == 0 {
            return Err(StoreError::NoDraft(draft));
        }
        let value = value.map(std::string::ToString::to_string);
        tx.prepare_cached("INSERT INTO draft_answers (draft_id, item_id, value, answered_at) VALUES (?1, ?2, ?3, ?4) ON CONFLICT (draft_id, item_id) DO UPDATE SET value = excluded.value, answered_at = excluded.answered_at")
            .and_then(|mut s| s.execute(params![draft, item, value, now_s]))
            .map_err(|e| map_err(e, &path))?;
        tx.commit().map_err(|e| map_err(e, &path))
    }

    fn draft_answers(
        &self,
        draft: DraftId,
    ) -> Result<Vec<(String, serde_json::Value)>, StoreError> {
        let mut stmt = self.conn.prepare_cached("SELECT item_id, value FROM draft_answers WHERE draft_id = ?1 AND value IS NOT NULL ORDER BY rowid").map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map([draft], |r| {
                Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
            })
            .map_err(|e| self.err(e))?;
        let mut out = Vec::new();
        for row in rows {
            let (id, text) = row.map_err(|e| self.err(e))?;
            // A value that does not parse was not written by us; report it as damage.
            let value =
                serde_json::from_str(&text).map_err(|_| StoreError::Corrupt(self.path.clone()))?;
            out.push((id, value));
        }
        Ok(out)
    }

    fn draft(&self, draft: DraftId) -> Result<DraftInfo, StoreError> {
        self.conn
            .query_row(
                &format!("SELECT {DRAFT_COLUMNS} FROM drafts d WHERE d.id = ?1"),
                [draft],
                Self::draft_from_row,
            )
            .optional()
            .map_err(|e| self.err(e))?
            .ok_or(StoreError::NoDraft(draft))
    }

    fn drafts(
        &self,
        status: DraftStatus,
        questionnaire: Option<&str>,
    ) -> Result<Vec<DraftInfo>, StoreError> {
        let sql = format!(
            "SELECT {DRAFT_COLUMNS} FROM drafts d WHERE d.status = ?1 AND (?2 IS NULL OR d.questionnaire_id = ?2) ORDER BY d.updated_at DESC, d.id DESC"
        );
        let mut stmt = self.conn.prepare(&sql).map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map(
                params![status.as_str(), questionnaire],
                Self::draft_from_row,
            )
            .map_err(|e| self.err(e))?;
        rows.collect::<rusqlite::Result<Vec<_>>>()
            .map_err(|e| self.err(e))
    }

    fn set_draft_status(
        &mut self,
        draft: DraftId,
        status: DraftStatus,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        let path = self.path.clone();
        let tx = self.conn.transaction().map_err(|e| map_err(e, &path))?;
        let n = tx
            .execute(
                "UPDATE drafts SET status = ?2, updated_at = ?3 WHERE id = ?1",
                params![draft, status.as_str(), now.to_string()],
            )
            .map_err(|e| map_err(e, &path))?;
        if n == 0 {
            return Err(StoreError::NoDraft(draft));
        }
        let event = match status {
            DraftStatus::Open => AuditEvent::Resumed,
            DraftStatus::Completed => AuditEvent::Completed,
            DraftStatus::Abandoned => AuditEvent::Abandoned,
            DraftStatus::Discarded => AuditEvent::Discarded,
        };
        Self::audit_in(&tx, event, None, Some(draft), now).map_err(|e| map_err(e, &path))?;
        tx.commit().map_err(|e| map_err(e, &path))
    }

    fn complete(
        &mut self,
        r: &NewRecord,
        summaries: &dyn Fn(RecordId) -> (String, String),
    ) -> Result<RecordId, StoreError> {
        let path = self.path.clone();
        let tx = self.conn.transaction().map_err(|e| map_err(e, &path))?;
        tx.execute(
            "INSERT INTO records (draft_id, questionnaire_id, questionnaire_version, content_hash, visit_date, completed_at, patient_name, outcome, stop_count, caution_count, note_count, answers_json, summary_json, summary_text, latches_json) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)",
            params![
                r.draft,
                r.questionnaire.id,
                r.questionnaire.version,
                r.questionnaire.content_hash,
                r.visit_date,
                r.completed_at.to_string(),
                r.patient_name,
                r.outcome,
                r.counts[0],
                r.counts[1],
                r.counts[2],
                r.answers_json,
                "",
                "",
                r.latches_json
            ],
        )
        .map_err(|e| map_err(e, &path))?;
        let id = tx.last_insert_rowid();
        // A draft completes once: a second window (or a retry) finds it closed.
        if let Some(d) = r.draft {
            let status: Option<String> = tx
                .query_row("SELECT status FROM drafts WHERE id = ?1", [d], |row| {
                    row.get(0)
                })
                .optional()
                .map_err(|e| map_err(e, &path))?;
            match status.as_deref() {
                Some("open") => {}
                Some(_) => return Err(StoreError::DraftClosed(d)),
                None => return Err(StoreError::NoDraft(d)),
            }
        }
        let (json, text) = summaries(id);
        tx.execute(
            "UPDATE records SET summary_json = ?2, summary_text = ?3 WHERE id = ?1",
            params![id, json, text],
        )
        .map_err(|e| map_err(e, &path))?;
        super::outbox::enqueue(&tx, id, r, &json, &text).map_err(|e| map_err(e, &path))?;
        match r.draft {
            Some(d) => {
                tx.execute(
                    "UPDATE drafts SET status = 'completed', updated_at = ?2 WHERE id = ?1",
                    params![d, r.completed_at.to_string()],
                )
                .map_err(|e| map_err(e, &path))?;
            }
            None => Self::audit_in(&tx, AuditEvent::Created, Some(id), None, r.completed_at)
                .map_err(|e| map_err(e, &path))?,
        }
        Self::audit_in(
            &tx,
            AuditEvent::Completed,
            Some(id),
            r.draft,
            r.completed_at,
        )
        .map_err(|e| map_err(e, &path))?;
        tx.commit().map_err(|e| map_err(e, &path))?;
        Ok(id)
    }

    fn records(&self) -> Result<Vec<RecordSummary>, StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached(&format!(
                "SELECT {RECORD_SUMMARY_COLUMNS} FROM records ORDER BY id"
            ))
            .map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map([], summary_from_row)
            .map_err(|e| self.err(e))?;
        rows.collect::<rusqlite::Result<Vec<_>>>()
            .map_err(|e| self.err(e))
    }

    fn record(&self, id: RecordId) -> Result<Record, StoreError> {
        let sql = format!(
            "SELECT {RECORD_SUMMARY_COLUMNS}, draft_id, questionnaire_version, content_hash, visit_date, answers_json, summary_json, summary_text, latches_json FROM records WHERE id = ?1"
        );
        self.conn
            .query_row(&sql, [id], |r| {
                let summary = summary_from_row(r)?;
                Ok(Record {
                    questionnaire: QuestionnaireRef {
                        id: summary.questionnaire.clone(),
                        version: r.get(9)?,
                        content_hash: r.get(10)?,
                    },
                    summary,
                    draft: r.get(8)?,
                    visit_date: r.get(11)?,
                    answers_json: r.get(12)?,
                    summary_json: r.get(13)?,
                    summary_text: r.get(14)?,
                    latches_json: r.get(15)?,
                })
            })
            .optional()
            .map_err(|e| self.err(e))?
            .ok_or(StoreError::NoRecord(id))
    }

    fn delete_record(&mut self, id: RecordId, now: Timestamp) -> Result<(), StoreError> {
        let path = self.path.clone();
        let tx = self.conn.transaction().map_err(|e| map_err(e, &path))?;
        let draft: Option<Option<DraftId>> = tx
            .query_row("SELECT draft_id FROM records WHERE id = ?1", [id], |r| {
                r.get(0)
            })
            .optional()
            .map_err(|e| map_err(e, &path))?;
        let Some(draft) = draft else {
            return Err(StoreError::NoRecord(id));
        };
        tx.execute("DELETE FROM records WHERE id = ?1", [id])
            .map_err(|e| map_err(e, &path))?;
        if let Some(d) = draft {
            tx.execute("DELETE FROM drafts WHERE id = ?1", [d])
                .map_err(|e| map_err(e, &path))?;
        }
        Self::audit_in(&tx, AuditEvent::Deleted, Some(id), draft, now)
            .map_err(|e| map_err(e, &path))?;
        tx.commit().map_err(|e| map_err(e, &path))
    }

    fn log(
        &mut self,
        event: AuditEvent,
        record: Option<RecordId>,
        draft: Option<DraftId>,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        Self::audit_in(&self.conn, event, record, draft, now).map_err(|e| self.err(e))
    }

    fn log_detail(
        &mut self,
        event: AuditEvent,
        record: Option<RecordId>,
        draft: Option<DraftId>,
        detail: &str,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        Self::audit_detail_in(&self.conn, event, record, draft, Some(detail), now)
            .map_err(|e| self.err(e))
    }

    fn save_latches(&mut self, draft: DraftId, latches: &str) -> Result<(), StoreError> {
        let n = self
            .conn
            .prepare_cached("UPDATE drafts SET latches = ?2 WHERE id = ?1 AND status = 'open'")
            .and_then(|mut s| s.execute(params![draft, latches]))
            .map_err(|e| self.err(e))?;
        if n == 0 {
            return Err(StoreError::NoDraft(draft));
        }
        Ok(())
    }

    fn draft_latches(&self, draft: DraftId) -> Result<Option<String>, StoreError> {
        self.conn
            .query_row("SELECT latches FROM drafts WHERE id = ?1", [draft], |r| {
                r.get(0)
            })
            .optional()
            .map_err(|e| self.err(e))?
            .ok_or(StoreError::NoDraft(draft))
    }

    fn draft_events_since(
        &self,
        draft: DraftId,
        event: AuditEvent,
        reset: AuditEvent,
    ) -> Result<usize, StoreError> {
        self.conn
            .query_row(
                "SELECT COUNT(*) FROM audit WHERE draft_id = ?1 AND event = ?2 AND id > \
                 COALESCE((SELECT MAX(id) FROM audit WHERE draft_id = ?1 AND event = ?3), 0)",
                params![draft, event.as_str(), reset.as_str()],
                |r| r.get::<_, usize>(0),
            )
            .map_err(|e| self.err(e))
    }

    fn pin_failures(&self, holder: Option<&str>) -> Result<Vec<Timestamp>, StoreError> {
        // Whose rows: a prescriber's by their detail; the staff PIN's are all the others.
        let whose = if holder.is_some() {
            "detail = ?1"
        } else {
            "COALESCE(detail, '') NOT LIKE 'prescriber:%' AND ?1 IS NULL"
        };
        let mut stmt = self
            .conn
            .prepare_cached(&format!(
                "SELECT at FROM audit WHERE event = 'pin_failed' AND {whose} AND id > COALESCE( \
                 (SELECT MAX(id) FROM audit WHERE event IN ('pin_ok', 'pin_recovered', 'pin_reset') \
                 AND {whose}), 0) ORDER BY id"
            ))
            .map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map([holder], |r| r.get::<_, String>(0))
            .map_err(|e| self.err(e))?;
        let mut out = Vec::new();
        for at in rows {
            // An unreadable time counts as long ago: still a failure, no longer a delay.
            let at = at.map_err(|e| self.err(e))?;
            out.push(at.parse::<Timestamp>().unwrap_or(Timestamp::UNIX_EPOCH));
        }
        Ok(out)
    }

    fn audit(&self) -> Result<Vec<AuditRow>, StoreError> {
        let mut stmt = self
            .conn
            .prepare("SELECT id, at, event, record_id, draft_id, detail FROM audit ORDER BY id")
            .map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map([], audit_from_row)
            .map_err(|e| self.err(e))?;
        rows.collect::<rusqlite::Result<Vec<_>>>()
            .map_err(|e| self.err(e))
    }
}
