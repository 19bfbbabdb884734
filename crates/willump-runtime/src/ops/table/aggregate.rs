//! Per-key target aggregates (count and smoothed mean of the label), fitted on training rows and
//! served as a side table for the left join, with out-of-fold values for the training rows.

use serde::{Deserialize, Serialize};
use willump_ir::params::table::{Scalar, TargetAggregateParams};

use super::join::LeftJoin;
use super::key::{Built, KeyColumns, KeyIndex, NONE, OnDuplicate};
use crate::error::{Error, Result};
use crate::ops::numeric::input::numeric_view;
use crate::rng::Rng;
use crate::value::{Column, F64Column, I64Column, Table};

const FIT: &str = "target_aggregate.fit";

/// Per-key statistics of a target column: for each distinct key, the number of labelled rows
/// (`count`) and the label mean smoothed toward the prior,
/// `(sum + m * prior) / (count + m)`, where `m` is
/// [`smoothing`](TargetAggregateParams::smoothing) and `prior` the mean of every label.
///
/// Served through a [`LeftJoin`]: a probe key never seen at fit time (or a null key part) gets
/// count 0 and mean `prior`, exactly. Rows with a missing target are not counted (their key is
/// still in the side table, with count 0 if it has no labelled row). Training rows must not be
/// encoded with [`transform`](Self::transform), which would let each row see its own label: use
/// [`fit_out_of_fold`](Self::fit_out_of_fold) for them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TargetAggregate {
    params: TargetAggregateParams,
    prior: f64,
    join: LeftJoin,
}

/// A training table's keys grouped, with its labels.
struct Prepared {
    built: Built,
    /// Label per row (0.0 where missing).
    labels: Vec<f64>,
    /// Whether each row has a label.
    labelled: Vec<bool>,
}

impl TargetAggregate {
    /// Fits the per-key statistics on every row of `train`.
    ///
    /// Errors (naming `target_aggregate.fit` and the column or parameter): unknown or badly typed
    /// key columns (str or i64 only); a target that is a string column, or holds NaN or `+-inf`;
    /// no labelled row; a smoothing that is negative or not finite; output names that clash with
    /// each other or with a key.
    pub fn fit(train: &Table, params: &TargetAggregateParams) -> Result<Self> {
        Self::fit_prepared(train, params, &prepare(train, params)?)
    }

    fn fit_prepared(train: &Table, params: &TargetAggregateParams, p: &Prepared) -> Result<Self> {
        let n_groups = p.built.first_rows.len();
        let mut count = vec![0i64; n_groups];
        let mut sum = vec![0.0f64; n_groups];
        let (mut all_count, mut all_sum) = (0usize, 0.0f64);
        for (i, &g) in p.built.group_of_row.iter().enumerate() {
            if !p.labelled[i] {
                continue;
            }
            all_count += 1;
            all_sum += p.labels[i];
            if g != NONE {
                count[g as usize] += 1;
                sum[g as usize] += p.labels[i];
            }
        }
        if all_count == 0 {
            return Err(Error::invalid(FIT, &params.target, "no row has a label"));
        }
        let prior = all_sum / all_count as f64;
        let mean: Vec<f64> =
            sum.iter().zip(&count).map(|(&s, &c)| smooth(s, c as f64, params.smoothing, prior)).collect();

        let first: Vec<usize> = p.built.first_rows.iter().map(|&r| r as usize).collect();
        let mut side = Vec::with_capacity(params.keys.len() + 2);
        for k in &params.keys {
            side.push((k.clone(), train.column(FIT, k)?.take(&first)?));
        }
        side.push((params.count_name.clone(), Column::I64(I64Column::new(count))));
        side.push((params.mean_name.clone(), Column::F64(F64Column::new(mean))));
        let side = Table::try_new(side)?;
        let keys: Vec<&str> = params.keys.iter().map(String::as_str).collect();
        let join = LeftJoin::fit(
            &side,
            &keys,
            &[(params.count_name.as_str(), Scalar::I64(0)), (params.mean_name.as_str(), Scalar::F64(prior))],
        )?;
        Ok(TargetAggregate { params: params.clone(), prior, join })
    }

