//! scikit-learn 1.9.1 parity of the text operators, against the committed fixture written by
//! tests/fixtures/sklearn_text.py (Python 3.11, Unicode 14.0): lowercase, tokens, every analyzer,
//! MurmurHash3, and Count / Tfidf / Hashing vectorizers (vocabularies exact, idf and matrix values
//! within 1e-12, the sparsity pattern exact, scikit-learn's errors as errors).

use std::collections::BTreeMap;

use serde_json::Value;
use willump::ir::params::text::{
    Analyzer, AnalyzerParams, CountVectorizerParams, DocFrequency, HashingVectorizerParams, NgramRange, Norm,
    TfidfVectorizerParams,
};
use willump::runtime::ops::text::{
    CountVectorizer, HashingVectorizer, TermAnalyzer, TfidfVectorizer, lowercase, murmur3_x86_32, tokenize,
    tokenize_owned,
};
use willump::runtime::value::{CsrMatrix, StringColumn};

struct Fixture {
    root: Value,
    docs: BTreeMap<String, Vec<String>>,
}

fn fixture() -> Fixture {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/sklearn_text.json");
    let text = std::fs::read_to_string(path).expect("read the sklearn fixture");
    let root: Value = serde_json::from_str(&text).expect("parse the sklearn fixture");
    assert_eq!(root["meta"]["sklearn"], "1.9.1");
    assert_eq!(root["meta"]["unicode"], willump::runtime::ops::text::PYTHON_UNICODE_VERSION);
    let docs = root["docs"].as_object().unwrap().iter().map(|(k, v)| (k.clone(), strings(v))).collect();
    Fixture { root, docs }
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array().unwrap().iter().map(|s| s.as_str().unwrap().to_string()).collect()
}

impl Fixture {
    fn column(&self, set: &str) -> StringColumn {
        StringColumn::from_strs(&self.docs[set])
    }
}

#[test]
fn lowercase_matches_python() {
    let f = fixture();
    for (set, expected) in f.root["lowercase"].as_object().unwrap() {
        let got = lowercase(&f.column(set)).unwrap();
        let expected = strings(expected);
        assert_eq!(got.len(), expected.len());
        for (i, e) in expected.iter().enumerate() {
            assert_eq!(got.get(i), Some(e.as_str()), "set {set} row {i}: {:?}", f.docs[set][i]);
        }
    }
}

#[test]
fn tokens_match_python() {
    let f = fixture();
    for (set, expected) in f.root["tokens"].as_object().unwrap() {
        let got = tokenize(&f.column(set)).unwrap();
        for (i, e) in expected.as_array().unwrap().iter().enumerate() {
            let got: Vec<&str> = got.tokens(i).collect();
            assert_eq!(got, strings(e), "set {set} row {i}: {:?}", f.docs[set][i]);
        }
    }
}

fn analysis(p: &Value) -> AnalyzerParams {
    let analyzer = match p.get("analyzer").and_then(Value::as_str).unwrap_or("word") {
        "word" => Analyzer::Word,
        "char" => Analyzer::Char,
        "char_wb" => Analyzer::CharWb,
        other => panic!("unknown analyzer {other}"),
    };
    let ngram_range = p.get("ngram_range").map_or(NgramRange::default(), |r| {
        NgramRange::new(r[0].as_u64().unwrap() as usize, r[1].as_u64().unwrap() as usize)
    });
    let lowercase = p.get("lowercase").and_then(Value::as_bool).unwrap_or(true);
    AnalyzerParams { analyzer, ngram_range, lowercase }
}

#[test]
fn analyzers_match_python() {
    let f = fixture();
    let configs = f.root["analyzers"].as_array().unwrap();
    assert!(configs.len() >= 30);
    for c in configs {
        let mut a = TermAnalyzer::new(&analysis(c)).unwrap();
        let set = c["docs"].as_str().unwrap();
        for (i, expected) in c["terms"].as_array().unwrap().iter().enumerate() {
            let doc = &f.docs[set][i];
            assert_eq!(a.terms(doc), strings(expected), "{c:?} set {set} row {i}: {doc:?}", c = analysis(c));
        }
    }
}

#[test]
fn murmur3_matches_sklearn() {
    let f = fixture();
    for pair in f.root["murmur3"].as_array().unwrap() {
        let s = pair[0].as_str().unwrap();
        assert_eq!(murmur3_x86_32(s.as_bytes(), 0) as i32 as i64, pair[1].as_i64().unwrap(), "{s:?}");
    }
}

