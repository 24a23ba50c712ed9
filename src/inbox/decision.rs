//! A prescriber's decision on an intake: treat today, defer, decline or refer, an optional note
//! and, when treating despite a STOP (or an intake that was not assessed), a required override
//! reason. Decisions are appended, never edited: a later one supersedes an earlier one and both
//! stay. This module holds the values, the rule and the renderings shared by `records show` and
//! the inbox (text block, JSON, FHIR extension); it does no I/O.

use jiff::Timestamp;
use serde_json::{Value, json};

use crate::strings;

/// What the prescriber decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DecisionKind {
    TreatToday,
    Defer,
    Decline,
    Refer,
}

impl DecisionKind {
    /// Every decision, in the order the inbox offers them (keys 1 to 4).
    pub const ALL: [DecisionKind; 4] = [
        DecisionKind::TreatToday,
        DecisionKind::Defer,
        DecisionKind::Decline,
        DecisionKind::Refer,
    ];

    /// The stored token (both stores, JSON, audit details).
    pub fn as_str(self) -> &'static str {
        match self {
            DecisionKind::TreatToday => "treat_today",
            DecisionKind::Defer => "defer",
            DecisionKind::Decline => "decline",
            DecisionKind::Refer => "refer",
        }
    }

    pub fn parse(s: &str) -> Option<DecisionKind> {
        DecisionKind::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// How the decision reads on the page and in the inbox's choices.
    pub fn label(self) -> &'static str {
        match self {
            DecisionKind::TreatToday => strings::DECISION_TREAT,
            DecisionKind::Defer => strings::DECISION_DEFER,
            DecisionKind::Decline => strings::DECISION_DECLINE,
            DecisionKind::Refer => strings::DECISION_REFER,
        }
    }

    /// One word for the inbox's status column.
    pub fn short(self) -> &'static str {
        match self {
            DecisionKind::TreatToday => "TREAT",
            DecisionKind::Defer => "DEFER",
            DecisionKind::Decline => "DECLINE",
            DecisionKind::Refer => "REFER",
        }
    }
}

/// A prescriber from the clinic settings (`[[prescriber]]`): who signs a decision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Prescriber {
    /// A short id: 1 to 32 lower-case letters, digits, dashes or underscores (names the PIN file).
    pub id: String,
    pub name: String,
    /// Professional registration number, as the regulator writes it ("GMC 7654321").
    pub registration: String,
}

/// A decision about to be recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewDecision {
    pub kind: DecisionKind,
    pub note: Option<String>,
    pub override_reason: Option<String>,
    pub prescriber: Prescriber,
}

/// A recorded decision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    /// Its id in the store it is kept in (increasing: a later decision has a larger id).
    pub id: i64,
    /// The record it is about (the store's record id).
    pub record: i64,
    pub decided_at: Timestamp,
    pub kind: DecisionKind,
    pub note: Option<String>,
    pub override_reason: Option<String>,
    pub prescriber: Prescriber,
    /// The clinic store's database login that recorded it (`None` in a local store).
    pub login: Option<String>,
}

/// Longest note or reason, in characters.
pub const TEXT_MAX: usize = 1000;

/// Why a decision cannot be recorded as it is.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecisionError {
    /// Treat today with a STOP present (or not assessed) and no reason.
    #[error("{}", strings::DECISION_NEEDS_REASON)]
    ReasonNeeded,
    #[error("the {0} is longer than 1000 characters")]
    TooLong(&'static str),
}

/// Whether treating today needs an override reason: any STOP flag fired, or the intake was not
/// assessed (its page says "Do not treat on this page alone"; a form that ended early may lack
/// exactly the answers that would have stopped treatment). The same rule is enforced by both
/// stores (a SQLite trigger, the clinic store's `triage.record_decision`).
pub fn needs_reason(outcome: &str, stop: usize) -> bool {
    stop > 0 || outcome == "stop" || outcome == "not_assessed"
}

/// Cleans a decision's free text (one paragraph, unsafe characters removed, blank is none) and
/// checks it against the record's outcome and STOP count.
pub fn check(d: &NewDecision, outcome: &str, stop: usize) -> Result<NewDecision, DecisionError> {
    let tidy = |t: &Option<String>, what: &'static str| -> Result<Option<String>, DecisionError> {
        let Some(t) = t else { return Ok(None) };
        let t = crate::text::clean_line(t).trim().to_owned();
        if crate::text::is_blank(&t) {
            return Ok(None);
        }
        if t.chars().count() > TEXT_MAX {
            return Err(DecisionError::TooLong(what));
        }
        Ok(Some(t))
    };
    let note = tidy(&d.note, "note")?;
    let override_reason = if d.kind == DecisionKind::TreatToday {
        tidy(&d.override_reason, "override reason")?
    } else {
        None
    };
    if d.kind == DecisionKind::TreatToday
        && override_reason.is_none()
        && needs_reason(outcome, stop)
    {
        return Err(DecisionError::ReasonNeeded);
    }
    Ok(NewDecision {
        kind: d.kind,
        note,
        override_reason,
        prescriber: d.prescriber.clone(),
    })
}

