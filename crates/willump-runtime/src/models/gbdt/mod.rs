//! Gradient-boosted decision trees: a histogram-based, leaf-wise trainer in the manner of
//! LightGBM, and the fitted model (also the form LightGBM text models are imported into).
//!
//! Training: features are quantile-binned once ([`binning`]); each boosting iteration computes
//! gradients and hessians of the loss ([`objective`]), then grows one tree per output best-first
//! ([`grower`]) from gradient histograms ([`histogram`], parallel over fixed row blocks, independent
//! of the thread count) with the split gain of LightGBM ([`split`]). Missing values (NaN) get
//! their own bin and every split learns their default direction. The result is a
//! [`TreeEnsemble`], the structure the compiler and the reference evaluator share.
//!
//! Not implemented (documented limits): categorical splits in the trainer (the importer and the
//! evaluator support them), L1 leaf penalty, monotone constraints, early stopping on a
//! validation set, sample weights, GOSS/DART. Bins are stored densely (one byte per cell), so very
//! wide sparse inputs (TF-IDF) are better served by a linear model.

mod binning;
mod grower;
mod histogram;
mod objective;
mod parallel;
mod predict;
mod split;

use ndarray::Array2;
use serde::{Deserialize, Serialize};

use self::binning::BinnedData;
use self::grower::{GrowParams, Grower, leaf_of_binned};
use self::split::SplitParams;
use super::{Link, Model, ModelSpec, ModelStructure, SavedModel, Task, TreeEnsemble, check_n_features, labels};
use crate::error::{Error, Result};
use crate::rng::Rng;
use crate::value::MatrixRef;

const NAME: &str = "gbdt";

/// What the trees are boosted for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum GbdtObjective {
    /// Log loss: binary for labels {0, 1}, softmax for labels `0..k`, `k >= 3` (the number of
    /// classes is read from the labels).
    Classification,
    /// Squared error.
    Regression,
}

/// Hyper-parameters of [`Gbdt`] (LightGBM's names and defaults).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GbdtSpec {
    /// Classification or regression.
    pub objective: GbdtObjective,
    /// Boosting iterations (trees per output).
    pub n_trees: usize,
    /// Shrinkage applied to every leaf.
    pub learning_rate: f64,
    /// Maximum leaves per tree (leaf-wise growth stops there).
    pub num_leaves: usize,
    /// Maximum depth (`None`: unlimited).
    pub max_depth: Option<usize>,
    /// Minimum rows in a leaf.
    pub min_data_in_leaf: usize,
    /// Minimum hessian sum in a leaf.
    pub min_sum_hessian_in_leaf: f64,
    /// L2 penalty on leaf values.
    pub lambda_l2: f64,
    /// Minimum gain of a split.
    pub min_gain_to_split: f64,
    /// Fraction of features sampled for each tree (`(0, 1]`).
    pub feature_fraction: f64,
    /// Fraction of rows sampled (without replacement) every `bagging_freq` iterations.
    pub bagging_fraction: f64,
    /// Bagging period (`0`: no bagging).
    pub bagging_freq: usize,
    /// Maximum bins per feature (`2..=256`, NaN included).
    pub max_bin: usize,
    /// Rows sampled to find bin boundaries.
    pub bin_construct_sample_cnt: usize,
    /// Seed of every random choice.
    pub seed: u64,
    /// Threads for histogram building (`0`: all cores). Results do not depend on it.
    pub n_threads: usize,
}

impl Default for GbdtSpec {
    fn default() -> Self {
        GbdtSpec {
            objective: GbdtObjective::Classification,
            n_trees: 100,
            learning_rate: 0.1,
            num_leaves: 31,
            max_depth: None,
            min_data_in_leaf: 20,
            min_sum_hessian_in_leaf: 1e-3,
            lambda_l2: 0.0,
            min_gain_to_split: 0.0,
            feature_fraction: 1.0,
            bagging_fraction: 1.0,
            bagging_freq: 0,
            max_bin: 255,
            bin_construct_sample_cnt: 200_000,
            seed: 0,
            n_threads: 0,
        }
    }
}

/// Split counts and total gains per feature.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FeatureImportance {
    /// Number of splits on each feature.
    pub split: Vec<u64>,
    /// Sum of the split gains of each feature.
    pub gain: Vec<f64>,
}

impl FeatureImportance {
    /// Importances from the splits of an ensemble, with per-node gains when known.
    fn new(n_features: usize) -> Self {
        FeatureImportance { split: vec![0; n_features], gain: vec![0.0; n_features] }
    }
}

