//! Serving a cascade whose full model is linear without computing the selected groups twice.
//!
//! A linear model's decision is a sum over its input columns, so it splits exactly along the
//! feature groups: `decision = partial(selected columns) + remaining(other columns)`. The small
//! part computes the selected groups for every row anyway; it also scores the full model's
//! weights of those columns (intercept 0) over the same small input block, which a compiler fuses
//! into the same scan as the small model. An unsure row then computes only the remaining groups,
//! scored with the full model's other weights and its intercept; the two decisions are added and
//! the model's own link ([`binary_proba`], [`softmax_rows`], [`predictions_of_scores`]) turns
//! the sum into the pipeline's output.
//!
//! Exactness: the sum is the same terms in another order, so the answers differ from the full
//! model's by floating-point rounding only (a relative 1e-12 on the decision is far above it; a
//! predicted class can differ only when the full decision is within rounding of a tie).
//!
//! Which models: [`LogisticRegression`] (binary and multi-class) and [`LinearRegression`], the
//! built-in classes whose `predict_proba` / `predict` are the default ones over their decision
//! (so the link applied here is the model's). Any other model (trees, a user's model) returns
//! `None` and the cascade is served by recomputing the full pipeline on the unsure rows.

use std::sync::Arc;

use ndarray::{Array2, Axis, concatenate, s};
use willump_ir::{FeatureGroups, ModelOutput, NodeId, Op, StateDecl, selected_columns, split_graphs};

use super::cascade::small_spec;
use crate::error::{Error, Result};
use crate::models::{
    LinearParams, LinearRegression, Link, LogisticRegression, Model, ModelSpec, ModelStructure, SavedModel, Task,
    binary_proba, predictions_of_scores, softmax_rows,
};
use crate::pipeline::Pipeline;
use crate::state::BoundState;
use crate::value::{Column, MatrixRef, Value};

const STACKED: &str = "stacked_linear";

/// Several linear models over the same input scored as one: its raw scores are theirs side by
/// side (the small model's, then the full model's partial ones). A compiler scores all of them
/// in one pass over the input (one text scan per vectorizer, where two models would scan twice).
/// Built at serve time from the cascade's models, never saved. Its task is `MultiClass` with one
/// "class" per output only so that the scores have that many columns: only its raw scores mean
/// anything.
#[derive(Debug)]
struct StackedLinear {
    params: LinearParams,
    fm: Vec<f64>,
    spec: ModelSpec,
}

impl Model for StackedLinear {
    fn name(&self) -> &'static str {
        STACKED
    }

    fn task(&self) -> Task {
        self.params.task
    }

    fn n_features(&self) -> usize {
        self.params.weights.ncols()
    }

    fn decision_function(&self, x: MatrixRef<'_>) -> Result<Array2<f64>> {
        self.params.decision(STACKED, &self.fm, x)
    }

    fn structure(&self) -> ModelStructure<'_> {
        ModelStructure::Linear {
            weights: self.params.weights.view(),
            intercepts: &self.params.intercepts,
            link: Link::Identity,
        }
    }

    fn spec(&self) -> ModelSpec {
        self.spec.clone()
    }

    fn to_saved(&self) -> Result<SavedModel> {
        Err(Error::op(STACKED, "derived from a cascade's models when it is served; never saved"))
    }
}

/// The two pipelines of a split cascade and how to read their scores.
#[derive(Clone)]
pub(crate) struct SplitParts {
    /// The small part: the selected groups into the stacked scores (its graph's output).
    pub small: Pipeline,
    /// The remaining groups into the remaining decision (the full intercept included): its
    /// graph's output.
    pub remaining: Pipeline,
    /// Turns the scores into answers.
    pub link: SplitLink,
}

/// What turns a split cascade's scores into answers: the small model (its link, its number of
/// scores) and the full model (its link, the pipeline's output kind).
#[derive(Clone)]
pub(crate) struct SplitLink {
    small: Arc<dyn Model>,
    full: Arc<dyn Model>,
    output: ModelOutput,
}

