//! `triage sync [--wait SECONDS]` (deliver this machine's outbox to the clinic store now and say
//! what happened: exit 0 when nothing waits, 3 when records remain) and
//! `triage store init --url ADMIN_URL` (create or migrate the clinic store's schema and roles).
//! Passwords come from files, never from the command line, and are never printed.

use std::path::Path;
use std::time::{Duration, Instant};

use super::{CliError, Io, Status, clinic_config};
use crate::clinic::settings::{
    PasswordSource, Tls, default_pgpass, is_local, parse_url, private_file,
};
use crate::clinic::{ClinicSettings, Deliverer, connect, schema};

pub struct SyncArgs<'a> {
    pub data_dir: Option<&'a Path>,
    pub config: Option<&'a Path>,
    /// Keep retrying (with backoff) for up to this many seconds while records remain.
    pub wait: Option<f64>,
    /// First put every delivered record still kept here back in the outbox (after the clinic
    /// store was restored from a backup).
    pub resend: bool,
}

/// The clinic store settings from the clinic config, or a usage error saying how to add them.
pub fn clinic_settings(
    io: &mut Io<'_>,
    data_dir: Option<&Path>,
    config: Option<&Path>,
) -> Result<(ClinicSettings, std::path::PathBuf), CliError> {
    let dir = crate::store::data_dir(data_dir).map_err(|e| CliError::Usage(e.to_string()))?;
    let c = clinic_config(io, config, &dir)?;
    let settings = c.clinic_store.ok_or_else(|| {
        CliError::Usage(
            "no clinic store is configured: add a [clinic_store] table to the clinic settings (see docs/deployment.md)".into(),
        )
    })?;
    Ok((settings, dir))
}

pub fn sync(io: &mut Io<'_>, args: &SyncArgs<'_>) -> Result<Status, CliError> {
    let (settings, dir) = clinic_settings(io, args.data_dir, args.config)?;
    if let Some(w) = args.wait
        && !(w.is_finite() && (0.0..=86_400.0).contains(&w))
    {
        return Err(CliError::Usage(
            "--wait takes a number of seconds from 0 to 86400".into(),
        ));
    }
    let mut d = Deliverer::open(settings, &dir)?;
    // With nothing to send, still connect: a new install is proved before a patient's record
    // waits on it (a failure is an error, exit 2).
    let before = d.counts()?;
    if before.pending == 0
        && before.audit_pending == 0
        && !args.resend
        && let Err(e) = d.check_connection()
    {
        writeln!(io.err, "error: {}", crate::text::escape(&e.to_string()))?;
        writeln!(io.out, "pending: 0 records, 0 audit events")?;
        return Ok(Status::Usage);
    }
    if args.resend {
        let n = d.local().outbox_resend_all()?;
        writeln!(
            io.err,
            "sending {n} delivered record(s) again; those the clinic store has count once"
        )?;
    }
    let deadline = args
        .wait
        .map(|w| Instant::now() + Duration::from_secs_f64(w));
    let failure = d.drain(deadline);
    let c = d.counts()?;
    let t = d.tally;
    writeln!(
        io.out,
        "delivered: {} (new {}, already there {})",
        t.inserted + t.duplicates,
        t.inserted,
        t.duplicates
    )?;
    writeln!(io.out, "conflicts: {}", t.conflicts)?;
    writeln!(io.out, "rejected: {}", c.rejected)?;
    writeln!(
        io.out,
        "pending: {} records, {} audit events",
        c.pending, c.audit_pending
    )?;
    if c.conflicts > 0 {
        writeln!(
            io.err,
            "note: {} record(s) of this machine conflict with the clinic store's copy (same id, other content); both are kept there for staff",
            c.conflicts
        )?;
    }
    if c.rejected > 0 {
        writeln!(
            io.err,
            "warning: {} record(s) were refused by the clinic store and are kept on this machine only",
            c.rejected
        )?;
    }
    if let Some(e) = &failure {
        writeln!(
            io.err,
            "error: {}; what is not delivered stays in the outbox and is sent later",
            crate::text::escape(&e.to_string())
        )?;
    }
    if c.pending == 0 && c.audit_pending == 0 && c.rejected == 0 {
        Ok(Status::Ok)
    } else {
        Ok(Status::Pending)
    }
}

pub struct StoreInitArgs<'a> {
    /// The administrator's URL (no password in it).
    pub url: &'a str,
    /// A file holding only the administrator's password (mode 0600); else PGPASSFILE.
    pub password_file: Option<&'a Path>,
    /// The clinic's CA certificate (PEM), for `sslmode=verify-full`.
    pub ca_file: Option<&'a Path>,
}

