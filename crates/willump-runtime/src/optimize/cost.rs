//! Costs of feature groups: what computing one group alone costs per row. The default measures
//! it on the engine that will serve, on a calibration sample, as the median of several timed
//! repeats; a fixed-cost model gives known costs (tests, or a reproduction from a report).

use std::sync::Arc;

use serde::{Deserialize, Serialize};
use willump_ir::FeatureGroups;

use super::executor::Executor;
use super::serving::{CLOCK, CandidateParts, ServingCosts, measure_serving, time_run};
use crate::error::{Error, Result};
use crate::pipeline::Pipeline;
use crate::value::Value;

/// The cost of each group, with a note on how it was obtained.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GroupCosts {
    /// Seconds per row (or any consistent unit), one per group, in group order.
    pub per_row: Vec<f64>,
    /// How the costs were obtained (for the report).
    pub source: String,
}

/// A way to cost feature groups.
pub trait CostModel {
    /// The cost of each group of `pipeline`; `sample` is a calibration batch of row inputs.
    fn group_costs(&self, pipeline: &Pipeline, groups: &FeatureGroups, sample: &[Value]) -> Result<GroupCosts>;

    /// The engine the costs are measured on, when there is one (the optimizer also measures the
    /// cascade's speed-up on it).
    fn executor(&self) -> Option<Arc<dyn Executor>> {
        None
    }

    /// The serving costs of the candidate cascades: the full pipeline `full` and the parts of
    /// each candidate set as served (`small`: its small part, and with a linear full model its
    /// remaining part), on the calibration batch `sample`. `None` (the default): the expected cost of a candidate comes
    /// from the scaled group costs instead.
    fn serving_costs(
        &self,
        _full: &Pipeline,
        _small: &[CandidateParts],
        _sample: &[Value],
    ) -> Result<Option<ServingCosts>> {
        Ok(None)
    }
}

/// Known costs, one per group (any positive unit; only ratios matter).
#[derive(Debug, Clone, PartialEq)]
pub struct FixedCosts(pub Vec<f64>);

impl CostModel for FixedCosts {
    fn group_costs(&self, _: &Pipeline, groups: &FeatureGroups, _: &[Value]) -> Result<GroupCosts> {
        if self.0.len() != groups.groups.len() {
            return Err(Error::invalid(
                "FixedCosts",
                "costs",
                format!("{} costs for {} feature groups", self.0.len(), groups.groups.len()),
            ));
        }
        check_costs(&self.0)?;
        Ok(GroupCosts { per_row: self.0.clone(), source: "fixed".into() })
    }
}

/// Costs measured by running each group alone on an engine.
#[derive(Clone)]
pub struct MeasuredCosts {
    /// The engine (the one that will serve).
    pub executor: Arc<dyn Executor>,
    /// Rows of the calibration sample (the first rows of the sample batch, at most).
    pub rows: usize,
    /// Timed repeats per group; the median is kept.
    pub repeats: usize,
}

impl MeasuredCosts {
    /// 1,000 rows, 7 repeats, on `executor`.
    pub fn new(executor: Arc<dyn Executor>) -> Self {
        MeasuredCosts { executor, rows: 1000, repeats: 7 }
    }
}

impl CostModel for MeasuredCosts {
    fn group_costs(&self, pipeline: &Pipeline, groups: &FeatureGroups, sample: &[Value]) -> Result<GroupCosts> {
        let n = pipeline.check_inputs(sample)?;
        if n == 0 || self.rows == 0 || self.repeats == 0 {
            return Err(Error::op("MeasuredCosts", "needs a non-empty calibration sample and at least one repeat"));
        }
        let rows: Vec<usize> = (0..n.min(self.rows)).collect();
        let batch = sample.iter().map(|v| v.take_rows(&rows)).collect::<Result<Vec<_>>>()?;
        let mut per_row = Vec::with_capacity(groups.groups.len());
        for g in &groups.groups {
            let part = self.executor.prepare(pipeline, &g.roots)?;
            part.run(&batch, None)?; // warm-up (caches, lazily built tables)
            let mut times: Vec<f64> =
                (0..self.repeats).map(|_| time_run(|| part.run(&batch, None))).collect::<Result<_>>()?;
            times.sort_by(f64::total_cmp);
            per_row.push(times[times.len() / 2] / rows.len() as f64);
        }
        Ok(GroupCosts {
            per_row,
            source: format!(
                "measured on {}: each group alone, {} rows, median of {} repeats, {CLOCK}",
                self.executor.name(),
                rows.len(),
                self.repeats
            ),
        })
    }

