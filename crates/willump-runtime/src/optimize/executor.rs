//! The engines that run pipelines, as the optimizer sees them: it times feature groups on the
//! engine that will serve, and serves cascades through it. The runtime defines the trait and
//! implements it with the interpreter; the JIT implements it with compiled code, so the runtime
//! never depends on the JIT.

use std::sync::Arc;

use willump_ir::NodeId;

use crate::error::Result;
use crate::pipeline::Pipeline;
use crate::value::Value;

/// An engine that prepares (for a compiler: compiles) parts of pipelines.
pub trait Executor: Send + Sync {
    /// A short name for reports (`"interpreter"`, `"compiled"`).
    fn name(&self) -> String;

    /// Prepares the computation of `outputs` (nodes of `pipeline`) from the pipeline's row
    /// inputs.
    fn prepare(&self, pipeline: &Pipeline, outputs: &[NodeId]) -> Result<Arc<dyn Prepared>>;
}

/// A prepared computation: callable from many threads at once.
pub trait Prepared: Send + Sync {
    /// The values of the prepared outputs, in order, for every row of `inputs` or (when `rows` is
    /// given) for those rows only, in that order, as if the batch held just them.
    fn run(&self, inputs: &[Value], rows: Option<&[usize]>) -> Result<Vec<Value>>;
}

/// Runs `part` on the rows `rows` of `inputs` as a served cascade runs its unsure rows: the
/// inputs are first gathered into a compact batch of those rows, which then runs whole. The same
/// values as `part.run(inputs, Some(rows))`; faster on the JIT, where a loop over row indices
/// reads each row's text from scattered places.
pub fn run_on_rows(part: &dyn Prepared, inputs: &[Value], rows: &[usize]) -> Result<Vec<Value>> {
    let taken = inputs
        .iter()
        .enumerate()
        .map(|(i, v)| super::rows::take_rows("unsure rows", &format!("input {i}"), v, rows))
        .collect::<Result<Vec<_>>>()?;
    part.run(&taken, None)
}

/// The reference interpreter as an [`Executor`].
#[derive(Debug, Clone, Copy, Default)]
pub struct Interpreter;

struct Interpreted {
    pipeline: Pipeline,
    outputs: Vec<NodeId>,
}

impl Executor for Interpreter {
    fn name(&self) -> String {
        "interpreter".into()
    }

    fn prepare(&self, pipeline: &Pipeline, outputs: &[NodeId]) -> Result<Arc<dyn Prepared>> {
        let n = pipeline.graph().nodes().len();
        if let Some(bad) = outputs.iter().find(|o| o.index() >= n) {
            return Err(crate::Error::Ir(format!("{bad} is not a node of pipeline `{}`", pipeline.graph().name)));
        }
        Ok(Arc::new(Interpreted { pipeline: pipeline.clone(), outputs: outputs.to_vec() }))
    }
}

impl Prepared for Interpreted {
    fn run(&self, inputs: &[Value], rows: Option<&[usize]>) -> Result<Vec<Value>> {
        match rows {
            None => self.pipeline.run_nodes(inputs, &self.outputs),
            Some(rows) => {
                self.pipeline.check_inputs(inputs)?;
                let subset = inputs.iter().map(|v| v.take_rows(rows)).collect::<Result<Vec<_>>>()?;
                self.pipeline.run_nodes(&subset, &self.outputs)
            }
        }
    }
}
