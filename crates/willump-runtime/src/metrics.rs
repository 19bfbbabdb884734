//! Scores of predictions against true labels, as free functions with scikit-learn's definitions
//! (each one is tested against scikit-learn's value in `tests/fixtures/sklearn_models.json`).
//!
//! Labels are `f64`: class indices `0.0, 1.0, ...` for classification, values for regression.
//! Every function checks lengths and domains and returns an [`Error`] naming itself and the
//! offending argument rather than panicking; empty input is an error (the scores are undefined).

use ndarray::ArrayView2;

use crate::error::{Error, Result};

fn check_pair(op: &str, a: usize, b: usize, b_name: &str) -> Result<()> {
    if a != b {
        return Err(Error::invalid(op, b_name, format!("{b} values for {a} labels")));
    }
    if a == 0 {
        return Err(Error::invalid(op, "y_true", "no rows: the score is undefined"));
    }
    Ok(())
}

fn check_binary_labels(op: &str, y: &[f64]) -> Result<()> {
    if let Some(&bad) = y.iter().find(|&&v| v != 0.0 && v != 1.0) {
        return Err(Error::invalid(op, "y_true", format!("binary labels must be 0 or 1, found {bad}")));
    }
    Ok(())
}

/// Fraction of rows where `y_pred == y_true` (exact equality; NaN never matches).
pub fn accuracy(y_true: &[f64], y_pred: &[f64]) -> Result<f64> {
    check_pair("accuracy", y_true.len(), y_pred.len(), "y_pred")?;
    let hits = y_true.iter().zip(y_pred).filter(|(a, b)| a == b).count();
    Ok(hits as f64 / y_true.len() as f64)
}

/// Area under the ROC curve of binary labels (0/1) against scores, higher meaning class 1.
///
/// Tied scores form one step of the curve (the trapezoid rule over distinct thresholds, as
/// scikit-learn's `roc_auc_score`), which equals the average-rank (Mann-Whitney) statistic.
/// Errors when only one class is present (undefined, as in scikit-learn) or a score is NaN.
pub fn roc_auc(y_true: &[f64], scores: &[f64]) -> Result<f64> {
    const OP: &str = "roc_auc";
    check_pair(OP, y_true.len(), scores.len(), "scores")?;
    check_binary_labels(OP, y_true)?;
    if scores.iter().any(|s| s.is_nan()) {
        return Err(Error::invalid(OP, "scores", "NaN score"));
    }
    let n_pos = y_true.iter().filter(|&&y| y == 1.0).count() as f64;
    let n_neg = y_true.len() as f64 - n_pos;
    if n_pos == 0.0 || n_neg == 0.0 {
        return Err(Error::invalid(OP, "y_true", "only one class present: ROC AUC is undefined"));
    }
    let mut order: Vec<usize> = (0..scores.len()).collect();
    order.sort_unstable_by(|&a, &b| scores[a].total_cmp(&scores[b]));
    // Sum of the (average) ranks of the positives, ties sharing their mean rank.
    let mut rank_sum = 0.0;
    let mut i = 0;
    while i < order.len() {
        let mut j = i;
        while j + 1 < order.len() && scores[order[j + 1]] == scores[order[i]] {
            j += 1;
        }
        let avg_rank = (i + j) as f64 / 2.0 + 1.0;
        let pos_in_tie = order[i..=j].iter().filter(|&&k| y_true[k] == 1.0).count() as f64;
        rank_sum += avg_rank * pos_in_tie;
        i = j + 1;
    }
    Ok((rank_sum - n_pos * (n_pos + 1.0) / 2.0) / (n_pos * n_neg))
}

/// Mean cross-entropy of class labels `0..k` against `k` probability columns (`k = 2` for
/// binary: `[1 - p, p]`), with probabilities clipped to `[eps, 1 - eps]` (`eps` = `f64::EPSILON`)
/// as scikit-learn does. Rows are not renormalized. Errors on a probability outside `[0, 1]` or
/// NaN, or a label that is not a column index.
pub fn log_loss(y_true: &[f64], proba: ArrayView2<'_, f64>) -> Result<f64> {
    const OP: &str = "log_loss";
    check_pair(OP, y_true.len(), proba.nrows(), "proba")?;
    let k = proba.ncols();
    if k < 2 {
        return Err(Error::invalid(OP, "proba", format!("{k} probability columns (need at least 2)")));
    }
    if let Some(&bad) = proba.iter().find(|p| !(0.0..=1.0).contains(*p)) {
        return Err(Error::invalid(OP, "proba", format!("probability {bad} outside [0, 1]")));
    }
    let eps = f64::EPSILON;
    let mut total = 0.0;
    for (i, &y) in y_true.iter().enumerate() {
        if !(y >= 0.0 && y < k as f64 && y.fract() == 0.0) {
            return Err(Error::invalid(OP, "y_true", format!("label {y} is not a class in 0..{k}")));
        }
        total -= proba[[i, y as usize]].clamp(eps, 1.0 - eps).ln();
    }
    Ok(total / y_true.len() as f64)
}

