//! The `stacked` workload: four small models, each computed by an opaque user function over the
//! texts, stacked into a logistic regression (classic model stacking).
//!
//! The user functions ([`shape_score`], [`hashed_score`]) are ordinary Rust that the macro does
//! not know, so each becomes an opaque node and its own feature group. Their costs differ because
//! their work differs, not by waiting: [`ShapeModel`] reads each text once for ten counts;
//! the hashed models tokenize and hash word 1-grams (`words`), character 1-3-grams (`chars`), and
//! word 1-2-grams plus `char_wb` 2-5-grams (`wide`), each into a small logistic regression.
//!
//! Training: the four small models are fitted out of fold (two seeded folds of the training
//! rows) to give the stacker honest inputs, then refitted on all training rows. Data: the text
//! task (real or generated, exactly as the `text` workload). Main metric: accuracy.

use std::path::Path;

use ndarray::Array2;
use willump::ir::params::text::{Analyzer, AnalyzerParams, HashingVectorizerParams, NgramRange};
use willump::ops::{HashingVectorizer, hstack};
use willump::prelude::*;
use willump::runtime::models::{LogisticRegression, LogisticRegressionSpec};
use willump::runtime::rng::Rng;
use willump::runtime::value::StringColumn;

use crate::fused::{HashedLinear, HashedScratch, Pool, sigmoid};
use crate::text::split_texts;
use crate::{Dataset, Error, Metric, Scorer, Trained, Workload, class1, data, input_column};

/// Number of shape features.
pub const N_SHAPE: usize = 10;

/// Ten counts of a text's shape: length, letters in upper case, digits, `!`, `?`, links,
/// non-ASCII characters, words, the longest word, currency signs (each scaled to about 0..1).
pub fn shape_features(text: &str, out: &mut [f64; N_SHAPE]) {
    let (mut chars, mut upper, mut digits, mut bang, mut question, mut non_ascii, mut currency) =
        (0usize, 0usize, 0usize, 0usize, 0usize, 0usize, 0usize);
    let (mut words, mut longest, mut run) = (0usize, 0usize, 0usize);
    for c in text.chars() {
        chars += 1;
        upper += c.is_uppercase() as usize;
        digits += c.is_ascii_digit() as usize;
        bang += (c == '!') as usize;
        question += (c == '?') as usize;
        non_ascii += !c.is_ascii() as usize;
        currency += matches!(c, '£' | '$' | '€') as usize;
        if c.is_whitespace() {
            run = 0;
        } else {
            if run == 0 {
                words += 1;
            }
            run += 1;
            longest = longest.max(run);
        }
    }
    let links = text.matches("http").count() + text.matches("www.").count();
    let n = chars.max(1) as f64;
    *out = [
        chars as f64 / 100.0,
        upper as f64 / n,
        digits as f64 / n,
        bang.min(5) as f64 / 5.0,
        question.min(5) as f64 / 5.0,
        links.min(3) as f64 / 3.0,
        non_ascii as f64 / n,
        words as f64 / 20.0,
        longest.min(30) as f64 / 10.0,
        currency.min(3) as f64 / 3.0,
    ];
}

/// A small model over [`shape_features`].
#[derive(Debug, Clone)]
pub struct ShapeModel {
    model: LogisticRegression,
}

impl ShapeModel {
    fn features(texts: &StringColumn) -> Array2<f64> {
        let mut x = Array2::zeros((texts.len(), N_SHAPE));
        let mut f = [0.0; N_SHAPE];
        for (i, t) in texts.iter().enumerate() {
            shape_features(t.unwrap_or(""), &mut f);
            x.row_mut(i).assign(&ndarray::ArrayView1::from(&f));
        }
        x
    }

    /// Fits on `texts` and `labels`.
    pub fn fit(texts: &StringColumn, labels: &[f64]) -> Result<ShapeModel> {
        let model = small_spec().fit(Self::features(texts).view().into(), labels)?;
        Ok(ShapeModel { model })
    }
}

/// The shape model's log-odds for every text, as an `n x 1` block (a user function: opaque).
pub fn shape_score(texts: &StringColumn, m: &ShapeModel) -> willump::Result<Array2<f64>> {
    m.model.decision_function(ShapeModel::features(texts).view().into())
}

