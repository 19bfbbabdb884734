//! willump-runtime: the values willump computes on, the eager feature operators (the reference
//! for what every operator means and the baseline every speed-up is measured against), the
//! models, and (as the project grows) the reference interpreter and the optimizer.
//!
//! See ARCHITECTURE.md at the repository root for the map of the crates.

pub mod api;
pub mod artifact;
pub mod error;
pub mod fingerprint;
pub mod interp;
pub mod lift;
pub mod metrics;
pub mod models;
pub mod ops;
pub mod optimize;
pub mod pipeline;
pub mod rng;
pub mod state;
pub mod value;

pub use error::{Error, Result};
pub use pipeline::Pipeline;
