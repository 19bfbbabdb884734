//! The end-to-end demo: featurize short texts (the real ones under `../shared/data/texts` when
//! present, else a seeded synthetic set) with word and char TF-IDF, score them with logistic
//! regression, and time the pipeline eagerly and through the lifted graph.
//!
//! `cargo run --release --example demo [-- --data DIR]`

use std::time::Instant;

use willump::ops::{TfidfVectorizer, hstack, lowercase};
use willump::prelude::*;
use willump::runtime::metrics::{accuracy, roc_auc};
use willump::runtime::models::{LogisticRegression, LogisticRegressionSpec};
use willump::runtime::rng::Rng;
use willump_ir::params::text::{Analyzer, AnalyzerParams, CountVectorizerParams, NgramRange, TfidfVectorizerParams};

#[willump]
fn text_pipeline(
    #[row] texts: &StringColumn,
    word: &TfidfVectorizer,
    chars: &TfidfVectorizer,
    model: &LogisticRegression,
) -> willump::Result<ndarray::Array2<f64>> {
    let lower = lowercase(texts)?;
    let w = word.transform(&lower)?;
    let c = chars.transform(&lower)?;
    let x = hstack(&[&w, &c])?;
    model.predict_proba(x.view())
}

fn load(dir: &str) -> Option<(Vec<String>, Vec<f64>)> {
    let mut texts = Vec::new();
    let mut labels = Vec::new();
    for f in
        ["sms_spam.tsv", "sentiment_tweets.tsv", "sentiment_movies.tsv", "sentiment_amazon.tsv", "sentiment_nyt.tsv"]
    {
        let body = std::fs::read_to_string(format!("{dir}/texts/{f}")).ok()?;
        for line in body.lines().skip(1) {
            let cols: Vec<&str> = line.split('\t').collect();
            let (label, text) = (cols[0], cols[cols.len() - 1]);
            labels.push(if label == "1" { 1.0 } else { 0.0 });
            texts.push(text.to_string());
        }
    }
    Some((texts, labels))
}

fn generate(n: usize, seed: u64) -> (Vec<String>, Vec<f64>) {
    let good = ["great", "love", "wonderful", "fun", "best", "happy", "excellent", "nice"];
    let bad = ["awful", "hate", "boring", "worst", "sad", "terrible", "broken", "slow"];
    let filler = ["the", "movie", "phone", "was", "really", "quite", "and", "it", "food", "service", "😀", "très"];
    let mut r = Rng::new(seed);
    (0..n)
        .map(|_| {
            let y = r.below(2) as f64;
            let words: Vec<&str> = (0..8 + r.below(10))
                .map(|_| {
                    let k = r.below(10);
                    if k < 2 {
                        let pool = if (y == 1.0) ^ (r.below(8) == 0) { &bad } else { &good };
                        pool[r.below(8) as usize]
                    } else {
                        filler[r.below(filler.len() as u64) as usize]
                    }
                })
                .collect();
            (words.join(" "), y)
        })
        .unzip()
}

fn main() -> willump::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let dir = args
        .iter()
        .position(|a| a == "--data")
        .and_then(|i| args.get(i + 1))
        .cloned()
        .unwrap_or_else(|| "../shared/data".into());
    let (texts, labels, source) = match load(&dir) {
        Some((t, l)) => (t, l, format!("real texts from {dir}/texts")),
        None => {
            let (t, l) = generate(20_000, 7);
            (t, l, "synthetic texts (seed 7)".to_string())
        }
    };
    // Seeded 80/20 split.
    let mut order: Vec<usize> = (0..texts.len()).collect();
    Rng::new(42).shuffle(&mut order);
    let cut = texts.len() * 4 / 5;
    let pick = |idx: &[usize]| -> (StringColumn, Vec<f64>) {
        (
            StringColumn::from_strs(&idx.iter().map(|&i| texts[i].as_str()).collect::<Vec<_>>()),
            idx.iter().map(|&i| labels[i]).collect(),
        )
    };
    let (train, y_train) = pick(&order[..cut]);
    let (test, y_test) = pick(&order[cut..]);
    println!("willump demo: {} rows of {source}; train {} / test {}", texts.len(), train.len(), test.len());

    let word_params = TfidfVectorizerParams {
        count: CountVectorizerParams { max_features: Some(10_000), ..Default::default() },
        ..Default::default()
    };
    let char_params = TfidfVectorizerParams {
        count: CountVectorizerParams {
            analysis: AnalyzerParams {
                analyzer: Analyzer::Char,
                ngram_range: NgramRange { min_n: 2, max_n: 5 },
                lowercase: true,
            },
            max_features: Some(50_000),
            ..Default::default()
        },
        ..Default::default()
    };
    let t0 = Instant::now();
    let lower = lowercase(&train)?;
    let word = TfidfVectorizer::fit(&word_params, &lower)?;
    let chars = TfidfVectorizer::fit(&char_params, &lower)?;
    let x = hstack(&[&word.transform(&lower)?, &chars.transform(&lower)?])?;
    let model = LogisticRegressionSpec::default().fit(x.view(), &y_train)?;
    println!(
        "fit: {:.2} s ({} word + {} char features)",
        t0.elapsed().as_secs_f64(),
        word.vocabulary().len(),
        chars.vocabulary().len()
    );

    let pipeline = text_pipeline_graph(&word, &chars, &model)?;
    println!("\nthe lifted IR:\n{}", pipeline.ir_text());

    let t0 = Instant::now();
    let eager = text_pipeline(&test, &word, &chars, &model)?;
    let eager_s = t0.elapsed().as_secs_f64();
    let inputs = [Value::from(test.clone())];
    let t0 = Instant::now();
    let interpreted = pipeline.run(&inputs)?;
    let interp_s = t0.elapsed().as_secs_f64();
    let Value::Dense(interpreted) = interpreted else { unreachable!("the pipeline returns probabilities") };
    assert_eq!(eager, interpreted, "eager and interpreted agree bit for bit");

    let p1: Vec<f64> = eager.column(1).to_vec();
    let pred: Vec<f64> = p1.iter().map(|&p| (p > 0.5) as u8 as f64).collect();
    let n = test.len() as f64;
    println!("{:<12} {:>14} {:>10}", "variant", "rows/s", "accuracy");
    println!("{:<12} {:>14.0} {:>10.4}", "eager", n / eager_s, accuracy(&y_test, &pred)?);
    println!("{:<12} {:>14.0} {:>10.4}", "interpreted", n / interp_s, accuracy(&y_test, &pred)?);
    println!("test ROC AUC {:.4}", roc_auc(&y_test, &p1)?);
    Ok(())
}
