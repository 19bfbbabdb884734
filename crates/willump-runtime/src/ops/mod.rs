//! The eager feature operators: the reference semantics of every IR operator and the baseline
//! every compiled or optimized form is measured against.

pub mod text;
