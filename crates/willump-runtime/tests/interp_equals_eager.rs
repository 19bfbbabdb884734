//! The reference interpreter equals the eager operator library on every op, over random inputs
//! (nulls, NaN, infinities, empty and non-ASCII strings, emoji): each op is run once through
//! `willump_runtime::api` (what the user's eager function calls) and once as a one-op graph
//! through the interpreter, and the results must be identical (compared through `Debug`, which
//! prints every f64 exactly, NaN and -0.0 included).

#![allow(clippy::cloned_ref_to_slice_refs)] // `&[v.clone()]` reads better in these tables

use std::sync::Arc;

use proptest::prelude::*;
use willump_ir::params::numeric::{ArithOp, BucketRule, OneHotParams};
use willump_ir::params::table::Scalar;
use willump_ir::params::text::{
    Analyzer, AnalyzerParams, CountVectorizerParams, HashingVectorizerParams, NgramRange, TfidfVectorizerParams,
};
use willump_ir::{Graph, NodeId, Op, StateDecl, Type};
use willump_runtime::api;
use willump_runtime::state::BoundState;
use willump_runtime::value::{BoolColumn, Column, F64Column, I64Column, StringColumn, Table, Value};
use willump_runtime::{Pipeline, Result};

/// A one-op graph over `inputs`, run by the interpreter. Inputs that are not columns (tables,
/// tokens) are built inside the graph from their columns (`make_table`, `tokenize`), which is
/// how a pipeline gets them.
fn run_op(inputs: &[Value], op: Op, state: Option<BoundState>) -> Result<Value> {
    let mut g = Graph::new("one_op");
    let mut row_inputs = Vec::new();
    let ir = |e: willump_ir::IrError| willump_runtime::Error::Ir(e.to_string());
    let mut ids: Vec<NodeId> = Vec::new();
    for (i, v) in inputs.iter().enumerate() {
        match v {
            Value::Table(t) => {
                let mut cols = Vec::new();
                for (name, c) in t.names().iter().zip(t.columns()) {
                    cols.push(g.add_input(format!("in{i}.{name}"), Type::Column(c.column_type())).map_err(ir)?);
                    row_inputs.push(Value::Column(c.clone()));
                }
                ids.push(g.add(Op::MakeTable { names: t.names().to_vec() }, cols, None).map_err(ir)?);
            }
            Value::Tokens(t) => {
                let text = g.add_input(format!("in{i}"), Type::STR).map_err(ir)?;
                row_inputs.push(Value::from(t.text().clone()));
                ids.push(g.add(Op::Tokenize, vec![text], None).map_err(ir)?);
            }
            v => {
                ids.push(g.add_input(format!("in{i}"), v.ir_type()).map_err(ir)?);
                row_inputs.push(v.clone());
            }
        }
    }
    let mut states = Vec::new();
    let mut op = op;
    if let Some(s) = state {
        let id = g.add_state(StateDecl { name: "s".into(), kind: s.kind(), fingerprint: s.fingerprint() });
        op.set_state(id);
        states.push(s);
    }
    let out = g.add(op, ids, Some("out".into())).map_err(ir)?;
    g.set_output(out).unwrap();
    let p = Pipeline::new(g, states)?;
    p.run(&row_inputs)
}

/// Eager and interpreted results are identical, or both are errors.
fn same(eager: Result<Value>, interp: Result<Value>) {
    match (eager, interp) {
        (Ok(a), Ok(b)) => assert_eq!(format!("{a:?}"), format!("{b:?}")),
        (a, b) => panic!("expected both to succeed:\n eager: {a:?}\n interp: {b:?}"),
    }
}

fn f64s() -> impl Strategy<Value = F64Column> {
    let v = prop_oneof![
        4 => (-1e6f64..1e6).prop_map(Some),
        1 => Just(Some(f64::NAN)),
        1 => Just(Some(f64::INFINITY)),
        1 => Just(Some(f64::NEG_INFINITY)),
        1 => Just(Some(-0.0)),
        1 => Just(Some(-1.0)),
        2 => Just(None),
    ];
    prop::collection::vec(v, 0..40).prop_map(|v| F64Column::from_options(&v))
}

fn texts() -> impl Strategy<Value = StringColumn> {
    let s = prop_oneof![
        3 => "[a-zA-Z ,.!]{0,30}",
        2 => "\\PC{0,20}",
        1 => Just("ΣΑΣ ΟΔΟΣ İstanbul 😀👍🏽 ZWJ👨‍👩‍👧".to_string()),
        1 => Just("  \t\u{1c}\u{a0}\u{2028} ".to_string()),
        1 => Just(String::new()),
    ];
    prop::collection::vec(prop_oneof![6 => s.prop_map(Some), 1 => Just(None)], 0..25)
        .prop_map(|v| StringColumn::from_options(&v))
}

const CORPUS: &[&str] =
    &["the quick brown fox", "jumps over the lazy dog", "ΣΑΣ ΟΔΟΣ", "emoji 😀 time", "the end", "ok ok ok"];

