//! Cascade training (DESIGN.md section 3): split, cost, importance, knapsack over budgets,
//! small-model fits, threshold search against the target, (guarded) certification on held-out
//! rows, final fits, rewrite.

use std::sync::{Arc, Mutex};
use std::time::Instant;

use ndarray::Array2;
use rayon::prelude::*;
use willump_ir::{FeatureGroups, ModelOutput, Op};

use super::bootstrap::{Interval, gain_standard_error, paired_gain_interval};
use super::cascade::{CascadePipeline, CascadePlan, PlanGroup, candidate_parts, with_full_model};
use super::config::{CascadeConfig, Guard, Strategy, ValidationSplit};
use super::cost::{CostModel, scale_costs};
use super::executor::{Executor, Interpreter};
use super::features::{columns_of, permute_group, select_columns};
use super::knapsack::knapsack;
use super::progress::Progress;
use super::report::{Candidate, CascadeReport, Certification, Measured};
use super::rows::{confidence, is_sure};
use super::score::Score;
use crate::error::{Error, Result};
use crate::models::{LogisticRegressionSpec, Model, ModelSpec, Penalty, Task};
use crate::pipeline::Pipeline;
use crate::rng::Rng;
use crate::state::BoundState;
use crate::value::{Matrix, MatrixRef, Value};

/// What training gives: the report, and the cascade unless it declined.
#[derive(Debug)]
pub struct CascadeOutcome {
    /// What was measured, tried and chosen.
    pub report: CascadeReport,
    /// The cascade, when one met the target (and, guarded, passed certification).
    pub cascade: Option<CascadePipeline>,
}

/// A candidate group set: the budget it came from, its groups, its small models' out-of-fold
/// probabilities on the validation rows, and the small model fit without the first fold.
struct SetFit {
    budget: f64,
    set: Vec<usize>,
    /// The factor of the full model's regularization the small model was fit with.
    factor: f64,
    small_val: Array2<f64>,
    model0: Arc<dyn Model>,
}

/// The served choice: the candidate, the full model and the small model.
type Served = (usize, Arc<dyn Model>, Arc<dyn Model>);

/// The scaled total cost of a pipeline.
const TOTAL: u32 = 1000;

/// Bootstrap resamples of the margin's standard error, for scores that are not means of per-row
/// terms (AUC, F1).
const MARGIN_RESAMPLES: usize = 200;

/// A stream seed derived from the training seed (each random step draws from its own stream, so
/// that the order steps run in, and the number of threads, change nothing).
fn stream(seed: u64, tag: u64, a: u64, b: u64) -> u64 {
    let mut h = crate::fingerprint::Fnv64::default();
    for v in [seed, tag, a, b] {
        h.write(&v.to_le_bytes());
    }
    h.finish()
}

/// The rows `rows` of a matrix.
fn rows_of(x: &Matrix, rows: &[usize]) -> Result<Matrix> {
    x.take_rows(rows)
}

fn gather(v: &[f64], rows: &[usize]) -> Vec<f64> {
    rows.iter().map(|&r| v[r]).collect()
}

/// `full` with the rows where `small` is sure at `threshold` replaced by `small`'s rows; returns
/// the mix and how many rows were replaced.
fn mix(small: &Array2<f64>, full: &Array2<f64>, conf: &[f64], threshold: f64) -> (Array2<f64>, usize) {
    let mut out = full.clone();
    let mut early = 0;
    for (i, &c) in conf.iter().enumerate() {
        if is_sure(c, threshold) {
            out.row_mut(i).assign(&small.row(i));
            early += 1;
        }
    }
    (out, early)
}

fn row_confidences(p: &Array2<f64>) -> Vec<f64> {
    p.rows().into_iter().map(|r| confidence(&r.to_vec())).collect()
}

/// Accuracy and (binary) AUC of probabilities.
fn accuracy_auc(y: &[f64], p: &Array2<f64>) -> Result<(f64, Option<f64>)> {
    let acc = Score::Accuracy.eval(y, p.view())?;
    let auc = if p.ncols() == 2 { Score::RocAuc.eval(y, p.view()).ok() } else { None };
    Ok((acc, auc))
}

