//! Data values: columns (strings, f64, i64, bool, each with validity), dense and CSR sparse
//! matrices, and tables. Every constructor checks its invariants and returns an error naming the
//! offending part, so that operators can trust their inputs.

mod bitmap;
mod column;
mod csr;
mod dynamic;
mod matrix;
mod string;
mod table;

pub use bitmap::Bitmap;
pub use column::{BoolColumn, Column, ColumnType, F64Column, I64Column, PrimitiveColumn, wrong_type};
pub use csr::{CsrBuilder, CsrMatrix};
pub use dynamic::{OpaqueValue, Value, numeric_values, type_of_any};
pub use matrix::{Matrix, MatrixRef};
pub use string::{StringColumn, StringColumnBuilder};
pub use table::Table;
