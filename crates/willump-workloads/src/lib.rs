//! The benchmark workloads of willump and the harness that runs them side by side.
//!
//! Each workload is one `#[willump]` pipeline written with [`willump::ops`] (every call of which
//! lifts to an IR op; the user's own functions become opaque nodes), with
//! - a seeded synthetic generator (the default, so that everything runs anywhere) and a loader
//!   for the real data under `../shared/data` (see its README) where such data exists;
//! - a training step that fits all state (vectorizers, side tables, per-key aggregates, models)
//!   on the training split only; every score is taken on a test split no fitting step saw;
//! - the eager call (the annotated function as plain Rust), the lifted graph, and a
//!   hand-written fused implementation ([`fused`]), the practical speed limit.
//!
//! | workload | rows are | pipeline | model | main metric |
//! |---|---|---|---|---|
//! | [`text`] | short texts | word + char TF-IDF | logistic regression | accuracy |
//! | [`product`] | product titles | char n-gram counts, colour TF-IDF, brand TF-IDF | logistic regression | accuracy |
//! | [`flights`] | flights | left joins, per-key history tables, numeric ops | gradient-boosted trees | ROC AUC |
//! | [`stacked`] | short texts | four small models in opaque user functions | logistic regression | accuracy |
//!
//! [`harness`] trains each workload and measures every way of running it (DESIGN.md section 6);
//! `cargo bench --bench workloads` is its command line.

pub mod data;
pub mod flights;
pub mod fused;
pub mod harness;
pub mod product;
pub mod stacked;
pub mod text;
mod textgen;

use std::path::{Path, PathBuf};

use ndarray::Array2;
use willump::Pipeline;
use willump::runtime::metrics;
use willump::runtime::value::{Column, Value};

pub use willump::{Error, Result};

/// The score a workload is judged by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Metric {
    /// Fraction of rows whose predicted class (probability of class 1 above 0.5) is right.
    Accuracy,
    /// Area under the ROC curve of the class-1 probability.
    RocAuc,
}

impl Metric {
    /// The name used in tables and JSON (`accuracy`, `auc`).
    pub fn name(self) -> &'static str {
        match self {
            Metric::Accuracy => "accuracy",
            Metric::RocAuc => "auc",
        }
    }

    /// The score of class-1 probabilities `p1` against binary `labels`.
    pub fn score(self, labels: &[f64], p1: &[f64]) -> Result<f64> {
        match self {
            Metric::Accuracy => accuracy(labels, p1),
            Metric::RocAuc => metrics::roc_auc(labels, p1),
        }
    }
}

/// Accuracy of class-1 probabilities: a row is predicted class 1 when `p1 > 0.5` (the rule of
/// `Model::predict` for binary models: a positive log-odds).
pub fn accuracy(labels: &[f64], p1: &[f64]) -> Result<f64> {
    let pred: Vec<f64> = p1.iter().map(|&p| if p > 0.5 { 1.0 } else { 0.0 }).collect();
    metrics::accuracy(labels, &pred)
}

/// One split of a dataset: the pipeline's row inputs, in the order of its `#[row]` parameters,
/// and the binary labels.
#[derive(Debug, Clone)]
pub struct Split {
    /// One column per row input, all of the same length.
    pub inputs: Vec<Value>,
    /// One label (0 or 1) per row.
    pub labels: Vec<f64>,
}

impl Split {
    /// A split from its columns and labels; errors when the lengths differ.
    pub fn new(inputs: Vec<Column>, labels: Vec<f64>) -> Result<Split> {
        for (i, c) in inputs.iter().enumerate() {
            if c.len() != labels.len() {
                return Err(Error::invalid(
                    "Split::new",
                    format!("input {i}"),
                    format!("{} rows for {} labels", c.len(), labels.len()),
                ));
            }
        }
        Ok(Split { inputs: inputs.into_iter().map(Value::Column).collect(), labels })
    }

    /// Number of rows.
    pub fn n_rows(&self) -> usize {
        self.labels.len()
    }

    /// The rows at `rows`, in that order.
    pub fn take(&self, rows: &[usize]) -> Result<Split> {
        Ok(Split {
            inputs: self.inputs.iter().map(|v| v.take_rows(rows)).collect::<Result<_>>()?,
            labels: rows.iter().map(|&r| self.labels[r]).collect(),
        })
    }

    /// The first `n` rows (all of them when `n >= n_rows`).
    pub fn head(&self, n: usize) -> Result<Split> {
        let rows: Vec<usize> = (0..n.min(self.n_rows())).collect();
        self.take(&rows)
    }

    /// Input `i` as a column (an error naming `op` if it is not one).
    pub fn column(&self, op: &str, i: usize) -> Result<&Column> {
        input_column(op, &self.inputs, i)
    }
}

