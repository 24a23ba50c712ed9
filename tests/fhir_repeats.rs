//! Repeating FHIR items ("add another"): a repeating group with per-instance conditions and a
//! calculation from per-instance variables, a repeating free-entry question with a child per
//! answer, and a multi-choice question whose child is asked once per chosen answer. Checked
//! through the session, the QuestionnaireResponse (FHIR R4: each group instance its own item;
//! a repeating question's answers in one item, qrs-2; a question's children inside its
//! answer), the answers-file form and the doctor's page. The fixture is made up
//! (`tests/fixtures/fhir/repeats.json`).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "a test stops at the first thing that is wrong, saying what"
)]

mod common;

use std::path::Path;

use serde_json::json;
use triage::answer::Answer;
use triage::engine::{At, Inst, Session, Step};
use triage::questionnaire::Questionnaire;

fn load() -> Questionnaire {
    common::fhir::load(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/fhir/repeats.json"),
    )
}

fn at(q: &Questionnaire, id: &str, inst: &[u16]) -> At {
    At {
        item: common::idx(q, id),
        inst: Inst::from_slice(inst).expect("depth"),
    }
}

fn text(s: &str) -> Answer {
    Answer::Text(s.into())
}

/// Two medicines, two allergies with their reactions, two symptoms with their severities.
fn filled(q: &Questionnaire) -> Session<'_> {
    let mut s = Session::new(q, common::visit());
    s.set_at(at(q, "name", &[0]), text("Aspirin"))
        .expect("name");
    s.set_at(at(q, "dose", &[0]), Answer::Number(100.0))
        .expect("dose");
    s.set_at(at(q, "daily", &[0]), Answer::Choice(0))
        .expect("daily");
    s.set_at(at(q, "times", &[0]), Answer::Number(2.0))
        .expect("times");
    let new = s
        .add_instance(at(q, "meds", &[1]))
        .expect("a second medicine");
    assert_eq!(new, at(q, "meds", &[1]));
    s.set_at(at(q, "name", &[1]), text("Ibuprofen"))
        .expect("name");
    s.set_at(at(q, "dose", &[1]), Answer::Number(200.0))
        .expect("dose");
    s.set_at(at(q, "daily", &[1]), Answer::Choice(1))
        .expect("daily");
    s.set_at(at(q, "allergies", &[0]), text("Nuts"))
        .expect("allergy");
    s.set_at(at(q, "reaction", &[0]), text("Rash"))
        .expect("reaction");
    s.add_instance(at(q, "allergies", &[1]))
        .expect("a second allergy");
    s.set_at(at(q, "allergies", &[1]), text("Penicillin"))
        .expect("allergy");
    s.set_at(at(q, "reaction", &[1]), text("Swelling"))
        .expect("reaction");
    s.set(common::idx(q, "symptoms"), Answer::Multi(vec![0, 1]))
        .expect("symptoms");
    s.set_at(at(q, "severity", &[0]), Answer::Number(7.0))
        .expect("headache");
    s.set_at(at(q, "severity", &[1]), Answer::Number(3.0))
        .expect("nausea");
    s
}

/// A condition inside a repeating group reads its own instance's answers; a calculation from
/// the group's variables is worked out per instance; a calculation over the whole response
/// counts every instance.
#[test]
fn each_instance_has_its_own_conditions_and_calculations() {
    let q = load();
    let s = filled(&q);
    assert!(
        s.is_visible_at(at(&q, "times", &[0])),
        "taken daily: asked how often"
    );
    assert!(
        !s.is_visible_at(at(&q, "times", &[1])),
        "not daily: not asked"
    );
    assert_eq!(
        s.answer_at(at(&q, "total", &[0])),
        Some(&Answer::Number(200.0))
    );
    assert_eq!(
        s.answer_at(at(&q, "total", &[1])),
        None,
        "no times a day, no total"
    );
    assert_eq!(
        s.answer(common::idx(&q, "count")),
        Some(&Answer::Number(2.0))
    );
}

/// The walk-through: each instance's questions in turn, then "add another" once the last
/// instance has an answer; per-answer questions follow their chosen answer.
#[test]
fn steps_follow_the_instances() {
    let q = load();
    let fresh = Session::new(&q, common::visit());
    let first: Vec<Step> = fresh.steps().collect();
    assert!(
        !first.contains(&Step::More(at(&q, "meds", &[1]))),
        "nothing given yet: no 'add another'"
    );
    let s = filled(&q);
    let steps: Vec<Step> = s.steps().collect();
    let pos = |st: Step| {
        steps
            .iter()
            .position(|x| *x == st)
            .unwrap_or_else(|| panic!("{st:?}"))
    };
    assert!(pos(Step::Item(at(&q, "name", &[0]))) < pos(Step::Item(at(&q, "name", &[1]))));
    assert!(pos(Step::Item(at(&q, "dose", &[1]))) < pos(Step::More(at(&q, "meds", &[2]))));
    assert!(pos(Step::More(at(&q, "meds", &[2]))) < pos(Step::Item(at(&q, "allergies", &[0]))));
    assert!(pos(Step::Item(at(&q, "reaction", &[1]))) < pos(Step::More(at(&q, "allergies", &[2]))));
    assert!(pos(Step::Item(at(&q, "symptoms", &[]))) < pos(Step::Item(at(&q, "severity", &[0]))));
    assert!(pos(Step::Item(at(&q, "severity", &[0]))) < pos(Step::Item(at(&q, "severity", &[1]))));
    assert!(
        !steps.contains(&Step::Item(at(&q, "severity", &[2]))),
        "dizziness not chosen: not asked"
    );
    for st in &steps {
        if let Some(prev) = s.prev_step(*st) {
            assert_eq!(s.next_step(Some(prev)), Some(*st), "back then forward");
        }
    }
}

