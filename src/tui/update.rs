//! `update(&mut Model, Msg) -> Vec<Effect>`: the only place the walk-through's state changes.
//! Messages common to every screen (ticks, save results, kiosk timing, staff access) are handled
//! here; keys, taps and pastes go to the screen showing.

use super::keymap::{self, Intent};
use super::model::{Action, AfterPin, Effect, Model, Msg, Screen, Target};
use super::screens;
use crate::strings;

pub fn update(m: &mut Model<'_>, msg: Msg) -> Vec<Effect> {
    let before = std::mem::discriminant(&m.screen);
    let effects = route(m, msg);
    if std::mem::discriminant(&m.screen) != before {
        // Another screen starts at its top.
        m.reset_view();
    }
    effects
}

fn route(m: &mut Model<'_>, msg: Msg) -> Vec<Effect> {
    match msg {
        Msg::Tick(now) => {
            m.now = now;
            m.session.set_now(now);
            screens::staff::count_down(m);
            // Retry the oldest save that failed; once it is saved the next follows at once
            // (see `Saved`). One try per tick: a locked database costs one short wait per
            // tick, not one per unsaved answer, so the keyboard never stalls.
            let mut effects: Vec<Effect> = m
                .unsaved
                .first()
                .map(|(item, value)| Effect::Save {
                    item: item.clone(),
                    value: value.clone(),
                })
                .into_iter()
                .collect();
            if m.kiosk.is_some() {
                effects.extend(kiosk_tick(m));
            }
            effects
        }
        Msg::DraftStarted(id) => {
            m.draft = Some(id);
            Vec::new()
        }
        Msg::Saved(item) => {
            let was_waiting = m.unsaved.iter().any(|(i, _)| *i == item);
            m.unsaved.retain(|(i, _)| *i != item);
            match m.unsaved.first() {
                None => {
                    m.save_problem = None;
                    Vec::new()
                }
                // The store takes saves again: the next waiting answer goes now.
                Some((item, value)) if was_waiting => vec![Effect::Save {
                    item: item.clone(),
                    value: value.clone(),
                }],
                Some(_) => Vec::new(),
            }
        }
        Msg::SaveFailed { item, value, .. } => {
            // A newer value for an item replaces its older unsaved one, in its place in line.
            match m.unsaved.iter_mut().find(|(i, _)| *i == item) {
                Some(waiting) => waiting.1 = value,
                None => m.unsaved.push((item, value)),
            }
            m.save_problem = Some(strings::SAVE_FAILING.to_owned());
            Vec::new()
        }
        Msg::LoadFailed(reason) => {
            m.show(Screen::Welcome);
            m.notice = Some(strings::load_failed(&crate::text::clean_line(&reason)));
            Vec::new()
        }
        Msg::Restored {
            draft,
            made_with,
            answers,
            latches,
        } => screens::resume::restored(m, draft, &made_with, &answers, latches),
        Msg::Alerted { flag, status } => alerted(m, flag, status),
        Msg::DobChecked {
            draft,
            matches,
            tries_left,
        } => screens::resume::dob_checked(m, draft, matches, tries_left),
        Msg::DraftInUse => {
            m.show(Screen::Welcome);
            m.notice = Some(strings::DRAFT_IN_USE.to_owned());
            Vec::new()
        }
        Msg::Completed(id) => {
            m.save_problem = None;
            if let Some(k) = &mut m.kiosk {
                // Nothing of the finished patient stays in memory or behind Back.
                k.last_record = Some(id);
                k.thanks_since = Some(m.now);
                m.start_over();
                m.show(Screen::Thanks);
                return vec![Effect::Deliver(id)];
            }
            m.record = Some(id);
            m.show(Screen::Thanks);
            Vec::new()
        }
        // Failures the store reports are for staff: the form stays, the line says so.
        Msg::AuditFailed(_) | Msg::CompleteFailed(_) => {
            m.save_problem = Some(strings::SAVE_FAILING.to_owned());
            Vec::new()
        }
        Msg::PinChecked(check) => screens::staff::pin_checked(m, check),
        Msg::PinUnavailable(reason) => screens::staff::pin_unavailable(m, reason),
        Msg::Delivered(id, problem) => {
            let event = if problem.is_some() {
                crate::store::AuditEvent::PrintFailed
            } else {
                crate::store::AuditEvent::Printed
            };
            if let Some(k) = &mut m.kiosk {
                k.staff_notice = problem.map(|p| {
                    let kiosk_keys = [keymap::patient::operator_table(keymap::Operator::Kiosk)];
                    keymap::fill_keys(
                        &strings::fill(
                            &strings::fill(strings::STAFF_PRINT_FAILED, id),
                            crate::text::clean_line(&p),
                        ),
                        &kiosk_keys,
                    )
                });
            }
            vec![Effect::AuditRecord { event, record: id }]
        }
        Msg::Stopping => match m.screen {
            Screen::Step(crate::engine::Step::Item(at)) => screens::step::keep_on_screen(m, at),
            Screen::Form { focus, .. } => {
                screens::step::keep_on_screen(m, crate::questionnaire::At::base(focus))
            }
            _ => Vec::new(),
        },
        Msg::Key(_)
        | Msg::Intent(_)
        | Msg::Tap(_)
        | Msg::Paste(_)
        | Msg::Scroll(_)
        | Msg::Touched => input(m, msg),
    }
}

