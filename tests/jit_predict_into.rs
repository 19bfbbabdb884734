//! `CompiledPipeline::predict_into`: the output written into a caller's reused dense block.
//! Reusing a block gives exactly what `predict` (and the interpreter) gives, whatever the block
//! held before, for blocks built by compiled loops (a join feeding `to_dense`, one and two
//! threads) and by a callback; a block of the wrong shape, type or layout, and a pipeline whose
//! output is not a dense block, give an `Err` naming `out` and leave `out` as it was.

mod jit_common;

use ndarray::Array2;
use willump::ir::params::table::Scalar;
use willump::ir::{Graph, Node, Op, StateDecl, Type};
use willump::jit::{CompileOptions, compile};
use willump::runtime::lift::fallback;
use willump::runtime::state::{BoundState, OpaqueCall};
use willump::runtime::value::{Column, F64Column, I64Column, StringColumn, Table, Value};
use willump::{Error, Pipeline};

/// `tailnum -> planes (year, seats)` as a dense block of 2 columns.
fn join_pipeline() -> Pipeline {
    let side = Table::try_new(vec![
        ("k".into(), Column::Str(StringColumn::from_options(&[Some("N1"), Some("N22"), Some("é"), None]))),
        ("year".into(), Column::I64(I64Column::from_options(&[Some(1999), None, Some(2010), Some(1)]))),
        ("seats".into(), Column::F64(F64Column::from_options(&[Some(55.0), Some(f64::NAN), None, Some(2.0)]))),
    ])
    .unwrap();
    jit_common::join_pipeline(&side, &["k"], &[Type::STR], &[("year", Scalar::Missing), ("seats", Scalar::F64(-1.0))])
}

/// Probe keys: hits, misses, nulls, a key longer than every side key; `shift` rotates them.
fn keys(n: usize, shift: usize) -> Vec<Value> {
    let pool = [Some("N1"), Some("N22"), Some("é"), None, Some("N3"), Some(""), Some("N1234567890")];
    let v: Vec<Option<&str>> = (0..n).map(|i| pool[(i * 3 + shift) % pool.len()]).collect();
    vec![Value::Column(Column::Str(StringColumn::from_options(&v)))]
}

fn show(v: &Value) -> String {
    format!("{v:?}")
}

#[test]
fn reusing_a_block_gives_what_predict_gives() {
    let p = join_pipeline();
    for threads in [1, 2] {
        let c = compile(&p, &CompileOptions { threads, ..CompileOptions::default() }).unwrap();
        for n in [0, 1, 2, 31, 64, 65, 1000] {
            // a block full of values the pipeline never produces: none may show through
            let mut out = Value::Dense(Array2::from_elem((n, 2), 12345.5));
            for shift in 0..3 {
                let inputs = keys(n, shift);
                c.predict_into(&inputs, &mut out).unwrap();
                assert_eq!(show(&out), show(&p.run(&inputs).unwrap()), "{n} rows, shift {shift}, {threads} threads");
                assert_eq!(show(&out), show(&c.predict(&inputs).unwrap()));
            }
        }
    }
}

#[test]
fn the_reused_buffer_is_the_callers() {
    let p = join_pipeline();
    let c = compile(&p, &CompileOptions::default()).unwrap();
    let inputs = keys(500, 1);
    let mut out = c.predict(&inputs).unwrap();
    let Value::Dense(m) = &out else { panic!("dense") };
    let before = m.as_ptr();
    c.predict_into(&keys(500, 2), &mut out).unwrap();
    let Value::Dense(m) = &out else { panic!("dense") };
    assert_eq!(m.as_ptr(), before, "the loop wrote into the caller's block, not a new one");
    assert_eq!(show(&out), show(&p.run(&keys(500, 2)).unwrap()));
}

#[test]
fn wrong_blocks_are_errors_and_leave_out_alone() {
    let p = join_pipeline();
    let c = compile(&p, &CompileOptions::default()).unwrap();
    let inputs = keys(10, 0);
    let bad = [
        Value::Dense(Array2::zeros((11, 2))),
        Value::Dense(Array2::zeros((9, 2))),
        Value::Dense(Array2::zeros((10, 3))),
        Value::Dense(Array2::zeros((10, 1))),
        Value::Dense(Array2::zeros((2, 10)).reversed_axes()),
        Value::Column(Column::F64(F64Column::new(vec![0.0; 20]))),
    ];
    for b in bad {
        let mut out = b.clone();
        let e = c.predict_into(&inputs, &mut out).unwrap_err().to_string();
        assert!(e.contains("predict_into") && e.contains("`out`"), "{e}");
        assert_eq!(show(&out), show(&b), "out is left as it was");
    }
    // bad inputs: the input check's error, and out is left as it was
    let mut out = Value::Dense(Array2::zeros((10, 2)));
    let wrong = vec![Value::Column(Column::I64(I64Column::new(vec![1; 10])))];
    assert!(c.predict_into(&wrong, &mut out).is_err());
    assert_eq!(show(&out), show(&Value::Dense(Array2::zeros((10, 2)))));
}

#[test]
fn an_output_that_is_not_a_dense_block_is_an_error() {
    let mut g = Graph::new("col");
    let x = g.add_input("x", Type::F64).unwrap();
    let y = g.add(Op::Log1p, vec![x], None).unwrap();
    g.set_output(y).unwrap();
    let p = Pipeline::new(g, vec![]).unwrap();
    let c = compile(&p, &CompileOptions::default()).unwrap();
    let inputs = vec![Value::Column(Column::F64(F64Column::new(vec![1.0, 2.0])))];
    let mut out = c.predict(&inputs).unwrap();
    let e = c.predict_into(&inputs, &mut out).unwrap_err().to_string();
    assert!(e.contains("predict_into") && e.contains("not a dense block"), "{e}");
}

#[test]
fn a_block_built_by_a_callback_is_copied_into_out() {
    // an opaque function returning a dense block: no native code builds the output
    let mut g = Graph::new("opaque_dense");
    let x = g.add_input("x", Type::F64).unwrap();
    let f = BoundState::Function(OpaqueCall {
        name: "pairs".into(),
        f: fallback(|args: &[&Value]| {
            let Value::Column(Column::F64(c)) = args[0] else { return Err(Error::op("pairs", "not f64")) };
            let v: Vec<f64> = c.iter().flat_map(|x| [x.unwrap_or(-1.0), x.map_or(0.0, |x| x * 2.0)]).collect();
            Ok(Value::Dense(Array2::from_shape_vec((c.len(), 2), v).unwrap()))
        }),
    });
    let fs = g.add_state(StateDecl { name: "pairs".into(), kind: f.kind(), fingerprint: f.fingerprint() });
    let d = g.push(Node { op: Op::Opaque { func: fs }, args: vec![x], ty: Type::Dense(Some(2)), name: None }).unwrap();
    g.set_output(d).unwrap();
    let p = Pipeline::new(g, vec![f]).unwrap();
    let c = compile(&p, &CompileOptions::default()).unwrap();
    let inputs = vec![Value::Column(Column::F64(F64Column::from_options(&[Some(1.5), None, Some(-0.0)])))];
    let mut out = Value::Dense(Array2::from_elem((3, 2), 7.0));
    let Value::Dense(m) = &out else { panic!("dense") };
    let before = m.as_ptr();
    c.predict_into(&inputs, &mut out).unwrap();
    assert_eq!(show(&out), show(&p.run(&inputs).unwrap()));
    let Value::Dense(m) = &out else { panic!("dense") };
    assert_eq!(m.as_ptr(), before, "the callback's block was copied into the caller's");
}
