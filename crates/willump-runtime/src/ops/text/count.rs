//! [`CountVectorizer`]: documents to a matrix of term counts (scikit-learn's `CountVectorizer`
//! with its default `token_pattern`, no stop words, no accent stripping).

use serde::{Deserialize, Serialize};
use willump_ir::params::text::CountVectorizerParams;

use super::analyzer::{Docs, TermAnalyzer};
use super::learn::{FitMatrix, learn, with_matrix};
use super::tokenize::TokenColumn;
use super::vocabulary::Vocabulary;
use super::weighting::{Weighting, vectorize};
use crate::error::Result;
use crate::value::{CsrMatrix, StringColumn};

/// A fitted count vectorizer: its parameters and vocabulary.
///
/// Output: one row per document, one column per vocabulary term, the number of times the term
/// occurs in the document (1 with `binary`), column indices sorted within each row. Terms not in
/// the vocabulary are ignored. A null document is an all-zero row; in a fit it counts as a
/// document that contains no term (as scikit-learn treats `""`): it adds to the number of
/// documents that fractional `min_df` / `max_df` are taken of.
///
/// There is no unfitted state: a value of this type only comes out of a fit (or a fixed
/// vocabulary), so transforming before fitting cannot be written.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CountVectorizer {
    params: CountVectorizerParams,
    vocabulary: Vocabulary,
}

impl CountVectorizer {
    /// Learns the vocabulary of `docs` (or takes `params.vocabulary`). Errors as scikit-learn:
    /// invalid parameters, an empty vocabulary, `max_df` below `min_df`, no term left after
    /// pruning, a repeated term in a fixed vocabulary.
    pub fn fit(params: &CountVectorizerParams, docs: &StringColumn) -> Result<Self> {
        Self::fit_docs("CountVectorizer::fit", params, Docs::Text(docs), false).map(|(v, _)| v)
    }

    /// [`fit`](Self::fit) on pre-tokenized documents (word analyzer only; tokens are used as
    /// they are, `lowercase` does not apply to them).
    pub fn fit_tokens(params: &CountVectorizerParams, tokens: &TokenColumn) -> Result<Self> {
        Self::fit_docs("CountVectorizer::fit_tokens", params, Docs::Tokens(tokens), false).map(|(v, _)| v)
    }

    /// Fits and returns the count matrix of the fitted documents in one pass over them.
    pub fn fit_transform(params: &CountVectorizerParams, docs: &StringColumn) -> Result<(Self, CsrMatrix)> {
        Self::fit_docs("CountVectorizer::fit_transform", params, Docs::Text(docs), true).and_then(with_matrix)
    }

    /// [`fit_transform`](Self::fit_transform) on pre-tokenized documents.
    pub fn fit_transform_tokens(params: &CountVectorizerParams, tokens: &TokenColumn) -> Result<(Self, CsrMatrix)> {
        Self::fit_docs("CountVectorizer::fit_transform_tokens", params, Docs::Tokens(tokens), true)
            .and_then(with_matrix)
    }

    /// Fits on `docs`; with `keep_rows`, also the matrix of the fitted documents.
    fn fit_docs(
        op: &str,
        params: &CountVectorizerParams,
        docs: Docs<'_>,
        keep_rows: bool,
    ) -> Result<(Self, FitMatrix)> {
        let mut analyzer = TermAnalyzer::for_op(op, &params.analysis)?;
        let learned = learn(op, params, &mut analyzer, docs, keep_rows)?;
        let v = CountVectorizer { params: params.clone(), vocabulary: learned.vocabulary };
        let m = learned.rows.map(|r| r.to_csr(v.vocabulary.len(), &v.weighting()));
        Ok((v, m.ok_or(op.to_string())))
    }

    fn weighting(&self) -> Weighting<'static> {
        Weighting { binary: self.params.binary, ..Weighting::default() }
    }

    /// The count matrix of `docs` (`docs.len()` rows, one column per vocabulary term).
    pub fn transform(&self, docs: &StringColumn) -> Result<CsrMatrix> {
        self.transform_docs("CountVectorizer::transform", Docs::Text(docs))
    }

    /// The count matrix of pre-tokenized documents (word analyzer only; tokens used as they are).
    pub fn transform_tokens(&self, tokens: &TokenColumn) -> Result<CsrMatrix> {
        self.transform_docs("CountVectorizer::transform_tokens", Docs::Tokens(tokens))
    }

    fn transform_docs(&self, op: &str, docs: Docs<'_>) -> Result<CsrMatrix> {
        let mut analyzer = TermAnalyzer::for_op(op, &self.params.analysis)?;
        analyzer.check_docs(op, docs)?;
        Ok(vectorize(&mut analyzer, docs, &self.vocabulary, &self.weighting()))
    }

    /// The vocabulary: term -> column, columns in sorted term order (or the fixed order).
    pub fn vocabulary(&self) -> &Vocabulary {
        &self.vocabulary
    }

    /// The parameters it was fitted with.
    pub fn params(&self) -> &CountVectorizerParams {
        &self.params
    }
}
