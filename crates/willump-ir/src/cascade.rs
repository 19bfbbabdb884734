//! The cascade rewrite (DESIGN.md section 3): a pipeline whose final model reads several
//! feature groups becomes a cascade, as ordinary dataflow that any engine can run:
//!
//! ```text
//! selected groups (all rows) -> small model -> unsure_rows[threshold]   (confident rows end here)
//! take_rows(inputs, unsure) -> remaining groups (unsure rows only)
//! take_rows(selected blocks, unsure) + remaining blocks -> full model (unsure rows only)
//! merge_rows(small answer, full answer, unsure)                          (in row order)
//! ```
//!
//! The small model reads the selected groups' model-input columns in their original order. Its
//! input is rebuilt from the original model input's construction (stacking, dense conversion,
//! table plumbing) with every column of a remaining group dropped, so that no remaining group is
//! computed for it. The full branch copies the original construction onto the unsure rows: the
//! inputs and the selected groups' blocks are taken at the unsure rows (the selected groups are
//! not computed twice), everything else is recomputed on those rows only.
//!
//! [`small_graph`] builds the small part alone (an ordinary pipeline ending in the small model's
//! probabilities): an engine that cannot run the row-subset ops runs it and then the original
//! pipeline on the unsure rows. When the full model is linear, [`split_graphs`] builds two
//! parts that split the full model's sum along the groups instead: the selected groups into a
//! linear state (the runtime puts the small model's and the full model's weights of those columns
//! in it), and the remaining groups alone (the full model's other weights): the unsure rows then
//! compute only the remaining groups.

use std::collections::HashMap;

use crate::entity::{NodeId, StateId};
use crate::error::IrError;
use crate::graph::{Graph, Node};
use crate::groups::{FeatureGroups, column_producer_of, table_columns_of};
use crate::op::{ModelOutput, Op};
use crate::state::StateDecl;
use crate::types::Type;

/// What to build: the groups to compute for every row and the small model that reads them.
#[derive(Debug, Clone)]
pub struct CascadeSpec {
    /// Indices (into [`FeatureGroups::groups`]) of the selected groups.
    pub selected: Vec<usize>,
    /// Rows whose small-model confidence is at least this keep the small answer.
    pub threshold: f64,
    /// The small model's declaration (its input width is the selected groups' width).
    pub small_model: StateDecl,
}

/// The nodes of interest of a rewritten graph.
#[derive(Debug, Clone, PartialEq)]
pub struct CascadeNodes {
    /// The small model's state.
    pub small_state: StateId,
    /// The small model's input block.
    pub small_input: NodeId,
    /// The small model's probabilities (the confidence is computed from them).
    pub small_proba: NodeId,
    /// The small model's answer, of the original output's kind (equal to `small_proba` when the
    /// pipeline outputs probabilities).
    pub small_output: NodeId,
    /// The unsure rows (`unsure_rows`); absent from a [`small_graph`].
    pub unsure: Option<NodeId>,
    /// The full model's answer on the unsure rows; absent from a [`small_graph`].
    pub full_output: Option<NodeId>,
    /// The merged answer (the graph's output); absent from a [`small_graph`].
    pub merged: Option<NodeId>,
}

/// Copies nodes of `src` into `dst`, remembering where each went.
struct Rewriter<'a> {
    src: &'a Graph,
    dst: Graph,
    /// Copies computed on every row.
    all: HashMap<NodeId, NodeId>,
    /// Copies computed on the unsure rows only.
    unsure: HashMap<NodeId, NodeId>,
}

impl<'a> Rewriter<'a> {
    fn new(src: &'a Graph, name: String, small: &StateDecl) -> (Self, StateId) {
        let mut dst = Graph::new(name);
        for s in src.states() {
            dst.add_state(s.clone());
        }
        let small_state = dst.add_state(small.clone());
        (Rewriter { src, dst, all: HashMap::new(), unsure: HashMap::new() }, small_state)
    }

    fn push(&mut self, op: Op, args: Vec<NodeId>, ty: Type, name: Option<String>) -> Result<NodeId, IrError> {
        self.dst.push(Node { op, args, ty, name })
    }

    fn add(&mut self, op: Op, args: Vec<NodeId>, name: Option<String>) -> Result<NodeId, IrError> {
        self.dst.add(op, args, name)
    }

