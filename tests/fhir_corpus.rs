//! The corpus of 69 real FHIR Questionnaires (`FHIR_CORPUS`, set by `.ci/run`; never copied
//! here). Each file has a recorded expectation: it loads and runs, or it is refused with an error
//! naming the feature and its JSON path. Scripted answers for loaded files check the response
//! against values taken from the instruments' definitions and the FHIR/SDC specifications (each
//! test says where), never from triage's own output. Without the variable these tests print
//! "skipped: FHIR_CORPUS not set"; with it naming a missing folder they fail.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "a test stops at the first thing that is wrong, saying what"
)]

mod common;

use std::path::{Path, PathBuf};

use common::fhir::{corpus, put};
use serde_json::Value;
use triage::engine::Session;
use triage::questionnaire::Questionnaire;

#[derive(Debug, Clone, Copy, PartialEq)]
enum Expect {
    Loads,
    /// Refused; some error names this feature.
    Refused(&'static str),
    /// Refused naming a terminology server without the clinic's local value sets; loads and
    /// runs with them (`[fhir] value_sets` in config.toml naming
    /// `tests/fixtures/fhir/valuesets/published`, expansions as published: see its README).
    WithValueSets,
}
use Expect::*;

/// What triage does with each corpus file (file name without `.json`).
const EXPECTED: &[(&str, Expect)] = &[
    (
        "hl7-sdc__input__examples__questionnaire-sdc-profile-example-framingham-HCHD",
        Loads,
    ),
    (
        "hl7-sdc__input__examples__questionnaire-sdc-profile-example-weight-height",
        Loads,
    ),
    (
        "hl7-sdc__input__examples__questionnaire-sdc-test-fhirpath-prepop-source-query",
        WithValueSets,
    ),
    (
        "hl7-sdc__input__examples__questionnaire-sdc-test-initial-value-multiple",
        Refused("terminology server"),
    ),
    (
        "hl7-sdc__input__examples__questionnaire-sdc-test-repeatable-nested-groups",
        WithValueSets,
    ),
    (
        "lforms-fhir-app__cypress__fixtures__R4__framingham-HCHD",
        Loads,
    ),
    (
        "lforms-fhir-app__cypress__fixtures__R4__hunger-vital-signs",
        Loads,
    ),
    ("lforms-fhir-app__cypress__fixtures__R4__metabolic", Loads),
    (
        "lforms-fhir-app__cypress__fixtures__R4__vital-sign-questionnaire",
        Loads,
    ),
    (
        "lforms-fhir-app__cypress__fixtures__R4__weight-height-questionnaire",
        Loads,
    ),
    (
        "lforms__test__data__R4__4712701",
        Refused("terminology server"),
    ),
    (
        "lforms__test__data__R4__answerExpTest.R4",
        Refused("answerExpression"),
    ),
    (
        "lforms__test__data__R4__answerOption__answerOption-valueCoding.open-choice.R4",
        Loads,
    ),
    (
        "lforms__test__data__R4__answerOption__answerOption-valueInteger.R4",
        Loads,
    ),
    (
        "lforms__test__data__R4__answerOption__answerOption-valueTime.R4",
        Loads,
    ),
    (
        "lforms__test__data__R4__apgar-with-itemWeight-variable",
        Loads,
    ),
    ("lforms__test__data__R4__blood-count-panel-q", Loads),
    (
        "lforms__test__data__R4__calc-weight__phq9-with-the-weight-function",
        Loads,
    ),
    (
        "lforms__test__data__R4__calc-weight__q-with-contained-valueset-with-itemWeight",
        Loads,
    ),
    (
        "lforms__test__data__R4__calculatedExpression-on-boolean-item",
        Loads,
    ),
    (
        "lforms__test__data__R4__calculatedListAnwers",
        Refused("answerExpression"),
    ),
    ("lforms__test__data__R4__checkbox-with-child-items", Loads),
    ("lforms__test__data__R4__date-in-repeating-group", Loads),
    ("lforms__test__data__R4__enableWhenExpressionTest", Loads),
    (
        "lforms__test__data__R4__enableWhenOnCalculatedValueFromFHIRPath",
        Loads,
    ),
    (
        "lforms__test__data__R4__fhirpath-expression-on-repeating-items.R4",
        Refused("answerExpression"),
    ),
    ("lforms__test__data__R4__group-under-question.R4", Loads),
    ("lforms__test__data__R4__named-expressions", Loads),
    (
        "lforms__test__data__R4__q-items-under-repeating-choice-item",
        Loads,
    ),
    (
        "lforms__test__data__R4__q-with-contained-valueset-without-expansion",
        Loads,
    ),
    ("lforms__test__data__R4__q-with-invalid-xhtml", Loads),
    ("lforms__test__data__R4__q-with-minOccurs-maxOccurs", Loads),
    (
        "lforms__test__data__R4__q-with-modifierExtension",
        Refused("modifier extension"),
    ),
    (
        "lforms__test__data__R4__q-with-multiple-initial-values-and-child-items",
        Loads,
    ),
    ("lforms__test__data__R4__q-with-openLabel", Loads),
    (
        "lforms__test__data__R4__q-with-readonly-repeating-items",
        Loads,
    ),
    (
        "lforms__test__data__R4__q-with-rendering-markdown-help-and-legal",
        Loads,
    ),
    (
        "lforms__test__data__R4__q-with-rendering-xhtml-prefix",
        Loads,
    ),
    (
        "lforms__test__data__R4__q-with-unit-in-quantity-and-units",
        Loads,
    ),
    ("lforms__test__data__R4__question-under-question.R4", Loads),
    (
        "lforms__test__data__R4__questionnaire-answerOption-without-code-or-display",
        Loads,
    ),
    (
        "lforms__test__data__R4__questionnaire-data-control",
        Refused("dataControl"),
    ),
    (
        "lforms__test__data__R4__questionnaire-hidden-extension",
        Loads,
    ),
    (
        "lforms__test__data__R4__questionnaire-initialExpression",
        Loads,
    ),
    (
        "lforms__test__data__R4__questionnaire-with-entryFormat",
        Loads,
    ),
    (
        "lforms__test__data__R4__rxterms.R4",
        Refused("terminology server"),
    ),
    ("lforms__test__data__R4__tables", Refused("answerRepeats")),
    ("lforms__test__data__R4__ussg-fhp", Refused("answerRepeats")),
    ("lforms__test__data__R4__variable-scope-test", Loads),
    (
        "smartforms__apps__smart-forms-app__src__data__resources__Questionnaire__715.R4",
        Refused("terminology server"),
    ),
    (
        "smartforms__apps__smart-forms-app__src__data__resources__Questionnaire__CVD-Risk-2023",
        WithValueSets,
    ),
    (
        "smartforms__apps__smart-forms-app__src__data__resources__Questionnaire__CVD_Risk",
        Loads,
    ),
    (
        "smartforms__apps__smart-forms-app__src__data__resources__Questionnaire__Questionnaire-AboriginalTorresStraitIslanderHealthCheckAssembled-0.4.0",
        Refused("launch context"),
    ),
    (
        "smartforms__packages__smart-forms-renderer__src__stories__assets__questionnaires__AuCoreTestingJson__AuCoreAllergyIntolerance",
        Refused("terminology server"),
    ),
    (
        "smartforms__packages__smart-forms-renderer__src__stories__assets__questionnaires__AuCoreTestingJson__AuCoreImmunization",
        WithValueSets,
    ),
    (
        "smartforms__packages__smart-forms-renderer__src__stories__assets__questionnaires__AuCoreTestingJson__AuCoreObservationSmokingStatus",
        Refused("terminology server"),
    ),
    ("uwcirg-fhirq__CIRG-CNICS-ARV", Refused("given twice")),
    ("uwcirg-fhirq__CIRG-CNICS-ASSIST", Loads),
    ("uwcirg-fhirq__CIRG-CNICS-HIV-STIGMA", Loads),
    ("uwcirg-fhirq__CIRG-CNICS-HOUSING", Loads),
    ("uwcirg-fhirq__CIRG-CNICS-IPV4", Loads),
    ("uwcirg-fhirq__CIRG-CNICS-SEXUAL-RISK", Loads),
    ("uwcirg-fhirq__CIRG-CNICS-Smoking", Loads),
    ("uwcirg-fhirq__CIRG-CNICS-Symptoms", Loads),
    ("uwcirg-fhirq__CIRG-PC-PTSD-5", Loads),
    (
        "uwcirg-fhirq__CIRG-PainTracker-Location-Body-Diagram",
        Loads,
    ),
    ("uwcirg-fhirq__CIRG-PainTracker-STOP", Loads),
    ("uwcirg-fhirq__deprecated__GAD-7", Refused("JSON:")),
    (
        "uwcirg-fhirq__deprecated__Physical-activity-panel.R4",
        Loads,
    ),
];

fn file(dir: &Path, name: &str) -> PathBuf {
    dir.join(format!("{name}.json"))
}

fn load(dir: &Path, name: &str) -> Questionnaire {
    common::fhir::load(&file(dir, name))
}

/// The published value-set expansions kept for the corpus (see the README there).
fn published_value_sets() -> PathBuf {
    common::fhir::value_sets_dir().join("published")
}

/// The folder a clinic's settings name: a config.toml in `dir` with `[fhir] value_sets`, read
/// back the way every command reads it.
fn clinic_value_sets(dir: &Path) -> PathBuf {
    let config = dir.join("config.toml");
    let text = format!(
        "[fhir]\nvalue_sets = {}\n",
        toml::Value::String(published_value_sets().display().to_string())
    );
    std::fs::write(&config, text).expect("write config");
    let mut err = Vec::new();
    let found = triage::cli::clinic_value_sets(&mut err, Some(&config), None);
    assert!(err.is_empty(), "{}", String::from_utf8_lossy(&err));
    found.expect("config.toml names the value sets")
}

/// As [`load`], with the clinic's value sets from a config.toml.
fn load_local(dir: &Path, name: &str) -> Questionnaire {
    let tmp = tempfile::tempdir().expect("tempdir");
    let src = std::fs::read_to_string(file(dir, name)).expect("read");
    let loaded = triage::fhir::load_fhir_with(&src, Some(&clinic_value_sets(tmp.path())));
    let errors = errors_of(&loaded);
    loaded
        .questionnaire
        .unwrap_or_else(|| panic!("{name} has errors: {errors:#?}"))
}

fn errors_of(loaded: &triage::questionnaire::Loaded) -> Vec<String> {
    loaded
        .diagnostics
        .iter()
        .filter(|d| d.is_error())
        .map(|d| format!("{d:?}"))
        .collect()
}

/// Walks a loaded questionnaire: every step, and the response, with nothing answered.
fn walk(q: &Questionnaire) {
    let s = Session::new(q, common::visit());
    let _ = s.steps().count();
    let r = triage::fhir::questionnaire_response(&s, "2025-06-02T10:00:00+00:00");
    assert_eq!(r["resourceType"], "QuestionnaireResponse");
}

/// Every corpus file has an expectation, and each loads or is refused as recorded: a refusal
/// names the feature and the JSON path where it is; a loaded file can be walked and answered.
#[test]
fn every_corpus_file_loads_or_is_refused_by_name() {
    let Some(dir) = corpus() else { return };
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .expect("corpus folder")
        .filter_map(std::result::Result::ok)
        .filter_map(|e| {
            e.file_name()
                .to_str()?
                .strip_suffix(".json")
                .map(str::to_owned)
        })
        .collect();
    names.sort();
    let listed: Vec<&str> = EXPECTED.iter().map(|(n, _)| *n).collect();
    for n in &names {
        assert!(
            listed.contains(&n.as_str()),
            "{n} has no recorded expectation"
        );
    }
    assert_eq!(
        names.len(),
        EXPECTED.len(),
        "files missing from the corpus folder"
    );
    let tmp = tempfile::tempdir().expect("tempdir");
    let local = clinic_value_sets(tmp.path());
    let mut wrong = Vec::new();
    for (name, want) in EXPECTED {
        let src = std::fs::read_to_string(file(&dir, name)).expect("read");
        let loaded = triage::fhir::load_fhir_with(&src, None);
        let errors = errors_of(&loaded);
        match (want, &loaded.questionnaire) {
            (Loads, Some(q)) => walk(q),
            (Refused(feature), None) => {
                if !errors.iter().any(|e| e.contains(feature)) {
                    wrong.push(format!(
                        "{name}: refused, but no error names `{feature}`: {errors:#?}"
                    ));
                }
            }
            (WithValueSets, None) => {
                if !errors.iter().any(|e| e.contains("terminology server")) {
                    wrong.push(format!(
                        "{name}: without local value sets, no error names a terminology server: {errors:#?}"
                    ));
                }
                let with = triage::fhir::load_fhir_with(&src, Some(&local));
                match &with.questionnaire {
                    Some(q) => walk(q),
                    None => wrong.push(format!(
                        "{name}: should load with the clinic's value sets, refused: {:#?}",
                        errors_of(&with)
                    )),
                }
            }
            (Loads, None) => wrong.push(format!("{name}: should load, refused: {errors:#?}")),
            (Refused(f), Some(_)) => {
                wrong.push(format!("{name}: should be refused ({f}) but loads"));
            }
            (WithValueSets, Some(_)) => wrong.push(format!(
                "{name}: should be refused without local value sets but loads"
            )),
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    let loads = EXPECTED
        .iter()
        .filter(|(_, e)| matches!(e, Loads | WithValueSets))
        .count();
    println!("{loads} of {} corpus files load", EXPECTED.len());
}

/// Every refusal from `triage check` names a JSON path (`at item[...]`), never only the file;
/// a file that needs the clinic's value sets is accepted with `--config` naming them.
#[test]
fn refusals_name_the_json_path() {
    let Some(dir) = corpus() else { return };
    // An empty data directory: no clinic settings unless `--config` names them.
    let data = tempfile::tempdir().expect("tempdir");
    let config = tempfile::tempdir().expect("tempdir");
    let local = config.path().join("config.toml");
    clinic_value_sets(config.path());
    let check = |name: &str, config: Option<&Path>| {
        let mut cmd = std::process::Command::new(assert_cmd::cargo::cargo_bin("triage"));
        cmd.env("TRIAGE_DATA_DIR", data.path()).arg("check");
        if let Some(c) = config {
            cmd.arg("--config").arg(c);
        }
        cmd.arg(file(&dir, name)).output().expect("runs")
    };
    for (name, want) in EXPECTED {
        match want {
            Refused("JSON:") | Loads => {} // a syntax error names line:column instead
            Refused(_) => {
                let out = check(name, None);
                assert_eq!(out.status.code(), Some(1), "{name}");
                let stderr = String::from_utf8_lossy(&out.stderr);
                assert!(stderr.contains(".json at "), "{name}: {stderr}");
            }
            WithValueSets => {
                let out = check(name, None);
                assert_eq!(out.status.code(), Some(1), "{name}");
                let stderr = String::from_utf8_lossy(&out.stderr);
                assert!(stderr.contains(".answerValueSet"), "{name}: {stderr}");
                let out = check(name, Some(&local));
                let stderr = String::from_utf8_lossy(&out.stderr);
                assert_eq!(out.status.code(), Some(0), "{name} with --config: {stderr}");
            }
        }
    }
}

/// The linkId → answers of a response, flattened (answers as their value JSON).
fn answers(r: &Value) -> Vec<(String, Vec<Value>)> {
    fn walk(items: &Value, out: &mut Vec<(String, Vec<Value>)>) {
        for it in items.as_array().into_iter().flatten() {
            let vals: Vec<Value> = it["answer"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|a| {
                    let mut a = a.clone();
                    if let Some(o) = a.as_object_mut() {
                        o.remove("item");
                    }
                    a
                })
                .collect();
            out.push((it["linkId"].as_str().unwrap_or("?").to_owned(), vals));
            walk(&it["item"], out);
            for a in it["answer"].as_array().into_iter().flatten() {
                walk(&a["item"], out);
            }
        }
    }
    let mut out = Vec::new();
    walk(&r["item"], &mut out);
    out
}

fn answer_of(r: &Value, link: &str) -> Option<Value> {
    answers(r)
        .into_iter()
        .find(|(l, _)| l == link)
        .and_then(|(_, v)| v.into_iter().next())
}

fn response(s: &Session<'_>) -> Value {
    triage::fhir::questionnaire_response(s, "2025-06-02T10:00:00+00:00")
}

/// Apgar score (LHC-Forms apgar-with-itemWeight-variable): the total is the sum of the five
/// signs' scores, each 0-2 (Apgar 1953; the form's itemWeight on each LOINC answer). Signs
/// 2+1+2+0+1 give 6; with a sign unanswered the form's own expression gives no total.
#[test]
fn apgar_total_is_the_sum_of_the_itemweights() {
    let Some(dir) = corpus() else { return };
    let q = load(
        &dir,
        "lforms__test__data__R4__apgar-with-itemWeight-variable",
    );
    let mut s = Session::new(&q, common::visit());
    for (link, code) in [
        ("32406-1", "LA6724-4"),
        ("32407-9", "LA6717-8"),
        ("32409-5", "LA6721-0"),
        ("32408-7", "LA6713-7"),
    ] {
        put(&mut s, link, Some(code));
    }
    assert_eq!(
        answer_of(&response(&s), "9272-6"),
        None,
        "four of five signs: no total"
    );
    put(&mut s, "32410-3", Some("LA6726-9"));
    assert_eq!(
        answer_of(&response(&s), "9272-6"),
        Some(serde_json::json!({"valueDecimal": 6.0}))
    );
    // The calculated total is never asked.
    assert!(
        !s.is_step(triage::questionnaire::Questionnaire::item_index(&q, "9272-6").expect("item"))
    );
}

/// PHQ-9 with SDC's weight() (LHC-Forms calc-weight): the total is the sum of the nine items'
/// scores 0-3 (Kroenke et al. 2001); the difficulty item /69722-7 is excluded by the form's own
/// expression. Answers 0,1,2,3,0,1,2,3,0 give 12.
#[test]
fn phq9_total_uses_weight() {
    let Some(dir) = corpus() else { return };
    let q = load(
        &dir,
        "lforms__test__data__R4__calc-weight__phq9-with-the-weight-function",
    );
    let mut s = Session::new(&q, common::visit());
    let items = [
        "/44250-9", "/44255-8", "/44259-0", "/44254-1", "/44251-7", "/44258-2", "/44252-5",
        "/44253-3", "/44260-8",
    ];
    for (k, link) in (0u32..).zip(items) {
        let i = q.item_index(link).expect("item");
        let opt = k % 4;
        s.set(i, triage::answer::Answer::Choice(opt))
            .expect("answer");
        assert_eq!(
            q.item(i).options()[opt as usize].ordinal,
            Some(f64::from(opt)),
            "{link} scores 0-3 in order"
        );
    }
    let total = answer_of(&response(&s), "/44261-6").expect("total");
    assert_eq!(total["valueDecimal"].as_f64(), Some(12.0), "{total}");
    // The difficulty question does not add to the score.
    let d = q.item_index("/69722-7").expect("item");
    s.set(d, triage::answer::Answer::Choice(3)).expect("answer");
    let total = answer_of(&response(&s), "/44261-6").expect("total");
    assert_eq!(total["valueDecimal"].as_f64(), Some(12.0));
}

/// HL7 SDC weight-height example: BMI = kg / m², height given in inches (× 0.0254), rounded to
/// one place by the form's own expression. 70 kg and 70 in (1.778 m) give 22.1 (CDC BMI
/// formula: 70 / 1.778² = 22.14).
#[test]
fn sdc_bmi_from_weight_and_height() {
    let Some(dir) = corpus() else { return };
    let q = load(
        &dir,
        "hl7-sdc__input__examples__questionnaire-sdc-profile-example-weight-height",
    );
    let mut s = Session::new(&q, common::visit());
    put(&mut s, "/29463-7", Some("#70"));
    assert_eq!(
        answer_of(&response(&s), "/39156-5"),
        None,
        "no height, no BMI"
    );
    put(&mut s, "/8302-2", Some("#70"));
    let r = response(&s);
    let bmi = answer_of(&r, "/39156-5").expect("BMI");
    assert_eq!(bmi["valueDecimal"].as_f64(), Some(22.1), "{bmi}");
}

/// Hunger Vital Sign (LOINC 88124-3; Hager et al. 2010): at risk when either statement is
/// "often true" (LA28397-0) or "sometimes true" (LA6729-3); no risk when both are "never true";
/// no result before either is answered.
#[test]
fn hunger_vital_sign_risk() {
    let Some(dir) = corpus() else { return };
    let q = load(
        &dir,
        "lforms-fhir-app__cypress__fixtures__R4__hunger-vital-signs",
    );
    let mut s = Session::new(&q, common::visit());
    assert_eq!(answer_of(&response(&s), "/88124-3"), None);
    put(&mut s, "/88122-7", Some("LA28398-8"));
    put(&mut s, "/88123-5", Some("LA28398-8"));
    let r = answer_of(&response(&s), "/88124-3").expect("result");
    assert_eq!(
        r["valueCoding"]["code"], "LA19983-8",
        "never true twice: no risk ({r})"
    );
    put(&mut s, "/88123-5", Some("LA6729-3"));
    let r = answer_of(&response(&s), "/88124-3").expect("result");
    assert_eq!(
        r["valueCoding"]["code"], "LA19952-3",
        "sometimes true: at risk ({r})"
    );
}

/// questionnaire-hidden (FHIR R4 extension definition): a hidden item is not shown but stays
/// enabled, so its initial or calculated value goes into the response. Here no hidden item has
/// a value to keep, so every hidden question is simply never a step; the displayed ones are.
#[test]
fn hidden_items_are_not_asked_but_stay_enabled() {
    let Some(dir) = corpus() else { return };
    let q = load(
        &dir,
        "lforms__test__data__R4__questionnaire-hidden-extension",
    );
    let s = Session::new(&q, common::visit());
    let step = |id: &str| s.is_step(q.item_index(id).expect(id));
    let enabled = |id: &str| s.is_visible(q.item_index(id).expect(id));
    for id in [
        "q2",
        "g-hidden-vertical-group/q1",
        "g-horizontal-group/q1",
        "g-displayed-matrix/q1",
        "g-displayed-vertical-group/g-hidden-vertical-group/q1",
    ] {
        assert!(!step(id), "{id} is hidden");
        assert!(enabled(id), "{id} stays enabled");
    }
    for id in ["q1", "g-horizontal-group/q2", "g-displayed-matrix/q2"] {
        assert!(step(id), "{id} is shown");
    }
}

/// A calculatedExpression on a boolean item (LHC-Forms test): "overweight" is
/// `weight > 100`; FHIRPath comparison with an empty weight gives empty, so no answer.
#[test]
fn calculated_boolean() {
    let Some(dir) = corpus() else { return };
    let q = load(
        &dir,
        "lforms__test__data__R4__calculatedExpression-on-boolean-item",
    );
    let mut s = Session::new(&q, common::visit());
    assert_eq!(answer_of(&response(&s), "overweight"), None);
    put(&mut s, "weight", Some("#120"));
    assert_eq!(
        answer_of(&response(&s), "overweight"),
        Some(serde_json::json!({"valueBoolean": true}))
    );
    put(&mut s, "weight", Some("#80"));
    assert_eq!(
        answer_of(&response(&s), "overweight"),
        Some(serde_json::json!({"valueBoolean": false}))
    );
}

/// Fills a session from an answers-file `answers` object (the nested form inside repeats);
/// fails the test on any error.
fn fill<'q>(q: &'q Questionnaire, answers: &Value) -> Session<'q> {
    let mut s = Session::new(q, common::visit());
    let text = serde_json::json!({ "answers": answers }).to_string();
    let file = triage::answers::parse_answers_file(&text).expect("answers file");
    let diags = triage::answers::fill_session(&mut s, &file.answers);
    let errors: Vec<_> = diags.iter().filter(|d| d.is_error()).collect();
    assert!(errors.is_empty(), "{errors:#?}");
    s
}

/// A response's items without `text` (what is compared is the structure and the answers).
fn without_text(v: &Value) -> Value {
    match v {
        Value::Object(m) => Value::Object(
            m.iter()
                .filter(|(k, _)| k.as_str() != "text")
                .map(|(k, v)| (k.clone(), without_text(v)))
                .collect(),
        ),
        Value::Array(a) => Value::Array(a.iter().map(without_text).collect()),
        other => other.clone(),
    }
}

fn at(q: &Questionnaire, link: &str, inst: &[u16]) -> triage::engine::At {
    triage::engine::At {
        item: q.item_index(link).expect(link),
        inst: triage::engine::Inst::from_slice(inst).expect("depth"),
    }
}

/// Variables by scope (LHC-Forms test/playwright/integration/R4/variables.spec.ts, "variable
/// scope test form"): field B answered 1 and 2 (a repeating field in a repeating group) gives
/// C = 8 (X = first B = 1, Y = X + 2, C = Y + 4 + Z with Z = 1); D, which reads a variable of
/// another group, stays empty; E = 16 (X in group B is C). A second group A with B = 3 gives
/// C = 10 there, the first group's C staying 8.
#[test]
fn variable_scope_follows_the_lhc_forms_test() {
    let Some(dir) = corpus() else { return };
    let q = load(&dir, "lforms__test__data__R4__variable-scope-test");
    let mut s = fill(&q, &serde_json::json!({ "/groupA/fieldB": [[1, 2]] }));
    let c = |s: &Session<'_>, k: u16| s.answer_at(at(&q, "/groupA/fieldC", &[k])).cloned();
    assert_eq!(c(&s, 0), Some(triage::answer::Answer::Number(8.0)));
    assert_eq!(s.answer(q.item_index("/groupB/fieldD").expect("D")), None);
    assert_eq!(
        s.answer(q.item_index("/groupB/fieldE").expect("E")),
        Some(&triage::answer::Answer::Number(16.0))
    );
    s.add_instance(at(&q, "/groupA", &[1]))
        .expect("a second group A");
    s.set_at(
        at(&q, "/groupA/fieldB", &[1, 0]),
        triage::answer::Answer::Number(3.0),
    )
    .expect("B");
    assert_eq!(c(&s, 0), Some(triage::answer::Answer::Number(8.0)));
    assert_eq!(c(&s, 1), Some(triage::answer::Answer::Number(10.0)));
    // In the response: two group A items, C = 8 and C = 10; E = 16; no D.
    let r = response(&s);
    let found: Vec<(String, Vec<Value>)> = answers(&r);
    let of = |link: &str| -> Vec<Value> {
        found
            .iter()
            .filter(|(l, _)| l == link)
            .flat_map(|(_, v)| v.clone())
            .collect()
    };
    assert_eq!(
        of("/groupA/fieldC"),
        [
            serde_json::json!({"valueInteger": 8}),
            serde_json::json!({"valueInteger": 10})
        ]
    );
    assert_eq!(
        of("/groupB/fieldE"),
        [serde_json::json!({"valueInteger": 16})]
    );
    assert!(of("/groupB/fieldD").is_empty());
}

/// Items under a repeating choice item (LHC-Forms test/data/R4/qr-items-under-repeating-choice-
/// item.json, the response its Playwright test expects): each chosen answer carries its own
/// child items, a repeating integer's answers are one item, and the same holds one level
/// down. Given in the answers-file form (objects keyed by the chosen answer).
#[test]
fn items_under_a_repeating_choice_match_the_lhc_forms_response() {
    let Some(dir) = corpus() else { return };
    let q = load(
        &dir,
        "lforms__test__data__R4__q-items-under-repeating-choice-item",
    );
    let s = fill(
        &q,
        &serde_json::json!({
            "/choice": ["C1", "C2"],
            "/choice/st": {"C1": "a", "C2": "aa"},
            "/choice/int": {"C1": [1, 2], "C2": [11, 22]},
            "/choice/group/st": {"C1": "b", "C2": "bb"},
            "/choice/group/int": {"C1": [3, 4], "C2": [33, 44]},
            "/choice/choice": {"C1": ["c2", "c3"], "C2": ["c2", "c3"]},
            "/choice/choice/st": {"C1": {"c2": "c", "c3": "d"}, "C2": {"c2": "cc", "c3": "dd"}},
            "/choice/choice/int": {"C1": {"c2": [5, 6], "c3": [7, 8]}, "C2": {"c2": [55, 66], "c3": [77, 88]}}
        }),
    );
    let st =
        |link: &str, v: &str| serde_json::json!({"linkId": link, "answer": [{"valueString": v}]});
    let ints = |link: &str, a: i64, b: i64| serde_json::json!({"linkId": link, "answer": [{"valueInteger": a}, {"valueInteger": b}]});
    let inner = |code: &str, display: &str, s: &str, a: i64, b: i64| {
        serde_json::json!({"valueCoding": {"code": code, "display": display},
            "item": [st("/choice/choice/st", s), ints("/choice/choice/int", a, b)]})
    };
    #[allow(clippy::too_many_arguments)]
    let outer = |code: &str,
                 display: &str,
                 s1: &str,
                 i: [i64; 2],
                 s2: &str,
                 g: [i64; 2],
                 c: [Value; 2]| {
        serde_json::json!({"valueCoding": {"code": code, "display": display}, "item": [
            st("/choice/st", s1),
            ints("/choice/int", i[0], i[1]),
            {"linkId": "/choice/group", "item": [st("/choice/group/st", s2), ints("/choice/group/int", g[0], g[1])]},
            {"linkId": "/choice/choice", "answer": c}
        ]})
    };
    let expected = serde_json::json!([{
        "linkId": "/choice",
        "answer": [
            outer("C1", "Answer A", "a", [1, 2], "b", [3, 4],
                [inner("c2", "Answer 2", "c", 5, 6), inner("c3", "Answer 3", "d", 7, 8)]),
            outer("C2", "Answer B", "aa", [11, 22], "bb", [33, 44],
                [inner("c2", "Answer 2", "cc", 55, 66), inner("c3", "Answer 3", "dd", 77, 88)]),
        ]
    }]);
    assert_eq!(without_text(&response(&s)["item"]), expected);
}

/// Child items of a check-box question (LHC-Forms test/playwright/integration/question-with-
/// sub-items.spec.ts): Apple and Banana ticked (Orange ticked and unticked again) with 11 and
/// 22 give one answer per fruit, each with its own child answer; nothing of Orange remains.
#[test]
fn checkbox_children_per_answer_follow_the_lhc_forms_test() {
    let Some(dir) = corpus() else { return };
    let q = load(&dir, "lforms__test__data__R4__checkbox-with-child-items");
    let parent = q.item_index("parent-checkbox").expect("parent");
    let mut s = Session::new(&q, common::visit());
    s.set(parent, triage::answer::Answer::Multi(vec![0, 1, 2]))
        .expect("three");
    s.set_at(
        at(&q, "child-integer", &[2]),
        triage::answer::Answer::Number(33.0),
    )
    .expect("orange");
    s.set(parent, triage::answer::Answer::Multi(vec![0, 1]))
        .expect("two");
    s.set_at(
        at(&q, "child-integer", &[0]),
        triage::answer::Answer::Number(11.0),
    )
    .expect("apple");
    s.set_at(
        at(&q, "child-integer", &[1]),
        triage::answer::Answer::Number(22.0),
    )
    .expect("banana");
    let r = response(&s);
    let answers = r["item"][0]["answer"].as_array().expect("answers");
    assert_eq!(answers.len(), 2);
    assert_eq!(
        answers[0],
        serde_json::json!({"valueCoding": {"code": "a", "display": "Apple"},
            "item": [{"answer": [{"valueInteger": 11}], "linkId": "child-integer", "text": "How many of this?"}]})
    );
    assert_eq!(
        answers[1],
        serde_json::json!({"valueCoding": {"code": "b", "display": "Banana"},
            "item": [{"answer": [{"valueInteger": 22}], "linkId": "child-integer", "text": "How many of this?"}]})
    );
}

/// Read-only repeating items (LHC-Forms readonly-test.spec.ts with test/data/R4/qr-with-
/// readonly-repeating-items.json): they are never asked and cannot be added to by the
/// patient; answers given to them (as that response holds) are written back unchanged.
#[test]
fn readonly_repeating_items_follow_the_lhc_forms_response() {
    let Some(dir) = corpus() else { return };
    let q = load(
        &dir,
        "lforms__test__data__R4__q-with-readonly-repeating-items",
    );
    let fresh = Session::new(&q, common::visit());
    assert!(fresh.steps().next().is_none(), "nothing is asked");
    let s = fill(
        &q,
        &serde_json::json!({"q1": ["aaa", "bbb"], "g1q1": ["ccc", "ddd"]}),
    );
    assert!(
        !s.steps()
            .any(|st| matches!(st, triage::engine::Step::More(_))),
        "no 'add another' for read-only items"
    );
    assert_eq!(
        response(&s)["item"],
        serde_json::json!([
            {"linkId": "q1", "text": "read-only, repeating item, string",
             "answer": [{"valueString": "aaa"}, {"valueString": "bbb"}]},
            {"linkId": "g1", "text": "a group", "item": [
                {"linkId": "g1q1", "text": "read-only, repeating item, string in a group",
                 "answer": [{"valueString": "ccc"}, {"valueString": "ddd"}]}]}
        ])
    );
}

/// Several initial values on a repeating question (LHC-Forms add-remove-repeating-row.spec.ts):
/// two instances, 10.5 and 2, each with its own child starting with the child's initial value.
#[test]
fn multiple_initial_values_make_instances() {
    let Some(dir) = corpus() else { return };
    let q = load(
        &dir,
        "lforms__test__data__R4__q-with-multiple-initial-values-and-child-items",
    );
    let s = Session::new(&q, common::visit());
    let d = |k| s.answer_at(at(&q, "parent-decimal", &[k])).cloned();
    assert_eq!(d(0), Some(triage::answer::Answer::Number(10.5)));
    assert_eq!(d(1), Some(triage::answer::Answer::Number(2.0)));
    let r = response(&s);
    let answers = r["item"][0]["answer"].as_array().expect("answers");
    assert_eq!(answers.len(), 2);
    for a in answers {
        assert_eq!(a["item"][0]["answer"][0]["valueString"], "child value");
    }
}

/// minOccurs and maxOccurs (LHC-Forms lforms_validation.spec.ts): the repeatable group needs at
/// least 2 answered occurrences and takes at most 3; the check-box question takes 2 to 3
/// answers (one or four are refused with a message).
#[test]
fn min_and_max_occurs_follow_the_lhc_forms_test() {
    let Some(dir) = corpus() else { return };
    let q = load(&dir, "lforms__test__data__R4__q-with-minOccurs-maxOccurs");
    let mut s = Session::new(&q, common::visit());
    let group = q.item_index("1").expect("group");
    assert_eq!(
        s.instance_count(group, triage::engine::Inst::ROOT),
        2,
        "minOccurs 2 asked"
    );
    let fruits = |k: u16| at(&q, "1.3", &[k]);
    assert!(
        s.set_at(fruits(0), triage::answer::Answer::Multi(vec![0]))
            .is_err(),
        "one is too few"
    );
    assert!(
        s.set_at(fruits(0), triage::answer::Answer::Multi(vec![0, 1, 2, 3]))
            .is_err(),
        "four are too many"
    );
    for k in 0..2 {
        s.set_at(
            at(&q, "1.1", &[k]),
            triage::answer::Answer::Multi(vec![0, 1]),
        )
        .expect("1.1");
        s.set_at(fruits(k), triage::answer::Answer::Multi(vec![0, 1]))
            .expect("1.3");
    }
    assert!(s.is_complete(), "{:?}", s.problems().collect::<Vec<_>>());
    s.add_instance(at(&q, "1", &[2])).expect("a third");
    assert!(!s.can_add(at(&q, "1", &[3])), "maxOccurs 3");
    s.remove_instance(at(&q, "1", &[0]));
    s.remove_instance(at(&q, "1", &[0]));
    assert!(
        s.problems()
            .any(|p| matches!(p, triage::engine::Problem::TooFew(_, 2))),
        "one answered group is too few: {:?}",
        s.problems().collect::<Vec<_>>()
    );
}

/// Repeating group with date fields (LHC-Forms lforms_one_unused_repeating_item.spec.ts): no
/// new group while the last one is empty; a date in it allows the next, and so does a
/// date-time in the second.
#[test]
fn date_in_repeating_group_adds_only_after_an_answer() {
    let Some(dir) = corpus() else { return };
    let q = load(&dir, "lforms__test__data__R4__date-in-repeating-group");
    let mut s = Session::new(&q, common::visit());
    let more = |k| triage::engine::Step::More(at(&q, "X1", &[k]));
    assert!(!s.is_step_at(more(1)), "the first group is empty");
    s.set_at(
        at(&q, "X11", &[0]),
        common::answer(&q, q.item_index("X11").expect("X11"), "@2022-01-01"),
    )
    .expect("date");
    assert!(s.is_step_at(more(1)));
    s.add_instance(at(&q, "X1", &[1])).expect("second");
    assert!(!s.is_step_at(more(2)), "the second group is empty");
    s.set_at(
        at(&q, "X12", &[1]),
        common::answer(&q, q.item_index("X12").expect("X12"), "@2022-01-01"),
    )
    .expect("date-time");
    assert!(s.is_step_at(more(2)));
    let r = response(&s);
    let groups: Vec<&Value> = r["item"].as_array().expect("items").iter().collect();
    assert_eq!(groups.len(), 2);
    assert_eq!(groups[0]["item"][0]["answer"][0]["valueDate"], "2022-01-01");
    assert_eq!(
        groups[1]["item"][0]["answer"][0]["valueDateTime"],
        "2022-01-01"
    );
}

/// enableWhenExpression (LHC-Forms lforms_skiplogic.cy.ts): q4 is shown when n1 + n2 + n3 >= 5;
/// with n1 = 5 and q4 answered the group has two answered items; n1 = 4 hides q4 and takes it
/// out of the response.
#[test]
fn enable_when_expression_follows_the_lhc_forms_test() {
    let Some(dir) = corpus() else { return };
    let q = load(&dir, "lforms__test__data__R4__enableWhenExpressionTest");
    let mut s = Session::new(&q, common::visit());
    let q4 = q.item_index("q4").expect("q4");
    assert!(!s.is_visible(q4));
    put(&mut s, "n1", Some("#1"));
    put(&mut s, "n2", Some("#2"));
    assert!(!s.is_visible(q4), "3 < 5");
    put(&mut s, "n3", Some("#3"));
    assert!(s.is_visible(q4), "6 >= 5");
    put(&mut s, "n2", None);
    put(&mut s, "n3", None);
    put(&mut s, "n1", Some("#5"));
    put(&mut s, "q4", Some("'888"));
    assert_eq!(
        response(&s)["item"][0]["item"].as_array().map(Vec::len),
        Some(2)
    );
    put(&mut s, "n1", Some("#4"));
    assert!(!s.is_visible(q4));
    assert_eq!(
        response(&s)["item"][0]["item"].as_array().map(Vec::len),
        Some(1)
    );
}

/// enableWhen on a FHIRPath-calculated score (LHC-Forms enableWhen-on-fhirpath-calculated-
/// values.spec.ts): the score counts the "Yes" answers; neither result shows until all five
/// are answered; 5 (and 4) show the positive result, 3 the negative.
#[test]
fn enable_when_on_calculated_score_follows_the_lhc_forms_test() {
    let Some(dir) = corpus() else { return };
    let q = load(
        &dir,
        "lforms__test__data__R4__enableWhenOnCalculatedValueFromFHIRPath",
    );
    let mut s = Session::new(&q, common::visit());
    let score = |s: &Session<'_>| {
        s.answer(q.item_index("fruitScore").expect("score"))
            .cloned()
    };
    let shown = |s: &Session<'_>, id: &str| s.is_visible(q.item_index(id).expect(id));
    for (k, link) in (0u8..).zip(["Q1apples", "Q2berries", "Q3cherries", "Q4dates"]) {
        put(&mut s, link, Some("LA33-6"));
        assert_eq!(
            score(&s),
            Some(triage::answer::Answer::Number(f64::from(k) + 1.0))
        );
    }
    assert!(!shown(&s, "posResultInterpretation") && !shown(&s, "negResultInterpretation"));
    put(&mut s, "Q5figs", Some("LA33-6"));
    assert_eq!(score(&s), Some(triage::answer::Answer::Number(5.0)));
    assert!(shown(&s, "posResultInterpretation") && !shown(&s, "negResultInterpretation"));
    put(&mut s, "Q1apples", Some("LA32-8"));
    assert_eq!(score(&s), Some(triage::answer::Answer::Number(4.0)));
    assert!(shown(&s, "posResultInterpretation") && !shown(&s, "negResultInterpretation"));
    put(&mut s, "Q2berries", Some("LA32-8"));
    assert_eq!(score(&s), Some(triage::answer::Answer::Number(3.0)));
    assert!(!shown(&s, "posResultInterpretation") && shown(&s, "negResultInterpretation"));
    assert_eq!(
        answer_of(&response(&s), "fruitScore"),
        Some(serde_json::json!({"valueInteger": 3}))
    );
}