/// The expected cost per row of a cascade whose selected groups cost `set_cost` (of `TOTAL`)
/// when a fraction `early` of rows stops at the small model.
fn expected_cost(strategy: Strategy, set_cost: u32, early: f64) -> f64 {
    let (s, t) = (set_cost as f64, TOTAL as f64);
    match strategy {
        Strategy::Reuse => s + (1.0 - early) * (t - s),
        Strategy::Recompute => s + (1.0 - early) * t,
    }
}

/// The parts of the training rows: the folds (each a fitting part and a validation part), the
/// validation rows of every fold in fold order, and the held-out rows (guarded mode).
struct Folds {
    folds: Vec<(Vec<usize>, Vec<usize>)>,
    valid: Vec<usize>,
    holdout: Vec<usize>,
}

impl Folds {
    fn new(labels: &[f64], config: &CascadeConfig) -> Result<Folds> {
        let n = labels.len();
        let hold_fraction = config.guard.as_ref().map_or(0.0, |g| g.holdout_fraction);
        let (folds, holdout) = match config.split {
            ValidationSplit::TimeOrdered => {
                // Oldest rows fit, the next validate, the latest are held out.
                let n_hold = (hold_fraction * n as f64).round() as usize;
                let n_val = (config.validation_fraction * n as f64).round() as usize;
                let n_fit = n.saturating_sub(n_hold + n_val);
                (vec![((0..n_fit).collect(), (n_fit..n_fit + n_val).collect())], (n_fit + n_val..n).collect())
            }
            ValidationSplit::Stratified if config.validation_folds == 1 => {
                let mut fractions = vec![config.validation_fraction];
                if config.guard.is_some() {
                    fractions.push(hold_fraction);
                }
                let mut parts = super::split::stratified(labels, &fractions, stream(config.seed, 2, 0, 0))?;
                let holdout = if parts.len() > 2 { parts.pop().unwrap_or_default() } else { Vec::new() };
                let valid = parts.pop().unwrap_or_default();
                (vec![(parts.pop().unwrap_or_default(), valid)], holdout)
            }
            ValidationSplit::Stratified => {
                let k = config.validation_folds;
                let share = (1.0 - hold_fraction) / k as f64;
                let mut fractions = vec![share; k - 1];
                if config.guard.is_some() {
                    fractions.push(hold_fraction);
                }
                let mut parts = super::split::stratified(labels, &fractions, stream(config.seed, 2, 0, 0))?;
                let holdout = if config.guard.is_some() { parts.pop().unwrap_or_default() } else { Vec::new() };
                let folds = (0..k)
                    .map(|i| {
                        let mut fit: Vec<usize> = parts
                            .iter()
                            .enumerate()
                            .filter(|(j, _)| *j != i)
                            .flat_map(|(_, p)| p.iter().copied())
                            .collect();
                        fit.sort_unstable();
                        (fit, parts[i].clone())
                    })
                    .collect();
                (folds, holdout)
            }
        };
        if folds.iter().any(|(fit, val)| fit.is_empty() || val.is_empty()) {
            return Err(Error::op("cascades", format!("too few rows ({n}) to fit and validate")));
        }
        let valid = folds.iter().flat_map(|(_, v)| v.iter().copied()).collect();
        Ok(Folds { folds, valid, holdout })
    }

    /// The factor on the small model's regularization when it is refit on `rows` rows, so that
    /// its penalty per row is that of the models validated on the folds (with
    /// [`CascadeConfig::refit_same_penalty`], else 1). Why: a logistic regression's penalty is
    /// `1 / (C n)` per row, so the same `C` on more rows gives larger weights and more confident
    /// answers than the validated models: more rows then pass the chosen threshold than
    /// validation saw, and the loss grows (on the text task, 20 seeds: 62% of test rows early
    /// and 14 seeds within the target with the same `C`, 59% and 15 with this scale).
    fn refit_scale(&self, rows: usize, config: &CascadeConfig) -> f64 {
        if !config.refit_same_penalty || rows == 0 {
            return 1.0;
        }
        let fit_rows = self.folds.iter().map(|(fit, _)| fit.len()).sum::<usize>() as f64 / self.folds.len() as f64;
        fit_rows / rows as f64
    }

    /// Every training row that is not held out, ascending.
    fn training(&self) -> Vec<usize> {
        let mut rows: Vec<usize> = self.folds[0].0.iter().chain(&self.folds[0].1).copied().collect();
        rows.sort_unstable();
        rows
    }

