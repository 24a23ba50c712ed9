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
pub const OUTCOME_NOT_ASSESSED_BANNER: &str = "NOT ASSESSED";
pub const OUTCOME_NOT_ASSESSED_TEXT: &str =
    "Not assessed: suitability was not checked. Do not treat on this page alone.";
pub const OUTCOME_NO_RULES_BANNER: &str = "ANSWERS ONLY - NO TRIAGE RULES";
pub const OUTCOME_NO_RULES_TEXT: &str =
    "Answers only: this questionnaire has no triage rules, so nothing was checked.";
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
/// The same for a "pick all that apply" question, where one answer is the least, not the most.
pub const NEED_CHOICE_MULTI: &str = "Please choose at least one of the answers.";
/// The empty-answer message in a window where the answers scroll: one line, so it never
/// pushes the answers themselves out of sight.
pub const NEED_CHOICE_SHORT: &str = "Choose an answer (↑↓ for more).";
pub const NEED_CHOICE_MULTI_SHORT: &str = "Choose at least one (↑↓ for more).";
/// The empty-answer message of a choice question (`multi`: pick all that apply).
pub fn need_choice(multi: bool) -> &'static str {
    if multi {
        NEED_CHOICE_MULTI
    } else {
        NEED_CHOICE
    }
}
/// Whether `message` is the empty-answer message of a choice question, and of which kind
/// (`Some(true)`: multi), so a screen can shorten it or name the answers out of sight.
pub fn is_need_choice(message: &str) -> Option<bool> {
    match message {
        NEED_CHOICE => Some(false),
        NEED_CHOICE_MULTI => Some(true),
        _ => None,
    }
}
/// [`need_choice`] in fewer words, for a window where the whole message would push an answer
/// out of sight.
pub fn need_choice_line(multi: bool) -> &'static str {
    if multi {
        "Choose at least one answer."
    } else {
        "Choose one answer."
    }
}
/// The one-line form of [`need_choice`] when answers are out of sight.
pub fn need_choice_short(multi: bool) -> &'static str {
    if multi {
        NEED_CHOICE_MULTI_SHORT
    } else {
        NEED_CHOICE_SHORT
    }
}
pub const NEED_UNIT: &str = "Please choose the unit.";
pub const CHOOSE_AT_MOST: &str = "Please choose at most {} answers.";
pub const CHOOSE_AT_LEAST: &str = "Please choose at least {} answers.";
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
pub const TEXT_TOO_SHORT: &str =
    "That looks too short: please check it. It needs at least {} characters.";
pub const TEXT_EMPTY: &str = "Please type an answer, or go back.";
/// Pasted text longer than the field takes.
pub fn paste_cut(max: usize) -> String {
    format!(
        "Only the first {max} characters fit here; the rest was not pasted. Please check the end of your answer, and tell the clinician the rest."
    )
}
/// Typing has filled the field: said at once, under the field.
pub fn at_limit(max: usize) -> String {
    format!("That is as much as fits here ({max} characters). Tell the clinician the rest.")
}
pub const TEXT_PATTERN: &str = "Please check what you typed.";
pub const NOT_VALID: &str = "Please check this answer.";

/// Fills the `{}` of a message.
pub fn fill(template: &str, value: impl std::fmt::Display) -> String {
    template.replacen("{}", &value.to_string(), 1)
}

/// Doctor's page.
pub const STOP_OVERRIDE: &str =
    "STOP override reason (required to treat): ______________________________";
