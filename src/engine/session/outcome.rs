//! What a session comes to: the flags that fire, the outcome, latched disclosures and safety
//! pauses, and a staff member ending the form early.

use super::{
    AlertStatus, Expr, FiredFlag, FlagAction, FlagIdx, ItemIdx, Latch, NotAssessed, Outcome,
    Release, ReleaseAction, Releaser, Session, Severity, expr,
};

impl Session<'_> {
    /// Indexes of the flags that fire, in questionnaire order.
    pub fn fired(&self) -> &[FlagIdx] {
        &self.fired
    }

    /// Fired flags with the answers that triggered each.
    pub fn fired_flags(&self) -> Vec<FiredFlag> {
        let view = self.view();
        self.fired
            .iter()
            .map(|&f| {
                let mut triggers = Vec::new();
                expr::explain(&self.q.flag_at(f).when, &view, &mut triggers);
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
        self.fired.iter().map(|&f| self.q.flag_at(f).severity).max()
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
    pub fn latch(&self, flag: FlagIdx) -> Option<&Latch> {
        self.latches.iter().find(|l| l.flag == flag)
    }

    /// Whether the flag's condition holds on the answers as they are now (a latched flag can be
    /// fired without holding).
    pub fn holds_now(&self, flag: FlagIdx) -> bool {
        self.holding.contains(&flag)
    }

    /// Puts back latches saved with a draft or record (resuming, or re-rendering a record).
    /// A saved latch replaces one the restored answers made again (the saved one has the real
    /// time, alert and release); latches naming flags this questionnaire lacks are left out.
    pub fn restore_latches(&mut self, latches: Vec<Latch>) {
        for l in latches {
            if l.flag.to_usize() < self.q.flags.len() {
                self.latches.retain(|x| x.flag != l.flag);
                self.latches.push(l);
            }
        }
        self.update_latches();
    }

    /// Records what became of the staff alert for a latched `pause` flag.
    pub fn record_alert(&mut self, flag: FlagIdx, status: AlertStatus) {
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
    pub fn pending_pause(&self) -> Option<FlagIdx> {
        self.fired.iter().copied().find(|&f| {
            self.q.flag_at(f).action == Some(FlagAction::Pause)
                && self.latch(f).is_none_or(|l| l.release.is_none())
        })
    }

    /// Someone released a safety pause: the patient carries on, or the session ends there.
    pub fn release_pause(&mut self, flag: FlagIdx, by: Releaser, action: ReleaseAction) {
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
