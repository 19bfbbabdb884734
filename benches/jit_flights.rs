//! The JIT on a flights-like pipeline: two left joins (planes by `tailnum`, weather by
//! (`origin`, `time_hour`)) and numeric ops into a dense block (the feature stage), then a
//! 100-tree GBDT (the model stage). Feature stage and model stage timed separately, eager (the
//! operators run node by node by the interpreter) against compiled, on all flights of
//! `../shared/data/flights` (or seeded tables of the same shape), one thread unless stated.
//!
//! ```text
//! cargo bench --bench jit_flights
//! ```

#[allow(dead_code)]
mod table_data;

mod bench_timing;
use bench_timing::time;
use std::sync::Arc;
use std::time::Instant;

use willump::Pipeline;
use willump::ir::params::numeric::{ArithOp, BucketRule};
use willump::ir::params::table::Scalar;
use willump::ir::{Graph, ModelOutput, NodeId, Op, StateDecl, Type};
use willump::jit::{CompileOptions, compile};
use willump::runtime::models::{GbdtSpec, Model};
use willump::runtime::ops::table::LeftJoin;
use willump::runtime::state::BoundState;
use willump::runtime::value::{Column, MatrixRef, Value};

const INPUTS: &[(&str, Type)] = &[
    ("month", Type::I64),
    ("sched_dep_time", Type::I64),
    ("distance", Type::F64),
    ("hour", Type::I64),
    ("tailnum", Type::STR),
    ("origin", Type::STR),
    ("time_hour", Type::STR),
];

/// The feature graph (and, with `model`, the model on top).
fn graph(planes: &LeftJoin, weather: &LeftJoin, model: Option<Arc<dyn Model>>) -> Pipeline {
    let mut g = Graph::new("flights");
    let ins: Vec<NodeId> = INPUTS.iter().map(|(n, t)| g.add_input(*n, t.clone()).unwrap()).collect();
    let names: Vec<String> = INPUTS.iter().map(|(n, _)| n.to_string()).collect();
    let probe = g.add(Op::MakeTable { names }, ins.clone(), Some("probe".into())).unwrap();
    let mut states = Vec::new();
    let mut state = |g: &mut Graph, s: BoundState, name: &str| {
        let id = g.add_state(StateDecl { name: name.into(), kind: s.kind(), fingerprint: s.fingerprint() });
        states.push(s);
        id
    };
    let ps = state(&mut g, BoundState::Join(Arc::new(planes.clone())), "planes");
    let ws = state(&mut g, BoundState::Join(Arc::new(weather.clone())), "weather");
    let plane =
        g.add(Op::LeftJoin { state: ps, keys: vec!["tailnum".into()] }, vec![probe], Some("plane".into())).unwrap();
    let wx = g
        .add(
            Op::LeftJoin { state: ws, keys: vec!["origin".into(), "time_hour".into()] },
            vec![probe],
            Some("wx".into()),
        )
        .unwrap();
    let year = g.add(Op::GetColumn { name: "year".into() }, vec![plane], None).unwrap();
    let age = g
        .add(Op::ArithConst { op: ArithOp::Sub, value: 2013.0, const_left: true }, vec![year], Some("age".into()))
        .unwrap();
    let rest = g.add(Op::Select { names: vec!["engines".into(), "seats".into()] }, vec![plane], None).unwrap();
    let ld = g.add(Op::Log1p, vec![ins[2]], Some("log_distance".into())).unwrap();
    let dep = g
        .add(Op::ArithConst { op: ArithOp::Div, value: 100.0, const_left: false }, vec![ins[1]], Some("dep".into()))
        .unwrap();
    let bucket = g
        .add(
            Op::Bucketize { boundaries: vec![6.0, 9.0, 12.0, 15.0, 18.0, 21.0], rule: BucketRule::LeftClosed },
            vec![ins[3]],
            None,
        )
        .unwrap();
    let x = g.add(Op::ToDense, vec![ins[0], age, rest, wx, ld, dep, bucket], Some("x".into())).unwrap();
    let out = match model {
        Some(m) => {
            let ms = state(&mut g, BoundState::Model(m), "gbdt");
            g.add(Op::Model { state: ms, output: ModelOutput::Proba }, vec![x], Some("p".into())).unwrap()
        }
        None => x,
    };
    g.set_output(out).unwrap();
    Pipeline::new(g, states).unwrap()
}

