//! The walk-through's runtime: draws the model, turns terminal events into messages (taps are
//! hit-tested against the last frame), calls `update`, and performs the effects it returns:
//! store calls (before the next frame is drawn), the PIN check, printing and the staff alert.
//! The only I/O in the TUI.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, Sender, channel};
use std::time::{Duration, Instant};

use crossterm::event::{Event, KeyEventKind, MouseButton, MouseEventKind};
use jiff::Timestamp;
use jiff::civil::Date;
use ratatui::Terminal;

use super::backend::LeanBackend;
use super::model::{Effect, HitMap, Kiosk, Mode, Model, Msg, ResumeAccess, Screen, new_session};
use super::screens::resume::DOB_TRIES;
use super::terminal::{Guard, Input, open_tty};
use super::update::update;
use super::view::view;
use crate::config::{Config, SummaryFormat};
use crate::engine::{AlertStatus, Latch, Session};
use crate::kiosk::{deliver, pin};
use crate::questionnaire::Questionnaire;
use crate::records;
use crate::store::{
    AuditEvent, DraftId, DraftLock, DraftStatus, QuestionnaireRef, RecordId, Store, StoreError,
};
use crate::summary::Context;

pub struct RunOptions {
    pub visit_date: Date,
    /// `--visit-date` was given: at a kiosk every patient gets it, not the clock's date.
    pub visit_date_given: bool,
    pub mode: Mode,
    pub config: Config,
    /// Where the staff PIN files live (the data directory).
    pub data_dir: PathBuf,
    /// Run mode: the doctor's page goes to standard output at the end (it is a file, a pipe or
    /// a printer, not the patient's terminal).
    pub page_to_stdout: bool,
    /// Staff continue this unfinished form (behind the staff PIN when one is set).
    pub draft: Option<crate::store::DraftId>,
    /// The delivery thread's count of records waiting for the clinic store, if one is set up.
    pub outbox: Option<Arc<crate::clinic::courier::CourierStatus>>,
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
    saved_latches: (Option<DraftId>, Vec<Latch>),
    /// This process's hold on the draft it shows: no other window may offer, show, abandon or
    /// complete it. Released when the draft is done with, or by the OS if this process dies.
    lock: Option<DraftLock>,
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
    let tty = open_tty().ok_or(RunError::NoTerminal)?;
    // SIGTERM always ends the process within about a second, even if this thread is stuck.
    let (stop, done) = super::terminal::stop_on_signals()?;
    let result = walk(q, earlier, store, opts, finished, tty, &stop);
    done.store(true, Ordering::Relaxed);
    result
}

