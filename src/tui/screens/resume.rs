//! At start, an unfinished form for the same questionnaire (left by a crash or by someone who
//! walked away). It is private: the screen shows only when it was started, never its answers,
//! and continuing it takes the staff PIN when one is set, else the date of birth given on it
//! (three tries); with neither, only staff can recover it (`triage records drafts`). Starting a
//! new form keeps the old one for staff, as abandoned. Says so when the questionnaire has
//! changed since the form was started.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::widgets::{Block, Borders, Paragraph};

use crate::engine::Latch;
use crate::records;
use crate::store::{AuditEvent, DraftId, QuestionnaireRef};
use crate::strings::{self, fill};
use crate::tui::model::{
    Action, AfterPin, Effect, HitMap, Intent, Model, Msg, ResumeAccess, Screen, Target,
};
use crate::tui::screens::staff;
use crate::tui::theme;

/// Tries at the date of birth before only staff can open the form.
pub const DOB_TRIES: u8 = 3;

pub fn update(m: &mut Model<'_>, msg: Msg) -> Vec<Effect> {
    let Screen::Resume {
        draft,
        access,
        pause_pending,
    } = &m.screen
    else {
        return Vec::new();
    };
    let (draft, access) = (draft.clone(), *access);
    // A form left at an unreleased safety pause, with a PIN set: staff first, no way past it.
    let locked = *pause_pending && access == ResumeAccess::StaffPin;
    let action = match msg {
        Msg::Intent(Intent::Confirm | Intent::Choose(0)) if access != ResumeAccess::StaffOnly => {
            Some(Action::ResumeContinue)
        }
        Msg::Intent(Intent::Confirm | Intent::Choose(0)) => Some(Action::ResumeNew),
        Msg::Intent(Intent::Choose(1)) if !locked => Some(Action::ResumeNew),
        Msg::Tap(Target::Button(a)) if !(locked && a == Action::ResumeNew) => Some(a),
        _ => None,
    };
    match action {
        Some(Action::ResumeContinue) => match access {
            ResumeAccess::StaffPin => {
                staff::open_pin(m, AfterPin::Resume(draft.id));
                Vec::new()
            }
            ResumeAccess::DateOfBirth => {
                m.screen = Screen::ResumeDob {
                    draft,
                    entered: String::new(),
                    message: None,
                    tries_left: DOB_TRIES,
                };
                Vec::new()
            }
            ResumeAccess::StaffOnly => Vec::new(),
        },
        Some(Action::ResumeNew) => {
            // The old form stays in the store for staff; nobody here gets to see it.
            m.show(Screen::Welcome);
            vec![Effect::AbandonDraft(draft.id)]
        }
        _ => Vec::new(),
    }
}

/// Typing the date of birth: Enter checks it (the runtime compares it with the form's own,
/// showing nothing of it), Esc goes back.
pub fn dob_update(m: &mut Model<'_>, msg: Msg) -> Vec<Effect> {
    let Screen::ResumeDob {
        draft,
        entered,
        message,
        tries_left,
    } = &mut m.screen
    else {
        return Vec::new();
    };
    let typed = match msg {
        Msg::Intent(i) => i,
        Msg::Paste(p) => {
            entered.extend(p.chars().filter(|c| !c.is_control()).take(40));
            return Vec::new();
        }
        _ => return Vec::new(),
    };
    if *tries_left == 0 {
        if matches!(typed, Intent::Back | Intent::Confirm) {
            let draft = draft.clone();
            m.screen = Screen::Resume {
                draft,
                access: ResumeAccess::StaffOnly,
                pause_pending: false,
            };
        }
        return Vec::new();
    }
    match typed {
        Intent::Back => {
            let draft = draft.clone();
            m.screen = Screen::Resume {
                draft,
                access: ResumeAccess::DateOfBirth,
                pause_pending: false,
            };
        }
        Intent::Erase => {
            entered.pop();
        }
        Intent::Confirm => match crate::typed::parse_date(entered, false) {
            Ok(d) => {
                *message = Some(strings::RESUME_CHECKING.to_owned());
                return vec![Effect::VerifyDob {
                    draft: draft.id,
                    dob: d.to_iso(),
                }];
            }
            Err(e) => *message = Some(e),
        },
        Intent::Type(c) if entered.chars().count() < 40 => entered.push(c),
        _ => {}
    }
    Vec::new()
}

/// The date of birth was compared with the form's.
pub fn dob_checked(m: &mut Model<'_>, id: DraftId, matches: bool, left: u8) -> Vec<Effect> {
    let Screen::ResumeDob {
        draft,
        entered,
        message,
        tries_left,
    } = &mut m.screen
    else {
        return Vec::new();
    };
    if draft.id != id {
        return Vec::new();
    }
    if matches {
        return vec![
            Effect::Audit {
                event: AuditEvent::Unlocked,
                detail: format!("draft {id} date_of_birth"),
            },
            Effect::LoadDraft(id),
        ];
    }
    entered.clear();
    *tries_left = left;
    *message = Some(if left == 0 {
        strings::RESUME_DOB_LOCKED.to_owned()
    } else {
        strings::resume_dob_wrong(left)
    });
    Vec::new()
}

