//! Clinic settings in one TOML file (`--config`, default `config.toml` in the data directory):
//! clinic name, default questionnaire, kiosk timeouts and PIN policy, where summaries go (print
//! command, spool folder), the staff alert command, and the shared clinic store (`[clinic_store]`,
//! checked in `crate::clinic::settings`). Commands are argument lists, never a
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
    clinic_store: Option<Spanned<crate::clinic::RawClinicStore>>,
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
    /// A folder of FHIR ValueSet (and CodeSystem) files, or an unpacked FHIR package: the
    /// expansions of value sets FHIR questionnaires bind to but do not contain.
    pub value_sets: Option<PathBuf>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            clinic_name: None,
            questionnaire: None,
            idle_warning: Duration::from_secs(60),
            idle_reset: Duration::from_secs(90),
            thanks: Duration::from_secs(15),
            pin_attempts: 5,
            pin_lockout: Duration::from_secs(600),
            pin_delay: Duration::from_secs(1),
            print_command: None,
            spool_dir: None,
            format: SummaryFormat::Text,
            fhir_spool_dir: None,
            alert_command: None,
            clinic_store: None,
            value_sets: None,
        }
    }
}

/// The file name of the default config in the data directory.
pub const CONFIG_FILE: &str = "config.toml";

/// Whether a TOML text is a clinic config rather than a questionnaire (which has a
/// `[questionnaire]` table).
pub fn looks_like_config(src: &str) -> bool {
    match src.parse::<toml::Table>() {
        Ok(t) => !matches!(t.get("questionnaire"), Some(toml::Value::Table(_))),
        Err(_) => !src.contains("[questionnaire]"),
    }
}

/// Parses and checks a config. Relative paths are taken from `base` (the file's folder).
pub fn load_config(src: &str, base: &Path) -> Result<(Config, Vec<Diagnostic>), Vec<Diagnostic>> {
    let raw: RawConfig =
        toml::from_str(src).map_err(|e| vec![crate::questionnaire::toml_diagnostic(&e, src)])?;
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
    }
}
