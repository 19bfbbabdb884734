//! Typed columns of fixed-width values (f64, i64, bool), each with an optional validity bitmap,
//! and [`Column`], the sum of every column type a table or a pipeline input can hold.

use serde::{Deserialize, Serialize};

use super::{Bitmap, StringColumn};
use crate::error::{Error, Result};

/// A column of fixed-width values with an optional validity bitmap.
///
/// A missing row's slot holds `T::default()` and must be ignored. In an `f64` column, NaN is a
/// *value*, not a missing marker: operators document what they do with it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "PrimitiveParts<T>", bound(deserialize = "T: Deserialize<'de> + Copy + Default"))]
pub struct PrimitiveColumn<T> {
    values: Vec<T>,
    validity: Option<Bitmap>,
}

/// The serialized form, checked on load (validity length).
#[derive(Deserialize)]
struct PrimitiveParts<T> {
    values: Vec<T>,
    validity: Option<Bitmap>,
}

impl<T: Copy + Default> TryFrom<PrimitiveParts<T>> for PrimitiveColumn<T> {
    type Error = Error;
    fn try_from(p: PrimitiveParts<T>) -> Result<Self> {
        match p.validity {
            None => Ok(PrimitiveColumn::new(p.values)),
            Some(v) => PrimitiveColumn::try_with_validity(p.values, v),
        }
    }
}

/// A column of `f64`.
pub type F64Column = PrimitiveColumn<f64>;
/// A column of `i64`.
pub type I64Column = PrimitiveColumn<i64>;
/// A column of `bool`.
pub type BoolColumn = PrimitiveColumn<bool>;

impl<T: Copy + Default> PrimitiveColumn<T> {
    /// A column with every row valid.
    pub fn new(values: Vec<T>) -> Self {
        PrimitiveColumn { values, validity: None }
    }

    /// A column with a validity bitmap; errors when the lengths differ.
    pub fn try_with_validity(mut values: Vec<T>, validity: Bitmap) -> Result<Self> {
        if validity.len() != values.len() {
            return Err(Error::invalid(
                "PrimitiveColumn::try_with_validity",
                "validity",
                format!("validity has {} bits for {} rows", validity.len(), values.len()),
            ));
        }
        // Word by word: all-valid words (the common case) cost one test.
        validity.for_each_clear(|i| values[i] = T::default());
        Ok(PrimitiveColumn { values, validity: Some(validity) })
    }

    /// A column where `None` is a missing value.
    pub fn from_options(values: &[Option<T>]) -> Self {
        let validity = Bitmap::from_bools(&values.iter().map(Option::is_some).collect::<Vec<_>>());
        let values = values.iter().map(|v| v.unwrap_or_default()).collect();
        let validity = if validity.count_clear() == 0 { None } else { Some(validity) };
        PrimitiveColumn { values, validity }
    }

    /// Number of rows.
    #[inline]
    pub fn len(&self) -> usize {
        self.values.len()
    }

    /// Whether the column has no rows.
    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    /// Whether row `i` holds a value.
    #[inline]
    pub fn is_valid(&self, i: usize) -> bool {
        self.validity.as_ref().is_none_or(|v| v.get(i))
    }

    /// Row `i`, or `None` when missing. Panics when `i >= len`.
    #[inline]
    pub fn get(&self, i: usize) -> Option<T> {
        if self.is_valid(i) { Some(self.values[i]) } else { None }
    }

    /// The raw values (a missing row holds `T::default()`).
    pub fn values(&self) -> &[T] {
        &self.values
    }

    /// The validity bitmap (`None` = every row valid).
    pub fn validity(&self) -> Option<&Bitmap> {
        self.validity.as_ref()
    }

    /// The raw values as the vector that holds them (for code that takes a `&Vec<T>`).
    pub fn values_vec(&self) -> &Vec<T> {
        &self.values
    }

    /// Number of missing rows.
    pub fn null_count(&self) -> usize {
        self.validity.as_ref().map_or(0, Bitmap::count_clear)
    }

    /// Iterates rows as `Option<T>`.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = Option<T>> + '_ {
        (0..self.len()).map(move |i| self.get(i))
    }

    /// The rows at `rows`, in that order. Errors when an index is out of range.
    pub fn take(&self, rows: &[usize]) -> Result<Self> {
        let n = self.len();
        if let Some(&bad) = rows.iter().find(|&&r| r >= n) {
            return Err(Error::invalid("take", "rows", format!("row index {bad} out of range for {n} rows")));
        }
        Ok(PrimitiveColumn {
            values: rows.iter().map(|&r| self.values[r]).collect(),
            validity: self.validity.as_ref().map(|v| v.take(rows)),
        })
    }
}

impl From<Vec<f64>> for F64Column {
    fn from(v: Vec<f64>) -> Self {
        PrimitiveColumn::new(v)
    }
}

impl From<&[f64]> for F64Column {
    fn from(v: &[f64]) -> Self {
        PrimitiveColumn::new(v.to_vec())
    }
}

