//! `triage check FILE...`: lint questionnaire files and clinic config files. Exit 0 clean (warnings allowed), 1 errors
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
        if crate::config::looks_like_config(&src.text)
            && path.extension().is_none_or(|e| e != "json")
        {
            let base = path
                .parent()
                .map(std::path::Path::to_owned)
                .unwrap_or_default();
            let name = crate::text::escape(&src.name);
            match crate::config::load_config(&src.text, &base) {
                Ok((config, mut warnings)) => {
                    let wording = wording_findings(&config);
                    if wording.iter().any(crate::diag::Diagnostic::is_error) {
                        warnings.extend(wording);
                        super::report_private(io, &src, &warnings)?;
                        failed(io, &name, &warnings, &mut status)?;
                        continue;
                    }
                    warnings.extend(wording);
                    super::report_private(io, &src, &warnings)?;
                    writeln!(
                        io.out,
                        "{name}: ok (clinic settings, {} warnings)",
                        warnings.len()
                    )?;
                }
                Err(diags) => {
                    super::report_private(io, &src, &diags)?;
                    failed(io, &name, &diags, &mut status)?;
                }
            }
            continue;
        }
        if looks_like_answers(&src.text) {
            check_answers(io, &src, &mut status)?;
            continue;
        }
        // Within the FHIR limits before serde_json builds anything; a questionnaire gets the
        // same finding from its loader below.
        let response = crate::limits::json_prescan(&src.text, &crate::limits::FHIR)
            .ok()
            .filter(|_| src.text.trim_start().starts_with('{'))
            .and_then(|_| serde_json::from_str::<serde_json::Value>(&src.text).ok())
            .filter(|v| {
                v.get("resourceType").and_then(|r| r.as_str()) == Some("QuestionnaireResponse")
            });
        if let Some(v) = response {
            let (diags, answers) = crate::fhir::check_response::check_response(&v);
            report(io, &src, &diags)?;
            let errors = diags.iter().filter(|d| d.is_error()).count();
            let name = crate::text::escape(&src.name);
            if errors == 0 {
                let of = crate::text::escape(
                    v.get("questionnaire")
                        .and_then(|q| q.as_str())
                        .unwrap_or("an unnamed questionnaire"),
                );
                writeln!(
                    io.out,
                    "{name}: ok (QuestionnaireResponse for {of}, {answers} answers)"
                )?;
            } else {
                failed(io, &name, &diags, &mut status)?;
            }
            continue;
        }
        let mut loaded = load(&src, io.value_sets.as_deref());
        if loaded
            .questionnaire
            .as_ref()
            .is_some_and(|q| q.flags.is_empty())
        {
            // Not an error (answers-only forms are useful), but the page will never say more
            // than "answers only": nobody should mistake it for a triage.
            let d = crate::diag::Diagnostic::warning(
                "this questionnaire has no flags (triage rules): its summaries will read \"ANSWERS ONLY - NO TRIAGE RULES\" and never assess suitability",
            );
            loaded.diagnostics.push(if super::is_fhir(&src) {
                d.json_path("$")
                    .help("a FHIR Questionnaire carries no triage rules; it runs as answers only")
            } else {
                let first = src.text.find('\n').unwrap_or(src.text.len());
                d.at(0..first, "no [[flag]] in this file")
                    .help("add [[flag]] rules to triage with it")
            });
        }
        report(io, &src, &loaded.diagnostics)?;
        let errors = loaded.diagnostics.iter().filter(|d| d.is_error()).count();
        let warnings = loaded.diagnostics.len() - errors;
        let name = crate::text::escape(&src.name);
        if let Some(q) = &loaded.questionnaire {
            let questions = q.questions().count();
            writeln!(
                io.out,
                "{name}: ok ({} {}, {questions} questions, {} flags, {warnings} warnings)",
                q.meta.id,
                q.meta.version,
                q.flags.len()
            )?;
        } else {
            writeln!(io.out, "{name}: {errors} errors, {warnings} warnings")?;
            if status == Status::Ok {
                status = Status::Findings;
            }
        }
    }
    Ok(status)
}