/// Named calculated expressions used as variables (LHC-Forms R4/variables.spec.ts, "variables
/// from named expressions"): A = 1 gives C = 6 (B = A + 1, D = B + 2, E = D + 1, C = E + 1);
/// A cleared gives no C; A = 2 gives C = 7.
#[test]
fn named_expressions_follow_the_lhc_forms_test() {
    let Some(dir) = corpus() else { return };
    let q = load(&dir, "lforms__test__data__R4__named-expressions");
    let mut s = Session::new(&q, common::visit());
    let c = |s: &Session<'_>| s.answer(q.item_index("idC").expect("C")).cloned();
    put(&mut s, "idA", Some("#1"));
    assert_eq!(c(&s), Some(triage::answer::Answer::Number(6.0)));
    put(&mut s, "idA", None);
    assert_eq!(c(&s), None);
    put(&mut s, "idA", Some("#2"));
    assert_eq!(c(&s), Some(triage::answer::Answer::Number(7.0)));
    assert_eq!(
        answer_of(&response(&s), "idC"),
        Some(serde_json::json!({"valueInteger": 7}))
    );
}

/// A question under a question that has no answer (LHC-Forms lforms_fhirdata.cy.js, "should
/// NOT get answers from a question that is under a question that has no answer values"): the
/// child's answer is not in the response, alone or inside a group.
#[test]
fn child_of_an_unanswered_question_is_not_in_the_response() {
    let Some(dir) = corpus() else { return };
    for name in [
        "lforms__test__data__R4__question-under-question.R4",
        "lforms__test__data__R4__group-under-question.R4",
    ] {
        let q = load(&dir, name);
        let mut s = Session::new(&q, common::visit());
        put(&mut s, "q2", Some("'123"));
        assert!(response(&s).get("item").is_none(), "{name}");
    }
}

