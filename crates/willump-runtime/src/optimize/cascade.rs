//! [`CascadePipeline`]: a pipeline rewritten into cascade form, bound to its small and full
//! models. It runs on the interpreter as it is (the cascade graph is ordinary dataflow), or on
//! any [`Executor`] through [`CascadePipeline::serve`]; both count how many rows the small model
//! answered (atomic counters, shared by every clone and served copy). Served with a linear full
//! model, the unsure rows compute only the remaining groups (module `linear_split`); with any
//! other model they run the whole original pipeline.

use std::ops::Range;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use serde::{Deserialize, Serialize};
use willump_ir::{
    CascadeNodes, CascadeSpec, FeatureGroups, Graph, ModelOutput, NodeId, Op, StateDecl, cascade_graph, small_graph,
};

use super::executor::{Executor, Prepared, run_on_rows};
use super::linear_split;
use super::rows;
use super::score::{Score, Target};
use super::serving::CandidateParts;
use crate::error::{Error, Result};
use crate::interp;
use crate::models::Model;
use crate::pipeline::Pipeline;
use crate::state::BoundState;
use crate::value::Value;

/// One feature group as the plan records it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlanGroup {
    /// The group's name.
    pub name: String,
    /// Its model-input columns.
    pub columns: Vec<Range<usize>>,
    /// Its cost per row as measured (or given).
    pub cost: f64,
    /// Its cost scaled to the integers summing to 1,000.
    pub scaled_cost: u32,
    /// Its importance (score drop when permuted).
    pub importance: f64,
    /// Whether the small model reads it.
    pub selected: bool,
}

/// What was chosen, stored explicitly (not just the budget it came from).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CascadePlan {
    /// The feature groups, in column order.
    pub groups: Vec<PlanGroup>,
    /// Indices of the selected groups.
    pub selected: Vec<usize>,
    /// Rows whose small-model confidence is at least this keep the small answer.
    pub threshold: f64,
    /// What the pipeline outputs.
    pub output: ModelOutput,
    /// How the costs were obtained.
    pub cost_source: String,
    /// The score and target the cascade was chosen for.
    pub score: Score,
    /// The target.
    pub target: Target,
    /// The seed of training.
    pub seed: u64,
    /// Whether the served models were certified on held-out rows (guarded mode).
    pub certified: bool,
}

/// How many rows each path answered.
#[derive(Debug, Default)]
pub struct CascadeStats {
    early: AtomicU64,
    full: AtomicU64,
}

/// A snapshot of [`CascadeStats`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct CascadeCounts {
    /// Rows answered by the small model alone.
    pub early: u64,
    /// Rows that went on to the full model.
    pub full: u64,
}

impl CascadeCounts {
    /// The fraction of rows answered early (0 when no row was answered).
    pub fn early_fraction(&self) -> f64 {
        let n = self.early + self.full;
        if n == 0 { 0.0 } else { self.early as f64 / n as f64 }
    }
}

impl CascadeStats {
    fn record(&self, early: usize, full: usize) {
        self.early.fetch_add(early as u64, Ordering::Relaxed);
        self.full.fetch_add(full as u64, Ordering::Relaxed);
    }

    /// The counts so far.
    pub fn counts(&self) -> CascadeCounts {
        CascadeCounts { early: self.early.load(Ordering::Relaxed), full: self.full.load(Ordering::Relaxed) }
    }

    /// Sets both counts to zero.
    pub fn reset(&self) {
        self.early.store(0, Ordering::Relaxed);
        self.full.store(0, Ordering::Relaxed);
    }
}

/// A cascade's answer for a batch.
#[derive(Debug, Clone)]
pub struct CascadePrediction {
    /// The answer, of the original pipeline's output type, in row order.
    pub value: Value,
    /// For each row, whether the small model answered it (without the remaining groups).
    pub early: Vec<bool>,
}

