//! The FHIR side of a session: answers typed as FHIR answer values (shared by the exported
//! QuestionnaireResponse), the response tree FHIRPath expressions read as `%resource`, and the
//! conversion of a calculated FHIRPath result back into an answer. Pure: no I/O.

use std::cell::RefCell;
use std::collections::HashMap;

use serde_json::{Map, Value as Json, json};

use super::layout::{Step, pos_of as pos};
use crate::answer::{Answer, PartialDate};
use crate::expr::fhirpath::{self, Coll, Val};
use crate::expr::num::f64_to_i64;
use crate::questionnaire::{
    At, ChoiceStyle, FhirLogic, Inst, Item, ItemIdx, ItemKind, OPEN_CHOICE_TEXT, OTHER,
    QuestionKind, Questionnaire,
};

/// Whether an item is triage's own "something else" text box of an open-choice (no FHIR item).
pub fn is_other_text(q: &Questionnaire, i: ItemIdx) -> bool {
    q.item(i)
        .fhir
        .as_ref()
        .is_some_and(|f| f.kind == OPEN_CHOICE_TEXT)
}

fn number(n: f64) -> Json {
    if n.fract() == 0.0 && n.abs() < 9e15 {
        json!(f64_to_i64(n))
    } else {
        json!(n)
    }
}

/// `valueQuantity` with the unit's name, system and code.
#[allow(
    clippy::indexing_slicing,
    reason = "`kids`, `paths` and `steps` are all `n` long and positions are below `n`; JSON objects are made by `json!({..})` here (IndexMut on an object inserts, it cannot panic)"
)]
fn quantity(value: f64, unit: Option<&crate::questionnaire::FhirUnit>) -> Json {
    let mut qv = json!({ "value": number(value) });
    if let Some(u) = unit {
        qv["unit"] = json!(u.display);
        if let Some(s) = &u.system {
            qv["system"] = json!(s);
        }
        if let Some(c) = &u.code {
            qv["code"] = json!(c);
        }
    }
    json!({ "valueQuantity": qv })
}

