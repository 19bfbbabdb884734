//! Parameters of the table operators (left join, column selection, per-key target aggregates)
//! and of stacking feature blocks into one model input.
//!
//! The fitted state (the indexed side table, the per-key statistics) lives in the runtime; these
//! structs hold only settings and are pure serde data.

use serde::{Deserialize, Serialize};

/// One scalar value: a join default, a fill value.
///
/// [`Scalar::Missing`] is a real choice, not an absence: as a join default it makes the output
/// row missing (null) rather than a value.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Scalar {
    /// The missing value (null).
    Missing,
    /// A 64-bit float (NaN allowed: it is a value).
    F64(f64),
    /// A 64-bit integer.
    I64(i64),
    /// A boolean.
    Bool(bool),
    /// A string.
    Str(String),
}

impl Scalar {
    /// The type's name (`missing`, `f64`, `i64`, `bool`, `str`), for error messages.
    pub fn type_name(&self) -> &'static str {
        match self {
            Scalar::Missing => "missing",
            Scalar::F64(_) => "f64",
            Scalar::I64(_) => "i64",
            Scalar::Bool(_) => "bool",
            Scalar::Str(_) => "str",
        }
    }
}

/// One looked-up column of a left join and its default.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JoinValue {
    /// The side table's column to look up.
    pub column: String,
    /// The value for a probe row whose key is missing from the side table or null.
    pub default: Scalar,
}

/// A left join (lookup) of probe rows against a side table indexed once at fit time.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LeftJoinParams {
    /// The side table's key columns (str or i64), in order.
    pub side_keys: Vec<String>,
    /// The probe table's key columns, matched position by position to `side_keys`.
    pub probe_keys: Vec<String>,
    /// The columns to look up, in output order.
    pub values: Vec<JoinValue>,
}

/// Column selection: the named columns, in this order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SelectParams {
    /// The columns to keep, in output order (no repeats).
    pub columns: Vec<String>,
}

/// Per-key target aggregates (count, smoothed mean), fitted on training rows.
///
/// The smoothed mean of a key seen `count` times with label sum `sum` is
/// `(sum + smoothing * prior) / (count + smoothing)`, where `prior` is the mean label; an unseen
/// key gets `prior` and count 0.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TargetAggregateParams {
    /// The training table's key columns (str or i64).
    pub keys: Vec<String>,
    /// The target (label) column (f64, i64 or bool).
    pub target: String,
    /// `m`, the weight of the prior, in pseudo-rows (finite, `>= 0`).
    pub smoothing: f64,
    /// The number of folds for the out-of-fold values of training rows (`>= 2`).
    pub n_folds: usize,
    /// The seed of the fold assignment.
    pub seed: u64,
    /// Name of the output count column.
    pub count_name: String,
    /// Name of the output smoothed-mean column.
    pub mean_name: String,
}

/// Which kind of matrix stacking produces.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum StackOutput {
    /// Sparse (CSR) when any block is sparse, dense otherwise.
    Auto,
    /// Always dense.
    Dense,
    /// Always sparse (CSR); exact zeros of dense blocks are not stored.
    Sparse,
}

/// Horizontal stacking of feature blocks into one model input.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StackParams {
    /// The names of the blocks, in column order.
    pub blocks: Vec<String>,
    /// The output kind.
    pub output: StackOutput,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serde_round_trip() {
        let p = LeftJoinParams {
            side_keys: vec!["origin".into(), "time_hour".into()],
            probe_keys: vec!["origin".into(), "time_hour".into()],
            values: vec![
                JoinValue { column: "temp".into(), default: Scalar::Missing },
                JoinValue { column: "visib".into(), default: Scalar::F64(10.0) },
            ],
        };
        let s = serde_json::to_string(&p).unwrap();
        assert_eq!(serde_json::from_str::<LeftJoinParams>(&s).unwrap(), p);
        assert_eq!(Scalar::Str("x".into()).type_name(), "str");
    }
}
