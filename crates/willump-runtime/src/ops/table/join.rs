//! Left join (lookup) of probe rows against a side table indexed once at fit time.

use serde::{Deserialize, Serialize};
use willump_ir::params::table::{LeftJoinParams, Scalar};

use super::gather::ExtendedColumn;
use super::key::{KeyColumns, KeyIndex, NONE, OnDuplicate};
use crate::error::{Error, Result};
use crate::value::{Column, ColumnType, Table};

const FIT: &str = "left_join.fit";
const TRANSFORM: &str = "left_join.transform";

/// A side table indexed by its key columns, for left joins (lookups).
///
/// Semantics of [`transform`](Self::transform):
/// - one output row per probe row, in probe order: no row is ever dropped or repeated (the side
///   table's keys are unique, checked at fit time);
/// - a probe row whose key is absent from the side table, or whose key has a null in any key
///   column, gets each value column's declared default. A default is a value
///   ([`Scalar::F64`], [`Scalar::I64`], ...) or [`Scalar::Missing`], which makes the output row
///   missing (null);
/// - a matched row gets the side table's value as it is, missing included (a missing side value
///   is not replaced by the default: the key was found);
/// - keys are compared exactly, part by part (str byte for byte, i64 by value); f64 and bool key
///   columns are rejected. Side rows with a null key part are never matched;
/// - an empty probe gives empty columns; an empty side table gives every probe row the defaults.
///
/// Serialized as its key and value columns and defaults; the hash index is rebuilt on load.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(try_from = "JoinState", into = "JoinState")]
pub struct LeftJoin {
    state: JoinState,
    index: KeyIndex,
    /// The value columns extended with their defaults (derived from `state`).
    extended: Vec<ExtendedColumn>,
}

/// The saved form of a [`LeftJoin`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct JoinState {
    keys: Vec<(String, Column)>,
    values: Vec<JoinColumn>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct JoinColumn {
    name: String,
    column: Column,
    default: Scalar,
}

impl PartialEq for LeftJoin {
    fn eq(&self, other: &Self) -> bool {
        self.state == other.state
    }
}

impl LeftJoin {
    /// Indexes `side` by the key columns `keys` (str and/or i64, in order) and keeps the value
    /// columns `values`, each with the default a probe row gets when its key is not found.
    ///
    /// Errors: no key or no value columns; an unknown column, an f64 or bool key column, a value
    /// named twice, a default whose type does not fit its column (an f64 column takes `F64`, `I64`
    /// or `Missing`; the other types take their own type or `Missing`), each naming
    /// `left_join.fit` and the column; a key that appears twice in `side` (naming the key columns
    /// and the duplicate key).
    pub fn fit(side: &Table, keys: &[&str], values: &[(&str, Scalar)]) -> Result<LeftJoin> {
        if values.is_empty() {
            return Err(Error::op(FIT, "at least one value column is needed"));
        }
        let key_cols = keys.iter().map(|&k| Ok((k.to_owned(), side.column(FIT, k)?.clone()))).collect::<Result<_>>()?;
        let mut value_cols: Vec<JoinColumn> = Vec::with_capacity(values.len());
        for (name, default) in values {
            if value_cols.iter().any(|v| v.name == *name) {
                return Err(Error::invalid(FIT, *name, "value column named twice"));
            }
            let column = side.column(FIT, name)?.clone();
            check_default(name, &column, default)?;
            value_cols.push(JoinColumn { name: (*name).to_owned(), column, default: default.clone() });
        }
        Self::from_state(JoinState { keys: key_cols, values: value_cols })
    }

    /// [`fit`](Self::fit) from IR parameters (the probe keys are used by the caller at transform
    /// time).
    pub fn fit_params(side: &Table, params: &LeftJoinParams) -> Result<LeftJoin> {
        let keys: Vec<&str> = params.side_keys.iter().map(String::as_str).collect();
        let values: Vec<(&str, Scalar)> =
            params.values.iter().map(|v| (v.column.as_str(), v.default.clone())).collect();
        Self::fit(side, &keys, &values)
    }

    fn from_state(state: JoinState) -> Result<LeftJoin> {
        let n = state.keys.first().map_or(0, |(_, c)| c.len());
        for JoinColumn { name, column, default } in &state.values {
            if column.len() != n {
                return Err(Error::invalid(FIT, name, format!("{} rows, the key columns have {n}", column.len())));
            }
            check_default(name, column, default)?;
        }
        let index = {
            let keys = side_keys(&state, n)?;
            KeyIndex::build(FIT, &keys, OnDuplicate::Reject)?.index
        };
        let extended = state
            .values
            .iter()
            .map(|v| ExtendedColumn::new(FIT, &v.name, &v.column, &v.default))
            .collect::<Result<_>>()?;
        Ok(LeftJoin { state, index, extended })
    }

