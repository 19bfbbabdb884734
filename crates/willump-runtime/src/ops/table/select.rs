//! Column selection.

use crate::error::{Error, Result};
use crate::value::Table;

/// The named columns of `table`, in the given order (columns are cloned; rows are untouched).
///
/// Errors (naming `select` and the column): an unknown column, a column named twice. Selecting no
/// columns gives a table with no columns (which has zero rows, by [`Table`]'s invariant).
pub fn select(table: &Table, columns: &[&str]) -> Result<Table> {
    const OP: &str = "select";
    for (i, c) in columns.iter().enumerate() {
        if columns[..i].contains(c) {
            return Err(Error::invalid(OP, *c, "column selected twice"));
        }
    }
    table.select(OP, columns)
}
