//! Where the inbox's intakes come from and its decisions go: the local SQLite store, or the
//! clinic store (a reader login). A [`Desk`] lives on a worker thread of its own ([`spawn`]), so
//! a slow or unreachable database never freezes the screen: the screen sends [`Request`]s and
//! gets [`Reply`]s. The worker lists the day again when the store changes: it polls a cheap
//! change token, and on the clinic store also wakes on `LISTEN triage_inbox` ([`listen`]).
//! Opening an intake is audited as `reviewed`, a decision as `decided` (never the answers).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, RecvTimeoutError, Sender};
use std::time::Duration;

use jiff::Timestamp;
use postgres::fallible_iterator::FallibleIterator;

use crate::clinic::ClinicSettings;
use crate::inbox::decision::{self, Decision, NewDecision};
use crate::inbox::intake::{self, Columns, Intake, IntakeRow};
use crate::store::{SqliteStore, Store};

/// An intake opened for reading: the doctor's page as stored, and its decisions.
#[derive(Debug, Clone)]
pub struct Opened {
    pub id: i64,
    pub name: Option<String>,
    pub outcome: String,
    pub counts: [usize; 3],
    /// The doctor's page exactly as `records show` prints it (before the decisions).
    pub page: String,
    pub decisions: Vec<Decision>,
    /// "riverside/kiosk-1", for the clinic store's records.
    pub origin: Option<String>,
}

impl Opened {
    /// A stored record opened, with its decisions.
    fn of(r: crate::store::Record, decisions: Vec<Decision>, origin: Option<String>) -> Opened {
        Opened {
            id: r.summary.id,
            name: r.summary.name,
            outcome: r.summary.outcome,
            counts: [r.summary.stop, r.summary.caution, r.summary.note],
            page: r.summary_text,
            decisions,
            origin,
        }
    }
}

/// The calls the inbox makes on a store. Errors are plain sentences without answers.
pub trait Desk {
    /// The records of a visit date (`None`: all), with the answers named by `keys`.
    fn list(&mut self, day: Option<&str>, keys: &[String]) -> Result<Vec<IntakeRow>, String>;
    /// Changes whenever something the list shows may have changed elsewhere.
    fn token(&mut self) -> Result<String, String>;
    /// Reads a record, audited as opened by `prescriber`.
    fn open(&mut self, id: i64, prescriber: &str, now: Timestamp) -> Result<Opened, String>;
    /// Appends a decision (checked against the record's outcome first).
    fn decide(&mut self, id: i64, d: &NewDecision, now: Timestamp) -> Result<Decision, String>;
}

/// Makes a desk, on the worker's thread.
pub type OpenDesk = Box<dyn FnOnce() -> Result<Box<dyn Desk>, String> + Send>;

/// This machine's own store. `site` and `device` (from its `[clinic_store]` settings, if any)
/// are shown as every record's source.
pub struct LocalDesk {
    pub store: SqliteStore,
    pub site: Option<String>,
    pub device: Option<String>,
}

impl Desk for LocalDesk {
    fn list(&mut self, day: Option<&str>, keys: &[String]) -> Result<Vec<IntakeRow>, String> {
        let mut rows = self.store.intakes(day, keys).map_err(|e| e.to_string())?;
        for r in &mut rows {
            r.site.clone_from(&self.site);
            r.device.clone_from(&self.device);
        }
        Ok(rows)
    }

    fn token(&mut self) -> Result<String, String> {
        self.store
            .data_version()
            .map(|v| v.to_string())
            .map_err(|e| e.to_string())
    }

    fn open(&mut self, id: i64, prescriber: &str, now: Timestamp) -> Result<Opened, String> {
        let r = self.store.record(id).map_err(|e| e.to_string())?;
        self.store
            .mark_reviewed(id, prescriber, now)
            .map_err(|e| e.to_string())?;
        let decisions = self.store.decisions(id).map_err(|e| e.to_string())?;
        let origin = match (&self.site, &self.device) {
            (Some(s), Some(d)) => Some(format!("{s}/{d}")),
            _ => None,
        };
        Ok(Opened::of(r, decisions, origin))
    }

