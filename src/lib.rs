//! # willump
//!
//! Fast machine-learning inference pipelines whose cost is feature computation, not the model.
//! Annotate a straight-line pipeline function with `#[willump]`; willump lifts it into an IR of
//! feature operators, rewrites it into end-to-end cascades or top-K forms, and JIT-compiles the
//! fused loops, model included, into native code.
//!
//! This crate is the facade: it re-exports the pieces of the member crates and offers a
//! [`prelude`]. See ARCHITECTURE.md for the map.

pub use willump_ir as ir;
/// The Cranelift JIT: [`jit::compile`] a pipeline into native code (cargo feature `jit`, on by
/// default).
#[cfg(feature = "jit")]
pub use willump_jit as jit;
#[cfg(feature = "jit")]
pub use willump_jit::{CompileOptions, CompiledPipeline, compile};
pub use willump_macros::willump;
pub use willump_runtime as runtime;
pub use willump_runtime::{Error, Pipeline, Result};

/// What `#[willump]`-generated code calls. Not a public API: names here may change.
#[doc(hidden)]
pub mod __private {
    pub use willump_runtime::lift::*;
    pub use willump_runtime::value::Value;
}

/// The operator library for pipeline bodies: every function and method here lifts to one IR
/// op (see `willump_runtime::api`), plus the parameter types they take.
pub mod ops {
    pub use willump_ir::params::numeric::{ArithOp, BucketRule};
    pub use willump_ir::params::table::Scalar;
    pub use willump_runtime::api::*;
}

/// Re-exports of everything a pipeline author usually needs.
pub mod prelude {
    pub use willump_macros::willump;
    pub use willump_runtime::models::{Model, ModelSpec, Task};
    pub use willump_runtime::value::Value;
    pub use willump_runtime::value::{
        Bitmap, BoolColumn, Column, CsrMatrix, F64Column, I64Column, Matrix, MatrixRef, StringColumn, Table,
    };
    pub use willump_runtime::{Error, Pipeline, Result};
}
