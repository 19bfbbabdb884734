//! Cascade training end to end on synthetic workloads in Willump's style (see
//! `cascades_support`): the choice, the IR, the answers, the counters, multi-class, an opaque
//! group, the guarded mode, and the cascade equal to the small and full models run by hand.

mod cascades_support;

use std::sync::atomic::Ordering;

use cascades_support::*;
use willump::prelude::*;
use willump::runtime::models::{LogisticRegressionSpec, Model, ModelSpec};
use willump::runtime::optimize::{
    CascadeConfig, FixedCosts, Interpreter, ProgressBar, Score, Target, predictions, train_cascades,
};

fn config() -> CascadeConfig {
    CascadeConfig { seed: 11, progress: ProgressBar::Never, ..CascadeConfig::default() }
}

#[test]
fn picks_the_two_cheap_groups_at_the_lowest_threshold() {
    let train = binary(2000, 1);
    let model = fitted_model(&train);
    let p = three_groups_graph(&model).unwrap();
    let out = train_cascades(&p, &train.inputs(), &train.y, &FixedCosts(vec![1.0, 1.0, 2.5]), &config()).unwrap();
    let report = &out.report;
    println!("{report}");
    let choice = report.choice().expect("a cascade");
    assert_eq!(choice.selected, vec![0, 1], "{report}");
    assert_eq!(choice.threshold, 0.6);
    assert_eq!(report.groups.iter().map(|g| g.scaled_cost).collect::<Vec<_>>(), vec![222, 222, 556]);
    assert_eq!(report.groups.iter().map(|g| g.selected).collect::<Vec<_>>(), vec![true, true, false]);
    assert!((choice.early_fraction - 0.8).abs() < 0.06, "{}", choice.early_fraction);
    // Budgets 10% and 20% fit no group; 30% and 40% one cheap group; 50% and 60% both.
    let budgets: Vec<f64> = report.candidates.iter().map(|c| c.budget).collect();
    assert!(!budgets.contains(&0.1) && !budgets.contains(&0.2), "{budgets:?}");
    let cascade = out.cascade.expect("served");
    let ir = cascade.ir_text();
    for line in ["unsure_rows[threshold=0.6]", "take_rows(", "merge_rows(", "model.small"] {
        assert!(ir.contains(line), "missing {line} in\n{ir}");
    }
    assert!(report.ir_after.as_deref() == Some(ir.as_str()));

    // Fresh rows: every prediction equals the label; the hard rows went to the full model.
    let test = binary(1000, 2);
    let pred = cascade.predict(&test.inputs()).unwrap();
    assert_eq!(classes(&pred.value), test.y);
    for (e, h) in pred.early.iter().zip(&test.hard) {
        assert_eq!(*e, !*h, "easy rows answer early, hard ones do not");
    }
    let counts = cascade.stats().counts();
    assert_eq!(counts.early + counts.full, 1000);
    assert_eq!(counts.full as usize, test.hard.iter().filter(|h| **h).count());

    // The served form (staged on an executor) answers the same, and shares the counters.
    let served = cascade.serve(&Interpreter).unwrap();
    let again = served.predict(&test.inputs()).unwrap();
    assert_eq!(classes(&again.value), test.y);
    assert_eq!(again.early, pred.early);
    assert_eq!(cascade.stats().counts().early + cascade.stats().counts().full, 2000);

    // An empty batch answers nothing, on both paths.
    let empty: Vec<Value> = test.inputs().iter().map(|v| v.take_rows(&[]).unwrap()).collect();
    assert_eq!(cascade.predict(&empty).unwrap().value.n_rows(), Some(0));
    assert_eq!(served.predict(&empty).unwrap().early.len(), 0);
    // A one-row easy query stops after the small model; a hard one goes on.
    let easy = test.hard.iter().position(|h| !h).unwrap();
    let hard = test.hard.iter().position(|h| *h).unwrap();
    for (row, early) in [(easy, true), (hard, false)] {
        let one: Vec<Value> = test.inputs().iter().map(|v| v.take_rows(&[row]).unwrap()).collect();
        let r = cascade.predict(&one).unwrap();
        assert_eq!(r.early, vec![early]);
        assert_eq!(classes(&r.value), vec![test.y[row]]);
    }
}

