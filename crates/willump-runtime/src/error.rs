//! The one error type of the runtime (re-exported by the facade as `willump::Error`).
//!
//! Every error raised while checking or running an operator names the operator and, where one is
//! to blame, the column, so that a user can find the offending input without a debugger.

use thiserror::Error as ThisError;

/// Result alias used across the runtime.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong in willump at run time.
#[derive(Debug, ThisError, Clone, PartialEq)]
pub enum Error {
    /// An input to an operator is invalid: ragged lengths, bad offsets, a wrong type, a value
    /// outside the domain the operator accepts.
    #[error("{op}: column `{column}`: {message}")]
    InvalidInput {
        /// The operator (or constructor) that rejected the input.
        op: String,
        /// The column (or argument) at fault.
        column: String,
        /// What is wrong with it.
        message: String,
    },
    /// An operator cannot do what was asked for a reason not tied to one column (a fit that found
    /// no vocabulary, conflicting parameters, ...).
    #[error("{op}: {message}")]
    Op {
        /// The operator that failed.
        op: String,
        /// Why it failed.
        message: String,
    },
    /// A stateful operator or model was used before it was fitted.
    #[error("{op}: not fitted")]
    NotFitted {
        /// The operator that is not fitted.
        op: String,
    },
    /// The IR was malformed (validation or parsing failed).
    #[error("ir: {0}")]
    Ir(String),
    /// A saved artifact (model, pipeline) is corrupt, truncated, or does not match.
    #[error("artifact: {0}")]
    Artifact(String),
    /// The compiler failed; the message carries the offending IR.
    #[error("compile: {0}")]
    Compile(String),
    /// An I/O error (reading data or artifacts), as text so that `Error` stays `Clone`.
    #[error("io: {0}")]
    Io(String),
    /// A user-supplied (opaque) function failed.
    #[error("{op}: user function failed: {message}")]
    User {
        /// The opaque node's name.
        op: String,
        /// The user's error, as text.
        message: String,
    },
}

impl Error {
    /// An [`Error::InvalidInput`] for `op` and `column`.
    pub fn invalid(op: impl Into<String>, column: impl Into<String>, message: impl Into<String>) -> Self {
        Error::InvalidInput { op: op.into(), column: column.into(), message: message.into() }
    }

    /// An [`Error::Op`] for `op`.
    pub fn op(op: impl Into<String>, message: impl Into<String>) -> Self {
        Error::Op { op: op.into(), message: message.into() }
    }
}

impl From<std::io::Error> for Error {
    fn from(e: std::io::Error) -> Self {
        Error::Io(e.to_string())
    }
}
