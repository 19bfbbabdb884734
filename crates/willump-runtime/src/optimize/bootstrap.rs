//! The paired bootstrap of a score difference: how much worse than the full model a cascade may
//! really be, given one sample of rows.

use ndarray::{Array2, ArrayView2};

use super::score::Score;
use crate::error::Result;
use crate::rng::Rng;

/// A bootstrap confidence interval of `score(cascade) - score(full)` (oriented so that positive
/// means the cascade is better).
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Interval {
    /// The point estimate on the sample itself.
    pub estimate: f64,
    /// The lower end of the two-sided interval.
    pub lower: f64,
    /// The upper end.
    pub upper: f64,
    /// The two-sided confidence level.
    pub confidence: f64,
    /// Resamples drawn.
    pub resamples: usize,
}

/// The percentile interval at `confidence` of the gain of `cascade` over `full` (both `n x k`
/// probabilities of the same rows), from `resamples` resamples of the rows (with replacement)
/// drawn with `seed`; the same resampled rows score both (paired). Resamples on which a score is
/// undefined (a single class drawn, for AUC) are skipped.
pub fn paired_gain_interval(
    score: Score,
    labels: &[f64],
    cascade: ArrayView2<'_, f64>,
    full: ArrayView2<'_, f64>,
    confidence: f64,
    resamples: usize,
    seed: u64,
) -> Result<Interval> {
    let estimate = score.gain(score.eval(labels, cascade)?, score.eval(labels, full)?);
    let mut gains = resampled_gains(score, labels, cascade, full, resamples, seed);
    gains.sort_by(f64::total_cmp);
    let q = |p: f64| -> f64 {
        if gains.is_empty() {
            return f64::NAN;
        }
        let pos = p * (gains.len() - 1) as f64;
        let (lo, hi) = (pos.floor() as usize, pos.ceil() as usize);
        gains[lo] + (gains[hi] - gains[lo]) * (pos - lo as f64)
    };
    let alpha = 1.0 - confidence;
    Ok(Interval { estimate, lower: q(alpha / 2.0), upper: q(1.0 - alpha / 2.0), confidence, resamples: gains.len() })
}

/// The gain of `cascade` over `full` on each of `resamples` paired resamples of the rows (drawn
/// with `seed`); resamples on which the score is undefined are skipped.
fn resampled_gains(
    score: Score,
    labels: &[f64],
    cascade: ArrayView2<'_, f64>,
    full: ArrayView2<'_, f64>,
    resamples: usize,
    seed: u64,
) -> Vec<f64> {
    let n = labels.len();
    let mut rng = Rng::new(seed);
    let mut gains = Vec::with_capacity(resamples);
    if let (Some(tc), Some(tf)) = (score.row_terms(labels, cascade), score.row_terms(labels, full)) {
        // A mean of per-row terms: resample the per-row differences.
        let d: Vec<f64> = tc.iter().zip(&tf).map(|(c, f)| score.gain(*c, *f)).collect();
        for _ in 0..resamples {
            let mut sum = 0.0;
            for _ in 0..n {
                sum += d[rng.below(n as u64) as usize];
            }
            gains.push(sum / n as f64);
        }
    } else {
        let k = cascade.ncols();
        let mut idx = vec![0usize; n];
        for _ in 0..resamples {
            for v in idx.iter_mut() {
                *v = rng.below(n as u64) as usize;
            }
            let y: Vec<f64> = idx.iter().map(|&i| labels[i]).collect();
            let pick = |m: ArrayView2<'_, f64>| Array2::from_shape_fn((n, k), |(r, c)| m[[idx[r], c]]);
            let (c, f) = (pick(cascade), pick(full));
            if let (Ok(sc), Ok(sf)) = (score.eval(&y, c.view()), score.eval(&y, f.view())) {
                gains.push(score.gain(sc, sf));
            }
        }
    }
    gains
}