    /// The copy of `id` computed on every row (its dependencies copied first).
    fn copy(&mut self, id: NodeId) -> Result<NodeId, IrError> {
        if let Some(&c) = self.all.get(&id) {
            return Ok(c);
        }
        // Inputs first, in input order, so that the copy numbers its inputs as the source does.
        if self.all.is_empty() {
            for input in self.src.inputs() {
                let n = self.src.node(input).clone();
                let c = self.push(n.op, vec![], n.ty, n.name)?;
                self.all.insert(input, c);
            }
            if let Some(&c) = self.all.get(&id) {
                return Ok(c);
            }
        }
        for a in self.src.ancestors(id) {
            if self.all.contains_key(&a) {
                continue;
            }
            let n = self.src.node(a).clone();
            let args = n.args.iter().map(|x| self.all[x]).collect();
            let c = self.push(n.op, args, n.ty, n.name)?;
            self.all.insert(a, c);
        }
        Ok(self.all[&id])
    }

    /// The copy of `id` computed on the unsure rows only: pipeline inputs and `reused` nodes
    /// (computed on every row already) are taken at the unsure rows, the rest is recomputed.
    fn copy_unsure(&mut self, id: NodeId, rows: NodeId, reused: &[NodeId]) -> Result<NodeId, IrError> {
        if let Some(&c) = self.unsure.get(&id) {
            return Ok(c);
        }
        let n = self.src.node(id).clone();
        let c = if matches!(n.op, Op::Input { .. }) || reused.contains(&id) {
            let all = self.copy(id)?;
            let name = Some(format!("{}.unsure", self.src.display_name(id)));
            self.push(Op::TakeRows, vec![all, rows], n.ty, name)?
        } else {
            let mut args = Vec::with_capacity(n.args.len());
            for &a in &n.args {
                args.push(self.copy_unsure(a, rows, reused)?);
            }
            let name = n.name.map(|s| format!("{s}.unsure"));
            self.push(n.op, args, n.ty, name)?
        };
        self.unsure.insert(id, c);
        Ok(c)
    }

    /// Rebuilds the feature block `id` keeping only the columns produced by `kept` roots, in
    /// their order; `None` when no column is kept.
    fn block(&mut self, id: NodeId, kept: &[NodeId]) -> Result<Option<NodeId>, IrError> {
        let node = self.src.node(id).clone();
        match &node.op {
            Op::Stack => {
                let mut args = Vec::new();
                for &a in &node.args {
                    if let Some(b) = self.block(a, kept)? {
                        args.push(b);
                    }
                }
                if args.is_empty() {
                    return Ok(None);
                }
                Ok(Some(self.add(Op::Stack, args, node.name.map(|s| format!("{s}.small")))?))
            }
            Op::ToDense => {
                let mut args = Vec::new();
                for &a in &node.args {
                    let part = match &self.src.node(a).ty {
                        Type::Table(_) => self.table(a, kept)?,
                        _ => self.column(a, kept)?,
                    };
                    args.extend(part);
                }
                if args.is_empty() {
                    return Ok(None);
                }
                Ok(Some(self.add(Op::ToDense, args, node.name.map(|s| format!("{s}.small")))?))
            }
            Op::GetColumn { .. } => self.column(id, kept),
            _ => Ok(if kept.contains(&id) { Some(self.copy(id)?) } else { None }),
        }
    }

    /// Rebuilds a column value if its producer is kept.
    fn column(&mut self, id: NodeId, kept: &[NodeId]) -> Result<Option<NodeId>, IrError> {
        let producer = column_producer_of(self.src, id)?;
        if !kept.contains(&producer) {
            return Ok(None);
        }
        match &self.src.node(id).op {
            Op::GetColumn { name } => {
                let name = name.clone();
                let table = self.src.node(id).args[0];
                let t = self.table(table, kept)?.ok_or_else(|| IrError::Groups(format!("{id}: table lost")))?;
                Ok(Some(self.add(Op::GetColumn { name }, vec![t], self.src.node(id).name.clone())?))
            }
            _ => Ok(Some(self.copy(id)?)),
        }
    }