fn input(m: &mut Model<'_>, msg: Msg) -> Vec<Effect> {
    let was_warned = idle_warning_showing_for(m);
    // Keys become intents here, through the tables of the screen showing (crate::tui::keymap):
    // no screen reads a key code. A key without one still says someone is there.
    let msg = match msg {
        Msg::Key(k) => {
            let (keys, op) = m.key_mode();
            keymap::patient::intent(keys, op, &k).map_or(Msg::Touched, Msg::Intent)
        }
        other => other,
    };
    let on_staff_screen = matches!(m.screen, Screen::StaffPin { .. } | Screen::StaffMenu { .. });
    if m.kiosk.is_some() {
        if let Some(k) = &mut m.kiosk {
            k.last_activity = m.now;
        }
        // Staff come first, whatever is showing: F12 (or the "Staff" tap target of a
        // touch-only kiosk) opens the PIN entry at once, even over "Are you still there?" and
        // in the thank-you screen's first moments.
        let staff_asked = matches!(
            msg,
            Msg::Intent(Intent::Staff) | Msg::Tap(Target::Button(Action::Staff))
        );
        if staff_asked && !on_staff_screen {
            screens::staff::open_pin(m, AfterPin::Menu);
            return Vec::new();
        }
    }
    if m.kiosk.is_some() && m.screen == Screen::Thanks && !screens::thanks::settled(m) {
        // Keys still being pressed by the patient who just sent do not start the next form.
        return Vec::new();
    }
    if m.kiosk.is_some() {
        if was_warned {
            return Vec::new(); // the key or tap only says "I'm still here"
        }
    } else if let Msg::Intent(i) = &msg {
        // With a staff PIN set, a safety pause cannot be left by stopping the program from the
        // keyboard either: staff use the PIN (or stop it from outside, which keeps the form).
        let pause_locked =
            m.staff_pin && (on_staff_screen || matches!(m.screen, Screen::Pause { .. }));
        if *i == Intent::Quit && !pause_locked {
            // Every committed answer is already saved; the draft can be resumed later.
            return vec![Effect::Quit];
        }
        if *i == Intent::Sections
            && m.mode.is_staff()
            && let Some(step) = match m.screen {
                Screen::Step(step) => Some(step),
                Screen::Form { focus, .. } => Some(crate::engine::Step::base(focus)),
                _ => None,
            }
        {
            m.screen = Screen::Sections {
                focus: 0,
                back: step,
            };
            return Vec::new();
        }
    }
    match m.screen.clone() {
        Screen::Welcome => screens::welcome::update(m, msg),
        Screen::Resume { .. } => screens::resume::update(m, msg),
        Screen::ResumeDob { .. } => screens::resume::dob_update(m, msg),
        Screen::Step(step) => screens::step::update(m, step, msg),
        Screen::Review { focus } => screens::review::update(m, focus, msg),
        Screen::Confirm => screens::confirm::update(m, msg),
        Screen::Pause { flag, at } => screens::pause::update(m, flag, at, msg),
        Screen::Thanks => screens::thanks::update(m, msg),
        Screen::StaffPin { .. } => screens::staff::pin_update(m, msg),
        Screen::StaffMenu { focus, .. } => screens::staff::menu_update(m, focus, msg),
        Screen::Sections { focus, back } => screens::sections::update(m, focus, back, msg),
        Screen::Intake { focus } => screens::intake::update(m, focus, msg),
        Screen::Form { .. } => screens::form::update(m, msg),
    }
}

