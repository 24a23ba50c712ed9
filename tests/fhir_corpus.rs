//! The corpus of 69 real FHIR Questionnaires (`FHIR_CORPUS`, set by `.ci/run`; never copied
//! here). Each file has a recorded expectation: it loads and runs, or it is refused with an error
//! naming the feature and its JSON path. Scripted answers for loaded files check the response
//! against values taken from the instruments' definitions and the FHIR/SDC specifications (each
//! test says where), never from triage's own output. Without the variable these tests print
//! "skipped: FHIR_CORPUS not set"; with it naming a missing folder they fail.

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
        Refused("terminology server"),
    ),
    (
        "hl7-sdc__input__examples__questionnaire-sdc-test-initial-value-multiple",
        Refused("terminology server"),
    ),
    (
        "hl7-sdc__input__examples__questionnaire-sdc-test-repeatable-nested-groups",
        Refused("terminology server"),
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
        Refused("terminology server"),
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
        Refused("terminology server"),
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

/// Every corpus file has an expectation, and each loads or is refused as recorded: a refusal
/// names the feature and the JSON path where it is; a loaded file can be walked and answered.
#[test]
fn every_corpus_file_loads_or_is_refused_by_name() {
    let Some(dir) = corpus() else { return };
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .expect("corpus folder")
        .filter_map(|e| e.ok())
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
    let mut wrong = Vec::new();
    for (name, want) in EXPECTED {
        let src = std::fs::read_to_string(file(&dir, name)).expect("read");
        let loaded = triage::fhir::load_fhir_with(&src, None);
        let errors: Vec<String> = loaded
            .diagnostics
            .iter()
            .filter(|d| d.is_error())
            .map(|d| format!("{d:?}"))
            .collect();
        match (want, &loaded.questionnaire) {
            (Loads, Some(q)) => {
                // Walk it: every step, and the response, with nothing answered.
                let s = Session::new(q, common::visit());
                let _ = s.steps().count();
                let r = triage::fhir::questionnaire_response(&s, "2025-06-02T10:00:00+00:00");
                assert_eq!(r["resourceType"], "QuestionnaireResponse");
            }
            (Refused(feature), None) => {
                if !errors.iter().any(|e| e.contains(feature)) {
                    wrong.push(format!(
                        "{name}: refused, but no error names `{feature}`: {errors:#?}"
                    ));
                }
            }
            (Loads, None) => wrong.push(format!("{name}: should load, refused: {errors:#?}")),
            (Refused(f), Some(_)) => {
                wrong.push(format!("{name}: should be refused ({f}) but loads"))
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    let loads = EXPECTED.iter().filter(|(_, e)| *e == Loads).count();
    println!("{loads} of {} corpus files load", EXPECTED.len());
}

/// Every refusal from `triage check` names a JSON path (`at item[...]`), never only the file.
#[test]
fn refusals_name_the_json_path() {
    let Some(dir) = corpus() else { return };
    for (name, want) in EXPECTED {
        let Refused(feature) = want else { continue };
        if *feature == "JSON:" {
            continue; // a syntax error names line:column instead
        }
        let out = std::process::Command::new(assert_cmd::cargo::cargo_bin("triage"))
            .arg("check")
            .arg(file(&dir, name))
            .output()
            .expect("runs");
        assert_eq!(out.status.code(), Some(1), "{name}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(".json at "), "{name}: {stderr}");
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
    for (k, link) in items.iter().enumerate() {
        let i = q.item_index(link).expect("item");
        let opt = (k % 4) as u32;
        s.set(i, triage::answer::Answer::Choice(opt))
            .expect("answer");
        assert_eq!(
            q.item(i).options()[opt as usize].ordinal,
            Some(opt as f64),
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
