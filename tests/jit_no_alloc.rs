//! `predict_one` on a fully native pipeline allocates nothing after warm-up: this test binary
//! counts every heap allocation of the calling thread with a global allocator.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::Arc;

use willump::Pipeline;
use willump::ir::params::numeric::ArithOp;
use willump::ir::{Graph, ModelOutput, NodeId, Op, StateDecl, Type};
use willump::jit::{Cell, CompileOptions, compile};
use willump::runtime::models::{Model, load_lightgbm_file};
use willump::runtime::state::BoundState;

struct Counting;

thread_local! {
    /// Allocations made by this thread (tests of one binary run on several threads at once).
    static ALLOCS: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
}

fn count() {
    let _ = ALLOCS.try_with(|c| c.set(c.get() + 1));
}

fn allocations() -> usize {
    ALLOCS.with(|c| c.get())
}

// SAFETY: forwards to the system allocator, only counting calls.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, l: Layout) -> *mut u8 {
        count();
        // SAFETY: the caller's contract is passed on.
        unsafe { System.alloc(l) }
    }
    unsafe fn dealloc(&self, p: *mut u8, l: Layout) {
        // SAFETY: the caller's contract is passed on.
        unsafe { System.dealloc(p, l) }
    }
    unsafe fn realloc(&self, p: *mut u8, l: Layout, n: usize) -> *mut u8 {
        count();
        // SAFETY: the caller's contract is passed on.
        unsafe { System.realloc(p, l, n) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

#[test]
fn predict_one_does_not_allocate() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/lightgbm");
    let m: Arc<dyn Model> = Arc::new(load_lightgbm_file(dir.join("binary.txt")).unwrap());
    let d = m.n_features();
    // numeric ops in front of the model: x0 * 2, log1p(x1), the rest as they are
    let mut g = Graph::new("one_row");
    let xs: Vec<NodeId> = (0..d).map(|j| g.add_input(format!("x{j}"), Type::F64).unwrap()).collect();
    let mut feats = xs.clone();
    feats[0] = g.add(Op::ArithConst { op: ArithOp::Mul, value: 2.0, const_left: false }, vec![xs[0]], None).unwrap();
    feats[1] = g.add(Op::Log1p, vec![xs[1]], None).unwrap();
    let dense = g.add(Op::ToDense, feats, None).unwrap();
    let s = BoundState::Model(m);
    let state = g.add_state(StateDecl { name: "m".into(), kind: s.kind(), fingerprint: s.fingerprint() });
    let out = g.add(Op::Model { state, output: ModelOutput::Proba }, vec![dense], None).unwrap();
    g.set_output(out).unwrap();
    let p = Pipeline::new(g, vec![s]).unwrap();
    let c = compile(&p, &CompileOptions::default()).unwrap();
    assert!(c.one_row_is_native());
    let row: Vec<Cell<'_>> =
        (0..d).map(|j| Cell::F64(if j == 2 { None } else { Some(j as f64 * 0.3 - 1.0) })).collect();
    let mut out = [0.0; 2];
    c.predict_one(&row, &mut out).unwrap(); // warm-up: the scratch is created
    let before = allocations();
    let mut sum = 0.0;
    for k in 0..1000 {
        let row: Vec<Cell<'_>> = Vec::new();
        drop(row);
        let cells = [Cell::F64(Some(k as f64 * 0.01)); 64];
        c.predict_one(&cells[..d], &mut out).unwrap();
        sum += out[1];
    }
    let after = allocations();
    assert_eq!(after - before, 0, "predict_one allocated {} times", after - before);
    assert!(sum > 0.0 && sum < 1000.0);
}

/// A text pipeline (two TF-IDF vectorizers fused into a logistic regression) and a join pipeline
/// (string and composite keys): one-row calls allocate nothing after warm-up either, for ASCII and
/// non-ASCII text.
#[test]
fn text_and_join_rows_do_not_allocate() {
    use willump::ir::params::table::Scalar;
    use willump::ir::params::text::{Analyzer, AnalyzerParams, NgramRange, TfidfVectorizerParams};
    use willump::runtime::models::LogisticRegressionSpec;
    use willump::runtime::ops::table::LeftJoin;
    use willump::runtime::ops::text::TfidfVectorizer;
    use willump::runtime::value::{Column, F64Column, I64Column, Matrix, MatrixRef, StringColumn, Table};

    let docs =
        StringColumn::from_strs(&["free call now", "see you later", "Ünïcode ok 😀", "call me later, ok?", "now free"]);
    let fit = |a: Analyzer, lo: usize, hi: usize| {
        let mut p = TfidfVectorizerParams::default();
        p.count.analysis = AnalyzerParams { analyzer: a, ngram_range: NgramRange::new(lo, hi), lowercase: true };
        TfidfVectorizer::fit(&p, &docs).unwrap()
    };
    let (word, chars) = (fit(Analyzer::Word, 1, 2), fit(Analyzer::Char, 2, 5));
    let x = willump::runtime::api::stack_matrices(&[
        MatrixRef::Sparse(&word.transform(&docs).unwrap()),
        MatrixRef::Sparse(&chars.transform(&docs).unwrap()),
    ])
    .unwrap();
    let Matrix::Sparse(x) = x else { panic!("sparse") };
    let lr = LogisticRegressionSpec::default().fit(MatrixRef::Sparse(&x), &[1.0, 0.0, 0.0, 1.0, 1.0]).unwrap();
    let mut g = Graph::new("text");
    let t = g.add_input("text", Type::STR).unwrap();
    let mut states = Vec::new();
    let mut st = |g: &mut Graph, s: BoundState| {
        let id = g.add_state(StateDecl { name: "s".into(), kind: s.kind(), fingerprint: s.fingerprint() });
        states.push(s);
        id
    };
    let ws = st(&mut g, BoundState::Tfidf(Arc::new(word)));
    let cs = st(&mut g, BoundState::Tfidf(Arc::new(chars)));
    let ms = st(&mut g, BoundState::Model(Arc::new(lr)));
    let w = g.add(Op::Vectorize { state: ws }, vec![t], None).unwrap();
    let c = g.add(Op::Vectorize { state: cs }, vec![t], None).unwrap();
    let x = g.add(Op::Stack, vec![w, c], None).unwrap();
    let out = g.add(Op::Model { state: ms, output: ModelOutput::Proba }, vec![x], None).unwrap();
    g.set_output(out).unwrap();
    let text = compile(&Pipeline::new(g, states).unwrap(), &CompileOptions::default()).unwrap();
    assert!(text.one_row_is_native(), "{}", text.report());

    let side = Table::try_new(vec![
        ("a".into(), Column::Str(StringColumn::from_strs(&["x", "y", "ζ😀"]))),
        ("b".into(), Column::I64(I64Column::new(vec![1, 2, 3]))),
        ("v".into(), Column::F64(F64Column::new(vec![0.5, 1.5, 2.5]))),
    ])
    .unwrap();
    let j = LeftJoin::fit(&side, &["a", "b"], &[("v", Scalar::F64(-1.0))]).unwrap();
    let mut g = Graph::new("join");
    let a = g.add_input("a", Type::STR).unwrap();
    let b = g.add_input("b", Type::I64).unwrap();
    let probe = g.add(Op::MakeTable { names: vec!["a".into(), "b".into()] }, vec![a, b], None).unwrap();
    let s = BoundState::Join(Arc::new(j));
    let js = g.add_state(StateDecl { name: "j".into(), kind: s.kind(), fingerprint: s.fingerprint() });
    let joined = g.add(Op::LeftJoin { state: js, keys: vec!["a".into(), "b".into()] }, vec![probe], None).unwrap();
    let v = g.add(Op::GetColumn { name: "v".into() }, vec![joined], None).unwrap();
    g.set_output(v).unwrap();
    let join = compile(&Pipeline::new(g, vec![s]).unwrap(), &CompileOptions::default()).unwrap();
    assert!(join.one_row_is_native(), "{}", join.report());

    let texts = ["free call now!", "Ünïcode, later 😀", "", "see  you\tlater"];
    let keys = [("x", 1), ("ζ😀", 3), ("y", 9), ("", 2)];
    let mut out = [0.0; 2];
    for d in texts {
        text.predict_one(&[Cell::Str(Some(d))], &mut out).unwrap();
    }
    for (k, n) in keys {
        join.predict_one(&[Cell::Str(Some(k)), Cell::I64(Some(n))], &mut out).unwrap();
    }
    let before = allocations();
    let mut sum = 0.0;
    for i in 0..500 {
        text.predict_one(&[Cell::Str(Some(texts[i % texts.len()]))], &mut out).unwrap();
        sum += out[1];
        let (k, n) = keys[i % keys.len()];
        join.predict_one(&[Cell::Str(Some(k)), Cell::I64(Some(n))], &mut out).unwrap();
        sum += out[0];
    }
    let after = allocations();
    assert_eq!(after - before, 0, "predict_one allocated {} times", after - before);
    assert!(sum.is_finite());
}
