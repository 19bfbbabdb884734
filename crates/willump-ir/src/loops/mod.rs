//! The loop IR (Weld's style): what the compiler fuses and generates code from.
//!
//! A pipeline lowers ([`lower::lower`]) to a [`LoopProgram`]: stages over collections. A
//! [`Loop`] runs over the batch's rows (all of them, or a subset given at run time) and its body
//! computes per-row values and merges them into builders; coarse statements (a model's whole
//! prediction) are single statements, because that is what makes the generated code fast. A
//! [`Call`] runs a node through Rust (opaque code and anything not lowered). Rewrites
//! ([`rules`]) fuse producers into consumers and sibling loops into one, so no intermediate is
//! materialized. The text form ([`print::print`]) is recorded after every rewrite.
//!
//! This module is data and pure rewrites; the evaluator and the code generator live in
//! willump-jit.

pub mod check;
pub mod ir;
pub mod lower;
pub mod print;
pub mod rules;

pub use ir::{
    Builder, Call, CollId, Collection, Expr, LType, Loop, LoopProgram, Merge, Origin, RowForm, RowSet, Stage, Stmt,
    ValId,
};
pub use lower::{NativeSupport, lower};
pub use print::print;
pub use rules::{Rule, RuleError, Snapshot, default_rules, optimize};

#[cfg(test)]
mod tests;