/// A pipeline in cascade form.
#[derive(Clone)]
pub struct CascadePipeline {
    original: Pipeline,
    small: Pipeline,
    small_nodes: CascadeNodes,
    cascade: Pipeline,
    nodes: CascadeNodes,
    /// Values computed on every row that the full branch takes at the unsure rows.
    reused: Vec<NodeId>,
    plan: CascadePlan,
    stats: Arc<CascadeStats>,
}

impl std::fmt::Debug for CascadePipeline {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CascadePipeline").field("plan", &self.plan).finish_non_exhaustive()
    }
}

/// Counts a batch's paths and marks its early rows.
fn finish(stats: &CascadeStats, n: usize, unsure: &[usize], value: Value) -> CascadePrediction {
    stats.record(n - unsure.len(), unsure.len());
    let mut early = vec![true; n];
    for &r in unsure {
        early[r] = false;
    }
    CascadePrediction { value, early }
}

/// The graph of `p` with state `id`'s declaration replaced (kind and fingerprint of a new value).
pub(crate) fn redeclare(g: &Graph, id: usize, decl: StateDecl) -> Result<Graph> {
    let mut states = g.states().to_vec();
    states[id] = decl;
    Graph::from_parts(g.name.clone(), states, g.nodes().to_vec(), g.output()).map_err(|e| Error::Ir(e.to_string()))
}

/// `p` with its final model replaced by `model` (same class and shape).
pub(crate) fn with_full_model(p: &Pipeline, model: Arc<dyn Model>) -> Result<Pipeline> {
    let out = p.graph().output().ok_or_else(|| Error::Ir("the graph has no output".into()))?;
    let Op::Model { state, .. } = p.graph().node(out).op else {
        return Err(Error::Ir("the pipeline does not end in a model".into()));
    };
    let bound = BoundState::Model(model);
    let old = p.graph().state(state);
    let decl = StateDecl { name: old.name.clone(), kind: bound.kind(), fingerprint: bound.fingerprint() };
    let graph = redeclare(p.graph(), state.index(), decl)?;
    let mut states = p.states().to_vec();
    states[state.index()] = bound;
    Pipeline::new(graph, states)
}

/// The cascade spec of `small` reading the `selected` groups, and the states of a rewritten
/// graph (the original ones, then the small model).
pub(crate) fn small_spec(
    original: &Pipeline,
    small: Arc<dyn Model>,
    selected: Vec<usize>,
    threshold: f64,
) -> (CascadeSpec, Vec<BoundState>) {
    let bound = BoundState::Model(small);
    let small_model = StateDecl { name: "model.small".into(), kind: bound.kind(), fingerprint: bound.fingerprint() };
    let mut states = original.states().to_vec();
    states.push(bound);
    (CascadeSpec { selected, threshold, small_model }, states)
}

/// The small part alone (the `selected` groups of `original` into `small`'s probabilities), as
/// a served cascade runs it on every row: what the optimizer times per candidate set.
pub(crate) fn small_part(
    original: &Pipeline,
    groups: &FeatureGroups,
    selected: &[usize],
    small: Arc<dyn Model>,
) -> Result<Pipeline> {
    let (spec, states) = small_spec(original, small, selected.to_vec(), 1.0);
    let (g, _) = small_graph(original.graph(), groups, &spec).map_err(|e| Error::Ir(e.to_string()))?;
    Pipeline::new(g, states)
}

/// A candidate set's parts as [`CascadePipeline::serve`] would serve them (the split form for a
/// linear full model, else the small part beside the full pipeline): what the optimizer times.
pub(crate) fn candidate_parts(
    original: &Pipeline,
    groups: &FeatureGroups,
    selected: &[usize],
    small: Arc<dyn Model>,
) -> Result<CandidateParts> {
    Ok(match linear_split::split_parts(original, groups, selected, small.clone())? {
        Some(parts) => CandidateParts {
            selected: selected.to_vec(),
            small_outputs: vec![linear_split::output_of(&parts.small)?],
            small: parts.small,
            remaining: Some(parts.remaining),
        },
        None => {
            let small = small_part(original, groups, selected, small)?;
            let out = small.graph().output().ok_or_else(|| Error::Ir("no output".into()))?;
            CandidateParts { selected: selected.to_vec(), small, small_outputs: vec![out], remaining: None }
        }
    })
}

