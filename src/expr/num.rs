//! Conversions between the numbers the expression layers use: counts (`usize`), FHIRPath
//! integers (`i64`) and decimals (`f64`). Each states its bound once, so callers need no casts.
//! Every one behaves exactly as Rust's `as` did where the casts used to be.

/// A count as a decimal: the length of an answer list, a FHIRPath collection or a list of
/// expression parts. Each is built from an input of at most [`crate::limits::MAX_INPUT_BYTES`]
/// (16 MiB), far below 2^53, so the `f64` holds it exactly.
#[allow(
    clippy::cast_precision_loss,
    reason = "counts are bounded by limits::MAX_INPUT_BYTES (2^24), exact in an f64"
)]
pub fn count_to_f64(n: usize) -> f64 {
    n as f64
}

/// A count as a FHIRPath integer (see [`count_to_f64`] for its bound); saturates at `i64::MAX`,
/// which no count reaches.
pub fn count_to_i64(n: usize) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

/// A FHIRPath or questionnaire integer as a decimal, for mixed arithmetic and comparison. Exact
/// up to 2^53; beyond, the nearest decimal, as in FHIRPath engines built on IEEE doubles.
#[allow(
    clippy::cast_precision_loss,
    reason = "FHIRPath integers are i64; an f64 holds them exactly to 2^53 and rounds beyond, as FHIRPath decimals do"
)]
pub fn int_to_f64(i: i64) -> f64 {
    i as f64
}

/// A decimal as an integer: the fraction is dropped (callers floor, ceil or round first where
/// that matters), values past the `i64` range saturate and NaN becomes 0.
#[allow(
    clippy::cast_possible_truncation,
    reason = "saturating by definition of `as`: out of range clamps to i64::MIN/MAX, NaN is 0"
)]
pub fn f64_to_i64(x: f64) -> i64 {
    x as i64
}

/// A decimal as a count or position (`skip(n)`, `substring(start)`): the fraction is dropped,
/// negative values and NaN become 0, values past `usize::MAX` saturate.
#[allow(
    clippy::cast_possible_truncation,
    clippy::cast_sign_loss,
    reason = "saturating by definition of `as`: negative and NaN are 0, too large is usize::MAX"
)]
pub fn f64_to_count(x: f64) -> usize {
    x as usize
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The conversions saturate instead of wrapping, and keep small values exact.
    #[test]
    fn conversions_saturate_and_keep_small_values() {
        assert_eq!(f64_to_i64(2.9), 2);
        assert_eq!(f64_to_i64(-2.9), -2);
        assert_eq!(f64_to_i64(f64::NAN), 0);
        assert_eq!(f64_to_i64(1e300), i64::MAX);
        assert_eq!(f64_to_count(-3.0), 0);
        assert_eq!(f64_to_count(3.7), 3);
        assert_eq!(count_to_i64(7), 7);
        assert!((count_to_f64(7) - 7.0).abs() < f64::EPSILON);
        assert!((int_to_f64(-5) + 5.0).abs() < f64::EPSILON);
    }
}