pub const PAGE_INCOMPLETE: &str = "INCOMPLETE: required answers missing:";
/// Why a session is NOT ASSESSED, on the doctor's page.
pub fn not_assessed_by_rule(flag: &str, after: &str) -> String {
    format!("Reason: the questionnaire ended early at rule {flag}, after: {after}.")
}
pub fn not_assessed_by_staff(after: &str) -> String {
    format!("Reason: staff ended the questionnaire after: {after}.")
}
pub fn not_assessed_incomplete(problems: usize) -> String {
    format!("Reason: {problems} required answer(s) missing or invalid.")
}
/// What happened after a latched flag fired, on the doctor's page (`at` is "HH:MM").
pub fn latch_alert_sent(at: &str) -> String {
    format!("Staff alert sent {at}.")
}
pub fn latch_alert_failed(reason: &str) -> String {
    format!("Staff alert failed: {reason}.")
}
pub const LATCH_ALERT_PENDING: &str = "Staff alert started; its result is not known.";
pub const LATCH_ALERT_NONE: &str = "No staff alert configured.";
pub const LATCH_ALERT_NOT_SENT: &str = "No staff alert sent (not answered on a triage screen).";
pub fn latch_released(by_pin: bool, ended: bool, at: &str) -> String {
    let who = if by_pin {
        "by staff (PIN checked)"
    } else {
        "at the terminal (no staff PIN set)"
    };
    let what = if ended {
        "questionnaire ended there"
    } else {
        "patient carried on"
    };
    format!("Pause released{at} {who}: {what}.")
}
pub const LATCH_NOT_RELEASED: &str = "Pause not released on screen.";
pub fn latch_not_asked(at: &str) -> String {
    format!("Answer later withdrawn{at}: the question is no longer asked or answered.")
}
pub fn latch_changed(answer: &str, at: &str) -> String {
    format!("Answer later changed to {answer}{at}.")
}
pub const PAGE_LATCHED: &str = "latched";
/// How a date the patient gave as a phrase is marked on the page: "2025-04 (said: 6 weeks ago)".
pub const PAGE_SAID: &str = "said";
/// `{name:ago}` on the page.
pub fn days_ago(days: i64) -> String {
    match days {
        0 => "today".to_owned(),
        1 => "1 day ago".to_owned(),
        n if n < 0 => format!("in {} days", -n),
        n => format!("{n} days ago"),
    }
}
pub fn about_weeks_ago(weeks: i64, month: &str) -> String {
    match weeks {
        0 => format!("this month (month only: {month})"),
        1 => format!("about 1 week ago (month only: {month})"),
        n => format!("about {n} weeks ago (month only: {month})"),
    }
}
pub const PAGE_RULES: &str = "Rules";
pub const PAGE_VISIT: &str = "Visit";
pub const PAGE_COMPLETED: &str = "completed";
pub const PAGE_RECORD: &str = "Record";
/// The page's heading over questions outside every section that come after a section.
pub const PAGE_OTHER_ANSWERS: &str = "Other answers";
pub const PAGE_NOTES: &str = "NOTES";
pub const PAGE_SIGNOFF: &str = "PRESCRIBER SIGN-OFF";
/// Ends a row or flag cut on page 1 whose whole text is on page 2.
pub const CONTINUED_ON_PAGE_2: &str = "(continued on page 2)";
/// After a free-text answer on the doctor's page that filled its question's length limit:
/// the patient was told to tell the clinician the rest.
pub fn page_at_limit(max: usize) -> String {
    format!("[filled the {max}-character space: ask for the rest]")
}
/// The heading of the second page of the doctor's summary.
pub const PAGE_IN_FULL: &str = "Answers in full (page 2 of 2)";
pub const PAGE_CONTINUED: &str =
    "Page 1 of 2: answers marked \"(continued on page 2)\" are printed whole on page 2.";
/// Said on the page when the record was judged by an earlier version of the questionnaire
/// than the one now shipped.
pub fn page_older_version(id: &str, version: &str, current: &str) -> String {
    format!(
        "Judged by the rules of {id} {version}, the version this form was started with (the current version is {current})."
    )
}
pub const NOT_GIVEN: &str = "-";

/// Typing numbers and dates.
pub const TYPE_NUMBER: &str = "Please type a number, like 12.";
/// "1.500": one and a half, or one thousand five hundred?
pub fn number_ambiguous(int: &str, frac: &str) -> String {
    format!(
        "Did you mean {int}{frac} or {int}.{}? Please type it without a separator, like {int}{frac}, or with the decimal point, like {int}.{}.",
        frac.trim_end_matches('0'),
        frac.trim_end_matches('0')
    )
}
pub const NUMBER_TOO_LARGE: &str = "That number is too large to keep exactly. Please check it.";
pub const TYPE_DATE: &str = "Please type the date like 15/03/1991 (day, month, year).";
pub const TYPE_DATE_OR_MONTH: &str =
    "Please type the date like 15/03/1991, or just the month and year, like March 2025.";
