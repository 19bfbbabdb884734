//! The values of the cascade ops (`unsure_rows`, `take_rows`, `merge_rows`): which rows a small
//! model is unsure about, a batch restricted to some rows, and the ordered merge of two answers.
//! The interpreter calls these; they define what the ops mean.

use ndarray::{Array2, ArrayView2};

use crate::error::{Error, Result};
use crate::value::{BoolColumn, Column, F64Column, I64Column, StringColumn, Value};

/// The confidence of one row of class probabilities: its largest probability (`max(p, 1 - p)`
/// for two classes). A row holding a NaN has no confidence (`NaN`), so it is never trusted.
#[inline]
pub fn confidence(row: &[f64]) -> f64 {
    let mut best = f64::NEG_INFINITY;
    for &p in row {
        if p.is_nan() {
            return f64::NAN;
        }
        best = best.max(p);
    }
    best
}

/// Whether a row with this confidence keeps the small model's answer: `confidence >= threshold`
/// (NaN never does).
#[inline]
pub fn is_sure(confidence: f64, threshold: f64) -> bool {
    confidence >= threshold
}

/// The ascending indices of the rows of `proba` (one row of class probabilities per input row)
/// whose confidence is below `threshold`.
pub fn unsure_rows(proba: ArrayView2<'_, f64>, threshold: f64) -> Vec<usize> {
    let mut out = Vec::new();
    let mut buf = Vec::with_capacity(proba.ncols());
    for (i, row) in proba.rows().into_iter().enumerate() {
        let c = match row.as_slice() {
            Some(s) => confidence(s),
            None => {
                buf.clear();
                buf.extend(row.iter().copied());
                confidence(&buf)
            }
        };
        if !is_sure(c, threshold) {
            out.push(i);
        }
    }
    out
}

/// Row indices as the IR carries them (an `i64` column).
pub fn indices_column(rows: &[usize]) -> Value {
    Value::Column(Column::I64(I64Column::new(rows.iter().map(|&r| r as i64).collect())))
}

/// Reads an `i64` column of row indices; each must be valid (not missing) and not negative.
pub fn indices_of(op: &str, name: &str, v: &Value) -> Result<Vec<usize>> {
    let c = v.as_column(op, name)?.as_i64(op, name)?;
    let mut out = Vec::with_capacity(c.len());
    for (k, r) in c.iter().enumerate() {
        match r {
            Some(r) if r >= 0 => out.push(r as usize),
            Some(r) => return Err(Error::invalid(op, name, format!("row index {r} at position {k} is negative"))),
            None => return Err(Error::invalid(op, name, format!("row index at position {k} is missing"))),
        }
    }
    Ok(out)
}

/// `take_rows`: the rows of `value` at `rows`, in that order.
pub fn take_rows(op: &str, name: &str, value: &Value, rows: &[usize]) -> Result<Value> {
    let n = value.n_rows().ok_or_else(|| Error::invalid(op, name, "the value has no rows"))?;
    if let Some(&bad) = rows.iter().find(|&&r| r >= n) {
        return Err(Error::invalid(op, name, format!("row index {bad} out of range for {n} rows")));
    }
    value.take_rows(rows).map_err(|e| Error::invalid(op, name, e.to_string()))
}

/// `merge_rows`: `base` with its rows at `rows` (strictly ascending) replaced, in order, by the
/// rows of `replace`. Both are columns of one type or dense blocks of one width.
pub fn merge_rows(op: &str, base: &Value, replace: &Value, rows: &[usize]) -> Result<Value> {
    let n = base.n_rows().ok_or_else(|| Error::invalid(op, "base", "the value has no rows"))?;
    let m = replace.n_rows().ok_or_else(|| Error::invalid(op, "replace", "the value has no rows"))?;
    if m != rows.len() {
        return Err(Error::invalid(op, "replace", format!("{m} rows for {} row indices", rows.len())));
    }
    if let Some(w) = rows.windows(2).find(|w| w[0] >= w[1]) {
        return Err(Error::invalid(
            op,
            "rows",
            format!("row indices must be strictly ascending: {} then {}", w[0], w[1]),
        ));
    }
    if let Some(&last) = rows.last()
        && last >= n
    {
        return Err(Error::invalid(op, "rows", format!("row index {last} out of range for {n} rows")));
    }
    Ok(match (base, replace) {
        (Value::Dense(a), Value::Dense(b)) => Value::Dense(merge_dense(op, a, b, rows)?),
        (Value::Column(a), Value::Column(b)) => Value::Column(merge_columns(op, a, b, rows)?),
        (a, b) => {
            return Err(Error::invalid(
                op,
                "replace",
                format!("cannot merge a {} into a {}", b.ir_type(), a.ir_type()),
            ));
        }
    })
}

fn merge_dense(op: &str, a: &Array2<f64>, b: &Array2<f64>, rows: &[usize]) -> Result<Array2<f64>> {
    if a.ncols() != b.ncols() {
        return Err(Error::invalid(op, "replace", format!("{} columns, the base has {}", b.ncols(), a.ncols())));
    }
    let mut out = a.clone();
    for (k, &r) in rows.iter().enumerate() {
        out.row_mut(r).assign(&b.row(k));
    }
    Ok(out)
}

/// For each output row, `Err(i)`: base row `i`; `Ok(k)`: replacement row `k`.
fn sources(n: usize, rows: &[usize]) -> impl Iterator<Item = std::result::Result<usize, usize>> + '_ {
    let mut next = 0;
    (0..n).map(move |i| {
        if next < rows.len() && rows[next] == i {
            next += 1;
            Ok(next - 1)
        } else {
            Err(i)
        }
    })
}

