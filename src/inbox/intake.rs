//! One line of the doctor's queue and its order: not yet decided first, then STOP, NOT ASSESSED,
//! CAUTION, ANSWERS ONLY, NO FLAGS, newest first within each. The columns a store cannot know by
//! itself (age, areas requested, who entered the form) are worked out here from a few answers,
//! named by the questionnaire ([`Columns`]). No I/O.

use std::cmp::Reverse;
use std::collections::HashMap;

use jiff::Timestamp;
use serde_json::Value;

use super::decision::DecisionKind;
use crate::questionnaire::{ItemKind, Questionnaire};

/// A record as a store lists it for the inbox, before the columns are worked out.
#[derive(Debug, Clone, PartialEq)]
pub struct IntakeRow {
    /// The record's id in the store it comes from.
    pub id: i64,
    pub uuid: Option<String>,
    pub completed_at: Timestamp,
    pub visit_date: String,
    pub questionnaire: String,
    pub name: Option<String>,
    pub outcome: String,
    /// Fired flags: stop, caution, note.
    pub counts: [usize; 3],
    pub site: Option<String>,
    pub device: Option<String>,
    /// The answers named by [`Columns::keys`], in that order (`None`: not answered).
    pub fields: Vec<Option<Value>>,
    /// The current (latest) decision, if any.
    pub decision: Option<DecisionKind>,
    /// Opened in the inbox by a prescriber.
    pub reviewed: bool,
}

/// Who typed the answers in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EnteredBy {
    /// The patient (or someone helping them) at a kiosk or screen.
    Patient,
    /// Reception staff (`triage run --staff`): the record carries the questionnaire's
    /// `staff_answers`.
    Reception,
    /// The record's questionnaire is not the one the inbox knows.
    Unknown,
}

/// Where an intake stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// Nobody has opened it in the inbox yet.
    New,
    /// A prescriber opened it; no decision yet.
    Reviewed,
    Decided(DecisionKind),
}

impl Status {
    pub fn label(self) -> &'static str {
        match self {
            Status::New => "NEW",
            Status::Reviewed => "REVIEWED",
            Status::Decided(k) => k.short(),
        }
    }
}

/// One line of the inbox.
#[derive(Debug, Clone, PartialEq)]
pub struct Intake {
    pub id: i64,
    pub uuid: Option<String>,
    pub completed_at: Timestamp,
    pub visit_date: String,
    /// The patient's name, escaped for the screen.
    pub name: Option<String>,
    /// Whole years on the visit date, from the date of birth given.
    pub age: Option<i64>,
    /// The areas (or whatever the request question asks) by their short labels.
    pub areas: Vec<String>,
    pub outcome: String,
    pub counts: [usize; 3],
    pub site: Option<String>,
    pub device: Option<String>,
    pub entered_by: EnteredBy,
    pub status: Status,
}

impl Intake {
    /// How urgent the outcome is: 0 is first. STOP (or any stop flag) first; then NOT ASSESSED,
    /// since a form that ended early or is incomplete may lack exactly the answers that would
    /// have stopped treatment, and its page says not to treat on it alone; then CAUTION; then
    /// ANSWERS ONLY (nothing was checked); NO FLAGS last. An outcome this program does not
    /// know sorts as NOT ASSESSED: never as clear.
    pub fn rank(&self) -> u8 {
        outcome_rank(&self.outcome, self.counts[0])
    }

    /// The sort key: undecided first, then [`Intake::rank`], then newest first.
    fn key(&self) -> (bool, u8, Reverse<Timestamp>, Reverse<i64>) {
        (
            matches!(self.status, Status::Decided(_)),
            self.rank(),
            Reverse(self.completed_at),
            Reverse(self.id),
        )
    }

    /// "riverside/kiosk-1", or what is known of it.
    pub fn origin(&self) -> Option<String> {
        match (&self.site, &self.device) {
            (Some(s), Some(d)) => Some(format!("{s}/{d}")),
            (None, Some(d)) => Some(d.clone()),
            (Some(s), None) => Some(s.clone()),
            (None, None) => None,
        }
    }
}

/// See [`Intake::rank`].
pub fn outcome_rank(outcome: &str, stop: usize) -> u8 {
    if stop > 0 || outcome == "stop" {
        return 0;
    }
    match outcome {
        "caution" => 2,
        "no_rules" => 3,
        "clear" => 4,
        _ => 1,
    }
}

/// The inbox's order (see [`Intake::rank`]).
pub fn sort(list: &mut [Intake]) {
    list.sort_by_key(Intake::key);
}

/// The answers the inbox reads from each record of one questionnaire, and how to show them.
#[derive(Debug, Clone, Default)]
pub struct Columns {
    pub questionnaire: String,
    /// The date-of-birth question (`dob_question`).
    pub dob: Option<String>,
    /// The question whose answer is the "areas" column.
    pub request: Option<String>,
    /// Its options' short labels by value.
    labels: HashMap<String, String>,
    /// The answers reception mode presets (`staff_answers`), as stored.
    staff: Vec<(String, Value)>,
}

/// The request question of the shipped questionnaire, used when the clinic settings do not
/// name one (`[inbox] request_question`).
pub const SHIPPED_REQUEST: (&str, &str) = ("botulinum-toxin", "b_areas");

