//! The results: one row per (workload, way, thread count), the side-by-side table, and the JSON
//! form `{"machine": {...}, "results": [...]}`.

use std::fmt::Write as _;

use serde_json::{Value as Json, json};

/// One measured row. `None` is `null` in the JSON: the field does not apply.
#[derive(Debug, Clone, PartialEq)]
pub struct ResultRow {
    /// The workload.
    pub workload: String,
    /// The way it was run (`eager`, `interpreted`, `compiled`, `cascades`, `topk`, `python`,
    /// `hand_fused`).
    pub variant: String,
    /// Threads of the batch run.
    pub threads: usize,
    /// Rows of the timed batch (the test split).
    pub rows: usize,
    /// Batch throughput (median over the repeats).
    pub rows_per_s: Option<f64>,
    /// One-row latency, median, microseconds (single-thread rows only).
    pub p50_us: Option<f64>,
    /// One-row latency, 99th percentile, microseconds (single-thread rows only).
    pub p99_us: Option<f64>,
    /// The main metric's name.
    pub score_name: String,
    /// The main metric on the test split.
    pub score: Option<f64>,
    /// Test accuracy.
    pub accuracy: Option<f64>,
    /// Test ROC AUC.
    pub auc: Option<f64>,
    /// Precision of a top-K answer against the full model's true top K (top-K ways only).
    pub precision_at_k: Option<f64>,
    /// Fraction of rows answered by the approximate model (cascades only).
    pub approx_fraction: Option<f64>,
    /// Compile time in milliseconds (compiled ways only).
    pub compile_ms: Option<f64>,
    /// Largest difference of a class-1 probability from the eager function's (a correctness
    /// check; exact ways should be at rounding level).
    pub max_abs_diff_vs_eager: Option<f64>,
}

impl ResultRow {
    /// The row as JSON.
    pub fn to_json(&self) -> Json {
        json!({
            "workload": self.workload,
            "variant": self.variant,
            "threads": self.threads,
            "rows": self.rows,
            "rows_per_s": self.rows_per_s,
            "p50_us": self.p50_us,
            "p99_us": self.p99_us,
            "score_name": self.score_name,
            "score": self.score,
            "accuracy": self.accuracy,
            "auc": self.auc,
            "precision_at_k": self.precision_at_k,
            "approx_fraction": self.approx_fraction,
            "compile_ms": self.compile_ms,
            "max_abs_diff_vs_eager": self.max_abs_diff_vs_eager,
        })
    }

    /// A row from its JSON form (the Python script's output); errors name the missing field.
    pub fn from_json(v: &Json) -> Result<ResultRow, String> {
        let s = |k: &str| v.get(k).and_then(Json::as_str).map(String::from).ok_or(format!("field `{k}` missing"));
        let n = |k: &str| v.get(k).and_then(Json::as_u64).map(|x| x as usize).ok_or(format!("field `{k}` missing"));
        let f = |k: &str| v.get(k).and_then(Json::as_f64);
        Ok(ResultRow {
            workload: s("workload")?,
            variant: s("variant")?,
            threads: n("threads")?,
            rows: n("rows")?,
            rows_per_s: f("rows_per_s"),
            p50_us: f("p50_us"),
            p99_us: f("p99_us"),
            score_name: s("score_name")?,
            score: f("score"),
            accuracy: f("accuracy"),
            auc: f("auc"),
            precision_at_k: f("precision_at_k"),
            approx_fraction: f("approx_fraction"),
            compile_ms: f("compile_ms"),
            max_abs_diff_vs_eager: f("max_abs_diff_vs_eager"),
        })
    }
}

/// A way that could not run, and why.
#[derive(Debug, Clone, PartialEq)]
pub struct AbsentRow {
    /// The workload.
    pub workload: String,
    /// The way.
    pub variant: String,
    /// Why it is absent.
    pub reason: String,
}

/// What is known about the machine, for the JSON and BENCHMARKS.md.
pub fn machine() -> Json {
    let cpu = std::fs::read_to_string("/proc/cpuinfo").ok().and_then(|s| {
        s.lines().find(|l| l.starts_with("model name")).map(|l| l.split(':').nth(1).unwrap_or("").trim().to_string())
    });
    let load = std::fs::read_to_string("/proc/loadavg")
        .ok()
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "));
    let kernel = std::fs::read_to_string("/proc/sys/kernel/osrelease").ok().map(|s| s.trim().to_string());
    let rustc = std::process::Command::new("rustc")
        .arg("--version")
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .map(|s| s.trim().to_string());
    let unix_time = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs()).ok();
    json!({
        "cpu": cpu,
        "cores": std::thread::available_parallelism().map(|n| n.get()).ok(),
        "os": std::env::consts::OS,
        "arch": std::env::consts::ARCH,
        "kernel": kernel,
        "rustc": rustc,
        "profile": if cfg!(debug_assertions) { "debug" } else { "release" },
        "load_average_at_start": load,
        "unix_time": unix_time,
    })
}

