//! The eager numeric and table operators against numpy, pandas and scikit-learn on the same
//! inputs (tests/fixtures/numeric_table_ops.json, written once by numeric_table_ops.py beside it).

use serde_json::Value;
use willump::ir::params::numeric::{ArithOp, BucketRule, BucketizeParams, ClipParams, OneHotParams};
use willump::ir::params::table::{Scalar, TargetAggregateParams};
use willump::runtime::ops::numeric::{OneHotCategories, OneHotEncoder, arith, bucketize, clip, log1p};
use willump::runtime::ops::table::{LeftJoin, TargetAggregate};
use willump::runtime::value::{Column, F64Column, I64Column, StringColumn, Table};

fn fixture() -> Value {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/numeric_table_ops.json");
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn float(v: &Value) -> f64 {
    match v {
        Value::String(s) => match s.as_str() {
            "nan" => f64::NAN,
            "inf" => f64::INFINITY,
            "-inf" => f64::NEG_INFINITY,
            other => panic!("unexpected {other}"),
        },
        v => v.as_f64().unwrap(),
    }
}

fn floats(v: &Value) -> Vec<f64> {
    v.as_array().unwrap().iter().map(float).collect()
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array().unwrap().iter().map(|s| s.as_str().unwrap().to_owned()).collect()
}

/// Same value, sign of zero included; NaN equals NaN.
fn assert_same(got: &[f64], want: &[f64], what: &str) {
    assert_within_ulps(got, want, 0, what);
}

/// Within `ulps` units in the last place (same sign, zeros' signs included); NaN equals NaN.
fn assert_within_ulps(got: &[f64], want: &[f64], ulps: u64, what: &str) {
    assert_eq!(got.len(), want.len(), "{what}");
    for (i, (g, w)) in got.iter().zip(want).enumerate() {
        let close = g.is_sign_negative() == w.is_sign_negative()
            && (g == w || (g.is_finite() && w.is_finite() && g.to_bits().abs_diff(w.to_bits()) <= ulps));
        let ok = (g.is_nan() && w.is_nan()) || close;
        assert!(ok, "{what}[{i}]: willump {g}, numpy {w}");
    }
}

fn valid(c: &F64Column) -> Vec<f64> {
    c.iter().map(|v| v.expect("no missing rows here")).collect()
}

#[test]
fn arithmetic_clip_log1p_match_numpy() {
    let f = fixture();
    let x = Column::F64(F64Column::from(floats(&f["x"])));
    let y = Column::F64(F64Column::from(floats(&f["y"])));
    for (op, key) in [(ArithOp::Div, "div"), (ArithOp::Sub, "sub"), (ArithOp::Mul, "mul")] {
        assert_same(&valid(&arith(op, &x, "x", &y, "y").unwrap()), &floats(&f[key]), key);
    }
    let c = clip(&ClipParams { lo: Some(-0.5), hi: Some(1.5) }, &x, "x").unwrap();
    assert_same(&valid(&c), &floats(&f["clip"]), "clip");
    // libm's log1p and numpy's may differ in the last bit.
    assert_within_ulps(&valid(&log1p(&x, "x").unwrap()), &floats(&f["log1p"]), 1, "log1p");
}

#[test]
fn bucketize_matches_numpy_digitize_except_nan() {
    let f = fixture();
    let xs = floats(&f["x"]);
    let x = Column::F64(F64Column::from(xs.clone()));
    for (rule, key) in [(BucketRule::LeftClosed, "digitize_left"), (BucketRule::RightClosed, "digitize_right")] {
        let out = bucketize(&BucketizeParams { boundaries: floats(&f["bins"]), rule }, &x, "x").unwrap();
        let want: Vec<i64> = f[key].as_array().unwrap().iter().map(|v| v.as_i64().unwrap()).collect();
        for (i, v) in xs.iter().enumerate() {
            let expected = if v.is_nan() { None } else { Some(want[i]) };
            assert_eq!(out.get(i), expected, "{key}[{i}] for x = {v}");
        }
    }
}

#[test]
fn one_hot_matches_sklearn_handle_unknown_ignore() {
    let f = fixture();
    let train = Column::Str(StringColumn::from_strs(&strings(&f["onehot_train"])));
    let enc = OneHotEncoder::fit(&OneHotParams::default(), &train, "c").unwrap();
    assert_eq!(enc.categories(), &OneHotCategories::Str(strings(&f["onehot_categories"])));
    let test = Column::Str(StringColumn::from_strs(&strings(&f["onehot_test"])));
    let dense = enc.transform(&test, "c").unwrap().to_dense();
    for (i, row) in f["onehot_dense"].as_array().unwrap().iter().enumerate() {
        assert_eq!(dense.row(i).to_vec(), floats(row), "row {i}");
    }
}

#[test]
fn composite_left_join_matches_pandas_merge() {
    let f = fixture();
    let (s, p) = (&f["join_side"], &f["join_probe"]);
    let ints = |v: &Value| v.as_array().unwrap().iter().map(|x| x.as_i64().unwrap()).collect::<Vec<_>>();
    let side = Table::try_new(vec![
        ("origin".into(), Column::Str(StringColumn::from_strs(&strings(&s["origin"])))),
        ("hour".into(), Column::I64(I64Column::from(ints(&s["hour"])))),
        ("temp".into(), Column::F64(F64Column::from(floats(&s["temp"])))),
    ])
    .unwrap();
    let probe_origin = strings(&p["origin"]);
    let probe_hour = ints(&p["hour"]);
    let probe = Table::try_new(vec![
        ("o".into(), Column::Str(StringColumn::from_strs(&probe_origin))),
        ("h".into(), Column::I64(I64Column::from(probe_hour.clone()))),
    ])
    .unwrap();
    let join = LeftJoin::fit(&side, &["origin", "hour"], &[("temp", Scalar::Missing)]).unwrap();
    let out = join.transform(&probe, &["o", "h"]).unwrap();
    let temp = out.columns()[0].as_f64("t", "temp").unwrap();
    let want = floats(&f["join_temp"]);
    let side_origin = strings(&s["origin"]);
    let side_hour = ints(&s["hour"]);
    for i in 0..probe.n_rows() {
        let found = (0..side_origin.len()).any(|j| side_origin[j] == probe_origin[i] && side_hour[j] == probe_hour[i]);
        match temp.get(i) {
            // pandas' NaN for a missing key is willump's null (the declared Missing default).
            None => assert!(!found && want[i].is_nan(), "row {i}"),
            Some(v) => {
                assert!(found && ((v.is_nan() && want[i].is_nan()) || v == want[i]), "row {i}: {v} vs {}", want[i])
            }
        }
    }
}

#[test]
fn smoothed_means_match_pandas_groupby() {
    let f = fixture();
    let t = &f["agg_train"];
    let train = Table::try_new(vec![
        ("carrier".into(), Column::Str(StringColumn::from_strs(&strings(&t["carrier"])))),
        ("late".into(), Column::F64(F64Column::from(floats(&t["late"])))),
    ])
    .unwrap();
    let params = TargetAggregateParams {
        keys: vec!["carrier".into()],
        target: "late".into(),
        smoothing: f["agg_smoothing"].as_f64().unwrap(),
        n_folds: 2,
        seed: 0,
        count_name: "n".into(),
        mean_name: "mean".into(),
    };
    let agg = TargetAggregate::fit(&train, &params).unwrap();
    assert!((agg.prior() - f["agg_prior"].as_f64().unwrap()).abs() < 1e-15);
    let expected = f["agg"].as_object().unwrap();
    let keys: Vec<&str> = expected.keys().map(String::as_str).collect();
    let probe = Table::try_new(vec![("c".into(), Column::Str(StringColumn::from_strs(&keys)))]).unwrap();
    let out = agg.transform(&probe, &["c"]).unwrap();
    for (i, k) in keys.iter().enumerate() {
        let n = out.columns()[0].as_i64("t", "n").unwrap().values()[i];
        let mean = out.columns()[1].as_f64("t", "mean").unwrap().values()[i];
        assert_eq!(n, expected[*k]["count"].as_i64().unwrap(), "{k}");
        assert!((mean - expected[*k]["mean"].as_f64().unwrap()).abs() < 1e-12, "{k}: {mean}");
    }
}
