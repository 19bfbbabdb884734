//! Logistic regression, binary and multinomial, with the objective of scikit-learn 1.9:
//!
//! `C * sum_i loss_i + penalty(W)`, where `loss_i` is the cross-entropy of the softmax (two
//! classes: the sigmoid of one score), `penalty` is `0.5 * ||W||_2^2` (L2), `||W||_1` (L1) or 0,
//! and the intercepts are never penalized. Binary problems fit one weight vector (the log-odds of
//! class 1); `k >= 3` classes fit `k` vectors (the multinomial model).
//!
//! Solvers: L-BFGS for L2 and no penalty, OWL-QN (its orthant-wise extension) for L1, both on the
//! equivalent mean-scaled objective `mean_i loss_i + penalty / (C n)` so that `tol` means what it
//! means for scikit-learn's `lbfgs` (the largest absolute entry of the (pseudo-)gradient).
//! Multinomial intercepts are centered to sum to zero (only their differences matter, and
//! scikit-learn's solvers keep that sum at zero); without a penalty the weights of each feature
//! are centered likewise.

use ndarray::Array2;
use serde::{Deserialize, Serialize};

use super::linear::LinearParams;
use super::optim::{self, Options};
use super::{Model, ModelSpec, ModelStructure, SavedModel, Task, design, labels};
use crate::error::{Error, Result};
use crate::value::MatrixRef;

const NAME: &str = "logistic_regression";

/// The regularization of a linear classifier.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Penalty {
    /// No penalty (`C` is ignored). On separable data the optimum is at infinity: the solver
    /// stops when the gradient falls below `tol` (it decays with the margin), leaving large
    /// finite weights, as scikit-learn's lbfgs does.
    None,
    /// `||W||_1` (sparse weights).
    L1,
    /// `0.5 * ||W||_2^2`.
    L2,
}

/// Hyper-parameters of [`LogisticRegression`] (scikit-learn's names and defaults).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LogisticRegressionSpec {
    /// Regularization.
    pub penalty: Penalty,
    /// Inverse regularization strength (`> 0`).
    pub c: f64,
    /// Whether to fit (unpenalized) intercepts.
    pub fit_intercept: bool,
    /// Convergence tolerance on the largest (pseudo-)gradient entry of the mean-scaled objective
    /// (default 1e-6, tighter than scikit-learn's 1e-4: at 1e-4 OWL-QN leaves L1 fits visibly
    /// short of the optimum, and L-BFGS reaches 1e-6 in a few more iterations).
    pub tol: f64,
    /// Iteration limit of the solver.
    pub max_iter: usize,
}

impl Default for LogisticRegressionSpec {
    fn default() -> Self {
        LogisticRegressionSpec { penalty: Penalty::L2, c: 1.0, fit_intercept: true, tol: 1e-6, max_iter: 1000 }
    }
}

/// A fitted logistic regression.
#[derive(Debug, Clone)]
pub struct LogisticRegression {
    spec: LogisticRegressionSpec,
    params: LinearParams,
    n_iter: usize,
    converged: bool,
    fm: Vec<f64>,
}

impl LogisticRegressionSpec {
    fn check(&self) -> Result<()> {
        if !(self.c > 0.0 && self.c.is_finite()) && self.penalty != Penalty::None {
            return Err(Error::invalid(NAME, "c", format!("C must be positive and finite, got {}", self.c)));
        }
        if self.tol.is_nan() || self.tol < 0.0 {
            return Err(Error::invalid(NAME, "tol", format!("tolerance must be >= 0, got {}", self.tol)));
        }
        Ok(())
    }

