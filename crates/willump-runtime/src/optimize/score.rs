//! Score functions a cascade is judged by, computed from class probabilities (a cascade's answer
//! mixes two models' probabilities row by row, and keeps each model's hard prediction).

use ndarray::ArrayView2;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::metrics;
use crate::models::argmax;

/// A score of class probabilities against labels `0..k`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Score {
    /// Fraction of rows whose most probable class (ties to the lowest) is the label.
    Accuracy,
    /// ROC AUC of the class-1 probability (binary only).
    RocAuc,
    /// F1 of class 1 with the most probable class as the prediction (binary only).
    F1,
    /// Mean cross-entropy (lower is better).
    LogLoss,
}

impl Score {
    /// The score's name in reports.
    pub fn name(&self) -> &'static str {
        match self {
            Score::Accuracy => "accuracy",
            Score::RocAuc => "roc_auc",
            Score::F1 => "f1",
            Score::LogLoss => "log_loss",
        }
    }

    /// Whether a larger value is better.
    pub fn higher_is_better(&self) -> bool {
        !matches!(self, Score::LogLoss)
    }

    /// Whether the score is a mean of per-row terms (then its bootstrap is a resampled mean).
    pub fn is_row_mean(&self) -> bool {
        matches!(self, Score::Accuracy | Score::LogLoss)
    }

    /// The score of `proba` (`n x k`) against `labels`.
    pub fn eval(&self, labels: &[f64], proba: ArrayView2<'_, f64>) -> Result<f64> {
        let op = "score";
        if labels.len() != proba.nrows() {
            return Err(Error::invalid(op, "labels", format!("{} labels for {} rows", labels.len(), proba.nrows())));
        }
        match self {
            Score::Accuracy => metrics::accuracy(labels, &predictions(proba)),
            Score::F1 => metrics::f1(labels, &predictions(proba)),
            Score::RocAuc => {
                if proba.ncols() != 2 {
                    return Err(Error::op(op, format!("roc_auc needs two classes, the model has {}", proba.ncols())));
                }
                metrics::roc_auc(labels, &proba.column(1).to_vec())
            }
            Score::LogLoss => metrics::log_loss(labels, proba),
        }
    }

    /// The per-row terms whose mean is the score (for [`is_row_mean`](Self::is_row_mean) scores):
    /// 1 or 0 per row for accuracy, the row's cross-entropy for log loss.
    pub fn row_terms(&self, labels: &[f64], proba: ArrayView2<'_, f64>) -> Option<Vec<f64>> {
        match self {
            Score::Accuracy => {
                Some(predictions(proba).iter().zip(labels).map(|(p, y)| if p == y { 1.0 } else { 0.0 }).collect())
            }
            Score::LogLoss => {
                let eps = f64::EPSILON;
                Some(
                    labels
                        .iter()
                        .enumerate()
                        .map(|(i, &y)| {
                            let k = y as usize;
                            if k < proba.ncols() { -proba[[i, k]].clamp(eps, 1.0 - eps).ln() } else { f64::NAN }
                        })
                        .collect(),
                )
            }
            _ => None,
        }
    }

    /// `value - reference` oriented so that positive is better.
    pub fn gain(&self, value: f64, reference: f64) -> f64 {
        if self.higher_is_better() { value - reference } else { reference - value }
    }
}

/// The most probable class of each row (ties to the lowest index), as `f64` labels.
pub fn predictions(proba: ArrayView2<'_, f64>) -> Vec<f64> {
    proba
        .rows()
        .into_iter()
        .map(|r| match r.as_slice() {
            Some(s) => argmax(s) as f64,
            None => argmax(&r.to_vec()) as f64,
        })
        .collect()
}

/// How far below the full model's score a cascade may fall.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub enum Target {
    /// At most this much worse, in the score's units (Willump: 0.001 accuracy).
    Absolute(f64),
    /// At most this fraction of the full model's score worse (0.01: within 1%).
    Relative(f64),
}

impl Target {
    /// The allowed loss given the full model's score.
    pub fn allowed_loss(&self, full_score: f64) -> f64 {
        match *self {
            Target::Absolute(a) => a,
            Target::Relative(r) => r * full_score.abs(),
        }
    }

    /// Checks the target is a finite, non-negative amount.
    pub fn check(&self) -> Result<()> {
        let v = match *self {
            Target::Absolute(a) => a,
            Target::Relative(r) => r,
        };
        if v.is_finite() && v >= 0.0 {
            Ok(())
        } else {
            Err(Error::invalid("cascades", "target", format!("the allowed loss must be finite and >= 0, got {v}")))
        }
    }
}

impl std::fmt::Display for Target {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Target::Absolute(a) => write!(f, "at most {a} below the full model"),
            Target::Relative(r) => write!(f, "at most {}% below the full model", r * 100.0),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn scores_and_terms() {
        let p = array![[0.9, 0.1], [0.2, 0.8], [0.5, 0.5], [0.3, 0.7]];
        let y = [0.0, 1.0, 1.0, 0.0];
        assert_eq!(Score::Accuracy.eval(&y, p.view()).unwrap(), 0.5);
        let terms = Score::Accuracy.row_terms(&y, p.view()).unwrap();
        assert_eq!(terms, vec![1.0, 1.0, 0.0, 0.0]);
        let ll = Score::LogLoss.eval(&y, p.view()).unwrap();
        let t = Score::LogLoss.row_terms(&y, p.view()).unwrap();
        assert!((t.iter().sum::<f64>() / 4.0 - ll).abs() < 1e-12);
        assert!(Score::RocAuc.eval(&y, p.view()).unwrap() > 0.5);
        assert!(Score::RocAuc.eval(&[0.0], array![[0.2, 0.3, 0.5]].view()).is_err());
        assert_eq!(Score::LogLoss.gain(0.2, 0.3), 0.09999999999999998);
        assert_eq!(Target::Relative(0.01).allowed_loss(-0.5), 0.005);
        assert!(Target::Absolute(f64::NAN).check().is_err());
    }
}
