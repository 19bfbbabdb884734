//! Cascades side by side with the full pipeline, on the real texts (`../shared/data/texts`, the
//! task of its README) when present, else on the synthetic three-group workload of the tests.
//!
//! ```text
//! cargo bench --bench cascades -- [--data DIR] [--seed N] [--guarded]
//! cargo bench --bench cascades -- --study [--seeds 20] [--modes plain|guarded|both] [--guard-all-rows]
//! ```
//!
//! One run: a seeded 80/20 stratified split; vectorizers and the model fitted on the training
//! rows; cascades trained on the training rows with group costs measured on the interpreter (the
//! engine that serves here); then, on the test rows nobody trained on, the full pipeline and the
//! cascade side by side: batch throughput, one-row latency (p50 / p99), accuracy and ROC AUC,
//! the fraction answered early. The study repeats this over seeds (different splits) in the plain
//! and the guarded mode and prints how often the test loss stays within the target.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use willump::ops::{TfidfVectorizer, hstack, lowercase};
use willump::prelude::*;
use willump::runtime::models::{LogisticRegression, LogisticRegressionSpec};
use willump::runtime::optimize::{
    CascadeConfig, CascadeOutcome, Interpreter, MeasuredCosts, ProgressBar, Score, split, train_cascades,
};
use willump_ir::params::text::{Analyzer, AnalyzerParams, CountVectorizerParams, NgramRange, TfidfVectorizerParams};

#[willump]
fn text_pipeline(
    #[row] texts: &StringColumn,
    word: &TfidfVectorizer,
    chars: &TfidfVectorizer,
    model: &LogisticRegression,
) -> willump::Result<ndarray::Array2<f64>> {
    let lower = lowercase(texts)?;
    let words = word.transform(&lower)?;
    let char_grams = chars.transform(&lower)?;
    let x = hstack(&[&words, &char_grams])?;
    model.predict_proba(x.view())
}

fn tfidf(analyzer: Analyzer, min_n: usize, max_n: usize, max_features: usize) -> TfidfVectorizerParams {
    TfidfVectorizerParams {
        count: CountVectorizerParams {
            analysis: AnalyzerParams { analyzer, ngram_range: NgramRange { min_n, max_n }, lowercase: false },
            max_features: Some(max_features),
            ..Default::default()
        },
        ..Default::default()
    }
}

/// The five TSVs of the text task: (texts, labels).
fn read_texts(dir: &Path) -> Option<(Vec<String>, Vec<f64>)> {
    let files = ["sms_spam", "sentiment_tweets", "sentiment_movies", "sentiment_amazon", "sentiment_nyt"];
    let (mut texts, mut labels) = (Vec::new(), Vec::new());
    for f in files {
        let s = std::fs::read_to_string(dir.join("texts").join(format!("{f}.tsv"))).ok()?;
        for line in s.lines().skip(1) {
            let mut cols = line.split('\t');
            let label: f64 = cols.next()?.parse().ok()?;
            texts.push(cols.next_back()?.to_string());
            labels.push(label);
        }
    }
    Some((texts, labels))
}

struct Args {
    data: PathBuf,
    seed: u64,
    guarded: bool,
    study: bool,
    seeds: u64,
    modes: Vec<bool>,
    guard_all_rows: bool,
}

fn args() -> Args {
    let mut a = Args {
        data: PathBuf::from("../shared/data"),
        seed: 0,
        guarded: false,
        study: false,
        seeds: 20,
        modes: vec![false, true],
        guard_all_rows: false,
    };
    let v: Vec<String> = std::env::args().skip(1).collect();
    let mut i = 0;
    while i < v.len() {
        match v[i].as_str() {
            "--data" => {
                i += 1;
                a.data = PathBuf::from(&v[i]);
            }
            "--seed" => {
                i += 1;
                a.seed = v[i].parse().expect("--seed N");
            }
            "--seeds" => {
                i += 1;
                a.seeds = v[i].parse().expect("--seeds N");
            }
            "--guarded" => a.guarded = true,
            "--guard-all-rows" => a.guard_all_rows = true,
            "--modes" => {
                i += 1;
                a.modes = match v[i].as_str() {
                    "plain" => vec![false],
                    "guarded" => vec![true],
                    _ => vec![false, true],
                };
            }
            "--study" => a.study = true,
            _ => {} // cargo bench passes --bench
        }
        i += 1;
    }
    a
}

/// One trained run on one split.
struct Run {
    outcome: CascadeOutcome,
    full: Pipeline,
    test: Vec<Value>,
    y_test: Vec<f64>,
}

