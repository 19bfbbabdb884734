//! willump-macros: the `#[willump]` attribute, which lifts a straight-line Rust pipeline function
//! into the willump IR. It depends on no willump crate: the code it emits names paths in the
//! `willump` facade.
