//! Joins compiled into the row loop: probes into side tables indexed at compile time (str, i64
//! and composite keys), value columns gathered with their defaults, numeric ops on top, into a
//! tree model. Compiled equals the interpreter bit for bit with missing keys, unseen keys,
//! missing side values, non-ASCII keys, empty batches and one row.

mod jit_common;

use std::sync::Arc;

use jit_common::check_all;
use proptest::prelude::*;
use willump::Pipeline;
use willump::ir::params::numeric::ArithOp;
use willump::ir::params::table::Scalar;
use willump::ir::{Graph, ModelOutput, Op, StateDecl, Type};
use willump::jit::{Cell, CompileOptions, compile};
use willump::runtime::models::{GbdtSpec, Model};
use willump::runtime::ops::table::LeftJoin;
use willump::runtime::rng::Rng;
use willump::runtime::state::BoundState;
use willump::runtime::value::{Column, F64Column, I64Column, MatrixRef, StringColumn, Table, Value};

const TAILS: [&str; 8] = ["N101", "N202", "Ñ303😀", "", "N404", "N505", "X999", "N606"];
const ORIGINS: [&str; 3] = ["EWR", "JFK", "LGA"];

fn planes() -> LeftJoin {
    // N404 has a missing year; X999 is never in the side table
    let side = Table::try_new(vec![
        (
            "tailnum".into(),
            Column::Str(StringColumn::from_options(&[
                Some("N101"),
                Some("N202"),
                Some("Ñ303😀"),
                Some(""),
                Some("N404"),
                None,
                Some("N606"),
            ])),
        ),
        (
            "year".into(),
            Column::I64(I64Column::from_options(&[
                Some(1999),
                Some(2004),
                Some(2013),
                Some(1987),
                None,
                Some(2001),
                Some(2010),
            ])),
        ),
        (
            "seats".into(),
            Column::F64(F64Column::from_options(&[
                Some(150.0),
                Some(f64::NAN),
                Some(55.0),
                Some(2.0),
                Some(300.0),
                Some(10.0),
                None,
            ])),
        ),
    ])
    .unwrap();
    LeftJoin::fit(&side, &["tailnum"], &[("year", Scalar::I64(-1)), ("seats", Scalar::Missing)]).unwrap()
}

fn weather() -> LeftJoin {
    let mut origin = Vec::new();
    let mut hour = Vec::new();
    let mut temp = Vec::new();
    for (i, o) in ORIGINS.iter().enumerate() {
        for h in 0..20i64 {
            if (h + i as i64) % 7 == 3 {
                continue; // holes: unseen (origin, hour) pairs
            }
            origin.push(*o);
            hour.push(h);
            temp.push(if h % 9 == 4 { None } else { Some(h as f64 * 1.5 - i as f64) });
        }
    }
    let side = Table::try_new(vec![
        ("origin".into(), Column::Str(StringColumn::from_strs(&origin))),
        ("hour".into(), Column::I64(I64Column::new(hour))),
        ("temp".into(), Column::F64(F64Column::from_options(&temp))),
    ])
    .unwrap();
    LeftJoin::fit(&side, &["origin", "hour"], &[("temp", Scalar::F64(50.0))]).unwrap()
}

fn inputs(n: usize, seed: u64) -> Vec<Value> {
    let mut rng = Rng::new(seed);
    let mut pick = |k: usize| (rng.next_f64() * k as f64) as usize;
    let tails: Vec<Option<&str>> =
        (0..n).map(|_| if pick(9) == 0 { None } else { Some(TAILS[pick(TAILS.len())]) }).collect();
    let origins: Vec<Option<&str>> =
        (0..n).map(|_| if pick(11) == 0 { None } else { Some(ORIGINS[pick(3)]) }).collect();
    let hours: Vec<Option<i64>> = (0..n).map(|_| if pick(13) == 0 { None } else { Some(pick(24) as i64) }).collect();
    let dist: Vec<Option<f64>> = (0..n).map(|_| if pick(10) == 0 { None } else { Some(pick(3000) as f64) }).collect();
    vec![
        Value::from(StringColumn::from_options(&tails)),
        Value::from(StringColumn::from_options(&origins)),
        Value::Column(Column::I64(I64Column::from_options(&hours))),
        Value::from(F64Column::from_options(&dist)),
    ]
}

