//! The table operators: left join semantics (missing, null and composite keys, duplicates, type
//! mismatches, order and count against a reference), selection, concatenation, and per-key
//! target aggregates (including that out-of-fold values never see their own label).

use std::collections::BTreeMap;

use proptest::prelude::*;
use willump_ir::params::table::{Scalar, TargetAggregateParams};
use willump_runtime::ops::table::{LeftJoin, TargetAggregate, hconcat, select};
use willump_runtime::value::{BoolColumn, Column, F64Column, I64Column, StringColumn, Table};

fn table(cols: Vec<(&str, Column)>) -> Table {
    Table::try_new(cols.into_iter().map(|(n, c)| (n.to_string(), c)).collect()).unwrap()
}

fn strs(v: &[Option<&str>]) -> Column {
    Column::Str(StringColumn::from_options(v))
}

fn i64s(v: &[Option<i64>]) -> Column {
    Column::I64(I64Column::from_options(v))
}

fn f64s(v: &[Option<f64>]) -> Column {
    Column::F64(F64Column::from_options(v))
}

fn planes() -> Table {
    table(vec![
        ("tailnum", strs(&[Some("N1"), Some("N2"), Some("N3"), None])),
        ("seats", i64s(&[Some(55), None, Some(180), Some(1)])),
        ("year", f64s(&[Some(2004.0), Some(1998.0), Some(f64::NAN), Some(0.0)])),
        ("maker", strs(&[Some("EMBRAER"), Some("AIRBUS"), Some("BOEING"), Some("X")])),
    ])
}

#[test]
fn missing_and_null_keys_get_the_declared_default() {
    let join = LeftJoin::fit(
        &planes(),
        &["tailnum"],
        &[("seats", Scalar::I64(-1)), ("year", Scalar::Missing), ("maker", Scalar::Str("unknown".into()))],
    )
    .unwrap();
    let probe = table(vec![("tail", strs(&[Some("N3"), Some("N9"), None, Some("N1"), Some("N2"), Some("N3")]))]);
    let out = join.transform(&probe, &["tail"]).unwrap();
    assert_eq!(out.names(), &["seats", "year", "maker"]);
    assert_eq!(out.n_rows(), 6);
    let seats: Vec<_> = out.columns()[0].as_i64("t", "seats").unwrap().iter().collect();
    // N9 unknown and the null key get the default; N2's seats are missing in the side table and
    // stay missing (the key was found).
    assert_eq!(seats, vec![Some(180), Some(-1), Some(-1), Some(55), None, Some(180)]);
    let year: Vec<_> = out.columns()[1].as_f64("t", "year").unwrap().iter().collect();
    assert!(year[0].unwrap().is_nan(), "NaN is a value and is looked up as such");
    assert_eq!(&year[1..5], &[None, None, Some(2004.0), Some(1998.0)], "a Missing default gives a null");
    let maker: Vec<_> = out.columns()[2].as_str("t", "maker").unwrap().iter().collect();
    assert_eq!(
        maker,
        vec![Some("BOEING"), Some("unknown"), Some("unknown"), Some("EMBRAER"), Some("AIRBUS"), Some("BOEING")]
    );
    // The side row with a null key is never matched, even by a null probe key.
    assert_eq!(join.lookup(&probe, &["tail"]).unwrap(), vec![Some(2), None, None, Some(0), Some(1), Some(2)]);
}