#[test]
fn cascade_equals_the_small_and_full_models_by_hand() {
    let train = binary(1500, 3);
    let model = fitted_model(&train);
    let p = three_groups_graph(&model).unwrap();
    let out = train_cascades(&p, &train.inputs(), &train.y, &FixedCosts(vec![1.0, 1.0, 2.5]), &config()).unwrap();
    let cascade = out.cascade.unwrap();
    let test = binary(700, 4);
    let x = features(&test);
    let small = cascade.small_model().unwrap();
    let plan = cascade.plan();
    let cols: Vec<usize> =
        plan.selected.iter().flat_map(|&g| plan.groups[g].columns.iter().flat_map(|r| r.clone())).collect();
    let xs = x.select(ndarray::Axis(1), &cols);
    let ps = small.predict_proba(MatrixRef::Dense(xs.view())).unwrap();
    let full = cascade.full_model().unwrap();
    let pf = full.predict_proba(MatrixRef::Dense(x.view())).unwrap();
    let mut expected = pf.clone();
    for i in 0..x.nrows() {
        let conf = ps.row(i).iter().copied().fold(f64::MIN, f64::max);
        if conf >= plan.threshold {
            expected.row_mut(i).assign(&ps.row(i));
        }
    }
    let Value::Dense(got) = cascade.run(&test.inputs()).unwrap() else { panic!() };
    assert_eq!(got, expected, "bit-identical to the two models run by hand");
    let Value::Dense(served) = cascade.serve(&Interpreter).unwrap().run(&test.inputs()).unwrap() else { panic!() };
    // Served, a linear full model is split: the small part scores one stacked linear state
    // (another rounding of the same sums), so equal to 1e-12 relative, as in cascades_split.rs.
    for (s, e) in served.iter().zip(expected.iter()) {
        assert!((s - e).abs() <= 1e-12 * e.abs().max(1e-300), "served {s} vs {e}");
    }
}

#[test]
fn multiclass_cascade() {
    let train = multiclass(2400, 5);
    let model = fitted_model(&train);
    let p = three_groups_graph(&model).unwrap();
    let out = train_cascades(&p, &train.inputs(), &train.y, &FixedCosts(vec![1.0, 1.0, 2.5]), &config()).unwrap();
    println!("{}", out.report);
    let choice = out.report.choice().expect("a multi-class cascade");
    assert!(choice.threshold > 0.5, "hard rows sit at 0.5 / 0.5 / 0: {}", choice.threshold);
    assert!(out.report.full_auc.is_none());
    let cascade = out.cascade.unwrap();
    let test = multiclass(900, 6);
    let pred = cascade.predict(&test.inputs()).unwrap();
    let Value::Dense(proba) = &pred.value else { panic!() };
    assert_eq!(proba.ncols(), 3);
    assert_eq!(predictions(proba.view()), test.y);
    let early = pred.early.iter().filter(|e| **e).count() as f64 / 900.0;
    assert!(early > 0.5, "{early}");
}

#[test]
fn opaque_group_runs_only_on_unsure_rows() {
    let train = binary(2000, 7);
    let model = fitted_model(&train);
    let p = with_opaque_group_graph(&model).unwrap();
    assert!(p.ir_text().contains("opaque("), "{}", p.ir_text());
    let groups = p.feature_groups().unwrap();
    assert_eq!(groups.groups.iter().map(|g| g.name.as_str()).collect::<Vec<_>>(), ["fa", "fb", "fc"]);
    let out = train_cascades(&p, &train.inputs(), &train.y, &FixedCosts(vec![1.0, 1.0, 2.5]), &config()).unwrap();
    let cascade = out.cascade.expect("a cascade");
    assert_eq!(cascade.plan().selected, vec![0, 1]);
    let test = binary(1000, 8);
    let before = OPAQUE_ROWS.load(Ordering::SeqCst);
    let pred = cascade.predict(&test.inputs()).unwrap();
    let called = OPAQUE_ROWS.load(Ordering::SeqCst) - before;
    let unsure = pred.early.iter().filter(|e| !**e).count();
    assert_eq!(called, unsure, "the opaque group ran on the unsure rows only");
    assert!(unsure < 300);
    assert_eq!(classes(&pred.value), test.y);
}

