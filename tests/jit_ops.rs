//! Differential tests of the JIT on every numeric and table op, on random inputs: compiled code
//! equals the interpreter bit for bit (and so does the loop-IR evaluator, fused and unfused), on
//! all rows, a row subset and two threads; NaN, infinities, -0.0, missing values, empty batches
//! and batch sizes around the vector width included.

mod jit_common;

use jit_common::check_all;
use proptest::prelude::*;
use willump::Pipeline;
use willump::ir::params::numeric::{ArithOp, BucketRule};
use willump::ir::params::table::Scalar;
use willump::ir::{Graph, NodeId, Op, Type};
use willump::runtime::value::{BoolColumn, Column, F64Column, I64Column, StringColumn, Value};

fn f64s(n: std::ops::Range<usize>) -> impl Strategy<Value = F64Column> {
    let v = prop_oneof![
        4 => (-1e6f64..1e6).prop_map(Some),
        1 => Just(Some(f64::NAN)),
        1 => Just(Some(f64::INFINITY)),
        1 => Just(Some(f64::NEG_INFINITY)),
        1 => Just(Some(-0.0)),
        1 => Just(Some(0.0)),
        2 => Just(None),
    ];
    proptest::collection::vec(v, n).prop_map(|v| F64Column::from_options(&v))
}

/// A graph with inputs `a: f64, b: f64, i: i64, t: bool, s: str` and `body` on top.
fn graph(body: impl FnOnce(&mut Graph, [NodeId; 5]) -> NodeId) -> Pipeline {
    let mut g = Graph::new("ops");
    let a = g.add_input("a", Type::F64).unwrap();
    let b = g.add_input("b", Type::F64).unwrap();
    let i = g.add_input("i", Type::I64).unwrap();
    let t = g.add_input("t", Type::BOOL).unwrap();
    let s = g.add_input("s", Type::STR).unwrap();
    let out = body(&mut g, [a, b, i, t, s]);
    g.set_output(out).unwrap();
    Pipeline::new(g, vec![]).unwrap()
}

fn inputs(a: &F64Column, b: &F64Column) -> Vec<Value> {
    let n = a.len().min(b.len());
    let take = |c: &F64Column| F64Column::from_options(&c.iter().take(n).collect::<Vec<_>>());
    let i: Vec<Option<i64>> = (0..n).map(|k| if k % 5 == 3 { None } else { Some(k as i64 * 7 - 20) }).collect();
    let t: Vec<Option<bool>> = (0..n).map(|k| if k % 4 == 1 { None } else { Some(k % 3 == 0) }).collect();
    let s: Vec<Option<String>> = (0..n).map(|k| if k % 6 == 2 { None } else { Some(format!("é{k}😀")) }).collect();
    vec![
        Value::from(take(a)),
        Value::from(take(b)),
        Value::Column(Column::I64(I64Column::from_options(&i))),
        Value::Column(Column::Bool(BoolColumn::from_options(&t))),
        Value::from(StringColumn::from_options(&s)),
    ]
}

