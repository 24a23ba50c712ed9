//! Every screen drawn with ratatui's TestBackend: snapshots at 80x24 and at the smallest
//! supported size (40x12), and every size from 1x1 to 40x12 drawn without panicking.

mod common;

use common::screen::draw;
use triage::engine::Session;
use triage::questionnaire::{DEFAULT_SOURCE, Questionnaire, load_toml};
use triage::store::{DraftInfo, DraftStatus, QuestionnaireRef};
use triage::tui::{Field, Mode, Model, Msg, Screen, Target, update};

fn shipped() -> Questionnaire {
    load_toml(DEFAULT_SOURCE).questionnaire.expect("valid")
}

fn example() -> Questionnaire {
    load_toml(&std::fs::read_to_string("questionnaires/example.toml").expect("example"))
        .questionnaire
        .expect("valid")
}

fn t0() -> jiff::Timestamp {
    "2025-06-02T09:00:00Z".parse().expect("ts")
}

fn baseline(q: &Questionnaire) -> Session<'_> {
    let text = std::fs::read_to_string("questionnaires/examples/baseline.json").expect("baseline");
    let file = triage::answers::parse_answers_file(&text).expect("parse");
    let mut s = Session::new(q, common::visit());
    triage::answers::fill_session(&mut s, &file.answers);
    s
}

/// Every screen of the walk-through, in a representative state.
fn screens<'q>(q: &'q Questionnaire, ex: &'q Questionnaire) -> Vec<(&'static str, Model<'q>)> {
    let model = |s: Session<'q>| Model::new(s, Mode::Run, t0());
    let step = |s: Session<'q>, id: &str| {
        let mut m = model(s);
        m.go_to(triage::engine::Step::base(
            m.session.questionnaire().item_index(id).expect("item"),
        ));
        m
    };
    let mut list = vec![("welcome", model(Session::new(q, common::visit())))];
    let mut resume = model(Session::new(q, common::visit()));
    resume.screen = Screen::Resume {
        draft: DraftInfo {
            id: 4,
            questionnaire: QuestionnaireRef {
                id: "botulinum-toxin".into(),
                version: "0.9.0".into(),
                content_hash: "sha256:old".into(),
            },
            visit_date: "2025-06-02".into(),
            created_at: t0(),
            updated_at: t0(),
            status: DraftStatus::Open,
            answers: 12,
            position: Some("c_heart".into()),
        },
        access: triage::tui::ResumeAccess::DateOfBirth,
    };
    list.push(("resume", resume));
    list.push(("section_intro", step(baseline(q), "g")));
    list.push(("info", step(Session::new(ex, common::visit()), "notice")));
    list.push(("single_choice", step(baseline(q), "a_respondent")));
    let mut multi = step(baseline(q), "b_areas");
    if let Field::Multi { focus, .. } = &mut multi.field {
        *focus = 7;
    }
    list.push(("multi_choice_scrolled", multi));
    let mut text = step(baseline(q), "a_full_name");
    update(&mut text, Msg::Paste("Zoë Ångström 山田".into()));
    list.push(("text", text));
    let mut number = step(baseline(q), "e_sessions_12m");
    update(&mut number, Msg::Paste("25".into()));
    update(
        &mut number,
        Msg::Tap(Target::Button(triage::tui::Action::Next)),
    );
    list.push(("number_with_message", number));
    list.push(("date_month_allowed", step(baseline(q), "e_last_date")));
    let mut help = step(baseline(q), "c_allergy_milk");
    help.help_open = true;
    list.push(("help_open", help));
    let mut review = model(baseline(q));
    review.screen = Screen::Review { focus: 2 };
    list.push(("review", review));
    let mut confirm = model(baseline(q));
    confirm.screen = Screen::Confirm;
    list.push(("confirm", confirm));
    let mut pause = model(baseline(q));
    pause.screen = Screen::Pause {
        flag: q.flags.iter().position(|f| f.id == "S14").expect("S14") as u32,
        at: q.item_index("g_self_harm").expect("item"),
    };
    list.push(("pause", pause));
    let mut thanks = model(baseline(q));
    thanks.screen = Screen::Thanks;
    list.push(("thanks", thanks));
    list
}

/// Each screen at the designed size and at the smallest supported size.
#[test]
fn snapshots_at_80x24_and_40x12() {
    let (q, ex) = (shipped(), example());
    for (name, m) in screens(&q, &ex) {
        for (w, h) in [(80, 24), (40, 12)] {
            let (text, _) = draw(&m, w, h);
            insta::assert_snapshot!(format!("{name}_{w}x{h}"), text);
        }
    }
}

/// Below 40x12 the screen asks for a larger window; no size from 1x1 upwards panics.
#[test]
fn tiny_sizes_never_panic() {
    let (q, ex) = (shipped(), example());
    for (_, m) in screens(&q, &ex) {
        for w in 1..=41 {
            for h in 1..=13 {
                let (text, hits) = draw(&m, w, h);
                if w < 40 || h < 12 {
                    assert!(
                        hits.targets.is_empty(),
                        "no tap targets on the too-small screen"
                    );
                    if w >= 30 && h >= 1 {
                        assert!(
                            text.contains("Please make the window larger"),
                            "{w}x{h}:\n{text}"
                        );
                    }
                }
            }
        }
    }
}

/// Options and buttons are tap targets at least three rows tall at 80x24.
#[test]
fn tap_targets_are_three_rows() {
    let (q, ex) = (shipped(), example());
    for (name, m) in screens(&q, &ex) {
        let (_, hits) = draw(&m, 80, 24);
        for (r, t) in &hits.targets {
            if matches!(t, Target::Option(_) | Target::Button(_)) {
                assert!(r.height >= 3, "{name}: {t:?} is {} rows", r.height);
            }
        }
    }
}

/// The focused option is marked by a `►` and the chosen one by `(x)`, not by colour alone.
#[test]
fn selection_is_not_colour_alone() {
    let q = shipped();
    let mut m = Model::new(baseline(&q), Mode::Run, t0());
    m.go_to(triage::engine::Step::base(
        q.item_index("a_respondent").expect("item"),
    ));
    let (text, _) = draw(&m, 80, 24);
    assert!(text.contains("►(x) 1  Me, the patient"), "{text}");
}
