//! The occurrences of a session's items, in document order: each item once, except inside
//! repeats, where each instance has its own occurrence, followed by an "add another" place
//! ([`Step::More`]) after the last instance of each repeating item. Rebuilt only when the
//! structure changes (an instance added or removed, an answer of a multi-choice with per-answer
//! children changed); answers and visibility are kept apart from it.

use std::collections::{BTreeMap, HashMap};

use crate::answer::Answer;
use crate::questionnaire::{At, Inst, ItemIdx, Questionnaire};

/// A position in a list built from one questionnaire (the layout's steps, a child among its
/// siblings in the FHIR tree, a FHIR expression) as the `u32` those lists are indexed by. There
/// is at most one step per item occurrence, and a questionnaire is at most
/// [`crate::limits::MAX_QUESTIONNAIRE_BYTES`] (8 MiB), far below `u32::MAX`; saturates if it
/// ever were not.
pub fn pos_of(i: usize) -> u32 {
    u32::try_from(i).unwrap_or(u32::MAX)
}

/// One place in the walk-through order: an occurrence of an item, or the "add another" question
/// after the last instance of a repeating item. `More`'s `At` is where the next instance would
/// go: the repeating item, at the instance number one past the last.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Step {
    Item(At),
    More(At),
}

impl Step {
    /// A step of an item outside every repeat.
    pub fn base(item: ItemIdx) -> Step {
        Step::Item(At::base(item))
    }

    /// The occurrence, or the repeat's next place.
    pub fn at(&self) -> At {
        match self {
            Step::Item(a) | Step::More(a) => *a,
        }
    }

    pub fn item(&self) -> ItemIdx {
        self.at().item
    }
}

/// Stored answers: a plain vector for items outside repeats (the fast path every native
/// questionnaire takes), a map for occurrences inside repeats.
#[derive(Debug, Clone, Default)]
pub(super) struct Answers {
    base: Vec<Option<Answer>>,
    inst: BTreeMap<At, Answer>,
}

impl Answers {
    pub fn new(n: usize) -> Self {
        Answers {
            base: vec![None; n],
            inst: BTreeMap::new(),
        }
    }

    pub fn get(&self, at: At) -> Option<&Answer> {
        if at.inst.is_empty() {
            self.base.get(at.item.to_usize())?.as_ref()
        } else {
            self.inst.get(&at)
        }
    }

    /// Sets (or with `None` removes) an answer; returns the old one.
    pub fn put(&mut self, at: At, a: Option<Answer>) -> Option<Answer> {
        if at.inst.is_empty() {
            match self.base.get_mut(at.item.to_usize()) {
                Some(slot) => std::mem::replace(slot, a),
                None => None,
            }
        } else {
            match a {
                Some(a) => self.inst.insert(at, a),
                None => self.inst.remove(&at),
            }
        }
    }

    /// Every stored answer: items outside repeats in item order, then occurrences in repeats.
    pub fn iter(&self) -> impl Iterator<Item = (At, &Answer)> {
        self.base
            .iter()
            .enumerate()
            .filter_map(|(i, a)| a.as_ref().map(|a| (At::base(ItemIdx::at(i)), a)))
            .chain(self.inst.iter().map(|(k, v)| (*k, v)))
    }

    /// Removes every answer inside one instance of a repeating item (`at` is the instance's
    /// occurrence) and moves the later instances' answers down by one.
    pub fn remove_instance(&mut self, q: &Questionnaire, at: At) {
        remove_instance_keys(&mut self.inst, q, at);
    }
}

/// What removing an instance of a repeating item does to one key (see [`after_removal`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum AfterRemoval {
    /// The key is outside the removed instance and every later one: it stays.
    Kept,
    /// The key was inside the removed instance: it goes.
    Dropped,
    /// The key was in a later instance: it moves to this one, one lower.
    Moved(At),
}

/// What removing instance `at` of a repeating item does to a key `x` (an answer's occurrence,
/// or a count or mark kept by occurrence): nothing, drop it (it was inside), or move it to the
/// instance one lower (it was in a later instance).
#[allow(
    clippy::indexing_slicing,
    reason = "positions come from this session's layout, whose `list`, `parent`, `end`, `last` and `visible` grow together (`Layout::push`, `rebuild_layout`); item and derived indices come from its questionnaire's loader"
)]
pub(super) fn after_removal(q: &Questionnaire, at: At, x: At) -> AfterRemoval {
    let (Some(level), Some(k)) = (at.inst.len().checked_sub(1), at.inst.last()) else {
        return AfterRemoval::Kept;
    };
    let inside = x.item >= at.item
        && x.item < q.item(at.item).end
        && x.inst.len() > level
        && x.inst.prefix(level) == at.inst.prefix(level)
        && q.levels(x.item).get(level) == Some(&at.item);
    if !inside {
        return AfterRemoval::Kept;
    }
    let n = x.inst.as_slice()[level];
    if n == k {
        return AfterRemoval::Dropped;
    }
    if n < k {
        return AfterRemoval::Kept;
    }
    let mut ix = x.inst.as_slice().to_vec();
    ix[level] = n - 1;
    match Inst::from_slice(&ix) {
        Some(inst) => AfterRemoval::Moved(At { item: x.item, inst }),
        None => AfterRemoval::Dropped,
    }
}

