//! FHIRPath evaluation kept between changes. The response tree expressions read is updated in
//! place; each expression (a variable or calculation at one occurrence of its item, or an
//! `enableWhenExpression`) notes which answers and variables it read, and is evaluated again
//! only when one of those changed. Calculations and conditions that feed each other are
//! evaluated in rounds until nothing changes.

use std::cell::RefCell;
use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use serde_json::Value as Json;

use super::Session;
use crate::answer::Answer;
use crate::engine::fhir_tree::{self, FhirCtx, Held, Tree};
use crate::engine::layout::{Step, pos_of};
use crate::expr::Expr;
use crate::expr::fhirpath::{self, Ast, Coll, Val};
use crate::questionnaire::{At, FhirExpr, FhirLogic, Inst, ItemIdx, Questionnaire};

/// At most this many rounds per change: calculations and conditions that feed each other
/// settle in two or three; a questionnaire that never settles stops here.
const FHIR_PASSES: usize = 12;

/// What one evaluation read: occurrences' answers (layout positions) and variables.
#[derive(Debug, Clone, Default)]
struct Deps {
    pos: Vec<u32>,
    vars: Vec<(u32, Inst)>,
}

impl Deps {
    fn touched_by(&self, pos: &HashSet<u32>, vars: &HashSet<(u32, Inst)>) -> bool {
        self.pos.iter().any(|p| pos.contains(p)) || self.read_any(vars)
    }

    fn read_any(&self, vars: &HashSet<(u32, Inst)>) -> bool {
        !vars.is_empty() && self.vars.iter().any(|v| vars.contains(v))
    }
}

#[derive(Debug, Clone)]
pub(super) struct FhirRun {
    logic: Arc<FhirLogic>,
    /// Each item's `enableWhenExpression`.
    conds_of: Vec<(ItemIdx, Ast)>,
    tree: Option<Tree>,
    /// Variables and calculations by expression and the instance of the item they belong to.
    vars: HashMap<(u32, Inst), Vec<Held>>,
    var_deps: HashMap<(u32, Inst), Deps>,
    /// `enableWhenExpression` results by layout position.
    conds: HashMap<u32, bool>,
    cond_deps: HashMap<u32, Deps>,
}

impl FhirRun {
    pub fn new(logic: Arc<FhirLogic>, q: &Questionnaire) -> FhirRun {
        let mut conds_of = Vec::new();
        for it in &q.items {
            if let Some(e) = &it.show_if {
                paths(e, &mut conds_of);
            }
        }
        FhirRun {
            logic,
            conds_of,
            tree: None,
            vars: HashMap::new(),
            var_deps: HashMap::new(),
            conds: HashMap::new(),
            cond_deps: HashMap::new(),
        }
    }

    /// Forgets everything worked out (the layout changed): the next evaluation starts over.
    pub fn reset(&mut self) {
        self.tree = None;
        self.vars.clear();
        self.var_deps.clear();
        self.conds.clear();
        self.cond_deps.clear();
    }

