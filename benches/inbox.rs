//! The doctor's inbox: time to its first frame (list the day from the store, work out the
//! columns, sort, draw at 120x40) with 10,000 intakes on the day among 100,000 in the store, and
//! with every one of the 100,000 listed (`--all`); on the local SQLite store, and on a throwaway
//! clinic store (PostgreSQL, skipped with a message when its server binaries are missing).
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
use std::path::Path;
use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group, criterion_main};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use triage::clinic::{ClinicSettings, PasswordSource, Tls};
use triage::engine::Session;
use triage::inbox::{Columns, Prescriber};
use triage::questionnaire::{DEFAULT_SOURCE, load_toml};
use triage::store::SqliteStore;
use triage::tui::inbox::desk::{self, ClinicDesk, Desk, ListSpec};
use triage::tui::inbox::{Inbox, Msg, Screen, Setup, update, view};

const TOTAL: i64 = 100_000;
const TODAY: i64 = 10_000;
const DAY: &str = "2025-06-02";

fn setup() -> Setup {
    Setup {
        prescribers: vec![Prescriber {
            id: "lee".into(),
            name: "Dr Alex Lee".into(),
            registration: "GMC 7654321".into(),
        }],
        pin_set: vec![true],
        today: jiff::civil::Date::constant(2025, 6, 2),
        day: Some(jiff::civil::Date::constant(2025, 6, 2)),
        source: "bench".into(),
        idle_lock: Duration::from_mins(2),
        zone: jiff::tz::TimeZone::UTC,
    }
}

/// Lists with the desk and draws the first frame at 120x40; returns the rows listed.
fn first_frame(d: &mut dyn Desk, spec: &ListSpec) -> usize {
    let list = desk::list(d, spec).expect("list");
    let n = list.len();
    let mut m = Inbox::new(setup(), jiff::Timestamp::now());
    m.signed_in = Some(0);
    m.screen = Screen::List;
    update(&mut m, Msg::Listed(Ok(list)));
    let mut terminal = Terminal::new(TestBackend::new(120, 40)).expect("terminal");
    terminal.draw(|f| drop(view(&m, f))).expect("draw");
    n
}

/// The answers, page and summary of a real record (the STOP fixture), rendered once.
fn record() -> (String, String, String) {
    let q = load_toml(DEFAULT_SOURCE).questionnaire.expect("valid");
    let text = std::fs::read_to_string("tests/fixtures/inbox/stop.json").expect("answers");
    let file = triage::answers::parse_answers_file(&text).expect("parse");
    let mut session = Session::new(&q, jiff::civil::Date::constant(2025, 6, 2));
    triage::answers::fill_session(&mut session, &file.answers);
    let r = triage::records::new_record(&session, None, jiff::Timestamp::now());
    let ctx = triage::summary::Context::default();
    (
        r.answers_json,
        triage::summary::to_json(&session, &ctx).to_string(),
        triage::summary::render_text(&session, &ctx),
    )
}

const OUTCOMES: [(&str, [i64; 3]); 4] = [
    ("clear", [0, 0, 1]),
    ("caution", [0, 1, 0]),
    ("stop", [1, 0, 2]),
    ("not_assessed", [0, 0, 0]),
];