#[test]
fn composite_str_and_i64_keys() {
    let side = table(vec![
        ("origin", strs(&[Some("EWR"), Some("EWR"), Some("JFK"), Some("JFK")])),
        ("hour", i64s(&[Some(5), Some(6), Some(5), Some(6)])),
        ("temp", f64s(&[Some(1.0), Some(2.0), Some(3.0), Some(4.0)])),
    ]);
    let join = LeftJoin::fit(&side, &["origin", "hour"], &[("temp", Scalar::F64(-99.0))]).unwrap();
    let probe = table(vec![
        ("o", strs(&[Some("JFK"), Some("EWR"), Some("LGA"), Some("JFK"), Some("EWR")])),
        ("h", i64s(&[Some(6), Some(5), Some(5), None, Some(7)])),
    ]);
    let out = join.transform(&probe, &["o", "h"]).unwrap();
    let temp: Vec<_> = out.columns()[0].as_f64("t", "temp").unwrap().iter().collect();
    assert_eq!(temp, vec![Some(4.0), Some(1.0), Some(-99.0), Some(-99.0), Some(-99.0)]);
    // Keys are matched by position, not by name: swapping them is a type mismatch.
    let e = join.transform(&probe, &["h", "o"]).unwrap_err().to_string();
    assert_eq!(e, "left_join.transform: column `h`: key type mismatch: probe key is i64, side key `origin` is str");
    let e = join.transform(&probe, &["o"]).unwrap_err().to_string();
    assert!(e.starts_with("left_join.transform: 1 probe key columns (o) for 2 side key columns"), "{e}");
}

#[test]
fn duplicate_side_keys_and_bad_keys_are_rejected() {
    let side = table(vec![
        ("origin", strs(&[Some("EWR"), Some("JFK"), Some("EWR")])),
        ("day", i64s(&[Some(1), Some(1), Some(1)])),
        ("x", f64s(&[Some(1.0), Some(2.0), Some(3.0)])),
        ("flag", Column::Bool(BoolColumn::from(vec![true, false, true]))),
    ]);
    let e = LeftJoin::fit(&side, &["origin", "day"], &[("x", Scalar::Missing)]).unwrap_err().to_string();
    assert_eq!(
        e,
        "left_join.fit: duplicate key in the side table on key columns (origin, day): (origin = \"EWR\", day = 1) at rows 0 and 2"
    );
    let e = LeftJoin::fit(&side, &["x"], &[("day", Scalar::Missing)]).unwrap_err().to_string();
    assert!(e.starts_with("left_join.fit: column `x`: join keys must be str or i64 columns, found f64"), "{e}");
    assert!(LeftJoin::fit(&side, &["flag"], &[("day", Scalar::Missing)]).is_err());
    let e = LeftJoin::fit(&side, &["origin", "day"], &[("nope", Scalar::Missing)]).unwrap_err().to_string();
    assert!(e.starts_with("left_join.fit: column `nope`: no such column"), "{e}");
    let e = LeftJoin::fit(&side, &["x"], &[]).unwrap_err().to_string();
    assert_eq!(e, "left_join.fit: at least one value column is needed");
    let ok = table(vec![("k", i64s(&[Some(1)])), ("v", f64s(&[Some(1.0)]))]);
    let e = LeftJoin::fit(&ok, &["k"], &[("v", Scalar::Str("a".into()))]).unwrap_err().to_string();
    assert_eq!(e, "left_join.fit: column `v`: a str default does not fit a f64 column");
    let join = LeftJoin::fit(&ok, &["k"], &[("v", Scalar::I64(0))]).unwrap();
    let probe = table(vec![("k", f64s(&[Some(1.0)]))]);
    let e = join.transform(&probe, &["k"]).unwrap_err().to_string();
    assert!(e.starts_with("left_join.transform: column `k`: join keys must be str or i64"), "{e}");
    let probe = table(vec![("k", strs(&[Some("1")]))]);
    let e = join.transform(&probe, &["k"]).unwrap_err().to_string();
    assert_eq!(e, "left_join.transform: column `k`: key type mismatch: probe key is str, side key `k` is i64");
}

#[test]
fn join_survives_serde_and_empty_probes() {
    let join = LeftJoin::fit(&planes(), &["tailnum"], &[("seats", Scalar::I64(0))]).unwrap();
    let json = serde_json::to_string(&join).unwrap();
    let back: LeftJoin = serde_json::from_str(&json).unwrap();
    assert_eq!(back, join);
    let probe = table(vec![("t", strs(&[Some("N1"), Some("zz")]))]);
    assert_eq!(back.transform(&probe, &["t"]).unwrap(), join.transform(&probe, &["t"]).unwrap());
    let empty = table(vec![("t", strs(&[]))]);
    let out = join.transform(&empty, &["t"]).unwrap();
    assert_eq!((out.n_rows(), out.n_cols()), (0, 1));
}