/// Units offered on quantities (LHC-Forms test/karma/fhir-sdc.spec.js, q-with-unit-in-quantity-
/// and-units): the respiratory rate offers its 2 units with {breaths}/min first; the body
/// height offers cm and mm plus the initial value's m, which is the default; the initial
/// values keep their units in the response.
#[test]
fn quantity_units_follow_the_lhc_forms_test() {
    let Some(dir) = corpus() else { return };
    let q = load(
        &dir,
        "lforms__test__data__R4__q-with-unit-in-quantity-and-units",
    );
    let codes = |id: &str| -> Vec<String> {
        q.item(q.item_index(id).expect(id))
            .unit_choices()
            .iter()
            .filter_map(|u| u.code.clone())
            .collect()
    };
    assert_eq!(codes("/resp-rate"), ["{breaths}/min", "{counts}/min"]);
    assert_eq!(codes("/body-height"), ["cm", "mm", "m"]);
    let height = q.item(q.item_index("/body-height").expect("height"));
    assert_eq!(height.default_unit(), 2);
    let s = Session::new(&q, common::visit());
    let r = response(&s);
    assert_eq!(
        answer_of(&r, "/body-height").expect("initial")["valueQuantity"],
        serde_json::json!({"value": 1.8, "unit": "m", "system": "http://unitsofmeasure.org", "code": "m"})
    );
    assert_eq!(
        answer_of(&r, "/resp-rate").expect("initial")["valueQuantity"]["code"],
        "{breaths}/min"
    );
}

