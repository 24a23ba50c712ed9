//! No patient screen shows what only the doctor may see. Every scenario of the shipped
//! questionnaire is walked through every patient screen (each question it asks, the review
//! list scrolled end to end, the confirm and thank-you screens, the safety pause), in run,
//! reception and kiosk modes, at 80x24, 40x12 and 120x40; no screen may show a flag's text, an
//! outcome banner, or a dose reference row.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "a test stops at the first thing that is wrong, saying what"
)]

mod common;

use std::collections::BTreeSet;

use common::screen::draw;
use triage::engine::Session;
use triage::questionnaire::{DEFAULT_SOURCE, ItemKind, Questionnaire, RowValue, load_toml};
use triage::tui::{Mode, Model, Screen};

const SCENARIOS: &str = "questionnaires/botulinum-toxin.scenarios.toml";
const SIZES: [(u16, u16); 3] = [(80, 24), (40, 12), (120, 40)];

fn words(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric() && c != '\'' && c != '-')
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect()
}

/// Every run of five words of `text` (long enough that a question's label beside its answer
/// does not happen to spell part of a flag).
fn windows(text: &str) -> Vec<String> {
    words(text).windows(5).map(|w| w.join(" ")).collect()
}

/// Words the patient is meant to see: every question, option, help text, intro and message.
fn patient_text(q: &Questionnaire) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut add = |t: &str| out.extend(windows(t));
    for it in &q.items {
        add(&it.text);
        // The review list names each question by its patient-facing `review_label` (never the
        // doctor's `short` label, which is not patient text).
        if let Some(label) = &it.review_label {
            add(label);
        }
        if let Some(h) = &it.help {
            add(h);
        }
        if let ItemKind::Group { intro: Some(i) } = &it.kind {
            add(i);
        }
        for o in it.options() {
            add(&o.label);
        }
    }
    for f in &q.flags {
        if let Some(m) = &f.message {
            add(m);
        }
    }
    for t in [&q.meta.welcome, &q.meta.finish].into_iter().flatten() {
        add(t);
    }
    out
}

/// What only the doctor sees, as five-word runs that no patient text contains: every flag's
/// text (filled for this session), every outcome text, and the summary rows marked optional
/// (the dose reference).
fn doctor_only(s: &Session<'_>, patient: &BTreeSet<String>) -> BTreeSet<String> {
    let q = s.questionnaire();
    let mut out = BTreeSet::new();
    let mut add = |t: &str| {
        out.extend(windows(t).into_iter().filter(|w| !patient.contains(w)));
    };
    for f in &q.flags {
        add(&triage::summary::fill(s, &f.text).0);
        // Every literal, conditional fragments too, whether or not they apply here.
        for t in f.text.literals() {
            add(t);
        }
    }
    for o in [
        &q.outcome.stop,
        &q.outcome.caution,
        &q.outcome.clear,
        &q.outcome.not_assessed,
        &q.outcome.no_rules,
    ] {
        add(&o.text);
        add(&o.banner);
    }
    for b in &q.summary.blocks {
        for r in b.rows.iter().filter(|r| r.optional) {
            if let RowValue::Template(t) = &r.value {
                add(&triage::summary::fill(s, t).0);
            }
        }
    }
    out
}

/// Each patient screen of a session, in a mode, at a size; screens already drawn for another
/// scenario (the same question with the same answer, the same help) are skipped.
fn screens<'q>(
    s: &Session<'q>,
    mode: Mode,
    height: u16,
    seen: &mut BTreeSet<String>,
) -> Vec<(String, Model<'q>)> {
    let t0: jiff::Timestamp = "2025-06-02T09:00:00Z".parse().expect("ts");
    let q = s.questionnaire();
    let base = || {
        let mut m = Model::new(s.clone(), mode, t0);
        m.record = Some(1);
        m
    };
    let mut out = Vec::new();
    for step in s.steps() {
        let id = &q.item(step.item()).id;
        if seen.insert(format!(
            "{mode:?} {height} step {id} {:?}",
            s.stored(step.item())
        )) {
            let mut m = base();
            m.go_to(step);
            out.push((format!("step {id}"), m));
        }
        if seen.insert(format!("{mode:?} {height} help {id}")) {
            let mut m = base();
            m.go_to(step);
            m.help_open = true;
            out.push((format!("help {id}"), m));
        }
    }
    let rows = s
        .steps()
        .filter(|i| matches!(q.item(i.item()).kind, ItemKind::Question(_)))
        .count();
    // Focus moves a third of a screen at a time, so every row is drawn on some frame.
    for focus in (0..=rows).step_by(usize::from(height / 3).max(1)) {
        let mut m = base();
        m.screen = Screen::Review { focus };
        out.push((format!("review {focus}"), m));
    }
    for (name, screen) in [("confirm", Screen::Confirm), ("thanks", Screen::Thanks)] {
        let mut m = base();
        m.screen = screen;
        out.push((name.to_owned(), m));
    }
    for &f in s.fired() {
        if q.flag_at(f).action == Some(triage::questionnaire::FlagAction::Pause) {
            let mut m = base();
            m.screen = Screen::Pause {
                flag: f,
                at: q.flag_at(f).position,
            };
            out.push((format!("pause {}", q.flag_at(f).id), m));
        }
    }
    out
}

