//! The state of one patient's questionnaire. Every change re-evaluates visibility, derived values
//! and flags in the questionnaire's precomputed order (linear in its size, no allocation on the
//! expression path). Hidden answers stay in memory, so they come back if the patient changes
//! their mind, but they count nowhere.
//!
//! Items that repeat (FHIR "add another") have one occurrence per instance ([`At`]); conditions
//! inside an instance read the answers of the same instance (FHIR R4 `enableWhen.question`: the
//! nearest occurrence, first among ancestors, then preceding, then following).

mod fhir_run;
mod outcome;
mod repeats;
mod steps;

use std::collections::{BTreeMap, BTreeSet};

use jiff::Timestamp;
use jiff::civil::Date;

use super::latch::{AlertStatus, Latch, NotAssessed, Release, ReleaseAction, Releaser};
use super::layout::{Answers, Layout, NONE, Step, pos_of};
use crate::answer::Answer;
use crate::expr::{self, Env, Expr, Trigger, Val};
use crate::questionnaire::validate::{self, AnswerError};
use crate::questionnaire::{
    At, DerivedIdx, FlagAction, FlagIdx, Inst, ItemIdx, ItemKind, Node, Questionnaire, Severity,
};

/// The overall result. A session that was not assessed (ended early, declined, incomplete) is
/// `NotAssessed` whatever fired; otherwise the worst flag decides: stop > caution > clear. A
/// questionnaire with no rules at all can only give `NoRules` ("answers only"), never `Clear`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Clear,
    NoRules,
    Caution,
    Stop,
    NotAssessed,
}

impl Outcome {
    /// The questionnaire's banner and text for this outcome.
    pub fn text(
        self,
        texts: &crate::questionnaire::Outcomes,
    ) -> &crate::questionnaire::OutcomeText {
        match self {
            Outcome::Stop => &texts.stop,
            Outcome::Caution => &texts.caution,
            Outcome::Clear => &texts.clear,
            Outcome::NotAssessed => &texts.not_assessed,
            Outcome::NoRules => &texts.no_rules,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Stop => "stop",
            Outcome::Caution => "caution",
            Outcome::Clear => "clear",
            Outcome::NoRules => "no_rules",
            Outcome::NotAssessed => "not_assessed",
        }
    }

    /// Every outcome's name, as stored and printed.
    pub const NAMES: [&'static str; 5] = ["stop", "caution", "clear", "no_rules", "not_assessed"];
}

/// A flag that fired, with the answers that made it fire.
#[derive(Debug, Clone, PartialEq)]
pub struct FiredFlag {
    pub flag: FlagIdx,
    pub triggers: Vec<Trigger>,
}

/// Why the questionnaire cannot be submitted yet.
#[derive(Debug, Clone, PartialEq)]
pub enum Problem {
    /// A required question is unanswered, or a required group has nothing answered inside.
    Missing(At),
    Invalid(At, String),
    /// A repeating item has fewer answered instances than it needs (FHIR `minOccurs`); the
    /// occurrence is its first instance.
    TooFew(At, u16),
}

impl Problem {
    pub fn at(&self) -> At {
        match self {
            Problem::Missing(a) | Problem::Invalid(a, _) | Problem::TooFew(a, _) => *a,
        }
    }

    pub fn item(&self) -> ItemIdx {
        self.at().item
    }
}

#[derive(Debug, Clone)]
pub struct Session<'q> {
    q: &'q Questionnaire,
    visit_date: Date,
    answers: Answers,
    /// How many instances each repeating item has, keyed by the item and the instance around
    /// it; at least one.
    counts: BTreeMap<At, u16>,
    /// Per-answer instances (children of a chosen option) already given their initial answers.
    seeded: BTreeSet<At>,
    layout: Layout,
    /// The layout must be rebuilt before the next evaluation.
    relayout: bool,
    /// Staff ended the session after this item (e.g. after a safety pause).
    ended_after: Option<ItemIdx>,
    /// Latched flags, in the order they first fired; never removed.
    latches: Vec<Latch>,
    /// The session's clock, given by the caller (the engine never reads the clock itself); it
    /// stamps latches.
    now: Option<Timestamp>,
    // Evaluated state, always consistent with `answers` after any public call.
    /// Whether each layout position is enabled.
    visible: Vec<bool>,
    derived: Vec<Option<Val>>,
    /// Flags whose condition holds now, in questionnaire order.
    holding: Vec<FlagIdx>,
    /// `holding` plus every latched flag, in questionnaire order.
    fired: Vec<FlagIdx>,
    cutoff: Option<ItemIdx>,
    /// The `end` flag that set `cutoff`, if one did.
    end_flag: Option<FlagIdx>,
    /// FHIRPath state kept between changes (FHIR questionnaires with expressions).
    fhir: Option<fhir_run::FhirRun>,
    /// Layout positions whose answer changed since the last evaluation.
    touched: Vec<u32>,
}

