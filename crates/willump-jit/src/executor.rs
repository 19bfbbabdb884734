//! [`JitExecutor`]: the JIT as the optimizer's [`Executor`], so cascades and top-K time their
//! feature groups on compiled code and serve through it (the runtime defines the trait; it never
//! depends on the JIT).

use std::sync::Arc;

use willump_ir::NodeId;
use willump_runtime::optimize::{Executor, Prepared};
use willump_runtime::value::Value;
use willump_runtime::{Pipeline, Result};

use crate::compiled::{CompiledPart, compile_nodes};
use crate::options::CompileOptions;

/// Prepares computations by compiling them (every valid part compiles; what is not native runs
/// as calls back into Rust).
#[derive(Debug, Clone, Default)]
pub struct JitExecutor {
    /// How parts are compiled.
    pub options: CompileOptions,
}

impl Executor for JitExecutor {
    fn name(&self) -> String {
        "compiled".into()
    }

    fn prepare(&self, pipeline: &Pipeline, outputs: &[NodeId]) -> Result<Arc<dyn Prepared>> {
        Ok(Arc::new(compile_nodes(pipeline, outputs, &self.options)?))
    }
}

impl Prepared for CompiledPart {
    fn run(&self, inputs: &[Value], rows: Option<&[usize]>) -> Result<Vec<Value>> {
        CompiledPart::run(self, inputs, rows)
    }
}