    /// The answers of `predict(fit rows, fold index)` on each fold's validation rows, stacked in
    /// fold order (the order of `valid`); folds in parallel, each deterministic.
    fn out_of_fold(&self, predict: impl Fn(&[usize], usize) -> Result<Array2<f64>> + Sync) -> Result<Array2<f64>> {
        let parts: Vec<Array2<f64>> =
            self.folds.par_iter().enumerate().map(|(k, (fit, _))| predict(fit, k)).collect::<Result<_>>()?;
        stack_rows(parts.iter().map(|p| p.view()).collect())
    }
}

/// Blocks of rows stacked vertically.
fn stack_rows(parts: Vec<ndarray::ArrayView2<'_, f64>>) -> Result<Array2<f64>> {
    ndarray::concatenate(ndarray::Axis(0), &parts).map_err(|e| Error::op("cascades", e.to_string()))
}

struct Problem {
    groups: FeatureGroups,
    spec: ModelSpec,
    output: ModelOutput,
    n_classes: usize,
}

fn problem(pipeline: &Pipeline, labels: &[f64], n: usize) -> Result<Problem> {
    let op = "cascades";
    if labels.len() != n {
        return Err(Error::invalid(op, "labels", format!("{} labels for {n} rows", labels.len())));
    }
    let groups = pipeline.feature_groups()?;
    if groups.groups.len() < 2 {
        return Err(Error::op(
            op,
            format!(
                "a cascade needs at least two feature groups; `{}` has {}",
                pipeline.graph().name,
                groups.groups.len()
            ),
        ));
    }
    if let Some(g) = groups.groups.iter().find(|g| g.columns.is_none()) {
        return Err(Error::op(op, format!("the width of feature group `{}` is only known at run time", g.name)));
    }
    let Op::Model { state, output } = pipeline.graph().node(groups.model).op else {
        return Err(Error::op(op, "the pipeline does not end in a model"));
    };
    let Some(BoundState::Model(model)) = pipeline.states().get(state.index()) else {
        return Err(Error::op(op, "the final model's state is not a model"));
    };
    let n_classes = match model.task() {
        Task::Binary => 2,
        Task::MultiClass { n_classes } => n_classes,
        Task::Regression => return Err(Error::op(op, "cascades need a classifier; the final model is a regression")),
    };
    if let Some(bad) = labels.iter().find(|y| !(y.fract() == 0.0 && **y >= 0.0 && **y < n_classes as f64)) {
        return Err(Error::invalid(op, "labels", format!("label {bad} is not a class of the model (0..{n_classes})")));
    }
    Ok(Problem { groups, spec: model.spec(), output, n_classes })
}