/// The administrator's connection to the clinic store (`store init`, `store allow-decisions`).
fn admin_client(args: &StoreInitArgs<'_>) -> Result<postgres::Client, CliError> {
    let parsed = parse_url(args.url).map_err(CliError::Usage)?;
    let tls = if parsed.sslmode == "disable" {
        if !is_local(&parsed.config) {
            return Err(CliError::Usage(
                "TLS can only be turned off for a server on this machine; give --ca-file instead"
                    .into(),
            ));
        }
        Tls::Off
    } else {
        let ca = args.ca_file.ok_or_else(|| {
            CliError::Usage(
                "give the clinic's CA certificate with --ca-file (or sslmode=disable for a server on this machine)".into(),
            )
        })?;
        Tls::VerifyFull {
            ca_file: ca.to_owned(),
        }
    };
    let source = match args.password_file {
        Some(p) => {
            private_file(p).map_err(|why| {
                CliError::Usage(format!(
                    "the password file {} cannot be used: {why}",
                    crate::text::escape(&p.display().to_string())
                ))
            })?;
            PasswordSource::File(p.to_owned())
        }
        None => default_pgpass().map_or(PasswordSource::None, PasswordSource::PgPass),
    };
    let mut config = connect::config_for(args.url, &source)?;
    Ok(connect::connect_with(&mut config, &tls)?)
}

pub fn store_init(io: &mut Io<'_>, args: &StoreInitArgs<'_>) -> Result<Status, CliError> {
    let mut client = admin_client(args)?;
    let report = schema::init(&mut client)?;
    if report.from == report.to {
        writeln!(
            io.out,
            "clinic store schema: version {} (already up to date)",
            report.to
        )?;
    } else {
        writeln!(
            io.out,
            "clinic store schema: version {} -> {}",
            report.from, report.to
        )?;
    }
    if !report.roles_created.is_empty() {
        writeln!(io.out, "roles created: {}", report.roles_created.join(", "))?;
    }
    writeln!(
        io.out,
        "next: give each device its own login in triage_device, and reception and doctors theirs in triage_reader; let each doctor's desk login sign with `triage store allow-decisions` (docs/deployment.md)"
    )?;
    Ok(Status::Ok)
}

/// `triage store allow-decisions`: binds a desk login to prescribers of the clinic settings (id,
/// name and registration), so the clinic store takes their decisions from it and from no other
/// login; with `revoke`, takes the bindings away.
pub fn store_allow_decisions(
    io: &mut Io<'_>,
    args: &StoreInitArgs<'_>,
    (data_dir, settings): (Option<&Path>, Option<&Path>),
    login: &str,
    ids: &[String],
    revoke: bool,
) -> Result<Status, CliError> {
    let dir = crate::store::data_dir(data_dir).map_err(|e| CliError::Usage(e.to_string()))?;
    let config = clinic_config(io, settings, &dir)?;
    let mut chosen: Vec<crate::inbox::Prescriber> = Vec::new();
    for id in ids {
        if chosen.iter().any(|p| &p.id == id) {
            continue;
        }
        match config.prescribers.iter().find(|p| &p.id == id) {
            Some(p) => chosen.push(p.clone()),
            None => {
                return Err(CliError::Usage(format!(
                    "there is no prescriber `{}` in the clinic settings{}; give the settings with --config (their [[prescriber]] list is what is bound)",
                    crate::text::escape(id),
                    settings.map_or(String::new(), |p| format!(" ({})", p.display()))
                )));
            }
        }
    }
    let mut client = admin_client(args)?;
    let changed = crate::clinic::desk::allow_decisions(&mut client, login, &chosen, revoke)?;
    let names: Vec<String> = chosen
        .iter()
        .map(|p| format!("{} ({}, {})", p.id, p.name, p.registration))
        .collect();
    if revoke {
        writeln!(
            io.out,
            "{login} may no longer sign decisions as {} ({changed} removed)",
            names.join(", ")
        )?;
    } else {
        writeln!(
            io.out,
            "{login} may sign decisions as {} ({changed} new or updated)",
            names.join(", ")
        )?;
    }
    Ok(Status::Ok)
}

/// After a completion outside the walk-through (`submit`): when a clinic store is configured,
/// one delivery attempt now; what cannot be sent waits in the outbox, said on stderr.
pub fn send_now(
    io: &mut Io<'_>,
    data_dir: Option<&Path>,
    config: Option<&Path>,
) -> Result<(), CliError> {
    let dir = crate::store::data_dir(data_dir).map_err(|e| CliError::Usage(e.to_string()))?;
    let Some(settings) = clinic_config(io, config, &dir)?.clinic_store else {
        return Ok(());
    };
    let mut d = Deliverer::open(settings, &dir)?;
    let failure = d.drain(None);
    let pending = d.counts()?.pending;
    match failure {
        None => writeln!(io.err, "sent to the clinic store")?,
        Some(e) => writeln!(
            io.err,
            "note: {}; {pending} record(s) wait in the outbox for `triage sync` or a running kiosk",
            crate::text::escape(&e.to_string())
        )?,
    }
    Ok(())
}