    /// Fits on `x` (dense or sparse, finite values) and class labels `0..k` (every class
    /// present; `k = 2` fits the binary model).
    pub fn fit(&self, x: MatrixRef<'_>, y: &[f64]) -> Result<LogisticRegression> {
        self.check()?;
        labels::check_shapes(NAME, &x, y)?;
        let n_classes = labels::n_classes(NAME, y)?;
        design::check_finite(NAME, &x)?;
        let (n, d) = (x.n_rows(), x.n_cols());
        let k = if n_classes == 2 { 1 } else { n_classes };
        let nw = d * k;
        let n_params = nw + if self.fit_intercept { k } else { 0 };
        let strength = match self.penalty {
            Penalty::None => 0.0,
            _ => 1.0 / (self.c * n as f64),
        };
        let l2 = if self.penalty == Penalty::L2 { strength } else { 0.0 };
        let mut l1 = vec![0.0; n_params];
        if self.penalty == Penalty::L1 {
            l1[..nw].iter_mut().for_each(|v| *v = strength);
        }
        let yi: Vec<usize> = y.iter().map(|&v| v as usize).collect();
        let mut z = vec![0.0; n * k];
        let zero_b = vec![0.0; k];
        let inv_n = 1.0 / n as f64;
        let objective = |p: &[f64], g: &mut [f64]| -> f64 {
            let (w, b) = p.split_at(nw);
            let b = if self.fit_intercept { b } else { &zero_b[..] };
            design::scores(&x, w, b, k, &mut z);
            let mut loss = 0.0;
            // Turn scores into residuals (p - onehot) in place, summing the loss.
            if k == 1 {
                for (zi, &c) in z.iter_mut().zip(&yi) {
                    let s = *zi;
                    let log1pexp = if s > 0.0 { s + (-s).exp().ln_1p() } else { s.exp().ln_1p() };
                    let yv = c as f64;
                    loss += log1pexp - yv * s;
                    *zi = super::sigmoid(s) - yv;
                }
            } else {
                for (row, &c) in z.chunks_exact_mut(k).zip(&yi) {
                    let m = row.iter().copied().fold(f64::NEG_INFINITY, f64::max);
                    let zc = row[c];
                    let mut sum = 0.0;
                    for v in row.iter_mut() {
                        *v = (*v - m).exp();
                        sum += *v;
                    }
                    // loss = logsumexp(z) - z_c
                    loss += m + sum.ln() - zc;
                    for v in row.iter_mut() {
                        *v /= sum;
                    }
                    row[c] -= 1.0;
                }
            }
            g.iter_mut().for_each(|v| *v = 0.0);
            let (gw, gb) = g.split_at_mut(nw);
            design::add_transpose_product(&x, &z, k, gw);
            let mut reg = 0.0;
            for (gj, &wj) in gw.iter_mut().zip(w) {
                *gj = *gj * inv_n + l2 * wj;
                reg += wj * wj;
            }
            if self.fit_intercept {
                for (o, gbo) in gb.iter_mut().enumerate() {
                    *gbo = z.iter().skip(o).step_by(k).sum::<f64>() * inv_n;
                }
            }
            loss * inv_n + 0.5 * l2 * reg
        };
        let opts = Options { tol: self.tol, max_iter: self.max_iter, memory: 10 };
        let out = optim::minimize(objective, vec![0.0; n_params], &l1, opts)
            .ok_or_else(|| Error::op(NAME, "the objective is not finite at the start point"))?;
        if out.x.iter().any(|v| !v.is_finite()) {
            return Err(Error::op(NAME, "the solver diverged (non-finite weights)"));
        }
        let (w, b) = out.x.split_at(nw);
        let mut weights = Array2::zeros((k, d));
        for j in 0..d {
            for o in 0..k {
                weights[[o, j]] = w[j * k + o];
            }
        }
        let mut intercepts = if self.fit_intercept { b.to_vec() } else { vec![0.0; k] };
        if k > 1 {
            center(&mut intercepts);
            if self.penalty == Penalty::None {
                for mut col in weights.columns_mut() {
                    let mean = col.sum() / k as f64;
                    col.iter_mut().for_each(|v| *v -= mean);
                }
            }
        }
        let task = if k == 1 { Task::Binary } else { Task::MultiClass { n_classes } };
        LogisticRegression::new(self.clone(), LinearParams { task, weights, intercepts }, out.iterations, out.converged)
    }
}

fn center(v: &mut [f64]) {
    let mean = v.iter().sum::<f64>() / v.len() as f64;
    v.iter_mut().for_each(|x| *x -= mean);
}

impl LogisticRegression {
    /// A model from its parts (checked: shapes, finite values, a classification task).
    pub fn new(spec: LogisticRegressionSpec, params: LinearParams, n_iter: usize, converged: bool) -> Result<Self> {
        params.validate(NAME)?;
        match params.task {
            Task::Regression => return Err(Error::Artifact(format!("{NAME}: a regression task"))),
            Task::MultiClass { n_classes } if n_classes < 3 => {
                return Err(Error::Artifact(format!("{NAME}: multi-class task with {n_classes} classes")));
            }
            _ => {}
        }
        let fm = params.feature_major();
        Ok(LogisticRegression { spec, params, n_iter, converged, fm })
    }

    /// The fitted parameters.
    pub fn params(&self) -> &LinearParams {
        &self.params
    }

    /// Solver iterations used.
    pub fn n_iter(&self) -> usize {
        self.n_iter
    }

    /// Whether the solver met its tolerance (otherwise it stopped at `max_iter`).
    pub fn converged(&self) -> bool {
        self.converged
    }
}

impl Model for LogisticRegression {
    fn name(&self) -> &'static str {
        NAME
    }

    fn task(&self) -> Task {
        self.params.task
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
        ModelSpec::LogisticRegression(self.spec.clone())
    }

    fn to_saved(&self) -> Result<SavedModel> {
        Ok(SavedModel::LogisticRegression {
            spec: self.spec.clone(),
            params: self.params.clone(),
            n_iter: self.n_iter,
            converged: self.converged,
        })
    }
}
