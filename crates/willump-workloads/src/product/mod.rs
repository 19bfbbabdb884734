//! The `product` workload: short product titles classified as apparel or not from three feature
//! groups stacked into a logistic regression: a brand TF-IDF and a colour TF-IDF over fixed
//! vocabularies the generator makes (word 1- and 2-grams, so `rose gold` and `north audio` match),
//! and character 2-4-gram counts (`char_wb`, at most [`CHAR_MAX_FEATURES`] terms).
//!
//! The brand and colour groups are cheap (a few word lookups per title) and decide most rows; the
//! character group costs most and is needed for the hard minority (see [`titles`]). There is no real
//! product data under `../shared/data`, so `--data` leaves this workload generated. Main
//! metric: accuracy.

pub mod titles;

use std::path::Path;

use ndarray::Array2;
use willump::ir::params::text::{Analyzer, AnalyzerParams, CountVectorizerParams, NgramRange, TfidfVectorizerParams};
use willump::ops::{CountVectorizer, TfidfVectorizer, hstack, lowercase};
use willump::prelude::*;
use willump::runtime::models::{LogisticRegression, LogisticRegressionSpec};
use willump::runtime::value::StringColumn;

use crate::fused::{LinearTextScorer, TextBlock};
use crate::text::split_texts;
use crate::{Dataset, Metric, Scorer, Source, Split, Trained, Workload, class1, data, input_column};

/// Character n-gram vocabulary limit.
pub const CHAR_MAX_FEATURES: usize = 20_000;
/// The seed of the stratified 80/20 split.
pub const SPLIT_SEED: u64 = 42;

/// The product pipeline: lowercase, brand and colour TF-IDF, character n-gram counts, stacked.
#[willump]
pub fn product_pipeline(
    #[row] titles: &StringColumn,
    brands: &TfidfVectorizer,
    colours: &TfidfVectorizer,
    grams: &CountVectorizer,
    model: &LogisticRegression,
) -> willump::Result<Array2<f64>> {
    let lower = lowercase(titles)?;
    let brand = brands.transform(&lower)?;
    let colour = colours.transform(&lower)?;
    let char_counts = grams.transform(&lower)?;
    let x = hstack(&[&brand, &colour, &char_counts])?;
    model.predict_proba(x.view())
}

/// A TF-IDF over a fixed vocabulary of one- and two-word terms.
pub fn vocabulary_params(terms: &[String]) -> TfidfVectorizerParams {
    TfidfVectorizerParams {
        count: CountVectorizerParams {
            analysis: AnalyzerParams { analyzer: Analyzer::Word, ngram_range: NgramRange::new(1, 2), lowercase: false },
            vocabulary: Some(terms.to_vec()),
            ..Default::default()
        },
        ..Default::default()
    }
}

/// The character n-gram counter's parameters.
pub fn gram_params() -> CountVectorizerParams {
    CountVectorizerParams {
        analysis: AnalyzerParams { analyzer: Analyzer::CharWb, ngram_range: NgramRange::new(2, 4), lowercase: false },
        max_features: Some(CHAR_MAX_FEATURES),
        ..Default::default()
    }
}

/// Product titles into brand, colour and character n-gram groups and a logistic regression.
pub struct ProductWorkload;

impl Workload for ProductWorkload {
    fn name(&self) -> &'static str {
        "product"
    }

    fn description(&self) -> &'static str {
        "brand TF-IDF + colour TF-IDF + char 2-4-gram counts -> logistic regression (apparel or not)"
    }

    fn metric(&self) -> Metric {
        Metric::Accuracy
    }

    fn input_names(&self) -> &'static [&'static str] {
        &["titles"]
    }

    fn generate(&self, seed: u64, rows: usize) -> Result<Dataset> {
        let (titles, labels, brands) = titles::generate(seed, rows);
        let (train, test) = data::stratified_split(&labels, 0.2, SPLIT_SEED);
        let all = Split::new(vec![Column::Str(StringColumn::from(titles))], labels)?;
        let brands = Table::try_new(vec![("brand".into(), Column::Str(StringColumn::from(brands)))])?;
        Ok(Dataset {
            source: Source::Generated { seed, rows },
            train: all.take(&train)?,
            test: all.take(&test)?,
            tables: vec![("brands".into(), brands)],
        })
    }

    fn load(&self, _dir: &Path) -> Result<Option<Dataset>> {
        Ok(None)
    }

    fn train(&self, d: &Dataset) -> Result<Box<dyn Trained>> {
        let brands = data::str_col("product.train", d.table("product.train", "brands")?, "brand")?;
        let brands: Vec<String> = brands.iter().flatten().map(String::from).collect();
        Ok(Box::new(ProductModel::fit(split_texts("product.train", &d.train)?, &d.train.labels, &brands)?))
    }
}

