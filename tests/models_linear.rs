//! Linear models on degenerate and unusual input: one class, missing classes, constant and
//! duplicated columns, empty input, NaN, wrong column counts, separable data; and the generic
//! spec / structure plumbing.

use ndarray::{Array2, array};
use willump_runtime::models::{
    LinearRegressionSpec, Link, LogisticRegressionSpec, Model, ModelSpec, ModelStructure, Penalty, Task,
};
use willump_runtime::rng::Rng;
use willump_runtime::value::{CsrMatrix, MatrixRef};

fn dense(x: &Array2<f64>) -> MatrixRef<'_> {
    MatrixRef::Dense(x.view())
}

#[test]
fn logistic_rejects_bad_labels_and_inputs() {
    let x = array![[1.0, 2.0], [2.0, 1.0], [0.0, 0.5]];
    let spec = LogisticRegressionSpec::default();
    let err = |x: &Array2<f64>, y: &[f64]| spec.fit(dense(x), y).unwrap_err().to_string();
    assert!(err(&x, &[1.0, 1.0, 1.0]).contains("class 0 has no example"));
    assert!(err(&x, &[0.0, 0.0, 0.0]).contains("only one class"));
    assert!(err(&x, &[0.0, 2.0, 2.0]).contains("class 1 has no example"));
    assert!(err(&x, &[0.0, 1.0, -1.0]).contains("not a class index"));
    assert!(err(&x, &[0.0, 1.0, 1.5]).contains("not a class index"));
    assert!(err(&x, &[0.0, 1.0]).contains("2 labels for 3 rows"));
    assert!(err(&Array2::zeros((0, 2)), &[]).contains("no training rows"));
    let mut xn = x.clone();
    xn[[1, 1]] = f64::NAN;
    assert!(err(&xn, &[0.0, 1.0, 0.0]).contains("non-finite"));
    for c in [0.0, -1.0, f64::NAN, f64::INFINITY] {
        let bad = LogisticRegressionSpec { c, ..LogisticRegressionSpec::default() };
        assert!(bad.fit(dense(&x), &[0.0, 1.0, 0.0]).unwrap_err().to_string().contains("`c`"));
    }
    // Penalty None ignores C.
    let none = LogisticRegressionSpec { penalty: Penalty::None, c: 0.0, ..LogisticRegressionSpec::default() };
    assert!(none.fit(dense(&x), &[0.0, 1.0, 1.0]).is_ok());
    let m = spec.fit(dense(&x), &[0.0, 1.0, 0.0]).unwrap();
    let wide = Array2::<f64>::zeros((1, 3));
    assert!(m.predict(dense(&wide)).unwrap_err().to_string().contains("3 columns"));
    assert!(m.predict_proba(dense(&xn)).unwrap_err().to_string().contains("non-finite"));
    // No feature at all: an intercept-only model (the log-odds of the base rate).
    let none = Array2::<f64>::zeros((4, 0));
    let m0 = spec.fit(dense(&none), &[0.0, 1.0, 1.0, 1.0]).unwrap();
    assert!((m0.predict_proba(dense(&none)).unwrap()[[0, 1]] - 0.75).abs() < 1e-6);
    // Empty prediction input is fine: zero rows out.
    assert_eq!(m.predict_proba(dense(&Array2::zeros((0, 2)))).unwrap().dim(), (0, 2));
}

