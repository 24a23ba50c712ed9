//! Helpers shared by the integration tests.
#![allow(dead_code)]

pub mod fhir;
pub mod hangup;
pub mod paper;
pub mod pg;
pub mod pty;
pub mod screen;
pub mod walk;

use jiff::civil::Date;
use triage::answer::{Answer, PartialDate};
use triage::engine::Session;
use triage::questionnaire::{Questionnaire, load_toml};

/// Loads a questionnaire from TOML text, failing the test with the diagnostics if it has errors.
pub fn load(src: &str) -> Questionnaire {
    let loaded = load_toml(src);
    match loaded.questionnaire {
        Some(q) => q,
        None => panic!("questionnaire has errors: {:#?}", loaded.diagnostics),
    }
}

/// The binary with a data directory and clinic settings of its own (no colour, no inherited
/// data directory or libpq password file).
pub fn triage_with(data: &std::path::Path, config: &std::path::Path) -> assert_cmd::Command {
    let mut c = assert_cmd::Command::cargo_bin("triage").expect("binary builds");
    c.env("NO_COLOR", "1")
        .env_remove("TRIAGE_DATA_DIR")
        .env_remove("PGPASSFILE")
        .arg("--data-dir")
        .arg(data)
        .arg("--config")
        .arg(config);
    c
}

pub fn visit() -> Date {
    Date::constant(2025, 6, 2)
}

pub fn idx(q: &Questionnaire, id: &str) -> triage::questionnaire::ItemIdx {
    q.item_index(id).unwrap_or_else(|| panic!("no item {id}"))
}

/// Sets an answer by id from a compact form: "yes", "a,b" (multi), "#12" (number), "@2025-01-02"
/// (date), "'text" (text). Panics if refused.
pub fn set(s: &mut Session<'_>, id: &str, v: &str) {
    let q = s.questionnaire();
    let i = idx(q, id);
    let a = answer(q, i, v);
    s.set(i, a).unwrap_or_else(|e| panic!("{id} = {v}: {e}"));
}

pub fn answer(q: &Questionnaire, i: triage::questionnaire::ItemIdx, v: &str) -> Answer {
    let item = q.item(i);
    let opt = |x: &str| {
        let n = item
            .options()
            .iter()
            .position(|o| o.value == x)
            .unwrap_or_else(|| panic!("{} has no option {x}", item.id));
        u32::try_from(n).expect("an option index fits u32")
    };
    if let Some(n) = v.strip_prefix('#') {
        Answer::Number(n.parse().expect("number"))
    } else if let Some(d) = v.strip_prefix('@') {
        Answer::Date(PartialDate::parse_iso(d).expect("date"))
    } else if let Some(t) = v.strip_prefix('\'') {
        Answer::Text(t.to_owned())
    } else if matches!(
        item.question(),
        Some(triage::questionnaire::QuestionKind::Choice {
            style: triage::questionnaire::ChoiceStyle::Multi,
            ..
        })
    ) {
        Answer::Multi(v.split(',').map(opt).collect())
    } else {
        Answer::Choice(opt(v))
    }
}

/// Ids of the flags that fire.
pub fn fired(s: &Session<'_>) -> Vec<String> {
    let q = s.questionnaire();
    s.fired().iter().map(|&f| q.flag_at(f).id.clone()).collect()
}

pub fn visible_ids(s: &Session<'_>) -> Vec<String> {
    let q = s.questionnaire();
    s.steps().map(|i| q.item(i.item()).id.clone()).collect()
}
