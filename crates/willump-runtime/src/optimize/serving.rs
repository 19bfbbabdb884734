//! Serving costs: what a candidate cascade costs per row on the engine that serves it, measured
//! as it will run there. The small part of each candidate set is prepared (compiled) on its own
//! and timed beside the full pipeline (on every row, and on a row subset as the unsure rows are
//! served), all interleaved in one loop so that load on the machine hits every part alike.
//!
//! Why not the sum of the groups' costs: each group timed alone pays its own pass over the rows
//! (and, on a compiler, materializes its feature block, which the fused pipeline never does), so
//! on the JIT the groups' costs sum to more than the whole pipeline, and a small part costs 2-5x
//! the share of the total its scaled group costs say (BENCHMARKS.md, Cascades).

use std::time::Instant;

use serde::{Deserialize, Serialize};

use super::executor::Executor;
use crate::error::{Error, Result};
use crate::pipeline::Pipeline;
use crate::value::Value;

/// The measured small-part cost of one candidate set.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SetCost {
    /// Indices of the selected groups.
    pub selected: Vec<usize>,
    /// Seconds per row of the small part (the selected groups, the small model's probabilities)
    /// on every row.
    pub per_row: f64,
}

/// Per-row costs of serving cascades, measured on the serving engine (or recorded from such a
/// measurement).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ServingCosts {
    /// Seconds per row of the full pipeline on every row.
    pub full: f64,
    /// Seconds per unsure row of the full pipeline run on a row subset (every other row of the
    /// sample), as a served cascade runs it.
    pub unsure: f64,
    /// The small part of each candidate set.
    pub small: Vec<SetCost>,
    /// How the costs were obtained (for the report).
    pub source: String,
}

impl ServingCosts {
    /// The small-part cost of `selected`, when it was measured (or recorded).
    pub fn small_cost(&self, selected: &[usize]) -> Option<f64> {
        self.small.iter().find(|s| s.selected == selected).map(|s| s.per_row)
    }

    /// The expected cost per row, in units where the full pipeline costs `total`, of a cascade on
    /// `selected` that answers a fraction `early` of rows with the small part alone: the small
    /// part on every row, the full pipeline on the other rows (the served, recompute strategy).
    /// The merge of the two answers is not counted (under 1% of the full pipeline on the
    /// workloads). An error when `selected` was not measured.
    pub fn expected_cost(&self, selected: &[usize], early: f64, total: f64) -> Result<f64> {
        let small = self.small_cost(selected).ok_or_else(|| {
            Error::invalid("serving costs", "small", format!("no cost recorded for the group set {selected:?}"))
        })?;
        Ok(total * (small + (1.0 - early) * self.unsure) / self.full)
    }

    /// Checks every cost is finite and positive.
    pub fn check(&self) -> Result<()> {
        let all = [self.full, self.unsure].into_iter().chain(self.small.iter().map(|s| s.per_row));
        for v in all {
            if !(v.is_finite() && v > 0.0) {
                return Err(Error::invalid("serving costs", "per_row", format!("{v} is not a finite cost > 0")));
            }
        }
        Ok(())
    }
}

/// Times, on `executor`, the full pipeline on every row of `batch` and on every other row, and
/// each small part on every row; `repeats` interleaved rounds after one warm-up, the least time
/// of each kept.
pub fn measure_serving(
    executor: &dyn Executor,
    full: &Pipeline,
    small: &[(Vec<usize>, Pipeline)],
    batch: &[Value],
    repeats: usize,
) -> Result<ServingCosts> {
    let n = full.check_inputs(batch)?;
    if n < 2 || repeats == 0 {
        return Err(Error::op("serving costs", "needs at least two calibration rows and one repeat"));
    }
    let output =
        |p: &Pipeline| p.graph().output().ok_or_else(|| Error::Ir(format!("`{}` has no output", p.graph().name)));
    let full_part = executor.prepare(full, &[output(full)?])?;
    let small_parts = small.iter().map(|(_, p)| executor.prepare(p, &[output(p)?])).collect::<Result<Vec<_>>>()?;
    let subset: Vec<usize> = (0..n).step_by(2).collect();
    // times[0]: full, times[1]: full on the subset, times[2..]: the small parts
    let mut times: Vec<Vec<f64>> = vec![Vec::with_capacity(repeats); 2 + small.len()];
    for round in 0..=repeats {
        let mut timed = |k: usize, f: &dyn Fn() -> Result<Vec<Value>>| -> Result<()> {
            let t = Instant::now();
            f()?;
            if round > 0 {
                times[k].push(t.elapsed().as_secs_f64());
            }
            Ok(())
        };
        timed(0, &|| full_part.run(batch, None))?;
        timed(1, &|| full_part.run(batch, Some(&subset)))?;
        for (i, part) in small_parts.iter().enumerate() {
            timed(2 + i, &|| part.run(batch, None))?;
        }
    }
    // The least time of the repeats, not the median: these runs take a few milliseconds, the
    // scheduler's time slice on a loaded machine, so other processes preempt many of them and
    // only ever add time. Under a load average of 7 on 2 cores, medians of 7 repeats put the
    // predicted speed-up of text cascades answering 49% of rows early anywhere from 1.4x to 3.0x.
    let least = |v: Vec<f64>| v.into_iter().fold(f64::INFINITY, f64::min);
    let mut times = times.into_iter().map(least);
    let full_cost = times.next().unwrap_or(0.0) / n as f64;
    let unsure = times.next().unwrap_or(0.0) / subset.len() as f64;
    let small =
        small.iter().zip(times).map(|((s, _), t)| SetCost { selected: s.clone(), per_row: t / n as f64 }).collect();
    let costs = ServingCosts {
        full: full_cost,
        unsure,
        small,
        source: format!(
            "measured on {}: each candidate's small part and the full pipeline (all rows; every other row), {n} \
             rows, least of {repeats} interleaved repeats",
            executor.name()
        ),
    };
    // a zero time (a clock too coarse for the sample) cannot rank candidates
    costs.check()?;
    Ok(costs)
}
