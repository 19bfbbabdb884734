//! [`TfidfVectorizer`]: documents to TF-IDF weighted term matrices (scikit-learn's
//! `TfidfVectorizer`: `CountVectorizer` then `TfidfTransformer`).

use serde::{Deserialize, Serialize};
use willump_ir::params::text::TfidfVectorizerParams;

use super::analyzer::{Docs, TermAnalyzer};
use super::learn::{FitMatrix, learn, with_matrix};
use super::tokenize::TokenColumn;
use super::vocabulary::Vocabulary;
use super::weighting::{Weighting, vectorize};
use crate::error::Result;
use crate::value::{CsrMatrix, StringColumn};

/// scikit-learn's inverse document frequency of a term found in `df` of `n` documents:
/// `ln((n + 1) / (df + 1)) + 1` with `smooth`, else `ln(n / df) + 1` (`df >= 1` there, as a
/// learned term occurs somewhere; a fixed-vocabulary term found nowhere gets `+inf`, as in
/// scikit-learn, which also warns about the division by zero).
pub fn idf(df: u32, n: usize, smooth: bool) -> f64 {
    let s = smooth as u32;
    ((n as u64 + s as u64) as f64 / (df as u64 + s as u64) as f64).ln() + 1.0
}

/// A fitted TF-IDF vectorizer: parameters, vocabulary and idf weights.
///
/// Output row of a document: for each vocabulary term in it, `tf` (its count; 1 with `binary`),
/// replaced by `1 + ln(tf)` with `sublinear_tf`, times the term's idf with `use_idf`; then the
/// row divided by its L2 or L1 norm (an all-zero row stays zero). Columns sorted within each row.
/// Null documents are handled as in [`CountVectorizer`](super::CountVectorizer): all-zero rows,
/// counted as documents without terms when fitting (so they raise every idf a little).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TfidfVectorizer {
    params: TfidfVectorizerParams,
    vocabulary: Vocabulary,
    /// One weight per column; `None` without `use_idf`.
    idf: Option<Vec<f64>>,
}

impl TfidfVectorizer {
    /// Learns the vocabulary (see [`CountVectorizer::fit`](super::CountVectorizer::fit), same
    /// errors) and the idf of every term.
    pub fn fit(params: &TfidfVectorizerParams, docs: &StringColumn) -> Result<Self> {
        Self::fit_docs("TfidfVectorizer::fit", params, Docs::Text(docs), false).map(|(v, _)| v)
    }

    /// [`fit`](Self::fit) on pre-tokenized documents (word analyzer only; tokens used as they are).
    pub fn fit_tokens(params: &TfidfVectorizerParams, tokens: &TokenColumn) -> Result<Self> {
        Self::fit_docs("TfidfVectorizer::fit_tokens", params, Docs::Tokens(tokens), false).map(|(v, _)| v)
    }

    /// Fits and returns the TF-IDF matrix of the fitted documents, analyzing them once.
    pub fn fit_transform(params: &TfidfVectorizerParams, docs: &StringColumn) -> Result<(Self, CsrMatrix)> {
        Self::fit_docs("TfidfVectorizer::fit_transform", params, Docs::Text(docs), true).and_then(with_matrix)
    }

    /// [`fit_transform`](Self::fit_transform) on pre-tokenized documents.
    pub fn fit_transform_tokens(params: &TfidfVectorizerParams, tokens: &TokenColumn) -> Result<(Self, CsrMatrix)> {
        Self::fit_docs("TfidfVectorizer::fit_transform_tokens", params, Docs::Tokens(tokens), true)
            .and_then(with_matrix)
    }

    /// Fits on `docs`; with `keep_rows`, also the matrix of the fitted documents.
    fn fit_docs(
        op: &str,
        params: &TfidfVectorizerParams,
        docs: Docs<'_>,
        keep_rows: bool,
    ) -> Result<(Self, FitMatrix)> {
        let mut analyzer = TermAnalyzer::for_op(op, &params.count.analysis)?;
        let learned = learn(op, &params.count, &mut analyzer, docs, keep_rows)?;
        let idf =
            params.use_idf.then(|| learned.df.iter().map(|&df| idf(df, learned.n_docs, params.smooth_idf)).collect());
        let v = TfidfVectorizer { params: params.clone(), vocabulary: learned.vocabulary, idf };
        let m = learned.rows.map(|r| r.to_csr(v.vocabulary.len(), &v.weighting()));
        Ok((v, m.ok_or(op.to_string())))
    }

    fn weighting(&self) -> Weighting<'_> {
        Weighting {
            binary: self.params.count.binary,
            sublinear_tf: self.params.sublinear_tf,
            idf: self.idf.as_deref(),
            norm: self.params.norm,
        }
    }

    /// The TF-IDF matrix of `docs` (`docs.len()` rows, one column per vocabulary term).
    pub fn transform(&self, docs: &StringColumn) -> Result<CsrMatrix> {
        self.transform_docs("TfidfVectorizer::transform", Docs::Text(docs))
    }

    /// The TF-IDF matrix of pre-tokenized documents (word analyzer only).
    pub fn transform_tokens(&self, tokens: &TokenColumn) -> Result<CsrMatrix> {
        self.transform_docs("TfidfVectorizer::transform_tokens", Docs::Tokens(tokens))
    }

    fn transform_docs(&self, op: &str, docs: Docs<'_>) -> Result<CsrMatrix> {
        let mut analyzer = TermAnalyzer::for_op(op, &self.params.count.analysis)?;
        analyzer.check_docs(op, docs)?;
        Ok(vectorize(&mut analyzer, docs, &self.vocabulary, &self.weighting()))
    }

    /// The vocabulary: term -> column, columns in sorted term order (or the fixed order).
    pub fn vocabulary(&self) -> &Vocabulary {
        &self.vocabulary
    }

    /// The idf weight of every column (`None` without `use_idf`).
    pub fn idf(&self) -> Option<&[f64]> {
        self.idf.as_deref()
    }

    /// The parameters it was fitted with.
    pub fn params(&self) -> &TfidfVectorizerParams {
        &self.params
    }
}
