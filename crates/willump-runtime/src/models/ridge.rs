//! Least-squares linear regression with an optional L2 penalty (ridge), as scikit-learn's
//! `LinearRegression` (`alpha = 0`) and `Ridge`: minimize `||y - X w - b||^2 + alpha ||w||^2`,
//! the intercept unpenalized (fitted on centered data).
//!
//! Solver: the normal equations `(Xc' Xc + alpha I) w = Xc' yc` by Cholesky when the Gram matrix
//! is small enough to form (at most 4096 features and a modest cost), otherwise conjugate
//! gradients on the same system without forming it (`Xc` is never materialized for sparse input:
//! centering is applied implicitly). A rank-deficient problem with `alpha = 0` (a constant or
//! duplicated column) falls back to conjugate gradients from zero, which converge to the
//! minimum-norm solution, as scikit-learn's least-squares solvers return.

use ndarray::Array2;
use serde::{Deserialize, Serialize};

use super::linear::LinearParams;
use super::{Model, ModelSpec, ModelStructure, SavedModel, Task, design, labels};
use crate::error::{Error, Result};
use crate::value::MatrixRef;

const NAME: &str = "linear_regression";

/// Hyper-parameters of [`LinearRegression`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LinearRegressionSpec {
    /// L2 penalty strength (`0` = ordinary least squares).
    pub alpha: f64,
    /// Whether to fit an (unpenalized) intercept.
    pub fit_intercept: bool,
}

impl Default for LinearRegressionSpec {
    fn default() -> Self {
        LinearRegressionSpec { alpha: 0.0, fit_intercept: true }
    }
}

/// A fitted least-squares (or ridge) regression.
#[derive(Debug, Clone)]
pub struct LinearRegression {
    spec: LinearRegressionSpec,
    params: LinearParams,
    fm: Vec<f64>,
}

/// Gram matrices larger than this many multiply-adds to form are solved matrix-free.
const GRAM_COST_LIMIT: f64 = 2e9;
const GRAM_MAX_FEATURES: usize = 4096;

impl LinearRegressionSpec {
    /// Fits on `x` (dense or sparse, finite) and finite targets `y`.
    pub fn fit(&self, x: MatrixRef<'_>, y: &[f64]) -> Result<LinearRegression> {
        if !(self.alpha >= 0.0 && self.alpha.is_finite()) {
            return Err(Error::invalid(NAME, "alpha", format!("alpha must be >= 0 and finite, got {}", self.alpha)));
        }
        labels::check_shapes(NAME, &x, y)?;
        labels::check_targets(NAME, y)?;
        design::check_finite(NAME, &x)?;
        let (n, d) = (x.n_rows(), x.n_cols());
        let (x_mean, y_mean) = if self.fit_intercept {
            (design::column_means(&x), y.iter().sum::<f64>() / n as f64)
        } else {
            (vec![0.0; d], 0.0)
        };
        let yc: Vec<f64> = y.iter().map(|v| v - y_mean).collect();
        let op = CenteredDesign { x: &x, mean: &x_mean };
        let mut rhs = vec![0.0; d];
        op.transpose_times(&yc, &mut rhs);

        let cost = match &x {
            MatrixRef::Dense(_) => n as f64 * (d * d) as f64,
            MatrixRef::Sparse(m) => (0..n).map(|i| (m.row(i).0.len() as f64).powi(2)).sum::<f64>() + (d * d) as f64,
        };
        let w = if d == 0 {
            Vec::new()
        } else if d <= GRAM_MAX_FEATURES && cost <= GRAM_COST_LIMIT {
            let mut gram = op.gram();
            for j in 0..d {
                gram[j * d + j] += self.alpha;
            }
            match cholesky_solve(&gram, d, &rhs) {
                Some(w) => w,
                None => conjugate_gradient(|v, out| sym_times(&gram, d, v, out), &rhs),
            }
        } else {
            let mut tmp = vec![0.0; n];
            conjugate_gradient(
                |v, out| {
                    op.times(v, &mut tmp);
                    out.iter_mut().for_each(|o| *o = 0.0);
                    op.transpose_times(&tmp, out);
                    for (o, vj) in out.iter_mut().zip(v) {
                        *o += self.alpha * vj;
                    }
                },
                &rhs,
            )
        };
        let intercept =
            if self.fit_intercept { y_mean - x_mean.iter().zip(&w).map(|(a, b)| a * b).sum::<f64>() } else { 0.0 };
        let weights = Array2::from_shape_vec((1, d), w).map_err(|e| Error::op(NAME, e.to_string()))?;
        LinearRegression::new(
            self.clone(),
            LinearParams { task: Task::Regression, weights, intercepts: vec![intercept] },
        )
    }
}

