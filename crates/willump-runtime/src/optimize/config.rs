//! What the user chooses when training cascades; everything else is automatic.

use serde::{Deserialize, Serialize};

use super::score::{Score, Target};
use crate::error::{Error, Result};

/// How a cascade's unsure rows get their remaining features, which decides its expected cost.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Strategy {
    /// The selected groups' blocks are computed once and reused for the unsure rows (the cascade
    /// graph as the interpreter runs it): an unsure row costs the total.
    Reuse,
    /// The small part and a full part run separately (an engine that fuses each pipeline into
    /// one loop). With a linear full model (logistic or linear regression) the full part is the
    /// remaining groups only: the small part also scores the full model's weights of the selected
    /// groups and the two decisions are added, so an unsure row costs the small part plus the
    /// remaining part. With any other full model the full part is the whole pipeline: an unsure
    /// row also recomputes the selected groups.
    Recompute,
}

/// The guarded mode: the chosen cascade must pass on rows that took no part in choosing it, and
/// the models served are exactly the ones certified.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Guard {
    /// Two-sided confidence level of the paired bootstrap interval of the score difference whose
    /// lower end must be within the target (0.95).
    pub confidence: f64,
    /// Bootstrap resamples (1,000).
    pub resamples: usize,
    /// Fraction of the training rows held out for certification (0.25).
    pub holdout_fraction: f64,
    /// Whether the full model is fit on every training row (as plain mode serves it) rather than
    /// without the held-out rows (false). Either way the pair certified is the pair served. With
    /// `true` the held-out rows are in-sample for the full model only, which favours it: the
    /// certificate errs against the cascade, and on high-variance models (thousands of sparse
    /// features) it rarely passes; with `false` the served full model sees fewer rows, which costs
    /// accuracy against the user's own full model (BENCHMARKS.md, Cascades, measures both).
    pub full_model_on_all_rows: bool,
    /// Candidates certified at most, cheapest first; each test runs at confidence
    /// `1 - (1 - confidence) / max_certified` (Bonferroni), so the guarantee holds for the whole
    /// sequence (3).
    pub max_certified: usize,
}

impl Default for Guard {
    fn default() -> Self {
        Guard {
            confidence: 0.95,
            resamples: 1000,
            holdout_fraction: 0.25,
            full_model_on_all_rows: false,
            max_certified: 3,
        }
    }
}

/// How the training rows are split into the parts the optimizer fits and validates on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ValidationSplit {
    /// Seeded and stratified by label (rows in any order): the default.
    Stratified,
    /// By position, for rows ordered in time (oldest first): the validation rows are the latest
    /// training rows (and, guarded, the held-out rows the very latest), so that the rows a
    /// cascade is chosen on resemble the future rows it will serve. Not seeded; incompatible
    /// with cross-fitting (`validation_folds` must be 1).
    TimeOrdered,
}

/// Whether to draw a progress bar on stderr while training.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ProgressBar {
    /// When stderr is a terminal.
    Auto,
    /// Never.
    Never,
}