/// Inputs -> table -> two joins -> numeric ops -> dense -> GBDT (or the features themselves).
fn pipeline(with_model: bool) -> Pipeline {
    let mut g = Graph::new("flights");
    let t = g.add_input("tailnum", Type::STR).unwrap();
    let o = g.add_input("origin", Type::STR).unwrap();
    let h = g.add_input("hour", Type::I64).unwrap();
    let d = g.add_input("distance", Type::F64).unwrap();
    let names = vec!["tailnum".to_string(), "origin".into(), "hour".into(), "distance".into()];
    let probe = g.add(Op::MakeTable { names }, vec![t, o, h, d], Some("probe".into())).unwrap();
    let mut states = Vec::new();
    let mut state = |g: &mut Graph, s: BoundState, name: &str| {
        let id = g.add_state(StateDecl { name: name.into(), kind: s.kind(), fingerprint: s.fingerprint() });
        states.push(s);
        id
    };
    let ps = state(&mut g, BoundState::Join(Arc::new(planes())), "planes");
    let ws = state(&mut g, BoundState::Join(Arc::new(weather())), "weather");
    let pj =
        g.add(Op::LeftJoin { state: ps, keys: vec!["tailnum".into()] }, vec![probe], Some("plane".into())).unwrap();
    let wj = g
        .add(Op::LeftJoin { state: ws, keys: vec!["origin".into(), "hour".into()] }, vec![probe], Some("wx".into()))
        .unwrap();
    let year = g.add(Op::GetColumn { name: "year".into() }, vec![pj], None).unwrap();
    let age = g
        .add(Op::ArithConst { op: ArithOp::Sub, value: 2013.0, const_left: true }, vec![year], Some("age".into()))
        .unwrap();
    let ld = g.add(Op::Log1p, vec![d], Some("log_distance".into())).unwrap();
    let x = g.add(Op::ToDense, vec![age, ld, pj, wj, h], Some("x".into())).unwrap();
    let out = if with_model {
        let mut rng = Rng::new(3);
        let xt = ndarray::Array2::from_shape_fn((400, 6), |(_, j)| {
            if rng.next_f64() < 0.1 { f64::NAN } else { rng.normal() * (j + 1) as f64 }
        });
        let yt: Vec<f64> = (0..400).map(|i| ((xt[[i, 0]].abs() + xt[[i, 3]]) > 1.0) as u8 as f64).collect();
        let spec = GbdtSpec { n_trees: 10, num_leaves: 6, min_data_in_leaf: 5, n_threads: 1, ..GbdtSpec::default() };
        let m: Arc<dyn Model> = Arc::from(spec.fit(MatrixRef::Dense(xt.view()), &yt).unwrap());
        let ms = state(&mut g, BoundState::Model(m), "gbdt");
        g.add(Op::Model { state: ms, output: ModelOutput::Proba }, vec![x], Some("p".into())).unwrap()
    } else {
        x
    };
    g.set_output(out).unwrap();
    Pipeline::new(g, states).unwrap()
}

#[test]
fn joins_are_native_and_fused() {
    for with_model in [false, true] {
        let p = pipeline(with_model);
        let c = compile(&p, &CompileOptions::default()).unwrap();
        let r = c.report();
        assert!(r.callback_nodes.is_empty(), "{r}");
        assert_eq!(r.stages.len(), 1, "{r}");
        assert!(r.final_loops().contains("join_probe"), "{r}");
        for n in [0, 1, 2, 33, 300] {
            check_all(&p, &inputs(n, n as u64 + 1));
        }
    }
}

#[test]
fn predict_one_with_joins() {
    let p = pipeline(true);
    let c = compile(&p, &CompileOptions::default()).unwrap();
    assert!(c.one_row_is_native());
    let ins = inputs(60, 9);
    let Value::Dense(want) = c.predict(&ins).unwrap() else { panic!() };
    let col = |v: &Value| match v {
        Value::Column(c) => c.clone(),
        _ => unreachable!(),
    };
    let (t, o, h, d) = (col(&ins[0]), col(&ins[1]), col(&ins[2]), col(&ins[3]));
    let mut out = [0.0; 2];
    for i in 0..60 {
        let cells = [
            Cell::Str(t.as_str("t", "t").unwrap().get(i)),
            Cell::Str(o.as_str("o", "o").unwrap().get(i)),
            Cell::I64(h.as_i64("h", "h").unwrap().get(i)),
            Cell::F64(d.as_f64("d", "d").unwrap().get(i)),
        ];
        c.predict_one(&cells, &mut out).unwrap();
        assert_eq!(out.to_vec(), want.row(i).to_vec(), "row {i}");
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 16, ..ProptestConfig::default() })]

    #[test]
    fn random_batches(n in 0usize..80, seed in any::<u64>()) {
        let p = pipeline(true);
        jit_common::check_with(&p, &inputs(n, seed), &jit_common::option_sets()[..2]);
    }
}
