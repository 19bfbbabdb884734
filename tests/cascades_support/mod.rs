//! Synthetic cascade workloads in Willump's style, shared by the cascade tests: three feature
//! groups with costs about 1 : 1 : 2.5; the label is decided by the two cheap groups, except on
//! a known subset where the cheap features are zero (so the small model's confidence there is
//! 0.5) and only the expensive group knows.

#![allow(dead_code)]

use std::sync::atomic::{AtomicUsize, Ordering};

use ndarray::Array2;
use willump::ops::{TfidfVectorizer, clip, hstack, lowercase, to_dense};
use willump::prelude::*;
use willump::runtime::models::{LogisticRegression, LogisticRegressionSpec};
use willump::runtime::rng::Rng;
use willump_ir::params::text::{Analyzer, AnalyzerParams, CountVectorizerParams, NgramRange, TfidfVectorizerParams};

/// One batch: the three row inputs, labels, and which rows are the hard subset.
pub struct Batch {
    pub a: F64Column,
    pub b: F64Column,
    pub c: F64Column,
    pub y: Vec<f64>,
    pub hard: Vec<bool>,
}

impl Batch {
    pub fn inputs(&self) -> Vec<Value> {
        vec![Value::from(self.a.clone()), Value::from(self.b.clone()), Value::from(self.c.clone())]
    }
}

/// Binary: easy rows have `a` in {±1, ±3}, `b` in {±2}, label `a + b > 0`, `c = 0`; hard rows
/// (a fifth) have `a = b = 0` and `c` in {±1}, label `c > 0`.
pub fn binary(n: usize, seed: u64) -> Batch {
    let mut rng = Rng::new(seed);
    let (mut a, mut b, mut c, mut y, mut hard) = (vec![], vec![], vec![], vec![], vec![]);
    for _ in 0..n {
        if rng.below(5) == 0 {
            let cv = if rng.below(2) == 0 { 1.0 } else { -1.0 };
            a.push(0.0);
            b.push(0.0);
            c.push(cv);
            y.push(if cv > 0.0 { 1.0 } else { 0.0 });
            hard.push(true);
        } else {
            let av = [-3.0, -1.0, 1.0, 3.0][rng.below(4) as usize];
            let bv = if rng.below(2) == 0 { 2.0 } else { -2.0 };
            a.push(av);
            b.push(bv);
            c.push(0.0);
            y.push(if av + bv > 0.0 { 1.0 } else { 0.0 });
            hard.push(false);
        }
    }
    Batch { a: a.into(), b: b.into(), c: c.into(), y, hard }
}

/// Three classes: easy rows are class 0 at (a, b) = (2, 0), class 1 at (0, 2), class 2 at
/// (-2, -2), each with `c = 0`; hard rows (a fifth) have `a = b = 0` and `c = ±2` for class 0 / 1.
pub fn multiclass(n: usize, seed: u64) -> Batch {
    let mut rng = Rng::new(seed);
    let (mut a, mut b, mut c, mut y, mut hard) = (vec![], vec![], vec![], vec![], vec![]);
    for _ in 0..n {
        if rng.below(5) == 0 {
            let k = rng.below(2);
            a.push(0.0);
            b.push(0.0);
            c.push(if k == 0 { 2.0 } else { -2.0 });
            y.push(k as f64);
            hard.push(true);
        } else {
            let k = rng.below(3);
            let (av, bv) = [(2.0, 0.0), (0.0, 2.0), (-2.0, -2.0)][k as usize];
            a.push(av);
            b.push(bv);
            c.push(0.0);
            y.push(k as f64);
            hard.push(false);
        }
    }
    Batch { a: a.into(), b: b.into(), c: c.into(), y, hard }
}

/// The three-group pipeline: each group is one (cheap) numeric op on its input.
#[willump]
pub fn three_groups(
    #[row] a: &F64Column,
    #[row] b: &F64Column,
    #[row] c: &F64Column,
    model: &LogisticRegression,
) -> willump::Result<Array2<f64>> {
    let fa = clip(a, -10.0, 10.0)?;
    let fb = clip(b, -10.0, 10.0)?;
    let fc = clip(c, -10.0, 10.0)?;
    let x = hstack(&[&fa, &fb, &fc])?;
    model.predict_proba(x.view())
}

