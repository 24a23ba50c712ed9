//! Delivery: a [`Deliverer`] hands the local outbox to the clinic store a batch at a time (up to
//! 100 records in one call of `triage.deliver_records`, one transaction), and marks records
//! delivered only after the server has committed and answered. A crash between the two means a
//! resend, which the server counts once (same UUID, same SHA-256). A [`Courier`] runs one on its
//! own thread with exponential backoff (250 ms doubling up to `retry_max`, with jitter), so
//! completing a form never waits on the network. Nothing here logs answers.

use std::collections::HashMap;
use std::hash::{BuildHasher, Hasher};
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc::{self, RecvTimeoutError, Sender};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use jiff::Timestamp;

use super::settings::ClinicSettings;
use super::{ClinicError, connect};
use crate::store::{Delivery, OutboxCounts, RecordId, SqliteStore};

/// Records per delivery call.
pub const RECORD_BATCH: usize = 100;
/// Audit events per delivery call.
pub const AUDIT_BATCH: usize = 1000;

/// What this deliverer has done so far.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Tally {
    /// Stored by the clinic store for the first time.
    pub inserted: usize,
    /// Already there with the same content (a resend after a lost answer).
    pub duplicates: usize,
    pub conflicts: usize,
    pub rejected: usize,
    pub audit_events: usize,
    /// Attempts that failed (connection, server).
    pub failures: usize,
}

/// The result of one delivery attempt.
#[derive(Debug)]
pub enum Attempt {
    /// Nothing waits.
    Empty,
    /// This many records or audit events were handed over (more may wait).
    Progress(usize),
    Failed(ClinicError),
}

/// Delivers one machine's outbox to the clinic store.
pub struct Deliverer {
    settings: ClinicSettings,
    local: SqliteStore,
    client: Option<postgres::Client>,
    device_id: String,
    pub tally: Tally,
}

impl Deliverer {
    /// A deliverer for the store in `data_dir`, with its own connection to it.
    pub fn open(settings: ClinicSettings, data_dir: &Path) -> Result<Deliverer, ClinicError> {
        let local = SqliteStore::open(data_dir)?;
        let device_id = local.device_uuid()?;
        Ok(Deliverer {
            settings,
            local,
            client: None,
            device_id,
            tally: Tally::default(),
        })
    }

    /// The local store this deliverer sends from.
    pub fn local(&mut self) -> &mut SqliteStore {
        &mut self.local
    }

    /// This machine's outbox counts.
    pub fn counts(&self) -> Result<OutboxCounts, ClinicError> {
        Ok(self.local.outbox_counts()?)
    }

    /// One round: a batch of pending records, or when none wait, a batch of audit events.
    pub fn attempt(&mut self) -> Attempt {
        let batch = match self.local.outbox_batch(RECORD_BATCH) {
            Ok(b) => b,
            Err(e) => return Attempt::Failed(e.into()),
        };
        if batch.is_empty() {
            return self.attempt_audit();
        }
        let ids: Vec<RecordId> = batch.iter().map(|p| p.record).collect();
        match self.send_records(&batch) {
            Ok(results) => {
                for (_, d) in &results {
                    match d {
                        Delivery::Inserted => self.tally.inserted += 1,
                        Delivery::Duplicate => self.tally.duplicates += 1,
                        Delivery::Conflict => self.tally.conflicts += 1,
                        Delivery::Rejected(_) => self.tally.rejected += 1,
                    }
                }
                let n = results.len();
                match self.local.outbox_mark(&results, Timestamp::now()) {
                    Ok(()) if n > 0 => Attempt::Progress(n),
                    Ok(()) => Attempt::Failed(ClinicError::Refused(
                        "the clinic store answered for none of the records sent".into(),
                    )),
                    Err(e) => Attempt::Failed(e.into()),
                }
            }
            Err(e) => {
                self.tally.failures += 1;
                let _ = self.local.outbox_failed(&ids, &e.to_string());
                Attempt::Failed(e)
            }
        }
    }

    /// Connects (TLS, password, role) and asks the server a trivial question: proves the
    /// settings work even when nothing waits to be sent.
    pub fn check_connection(&mut self) -> Result<(), ClinicError> {
        let client = self.client()?;
        if let Err(e) = client.simple_query("SELECT 1") {
            self.client = None;
            return Err(ClinicError::from_pg(&e));
        }
        Ok(())
    }

    fn client(&mut self) -> Result<&mut postgres::Client, ClinicError> {
        if self
            .client
            .as_ref()
            .is_some_and(postgres::Client::is_closed)
        {
            self.client = None;
        }
        if self.client.is_none() {
            self.client = Some(connect::connect(&self.settings)?);
        }
        self.client
            .as_mut()
            .ok_or_else(|| ClinicError::Unreachable("no connection".into()))
    }

