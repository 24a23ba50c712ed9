//! FHIR in and out with the project's own fixtures (always run): enableWhen semantics, the
//! QuestionnaireResponse shape, `triage convert` and its round trip, and `triage run` on a FHIR
//! Questionnaire in a terminal. The external suite is in `fhir_suite.rs`.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "a test stops at the first thing that is wrong, saying what"
)]

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use common::fhir::{expect, load, put};
use common::pty::{ENTER, Pty};
use common::walk::baseline;
use proptest::prelude::*;
use serde_json::{Value, json};
use triage::answer::Answer;
use triage::answers::{RawValue, to_answer};
use triage::engine::Session;
use triage::questionnaire::{
    ChoiceStyle, DEFAULT_SOURCE, ItemIdx, QuestionKind, Questionnaire, load_toml,
};

fn fixture(name: &str) -> PathBuf {
    Path::new("tests/fixtures/fhir").join(name)
}

fn bin() -> PathBuf {
    assert_cmd::cargo::cargo_bin("triage")
}

fn shipped() -> Questionnaire {
    load_toml(DEFAULT_SOURCE).questionnaire.expect("valid")
}

/// Every FHIR R4 enableWhen rule, scripted on a small questionnaire written for it. Expected
/// states follow the R4 specification: `!=` holds for an unanswered or disabled source, a
/// disabled item counts as unanswered everywhere and disables its descendants, a coding without
/// a system matches on the code, and conditions that refer to each other settle.
#[test]
fn enable_when_follows_fhir_semantics() {
    let q = load(&fixture("enablewhen-semantics.json"));
    let mut s = Session::new(&q, common::visit());
    expect(
        &s,
        "nothing answered",
        &["src", "ne_a", "gate", "inner_ne_7", "loop1", "loop2"],
        &[
            "eq_a",
            "grp",
            "inner",
            "inner_child",
            "inner_exists",
            "any_of",
            "all_of",
        ],
    );
    put(&mut s, "src", Some("a"));
    expect(&s, "src = a", &["eq_a"], &["ne_a", "any_of"]);
    put(&mut s, "gate", Some("true"));
    put(&mut s, "inner", Some("#7"));
    expect(
        &s,
        "gate = true, inner = 7",
        &["grp", "inner", "inner_child", "inner_exists"],
        &["inner_ne_7", "all_of", "any_of"],
    );
    put(&mut s, "src", Some("b"));
    expect(&s, "src = b", &["ne_a", "all_of", "any_of"], &["eq_a"]);
    put(&mut s, "gate", Some("false"));
    expect(
        &s,
        "gate = false (the group, and inner with it, disabled)",
        &["inner_ne_7", "any_of"],
        &["grp", "inner", "inner_child", "inner_exists", "all_of"],
    );
    // The disabled answer is kept (it comes back with the group) but never exported.
    let r = triage::fhir::questionnaire_response(&s, "2025-06-02T10:00:00+01:00");
    assert!(
        !r.to_string().contains("\"inner\""),
        "a disabled item is left out of the response: {r:#}"
    );
    put(&mut s, "gate", Some("true"));
    expect(
        &s,
        "gate = true again",
        &["inner", "inner_child"],
        &["inner_ne_7"],
    );
    put(&mut s, "src", None);
    expect(&s, "src cleared", &["ne_a"], &["eq_a", "all_of"]);
    put(&mut s, "loop1", Some("true"));
    expect(&s, "loop1 = true", &["loop1"], &["loop2"]);
    put(&mut s, "loop1", Some("false"));
    expect(&s, "loop1 = false", &["loop1", "loop2"], &[]);
}

