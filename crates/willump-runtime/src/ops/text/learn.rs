//! Learning a vocabulary as scikit-learn's `CountVectorizer.fit` does: count every term's
//! document frequency and total count, drop terms outside `[min_df, max_df]`, keep the
//! `max_features` most frequent, and number the survivors in sorted term order.
//!
//! The ranking for `max_features` is by total count over the documents (after `binary`, so then
//! by document frequency), as scikit-learn; ties at the cut-off, which scikit-learn leaves to an
//! unstable sort, are broken here by term, ascending (code-point order), so the result is always
//! the same.

use willump_ir::params::text::{CountVectorizerParams, DocFrequency};

use super::analyzer::{Docs, TermAnalyzer};
use super::term_index::TermIndex;
use super::vocabulary::{Vocabulary, for_each_hashed_batch};
use super::weighting::{CountRows, count_rows};
use crate::error::{Error, Result};
use crate::value::CsrMatrix;

/// A fitted vocabulary with what a fit learns along with it.
#[derive(Debug)]
pub(crate) struct Learned {
    /// The terms, in column order.
    pub vocabulary: Vocabulary,
    /// Number of documents (rows, null ones included) containing each column's term.
    pub df: Vec<u32>,
    /// Number of documents (rows), null ones included.
    pub n_docs: usize,
    /// The count matrix of the fitted documents, when asked for.
    pub rows: Option<CountRows>,
}

/// The matrix of a fit's documents, or (when the fit did not keep its counts) the fitting op.
pub(crate) type FitMatrix = std::result::Result<CsrMatrix, String>;

/// The fitted value and its matrix. The `Err` arm is unreachable when the fit kept its counts
/// (every `fit_transform` does); it is an error rather than a panic all the same.
pub(crate) fn with_matrix<V>((v, m): (V, FitMatrix)) -> Result<(V, CsrMatrix)> {
    m.map(|m| (v, m)).map_err(|op| Error::op(op, "internal error: the fitted documents' counts were not kept"))
}

/// Checks the count parameters for `op` (ranges of `min_df`, `max_df`, `max_features`, as
/// scikit-learn's parameter validation).
pub(crate) fn check_count_params(op: &str, p: &CountVectorizerParams) -> Result<()> {
    super::analyzer::check_analyzer_params(op, &p.analysis)?;
    for (name, df) in [("max_df", p.max_df), ("min_df", p.min_df)] {
        let ok = match df {
            DocFrequency::Count(c) => c >= 1,
            DocFrequency::Fraction(f) => (0.0..=1.0).contains(&f),
        };
        if !ok {
            return Err(Error::invalid(
                op,
                name,
                format!("must be a fraction in [0.0, 1.0] or a count >= 1, got {df:?}"),
            ));
        }
    }
    if p.max_features == Some(0) {
        return Err(Error::invalid(op, "max_features", "must be at least 1 (or None)"));
    }
    Ok(())
}

/// Learns the vocabulary of `docs` (or takes the fixed one) and the document frequencies.
pub(crate) fn learn(
    op: &str,
    params: &CountVectorizerParams,
    analyzer: &mut TermAnalyzer,
    docs: Docs<'_>,
    keep_rows: bool,
) -> Result<Learned> {
    check_count_params(op, params)?;
    analyzer.check_docs(op, docs)?;
    if docs.len() >= u32::MAX as usize {
        return Err(Error::invalid(
            op,
            "documents",
            format!("{} documents; at most 2^32 - 2 can be fitted", docs.len()),
        ));
    }
    if let Some(fixed) = &params.vocabulary {
        if fixed.is_empty() {
            return Err(Error::invalid(op, "vocabulary", "empty vocabulary passed to fit"));
        }
        check_column_count(op, fixed.len())?;
        let vocabulary = Vocabulary::from_terms(op, fixed)?;
        let rows = count_rows(analyzer, docs, &vocabulary);
        let df = rows.document_frequencies(vocabulary.len());
        return Ok(Learned { vocabulary, df, n_docs: docs.len(), rows: keep_rows.then_some(rows) });
    }
    let seen = SeenTerms::count(analyzer, docs, params.binary, keep_rows);
    let (vocabulary, old_to_new) = select(op, params, &seen)?;
    let mut df = vec![0u32; vocabulary.len()];
    for (old, &new) in old_to_new.iter().enumerate() {
        if new != DROPPED {
            df[new as usize] = seen.df[old];
        }
    }
    let rows = seen.rows.map(|r| remap_rows(&r, &old_to_new));
    Ok(Learned { vocabulary, df, n_docs: seen.n_docs, rows })
}

/// Errors when `n` columns cannot be indexed by `u32`.
fn check_column_count(op: &str, n: usize) -> Result<()> {
    if n > u32::MAX as usize {
        return Err(Error::op(op, format!("{n} terms do not fit u32 column indices")));
    }
    Ok(())
}

/// Marks a term that did not survive pruning.
const DROPPED: u32 = u32::MAX;

/// Every term seen in a fit, with first-seen ids.
struct SeenTerms {
    terms: TermIndex,
    /// Documents containing each term.
    df: Vec<u32>,
    /// Total count of each term (per-document presence when `binary`).
    tf: Vec<u64>,
    n_docs: usize,
    /// Per-document `(id, count)` in first-seen order, when kept.
    rows: Option<CountRows>,
}

