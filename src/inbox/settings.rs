//! The doctor's inbox in the clinic settings: `[inbox]` (idle lock, how often the list is
//! polled, which question is the "areas" column) and the `[[prescriber]]` list (id, name,
//! professional registration number), checked with file:line:col messages like the rest of the
//! config. Each prescriber's PIN is not here: it is an argon2id hash in the data directory, set
//! with `triage pin set --prescriber ID`.

use std::time::Duration;

use serde::Deserialize;
use serde_spanned::Spanned;

use super::decision::Prescriber;
use crate::diag::Diagnostic;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawInbox {
    idle_lock: Option<Spanned<f64>>,
    poll_seconds: Option<Spanned<f64>>,
    request_question: Option<Spanned<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawPrescriber {
    id: Option<Spanned<String>>,
    name: Option<Spanned<String>>,
    registration: Option<Spanned<String>>,
}

/// Checked `[inbox]` settings.
#[derive(Debug, Clone, PartialEq)]
pub struct InboxSettings {
    /// After this long without a key or tap, patient data is hidden until the PIN is typed again.
    pub idle_lock: Duration,
    /// How often the store is asked whether anything changed (the clinic store also notifies).
    pub poll: Duration,
    /// The question shown as the "areas" column (default: the shipped questionnaire's).
    pub request_question: Option<String>,
}

impl Default for InboxSettings {
    fn default() -> Self {
        InboxSettings {
            idle_lock: Duration::from_mins(2),
            poll: Duration::from_secs(2),
            request_question: None,
        }
    }
}

/// Whether a prescriber id is 1 to 32 lower-case letters, digits, dashes or underscores.
pub fn valid_id(id: &str) -> bool {
    (1..=32).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_')
}

/// Checks `[inbox]` and `[[prescriber]]`.
pub fn check(
    inbox: Option<&RawInbox>,
    prescribers: &[Spanned<RawPrescriber>],
    errors: &mut Vec<Diagnostic>,
) -> (InboxSettings, Vec<Prescriber>) {
    let mut s = InboxSettings::default();
    if let Some(raw) = inbox {
        let mut seconds =
            |v: &Option<Spanned<f64>>, name: &str, lo: f64, hi: f64, d: Duration| match v {
                Some(x) if !(x.get_ref().is_finite() && (lo..=hi).contains(x.get_ref())) => {
                    errors.push(
                        Diagnostic::error(format!(
                            "`{name}` must be a number of seconds from {lo} to {hi}"
                        ))
                        .at(x.span(), "out of range"),
                    );
                    d
                }
                Some(x) => Duration::from_secs_f64(*x.get_ref()),
                None => d,
            };
        s.idle_lock = seconds(&raw.idle_lock, "idle_lock", 1.0, 86_400.0, s.idle_lock);
        s.poll = seconds(&raw.poll_seconds, "poll_seconds", 0.2, 60.0, s.poll);
        s.request_question = raw.request_question.as_ref().map(|q| q.get_ref().clone());
    }
    let mut out: Vec<Prescriber> = Vec::new();
    for p in prescribers {
        let table = p.span();
        let raw = p.get_ref();
        let field = |v: &Option<Spanned<String>>,
                     name: &str,
                     max: usize,
                     example: &str,
                     errors: &mut Vec<Diagnostic>|
         -> Option<String> {
            match v {
                None => {
                    errors.push(
                        Diagnostic::error(format!("`[[prescriber]]` needs `{name}`"))
                            .at(table.clone(), "in this table")
                            .help(format!("for example {name} = {example}")),
                    );
                    None
                }
                Some(x) => {
                    let text = crate::text::clean_line(x.get_ref()).trim().to_owned();
                    if crate::text::is_blank(&text) || text.chars().count() > max {
                        errors.push(
                            Diagnostic::error(format!(
                                "`{name}` must be 1 to {max} characters, not blank"
                            ))
                            .at(x.span(), "here"),
                        );
                        None
                    } else {
                        Some(text)
                    }
                }
            }
        };
        let id = field(&raw.id, "id", 32, "\"lee\"", errors);
        let name = field(&raw.name, "name", 80, "\"Dr Alex Lee\"", errors);
        let registration = field(
            &raw.registration,
            "registration",
            40,
            "\"GMC 7654321\"",
            errors,
        );
        if let (Some(id_span), Some(id)) = (raw.id.as_ref().map(serde_spanned::Spanned::span), &id)
        {
            if !valid_id(id) {
                errors.push(
                    Diagnostic::error(
                        "a prescriber `id` is 1 to 32 lower-case letters, digits, dashes or underscores",
                    )
                    .at(id_span, "not a usable id"),
                );
                continue;
            }
            if out.iter().any(|o| &o.id == id) {
                errors.push(
                    Diagnostic::error(format!("prescriber `{id}` is listed twice"))
                        .at(id_span, "again here"),
                );
                continue;
            }
        }
        if let (Some(id), Some(name), Some(registration)) = (id, name, registration) {
            out.push(Prescriber {
                id,
                name,
                registration,
            });
        }
    }
    (s, out)
}
