//! Text operators benchmark: the eager TF-IDF transforms on short real texts, in docs/s.
//!
//! Reads the `text` column of every TSV in `$WILLUMP_DATA/texts` (default `../shared/data`,
//! relative to the repository root; 28,540 rows) and falls back to a seeded generator of similar
//! short texts when that folder is absent. Settings match benches/python/text_ops_sklearn.py:
//! word 1-gram TF-IDF (max_features 10,000) and char 2-5-gram TF-IDF (max_features 50,000), both
//! fitted on all texts, each transform over all texts, one thread.
//!
//! Run: `cargo bench --bench text_ops` (see BENCHMARKS.md).

use std::hint::black_box;
use std::path::{Path, PathBuf};

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use willump::ir::params::text::{
    Analyzer, AnalyzerParams, CountVectorizerParams, HashingVectorizerParams, NgramRange, TfidfVectorizerParams,
};
use willump::runtime::ops::text::{HashingVectorizer, TfidfVectorizer, lowercase, tokenize};
use willump::runtime::rng::Rng;
use willump::runtime::value::StringColumn;

const FILES: [&str; 5] =
    ["sms_spam.tsv", "sentiment_tweets.tsv", "sentiment_movies.tsv", "sentiment_amazon.tsv", "sentiment_nyt.tsv"];

/// The `text` column of every TSV (tab-separated, one header line, no quoting), in FILES order.
fn load_texts(dir: &Path) -> Option<Vec<String>> {
    let mut texts = Vec::new();
    for name in FILES {
        let content = std::fs::read_to_string(dir.join("texts").join(name)).ok()?;
        let mut lines = content.split('\n');
        let col = lines.next()?.split('\t').position(|h| h == "text")?;
        texts.extend(lines.filter(|l| !l.is_empty()).filter_map(|l| l.split('\t').nth(col)).map(str::to_string));
    }
    Some(texts)
}

/// Seeded short texts of the same shape (about 100 characters, Zipf-like word frequencies,
/// capitals, punctuation, digits, some accents and emoji) for machines without the real data.
fn generate_texts(n: usize, seed: u64) -> Vec<String> {
    let mut rng = Rng::new(seed);
    let syllables = ["ka", "lo", "mi", "te", "ru", "sa", "ne", "po", "di", "va", "ché", "un", "er", "th", "ing"];
    let words: Vec<String> = (0..8000)
        .map(|_| (0..1 + rng.below(3)).map(|_| syllables[rng.below(syllables.len() as u64) as usize]).collect())
        .collect();
    let extras = ["!", ",", ".", "...", "?", " :)", " 😀", " 2024", " #tag", " @user"];
    (0..n)
        .map(|_| {
            let mut s = String::new();
            for k in 0..5 + rng.below(20) {
                let u = rng.next_f64();
                let w = &words[((u * u * u) * words.len() as f64) as usize];
                if k > 0 {
                    s.push(' ');
                }
                if k == 0 || rng.below(20) == 0 {
                    let mut c = w.chars();
                    s.extend(c.next().map(|f| f.to_uppercase().collect::<String>()));
                    s.push_str(c.as_str());
                } else {
                    s.push_str(w);
                }
                if rng.below(8) == 0 {
                    s.push_str(extras[rng.below(extras.len() as u64) as usize]);
                }
            }
            s
        })
        .collect()
}

fn texts() -> (StringColumn, &'static str) {
    let dir = std::env::var_os("WILLUMP_DATA")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data"));
    match load_texts(&dir) {
        Some(t) => (StringColumn::from_strs(&t), "real texts"),
        None => (StringColumn::from_strs(&generate_texts(28_540, 42)), "generated texts"),
    }
}

fn word_params() -> TfidfVectorizerParams {
    TfidfVectorizerParams {
        count: CountVectorizerParams { max_features: Some(10_000), ..Default::default() },
        ..Default::default()
    }
}

fn char_params() -> TfidfVectorizerParams {
    TfidfVectorizerParams {
        count: CountVectorizerParams {
            analysis: AnalyzerParams { analyzer: Analyzer::Char, ngram_range: NgramRange::new(2, 5), lowercase: true },
            max_features: Some(50_000),
            ..Default::default()
        },
        ..Default::default()
    }
}

fn bench_text_ops(c: &mut Criterion) {
    let (docs, source) = texts();
    let n = docs.len() as u64;
    eprintln!("text_ops: {n} docs ({source}), {} bytes", docs.data().len());
    let word = TfidfVectorizer::fit(&word_params(), &docs).expect("fit word tf-idf");
    let chars = TfidfVectorizer::fit(&char_params(), &docs).expect("fit char tf-idf");
    eprintln!("vocabularies: word {}, char {}", word.vocabulary().len(), chars.vocabulary().len());

    let mut g = c.benchmark_group("text_ops/transform");
    g.throughput(Throughput::Elements(n)).sample_size(10);
    g.bench_function("word_1gram_tfidf", |b| b.iter(|| black_box(word.transform(&docs).unwrap())));
    g.bench_function("char_2_5gram_tfidf", |b| b.iter(|| black_box(chars.transform(&docs).unwrap())));
    g.bench_function("word_plus_char_tfidf", |b| {
        b.iter(|| black_box((word.transform(&docs).unwrap(), chars.transform(&docs).unwrap())))
    });
    let hashing = HashingVectorizer::new(&HashingVectorizerParams::default()).unwrap();
    g.bench_function("word_hashing_2p20", |b| b.iter(|| black_box(hashing.transform(&docs).unwrap())));
    g.finish();

    // One-row calls (a point query): a typical document, alone in its column.
    let one = StringColumn::from_strs(&[docs.get(docs.len() / 2).unwrap_or("")]);
    let mut g = c.benchmark_group("text_ops/one_row");
    g.throughput(Throughput::Elements(1));
    g.bench_function("word_1gram_tfidf", |b| b.iter(|| black_box(word.transform(&one).unwrap())));
    g.bench_function("char_2_5gram_tfidf", |b| b.iter(|| black_box(chars.transform(&one).unwrap())));
    g.finish();

    let mut g = c.benchmark_group("text_ops/steps");
    g.throughput(Throughput::Elements(n)).sample_size(10);
    g.bench_function("lowercase", |b| b.iter(|| black_box(lowercase(&docs).unwrap())));
    g.bench_function("tokenize", |b| b.iter(|| black_box(tokenize(&docs).unwrap())));
    g.finish();

    let mut g = c.benchmark_group("text_ops/fit");
    g.throughput(Throughput::Elements(n)).sample_size(10);
    g.bench_function("word_1gram_tfidf", |b| {
        b.iter(|| black_box(TfidfVectorizer::fit(&word_params(), &docs).unwrap()))
    });
    g.bench_function("char_2_5gram_tfidf", |b| {
        b.iter(|| black_box(TfidfVectorizer::fit(&char_params(), &docs).unwrap()))
    });
    g.finish();
}

criterion_group!(benches, bench_text_ops);
criterion_main!(benches);
