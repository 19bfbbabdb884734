//! Bucketizing numbers by sorted boundaries (`numpy.digitize`).

use willump_ir::params::numeric::{BucketRule, BucketizeParams};

use super::input::numeric_view;
use crate::error::{Error, Result};
use crate::value::{Bitmap, Column, I64Column};

/// Up to this many boundaries, counting beats binary search.
const LINEAR_MAX: usize = 32;

/// The bucket index of every row, in `0..=boundaries.len()`, by the rule documented on
/// [`BucketizeParams`]: with [`BucketRule::LeftClosed`] the number of boundaries `<= x`, with
/// [`BucketRule::RightClosed`] the number of boundaries `< x` (exactly `numpy.digitize`).
///
/// `-inf` is in bucket 0 (unless a boundary is `-inf` and the rule is left-closed), `+inf` in the
/// last bucket (likewise); NaN and missing rows give a missing index (numpy would put NaN in the
/// last bucket: a NaN is not larger than every boundary, so we refuse to pretend). No
/// boundaries: every non-NaN value is in bucket 0.
///
/// Errors: boundaries that are not strictly increasing or contain NaN (naming `bucketize` and
/// `boundaries`), a string column (naming the column).
pub fn bucketize(params: &BucketizeParams, column: &Column, name: &str) -> Result<I64Column> {
    const OP: &str = "bucketize";
    params.validate().map_err(|m| Error::invalid(OP, "boundaries", m))?;
    let x = numeric_view(OP, name, column)?;
    let b = &params.boundaries[..];
    let n = x.values.len();
    let mut values = Vec::with_capacity(n);
    let mut missing = x.validity.cloned();
    let mut set_missing = |i: usize| missing.get_or_insert_with(|| Bitmap::new_valid(n)).set(i, false);
    for (i, &v) in x.values.iter().enumerate() {
        if v.is_nan() {
            set_missing(i);
            values.push(0);
            continue;
        }
        // Few boundaries: count them branch-free (vectorizes); many: binary search.
        let k = match (params.rule, b.len() <= LINEAR_MAX) {
            (BucketRule::LeftClosed, true) => b.iter().map(|&e| (e <= v) as usize).sum(),
            (BucketRule::RightClosed, true) => b.iter().map(|&e| (e < v) as usize).sum(),
            (BucketRule::LeftClosed, false) => b.partition_point(|&e| e <= v),
            (BucketRule::RightClosed, false) => b.partition_point(|&e| e < v),
        };
        values.push(k as i64);
    }
    Ok(match missing {
        Some(m) if m.count_clear() > 0 => I64Column::try_with_validity(values, m)?,
        _ => I64Column::new(values),
    })
}
