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
use willump_ir::NodeId;

use super::executor::{Executor, run_on_rows};
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

/// One candidate set's parts as a served cascade runs them: what [`measure_serving`] times.
#[derive(Clone)]
pub struct CandidateParts {
    /// Indices of the selected groups.
    pub selected: Vec<usize>,
    /// The small part (run on every row).
    pub small: Pipeline,
    /// The small part's outputs as served (with a linear full model, the partial decision too).
    pub small_outputs: Vec<NodeId>,
    /// With a linear full model, the remaining groups into the remaining decision (its graph's
    /// output), run on the unsure rows instead of the full pipeline; `None`: the full pipeline.
    pub remaining: Option<Pipeline>,
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
    /// Seconds per unsure row of each candidate set's remaining part (linear full models: the
    /// remaining groups only, on every other row of the sample), when it has one. Absent from
    /// costs recorded before the split form existed: those candidates are costed with `unsure`.
    #[serde(default)]
    pub remaining: Vec<SetCost>,
    /// How the costs were obtained (for the report).
    pub source: String,
}

impl ServingCosts {
    /// The small-part cost of `selected`, when it was measured (or recorded).
    pub fn small_cost(&self, selected: &[usize]) -> Option<f64> {
        self.small.iter().find(|s| s.selected == selected).map(|s| s.per_row)
    }

    /// The remaining-part cost per unsure row of `selected`, when it was measured (or recorded).
    pub fn remaining_cost(&self, selected: &[usize]) -> Option<f64> {
        self.remaining.iter().find(|s| s.selected == selected).map(|s| s.per_row)
    }

    /// The expected cost per row, in units where the full pipeline costs `total`, of a cascade on
    /// `selected` that answers a fraction `early` of rows with the small part alone: the small
    /// part on every row, on the other rows its remaining part when one was measured (a linear
    /// full model), else the full pipeline (the served, recompute strategy).
    /// The merge of the two answers is not counted (under 1% of the full pipeline on the
    /// workloads). An error when `selected` was not measured.
    pub fn expected_cost(&self, selected: &[usize], early: f64, total: f64) -> Result<f64> {
        let small = self.small_cost(selected).ok_or_else(|| {
            Error::invalid("serving costs", "small", format!("no cost recorded for the group set {selected:?}"))
        })?;
        let unsure = self.remaining_cost(selected).unwrap_or(self.unsure);
        Ok(total * (small + (1.0 - early) * unsure) / self.full)
    }

    /// Checks every cost is finite and positive.
    pub fn check(&self) -> Result<()> {
        let all =
            [self.full, self.unsure].into_iter().chain(self.small.iter().chain(&self.remaining).map(|s| s.per_row));
        for v in all {
            if !(v.is_finite() && v > 0.0) {
                return Err(Error::invalid("serving costs", "per_row", format!("{v} is not a finite cost > 0")));
            }
        }
        Ok(())
    }
}

/// Times, on `executor`, the full pipeline on every row of `batch` and on every other row, each
/// small part on every row and each remaining part on every other row, in `repeats` interleaved
/// rounds after one warm-up; the median of each part's times (CPU time, see [`time_run`]) is
/// kept.
pub fn measure_serving(
    executor: &dyn Executor,
    full: &Pipeline,
    parts: &[CandidateParts],
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
    let small_parts = parts.iter().map(|c| executor.prepare(&c.small, &c.small_outputs)).collect::<Result<Vec<_>>>()?;
    let remaining_parts = parts
        .iter()
        .map(|c| c.remaining.as_ref().map(|r| executor.prepare(r, &[output(r)?])).transpose())
        .collect::<Result<Vec<_>>>()?;
    let subset: Vec<usize> = (0..n).step_by(2).collect();
    // times[0]: full, times[1]: full on the subset, times[2 + 2i]: small part i on every row,
    // times[3 + 2i]: remaining part i on the subset (empty without one)
    let mut times: Vec<Vec<f64>> = vec![Vec::with_capacity(repeats); 2 + 2 * parts.len()];
    for round in 0..=repeats {
        let mut timed = |k: usize, f: &dyn Fn() -> Result<Vec<Value>>| -> Result<()> {
            let t = time_run(f)?;
            if round > 0 {
                times[k].push(t);
            }
            Ok(())
        };
        timed(0, &|| full_part.run(batch, None))?;
        timed(1, &|| run_on_rows(full_part.as_ref(), batch, &subset))?;
        for (i, (small, remaining)) in small_parts.iter().zip(&remaining_parts).enumerate() {
            timed(2 + 2 * i, &|| small.run(batch, None))?;
            if let Some(r) = remaining {
                timed(3 + 2 * i, &|| run_on_rows(r.as_ref(), batch, &subset))?;
            }
        }
    }
    let median = |v: &mut Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v.get(v.len() / 2).copied()
    };
    let mut medians: Vec<Option<f64>> = times.iter_mut().map(median).collect();
    let full_cost = medians[0].unwrap_or(0.0) / n as f64;
    let unsure = medians[1].unwrap_or(0.0) / subset.len() as f64;
    let (mut small, mut remaining) = (Vec::new(), Vec::new());
    for (i, c) in parts.iter().enumerate() {
        let selected = c.selected.clone();
        small
            .push(SetCost { selected: selected.clone(), per_row: medians[2 + 2 * i].take().unwrap_or(0.0) / n as f64 });
        if let Some(t) = medians[3 + 2 * i].take() {
            remaining.push(SetCost { selected, per_row: t / subset.len() as f64 });
        }
    }
    let costs = ServingCosts {
        full: full_cost,
        unsure,
        small,
        remaining,
        source: format!(
            "measured on {}: each candidate's small part (all rows) and remaining part (linear full model; every \
             other row) and the full pipeline (all rows; every other row), {n} rows, median of {repeats} interleaved \
             rounds, {CLOCK}",
            executor.name()
        ),
    };
    // a zero time (a clock too coarse for the sample) cannot rank candidates
    costs.check()?;
    Ok(costs)
}