    fn decide(&mut self, id: i64, d: &NewDecision, now: Timestamp) -> Result<Decision, String> {
        let r = self.store.record(id).map_err(|e| e.to_string())?;
        let d =
            decision::check(d, &r.summary.outcome, r.summary.stop).map_err(|e| e.to_string())?;
        self.store.decide(id, &d, now).map_err(|e| e.to_string())
    }
}

/// The clinic store, as a reader. The connection is made when first needed and again after a
/// failure, so the inbox rides out a server restart.
pub struct ClinicDesk {
    pub settings: ClinicSettings,
    client: Option<postgres::Client>,
}

impl ClinicDesk {
    pub fn new(settings: ClinicSettings) -> ClinicDesk {
        ClinicDesk {
            settings,
            client: None,
        }
    }

    /// Runs `f` on the connection; a failure drops it, to connect again next time.
    fn with<T>(
        &mut self,
        f: impl FnOnce(&mut postgres::Client) -> Result<T, crate::clinic::ClinicError>,
    ) -> Result<T, String> {
        if self.client.as_ref().is_none_or(postgres::Client::is_closed) {
            self.client =
                Some(crate::clinic::connect::connect(&self.settings).map_err(|e| e.to_string())?);
        }
        let Some(client) = self.client.as_mut() else {
            return Err("no connection".into());
        };
        let result = f(client);
        if result.is_err() {
            self.client = None;
        }
        result.map_err(|e| e.to_string())
    }
}

impl Desk for ClinicDesk {
    fn list(&mut self, day: Option<&str>, keys: &[String]) -> Result<Vec<IntakeRow>, String> {
        self.with(|c| crate::clinic::desk::intakes(c, day, keys))
    }

    fn token(&mut self) -> Result<String, String> {
        self.with(crate::clinic::desk::change_token)
    }

    fn open(&mut self, id: i64, _prescriber: &str, _now: Timestamp) -> Result<Opened, String> {
        self.with(|c| {
            let shared =
                crate::clinic::read::show_as(c, &id.to_string(), "reviewed")?.ok_or_else(|| {
                    crate::clinic::ClinicError::Refused(format!("there is no record {id}"))
                })?;
            let decisions = crate::clinic::desk::decisions(c, &[id])?;
            let origin = Some(format!("{}/{}", shared.site, shared.device));
            Ok(Opened::of(shared.record, decisions, origin))
        })
    }

    fn decide(&mut self, id: i64, d: &NewDecision, _now: Timestamp) -> Result<Decision, String> {
        self.with(|c| crate::clinic::desk::decide(c, id, d))
    }
}

/// What the screen asks of the worker.
#[derive(Debug, Clone)]
pub enum Request {
    /// List the day again now.
    List,
    /// Open a record for the signed-in prescriber.
    Open {
        id: i64,
        prescriber: String,
    },
    Decide {
        id: i64,
        decision: NewDecision,
    },
    /// Something changed (a notification): list again.
    Changed,
    /// Show another visit date (`None`: every record) from now on.
    SetDay(Option<String>),
}

/// What the worker answers.
#[derive(Debug, Clone)]
pub enum Reply {
    /// The day's intakes, in the inbox's order.
    Listed(Result<Vec<Intake>, String>),
    Opened(i64, Result<Opened, String>),
    Decided(i64, Result<Decision, String>),
}

/// What the worker needs to list.
#[derive(Debug, Clone)]
pub struct ListSpec {
    /// The visit date shown (`None`: every record).
    pub day: Option<String>,
    pub columns: Columns,
    /// How often to ask the store whether anything changed.
    pub poll: Duration,
}

/// Lists with `desk` and puts the result in the inbox's order.
pub fn list(desk: &mut dyn Desk, spec: &ListSpec) -> Result<Vec<Intake>, String> {
    let keys = spec.columns.keys();
    let rows = desk.list(spec.day.as_deref(), &keys)?;
    let mut list: Vec<Intake> = rows.into_iter().map(|r| spec.columns.intake(r)).collect();
    intake::sort(&mut list);
    Ok(list)
}

