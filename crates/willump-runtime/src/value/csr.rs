//! Compressed sparse row (CSR) matrices of `f64`, the layout scikit-learn and SciPy use.

use ndarray::Array2;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// A CSR sparse matrix.
///
/// Invariants, checked by [`CsrMatrix::try_new`]: `indptr` has `n_rows + 1` entries, starts at 0,
/// never decreases and ends at `indices.len() == data.len()`; every column index is below
/// `n_cols`. Column indices within a row need not be sorted (see
/// [`has_sorted_indices`](Self::has_sorted_indices)); explicit zeros may be stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "CsrParts")]
pub struct CsrMatrix {
    n_rows: usize,
    n_cols: usize,
    indptr: Vec<usize>,
    indices: Vec<u32>,
    data: Vec<f64>,
}

/// The serialized form, checked by [`CsrMatrix::try_new`] on load.
#[derive(Deserialize)]
struct CsrParts {
    n_rows: usize,
    n_cols: usize,
    indptr: Vec<usize>,
    indices: Vec<u32>,
    data: Vec<f64>,
}

impl TryFrom<CsrParts> for CsrMatrix {
    type Error = Error;
    fn try_from(p: CsrParts) -> Result<Self> {
        CsrMatrix::try_new(p.n_rows, p.n_cols, p.indptr, p.indices, p.data)
    }
}

impl CsrMatrix {
    /// Builds a matrix from raw parts, checking every invariant.
    pub fn try_new(
        n_rows: usize,
        n_cols: usize,
        indptr: Vec<usize>,
        indices: Vec<u32>,
        data: Vec<f64>,
    ) -> Result<Self> {
        const OP: &str = "CsrMatrix::try_new";
        if indptr.len() != n_rows + 1 {
            return Err(Error::invalid(
                OP,
                "indptr",
                format!("{} entries for {n_rows} rows (need rows + 1)", indptr.len()),
            ));
        }
        if indptr[0] != 0 {
            return Err(Error::invalid(OP, "indptr", format!("must start at 0, starts at {}", indptr[0])));
        }
        if let Some(i) = indptr.windows(2).position(|w| w[1] < w[0]) {
            return Err(Error::invalid(OP, "indptr", format!("decreases at row {i}")));
        }
        if indices.len() != data.len() {
            return Err(Error::invalid(OP, "indices", format!("{} indices for {} values", indices.len(), data.len())));
        }
        if indptr[n_rows] != data.len() {
            return Err(Error::invalid(
                OP,
                "indptr",
                format!("ends at {} for {} stored values", indptr[n_rows], data.len()),
            ));
        }
        if n_cols > u32::MAX as usize + 1 {
            return Err(Error::invalid(OP, "n_cols", format!("{n_cols} columns do not fit u32 indices")));
        }
        if let Some(&c) = indices.iter().find(|&&c| c as usize >= n_cols) {
            return Err(Error::invalid(OP, "indices", format!("column index {c} out of range for {n_cols} columns")));
        }
        Ok(CsrMatrix { n_rows, n_cols, indptr, indices, data })
    }

    /// An all-zero matrix of the given shape.
    pub fn zeros(n_rows: usize, n_cols: usize) -> Self {
        CsrMatrix { n_rows, n_cols, indptr: vec![0; n_rows + 1], indices: Vec::new(), data: Vec::new() }
    }

    /// The non-zero entries of a dense matrix (exact zeros are dropped; NaN is kept).
    pub fn from_dense(m: &Array2<f64>) -> Self {
        let mut b = CsrBuilder::new(m.ncols());
        for row in m.rows() {
            for (j, &v) in row.iter().enumerate() {
                if v != 0.0 {
                    b.push(j as u32, v);
                }
            }
            b.end_row();
        }
        b.finish()
    }

    /// Number of rows.
    pub fn n_rows(&self) -> usize {
        self.n_rows
    }

    /// Number of columns.
    pub fn n_cols(&self) -> usize {
        self.n_cols
    }

    /// Number of stored entries.
    pub fn nnz(&self) -> usize {
        self.data.len()
    }

    /// Row pointers (`n_rows + 1`).
    pub fn indptr(&self) -> &[usize] {
        &self.indptr
    }

    /// Column indices of the stored entries.
    pub fn indices(&self) -> &[u32] {
        &self.indices
    }