/// The configuration of cascade training.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CascadeConfig {
    /// Seed of every random choice (splits, permutations, bootstrap).
    pub seed: u64,
    /// The score the target is about (accuracy by default).
    pub score: Score,
    /// How much worse than the full model the cascade may be (0.001 absolute by default).
    pub target: Target,
    /// Fraction of the training rows used for validation (importance, threshold search) when
    /// `validation_folds` is 1 (0.25).
    pub validation_fraction: f64,
    /// How the validation rows are drawn (stratified at random, or the latest rows).
    pub split: ValidationSplit,
    /// Cross-fitting: with `k >= 2` the training rows (guarded: without the held-out rows) are
    /// cut into `k` stratified folds; the full model and every small model are fit `k` times,
    /// each time without one fold, and thresholds are judged on the out-of-fold answers of
    /// every row (`k` times the validation rows of one split, so about half the noise at `k =
    /// 4`). Importance is measured on the first fold. `1` is Willump's single split (default 4).
    pub validation_folds: usize,
    /// A noise-aware acceptance margin, in standard errors: a candidate is accepted when its
    /// estimated gain minus `margin` standard errors of that estimate is within the target
    /// (Willump: 0, the point estimate alone). The standard error is that of the mean paired
    /// per-row difference for scores that are means of per-row terms (accuracy, log loss), and a
    /// seeded bootstrap estimate (200 resamples) otherwise. Why: the cheapest accepted
    /// candidate sits at the edge of the target on the validation rows, so on new rows it
    /// misses the target about half of the time; a margin moves the choice inside (default 1).
    /// Guarded mode judges candidates by its bootstrap bound instead.
    pub margin: f64,
    /// Cost budgets, as fractions of the total cost (0.1 to 0.6).
    pub budgets: Vec<f64>,
    /// Factors of the full model's regularization the small model is tried with (a logistic
    /// regression's `C` times each factor): per candidate set, the factor whose small model has
    /// the least out-of-fold log loss is kept (the first on a tie). Why: the full model's `C`
    /// suits all the features; a model on a few groups has other needs, and its confidence
    /// decides which rows stop early (on the text task the word-only model's log loss is least
    /// near 3x the full model's `C`). The choice uses the small model's own fit, not the
    /// cascade's score, so it adds no candidates to the threshold search. Models without such a
    /// parameter (trees, or no penalty) are fit as the full model is. Default `[1, 0.3, 3, 10]`;
    /// `[1]` is Willump's rule.
    #[serde(default = "default_small_regularization")]
    pub small_regularization: Vec<f64>,
    /// Refit the final small model with the penalty per row of the models validated on the
    /// folds (a logistic regression's `C` times the rows a fold fits on over the rows of the
    /// refit), so that it is as confident as the models the threshold was chosen with (default
    /// on; Willump's rule: off, the same `C` on more rows, which answers more rows early than
    /// validated).
    #[serde(default)]
    pub refit_same_penalty: bool,
    /// Confidence thresholds to try (`None`: 0.6 to 1.0 for binary, lower for multi-class).
    pub thresholds: Option<Vec<f64>>,
    /// Permutation repeats per group for importance (3).
    pub importance_repeats: usize,
    /// The guarded mode (`None`: plain, as Willump).
    pub guard: Option<Guard>,
    /// The execution strategy the expected cost assumes.
    pub strategy: Strategy,
    /// Rows of the calibration sample the costs are measured on (1,000).
    pub calibration_rows: usize,
    /// Rows the final speed-up is measured on (2,000; 0 skips the measurement).
    pub measure_rows: usize,
    /// The least speed-up the chosen cascade must show when measured on the serving engine
    /// (`Some(1.0)`: never serve a cascade slower than the full pipeline), or training declines
    /// and says so. Enforced only when the group costs were measured on an engine (a fixed cost
    /// model states the costs itself, and timing toy data would contradict it) and
    /// `measure_rows > 0`; `None` turns the check off. The measurement is on the validation rows,
    /// so a distribution shift can still make the test rows' speed-up differ.
    pub min_speedup: Option<f64>,
    /// The progress bar.
    pub progress: ProgressBar,
}

/// The small model's regularization factors tried by default.
fn default_small_regularization() -> Vec<f64> {
    vec![1.0, 0.3, 3.0, 10.0]
}

impl Default for CascadeConfig {
    fn default() -> Self {
        CascadeConfig {
            seed: 0,
            score: Score::Accuracy,
            target: Target::Absolute(0.001),
            validation_fraction: 0.25,
            split: ValidationSplit::Stratified,
            validation_folds: 4,
            margin: 1.0,
            budgets: vec![0.1, 0.2, 0.3, 0.4, 0.5, 0.6],
            small_regularization: default_small_regularization(),
            refit_same_penalty: true,
            thresholds: None,
            importance_repeats: 3,
            guard: None,
            strategy: Strategy::Reuse,
            calibration_rows: 1000,
            measure_rows: 2000,
            min_speedup: Some(1.0),
            progress: ProgressBar::Auto,
        }
    }
}

