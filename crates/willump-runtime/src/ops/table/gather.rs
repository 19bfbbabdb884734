//! Gathering side-table rows by row number for the left join, without a branch per row: each
//! value column is stored once more with one extra row holding the default, and a probe row
//! without a match points at that extra row.

use willump_ir::params::table::Scalar;

use crate::error::{Error, Result};
use crate::value::{Bitmap, Column, PrimitiveColumn, StringColumn};

/// A side-table value column of `n` rows extended with its default as row `n`.
#[derive(Debug, Clone)]
pub(crate) struct ExtendedColumn {
    values: ExtValues,
    /// Validity per extended row; `None` when every row (and the default) is valid.
    valid: Option<Vec<bool>>,
    /// Whether every side row is valid and the default is missing: the output's validity is then
    /// "the row matched", shared by every such column of one transform.
    valid_iff_matched: bool,
}

#[derive(Debug, Clone)]
enum ExtValues {
    F64(Vec<f64>),
    I64(Vec<i64>),
    Bool(Vec<bool>),
    /// `n + 2` offsets into `data`; missing rows have empty slices.
    Str {
        offsets: Vec<u32>,
        data: Vec<u8>,
    },
}

impl ExtendedColumn {
    /// `column` plus `default` as an extra last row. The default's type was checked by the
    /// caller (a mismatched default counts as missing).
    pub(crate) fn new(op: &str, name: &str, column: &Column, default: &Scalar) -> Result<Self> {
        let n = column.len();
        let default_valid = !matches!(default, Scalar::Missing);
        let any_missing = !default_valid || (0..n).any(|i| !column.is_valid(i));
        let valid = any_missing.then(|| (0..n).map(|i| column.is_valid(i)).chain([default_valid]).collect());
        let valid_iff_matched = !default_valid && (0..n).all(|i| column.is_valid(i));
        let values = match column {
            Column::F64(c) => {
                let d = match *default {
                    Scalar::F64(v) => v,
                    Scalar::I64(v) => v as f64,
                    _ => 0.0,
                };
                ExtValues::F64(c.values().iter().copied().chain([d]).collect())
            }
            Column::I64(c) => {
                let d = if let Scalar::I64(v) = *default { v } else { 0 };
                ExtValues::I64(c.values().iter().copied().chain([d]).collect())
            }
            Column::Bool(c) => {
                let d = if let Scalar::Bool(v) = *default { v } else { false };
                ExtValues::Bool(c.values().iter().copied().chain([d]).collect())
            }
            Column::Str(c) => {
                let d = if let Scalar::Str(s) = default { s.as_str() } else { "" };
                let mut data = Vec::with_capacity(c.data().len() + d.len());
                let mut offsets = Vec::with_capacity(n + 2);
                offsets.push(0u32);
                for s in c.iter().map(|s| s.unwrap_or("")).chain([d]) {
                    data.extend_from_slice(s.as_bytes());
                    let end = u32::try_from(data.len())
                        .map_err(|_| Error::invalid(op, name, "side column and default exceed 4 GiB"))?;
                    offsets.push(end);
                }
                ExtValues::Str { offsets, data }
            }
        };
        Ok(ExtendedColumn { values, valid, valid_iff_matched })
    }

    /// The rows `rows` (each at most `n`, where `n` is the default row), as a new column.
    /// `matched` caches the bitmap "row `o` found a match" across the columns of one transform.
    pub(crate) fn gather(&self, op: &str, name: &str, rows: &[u32], matched: &mut Option<Bitmap>) -> Result<Column> {
        let validity = match &self.valid {
            None => None,
            Some(v) if self.valid_iff_matched => {
                let default_row = (v.len() - 1) as u32;
                Some(matched.get_or_insert_with(|| Bitmap::from_fn(rows.len(), |o| rows[o] != default_row)).clone())
            }
            Some(v) => Some(Bitmap::from_fn(rows.len(), |o| v[rows[o] as usize])),
        };
        let validity = validity.filter(|v| v.count_clear() > 0);
        Ok(match &self.values {
            ExtValues::F64(v) => Column::F64(primitive(v, rows, validity)),
            ExtValues::I64(v) => Column::I64(primitive(v, rows, validity)),
            ExtValues::Bool(v) => Column::Bool(primitive(v, rows, validity)),
            ExtValues::Str { offsets, data } => {
                let len = |r: u32| (offsets[r as usize + 1] - offsets[r as usize]) as usize;
                let bytes: usize = rows.iter().map(|&r| len(r)).sum();
                if bytes > u32::MAX as usize {
                    return Err(Error::invalid(op, name, format!("{bytes} bytes of output exceed 4 GiB")));
                }
                let mut out = Vec::with_capacity(bytes);
                let mut out_offsets = Vec::with_capacity(rows.len() + 1);
                out_offsets.push(0u32);
                for &r in rows {
                    out.extend_from_slice(&data[offsets[r as usize] as usize..offsets[r as usize + 1] as usize]);
                    out_offsets.push(out.len() as u32);
                }
                Column::Str(StringColumn::try_new(out, out_offsets, validity)?)
            }
        })
    }
}

fn primitive<T: Copy + Default>(ext: &[T], rows: &[u32], validity: Option<Bitmap>) -> PrimitiveColumn<T> {
    let values: Vec<T> = rows.iter().map(|&r| ext[r as usize]).collect();
    match validity {
        Some(v) => PrimitiveColumn::try_with_validity(values, v).expect("validity sized to the rows"),
        None => PrimitiveColumn::new(values),
    }
}
