//! Element-wise functions of one column: `log1p` and `clip`.

use willump_ir::params::numeric::ClipParams;

use super::arith::map;
use super::input::{f64_column, numeric_view};
use crate::error::{Error, Result};
use crate::value::{Column, F64Column};

/// `ln(1 + x)`, row by row, accurate near 0 ([`f64::ln_1p`]).
///
/// `log1p(-1) = -inf`; `x < -1` (including `-inf`) gives NaN; `+inf` stays `+inf`; NaN stays
/// NaN; a missing row stays missing. Errors: a string column (naming `log1p` and the column).
pub fn log1p(column: &Column, name: &str) -> Result<F64Column> {
    let x = numeric_view("log1p", name, column)?;
    Ok(f64_column(map(&x.values, f64::ln_1p), x.validity.cloned()))
}

/// Clips every value into `[lo, hi]` (an absent bound is open).
///
/// `+-inf` are clipped like any value; NaN stays NaN (as `numpy.clip`); a missing row stays
/// missing. Errors: NaN bounds or `lo > hi` (naming `clip` and the `bounds`), a string column.
pub fn clip(params: &ClipParams, column: &Column, name: &str) -> Result<F64Column> {
    params.validate().map_err(|m| Error::invalid("clip", "bounds", m))?;
    let x = numeric_view("clip", name, column)?;
    let lo = params.lo.unwrap_or(f64::NEG_INFINITY);
    let hi = params.hi.unwrap_or(f64::INFINITY);
    // Two selects rather than `f64::max` / `min` (which would turn NaN into a bound): both
    // comparisons are false for NaN, so it passes through, and the selects vectorize.
    let values = map(&x.values, |v| {
        let v = if v < lo { lo } else { v };
        if v > hi { hi } else { v }
    });
    Ok(f64_column(values, x.validity.cloned()))
}
