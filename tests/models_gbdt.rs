//! The GBDT trainer: quality on small seeded problems, agreement of the fast evaluator with the
//! reference evaluator, independence from the thread count, missing-value routing, degenerate
//! inputs.

use ndarray::{Array2, array};
use willump_runtime::metrics::{accuracy, rmse, roc_auc};
use willump_runtime::models::{
    Decision, GbdtObjective, GbdtSpec, MissingType, Model, ModelSpec, ModelStructure, Task, TreeEnsemble,
};
use willump_runtime::rng::Rng;
use willump_runtime::value::{CsrMatrix, MatrixRef};

/// `n` rows: x0, x1 informative, x2 noise, x3 constant, x4 NaN for 30% of rows (more often for
/// class 1). Labels from a noisy non-linear rule.
fn data(n: usize, seed: u64) -> (Array2<f64>, Vec<f64>) {
    let mut rng = Rng::new(seed);
    let mut x = Array2::zeros((n, 5));
    let mut y = vec![0.0; n];
    for i in 0..n {
        let (a, b) = (rng.normal(), rng.normal());
        let logit = 2.0 * a - 1.5 * b * b + 1.0 + 0.5 * rng.normal();
        y[i] = if logit > 0.0 { 1.0 } else { 0.0 };
        x[[i, 0]] = a;
        x[[i, 1]] = b;
        x[[i, 2]] = rng.normal();
        x[[i, 3]] = 7.0;
        let missing = rng.next_f64() < if y[i] == 1.0 { 0.45 } else { 0.1 };
        x[[i, 4]] = if missing { f64::NAN } else { rng.normal() };
    }
    (x, y)
}

fn reference_scores(e: &TreeEnsemble, x: &Array2<f64>) -> Array2<f64> {
    let k = e.n_outputs();
    let mut out = Array2::zeros((x.nrows(), k));
    for (i, row) in x.rows().into_iter().enumerate() {
        let mut s = e.base_score.clone();
        e.add_scores(row.as_slice().unwrap(), &mut s);
        out.row_mut(i).assign(&ndarray::ArrayView1::from(&s));
    }
    out
}

fn small_spec() -> GbdtSpec {
    GbdtSpec { n_trees: 30, num_leaves: 8, min_data_in_leaf: 10, n_threads: 1, ..GbdtSpec::default() }
}

#[test]
fn binary_learns_and_fast_path_equals_reference() {
    let (x, y) = data(2000, 1);
    let (xt, yt) = data(1000, 2);
    let model = small_spec().fit(MatrixRef::Dense(x.view()), &y).unwrap();
    assert_eq!(model.task(), Task::Binary);
    let p = model.predict_proba(MatrixRef::Dense(xt.view())).unwrap();
    let auc = roc_auc(&yt, &p.column(1).to_vec()).unwrap();
    assert!(auc > 0.9, "test AUC {auc}");
    let ModelStructure::Trees(e) = model.structure() else { panic!("structure") };
    assert_eq!(e.trees.len(), 30);
    assert!(e.trees.iter().all(|t| t.leaf_value.len() <= 8));
    // The packed evaluator and the reference agree bit for bit, NaN rows included.
    let fast = model.decision_function(MatrixRef::Dense(xt.view())).unwrap();
    assert_eq!(fast, reference_scores(e, &xt));
    // Sparse input means the same as its dense form (absent entries are 0.0).
    let mut xz = xt.clone();
    xz.column_mut(2).iter_mut().step_by(3).for_each(|v| *v = 0.0);
    let sparse = CsrMatrix::from_dense(&xz);
    assert_eq!(
        model.decision_function(MatrixRef::Sparse(&sparse)).unwrap(),
        model.decision_function(MatrixRef::Dense(xz.view())).unwrap()
    );
    // Importances: the constant column is never split, informative ones are.
    let imp = model.feature_importance();
    assert_eq!(imp.split[3], 0);
    assert!(imp.gain[0] > imp.gain[2] && imp.split[0] > 0, "{imp:?}");
    // Training on the CSR form of the same matrix gives the same model.
    let (xs, ys) = data(600, 8);
    let from_sparse = small_spec().fit(MatrixRef::Sparse(&CsrMatrix::from_dense(&xs)), &ys).unwrap();
    let from_dense = small_spec().fit(MatrixRef::Dense(xs.view()), &ys).unwrap();
    assert_eq!(from_sparse.ensemble(), from_dense.ensemble());
    // One-row path.
    let mut out = [0.0];
    model.decision_row(xt.row(5).as_slice().unwrap(), &mut out).unwrap();
    assert_eq!(out[0], fast[[5, 0]]);
    assert!(model.decision_row(&[0.0; 4], &mut out).is_err());
}

