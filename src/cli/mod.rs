//! The command implementations behind `main.rs`: each takes plain values and writers and returns
//! an exit status, so tests can call them and `main` stays a thin wiring layer. They never exit
//! the process themselves.

mod check;
mod clinic;
mod convert;
mod harness;
mod harness_device;
mod inbox;
mod pin;
mod records;
mod run;
mod submit;
mod summary;
mod test;

pub use check::check;
pub use clinic::{StoreInitArgs, SyncArgs, store_allow_decisions, store_init, sync};
pub use convert::convert;
pub use harness::autosave_harness;
pub use harness_device::{DeviceHarnessArgs, device_harness};
pub use inbox::{InboxArgs, inbox};
pub use pin::pin_set;
pub use records::{
    ListArgs, RecordsArgs, drafts_discard, drafts_list, records_delete, records_export,
    records_list, records_show,
};
pub use run::{RunArgs, clinic_config, run};
pub use submit::{SubmitArgs, submit};
pub use summary::{Format, SummaryArgs, summary};
pub use test::test;

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::diag::{self, Diagnostic};
use crate::questionnaire::{self, Loaded, Questionnaire};

/// Exit statuses shared by every command.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// Everything fine.
    Ok = 0,
    /// The input has problems (errors in a questionnaire, failing scenarios, bad answers).
    Findings = 1,
    /// Usage error or unreadable file.
    Usage = 2,
    /// `triage sync`: records (or audit events) remain undelivered in the outbox.
    Pending = 3,
    /// The walk-through was stopped before the end (answers so far are saved).
    Stopped = 130,
}

/// Where a command writes.
pub struct Io<'a> {
    pub out: &'a mut dyn Write,
    pub err: &'a mut dyn Write,
    /// Colour diagnostics (stderr is a terminal and NO_COLOR is unset).
    pub color: bool,
    /// The clinic's local value sets (`[fhir] value_sets`), used when a FHIR questionnaire is
    /// loaded (see [`clinic_value_sets`]).
    pub value_sets: Option<PathBuf>,
}

/// The clinic's local value-set folder: `[fhir] value_sets` in the clinic settings (`--config
/// FILE`, else `config.toml` in the data directory, when there is one). Settings that cannot
/// be read or have errors are not used, with a warning on `err` (`triage check FILE` names the
/// errors; `run` and `kiosk` refuse such settings).
pub fn clinic_value_sets(
    err: &mut dyn Write,
    explicit: Option<&Path>,
    data_dir: Option<&Path>,
) -> Option<PathBuf> {
    let path = if let Some(p) = explicit {
        p.to_owned()
    } else {
        let p = crate::store::data_dir(data_dir)
            .ok()?
            .join(crate::config::CONFIG_FILE);
        if !p.is_file() {
            return None;
        }
        p
    };
    let base = path.parent().map(Path::to_owned).unwrap_or_default();
    let settings = read(&path)
        .ok()
        .and_then(|text| crate::config::load_config(&text, &base).ok());
    if let Some((c, _)) = settings {
        c.value_sets
    } else {
        let _ = writeln!(
            err,
            "warning: {} cannot be used; local value sets are not read (run `triage check {}`)",
            crate::text::escape(&path.display().to_string()),
            crate::text::escape(&path.display().to_string())
        );
        None
    }
}

/// Errors that stop a command before it can do its work.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot write output: {0}")]
    Write(#[from] std::io::Error),
    #[error("{0}")]
    Usage(String),
    /// Diagnostics were already printed.
    #[error("{0}")]
    Reported(String),
    #[error("{0}")]
    Store(#[from] crate::store::StoreError),
    #[error("{0}")]
    Clinic(#[from] crate::clinic::ClinicError),
}

impl CliError {
    pub fn status(&self) -> Status {
        match self {
            CliError::Reported(_) => Status::Findings,
            _ => Status::Usage,
        }
    }
}

/// Opens the store in the data directory (`--data-dir`, `TRIAGE_DATA_DIR`, or the platform's).
pub fn open_store(data_dir: Option<&Path>) -> Result<crate::store::SqliteStore, CliError> {
    let dir = crate::store::data_dir(data_dir).map_err(|e| CliError::Usage(e.to_string()))?;
    Ok(crate::store::SqliteStore::open(&dir)?)
}

/// A questionnaire source: its display name and text.
pub struct Source {
    pub name: String,
    pub text: String,
}

/// Writes a session's summary to standard output: the doctor's page, the JSON contract, or a
/// FHIR QuestionnaireResponse (`authored` is when the answers were completed).
pub fn write_summary(
    io: &mut Io<'_>,
    session: &crate::engine::Session<'_>,
    ctx: &crate::summary::Context,
    format: Format,
    authored: &str,
) -> Result<(), CliError> {
    match format {
        Format::Text => write!(io.out, "{}", crate::summary::render_text(session, ctx))?,
        Format::Json => writeln!(io.out, "{}", json(&crate::summary::to_json(session, ctx))?)?,
        Format::Fhir => writeln!(
            io.out,
            "{}",
            json(&crate::fhir::questionnaire_response(session, authored))?
        )?,
    }
    Ok(())
}

/// JSON for standard output or a file: serialized by serde, unsafe characters as `\uXXXX`
/// escapes (valid JSON; nothing a terminal acts on), never post-processed as text.
pub fn json<T: serde::Serialize + ?Sized>(v: &T) -> Result<String, CliError> {
    crate::text::json_pretty(v).map_err(|e| CliError::Usage(e.to_string()))
}

/// Reads a file as UTF-8, with a plain message on failure. A file over
/// [`crate::limits::MAX_INPUT_BYTES`] is refused without reading more than that; each kind of
/// file has its own, smaller limit, checked by its loader with a place.
pub fn read(path: &Path) -> Result<String, CliError> {
    use std::io::Read;
    let failed = |source| CliError::Read {
        path: path.to_owned(),
        source,
    };
    let limit = crate::limits::MAX_INPUT_BYTES;
    let mut bytes = Vec::new();
    std::fs::File::open(path)
        .and_then(|f| f.take(limit as u64 + 1).read_to_end(&mut bytes))
        .map_err(failed)?;
    if bytes.len() > limit {
        return Err(failed(std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            format!(
                "the file is larger than {}, more than triage reads from any file",
                crate::limits::size(limit)
            ),
        )));
    }
    String::from_utf8(bytes).map_err(|_| CliError::Read {
        path: path.to_owned(),
        source: std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            "the file is not UTF-8 text",
        ),
    })
}

