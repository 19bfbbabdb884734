//! The JIT compiles models into the row loop: tree ensembles (trained here, and imported from
//! LightGBM fixtures: binary, categorical, multi-class, regression, zero-as-missing, single-leaf)
//! and linear models (logistic regression, binary and multi-class; linear regression). Compiled
//! outputs (`proba`, `raw`, `predict`) equal the interpreter's bit for bit, with NaN, zero,
//! negative and out-of-range categorical values in the inputs, under every option set.

mod jit_common;

use std::sync::Arc;

use jit_common::{check_all, check_with, option_sets};
use ndarray::Array2;
use willump::Pipeline;
use willump::ir::{Graph, ModelOutput, NodeId, Op, StateDecl, Type};
use willump::jit::{Cell, CompileOptions, TreeMode, compile};
use willump::runtime::models::{GbdtSpec, LinearRegressionSpec, LogisticRegressionSpec, Model, load_lightgbm_file};
use willump::runtime::rng::Rng;
use willump::runtime::state::BoundState;
use willump::runtime::value::{F64Column, MatrixRef, Value};

/// `d` f64 inputs -> to_dense -> model(output).
pub fn model_pipeline(model: Arc<dyn Model>, output: ModelOutput) -> Pipeline {
    let d = model.n_features();
    let mut g = Graph::new("model");
    let xs: Vec<NodeId> = (0..d).map(|j| g.add_input(format!("x{j}"), Type::F64).unwrap()).collect();
    let dense = g.add(Op::ToDense, xs, Some("features".into())).unwrap();
    let s = BoundState::Model(model);
    let state = g.add_state(StateDecl { name: "model".into(), kind: s.kind(), fingerprint: s.fingerprint() });
    let out = g.add(Op::Model { state, output }, vec![dense], Some("prediction".into())).unwrap();
    g.set_output(out).unwrap();
    let p = Pipeline::new(g, vec![s]).unwrap();
    let c = compile(&p, &CompileOptions::default()).unwrap();
    assert!(c.report().callback_nodes.is_empty() && c.one_row_is_native(), "not native:\n{}", c.report());
    p
}

/// `n` rows of `d` features: normal values, and (when `holes`) NaN, missing, exact zeros,
/// negative and large integers (categories out of range).
pub fn rows(n: usize, d: usize, seed: u64, holes: bool) -> Vec<Value> {
    let mut rng = Rng::new(seed);
    (0..d)
        .map(|_| {
            let v: Vec<Option<f64>> = (0..n)
                .map(|_| {
                    let u = rng.next_f64();
                    if !holes || u > 0.3 {
                        Some(rng.normal() * 2.0)
                    } else if u < 0.05 {
                        Some(f64::NAN)
                    } else if u < 0.1 {
                        None
                    } else if u < 0.15 {
                        Some(0.0)
                    } else if u < 0.2 {
                        Some(-(rng.next_f64() * 3.0).floor() - 0.5)
                    } else if u < 0.25 {
                        Some((rng.next_f64() * 60.0).floor())
                    } else {
                        Some(3e9)
                    }
                })
                .collect();
            Value::from(F64Column::from_options(&v))
        })
        .collect()
}

fn train_xy(n: usize, d: usize, classes: usize, seed: u64) -> (Array2<f64>, Vec<f64>) {
    let mut rng = Rng::new(seed);
    let x = Array2::from_shape_fn((n, d), |_| rng.normal());
    let y = (0..n)
        .map(|i| {
            let s = x[[i, 0]] - 0.5 * x[[i, 1]] + 0.3 * rng.normal();
            ((s + 1.5).max(0.0) * classes as f64 / 3.0).floor().min(classes as f64 - 1.0)
        })
        .collect();
    (x, y)
}

fn outputs(m: &Arc<dyn Model>) -> Vec<ModelOutput> {
    match m.task().n_classes() {
        Some(_) => vec![ModelOutput::Proba, ModelOutput::Raw, ModelOutput::Predict],
        None => vec![ModelOutput::Raw, ModelOutput::Predict],
    }
}

#[test]
fn trained_gbdt_binary() {
    let (x, y) = train_xy(600, 6, 2, 1);
    let spec = GbdtSpec { n_trees: 20, num_leaves: 8, min_data_in_leaf: 5, n_threads: 1, ..GbdtSpec::default() };
    let m: Arc<dyn Model> = Arc::from(spec.fit(MatrixRef::Dense(x.view()), &y).unwrap());
    for o in outputs(&m) {
        check_all(&model_pipeline(m.clone(), o), &rows(97, 6, 2, true));
    }
}

