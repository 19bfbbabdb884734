//! [`Value`]: any value an IR node computes, as the interpreter and opaque calls pass them.

use std::any::Any;
use std::sync::Arc;

use ndarray::Array2;
use willump_ir::Type;

use super::{BoolColumn, Column, CsrMatrix, F64Column, I64Column, Matrix, MatrixRef, StringColumn, Table};
use crate::error::{Error, Result};
use crate::ops::text::TokenColumn;

/// A Rust value the IR does not know (produced and consumed by user code), shared and typed by
/// name.
#[derive(Clone)]
pub struct OpaqueValue {
    value: Arc<dyn Any + Send + Sync>,
    type_name: &'static str,
    n_rows: Option<usize>,
}

impl OpaqueValue {
    /// Wraps a value.
    pub fn new<T: Any + Send + Sync>(v: T) -> Self {
        OpaqueValue { value: Arc::new(v), type_name: std::any::type_name::<T>(), n_rows: None }
    }

    /// The Rust type name.
    pub fn type_name(&self) -> &'static str {
        self.type_name
    }

    /// The inner value.
    pub fn as_any(&self) -> &(dyn Any + Send + Sync) {
        &*self.value
    }
}

impl std::fmt::Debug for OpaqueValue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "OpaqueValue<{}>", self.type_name)
    }
}

/// Any value an IR node computes.
#[derive(Debug, Clone)]
pub enum Value {
    /// A per-row column.
    Column(Column),
    /// Word tokens per row.
    Tokens(TokenColumn),
    /// A CSR sparse feature block.
    Sparse(CsrMatrix),
    /// A dense feature block.
    Dense(Array2<f64>),
    /// A table.
    Table(Table),
    /// A value of a type the IR does not know.
    Opaque(OpaqueValue),
}

impl Value {
    /// The value's IR type (widths and schemas included).
    pub fn ir_type(&self) -> Type {
        match self {
            Value::Column(c) => Type::Column(c.column_type()),
            Value::Tokens(_) => Type::Tokens,
            Value::Sparse(m) => Type::Sparse(Some(m.n_cols())),
            Value::Dense(m) => Type::Dense(Some(m.ncols())),
            Value::Table(t) => table_type(t),
            Value::Opaque(o) => Type::Opaque(o.type_name.to_string()),
        }
    }

    /// Number of rows, when the value has rows.
    pub fn n_rows(&self) -> Option<usize> {
        match self {
            Value::Column(c) => Some(c.len()),
            Value::Tokens(t) => Some(t.len()),
            Value::Sparse(m) => Some(m.n_rows()),
            Value::Dense(m) => Some(m.nrows()),
            Value::Table(t) => Some(t.n_rows()),
            Value::Opaque(o) => o.n_rows,
        }
    }

    /// The rows at `rows`, in that order (opaque values cannot be subset: an error).
    pub fn take_rows(&self, rows: &[usize]) -> Result<Value> {
        Ok(match self {
            Value::Column(c) => Value::Column(c.take(rows)?),
            Value::Tokens(t) => Value::Tokens(t.take(rows)?),
            Value::Sparse(m) => Value::Sparse(m.take_rows(rows)?),
            Value::Dense(m) => match MatrixRef::Dense(m.view()).take_rows(rows)? {
                Matrix::Dense(d) => Value::Dense(d),
                Matrix::Sparse(s) => Value::Sparse(s),
            },
            Value::Table(t) => Value::Table(t.take(rows)?),
            Value::Opaque(o) => {
                return Err(Error::op("take", format!("cannot select rows of an opaque `{}` value", o.type_name)));
            }
        })
    }

    /// A borrowed model-input view, without copying, for sparse and dense blocks.
    pub fn matrix_ref(&self, op: &str, name: &str) -> Result<MatrixRef<'_>> {
        match self {
            Value::Sparse(m) => Ok(MatrixRef::Sparse(m)),
            Value::Dense(m) => Ok(MatrixRef::Dense(m.view())),
            other => {
                Err(Error::invalid(op, name, format!("expected a sparse or dense block, found {}", other.ir_type())))
            }
        }
    }

    /// The column, or an error naming `op` and `name`.
    pub fn as_column(&self, op: &str, name: &str) -> Result<&Column> {
        match self {
            Value::Column(c) => Ok(c),
            other => Err(Error::invalid(op, name, format!("expected a column, found {}", other.ir_type()))),
        }
    }

    /// The table, or an error naming `op` and `name`.
    pub fn as_table(&self, op: &str, name: &str) -> Result<&Table> {
        match self {
            Value::Table(t) => Ok(t),
            other => Err(Error::invalid(op, name, format!("expected a table, found {}", other.ir_type()))),
        }
    }

    /// The inner typed value, for downcasting to the Rust type an opaque call takes
    /// (`StringColumn`, `F64Column`, `CsrMatrix`, `Array2<f64>`, `Table`, or the opaque type).
    pub fn as_any(&self) -> &(dyn Any + Send + Sync) {
        match self {
            Value::Column(Column::Str(c)) => c,
            Value::Column(Column::F64(c)) => c,
            Value::Column(Column::I64(c)) => c,
            Value::Column(Column::Bool(c)) => c,
            Value::Tokens(t) => t,
            Value::Sparse(m) => m,
            Value::Dense(m) => m,
            Value::Table(t) => t,
            Value::Opaque(o) => o.as_any(),
        }
    }

    /// Wraps any Rust value: the types the IR knows become their variant (a [`Matrix`] becomes
    /// `Dense` or `Sparse`, a `Vec<f64>` an f64 column), every other type is opaque.
    pub fn from_any<T: Any + Send + Sync>(v: T) -> Value {
        let b: Box<dyn Any + Send + Sync> = Box::new(v);
        macro_rules! try_as {
            ($b:ident, $t:ty, $wrap:expr) => {
                let $b = match $b.downcast::<$t>() {
                    Ok(x) => return $wrap(*x),
                    Err(b) => b,
                };
            };
        }
        try_as!(b, StringColumn, |c| Value::Column(Column::Str(c)));
        try_as!(b, F64Column, |c| Value::Column(Column::F64(c)));
        try_as!(b, I64Column, |c| Value::Column(Column::I64(c)));
        try_as!(b, BoolColumn, |c| Value::Column(Column::Bool(c)));
        try_as!(b, Column, Value::Column);
        try_as!(b, TokenColumn, Value::Tokens);
        try_as!(b, CsrMatrix, Value::Sparse);
        try_as!(b, Array2<f64>, Value::Dense);
        try_as!(b, Table, Value::Table);
        try_as!(b, Matrix, |m| match m {
            Matrix::Dense(d) => Value::Dense(d),
            Matrix::Sparse(s) => Value::Sparse(s),
        });
        try_as!(b, Vec<f64>, |v| Value::Column(Column::F64(F64Column::new(v))));
        try_as!(b, Value, |v| v);
        let type_name = std::any::type_name::<T>();
        Value::Opaque(OpaqueValue { value: Arc::from(b), type_name, n_rows: None })
    }
}