/// A plausible answer for an occurrence: the first option (first two for a multi-choice that
/// needs two), a number within the limits, yesterday, or a short text.
fn plausible(q: &Questionnaire, at: triage::engine::At) -> Option<triage::answer::Answer> {
    use triage::answer::{Answer, PartialDate};
    use triage::questionnaire::{ChoiceStyle, QuestionKind};
    let it = q.item(at.item);
    Some(match it.question()? {
        QuestionKind::Choice {
            style: ChoiceStyle::Multi,
            options,
        } => {
            let need = u32::from(it.occurs.map_or(1, |o| o.min.max(1)));
            let offered = u32::try_from(options.len()).expect("an option count fits u32");
            Answer::Multi((0..need.min(offered)).collect())
        }
        QuestionKind::Choice { .. } => Answer::Choice(0),
        QuestionKind::Number { min, max, .. } => {
            let n = min
                .unwrap_or(0.0)
                .max(1.0)
                .min(max.unwrap_or(f64::MAX))
                .ceil();
            if it.unit_choices().is_empty() {
                Answer::Number(n)
            } else {
                Answer::Quantity {
                    value: n,
                    unit: it.default_unit(),
                    base: None,
                }
            }
        }
        QuestionKind::Date { .. } => Answer::Date(PartialDate::full(
            common::visit().yesterday().expect("a day before"),
        )),
        QuestionKind::Text { .. } => Answer::Text("12:30".into()),
    })
}