/// What conditions read: the visible answers, seen from one occurrence.
struct View<'a> {
    q: &'a Questionnaire,
    answers: &'a Answers,
    counts: &'a BTreeMap<At, u16>,
    layout: &'a Layout,
    visible: &'a [bool],
    derived: &'a [Option<Val>],
    visit_date: Date,
    /// The occurrence whose condition is evaluated.
    ctx: At,
    /// Results of `enableWhenExpression`s by layout position, when FHIRPath is in use.
    conds: Option<&'a std::collections::HashMap<u32, bool>>,
}

impl View<'_> {
    /// The occurrence of `target` that a condition at `ctx` reads: the same instances of the
    /// repeats they share; in a repeat around `target` only, the last instance when it comes
    /// before `ctx` and the first when after (FHIR R4 `enableWhen.question`).
    fn resolve(&self, target: ItemIdx) -> Option<At> {
        let lt = self.q.levels(target);
        if lt.is_empty() {
            return Some(At::base(target));
        }
        let lc = self.q.levels(self.ctx.item);
        let common = lt.iter().zip(lc).take_while(|(a, b)| a == b).count();
        let mut inst = self.ctx.inst.prefix(common);
        for &level in lt.iter().skip(common) {
            let ks = instances(self.q, self.answers, self.counts, level, inst);
            let k = if level < self.ctx.item {
                ks.last()
            } else {
                ks.first()
            };
            inst = inst.push(*k?);
        }
        Some(At { item: target, inst })
    }
}

/// The instance numbers of a repeat level `level` inside instance `inst`: `0..count` for a
/// repeating item, the chosen options for a multi-choice with per-answer children.
fn instances(
    q: &Questionnaire,
    answers: &Answers,
    counts: &BTreeMap<At, u16>,
    level: ItemIdx,
    inst: Inst,
) -> Vec<u16> {
    let at = At { item: level, inst };
    if q.item(level).repeats_itself() {
        (0..counts.get(&at).copied().unwrap_or(1).max(1)).collect()
    } else {
        match answers.get(at) {
            Some(Answer::Multi(l)) => l
                .iter()
                .map(|&o| crate::questionnaire::option_instance(o))
                .collect(),
            _ => Vec::new(),
        }
    }
}

impl Env for View<'_> {
    fn answer(&self, question: ItemIdx) -> Option<&Answer> {
        let at = self.resolve(question)?;
        let pos = self.layout.pos(at)?;
        if self.visible.get(pos as usize).copied().unwrap_or(false) {
            self.answers.get(at)
        } else {
            None
        }
    }
    fn derived(&self, index: DerivedIdx) -> Option<Val> {
        self.derived.get(index.to_usize()).copied().flatten()
    }
    fn derived_explain(&self, index: DerivedIdx) -> Option<&Expr> {
        let d = self.q.derived_at(index);
        d.trigger.then_some(&d.expr)
    }
    fn visit_date(&self) -> Date {
        self.visit_date
    }
    fn path_holds(&self, _e: &crate::expr::fhirpath::Ast, item: ItemIdx) -> bool {
        let at = At {
            item,
            inst: self.ctx.inst.prefix(self.q.levels(item).len()),
        };
        match (self.conds, self.layout.pos(at)) {
            (Some(c), Some(p)) => c.get(&p).copied().unwrap_or(false),
            _ => false,
        }
    }
}

impl<'q> Session<'q> {
    pub fn new(q: &'q Questionnaire, visit_date: Date) -> Self {
        let n = q.items.len();
        let mut s = Session {
            q,
            visit_date,
            answers: Answers::new(n),
            counts: BTreeMap::new(),
            seeded: BTreeSet::new(),
            layout: Layout::default(),
            relayout: true,
            ended_after: None,
            latches: Vec::new(),
            now: None,
            visible: Vec::new(),
            derived: vec![None; q.derived.len()],
            holding: Vec::new(),
            fired: Vec::new(),
            cutoff: None,
            end_flag: None,
            fhir: q.fhir.clone().map(|l| fhir_run::FhirRun::new(l, q)),
            touched: Vec::new(),
        };
        s.seed(None, Inst::ROOT, Only::All);
        s.evaluate();
        s.update_latches();
        s
    }

