//! Models: the [`Model`] trait every fitted model implements, the hyper-parameter
//! [`ModelSpec`]s they are fitted from, and the view of a model's structure that the compiler
//! uses to fuse it into the feature loop.
//!
//! Conventions shared by every model:
//! - inputs are a [`MatrixRef`] (dense or CSR sparse), one row per example; a model checks that
//!   the column count equals [`Model::n_features`] and returns an error naming itself otherwise;
//! - classification labels are `0.0, 1.0, ..., k - 1` as `f64`; binary is `k = 2`;
//! - [`Model::decision_function`] gives raw scores: one column for binary classification (the
//!   log-odds of class 1) and regression, `k` columns for `k`-class classification;
//! - [`Model::predict_proba`] gives `k` columns that sum to 1 (`[1 - p, p]` for binary);
//! - [`Model::predict`] gives the class index (ties go to the lowest index) or the regressed value.
//!
//! Classes: [`LogisticRegression`] (L-BFGS / OWL-QN, scikit-learn's objective),
//! [`LinearRegression`] (least squares and ridge), [`Gbdt`] (gradient-boosted trees, trained by
//! [`GbdtSpec::fit`] or imported from LightGBM by [`load_lightgbm`]). Linear models show the
//! compiler their weights ([`ModelStructure::Linear`]), tree models their [`TreeEnsemble`]
//! ([`ModelStructure::Trees`]). [`save_model`] / [`load_model`] persist any of them in a
//! versioned, checksummed envelope; scores are in [`crate::metrics`].

mod design;
mod gbdt;
mod labels;
mod lightgbm;
mod linear;
mod logistic;
mod optim;
mod persist;
pub mod quickscorer;
mod ridge;
mod tree;

pub use gbdt::{FeatureImportance, Gbdt, GbdtObjective, GbdtSpec};
pub use lightgbm::{load_lightgbm, load_lightgbm_file};
pub use linear::LinearParams;
pub use logistic::{LogisticRegression, LogisticRegressionSpec, Penalty};
pub use persist::{MODEL_FORMAT_VERSION, load_model, load_model_of_class, save_model};
pub use ridge::{LinearRegression, LinearRegressionSpec};
pub use tree::{Decision, MissingType, Tree, TreeEnsemble, ZERO_THRESHOLD, categorical_goes_left, numerical_goes_left};

use ndarray::{Array2, ArrayView2};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::value::MatrixRef;

/// What a model predicts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Task {
    /// Two classes, labels 0 and 1.
    Binary,
    /// `n_classes >= 3` classes, labels `0..n_classes`.
    MultiClass {
        /// Number of classes.
        n_classes: usize,
    },
    /// A real-valued target.
    Regression,
}

impl Task {
    /// Number of probability columns (`None` for regression).
    pub fn n_classes(&self) -> Option<usize> {
        match *self {
            Task::Binary => Some(2),
            Task::MultiClass { n_classes } => Some(n_classes),
            Task::Regression => None,
        }
    }

    /// Number of raw-score columns: 1 for binary and regression, `k` for multi-class.
    pub fn n_outputs(&self) -> usize {
        match *self {
            Task::MultiClass { n_classes } => n_classes,
            _ => 1,
        }
    }
}

/// How raw scores become the prediction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Link {
    /// Raw score is the prediction (regression).
    Identity,
    /// `p = 1 / (1 + exp(-score))` (binary).
    Sigmoid,
    /// Softmax over the `k` scores (multi-class).
    Softmax,
}

/// What the compiler may see of a model.
#[derive(Debug, Clone, Copy)]
pub enum ModelStructure<'a> {
    /// A linear model: `score[o] = intercepts[o] + sum_j weights[[o, j]] * x[j]`, then `link`.
    Linear {
        /// `n_outputs x n_features` weights.
        weights: ArrayView2<'a, f64>,
        /// One intercept per output.
        intercepts: &'a [f64],
        /// The link from scores to predictions.
        link: Link,
    },
    /// A tree ensemble (its own link and base scores inside).
    Trees(&'a TreeEnsemble),
    /// Nothing the compiler can use: it calls the model back through Rust.
    Opaque,
}

