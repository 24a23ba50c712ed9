//! `triage run [FILE]` (and a bare `triage`), `triage run --staff`, and `triage kiosk [FILE]`.
//! Run and reception modes end by writing the doctor's summary to standard output (so
//! `triage run > summary.txt` or a pipe to a printer works); the kiosk never shows it, it prints
//! or spools each summary as configured. With a clinic store configured, a delivery thread sends
//! the outbox meanwhile (see `crate::clinic::courier`).

use std::path::{Path, PathBuf};
use std::time::Duration;

use jiff::civil::Date;

use super::{CliError, Format, Io, Status, open_store};
use crate::clinic::Courier;
use crate::config::{self, Config};
use crate::strings;
use crate::tui::{self, Mode, RunEnd, RunError, RunOptions};

/// How long one store call of the walk-through waits for a lock held by another process.
const WALK_BUSY_TIMEOUT: Duration = Duration::from_millis(100);

/// How long leaving waits for the record just completed to reach the clinic store.
const SEND_AT_EXIT: Duration = Duration::from_secs(3);

pub struct RunArgs<'a> {
    pub file: Option<&'a Path>,
    pub format: Format,
    pub data_dir: Option<&'a Path>,
    pub config: Option<&'a Path>,
    pub visit_date: Date,
    /// `--visit-date` was given (not today by default).
    pub visit_date_given: bool,
    pub mode: Mode,
    /// Kiosk timeouts from the command line, over the config file's.
    pub idle_warning: Option<f64>,
    pub idle_reset: Option<f64>,
    /// Standard output is not a terminal (a file, a pipe, a printer): the doctor's page may go
    /// there. On a terminal it would be shown to the patient, so it is not written.
    pub page_to_stdout: bool,
    /// Staff: continue this unfinished form (open or abandoned).
    pub draft: Option<crate::store::DraftId>,
}

/// The clinic config: `--config FILE`, else `config.toml` in the data directory, else defaults.
pub fn clinic_config(
    io: &mut Io<'_>,
    explicit: Option<&Path>,
    data_dir: &Path,
) -> Result<Config, CliError> {
    let path: PathBuf = if let Some(p) = explicit {
        p.to_owned()
    } else {
        let p = data_dir.join(config::CONFIG_FILE);
        if !p.is_file() {
            return Ok(Config::default());
        }
        p
    };
    let src = super::Source {
        name: path.display().to_string(),
        text: super::read(&path)?,
    };
    let base = path.parent().map(Path::to_owned).unwrap_or_default();
    match config::load_config(&src.text, &base) {
        Ok((c, warnings)) => {
            super::report_private(io, &src, &warnings)?;
            Ok(c)
        }
        Err(diags) => {
            super::report_private(io, &src, &diags)?;
            Err(CliError::Usage(format!(
                "{} has errors; run `triage check {}`",
                src.name, src.name
            )))
        }
    }
}

