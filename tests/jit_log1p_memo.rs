//! The compiled `log1p` memo (`willump-jit/src/codegen/scalar.rs`): loop calls over at least 4096
//! rows look inputs up in a 1024-entry table keyed by their bits before calling libm. Results
//! must equal the interpreter's bit for bit: repeated values, more distinct values than entries
//! (entries replaced), +0.0 and -0.0 (the cleared entry is +0.0), NaN, infinities, -1, values
//! below -1, missing values, batches just under and over the threshold, and two threads.

mod jit_common;

use willump::Pipeline;
use willump::ir::{Graph, Op, Type};
use willump::jit::{CompileOptions, compile};
use willump::runtime::value::{Column, F64Column, Value};

fn pipeline() -> Pipeline {
    let mut g = Graph::new("memo");
    let a = g.add_input("a", Type::F64).unwrap();
    let l = g.add(Op::Log1p, vec![a], None).unwrap();
    let m = g
        .add(
            Op::ArithConst { op: willump::ir::params::numeric::ArithOp::Mul, value: 2.0, const_left: false },
            vec![l],
            None,
        )
        .unwrap();
    let l2 = g.add(Op::Log1p, vec![m], None).unwrap();
    let out = g.add(Op::ToDense, vec![l, l2], None).unwrap();
    g.set_output(out).unwrap();
    Pipeline::new(g, vec![]).unwrap()
}

/// `n` values: a few hundred repeated distances, then every `k`-th row something unusual, and a
/// stretch of distinct values (more than the memo holds).
fn values(n: usize) -> F64Column {
    let special = [0.0, -0.0, f64::NAN, -f64::NAN, f64::INFINITY, f64::NEG_INFINITY, -1.0, -1.5, 1e-300, -1e-17];
    let v: Vec<Option<f64>> = (0..n)
        .map(|k| match k % 11 {
            0 => None,
            1 => Some(special[(k / 11) % special.len()]),
            2 => Some(k as f64 * 0.37 + 0.001),
            _ => Some(((k * 7919) % 214) as f64 * 17.0 + 80.0),
        })
        .collect();
    F64Column::from_options(&v)
}

fn bits(v: &Value) -> Vec<u64> {
    match v {
        Value::Dense(m) => m.iter().map(|x| x.to_bits()).collect(),
        Value::Column(Column::F64(c)) => c.values().iter().map(|x| x.to_bits()).collect(),
        other => panic!("unexpected {other:?}"),
    }
}

#[test]
fn memo_results_equal_the_interpreter_bit_for_bit() {
    let p = pipeline();
    for n in [0usize, 1, 4095, 4096, 4097, 20_000] {
        let ins = vec![Value::from(values(n))];
        let want = bits(&p.run(&ins).unwrap());
        for threads in [1, 2] {
            let o = CompileOptions { verify: true, threads, ..CompileOptions::default() };
            let c = compile(&p, &o).unwrap();
            assert_eq!(bits(&c.predict(&ins).unwrap()), want, "{n} rows, {threads} threads");
            // a second call reuses nothing of the first
            assert_eq!(bits(&c.predict(&ins).unwrap()), want, "{n} rows, {threads} threads, again");
        }
        if n <= 4097 {
            jit_common::check_with(&p, &ins, &jit_common::option_sets()[..2]);
        }
    }
}

#[test]
fn one_row_calls_after_a_batch_are_exact() {
    // one-row calls reuse their scratch: the memo is off there, so what a batch left is never read
    let p = pipeline();
    let ins = vec![Value::from(values(5000))];
    let c = compile(&p, &CompileOptions { verify: true, ..CompileOptions::default() }).unwrap();
    let batch = bits(&c.predict(&ins).unwrap());
    let mut out = [0.0; 2];
    let col = values(5000);
    for k in [0usize, 1, 2, 3, 12, 13, 100, 4999] {
        let cell = willump::jit::Cell::F64(col.get(k));
        assert_eq!(c.predict_one(&[cell], &mut out).unwrap(), 2);
        assert_eq!([out[0].to_bits(), out[1].to_bits()], [batch[2 * k], batch[2 * k + 1]], "row {k}");
    }
}