#[test]
fn missing_values_get_a_learned_direction() {
    let (x, y) = data(3000, 3);
    let model = small_spec().fit(MatrixRef::Dense(x.view()), &y).unwrap();
    let ModelStructure::Trees(e) = model.structure() else { panic!("structure") };
    let mut nan_splits = 0;
    for t in &e.trees {
        for (f, d) in t.split_feature.iter().zip(&t.decision) {
            let Decision::Numerical { missing, .. } = d else { panic!("numerical only") };
            // Features with NaN in training route NaN explicitly; the others treat it as 0.0.
            assert_eq!(*missing, if *f == 4 { MissingType::NaN } else { MissingType::None });
            nan_splits += usize::from(*f == 4);
        }
    }
    assert!(nan_splits > 0, "missingness of x4 is informative");
    // NaN in x4 raises the score (class 1 is missing more often) all else equal.
    let mut a = array![[0.0, 0.0, 0.0, 7.0, 0.0]];
    let s0 = model.decision_function(MatrixRef::Dense(a.view())).unwrap()[[0, 0]];
    a[[0, 4]] = f64::NAN;
    let s1 = model.decision_function(MatrixRef::Dense(a.view())).unwrap()[[0, 0]];
    assert!(s1 > s0, "NaN {s1} vs value {s0}");
    // NaN in a feature that never had NaN is treated as 0.0.
    let mut b = array![[0.0, 0.0, 0.0, 7.0, 0.0]];
    b[[0, 1]] = f64::NAN;
    let c = array![[0.0, 0.0, 0.0, 7.0, 0.0]];
    assert_eq!(
        model.decision_function(MatrixRef::Dense(b.view())).unwrap(),
        model.decision_function(MatrixRef::Dense(c.view())).unwrap()
    );
}

#[test]
fn results_do_not_depend_on_threads_and_seed_repeats() {
    // Large enough for the parallel histogram path (rows x features >= 200k).
    let (x, y) = data(80_000, 4);
    let spec = GbdtSpec {
        n_trees: 4,
        num_leaves: 16,
        feature_fraction: 0.8,
        bagging_fraction: 0.7,
        bagging_freq: 1,
        seed: 9,
        ..small_spec()
    };
    let one = spec.fit(MatrixRef::Dense(x.view()), &y).unwrap();
    let two = GbdtSpec { n_threads: 2, ..spec.clone() }.fit(MatrixRef::Dense(x.view()), &y).unwrap();
    assert_eq!(one.ensemble(), two.ensemble());
    let other_seed = GbdtSpec { seed: 10, ..spec }.fit(MatrixRef::Dense(x.view()), &y).unwrap();
    assert_ne!(one.ensemble(), other_seed.ensemble());
}

#[test]
fn multiclass_probabilities_sum_to_one() {
    let mut rng = Rng::new(5);
    let n = 1500;
    let mut x = Array2::zeros((n, 3));
    let mut y = vec![0.0; n];
    for i in 0..n {
        let (a, b) = (rng.normal(), rng.normal());
        x[[i, 0]] = a;
        x[[i, 1]] = b;
        x[[i, 2]] = rng.normal();
        y[i] = if a > 0.5 {
            2.0
        } else if b > 0.0 {
            1.0
        } else {
            0.0
        };
    }
    let model = small_spec().fit(MatrixRef::Dense(x.view()), &y).unwrap();
    assert_eq!(model.task(), Task::MultiClass { n_classes: 3 });
    assert_eq!(model.ensemble().trees.len(), 90);
    let p = model.predict_proba(MatrixRef::Dense(x.view())).unwrap();
    for row in p.rows() {
        assert!((row.sum() - 1.0).abs() < 1e-12);
    }
    assert!(accuracy(&y, &model.predict(MatrixRef::Dense(x.view())).unwrap()).unwrap() > 0.95);
    let ModelStructure::Trees(e) = model.structure() else { panic!("structure") };
    assert_eq!(model.decision_function(MatrixRef::Dense(x.view())).unwrap(), reference_scores(e, &x));
}