/// The walk-through proper (see [`run`]).
fn walk<'q>(
    q: &'q Questionnaire,
    earlier: &'q [Questionnaire],
    store: &mut dyn Store,
    opts: &RunOptions,
    finished: &mut Option<Session<'q>>,
    mut tty: super::terminal::Tty,
    stop: &AtomicBool,
) -> Result<RunEnd, RunError> {
    let now = Timestamp::now();
    let mut model = Model::new(new_session(q, opts.visit_date, opts.mode), opts.mode, now);
    model.earlier = earlier;
    model.staff_pin = pin::is_set(&opts.data_dir);
    model.page_to_stdout = opts.page_to_stdout;
    // A form another live window is showing is not ours to offer, show or abandon.
    let open: Vec<_> = store
        .drafts(DraftStatus::Open, Some(&q.meta.id))?
        .into_iter()
        .filter(|d| !DraftLock::held_elsewhere(&opts.data_dir, d.id))
        .collect();
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
            fixed_date: opts.visit_date_given.then_some(opts.visit_date),
        });
    } else if let Some(d) = open.into_iter().next().filter(|_| opts.draft.is_none()) {
        // Someone else's unfinished form is private: the PIN, or the date of birth on it (three
        // tries in all, counted in the audit log so a restart gives none back).
        let dob_used = store
            .draft_events_since(d.id, AuditEvent::DobFailed, AuditEvent::Unlocked)
            .unwrap_or(usize::MAX);
        let access = if model.staff_pin {
            ResumeAccess::StaffPin
        } else if q.meta.dob_item.is_some() && dob_used < usize::from(DOB_TRIES) {
            ResumeAccess::DateOfBirth
        } else {
            ResumeAccess::StaffOnly
        };
        let pause_pending = pause_pending(store, q, d.id);
        model.screen = Screen::Resume {
            draft: d,
            access,
            pause_pending,
        };
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
        lock: None,
    };
    if let Some(id) = opts.draft {
        // The same privacy as an offered form: the staff PIN when one is set, else the date
        // of birth on it (the command line checked that one of the two is possible).
        if model.staff_pin {
            super::screens::staff::open_pin(&mut model, super::model::AfterPin::Resume(id));
        } else {
            let draft = env.store.draft(id)?;
            let used = env
                .store
                .draft_events_since(id, AuditEvent::DobFailed, AuditEvent::Unlocked)
                .unwrap_or(usize::MAX);
            model.screen = if used < usize::from(DOB_TRIES) {
                Screen::ResumeDob {
                    draft,
                    entered: String::new(),
                    message: None,
                    tries_left: DOB_TRIES.saturating_sub(u8::try_from(used).unwrap_or(u8::MAX)),
                }
            } else {
                Screen::Resume {
                    draft,
                    access: ResumeAccess::StaffOnly,
                    pause_pending: false,
                }
            };
        }
    }
    if model.screen == Screen::Welcome {
        // Reception: first, how the answers are being given (or straight to the paper form).
        match opts.mode {
            // Without repeats only: the paper form cannot show them (see `cli::run`).
            Mode::Staff if !model.session.questionnaire().has_repeats() => {
                model.screen = Screen::Intake { focus: 0 }
            }
            Mode::Paper => super::screens::form::start(&mut model),
            _ => {}
        }
    }
    let mut keyboard = Keyboard {
        decoder: super::input::Decoder::new(),
        resized: Arc::new(AtomicBool::new(false)),
    };
    // The window's size changed: redraw (ratatui resizes its buffers on the next draw).
    signal_hook::flag::register(signal_hook::consts::SIGWINCH, Arc::clone(&keyboard.resized))?;
    let mut hits = HitMap::default();
    let mut dirty = true;
    let mut last_tick = Instant::now();
    while !env.quit {
        if dirty {
            // A terminal that cannot be drawn on any more is gone: save and end.
            if terminal.draw(|f| hits = view(&model, f)).is_err() {
                break;
            }
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
        match read_input(
            &mut keyboard,
            &hits,
            model.kiosk.is_some(),
            &mut msgs,
            &mut dirty,
        ) {
            Input::Ready | Input::Nothing => {}
            Input::HungUp => break,
        }
        msgs.extend(results.try_iter());
        // Time moves on at least four times a second, even while keys keep coming.
        if last_tick.elapsed() >= Duration::from_millis(250) || msgs.is_empty() {
            last_tick = Instant::now();
            msgs.insert(0, Msg::Tick(Timestamp::now()));
        }
        if let Some(status) = &opts.outbox {
            let pending = status.pending();
            dirty |=
                matches!(model.screen, Screen::StaffMenu { .. }) && model.outbox_pending != pending;
            model.outbox_pending = pending;
        }
        let patient = model.patient;
        for msg in msgs {
            // Keys read together with the end of one patient's form never reach the next one.
            if model.patient != patient && msg.is_input() {
                continue;
            }
            let is_tick = matches!(msg, Msg::Tick(_));
            let before_screen = model.screen.clone();
            let acted = dispatch(&mut model, msg, &mut env);
            persist_latches(&mut model, &mut env);
            if model.draft.is_none() {
                env.lock = None;
            }
            // Ticks redraw only when something changed (a countdown, a timeout, a retry).
            dirty |= !is_tick || acted || model.screen != before_screen || model.kiosk.is_some();
        }
    }
    if !env.quit || model.record.is_none() {
        // Stopped from outside, or the terminal went away: keep what is on screen too.
        dispatch(&mut model, Msg::Stopping, &mut env);
        persist_latches(&mut model, &mut env);
    }
    // Stopped or finished: one last try at anything not yet saved, then restore the terminal.
    let mut lost = Vec::new();
    for (item, value) in std::mem::take(&mut model.unsaved) {
        for reply in perform(Effect::Save { item, value }, &model, &mut env) {
            if let Msg::SaveFailed { reason, .. } = reply {
                lost.push(reason);
            }
        }
    }
    drop(terminal);
    guard.leave();
    if let Some(reason) = lost.first() {
        // Never silent: whoever is at the terminal (staff) learns what was not kept.
        eprintln!(
            "{}",
            crate::strings::not_saved_at_exit(lost.len(), &crate::text::escape(reason))
        );
    }
    match (model.record, opts.mode) {
        (Some(record), Mode::Run | Mode::Staff | Mode::Paper) => {
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

/// The keyboard's side of the walk-through: the byte decoder (see `tui::input`) and the
/// window-size signal.
struct Keyboard {
    decoder: super::input::Decoder,
    resized: Arc<AtomicBool>,
}

/// Reads what the keyboard and mouse have now, as messages (taps hit-tested against the last
/// frame); says whether the terminal is gone. Never blocks for more than a quarter second, less
/// when an unfinished escape sequence is due to be given up; never reads a hung-up terminal
/// (see [`super::terminal::wait_for_input`]).
fn read_input(
    kb: &mut Keyboard,
    hits: &HitMap,
    kiosk: bool,
    msgs: &mut Vec<Msg>,
    dirty: &mut bool,
) -> Input {
    let quarter = Duration::from_millis(250);
    let wait = kb.decoder.deadline().map_or(quarter, |d| {
        d.saturating_duration_since(Instant::now()).min(quarter)
    });
    let mut events = Vec::new();
    let state = match super::terminal::wait_for_input(wait) {
        Ok(Input::Ready) => {
            // Everything there is now, in a few reads at most (a paste can be long).
            let mut buf = [0u8; 4096];
            let mut state = Input::Ready;
            for _ in 0..16 {
                match super::terminal::read_input(&mut buf) {
                    Ok(0) | Err(_) => {
                        state = Input::HungUp;
                        break;
                    }
                    Ok(n) => {
                        let read = buf.get_mut(..n).unwrap_or_default();
                        events.extend(kb.decoder.feed(read, Instant::now()));
                        // What was typed does not stay on the stack either.
                        zeroize::Zeroize::zeroize(read);
                    }
                }
                if super::terminal::wait_for_input(Duration::ZERO).ok() != Some(Input::Ready) {
                    break;
                }
            }
            state
        }
        Ok(Input::Nothing) => {
            events.extend(kb.decoder.flush(Instant::now()));
            Input::Nothing
        }
        Ok(Input::HungUp) | Err(_) => Input::HungUp,
    };
    if kb.resized.swap(false, Ordering::Relaxed) {
        *dirty = true;
    }
    for ev in events {
        match ev {
            Event::Key(k) if k.kind != KeyEventKind::Release => msgs.push(Msg::Key(k)),
            Event::Mouse(me) => match me.kind {
                MouseEventKind::Down(MouseButton::Left) => match hits.at(me.column, me.row) {
                    Some(t) => msgs.push(Msg::Tap(t)),
                    // A tap anywhere still counts as someone being there (kiosk idle).
                    None if kiosk => msgs.push(Msg::Touched),
                    None => {}
                },
                MouseEventKind::ScrollDown => msgs.push(Msg::Scroll(1)),
                MouseEventKind::ScrollUp => msgs.push(Msg::Scroll(-1)),
                _ => {}
            },
            Event::Paste(s) => msgs.push(Msg::Paste(s)),
            Event::Resize(..) => *dirty = true,
            _ => {}
        }
    }
    state
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
                None => start_draft(store, &mut env.lock, &env.opts.data_dir, m, now)
                    .inspect(|id| replies.push(Msg::DraftStarted(*id))),
            };
            let mut result = draft.and_then(|d| store.save_answer(d, &item, value.as_ref(), now));
            if let Err(StoreError::DraftClosed(_) | StoreError::NoDraft(_)) = result {
                // The form was closed under us (it should not be, with the lock): keep every
                // answer in a new one rather than lose them.
                result =
                    start_draft(store, &mut env.lock, &env.opts.data_dir, m, now).and_then(|d| {
                        replies.push(Msg::DraftStarted(d));
                        for (i, a) in m.session.stored_answers() {
                            let v = crate::answers::to_json(q, i, a);
                            store.save_answer(d, &q.item(i).id, Some(&v), now)?;
                        }
                        store.save_answer(d, &item, value.as_ref(), now)
                    });
            }
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
            match DraftLock::try_take(&env.opts.data_dir, id) {
                Ok(Some(lock)) => env.lock = Some(lock),
                // Another live window is showing it: never two owners of one form.
                Ok(None) | Err(_) => return vec![Msg::DraftInUse],
            }
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
                Err(reason) => vec![Msg::LoadFailed(reason)],
            }
        }
        Effect::VerifyDob { draft, dob } => {
            // Compared here, never shown: the form's answers stay in the store. Wrong tries are
            // in the audit log, so the limit holds across restarts. The form's own version
            // names its date-of-birth question.
            let q = store
                .draft(draft)
                .map_or(q, |d| m.questionnaire_for(&d.questionnaire));
            let used = store
                .draft_events_since(draft, AuditEvent::DobFailed, AuditEvent::Unlocked)
                .unwrap_or(usize::MAX);
            let matches = used < usize::from(DOB_TRIES)
                && q.meta.dob_item.is_some_and(|i| {
                    let id = &q.item(i).id;
                    store.draft_answers(draft).is_ok_and(|answers| {
                        answers
                            .iter()
                            .any(|(k, v)| k == id && v.as_str() == Some(dob.as_str()))
                    })
                });
            let mut used = used;
            if !matches && used < usize::from(DOB_TRIES) {
                let _ = store.log_detail(
                    AuditEvent::DobFailed,
                    None,
                    Some(draft),
                    &format!("draft {draft}"),
                    now,
                );
                used += 1;
            }
            let tries_left = DOB_TRIES.saturating_sub(u8::try_from(used).unwrap_or(u8::MAX));
            vec![Msg::DobChecked {
                draft,
                matches,
                tries_left,
            }]
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
                .filter(|d| !DraftLock::held_elsewhere(&env.opts.data_dir, d.id))
                .max_by_key(|d| (d.updated_at, d.id));
            match newest {
                Some(d) => perform(Effect::LoadDraft(d.id), m, env),
                None => Vec::new(),
            }
        }
        Effect::DiscardDraft(id) | Effect::AbandonDraft(id)
            if env.lock.as_ref().is_none_or(|l| l.draft != id)
                && DraftLock::held_elsewhere(&env.opts.data_dir, id) =>
        {
            Vec::new()
        }
        Effect::DiscardDraft(id) => match store.set_draft_status(id, DraftStatus::Discarded, now) {
            Ok(()) => Vec::new(),
            Err(e) => vec![Msg::AuditFailed(e.to_string())],
        },
        Effect::AbandonDraft(id) => match store.set_draft_status(id, DraftStatus::Abandoned, now) {
            Ok(()) => Vec::new(),
            Err(e) => vec![Msg::AuditFailed(e.to_string())],
        },
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
            // Letting a patient past a safety pause is never locked, only slowed.
            let purpose = match &m.screen {
                Screen::StaffPin { back, .. } if matches!(**back, Screen::Pause { .. }) => {
                    pin::Purpose::Pause
                }
                _ => pin::Purpose::Staff,
            };
            match pin::check(&env.opts.data_dir, store, &entered, &policy, purpose, now) {
                Ok(check) => vec![Msg::PinChecked(check)],
                Err(e) => vec![Msg::PinUnavailable(e.to_string())],
            }
        }
        Effect::Deliver(id) => start_delivery(
            store,
            &env.opts.config,
            &|r| m.questionnaire_for(r),
            id,
            &env.background,
        ),
        Effect::AuditRecord { event, record } => match store.log(event, Some(record), None, now) {
            Ok(()) => Vec::new(),
            Err(e) => vec![Msg::AuditFailed(e.to_string())],
        },
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

