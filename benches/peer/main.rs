//! Speed against a peer: triage and SurveyJS's `survey-core` on the same generated forms (1,000
//! and 10,000 questions, the same show-if conditions), timed in one run: load (text to a model
//! ready for its first answer) and re-evaluation of visibility after one answer, median and p95,
//! with ratios. Before timing, both engines must agree on which questions are visible after the
//! scripted answers and after the change that is timed; a disagreement stops the run.
//!
//! Run it with `benches/peer/run.sh` (installs survey-core with `npm ci`, then runs this), or
//! `cargo bench --bench peer [-- --sizes 1000,10000]`; without node or `npm ci` done, only
//! triage's figures are printed and the peer is reported as skipped. Never run by `cargo test`.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "a test stops at the first thing that is wrong, saying what"
)]

#[path = "form.rs"]
mod form;

use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::time::Instant;

use clap::Parser;
use form::{Form, generate};
use triage::answers::{RawValue, to_answer};
use triage::engine::Session;
use triage::questionnaire::load_toml;

#[derive(Parser)]
#[command(about = "triage against SurveyJS survey-core on the same generated forms")]
struct Args {
    /// Form sizes, in questions.
    #[arg(long, value_delimiter = ',', default_values_t = [1_000usize, 10_000])]
    sizes: Vec<usize>,
    /// Timed loads per size and engine (default: 30 for up to 1,000 questions, else 10).
    #[arg(long)]
    loads: Option<usize>,
    /// Timed re-evaluations per size and engine.
    #[arg(long, default_value_t = 200)]
    sets: usize,
    /// Untimed rounds of each measurement first (lets node's JIT settle).
    #[arg(long, default_value_t = 3)]
    warmup: usize,
    /// Where the generated forms are written.
    #[arg(long, default_value = concat!(env!("CARGO_TARGET_TMPDIR"), "/peer"))]
    out: PathBuf,
    /// Passed by `cargo bench`; ignored.
    #[arg(long, hide = true)]
    bench: bool,
}

/// One engine's measurements on one form.
struct Samples {
    engine: String,
    load_ms: Vec<f64>,
    set_ms: Vec<f64>,
    visible_before: Vec<String>,
    visible_after: Vec<String>,
}

fn ms(t: Instant) -> f64 {
    t.elapsed().as_secs_f64() * 1e3
}

/// triage, measured as survey.mjs measures survey-core.
fn measure_triage(
    form: &Form,
    loads: usize,
    sets: usize,
    warmup: usize,
) -> Result<Samples, String> {
    let visit = jiff::civil::Date::constant(2025, 6, 2);
    let mut load_ms = Vec::with_capacity(loads);
    for i in 0..warmup + loads {
        let t = Instant::now();
        let q = load_toml(black_box(&form.toml)).questionnaire;
        let session = q.as_ref().map(|q| Session::new(q, visit));
        let dt = ms(t);
        black_box(&session);
        if i >= warmup {
            load_ms.push(dt);
        }
    }
    let loaded = load_toml(&form.toml);
    let q = loaded.questionnaire.ok_or_else(|| {
        let first = loaded.diagnostics.first().map(|d| format!("{d:?}"));
        format!("the generated questionnaire does not load: {first:?}")
    })?;
    let mut s = Session::new(&q, visit);
    let answer = |id: &str, v: &serde_json::Value| {
        let i = q.item_index(id).ok_or(format!("no question {id}"))?;
        let a = to_answer(&q, i, &RawValue::from_json(v)).map_err(|e| format!("{id}: {e}"))?;
        Ok::<_, String>((i, a))
    };
    for (id, v) in &form.answers {
        let (i, a) = answer(id, v)?;
        s.set(i, a).map_err(|e| format!("{id}: {}", e.message))?;
    }
    let visible = |s: &Session| -> Vec<String> {
        q.questions()
            .filter(|(i, _, _)| s.is_visible(*i))
            .map(|(_, it, _)| it.id.clone())
            .collect()
    };
    let visible_before = visible(&s);
    let (id, from, to) = &form.flip;
    let (flip, from) = answer(id, from)?;
    let (_, to) = answer(id, to)?;
    s.set(flip, to.clone()).map_err(|e| e.message)?;
    let visible_after = visible(&s);
    s.set(flip, from.clone()).map_err(|e| e.message)?;

    let probe = q.questions().last().map_or(flip, |(i, _, _)| i);
    let mut set_ms = Vec::with_capacity(sets);
    for i in 0..warmup + sets {
        let value = if i % 2 == 0 { to.clone() } else { from.clone() };
        let t = Instant::now();
        let r = s.set(flip, value);
        black_box(s.is_visible(probe));
        let dt = ms(t);
        r.map_err(|e| e.message)?;
        if i >= warmup {
            set_ms.push(dt);
        }
    }
    Ok(Samples {
        engine: format!("triage {}", env!("CARGO_PKG_VERSION")),
        load_ms,
        set_ms,
        visible_before,
        visible_after,
    })
}

