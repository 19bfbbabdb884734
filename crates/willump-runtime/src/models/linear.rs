//! The fitted form shared by linear models: a weight matrix, intercepts and the link, with the
//! prediction loop over dense or sparse rows.

use ndarray::Array2;
use serde::{Deserialize, Serialize};

use super::design;
use super::{Link, Task, check_n_features};
use crate::error::{Error, Result};
use crate::value::MatrixRef;

/// The parameters of a fitted linear model: `score[o] = intercepts[o] + weights[[o, ..]] . x`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LinearParams {
    /// What the model predicts (sets the number of outputs and the link).
    pub task: Task,
    /// `n_outputs x n_features` weights.
    pub weights: Array2<f64>,
    /// One intercept per output.
    pub intercepts: Vec<f64>,
}

impl LinearParams {
    /// Checks shapes against the task and that every parameter is finite.
    pub fn validate(&self, op: &str) -> Result<()> {
        let k = self.task.n_outputs();
        if self.weights.nrows() != k || self.intercepts.len() != k {
            return Err(Error::Artifact(format!(
                "{op}: {} weight rows and {} intercepts for {k} outputs",
                self.weights.nrows(),
                self.intercepts.len()
            )));
        }
        if self.weights.iter().chain(&self.intercepts).any(|v| !v.is_finite()) {
            return Err(Error::Artifact(format!("{op}: non-finite parameter")));
        }
        Ok(())
    }

    /// The link that turns scores into predictions.
    pub fn link(&self) -> Link {
        match self.task {
            Task::Binary => Link::Sigmoid,
            Task::MultiClass { .. } => Link::Softmax,
            Task::Regression => Link::Identity,
        }
    }

    /// The weights transposed to feature-major order (`w[j * k + o]`) for the scoring loops.
    pub(crate) fn feature_major(&self) -> Vec<f64> {
        self.weights.t().iter().copied().collect()
    }

    /// Raw scores for `x` using the feature-major weights `fm`. NaN or infinite inputs are
    /// rejected: a linear model has no rule for missing values.
    pub(crate) fn decision(&self, op: &str, fm: &[f64], x: MatrixRef<'_>) -> Result<Array2<f64>> {
        check_n_features(op, &x, self.weights.ncols())?;
        design::check_finite(op, &x)?;
        let k = self.task.n_outputs();
        let mut out = vec![0.0; x.n_rows() * k];
        design::scores(&x, fm, &self.intercepts, k, &mut out);
        Array2::from_shape_vec((x.n_rows(), k), out).map_err(|e| Error::op(op, e.to_string()))
    }
}