/// The QuestionnaireResponse (FHIR R4 QuestionnaireResponse): each group instance is its own
/// item with the same linkId; a repeating question's answers are one item's answers in order,
/// each carrying its child items; a multi-choice's per-answer children sit in each answer.
#[test]
fn response_has_an_item_per_group_instance_and_children_per_answer() {
    let q = load();
    let s = filled(&q);
    let r = triage::fhir::questionnaire_response(&s, "2025-06-02T10:00:00+00:00");
    let items = r["item"].as_array().expect("items");
    let meds: Vec<_> = items.iter().filter(|i| i["linkId"] == "meds").collect();
    assert_eq!(meds.len(), 2, "{r:#}");
    assert_eq!(
        meds[0]["item"][0]["answer"],
        json!([{"valueString": "Aspirin"}])
    );
    assert_eq!(
        meds[1]["item"][0]["answer"],
        json!([{"valueString": "Ibuprofen"}])
    );
    let total = meds[0]["item"]
        .as_array()
        .expect("items")
        .iter()
        .find(|i| i["linkId"] == "total")
        .expect("total");
    assert_eq!(total["answer"], json!([{"valueDecimal": 200.0}]));
    assert!(
        !meds[1].to_string().contains("\"times\""),
        "disabled in the second instance"
    );
    let allergies: Vec<_> = items
        .iter()
        .filter(|i| i["linkId"] == "allergies")
        .collect();
    assert_eq!(allergies.len(), 1, "one item, two answers (qrs-2)");
    assert_eq!(
        allergies[0]["answer"],
        json!([
            {"valueString": "Nuts", "item": [{"linkId": "reaction", "text": "What happens?", "answer": [{"valueString": "Rash"}]}]},
            {"valueString": "Penicillin", "item": [{"linkId": "reaction", "text": "What happens?", "answer": [{"valueString": "Swelling"}]}]}
        ])
    );
    let symptoms = items
        .iter()
        .find(|i| i["linkId"] == "symptoms")
        .expect("symptoms");
    assert_eq!(
        symptoms["answer"],
        json!([
            {"valueCoding": {"code": "headache", "display": "Headache"}, "item": [{"linkId": "severity", "text": "How bad is it, from 0 to 10?", "answer": [{"valueInteger": 7}]}]},
            {"valueCoding": {"code": "nausea", "display": "Nausea"}, "item": [{"linkId": "severity", "text": "How bad is it, from 0 to 10?", "answer": [{"valueInteger": 3}]}]}
        ])
    );
}

/// Answers files and drafts hold one list entry per instance, and an object keyed by the
/// chosen answer for per-answer items; reading them back gives the same response.
#[test]
fn answers_file_form_round_trips() {
    let q = load();
    let s = filled(&q);
    let j = |id: &str| triage::answers::item_json(&s, common::idx(&q, id), true);
    assert_eq!(j("name"), Some(json!(["Aspirin", "Ibuprofen"])));
    assert_eq!(j("times"), Some(json!([2])));
    assert_eq!(j("allergies"), Some(json!(["Nuts", "Penicillin"])));
    assert_eq!(j("severity"), Some(json!({"headache": 7, "nausea": 3})));
    let summary = triage::summary::to_json(&s, &triage::summary::Context::default());
    let stored: Vec<(String, serde_json::Value)> = summary["answers"]
        .as_object()
        .expect("answers")
        .iter()
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    let (back, errors) = triage::records::restore(&q, common::visit(), &stored);
    assert!(errors.is_empty(), "{errors:#?}");
    let r1 = triage::fhir::questionnaire_response(&s, "2025-06-02T10:00:00+00:00");
    let r2 = triage::fhir::questionnaire_response(&back, "2025-06-02T10:00:00+00:00");
    assert_eq!(r1, r2);
}