fn opt(v: Option<f64>, digits: usize) -> String {
    v.map_or_else(|| "-".to_string(), |x| format!("{x:.digits$}"))
}

/// Thousands separators for a rate (`1234567.8` -> `1,234,568`).
fn rate(v: Option<f64>) -> String {
    let Some(v) = v else { return "-".into() };
    let s = format!("{:.0}", v);
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// The side-by-side table of one workload's rows (ratios against `eager` at the same thread
/// count) and its absent ways.
pub fn table(rows: &[ResultRow], absent: &[AbsentRow]) -> String {
    let mut out = String::new();
    let header = [
        "variant",
        "threads",
        "rows",
        "rows/s",
        "x eager",
        "p50 us",
        "p99 us",
        "score",
        "accuracy",
        "auc",
        "approx",
        "compile ms",
        "max|dp|",
    ];
    let mut lines: Vec<Vec<String>> = vec![header.iter().map(|s| s.to_string()).collect()];
    for r in rows {
        let eager = rows
            .iter()
            .find(|e| e.workload == r.workload && e.variant == "eager" && e.threads == r.threads)
            .and_then(|e| e.rows_per_s);
        let speedup = r.rows_per_s.zip(eager).map(|(a, b)| a / b);
        lines.push(vec![
            r.variant.clone(),
            r.threads.to_string(),
            r.rows.to_string(),
            rate(r.rows_per_s),
            speedup.map_or("-".into(), |s| format!("{s:.2}x")),
            opt(r.p50_us, 1),
            opt(r.p99_us, 1),
            r.score.map_or("-".into(), |s| format!("{s:.4} {}", r.score_name)),
            opt(r.accuracy, 4),
            opt(r.auc, 4),
            opt(r.approx_fraction, 3),
            opt(r.compile_ms, 1),
            r.max_abs_diff_vs_eager.map_or("-".into(), |d| format!("{d:.1e}")),
        ]);
    }
    let widths: Vec<usize> =
        (0..header.len()).map(|k| lines.iter().map(|l| l[k].chars().count()).max().unwrap_or(0)).collect();
    for (i, l) in lines.iter().enumerate() {
        let cells: Vec<String> = l
            .iter()
            .zip(&widths)
            .enumerate()
            .map(|(k, (c, w))| if k == 0 { format!("{c:<w$}") } else { format!("{c:>w$}") })
            .collect();
        let _ = writeln!(out, "  {}", cells.join("  ").trim_end());
        if i == 0 {
            let _ = writeln!(out, "  {}", widths.iter().map(|w| "-".repeat(*w)).collect::<Vec<_>>().join("  "));
        }
    }
    for a in absent {
        let _ = writeln!(out, "  {:<w$}  absent: {}", a.variant, a.reason, w = widths[0]);
    }
    out
}

/// The whole JSON document.
pub fn to_json(machine: Json, config: Json, rows: &[ResultRow], absent: &[AbsentRow], notes: &[Json]) -> Json {
    json!({
        "machine": machine,
        "config": config,
        "results": rows.iter().map(ResultRow::to_json).collect::<Vec<_>>(),
        "absent": absent.iter().map(|a| json!({"workload": a.workload, "variant": a.variant, "reason": a.reason})).collect::<Vec<_>>(),
        "workloads": notes,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(variant: &str, rps: f64) -> ResultRow {
        ResultRow {
            workload: "text".into(),
            variant: variant.into(),
            threads: 1,
            rows: 100,
            rows_per_s: Some(rps),
            p50_us: Some(12.5),
            p99_us: None,
            score_name: "accuracy".into(),
            score: Some(0.9),
            accuracy: Some(0.9),
            auc: Some(0.95),
            precision_at_k: None,
            approx_fraction: None,
            compile_ms: None,
            max_abs_diff_vs_eager: Some(0.0),
        }
    }

    #[test]
    fn json_round_trip_and_nulls() {
        let r = row("eager", 1000.0);
        let j = r.to_json();
        assert_eq!(j["p99_us"], Json::Null);
        assert_eq!(j["precision_at_k"], Json::Null);
        assert_eq!(ResultRow::from_json(&j).unwrap(), r);
        assert!(ResultRow::from_json(&json!({"workload": "x"})).unwrap_err().contains("variant"));
    }

    #[test]
    fn table_shows_ratios_and_absent_ways() {
        let t = table(
            &[row("eager", 1000.0), row("hand_fused", 4000.0)],
            &[AbsentRow { workload: "text".into(), variant: "compiled".into(), reason: "not built".into() }],
        );
        assert!(t.contains("4.00x"), "{t}");
        assert!(t.contains("4,000"), "{t}");
        assert!(t.contains("compiled") && t.contains("absent: not built"), "{t}");
        assert!(t.contains("0.9000 accuracy"), "{t}");
    }
}
