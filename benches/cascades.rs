//! The robustness study of cascades on the compiled engine: over many seeds (different 80/20
//! splits of the workload's rows), each workload is trained, compiled, and its cascade trained
//! and served on the JIT under each acceptance rule; every score and time is on the test rows of
//! that seed, which no fitting or tuning step saw.
//!
//! ```text
//! cargo bench --bench cascades -- --data ../shared/data [--workloads text,product] [--seeds 20]
//!     [--first 0] [--modes willump,plain,guarded] [--guard-all-rows] [--thresholds 0.6,0.65,...]
//!     [--small-regularization 1,0.3,3,10]
//! ```
//!
//! With `CASCADES_REPORT` set in the environment it also prints each trained cascade's report (every
//! candidate set, threshold, validation score and expected cost).
//!
//! Modes: `willump` is Willump's rule (one validation split, point estimate, the small model
//! fit as the full one); `plain` the default rule (cross-fitted validation, noise-aware margin,
//! the small model's regularization searched; `--small-regularization 1` turns the search off); `guarded` the guarded mode
//! (certified on held-out rows). All use the harness's configuration
//! (`willump_workloads::harness::cascades::config`: the workload's metric, target 0.001
//! absolute, costs measured on the JIT, the recompute strategy the served cascade runs).
//!
//! Per seed and mode it prints the test accuracy of the served full model and of the cascade
//! (the loss is their difference; "vs user" is the loss against the user's own full model, fit
//! on every training row), the fraction answered early, the predicted speed-up, and batch
//! throughput on one thread, compiled full pipeline vs served cascade vs the same cascade in the
//! recompute form (`CascadePipeline::serve_recompute`: the whole pipeline on the unsure rows, how
//! cascades were served before the split form), side by side (median of 3 interleaved rounds
//! over the test split); "served" says which form `serve` chose. The summary gives, per workload and mode, how often
//! the loss stayed within 0.001, the median loss, and the median measured speed-up.

use std::path::PathBuf;
use std::time::Instant;

use willump::jit::{CompileOptions, JitExecutor, compile};
use willump::runtime::optimize::{CascadeConfig, Guard, split};
use willump::runtime::value::Value;
use willump_workloads::harness::cascades::{config as harness_config, train};
use willump_workloads::harness::variants::Context;
use willump_workloads::{Dataset, Result, Split, Workload, accuracy, by_name, class1_of_value};

struct Args {
    data: PathBuf,
    workloads: Vec<String>,
    first: u64,
    seeds: u64,
    modes: Vec<String>,
    guard_all_rows: bool,
    /// A threshold grid replacing the default one (`--thresholds 0.6,0.65,...`).
    thresholds: Option<Vec<f64>>,
    /// The small model's regularization factors (`--small-regularization 1,3`).
    small_regularization: Option<Vec<f64>>,
}

fn args() -> Args {
    let mut a = Args {
        data: PathBuf::from("../shared/data"),
        workloads: vec!["text".into(), "product".into()],
        first: 0,
        seeds: 20,
        modes: vec!["willump".into(), "plain".into(), "guarded".into()],
        guard_all_rows: false,
        thresholds: None,
        small_regularization: None,
    };
    let v: Vec<String> = std::env::args().skip(1).collect();
    let list = |s: &str| s.split(',').map(String::from).collect::<Vec<_>>();
    let mut i = 0;
    while i < v.len() {
        let next = |i: usize| v.get(i + 1).cloned().unwrap_or_else(|| panic!("{} needs a value", v[i]));
        match v[i].as_str() {
            "--data" => a.data = PathBuf::from(next(i)),
            "--workloads" => a.workloads = list(&next(i)),
            "--first" => a.first = next(i).parse().expect("--first N"),
            "--seeds" => a.seeds = next(i).parse().expect("--seeds N"),
            "--modes" => a.modes = list(&next(i)),
            "--thresholds" => {
                a.thresholds =
                    Some(list(&next(i)).iter().map(|t| t.parse().expect("--thresholds 0.6,0.7,...")).collect())
            }
            "--small-regularization" => {
                a.small_regularization =
                    Some(list(&next(i)).iter().map(|t| t.parse().expect("--small-regularization 1,3,...")).collect())
            }
            "--guard-all-rows" => {
                a.guard_all_rows = true;
                i -= 1;
            }
            _ => i -= 1, // cargo bench passes --bench
        }
        i += 2;
    }
    a
}

