//! willump-ir: the pipeline IR as data. Operator kinds and their parameters, value types, and
//! (as the project grows) the graph, its text form, and the rewrites over it. Nothing here
//! executes anything: the runtime interprets the IR and the JIT compiles it.
//!
//! See ARCHITECTURE.md at the repository root for the map of the crates.

pub mod params;