/// The response mirrors the questionnaire: groups hold their items, a question's children sit
/// inside its answer, answers are typed as the items were, texts are copied, and disabled or
/// unanswered items are left out.
#[test]
fn response_mirrors_the_questionnaire() {
    let q = load(&fixture("small-intake.json"));
    let mut s = Session::new(&q, common::visit());
    put(&mut s, "age", Some("#34"));
    put(&mut s, "pregnant", Some("false"));
    put(&mut s, "smoke", Some("current"));
    put(&mut s, "conditions", Some("Asthma,Epilepsy"));
    put(&mut s, "last-visit", Some("@2025-01-20"));
    let r = triage::fhir::questionnaire_response(&s, "2025-06-02T10:00:00+01:00");
    assert_eq!(
        r["status"], "in-progress",
        "smoke-amount is required once shown"
    );
    put(&mut s, "smoke-amount", Some("'5 a day"));
    let r = triage::fhir::questionnaire_response(&s, "2025-06-02T10:00:00+01:00");
    assert_eq!(r["resourceType"], "QuestionnaireResponse");
    assert_eq!(r["questionnaire"], "urn:triage:test:small-intake|2.1");
    assert_eq!(r["status"], "completed");
    assert_eq!(r["authored"], "2025-06-02T10:00:00+01:00");
    let about = &r["item"][0];
    assert_eq!(about["linkId"], "about");
    assert_eq!(about["text"], "About you");
    assert_eq!(about["item"][0]["linkId"], "age");
    assert_eq!(about["item"][0]["answer"], json!([{ "valueInteger": 34 }]));
    assert_eq!(
        about["item"][1]["answer"],
        json!([{ "valueBoolean": false }])
    );
    let smoke = &about["item"][2];
    assert_eq!(smoke["answer"][0]["valueCoding"]["code"], "current");
    assert_eq!(
        smoke["answer"][0]["valueCoding"]["system"],
        "urn:triage:test"
    );
    assert_eq!(
        smoke["answer"][0]["item"],
        json!([{
            "linkId": "smoke-amount",
            "text": "How much do you smoke a day?",
            "answer": [{ "valueString": "5 a day" }],
        }]),
        "a question's child sits inside its answer"
    );
    assert_eq!(
        about["item"][3],
        json!({ "linkId": "site", "text": "Clinic site", "answer": [{ "valueString": "Riverside" }] }),
        "a read-only item keeps its given answer"
    );
    let site = common::idx(&q, "site");
    assert!(
        !s.steps().any(|i| i.item() == site),
        "a read-only item is not asked, so it cannot be changed"
    );
    let health = &r["item"][1];
    assert_eq!(
        health["item"][0]["answer"],
        json!([{ "valueString": "Asthma" }, { "valueString": "Epilepsy" }])
    );
    assert_eq!(
        health["item"][1]["answer"],
        json!([{ "valueDate": "2025-01-20" }])
    );
    // Changing an answer disables its child, which leaves the response.
    put(&mut s, "smoke", Some("never"));
    let r = triage::fhir::questionnaire_response(&s, "2025-06-02T10:00:00+01:00");
    assert!(r["item"][0]["item"][2]["answer"][0].get("item").is_none());
    assert!(!r.to_string().contains("5 a day"));
}

/// The shipped questionnaire written as FHIR and read back.
fn round_trip(q: &Questionnaire) -> Questionnaire {
    let exported = triage::fhir::export::questionnaire_to_fhir(q);
    let text = serde_json::to_string_pretty(&exported.json).expect("json");
    let loaded = triage::fhir::load_fhir(&text);
    assert!(
        loaded.diagnostics.is_empty(),
        "our own export loads without findings: {:#?}",
        loaded.diagnostics
    );
    loaded.questionnaire.expect("loads")
}

/// The screens a patient sees, in order, answering each from `answers` as it comes.
fn walk(q: &Questionnaire, answers: &BTreeMap<String, Value>) -> Vec<String> {
    let mut s = Session::new(q, common::visit());
    let mut seen = Vec::new();
    let mut at = None;
    while let Some(step) = s.next_step(at) {
        let i = step.item();
        let id = q.item(i).id.clone();
        if let Some(v) = answers.get(&id) {
            let a = to_answer(q, i, &RawValue::from_json(v)).expect("valid answer");
            s.set(i, a).unwrap_or_else(|e| panic!("{id}: {e}"));
        }
        seen.push(id);
        at = Some(step);
        assert!(seen.len() < 1000, "the walk does not end");
    }
    seen
}

/// Round trip: the shipped questionnaire converted to FHIR and loaded back asks the same
/// questions (and shows the same intro and information screens) in the same order for the
/// baseline patient of the clinical spec, and for every scenario whose answers do not end the
/// questionnaire early (FHIR has no flags to end it).
#[test]
fn converted_questionnaire_asks_the_same_questions_in_the_same_order() {
    let q = shipped();
    let back = round_trip(&q);
    let ids = |q: &Questionnaire| {
        q.questions()
            .map(|(_, it, _)| it.id.clone())
            .collect::<Vec<_>>()
    };
    assert_eq!(ids(&back), ids(&q), "every question, in order");
    let base = baseline();
    let walked = walk(&q, &base);
    assert!(
        walked.len() > 60,
        "the baseline sees {} screens",
        walked.len()
    );
    assert_eq!(walk(&back, &base), walked);
    let scenarios = std::fs::read_to_string("questionnaires/botulinum-toxin.scenarios.toml")
        .expect("scenarios");
    let built = triage::scenario::build(&q, &scenarios).expect("scenarios build");
    let mut compared = 0;
    for b in &built {
        if b.session.ended_at().is_some() {
            continue;
        }
        let answers: BTreeMap<String, Value> = b
            .session
            .stored_answers()
            .map(|(i, a)| (q.item(i).id.clone(), triage::answers::to_json(&q, i, a)))
            .collect();
        assert_eq!(
            walk(&back, &answers),
            walk(&q, &answers),
            "scenario {}",
            b.id
        );
        compared += 1;
    }
    assert!(compared > 60, "only {compared} scenarios compared");
}