impl CascadeConfig {
    /// The default configuration in guarded mode.
    pub fn guarded() -> Self {
        CascadeConfig { guard: Some(Guard::default()), ..Default::default() }
    }

    /// Willump's rule exactly: one stratified validation split, a candidate accepted on its
    /// point estimate (no margin), the small model fit as the full one.
    pub fn willump() -> Self {
        CascadeConfig {
            validation_folds: 1,
            margin: 0.0,
            small_regularization: vec![1.0],
            refit_same_penalty: false,
            ..Default::default()
        }
    }

    /// The thresholds for `n_classes` classes: the configured ones, or the default grid.
    pub fn thresholds_for(&self, n_classes: usize) -> Vec<f64> {
        if let Some(t) = &self.thresholds {
            return t.clone();
        }
        let grid: &[f64] = if n_classes <= 2 {
            &[0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95, 0.975, 0.99, 1.0]
        } else {
            &[0.4, 0.5, 0.6, 0.7, 0.8, 0.85, 0.9, 0.95, 0.975, 0.99, 1.0]
        };
        grid.iter().copied().filter(|&t| t > 1.0 / n_classes as f64).collect()
    }

    /// Checks every value is in range.
    pub fn check(&self) -> Result<()> {
        let bad = |field: &str, msg: String| Err(Error::invalid("cascades", field, msg));
        self.target.check()?;
        if !(self.validation_fraction > 0.0 && self.validation_fraction < 1.0) {
            return bad("validation_fraction", format!("{} is not in (0, 1)", self.validation_fraction));
        }
        if self.validation_folds == 0 || self.validation_folds > 20 {
            return bad("validation_folds", format!("{} is not in 1..=20", self.validation_folds));
        }
        if self.validation_folds > 1 && self.split == ValidationSplit::TimeOrdered {
            return bad(
                "validation_folds",
                "a time-ordered split validates on the latest rows only: use 1 fold".into(),
            );
        }
        if !(self.margin.is_finite() && self.margin >= 0.0) {
            return bad("margin", format!("{} is not a finite number >= 0", self.margin));
        }
        if self.budgets.is_empty() || self.budgets.iter().any(|b| !(*b > 0.0 && *b < 1.0)) {
            return bad("budgets", format!("{:?}: need fractions in (0, 1)", self.budgets));
        }
        if self.small_regularization.is_empty()
            || self.small_regularization.iter().any(|f| !(f.is_finite() && *f > 0.0))
        {
            return bad("small_regularization", format!("{:?}: need finite factors > 0", self.small_regularization));
        }
        if let Some(t) = &self.thresholds
            && (t.is_empty() || t.iter().any(|t| !(0.0..=1.0).contains(t)))
        {
            return bad("thresholds", format!("{t:?}: need probabilities in [0, 1]"));
        }
        if let Some(m) = self.min_speedup
            && !(m.is_finite() && m > 0.0)
        {
            return bad("min_speedup", format!("{m} is not a finite number > 0"));
        }
        if self.importance_repeats == 0 {
            return bad("importance_repeats", "at least one".into());
        }
        if let Some(g) = &self.guard {
            if !(g.confidence > 0.0 && g.confidence < 1.0) {
                return bad("guard.confidence", format!("{} is not in (0, 1)", g.confidence));
            }
            if g.resamples < 10 || g.max_certified == 0 {
                return bad("guard", "needs at least 10 resamples and one certification".into());
            }
            if !(g.holdout_fraction > 0.0 && g.holdout_fraction + self.validation_fraction < 1.0) {
                return bad("guard.holdout_fraction", format!("{} leaves no rows to fit on", g.holdout_fraction));
            }
        }
        Ok(())
    }
}