    /// Rebuilds a table value keeping only the columns whose producers are kept.
    fn table(&mut self, id: NodeId, kept: &[NodeId]) -> Result<Option<NodeId>, IrError> {
        let node = self.src.node(id).clone();
        let small_name = || node.name.as_ref().map(|s| format!("{s}.small"));
        match &node.op {
            Op::MakeTable { names } => {
                let (mut keep_names, mut args) = (Vec::new(), Vec::new());
                for (n, &a) in names.iter().zip(&node.args) {
                    if let Some(c) = self.column(a, kept)? {
                        keep_names.push(n.clone());
                        args.push(c);
                    }
                }
                if args.is_empty() {
                    return Ok(None);
                }
                Ok(Some(self.add(Op::MakeTable { names: keep_names }, args, small_name())?))
            }
            Op::Select { names } => {
                let cols = table_columns_of(self.src, node.args[0])?;
                let keep_names: Vec<String> =
                    names.iter().filter(|n| cols.iter().any(|(c, p)| c == *n && kept.contains(p))).cloned().collect();
                if keep_names.is_empty() {
                    return Ok(None);
                }
                let inner =
                    self.table(node.args[0], kept)?.ok_or_else(|| IrError::Groups(format!("{id}: table lost")))?;
                Ok(Some(self.add(Op::Select { names: keep_names }, vec![inner], small_name())?))
            }
            Op::Concat => {
                let mut args = Vec::new();
                for &a in &node.args {
                    args.extend(self.table(a, kept)?);
                }
                match args.len() {
                    0 => Ok(None),
                    1 => Ok(Some(args[0])),
                    _ => Ok(Some(self.add(Op::Concat, args, small_name())?)),
                }
            }
            // A join, an opaque call, ...: all its columns come from the node itself.
            _ => Ok(if kept.contains(&id) { Some(self.copy(id)?) } else { None }),
        }
    }

    /// The small part: the selected groups, the small model's input, its probabilities and (when
    /// the pipeline outputs something else) its answer of the original kind.
    fn small_part(
        &mut self,
        groups: &FeatureGroups,
        spec: &CascadeSpec,
        small_state: StateId,
        output: ModelOutput,
    ) -> Result<(NodeId, NodeId, NodeId, Vec<NodeId>), IrError> {
        check_spec(groups, spec)?;
        let kept: Vec<NodeId> = spec.selected.iter().flat_map(|&i| groups.groups[i].roots.iter().copied()).collect();
        let input = self
            .block(groups.model_input, &kept)?
            .ok_or_else(|| IrError::Groups("the selected groups produce no model-input column".into()))?;
        let proba = self.add(
            Op::Model { state: small_state, output: ModelOutput::Proba },
            vec![input],
            Some("proba.small".into()),
        )?;
        let out = match output {
            ModelOutput::Proba => proba,
            other => {
                self.add(Op::Model { state: small_state, output: other }, vec![input], Some("answer.small".into()))?
            }
        };
        Ok((input, proba, out, kept))
    }
}

fn check_spec(groups: &FeatureGroups, spec: &CascadeSpec) -> Result<(), IrError> {
    let n = groups.groups.len();
    if let Some(&bad) = spec.selected.iter().find(|&&i| i >= n) {
        return Err(IrError::Groups(format!("selected group {bad} does not exist ({n} groups)")));
    }
    let mut sorted = spec.selected.clone();
    sorted.sort_unstable();
    sorted.dedup();
    if sorted.len() != spec.selected.len() {
        return Err(IrError::Groups("a group is selected twice".into()));
    }
    if sorted.is_empty() || sorted.len() == n {
        return Err(IrError::Groups(format!(
            "a cascade needs at least one selected and one remaining group ({} of {n} selected)",
            sorted.len()
        )));
    }
    if !(0.0..=1.0).contains(&spec.threshold) {
        return Err(IrError::Groups(format!("threshold {} is not in [0, 1]", spec.threshold)));
    }
    Ok(())
}

/// The original output's model op: its state and output kind.
fn output_model(g: &Graph, groups: &FeatureGroups) -> Result<(StateId, ModelOutput), IrError> {
    match &g.node(groups.model).op {
        Op::Model { state, output } => Ok((*state, *output)),
        op => Err(IrError::Groups(format!("the output is `{}`, not a model", op.name()))),
    }
}

/// The small part alone: the selected groups on every row, ending in the small model's
/// probabilities (the graph's output). The states are the original ones (same ids) plus the
/// small model, last.
pub fn small_graph(g: &Graph, groups: &FeatureGroups, spec: &CascadeSpec) -> Result<(Graph, CascadeNodes), IrError> {
    let (_, output) = output_model(g, groups)?;
    let (mut rw, small_state) = Rewriter::new(g, format!("{}.small", g.name), &spec.small_model);
    let (small_input, small_proba, small_output, _) = rw.small_part(groups, spec, small_state, output)?;
    rw.dst.set_output(small_proba)?;
    rw.dst.validate()?;
    let nodes = CascadeNodes {
        small_state,
        small_input,
        small_proba,
        small_output,
        unsure: None,
        full_output: None,
        merged: None,
    };
    Ok((rw.dst, nodes))
}