pub const DATE_NOT_REAL: &str = "That date does not exist. Please check the day and month.";
pub const DATE_YEAR_IN_FULL: &str = "Please type the year in full, like 1991.";

/// The patient's screens.
pub const START: &str = "Start";
/// The name of the Enter key, as the screens say it.
pub const ENTER_KEY: &str = "Enter";
/// Added to the button Enter presses: "Next (Enter) →".
pub const ENTER_MARK: &str = "(Enter)";
pub const NEXT: &str = "Next";
pub const BACK: &str = "Back";
pub const HELP: &str = "Why we ask";
pub const HELP_CLOSE: &str = "Close";
pub const NO_HELP: &str =
    "There is no extra explanation for this question. You can ask a member of staff.";
pub const CONTINUE: &str = "Continue";
/// How long the questionnaire takes, on the welcome screen.
pub fn minutes(n: u32) -> String {
    match n {
        1 => "This takes about 1 minute.".to_owned(),
        n => format!("This takes about {n} minutes."),
    }
}
pub const SECTION_OF: &str = "Section {} of {}";
/// "Add another" after a repeating group or question.
pub const MORE_TITLE: &str = "{}: do you want to add another?";
pub const MORE_SO_FAR: &str = "So far:";
pub const MORE_EMPTY: &str = "(nothing given)";
pub const MORE_ADD: &str = "Yes, add another";
pub const MORE_DONE: &str = "No, that is all";
pub const MORE_REMOVE: &str = "Remove the last one";
pub const MORE_AT_MOST: &str = "This form takes at most {}.";
/// "Add another" when the limit is reached: shown, so the other choices keep their numbers.
pub const MORE_ADD_NOT: &str = "Add another (not possible: this form takes at most {})";
/// A repeat with fewer answered instances than it needs: its name, how many, how many given.
pub const MORE_NEED: &str = "{}: at least {} are needed, {} given so far.";
pub const MORE_NEED_ADD: &str = "Choose 1 to add another.";
pub const CHOOSE_ONE_HINT: &str = "Choose one answer, then Next.";
pub const CHOOSE_MANY_HINT: &str = "Choose all that apply, then Next.";
/// Added to a choice's hint when some answers have no number key.
pub const END_KEY_HINT: &str = "{bottom} goes to the last answer.";
pub const TEXT_HINT: &str = "Type your answer, then press {next}.";
pub const OPTIONAL_HINT: &str = "You can leave this empty.";
pub const NUMBER_HINT: &str = "Type a number";
pub const UNIT_HINT: &str = "choose the unit with the up and down arrows, or tap it.";
pub const DATE_HINT: &str = "Type the date like 15/03/1991";
pub const DATE_MONTH_HINT: &str =
    "Type the date like 15/03/1991, or the month and year, like March 2025";
pub const MORE_ABOVE: &str = "▲ more above";
pub const MORE_BELOW: &str = "▼ more below";
/// Both of the above, for the narrowest windows.
pub const MORE_BOTH: &str = "▲▼ more";
pub const SCROLL_HINT: &str = "(↑↓)";
/// Where a question's list of answers goes on out of sight (small windows only).
pub const MORE_ANSWERS_ABOVE: &str = "▲ more answers above";
pub const MORE_ANSWERS_BELOW: &str = "▼ more answers below";
/// Added to "Please choose one of the answers." when some answers are out of sight.
pub fn answers_out_of_sight(labels: &[&str]) -> String {
    let quoted: Vec<String> = labels.iter().map(|l| format!("\"{l}\"")).collect();
    match quoted.as_slice() {
        [] => String::new(),
        [one] => format!("One more answer is out of sight (↑↓): {one}."),
        few if few.len() <= 3 => format!("More answers are out of sight (↑↓): {}.", few.join(", ")),
        many @ [.., before_last, last] => format!(
            "{} more answers are out of sight (↑↓), among them {before_last} and {last}.",
            many.len(),
        ),
    }
}
pub const REVIEW_TITLE: &str = "Check your answers";
/// The review screen's line above the list: what Enter does where the focus is.
pub const REVIEW_HINT_SEND: &str =
    "{confirm} sends your answers. To change one first, press {up} or tap it.";
pub const REVIEW_HINT_ROW: &str =
    "{confirm} changes the answer marked ►. {bottom} goes to Send my answers.";
