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
    // Row blocks small enough that the block's output rows stay in cache while every column
    // writes its strided slots: one pass over memory instead of one per column.
    const BLOCK: usize = 2048;
    for start in (0..n_rows).step_by(BLOCK) {
        let end = (start + BLOCK).min(n_rows);
        let block = &mut out[start * k..end * k];
        for (j, (_, c)) in columns.iter().enumerate() {
            match c {
                Column::F64(c) => scatter(block, k, j, &c.values()[start..end], |v| v),
                Column::I64(c) => scatter(block, k, j, &c.values()[start..end], |v| v as f64),
                Column::Bool(c) => scatter(block, k, j, &c.values()[start..end], |v| if v { 1.0 } else { 0.0 }),
                Column::Str(_) => unreachable!("rejected above"),
            }
        }
    }
    // Missing values last, visiting only the clear bits.
    for (j, (_, c)) in columns.iter().enumerate() {
        let validity = match c {
            Column::F64(c) => c.validity(),
            Column::I64(c) => c.validity(),
            Column::Bool(c) => c.validity(),
            Column::Str(_) => None,
        };
        if let Some(v) = validity {
            v.for_each_clear(|i| out[i * k + j] = f64::NAN);
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

fn scatter<T: Copy>(block: &mut [f64], stride: usize, col: usize, values: &[T], f: impl Fn(T) -> f64) {
    for (slot, &v) in block[col..].iter_mut().step_by(stride).zip(values) {
        *slot = f(v);
    }
}
