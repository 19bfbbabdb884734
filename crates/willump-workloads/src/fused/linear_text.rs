//! Vocabulary-based text blocks (counts or TF-IDF) into a binary linear model, fused: the one
//! canonical hand-fused text scorer (the workloads harness's `hand_fused` row and the compiler's
//! `jit_text` bench both measure this one).
//!
//! Per row and block, the runtime's [`TermScanner`] reports the vocabulary id of every term
//! occurrence (ASCII text scanned in place with packed 8-byte keys and prefetched lookups in a
//! [`PackedVocabulary`] whose ids put the most frequent terms first; anything else by the eager
//! analyzer), and the occurrence goes straight into the score. For plain term frequencies with an
//! L2 norm (or none) the block is linear in the counts and scored per occurrence by the runtime's
//! [`OccurrenceScores`] (one 32-byte record per term: `w * idf`, `idf^2` and this thread's
//! count), with no second pass and no list of touched terms. Binary, sublinear or L1-normalized
//! blocks count first ([`ColumnCounts`]), then walk the touched terms once.
//!
//! Floating-point order: sums run in the order terms are found, not in column order as the eager
//! vectorizer's, so probabilities agree with the eager pipeline to rounding (tested to 1e-12
//! absolute), not bit for bit.

use willump::ir::params::text::{AnalyzerParams, Norm};
use willump::ops::{CountVectorizer, TfidfVectorizer};
use willump::runtime::models::LogisticRegression;
use willump::runtime::ops::text::{ColumnCounts, OccurrenceScores, PackedVocabulary, TermScanner, lowercase_into};
use willump::runtime::value::{StringColumn, Value};

use super::{Pool, sigmoid};
use crate::{Error, Result, Scorer, input_column};

/// One block of model-input columns computed from the text.
#[derive(Debug, Clone)]
pub struct TextBlock {
    analysis: AnalyzerParams,
    /// Ids by document frequency (TF-IDF) or columns (counts).
    vocabulary: PackedVocabulary,
    /// The one-pass scores (plain tf, L2 norm or none), to be copied per thread.
    scores: Option<OccurrenceScores>,
    /// The model's weight of each id.
    weight: Vec<f64>,
    /// The idf of each id (`None`: plain counts).
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
        Self::build(&p.count.analysis, v.vocabulary(), weights, v.idf(), p.norm, p.count.binary, p.sublinear_tf)
    }

    /// The block of a fitted count vectorizer, with the model weights of its columns.
    pub fn count(v: &CountVectorizer, weights: &[f64]) -> Result<TextBlock> {
        let p = v.params();
        Self::check_width("TextBlock::count", v.vocabulary().len(), weights.len())?;
        Self::build(&p.analysis, v.vocabulary(), weights, None, None, p.binary, false)
    }

    fn build(
        analysis: &AnalyzerParams,
        vocabulary: &willump::runtime::ops::text::Vocabulary,
        weights: &[f64],
        idf: Option<&[f64]>,
        norm: Option<Norm>,
        binary: bool,
        sublinear_tf: bool,
    ) -> Result<TextBlock> {
        let op = "TextBlock";
        let mut packed =
            PackedVocabulary::by_frequency(vocabulary, idf, 64).map_err(|e| Error::invalid(op, "idf", e))?;
        packed.index_word_ngrams(vocabulary, analysis).map_err(|e| Error::invalid(op, "vocabulary", e))?;
        let vocabulary = packed;
        let one_pass = !binary && !sublinear_tf && norm != Some(Norm::L1);
        let scores = match one_pass {
            true => Some(OccurrenceScores::new(vocabulary.columns(), weights, idf, norm == Some(Norm::L2))?),
            false => None,
        };
        let by_id = |v: &[f64]| vocabulary.columns().iter().map(|&c| v[c as usize]).collect::<Vec<f64>>();
        Ok(TextBlock {
            analysis: analysis.clone(),
            scores,
            weight: by_id(weights),
            idf: idf.map(by_id),
            vocabulary,
            norm,
            binary,
            sublinear_tf,
        })
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

    /// The block's contribution to the score of `doc`; `scores` is this thread's copy of
    /// `self.scores` (when the block has them).
    #[inline]
    fn score(
        &self,
        doc: &str,
        scanner: &mut TermScanner,
        scores: &mut Option<OccurrenceScores>,
        counts: &mut ColumnCounts,
        touched: &mut Vec<u32>,
    ) -> f64 {
        if let Some(scores) = scores {
            return scores.score(scanner.columns(&self.vocabulary, doc));
        }
        counts.next_document();
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
    scores: Vec<Option<OccurrenceScores>>,
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
            scores: self.blocks.iter().map(|b| b.scores.clone()).collect(),
            // one-pass blocks count in their scores
            counts: self
                .blocks
                .iter()
                .map(|b| ColumnCounts::new(if b.scores.is_some() { 0 } else { b.width() }))
                .collect(),
            touched: Vec::new(),
        }
    }

    /// The log-odds of one document (`None`: a null row, whose blocks are all zero).
    #[inline]
    fn log_odds(&self, doc: Option<&str>, s: &mut TextScratch) -> f64 {
        let mut score = self.intercept;
        let Some(doc) = doc else { return score };
        let TextScratch { lower, scanners, scores, counts, touched } = s;
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
            score += b.score(text, &mut scanners[k], &mut scores[k], &mut counts[k], touched);
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
