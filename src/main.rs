//! The `triage` binary: parses the command line, picks the subcommand, and maps results to exit
//! codes. All logic lives in the library; this is the only place that exits the process.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};
use jiff::civil::Date;
use triage::cli::{self, CliError, Format, Io, Status, SummaryArgs};

#[derive(Parser)]
#[command(
    name = "triage",
    version,
    about = "A clinic intake questionnaire for the terminal, with a one-page summary for the doctor."
)]
struct Args {
    /// Data directory (default: the platform data directory).
    #[arg(long, global = true, env = "TRIAGE_DATA_DIR", value_name = "DIR")]
    data_dir: Option<PathBuf>,
    /// Fix "today" (YYYY-MM-DD): for tests and for typing in paper forms later.
    #[arg(long, global = true, value_name = "YYYY-MM-DD", value_parser = parse_date)]
    visit_date: Option<Date>,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Walk a patient through the questionnaire (the shipped one by default).
    Run {
        /// Questionnaire file (.toml).
        file: Option<PathBuf>,
    },
    /// Check questionnaire files: exit 0 clean, 1 errors found, 2 unreadable.
    Check {
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// Run scenario files against a questionnaire.
    Test {
        questionnaire: PathBuf,
        #[arg(required = true)]
        scenarios: Vec<PathBuf>,
    },
    /// Print the doctor's summary for an answers file.
    Summary {
        /// Answers file (JSON).
        #[arg(long, value_name = "FILE")]
        answers: PathBuf,
        /// Questionnaire file (default: the shipped one).
        #[arg(long, value_name = "FILE")]
        questionnaire: Option<PathBuf>,
        #[arg(long, value_enum, default_value_t = FormatArg::Text)]
        format: FormatArg,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum FormatArg {
    Text,
    Json,
}

fn parse_date(s: &str) -> Result<Date, String> {
    triage::answer::PartialDate::parse_iso(s)
        .filter(|d| !d.month_only)
        .map(|d| d.date)
        .ok_or_else(|| format!("`{s}` is not a date; use YYYY-MM-DD"))
}

fn main() -> ExitCode {
    let args = Args::parse();
    let stdout = std::io::stdout();
    let stderr = std::io::stderr();
    let color = stderr.is_terminal() && std::env::var_os("NO_COLOR").is_none();
    let (mut out, mut err) = (stdout.lock(), stderr.lock());
    let mut io = Io {
        out: &mut out,
        err: &mut err,
        color,
    };
    let today = jiff::ZonedDateTime::now().date();
    let result = match args.command.unwrap_or(Command::Run { file: None }) {
        Command::Check { files } => cli::check(&mut io, &files),
        Command::Test {
            questionnaire,
            scenarios,
        } => cli::test(&mut io, &questionnaire, &scenarios),
        Command::Summary {
            answers,
            questionnaire,
            format,
        } => {
            let format = match format {
                FormatArg::Text => Format::Text,
                FormatArg::Json => Format::Json,
            };
            let a = SummaryArgs {
                answers: &answers,
                questionnaire: questionnaire.as_deref(),
                format,
                visit_date: args.visit_date,
                today,
                clinic: None,
            };
            cli::summary(&mut io, &a)
        }
        Command::Run { .. } => Err(CliError::Usage(
            "the interactive questionnaire is not built yet; use `triage summary --answers FILE`"
                .into(),
        )),
    };
    let status = match result {
        Ok(s) => s,
        Err(e) => {
            let _ = writeln_err(&mut io, &e);
            e.status()
        }
    };
    ExitCode::from(status as u8)
}

fn writeln_err(io: &mut Io<'_>, e: &CliError) -> std::io::Result<()> {
    if !matches!(e, CliError::Reported(_)) || !e.to_string().is_empty() {
        writeln!(io.err, "error: {}", triage::text::escape(&e.to_string()))?;
    }
    let _ = Status::Ok;
    Ok(())
}