/// The final model of `p` and what the pipeline outputs from it.
pub(crate) fn final_model(p: &Pipeline) -> Result<(Arc<dyn Model>, ModelOutput)> {
    let g = p.graph();
    let out = g.output().ok_or_else(|| Error::Ir("the graph has no output".into()))?;
    match &g.node(out).op {
        Op::Model { state, output } => match p.states().get(state.index()) {
            Some(BoundState::Model(m)) => Ok((m.clone(), *output)),
            _ => Err(Error::Ir("the final model's state is not a model".into())),
        },
        op => Err(Error::Ir(format!("the output is `{}`, not a model", op.name()))),
    }
}

/// The parameters of a built-in linear model (`None` for any other model).
fn linear_params(m: &dyn Model) -> Option<LinearParams> {
    match m.to_saved() {
        Ok(SavedModel::LogisticRegression { params, .. } | SavedModel::LinearRegression { params, .. }) => Some(params),
        _ => None,
    }
}

/// `full` with the parameters `p` (same class and hyper-parameters).
fn same_class(full: &dyn Model, p: LinearParams) -> Result<Arc<dyn Model>> {
    Ok(match full.to_saved()? {
        SavedModel::LogisticRegression { spec, n_iter, converged, .. } => {
            Arc::new(LogisticRegression::new(spec, p, n_iter, converged)?)
        }
        SavedModel::LinearRegression { spec, .. } => Arc::new(LinearRegression::new(spec, p)?),
        SavedModel::Gbdt { .. } => return Err(Error::Ir("not a linear model".into())),
    })
}

/// The split cascade of `original` on the `selected` groups with the small model `small`, when
/// the full and small models are built-in linear classes and every group's width is known;
/// `None` otherwise (the cascade is then served by recomputing).
pub(crate) fn split_parts(
    original: &Pipeline,
    groups: &FeatureGroups,
    selected: &[usize],
    small: Arc<dyn Model>,
) -> Result<Option<SplitParts>> {
    let (full, output) = final_model(original)?;
    let (Some(cols), Some(fp), Some(sp)) =
        (selected_columns(groups, selected), linear_params(&*full), linear_params(&*small))
    else {
        return Ok(None);
    };
    let d = fp.weights.ncols();
    if sp.weights.ncols() != cols.len() || cols.iter().any(|&c| c >= d) {
        return Err(Error::Ir(format!(
            "the small model reads {} columns, the selected groups have {} of the full model's {d}",
            sp.weights.ncols(),
            cols.len()
        )));
    }
    let mut is_selected = vec![false; d];
    cols.iter().for_each(|&c| is_selected[c] = true);
    let rest: Vec<usize> = (0..d).filter(|&c| !is_selected[c]).collect();
    // the small model's scores, then the full model's over the selected columns (intercept 0)
    let partial = fp.weights.select(Axis(1), &cols);
    let weights =
        concatenate(Axis(0), &[sp.weights.view(), partial.view()]).map_err(|e| Error::op(STACKED, e.to_string()))?;
    let mut intercepts = sp.intercepts.clone();
    intercepts.extend(std::iter::repeat_n(0.0, fp.intercepts.len()));
    let params = LinearParams { task: Task::MultiClass { n_classes: intercepts.len() }, weights, intercepts };
    params.validate(STACKED)?;
    let stacked: Arc<dyn Model> = Arc::new(StackedLinear { fm: params.feature_major(), params, spec: small.spec() });
    let remaining = same_class(
        &*full,
        LinearParams { task: fp.task, weights: fp.weights.select(Axis(1), &rest), intercepts: fp.intercepts.clone() },
    )?;
    let (spec, small_states) = small_spec(original, stacked, selected.to_vec(), 1.0);
    let bound = BoundState::Model(remaining);
    let decl = StateDecl { name: "model.remaining".into(), kind: bound.kind(), fingerprint: bound.fingerprint() };
    let split = split_graphs(original.graph(), groups, &spec, decl).map_err(|e| Error::Ir(e.to_string()))?;
    let mut remaining_states = original.states().to_vec();
    remaining_states.push(bound);
    Ok(Some(SplitParts {
        small: Pipeline::new(split.small, small_states)?,
        remaining: Pipeline::new(split.remaining, remaining_states)?,
        link: SplitLink { small, full, output },
    }))
}