/// Why the SurveyJS side cannot run here, if it cannot.
fn peer_missing(dir: &Path) -> Option<String> {
    if !dir.join("node_modules/survey-core/package.json").exists() {
        return Some(
            "survey-core is not installed (run benches/peer/run.sh, or npm ci in benches/peer)"
                .into(),
        );
    }
    match Command::new("node").arg("--version").output() {
        Ok(o) if o.status.success() => None,
        _ => Some("node is not on PATH".into()),
    }
}

/// survey-core on the form written to `dir`, in a node process of its own.
fn measure_peer(
    peer_dir: &Path,
    form_path: &Path,
    script_path: &Path,
    loads: usize,
    sets: usize,
    warmup: usize,
) -> Result<Samples, String> {
    let out = Command::new("node")
        .arg(peer_dir.join("survey.mjs"))
        .arg(form_path)
        .arg(script_path)
        .args([loads.to_string(), sets.to_string(), warmup.to_string()])
        .current_dir(peer_dir)
        .output()
        .map_err(|e| format!("cannot start node: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "survey.mjs failed ({}): {}",
            out.status,
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    }
    let v: serde_json::Value = serde_json::from_slice(&out.stdout)
        .map_err(|e| format!("survey.mjs printed something other than its JSON: {e}"))?;
    let nums = |k: &str| -> Vec<f64> {
        v[k].as_array()
            .map(|a| a.iter().filter_map(serde_json::Value::as_f64).collect())
            .unwrap_or_default()
    };
    let names = |k: &str| -> Vec<String> {
        v[k].as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|x| x.as_str().map(String::from))
                    .collect()
            })
            .unwrap_or_default()
    };
    Ok(Samples {
        engine: v["engine"].as_str().unwrap_or("survey-core").to_string(),
        load_ms: nums("load_ms"),
        set_ms: nums("set_ms"),
        visible_before: names("visible_before"),
        visible_after: names("visible_after"),
    })
}

/// Median and p95 (nearest rank) of `xs`, in milliseconds.
fn stats(xs: &[f64]) -> (f64, f64) {
    let mut v = xs.to_vec();
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n == 0 {
        return (f64::NAN, f64::NAN);
    }
    let median = if n % 2 == 1 {
        v[n / 2]
    } else {
        f64::midpoint(v[n / 2 - 1], v[n / 2])
    };
    let p95 = v[(n * 95).div_ceil(100).max(1) - 1];
    (median, p95)
}

/// A duration for the table: µs below a millisecond, else ms, three significant digits.
fn fmt_ms(x: f64) -> String {
    if x < 1.0 {
        format!("{:.0} µs", x * 1e3)
    } else if x < 10.0 {
        format!("{x:.2} ms")
    } else if x < 100.0 {
        format!("{x:.1} ms")
    } else {
        format!("{x:.0} ms")
    }
}

/// The first difference between two engines' lists of visible questions, if any.
fn disagreement(
    what: &str,
    a: &Samples,
    b: &Samples,
    pick: fn(&Samples) -> &Vec<String>,
) -> Option<String> {
    let (x, y) = (pick(a), pick(b));
    if x == y {
        return None;
    }
    let only = |p: &Vec<String>, q: &Vec<String>| -> Vec<String> {
        p.iter()
            .filter(|id| !q.contains(id))
            .take(5)
            .cloned()
            .collect()
    };
    Some(format!(
        "{what}: {} shows {} questions, {} shows {}; only {}: {:?}; only {}: {:?}",
        a.engine,
        x.len(),
        b.engine,
        y.len(),
        a.engine,
        only(x, y),
        b.engine,
        only(y, x)
    ))
}

