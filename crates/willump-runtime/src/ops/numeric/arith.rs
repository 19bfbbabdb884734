//! Element-wise arithmetic between two columns, or between a column and a constant.

use willump_ir::params::numeric::{ArithOp, ConstArithParams, ConstSide};

use super::input::{and_validity, f64_column, length_mismatch, numeric_view};
use crate::error::Result;
use crate::value::{Column, F64Column};

/// `a op b`, row by row, as f64.
///
/// - IEEE 754 throughout: `x / 0.0` is `+inf` or `-inf` by the sign of `x` (and of the zero),
///   `0.0 / 0.0`, `inf - inf`, `0 * inf` and anything with NaN are NaN; overflow gives `+-inf`.
///   No operation is an error because of a value.
/// - A row missing in either input is missing in the output.
/// - i64 / bool inputs are converted to f64 first (integer division is not offered: `7 / 2` is
///   `3.5`).
///
/// Errors (naming the operator `add` / `sub` / `mul` / `div` and the column): a string column,
/// or columns of different lengths.
pub fn arith(op: ArithOp, a: &Column, a_name: &str, b: &Column, b_name: &str) -> Result<F64Column> {
    let name = op.name();
    let x = numeric_view(name, a_name, a)?;
    let y = numeric_view(name, b_name, b)?;
    if x.values.len() != y.values.len() {
        return Err(length_mismatch(name, b_name, y.values.len(), a_name, x.values.len()));
    }
    let (x_vals, y_vals) = (&x.values[..], &y.values[..]);
    // One monomorphic loop per operation, so that each one vectorizes.
    let values = match op {
        ArithOp::Add => zip_map(x_vals, y_vals, |p, q| p + q),
        ArithOp::Sub => zip_map(x_vals, y_vals, |p, q| p - q),
        ArithOp::Mul => zip_map(x_vals, y_vals, |p, q| p * q),
        ArithOp::Div => zip_map(x_vals, y_vals, |p, q| p / q),
    };
    Ok(f64_column(values, and_validity(x.validity, y.validity)))
}

/// `column op constant` or `constant op column` (by `params.side`), row by row, as f64.
///
/// Same IEEE rules as [`arith`] (`x / 0.0` is `+-inf`, NaN propagates); a missing row stays
/// missing. Errors: a string column (naming the operator and the column).
pub fn arith_const(params: &ConstArithParams, column: &Column, name: &str) -> Result<F64Column> {
    let x = numeric_view(params.op.name(), name, column)?;
    let c = params.constant;
    let v = &x.values[..];
    let values = match (params.op, params.side) {
        (ArithOp::Add, _) => map(v, |p| p + c),
        (ArithOp::Mul, _) => map(v, |p| p * c),
        (ArithOp::Sub, ConstSide::Right) => map(v, |p| p - c),
        (ArithOp::Sub, ConstSide::Left) => map(v, |p| c - p),
        (ArithOp::Div, ConstSide::Right) => map(v, |p| p / c),
        (ArithOp::Div, ConstSide::Left) => map(v, |p| c / p),
    };
    Ok(f64_column(values, x.validity.cloned()))
}

#[inline]
fn zip_map(a: &[f64], b: &[f64], f: impl Fn(f64, f64) -> f64) -> Vec<f64> {
    a.iter().zip(b).map(|(&p, &q)| f(p, q)).collect()
}

#[inline]
pub(super) fn map(a: &[f64], f: impl Fn(f64) -> f64) -> Vec<f64> {
    a.iter().map(|&p| f(p)).collect()
}