/// The output node of a part.
pub(crate) fn output_of(p: &Pipeline) -> Result<NodeId> {
    p.graph().output().ok_or_else(|| Error::Ir(format!("`{}` has no output", p.graph().name)))
}

/// The small part's answers from its stacked scores.
pub(crate) struct SmallAnswers {
    /// The small model's class probabilities (their confidence picks the unsure rows).
    pub proba: Array2<f64>,
    /// The small model's answer, of the pipeline's output kind.
    pub answer: Value,
    /// The full model's partial decision over the selected columns, every row.
    pub partial: Array2<f64>,
}

impl SplitLink {
    /// Splits the stacked scores and applies the small model's link.
    pub(crate) fn small_answers(&self, stacked: Value) -> Result<SmallAnswers> {
        let Value::Dense(scores) = stacked else {
            return Err(Error::op("cascade", "the small part did not return dense scores"));
        };
        let k = self.small.task().n_outputs();
        if scores.ncols() != k + self.full.task().n_outputs() {
            return Err(Error::op(
                "cascade",
                format!("{} stacked scores, expected {k} + the full model's", scores.ncols()),
            ));
        }
        let small = scores.slice(s![.., ..k]).to_owned();
        let partial = scores.slice(s![.., k..]).to_owned();
        let proba = match self.small.task() {
            Task::Binary => binary_proba(&small),
            Task::MultiClass { .. } => softmax_rows(small.clone()),
            Task::Regression => return Err(Error::op(self.small.name(), "a cascade needs a classifier")),
        };
        let answer = match self.output {
            ModelOutput::Proba => Value::Dense(proba.clone()),
            other => answer_of_scores(&*self.small, small, other)?,
        };
        Ok(SmallAnswers { proba, answer, partial })
    }

    /// The full model's answer for the unsure rows: their remaining decision (`remaining`, one
    /// row per unsure row) plus their partial decision (rows `unsure` of `partial`), through the
    /// model's link into the pipeline's output kind.
    pub(crate) fn full_answer(&self, remaining: Value, partial: &Array2<f64>, unsure: &[usize]) -> Result<Value> {
        let Value::Dense(mut scores) = remaining else {
            return Err(Error::op("cascade", "the remaining part did not return a dense decision"));
        };
        if scores.nrows() != unsure.len() || scores.ncols() != partial.ncols() {
            return Err(Error::op(
                "cascade",
                format!(
                    "remaining decision {}x{} for {} unsure rows, partial decision {} columns",
                    scores.nrows(),
                    scores.ncols(),
                    unsure.len(),
                    partial.ncols()
                ),
            ));
        }
        for (mut row, &r) in scores.rows_mut().into_iter().zip(unsure) {
            row.iter_mut().zip(partial.row(r)).for_each(|(s, p)| *s += p);
        }
        answer_of_scores(&*self.full, scores, self.output)
    }
}

/// A model's output of kind `output` from its raw scores, as the model computes it.
fn answer_of_scores(model: &dyn Model, scores: Array2<f64>, output: ModelOutput) -> Result<Value> {
    let task = model.task();
    Ok(match output {
        ModelOutput::Raw => Value::Dense(scores),
        ModelOutput::Predict => Value::Column(Column::F64(predictions_of_scores(task, &scores).into())),
        ModelOutput::Proba => Value::Dense(match task {
            Task::Binary => binary_proba(&scores),
            Task::MultiClass { .. } => softmax_rows(scores),
            Task::Regression => return Err(Error::op(model.name(), "predict_proba on a regression model")),
        }),
    })
}