/// Walks every scenario's patient screens in every mode and size: nothing doctor-only shows.
#[test]
fn no_patient_screen_shows_doctor_only_text() {
    let q = load_toml(DEFAULT_SOURCE).questionnaire.expect("valid");
    let patient = patient_text(&q);
    let src = std::fs::read_to_string(SCENARIOS).expect("scenarios");
    let built = triage::scenario::build(&q, &src).expect("scenarios build");
    assert!(built.len() > 90, "every shipped scenario");
    let mut drawn = 0usize;
    let mut seen = BTreeSet::new();
    let mut forbidden_checked = BTreeSet::new();
    for b in &built {
        let forbidden = doctor_only(&b.session, &patient);
        assert!(!forbidden.is_empty());
        forbidden_checked.extend(forbidden.iter().cloned());
        for mode in [Mode::Run, Mode::Staff, Mode::Kiosk] {
            for (w, h) in SIZES {
                for (name, m) in screens(&b.session, mode, h, &mut seen) {
                    let (text, _) = draw(&m, w, h);
                    drawn += 1;
                    // Each run of text between column gaps (two spaces or more) is read on
                    // its own, so a label beside its answer never spells a phrase by accident;
                    // a leaked sentence still shows five words together on some line.
                    let joined: BTreeSet<String> = text
                        .lines()
                        .flat_map(|l| l.split("  ").map(windows).collect::<Vec<_>>())
                        .flatten()
                        .collect();
                    let hit: Vec<&String> = forbidden.intersection(&joined).collect();
                    assert!(
                        hit.is_empty(),
                        "{} / {mode:?} / {name} at {w}x{h} shows doctor-only text {hit:?}:\n{text}",
                        b.id
                    );
                    for banner in [
                        "DO NOT TREAT",
                        "NO FLAGS",
                        "NOT ASSESSED",
                        "STOP 0",
                        "U total",
                    ] {
                        assert!(
                            !text.contains(banner),
                            "{} / {name}: `{banner}`:\n{text}",
                            b.id
                        );
                    }
                }
            }
        }
    }
    // The check is not empty: thousands of screens, and the dose reference among the runs.
    assert!(drawn > 5_000, "{drawn} screens drawn");
    assert!(
        forbidden_checked
            .iter()
            .any(|w| w.contains("crow's feet 24")),
        "the dose reference is among the forbidden runs"
    );
    eprintln!(
        "{drawn} patient screens drawn; {} doctor-only word runs checked",
        forbidden_checked.len()
    );
}

/// Words the patient reads anywhere: question texts, review labels, help, intros, options.
fn patient_words(q: &Questionnaire) -> String {
    let mut out = String::new();
    for it in &q.items {
        out.push_str(&it.text);
        out.push('\n');
        for t in [&it.review_label, &it.help].into_iter().flatten() {
            out.push_str(t);
            out.push('\n');
        }
        if let ItemKind::Group { intro: Some(i) } = &it.kind {
            out.push_str(i);
            out.push('\n');
        }
        for o in it.options() {
            out.push_str(&o.label);
            out.push('\n');
        }
    }
    out.to_lowercase()
}

/// The baseline patient's review screen names every question by its patient text or its
/// `review_label`, never by the doctor's short label ("Fatigable weakness", "Main worry is
/// weight/thinness"): each row's label column is the start of the question's patient label, in
/// every mode and size, and no short label that patients never read appears on any frame.
#[test]
fn review_screen_uses_patient_words_only() {
    let q = load_toml(DEFAULT_SOURCE).questionnaire.expect("valid");
    let src = std::fs::read_to_string(SCENARIOS).expect("scenarios");
    let built = triage::scenario::build(&q, &src).expect("scenarios build");
    let baseline = built
        .iter()
        .find(|b| b.id == "T00")
        .expect("baseline scenario");
    let patient = patient_words(&q);
    // Short labels that are doctor's words only: nowhere in what patients read.
    let doctor_words: Vec<&str> = q
        .items
        .iter()
        .filter_map(|it| it.short.as_deref())
        .filter(|s| !patient.contains(&s.to_lowercase()))
        .collect();
    assert!(doctor_words.contains(&"Fatigable weakness"));
    assert!(doctor_words.contains(&"Main worry is weight/thinness"));
    let t0: jiff::Timestamp = "2025-06-02T09:00:00Z".parse().expect("ts");
    let mut rows_checked = std::collections::BTreeSet::new();
    for mode in [Mode::Run, Mode::Staff, Mode::Kiosk] {
        for (w, h) in SIZES {
            let base = Model::new(baseline.session.clone(), mode, t0);
            let rows = triage::tui::screens::review::rows(&base);
            assert!(rows.len() > 60, "the baseline answers every question");
            for focus in 0..=rows.len() {
                let mut m = Model::new(baseline.session.clone(), mode, t0);
                m.screen = Screen::Review { focus };
                let (text, hits) = draw(&m, w, h);
                let lines: Vec<&str> = text.lines().collect();
                for word in &doctor_words {
                    assert!(
                        !text.contains(word),
                        "{mode:?} {w}x{h}: the review screen shows the doctor's `{word}`:\n{text}"
                    );
                }
                for (rect, target) in &hits.targets {
                    let triage::tui::Target::Row(i) = target else {
                        continue;
                    };
                    let it = q.item(rows[*i].item);
                    let want = it
                        .review_label
                        .clone()
                        .unwrap_or_else(|| it.text.lines().next().unwrap_or("").to_owned());
                    // The label column: after the focus marker, two fifths of the list's width.
                    let label_w = (usize::from(rect.width) * 2 / 5).clamp(8, 40);
                    let line: String = lines[rect.y as usize]
                        .chars()
                        .skip(usize::from(rect.x) + 2)
                        .take(label_w)
                        .collect();
                    let label = line.trim();
                    let shown = label.trim_end_matches('…');
                    assert!(
                        !shown.is_empty() && want.starts_with(shown),
                        "{mode:?} {w}x{h}: row `{}` is labelled `{label}`, not its patient words `{want}`",
                        it.id
                    );
                    rows_checked.insert(it.id.clone());
                }
            }
        }
    }
    assert!(
        rows_checked.len() > 60,
        "{} rows checked",
        rows_checked.len()
    );
}
