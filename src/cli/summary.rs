//! `triage summary --answers FILE`: the doctor's summary from an answers file. Unknown ids and
//! invalid answers are errors (exit 1, nothing printed on stdout); answers to questions that are
//! not asked are warnings.

use std::path::Path;

use jiff::civil::Date;

use super::{CliError, Io, Status};
use crate::answers;
use crate::engine::Session;
use crate::summary::Context;

/// Output formats of a summary.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Text,
    Json,
    /// A FHIR R4 QuestionnaireResponse.
    Fhir,
}

pub struct SummaryArgs<'a> {
    pub answers: &'a Path,
    pub questionnaire: Option<&'a Path>,
    pub format: Format,
    /// `--visit-date`, which wins over the file's own.
    pub visit_date: Option<Date>,
    /// Today, used when neither the flag nor the file gives a date.
    pub today: Date,
    pub clinic: Option<String>,
}

pub fn summary(io: &mut Io<'_>, args: &SummaryArgs<'_>) -> Result<Status, CliError> {
    let (q, _) = super::load_questionnaire(io, args.questionnaire)?;
    let Some((asrc, file)) = super::read_answers(io, args.answers)? else {
        return Ok(Status::Findings);
    };
    if let Some(id) = &file.questionnaire
        && *id != q.meta.id
    {
        let span = answers::find_key(&asrc.text, "questionnaire").unwrap_or(0..0);
        let d = crate::diag::Diagnostic::error(format!(
            "these answers are for `{id}`, but the questionnaire is `{}`",
            q.meta.id
        ))
        .at(span, "different questionnaire")
        .help("name the right questionnaire with --questionnaire FILE");
        super::report_private(io, &asrc, &[d])?;
        return Ok(Status::Findings);
    }
    // An exported record made with an earlier shipped version is judged with that version,
    // unless a questionnaire was named.
    let earlier = match (&file.content_hash, args.questionnaire) {
        (Some(hash), None) if *hash != q.content_hash => {
            crate::questionnaire::versions::embedded(&q.meta.id, hash)
        }
        _ => None,
    };
    let q = earlier.as_ref().unwrap_or(&q);
    let visit = args.visit_date.or(file.visit_date).unwrap_or(args.today);
    let mut session = Session::new(q, visit);
    let diags = answers::fill_session(&mut session, &file.answers);
    super::report_private(io, &asrc, &diags)?;
    super::restore_latched(&mut session, &asrc, &file)?;
    if diags.iter().any(super::super::diag::Diagnostic::is_error) {
        return Ok(Status::Findings);
    }
    let missing = session.problems().count();
    if missing > 0 {
        writeln!(
            io.err,
            "warning: {missing} required answer(s) missing or invalid; the summary says NOT ASSESSED"
        )?;
    }
    let ctx = Context {
        clinic: args.clinic.clone(),
        // Shown as local time when it is a timestamp (as records export writes it).
        completed_at: file.completed_at.as_deref().map(crate::records::local_time),
        record_id: None,
    };
    let authored = file
        .completed_at
        .clone()
        .unwrap_or_else(|| crate::clock::rfc3339(jiff::Timestamp::now()));
    super::write_summary(io, &session, &ctx, args.format, &authored)?;
    Ok(Status::Ok)
}