/// One answer per question from a seed: unanswered, or a value at or around its limits.
fn seeded_answer(kind: &QuestionKind, seed: u32, visit: jiff::civil::Date) -> Option<Answer> {
    let pick = seed % 5;
    if pick == 0 {
        return None;
    }
    Some(match kind {
        QuestionKind::Choice { style, options } => {
            let n = u32::try_from(options.len()).expect("few options");
            if *style == ChoiceStyle::Multi {
                let chosen: Vec<u32> = (0..n).filter(|o| (seed >> (o % 31)) & 1 == 1).collect();
                Answer::Multi(chosen)
            } else {
                Answer::Choice(seed / 5 % n)
            }
        }
        QuestionKind::Number { min, max, .. } => {
            let (lo, hi) = (min.unwrap_or(0.0), max.unwrap_or(100.0));
            Answer::Number(
                [lo, hi, f64::midpoint(lo, hi).floor(), lo + 1.0][(seed / 5 % 4) as usize],
            )
        }
        QuestionKind::Date { .. } => {
            let days = [-20i64, -100, -400, -9000][(seed / 5 % 4) as usize];
            let d = visit
                .checked_add(jiff::Span::new().days(days))
                .expect("date");
            Answer::Date(triage::answer::PartialDate::full(d))
        }
        QuestionKind::Text { .. } => Answer::Text("07700 900123".into()),
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]
    /// For any answers at all, the converted questionnaire enables exactly the same items.
    #[test]
    fn converted_questionnaire_enables_the_same_items(seeds in prop::collection::vec(any::<u32>(), 97)) {
        let q = shipped();
        let back = round_trip(&q);
        let visit = common::visit();
        let mut a = Session::new(&q, visit);
        let mut b = Session::new(&back, visit);
        for ((i, _, kind), seed) in q.questions().zip(seeds.iter().cycle()) {
            if let Some(ans) = seeded_answer(kind, *seed, visit) {
                let j = back.item_index(&q.item(i).id).expect("same id");
                let ra = a.set(i, ans.clone()).is_ok();
                let rb = b.set(j, ans).is_ok();
                prop_assert_eq!(ra, rb, "{} accepted the same way", q.item(i).id);
            }
        }
        for (i, it) in q.items.iter().enumerate() {
            let j = back.item_index(&it.id).expect("same id");
            prop_assert_eq!(a.is_visible(ItemIdx::at(i)), b.is_visible(j), "{}", it.id);
        }
    }
}

/// The answer checks travel too: limits, the phone pattern, dates counted from the visit date,
/// and rules between answers.
#[test]
fn converted_questionnaire_keeps_answer_checks() {
    let q = shipped();
    let back = round_trip(&q);
    let visit = common::visit();
    for q in [&q, &back] {
        let mut s = Session::new(q, visit);
        let at = |id: &str| q.item_index(id).expect("id");
        let date = |d: &str| Answer::Date(triage::answer::PartialDate::parse_iso(d).expect("d"));
        assert!(
            s.set(at("a_dob"), date("2026-01-01")).is_err(),
            "born after the visit"
        );
        assert!(s.set(at("a_dob"), date("1990-01-01")).is_ok());
        assert!(
            s.set(at("a_phone"), Answer::Text("call me".into()))
                .is_err()
        );
        assert!(
            s.set(at("e_last_date"), date("2025-07-01")).is_err(),
            "a last treatment after the visit"
        );
        s.set(at("a_agree_start"), Answer::Choice(0)).expect("yes");
        let areas = at("b_areas");
        let migraine = q
            .item(areas)
            .options()
            .iter()
            .position(|o| o.value == "migraine")
            .and_then(|p| u32::try_from(p).ok())
            .expect("migraine");
        s.set(areas, Answer::Multi(vec![migraine])).expect("areas");
        s.set(at("b_mig_headache_days"), Answer::Number(4.0))
            .expect("4 headache days");
        assert!(
            s.set(at("b_mig_migraine_days"), Answer::Number(9.0))
                .is_err(),
            "more migraine days than headache days"
        );
        let it = q.item(at("a_phone"));
        assert!(it.short.is_some(), "short labels travel");
    }
}

/// `triage convert` writes JSON on standard output and says on standard error, item by item,
/// what FHIR cannot carry; `--out` writes a file; a FHIR file is not converted again.
#[test]
fn convert_command() {
    let out = std::process::Command::new(bin())
        .args(["convert", "--to", "fhir"])
        .output()
        .expect("runs");
    assert!(out.status.success());
    let q: Value = serde_json::from_slice(&out.stdout).expect("JSON on stdout");
    assert_eq!(q["resourceType"], "Questionnaire");
    assert_eq!(q["url"], "urn:triage:questionnaire:botulinum-toxin");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("item `g_self_harm`") && err.contains("cannot be written as FHIR enableWhen"),
        "{err}"
    );
    assert!(err.contains("77 flags"), "{err}");
    // A condition FHIR can say is written as enableWhen, derived values spelled out.
    let find = |id: &str| -> Value {
        fn go(items: &Value, id: &str) -> Option<Value> {
            items.as_array()?.iter().find_map(|it| {
                if it["linkId"] == id {
                    Some(it.clone())
                } else {
                    go(&it["item"], id)
                }
            })
        }
        go(&q["item"], id).unwrap_or_else(|| panic!("no {id}"))
    };
    let sport = find("f_sport_level");
    assert_eq!(sport["enableBehavior"], "all");
    assert_eq!(
        sport["enableWhen"],
        json!([
            { "question": "b_areas", "operator": "=", "answerCoding": { "code": "calves" } },
            { "question": "f_sport", "operator": "exists", "answerBoolean": true },
            { "question": "f_sport", "operator": "!=", "answerCoding": { "code": "none" } },
        ])
    );
    assert_eq!(find("b_face_droop")["enableBehavior"], "any");
    assert_eq!(find("b_areas")["repeats"], true);

    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("bt.json");
    let status = std::process::Command::new(bin())
        .args(["convert", "--to", "fhir", "--out"])
        .arg(&file)
        .output()
        .expect("runs");
    assert!(status.status.success() && status.stdout.is_empty());
    let written: Value =
        serde_json::from_str(&std::fs::read_to_string(&file).expect("file")).expect("json");
    assert_eq!(written, q);
    let check = std::process::Command::new(bin())
        .arg("check")
        .arg(&file)
        .output()
        .expect("runs");
    assert!(check.status.success(), "{check:?}");

    let again = std::process::Command::new(bin())
        .args(["convert", "--to", "fhir"])
        .arg(&file)
        .output()
        .expect("runs");
    assert_eq!(again.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&again.stderr).contains("already a FHIR Questionnaire"));
}

