//! Hashed text blocks (scikit-learn's `HashingVectorizer`) into one linear score, fused.
//!
//! Per row and block: analyze into term spans, hash each term (MurmurHash3, seed 0) to a column
//! and a sign, and sum the signs per column in a small open-addressing table that stays in L1
//! (a hashed space is too large for a dense per-row counter, and a row holds a few dozen terms);
//! then each distinct column's value enters both the dot product with the weights and the norm,
//! and the table is cleared through its list of used slots.

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

/// Per-call scratch: one analyzer per block and the per-row column table.
pub struct HashedScratch {
    analyzers: Vec<TermAnalyzer>,
    table: RowTable,
}

/// Column -> summed value for one row: open addressing over `u32` keys (`col + 1`; 0 is empty),
/// at most half full, cleared slot by slot after the row.
struct RowTable {
    keys: Vec<u32>,
    values: Vec<f64>,
    used: Vec<u32>,
}

impl RowTable {
    fn new() -> RowTable {
        RowTable { keys: vec![0; 256], values: vec![0.0; 256], used: Vec::new() }
    }

    /// Makes room for `n` distinct columns.
    fn reserve(&mut self, n: usize) {
        if 2 * n > self.keys.len() {
            let cap = (2 * n).next_power_of_two();
            self.keys = vec![0; cap];
            self.values = vec![0.0; cap];
        }
    }

    #[inline(always)]
    fn add(&mut self, col: u32, v: f64) {
        let mask = self.keys.len() - 1;
        let key = col + 1;
        let mut i = (key.wrapping_mul(0x9E37_79B9) >> 8) as usize & mask;
        loop {
            let k = self.keys[i];
            if k == key {
                self.values[i] += v;
                return;
            }
            if k == 0 {
                self.keys[i] = key;
                self.values[i] = v;
                self.used.push(i as u32);
                return;
            }
            i = (i + 1) & mask;
        }
    }
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
            table: RowTable::new(),
        }
    }

    /// The linear score of one document (`None`: a null row, all zero features).
    pub fn score(&self, doc: Option<&str>, s: &mut HashedScratch) -> f64 {
        let mut score = self.intercept;
        let Some(doc) = doc else { return score };
        for (b, a) in self.blocks.iter().zip(s.analyzers.iter_mut()) {
            score += b.score(doc, a, &mut s.table);
        }
        score
    }
}

impl HashedBlock {
    #[inline]
    fn score(&self, doc: &str, analyzer: &mut TermAnalyzer, table: &mut RowTable) -> f64 {
        let terms = analyzer.analyze(doc);
        table.reserve(terms.len());
        for k in 0..terms.len() {
            let h = murmur3_x86_32(terms.get(k).as_bytes(), 0) as i32;
            let (col, sign) = sklearn_column(h, self.n_features);
            table.add(col, if self.alternate_sign { sign } else { 1.0 });
        }
        let (mut dot, mut norm) = (0.0, 0.0);
        for &slot in &table.used {
            let slot = slot as usize;
            let col = table.keys[slot] - 1;
            table.keys[slot] = 0;
            let v = if self.binary { 1.0 } else { table.values[slot] };
            dot += v * self.weight[col as usize];
            norm += match self.norm {
                Some(Norm::L2) => v * v,
                _ => v.abs(),
            };
        }
        table.used.clear();
        match self.norm {
            Some(Norm::L2) if norm > 0.0 => dot / norm.sqrt(),
            Some(Norm::L1) if norm > 0.0 => dot / norm,
            _ => dot,
        }
    }
}
