//! The `text` workload: word TF-IDF (1-grams, at most 10,000 terms) and character TF-IDF (2- to
//! 5-grams, at most 50,000 terms) of short texts, stacked into a logistic regression.
//!
//! Real data: all five TSVs of `texts/` (28,540 rows; label 1 = spam or negative), a seeded
//! stratified 80/20 split ([`SPLIT_SEED`]). Generated data: the seeded generator's short messages
//! and reviews, split the same way. Main metric: accuracy.
//!
//! The pipeline lowercases once and gives the lowercased text to both vectorizers (fitted with
//! `lowercase: false`), which is exactly scikit-learn's `TfidfVectorizer(lowercase=True)` twice.

use std::path::Path;

use ndarray::Array2;
use willump::ir::params::text::{Analyzer, AnalyzerParams, CountVectorizerParams, NgramRange, TfidfVectorizerParams};
use willump::ops::{TfidfVectorizer, hstack, lowercase};
use willump::prelude::*;
use willump::runtime::models::{LogisticRegression, LogisticRegressionSpec};
use willump::runtime::value::StringColumn;

use crate::fused::{LinearTextScorer, TextBlock};
use crate::{Dataset, Metric, Scorer, Source, Split, Trained, Workload, class1, data, input_column, textgen};

/// The seed of the real data's stratified 80/20 split (and of the generated data's).
pub const SPLIT_SEED: u64 = 42;
/// The test share of the split.
pub const TEST_FRACTION: f64 = 0.2;
/// Word TF-IDF vocabulary limit.
pub const WORD_MAX_FEATURES: usize = 10_000;
/// Character TF-IDF vocabulary limit.
pub const CHAR_MAX_FEATURES: usize = 50_000;

/// The text pipeline: lowercase, word and character TF-IDF, stacked, into the model.
#[willump]
pub fn text_pipeline(
    #[row] texts: &StringColumn,
    word: &TfidfVectorizer,
    chars: &TfidfVectorizer,
    model: &LogisticRegression,
) -> willump::Result<Array2<f64>> {
    let lower = lowercase(texts)?;
    let words = word.transform(&lower)?;
    let char_grams = chars.transform(&lower)?;
    let x = hstack(&[&words, &char_grams])?;
    model.predict_proba(x.view())
}

/// The word vectorizer's parameters (1-grams, at most [`WORD_MAX_FEATURES`] terms).
pub fn word_params() -> TfidfVectorizerParams {
    tfidf_params(Analyzer::Word, NgramRange::new(1, 1), WORD_MAX_FEATURES)
}

/// The character vectorizer's parameters (2- to 5-grams, at most [`CHAR_MAX_FEATURES`] terms).
pub fn char_params() -> TfidfVectorizerParams {
    tfidf_params(Analyzer::Char, NgramRange::new(2, 5), CHAR_MAX_FEATURES)
}

fn tfidf_params(analyzer: Analyzer, ngram_range: NgramRange, max_features: usize) -> TfidfVectorizerParams {
    TfidfVectorizerParams {
        count: CountVectorizerParams {
            analysis: AnalyzerParams { analyzer, ngram_range, lowercase: false },
            max_features: Some(max_features),
            ..Default::default()
        },
        ..Default::default()
    }
}

/// Splits labelled texts into a dataset by the seeded stratified split.
pub(crate) fn text_dataset(texts: Vec<String>, labels: Vec<f64>, source: Source) -> Result<Dataset> {
    let (train, test) = data::stratified_split(&labels, TEST_FRACTION, SPLIT_SEED);
    let all = Split::new(vec![Column::Str(StringColumn::from(texts))], labels)?;
    Ok(Dataset { source, train: all.take(&train)?, test: all.take(&test)?, tables: Vec::new() })
}

/// The texts of a split's first input.
pub(crate) fn split_texts<'a>(op: &str, s: &'a Split) -> Result<&'a StringColumn> {
    s.column(op, 0)?.as_str(op, "texts")
}