pub const REVIEW_MISSING: &str = "Not answered yet";
/// An optional question left unanswered: nothing is needed.
pub const REVIEW_LEFT_BLANK: &str = "Left blank (optional)";
/// What Enter does on Send while a required answer is missing: it does not send.
pub const REVIEW_HINT_NEED: &str = "Some answers are still needed, so {confirm} does not send yet: it shows the first one marked \"Not answered yet\".";
pub const REVIEW_SEND: &str = "Send my answers";
pub const REVIEW_NEED: &str =
    "Some questions still need an answer. They are marked \"Not answered yet\".";
pub const CONFIRM_TITLE: &str = "Ready to send?";
pub const CONFIRM_TEXT: &str =
    "Your answers will go to the doctor. You cannot change them here after sending.";
pub const CONFIRM_SEND: &str = "Send";
pub const CONFIRM_BACK: &str = "Go back";
pub const THANKS_TITLE: &str = "Thank you";
pub const THANKS_DEFAULT: &str = "Thank you. The doctor will go through your answers with you.";
/// The end in reception and paper modes: staff are at the keyboard, not the patient.
pub const THANKS_STAFF: &str =
    "The form is complete and saved. The doctor will go through the answers with the patient.";
pub const THANKS_RUN_HINT: &str = "Press {confirm} to finish.";
/// Run mode when the doctor's page does not go to this screen: where staff find it.
pub fn thanks_saved(record: i64) -> String {
    format!(
        "Your answers are saved. Please tell a member of staff you have finished.\n\n{}",
        thanks_staff_line(record)
    )
}
/// The line of [`thanks_saved`] for staff, alone when the window has room for nothing else.
pub fn thanks_staff_line(record: i64) -> String {
    format!("Staff: this is record {record}; read it with `triage records show {record}`.")
}
/// After `triage run` when standard output is the patient's own terminal.
pub fn saved_not_shown(record: i64) -> String {
    format!(
        "Answers saved as record {record}. The doctor's summary is not shown on this screen; staff can read it with `triage records show {record}`."
    )
}
pub const PAUSE_TITLE: &str = "Support for you";
pub const PAGE_TITLE_PAUSE: &str = "Support";
/// The safety pause, by what became of the staff alert.
pub const PAUSE_ALERT_PENDING: &str = "We are letting a member of staff know.";
pub const PAUSE_ALERT_SENT: &str = "A member of staff has been told.";
pub const PAUSE_TELL_STAFF: &str = "Please tell a member of staff now.";
pub const PAUSE_STAFF_RUN: &str =
    "Staff: {release_carry_on} to continue the questionnaire, {release_end} to end it here.";
pub const PAUSE_STAFF_PIN: &str =
    "Staff: {staff} and the staff PIN to continue the questionnaire or end it here.";
pub const RESUME_TITLE: &str = "An unfinished form was found";
pub const RESUME_TEXT: &str = "A form was started here at {} and not finished.";
pub const RESUME_NEEDS_PIN: &str =
    "It is private: a member of staff can open it with the staff PIN.";
pub const RESUME_NEEDS_DOB: &str =
    "It is private: to continue it, type the date of birth given on that form.";
pub const RESUME_STAFF_ONLY: &str =
    "It is private and can only be recovered by staff (`triage records drafts`).";
pub const RESUME_DOB_PROMPT: &str = "Date of birth on that form (like 15/03/1991):";
pub fn resume_dob_wrong(left: u8) -> String {
    match left {
        1 => "That does not match. 1 try left.".to_owned(),
        n => format!("That does not match. {n} tries left."),
    }
}
pub const RESUME_PAUSE_PENDING: &str = "It stopped where the person asked for support. A member of staff must open it with the staff PIN before anything else.";
pub const RESUME_DOB_LOCKED: &str =
    "That does not match. Please ask a member of staff, or start a new form.";
