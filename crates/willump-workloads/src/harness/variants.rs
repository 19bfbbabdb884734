//! The ways a workload is run (DESIGN.md section 6), each behind one small trait.
//!
//! Adding a way is one entry in [`variants`] plus one [`Runner`] (see [`super::compiled`] and
//! [`super::cascades`]). A way whose part does not exist yet is
//! [`Built::Absent`] with the reason, and the harness prints it as absent: it is never faked.
//! The `python` column runs out of process (see [`super::python`]).

use willump::Pipeline;
use willump::runtime::value::Value;

use crate::{Dataset, Result, Scorer, Trained, Workload, class1_of_value};

/// What a runner gets to build itself from.
pub struct Context<'a> {
    /// The workload.
    pub workload: &'a dyn Workload,
    /// Its trained state.
    pub trained: &'a dyn Trained,
    /// Its data (a runner that tunes itself, as cascades will, may use `data.train` only).
    pub data: &'a Dataset,
}

/// One way of running a trained workload.
pub trait Runner: Send + Sync {
    /// The class-1 probability of every row of `inputs`.
    fn predict(&self, inputs: &[Value]) -> Result<Vec<f64>>;

    /// The class-1 probability of a one-row input: the point query the latency columns time
    /// (by default `predict` on the one row; a way with a dedicated one-row path overrides it).
    fn predict_one(&self, row: &[Value]) -> Result<f64> {
        self.predict(row)?.first().copied().ok_or_else(|| crate::Error::op("predict_one", "no row"))
    }

    /// Whether this is a top-K way: the harness then times and scores [`Runner::top_k`] (its
    /// precision against the eager model's true top K) instead of `predict`.
    fn is_top_k(&self) -> bool {
        false
    }

    /// For a top-K way: the rows of `inputs` it returns as the `k` most likely class-1 rows.
    fn top_k(&self, _inputs: &[Value], _k: usize) -> Result<Vec<usize>> {
        Err(crate::Error::op("top_k", "not a top-K way"))
    }

    /// For cascades: the fraction of rows of the last batch answered by the approximate model.
    fn approx_fraction(&self) -> Option<f64> {
        None
    }

    /// Time spent compiling, in milliseconds, for ways that compile.
    fn compile_ms(&self) -> Option<f64> {
        None
    }
}

/// A built way: ready to run, or absent with the reason.
pub enum Built<'a> {
    /// Ready.
    Runner(Box<dyn Runner + 'a>),
    /// Not available (the part does not exist yet, or does not apply to this workload).
    Absent(String),
}

/// One way of running a workload: its name (the `variant` of the results) and how to build it.
pub struct VariantSpec {
    /// The name in the table and the JSON.
    pub name: &'static str,
    /// Builds the runner for a trained workload.
    pub build: for<'a> fn(&Context<'a>) -> Result<Built<'a>>,
}

/// Every in-process way, in table order (the `python` column goes before `hand_fused`).
pub fn variants() -> Vec<VariantSpec> {
    vec![
        VariantSpec { name: "eager", build: |ctx| Ok(Built::Runner(Box::new(Eager(ctx.trained)))) },
        VariantSpec {
            name: "interpreted",
            build: |ctx| Ok(Built::Runner(Box::new(Interpreted(ctx.trained.graph()?)))),
        },
        VariantSpec { name: "compiled", build: super::compiled::build },
        VariantSpec { name: "cascades", build: super::cascades::build },
        VariantSpec {
            name: "topk",
            build: |_| Ok(Built::Absent("the top-K optimizer is not in this build yet".into())),
        },
        VariantSpec {
            name: "hand_fused",
            build: |ctx| Ok(Built::Runner(Box::new(HandFused(ctx.trained.hand_fused()?)))),
        },
    ]
}

/// The `#[willump]` function called as plain Rust.
struct Eager<'a>(&'a dyn Trained);

impl Runner for Eager<'_> {
    fn predict(&self, inputs: &[Value]) -> Result<Vec<f64>> {
        self.0.eager(inputs)
    }
}

/// The lifted graph run by the reference interpreter.
struct Interpreted(Pipeline);

impl Runner for Interpreted {
    fn predict(&self, inputs: &[Value]) -> Result<Vec<f64>> {
        class1_of_value(&self.0.run(inputs)?)
    }
}

/// The hand-written fused implementation.
struct HandFused(Box<dyn Scorer>);

impl Runner for HandFused {
    fn predict(&self, inputs: &[Value]) -> Result<Vec<f64>> {
        self.0.predict(inputs)
    }
}