/// The configuration of `mode` for `workload` at `seed`.
fn mode_config(workload: &dyn Workload, mode: &str, seed: u64, a: &Args) -> CascadeConfig {
    let all_rows = a.guard_all_rows;
    let base = CascadeConfig { measure_rows: 0, ..harness_config(workload, seed) };
    let base = match &a.thresholds {
        Some(t) => CascadeConfig { thresholds: Some(t.clone()), ..base },
        None => base,
    };
    let base = match &a.small_regularization {
        Some(f) => CascadeConfig { small_regularization: f.clone(), ..base },
        None => base,
    };
    match mode {
        "willump" => CascadeConfig {
            validation_folds: 1,
            margin: 0.0,
            small_regularization: vec![1.0],
            refit_same_penalty: false,
            ..base
        },
        "plain" => base,
        "guarded" => {
            CascadeConfig { guard: Some(Guard { full_model_on_all_rows: all_rows, ..Guard::default() }), ..base }
        }
        other => panic!("unknown mode `{other}` (willump, plain, guarded)"),
    }
}

/// The workload's rows re-split 80/20 (stratified by label) with `seed`.
fn resplit(data: &Dataset, seed: u64) -> Result<Dataset> {
    let inputs =
        data.train.inputs.iter().zip(&data.test.inputs).map(|(a, b)| concat(a, b)).collect::<Result<Vec<_>>>()?;
    let labels: Vec<f64> = data.train.labels.iter().chain(&data.test.labels).copied().collect();
    let all = Split { inputs, labels };
    let parts = split::stratified(&all.labels, &[0.2], seed)?;
    Ok(Dataset {
        source: data.source.clone(),
        train: all.take(&parts[0])?,
        test: all.take(&parts[1])?,
        tables: data.tables.clone(),
    })
}

/// Two string columns one after the other (the text workloads' only input type).
fn concat(a: &Value, b: &Value) -> Result<Value> {
    use willump::runtime::value::{Column, StringColumn};
    match (a, b) {
        (Value::Column(Column::Str(x)), Value::Column(Column::Str(y))) => {
            let v: Vec<Option<&str>> = x.iter().chain(y.iter()).collect();
            Ok(Value::Column(Column::Str(StringColumn::from_options(&v))))
        }
        _ => Err(willump::Error::op("cascades bench", "only string inputs can be re-split")),
    }
}

fn median(mut v: Vec<f64>) -> f64 {
    if v.is_empty() {
        return f64::NAN;
    }
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n % 2 == 1 { v[n / 2] } else { (v[n / 2 - 1] + v[n / 2]) / 2.0 }
}

#[derive(Default)]
struct Tally {
    seeds: usize,
    within: usize,
    cascaded: usize,
    predicted_13: usize,
    loss: Vec<f64>,
    loss_user: Vec<f64>,
    speedup: Vec<f64>,
    /// The same cascade served in the recompute form.
    speedup_recompute: Vec<f64>,
    early: Vec<f64>,
}

