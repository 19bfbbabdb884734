//! The `product` workload: three feature groups (brand, colour, character n-grams), eager ==
//! interpreted == hand-fused, and the structure a cascade can use: the cheap groups alone are
//! confident and right on most rows, the expensive group is needed for the rest.

mod workloads_common;

use willump::prelude::*;
use willump_workloads::product::{ProductModel, ProductWorkload, SmallModel};
use willump_workloads::{Metric, Trained, Workload};
use workloads_common::*;

#[test]
fn product_groups_agreement_and_score() {
    let w = ProductWorkload;
    let (d, t) = trained(&w, 3, 4000);
    assert_eq!(group_names(&*t), ["brand", "colour", "char_counts"]);
    let p = check_agreement(&*t, &texts_with_edge_rows(&d), 1e-9);
    let n = d.test.n_rows();
    let acc = Metric::Accuracy.score(&d.test.labels, &p[..n]).unwrap();
    assert!(acc > 0.85 && acc < 0.995, "accuracy {acc}");
}

#[test]
fn cheap_groups_decide_most_rows_but_not_all() {
    let w = ProductWorkload;
    let d = w.generate(8, 6000).unwrap();
    let Value::Column(Column::Str(train)) = &d.train.inputs[0] else { panic!() };
    let Value::Column(Column::Str(test)) = &d.test.inputs[0] else { panic!() };
    let brands: Vec<String> = {
        let t = d.table("test", "brands").unwrap();
        let Column::Str(b) = t.column("test", "brand").unwrap() else { panic!() };
        b.iter().flatten().map(String::from).collect()
    };
    let y = &d.test.labels;
    let right = |p: &[f64], i: usize| (p[i] > 0.5) == (y[i] == 1.0);
    // A model on the brand and colour groups only: what a cascade's small model would see.
    let small = SmallModel::fit(train, &d.train.labels, &brands).unwrap().predict(test).unwrap();
    let full = ProductModel::fit(train, &d.train.labels, &brands).unwrap().eager(&d.test.inputs).unwrap();
    let confident: Vec<usize> = (0..small.len()).filter(|&i| small[i].max(1.0 - small[i]) >= 0.8).collect();
    let share = confident.len() as f64 / small.len() as f64;
    let acc_on = |p: &[f64]| confident.iter().filter(|&&i| right(p, i)).count() as f64 / confident.len() as f64;
    let (small_conf, full_conf) = (acc_on(&small), acc_on(&full));
    eprintln!("confident share {share:.3}: small {small_conf:.4}, full {full_conf:.4} on those rows");
    assert!(share > 0.5 && share < 0.9, "the cheap groups are confident on {share} of rows");
    assert!(
        small_conf > full_conf - 0.015,
        "on confident rows the cheap groups do about as well: {small_conf} vs {full_conf}"
    );
    let acc_small = Metric::Accuracy.score(y, &small).unwrap();
    let acc_full = Metric::Accuracy.score(y, &full).unwrap();
    assert!(acc_full > acc_small + 0.05, "the expensive group matters: {acc_full} vs {acc_small}");
}
