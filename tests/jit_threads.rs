//! A batch split across threads: the workers claim chunks of rows from a shared counter, so the
//! answer must not depend on which worker ran which chunk. Outputs equal one thread's bit for bit
//! on batch sizes around the chunk boundaries, and an error is the one of the first failing row
//! (the one a single thread reports), however the chunks were shared out.

use std::sync::Arc;

use ndarray::Array2;
use willump::ir::{Graph, ModelOutput, NodeId, Op, StateDecl, Type};
use willump::jit::{CompileOptions, compile};
use willump::runtime::models::{LogisticRegressionSpec, Model};
use willump::runtime::rng::Rng;
use willump::runtime::state::BoundState;
use willump::runtime::value::{F64Column, MatrixRef, Value};
use willump::{Pipeline, Result};

const D: usize = 4;

/// `D` f64 inputs -> to_dense -> logistic regression probabilities.
fn pipeline() -> Pipeline {
    let mut rng = Rng::new(3);
    let x = Array2::from_shape_fn((400, D), |_| rng.normal());
    let y: Vec<f64> = x.rows().into_iter().map(|r| f64::from(r[0] + 0.5 * r[1] - r[3] > 0.0)).collect();
    let model: Arc<dyn Model> =
        Arc::new(LogisticRegressionSpec::default().fit(MatrixRef::Dense(x.view()), &y).unwrap());
    let mut g = Graph::new("linear");
    let xs: Vec<NodeId> = (0..D).map(|j| g.add_input(format!("x{j}"), Type::F64).unwrap()).collect();
    let dense = g.add(Op::ToDense, xs, Some("features".into())).unwrap();
    let s = BoundState::Model(model);
    let state = g.add_state(StateDecl { name: "model".into(), kind: s.kind(), fingerprint: s.fingerprint() });
    let out = g.add(Op::Model { state, output: ModelOutput::Proba }, vec![dense], Some("p".into())).unwrap();
    g.set_output(out).unwrap();
    Pipeline::new(g, vec![s]).unwrap()
}

/// `n` rows of normal values, with NaN in column 2 at the rows `nan_at`.
fn rows(n: usize, seed: u64, nan_at: &[usize]) -> Vec<Value> {
    let mut rng = Rng::new(seed);
    (0..D)
        .map(|j| {
            let v: Vec<f64> =
                (0..n).map(|i| if j == 2 && nan_at.contains(&i) { f64::NAN } else { rng.normal() }).collect();
            Value::from(F64Column::new(v))
        })
        .collect()
}

fn bits(v: &Result<Value>) -> Vec<u64> {
    match v {
        Ok(Value::Dense(m)) => m.iter().map(|x| x.to_bits()).collect(),
        other => panic!("expected a dense block, got {other:?}"),
    }
}

#[test]
fn shared_chunks_equal_one_thread_around_the_chunk_sizes() {
    let p = pipeline();
    let one = compile(&p, &CompileOptions { verify: true, threads: 1, ..CompileOptions::default() }).unwrap();
    for threads in [2, 3, 8] {
        let many = compile(&p, &CompileOptions { verify: true, threads, ..CompileOptions::default() }).unwrap();
        // Below one chunk, one chunk per worker, a ragged last chunk, many chunks per worker.
        for n in [0, 1, 255, 256, 257, 511, 512, 513, 2049, 4096 * threads + 7, 20_011] {
            let ins = rows(n, n as u64, &[]);
            let want = bits(&one.predict(&ins));
            assert_eq!(want.len(), 2 * n);
            for round in 0..3 {
                assert_eq!(bits(&many.predict(&ins)), want, "{n} rows, {threads} threads, round {round}");
            }
        }
    }
}

#[test]
fn the_error_is_the_first_failing_rows_whatever_the_timing() {
    let p = pipeline();
    let n = 20_000;
    // Failing rows in a late chunk and in an earlier one: the earlier is reported.
    let ins = rows(n, 9, &[17_500, 6_001, 19_999]);
    for threads in [1, 2, 4] {
        let c = compile(&p, &CompileOptions { threads, ..CompileOptions::default() }).unwrap();
        for round in 0..10 {
            let e = c.predict(&ins).unwrap_err().to_string();
            assert!(e.contains("row 6001 "), "{threads} threads, round {round}: {e}");
        }
    }
}