/// A small model over hashed text features.
#[derive(Debug, Clone)]
pub struct HashedModel {
    vectorizers: Vec<HashingVectorizer>,
    model: LogisticRegression,
}

impl HashedModel {
    fn features(vectorizers: &[HashingVectorizer], texts: &StringColumn) -> Result<Matrix> {
        let blocks = vectorizers.iter().map(|v| v.transform(texts)).collect::<Result<Vec<_>>>()?;
        let refs: Vec<&dyn willump::ops::BlockInput> =
            blocks.iter().map(|b| b as &dyn willump::ops::BlockInput).collect();
        hstack(&refs)
    }

    /// Fits a model over `vectorizers`' features of `texts`.
    pub fn fit(vectorizers: Vec<HashingVectorizer>, texts: &StringColumn, labels: &[f64]) -> Result<HashedModel> {
        let x = Self::features(&vectorizers, texts)?;
        let model = small_spec().fit(x.view(), labels)?;
        Ok(HashedModel { vectorizers, model })
    }

    /// The fused form of this model's score.
    pub fn fused(&self) -> Result<HashedLinear> {
        let p = self.model.params();
        HashedLinear::new(
            &self.vectorizers,
            p.weights.row(0).as_slice().unwrap_or(&p.weights.row(0).to_vec()),
            p.intercepts[0],
        )
    }
}

/// A hashed model's log-odds for every text, as an `n x 1` block (a user function: opaque).
pub fn hashed_score(texts: &StringColumn, m: &HashedModel) -> willump::Result<Array2<f64>> {
    m.model.decision_function(HashedModel::features(&m.vectorizers, texts)?.view())
}

/// The stacked pipeline: four small models' scores into the stacker.
#[willump]
pub fn stacked_pipeline(
    #[row] texts: &StringColumn,
    shape: &ShapeModel,
    words: &HashedModel,
    chars: &HashedModel,
    wide: &HashedModel,
    model: &LogisticRegression,
) -> willump::Result<Array2<f64>> {
    let shape_logit = shape_score(texts, shape)?;
    let word_logit = hashed_score(texts, words)?;
    let char_logit = hashed_score(texts, chars)?;
    let wide_logit = hashed_score(texts, wide)?;
    let x = hstack(&[&shape_logit, &word_logit, &char_logit, &wide_logit])?;
    model.predict_proba(x.view())
}

fn hashing(analyzer: Analyzer, min_n: usize, max_n: usize, bits: u32) -> Result<HashingVectorizer> {
    HashingVectorizer::new(&HashingVectorizerParams {
        analysis: AnalyzerParams { analyzer, ngram_range: NgramRange::new(min_n, max_n), lowercase: true },
        n_features: 1 << bits,
        ..Default::default()
    })
}

/// The sizes of the hashed groups' feature spaces, as powers of two: `words`, `chars`, `wide`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HashBits(pub [u32; 3]);

impl Default for HashBits {
    /// 2^18 columns per hashed block (few collisions on the text task).
    fn default() -> Self {
        HashBits([18, 18, 18])
    }
}

/// The small models' solver settings: scikit-learn's default tolerance (1e-4), which their
/// scores need (they only feed the stacker) and which fits them several times faster than the
/// runtime's default 1e-6.
fn small_spec() -> LogisticRegressionSpec {
    LogisticRegressionSpec { tol: 1e-4, ..Default::default() }
}

/// The three hashed groups' vectorizers: `words`, `chars`, `wide`, in increasing cost.
pub fn hashed_groups(bits: HashBits) -> Result<[Vec<HashingVectorizer>; 3]> {
    let [w, c, d] = bits.0;
    Ok([
        vec![hashing(Analyzer::Word, 1, 1, w)?],
        vec![hashing(Analyzer::Char, 1, 3, c)?],
        vec![hashing(Analyzer::Word, 1, 2, d)?, hashing(Analyzer::CharWb, 2, 5, d)?],
    ])
}

/// The seed of the out-of-fold assignment.
pub const FOLD_SEED: u64 = 11;

