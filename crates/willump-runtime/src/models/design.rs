//! Products of a design matrix (dense or CSR) with weight matrices, the inner loops of linear
//! model fitting and prediction.
//!
//! Weights are stored feature-major: `w[j * k + o]` is the weight of feature `j` for output `o`,
//! so that one stored entry of a sparse row touches `k` contiguous weights.

use crate::error::{Error, Result};
use crate::value::MatrixRef;

/// `out[i * k + o] = b[o] + sum_j x[i, j] * w[j * k + o]` for every row `i`.
pub(crate) fn scores(x: &MatrixRef<'_>, w: &[f64], b: &[f64], k: usize, out: &mut [f64]) {
    let n = x.n_rows();
    debug_assert_eq!(out.len(), n * k);
    match x {
        MatrixRef::Dense(m) => {
            for (i, row) in m.rows().into_iter().enumerate() {
                let o = &mut out[i * k..(i + 1) * k];
                o.copy_from_slice(b);
                if k == 1 {
                    let mut acc = [0.0; 4];
                    let r = row.as_slice();
                    match r {
                        Some(r) => {
                            let chunks = r.len() / 4;
                            for c in 0..chunks {
                                for l in 0..4 {
                                    acc[l] += r[4 * c + l] * w[4 * c + l];
                                }
                            }
                            let mut s = (acc[0] + acc[1]) + (acc[2] + acc[3]);
                            for j in 4 * chunks..r.len() {
                                s += r[j] * w[j];
                            }
                            o[0] += s;
                        }
                        None => o[0] += row.iter().zip(w).map(|(a, b)| a * b).sum::<f64>(),
                    }
                } else {
                    for (j, &v) in row.iter().enumerate() {
                        if v != 0.0 {
                            for (oo, ww) in o.iter_mut().zip(&w[j * k..(j + 1) * k]) {
                                *oo += v * ww;
                            }
                        }
                    }
                }
            }
        }
        MatrixRef::Sparse(m) => {
            for i in 0..n {
                let o = &mut out[i * k..(i + 1) * k];
                o.copy_from_slice(b);
                let (idx, val) = m.row(i);
                if k == 1 {
                    let mut s = 0.0;
                    for (&j, &v) in idx.iter().zip(val) {
                        s += v * w[j as usize];
                    }
                    o[0] += s;
                } else {
                    for (&j, &v) in idx.iter().zip(val) {
                        let j = j as usize;
                        for (oo, ww) in o.iter_mut().zip(&w[j * k..(j + 1) * k]) {
                            *oo += v * ww;
                        }
                    }
                }
            }
        }
    }
}

/// `g[j * k + o] += sum_i x[i, j] * r[i * k + o]` (the transpose product).
pub(crate) fn add_transpose_product(x: &MatrixRef<'_>, r: &[f64], k: usize, g: &mut [f64]) {
    match x {
        MatrixRef::Dense(m) => {
            for (i, row) in m.rows().into_iter().enumerate() {
                let ri = &r[i * k..(i + 1) * k];
                if k == 1 {
                    let c = ri[0];
                    if c != 0.0 {
                        for (gj, &v) in g.iter_mut().zip(row.iter()) {
                            *gj += v * c;
                        }
                    }
                } else {
                    for (j, &v) in row.iter().enumerate() {
                        if v != 0.0 {
                            for (gg, rr) in g[j * k..(j + 1) * k].iter_mut().zip(ri) {
                                *gg += v * rr;
                            }
                        }
                    }
                }
            }
        }
        MatrixRef::Sparse(m) => {
            for i in 0..m.n_rows() {
                let ri = &r[i * k..(i + 1) * k];
                let (idx, val) = m.row(i);
                if k == 1 {
                    let c = ri[0];
                    for (&j, &v) in idx.iter().zip(val) {
                        g[j as usize] += v * c;
                    }
                } else {
                    for (&j, &v) in idx.iter().zip(val) {
                        let j = j as usize;
                        for (gg, rr) in g[j * k..(j + 1) * k].iter_mut().zip(ri) {
                            *gg += v * rr;
                        }
                    }
                }
            }
        }
    }
}

/// Errors when `x` holds a NaN or infinite value (linear models cannot use them).
pub(crate) fn check_finite(op: &str, x: &MatrixRef<'_>) -> Result<()> {
    let bad = match x {
        MatrixRef::Dense(m) => m.iter().find(|v| !v.is_finite()).copied(),
        MatrixRef::Sparse(m) => m.data().iter().find(|v| !v.is_finite()).copied(),
    };
    match bad {
        Some(v) => Err(Error::invalid(op, "x", format!("non-finite value {v} (impute missing values first)"))),
        None => Ok(()),
    }
}

/// Column means of `x`.
pub(crate) fn column_means(x: &MatrixRef<'_>) -> Vec<f64> {
    let d = x.n_cols();
    let mut sums = vec![0.0; d];
    let n = x.n_rows();
    for i in 0..n {
        x.for_each_in_row(i, |j, v| sums[j] += v);
    }
    sums.iter_mut().for_each(|s| *s /= n.max(1) as f64);
    sums
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::value::CsrMatrix;
    use ndarray::array;

    #[test]
    fn dense_and_sparse_products_agree() {
        let d = array![[1.0, 0.0, 2.0], [0.0, 3.0, -1.0]];
        let s = CsrMatrix::from_dense(&d);
        let w = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0]; // 3 features x 2 outputs
        for x in [MatrixRef::Dense(d.view()), MatrixRef::Sparse(&s)] {
            let mut out = vec![0.0; 4];
            scores(&x, &w, &[0.5, -0.5], 2, &mut out);
            assert_eq!(out, vec![0.5 + 1.0 + 10.0, -0.5 + 2.0 + 12.0, 0.5 + 9.0 - 5.0, -0.5 + 12.0 - 6.0]);
            let mut out1 = vec![0.0; 2];
            scores(&x, &[1.0, 1.0, 1.0], &[0.0], 1, &mut out1);
            assert_eq!(out1, vec![3.0, 2.0]);
            let mut g = vec![0.0; 6];
            add_transpose_product(&x, &[1.0, 0.0, 0.0, 1.0], 2, &mut g);
            assert_eq!(g, vec![1.0, 0.0, 0.0, 3.0, 2.0, -1.0]);
            assert_eq!(column_means(&x), vec![0.5, 1.5, 0.5]);
        }
    }
}
