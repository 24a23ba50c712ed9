//! Clinic store benchmarks against a throwaway PostgreSQL on this machine (skipped, with a
//! message, when its server binaries are not installed): delivery throughput from the outbox
//! (records per second, one device and three at once, 1,000 records per device per run, in
//! batches of 100 through `triage.deliver_records`), and the first page of `records list` over
//! 100,000 shared records (the query alone, and the whole `triage records list` command).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "a test stops at the first thing that is wrong, saying what"
)]

#[allow(dead_code)]
#[path = "../tests/common/pg.rs"]
mod pg;

use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use triage::clinic::read::{Page, list};
use triage::clinic::{ClinicSettings, Deliverer, PasswordSource, Tls};
use triage::engine::Session;
use triage::questionnaire::{DEFAULT_SOURCE, load_toml};
use triage::records::new_record;
use triage::store::{SqliteStore, Store};
use triage::summary::Context;

const PER_DEVICE: usize = 1_000;
const SHARED: i64 = 100_000;

fn settings(pg: &pg::Pg, user: &str, pass: &Path) -> ClinicSettings {
    ClinicSettings {
        url: pg.url(user, "triage"),
        tls: Tls::Off,
        password: PasswordSource::File(pass.to_owned()),
        site: "bench".into(),
        device: user.into(),
        retry_max: Duration::from_secs(1),
    }
}

/// A device store with `PER_DEVICE` completed records (the summaries rendered once and reused).
fn fill(dir: &Path) {
    let q = load_toml(DEFAULT_SOURCE).questionnaire.expect("valid");
    let text =
        std::fs::read_to_string("questionnaires/examples/several-flags.json").expect("answers");
    let file = triage::answers::parse_answers_file(&text).expect("parse");
    let mut session = Session::new(&q, jiff::civil::Date::constant(2025, 6, 2));
    triage::answers::fill_session(&mut session, &file.answers);
    let mut store = SqliteStore::open(dir).expect("open");
    let page = triage::summary::render_text(&session, &Context::default());
    let json = triage::summary::to_json(&session, &Context::default()).to_string();
    for _ in 0..PER_DEVICE {
        let record = new_record(&session, None, jiff::Timestamp::now());
        store
            .complete(&record, &|_| (json.clone(), page.clone()))
            .expect("insert");
    }
}

/// Puts every record of a device back in the outbox (the clinic store is emptied separately).
fn requeue(dir: &Path) {
    let conn = rusqlite::Connection::open(dir.join(triage::store::DB_FILE)).expect("open");
    conn.execute(
        "UPDATE record_delivery SET state = 'pending', delivered_at = NULL",
        [],
    )
    .expect("requeue");
}

fn bench(c: &mut Criterion) {
    let Some(server) = pg::Pg::start() else {
        return;
    };
    server
        .admin("postgres")
        .batch_execute("CREATE DATABASE triage")
        .expect("db");
    triage::clinic::schema::init(&mut server.admin("triage")).expect("init");
    let mut devices: Vec<(PathBuf, ClinicSettings)> = Vec::new();
    let t = Instant::now();
    for i in 1..=3 {
        let user = format!("kiosk{i}");
        server.login(&user, "pw", "triage_device");
        let pass = server.files().join(format!("{user}.pass"));
        pg::write_private(&pass, "pw");
        let dir = server.files().join(&user);
        fill(&dir);
        let s = settings(&server, &user, &pass);
        // Hand over the audit events once, so runs measure records only.
        if let Some(e) = Deliverer::open(s.clone(), &dir).expect("open").drain(None) {
            panic!("{e}");
        }
        devices.push((dir, s));
    }
    eprintln!(
        "prepared 3 devices x {PER_DEVICE} records in {:.1?}",
        t.elapsed()
    );
    let mut admin = server.admin("triage");

    // Empties the clinic store, puts `devices`' records back in their outboxes, and times them
    // all delivering at once (one thread each).
    let mut deliver = |devices: &[(PathBuf, ClinicSettings)]| {
        admin
            .batch_execute("TRUNCATE triage.records")
            .expect("truncate");
        let mut ds: Vec<Deliverer> = devices
            .iter()
            .map(|(dir, s)| {
                requeue(dir);
                Deliverer::open(s.clone(), dir).expect("open")
            })
            .collect();
        let t = Instant::now();
        std::thread::scope(|scope| {
            for d in &mut ds {
                scope.spawn(move || assert!(d.drain(None).is_none()));
            }
        });
        let took = t.elapsed();
        let inserted: usize = ds.iter().map(|d| d.tally.inserted).sum();
        assert_eq!(inserted, devices.len() * PER_DEVICE);
        took
    };
    let mut g = c.benchmark_group("clinic_delivery");
    g.sample_size(10);
    for (name, n) in [
        ("one_device_1000_records", 1),
        ("three_devices_1000_records_each", 3),
    ] {
        g.throughput(Throughput::Elements((n * PER_DEVICE) as u64));
        g.bench_function(name, |b| {
            b.iter_custom(|iters| (0..iters).map(|_| deliver(&devices[..n])).sum());
        });
    }
    g.finish();

    // 100,000 shared records from 3 sites and 12 devices over a year.
    admin
        .batch_execute(&format!(
            "TRUNCATE triage.records;
             INSERT INTO triage.records (uuid, content_sha256, format, site, device, device_id, local_id, delivered_by,
                 completed_at, questionnaire_id, questionnaire_version, patient_name, outcome,
                 stop_count, caution_count, note_count, payload)
             SELECT gen_random_uuid(), md5(g::text), 'triage-record/1', 'site-' || (g % 3), 'kiosk-' || (g % 12),
                 gen_random_uuid(), g, 'bench', now() - (g * interval '5 minutes'), 'botulinum-toxin', '1.0.0',
                 'Patient ' || g, (ARRAY['stop', 'caution', 'clear'])[1 + g % 3], g % 2, g % 3, g % 4,
                 json_build_object('visit_date', '2025-06-02', 'answers', json_build_object(), 'pad', repeat('x', 2000))::text
             FROM generate_series(1, {SHARED}) AS g;
             ANALYZE triage.records;"
        ))
        .expect("fill shared records");
    server.login("doctor", "pw", "triage_reader");
    let mut reader = server.connect("doctor", "pw", "triage").expect("reader");
    let mut g = c.benchmark_group("clinic_records_list_100000");
    g.sample_size(20);
    g.bench_function("first_page_query", |b| {
        b.iter(|| {
            let page = Page {
                limit: 50,
                offset: 0,
                site: None,
            };
            black_box(list(&mut reader, &page).expect("list").0.len())
        });
    });
    let pass = server.files().join("doctor.pass");
    pg::write_private(&pass, "pw");
    let config = server.files().join("doctor.toml");
    std::fs::write(
        &config,
        format!(
            "[clinic_store]\nurl = \"{}\"\npassword_file = \"{}\"\nsite = \"bench\"\ndevice = \"doctor\"\n",
            server.url("doctor", "triage"),
            pass.display()
        ),
    )
    .expect("config");
    let data = server.files().join("doctor-data");
    g.bench_function("first_page_command", |b| {
        b.iter(|| {
            let out = std::process::Command::new(env!("CARGO_BIN_EXE_triage"))
                .arg("--data-dir")
                .arg(&data)
                .arg("--config")
                .arg(&config)
                .args(["records", "list"])
                .output()
                .expect("runs");
            assert!(out.status.success());
            black_box(out.stdout.len())
        });
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
