//! The session's steps and problems: which occurrences are screens, moving between them, and
//! what still needs an answer (required, invalid, too few instances), in questionnaire order.

use super::{At, ItemIdx, ItemKind, NONE, Problem, Session, Step};
use crate::engine::layout::pos_of;

impl Session<'_> {
    /// Whether the item (its first occurrence) is a screen of its own.
    pub fn is_step(&self, item: ItemIdx) -> bool {
        self.layout
            .pos(self.first_at(item))
            .is_some_and(|p| self.is_step_pos(p))
    }

    /// Whether a step is a screen now: a visible question (not a read-only or hidden one,
    /// whose answer is given), info screen or section intro; or the "add another" question
    /// after a repeat whose last instance has an answer.
    pub fn is_step_at(&self, s: Step) -> bool {
        self.layout.step_pos(s).is_some_and(|p| self.is_step_pos(p))
    }

    #[allow(
        clippy::indexing_slicing,
        reason = "positions come from this session's layout, whose `list`, `parent`, `end`, `last` and `visible` grow together (`Layout::push`, `rebuild_layout`); item and derived indices come from its questionnaire's loader"
    )]
    fn is_step_pos(&self, pos: u32) -> bool {
        let p = pos as usize;
        if !self.visible.get(p).copied().unwrap_or(false) {
            return false;
        }
        match self.layout.list[p] {
            Step::Item(at) => {
                let it = self.q.item(at.item);
                !it.hidden
                    && !self.under_empty_answer(at)
                    && match &it.kind {
                        ItemKind::Group { intro } => intro.is_some(),
                        ItemKind::Info => true,
                        ItemKind::Question(_) => !it.read_only,
                    }
            }
            Step::More(at) => {
                let it = self.q.item(at.item);
                let last = self.layout.last[p];
                !it.hidden && !it.read_only && last != NONE && self.answered_within(last)
            }
        }
    }

    /// The first screen after `from` (or the very first when `from` is `None`).
    #[allow(
        clippy::indexing_slicing,
        reason = "positions come from this session's layout, whose `list`, `parent`, `end`, `last` and `visible` grow together (`Layout::push`, `rebuild_layout`); item and derived indices come from its questionnaire's loader"
    )]
    pub fn next_step(&self, from: Option<Step>) -> Option<Step> {
        let start = match from {
            Some(s) => self.layout.step_pos(s).map_or(0, |p| p + 1),
            None => 0,
        };
        (start..pos_of(self.layout.list.len()))
            .find(|&p| self.is_step_pos(p))
            .map(|p| self.layout.list[p as usize])
    }

    /// The screen before `from`.
    #[allow(
        clippy::indexing_slicing,
        reason = "positions come from this session's layout, whose `list`, `parent`, `end`, `last` and `visible` grow together (`Layout::push`, `rebuild_layout`); item and derived indices come from its questionnaire's loader"
    )]
    pub fn prev_step(&self, from: Step) -> Option<Step> {
        let end = self
            .layout
            .step_pos(from)
            .unwrap_or(pos_of(self.layout.list.len()));
        (0..end)
            .rev()
            .find(|&p| self.is_step_pos(p))
            .map(|p| self.layout.list[p as usize])
    }

    /// The first screen at or after item `item` (in document order).
    #[allow(
        clippy::indexing_slicing,
        reason = "positions come from this session's layout, whose `list`, `parent`, `end`, `last` and `visible` grow together (`Layout::push`, `rebuild_layout`); item and derived indices come from its questionnaire's loader"
    )]
    pub fn first_step_from(&self, item: ItemIdx) -> Option<Step> {
        (0..pos_of(self.layout.list.len()))
            .find(|&p| self.layout.list[p as usize].item() >= item && self.is_step_pos(p))
            .map(|p| self.layout.list[p as usize])
    }

    /// The screen that shows a problem: the question itself; for a group, the first screen in
    /// it; for a repeat with too few instances, its "add another" question (or, when that is
    /// not shown yet, the first screen of its last instance).
    #[allow(
        clippy::indexing_slicing,
        reason = "positions come from this session's layout, whose `list`, `parent`, `end`, `last` and `visible` grow together (`Layout::push`, `rebuild_layout`); item and derived indices come from its questionnaire's loader"
    )]
    pub fn step_for_problem(&self, p: &Problem) -> Option<Step> {
        let at = p.at();
        let pos = self.layout.pos(at)?;
        if let Problem::TooFew(..) = p {
            let parent = at.inst.prefix(at.inst.len().saturating_sub(1));
            let n = self.instance_count(at.item, parent);
            let more = Step::More(At {
                item: at.item,
                inst: parent.push(n),
            });
            if self.is_step_at(more) {
                return Some(more);
            }
            let last = self.layout.pos(At {
                item: at.item,
                inst: parent.push(n - 1),
            })?;
            return (last..self.layout.end[last as usize])
                .find(|&x| self.is_step_pos(x))
                .map(|x| self.layout.list[x as usize]);
        }
        (pos..self.layout.end[pos as usize])
            .find(|&x| self.is_step_pos(x))
            .map(|x| self.layout.list[x as usize])
    }

    /// Every screen, in order.
    #[allow(
        clippy::indexing_slicing,
        reason = "positions come from this session's layout, whose `list`, `parent`, `end`, `last` and `visible` grow together (`Layout::push`, `rebuild_layout`); item and derived indices come from its questionnaire's loader"
    )]
    pub fn steps(&self) -> impl Iterator<Item = Step> + '_ {
        (0..pos_of(self.layout.list.len()))
            .filter(|&p| self.is_step_pos(p))
            .map(|p| self.layout.list[p as usize])
    }

    /// The first visible question that is required and unanswered, or whose answer breaks a
    /// rule (after an earlier answer changed).
    pub fn first_problem(&self) -> Option<Problem> {
        self.problems().next()
    }

    /// Every problem, in walk-through order.
    pub fn problems(&self) -> impl Iterator<Item = Problem> + '_ {
        (0..self.layout.list.len()).filter_map(move |p| self.problem_at(p))
    }

    #[allow(
        clippy::indexing_slicing,
        reason = "positions come from this session's layout, whose `list`, `parent`, `end`, `last` and `visible` grow together (`Layout::push`, `rebuild_layout`); item and derived indices come from its questionnaire's loader"
    )]
    fn problem_at(&self, p: usize) -> Option<Problem> {
        if !self.visible[p] {
            return None;
        }
        let at = match self.layout.list[p] {
            Step::Item(a) => a,
            Step::More(a) => {
                // A repeat that needs more answered instances (minOccurs, or a required group;
                // a required repeating question's first instance is checked as a question).
                let it = self.q.item(a.item);
                let min = self.min_instances(a.item);
                let first_is_checked = it.question().is_some() && it.required;
                if min == 0 || (first_is_checked && min == 1) {
                    return None;
                }
                let parent = a.inst.prefix(a.inst.len() - 1);
                return self.too_few(a.item, parent).map(|_| {
                    Problem::TooFew(
                        At {
                            item: a.item,
                            inst: parent.push(0),
                        },
                        min,
                    )
                });
            }
        };
        let item = self.q.item(at.item);
        match &item.kind {
            ItemKind::Group { .. } => {
                (item.required && !item.repeats_itself() && !self.has_answer_inside(at))
                    .then_some(Problem::Missing(at))
            }
            ItemKind::Info => None,
            ItemKind::Question(_) => {
                if self.answers.get(at).is_none() {
                    return self.required_at(at).then_some(Problem::Missing(at));
                }
                self.cross_check(at).map(|m| Problem::Invalid(at, m))
            }
        }
    }

    /// Whether this occurrence must be answered before going on: its item is required, and it
    /// is not an instance of a repeating question past those needed (the first, or `minOccurs`)
    /// nor inside such an extra instance of a repeating group that has no answer at all (such
    /// an instance is not recorded).
    pub fn required_at(&self, at: At) -> bool {
        let item = self.q.item(at.item);
        item.required
            && item.question().is_some()
            && !(item.repeats_itself()
                && at.inst.last().unwrap_or(0) >= self.min_instances(at.item).max(1))
            && !self.empty_extra_instance(at)
            && !self.under_empty_answer(at)
    }

    /// Whether `at` is a child item of an instance of a repeating question that has no answer:
    /// its items belong to that answer (FHIR: a repeating question's children sit in each
    /// answer), so with none they are not asked.
    pub fn under_empty_answer(&self, at: At) -> bool {
        self.q
            .levels(at.item)
            .iter()
            .enumerate()
            .any(|(d, &level)| {
                let it = self.q.item(level);
                level != at.item
                    && it.repeats_itself()
                    && it.question().is_some()
                    && self
                        .answers
                        .get(At {
                            item: level,
                            inst: at.inst.prefix(d + 1),
                        })
                        .is_none()
            })
    }

    /// Whether any occurrence inside `at` (itself included) has a visible answer.
    pub(super) fn has_answer_inside(&self, at: At) -> bool {
        self.layout.pos(at).is_some_and(|p| self.answered_within(p))
    }

    /// Whether a visible occurrence at or inside layout position `p` has an answer.
    #[allow(
        clippy::indexing_slicing,
        reason = "positions come from this session's layout, whose `list`, `parent`, `end`, `last` and `visible` grow together (`Layout::push`, `rebuild_layout`); item and derived indices come from its questionnaire's loader"
    )]
    fn answered_within(&self, p: u32) -> bool {
        (p..self.layout.end[p as usize]).any(|x| {
            self.visible[x as usize]
                && matches!(self.layout.list[x as usize], Step::Item(a) if self.answers.get(a).is_some())
        })
    }

    /// Whether `at` is inside an instance past those needed (the first, or `minOccurs`) of a
    /// repeating group that has no answer at all: such an instance is not recorded, so nothing
    /// in it is missing.
    fn empty_extra_instance(&self, at: At) -> bool {
        self.q
            .levels(at.item)
            .iter()
            .enumerate()
            .any(|(d, &level)| {
                let inst = at.inst.prefix(d + 1);
                self.q.item(level).repeats_itself()
                    && inst.last().unwrap_or(0) >= self.min_instances(level).max(1)
                    && !self.has_answer_inside(At { item: level, inst })
            })
    }

    /// Questions not shown to this patient (hidden by a condition or after the questionnaire
    /// ended): every occurrence disabled.
    #[allow(
        clippy::indexing_slicing,
        reason = "positions come from this session's layout, whose `list`, `parent`, `end`, `last` and `visible` grow together (`Layout::push`, `rebuild_layout`); item and derived indices come from its questionnaire's loader"
    )]
    pub fn not_asked(&self) -> impl Iterator<Item = ItemIdx> + '_ {
        self.q.questions().map(|(i, _, _)| i).filter(|&i| {
            !self
                .layout
                .of_item(i)
                .iter()
                .any(|&p| self.visible[p as usize])
        })
    }
}