#[test]
fn invalid_requests_are_errors() {
    let train = binary(300, 9);
    let model = fitted_model(&train);
    let p = three_groups_graph(&model).unwrap();
    let costs = FixedCosts(vec![1.0, 1.0, 2.5]);
    let e = train_cascades(&p, &train.inputs(), &train.y[..10], &costs, &config()).unwrap_err().to_string();
    assert!(e.contains("labels") && e.contains("10 labels for 300 rows"), "{e}");
    let bad: Vec<f64> = train.y.iter().map(|y| y * 2.0).collect();
    let e = train_cascades(&p, &train.inputs(), &bad, &costs, &config()).unwrap_err().to_string();
    assert!(e.contains("label 2 is not a class"), "{e}");
    let e =
        train_cascades(&p, &train.inputs(), &train.y, &FixedCosts(vec![1.0, 2.0]), &config()).unwrap_err().to_string();
    assert!(e.contains("2 costs for 3 feature groups"), "{e}");
    let cfg = CascadeConfig { target: Target::Absolute(-1.0), ..config() };
    assert!(train_cascades(&p, &train.inputs(), &train.y, &costs, &cfg).is_err());
    let cfg = CascadeConfig { budgets: vec![1.5], ..config() };
    assert!(train_cascades(&p, &train.inputs(), &train.y, &costs, &cfg).is_err());
    for grid in [vec![], vec![1.0, 0.0], vec![f64::NAN]] {
        let cfg = CascadeConfig { small_regularization: grid.clone(), ..config() };
        let e = train_cascades(&p, &train.inputs(), &train.y, &costs, &cfg).unwrap_err().to_string();
        assert!(e.contains("small_regularization") && e.contains("factors > 0"), "{grid:?}: {e}");
    }
    let e = train_cascades(&p, &train.inputs()[..2], &train.y, &costs, &config()).unwrap_err().to_string();
    assert!(e.contains("takes 3 row input"), "{e}");
    // AUC scoring works on the binary task; an impossible target declines with a reason.
    let cfg =
        CascadeConfig { score: Score::LogLoss, target: Target::Absolute(0.0), thresholds: Some(vec![0.6]), ..config() };
    let out = train_cascades(&p, &train.inputs(), &train.y, &costs, &cfg).unwrap();
    if out.cascade.is_none() {
        assert!(out.report.declined.as_deref().unwrap().contains("no candidate met the target"), "{}", out.report);
    }
}

#[test]
fn guarded_mode_certifies_an_exact_cascade() {
    let train = binary(3000, 21);
    let model = fitted_model(&train);
    let p = three_groups_graph(&model).unwrap();
    for all_rows in [false, true] {
        let mut cfg = CascadeConfig { progress: ProgressBar::Never, seed: 3, ..CascadeConfig::guarded() };
        cfg.guard.as_mut().unwrap().full_model_on_all_rows = all_rows;
        let out = train_cascades(&p, &train.inputs(), &train.y, &FixedCosts(vec![1.0, 1.0, 2.5]), &cfg).unwrap();
        println!("{}", out.report);
        let cert = out.report.certifications.last().expect("certified");
        assert!(cert.passed && cert.interval.lower >= -cert.allowed_loss, "{cert:?}");
        // Every row not held out is validated once (out of fold).
        assert_eq!(out.report.rows[1] + out.report.rows[2], 3000);
        assert!(out.report.rows[2] > 600);
        let cascade = out.cascade.expect("served");
        assert!(cascade.plan().certified);
        let test = binary(800, 22);
        assert_eq!(classes(&cascade.run(&test.inputs()).unwrap()), test.y);
    }
}

