//! f64 join gathers packed straight into a dense row (`codegen::scalar::nan_gathers`): the
//! compiled join stores a missing f64 value as the NaN a missing value is packed as, so those
//! gathers skip their validity. Compiled output equals the interpreter's bit for bit (NaN sign
//! and payload included, which `Debug` does not show) for present NaNs of every sign and
//! payload, -0.0, missing side values, missing and non-missing defaults, keys that miss and null
//! keys; and a gather with another user (arithmetic, which must see the value as missing) keeps
//! its validity.

mod jit_common;

use std::sync::Arc;

use willump::Pipeline;
use willump::ir::params::numeric::ArithOp;
use willump::ir::params::table::Scalar;
use willump::ir::{Graph, Op, StateDecl, Type};
use willump::jit::compile;
use willump::runtime::ops::table::LeftJoin;
use willump::runtime::state::BoundState;
use willump::runtime::value::{Column, F64Column, I64Column, StringColumn, Table, Value};

const NEG_NAN: u64 = 0xfff8_0000_0000_0000;
const PAYLOAD_NAN: u64 = 0x7ff8_0000_0000_0001;
const SIGNALING_NAN: u64 = 0x7ff0_0000_0000_0001;

fn side() -> Table {
    let f = |b: u64| Some(f64::from_bits(b));
    let a = [Some(1.5), f(NEG_NAN), f(PAYLOAD_NAN), None, Some(-0.0), Some(f64::NAN), f(SIGNALING_NAN)];
    let b = [None, Some(2.0), None, Some(f64::INFINITY), f(NEG_NAN), Some(-3.25), Some(0.0)];
    let i = [Some(1i64), None, Some(-7), Some(i64::MAX), None, Some(0), Some(3)];
    Table::try_new(vec![
        (
            "k".into(),
            Column::Str(StringColumn::from_options(&[
                Some("a"),
                Some("b"),
                Some("c"),
                Some("d"),
                Some("e"),
                Some("f"),
                Some("g"),
            ])),
        ),
        ("a".into(), Column::F64(F64Column::from_options(&a))),
        ("b".into(), Column::F64(F64Column::from_options(&b))),
        ("i".into(), Column::I64(I64Column::from_options(&i))),
    ])
    .unwrap()
}

/// Probe keys: every side key, keys that miss, null keys.
fn probes() -> Vec<Value> {
    let v = [Some("a"), Some("b"), Some("zz"), None, Some("c"), Some("d"), Some("e"), Some("f"), Some("g"), Some("")];
    let v: Vec<Option<&str>> = (0..200).map(|i| v[(i * 7) % v.len()]).collect();
    vec![Value::Column(Column::Str(StringColumn::from_options(&v)))]
}

/// The dense output's bits.
fn bits(v: &Value) -> Vec<u64> {
    let Value::Dense(m) = v else { panic!("a dense output, got {v:?}") };
    m.iter().map(|x| x.to_bits()).collect()
}

fn check(p: &Pipeline) {
    let inputs = probes();
    let want = bits(&p.run(&inputs).unwrap());
    for o in jit_common::option_sets() {
        let c = compile(p, &o).unwrap();
        assert!(c.report().callback_nodes.is_empty(), "{}", c.report());
        assert_eq!(bits(&c.predict(&inputs).unwrap()), want, "{o:?}");
    }
    jit_common::check_all(p, &inputs);
}

#[test]
fn gathers_only_packed_keep_every_nan_bit() {
    for default in [Scalar::Missing, Scalar::F64(2.5), Scalar::F64(f64::from_bits(NEG_NAN))] {
        let p = jit_common::join_pipeline(
            &side(),
            &["k"],
            &[Type::STR],
            &[("a", default.clone()), ("b", Scalar::Missing), ("i", Scalar::I64(-1))],
        );
        check(&p);
    }
}

#[test]
fn a_gather_with_another_user_keeps_its_validity() {
    // to_dense(joined, a + 1): `a` is packed and added to; the sum of a missing `a` is missing
    let j = LeftJoin::fit(&side(), &["k"], &[("a", Scalar::Missing), ("b", Scalar::F64(9.0))]).unwrap();
    let mut g = Graph::new("join_arith");
    let k = g.add_input("k", Type::STR).unwrap();
    let probe = g.add(Op::MakeTable { names: vec!["k".into()] }, vec![k], None).unwrap();
    let s = BoundState::Join(Arc::new(j));
    let st = g.add_state(StateDecl { name: "side".into(), kind: s.kind(), fingerprint: s.fingerprint() });
    let joined = g.add(Op::LeftJoin { state: st, keys: vec!["k".into()] }, vec![probe], None).unwrap();
    let a = g.add(Op::GetColumn { name: "a".into() }, vec![joined], None).unwrap();
    let a1 = g.add(Op::ArithConst { op: ArithOp::Add, value: 1.0, const_left: false }, vec![a], None).unwrap();
    let x = g.add(Op::ToDense, vec![joined, a1], None).unwrap();
    g.set_output(x).unwrap();
    let p = Pipeline::new(g, vec![s]).unwrap();
    check(&p);
}
