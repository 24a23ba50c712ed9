//! `triage run --staff` asks first how the answers are being given: a staff member reading the
//! questions to the patient (the question screens, "who is filling in" preset to staff), or
//! typing in the patient's paper form (the paper form screens, preset to "typed in by staff
//! from my paper form", which the doctor's page says). `--from-paper` skips the question. Keys
//! become this screen's choices in one place, [`choice`].

use ratatui::Frame;
use ratatui::layout::Rect;

use crate::strings;
use crate::tui::model::Effect;
use crate::tui::model::{HitMap, Intent, Mode, Model, Msg, Screen, Target, new_session};
use crate::tui::theme;

/// The two answers, in the order shown.
const CHOICES: [Mode; 2] = [Mode::Staff, Mode::Paper];

/// What a key does on this screen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IntakeAction {
    Move(i32),
    /// Take answer N (0-based).
    Pick(usize),
    /// Take the focused answer.
    PickFocused,
    Nothing,
}

/// The one place intents become this screen's actions.
pub fn choice(i: Intent) -> IntakeAction {
    match i {
        Intent::Up => IntakeAction::Move(-1),
        Intent::Down => IntakeAction::Move(1),
        Intent::Confirm => IntakeAction::PickFocused,
        Intent::Choose(n) => IntakeAction::Pick(n),
        _ => IntakeAction::Nothing,
    }
}

pub fn update(m: &mut Model<'_>, focus: usize, msg: Msg) -> Vec<Effect> {
    let act = match msg {
        Msg::Intent(i) => choice(i),
        Msg::Tap(Target::Option(i)) => IntakeAction::Pick(i),
        _ => IntakeAction::Nothing,
    };
    let pick = match act {
        IntakeAction::Move(by) => {
            let to = crate::tui::surface::moved(focus, by, CHOICES.len());
            m.screen = Screen::Intake { focus: to };
            None
        }
        IntakeAction::Pick(i) => CHOICES.get(i).copied(),
        IntakeAction::PickFocused => CHOICES.get(focus).copied(),
        IntakeAction::Nothing => None,
    };
    if let Some(mode) = pick {
        begin(m, mode);
    }
    Vec::new()
}

/// Starts the reception intake in `mode`: the session starts again with that mode's preset
/// answers (nothing else has been answered yet).
pub fn begin(m: &mut Model<'_>, mode: Mode) {
    m.mode = mode;
    let visit = m.session.visit_date();
    m.session = new_session(m.current, visit, mode);
    m.session.set_now(m.now);
    match mode {
        Mode::Paper => super::form::start(m),
        _ => m.show(Screen::Welcome),
    }
}

pub fn view(m: &Model<'_>, f: &mut Frame, area: Rect, hits: &mut HitMap, focus: usize) {
    let q = m.session.questionnaire();
    theme::header(
        f,
        Rect { height: 1, ..area },
        &q.meta.title,
        strings::INTAKE_TITLE,
    );
    let body = Rect {
        x: area.x + 1,
        y: area.y + 2,
        width: area.width.saturating_sub(2),
        height: area.height.saturating_sub(2),
    };
    let qh = theme::text_height(strings::INTAKE_QUESTION, body.width).min(body.height);
    f.render_widget(
        theme::paragraph(strings::INTAKE_QUESTION, theme::bold()),
        Rect { height: qh, ..body },
    );
    let labels = [strings::INTAKE_READING, strings::INTAKE_PAPER];
    let options: Vec<crate::questionnaire::ChoiceOption> = labels
        .iter()
        .map(|l| crate::questionnaire::ChoiceOption {
            label: (*l).to_owned(),
            ..Default::default()
        })
        .collect();
    let hint_h = theme::text_height(&m.keys_hint(strings::INTAKE_HINT), body.width);
    let list_area = Rect {
        y: body.y + qh + 1,
        height: body.height.saturating_sub(qh + 1 + hint_h + 1),
        ..body
    };
    let marker = |_: usize| "( )";
    let list = crate::tui::options::OptionList {
        options: &options,
        focus: Some(focus),
        boxes: true,
        marker: &marker,
        numbering: crate::tui::options::Numbering::Keys,
    };
    crate::tui::options::draw(&list, f, list_area, hits);
    f.render_widget(
        theme::paragraph(&m.keys_hint(strings::INTAKE_HINT), theme::dim()),
        Rect {
            y: area.y + area.height.saturating_sub(hint_h + 1),
            height: hint_h,
            ..body
        },
    );
}