    /// Fits on every row of `train` (as [`fit`](Self::fit)) and also returns the out-of-fold
    /// encoding of the training rows themselves: the rows are dealt into `n_folds` folds by a
    /// seeded permutation (`Rng::new(seed)`; row at permuted position `p` is in fold
    /// `p % n_folds`), and each row gets the count and smoothed mean computed from the *other*
    /// folds only, with the prior also taken from the other folds. A row's own label therefore
    /// never enters its own encoding, not even through the prior.
    ///
    /// Errors: those of [`fit`](Self::fit); `n_folds < 2`; a fold whose complement has no
    /// labelled row (too few rows for the folds).
    pub fn fit_out_of_fold(train: &Table, params: &TargetAggregateParams) -> Result<(Self, Table)> {
        let k = params.n_folds;
        if k < 2 {
            return Err(Error::invalid(FIT, "n_folds", format!("needs at least 2 folds, got {k}")));
        }
        let p = prepare(train, params)?;
        let fitted = Self::fit_prepared(train, params, &p)?;
        let n = train.n_rows();
        let mut fold = vec![0usize; n];
        for (pos, row) in Rng::new(params.seed).permutation(n).into_iter().enumerate() {
            fold[row] = pos % k;
        }
        let n_groups = p.built.first_rows.len();
        // Per (group, fold) and per fold: labelled-row counts and label sums.
        let mut count = vec![0u64; n_groups * k];
        let mut sum = vec![0.0f64; n_groups * k];
        let mut fold_count = vec![0u64; k];
        let mut fold_sum = vec![0.0f64; k];
        for (i, &g) in p.built.group_of_row.iter().enumerate() {
            if !p.labelled[i] {
                continue;
            }
            let f = fold[i];
            fold_count[f] += 1;
            fold_sum[f] += p.labels[i];
            if g != NONE {
                count[g as usize * k + f] += 1;
                sum[g as usize * k + f] += p.labels[i];
            }
        }
        // The prior of each fold, from the other folds. Sums are taken over the other folds
        // (never "total minus own fold"), so that a row's label cannot leak even by rounding.
        let mut prior = vec![0.0; k];
        for (f, prior_f) in prior.iter_mut().enumerate() {
            let c: u64 = (0..k).filter(|&o| o != f).map(|o| fold_count[o]).sum();
            let s: f64 = (0..k).filter(|&o| o != f).map(|o| fold_sum[o]).sum();
            if c == 0 {
                return Err(Error::invalid(
                    FIT,
                    "n_folds",
                    format!("the folds other than fold {f} hold no labelled row ({n} rows for {k} folds)"),
                ));
            }
            *prior_f = s / c as f64;
        }
        let mut out_count = Vec::with_capacity(n);
        let mut out_mean = Vec::with_capacity(n);
        for (i, &g) in p.built.group_of_row.iter().enumerate() {
            let f = fold[i];
            if g == NONE {
                out_count.push(0);
                out_mean.push(prior[f]);
                continue;
            }
            let base = g as usize * k;
            let (mut c, mut s) = (0u64, 0.0f64);
            for o in (0..k).filter(|&o| o != f) {
                c += count[base + o];
                s += sum[base + o];
            }
            out_count.push(c as i64);
            out_mean.push(smooth(s, c as f64, params.smoothing, prior[f]));
        }
        let table = Table::try_new(vec![
            (params.count_name.clone(), Column::I64(I64Column::new(out_count))),
            (params.mean_name.clone(), Column::F64(F64Column::new(out_mean))),
        ])?;
        Ok((fitted, table))
    }

    /// The count and smoothed-mean columns for every row of `probe`, looked up by its columns
    /// `probe_keys` (see [`LeftJoin::transform`]); an unseen or null key gets count 0 and the
    /// prior.
    pub fn transform(&self, probe: &Table, probe_keys: &[&str]) -> Result<Table> {
        self.join.transform(probe, probe_keys)
    }

    /// The mean of every label seen at fit time.
    pub fn prior(&self) -> f64 {
        self.prior
    }

    /// The parameters it was fitted with.
    pub fn params(&self) -> &TargetAggregateParams {
        &self.params
    }

    /// The served side table's join (keys, count, mean).
    pub fn join(&self) -> &LeftJoin {
        &self.join
    }
}

/// The smoothed mean; exactly `prior` for a key with no labelled row.
#[inline]
fn smooth(sum: f64, count: f64, m: f64, prior: f64) -> f64 {
    if count == 0.0 { prior } else { (sum + m * prior) / (count + m) }
}

fn prepare(train: &Table, params: &TargetAggregateParams) -> Result<Prepared> {
    if !params.smoothing.is_finite() || params.smoothing < 0.0 {
        return Err(Error::invalid(FIT, "smoothing", format!("must be finite and >= 0, got {}", params.smoothing)));
    }
    let outs = [params.count_name.as_str(), params.mean_name.as_str()];
    if outs[0] == outs[1] {
        return Err(Error::invalid(FIT, outs[0], "the count and mean columns need different names"));
    }
    if let Some(clash) = outs.iter().find(|o| params.keys.iter().any(|k| k == *o)) {
        return Err(Error::invalid(FIT, *clash, "an output column is named like a key column"));
    }
    let target = numeric_view(FIT, &params.target, train.column(FIT, &params.target)?)?;
    let labels = target.values.into_owned();
    let labelled: Vec<bool> = (0..labels.len()).map(|i| target.validity.is_none_or(|v| v.get(i))).collect();
    if let Some(i) = (0..labels.len()).find(|&i| labelled[i] && !labels[i].is_finite()) {
        return Err(Error::invalid(FIT, &params.target, format!("row {i} has the non-finite label {}", labels[i])));
    }
    let keys: Vec<&str> = params.keys.iter().map(String::as_str).collect();
    let key_cols = KeyColumns::from_table(FIT, train, &keys)?;
    let built = KeyIndex::build(FIT, &key_cols, OnDuplicate::Group)?;
    Ok(Prepared { built, labels, labelled })
}
