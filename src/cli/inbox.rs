//! `triage inbox`: the doctor's desk. Reads the clinic settings (prescribers, `[inbox]`), picks
//! the store (the clinic store with a reader login when one is configured, else this machine's;
//! `--local` forces this machine's), and runs the inbox's screens. Refuses to start without
//! prescribers, with a device login, or with a clinic store too old to hold decisions.

use std::path::Path;

use jiff::civil::Date;

use super::{CliError, Io, Status};
use crate::inbox::Columns;
use crate::kiosk::pin::{self, Holder};
use crate::strings;
use crate::text;
use crate::tui::inbox::Setup;
use crate::tui::inbox::desk::{self, ClinicDesk, Desk, ListSpec, OpenDesk};
use crate::tui::inbox::runtime::{self, InboxOptions};

/// What `triage inbox` was asked for.
pub struct InboxArgs<'a> {
    pub data_dir: Option<&'a Path>,
    pub config: Option<&'a Path>,
    /// This machine's store even when a clinic store is configured.
    pub local: bool,
    /// The visit date to show (`--date`; default today).
    pub date: Option<Date>,
    /// Every day (`--all`).
    pub all: bool,
    /// Today (the clinic's date, or `--visit-date`).
    pub today: Date,
    /// The questionnaire whose answers name the columns (default: the config's, else shipped).
    pub questionnaire: Option<&'a Path>,
}

pub fn inbox(io: &mut Io<'_>, a: &InboxArgs<'_>) -> Result<Status, CliError> {
    let dir = crate::store::data_dir(a.data_dir).map_err(|e| CliError::Usage(e.to_string()))?;
    let mut config = super::clinic_config(io, a.config, &dir)?;
    if config.prescribers.is_empty() {
        return Err(CliError::Usage(strings::INBOX_NEEDS_PRESCRIBERS.into()));
    }
    let shared = config.clinic_store.clone().filter(|_| !a.local);
    if let Some(settings) = &shared {
        // On the clinic store, only the prescribers this desk's login may sign for are offered.
        if let Some(bound) = check_reader(io, settings)? {
            config.prescribers.retain(|p| bound.contains(&p.id));
            if config.prescribers.is_empty() {
                return Err(CliError::Usage(
                    "this machine's clinic store login may sign for none of the prescribers in these settings: the clinic's administrator binds them with `triage store allow-decisions --login LOGIN --prescriber ID` (docs/deployment.md)".into(),
                ));
            }
        }
    }
    let qpath = a.questionnaire.or(config.questionnaire.as_deref());
    let (q, _) = super::load_questionnaire(io, qpath)?;
    let columns = Columns::of(&q, config.inbox.request_question.as_deref());
    let pin_set = config
        .prescribers
        .iter()
        .map(|p| Holder::Prescriber(&p.id).hash_file(&dir).is_file())
        .collect();
    let day = if a.all {
        None
    } else {
        Some(a.date.unwrap_or(a.today))
    };
    let spec = ListSpec {
        day: day.map(|d| d.to_string()),
        columns,
        poll: config.inbox.poll,
    };
    let (source, listen, open): (&str, _, OpenDesk) = if let Some(settings) = shared {
        let s = settings.clone();
        (
            strings::INBOX_CLINIC_STORE,
            Some(settings),
            Box::new(move || Ok(Box::new(ClinicDesk::new(s)) as Box<dyn Desk>)),
        )
    } else {
        let (site, device) = config
            .clinic_store
            .as_ref()
            .map(|c| (Some(c.site.clone()), Some(c.device.clone())))
            .unwrap_or_default();
        let d = dir.clone();
        (
            strings::INBOX_LOCAL_STORE,
            None,
            Box::new(move || desk::local(&d, site, device)),
        )
    };
    let opts = InboxOptions {
        setup: Setup {
            prescribers: config.prescribers.clone(),
            pin_set,
            today: a.today,
            day,
            source: source.to_owned(),
            idle_lock: config.inbox.idle_lock,
            zone: crate::clock::local_zone(),
        },
        data_dir: dir,
        policy: pin::Policy {
            attempts: config.pin_attempts,
            lockout: config.pin_lockout,
            delay: config.pin_delay,
        },
        spec,
        listen,
    };
    runtime::run(&opts, open).map_err(|e| CliError::Usage(e.to_string()))?;
    Ok(Status::Ok)
}

/// Refuses a login that may not read or decide, and a clinic store without decisions; an
/// unreachable clinic store is only noted (the inbox keeps trying and says so on screen).
/// Returns the prescriber ids this login may sign for, when the clinic store could be asked.
fn check_reader(
    io: &mut Io<'_>,
    settings: &crate::clinic::ClinicSettings,
) -> Result<Option<Vec<String>>, CliError> {
    let mut client = match crate::clinic::connect::connect(settings) {
        Ok(c) => c,
        Err(e) => {
            writeln!(
                io.err,
                "note: {}; the inbox keeps trying",
                text::escape(&e.to_string())
            )?;
            return Ok(None);
        }
    };
    if !crate::clinic::read::can_read(&mut client) {
        return Err(CliError::Usage(
            "this machine's clinic store login may not read records (a device role); the inbox needs a reader login (triage_reader), or --local".into(),
        ));
    }
    match crate::clinic::desk::desk_access(&mut client) {
        crate::clinic::desk::DeskAccess::Sign => {}
        crate::clinic::desk::DeskAccess::ReadOnly => {
            return Err(CliError::Usage(
                "this machine's clinic store login may not sign decisions: the clinic's administrator allows a doctor's desk login with `triage store allow-decisions --login LOGIN --prescriber ID` (docs/deployment.md)".into(),
            ));
        }
        crate::clinic::desk::DeskAccess::NotReady => {
            return Err(CliError::Usage(
                "the clinic store cannot keep decisions yet: run `triage store init` (it migrates the schema) and try again".into(),
            ));
        }
    }
    Ok(Some(crate::clinic::desk::my_prescribers(&mut client)?))
}