/// A fitted model.
pub trait Model: Send + Sync + std::fmt::Debug {
    /// A short, stable name of the model class (`"logistic_regression"`, `"gbdt"`, ...).
    fn name(&self) -> &'static str;

    /// What the model predicts.
    fn task(&self) -> Task;

    /// Number of input columns the model was fitted on.
    fn n_features(&self) -> usize;

    /// Raw scores, `n_rows x task().n_outputs()`.
    fn decision_function(&self, x: MatrixRef<'_>) -> Result<Array2<f64>>;

    /// Class probabilities, `n_rows x n_classes`, each row summing to 1. Regression models
    /// return an error.
    fn predict_proba(&self, x: MatrixRef<'_>) -> Result<Array2<f64>> {
        let scores = self.decision_function(x)?;
        match self.task() {
            Task::Regression => Err(Error::op(self.name(), "predict_proba on a regression model")),
            Task::Binary => Ok(binary_proba(&scores)),
            Task::MultiClass { .. } => Ok(softmax_rows(scores)),
        }
    }

    /// Predictions: the most probable class index for classification (ties to the lowest
    /// index), the value for regression.
    fn predict(&self, x: MatrixRef<'_>) -> Result<Vec<f64>> {
        let scores = self.decision_function(x)?;
        Ok(predictions_of_scores(self.task(), &scores))
    }

    /// The structure the compiler can fuse into native code.
    fn structure(&self) -> ModelStructure<'_>;

    /// The hyper-parameters this model was fitted with: [`ModelSpec::fit`] refits the same class,
    /// for example on a subset of the columns.
    fn spec(&self) -> ModelSpec;

    /// The model as a serializable value (see [`save_model`]). Models that cannot be saved (a
    /// user's own model) return an error.
    fn to_saved(&self) -> Result<SavedModel>;
}

/// The default [`Model::predict`] from raw scores: the class of the largest score (binary: class 1
/// when the log-odds are above 0; ties to the lowest index), the score itself for regression.
pub fn predictions_of_scores(task: Task, scores: &Array2<f64>) -> Vec<f64> {
    match task {
        Task::Regression => scores.column(0).to_vec(),
        Task::Binary => scores.column(0).iter().map(|&s| if s > 0.0 { 1.0 } else { 0.0 }).collect(),
        Task::MultiClass { .. } => {
            scores.rows().into_iter().map(|r| argmax(r.as_slice().unwrap_or(&r.to_vec())) as f64).collect()
        }
    }
}

/// `[1 - p, p]` per row from one column of log-odds.
pub fn binary_proba(scores: &Array2<f64>) -> Array2<f64> {
    let mut out = Array2::zeros((scores.nrows(), 2));
    for (i, &s) in scores.column(0).iter().enumerate() {
        let p = sigmoid(s);
        out[[i, 0]] = 1.0 - p;
        out[[i, 1]] = p;
    }
    out
}

/// The logistic function, computed without overflow for large `|s|`.
#[inline]
pub fn sigmoid(s: f64) -> f64 {
    if s >= 0.0 {
        1.0 / (1.0 + (-s).exp())
    } else {
        let e = s.exp();
        e / (1.0 + e)
    }
}

/// Row-wise softmax, computed stably (the row maximum is subtracted first).
pub fn softmax_rows(mut scores: Array2<f64>) -> Array2<f64> {
    for mut row in scores.rows_mut() {
        let max = row.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let mut sum = 0.0;
        for v in row.iter_mut() {
            *v = (*v - max).exp();
            sum += *v;
        }
        for v in row.iter_mut() {
            *v /= sum;
        }
    }
    scores
}

/// The index of the largest value (the first one on ties; NaN never wins).
pub fn argmax(v: &[f64]) -> usize {
    let mut best = 0;
    for (i, &x) in v.iter().enumerate() {
        if x > v[best] || v[best].is_nan() && !x.is_nan() {
            best = i;
        }
    }
    best
}

/// Checks that `x` has the `n_features` columns `model` expects.
pub fn check_n_features(model: &str, x: &MatrixRef<'_>, n_features: usize) -> Result<()> {
    if x.n_cols() != n_features {
        return Err(Error::invalid(
            model,
            "x",
            format!("input has {} columns, the model was fitted on {n_features}", x.n_cols()),
        ));
    }
    Ok(())
}

/// The hyper-parameters of a model class: everything needed to fit a new model of that class.
///
/// One variant per model class; [`ModelSpec::fit`] dispatches on it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub enum ModelSpec {
    /// [`LogisticRegression`].
    LogisticRegression(LogisticRegressionSpec),
    /// [`LinearRegression`] (ridge when `alpha > 0`).
    LinearRegression(LinearRegressionSpec),
    /// [`Gbdt`] (gradient-boosted trees).
    Gbdt(GbdtSpec),
}

