//! Bound state: the fitted values a pipeline owns (`Arc`-shared with every engine that runs
//! it), each with the [`StateKind`] the IR types against and a content fingerprint.

use std::sync::Arc;

use willump_ir::params::text::Analyzer;
use willump_ir::{ColumnType, ModelTask, StateKind};

use crate::fingerprint::{fingerprint_bytes, fingerprint_of};
use crate::models::{Model, Task};
use crate::ops::numeric::{OneHotCategories, OneHotEncoder};
use crate::ops::table::LeftJoin;
use crate::ops::text::{CountVectorizer, HashingVectorizer, TfidfVectorizer};

/// A user function (or a call the library does not know) that the pipeline calls back.
#[derive(Clone)]
pub struct OpaqueCall {
    /// The path or method as the user wrote it.
    pub name: String,
    /// The call: values of the node's arguments in, the node's value out.
    pub f: crate::lift::Fallback,
}

impl std::fmt::Debug for OpaqueCall {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "OpaqueCall({})", self.name)
    }
}

/// A piece of state bound to a pipeline.
#[derive(Clone, Debug)]
pub enum BoundState {
    /// A fitted count vectorizer.
    Count(Arc<CountVectorizer>),
    /// A fitted TF-IDF vectorizer.
    Tfidf(Arc<TfidfVectorizer>),
    /// A hashing vectorizer (no fitted state, only parameters).
    Hashing(Arc<HashingVectorizer>),
    /// A fitted one-hot encoder.
    OneHot(Arc<OneHotEncoder>),
    /// A side table indexed for left joins (also the served form of per-key aggregates).
    Join(Arc<LeftJoin>),
    /// A fitted model.
    Model(Arc<dyn Model>),
    /// A function called back through Rust.
    Function(OpaqueCall),
}

impl BoundState {
    /// What the IR knows of this state.
    pub fn kind(&self) -> StateKind {
        match self {
            BoundState::Count(v) => StateKind::Vectorizer {
                class: "count".into(),
                n_features: v.vocabulary().len(),
                tokens: v.params().analysis.analyzer == Analyzer::Word,
            },
            BoundState::Tfidf(v) => StateKind::Vectorizer {
                class: "tfidf".into(),
                n_features: v.vocabulary().len(),
                tokens: v.params().count.analysis.analyzer == Analyzer::Word,
            },
            BoundState::Hashing(v) => StateKind::Vectorizer {
                class: "hashing".into(),
                n_features: v.params().n_features as usize,
                tokens: v.params().analysis.analyzer == Analyzer::Word,
            },
            BoundState::OneHot(e) => StateKind::OneHot {
                n_categories: e.n_features(),
                input: match e.categories() {
                    OneHotCategories::Str(_) => ColumnType::Str,
                    OneHotCategories::I64(_) => ColumnType::I64,
                },
            },
            BoundState::Join(j) => StateKind::SideTable {
                n_rows: j.n_side_rows(),
                keys: j.key_types(),
                values: j.value_names().iter().map(|n| n.to_string()).zip(j.value_types()).collect(),
            },
            BoundState::Model(m) => StateKind::Model {
                class: m.name().to_string(),
                n_features: m.n_features(),
                task: match m.task() {
                    Task::Binary => ModelTask::Binary,
                    Task::MultiClass { n_classes } => ModelTask::MultiClass(n_classes),
                    Task::Regression => ModelTask::Regression,
                },
            },
            BoundState::Function(c) => StateKind::Function { name: c.name.clone() },
        }
    }

    /// A stable fingerprint of the contents (the serialized state; a function's name).
    pub fn fingerprint(&self) -> u64 {
        let fp = |r: std::result::Result<u64, serde_json::Error>| r.unwrap_or(0);
        match self {
            BoundState::Count(v) => fp(fingerprint_of(&**v)),
            BoundState::Tfidf(v) => fp(fingerprint_of(&**v)),
            BoundState::Hashing(v) => fp(fingerprint_of(&**v)),
            BoundState::OneHot(v) => fp(fingerprint_of(&**v)),
            BoundState::Join(v) => fp(fingerprint_of(&**v)),
            BoundState::Model(m) => match m.to_saved() {
                Ok(saved) => fingerprint_of(&saved).unwrap_or(0),
                // A model that cannot be saved is fingerprinted by its class and shape.
                Err(_) => fingerprint_bytes(format!("{}:{}:{:?}", m.name(), m.n_features(), m.task()).as_bytes()),
            },
            BoundState::Function(c) => fingerprint_bytes(c.name.as_bytes()),
        }
    }
}
