//! Opaque user code and ops not compiled natively run as calls back into Rust between native
//! loops; invalid input gives an error naming the op and the column, never undefined behaviour.

mod jit_common;

use std::sync::Arc;

use jit_common::check_all;
use willump::ir::params::numeric::ArithOp;
use willump::ir::{Graph, ModelOutput, Op, StateDecl, Type};
use willump::jit::{CompileOptions, compile};
use willump::runtime::lift::fallback;
use willump::runtime::models::{Model, load_lightgbm_file};
use willump::runtime::state::{BoundState, OpaqueCall};
use willump::runtime::value::{Column, F64Column, I64Column, StringColumn, Value};
use willump::{Error, Pipeline};

/// `x0 * 3 -> opaque(len of s) -> to_dense(x0*3, x1, opaque) -> model`.
fn opaque_pipeline() -> Pipeline {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/lightgbm");
    let m: Arc<dyn Model> = Arc::new(load_lightgbm_file(dir.join("binary.txt")).unwrap());
    assert!(m.n_features() >= 3);
    let mut g = Graph::new("opaque");
    let s = g.add_input("s", Type::STR).unwrap();
    let xs: Vec<_> = (0..m.n_features() - 1).map(|j| g.add_input(format!("x{j}"), Type::F64).unwrap()).collect();
    let f = BoundState::Function(OpaqueCall {
        name: "text_len".into(),
        f: fallback(|args: &[&Value]| {
            let Value::Column(Column::Str(s)) = args[0] else { return Err(Error::op("text_len", "not text")) };
            Ok(Value::from(F64Column::from_options(
                &s.iter().map(|v| v.map(|t| t.chars().count() as f64)).collect::<Vec<_>>(),
            )))
        }),
    });
    let fs = g.add_state(StateDecl { name: "text_len".into(), kind: f.kind(), fingerprint: f.fingerprint() });
    let len = g
        .push(willump::ir::Node { op: Op::Opaque { func: fs }, args: vec![s], ty: Type::F64, name: Some("len".into()) })
        .unwrap();
    let x0 = g.add(Op::ArithConst { op: ArithOp::Mul, value: 3.0, const_left: false }, vec![xs[0]], None).unwrap();
    let mut feats = vec![x0];
    feats.extend(&xs[1..]);
    feats.push(len);
    let dense = g.add(Op::ToDense, feats, None).unwrap();
    let ms = BoundState::Model(m);
    let st = g.add_state(StateDecl { name: "m".into(), kind: ms.kind(), fingerprint: ms.fingerprint() });
    let out = g.add(Op::Model { state: st, output: ModelOutput::Proba }, vec![dense], None).unwrap();
    g.set_output(out).unwrap();
    Pipeline::new(g, vec![f, ms]).unwrap()
}

fn inputs(p: &Pipeline, n: usize) -> Vec<Value> {
    let d = p.graph().inputs().len() - 1;
    let mut v = vec![Value::from(StringColumn::from_options(
        &(0..n).map(|i| if i % 5 == 0 { None } else { Some("é😀 abc".repeat(i % 4)) }).collect::<Vec<_>>(),
    ))];
    for j in 0..d {
        v.push(Value::from(F64Column::from_options(
            &(0..n)
                .map(|i| if (i + j) % 7 == 0 { None } else { Some((i * (j + 1)) as f64 * 0.37 - 4.0) })
                .collect::<Vec<_>>(),
        )));
    }
    v
}

