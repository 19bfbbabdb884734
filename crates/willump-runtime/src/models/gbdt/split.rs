//! The best split of a leaf from its histograms (LightGBM's gain with an L2 penalty).
//!
//! For a feature with bins `0..nv` (plus a NaN bin when training had NaN), a split sends bins
//! `0..=t` left. Missing values are tried on both sides and the better side is kept as the
//! split's learned default direction. Ties keep the first candidate in (feature, bin) order, so
//! the result is deterministic.

use super::binning::BinnedData;
use super::histogram::{Block, Entry};
use crate::models::MissingType;

/// Constraints and penalties of a split.
#[derive(Debug, Clone, Copy)]
pub(crate) struct SplitParams {
    pub lambda_l2: f64,
    pub min_data_in_leaf: f64,
    pub min_sum_hessian: f64,
    pub min_gain_to_split: f64,
}

/// A chosen split.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Candidate {
    pub feature: usize,
    /// Bins `<= bin` go left.
    pub bin: u8,
    /// Where the NaN bin goes.
    pub default_left: bool,
    /// Gain over not splitting.
    pub gain: f64,
    /// Sums of the left child.
    pub left: Entry,
    /// The raw-value threshold (`x <= threshold` goes left).
    pub threshold: f64,
    /// How the split treats NaN at prediction.
    pub missing: MissingType,
}

/// `G^2 / (H + lambda)`, the (doubled, negated) loss reduction of a leaf.
#[inline]
fn leaf_gain(g: f64, h: f64, lambda: f64) -> f64 {
    g * g / (h + lambda)
}

/// The output of a leaf with gradient sum `g` and hessian sum `h` (before the learning rate).
pub(crate) fn leaf_output(g: f64, h: f64, lambda: f64) -> f64 {
    let v = -g / (h + lambda);
    if v.is_finite() { v } else { 0.0 }
}

/// The best split of a leaf with sums `total` over `features`, or `None` when no split gains more
/// than `min_gain_to_split` under the constraints.
pub(crate) fn best_split(
    hist: &[Block],
    data: &BinnedData,
    features: &[usize],
    total: Entry,
    p: &SplitParams,
) -> Option<Candidate> {
    let min_count = p.min_data_in_leaf.max(1.0);
    let parent_gain = leaf_gain(total[0], total[1], p.lambda_l2);
    let mut best: Option<Candidate> = None;
    let mut best_gain = p.min_gain_to_split;
    let valid = |l: &Entry, r: &Entry| {
        l[2] >= min_count && r[2] >= min_count && l[1] >= p.min_sum_hessian && r[1] >= p.min_sum_hessian
    };
    for &f in features {
        let fb = &data.features[f];
        let nv = fb.upper.len();
        if fb.n_bins() < 2 {
            continue;
        }
        let h = &hist[f];
        let nan = if fb.has_nan { h[nv] } else { [0.0; 3] };
        let try_nan_left = nan[2] > 0.0;
        let mut acc = [0.0; 3];
        for (t, e) in h[..nv].iter().enumerate() {
            acc[0] += e[0];
            acc[1] += e[1];
            acc[2] += e[2];
            // NaN right (also the only option when there is no NaN in this leaf).
            if t + 1 < nv || fb.has_nan {
                let right = [total[0] - acc[0], total[1] - acc[1], total[2] - acc[2]];
                if valid(&acc, &right) {
                    let gain = leaf_gain(acc[0], acc[1], p.lambda_l2) + leaf_gain(right[0], right[1], p.lambda_l2)
                        - parent_gain;
                    if gain > best_gain {
                        best_gain = gain;
                        best = Some(candidate(f, t, false, gain, acc, fb));
                    }
                }
            }
            // NaN left.
            if try_nan_left && t + 1 < nv {
                let left = [acc[0] + nan[0], acc[1] + nan[1], acc[2] + nan[2]];
                let right = [total[0] - left[0], total[1] - left[1], total[2] - left[2]];
                if valid(&left, &right) {
                    let gain = leaf_gain(left[0], left[1], p.lambda_l2) + leaf_gain(right[0], right[1], p.lambda_l2)
                        - parent_gain;
                    if gain > best_gain {
                        best_gain = gain;
                        best = Some(candidate(f, t, true, gain, left, fb));
                    }
                }
            }
        }
    }
    best
}

fn candidate(
    f: usize,
    t: usize,
    default_left: bool,
    gain: f64,
    left: Entry,
    fb: &super::binning::FeatureBins,
) -> Candidate {
    Candidate {
        feature: f,
        bin: t as u8,
        default_left,
        gain,
        left,
        threshold: fb.upper[t],
        missing: if fb.has_nan { MissingType::NaN } else { MissingType::None },
    }
}
