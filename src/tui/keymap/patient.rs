//! The walk-through's tables: one per patient or staff screen ([`table`]), and one per operator
//! ([`Operator`]) laid over them ([`layers`]): what the keyboard can do whatever the screen.
//! Reading the operator tables tells what each kind of machine allows: at `run` Ctrl-C or
//! Ctrl-Q stops (every answer is already saved); reception also jumps between sections; a
//! kiosk's keyboard opens the staff PIN entry (F12) and nothing else, so a patient cannot stop
//! the program, jump ahead or reach staff screens ([`KIOSK`]).

use crossterm::event::KeyCode as K;

use super::Key::{Any, Ctrl, Digits, Numbers, Plain};
use super::{Binding, Intent as I, Keymap, Mode, Typing, bind};

/// Who is at the keyboard, which decides the table laid over every screen's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operator {
    /// `triage run`: the patient, with staff nearby.
    Patient,
    /// Reception staff (`run --staff`, the paper form).
    Staff,
    /// A locked-down kiosk.
    Kiosk,
}

const QUIT: Binding = bind(&[Ctrl('c'), Ctrl('q')], I::Quit, None);

/// `triage run`: the patient's keyboard.
pub static RUN: Keymap = Keymap {
    name: "run",
    typing: Typing::No,
    bindings: &[QUIT],
};

/// Reception staff: also the section list.
pub static STAFF: Keymap = Keymap {
    name: "staff",
    typing: Typing::No,
    bindings: &[
        bind(&[Plain(K::F(5)), Ctrl('g')], I::Sections, Some("sections")),
        QUIT,
    ],
};

/// The kiosk's lockdown: the staff PIN entry, nothing else.
pub static KIOSK: Keymap = Keymap {
    name: "kiosk",
    typing: Typing::No,
    bindings: &[bind(&[Plain(K::F(12))], I::Staff, Some("staff"))],
};

/// Reception on a question: Tab goes on and Shift-Tab back, as in a form (for the patient Tab
/// moves between answers).
pub static STAFF_STEP: Keymap = Keymap {
    name: "staff question",
    typing: Typing::No,
    bindings: &[
        bind(&[Plain(K::Tab)], I::Next, Some("next")),
        bind(&[Plain(K::BackTab)], I::Back, Some("back")),
    ],
};

const NEXT: Binding = bind(
    &[Plain(K::Enter), Plain(K::PageDown), Plain(K::Right)],
    I::Next,
    Some("next"),
);
const BACK: Binding = bind(
    &[Plain(K::Left), Plain(K::Esc), Plain(K::PageUp)],
    I::Back,
    Some("back"),
);
const UP: Binding = bind(&[Plain(K::Up)], I::Up, Some("move"));
const DOWN: Binding = bind(&[Plain(K::Down)], I::Down, Some("move"));
const DOWN_TAB: Binding = bind(&[Plain(K::Down), Plain(K::Tab)], I::Down, Some("move"));
const DIGITS: Binding = bind(&[Digits], I::Choose(0), Some("choose"));
const ESC: Binding = bind(&[Plain(K::Esc)], I::Back, Some("back"));
const ENTER: Binding = bind(&[Plain(K::Enter)], I::Confirm, Some("choose"));

static WELCOME: Keymap = Keymap {
    name: "welcome",
    typing: Typing::No,
    bindings: &[
        UP,
        DOWN,
        bind(
            &[
                Plain(K::Enter),
                Plain(K::Char(' ')),
                Plain(K::Right),
                Plain(K::PageDown),
            ],
            I::Next,
            Some("start"),
        ),
    ],
};

static RESUME: Keymap = Keymap {
    name: "resume",
    typing: Typing::No,
    bindings: &[DIGITS, ENTER],
};

static RESUME_DOB: Keymap = Keymap {
    name: "date of birth",
    typing: Typing::Chars,
    bindings: &[
        bind(&[Plain(K::Enter)], I::Confirm, Some("check")),
        bind(&[Plain(K::Backspace)], I::Erase, None),
        ESC,
    ],
};

