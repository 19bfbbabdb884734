//! Converting numeric columns into a dense f64 feature block (the input dense models take).

use ndarray::Array2;

use super::input::length_mismatch;
use crate::error::{Error, Result};
use crate::value::{Column, Table};

const OP: &str = "to_dense";

/// Writes the named columns side by side into a row-major `rows x columns` f64 block.
///
/// f64 values are copied as they are (NaN and `+-inf` included); i64 becomes f64 (rounded beyond
/// 2^53); bool becomes 0.0 / 1.0; a missing value becomes NaN. No columns give a `0 x 0` block;
/// empty columns give a `0 x k` block.
///
/// Errors (naming `to_dense` and the column): a string column, columns of different lengths.
pub fn to_dense(columns: &[(&str, &Column)]) -> Result<Array2<f64>> {
    let n_rows = columns.first().map_or(0, |(_, c)| c.len());
    for (name, c) in columns {
        if let Column::Str(_) = c {
            return Err(Error::invalid(OP, *name, "a string column cannot be a dense numeric feature"));
        }
        if c.len() != n_rows {
            return Err(length_mismatch(OP, name, c.len(), columns[0].0, n_rows));
        }
    }
    let k = columns.len();
    let mut out = vec![0.0; n_rows * k];
    for (j, (_, c)) in columns.iter().enumerate() {
        // Column by column: each input is read once, sequentially; the strided writes stay
        // within a few cache lines per row for the block widths seen in practice.
        match c {
            Column::F64(c) => scatter(&mut out, k, j, c.values().iter().copied(), c.validity()),
            Column::I64(c) => scatter(&mut out, k, j, c.values().iter().map(|&v| v as f64), c.validity()),
            Column::Bool(c) => {
                scatter(&mut out, k, j, c.values().iter().map(|&v| if v { 1.0 } else { 0.0 }), c.validity())
            }
            Column::Str(_) => unreachable!("rejected above"),
        }
    }
    Ok(Array2::from_shape_vec((n_rows, k), out).expect("buffer sized rows * columns"))
}

/// Every column of `table` (or, with `names`, those columns in that order) as a dense block; see
/// [`to_dense`]. Selecting no columns gives an `n_rows x 0` block. Errors also on an unknown name.
pub fn table_to_dense(table: &Table, names: Option<&[&str]>) -> Result<Array2<f64>> {
    let cols: Vec<(&str, &Column)> = match names {
        Some(names) => names.iter().map(|&n| Ok((n, table.column(OP, n)?))).collect::<Result<_>>()?,
        None => table.names().iter().map(String::as_str).zip(table.columns()).collect(),
    };
    let mut block = to_dense(&cols)?;
    if cols.is_empty() {
        block = Array2::zeros((table.n_rows(), 0));
    }
    Ok(block)
}

fn scatter(
    out: &mut [f64],
    stride: usize,
    col: usize,
    values: impl Iterator<Item = f64>,
    validity: Option<&crate::value::Bitmap>,
) {
    for (i, v) in values.enumerate() {
        out[i * stride + col] = v;
    }
    if let Some(validity) = validity {
        for i in (0..validity.len()).filter(|&i| !validity.get(i)) {
            out[i * stride + col] = f64::NAN;
        }
    }
}