pub const RESUME_CHECKING: &str = "Checking...";
/// An unfinished form that could not be read back (for staff; names no answer).
pub fn load_failed(reason: &str) -> String {
    format!("That form could not be opened ({reason}). Start a new form, or ask staff.")
}
/// After the walk-through ended, answers that could still not be saved.
pub fn not_saved_at_exit(n: usize, reason: &str) -> String {
    format!(
        "warning: {n} answer(s) given last could not be saved ({reason}); the earlier ones are in the unfinished form."
    )
}
pub const DRAFT_IN_USE: &str = "That form is open in another window, so it was not opened here. Start a new form, or finish it there.";
pub const RESUME_CHANGED: &str = "The questionnaire has changed since then (it was version {}). Some answers may need to be given again.";
pub const RESUME_CONTINUE: &str = "Continue that form";
pub const RESUME_NEW: &str = "Start a new form";
pub const RESUME_CONTINUE_SHORT: &str = "Continue";
pub const RESUME_NEW_SHORT: &str = "Start again";
pub const RESUME_DROPPED: &str =
    "{} saved answers no longer fit the questionnaire and were not restored.";
pub const SAVE_FAILING: &str = "Saving is not working right now. Your answers are kept on this screen. Please tell a member of staff.";
pub const TOO_SMALL: &str = "Please make the window larger.";
pub const NEEDS_TERMINAL: &str = "triage run needs a terminal to show the questions. Run it in a terminal window (or use `triage submit --answers FILE` to store a typed-in form).";
pub const INTERRUPTED: &str =
    "triage stopped. Every answer given so far is saved; run triage again to continue.";
pub const CRASHED: &str = "triage stopped because of an internal problem. Every answer given so far is saved; run triage again to continue.";

/// Kiosk and staff screens.
pub const IDLE_TITLE: &str = "Are you still there?";
pub const IDLE_TEXT: &str = "Touch the screen or press any key to carry on. To keep your answers private, this form will be cleared in {} seconds.";
pub const THANKS_KIOSK: &str = "Please tell reception you have finished.";
/// Shown once the thank-you screen has settled (keys before that are ignored).
pub const THANKS_KIOSK_NEXT: &str = "Next person: touch the screen or press {confirm}.";
pub const STAFF_PIN_TITLE: &str = "Staff only";
pub const STAFF_PIN_PROMPT: &str =
    "Type the staff PIN (or tap it on the keypad), then press {confirm} or OK. {back} goes back.";
/// The on-screen keypad's action keys.
pub const PAD_DELETE: &str = "⌫ Delete";
pub const PAD_CANCEL: &str = "Cancel";
pub const PAD_OK: &str = "OK (Enter)";
/// The tap target that opens the staff PIN entry at a kiosk (F12 on a keyboard).
pub const STAFF_BUTTON: &str = "Staff";
pub const STAFF_PIN_CHECKING: &str = "Checking...";
/// A wrong staff PIN: the tries left, and the wait before the next (`None` once over).
pub fn staff_pin_wrong(left: u32, when: Option<&str>) -> String {
    let tries = match left {
        1 => "1 try left".to_owned(),
        n => format!("{n} tries left"),
    };
    match when {
        Some(w) => format!("That PIN is not right. {tries}; try again {w}."),
        None => format!("That PIN is not right. {tries}."),
    }
}
/// A wait under a few minutes, in seconds: "in 45 s", "in 2 min 5 s".
pub fn wait_in(secs: u64) -> String {
    match (secs / 60, secs % 60) {
        (0, s) => format!("in {s} s"),
        (m, 0) => format!("in {m} min"),
        (m, s) => format!("in {m} min {s} s"),
    }
}
/// A longer wait, as a clock time already rounded up: "at 12:41".
pub fn wait_at(clock: &str) -> String {
    format!("at {clock}")
}
/// Too many wrong staff PINs; `when` is [`wait_in`] or [`wait_at`], `None` once it is over.
pub fn staff_pin_locked(when: Option<&str>, recovery: bool) -> String {
    match (when, recovery) {
        (Some(w), true) => {
            format!("Too many wrong PINs: locked. Try again {w}; the recovery PIN works now.")
        }
        (Some(w), false) => format!("Too many wrong PINs: locked. Try again {w}."),
        (None, _) => "The lockout is over: type the PIN again.".to_owned(),
    }
}
/// A wrong PIN at a safety pause (no lockout there, only a wait).
pub fn staff_pin_wrong_retry(when: Option<&str>) -> String {
    match when {
        Some(w) => format!("That PIN is not right. Try again {w}."),
        None => "That PIN is not right. Try again now.".to_owned(),
    }
}
/// A PIN typed too soon after a wrong one (not let in; counted only when wrong).
pub fn staff_pin_wait(when: Option<&str>) -> String {
    match when {
        Some(w) => format!("Too soon after a wrong PIN. Try again {w}."),
        None => "You can try again now.".to_owned(),
    }
}
pub const STAFF_MENU_TITLE: &str = "Staff menu";
pub const STAFF_CLOSE: &str = "Back to the patient's screen";
pub const STAFF_CARRY_ON: &str = "Let the patient carry on";
pub const STAFF_END: &str = "End this session here and save it";
pub const STAFF_CONTINUE: &str = "Continue the last unfinished form";
pub const STAFF_REPRINT: &str = "Reprint the last summary";
pub const STAFF_LEAVE: &str = "Leave the kiosk";
pub const STAFF_OUTBOX_WAITING: &str = "Clinic store: {} record(s) waiting to be sent.";
pub const STAFF_OUTBOX_EMPTY: &str = "Clinic store: every record has been sent.";
pub const STAFF_PRINT_FAILED: &str =
    "Staff: the summary of record {} was not printed ({}). {staff}, then reprint.";