impl GbdtSpec {
    fn check(&self) -> Result<()> {
        let bad = |field: &str, msg: String| Err(Error::invalid(NAME, field, msg));
        if !(self.learning_rate > 0.0 && self.learning_rate.is_finite()) {
            return bad("learning_rate", format!("must be positive, got {}", self.learning_rate));
        }
        if self.num_leaves < 2 {
            return bad("num_leaves", format!("must be at least 2, got {}", self.num_leaves));
        }
        if !(2..=256).contains(&self.max_bin) {
            return bad("max_bin", format!("must be in 2..=256, got {}", self.max_bin));
        }
        for (name, v) in [("feature_fraction", self.feature_fraction), ("bagging_fraction", self.bagging_fraction)] {
            if !(v > 0.0 && v <= 1.0) {
                return bad(name, format!("must be in (0, 1], got {v}"));
            }
        }
        for (name, v) in [
            ("lambda_l2", self.lambda_l2),
            ("min_sum_hessian_in_leaf", self.min_sum_hessian_in_leaf),
            ("min_gain_to_split", self.min_gain_to_split),
        ] {
            if !(v >= 0.0 && v.is_finite()) {
                return bad(name, format!("must be >= 0 and finite, got {v}"));
            }
        }
        if self.bin_construct_sample_cnt == 0 {
            return bad("bin_construct_sample_cnt", "must be positive".into());
        }
        Ok(())
    }

    fn threads(&self) -> usize {
        if self.n_threads == 0 { std::thread::available_parallelism().map_or(1, |n| n.get()) } else { self.n_threads }
    }

    /// Trains on `x` (dense, or sparse with absent entries 0.0; NaN means missing) and labels `y`
    /// (class indices `0..k` with every class present, or finite regression targets).
    pub fn fit(&self, x: MatrixRef<'_>, y: &[f64]) -> Result<Gbdt> {
        self.check()?;
        labels::check_shapes(NAME, &x, y)?;
        if x.n_rows() > u32::MAX as usize {
            return Err(Error::invalid(NAME, "x", "more than 2^32 rows"));
        }
        let task = match self.objective {
            GbdtObjective::Regression => {
                labels::check_targets(NAME, y)?;
                Task::Regression
            }
            GbdtObjective::Classification => match labels::n_classes(NAME, y)? {
                2 => Task::Binary,
                k => Task::MultiClass { n_classes: k },
            },
        };
        let (n, d) = (x.n_rows(), x.n_cols());
        let k = task.n_outputs();
        let data = BinnedData::new(NAME, &x, self.max_bin, self.bin_construct_sample_cnt, self.seed)?;
        let base = objective::init_scores(task, y);
        let mut scores: Vec<f64> = (0..n).flat_map(|_| base.iter().copied()).collect();
        let mut gh: Vec<Vec<[f64; 2]>> = vec![vec![[0.0; 2]; n]; k];
        let mut rng = Rng::new(self.seed);
        let usable: Vec<usize> = (0..d).filter(|&f| data.features[f].n_bins() >= 2).collect();
        let params = GrowParams {
            num_leaves: self.num_leaves,
            max_depth: self.max_depth,
            split: SplitParams {
                lambda_l2: self.lambda_l2,
                min_data_in_leaf: self.min_data_in_leaf as f64,
                min_sum_hessian: self.min_sum_hessian_in_leaf,
                min_gain_to_split: self.min_gain_to_split,
            },
            learning_rate: self.learning_rate,
        };
        let workers = parallel::Workers::new(self.threads());
        let all_rows: Vec<u32> = (0..n as u32).collect();
        let bagging = self.bagging_freq > 0 && self.bagging_fraction < 1.0;
        let mut bag: Vec<u32> = all_rows.clone();
        let mut in_bag = vec![true; if bagging { n } else { 0 }];
        let mut grower = Grower::new(d);
        let mut importance = FeatureImportance::new(d);
        let mut trees = Vec::with_capacity(self.n_trees * k);
        for iter in 0..self.n_trees {
            if bagging && iter % self.bagging_freq == 0 {
                let m = ((self.bagging_fraction * n as f64).round() as usize).clamp(1, n);
                let mut perm = rng.permutation(n);
                perm.truncate(m);
                perm.sort_unstable();
                bag = perm.into_iter().map(|r| r as u32).collect();
                in_bag.iter_mut().for_each(|b| *b = false);
                for &r in &bag {
                    in_bag[r as usize] = true;
                }
            }
            objective::gradients(task, y, &scores, &mut gh, &workers);
            let mut iteration = Vec::with_capacity(k);
            for (c, ghc) in gh.iter().enumerate() {
                let features = if self.feature_fraction < 1.0 && !usable.is_empty() {
                    let m = ((self.feature_fraction * usable.len() as f64).round() as usize).clamp(1, usable.len());
                    let mut pick: Vec<usize> = rng.permutation(usable.len()).into_iter().take(m).collect();
                    pick.sort_unstable();
                    pick.into_iter().map(|i| usable[i]).collect()
                } else {
                    usable.clone()
                };
                let grown = grower.grow(&data, ghc, &bag, &features, &params, &workers);
                for (leaf, &(b, e)) in grown.leaf_rows.iter().enumerate() {
                    let v = grown.tree.leaf_value[leaf];
                    for &r in &grower.rows()[b..e] {
                        scores[r as usize * k + c] += v;
                    }
                }
                if bagging {
                    for r in (0..n).filter(|&r| !in_bag[r]) {
                        let leaf = leaf_of_binned(&grown.tree, &grown.bin_threshold, &data, data.row(r));
                        scores[r * k + c] += grown.tree.leaf_value[leaf];
                    }
                }
                for &(f, gain) in &grown.splits {
                    importance.split[f] += 1;
                    importance.gain[f] += gain;
                }
                iteration.push(grown.tree);
            }
            // As LightGBM: stop when no tree of an iteration could split.
            if iteration.iter().all(|t| t.n_internal() == 0) {
                break;
            }
            trees.extend(iteration);
        }
        let link = match task {
            Task::Binary => Link::Sigmoid,
            Task::MultiClass { .. } => Link::Softmax,
            Task::Regression => Link::Identity,
        };
        let ensemble = TreeEnsemble { n_features: d, task, link, base_score: base, trees };
        Gbdt::new(self.clone(), ensemble, importance)
    }
}

