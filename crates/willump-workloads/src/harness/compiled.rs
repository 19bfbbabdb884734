//! The `compiled` way: the lifted pipeline JIT-compiled by `willump::jit::compile` (default
//! options: fused loops, the model compiled into them, callbacks into Rust for what is not native
//! yet), no statistical optimization. One-row queries go through `predict_one`, the compiled
//! pipeline's point-query path (borrowed cells, no allocation when every stage is native).

use std::time::Instant;

use willump::jit::{Cell, CompileOptions, CompiledPipeline, compile};
use willump::runtime::value::{Column, Value};

use super::variants::{Built, Context, Runner};
use crate::{Error, Result, class1_of_value};

/// Compiles the workload's pipeline, timing the compilation.
pub fn build<'a>(ctx: &Context<'a>) -> Result<Built<'a>> {
    let pipeline = ctx.trained.graph()?;
    let t = Instant::now();
    let compiled = compile(&pipeline, &CompileOptions::default())?;
    let ms = t.elapsed().as_secs_f64() * 1e3;
    Ok(Built::Runner(Box::new(Compiled { compiled, ms })))
}

/// A compiled pipeline.
struct Compiled {
    compiled: CompiledPipeline,
    ms: f64,
}

/// Row `0` of each one-row input as a borrowed cell.
pub fn cells(inputs: &[Value]) -> Result<Vec<Cell<'_>>> {
    inputs
        .iter()
        .enumerate()
        .map(|(i, v)| match v {
            Value::Column(Column::Str(c)) => Ok(Cell::Str(c.get(0))),
            Value::Column(Column::F64(c)) => Ok(Cell::F64(c.get(0))),
            Value::Column(Column::I64(c)) => Ok(Cell::I64(c.get(0))),
            Value::Column(Column::Bool(c)) => Ok(Cell::Bool(c.get(0))),
            other => {
                Err(Error::invalid("compiled", format!("input {i}"), format!("not a column: {}", other.ir_type())))
            }
        })
        .collect()
}

impl Runner for Compiled {
    fn predict(&self, inputs: &[Value]) -> Result<Vec<f64>> {
        class1_of_value(&self.compiled.predict(inputs)?)
    }

    fn predict_one(&self, row: &[Value]) -> Result<f64> {
        let mut out = [0.0; 2];
        self.compiled.predict_one(&cells(row)?, &mut out)?;
        Ok(out[1])
    }

    fn compile_ms(&self) -> Option<f64> {
        Some(self.ms)
    }
}
