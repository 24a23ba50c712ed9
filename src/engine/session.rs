//! The state of one patient's questionnaire. Every change re-evaluates visibility, derived values
//! and flags in the questionnaire's precomputed order (linear in its size, no allocation on the
//! expression path). Hidden answers stay in memory, so they come back if the patient changes
//! their mind, but they count nowhere.

use jiff::Timestamp;
use jiff::civil::Date;

use super::fhir_tree::{self, FhirCtx};
use super::latch::{AlertStatus, Latch, NotAssessed, Release, ReleaseAction, Releaser};
use super::validate::{self, AnswerError};
use crate::answer::Answer;
use crate::expr::fhirpath::{self, Coll};
use crate::expr::{self, Env, Expr, Trigger, Val};
use crate::questionnaire::{
    FhirLogic, FlagAction, ItemIdx, ItemKind, Node, Questionnaire, Severity,
};

/// At most this many rounds of FHIRPath evaluation per change: calculations and conditions
/// that feed each other settle in two or three; a questionnaire that never settles stops here.
const FHIR_PASSES: usize = 12;

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
    pub flag: u32,
    pub triggers: Vec<Trigger>,
}

/// Why the questionnaire cannot be submitted yet.
#[derive(Debug, Clone, PartialEq)]
pub enum Problem {
    Missing(ItemIdx),
    Invalid(ItemIdx, String),
}

impl Problem {
    pub fn item(&self) -> ItemIdx {
        match self {
            Problem::Missing(i) | Problem::Invalid(i, _) => *i,
        }
    }
}

#[derive(Debug, Clone)]
pub struct Session<'q> {
    q: &'q Questionnaire,
    visit_date: Date,
    answers: Vec<Option<Answer>>,
    /// Staff ended the session after this item (e.g. after a safety pause).
    ended_after: Option<ItemIdx>,
    /// Latched flags, in the order they first fired; never removed.
    latches: Vec<Latch>,
    /// The session's clock, given by the caller (the engine never reads the clock itself); it
    /// stamps latches.
    now: Option<Timestamp>,
    // Evaluated state, always consistent with `answers` after any public call.
    visible: Vec<bool>,
    derived: Vec<Option<Val>>,
    /// Flags whose condition holds now, in questionnaire order.
    holding: Vec<u32>,
    /// `holding` plus every latched flag, in questionnaire order.
    fired: Vec<u32>,
    cutoff: Option<ItemIdx>,
    /// The `end` flag that set `cutoff`, if one did.
    end_flag: Option<u32>,
}

struct View<'a> {
    q: &'a Questionnaire,
    answers: &'a [Option<Answer>],
    visible: &'a [bool],
    derived: &'a [Option<Val>],
    visit_date: Date,
    fhir: Option<&'a FhirState<'a>>,
}

/// One round of FHIRPath evaluation: the response tree, each item's node in it, and the values
/// of the questionnaire's variables.
struct FhirState<'t> {
    logic: &'t FhirLogic,
    root: &'t serde_json::Value,
    nodes: Vec<Option<&'t serde_json::Value>>,
    vars: Vec<Coll<'t>>,
}

impl Env for View<'_> {
    fn answer(&self, question: u32) -> Option<&Answer> {
        let i = question as usize;
        if self.visible[i] {
            self.answers[i].as_ref()
        } else {
            None
        }
    }
    fn derived(&self, index: u32) -> Option<Val> {
        self.derived[index as usize]
    }
    fn derived_explain(&self, index: u32) -> Option<&Expr> {
        let d = &self.q.derived[index as usize];
        d.trigger.then_some(&d.expr)
    }
    fn visit_date(&self) -> Date {
        self.visit_date
    }
    fn path_holds(&self, e: &fhirpath::Ast, item: u32) -> bool {
        let Some(st) = self.fhir else { return false };
        let Some(Some(node)) = st.nodes.get(item as usize) else {
            return false;
        };
        let ctx = FhirCtx {
            q: self.q,
            logic: st.logic,
            root: st.root,
            vars: &st.vars,
            today: self.visit_date,
        };
        let this = [fhir_tree::node(node)];
        matches!(
            fhirpath::evaluate(e, &ctx, &this).and_then(|c| fhirpath::truth(&c)),
            Ok(Some(true))
        )
    }
}

impl<'q> Session<'q> {
    pub fn new(q: &'q Questionnaire, visit_date: Date) -> Self {
        let n = q.items.len();
        let mut s = Session {
            q,
            visit_date,
            answers: vec![None; n],
            ended_after: None,
            latches: Vec::new(),
            now: None,
            visible: vec![false; n],
            derived: vec![None; q.derived.len()],
            holding: Vec::new(),
            fired: Vec::new(),
            cutoff: None,
            end_flag: None,
        };
        for (i, it) in q.items.iter().enumerate() {
            s.answers[i] = it.initial.clone();
        }
        s.evaluate();
        s.update_latches();
        s
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
        self.view_with(None)
    }

