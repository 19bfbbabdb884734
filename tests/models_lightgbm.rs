//! LightGBM text-model import against LightGBM 4.7's own predictions (fixtures from
//! tests/fixtures/lightgbm_models.py): raw scores and probabilities within 1e-12, and malformed,
//! truncated or unsupported files rejected with an error, never a panic.

use ndarray::Array2;
use serde_json::Value;
use willump_runtime::models::{Decision, Link, MissingType, Model, ModelStructure, Task, load_lightgbm};
use willump_runtime::rng::Rng;
use willump_runtime::value::MatrixRef;

const DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/lightgbm");

fn model_text(name: &str) -> String {
    std::fs::read_to_string(format!("{DIR}/{name}.txt")).expect("fixture model")
}

fn number(v: &Value) -> f64 {
    match v {
        Value::Null => f64::NAN,
        Value::String(s) => s.parse().expect("inf"),
        v => v.as_f64().expect("number"),
    }
}

#[test]
fn predictions_match_lightgbm() {
    let text = std::fs::read_to_string(format!("{DIR}/predictions.json")).unwrap();
    let fx: Value = serde_json::from_str(&text).unwrap();
    let mut seen = Vec::new();
    for case in fx["cases"].as_array().unwrap() {
        let name = case["name"].as_str().unwrap();
        seen.push(name.to_string());
        let model = load_lightgbm(&model_text(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
        let rows: Vec<Vec<f64>> =
            case["x"].as_array().unwrap().iter().map(|r| r.as_array().unwrap().iter().map(number).collect()).collect();
        let x = Array2::from_shape_vec((rows.len(), rows[0].len()), rows.concat()).unwrap();
        let raw = model.decision_function(MatrixRef::Dense(x.view())).unwrap();
        let scale = if name == "binary_sigmoid" { 0.7 } else { 1.0 };
        let want_raw: Vec<Vec<f64>> = match &case["raw"] {
            Value::Array(a) if a[0].is_array() => {
                a.iter().map(|r| r.as_array().unwrap().iter().map(number).collect()).collect()
            }
            Value::Array(a) => a.iter().map(|v| vec![number(v)]).collect(),
            _ => panic!("raw"),
        };
        let mut max_diff = 0.0f64;
        for (i, w) in want_raw.iter().enumerate() {
            for (o, &wv) in w.iter().enumerate() {
                max_diff = max_diff.max((raw[[i, o]] - scale * wv).abs());
            }
        }
        assert!(max_diff <= 1e-12, "{name}: raw scores differ by {max_diff}");
        let pred = &case["pred"];
        let mut max_diff = 0.0f64;
        match model.task() {
            Task::Regression => {
                let p = model.predict(MatrixRef::Dense(x.view())).unwrap();
                for (a, b) in p.iter().zip(pred.as_array().unwrap()) {
                    max_diff = max_diff.max((a - number(b)).abs());
                }
            }
            Task::Binary => {
                let p = model.predict_proba(MatrixRef::Dense(x.view())).unwrap();
                for (i, b) in pred.as_array().unwrap().iter().enumerate() {
                    max_diff = max_diff.max((p[[i, 1]] - number(b)).abs());
                }
            }
            Task::MultiClass { n_classes } => {
                let p = model.predict_proba(MatrixRef::Dense(x.view())).unwrap();
                for (i, row) in pred.as_array().unwrap().iter().enumerate() {
                    for c in 0..n_classes {
                        max_diff = max_diff.max((p[[i, c]] - number(&row[c])).abs());
                    }
                    assert!((p.row(i).sum() - 1.0).abs() < 1e-12);
                }
            }
        }
        assert!(max_diff <= 1e-12, "{name}: predictions differ by {max_diff}");
        // The reference evaluator agrees with the fast path bit for bit.
        let ModelStructure::Trees(e) = model.structure() else { panic!("{name}: structure") };
        for (i, row) in x.rows().into_iter().enumerate() {
            let mut s = e.base_score.clone();
            e.add_scores(row.as_slice().unwrap(), &mut s);
            for (o, v) in s.iter().enumerate() {
                assert_eq!(v.to_bits(), raw[[i, o]].to_bits(), "{name}: row {i}");
            }
        }
    }
    assert_eq!(seen.len(), 8, "{seen:?}");
}

#[test]
fn structure_reflects_the_file() {
    let m = load_lightgbm(&model_text("categorical")).unwrap();
    let e = m.ensemble();
    assert_eq!((e.n_features, e.task, e.link, e.trees.len()), (3, Task::Binary, Link::Sigmoid, 15));
    assert!(e.trees[0].decision.iter().any(|d| matches!(d, Decision::Categorical { .. })));
    let z = load_lightgbm(&model_text("regression_zero_missing")).unwrap();
    assert!(
        z.ensemble()
            .trees
            .iter()
            .flat_map(|t| &t.decision)
            .any(|d| matches!(d, Decision::Numerical { missing: MissingType::Zero, .. }))
    );
    let mc = load_lightgbm(&model_text("multiclass")).unwrap();
    assert_eq!((mc.ensemble().trees.len(), mc.ensemble().link), (30, Link::Softmax));
    // Importances count the splits in the file; the spec carries LightGBM's parameters.
    assert_eq!(m.feature_importance().split.iter().sum::<u64>(), 15 * 7);
    let willump_runtime::models::ModelSpec::Gbdt(spec) = m.spec() else { panic!("spec") };
    assert_eq!((spec.num_leaves, spec.learning_rate, spec.min_data_in_leaf, spec.n_trees), (8, 0.2, 5, 15));
    let single = load_lightgbm(&model_text("single_leaf")).unwrap();
    assert_eq!(single.ensemble().trees[0].n_internal(), 0);
}

#[test]
fn unsupported_and_malformed_files_are_rejected() {
    let base = model_text("binary");
    let reject = |text: &str, needle: &str| {
        let e = load_lightgbm(text).expect_err(needle).to_string();
        assert!(e.contains(needle), "expected `{needle}` in `{e}`");
    };
    reject("", "not a LightGBM text model");
    reject("hello\n", "not a LightGBM text model");
    reject(&base.replace("objective=binary sigmoid:1", "objective=poisson"), "poisson");
    reject(&base.replace("objective=binary sigmoid:1", "objective=regression sqrt"), "sqrt");
    reject(&base.replace("objective=binary sigmoid:1", "objective=binary sigmoid:-1"), "sigmoid");
    reject(&base.replacen("is_linear=0", "is_linear=1", 1), "linear trees");
    reject(&base.replacen("version=v4", "version=v4\naverage_output", 1), "average_output");
    reject(&base.replacen("version=v4", "version=v9", 1), "version");
    reject(&base.replace("end of trees", "the end"), "expected `Tree=");
    reject(&base[..base.find("end of trees").unwrap()], "truncated");
    reject(&base.replacen("num_tree_per_iteration=1", "num_tree_per_iteration=3", 1), "num_tree_per_iteration");
    reject(&base.replacen("max_feature_idx=4", "max_feature_idx=1", 1), "feature");
    // Decision type with missing type 3, a child cycle, a short array, a bad number.
    let tree0 = base.find("Tree=0").unwrap();
    let dt = base[tree0..].find("decision_type=").unwrap() + tree0 + "decision_type=".len();
    let token = base[dt..].find([' ', '\n']).unwrap();
    let mut t = base.clone();
    t.replace_range(dt..dt + token, "12");
    reject(&t, "missing type 3");
    let lc = base[tree0..].find("left_child=").unwrap() + tree0 + "left_child=".len();
    let mut t = base.clone();
    t.replace_range(lc..lc + 1, "0");
    reject(&t, "tree 0");
    let lv = base[tree0..].find("leaf_value=").unwrap() + tree0 + "leaf_value=".len();
    let mut t = base.clone();
    t.replace_range(lv..lv, "abc ");
    reject(&t, "leaf_value");
}

#[test]
fn truncations_and_random_edits_never_panic() {
    for name in ["binary", "categorical", "multiclass", "regression_zero_missing"] {
        let text = model_text(name);
        let end = text.find("end of trees").unwrap();
        // Every truncation before the end of the trees is an error.
        for cut in (0..end).step_by(37) {
            assert!(load_lightgbm(&text[..cut]).is_err(), "{name}: truncated at {cut} accepted");
        }
        // Random byte edits: an error or a valid model, never a panic.
        let mut rng = Rng::new(11);
        let bytes = text.as_bytes();
        let alphabet = b"0123456789-.=e \nTNa";
        for _ in 0..400 {
            let mut b = bytes.to_vec();
            for _ in 0..1 + rng.below(3) {
                let at = rng.below(end as u64) as usize;
                b[at] = alphabet[rng.below(alphabet.len() as u64) as usize];
            }
            if let Ok(s) = std::str::from_utf8(&b)
                && let Ok(m) = load_lightgbm(s)
            {
                let x = Array2::from_elem((2, m.n_features()), 0.5);
                assert!(m.decision_function(MatrixRef::Dense(x.view())).is_ok());
            }
        }
    }
}