/// A fitted (or imported) tree ensemble.
#[derive(Debug, Clone)]
pub struct Gbdt {
    spec: GbdtSpec,
    ensemble: TreeEnsemble,
    importance: FeatureImportance,
    packed: predict::Packed,
}

impl Gbdt {
    /// A model from its parts; the ensemble is validated (tree shapes, feature indices, a link
    /// that matches the task).
    pub fn new(spec: GbdtSpec, ensemble: TreeEnsemble, importance: FeatureImportance) -> Result<Self> {
        ensemble.validate()?;
        let want = match ensemble.task {
            Task::Binary => Link::Sigmoid,
            Task::MultiClass { .. } => Link::Softmax,
            Task::Regression => Link::Identity,
        };
        if ensemble.link != want {
            return Err(Error::Artifact(format!("{NAME}: link {:?} for task {:?}", ensemble.link, ensemble.task)));
        }
        if let Task::MultiClass { n_classes } = ensemble.task
            && n_classes < 3
        {
            return Err(Error::Artifact(format!("{NAME}: multi-class task with {n_classes} classes")));
        }
        if !ensemble.trees.len().is_multiple_of(ensemble.n_outputs()) {
            return Err(Error::Artifact(format!(
                "{NAME}: {} trees do not cycle through {} outputs",
                ensemble.trees.len(),
                ensemble.n_outputs()
            )));
        }
        if ensemble.base_score.iter().chain(ensemble.trees.iter().flat_map(|t| &t.leaf_value)).any(|v| !v.is_finite()) {
            return Err(Error::Artifact(format!("{NAME}: non-finite leaf value or base score")));
        }
        let d = ensemble.n_features;
        if importance.split.len() != d || importance.gain.len() != d {
            return Err(Error::Artifact(format!("{NAME}: feature importances for a different feature count")));
        }
        let packed = predict::Packed::new(&ensemble);
        Ok(Gbdt { spec, ensemble, importance, packed })
    }

    /// The trees.
    pub fn ensemble(&self) -> &TreeEnsemble {
        &self.ensemble
    }

    /// Split counts and total split gains per feature.
    pub fn feature_importance(&self) -> &FeatureImportance {
        &self.importance
    }

    /// Raw scores of one row (`n_features` values) into `out` (`n_outputs` values), without
    /// allocating: the one-row serving path.
    pub fn decision_row(&self, x: &[f64], out: &mut [f64]) -> Result<()> {
        if x.len() != self.ensemble.n_features || out.len() != self.ensemble.n_outputs() {
            return Err(Error::invalid(
                NAME,
                "x",
                format!(
                    "row of {} values and output of {} for a model with {} features and {} outputs",
                    x.len(),
                    out.len(),
                    self.ensemble.n_features,
                    self.ensemble.n_outputs()
                ),
            ));
        }
        out.copy_from_slice(&self.ensemble.base_score);
        self.packed.add_row(x, out);
        Ok(())
    }
}

impl Model for Gbdt {
    fn name(&self) -> &'static str {
        NAME
    }

    fn task(&self) -> Task {
        self.ensemble.task
    }

    fn n_features(&self) -> usize {
        self.ensemble.n_features
    }

    fn decision_function(&self, x: MatrixRef<'_>) -> Result<Array2<f64>> {
        check_n_features(NAME, &x, self.ensemble.n_features)?;
        Ok(self.packed.decision(&x))
    }

    fn structure(&self) -> ModelStructure<'_> {
        ModelStructure::Trees(&self.ensemble)
    }

    fn spec(&self) -> ModelSpec {
        ModelSpec::Gbdt(self.spec.clone())
    }

    fn to_saved(&self) -> Result<SavedModel> {
        Ok(SavedModel::Gbdt {
            spec: self.spec.clone(),
            ensemble: self.ensemble.clone(),
            importance: self.importance.clone(),
        })
    }
}
