//! `triage check FILE...`: lint questionnaire files. Exit 0 clean (warnings allowed), 1 errors
//! found, 2 a file could not be read.

use std::path::PathBuf;

use super::{CliError, Io, Source, Status, load, read, report};

pub fn check(io: &mut Io<'_>, files: &[PathBuf]) -> Result<Status, CliError> {
    let mut status = Status::Ok;
    for path in files {
        let text = match read(path) {
            Ok(t) => t,
            Err(e) => {
                writeln!(io.err, "error: {}", crate::text::escape(&e.to_string()))?;
                status = Status::Usage;
                continue;
            }
        };
        let src = Source {
            name: path.display().to_string(),
            text,
        };
        let loaded = load(&src);
        report(io, &src, &loaded.diagnostics)?;
        let errors = loaded.diagnostics.iter().filter(|d| d.is_error()).count();
        let warnings = loaded.diagnostics.len() - errors;
        let name = crate::text::escape(&src.name);
        match &loaded.questionnaire {
            Some(q) => {
                let questions = q.questions().count();
                writeln!(
                    io.out,
                    "{name}: ok ({} {}, {questions} questions, {} flags, {warnings} warnings)",
                    q.meta.id,
                    q.meta.version,
                    q.flags.len()
                )?;
            }
            None => {
                writeln!(io.out, "{name}: {errors} errors, {warnings} warnings")?;
                if status == Status::Ok {
                    status = Status::Findings;
                }
            }
        }
    }
    Ok(status)
}