#[test]
fn logistic_constant_columns_and_separable_data() {
    let mut rng = Rng::new(3);
    let n = 200;
    let mut x = Array2::zeros((n, 3));
    let mut y = vec![0.0; n];
    for i in 0..n {
        x[[i, 0]] = rng.normal();
        x[[i, 1]] = 4.0; // constant
        x[[i, 2]] = 0.0; // all zero
        y[i] = if x[[i, 0]] + 0.3 * rng.normal() > 0.0 { 1.0 } else { 0.0 };
    }
    let m = LogisticRegressionSpec::default().fit(dense(&x), &y).unwrap();
    let ModelStructure::Linear { weights, intercepts, link } = m.structure() else { panic!("structure") };
    assert_eq!(link, Link::Sigmoid);
    assert_eq!(weights[[0, 2]], 0.0, "an all-zero column gets no weight");
    assert!(weights[[0, 0]] > 1.0);
    // The constant column and the intercept share the bias; predictions are what matter.
    assert!(intercepts[0].is_finite() && weights[[0, 1]].is_finite());
    // Perfectly separable data with L2: finite weights, confident predictions.
    let xs = array![[-2.0], [-1.0], [1.0], [2.0]];
    let m = LogisticRegressionSpec { c: 100.0, ..Default::default() }.fit(dense(&xs), &[0.0, 0.0, 1.0, 1.0]).unwrap();
    let p = m.predict_proba(dense(&xs)).unwrap();
    assert!(p[[0, 0]] > 0.99 && p[[3, 1]] > 0.99);
    // Without a penalty the optimum is at infinity; the solver stops once the gradient (which
    // decays exponentially with the margin) is below `tol`, with large finite weights, as
    // scikit-learn's lbfgs does.
    let none = LogisticRegressionSpec { penalty: Penalty::None, ..Default::default() };
    let m = none.fit(dense(&xs), &[0.0, 0.0, 1.0, 1.0]).unwrap();
    let ModelStructure::Linear { weights, .. } = m.structure() else { panic!("structure") };
    assert!(weights[[0, 0]].is_finite() && weights[[0, 0]] > 5.0, "{weights:?}");
    assert_eq!(m.predict(dense(&xs)).unwrap(), vec![0.0, 0.0, 1.0, 1.0]);
}

#[test]
fn logistic_sparse_equals_dense_and_multiclass_sums_to_one() {
    let mut rng = Rng::new(4);
    let n = 150;
    let x = Array2::from_shape_fn((n, 5), |(_, j)| if rng.next_f64() < 0.5 { 0.0 } else { rng.normal() + j as f64 });
    let y: Vec<f64> =
        x.rows().into_iter().map(|r| ((r[1] + r[2] > 3.0) as usize + (r[4] > 4.0) as usize) as f64).collect();
    let s = CsrMatrix::from_dense(&x);
    for penalty in [Penalty::L2, Penalty::L1] {
        let spec = LogisticRegressionSpec { penalty, tol: 1e-9, ..Default::default() };
        let a = spec.fit(dense(&x), &y).unwrap();
        let b = spec.fit(MatrixRef::Sparse(&s), &y).unwrap();
        assert_eq!(a.task(), Task::MultiClass { n_classes: 3 });
        let (pa, pb) = (a.predict_proba(dense(&x)).unwrap(), b.predict_proba(MatrixRef::Sparse(&s)).unwrap());
        for (u, v) in pa.iter().zip(&pb) {
            assert!((u - v).abs() < 1e-6);
        }
        for row in pa.rows() {
            assert!((row.sum() - 1.0).abs() < 1e-12);
        }
        let ModelStructure::Linear { intercepts, .. } = a.structure() else { panic!("structure") };
        assert!(intercepts.iter().sum::<f64>().abs() < 1e-12, "intercepts are centered");
        // Predictions are the argmax of the probabilities.
        for (i, p) in a.predict(dense(&x)).unwrap().iter().enumerate() {
            let row = pa.row(i);
            assert!(row.iter().all(|&v| v <= row[*p as usize]));
        }
    }
}