/// The current decision: the latest one (decisions are appended; a later one supersedes).
pub fn current(decisions: &[Decision]) -> Option<&Decision> {
    decisions.iter().max_by_key(|d| d.id)
}

/// "Dr Alex Lee (GMC 7654321)".
pub fn signed_by(p: &Prescriber) -> String {
    format!("{} ({})", p.name, p.registration)
}

/// The decisions block printed after the doctor's page by `records show` and in the inbox:
/// oldest first, the latest marked current and earlier ones superseded. Times in `zone`. Empty
/// when there are no decisions. Lines stay within 80 columns; text is escaped.
pub fn render_text(decisions: &[Decision], zone: &jiff::tz::TimeZone) -> String {
    if decisions.is_empty() {
        return String::new();
    }
    let mut sorted: Vec<&Decision> = decisions.iter().collect();
    sorted.sort_by_key(|d| d.id);
    let latest = sorted.last().map(|d| d.id);
    let head = format!("-- {} ", strings::DECISIONS_HEADING.to_uppercase());
    let mut out = format!("{head}{}\n", "-".repeat(80usize.saturating_sub(head.len())));
    let wrap = |text: &str, first: &str| -> Vec<String> {
        let opts = textwrap::Options::new(80)
            .initial_indent(first)
            .subsequent_indent("    ")
            .break_words(true);
        textwrap::wrap(text, opts)
            .into_iter()
            .map(std::borrow::Cow::into_owned)
            .collect()
    };
    for d in sorted {
        let when = d
            .decided_at
            .to_zoned_datetime(zone.clone())
            .strftime("%Y-%m-%d %H:%M %:z")
            .to_string();
        let state = if Some(d.id) == latest {
            strings::DECISION_CURRENT
        } else {
            strings::DECISION_SUPERSEDED
        };
        let line = format!(
            "{when}  {}  {} {} [{state}]",
            d.kind.label().to_uppercase(),
            strings::DECISION_BY,
            signed_by(&d.prescriber)
        );
        out.extend(wrap(&line, "").into_iter().map(|l| l + "\n"));
        // The clinic store's login that signed it (a desk bound to this prescriber).
        if let Some(login) = &d.login {
            let line = format!(
                "{}: {}",
                strings::DECISION_LOGIN,
                crate::text::escape(login)
            );
            out.extend(wrap(&line, "  ").into_iter().map(|l| l + "\n"));
        }
        if let Some(r) = &d.override_reason {
            let line = format!("{}: {r}", strings::DECISION_OVERRIDE);
            out.extend(wrap(&line, "  ").into_iter().map(|l| l + "\n"));
        }
        if let Some(n) = &d.note {
            let line = format!("{}: {n}", strings::DECISION_NOTE);
            out.extend(wrap(&line, "  ").into_iter().map(|l| l + "\n"));
        }
    }
    out.push_str(&"-".repeat(80));
    out.push('\n');
    crate::text::escape(&out)
}

/// One decision as JSON (`records show --format json`, `records list --json`).
pub fn to_json(d: &Decision) -> Value {
    let mut v = json!({
        "id": d.id,
        "decision": d.kind.as_str(),
        "decided_at": d.decided_at.to_string(),
        "prescriber": {
            "id": d.prescriber.id,
            "name": d.prescriber.name,
            "registration": d.prescriber.registration,
        },
        "note": d.note,
        "override_reason": d.override_reason,
    });
    if let (Some(login), Some(map)) = (&d.login, v.as_object_mut()) {
        map.insert("login".into(), login.clone().into());
    }
    v
}

/// Adds `decision` (the current one, or null) and `decisions` (all, oldest first) to a summary
/// JSON object.
pub fn add_to_summary(summary: &mut Value, decisions: &[Decision]) {
    let mut sorted: Vec<&Decision> = decisions.iter().collect();
    sorted.sort_by_key(|d| d.id);
    if let Some(map) = summary.as_object_mut() {
        map.insert(
            "decision".into(),
            current(decisions).map_or(Value::Null, to_json),
        );
        map.insert(
            "decisions".into(),
            Value::Array(sorted.into_iter().map(to_json).collect()),
        );
    }
}

/// The extension URL carrying a prescriber's decision on a QuestionnaireResponse.
pub const FHIR_EXTENSION: &str =
    "https://triage.example.org/fhir/StructureDefinition/prescriber-decision";

