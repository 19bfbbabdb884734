//! Cascades served in the split form (linear full model): the small part also scores the full
//! model's weights of the selected groups, and the unsure rows compute only the remaining groups.
//! The answers equal the interpreter's cascade (the reference: the full model on the whole
//! input) up to the floating-point order of the split sum; the tolerance is 1e-12 relative on
//! decisions and probabilities, and predicted classes are equal (no test row sits within
//! rounding of a tie).

mod cascades_support;

use std::sync::atomic::Ordering;

use cascades_support::*;
use ndarray::Array2;
use willump::jit::JitExecutor;
use willump::ops::{TfidfVectorizer, clip, hstack, lowercase};
use willump::prelude::*;
use willump::runtime::artifact::{load_cascade, save_cascade};
use willump::runtime::models::{Gbdt, GbdtSpec, LogisticRegression, LogisticRegressionSpec};
use willump::runtime::optimize::{
    CascadeConfig, CascadePipeline, CascadePlan, Executor, FixedCosts, Interpreter, ProgressBar, ServedForm,
    run_on_rows, train_cascades,
};

/// Relative tolerance of the split sum against the full model's own sum.
const TOL: f64 = 1e-12;

fn config() -> CascadeConfig {
    CascadeConfig { seed: 5, progress: ProgressBar::Never, ..CascadeConfig::default() }
}

#[willump]
#[allow(dead_code)] // traced into `three_groups_predict_graph`; the eager form is not called
fn three_groups_predict(
    #[row] a: &F64Column,
    #[row] b: &F64Column,
    #[row] c: &F64Column,
    model: &LogisticRegression,
) -> willump::Result<Vec<f64>> {
    let fa = clip(a, -10.0, 10.0)?;
    let fb = clip(b, -10.0, 10.0)?;
    let fc = clip(c, -10.0, 10.0)?;
    let x = hstack(&[&fa, &fb, &fc])?;
    model.predict(x.view())
}

#[willump]
#[allow(dead_code)] // traced only
fn three_groups_decision(
    #[row] a: &F64Column,
    #[row] b: &F64Column,
    #[row] c: &F64Column,
    model: &LogisticRegression,
) -> willump::Result<Array2<f64>> {
    let fa = clip(a, -10.0, 10.0)?;
    let fb = clip(b, -10.0, 10.0)?;
    let fc = clip(c, -10.0, 10.0)?;
    let x = hstack(&[&fa, &fb, &fc])?;
    model.decision_function(x.view())
}

#[willump]
#[allow(dead_code)] // traced only
fn three_groups_gbdt(
    #[row] a: &F64Column,
    #[row] b: &F64Column,
    #[row] c: &F64Column,
    model: &Gbdt,
) -> willump::Result<Array2<f64>> {
    let fa = clip(a, -10.0, 10.0)?;
    let fb = clip(b, -10.0, 10.0)?;
    let fc = clip(c, -10.0, 10.0)?;
    let x = hstack(&[&fa, &fb, &fc])?;
    model.predict_proba(x.view())
}

#[willump]
#[allow(dead_code)] // traced only
fn two_vectorizers(
    #[row] texts: &StringColumn,
    word: &TfidfVectorizer,
    chars: &TfidfVectorizer,
    model: &LogisticRegression,
) -> willump::Result<Array2<f64>> {
    let lower = lowercase(texts)?;
    let w = word.transform(&lower)?;
    let ch = chars.transform(&lower)?;
    let x = hstack(&[&w, &ch])?;
    model.predict_proba(x.view())
}

/// The values of an answer as a flat list (probabilities, decisions or classes).
fn flat(v: &Value) -> Vec<f64> {
    match v {
        Value::Dense(a) => a.iter().copied().collect(),
        Value::Column(Column::F64(c)) => c.iter().map(|x| x.unwrap_or(f64::NAN)).collect(),
        other => panic!("unexpected answer {other:?}"),
    }
}

fn assert_close(got: &Value, want: &Value, what: &str) {
    let (g, w) = (flat(got), flat(want));
    assert_eq!(g.len(), w.len(), "{what}: lengths");
    for (i, (a, b)) in g.iter().zip(&w).enumerate() {
        assert!((a - b).abs() <= TOL * (1.0 + b.abs()), "{what}: value {i}: {a} vs {b}");
    }
}