pub const SECTIONS_TITLE: &str = "Go to a section";
pub const SECTIONS_HINT: &str =
    "{confirm} goes to the section marked ►; {choose} go straight there; {back} goes back.";
pub const STAFF_MENU_HINT: &str =
    "{confirm} does what is marked ►; {choose} choose; {back} goes back.";

/// `triage run --staff`: who is doing what.
pub const INTAKE_TITLE: &str = "Reception intake";
pub const INTAKE_QUESTION: &str = "How are the answers being given?";
pub const INTAKE_READING: &str = "I am reading the questions to the patient";
pub const INTAKE_PAPER: &str = "I am typing in the patient's paper form";
pub const INTAKE_HINT: &str = "{confirm} chooses the answer marked ►; 1 or 2 choose straight away.";

/// Typing in a paper form.
pub const FORM_BACK: &str = "Back";
pub const HELP_SHORT: &str = "Help";
pub const FORM_ENTER_FIELD: &str = "Next";
pub const FORM_ENTER_SECTION: &str = "Next section";
pub const FORM_ENTER_END: &str = "Check answers";
pub const FORM_ENTER_REVIEW: &str = "Back to review";
/// The last field of a section with required answers missing: Enter marks them and stays.
pub const FORM_ENTER_MISSING: &str = "Show what is missing";
/// A question opened from the review: Enter takes the answer back there.
pub const BACK_TO_REVIEW: &str = "Back to the review";
/// The same on a narrow window's button.
pub const BACK_TO_REVIEW_SHORT: &str = "Review";
pub const FORM_KEYS: &str = "Option numbers · {next_field/2} next · {prev_field} back · {prev_section}/{next_section} section · {sections} list";
pub const FORM_KEYS_SHORT: &str = "Numbers choose · {next_field} next · {prev_field} back";
pub const FORM_MISSING: &str = "MISSING";
/// Reception reading the questions to the patient: the keys of a question screen.
pub const STAFF_STEP_KEYS: &str = "Staff: {next} next · {back} back · {sections} sections";
/// The help panel's title, with how to close it.
pub const HELP_CLOSES: &str = "{dismiss} closes";
/// The header of the paper form: "Paper form · Section 3 of 9".
pub fn form_where(section: usize, of: usize) -> String {
    format!("Paper form · Section {section} of {of}")
}
/// Leaving a section with required answers missing.
pub fn form_missing(labels: &[&str]) -> String {
    match labels {
        [one] => {
            format!("Still needed in this section: {one}. {{sections}} goes to another section.")
        }
        many => format!(
            "{} answers still needed in this section: {}. {{sections}} goes to another section.",
            many.len(),
            many.join(", ")
        ),
    }
}
/// An option number the question does not have.
pub fn form_no_such_answer(number: u32, lo: u32, hi: u32) -> String {
    format!("There is no answer {number} here: the answers are numbered {lo} to {hi}.")
}
pub const KIOSK_NEEDS_PIN: &str = "No staff PIN is set, so staff could not leave or manage the kiosk. Set one first: triage pin set";
pub const TYPE_TIME: &str = "Please type the time like 14:30.";
pub const OPEN_CHOICE_OTHER: &str = "Something else";
pub const OPEN_CHOICE_TYPE: &str = "Please type your answer.";