impl From<ndarray::Array1<f64>> for F64Column {
    fn from(v: ndarray::Array1<f64>) -> Self {
        PrimitiveColumn::new(v.to_vec())
    }
}

impl From<Vec<i64>> for I64Column {
    fn from(v: Vec<i64>) -> Self {
        PrimitiveColumn::new(v)
    }
}

impl From<Vec<bool>> for BoolColumn {
    fn from(v: Vec<bool>) -> Self {
        PrimitiveColumn::new(v)
    }
}

pub use willump_ir::ColumnType;

/// Any one column.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Column {
    /// Strings.
    Str(StringColumn),
    /// 64-bit floats.
    F64(F64Column),
    /// 64-bit integers.
    I64(I64Column),
    /// Booleans.
    Bool(BoolColumn),
}

impl Column {
    /// Number of rows.
    pub fn len(&self) -> usize {
        match self {
            Column::Str(c) => c.len(),
            Column::F64(c) => c.len(),
            Column::I64(c) => c.len(),
            Column::Bool(c) => c.len(),
        }
    }

    /// Whether the column has no rows.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The element type.
    pub fn column_type(&self) -> ColumnType {
        match self {
            Column::Str(_) => ColumnType::Str,
            Column::F64(_) => ColumnType::F64,
            Column::I64(_) => ColumnType::I64,
            Column::Bool(_) => ColumnType::Bool,
        }
    }

    /// Whether row `i` holds a value.
    pub fn is_valid(&self, i: usize) -> bool {
        match self {
            Column::Str(c) => c.is_valid(i),
            Column::F64(c) => c.is_valid(i),
            Column::I64(c) => c.is_valid(i),
            Column::Bool(c) => c.is_valid(i),
        }
    }

    /// The rows at `rows`, in that order.
    pub fn take(&self, rows: &[usize]) -> Result<Column> {
        Ok(match self {
            Column::Str(c) => Column::Str(c.take(rows)?),
            Column::F64(c) => Column::F64(c.take(rows)?),
            Column::I64(c) => Column::I64(c.take(rows)?),
            Column::Bool(c) => Column::Bool(c.take(rows)?),
        })
    }

    /// The string column, or an error naming `op` and `name` when the column has another type.
    pub fn as_str(&self, op: &str, name: &str) -> Result<&StringColumn> {
        match self {
            Column::Str(c) => Ok(c),
            other => Err(wrong_type(op, name, ColumnType::Str, other.column_type())),
        }
    }

    /// The f64 column, or an error naming `op` and `name` when the column has another type.
    pub fn as_f64(&self, op: &str, name: &str) -> Result<&F64Column> {
        match self {
            Column::F64(c) => Ok(c),
            other => Err(wrong_type(op, name, ColumnType::F64, other.column_type())),
        }
    }

    /// The i64 column, or an error naming `op` and `name` when the column has another type.
    pub fn as_i64(&self, op: &str, name: &str) -> Result<&I64Column> {
        match self {
            Column::I64(c) => Ok(c),
            other => Err(wrong_type(op, name, ColumnType::I64, other.column_type())),
        }
    }

    /// The bool column, or an error naming `op` and `name` when the column has another type.
    pub fn as_bool(&self, op: &str, name: &str) -> Result<&BoolColumn> {
        match self {
            Column::Bool(c) => Ok(c),
            other => Err(wrong_type(op, name, ColumnType::Bool, other.column_type())),
        }
    }
}

/// The error for a column of the wrong type.
pub fn wrong_type(op: &str, name: &str, expected: ColumnType, found: ColumnType) -> Error {
    Error::invalid(op, name, format!("expected a {expected} column, found {found}"))
}

macro_rules! column_from {
    ($($t:ty => $v:ident),*) => {$(
        impl From<$t> for Column {
            fn from(c: $t) -> Self {
                Column::$v(c)
            }
        }
    )*};
}
column_from!(StringColumn => Str, F64Column => F64, I64Column => I64, BoolColumn => Bool);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn options_and_validity() {
        let c = F64Column::from_options(&[Some(1.0), None, Some(f64::NAN)]);
        assert_eq!(c.null_count(), 1);
        assert_eq!(c.get(1), None);
        assert!(c.get(2).unwrap().is_nan(), "NaN is a value, not a missing marker");
        let all = F64Column::from_options(&[Some(1.0)]);
        assert!(all.validity().is_none());
        assert!(F64Column::try_with_validity(vec![1.0], Bitmap::new_valid(2)).is_err());
    }

    #[test]
    fn typed_access_names_op_and_column() {
        let c = Column::from(I64Column::from(vec![1, 2]));
        let e = c.as_str("lowercase", "title").unwrap_err().to_string();
        assert_eq!(e, "lowercase: column `title`: expected a str column, found i64");
        assert_eq!(c.take(&[1, 1]).unwrap().len(), 2);
    }
}
