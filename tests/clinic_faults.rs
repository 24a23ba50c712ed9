//! The clinic store under faults: three devices (real `triage` processes) complete 300 records
//! each with delivery running, while the server is stopped with `pg_ctl stop -m immediate` and
//! started again at random moments, a TCP proxy between devices and server cuts connections in
//! the middle of their traffic, and one device is SIGKILLed mid-delivery and started again. At
//! the end every record is in the clinic store exactly once with its content hash, the outboxes
//! (records and audit events) are empty, and nothing was lost. It prints its counts.
//! Skipped (with a message) without PostgreSQL server binaries, unless TRIAGE_REQUIRE_PG is set.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "a test stops at the first thing that is wrong, saying what"
)]

mod common;

use std::collections::HashMap;
use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::pg::{self, Pg};
use triage::store::{SqliteStore, Store};

const DEVICES: usize = 3;
const RECORDS: usize = 300;
const ANSWERS: &str = "questionnaires/examples/baseline.json";

/// A small xorshift generator, seeded from the clock (the seed is printed to replay a run).
struct Rng(AtomicU64);

impl Rng {
    fn below(&self, n: u64) -> u64 {
        let mut x = self.0.load(Ordering::Relaxed);
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0.store(x, Ordering::Relaxed);
        x % n.max(1)
    }

    fn millis(&self, from: u64, to: u64) -> Duration {
        Duration::from_millis(from + self.below(to - from))
    }
}

/// A TCP proxy to the server that can cut every open connection, and that (while `chaos` is on)
/// cuts some connections after a random number of bytes: in the middle of a query or of its
/// answer, possibly after the server committed and before the device heard so.
struct Proxy {
    port: u16,
    open: Arc<Mutex<Vec<TcpStream>>>,
    chaos: Arc<AtomicBool>,
    cut_midway: Arc<AtomicUsize>,
    stop: Arc<AtomicBool>,
}

impl Proxy {
    fn start(upstream: u16, rng: Arc<Rng>) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let port = listener.local_addr().expect("addr").port();
        let open = Arc::new(Mutex::new(Vec::<TcpStream>::new()));
        let chaos = Arc::new(AtomicBool::new(true));
        let cut_midway = Arc::new(AtomicUsize::new(0));
        let stop = Arc::new(AtomicBool::new(false));
        let (o, c, m, s) = (
            Arc::clone(&open),
            Arc::clone(&chaos),
            Arc::clone(&cut_midway),
            Arc::clone(&stop),
        );
        std::thread::spawn(move || {
            for client in listener.incoming() {
                if s.load(Ordering::Relaxed) {
                    break;
                }
                let Ok(client) = client else { continue };
                let Ok(server) = TcpStream::connect(("127.0.0.1", upstream)) else {
                    let _ = client.shutdown(Shutdown::Both);
                    continue;
                };
                // Seven connections in ten get a byte budget while chaos is on.
                let budget = if c.load(Ordering::Relaxed) && rng.below(10) < 7 {
                    1_000 + rng.below(400_000)
                } else {
                    u64::MAX
                };
                if let (Ok(a), Ok(b)) = (client.try_clone(), server.try_clone()) {
                    let mut list = o.lock().expect("lock");
                    list.push(a);
                    list.push(b);
                }
                let used = Arc::new(AtomicU64::new(0));
                for (mut from, mut to) in [
                    (client.try_clone(), server.try_clone()),
                    (server.try_clone(), client.try_clone()),
                ]
                .into_iter()
                .filter_map(|(a, b)| Some((a.ok()?, b.ok()?)))
                {
                    let (used, chaos, midway) = (Arc::clone(&used), Arc::clone(&c), Arc::clone(&m));
                    std::thread::spawn(move || {
                        let mut buf = [0u8; 16 * 1024];
                        loop {
                            let n = match from.read(&mut buf) {
                                Ok(0) | Err(_) => break,
                                Ok(n) => n,
                            };
                            let total = used.fetch_add(n as u64, Ordering::Relaxed) + n as u64;
                            if total > budget && chaos.load(Ordering::Relaxed) {
                                // Pass on part of this chunk, then cut both ways.
                                let part = n / 2;
                                let _ = to.write_all(&buf[..part]);
                                midway.fetch_add(1, Ordering::Relaxed);
                                break;
                            }
                            if to.write_all(&buf[..n]).is_err() {
                                break;
                            }
                        }
                        let _ = from.shutdown(Shutdown::Both);
                        let _ = to.shutdown(Shutdown::Both);
                    });
                }
            }
        });
        Proxy {
            port,
            open,
            chaos,
            cut_midway,
            stop,
        }
    }

    /// Cuts every connection open now.
    fn cut_all(&self) {
        let list = std::mem::take(&mut *self.open.lock().expect("lock"));
        for s in &list {
            let _ = s.shutdown(Shutdown::Both);
        }
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        let _ = TcpStream::connect(("127.0.0.1", self.port));
    }
}

