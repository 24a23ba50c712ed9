//! The clinic store's schema, created and migrated by `triage store init --url ADMIN_URL`:
//! versioned steps recorded in `triage.schema_version`, applied in one transaction under an
//! advisory lock (two inits at once cannot both migrate), and three group roles:
//! `triage_owner` owns everything (so the delivery function runs without superuser rights),
//! `triage_device` may only execute the delivery functions and reads nothing, and
//! `triage_reader` (reception, doctors) may read and must log what it opens, and
//! `triage_prescriber` may record decisions, each login only for the prescribers the clinic's
//! administrator bound to it (`triage store allow-decisions`). Records are never updated;
//! conflicts (same UUID, other content) are kept beside them for staff.

use postgres::Client;

use super::ClinicError;

/// Each entry migrates the clinic store from version `i` to `i + 1`; run as `triage_owner`.
const MIGRATIONS: &[&str] = &[
    r"
CREATE TABLE triage.records (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    uuid uuid NOT NULL UNIQUE,
    content_sha256 text NOT NULL,
    format text NOT NULL,
    site text NOT NULL,
    device text NOT NULL,
    device_id uuid NOT NULL,
    local_id bigint NOT NULL,
    delivered_by text NOT NULL,
    received_at timestamptz NOT NULL DEFAULT now(),
    completed_at timestamptz NOT NULL,
    questionnaire_id text NOT NULL,
    questionnaire_version text NOT NULL,
    patient_name text,
    outcome text NOT NULL,
    stop_count integer NOT NULL,
    caution_count integer NOT NULL,
    note_count integer NOT NULL,
    payload text NOT NULL
);
CREATE INDEX records_newest ON triage.records (completed_at DESC, id DESC);
CREATE INDEX records_site_newest ON triage.records (site, completed_at DESC, id DESC);
CREATE INDEX records_by_device ON triage.records (device_id, local_id);

CREATE TABLE triage.conflicts (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    uuid uuid NOT NULL,
    content_sha256 text NOT NULL,
    site text NOT NULL,
    device text NOT NULL,
    device_id uuid NOT NULL,
    local_id bigint NOT NULL,
    delivered_by text NOT NULL,
    received_at timestamptz NOT NULL DEFAULT now(),
    payload text NOT NULL,
    UNIQUE (uuid, content_sha256)
);

CREATE TABLE triage.audit (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    device_id uuid NOT NULL,
    local_id bigint NOT NULL,
    site text NOT NULL,
    device text NOT NULL,
    delivered_by text NOT NULL,
    at timestamptz NOT NULL,
    event text NOT NULL,
    record_local_id bigint,
    draft_local_id bigint,
    detail text,
    UNIQUE (device_id, local_id)
);

CREATE TABLE triage.access_log (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at timestamptz NOT NULL DEFAULT now(),
    who text NOT NULL,
    event text NOT NULL,
    record_id bigint
);

CREATE FUNCTION triage.refuse_change() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
    RAISE EXCEPTION 'triage.% is append-only: rows are never changed', TG_TABLE_NAME;
END
$fn$;
CREATE TRIGGER records_no_update BEFORE UPDATE ON triage.records FOR EACH ROW EXECUTE FUNCTION triage.refuse_change();
CREATE TRIGGER conflicts_no_update BEFORE UPDATE ON triage.conflicts FOR EACH ROW EXECUTE FUNCTION triage.refuse_change();
CREATE TRIGGER audit_no_change BEFORE UPDATE OR DELETE ON triage.audit FOR EACH ROW EXECUTE FUNCTION triage.refuse_change();
CREATE TRIGGER access_log_no_change BEFORE UPDATE OR DELETE ON triage.access_log FOR EACH ROW EXECUTE FUNCTION triage.refuse_change();

CREATE FUNCTION triage.check_origin(p_site text, p_device text, p_device_id uuid)
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $fn$
BEGIN
    IF p_site IS NULL OR p_site !~ '^[A-Za-z0-9._-]{1,64}$'
       OR p_device IS NULL OR p_device !~ '^[A-Za-z0-9._-]{1,64}$' OR p_device_id IS NULL THEN
        RAISE EXCEPTION 'site and device must be 1 to 64 letters, digits, dots, dashes or underscores';
    END IF;
END
$fn$;

CREATE FUNCTION triage.deliver_records(
    p_site text, p_device text, p_device_id uuid,
    p_uuids uuid[], p_hashes text[], p_local_ids bigint[], p_payloads text[])
RETURNS TABLE (record_uuid uuid, result text)
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    n integer := coalesce(cardinality(p_uuids), 0);
    doc jsonb;
    kept text;
BEGIN
    PERFORM triage.check_origin(p_site, p_device, p_device_id);
    IF n > 1000 OR coalesce(cardinality(p_hashes), 0) <> n
       OR coalesce(cardinality(p_local_ids), 0) <> n OR coalesce(cardinality(p_payloads), 0) <> n THEN
        RAISE EXCEPTION 'a delivery is at most 1000 records, each with a hash, a local id and a payload';
    END IF;
    FOR i IN 1 .. n LOOP
        record_uuid := p_uuids[i];
        IF p_uuids[i] IS NULL OR p_local_ids[i] IS NULL OR p_payloads[i] IS NULL
           OR encode(sha256(convert_to(p_payloads[i], 'UTF8')), 'hex') IS DISTINCT FROM p_hashes[i] THEN
            result := 'rejected: the content does not match its SHA-256';
            RETURN NEXT;
            CONTINUE;
        END IF;
        doc := p_payloads[i]::jsonb;
        IF doc->>'uuid' IS DISTINCT FROM p_uuids[i]::text THEN
            result := 'rejected: the content names another UUID';
            RETURN NEXT;
            CONTINUE;
        END IF;
        INSERT INTO triage.records AS r (uuid, content_sha256, format, site, device, device_id, local_id,
            delivered_by, completed_at, questionnaire_id, questionnaire_version, patient_name, outcome,
            stop_count, caution_count, note_count, payload)
        VALUES (p_uuids[i], p_hashes[i], coalesce(doc->>'format', ''), p_site, p_device, p_device_id,
            p_local_ids[i], session_user, (doc->>'completed_at')::timestamptz,
            coalesce(doc->'questionnaire'->>'id', ''), coalesce(doc->'questionnaire'->>'version', ''),
            doc->>'patient_name', coalesce(doc->>'outcome', ''),
            coalesce((doc->'flags'->>'stop')::integer, 0), coalesce((doc->'flags'->>'caution')::integer, 0),
            coalesce((doc->'flags'->>'note')::integer, 0), p_payloads[i])
        ON CONFLICT (uuid) DO NOTHING;
        IF FOUND THEN
            result := 'inserted';
        ELSE
            SELECT r.content_sha256 INTO kept FROM triage.records r WHERE r.uuid = p_uuids[i];
            IF kept = p_hashes[i] THEN
                result := 'duplicate';
            ELSE
                INSERT INTO triage.conflicts (uuid, content_sha256, site, device, device_id, local_id,
                    delivered_by, payload)
                VALUES (p_uuids[i], p_hashes[i], p_site, p_device, p_device_id, p_local_ids[i],
                    session_user, p_payloads[i])
                ON CONFLICT (uuid, content_sha256) DO NOTHING;
                result := 'conflict';
            END IF;
        END IF;
        RETURN NEXT;
    END LOOP;
END
$fn$;

CREATE FUNCTION triage.deliver_audit(
    p_site text, p_device text, p_device_id uuid,
    p_ids bigint[], p_ats text[], p_events text[], p_records bigint[], p_drafts bigint[],
    p_details text[])
RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    n integer := coalesce(cardinality(p_ids), 0);
    added integer;
BEGIN
    PERFORM triage.check_origin(p_site, p_device, p_device_id);
    IF n > 5000 OR coalesce(cardinality(p_ats), 0) <> n OR coalesce(cardinality(p_events), 0) <> n
       OR coalesce(cardinality(p_records), 0) <> n OR coalesce(cardinality(p_drafts), 0) <> n
       OR coalesce(cardinality(p_details), 0) <> n THEN
        RAISE EXCEPTION 'an audit delivery is at most 5000 events, each with a time and a name';
    END IF;
    -- Event names are the program's own words (ids and events, never answers): a short token.
    IF EXISTS (SELECT 1 FROM unnest(p_events) e WHERE e IS NULL OR e !~ '^[A-Za-z0-9_.:-]{1,64}$') THEN
        RAISE EXCEPTION 'audit event names are 1 to 64 letters, digits, dots, colons, dashes or underscores';
    END IF;
    INSERT INTO triage.audit (device_id, local_id, site, device, delivered_by, at, event,
        record_local_id, draft_local_id, detail)
    SELECT p_device_id, u.id, p_site, p_device, session_user, u.at::timestamptz, u.event, u.rec, u.draft,
        left(u.detail, 500)
    FROM unnest(p_ids, p_ats, p_events, p_records, p_drafts, p_details) AS u(id, at, event, rec, draft, detail)
    ON CONFLICT (device_id, local_id) DO NOTHING;
    GET DIAGNOSTICS added = ROW_COUNT;
    RETURN added;
END
$fn$;

CREATE FUNCTION triage.log_access(p_event text, p_records bigint[])
RETURNS void
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $fn$
BEGIN
    IF p_event IS NULL OR p_event !~ '^[a-z_]{1,40}$' THEN
        RAISE EXCEPTION 'access event names are 1 to 40 lower-case letters or underscores';
    END IF;
    INSERT INTO triage.access_log (who, event, record_id)
    SELECT session_user, p_event, r FROM unnest(p_records) AS r;
END
$fn$;
",
    // 2: the doctor's desk: decisions, the day's list, notifications.
    super::desk::MIGRATION,
    // 3: who may sign as which prescriber: logins bound by the clinic's administrator.
    super::desk::SIGNERS,
];