impl SeenTerms {
    fn count(analyzer: &mut TermAnalyzer, docs: Docs<'_>, binary: bool, keep_rows: bool) -> SeenTerms {
        let mut terms = TermIndex::with_capacity(1024);
        let (mut df, mut tf) = (Vec::<u32>::new(), Vec::<u64>::new());
        // For each term, the last document it was seen in (+1; 0 = never) and its position in
        // that document's row, so a document's counts need no per-document reset.
        let mut last_doc: Vec<u32> = Vec::new();
        let mut pos_in_row: Vec<usize> = Vec::new();
        let mut rows = CountRows::new();
        let n_docs = docs.len();
        for i in 0..n_docs {
            let doc_mark = (i + 1) as u32;
            let row_start = rows.cols.len();
            let Some(doc_terms) = analyzer.row_terms(docs, i) else {
                rows.indptr.push(rows.cols.len());
                continue;
            };
            let prefetch = |terms: &TermIndex, hv| terms.prefetch(hv);
            for_each_hashed_batch(doc_terms, &mut terms, prefetch, |terms, doc_terms, k, hv| {
                let id = terms.intern_hashed(doc_terms.get(k), hv) as usize;
                if id == df.len() {
                    df.push(0);
                    tf.push(0);
                    last_doc.push(0);
                    pos_in_row.push(0);
                }
                if last_doc[id] != doc_mark {
                    last_doc[id] = doc_mark;
                    df[id] += 1;
                    if binary {
                        tf[id] += 1;
                    }
                    if keep_rows {
                        pos_in_row[id] = rows.cols.len() - row_start;
                        rows.cols.push(id as u32);
                        rows.counts.push(0);
                    }
                }
                if !binary {
                    tf[id] += 1;
                }
                if keep_rows {
                    rows.counts[row_start + pos_in_row[id]] += 1;
                }
            });
            rows.indptr.push(rows.cols.len());
        }
        SeenTerms { terms, df, tf, n_docs, rows: keep_rows.then_some(rows) }
    }
}

/// The bound of a `min_df` / `max_df` in documents (a float, as scikit-learn compares it).
fn doc_bound(df: DocFrequency, n_docs: usize) -> f64 {
    match df {
        DocFrequency::Count(c) => c as f64,
        DocFrequency::Fraction(f) => f * n_docs as f64,
    }
}

/// Chooses the surviving terms and numbers them in sorted order; returns the vocabulary and the
/// map from first-seen id to column (`DROPPED` for pruned terms).
fn select(op: &str, params: &CountVectorizerParams, seen: &SeenTerms) -> Result<(Vocabulary, Vec<u32>)> {
    if seen.terms.len() == 0 {
        return Err(Error::invalid(op, "documents", "empty vocabulary; perhaps the documents only contain stop words"));
    }
    let high = doc_bound(params.max_df, seen.n_docs);
    let low = doc_bound(params.min_df, seen.n_docs);
    if high < low {
        return Err(Error::invalid(op, "max_df", "max_df corresponds to < documents than min_df"));
    }
    let mut kept: Vec<u32> = (0..seen.terms.len() as u32)
        .filter(|&id| {
            let df = seen.df[id as usize] as f64;
            df <= high && df >= low
        })
        .collect();
    if let Some(limit) = params.max_features.filter(|&l| kept.len() > l) {
        // Highest total count first; ties by term, ascending.
        let rank = |&a: &u32, &b: &u32| {
            seen.tf[b as usize].cmp(&seen.tf[a as usize]).then_with(|| seen.terms.term(a).cmp(seen.terms.term(b)))
        };
        kept.select_nth_unstable_by(limit - 1, rank);
        kept.truncate(limit);
    }
    if kept.is_empty() {
        return Err(Error::invalid(
            op,
            "documents",
            "After pruning, no terms remain. Try a lower min_df or a higher max_df.",
        ));
    }
    check_column_count(op, kept.len())?;
    kept.sort_unstable_by(|&a, &b| seen.terms.term(a).cmp(seen.terms.term(b)));
    let mut index = TermIndex::with_capacity(kept.len());
    let mut old_to_new = vec![DROPPED; seen.terms.len()];
    for (new, &old) in kept.iter().enumerate() {
        let _ = index.insert(seen.terms.term(old));
        old_to_new[old as usize] = new as u32;
    }
    Ok((Vocabulary::from_index(index), old_to_new))
}

/// The kept rows' counts in column space, sorted by column within each row.
fn remap_rows(rows: &CountRows, old_to_new: &[u32]) -> CountRows {
    let mut out = CountRows::new();
    let mut pairs: Vec<(u32, u32)> = Vec::new();
    for r in rows.indptr.windows(2) {
        pairs.clear();
        for k in r[0]..r[1] {
            let new = old_to_new[rows.cols[k] as usize];
            if new != DROPPED {
                pairs.push((new, rows.counts[k]));
            }
        }
        pairs.sort_unstable_by_key(|p| p.0);
        for &(c, n) in &pairs {
            out.cols.push(c);
            out.counts.push(n);
        }
        out.indptr.push(out.cols.len());
    }
    out
}