/// A local store with `TOTAL` records, `TODAY` of them on `DAY` (the rest over 90 earlier
/// days), a fifth of today's opened and a tenth decided. Written in one transaction.
fn fill_sqlite(dir: &Path) {
    drop(SqliteStore::open(dir).expect("open"));
    let (answers, json, page) = record();
    let mut conn = rusqlite::Connection::open(dir.join(triage::store::DB_FILE)).expect("open");
    let tx = conn.transaction().expect("tx");
    {
        let mut insert = tx
            .prepare(
                "INSERT INTO records (questionnaire_id, questionnaire_version, content_hash, visit_date, completed_at, patient_name, outcome, stop_count, caution_count, note_count, answers_json, summary_json, summary_text) \
                 VALUES ('botulinum-toxin', '1.0.1', 'h', ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
            )
            .expect("prepare");
        for i in 0..TOTAL {
            let day = if i < TODAY {
                DAY.to_owned()
            } else {
                let d = jiff::civil::Date::constant(2025, 6, 1)
                    .checked_sub(jiff::Span::new().days(i % 90))
                    .expect("date");
                d.to_string()
            };
            let (outcome, c) = OUTCOMES[usize::try_from(i % 4).expect("0..4")];
            let at = format!("{day}T{:02}:{:02}:00Z", 8 + (i / 60) % 10, i % 60);
            insert
                .execute(rusqlite::params![
                    day,
                    at,
                    format!("Patient {i}"),
                    outcome,
                    c[0],
                    c[1],
                    c[2],
                    answers,
                    json,
                    page
                ])
                .expect("insert");
        }
        tx.execute_batch(&format!(
            "INSERT INTO audit (at, event, record_id, detail) SELECT '2025-06-02T12:00:00Z', 'reviewed', id, 'by lee' FROM records WHERE visit_date = '{DAY}' AND id % 5 = 0;
             INSERT INTO decisions (record_id, decided_at, decision, note, override_reason, prescriber_id, prescriber_name, registration)
             SELECT id, '2025-06-02T12:00:00Z', 'defer', NULL, NULL, 'lee', 'Dr Alex Lee', 'GMC 7654321' FROM records WHERE visit_date = '{DAY}' AND id % 10 = 0;
             ANALYZE;"
        ))
        .expect("reviews and decisions");
    }
    tx.commit().expect("commit");
    // As a store that grew over months would be: its WAL checkpointed.
    conn.execute_batch("PRAGMA wal_checkpoint(TRUNCATE);")
        .expect("checkpoint");
}

fn spec(day: Option<&str>) -> ListSpec {
    let q = load_toml(DEFAULT_SOURCE).questionnaire.expect("valid");
    ListSpec {
        day: day.map(str::to_owned),
        columns: Columns::of(&q, None),
        poll: Duration::from_secs(2),
    }
}

fn bench(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("tempdir");
    let t = Instant::now();
    fill_sqlite(dir.path());
    eprintln!(
        "local store: {TOTAL} records ({TODAY} today) written in {:.2?}",
        t.elapsed()
    );
    let mut g = c.benchmark_group("inbox_first_frame_sqlite");
    g.sample_size(10);
    let today = spec(Some(DAY));
    let all = spec(None);
    g.bench_function("today_10000_of_100000", |b| {
        b.iter(|| {
            let mut d = desk::local(dir.path(), None, None).expect("desk");
            black_box(first_frame(d.as_mut(), &today))
        });
    });
    g.bench_function("all_100000", |b| {
        b.iter(|| {
            let mut d = desk::local(dir.path(), None, None).expect("desk");
            black_box(first_frame(d.as_mut(), &all))
        });
    });
    // The parts: the store's query alone, and drawing alone.
    let mut d = desk::local(dir.path(), None, None).expect("desk");
    let keys = today.columns.keys();
    g.bench_function("today_query_only", |b| {
        b.iter(|| black_box(d.list(Some(DAY), &keys).expect("list").len()));
    });
    let list = desk::list(d.as_mut(), &today).expect("list");
    assert_eq!(i64::try_from(list.len()).expect("a count fits i64"), TODAY);
    g.bench_function("today_draw_only", |b| {
        b.iter(|| {
            let mut m = Inbox::new(setup(), jiff::Timestamp::now());
            m.signed_in = Some(0);
            m.screen = Screen::List;
            update(&mut m, Msg::Listed(Ok(list.clone())));
            let mut terminal = Terminal::new(TestBackend::new(120, 40)).expect("terminal");
            terminal.draw(|f| drop(view(&m, f))).expect("draw");
        });
    });
    g.finish();
    clinic(c);
}

