//! Text pipelines: the vectorizers run as calls back into Rust (the eager, scikit-learn-exact
//! code), the linear model on their sparse output runs natively. Compiled equals the interpreter
//! bit for bit, on empty, null, non-ASCII and emoji texts, one-row and empty batches.

mod jit_common;

use std::sync::Arc;

use jit_common::check_all;
use willump::Pipeline;
use willump::ir::params::text::{Analyzer, AnalyzerParams, NgramRange, TfidfVectorizerParams};
use willump::ir::{Graph, ModelOutput, Op, StateDecl, Type};
use willump::jit::{CompileOptions, compile};
use willump::runtime::models::{LogisticRegressionSpec, Model};
use willump::runtime::ops::text::TfidfVectorizer;
use willump::runtime::state::BoundState;
use willump::runtime::value::{CsrMatrix, MatrixRef, StringColumn, Value};

fn docs(n: usize, seed: usize) -> StringColumn {
    let words =
        ["free", "call", "now", "Winner", "é", "naïve", "ΣΑΣ", "😀", "ok", "see", "you", "later", "日本語", "  ", "\t"];
    let v: Vec<Option<String>> = (0..n)
        .map(|i| {
            let k = (i * 7 + seed * 13) % 11;
            if k == 3 {
                None
            } else if k == 5 {
                Some(String::new())
            } else {
                Some(
                    (0..(i % 9 + 1))
                        .map(|j| words[(i * 31 + j * 17 + seed) % words.len()])
                        .collect::<Vec<_>>()
                        .join(" "),
                )
            }
        })
        .collect();
    StringColumn::from_options(&v)
}

fn tfidf(analyzer: Analyzer, min_n: usize, max_n: usize, sublinear: bool, train: &StringColumn) -> TfidfVectorizer {
    let mut p = TfidfVectorizerParams::default();
    p.count.analysis = AnalyzerParams { analyzer, ngram_range: NgramRange::new(min_n, max_n), lowercase: true };
    p.sublinear_tf = sublinear;
    TfidfVectorizer::fit(&p, train).unwrap()
}

fn text_pipeline(classes: usize) -> Pipeline {
    let train = docs(300, 1);
    let word = tfidf(Analyzer::Word, 1, 2, false, &train);
    let chars = tfidf(Analyzer::CharWb, 2, 4, true, &train);
    let x = willump::runtime::api::stack_matrices(&[
        MatrixRef::Sparse(&word.transform(&train).unwrap()),
        MatrixRef::Sparse(&chars.transform(&train).unwrap()),
    ])
    .unwrap();
    let x: CsrMatrix = match x {
        willump::runtime::value::Matrix::Sparse(s) => s,
        willump::runtime::value::Matrix::Dense(d) => CsrMatrix::from_dense(&d),
    };
    let y: Vec<f64> = (0..train.len()).map(|i| ((train.get(i).map_or(0, str::len) / 7) % classes) as f64).collect();
    let lr: Arc<dyn Model> = Arc::new(LogisticRegressionSpec::default().fit(MatrixRef::Sparse(&x), &y).unwrap());

    let mut g = Graph::new("text");
    let text = g.add_input("text", Type::STR).unwrap();
    let mut states = Vec::new();
    let mut state = |g: &mut Graph, s: BoundState, name: &str| {
        let id = g.add_state(StateDecl { name: name.into(), kind: s.kind(), fingerprint: s.fingerprint() });
        states.push(s);
        id
    };
    let ws = state(&mut g, BoundState::Tfidf(Arc::new(word)), "word");
    let cs = state(&mut g, BoundState::Tfidf(Arc::new(chars)), "chars");
    let ms = state(&mut g, BoundState::Model(lr), "lr");
    let w = g.add(Op::Vectorize { state: ws }, vec![text], Some("word".into())).unwrap();
    let c = g.add(Op::Vectorize { state: cs }, vec![text], Some("chars".into())).unwrap();
    let x = g.add(Op::Stack, vec![w, c], Some("x".into())).unwrap();
    let out = g.add(Op::Model { state: ms, output: ModelOutput::Proba }, vec![x], Some("p".into())).unwrap();
    g.set_output(out).unwrap();
    Pipeline::new(g, states).unwrap()
}

#[test]
fn linear_model_on_vectorizer_output_is_native() {
    for classes in [2, 3] {
        let p = text_pipeline(classes);
        let c = compile(&p, &CompileOptions::default()).unwrap();
        let r = c.report();
        assert!(r.native_nodes.iter().any(|n| n.contains("model")), "{r}");
        assert!(r.callback_nodes.iter().any(|n| n.contains("vectorize")), "{r}");
        for n in [0, 1, 2, 17, 64] {
            check_all(&p, &[Value::from(docs(n, 2))]);
        }
    }
}
