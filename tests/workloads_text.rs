//! The `text` workload: its feature groups, and eager == interpreted == hand-fused on generated
//! texts (with null, empty, emoji and non-ASCII rows), and its scores on generated data.

mod workloads_common;

use willump::prelude::*;
use willump_workloads::text::TextWorkload;
use willump_workloads::{Metric, Workload};
use workloads_common::*;

#[test]
fn text_groups_agreement_and_score() {
    let w = TextWorkload;
    let (d, t) = trained(&w, 3, 4000);
    assert_eq!(group_names(&*t), ["words", "char_grams"]);
    let ir = t.graph().unwrap().ir_text();
    for line in [
        "= lowercase(v0)",
        "= vectorize(s0, v1)",
        "= vectorize(s1, v1)",
        "= stack(v2, v3)",
        "model[output=proba](s2, v4)",
    ] {
        assert!(ir.contains(line), "missing `{line}` in\n{ir}");
    }
    let p = check_agreement(&*t, &texts_with_edge_rows(&d), 1e-9);
    let n = d.test.n_rows();
    let acc = Metric::Accuracy.score(&d.test.labels, &p[..n]).unwrap();
    let auc = Metric::RocAuc.score(&d.test.labels, &p[..n]).unwrap();
    // Small training data: above the majority class, not perfect (the real task scores about
    // 0.78 accuracy and 0.86 AUC with all its rows).
    let majority = 1.0 - d.test.labels.iter().sum::<f64>() / n as f64;
    assert!(acc > majority + 0.03 && acc < 0.99, "accuracy {acc}, majority {majority}");
    assert!(auc > 0.8, "auc {auc}");
}

#[test]
fn wrong_inputs_are_errors() {
    let w = TextWorkload;
    let (_, t) = trained(&w, 4, 600);
    let e = t.eager(&[Value::from(F64Column::from(vec![1.0]))]).unwrap_err().to_string();
    assert!(e.contains("texts"), "{e}");
    let e = t.eager(&[]).unwrap_err().to_string();
    assert!(e.contains("row input"), "{e}");
    let e = t.hand_fused().unwrap().predict(&[Value::from(F64Column::from(vec![1.0]))]).unwrap_err().to_string();
    assert!(e.contains("texts"), "{e}");
}

/// The canonical hand-fused scorer on the real texts (when `../shared/data/texts` is present:
/// the first 3,000 training rows fit, 3,000 test rows plus the edge rows scored): equal to the
/// eager pipeline (and the interpreter, bit for bit) within 1e-9, as on generated texts.
#[test]
fn hand_fused_equals_the_interpreter_on_real_texts() {
    let dir = std::path::Path::new("../shared/data");
    let Some(mut d) = TextWorkload.load(dir).unwrap() else {
        eprintln!("no real texts under {}: skipped", dir.display());
        return;
    };
    d.train = d.train.head(3000).unwrap();
    d.test = d.test.head(3000).unwrap();
    let t = TextWorkload.train(&d).unwrap();
    check_agreement(&*t, &texts_with_edge_rows(&d), 1e-9);
}