/// Adds each decision (oldest first) to a FHIR QuestionnaireResponse as a complex extension
/// ([`FHIR_EXTENSION`]: `decision` code, `decidedAt`, `prescriber` display and registration
/// identifier, `note`, `overrideReason`, `current`). Not `author`: in FHIR that is who recorded
/// the answers, which the prescriber did not; and a Provenance would need a Bundle, changing what
/// `records show --format fhir` returns.
pub fn add_to_fhir(response: &mut Value, decisions: &[Decision]) {
    if decisions.is_empty() {
        return;
    }
    let mut sorted: Vec<&Decision> = decisions.iter().collect();
    sorted.sort_by_key(|d| d.id);
    let latest = sorted.last().map(|d| d.id);
    let Some(map) = response.as_object_mut() else {
        return;
    };
    let list = map
        .entry("extension")
        .or_insert_with(|| Value::Array(Vec::new()));
    let Some(list) = list.as_array_mut() else {
        return;
    };
    for d in sorted {
        let mut parts = vec![
            json!({ "url": "decision", "valueCode": d.kind.as_str() }),
            json!({ "url": "decidedAt", "valueDateTime": crate::clock::rfc3339(d.decided_at) }),
            json!({ "url": "prescriber", "valueString": d.prescriber.name }),
            json!({ "url": "registration", "valueIdentifier": { "value": d.prescriber.registration } }),
            json!({ "url": "current", "valueBoolean": Some(d.id) == latest }),
        ];
        if let Some(r) = &d.override_reason {
            parts.push(json!({ "url": "overrideReason", "valueString": r }));
        }
        if let Some(n) = &d.note {
            parts.push(json!({ "url": "note", "valueString": n }));
        }
        list.push(json!({ "url": FHIR_EXTENSION, "extension": parts }));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lee() -> Prescriber {
        Prescriber {
            id: "lee".into(),
            name: "Dr Alex Lee".into(),
            registration: "GMC 7654321".into(),
        }
    }

    fn new(kind: DecisionKind, reason: Option<&str>) -> NewDecision {
        NewDecision {
            kind,
            note: Some("  seen with\tmother ".into()),
            override_reason: reason.map(str::to_owned),
            prescriber: lee(),
        }
    }

    /// Treating despite a STOP (or a form not assessed) needs a reason; other decisions do not,
    /// and a blank reason is no reason.
    #[test]
    fn override_reason_rule() {
        assert_eq!(
            check(&new(DecisionKind::TreatToday, None), "stop", 1),
            Err(DecisionError::ReasonNeeded)
        );
        assert_eq!(
            check(
                &new(DecisionKind::TreatToday, Some(" \u{200b} ")),
                "stop",
                1
            ),
            Err(DecisionError::ReasonNeeded)
        );
        assert_eq!(
            check(&new(DecisionKind::TreatToday, None), "not_assessed", 0),
            Err(DecisionError::ReasonNeeded)
        );
        assert!(check(&new(DecisionKind::TreatToday, None), "caution", 0).is_ok());
        assert!(check(&new(DecisionKind::Defer, None), "stop", 2).is_ok());
        let ok = check(
            &new(DecisionKind::TreatToday, Some("benefit discussed")),
            "stop",
            1,
        )
        .expect("a reason is enough");
        assert_eq!(ok.note.as_deref(), Some("seen with mother"));
        assert_eq!(ok.override_reason.as_deref(), Some("benefit discussed"));
        // A reason only goes with treating.
        let defer = check(&new(DecisionKind::Defer, Some("x")), "stop", 1).expect("ok");
        assert_eq!(defer.override_reason, None);
    }

    /// The text block lists every decision, the latest marked current, within 80 columns.
    #[test]
    fn text_block() {
        let d = |id, kind| Decision {
            id,
            record: 3,
            decided_at: Timestamp::from_second(1_748_858_400 + id * 60).expect("ts"),
            kind,
            note: Some("a note ".repeat(30)),
            override_reason: (kind == DecisionKind::TreatToday).then(|| "reason".into()),
            prescriber: lee(),
            login: None,
        };
        let text = render_text(
            &[d(2, DecisionKind::Defer), d(1, DecisionKind::TreatToday)],
            &jiff::tz::TimeZone::UTC,
        );
        assert!(
            text.contains(
                "2025-06-02 10:01 +00:00  TREAT TODAY  by Dr Alex Lee (GMC 7654321) [superseded]"
            ),
            "{text}"
        );
        assert!(
            text.contains("DEFER  by Dr Alex Lee (GMC 7654321) [current]"),
            "{text}"
        );
        assert!(text.contains("STOP override reason: reason"), "{text}");
        assert!(text.lines().all(|l| l.chars().count() <= 80), "{text}");
        assert!(render_text(&[], &jiff::tz::TimeZone::UTC).is_empty());
    }
}