static CHOICE: Keymap = Keymap {
    name: "question",
    typing: Typing::No,
    bindings: &[
        bind(
            &[Plain(K::Char('?')), Plain(K::F(1))],
            I::Help,
            Some("why we ask"),
        ),
        UP,
        DOWN,
        bind(&[Plain(K::Tab)], I::NextField, None),
        bind(&[Plain(K::Home)], I::Top, None),
        bind(&[Plain(K::End)], I::Bottom, None),
        bind(&[Numbers], I::Digit(0), Some("choose")),
        bind(&[Plain(K::Char(' '))], I::Toggle, Some("choose")),
        NEXT,
        BACK,
    ],
};

static TYPING: Keymap = Keymap {
    name: "typed answer",
    typing: Typing::Line,
    bindings: &[
        bind(&[Plain(K::F(1))], I::Help, Some("why we ask")),
        UP,
        DOWN,
        bind(
            &[Plain(K::Enter), Plain(K::PageDown)],
            I::Next,
            Some("next"),
        ),
        bind(&[Plain(K::Esc), Plain(K::PageUp)], I::Back, Some("back")),
    ],
};

static HELP: Keymap = Keymap {
    name: "help",
    typing: Typing::No,
    bindings: &[bind(&[Any], I::Dismiss, Some("close"))],
};

static MORE: Keymap = Keymap {
    name: "add another",
    typing: Typing::No,
    bindings: &[
        DIGITS,
        UP,
        DOWN_TAB,
        bind(&[Plain(K::Char(' '))], I::Toggle, Some("choose")),
        NEXT,
        BACK,
    ],
};

static REVIEW: Keymap = Keymap {
    name: "review",
    typing: Typing::No,
    bindings: &[
        UP,
        DOWN_TAB,
        bind(&[Plain(K::Home)], I::Top, None),
        bind(&[Plain(K::End)], I::Bottom, None),
        bind(
            &[Plain(K::Enter), Plain(K::Char(' '))],
            I::Confirm,
            Some("change or send"),
        ),
        BACK,
    ],
};

static CONFIRM: Keymap = Keymap {
    name: "confirm",
    typing: Typing::No,
    bindings: &[bind(&[Plain(K::Enter)], I::Confirm, Some("send")), BACK],
};

static PAUSE: Keymap = Keymap {
    name: "pause",
    typing: Typing::No,
    bindings: &[
        UP,
        DOWN,
        bind(&[Plain(K::F(2))], I::ReleaseCarryOn, Some("continue")),
        bind(&[Plain(K::F(10))], I::ReleaseEnd, Some("end here")),
    ],
};

static PAUSE_LOCKED: Keymap = Keymap {
    name: "pause (staff PIN)",
    typing: Typing::No,
    bindings: &[
        UP,
        DOWN,
        bind(
            &[Plain(K::F(2)), Plain(K::F(10)), Plain(K::F(12))],
            I::Staff,
            Some("staff"),
        ),
    ],
};

static PAUSE_KIOSK: Keymap = Keymap {
    name: "pause (kiosk)",
    typing: Typing::No,
    bindings: &[UP, DOWN],
};

static THANKS: Keymap = Keymap {
    name: "thanks",
    typing: Typing::No,
    bindings: &[bind(
        &[Plain(K::Enter), Plain(K::Char(' '))],
        I::Confirm,
        Some("finish"),
    )],
};

static STAFF_PIN: Keymap = Keymap {
    name: "staff PIN",
    typing: Typing::Chars,
    bindings: &[
        bind(&[Plain(K::Enter)], I::Confirm, Some("check PIN")),
        bind(&[Plain(K::Backspace)], I::Erase, None),
        ESC,
    ],
};

static MENU: Keymap = Keymap {
    name: "menu",
    typing: Typing::No,
    bindings: &[UP, DOWN_TAB, ESC, ENTER, DIGITS],
};

static INTAKE: Keymap = Keymap {
    name: "intake",
    typing: Typing::No,
    bindings: &[
        bind(&[Plain(K::Up), Plain(K::BackTab)], I::Up, Some("move")),
        DOWN_TAB,
        bind(
            &[Plain(K::Enter), Plain(K::Char(' '))],
            I::Confirm,
            Some("choose"),
        ),
        DIGITS,
    ],
};