/// Rewrites `g` (whose feature groups are `groups`) into cascade form. The states are the
/// original ones (same ids; the full model keeps its state) plus the small model, last.
pub fn cascade_graph(g: &Graph, groups: &FeatureGroups, spec: &CascadeSpec) -> Result<(Graph, CascadeNodes), IrError> {
    let (full_state, output) = output_model(g, groups)?;
    let (mut rw, small_state) = Rewriter::new(g, format!("{}.cascade", g.name), &spec.small_model);
    let (small_input, small_proba, small_output, kept) = rw.small_part(groups, spec, small_state, output)?;
    let unsure = rw.add(Op::UnsureRows { threshold: spec.threshold }, vec![small_proba], Some("unsure".into()))?;
    let full_input = rw.copy_unsure(groups.model_input, unsure, &kept)?;
    let full_output = rw.add(Op::Model { state: full_state, output }, vec![full_input], Some("answer.full".into()))?;
    let merged = rw.add(
        Op::MergeRows,
        vec![small_output, full_output, unsure],
        Some(g.node(groups.model).name.clone().unwrap_or_else(|| "answer".into())),
    )?;
    rw.dst.set_output(merged)?;
    rw.dst.validate()?;
    let nodes = CascadeNodes {
        small_state,
        small_input,
        small_proba,
        small_output,
        unsure: Some(unsure),
        full_output: Some(full_output),
        merged: Some(merged),
    };
    Ok((rw.dst, nodes))
}

/// The two parts of a cascade whose full model is linear, served without computing the selected
/// groups twice (see [`split_graphs`]).
#[derive(Debug, Clone)]
pub struct SplitGraphs {
    /// The small part: the selected groups into one linear state's raw scores (the graph's
    /// output), which holds the small model's weights and the full model's weights of the
    /// selected columns, so that both are scored in one pass over the selected features.
    pub small: Graph,
    /// The small input block in `small`.
    pub small_input: NodeId,
    /// The stacked state of `small` (after the original states).
    pub small_state: StateId,
    /// The remaining part: the remaining groups only, into the remaining linear state's raw
    /// scores (the graph's output).
    pub remaining: Graph,
    /// The remaining linear state of `remaining` (after the original states).
    pub remaining_state: StateId,
}

/// The model-input columns of the `selected` groups, in model-input order (the order of the small
/// model's input, which [`small_graph`] rebuilds keeping the selected columns in place); `None`
/// when a group's width is only known at run time.
pub fn selected_columns(groups: &FeatureGroups, selected: &[usize]) -> Option<Vec<usize>> {
    let mut cols = Vec::new();
    for &i in selected {
        for r in groups.groups.get(i)?.columns.as_ref()? {
            cols.extend(r.clone());
        }
    }
    cols.sort_unstable();
    Some(cols)
}

/// The cascade split for a linear full model. `small`: the small input block as [`small_graph`]
/// builds it (the selected groups' columns in model-input order) into `model[output=raw]` of
/// state `spec.small_model`, a linear state whose outputs are the small model's scores and the
/// full model's partial scores over those columns (intercept 0). `remaining`: the original
/// pipeline with the model input rebuilt from the remaining groups only (the complement, by the
/// same machinery) into `model[output=raw]` of state `remaining` (the full model's weights of
/// those columns and its intercept). For every row, partial + remaining is the full model's
/// decision, up to the order of the floating-point sum. Both graphs keep the original states
/// (same ids) and add theirs last.
pub fn split_graphs(
    g: &Graph,
    groups: &FeatureGroups,
    spec: &CascadeSpec,
    remaining: StateDecl,
) -> Result<SplitGraphs, IrError> {
    output_model(g, groups)?;
    check_spec(groups, spec)?;
    let roots_of = |keep: &dyn Fn(usize) -> bool| -> Vec<NodeId> {
        (0..groups.groups.len()).filter(|&i| keep(i)).flat_map(|i| groups.groups[i].roots.iter().copied()).collect()
    };
    let part = |name: &str, decl: &StateDecl, kept: Vec<NodeId>| -> Result<(Graph, NodeId, StateId), IrError> {
        let (mut rw, state) = Rewriter::new(g, format!("{}.{name}", g.name), decl);
        let input = rw
            .block(groups.model_input, &kept)?
            .ok_or_else(|| IrError::Groups(format!("the {name} groups produce no model-input column")))?;
        let scores =
            rw.add(Op::Model { state, output: ModelOutput::Raw }, vec![input], Some(format!("decision.{name}")))?;
        rw.dst.set_output(scores)?;
        rw.dst.validate()?;
        Ok((rw.dst, input, state))
    };
    let (small, small_input, small_state) =
        part("small", &spec.small_model, roots_of(&|i| spec.selected.contains(&i)))?;
    let (remaining, _, remaining_state) = part("remaining", &remaining, roots_of(&|i| !spec.selected.contains(&i)))?;
    Ok(SplitGraphs { small, small_input, small_state, remaining, remaining_state })
}