/// Trains a cascade for `pipeline` on row inputs `inputs` with labels `labels`, costing groups
/// with `costs` (see the module docs for the steps).
pub fn train_cascades(
    pipeline: &Pipeline,
    inputs: &[Value],
    labels: &[f64],
    costs: &dyn CostModel,
    config: &CascadeConfig,
) -> Result<CascadeOutcome> {
    config.check()?;
    let n = pipeline.check_inputs(inputs)?;
    let pb = problem(pipeline, labels, n)?;
    let ng = pb.groups.groups.len();
    let progress = Progress::new(config.progress, (ng + ng + config.budgets.len() + 2) as u64);

    // Costs, on a seeded calibration sample.
    progress.step("measuring group costs");
    let mut sample_rows = Rng::new(stream(config.seed, 1, 0, 0)).permutation(n);
    sample_rows.truncate(config.calibration_rows.max(1).min(n));
    sample_rows.sort_unstable();
    let sample = inputs.iter().map(|v| v.take_rows(&sample_rows)).collect::<Result<Vec<_>>>()?;
    let group_costs = costs.group_costs(pipeline, &pb.groups, &sample)?;
    let scaled = scale_costs(&group_costs.per_row, TOTAL)?;
    progress.done(ng as u64);

    // The model input for every row, and the split.
    progress.step("computing features");
    let x = into_matrix(pipeline.run_nodes(inputs, &[pb.groups.model_input])?.remove(0))?;
    let split = Folds::new(labels, config)?;
    let (valid, holdout) = (&split.valid, &split.holdout);
    let y_val = gather(labels, valid);

    // The full model without each fold, scored on that fold (out-of-fold answers of every
    // validation row, in `valid`'s order).
    progress.step("fitting the full model");
    let fulls: Vec<(Arc<dyn Model>, Matrix, Array2<f64>)> = split
        .folds
        .par_iter()
        .map(|(fit, val)| {
            let model: Arc<dyn Model> = Arc::from(pb.spec.fit(rows_of(&x, fit)?.view(), &gather(labels, fit))?);
            let x_val = rows_of(&x, val)?;
            let p = model.predict_proba(x_val.view())?;
            Ok((model, x_val, p))
        })
        .collect::<Result<_>>()?;
    let full_val = stack_rows(fulls.iter().map(|f| f.2.view()).collect())?;
    let full_score = config.score.eval(&y_val, full_val.view())?;
    let (full_accuracy, full_auc) = accuracy_auc(&y_val, &full_val)?;
    let allowed = config.target.allowed_loss(full_score);

    // Grouped permutation importance on validation.
    progress.step("permutation importance");
    // On the first fold, with the full model fit without it.
    let (full0, x_val0, p0) = &fulls[0];
    let y_val0 = gather(labels, &split.folds[0].1);
    let score0 = config.score.eval(&y_val0, p0.view())?;
    let importance = importances(&pb, full0.as_ref(), x_val0.view(), &y_val0, score0, config)?;
    progress.done(ng as u64);

    let mut plan_groups: Vec<PlanGroup> = pb
        .groups
        .groups
        .iter()
        .enumerate()
        .map(|(i, g)| PlanGroup {
            name: g.name.clone(),
            columns: g.columns.clone().unwrap_or_default(),
            cost: group_costs.per_row[i],
            scaled_cost: scaled[i],
            importance: importance[i],
            selected: false,
        })
        .collect();

    // Knapsack over budgets, a small model per distinct set (fit without each fold; the first
    // fold's model is kept to time the set's small part).
    let thresholds = config.thresholds_for(pb.n_classes);
    let mut sets: Vec<SetFit> = Vec::new();
    for &budget in &config.budgets {
        progress.step(format!("budget {:.0}%", budget * 100.0));
        let set = knapsack(&importance, &scaled, (budget * TOTAL as f64).round() as u32);
        progress.done(1);
        if set.is_empty() || set.len() == ng || sets.iter().any(|s| s.set == set) {
            continue;
        }
        let cols = columns_of(&set.iter().flat_map(|&i| plan_groups[i].columns.clone()).collect::<Vec<_>>());
        // The small model at each regularization factor; the least out-of-fold log loss wins.
        let mut best: Option<(f64, SetFit)> = None;
        for factor in regularization_factors(&pb.spec, &config.small_regularization) {
            let spec = small_spec(&pb.spec, factor);
            let first: Mutex<Option<Arc<dyn Model>>> = Mutex::new(None);
            let small_val = split.out_of_fold(|fit, k| {
                let small: Arc<dyn Model> =
                    Arc::from(spec.fit(select_columns(rows_of(&x, fit)?.view(), &cols)?.view(), &gather(labels, fit))?);
                let p = small.predict_proba(select_columns(fulls[k].1.view(), &cols)?.view())?;
                if k == 0 {
                    *first.lock().map_err(|_| Error::op("cascades", "a fit panicked"))? = Some(small);
                }
                Ok(p)
            })?;
            let model0 = first.into_inner().ok().flatten().ok_or_else(|| Error::op("cascades", "no small model"))?;
            let loss = Score::LogLoss.eval(&y_val, small_val.view())?;
            // a NaN loss (a degenerate fit) never beats a number
            if best.as_ref().is_none_or(|b| loss < b.0 || (b.0.is_nan() && !loss.is_nan())) {
                best = Some((loss, SetFit { budget, set: set.clone(), factor, small_val, model0 }));
            }
        }
        sets.push(best.ok_or_else(|| Error::op("cascades", "no small model"))?.1);
    }

    // The serving costs of every set's parts as served (small part; remaining part of a linear
    // full model) beside the full pipeline (recompute strategy, a cost model with an engine),
    // else the expected cost comes from the scaled group costs.
    let serving = match config.strategy {
        Strategy::Recompute if !sets.is_empty() => {
            let small = sets
                .iter()
                .map(|s| candidate_parts(pipeline, &pb.groups, &s.set, s.model0.clone()))
                .collect::<Result<Vec<_>>>()?;
            costs.serving_costs(pipeline, &small, &sample)?
        }
        _ => None,
    };

    // Thresholds of each set against the target.
    let mut candidates: Vec<Candidate> = Vec::new();
    for SetFit { budget, set, factor, small_val, .. } in &sets {
        let budget = *budget;
        let conf = row_confidences(small_val);
        let set_cost: u32 = set.iter().map(|&i| scaled[i]).sum();
        for &t in &thresholds {
            let (mixed, early) = mix(small_val, &full_val, &conf, t);
            let score = config.score.eval(&y_val, mixed.view())?;
            let (accuracy, auc) = accuracy_auc(&y_val, &mixed)?;
            let early_fraction = early as f64 / valid.len() as f64;
            let cost = match &serving {
                Some(sc) => sc.expected_cost(set, early_fraction, TOTAL as f64)?,
                None => expected_cost(config.strategy, set_cost, early_fraction),
            };
            let interval = match &config.guard {
                Some(g) => Some(paired_gain_interval(
                    config.score,
                    &y_val,
                    mixed.view(),
                    full_val.view(),
                    g.confidence,
                    g.resamples,
                    stream(config.seed, 4, candidates.len() as u64, 0),
                )?),
                None => None,
            };
            let gain = config.score.gain(score, full_score);
            // The noise-aware margin (plain mode): only candidates that pass on the point
            // estimate need their standard error.
            let standard_error =
                (config.guard.is_none() && config.margin > 0.0 && early > 0 && gain >= -allowed).then(|| {
                    gain_standard_error(
                        config.score,
                        &y_val,
                        mixed.view(),
                        full_val.view(),
                        MARGIN_RESAMPLES,
                        stream(config.seed, 6, candidates.len() as u64, 0),
                    )
                });
            let accepted = early > 0
                && match &interval {
                    Some(iv) => iv.lower >= -allowed,
                    None => gain - config.margin * standard_error.unwrap_or(0.0) >= -allowed,
                };
            candidates.push(Candidate {
                budget,
                selected: set.clone(),
                set_cost,
                small_regularization: *factor,
                threshold: t,
                score,
                accuracy,
                auc,
                early_fraction,
                expected_cost: cost,
                predicted_speedup: TOTAL as f64 / cost,
                interval,
                standard_error,
                accepted,
            });
        }
    }

    // Accepted candidates, best first: least expected cost, then the best score, then the lowest
    // threshold (Willump's grid order), then the earliest budget.
    let mut order: Vec<usize> = (0..candidates.len()).filter(|&i| candidates[i].accepted).collect();
    order.sort_by(|&a, &b| {
        let (ca, cb) = (&candidates[a], &candidates[b]);
        ca.expected_cost
            .total_cmp(&cb.expected_cost)
            .then(config.score.gain(cb.score, ca.score).total_cmp(&0.0))
            .then(ca.threshold.total_cmp(&cb.threshold))
            .then(a.cmp(&b))
    });

    let mut report = CascadeReport {
        pipeline: pipeline.graph().name.clone(),
        score: config.score,
        target: config.target,
        seed: config.seed,
        guarded: config.guard.is_some(),
        rows: [split.folds[0].0.len(), valid.len(), holdout.len()],
        validation_folds: split.folds.len(),
        cost_source: group_costs.source.clone(),
        groups: Vec::new(),
        serving,
        full_score,
        full_accuracy,
        full_auc,
        allowed_loss: allowed,
        candidates: Vec::new(),
        chosen: None,
        certifications: Vec::new(),
        declined: None,
        measured: None,
        ir_before: pipeline.ir_text(),
        ir_after: None,
    };

    // The served models: refit on all rows (plain), or certified on the held-out rows (guarded).
    progress.step("final fits");
    let served = if order.is_empty() {
        report.declined = Some(if candidates.is_empty() {
            "no cost budget selected a proper subset of the feature groups (importances all <= 0, or one group \
             costs more than the largest budget)"
                .into()
        } else {
            format!(
                "no candidate met the target on the validation rows (allowed loss {allowed:.5} of {} {full_score:.5}{})",
                config.score.name(),
                if config.guard.is_some() { ", judged by the bootstrap lower bound" } else { "" }
            )
        });
        None
    } else {
        match &config.guard {
            None => {
                let all: Vec<usize> = (0..n).collect();
                let best = order[0];
                let full_final: Arc<dyn Model> = Arc::from(pb.spec.fit(x.view(), labels)?);
                let scale = split.refit_scale(all.len(), config);
                let small_final = fit_small(&pb.spec, &x, labels, &all, &plan_groups, &candidates[best], scale)?;
                Some((best, full_final, small_final))
            }
            Some(guard) => certify(
                &pb,
                &x,
                labels,
                &split.training(),
                holdout,
                &plan_groups,
                &candidates,
                &order,
                guard,
                config,
                split.refit_scale(split.training().len(), config),
                &mut report,
            )?,
        }
    };
    progress.done(1);

    let Some((best, full_final, small_final)) = served else {
        report.groups = plan_groups;
        report.candidates = candidates;
        progress.finish();
        return Ok(CascadeOutcome { report, cascade: None });
    };
    for &i in &candidates[best].selected {
        plan_groups[i].selected = true;
    }
    let plan = CascadePlan {
        groups: plan_groups.clone(),
        selected: candidates[best].selected.clone(),
        threshold: candidates[best].threshold,
        output: pb.output,
        cost_source: group_costs.source.clone(),
        score: config.score,
        target: config.target,
        seed: config.seed,
        certified: config.guard.is_some(),
    };
    let original = with_full_model(pipeline, full_final)?;
    let cascade = CascadePipeline::assemble(original, small_final, plan)?;
    report.chosen = Some(best);
    report.ir_after = Some(cascade.ir_text());
    report.groups = plan_groups;
    report.candidates = candidates;

    if config.measure_rows > 0 {
        progress.step("measuring the speed-up");
        let executor: Arc<dyn Executor> = costs.executor().unwrap_or_else(|| Arc::new(Interpreter));
        let pool: &[usize] = if holdout.is_empty() { &split.folds[0].1 } else { holdout };
        let rows: Vec<usize> = pool.iter().copied().take(config.measure_rows).collect();
        let batch = inputs.iter().map(|v| v.take_rows(&rows)).collect::<Result<Vec<_>>>()?;
        let measured = measure(&cascade, executor.as_ref(), &batch)?;
        let enforced = config.min_speedup.filter(|_| costs.executor().is_some());
        // The final models were refit on these rows, so they answer more of them early than they
        // will answer new rows: with serving costs measured on the engine, the speed-up predicted
        // from the out-of-fold early fraction must pass too.
        let predicted = report.serving.as_ref().map(|_| report.candidates[best].predicted_speedup);
        if let Some(min) = enforced
            && below_min_speedup(min, measured.speedup, predicted)
        {
            report.declined = Some(format!(
                "the chosen cascade measured {:.2}x the full pipeline's speed on {} validation rows of the {} engine \
                 ({:.1}% answered early){}, below min_speedup {min}",
                measured.speedup,
                measured.rows,
                measured.engine,
                measured.early_fraction * 100.0,
                predicted.map_or(String::new(), |p| format!(
                    " and is predicted {p:.2}x from the serving costs and the out-of-fold early fraction ({:.1}%)",
                    report.candidates[best].early_fraction * 100.0
                ))
            ));
            report.measured = Some(measured);
            progress.done(1);
            progress.finish();
            return Ok(CascadeOutcome { report, cascade: None });
        }
        report.measured = Some(measured);
    }
    progress.done(1);
    progress.finish();
    Ok(CascadeOutcome { report, cascade: Some(cascade) })
}

