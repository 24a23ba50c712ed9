//! The walk-through's runtime: draws the model, turns terminal events into messages (taps are
//! hit-tested against the last frame), calls `update`, and performs the effects it returns
//! (store calls happen here, before the next frame is drawn). The only I/O in the TUI.

use std::collections::VecDeque;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use crossterm::event::{self, Event, KeyEventKind, MouseButton, MouseEventKind};
use jiff::Timestamp;
use jiff::civil::Date;
use ratatui::Terminal;

use super::backend::LeanBackend;
use super::model::{Effect, HitMap, Mode, Model, Msg, Screen};
use super::terminal::{Guard, open_tty};
use super::update::update;
use super::view::view;
use crate::engine::Session;
use crate::questionnaire::Questionnaire;
use crate::records;
use crate::store::{DraftStatus, QuestionnaireRef, RecordId, Store, StoreError};
use crate::summary::Context;

pub struct RunOptions {
    pub visit_date: Date,
    pub clinic: Option<String>,
}

/// How a walk-through ended.
pub enum RunEnd {
    /// The record was stored; the summary is ready for standard output.
    Completed { record: RecordId, context: Context },
    /// Stopped before the end (Ctrl-C, SIGTERM, SIGHUP); every committed answer is saved.
    Stopped,
}

#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error("{}", crate::strings::NEEDS_TERMINAL)]
    NoTerminal,
    #[error("terminal error: {0}")]
    Io(#[from] std::io::Error),
    #[error("{0}")]
    Store(#[from] StoreError),
}

/// Runs the walk-through on the terminal. Returns once the patient has finished or it was stopped;
/// the terminal is restored by then. The finished session comes back through `finished`.
pub fn run<'q>(
    q: &'q Questionnaire,
    store: &mut dyn Store,
    opts: &RunOptions,
    finished: &mut Option<Session<'q>>,
) -> Result<RunEnd, RunError> {
    let mut tty = open_tty().ok_or(RunError::NoTerminal)?;
    let stop = Arc::new(AtomicBool::new(false));
    for sig in [
        signal_hook::consts::SIGTERM,
        signal_hook::consts::SIGHUP,
        signal_hook::consts::SIGINT,
    ] {
        signal_hook::flag::register(sig, Arc::clone(&stop))?;
    }
    let mut model = Model::new(
        Session::new(q, opts.visit_date),
        Mode::Run,
        Timestamp::now(),
    );
    if let Some(d) = store
        .drafts(DraftStatus::Open, Some(&q.meta.id))?
        .into_iter()
        .next()
    {
        model.screen = Screen::Resume { draft: d };
    }
    let mut guard = Guard::enter(&mut tty)?;
    let mut terminal = Terminal::new(LeanBackend::new(tty))?;
    let ctx = Context {
        clinic: opts.clinic.clone(),
        completed_at: None,
        record_id: None,
    };
    let mut hits = HitMap::default();
    let mut dirty = true;
    let mut quit = false;
    while !quit {
        if dirty {
            terminal.draw(|f| hits = view(&model, f))?;
            dirty = false;
        }
        if stop.load(Ordering::Relaxed) {
            break;
        }
        let msg = if event::poll(Duration::from_millis(250))? {
            match event::read()? {
                Event::Key(k) if k.kind != KeyEventKind::Release => Some(Msg::Key(k)),
                Event::Mouse(me) => match me.kind {
                    MouseEventKind::Down(MouseButton::Left) => {
                        hits.at(me.column, me.row).map(Msg::Tap)
                    }
                    MouseEventKind::ScrollDown => Some(Msg::Scroll(1)),
                    MouseEventKind::ScrollUp => Some(Msg::Scroll(-1)),
                    _ => None,
                },
                Event::Paste(s) => Some(Msg::Paste(s)),
                Event::Resize(..) => {
                    dirty = true;
                    None
                }
                _ => None,
            }
        } else {
            Some(Msg::Tick(Timestamp::now()))
        };
        let Some(msg) = msg else { continue };
        let is_tick = matches!(msg, Msg::Tick(_));
        let mut queue = VecDeque::from([msg]);
        while let Some(msg) = queue.pop_front() {
            for effect in update(&mut model, msg) {
                dirty = true;
                match effect {
                    Effect::Quit => quit = true,
                    Effect::Bell => {
                        let _ = terminal.backend_mut().write_raw(b"\x07");
                    }
                    other => queue.extend(perform(other, &model, store, &ctx)),
                }
            }
        }
        dirty |= !is_tick;
    }
    // Stopped or finished: one last try at anything not yet saved, then restore the terminal.
    for (item, value) in std::mem::take(&mut model.unsaved) {
        let _ = perform(Effect::Save { item, value }, &model, store, &ctx);
    }
    drop(terminal);
    guard.leave();
    match model.record {
        Some(record) => {
            let context = Context {
                record_id: Some(record.to_string()),
                completed_at: Some(records::local_time(&model.now.to_string())),
                ..ctx
            };
            *finished = Some(model.session);
            Ok(RunEnd::Completed { record, context })
        }
        None => Ok(RunEnd::Stopped),
    }
}

/// Performs one effect; the replies go back through `update`.
fn perform(effect: Effect, m: &Model<'_>, store: &mut dyn Store, ctx: &Context) -> Vec<Msg> {
    let now = Timestamp::now();
    let q = m.session.questionnaire();
    let start = |store: &mut dyn Store| {
        store.start_draft(
            &QuestionnaireRef::of(q),
            &crate::summary::iso(m.session.visit_date()),
            now,
        )
    };
    match effect {
        Effect::Save { item, value } => {
            let mut replies = Vec::new();
            let draft = match m.draft {
                Some(d) => Ok(d),
                None => start(store).inspect(|id| replies.push(Msg::DraftStarted(*id))),
            };
            let result = draft.and_then(|d| store.save_answer(d, &item, value.as_ref(), now));
            replies.push(match result {
                Ok(()) => Msg::Saved(item),
                Err(e) => Msg::SaveFailed {
                    item,
                    value,
                    reason: e.to_string(),
                },
            });
            replies
        }
        Effect::LoadDraft(id) => {
            let loaded = store
                .set_draft_status(id, DraftStatus::Open, now)
                .and_then(|()| store.draft_answers(id));
            match loaded {
                Ok(answers) => vec![Msg::Restored { draft: id, answers }],
                Err(e) => vec![Msg::SaveFailed {
                    item: String::new(),
                    value: None,
                    reason: e.to_string(),
                }],
            }
        }
        Effect::DiscardDraft(id) => {
            let _ = store.set_draft_status(id, DraftStatus::Discarded, now);
            Vec::new()
        }
        Effect::Complete => {
            let ctx = Context {
                completed_at: Some(records::local_time(&now.to_string())),
                ..ctx.clone()
            };
            match records::store_session(store, &m.session, m.draft, now, &ctx) {
                Ok(id) => vec![Msg::Tick(now), Msg::Completed(id)],
                Err(e) => vec![Msg::CompleteFailed(e.to_string())],
            }
        }
        Effect::Bell | Effect::Quit => Vec::new(),
    }
}
