//! The clinic's local value sets (`[fhir] value_sets` in config.toml), through the real binary:
//! a choice bound to a value set the Questionnaire does not contain is refused by name without
//! them and asked with their codes with them (a made-up ValueSet that includes every code of a
//! made-up CodeSystem but one); the setting itself is checked with file:line:col.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "a test stops at the first thing that is wrong, saying what"
)]

mod common;

use std::path::Path;

use assert_cmd::Command;

fn triage() -> Command {
    let mut c = Command::cargo_bin("triage").expect("binary builds");
    c.env("NO_COLOR", "1");
    c
}

fn fixture() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/fhir/bound-to-local-value-set.json")
}

/// Without local value sets the file is refused naming the value set, the JSON path and the
/// setting that would supply it.
#[test]
fn refused_without_local_value_sets() {
    let data = tempfile::tempdir().expect("temp");
    let out = triage()
        .arg("--data-dir")
        .arg(data.path())
        .arg("check")
        .arg(fixture())
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("urn:triage:test:ValueSet/pain-site"), "{err}");
    assert!(err.contains("at item[0].answerValueSet"), "{err}");
    assert!(err.contains("[fhir] value_sets"), "{err}");
}

/// With the clinic's folder the choice is asked with the code system's codes (nested ones
/// included, the excluded one left out), and the response records the code with its system.
#[test]
fn asked_with_the_local_expansion() {
    let dir = tempfile::tempdir().expect("temp");
    let config = common::fhir::value_sets_config(dir.path());
    let out = triage()
        .arg("--config")
        .arg(&config)
        .arg("check")
        .arg(&config)
        .arg(fixture())
        .output()
        .expect("runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let q = common::fhir::load_with_value_sets(&fixture());
    let labels: Vec<&str> = q.items[0]
        .options()
        .iter()
        .map(|o| o.label.as_str())
        .collect();
    assert_eq!(labels, ["Head", "Arm or leg", "Calf"]);
    let answers = dir.path().join("answers.json");
    std::fs::write(&answers, r#"{"answers": {"site": "calf"}}"#).expect("write");
    let out = triage()
        .arg("--config")
        .arg(&config)
        .args(["summary", "--format", "fhir", "--questionnaire"])
        .arg(fixture())
        .arg("--answers")
        .arg(&answers)
        .output()
        .expect("runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let r: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(
        r["item"][0]["answer"][0]["valueCoding"],
        serde_json::json!({"code": "calf", "display": "Calf", "system": "urn:triage:test:CodeSystem/body-site"})
    );
}

/// `triage check FILE`, which must find errors (exit 1); its error output.
fn check_fails(file: &Path) -> String {
    let out = triage().arg("check").arg(file).output().expect("runs");
    assert_eq!(out.status.code(), Some(1));
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// The setting is checked: a folder that does not exist, and a file in it that is not JSON,
/// are errors at the setting's line and column, the second naming the file, line and column.
#[test]
fn the_setting_is_checked() {
    let dir = tempfile::tempdir().expect("temp");
    let config = dir.path().join("config.toml");
    std::fs::write(
        &config,
        "clinic_name = \"x\"\n[fhir]\nvalue_sets = \"missing\"\n",
    )
    .expect("write");
    let err = check_fails(&config);
    assert!(err.contains("is not a folder"), "{err}");
    assert!(err.contains("config.toml:3:14"), "{err}");
    std::fs::create_dir(dir.path().join("missing")).expect("mkdir");
    std::fs::write(
        dir.path().join("missing/broken.json"),
        "{\n  \"resourceType\": \"ValueSet\",,\n}\n",
    )
    .expect("write");
    let err = check_fails(&config);
    assert!(err.contains("broken.json:2:30"), "{err}");
    assert!(err.contains("config.toml:3:14"), "{err}");
}

/// A value set that needs a terminology server (a filter) is a warning when the setting is
/// checked, and an error naming why when a questionnaire binds to it.
#[test]
fn filtered_value_set_needs_a_server() {
    let dir = tempfile::tempdir().expect("temp");
    let vs = dir.path().join("vs");
    std::fs::create_dir(&vs).expect("mkdir");
    std::fs::write(
        vs.join("filtered.json"),
        r#"{"resourceType": "ValueSet", "url": "urn:triage:test:ValueSet/pain-site", "status": "active",
            "compose": {"include": [{"system": "http://snomed.info/sct", "filter": [{"property": "concept", "op": "is-a", "value": "123037004"}]}]}}"#,
    )
    .expect("write");
    let config = dir.path().join("config.toml");
    std::fs::write(&config, "[fhir]\nvalue_sets = \"vs\"\n").expect("write");
    let out = triage().arg("check").arg(&config).output().expect("runs");
    assert!(out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("with a filter, which needs a terminology server"),
        "{err}"
    );
    let out = triage()
        .arg("--config")
        .arg(&config)
        .arg("check")
        .arg(fixture())
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("cannot be listed here"), "{err}");
}

/// A value set named by its address on a server (`https://.../ValueSet/<id>`, not its
/// canonical URL) is found in a Bundle whose entry has that address as its `fullUrl`, through
/// `--config` as every command reads it; a `urn:uuid:` fullUrl is not an address, so a file
/// bound to it is still refused naming the terminology server.
#[test]
fn value_set_found_by_its_server_address() {
    let dir = tempfile::tempdir().expect("temp");
    let vs = dir.path().join("vs");
    std::fs::create_dir(&vs).expect("mkdir");
    let entry = |full_url: &str, canonical: &str| {
        serde_json::json!({"fullUrl": full_url, "resource": {
            "resourceType": "ValueSet", "id": "42", "url": canonical, "status": "active",
            "expansion": {"contains": [
                {"system": "urn:triage:test:CodeSystem/side", "code": "l", "display": "Left"},
                {"system": "urn:triage:test:CodeSystem/side", "code": "r", "display": "Right"}]}}})
    };
    let bundle = serde_json::json!({"resourceType": "Bundle", "type": "collection", "entry": [
        entry("https://tx.example.org/fhir/ValueSet/42", "urn:triage:test:ValueSet/side"),
        entry("urn:uuid:6a1c0e34-5c7e-4a55-9d1e-2f1c3f0a9b10", "urn:triage:test:ValueSet/other"),
    ]});
    std::fs::write(vs.join("server.json"), bundle.to_string()).expect("write");
    let config = dir.path().join("config.toml");
    std::fs::write(&config, "[fhir]\nvalue_sets = \"vs\"\n").expect("write");
    let bound = |at: &str| {
        let q = dir.path().join("q.json");
        let text = serde_json::json!({"resourceType": "Questionnaire", "status": "active",
            "item": [{"linkId": "side", "type": "choice", "text": "Which side?",
                      "answerValueSet": at}]});
        std::fs::write(&q, text.to_string()).expect("write");
        triage()
            .arg("--config")
            .arg(&config)
            .arg("check")
            .arg(&q)
            .output()
            .expect("runs")
    };
    let out = bound("https://tx.example.org/fhir/ValueSet/42");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let q = triage::fhir::load_fhir_with(
        &serde_json::json!({"resourceType": "Questionnaire", "status": "active",
            "item": [{"linkId": "side", "type": "choice", "text": "Which side?",
                      "answerValueSet": "https://tx.example.org/fhir/ValueSet/42"}]})
        .to_string(),
        Some(&vs),
    )
    .questionnaire
    .expect("loads");
    let codes: Vec<&str> = q.items[0]
        .options()
        .iter()
        .map(|o| o.value.as_str())
        .collect();
    assert_eq!(codes, ["l", "r"]);
    let out = bound("urn:uuid:6a1c0e34-5c7e-4a55-9d1e-2f1c3f0a9b10");
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("terminology server"), "{err}");
}
