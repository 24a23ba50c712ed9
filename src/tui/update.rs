//! `update(&mut Model, Msg) -> Vec<Effect>`: the only place the walk-through's state changes.
//! Messages common to every screen (ticks, save results) are handled here; keys, taps and
//! pastes go to the screen showing.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::model::{Effect, Model, Msg, Screen};
use super::screens;
use crate::strings;

pub fn update(m: &mut Model<'_>, msg: Msg) -> Vec<Effect> {
    match msg {
        Msg::Tick(now) => {
            m.now = now;
            // Retry every save that failed; each comes back as Saved or SaveFailed.
            std::mem::take(&mut m.unsaved)
                .into_iter()
                .map(|(item, value)| Effect::Save { item, value })
                .collect()
        }
        Msg::DraftStarted(id) => {
            m.draft = Some(id);
            Vec::new()
        }
        Msg::Saved(item) => {
            m.unsaved.retain(|(i, _)| *i != item);
            if m.unsaved.is_empty() {
                m.save_problem = None;
            }
            Vec::new()
        }
        Msg::SaveFailed { item, value, .. } => {
            m.unsaved.retain(|(i, _)| *i != item);
            m.unsaved.push((item, value));
            m.save_problem = Some(strings::SAVE_FAILING.to_owned());
            Vec::new()
        }
        Msg::Restored { draft, answers } => screens::resume::restored(m, draft, &answers),
        Msg::Completed(id) => {
            m.record = Some(id);
            m.save_problem = None;
            m.screen = Screen::Thanks;
            Vec::new()
        }
        Msg::CompleteFailed(_) => {
            m.save_problem = Some(strings::SAVE_FAILING.to_owned());
            Vec::new()
        }
        Msg::Key(k) if is_quit(&k) => {
            // Every committed answer is already saved; the draft can be resumed later.
            vec![Effect::Quit]
        }
        Msg::Key(_) | Msg::Tap(_) | Msg::Paste(_) | Msg::Scroll(_) => match m.screen.clone() {
            Screen::Welcome => screens::welcome::update(m, msg),
            Screen::Resume { .. } => screens::resume::update(m, msg),
            Screen::Step(item) => screens::step::update(m, item, msg),
            Screen::Review { focus } => screens::review::update(m, focus, msg),
            Screen::Confirm => screens::confirm::update(m, msg),
            Screen::Pause { flag, at } => screens::pause::update(m, flag, at, msg),
            Screen::Thanks => screens::thanks::update(m, msg),
        },
    }
}

fn is_quit(k: &KeyEvent) -> bool {
    k.modifiers.contains(KeyModifiers::CONTROL)
        && matches!(k.code, KeyCode::Char('c') | KeyCode::Char('q'))
}

/// Keys that mean "go back" on every screen.
pub fn is_back(k: &KeyEvent) -> bool {
    matches!(k.code, KeyCode::Esc | KeyCode::Left | KeyCode::PageUp)
}

/// Keys that mean "go on".
pub fn is_next(k: &KeyEvent) -> bool {
    matches!(k.code, KeyCode::Enter | KeyCode::PageDown)
}

/// A digit key 1-9 as an index 0-8.
pub fn digit(k: &KeyEvent) -> Option<usize> {
    match k.code {
        KeyCode::Char(c @ '1'..='9') if !k.modifiers.contains(KeyModifiers::CONTROL) => {
            Some(c as usize - '1' as usize)
        }
        _ => None,
    }
}
