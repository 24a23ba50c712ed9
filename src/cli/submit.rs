//! `triage submit --answers FILE`: stores a completed record from an answers file (a paper form
//! typed in later, or the non-interactive path for tests) and prints its id. Incomplete or
//! invalid answers are refused with the list of what is missing or wrong; nothing is stored.
//! Like every completion, the record goes through the outbox; with a clinic store configured,
//! one delivery attempt follows at once (what fails waits for `triage sync`).

use std::path::Path;

use jiff::Timestamp;
use jiff::civil::Date;

use super::{CliError, Io, Status, open_store};
use crate::answers;
use crate::engine::{Problem, Session};
use crate::records;
use crate::summary::Context;

pub struct SubmitArgs<'a> {
    pub answers: &'a Path,
    pub questionnaire: Option<&'a Path>,
    pub visit_date: Option<Date>,
    pub today: Date,
    pub now: Timestamp,
    pub data_dir: Option<&'a Path>,
    /// Clinic settings (`--config`); with a clinic store, the record is sent on at once if it
    /// can be, else it waits in the outbox.
    pub config: Option<&'a Path>,
    pub clinic: Option<String>,
}

pub fn submit(io: &mut Io<'_>, args: &SubmitArgs<'_>) -> Result<Status, CliError> {
    let (q, _) = super::load_questionnaire(io, args.questionnaire)?;
    let Some((asrc, file)) = super::read_answers(io, args.answers)? else {
        return Ok(Status::Findings);
    };
    if let Some(id) = file.questionnaire.as_ref().filter(|id| **id != q.meta.id) {
        writeln!(
            io.err,
            "error: these answers are for `{}`, but the questionnaire is `{}`; nothing was stored",
            crate::text::escape(id),
            q.meta.id
        )?;
        return Ok(Status::Findings);
    }
    let visit = args.visit_date.or(file.visit_date).unwrap_or(args.today);
    let mut session = Session::new(&q, visit);
    let diags = answers::fill_session(&mut session, &file.answers);
    super::report_private(io, &asrc, &diags)?;
    super::restore_latched(&mut session, &asrc, &file)?;
    let mut refusals: Vec<String> = diags
        .iter()
        .filter(|d| d.is_error())
        .map(|d| d.message.clone())
        .collect();
    for p in session.problems() {
        let it = q.item(p.item());
        refusals.push(match p {
            Problem::Missing(_) => format!(
                "`{}` is missing: {}",
                it.id,
                it.text.lines().next().unwrap_or("")
            ),
            Problem::Invalid(_, m) => format!("`{}` is not valid: {m}", it.id),
            Problem::TooFew(_, n) => format!(
                "`{}` needs at least {n} answered: {}",
                it.id,
                it.text.lines().next().unwrap_or("")
            ),
        });
    }
    if !refusals.is_empty() {
        writeln!(
            io.err,
            "error: the answers were refused; nothing was stored. {} problem(s):",
            refusals.len()
        )?;
        for r in &refusals {
            writeln!(io.err, "  - {}", crate::text::escape(r))?;
        }
        return Ok(Status::Findings);
    }
    let ctx = Context {
        clinic: args.clinic.clone(),
        completed_at: Some(records::local_time(&args.now.to_string())),
        record_id: None,
    };
    let mut store = open_store(args.data_dir)?;
    let id = records::store_session(&mut store, &session, None, args.now, &ctx)?;
    writeln!(io.out, "{id}")?;
    io.out.flush()?;
    // The record is stored: a problem sending it on is a note, never a failure (a script that
    // retried on failure would store it twice).
    if let Err(e) = super::clinic::send_now(io, args.data_dir, args.config) {
        writeln!(
            io.err,
            "note: record {id} is stored here and waits in the outbox; it was not sent on: {}",
            crate::text::escape(&e.to_string())
        )?;
    }
    Ok(Status::Ok)
}