/// The doctor's desk (`triage inbox`) and the decisions on `records show`.
pub const DECISION_TREAT: &str = "Treat today";
pub const DECISION_DEFER: &str = "Defer";
pub const DECISION_DECLINE: &str = "Decline";
pub const DECISION_REFER: &str = "Refer";
pub const DECISION_NEEDS_REASON: &str =
    "Treating today despite a STOP (or an intake that was not assessed) needs an override reason.";
pub const DECISIONS_HEADING: &str = "Prescriber decisions";
pub const DECISION_CURRENT: &str = "current";
pub const DECISION_SUPERSEDED: &str = "superseded";
pub const DECISION_BY: &str = "by";
pub const DECISION_LOGIN: &str = "Signed from clinic store login";
pub const DECISION_OVERRIDE: &str = "STOP override reason";
pub const DECISION_NOTE: &str = "Note";
pub const INBOX_TITLE: &str = "triage inbox";
pub const INBOX_SIGN_IN: &str = "Who is signing in?";
/// A prescriber without a PIN, with the command that sets one for them (their real id).
pub fn inbox_no_pin(name: &str, id: &str) -> String {
    format!("No PIN is set for {name}: set one with `triage pin set --prescriber {id}`.")
}
/// The inbox list's first column: the time today, or over all days the visit's date (with
/// the time when completed that day).
pub const INBOX_TIME_COLUMN: &str = "TIME";
pub const INBOX_VISIT_COLUMN: &str = "VISIT";
pub const INBOX_PIN_PROMPT: &str = "Type your PIN, then press Enter.";
pub const INBOX_LOCKED_TITLE: &str = "Locked";
pub const INBOX_LOCKED: &str = "Patient data is hidden. {}: type your PIN to carry on.";
pub const INBOX_TODAY: &str = "Today";
pub const INBOX_ALL: &str = "All days";
pub const INBOX_LOADING: &str = "Loading...";
pub const INBOX_EMPTY: &str = "No intakes for this day yet. New ones appear here by themselves.";
pub const INBOX_CLINIC_STORE: &str = "clinic store";
pub const INBOX_LOCAL_STORE: &str = "this machine";
pub const INBOX_COUNTS: &str = "{} intake(s), {} to decide";
pub const INBOX_CHOOSE_TITLE: &str = "Decision for {}";
pub const INBOX_CHOOSE_HINT: &str = "Choose the decision (1-4), then write an optional note.";
pub const INBOX_REASON_LABEL: &str = "STOP override reason (required to treat today)";
pub const INBOX_NOTE_LABEL: &str = "Note (optional)";
pub const INBOX_SAVE: &str = "Save";
pub const INBOX_CANCEL: &str = "Cancel";
pub const INBOX_SAVING: &str = "Saving...";
pub const INBOX_DECIDED: &str = "Decision recorded: {}.";
pub const INBOX_STOP_PRESENT: &str =
    "This intake has a STOP: treating today needs an override reason.";
pub const INBOX_NOT_ASSESSED: &str =
    "This intake was not assessed: treating today needs an override reason.";
pub const INBOX_PAGE_LOADING: &str = "Opening the record...";
pub const INBOX_NEEDS_PRESCRIBERS: &str = "No prescribers are set up, so nobody could sign a decision. Add them to the clinic settings ([[prescriber]] with id, name and registration) and set each one's PIN with `triage pin set --prescriber ID` (see docs/inbox.md).";
pub const INBOX_NEEDS_TERMINAL: &str =
    "triage inbox needs a terminal. Run it in a terminal window.";
pub const INBOX_ENTERED_PATIENT: &str = "patient";
pub const INBOX_ENTERED_RECEPTION: &str = "reception";
/// The outcome as one or two words in the inbox's list.
pub fn inbox_outcome(outcome: &str) -> &'static str {
    match outcome {
        "stop" => "STOP",
        "caution" => "CAUTION",
        "clear" => "NO FLAGS",
        "no_rules" => "NO RULES",
        _ => "NOT ASSESSED",
    }
}
