//! The walk-through's state (The Elm Architecture): one [`Model`], the messages that change it,
//! and the effects `update` asks the runtime to perform (saving, finishing, quitting). Nothing
//! here does I/O; time arrives in messages.

use crossterm::event::KeyEvent;
use jiff::Timestamp;
use tui_input::Input;

use crate::answer::Answer;
use crate::engine::{At, Session, Step};
use crate::questionnaire::{ChoiceStyle, FlagIdx, ItemIdx, ItemKind, OptionIdx, QuestionKind};
use crate::store::{DraftId, DraftInfo, RecordId};
use crate::typed;

pub use super::keymap::Intent;
use super::keymap::{Mode as Keys, Operator};

use super::surface::Viewport;
pub use super::surface::{Action, HitMap, PadKey, Target};

/// Which screen is showing.
#[derive(Debug, Clone, PartialEq)]
pub enum Screen {
    Welcome,
    /// An unfinished draft was found at start: continue it (behind the staff PIN or the
    /// patient's date of birth) or start again. Shows no answers.
    Resume {
        draft: DraftInfo,
        access: ResumeAccess,
        /// The form stopped at a safety pause nobody released: with a staff PIN set, only staff
        /// may deal with it (no "start a new form" past it).
        pause_pending: bool,
    },
    /// Continuing an unfinished draft: the date of birth given on it, typed again.
    ResumeDob {
        draft: DraftInfo,
        entered: String,
        message: Option<String>,
        tries_left: u8,
    },
    /// A section intro, information screen or question (one occurrence of it, when it repeats),
    /// or the "add another" question after a repeat.
    Step(Step),
    /// Every visible answer; `focus` is a row, or the rows' count for the Send button.
    Review {
        focus: usize,
    },
    Confirm,
    /// A safety disclosure: the support screen, waiting for staff.
    Pause {
        flag: FlagIdx,
        at: ItemIdx,
    },
    Thanks,
    /// The masked staff PIN entry, over the screen it was opened from (kiosk: F12; run mode: a
    /// safety pause or a private unfinished form).
    StaffPin {
        entered: String,
        message: Option<String>,
        /// The last answer that asked staff to wait (a lockout, the wait between tries): the
        /// message counts down from it with each tick.
        wait: Option<crate::kiosk::pin::Check>,
        back: Box<Screen>,
        then: AfterPin,
    },
    /// Kiosk: what staff can do once the PIN is right.
    StaffMenu {
        focus: usize,
        back: Box<Screen>,
    },
    /// Reception: jump to any section.
    Sections {
        focus: usize,
        back: Step,
    },
    /// `triage run --staff`, first: is the staff member reading the questions to the patient,
    /// or typing in a paper form?
    Intake {
        focus: usize,
    },
    /// Typing in a paper form: every visible question of one section at once, as a form; the
    /// focused question's editing state is the model's `field`.
    Form {
        section: ItemIdx,
        focus: ItemIdx,
        /// The first digit of an option number that may go on (lists of ten or more).
        pending: Option<u32>,
        /// Leaving the section was tried with required answers missing: they are marked.
        show_missing: bool,
    },
}

/// What opening an unfinished form takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResumeAccess {
    /// The staff PIN (one is set).
    StaffPin,
    /// The date of birth stored in the form (no PIN set; the questionnaire names its
    /// date-of-birth question).
    DateOfBirth,
    /// Nothing on this screen can prove who it belongs to: staff only (`triage records drafts`).
    StaffOnly,
}

/// What the right staff PIN opens.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AfterPin {
    /// The staff menu.
    Menu,
    /// The unfinished form.
    Resume(DraftId),
}

/// The editing state of the question on screen.
#[derive(Debug, Clone, Default)]
pub enum Field {
    #[default]
    None,
    /// Single choice (and yes/no): the focused option and the chosen one.
    Choice { focus: usize, chosen: Option<u32> },
    /// Multi-choice: the focused option and the chosen ones.
    Multi { focus: usize, chosen: Vec<u32> },
    /// Text, number or date: what is typed, with a real cursor.
    Text(Input),
    /// A number with a choice of units: what is typed, and the unit chosen (an index into the
    /// item's unit choices).
    Quantity { input: Input, unit: usize },
}