impl CascadePipeline {
    /// Builds the cascade of `original` (whose final model is the served full model) with the
    /// small model `small` and the choices of `plan`.
    pub fn assemble(original: Pipeline, small: Arc<dyn Model>, plan: CascadePlan) -> Result<Self> {
        let groups = original.feature_groups()?;
        if groups.groups.len() != plan.groups.len() {
            return Err(Error::Ir(format!(
                "the plan has {} feature groups, the pipeline {}",
                plan.groups.len(),
                groups.groups.len()
            )));
        }
        for (g, p) in groups.groups.iter().zip(&plan.groups) {
            if g.name != p.name || g.columns.as_ref() != Some(&p.columns) {
                return Err(Error::Ir(format!(
                    "feature group `{}` (columns {:?}) does not match the plan's `{}` (columns {:?})",
                    g.name, g.columns, p.name, p.columns
                )));
            }
        }
        let (spec, states) = small_spec(&original, small, plan.selected.clone(), plan.threshold);
        let ir = |e: willump_ir::IrError| Error::Ir(e.to_string());
        let (small_g, small_nodes) = small_graph(original.graph(), &groups, &spec).map_err(ir)?;
        let (cascade_g, nodes) = cascade_graph(original.graph(), &groups, &spec).map_err(ir)?;
        let small = Pipeline::new(small_g, states.clone())?;
        let cascade = Pipeline::new(cascade_g, states)?;
        let reused = cascade
            .graph()
            .nodes()
            .iter()
            .filter(|n| matches!(n.op, Op::TakeRows))
            .map(|n| n.args[0])
            .filter(|a| !matches!(cascade.graph().node(*a).op, Op::Input { .. }))
            .collect();
        Ok(CascadePipeline {
            original,
            small,
            small_nodes,
            cascade,
            nodes,
            reused,
            plan,
            stats: Arc::new(CascadeStats::default()),
        })
    }

    /// The choices this cascade was built from.
    pub fn plan(&self) -> &CascadePlan {
        &self.plan
    }

    /// The original pipeline with the served full model.
    pub fn full_pipeline(&self) -> &Pipeline {
        &self.original
    }

    /// The small part alone (selected groups to the small model's probabilities).
    pub fn small_pipeline(&self) -> &Pipeline {
        &self.small
    }

    /// The cascade graph bound to its state.
    pub fn cascade_pipeline(&self) -> &Pipeline {
        &self.cascade
    }

    /// The nodes of interest of the cascade graph.
    pub fn nodes(&self) -> &CascadeNodes {
        &self.nodes
    }

    /// The small model.
    pub fn small_model(&self) -> Result<&Arc<dyn Model>> {
        match self.cascade.states().get(self.nodes.small_state.index()) {
            Some(BoundState::Model(m)) => Ok(m),
            _ => Err(Error::Ir("the small model's state is not a model".into())),
        }
    }

    /// The served full model.
    pub fn full_model(&self) -> Result<&Arc<dyn Model>> {
        let g = self.original.graph();
        let out = g.output().ok_or_else(|| Error::Ir("no output".into()))?;
        match g.node(out).op.state().and_then(|s| self.original.states().get(s.index())) {
            Some(BoundState::Model(m)) => Ok(m),
            _ => Err(Error::Ir("the full model's state is not a model".into())),
        }
    }

    /// The cascade graph in its text form.
    pub fn ir_text(&self) -> String {
        self.cascade.ir_text()
    }