    /// Sends a batch; on any error the connection is dropped (the next attempt reconnects).
    fn send_records(
        &mut self,
        batch: &[crate::store::Pending],
    ) -> Result<Vec<(RecordId, Delivery)>, ClinicError> {
        let uuids: Vec<&str> = batch.iter().map(|p| p.uuid.as_str()).collect();
        let hashes: Vec<&str> = batch.iter().map(|p| p.sha256.as_str()).collect();
        let local_ids: Vec<i64> = batch.iter().map(|p| p.record).collect();
        let payloads: Vec<&str> = batch.iter().map(|p| p.payload.as_str()).collect();
        let (site, device, device_id) = (
            self.settings.site.clone(),
            self.settings.device.clone(),
            self.device_id.clone(),
        );
        let client = self.client()?;
        let rows = client.query(
            "SELECT record_uuid::text, result FROM triage.deliver_records($1, $2, $3::text::uuid, $4::text[]::uuid[], $5, $6, $7)",
            &[&site, &device, &device_id, &uuids, &hashes, &local_ids, &payloads],
        );
        let rows = match rows {
            Ok(r) => r,
            Err(e) => {
                self.client = None;
                return Err(ClinicError::from_pg(&e));
            }
        };
        let by_uuid: HashMap<&str, RecordId> =
            batch.iter().map(|p| (p.uuid.as_str(), p.record)).collect();
        let mut out = Vec::with_capacity(rows.len());
        for row in rows {
            let uuid: Option<String> = row.get(0);
            let result: String = row.get(1);
            let Some(&id) = uuid.as_deref().and_then(|u| by_uuid.get(u)) else {
                continue;
            };
            let d = match result.as_str() {
                "inserted" => Delivery::Inserted,
                "duplicate" => Delivery::Duplicate,
                "conflict" => Delivery::Conflict,
                other => Delivery::Rejected(other.trim_start_matches("rejected: ").to_owned()),
            };
            out.push((id, d));
        }
        Ok(out)
    }

    fn attempt_audit(&mut self) -> Attempt {
        let events = match self.local.audit_batch(AUDIT_BATCH) {
            Ok(e) => e,
            Err(e) => return Attempt::Failed(e.into()),
        };
        let Some(last) = events.last().map(|e| e.id) else {
            return Attempt::Empty;
        };
        let ids: Vec<i64> = events.iter().map(|e| e.id).collect();
        let ats: Vec<&str> = events.iter().map(|e| e.at.as_str()).collect();
        let names: Vec<&str> = events.iter().map(|e| e.event.as_str()).collect();
        let records: Vec<Option<i64>> = events.iter().map(|e| e.record).collect();
        let drafts: Vec<Option<i64>> = events.iter().map(|e| e.draft).collect();
        let details: Vec<Option<&str>> = events.iter().map(|e| e.detail.as_deref()).collect();
        let (site, device, device_id) = (
            self.settings.site.clone(),
            self.settings.device.clone(),
            self.device_id.clone(),
        );
        let sent = match self.client() {
            Ok(client) => client
                .query_one(
                    "SELECT triage.deliver_audit($1, $2, $3::text::uuid, $4, $5, $6, $7, $8, $9)",
                    &[
                        &site, &device, &device_id, &ids, &ats, &names, &records, &drafts, &details,
                    ],
                )
                .map_err(|e| ClinicError::from_pg(&e)),
            Err(e) => Err(e),
        };
        match sent {
            Ok(_) => match self.local.audit_sent(last) {
                Ok(()) => {
                    self.tally.audit_events += events.len();
                    Attempt::Progress(events.len())
                }
                Err(e) => Attempt::Failed(e.into()),
            },
            Err(e) => {
                self.client = None;
                self.tally.failures += 1;
                Attempt::Failed(e)
            }
        }
    }

    /// Delivers until nothing waits, or until `deadline` (retrying with backoff), or after the
    /// first failure when there is no deadline. Returns the last failure if anything remains.
    pub fn drain(&mut self, deadline: Option<Instant>) -> Option<ClinicError> {
        let mut backoff = Backoff::new(self.settings.retry_max);
        loop {
            match self.attempt() {
                Attempt::Empty => return None,
                Attempt::Progress(_) => backoff.reset(),
                Attempt::Failed(e) => {
                    let Some(deadline) = deadline else {
                        return Some(e);
                    };
                    let now = Instant::now();
                    if now >= deadline {
                        return Some(e);
                    }
                    std::thread::sleep(backoff.wait().min(deadline - now));
                }
            }
        }
    }
}

/// Exponential backoff with jitter: 250 ms, doubling, never above `max`.
pub struct Backoff {
    next: Duration,
    max: Duration,
}

impl Backoff {
    pub const FIRST: Duration = Duration::from_millis(250);

    pub fn new(max: Duration) -> Backoff {
        Backoff {
            next: Self::FIRST.min(max),
            max,
        }
    }

    pub fn reset(&mut self) {
        self.next = Self::FIRST.min(self.max);
    }