#[test]
fn guarded_mode_refuses_candidates_that_only_pass_on_the_point_estimate() {
    let train = gaussian(3000, 31);
    let model = fitted_model(&train);
    let p = three_groups_graph(&model).unwrap();
    let costs = FixedCosts(vec![1.0, 1.0, 2.5]);
    let target = Target::Absolute(0.005);
    // Plain mode trusts the point estimate on the validation rows.
    let plain = CascadeConfig { target, ..config() };
    let out = train_cascades(&p, &train.inputs(), &train.y, &costs, &plain).unwrap();
    println!("{}", out.report);
    let plain_choice = out.report.choice().unwrap_or_else(|| panic!("plain mode cascades:\n{}", out.report)).clone();
    assert!(Score::Accuracy.gain(plain_choice.score, out.report.full_score) >= -0.005);
    // Guarded: candidates whose point estimate is within the target but whose bootstrap lower
    // bound is not are refused; whatever is served passed on the held-out rows.
    let guarded = CascadeConfig { target, progress: ProgressBar::Never, seed: 11, ..CascadeConfig::guarded() };
    let out = train_cascades(&p, &train.inputs(), &train.y, &costs, &guarded).unwrap();
    println!("{}", out.report);
    let r = &out.report;
    let point_only: Vec<_> = r
        .candidates
        .iter()
        .filter(|c| c.early_fraction > 0.0 && Score::Accuracy.gain(c.score, r.full_score) >= -r.allowed_loss)
        .filter(|c| c.interval.unwrap().lower < -r.allowed_loss)
        .collect();
    assert!(!point_only.is_empty(), "some candidate passes on its point estimate only:\n{r}");
    assert!(point_only.iter().all(|c| !c.accepted));
    match (&out.cascade, r.choice()) {
        (Some(_), Some(c)) => {
            assert!(c.interval.unwrap().lower >= -r.allowed_loss);
            assert!(r.certifications.last().unwrap().passed);
            assert!(c.expected_cost >= plain_choice.expected_cost, "guarded is never cheaper than plain here");
        }
        (None, None) => assert!(r.declined.is_some()),
        _ => panic!("a choice without a cascade or the reverse:\n{r}"),
    }
}