fn main() -> Result<()> {
    let a = args();
    let engine = JitExecutor::default();
    for name in &a.workloads {
        let workload = by_name(name).unwrap_or_else(|| panic!("unknown workload `{name}`"));
        let base = match workload.load(&a.data)? {
            Some(d) => d,
            None => workload.generate(1, 60_000)?,
        };
        println!("\n== {name}: {} ==", base.source);
        println!(
            "{:>4} {:>8} {:>9} {:>9} {:>8} {:>6} {:>8} {:>6} {:>7} {:>10} {:>10} {:>7} {:>9} {:>10} {:>7}",
            "seed",
            "mode",
            "full acc",
            "casc acc",
            "loss",
            "within",
            "vs user",
            "early",
            "pred.x",
            "compiled/s",
            "cascade/s",
            "ratio",
            "served",
            "recomp/s",
            "ratio"
        );
        let mut tallies: Vec<Tally> = a.modes.iter().map(|_| Tally::default()).collect();
        for seed in a.first..a.first + a.seeds {
            let data = resplit(&base, seed)?;
            let trained = workload.train(&data)?;
            let ctx = Context { workload: workload.as_ref(), trained: trained.as_ref(), data: &data };
            let user = compile(&trained.graph()?, &CompileOptions::default())?;
            let test = &data.test;
            let user_acc = accuracy(&test.labels, &class1_of_value(&user.predict(&test.inputs)?)?)?;
            for (m, mode) in a.modes.iter().enumerate() {
                let config = mode_config(workload.as_ref(), mode, seed, &a);
                let outcome = train(&ctx, &engine, &config)?;
                if std::env::var_os("CASCADES_REPORT").is_some() {
                    // every candidate set, threshold, score and cost, for reading the choice
                    println!("{}", outcome.report);
                }
                let t = &mut tallies[m];
                t.seeds += 1;
                let Some(cascade) = &outcome.cascade else {
                    println!(
                        "{seed:>4} {mode:>8} declined: {}",
                        outcome.report.declined.as_deref().unwrap_or("no candidate met the target")
                    );
                    t.within += 1;
                    t.loss.push(0.0);
                    t.loss_user.push(0.0);
                    t.speedup.push(1.0);
                    t.speedup_recompute.push(1.0);
                    t.early.push(0.0);
                    continue;
                };
                let served = cascade.serve(&engine)?;
                // the old served form (the whole pipeline on the unsure rows), timed beside it
                let recompute = cascade.serve_recompute(&engine)?;
                let full = compile(cascade.full_pipeline(), &CompileOptions::default())?;
                let full_acc = accuracy(&test.labels, &class1_of_value(&full.predict(&test.inputs)?)?)?;
                let p = served.predict(&test.inputs)?;
                let casc_acc = accuracy(&test.labels, &class1_of_value(&p.value)?)?;
                let early = p.early.iter().filter(|e| **e).count() as f64 / p.early.len() as f64;
                let old_acc = accuracy(&test.labels, &class1_of_value(&recompute.predict(&test.inputs)?.value)?)?;
                if old_acc != casc_acc {
                    println!("     (the recompute form scores {old_acc:.4}: a rounding tie differs)");
                }
                // Throughput, one thread: the user's compiled pipeline, the served cascade and
                // its recompute form, interleaved, median of 3 rounds.
                let (mut tf, mut tc, mut to) = (Vec::new(), Vec::new(), Vec::new());
                for _ in 0..3 {
                    let s = Instant::now();
                    user.predict(&test.inputs)?;
                    tf.push(s.elapsed().as_secs_f64());
                    let s = Instant::now();
                    served.predict(&test.inputs)?;
                    tc.push(s.elapsed().as_secs_f64());
                    let s = Instant::now();
                    recompute.predict(&test.inputs)?;
                    to.push(s.elapsed().as_secs_f64());
                }
                let n = test.n_rows() as f64;
                let (rf, rc, ro) = (n / median(tf), n / median(tc), n / median(to));
                let pred = outcome.report.choice().map_or(1.0, |c| c.predicted_speedup);
                let loss = full_acc - casc_acc;
                let within = loss <= 0.001 + 1e-12;
                t.within += within as usize;
                t.cascaded += 1;
                t.predicted_13 += (pred >= 1.3) as usize;
                t.loss.push(loss);
                t.loss_user.push(user_acc - casc_acc);
                t.speedup.push(rc / rf);
                t.speedup_recompute.push(ro / rf);
                t.early.push(early);
                println!(
                    "{seed:>4} {mode:>8} {full_acc:>9.4} {casc_acc:>9.4} {loss:>8.4} {:>6} {:>8.4} {early:>6.3} {pred:>6.2}x {rf:>10.0} {rc:>10.0} {:>6.2}x {:>9} {ro:>10.0} {:>6.2}x",
                    if within { "yes" } else { "NO" },
                    user_acc - casc_acc,
                    rc / rf,
                    format!("{:?}", served.form()),
                    ro / rf
                );
            }
        }
        println!("\n{name} summary ({} seeds from {}):", a.seeds, a.first);
        for (mode, t) in a.modes.iter().zip(tallies) {
            println!(
                "  {mode:>8}: loss within 0.001 in {}/{}; median loss {:.4} (vs user {:.4}); cascaded {}/{}; predicted >= 1.3x {}/{}; median early {:.3}; median speed-up over compiled {:.2}x (recompute form {:.2}x)",
                t.within,
                t.seeds,
                median(t.loss),
                median(t.loss_user),
                t.cascaded,
                t.seeds,
                t.predicted_13,
                t.seeds,
                median(t.early),
                median(t.speedup),
                median(t.speedup_recompute)
            );
        }
    }
    Ok(())
}