/// Every file that loads can be walked to its end answering each screen plausibly (and adding
/// one more instance at each "add another"), and the response it gives passes triage's own
/// QuestionnaireResponse check with no error.
#[test]
fn every_loaded_file_walks_to_a_valid_response() {
    let Some(dir) = corpus() else { return };
    for (name, want) in EXPECTED {
        let q = match want {
            Loads => load(&dir, name),
            WithValueSets => load_local(&dir, name),
            Refused(_) => continue,
        };
        let mut s = Session::new(&q, common::visit());
        let mut step = s.next_step(None);
        let mut added = std::collections::HashSet::new();
        let mut guard = 0;
        while let Some(here) = step {
            guard += 1;
            assert!(guard < 5_000, "{name}: the walk does not end");
            match here {
                triage::engine::Step::Item(at) => {
                    if s.stored_at(at).is_none()
                        && let Some(a) = plausible(&q, at)
                    {
                        // Some answers do not fit (a pattern, a rule): the screen is left empty.
                        let _ = s.set_at(at, a);
                    }
                }
                triage::engine::Step::More(at) => {
                    if added.insert(at.item) && s.add_instance(at).is_some() {
                        step = s.next_step(Some(here));
                        continue;
                    }
                }
            }
            step = s.next_step(Some(here));
        }
        let r = triage::fhir::try_questionnaire_response(&s, "2025-06-02T10:00:00+00:00")
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        let (diags, _) = triage::fhir::check_response::check_response(&r);
        let errors: Vec<_> = diags.iter().filter(|d| d.is_error()).collect();
        assert!(errors.is_empty(), "{name}: {errors:#?}");
    }
}

