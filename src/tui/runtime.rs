//! The walk-through's runtime: draws the model, turns terminal events into messages (taps are
//! hit-tested against the last frame), calls `update`, and performs the effects it returns:
//! store calls (before the next frame is drawn), the PIN check, printing and the staff alert.
//! The only I/O in the TUI.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, Sender, channel};
use std::time::{Duration, Instant};

use crossterm::event::{self, Event, KeyEventKind, MouseButton, MouseEventKind};
use jiff::Timestamp;
use jiff::civil::Date;
use ratatui::Terminal;

use super::backend::LeanBackend;
use super::model::{Effect, HitMap, Kiosk, Mode, Model, Msg, ResumeAccess, Screen, new_session};
use super::terminal::{Guard, open_tty};
use super::update::update;
use super::view::view;
use crate::config::{Config, SummaryFormat};
use crate::engine::{AlertStatus, Latch, Session};
use crate::kiosk::{deliver, pin};
use crate::questionnaire::Questionnaire;
use crate::records;
use crate::store::{AuditEvent, DraftStatus, QuestionnaireRef, RecordId, Store, StoreError};
use crate::summary::Context;

pub struct RunOptions {
    pub visit_date: Date,
    pub mode: Mode,
    pub config: Config,
    /// Where the staff PIN files live (the data directory).
    pub data_dir: PathBuf,
    /// Run mode: the doctor's page goes to standard output at the end (it is a file, a pipe or
    /// a printer, not the patient's terminal).
    pub page_to_stdout: bool,
    /// Staff continue this unfinished form (behind the staff PIN when one is set).
    pub draft: Option<crate::store::DraftId>,
}

/// How a walk-through ended.
pub enum RunEnd {
    /// The record was stored; the summary is ready for standard output.
    Completed { record: RecordId, context: Context },
    /// Stopped before the end (Ctrl-C, SIGTERM, SIGHUP), or staff left the kiosk.
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

/// What effects need besides the model.
struct Env<'a> {
    store: &'a mut dyn Store,
    opts: &'a RunOptions,
    ctx: Context,
    quit: bool,
    bell: bool,
    /// Work done off the UI thread (the staff alert) reports back here.
    background: Sender<Msg>,
    /// The latched flags last written to a draft, so each change is written once.
    saved_latches: (Option<crate::store::DraftId>, Vec<Latch>),
}

