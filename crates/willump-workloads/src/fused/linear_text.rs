//! Vocabulary-based text blocks (counts or TF-IDF) into a binary linear model, fused: the one
//! canonical hand-fused text scorer (the workloads harness's `hand_fused` row and the compiler's
//! `jit_text` bench both measure this one).
//!
//! Per row and block, the runtime's [`TermScanner`] reports the vocabulary column of every term
//! occurrence (ASCII text scanned in place with packed 8-byte keys and prefetched lookups in a
//! [`PackedVocabulary`]; anything else by the eager analyzer), and the occurrence goes straight
//! into the score. For plain term frequencies with an L2 norm (or none) the block is linear in
//! the counts: occurrence number `k` (from 1) of column `j` adds `w_j * idf_j` to the block's dot
//! product and `(2k - 1) * idf_j^2` to its squared norm (the square grows from `(k-1)^2` to
//! `k^2`), so the block's contribution `dot / sqrt(norm2)` needs no second pass and no list of
//! touched columns; counts reset per row by a generation stamp ([`ColumnCounts`]). Binary,
//! sublinear or L1-normalized blocks count first, then walk the touched columns once.
//!
//! Floating-point order: sums run in the order terms are found, not in column order as the eager
//! vectorizer's, so probabilities agree with the eager pipeline to rounding (tested to 1e-12
//! absolute), not bit for bit.

use willump::ir::params::text::{AnalyzerParams, Norm};
use willump::ops::{CountVectorizer, TfidfVectorizer};
use willump::runtime::models::LogisticRegression;
use willump::runtime::ops::text::{ColumnCounts, PackedVocabulary, TermScanner, lowercase_into, prefetch};
use willump::runtime::value::{StringColumn, Value};

use super::{Pool, sigmoid};
use crate::{Error, Result, Scorer, input_column};

/// How many occurrences ahead the scoring loop prefetches a column's weights and count.
const AHEAD: usize = 8;

/// One block of model-input columns computed from the text.
#[derive(Debug, Clone)]
pub struct TextBlock {
    analysis: AnalyzerParams,
    vocabulary: PackedVocabulary,
    /// Per column: the model's weight times the idf (1 without idf), and the idf squared.
    weighted: Vec<[f64; 2]>,
    /// The model's weight of each column.
    weight: Vec<f64>,
    /// The idf of each column (`None`: plain counts).
    idf: Option<Vec<f64>>,
    norm: Option<Norm>,
    binary: bool,
    sublinear_tf: bool,
}

impl TextBlock {
    /// The block of a fitted TF-IDF vectorizer, with the model weights of its columns.
    pub fn tfidf(v: &TfidfVectorizer, weights: &[f64]) -> Result<TextBlock> {
        let p = v.params();
        Self::check_width("TextBlock::tfidf", v.vocabulary().len(), weights.len())?;
        let mut b = Self::build(&p.count.analysis, v.vocabulary(), weights, v.idf().map(<[f64]>::to_vec));
        (b.norm, b.binary, b.sublinear_tf) = (p.norm, p.count.binary, p.sublinear_tf);
        Ok(b)
    }

    /// The block of a fitted count vectorizer, with the model weights of its columns.
    pub fn count(v: &CountVectorizer, weights: &[f64]) -> Result<TextBlock> {
        let p = v.params();
        Self::check_width("TextBlock::count", v.vocabulary().len(), weights.len())?;
        let mut b = Self::build(&p.analysis, v.vocabulary(), weights, None);
        b.binary = p.binary;
        Ok(b)
    }

    fn build(
        analysis: &AnalyzerParams,
        vocabulary: &willump::runtime::ops::text::Vocabulary,
        weights: &[f64],
        idf: Option<Vec<f64>>,
    ) -> TextBlock {
        let weighted = match &idf {
            Some(idf) => weights.iter().zip(idf).map(|(w, f)| [w * f, f * f]).collect(),
            None => weights.iter().map(|&w| [w, 1.0]).collect(),
        };
        TextBlock {
            analysis: analysis.clone(),
            vocabulary: PackedVocabulary::new(vocabulary),
            weighted,
            weight: weights.to_vec(),
            idf,
            norm: None,
            binary: false,
            sublinear_tf: false,
        }
    }

    fn check_width(op: &str, vocab: usize, weights: usize) -> Result<()> {
        if vocab != weights {
            return Err(Error::invalid(op, "weights", format!("{weights} weights for {vocab} vocabulary columns")));
        }
        Ok(())
    }

    /// Number of model-input columns.
    pub fn width(&self) -> usize {
        self.weight.len()
    }

    /// Whether the block is scored in one pass (plain tf, L2 norm or none).
    fn one_pass(&self) -> bool {
        !self.binary && !self.sublinear_tf && self.norm != Some(Norm::L1)
    }