fn train_run(texts: &[String], labels: &[f64], seed: u64, config: &CascadeConfig) -> Run {
    let parts = split::stratified(labels, &[0.2], seed).unwrap();
    let take = |rows: &[usize]| -> (StringColumn, Vec<f64>) {
        let t: Vec<&str> = rows.iter().map(|&r| texts[r].as_str()).collect();
        (StringColumn::from_strs(&t), rows.iter().map(|&r| labels[r]).collect())
    };
    let (train, y_train) = take(&parts[0]);
    let (test, y_test) = take(&parts[1]);
    let lower = lowercase(&train).unwrap();
    let (word, w) = TfidfVectorizer::fit_transform(&tfidf(Analyzer::Word, 1, 1, 10_000), &lower).unwrap();
    let (chars, c) = TfidfVectorizer::fit_transform(&tfidf(Analyzer::Char, 2, 5, 50_000), &lower).unwrap();
    let x = hstack(&[&w, &c]).unwrap();
    let model = LogisticRegressionSpec::default().fit(x.view(), &y_train).unwrap();
    let full = text_pipeline_graph(&word, &chars, &model).unwrap();
    // The lifted pipeline is the annotated function: check on a few test rows.
    let few: Vec<usize> = (0..test.len().min(100)).collect();
    let few_texts = test.take(&few).unwrap();
    let eager = text_pipeline(&few_texts, &word, &chars, &model).unwrap();
    assert_eq!(proba(full.run(&[Value::from(few_texts)]).unwrap()), eager);
    let costs = MeasuredCosts::new(Arc::new(Interpreter));
    let outcome = train_cascades(&full, &[Value::from(train)], &y_train, &costs, config).unwrap();
    Run { outcome, full, test: vec![Value::from(test)], y_test }
}

fn proba(v: Value) -> ndarray::Array2<f64> {
    match v {
        Value::Dense(d) => d,
        other => panic!("{other:?}"),
    }
}

