//! Text pipelines: the vectorizers run as calls back into Rust (the eager, scikit-learn-exact
//! code), the linear model on their sparse output runs natively. Compiled equals the interpreter
//! bit for bit, on empty, null, non-ASCII and emoji texts, one-row and empty batches.

mod jit_common;

use std::sync::Arc;

use jit_common::{check_close, option_sets};
use proptest::prelude::*;
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
    text_pipeline_of(&train, vec![word, chars], classes)
}

fn text_pipeline_of(train: &StringColumn, vecs: Vec<TfidfVectorizer>, classes: usize) -> Pipeline {
    text_pipeline_with(train, vecs, classes, false)
}

/// [`text_pipeline_of`], with a `lowercase` op between the input and the vectorizers when `lower`.
fn text_pipeline_with(train: &StringColumn, vecs: Vec<TfidfVectorizer>, classes: usize, lower: bool) -> Pipeline {
    let blocks: Vec<CsrMatrix> = vecs.iter().map(|v| v.transform(train).unwrap()).collect();
    let views: Vec<MatrixRef<'_>> = blocks.iter().map(MatrixRef::Sparse).collect();
    let x = willump::runtime::api::stack_matrices(&views).unwrap();
    let x: CsrMatrix = match x {
        willump::runtime::value::Matrix::Sparse(s) => s,
        willump::runtime::value::Matrix::Dense(d) => CsrMatrix::from_dense(&d),
    };
    let y: Vec<f64> = (0..train.len()).map(|i| (i % classes) as f64).collect();
    let lr: Arc<dyn Model> = Arc::new(LogisticRegressionSpec::default().fit(MatrixRef::Sparse(&x), &y).unwrap());

    let mut g = Graph::new("text");
    let text = g.add_input("text", Type::STR).unwrap();
    let mut states = Vec::new();
    let mut state = |g: &mut Graph, s: BoundState, name: &str| {
        let id = g.add_state(StateDecl { name: name.into(), kind: s.kind(), fingerprint: s.fingerprint() });
        states.push(s);
        id
    };
    let text = if lower { g.add(Op::Lowercase, vec![text], Some("lower".into())).unwrap() } else { text };
    let mut blocks = Vec::new();
    for (i, v) in vecs.into_iter().enumerate() {
        let st = state(&mut g, BoundState::Tfidf(Arc::new(v)), &format!("tfidf{i}"));
        blocks.push(g.add(Op::Vectorize { state: st }, vec![text], Some(format!("block{i}"))).unwrap());
    }
    let ms = state(&mut g, BoundState::Model(lr), "lr");
    let x = g.add(Op::Stack, blocks, Some("x".into())).unwrap();
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
        assert!(r.callback_nodes.is_empty(), "{r}");
        // the vectorizers and the stack run inside the model's loop: one native stage
        assert_eq!(r.stages.len(), 1, "{r}");
        assert!(r.final_loops().contains("vectorize"), "{r}");
        assert!(c.one_row_is_native());
        let mut opts = option_sets();
        // every lookup through hash collisions
        opts.push(CompileOptions { vocab_hash_bits: 1, ..CompileOptions::default() });
        for n in [0, 1, 2, 17, 64] {
            check_close(&p, &[Value::from(docs(n, 2))], &opts, 1e-12);
        }
    }
}

/// ASCII documents from an alphabet with every ASCII class the analyzers distinguish: letters of
/// both cases, digits, `_`, punctuation, single and repeated whitespace of every kind Python
/// counts (tab, newline, vertical tab, form feed, carriage return, the separators 0x1c..0x1f).
fn ascii_docs() -> impl Strategy<Value = Vec<String>> {
    let piece = prop_oneof![
        4 => "[a-zA-Z]{1,6}",
        1 => "[0-9_]{1,3}",
        1 => "[.,!?'-]",
        2 => Just(" ".to_string()),
        1 => "[ \t\n\x0b\x0c\r\x1c\x1f]{1,3}",
    ];
    proptest::collection::vec(proptest::collection::vec(piece, 0..14).prop_map(|v| v.concat()), 3..12)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    /// The native ASCII scan finds exactly the eager analyzer's terms (word 1-3-grams, char
    /// 1-5-grams with whitespace collapsing, char_wb 2-6-grams, case kept or folded).
    #[test]
    fn ascii_scan_equals_the_eager_analyzers(train in ascii_docs(), test in ascii_docs(), lower in any::<bool>()) {
        let train = StringColumn::from_strs(&train);
        let mut all = Vec::new();
        for (a, lo, hi) in [(Analyzer::Word, 1, 3), (Analyzer::Char, 1, 5), (Analyzer::CharWb, 2, 6)] {
            let mut p = TfidfVectorizerParams::default();
            p.count.analysis = AnalyzerParams { analyzer: a, ngram_range: NgramRange::new(lo, hi), lowercase: lower };
            p.sublinear_tf = lower;
            match TfidfVectorizer::fit(&p, &train) {
                Ok(v) => all.push(v),
                Err(_) => return Ok(()), // an empty vocabulary: nothing to compile
            }
        }
        let p = text_pipeline_of(&train, all, 2);
        let opts = [CompileOptions::default(), CompileOptions { vocab_hash_bits: 2, ..CompileOptions::default() }];
        check_close(&p, &[Value::from(StringColumn::from_strs(&test))], &opts, 1e-12);
    }
}

