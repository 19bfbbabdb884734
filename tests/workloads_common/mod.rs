//! Shared checks of the workload tests: the eager function, the interpreted graph and the
//! hand-fused implementation give the same probabilities on generated data.

#![allow(dead_code)]

use willump::prelude::*;
use willump_workloads::{Dataset, Trained, Workload, class1_of_value};

/// Generates `rows` rows with `seed` and trains the workload on them.
pub fn trained(w: &dyn Workload, seed: u64, rows: usize) -> (Dataset, Box<dyn Trained>) {
    let d = w.generate(seed, rows).unwrap();
    assert_eq!(d.train.inputs.len(), w.input_names().len());
    let t = w.train(&d).unwrap();
    (d, t)
}

/// Checks that eager, interpreted and hand-fused agree on `inputs` (eager and interpreted bit
/// for bit; hand-fused within `tol`), also one row at a time for a few rows; returns the eager
/// probabilities.
pub fn check_agreement(t: &dyn Trained, inputs: &[Value], tol: f64) -> Vec<f64> {
    let eager = t.eager(inputs).unwrap();
    let n = inputs[0].n_rows().unwrap();
    assert_eq!(eager.len(), n);
    assert!(eager.iter().all(|p| (0.0..=1.0).contains(p)), "probabilities in [0, 1]");
    let p = t.graph().unwrap();
    let interpreted = class1_of_value(&p.run(inputs).unwrap()).unwrap();
    assert_eq!(eager, interpreted, "the interpreter runs the same ops in the same order");
    let fused = t.hand_fused().unwrap().predict(inputs).unwrap();
    let worst = eager.iter().zip(&fused).map(|(a, b)| (a - b).abs()).fold(0.0, f64::max);
    assert!(worst <= tol, "hand-fused differs from eager by {worst}");
    for r in [0, n / 3, n - 1] {
        let one: Vec<Value> = inputs.iter().map(|v| v.take_rows(&[r])).collect::<Result<_>>().unwrap();
        let e = t.eager(&one).unwrap();
        assert!((e[0] - eager[r]).abs() <= 1e-12, "row {r} alone: {} vs {}", e[0], eager[r]);
        let f = t.hand_fused().unwrap().predict(&one).unwrap();
        assert!((f[0] - eager[r]).abs() <= tol, "row {r} alone, fused: {} vs {}", f[0], eager[r]);
        let i = class1_of_value(&p.run(&one).unwrap()).unwrap();
        assert_eq!(i[0], e[0]);
    }
    eager
}

/// The feature groups' names of the trained pipeline.
pub fn group_names(t: &dyn Trained) -> Vec<String> {
    t.graph().unwrap().feature_groups().unwrap().groups.into_iter().map(|g| g.name).collect()
}

/// The test texts followed by unusual but valid rows: a null, an empty text, emoji only,
/// non-ASCII only, whitespace only.
pub fn texts_with_edge_rows(d: &Dataset) -> Vec<Value> {
    let Value::Column(Column::Str(s)) = &d.test.inputs[0] else { panic!("a text input") };
    let mut rows: Vec<Option<String>> = s.iter().map(|t| t.map(String::from)).collect();
    rows.extend([
        None,
        Some(String::new()),
        Some("😀😀 👍".into()),
        Some("ΣΥΓΧΑΡΗΤΗΡΙΑ привет".into()),
        Some("  \t ".into()),
    ]);
    vec![Value::from(StringColumn::from_options(&rows))]
}