const PAPER_MOVES: [Binding; 5] = [
    bind(
        &[Plain(K::Enter), Plain(K::Tab), Plain(K::Down)],
        I::NextField,
        Some("next"),
    ),
    bind(
        &[Plain(K::BackTab), Plain(K::Up), Plain(K::Esc)],
        I::PrevField,
        Some("back"),
    ),
    bind(&[Plain(K::PageDown)], I::NextSection, Some("section")),
    bind(&[Plain(K::PageUp)], I::PrevSection, Some("section")),
    bind(&[Plain(K::F(1))], I::Help, Some("help")),
];

static PAPER: Keymap = Keymap {
    name: "paper form",
    typing: Typing::No,
    bindings: &[
        PAPER_MOVES[0],
        PAPER_MOVES[1],
        PAPER_MOVES[2],
        PAPER_MOVES[3],
        PAPER_MOVES[4],
        bind(&[Plain(K::Char('?'))], I::Help, None),
        bind(&[Numbers], I::Digit(0), Some("option numbers")),
        bind(
            &[Plain(K::Char(' ')), Plain(K::Char(','))],
            I::Separator,
            None,
        ),
        bind(&[Plain(K::Backspace), Plain(K::Delete)], I::Clear, None),
    ],
};

static PAPER_TYPING: Keymap = Keymap {
    name: "paper form, typed field",
    typing: Typing::Line,
    bindings: &PAPER_MOVES,
};

/// The table of a walk-through screen (`mode` is one of the non-inbox modes).
pub(super) fn table(mode: Mode) -> &'static Keymap {
    match mode {
        Mode::Welcome => &WELCOME,
        Mode::Resume => &RESUME,
        Mode::ResumeDob => &RESUME_DOB,
        Mode::Choice => &CHOICE,
        Mode::Typing => &TYPING,
        Mode::Help => &HELP,
        Mode::More => &MORE,
        Mode::Review => &REVIEW,
        Mode::Confirm => &CONFIRM,
        Mode::Pause => &PAUSE,
        Mode::PauseLocked => &PAUSE_LOCKED,
        Mode::PauseKiosk => &PAUSE_KIOSK,
        Mode::Thanks => &THANKS,
        Mode::StaffPin => &STAFF_PIN,
        Mode::Menu => &MENU,
        Mode::Intake => &INTAKE,
        Mode::Paper => &PAPER,
        Mode::PaperTyping => &PAPER_TYPING,
        Mode::InboxSignIn
        | Mode::InboxPin
        | Mode::InboxList
        | Mode::InboxPage
        | Mode::InboxChoose
        | Mode::InboxWrite => super::keymap(mode),
    }
}

/// The operator's table.
pub fn operator_table(op: Operator) -> &'static Keymap {
    match op {
        Operator::Patient => &RUN,
        Operator::Staff => &STAFF,
        Operator::Kiosk => &KIOSK,
    }
}

/// The tables that apply on a screen, first match first: the operator's, reception's question
/// keys on a question, then the screen's.
pub fn layers(mode: Mode, op: Operator) -> Vec<&'static Keymap> {
    let mut out = vec![operator_table(op)];
    if op == Operator::Staff && matches!(mode, Mode::Choice | Mode::Typing) {
        out.push(&STAFF_STEP);
    }
    // At a kiosk only staff (F12, the PIN, the staff menu) release a safety pause.
    let mode = match (op, mode) {
        (Operator::Kiosk, Mode::Pause | Mode::PauseLocked) => Mode::PauseKiosk,
        _ => mode,
    };
    out.push(super::keymap(mode));
    out
}

/// The intent of a key on a walk-through screen.
pub fn intent(mode: Mode, op: Operator, k: &crossterm::event::KeyEvent) -> Option<super::Intent> {
    layers(mode, op).into_iter().find_map(|t| t.intent(k))
}

#[cfg(test)]
mod tests {
    use super::super::{Intent, Key, MODES, fill_keys, keymap};
    use super::*;
    use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

    const OPS: [Operator; 3] = [Operator::Patient, Operator::Staff, Operator::Kiosk];

    fn key(code: KeyCode) -> KeyEvent {
        KeyEvent::new(code, KeyModifiers::NONE)
    }