    /// The counts of rows answered by each path (shared by clones and served copies).
    pub fn stats(&self) -> &CascadeStats {
        &self.stats
    }

    /// Runs the cascade on the interpreter and returns its answer.
    pub fn run(&self, inputs: &[Value]) -> Result<Value> {
        Ok(self.predict(inputs)?.value)
    }

    /// Runs the cascade on the interpreter: the small part first; when the small model is sure of
    /// every row (always so for a confident one-row query) the answer is returned right away,
    /// otherwise the rest of the graph runs, reusing what the small part computed.
    pub fn predict(&self, inputs: &[Value]) -> Result<CascadePrediction> {
        let n = self.cascade.check_inputs(inputs)?;
        let (g, states) = (self.cascade.graph(), self.cascade.states());
        let unsure_node = self.nodes.unsure.ok_or_else(|| Error::Ir("no unsure_rows node".into()))?;
        let merged = self.nodes.merged.ok_or_else(|| Error::Ir("no merge_rows node".into()))?;
        let mut first_wanted = vec![self.nodes.small_output, unsure_node];
        first_wanted.extend(&self.reused);
        let first = interp::eval(g, states, inputs, &first_wanted)?;
        let unsure = rows::indices_of("unsure_rows", "unsure", &first[1])?;
        let value = if unsure.is_empty() {
            first[0].clone()
        } else {
            let known: Vec<(NodeId, &Value)> = first_wanted.iter().copied().zip(first.iter()).collect();
            interp::eval_with(g, states, inputs, &known, &[merged])?.remove(0)
        };
        Ok(finish(&self.stats, n, &unsure, value))
    }

    /// Prepares the cascade on `executor` (for a compiler: compiles its parts). The served
    /// cascade runs the small part on every row and a full part on the unsure rows only (see
    /// [`Strategy::Recompute`](super::Strategy::Recompute)). When the full model is linear
    /// (logistic or linear regression) the full part computes only the remaining groups: the
    /// small part also scores the full model's weights of the selected groups, and the two
    /// decisions are added (module `linear_split`; the answers equal the full pipeline's up to
    /// floating-point rounding). Otherwise the full part is the whole original pipeline.
    pub fn serve(&self, executor: &dyn Executor) -> Result<ServedCascade> {
        let groups = self.original.feature_groups()?;
        let small_model = self.small_model()?.clone();
        match linear_split::split_parts(&self.original, &groups, &self.plan.selected, small_model)? {
            Some(parts) => Ok(ServedCascade {
                engine: executor.name(),
                small: executor.prepare(&parts.small, &[linear_split::output_of(&parts.small)?])?,
                full: FullPart::Remaining {
                    part: executor.prepare(&parts.remaining, &[linear_split::output_of(&parts.remaining)?])?,
                    link: parts.link,
                },
                threshold: self.plan.threshold,
                check: self.original.clone(),
                stats: self.stats.clone(),
            }),
            None => self.serve_recompute(executor),
        }
    }

    /// The split form's two pipelines when the full model is linear: the small part (its output:
    /// the small model's scores and the full model's partial decision side by side) and the
    /// remaining part (its output: the remaining decision); `None` for other models. For
    /// inspection (what [`serve`](Self::serve) compiles).
    pub fn split_pipelines(&self) -> Result<Option<(Pipeline, Pipeline)>> {
        let groups = self.original.feature_groups()?;
        let parts =
            linear_split::split_parts(&self.original, &groups, &self.plan.selected, self.small_model()?.clone())?;
        Ok(parts.map(|p| (p.small, p.remaining)))
    }