fn main() {
    let data = table_data::load();
    let f = &data.flights;
    let n = f.n_rows();
    let planes = LeftJoin::fit(
        &data.planes,
        &["tailnum"],
        &[("year", Scalar::Missing), ("engines", Scalar::Missing), ("seats", Scalar::Missing)],
    )
    .unwrap();
    let wv: Vec<(&str, Scalar)> = table_data::WEATHER_VALUES.iter().map(|&v| (v, Scalar::Missing)).collect();
    let weather = LeftJoin::fit(&data.weather, &["origin", "time_hour"], &wv).unwrap();
    let inputs: Vec<Value> =
        INPUTS.iter().map(|(name, _)| Value::Column(f.column("bench", name).unwrap().clone())).collect();
    println!("jit_flights: {n} flights from {}", data.source);

    // features, then a GBDT fitted on them (label: arr_delay >= 15)
    let features = graph(&planes, &weather, None);
    if let Ok(k) = std::env::var("JIT_FLIGHTS_PROFILE_FEATURES") {
        // a loop to profile the compiled feature stage alone (perf record ...)
        // (into one reused output block with `JIT_FLIGHTS_PROFILE_REUSE` set)
        let cf = compile(&features, &CompileOptions { verify: false, ..CompileOptions::default() }).unwrap();
        let mut out = cf.predict(&inputs).unwrap();
        let reuse = std::env::var_os("JIT_FLIGHTS_PROFILE_REUSE").is_some();
        for _ in 0..k.parse().unwrap_or(20) {
            if reuse {
                cf.predict_into(&inputs, &mut out).unwrap();
            } else {
                cf.predict_threads(&inputs, 1).unwrap();
            }
        }
        return;
    }
    if std::env::var_os("JIT_FLIGHTS_FEATURES_ONLY").is_some() {
        // the feature stage alone, more rounds (for comparing variants of the compiled code)
        features_only(&features, &inputs, n);
        return;
    }
    let Value::Dense(x) = features.run(&inputs).unwrap() else { unreachable!("dense features") };
    let Column::F64(delay) = f.column("bench", "arr_delay").unwrap() else { unreachable!("f64") };
    let y: Vec<f64> = delay.iter().map(|d| d.is_some_and(|d| d >= 15.0) as u8 as f64).collect();
    let spec = GbdtSpec { n_trees: 100, num_leaves: 31, n_threads: 2, ..GbdtSpec::default() };
    let m: Arc<dyn Model> = Arc::from(spec.fit(MatrixRef::Dense(x.view()), &y).unwrap());
    let full = graph(&planes, &weather, Some(m.clone()));

    let opts = CompileOptions { verify: false, ..CompileOptions::default() };
    let t = Instant::now();
    let cf = compile(&features, &opts).unwrap();
    let compile_features = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let cfull = compile(&full, &opts).unwrap();
    let compile_full = t.elapsed().as_secs_f64();
    assert_eq!(format!("{:?}", cf.predict(&inputs).unwrap()), format!("{:?}", features.run(&inputs).unwrap()));
    assert_eq!(format!("{:?}", cfull.predict(&inputs).unwrap()), format!("{:?}", full.run(&inputs).unwrap()));

    let eager_features = time(3, || {
        features.run(&inputs).unwrap();
    });
    let compiled_features = time(3, || {
        cf.predict_threads(&inputs, 1).unwrap();
    });
    // the same into one reused output block (no fresh pages to zero); `opts.threads` is 1
    let mut reused = cf.predict(&inputs).unwrap();
    let compiled_features_into = time(3, || {
        cf.predict_into(&inputs, &mut reused).unwrap();
    });
    assert_eq!(format!("{reused:?}"), format!("{:?}", features.run(&inputs).unwrap()));
    let eager_model = time(3, || {
        m.predict_proba(MatrixRef::Dense(x.view())).unwrap();
    });
    let eager_full = time(3, || {
        full.run(&inputs).unwrap();
    });
    let compiled_full = time(3, || {
        cfull.predict_threads(&inputs, 1).unwrap();
    });
    let compiled_full2 = time(3, || {
        cfull.predict_threads(&inputs, 2).unwrap();
    });
    let rate = |s: f64| n as f64 / s / 1e6;
    println!("feature stage (2 joins, numeric ops, to_dense -> {} columns):", x.ncols());
    println!("  eager (interpreter)      {:>8.2} M rows/s", rate(eager_features));
    println!(
        "  compiled, fresh output   {:>8.2} M rows/s ({:.2}x eager; predict), compile {:.1} ms",
        rate(compiled_features),
        eager_features / compiled_features,
        compile_features * 1e3
    );
    println!(
        "  compiled, reused output    {:>6.2} M rows/s ({:.2}x eager; predict_into)",
        rate(compiled_features_into),
        eager_features / compiled_features_into
    );
    println!("model stage (100 trees, 31 leaves):");
    println!("  eager predict_proba      {:>8.2} M rows/s", rate(eager_model));
    println!("  compiled (full - features) {:>6.2} M rows/s", rate((compiled_full - compiled_features).max(1e-9)));
    println!("whole pipeline:");
    println!("  eager (interpreter)      {:>8.2} M rows/s", rate(eager_full));
    println!(
        "  compiled                 {:>8.2} M rows/s ({:.2}x eager), 2 threads {:.2} M rows/s ({:.2}x), compile {:.1} ms",
        rate(compiled_full),
        eager_full / compiled_full,
        rate(compiled_full2),
        compiled_full / compiled_full2,
        compile_full * 1e3
    );
    println!("{}", cfull.report().final_loops());
}