/// The typed FHIR answer values (`valueCoding`, `valueQuantity`, ...) of the answer `a` given
/// at occurrence `at`. An open-choice's "something else" becomes the typed text, read with
/// `answer_of`. Errors: an option index the item does not have, or an integer option whose value
/// is not a number (never written as 0 or left out silently).
#[allow(
    clippy::indexing_slicing,
    reason = "`kids`, `paths` and `steps` are all `n` long and positions are below `n`; JSON objects are made by `json!({..})` here (IndexMut on an object inserts, it cannot panic)"
)]
pub fn answer_values(
    q: &Questionnaire,
    at: At,
    a: &Answer,
    answer_of: &dyn Fn(At) -> Option<Answer>,
) -> Result<Vec<Json>, String> {
    let i = at.item;
    let it = q.item(i);
    let Some(kind) = it.question() else {
        return Ok(Vec::new());
    };
    let fhir_kind = it.fhir.as_ref().map(|f| f.kind.as_str());
    let option = |o: &u32| -> Result<Option<Json>, String> {
        let opt = it
            .options()
            .get(*o as usize)
            .ok_or_else(|| format!("item '{}' has no option {o}", it.id))?;
        if opt.value == OTHER {
            let text = i
                .next()
                .up_to(it.end)
                .find(|&c| is_other_text(q, c))
                .and_then(|c| {
                    answer_of(At {
                        item: c,
                        inst: at.inst,
                    })
                });
            return Ok(match text {
                Some(Answer::Text(t)) => Some(json!({ "valueString": t })),
                _ => None,
            });
        }
        let given = it
            .fhir
            .as_ref()
            .and_then(|f| f.option_kinds.get(*o as usize))
            .map(String::as_str);
        Ok(Some(match (fhir_kind, given) {
            (Some("boolean"), _) => json!({ "valueBoolean": opt.value == "true" }),
            (_, Some("valueString")) => json!({ "valueString": opt.value }),
            (_, Some("valueInteger")) => {
                let n: i64 = opt.value.parse().map_err(|_| {
                    format!(
                        "option '{}' of item '{}' is not a whole number",
                        opt.value, it.id
                    )
                })?;
                json!({ "valueInteger": n })
            }
            (_, Some("valueDate")) => json!({ "valueDate": opt.value }),
            (_, Some("valueTime")) => json!({ "valueTime": opt.value }),
            _ => {
                let mut c = json!({ "code": opt.value, "display": opt.label });
                if let Some(sys) = &opt.system {
                    c["system"] = json!(sys);
                }
                json!({ "valueCoding": c })
            }
        }))
    };
    Ok(match (kind, a) {
        (QuestionKind::Choice { .. }, Answer::Choice(o)) => option(o)?.into_iter().collect(),
        (
            QuestionKind::Choice {
                style: ChoiceStyle::Multi,
                ..
            },
            Answer::Multi(list),
        ) => {
            let mut out = Vec::new();
            for o in list {
                out.extend(option(o)?);
            }
            out
        }
        (QuestionKind::Number { .. }, Answer::Quantity { value, .. }) => {
            vec![quantity(
                *value,
                it.fhir.as_ref().and_then(|f| f.unit_of(a)),
            )]
        }
        (QuestionKind::Number { integer, .. }, Answer::Number(n)) => match fhir_kind {
            Some("quantity") => vec![quantity(*n, it.fhir.as_ref().and_then(|f| f.unit.as_ref()))],
            // valueInteger is 32-bit: a whole number beyond it goes out as valueDecimal,
            // never clamped.
            #[allow(
                clippy::cast_possible_truncation,
                reason = "guarded: |n| <= i32::MAX on this arm, and `as` drops only the fraction"
            )]
            _ if *integer && n.abs() <= f64::from(i32::MAX) => {
                vec![json!({ "valueInteger": *n as i32 })]
            }
            _ => vec![json!({ "valueDecimal": n })],
        },
        (QuestionKind::Date { .. }, Answer::Date(d)) => match fhir_kind {
            Some("dateTime") => vec![json!({ "valueDateTime": d.to_iso() })],
            _ => vec![json!({ "valueDate": d.to_iso() })],
        },
        (QuestionKind::Text { .. }, Answer::Text(t)) => match fhir_kind {
            Some("time") => vec![
                json!({ "valueTime": if t.len() == 5 { format!("{t}:00") } else { t.clone() } }),
            ],
            Some("choice") => vec![json!({ "valueCoding": { "code": t } })],
            Some("url") => vec![json!({ "valueUri": t })],
            _ => vec![json!({ "valueString": t })],
        },
        _ => Vec::new(),
    })
}

/// The QuestionnaireResponse that FHIRPath reads as `%resource`, kept up to date in place as
/// answers change: every occurrence of every item has a node (so each has a `%context`; a
/// repeating item has one node per instance, with the same linkId), answers only where the
/// occurrence is enabled. A question's children are kept under its `item` so `repeat(item)`
/// reaches them.
#[derive(Debug)]
pub struct Tree {
    pub root: Json,
    /// The path of each occurrence's node (indexes into nested `item` arrays), by layout
    /// position; `None` for an open-choice's text box and "add another" places.
    paths: Vec<Option<Box<[u32]>>>,
    /// Node addresses to layout positions, to map what an expression read back to occurrences.
    addr: HashMap<usize, u32>,
}

impl Clone for Tree {
    /// A copy has its own node addresses: they are worked out again.
    fn clone(&self) -> Self {
        let mut t = Tree {
            root: self.root.clone(),
            paths: self.paths.clone(),
            addr: HashMap::new(),
        };
        t.index();
        t
    }
}

impl Tree {
    fn index(&mut self) {
        let addr: HashMap<usize, u32> = (0..pos(self.paths.len()))
            .filter_map(|p| {
                self.node(p)
                    .map(|v| (std::ptr::from_ref::<Json>(v) as usize, p))
            })
            .collect();
        self.addr = addr;
    }