/// `X - 1 mean'` applied without forming it.
struct CenteredDesign<'a, 'b> {
    x: &'a MatrixRef<'b>,
    mean: &'a [f64],
}

impl CenteredDesign<'_, '_> {
    /// `out = Xc v`.
    fn times(&self, v: &[f64], out: &mut [f64]) {
        let shift: f64 = self.mean.iter().zip(v).map(|(a, b)| a * b).sum();
        design::scores(self.x, v, &[-shift], 1, out);
    }

    /// `out += Xc' u`.
    fn transpose_times(&self, u: &[f64], out: &mut [f64]) {
        design::add_transpose_product(self.x, u, 1, out);
        let total: f64 = u.iter().sum();
        for (o, m) in out.iter_mut().zip(self.mean) {
            *o -= m * total;
        }
    }

    /// `Xc' Xc`, row-major `d x d`.
    fn gram(&self) -> Vec<f64> {
        let d = self.x.n_cols();
        let n = self.x.n_rows();
        let mut g = vec![0.0; d * d];
        match self.x {
            MatrixRef::Dense(m) => {
                let mut row = vec![0.0; d];
                for r in m.rows() {
                    for ((c, &v), mu) in row.iter_mut().zip(r.iter()).zip(self.mean) {
                        *c = v - mu;
                    }
                    for a in 0..d {
                        let ra = row[a];
                        if ra != 0.0 {
                            for (gb, rb) in g[a * d..a * d + a + 1].iter_mut().zip(&row[..=a]) {
                                *gb += ra * rb;
                            }
                        }
                    }
                }
            }
            MatrixRef::Sparse(m) => {
                for i in 0..n {
                    let (idx, val) = m.row(i);
                    for (&a, &va) in idx.iter().zip(val) {
                        for (&b, &vb) in idx.iter().zip(val) {
                            if b <= a {
                                g[a as usize * d + b as usize] += va * vb;
                            }
                        }
                    }
                }
                for a in 0..d {
                    for b in 0..=a {
                        g[a * d + b] -= n as f64 * self.mean[a] * self.mean[b];
                    }
                }
            }
        }
        for a in 0..d {
            for b in 0..a {
                g[b * d + a] = g[a * d + b];
            }
        }
        g
    }
}

fn sym_times(a: &[f64], d: usize, v: &[f64], out: &mut [f64]) {
    for (i, o) in out.iter_mut().enumerate() {
        *o = a[i * d..(i + 1) * d].iter().zip(v).map(|(x, y)| x * y).sum();
    }
}

/// Solves `A w = b` for symmetric positive definite `A`; `None` when `A` is (numerically)
/// singular.
fn cholesky_solve(a: &[f64], d: usize, b: &[f64]) -> Option<Vec<f64>> {
    let mut l = vec![0.0; d * d];
    let max_diag = (0..d).map(|i| a[i * d + i]).fold(0.0f64, f64::max);
    let floor = max_diag * d as f64 * f64::EPSILON * 16.0;
    for i in 0..d {
        for j in 0..=i {
            let s: f64 = a[i * d + j] - (0..j).map(|k| l[i * d + k] * l[j * d + k]).sum::<f64>();
            if i == j {
                if s.is_nan() || s <= floor {
                    return None;
                }
                l[i * d + i] = s.sqrt();
            } else {
                l[i * d + j] = s / l[j * d + j];
            }
        }
    }
    let mut z = vec![0.0; d];
    for i in 0..d {
        z[i] = (b[i] - (0..i).map(|k| l[i * d + k] * z[k]).sum::<f64>()) / l[i * d + i];
    }
    let mut w = vec![0.0; d];
    for i in (0..d).rev() {
        w[i] = (z[i] - (i + 1..d).map(|k| l[k * d + i] * w[k]).sum::<f64>()) / l[i * d + i];
    }
    Some(w)
}