#[test]
fn lightgbm_fixtures() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/lightgbm");
    for name in [
        "binary",
        "binary_sigmoid",
        "categorical",
        "multiclass",
        "regression",
        "regression_zero_missing",
        "single_leaf",
        "xentropy",
    ] {
        let m: Arc<dyn Model> = Arc::new(load_lightgbm_file(dir.join(format!("{name}.txt"))).unwrap());
        for o in outputs(&m) {
            let p = model_pipeline(m.clone(), o);
            check_all(&p, &rows(61, m.n_features(), 3, true));
        }
    }
}

#[test]
fn linear_models() {
    for classes in [2, 3] {
        let (x, y) = train_xy(300, 11, classes, 4);
        let m: Arc<dyn Model> =
            Arc::new(LogisticRegressionSpec::default().fit(MatrixRef::Dense(x.view()), &y).unwrap());
        for o in outputs(&m) {
            let p = model_pipeline(m.clone(), o);
            check_all(&p, &rows(45, 11, 5, false));
            // NaN or missing inputs: both the interpreter and the compiled code refuse
            check_with(&p, &rows(45, 11, 6, true), &option_sets()[..2]);
        }
    }
    // long rows take the looped dot product
    let (x, y) = train_xy(200, 150, 2, 7);
    let m: Arc<dyn Model> = Arc::new(LogisticRegressionSpec::default().fit(MatrixRef::Dense(x.view()), &y).unwrap());
    check_with(&model_pipeline(m, ModelOutput::Proba), &rows(20, 150, 8, false), &option_sets()[..2]);
    let (x, y) = train_xy(200, 5, 2, 9);
    let y: Vec<f64> = y.iter().enumerate().map(|(i, v)| v * 3.0 + x[[i, 2]]).collect();
    let m: Arc<dyn Model> = Arc::new(LinearRegressionSpec::default().fit(MatrixRef::Dense(x.view()), &y).unwrap());
    for o in outputs(&m) {
        check_all(&model_pipeline(m.clone(), o), &rows(33, 5, 10, false));
    }
}

#[test]
fn predict_one_equals_batch() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/lightgbm");
    let m: Arc<dyn Model> = Arc::new(load_lightgbm_file(dir.join("multiclass.txt")).unwrap());
    let p = model_pipeline(m.clone(), ModelOutput::Proba);
    let c = compile(&p, &CompileOptions::default()).unwrap();
    assert!(c.one_row_is_native(), "{}", c.report());
    let ins = rows(50, m.n_features(), 11, true);
    let batch = c.predict(&ins).unwrap();
    let Value::Dense(b) = batch else { panic!("dense output") };
    let mut out = vec![0.0; b.ncols()];
    for i in 0..50 {
        let cells: Vec<Cell<'_>> = ins
            .iter()
            .map(|v| match v {
                Value::Column(willump::runtime::value::Column::F64(c)) => Cell::F64(c.get(i)),
                _ => unreachable!(),
            })
            .collect();
        assert_eq!(c.predict_one(&cells, &mut out).unwrap(), b.ncols());
        assert_eq!(format!("{:?}", out), format!("{:?}", b.row(i).to_vec()), "row {i}");
    }
    // a wrong cell type or count is an error naming the input
    let e = c.predict_one(&[Cell::I64(Some(1))], &mut out).unwrap_err().to_string();
    assert!(e.contains("predict_one"), "{e}");
    let mut cells = vec![Cell::F64(Some(0.0)); m.n_features()];
    cells[1] = Cell::Str(Some("x"));
    let e = c.predict_one(&cells, &mut out).unwrap_err().to_string();
    assert!(e.contains("x1"), "{e}");
    let e = c.predict_one(&vec![Cell::F64(None); m.n_features()], &mut [0.0; 1]).unwrap_err().to_string();
    assert!(e.contains("out"), "{e}");
}

