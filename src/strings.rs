//! Every user-facing sentence that is not part of a questionnaire file, in one place: easy to
//! review with a clinician, and the road to translation.

/// Built-in option labels for `yes_no` and `yes_no_unsure` questions.
pub const YES: &str = "Yes";
pub const NO: &str = "No";
pub const NOT_SURE: &str = "Not sure";

/// Defaults for questionnaires that do not declare `[outcome]`.
pub const OUTCOME_STOP_BANNER: &str = "DO NOT TREAT TODAY";
pub const OUTCOME_STOP_TEXT: &str = "Do not treat today: doctor review required.";
pub const OUTCOME_CAUTION_BANNER: &str = "DOCTOR REVIEW NEEDED";
pub const OUTCOME_CAUTION_TEXT: &str = "Doctor must review the flagged items before treatment.";
pub const OUTCOME_CLEAR_BANNER: &str = "NO FLAGS";
pub const OUTCOME_CLEAR_TEXT: &str = "No flags: suitable to proceed to consultation.";
pub const OUTCOME_FOOTER: &str = "Final decision by the prescriber after face-to-face assessment.";
pub const DISCLAIMER: &str =
    "Triage aid only. Not a diagnosis. The prescriber decides after examining the patient.";

/// Default prescriber sign-off box.
pub const SIGNOFF: &[&str] = &[
    "Prescriber name and registration no.: ______________________________",
    "Decision: treat today [ ]  defer [ ]  decline [ ]  refer [ ]",
    "Signature: ________________________  Date and time: ________________",
];

/// Patient-facing validation messages. `{}` parts are filled by the engine.
pub const NEED_ANSWER: &str = "Please answer this question to go on.";
pub const NEED_CHOICE: &str = "Please choose one of the answers.";
pub const NEED_NUMBER: &str = "Please type a number.";
pub const NEED_WHOLE_NUMBER: &str = "Please type a whole number, without a decimal point.";
pub const EXCLUSIVE_ALONE: &str = "\"{}\" cannot be chosen together with other answers.";
pub const NUMBER_TOO_SMALL: &str = "Please type a number of at least {}.";
pub const NUMBER_TOO_BIG: &str = "Please type a number no bigger than {}.";
pub const DATE_TOO_EARLY: &str =
    "That date is too early. Please check it: it must be on or after {}.";
pub const DATE_TOO_LATE: &str =
    "That date is too late. Please check it: it must be on or before {}.";
pub const DATE_NEED_DAY: &str = "Please give the day as well as the month and year.";
pub const TEXT_TOO_LONG: &str = "That is too long: please use at most {} characters.";
pub const TEXT_EMPTY: &str = "Please type an answer, or go back.";
pub const TEXT_PATTERN: &str = "Please check what you typed.";
pub const NOT_VALID: &str = "Please check this answer.";

/// Fills the `{}` of a message.
pub fn fill(template: &str, value: impl std::fmt::Display) -> String {
    template.replacen("{}", &value.to_string(), 1)
}

/// Doctor's page.
pub const STOP_OVERRIDE: &str =
    "STOP override reason (required to treat): ______________________________";
pub const SEE_FULL_RECORD: &str = "(see full record)";
pub const PAGE_INCOMPLETE: &str = "INCOMPLETE: required answers missing:";
pub const PAGE_ENDED: &str = "Questionnaire ended early, after:";
pub const PAGE_RULES: &str = "Rules";
pub const PAGE_VISIT: &str = "Visit";
pub const PAGE_RECORD: &str = "Record";
pub const PAGE_NOTES: &str = "NOTES";
pub const PAGE_SIGNOFF: &str = "PRESCRIBER SIGN-OFF";
pub const NOT_GIVEN: &str = "-";
