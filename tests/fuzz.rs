//! Fuzzing the loaders (issue 12): the TOML questionnaire, FHIR questionnaire, answers file and
//! clinic config loaders get mutated versions of real files (bytes flipped, ranges deleted or
//! repeated, hostile snippets such as `(((`, `not not`, `{x}`, deep brackets, escape codes and
//! huge runs inserted) for a bounded time each: 3 seconds, or `FUZZ_SECONDS`. Every input must
//! load or be refused with findings (rendered as `triage check` would) without a panic, a stack
//! overflow (tests run on 2 MiB threads, smaller than the program's), or a case that runs away
//! (a hang guard of 60 s per case, far above any real case); `FUZZ_SEED=N` draws other cases.
//! What a questionnaire or answers
//! file that loads is then walked: a session is filled and the doctor's page and JSON rendered.
//! A failing input is written to `target/fuzz-failure.*` to replay.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "a test stops at the first thing that is wrong, saying what"
)]

use std::time::{Duration, Instant};

use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::{Config, TestRng, TestRunner};

/// Snippets a hostile file is made of.
const SNIPPETS: &[&str] = &[
    "(",
    ")",
    "not ",
    "{q1}",
    "{",
    "}",
    "{{",
    "[",
    "]",
    "[[",
    "\"",
    "'",
    "'''",
    "\n",
    "\\",
    "\\u0000",
    "\u{1b}[2J",
    "\u{1b}]0;owned\u{7}",
    "\u{9b}",
    "\u{202e}",
    "\u{200b}",
    "\u{e0041}",
    "\t",
    "\r",
    "\0",
    "=",
    ",",
    ":",
    ".",
    "#",
    "[[section]]\nid = \"s\"\ntitle = \"t\"\n",
    "[[section.question]]\nid = \"q\"\ntype = \"text\"\ntext = \"x\"\n",
    "[[flag]]\nid = \"F\"\nseverity = \"stop\"\nwhen = 'q1 = \"yes\"'\ntext = \"{q1}\"\n",
    "[[derived]]\nid = \"d\"\nexpr = \"d\"\n",
    "show_if = '",
    "when = '",
    " and ",
    " or ",
    " has any {\"a\"}",
    "years_between(",
    "9e999",
    "-0",
    "1e-400",
    "18446744073709551616",
    "2025-13-45",
    "\"item\": [",
    "{\"linkId\": \"a\", \"type\": \"group\", \"item\": [",
    "\"enableWhen\": [{\"question\": \"a\", \"operator\": \"=\", \"answerBoolean\": true}]",
    "\"expression\": \"%resource.item.where(linkId='a').answer.value",
    ".repeat(item)",
    "iif(",
    "\"answers\": {",
    "\"a_full_name\": ",
    "\"latched\": [{\"flag\": \"S14\"}]",
    "ä",
    "😀",
    "\u{feff}",
];

/// One change to a file: where (a fraction of its length, as `u32`), what.
#[derive(Debug, Clone)]
enum Mutation {
    Flip(u32, u8),
    Insert(u32, usize, u16),
    Delete(u32, u16),
    Repeat(u32, u16, u8),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        (any::<u32>(), any::<u8>()).prop_map(|(p, b)| Mutation::Flip(p, b)),
        (any::<u32>(), 0..SNIPPETS.len(), 1u16..64).prop_map(|(p, s, n)| Mutation::Insert(p, s, n)),
        // Now and then a run long enough to meet the limits.
        (any::<u32>(), 0..SNIPPETS.len(), 1_000u16..40_000)
            .prop_map(|(p, s, n)| Mutation::Insert(p, s, n)),
        (any::<u32>(), 1u16..512).prop_map(|(p, n)| Mutation::Delete(p, n)),
        (any::<u32>(), 1u16..256, 2u8..64).prop_map(|(p, n, k)| Mutation::Repeat(p, n, k)),
    ]
}

fn at(len: usize, p: u32) -> usize {
    if len == 0 {
        0
    } else {
        (p as usize) % (len + 1)
    }
}

fn apply(seed: &[u8], muts: &[Mutation]) -> Vec<u8> {
    let mut b = seed.to_vec();
    for m in muts {
        match *m {
            Mutation::Flip(p, x) if !b.is_empty() => {
                let i = at(b.len() - 1, p);
                b[i] ^= x;
            }
            Mutation::Flip(..) => {}
            Mutation::Insert(p, s, n) => {
                let i = at(b.len(), p);
                let run = SNIPPETS[s].repeat(n as usize);
                b.splice(i..i, run.into_bytes());
            }
            Mutation::Delete(p, n) => {
                let i = at(b.len(), p);
                let j = (i + n as usize).min(b.len());
                b.drain(i..j);
            }
            Mutation::Repeat(p, n, k) => {
                let i = at(b.len(), p);
                let j = (i + n as usize).min(b.len());
                let part = b[i..j].to_vec();
                for _ in 1..k {
                    b.splice(j..j, part.iter().copied());
                }
            }
        }
    }
    b
}

