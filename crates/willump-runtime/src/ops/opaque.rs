//! Opaque operators: any Rust function from input columns to a feature block. Willump cannot see
//! inside it, so it checks what comes out instead of trusting it.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;

use crate::error::{Error, Result};
use crate::value::{Column, Matrix};

/// The function type of an opaque operator.
pub type OpaqueFnPtr = Arc<dyn Fn(&[&Column]) -> Result<Matrix> + Send + Sync>;

/// A named user function from input columns to a dense or sparse block, with its output width
/// when known.
///
/// [`call`](Self::call) checks the inputs (at least one column, all of equal length) and the
/// output (one row per input row; the declared width, if any) and returns an error naming the
/// function for any violation. An `Err` from the function becomes [`Error::User`] naming it; a
/// panic inside it is caught and also becomes [`Error::User`] (the panic message is kept).
#[derive(Clone)]
pub struct OpaqueFn {
    name: String,
    width: Option<usize>,
    func: OpaqueFnPtr,
}

impl std::fmt::Debug for OpaqueFn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OpaqueFn").field("name", &self.name).field("width", &self.width).finish_non_exhaustive()
    }
}

impl OpaqueFn {
    /// A function called `name` whose output has `width` columns (`None`: any width, checked
    /// only for its row count).
    pub fn new(
        name: impl Into<String>,
        width: Option<usize>,
        func: impl Fn(&[&Column]) -> Result<Matrix> + Send + Sync + 'static,
    ) -> Self {
        OpaqueFn { name: name.into(), width, func: Arc::new(func) }
    }

    /// The function's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The declared output width.
    pub fn width(&self) -> Option<usize> {
        self.width
    }

    /// Runs the function on `inputs` and checks its output (see the type's documentation).
    pub fn call(&self, inputs: &[&Column]) -> Result<Matrix> {
        let op = self.name.as_str();
        let Some(first) = inputs.first() else {
            return Err(Error::op(op, "an opaque function needs at least one input column"));
        };
        let n_rows = first.len();
        if let Some(i) = inputs.iter().position(|c| c.len() != n_rows) {
            return Err(Error::invalid(
                op,
                format!("input {i}"),
                format!("{} rows, but input 0 has {n_rows}", inputs[i].len()),
            ));
        }
        let out = match catch_unwind(AssertUnwindSafe(|| (self.func)(inputs))) {
            Ok(Ok(m)) => m,
            Ok(Err(Error::User { message, .. })) => return Err(Error::User { op: op.to_owned(), message }),
            Ok(Err(e)) => return Err(Error::User { op: op.to_owned(), message: e.to_string() }),
            Err(panic) => {
                let message = panic
                    .downcast_ref::<&str>()
                    .map(|s| s.to_string())
                    .or_else(|| panic.downcast_ref::<String>().cloned())
                    .unwrap_or_else(|| "non-string panic payload".to_owned());
                return Err(Error::User { op: op.to_owned(), message: format!("panicked: {message}") });
            }
        };
        if out.n_rows() != n_rows {
            return Err(Error::op(op, format!("the function returned {} rows for {n_rows} input rows", out.n_rows())));
        }
        if let Some(w) = self.width.filter(|&w| w != out.n_cols()) {
            return Err(Error::op(op, format!("the function returned {} columns, declared {w}", out.n_cols())));
        }
        Ok(out)
    }
}