    /// Brings variables, calculated answers, conditions and visibility up to date with the
    /// answers, evaluating only what read something that changed.
    #[allow(
        clippy::indexing_slicing,
        reason = "`k` runs over `0..conds_of.len()` (an index, not an iterator, because `conds` is written meanwhile)"
    )]
    pub fn compute(&mut self, s: &mut Session<'_>) {
        let mut all = self.tree.is_none();
        if all {
            self.reset();
            self.tree = Some(build(s));
        }
        let mut changed: HashSet<u32> = std::mem::take(&mut s.touched).into_iter().collect();
        if !all {
            let list: Vec<u32> = changed.iter().copied().collect();
            self.sync(s, &list);
        }
        let mut prev_vars: HashSet<(u32, Inst)> = HashSet::new();
        for _ in 0..FHIR_PASSES {
            let mut vars_changed: HashSet<(u32, Inst)> = HashSet::new();
            let logic = Arc::clone(&self.logic);
            let mut calcs: Vec<(At, Option<Answer>)> = Vec::new();
            for (ei, e) in logic.exprs.iter().enumerate() {
                let occurrences: Vec<(Inst, Option<u32>)> = match e.scope {
                    None => vec![(Inst::ROOT, None)],
                    Some(sc) => s
                        .layout
                        .of_item(sc)
                        .iter()
                        .map(|&p| (s.layout.at(p).inst, Some(p)))
                        .collect(),
                };
                for (inst, scope_pos) in occurrences {
                    let key = (pos_of(ei), inst);
                    let dirty = all
                        || self.var_deps.get(&key).is_none_or(|d| {
                            d.touched_by(&changed, &vars_changed) || d.read_any(&prev_vars)
                        });
                    if !dirty {
                        continue;
                    }
                    let (held, deps, calc) = self.eval(s, e, inst, scope_pos);
                    if self.vars.get(&key) != Some(&held) {
                        vars_changed.insert(key);
                        self.vars.insert(key, held);
                    }
                    self.var_deps.insert(key, deps);
                    if let Some(t) = e.calculates {
                        let at = At {
                            item: t,
                            inst: inst.prefix(s.q.levels(t).len()),
                        };
                        calcs.push((at, calc));
                    }
                }
            }
            for k in 0..self.conds_of.len() {
                let item = self.conds_of[k].0;
                for &p in s.layout.of_item(item) {
                    let dirty = all
                        || self.cond_deps.get(&p).is_none_or(|d| {
                            d.touched_by(&changed, &vars_changed) || d.read_any(&prev_vars)
                        });
                    if dirty {
                        let (holds, deps) = self.eval_cond(s, k, p);
                        self.conds.insert(p, holds);
                        self.cond_deps.insert(p, deps);
                    }
                }
            }
            let before = s.visible.clone();
            s.compute_once(Some(&self.conds));
            let mut next: HashSet<u32> = before
                .iter()
                .zip(&s.visible)
                .enumerate()
                .filter(|(_, (a, b))| a != b)
                .map(|(p, _)| pos_of(p))
                .collect();
            let mut relayout = false;
            for (at, a) in calcs {
                if s.answers.get(at) != a.as_ref() {
                    if s.q.per_answer(at.item) {
                        relayout = true;
                        if let Some(Answer::Multi(chosen)) = &a {
                            for &o in chosen {
                                s.seed_answer(
                                    at.item,
                                    at.inst.push(crate::questionnaire::option_instance(o)),
                                );
                            }
                        }
                    }
                    s.answers.put(at, a);
                    if let Some(p) = s.layout.pos(at) {
                        next.insert(p);
                    }
                }
            }
            if relayout {
                s.layout = crate::engine::layout::Layout::build(s.q, &s.answers, &s.counts);
                s.visible = vec![false; s.layout.list.len()];
                self.reset();
                self.tree = Some(build(s));
                all = true;
                changed.clear();
                prev_vars.clear();
                continue;
            }
            if next.is_empty() {
                break;
            }
            let list: Vec<u32> = next.iter().copied().collect();
            self.sync(s, &list);
            changed = next;
            prev_vars = vars_changed;
            all = false;
        }
    }

    /// Writes the current answers of these occurrences into the tree.
    fn sync(&mut self, s: &Session<'_>, positions: &[u32]) {
        let Some(tree) = self.tree.as_mut() else {
            return;
        };
        for &p in positions {
            let mut p = p;
            // An open-choice's text box is written inside the open-choice's own answers.
            if let Some(Step::Item(at)) = s.layout.list.get(p as usize)
                && fhir_tree::is_other_text(s.q, at.item)
            {
                match s.layout.parent.get(p as usize) {
                    Some(&par) if par != super::NONE => p = par,
                    _ => continue,
                }
            }
            tree.set_answer(p, answer_json(s, p));
        }
    }

    /// Evaluates one variable or calculation at one occurrence of its item.
    fn eval(
        &self,
        s: &Session<'_>,
        e: &FhirExpr,
        inst: Inst,
        scope_pos: Option<u32>,
    ) -> (Vec<Held>, Deps, Option<Answer>) {
        let Some(tree) = self.tree.as_ref() else {
            return (Vec::new(), Deps::default(), None);
        };
        let ctx = self.ctx(s, tree, inst);
        let node = match scope_pos {
            Some(p) if s.visible.get(p as usize).copied().unwrap_or(false) => tree.node(p),
            Some(_) => None,
            None => Some(&tree.root),
        };
        let result: Coll<'_> = node
            .and_then(|n| fhirpath::evaluate(&e.expr, &ctx, &[fhir_tree::node(n)]).ok())
            .unwrap_or_default();
        let calc = e
            .calculates
            .and_then(|t| fhir_tree::to_answer(s.q.item(t), &result));
        let mut deps = Deps {
            pos: ctx.reads.take(),
            vars: ctx.var_reads.take(),
        };
        deps.pos.extend(scope_pos);
        // A value that is part of the response changes whenever an answer inside it does.
        for v in &result {
            if let Val::Node { v, .. } = v {
                inside(tree, v, &mut deps.pos);
            }
        }
        let held = result.iter().map(Held::keep).collect();
        (held, deps, calc)
    }

    /// Evaluates the `enableWhenExpression` of the occurrence at layout position `p`.
    #[allow(
        clippy::indexing_slicing,
        reason = "`k` runs over `0..conds_of.len()` (an index, not an iterator, because `conds` is written meanwhile)"
    )]
    fn eval_cond(&self, s: &Session<'_>, k: usize, p: u32) -> (bool, Deps) {
        let Some(tree) = self.tree.as_ref() else {
            return (false, Deps::default());
        };
        let at = s.layout.at(p);
        let ctx = self.ctx(s, tree, at.inst);
        let holds = tree.node(p).is_some_and(|n| {
            matches!(
                fhirpath::evaluate(&self.conds_of[k].1, &ctx, &[fhir_tree::node(n)])
                    .and_then(|c| fhirpath::truth(&c)),
                Ok(Some(true))
            )
        });
        let deps = Deps {
            pos: ctx.reads.take(),
            vars: ctx.var_reads.take(),
        };
        (holds, deps)
    }

    fn ctx<'a>(&'a self, s: &Session<'a>, tree: &'a Tree, inst: Inst) -> FhirCtx<'a> {
        FhirCtx {
            q: s.q,
            logic: &self.logic,
            tree,
            vars: &self.vars,
            inst,
            today: s.visit_date,
            reads: RefCell::default(),
            var_reads: RefCell::default(),
        }
    }
}