/// The clinic store schema version this program writes.
// A handful of steps: far below `i32::MAX` (and `try_from` is not const).
#[allow(clippy::cast_possible_truncation, clippy::cast_possible_wrap)]
pub const SCHEMA_VERSION: i32 = MIGRATIONS.len() as i32;

/// Privileges, set again on every init (idempotent): devices execute the delivery functions
/// only; readers read and log; nobody else gets anything.
const GRANTS: &str = r"
REVOKE ALL ON SCHEMA triage FROM PUBLIC;
GRANT USAGE ON SCHEMA triage TO triage_device, triage_reader;
REVOKE ALL ON ALL TABLES IN SCHEMA triage FROM PUBLIC, triage_device, triage_reader;
REVOKE ALL ON ALL FUNCTIONS IN SCHEMA triage FROM PUBLIC, triage_device, triage_reader;
ALTER DEFAULT PRIVILEGES FOR ROLE triage_owner IN SCHEMA triage REVOKE EXECUTE ON FUNCTIONS FROM PUBLIC;
GRANT EXECUTE ON FUNCTION triage.deliver_records(text, text, uuid, uuid[], text[], bigint[], text[]) TO triage_device;
GRANT EXECUTE ON FUNCTION triage.deliver_audit(text, text, uuid, bigint[], text[], text[], bigint[], bigint[], text[]) TO triage_device;
GRANT SELECT ON triage.records, triage.conflicts, triage.audit, triage.access_log, triage.schema_version TO triage_reader;
GRANT EXECUTE ON FUNCTION triage.log_access(text, bigint[]) TO triage_reader;
";