/// Smart Forms' Australian CVD risk calculator (2023), whose gender question is bound to FHIR
/// R4's administrative-gender value set, kept locally by the clinic. The result is the 5-year
/// risk of Anderson et al. 1991 (Am Heart J 121:293; the Framingham equation the form's
/// variables write out, with age held to 35-74), worked out independently for these answers:
/// a woman of 60, systolic 140 mmHg, total cholesterol 5.5 and HDL 1.3 mmol/L, smoker, no
/// diabetes, no ECG LVH: 10.58 %, rounded 11; a man with the same answers: 16.31 %, 16; a
/// woman of 80 counts as 74: 16.83 %, 17. The gender recorded is the value set's coding.
#[test]
fn cvd_risk_2023_uses_the_clinics_administrative_gender() {
    let Some(dir) = corpus() else { return };
    let q = load_local(
        &dir,
        "smartforms__apps__smart-forms-app__src__data__resources__Questionnaire__CVD-Risk-2023",
    );
    let gender = "418e4a02-de77-48a0-a92a-fe8fcc52b1aa";
    let age = "e2a16e4d-2765-4b61-b286-82cfc6356b30";
    let score = "ca830916-e2ee-4b24-a4c1-13eee23f8733";
    let codes: Vec<&str> = q
        .item(q.item_index(gender).expect("gender"))
        .options()
        .iter()
        .map(|o| o.value.as_str())
        .collect();
    assert_eq!(codes, ["male", "female", "other", "unknown"]);
    let mut s = Session::new(&q, common::visit());
    for (link, v) in [
        (gender, "female"),
        (age, "#60"),
        ("b639a3a8-f476-4cc8-b5c7-f5d2abb23511", "77176002"),
        ("4b98f514-2f6a-41f3-ad9d-185abc68ae34", "#140"),
        ("f11feebc-fc4a-40d5-8481-b87d9f5a89aa", "#5.5"),
        ("c47a7fae-0c60-40f8-8426-1019b1f0dd8f", "#1.3"),
        ("e8fed84e-6c15-4f62-bc95-cd08033af3f7", "false"),
        ("b980624c-e91a-44d4-80ba-a9f34c0e1188", "false"),
    ] {
        put(&mut s, link, Some(v));
    }
    let r = response(&s);
    assert_eq!(
        answer_of(&r, score),
        Some(serde_json::json!({"valueInteger": 11}))
    );
    let g = answer_of(&r, gender).expect("gender");
    assert_eq!(
        g["valueCoding"]["system"],
        "http://hl7.org/fhir/administrative-gender"
    );
    assert_eq!(g["valueCoding"]["code"], "female");
    assert_eq!(g["valueCoding"]["display"], "Female");
    put(&mut s, gender, Some("male"));
    assert_eq!(
        answer_of(&response(&s), score),
        Some(serde_json::json!({"valueInteger": 16}))
    );
    put(&mut s, gender, Some("female"));
    put(&mut s, age, Some("#80"));
    assert_eq!(
        answer_of(&response(&s), score),
        Some(serde_json::json!({"valueInteger": 17}))
    );
}