/// Runs the walk-through on the terminal until the patient has finished (run mode), staff
/// leave (kiosk), or it is stopped. The terminal is restored by the time this returns; the
/// finished session (run mode) comes back through `finished`.
pub fn run<'q>(
    q: &'q Questionnaire,
    earlier: &'q [Questionnaire],
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
    let now = Timestamp::now();
    let mut model = Model::new(new_session(q, opts.visit_date, opts.mode), opts.mode, now);
    model.earlier = earlier;
    model.staff_pin = pin::is_set(&opts.data_dir);
    model.page_to_stdout = opts.page_to_stdout;
    let open = store.drafts(DraftStatus::Open, Some(&q.meta.id))?;
    if opts.mode == Mode::Kiosk {
        // An interrupted kiosk session is for staff only: never offered to the next patient.
        for d in &open {
            store.set_draft_status(d.id, DraftStatus::Abandoned, now)?;
        }
        model.kiosk = Some(Kiosk {
            idle_warning: opts.config.idle_warning,
            idle_reset: opts.config.idle_reset,
            thanks: opts.config.thanks,
            last_activity: now,
            thanks_since: None,
            staff_notice: None,
            last_record: None,
            zone: crate::clock::local_zone(),
        });
    } else if let Some(d) = open.into_iter().next().filter(|_| opts.draft.is_none()) {
        // Someone else's unfinished form is private: the PIN, or the date of birth on it.
        let access = if model.staff_pin {
            ResumeAccess::StaffPin
        } else if q.meta.dob_item.is_some() {
            ResumeAccess::DateOfBirth
        } else {
            ResumeAccess::StaffOnly
        };
        model.screen = Screen::Resume { draft: d, access };
    }
    let mut guard = Guard::enter(&mut tty)?;
    let mut terminal = Terminal::new(LeanBackend::new(tty))?;
    let ctx = Context {
        clinic: opts.config.clinic_name.clone(),
        completed_at: None,
        record_id: None,
    };
    let (background, results): (Sender<Msg>, Receiver<Msg>) = channel();
    let mut env = Env {
        store,
        opts,
        ctx,
        quit: false,
        bell: false,
        background,
        saved_latches: (None, Vec::new()),
    };
    if let Some(id) = opts.draft {
        if model.staff_pin {
            super::screens::staff::open_pin(&mut model, super::model::AfterPin::Resume(id));
        } else {
            for effect in [
                Effect::Audit {
                    event: AuditEvent::Unlocked,
                    detail: format!("draft {id} operator"),
                },
                Effect::LoadDraft(id),
            ] {
                for reply in perform(effect, &model, &mut env) {
                    dispatch(&mut model, reply, &mut env);
                }
            }
        }
    }
    let mut hits = HitMap::default();
    let mut dirty = true;
    let mut last_tick = Instant::now();
    while !env.quit {
        if dirty {
            terminal.draw(|f| hits = view(&model, f))?;
            dirty = false;
        }
        if env.bell {
            env.bell = false;
            let _ = terminal.backend_mut().write_raw(b"\x07");
        }
        if stop.load(Ordering::Relaxed) {
            break;
        }
        let mut msgs = Vec::new();
        if event::poll(Duration::from_millis(250))? {
            match event::read()? {
                Event::Key(k) if k.kind != KeyEventKind::Release => msgs.push(Msg::Key(k)),
                Event::Mouse(me) => match me.kind {
                    MouseEventKind::Down(MouseButton::Left) => match hits.at(me.column, me.row) {
                        Some(t) => msgs.push(Msg::Tap(t)),
                        // A tap anywhere still counts as someone being there (kiosk idle).
                        None if model.kiosk.is_some() => msgs.push(Msg::Scroll(0)),
                        None => {}
                    },
                    MouseEventKind::ScrollDown => msgs.push(Msg::Scroll(1)),
                    MouseEventKind::ScrollUp => msgs.push(Msg::Scroll(-1)),
                    _ => {}
                },
                Event::Paste(s) => msgs.push(Msg::Paste(s)),
                Event::Resize(..) => dirty = true,
                _ => {}
            }
        }
        msgs.extend(results.try_iter());
        // Time moves on at least four times a second, even while keys keep coming.
        if last_tick.elapsed() >= Duration::from_millis(250) || msgs.is_empty() {
            last_tick = Instant::now();
            msgs.insert(0, Msg::Tick(Timestamp::now()));
        }
        for msg in msgs {
            let is_tick = matches!(msg, Msg::Tick(_));
            let before_screen = model.screen.clone();
            let acted = dispatch(&mut model, msg, &mut env);
            persist_latches(&mut model, &mut env);
            // Ticks redraw only when something changed (a countdown, a timeout, a retry).
            dirty |= !is_tick || acted || model.screen != before_screen || model.kiosk.is_some();
        }
    }
    // Stopped or finished: one last try at anything not yet saved, then restore the terminal.
    for (item, value) in std::mem::take(&mut model.unsaved) {
        let _ = perform(Effect::Save { item, value }, &model, &mut env);
    }
    drop(terminal);
    guard.leave();
    match (model.record, opts.mode) {
        (Some(record), Mode::Run | Mode::Staff) => {
            let context = Context {
                record_id: Some(record.to_string()),
                completed_at: Some(records::local_time(&model.now.to_string())),
                ..env.ctx
            };
            *finished = Some(model.session);
            Ok(RunEnd::Completed { record, context })
        }
        _ => Ok(RunEnd::Stopped),
    }
}