/// Applies [`after_removal`] to every key of a map.
pub(super) fn remove_instance_keys<V>(map: &mut BTreeMap<At, V>, q: &Questionnaire, at: At) {
    let keys: Vec<(At, Option<At>)> = map
        .keys()
        .filter_map(|x| match after_removal(q, at, *x) {
            AfterRemoval::Kept => None,
            AfterRemoval::Dropped => Some((*x, None)),
            AfterRemoval::Moved(to) => Some((*x, Some(to))),
        })
        .collect();
    let mut moved = Vec::new();
    for (x, to) in keys {
        if let Some(v) = map.remove(&x)
            && let Some(to) = to
        {
            moved.push((to, v));
        }
    }
    map.extend(moved);
}

/// The occurrence list and the indexes to find an occurrence in it.
#[derive(Debug, Clone, Default)]
pub(super) struct Layout {
    /// Every occurrence and "add another" place, in walk-through order.
    pub list: Vec<Step>,
    /// Position in `list` of the occurrence of an item outside repeats (`u32::MAX` inside).
    base: Vec<u32>,
    /// Positions of occurrences inside repeats.
    keyed: HashMap<At, u32>,
    /// The position of each entry's parent occurrence (`u32::MAX` for top-level items).
    pub parent: Vec<u32>,
    /// For a `More`, the position of the repeat's last instance; `u32::MAX` otherwise.
    pub last: Vec<u32>,
    /// One past the last position inside each entry (its subtree).
    pub end: Vec<u32>,
    /// Positions grouped by item: `by_item[start[i]..start[i + 1]]` are item `i`'s.
    start: Vec<u32>,
    by_item: Vec<u32>,
}

pub(super) const NONE: u32 = u32::MAX;

/// Which children of an item to lay out.
#[derive(Clone, Copy)]
enum Only {
    All,
    /// An open-choice's "something else" box (not per answer).
    OtherText,
    /// The children asked once per chosen answer.
    PerAnswer,
}