#[test]
fn counters_are_thread_safe_and_the_report_round_trips() {
    use std::sync::Arc;
    use willump::runtime::optimize::{CascadeReport, MeasuredCosts, RecordedCosts, Strategy};
    let train = binary(1500, 51);
    let model = fitted_model(&train);
    let p = three_groups_graph(&model).unwrap();
    // Costs measured on the interpreter; the expected cost of the separate-passes strategy.
    let costs = MeasuredCosts { rows: 300, repeats: 3, ..MeasuredCosts::new(Arc::new(Interpreter)) };
    let cfg = CascadeConfig { strategy: Strategy::Recompute, ..config() };
    let out = train_cascades(&p, &train.inputs(), &train.y, &costs, &cfg).unwrap();
    let r = &out.report;
    assert!(r.cost_source.contains("measured on interpreter"), "{}", r.cost_source);
    assert!(r.groups.iter().all(|g| g.cost > 0.0 && g.cost.is_finite()));
    assert_eq!(r.groups.iter().map(|g| g.scaled_cost).sum::<u32>(), 1000);
    // Recompute on an engine: the expected costs come from the small parts timed beside the
    // full pipeline, one measurement per candidate set; the full model is linear, so the unsure
    // rows pay each set's remaining part, timed on a row subset.
    let sc = r.serving.as_ref().expect("serving costs measured on the engine");
    assert!(sc.source.contains("measured on interpreter"), "{}", sc.source);
    assert!(sc.full > 0.0 && sc.unsure > 0.0);
    assert_eq!(sc.remaining.len(), sc.small.len());
    for c in &r.candidates {
        let small = sc.small_cost(&c.selected).expect("every candidate set is timed");
        let unsure = sc.remaining_cost(&c.selected).expect("every remaining part is timed");
        let expected = 1000.0 * (small + (1.0 - c.early_fraction) * unsure) / sc.full;
        assert!((c.expected_cost - expected).abs() < 1e-9);
        assert!((c.predicted_speedup - 1000.0 / expected).abs() < 1e-9);
    }
    assert!(r.to_string().contains("serving costs") && r.to_string().contains("remaining part of"), "{r}");
    // The recorded costs reproduce the choice exactly, whatever the load when re-run.
    let again = train_cascades(&p, &train.inputs(), &train.y, &RecordedCosts::from_report(r), &cfg).unwrap();
    assert_eq!(again.report.serving, r.serving);
    assert_eq!(again.report.chosen, r.chosen);
    assert_eq!(again.report.candidates, r.candidates);
    // A recording without one of the sets is an error naming it, not a guess.
    let mut partial = RecordedCosts::from_report(r);
    if let Some(s) = partial.serving.as_mut() {
        s.small.pop();
    }
    let err = train_cascades(&p, &train.inputs(), &train.y, &partial, &cfg).unwrap_err().to_string();
    assert!(err.contains("no small-part cost recorded"), "{err}");
    let m = r.measured.as_ref().expect("measured");
    assert!(m.speedup > 0.0 && m.rows > 0 && m.engine == "interpreter");
    // JSON keeps every field, floats bit for bit (the recorded costs reproduce the choice).
    let json = r.to_json().unwrap();
    assert!(CascadeReport::from_json(&json).unwrap() == *r, "the report changed through JSON");
    let text = r.to_string();
    assert!(text.contains("budget") && text.contains("IR after"), "{text}");

    let Some(cascade) = out.cascade else { return };
    let test = binary(400, 52);
    let inputs = test.inputs();
    let unsure = cascade.predict(&inputs).unwrap().early.iter().filter(|e| !**e).count();
    cascade.stats().reset();
    let served = Arc::new(cascade.serve(&Interpreter).unwrap());
    std::thread::scope(|s| {
        for t in 0..4 {
            let (cascade, served, inputs) = (&cascade, served.clone(), &inputs);
            s.spawn(move || {
                for _ in 0..5 {
                    if t % 2 == 0 {
                        cascade.predict(inputs).unwrap();
                    } else {
                        served.predict(inputs).unwrap();
                    }
                }
            });
        }
    });
    let counts = cascade.stats().counts();
    assert_eq!(counts.early + counts.full, 4 * 5 * 400);
    assert_eq!(counts.full as usize, 20 * unsure);
}

#[test]
fn cross_fitting_validates_every_row_and_willump_one_split() {
    let train = binary(2000, 1);
    let model = fitted_model(&train);
    let p = three_groups_graph(&model).unwrap();
    let costs = FixedCosts(vec![1.0, 1.0, 2.5]);
    let cross = train_cascades(&p, &train.inputs(), &train.y, &costs, &config()).unwrap().report;
    assert_eq!(cross.validation_folds, 4);
    assert_eq!(cross.rows[1], 2000, "out-of-fold answers for every row:\n{cross}");
    assert!((1480..=1520).contains(&cross.rows[0]), "{:?}", cross.rows);
    let willump = CascadeConfig { seed: 11, progress: ProgressBar::Never, ..CascadeConfig::willump() };
    let one = train_cascades(&p, &train.inputs(), &train.y, &costs, &willump).unwrap().report;
    assert_eq!((one.validation_folds, one.rows), (1, [1500, 500, 0]));
    // The exact case is chosen alike by both rules.
    for r in [&cross, &one] {
        let c = r.choice().expect("a cascade");
        assert_eq!((c.selected.as_slice(), c.threshold), (&[0usize, 1][..], 0.6), "{r}");
    }
    let bad = CascadeConfig { validation_folds: 0, ..config() };
    assert!(train_cascades(&p, &train.inputs(), &train.y, &costs, &bad).is_err());
}