/// Writes the session's latched flags to its draft whenever they changed (a disclosure made,
/// its alert's result, its release), so a crash or a resume never loses them. A failed write is
/// retried with the next message and shown as a save problem meanwhile.
fn persist_latches(m: &mut Model<'_>, env: &mut Env<'_>) {
    let current = m.session.latches();
    if env.saved_latches.0 == m.draft && env.saved_latches.1 == current {
        return;
    }
    let Some(draft) = m.draft else {
        if current.is_empty() {
            env.saved_latches = (None, Vec::new());
        }
        return;
    };
    let Some(json) = records::latches_to_json(&m.session) else {
        env.saved_latches = (Some(draft), Vec::new());
        return;
    };
    match env.store.save_latches(draft, &json) {
        Ok(()) => env.saved_latches = (Some(draft), current.to_vec()),
        Err(_) => m.save_problem = Some(crate::strings::SAVE_FAILING.to_owned()),
    }
}

/// Updates the model with `msg`, then performs its effects, handling each reply before the next
/// effect (so a draft started by one save is known to the next). Says whether anything was done.
fn dispatch(m: &mut Model<'_>, msg: Msg, env: &mut Env<'_>) -> bool {
    let effects = update(m, msg);
    let acted = !effects.is_empty();
    for effect in effects {
        match effect {
            Effect::Quit => env.quit = true,
            Effect::Bell => env.bell = true,
            other => {
                for reply in perform(other, m, env) {
                    dispatch(m, reply, env);
                }
            }
        }
    }
    acted
}

