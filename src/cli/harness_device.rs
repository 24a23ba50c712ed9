//! A hidden command for the clinic store fault test: one device that completes records from an
//! answers file (through the same store call as `submit` and the walk-through, so each goes
//! through the outbox) until its store holds `records`, with the delivery thread running, then
//! waits for the outbox to empty. A test SIGKILLs it at random moments and starts it again; it
//! picks up where its store stands. It prints its counts (no answers) when it ends.

use std::path::Path;
use std::time::{Duration, Instant};

use super::{CliError, Io, Status, open_store};
use crate::clinic::Courier;
use crate::engine::Session;
use crate::store::Store;
use crate::summary::Context;

pub struct DeviceHarnessArgs<'a> {
    pub data_dir: Option<&'a Path>,
    pub config: Option<&'a Path>,
    pub answers: &'a Path,
    /// Complete records until the store holds this many.
    pub records: usize,
    /// Pause between two completions.
    pub pace: Duration,
    /// Give up waiting for the outbox to empty after this long.
    pub deadline: Duration,
}

pub fn device_harness(io: &mut Io<'_>, a: &DeviceHarnessArgs<'_>) -> Result<Status, CliError> {
    let start = Instant::now();
    let (settings, dir) = super::clinic::clinic_settings(io, a.data_dir, a.config)?;
    let (q, _) = super::load_questionnaire(io, None)?;
    let Some((_, file)) = super::read_answers(io, a.answers)? else {
        return Ok(Status::Findings);
    };
    let visit = file.visit_date.unwrap_or_else(crate::clock::today);
    let mut session = Session::new(&q, visit);
    crate::answers::fill_session(&mut session, &file.answers);
    if session.problems().next().is_some() {
        return Err(CliError::Usage("the answers are not complete".into()));
    }
    let mut store = open_store(a.data_dir)?;
    let courier = Courier::start(settings, &dir)?;
    let status = courier.status();
    let mut made = 0;
    while store.records()?.len() < a.records {
        let now = jiff::Timestamp::now();
        let ctx = Context {
            clinic: None,
            completed_at: Some(crate::records::local_time(&now.to_string())),
            record_id: None,
        };
        crate::records::store_session(&mut store, &session, None, now, &ctx)?;
        made += 1;
        courier.nudge();
        std::thread::sleep(a.pace);
    }
    let empty = |s: &crate::store::SqliteStore| {
        s.outbox_counts()
            .is_ok_and(|c| c.pending == 0 && c.audit_pending == 0)
    };
    while !empty(&store) && start.elapsed() < a.deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    let tally = courier.stop(Duration::from_secs(10)).unwrap_or_default();
    let c = store.outbox_counts()?;
    writeln!(
        io.out,
        "completed {made} inserted {} duplicates {} conflicts {} rejected {} failures {} pending {} audit_pending {} reachable {}",
        tally.inserted,
        tally.duplicates,
        tally.conflicts,
        tally.rejected,
        tally.failures,
        c.pending,
        c.audit_pending,
        status.reachable()
    )?;
    Ok(if c.pending == 0 && c.audit_pending == 0 {
        Status::Ok
    } else {
        Status::Pending
    })
}