/// The same over the clinic store, as a reader.
fn clinic(c: &mut Criterion) {
    let Some(server) = pg::Pg::start() else {
        eprintln!("clinic store part skipped");
        return;
    };
    server
        .admin("postgres")
        .batch_execute("CREATE DATABASE triage")
        .expect("create database");
    let mut admin = server.admin("triage");
    triage::clinic::schema::init(&mut admin).expect("init");
    let (answers, json, page) = record();
    let payload = |day: &str| {
        serde_json::json!({
            "format": "triage-record/1", "visit_date": day,
            "answers": serde_json::from_str::<serde_json::Value>(&answers).expect("answers"),
            "summary": serde_json::from_str::<serde_json::Value>(&json).expect("summary"),
            "summary_text": page,
        })
        .to_string()
    };
    let t = Instant::now();
    let today_payload = payload(DAY);
    let other_payload = payload("2025-05-20");
    admin
        .execute(
            &format!(
                "INSERT INTO triage.records (uuid, content_sha256, format, site, device, device_id, local_id, delivered_by,
                     completed_at, questionnaire_id, questionnaire_version, patient_name, outcome,
                     stop_count, caution_count, note_count, payload)
                 SELECT gen_random_uuid(), md5(g::text), 'triage-record/1', 'site-' || (g % 3), 'kiosk-' || (g % 12),
                     gen_random_uuid(), g, 'bench', timestamptz '2025-06-02 18:00Z' - (g * interval '1 minute'),
                     'botulinum-toxin', '1.0.1', 'Patient ' || g,
                     (ARRAY['clear', 'caution', 'stop', 'not_assessed'])[1 + g % 4], (g % 4 = 2)::int, (g % 4 = 1)::int, g % 3,
                     CASE WHEN g <= {TODAY} THEN $1 ELSE $2 END
                 FROM generate_series(1, {TOTAL}) AS g"
            ),
            &[&today_payload, &other_payload],
        )
        .expect("fill");
    admin
        .batch_execute(&format!(
            "INSERT INTO triage.access_log (who, event, record_id) SELECT 'doctor', 'reviewed', id FROM triage.records WHERE id % 5 = 0 AND visit_date = '{DAY}';
             INSERT INTO triage.decisions (record_id, decision, prescriber_id, prescriber_name, registration)
             SELECT id, 'defer', 'lee', 'Dr Alex Lee', 'GMC 7654321' FROM triage.records WHERE id % 10 = 0 AND visit_date = '{DAY}';
             ANALYZE;"
        ))
        .expect("reviews and decisions");
    eprintln!(
        "clinic store: {TOTAL} records written in {:.2?}",
        t.elapsed()
    );
    server.login("doctor", "pw", "triage_reader");
    let pass = server.files().join("doctor.pass");
    pg::write_private(&pass, "pw");
    let settings = ClinicSettings {
        url: server.url("doctor", "triage"),
        tls: Tls::Off,
        password: PasswordSource::File(pass),
        site: "bench".into(),
        device: "doctor".into(),
        retry_max: Duration::from_secs(1),
    };
    let mut g = c.benchmark_group("inbox_first_frame_clinic_store");
    g.sample_size(10);
    let today = spec(Some(DAY));
    let all = spec(None);
    g.bench_function("today_10000_of_100000_with_connect", |b| {
        b.iter(|| {
            let mut d = ClinicDesk::new(settings.clone());
            black_box(first_frame(&mut d, &today))
        });
    });
    let mut d = ClinicDesk::new(settings.clone());
    assert_eq!(
        i64::try_from(first_frame(&mut d, &today)).expect("a count fits i64"),
        TODAY
    );
    g.bench_function("today_10000_of_100000", |b| {
        b.iter(|| black_box(first_frame(&mut d, &today)));
    });
    g.bench_function("all_100000", |b| {
        b.iter(|| black_box(first_frame(&mut d, &all)));
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