/// Starts the worker: `open` makes the desk on the worker's thread (so connecting never holds
/// the screen); it lists at once, on every [`Request::List`] or [`Request::Changed`], after each
/// opening and decision, and whenever the change token moves. It ends when the screen drops
/// its sender.
pub fn spawn(
    open: impl FnOnce() -> Result<Box<dyn Desk>, String> + Send + 'static,
    mut spec: ListSpec,
    requests: Receiver<Request>,
    replies: Sender<Reply>,
) {
    std::thread::spawn(move || {
        let mut desk = match open() {
            Ok(d) => d,
            Err(e) => {
                let _ = replies.send(Reply::Listed(Err(e)));
                return;
            }
        };
        let mut last_token: Option<String> = None;
        let mut relist = true;
        loop {
            if relist {
                relist = false;
                last_token = desk.token().ok();
                if replies
                    .send(Reply::Listed(list(desk.as_mut(), &spec)))
                    .is_err()
                {
                    return;
                }
            }
            match requests.recv_timeout(spec.poll) {
                Ok(Request::List | Request::Changed) => relist = true,
                Ok(Request::SetDay(day)) => {
                    spec.day = day;
                    relist = true;
                }
                Ok(Request::Open { id, prescriber }) => {
                    let r = desk.open(id, &prescriber, Timestamp::now());
                    relist = true;
                    if replies.send(Reply::Opened(id, r)).is_err() {
                        return;
                    }
                }
                Ok(Request::Decide { id, decision }) => {
                    let r = desk.decide(id, &decision, Timestamp::now());
                    relist = true;
                    if replies.send(Reply::Decided(id, r)).is_err() {
                        return;
                    }
                }
                Err(RecvTimeoutError::Timeout) => match desk.token() {
                    Ok(t) => relist = last_token.as_ref() != Some(&t),
                    // Say so (and keep what is on screen); try again at the next poll.
                    Err(e) => {
                        last_token = None;
                        if replies.send(Reply::Listed(Err(e))).is_err() {
                            return;
                        }
                    }
                },
                Err(RecvTimeoutError::Disconnected) => return,
            }
        }
    });
}

/// Listens on the clinic store for new, opened and decided records and tells the worker
/// (`Request::Changed`) at once, instead of at its next poll. Reconnects after a failure, a
/// second apart at most; ends once `done` is set. Polling still runs, so a missed notification
/// only costs a poll interval.
pub fn listen(settings: ClinicSettings, worker: Sender<Request>, done: Arc<AtomicBool>) {
    std::thread::spawn(move || {
        while !done.load(Ordering::Relaxed) {
            let Ok(mut client) = crate::clinic::connect::connect(&settings) else {
                std::thread::sleep(Duration::from_secs(1));
                continue;
            };
            if client
                .batch_execute(&format!("LISTEN {}", crate::clinic::desk::CHANNEL))
                .is_err()
            {
                std::thread::sleep(Duration::from_secs(1));
                continue;
            }
            while !done.load(Ordering::Relaxed) && !client.is_closed() {
                let mut heard = false;
                let mut broken = false;
                {
                    let mut n = client.notifications();
                    let mut it = n.timeout_iter(Duration::from_millis(500));
                    loop {
                        match it.next() {
                            Ok(Some(_)) => heard = true,
                            Ok(None) => break,
                            Err(_) => {
                                broken = true;
                                break;
                            }
                        }
                    }
                }
                if heard && worker.send(Request::Changed).is_err() {
                    return;
                }
                if broken {
                    break;
                }
            }
        }
    });
}

/// Opens this machine's store for the inbox.
pub fn local(
    dir: &std::path::Path,
    site: Option<String>,
    device: Option<String>,
) -> Result<Box<dyn Desk>, String> {
    let store = SqliteStore::open(dir).map_err(|e| e.to_string())?;
    Ok(Box::new(LocalDesk {
        store,
        site,
        device,
    }))
}