    fn executor(&self) -> Option<Arc<dyn Executor>> {
        Some(self.executor.clone())
    }

    /// Each candidate's small part and the full pipeline, prepared on the engine and timed side
    /// by side on the first `rows` rows of the sample.
    fn serving_costs(
        &self,
        full: &Pipeline,
        small: &[CandidateParts],
        sample: &[Value],
    ) -> Result<Option<ServingCosts>> {
        let n = full.check_inputs(sample)?;
        let rows: Vec<usize> = (0..n.min(self.rows)).collect();
        let batch = sample.iter().map(|v| v.take_rows(&rows)).collect::<Result<Vec<_>>>()?;
        measure_serving(self.executor.as_ref(), full, small, &batch, self.repeats).map(Some)
    }
}

/// Costs recorded by an earlier training (its report's group costs and serving costs): training
/// again with the same seed and these costs makes the same choice, whatever the machine's load.
#[derive(Debug, Clone, PartialEq)]
pub struct RecordedCosts {
    /// The group costs.
    pub groups: GroupCosts,
    /// The serving costs, when the recording had them.
    pub serving: Option<ServingCosts>,
}

impl RecordedCosts {
    /// The costs a training report recorded.
    pub fn from_report(report: &super::report::CascadeReport) -> Self {
        RecordedCosts {
            groups: GroupCosts {
                per_row: report.groups.iter().map(|g| g.cost).collect(),
                source: format!("recorded ({})", report.cost_source),
            },
            serving: report.serving.clone(),
        }
    }
}

impl CostModel for RecordedCosts {
    fn group_costs(&self, pipeline: &Pipeline, groups: &FeatureGroups, sample: &[Value]) -> Result<GroupCosts> {
        let fixed = FixedCosts(self.groups.per_row.clone()).group_costs(pipeline, groups, sample)?;
        Ok(GroupCosts { source: self.groups.source.clone(), ..fixed })
    }

    fn serving_costs(
        &self,
        _full: &Pipeline,
        small: &[CandidateParts],
        _sample: &[Value],
    ) -> Result<Option<ServingCosts>> {
        let Some(serving) = &self.serving else { return Ok(None) };
        serving.check()?;
        if let Some(missing) = small.iter().map(|c| &c.selected).find(|s| serving.small_cost(s).is_none()) {
            return Err(Error::invalid(
                "RecordedCosts",
                "serving",
                format!("no small-part cost recorded for the group set {missing:?}"),
            ));
        }
        Ok(Some(serving.clone()))
    }
}

fn check_costs(c: &[f64]) -> Result<()> {
    if let Some(bad) = c.iter().find(|v| !v.is_finite() || **v < 0.0) {
        return Err(Error::invalid("costs", "costs", format!("costs must be finite and >= 0, found {bad}")));
    }
    if c.iter().sum::<f64>() <= 0.0 {
        return Err(Error::invalid("costs", "costs", "the total cost is zero"));
    }
    Ok(())
}

/// Costs scaled to integers summing to exactly `total` (largest remainder: each cost is rounded
/// down, then the units left go to the largest fractional parts, ties to the earlier group).
pub fn scale_costs(costs: &[f64], total: u32) -> Result<Vec<u32>> {
    check_costs(costs)?;
    let sum: f64 = costs.iter().sum();
    let exact: Vec<f64> = costs.iter().map(|c| c / sum * total as f64).collect();
    let mut out: Vec<u32> = exact.iter().map(|e| e.floor() as u32).collect();
    let left = total.saturating_sub(out.iter().sum());
    let mut order: Vec<usize> = (0..costs.len()).collect();
    order.sort_by(|&a, &b| (exact[b] - exact[b].floor()).total_cmp(&(exact[a] - exact[a].floor())).then(a.cmp(&b)));
    for &i in order.iter().take(left as usize) {
        out[i] += 1;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scaled_costs_sum_exactly() {
        assert_eq!(scale_costs(&[1.0, 1.0, 2.5], 1000).unwrap(), vec![222, 222, 556]);
        assert_eq!(scale_costs(&[1.0, 1.0, 1.0], 1000).unwrap(), vec![334, 333, 333]);
        assert_eq!(scale_costs(&[0.0, 3.0], 1000).unwrap(), vec![0, 1000]);
        assert!(scale_costs(&[0.0, 0.0], 1000).is_err());
        assert!(scale_costs(&[f64::NAN, 1.0], 1000).is_err());
        let s = scale_costs(&[1e-9, 3e-7, 2e-6, 5e-6], 1000).unwrap();
        assert_eq!(s.iter().sum::<u32>(), 1000);
    }
}
