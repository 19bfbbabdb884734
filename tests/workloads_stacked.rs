//! The `stacked` workload: four opaque user functions as four feature groups, eager ==
//! interpreted == hand-fused, and the stacker's score.

mod workloads_common;

use willump::prelude::*;
use willump_workloads::stacked::{HashBits, StackedModel, StackedWorkload};
use willump_workloads::{Metric, Trained, Workload};
use workloads_common::*;

#[test]
fn stacked_groups_agreement_and_score() {
    // The workload's structure with smaller hashed spaces (2^12, 2^12, 2^13), so the test fits
    // its twelve small models quickly; the benchmark runs the full sizes.
    let d = StackedWorkload.generate(3, 3000).unwrap();
    let Value::Column(Column::Str(texts)) = &d.train.inputs[0] else { panic!() };
    let m = StackedModel::fit(texts, &d.train.labels, HashBits([12, 12, 13])).unwrap();
    let t: &dyn Trained = &m;
    assert_eq!(group_names(t), ["shape_logit", "word_logit", "char_logit", "wide_logit"]);
    let ir = t.graph().unwrap().ir_text();
    assert_eq!(ir.matches("opaque(").count(), 4, "{ir}");
    let p = check_agreement(t, &texts_with_edge_rows(&d), 1e-9);
    let n = d.test.n_rows();
    let acc = Metric::Accuracy.score(&d.test.labels, &p[..n]).unwrap();
    let majority = 1.0 - d.test.labels.iter().sum::<f64>() / n as f64;
    assert!(acc > majority + 0.03 && acc < 0.99, "accuracy {acc}, majority {majority}");
}