/// HL7 SDC's pre-population example (fhirpath-prepop-source-query) at a kiosk: no patient
/// record, so nothing is pre-filled (a warning) and the patient gives each medicine; its
/// category comes from FHIR R4's medicationrequest-category value set (4.0.1: inpatient,
/// outpatient, community, discharge), kept locally by the clinic, and is recorded as that
/// value set's coding, with its system, inside the medicine's own group instance.
#[test]
fn sdc_prepop_medication_category_from_the_clinics_value_set() {
    let Some(dir) = corpus() else { return };
    let q = load_local(
        &dir,
        "hl7-sdc__input__examples__questionnaire-sdc-test-fhirpath-prepop-source-query",
    );
    let cat = q.item(q.item_index("med-category").expect("item"));
    let codes: Vec<&str> = cat.options().iter().map(|o| o.value.as_str()).collect();
    assert_eq!(codes, ["inpatient", "outpatient", "community", "discharge"]);
    let s = fill(
        &q,
        &serde_json::json!({
            "med-name": ["Aspirin", "Salbutamol"],
            "med-category": [["community"], ["outpatient", "discharge"]],
        }),
    );
    let r = response(&s);
    let meds: Vec<&Value> = r["item"][0]["item"]
        .as_array()
        .expect("items")
        .iter()
        .filter(|i| i["linkId"] == "meds")
        .collect();
    assert_eq!(meds.len(), 2, "{r:#}");
    let codings = |m: &Value| -> Vec<(String, String, String)> {
        m["item"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|i| i["linkId"] == "med-category")
            .flat_map(|i| i["answer"].as_array().cloned().unwrap_or_default())
            .map(|a| {
                let c = &a["valueCoding"];
                (
                    c["system"].as_str().unwrap_or("").to_owned(),
                    c["code"].as_str().unwrap_or("").to_owned(),
                    c["display"].as_str().unwrap_or("").to_owned(),
                )
            })
            .collect()
    };
    let sys = "http://terminology.hl7.org/CodeSystem/medicationrequest-category".to_owned();
    assert_eq!(
        codings(meds[0]),
        [(sys.clone(), "community".into(), "Community".into())]
    );
    assert_eq!(
        codings(meds[1]),
        [
            (sys.clone(), "outpatient".into(), "Outpatient".into()),
            (sys, "discharge".into(), "Discharge".into())
        ]
    );
}