/// What `init` did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InitReport {
    pub from: i32,
    pub to: i32,
    pub roles_created: Vec<String>,
}

/// Creates or migrates the clinic store's schema and roles, in one transaction. The connecting
/// role needs CREATEROLE and CREATE on the database (a superuser, or the database's owner with
/// CREATEROLE).
pub fn init(client: &mut Client) -> Result<InitReport, ClinicError> {
    let pg = |e: postgres::Error| ClinicError::from_pg(&e);
    let mut tx = client.transaction().map_err(pg)?;
    tx.execute("SELECT pg_advisory_xact_lock(7245021)", &[])
        .map_err(pg)?;
    let mut roles_created = Vec::new();
    for role in [
        "triage_owner",
        "triage_device",
        "triage_reader",
        "triage_prescriber",
    ] {
        let exists: bool = tx
            .query_one(
                "SELECT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = $1)",
                &[&role],
            )
            .map_err(pg)?
            .get(0);
        if !exists {
            // Role names are fixed identifiers above, never input.
            tx.batch_execute(&format!("CREATE ROLE {role} NOLOGIN"))
                .map_err(pg)?;
            roles_created.push(role.to_owned());
        }
    }
    let member: bool = tx
        .query_one("SELECT pg_has_role('triage_owner', 'MEMBER')", &[])
        .map_err(pg)?
        .get(0);
    if !member {
        tx.batch_execute("GRANT triage_owner TO CURRENT_USER")
            .map_err(pg)?;
    }
    tx.batch_execute(
        "CREATE SCHEMA IF NOT EXISTS triage AUTHORIZATION triage_owner;
         SET LOCAL ROLE triage_owner;
         CREATE TABLE IF NOT EXISTS triage.schema_version (
             version integer PRIMARY KEY,
             applied_at timestamptz NOT NULL DEFAULT now(),
             applied_by text NOT NULL DEFAULT session_user
         );",
    )
    .map_err(pg)?;
    let from: i32 = tx
        .query_one(
            "SELECT coalesce(max(version), 0) FROM triage.schema_version",
            &[],
        )
        .map_err(pg)?
        .get(0);
    if from > SCHEMA_VERSION {
        return Err(ClinicError::TooNew {
            found: from,
            known: SCHEMA_VERSION,
        });
    }
    // `from` is at most SCHEMA_VERSION here; a negative one (never written) runs no step, as before.
    let done = usize::try_from(from).unwrap_or(usize::MAX);
    for (version, sql) in (1i32..).zip(MIGRATIONS).skip(done) {
        tx.batch_execute(sql).map_err(pg)?;
        tx.execute(
            "INSERT INTO triage.schema_version (version) VALUES ($1)",
            &[&version],
        )
        .map_err(pg)?;
    }
    tx.batch_execute(GRANTS).map_err(pg)?;
    tx.batch_execute(super::desk::GRANTS).map_err(pg)?;
    tx.batch_execute("RESET ROLE").map_err(pg)?;
    tx.commit().map_err(pg)?;
    Ok(InitReport {
        from,
        to: SCHEMA_VERSION,
        roles_created,
    })
}