impl Field {
    /// The typing part of the field, if it has one.
    pub fn input(&self) -> Option<&Input> {
        match self {
            Field::Text(i) | Field::Quantity { input: i, .. } => Some(i),
            _ => None,
        }
    }

    pub fn input_mut(&mut self) -> Option<&mut Input> {
        match self {
            Field::Text(i) | Field::Quantity { input: i, .. } => Some(i),
            _ => None,
        }
    }
}

#[derive(Debug, Clone)]
pub enum Msg {
    /// A key as read; `update` turns it into an [`Msg::Intent`] through the keymap before a
    /// screen sees it.
    Key(KeyEvent),
    /// What a key means on the screen showing (see `crate::tui::keymap`).
    Intent(Intent),
    Paste(String),
    Tap(Target),
    /// Mouse wheel: positive is down.
    Scroll(i16),
    /// A tap on nothing in particular: someone is there (kiosk idle timer).
    Touched,
    /// The program is being stopped (signal, closed terminal): keep the answer on screen.
    Stopping,
    Tick(Timestamp),
    DraftStarted(DraftId),
    Saved(String),
    SaveFailed {
        item: String,
        value: Option<serde_json::Value>,
        reason: String,
    },
    /// A draft's stored answers and latched flags, for resuming.
    Restored {
        draft: DraftId,
        /// The questionnaire the draft was started with.
        made_with: crate::store::QuestionnaireRef,
        answers: Vec<(String, serde_json::Value)>,
        latches: Vec<crate::engine::Latch>,
    },
    /// What became of the staff alert for a pause flag (first `Pending`, then the result).
    Alerted {
        flag: FlagIdx,
        status: crate::engine::AlertStatus,
    },
    /// Whether the date of birth typed matches the unfinished form's, and how many tries are
    /// left (counted in the audit log, so a restart does not give more).
    DobChecked {
        draft: DraftId,
        matches: bool,
        tries_left: u8,
    },
    /// An audit-log write failed: staff must be told (never silently lost).
    AuditFailed(String),
    /// The form asked for is being shown in another live window: not opened here.
    DraftInUse,
    /// An unfinished form could not be read back (the reason is for staff; no answers in it).
    LoadFailed(String),
    Completed(RecordId),
    CompleteFailed(String),
    /// The staff PIN was checked.
    PinChecked(crate::kiosk::pin::Check),
    /// The PIN could not be checked (no PIN file, unreadable): a plain reason for staff.
    PinUnavailable(String),
    /// The summary was printed or spooled (`None`), or why not.
    Delivered(RecordId, Option<String>),
}

impl Msg {
    /// Whether the message comes from the person at the screen (key, tap, paste, wheel).
    pub fn is_input(&self) -> bool {
        matches!(
            self,
            Msg::Key(_)
                | Msg::Intent(_)
                | Msg::Tap(_)
                | Msg::Paste(_)
                | Msg::Scroll(_)
                | Msg::Touched
        )
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    /// Commit one answer (or its removal) to the draft before the next screen shows; the draft
    /// is started with the first answer (the runtime then also answers `DraftStarted`).
    Save {
        item: String,
        value: Option<serde_json::Value>,
    },
    /// Load a draft's answers (answered with `Restored`).
    LoadDraft(DraftId),
    DiscardDraft(DraftId),
    /// Store the finished session as a record (answered with `Completed`).
    Complete,
    /// Ring the terminal bell (safety pause).
    Bell,
    Quit,
    /// Kiosk: check a staff PIN (answered with `PinChecked`).
    CheckPin(String),
    /// Kiosk: print and/or spool a stored record's summary off the UI thread (answered with
    /// `Delivered` when done; nothing when no destination is configured).
    Deliver(RecordId),
    /// Run the staff alert command for a pause flag, off the UI thread (no patient data);
    /// answered with `Alerted`.
    Alert {
        flag: FlagIdx,
    },
    /// Append to the audit log (ids and events, never answers), for the current draft.
    Audit {
        event: crate::store::AuditEvent,
        detail: String,
    },
    /// Append to the audit log about a stored record (printing).
    AuditRecord {
        event: crate::store::AuditEvent,
        record: RecordId,
    },
    /// Check a typed date of birth (ISO) against an unfinished form's; answered with
    /// `DobChecked`.
    VerifyDob {
        draft: DraftId,
        dob: String,
    },
    /// A wiped session's (or a form left by someone else) stays in the store as abandoned, for
    /// staff.
    AbandonDraft(DraftId),
    /// Kiosk: staff continue the newest unfinished or abandoned form (answered with `Restored`).
    LoadLatestDraft,
}

/// How the program was started.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// `triage run`: one patient, staff nearby.
    Run,
    /// `triage run --staff`: reception types answers in; compact screens, section jumps.
    Staff,
    /// `triage kiosk`: patient after patient, locked down.
    Kiosk,
    /// `triage run --staff --from-paper` (or chosen at the start of `--staff`): reception types
    /// in a patient's paper form, one form screen per section; the record says the answers
    /// were transcribed (the questionnaire's `transcribed` staff answer).
    Paper,
}