fn doc_frequency(v: &Value) -> DocFrequency {
    match v.as_u64() {
        Some(c) => DocFrequency::Count(c),
        None => DocFrequency::Fraction(v.as_f64().unwrap()),
    }
}

fn norm(p: &Value) -> Option<Norm> {
    match p.get("norm") {
        None => Some(Norm::L2),
        Some(Value::Null) => None,
        Some(v) => match v.as_str().unwrap() {
            "l1" => Some(Norm::L1),
            "l2" => Some(Norm::L2),
            other => panic!("unknown norm {other}"),
        },
    }
}

fn count_params(p: &Value) -> CountVectorizerParams {
    let d = CountVectorizerParams::default();
    CountVectorizerParams {
        analysis: analysis(p),
        max_df: p.get("max_df").map_or(d.max_df, doc_frequency),
        min_df: p.get("min_df").map_or(d.min_df, doc_frequency),
        max_features: p.get("max_features").map(|v| v.as_u64().unwrap() as usize),
        binary: p.get("binary").and_then(Value::as_bool).unwrap_or(false),
        vocabulary: p.get("vocabulary").map(strings),
    }
}

fn tfidf_params(p: &Value) -> TfidfVectorizerParams {
    TfidfVectorizerParams {
        count: count_params(p),
        norm: norm(p),
        use_idf: p.get("use_idf").and_then(Value::as_bool).unwrap_or(true),
        smooth_idf: p.get("smooth_idf").and_then(Value::as_bool).unwrap_or(true),
        sublinear_tf: p.get("sublinear_tf").and_then(Value::as_bool).unwrap_or(false),
    }
}

fn hashing_params(p: &Value) -> HashingVectorizerParams {
    HashingVectorizerParams {
        analysis: analysis(p),
        n_features: p.get("n_features").map_or(1 << 20, |v| v.as_u64().unwrap() as u32),
        alternate_sign: p.get("alternate_sign").and_then(Value::as_bool).unwrap_or(true),
        norm: norm(p),
        binary: p.get("binary").and_then(Value::as_bool).unwrap_or(false),
    }
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-12 * b.abs().max(1.0)
}

fn assert_csr(name: &str, what: &str, got: &CsrMatrix, expected: &Value) {
    let shape = &expected["shape"];
    assert_eq!(
        (got.n_rows() as u64, got.n_cols() as u64),
        (shape[0].as_u64().unwrap(), shape[1].as_u64().unwrap()),
        "{name} {what}: shape"
    );
    let indptr: Vec<usize> =
        expected["indptr"].as_array().unwrap().iter().map(|v| v.as_u64().unwrap() as usize).collect();
    assert_eq!(got.indptr(), &indptr[..], "{name} {what}: indptr");
    let indices: Vec<u32> =
        expected["indices"].as_array().unwrap().iter().map(|v| v.as_u64().unwrap() as u32).collect();
    assert_eq!(got.indices(), &indices[..], "{name} {what}: indices");
    for (k, (g, e)) in got.data().iter().zip(expected["data"].as_array().unwrap()).enumerate() {
        let e = e.as_f64().unwrap();
        assert!(close(*g, e), "{name} {what}: value {k}: {g} vs {e}");
    }
    assert!(got.has_sorted_indices(), "{name} {what}: unsorted row");
}

fn assert_vocabulary(name: &str, got: &willump::runtime::ops::text::Vocabulary, case: &Value) {
    assert_eq!(got.terms().collect::<Vec<_>>(), strings(&case["vocabulary"]), "{name}: vocabulary");
    for (col, term) in got.terms().enumerate() {
        assert_eq!(got.get(term), Some(col as u32));
    }
}

/// The error message scikit-learn gave must be in willump's.
fn assert_error<T: std::fmt::Debug>(name: &str, got: willump::Result<T>, expected: &str) {
    let e = got.expect_err(name).to_string();
    assert!(e.contains(expected), "{name}: {e:?} should contain {expected:?}");
}

/// The word analyzer's pipeline split into ops (lowercase, tokenize, transform_tokens) must give
/// the same matrix as the whole-text transform.
fn tokens_of(f: &Fixture, set: &str, analysis: &AnalyzerParams) -> willump::runtime::ops::text::TokenColumn {
    let col = f.column(set);
    let col = if analysis.lowercase { lowercase(&col).unwrap() } else { col };
    tokenize_owned(col).unwrap()
}