fn merge_columns(op: &str, a: &Column, b: &Column, rows: &[usize]) -> Result<Column> {
    let n = a.len();
    Ok(match (a, b) {
        (Column::F64(a), Column::F64(b)) => {
            let v: Vec<Option<f64>> = sources(n, rows).map(|s| s.map_or_else(|i| a.get(i), |k| b.get(k))).collect();
            Column::F64(F64Column::from_options(&v))
        }
        (Column::I64(a), Column::I64(b)) => {
            let v: Vec<Option<i64>> = sources(n, rows).map(|s| s.map_or_else(|i| a.get(i), |k| b.get(k))).collect();
            Column::I64(I64Column::from_options(&v))
        }
        (Column::Bool(a), Column::Bool(b)) => {
            let v: Vec<Option<bool>> = sources(n, rows).map(|s| s.map_or_else(|i| a.get(i), |k| b.get(k))).collect();
            Column::Bool(BoolColumn::from_options(&v))
        }
        (Column::Str(a), Column::Str(b)) => {
            let v: Vec<Option<&str>> = sources(n, rows).map(|s| s.map_or_else(|i| a.get(i), |k| b.get(k))).collect();
            Column::Str(StringColumn::from_options(&v))
        }
        (a, b) => {
            return Err(Error::invalid(
                op,
                "replace",
                format!("cannot merge a {} column into a {} column", b.column_type(), a.column_type()),
            ));
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn unsure_rows_and_confidence() {
        let p = array![[0.5, 0.5], [0.9, 0.1], [0.35, 0.65], [f64::NAN, 0.2], [0.0, 1.0]];
        assert_eq!(unsure_rows(p.view(), 0.6), vec![0, 3]);
        assert_eq!(unsure_rows(p.view(), 0.7), vec![0, 2, 3]);
        assert_eq!(unsure_rows(p.view(), 1.0), vec![0, 1, 2, 3]);
        assert_eq!(unsure_rows(p.view(), 0.0), vec![3], "NaN is never sure");
        let m = array![[0.2, 0.5, 0.3], [0.1, 0.1, 0.8]];
        assert_eq!(unsure_rows(m.view(), 0.5), Vec::<usize>::new());
        assert_eq!(unsure_rows(m.view(), 0.6), vec![0]);
        // A non-contiguous view (a transposed array) gives the same answer.
        let t = array![[0.5, 0.9], [0.5, 0.1]];
        assert_eq!(unsure_rows(t.t(), 0.6), vec![0]);
    }

    #[test]
    fn take_and_merge() {
        let rows = vec![1, 3];
        let idx = indices_column(&rows);
        assert_eq!(indices_of("t", "rows", &idx).unwrap(), rows);
        let bad = Value::Column(Column::I64(I64Column::from_options(&[Some(1), None])));
        assert!(indices_of("t", "rows", &bad).unwrap_err().to_string().contains("missing"));
        let neg = Value::Column(Column::I64(I64Column::new(vec![-1])));
        assert!(indices_of("t", "rows", &neg).unwrap_err().to_string().contains("negative"));

        let base = Value::Dense(array![[1.0, 0.0], [1.0, 0.0], [1.0, 0.0], [1.0, 0.0]]);
        let sub = take_rows("t", "x", &base, &rows).unwrap();
        assert_eq!(sub.n_rows(), Some(2));
        assert!(take_rows("t", "x", &base, &[4]).unwrap_err().to_string().contains("out of range"));
        let repl = Value::Dense(array![[0.0, 1.0], [0.25, 0.75]]);
        let Value::Dense(m) = merge_rows("m", &base, &repl, &rows).unwrap() else { panic!() };
        assert_eq!(m, array![[1.0, 0.0], [0.0, 1.0], [1.0, 0.0], [0.25, 0.75]]);
        assert!(merge_rows("m", &base, &repl, &[3, 1]).unwrap_err().to_string().contains("ascending"));
        assert!(merge_rows("m", &base, &repl, &[1]).unwrap_err().to_string().contains("2 rows for 1"));
        assert!(merge_rows("m", &base, &repl, &[1, 4]).unwrap_err().to_string().contains("out of range"));

        let a = Value::Column(Column::F64(F64Column::from_options(&[Some(0.0), None, Some(0.0)])));
        let b = Value::Column(Column::F64(F64Column::from_options(&[None, Some(1.0)])));
        let Value::Column(Column::F64(c)) = merge_rows("m", &a, &b, &[0, 2]).unwrap() else { panic!() };
        assert_eq!(c.iter().collect::<Vec<_>>(), vec![None, None, Some(1.0)]);
        let s = Value::Column(Column::Str(StringColumn::from_strs(&["a", "b"])));
        let s2 = Value::Column(Column::Str(StringColumn::from_strs(&["é😀"])));
        let Value::Column(Column::Str(c)) = merge_rows("m", &s, &s2, &[1]).unwrap() else { panic!() };
        assert_eq!(c.iter().collect::<Vec<_>>(), vec![Some("a"), Some("é😀")]);
        assert!(merge_rows("m", &a, &s2, &[1]).is_err());
        // Nothing to replace: the base is returned as is.
        let empty = Value::Dense(Array2::zeros((0, 2)));
        let Value::Dense(m) = merge_rows("m", &base, &empty, &[]).unwrap() else { panic!() };
        assert_eq!(m.nrows(), 4);
    }
}