/// Conjugate gradients from zero on a symmetric positive semi-definite system given by its
/// product; stops at a relative residual of 1e-13 or after `10 d + 100` iterations.
fn conjugate_gradient(mut times: impl FnMut(&[f64], &mut [f64]), b: &[f64]) -> Vec<f64> {
    let d = b.len();
    let mut w = vec![0.0; d];
    let mut r = b.to_vec();
    let mut p = r.clone();
    let mut ap = vec![0.0; d];
    let b_norm = b.iter().map(|v| v * v).sum::<f64>().sqrt();
    let mut rr: f64 = r.iter().map(|v| v * v).sum();
    if b_norm == 0.0 {
        return w;
    }
    for _ in 0..10 * d + 100 {
        if rr.sqrt() <= 1e-13 * b_norm {
            break;
        }
        times(&p, &mut ap);
        let pap: f64 = p.iter().zip(&ap).map(|(a, b)| a * b).sum();
        if pap.is_nan() || pap <= 0.0 {
            break;
        }
        let step = rr / pap;
        for j in 0..d {
            w[j] += step * p[j];
            r[j] -= step * ap[j];
        }
        let rr_new: f64 = r.iter().map(|v| v * v).sum();
        let beta = rr_new / rr;
        rr = rr_new;
        for j in 0..d {
            p[j] = r[j] + beta * p[j];
        }
    }
    w
}

impl LinearRegression {
    /// A model from its parts (checked: shapes, finite values, a regression task).
    pub fn new(spec: LinearRegressionSpec, params: LinearParams) -> Result<Self> {
        params.validate(NAME)?;
        if params.task != Task::Regression {
            return Err(Error::Artifact(format!("{NAME}: task {:?} is not regression", params.task)));
        }
        let fm = params.feature_major();
        Ok(LinearRegression { spec, params, fm })
    }

    /// The fitted parameters.
    pub fn params(&self) -> &LinearParams {
        &self.params
    }
}

impl Model for LinearRegression {
    fn name(&self) -> &'static str {
        NAME
    }

    fn task(&self) -> Task {
        Task::Regression
    }

    fn n_features(&self) -> usize {
        self.params.weights.ncols()
    }

    fn decision_function(&self, x: MatrixRef<'_>) -> Result<Array2<f64>> {
        self.params.decision(NAME, &self.fm, x)
    }

    fn structure(&self) -> ModelStructure<'_> {
        ModelStructure::Linear {
            weights: self.params.weights.view(),
            intercepts: &self.params.intercepts,
            link: self.params.link(),
        }
    }

    fn spec(&self) -> ModelSpec {
        ModelSpec::LinearRegression(self.spec.clone())
    }

    fn to_saved(&self) -> Result<SavedModel> {
        Ok(SavedModel::LinearRegression { spec: self.spec.clone(), params: self.params.clone() })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cholesky_and_cg_agree() {
        let a = [4.0, 1.0, 0.5, 1.0, 3.0, 0.2, 0.5, 0.2, 2.0];
        let b = [1.0, 2.0, 3.0];
        let w1 = cholesky_solve(&a, 3, &b).unwrap();
        let w2 = conjugate_gradient(|v, o| sym_times(&a, 3, v, o), &b);
        for j in 0..3 {
            assert!((w1[j] - w2[j]).abs() < 1e-12);
        }
        // Singular: [[1, 1], [1, 1]] w = [2, 2] -> min-norm [1, 1].
        let s = [1.0, 1.0, 1.0, 1.0];
        assert!(cholesky_solve(&s, 2, &[2.0, 2.0]).is_none());
        let w = conjugate_gradient(|v, o| sym_times(&s, 2, v, o), &[2.0, 2.0]);
        assert!((w[0] - 1.0).abs() < 1e-12 && (w[1] - 1.0).abs() < 1e-12);
    }
}
