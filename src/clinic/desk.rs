//! The doctor's desk on the clinic store (schema step 1 -> 2, reader roles): a day's records with
//! the few answers the inbox's columns need (generated columns, so the list never parses a whole
//! payload), prescribers' decisions appended through one SECURITY DEFINER function that checks
//! the override-reason rule and logs who recorded it, and notifications (`LISTEN triage_inbox`)
//! when records arrive, are opened or decided. Decisions are never updated; they go only with
//! their record (retention). Nothing here logs an answer, a note or a reason.

use std::fmt::Write as _;

use postgres::Client;

use super::ClinicError;
use crate::inbox::{Decision, DecisionKind, IntakeRow, NewDecision, Prescriber};

/// The channel the clinic store notifies on: a record arrived, was opened in an inbox, or
/// decided.
pub const CHANNEL: &str = "triage_inbox";

/// Schema step 1 -> 2 (run as `triage_owner`). Adding the generated columns rewrites
/// `triage.records` once (under a lock, in the migration's transaction).
pub(super) const MIGRATION: &str = r#"
ALTER TABLE triage.records
    ADD COLUMN visit_date text GENERATED ALWAYS AS (payload::jsonb ->> 'visit_date') STORED,
    ADD COLUMN answers jsonb GENERATED ALWAYS AS (payload::jsonb -> 'answers') STORED;
CREATE INDEX records_by_visit ON triage.records (visit_date, completed_at DESC, id DESC);
CREATE INDEX access_log_by_record ON triage.access_log (record_id, event);

CREATE TABLE triage.decisions (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    record_id bigint NOT NULL REFERENCES triage.records (id) ON DELETE CASCADE,
    decided_at timestamptz NOT NULL DEFAULT now(),
    decided_by text NOT NULL DEFAULT session_user,
    decision text NOT NULL CHECK (decision IN ('treat_today', 'defer', 'decline', 'refer')),
    note text CHECK (note IS NULL OR char_length(note) BETWEEN 1 AND 1000),
    override_reason text CHECK (override_reason IS NULL OR char_length(override_reason) BETWEEN 1 AND 1000),
    prescriber_id text NOT NULL CHECK (prescriber_id ~ '^[a-z0-9_-]{1,32}$'),
    prescriber_name text NOT NULL CHECK (char_length(prescriber_name) BETWEEN 1 AND 80),
    registration text NOT NULL CHECK (char_length(registration) BETWEEN 1 AND 40)
);
CREATE INDEX decisions_by_record ON triage.decisions (record_id, id DESC);
CREATE TRIGGER decisions_no_update BEFORE UPDATE ON triage.decisions FOR EACH ROW EXECUTE FUNCTION triage.refuse_change();

CREATE FUNCTION triage.refuse_decision_delete() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
    -- Only with its record (a retention delete cascades here after the record is gone).
    IF EXISTS (SELECT 1 FROM triage.records r WHERE r.id = OLD.record_id) THEN
        RAISE EXCEPTION 'triage.decisions is append-only: a later decision supersedes';
    END IF;
    RETURN OLD;
END
$fn$;
CREATE TRIGGER decisions_no_delete BEFORE DELETE ON triage.decisions FOR EACH ROW EXECUTE FUNCTION triage.refuse_decision_delete();

CREATE FUNCTION triage.notify_inbox() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
    PERFORM pg_notify('triage_inbox', TG_TABLE_NAME);
    RETURN NULL;
END
$fn$;
CREATE TRIGGER records_notify_inbox AFTER INSERT ON triage.records FOR EACH STATEMENT EXECUTE FUNCTION triage.notify_inbox();
CREATE TRIGGER decisions_notify_inbox AFTER INSERT ON triage.decisions FOR EACH STATEMENT EXECUTE FUNCTION triage.notify_inbox();
CREATE TRIGGER access_log_notify_inbox AFTER INSERT ON triage.access_log FOR EACH ROW WHEN (NEW.event = 'reviewed') EXECUTE FUNCTION triage.notify_inbox();

CREATE FUNCTION triage.record_decision(
    p_record bigint, p_decision text, p_note text, p_override_reason text,
    p_prescriber_id text, p_prescriber_name text, p_registration text)