/// A random side table with unique composite keys (str, i64), some null key parts, and a probe
/// of 10,000 rows mixing side keys, unseen keys and nulls, checked row by row against a
/// BTreeMap reference.
fn join_case(seed: u64) {
    let mut rng = willump_runtime::rng::Rng::new(seed);
    let mut side_keys: BTreeMap<(String, i64), usize> = BTreeMap::new();
    let (mut ks, mut ki, mut vals) = (Vec::new(), Vec::new(), Vec::new());
    while ks.len() < 500 {
        let s = format!("k{}", rng.below(60));
        let i = rng.below(40) as i64 - 20;
        let null_s = rng.below(50) == 0;
        if !null_s && side_keys.contains_key(&(s.clone(), i)) {
            continue;
        }
        if !null_s {
            side_keys.insert((s.clone(), i), ks.len());
        }
        ks.push(if null_s { None } else { Some(s) });
        ki.push(Some(i));
        vals.push(if rng.below(20) == 0 { None } else { Some(rng.below(1000) as i64) });
    }
    let side = Table::try_new(vec![
        ("s".into(), Column::Str(StringColumn::from_options(&ks))),
        ("i".into(), Column::I64(I64Column::from_options(&ki))),
        ("v".into(), Column::I64(I64Column::from_options(&vals))),
    ])
    .unwrap();
    let join = LeftJoin::fit(&side, &["s", "i"], &[("v", Scalar::I64(-7))]).unwrap();
    let n = 10_000;
    let (mut ps, mut pi) = (Vec::with_capacity(n), Vec::with_capacity(n));
    for _ in 0..n {
        ps.push(if rng.below(30) == 0 { None } else { Some(format!("k{}", rng.below(70))) });
        pi.push(if rng.below(30) == 0 { None } else { Some(rng.below(44) as i64 - 22) });
    }
    let probe = Table::try_new(vec![
        ("ps".into(), Column::Str(StringColumn::from_options(&ps))),
        ("pi".into(), Column::I64(I64Column::from_options(&pi))),
    ])
    .unwrap();
    let out = join.transform(&probe, &["ps", "pi"]).unwrap();
    assert_eq!(out.n_rows(), n, "one output row per probe row");
    let got = out.columns()[0].as_i64("t", "v").unwrap();
    let mut matched = 0;
    for r in 0..n {
        let expected = match (&ps[r], pi[r]) {
            (Some(s), Some(i)) => match side_keys.get(&(s.clone(), i)) {
                Some(&row) => {
                    matched += 1;
                    vals[row]
                }
                None => Some(-7),
            },
            _ => Some(-7),
        };
        assert_eq!(got.get(r), expected, "row {r}: probe ({:?}, {:?})", ps[r], pi[r]);
    }
    assert!(matched > n / 20 && matched < n / 2, "the case exercises both hits and misses ({matched})");
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(6))]
    #[test]
    fn join_preserves_order_and_count_against_reference(seed in any::<u64>()) {
        join_case(seed);
    }
}

#[test]
fn select_and_hconcat() {
    let t = planes();
    let s = select(&t, &["maker", "seats"]).unwrap();
    assert_eq!(s.names(), &["maker", "seats"]);
    assert_eq!(s.columns()[1], t.columns()[1]);
    assert_eq!(
        select(&t, &["seats", "seats"]).unwrap_err().to_string(),
        "select: column `seats`: column selected twice"
    );
    assert!(select(&t, &["zz"]).unwrap_err().to_string().starts_with("select: column `zz`: no such column"));
    let extra = table(vec![("z", i64s(&[Some(1), Some(2), Some(3), Some(4)]))]);
    let c = hconcat(&[&s, &Table::default(), &extra]).unwrap();
    assert_eq!(c.names(), &["maker", "seats", "z"]);
    assert_eq!(c.n_rows(), 4);
    assert_eq!(
        hconcat(&[&s, &t]).unwrap_err().to_string(),
        "hconcat: column `seats`: duplicate column name (again in table 1)"
    );
    let short = table(vec![("w", i64s(&[Some(1)]))]);
    assert_eq!(
        hconcat(&[&s, &short]).unwrap_err().to_string(),
        "hconcat: column `w`: table 1 has 1 rows, the first table has 4"
    );
    assert_eq!(hconcat(&[]).unwrap().n_cols(), 0);
}

