//! Hashed text blocks (scikit-learn's `HashingVectorizer`) into one linear score, fused.
//!
//! Per row and block: analyze into term spans, hash each term (MurmurHash3, seed 0) to a column
//! and a sign, collect the (column, sign) pairs in a reused buffer, sort them by column and walk
//! the runs: each distinct column's summed value enters both the dot product with the weights
//! and the norm. A hashed space is too large for a dense per-row counter, and rows hold a few
//! dozen terms, so a sort of a small buffer is the cheapest exact aggregation.

use willump::ir::params::text::{AnalyzerParams, Norm};
use willump::ops::HashingVectorizer;
use willump::runtime::ops::text::{TermAnalyzer, murmur3_x86_32, sklearn_column};

use crate::{Error, Result};

/// One hashed block and the weights of its columns.
#[derive(Debug, Clone)]
pub struct HashedBlock {
    analysis: AnalyzerParams,
    n_features: u32,
    alternate_sign: bool,
    norm: Option<Norm>,
    binary: bool,
    weight: Vec<f64>,
}

/// Hashed blocks stacked into a linear score (`intercept + sum of block dot products`).
#[derive(Debug, Clone)]
pub struct HashedLinear {
    blocks: Vec<HashedBlock>,
    intercept: f64,
}

/// Per-call scratch: one analyzer per block and the (column, value) buffer.
pub struct HashedScratch {
    analyzers: Vec<TermAnalyzer>,
    pairs: Vec<(u32, f64)>,
}

impl HashedLinear {
    /// The fused score of `vectorizers` stacked in order into a linear model with `weights`
    /// (one per stacked column) and `intercept`.
    pub fn new(vectorizers: &[HashingVectorizer], weights: &[f64], intercept: f64) -> Result<HashedLinear> {
        let total: usize = vectorizers.iter().map(|v| v.params().n_features as usize).sum();
        if total != weights.len() {
            return Err(Error::invalid(
                "HashedLinear::new",
                "weights",
                format!("{} weights for {total} columns", weights.len()),
            ));
        }
        let mut at = 0;
        let blocks = vectorizers
            .iter()
            .map(|v| {
                let p = v.params();
                let n = p.n_features as usize;
                let b = HashedBlock {
                    analysis: p.analysis.clone(),
                    n_features: p.n_features,
                    alternate_sign: p.alternate_sign,
                    norm: p.norm,
                    binary: p.binary,
                    weight: weights[at..at + n].to_vec(),
                };
                at += n;
                b
            })
            .collect();
        Ok(HashedLinear { blocks, intercept })
    }

    /// Fresh scratch space for [`score`](Self::score).
    pub fn scratch(&self) -> HashedScratch {
        HashedScratch {
            analyzers: self
                .blocks
                .iter()
                .map(|b| TermAnalyzer::new(&b.analysis).expect("a built vectorizer's parameters are valid"))
                .collect(),
            pairs: Vec::new(),
        }
    }

    /// The linear score of one document (`None`: a null row, all zero features).
    pub fn score(&self, doc: Option<&str>, s: &mut HashedScratch) -> f64 {
        let mut score = self.intercept;
        let Some(doc) = doc else { return score };
        for (b, a) in self.blocks.iter().zip(s.analyzers.iter_mut()) {
            score += b.score(doc, a, &mut s.pairs);
        }
        score
    }
}

impl HashedBlock {
    #[inline]
    fn score(&self, doc: &str, analyzer: &mut TermAnalyzer, pairs: &mut Vec<(u32, f64)>) -> f64 {
        pairs.clear();
        let terms = analyzer.analyze(doc);
        for k in 0..terms.len() {
            let h = murmur3_x86_32(terms.get(k).as_bytes(), 0) as i32;
            let (col, sign) = sklearn_column(h, self.n_features);
            pairs.push((col, if self.alternate_sign { sign } else { 1.0 }));
        }
        pairs.sort_unstable_by_key(|p| p.0);
        let (mut dot, mut norm) = (0.0, 0.0);
        let mut i = 0;
        while i < pairs.len() {
            let col = pairs[i].0;
            let mut v = 0.0;
            while i < pairs.len() && pairs[i].0 == col {
                v += pairs[i].1;
                i += 1;
            }
            if self.binary {
                v = 1.0;
            }
            dot += v * self.weight[col as usize];
            norm += match self.norm {
                Some(Norm::L2) => v * v,
                _ => v.abs(),
            };
        }
        match self.norm {
            Some(Norm::L2) if norm > 0.0 => dot / norm.sqrt(),
            Some(Norm::L1) if norm > 0.0 => dot / norm,
            _ => dot,
        }
    }
}