/// The clinic's `[wording]` checked against the questionnaire it runs (its `questionnaire`
/// setting, else the built-in one). A questionnaire that cannot be read is a warning here: the
/// settings file itself is not at fault.
fn wording_findings(config: &crate::config::Config) -> Vec<crate::diag::Diagnostic> {
    if config.wording.is_empty() {
        return Vec::new();
    }
    let src = match super::source(config.questionnaire.as_deref()) {
        Ok(s) => s,
        Err(e) => {
            return vec![crate::diag::Diagnostic::warning(format!(
                "[wording] not checked: {e}"
            ))];
        }
    };
    match load(&src, config.value_sets.as_deref()).questionnaire {
        Some(q) => config.check_wording(&q),
        None => vec![crate::diag::Diagnostic::warning(format!(
            "[wording] not checked: {} has errors",
            src.name
        ))],
    }
}

/// The closing line for a file with errors; the status becomes "findings".
/// Whether a file is an answers file (or a scenario's answers): a JSON object with `answers`
/// and no FHIR `resourceType`. Checked within the answers file's own limits, never called a
/// FHIR file.
fn looks_like_answers(text: &str) -> bool {
    text.trim_start().starts_with('{')
        && text.contains("\"answers\"")
        && !text.contains("\"resourceType\"")
}

/// Checks an answers file as `triage summary --answers` reads it (the same limits and
/// messages), and its answers against the built-in questionnaire when it is for that one (the
/// version it names by content hash, when embedded). Its lines are never shown: they hold
/// answers.
fn check_answers(io: &mut Io<'_>, src: &Source, status: &mut Status) -> Result<(), CliError> {
    let name = crate::text::escape(&src.name);
    let file = match crate::answers::parse_answers_file(&src.text) {
        Ok(f) => f,
        Err(diags) => {
            super::report_private(io, src, &diags)?;
            return failed(io, &name, &diags, status);
        }
    };
    let n = file.answers.len();
    let Some(current) = crate::questionnaire::load_toml(crate::questionnaire::DEFAULT_SOURCE)
        .questionnaire
        .filter(|q| {
            file.questionnaire
                .as_ref()
                .is_none_or(|id| *id == q.meta.id)
        })
    else {
        let id = crate::text::escape(file.questionnaire.as_deref().unwrap_or("?"));
        writeln!(
            io.out,
            "{name}: ok (answers file for {id}, {n} answers; its questionnaire is not built in: check them with `triage summary --answers FILE --questionnaire QUESTIONNAIRE`)"
        )?;
        return Ok(());
    };
    let earlier = file
        .content_hash
        .as_deref()
        .filter(|h| *h != current.content_hash)
        .and_then(|h| crate::questionnaire::versions::embedded(&current.meta.id, h));
    let q = earlier.as_ref().unwrap_or(&current);
    let visit = file.visit_date.unwrap_or_else(crate::clock::today);
    let mut session = crate::engine::Session::new(q, visit);
    let diags = crate::answers::fill_session(&mut session, &file.answers);
    super::report_private(io, src, &diags)?;
    if diags.iter().any(crate::diag::Diagnostic::is_error) {
        return failed(io, &name, &diags, status);
    }
    writeln!(
        io.out,
        "{name}: ok (answers file for {} {}, {n} answers, {} warnings)",
        q.meta.id,
        q.meta.version,
        diags.len()
    )?;
    Ok(())
}

fn failed(
    io: &mut Io<'_>,
    name: &str,
    diags: &[crate::diag::Diagnostic],
    status: &mut Status,
) -> Result<(), CliError> {
    let errors = diags.iter().filter(|d| d.is_error()).count();
    writeln!(
        io.out,
        "{name}: {errors} errors, {} warnings",
        diags.len() - errors
    )?;
    if *status == Status::Ok {
        *status = Status::Findings;
    }
    Ok(())
}
