//! The typed indices of a compiled questionnaire: an item, an option within a choice question,
//! a derived value, a flag. Each wraps the `u32` it always was (no cost: `Copy`,
//! `repr(transparent)`), so one cannot be passed where another is meant. They live at the
//! bottom layer because compiled expressions refer to items, options and derived values by
//! them; `questionnaire` re-exports them. None crosses a serde boundary: stored data keeps ids
//! and option values, never these indices.

use std::fmt;

macro_rules! index {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        #[repr(transparent)]
        pub struct $name(u32);

        impl $name {
            /// The index from its number.
            pub const fn new(n: u32) -> Self {
                Self(n)
            }

            /// The index as its number.
            pub const fn get(self) -> u32 {
                self.0
            }

            /// The index for `[]`/`get` on the list it points into.
            pub const fn to_usize(self) -> usize {
                // A u32 always fits a usize on the platforms triage builds for (32 and 64 bit).
                self.0 as usize
            }

            /// The index of position `i` of its list. Every list of the model is far shorter
            /// than `u32::MAX`: a questionnaire file is at most
            /// [`crate::limits::MAX_QUESTIONNAIRE_BYTES`] (8 MiB) and each entry takes bytes of
            /// its own; `None` past that.
            pub fn from_usize(i: usize) -> Option<Self> {
                u32::try_from(i).ok().map(Self)
            }

            /// The index of position `i` of a list the model holds (see [`Self::from_usize`]
            /// for why it fits); saturates rather than wrap if it ever did not.
            pub fn at(i: usize) -> Self {
                Self(u32::try_from(i).unwrap_or(u32::MAX))
            }

            /// The next index (one past this one).
            #[must_use]
            pub const fn next(self) -> Self {
                Self(self.0.saturating_add(1))
            }

            /// Every index from `self` up to, not including, `end`.
            pub fn up_to(self, end: Self) -> impl DoubleEndedIterator<Item = Self> + ExactSizeIterator + Clone {
                (self.0..end.0).map(Self)
            }

            /// Indices `0..n`, for a list of `n` entries.
            pub fn all(n: usize) -> impl DoubleEndedIterator<Item = Self> + ExactSizeIterator + Clone {
                (0..u32::try_from(n).unwrap_or(u32::MAX)).map(Self)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }
    };
}

index!(
    /// An item: its position in `Questionnaire::items` (pre-order: a group before its children).
    ItemIdx
);
index!(
    /// An option of a choice question: its position in that question's options.
    OptionIdx
);
index!(
    /// A derived value: its position in `Questionnaire::derived`.
    DerivedIdx
);
index!(
    /// A flag rule: its position in `Questionnaire::flags`.
    FlagIdx
);

#[cfg(test)]
mod tests {
    use super::*;

    /// An index keeps its number through every conversion, and a range walks what it says.
    #[test]
    fn conversions_round_trip() {
        let i = ItemIdx::new(7);
        assert_eq!(i.get(), 7);
        assert_eq!(i.to_usize(), 7);
        assert_eq!(ItemIdx::from_usize(7), Some(i));
        assert_eq!(i.next(), ItemIdx::new(8));
        assert_eq!(
            ItemIdx::new(2).up_to(ItemIdx::new(5)).collect::<Vec<_>>(),
            [2, 3, 4].map(ItemIdx::new)
        );
        assert_eq!(
            FlagIdx::all(2).collect::<Vec<_>>(),
            [0, 1].map(FlagIdx::new)
        );
        assert_eq!(i.to_string(), "7");
        assert_eq!(std::mem::size_of::<ItemIdx>(), std::mem::size_of::<u32>());
    }

    /// A position beyond `u32` is refused rather than wrapped onto another item.
    #[test]
    #[cfg(target_pointer_width = "64")]
    fn too_big_is_refused() {
        assert_eq!(ItemIdx::from_usize(1 << 32), None);
        assert_eq!(ItemIdx::at(1 << 32), ItemIdx::new(u32::MAX));
    }
}
