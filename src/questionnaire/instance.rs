//! Where an answer lives when items repeat: an item plus which instance of each repeating item
//! around it ([`At`]). FHIR repeats come in three kinds, each a level of instances: a repeating
//! group (its whole subtree asked again, "add another"), a repeating free-entry question (one
//! answer per instance, with its children per answer), and the children of a multi-choice
//! question (asked once per chosen answer; the instance number is the option's index, so an
//! answer stays with its option when other options are ticked or unticked).
//!
//! Native questionnaires never repeat: every item has the empty instance ([`Inst::ROOT`]).

/// How deep repeats may nest (a repeat inside a repeat inside ...). Deeper files are refused
/// by name when loaded.
pub const MAX_REPEAT_DEPTH: usize = 4;

/// The instance number of the children asked for option `o` of a multi-choice question. A
/// question has at most [`crate::limits::MAX_OPTIONS`] (2,000) options, so the index fits a
/// `u16`; saturates if it ever did not.
pub fn option_instance(o: u32) -> u16 {
    u16::try_from(o).unwrap_or(u16::MAX)
}

/// Which instance of each repeating level around an item, outermost first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Inst {
    len: u8,
    /// Entries past `len` are always zero, so derived equality and hashing are right.
    ix: [u16; MAX_REPEAT_DEPTH],
}

impl Inst {
    /// No repeat around: the one instance of an item that does not repeat.
    pub const ROOT: Inst = Inst {
        len: 0,
        ix: [0; MAX_REPEAT_DEPTH],
    };

    /// From a list of instance numbers; `None` when deeper than [`MAX_REPEAT_DEPTH`].
    pub fn from_slice(s: &[u16]) -> Option<Inst> {
        if s.len() > MAX_REPEAT_DEPTH {
            return None;
        }
        let mut out = Inst::ROOT;
        out.ix.get_mut(..s.len())?.copy_from_slice(s);
        out.len = u8::try_from(s.len()).ok()?;
        Some(out)
    }

    #[allow(
        clippy::indexing_slicing,
        reason = "`len <= MAX_REPEAT_DEPTH`, the length of `ix`: `from_slice`, `push` and `prefix` keep it"
    )]
    pub fn as_slice(&self) -> &[u16] {
        &self.ix[..self.len as usize]
    }

    pub fn len(&self) -> usize {
        self.len as usize
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// One level deeper, at instance `k`. At the depth limit (which loading prevents) the
    /// instance stays as it is.
    #[allow(
        clippy::indexing_slicing,
        reason = "`ix` has `MAX_REPEAT_DEPTH` entries and the line above checks `len < MAX_REPEAT_DEPTH`"
    )]
    #[must_use]
    pub fn push(self, k: u16) -> Inst {
        let mut out = self;
        if (out.len as usize) < MAX_REPEAT_DEPTH {
            out.ix[out.len as usize] = k;
            out.len += 1;
        }
        out
    }

    /// The first `n` levels.
    #[must_use]
    pub fn prefix(self, n: usize) -> Inst {
        let mut out = Inst::ROOT;
        let len = self.len.min(u8::try_from(n).unwrap_or(u8::MAX));
        for (o, s) in out.ix.iter_mut().zip(self.ix).take(usize::from(len)) {
            *o = s;
        }
        out.len = len;
        out
    }

    /// The innermost instance number.
    pub fn last(&self) -> Option<u16> {
        self.as_slice().last().copied()
    }

    /// Instance numbers counted from 1, for people ("2.1").
    pub fn label(&self) -> String {
        self.as_slice()
            .iter()
            .map(|k| (k + 1).to_string())
            .collect::<Vec<_>>()
            .join(".")
    }
}

impl PartialOrd for Inst {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Inst {
    /// Document order: outer instances first, then inner.
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.as_slice().cmp(other.as_slice())
    }
}

/// One occurrence of an item: the item and its instance.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct At {
    pub item: super::ItemIdx,
    pub inst: Inst,
}

impl At {
    /// The occurrence of an item that is not inside any repeat.
    pub fn base(item: super::ItemIdx) -> At {
        At {
            item,
            inst: Inst::ROOT,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Instances keep document order (outer first) and compare equal only when every level does.
    #[test]
    fn instances_order_outer_first() {
        let a = Inst::ROOT.push(0).push(3);
        let b = Inst::ROOT.push(1);
        let c = Inst::ROOT.push(1).push(0);
        assert!(a < b && b < c);
        assert_eq!(c.prefix(1), b);
        assert_eq!(a.label(), "1.4");
        assert_eq!(Inst::from_slice(&[0, 3]), Some(a));
        assert_eq!(Inst::from_slice(&[0; MAX_REPEAT_DEPTH + 1]), None);
    }
}