/// The questionnaire named on the command line, or the built-in default.
pub fn source(path: Option<&Path>) -> Result<Source, CliError> {
    match path {
        Some(p) => Ok(Source {
            name: p.display().to_string(),
            text: read(p)?,
        }),
        None => Ok(Source {
            name: questionnaire::DEFAULT_NAME.to_owned(),
            text: questionnaire::DEFAULT_SOURCE.to_owned(),
        }),
    }
}

/// Whether a source is FHIR JSON (a `.json` file, or text starting with `{`) rather than TOML.
// The name is matched as written (`.JSON` is read by its content, as it always was).
#[allow(clippy::case_sensitive_file_extension_comparisons)]
pub fn is_fhir(src: &Source) -> bool {
    src.name.ends_with(".json") || src.text.trim_start().starts_with('{')
}

/// Loads a questionnaire from its source, in whichever format it is written: FHIR JSON or the
/// native TOML (see [`is_fhir`]).
pub fn load(src: &Source, value_sets: Option<&Path>) -> Loaded {
    if is_fhir(src) {
        crate::fhir::load_fhir_with(&src.text, value_sets).sanitized(Some("$"))
    } else {
        questionnaire::load_toml(&src.text)
    }
}

/// Prints diagnostics for a file whose lines must not be shown: an answers file (its lines hold
/// other answers) or the clinic settings (their lines may hold a password): places and
/// messages only (see [`diag::render_private`]).
pub fn report_private(io: &mut Io<'_>, src: &Source, diags: &[Diagnostic]) -> Result<(), CliError> {
    if !diags.is_empty() {
        write!(
            io.err,
            "{}",
            diag::render_private(&src.name, &src.text, diags)
        )?;
    }
    Ok(())
}

/// Prints diagnostics for one file to the error stream.
pub fn report(io: &mut Io<'_>, src: &Source, diags: &[Diagnostic]) -> Result<(), CliError> {
    if !diags.is_empty() {
        write!(
            io.err,
            "{}",
            diag::render(&src.name, &src.text, diags, io.color)
        )?;
    }
    Ok(())
}

/// The questionnaire a command works with (`None`: the built-in one), with its source. Its
/// findings are printed; one with errors is a usage error, since the command cannot start.
pub fn load_questionnaire(
    io: &mut Io<'_>,
    path: Option<&Path>,
) -> Result<(Questionnaire, Source), CliError> {
    let src = source(path)?;
    let q = load_checked(io, &src).map_err(|e| match e {
        CliError::Reported(m) => CliError::Usage(m),
        other => other,
    })?;
    Ok((q, src))
}

/// Reads an answers file; `None` when it has errors (already printed).
pub fn read_answers(
    io: &mut Io<'_>,
    path: &Path,
) -> Result<Option<(Source, crate::answers::AnswersFile)>, CliError> {
    let src = Source {
        name: path.display().to_string(),
        text: read(path)?,
    };
    match crate::answers::parse_answers_file(&src.text) {
        Ok(f) => Ok(Some((src, f))),
        Err(d) => {
            report_private(io, &src, &d)?;
            Ok(None)
        }
    }
}

/// Puts an answers file's latched flags (`latched`) back into its session.
pub fn restore_latched(
    session: &mut crate::engine::Session<'_>,
    src: &Source,
    file: &crate::answers::AnswersFile,
) -> Result<(), CliError> {
    let latched = crate::records::latches_from_stored(session.questionnaire(), &file.latched)
        .map_err(|e| {
            CliError::Usage(format!(
                "{}: `latched`: {}",
                src.name,
                crate::text::escape(&e)
            ))
        })?;
    session.restore_latches(latched);
    Ok(())
}

/// Loads a questionnaire and prints its findings; fails if it has errors.
pub fn load_checked(io: &mut Io<'_>, src: &Source) -> Result<Questionnaire, CliError> {
    let loaded = load(src, io.value_sets.as_deref());
    report(io, src, &loaded.diagnostics)?;
    loaded.questionnaire.ok_or_else(|| {
        CliError::Reported(format!(
            "{} has errors; run `triage check {}` for details",
            src.name, src.name
        ))
    })
}
