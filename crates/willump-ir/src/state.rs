//! Bound state as the IR sees it: what kind of thing it is, the shape facts type checking needs,
//! and a content fingerprint. The contents (vocabularies, tables, weights) live in the runtime,
//! owned by the pipeline; the IR text prints only the kind, shape and fingerprint.

use serde::{Deserialize, Serialize};

use crate::types::{ColumnType, Schema};

/// What a model predicts, as the IR needs it for typing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ModelTask {
    /// Two classes.
    Binary,
    /// `k >= 3` classes.
    MultiClass(usize),
    /// A real value.
    Regression,
}

impl ModelTask {
    /// Number of probability columns (`None` for regression).
    pub fn n_classes(&self) -> Option<usize> {
        match *self {
            ModelTask::Binary => Some(2),
            ModelTask::MultiClass(k) => Some(k),
            ModelTask::Regression => None,
        }
    }

    /// Number of raw-score columns.
    pub fn n_outputs(&self) -> usize {
        match *self {
            ModelTask::MultiClass(k) => k,
            _ => 1,
        }
    }
}

/// The kind and shape of a piece of bound state.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum StateKind {
    /// A fitted text vectorizer producing `n_features` sparse columns.
    Vectorizer {
        /// `count`, `tfidf` or `hashing`.
        class: String,
        /// Output width.
        n_features: usize,
        /// Whether it also accepts pre-tokenized input.
        tokens: bool,
    },
    /// A fitted one-hot encoder.
    OneHot {
        /// Output width (number of known categories).
        n_categories: usize,
        /// The input column type.
        input: ColumnType,
    },
    /// A side table indexed for left joins.
    SideTable {
        /// Rows in the side table.
        n_rows: usize,
        /// Key column types, in key order.
        keys: Vec<ColumnType>,
        /// The value columns a join yields.
        values: Schema,
    },
    /// A fitted model.
    Model {
        /// Model class (`logistic_regression`, `gbdt`, ...).
        class: String,
        /// Input width.
        n_features: usize,
        /// What it predicts.
        task: ModelTask,
    },
    /// A user function (or a method on user state) called back through Rust.
    Function {
        /// The function's path as the user wrote it (for reports).
        name: String,
    },
}

impl StateKind {
    /// The kind's name in the text form.
    pub fn name(&self) -> &'static str {
        match self {
            StateKind::Vectorizer { .. } => "vectorizer",
            StateKind::OneHot { .. } => "one_hot",
            StateKind::SideTable { .. } => "side_table",
            StateKind::Model { .. } => "model",
            StateKind::Function { .. } => "function",
        }
    }
}

/// A state declaration: kind, the user's name for it, and a fingerprint of its contents.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StateDecl {
    /// The parameter (or expression) name the state came from.
    pub name: String,
    /// Kind and shape.
    pub kind: StateKind,
    /// A 64-bit fingerprint of the contents (stable across runs and machines).
    pub fingerprint: u64,
}
