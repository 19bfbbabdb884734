//! The model-input matrix as the optimizer handles it: the columns of some feature groups, and
//! the columns of one group permuted across rows (grouped permutation importance).

use std::ops::Range;

use ndarray::{Array2, Axis};

use crate::error::{Error, Result};
use crate::value::{CsrBuilder, Matrix, MatrixRef};

/// The sorted, distinct columns of several column ranges.
pub fn columns_of(ranges: &[Range<usize>]) -> Vec<usize> {
    let mut cols: Vec<usize> = ranges.iter().flat_map(|r| r.clone()).collect();
    cols.sort_unstable();
    cols.dedup();
    cols
}

/// The columns `cols` (ascending) of `x`, in that order, as a matrix of the same kind.
pub fn select_columns(x: MatrixRef<'_>, cols: &[usize]) -> Result<Matrix> {
    let n_cols = x.n_cols();
    if let Some(&bad) = cols.iter().find(|&&c| c >= n_cols) {
        return Err(Error::invalid("select_columns", "cols", format!("column {bad} out of range for {n_cols}")));
    }
    Ok(match x {
        MatrixRef::Dense(m) => Matrix::Dense(m.select(Axis(1), cols)),
        MatrixRef::Sparse(m) => {
            let mut new_index = vec![u32::MAX; n_cols];
            for (j, &c) in cols.iter().enumerate() {
                new_index[c] = j as u32;
            }
            let mut b = CsrBuilder::with_capacity(cols.len(), m.n_rows(), m.nnz());
            for i in 0..m.n_rows() {
                let (idx, val) = m.row(i);
                for (&c, &v) in idx.iter().zip(val) {
                    let j = new_index[c as usize];
                    if j != u32::MAX {
                        b.push(j, v);
                    }
                }
                b.end_row();
            }
            Matrix::Sparse(b.finish())
        }
    })
}

/// `x` with the columns where `in_group` is true taken from row `perm[i]` in row `i` (the other
/// columns untouched): the group's values shuffled across rows, jointly.
pub fn permute_group(x: MatrixRef<'_>, in_group: &[bool], perm: &[usize]) -> Result<Matrix> {
    let (n, k) = (x.n_rows(), x.n_cols());
    if perm.len() != n || in_group.len() != k {
        return Err(Error::op(
            "permute_group",
            format!("{} rows / {} columns for a {n} x {k} matrix", perm.len(), in_group.len()),
        ));
    }
    Ok(match x {
        MatrixRef::Dense(m) => {
            let group: Vec<usize> = (0..k).filter(|&j| in_group[j]).collect();
            let mut out: Array2<f64> = m.to_owned();
            for (i, &p) in perm.iter().enumerate() {
                for &j in &group {
                    out[[i, j]] = m[[p, j]];
                }
            }
            Matrix::Dense(out)
        }
        MatrixRef::Sparse(m) => {
            let mut b = CsrBuilder::with_capacity(k, n, m.nnz());
            let mut row: Vec<(u32, f64)> = Vec::new();
            for (i, &p) in perm.iter().enumerate() {
                row.clear();
                let (idx, val) = m.row(i);
                row.extend(idx.iter().zip(val).filter(|(c, _)| !in_group[**c as usize]).map(|(c, v)| (*c, *v)));
                let (idx, val) = m.row(p);
                row.extend(idx.iter().zip(val).filter(|(c, _)| in_group[**c as usize]).map(|(c, v)| (*c, *v)));
                row.sort_unstable_by_key(|e| e.0);
                for &(c, v) in &row {
                    b.push(c, v);
                }
                b.end_row();
            }
            Matrix::Sparse(b.finish())
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::value::CsrMatrix;
    use ndarray::array;

    #[test]
    fn select_and_permute_agree_on_dense_and_sparse() {
        let d = array![[1.0, 0.0, 2.0, 3.0], [0.0, 4.0, 0.0, 5.0], [6.0, 0.0, 7.0, 0.0]];
        let s = CsrMatrix::from_dense(&d);
        for x in [MatrixRef::Dense(d.view()), MatrixRef::Sparse(&s)] {
            let sel = select_columns(x, &[0, 3]).unwrap();
            assert_eq!(sel.view().to_dense(), array![[1.0, 3.0], [0.0, 5.0], [6.0, 0.0]]);
            assert!(select_columns(x, &[4]).is_err());
            let p = permute_group(x, &[true, false, true, false], &[2, 0, 1]).unwrap();
            assert_eq!(p.view().to_dense(), array![[6.0, 0.0, 7.0, 3.0], [1.0, 4.0, 2.0, 5.0], [0.0, 0.0, 0.0, 0.0]]);
            assert!(permute_group(x, &[true], &[0, 1, 2]).is_err());
        }
        assert_eq!(columns_of(&[4..6, 0..2, 1..3]), vec![0, 1, 2, 4, 5]);
    }
}