/// The values of a numeric column as f64 (missing -> NaN; i64 and bool converted).
pub fn numeric_values(c: &Column, op: &str, name: &str) -> Result<Vec<f64>> {
    Ok(match c {
        Column::F64(c) => c.iter().map(|v| v.unwrap_or(f64::NAN)).collect(),
        Column::I64(c) => c.iter().map(|v| v.map_or(f64::NAN, |x| x as f64)).collect(),
        Column::Bool(c) => c.iter().map(|v| v.map_or(f64::NAN, |x| x as u8 as f64)).collect(),
        Column::Str(_) => return Err(Error::invalid(op, name, "expected a numeric column, found str")),
    })
}

macro_rules! value_from {
    ($($t:ty => $e:expr),* $(,)?) => {$(
        impl From<$t> for Value {
            fn from(v: $t) -> Self {
                #[allow(clippy::redundant_closure_call)]
                ($e)(v)
            }
        }
    )*};
}
value_from!(
    StringColumn => |c| Value::Column(Column::Str(c)),
    F64Column => |c| Value::Column(Column::F64(c)),
    I64Column => |c| Value::Column(Column::I64(c)),
    BoolColumn => |c| Value::Column(Column::Bool(c)),
    Column => Value::Column,
    CsrMatrix => Value::Sparse,
    Array2<f64> => Value::Dense,
    Table => Value::Table,
    TokenColumn => Value::Tokens,
);

/// The IR type a Rust value has when it becomes a [`Value`] (see [`Value::from_any`]), without
/// converting it.
pub fn type_of_any<T: Any>(v: &T) -> Type {
    let a = v as &dyn Any;
    if let Some(c) = a.downcast_ref::<Column>() {
        return Type::Column(c.column_type());
    }
    if a.is::<StringColumn>() {
        return Type::STR;
    }
    if a.is::<F64Column>() || a.is::<Vec<f64>>() {
        return Type::F64;
    }
    if a.is::<I64Column>() {
        return Type::I64;
    }
    if a.is::<BoolColumn>() {
        return Type::BOOL;
    }
    if a.is::<TokenColumn>() {
        return Type::Tokens;
    }
    if let Some(m) = a.downcast_ref::<CsrMatrix>() {
        return Type::Sparse(Some(m.n_cols()));
    }
    if let Some(m) = a.downcast_ref::<Array2<f64>>() {
        return Type::Dense(Some(m.ncols()));
    }
    if let Some(m) = a.downcast_ref::<Matrix>() {
        return match m {
            Matrix::Dense(d) => Type::Dense(Some(d.ncols())),
            Matrix::Sparse(s) => Type::Sparse(Some(s.n_cols())),
        };
    }
    if let Some(t) = a.downcast_ref::<Table>() {
        return table_type(t);
    }
    if let Some(v) = a.downcast_ref::<Value>() {
        return v.ir_type();
    }
    Type::Opaque(std::any::type_name::<T>().to_string())
}

fn table_type(t: &Table) -> Type {
    Type::Table(t.names().iter().cloned().zip(t.columns().iter().map(Column::column_type)).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_types_are_not_opaque() {
        assert_eq!(Value::from_any(StringColumn::from_strs(&["a"])).ir_type(), Type::STR);
        assert_eq!(Value::from_any(vec![1.0, 2.0]).ir_type(), Type::F64);
        assert_eq!(Value::from_any(Matrix::Dense(Array2::zeros((2, 3)))).ir_type(), Type::Dense(Some(3)));
        let o = Value::from_any((1u8, "x"));
        assert!(matches!(o.ir_type(), Type::Opaque(n) if n.contains("u8")));
        assert!(o.take_rows(&[0]).is_err());
        assert!(o.as_any().downcast_ref::<(u8, &str)>().is_some());
    }
}