/// Two linear models read the same vectorizer with different weights (as a cascade's small and
/// full models do): each gets its own one-pass scores, and both equal the interpreter.
#[test]
fn two_models_on_one_vectorizer_use_their_own_weights() {
    let train = docs(300, 1);
    let word = tfidf(Analyzer::Word, 1, 2, false, &train);
    let chars = tfidf(Analyzer::Char, 2, 4, false, &train);
    let (wx, cx) = (word.transform(&train).unwrap(), chars.transform(&train).unwrap());
    let both = match willump::runtime::api::stack_matrices(&[MatrixRef::Sparse(&wx), MatrixRef::Sparse(&cx)]).unwrap() {
        willump::runtime::value::Matrix::Sparse(s) => s,
        willump::runtime::value::Matrix::Dense(d) => CsrMatrix::from_dense(&d),
    };
    let y: Vec<f64> = (0..train.len()).map(|i| (i % 2) as f64).collect();
    let y2: Vec<f64> = (0..train.len()).map(|i| (i % 3 == 0) as u8 as f64).collect();
    let small: Arc<dyn Model> = Arc::new(LogisticRegressionSpec::default().fit(MatrixRef::Sparse(&wx), &y).unwrap());
    let full: Arc<dyn Model> = Arc::new(LogisticRegressionSpec::default().fit(MatrixRef::Sparse(&both), &y2).unwrap());

    let mut g = Graph::new("two_models");
    let text = g.add_input("text", Type::STR).unwrap();
    let mut states = Vec::new();
    let mut state = |g: &mut Graph, s: BoundState, name: &str| {
        let id = g.add_state(StateDecl { name: name.into(), kind: s.kind(), fingerprint: s.fingerprint() });
        states.push(s);
        id
    };
    let ws = state(&mut g, BoundState::Tfidf(Arc::new(word)), "word");
    let cs = state(&mut g, BoundState::Tfidf(Arc::new(chars)), "chars");
    let ss = state(&mut g, BoundState::Model(small), "small");
    let fs = state(&mut g, BoundState::Model(full), "full");
    let w = g.add(Op::Vectorize { state: ws }, vec![text], Some("word".into())).unwrap();
    let c = g.add(Op::Vectorize { state: cs }, vec![text], Some("chars".into())).unwrap();
    let x = g.add(Op::Stack, vec![w, c], Some("x".into())).unwrap();
    let ps = g.add(Op::Model { state: ss, output: ModelOutput::Proba }, vec![w], Some("ps".into())).unwrap();
    let pf = g.add(Op::Model { state: fs, output: ModelOutput::Proba }, vec![x], Some("pf".into())).unwrap();
    let out = g.add(Op::Stack, vec![ps, pf], Some("both".into())).unwrap();
    g.set_output(out).unwrap();
    let p = Pipeline::new(g, states).unwrap();
    let c = compile(&p, &CompileOptions::default()).unwrap();
    assert!(c.report().callback_nodes.is_empty(), "{}", c.report());
    for n in [0, 1, 17, 64] {
        check_close(&p, &[Value::from(docs(n, 2))], &option_sets(), 1e-12);
    }
    // the second model reuses the first one's scan of the same row: rows of one length with
    // other bytes, the same text twice in a row, nulls and empty texts between, never mix up
    let tricky = [
        Some("north ridge fox"),
        Some("north ridge fix"),
        Some("north ridge fix"),
        None,
        Some("north ridge fix"),
        Some(""),
        Some(""),
        Some("south ridge fox"),
        Some("north ridge fox"),
    ];
    check_close(&p, &[Value::from(StringColumn::from_options(&tricky))], &option_sets(), 1e-12);
}