    /// Builds the tree for `steps` (a layout's list) with `parent` positions; `answers` gives
    /// an occurrence's answer values, or `None` when it has none or is disabled.
    #[allow(
        clippy::indexing_slicing,
        reason = "`kids`, `paths` and `steps` are all `n` long and positions are below `n`; JSON objects are made by `json!({..})` here (IndexMut on an object inserts, it cannot panic)"
    )]
    pub fn build(
        q: &Questionnaire,
        steps: &[Step],
        parent: &[u32],
        answers: &dyn Fn(u32) -> Option<Vec<Json>>,
    ) -> Tree {
        #[allow(
            clippy::indexing_slicing,
            reason = "`kids`, `paths` and `steps` are all `n` long and positions are below `n`; JSON objects are made by `json!({..})` here (IndexMut on an object inserts, it cannot panic)"
        )]
        fn make(
            q: &Questionnaire,
            steps: &[Step],
            kids: &[Vec<u32>],
            answers: &dyn Fn(u32) -> Option<Vec<Json>>,
            p: u32,
            path: &mut Vec<u32>,
            paths: &mut [Option<Box<[u32]>>],
        ) -> Json {
            let at = steps[p as usize].at();
            let mut m = Map::new();
            m.insert("linkId".into(), json!(q.item(at.item).id));
            if let Some(vals) = answers(p).filter(|v| !v.is_empty()) {
                m.insert("answer".into(), Json::Array(vals));
            }
            paths[p as usize] = Some(path.clone().into_boxed_slice());
            let children = &kids[p as usize];
            if !children.is_empty() || q.item(at.item).end > at.item.next() {
                let mut out = Vec::with_capacity(children.len());
                for (k, &c) in children.iter().enumerate() {
                    path.push(pos(k));
                    out.push(make(q, steps, kids, answers, c, path, paths));
                    path.pop();
                }
                m.insert("item".into(), Json::Array(out));
            }
            Json::Object(m)
        }
        let n = steps.len();
        let mut kids: Vec<Vec<u32>> = vec![Vec::new(); n];
        let mut roots = Vec::new();
        let has_node = |p: usize| match steps[p] {
            Step::Item(at) => !is_other_text(q, at.item),
            Step::More(_) => false,
        };
        for (p, &par) in parent.iter().enumerate().take(n) {
            if !has_node(p) {
                continue;
            }
            match par {
                u32::MAX => roots.push(pos(p)),
                par => kids[par as usize].push(pos(p)),
            }
        }
        let mut paths: Vec<Option<Box<[u32]>>> = vec![None; n];
        let mut items = Vec::with_capacity(roots.len());
        let mut path = Vec::new();
        for (k, &r) in roots.iter().enumerate() {
            path.push(pos(k));
            items.push(make(q, steps, &kids, answers, r, &mut path, &mut paths));
            path.pop();
        }
        let mut root = Map::new();
        root.insert("resourceType".into(), json!("QuestionnaireResponse"));
        root.insert("item".into(), Json::Array(items));
        let mut t = Tree {
            root: Json::Object(root),
            paths,
            addr: HashMap::new(),
        };
        t.index();
        t
    }

    /// The node of the occurrence at a layout position.
    pub fn node(&self, pos: u32) -> Option<&Json> {
        let path = self.paths.get(pos as usize)?.as_ref()?;
        let mut v = &self.root;
        for &k in path {
            v = v.get("item")?.get(k as usize)?;
        }
        Some(v)
    }

    fn node_mut(&mut self, pos: u32) -> Option<&mut Json> {
        let path = self.paths.get(pos as usize)?.as_ref()?;
        let mut v = &mut self.root;
        for &k in path {
            v = v.get_mut("item")?.get_mut(k as usize)?;
        }
        Some(v)
    }

    /// Replaces an occurrence's answers in place (`None`: it has none, or is disabled). Node
    /// addresses stay the same, so what expressions read can still be mapped back.
    pub fn set_answer(&mut self, pos: u32, vals: Option<Vec<Json>>) {
        let Some(Json::Object(m)) = self.node_mut(pos) else {
            return;
        };
        match vals.filter(|v| !v.is_empty()) {
            Some(v) => {
                m.insert("answer".into(), Json::Array(v));
            }
            None => {
                m.shift_remove("answer");
            }
        }
    }

    /// The layout position of a node of this tree (by address), if it is one.
    pub fn pos_of(&self, node: &Json) -> Option<u32> {
        self.addr
            .get(&(std::ptr::from_ref::<Json>(node) as usize))
            .copied()
    }
}