/// Whether a cascade fails `min_speedup`: its measured speed-up (on rows its final models were
/// fit on) or, when serving costs were measured, its speed-up predicted from them and the
/// out-of-fold early fraction, is below `min`.
fn below_min_speedup(min: f64, measured: f64, predicted: Option<f64>) -> bool {
    measured < min || predicted.is_some_and(|p| p < min)
}

/// A model-input value as a matrix (a numeric column is one dense feature).
fn into_matrix(v: Value) -> Result<Matrix> {
    Ok(match v {
        Value::Sparse(m) => Matrix::Sparse(m),
        Value::Dense(d) => Matrix::Dense(d),
        Value::Column(c) => {
            let values = crate::value::numeric_values(&c, "cascades", "model input")?;
            let n = values.len();
            Matrix::Dense(Array2::from_shape_vec((n, 1), values).map_err(|e| Error::op("cascades", e.to_string()))?)
        }
        other => {
            return Err(Error::invalid(
                "cascades",
                "model input",
                format!("a {} is not a feature block", other.ir_type()),
            ));
        }
    })
}

/// Importance of each group: the mean score drop over `repeats` seeded permutations of the
/// group's columns across the validation rows (groups in parallel; each permutation has its own
/// seed, so the result does not depend on the thread count).
fn importances(
    pb: &Problem,
    full: &dyn Model,
    x_val: MatrixRef<'_>,
    y_val: &[f64],
    full_score: f64,
    config: &CascadeConfig,
) -> Result<Vec<f64>> {
    let k = x_val.n_cols();
    let n = x_val.n_rows();
    (0..pb.groups.groups.len())
        .into_par_iter()
        .map(|g| {
            let mut in_group = vec![false; k];
            for r in pb.groups.groups[g].columns.iter().flatten() {
                in_group[r.clone()].iter_mut().for_each(|b| *b = true);
            }
            let mut total = 0.0;
            for r in 0..config.importance_repeats {
                let perm = Rng::new(stream(config.seed, 3, g as u64, r as u64)).permutation(n);
                let xp = permute_group(x_val, &in_group, &perm)?;
                let s = config.score.eval(y_val, full.predict_proba(xp.view())?.view())?;
                total += config.score.gain(full_score, s);
            }
            Ok(total / config.importance_repeats as f64)
        })
        .collect()
}