/// Runs `target` on mutations of `seeds` until the time budget is spent; a panic is reported
/// with its input saved for replay.
fn fuzz(name: &str, seeds: &[Vec<u8>], target: impl Fn(&str)) {
    assert!(!seeds.is_empty(), "{name}: no seed files");
    let budget = std::env::var("FUZZ_SECONDS")
        .ok()
        .and_then(|s| s.parse::<f64>().ok())
        .filter(|s| s.is_finite() && *s > 0.0)
        .map_or(Duration::from_secs(3), Duration::from_secs_f64);
    let strategy = (0..seeds.len(), proptest::collection::vec(mutation(), 1..8));
    // The same cases every run (replayable); `FUZZ_SEED=N` explores others.
    let mut seed_bytes = [7u8; 32];
    if let Some(n) = std::env::var("FUZZ_SEED")
        .ok()
        .and_then(|s| s.parse::<u64>().ok())
    {
        seed_bytes[..8].copy_from_slice(&n.to_le_bytes());
    }
    let mut runner = TestRunner::new_with_rng(
        Config::default(),
        TestRng::from_seed(proptest::test_runner::RngAlgorithm::ChaCha, &seed_bytes),
    );
    let start = Instant::now();
    let mut cases = 0u64;
    while start.elapsed() < budget || cases == 0 {
        let (seed, muts) = strategy.new_tree(&mut runner).expect("a case").current();
        let input = apply(&seeds[seed], &muts);
        let text = String::from_utf8_lossy(&input).into_owned();
        let case = Instant::now();
        let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| target(&text)));
        let took = case.elapsed();
        if outcome.is_err() || took > Duration::from_mins(1) {
            let path = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"))
                .join(format!("fuzz-failure.{name}"));
            let _ = std::fs::write(&path, &input);
            panic!(
                "{name}: case {cases} {} (input saved to {})",
                if outcome.is_err() {
                    "panicked".to_owned()
                } else {
                    format!("took {took:?}")
                },
                path.display()
            );
        }
        cases += 1;
    }
    println!("{name}: {cases} cases in {:?}", start.elapsed());
}

fn read_all(patterns: &[&str]) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    for dir_ext in patterns {
        let (dir, ext) = dir_ext.split_once('*').expect("dir*ext");
        let Ok(entries) = std::fs::read_dir(dir) else {
            continue;
        };
        let mut paths: Vec<_> = entries
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.to_string_lossy().ends_with(ext))
            .collect();
        paths.sort();
        out.extend(paths.iter().filter_map(|p| std::fs::read(p).ok()));
    }
    out
}

/// What a questionnaire that loads is put through: a session walked with its first options
/// chosen, and the doctor's page and JSON rendered.
fn walk(q: &triage::questionnaire::Questionnaire) {
    let mut s = triage::engine::Session::new(q, jiff::civil::Date::constant(2025, 6, 2));
    let steps: Vec<_> = s.steps().take(200).collect();
    for step in steps {
        let at = step.at();
        if !q.item(at.item).options().is_empty() {
            let _ = s.set_at(at, triage::answer::Answer::Choice(0));
        }
    }
    let ctx = triage::summary::Context {
        clinic: None,
        completed_at: None,
        record_id: None,
    };
    let _ = triage::summary::render_text(&s, &ctx);
    let _ = triage::summary::to_json(&s, &ctx);
}

fn render(name: &str, src: &str, diags: &[triage::diag::Diagnostic]) {
    let _ = triage::diag::render(name, src, diags, false);
    let _ = triage::diag::render_private(name, src, diags);
}

/// Native TOML questionnaires: the shipped ones and every `check` fixture.
#[test]
fn fuzz_toml_questionnaires() {
    let seeds = read_all(&["questionnaires/*.toml", "tests/fixtures/check/*.toml"]);
    fuzz("toml", &seeds, |src| {
        let loaded = triage::questionnaire::load_toml(src);
        render("q.toml", src, &loaded.diagnostics);
        if let Some(q) = &loaded.questionnaire {
            walk(q);
        }
    });
}

/// FHIR questionnaires: the fixtures (and the conformance suite when it is there).
#[test]
fn fuzz_fhir_questionnaires() {
    let mut seeds = read_all(&["tests/fixtures/fhir/*.json"]);
    if let Ok(suite) = std::env::var("FHIR_SUITE") {
        seeds.extend(read_all(&[&format!("{suite}/*.json")]));
    }
    fuzz("fhir", &seeds, |src| {
        let loaded = triage::fhir::load_fhir(src);
        render("q.json", src, &loaded.diagnostics);
        if let Some(q) = &loaded.questionnaire {
            walk(q);
        }
    });
}

/// Answers files, filled into the shipped questionnaire and summarised.
#[test]
fn fuzz_answers_files() {
    let seeds = read_all(&[
        "questionnaires/examples/*.json",
        "tests/fixtures/answers/*.json",
    ]);
    let q = triage::questionnaire::load_toml(triage::questionnaire::DEFAULT_SOURCE)
        .questionnaire
        .expect("the shipped questionnaire");
    fuzz(
        "answers",
        &seeds,
        |src| match triage::answers::parse_answers_file(src) {
            Ok(file) => {
                let mut s = triage::engine::Session::new(
                    &q,
                    file.visit_date
                        .unwrap_or(jiff::civil::Date::constant(2025, 6, 2)),
                );
                let diags = triage::answers::fill_session(&mut s, &file.answers);
                render("a.json", src, &diags);
                let ctx = triage::summary::Context {
                    clinic: None,
                    completed_at: file.completed_at.clone(),
                    record_id: None,
                };
                let _ = triage::summary::render_text(&s, &ctx);
            }
            Err(diags) => render("a.json", src, &diags),
        },
    );
}

/// Clinic config files: the fixtures and the documented example.
#[test]
fn fuzz_config_files() {
    let mut seeds = read_all(&["tests/fixtures/config/*.toml"]);
    let doc = std::fs::read_to_string("docs/kiosk.md").expect("docs");
    if let Some(example) = doc
        .split("```toml\n")
        .nth(1)
        .and_then(|rest| rest.split("```").next())
    {
        seeds.push(example.as_bytes().to_vec());
    }
    let base = std::env::temp_dir();
    fuzz("config", &seeds, |src| {
        match triage::config::load_config(src, &base) {
            Ok((_, warnings)) => render("config.toml", src, &warnings),
            Err(diags) => render("config.toml", src, &diags),
        }
    });
}
