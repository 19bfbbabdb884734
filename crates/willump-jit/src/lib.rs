//! willump-jit: the compiler backend. It lowers willump's loop IR to Cranelift and JIT-compiles
//! whole pipelines, model included, into native code. It is the only crate that knows Cranelift.
//!
//! See ARCHITECTURE.md at the repository root for the map of the crates.

pub use willump_runtime::{Error, Result};