/// Whether a draft stopped at a safety pause that nobody released (read from its latches).
fn pause_pending(store: &dyn Store, q: &Questionnaire, draft: DraftId) -> bool {
    let Ok(Some(json)) = store.draft_latches(draft) else {
        return false;
    };
    records::latches_from_json(q, &json).is_ok_and(|latches| {
        latches.iter().any(|l| {
            q.flag_at(l.flag).action == Some(crate::questionnaire::FlagAction::Pause)
                && l.release.is_none()
        })
    })
}

/// Starts a draft for the session on screen and takes its lock.
fn start_draft(
    store: &mut dyn Store,
    lock: &mut Option<DraftLock>,
    data_dir: &std::path::Path,
    m: &Model<'_>,
    now: Timestamp,
) -> Result<DraftId, StoreError> {
    let q = m.session.questionnaire();
    let id = store.start_draft(
        &QuestionnaireRef::of(q),
        &crate::summary::iso(m.session.visit_date()),
        now,
    )?;
    *lock = DraftLock::try_take(data_dir, id).ok().flatten();
    Ok(id)
}

/// Starts printing and/or spooling a stored record's summary (and its QuestionnaireResponse)
/// on a thread of its own, so a slow or stuck printer never freezes the screen; the result comes
/// back as `Delivered`. Nothing is sent when no destination is configured. `made_with` gives
/// the questionnaire a record was made with (an earlier version, for a resumed old form).
fn start_delivery<'q>(
    store: &mut dyn Store,
    config: &Config,
    made_with: &dyn Fn(&QuestionnaireRef) -> &'q Questionnaire,
    id: RecordId,
    tx: &Sender<Msg>,
) -> Vec<Msg> {
    if config.spool_dir.is_none()
        && config.print_command.is_none()
        && config.fhir_spool_dir.is_none()
    {
        return Vec::new();
    }
    let record = match store.record(id) {
        Ok(r) => r,
        Err(e) => return vec![Msg::Delivered(id, Some(e.to_string()))],
    };
    // For the record system: the intake as a QuestionnaireResponse, whole or not at all.
    let q = made_with(&record.questionnaire);
    let fhir = config.fhir_spool_dir.clone().map(|dir| {
        let bytes = crate::records::questionnaire_response(q, &record)
            .filter(|_| record.questionnaire.id == q.meta.id)
            .ok_or_else(|| format!("record {id} cannot be written as FHIR"))
            .and_then(|r| {
                crate::text::json_pretty(&r)
                    .map(String::into_bytes)
                    .map_err(|e| e.to_string())
            });
        (dir, bytes)
    });
    let (bytes, ext) = match config.format {
        SummaryFormat::Text => (record.summary_text.into_bytes(), "txt"),
        SummaryFormat::Json => (record.summary_json.into_bytes(), "json"),
    };
    let (spool_dir, print_command, tx) = (
        config.spool_dir.clone(),
        config.print_command.clone(),
        tx.clone(),
    );
    std::thread::spawn(move || {
        let mut problems = Vec::new();
        if let Some((dir, fhir_bytes)) = fhir
            && let Err(e) = fhir_bytes.and_then(|b| deliver::spool(&dir, id, "fhir.json", &b))
        {
            problems.push(e);
        }
        if let Some(dir) = &spool_dir
            && let Err(e) = deliver::spool(dir, id, ext, &bytes)
        {
            problems.push(e);
        }
        if let Some(cmd) = &print_command
            && let Err(e) = deliver::run_with_input(cmd, &bytes)
        {
            problems.push(e);
        }
        let problem = (!problems.is_empty()).then(|| problems.join("; "));
        let _ = tx.send(Msg::Delivered(id, problem));
    });
    Vec::new()
}