/// Fits `candidate`'s small model (its groups' columns, its regularization factor times
/// `refit_scale`) on `rows` of `x`.
fn fit_small(
    spec: &ModelSpec,
    x: &Matrix,
    labels: &[f64],
    rows: &[usize],
    groups: &[PlanGroup],
    candidate: &Candidate,
    refit_scale: f64,
) -> Result<Arc<dyn Model>> {
    let cols = columns_of(&candidate.selected.iter().flat_map(|&i| groups[i].columns.clone()).collect::<Vec<_>>());
    let xs = select_columns(rows_of(x, rows)?.view(), &cols)?;
    let spec = small_spec(spec, candidate.small_regularization * refit_scale);
    Ok(Arc::from(spec.fit(xs.view(), &gather(labels, rows))?))
}

/// The regularization factors worth trying for the small model of a full model fit with `spec`:
/// `factors` for a penalized logistic regression, `[1]` for a model without such a parameter.
fn regularization_factors(spec: &ModelSpec, factors: &[f64]) -> Vec<f64> {
    match spec {
        ModelSpec::LogisticRegression(s) if s.penalty != Penalty::None => factors.to_vec(),
        _ => vec![1.0],
    }
}

/// `spec` with its regularization scaled by `factor` (a logistic regression's `C` times it).
fn small_spec(spec: &ModelSpec, factor: f64) -> ModelSpec {
    match spec {
        ModelSpec::LogisticRegression(s) if factor != 1.0 => {
            ModelSpec::LogisticRegression(LogisticRegressionSpec { c: s.c * factor, ..s.clone() })
        }
        _ => spec.clone(),
    }
}

