//! The JIT on a 100-tree, 31-leaf GBDT over 50 features: compile time, batch throughput (1 and 2
//! threads) and one-row latency of the compiled pipeline (trees as branches and as a table, at
//! both Cranelift optimization levels), beside the eager model (`predict_proba` on a dense
//! matrix) and the interpreter, on the same model and rows.
//!
//! ```text
//! python benches/python/jit_gbdt_baseline.py target/jit_gbdt   # LightGBM model + rows + Python timings
//! cargo bench --bench jit_gbdt -- target/jit_gbdt
//! cargo bench --bench jit_gbdt -- --only=QuickScorer    # the variants whose label has this text
//! ```
//!
//! Without the directory the bench trains its own GBDT (same shape) on seeded data.

mod bench_timing;
use bench_timing::{median, time};
use std::sync::Arc;
use std::time::Instant;

use ndarray::Array2;
use willump::Pipeline;
use willump::ir::{Graph, ModelOutput, NodeId, Op, StateDecl, Type};
use willump::jit::{Cell, CompileOptions, OptLevel, TreeMode, compile};
use willump::runtime::models::{GbdtSpec, Model, load_lightgbm_file};
use willump::runtime::rng::Rng;
use willump::runtime::state::BoundState;
use willump::runtime::value::{F64Column, MatrixRef, Value};

fn read_rows(path: &std::path::Path) -> Option<Array2<f64>> {
    let b = std::fs::read(path).ok()?;
    let n = u64::from_le_bytes(b[0..8].try_into().ok()?) as usize;
    let d = u64::from_le_bytes(b[8..16].try_into().ok()?) as usize;
    let vals: Vec<f64> = b[16..].chunks_exact(8).map(|c| f64::from_le_bytes(c.try_into().unwrap())).collect();
    Array2::from_shape_vec((n, d), vals).ok()
}

fn seeded(n: usize, d: usize, seed: u64) -> (Array2<f64>, Vec<f64>) {
    let mut rng = Rng::new(seed);
    let mut x = Array2::from_shape_fn((n, d), |_| rng.normal());
    let y = (0..n)
        .map(|i| ((1.5 * x[[i, 0]] - x[[i, 1]] * x[[i, 1]] + 0.8 * x[[i, 2]] * x[[i, 3]]) > -0.5) as u8 as f64)
        .collect();
    x.mapv_inplace(|v| if rng.next_f64() < 0.05 { f64::NAN } else { v });
    (x, y)
}

fn main() {
    let dir = std::env::args().skip(1).find(|a| !a.starts_with('-')).map(std::path::PathBuf::from);
    // `--only=TEXT`: run the compiled variants whose label contains TEXT (for profiling one)
    let only = std::env::args().find_map(|a| a.strip_prefix("--only=").map(str::to_string));
    let loaded = dir.as_ref().and_then(|d| {
        let m = load_lightgbm_file(d.join("model.txt")).ok()?;
        Some((Arc::new(m) as Arc<dyn Model>, read_rows(&d.join("rows.f64"))?))
    });
    let (model, x, source) = match loaded {
        Some((m, x)) => (m, x, "LightGBM model and rows from the Python baseline"),
        None => {
            let (xt, yt) = seeded(20_000, 50, 1);
            let spec = GbdtSpec { n_trees: 100, num_leaves: 31, n_threads: 1, ..GbdtSpec::default() };
            let m: Arc<dyn Model> = Arc::from(spec.fit(MatrixRef::Dense(xt.view()), &yt).unwrap());
            (m, seeded(100_000, 50, 2).0, "willump's own GBDT on seeded rows")
        }
    };
    let (n, d) = x.dim();
    println!("jit_gbdt: {source}; {n} rows x {d} features");

    let mut g = Graph::new("gbdt");
    let xs: Vec<NodeId> = (0..d).map(|j| g.add_input(format!("x{j}"), Type::F64).unwrap()).collect();
    let dense = g.add(Op::ToDense, xs, None).unwrap();
    let s = BoundState::Model(model.clone());
    let st = g.add_state(StateDecl { name: "gbdt".into(), kind: s.kind(), fingerprint: s.fingerprint() });
    let out = g.add(Op::Model { state: st, output: ModelOutput::Proba }, vec![dense], None).unwrap();
    g.set_output(out).unwrap();
    let p = Pipeline::new(g, vec![s]).unwrap();
    let inputs: Vec<Value> = (0..d).map(|j| Value::from(F64Column::new(x.column(j).to_vec()))).collect();

    let eager = time(5, || {
        model.predict_proba(MatrixRef::Dense(x.view())).unwrap();
    });
    println!("{:<34} {:>12.0} rows/s", "eager model.predict_proba", n as f64 / eager);
    let interp = time(3, || {
        p.run(&inputs).unwrap();
    });
    println!("{:<34} {:>12.0} rows/s", "interpreter (to_dense + model)", n as f64 / interp);
    let want = format!("{:?}", p.run(&inputs).unwrap());

    for (tree_mode, opt_level, tree_blocks) in [
        (TreeMode::QuickScorer, OptLevel::Speed, false),
        (TreeMode::QuickScorer, OptLevel::None, false),
        (TreeMode::Branches, OptLevel::None, true),
        (TreeMode::Branches, OptLevel::None, false),
        (TreeMode::Branches, OptLevel::Speed, false),
        (TreeMode::Table, OptLevel::None, false),
    ] {
        let label = format!("compiled {tree_mode:?}/{opt_level:?}{}", if tree_blocks { "/blocks" } else { "" });
        if only.as_ref().is_some_and(|o| !label.contains(o.as_str())) {
            continue;
        }
        let opts = CompileOptions { tree_mode, opt_level, tree_blocks, verify: false, ..CompileOptions::default() };
        let compile_s = median(
            (0..3)
                .map(|_| {
                    let t = Instant::now();
                    drop(compile(&p, &opts).unwrap());
                    t.elapsed().as_secs_f64()
                })
                .collect(),
        );
        let c = compile(&p, &opts).unwrap();
        assert_eq!(format!("{:?}", c.predict(&inputs).unwrap()), want, "compiled equals the interpreter");
        let one = time(5, || {
            c.predict_threads(&inputs, 1).unwrap();
        });
        let two = time(5, || {
            c.predict_threads(&inputs, 2).unwrap();
        });
        // one row per call, after warm-up
        let mut out = [0.0; 2];
        let rows: Vec<Vec<Cell<'_>>> =
            (0..2000).map(|i| (0..d).map(|j| Cell::F64(Some(x[[i % n, j]]))).collect()).collect();
        for r in rows.iter().take(100) {
            c.predict_one(r, &mut out).unwrap();
        }
        let mut lat: Vec<f64> = Vec::with_capacity(rows.len());
        for r in &rows {
            let t = Instant::now();
            c.predict_one(r, &mut out).unwrap();
            lat.push(t.elapsed().as_secs_f64() * 1e6);
        }
        lat.sort_by(|a, b| a.total_cmp(b));
        println!(
            "{label:<34} {:>12.0} rows/s, 2 threads {:>10.0} rows/s ({:.2}x), one row p50 {:.2} us p99 {:.2} us, compile {:.1} ms",
            n as f64 / one,
            n as f64 / two,
            one / two,
            lat[lat.len() / 2],
            lat[lat.len() * 99 / 100],
            compile_s * 1e3
        );
    }
    if let Some(dir) = dir
        && let Ok(py) = std::fs::read_to_string(dir.join("python.json"))
    {
        println!("python (same model and rows, one thread): {}", py.trim());
    }
}