/// A character vocabulary with hundreds of two- and three-byte terms gets direct n-gram tables
/// (`DirectGrams`); the compiled kernel's terms through them equal the interpreter's, on ASCII
/// and non-ASCII documents, for ranges starting at 2 and at 3.
#[test]
fn char_ngrams_through_the_direct_tables_equal_the_interpreter() {
    let letters: Vec<char> = ('a'..='z').chain('0'..='9').collect();
    let mut pairs = Vec::new();
    for (i, &x) in letters.iter().enumerate() {
        for &y in letters.iter().skip(i % 3).step_by(2) {
            pairs.push(format!("{x}{y}{}", letters[(i * 7) % letters.len()]));
        }
    }
    let train: Vec<String> = pairs.chunks(40).map(|c| c.join(" ")).collect();
    let train = StringColumn::from_strs(&train);
    let test = [
        "ab3 cd  zz9 Q1w xyz 0a1b2c",
        "",
        "a",
        "ab",
        "naïve ab café cd  😀 ef",
        "THE quick brown fox jumps over the lazy dog 0123456789",
        "tab\tsep\x0bvt  double   triple",
    ];
    for (lo, hi) in [(2, 5), (3, 5), (2, 2), (2, 3)] {
        let v = tfidf(Analyzer::Char, lo, hi, false, &train);
        let p = text_pipeline_of(&train, vec![v], 2);
        let opts = [CompileOptions::default(), CompileOptions { vocab_hash_bits: 2, ..CompileOptions::default() }];
        check_close(&p, &[Value::from(StringColumn::from_strs(&test))], &opts, 1e-12);
    }
}

/// A `lowercase` op read only by vectorizers is fused into their kernels (no callback, no
/// lowercased column): the answers equal the interpreter's on text whose lowercasing is not
/// ASCII's (dotted capital I, final sigma, German sharp s, Kelvin sign), for vectorizers that
/// lowercase again themselves and ones that do not, and `predict_one` stays native.
#[test]
fn lowercase_fused_into_the_vectorizers_equals_the_interpreter() {
    let raw = [
        "İstanbul ΣΑΣ ΟΔΥΣΣΕΥΣ straße STRASSE",
        "Free CALL now, Winner!",
        "",
        "\u{212A}elvin ÉTÉ Naïve 😀 日本語",
        "MiXeD   case\tTABS  and  SPACES",
        "ok SEE you Later",
    ];
    // six documents cycled: document k always has label k % 2, so the model's weights matter
    let train = StringColumn::from_strs(&raw.iter().cycle().take(40).copied().collect::<Vec<_>>());
    let fit = |a: Analyzer, lo: usize, hi: usize, lowercase: bool| {
        let mut p = TfidfVectorizerParams::default();
        p.count.analysis = AnalyzerParams { analyzer: a, ngram_range: NgramRange::new(lo, hi), lowercase };
        TfidfVectorizer::fit(&p, &lowercase_col(&train)).unwrap()
    };
    let vecs =
        vec![fit(Analyzer::Word, 1, 2, false), fit(Analyzer::CharWb, 2, 4, true), fit(Analyzer::Char, 2, 5, false)];
    let p = text_pipeline_with(&lowercase_col(&train), vecs, 2, true);
    let c = compile(&p, &CompileOptions::default()).unwrap();
    let r = c.report();
    assert!(r.callback_nodes.is_empty(), "{r}");
    assert!(r.final_loops().contains("lowercase(%"), "{r}");
    assert!(c.one_row_is_native());
    let mut test: Vec<Option<String>> = raw.iter().map(|s| Some(s.to_string())).collect();
    test.push(None);
    let opts = [CompileOptions::default(), CompileOptions { fuse: false, ..CompileOptions::default() }];
    check_close(&p, &[Value::from(StringColumn::from_options(&test))], &opts, 1e-12);
}

fn lowercase_col(c: &StringColumn) -> StringColumn {
    willump::runtime::ops::text::lowercase(c).unwrap()
}
