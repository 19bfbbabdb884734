//! Model benchmarks, side by side with the Python baselines in one run:
//!
//! - GBDT training on a seeded synthetic classification set (informative, redundant and noise
//!   features, some NaN), with 1 and 2 threads: training time and test AUC, beside LightGBM 4.7
//!   on the same rows with the same hyper-parameters;
//! - eager inference of the trained 100-tree, 31-leaf model: batch rows/s and one-row latency,
//!   beside LightGBM's `predict` (and lleaves when installed);
//! - logistic regression (L2 and L1) fitting on a TF-IDF-sized sparse matrix, beside
//!   scikit-learn's lbfgs and saga.
//!
//! Run: `cargo bench --bench models -- [--rows 200000] [--features 30] [--repeats 2]
//! [--python /work/venv/bin/python]` (`--only gbdt` and `--threads N` narrow the run for profiling).
//! `--flights DIR` trains the GBDT on the flights task instead (DIR holds `flights/`, as
//! `../shared/data` does): the model inputs of the `flights` workload, training months 1-10 with
//! out-of-fold history values, test months 11-12, exactly as the workloads harness builds them.
//! (`WILLUMP_PYTHON` works too). Without a Python, only the Rust side runs. Data files for the
//! baseline are written under `target/bench-data/`.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use willump_runtime::metrics::roc_auc;
use willump_runtime::models::{Gbdt, GbdtSpec, LogisticRegressionSpec, Model, Penalty};
use willump_runtime::rng::Rng;
use willump_runtime::value::{CsrBuilder, CsrMatrix, MatrixRef};

use ndarray::Array2;

/// A seeded binary classification set: 10 informative features entering non-linearly, 5
/// redundant (noisy mixtures of informative ones), the rest noise; 3 features have 5-20% NaN,
/// one of them with a missingness that depends on the label.
fn synthetic_classification(n: usize, d: usize, seed: u64) -> (Array2<f64>, Vec<f64>) {
    let mut rng = Rng::new(seed);
    let mut x = Array2::zeros((n, d));
    let mut y = vec![0.0; n];
    for i in 0..n {
        let inf: Vec<f64> = (0..10).map(|_| rng.normal()).collect();
        let logit = 1.2 * inf[0] - 0.8 * inf[1] + 0.9 * inf[2] * inf[3] + 1.5 * (inf[4] > 0.5) as i32 as f64
            - 1.0 * inf[5].abs()
            + 0.7 * (2.0 * inf[6]).sin()
            + 0.5 * inf[7] * inf[7]
            - 0.6 * inf[8]
            + 0.4 * inf[9]
            + 0.2;
        let p = 1.0 / (1.0 + (-logit).exp());
        y[i] = if rng.next_f64() < p { 1.0 } else { 0.0 };
        for j in 0..d {
            x[[i, j]] = if j < 10 {
                inf[j]
            } else if j < 15 {
                0.6 * inf[j - 10] + 0.4 * inf[(j - 7) % 10] + 0.5 * rng.normal()
            } else {
                rng.normal() * (1.0 + j as f64 / 10.0)
            };
        }
        if rng.next_f64() < 0.05 {
            x[[i, 1]] = f64::NAN;
        }
        if rng.next_f64() < 0.2 {
            x[[i, 12]] = f64::NAN;
        }
        // Missing more often for positives: the learned default direction matters.
        if rng.next_f64() < if y[i] == 1.0 { 0.15 } else { 0.05 } {
            x[[i, 20.min(d - 1)]] = f64::NAN;
        }
    }
    (x, y)
}