impl Columns {
    /// The columns for `q`; `request` names the question shown as "areas" (default: the
    /// shipped questionnaire's `b_areas`; none for other questionnaires).
    pub fn of(q: &Questionnaire, request: Option<&str>) -> Columns {
        let request = request
            .map(str::to_owned)
            .or_else(|| (q.meta.id == SHIPPED_REQUEST.0).then(|| SHIPPED_REQUEST.1.to_owned()))
            .filter(|id| q.item_index(id).is_some());
        let mut labels = HashMap::new();
        if let Some(i) = request.as_deref().and_then(|id| q.item_index(id)) {
            let it = q.item(i);
            if let ItemKind::Question(_) = &it.kind {
                for o in it.options() {
                    labels.insert(
                        o.value.clone(),
                        o.short.clone().unwrap_or_else(|| o.label.clone()),
                    );
                }
            }
        }
        Columns {
            questionnaire: q.meta.id.clone(),
            dob: q.meta.dob_item.map(|i| q.item(i).id.clone()),
            request,
            labels,
            staff: q
                .meta
                .staff_answers
                .iter()
                .map(|(i, a)| (q.item(*i).id.clone(), crate::answers::to_json(q, *i, a)))
                .collect(),
        }
    }

    /// The answer ids a store must return for each record, in [`IntakeRow::fields`] order:
    /// date of birth, request, then the staff answers.
    pub fn keys(&self) -> Vec<String> {
        let mut keys = vec![
            self.dob.clone().unwrap_or_default(),
            self.request.clone().unwrap_or_default(),
        ];
        keys.extend(self.staff.iter().map(|(id, _)| id.clone()));
        keys
    }

    /// Works out a row's columns. Text from the store is escaped for the screen here.
    pub fn intake(&self, row: IntakeRow) -> Intake {
        let ours = row.questionnaire == self.questionnaire;
        let field = |i: usize| row.fields.get(i).and_then(|v| v.as_ref()).filter(|_| ours);
        let age = field(0)
            .and_then(Value::as_str)
            .and_then(|dob| age_on(dob, &row.visit_date));
        let areas = match field(1) {
            Some(Value::Array(values)) => values.iter().map(|v| self.label(v)).collect(),
            Some(v @ Value::String(_)) => vec![self.label(v)],
            Some(v) if !v.is_null() => vec![crate::text::escape(&v.to_string())],
            _ => Vec::new(),
        };
        let entered_by = if !ours {
            EnteredBy::Unknown
        } else if !self.staff.is_empty()
            && self
                .staff
                .iter()
                .enumerate()
                .all(|(k, (_, want))| field(2 + k) == Some(want))
        {
            EnteredBy::Reception
        } else {
            EnteredBy::Patient
        };
        let status = match (row.decision, row.reviewed) {
            (Some(k), _) => Status::Decided(k),
            (None, true) => Status::Reviewed,
            (None, false) => Status::New,
        };
        let esc = |s: Option<String>| s.map(|s| crate::text::escape(&crate::text::clean_line(&s)));
        Intake {
            id: row.id,
            uuid: row.uuid,
            completed_at: row.completed_at,
            visit_date: row.visit_date,
            name: esc(row.name),
            age,
            areas,
            outcome: row.outcome,
            counts: row.counts,
            site: esc(row.site),
            device: esc(row.device),
            entered_by,
            status,
        }
    }

    fn label(&self, v: &Value) -> String {
        let raw = v.as_str().map_or_else(|| v.to_string(), str::to_owned);
        let shown = self.labels.get(&raw).cloned().unwrap_or(raw);
        crate::text::escape(&crate::text::clean_line(&shown))
    }
}

/// Whole years from a date of birth (`YYYY-MM-DD`, or `YYYY-MM`: the first of the month) to a
/// visit date; `None` when either does not read or the birth is after the visit.
pub fn age_on(dob: &str, visit: &str) -> Option<i64> {
    let dob = crate::answer::PartialDate::parse_iso(dob)?.date;
    let visit = crate::answer::PartialDate::parse_iso(visit)?.date;
    if dob > visit {
        return None;
    }
    let span = dob.until((jiff::Unit::Year, visit)).ok()?;
    Some(i64::from(span.get_years()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn intake(id: i64, minute: i64, outcome: &str, stop: usize, status: Status) -> Intake {
        Intake {
            id,
            uuid: None,
            completed_at: Timestamp::from_second(1_748_858_400 + minute * 60).expect("ts"),
            visit_date: "2025-06-02".into(),
            name: None,
            age: None,
            areas: Vec::new(),
            outcome: outcome.into(),
            counts: [stop, 0, 0],
            site: None,
            device: None,
            entered_by: EnteredBy::Patient,
            status,
        }
    }

    /// Undecided first; STOP, NOT ASSESSED, CAUTION, ANSWERS ONLY, NO FLAGS; newest first within.
    #[test]
    fn queue_order() {
        let mut list = vec![
            intake(1, 1, "clear", 0, Status::New),
            intake(2, 2, "caution", 0, Status::New),
            intake(3, 3, "stop", 1, Status::Decided(DecisionKind::Defer)),
            intake(4, 4, "not_assessed", 0, Status::Reviewed),
            intake(5, 5, "stop", 2, Status::New),
            intake(6, 6, "no_rules", 0, Status::New),
            intake(7, 7, "not_assessed", 1, Status::New),
            intake(8, 8, "caution", 0, Status::New),
            intake(9, 9, "something_new", 0, Status::New),
        ];
        sort(&mut list);
        let ids: Vec<i64> = list.iter().map(|i| i.id).collect();
        assert_eq!(ids, vec![7, 5, 9, 4, 8, 2, 6, 1, 3]);
    }

    /// Age counts whole years to the visit date; nonsense gives none.
    #[test]
    fn ages() {
        assert_eq!(age_on("1991-03-15", "2025-06-02"), Some(34));
        assert_eq!(age_on("1991-06-03", "2025-06-02"), Some(33));
        assert_eq!(age_on("1991-06", "2025-06-02"), Some(34));
        assert_eq!(age_on("2026-01-01", "2025-06-02"), None);
        assert_eq!(age_on("soon", "2025-06-02"), None);
    }
}