fn write(path: &Path, text: &str) -> Result<(), String> {
    std::fs::write(path, text).map_err(|e| format!("cannot write {}: {e}", path.display()))
}

fn run(args: &Args) -> Result<(), String> {
    let peer_dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/peer");
    std::fs::create_dir_all(&args.out)
        .map_err(|e| format!("cannot create {}: {e}", args.out.display()))?;
    let missing = peer_missing(&peer_dir);
    if let Some(why) = &missing {
        println!("skipped: the SurveyJS side: {why}; triage's figures only");
    }
    let mut rows = Vec::new();
    for &n in &args.sizes {
        let n = n.max(10);
        let loads = args.loads.unwrap_or(if n <= 1_000 { 30 } else { 10 });
        let form = generate(n);
        let form_path = args.out.join(format!("form-{n}.survey.json"));
        let script_path = args.out.join(format!("script-{n}.json"));
        write(&args.out.join(format!("form-{n}.toml")), &form.toml)?;
        write(&form_path, &form.survey.to_string())?;
        write(&script_path, &form.script_json().to_string())?;
        eprintln!("{n} questions: triage ...");
        let ours = measure_triage(&form, loads, args.sets, args.warmup)?;
        let changed = ours.visible_before.len().abs_diff(ours.visible_after.len());
        if changed == 0 {
            return Err(format!(
                "{n} questions: the timed change shows or hides nothing"
            ));
        }
        let theirs = match missing {
            None => {
                eprintln!("{n} questions: survey-core ...");
                let t = measure_peer(
                    &peer_dir,
                    &form_path,
                    &script_path,
                    loads,
                    args.sets,
                    args.warmup,
                )?;
                let diffs: Vec<String> = [
                    disagreement("after the scripted answers", &ours, &t, |s| {
                        &s.visible_before
                    }),
                    disagreement("after the timed change", &ours, &t, |s| &s.visible_after),
                ]
                .into_iter()
                .flatten()
                .collect();
                if !diffs.is_empty() {
                    return Err(format!(
                        "{n} questions: the engines disagree on visibility:\n  {}",
                        diffs.join("\n  ")
                    ));
                }
                eprintln!(
                    "{n} questions: both engines show {} questions, then {} after the change",
                    ours.visible_before.len(),
                    ours.visible_after.len()
                );
                Some(t)
            }
            Some(_) => None,
        };
        rows.push((n, loads, ours, theirs));
    }
    print_table(args, &rows);
    Ok(())
}

/// One row of the table: what was measured, triage's samples and the peer's (if it ran).
type Line<'a> = (String, &'a Vec<f64>, Option<&'a Vec<f64>>);

fn print_table(args: &Args, rows: &[(usize, usize, Samples, Option<Samples>)]) {
    let Some((_, _, first, peer)) = rows.first() else {
        return;
    };
    let peer_name = peer.as_ref().map_or("survey-core", |p| p.engine.as_str());
    println!();
    println!(
        "{} (release build) against {peer_name}; median and p95 of each measurement, {} re-evaluations and the loads shown per size, after {} untimed rounds",
        first.engine, args.sets, args.warmup
    );
    println!();
    println!(
        "| questions | measurement | triage median | triage p95 | survey-core median | survey-core p95 | survey-core / triage (median) |"
    );
    println!("|---:|---|---:|---:|---:|---:|---:|");
    for (n, loads, ours, theirs) in rows {
        let lines: [Line<'_>; 2] = [
            (
                format!("load ({loads} times)"),
                &ours.load_ms,
                theirs.as_ref().map(|t| &t.load_ms),
            ),
            (
                "re-evaluate after one answer".into(),
                &ours.set_ms,
                theirs.as_ref().map(|t| &t.set_ms),
            ),
        ];
        for (what, a, b) in lines {
            let (am, ap) = stats(a);
            let (bm, bp, ratio) = match b {
                Some(b) => {
                    let (bm, bp) = stats(b);
                    (fmt_ms(bm), fmt_ms(bp), format!("{:.1}x", bm / am))
                }
                None => ("skipped".into(), "skipped".into(), "-".into()),
            };
            println!(
                "| {n} | {what} | {} | {} | {bm} | {bp} | {ratio} |",
                fmt_ms(am),
                fmt_ms(ap)
            );
        }
    }
}

fn main() -> ExitCode {
    let args = Args::parse();
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