/// The draft's answers arrived: put them back (with its latched flags) into the version of the
/// questionnaire the form was started with, and go to where the patient was; an unreleased
/// safety pause shows again, and staff are alerted again.
pub fn restored(
    m: &mut Model<'_>,
    draft: DraftId,
    made_with: &QuestionnaireRef,
    answers: &[(String, serde_json::Value)],
    latches: Vec<Latch>,
) -> Vec<Effect> {
    let q = m.questionnaire_for(made_with);
    let (mut session, dropped) = records::restore(q, m.session.visit_date(), answers);
    session.set_now(m.now);
    session.restore_latches(latches);
    // A pause ended there (before a crash stored it): the session stays ended.
    let ended = session.latches().iter().find_map(|l| {
        l.release
            .filter(|r| r.action == crate::engine::ReleaseAction::EndHere)
            .map(|_| q.flag_at(l.flag).position)
    });
    if let Some(at) = ended {
        session.end_after(at);
    }
    m.session = session;
    m.draft = Some(draft);
    if !dropped.is_empty() {
        m.notice = Some(fill(strings::RESUME_DROPPED, dropped.len()));
    }
    if let Some(flag) = m.session.pending_pause() {
        let at = m.session.questionnaire().flag_at(flag).position;
        return super::pause::enter(m, flag, at);
    }
    if m.session.ended_by_staff().is_some() {
        // Ended by staff before it could be stored: it is stored now, as it was left.
        m.show(Screen::Confirm);
        return vec![Effect::Complete];
    }
    match m.session.first_problem() {
        Some(p) => m.go_to_problem(&p),
        None => super::review::arrive(m, None),
    }
    m.message = m.notice.clone();
    Vec::new()
}

pub fn view(m: &Model<'_>, f: &mut Frame, area: Rect, hits: &mut HitMap) {
    let (draft, access, pause_pending) = match &m.screen {
        Screen::Resume {
            draft,
            access,
            pause_pending,
        } => (draft, Some(*access), *pause_pending),
        Screen::ResumeDob { draft, .. } => (draft, None, false),
        _ => return,
    };
    let locked = pause_pending && access == Some(ResumeAccess::StaffPin);
    let q = m.session.questionnaire();
    theme::header(f, Rect { height: 1, ..area }, &q.meta.title, "");
    let body = Rect {
        x: area.x + 1,
        y: area.y + 2,
        width: area.width.saturating_sub(2),
        height: area.height.saturating_sub(2),
    };
    let typing = matches!(m.screen, Screen::ResumeDob { .. });
    let mut text = String::new();
    // While the date of birth is typed in a small window, only what to type shows, so the
    // field and its message have room.
    if !(typing && area.height < 20) {
        text = fill(strings::RESUME_TEXT, short_time(draft.updated_at));
        if m.questionnaire_for(&draft.questionnaire).content_hash
            != draft.questionnaire.content_hash
        {
            text.push(' ');
            text.push_str(&fill(strings::RESUME_CHANGED, &draft.questionnaire.version));
        }
        text.push_str("\n\n");
    }
    text.push_str(match access {
        Some(ResumeAccess::StaffPin) if locked => strings::RESUME_PAUSE_PENDING,
        Some(ResumeAccess::StaffPin) => strings::RESUME_NEEDS_PIN,
        Some(ResumeAccess::DateOfBirth) | None => strings::RESUME_NEEDS_DOB,
        Some(ResumeAccess::StaffOnly) => strings::RESUME_STAFF_ONLY,
    });
    let (text_area, row) = theme::dialog(f, area, body, strings::RESUME_TITLE, &text);
    if let Screen::ResumeDob {
        entered, message, ..
    } = &m.screen
    {
        let used = theme::text_height(&text, text_area.width) + 1;
        dob_field(f, text_area, used, entered, message.as_deref());
        return;
    }
    let (c, n) = if area.width < 60 {
        (strings::RESUME_CONTINUE_SHORT, strings::RESUME_NEW_SHORT)
    } else {
        (strings::RESUME_CONTINUE, strings::RESUME_NEW)
    };
    let l1 = format!("1 {c}");
    let l2 = format!("2 {n}");
    if access == Some(ResumeAccess::StaffOnly) {
        theme::button_row(f, row, &[(n, Action::ResumeNew, true)], hits);
    } else if locked {
        theme::button_row(f, row, &[(l1.as_str(), Action::ResumeContinue, true)], hits);
    } else {
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
}

/// When a form was left, as people say it: "10:41" today, else "2 June 10:41".
fn short_time(t: jiff::Timestamp) -> String {
    let z = crate::clock::local_zone();
    let then = t.to_zoned_datetime(z.clone());
    let today = jiff::Timestamp::now().to_zoned_datetime(z).date();
    if then.date() == today {
        then.strftime("%H:%M").to_string()
    } else {
        then.strftime("%-d %B %H:%M").to_string()
    }
}

/// The date-of-birth entry under the dialog text.
fn dob_field(f: &mut Frame, area: Rect, used: u16, entered: &str, message: Option<&str>) {
    let bottom = area.y + area.height;
    let prompt_y = (area.y + used).min(bottom);
    let prompt = Rect {
        y: prompt_y,
        height: 1.min(bottom - prompt_y),
        ..area
    };
    f.render_widget(
        theme::paragraph(strings::RESUME_DOB_PROMPT, theme::bold()),
        prompt,
    );
    let boxed = Rect {
        y: prompt_y + 1,
        height: 3.min((area.y + area.height).saturating_sub(prompt_y + 1)),
        width: area.width.min(30),
        ..area
    };
    f.render_widget(
        Paragraph::new(entered.to_owned()).block(Block::default().borders(Borders::ALL)),
        boxed,
    );
    if let Some(msg) = message {
        let y = boxed.y + boxed.height;
        theme::message(
            f,
            Rect {
                y,
                height: (area.y + area.height).saturating_sub(y),
                ..area
            },
            msg,
        );
    }
}
