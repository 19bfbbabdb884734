//! [`HashingVectorizer`]: documents to hashed term counts (scikit-learn's `HashingVectorizer`):
//! each term's UTF-8 bytes hashed with MurmurHash3 x86_32 (seed 0) to a column, nothing fitted.

use serde::{Deserialize, Serialize};
use willump_ir::params::text::HashingVectorizerParams;

use super::analyzer::{Docs, TermAnalyzer, check_analyzer_params};
use super::murmur3::{murmur3_x86_32, sklearn_column};
use super::normalize::normalize_row;
use super::tokenize::TokenColumn;
use super::weighting::{SIZE_SAMPLE_ROWS, reserve_estimate};
use crate::error::{Error, Result};
use crate::value::{CsrBuilder, CsrMatrix, StringColumn};

/// scikit-learn's bound: `n_features` in `[1, 2^31 - 1)`.
const MAX_FEATURES_EXCLUSIVE: u32 = i32::MAX as u32;

/// A hashing vectorizer (stateless: only parameters).
///
/// Output row of a document: for each term, `+1` (or `-1` when `alternate_sign` and the term's
/// signed hash is negative) added at its column (see [`sklearn_column`]); duplicates summed, so
/// colliding terms of opposite signs can leave a stored zero, which is kept as scikit-learn keeps
/// it; with `binary` every stored value becomes 1 (stored zeros included, as in scikit-learn);
/// then the row norm. Columns sorted within each row; a null document is an all-zero row.
/// Unlike scikit-learn, which raises "Cannot vectorize empty sequence", zero documents give a
/// matrix with zero rows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HashingVectorizer {
    params: HashingVectorizerParams,
}

impl HashingVectorizer {
    /// A vectorizer for `params`; errors on an invalid n-gram range or `n_features` outside
    /// `[1, 2^31 - 1)`.
    pub fn new(params: &HashingVectorizerParams) -> Result<Self> {
        const OP: &str = "HashingVectorizer::new";
        check_analyzer_params(OP, &params.analysis)?;
        if params.n_features == 0 || params.n_features >= MAX_FEATURES_EXCLUSIVE {
            return Err(Error::invalid(
                OP,
                "n_features",
                format!("must be in [1, 2147483647), got {}", params.n_features),
            ));
        }
        Ok(HashingVectorizer { params: params.clone() })
    }

    /// The parameters.
    pub fn params(&self) -> &HashingVectorizerParams {
        &self.params
    }

    /// The hashed matrix of `docs` (`docs.len()` rows, `n_features` columns).
    pub fn transform(&self, docs: &StringColumn) -> Result<CsrMatrix> {
        self.transform_docs("HashingVectorizer::transform", Docs::Text(docs))
    }

    /// The hashed matrix of pre-tokenized documents (word analyzer only; tokens used as they are).
    pub fn transform_tokens(&self, tokens: &TokenColumn) -> Result<CsrMatrix> {
        self.transform_docs("HashingVectorizer::transform_tokens", Docs::Tokens(tokens))
    }

    fn transform_docs(&self, op: &str, docs: Docs<'_>) -> Result<CsrMatrix> {
        let p = &self.params;
        let mut analyzer = TermAnalyzer::for_op(op, &p.analysis)?;
        analyzer.check_docs(op, docs)?;
        let n = docs.len();
        let mut b = CsrBuilder::with_capacity(p.n_features as usize, n, 0);
        let mut row: Vec<(u32, f64)> = Vec::new();
        for i in 0..n {
            if i == SIZE_SAMPLE_ROWS {
                reserve_estimate(&mut b, i, n);
            }
            row.clear();
            if let Some(terms) = analyzer.row_terms(docs, i) {
                for t in terms.iter() {
                    let (col, sign) = sklearn_column(murmur3_x86_32(t.as_bytes(), 0) as i32, p.n_features);
                    row.push((col, if p.alternate_sign { sign } else { 1.0 }));
                }
            }
            row.sort_unstable_by_key(|e| e.0);
            let mut k = 0;
            while k < row.len() {
                let (col, mut v) = row[k];
                k += 1;
                while k < row.len() && row[k].0 == col {
                    v += row[k].1;
                    k += 1;
                }
                b.push(col, if p.binary { 1.0 } else { v });
            }
            if let Some(norm) = p.norm {
                normalize_row(b.current_row_mut().1, norm);
            }
            b.end_row();
        }
        Ok(b.finish())
    }
}