impl Mode {
    /// Reception staff at the keyboard (reading the questions to the patient, or typing in
    /// a paper form): staff-only answers offered, compact screens, section jumps.
    pub fn is_staff(self) -> bool {
        matches!(self, Mode::Staff | Mode::Paper)
    }
}

/// The option value that says a form was typed in by staff from the patient's paper form
/// (clinical spec 9.1, `a_respondent`): in paper mode, a staff answer to a question that has
/// an option with this value takes that option instead.
pub const TRANSCRIBED: &str = "transcribed";

/// The answers a new session starts with: the questionnaire's `staff_answers` in reception
/// modes; in paper mode a preset question with a `transcribed` option takes that option.
pub fn preset_answers(
    q: &crate::questionnaire::Questionnaire,
    mode: Mode,
) -> Vec<(ItemIdx, Answer)> {
    if !mode.is_staff() {
        return Vec::new();
    }
    q.meta
        .staff_answers
        .iter()
        .map(|(item, answer)| {
            let transcribed = q
                .item(*item)
                .options()
                .iter()
                .position(|o| o.value == TRANSCRIBED);
            match (mode, transcribed) {
                (Mode::Paper, Some(i)) => (*item, Answer::Choice(OptionIdx::at(i).get())),
                _ => (*item, answer.clone()),
            }
        })
        .collect()
}

/// Kiosk timing and what staff need to see.
#[derive(Debug, Clone)]
pub struct Kiosk {
    pub idle_warning: std::time::Duration,
    pub idle_reset: std::time::Duration,
    pub thanks: std::time::Duration,
    /// The last key, tap or paste.
    pub last_activity: Timestamp,
    pub thanks_since: Option<Timestamp>,
    /// A message for staff (printing failed); shown small on the welcome screen.
    pub staff_notice: Option<String>,
    pub last_record: Option<RecordId>,
    /// To work out today's date for the next patient.
    pub zone: jiff::tz::TimeZone,
    /// A visit date given on the command line (`--visit-date`): every patient gets it.
    pub fixed_date: Option<jiff::civil::Date>,
}

impl Kiosk {
    pub fn idle_for(&self, now: Timestamp) -> std::time::Duration {
        now.duration_since(self.last_activity)
            .try_into()
            .unwrap_or_default()
    }
}