RETURNS TABLE (decision_id bigint, decision_at text)
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    rec record;
    v_note text := nullif(btrim(p_note), '');
    v_reason text := CASE WHEN p_decision = 'treat_today' THEN nullif(btrim(p_override_reason), '') END;
BEGIN
    SELECT r.outcome, r.stop_count INTO rec FROM triage.records r WHERE r.id = p_record;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'there is no record %', p_record;
    END IF;
    IF p_decision = 'treat_today' AND v_reason IS NULL
       AND (rec.stop_count > 0 OR rec.outcome IN ('stop', 'not_assessed')) THEN
        RAISE EXCEPTION 'treating today despite a STOP or an intake not assessed needs an override reason';
    END IF;
    INSERT INTO triage.decisions AS d (record_id, decision, note, override_reason, prescriber_id,
        prescriber_name, registration)
    VALUES (p_record, p_decision, v_note, v_reason, p_prescriber_id, p_prescriber_name, p_registration)
    RETURNING d.id, to_char(d.decided_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')
    INTO decision_id, decision_at;
    INSERT INTO triage.access_log (who, event, record_id) VALUES (session_user, 'decided', p_record);
    RETURN NEXT;
END
$fn$;
"#;

/// Schema step 2 -> 3: a decision is signed in a prescriber's name only from a login the clinic's
/// administrator bound to that prescriber (`triage store allow-decisions`), so a reception login,
/// or a machine that lists a prescriber in its own settings, cannot decide in a doctor's name.
/// The inbox still checks the prescriber's own PIN on the machine; the store checks the login.
pub(super) const SIGNERS: &str = r#"
CREATE TABLE triage.prescriber_logins (
    prescriber_id text NOT NULL CHECK (prescriber_id ~ '^[a-z0-9_-]{1,32}$'),
    login text NOT NULL,
    prescriber_name text NOT NULL CHECK (char_length(prescriber_name) BETWEEN 1 AND 80),
    registration text NOT NULL CHECK (char_length(registration) BETWEEN 1 AND 40),
    granted_at timestamptz NOT NULL DEFAULT now(),
    granted_by text NOT NULL DEFAULT session_user,
    PRIMARY KEY (prescriber_id, login)
);

CREATE OR REPLACE FUNCTION triage.record_decision(
    p_record bigint, p_decision text, p_note text, p_override_reason text,
    p_prescriber_id text, p_prescriber_name text, p_registration text)
RETURNS TABLE (decision_id bigint, decision_at text)
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    rec record;
    signer record;
    v_note text := nullif(btrim(p_note), '');
    v_reason text := CASE WHEN p_decision = 'treat_today' THEN nullif(btrim(p_override_reason), '') END;
BEGIN
    SELECT b.prescriber_name, b.registration INTO signer FROM triage.prescriber_logins b
     WHERE b.prescriber_id = p_prescriber_id AND b.login = session_user;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'the login % may not sign decisions as prescriber %; the clinic''s administrator allows it with triage store allow-decisions', session_user, p_prescriber_id;
    END IF;
    -- The name and registration on the decision are the ones the administrator bound, never
    -- what a desk sends.
    IF p_prescriber_name IS DISTINCT FROM signer.prescriber_name
       OR p_registration IS DISTINCT FROM signer.registration THEN
        RAISE EXCEPTION 'the name or registration sent for prescriber % differs from the one the clinic''s administrator bound (%, %); check the clinic settings', p_prescriber_id, signer.prescriber_name, signer.registration;
    END IF;
    SELECT r.outcome, r.stop_count INTO rec FROM triage.records r WHERE r.id = p_record;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'there is no record %', p_record;
    END IF;
    IF p_decision = 'treat_today' AND v_reason IS NULL
       AND (rec.stop_count > 0 OR rec.outcome IN ('stop', 'not_assessed')) THEN
        RAISE EXCEPTION 'treating today despite a STOP or an intake not assessed needs an override reason';
    END IF;
    INSERT INTO triage.decisions AS d (record_id, decision, note, override_reason, prescriber_id,
        prescriber_name, registration)
    VALUES (p_record, p_decision, v_note, v_reason, p_prescriber_id, p_prescriber_name, p_registration)
    RETURNING d.id, to_char(d.decided_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')
    INTO decision_id, decision_at;
    INSERT INTO triage.access_log (who, event, record_id) VALUES (session_user, 'decided', p_record);
    RETURN NEXT;
END
$fn$;

-- The prescribers this login may sign for (the inbox offers only them at sign-in).
CREATE FUNCTION triage.my_prescribers() RETURNS SETOF text
LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $fn$ SELECT prescriber_id FROM triage.prescriber_logins WHERE login = session_user $fn$;
"#;

/// Privileges for the desk, set again on every init (see `schema::GRANTS`): readers read
/// decisions; only `triage_prescriber` may record one (and the function checks the login).
pub(super) const GRANTS: &str = r"
GRANT SELECT ON triage.decisions TO triage_reader, triage_prescriber;
GRANT EXECUTE ON FUNCTION triage.record_decision(bigint, text, text, text, text, text, text) TO triage_prescriber;
GRANT EXECUTE ON FUNCTION triage.my_prescribers() TO triage_prescriber;
";

/// The prescriber ids this login may sign decisions for (`triage store allow-decisions`).
pub fn my_prescribers(client: &mut Client) -> Result<Vec<String>, ClinicError> {
    Ok(client
        .query("SELECT * FROM triage.my_prescribers()", &[])
        .map_err(pg)?
        .iter()
        .map(|r| r.get::<_, String>(0))
        .collect())
}

/// A database login name as PostgreSQL writes it unquoted: 1 to 63 lower-case letters, digits
/// or underscores, starting with a letter or underscore (what `CREATE ROLE name` makes).
pub fn is_login_name(s: &str) -> bool {
    (1..=63).contains(&s.len())
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
        && !s.as_bytes().first().is_some_and(u8::is_ascii_digit)
}

/// `triage store allow-decisions`: lets `login` (an existing login in `triage_reader`, never a
/// device login or a superuser) sign decisions as each of `prescribers` (from the clinic
/// settings: their id, name and registration are bound, so a desk cannot sign under another
/// name); with `revoke`, takes those bindings away again (and `triage_prescriber` when none is
/// left). Run by the administrator (a member of `triage_owner` with the right to grant roles).
/// Idempotent. Returns how many bindings were added or removed.
pub fn allow_decisions(
    client: &mut Client,
    login: &str,
    prescribers: &[Prescriber],
    revoke: bool,
) -> Result<u64, ClinicError> {
    if !is_login_name(login) {
        return Err(ClinicError::Refused(format!(
            "`{}` is not a database login name (lower-case letters, digits, underscores)",
            crate::text::escape(login)
        )));
    }
    let mut tx = client.transaction().map_err(pg)?;
    let ready: bool = tx
        .query_one(
            "SELECT to_regclass('triage.prescriber_logins') IS NOT NULL",
            &[],
        )
        .map_err(pg)?
        .get(0);
    if !ready {
        return Err(ClinicError::Refused(
            "the clinic store's schema is older than this triage: run `triage store init` first"
                .into(),
        ));
    }
    let role = tx
        .query_opt(
            "SELECT rolcanlogin, rolsuper, pg_has_role(oid, 'triage_reader', 'MEMBER'), \
             pg_has_role(oid, 'triage_device', 'MEMBER') FROM pg_roles WHERE rolname = $1",
            &[&login],
        )
        .map_err(pg)?;
    let Some(role) = role else {
        return Err(ClinicError::Refused(format!(
            "there is no role `{login}` on the server; create the desk's login first (docs/deployment.md)"
        )));
    };
    let (can_login, superuser, reader, device): (bool, bool, bool, bool) =
        (role.get(0), role.get(1), role.get(2), role.get(3));
    if !revoke {
        let why = if !can_login {
            Some("it cannot log in (a group role)")
        } else if superuser {
            Some("it is a superuser")
        } else if device {
            Some("it is a device login (triage_device), which must never read or sign")
        } else if !reader {
            Some("it is not in triage_reader, so it cannot read the intakes it would decide on")
        } else {
            None
        };
        if let Some(why) = why {
            return Err(ClinicError::Refused(format!(
                "`{login}` cannot be a doctor's desk login: {why}"
            )));
        }
    }
    tx.batch_execute("SET LOCAL ROLE triage_owner")
        .map_err(pg)?;
    let mut changed = 0;
    for p in prescribers {
        changed += if revoke {
            tx.execute(
                "DELETE FROM triage.prescriber_logins WHERE prescriber_id = $1 AND login = $2",
                &[&p.id, &login],
            )
        } else {
            tx.execute(
                "INSERT INTO triage.prescriber_logins (prescriber_id, login, prescriber_name, registration) \
                 VALUES ($1, $2, $3, $4) ON CONFLICT (prescriber_id, login) DO UPDATE \
                 SET prescriber_name = EXCLUDED.prescriber_name, registration = EXCLUDED.registration",
                &[&p.id, &login, &p.name, &p.registration],
            )
        }
        .map_err(pg)?;
    }
    let left: i64 = tx
        .query_one(
            "SELECT count(*) FROM triage.prescriber_logins WHERE login = $1",
            &[&login],
        )
        .map_err(pg)?
        .get(0);
    tx.batch_execute("RESET ROLE").map_err(pg)?;
    // Checked above to be a plain lower-case name, so it needs no quoting.
    if left > 0 {
        tx.batch_execute(&format!("GRANT triage_prescriber TO {login}"))
            .map_err(pg)?;
    } else {
        tx.batch_execute(&format!("REVOKE triage_prescriber FROM {login}"))
            .map_err(pg)?;
    }
    tx.commit().map_err(pg)?;
    Ok(changed)
}

// By value, so that it reads `.map_err(pg)`.
#[allow(clippy::needless_pass_by_value)]
fn pg(e: postgres::Error) -> ClinicError {
    ClinicError::from_pg(&e)
}

/// The records of one visit date (every record with `None`) with the answers named by `keys`.
pub fn intakes(
    client: &mut Client,
    day: Option<&str>,
    keys: &[String],
) -> Result<Vec<IntakeRow>, ClinicError> {
    // Each answer a column of its own (`answers -> $n`), its key bound, never spliced in.
    let first = if day.is_some() { 2 } else { 1 };
    let extract = (0..keys.len()).fold(String::new(), |mut sql, i| {
        let _ = write!(sql, ", (r.answers -> ${}::text)::text", first + i);
        sql
    });
    let sql = format!(
        "SELECT r.id, r.uuid::text, {}, r.visit_date, r.questionnaire_id, r.patient_name, r.outcome, \
         r.stop_count, r.caution_count, r.note_count, r.site, r.device, \
         (SELECT d.decision FROM triage.decisions d WHERE d.record_id = r.id ORDER BY d.id DESC LIMIT 1), \
         EXISTS (SELECT 1 FROM triage.access_log a WHERE a.record_id = r.id AND a.event = 'reviewed'){extract} \
         FROM triage.records r{}",
        super::read::COMPLETED_AT,
        if day.is_some() {
            " WHERE r.visit_date = $1"
        } else {
            ""
        }
    );
    let mut params: Vec<&(dyn postgres::types::ToSql + Sync)> = Vec::new();
    if let Some(d) = &day {
        params.push(d);
    }
    for k in keys {
        params.push(k);
    }
    let rows = client.query(&sql, &params).map_err(pg)?;
    Ok(rows
        .iter()
        .map(|r| {
            let at: String = r.get(2);
            let decision: Option<String> = r.get(12);
            let fields = (0..keys.len())
                .map(|i| {
                    r.get::<_, Option<String>>(14 + i)
                        .and_then(|t| serde_json::from_str::<serde_json::Value>(&t).ok())
                        .filter(|v| !v.is_null())
                })
                .collect();
            IntakeRow {
                id: r.get(0),
                uuid: r.get(1),
                completed_at: at.parse().unwrap_or(jiff::Timestamp::UNIX_EPOCH),
                visit_date: r.get::<_, Option<String>>(3).unwrap_or_default(),
                questionnaire: r.get(4),
                name: r.get(5),
                outcome: r.get(6),
                counts: [
                    usize::try_from(r.get::<_, i32>(7)).unwrap_or(0),
                    usize::try_from(r.get::<_, i32>(8)).unwrap_or(0),
                    usize::try_from(r.get::<_, i32>(9)).unwrap_or(0),
                ],
                site: r.get(10),
                device: r.get(11),
                fields,
                decision: decision.as_deref().and_then(DecisionKind::parse),
                reviewed: r.get(13),
            }
        })
        .collect())
}

/// A token that changes when a record arrives, is opened in an inbox or decided: what the
/// inbox polls when no notification came.
pub fn change_token(client: &mut Client) -> Result<String, ClinicError> {
    let row = client
        .query_one(
            "SELECT (SELECT coalesce(max(id), 0) FROM triage.records)::text || ':' || \
                    (SELECT coalesce(max(id), 0) FROM triage.decisions)::text || ':' || \
                    (SELECT coalesce(max(id), 0) FROM triage.access_log)::text || ':' || \
                    (SELECT count(*) FROM triage.records)::text",
            &[],
        )
        .map_err(pg)?;
    Ok(row.get(0))
}

const DECISION_COLUMNS: &str = "id, record_id, to_char(decided_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"'), decision, note, override_reason, prescriber_id, prescriber_name, registration, decided_by";

fn decision(r: &postgres::Row) -> Decision {
    let at: String = r.get(2);
    let kind: String = r.get(3);
    Decision {
        id: r.get(0),
        record: r.get(1),
        decided_at: at.parse().unwrap_or(jiff::Timestamp::UNIX_EPOCH),
        kind: DecisionKind::parse(&kind).unwrap_or(DecisionKind::Defer),
        note: r.get(4),
        override_reason: r.get(5),
        prescriber: Prescriber {
            id: r.get(6),
            name: r.get(7),
            registration: r.get(8),
        },
        login: Some(r.get(9)),
    }
}

/// Every decision on the given records, oldest first.
pub fn decisions(client: &mut Client, records: &[i64]) -> Result<Vec<Decision>, ClinicError> {
    let rows = client
        .query(
            &format!(
                "SELECT {DECISION_COLUMNS} FROM triage.decisions WHERE record_id = ANY($1) ORDER BY id"
            ),
            &[&records],
        )
        .map_err(pg)?;
    Ok(rows.iter().map(decision).collect())
}

/// As [`decisions`], and none from a clinic store too old to keep decisions (schema 1).
pub fn decisions_if_kept(
    client: &mut Client,
    records: &[i64],
) -> Result<Vec<Decision>, ClinicError> {
    let kept: bool = client
        .query_one("SELECT to_regclass('triage.decisions') IS NOT NULL", &[])
        .map_err(pg)?
        .get(0);
    if kept {
        decisions(client, records)
    } else {
        Ok(Vec::new())
    }
}

/// Appends a decision through `triage.record_decision` (which checks the override-reason rule
/// again and logs who recorded it).
pub fn decide(client: &mut Client, record: i64, d: &NewDecision) -> Result<Decision, ClinicError> {
    let row = client
        .query_one(
            "SELECT decision_id, decision_at, session_user::text FROM triage.record_decision($1, $2, $3, $4, $5, $6, $7)",
            &[
                &record,
                &d.kind.as_str(),
                &d.note,
                &d.override_reason,
                &d.prescriber.id,
                &d.prescriber.name,
                &d.prescriber.registration,
            ],
        )
        .map_err(pg)?;
    let at: String = row.get(1);
    Ok(Decision {
        id: row.get(0),
        record,
        decided_at: at.parse().unwrap_or(jiff::Timestamp::UNIX_EPOCH),
        kind: d.kind,
        note: d.note.clone(),
        override_reason: d.override_reason.clone(),
        prescriber: d.prescriber.clone(),
        login: Some(row.get(2)),
    })
}

/// What this login may do at the desk on the clinic store.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeskAccess {
    /// The schema is older than the desk (or unreadable): `triage store init` migrates it.
    NotReady,
    /// It may read decisions but not sign one (not in `triage_prescriber`).
    ReadOnly,
    /// It may sign decisions, for the prescribers bound to it.
    Sign,
}

/// What this login may do at the desk (schema 3 or later).
pub fn desk_access(client: &mut Client) -> DeskAccess {
    let row = client.query_one(
        "SELECT to_regclass('triage.prescriber_logins') IS NOT NULL \
           AND has_table_privilege('triage.decisions', 'SELECT'), \
           to_regclass('triage.prescriber_logins') IS NOT NULL \
           AND has_function_privilege('triage.record_decision(bigint, text, text, text, text, text, text)', 'EXECUTE')",
        &[],
    );
    match row.map(|r| (r.get::<_, bool>(0), r.get::<_, bool>(1))) {
        Ok((_, true)) => DeskAccess::Sign,
        Ok((true, false)) => DeskAccess::ReadOnly,
        _ => DeskAccess::NotReady,
    }
}
