//! End to end on a table pipeline: joins, numeric ops and a model used as a feature, lifted by
//! the macro; eager and interpreted agree; feature groups follow the joins.

use std::sync::Arc;

use willump::ops::{
    ArithOp, BucketRule, LeftJoin, Scalar, arith_const, bucketize, clip, column, fill_missing_and_nan, hstack, log1p,
    make_table, select, to_dense,
};
use willump::prelude::*;
use willump::runtime::models::{GbdtSpec, LogisticRegression, LogisticRegressionSpec};

#[willump]
fn delays(
    #[row] tailnum: &StringColumn,
    #[row] dest: &StringColumn,
    #[row] distance: &F64Column,
    planes: &LeftJoin,
    airports: &LeftJoin,
    side_model: &LogisticRegression,
    model: &Arc<dyn Model>,
) -> willump::Result<ndarray::Array2<f64>> {
    let probe = make_table(&["tailnum", "dest"], &[tailnum, dest])?;
    let plane = planes.transform(&probe, &["tailnum"])?;
    let airport = airports.transform(&probe, &["dest"])?;
    let year = column(&plane, "year")?;
    let age = arith_const(&year, ArithOp::Mul, -1.0)?;
    let age_filled = fill_missing_and_nan(&age, 0.0)?;
    let dist = log1p(distance)?;
    let dist_clipped = clip(&dist, 0.0, 8.0)?;
    let band = bucketize(distance, &[500.0, 1000.0, 2000.0], BucketRule::LeftClosed)?;
    let coords = select(&airport, &["lat", "lon"])?;
    let geo = to_dense(&[&coords])?;
    let geo_score = side_model.predict_proba((&geo).into())?;
    let x = hstack(&[&age_filled, &dist_clipped, &band, &geo_score])?;
    model.predict_proba(x.view())
}

struct Fitted {
    planes: LeftJoin,
    airports: LeftJoin,
    side: LogisticRegression,
    model: Arc<dyn Model>,
}

fn rows(n: usize, seed: u64) -> (StringColumn, StringColumn, F64Column) {
    let mut r = willump::runtime::rng::Rng::new(seed);
    let tails: Vec<Option<String>> = (0..n).map(|_| (r.below(10) > 0).then(|| format!("N{}", r.below(40)))).collect();
    let dests: Vec<String> =
        (0..n).map(|_| ["JFK", "LAX", "SFO", "ORD", "XXX"][r.below(5) as usize].to_string()).collect();
    let dist: Vec<Option<f64>> = (0..n).map(|_| (r.below(20) > 0).then(|| r.next_f64() * 3000.0)).collect();
    (StringColumn::from_options(&tails), StringColumn::from(dests), F64Column::from_options(&dist))
}

fn fit() -> Fitted {
    let planes_side = Table::try_new(vec![
        ("tailnum".into(), Column::Str(StringColumn::from((0..30).map(|i| format!("N{i}")).collect::<Vec<_>>()))),
        (
            "year".into(),
            Column::F64(F64Column::from_options(
                &(0..30).map(|i| (i % 7 != 0).then_some(1990.0 + i as f64)).collect::<Vec<_>>(),
            )),
        ),
    ])
    .unwrap();
    let airports_side = Table::try_new(vec![
        ("faa".into(), Column::Str(StringColumn::from_strs(&["JFK", "LAX", "SFO", "ORD"]))),
        ("lat".into(), Column::F64(F64Column::from(vec![40.6, 33.9, 37.6, 41.9]))),
        ("lon".into(), Column::F64(F64Column::from(vec![-73.8, -118.4, -122.4, -87.9]))),
    ])
    .unwrap();
    let planes = LeftJoin::fit(&planes_side, &["tailnum"], &[("year", Scalar::Missing)]).unwrap();
    let airports =
        LeftJoin::fit(&airports_side, &["faa"], &[("lat", Scalar::F64(0.0)), ("lon", Scalar::F64(0.0))]).unwrap();
    // The side model scores airports; the final model combines everything.
    let (t, d, dist) = rows(400, 1);
    let probe = make_table(&["tailnum", "dest"], &[&t, &d]).unwrap();
    let coords = select(&airports.transform(&probe, &["dest"]).unwrap(), &["lat", "lon"]).unwrap();
    let geo = to_dense(&[&coords]).unwrap();
    let y: Vec<f64> = (0..400).map(|i| (dist.get(i).unwrap_or(0.0) > 1500.0) as u8 as f64).collect();
    let side = LogisticRegressionSpec::default().fit((&geo).into(), &y).unwrap();
    let fitted = Fitted {
        planes,
        airports,
        side,
        model: Arc::new(
            LogisticRegressionSpec::default()
                .fit((&ndarray::Array2::<f64>::zeros((2, 1))).into(), &[0.0, 1.0])
                .unwrap(),
        ),
    };
    // Fit the final model on the stacked features the pipeline computes.
    let x = features(&fitted, &t, &d, &dist);
    let model =
        GbdtSpec { n_trees: 10, num_leaves: 4, min_data_in_leaf: 5, ..Default::default() }.fit(x.view(), &y).unwrap();
    Fitted { model: Arc::new(model), ..fitted }
}