/// Four small models over texts, stacked into a logistic regression.
pub struct StackedWorkload;

impl Workload for StackedWorkload {
    fn name(&self) -> &'static str {
        "stacked"
    }

    fn description(&self) -> &'static str {
        "four small models in opaque user functions (shape, word, char, wide) -> stacked logistic regression"
    }

    fn metric(&self) -> Metric {
        Metric::Accuracy
    }

    fn input_names(&self) -> &'static [&'static str] {
        &["texts"]
    }

    fn generate(&self, seed: u64, rows: usize) -> Result<Dataset> {
        crate::text::TextWorkload.generate(seed, rows)
    }

    fn load(&self, dir: &Path) -> Result<Option<Dataset>> {
        crate::text::TextWorkload.load(dir)
    }

    fn train(&self, d: &Dataset) -> Result<Box<dyn Trained>> {
        Ok(Box::new(StackedModel::fit(split_texts("stacked.train", &d.train)?, &d.train.labels, HashBits::default())?))
    }
}

/// The fitted state of the stacked pipeline.
#[derive(Debug, Clone)]
pub struct StackedModel {
    /// The shape model.
    pub shape: ShapeModel,
    /// The word model.
    pub words: HashedModel,
    /// The character model.
    pub chars: HashedModel,
    /// The word-and-character model.
    pub wide: HashedModel,
    /// The stacker.
    pub model: LogisticRegression,
    /// The fold of every training row in the out-of-fold fit (for the Python side).
    pub folds: Vec<u8>,
}

impl StackedModel {
    /// Fits the small models out of fold, the stacker on their out-of-fold scores, then the
    /// small models again on every row.
    pub fn fit(texts: &StringColumn, labels: &[f64], bits: HashBits) -> Result<StackedModel> {
        let n = texts.len();
        let mut folds = vec![0u8; n];
        for (pos, row) in Rng::new(FOLD_SEED).permutation(n).into_iter().enumerate() {
            folds[row] = (pos % 2) as u8;
        }
        let rows_of = |f: u8| -> Vec<usize> { (0..n).filter(|&i| folds[i] == f).collect() };
        let mut oof = Array2::zeros((n, 4));
        for f in 0..2u8 {
            let (fit_rows, out_rows) = (rows_of(1 - f), rows_of(f));
            let (fit_t, out_t) = (texts.take(&fit_rows)?, texts.take(&out_rows)?);
            let fit_y: Vec<f64> = fit_rows.iter().map(|&i| labels[i]).collect();
            let part = Self::fit_small(&fit_t, &fit_y, bits)?.scores(&out_t)?;
            for (k, &r) in out_rows.iter().enumerate() {
                oof.row_mut(r).assign(&part.row(k));
            }
        }
        let model = LogisticRegressionSpec::default().fit(oof.view().into(), labels)?;
        let small = Self::fit_small(texts, labels, bits)?;
        Ok(StackedModel { model, folds, ..small })
    }

    /// The four small models fitted on `texts` (the stacker left unfitted: a placeholder copy).
    fn fit_small(texts: &StringColumn, labels: &[f64], bits: HashBits) -> Result<StackedModel> {
        let [w, c, d] = hashed_groups(bits)?;
        let shape = ShapeModel::fit(texts, labels)?;
        Ok(StackedModel {
            model: shape.model.clone(),
            shape,
            words: HashedModel::fit(w, texts, labels)?,
            chars: HashedModel::fit(c, texts, labels)?,
            wide: HashedModel::fit(d, texts, labels)?,
            folds: Vec::new(),
        })
    }

    /// The small models' scores, `n x 4`.
    fn scores(&self, texts: &StringColumn) -> Result<Array2<f64>> {
        let parts = [
            shape_score(texts, &self.shape)?,
            hashed_score(texts, &self.words)?,
            hashed_score(texts, &self.chars)?,
            hashed_score(texts, &self.wide)?,
        ];
        let views: Vec<&dyn willump::ops::BlockInput> =
            parts.iter().map(|p| p as &dyn willump::ops::BlockInput).collect();
        match hstack(&views)? {
            Matrix::Dense(d) => Ok(d),
            Matrix::Sparse(s) => Ok(s.to_dense()),
        }
    }
}