fn agg_params(smoothing: f64, n_folds: usize) -> TargetAggregateParams {
    TargetAggregateParams {
        keys: vec!["carrier".into()],
        target: "late".into(),
        smoothing,
        n_folds,
        seed: 42,
        count_name: "carrier_n".into(),
        mean_name: "carrier_late".into(),
    }
}

#[test]
fn aggregate_counts_and_smoothed_means() {
    let train = table(vec![
        ("carrier", strs(&[Some("AA"), Some("AA"), Some("UA"), None, Some("DL")])),
        ("late", f64s(&[Some(1.0), Some(0.0), Some(1.0), Some(1.0), None])),
    ]);
    let agg = TargetAggregate::fit(&train, &agg_params(1.0, 5)).unwrap();
    let prior = 3.0 / 4.0;
    assert_eq!(agg.prior(), prior);
    let probe = table(vec![("c", strs(&[Some("UA"), Some("AA"), Some("B6"), None, Some("DL")]))]);
    let out = agg.transform(&probe, &["c"]).unwrap();
    assert_eq!(out.names(), &["carrier_n", "carrier_late"]);
    let n: Vec<_> = out.columns()[0].as_i64("t", "n").unwrap().iter().collect();
    assert_eq!(n, vec![Some(1), Some(2), Some(0), Some(0), Some(0)]);
    let mean = out.columns()[1].as_f64("t", "m").unwrap().values().to_vec();
    assert_eq!(mean, vec![(1.0 + prior) / 2.0, (1.0 + prior) / 3.0, prior, prior, prior]);
    // Errors: bad target, bad parameters.
    let bad = table(vec![("carrier", strs(&[Some("AA")])), ("late", f64s(&[Some(f64::NAN)]))]);
    let e = TargetAggregate::fit(&bad, &agg_params(1.0, 5)).unwrap_err().to_string();
    assert_eq!(e, "target_aggregate.fit: column `late`: row 0 has the non-finite label NaN");
    assert!(TargetAggregate::fit(&train, &agg_params(-1.0, 5)).unwrap_err().to_string().contains("`smoothing`"));
    assert!(
        TargetAggregate::fit_out_of_fold(&train, &agg_params(1.0, 1)).unwrap_err().to_string().contains("`n_folds`")
    );
    let unlabelled = table(vec![("carrier", strs(&[Some("AA")])), ("late", f64s(&[None]))]);
    assert!(
        TargetAggregate::fit(&unlabelled, &agg_params(1.0, 5)).unwrap_err().to_string().contains("no row has a label")
    );
    let s = table(vec![("carrier", strs(&[Some("AA")])), ("late", strs(&[Some("yes")]))]);
    assert!(TargetAggregate::fit(&s, &agg_params(1.0, 5)).is_err());
    let json = serde_json::to_string(&agg).unwrap();
    assert_eq!(serde_json::from_str::<TargetAggregate>(&json).unwrap(), agg);
    // The served side table: one row per distinct non-null key, first-seen order.
    let side = agg.join().side_table().unwrap();
    assert_eq!(side.names(), &["carrier", "carrier_n", "carrier_late"]);
    let keys: Vec<_> = side.columns()[0].as_str("t", "carrier").unwrap().iter().collect();
    assert_eq!(keys, vec![Some("AA"), Some("UA"), Some("DL")]);
    assert_eq!(side.columns()[1].as_i64("t", "n").unwrap().values(), &[2, 1, 0]);
}

