//! Bound state: the fitted values a pipeline owns (`Arc`-shared with every engine that runs
//! it), each with the [`StateKind`] the IR types against and a content fingerprint.

use std::sync::Arc;

use willump_ir::{ModelTask, StateKind};

use crate::fingerprint::{fingerprint_bytes, fingerprint_of};
use crate::models::{Model, Task};

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
    /// A fitted model.
    Model(Arc<dyn Model>),
    /// A function called back through Rust.
    Function(OpaqueCall),
}

impl BoundState {
    /// What the IR knows of this state.
    pub fn kind(&self) -> StateKind {
        match self {
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
        match self {
            BoundState::Model(m) => match m.to_saved() {
                Ok(saved) => fingerprint_of(&saved).unwrap_or(0),
                // A model that cannot be saved is fingerprinted by its class and shape.
                Err(_) => fingerprint_bytes(format!("{}:{}:{:?}", m.name(), m.n_features(), m.task()).as_bytes()),
            },
            BoundState::Function(c) => fingerprint_bytes(c.name.as_bytes()),
        }
    }
}