#[test]
fn vectorizers_match_sklearn() {
    let f = fixture();
    let cases = f.root["cases"].as_array().unwrap();
    let mut checked = BTreeMap::<&str, usize>::new();
    for case in cases {
        let name = case["name"].as_str().unwrap();
        let kind = case["kind"].as_str().unwrap();
        let p = &case["params"];
        let (fit_set, tr_set) = (case["fit"].as_str().unwrap(), case["transform"].as_str().unwrap());
        let (fit_docs, tr_docs) = (f.column(fit_set), f.column(tr_set));
        let error = case.get("error").and_then(Value::as_str);
        *checked.entry(kind).or_default() += 1;
        match kind {
            "count" => {
                let params = count_params(p);
                if let Some(e) = error {
                    assert_error(name, CountVectorizer::fit(&params, &fit_docs), e);
                    assert_error(name, CountVectorizer::fit_transform(&params, &fit_docs), e);
                    continue;
                }
                let (v, m) = CountVectorizer::fit_transform(&params, &fit_docs).unwrap();
                assert_eq!(CountVectorizer::fit(&params, &fit_docs).unwrap(), v, "{name}: fit vs fit_transform");
                assert_vocabulary(name, v.vocabulary(), case);
                if let Some(ft) = case.get("fit_transform") {
                    assert_csr(name, "fit_transform", &m, ft);
                    assert_eq!(v.transform(&fit_docs).unwrap(), m, "{name}: transform of the fitted docs");
                }
                assert_csr(name, "transform", &v.transform(&tr_docs).unwrap(), &case["transform_out"]);
                if params.analysis.analyzer == Analyzer::Word {
                    let tokens = tokens_of(&f, tr_set, &params.analysis);
                    assert_csr(name, "transform_tokens", &v.transform_tokens(&tokens).unwrap(), &case["transform_out"]);
                    let fit_tokens = tokens_of(&f, fit_set, &params.analysis);
                    assert_eq!(CountVectorizer::fit_tokens(&params, &fit_tokens).unwrap(), v, "{name}: fit_tokens");
                }
            }
            "tfidf" => {
                let params = tfidf_params(p);
                if let Some(e) = error {
                    assert_error(name, TfidfVectorizer::fit(&params, &fit_docs), e);
                    continue;
                }
                let (v, m) = TfidfVectorizer::fit_transform(&params, &fit_docs).unwrap();
                assert_eq!(TfidfVectorizer::fit(&params, &fit_docs).unwrap(), v, "{name}: fit vs fit_transform");
                assert_vocabulary(name, v.vocabulary(), case);
                match (v.idf(), case.get("idf")) {
                    (Some(got), Some(e)) => {
                        let e: Vec<f64> = e.as_array().unwrap().iter().map(|x| x.as_f64().unwrap()).collect();
                        assert_eq!(got.len(), e.len(), "{name}: idf length");
                        for (k, (g, e)) in got.iter().zip(&e).enumerate() {
                            assert!(close(*g, *e), "{name}: idf {k}: {g} vs {e}");
                        }
                    }
                    (None, None) => {}
                    other => panic!("{name}: idf presence differs: {other:?}"),
                }
                if let Some(ft) = case.get("fit_transform") {
                    assert_csr(name, "fit_transform", &m, ft);
                }
                let tr = v.transform(&tr_docs).unwrap();
                assert_csr(name, "transform", &tr, &case["transform_out"]);
                if params.count.analysis.analyzer == Analyzer::Word {
                    let tokens = tokens_of(&f, tr_set, &params.count.analysis);
                    assert_eq!(v.transform_tokens(&tokens).unwrap(), tr, "{name}: transform_tokens");
                }
            }
            "hashing" => {
                let params = hashing_params(p);
                let v = HashingVectorizer::new(&params).unwrap();
                assert_csr(name, "fit_transform", &v.transform(&fit_docs).unwrap(), &case["fit_transform"]);
                let tr = v.transform(&tr_docs).unwrap();
                assert_csr(name, "transform", &tr, &case["transform_out"]);
                if params.analysis.analyzer == Analyzer::Word {
                    let tokens = tokens_of(&f, tr_set, &params.analysis);
                    assert_eq!(v.transform_tokens(&tokens).unwrap(), tr, "{name}: transform_tokens");
                }
            }
            other => panic!("unknown case kind {other}"),
        }
    }
    assert!(checked["count"] >= 15 && checked["tfidf"] >= 12 && checked["hashing"] >= 6, "{checked:?}");
}