/// How many rows the opaque feature function has been called on, in total.
pub static OPAQUE_ROWS: AtomicUsize = AtomicUsize::new(0);

/// A user feature the library does not know (an opaque group): `c` scaled, counting its rows.
pub fn user_feature(c: &F64Column) -> willump::Result<Array2<f64>> {
    OPAQUE_ROWS.fetch_add(c.len(), Ordering::SeqCst);
    let v: Vec<f64> = c.iter().map(|x| x.unwrap_or(0.0) * 0.5).collect();
    Ok(Array2::from_shape_vec((v.len(), 1), v).expect("n x 1"))
}

/// The same pipeline with the expensive group computed by an opaque user function.
#[willump]
pub fn with_opaque_group(
    #[row] a: &F64Column,
    #[row] b: &F64Column,
    #[row] c: &F64Column,
    model: &LogisticRegression,
) -> willump::Result<Array2<f64>> {
    let fa = clip(a, -10.0, 10.0)?;
    let fb = clip(b, -10.0, 10.0)?;
    let fc = user_feature(c)?;
    let x = hstack(&[&fa, &fb, &fc])?;
    model.predict_proba(x.view())
}

/// The eager model input of a batch.
pub fn features(batch: &Batch) -> Array2<f64> {
    to_dense(&[&batch.a, &batch.b, &batch.c]).unwrap()
}

/// A full model fitted on a batch (the user's pipeline state).
pub fn fitted_model(batch: &Batch) -> LogisticRegression {
    LogisticRegressionSpec::default().fit(MatrixRef::Dense(features(batch).view()), &batch.y).unwrap()
}

/// The class of each row of probabilities.
pub fn classes(v: &Value) -> Vec<f64> {
    let Value::Dense(p) = v else { panic!("expected probabilities, got {v:?}") };
    willump::runtime::optimize::predictions(p.view())
}

/// Continuous features: `a, b, c` standard normal, label `a + b + 0.7 c + 0.3 noise > 0`. The
/// small model (on `a`, `b`) is unsure near its boundary and sometimes confidently wrong where
/// `c` matters, so the cascade's score difference from the full model is a noisy quantity.
pub fn gaussian(n: usize, seed: u64) -> Batch {
    let mut rng = Rng::new(seed);
    let (mut a, mut b, mut c, mut y) = (vec![], vec![], vec![], vec![]);
    for _ in 0..n {
        let (av, bv, cv) = (rng.normal(), rng.normal(), rng.normal());
        a.push(av);
        b.push(bv);
        c.push(cv);
        y.push(if av + bv + 0.7 * cv + 0.3 * rng.normal() > 0.0 { 1.0 } else { 0.0 });
    }
    Batch { a: a.into(), b: b.into(), c: c.into(), y, hard: vec![false; n] }
}

/// The two vectorizers of the text cascade tests (word TF-IDF, char 2-4-gram TF-IDF of at most
/// 300 terms) fitted on `docs`, and a logistic regression on their stacked blocks of the
/// lowercased `docs` against `y`.
pub fn fit_text_models(docs: &StringColumn, y: &[f64]) -> (TfidfVectorizer, TfidfVectorizer, LogisticRegression) {
    let word = TfidfVectorizer::fit(&TfidfVectorizerParams::default(), docs).unwrap();
    let cp = TfidfVectorizerParams {
        count: CountVectorizerParams {
            analysis: AnalyzerParams {
                analyzer: Analyzer::Char,
                ngram_range: NgramRange { min_n: 2, max_n: 4 },
                lowercase: true,
            },
            max_features: Some(300),
            ..Default::default()
        },
        ..Default::default()
    };
    let chars = TfidfVectorizer::fit(&cp, docs).unwrap();
    let lower = lowercase(docs).unwrap();
    let x = hstack(&[&word.transform(&lower).unwrap(), &chars.transform(&lower).unwrap()]).unwrap();
    let model = LogisticRegressionSpec::default().fit(x.view(), y).unwrap();
    (word, chars, model)
}
