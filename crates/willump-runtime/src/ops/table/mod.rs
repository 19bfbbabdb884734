//! Table operators: left join (lookup) against a side table indexed once, column selection,
//! horizontal concatenation, and per-key target aggregates served as a side table.
//!
//! Join keys are str or i64 columns, one or several. f64 keys are rejected (equality of floats
//! is rarely what a join means: NaN, `-0.0`, rounding); bool keys too (join on an i64 instead).
//! A null in any key column never matches anything.

mod aggregate;
mod concat;
mod gather;
mod join;
mod key;
mod select;

pub use aggregate::TargetAggregate;
pub use concat::hconcat;
pub use join::LeftJoin;
pub use select::select;