    /// The wait before the next attempt: the current step, give or take a quarter.
    pub fn wait(&mut self) -> Duration {
        let step = self.next;
        self.next = (self.next * 2).min(self.max);
        let mut h = std::collections::hash_map::RandomState::new().build_hasher();
        h.write_u8(0);
        let per_mille = u32::try_from(h.finish() % 1000).unwrap_or(500);
        let jitter = f64::from(per_mille) / 1000.0 * 0.5 + 0.75;
        step.mul_f64(jitter).min(self.max)
    }
}

/// What staff can see of a running courier.
#[derive(Debug, Default)]
pub struct CourierStatus {
    /// Records waiting on this machine; `usize::MAX` until first counted.
    pending: AtomicUsize,
    /// Whether the last attempt reached the clinic store.
    reachable: AtomicBool,
}

impl CourierStatus {
    /// Records waiting on this machine, once counted.
    pub fn pending(&self) -> Option<usize> {
        Some(self.pending.load(Ordering::Relaxed)).filter(|&n| n != usize::MAX)
    }

    pub fn reachable(&self) -> bool {
        self.reachable.load(Ordering::Relaxed)
    }
}

/// A delivery thread for one data directory. Dropping the courier (or [`Courier::stop`]) ends it.
pub struct Courier {
    status: Arc<CourierStatus>,
    wake: Option<Sender<()>>,
    handle: Option<JoinHandle<Tally>>,
}

/// How often an idle courier looks at the outbox.
const IDLE_POLL: Duration = Duration::from_millis(500);

impl Courier {
    /// Starts delivering the outbox of the store in `data_dir` on a new thread, with its own
    /// connections to the local store and the clinic store.
    pub fn start(settings: ClinicSettings, data_dir: &Path) -> Result<Courier, ClinicError> {
        let retry_max = settings.retry_max;
        let mut d = Deliverer::open(settings, data_dir)?;
        let status = Arc::new(CourierStatus {
            pending: AtomicUsize::new(usize::MAX),
            reachable: AtomicBool::new(false),
        });
        let (wake, rx) = mpsc::channel::<()>();
        let st = Arc::clone(&status);
        let handle = std::thread::Builder::new()
            .name("triage-courier".into())
            .spawn(move || {
                let mut backoff = Backoff::new(retry_max);
                loop {
                    let wait = match d.attempt() {
                        Attempt::Empty => {
                            backoff.reset();
                            st.reachable.store(d.client.is_some(), Ordering::Relaxed);
                            IDLE_POLL
                        }
                        Attempt::Progress(_) => {
                            backoff.reset();
                            st.reachable.store(true, Ordering::Relaxed);
                            Duration::ZERO
                        }
                        Attempt::Failed(_) => {
                            st.reachable.store(false, Ordering::Relaxed);
                            backoff.wait()
                        }
                    };
                    if let Ok(c) = d.counts() {
                        st.pending.store(c.pending, Ordering::Relaxed);
                    }
                    match rx.recv_timeout(wait) {
                        Ok(()) | Err(RecvTimeoutError::Timeout) => {}
                        Err(RecvTimeoutError::Disconnected) => break,
                    }
                }
                d.tally
            })
            .map_err(|e| ClinicError::Settings(format!("cannot start delivery: {e}")))?;
        Ok(Courier {
            status,
            wake: Some(wake),
            handle: Some(handle),
        })
    }

    pub fn status(&self) -> Arc<CourierStatus> {
        Arc::clone(&self.status)
    }

    /// Asks for an attempt now (a record was just completed).
    pub fn nudge(&self) {
        if let Some(w) = &self.wake {
            let _ = w.send(());
        }
    }

    /// Ends the thread, waiting at most `wait` for an attempt under way to finish. A thread
    /// still busy then (a slow network) is left to end with the process: what it has not
    /// marked delivered stays in the outbox and is sent again later.
    pub fn stop(mut self, wait: Duration) -> Option<Tally> {
        self.wake = None;
        let handle = self.handle.take()?;
        let start = Instant::now();
        while !handle.is_finished() && start.elapsed() < wait {
            std::thread::sleep(Duration::from_millis(10));
        }
        if handle.is_finished() {
            handle.join().ok()
        } else {
            None
        }
    }
}

impl Drop for Courier {
    fn drop(&mut self) {
        self.wake = None;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Backoff doubles from 250 ms with jitter, never passes its cap, and starts over on reset.
    #[test]
    fn backoff_doubles_up_to_the_cap() {
        let mut b = Backoff::new(Duration::from_secs(2));
        let waits: Vec<Duration> = (0..6).map(|_| b.wait()).collect();
        assert!(waits[0] >= Duration::from_millis(187) && waits[0] <= Duration::from_millis(313));
        assert!(waits[2] >= Duration::from_millis(750), "{waits:?}");
        assert!(
            waits.iter().all(|w| *w <= Duration::from_secs(2)),
            "{waits:?}"
        );
        b.reset();
        assert!(b.wait() <= Duration::from_millis(313));
    }
}
