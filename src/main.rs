//! The `triage` binary: parses the command line, picks the subcommand, and maps results to exit
//! codes. All logic lives in the library; this is the only place that exits the process.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};
use jiff::civil::Date;
use triage::cli::{self, CliError, Format, Io, Status, SubmitArgs, SummaryArgs};

/// Every heap block is zeroed as it is freed (RELIABILITY.md: after an idle wipe nothing of the
/// patient stays in memory). Text being typed is rebuilt on every key (tui-input) and pastes,
/// screens and answers pass through many short-lived strings: zeroing on free catches every
/// copy, not only the last buffer.
#[global_allocator]
static ALLOC: zeroizing_alloc::ZeroAlloc<std::alloc::System> =
    zeroizing_alloc::ZeroAlloc(std::alloc::System);

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
    /// Clinic settings (default: config.toml in the data directory).
    #[arg(long, global = true, value_name = "FILE")]
    config: Option<PathBuf>,
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
        /// Questionnaire file: native (.toml) or FHIR Questionnaire (.json).
        file: Option<PathBuf>,
        /// Format of the summary written to standard output at the end.
        #[arg(long, value_enum, default_value_t = FormatArg::Text)]
        format: FormatArg,
        /// Reception intake: asks first whether staff read the questions to the patient
        /// ("who is filling in" preset to staff, compact screens, Tab between questions) or type
        /// in a paper form; F5 jumps to a section; no idle wipe.
        #[arg(long)]
        staff: bool,
        /// Reception typing in a patient's paper form (implies --staff, without its question):
        /// one form screen per section, option numbers typed directly, recorded as transcribed
        /// from paper.
        #[arg(long)]
        from_paper: bool,
        /// Staff: continue this unfinished form (see `triage records drafts`); asks for the
        /// staff PIN when one is set.
        #[arg(long, value_name = "ID")]
        draft: Option<i64>,
    },
    /// Patient after patient on a shared kiosk, locked down (staff PIN to leave).
    Kiosk {
        /// Questionnaire file (default: the config's, else the shipped one).
        file: Option<PathBuf>,
        /// Seconds without input before "Are you still there?" (default 60).
        #[arg(long, value_name = "SECONDS")]
        idle_warning: Option<f64>,
        /// Seconds without input before the session is wiped (default 90).
        #[arg(long, value_name = "SECONDS")]
        idle_reset: Option<f64>,
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
    /// Write a questionnaire in another format (a FHIR R4 Questionnaire).
    Convert {
        /// Questionnaire file (.toml; default: the shipped one).
        file: Option<PathBuf>,
        /// The format to write.
        #[arg(long, value_enum)]
        to: ConvertTo,
        /// Write to this file instead of standard output.
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
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
    /// Store a completed record from an answers file (a paper form typed in later) and print its id.
    Submit {
        /// Answers file (JSON).
        #[arg(long, value_name = "FILE")]
        answers: PathBuf,
        /// Questionnaire file (default: the shipped one).
        #[arg(long, value_name = "FILE")]
        questionnaire: Option<PathBuf>,
    },
    /// List, show, export or delete stored records.
    Records {
        #[command(subcommand)]
        action: RecordsCommand,
    },
    /// Send this machine's outbox to the clinic store now: exit 0 when nothing waits, 3 when
    /// records remain.
    Sync {
        /// Keep retrying for up to this many seconds while records remain.
        #[arg(long, value_name = "SECONDS")]
        wait: Option<f64>,
        /// Send again every record this machine still holds (after the clinic store was restored
        /// from a backup); those it already has count once.
        #[arg(long)]
        resend: bool,
    },
    /// Set up the shared clinic store (PostgreSQL).
    Store {
        #[command(subcommand)]
        action: StoreCommand,
    },
    /// The doctor's desk: today's intakes, red flags first; open one, record a decision.
    Inbox {
        /// Show this visit date instead of today.
        #[arg(long, value_name = "YYYY-MM-DD", value_parser = parse_date, conflicts_with = "all")]
        date: Option<Date>,
        /// Show every day's intakes.
        #[arg(long)]
        all: bool,
        /// This machine's records, even when a clinic store is configured.
        #[arg(long)]
        local: bool,
        /// The questionnaire whose answers fill the age and areas columns (default: the
        /// clinic settings', else the shipped one).
        #[arg(long, value_name = "FILE")]
        questionnaire: Option<PathBuf>,
    },
    /// Set the staff PIN used to leave or manage the kiosk, or a prescriber's PIN for the inbox.
    Pin {
        #[command(subcommand)]
        action: PinCommand,
    },
    /// Test harness for crash tests: commit answers to a draft one by one.
    #[command(hide = true)]
    HarnessAutosave {
        #[arg(long, value_name = "FILE")]
        answers: PathBuf,
        #[arg(long, default_value_t = 1)]
        rounds: usize,
    },
    /// Test harness for the clinic store fault test: complete records with delivery running.
    #[command(hide = true)]
    HarnessDevice {
        #[arg(long, value_name = "FILE")]
        answers: PathBuf,
        #[arg(long)]
        records: usize,
        #[arg(long, default_value_t = 20)]
        pace_ms: u64,
        #[arg(long, default_value_t = 300)]
        deadline: u64,
    },
}

#[derive(Subcommand)]
enum StoreCommand {
    /// Create or migrate the clinic store's schema and its roles (triage_owner, triage_device,
    /// triage_reader, triage_prescriber).
    Init {
        /// The administrator's URL, without a password: postgresql://admin@db.clinic.lan/triage
        #[arg(long, value_name = "URL")]
        url: String,
        /// A file holding only the administrator's password (mode 0600); else PGPASSFILE.
        #[arg(long, value_name = "FILE")]
        password_file: Option<PathBuf>,
        /// The clinic's CA certificate (PEM), checked against the server (sslmode=verify-full).
        #[arg(long, value_name = "FILE")]
        ca_file: Option<PathBuf>,
    },
    /// Let a doctor's desk login (in triage_reader) sign the inbox's decisions as these
    /// prescribers of the clinic settings (--config), with their name and registration; run by
    /// the administrator. Without this, the clinic store refuses decisions from that login.
    AllowDecisions {
        /// The administrator's URL, without a password: postgresql://admin@db.clinic.lan/triage
        #[arg(long, value_name = "URL")]
        url: String,
        /// A file holding only the administrator's password (mode 0600); else PGPASSFILE.
        #[arg(long, value_name = "FILE")]
        password_file: Option<PathBuf>,
        /// The clinic's CA certificate (PEM), checked against the server (sslmode=verify-full).
        #[arg(long, value_name = "FILE")]
        ca_file: Option<PathBuf>,
        /// The doctor's desk login (a member of triage_reader) that may sign.
        #[arg(long, value_name = "LOGIN")]
        login: String,
        /// A prescriber id from the clinic settings' [[prescriber]] list (repeat for several).
        #[arg(long = "prescriber", value_name = "ID", required = true)]
        prescribers: Vec<String>,
        /// Take these bindings away instead (the login keeps reading).
        #[arg(long)]
        revoke: bool,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum ConvertTo {
    /// A FHIR R4 Questionnaire (JSON).
    Fhir,
}

#[derive(Subcommand)]
enum PinCommand {
    /// Store a new staff PIN (asked twice, masked; or two lines on standard input).
    Set {
        /// Set the recovery PIN instead (8 to 64 characters): it lifts a lockout after too
        /// many wrong staff PINs. Keep it apart from the staff PIN.
        #[arg(long, conflicts_with = "prescriber")]
        recovery: bool,
        /// A prescriber's own PIN for `triage inbox` (their id in the clinic settings).
        #[arg(long, value_name = "ID")]
        prescriber: Option<String>,
    },
}

#[derive(Subcommand)]
enum RecordsCommand {
    /// One line per record: id, time, name, outcome, flag counts (and site and device, from
    /// the clinic store when one is configured and readable).
    List {
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
        /// This machine's records, even when the clinic store is readable.
        #[arg(long)]
        local: bool,
        /// Clinic store: records per page, newest first.
        #[arg(long, default_value_t = 50)]
        limit: i64,
        /// Clinic store: which page (from 1).
        #[arg(long, default_value_t = 1)]
        page: i64,
        /// Clinic store: only records from this site.
        #[arg(long)]
        site: Option<String>,
    },
    /// Print a record's summary.
    Show {
        /// The record's id (or, in the clinic store, its UUID).
        id: String,
        /// This machine's record, even when the clinic store is readable.
        #[arg(long)]
        local: bool,
        #[arg(long, value_enum, default_value_t = FormatArg::Text)]
        format: FormatArg,
        /// The questionnaire the record was made with (for --format fhir; default: the shipped one).
        #[arg(long, value_name = "FILE")]
        questionnaire: Option<PathBuf>,
    },
    /// Write one JSON file per record into DIR (atomic writes).
    Export {
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
        /// Also write each record as a FHIR QuestionnaireResponse (record-N.fhir.json).
        #[arg(long)]
        fhir: bool,
        /// The questionnaire the records were made with (for --fhir; default: the shipped one).
        #[arg(long, value_name = "FILE", requires = "fhir")]
        questionnaire: Option<PathBuf>,
        /// This machine's records, even when the clinic store is readable.
        #[arg(long)]
        local: bool,
    },
    /// Unfinished forms (interrupted or abandoned) for staff: id, state, times, how far they
    /// got and whose they are; `--discard ID --yes` throws one away (audited).
    Drafts {
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
        /// Discard this unfinished form (needs --yes).
        #[arg(long, value_name = "ID")]
        discard: Option<i64>,
        /// Confirm the discard.
        #[arg(long, requires = "discard")]
        yes: bool,
        /// The questionnaire the forms were made with, to show names (default: the shipped one).
        #[arg(long, value_name = "FILE")]
        questionnaire: Option<PathBuf>,
    },
    /// Delete a record (retention). Needs --yes.
    Delete {
        id: i64,
        /// Confirm the deletion.
        #[arg(long)]
        yes: bool,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum FormatArg {
    Text,
    Json,
    /// A FHIR R4 QuestionnaireResponse.
    Fhir,
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
    let value_sets =
        cli::clinic_value_sets(&mut err, args.config.as_deref(), args.data_dir.as_deref());
    let mut io = Io {
        out: &mut out,
        err: &mut err,
        color,
        value_sets,
    };
    let today = triage::clock::today();
    let now = jiff::Timestamp::now();
    let data_dir = args.data_dir.as_deref();
    let fmt = |f: FormatArg| match f {
        FormatArg::Text => Format::Text,
        FormatArg::Json => Format::Json,
        FormatArg::Fhir => Format::Fhir,
    };
    let result = match args.command.unwrap_or(Command::Run {
        file: None,
        format: FormatArg::Text,
        staff: false,
        from_paper: false,
        draft: None,
    }) {
        Command::Check { files } => cli::check(&mut io, &files),
        Command::Convert {
            file,
            to: ConvertTo::Fhir,
            out,
        } => cli::convert(&mut io, file.as_deref(), out.as_deref()),
        Command::Test {
            questionnaire,
            scenarios,
        } => cli::test(&mut io, &questionnaire, &scenarios),
        Command::Summary {
            answers,
            questionnaire,
            format,
        } => {
            let a = SummaryArgs {
                answers: &answers,
                questionnaire: questionnaire.as_deref(),
                format: fmt(format),
                visit_date: args.visit_date,
                today,
                clinic: None,
            };
            cli::summary(&mut io, &a)
        }
        Command::Submit {
            answers,
            questionnaire,
        } => {
            let a = SubmitArgs {
                answers: &answers,
                questionnaire: questionnaire.as_deref(),
                visit_date: args.visit_date,
                today,
                now,
                data_dir,
                config: args.config.as_deref(),
                clinic: None,
            };
            cli::submit(&mut io, &a)
        }
        Command::Records { action } => {
            let ra = |local: bool| cli::RecordsArgs {
                data_dir,
                config: args.config.as_deref(),
                local,
            };
            match action {
                RecordsCommand::List {
                    json,
                    local,
                    limit,
                    page,
                    site,
                } => cli::records_list(
                    &mut io,
                    &ra(local),
                    &cli::ListArgs {
                        json,
                        limit,
                        page,
                        site: site.as_deref(),
                    },
                ),
                RecordsCommand::Show {
                    id,
                    local,
                    format,
                    questionnaire,
                } => cli::records_show(
                    &mut io,
                    &ra(local),
                    &id,
                    fmt(format),
                    questionnaire.as_deref(),
                    now,
                ),
                RecordsCommand::Export {
                    out,
                    fhir,
                    questionnaire,
                    local,
                } => cli::records_export(
                    &mut io,
                    &ra(local),
                    &out,
                    fhir,
                    questionnaire.as_deref(),
                    now,
                ),
                RecordsCommand::Drafts {
                    json,
                    discard,
                    yes,
                    questionnaire,
                } => match discard {
                    Some(id) => cli::drafts_discard(&mut io, data_dir, id, yes, now),
                    None => cli::drafts_list(&mut io, data_dir, json, questionnaire.as_deref()),
                },
                RecordsCommand::Delete { id, yes } => {
                    cli::records_delete(&mut io, &ra(true), id, yes, now)
                }
            }
        }
        Command::Sync { wait, resend } => cli::sync(
            &mut io,
            &cli::SyncArgs {
                data_dir,
                config: args.config.as_deref(),
                wait,
                resend,
            },
        ),
        Command::Store {
            action:
                StoreCommand::Init {
                    url,
                    password_file,
                    ca_file,
                },
        } => cli::store_init(
            &mut io,
            &cli::StoreInitArgs {
                url: &url,
                password_file: password_file.as_deref(),
                ca_file: ca_file.as_deref(),
            },
        ),
        Command::Store {
            action:
                StoreCommand::AllowDecisions {
                    url,
                    password_file,
                    ca_file,
                    login,
                    prescribers,
                    revoke,
                },
        } => cli::store_allow_decisions(
            &mut io,
            &cli::StoreInitArgs {
                url: &url,
                password_file: password_file.as_deref(),
                ca_file: ca_file.as_deref(),
            },
            (data_dir, args.config.as_deref()),
            &login,
            &prescribers,
            revoke,
        ),
        Command::HarnessDevice {
            answers,
            records,
            pace_ms,
            deadline,
        } => cli::device_harness(
            &mut io,
            &cli::DeviceHarnessArgs {
                data_dir,
                config: args.config.as_deref(),
                answers: &answers,
                records,
                pace: std::time::Duration::from_millis(pace_ms),
                deadline: std::time::Duration::from_secs(deadline),
            },
        ),
        Command::Pin {
            action:
                PinCommand::Set {
                    recovery,
                    prescriber,
                },
        } => cli::pin_set(
            &mut io,
            data_dir,
            args.config.as_deref(),
            recovery,
            prescriber.as_deref(),
        ),
        Command::Inbox {
            date,
            all,
            local,
            questionnaire,
        } => cli::inbox(
            &mut io,
            &cli::InboxArgs {
                data_dir,
                config: args.config.as_deref(),
                local,
                date,
                all,
                today: args.visit_date.unwrap_or(today),
                questionnaire: questionnaire.as_deref(),
            },
        ),
        Command::HarnessAutosave { answers, rounds } => {
            cli::autosave_harness(&mut io, data_dir, &answers, rounds)
        }
        Command::Run {
            file,
            format,
            staff,
            from_paper,
            draft,
        } => {
            let mode = if from_paper {
                triage::tui::Mode::Paper
            } else if staff {
                triage::tui::Mode::Staff
            } else {
                triage::tui::Mode::Run
            };
            let a = cli::RunArgs {
                file: file.as_deref(),
                format: fmt(format),
                data_dir,
                config: args.config.as_deref(),
                visit_date: args.visit_date.unwrap_or(today),
                visit_date_given: args.visit_date.is_some(),
                mode,
                idle_warning: None,
                idle_reset: None,
                page_to_stdout: !std::io::stdout().is_terminal(),
                draft,
            };
            cli::run(&mut io, &a)
        }
        Command::Kiosk {
            file,
            idle_warning,
            idle_reset,
        } => {
            let a = cli::RunArgs {
                file: file.as_deref(),
                format: Format::Text,
                data_dir,
                config: args.config.as_deref(),
                visit_date: args.visit_date.unwrap_or(today),
                visit_date_given: args.visit_date.is_some(),
                mode: triage::tui::Mode::Kiosk,
                idle_warning,
                idle_reset,
                page_to_stdout: false,
                draft: None,
            };
            cli::run(&mut io, &a)
        }
    };
    let status: Status = match result {
        Ok(s) => s,
        Err(e) => {
            let _ = writeln_err(&mut io, &e);
            e.status()
        }
    };
    ExitCode::from(status as u8)
}

fn writeln_err(io: &mut Io<'_>, e: &CliError) -> std::io::Result<()> {
    // A reader that stopped early (`triage ... | head`) is not an error worth a message.
    if let CliError::Write(w) = e
        && w.kind() == std::io::ErrorKind::BrokenPipe
    {
        return Ok(());
    }
    writeln!(io.err, "error: {}", triage::text::escape(&e.to_string()))
}