/// Times the feature stage alone: eager, compiled with a fresh output block per call
/// (`predict_threads`, one thread) and compiled into one reused block (`predict_into`),
/// interleaved over 7 rounds (`JIT_FLIGHTS_ROUNDS`), so all see the same machine load. Prints
/// medians by wall time, by the thread's on-CPU time (in brackets: it leaves out time spent
/// waiting for a core on a loaded machine, but the kernel counts it in scheduler ticks, so it
/// moves in steps of a few ms), and the fastest round of each ("best", the least disturbed by
/// other work on the machine).
fn features_only(features: &Pipeline, inputs: &[Value], n: usize) {
    let level = match std::env::var("JIT_FLIGHTS_OPT").as_deref() {
        Ok("speed") => willump::jit::OptLevel::Speed,
        Ok("none") => willump::jit::OptLevel::None,
        _ => willump::jit::OptLevel::Auto,
    };
    let opts = CompileOptions { verify: false, opt_level: level, ..CompileOptions::default() };
    let cf = compile(features, &opts).unwrap();
    let want = format!("{:?}", features.run(inputs).unwrap());
    assert_eq!(format!("{:?}", cf.predict(inputs).unwrap()), want);
    let mut reused = cf.predict(inputs).unwrap();
    let (mut eager, mut fresh, mut into) = Default::default();
    let run = |f: &mut dyn FnMut(), into: &mut (Vec<f64>, Vec<f64>)| {
        let (t, c) = (Instant::now(), on_cpu());
        f();
        into.0.push(t.elapsed().as_secs_f64());
        into.1.push(on_cpu() - c);
    };
    let rounds: usize = std::env::var("JIT_FLIGHTS_ROUNDS").map_or(7, |r| r.parse().expect("a round count"));
    for _ in 0..rounds {
        run(&mut || drop(features.run(inputs).unwrap()), &mut eager);
        run(&mut || drop(cf.predict_threads(inputs, 1).unwrap()), &mut fresh);
        run(&mut || cf.predict_into(inputs, &mut reused).unwrap(), &mut into);
    }
    assert_eq!(format!("{reused:?}"), want, "predict_into");
    let m = |v: &(Vec<f64>, Vec<f64>)| (bench_timing::median(v.0.clone()), bench_timing::median(v.1.clone()));
    let best = |v: &(Vec<f64>, Vec<f64>)| v.0.iter().copied().fold(f64::INFINITY, f64::min);
    let (e, ec) = m(&eager);
    let eb = best(&eager);
    let r = |s: f64| n as f64 / s / 1e6;
    println!("feature stage: eager {:.2} [{:.2}] M rows/s, best {:.2}", r(e), r(ec), r(eb));
    for (how, t) in [("fresh output (predict)     ", &fresh), ("reused output (predict_into)", &into)] {
        let (c, cc) = m(t);
        println!(
            "  compiled, {how}: {:.2} [{:.2}] M rows/s, {:.2}x [{:.2}x] eager; best {:.2} M rows/s, {:.2}x",
            r(c),
            r(cc),
            e / c,
            ec / cc,
            r(best(t)),
            eb / best(t)
        );
    }
}

/// This thread's time on a CPU so far, in seconds (Linux's `/proc/thread-self/schedstat`; 0
/// elsewhere).
fn on_cpu() -> f64 {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|s| s.split_whitespace().next()?.parse::<f64>().ok())
        .map_or(0.0, |ns| ns * 1e-9)
}