/// Accuracy and AUC of probabilities.
fn scores(y: &[f64], p: &ndarray::Array2<f64>) -> (f64, f64) {
    (Score::Accuracy.eval(y, p.view()).unwrap(), Score::RocAuc.eval(y, p.view()).unwrap())
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn percentile(v: &mut [f64], p: f64) -> f64 {
    v.sort_by(f64::total_cmp);
    v[((v.len() - 1) as f64 * p).round() as usize]
}

fn one(run: &Run) {
    let r = &run.outcome.report;
    println!("{r}");
    let Some(cascade) = &run.outcome.cascade else {
        println!("no cascade: {}", r.declined.as_deref().unwrap_or("?"));
        return;
    };
    let n = run.y_test.len();
    // Scores on the test split.
    let full_p = proba(run.full.run(&run.test).unwrap());
    let pred = cascade.predict(&run.test).unwrap();
    let early = pred.early.iter().filter(|e| **e).count() as f64 / n as f64;
    let casc_p = proba(pred.value);
    let (fa, fauc) = scores(&run.y_test, &full_p);
    let (ca, cauc) = scores(&run.y_test, &casc_p);
    // Batch throughput, side by side (interleaved), median of 5.
    let (mut tf, mut tc) = (Vec::new(), Vec::new());
    for _ in 0..5 {
        let t = Instant::now();
        run.full.run(&run.test).unwrap();
        tf.push(t.elapsed().as_secs_f64());
        let t = Instant::now();
        cascade.run(&run.test).unwrap();
        tc.push(t.elapsed().as_secs_f64());
    }
    let (tf, tc) = (median(tf), median(tc));
    // One-row latency over the first 1,000 test rows, after a warm-up.
    let rows: Vec<Vec<Value>> =
        (0..n.min(1000)).map(|i| run.test.iter().map(|v| v.take_rows(&[i]).unwrap()).collect()).collect();
    for r in rows.iter().take(50) {
        run.full.run(r).unwrap();
        cascade.run(r).unwrap();
    }
    let (mut lf, mut lc) = (Vec::new(), Vec::new());
    for r in &rows {
        let t = Instant::now();
        run.full.run(r).unwrap();
        lf.push(t.elapsed().as_secs_f64() * 1e6);
        let t = Instant::now();
        cascade.run(r).unwrap();
        lc.push(t.elapsed().as_secs_f64() * 1e6);
    }
    println!("\n== test split ({n} rows), interpreter, one thread ==");
    println!(
        "{:<12} {:>12} {:>10} {:>10} {:>10} {:>9} {:>9} {:>7}",
        "", "rows/s", "p50 us", "p99 us", "speedup", "accuracy", "auc", "early"
    );
    println!(
        "{:<12} {:>12.0} {:>10.1} {:>10.1} {:>10} {:>9.4} {:>9.4} {:>7}",
        "interpreted",
        n as f64 / tf,
        percentile(&mut lf.clone(), 0.5),
        percentile(&mut lf, 0.99),
        "1.00x",
        fa,
        fauc,
        "-"
    );
    println!(
        "{:<12} {:>12.0} {:>10.1} {:>10.1} {:>9.2}x {:>9.4} {:>9.4} {:>7.3}",
        "cascades",
        n as f64 / tc,
        percentile(&mut lc.clone(), 0.5),
        percentile(&mut lc, 0.99),
        tf / tc,
        ca,
        cauc,
        early
    );
    println!("test accuracy loss {:.4}, AUC loss {:.4}", fa - ca, fauc - cauc);
}

fn study(texts: &[String], labels: &[f64], seeds: u64, modes: &[bool], all_rows: bool) {
    // The promise is about the cascade against the full model it serves (plain: refit on every
    // training row, the user's model; guarded: the certified one, fit without the held-out rows).
    // The loss against the user's model is shown too: in guarded mode it includes the cost of
    // fitting the served full model on fewer rows.
    println!(
        "{:>4} {:>7} {:>9} {:>9} {:>9} {:>7} {:>9} {:>7} {:>7}",
        "seed", "mode", "full acc", "casc acc", "loss", "within", "vs user", "early", "pred.x"
    );
    let mut summary = [(0usize, 0usize, 0usize, Vec::new(), 0usize), (0, 0, 0, Vec::new(), 0)];
    for seed in 0..seeds {
        for &guarded in modes {
            let m = guarded as usize;
            let config = config(guarded, all_rows, seed);
            let config = CascadeConfig { progress: ProgressBar::Never, measure_rows: 0, ..config };
            let run = train_run(texts, labels, seed, &config);
            let acc = |v: Value| Score::Accuracy.eval(&run.y_test, proba(v).view()).unwrap();
            let user = acc(run.full.run(&run.test).unwrap());
            let (fa, ca, early, pred) = match &run.outcome.cascade {
                Some(c) => {
                    let served_full = acc(c.full_pipeline().run(&run.test).unwrap());
                    let p = c.predict(&run.test).unwrap();
                    let e = p.early.iter().filter(|e| **e).count() as f64 / run.y_test.len() as f64;
                    (served_full, acc(p.value), e, run.outcome.report.choice().map_or(1.0, |c| c.predicted_speedup))
                }
                None => (user, user, 0.0, 1.0),
            };
            let loss = fa - ca;
            let within = loss <= 0.001 + 1e-12;
            let s = &mut summary[m];
            s.0 += 1;
            s.1 += within as usize;
            s.2 += (pred >= 1.3) as usize;
            s.3.push(loss);
            s.4 += run.outcome.cascade.is_some() as usize;
            let mode = if guarded { "guarded" } else { "plain" };
            println!(
                "{seed:>4} {mode:>7} {fa:>9.4} {ca:>9.4} {loss:>9.4} {:>7} {:>9.4} {early:>7.3} {pred:>6.2}x",
                if within { "yes" } else { "NO" },
                user - ca
            );
        }
    }
    for (m, s) in summary.iter().enumerate().filter(|(_, s)| s.0 > 0) {
        let mode = if m == 1 { "guarded" } else { "plain" };
        println!(
            "{mode}: test loss within 0.001 in {}/{} seeds; cascaded in {}/{}; predicted speed-up >= 1.3x in {}/{}; median loss {:.4}",
            s.1,
            s.0,
            s.4,
            s.0,
            s.2,
            s.0,
            median(s.3.clone())
        );
    }
}

fn config(guarded: bool, all_rows: bool, seed: u64) -> CascadeConfig {
    let mut c = if guarded { CascadeConfig::guarded() } else { CascadeConfig::default() };
    c.seed = seed;
    if let Some(g) = c.guard.as_mut() {
        g.full_model_on_all_rows = all_rows;
    }
    c
}

fn main() {
    let a = args();
    let Some((texts, labels)) = read_texts(&a.data) else {
        eprintln!("no text data under {}: pass --data DIR (the repository's ../shared/data)", a.data.display());
        std::process::exit(2);
    };
    if a.study {
        study(&texts, &labels, a.seeds, &a.modes, a.guard_all_rows);
        return;
    }
    let config = config(a.guarded, a.guard_all_rows, a.seed);
    let t = Instant::now();
    let run = train_run(&texts, &labels, a.seed, &config);
    println!("trained in {:.1} s", t.elapsed().as_secs_f64());
    one(&run);
}
