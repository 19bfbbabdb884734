//! The operator library for pipeline authors (re-exported by the facade as `willump::ops`).
//!
//! Every function and method here is one IR op: `#[willump]` recognizes it by type and lifts
//! it, and the interpreter runs that op with the same eager implementation, so the eager call and
//! the lifted graph compute the same values. Column arguments take any column type through
//! [`ColumnInput`] (`&F64Column`, `&I64Column`, `&BoolColumn`, `&StringColumn`, `&Column`).
//!
//! Errors name the operator and the argument (`x`, `a`, `b`, a table column's name); the
//! interpreter reports the same errors with the pipeline's own value names.

use std::borrow::Cow;

use ndarray::Array2;
use willump_ir::params::numeric::{
    ArithOp, BucketRule, BucketizeParams, ClipParams, ConstArithParams, ConstSide, FillMissingParams,
};
use willump_ir::params::table::{Scalar, StackOutput};

pub use crate::ops::numeric::OneHotEncoder;
pub use crate::ops::table::{LeftJoin, TargetAggregate, hconcat, select};
pub use crate::ops::text::{CountVectorizer, HashingVectorizer, TfidfVectorizer, TokenColumn, lowercase, tokenize};

use crate::error::{Error, Result};
use crate::ops::{numeric, stack};
use crate::value::{BoolColumn, Column, CsrMatrix, F64Column, I64Column, Matrix, MatrixRef, StringColumn, Table};

/// Any column an operator can take, borrowed when it is a [`Column`] already.
pub trait ColumnInput {
    /// The column as the enum the operators run on (a copy for typed columns).
    fn as_column(&self) -> Cow<'_, Column>;
}

impl ColumnInput for Column {
    fn as_column(&self) -> Cow<'_, Column> {
        Cow::Borrowed(self)
    }
}

macro_rules! column_input {
    ($($t:ty => $v:ident),*) => {$(
        impl ColumnInput for $t {
            fn as_column(&self) -> Cow<'_, Column> {
                Cow::Owned(Column::$v(self.clone()))
            }
        }
    )*};
}
column_input!(StringColumn => Str, F64Column => F64, I64Column => I64, BoolColumn => Bool);

/// `a op b`, element-wise, as f64 (i64 and bool are converted; missing in either gives missing;
/// IEEE semantics, so `x / 0` is `±inf` or NaN).
pub fn arith(a: &dyn ColumnInput, op: ArithOp, b: &dyn ColumnInput) -> Result<F64Column> {
    numeric::arith(op, &a.as_column(), "a", &b.as_column(), "b")
}

/// `x op constant`, element-wise, as f64.
pub fn arith_const(x: &dyn ColumnInput, op: ArithOp, constant: f64) -> Result<F64Column> {
    numeric::arith_const(&ConstArithParams { op, constant, side: ConstSide::Right }, &x.as_column(), "x")
}

/// `constant op x`, element-wise, as f64.
pub fn const_arith(constant: f64, op: ArithOp, x: &dyn ColumnInput) -> Result<F64Column> {
    numeric::arith_const(&ConstArithParams { op, constant, side: ConstSide::Left }, &x.as_column(), "x")
}

/// `ln(1 + x)`, element-wise (NaN for `x < -1`, `-inf` at `-1`; missing stays missing).
pub fn log1p(x: &dyn ColumnInput) -> Result<F64Column> {
    numeric::log1p(&x.as_column(), "x")
}

/// Clamps `x` to `[lo, hi]`; an infinite bound is no bound. NaN stays NaN.
pub fn clip(x: &dyn ColumnInput, lo: f64, hi: f64) -> Result<F64Column> {
    numeric::clip(&clip_params(lo, hi), &x.as_column(), "x")
}

/// The clip parameters of `[lo, hi]` (infinite bounds are no bounds).
pub fn clip_params(lo: f64, hi: f64) -> ClipParams {
    ClipParams { lo: (lo != f64::NEG_INFINITY).then_some(lo), hi: (hi != f64::INFINITY).then_some(hi) }
}

/// Replaces missing values by `value`, keeping the column's type (see
/// [`crate::ops::numeric::fill_missing`] for which values fit which columns).
pub fn fill_missing(x: &dyn ColumnInput, value: Scalar) -> Result<Column> {
    numeric::fill_missing(&FillMissingParams { value, fill_nan: false }, &x.as_column(), "x")
}

/// Replaces missing values and NaN of a numeric column by `value`.
pub fn fill_missing_and_nan(x: &dyn ColumnInput, value: f64) -> Result<Column> {
    numeric::fill_missing(&FillMissingParams { value: Scalar::F64(value), fill_nan: true }, &x.as_column(), "x")
}