#[test]
fn linear_regression_degenerate_cases() {
    let spec = LinearRegressionSpec::default();
    // A duplicated column: the minimum-norm solution splits the weight evenly.
    let x = array![[1.0, 1.0], [2.0, 2.0], [3.0, 3.0], [5.0, 5.0]];
    let y = [2.0, 4.0, 6.0, 10.0];
    let m = spec.fit(dense(&x), &y).unwrap();
    let ModelStructure::Linear { weights, intercepts, link } = m.structure() else { panic!("structure") };
    assert_eq!(link, Link::Identity);
    assert!((weights[[0, 0]] - 1.0).abs() < 1e-9 && (weights[[0, 1]] - 1.0).abs() < 1e-9, "{weights:?}");
    assert!(intercepts[0].abs() < 1e-9);
    // A constant column gets weight 0 (it is absorbed by the intercept).
    let x = array![[1.0, 7.0], [2.0, 7.0], [3.0, 7.0]];
    let m = spec.fit(dense(&x), &[1.0, 3.0, 5.0]).unwrap();
    let ModelStructure::Linear { weights, intercepts, .. } = m.structure() else { panic!("structure") };
    assert!((weights[[0, 0]] - 2.0).abs() < 1e-9 && weights[[0, 1]].abs() < 1e-9);
    assert!((intercepts[0] + 1.0).abs() < 1e-9);
    // One row: the intercept is the target.
    let m = spec.fit(dense(&array![[3.0]]), &[4.0]).unwrap();
    assert!((m.predict(dense(&array![[10.0]])).unwrap()[0] - 4.0).abs() < 1e-12);
    // Errors.
    assert!(spec.fit(dense(&x), &[1.0, f64::NAN, 2.0]).unwrap_err().to_string().contains("non-finite"));
    let bad_alpha = LinearRegressionSpec { alpha: -1.0, fit_intercept: true };
    assert!(bad_alpha.fit(dense(&x), &[1.0, 2.0, 3.0]).is_err());
    assert!(spec.fit(dense(&Array2::zeros((0, 2))), &[]).is_err());
    assert!(m.predict(dense(&x)).unwrap_err().to_string().contains("2 columns"));
    // Refit through the generic spec on a column subset.
    let x = array![[1.0, 0.0], [0.0, 1.0], [1.0, 1.0], [2.0, 1.0]];
    let m: Box<dyn Model> = Box::new(
        LinearRegressionSpec { alpha: 0.5, fit_intercept: false }.fit(dense(&x), &[1.0, 2.0, 3.0, 4.0]).unwrap(),
    );
    let sub = x.column(0).to_owned().insert_axis(ndarray::Axis(1));
    let refit = m.spec().fit(dense(&sub), &[1.0, 2.0, 3.0, 4.0]).unwrap();
    assert_eq!((refit.n_features(), refit.name()), (1, "linear_regression"));
    assert_eq!(m.spec(), ModelSpec::LinearRegression(LinearRegressionSpec { alpha: 0.5, fit_intercept: false }));
}

#[test]
fn ridge_large_sparse_uses_the_matrix_free_solver() {
    // 5000 features exceed the Gram-matrix path; the conjugate-gradient path must agree with a
    // dense solve on the same (well-conditioned) problem restricted to few informative columns.
    let mut rng = Rng::new(8);
    let (n, d) = (400, 5000);
    let mut b = willump_runtime::value::CsrBuilder::new(d);
    let mut y = vec![0.0; n];
    for yi in y.iter_mut() {
        for _ in 0..10 {
            let c = rng.below(d as u64) as u32;
            let v = rng.normal();
            b.push(c, v);
            if c < 10 {
                *yi += v * (c as f64 + 1.0);
            }
        }
        b.end_row();
    }
    let mut x = b.finish();
    x.sum_duplicates();
    let spec = LinearRegressionSpec { alpha: 1.0, fit_intercept: true };
    let m = spec.fit(MatrixRef::Sparse(&x), &y).unwrap();
    // Optimality: the gradient of ||y - Xw - b||^2 + alpha ||w||^2 vanishes.
    let ModelStructure::Linear { weights, intercepts, .. } = m.structure() else { panic!("structure") };
    let pred = m.predict(MatrixRef::Sparse(&x)).unwrap();
    let r: Vec<f64> = pred.iter().zip(&y).map(|(p, t)| p - t).collect();
    let mut grad = vec![0.0; d];
    for (i, ri) in r.iter().enumerate() {
        let (idx, val) = x.row(i);
        for (&j, &v) in idx.iter().zip(val) {
            grad[j as usize] += 2.0 * v * ri;
        }
    }
    let worst = grad.iter().zip(weights.row(0)).map(|(g, w)| (g + 2.0 * w).abs()).fold(0.0, f64::max);
    assert!(worst < 1e-6, "gradient {worst}");
    assert!(r.iter().sum::<f64>().abs() < 1e-6, "intercept {}", intercepts[0]);
}
