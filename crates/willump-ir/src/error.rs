//! Errors of IR construction, validation and parsing.

use thiserror::Error;

use crate::entity::NodeId;

/// What is wrong with an IR graph or its text.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum IrError {
    /// An argument has the wrong type for its op.
    #[error("{node} (`{op}`): {message}")]
    Type {
        /// The node at fault.
        node: NodeId,
        /// Its op.
        op: String,
        /// What is wrong.
        message: String,
    },
    /// A node uses a value that is defined later.
    #[error("{node} uses {used} before it is defined")]
    UsedBeforeDefined {
        /// The using node.
        node: NodeId,
        /// The value used too early.
        used: NodeId,
    },
    /// Nodes depend on each other in a cycle.
    #[error("cycle through {0:?}")]
    Cycle(Vec<NodeId>),
    /// A node refers to a value or state that does not exist.
    #[error("{node}: unknown {what} `{id}`")]
    Unknown {
        /// The node at fault.
        node: NodeId,
        /// `value` or `state`.
        what: &'static str,
        /// The unknown id.
        id: String,
    },
    /// A pipeline input is missing, duplicated or out of order.
    #[error("input: {0}")]
    Input(String),
    /// The graph has no output, or its output is not what it must be.
    #[error("output: {0}")]
    Output(String),
    /// The text form could not be parsed.
    #[error("line {line}: {message}")]
    Parse {
        /// 1-based line number.
        line: usize,
        /// What is wrong.
        message: String,
    },
    /// Feature-group discovery failed.
    #[error("feature groups: {0}")]
    Groups(String),
}
