//! Vocabulary-based text blocks (counts or TF-IDF) into a binary linear model, fused.
//!
//! Per row: lowercase once into a reused buffer; for each block, analyze the text into term
//! spans, look every term up in the block's vocabulary (the runtime's prefetching lookup) and
//! count it in a dense per-column counter, remembering the columns touched; then walk the touched
//! columns once, accumulating both the dot product with the model's weights and the squared
//! norm. For an L2-normalized block the block's contribution is `dot / sqrt(norm2)`, which equals
//! the model's dot product with the normalized row; no sparse row is ever written.

use willump::ir::params::text::{AnalyzerParams, Norm};
use willump::ops::{CountVectorizer, TfidfVectorizer};
use willump::runtime::models::LogisticRegression;
use willump::runtime::ops::text::{TermAnalyzer, Vocabulary, lowercase_into};
use willump::runtime::value::{StringColumn, Value};

use super::{Pool, sigmoid};
use crate::{Error, Result, Scorer, input_column};

/// One block of model-input columns computed from the text.
#[derive(Debug, Clone)]
pub struct TextBlock {
    analysis: AnalyzerParams,
    vocabulary: Vocabulary,
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
        Ok(TextBlock {
            analysis: p.count.analysis.clone(),
            vocabulary: v.vocabulary().clone(),
            weight: weights.to_vec(),
            idf: v.idf().map(<[f64]>::to_vec),
            norm: p.norm,
            binary: p.count.binary,
            sublinear_tf: p.sublinear_tf,
        })
    }

    /// The block of a fitted count vectorizer, with the model weights of its columns.
    pub fn count(v: &CountVectorizer, weights: &[f64]) -> Result<TextBlock> {
        let p = v.params();
        Self::check_width("TextBlock::count", v.vocabulary().len(), weights.len())?;
        Ok(TextBlock {
            analysis: p.analysis.clone(),
            vocabulary: v.vocabulary().clone(),
            weight: weights.to_vec(),
            idf: None,
            norm: None,
            binary: p.binary,
            sublinear_tf: false,
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

    /// The block's contribution to the score of `doc`.
    #[inline]
    fn score(&self, doc: &str, analyzer: &mut TermAnalyzer, counts: &mut [u32], touched: &mut Vec<u32>) -> f64 {
        let terms = analyzer.analyze(doc);
        self.vocabulary.for_each_column(terms, |c| {
            let slot = &mut counts[c as usize];
            if *slot == 0 {
                touched.push(c);
            }
            *slot += 1;
        });
        let (mut dot, mut norm) = (0.0, 0.0);
        for &c in touched.iter() {
            let c = c as usize;
            let n = std::mem::take(&mut counts[c]);
            let mut v = if self.binary { 1.0 } else { n as f64 };
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
        touched.clear();
        match self.norm {
            Some(Norm::L2) if norm > 0.0 => dot / norm.sqrt(),
            Some(Norm::L1) if norm > 0.0 => dot / norm,
            _ => dot,
        }
    }
}

/// Per-call scratch: the lowercased row, one analyzer per block, the dense counter.
struct Scratch {
    lower: String,
    analyzers: Vec<TermAnalyzer>,
    counts: Vec<u32>,
    touched: Vec<u32>,
}

/// Text blocks stacked into a binary linear model, fused into one pass per row.
pub struct LinearTextScorer {
    lowercase: bool,
    blocks: Vec<TextBlock>,
    intercept: f64,
    max_width: usize,
    pool: Pool<Scratch>,
}

impl LinearTextScorer {
    /// The fused form of `lowercase` (when set) then the blocks stacked, in order, into `model`.
    /// Errors when the blocks' widths do not add up to the model's input width or the model is
    /// not binary.
    pub fn new(lowercase: bool, blocks: Vec<TextBlock>, intercept: f64) -> Result<Self> {
        let max_width = blocks.iter().map(TextBlock::width).max().unwrap_or(0);
        Ok(LinearTextScorer { lowercase, blocks, intercept, max_width, pool: Pool::new() })
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

    fn scratch(&self) -> Scratch {
        Scratch {
            lower: String::new(),
            analyzers: self
                .blocks
                .iter()
                .map(|b| TermAnalyzer::new(&b.analysis).expect("a fitted vectorizer's parameters are valid"))
                .collect(),
            counts: vec![0; self.max_width],
            touched: Vec::new(),
        }
    }

    /// The log-odds of one document (`None`: a null row, whose blocks are all zero).
    fn log_odds(&self, doc: Option<&str>, s: &mut Scratch) -> f64 {
        let mut score = self.intercept;
        let Some(doc) = doc else { return score };
        let text: &str = if self.lowercase {
            s.lower.clear();
            lowercase_into(doc, &mut s.lower);
            &s.lower
        } else {
            doc
        };
        for (b, a) in self.blocks.iter().zip(s.analyzers.iter_mut()) {
            score += b.score(text, a, &mut s.counts, &mut s.touched);
        }
        score
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