#[test]
fn opaque_code_runs_as_a_callback_between_native_loops() {
    let p = opaque_pipeline();
    let c = compile(&p, &CompileOptions::default()).unwrap();
    let r = c.report();
    assert_eq!(r.callback_nodes.len(), 1, "{r}");
    assert!(r.callback_nodes[0].contains("opaque"), "{r}");
    assert!(r.native_nodes.iter().any(|n| n.contains("model")), "{r}");
    assert!(!c.one_row_is_native());
    for n in [0, 1, 9, 40] {
        check_all(&p, &inputs(&p, n));
    }
    // predict_one still works (through one-row values)
    let ins = inputs(&p, 3);
    let mut cells = vec![willump::jit::Cell::Str(Some("é😀 abc"))];
    for v in &ins[1..] {
        let Value::Column(Column::F64(c)) = v else { unreachable!() };
        cells.push(willump::jit::Cell::F64(c.get(1)));
    }
    let mut out = [0.0; 2];
    c.predict_one(&cells, &mut out).unwrap();
    let Value::Dense(b) = c.predict(&ins).unwrap() else { panic!() };
    assert_eq!(out.to_vec(), b.row(1).to_vec());
}

#[test]
fn invalid_input_is_an_error_naming_the_column() {
    let p = opaque_pipeline();
    let c = compile(&p, &CompileOptions::default()).unwrap();
    let mut ins = inputs(&p, 10);
    // ragged
    ins[1] = Value::from(F64Column::new(vec![1.0; 9]));
    let e = c.predict(&ins).unwrap_err().to_string();
    assert!(e.contains("x0") && e.contains("ragged"), "{e}");
    // wrong type
    ins[1] = Value::Column(Column::I64(I64Column::new(vec![1; 10])));
    let e = c.predict(&ins).unwrap_err().to_string();
    assert!(e.contains("x0"), "{e}");
    // wrong count
    assert!(c.predict(&ins[..2]).is_err());
    // row indices out of range
    let ins = inputs(&p, 10);
    let e = c.predict_rows(&ins, &[0, 10]).unwrap_err().to_string();
    assert!(e.contains("rows") && e.contains("10"), "{e}");
    assert!(c.predict_rows(&ins, &[]).is_ok());
}

#[test]
fn row_subsets_and_feature_groups() {
    let p = opaque_pipeline();
    let c = compile(&p, &CompileOptions::default()).unwrap();
    let ins = inputs(&p, 30);
    let rows = [29, 0, 3, 3, 17];
    assert_eq!(
        format!("{:?}", c.predict_rows(&ins, &rows).unwrap()),
        format!("{:?}", p.run_rows(&ins, &rows).unwrap())
    );
    for g in &p.feature_groups().unwrap().groups {
        let part = c.compile_group(g).unwrap();
        let sub: Vec<Value> = ins.iter().map(|v| v.take_rows(&rows).unwrap()).collect();
        let want = p.run_nodes(&sub, &g.roots);
        let got = part.run(&ins, Some(&rows));
        assert_eq!(format!("{got:?}"), format!("{want:?}"), "group {}", g.name);
        let all = part.run(&ins, None).unwrap();
        assert_eq!(format!("{all:?}"), format!("{:?}", p.run_group(&ins, g).unwrap()));
    }
}

#[test]
fn the_jit_is_an_executor_for_the_optimizer() {
    use willump::runtime::optimize::{Executor, Interpreter};
    let p = opaque_pipeline();
    let ins = inputs(&p, 25);
    let jit = willump::jit::JitExecutor::default();
    assert_eq!(jit.name(), "compiled");
    let out = p.graph().output().unwrap();
    let mut wanted: Vec<Vec<willump::ir::NodeId>> = vec![vec![out]];
    wanted.extend(p.feature_groups().unwrap().groups.iter().map(|g| g.roots.clone()));
    for nodes in wanted {
        let a = jit.prepare(&p, &nodes).unwrap();
        let b = Interpreter.prepare(&p, &nodes).unwrap();
        for rows in [None, Some(&[3usize, 0, 24, 3][..])] {
            assert_eq!(format!("{:?}", a.run(&ins, rows)), format!("{:?}", b.run(&ins, rows)));
        }
    }
    assert!(jit.prepare(&p, &[willump::ir::NodeId::new(999)]).is_err());
}