/// The bucket index of each value among strictly increasing `boundaries` (numpy's `digitize`;
/// NaN and missing give missing).
pub fn bucketize(x: &dyn ColumnInput, boundaries: &[f64], rule: BucketRule) -> Result<I64Column> {
    numeric::bucketize(&BucketizeParams { boundaries: boundaries.to_vec(), rule }, &x.as_column(), "x")
}

impl OneHotEncoder {
    /// One-hot encodes `x` with the fitted categories (unknown and missing: an all-zero row).
    pub fn encode(&self, x: &dyn ColumnInput) -> Result<CsrMatrix> {
        self.transform(&x.as_column(), "x")
    }
}

/// A table of the given columns, named `names`.
pub fn make_table(names: &[&str], columns: &[&dyn ColumnInput]) -> Result<Table> {
    if names.len() != columns.len() {
        return Err(Error::op("make_table", format!("{} names for {} columns", names.len(), columns.len())));
    }
    Table::try_new(names.iter().zip(columns).map(|(n, c)| (n.to_string(), c.as_column().into_owned())).collect())
}

/// The column of `table` called `name` (a copy).
pub fn column(table: &Table, name: &str) -> Result<Column> {
    table.column("get_column", name).cloned()
}

/// One part of a dense block: a numeric column or a table of numeric columns.
pub trait DenseInput {
    /// The named columns this part contributes, in order.
    fn dense_columns(&self) -> Vec<(Cow<'_, str>, Cow<'_, Column>)>;
}

impl DenseInput for Table {
    fn dense_columns(&self) -> Vec<(Cow<'_, str>, Cow<'_, Column>)> {
        self.names().iter().zip(self.columns()).map(|(n, c)| (Cow::Borrowed(n.as_str()), Cow::Borrowed(c))).collect()
    }
}

impl<T: ColumnInput> DenseInput for T {
    fn dense_columns(&self) -> Vec<(Cow<'_, str>, Cow<'_, Column>)> {
        vec![(Cow::Borrowed("x"), self.as_column())]
    }
}

/// Numeric columns and tables side by side as one dense f64 block (missing -> NaN, i64 and
/// bool converted; a string column is an error naming it).
pub fn to_dense(parts: &[&dyn DenseInput]) -> Result<Array2<f64>> {
    let cols: Vec<(Cow<'_, str>, Cow<'_, Column>)> = parts.iter().flat_map(|p| p.dense_columns()).collect();
    let refs: Vec<(&str, &Column)> = cols.iter().map(|(n, c)| (n.as_ref(), c.as_ref())).collect();
    numeric::to_dense(&refs)
}

/// A feature block that can be stacked into a model input.
pub trait BlockInput {
    /// The block as a matrix (numeric columns become one dense column).
    fn as_block(&self) -> Result<Cow<'_, Matrix>>;
}

impl BlockInput for Matrix {
    fn as_block(&self) -> Result<Cow<'_, Matrix>> {
        Ok(Cow::Borrowed(self))
    }
}

impl BlockInput for CsrMatrix {
    fn as_block(&self) -> Result<Cow<'_, Matrix>> {
        Ok(Cow::Owned(Matrix::Sparse(self.clone())))
    }
}

impl BlockInput for Array2<f64> {
    fn as_block(&self) -> Result<Cow<'_, Matrix>> {
        Ok(Cow::Owned(Matrix::Dense(self.clone())))
    }
}

impl<T: ColumnInput> BlockInput for T {
    fn as_block(&self) -> Result<Cow<'_, Matrix>> {
        Ok(Cow::Owned(Matrix::Dense(to_dense(&[self as &dyn DenseInput])?)))
    }
}

/// Stacks feature blocks side by side into one model input: sparse when any block is sparse,
/// dense otherwise.
pub fn hstack(blocks: &[&dyn BlockInput]) -> Result<Matrix> {
    let mats = blocks.iter().map(|b| b.as_block()).collect::<Result<Vec<_>>>()?;
    stack_matrices(&mats.iter().map(|m| m.view()).collect::<Vec<_>>())
}

/// Stacks views with `StackOutput::Auto` (the one rule the IR's `stack` type follows).
pub fn stack_matrices(blocks: &[MatrixRef<'_>]) -> Result<Matrix> {
    let names: Vec<String> = (0..blocks.len()).map(|i| format!("block {i}")).collect();
    let named: Vec<(&str, MatrixRef<'_>)> = names.iter().map(String::as_str).zip(blocks.iter().copied()).collect();
    Ok(stack::stack(&named, StackOutput::Auto)?.0)
}