/// The cascade served on `executor` in the split form answers as the interpreter's cascade graph
/// (and as the recompute form), with the same early rows, on `inputs` and on its first row
/// alone, and on no rows.
fn check_served(cascade: &CascadePipeline, executor: &dyn Executor, inputs: &[Value], what: &str) -> usize {
    let served = cascade.serve(executor).unwrap();
    assert_eq!(served.form(), ServedForm::Remaining, "{what}");
    let want = cascade.predict(inputs).unwrap();
    let got = served.predict(inputs).unwrap();
    assert_eq!(got.early, want.early, "{what}: early rows");
    assert_close(&got.value, &want.value, what);
    let recompute = cascade.serve_recompute(executor).unwrap();
    assert_eq!(recompute.form(), ServedForm::Recompute);
    assert_close(&recompute.predict(inputs).unwrap().value, &want.value, what);
    // one row, and an empty batch
    let one: Vec<Value> = inputs.iter().map(|v| v.take_rows(&[0]).unwrap()).collect();
    assert_close(&served.run(&one).unwrap(), &cascade.run(&one).unwrap(), what);
    let none: Vec<Value> = inputs.iter().map(|v| v.take_rows(&[]).unwrap()).collect();
    let empty = served.predict(&none).unwrap();
    assert!(empty.early.is_empty() && flat(&empty.value).is_empty(), "{what}: empty batch");
    got.early.iter().filter(|e| !**e).count()
}

/// The same cascade at another threshold.
fn at_threshold(c: &CascadePipeline, threshold: f64) -> CascadePipeline {
    let plan = CascadePlan { threshold, ..c.plan().clone() };
    CascadePipeline::assemble(c.full_pipeline().clone(), c.small_model().unwrap().clone(), plan).unwrap()
}

fn trained(p: &Pipeline, train: &Batch) -> CascadePipeline {
    let out = train_cascades(p, &train.inputs(), &train.y, &FixedCosts(vec![1.0, 1.0, 2.5]), &config()).unwrap();
    out.cascade.unwrap_or_else(|| panic!("{}", out.report))
}

#[test]
fn binary_proba_predict_and_decision_match_the_interpreter() {
    // gaussian rows: the unsure rows have decisions of every size
    let train = gaussian(3000, 1);
    let test = gaussian(1000, 2);
    let model = fitted_model(&train);
    let jit = JitExecutor::default();
    let pipelines = [
        ("proba", three_groups_graph(&model).unwrap()),
        ("predict", three_groups_predict_graph(&model).unwrap()),
        ("decision", three_groups_decision_graph(&model).unwrap()),
    ];
    for (what, p) in &pipelines {
        let cascade = trained(p, &binary(2000, 1));
        for executor in [&jit as &dyn Executor, &Interpreter] {
            let unsure = check_served(&cascade, executor, &test.inputs(), what);
            assert!(unsure > 0 && unsure < 1000, "{what}: {unsure} unsure rows");
            // every row sure (threshold 0), nearly every row unsure (threshold 1)
            let sure = at_threshold(&cascade, 0.0);
            assert_eq!(check_served(&sure, executor, &test.inputs(), what), 0);
            let unsure_all = at_threshold(&cascade, 1.0);
            assert!(check_served(&unsure_all, executor, &test.inputs(), what) > 990, "{what}");
        }
    }
}

#[test]
fn multiclass_matches_the_interpreter() {
    let train = multiclass(3000, 3);
    let x = features(&train);
    let model = LogisticRegressionSpec::default().fit(MatrixRef::Dense(x.view()), &train.y).unwrap();
    let test = multiclass(1000, 4);
    for (what, p) in [
        ("proba", three_groups_graph(&model).unwrap()),
        ("predict", three_groups_predict_graph(&model).unwrap()),
        ("decision", three_groups_decision_graph(&model).unwrap()),
    ] {
        let cascade = trained(&p, &train);
        let unsure = check_served(&cascade, &JitExecutor::default(), &test.inputs(), what);
        assert!(unsure > 100 && unsure < 400, "{what}: {unsure}");
        let all = at_threshold(&cascade, 1.0);
        assert!(check_served(&all, &JitExecutor::default(), &test.inputs(), what) > 990);
    }
}

