//! triage's own questionnaires written as FHIR R4 Questionnaires (`triage convert --to fhir`).
//!
//! Sections become groups, questions keep their ids as linkIds and their option values as codes,
//! so a QuestionnaireResponse triage writes matches the exported Questionnaire. A `show_if` becomes
//! `enableWhen` when FHIR can say the same thing: one condition, or several joined all by `and` or
//! all by `or`, each comparing one answer with a fixed value (derived yes/no values are written
//! out in full). Anything else is kept word for word in triage's own extension, which triage
//! reads back exactly and other FHIR tools ignore, and a note says which item and why.
//! Flags, outcome texts and the doctor's page are triage's own and are not exported.

use serde_json::{Value, json};

use crate::expr::num::f64_to_i64;
use crate::expr::{CmpOp, Expr, Ref, Ty, Val};
use crate::questionnaire::{
    ChoiceStyle, DateBound, ItemIdx, ItemKind, OptionIdx, QuestionKind, Questionnaire,
};

use super::import::{HELP_SUFFIX, INTRO_SUFFIX, ext};

/// The Questionnaire and what could not be carried over exactly.
pub struct Exported {
    pub json: Value,
    /// Plain sentences naming the item (or part) and why.
    pub notes: Vec<String>,
}

#[allow(
    clippy::indexing_slicing,
    reason = "writes into a JSON object made by `json!({..})` just above: `Value`'s IndexMut inserts into an object and cannot panic"
)]
pub fn questionnaire_to_fhir(q: &Questionnaire) -> Exported {
    let mut x = Exporter {
        q,
        notes: Vec::new(),
        triage_only: Vec::new(),
    };
    let name: String = q
        .meta
        .id
        .split(['-', '_'])
        .map(|w| {
            let mut c = w.chars();
            c.next()
                .map(|f| f.to_uppercase().chain(c).collect::<String>())
                .unwrap_or_default()
        })
        .collect();
    let mut out = json!({
        "resourceType": "Questionnaire",
        "id": q.meta.id,
        "url": q.meta.url.clone().unwrap_or_else(|| format!("urn:triage:questionnaire:{}", q.meta.id)),
        "version": q.meta.version,
        "name": name,
        "title": q.meta.title,
        "status": "active",
        "language": q.meta.language,
        "subjectType": ["Patient"],
    });
    if let Some(w) = &q.meta.welcome {
        out["description"] = json!(w);
    }
    // Derived values, dependencies first, for the conditions kept in triage's extension.
    let derived: Vec<Value> = q
        .order
        .iter()
        .filter_map(|n| match n {
            crate::questionnaire::Node::Derived(d) => Some(*d),
            crate::questionnaire::Node::Item(_) => None,
        })
        .filter_map(|d| {
            let dv = q.derived_at(d);
            let Some(src) = q.expr_source(&dv.expr) else {
                x.notes.push(format!(
                    "derived value `{}` cannot be written as text and is left out",
                    dv.id
                ));
                return None;
            };
            let mut parts = vec![
                json!({"url": "id", "valueString": dv.id}),
                json!({"url": "expr", "valueString": src}),
            ];
            if !dv.trigger {
                parts.push(json!({"url": "trigger", "valueString": "false"}));
            }
            Some(json!({"url": ext::TRIAGE_DERIVED, "extension": parts}))
        })
        .collect();
    if !derived.is_empty() {
        out["extension"] = Value::Array(derived);
    }
    let items: Vec<Value> = x.children(None);
    out["item"] = Value::Array(items);

    x.triage_only.dedup();
    if !x.triage_only.is_empty() {
        x.notes.push(format!(
            "the answer checks of {} (date limits counted from the visit date, rules between \
             answers) have no plain FHIR form; they are kept in triage's own extensions, which \
             other FHIR tools do not check",
            x.triage_only
                .iter()
                .map(|id| format!("`{id}`"))
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    let mut own = Vec::new();
    if !q.flags.is_empty() {
        own.push(format!("{} flags", q.flags.len()));
    }
    if q.meta.name_item.is_some() {
        own.push("the name question".to_owned());
    }
    if !q.meta.staff_answers.is_empty() {
        own.push("staff answers".to_owned());
    }
    own.push("outcome texts".to_owned());
    own.push("the doctor's page layout".to_owned());
    x.notes.push(format!(
        "{} are triage's own and are not exported: keep the TOML file as the master copy",
        join_and(&own)
    ));
    Exported {
        json: out,
        notes: x.notes,
    }
}

fn join_and(parts: &[String]) -> String {
    match parts {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

struct Exporter<'q> {
    q: &'q Questionnaire,
    notes: Vec<String>,
    /// Items with answer checks only triage applies (date limits from the visit date, rules).
    triage_only: Vec<String>,
}

/// One `enableWhen` entry.
type Ew = Value;

/// How a group of `enableWhen` entries combines.
#[derive(Clone, Copy, PartialEq)]
enum Behavior {
    One,
    All,
    Any,
}

impl Exporter<'_> {
    fn children(&mut self, parent: Option<ItemIdx>) -> Vec<Value> {
        let q = self.q;
        let range = match parent {
            Some(p) => p.next().up_to(q.item(p).end),
            None => ItemIdx::new(0).up_to(ItemIdx::at(q.items.len())),
        };
        range
            .filter(|&i| q.item(i).parent == parent)
            .map(|i| self.item(i))
            .collect()
    }

    #[allow(
        clippy::indexing_slicing,
        reason = "writes into a JSON object made by `json!({..})` just above: `Value`'s IndexMut inserts into an object and cannot panic"
    )]
    fn item(&mut self, i: ItemIdx) -> Value {
        let q = self.q;
        let it = q.item(i);
        let mut out = json!({ "linkId": it.id, "text": it.text });
        let mut extensions: Vec<Value> = Vec::new();
        let mut kids: Vec<Value> = Vec::new();
        match &it.kind {
            ItemKind::Group { intro } => {
                out["type"] = json!("group");
                if let Some(intro) = intro {
                    kids.push(json!({
                        "linkId": format!("{}{INTRO_SUFFIX}", it.id),
                        "type": "display",
                        "text": intro,
                    }));
                }
            }
            ItemKind::Info => out["type"] = json!("display"),
            ItemKind::Question(k) => {
                if it.required {
                    out["required"] = json!(true);
                }
                if it.read_only {
                    out["readOnly"] = json!(true);
                }
                self.question(i, k, &mut out, &mut extensions);
            }
        }
        if let Some(s) = &it.short {
            extensions.push(json!({"url": ext::TRIAGE_SHORT, "valueString": s}));
        }
        if let Some(c) = &it.show_if {
            self.condition(i, c, &mut out, &mut extensions);
        }
        if let Some((rule, message)) = &it.valid_if {
            match q.expr_source(rule) {
                Some(src) => {
                    self.triage_only.push(it.id.clone());
                    extensions.push(json!({
                        "url": ext::TRIAGE_VALID_IF,
                        "extension": [
                            {"url": "expr", "valueString": src},
                            {"url": "message", "valueString": message},
                        ],
                    }));
                }
                None => self.notes.push(format!(
                    "item `{}`: its answer rule cannot be written and is not exported",
                    it.id
                )),
            }
        }
        if let Some(h) = &it.help {
            kids.push(json!({
                "linkId": format!("{}{HELP_SUFFIX}", it.id),
                "type": "display",
                "text": h,
                "extension": [{
                    "url": ext::ITEM_CONTROL,
                    "valueCodeableConcept": {"coding": [{
                        "system": "http://hl7.org/fhir/questionnaire-item-control",
                        "code": "help",
                    }]},
                }],
            }));
        }
        kids.extend(self.children(Some(i)));
        if !extensions.is_empty() {
            out["extension"] = Value::Array(extensions);
        }
        if !kids.is_empty() {
            out["item"] = Value::Array(kids);
        }
        out
    }

    #[allow(
        clippy::indexing_slicing,
        reason = "writes into a JSON object made by `json!({..})` just above: `Value`'s IndexMut inserts into an object and cannot panic"
    )]
    fn question(&mut self, i: ItemIdx, k: &QuestionKind, out: &mut Value, ext: &mut Vec<Value>) {
        let it = self.q.item(i);
        match k {
            QuestionKind::Choice { style, options } => {
                out["type"] = json!("choice");
                if *style == ChoiceStyle::Multi {
                    out["repeats"] = json!(true);
                }
                let initial = match it.initial.first() {
                    Some(crate::answer::Answer::Choice(o)) => vec![*o],
                    Some(crate::answer::Answer::Multi(os)) => os.clone(),
                    _ => Vec::new(),
                };
                let opts: Vec<Value> = options
                    .iter()
                    .enumerate()
                    .map(|(n, o)| {
                        let mut coding = json!({"code": o.value, "display": o.label});
                        if let Some(s) = &o.system {
                            coding["system"] = json!(s);
                        }
                        let mut v = json!({ "valueCoding": coding });
                        let mut x = Vec::new();
                        if o.exclusive {
                            x.push(json!({"url": ext::OPTION_EXCLUSIVE, "valueBoolean": true}));
                        }
                        if let Some(ord) = o.ordinal {
                            x.push(json!({"url": ext::ORDINAL, "valueDecimal": ord}));
                        }
                        if !x.is_empty() {
                            v["extension"] = Value::Array(x);
                        }
                        if u32::try_from(n).is_ok_and(|n| initial.contains(&n)) {
                            v["initialSelected"] = json!(true);
                        }
                        v
                    })
                    .collect();
                out["answerOption"] = Value::Array(opts);
            }
            QuestionKind::Number {
                min,
                max,
                unit,
                integer,
                unit_one: _,
            } => {
                out["type"] = json!(if *integer { "integer" } else { "decimal" });
                let key = if *integer {
                    "valueInteger"
                } else {
                    "valueDecimal"
                };
                let num = |n: f64| -> Value {
                    if *integer {
                        json!(f64_to_i64(n))
                    } else {
                        json!(n)
                    }
                };
                for (bound, url) in [(min, ext::MIN_VALUE), (max, ext::MAX_VALUE)] {
                    if let Some(b) = bound {
                        ext.push(json!({"url": url, key: num(*b)}));
                    }
                }
                if let Some(u) = unit {
                    ext.push(json!({"url": ext::UNIT, "valueCoding": {"display": u}}));
                }
                if let Some(crate::answer::Answer::Number(n)) = it.initial.first() {
                    out["initial"] = json!([{ key: num(*n) }]);
                }
            }
            QuestionKind::Date { min, max, .. } => {
                out["type"] = json!("date");
                for (bound, url, own) in [
                    (min, ext::MIN_VALUE, ext::TRIAGE_MIN_DATE),
                    (max, ext::MAX_VALUE, ext::TRIAGE_MAX_DATE),
                ] {
                    match bound {
                        Some(DateBound::Fixed(d)) => {
                            ext.push(json!({"url": url, "valueDate": d.to_string()}));
                        }
                        Some(b) => match b.source() {
                            Some(src) => {
                                self.triage_only.push(it.id.clone());
                                ext.push(json!({"url": own, "valueString": src}));
                            }
                            None => self.notes.push(format!(
                                "item `{}`: a date limit cannot be written and is not exported",
                                it.id
                            )),
                        },
                        None => {}
                    }
                }
            }
            QuestionKind::Text {
                max_length,
                min_length,
                pattern,
            } => {
                out["type"] = json!(if *max_length > 200 { "text" } else { "string" });
                out["maxLength"] = json!(max_length);
                if *min_length > 0 {
                    ext.push(json!({"url": ext::MIN_LENGTH, "valueInteger": min_length}));
                }
                if let Some(p) = pattern {
                    ext.push(json!({"url": ext::REGEX, "valueString": p.regex.as_str()}));
                    ext.push(json!({"url": ext::ENTRY_FORMAT, "valueString": p.message}));
                }
                if let Some(crate::answer::Answer::Text(t)) = it.initial.first() {
                    out["initial"] = json!([{ "valueString": t }]);
                }
            }
        }
    }

    fn condition(&mut self, i: ItemIdx, c: &Expr, out: &mut Value, ext: &mut Vec<Value>) {
        let q = self.q;
        let id = &q.item(i).id;
        match self.lower(c) {
            Ok((ews, behavior)) => {
                if behavior != Behavior::One && ews.len() > 1 {
                    out["enableBehavior"] = json!(if behavior == Behavior::Any {
                        "any"
                    } else {
                        "all"
                    });
                }
                out["enableWhen"] = Value::Array(ews);
            }
            Err(why) => match q.expr_source(c) {
                Some(src) => {
                    self.notes.push(format!(
                        "item `{id}`: `{src}` cannot be written as FHIR enableWhen ({why}); it is \
                         kept in triage's own extension, which other FHIR tools ignore (they \
                         would always show this item)"
                    ));
                    ext.push(json!({"url": ext::TRIAGE_SHOW_IF, "valueString": src}));
                }
                None => self.notes.push(format!(
                    "item `{id}`: its condition cannot be exported ({why}); other tools will \
                     always show it"
                )),
            },
        }
    }

    /// The condition as `enableWhen` entries and how they combine, or why it cannot be.
    fn lower(&self, e: &Expr) -> Result<(Vec<Ew>, Behavior), String> {
        match e {
            Expr::Get(Ref::Derived(d)) if self.q.derived_at(*d).ty == Ty::Bool => {
                self.lower(&self.q.derived_at(*d).expr)
            }
            Expr::And(es) | Expr::Or(es) => {
                let and = matches!(e, Expr::And(_));
                let want = if and { Behavior::All } else { Behavior::Any };
                let mut all = Vec::new();
                for c in es {
                    let (ews, b) = self.lower(c)?;
                    if b != Behavior::One && b != want {
                        return Err(
                            "it mixes `and` with `or`, and enableWhen joins all of an item's \
                             conditions one way"
                                .to_owned(),
                        );
                    }
                    all.extend(ews);
                }
                Ok((all, want))
            }
            _ => self.atoms(e, false),
        }
    }

    /// A single comparison (possibly negated), which may need several entries for a set of
    /// options.
    fn atoms(&self, e: &Expr, negate: bool) -> Result<(Vec<Ew>, Behavior), String> {
        let q = self.q;
        let unsupported = || {
            Err(
                "enableWhen compares one answer with a fixed value; this condition does more"
                    .to_owned(),
            )
        };
        match e {
            Expr::Not(inner) => self.atoms(inner, !negate),
            Expr::Get(Ref::Derived(d)) if !negate && q.derived_at(*d).ty == Ty::Bool => {
                self.lower(&q.derived_at(*d).expr)
            }
            Expr::Answered(Ref::Question(qi)) => Ok((
                vec![json!({
                    "question": q.item(*qi).id,
                    "operator": "exists",
                    "answerBoolean": !negate,
                })],
                Behavior::One,
            )),
            Expr::OneOf {
                subject,
                options,
                negated,
            } => {
                let Expr::Get(Ref::Question(qi)) = **subject else {
                    return Err("it compares a worked-out value, not an answer".to_owned());
                };
                let neg = negate != *negated;
                Ok(self.codings(qi, options, neg, !neg))
            }
            Expr::Has {
                question,
                options,
                all,
            } => {
                if negate && options.len() > 1 {
                    return Err("`not ... has any/all` has no enableWhen form".to_owned());
                }
                // FHIR tools differ on `!=` for a question with several answers (none equal, or
                // any differs); both agree when the option excludes every other.
                let it = q.item(*question);
                let exclusive = options
                    .iter()
                    .all(|&o| it.option(o).is_some_and(|o| o.exclusive));
                if negate && !exclusive {
                    return Err(format!(
                        "`not ... has` on a multi-choice question: FHIR tools read `!=` on \
                         several answers differently unless the option (\"{}\") excludes the others",
                        options
                            .first()
                            .and_then(|&o| it.option(o))
                            .map_or("", |o| o.value.as_str())
                    ));
                }
                Ok(self.codings(*question, options, negate, !*all))
            }
            Expr::Cmp(op, a, b) => {
                let (qi, op, lit) = match (&**a, &**b) {
                    (Expr::Get(Ref::Question(qi)), Expr::Lit(v)) => (*qi, *op, *v),
                    (Expr::Lit(v), Expr::Get(Ref::Question(qi))) => (*qi, flip(*op), *v),
                    _ => return unsupported(),
                };
                // `not (a < b)` is true for an unanswered `a`, but `a >= b` is not.
                let op = match (negate, op) {
                    (false, op) => op,
                    (true, CmpOp::Eq) => CmpOp::Ne,
                    (true, CmpOp::Ne) => CmpOp::Eq,
                    (true, _) => {
                        return Err(
                            "`not` around an ordering has no enableWhen form (it would differ \
                             for an unanswered question)"
                                .to_owned(),
                        );
                    }
                };
                let answer = match lit {
                    Val::Num(n) => {
                        let integer = matches!(
                            q.item(qi).question(),
                            Some(QuestionKind::Number { integer: true, .. })
                        ) && n.fract() == 0.0;
                        if integer {
                            ("answerInteger", json!(f64_to_i64(n)))
                        } else {
                            ("answerDecimal", json!(n))
                        }
                    }
                    Val::Date(d) => ("answerDate", json!(d.to_string())),
                    Val::Bool(b) => ("answerBoolean", json!(b)),
                    Val::Choice(_) => return unsupported(),
                };
                Ok((
                    vec![json!({
                        "question": q.item(qi).id,
                        "operator": op.symbol(),
                        answer.0: answer.1,
                    })],
                    Behavior::One,
                ))
            }
            Expr::Get(Ref::Derived(d)) => Err(format!(
                "it reads the worked-out value `{}`",
                q.derived_at(*d).id
            )),
            Expr::And(_) | Expr::Or(_) if !negate => self.lower(e),
            Expr::And(_) | Expr::Or(_) => {
                Err("`not` around `and`/`or` has no enableWhen form".to_owned())
            }
            Expr::Count(_) | Expr::CountTrue(_) => {
                Err("it counts answers, which enableWhen cannot".to_owned())
            }
            Expr::YearsBetween(..) | Expr::DaysBetween(..) => {
                Err("it works out a time between dates, which enableWhen cannot".to_owned())
            }
            Expr::Lit(_) => Err("it is a fixed value".to_owned()),
            Expr::Get(_) | Expr::Answered(_) | Expr::TextCmp { .. } | Expr::Path { .. } => {
                unsupported()
            }
        }
    }

    /// `=` (or `!=`) entries for each option. Several options combine with `any` when the
    /// condition holds for any of them, else with `all`.
    #[allow(
        clippy::indexing_slicing,
        reason = "writes into a JSON object made by `json!({..})` just above: `Value`'s IndexMut inserts into an object and cannot panic"
    )]
    fn codings(
        &self,
        qi: ItemIdx,
        options: &[OptionIdx],
        ne: bool,
        any: bool,
    ) -> (Vec<Ew>, Behavior) {
        let item = self.q.item(qi);
        let ews: Vec<Ew> = options
            .iter()
            .filter_map(|&o| item.option(o))
            .map(|o| {
                let mut coding = json!({"code": o.value});
                if let Some(s) = &o.system {
                    coding["system"] = json!(s);
                }
                json!({
                    "question": item.id,
                    "operator": if ne { "!=" } else { "=" },
                    "answerCoding": coding,
                })
            })
            .collect();
        let behavior = match (ews.len(), any) {
            (1, _) => Behavior::One,
            (_, true) => Behavior::Any,
            (_, false) => Behavior::All,
        };
        (ews, behavior)
    }
}

fn flip(op: CmpOp) -> CmpOp {
    match op {
        CmpOp::Lt => CmpOp::Gt,
        CmpOp::Le => CmpOp::Ge,
        CmpOp::Gt => CmpOp::Lt,
        CmpOp::Ge => CmpOp::Le,
        other => other,
    }
}