/// What FHIRPath reads while a questionnaire is evaluated: the response tree, the
/// Questionnaire's JSON, the variables worked out so far (by variable and the instance of the
/// item that defines it) and the visit date. It notes which occurrences' answers and which
/// variables an expression read, so the expression is evaluated again only when one of those
/// changes.
pub struct FhirCtx<'a> {
    pub q: &'a Questionnaire,
    pub logic: &'a FhirLogic,
    pub tree: &'a Tree,
    pub vars: &'a HashMap<(u32, Inst), Vec<Held>>,
    /// The instance of the item the expression belongs to (variables in scope are looked up
    /// in the instances around it).
    pub inst: Inst,
    pub today: jiff::civil::Date,
    pub reads: RefCell<Vec<u32>>,
    pub var_reads: RefCell<Vec<(u32, Inst)>>,
}

impl FhirCtx<'_> {
    /// The key of variable `index` as seen from this expression's instance.
    pub fn var_key(&self, index: u32) -> (u32, Inst) {
        let depth = self
            .logic
            .exprs
            .get(index as usize)
            .and_then(|e| e.scope)
            .map_or(0, |s| self.q.levels(s).len());
        (index, self.inst.prefix(depth))
    }
}

impl<'a> fhirpath::Ctx<'a> for FhirCtx<'a> {
    fn resource(&self) -> Option<Val<'a>> {
        Some(node(&self.tree.root))
    }
    fn questionnaire(&self) -> Option<Val<'a>> {
        Some(node(&self.logic.source))
    }
    fn var(&self, index: u32) -> Coll<'a> {
        let key = self.var_key(index);
        self.var_reads.borrow_mut().push(key);
        self.vars
            .get(&key)
            .map(|h| h.iter().map(Held::val).collect())
            .unwrap_or_default()
    }
    fn today(&self) -> jiff::civil::Date {
        self.today
    }
    fn read(&self, v: &'a Json) {
        if let Some(p) = self.tree.pos_of(v) {
            self.reads.borrow_mut().push(p);
        }
    }
    fn weight(&self, link: Option<&str>, coding: &Val<'a>) -> Option<f64> {
        let Val::Node { v, .. } = coding else {
            return None;
        };
        let code = v.get("code").and_then(Json::as_str);
        let system = v.get("system").and_then(Json::as_str);
        let item = self.q.item_index(link?)?;
        self.q
            .item(item)
            .options()
            .iter()
            .find(|o| {
                Some(o.value.as_str()) == code
                    && (system.is_none() || o.system.is_none() || o.system.as_deref() == system)
            })
            .and_then(|o| o.ordinal)
    }
}

/// A FHIRPath value kept between evaluations (a variable's value): nodes are copied out of
/// the response tree, which changes in place.
#[derive(Debug, Clone, PartialEq)]
pub enum Held {
    Val(Val<'static>),
    Node(Json, Option<&'static str>),
}

impl Held {
    /// Keeps a value; a node is copied.
    pub fn keep(v: &Val<'_>) -> Held {
        match v {
            Val::Node { v, ty, .. } => Held::Node((*v).clone(), *ty),
            Val::Bool(b) => Held::Val(Val::Bool(*b)),
            Val::Int(i) => Held::Val(Val::Int(*i)),
            Val::Dec(d) => Held::Val(Val::Dec(*d)),
            Val::Str(s) => Held::Val(Val::Str(s.clone())),
            Val::Date(d) => Held::Val(Val::Date(*d)),
            Val::DateTime(d, t) => Held::Val(Val::DateTime(*d, *t)),
            Val::Time(t) => Held::Val(Val::Time(*t)),
            Val::Quantity(n, u) => Held::Val(Val::Quantity(*n, u.clone())),
        }
    }

    /// The value again, reading a copied node where it is kept.
    pub fn val(&self) -> Val<'_> {
        match self {
            Held::Val(v) => v.clone(),
            Held::Node(j, ty) => Val::Node {
                v: j,
                link: j.get("linkId").and_then(Json::as_str),
                ty: *ty,
            },
        }
    }
}

/// A JSON node as a FHIRPath value.
pub fn node(v: &Json) -> Val<'_> {
    Val::Node {
        v,
        link: v.get("linkId").and_then(Json::as_str),
        ty: None,
    }
}