/// The fused stacked pipeline: per row, the shape counts and the three hashed scores, then the
/// stacker, in one pass.
pub struct StackedFused {
    shape_w: [f64; N_SHAPE],
    shape_b: f64,
    hashed: [HashedLinear; 3],
    stack_w: [f64; 4],
    stack_b: f64,
    pool: Pool<Vec<HashedScratch>>,
}

fn binary_weights<const N: usize>(m: &LogisticRegression) -> Result<([f64; N], f64)> {
    let p = m.params();
    let w: Vec<f64> = p.weights.row(0).to_vec();
    let w: [f64; N] = w.try_into().map_err(|_| Error::op("StackedFused", format!("expected {N} weights")))?;
    Ok((w, p.intercepts[0]))
}

impl StackedFused {
    /// The fused form of a fitted stacked pipeline.
    pub fn new(m: &StackedModel) -> Result<StackedFused> {
        let (shape_w, shape_b) = binary_weights::<N_SHAPE>(&m.shape.model)?;
        let (stack_w, stack_b) = binary_weights::<4>(&m.model)?;
        Ok(StackedFused {
            shape_w,
            shape_b,
            hashed: [m.words.fused()?, m.chars.fused()?, m.wide.fused()?],
            stack_w,
            stack_b,
            pool: Pool::new(),
        })
    }

    fn p1(&self, doc: Option<&str>, s: &mut [HashedScratch]) -> f64 {
        let mut f = [0.0; N_SHAPE];
        shape_features(doc.unwrap_or(""), &mut f);
        let shape = self.shape_b + f.iter().zip(&self.shape_w).map(|(x, w)| x * w).sum::<f64>();
        let mut z = self.stack_b + self.stack_w[0] * shape;
        for ((h, w), sc) in self.hashed.iter().zip(&self.stack_w[1..]).zip(s.iter_mut()) {
            z += w * h.score(doc, sc);
        }
        sigmoid(z)
    }
}

impl Scorer for StackedFused {
    fn predict(&self, inputs: &[Value]) -> Result<Vec<f64>> {
        let texts = input_column("StackedFused", inputs, 0)?.as_str("StackedFused", "texts")?;
        Ok(self.pool.with(
            || self.hashed.iter().map(HashedLinear::scratch).collect(),
            |s| texts.iter().map(|t| self.p1(t, s)).collect(),
        ))
    }
}

impl Trained for StackedModel {
    fn eager(&self, inputs: &[Value]) -> Result<Vec<f64>> {
        let texts = input_column("stacked", inputs, 0)?.as_str("stacked", "texts")?;
        class1(&stacked_pipeline(texts, &self.shape, &self.words, &self.chars, &self.wide, &self.model)?)
    }

    fn graph(&self) -> Result<Pipeline> {
        stacked_pipeline_graph(&self.shape, &self.words, &self.chars, &self.wide, &self.model)
    }

    fn hand_fused(&self) -> Result<Box<dyn Scorer>> {
        Ok(Box::new(StackedFused::new(self)?))
    }

    fn export(&self, d: &Dataset, dir: &Path) -> Result<()> {
        let n = |m: &HashedModel, i: usize| m.vectorizers[i].params().n_features;
        data::write_texts_json(&dir.join("train.json"), split_texts("stacked.export", &d.train)?, &d.train.labels)?;
        data::write_texts_json(&dir.join("test.json"), split_texts("stacked.export", &d.test)?, &d.test.labels)?;
        data::write_json(
            &dir.join("params.json"),
            &serde_json::json!({
                "workload": "stacked",
                "folds": self.folds,
                "groups": {
                    "words": {"analyzer": "word", "ngram_range": [1, 1], "n_features": n(&self.words, 0)},
                    "chars": {"analyzer": "char", "ngram_range": [1, 3], "n_features": n(&self.chars, 0)},
                    "wide": [
                        {"analyzer": "word", "ngram_range": [1, 2], "n_features": n(&self.wide, 0)},
                        {"analyzer": "char_wb", "ngram_range": [2, 5], "n_features": n(&self.wide, 1)}
                    ]
                },
                "C": 1.0,
            }),
        )
    }
}