/// A value that is not a list for an item inside a repeat is refused, naming the repeat.
#[test]
fn answers_file_needs_a_list_inside_a_repeat() {
    let q = load();
    let mut s = Session::new(&q, common::visit());
    let file =
        triage::answers::parse_answers_file(r#"{"answers": {"name": "Aspirin"}}"#).expect("parses");
    let diags = triage::answers::fill_session(&mut s, &file.answers);
    assert!(
        diags
            .iter()
            .any(|d| d.is_error() && d.message.contains("repeating `meds`")),
        "{diags:#?}"
    );
}

/// `maxOccurs` limits "add another"; removing an instance moves the later ones up.
#[test]
fn max_occurs_and_removal() {
    let q = load();
    let mut s = filled(&q);
    assert!(
        s.add_instance(at(&q, "meds", &[2])).is_some(),
        "a third is allowed"
    );
    assert!(!s.can_add(at(&q, "meds", &[3])), "maxOccurs 3");
    assert_eq!(s.add_instance(at(&q, "meds", &[3])), None);
    s.remove_instance(at(&q, "meds", &[0]));
    assert_eq!(s.answer_at(at(&q, "name", &[0])), Some(&text("Ibuprofen")));
    assert_eq!(s.instance_count(common::idx(&q, "meds"), Inst::ROOT), 2);
    assert_eq!(
        s.answer(common::idx(&q, "count")),
        Some(&Answer::Number(1.0))
    );
}

/// A required question inside an extra instance that was left wholly empty is not missing
/// (an empty instance is not recorded); in the first instance it is.
#[test]
fn empty_extra_instance_is_not_missing() {
    let q = load();
    let mut s = Session::new(&q, common::visit());
    assert!(s.problems().any(|p| p.at() == at(&q, "name", &[0])));
    s.set_at(at(&q, "name", &[0]), text("Aspirin"))
        .expect("name");
    s.add_instance(at(&q, "meds", &[1])).expect("second");
    assert!(s.is_complete(), "{:?}", s.problems().collect::<Vec<_>>());
    s.set_at(at(&q, "dose", &[1]), Answer::Number(5.0))
        .expect("dose");
    assert_eq!(
        s.first_problem(),
        Some(triage::engine::Problem::Missing(at(&q, "name", &[1])))
    );
}

/// The doctor's page lists each instance's answers, labelled with the instance.
#[test]
fn page_labels_instances() {
    let q = load();
    let s = filled(&q);
    let page = triage::summary::render_text(&s, &triage::summary::Context::default());
    assert!(page.contains("Name of the medicine (1)"), "{page}");
    assert!(page.contains("Name of the medicine (2)"), "{page}");
    assert!(
        page.contains("How bad is it, from 0 to 10? (Headache)"),
        "{page}"
    );
}

/// Removing an instance of a repeating group moves the later instances up with everything in
/// them, their own repeats' instance counts included.
#[test]
fn removal_moves_nested_repeats() {
    let src = r#"{"resourceType": "Questionnaire", "id": "nested", "status": "active", "item": [
        {"linkId": "g", "type": "group", "text": "A visit", "repeats": true, "item": [
            {"linkId": "n", "type": "integer", "text": "A number", "repeats": true}]}]}"#;
    let q = triage::fhir::load_fhir(src).questionnaire.expect("loads");
    let mut s = Session::new(&q, common::visit());
    let n = |k: &[u16]| at(&q, "n", k);
    s.set_at(n(&[0, 0]), Answer::Number(1.0)).expect("1");
    s.add_instance(n(&[0, 1])).expect("second n");
    s.set_at(n(&[0, 1]), Answer::Number(2.0)).expect("2");
    s.add_instance(at(&q, "g", &[1])).expect("second g");
    s.set_at(n(&[1, 0]), Answer::Number(3.0)).expect("3");
    s.remove_instance(at(&q, "g", &[0]));
    let g = common::idx(&q, "g");
    let ni = common::idx(&q, "n");
    assert_eq!(s.instance_count(g, Inst::ROOT), 1);
    assert_eq!(
        s.instance_count(ni, Inst::from_slice(&[0]).expect("inst")),
        1
    );
    assert_eq!(triage::answers::item_json(&s, ni, true), Some(json!([[3]])));
}

/// A per-answer item's answer stays in the draft when its answer is unticked (keyed by that
/// answer), is left out of records and summaries, and comes back when it is ticked again after
/// the draft is resumed.
#[test]
fn unticked_answers_come_back_from_the_draft() {
    let q = load();
    let mut s = filled(&q);
    let symptoms = common::idx(&q, "symptoms");
    s.set(symptoms, Answer::Multi(vec![0]))
        .expect("headache only");
    let severity = common::idx(&q, "severity");
    assert_eq!(
        triage::answers::item_json(&s, severity, false),
        Some(json!({"headache": 7, "nausea": 3})),
        "the draft keeps nausea's answer"
    );
    assert_eq!(
        triage::answers::item_json(&s, severity, true),
        Some(json!({"headache": 7})),
        "the record does not"
    );
    let draft: Vec<(String, serde_json::Value)> = q
        .questions()
        .filter_map(|(i, it, _)| {
            triage::answers::item_json(&s, i, false).map(|v| (it.id.clone(), v))
        })
        .collect();
    let (mut back, errors) = triage::records::restore(&q, common::visit(), &draft);
    assert!(errors.is_empty(), "{errors:#?}");
    back.set(symptoms, Answer::Multi(vec![0, 1]))
        .expect("nausea again");
    assert_eq!(
        back.answer_at(at(&q, "severity", &[1])),
        Some(&Answer::Number(3.0))
    );
}
