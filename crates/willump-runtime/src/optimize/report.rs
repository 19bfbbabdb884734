//! The training report: what was measured, what was tried, what was chosen and why. Printable
//! (`Display`) and serializable (JSON).

use std::fmt::Write as _;

use serde::{Deserialize, Serialize};

use super::bootstrap::Interval;
use super::cascade::PlanGroup;
use super::score::{Score, Target};
use super::serving::ServingCosts;
use crate::error::{Error, Result};

/// The factor reports written before the small model's regularization was searched used.
fn unit_factor() -> f64 {
    1.0
}

/// One candidate tried: a set of groups (from one cost budget) with one threshold.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Candidate {
    /// The cost budget the set came from (fraction of the total cost).
    pub budget: f64,
    /// Indices of the selected groups.
    pub selected: Vec<usize>,
    /// The set's scaled cost (of 1,000).
    pub set_cost: u32,
    /// The factor of the full model's regularization its small model was fit with (see
    /// [`CascadeConfig::small_regularization`](super::CascadeConfig::small_regularization)).
    #[serde(default = "unit_factor")]
    pub small_regularization: f64,
    /// The confidence threshold.
    pub threshold: f64,
    /// The cascade's validation score (the chosen score function).
    pub score: f64,
    /// Its validation accuracy.
    pub accuracy: f64,
    /// Its validation ROC AUC (binary only).
    pub auc: Option<f64>,
    /// The fraction of validation rows the small model answered.
    pub early_fraction: f64,
    /// The expected cost per row (of 1,000 for the full pipeline).
    pub expected_cost: f64,
    /// `1000 / expected_cost`.
    pub predicted_speedup: f64,
    /// The bootstrap interval of the gain over the full model on the validation rows (guarded
    /// mode only).
    pub interval: Option<Interval>,
    /// The standard error of its estimated gain, when the plain mode's noise-aware margin was
    /// applied (candidates that passed on the point estimate).
    #[serde(default)]
    pub standard_error: Option<f64>,
    /// Whether it met the target on the validation rows.
    pub accepted: bool,
}

/// One certification on held-out rows (guarded mode).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Certification {
    /// The candidate (index into [`CascadeReport::candidates`]).
    pub candidate: usize,
    /// Held-out rows.
    pub rows: usize,
    /// The full model's held-out score.
    pub full_score: f64,
    /// The cascade's held-out score.
    pub cascade_score: f64,
    /// The interval of the gain (cascade minus full, positive is better).
    pub interval: Interval,
    /// The largest loss allowed.
    pub allowed_loss: f64,
    /// Whether the interval's lower end is within the target.
    pub passed: bool,
}

/// The speed-up measured on the engine after training.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Measured {
    /// The engine.
    pub engine: String,
    /// Rows timed.
    pub rows: usize,
    /// Full pipeline seconds per batch (median).
    pub full_seconds: f64,
    /// Cascade seconds per batch (median).
    pub cascade_seconds: f64,
    /// `full_seconds / cascade_seconds`.
    pub speedup: f64,
    /// The fraction of the timed rows answered early.
    pub early_fraction: f64,
}

/// Everything training found.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CascadeReport {
    /// The pipeline's name.
    pub pipeline: String,
    /// The score.
    pub score: Score,
    /// The target.
    pub target: Target,
    /// The seed.
    pub seed: u64,
    /// Whether the guarded mode was on.
    pub guarded: bool,
    /// Rows used to fit (one fold's models), validate (out-of-fold rows of every fold) and
    /// (guarded) certify.
    pub rows: [usize; 3],
    /// Validation folds (1: one split, as Willump; more: cross-fitted).
    #[serde(default = "one")]
    pub validation_folds: usize,
    /// How the costs were obtained.
    pub cost_source: String,
    /// Each group: cost, importance, whether selected.
    pub groups: Vec<PlanGroup>,
    /// The serving costs the expected costs came from, when measured on an engine (recompute
    /// strategy); `None`: they came from the scaled group costs.
    #[serde(default)]
    pub serving: Option<ServingCosts>,
    /// The full model's validation score.
    pub full_score: f64,
    /// The full model's validation accuracy.
    pub full_accuracy: f64,
    /// The full model's validation ROC AUC (binary only).
    pub full_auc: Option<f64>,
    /// The largest loss allowed on validation.
    pub allowed_loss: f64,
    /// Every candidate tried.
    pub candidates: Vec<Candidate>,
    /// The chosen candidate (index into `candidates`).
    pub chosen: Option<usize>,
    /// Certifications on held-out rows, in order (guarded mode).
    pub certifications: Vec<Certification>,
    /// Why no cascade is served, when none is.
    pub declined: Option<String>,
    /// The measured speed-up.
    pub measured: Option<Measured>,
    /// The pipeline's IR before the rewrite.
    pub ir_before: String,
    /// The cascade's IR.
    pub ir_after: Option<String>,
}

impl CascadeReport {
    /// The chosen candidate.
    pub fn choice(&self) -> Option<&Candidate> {
        self.chosen.map(|i| &self.candidates[i])
    }

    /// The report as JSON.
    pub fn to_json(&self) -> Result<String> {
        serde_json::to_string_pretty(self).map_err(|e| Error::op("report", e.to_string()))
    }

    /// Reads a report written by [`to_json`](Self::to_json).
    pub fn from_json(s: &str) -> Result<Self> {
        serde_json::from_str(s).map_err(|e| Error::Artifact(format!("cascade report: {e}")))
    }

