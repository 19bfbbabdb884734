//! Numeric operators on f64 / i64 / bool columns, with validity.
//!
//! Conventions shared by every operator here:
//! - a missing input row gives a missing output row (except [`fill_missing`], whose job is to
//!   replace them, and [`to_dense`], which writes NaN);
//! - NaN is a value, not a missing marker: it flows through IEEE arithmetic;
//! - i64 and bool inputs are converted to f64 (`true` = 1.0; an i64 beyond 2^53 in magnitude is
//!   rounded to the nearest f64) and the output is an [`F64Column`](crate::value::F64Column),
//!   except [`bucketize`] (i64 bucket indexes) and [`fill_missing`] (same type as its input);
//! - a string column where a number is expected, or two columns of different lengths, is an
//!   [`Error::InvalidInput`](crate::Error::InvalidInput) naming the operator and the column;
//! - an empty column gives an empty output.

mod arith;
mod bucketize;
mod dense;
mod fill;
pub(crate) mod input;
mod onehot;
mod unary;

pub use arith::{arith, arith_const};
pub use bucketize::bucketize;
pub use dense::{table_to_dense, to_dense};
pub use fill::fill_missing;
pub use onehot::{OneHotCategories, OneHotEncoder};
pub use unary::{clip, log1p};
