//! Load + check and per-answer re-evaluation on generated questionnaires of 100, 1,000 and
//! 10,000 questions with chained conditions, derived values and flags; the same questionnaires
//! as FHIR: import, and the QuestionnaireResponse of a fully answered session.

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use std::fmt::Write as _;
use std::hint::black_box;
use triage::answer::Answer;
use triage::engine::Session;
use triage::questionnaire::load_toml;

/// A questionnaire of `n` questions in sections of 10. Each yes/no question is shown only when
/// the one before it was answered yes (a chain through the whole file); every 10th is a number;
/// every 5th question gets a flag; every 50th a derived value used by a flag.
fn generate(n: usize) -> String {
    let mut s =
        String::from("[questionnaire]\nid = \"bench\"\nversion = \"1\"\ntitle = \"Bench\"\n");
    for i in 0..n {
        if i % 10 == 0 {
            let _ = write!(s, "\n[[section]]\nid = \"s{i}\"\ntitle = \"Section {i}\"\n");
        }
        let _ = write!(s, "\n[[section.question]]\nid = \"q{i}\"\n");
        if i % 10 == 9 {
            let _ = write!(
                s,
                "type = \"number\"\ntext = \"How many {i}?\"\nmin = 0\nmax = 100\n"
            );
        } else {
            let _ = write!(s, "type = \"yes_no\"\ntext = \"Question {i}?\"\n");
        }
        if i > 0 && i % 10 != 0 {
            let prev = i - 1;
            if prev % 10 == 9 {
                let _ = writeln!(s, "show_if = 'q{prev} >= 0'");
            } else {
                let _ = writeln!(s, "show_if = 'q{prev} = \"yes\"'");
            }
        }
    }
    for i in (0..n).step_by(50) {
        let j = (i + 9).min(n - 1) / 10 * 10 + 9;
        let j = if j < n { j } else { i };
        let _ = write!(
            s,
            "\n[[derived]]\nid = \"d{i}\"\nexpr = 'q{i} = \"yes\" and answered(q{j})'\n"
        );
        let _ = write!(
            s,
            "\n[[flag]]\nid = \"D{i}\"\nseverity = \"note\"\nwhen = \"d{i}\"\ntext = \"Derived {i}\"\n"
        );
    }
    for i in (0..n).step_by(5) {
        let sev = ["stop", "caution", "note"][i % 3];
        let _ = write!(
            s,
            "\n[[flag]]\nid = \"F{i}\"\nseverity = \"{sev}\"\nwhen = 'q{i} != \"no\"'\ntext = \"Flag {i}: {{q{i}}}\"\n"
        );
    }
    s
}

fn bench(c: &mut Criterion) {
    let sizes = [100usize, 1_000, 10_000];
    let mut g = c.benchmark_group("load_and_check");
    for &n in &sizes {
        let src = generate(n);
        assert!(
            load_toml(&src).questionnaire.is_some(),
            "generated questionnaire must be valid"
        );
        g.bench_with_input(BenchmarkId::from_parameter(n), &src, |b, src| {
            b.iter(|| black_box(load_toml(black_box(src))))
        });
    }
    g.finish();

    let mut g = c.benchmark_group("reevaluate_one_answer");
    for &n in &sizes {
        let src = generate(n);
        let q = load_toml(&src).questionnaire.expect("valid");
        let mut s = Session::new(&q, jiff::civil::Date::constant(2025, 6, 2));
        for (i, item, _) in q.questions() {
            let a = if item.options().is_empty() {
                Answer::Number(5.0)
            } else {
                Answer::Choice(0)
            };
            let _ = s.set(i, a);
        }
        // Flip an early answer back and forth: every later item's visibility changes.
        let first = q.item_index("q1").expect("q1");
        let mut yes = false;
        g.bench_function(BenchmarkId::from_parameter(n), |b| {
            b.iter(|| {
                yes = !yes;
                let _ = s.set(first, Answer::Choice(if yes { 0 } else { 1 }));
                black_box(s.outcome())
            })
        });
    }
    g.finish();

    let mut g = c.benchmark_group("fhir_import");
    for &n in &sizes {
        let q = load_toml(&generate(n)).questionnaire.expect("valid");
        let json = serde_json::to_string(&triage::fhir::export::questionnaire_to_fhir(&q).json)
            .expect("json");
        assert!(
            triage::fhir::load_fhir(&json).questionnaire.is_some(),
            "the exported questionnaire must load"
        );
        g.bench_with_input(BenchmarkId::from_parameter(n), &json, |b, src| {
            b.iter(|| black_box(triage::fhir::load_fhir(black_box(src))))
        });
    }
    g.finish();

    let mut g = c.benchmark_group("fhir_response");
    for &n in &sizes {
        let q = load_toml(&generate(n)).questionnaire.expect("valid");
        let mut s = Session::new(&q, jiff::civil::Date::constant(2025, 6, 2));
        for (i, item, _) in q.questions() {
            let a = if item.options().is_empty() {
                Answer::Number(5.0)
            } else {
                Answer::Choice(0)
            };
            let _ = s.set(i, a);
        }
        g.bench_function(BenchmarkId::from_parameter(n), |b| {
            b.iter(|| {
                black_box(triage::fhir::questionnaire_response(
                    &s,
                    "2025-06-02T10:00:00+01:00",
                ))
            })
        });
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