/// Binary log loss from the probability of class 1 (see [`log_loss`]).
pub fn log_loss_binary(y_true: &[f64], p1: &[f64]) -> Result<f64> {
    const OP: &str = "log_loss";
    check_pair(OP, y_true.len(), p1.len(), "proba")?;
    check_binary_labels(OP, y_true)?;
    let two: Vec<f64> = p1.iter().flat_map(|&p| [1.0 - p, p]).collect();
    if let Some(&bad) = p1.iter().find(|p| !(0.0..=1.0).contains(*p)) {
        return Err(Error::invalid(OP, "proba", format!("probability {bad} outside [0, 1]")));
    }
    let view = ArrayView2::from_shape((p1.len(), 2), &two).map_err(|e| Error::op(OP, e.to_string()))?;
    log_loss(y_true, view)
}

/// F1 score of the positive class 1 for binary labels and predictions (0/1). When there are no
/// true and no predicted positives the score is 0.0 (scikit-learn's `zero_division` default).
pub fn f1(y_true: &[f64], y_pred: &[f64]) -> Result<f64> {
    const OP: &str = "f1";
    check_pair(OP, y_true.len(), y_pred.len(), "y_pred")?;
    check_binary_labels(OP, y_true)?;
    if let Some(&bad) = y_pred.iter().find(|&&v| v != 0.0 && v != 1.0) {
        return Err(Error::invalid(OP, "y_pred", format!("binary predictions must be 0 or 1, found {bad}")));
    }
    let (mut tp, mut fp, mut fne) = (0usize, 0usize, 0usize);
    for (&t, &p) in y_true.iter().zip(y_pred) {
        match (t == 1.0, p == 1.0) {
            (true, true) => tp += 1,
            (false, true) => fp += 1,
            (true, false) => fne += 1,
            _ => {}
        }
    }
    let denom = 2 * tp + fp + fne;
    Ok(if denom == 0 { 0.0 } else { 2.0 * tp as f64 / denom as f64 })
}

/// Root mean squared error. NaN in either argument gives NaN (as scikit-learn would fail, the
/// caller sees a non-finite score rather than a silently skipped row).
pub fn rmse(y_true: &[f64], y_pred: &[f64]) -> Result<f64> {
    check_pair("rmse", y_true.len(), y_pred.len(), "y_pred")?;
    let sse: f64 = y_true.iter().zip(y_pred).map(|(a, b)| (a - b) * (a - b)).sum();
    Ok((sse / y_true.len() as f64).sqrt())
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn auc_ties_and_errors() {
        // Perfect, inverted and all-tied scores.
        assert_eq!(roc_auc(&[0.0, 0.0, 1.0, 1.0], &[0.1, 0.2, 0.3, 0.4]).unwrap(), 1.0);
        assert_eq!(roc_auc(&[0.0, 0.0, 1.0, 1.0], &[0.4, 0.3, 0.2, 0.1]).unwrap(), 0.0);
        assert_eq!(roc_auc(&[0.0, 1.0, 0.0, 1.0], &[0.5; 4]).unwrap(), 0.5);
        // sklearn: roc_auc_score([0,0,1,1,1],[0.1,0.4,0.35,0.8,0.4]) = 0.75 (0.4 tie counts half).
        assert!((roc_auc(&[0.0, 0.0, 1.0, 1.0, 1.0], &[0.1, 0.4, 0.35, 0.8, 0.4]).unwrap() - 0.75).abs() < 1e-15);
        assert!(roc_auc(&[1.0, 1.0], &[0.1, 0.2]).unwrap_err().to_string().contains("one class"));
        assert!(roc_auc(&[0.0, 2.0], &[0.1, 0.2]).is_err());
        assert!(roc_auc(&[0.0, 1.0], &[f64::NAN, 0.2]).is_err());
        assert!(roc_auc(&[], &[]).is_err());
        assert!(roc_auc(&[0.0], &[0.1, 0.2]).unwrap_err().to_string().contains("scores"));
    }

    #[test]
    fn log_loss_clips_and_checks() {
        let p = array![[1.0, 0.0], [0.5, 0.5]];
        let v = log_loss(&[1.0, 0.0], p.view()).unwrap();
        assert!((v - (-(f64::EPSILON).ln() + 2f64.ln()) / 2.0).abs() < 1e-12);
        assert!(log_loss(&[2.0, 0.0], p.view()).is_err());
        assert!(log_loss(&[0.5, 0.0], p.view()).is_err());
        assert!(log_loss(&[0.0, 0.0], array![[1.5, -0.5], [0.5, 0.5]].view()).is_err());
        assert_eq!(log_loss_binary(&[1.0, 0.0], &[0.0, 0.5]).unwrap(), v);
    }

    #[test]
    fn accuracy_f1_rmse() {
        assert_eq!(accuracy(&[0.0, 1.0, 2.0], &[0.0, 1.0, 1.0]).unwrap(), 2.0 / 3.0);
        assert_eq!(f1(&[0.0, 0.0], &[0.0, 0.0]).unwrap(), 0.0);
        assert_eq!(f1(&[1.0, 0.0, 1.0], &[1.0, 1.0, 0.0]).unwrap(), 0.5);
        assert!(f1(&[1.0], &[2.0]).is_err());
        assert_eq!(rmse(&[1.0, 2.0], &[1.0, 4.0]).unwrap(), 2f64.sqrt());
        assert!(rmse(&[1.0], &[]).is_err());
    }
}