// Its flags are independent facts (quitting, the help panel, following the focus, a staff PIN
// set, where the page goes), not a state machine in disguise.
#[allow(clippy::struct_excessive_bools)]
pub struct Model<'q> {
    pub session: Session<'q>,
    /// The questionnaire a new form starts with (the session may hold an earlier version, when
    /// an unfinished form made with it was resumed).
    pub current: &'q crate::questionnaire::Questionnaire,
    /// Earlier versions of `current` that unfinished forms may have been started with; such a
    /// form resumes with its own version's questions and rules.
    pub earlier: &'q [crate::questionnaire::Questionnaire],
    pub screen: Screen,
    pub field: Field,
    pub mode: Mode,
    /// A plain message next to the field (validation).
    pub message: Option<String>,
    pub help_open: bool,
    /// The question opened from the review screen: after it is answered (or left with Back)
    /// the review screen returns with the focus on its row.
    pub back_to_review: Option<At>,
    /// The screens there were when a question was opened from the review screen: a screen
    /// the change brings in (a follow-up question) is asked before going back there.
    pub review_seen: Vec<crate::engine::Step>,
    pub draft: Option<DraftId>,
    /// Answers whose save failed, oldest first: the oldest is retried each tick, the rest follow
    /// as soon as it is saved.
    pub unsaved: Vec<(String, Option<serde_json::Value>)>,
    pub save_problem: Option<String>,
    /// Set once a resumed draft had answers that no longer fit.
    pub notice: Option<String>,
    pub record: Option<RecordId>,
    pub now: Timestamp,
    pub quit: bool,
    /// Present in kiosk mode.
    pub kiosk: Option<Kiosk>,
    /// Where the scrollable body of the screen showing stands: written by `view` as it draws
    /// (like ratatui's `ListState`), read by `update` to decide whether ↑/↓ scroll or move.
    pub viewport: std::cell::Cell<Viewport>,
    /// The answers of the question on screen that the last frame could not show (its list
    /// scrolls): written by `view`, read by `update` to name them when an answer is missing.
    pub hidden_options: std::cell::RefCell<Vec<usize>>,
    /// Whether the window follows the focused option (after the patient moved it); off when
    /// a screen opens (it shows its top) and while the patient scrolls by hand.
    pub follow_focus: bool,
    /// Counts patients: changes whenever one patient's session is cleared for the next, so
    /// input read before the change is never applied after it.
    pub patient: u64,
    /// A staff PIN is set: leaving a safety pause needs it, in every mode.
    pub staff_pin: bool,
    /// Run mode: the doctor's page goes to standard output (a file, pipe or printer) after the
    /// last screen; when `false` the last screen says where staff can read it instead.
    pub page_to_stdout: bool,
    /// Records waiting on this machine for the clinic store (`None`: no clinic store, or not
    /// counted yet). Shown to staff only, on the staff menu.
    pub outbox_pending: Option<usize>,
}

impl<'q> Model<'q> {
    pub fn new(mut session: Session<'q>, mode: Mode, now: Timestamp) -> Self {
        session.set_now(now);
        Model {
            current: session.questionnaire(),
            earlier: &[],
            session,
            screen: Screen::Welcome,
            field: Field::None,
            mode,
            message: None,
            help_open: false,
            back_to_review: None,
            review_seen: Vec::new(),
            draft: None,
            unsaved: Vec::new(),
            save_problem: None,
            notice: None,
            record: None,
            now,
            quit: false,
            kiosk: None,
            viewport: std::cell::Cell::default(),
            hidden_options: std::cell::RefCell::default(),
            follow_focus: false,
            patient: 0,
            staff_pin: false,
            page_to_stdout: false,
            outbox_pending: None,
        }
    }

    /// Clears everything about the current patient from memory and shows the welcome screen:
    /// after a kiosk patient has finished, or after an idle wipe. Staff answers are preset again
    /// in reception mode.
    pub fn start_over(&mut self) {
        let q = self.current;
        let visit = match &self.kiosk {
            Some(k) => k
                .fixed_date
                .unwrap_or_else(|| self.now.to_zoned_datetime(k.zone.clone()).date()),
            None => self.session.visit_date(),
        };
        self.session = new_session(q, visit, self.mode);
        self.session.set_now(self.now);
        self.patient += 1;
        self.show(Screen::Welcome);
        self.back_to_review = None;
        self.review_seen.clear();
        self.draft = None;
        self.unsaved.clear();
        self.notice = None;
        self.record = None;
    }

    /// Shows another screen: what belonged to the one left (its field, its message, its help
    /// panel) goes with it, so a message can never outlive the screen it was about. Overlays
    /// that return to the screen below (the staff PIN entry and menu, the section list) and
    /// changes within one screen (its focus) set `screen` directly and keep that state.
    pub fn show(&mut self, screen: Screen) {
        self.screen = screen;
        self.field = Field::None;
        self.message = None;
        self.help_open = false;
    }

    /// Whether a patient's answers are on screen or in memory (what an idle wipe clears).
    pub fn has_patient(&self) -> bool {
        self.draft.is_some()
            || self.session.stored_answers().next().is_some()
            || !matches!(self.screen, Screen::Welcome)
    }

