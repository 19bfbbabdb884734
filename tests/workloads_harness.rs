//! The benchmark harness end to end on small generated data: every workload asked for is run
//! every available way, the JSON has the documented fields, absent ways are listed with a reason
//! and never measured.

use std::path::PathBuf;

use willump_workloads::harness::{Config, cli, report, run, top_rows};

#[test]
fn harness_runs_and_reports_every_way() {
    let args: Vec<String> =
        ["text,product", "--quick", "--rows", "1200", "--threads", "2"].iter().map(|s| s.to_string()).collect();
    let options = cli::parse(&args).unwrap();
    let dir = std::env::temp_dir().join(format!("willump-harness-test-{}", std::process::id()));
    let cfg = Config { options, python_script: PathBuf::from("benches/python/workloads.py"), export_root: dir };
    let out = run(&cfg).unwrap();
    for w in ["text", "product"] {
        for v in ["eager", "interpreted", "compiled", "hand_fused"] {
            for t in [1, 2] {
                let r = out.rows.iter().find(|r| r.workload == w && r.variant == v && r.threads == t);
                let r = r.unwrap_or_else(|| panic!("{w}/{v}/{t} missing"));
                assert!(r.rows_per_s.unwrap() > 0.0);
                assert_eq!(r.score_name, "accuracy");
                assert_eq!(r.score, r.accuracy);
                assert!(r.auc.unwrap() > 0.5);
                assert_eq!(r.p50_us.is_some(), t == 1, "latency on the one-thread rows only");
                assert!(r.max_abs_diff_vs_eager.unwrap() < 1e-9);
            }
        }
        // Cascades are trained on the training rows: measured with the fraction answered early,
        // or absent with the optimizer's reason.
        let cascade = out.rows.iter().find(|r| r.workload == w && r.variant == "cascades");
        match cascade {
            Some(r) => assert!((0.0..=1.0).contains(&r.approx_fraction.unwrap()), "{r:?}"),
            None => assert!(
                out.absent.iter().any(|a| a.workload == w && a.variant == "cascades" && a.reason.contains("declined"))
            ),
        }
        for v in ["topk", "python"] {
            assert!(out.absent.iter().any(|a| a.workload == w && a.variant == v && !a.reason.is_empty()), "{w}/{v}");
            assert!(!out.rows.iter().any(|r| r.workload == w && r.variant == v), "{w}/{v} is absent, never measured");
        }
    }
    let doc = report::to_json(report::machine(), serde_json::json!({}), &out.rows, &out.absent, &out.notes);
    let first = &doc["results"][0];
    for field in [
        "workload",
        "variant",
        "threads",
        "rows",
        "rows_per_s",
        "p50_us",
        "p99_us",
        "score_name",
        "score",
        "accuracy",
        "auc",
        "precision_at_k",
        "approx_fraction",
        "compile_ms",
    ] {
        assert!(first.get(field).is_some(), "field {field}");
    }
    assert!(first["precision_at_k"].is_null() && first["compile_ms"].is_null());
    let compiled = out.rows.iter().find(|r| r.variant == "compiled").unwrap();
    assert!(compiled.compile_ms.unwrap() > 0.0);
    assert!(doc["machine"]["cores"].as_u64().unwrap() >= 1);
    assert_eq!(doc["workloads"].as_array().unwrap().len(), 2);
}

#[test]
fn top_rows_are_the_highest_scores_ties_to_the_lower_row() {
    assert_eq!(top_rows(&[0.1, 0.9, 0.5, 0.9, 0.2], 3), [1, 3, 2]);
    assert_eq!(top_rows(&[0.3], 5), [0]);
}
