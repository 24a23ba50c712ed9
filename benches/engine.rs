//! Load + check and per-answer re-evaluation on generated questionnaires of 100, 1,000 and
//! 10,000 questions with chained conditions, derived values and flags; the same questionnaires
//! as FHIR: import, and the QuestionnaireResponse of a fully answered session; the shipped
//! questionnaire's load + check and doctor's page (one page, and one with a second page).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "a test stops at the first thing that is wrong, saying what"
)]

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
            b.iter(|| black_box(load_toml(black_box(src))));
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
                let _ = s.set(first, Answer::Choice(u32::from(!yes)));
                black_box(s.outcome())
            });
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
            b.iter(|| black_box(triage::fhir::load_fhir(black_box(src))));
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
            });
        });
    }
    g.finish();
}

/// A FHIR Questionnaire of `n` scored yes/no questions in groups of 100: each group has a
/// FHIRPath subtotal (`weight().sum()` of its answers) and one question enabled by an
/// `enableWhenExpression` on the group's first answer; a root variable totals the subtotals
/// and a last item shows it.
fn generate_fhirpath(n: usize) -> String {
    let yes_no = serde_json::json!([
        {"valueCoding": {"code": "y", "display": "Yes"}, "extension": [{"url": "http://hl7.org/fhir/StructureDefinition/ordinalValue", "valueDecimal": 1}]},
        {"valueCoding": {"code": "n", "display": "No"}, "extension": [{"url": "http://hl7.org/fhir/StructureDefinition/ordinalValue", "valueDecimal": 0}]}
    ]);
    let calc = |e: String| serde_json::json!([{"url": "http://hl7.org/fhir/uv/sdc/StructureDefinition/sdc-questionnaire-calculatedExpression", "valueExpression": {"language": "text/fhirpath", "expression": e}}]);
    let mut groups = Vec::new();
    for g in 0..n.div_ceil(100) {
        let mut items = Vec::new();
        for k in 0..100.min(n - g * 100) {
            let mut it = serde_json::json!({"linkId": format!("q{g}_{k}"), "type": "choice", "text": format!("Question {k}"), "answerOption": yes_no});
            if k == 1 {
                it["extension"] = serde_json::json!([{"url": "http://hl7.org/fhir/uv/sdc/StructureDefinition/sdc-questionnaire-enableWhenExpression", "valueExpression": {"language": "text/fhirpath", "expression": format!("%resource.item.where(linkId='g{g}').item.where(linkId='q{g}_0').answer.value.code = 'y'")}}]);
            }
            items.push(it);
        }
        items.push(serde_json::json!({"linkId": format!("s{g}"), "type": "decimal", "text": "Subtotal", "extension": calc(format!("%resource.item.where(linkId='g{g}').item.answer.weight().sum()"))}));
        groups.push(serde_json::json!({"linkId": format!("g{g}"), "type": "group", "text": format!("Part {g}"), "item": items}));
    }
    groups.push(serde_json::json!({"linkId": "total", "type": "decimal", "text": "Total", "extension": calc("%total".into())}));
    serde_json::json!({
        "resourceType": "Questionnaire", "url": "urn:bench", "status": "active",
        "extension": [{"url": "http://hl7.org/fhir/StructureDefinition/variable", "valueExpression": {"name": "total", "language": "text/fhirpath", "expression": "%resource.item.item.where(linkId.startsWith('s')).answer.value.sum()"}}],
        "item": groups
    })
    .to_string()
}

fn bench_fhirpath(c: &mut Criterion) {
    let mut g = c.benchmark_group("fhirpath");
    g.sample_size(10);
    for n in [1_000usize, 10_000] {
        let src = generate_fhirpath(n);
        g.bench_with_input(BenchmarkId::new("import", n), &src, |b, src| {
            b.iter(|| black_box(triage::fhir::load_fhir(black_box(src))));
        });
        let q = triage::fhir::load_fhir(&src).questionnaire.expect("valid");
        let mut s = Session::new(&q, jiff::civil::Date::constant(2025, 6, 2));
        let first = q.item_index("q0_0").expect("item");
        let mut yes = false;
        g.bench_function(BenchmarkId::new("reevaluate", n), |b| {
            b.iter(|| {
                yes = !yes;
                let _ = s.set(first, Answer::Choice(u32::from(!yes)));
                black_box(s.is_visible(first.next()))
            });
        });
    }
    g.finish();
}

/// The shipped questionnaire: load + check, and the doctor's page and JSON of the baseline
/// patient and of a patient whose long medicines and allergies need the second page.
fn bench_shipped(c: &mut Criterion) {
    let mut g = c.benchmark_group("shipped");
    let src = triage::questionnaire::DEFAULT_SOURCE;
    g.bench_function("load_and_check", |b| {
        b.iter(|| black_box(load_toml(black_box(src)).questionnaire.is_some()));
    });
    let q = load_toml(src).questionnaire.expect("valid");
    let base: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string("questionnaires/examples/several-flags.json").expect("example"),
    )
    .expect("json");
    let session = |extra: &[(&str, serde_json::Value)]| {
        let mut s = Session::new(&q, jiff::civil::Date::constant(2025, 6, 2));
        let mut answers = base["answers"].clone();
        for (k, v) in extra {
            answers[*k] = v.clone();
        }
        for (id, v) in answers.as_object().expect("answers") {
            let i = q.item_index(id).expect("item");
            let a = triage::answers::to_answer(&q, i, &triage::answers::RawValue::from_json(v))
                .expect("answer");
            s.set(i, a).expect("valid");
        }
        s
    };
    let long = "warfarin 5mg every evening, bisoprolol 2.5mg, ramipril 5mg, atorvastatin 40mg, metformin 500mg twice a day, omeprazole 20mg, sertraline 50mg, vitamin D, cod liver oil, salbutamol inhaler when needed, hydrocortisone cream";
    let allergy = "Latex gloves give me an itchy red rash within minutes; sticking plasters blister my skin; chlorhexidine wipes made my arm swell up for two days";
    let pages = [
        ("page_one", session(&[])),
        (
            "page_two",
            session(&[
                ("d_list", serde_json::json!(long)),
                ("c_allergy_other", serde_json::json!("yes")),
                ("c_allergy_other_list", serde_json::json!(allergy)),
            ]),
        ),
    ];
    let ctx = triage::summary::Context::default();
    let second = triage::summary::render_text(&pages[1].1, &ctx);
    assert!(
        second.contains("ANSWERS IN FULL"),
        "page_two needs a second page"
    );
    for (name, s) in &pages {
        g.bench_function(*name, |b| {
            b.iter(|| {
                black_box(triage::summary::render_text(black_box(s), &ctx));
                black_box(triage::summary::to_json(black_box(s), &ctx));
            });
        });
    }
    g.finish();
}

criterion_group!(benches, bench, bench_fhirpath, bench_shipped);
criterion_main!(benches);
