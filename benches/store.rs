//! Store benchmarks: listing 10,000 records (target under 100 ms), committing one answer to a
//! draft, and completing one record, all with WAL and synchronous=FULL as in production.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "a test stops at the first thing that is wrong, saying what"
)]

use std::hint::black_box;
use std::time::Instant;

use criterion::{Criterion, criterion_group, criterion_main};
use triage::engine::Session;
use triage::questionnaire::{DEFAULT_SOURCE, load_toml};
use triage::records::{new_record, store_session};
use triage::store::{QuestionnaireRef, SqliteStore, Store};
use triage::summary::Context;

fn bench(c: &mut Criterion) {
    let q = load_toml(DEFAULT_SOURCE).questionnaire.expect("valid");
    let text =
        std::fs::read_to_string("questionnaires/examples/several-flags.json").expect("answers");
    let file = triage::answers::parse_answers_file(&text).expect("parse");
    let mut session = Session::new(&q, jiff::civil::Date::constant(2025, 6, 2));
    triage::answers::fill_session(&mut session, &file.answers);
    let now = jiff::Timestamp::now();

    let dir = tempfile::tempdir().expect("tempdir");
    let mut store = SqliteStore::open(dir.path()).expect("open");
    // Fill 10,000 records: the page and JSON are rendered once and reused, so this measures the
    // store, not the summary.
    let record = new_record(&session, None, now);
    let page = triage::summary::render_text(&session, &Context::default());
    let json = triage::summary::to_json(&session, &Context::default()).to_string();
    let t = Instant::now();
    for _ in 0..10_000 {
        store
            .complete(&record, &|_| (json.clone(), page.clone()))
            .expect("insert");
    }
    eprintln!(
        "inserted 10,000 records in {:.2?} ({:.0} records/s)",
        t.elapsed(),
        10_000.0 / t.elapsed().as_secs_f64()
    );

    c.bench_function("list_10000_records", |b| {
        b.iter(|| black_box(store.records().expect("list").len()));
    });

    let qref = QuestionnaireRef::of(&q);
    let draft = store.start_draft(&qref, "2025-06-02", now).expect("draft");
    let value = serde_json::json!(["calves", "frown_lines"]);
    c.bench_function("commit_one_answer", |b| {
        b.iter(|| {
            store
                .save_answer(draft, "b_areas", Some(&value), now)
                .expect("save");
        });
    });

    c.bench_function("complete_one_record_with_summaries", |b| {
        b.iter(|| {
            black_box(
                store_session(&mut store, &session, None, now, &Context::default()).expect("store"),
            )
        });
    });
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(20);
    targets = bench
}
criterion_main!(benches);