/// Labelled short texts into word and character TF-IDF and a logistic regression.
pub struct TextWorkload;

impl Workload for TextWorkload {
    fn name(&self) -> &'static str {
        "text"
    }

    fn description(&self) -> &'static str {
        "word 1-gram + char 2-5-gram TF-IDF -> logistic regression (spam / negative texts)"
    }

    fn metric(&self) -> Metric {
        Metric::Accuracy
    }

    fn input_names(&self) -> &'static [&'static str] {
        &["texts"]
    }

    fn generate(&self, seed: u64, rows: usize) -> Result<Dataset> {
        let (texts, labels) = textgen::generate(seed, rows);
        text_dataset(texts, labels, Source::Generated { seed, rows })
    }

    fn load(&self, dir: &Path) -> Result<Option<Dataset>> {
        match data::read_text_task(dir)? {
            Some((texts, labels)) => Ok(Some(text_dataset(texts, labels, Source::Real { dir: dir.to_path_buf() })?)),
            None => Ok(None),
        }
    }

    fn train(&self, d: &Dataset) -> Result<Box<dyn Trained>> {
        Ok(Box::new(TextModel::fit(split_texts("text.train", &d.train)?, &d.train.labels)?))
    }
}

/// The fitted state of the text pipeline.
#[derive(Debug, Clone)]
pub struct TextModel {
    /// Word TF-IDF.
    pub word: TfidfVectorizer,
    /// Character TF-IDF.
    pub chars: TfidfVectorizer,
    /// The classifier.
    pub model: LogisticRegression,
}

impl TextModel {
    /// Fits both vectorizers and the model on `texts` and `labels`.
    pub fn fit(texts: &StringColumn, labels: &[f64]) -> Result<TextModel> {
        let lower = lowercase(texts)?;
        let (word, w) = TfidfVectorizer::fit_transform(&word_params(), &lower)?;
        let (chars, c) = TfidfVectorizer::fit_transform(&char_params(), &lower)?;
        let x = hstack(&[&w, &c])?;
        let model = LogisticRegressionSpec::default().fit(x.view(), labels)?;
        Ok(TextModel { word, chars, model })
    }

    /// The fused scorer of this state.
    pub fn fused(&self) -> Result<LinearTextScorer> {
        let widths = [self.word.vocabulary().len(), self.chars.vocabulary().len()];
        let (w, b) = LinearTextScorer::split_weights(&self.model, &widths)?;
        let blocks = vec![TextBlock::tfidf(&self.word, &w[0])?, TextBlock::tfidf(&self.chars, &w[1])?];
        LinearTextScorer::new(true, blocks, b)
    }
}

impl Trained for TextModel {
    fn eager(&self, inputs: &[Value]) -> Result<Vec<f64>> {
        let texts = input_column("text", inputs, 0)?.as_str("text", "texts")?;
        class1(&text_pipeline(texts, &self.word, &self.chars, &self.model)?)
    }

    fn graph(&self) -> Result<Pipeline> {
        text_pipeline_graph(&self.word, &self.chars, &self.model)
    }

    fn hand_fused(&self) -> Result<Box<dyn Scorer>> {
        Ok(Box::new(self.fused()?))
    }

    fn export(&self, d: &Dataset, dir: &Path) -> Result<()> {
        data::write_texts_json(&dir.join("train.json"), split_texts("text.export", &d.train)?, &d.train.labels)?;
        data::write_texts_json(&dir.join("test.json"), split_texts("text.export", &d.test)?, &d.test.labels)?;
        data::write_json(
            &dir.join("params.json"),
            &serde_json::json!({
                "workload": "text",
                "word_max_features": WORD_MAX_FEATURES,
                "char_max_features": CHAR_MAX_FEATURES,
                "C": 1.0,
                "n_features_rust": [self.word.vocabulary().len(), self.chars.vocabulary().len()],
            }),
        )
    }
}
