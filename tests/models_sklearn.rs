//! Linear models and metrics against scikit-learn 1.9.1 (fixtures from
//! tests/fixtures/sklearn_models.py): coefficients, intercepts and probabilities agree within
//! `1e-4 * max(1, |reference|)` for dense and sparse input, binary and multinomial.

use ndarray::{Array2, ArrayView2};
use serde_json::Value;
use willump_runtime::metrics;
use willump_runtime::models::{
    LinearRegressionSpec, LogisticRegressionSpec, Model, ModelSpec, ModelStructure, Penalty, Task,
};
use willump_runtime::value::{CsrMatrix, Matrix};

fn fixture() -> Value {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/sklearn_models.json"))
        .expect("fixture file");
    serde_json::from_str(&text).expect("fixture JSON")
}

fn vec_of(v: &Value) -> Vec<f64> {
    v.as_array().unwrap().iter().map(|x| x.as_f64().unwrap()).collect()
}

fn matrix_of(v: &Value) -> Array2<f64> {
    let rows: Vec<Vec<f64>> = v.as_array().unwrap().iter().map(vec_of).collect();
    let (n, d) = (rows.len(), rows.first().map_or(0, |r| r.len()));
    Array2::from_shape_vec((n, d), rows.concat()).unwrap()
}

fn input(dense: Array2<f64>, sparse: bool) -> Matrix {
    if sparse { Matrix::Sparse(CsrMatrix::from_dense(&dense)) } else { Matrix::Dense(dense) }
}

#[track_caller]
fn assert_close(what: &str, got: ArrayView2<'_, f64>, want: &Array2<f64>) {
    assert_eq!(got.dim(), want.dim(), "{what}: shape");
    for (g, w) in got.iter().zip(want) {
        assert!((g - w).abs() <= 1e-4 * w.abs().max(1.0), "{what}: got {g}, sklearn {w}\n{got:?}\n{want:?}");
    }
}

#[test]
fn logistic_regression_matches_sklearn() {
    let fx = fixture();
    for case in fx["logistic"].as_array().unwrap() {
        let name = case["name"].as_str().unwrap();
        let sparse = case["sparse"].as_bool().unwrap();
        let penalty = match case["penalty"].as_str().unwrap() {
            "l1" => Penalty::L1,
            "l2" => Penalty::L2,
            _ => Penalty::None,
        };
        let spec = LogisticRegressionSpec {
            penalty,
            c: case["c"].as_f64().unwrap(),
            fit_intercept: case["fit_intercept"].as_bool().unwrap(),
            tol: 1e-10,
            max_iter: 10_000,
        };
        let x = input(matrix_of(&case["x"]), sparse);
        let y = vec_of(&case["y"]);
        let model = spec.fit(x.view(), &y).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert!(model.converged(), "{name}: not converged after {} iterations", model.n_iter());
        let k = case["n_classes"].as_u64().unwrap() as usize;
        assert_eq!(model.task(), if k == 2 { Task::Binary } else { Task::MultiClass { n_classes: k } });
        let ModelStructure::Linear { weights, intercepts, .. } = model.structure() else { panic!("{name}: structure") };
        assert_close(&format!("{name} coef"), weights, &matrix_of(&case["coef"]));
        let want_b = Array2::from_shape_vec((1, intercepts.len()), vec_of(&case["intercept"])).unwrap();
        let got_b = ArrayView2::from_shape((1, intercepts.len()), intercepts).unwrap();
        assert_close(&format!("{name} intercept"), got_b, &want_b);
        let xt = input(matrix_of(&case["x_test"]), sparse);
        let proba = model.predict_proba(xt.view()).unwrap();
        assert_close(&format!("{name} proba"), proba.view(), &matrix_of(&case["proba_test"]));
        for row in proba.rows() {
            assert!((row.sum() - 1.0).abs() < 1e-12, "{name}: probabilities sum to {}", row.sum());
        }
        // Predictions agree except where sklearn's probabilities are (nearly) tied.
        let pred = model.predict(xt.view()).unwrap();
        let want_proba = matrix_of(&case["proba_test"]);
        for (i, (p, w)) in pred.iter().zip(vec_of(&case["predict_test"])).enumerate() {
            let mut sorted: Vec<f64> = want_proba.row(i).to_vec();
            sorted.sort_by(|a, b| b.total_cmp(a));
            assert!(*p == w || sorted[0] - sorted[1] < 1e-6, "{name}: row {i} predicted {p}, sklearn {w}");
        }
        // The same spec refits through the generic entry point.
        let refit = ModelSpec::LogisticRegression(spec.clone()).fit(x.view(), &y).unwrap();
        assert_eq!(refit.decision_function(xt.view()).unwrap(), model.decision_function(xt.view()).unwrap());
        assert_eq!(model.spec(), ModelSpec::LogisticRegression(spec));
    }
}

