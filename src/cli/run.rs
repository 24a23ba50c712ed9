//! `triage run [FILE]` (and a bare `triage`): the patient's walk-through. At the end the record is
//! stored, the terminal restored, and the doctor's summary written to standard output, so
//! `triage run > summary.txt` or a pipe to a printer works.

use std::path::Path;

use jiff::civil::Date;

use super::{CliError, Format, Io, Status, load_checked, open_store, source};
use crate::summary;
use crate::tui::{self, RunEnd, RunError, RunOptions};

pub struct RunArgs<'a> {
    pub file: Option<&'a Path>,
    pub format: Format,
    pub data_dir: Option<&'a Path>,
    pub visit_date: Date,
    pub clinic: Option<String>,
}

pub fn run(io: &mut Io<'_>, args: &RunArgs<'_>) -> Result<Status, CliError> {
    let src = source(args.file)?;
    let q = load_checked(io, &src).map_err(|e| match e {
        CliError::Reported(m) => CliError::Usage(m),
        other => other,
    })?;
    let mut store = open_store(args.data_dir)?;
    let opts = RunOptions {
        visit_date: args.visit_date,
        clinic: args.clinic.clone(),
    };
    let mut finished = None;
    match tui::run(&q, &mut store, &opts, &mut finished) {
        Ok(RunEnd::Completed { context, .. }) => {
            let Some(session) = finished else {
                return Ok(Status::Ok);
            };
            match args.format {
                Format::Text => write!(io.out, "{}", summary::render_text(&session, &context))?,
                Format::Json => writeln!(
                    io.out,
                    "{}",
                    serde_json::to_string_pretty(&summary::to_json(&session, &context))
                        .map_err(|e| CliError::Usage(e.to_string()))?
                )?,
            }
            io.out.flush()?;
            Ok(Status::Ok)
        }
        Ok(RunEnd::Stopped) => {
            writeln!(io.err, "{}", crate::strings::INTERRUPTED)?;
            Ok(Status::Stopped)
        }
        Err(RunError::NoTerminal) => {
            Err(CliError::Usage(crate::strings::NEEDS_TERMINAL.to_owned()))
        }
        Err(RunError::Store(e)) => Err(CliError::Store(e)),
        Err(RunError::Io(e)) => Err(CliError::Write(e)),
    }
}
