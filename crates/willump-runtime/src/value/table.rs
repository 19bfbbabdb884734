//! Tables: named, typed columns of equal length.

use serde::{Deserialize, Serialize};

use super::Column;
use crate::error::{Error, Result};

/// A table of named columns, all with the same number of rows and unique names.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(try_from = "TableParts")]
pub struct Table {
    names: Vec<String>,
    columns: Vec<Column>,
    n_rows: usize,
}

/// The serialized form, checked by [`Table::try_new`] on load.
#[derive(Deserialize)]
struct TableParts {
    names: Vec<String>,
    columns: Vec<Column>,
    n_rows: usize,
}

impl TryFrom<TableParts> for Table {
    type Error = Error;
    fn try_from(p: TableParts) -> Result<Self> {
        if p.names.len() != p.columns.len() {
            return Err(Error::Artifact(format!("table: {} names for {} columns", p.names.len(), p.columns.len())));
        }
        let t = Table::try_new(p.names.into_iter().zip(p.columns).collect())?;
        if t.n_cols() > 0 && t.n_rows() != p.n_rows {
            return Err(Error::Artifact(format!("table: {} rows recorded, columns have {}", p.n_rows, t.n_rows())));
        }
        Ok(t)
    }
}

impl Table {
    /// Builds a table, checking that names are unique and columns have equal length. A table with
    /// no columns has zero rows.
    pub fn try_new(columns: Vec<(String, Column)>) -> Result<Self> {
        const OP: &str = "Table::try_new";
        let n_rows = columns.first().map_or(0, |(_, c)| c.len());
        let mut names = Vec::with_capacity(columns.len());
        let mut cols = Vec::with_capacity(columns.len());
        for (name, col) in columns {
            if names.contains(&name) {
                return Err(Error::invalid(OP, &name, "duplicate column name"));
            }
            if col.len() != n_rows {
                return Err(Error::invalid(
                    OP,
                    &name,
                    format!("ragged columns: {} rows, the first column has {n_rows}", col.len()),
                ));
            }
            names.push(name);
            cols.push(col);
        }
        Ok(Table { names, columns: cols, n_rows })
    }

    /// Number of rows.
    pub fn n_rows(&self) -> usize {
        self.n_rows
    }

    /// Number of columns.
    pub fn n_cols(&self) -> usize {
        self.columns.len()
    }

    /// Column names, in order.
    pub fn names(&self) -> &[String] {
        &self.names
    }

    /// Columns, in order.
    pub fn columns(&self) -> &[Column] {
        &self.columns
    }

    /// The position of the column called `name`.
    pub fn position(&self, name: &str) -> Option<usize> {
        self.names.iter().position(|n| n == name)
    }

    /// The column called `name`, or an error naming `op` and the column.
    pub fn column(&self, op: &str, name: &str) -> Result<&Column> {
        self.position(name)
            .map(|i| &self.columns[i])
            .ok_or_else(|| Error::invalid(op, name, format!("no such column (table has: {})", self.names.join(", "))))
    }

    /// A new table with the named columns, in the given order.
    pub fn select(&self, op: &str, names: &[&str]) -> Result<Table> {
        let mut cols = Vec::with_capacity(names.len());
        for &n in names {
            cols.push((n.to_string(), self.column(op, n)?.clone()));
        }
        Table::try_new(cols)
    }

    /// The rows at `rows`, in that order.
    pub fn take(&self, rows: &[usize]) -> Result<Table> {
        let columns = self.columns.iter().map(|c| c.take(rows)).collect::<Result<Vec<_>>>()?;
        Ok(Table { names: self.names.clone(), columns, n_rows: rows.len() })
    }

    /// Appends a column; errors on a duplicate name or a length mismatch (unless the table has no
    /// columns yet).
    pub fn push(&mut self, name: impl Into<String>, column: Column) -> Result<()> {
        let name = name.into();
        if self.names.contains(&name) {
            return Err(Error::invalid("Table::push", &name, "duplicate column name"));
        }
        if !self.columns.is_empty() && column.len() != self.n_rows {
            return Err(Error::invalid(
                "Table::push",
                &name,
                format!("ragged columns: {} rows, the table has {}", column.len(), self.n_rows),
            ));
        }
        self.n_rows = column.len();
        self.names.push(name);
        self.columns.push(column);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::value::{F64Column, StringColumn};

    #[test]
    fn ragged_and_duplicate_rejected() {
        let a = Column::from(F64Column::from(vec![1.0, 2.0]));
        let b = Column::from(StringColumn::from_strs(&["x"]));
        let e = Table::try_new(vec![("a".into(), a.clone()), ("b".into(), b)]).unwrap_err().to_string();
        assert!(e.contains("column `b`") && e.contains("ragged"), "{e}");
        let e = Table::try_new(vec![("a".into(), a.clone()), ("a".into(), a.clone())]).unwrap_err().to_string();
        assert!(e.contains("duplicate"), "{e}");
        let t = Table::try_new(vec![("a".into(), a)]).unwrap();
        assert!(t.column("join", "zz").unwrap_err().to_string().contains("column `zz`"));
        assert_eq!(t.take(&[1, 0]).unwrap().n_rows(), 2);
    }
}