/// Guarded mode: fits the small model on the training rows other than the held-out ones (the held-out rows take
/// no part in choosing or fitting it) and the full model on the same rows (or, with
/// [`Guard::full_model_on_all_rows`], on every row), then certifies candidates cheapest first,
/// each with a paired bootstrap on the held-out rows at the Bonferroni-adjusted level. The first
/// candidate that passes is served with exactly the models certified.
#[allow(clippy::too_many_arguments)]
fn certify(
    pb: &Problem,
    x: &Matrix,
    labels: &[f64],
    train: &[usize],
    holdout: &[usize],
    groups: &[PlanGroup],
    candidates: &[Candidate],
    order: &[usize],
    guard: &Guard,
    config: &CascadeConfig,
    refit_scale: f64,
    report: &mut CascadeReport,
) -> Result<Option<Served>> {
    // With `full_model_on_all_rows` the held-out rows are in-sample for the full model, which
    // favours it over the cascade (a fitted model is, in expectation, at least as accurate on its
    // own training rows): the certificate errs on the safe side.
    let full: Arc<dyn Model> = if guard.full_model_on_all_rows {
        Arc::from(pb.spec.fit(x.view(), labels)?)
    } else {
        Arc::from(pb.spec.fit(rows_of(x, train)?.view(), &gather(labels, train))?)
    };
    let x_hold = rows_of(x, holdout)?;
    let y_hold = gather(labels, holdout);
    let full_hold = full.predict_proba(x_hold.view())?;
    let full_score = config.score.eval(&y_hold, full_hold.view())?;
    let allowed = config.target.allowed_loss(full_score);
    let level = 1.0 - (1.0 - guard.confidence) / guard.max_certified as f64;
    let mut last: Option<Interval> = None;
    for (attempt, &c) in order.iter().take(guard.max_certified).enumerate() {
        let cand = &candidates[c];
        let small = fit_small(&pb.spec, x, labels, train, groups, cand, refit_scale)?;
        let cols = columns_of(&cand.selected.iter().flat_map(|&i| groups[i].columns.clone()).collect::<Vec<_>>());
        let small_hold = small.predict_proba(select_columns(x_hold.view(), &cols)?.view())?;
        let (mixed, _) = mix(&small_hold, &full_hold, &row_confidences(&small_hold), cand.threshold);
        let cascade_score = config.score.eval(&y_hold, mixed.view())?;
        let interval = paired_gain_interval(
            config.score,
            &y_hold,
            mixed.view(),
            full_hold.view(),
            level,
            guard.resamples,
            stream(config.seed, 5, attempt as u64, 0),
        )?;
        let passed = interval.lower >= -allowed;
        report.certifications.push(Certification {
            candidate: c,
            rows: holdout.len(),
            full_score,
            cascade_score,
            interval,
            allowed_loss: allowed,
            passed,
        });
        if passed {
            return Ok(Some((c, full, small)));
        }
        last = Some(interval);
    }
    let iv = last.expect("at least one candidate was certified");
    report.declined = Some(format!(
        "no candidate passed certification on {} held-out rows: the best lower bound of the gain was {:.5} at {:.1}% \
         confidence, below the allowed loss -{allowed:.5}",
        holdout.len(),
        report.certifications.iter().map(|c| c.interval.lower).fold(f64::NEG_INFINITY, f64::max),
        iv.confidence * 100.0
    ));
    Ok(None)
}