/// A TF-IDF-like sparse matrix: Zipf-distributed columns, ~`nnz_per_row` entries per row,
/// L2-normalized rows; labels from a sparse linear model.
fn synthetic_sparse(n: usize, d: usize, nnz_per_row: usize, seed: u64) -> (CsrMatrix, Vec<f64>) {
    let mut rng = Rng::new(seed);
    let w: Vec<f64> = (0..d).map(|j| if j % 7 == 0 { rng.normal() * 3.0 } else { 0.0 }).collect();
    let mut b = CsrBuilder::with_capacity(d, n, n * nnz_per_row);
    let mut y = vec![0.0; n];
    let mut cols: Vec<u32> = Vec::new();
    for yi in y.iter_mut() {
        cols.clear();
        let len = nnz_per_row / 2 + rng.below(nnz_per_row as u64) as usize;
        for _ in 0..len {
            // Zipf-like: inverse-CDF of a power law over the columns.
            let u = rng.next_f64();
            cols.push(((d as f64).powf(u) - 1.0) as u32 % d as u32);
        }
        cols.sort_unstable();
        cols.dedup();
        let vals: Vec<f64> = cols.iter().map(|&c| (1.0 + (c as f64 + 1.0).ln()) * (1.0 + rng.next_f64())).collect();
        let norm = vals.iter().map(|v| v * v).sum::<f64>().sqrt();
        let mut z = -0.3;
        for (&c, &v) in cols.iter().zip(&vals) {
            b.push(c, v / norm);
            z += w[c as usize] * v / norm;
        }
        b.end_row();
        *yi = if rng.next_f64() < 1.0 / (1.0 + (-4.0 * z).exp()) { 1.0 } else { 0.0 };
    }
    (b.finish(), y)
}

fn write_dense(path: &Path, x: &Array2<f64>, y: &[f64]) {
    let mut f = std::io::BufWriter::new(std::fs::File::create(path).expect("create data file"));
    f.write_all(&(x.nrows() as u64).to_le_bytes()).unwrap();
    f.write_all(&(x.ncols() as u64).to_le_bytes()).unwrap();
    for v in x.iter().chain(y) {
        f.write_all(&v.to_le_bytes()).unwrap();
    }
}

fn write_csr(path: &Path, x: &CsrMatrix, y: &[f64]) {
    let mut f = std::io::BufWriter::new(std::fs::File::create(path).expect("create data file"));
    for v in [x.n_rows(), x.n_cols(), x.nnz()] {
        f.write_all(&(v as u64).to_le_bytes()).unwrap();
    }
    for &p in x.indptr() {
        f.write_all(&(p as u64).to_le_bytes()).unwrap();
    }
    for &c in x.indices() {
        f.write_all(&c.to_le_bytes()).unwrap();
    }
    for v in x.data().iter().chain(y) {
        f.write_all(&v.to_le_bytes()).unwrap();
    }
}

fn best_of<T>(repeats: usize, mut f: impl FnMut() -> T) -> (f64, T) {
    let mut best = f64::INFINITY;
    let mut out = None;
    for _ in 0..repeats {
        let t = Instant::now();
        let v = f();
        best = best.min(t.elapsed().as_secs_f64());
        out = Some(v);
    }
    (best, out.expect("at least one repeat"))
}

fn arg(name: &str) -> Option<String> {
    let args: Vec<String> = std::env::args().collect();
    args.iter().position(|a| a == name).and_then(|i| args.get(i + 1).cloned())
}

/// The flights task's model inputs: the training months' rows (history values out of fold) then
/// the test months' rows, their labels, and the number of training rows.
fn flights_matrices(data: &Path) -> (Array2<f64>, Vec<f64>, usize) {
    use willump_workloads::flights::{FlightsState, tables};
    let raw = tables::read(data).expect("read the flights tables").expect("no flights/ folder under --flights DIR");
    let d = tables::dataset(raw, willump_workloads::Source::Real { dir: data.to_path_buf() }).expect("flights dataset");
    let (state, oof) = FlightsState::fit(&d).expect("fit the joins and history tables");
    let train = state.features(&d.train.inputs, Some(&oof)).expect("training features");
    let test = state.features(&d.test.inputs, None).expect("test features");
    let x = ndarray::concatenate(ndarray::Axis(0), &[train.view(), test.view()]).expect("same columns");
    let y = d.train.labels.iter().chain(&d.test.labels).copied().collect();
    (x, y, train.nrows())
}

