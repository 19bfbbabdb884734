//! willump-jit: the compiler backend. It lowers a pipeline to willump's loop IR
//! ([`willump_ir::loops`]), fuses the loops, and JIT-compiles them, model included, into native
//! code with Cranelift. It is the only crate that knows Cranelift.
//!
//! - [`compile`] -> [`CompiledPipeline`]: `predict` on a batch (same contract as
//!   `Pipeline::run`, optionally on several threads), `predict_one` on one row without allocating,
//!   `predict_rows` and [`CompiledPart`] for row subsets and single feature groups;
//!   [`JitExecutor`] is the optimizer's `Executor` on compiled code.
//! - Text vectorizers and join probes are fused into the native loop as calls to tight Rust
//!   kernels (a scan + packed-vocabulary lookup per row; a probe into a side table indexed at
//!   compile time); whatever is not lowered (opaque user code, ops without a native form) runs as
//!   a call back into Rust, so every valid pipeline compiles; [`CompileReport`] says which parts
//!   are native and which are callbacks.
//! - [`eval`]: a reference evaluator of the loop IR, so each rewrite is tested before codegen.
//!
//! See ARCHITECTURE.md at the repository root for the map of the crates.

mod cell;
mod codegen;
mod compiled;
pub mod eval;
mod executor;
mod helpers;
mod join;
mod models;
mod options;
mod program;
mod report;
mod text;

pub use cell::Cell;
pub use compiled::{CompiledPart, CompiledPipeline, compile, compile_nodes};
pub use executor::JitExecutor;
pub use options::{CompileOptions, OptLevel, TreeMode};
pub use report::{CompileReport, StageReport};
pub use willump_runtime::{Error, Result};