struct Device {
    name: String,
    data: PathBuf,
    config: PathBuf,
    child: Option<Child>,
    reports: Vec<String>,
    runs: usize,
    /// The last count read: records are never taken away, so a store the device holds busy
    /// at the moment of reading counts as it last did, not as empty.
    seen: std::cell::Cell<usize>,
}

impl Device {
    fn spawn(&mut self) {
        let child = Command::new(assert_cmd::cargo::cargo_bin("triage"))
            .env_remove("TRIAGE_DATA_DIR")
            .env_remove("PGPASSFILE")
            .arg("--data-dir")
            .arg(&self.data)
            .arg("--config")
            .arg(&self.config)
            .args(["harness-device", "--answers", ANSWERS])
            .args([
                "--records",
                &RECORDS.to_string(),
                "--pace-ms",
                "25",
                "--deadline",
                "180",
            ])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start a device");
        self.child = Some(child);
        self.runs += 1;
    }

    /// Whether it has ended; its report is kept.
    fn ended(&mut self) -> bool {
        let Some(child) = &mut self.child else {
            return true;
        };
        match child.try_wait().expect("wait") {
            None => false,
            Some(status) => {
                let mut out = String::new();
                if let Some(mut s) = child.stdout.take() {
                    let _ = s.read_to_string(&mut out);
                }
                assert!(status.success(), "{} ended with {status}: {out}", self.name);
                self.reports.push(out.trim().to_owned());
                self.child = None;
                true
            }
        }
    }

    fn local_records(&self) -> usize {
        if let Ok(n) = SqliteStore::open(&self.data)
            .and_then(|s| s.records())
            .map(|r| r.len())
        {
            self.seen.set(self.seen.get().max(n));
        }
        self.seen.get()
    }
}

/// Records per device in the clinic store now (0 while it is down).
fn server_counts(pg: &Pg) -> HashMap<String, i64> {
    let Ok(mut c) = pg.connect(pg::ADMIN, pg::ADMIN_PASSWORD, "triage") else {
        return HashMap::new();
    };
    c.query(
        "SELECT device, count(*) FROM triage.records GROUP BY device",
        &[],
    )
    .map(|rows| rows.iter().map(|r| (r.get(0), r.get(1))).collect())
    .unwrap_or_default()
}

fn report_sum(devices: &[Device], key: &str) -> u64 {
    devices
        .iter()
        .flat_map(|d| d.reports.iter())
        .filter_map(|r| {
            let mut words = r.split_whitespace();
            while let Some(w) = words.next() {
                if w == key {
                    return words.next()?.parse::<u64>().ok();
                }
            }
            None
        })
        .sum()
}