pub fn run(io: &mut Io<'_>, args: &RunArgs<'_>) -> Result<Status, CliError> {
    let dir = crate::store::data_dir(args.data_dir).map_err(|e| CliError::Usage(e.to_string()))?;
    let mut config = clinic_config(io, args.config, &dir)?;
    if let Some(w) = args.idle_warning {
        config.idle_warning = seconds("--idle-warning", w)?;
    }
    if let Some(r) = args.idle_reset {
        config.idle_reset = seconds("--idle-reset", r)?;
    }
    if config.idle_reset <= config.idle_warning {
        return Err(CliError::Usage(
            "the idle reset must be longer than the idle warning".into(),
        ));
    }
    if args.mode == Mode::Kiosk && !crate::kiosk::pin::is_set(&dir) {
        return Err(CliError::Usage(strings::KIOSK_NEEDS_PIN.to_owned()));
    }
    let file = args
        .file
        .map(Path::to_owned)
        .or_else(|| config.questionnaire.clone());
    let (mut q, src) = super::load_questionnaire(io, file.as_deref())?;
    // The clinic's own wording (who assesses, who injects) replaces the shipped default.
    if let Err(errors) = q.apply_wording(config.wording_pairs()) {
        let list: Vec<String> = errors.iter().map(ToString::to_string).collect();
        return Err(CliError::Usage(format!(
            "the clinic settings' [wording] does not fit {}: {}; run `triage check` on the settings file",
            src.name,
            list.join("; ")
        )));
    }
    // The paper form lays out one screen per section: it has no place for questions that repeat
    // ("add another") or are asked once per chosen answer, so it is refused plainly rather than
    // leaving them out or filing answers under the wrong instance.
    if args.mode == Mode::Paper && q.has_repeats() {
        return Err(CliError::Usage(format!(
            "{} has questions that repeat or are asked once per chosen answer, which the paper form cannot show yet; type it in with `triage run --staff` (the question screens)",
            src.name
        )));
    }
    // Unfinished forms started with an earlier shipped version resume with that version.
    let earlier = crate::questionnaire::versions::earlier_versions(&q.meta.id, &q.content_hash);
    let mut store = open_store(args.data_dir)?;
    if let Some(id) = args.draft {
        use crate::store::{DraftStatus, Store};
        let d = store.draft(id)?;
        if !matches!(d.status, DraftStatus::Open | DraftStatus::Abandoned) {
            return Err(CliError::Usage(format!(
                "form {id} is {}, not unfinished; see `triage records drafts`",
                d.status.as_str()
            )));
        }
        if crate::store::DraftLock::held_elsewhere(&dir, id) {
            return Err(CliError::Usage(format!(
                "form {id} is open in another triage window right now"
            )));
        }
        if !crate::kiosk::pin::is_set(&dir) && q.meta.dob_item.is_none() {
            return Err(CliError::Usage(format!(
                "form {id} can only be opened by staff: set a staff PIN first (triage pin set)"
            )));
        }
        if d.questionnaire.id != q.meta.id {
            return Err(CliError::Usage(format!(
                "form {id} was made with `{}`; name that questionnaire: triage run FILE --draft {id}",
                crate::text::escape(&d.questionnaire.id)
            )));
        }
    }
    // With a clinic store, a delivery thread drains the outbox while patients answer; it never
    // holds up the screen. Without one, nothing changes.
    let courier = match &config.clinic_store {
        Some(settings) => Some(Courier::start(settings.clone(), &dir)?),
        None => None,
    };
    let opts = RunOptions {
        visit_date: args.visit_date,
        visit_date_given: args.visit_date_given,
        mode: args.mode,
        config,
        data_dir: dir,
        page_to_stdout: args.page_to_stdout,
        draft: args.draft,
        outbox: courier.as_ref().map(Courier::status),
    };
    // Every store call of the walk-through runs on its only thread, between keystrokes: a
    // locked database must fail fast (the answer stays in memory and is retried from the
    // clock tick) rather than hold the screen for SQLite's usual 5 s per call.
    store.set_busy_timeout(WALK_BUSY_TIMEOUT)?;
    let mut finished = None;
    let ended = tui::run(&q, &earlier, &mut store, &opts, &mut finished);
    if let Some(c) = courier {
        let completed = matches!(ended, Ok(RunEnd::Completed { .. }));
        if completed {
            // One more attempt for the record just completed, bounded so leaving stays quick.
            c.nudge();
        }
        let status = c.status();
        c.stop(if completed {
            SEND_AT_EXIT
        } else {
            Duration::from_millis(200)
        });
        if args.mode != Mode::Kiosk
            && let Some(n) = status.pending().filter(|&n| n > 0)
        {
            writeln!(
                io.err,
                "note: {n} record(s) wait in the outbox for the clinic store; `triage sync` sends them"
            )?;
        }
    }
    match ended {
        Ok(RunEnd::Completed { context, record }) => {
            let Some(session) = finished else {
                return Ok(Status::Ok);
            };
            if !args.page_to_stdout {
                // Standard output is the patient's own screen: the doctor's page stays in the
                // store, and only where to find it is said.
                writeln!(io.out, "{}", strings::saved_not_shown(record))?;
                io.out.flush()?;
                return Ok(Status::Ok);
            }
            super::write_summary(
                io,
                &session,
                &context,
                args.format,
                &crate::clock::rfc3339(jiff::Timestamp::now()),
            )?;
            io.out.flush()?;
            Ok(Status::Ok)
        }
        Ok(RunEnd::Stopped) if args.mode == Mode::Kiosk => Ok(Status::Ok),
        Ok(RunEnd::Stopped) => {
            // The terminal may be gone (a hang-up): saying so is best effort.
            let _ = writeln!(io.err, "{}", strings::INTERRUPTED);
            Ok(Status::Stopped)
        }
        Err(RunError::NoTerminal) => Err(CliError::Usage(strings::NEEDS_TERMINAL.to_owned())),
        Err(RunError::Store(e)) => Err(CliError::Store(e)),
        Err(RunError::Io(e)) => Err(CliError::Write(e)),
    }
}

/// A number of seconds from the command line: finite, from 0 to 86400 (a day), as the config
/// file's kiosk timeouts. `inf`, `NaN` and negative numbers are refused with the option's name.
fn seconds(option: &str, value: f64) -> Result<Duration, CliError> {
    if value.is_finite() && (0.0..=86_400.0).contains(&value) {
        Ok(Duration::from_secs_f64(value))
    } else {
        Err(CliError::Usage(format!(
            "{option} takes a number of seconds from 0 to 86400, not {value}"
        )))
    }
}
