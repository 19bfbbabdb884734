//! [`Cell`]: one value of one row, the input of `predict_one` (borrowed, so a call needs no
//! allocation).

use willump_ir::ColumnType;

/// One row's value of one pipeline input. `None` is a missing (null) value.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Cell<'a> {
    /// A string.
    Str(Option<&'a str>),
    /// A float (NaN is a value, not a missing marker).
    F64(Option<f64>),
    /// An integer.
    I64(Option<i64>),
    /// A boolean.
    Bool(Option<bool>),
}

impl Cell<'_> {
    /// The cell's column type.
    pub fn column_type(&self) -> ColumnType {
        match self {
            Cell::Str(_) => ColumnType::Str,
            Cell::F64(_) => ColumnType::F64,
            Cell::I64(_) => ColumnType::I64,
            Cell::Bool(_) => ColumnType::Bool,
        }
    }

    /// The value as 64 bits the generated code loads (f64 bits, i64, or a 0/1 byte) and whether
    /// it is present. Strings have no native form here.
    pub(crate) fn bits(&self) -> (u64, bool) {
        match *self {
            Cell::F64(v) => (v.unwrap_or(0.0).to_bits(), v.is_some()),
            Cell::I64(v) => (v.unwrap_or(0) as u64, v.is_some()),
            Cell::Bool(v) => (v.unwrap_or(false) as u64, v.is_some()),
            Cell::Str(v) => (0, v.is_some()),
        }
    }
}