/// The standard error of the estimated gain of `cascade` over `full` on these rows: for a
/// score that is a mean of per-row terms (accuracy, log loss), exactly that of the mean paired
/// per-row difference (sample standard deviation over `sqrt(n)`); otherwise the standard
/// deviation of `resamples` paired bootstrap gains drawn with `seed` (0 when fewer than two
/// are defined).
pub fn gain_standard_error(
    score: Score,
    labels: &[f64],
    cascade: ArrayView2<'_, f64>,
    full: ArrayView2<'_, f64>,
    resamples: usize,
    seed: u64,
) -> f64 {
    let sd = |v: &[f64]| -> f64 {
        if v.len() < 2 {
            return 0.0;
        }
        let mean = v.iter().sum::<f64>() / v.len() as f64;
        (v.iter().map(|x| (x - mean) * (x - mean)).sum::<f64>() / (v.len() - 1) as f64).sqrt()
    };
    match (score.row_terms(labels, cascade), score.row_terms(labels, full)) {
        (Some(tc), Some(tf)) => {
            let d: Vec<f64> = tc.iter().zip(&tf).map(|(c, f)| score.gain(*c, *f)).collect();
            sd(&d) / (d.len() as f64).sqrt()
        }
        _ => sd(&resampled_gains(score, labels, cascade, full, resamples, seed)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::Array2;

    #[test]
    fn interval_brackets_the_estimate() {
        let n = 2000;
        let y: Vec<f64> = (0..n).map(|i| (i % 2) as f64).collect();
        // Full: always right. Cascade: wrong on 1% of rows.
        let full = Array2::from_shape_fn((n, 2), |(i, c)| if c == i % 2 { 0.9 } else { 0.1 });
        let mut casc = full.clone();
        for i in (0..n).step_by(100) {
            casc[[i, 0]] = 1.0 - casc[[i, 0]];
            casc[[i, 1]] = 1.0 - casc[[i, 1]];
        }
        let iv = paired_gain_interval(Score::Accuracy, &y, casc.view(), full.view(), 0.95, 1000, 1).unwrap();
        assert!((iv.estimate + 0.01).abs() < 1e-12);
        assert!(iv.lower < -0.01 && iv.upper > -0.01 && iv.upper < 0.0, "{iv:?}");
        let again = paired_gain_interval(Score::Accuracy, &y, casc.view(), full.view(), 0.95, 1000, 1).unwrap();
        assert_eq!(iv, again);
        let auc = paired_gain_interval(Score::RocAuc, &y, casc.view(), full.view(), 0.9, 200, 1).unwrap();
        assert!(auc.lower <= auc.estimate && auc.estimate <= auc.upper, "{auc:?}");
        assert!(auc.upper < 0.0);
        // Identical answers: a zero-width interval at zero.
        let same = paired_gain_interval(Score::Accuracy, &y, full.view(), full.view(), 0.95, 100, 1).unwrap();
        assert_eq!((same.lower, same.upper), (0.0, 0.0));
        // Standard error: wrong on 20 of 2,000 rows, d = -1 there: sd = sqrt(20 * 0.99^2 +
        // 1980 * 0.01^2) / sqrt(1999), over sqrt(2000).
        let se = gain_standard_error(Score::Accuracy, &y, casc.view(), full.view(), 0, 1);
        let expect = ((20.0 * 0.99f64.powi(2) + 1980.0 * 0.01f64.powi(2)) / 1999.0).sqrt() / 2000f64.sqrt();
        assert!((se - expect).abs() < 1e-15, "{se} {expect}");
        // Bootstrapped for AUC: positive, seeded, and near the spread of the interval.
        let se_auc = gain_standard_error(Score::RocAuc, &y, casc.view(), full.view(), 200, 1);
        assert!(se_auc > 0.0 && se_auc < auc.upper - auc.lower, "{se_auc} {auc:?}");
        assert_eq!(se_auc, gain_standard_error(Score::RocAuc, &y, casc.view(), full.view(), 200, 1));
        assert_eq!(gain_standard_error(Score::Accuracy, &y, full.view(), full.view(), 0, 1), 0.0);
    }
}