    /// Values of the stored entries.
    pub fn data(&self) -> &[f64] {
        &self.data
    }

    /// Row `i` as (column indices, values). Panics when `i >= n_rows`.
    #[inline]
    pub fn row(&self, i: usize) -> (&[u32], &[f64]) {
        let (s, e) = (self.indptr[i], self.indptr[i + 1]);
        (&self.indices[s..e], &self.data[s..e])
    }

    /// Whether column indices increase strictly within every row.
    pub fn has_sorted_indices(&self) -> bool {
        (0..self.n_rows).all(|i| self.row(i).0.windows(2).all(|w| w[0] < w[1]))
    }

    /// Sorts each row's entries by column and sums duplicates (SciPy's `sum_duplicates`).
    pub fn sum_duplicates(&mut self) {
        let mut b = CsrBuilder::with_capacity(self.n_cols, self.n_rows, self.nnz());
        let mut pairs: Vec<(u32, f64)> = Vec::new();
        for i in 0..self.n_rows {
            let (idx, val) = self.row(i);
            pairs.clear();
            pairs.extend(idx.iter().copied().zip(val.iter().copied()));
            pairs.sort_by_key(|p| p.0);
            let mut k = 0;
            while k < pairs.len() {
                let (c, mut v) = pairs[k];
                k += 1;
                while k < pairs.len() && pairs[k].0 == c {
                    v += pairs[k].1;
                    k += 1;
                }
                b.push(c, v);
            }
            b.end_row();
        }
        *self = b.finish();
    }

    /// The dense form.
    pub fn to_dense(&self) -> Array2<f64> {
        let mut m = Array2::zeros((self.n_rows, self.n_cols));
        for i in 0..self.n_rows {
            let (idx, val) = self.row(i);
            for (&c, &v) in idx.iter().zip(val) {
                m[[i, c as usize]] += v;
            }
        }
        m
    }

    /// The rows at `rows`, in that order. Errors when an index is out of range.
    pub fn take_rows(&self, rows: &[usize]) -> Result<CsrMatrix> {
        let n = self.n_rows;
        if let Some(&bad) = rows.iter().find(|&&r| r >= n) {
            return Err(Error::invalid("take", "rows", format!("row index {bad} out of range for {n} rows")));
        }
        let nnz = rows.iter().map(|&r| self.indptr[r + 1] - self.indptr[r]).sum();
        let mut b = CsrBuilder::with_capacity(self.n_cols, rows.len(), nnz);
        for &r in rows {
            let (idx, val) = self.row(r);
            b.indices.extend_from_slice(idx);
            b.data.extend_from_slice(val);
            b.end_row();
        }
        Ok(b.finish())
    }

    /// The columns `start..end`, re-indexed from 0.
    pub fn slice_cols(&self, start: usize, end: usize) -> Result<CsrMatrix> {
        if start > end || end > self.n_cols {
            return Err(Error::invalid(
                "slice_cols",
                "range",
                format!("column range {start}..{end} out of bounds for {} columns", self.n_cols),
            ));
        }
        let mut b = CsrBuilder::new(end - start);
        for i in 0..self.n_rows {
            let (idx, val) = self.row(i);
            for (&c, &v) in idx.iter().zip(val) {
                if (start..end).contains(&(c as usize)) {
                    b.push(c - start as u32, v);
                }
            }
            b.end_row();
        }
        Ok(b.finish())
    }

    /// Mutable access to the stored values (the sparsity pattern stays fixed).
    pub fn data_mut(&mut self) -> &mut [f64] {
        &mut self.data
    }
}

/// Builds a [`CsrMatrix`] row by row with no per-row allocation.
#[derive(Debug, Clone)]
pub struct CsrBuilder {
    n_cols: usize,
    indptr: Vec<usize>,
    indices: Vec<u32>,
    data: Vec<f64>,
}

impl CsrBuilder {
    /// A builder for a matrix with `n_cols` columns.
    pub fn new(n_cols: usize) -> Self {
        Self::with_capacity(n_cols, 0, 0)
    }

    /// A builder with room for `rows` rows and `nnz` entries.
    pub fn with_capacity(n_cols: usize, rows: usize, nnz: usize) -> Self {
        let mut indptr = Vec::with_capacity(rows + 1);
        indptr.push(0);
        CsrBuilder { n_cols, indptr, indices: Vec::with_capacity(nnz), data: Vec::with_capacity(nnz) }
    }