#[test]
fn linear_regression_matches_sklearn() {
    let fx = fixture();
    for case in fx["linear"].as_array().unwrap() {
        let name = case["name"].as_str().unwrap();
        let sparse = case["sparse"].as_bool().unwrap();
        let spec = LinearRegressionSpec {
            alpha: case["alpha"].as_f64().unwrap(),
            fit_intercept: case["fit_intercept"].as_bool().unwrap(),
        };
        let x = input(matrix_of(&case["x"]), sparse);
        let model = spec.fit(x.view(), &vec_of(&case["y"])).unwrap_or_else(|e| panic!("{name}: {e}"));
        let ModelStructure::Linear { weights, intercepts, .. } = model.structure() else { panic!("{name}: structure") };
        let coef = vec_of(&case["coef"]);
        assert_close(&format!("{name} coef"), weights, &Array2::from_shape_vec((1, coef.len()), coef).unwrap());
        let b = case["intercept"].as_f64().unwrap();
        assert!((intercepts[0] - b).abs() <= 1e-4 * b.abs().max(1.0), "{name}: intercept {} vs {b}", intercepts[0]);
        let xt = input(matrix_of(&case["x_test"]), sparse);
        let pred = model.predict(xt.view()).unwrap();
        let want = vec_of(&case["predict_test"]);
        let got = Array2::from_shape_vec((1, pred.len()), pred).unwrap();
        assert_close(&format!("{name} predict"), got.view(), &Array2::from_shape_vec((1, want.len()), want).unwrap());
        assert!(model.predict_proba(xt.view()).is_err(), "{name}: predict_proba on regression");
    }
}

#[test]
fn metrics_match_sklearn() {
    let fx = fixture();
    let m = &fx["metrics"];
    let close = |what: &str, got: f64, key: &str| {
        let want = m[key].as_f64().unwrap();
        assert!((got - want).abs() <= 1e-12 * want.abs().max(1.0), "{what}: {got} vs sklearn {want}");
    };
    let (y, scores, p, pred) = (vec_of(&m["y"]), vec_of(&m["scores"]), vec_of(&m["p"]), vec_of(&m["pred"]));
    close("roc_auc", metrics::roc_auc(&y, &scores).unwrap(), "roc_auc");
    close("log_loss", metrics::log_loss_binary(&y, &p).unwrap(), "log_loss");
    close("f1", metrics::f1(&y, &pred).unwrap(), "f1");
    close("accuracy", metrics::accuracy(&y, &pred).unwrap(), "accuracy");
    let (y3, p3) = (vec_of(&m["y3"]), matrix_of(&m["p3"]));
    close("log_loss3", metrics::log_loss(&y3, p3.view()).unwrap(), "log_loss3");
    close("accuracy3", metrics::accuracy(&y3, &vec_of(&m["pred3"])).unwrap(), "accuracy3");
    close("rmse", metrics::rmse(&vec_of(&m["yr"]), &vec_of(&m["yr_pred"])).unwrap(), "rmse");
}
