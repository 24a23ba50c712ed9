//! Clinic settings in one TOML file (`--config`, default `config.toml` in the data directory):
//! clinic name, default questionnaire, kiosk timeouts and PIN policy, where summaries go (print
//! command, spool folder), the staff alert command, the shared clinic store (`[clinic_store]`,
//! checked in `crate::clinic::settings`), and the doctor's inbox with its prescribers (`[inbox]`,
//! `[[prescriber]]`, checked in `crate::inbox::settings`). Commands are argument lists, never a
//! shell line. `triage check` checks this file with the same file:line:col messages.

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;
use serde_spanned::Spanned;

use crate::diag::Diagnostic;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    clinic_name: Option<String>,
    questionnaire: Option<Spanned<String>>,
    kiosk: Option<RawKiosk>,
    output: Option<RawOutput>,
    alert: Option<RawAlert>,
    wording: Option<std::collections::BTreeMap<String, Spanned<String>>>,
    clinic_store: Option<Spanned<crate::clinic::RawClinicStore>>,
    inbox: Option<crate::inbox::settings::RawInbox>,
    prescriber: Option<Vec<Spanned<crate::inbox::settings::RawPrescriber>>>,
    fhir: Option<RawFhir>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFhir {
    value_sets: Option<Spanned<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawKiosk {
    idle_warning: Option<Spanned<f64>>,
    idle_reset: Option<Spanned<f64>>,
    thanks_seconds: Option<Spanned<f64>>,
    pin_attempts: Option<Spanned<i64>>,
    pin_lockout: Option<Spanned<f64>>,
    pin_delay: Option<Spanned<f64>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawOutput {
    print_command: Option<Spanned<Vec<String>>>,
    spool_dir: Option<Spanned<String>>,
    format: Option<Spanned<String>>,
    fhir_spool_dir: Option<Spanned<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAlert {
    command: Option<Spanned<Vec<String>>>,
}

/// Where and how a finished summary leaves the kiosk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SummaryFormat {
    Text,
    Json,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    pub clinic_name: Option<String>,
    pub questionnaire: Option<PathBuf>,
    /// After this long without input, "Are you still there?".
    pub idle_warning: Duration,
    /// After this long without input, the session is wiped.
    pub idle_reset: Duration,
    /// How long the thank-you screen stays before the welcome screen returns.
    pub thanks: Duration,
    /// Wrong PINs allowed before the lockout.
    pub pin_attempts: u32,
    pub pin_lockout: Duration,
    /// The delay after the first wrong PIN; it doubles with each further one.
    pub pin_delay: Duration,
    /// Run with the summary on its standard input (e.g. `["lp", "-d", "frontdesk"]`).
    pub print_command: Option<Vec<String>>,
    /// A folder where each summary is written atomically.
    pub spool_dir: Option<PathBuf>,
    pub format: SummaryFormat,
    /// A folder where each completed intake is written atomically as a FHIR
    /// QuestionnaireResponse, for the clinic's record system to collect.
    pub fhir_spool_dir: Option<PathBuf>,
    /// Run (without patient data) when a safety pause needs staff.
    pub alert_command: Option<Vec<String>>,
    /// The shared clinic store this machine delivers to (`[clinic_store]`), if any.
    pub clinic_store: Option<crate::clinic::ClinicSettings>,
    /// The doctor's inbox (`[inbox]`).
    pub inbox: crate::inbox::settings::InboxSettings,
    /// Who may sign decisions in the inbox (`[[prescriber]]`).
    pub prescribers: Vec<crate::inbox::Prescriber>,
    /// The clinic's own wording for texts the questionnaire lets it replace (`[wording]`),
    /// such as who assesses and who injects; in name order.
    pub wording: Vec<ClinicWording>,
    /// A folder of FHIR ValueSet (and CodeSystem) files, or an unpacked FHIR package: the
    /// expansions of value sets FHIR questionnaires bind to but do not contain.
    pub value_sets: Option<PathBuf>,
}

/// One `[wording]` entry of the clinic's settings.
#[derive(Debug, Clone, PartialEq)]
pub struct ClinicWording {
    pub name: String,
    pub text: String,
    /// Where the text is in the settings file (for `triage check`).
    pub span: std::ops::Range<usize>,
}

impl Config {
    /// The clinic's wording as (name, text) pairs, for [`Questionnaire::apply_wording`].
    ///
    /// [`Questionnaire::apply_wording`]: crate::questionnaire::Questionnaire::apply_wording
    pub fn wording_pairs(&self) -> Vec<(&str, &str)> {
        self.wording
            .iter()
            .map(|w| (w.name.as_str(), w.text.as_str()))
            .collect()
    }

    /// Checks the `[wording]` entries against the questionnaire the clinic runs: each must be
    /// a wording it declares, not empty and not too long. Diagnostics point into the settings.
    pub fn check_wording(&self, q: &crate::questionnaire::Questionnaire) -> Vec<Diagnostic> {
        self.wording
            .iter()
            .filter_map(|w| {
                let e = q.check_wording(&w.name, &w.text).err()?;
                let d = Diagnostic::error(format!("[wording] {e}")).at(w.span.clone(), "here");
                let names: Vec<&str> = q.meta.wording.iter().map(|w| w.name.as_str()).collect();
                Some(match e {
                    crate::questionnaire::WordingError::Unknown { .. } if names.is_empty() => d
                        .help(format!(
                            "`{}` lets a clinic replace no wording; remove [wording]",
                            q.meta.id
                        )),
                    crate::questionnaire::WordingError::Unknown { .. } => d.help(format!(
                        "`{}` lets a clinic replace: {}",
                        q.meta.id,
                        names.join(", ")
                    )),
                    _ => d,
                })
            })
            .collect()
    }
}

impl Default for Config {
    fn default() -> Self {
        Config {
            clinic_name: None,
            questionnaire: None,
            idle_warning: Duration::from_mins(1),
            idle_reset: Duration::from_secs(90),
            thanks: Duration::from_secs(15),
            pin_attempts: 5,
            pin_lockout: Duration::from_mins(10),
            pin_delay: Duration::from_secs(1),
            print_command: None,
            spool_dir: None,
            format: SummaryFormat::Text,
            fhir_spool_dir: None,
            alert_command: None,
            wording: Vec::new(),
            clinic_store: None,
            inbox: crate::inbox::settings::InboxSettings::default(),
            prescribers: Vec::new(),
            value_sets: None,
        }
    }
}

/// The file name of the default config in the data directory.
pub const CONFIG_FILE: &str = "config.toml";

/// Whether a TOML text is a clinic config rather than a questionnaire (which has a
/// `[questionnaire]` table, or `questionnaire = { ... }`). Decided from the lines, without
/// parsing: the file is parsed once, by its own loader and within its limits.
pub fn looks_like_config(src: &str) -> bool {
    !src.lines().any(|line| {
        let line = line.trim_start();
        let header = line
            .strip_prefix('[')
            .filter(|rest| !rest.starts_with('['))
            .and_then(|rest| rest.split_once(']'))
            .is_some_and(|(name, _)| name.trim() == "questionnaire");
        let inline = line
            .strip_prefix("questionnaire")
            .map(str::trim_start)
            .and_then(|rest| rest.strip_prefix('='))
            .is_some_and(|rest| rest.trim_start().starts_with('{'));
        header || inline
    })
}

/// Parses and checks a config. Relative paths are taken from `base` (the file's folder).
pub fn load_config(src: &str, base: &Path) -> Result<(Config, Vec<Diagnostic>), Vec<Diagnostic>> {
    let raw: RawConfig = crate::questionnaire::parse_limited(src, &crate::limits::CONFIG, |e| {
        crate::questionnaire::toml_diagnostic(e, src)
    })?;
    let mut c = Config::default();
    let mut errors = Vec::new();
    let mut warnings = Vec::new();
    let seconds = |v: &Option<Spanned<f64>>,
                   name: &str,
                   errors: &mut Vec<Diagnostic>,
                   default: Duration| match v {
        Some(s)
            if !(s.get_ref().is_finite() && *s.get_ref() >= 0.0 && *s.get_ref() <= 86_400.0) =>
        {
            errors.push(
                Diagnostic::error(format!(
                    "`{name}` must be a number of seconds from 0 to 86400"
                ))
                .at(s.span(), "out of range"),
            );
            default
        }
        Some(s) => Duration::from_secs_f64(*s.get_ref()),
        None => default,
    };
    c.clinic_name = raw.clinic_name.map(|n| crate::text::clean_line(&n));
    c.questionnaire = raw.questionnaire.map(|q| base.join(q.get_ref()));
    if let Some(k) = &raw.kiosk {
        c.idle_warning = seconds(&k.idle_warning, "idle_warning", &mut errors, c.idle_warning);
        c.idle_reset = seconds(&k.idle_reset, "idle_reset", &mut errors, c.idle_reset);
        c.thanks = seconds(&k.thanks_seconds, "thanks_seconds", &mut errors, c.thanks);
        c.pin_lockout = seconds(&k.pin_lockout, "pin_lockout", &mut errors, c.pin_lockout);
        c.pin_delay = seconds(&k.pin_delay, "pin_delay", &mut errors, c.pin_delay);
        if let Some(a) = &k.pin_attempts {
            match u32::try_from(*a.get_ref()) {
                Ok(n) if (1..=20).contains(&n) => c.pin_attempts = n,
                _ => errors.push(
                    Diagnostic::error("`pin_attempts` must be from 1 to 20")
                        .at(a.span(), "out of range"),
                ),
            }
        }
        if let Some(r) = &k.idle_reset
            && c.idle_reset <= c.idle_warning
        {
            errors.push(
                Diagnostic::error("`idle_reset` must be longer than `idle_warning`")
                    .at(r.span(), "the warning would never show")
                    .help("for example idle_warning = 60 and idle_reset = 90"),
            );
        }
    }
    let command = |v: &Option<Spanned<Vec<String>>>,
                   name: &str,
                   errors: &mut Vec<Diagnostic>,
                   warnings: &mut Vec<Diagnostic>|
     -> Option<Vec<String>> {
        let v = v.as_ref()?;
        let args = v.get_ref();
        match args.first() {
            None => {
                errors.push(Diagnostic::error(format!("`{name}` is empty")).at(v.span(), "no program").help("write the program and its arguments, like [\"lp\", \"-d\", \"frontdesk\"]"));
                None
            }
            Some(program) => {
                if !program_exists(program) {
                    warnings.push(Diagnostic::warning(format!("`{name}`: the program `{program}` was not found")).at(v.span(), "not on PATH").help("give the full path, or install it; the kiosk reports a failure to staff when it cannot run"));
                }
                Some(args.clone())
            }
        }
    };
    if let Some(o) = &raw.output {
        c.print_command = command(
            &o.print_command,
            "print_command",
            &mut errors,
            &mut warnings,
        );
        c.spool_dir = o.spool_dir.as_ref().map(|d| base.join(d.get_ref()));
        c.fhir_spool_dir = o.fhir_spool_dir.as_ref().map(|d| base.join(d.get_ref()));
        if let Some(f) = &o.format {
            match f.get_ref().as_str() {
                "text" => c.format = SummaryFormat::Text,
                "json" => c.format = SummaryFormat::Json,
                other => errors.push(
                    Diagnostic::error(format!("unknown format `{other}`"))
                        .at(f.span(), "expected text or json"),
                ),
            }
        }
    }
    if let Some(a) = &raw.alert {
        c.alert_command = command(&a.command, "command", &mut errors, &mut warnings);
    }
    if let Some(cs) = &raw.clinic_store {
        c.clinic_store = crate::clinic::settings::check(cs, base, &mut errors, &mut warnings);
    }
    (c.inbox, c.prescribers) = crate::inbox::settings::check(
        raw.inbox.as_ref(),
        raw.prescriber.as_deref().unwrap_or_default(),
        &mut errors,
    );
    for (name, text) in raw.wording.iter().flatten() {
        c.wording.push(ClinicWording {
            name: name.clone(),
            text: text.get_ref().clone(),
            span: text.span(),
        });
    }
    if let Some(v) = raw.fhir.as_ref().and_then(|f| f.value_sets.as_ref()) {
        let dir = base.join(v.get_ref());
        check_value_sets(&dir, v.span(), &mut errors, &mut warnings);
        c.value_sets = Some(dir);
    }
    if errors.is_empty() {
        Ok((c, warnings))
    } else {
        errors.extend(warnings);
        Err(errors)
    }
}

/// The local value-set folder: readable, every file JSON (each problem names file:line:col);
/// a value set triage cannot list without a terminology server is a warning naming it.
fn check_value_sets(
    dir: &Path,
    span: std::ops::Range<usize>,
    errors: &mut Vec<Diagnostic>,
    warnings: &mut Vec<Diagnostic>,
) {
    if !dir.is_dir() {
        errors.push(
            Diagnostic::error(format!("`value_sets`: {} is not a folder", dir.display()))
                .at(span, "no such folder")
                .help("name a folder of FHIR ValueSet JSON files, or an unpacked FHIR package"),
        );
        return;
    }
    match crate::fhir::valuesets::read_folder(dir) {
        Err(problems) => {
            for p in problems {
                errors.push(
                    Diagnostic::error(format!("`value_sets`: {}", crate::text::clean_line(&p)))
                        .at(span.clone(), "in this folder"),
                );
            }
        }
        Ok(folder) => {
            let sets = crate::fhir::valuesets::summary(&folder);
            if sets.is_empty() {
                warnings.push(
                    Diagnostic::warning(format!(
                        "`value_sets`: {} holds no ValueSet",
                        dir.display()
                    ))
                    .at(span.clone(), "empty"),
                );
            }
            for (url, r) in sets {
                if let Err(why) = r {
                    warnings.push(
                        Diagnostic::warning(format!(
                            "`value_sets`: the value set {} cannot be listed here: {why}",
                            crate::text::clean_line(&url)
                        ))
                        .at(span.clone(), "in this folder"),
                    );
                }
            }
        }
    }
}

fn program_exists(program: &str) -> bool {
    if program.contains('/') {
        return Path::new(program).is_file();
    }
    std::env::var_os("PATH")
        .is_some_and(|paths| std::env::split_paths(&paths).any(|p| p.join(program).is_file()))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A full config reads into settings; relative paths are taken from the file's folder.
    #[test]
    fn reads_settings() {
        let src = r#"
clinic_name = "Riverside Clinic"
questionnaire = "q.toml"
[kiosk]
idle_warning = 30
idle_reset = 45.5
[output]
print_command = ["cat"]
spool_dir = "spool"
format = "json"
[alert]
command = ["true"]
"#;
        let (c, warnings) = load_config(src, Path::new("/etc/triage")).expect("valid");
        assert!(warnings.is_empty(), "{warnings:?}");
        assert_eq!(c.clinic_name.as_deref(), Some("Riverside Clinic"));
        assert_eq!(c.questionnaire, Some(PathBuf::from("/etc/triage/q.toml")));
        assert_eq!(
            (c.idle_warning, c.idle_reset),
            (Duration::from_secs(30), Duration::from_millis(45_500))
        );
        assert_eq!(c.spool_dir, Some(PathBuf::from("/etc/triage/spool")));
        assert_eq!(c.format, SummaryFormat::Json);
    }

    /// Mistakes are found with their place.
    #[test]
    fn finds_mistakes() {
        let e = load_config(
            "[kiosk]\nidle_warning = 60\nidle_reset = 30\n",
            Path::new("."),
        )
        .unwrap_err();
        assert!(
            e[0].message.contains("`idle_reset` must be longer"),
            "{e:?}"
        );
        let e = load_config("[output]\nprint_command = []\n", Path::new(".")).unwrap_err();
        assert!(e[0].message.contains("`print_command` is empty"));
        let e = load_config("[kiosk]\nidle_warnin = 60\n", Path::new(".")).unwrap_err();
        assert!(e[0].message.contains("unknown key `idle_warnin`"), "{e:?}");
        assert!(looks_like_config("clinic_name = \"x\"\n"));
        assert!(!looks_like_config("[questionnaire]\nid = \"x\"\n"));
        assert!(!looks_like_config(
            "# a form\n  [ questionnaire ]\nid = \"x\"\n"
        ));
        assert!(!looks_like_config("questionnaire = { id = \"x\" }\n"));
        assert!(looks_like_config(
            "questionnaire = \"/etc/q.toml\"\n[kiosk]\n"
        ));
        assert!(looks_like_config("[[questionnaire]]\n"));
    }
}