/// Row input `i` of `inputs` as a column, or an error naming `op`.
pub fn input_column<'a>(op: &str, inputs: &'a [Value], i: usize) -> Result<&'a Column> {
    match inputs.get(i) {
        Some(Value::Column(c)) => Ok(c),
        Some(v) => Err(Error::invalid(op, format!("input {i}"), format!("expected a column, found {}", v.ir_type()))),
        None => Err(Error::op(op, format!("takes at least {} row inputs, got {}", i + 1, inputs.len()))),
    }
}

/// Where a dataset came from.
#[derive(Debug, Clone, PartialEq)]
pub enum Source {
    /// The workload's seeded generator.
    Generated {
        /// The seed.
        seed: u64,
        /// Rows generated (before the split).
        rows: usize,
    },
    /// Real data read from a directory.
    Real {
        /// The data directory (the one holding `texts/` and `flights/`).
        dir: PathBuf,
    },
}

impl std::fmt::Display for Source {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Source::Generated { seed, rows } => write!(f, "generated (seed {seed}, {rows} rows)"),
            Source::Real { dir } => write!(f, "real data from {}", dir.display()),
        }
    }
}

/// A workload's data: the training and test splits and any side tables the pipeline joins.
#[derive(Debug, Clone)]
pub struct Dataset {
    /// Where it came from.
    pub source: Source,
    /// The rows every fitting step may see.
    pub train: Split,
    /// The rows scores are taken on (no fitting or tuning step sees them).
    pub test: Split,
    /// Side tables by name (the flights workload's planes, airports and weather).
    pub tables: Vec<(String, willump::runtime::value::Table)>,
}

impl Dataset {
    /// The side table called `name`, or an error naming `op`.
    pub fn table(&self, op: &str, name: &str) -> Result<&willump::runtime::value::Table> {
        self.tables
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, t)| t)
            .ok_or_else(|| Error::op(op, format!("the dataset has no side table `{name}`")))
    }
}

/// A benchmark workload.
pub trait Workload: Send + Sync {
    /// Its name (`text`, `product`, `flights`, `stacked`).
    fn name(&self) -> &'static str;

    /// One line saying what it is.
    fn description(&self) -> &'static str;

    /// The main metric.
    fn metric(&self) -> Metric;

    /// The names of the pipeline's row inputs, in order.
    fn input_names(&self) -> &'static [&'static str];

    /// A seeded synthetic dataset of about `rows` rows (training and test together).
    fn generate(&self, seed: u64, rows: usize) -> Result<Dataset>;

    /// The real dataset under `dir` (the directory holding `texts/` and `flights/`), or `None`
    /// when this workload has no real data (the caller then generates).
    fn load(&self, dir: &Path) -> Result<Option<Dataset>>;

    /// Fits every piece of state on `data.train` only.
    fn train(&self, data: &Dataset) -> Result<Box<dyn Trained>>;
}

/// A trained workload: its state, bound three ways.
pub trait Trained: Send + Sync {
    /// The `#[willump]` function called as plain Rust: the class-1 probability of every row.
    fn eager(&self, inputs: &[Value]) -> Result<Vec<f64>>;

    /// The lifted pipeline (`<name>_graph(state...)`), bound to this state.
    fn graph(&self) -> Result<Pipeline>;

    /// The hand-written fused implementation of the same pipeline.
    fn hand_fused(&self) -> Result<Box<dyn Scorer>>;

    /// Writes what the Python side-by-side script needs to run the same pipeline on the same
    /// rows (see `benches/python/workloads.py`) into `dir`.
    fn export(&self, data: &Dataset, dir: &Path) -> Result<()>;
}

/// Something that turns a batch of row inputs into class-1 probabilities.
pub trait Scorer: Send + Sync {
    /// The class-1 probability of every row of `inputs` (the pipeline's row inputs).
    fn predict(&self, inputs: &[Value]) -> Result<Vec<f64>>;
}

/// The class-1 column of a binary `predict_proba` output.
pub fn class1(proba: &Array2<f64>) -> Result<Vec<f64>> {
    if proba.ncols() != 2 {
        return Err(Error::op("class1", format!("expected 2 probability columns, got {}", proba.ncols())));
    }
    Ok(proba.column(1).to_vec())
}

/// The class-1 probabilities of a pipeline's output value (a dense `n x 2` block).
pub fn class1_of_value(v: &Value) -> Result<Vec<f64>> {
    match v {
        Value::Dense(d) => class1(d),
        other => Err(Error::op("class1", format!("expected dense probabilities, got {}", other.ir_type()))),
    }
}

/// Every workload, in the order the harness runs them.
pub fn all() -> Vec<Box<dyn Workload>> {
    vec![
        Box::new(text::TextWorkload),
        Box::new(product::ProductWorkload),
        Box::new(flights::FlightsWorkload),
        Box::new(stacked::StackedWorkload),
    ]
}

/// The workload called `name`.
pub fn by_name(name: &str) -> Option<Box<dyn Workload>> {
    all().into_iter().find(|w| w.name() == name)
}
