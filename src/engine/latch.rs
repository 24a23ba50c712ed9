//! Latched flags (clinical spec 9.4): a disclosure that, once made, stays in the session and the
//! record whatever later happens to its answers, together with what happened next: the staff
//! alert (sent, failed, none configured) and who released the safety pause. Plain values; the
//! session keeps them up to date and the summary prints them.

use jiff::Timestamp;

use crate::answer::Answer;
use crate::questionnaire::{FlagIdx, ItemIdx};

/// One latched flag's story.
#[derive(Debug, Clone, PartialEq)]
pub struct Latch {
    /// Index of the flag in the questionnaire.
    pub flag: FlagIdx,
    /// When it first fired, by the session's clock (`None` when the session had no clock, as
    /// when it is rebuilt from an answers file that did not say).
    pub fired_at: Option<Timestamp>,
    /// The answers that made it fire, as they were at that moment.
    pub answers: Vec<(ItemIdx, Answer)>,
    /// Set once its condition stopped holding (an answer was changed afterwards): when, if the
    /// session had a clock. Cleared again if the condition holds once more.
    pub changed: Option<Option<Timestamp>>,
    /// For `pause` flags: what became of the staff alert.
    pub alert: Option<AlertStatus>,
    /// For `pause` flags: who let the patient go on, or ended the session, and when.
    pub release: Option<Release>,
}

/// What became of the staff alert for a safety pause.
#[derive(Debug, Clone, PartialEq)]
pub enum AlertStatus {
    /// The alert command is running.
    Pending,
    /// The alert command ran and reported success.
    Sent { at: Option<Timestamp> },
    /// The alert command could not be run, failed or timed out; the reason is plain text with
    /// no patient data.
    Failed {
        at: Option<Timestamp>,
        reason: String,
    },
    /// No alert command is set in the clinic settings: nobody was alerted automatically.
    NotConfigured,
}

impl AlertStatus {
    pub fn as_str(&self) -> &'static str {
        match self {
            AlertStatus::Pending => "pending",
            AlertStatus::Sent { .. } => "sent",
            AlertStatus::Failed { .. } => "failed",
            AlertStatus::NotConfigured => "not_configured",
        }
    }
}

/// Who released a safety pause.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Releaser {
    /// A member of staff, after the staff PIN was checked.
    StaffPin,
    /// Whoever sat at a `triage run` terminal with no staff PIN set: not verified as staff.
    Operator,
}

impl Releaser {
    pub fn as_str(self) -> &'static str {
        match self {
            Releaser::StaffPin => "staff_pin",
            Releaser::Operator => "operator",
        }
    }

    pub fn parse(s: &str) -> Option<Releaser> {
        match s {
            "staff_pin" => Some(Releaser::StaffPin),
            "operator" => Some(Releaser::Operator),
            _ => None,
        }
    }
}

/// What the releaser chose.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReleaseAction {
    /// The patient carried on with the questionnaire.
    CarryOn,
    /// The questionnaire was ended there.
    EndHere,
}

impl ReleaseAction {
    pub fn as_str(self) -> &'static str {
        match self {
            ReleaseAction::CarryOn => "carry_on",
            ReleaseAction::EndHere => "end_here",
        }
    }

    pub fn parse(s: &str) -> Option<ReleaseAction> {
        match s {
            "carry_on" => Some(ReleaseAction::CarryOn),
            "end_here" => Some(ReleaseAction::EndHere),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Release {
    pub by: Releaser,
    pub action: ReleaseAction,
    pub at: Option<Timestamp>,
}

/// Why a session was not assessed: its outcome is NOT ASSESSED, never a clear one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NotAssessed {
    /// An `end` flag stopped the questionnaire (e.g. the patient declined the health questions).
    EndedByRule { flag: FlagIdx },
    /// Staff ended the questionnaire after this item (e.g. after a safety pause).
    EndedByStaff { after: ItemIdx },
    /// Required answers are missing or invalid (this many).
    Incomplete { problems: usize },
}

impl NotAssessed {
    /// The machine-readable reason (`outcome_reason` in the summary JSON).
    pub fn as_str(self) -> &'static str {
        match self {
            NotAssessed::EndedByRule { .. } => "ended_by_rule",
            NotAssessed::EndedByStaff { .. } => "ended_by_staff",
            NotAssessed::Incomplete { .. } => "incomplete",
        }
    }
}