/// Smart Forms' AU Core Immunization form at a kiosk: no patient record, so nothing is
/// pre-filled. Its status and vaccine questions are bound to FHIR R4's immunization-status and
/// vaccine-code value sets, kept locally by the clinic as hl7.fhir.r4.expansions 4.0.1
/// publishes them: the 3 event statuses, and the 268 vaccines of CVX (195) and the Australian
/// Immunisation Register (73), in the published order. The vaccine recorded is the published
/// coding, with its system.
#[test]
fn au_core_immunization_vaccines_from_r4s_published_expansion() {
    let Some(dir) = corpus() else { return };
    let q = load_local(
        &dir,
        "smartforms__packages__smart-forms-renderer__src__stories__assets__questionnaires__AuCoreTestingJson__AuCoreImmunization",
    );
    let codes = |link: &str| -> Vec<(String, String)> {
        q.item(q.item_index(link).expect(link))
            .options()
            .iter()
            .map(|o| (o.system.clone().unwrap_or_default(), o.value.clone()))
            .collect()
    };
    let status: Vec<String> = codes("status").into_iter().map(|(_, c)| c).collect();
    assert_eq!(status, ["completed", "entered-in-error", "not-done"]);
    let vaccines = codes("vaccineCode");
    assert_eq!(vaccines.len(), 268);
    let cvx = "http://hl7.org/fhir/sid/cvx";
    let air = "urn:oid:1.2.36.1.2001.1005.17";
    assert_eq!(vaccines.iter().filter(|(s, _)| s == cvx).count(), 195);
    assert_eq!(vaccines.iter().filter(|(s, _)| s == air).count(), 73);
    assert_eq!(vaccines[0], (cvx.to_owned(), "143".to_owned()));
    assert_eq!(vaccines[267], (air.to_owned(), "VRVAX".to_owned()));
    let s = fill(
        &q,
        &serde_json::json!({ "status": "completed", "vaccineCode": "03" }),
    );
    let r = response(&s);
    assert_eq!(
        answer_of(&r, "vaccineCode"),
        Some(serde_json::json!({"valueCoding": {"system": cvx, "code": "03", "display": "MMR"}}))
    );
    assert_eq!(
        answer_of(&r, "status").expect("status")["valueCoding"]["system"],
        "http://hl7.org/fhir/event-status"
    );
}

/// HL7 SDC's repeatable-nested-groups test names its service-type value set by its address on
/// the test server it was written against (`https://sqlonfhir-r4.azurewebsites.net/fhir/ValueSet/
/// 866d7924e20711d48c540020182939f7`). The clinic keeps that server's answer (as captured in
/// LHC-Forms' own test: the ValueSet with that id, canonical `.../tcm/ValueSet/ARE`, 9
/// Australian states and territories) in a Bundle whose entry `fullUrl` is that address. Each
/// instance of the repeating group records its own state, as the published coding.
#[test]
fn sdc_repeatable_nested_groups_service_type_from_the_servers_address() {
    let Some(dir) = corpus() else { return };
    let q = load_local(
        &dir,
        "hl7-sdc__input__examples__questionnaire-sdc-test-repeatable-nested-groups",
    );
    let service = "34b78239-1df2-49c5-a1ab-8f5691c7ede0";
    let labels: Vec<(&str, &str)> = q
        .item(q.item_index(service).expect("item"))
        .options()
        .iter()
        .map(|o| (o.value.as_str(), o.label.as_str()))
        .collect();
    assert_eq!(
        labels,
        [
            ("8", "Australian Capital Territory"),
            ("7", "Northern Territory"),
            ("1", "NSW"),
            ("9", "Other Territories"),
            ("3", "Queensland"),
            ("4", "South Australia"),
            ("6", "Tasmania"),
            ("2", "Victoria"),
            ("5", "Western Australia"),
        ]
    );
    let s = fill(&q, &serde_json::json!({ service: ["2", "6"] }));
    let r = response(&s);
    let sys = "http://fhir.telstrahealth.com/tcm/CodeSystem/ARE_local";
    let groups: Vec<&Value> = r["item"][0]["item"]
        .as_array()
        .expect("items")
        .iter()
        .filter(|i| i["linkId"] == "ba91450b-6e67-40dc-8629-0f1b60577774")
        .collect();
    let chosen: Vec<&Value> = groups
        .iter()
        .map(|g| &g["item"][0]["answer"][0]["valueCoding"])
        .collect();
    assert_eq!(
        chosen,
        [
            &serde_json::json!({"system": sys, "code": "2", "display": "Victoria"}),
            &serde_json::json!({"system": sys, "code": "6", "display": "Tasmania"}),
        ],
        "{r:#}"
    );
}