    /// The block's contribution to the score of `doc`.
    #[inline]
    fn score(&self, doc: &str, scanner: &mut TermScanner, counts: &mut ColumnCounts, touched: &mut Vec<u32>) -> f64 {
        counts.next_document();
        if self.one_pass() {
            let (mut dot, mut norm2) = (0.0, 0.0);
            let weighted = &self.weighted[..];
            let cols = scanner.columns(&self.vocabulary, doc);
            for (j, &c) in cols.iter().enumerate() {
                // the columns are known ahead: start loading a later one's data now
                if let Some(&a) = cols.get(j + AHEAD) {
                    prefetch(weighted.as_ptr().wrapping_add(a as usize));
                    counts.prefetch(a);
                }
                let before = counts.bump(c);
                let [wf, f2] = weighted[c as usize];
                dot += wf;
                norm2 += (2 * before + 1) as f64 * f2;
            }
            return if self.norm == Some(Norm::L2) && norm2 > 0.0 { dot / norm2.sqrt() } else { dot };
        }
        touched.clear();
        for &c in scanner.columns(&self.vocabulary, doc) {
            if counts.bump(c) == 0 {
                touched.push(c);
            }
        }
        let (mut dot, mut norm) = (0.0, 0.0);
        for &c in touched.iter() {
            let mut v = if self.binary { 1.0 } else { counts.get(c) as f64 };
            let c = c as usize;
            if self.sublinear_tf {
                v = 1.0 + v.ln();
            }
            if let Some(idf) = &self.idf {
                v *= idf[c];
            }
            dot += v * self.weight[c];
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

/// One thread's scratch for a [`LinearTextScorer`]: the lowercased row (non-ASCII rows), one
/// scanner and one counter per block. Reused across rows: scoring allocates nothing once warm.
#[derive(Debug)]
pub struct TextScratch {
    lower: String,
    scanners: Vec<TermScanner>,
    counts: Vec<ColumnCounts>,
    touched: Vec<u32>,
}

/// Text blocks stacked into a binary linear model, fused into one pass per row.
pub struct LinearTextScorer {
    lowercase: bool,
    blocks: Vec<TextBlock>,
    intercept: f64,
    /// Whether some block does not lowercase by itself.
    keeps_case: bool,
    pool: Pool<TextScratch>,
}

impl LinearTextScorer {
    /// The fused form of `lowercase` (when set) then the blocks stacked, in order, into a binary
    /// linear model with this intercept.
    pub fn new(lowercase: bool, blocks: Vec<TextBlock>, intercept: f64) -> Result<Self> {
        for b in &blocks {
            TermScanner::new(&b.analysis)?;
        }
        let keeps_case = blocks.iter().any(|b| !b.analysis.lowercase);
        Ok(LinearTextScorer { lowercase, blocks, intercept, keeps_case, pool: Pool::new() })
    }

    /// Splits a binary logistic regression's weights over blocks of the given widths, in order.
    pub fn split_weights(model: &LogisticRegression, widths: &[usize]) -> Result<(Vec<Vec<f64>>, f64)> {
        let p = model.params();
        if p.weights.nrows() != 1 {
            return Err(Error::op("LinearTextScorer", "the model must be binary (one weight row)"));
        }
        let total: usize = widths.iter().sum();
        if total != p.weights.ncols() {
            return Err(Error::op(
                "LinearTextScorer",
                format!("the blocks have {total} columns, the model {}", p.weights.ncols()),
            ));
        }
        let w = p.weights.row(0).to_vec();
        let mut out = Vec::with_capacity(widths.len());
        let mut at = 0;
        for &n in widths {
            out.push(w[at..at + n].to_vec());
            at += n;
        }
        Ok((out, p.intercepts[0]))
    }

    /// Fresh scratch for one thread (for [`predict_one`](Self::predict_one)).
    pub fn scratch(&self) -> TextScratch {
        TextScratch {
            lower: String::new(),
            scanners: self
                .blocks
                .iter()
                .map(|b| TermScanner::new(&b.analysis).expect("parameters checked in LinearTextScorer::new"))
                .collect(),
            counts: self.blocks.iter().map(|b| ColumnCounts::new(b.width())).collect(),
            touched: Vec::new(),
        }
    }

    /// The log-odds of one document (`None`: a null row, whose blocks are all zero).
    #[inline]
    fn log_odds(&self, doc: Option<&str>, s: &mut TextScratch) -> f64 {
        let mut score = self.intercept;
        let Some(doc) = doc else { return score };
        let TextScratch { lower, scanners, counts, touched } = s;
        // Blocks that lowercase do it while scanning (ASCII) or in the eager analyzer: lowercasing
        // first is only needed for non-ASCII rows (Python's `lower` first, then the block's own,
        // exactly as the pipeline) or for blocks that keep case.
        let text: &str = if self.lowercase && (self.keeps_case || !doc.is_ascii()) {
            lower.clear();
            lowercase_into(doc, lower);
            lower
        } else {
            doc
        };
        for (k, b) in self.blocks.iter().enumerate() {
            score += b.score(text, &mut scanners[k], &mut counts[k], touched);
        }
        score
    }

    /// The class-1 probability of one document with the caller's scratch (no lock, no
    /// allocation once the scratch is warm).
    #[inline]
    pub fn predict_one(&self, doc: Option<&str>, scratch: &mut TextScratch) -> f64 {
        sigmoid(self.log_odds(doc, scratch))
    }

    /// The class-1 probability of every document of `docs`.
    pub fn predict_docs(&self, docs: &StringColumn) -> Vec<f64> {
        self.pool.with(|| self.scratch(), |s| (0..docs.len()).map(|i| sigmoid(self.log_odds(docs.get(i), s))).collect())
    }
}

impl Scorer for LinearTextScorer {
    fn predict(&self, inputs: &[Value]) -> Result<Vec<f64>> {
        let docs = input_column("LinearTextScorer", inputs, 0)?.as_str("LinearTextScorer", "texts")?;
        Ok(self.predict_docs(docs))
    }
}
