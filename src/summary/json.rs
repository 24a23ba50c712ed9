//! The summary as JSON: the contract other systems read (ARCHITECTURE.md §5). Only visible
//! answers appear; hidden ones are listed by id under `not_asked`.

use serde_json::{Map, Value, json};

use super::{Context, ordered_flags, trigger_texts, value_text};
use crate::answers;
use crate::engine::{AlertStatus, Latch, Problem, Session};

#[allow(
    clippy::indexing_slicing,
    reason = "writes into a JSON object made by `json!({..})` just above: `Value`'s IndexMut inserts into an object and cannot panic"
)]
pub fn to_json(s: &Session<'_>, ctx: &Context) -> Value {
    let q = s.questionnaire();
    let mut answers_map = Map::new();
    for (i, it, _) in q.questions() {
        if let Some(v) = answers::item_json(s, i, true) {
            answers_map.insert(it.id.clone(), v);
        }
    }
    let mut derived = Map::new();
    for (d, def) in q.derived_indexed() {
        let known = s.derived_known(d);
        let v = match s.derived_value(d).filter(|_| known) {
            Some(crate::expr::Val::Bool(b)) => Value::Bool(b),
            Some(crate::expr::Val::Num(n)) => json!(n),
            Some(_) => {
                value_text(s, crate::expr::Ref::Derived(d)).map_or(Value::Null, Value::String)
            }
            None => Value::Null,
        };
        let v = match v {
            Value::Number(n) if n.as_f64().is_some_and(|f| f.fract() == 0.0) => {
                json!(crate::expr::num::f64_to_i64(n.as_f64().unwrap_or_default()))
            }
            other => other,
        };
        derived.insert(def.id.clone(), v);
    }
    let flags: Vec<Value> = ordered_flags(s)
        .into_iter()
        .map(|(flag, fired)| {
            let (text, _) = super::fill(s, &flag.text);
            let triggered: Vec<Value> = trigger_texts(s, &fired, super::TextUse::Exact)
                .into_iter()
                .map(|t| {
                    let id = &q.item(t.item).id;
                    let answer = t.value.as_ref().map_or(Value::Null, |a| answers::to_json(q, t.item, a));
                    json!({ "id": id, "answer": answer, "text": format!("{}: {}", t.label, t.answer) })
                })
                .collect();
            let mut f = json!({ "id": flag.id, "severity": flag.severity.as_str(), "text": text, "triggered_by": triggered });
            if let Some(b) = &flag.basis {
                f["basis"] = json!(b);
            }
            if let Some(a) = flag.action {
                f["action"] = json!(match a {
                    crate::questionnaire::FlagAction::End => "end",
                    crate::questionnaire::FlagAction::Pause => "pause",
                });
            }
            if let Some(l) = s.latch(fired.flag) {
                f["latched"] = latch_json(s, l);
            }
            f
        })
        .collect();
    let outcome = s.outcome();
    let o = outcome.text(&q.outcome);
    let missing: Vec<&str> = s
        .problems()
        .filter_map(|p| {
            matches!(p, Problem::Missing(_) | Problem::TooFew(..))
                .then(|| q.item(p.item()).id.as_str())
        })
        .collect();
    let invalid: Vec<Value> = s
        .problems()
        .filter_map(|p| match p {
            Problem::Invalid(a, m) => Some(json!({ "id": q.item(a.item).id, "message": m })),
            Problem::Missing(_) | Problem::TooFew(..) => None,
        })
        .collect();
    let not_asked: Vec<&str> = s.not_asked().map(|i| q.item(i).id.as_str()).collect();
    let counts = super::counts(s);
    let mut out = json!({
        "questionnaire": { "id": q.meta.id, "version": q.meta.version, "title": q.meta.title, "content_hash": q.content_hash },
        "visit_date": super::iso(s.visit_date()),
        "outcome": outcome.as_str(),
        "outcome_text": format!("{} {}", o.text, q.outcome.footer),
        "counts": {
            "stop": counts.stop,
            "caution": counts.caution,
            "note": counts.note,
        },
        "flags": flags,
        "derived": derived,
        "answers": answers_map,
        "not_asked": not_asked,
        "missing": missing,
        "invalid": invalid,
        // Complete means assessed: every required answer given and nothing ended early.
        "complete": s.not_assessed().is_none(),
    });
    if !q.meta.wording.is_empty() {
        // The patient read the clinic's own wording (or the shipped default): keep which.
        let wording: serde_json::Map<String, Value> = q
            .meta
            .wording
            .iter()
            .map(|w| {
                let from = if w.clinic.is_some() {
                    "clinic"
                } else {
                    "default"
                };
                (w.name.clone(), json!({ "text": w.text(), "from": from }))
            })
            .collect();
        out["questionnaire"]["wording"] = Value::Object(wording);
    }
    if let Some(current) = crate::questionnaire::versions::superseded_by(q) {
        out["questionnaire"]["superseded_by"] = json!(current);
    }
    if let Some(c) = &ctx.completed_at {
        out["completed_at"] = json!(c);
    }
    if let Some(id) = &ctx.record_id {
        out["record_id"] = json!(id);
    }
    if let Some(end) = s.ended_at() {
        out["ended_after"] = json!(q.item(end).id);
    }
    if let Some(why) = s.not_assessed() {
        out["outcome_reason"] = json!(why.as_str());
        out["outcome_reason_text"] = json!(super::not_assessed_text(s, why));
    }
    out
}

/// A latched flag's record: when it fired, on which answers, what became of the staff alert,
/// who released the pause, and whether the answers were changed afterwards.
#[allow(
    clippy::indexing_slicing,
    reason = "writes into a JSON object made by `json!({..})` just above: `Value`'s IndexMut inserts into an object and cannot panic"
)]
pub fn latch_json(s: &Session<'_>, l: &Latch) -> Value {
    let q = s.questionnaire();
    let ts = |t: Option<jiff::Timestamp>| t.map_or(Value::Null, |t| json!(t.to_string()));
    let answers: Map<String, Value> = l
        .answers
        .iter()
        .map(|(i, a)| (q.item(*i).id.clone(), answers::to_json(q, *i, a)))
        .collect();
    let mut v = json!({
        "fired_at": ts(l.fired_at),
        "answers": answers,
        "holds_now": s.holds_now(l.flag),
        "story": super::latch_story(s, l),
    });
    if let Some(changed) = l.changed {
        v["changed_at"] = ts(changed);
    }
    if let Some(a) = &l.alert {
        v["alert"] = match a {
            AlertStatus::Sent { at } => json!({ "status": a.as_str(), "at": ts(*at) }),
            AlertStatus::Failed { at, reason } => {
                json!({ "status": a.as_str(), "at": ts(*at), "reason": reason })
            }
            _ => json!({ "status": a.as_str() }),
        };
    }
    if let Some(r) = l.release {
        v["release"] = json!({ "by": r.by.as_str(), "action": r.action.as_str(), "at": ts(r.at) });
    }
    v
}
