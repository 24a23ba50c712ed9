//! Repeats: instances of repeating items ("add another"), added within `maxOccurs`, removed
//! with their answers, later instances moving up.

use super::{At, BTreeSet, Inst, ItemIdx, Session};
use crate::engine::layout::AfterRemoval;

impl Session<'_> {
    /// How many instances a repeating item has inside instance `parent`.
    pub fn instance_count(&self, item: ItemIdx, parent: Inst) -> u16 {
        self.counts
            .get(&At { item, inst: parent })
            .copied()
            .unwrap_or(1)
            .max(1)
    }

    /// Whether another instance may be added at an "add another" place (`more` from
    /// [`Step::More`]): below the item's `maxOccurs`.
    pub fn can_add(&self, more: At) -> bool {
        let it = self.q.item(more.item);
        let parent = more.inst.prefix(more.inst.len().saturating_sub(1));
        it.repeats_itself()
            && it
                .occurs
                .and_then(|o| o.max)
                .is_none_or(|m| self.instance_count(more.item, parent) < m)
    }

    /// How many instances of a repeating item must be answered: its `minOccurs`, and at least
    /// one when it is `required` (FHIR R4: `required` on a repeating item means at least one).
    pub fn min_instances(&self, item: ItemIdx) -> u16 {
        let it = self.q.item(item);
        let min = it.occurs.map_or(0, |o| o.min);
        if it.required { min.max(1) } else { min }
    }

    /// Whether "remove the last one" may be offered at an "add another" place: there are more
    /// instances than [`Session::min_instances`] (with none needed, the only instance may be
    /// emptied).
    pub fn can_remove(&self, more: At) -> bool {
        let parent = more.inst.prefix(more.inst.len().saturating_sub(1));
        self.q.item(more.item).repeats_itself()
            && !more.inst.is_empty()
            && self.instance_count(more.item, parent) > self.min_instances(more.item)
    }

    /// How many instances are answered inside `parent`, with how many are needed, when fewer
    /// are answered than needed (`(answered, needed)`); `None` when enough are.
    pub fn too_few(&self, item: ItemIdx, parent: Inst) -> Option<(u16, u16)> {
        let need = self.min_instances(item);
        let answered = (0..self.instance_count(item, parent))
            .filter(|&k| {
                self.has_answer_inside(At {
                    item,
                    inst: parent.push(k),
                })
            })
            .count();
        let answered = u16::try_from(answered).unwrap_or(u16::MAX);
        (answered < need).then_some((answered, need))
    }

    /// Adds an instance at an "add another" place; returns the new instance's occurrence (its
    /// initial answers given). `None` when the limit is reached or `more` is not such a place.
    pub fn add_instance(&mut self, more: At) -> Option<At> {
        if !self.can_add(more) || more.inst.is_empty() {
            return None;
        }
        let parent = more.inst.prefix(more.inst.len() - 1);
        let n = self.instance_count(more.item, parent);
        self.counts.insert(
            At {
                item: more.item,
                inst: parent,
            },
            n + 1,
        );
        let new = At {
            item: more.item,
            inst: parent.push(n),
        };
        if let Some(a) = self.q.item(more.item).initial.get(n as usize) {
            self.give_initial(new, a);
        }
        self.seed_children(more.item, new.inst);
        self.relayout = true;
        self.evaluate();
        self.update_latches();
        Some(new)
    }

    /// Makes sure a repeating item has at least `n` instances inside `parent` (reading answers
    /// back from a file or a draft).
    pub fn ensure_instances(&mut self, item: ItemIdx, parent: Inst, n: u16) {
        let it = self.q.item(item);
        if !it.repeats_itself() {
            return;
        }
        let n = it.occurs.and_then(|o| o.max).map_or(n, |m| n.min(m.max(1)));
        let have = self.instance_count(item, parent);
        if n <= have {
            return;
        }
        self.counts.insert(At { item, inst: parent }, n);
        for k in have..n {
            self.seed_children(item, parent.push(k));
        }
        self.relayout = true;
        self.evaluate();
    }

    /// Removes one instance of a repeating item (`at` is the instance's occurrence) with every
    /// answer inside it; later instances move up. The last remaining instance is emptied.
    pub fn remove_instance(&mut self, at: At) {
        if !self.q.item(at.item).repeats_itself() || at.inst.is_empty() {
            return;
        }
        let parent = at.inst.prefix(at.inst.len() - 1);
        let n = self.instance_count(at.item, parent);
        self.answers.remove_instance(self.q, at);
        // Counts of repeats and seeding marks inside later instances move down with them.
        crate::engine::layout::remove_instance_keys(&mut self.counts, self.q, at);
        let q = self.q;
        let seeded: BTreeSet<At> = std::mem::take(&mut self.seeded)
            .into_iter()
            .filter_map(|x| match crate::engine::layout::after_removal(q, at, x) {
                AfterRemoval::Kept => Some(x),
                AfterRemoval::Dropped => None,
                AfterRemoval::Moved(to) => Some(to),
            })
            .collect();
        self.seeded = seeded;
        if n > 1 {
            self.counts.insert(
                At {
                    item: at.item,
                    inst: parent,
                },
                n - 1,
            );
        }
        self.relayout = true;
        self.evaluate();
        self.update_latches();
    }
}