impl ModelSpec {
    /// Fits a new model of this class on `x` (dense or sparse) and labels `y`.
    pub fn fit(&self, x: MatrixRef<'_>, y: &[f64]) -> Result<Box<dyn Model>> {
        Ok(match self {
            ModelSpec::LogisticRegression(s) => Box::new(s.fit(x, y)?),
            ModelSpec::LinearRegression(s) => Box::new(s.fit(x, y)?),
            ModelSpec::Gbdt(s) => Box::new(s.fit(x, y)?),
        })
    }

    /// The name of the model class this spec fits (as [`Model::name`]).
    pub fn model_name(&self) -> &'static str {
        match self {
            ModelSpec::LogisticRegression(_) => "logistic_regression",
            ModelSpec::LinearRegression(_) => "linear_regression",
            ModelSpec::Gbdt(_) => "gbdt",
        }
    }
}

/// A fitted model as a serializable value; [`save_model`] and [`load_model`] wrap it in a
/// versioned envelope.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub enum SavedModel {
    /// A [`LogisticRegression`].
    LogisticRegression {
        /// Its hyper-parameters.
        spec: LogisticRegressionSpec,
        /// Its weights.
        params: LinearParams,
        /// Solver iterations used.
        n_iter: usize,
        /// Whether the solver converged.
        converged: bool,
    },
    /// A [`LinearRegression`].
    LinearRegression {
        /// Its hyper-parameters.
        spec: LinearRegressionSpec,
        /// Its weights.
        params: LinearParams,
    },
    /// A [`Gbdt`] (trained here or imported from LightGBM).
    Gbdt {
        /// Its hyper-parameters.
        spec: GbdtSpec,
        /// Its trees.
        ensemble: TreeEnsemble,
        /// Its feature importances.
        importance: FeatureImportance,
    },
}

impl SavedModel {
    /// The model, ready to predict (its parameters are checked first).
    pub fn into_model(self) -> Result<Box<dyn Model>> {
        Ok(match self {
            SavedModel::LogisticRegression { spec, params, n_iter, converged } => {
                Box::new(LogisticRegression::new(spec, params, n_iter, converged)?)
            }
            SavedModel::LinearRegression { spec, params } => Box::new(LinearRegression::new(spec, params)?),
            SavedModel::Gbdt { spec, ensemble, importance } => Box::new(Gbdt::new(spec, ensemble, importance)?),
        })
    }

    /// The name of the model class (as [`Model::name`]).
    pub fn model_name(&self) -> &'static str {
        match self {
            SavedModel::LogisticRegression { .. } => "logistic_regression",
            SavedModel::LinearRegression { .. } => "linear_regression",
            SavedModel::Gbdt { .. } => "gbdt",
        }
    }
}