/// Performs one effect; the replies go back through `update`.
fn perform(effect: Effect, m: &Model<'_>, env: &mut Env<'_>) -> Vec<Msg> {
    let now = Timestamp::now();
    let q = m.session.questionnaire();
    let store = &mut *env.store;
    match effect {
        Effect::Save { item, value } => {
            let mut replies = Vec::new();
            let draft = match m.draft {
                Some(d) => Ok(d),
                None => store
                    .start_draft(
                        &QuestionnaireRef::of(q),
                        &crate::summary::iso(m.session.visit_date()),
                        now,
                    )
                    .inspect(|id| replies.push(Msg::DraftStarted(*id))),
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
                .and_then(|()| Ok((store.draft(id)?.questionnaire, store.draft_answers(id)?)))
                .map_err(|e| e.to_string())
                .and_then(|(made_with, answers)| {
                    // The form's own version reads its latches (its flags and questions).
                    let q = m.questionnaire_for(&made_with);
                    let latches = match store.draft_latches(id).map_err(|e| e.to_string())? {
                        Some(json) => records::latches_from_json(q, &json)?,
                        None => Vec::new(),
                    };
                    Ok((made_with, answers, latches))
                });
            match loaded {
                Ok((made_with, answers, latches)) => vec![Msg::Restored {
                    draft: id,
                    made_with,
                    answers,
                    latches,
                }],
                Err(reason) => vec![Msg::SaveFailed {
                    item: String::new(),
                    value: None,
                    reason,
                }],
            }
        }
        Effect::VerifyDob { draft, dob } => {
            // Compared here, never shown: the form's answers stay in the store.
            let matches = q.meta.dob_item.is_some_and(|i| {
                let id = &q.item(i).id;
                store.draft_answers(draft).is_ok_and(|answers| {
                    answers
                        .iter()
                        .any(|(k, v)| k == id && v.as_str() == Some(dob.as_str()))
                })
            });
            vec![Msg::DobChecked { draft, matches }]
        }
        Effect::Audit { event, detail } => {
            match store.log_detail(event, m.record, m.draft, &detail, now) {
                Ok(()) => Vec::new(),
                Err(e) => vec![Msg::AuditFailed(e.to_string())],
            }
        }
        Effect::LoadLatestDraft => {
            let newest = [DraftStatus::Open, DraftStatus::Abandoned]
                .into_iter()
                .filter_map(|s| store.drafts(s, Some(&q.meta.id)).ok())
                .flatten()
                .max_by_key(|d| (d.updated_at, d.id));
            match newest {
                Some(d) => perform(Effect::LoadDraft(d.id), m, env),
                None => Vec::new(),
            }
        }
        Effect::DiscardDraft(id) => {
            let _ = store.set_draft_status(id, DraftStatus::Discarded, now);
            Vec::new()
        }
        Effect::AbandonDraft(id) => {
            let _ = store.set_draft_status(id, DraftStatus::Abandoned, now);
            Vec::new()
        }
        Effect::Complete => {
            let ctx = Context {
                completed_at: Some(records::local_time(&now.to_string())),
                ..env.ctx.clone()
            };
            match records::store_session(store, &m.session, m.draft, now, &ctx) {
                Ok(id) => vec![Msg::Tick(now), Msg::Completed(id)],
                Err(e) => vec![Msg::CompleteFailed(e.to_string())],
            }
        }
        Effect::CheckPin(entered) => {
            let c = &env.opts.config;
            let policy = pin::Policy {
                attempts: c.pin_attempts,
                lockout: c.pin_lockout,
                delay: c.pin_delay,
            };
            match pin::check(&env.opts.data_dir, &entered, &policy, now) {
                Ok(check) => vec![Msg::PinChecked(check)],
                Err(e) => vec![Msg::PinUnavailable(e.to_string())],
            }
        }
        Effect::Deliver(id) => vec![Msg::Delivered(
            id,
            deliver_record(store, &env.opts.config, q, id, now).err(),
        )],
        Effect::Alert { flag } => match &env.opts.config.alert_command {
            None => vec![Msg::Alerted {
                flag,
                status: AlertStatus::NotConfigured,
            }],
            Some(cmd) => {
                // Off the UI thread: a slow or stuck alert command never freezes the screen.
                let (cmd, tx) = (cmd.clone(), env.background.clone());
                std::thread::spawn(move || {
                    let status = match deliver::alert(&cmd) {
                        Ok(()) => AlertStatus::Sent { at: None },
                        Err(reason) => AlertStatus::Failed { at: None, reason },
                    };
                    let _ = tx.send(Msg::Alerted { flag, status });
                });
                vec![Msg::Alerted {
                    flag,
                    status: AlertStatus::Pending,
                }]
            }
        },
        Effect::Bell | Effect::Quit => Vec::new(),
    }
}

/// Prints and/or spools a stored record's summary, and records the outcome in the audit log.
fn deliver_record(
    store: &mut dyn Store,
    config: &Config,
    q: &Questionnaire,
    id: RecordId,
    now: Timestamp,
) -> Result<(), String> {
    let record = store.record(id).map_err(|e| e.to_string())?;
    let mut problems = Vec::new();
    // For the record system: the intake as a QuestionnaireResponse, whole or not at all.
    if let Some(dir) = &config.fhir_spool_dir {
        let written = crate::records::questionnaire_response(q, &record)
            .filter(|_| record.questionnaire.id == q.meta.id)
            .ok_or_else(|| format!("record {id} cannot be written as FHIR"))
            .and_then(|r| serde_json::to_vec_pretty(&r).map_err(|e| e.to_string()))
            .and_then(|bytes| deliver::spool(dir, id, "fhir.json", &bytes));
        if let Err(e) = written {
            problems.push(e);
        }
    }
    let (bytes, ext) = match config.format {
        SummaryFormat::Text => (record.summary_text.into_bytes(), "txt"),
        SummaryFormat::Json => (record.summary_json.into_bytes(), "json"),
    };
    if let Some(dir) = &config.spool_dir
        && let Err(e) = deliver::spool(dir, id, ext, &bytes)
    {
        problems.push(e);
    }
    if let Some(cmd) = &config.print_command
        && let Err(e) = deliver::run_with_input(cmd, &bytes)
    {
        problems.push(e);
    }
    let delivered = config.spool_dir.is_some()
        || config.print_command.is_some()
        || config.fhir_spool_dir.is_some();
    let event = if problems.is_empty() {
        AuditEvent::Printed
    } else {
        AuditEvent::PrintFailed
    };
    if delivered {
        let _ = store.log(event, Some(id), record.draft, now);
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems.join("; "))
    }
}
