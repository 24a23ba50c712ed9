//! Helpers for FHIR tests: load a Questionnaire file, script answers, check what is enabled.

use std::path::{Path, PathBuf};

use triage::engine::Session;
use triage::questionnaire::Questionnaire;

/// The conformance suite folder from `FHIR_SUITE`, or `None` (printing "skipped: ...") when it
/// is not set. A variable that names a missing folder fails the test: CI must not skip silently.
pub fn suite() -> Option<PathBuf> {
    external("FHIR_SUITE")
}

/// The corpus of real questionnaires from `FHIR_CORPUS`, as [`suite`].
pub fn corpus() -> Option<PathBuf> {
    external("FHIR_CORPUS")
}

fn external(var: &str) -> Option<PathBuf> {
    let Some(dir) = std::env::var_os(var) else {
        println!("skipped: {var} not set");
        eprintln!("skipped: {var} not set");
        return None;
    };
    let dir = PathBuf::from(dir);
    assert!(
        dir.is_dir(),
        "{var}={} is set but is not a folder",
        dir.display()
    );
    Some(dir)
}

/// The clinic's local ValueSet expansions used by the tests.
pub fn value_sets_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/fhir/valuesets")
}

/// A clinic settings file in `dir` naming the test value sets (`[fhir] value_sets`).
pub fn value_sets_config(dir: &Path) -> PathBuf {
    let path = dir.join("config.toml");
    let text = format!(
        "[fhir]\nvalue_sets = {}\n",
        toml::Value::String(value_sets_dir().display().to_string())
    );
    std::fs::write(&path, text).expect("write config");
    path
}

/// As [`load`], with the test value sets as the clinic's local expansions.
pub fn load_with_value_sets(path: &Path) -> Questionnaire {
    let src = std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    let loaded = triage::fhir::load_fhir_with(&src, Some(&value_sets_dir()));
    match loaded.questionnaire {
        Some(q) => q,
        None => panic!("{} has errors: {:#?}", path.display(), loaded.diagnostics),
    }
}

/// Loads a FHIR Questionnaire file; fails the test with the diagnostics if it has errors.
pub fn load(path: &Path) -> Questionnaire {
    let src = std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    let loaded = triage::fhir::load_fhir(&src);
    match loaded.questionnaire {
        Some(q) => q,
        None => panic!("{} has errors: {:#?}", path.display(), loaded.diagnostics),
    }
}

/// Sets (compact form, see `super::answer`) or, for `None`, clears an answer.
pub fn put(s: &mut Session<'_>, id: &str, v: Option<&str>) {
    if let Some(v) = v {
        super::set(s, id, v);
    } else {
        let i = super::idx(s.questionnaire(), id);
        s.clear(i);
    }
}

/// Asserts which of the named items are enabled, naming every mismatch with its text.
pub fn expect(s: &Session<'_>, step: &str, enabled: &[&str], disabled: &[&str]) {
    let q = s.questionnaire();
    let mut wrong = Vec::new();
    for (ids, want) in [(enabled, true), (disabled, false)] {
        for id in ids {
            let i = super::idx(q, id);
            if s.is_visible(i) != want {
                wrong.push(format!(
                    "  {id} ({:?}) should be {}",
                    q.item(i).text,
                    if want { "enabled" } else { "disabled" }
                ));
            }
        }
    }
    assert!(wrong.is_empty(), "after {step}:\n{}", wrong.join("\n"));
}