    /// Prepares the cascade on `executor` with the full part the whole original pipeline, whatever
    /// the model (how [`serve`](Self::serve) serves non-linear models; for comparisons).
    pub fn serve_recompute(&self, executor: &dyn Executor) -> Result<ServedCascade> {
        let mut small_out = vec![self.small_nodes.small_proba];
        if self.small_nodes.small_output != self.small_nodes.small_proba {
            small_out.push(self.small_nodes.small_output);
        }
        let full_out = self.original.graph().output().ok_or_else(|| Error::Ir("no output".into()))?;
        Ok(ServedCascade {
            engine: executor.name(),
            small: executor.prepare(&self.small, &small_out)?,
            full: FullPart::Recompute(executor.prepare(&self.original, &[full_out])?),
            threshold: self.plan.threshold,
            check: self.original.clone(),
            stats: self.stats.clone(),
        })
    }
}

/// What a served cascade runs on the unsure rows.
enum FullPart {
    /// The whole original pipeline.
    Recompute(Arc<dyn Prepared>),
    /// The remaining groups into the remaining decision of a linear full model, added to the
    /// partial decision the small part returned beside the small model's scores.
    Remaining { part: Arc<dyn Prepared>, link: linear_split::SplitLink },
}

/// How a [`ServedCascade`] computes its unsure rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ServedForm {
    /// The whole original pipeline runs on the unsure rows.
    Recompute,
    /// Only the remaining groups run on the unsure rows (linear full model).
    Remaining,
}

/// A cascade prepared on an [`Executor`]: the small part on every row, the full part on the
/// unsure rows. Safe to call from many threads at once.
pub struct ServedCascade {
    engine: String,
    small: Arc<dyn Prepared>,
    full: FullPart,
    threshold: f64,
    check: Pipeline,
    stats: Arc<CascadeStats>,
}

impl ServedCascade {
    /// The engine's name.
    pub fn engine(&self) -> &str {
        &self.engine
    }

    /// How the unsure rows are computed.
    pub fn form(&self) -> ServedForm {
        match self.full {
            FullPart::Recompute(_) => ServedForm::Recompute,
            FullPart::Remaining { .. } => ServedForm::Remaining,
        }
    }

    /// The counts of rows answered by each path (shared with the [`CascadePipeline`]).
    pub fn stats(&self) -> &CascadeStats {
        &self.stats
    }

    /// The cascade's answer for a batch, with which rows were answered early.
    pub fn predict(&self, inputs: &[Value]) -> Result<CascadePrediction> {
        let n = self.check.check_inputs(inputs)?;
        let small = self.small.run(inputs, None)?;
        let value = match &self.full {
            FullPart::Recompute(full) => {
                let Some(Value::Dense(proba)) = small.first() else {
                    return Err(Error::op("cascade", "the small part did not return class probabilities"));
                };
                let unsure = rows::unsure_rows(proba.view(), self.threshold);
                let answer = small.last().expect("the small part returns its answer");
                let value = if unsure.is_empty() {
                    answer.clone()
                } else {
                    let full = run_on_rows(full.as_ref(), inputs, &unsure)?.remove(0);
                    rows::merge_rows("merge_rows", answer, &full, &unsure)?
                };
                (value, unsure)
            }
            FullPart::Remaining { part, link } => {
                let stacked = small.into_iter().next().ok_or_else(|| Error::op("cascade", "no small-part scores"))?;
                let small = link.small_answers(stacked)?;
                let unsure = rows::unsure_rows(small.proba.view(), self.threshold);
                let value = if unsure.is_empty() {
                    small.answer
                } else {
                    let remaining = run_on_rows(part.as_ref(), inputs, &unsure)?.remove(0);
                    let full = link.full_answer(remaining, &small.partial, &unsure)?;
                    rows::merge_rows("merge_rows", &small.answer, &full, &unsure)?
                };
                (value, unsure)
            }
        };
        let (value, unsure) = value;
        Ok(finish(&self.stats, n, &unsure, value))
    }

    /// The answer alone.
    pub fn run(&self, inputs: &[Value]) -> Result<Value> {
        Ok(self.predict(inputs)?.value)
    }
}