    fn view_with<'a>(&'a self, fhir: Option<&'a FhirState<'a>>) -> View<'a> {
        View {
            q: self.q,
            answers: &self.answers,
            visible: &self.visible,
            derived: &self.derived,
            visit_date: self.visit_date,
            fhir,
        }
    }

    fn compute(&mut self) {
        if let Some(logic) = self.q.fhir.clone() {
            self.compute_fhir(&logic);
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

    /// FHIR questionnaires with FHIRPath: build the response, work out the variables and
    /// calculated answers over it, then which items are enabled; repeat until nothing changes.
    fn compute_fhir(&mut self, logic: &FhirLogic) {
        for _ in 0..FHIR_PASSES {
            let answer_of = |i: ItemIdx| {
                let i = i as usize;
                if self.visible[i] {
                    self.answers[i].clone()
                } else {
                    None
                }
            };
            let root = fhir_tree::response_tree(self.q, &answer_of);
            let nodes = fhir_tree::item_nodes(self.q, &root);
            let mut vars: Vec<Coll<'_>> = Vec::with_capacity(logic.exprs.len());
            let mut calculated = Vec::new();
            for e in &logic.exprs {
                let ctx = FhirCtx {
                    q: self.q,
                    logic,
                    root: &root,
                    vars: &vars,
                    today: self.visit_date,
                };
                let node = match e.scope {
                    Some(i) if self.visible[i as usize] => nodes.get(i as usize).copied().flatten(),
                    Some(_) => None,
                    None => Some(&root),
                };
                let value = node
                    .and_then(|n| fhirpath::evaluate(&e.expr, &ctx, &[fhir_tree::node(n)]).ok())
                    .unwrap_or_default();
                if let Some(t) = e.calculates {
                    calculated.push((t, fhir_tree::to_answer(self.q.item(t), &value)));
                }
                vars.push(value);
            }
            let state = FhirState {
                logic,
                root: &root,
                nodes,
                vars,
            };
            let before = self.visible.clone();
            self.compute_once(Some(&state));
            let mut changed = self.visible != before;
            for (t, a) in calculated {
                if self.answers[t as usize] != a {
                    self.answers[t as usize] = a;
                    changed = true;
                }
            }
            if !changed {
                break;
            }
        }
    }

    fn compute_once(&mut self, fhir: Option<&FhirState<'_>>) {
        for &node in &self.q.order {
            match node {
                Node::Item(i) => {
                    let item = &self.q.items[i as usize];
                    let v = self.cutoff.is_none_or(|c| i <= c)
                        && item.parent.is_none_or(|p| self.visible[p as usize])
                        && item
                            .show_if
                            .as_ref()
                            .is_none_or(|e| expr::eval_bool(e, &self.view_with(fhir)));
                    self.visible[i as usize] = v;
                }
                Node::Derived(d) => {
                    let v = expr::eval(&self.q.derived[d as usize].expr, &self.view_with(fhir));
                    self.derived[d as usize] = v;
                }
            }
        }
    }

    /// Recomputes everything from the answers.
    fn evaluate(&mut self) {
        self.cutoff = self.ended_after;
        self.compute();
        let view = self.view();
        let end = self
            .q
            .flags
            .iter()
            .enumerate()
            .filter(|(_, f)| f.action == Some(FlagAction::End) && expr::eval_bool(&f.when, &view))
            .map(|(i, f)| (i as u32, f.position))
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
            .flags
            .iter()
            .enumerate()
            .filter(|(_, f)| expr::eval_bool(&f.when, &view))
            .map(|(i, _)| i as u32)
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
            let flag = &self.q.flags[f as usize];
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

    /// Sets an answer after validating it; the patient-facing reason comes back on refusal.
    /// Nothing changes when the answer is refused.
    pub fn set(&mut self, item: ItemIdx, answer: Answer) -> Result<(), AnswerError> {
        let it = self.q.items.get(item as usize).ok_or_else(|| AnswerError {
            message: crate::strings::NOT_VALID.into(),
        })?;
        let answer = validate::check(it, answer, self.visit_date)?;
        let old = self.answers[item as usize].replace(answer);
        self.evaluate();
        if let Some(msg) = self.cross_check(item) {
            self.answers[item as usize] = old;
            self.evaluate();
            return Err(AnswerError { message: msg });
        }
        self.update_latches();
        Ok(())
    }

    /// Removes an answer.
    pub fn clear(&mut self, item: ItemIdx) {
        if let Some(slot) = self.answers.get_mut(item as usize)
            && slot.take().is_some()
        {
            self.evaluate();
            self.update_latches();
        }
    }

    /// The `valid_if` rule of `item`, if its current answer breaks it.
    fn cross_check(&self, item: ItemIdx) -> Option<String> {
        let it = &self.q.items[item as usize];
        let (rule, msg) = it.valid_if.as_ref()?;
        let answered = self.visible[item as usize] && self.answers[item as usize].is_some();
        (answered && !expr::eval_bool(rule, &self.view())).then(|| msg.clone())
    }

    /// The stored answer, whether or not the item is visible now.
    pub fn stored(&self, item: ItemIdx) -> Option<&Answer> {
        self.answers.get(item as usize)?.as_ref()
    }

    /// The answer if the item is visible: what counts.
    pub fn answer(&self, item: ItemIdx) -> Option<&Answer> {
        if self.is_visible(item) {
            self.stored(item)
        } else {
            None
        }
    }

    pub fn is_visible(&self, item: ItemIdx) -> bool {
        self.visible.get(item as usize).copied().unwrap_or(false)
    }

    /// Every stored answer, with hidden ones, as `(item, answer)`.
    pub fn stored_answers(&self) -> impl Iterator<Item = (ItemIdx, &Answer)> {
        self.answers
            .iter()
            .enumerate()
            .filter_map(|(i, a)| a.as_ref().map(|a| (i as ItemIdx, a)))
    }

    /// Whether a derived value rests on at least one answered question (following derived
    /// values through), or on no question at all (only the visit date). A value computed from
    /// nothing but unanswered questions reads as a finding ("no") that nobody gave.
    pub fn derived_known(&self, index: u32) -> bool {
        let mut stack = vec![index];
        let mut seen = vec![false; self.q.derived.len()];
        let mut any_question = false;
        while let Some(d) = stack.pop() {
            let Some(def) = self.q.derived.get(d as usize) else {
                continue;
            };
            if std::mem::replace(&mut seen[d as usize], true) {
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
    pub fn month_only_input(&self, index: u32) -> Option<crate::answer::PartialDate> {
        let mut stack = vec![index];
        let mut seen = vec![false; self.q.derived.len()];
        while let Some(d) = stack.pop() {
            let def = self.q.derived.get(d as usize)?;
            if std::mem::replace(&mut seen[d as usize], true) {
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

    pub fn derived_value(&self, index: u32) -> Option<Val> {
        self.derived.get(index as usize).copied().flatten()
    }

    /// Whether the item is a screen of its own: a visible question (not a read-only one, whose
    /// answer is given), info screen, or section intro.
    pub fn is_step(&self, item: ItemIdx) -> bool {
        let it = &self.q.items[item as usize];
        self.is_visible(item)
            && !it.hidden
            && match &it.kind {
                ItemKind::Group { intro } => intro.is_some(),
                ItemKind::Info => true,
                ItemKind::Question(_) => !it.read_only && !it.hidden,
            }
    }

    /// The first screen after `from` (or the very first when `from` is `None`).
    pub fn next_step(&self, from: Option<ItemIdx>) -> Option<ItemIdx> {
        let start = from.map_or(0, |f| f + 1);
        (start..self.q.items.len() as ItemIdx).find(|&i| self.is_step(i))
    }

    /// The screen before `from`.
    pub fn prev_step(&self, from: ItemIdx) -> Option<ItemIdx> {
        (0..from.min(self.q.items.len() as ItemIdx))
            .rev()
            .find(|&i| self.is_step(i))
    }

    /// Every screen, in order.
    pub fn steps(&self) -> impl Iterator<Item = ItemIdx> + '_ {
        (0..self.q.items.len() as ItemIdx).filter(|&i| self.is_step(i))
    }

    /// The first visible question that is required and unanswered, or whose answer breaks a
    /// rule (after an earlier answer changed).
    pub fn first_problem(&self) -> Option<Problem> {
        self.problems().next()
    }

    pub fn problems(&self) -> impl Iterator<Item = Problem> + '_ {
        self.q
            .questions()
            .filter(|(i, _, _)| self.is_visible(*i))
            .filter_map(|(i, item, _)| {
                if self.answers[i as usize].is_none() {
                    return item.required.then_some(Problem::Missing(i));
                }
                self.cross_check(i).map(|m| Problem::Invalid(i, m))
            })
    }

    /// Questions not shown to this patient (hidden by a condition or after the questionnaire
    /// ended).
    pub fn not_asked(&self) -> impl Iterator<Item = ItemIdx> + '_ {
        self.q
            .questions()
            .map(|(i, _, _)| i)
            .filter(|&i| !self.is_visible(i))
    }

    /// Indexes of the flags that fire, in questionnaire order.
    pub fn fired(&self) -> &[u32] {
        &self.fired
    }

    /// Fired flags with the answers that triggered each.
    pub fn fired_flags(&self) -> Vec<FiredFlag> {
        let view = self.view();
        self.fired
            .iter()
            .map(|&f| {
                let mut triggers = Vec::new();
                expr::explain(&self.q.flags[f as usize].when, &view, &mut triggers);
                triggers.sort_by_key(|t| t.question);
                FiredFlag { flag: f, triggers }
            })
            .collect()
    }

    /// The overall result (see [`Outcome`]): NOT ASSESSED for a session that ended early or is
    /// incomplete, ANSWERS ONLY for a questionnaire without rules, else the worst flag.
    pub fn outcome(&self) -> Outcome {
        if self.not_assessed().is_some() {
            return Outcome::NotAssessed;
        }
        if self.q.flags.is_empty() {
            return Outcome::NoRules;
        }
        match self.worst() {
            Some(Severity::Stop) => Outcome::Stop,
            Some(Severity::Caution) => Outcome::Caution,
            _ => Outcome::Clear,
        }
    }

    /// The worst severity among the fired flags.
    pub fn worst(&self) -> Option<Severity> {
        self.fired
            .iter()
            .map(|&f| self.q.flags[f as usize].severity)
            .max()
    }

    /// Why this session cannot be taken as assessed, if it cannot: staff ended it, an `end` rule
    /// stopped it (the patient declined), or required answers are missing or invalid.
    pub fn not_assessed(&self) -> Option<NotAssessed> {
        if let Some(after) = self.ended_after.filter(|_| self.end_flag.is_none()) {
            return Some(NotAssessed::EndedByStaff { after });
        }
        if let Some(flag) = self.end_flag {
            return Some(NotAssessed::EndedByRule { flag });
        }
        let problems = self.problems().count();
        (problems > 0).then_some(NotAssessed::Incomplete { problems })
    }

    /// Latched flags, in the order they first fired.
    pub fn latches(&self) -> &[Latch] {
        &self.latches
    }

    /// The latch of a flag, if it latched.
    pub fn latch(&self, flag: u32) -> Option<&Latch> {
        self.latches.iter().find(|l| l.flag == flag)
    }

    /// Whether the flag's condition holds on the answers as they are now (a latched flag can be
    /// fired without holding).
    pub fn holds_now(&self, flag: u32) -> bool {
        self.holding.contains(&flag)
    }

    /// Puts back latches saved with a draft or record (resuming, or re-rendering a record).
    /// A saved latch replaces one the restored answers made again (the saved one has the real
    /// time, alert and release); latches naming flags this questionnaire lacks are left out.
    pub fn restore_latches(&mut self, latches: Vec<Latch>) {
        for l in latches {
            if (l.flag as usize) < self.q.flags.len() {
                self.latches.retain(|x| x.flag != l.flag);
                self.latches.push(l);
            }
        }
        self.update_latches();
    }

    /// Records what became of the staff alert for a latched `pause` flag.
    pub fn record_alert(&mut self, flag: u32, status: AlertStatus) {
        if let Some(l) = self.latches.iter_mut().find(|l| l.flag == flag) {
            l.alert = Some(status);
        }
    }

    /// Where the questionnaire stops, if an `end` flag fired or staff ended it.
    pub fn ended_at(&self) -> Option<ItemIdx> {
        self.cutoff
    }

    /// A fired `pause` flag that nobody has released yet. Pause flags always latch, so changing
    /// the answer does not make the pause go away.
    pub fn pending_pause(&self) -> Option<u32> {
        self.fired.iter().copied().find(|&f| {
            self.q.flags[f as usize].action == Some(FlagAction::Pause)
                && self.latch(f).is_none_or(|l| l.release.is_none())
        })
    }

    /// Someone released a safety pause: the patient carries on, or the session ends there.
    pub fn release_pause(&mut self, flag: u32, by: Releaser, action: ReleaseAction) {
        let at = self.now;
        if let Some(l) = self.latches.iter_mut().find(|l| l.flag == flag) {
            l.release = Some(Release { by, action, at });
        }
    }

    /// Staff end the questionnaire after `item`: later questions become "not asked", and the
    /// outcome is NOT ASSESSED.
    pub fn end_after(&mut self, item: ItemIdx) {
        self.ended_after = Some(item);
        self.evaluate();
        self.update_latches();
    }

    /// Where staff ended the questionnaire, if they did.
    pub fn ended_by_staff(&self) -> Option<ItemIdx> {
        self.ended_after
    }

    /// Evaluates a condition against this session's visible answers (summary blocks and rows).
    pub fn holds(&self, e: &Expr) -> bool {
        expr::eval_bool(e, &self.view())
    }

    /// Whether every visible required question is answered and every answer is valid.
    pub fn is_complete(&self) -> bool {
        self.first_problem().is_none()
    }
}