fn main() {
    let rows: usize = arg("--rows").map_or(200_000, |v| v.parse().expect("--rows N"));
    // Fits are timed as the best of `--repeats` runs (the machine is shared: the minimum is the
    // least disturbed run).
    let repeats: usize = arg("--repeats").map_or(2, |v| v.parse().expect("--repeats N"));
    let python = arg("--python").or_else(|| std::env::var("WILLUMP_PYTHON").ok());
    // `--only gbdt` runs just the GBDT training (for profiling).
    let only_gbdt = arg("--only").as_deref() == Some("gbdt");
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/bench-data");
    std::fs::create_dir_all(&dir).expect("bench data dir");
    let mut results = serde_json::Map::new();

    // --- GBDT training ------------------------------------------------------------------------
    let (x, y, rows, gbdt_path) = match arg("--flights") {
        Some(data) => {
            let (x, y, rows) = flights_matrices(Path::new(&data));
            (x, y, rows, dir.join("gbdt_flights.bin"))
        }
        None => {
            let n_features: usize = arg("--features").map_or(30, |v| v.parse().expect("--features N"));
            assert!(n_features >= 21, "--features must be at least 21");
            let (x, y) = synthetic_classification(rows + rows / 5, n_features, 42);
            (x, y, rows, dir.join(format!("gbdt_synth_{rows}.bin")))
        }
    };
    let (n_test, n_features) = (x.nrows() - rows, x.ncols());
    let (x_train, x_test) = (x.slice(ndarray::s![..rows, ..]).to_owned(), x.slice(ndarray::s![rows.., ..]).to_owned());
    let (y_train, y_test) = (&y[..rows], &y[rows..]);
    write_dense(&gbdt_path, &x, &y);
    println!("GBDT: {rows} training rows x {n_features} features, {n_test} test rows; 100 trees, 31 leaves, lr 0.1");
    let mut model: Option<Gbdt> = None;
    // `--threads N` trains with N threads only (for profiling one configuration).
    let thread_counts: Vec<usize> = arg("--threads").map_or(vec![1, 2], |v| vec![v.parse().expect("--threads N")]);
    for &threads in &thread_counts {
        let spec = GbdtSpec { n_threads: threads, ..GbdtSpec::default() };
        let (secs, m) = best_of(repeats, || spec.fit(MatrixRef::Dense(x_train.view()), y_train).expect("fit"));
        let p = m.predict_proba(MatrixRef::Dense(x_test.view())).expect("predict");
        let auc = roc_auc(y_test, &p.column(1).to_vec()).expect("auc");
        println!("  willump gbdt fit, {threads} thread(s): {secs:.3} s, test AUC {auc:.5}");
        results.insert(format!("gbdt_fit_s_{threads}"), secs.into());
        results.insert(format!("gbdt_auc_{threads}"), auc.into());
        model = Some(m);
    }
    let model = model.expect("trained");
    if only_gbdt {
        return;
    }

    // --- Eager inference ----------------------------------------------------------------------
    let xt = MatrixRef::Dense(x_test.view());
    let (secs, _) = best_of(5, || model.decision_function(xt).expect("predict"));
    let batch_rps = n_test as f64 / secs;
    let mut out = [0.0];
    let one_rows = n_test.min(20_000);
    let (secs1, _) = best_of(5, || {
        for i in 0..one_rows {
            model.decision_row(x_test.row(i).as_slice().expect("contiguous"), &mut out).expect("row");
        }
    });
    let one_us = secs1 / one_rows as f64 * 1e6;
    println!(
        "  willump eager predict: batch {batch_rps:.0} rows/s, one row {one_us:.2} us ({:.0} rows/s)",
        1e6 / one_us
    );
    results.insert("predict_batch_rps".into(), batch_rps.into());
    results.insert("predict_one_us".into(), one_us.into());

    // --- Logistic regression on sparse TF-IDF-sized data --------------------------------------
    let (xs, ys) = synthetic_sparse(25_000, 60_000, 60, 7);
    let lr_path = dir.join("lr_sparse_25k_60k.bin");
    write_csr(&lr_path, &xs, &ys);
    println!("Logistic regression: 25,000 x 60,000 sparse, {} stored values", xs.nnz());
    for (name, penalty, c, tol) in [
        ("l2", Penalty::L2, 1.0, 1e-4),
        ("l1", Penalty::L1, 1.0, 1e-4),
        ("l2_default", Penalty::L2, 1.0, 1e-6),
        ("l1_default", Penalty::L1, 1.0, 1e-6),
    ] {
        let spec = LogisticRegressionSpec { penalty, c, tol, ..LogisticRegressionSpec::default() };
        let (secs, m) = best_of(2, || spec.fit(MatrixRef::Sparse(&xs), &ys).expect("fit"));
        let p = m.predict_proba(MatrixRef::Sparse(&xs)).expect("predict");
        let auc = roc_auc(&ys, &p.column(1).to_vec()).expect("auc");
        println!(
            "  willump LR {name} C={c} tol={tol:e}: {secs:.3} s, {} iterations, converged {}, train AUC {auc:.5}",
            m.n_iter(),
            m.converged()
        );
        results.insert(format!("lr_{name}_s"), secs.into());
        results.insert(format!("lr_{name}_auc"), auc.into());
    }

    // --- Python baselines on the same files ---------------------------------------------------
    let Some(python) = python else {
        println!("(no --python / WILLUMP_PYTHON: baselines skipped)");
        return;
    };
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("benches/python/models_baseline.py");
    let output = Command::new(&python)
        .arg(&script)
        .arg(&gbdt_path)
        .arg(rows.to_string())
        .arg(&lr_path)
        .arg(repeats.to_string())
        .output()
        .expect("run the Python baseline");
    if !output.status.success() {
        eprintln!("baseline failed:\n{}", String::from_utf8_lossy(&output.stderr));
        return;
    }
    let text = String::from_utf8_lossy(&output.stdout);
    let base: serde_json::Value = match text.lines().last().map(serde_json::from_str) {
        Some(Ok(v)) => v,
        _ => {
            eprintln!("baseline printed no JSON:\n{text}");
            return;
        }
    };
    print!("{}", text.lines().take_while(|l| !l.starts_with('{')).map(|l| format!("{l}\n")).collect::<String>());
    let get = |m: &serde_json::Map<String, serde_json::Value>, k: &str| m.get(k).and_then(|v| v.as_f64());
    let b = base.as_object().expect("JSON object");
    println!("\nSide by side (ratio = willump / baseline time; > 1 means willump is slower):");
    println!("| measure | willump | baseline | ratio |");
    println!("|---|---|---|---|");
    for threads in [1, 2] {
        let (w, l) = (get(&results, &format!("gbdt_fit_s_{threads}")), get(b, &format!("lgbm_fit_s_{threads}")));
        if let (Some(w), Some(l)) = (w, l) {
            println!("| GBDT fit, {threads} thread(s) (s) | {w:.3} | {l:.3} (LightGBM) | {:.2} |", w / l);
        }
        let (w, l) = (get(&results, &format!("gbdt_auc_{threads}")), get(b, &format!("lgbm_auc_{threads}")));
        if let (Some(w), Some(l)) = (w, l) {
            println!("| GBDT test AUC, {threads} thread(s) | {w:.5} | {l:.5} (LightGBM) | diff {:+.5} |", w - l);
        }
    }
    if let (Some(w), Some(l)) = (get(&results, "predict_batch_rps"), get(b, "lgbm_predict_batch_rps")) {
        println!("| predict batch, 1 thread (rows/s) | {w:.0} | {l:.0} (LightGBM) | speed-up {:.2}x |", w / l);
    }
    if let (Some(w), Some(l)) = (get(&results, "predict_batch_rps"), get(b, "lleaves_predict_batch_rps")) {
        println!("| predict batch, 1 thread (rows/s) | {w:.0} | {l:.0} (lleaves) | speed-up {:.2}x |", w / l);
    }
    if let (Some(w), Some(l)) = (get(&results, "predict_one_us"), get(b, "lgbm_predict_one_us")) {
        println!("| predict one row (us) | {w:.2} | {l:.2} (LightGBM) | speed-up {:.1}x |", l / w);
    }
    for name in ["l2", "l1"] {
        if let (Some(w), Some(l)) = (get(&results, &format!("lr_{name}_s")), get(b, &format!("sk_lr_{name}_s"))) {
            let solver = if name == "l2" { "lbfgs" } else { "saga" };
            println!("| LR {name} fit (s) | {w:.3} | {l:.3} (sklearn {solver}) | {:.2} |", w / l);
        }
    }
}
