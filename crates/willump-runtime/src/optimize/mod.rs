//! The statistical optimizer: end-to-end cascades (DESIGN.md section 3).
//!
//! Most rows are easy: a small model on a few cheap, important feature groups answers them, and
//! only the hard rows pay for every feature. [`train_cascades`] takes a pipeline, training rows
//! with labels, a [`CostModel`] and a [`CascadeConfig`] (the score and the accuracy target), and
//! does the rest:
//!
//! 1. splits the rows (seeded, stratified; or by position for rows ordered in time,
//!    [`ValidationSplit::TimeOrdered`]): by default into [`CascadeConfig::validation_folds`]
//!    cross-fitting folds (Willump: one fitting part and one validation part), and in the guarded
//!    mode a held-out part that takes no part in choosing;
//! 2. costs each feature group ([`MeasuredCosts`] times each group alone on the serving engine;
//!    [`FixedCosts`] for tests, [`RecordedCosts`] for reproductions) and scales the costs to
//!    integers summing to 1,000 (the knapsack's weights);
//! 3. fits the full model's class ([`ModelSpec`](crate::models::ModelSpec)) without each fold
//!    (its out-of-fold answers cover every validation row) and measures each group's grouped
//!    permutation importance on the first fold;
//! 4. for each cost budget, picks the most important groups within it (0/1 knapsack), fits a
//!    small model of the same class on their columns (without each fold, likewise), and tries
//!    each confidence threshold: rows whose small-model confidence is at least the threshold
//!    keep the small answer, the rest take the full model's; a candidate is accepted when the mix
//!    stays within the target of the full model's score by a noise-aware margin of
//!    [`CascadeConfig::margin`] standard errors (Willump: the point estimate alone; guarded: when
//!    the lower end of a paired bootstrap interval does);
//! 5. picks the accepted candidate of least expected cost (with [`Strategy::Recompute`] and a
//!    cost model measured on an engine: each candidate set's parts as served, the small part and,
//!    for a linear full model, the remaining part, are compiled and timed beside the full
//!    pipeline on the calibration sample, [`ServingCosts`], so the choice and its predicted
//!    speed-up are those of the engine as it serves; otherwise from the scaled group costs);
//!    plain: refits both models on all
//!    rows; guarded: fits both on the fitting and validation rows and certifies that pair on the
//!    held-out rows (declining, with the reason, when nothing passes); the served models are the
//!    certified ones;
//! 6. rewrites the pipeline into cascade form ([`willump_ir::cascade_graph`]) and measures the
//!    speed-up.
//!
//! Why the default rule differs from Willump's: Willump accepts a threshold when the cascade is
//! within the target on one validation split, and picks the cheapest accepted one, which
//! therefore sits at the edge of the target on those rows; on new rows it misses the target
//! about half of the time (BENCHMARKS.md, Cascades: the median test loss over 20 seeds was just
//! over 0.001). Cross-fitting judges thresholds on every training row (about half the noise of
//! one split at 4 folds), and the margin moves the choice inside the target by the noise that
//! remains. [`CascadeConfig::willump`] is Willump's rule exactly.
//!
//! The result is a [`CascadePipeline`] (run on the interpreter, or [`CascadePipeline::serve`]d
//! on any [`Executor`]) and a [`CascadeReport`]; [`crate::artifact`] saves and loads both.

pub mod bootstrap;
mod cascade;
mod config;
mod cost;
mod executor;
pub mod features;
pub mod knapsack;
mod linear_split;
mod progress;
mod report;
pub mod rows;
mod score;
mod serving;
pub mod split;
mod train;

pub use cascade::{
    CascadeCounts, CascadePipeline, CascadePlan, CascadePrediction, CascadeStats, PlanGroup, ServedCascade, ServedForm,
};
pub use config::{CascadeConfig, Guard, ProgressBar, Strategy, ValidationSplit};
pub use cost::{CostModel, FixedCosts, GroupCosts, MeasuredCosts, RecordedCosts, scale_costs};
pub use executor::{Executor, Interpreter, Prepared, run_on_rows};
pub use report::{Candidate, CascadeReport, Certification, Measured};
pub use score::{Score, Target, predictions};
pub use serving::{CandidateParts, ServingCosts, SetCost, measure_serving};
pub use train::{CascadeOutcome, train_cascades};