/// `triage run` on a FHIR Questionnaire in a terminal: the patient answers with keys, a hidden
/// follow-up appears when its condition holds, and the QuestionnaireResponse arrives on
/// standard output.
#[test]
fn run_a_fhir_questionnaire_in_a_terminal() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("response.json");
    let cmd = format!(
        "exec '{}' --data-dir '{}' --visit-date 2025-06-02 run '{}' --format fhir > '{}'",
        bin().display(),
        dir.path().join("data").display(),
        fixture("small-intake.json").display(),
        out.display()
    );
    let mut p = Pty::spawn(Path::new("/bin/sh"), &["-c", &cmd], 80, 24);
    p.wait_for("A few questions before you see the doctor.");
    p.send(ENTER);
    p.wait_until("the question under its group's title", |s| {
        s.contains("How old are you?") && s.contains("About you")
    });
    p.send(&format!("34{ENTER}"));
    p.wait_for("Are you pregnant?");
    p.send(&format!("2{ENTER}"));
    p.wait_for("Do you smoke?");
    p.send(&format!("3{ENTER}"));
    p.wait_for("How much do you smoke a day?");
    p.send(&format!("5 a day{ENTER}"));
    // A group's stem too long for one line is shown whole above the question.
    p.wait_until("the question with its whole stem", |s| {
        let words = s.split_whitespace().collect::<Vec<_>>().join(" ");
        words.contains("Do you have any of these?")
            && words.contains(
                "In the last twelve months, has a doctor told you that you have any of the \
                 following conditions?",
            )
    });
    p.send(&format!("1{ENTER}"));
    p.wait_for("When did you last see a doctor?");
    p.send(&format!("2025-01-20{ENTER}"));
    p.wait_for("Check your answers");
    p.send(common::pty::END);
    p.send(ENTER);
    p.wait_for("Ready to send?");
    p.send(ENTER);
    p.wait_for("Thank you");
    p.send(ENTER);
    assert_eq!(p.wait_exit(), 0);
    let r: Value =
        serde_json::from_str(&std::fs::read_to_string(&out).expect("output")).expect("json");
    assert_eq!(r["resourceType"], "QuestionnaireResponse");
    assert_eq!(r["status"], "completed");
    assert_eq!(r["questionnaire"], "urn:triage:test:small-intake|2.1");
    let about = &r["item"][0]["item"];
    assert_eq!(about[0]["answer"], json!([{ "valueInteger": 34 }]));
    assert_eq!(about[1]["answer"], json!([{ "valueBoolean": false }]));
    assert_eq!(
        about[2]["answer"][0]["item"][0]["answer"],
        json!([{ "valueString": "5 a day" }])
    );
    assert_eq!(
        r["item"][1]["item"][0]["answer"],
        json!([{ "valueString": "Asthma" }])
    );
    assert_eq!(
        r["item"][1]["item"][1]["answer"],
        json!([{ "valueDate": "2025-01-20" }])
    );
}