fn word() -> AnalyzerParams {
    AnalyzerParams { analyzer: Analyzer::Word, ngram_range: NgramRange { min_n: 1, max_n: 2 }, lowercase: true }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn numeric_ops(a in f64s(), k in -3.0f64..3.0) {
        let n = a.len();
        let b = F64Column::from((0..n).map(|i| i as f64 - 3.0).collect::<Vec<_>>());
        let va = Value::from(a.clone());
        let vb = Value::from(b.clone());
        for op in [ArithOp::Add, ArithOp::Sub, ArithOp::Mul, ArithOp::Div] {
            same(api::arith(&a, op, &b).map(Value::from), run_op(&[va.clone(), vb.clone()], Op::Arith { op }, None));
            same(api::arith_const(&a, op, k).map(Value::from), run_op(&[va.clone()], Op::ArithConst { op, value: k, const_left: false }, None));
            same(api::const_arith(k, op, &a).map(Value::from), run_op(&[va.clone()], Op::ArithConst { op, value: k, const_left: true }, None));
        }
        same(api::log1p(&a).map(Value::from), run_op(&[va.clone()], Op::Log1p, None));
        for (lo, hi) in [(-1.0, 1.0), (f64::NEG_INFINITY, 0.5), (k.min(0.0), f64::INFINITY)] {
            same(api::clip(&a, lo, hi).map(Value::from), run_op(&[va.clone()], Op::Clip { lo, hi }, None));
        }
        same(api::fill_missing(&a, Scalar::F64(k)).map(Value::from), run_op(&[va.clone()], Op::FillMissing { value: Scalar::F64(k), nan: false }, None));
        same(api::fill_missing_and_nan(&a, k).map(Value::from), run_op(&[va.clone()], Op::FillMissing { value: Scalar::F64(k), nan: true }, None));
        for rule in [BucketRule::LeftClosed, BucketRule::RightClosed] {
            let bounds = [-10.0, 0.0, k.abs() + 0.5, 1e5];
            same(api::bucketize(&a, &bounds, rule).map(Value::from), run_op(&[va.clone()], Op::Bucketize { boundaries: bounds.to_vec(), rule }, None));
        }
        same(api::to_dense(&[&a, &b]).map(Value::from), run_op(&[va.clone(), vb.clone()], Op::ToDense, None));
        same(api::hstack(&[&a, &b]).map(Value::from_any), run_op(&[va, vb], Op::Stack, None));
    }

    #[test]
    fn integer_and_bool_columns(n in 0usize..30, seed in any::<u64>()) {
        let mut r = willump_runtime::rng::Rng::new(seed);
        let i = I64Column::from_options(&(0..n).map(|_| (r.below(4) > 0).then(|| r.below(100) as i64 - 50)).collect::<Vec<_>>());
        let b = BoolColumn::from_options(&(0..n).map(|_| (r.below(4) > 0).then(|| r.below(2) == 1)).collect::<Vec<_>>());
        let (vi, vb) = (Value::from(i.clone()), Value::from(b.clone()));
        same(api::arith(&i, ArithOp::Div, &b).map(Value::from), run_op(&[vi.clone(), vb.clone()], Op::Arith { op: ArithOp::Div }, None));
        same(api::fill_missing(&i, Scalar::I64(7)).map(Value::from), run_op(&[vi.clone()], Op::FillMissing { value: Scalar::I64(7), nan: false }, None));
        same(api::fill_missing(&b, Scalar::Bool(true)).map(Value::from), run_op(&[vb.clone()], Op::FillMissing { value: Scalar::Bool(true), nan: false }, None));
        same(api::to_dense(&[&i, &b]).map(Value::from), run_op(&[vi.clone(), vb.clone()], Op::ToDense, None));
        let enc = Arc::new(api::OneHotEncoder::fit(&OneHotParams::default(), &Column::I64(I64Column::from(vec![-3, 0, 5, 7])), "fit").unwrap());
        same(enc.encode(&i).map(Value::from), run_op(&[vi], Op::OneHot { state: willump_ir::StateId::new(0) }, Some(BoundState::OneHot(enc.clone()))));
    }

    #[test]
    fn text_ops(docs in texts()) {
        let v = Value::from(docs.clone());
        same(api::lowercase(&docs).map(Value::from), run_op(&[v.clone()], Op::Lowercase, None));
        let tokens = api::tokenize(&docs);
        same(tokens.clone().map(Value::from), run_op(&[v.clone()], Op::Tokenize, None));
        let fit = StringColumn::from_strs(CORPUS);
        let count = Arc::new(api::CountVectorizer::fit(&CountVectorizerParams { analysis: word(), ..Default::default() }, &fit).unwrap());
        let tfidf_params = TfidfVectorizerParams { count: CountVectorizerParams { analysis: word(), ..Default::default() }, sublinear_tf: true, ..Default::default() };
        let tfidf = Arc::new(api::TfidfVectorizer::fit(&tfidf_params, &fit).unwrap());
        let chars = TfidfVectorizerParams {
            count: CountVectorizerParams {
                analysis: AnalyzerParams { analyzer: Analyzer::CharWb, ngram_range: NgramRange { min_n: 2, max_n: 4 }, lowercase: true },
                ..Default::default()
            },
            ..Default::default()
        };
        let char_tfidf = Arc::new(api::TfidfVectorizer::fit(&chars, &fit).unwrap());
        let hashing = Arc::new(api::HashingVectorizer::new(&HashingVectorizerParams { analysis: word(), n_features: 16, ..Default::default() }).unwrap());
        let s0 = willump_ir::StateId::new(0);
        same(count.transform(&docs).map(Value::from), run_op(&[v.clone()], Op::Vectorize { state: s0 }, Some(BoundState::Count(count.clone()))));
        same(tfidf.transform(&docs).map(Value::from), run_op(&[v.clone()], Op::Vectorize { state: s0 }, Some(BoundState::Tfidf(tfidf.clone()))));
        same(char_tfidf.transform(&docs).map(Value::from), run_op(&[v.clone()], Op::Vectorize { state: s0 }, Some(BoundState::Tfidf(char_tfidf.clone()))));
        same(hashing.transform(&docs).map(Value::from), run_op(&[v.clone()], Op::Vectorize { state: s0 }, Some(BoundState::Hashing(hashing.clone()))));
        let t = tokens.unwrap();
        let vt = Value::from(t.clone());
        same(tfidf.transform_tokens(&t).map(Value::from), run_op(&[vt], Op::Vectorize { state: s0 }, Some(BoundState::Tfidf(tfidf.clone()))));
        same(api::fill_missing(&docs, Scalar::Str("?".into())).map(Value::from), run_op(&[v], Op::FillMissing { value: Scalar::Str("?".into()), nan: false }, None));
    }

    #[test]
    fn table_ops(n in 0usize..40, seed in any::<u64>()) {
        let mut r = willump_runtime::rng::Rng::new(seed);
        let keys: Vec<Option<String>> = (0..n).map(|_| (r.below(5) > 0).then(|| format!("k{}", r.below(8)))).collect();
        let key = StringColumn::from_options(&keys);
        let x = F64Column::from((0..n).map(|_| r.next_f64()).collect::<Vec<_>>());
        let (vk, vx) = (Value::from(key.clone()), Value::from(x.clone()));
        let probe = api::make_table(&["key", "x"], &[&key, &x]).unwrap();
        same(Ok(Value::from(probe.clone())), run_op(&[vk.clone(), vx.clone()], Op::MakeTable { names: vec!["key".into(), "x".into()] }, None));
        let vp = Value::from(probe.clone());
        same(api::column(&probe, "x").map(Value::from), run_op(&[vp.clone()], Op::GetColumn { name: "x".into() }, None));
        same(api::select(&probe, &["x", "key"]).map(Value::from), run_op(&[vp.clone()], Op::Select { names: vec!["x".into(), "key".into()] }, None));
        let side = Table::try_new(vec![
            ("key".into(), Column::Str(StringColumn::from_strs(&["k0", "k1", "k2", "k3"]))),
            ("v".into(), Column::F64(F64Column::from(vec![0.5, 1.5, f64::NAN, -2.0]))),
        ]).unwrap();
        let join = Arc::new(api::LeftJoin::fit(&side, &["key"], &[("v", Scalar::F64(-1.0))]).unwrap());
        let joined = join.transform(&probe, &["key"]);
        same(joined.clone().map(Value::from), run_op(&[vp.clone()], Op::LeftJoin { state: willump_ir::StateId::new(0), keys: vec!["key".into()] }, Some(BoundState::Join(join.clone()))));
        let joined = joined.unwrap();
        same(api::hconcat(&[&probe, &joined]).map(Value::from), run_op(&[vp.clone(), Value::from(joined.clone())], Op::Concat, None));
        let numeric = api::select(&probe, &["x"]).unwrap();
        same(api::to_dense(&[&numeric, &joined, &x]).map(Value::from), run_op(&[Value::from(numeric), Value::from(joined), vx], Op::ToDense, None));
    }
}

#[test]
fn type_errors_name_the_value() {
    let e = run_op(&[Value::from(F64Column::from(vec![1.0]))], Op::Lowercase, None).unwrap_err().to_string();
    assert!(e.contains("lowercase"), "{e}");
    let probe = Value::from(Table::try_new(vec![("k".into(), Column::F64(F64Column::from(vec![1.0])))]).unwrap());
    let e = run_op(&[probe], Op::GetColumn { name: "nope".into() }, None).unwrap_err().to_string();
    assert!(e.contains("nope"), "{e}");
    assert!(matches!(Value::from(F64Column::from(vec![])).ir_type(), Type::Column(_)));
}