/// The staff alert for a pause started, or finished: kept with the latched flag (for the
/// doctor's page) and, once known, in the audit log.
fn alerted(
    m: &mut Model<'_>,
    flag: crate::questionnaire::FlagIdx,
    status: crate::engine::AlertStatus,
) -> Vec<Effect> {
    use crate::engine::AlertStatus;
    use crate::store::AuditEvent;
    let status = match status {
        AlertStatus::Sent { at: None } => AlertStatus::Sent { at: Some(m.now) },
        AlertStatus::Failed { at: None, reason } => AlertStatus::Failed {
            at: Some(m.now),
            reason,
        },
        other => other,
    };
    let id = m.session.questionnaire().flag_at(flag).id.clone();
    let audit = match &status {
        AlertStatus::Pending => None,
        AlertStatus::Sent { .. } => Some((AuditEvent::AlertSent, id)),
        AlertStatus::Failed { reason, .. } => Some((
            AuditEvent::AlertFailed,
            format!("{id}: {}", crate::text::clean_line(reason)),
        )),
        AlertStatus::NotConfigured => Some((AuditEvent::AlertNotConfigured, id)),
    };
    m.session.record_alert(flag, status);
    audit
        .map(|(event, detail)| Effect::Audit { event, detail })
        .into_iter()
        .collect()
}

/// Whether the kiosk's "Are you still there?" is showing: a patient is in the middle of the form
/// (not on a safety pause or a staff screen) and nothing has happened for `idle_warning`.
pub fn idle_warning_showing_for(m: &Model<'_>) -> bool {
    let Some(k) = &m.kiosk else { return false };
    let patient_screen = !matches!(
        m.screen,
        Screen::Pause { .. } | Screen::Thanks | Screen::StaffPin { .. } | Screen::StaffMenu { .. }
    );
    patient_screen && m.has_patient() && k.idle_for(m.now) >= k.idle_warning
}

/// The kiosk's clock: the thank-you screen gives way to the welcome screen, staff screens left
/// open close, and an idle patient's session is wiped (its draft kept as abandoned, for staff).
fn kiosk_tick(m: &mut Model<'_>) -> Vec<Effect> {
    let Some(k) = &m.kiosk else { return Vec::new() };
    let idle = k.idle_for(m.now);
    match &m.screen {
        Screen::Thanks => {
            let shown: std::time::Duration = k
                .thanks_since
                .map(|t| std::time::Duration::try_from(m.now.duration_since(t)).unwrap_or_default())
                .unwrap_or_default();
            if shown >= k.thanks {
                m.show(Screen::Welcome);
            }
            Vec::new()
        }
        Screen::StaffPin { back, .. } | Screen::StaffMenu { back, .. } => {
            if idle >= k.idle_warning {
                m.screen = (**back).clone();
            }
            Vec::new()
        }
        Screen::Pause { .. } => Vec::new(),
        _ if m.has_patient() && idle >= k.idle_reset => {
            let effects = m.draft.map(Effect::AbandonDraft).into_iter().collect();
            m.start_over();
            effects
        }
        _ => Vec::new(),
    }
}
