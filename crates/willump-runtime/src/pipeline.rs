//! [`Pipeline`]: a validated graph bound to its state. It is what `#[willump]`'s graph function
//! returns and what the interpreter, the optimizer and the compiler take.

use willump_ir::{FeatureGroup, FeatureGroups, Graph, NodeId, StateKind, Type, discover};

use crate::error::{Error, Result};
use crate::interp;
use crate::state::BoundState;
use crate::value::Value;

/// A pipeline graph bound to its state.
#[derive(Debug, Clone)]
pub struct Pipeline {
    graph: Graph,
    states: Vec<BoundState>,
}

impl Pipeline {
    /// Binds `states` (one per state declaration, in order) to `graph`, checking that each
    /// state is of the kind and shape the graph declares and that the graph is valid.
    pub fn new(graph: Graph, states: Vec<BoundState>) -> Result<Self> {
        graph.validate().map_err(|e| Error::Ir(e.to_string()))?;
        if states.len() != graph.states().len() {
            return Err(Error::Ir(format!(
                "{} states bound to a graph that declares {}",
                states.len(),
                graph.states().len()
            )));
        }
        for (i, (s, decl)) in states.iter().zip(graph.states()).enumerate() {
            let kind = s.kind();
            let same = match (&kind, &decl.kind) {
                // A function's name is for reports; any function can be bound again.
                (StateKind::Function { .. }, StateKind::Function { .. }) => true,
                (a, b) => a == b,
            };
            if !same {
                return Err(Error::Ir(format!(
                    "state s{i} (`{}`): the graph declares {:?}, the bound value is {kind:?}",
                    decl.name, decl.kind
                )));
            }
        }
        Ok(Pipeline { graph, states })
    }

    /// The graph.
    pub fn graph(&self) -> &Graph {
        &self.graph
    }

    /// The bound state, indexed by state id.
    pub fn states(&self) -> &[BoundState] {
        &self.states
    }

    /// The IR in its text form.
    pub fn ir_text(&self) -> String {
        willump_ir::text::print(&self.graph)
    }

    /// The pipeline's feature groups.
    pub fn feature_groups(&self) -> Result<FeatureGroups> {
        discover(&self.graph).map_err(|e| Error::Ir(e.to_string()))
    }

    /// Checks a batch of row inputs: their number, their types, and equal row counts. Returns
    /// the number of rows.
    pub fn check_inputs(&self, inputs: &[Value]) -> Result<usize> {
        let ids = self.graph.inputs();
        if inputs.len() != ids.len() {
            return Err(Error::op(
                format!("pipeline `{}`", self.graph.name),
                format!("takes {} row input(s), got {}", ids.len(), inputs.len()),
            ));
        }
        let mut rows = None;
        for (v, &id) in inputs.iter().zip(&ids) {
            let node = self.graph.node(id);
            let name = self.graph.display_name(id);
            let ty = v.ir_type();
            if ty != node.ty {
                return Err(Error::invalid(
                    format!("pipeline `{}`", self.graph.name),
                    name,
                    format!("expected a {} column, found {ty}", node.ty),
                ));
            }
            let n = v.n_rows().unwrap_or(0);
            match rows {
                None => rows = Some(n),
                Some(r) if r != n => {
                    return Err(Error::invalid(
                        format!("pipeline `{}`", self.graph.name),
                        name,
                        format!("ragged inputs: {n} rows, the first input has {r}"),
                    ));
                }
                Some(_) => {}
            }
        }
        Ok(rows.unwrap_or(0))
    }

    /// Runs the whole pipeline on a batch and returns the output value (the final model's
    /// prediction).
    pub fn run(&self, inputs: &[Value]) -> Result<Value> {
        let out = self.graph.output().ok_or_else(|| Error::Ir("the graph has no output".into()))?;
        Ok(self.run_nodes(inputs, &[out])?.remove(0))
    }

    /// Runs just enough of the pipeline to compute `nodes`, and returns their values in order.
    pub fn run_nodes(&self, inputs: &[Value], nodes: &[NodeId]) -> Result<Vec<Value>> {
        self.check_inputs(inputs)?;
        interp::eval(&self.graph, &self.states, inputs, nodes)
    }

    /// Runs the pipeline on the rows at `rows` only (in that order), as if the batch held just
    /// those rows.
    pub fn run_rows(&self, inputs: &[Value], rows: &[usize]) -> Result<Value> {
        self.check_inputs(inputs)?;
        let subset = inputs.iter().map(|v| v.take_rows(rows)).collect::<Result<Vec<_>>>()?;
        self.run(&subset)
    }

    /// Runs one feature group on its own and returns the values of its roots (its model-input
    /// blocks), in column order.
    pub fn run_group(&self, inputs: &[Value], group: &FeatureGroup) -> Result<Vec<Value>> {
        self.run_nodes(inputs, &group.roots)
    }

    /// The output's IR type.
    pub fn output_type(&self) -> Option<&Type> {
        self.graph.output().map(|o| &self.graph.node(o).ty)
    }
}