/// The fitted state of the product pipeline.
#[derive(Debug, Clone)]
pub struct ProductModel {
    /// Brand TF-IDF (fixed vocabulary).
    pub brands: TfidfVectorizer,
    /// Colour TF-IDF (fixed vocabulary).
    pub colours: TfidfVectorizer,
    /// Character n-gram counts.
    pub grams: CountVectorizer,
    /// The classifier.
    pub model: LogisticRegression,
}

impl ProductModel {
    /// Fits the vectorizers' idf and vocabulary and the model on `titles` and `labels`.
    pub fn fit(titles: &StringColumn, labels: &[f64], brand_terms: &[String]) -> Result<ProductModel> {
        let lower = lowercase(titles)?;
        let (brands, b) = TfidfVectorizer::fit_transform(&vocabulary_params(brand_terms), &lower)?;
        let (colours, c) = TfidfVectorizer::fit_transform(&vocabulary_params(&titles::colours()), &lower)?;
        let (grams, g) = CountVectorizer::fit_transform(&gram_params(), &lower)?;
        let x = hstack(&[&b, &c, &g])?;
        let model = LogisticRegressionSpec::default().fit(x.view(), labels)?;
        Ok(ProductModel { brands, colours, grams, model })
    }

    /// The fused scorer of this state.
    pub fn fused(&self) -> Result<LinearTextScorer> {
        let widths = [self.brands.vocabulary().len(), self.colours.vocabulary().len(), self.grams.vocabulary().len()];
        let (w, b) = LinearTextScorer::split_weights(&self.model, &widths)?;
        let blocks = vec![
            TextBlock::tfidf(&self.brands, &w[0])?,
            TextBlock::tfidf(&self.colours, &w[1])?,
            TextBlock::count(&self.grams, &w[2])?,
        ];
        LinearTextScorer::new(true, blocks, b)
    }
}

impl Trained for ProductModel {
    fn eager(&self, inputs: &[Value]) -> Result<Vec<f64>> {
        let titles = input_column("product", inputs, 0)?.as_str("product", "titles")?;
        class1(&product_pipeline(titles, &self.brands, &self.colours, &self.grams, &self.model)?)
    }

    fn graph(&self) -> Result<Pipeline> {
        product_pipeline_graph(&self.brands, &self.colours, &self.grams, &self.model)
    }

    fn hand_fused(&self) -> Result<Box<dyn Scorer>> {
        Ok(Box::new(self.fused()?))
    }

    fn export(&self, d: &Dataset, dir: &Path) -> Result<()> {
        data::write_texts_json(&dir.join("train.json"), split_texts("product.export", &d.train)?, &d.train.labels)?;
        data::write_texts_json(&dir.join("test.json"), split_texts("product.export", &d.test)?, &d.test.labels)?;
        let terms = |v: &TfidfVectorizer| v.vocabulary().terms().map(String::from).collect::<Vec<_>>();
        data::write_json(
            &dir.join("params.json"),
            &serde_json::json!({
                "workload": "product",
                "brands": terms(&self.brands),
                "colours": terms(&self.colours),
                "char_max_features": CHAR_MAX_FEATURES,
                "C": 1.0,
            }),
        )
    }
}

/// The brand and colour groups alone into a logistic regression: the small model a cascade
/// would try first. It exists to check the generator's structure (tests/workloads_product.rs):
/// confident and right on most rows, not enough on the rest.
#[derive(Debug, Clone)]
pub struct SmallModel {
    brands: TfidfVectorizer,
    colours: TfidfVectorizer,
    model: LogisticRegression,
}

impl SmallModel {
    /// Fits on `titles` and `labels`.
    pub fn fit(titles: &StringColumn, labels: &[f64], brand_terms: &[String]) -> Result<SmallModel> {
        let lower = lowercase(titles)?;
        let (brands, b) = TfidfVectorizer::fit_transform(&vocabulary_params(brand_terms), &lower)?;
        let (colours, c) = TfidfVectorizer::fit_transform(&vocabulary_params(&titles::colours()), &lower)?;
        let model = LogisticRegressionSpec::default().fit(hstack(&[&b, &c])?.view(), labels)?;
        Ok(SmallModel { brands, colours, model })
    }

    /// Class-1 probabilities of `titles`.
    pub fn predict(&self, titles: &StringColumn) -> Result<Vec<f64>> {
        let lower = lowercase(titles)?;
        let x = hstack(&[&self.brands.transform(&lower)?, &self.colours.transform(&lower)?])?;
        class1(&self.model.predict_proba(x.view())?)
    }
}