    fn ctrl(c: char) -> KeyEvent {
        KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL)
    }

    fn patient_modes() -> impl Iterator<Item = Mode> {
        MODES
            .into_iter()
            .filter(|m| !format!("{m:?}").starts_with("Inbox"))
    }

    /// A kiosk's keyboard cannot stop the program, jump between sections or release a safety
    /// pause, on any screen; F12 opens the staff PIN entry everywhere.
    #[test]
    fn kiosk_keyboard_is_locked_down() {
        let tries = [
            ctrl('c'),
            ctrl('q'),
            ctrl('g'),
            key(KeyCode::F(5)),
            key(KeyCode::F(2)),
            key(KeyCode::F(10)),
        ];
        for mode in patient_modes() {
            for k in &tries {
                let got = intent(mode, Operator::Kiosk, k);
                assert!(
                    !matches!(
                        got,
                        Some(
                            Intent::Quit
                                | Intent::Sections
                                | Intent::ReleaseCarryOn
                                | Intent::ReleaseEnd
                        )
                    ),
                    "kiosk {mode:?}: {k:?} gives {got:?}"
                );
            }
            assert_eq!(
                intent(mode, Operator::Kiosk, &key(KeyCode::F(12))),
                Some(Intent::Staff),
                "kiosk {mode:?}"
            );
        }
        // At `run` the patient can stop (answers are saved); reception also jumps sections.
        assert_eq!(
            intent(Mode::Choice, Operator::Patient, &ctrl('c')),
            Some(Intent::Quit)
        );
        assert_eq!(
            intent(Mode::Typing, Operator::Staff, &key(KeyCode::F(5))),
            Some(Intent::Sections)
        );
        assert_eq!(
            intent(Mode::Choice, Operator::Patient, &key(KeyCode::F(5))),
            None
        );
    }

    /// An operator's table never takes a key a screen binds to something else (the screen's
    /// binding could never fire): a key means one thing on each screen.
    #[test]
    fn operator_tables_do_not_shadow_screens() {
        for mode in patient_modes() {
            let screen = keymap(mode);
            for op in OPS {
                for b in operator_table(op).bindings {
                    for k in b.keys {
                        let shadowed = screen.bindings.iter().find(|s| {
                            s.intent != b.intent
                                && s.keys.contains(k)
                                && !s.keys.contains(&Key::Any)
                        });
                        assert!(
                            shadowed.is_none(),
                            "{op:?} {k:?} hides {mode:?}'s {shadowed:?}"
                        );
                    }
                }
            }
        }
    }

    /// The button every screen marks "(Enter)" is what Enter does there.
    #[test]
    fn enter_does_what_the_marked_button_does() {
        let enter = key(KeyCode::Enter);
        for (mode, want) in [
            (Mode::Welcome, Intent::Next),
            (Mode::Choice, Intent::Next),
            (Mode::Typing, Intent::Next),
            (Mode::More, Intent::Next),
            (Mode::Review, Intent::Confirm),
            (Mode::Confirm, Intent::Confirm),
            (Mode::Thanks, Intent::Confirm),
            (Mode::Resume, Intent::Confirm),
            (Mode::ResumeDob, Intent::Confirm),
            (Mode::StaffPin, Intent::Confirm),
            (Mode::Menu, Intent::Confirm),
            (Mode::Intake, Intent::Confirm),
            (Mode::Paper, Intent::NextField),
            (Mode::PaperTyping, Intent::NextField),
        ] {
            for op in OPS {
                assert_eq!(intent(mode, op, &enter), Some(want), "{op:?} {mode:?}");
            }
        }
    }

    /// On a question, digits are the numbers printed (0 too), Space takes the focused answer,
    /// Tab moves for the patient and goes on for reception; in a typed answer every key not
    /// bound edits the line, and `?` is typed, not help.
    #[test]
    fn question_keys() {
        let p = Operator::Patient;
        let s = Operator::Staff;
        assert_eq!(
            intent(Mode::Choice, p, &key(KeyCode::Char('0'))),
            Some(Intent::Digit(0))
        );
        assert_eq!(
            intent(Mode::Choice, p, &key(KeyCode::Char(' '))),
            Some(Intent::Toggle)
        );
        assert_eq!(
            intent(Mode::Choice, p, &key(KeyCode::Tab)),
            Some(Intent::NextField)
        );
        assert_eq!(
            intent(Mode::Choice, s, &key(KeyCode::Tab)),
            Some(Intent::Next)
        );
        assert_eq!(
            intent(Mode::Typing, s, &key(KeyCode::BackTab)),
            Some(Intent::Back)
        );
        assert_eq!(
            intent(Mode::Typing, p, &key(KeyCode::Char('?'))),
            Some(Intent::Type('?'))
        );
        assert_eq!(
            intent(Mode::Typing, p, &key(KeyCode::Left)),
            Some(Intent::Edit(tui_input::InputRequest::GoToPrevChar))
        );
        assert_eq!(
            intent(Mode::Typing, p, &ctrl('w')),
            Some(Intent::Edit(tui_input::InputRequest::DeletePrevWord))
        );
        assert_eq!(intent(Mode::Typing, p, &ctrl('c')), Some(Intent::Quit));
        // The help panel closes on any key; the PIN entry types what is not bound.
        assert_eq!(
            intent(Mode::Help, p, &key(KeyCode::Char('x'))),
            Some(Intent::Dismiss)
        );
        assert_eq!(
            intent(Mode::StaffPin, Operator::Kiosk, &key(KeyCode::Char('7'))),
            Some(Intent::Type('7'))
        );
    }

    /// Every key named in a hint sentence comes from the table of the screen it is shown on:
    /// no placeholder is left unfilled, and the names are the keys that do it.
    #[test]
    fn hints_name_the_keys_of_their_screen() {
        use crate::strings as s;
        let shown: &[(&str, Mode, Operator)] = &[
            (s::END_KEY_HINT, Mode::Choice, Operator::Patient),
            (s::TEXT_HINT, Mode::Typing, Operator::Patient),
            (s::TEXT_HINT, Mode::PaperTyping, Operator::Staff),
            (s::REVIEW_HINT_SEND, Mode::Review, Operator::Patient),
            (s::REVIEW_HINT_ROW, Mode::Review, Operator::Kiosk),
            (s::REVIEW_HINT_NEED, Mode::Review, Operator::Staff),
            (s::THANKS_RUN_HINT, Mode::Thanks, Operator::Patient),
            (s::THANKS_KIOSK_NEXT, Mode::Thanks, Operator::Kiosk),
            (s::PAUSE_STAFF_RUN, Mode::Pause, Operator::Patient),
            (s::PAUSE_STAFF_PIN, Mode::PauseLocked, Operator::Patient),
            (s::STAFF_PIN_PROMPT, Mode::StaffPin, Operator::Kiosk),
            (s::STAFF_PRINT_FAILED, Mode::Welcome, Operator::Kiosk),
            (s::SECTIONS_HINT, Mode::Menu, Operator::Staff),
            (s::STAFF_MENU_HINT, Mode::Menu, Operator::Kiosk),
            (s::INTAKE_HINT, Mode::Intake, Operator::Staff),
            (s::FORM_KEYS, Mode::Paper, Operator::Staff),
            (s::FORM_KEYS_SHORT, Mode::PaperTyping, Operator::Staff),
            (s::STAFF_STEP_KEYS, Mode::Choice, Operator::Staff),
            (s::STAFF_STEP_KEYS, Mode::Typing, Operator::Staff),
            (s::HELP_CLOSES, Mode::Help, Operator::Patient),
        ];
        for (template, mode, op) in shown {
            let filled = fill_keys(template, &layers(*mode, *op));
            let open = filled.replace("{}", "");
            assert!(
                !open.contains('{'),
                "{mode:?}/{op:?}: a key name is not in the table: {filled}"
            );
        }
        let missing = s::form_missing(&["Age"]);
        let filled = fill_keys(&missing, &layers(Mode::Paper, Operator::Staff));
        assert!(filled.contains("F5 goes to another section"), "{filled}");
        assert_eq!(
            fill_keys(s::FORM_KEYS, &layers(Mode::Paper, Operator::Staff)),
            "Option numbers · Enter/Tab next · Shift-Tab back · PgUp/PgDn section · F5 list"
        );
        assert_eq!(
            fill_keys(s::PAUSE_STAFF_RUN, &layers(Mode::Pause, Operator::Patient)),
            "Staff: F2 to continue the questionnaire, F10 to end it here."
        );
    }
}
