//! Parameters of the numeric operators (arithmetic, log1p, clip, fill, bucketize, one-hot).
//!
//! These are settings, not fitted state: the one-hot encoder's categories live in the runtime.
//! Each struct has a `validate` method that the runtime calls before running the operator, so a
//! malformed parameter (a NaN bound, unsorted boundaries) is an error, never a wrong answer.

use serde::{Deserialize, Serialize};

use super::table::Scalar;

/// An arithmetic operation on `f64` (IEEE 754 semantics, including division by zero).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ArithOp {
    /// `a + b`.
    Add,
    /// `a - b`.
    Sub,
    /// `a * b`.
    Mul,
    /// `a / b` (`x / 0.0` is `+-inf` by the sign of `x`, `0.0 / 0.0` is NaN).
    Div,
}

impl ArithOp {
    /// Applies the operation.
    #[inline]
    pub fn apply(self, a: f64, b: f64) -> f64 {
        match self {
            ArithOp::Add => a + b,
            ArithOp::Sub => a - b,
            ArithOp::Mul => a * b,
            ArithOp::Div => a / b,
        }
    }

    /// The operator's short name (`add`, `sub`, `mul`, `div`), used in error messages.
    pub fn name(self) -> &'static str {
        match self {
            ArithOp::Add => "add",
            ArithOp::Sub => "sub",
            ArithOp::Mul => "mul",
            ArithOp::Div => "div",
        }
    }
}

/// Which side of the operation a constant stands on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ConstSide {
    /// `column op constant` (for example `x - 1`).
    Right,
    /// `constant op column` (for example `1 - x`).
    Left,
}

/// Arithmetic between a column and a constant.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConstArithParams {
    /// The operation.
    pub op: ArithOp,
    /// The constant (any `f64`, NaN and infinities included: IEEE rules apply).
    pub constant: f64,
    /// Where the constant stands.
    pub side: ConstSide,
}

/// `clip(lo, hi)`: values below `lo` become `lo`, above `hi` become `hi`. A `None` bound is open.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClipParams {
    /// Lower bound, inclusive.
    pub lo: Option<f64>,
    /// Upper bound, inclusive.
    pub hi: Option<f64>,
}

impl ClipParams {
    /// Checks that no bound is NaN and that `lo <= hi`.
    pub fn validate(&self) -> Result<(), String> {
        if self.lo.is_some_and(f64::is_nan) || self.hi.is_some_and(f64::is_nan) {
            return Err(format!("clip bounds must not be NaN (lo = {:?}, hi = {:?})", self.lo, self.hi));
        }
        if let (Some(lo), Some(hi)) = (self.lo, self.hi)
            && lo > hi
        {
            return Err(format!("clip lower bound {lo} is above the upper bound {hi}"));
        }
        Ok(())
    }
}

/// Replaces missing values with a constant.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FillMissingParams {
    /// The replacement. Its type must fit the column: `F64` or `I64` (converted) for an f64
    /// column, `I64` for an i64 column, `Str` for a string column, `Bool` for a bool column.
    /// [`Scalar::Missing`] is rejected (it would fill nothing).
    pub value: Scalar,
    /// Also replace NaN (f64 columns only; NaN is a value, not a missing marker, by default).
    pub fill_nan: bool,
}

/// Which side of a bucket a value equal to a boundary falls in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum BucketRule {
    /// Buckets are `[b[i-1], b[i])`: a value equal to `b[i]` goes to bucket `i + 1`
    /// (`numpy.digitize(x, b, right=False)`).
    LeftClosed,
    /// Buckets are `(b[i-1], b[i]]`: a value equal to `b[i]` goes to bucket `i`
    /// (`numpy.digitize(x, b, right=True)`; `pandas.cut(x, b, right=True, labels=False)` gives
    /// this index minus one inside `(b[0], b[n-1]]` and NaN outside it).
    RightClosed,
}

/// Bucketize by sorted boundaries: the output is the bucket index in `0..=boundaries.len()`.
///
/// With boundaries `b[0] < b[1] < ... < b[n-1]` and [`BucketRule::LeftClosed`], a value `x` gets
/// the number of boundaries `<= x` (bucket 0 is `x < b[0]`, bucket `n` is `x >= b[n-1]`); with
/// [`BucketRule::RightClosed`], the number of boundaries `< x`. This is exactly
/// `numpy.digitize(x, b, right=...)` for every non-NaN `x`, including `+-inf`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BucketizeParams {
    /// Strictly increasing boundaries; `+-inf` allowed, NaN not.
    pub boundaries: Vec<f64>,
    /// Which side of a bucket a boundary value belongs to.
    pub rule: BucketRule,
}

impl BucketizeParams {
    /// Checks that the boundaries are strictly increasing and free of NaN.
    pub fn validate(&self) -> Result<(), String> {
        if let Some(i) = self.boundaries.iter().position(|b| b.is_nan()) {
            return Err(format!("boundary {i} is NaN"));
        }
        if let Some(i) = self.boundaries.windows(2).position(|w| w[0] >= w[1]) {
            return Err(format!(
                "boundaries must increase strictly: boundary {i} = {} is not below boundary {} = {}",
                self.boundaries[i],
                i + 1,
                self.boundaries[i + 1]
            ));
        }
        Ok(())
    }
}

/// One-hot encoding settings (the categories themselves are fitted state in the runtime).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OneHotParams {
    /// A category seen fewer than this many times at fit time is not given a column, so it
    /// encodes as an all-zero row like an unknown category. `1` keeps every category.
    pub min_count: usize,
}

impl Default for OneHotParams {
    fn default() -> Self {
        OneHotParams { min_count: 1 }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validation_rejects_bad_bounds() {
        assert!(ClipParams { lo: Some(1.0), hi: Some(0.0) }.validate().is_err());
        assert!(ClipParams { lo: Some(f64::NAN), hi: None }.validate().is_err());
        assert!(ClipParams { lo: None, hi: Some(f64::INFINITY) }.validate().is_ok());
        let b = |v: Vec<f64>| BucketizeParams { boundaries: v, rule: BucketRule::LeftClosed }.validate();
        assert!(b(vec![0.0, 0.0]).is_err());
        assert!(b(vec![0.0, f64::NAN]).is_err());
        assert!(b(vec![f64::NEG_INFINITY, 0.0, 1.0]).is_ok());
        assert!(b(vec![]).is_ok());
    }

    #[test]
    fn serde_round_trip() {
        let p = ConstArithParams { op: ArithOp::Div, constant: -2.5, side: ConstSide::Left };
        let s = serde_json::to_string(&p).unwrap();
        assert_eq!(serde_json::from_str::<ConstArithParams>(&s).unwrap(), p);
        assert_eq!(ArithOp::Div.apply(1.0, 0.0), f64::INFINITY);
    }
}
