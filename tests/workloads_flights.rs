//! The `flights` workload: its feature groups, eager == interpreted == hand-fused, the training
//! features are the pipeline's features, joins keep every row once and give defaults for
//! unknown or null keys, and the time split and the score on generated data.

mod workloads_common;

use willump::prelude::*;
use willump::runtime::models::GbdtSpec;
use willump_workloads::flights::{FEATURES, FlightsModel, FlightsWorkload, tables};
use willump_workloads::{Metric, Trained, Workload};
use workloads_common::*;

fn small_model(rows: usize) -> (willump_workloads::Dataset, FlightsModel) {
    let d = FlightsWorkload.generate(5, rows).unwrap();
    let spec = GbdtSpec { n_trees: 20, ..GbdtSpec::default() };
    let m = FlightsModel::fit(&d, &spec).unwrap();
    (d, m)
}

#[test]
fn flights_groups_agreement_and_score() {
    let (d, m) = small_model(12_000);
    assert_eq!(d.train.inputs.len(), tables::INPUTS.len());
    // The time split: months 1-10 train, 11-12 test.
    let month = |s: &willump_workloads::Split| match s.column("t", 1).unwrap() {
        Column::I64(c) => c.iter().flatten().collect::<Vec<_>>(),
        _ => panic!(),
    };
    assert!(month(&d.train).iter().all(|&m| m <= 10));
    assert!(month(&d.test).iter().all(|&m| m >= 11));
    assert_eq!(
        group_names(&m),
        [
            "day",
            "hour",
            "minute",
            "dep_minutes",
            "log_distance",
            "day_of_week",
            "plane",
            "destination",
            "forecast",
            "by_carrier",
            "by_route",
            "by_plane",
            "by_hour"
        ]
    );
    let groups = m.graph().unwrap().feature_groups().unwrap();
    assert_eq!(groups.width, Some(FEATURES.len()));
    let p = check_agreement(&m, &d.test.inputs, 1e-15);
    let auc = Metric::RocAuc.score(&d.test.labels, &p).unwrap();
    assert!(auc > 0.6 && auc < 0.9, "auc {auc}");
}

#[test]
fn training_features_are_the_pipelines_features() {
    let (d, m) = small_model(6000);
    let p = m.graph().unwrap();
    let model_input = p.feature_groups().unwrap().model_input;
    let Value::Dense(lifted) = &p.run_nodes(&d.test.inputs, &[model_input]).unwrap()[0] else { panic!() };
    let direct = m.state.features(&d.test.inputs, None).unwrap();
    assert_eq!(lifted.shape(), [d.test.n_rows(), FEATURES.len()]);
    assert!(lifted.iter().zip(direct.iter()).all(|(a, b)| a == b || (a.is_nan() && b.is_nan())));
}

/// One flight with unknown or null keys everywhere it can have them, then a known flight.
fn odd_rows(d: &willump_workloads::Dataset) -> Vec<Value> {
    let known: Vec<usize> = vec![0];
    let mut out = Vec::new();
    for (i, name) in tables::INPUTS.iter().enumerate() {
        let c = d.test.column("t", i).unwrap().take(&known).unwrap();
        let v = match (name, c) {
            (&"year", _) => Column::I64(I64Column::from_options(&[Some(1999), Some(2013)])),
            (&"hour", _) => Column::I64(I64Column::from_options(&[None, Some(9)])),
            (&"distance", _) => Column::F64(F64Column::from_options(&[Some(f64::NAN), Some(500.0)])),
            (_, Column::Str(s)) => {
                let unknown = if *name == "tailnum" { None } else { Some("ZZZ-unknown-ü") };
                Column::Str(StringColumn::from_options(&[unknown, s.get(0)]))
            }
            (_, Column::I64(x)) => Column::I64(I64Column::from_options(&[x.get(0), x.get(0)])),
            (_, c) => c,
        };
        out.push(Value::Column(v));
    }
    out
}

#[test]
fn unknown_and_null_keys_get_defaults_and_rows_are_kept() {
    let (d, m) = small_model(6000);
    let rows = odd_rows(&d);
    let x = m.state.features(&rows, None).unwrap();
    assert_eq!(x.nrows(), 2, "a join never drops or repeats a row");
    let at = |name: &str| FEATURES.iter().position(|f| *f == name).unwrap();
    let r = x.row(0);
    for f in [
        "day_of_week",
        "plane_year",
        "engines",
        "seats",
        "lat",
        "lon",
        "temp",
        "visib",
        "hour",
        "dep_minutes",
        "log_distance",
    ] {
        assert!(r[at(f)].is_nan(), "{f} = {}", r[at(f)]);
    }
    for (i, h) in ["carrier", "route", "plane", "hour"].iter().enumerate() {
        assert_eq!(r[at(&format!("{h}_flights"))], 0.0);
        assert_eq!(r[at(&format!("{h}_late_rate"))], m.state.histories[i].prior());
    }
    check_agreement(&m, &rows, 1e-15);
    // Many rows: the same row count out as in, through every join.
    let x = m.state.features(&d.test.inputs, None).unwrap();
    assert_eq!(x.nrows(), d.test.n_rows());
}

#[test]
fn wrong_inputs_are_errors() {
    let (d, m) = small_model(3000);
    let e = m.eager(&d.test.inputs[..3]).unwrap_err().to_string();
    assert!(e.contains("row input"), "{e}");
    let mut bad = d.test.inputs.clone();
    bad[7] = Value::from(F64Column::from(vec![1.0; d.test.n_rows()]));
    let e = m.eager(&bad).unwrap_err().to_string();
    assert!(e.contains("tailnum"), "{e}");
    let e = m.hand_fused().unwrap().predict(&bad).unwrap_err().to_string();
    assert!(e.contains("tailnum"), "{e}");
}