    /// Gives the items under `parent` (top-level items for `None`) in instance `inst` their
    /// initial answers, and repeating items their first instances (as many as their initial
    /// values or `minOccurs` ask for).
    fn seed(&mut self, parent: Option<ItemIdx>, inst: Inst, only: Only) {
        let q = self.q;
        let (start, end) = match parent {
            Some(p) => (p.next(), q.item(p).end),
            None => (ItemIdx::new(0), ItemIdx::at(q.items.len())),
        };
        let mut c = start;
        while c < end {
            let it = q.item(c);
            let next = it.end;
            let skip = match only {
                Only::All => false,
                Only::OtherText => !it.is_open_choice_text(),
                Only::PerAnswer => it.is_open_choice_text(),
            };
            if it.parent == parent && !skip {
                if it.repeats_itself() {
                    let occurs = it.occurs.unwrap_or_default();
                    let want = u16::try_from(it.initial.len())
                        .unwrap_or(u16::MAX)
                        .max(occurs.min)
                        .max(1);
                    let n = occurs.max.map_or(want, |m| want.min(m.max(1)));
                    // Never over what is there already (answers read back, instances added).
                    let n = *self.counts.entry(At { item: c, inst }).or_insert(n);
                    for k in 0..n {
                        let at = At {
                            item: c,
                            inst: inst.push(k),
                        };
                        if let Some(a) = it.initial.get(k as usize) {
                            self.give_initial(at, a);
                        }
                        self.seed_children(c, at.inst);
                    }
                } else {
                    let at = At { item: c, inst };
                    if let Some(a) = it.initial.first() {
                        self.give_initial(at, a);
                    }
                    self.seed_children(c, inst);
                }
            }
            c = next;
        }
    }

    /// An initial answer, unless the occurrence has an answer already.
    fn give_initial(&mut self, at: At, a: &Answer) {
        if self.answers.get(at).is_none() {
            self.answers.put(at, Some(a.clone()));
        }
    }

    fn seed_children(&mut self, item: ItemIdx, inst: Inst) {
        if self.q.item(item).end == item.next() {
            return;
        }
        if self.q.per_answer(item) {
            self.seed(Some(item), inst, Only::OtherText);
            if let Some(Answer::Multi(chosen)) = self.answers.get(At { item, inst }).cloned() {
                for o in chosen {
                    self.seed_answer(item, inst.push(crate::questionnaire::option_instance(o)));
                }
            }
        } else {
            self.seed(Some(item), inst, Only::All);
        }
    }

    /// The children of one chosen answer, seeded once.
    fn seed_answer(&mut self, item: ItemIdx, inst: Inst) {
        if self.seeded.insert(At { item, inst }) {
            self.seed(Some(item), inst, Only::PerAnswer);
        }
    }

    /// Sets the session's clock (the caller's "now"), used to stamp latched flags.
    pub fn set_now(&mut self, now: Timestamp) {
        self.now = Some(now);
    }

