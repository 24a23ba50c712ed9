//! At start, an unfinished form for the same questionnaire: continue it or start again. Says so
//! when the questionnaire has changed since the form was started. Shows no answers.

use crossterm::event::KeyCode;
use ratatui::Frame;
use ratatui::layout::Rect;

use crate::records;
use crate::store::DraftId;
use crate::strings::{self, fill};
use crate::tui::model::{Action, Effect, HitMap, Model, Msg, Screen, Target};
use crate::tui::theme;

pub fn update(m: &mut Model<'_>, msg: Msg) -> Vec<Effect> {
    let Screen::Resume { draft } = &m.screen else {
        return Vec::new();
    };
    let id = draft.id;
    let action = match msg {
        Msg::Key(k) => match k.code {
            KeyCode::Enter | KeyCode::Char('1') => Some(Action::ResumeContinue),
            KeyCode::Char('2') => Some(Action::ResumeNew),
            _ => None,
        },
        Msg::Tap(Target::Button(a)) => Some(a),
        _ => None,
    };
    match action {
        Some(Action::ResumeContinue) => vec![Effect::LoadDraft(id)],
        Some(Action::ResumeNew) => {
            m.screen = Screen::Welcome;
            vec![Effect::DiscardDraft(id)]
        }
        _ => Vec::new(),
    }
}

/// The draft's answers arrived: put them back and go to where the patient was.
pub fn restored(
    m: &mut Model<'_>,
    draft: DraftId,
    answers: &[(String, serde_json::Value)],
) -> Vec<Effect> {
    let q = m.session.questionnaire();
    let (session, dropped) = records::restore(q, m.session.visit_date(), answers);
    m.session = session;
    m.draft = Some(draft);
    if !dropped.is_empty() {
        m.notice = Some(fill(strings::RESUME_DROPPED, dropped.len()));
    }
    match m.session.first_problem() {
        Some(p) => m.go_to(p.item()),
        None => m.screen = Screen::Review { focus: 0 },
    }
    m.message = m.notice.clone();
    Vec::new()
}

pub fn view(m: &Model<'_>, f: &mut Frame, area: Rect, hits: &mut HitMap) {
    let Screen::Resume { draft } = &m.screen else {
        return;
    };
    let q = m.session.questionnaire();
    theme::header(f, Rect { height: 1, ..area }, &q.meta.title, "");
    let body = Rect {
        x: area.x + 1,
        y: area.y + 2,
        width: area.width.saturating_sub(2),
        height: area.height.saturating_sub(2),
    };
    let mut text = fill(
        &fill(
            strings::RESUME_TEXT,
            records::local_time(&draft.updated_at.to_string()),
        ),
        draft.answers,
    );
    if draft.questionnaire.content_hash != q.content_hash {
        text.push(' ');
        text.push_str(&fill(strings::RESUME_CHANGED, &draft.questionnaire.version));
    }
    let (_, row) = theme::dialog(f, area, body, strings::RESUME_TITLE, &text);
    let (c, n) = if area.width < 60 {
        (strings::RESUME_CONTINUE_SHORT, strings::RESUME_NEW_SHORT)
    } else {
        (strings::RESUME_CONTINUE, strings::RESUME_NEW)
    };
    let l1 = format!("1 {c}");
    let l2 = format!("2 {n}");
    theme::button_row(
        f,
        row,
        &[
            (l1.as_str(), Action::ResumeContinue, true),
            (l2.as_str(), Action::ResumeNew, false),
        ],
        hits,
    );
}