    fn names(&self, set: &[usize]) -> String {
        set.iter().map(|&i| self.groups[i].name.as_str()).collect::<Vec<_>>().join(" + ")
    }
}

fn one() -> usize {
    1
}

fn opt(v: Option<f64>) -> String {
    v.map_or_else(|| "-".into(), |v| format!("{v:.4}"))
}

impl std::fmt::Display for CascadeReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut s = String::new();
        let mode = if self.guarded { "guarded" } else { "plain" };
        let _ = writeln!(s, "cascades for `{}` ({mode} mode, seed {})", self.pipeline, self.seed);
        let _ = writeln!(s, "score {}, target: {}", self.score.name(), self.target);
        let _ = writeln!(
            s,
            "rows: {} fit, {} validation ({} fold{}), {} held out",
            self.rows[0],
            self.rows[1],
            self.validation_folds,
            if self.validation_folds == 1 { "" } else { "s, cross-fitted" },
            self.rows[2]
        );
        let _ = writeln!(s, "costs: {}", self.cost_source);
        let _ =
            writeln!(s, "\n{:<24} {:>14} {:>7} {:>11} {:>9}", "group", "cost/row", "scaled", "importance", "selected");
        for g in &self.groups {
            let _ = writeln!(
                s,
                "{:<24} {:>14.3e} {:>7} {:>11.5} {:>9}",
                g.name,
                g.cost,
                g.scaled_cost,
                g.importance,
                if g.selected { "yes" } else { "" }
            );
        }
        if let Some(sc) = &self.serving {
            let _ = writeln!(
                s,
                "\nserving costs: {}\n  full pipeline {:.3} us/row, on unsure rows {:.3} us/row",
                sc.source,
                sc.full * 1e6,
                sc.unsure * 1e6
            );
            for set in &sc.small {
                let _ = writeln!(
                    s,
                    "  small part {:<28} {:.3} us/row ({:.1}% of the full pipeline)",
                    self.names(&set.selected),
                    set.per_row * 1e6,
                    set.per_row / sc.full * 100.0
                );
            }
            for set in &sc.remaining {
                let _ = writeln!(
                    s,
                    "  remaining part of {:<20} {:.3} us/unsure row ({:.1}% of the full pipeline)",
                    self.names(&set.selected),
                    set.per_row * 1e6,
                    set.per_row / sc.full * 100.0
                );
            }
        }
        let score = match self.score {
            Score::Accuracy => String::new(),
            other => format!("{} {:.5}, ", other.name(), self.full_score),
        };
        let _ = writeln!(
            s,
            "\nfull model on validation: {score}accuracy {:.5}, auc {}; allowed loss {:.5}",
            self.full_accuracy,
            opt(self.full_auc),
            self.allowed_loss
        );
        let _ = writeln!(
            s,
            "\n{:>6} {:<28} {:>5} {:>5} {:>6} {:>9} {:>9} {:>7} {:>7} {:>8} {:>8} {:>9}",
            "budget",
            "groups",
            "cost",
            "reg",
            "thresh",
            "score",
            "accuracy",
            "auc",
            "early",
            "exp.cost",
            "speedup",
            "accepted"
        );
        for (i, c) in self.candidates.iter().enumerate() {
            let mark = if Some(i) == self.chosen {
                "chosen"
            } else if c.accepted {
                "yes"
            } else {
                ""
            };
            let _ = writeln!(
                s,
                "{:>6.2} {:<28} {:>5} {:>5} {:>6.3} {:>9.5} {:>9.5} {:>7} {:>7.3} {:>8.1} {:>7.2}x {:>9}",
                c.budget,
                self.names(&c.selected),
                c.set_cost,
                format!("{}x", c.small_regularization),
                c.threshold,
                c.score,
                c.accuracy,
                opt(c.auc),
                c.early_fraction,
                c.expected_cost,
                c.predicted_speedup,
                mark
            );
        }
        for c in &self.certifications {
            let cand = &self.candidates[c.candidate];
            let _ = writeln!(
                s,
                "\ncertification of {} at {:.3} on {} held-out rows: cascade {:.5} vs full {:.5}, gain {:.5} in [{:.5}, {:.5}] ({:.1}%): {}",
                self.names(&cand.selected),
                cand.threshold,
                c.rows,
                c.cascade_score,
                c.full_score,
                c.interval.estimate,
                c.interval.lower,
                c.interval.upper,
                c.interval.confidence * 100.0,
                if c.passed { "passed" } else { "failed" }
            );
        }
        match (self.choice(), &self.declined) {
            (Some(c), _) => {
                let _ = writeln!(
                    s,
                    "\nchosen: {} with threshold {}: predicted speed-up {:.2}x, {:.1}% of validation rows answered early",
                    self.names(&c.selected),
                    c.threshold,
                    c.predicted_speedup,
                    c.early_fraction * 100.0
                );
            }
            (None, Some(why)) => {
                let _ = writeln!(s, "\ndeclined: {why}");
            }
            (None, None) => {}
        }
        if let Some(m) = &self.measured {
            let _ = writeln!(
                s,
                "measured on {} ({} rows): full {:.3} ms, cascade {:.3} ms: {:.2}x, {:.1}% answered early",
                m.engine,
                m.rows,
                m.full_seconds * 1e3,
                m.cascade_seconds * 1e3,
                m.speedup,
                m.early_fraction * 100.0
            );
        }
        if let Some(ir) = &self.ir_after {
            let _ = write!(s, "\nIR before:\n{}\nIR after:\n{ir}", self.ir_before);
        }
        f.write_str(&s)
    }
}