    /// The side table's key column names, in order.
    pub fn key_names(&self) -> Vec<&str> {
        self.state.keys.iter().map(|(n, _)| n.as_str()).collect()
    }

    /// The key column types, in order.
    pub fn key_types(&self) -> Vec<ColumnType> {
        self.state.keys.iter().map(|(_, c)| c.column_type()).collect()
    }

    /// The looked-up value columns' names, in output order.
    pub fn value_names(&self) -> Vec<&str> {
        self.state.values.iter().map(|v| v.name.as_str()).collect()
    }

    /// The looked-up value columns' types, in output order.
    pub fn value_types(&self) -> Vec<ColumnType> {
        self.state.values.iter().map(|v| v.column.column_type()).collect()
    }

    /// Each value column's default, in output order.
    pub fn defaults(&self) -> Vec<&Scalar> {
        self.state.values.iter().map(|v| &v.default).collect()
    }

    /// The indexed side table: the key columns, then the value columns that are not keys.
    pub fn side_table(&self) -> Result<Table> {
        let mut cols: Vec<(String, Column)> = self.state.keys.clone();
        for v in &self.state.values {
            if !cols.iter().any(|(n, _)| *n == v.name) {
                cols.push((v.name.clone(), v.column.clone()));
            }
        }
        Table::try_new(cols)
    }

    /// Number of rows of the side table (including rows with a null key, which never match).
    pub fn n_side_rows(&self) -> usize {
        self.state.keys.first().map_or(0, |(_, c)| c.len())
    }

    /// Looks every row of `probe` up by its columns `probe_keys` (matched position by position
    /// to the side keys) and returns the value columns, one row per probe row, in probe order.
    /// See the type's documentation for missing and null keys.
    ///
    /// Errors: a different number of key columns; an unknown probe column, or one whose type
    /// differs from its side key (naming `left_join.transform` and the probe column).
    pub fn transform(&self, probe: &Table, probe_keys: &[&str]) -> Result<Table> {
        let rows = self.match_rows(probe, probe_keys)?;
        let mut out = Vec::with_capacity(self.state.values.len());
        let mut matched = None;
        for (v, ext) in self.state.values.iter().zip(&self.extended) {
            out.push((v.name.clone(), ext.gather(TRANSFORM, &v.name, &rows, &mut matched)?));
        }
        Table::try_new(out)
    }

    /// The matched side row of every probe row, or `None`.
    pub fn lookup(&self, probe: &Table, probe_keys: &[&str]) -> Result<Vec<Option<usize>>> {
        let rows = self.match_rows(probe, probe_keys)?;
        let n = self.n_side_rows() as u32;
        Ok(rows.into_iter().map(|r| (r != n).then_some(r as usize)).collect())
    }

    /// The matched side row of every probe row, or `n_side_rows` (the extended columns' default
    /// row) when not found.
    fn match_rows(&self, probe: &Table, probe_keys: &[&str]) -> Result<Vec<u32>> {
        let n = self.n_side_rows() as u32;
        let side = side_keys(&self.state, n as usize)?;
        let probe = KeyColumns::from_table(TRANSFORM, probe, probe_keys)?;
        probe.check_compatible(TRANSFORM, &side)?;
        Ok((0..probe.n_rows())
            .map(|i| match self.index.lookup(&side, &probe, i) {
                NONE => n,
                r => r,
            })
            .collect())
    }
}

fn side_keys(state: &JoinState, n: usize) -> Result<KeyColumns<'_>> {
    let cols: Vec<(&str, &Column)> = state.keys.iter().map(|(n, c)| (n.as_str(), c)).collect();
    KeyColumns::from_columns(FIT, &cols, n)
}

fn check_default(name: &str, column: &Column, default: &Scalar) -> Result<()> {
    let ok = matches!(
        (column, default),
        (_, Scalar::Missing)
            | (Column::F64(_), Scalar::F64(_) | Scalar::I64(_))
            | (Column::I64(_), Scalar::I64(_))
            | (Column::Bool(_), Scalar::Bool(_))
            | (Column::Str(_), Scalar::Str(_))
    );
    if ok {
        Ok(())
    } else {
        Err(Error::invalid(
            FIT,
            name,
            format!("a {} default does not fit a {} column", default.type_name(), column.column_type()),
        ))
    }
}

impl TryFrom<JoinState> for LeftJoin {
    type Error = Error;

    fn try_from(s: JoinState) -> Result<Self> {
        Self::from_state(s)
    }
}

impl From<LeftJoin> for JoinState {
    fn from(j: LeftJoin) -> Self {
        j.state
    }
}