#[test]
fn the_margin_refuses_candidates_within_the_noise_of_the_target() {
    let train = gaussian(3000, 31);
    let model = fitted_model(&train);
    let p = three_groups_graph(&model).unwrap();
    let costs = FixedCosts(vec![1.0, 1.0, 2.5]);
    let target = Target::Absolute(0.005);
    let point = CascadeConfig { target, margin: 0.0, ..config() };
    let noisy = CascadeConfig { target, margin: 1.0, ..config() };
    let r0 = train_cascades(&p, &train.inputs(), &train.y, &costs, &point).unwrap().report;
    let r1 = train_cascades(&p, &train.inputs(), &train.y, &costs, &noisy).unwrap().report;
    println!("{r1}");
    // Same folds and fits: the same candidates, judged with and without the margin.
    assert_eq!(r0.candidates.len(), r1.candidates.len());
    let mut refused = 0;
    for (c0, c1) in r0.candidates.iter().zip(&r1.candidates) {
        assert_eq!((c0.score, c0.threshold), (c1.score, c1.threshold));
        assert!(c0.standard_error.is_none());
        let gain = Score::Accuracy.gain(c1.score, r1.full_score);
        match c1.standard_error {
            Some(se) => {
                // Zero when the mix answers every row as the full model does.
                assert!(se >= 0.0 && gain >= -r1.allowed_loss, "{c1:?}");
                assert_eq!(c1.accepted, gain - se >= -r1.allowed_loss);
                refused += (c0.accepted && !c1.accepted) as usize;
            }
            None => assert!(!c1.accepted || c1.early_fraction == 0.0),
        }
        assert!(c0.accepted || !c1.accepted, "the margin only refuses");
    }
    assert!(refused > 0, "some candidate is within the target only by less than its noise:\n{r1}");
    if let (Some(a), Some(b)) = (r0.choice(), r1.choice()) {
        assert!(b.expected_cost >= a.expected_cost);
    }
}

#[test]
fn a_time_ordered_split_validates_on_the_latest_rows() {
    use willump::runtime::optimize::ValidationSplit;
    let train = gaussian(2000, 41);
    let model = fitted_model(&train);
    let p = three_groups_graph(&model).unwrap();
    let costs = FixedCosts(vec![1.0, 1.0, 2.5]);
    let timed = |seed: u64| CascadeConfig {
        seed,
        split: ValidationSplit::TimeOrdered,
        validation_folds: 1,
        progress: ProgressBar::Never,
        ..CascadeConfig::default()
    };
    let a = train_cascades(&p, &train.inputs(), &train.y, &costs, &timed(1)).unwrap().report;
    let b = train_cascades(&p, &train.inputs(), &train.y, &costs, &timed(2)).unwrap().report;
    assert_eq!(a.rows, [1500, 500, 0]);
    // Not seeded: the same rows validate whatever the seed (a stratified split moves them).
    assert_eq!(a.full_score, b.full_score);
    let stratified = |seed: u64| {
        let cfg = CascadeConfig { seed, progress: ProgressBar::Never, ..CascadeConfig::willump() };
        train_cascades(&p, &train.inputs(), &train.y, &costs, &cfg).unwrap().report.full_score
    };
    assert_ne!(stratified(1), stratified(2));
    // The validation rows are the last ones: the full model fit on the first 1,500 rows scores
    // them exactly as the report says.
    let first: Vec<usize> = (0..1500).collect();
    let last: Vec<usize> = (1500..2000).collect();
    let x = features(&train);
    let rows = |r: &[usize]| x.select(ndarray::Axis(0), r);
    let y_first: Vec<f64> = first.iter().map(|&i| train.y[i]).collect();
    let fit = LogisticRegressionSpec::default().fit(MatrixRef::Dense(rows(&first).view()), &y_first).unwrap();
    let pl = fit.predict_proba(MatrixRef::Dense(rows(&last).view())).unwrap();
    let y_last: Vec<f64> = last.iter().map(|&i| train.y[i]).collect();
    assert_eq!(Score::Accuracy.eval(&y_last, pl.view()).unwrap(), a.full_score);
    let bad = CascadeConfig { validation_folds: 3, ..timed(1) };
    assert!(train_cascades(&p, &train.inputs(), &train.y, &costs, &bad).is_err());
}

