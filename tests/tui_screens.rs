//! Every screen drawn with ratatui's TestBackend: snapshots at 80x24 and at the smallest
//! supported size (40x12), and every size from 1x1 to 40x12 drawn without panicking.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "a test stops at the first thing that is wrong, saying what"
)]

mod common;

use common::screen::draw;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
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
        pause_pending: false,
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
        flag: triage::questionnaire::FlagIdx::at(
            q.flags.iter().position(|f| f.id == "S14").expect("S14"),
        ),
        at: q.item_index("g_self_harm").expect("item"),
    };
    list.push(("pause", pause));
    let mut thanks = model(baseline(q));
    thanks.screen = Screen::Thanks;
    list.push(("thanks", thanks));
    // Issue 14: the longest list one answer per row; the review on Send; the PIN keypad; the
    // reception intake question; the paper form (a text field open, then a multi-choice).
    list.push(("long_list", step(baseline(q), "d_groups")));
    let mut review_send = model(baseline(q));
    triage::tui::screens::review::arrive(&mut review_send, None);
    list.push(("review_on_send", review_send));
    let mut pin = model(baseline(q));
    triage::tui::screens::staff::open_pin(&mut pin, triage::tui::AfterPin::Menu);
    update(
        &mut pin,
        Msg::Tap(Target::Pad(triage::tui::PadKey::Digit(4))),
    );
    update(
        &mut pin,
        Msg::Tap(Target::Pad(triage::tui::PadKey::Digit(3))),
    );
    list.push(("staff_pin_keypad", pin));
    let staff = |s: Session<'q>| Model::new(s, Mode::Staff, t0());
    let mut intake = staff(Session::new(q, common::visit()));
    intake.screen = Screen::Intake { focus: 1 };
    list.push(("intake", intake));
    let paper = || {
        let mut m = Model::new(
            triage::tui::model::new_session(q, common::visit(), Mode::Paper),
            Mode::Paper,
            t0(),
        );
        triage::tui::screens::form::start(&mut m);
        m
    };
    let mut form = paper();
    for c in "1Alex Sample".chars() {
        update(&mut form, Msg::Key(key(KeyCode::Char(c))));
    }
    list.push(("paper_form_text", form));
    let mut form = paper();
    for id in ["a_agree_start", "a_full_name", "a_dob", "a_phone", "a_sex"] {
        let i = q.item_index(id).expect("item");
        let b = baseline(q);
        let a = b.stored(i).cloned().expect("baseline answer");
        form.session.set(i, a).expect("valid");
    }
    form.go_to(triage::engine::Step::base(
        q.item_index("b_areas").expect("item"),
    ));
    for c in "2 4".chars() {
        update(&mut form, Msg::Key(key(KeyCode::Char(c))));
    }
    list.push(("paper_form_multi", form));
    list
}

fn key(code: KeyCode) -> KeyEvent {
    KeyEvent::new(code, KeyModifiers::NONE)
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

/// Buttons are tap targets at least three rows tall at 80x24; options too, unless a long list
/// is shown a row each (two if its words wrap) so that every answer fits (issue 14): then each
/// option's whole row,
/// at least half the window wide, is its target.
#[test]
fn tap_targets_are_three_rows() {
    let (q, ex) = (shipped(), example());
    // The paper form is reception's keyboard screen, not a patient's touch screen.
    for (name, m) in screens(&q, &ex)
        .into_iter()
        .filter(|(name, _)| !name.starts_with("paper_form"))
    {
        let (_, hits) = draw(&m, 80, 24);
        for (r, t) in &hits.targets {
            match t {
                Target::Button(_) => {
                    assert!(r.height >= 3, "{name}: {t:?} is {} rows", r.height);
                }
                Target::Option(_) => assert!(
                    r.height >= 3 || r.width >= 36,
                    "{name}: {t:?} is {}x{}",
                    r.width,
                    r.height
                ),
                _ => {}
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

/// The clinic's own wording (settings `[wording] practitioner`) is what the patient reads on
/// the h_practitioner screen, the shipped default otherwise; the record's JSON keeps which.
#[test]
fn clinic_wording_on_the_practitioner_screen() {
    let src = std::fs::read_to_string("tests/fixtures/config/wording.toml").expect("fixture");
    let (config, _) = triage::config::load_config(&src, std::path::Path::new(".")).expect("ok");
    let shipped_q = shipped();
    let mut q = shipped();
    q.apply_wording(config.wording_pairs()).expect("fits");
    let at = q.item_index("h_practitioner").expect("item");
    let mut m = Model::new(Session::new(&q, common::visit()), Mode::Run, t0());
    m.go_to(triage::engine::Step::base(at));
    let (text, _) = draw(&m, 80, 24);
    assert!(
        text.contains("Dr Asha Rao") && text.contains("Did you know this?"),
        "{text}"
    );
    let json = triage::summary::to_json(&m.session, &triage::summary::Context::default());
    assert_eq!(
        json["questionnaire"]["wording"]["practitioner"]["from"],
        "clinic"
    );
    let mut m = Model::new(Session::new(&shipped_q, common::visit()), Mode::Run, t0());
    m.go_to(triage::engine::Step::base(at));
    let (text, _) = draw(&m, 80, 24);
    assert!(
        text.contains("see and examine you in person first") && !text.contains("Dr Asha Rao"),
        "{text}"
    );
    // A name the questionnaire does not have changes nothing and says so.
    let mut q = shipped();
    let err = q
        .apply_wording(vec![("practioner", "Dr Rao")])
        .expect_err("unknown");
    assert!(err[0].to_string().contains("did you mean `practitioner`"));
    assert!(q.item(at).text.contains("see and examine you"));
}

/// The transcribed option ("typed in by staff from my paper form") is offered in reception
/// mode only; patients never see it, and option numbers are the same in both modes.
#[test]
fn staff_only_option_only_in_reception_mode() {
    let q = shipped();
    let at = q.item_index("a_respondent").expect("item");
    for (mode, shown) in [
        (Mode::Run, false),
        (Mode::Kiosk, false),
        (Mode::Staff, true),
    ] {
        let mut m = Model::new(Session::new(&q, common::visit()), mode, t0());
        m.go_to(triage::engine::Step::base(at));
        let (text, _) = draw(&m, 80, 24);
        assert_eq!(
            text.contains("Typed in by staff from my paper form"),
            shown,
            "{mode:?}:\n{text}"
        );
        assert!(
            text.contains("1  Me, the patient") || text.contains("1 Me, the patient"),
            "{text}"
        );
        // The fourth option cannot be chosen by key where it is not shown.
        update(
            &mut m,
            Msg::Key(crossterm::event::KeyEvent::from(
                crossterm::event::KeyCode::Char('4'),
            )),
        );
        let chosen = matches!(
            m.field,
            Field::Choice {
                chosen: Some(3),
                ..
            }
        );
        assert_eq!(chosen, shown, "{mode:?}");
    }
}