/// The stacked feature matrix, computed eagerly (the pipeline's body without the final call).
fn features(f: &Fitted, t: &StringColumn, d: &StringColumn, dist: &F64Column) -> willump::runtime::value::Matrix {
    let probe = make_table(&["tailnum", "dest"], &[t, d]).unwrap();
    let plane = f.planes.transform(&probe, &["tailnum"]).unwrap();
    let age =
        fill_missing_and_nan(&arith_const(&column(&plane, "year").unwrap(), ArithOp::Mul, -1.0).unwrap(), 0.0).unwrap();
    let dist_c = clip(&log1p(dist).unwrap(), 0.0, 8.0).unwrap();
    let band = bucketize(dist, &[500.0, 1000.0, 2000.0], BucketRule::LeftClosed).unwrap();
    let geo =
        to_dense(&[&select(&f.airports.transform(&probe, &["dest"]).unwrap(), &["lat", "lon"]).unwrap()]).unwrap();
    let geo_score = f.side.predict_proba((&geo).into()).unwrap();
    hstack(&[&age, &dist_c, &band, &geo_score]).unwrap()
}

#[test]
fn eager_and_lifted_agree_on_random_rows() {
    let f = fit();
    let p = delays_graph(&f.planes, &f.airports, &f.side, &f.model).unwrap();
    for seed in 0..20 {
        let (t, d, dist) = rows(seed as usize * 7, seed);
        let eager = delays(&t, &d, &dist, &f.planes, &f.airports, &f.side, &f.model).unwrap();
        let Value::Dense(lifted) = p.run(&[Value::from(t), Value::from(d), Value::from(dist)]).unwrap() else {
            panic!()
        };
        assert_eq!(format!("{eager:?}"), format!("{lifted:?}"));
    }
}

#[test]
fn ir_and_groups_follow_the_joins() {
    let f = fit();
    let p = delays_graph(&f.planes, &f.airports, &f.side, &f.model).unwrap();
    let ir = p.ir_text();
    assert!(!ir.contains("opaque"), "every call is a library op:\n{ir}");
    let groups = p.feature_groups().unwrap();
    let names: Vec<&str> = groups.groups.iter().map(|g| g.name.as_str()).collect();
    assert_eq!(names, ["age_filled", "dist_clipped", "band", "geo_score"], "{}", groups.to_text(p.graph()));
    // The model used as a feature is its own group, with the airport join inside it.
    let geo = &groups.groups[3];
    assert!(geo.nodes.iter().any(|n| matches!(p.graph().node(*n).op, willump::ir::Op::LeftJoin { .. })));
    assert_eq!(geo.columns, Some(std::iter::once(3..5).collect()));
    println!("{ir}\n{}", groups.to_text(p.graph()));
}

#[test]
fn ragged_inputs_are_errors() {
    let f = fit();
    let p = delays_graph(&f.planes, &f.airports, &f.side, &f.model).unwrap();
    let (t, d, dist) = rows(5, 3);
    let short = F64Column::from(vec![1.0]);
    let e =
        p.run(&[Value::from(t.clone()), Value::from(d.clone()), Value::from(short.clone())]).unwrap_err().to_string();
    assert!(e.contains("distance") && e.contains("ragged"), "{e}");
    let e = delays(&t, &d, &short, &f.planes, &f.airports, &f.side, &f.model).unwrap_err().to_string();
    assert!(e.contains("column"), "{e}");
    assert!(p.run(&[Value::from(t), Value::from(d), Value::from(dist)]).is_ok());
}
