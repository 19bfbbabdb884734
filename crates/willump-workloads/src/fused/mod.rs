//! Hand-fused implementations of the workloads: for each pipeline, one loop over the rows that
//! computes every feature and the model's score together, with no intermediate matrix, table or
//! allocation per row. They are the practical limit the compiler is measured against (DESIGN.md
//! section 6), so they are written to be as fast as we can make them, and each is tested to
//! give the eager pipeline's probabilities (within floating-point reassociation).
//!
//! - [`LinearTextScorer`]: vocabulary-based text blocks (count or TF-IDF, any analyzer) into a
//!   binary linear model (the `text` and `product` workloads). Public so that other benches (the
//!   compiler's) can reuse it.
//! - [`HashedLinear`]: hashed text features into a linear model's score (the `stacked` groups).
//! - [`CompactTrees`]: a gradient-boosted ensemble scored by the shared QuickScorer kernel (or
//!   a fallback form), a block of rows at a time (the `flights` model).
//!
//! Scratch space (per-row counters, analyzer buffers) is kept in a [`Pool`], so a one-row call
//! allocates nothing once warm and several threads can score at once.

mod hashed;
pub mod keymap;
mod linear_text;
pub mod predicated;
pub mod trees;

use std::sync::Mutex;

pub use hashed::{HashedBlock, HashedLinear, HashedScratch};
pub use linear_text::{LinearTextScorer, TextBlock, TextScratch};
pub use trees::CompactTrees;

/// A pool of reusable scratch values (one is taken per call and given back after).
#[derive(Debug, Default)]
pub struct Pool<T> {
    free: Mutex<Vec<T>>,
}

impl<T> Pool<T> {
    /// An empty pool.
    pub fn new() -> Self {
        Pool { free: Mutex::new(Vec::new()) }
    }

    /// Runs `f` with a scratch value from the pool (a new one from `make` when none is free).
    pub fn with<R>(&self, make: impl FnOnce() -> T, f: impl FnOnce(&mut T) -> R) -> R {
        let taken = self.free.lock().map(|mut v| v.pop()).unwrap_or(None);
        let mut s = taken.unwrap_or_else(make);
        let r = f(&mut s);
        if let Ok(mut v) = self.free.lock() {
            v.push(s);
        }
        r
    }
}

/// The logistic function, as the models compute it.
#[inline]
pub fn sigmoid(s: f64) -> f64 {
    willump::runtime::models::sigmoid(s)
}