/// Stored records come out as QuestionnaireResponses: `records show --format fhir` for one,
/// `records export --fhir` for all, each matching the answers given and the authored time.
#[test]
fn stored_records_export_as_responses() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("data");
    let triage = || {
        let mut c = std::process::Command::new(bin());
        c.arg("--data-dir").arg(&data);
        c
    };
    let out = triage()
        .args([
            "submit",
            "--answers",
            "questionnaires/examples/baseline.json",
        ])
        .output()
        .expect("runs");
    assert!(out.status.success(), "{out:?}");
    let show = triage()
        .args(["records", "show", "1", "--format", "fhir"])
        .output()
        .expect("runs");
    assert!(show.status.success(), "{show:?}");
    let shown: Value = serde_json::from_slice(&show.stdout).expect("json");
    assert_eq!(shown["resourceType"], "QuestionnaireResponse");
    assert_eq!(shown["status"], "completed");
    assert_eq!(
        shown["questionnaire"],
        "urn:triage:questionnaire:botulinum-toxin|1.1.1"
    );
    let authored = shown["authored"].as_str().expect("authored");
    assert!(
        jiff::Timestamp::from_str(authored).is_ok() && authored.len() >= 25,
        "an RFC 3339 time with its offset: {authored}"
    );
    // Every baseline answer is in it, as its option code or value.
    let text = shown.to_string();
    for (id, _) in baseline() {
        assert!(
            text.contains(&format!("\"linkId\":\"{id}\"")),
            "{id} missing"
        );
    }
    let export = dir.path().join("export");
    let st = triage()
        .args(["records", "export", "--fhir", "--out"])
        .arg(&export)
        .output()
        .expect("runs");
    assert!(st.status.success(), "{st:?}");
    let exported: Value = serde_json::from_str(
        &std::fs::read_to_string(export.join("record-1.fhir.json")).expect("file"),
    )
    .expect("json");
    assert_eq!(exported, shown);
    assert!(export.join("record-1.json").exists());
}

/// `triage test` and `triage summary` take a FHIR Questionnaire like a TOML one.
#[test]
fn test_and_summary_take_a_fhir_questionnaire() {
    let out = std::process::Command::new(bin())
        .arg("test")
        .arg(fixture("small-intake.json"))
        .arg(fixture("small-intake.scenarios.toml"))
        .output()
        .expect("runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}");
    assert!(stdout.contains("2 passed, 0 failed"), "{stdout}");

    let dir = tempfile::tempdir().expect("tempdir");
    let answers = dir.path().join("answers.json");
    std::fs::write(
        &answers,
        r#"{ "visit_date": "2025-06-02", "answers": { "age": 70, "pregnant": "false", "smoke": "former" } }"#,
    )
    .expect("write");
    let out = std::process::Command::new(bin())
        .args(["summary", "--questionnaire"])
        .arg(fixture("small-intake.json"))
        .arg("--answers")
        .arg(&answers)
        .output()
        .expect("runs");
    let page = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{page}");
    assert!(
        page.contains("Small clinic intake") && page.contains("I used to"),
        "{page}"
    );
}
