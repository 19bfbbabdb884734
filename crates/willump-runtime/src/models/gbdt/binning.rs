//! Quantile binning: each feature's values are mapped to at most `max_bin` small integers so that
//! histograms of gradients can be built per bin (the histogram method of LightGBM).
//!
//! Bin boundaries come from a seeded sample of rows: distinct values are grouped greedily into
//! bins of about equal count (a value never straddles two bins); every boundary is the midpoint
//! between the largest value of a bin and the smallest of the next, so a split "bin <= t" is the
//! same as "value <= upper[t]" on raw values. NaN, when the feature has any in training, gets its
//! own last bin, so that splits can learn where missing values go.

use crate::error::{Error, Result};
use crate::rng::Rng;
use crate::value::MatrixRef;

/// The bins of one feature.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct FeatureBins {
    /// Upper bound of each value bin (bin `b` holds `upper[b - 1] < v <= upper[b]`); the last is
    /// `+inf`.
    pub upper: Vec<f64>,
    /// Whether NaN occurred in training; its bin is then `upper.len()`.
    pub has_nan: bool,
}

impl FeatureBins {
    /// Number of bins including the NaN bin.
    pub fn n_bins(&self) -> usize {
        self.upper.len() + usize::from(self.has_nan)
    }

    /// The NaN bin (meaningful only when `has_nan`).
    pub fn nan_bin(&self) -> usize {
        self.upper.len()
    }

    /// The bin of `v`. NaN goes to the NaN bin, or, for a feature that had none in training, to
    /// the bin of 0.0 (the treatment a `MissingType::None` split gives it at prediction).
    #[inline]
    pub fn bin(&self, v: f64) -> u8 {
        if v.is_nan() {
            if self.has_nan {
                return self.nan_bin() as u8;
            }
            return self.upper.partition_point(|&u| u < 0.0) as u8;
        }
        self.upper.partition_point(|&u| u < v) as u8
    }

    /// Builds bins from the sorted non-NaN sample `values`.
    fn from_sorted(values: &[f64], has_nan: bool, max_bin: usize) -> FeatureBins {
        let value_bins = max_bin - usize::from(has_nan);
        let mut distinct: Vec<(f64, usize)> = Vec::new();
        for &v in values {
            match distinct.last_mut() {
                Some((last, c)) if *last == v => *c += 1,
                _ => distinct.push((v, 1)),
            }
        }
        let mut upper = Vec::new();
        if distinct.len() <= value_bins {
            for w in distinct.windows(2) {
                upper.push(midpoint(w[0].0, w[1].0));
            }
        } else {
            let mut remaining: usize = values.len();
            let mut bins_left = value_bins;
            let mut acc = 0usize;
            for (i, &(v, c)) in distinct.iter().enumerate() {
                acc += c;
                let target = remaining as f64 / bins_left as f64;
                let is_last = i + 1 == distinct.len();
                if !is_last && acc as f64 >= target && bins_left > 1 {
                    upper.push(midpoint(v, distinct[i + 1].0));
                    remaining -= acc;
                    acc = 0;
                    bins_left -= 1;
                }
            }
        }
        upper.push(f64::INFINITY);
        FeatureBins { upper, has_nan }
    }
}

/// A threshold `t` with `a <= t < b` (the midpoint unless rounding pushes it onto `b`).
fn midpoint(a: f64, b: f64) -> f64 {
    let m = a + (b - a) / 2.0;
    if m >= b || !m.is_finite() { a } else { m }
}

/// The training matrix as bins, row-major (`bins[r * n_features + f]`, read by histogram
/// building, which needs every feature of a row) and column-major (`columns[f * n_rows + r]`,
/// read by partitioning, which needs one feature of many rows).
#[derive(Debug, Clone)]
pub(crate) struct BinnedData {
    pub n_features: usize,
    pub n_rows: usize,
    pub features: Vec<FeatureBins>,
    pub bins: Vec<u8>,
    pub columns: Vec<u8>,
}