impl Layout {
    /// Lays out every occurrence from the instance counts of repeating items and the answers of
    /// multi-choice questions with per-answer children.
    #[allow(
        clippy::indexing_slicing,
        reason = "positions come from this session's layout, whose `list`, `parent`, `end`, `last` and `visible` grow together (`Layout::push`, `rebuild_layout`); item and derived indices come from its questionnaire's loader"
    )]
    pub fn build(q: &Questionnaire, answers: &Answers, counts: &BTreeMap<At, u16>) -> Layout {
        let n = q.items.len();
        let mut l = Layout {
            list: Vec::with_capacity(n),
            base: vec![NONE; n],
            keyed: HashMap::new(),
            parent: Vec::with_capacity(n),
            last: Vec::with_capacity(n),
            end: Vec::new(),
            start: Vec::new(),
            by_item: Vec::new(),
        };
        l.expand(q, answers, counts, None, Inst::ROOT, NONE, Only::All);
        let len = l.list.len();
        l.end = (1..=pos_of(len)).collect();
        for p in (0..len).rev() {
            let par = l.parent[p];
            if par != NONE {
                l.end[par as usize] = l.end[par as usize].max(l.end[p]);
            }
        }
        // Group positions by item (counting sort).
        let mut count = vec![0u32; n + 1];
        for s in &l.list {
            if let Step::Item(a) = s {
                count[a.item.to_usize() + 1] += 1;
            }
        }
        for i in 0..n {
            count[i + 1] += count[i];
        }
        let mut fill = count.clone();
        l.by_item = vec![0; count[n] as usize];
        for (pos, s) in l.list.iter().enumerate() {
            if let Step::Item(a) = s {
                let f = &mut fill[a.item.to_usize()];
                l.by_item[*f as usize] = pos_of(pos);
                *f += 1;
            }
        }
        l.start = count;
        l
    }

    #[allow(clippy::too_many_arguments)]
    #[allow(
        clippy::indexing_slicing,
        reason = "positions come from this session's layout, whose `list`, `parent`, `end`, `last` and `visible` grow together (`Layout::push`, `rebuild_layout`); item and derived indices come from its questionnaire's loader"
    )]
    fn expand(
        &mut self,
        q: &Questionnaire,
        answers: &Answers,
        counts: &BTreeMap<At, u16>,
        parent: Option<ItemIdx>,
        inst: Inst,
        parent_pos: u32,
        only: Only,
    ) {
        let (start, end) = match parent {
            Some(p) => (p.next(), q.item(p).end),
            None => (ItemIdx::new(0), ItemIdx::at(q.items.len())),
        };
        let mut i = start;
        while i < end {
            let it = q.item(i);
            let next = it.end;
            if it.parent != parent {
                i = i.next();
                continue;
            }
            // Children of a multi-choice are laid out twice: its "something else" box once, the
            // per-answer children once per chosen option.
            let skip = match only {
                Only::All => false,
                Only::OtherText => !it.is_open_choice_text(),
                Only::PerAnswer => it.is_open_choice_text(),
            };
            if skip {
                i = next;
                continue;
            }
            if it.repeats_itself() {
                let n = counts
                    .get(&At { item: i, inst })
                    .copied()
                    .unwrap_or(1)
                    .max(1);
                let mut last = NONE;
                for k in 0..n {
                    let at = At {
                        item: i,
                        inst: inst.push(k),
                    };
                    last = self.push(Step::Item(at), parent_pos);
                    self.children(q, answers, counts, i, at.inst, last);
                }
                let more = self.push(
                    Step::More(At {
                        item: i,
                        inst: inst.push(n),
                    }),
                    parent_pos,
                );
                self.last[more as usize] = last;
            } else {
                let at = At { item: i, inst };
                let pos = self.push(Step::Item(at), parent_pos);
                self.children(q, answers, counts, i, inst, pos);
            }
            i = next;
        }
    }

    fn children(
        &mut self,
        q: &Questionnaire,
        answers: &Answers,
        counts: &BTreeMap<At, u16>,
        item: ItemIdx,
        inst: Inst,
        pos: u32,
    ) {
        if q.item(item).end == item.next() {
            return;
        }
        if q.per_answer(item) {
            self.expand(q, answers, counts, Some(item), inst, pos, Only::OtherText);
            if let Some(Answer::Multi(chosen)) = answers.get(At { item, inst }) {
                for &o in chosen {
                    let inst = inst.push(crate::questionnaire::option_instance(o));
                    self.expand(q, answers, counts, Some(item), inst, pos, Only::PerAnswer);
                }
            }
        } else {
            self.expand(q, answers, counts, Some(item), inst, pos, Only::All);
        }
    }

    #[allow(
        clippy::indexing_slicing,
        reason = "positions come from this session's layout, whose `list`, `parent`, `end`, `last` and `visible` grow together (`Layout::push`, `rebuild_layout`); item and derived indices come from its questionnaire's loader"
    )]
    fn push(&mut self, s: Step, parent: u32) -> u32 {
        let pos = pos_of(self.list.len());
        if let Step::Item(at) = s {
            if at.inst.is_empty() {
                self.base[at.item.to_usize()] = pos;
            } else {
                self.keyed.insert(at, pos);
            }
        }
        self.list.push(s);
        self.parent.push(parent);
        self.last.push(NONE);
        pos
    }

    /// The position of an occurrence, if it is laid out.
    pub fn pos(&self, at: At) -> Option<u32> {
        let p = if at.inst.is_empty() {
            *self.base.get(at.item.to_usize())?
        } else {
            *self.keyed.get(&at)?
        };
        (p != NONE).then_some(p)
    }

    /// The position of a step (an occurrence or an "add another" place).
    pub fn step_pos(&self, s: Step) -> Option<u32> {
        match s {
            Step::Item(at) => self.pos(at),
            Step::More(at) => {
                let k = at.inst.last()?.checked_sub(1)?;
                let last = At {
                    item: at.item,
                    inst: at.inst.prefix(at.inst.len() - 1).push(k),
                };
                // The More follows the last instance's subtree.
                let p = *self.end.get(self.pos(last)? as usize)?;
                (self.list.get(p as usize) == Some(&s)).then_some(p)
            }
        }
    }

    /// The positions of an item's occurrences, in order.
    pub fn of_item(&self, item: ItemIdx) -> &[u32] {
        let i = item.to_usize();
        match (self.start.get(i), self.start.get(i + 1)) {
            (Some(&a), Some(&b)) => self.by_item.get(a as usize..b as usize).unwrap_or(&[]),
            _ => &[],
        }
    }

    #[allow(
        clippy::indexing_slicing,
        reason = "positions come from this session's layout, whose `list`, `parent`, `end`, `last` and `visible` grow together (`Layout::push`, `rebuild_layout`); item and derived indices come from its questionnaire's loader"
    )]
    pub fn at(&self, pos: u32) -> At {
        self.list[pos as usize].at()
    }
}
