//! The eager feature operators: the reference semantics of every operator and the baseline that
//! every speed-up is measured against.

pub mod numeric;
pub mod opaque;
pub mod stack;
pub mod table;