#[test]
fn one_compiled_pipeline_serves_many_threads() {
    fn send_sync<T: Send + Sync>(_: &T) {}
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/lightgbm");
    let m: Arc<dyn Model> = Arc::new(load_lightgbm_file(dir.join("binary.txt")).unwrap());
    let d = m.n_features();
    let p = model_pipeline(m, ModelOutput::Proba);
    let c = compile(&p, &CompileOptions::default()).unwrap();
    send_sync(&c);
    let ins = rows(200, d, 21, true);
    let want = format!("{:?}", p.run(&ins).unwrap());
    std::thread::scope(|s| {
        for t in 0..4 {
            let (c, ins, want) = (&c, &ins, &want);
            s.spawn(move || {
                for i in 0..20 {
                    assert_eq!(&format!("{:?}", c.predict_threads(ins, 1 + (i + t) % 2).unwrap()), want);
                    let cells: Vec<Cell<'_>> = (0..d).map(|j| Cell::F64(Some((i * j) as f64 * 0.1))).collect();
                    let mut out = [0.0; 2];
                    c.predict_one(&cells, &mut out).unwrap();
                    assert!((out[0] + out[1] - 1.0).abs() < 1e-12);
                }
            });
        }
    });
}

/// `n` rows of `d` features, most of them missing: NaN, null, exact and signed zeros, values
/// within LightGBM's zero threshold, infinities; the rest normal.
fn nan_heavy_rows(n: usize, d: usize, seed: u64) -> Vec<Value> {
    let mut rng = Rng::new(seed);
    (0..d)
        .map(|_| {
            let v: Vec<Option<f64>> = (0..n)
                .map(|_| match (rng.next_f64() * 8.0) as u32 {
                    0 | 1 => Some(f64::NAN),
                    2 => None,
                    3 => Some(if rng.next_f64() < 0.5 { 0.0 } else { -0.0 }),
                    4 => Some((rng.next_f64() - 0.5) * 1e-35),
                    5 => Some(if rng.next_f64() < 0.5 { f64::INFINITY } else { f64::NEG_INFINITY }),
                    _ => Some(rng.normal() * 2.0),
                })
                .collect();
            Value::from(F64Column::from_options(&v))
        })
        .collect()
}

/// QuickScorer (the default tree mode) against the interpreter on mostly-missing rows, an empty
/// batch and row by row, for every LightGBM fixture (the categorical one falls back to branches)
/// and a trained 31-leaf ensemble.
#[test]
fn quickscorer_with_missing_values_empty_batches_and_single_rows() {
    let quick: Vec<CompileOptions> =
        option_sets().into_iter().filter(|o| o.tree_mode == TreeMode::QuickScorer).collect();
    assert_eq!(quick.len(), 4);
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/lightgbm");
    let mut models: Vec<Arc<dyn Model>> =
        ["binary", "categorical", "multiclass", "regression_zero_missing", "single_leaf"]
            .iter()
            .map(|n| Arc::new(load_lightgbm_file(dir.join(format!("{n}.txt"))).unwrap()) as Arc<dyn Model>)
            .collect();
    let (x, y) = train_xy(2000, 8, 2, 4);
    let spec = GbdtSpec { n_trees: 30, num_leaves: 31, min_data_in_leaf: 5, n_threads: 1, ..GbdtSpec::default() };
    models.push(Arc::from(spec.fit(MatrixRef::Dense(x.view()), &y).unwrap()));
    for m in &models {
        let d = m.n_features();
        let p = model_pipeline(m.clone(), ModelOutput::Raw);
        for ins in [nan_heavy_rows(75, d, 5), nan_heavy_rows(0, d, 6), nan_heavy_rows(1, d, 7)] {
            check_with(&p, &ins, &quick);
        }
        // one row per call equals the batch, bit for bit
        let ins = nan_heavy_rows(40, d, 8);
        let c = compile(&p, &CompileOptions::default()).unwrap();
        let Value::Dense(b) = c.predict(&ins).unwrap() else { panic!("dense output") };
        let mut out = vec![0.0; b.ncols()];
        for i in 0..40 {
            let cells: Vec<Cell<'_>> = ins
                .iter()
                .map(|v| match v {
                    Value::Column(willump::runtime::value::Column::F64(c)) => Cell::F64(c.get(i)),
                    _ => unreachable!(),
                })
                .collect();
            c.predict_one(&cells, &mut out).unwrap();
            assert_eq!(format!("{out:?}"), format!("{:?}", b.row(i).to_vec()), "row {i}");
        }
    }
}
