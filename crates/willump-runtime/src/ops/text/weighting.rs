//! Turning per-row term counts into output rows: raw counts, binary, sublinear tf, idf and the
//! row norm, in scikit-learn's order (binary, then `1 + ln(tf)`, then `* idf`, then the norm),
//! written straight into a [`CsrBuilder`] with sorted column indices.

use willump_ir::params::text::Norm;

use super::analyzer::{Docs, TermAnalyzer};
use super::normalize::normalize_row;
use super::row_counter::RowCounter;
use super::vocabulary::Vocabulary;
use crate::value::{CsrBuilder, CsrMatrix};

/// How counts become values.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Weighting<'a> {
    /// Every present term counts 1.
    pub binary: bool,
    /// `tf -> 1 + ln(tf)`.
    pub sublinear_tf: bool,
    /// Multiply column `j` by `idf[j]`.
    pub idf: Option<&'a [f64]>,
    /// Normalize each row.
    pub norm: Option<Norm>,
}

impl Weighting<'_> {
    /// The value of a term seen `count` times in a row at column `col`.
    #[inline(always)]
    fn value(&self, col: u32, count: u32) -> f64 {
        let mut v = if self.binary { 1.0 } else { count as f64 };
        if self.sublinear_tf {
            v = v.ln() + 1.0;
        }
        if let Some(idf) = self.idf {
            v *= idf[col as usize];
        }
        v
    }

    /// Appends the entry of a term seen `count` times at column `col` to the current row (the
    /// caller pushes a row's columns in increasing order).
    #[inline(always)]
    pub(crate) fn push(&self, b: &mut CsrBuilder, col: u32, count: u32) {
        b.push(col, self.value(col, count));
    }

    /// Normalizes and ends the current row.
    #[inline]
    pub(crate) fn end_row(&self, b: &mut CsrBuilder) {
        if let Some(norm) = self.norm {
            normalize_row(b.current_row_mut().1, norm);
        }
        b.end_row();
    }
}

/// Per-row counts in final column space, columns increasing within each row (the count matrix
/// of a fit, kept for `fit_transform`).
#[derive(Debug, Clone, Default)]
pub(crate) struct CountRows {
    pub indptr: Vec<usize>,
    pub cols: Vec<u32>,
    pub counts: Vec<u32>,
}

impl CountRows {
    /// An empty set of rows.
    pub(crate) fn new() -> Self {
        CountRows { indptr: vec![0], cols: Vec::new(), counts: Vec::new() }
    }

    /// The output matrix of these counts with `n_cols` columns, weighted by `w`.
    pub(crate) fn to_csr(&self, n_cols: usize, w: &Weighting<'_>) -> CsrMatrix {
        let mut b = CsrBuilder::with_capacity(n_cols, self.indptr.len() - 1, self.cols.len());
        for r in self.indptr.windows(2) {
            for k in r[0]..r[1] {
                w.push(&mut b, self.cols[k], self.counts[k]);
            }
            w.end_row(&mut b);
        }
        b.finish()
    }

    /// The number of rows each column appears in.
    pub(crate) fn document_frequencies(&self, n_cols: usize) -> Vec<u32> {
        let mut df = vec![0u32; n_cols];
        for &c in &self.cols {
            df[c as usize] += 1;
        }
        df
    }
}

/// Counts the vocabulary's terms in every document, in column order per row.
pub(crate) fn count_rows(analyzer: &mut TermAnalyzer, docs: Docs<'_>, vocab: &Vocabulary) -> CountRows {
    let mut rows = CountRows::new();
    let mut counter = RowCounter::new(vocab.len(), docs.len());
    for i in 0..docs.len() {
        if let Some(terms) = analyzer.row_terms(docs, i) {
            vocab.for_each_column(terms, |col| counter.add(col));
        }
        counter.drain_sorted(|col, n| {
            rows.cols.push(col);
            rows.counts.push(n);
        });
        rows.indptr.push(rows.cols.len());
    }
    rows
}

/// Rows after which the output's final size is estimated.
pub(crate) const SIZE_SAMPLE_ROWS: usize = 512;

/// Reserves a quarter more than the remaining entries that `done` of `n` rows suggest: growing a
/// large output by doubling copies it and touches fresh pages twice (page faults are a large part
/// of a big transform's cost), while room reserved and never written costs no memory.
pub(crate) fn reserve_estimate(b: &mut CsrBuilder, done: usize, n: usize) {
    let per_row = b.nnz() as f64 / done.max(1) as f64;
    b.reserve((per_row * (n - done) as f64 * 1.25) as usize);
}

/// The output matrix of `docs` over `vocab`, weighted by `w`: one pass, one row at a time, no
/// intermediate count matrix. Out-of-vocabulary terms are ignored; a null row is all zero.
pub(crate) fn vectorize(
    analyzer: &mut TermAnalyzer,
    docs: Docs<'_>,
    vocab: &Vocabulary,
    w: &Weighting<'_>,
) -> CsrMatrix {
    let n = docs.len();
    let mut b = CsrBuilder::with_capacity(vocab.len(), n, 0);
    let mut counter = RowCounter::new(vocab.len(), n);
    for i in 0..n {
        if i == SIZE_SAMPLE_ROWS {
            reserve_estimate(&mut b, i, n);
        }
        if let Some(terms) = analyzer.row_terms(docs, i) {
            vocab.for_each_column(terms, |col| counter.add(col));
        }
        counter.drain_sorted(|col, c| w.push(&mut b, col, c));
        w.end_row(&mut b);
    }
    b.finish()
}