    /// Appends an entry to the current row. The caller keeps `col < n_cols` (checked in debug
    /// builds and by [`finish_checked`](Self::finish_checked)).
    #[inline]
    pub fn push(&mut self, col: u32, value: f64) {
        debug_assert!((col as usize) < self.n_cols, "column {col} out of range {}", self.n_cols);
        self.indices.push(col);
        self.data.push(value);
    }

    /// Reserves room for at least `additional` more entries (avoids repeated regrowth when the
    /// final size can be estimated part way through).
    pub fn reserve(&mut self, additional: usize) {
        self.indices.reserve(additional);
        self.data.reserve(additional);
    }

    /// Number of entries pushed so far (in finished and unfinished rows).
    pub fn nnz(&self) -> usize {
        self.indices.len()
    }

    /// Ends the current row.
    #[inline]
    pub fn end_row(&mut self) {
        self.indptr.push(self.indices.len());
    }

    /// The entries of the current (unfinished) row, for in-place edits such as normalization.
    pub fn current_row_mut(&mut self) -> (&mut [u32], &mut [f64]) {
        let s = *self.indptr.last().unwrap_or(&0);
        (&mut self.indices[s..], &mut self.data[s..])
    }

    /// Number of finished rows.
    pub fn n_rows(&self) -> usize {
        self.indptr.len() - 1
    }

    /// The finished matrix. Rows begun but not ended are dropped.
    pub fn finish(mut self) -> CsrMatrix {
        let end = *self.indptr.last().unwrap_or(&0);
        self.indices.truncate(end);
        self.data.truncate(end);
        CsrMatrix {
            n_rows: self.indptr.len() - 1,
            n_cols: self.n_cols,
            indptr: self.indptr,
            indices: self.indices,
            data: self.data,
        }
    }

    /// The finished matrix, with every invariant checked (for builders fed untrusted indices).
    pub fn finish_checked(self) -> Result<CsrMatrix> {
        let m = self.finish();
        CsrMatrix::try_new(m.n_rows, m.n_cols, m.indptr, m.indices, m.data)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn construction_checks() {
        let e = |p: Vec<usize>, i: Vec<u32>, d: Vec<f64>| CsrMatrix::try_new(2, 3, p, i, d).unwrap_err().to_string();
        assert!(e(vec![0, 1], vec![0], vec![1.0]).contains("indptr"));
        assert!(e(vec![1, 1, 1], vec![0], vec![1.0]).contains("start at 0"));
        assert!(e(vec![0, 2, 1], vec![0, 1], vec![1.0, 1.0]).contains("decreases"));
        assert!(e(vec![0, 1, 2], vec![0, 3], vec![1.0, 1.0]).contains("out of range"));
        assert!(e(vec![0, 1, 2], vec![0], vec![1.0, 1.0]).contains("indices"));
        assert!(e(vec![0, 1, 1], vec![0, 1], vec![1.0, 1.0]).contains("ends at"));
    }

    #[test]
    fn dense_round_trip_take_slice() {
        let d = array![[0.0, 1.0, 2.0], [3.0, 0.0, 0.0]];
        let m = CsrMatrix::from_dense(&d);
        assert_eq!(m.nnz(), 3);
        assert_eq!(m.to_dense(), d);
        assert_eq!(
            m.take_rows(&[1, 0, 1]).unwrap().to_dense(),
            array![[3.0, 0.0, 0.0], [0.0, 1.0, 2.0], [3.0, 0.0, 0.0]]
        );
        assert_eq!(m.slice_cols(1, 3).unwrap().to_dense(), array![[1.0, 2.0], [0.0, 0.0]]);
        assert!(m.slice_cols(2, 4).is_err());
    }

    #[test]
    fn sum_duplicates_sorts_and_merges() {
        let mut m = CsrMatrix::try_new(1, 4, vec![0, 3], vec![3, 1, 3], vec![1.0, 2.0, 4.0]).unwrap();
        assert!(!m.has_sorted_indices());
        m.sum_duplicates();
        assert_eq!(m.row(0), (&[1u32, 3][..], &[2.0, 5.0][..]));
    }
}
