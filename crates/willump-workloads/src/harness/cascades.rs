//! The `cascades` way (compiled + cascades): the optimizer of `willump::runtime::optimize` trains
//! an end-to-end cascade on the workload's training rows (its own fitting / validation split
//! inside them; the test rows are never seen), with the workload's main metric and the default
//! target (0.001 absolute) and group costs measured on the JIT (the engine that serves), and the
//! cascade is served compiled: the small part on every row, the full pipeline on the rows the
//! small model is unsure of.

use std::sync::{Arc, OnceLock};

use willump::jit::JitExecutor;
use willump::runtime::optimize::{CascadeConfig, MeasuredCosts, ProgressBar, Score, ServedCascade, train_cascades};
use willump::runtime::value::Value;

use super::variants::{Built, Context, Runner};
use crate::{Metric, Result, class1_of_value};

/// Trains the cascade; absent (with the optimizer's reason) when no candidate met the target.
pub fn build<'a>(ctx: &Context<'a>) -> Result<Built<'a>> {
    let pipeline = ctx.trained.graph()?;
    let config = CascadeConfig {
        score: match ctx.workload.metric() {
            Metric::Accuracy => Score::Accuracy,
            Metric::RocAuc => Score::RocAuc,
        },
        progress: ProgressBar::Never,
        ..CascadeConfig::default()
    };
    let engine = JitExecutor::default();
    let costs = MeasuredCosts::new(Arc::new(engine.clone()));
    let outcome = train_cascades(&pipeline, &ctx.data.train.inputs, &ctx.data.train.labels, &costs, &config)?;
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
