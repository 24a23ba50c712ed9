//! `triage convert FILE --to fhir [--out FILE]`: a triage questionnaire as a FHIR R4
//! Questionnaire. What FHIR cannot carry is named on standard error, item by item.

use std::path::Path;

use super::{CliError, Io, Status};

pub fn convert(
    io: &mut Io<'_>,
    file: Option<&Path>,
    out: Option<&Path>,
) -> Result<Status, CliError> {
    let (q, src) = super::load_questionnaire(io, file)?;
    if q.items.iter().any(|it| it.fhir.is_some()) {
        return Err(CliError::Usage(format!(
            "{} is already a FHIR Questionnaire; convert writes triage's own questionnaires as FHIR",
            src.name
        )));
    }
    let exported = crate::fhir::export::questionnaire_to_fhir(&q);
    let mut json = super::json(&exported.json)?;
    json.push('\n');
    for n in &exported.notes {
        writeln!(io.err, "note: {n}")?;
    }
    match out {
        Some(path) => {
            crate::store::write_atomic(path, json.as_bytes())
                .map_err(|e| CliError::Usage(format!("cannot write {}: {e}", path.display())))?;
            writeln!(
                io.err,
                "wrote {} ({} questions)",
                path.display(),
                q.questions().count()
            )?;
        }
        None => write!(io.out, "{json}")?,
    }
    Ok(Status::Ok)
}
