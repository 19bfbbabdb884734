//! Feature matrices: dense (ndarray, row-major) or CSR sparse, as models take them.

use ndarray::{Array2, ArrayView2};
use serde::{Deserialize, Serialize};

use super::CsrMatrix;
use crate::error::{Error, Result};

/// A feature matrix, dense or sparse.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Matrix {
    /// Dense, row-major.
    Dense(Array2<f64>),
    /// CSR sparse.
    Sparse(CsrMatrix),
}

/// A borrowed feature matrix, as models and scorers take them.
#[derive(Debug, Clone, Copy)]
pub enum MatrixRef<'a> {
    /// Dense.
    Dense(ArrayView2<'a, f64>),
    /// CSR sparse.
    Sparse(&'a CsrMatrix),
}

impl Matrix {
    /// Number of rows.
    pub fn n_rows(&self) -> usize {
        self.view().n_rows()
    }

    /// Number of columns.
    pub fn n_cols(&self) -> usize {
        self.view().n_cols()
    }

    /// A borrowed view.
    pub fn view(&self) -> MatrixRef<'_> {
        match self {
            Matrix::Dense(m) => MatrixRef::Dense(m.view()),
            Matrix::Sparse(m) => MatrixRef::Sparse(m),
        }
    }

    /// The rows at `rows`, in that order.
    pub fn take_rows(&self, rows: &[usize]) -> Result<Matrix> {
        self.view().take_rows(rows)
    }
}

impl<'a> MatrixRef<'a> {
    /// Number of rows.
    pub fn n_rows(&self) -> usize {
        match self {
            MatrixRef::Dense(m) => m.nrows(),
            MatrixRef::Sparse(m) => m.n_rows(),
        }
    }

    /// Number of columns.
    pub fn n_cols(&self) -> usize {
        match self {
            MatrixRef::Dense(m) => m.ncols(),
            MatrixRef::Sparse(m) => m.n_cols(),
        }
    }

    /// Calls `f(column, value)` for every stored entry of row `i` (every entry, zeros included,
    /// for a dense matrix).
    #[inline]
    pub fn for_each_in_row(&self, i: usize, mut f: impl FnMut(usize, f64)) {
        match self {
            MatrixRef::Dense(m) => {
                for (j, &v) in m.row(i).iter().enumerate() {
                    f(j, v);
                }
            }
            MatrixRef::Sparse(m) => {
                let (idx, val) = m.row(i);
                for (&j, &v) in idx.iter().zip(val) {
                    f(j as usize, v);
                }
            }
        }
    }

    /// The rows at `rows`, in that order, as an owned matrix.
    pub fn take_rows(&self, rows: &[usize]) -> Result<Matrix> {
        match self {
            MatrixRef::Dense(m) => {
                let n = m.nrows();
                if let Some(&bad) = rows.iter().find(|&&r| r >= n) {
                    return Err(Error::invalid("take", "rows", format!("row index {bad} out of range for {n} rows")));
                }
                Ok(Matrix::Dense(m.select(ndarray::Axis(0), rows)))
            }
            MatrixRef::Sparse(m) => Ok(Matrix::Sparse(m.take_rows(rows)?)),
        }
    }

    /// The columns `start..end` as an owned matrix of the same kind.
    pub fn slice_cols(&self, start: usize, end: usize) -> Result<Matrix> {
        match self {
            MatrixRef::Dense(m) => {
                if start > end || end > m.ncols() {
                    return Err(Error::invalid(
                        "slice_cols",
                        "range",
                        format!("column range {start}..{end} out of bounds for {} columns", m.ncols()),
                    ));
                }
                Ok(Matrix::Dense(m.slice(ndarray::s![.., start..end]).to_owned()))
            }
            MatrixRef::Sparse(m) => Ok(Matrix::Sparse(m.slice_cols(start, end)?)),
        }
    }

    /// The dense form (a copy).
    pub fn to_dense(&self) -> Array2<f64> {
        match self {
            MatrixRef::Dense(m) => m.to_owned(),
            MatrixRef::Sparse(m) => m.to_dense(),
        }
    }
}

impl From<Array2<f64>> for Matrix {
    fn from(m: Array2<f64>) -> Self {
        Matrix::Dense(m)
    }
}

impl From<CsrMatrix> for Matrix {
    fn from(m: CsrMatrix) -> Self {
        Matrix::Sparse(m)
    }
}

impl<'a> From<&'a Array2<f64>> for MatrixRef<'a> {
    fn from(m: &'a Array2<f64>) -> Self {
        MatrixRef::Dense(m.view())
    }
}

impl<'a> From<ArrayView2<'a, f64>> for MatrixRef<'a> {
    fn from(m: ArrayView2<'a, f64>) -> Self {
        MatrixRef::Dense(m)
    }
}

impl<'a> From<&'a CsrMatrix> for MatrixRef<'a> {
    fn from(m: &'a CsrMatrix) -> Self {
        MatrixRef::Sparse(m)
    }
}

impl<'a> From<&'a Matrix> for MatrixRef<'a> {
    fn from(m: &'a Matrix) -> Self {
        m.view()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn dense_and_sparse_agree() {
        let d = array![[1.0, 0.0, 2.0], [0.0, 0.0, 3.0]];
        let s = Matrix::Sparse(CsrMatrix::from_dense(&d));
        let d = Matrix::Dense(d);
        for m in [&d, &s] {
            assert_eq!((m.n_rows(), m.n_cols()), (2, 3));
            assert_eq!(m.take_rows(&[1]).unwrap().view().to_dense(), array![[0.0, 0.0, 3.0]]);
            assert_eq!(m.view().slice_cols(2, 3).unwrap().view().to_dense(), array![[2.0], [3.0]]);
            let mut sum = 0.0;
            m.view().for_each_in_row(0, |_, v| sum += v);
            assert_eq!(sum, 3.0);
            assert!(m.take_rows(&[2]).is_err());
        }
    }
}
