//! The `cascades` way (compiled + cascades): the optimizer of `willump::runtime::optimize` trains
//! an end-to-end cascade on the workload's training rows (its own fitting / validation parts
//! inside them; the test rows are never seen), with the workload's main metric and the default
//! target (0.001 absolute) and rule (cross-fitted validation with a noise-aware margin), group
//! costs measured on the JIT (the engine that serves; the knapsack's weights), and the expected
//! cost of the way it is served: compiled, the small part on every row, on the rows the small
//! model is unsure of the remaining groups when the full model is linear (text, product: the
//! small part also scores the full model's weights of the selected groups) or else the whole
//! pipeline (flights' GBDT) ([`Strategy::Recompute`]), with each candidate set's parts compiled
//! and timed beside the full pipeline on the calibration rows (the report's `serving` costs), so
//! candidates are chosen by what they cost on the JIT as served.
//!
//! Workloads whose rows are ordered in time (flights: training months 1-10, test months 11-12)
//! choose their cascade on the latest training rows instead ([`ValidationSplit::TimeOrdered`]),
//! so that the validation rows resemble the future rows it serves.

use std::sync::{Arc, OnceLock};

use willump::jit::JitExecutor;
use willump::runtime::optimize::{
    CascadeConfig, CascadeOutcome, MeasuredCosts, ProgressBar, Score, ServedCascade, Strategy, ValidationSplit,
    train_cascades,
};
use willump::runtime::value::Value;

use super::variants::{Built, Context, Runner};
use crate::{Dataset, Metric, Result, Workload, class1_of_value, input_column};

/// The inputs that order flights in time, most significant first.
const FLIGHT_TIME: [&str; 5] = ["year", "month", "day", "hour", "minute"];

/// The cascade configuration the harness uses for `workload` (`seed` seeds every random step).
pub fn config(workload: &dyn Workload, seed: u64) -> CascadeConfig {
    let time_ordered = time_columns(workload).is_some();
    CascadeConfig {
        seed,
        score: match workload.metric() {
            Metric::Accuracy => Score::Accuracy,
            Metric::RocAuc => Score::RocAuc,
        },
        strategy: Strategy::Recompute,
        split: if time_ordered { ValidationSplit::TimeOrdered } else { ValidationSplit::Stratified },
        validation_folds: if time_ordered { 1 } else { CascadeConfig::default().validation_folds },
        progress: ProgressBar::Never,
        ..CascadeConfig::default()
    }
}

/// The positions of the row inputs that order the workload's rows in time, when they are ordered
/// in time (flights).
fn time_columns(workload: &dyn Workload) -> Option<Vec<usize>> {
    if workload.name() != "flights" {
        return None;
    }
    let names = workload.input_names();
    FLIGHT_TIME.iter().map(|t| names.iter().position(|n| n == t)).collect()
}

/// The training rows oldest first (a stable sort by the time inputs; missing values first), or
/// `None` when the workload's rows are not ordered in time.
pub fn time_order(workload: &dyn Workload, data: &Dataset) -> Result<Option<Vec<usize>>> {
    let Some(cols) = time_columns(workload) else { return Ok(None) };
    let cols = cols
        .iter()
        .map(|&i| input_column("cascades", &data.train.inputs, i)?.as_i64("cascades", FLIGHT_TIME[0]))
        .collect::<Result<Vec<_>>>()?;
    let keys: Vec<Vec<Option<i64>>> =
        (0..data.train.n_rows()).map(|r| cols.iter().map(|c| c.get(r)).collect()).collect();
    let mut rows: Vec<usize> = (0..keys.len()).collect();
    rows.sort_by(|&a, &b| keys[a].cmp(&keys[b]));
    Ok(Some(rows))
}

/// Trains the cascade of a trained workload on its training rows (time-ordered when they are),
/// with costs measured on `engine`.
pub fn train(ctx: &Context<'_>, engine: &JitExecutor, config: &CascadeConfig) -> Result<CascadeOutcome> {
    let pipeline = ctx.trained.graph()?;
    let costs = MeasuredCosts::new(Arc::new(engine.clone()));
    let train = match time_order(ctx.workload, ctx.data)? {
        Some(rows) => ctx.data.train.take(&rows)?,
        None => ctx.data.train.clone(),
    };
    train_cascades(&pipeline, &train.inputs, &train.labels, &costs, config)
}

/// Trains the cascade; absent (with the optimizer's reason) when no candidate met the target.
pub fn build<'a>(ctx: &Context<'a>) -> Result<Built<'a>> {
    let engine = JitExecutor::default();
    let outcome = train(ctx, &engine, &config(ctx.workload, 0))?;
    Ok(match outcome.cascade {
        Some(c) => Built::Runner(Box::new(Cascades { cascade: c.serve(&engine)?, approx: OnceLock::new() })),
        None => Built::Absent(format!(
            "the optimizer declined: {}",
            outcome.report.declined.as_deref().unwrap_or("no candidate met the target")
        )),
    })
}

/// A trained cascade, served compiled.
struct Cascades {
    cascade: ServedCascade,
    /// The fraction of rows answered early in the first batch run (the whole test split: the
    /// harness scores every way on it before timing anything).
    approx: OnceLock<f64>,
}

impl Runner for Cascades {
    fn predict(&self, inputs: &[Value]) -> Result<Vec<f64>> {
        let p = self.cascade.predict(inputs)?;
        if p.early.len() > 1 {
            let early = p.early.iter().filter(|e| **e).count() as f64 / p.early.len() as f64;
            let _ = self.approx.set(early);
        }
        class1_of_value(&p.value)
    }

    fn approx_fraction(&self) -> Option<f64> {
        self.approx.get().copied()
    }
}