/// Times the full pipeline and the served cascade on `batch` (median of 3 runs each, after one
/// warm-up), side by side.
fn measure(cascade: &CascadePipeline, executor: &dyn Executor, batch: &[Value]) -> Result<Measured> {
    let full_out = cascade.full_pipeline().graph().output().ok_or_else(|| Error::Ir("no output".into()))?;
    let full = executor.prepare(cascade.full_pipeline(), &[full_out])?;
    let served = cascade.serve(executor)?;
    let rows = batch.first().and_then(Value::n_rows).unwrap_or(0);
    full.run(batch, None)?;
    served.predict(batch)?;
    let (mut tf, mut tc) = (Vec::new(), Vec::new());
    let mut early = 0.0;
    for _ in 0..3 {
        let t = Instant::now();
        full.run(batch, None)?;
        tf.push(t.elapsed().as_secs_f64());
        let t = Instant::now();
        let p = served.predict(batch)?;
        tc.push(t.elapsed().as_secs_f64());
        early = p.early.iter().filter(|&&e| e).count() as f64 / rows.max(1) as f64;
    }
    cascade.stats().reset();
    tf.sort_by(f64::total_cmp);
    tc.sort_by(f64::total_cmp);
    Ok(Measured {
        engine: executor.name(),
        rows,
        full_seconds: tf[1],
        cascade_seconds: tc[1],
        speedup: tf[1] / tc[1],
        early_fraction: early,
    })
}

#[cfg(test)]
mod tests {
    use super::below_min_speedup;

    #[test]
    fn min_speedup_needs_the_measured_and_the_predicted_speed_up() {
        assert!(!below_min_speedup(1.0, 1.4, None));
        assert!(!below_min_speedup(1.0, 1.4, Some(1.2)));
        assert!(below_min_speedup(1.0, 1.4, Some(0.9)), "an in-sample measurement alone must not pass");
        assert!(below_min_speedup(1.0, 0.8, Some(1.5)));
        assert!(below_min_speedup(1.0, 0.8, None));
        assert!(!below_min_speedup(1.0, 1.0, Some(1.0)));
    }
}
