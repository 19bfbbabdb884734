//! Reading any numeric column as a slice of f64 plus its validity, so that every operator runs
//! one tight loop over `&[f64]` whatever the input type.

use std::borrow::Cow;

use crate::error::{Error, Result};
use crate::value::{Bitmap, Column, F64Column};

/// A numeric column seen as f64 values (borrowed for f64, converted once for i64 / bool).
pub(crate) struct NumericView<'a> {
    /// One value per row; a missing row's slot holds 0.0 and must be ignored.
    pub values: Cow<'a, [f64]>,
    /// The validity (`None` = every row valid).
    pub validity: Option<&'a Bitmap>,
}

/// The f64 view of `column`, or an error naming `op` and `name` for a string column.
pub(crate) fn numeric_view<'a>(op: &str, name: &str, column: &'a Column) -> Result<NumericView<'a>> {
    Ok(match column {
        Column::F64(c) => NumericView { values: Cow::Borrowed(c.values()), validity: c.validity() },
        Column::I64(c) => {
            NumericView { values: Cow::Owned(c.values().iter().map(|&v| v as f64).collect()), validity: c.validity() }
        }
        Column::Bool(c) => NumericView {
            values: Cow::Owned(c.values().iter().map(|&v| if v { 1.0 } else { 0.0 }).collect()),
            validity: c.validity(),
        },
        Column::Str(_) => {
            return Err(Error::invalid(op, name, "expected a numeric (f64, i64 or bool) column, found str"));
        }
    })
}

/// The error for two inputs of different lengths.
pub(crate) fn length_mismatch(op: &str, name: &str, len: usize, other: &str, other_len: usize) -> Error {
    Error::invalid(op, name, format!("length mismatch: {len} rows, but `{other}` has {other_len}"))
}

/// An f64 column from computed values and the validity they inherit. Missing slots are reset to
/// 0.0 (the column invariant) and an all-valid bitmap is dropped.
pub(crate) fn f64_column(values: Vec<f64>, validity: Option<Bitmap>) -> F64Column {
    match validity {
        Some(v) if v.count_clear() > 0 => {
            F64Column::try_with_validity(values, v).expect("validity built with the same length as the values")
        }
        _ => F64Column::new(values),
    }
}

/// The row-wise AND of two optional validity bitmaps of equal length.
pub(crate) fn and_validity(a: Option<&Bitmap>, b: Option<&Bitmap>) -> Option<Bitmap> {
    match (a, b) {
        (None, None) => None,
        (Some(v), None) | (None, Some(v)) => Some(v.clone()),
        (Some(x), Some(y)) => Some(x.and(y)),
    }
}