#[test]
fn a_cascade_measured_slower_than_min_speedup_is_declined() {
    use std::sync::Arc;
    use willump::runtime::optimize::MeasuredCosts;
    let train = binary(1500, 51);
    let model = fitted_model(&train);
    let p = three_groups_graph(&model).unwrap();
    let costs = MeasuredCosts { rows: 300, repeats: 3, ..MeasuredCosts::new(Arc::new(Interpreter)) };
    // No cascade is a million times faster: measured costs make the check binding.
    let cfg = CascadeConfig { min_speedup: Some(1e6), ..config() };
    let out = train_cascades(&p, &train.inputs(), &train.y, &costs, &cfg).unwrap();
    assert!(out.cascade.is_none());
    let why = out.report.declined.as_deref().expect("declined");
    assert!(why.contains("below min_speedup"), "{why}");
    assert!(out.report.measured.is_some() && out.report.chosen.is_some());
    // Fixed costs state the costs themselves: the same bound is reported, not enforced.
    let fixed = train_cascades(&p, &train.inputs(), &train.y, &FixedCosts(vec![1.0, 1.0, 2.5]), &cfg).unwrap();
    assert!(fixed.cascade.is_some(), "{:?}", fixed.report.declined);
    // An invalid bound is an error naming the field.
    let bad = CascadeConfig { min_speedup: Some(0.0), ..config() };
    let err = train_cascades(&p, &train.inputs(), &train.y, &costs, &bad).unwrap_err().to_string();
    assert!(err.contains("min_speedup"), "{err}");
}

#[test]
fn small_model_regularization_is_chosen_by_out_of_fold_log_loss() {
    let train = binary(1500, 3);
    let model = fitted_model(&train);
    let p = three_groups_graph(&model).unwrap();
    let costs = FixedCosts(vec![1.0, 1.0, 2.5]);
    let c_of = |m: &dyn Model| match m.spec() {
        ModelSpec::LogisticRegression(s) => s.c,
        other => panic!("expected a logistic regression, got {other:?}"),
    };
    // A factor of 1e-4 leaves the small model's weights near zero (every probability near the
    // base rate: a far worse log loss), so it never wins, even listed first.
    for (grid, want) in [(vec![1e-4, 1.0], 1.0), (vec![1e-4, 3.0], 3.0), (vec![1.0], 1.0)] {
        let cfg = CascadeConfig { small_regularization: grid.clone(), ..config() };
        let out = train_cascades(&p, &train.inputs(), &train.y, &costs, &cfg).unwrap();
        let report = &out.report;
        assert!(report.candidates.iter().all(|c| c.small_regularization == want), "{grid:?}\n{report}");
        assert!(report.to_string().contains(&format!(" {want}x ")), "{report}");
        let cascade = out.cascade.expect("a cascade");
        // The served small model: the chosen C, times 3/4 (refit on all rows, four folds of
        // which each fit on three), so its penalty per row is the validated models'.
        let (small, full) = (cascade.small_model().unwrap(), cascade.full_model().unwrap());
        let scale = c_of(small.as_ref()) / (c_of(full.as_ref()) * want);
        assert!((scale - 0.75).abs() < 1e-3, "{scale}");
    }
    // Willump's rule refits with the same C.
    let cfg = CascadeConfig { progress: ProgressBar::Never, seed: 11, ..CascadeConfig::willump() };
    let out = train_cascades(&p, &train.inputs(), &train.y, &costs, &cfg).unwrap();
    let cascade = out.cascade.expect("a cascade");
    assert_eq!(c_of(cascade.small_model().unwrap().as_ref()), c_of(cascade.full_model().unwrap().as_ref()));
    // Alone, the useless factor is used (and the cascade then answers few rows early, if any).
    let cfg = CascadeConfig { small_regularization: vec![1e-4], ..config() };
    let out = train_cascades(&p, &train.inputs(), &train.y, &costs, &cfg).unwrap();
    assert!(out.report.candidates.iter().all(|c| c.small_regularization == 1e-4), "{}", out.report);
}
