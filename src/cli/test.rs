//! `triage test QUESTIONNAIRE SCENARIOS...`: run scenario files against a questionnaire. Exit 0
//! when every scenario passes, 1 when any fails, 2 for unreadable or invalid files.

use std::path::PathBuf;

use super::{CliError, Io, Source, Status, read, report};
use crate::scenario;

pub fn test(
    io: &mut Io<'_>,
    questionnaire: &std::path::Path,
    scenario_files: &[PathBuf],
) -> Result<Status, CliError> {
    let (q, _) = super::load_questionnaire(io, Some(questionnaire))?;
    let mut status = Status::Ok;
    for path in scenario_files {
        let src = Source {
            name: path.display().to_string(),
            text: read(path)?,
        };
        writeln!(
            io.out,
            "{} against {} {}",
            crate::text::escape(&src.name),
            q.meta.id,
            q.meta.version
        )?;
        match scenario::run(&q, &src.text) {
            Ok(results) => {
                write!(io.out, "{}", scenario::report(&results))?;
                if results.iter().any(|r| !r.passed()) && status == Status::Ok {
                    status = Status::Findings;
                }
            }
            Err(diags) => {
                report(io, &src, &diags)?;
                status = Status::Usage;
            }
        }
    }
    Ok(status)
}