    pub fn questionnaire(&self) -> &'q Questionnaire {
        self.q
    }

    pub fn visit_date(&self) -> Date {
        self.visit_date
    }

    fn view(&self) -> View<'_> {
        self.view_at(At::base(ItemIdx::new(0)), None)
    }

    fn view_at<'a>(
        &'a self,
        ctx: At,
        conds: Option<&'a std::collections::HashMap<u32, bool>>,
    ) -> View<'a> {
        View {
            q: self.q,
            answers: &self.answers,
            counts: &self.counts,
            layout: &self.layout,
            visible: &self.visible,
            derived: &self.derived,
            visit_date: self.visit_date,
            ctx,
            conds,
        }
    }

    fn rebuild_layout(&mut self) {
        self.layout = Layout::build(self.q, &self.answers, &self.counts);
        self.visible = vec![false; self.layout.list.len()];
        self.relayout = false;
        self.touched.clear();
        if let Some(f) = &mut self.fhir {
            f.reset();
        }
    }

    fn compute(&mut self) {
        if let Some(mut run) = self.fhir.take() {
            run.compute(self);
            self.fhir = Some(run);
            return;
        }
        if !self.q.loops {
            self.compute_once(None);
            return;
        }
        // Conditions in a loop: start from "everything shown" and repeat until nothing changes
        // (a few passes; a loop that never settles stops at the limit rather than hanging).
        self.visible.iter_mut().for_each(|v| *v = true);
        for _ in 0..8 {
            let before = self.visible.clone();
            self.compute_once(None);
            if self.visible == before {
                break;
            }
        }
    }

    /// One pass over the evaluation order: each occurrence's visibility, then each derived
    /// value, reading `enableWhenExpression` results from `conds`.
    #[allow(
        clippy::indexing_slicing,
        reason = "positions come from this session's layout, whose `list`, `parent`, `end`, `last` and `visible` grow together (`Layout::push`, `rebuild_layout`); item and derived indices come from its questionnaire's loader"
    )]
    fn compute_once(&mut self, conds: Option<&std::collections::HashMap<u32, bool>>) {
        for &node in &self.q.order {
            match node {
                Node::Item(i) => {
                    let item = self.q.item(i);
                    for k in 0..self.layout.of_item(i).len() {
                        let pos = self.layout.of_item(i)[k];
                        let parent = self.layout.parent[pos as usize];
                        let v = self.cutoff.is_none_or(|c| i <= c)
                            && (parent == NONE || self.visible[parent as usize])
                            && item.show_if.as_ref().is_none_or(|e| {
                                expr::eval_bool(e, &self.view_at(self.layout.at(pos), conds))
                            });
                        self.visible[pos as usize] = v;
                    }
                }
                Node::Derived(d) => {
                    let v = expr::eval(
                        &self.q.derived_at(d).expr,
                        &self.view_at(At::base(ItemIdx::new(0)), conds),
                    );
                    self.derived[d.to_usize()] = v;
                }
            }
        }
        // An "add another" place is shown with the repeat's last instance.
        for pos in 0..self.layout.list.len() {
            let last = self.layout.last[pos];
            if last != NONE {
                self.visible[pos] = self.visible[last as usize];
            }
        }
    }

    /// Recomputes everything from the answers.
    fn evaluate(&mut self) {
        if self.relayout {
            self.rebuild_layout();
        }
        self.cutoff = self.ended_after;
        self.compute();
        let view = self.view();
        let end = self
            .q
            .flags_indexed()
            .filter(|(_, f)| f.action == Some(FlagAction::End) && expr::eval_bool(&f.when, &view))
            .map(|(i, f)| (i, f.position))
            .min_by_key(|(_, p)| *p);
        self.end_flag = None;
        if let Some((flag, p)) = end.filter(|(_, p)| self.cutoff.is_none_or(|c| *p < c)) {
            self.cutoff = Some(p);
            self.end_flag = Some(flag);
            self.compute();
        }
        let view = self.view();
        let holding = self
            .q
            .flags_indexed()
            .filter(|(_, f)| expr::eval_bool(&f.when, &view))
            .map(|(i, _)| i)
            .collect();
        self.holding = holding;
        self.merge_fired();
    }

    /// `fired` = the flags holding now plus every latched flag, in questionnaire order.
    fn merge_fired(&mut self) {
        let mut fired = self.holding.clone();
        fired.extend(self.latches.iter().map(|l| l.flag));
        fired.sort_unstable();
        fired.dedup();
        self.fired = fired;
    }

    /// Latches every latching flag that holds now (with the answers behind it), and notes when
    /// a latched flag's condition stops or starts holding again. Called only once a change has
    /// been accepted, so an answer that was refused can never latch anything.
    fn update_latches(&mut self) {
        let now = self.now;
        for &f in &self.holding {
            let flag = self.q.flag_at(f);
            if !flag.latch {
                continue;
            }
            if let Some(l) = self.latches.iter_mut().find(|l| l.flag == f) {
                l.changed = None;
                continue;
            }
            let view = self.view();
            let mut triggers = Vec::new();
            expr::explain(&flag.when, &view, &mut triggers);
            let mut answers: Vec<(ItemIdx, Answer)> = triggers
                .iter()
                .filter_map(|t| self.answer(t.question).map(|a| (t.question, a.clone())))
                .collect();
            answers.sort_by_key(|(i, _)| *i);
            answers.dedup_by_key(|(i, _)| *i);
            self.latches.push(Latch {
                flag: f,
                fired_at: now,
                answers,
                changed: None,
                alert: None,
                release: None,
            });
        }
        for l in &mut self.latches {
            if !self.holding.contains(&l.flag) && l.changed.is_none() {
                l.changed = Some(now);
            }
        }
        self.merge_fired();
    }

    /// The occurrence an item-only call means: the item's only occurrence, or for an item
    /// inside a repeat its first.
    fn first_at(&self, item: ItemIdx) -> At {
        match self.layout.of_item(item).first() {
            Some(&p) => self.layout.at(p),
            None => At {
                item,
                inst: Inst::from_slice(&vec![0; self.q.levels(item).len()]).unwrap_or_default(),
            },
        }
    }

    /// Sets an answer after validating it; the patient-facing reason comes back on refusal.
    /// Nothing changes when the answer is refused. For an item inside a repeat this is its
    /// first occurrence (see [`Session::set_at`]).
    pub fn set(&mut self, item: ItemIdx, answer: Answer) -> Result<(), AnswerError> {
        let at = self.first_at(item);
        self.set_at(at, answer)
    }

    /// Sets the answer of one occurrence after validating it.
    pub fn set_at(&mut self, at: At, answer: Answer) -> Result<(), AnswerError> {
        let it = self.q.get_item(at.item).ok_or_else(|| AnswerError {
            message: crate::strings::NOT_VALID.into(),
        })?;
        if at.inst.len() != self.q.levels(at.item).len() {
            return Err(AnswerError {
                message: crate::strings::NOT_VALID.into(),
            });
        }
        let answer = validate::check(it, answer, self.visit_date)?;
        let old = self.put(at, Some(answer));
        self.evaluate();
        if let Some(msg) = self.cross_check(at) {
            self.put(at, old);
            self.evaluate();
            return Err(AnswerError { message: msg });
        }
        self.update_latches();
        Ok(())
    }

    /// Stores an answer (no checks) and notes what must be worked out again.
    fn put(&mut self, at: At, a: Option<Answer>) -> Option<Answer> {
        let per_answer = self.q.per_answer(at.item);
        if per_answer && let Some(Answer::Multi(chosen)) = &a {
            for &o in chosen {
                self.seed_answer(
                    at.item,
                    at.inst.push(crate::questionnaire::option_instance(o)),
                );
            }
        }
        let old = self.answers.put(at, a);
        if per_answer {
            self.relayout = true;
        }
        if let Some(p) = self.layout.pos(at) {
            self.touched.push(p);
        }
        old
    }

    /// Removes an answer (an item's first occurrence; see [`Session::clear_at`]).
    pub fn clear(&mut self, item: ItemIdx) {
        let at = self.first_at(item);
        self.clear_at(at);
    }

    /// Removes the answer of one occurrence.
    pub fn clear_at(&mut self, at: At) {
        if self.answers.get(at).is_some() {
            self.put(at, None);
            self.evaluate();
            self.update_latches();
        }
    }

    /// The `valid_if` rule of an occurrence, if its current answer breaks it.
    fn cross_check(&self, at: At) -> Option<String> {
        let it = self.q.item(at.item);
        let (rule, msg) = it.valid_if.as_ref()?;
        let answered = self.is_visible_at(at) && self.answers.get(at).is_some();
        (answered && !expr::eval_bool(rule, &self.view_at(at, None))).then(|| msg.clone())
    }

    /// The stored answer, whether or not the item is visible now (its first occurrence).
    pub fn stored(&self, item: ItemIdx) -> Option<&Answer> {
        self.stored_at(self.first_at(item))
    }

    /// The stored answer of one occurrence, visible or not.
    pub fn stored_at(&self, at: At) -> Option<&Answer> {
        self.answers.get(at)
    }

    /// The answer if the item is visible: what counts (its first occurrence).
    pub fn answer(&self, item: ItemIdx) -> Option<&Answer> {
        self.answer_at(self.first_at(item))
    }

    /// The answer of one occurrence if it is visible.
    pub fn answer_at(&self, at: At) -> Option<&Answer> {
        if self.is_visible_at(at) {
            self.stored_at(at)
        } else {
            None
        }
    }

    /// Whether the item (its first occurrence) is enabled.
    pub fn is_visible(&self, item: ItemIdx) -> bool {
        self.is_visible_at(self.first_at(item))
    }

    /// Whether an occurrence exists and is enabled.
    pub fn is_visible_at(&self, at: At) -> bool {
        self.layout
            .pos(at)
            .is_some_and(|p| self.visible.get(p as usize).copied().unwrap_or(false))
    }

    /// Every stored answer, with hidden ones, as `(item, answer)` (every occurrence).
    pub fn stored_answers(&self) -> impl Iterator<Item = (ItemIdx, &Answer)> {
        self.answers.iter().map(|(at, a)| (at.item, a))
    }

    /// Every stored answer of every occurrence, with hidden ones.
    pub fn stored_at_all(&self) -> impl Iterator<Item = (At, &Answer)> {
        self.answers.iter()
    }

    /// Every occurrence of every item, in walk-through order, enabled or not.
    pub fn occurrences(&self) -> impl Iterator<Item = At> + '_ {
        self.layout.list.iter().filter_map(|s| match s {
            Step::Item(a) => Some(*a),
            Step::More(_) => None,
        })
    }

    /// The occurrences of one item, in order (one for an item outside repeats).
    pub fn occurrences_of(&self, item: ItemIdx) -> impl Iterator<Item = At> + '_ {
        self.layout.of_item(item).iter().map(|&p| self.layout.at(p))
    }

    /// The enabled occurrences of an item's direct children inside occurrence `at` (the
    /// top-level items for `None`), in order: for a question asked per chosen answer, its
    /// children under every answer.
    #[allow(
        clippy::indexing_slicing,
        reason = "positions come from this session's layout, whose `list`, `parent`, `end`, `last` and `visible` grow together (`Layout::push`, `rebuild_layout`); item and derived indices come from its questionnaire's loader"
    )]
    pub fn children_of(&self, at: Option<At>) -> Vec<At> {
        let (parent, range) = match at {
            Some(a) => match self.layout.pos(a) {
                Some(p) => (p, p + 1..self.layout.end[p as usize]),
                None => return Vec::new(),
            },
            None => (NONE, 0..pos_of(self.layout.list.len())),
        };
        range
            .filter(|&p| self.layout.parent[p as usize] == parent)
            .filter_map(|p| match self.layout.list[p as usize] {
                Step::Item(a) if self.visible[p as usize] => Some(a),
                _ => None,
            })
            .collect()
    }

    /// Whether a derived value rests on at least one answered question (following derived
    /// values through), or on no question at all (only the visit date). A value computed from
    /// nothing but unanswered questions reads as a finding ("no") that nobody gave.
    pub fn derived_known(&self, index: DerivedIdx) -> bool {
        let mut stack = vec![index];
        let mut seen = vec![false; self.q.derived.len()];
        let mut any_question = false;
        while let Some(d) = stack.pop() {
            let Some(def) = self.q.derived.get(d.to_usize()) else {
                continue;
            };
            if seen
                .get_mut(d.to_usize())
                .is_none_or(|s| std::mem::replace(s, true))
            {
                continue;
            }
            let mut refs = Vec::new();
            def.expr.refs(&mut refs);
            for r in refs {
                match r {
                    expr::Ref::Question(i) => {
                        any_question = true;
                        if self.answer(i).is_some() {
                            return true;
                        }
                    }
                    expr::Ref::Derived(x) => stack.push(x),
                    expr::Ref::VisitDate => {}
                }
            }
        }
        !any_question
    }

    /// The first month-only date answer a derived value is worked out from (following derived
    /// values through), if any: its result is then only as precise as a month.
    pub fn month_only_input(&self, index: DerivedIdx) -> Option<crate::answer::PartialDate> {
        let mut stack = vec![index];
        let mut seen = vec![false; self.q.derived.len()];
        while let Some(d) = stack.pop() {
            let def = self.q.derived.get(d.to_usize())?;
            if seen
                .get_mut(d.to_usize())
                .is_none_or(|s| std::mem::replace(s, true))
            {
                continue;
            }
            let mut refs = Vec::new();
            def.expr.refs(&mut refs);
            for r in refs {
                match r {
                    expr::Ref::Question(i) => {
                        if let Some(Answer::Date(p)) = self.answer(i)
                            && p.month_only
                        {
                            return Some(p.clone());
                        }
                    }
                    expr::Ref::Derived(x) => stack.push(x),
                    expr::Ref::VisitDate => {}
                }
            }
        }
        None
    }

    pub fn derived_value(&self, index: DerivedIdx) -> Option<Val> {
        self.derived.get(index.to_usize()).copied().flatten()
    }
}

/// Which children of an item to give initial answers.
#[derive(Clone, Copy)]
enum Only {
    All,
    /// An open-choice's "something else" box (not per answer).
    OtherText,
    /// The children asked once per chosen answer.
    PerAnswer,
}