    /// The questionnaire a stored form was made with: `current`, or the earlier version with
    /// the same id and content hash; `current` when none matches (the resume screen says so).
    pub fn questionnaire_for(
        &self,
        made_with: &crate::store::QuestionnaireRef,
    ) -> &'q crate::questionnaire::Questionnaire {
        crate::questionnaire::versions::pick(
            self.current,
            self.earlier,
            &made_with.id,
            &made_with.content_hash,
        )
    }

    /// The options of `item` this screen offers: staff-only options only in reception mode.
    pub fn offered_options(&self, item: ItemIdx) -> &'q [crate::questionnaire::ChoiceOption] {
        self.session
            .questionnaire()
            .item(item)
            .offered_options(self.mode.is_staff())
    }

    /// Which keymap applies on the screen showing, and who is at the keyboard.
    pub fn key_mode(&self) -> (Keys, Operator) {
        let m = self;
        let op = if m.kiosk.is_some() {
            Operator::Kiosk
        } else if m.mode.is_staff() {
            Operator::Staff
        } else {
            Operator::Patient
        };
        let typing = m.field.input().is_some();
        let keys = match &m.screen {
            Screen::Welcome => Keys::Welcome,
            Screen::Resume { .. } => Keys::Resume,
            Screen::ResumeDob { .. } => Keys::ResumeDob,
            Screen::Step(crate::engine::Step::More(_)) => Keys::More,
            Screen::Step(_) | Screen::Form { .. } if m.help_open => Keys::Help,
            Screen::Step(_) if typing => Keys::Typing,
            Screen::Step(_) => Keys::Choice,
            Screen::Review { .. } => Keys::Review,
            Screen::Confirm => Keys::Confirm,
            Screen::Pause { .. } if m.staff_pin => Keys::PauseLocked,
            Screen::Pause { .. } => Keys::Pause,
            Screen::Thanks => Keys::Thanks,
            Screen::StaffPin { .. } => Keys::StaffPin,
            Screen::StaffMenu { .. } | Screen::Sections { .. } => Keys::Menu,
            Screen::Intake { .. } => Keys::Intake,
            Screen::Form { .. } if typing => Keys::PaperTyping,
            Screen::Form { .. } => Keys::Paper,
        };
        (keys, op)
    }

    /// The tables whose keys the screen's hints and buttons name: those of the screen under
    /// the help panel when it is open (the panel takes any key, but the hints around it are
    /// about the screen).
    fn hint_layers(&self) -> Vec<&'static super::keymap::Keymap> {
        let (keys, op) = self.key_mode();
        let keys = match (keys, &self.screen) {
            (Keys::Help, Screen::Form { .. }) if self.field.input().is_some() => Keys::PaperTyping,
            (Keys::Help, Screen::Form { .. }) => Keys::Paper,
            (Keys::Help, _) if self.field.input().is_some() => Keys::Typing,
            (Keys::Help, _) => Keys::Choice,
            (other, _) => other,
        };
        super::keymap::patient::layers(keys, op)
    }

    /// A hint's key names filled in from the tables of the screen showing (see
    /// [`super::keymap::fill_keys`]).
    pub fn keys_hint(&self, template: &str) -> String {
        super::keymap::fill_keys(template, &self.hint_layers())
    }

    /// [`Self::keys_hint`] for a list of `rows` chosen by number: the digit keys are named as
    /// far as the list goes ("1-3" for three rows, "1" for one), not "1-9".
    pub fn keys_hint_for_rows(&self, template: &str, rows: usize) -> String {
        let digits = super::keymap::Key::Digits.name();
        let shown = match rows.min(9) {
            0 | 1 => "1".to_owned(),
            n => format!("1-{n}"),
        };
        self.keys_hint(template).replace(&digits, &shown)
    }

    /// The name of the first key that does `intent` on the screen showing ("←", "Esc"), for a
    /// button's label; `None` when no key does it here.
    pub fn key_name(&self, intent: Intent) -> Option<String> {
        self.hint_layers()
            .into_iter()
            .find_map(|t| t.key_for(intent))
            .map(super::keymap::Key::name)
    }

    /// Shows a step, loading its current answer into the field. In paper mode the step is the
    /// field of its section's form (a section intro or information screen: the first question
    /// after it); the paper form has no repeats, so only steps outside them.
    pub fn go_to(&mut self, step: Step) {
        let q = self.session.questionnaire();
        let item = step.item();
        let paper_field = (self.mode == Mode::Paper
            && matches!(step, Step::Item(at) if at.inst.is_empty()))
        .then(|| {
            item.up_to(ItemIdx::at(q.items.len())).find(|i| {
                self.session.is_step(*i) && matches!(q.item(*i).kind, ItemKind::Question(_))
            })
        })
        .flatten();
        if let Some(field) = paper_field {
            let section = super::paper::page_of(q, field);
            // Within a section the missing answers stay marked and the window stays put (it
            // follows the focus); another section starts at its top.
            let (same, show_missing) = match &self.screen {
                Screen::Form {
                    section: s,
                    show_missing,
                    ..
                } => (*s == section, *s == section && *show_missing),
                _ => (false, false),
            };
            if !same {
                self.viewport.set(Viewport::default());
            }
            self.show(Screen::Form {
                section,
                focus: field,
                pending: None,
                show_missing,
            });
            self.field = field_for(&self.session, At::base(field));
            self.follow_focus = true;
            return;
        }
        self.show(Screen::Step(step));
        self.field = match step {
            Step::Item(at) => field_for(&self.session, at),
            Step::More(_) => Field::Choice {
                focus: 0,
                chosen: None,
            },
        };
        self.reset_view();
    }

    /// Shows where a problem is: its question, or for a group or repeat the first screen in it.
    pub fn go_to_problem(&mut self, p: &crate::engine::Problem) {
        match self.session.step_for_problem(p) {
            Some(s) => self.go_to(s),
            None => {
                self.show(Screen::Review { focus: 0 });
            }
        }
    }

    /// A new screen starts at its top.
    pub fn reset_view(&mut self) {
        self.viewport.set(Viewport::default());
        self.follow_focus = false;
    }

    /// ↑/↓ on a screen whose body scrolls: scrolls one row (`by` is -1 or 1) when that is what
    /// the patient needs to see more (the focused element out of view, or nothing to move to);
    /// says whether it scrolled.
    pub fn scroll_view(&mut self, by: i32, can_move_focus: bool) -> bool {
        let mut v = self.viewport.get();
        if !v.scrolls() {
            return false;
        }
        let scroll = if by > 0 {
            v.offset < v.max_offset()
                && (!can_move_focus || v.focus.is_some_and(|(_, b)| b > v.offset + v.height))
        } else {
            v.offset > 0 && (!can_move_focus || v.focus.is_some_and(|(t, _)| t < v.offset))
        };
        if scroll {
            v.offset = super::surface::cells(super::surface::moved(
                usize::from(v.offset),
                by,
                usize::from(v.max_offset()) + 1,
            ));
            self.viewport.set(v);
            self.follow_focus = false;
        }
        scroll
    }
}