/// Three devices, 300 records each, through server crashes, cut connections and a SIGKILLed
/// device: every record ends up in the clinic store exactly once with its content hash, and
/// every outbox is empty.
#[test]
fn every_record_exactly_once_through_faults() {
    let Some(pg) = Pg::start() else { return };
    let started = Instant::now();
    pg.admin("postgres")
        .batch_execute("CREATE DATABASE triage")
        .expect("db");
    triage::clinic::schema::init(&mut pg.admin("triage")).expect("store init");
    // `FAULT_SEED=N` replays a run; the seed is printed first, so a failing run can be replayed.
    let seed = std::env::var("FAULT_SEED")
        .ok()
        .and_then(|s| s.parse::<u64>().ok())
        .unwrap_or_else(|| {
            // Nanoseconds since 1970 fit a u64 until the year 2554.
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .ok()
                .and_then(|d| u64::try_from(d.as_nanos()).ok())
                .unwrap_or(1)
        })
        | 1;
    eprintln!("fault test seed {seed} (FAULT_SEED={seed} replays it)");
    let rng = Arc::new(Rng(AtomicU64::new(seed)));
    let proxy = Proxy::start(pg.port, Arc::clone(&rng));
    let mut devices: Vec<Device> = (1..=DEVICES)
        .map(|i| {
            let name = format!("kiosk-{i}");
            let user = format!("kiosk{i}");
            pg.login(&user, "pw", "triage_device");
            let data = pg.files().join(&name);
            std::fs::create_dir_all(&data).expect("dir");
            let pass = pg.files().join(format!("{name}.pass"));
            pg::write_private(&pass, "pw");
            let config = pg.files().join(format!("{name}.toml"));
            std::fs::write(
                &config,
                format!(
                    "[clinic_store]\nurl = \"postgresql://{user}@127.0.0.1:{}/triage?sslmode=disable\"\npassword_file = \"{}\"\nsite = \"site-{}\"\ndevice = \"{name}\"\nretry_max_seconds = 0.5\n",
                    proxy.port,
                    pass.display(),
                    i % 2
                ),
            )
            .expect("config");
            Device {
                name,
                data,
                config,
                child: None,
                reports: Vec::new(),
                runs: 0,
                seen: std::cell::Cell::new(0),
            }
        })
        .collect();
    for d in &mut devices {
        d.spawn();
    }

    let producing = AtomicBool::new(true);
    let restarts = AtomicUsize::new(0);
    let cuts = AtomicUsize::new(0);
    let mut kills = 0;
    std::thread::scope(|scope| {
        // Faults at random moments while records are being completed.
        scope.spawn(|| {
            while producing.load(Ordering::Relaxed) {
                std::thread::sleep(rng.millis(600, 1_800));
                if rng.below(2) == 0 {
                    pg.stop_immediate();
                    std::thread::sleep(rng.millis(200, 1_200));
                    pg.start_again();
                    restarts.fetch_add(1, Ordering::Relaxed);
                } else {
                    proxy.cut_all();
                    cuts.fetch_add(1, Ordering::Relaxed);
                }
            }
        });
        // Kill the third device once it is delivering, then start it again. The deadline only
        // stops a run that cannot make progress (on a loaded machine a device completes slowly).
        let deadline = Instant::now() + Duration::from_mins(5);
        loop {
            let n = server_counts(&pg).get("kiosk-3").copied().unwrap_or(0);
            // Mid-delivery: some of its records are in, it is still completing and sending.
            if kills == 0 && (n >= 20 || devices[2].local_records() >= RECORDS / 2) {
                assert!(
                    !devices[2].ended(),
                    "the third device ended before it could be killed"
                );
                devices[2]
                    .child
                    .as_mut()
                    .expect("running")
                    .kill()
                    .expect("SIGKILL");
                let _ = devices[2].child.take().map(|mut c| c.wait());
                kills += 1;
                devices[2].spawn();
            }
            let done = kills == 1 && devices.iter().all(|d| d.local_records() >= RECORDS);
            if done || Instant::now() > deadline {
                break;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        producing.store(false, Ordering::Relaxed);
    });
    assert_eq!(kills, 1, "the third device was killed mid-delivery");
    proxy.chaos.store(false, Ordering::Relaxed);

    // The devices drain their outboxes and end.
    let deadline = Instant::now() + Duration::from_secs(200);
    while !devices.iter_mut().all(Device::ended) {
        assert!(Instant::now() < deadline, "devices did not finish");
        std::thread::sleep(Duration::from_millis(100));
    }

    let mut admin = pg.admin("triage");
    let rows = admin
        .query(
            "SELECT uuid::text, content_sha256, device, encode(sha256(convert_to(payload, 'UTF8')), 'hex') = content_sha256 FROM triage.records",
            &[],
        )
        .expect("records");
    let mut server: HashMap<String, (String, String)> = HashMap::new();
    for r in &rows {
        assert!(r.get::<_, bool>(3), "a stored payload matches its hash");
        let previous = server.insert(r.get(0), (r.get(1), r.get(2)));
        assert!(previous.is_none(), "a UUID is stored once");
    }
    let conflicts: i64 = admin
        .query_one("SELECT count(*) FROM triage.conflicts", &[])
        .expect("conflicts")
        .get(0);
    assert_eq!(conflicts, 0);
    let mut local_total = 0;
    for d in &devices {
        let store = SqliteStore::open(&d.data).expect("device store");
        let prints = store.record_fingerprints().expect("fingerprints");
        assert_eq!(prints.len(), RECORDS, "{} completed {RECORDS}", d.name);
        for (uuid, hash) in &prints {
            let (stored, device) = server
                .get(uuid)
                .unwrap_or_else(|| panic!("{}: record {uuid} is missing", d.name));
            assert_eq!(
                Some(stored),
                hash.as_ref(),
                "{}: {uuid} has its content",
                d.name
            );
            assert_eq!(device, &d.name);
        }
        local_total += prints.len();
        let c = store.outbox_counts().expect("counts");
        assert_eq!(
            (c.pending, c.audit_pending, c.rejected),
            (0, 0, 0),
            "{}: outbox empty",
            d.name
        );
        let audit = i64::try_from(store.audit().expect("audit").len()).expect("a count fits i64");
        let shared: i64 = admin
            .query_one(
                "SELECT count(*) FROM triage.audit WHERE device = $1",
                &[&d.name],
            )
            .expect("audit")
            .get(0);
        assert_eq!(shared, audit, "{}: every audit event once", d.name);
    }
    assert_eq!(
        server.len(),
        local_total,
        "nothing extra in the clinic store"
    );
    // Straight to stderr, past the test harness's capture, so CI's log shows the counts.
    let _ = writeln!(
        std::io::stderr(),
        "fault test (seed {seed}): {DEVICES} devices x {RECORDS} records = {} in the clinic store, each once with its hash; \
         conflicts 0; outboxes empty; server crash-restarts {}; proxy cut every open connection {} times and {} connections mid-stream; \
         device SIGKILLs {kills}; device runs {}; resends counted once (duplicates) {}; failed attempts retried {}; {:.1} s",
        server.len(),
        restarts.load(Ordering::Relaxed),
        cuts.load(Ordering::Relaxed),
        proxy.cut_midway.load(Ordering::Relaxed),
        devices.iter().map(|d| d.runs).sum::<usize>(),
        report_sum(&devices, "duplicates"),
        report_sum(&devices, "failures"),
        started.elapsed().as_secs_f64()
    );
}