#[test]
fn regression_fits_and_refits_through_spec() {
    let mut rng = Rng::new(6);
    let n = 1000;
    let mut x = Array2::zeros((n, 2));
    let mut y = vec![0.0; n];
    for i in 0..n {
        x[[i, 0]] = rng.normal();
        x[[i, 1]] = rng.normal();
        y[i] = (x[[i, 0]] * 2.0).sin() * 3.0 + x[[i, 1]] + 0.1 * rng.normal();
    }
    let spec = GbdtSpec { objective: GbdtObjective::Regression, n_trees: 60, ..small_spec() };
    let model = spec.fit(MatrixRef::Dense(x.view()), &y).unwrap();
    let err = rmse(&y, &model.predict(MatrixRef::Dense(x.view())).unwrap()).unwrap();
    assert!(err < 0.5, "train RMSE {err}");
    assert!(model.predict_proba(MatrixRef::Dense(x.view())).is_err());
    // Refit on one column through the generic spec.
    let sub = x.column(0).to_owned().insert_axis(ndarray::Axis(1));
    let refit = model.spec().fit(MatrixRef::Dense(sub.view()), &y).unwrap();
    assert_eq!(refit.n_features(), 1);
    assert_eq!(model.spec(), ModelSpec::Gbdt(spec));
}

#[test]
fn limits_are_respected() {
    let (x, y) = data(2000, 7);
    let spec = GbdtSpec { max_depth: Some(2), num_leaves: 31, min_data_in_leaf: 300, ..small_spec() };
    let model = spec.fit(MatrixRef::Dense(x.view()), &y).unwrap();
    for t in &model.ensemble().trees {
        assert!(t.leaf_value.len() <= 4, "depth 2 allows 4 leaves");
    }
    // min_data_in_leaf: every leaf of the first tree holds at least 300 training rows.
    let t = &model.ensemble().trees[0];
    let mut counts = vec![0; t.leaf_value.len()];
    for row in x.rows() {
        counts[t.leaf_index(row.as_slice().unwrap())] += 1;
    }
    assert!(counts.iter().all(|&c| c >= 300), "{counts:?}");
}

#[test]
fn degenerate_inputs() {
    let x = array![[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]];
    let spec = small_spec();
    let err = |y: &[f64]| spec.fit(MatrixRef::Dense(x.view()), y).unwrap_err().to_string();
    assert!(err(&[1.0, 1.0, 1.0]).contains("class 0 has no example"));
    assert!(err(&[0.0, 0.0, 0.0]).contains("one class"));
    assert!(err(&[0.0, 1.0]).contains("2 labels for 3 rows"));
    assert!(err(&[0.0, 1.0, f64::NAN]).contains("not a class"));
    let empty = Array2::<f64>::zeros((0, 2));
    assert!(spec.fit(MatrixRef::Dense(empty.view()), &[]).unwrap_err().to_string().contains("no training rows"));
    let reg = GbdtSpec { objective: GbdtObjective::Regression, ..small_spec() };
    assert!(reg.fit(MatrixRef::Dense(x.view()), &[1.0, f64::INFINITY, 0.0]).is_err());
    assert!(GbdtSpec { max_bin: 1, ..small_spec() }.fit(MatrixRef::Dense(x.view()), &[0.0, 1.0, 0.0]).is_err());
    assert!(GbdtSpec { learning_rate: 0.0, ..small_spec() }.fit(MatrixRef::Dense(x.view()), &[0.0, 1.0, 0.0]).is_err());
    // Constant columns: nothing to split, the model predicts the base rate.
    let c = Array2::from_elem((40, 2), 3.0);
    let y: Vec<f64> = (0..40).map(|i| (i % 4 == 0) as i32 as f64).collect();
    let m = spec.fit(MatrixRef::Dense(c.view()), &y).unwrap();
    assert!(m.ensemble().trees.is_empty());
    let p = m.predict_proba(MatrixRef::Dense(c.view())).unwrap();
    assert!((p[[0, 1]] - 0.25).abs() < 1e-12);
    // No feature at all: the base rate.
    let none = Array2::<f64>::zeros((40, 0));
    let m0 = spec.fit(MatrixRef::Dense(none.view()), &y).unwrap();
    assert!((m0.predict_proba(MatrixRef::Dense(none.view())).unwrap()[[3, 1]] - 0.25).abs() < 1e-12);
    assert!((m0.predict_proba(MatrixRef::Sparse(&CsrMatrix::zeros(2, 0))).unwrap()[[1, 1]] - 0.25).abs() < 1e-12);
    // Wrong column count at prediction.
    let wide = Array2::<f64>::zeros((1, 3));
    assert!(m.predict(MatrixRef::Dense(wide.view())).unwrap_err().to_string().contains("3 columns"));
    // All-NaN column is fine (one NaN bin, never split).
    let mut xn = c.clone();
    xn.column_mut(1).fill(f64::NAN);
    assert!(spec.fit(MatrixRef::Dense(xn.view()), &y).is_ok());
}