/// The `enableWhenExpression`s in a condition, with their items.
fn paths(e: &Expr, out: &mut Vec<(ItemIdx, Ast)>) {
    match e {
        Expr::Path { expr, item } => out.push((*item, (**expr).clone())),
        Expr::Not(x) => paths(x, out),
        Expr::And(xs) | Expr::Or(xs) => xs.iter().for_each(|x| paths(x, out)),
        _ => {}
    }
}

/// Every occurrence whose node is `v` or inside it.
fn inside(tree: &Tree, v: &Json, out: &mut Vec<u32>) {
    if let Some(p) = tree.pos_of(v) {
        out.push(p);
    }
    if let Some(items) = v.get("item").and_then(Json::as_array) {
        for c in items {
            inside(tree, c, out);
        }
    }
}

/// The answers of the occurrence at layout position `p` as the tree holds them: none when it
/// is disabled.
fn answer_json(s: &Session<'_>, p: u32) -> Option<Vec<Json>> {
    let Step::Item(at) = *s.layout.list.get(p as usize)? else {
        return None;
    };
    if !s.visible.get(p as usize).copied().unwrap_or(false) {
        return None;
    }
    let a = s.answers.get(at)?;
    // An answer that cannot be written counts as none (see `answer_values`).
    fhir_tree::answer_values(s.q, at, a, &|x| s.answer_at(x).cloned()).ok()
}

fn build(s: &Session<'_>) -> Tree {
    Tree::build(s.q, &s.layout.list, &s.layout.parent, &|p| {
        answer_json(s, p)
    })
}