/// The answer a calculated item takes from its expression's result; `None` when the result is
/// empty or does not fit the item (a text for a number, a code that is not an option).
pub fn to_answer(it: &Item, result: &[Val<'_>]) -> Option<Answer> {
    let ItemKind::Question(kind) = &it.kind else {
        return None;
    };
    let first = result.first()?;
    match kind {
        QuestionKind::Number { integer, .. } => {
            // With unit choices, a quantity keeps the unit it came in when that is one of them.
            if let Val::Quantity(n, u) = first
                && let Some(k) = it
                    .unit_choices()
                    .iter()
                    .position(|x| x.code.as_deref() == Some(u.as_str()))
            {
                let value = if *integer { n.round() } else { *n };
                let unit = u32::try_from(k).ok()?;
                return Some(Answer::Quantity {
                    value,
                    unit,
                    base: crate::questionnaire::validate::base_value(it, value, unit),
                });
            }
            let n = match first {
                Val::Quantity(n, u) => {
                    let want = it
                        .fhir
                        .as_ref()
                        .and_then(|f| f.unit.as_ref())
                        .and_then(|u| u.code.clone());
                    match want {
                        Some(w) if &w != u => fhirpath::units::convert(*n, u, &w)?,
                        _ => *n,
                    }
                }
                v => v.as_num()?,
            };
            if !n.is_finite() {
                return None;
            }
            let n = if *integer { n.round() } else { n };
            if !it.unit_choices().is_empty() {
                let unit = it.default_unit();
                return Some(Answer::Quantity {
                    value: n,
                    unit,
                    base: crate::questionnaire::validate::base_value(it, n, unit),
                });
            }
            Some(Answer::Number(n))
        }
        QuestionKind::Choice { style, options } => {
            let pick = |v: &Val<'_>| -> Option<u32> {
                let (code, system) = match v {
                    Val::Node { v, .. } => (
                        v.get("code").and_then(Json::as_str)?.to_owned(),
                        v.get("system").and_then(Json::as_str),
                    ),
                    other => (other.to_text()?, None),
                };
                options
                    .iter()
                    .position(|o| {
                        o.value == code
                            && (system.is_none()
                                || o.system.is_none()
                                || o.system.as_deref() == system)
                    })
                    .and_then(|p| u32::try_from(p).ok())
            };
            if *style == ChoiceStyle::Multi {
                let mut picked: Vec<u32> = result.iter().filter_map(pick).collect();
                picked.sort_unstable();
                picked.dedup();
                (!picked.is_empty()).then_some(Answer::Multi(picked))
            } else {
                pick(first).map(Answer::Choice)
            }
        }
        QuestionKind::Date { .. } => match first {
            Val::Date(d) | Val::DateTime(d, _) => match (d.m, d.d) {
                (Some(m), Some(_)) => d
                    .to_civil()
                    .map(|c| Answer::Date(PartialDate::full(c)))
                    .or(PartialDate::month(d.y, m).map(Answer::Date)),
                (Some(m), None) => PartialDate::month(d.y, m).map(Answer::Date),
                _ => None,
            },
            Val::Str(s) => PartialDate::parse_iso(s).map(Answer::Date),
            _ => None,
        },
        QuestionKind::Text { .. } => first
            .to_text()
            .map(|t| Answer::Text(crate::text::clean(&t))),
    }
}
