//! Horizontal concatenation of tables.

use crate::error::{Error, Result};
use crate::value::Table;

/// The columns of every table side by side, in order. Tables with no columns are skipped (a
/// table with no columns has zero rows by [`Table`]'s invariant, so it cannot say how many rows
/// it lacks); no tables give an empty table.
///
/// Errors (naming `hconcat` and the column): a column name that appears in two tables; a table
/// whose row count differs from the first non-empty table's (naming its first column).
pub fn hconcat(tables: &[&Table]) -> Result<Table> {
    const OP: &str = "hconcat";
    let mut n_rows = None;
    let mut out = Vec::with_capacity(tables.iter().map(|t| t.n_cols()).sum());
    for (t, table) in tables.iter().enumerate().filter(|(_, t)| t.n_cols() > 0) {
        let expected = *n_rows.get_or_insert(table.n_rows());
        if table.n_rows() != expected {
            return Err(Error::invalid(
                OP,
                &table.names()[0],
                format!("table {t} has {} rows, the first table has {expected}", table.n_rows()),
            ));
        }
        for (name, col) in table.names().iter().zip(table.columns()) {
            if out.iter().any(|(n, _)| n == name) {
                return Err(Error::invalid(OP, name, format!("duplicate column name (again in table {t})")));
            }
            out.push((name.clone(), col.clone()));
        }
    }
    Table::try_new(out)
}