/// A new session; in reception mode with the questionnaire's staff answers already given.
pub fn new_session(
    q: &crate::questionnaire::Questionnaire,
    visit: jiff::civil::Date,
    mode: Mode,
) -> Session<'_> {
    let mut s = Session::new(q, visit);
    for (item, answer) in preset_answers(q, mode) {
        let _ = s.set(item, answer);
    }
    s
}

/// The editing state for an occurrence, filled from its stored answer.
pub fn field_for(s: &Session<'_>, at: At) -> Field {
    let it = s.questionnaire().item(at.item);
    let ItemKind::Question(kind) = &it.kind else {
        return Field::None;
    };
    let stored = s.stored_at(at);
    match kind {
        QuestionKind::Choice {
            style: ChoiceStyle::Multi,
            ..
        } => {
            let chosen = match stored {
                Some(Answer::Multi(l)) => l.clone(),
                _ => Vec::new(),
            };
            Field::Multi {
                focus: chosen.first().map_or(0, |&c| c as usize),
                chosen,
            }
        }
        QuestionKind::Choice { .. } => {
            let chosen = match stored {
                Some(Answer::Choice(c)) => Some(*c),
                _ => None,
            };
            Field::Choice {
                focus: chosen.map_or(0, |c| c as usize),
                chosen,
            }
        }
        QuestionKind::Number { .. } if !it.unit_choices().is_empty() => {
            let (text, unit) = match stored {
                Some(Answer::Quantity { value, unit, .. }) => {
                    (typed::show_number(*value), *unit as usize)
                }
                _ => (String::new(), it.default_unit() as usize),
            };
            Field::Quantity {
                input: Input::new(text),
                unit,
            }
        }
        QuestionKind::Number { .. } | QuestionKind::Date { .. } | QuestionKind::Text { .. } => {
            let text = match stored {
                Some(Answer::Number(n)) => typed::show_number(*n),
                Some(Answer::Date(d)) => typed::show_date(d),
                Some(Answer::Text(t)) => t.clone(),
                _ => String::new(),
            };
            Field::Text(Input::new(text))
        }
    }
}