fn oof_train(labels: &[f64]) -> Table {
    let keys: Vec<Option<String>> =
        (0..labels.len()).map(|i| if i % 17 == 0 { None } else { Some(format!("c{}", i % 7)) }).collect();
    Table::try_new(vec![
        ("carrier".into(), Column::Str(StringColumn::from_options(&keys))),
        ("late".into(), Column::F64(F64Column::from(labels.to_vec()))),
    ])
    .unwrap()
}

/// Changing one training row's label never moves that row's own out-of-fold encoding (bit for
/// bit, with real-valued labels so that rounding would show), while it does move the encoding of
/// some other rows and the served statistics.
#[test]
fn out_of_fold_values_never_see_their_own_label() {
    let mut rng = willump_runtime::rng::Rng::new(3);
    let labels: Vec<f64> = (0..120).map(|_| rng.normal() * 3.7).collect();
    let params = agg_params(2.5, 5);
    let (agg, base) = TargetAggregate::fit_out_of_fold(&oof_train(&labels), &params).unwrap();
    let base_mean = base.columns()[1].as_f64("t", "m").unwrap().values().to_vec();
    let base_n = base.columns()[0].as_i64("t", "n").unwrap().values().to_vec();
    for r in 0..labels.len() {
        let mut changed = labels.clone();
        changed[r] += 1000.0 + r as f64;
        let (agg2, out) = TargetAggregate::fit_out_of_fold(&oof_train(&changed), &params).unwrap();
        let mean = out.columns()[1].as_f64("t", "m").unwrap().values();
        assert_eq!(mean[r].to_bits(), base_mean[r].to_bits(), "row {r} saw its own label");
        assert_eq!(out.columns()[0].as_i64("t", "n").unwrap().values(), &base_n[..]);
        let moved = (0..labels.len()).filter(|&i| mean[i] != base_mean[i]).count();
        assert!(moved > 0, "changing row {r}'s label moved no other row: the test would prove nothing");
        assert_ne!(agg2.prior(), agg.prior());
    }
    // The out-of-fold count of a row is its key's count minus the rows of its own fold.
    let full = agg.transform(&oof_train(&labels), &["carrier"]).unwrap();
    let full_n = full.columns()[0].as_i64("t", "n").unwrap().values();
    assert!(base_n.iter().zip(full_n).all(|(o, f)| o <= f));
    assert!(base_n.iter().zip(full_n).any(|(o, f)| o < f));
}

#[test]
fn out_of_fold_is_seeded() {
    let labels: Vec<f64> = (0..60).map(|i| (i % 3) as f64).collect();
    let a = TargetAggregate::fit_out_of_fold(&oof_train(&labels), &agg_params(1.0, 4)).unwrap().1;
    let b = TargetAggregate::fit_out_of_fold(&oof_train(&labels), &agg_params(1.0, 4)).unwrap().1;
    assert_eq!(a, b);
    let mut other = agg_params(1.0, 4);
    other.seed = 7;
    let c = TargetAggregate::fit_out_of_fold(&oof_train(&labels), &other).unwrap().1;
    assert_ne!(a, c);
    let tiny = table(vec![("carrier", strs(&[Some("AA")])), ("late", f64s(&[Some(1.0)]))]);
    let e = TargetAggregate::fit_out_of_fold(&tiny, &agg_params(1.0, 2)).unwrap_err().to_string();
    assert!(e.contains("hold no labelled row"), "{e}");
}

#[test]
fn all_null_probe_keys_get_defaults() {
    let join = LeftJoin::fit(&planes(), &["tailnum"], &[("seats", Scalar::I64(0))]).unwrap();
    let probe = table(vec![("t", strs(&[None, None, None]))]);
    let out = join.transform(&probe, &["t"]).unwrap();
    assert_eq!(out.columns()[0].as_i64("t", "seats").unwrap().values(), &[0, 0, 0]);
    assert_eq!(join.side_table().unwrap().n_rows(), 4);
}