impl BinnedData {
    /// Bins `x` (dense, or sparse with absent entries as 0.0). Infinite values are binned like
    /// large finite ones.
    pub fn new(op: &str, x: &MatrixRef<'_>, max_bin: usize, sample_rows: usize, seed: u64) -> Result<BinnedData> {
        let (n, d) = (x.n_rows(), x.n_cols());
        // Bins are stored densely (one byte per cell): wide sparse matrices are out of scope.
        if n.checked_mul(d).is_none_or(|c| c > (1usize << 30)) {
            return Err(Error::invalid(op, "x", format!("{n} x {d} is too large to bin densely (limit 2^30 cells)")));
        }
        // The f64 sample is capped at 2^27 values (1 GiB).
        let sample_rows = sample_rows.min((1usize << 27) / d.max(1)).max(1);
        let mut rng = Rng::new(seed ^ 0x5EED_B1A5);
        let sample: Vec<usize> = if n <= sample_rows {
            (0..n).collect()
        } else {
            let mut s = rng.permutation(n);
            s.truncate(sample_rows);
            s.sort_unstable();
            s
        };
        // Column-wise values of the sampled rows, and which features hold NaN anywhere.
        let mut cols: Vec<Vec<f64>> = vec![Vec::with_capacity(sample.len()); d];
        let mut row = vec![0.0; d];
        for &r in &sample {
            dense_row(x, r, &mut row);
            for (c, &v) in cols.iter_mut().zip(&row) {
                c.push(v);
            }
        }
        let mut has_nan = vec![false; d];
        match x {
            MatrixRef::Dense(m) => {
                for r in m.rows() {
                    for (h, v) in has_nan.iter_mut().zip(r.iter()) {
                        *h |= v.is_nan();
                    }
                }
            }
            MatrixRef::Sparse(m) => {
                for (&j, v) in m.indices().iter().zip(m.data()) {
                    has_nan[j as usize] |= v.is_nan();
                }
            }
        }
        let features: Vec<FeatureBins> = cols
            .into_iter()
            .zip(&has_nan)
            .map(|(mut c, &nan)| {
                c.retain(|v| !v.is_nan());
                c.sort_unstable_by(f64::total_cmp);
                FeatureBins::from_sorted(&c, nan, max_bin)
            })
            .collect();
        let mut bins = vec![0u8; n * d];
        for (r, out) in bins.chunks_exact_mut(d.max(1)).enumerate().take(n) {
            dense_row(x, r, &mut row);
            for ((o, fb), &v) in out.iter_mut().zip(&features).zip(&row) {
                *o = fb.bin(v);
            }
        }
        let mut columns = vec![0u8; n * d];
        for (r, row) in bins.chunks_exact(d.max(1)).enumerate().take(n) {
            for (f, &b) in row.iter().enumerate() {
                columns[f * n + r] = b;
            }
        }
        Ok(BinnedData { n_features: d, n_rows: n, features, bins, columns })
    }

    /// Bins of row `r`.
    #[inline]
    pub fn row(&self, r: usize) -> &[u8] {
        &self.bins[r * self.n_features..(r + 1) * self.n_features]
    }
}

/// Copies row `r` of `x` into `out` (dense form).
pub(crate) fn dense_row(x: &MatrixRef<'_>, r: usize, out: &mut [f64]) {
    match x {
        MatrixRef::Dense(m) => {
            for (o, &v) in out.iter_mut().zip(m.row(r).iter()) {
                *o = v;
            }
        }
        MatrixRef::Sparse(m) => {
            out.iter_mut().for_each(|o| *o = 0.0);
            let (idx, val) = m.row(r);
            for (&j, &v) in idx.iter().zip(val) {
                out[j as usize] += v;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn few_distinct_values_get_one_bin_each() {
        let fb = FeatureBins::from_sorted(&[1.0, 1.0, 2.0, 5.0], false, 255);
        assert_eq!(fb.upper, vec![1.5, 3.5, f64::INFINITY]);
        assert_eq!((fb.bin(1.0), fb.bin(1.5), fb.bin(1.6), fb.bin(100.0)), (0, 0, 1, 2));
        assert_eq!(fb.bin(f64::NAN), 0, "NaN as 0.0 when training had none");
        let fb = FeatureBins::from_sorted(&[1.0, 2.0], true, 255);
        assert_eq!((fb.n_bins(), fb.bin(f64::NAN)), (3, 2));
        let constant = FeatureBins::from_sorted(&[3.0; 10], false, 255);
        assert_eq!(constant.n_bins(), 1);
        assert_eq!(FeatureBins::from_sorted(&[], true, 255).n_bins(), 2);
    }

    #[test]
    fn many_values_are_quantile_binned() {
        let v: Vec<f64> = (0..10_000).map(|i| i as f64).collect();
        let fb = FeatureBins::from_sorted(&v, false, 16);
        assert_eq!(fb.n_bins(), 16);
        let mut counts = [0usize; 16];
        for &x in &v {
            counts[fb.bin(x) as usize] += 1;
        }
        assert!(counts.iter().all(|&c| (600..=650).contains(&c)), "{counts:?}");
        // Adjacent floats: the boundary stays between them.
        let a = 1.0f64;
        let b = f64::from_bits(a.to_bits() + 1);
        let t = midpoint(a, b);
        assert!(a <= t && t < b);
    }
}