/// What [`time_run`] measures, for reports.
#[cfg(unix)]
pub(crate) const CLOCK: &str = "process CPU time";
/// What [`time_run`] measures, for reports.
#[cfg(not(unix))]
pub(crate) const CLOCK: &str = "wall-clock time";

/// The time `f` takes: the process's CPU time where the platform has that clock (Unix), else
/// wall-clock time. Why CPU time: on a machine shared with other work, a run of a few
/// milliseconds is often preempted and then waits for the others' time slices; measured on the
/// 2-core VM at a load average of 8, the same 1,000-row batch took either 2.4 or about 38
/// us/row, call by call, so wall-clock medians ranked the parts by luck (predicted speed-ups of
/// 1.3x to 5.4x for text cascades that all answered 49% of rows early). CPU time does not count
/// the waiting. It counts every thread of the process, so an engine that splits a batch across
/// threads is costed in full, and work on other threads at the same time (none while training)
/// would be counted too.
pub(crate) fn time_run<T>(f: impl FnOnce() -> Result<T>) -> Result<f64> {
    let (wall, cpu) = (Instant::now(), process_cpu_seconds());
    f()?;
    Ok(match (cpu, process_cpu_seconds()) {
        (Some(a), Some(b)) => b - a,
        _ => wall.elapsed().as_secs_f64(),
    })
}

/// The CPU time the process has used, in seconds.
#[cfg(unix)]
fn process_cpu_seconds() -> Option<f64> {
    let mut ts = libc::timespec { tv_sec: 0, tv_nsec: 0 };
    // SAFETY: `ts` is a valid, writable timespec that outlives the call, which only writes it.
    let rc = unsafe { libc::clock_gettime(libc::CLOCK_PROCESS_CPUTIME_ID, &mut ts) };
    (rc == 0).then_some(ts.tv_sec as f64 + ts.tv_nsec as f64 * 1e-9)
}

/// No process CPU clock here: [`time_run`] falls back to wall-clock time.
#[cfg(not(unix))]
fn process_cpu_seconds() -> Option<f64> {
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn costs() -> ServingCosts {
        ServingCosts {
            full: 4.0,
            unsure: 5.0,
            small: vec![SetCost { selected: vec![0], per_row: 1.0 }, SetCost { selected: vec![1], per_row: 1.0 }],
            remaining: vec![SetCost { selected: vec![1], per_row: 2.0 }],
            source: "given".into(),
        }
    }

    #[test]
    fn expected_cost_is_the_small_part_plus_the_unsure_rows() {
        let c = costs();
        // 1 + 0.4 * 5 = 3 of a full pipeline costing 4: 750 of 1,000
        assert!((c.expected_cost(&[0], 0.6, 1000.0).unwrap() - 750.0).abs() < 1e-9);
        assert!((c.expected_cost(&[0], 1.0, 1000.0).unwrap() - 250.0).abs() < 1e-9);
        let err = c.expected_cost(&[2], 0.5, 1000.0).unwrap_err().to_string();
        assert!(err.contains("no cost recorded for the group set [2]"), "{err}");
        // a set with a remaining part pays it on the unsure rows: 1 + 0.5 * 2 = 2 of 4
        assert!((c.expected_cost(&[1], 0.5, 1000.0).unwrap() - 500.0).abs() < 1e-9);
        // costs recorded before the remaining parts existed load, and cost the full pipeline
        let json = serde_json::to_string(&c).unwrap().replace(r#","remaining":[{"selected":[1],"per_row":2.0}]"#, "");
        assert!(!json.contains("remaining"), "{json}");
        let old: ServingCosts = serde_json::from_str(&json).unwrap();
        assert!(old.remaining.is_empty());
        assert!((old.expected_cost(&[1], 0.5, 1000.0).unwrap() - 875.0).abs() < 1e-9);
        assert!(c.check().is_ok());
        let bad = ServingCosts { unsure: f64::NAN, ..costs() };
        assert!(bad.check().unwrap_err().to_string().contains("not a finite cost"));
        let zero = ServingCosts { small: vec![SetCost { selected: vec![0], per_row: 0.0 }], ..costs() };
        assert!(zero.check().is_err());
    }

    #[test]
    fn time_run_counts_work_and_passes_errors_on() {
        let t = time_run(|| {
            let mut x = 0u64;
            for i in 0..2_000_000u64 {
                x = std::hint::black_box(x.wrapping_mul(31).wrapping_add(i));
            }
            Ok(x)
        })
        .unwrap();
        assert!(t > 0.0 && t < 10.0, "{t}");
        assert!(time_run(|| Err::<(), _>(Error::op("x", "failed"))).is_err());
    }
}