/// One pipeline per op (and a few compositions), over inputs `ins`.
fn pipelines() -> Vec<Pipeline> {
    let mut ps = Vec::new();
    for op in [ArithOp::Add, ArithOp::Sub, ArithOp::Mul, ArithOp::Div] {
        ps.push(graph(|g, [a, b, ..]| g.add(Op::Arith { op }, vec![a, b], Some("x".into())).unwrap()));
        ps.push(graph(|g, [_, _, i, t, _]| g.add(Op::Arith { op }, vec![i, t], Some("x".into())).unwrap()));
        for const_left in [false, true] {
            ps.push(graph(|g, [a, ..]| {
                g.add(Op::ArithConst { op, value: -2.5, const_left }, vec![a], Some("x".into())).unwrap()
            }));
        }
    }
    ps.push(graph(|g, [a, ..]| g.add(Op::Log1p, vec![a], None).unwrap()));
    ps.push(graph(|g, [_, _, i, ..]| g.add(Op::Log1p, vec![i], None).unwrap()));
    ps.push(graph(|g, [a, ..]| g.add(Op::Clip { lo: -3.0, hi: 10.0 }, vec![a], None).unwrap()));
    ps.push(graph(|g, [a, ..]| g.add(Op::Clip { lo: f64::NEG_INFINITY, hi: 0.0 }, vec![a], None).unwrap()));
    for nan in [false, true] {
        ps.push(graph(|g, [a, ..]| g.add(Op::FillMissing { value: Scalar::F64(-1.5), nan }, vec![a], None).unwrap()));
        ps.push(graph(|g, [a, ..]| g.add(Op::FillMissing { value: Scalar::I64(4), nan }, vec![a], None).unwrap()));
    }
    ps.push(graph(|g, [_, _, i, ..]| {
        g.add(Op::FillMissing { value: Scalar::I64(-9), nan: false }, vec![i], None).unwrap()
    }));
    ps.push(graph(|g, [_, _, _, t, _]| {
        g.add(Op::FillMissing { value: Scalar::Bool(true), nan: false }, vec![t], None).unwrap()
    }));
    // strings are filled by a callback (loops do not build strings)
    ps.push(graph(|g, [.., s]| {
        g.add(Op::FillMissing { value: Scalar::Str("-".into()), nan: false }, vec![s], None).unwrap()
    }));
    for rule in [BucketRule::LeftClosed, BucketRule::RightClosed] {
        ps.push(graph(|g, [a, ..]| {
            g.add(Op::Bucketize { boundaries: vec![-100.0, 0.0, 0.5, 1000.0], rule }, vec![a], None).unwrap()
        }));
        // long boundary lists take the binary-search helper
        let long: Vec<f64> = (0..100).map(|k| (k as f64 - 50.0) * 1e4).collect();
        ps.push(graph(move |g, [a, ..]| g.add(Op::Bucketize { boundaries: long, rule }, vec![a], None).unwrap()));
    }
    ps.push(graph(|g, [a, b, i, t, _]| g.add(Op::ToDense, vec![a, b, i, t], None).unwrap()));
    // table plumbing into dense blocks, stacked
    ps.push(graph(|g, [a, b, i, t, s]| {
        let tab =
            g.add(Op::MakeTable { names: vec!["a".into(), "b".into(), "s".into()] }, vec![a, b, s], None).unwrap();
        let tab2 = g.add(Op::MakeTable { names: vec!["i".into(), "t".into()] }, vec![i, t], None).unwrap();
        let both = g.add(Op::Concat, vec![tab, tab2], None).unwrap();
        let sel = g.add(Op::Select { names: vec!["t".into(), "a".into(), "i".into()] }, vec![both], None).unwrap();
        let b2 = g.add(Op::GetColumn { name: "b".into() }, vec![both], None).unwrap();
        let lg = g.add(Op::Log1p, vec![b2], None).unwrap();
        let d = g.add(Op::ToDense, vec![sel], None).unwrap();
        g.add(Op::Stack, vec![d, lg, a], Some("features".into())).unwrap()
    }));
    // a table output (built natively)
    ps.push(graph(|g, [a, b, i, ..]| {
        let x = g.add(Op::Arith { op: ArithOp::Mul }, vec![a, b], None).unwrap();
        g.add(Op::MakeTable { names: vec!["x".into(), "i".into()] }, vec![x, i], None).unwrap()
    }));
    ps
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    #[test]
    fn every_op_equals_the_interpreter(a in f64s(0..40), b in f64s(0..40)) {
        let ins = inputs(&a, &b);
        for p in pipelines() {
            check_all(&p, &ins);
        }
    }
}

#[test]
fn batch_sizes_around_the_vector_width() {
    for n in [0usize, 1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 255, 256, 257, 1000] {
        let a = F64Column::from_options(
            &(0..n).map(|k| if k % 7 == 0 { None } else { Some(k as f64 - 3.5) }).collect::<Vec<_>>(),
        );
        let b = F64Column::new((0..n).map(|k| (k as f64).sin()).collect());
        let ins = inputs(&a, &b);
        for p in pipelines().into_iter().step_by(3) {
            jit_common::check_with(&p, &ins, &jit_common::option_sets()[..1]);
        }
    }
}
