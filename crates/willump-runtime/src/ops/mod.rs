//! The eager feature operators: the reference semantics of every IR operator and the baseline
//! that every compiled or optimized form is measured against.

pub mod numeric;
pub mod opaque;
pub mod stack;
pub mod table;
pub mod text;
