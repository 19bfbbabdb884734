//! One-hot encoding of a categorical column into a sparse matrix, as scikit-learn's
//! `OneHotEncoder(handle_unknown="ignore")`.

use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};
use willump_ir::params::numeric::OneHotParams;

use crate::error::{Error, Result};
use crate::value::{Column, CsrBuilder, CsrMatrix};

/// The fitted categories of a [`OneHotEncoder`], sorted ascending (strings by byte order, which
/// for UTF-8 is code-point order, as Python sorts them), without repeats.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum OneHotCategories {
    /// Categories of a string column.
    Str(Vec<String>),
    /// Categories of an i64 column.
    I64(Vec<i64>),
}

impl OneHotCategories {
    /// Number of categories (= output columns).
    pub fn len(&self) -> usize {
        match self {
            OneHotCategories::Str(v) => v.len(),
            OneHotCategories::I64(v) => v.len(),
        }
    }

    /// Whether there are no categories.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// The hash index from a category to its output column, rebuilt from the categories.
#[derive(Debug, Clone)]
enum CategoryIndex {
    Str(FxHashMap<String, u32>),
    I64(FxHashMap<i64, u32>),
}

/// A fitted one-hot encoder: output column `j` is 1.0 where the input equals category `j`.
///
/// An unknown category and a missing value encode as an all-zero row (missing is never a
/// category). Serialized as its categories only; the hash index is rebuilt when loading, and a
/// loaded category list that is unsorted or repeats a value is an error.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(try_from = "OneHotCategories", into = "OneHotCategories")]
pub struct OneHotEncoder {
    categories: OneHotCategories,
    index: CategoryIndex,
}

impl PartialEq for OneHotEncoder {
    fn eq(&self, other: &Self) -> bool {
        self.categories == other.categories
    }
}

impl OneHotEncoder {
    /// Learns the sorted categories of a string or i64 column (missing rows are skipped), keeping
    /// those seen at least `params.min_count` times.
    ///
    /// Errors (naming `one_hot.fit` and the column): an f64 or bool column (f64 categories would
    /// need a rule for NaN and `-0.0`; convert or bucketize first), more than `u32::MAX`
    /// categories. A column with no values gives an encoder with no categories (every row
    /// encodes as an empty row of width 0).
    pub fn fit(params: &OneHotParams, column: &Column, name: &str) -> Result<Self> {
        const OP: &str = "one_hot.fit";
        let min = params.min_count.max(1);
        let categories = match column {
            Column::Str(c) => {
                let mut counts: FxHashMap<&str, usize> = FxHashMap::default();
                for s in c.iter().flatten() {
                    *counts.entry(s).or_default() += 1;
                }
                let mut cats: Vec<String> =
                    counts.into_iter().filter(|&(_, n)| n >= min).map(|(s, _)| s.to_owned()).collect();
                cats.sort_unstable();
                OneHotCategories::Str(cats)
            }
            Column::I64(c) => {
                let mut counts: FxHashMap<i64, usize> = FxHashMap::default();
                for v in c.iter().flatten() {
                    *counts.entry(v).or_default() += 1;
                }
                let mut cats: Vec<i64> = counts.into_iter().filter(|&(_, n)| n >= min).map(|(v, _)| v).collect();
                cats.sort_unstable();
                OneHotCategories::I64(cats)
            }
            other => {
                return Err(Error::invalid(
                    OP,
                    name,
                    format!("one-hot categories must be a str or i64 column, found {}", other.column_type()),
                ));
            }
        };
        Self::from_categories(categories).map_err(|e| match e {
            Error::InvalidInput { message, .. } => Error::invalid(OP, name, message),
            other => other,
        })
    }

    /// An encoder with the given categories, which must be sorted ascending without repeats.
    pub fn from_categories(categories: OneHotCategories) -> Result<Self> {
        const OP: &str = "one_hot";
        if categories.len() > u32::MAX as usize {
            return Err(Error::invalid(OP, "categories", format!("{} categories exceed u32", categories.len())));
        }
        fn check<T: PartialOrd + std::fmt::Debug>(v: &[T]) -> Result<()> {
            match v.windows(2).position(|w| w[0] >= w[1]) {
                Some(i) => Err(Error::invalid(
                    OP,
                    "categories",
                    format!("categories must be sorted without repeats: {:?} then {:?}", v[i], v[i + 1]),
                )),
                None => Ok(()),
            }
        }
        let index = match &categories {
            OneHotCategories::Str(v) => {
                check(v)?;
                CategoryIndex::Str(v.iter().enumerate().map(|(j, s)| (s.clone(), j as u32)).collect())
            }
            OneHotCategories::I64(v) => {
                check(v)?;
                CategoryIndex::I64(v.iter().enumerate().map(|(j, &x)| (x, j as u32)).collect())
            }
        };
        Ok(OneHotEncoder { categories, index })
    }

    /// The categories, in output-column order.
    pub fn categories(&self) -> &OneHotCategories {
        &self.categories
    }

    /// Number of output columns.
    pub fn n_features(&self) -> usize {
        self.categories.len()
    }

    /// Encodes `column` as a CSR matrix with one row per input row and one column per category:
    /// a single 1.0 at the row's category, or no entry for an unknown category or a missing row.
    ///
    /// Errors (naming `one_hot.transform` and the column): a column whose type differs from the
    /// one fitted on.
    pub fn transform(&self, column: &Column, name: &str) -> Result<CsrMatrix> {
        const OP: &str = "one_hot.transform";
        let n = column.len();
        let mut b = CsrBuilder::with_capacity(self.n_features(), n, n);
        match (&self.index, column) {
            (CategoryIndex::Str(idx), Column::Str(c)) => {
                for i in 0..n {
                    if let Some(&j) = c.get(i).and_then(|s| idx.get(s)) {
                        b.push(j, 1.0);
                    }
                    b.end_row();
                }
            }
            (CategoryIndex::I64(idx), Column::I64(c)) => {
                for i in 0..n {
                    if let Some(&j) = c.get(i).and_then(|v| idx.get(&v)) {
                        b.push(j, 1.0);
                    }
                    b.end_row();
                }
            }
            (fitted, other) => {
                let fitted = match fitted {
                    CategoryIndex::Str(_) => "str",
                    CategoryIndex::I64(_) => "i64",
                };
                return Err(Error::invalid(
                    OP,
                    name,
                    format!("the encoder was fitted on a {fitted} column, found {}", other.column_type()),
                ));
            }
        }
        Ok(b.finish())
    }
}

impl TryFrom<OneHotCategories> for OneHotEncoder {
    type Error = Error;

    fn try_from(c: OneHotCategories) -> Result<Self> {
        Self::from_categories(c)
    }
}

impl From<OneHotEncoder> for OneHotCategories {
    fn from(e: OneHotEncoder) -> Self {
        e.categories
    }
}