#[test]
fn text_pipeline_with_two_vectorizers() {
    let pos = ["great fun movie", "loved it 😀", "wonderful acting", "ΣΥΓΧΑΡΗΤΗΡΙΑ great", "fun fun fun"];
    let neg = ["terrible plot", "boring and bad", "awful 👎", "hated it", "bad bad acting"];
    let (mut docs, mut y) = (Vec::new(), Vec::new());
    for i in 0..400 {
        docs.push(format!("{} {} {}", pos[i % 5], neg[i % 3].split(' ').next().unwrap(), i % 7));
        y.push(1.0);
        docs.push(format!("{} {} {}", neg[i % 5], pos[i % 4].split(' ').next().unwrap(), i % 3));
        y.push(0.0);
    }
    docs.push(String::new());
    y.push(0.0);
    let docs = StringColumn::from(docs);
    let (word, chars, model) = fit_text_models(&docs, &y);
    let p = two_vectorizers_graph(&word, &chars, &model).unwrap();
    let inputs = [Value::from(docs)];
    let out = train_cascades(&p, &inputs, &y, &FixedCosts(vec![1.0, 4.0]), &config()).unwrap();
    let cascade = out.cascade.unwrap_or_else(|| panic!("{}", out.report));
    for c in [at_threshold(&cascade, 0.9), at_threshold(&cascade, 1.0)] {
        check_served(&c, &JitExecutor::default(), &inputs, "text");
    }
    // The artifact needs nothing new: the split states are derived from the loaded full model.
    let back = load_cascade(&save_cascade(&cascade).unwrap(), Some(&p)).unwrap();
    let (a, b) = (back.serve(&JitExecutor::default()).unwrap(), cascade.serve(&JitExecutor::default()).unwrap());
    assert_eq!(a.form(), ServedForm::Remaining);
    assert_eq!(flat(&a.run(&inputs).unwrap()), flat(&b.run(&inputs).unwrap()));
    // a served cascade gathers the unsure rows' inputs and runs them as one batch: the same values
    // as running the part over row indices; an index past the batch is an error naming the input
    let rows = [0, 3, 4, 800];
    for ex in [&JitExecutor::default() as &dyn Executor, &Interpreter] {
        let part = ex.prepare(&p, &[p.graph().output().unwrap()]).unwrap();
        let want = part.run(&inputs, Some(&rows)).unwrap();
        assert_eq!(flat(&run_on_rows(part.as_ref(), &inputs, &rows).unwrap()[0]), flat(&want[0]));
        let e = run_on_rows(part.as_ref(), &inputs, &[0, 9999]).unwrap_err().to_string();
        assert!(e.contains("input 0") && e.contains("9999"), "{e}");
    }
}

#[test]
fn an_opaque_remaining_group_runs_only_on_unsure_rows() {
    let train = binary(2000, 7);
    let model = fitted_model(&train);
    let p = with_opaque_group_graph(&model).unwrap();
    let cascade = trained(&p, &train);
    assert_eq!(cascade.plan().selected, vec![0, 1]);
    let served = cascade.serve(&JitExecutor::default()).unwrap();
    assert_eq!(served.form(), ServedForm::Remaining);
    let test = binary(1000, 8);
    let before = OPAQUE_ROWS.load(Ordering::SeqCst);
    let pred = served.predict(&test.inputs()).unwrap();
    let called = OPAQUE_ROWS.load(Ordering::SeqCst) - before;
    let unsure = pred.early.iter().filter(|e| !**e).count();
    assert_eq!(called, unsure, "the opaque group ran on the unsure rows only");
    assert!(unsure > 0 && unsure < 300);
    assert_eq!(classes(&pred.value), test.y);
    assert_close(&pred.value, &cascade.run(&test.inputs()).unwrap(), "opaque");
}

#[test]
fn a_tree_full_model_is_served_by_recomputing() {
    let train = binary(2000, 9);
    let x = features(&train);
    let spec = GbdtSpec { n_trees: 20, ..GbdtSpec::default() };
    let model = spec.fit(MatrixRef::Dense(x.view()), &train.y).unwrap();
    let p = three_groups_gbdt_graph(&model).unwrap();
    let cascade = trained(&p, &train);
    let served = cascade.serve(&JitExecutor::default()).unwrap();
    assert_eq!(served.form(), ServedForm::Recompute);
    let test = binary(500, 10);
    assert_close(&served.run(&test.inputs()).unwrap(), &cascade.run(&test.inputs()).unwrap(), "gbdt");
}
