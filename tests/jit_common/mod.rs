//! Shared helpers of the JIT's differential tests: run a pipeline through the interpreter, the
//! loop-IR evaluator (lowered, unfused and fused) and the compiled code (fused and not, both
//! optimization levels, every tree mode, one and two threads, all rows and a row subset), and
//! require the same result.

#![allow(dead_code)]

use willump::ir::loops::{self, RowSet};
use willump::jit::{CompileOptions, OptLevel, TreeMode, compile};
use willump::runtime::value::Value;
use willump::{Pipeline, Result};

/// The result as comparable text: `Debug` prints every f64 exactly (NaN and -0.0 included);
/// errors compare as "error" (their messages may name different stages).
pub fn show(r: &Result<Value>) -> String {
    match r {
        Ok(v) => format!("{v:?}"),
        Err(_) => "error".to_string(),
    }
}

/// All the option sets the differential tests compile with.
pub fn option_sets() -> Vec<CompileOptions> {
    let mut out = Vec::new();
    for fuse in [true, false] {
        for opt_level in [OptLevel::None, OptLevel::Speed] {
            for tree_mode in [TreeMode::Branches, TreeMode::Table, TreeMode::QuickScorer] {
                out.push(CompileOptions { fuse, opt_level, tree_mode, verify: true, ..CompileOptions::default() });
            }
        }
    }
    // trees as branches a block of rows at a time (branches run row by row without it)
    out.push(CompileOptions {
        tree_blocks: true,
        tree_mode: TreeMode::Branches,
        verify: true,
        ..CompileOptions::default()
    });
    out.push(CompileOptions {
        tree_blocks: true,
        tree_mode: TreeMode::Branches,
        opt_level: OptLevel::Speed,
        verify: true,
        ..CompileOptions::default()
    });
    out
}

/// The loop evaluator's result for `p` on `inputs` (`fuse`: after the default rules).
pub fn evaluate(p: &Pipeline, inputs: &[Value], rows: Option<&[usize]>, fuse: bool) -> Result<Value> {
    let out = p.graph().output().expect("an output");
    let natives = willump::jit::eval::native_support(p);
    let set = if rows.is_some() { RowSet::Subset } else { RowSet::All };
    let mut lp = loops::lower(p.graph(), &[out], set, &natives).expect("lowering");
    if fuse {
        loops::optimize(&mut lp, &loops::default_rules()).expect("rules");
    }
    Ok(willump::jit::eval::run(&lp, p, inputs, rows)?.remove(0))
}

/// Checks that every engine agrees with the interpreter on `inputs` (and on a row subset).
pub fn check_all(p: &Pipeline, inputs: &[Value]) {
    check_with(p, inputs, &option_sets());
}

/// [`check_all`] with chosen option sets.
pub fn check_with(p: &Pipeline, inputs: &[Value], opts: &[CompileOptions]) {
    let want = show(&p.run(inputs));
    for fuse in [false, true] {
        assert_eq!(show(&evaluate(p, inputs, None, fuse)), want, "loop evaluator (fuse {fuse})\n{}", p.ir_text());
    }
    let n = p.check_inputs(inputs).unwrap_or(0);
    let rows: Vec<usize> = (0..n).rev().step_by(2).chain((0..n).step_by(3)).collect();
    let want_rows = show(&p.run_rows(inputs, &rows));
    assert_eq!(show(&evaluate(p, inputs, Some(&rows), true)), want_rows, "loop evaluator on rows {rows:?}");
    for o in opts {
        let c = compile(p, o).unwrap_or_else(|e| panic!("compile failed with {o:?}: {e}"));
        let got = show(&c.predict(inputs));
        assert_eq!(got, want, "compiled with {o:?}\n{}", c.report());
        assert_eq!(show(&c.predict_threads(inputs, 2)), want, "2 threads with {o:?}");
        assert_eq!(show(&c.predict_rows(inputs, &rows)), want_rows, "rows {rows:?} with {o:?}\n{}", c.report());
    }
}

/// Whether two results agree to `tol` (absolute, on every f64 of a column or a dense block; NaN
/// equals NaN, missing equals missing), or are both errors.
pub fn close(a: &Result<Value>, b: &Result<Value>, tol: f64) -> bool {
    use willump::runtime::value::Column;
    let near = |x: f64, y: f64| (x.is_nan() && y.is_nan()) || (x - y).abs() <= tol;
    match (a, b) {
        (Err(_), Err(_)) => true,
        (Ok(Value::Dense(x)), Ok(Value::Dense(y))) => x.dim() == y.dim() && x.iter().zip(y).all(|(p, q)| near(*p, *q)),
        (Ok(Value::Column(Column::F64(x))), Ok(Value::Column(Column::F64(y)))) => {
            x.len() == y.len()
                && x.iter().zip(y.iter()).all(|(p, q)| match (p, q) {
                    (Some(p), Some(q)) => near(p, q),
                    (None, None) => true,
                    _ => false,
                })
        }
        (Ok(x), Ok(y)) => format!("{x:?}") == format!("{y:?}"),
        _ => false,
    }
}

/// [`check_with`] up to a floating-point tolerance (fused text kernels sum in another order).
pub fn check_close(p: &Pipeline, inputs: &[Value], opts: &[CompileOptions], tol: f64) {
    let want = p.run(inputs);
    for fuse in [false, true] {
        let got = evaluate(p, inputs, None, fuse);
        assert!(close(&got, &want, tol), "loop evaluator (fuse {fuse}): {got:?}\nwant {want:?}");
    }
    let n = p.check_inputs(inputs).unwrap_or(0);
    let rows: Vec<usize> = (0..n).rev().step_by(2).chain((0..n).step_by(3)).collect();
    let want_rows = p.run_rows(inputs, &rows);
    for o in opts {
        let c = compile(p, o).unwrap_or_else(|e| panic!("compile failed with {o:?}: {e}"));
        let got = c.predict(inputs);
        assert!(close(&got, &want, tol), "compiled with {o:?}: {got:?}\nwant {want:?}\n{}", c.report());
        assert!(close(&c.predict_threads(inputs, 2), &want, tol), "2 threads with {o:?}");
        assert!(close(&c.predict_rows(inputs, &rows), &want_rows, tol), "rows with {o:?}");
    }
}

/// `side` (a table keyed by `keys`, whose probe inputs have the types `key_types`) left-joined
/// with its value columns `values` (name, default) into a dense block: inputs `keys` -> table ->
/// join -> `to_dense`.
pub fn join_pipeline(
    side: &willump::runtime::value::Table,
    keys: &[&str],
    key_types: &[willump::ir::Type],
    values: &[(&str, willump::ir::params::table::Scalar)],
) -> Pipeline {
    use std::sync::Arc;
    use willump::ir::{Graph, Op, StateDecl};
    use willump::runtime::ops::table::LeftJoin;
    use willump::runtime::state::BoundState;
    let j = LeftJoin::fit(side, keys, values).unwrap();
    let mut g = Graph::new("join");
    let ins = keys.iter().zip(key_types).map(|(k, t)| g.add_input(*k, t.clone()).unwrap()).collect();
    let names: Vec<String> = keys.iter().map(|k| k.to_string()).collect();
    let probe = g.add(Op::MakeTable { names: names.clone() }, ins, None).unwrap();
    let s = BoundState::Join(Arc::new(j));
    let st = g.add_state(StateDecl { name: "side".into(), kind: s.kind(), fingerprint: s.fingerprint() });
    let joined = g.add(Op::LeftJoin { state: st, keys: names }, vec![probe], None).unwrap();
    let x = g.add(Op::ToDense, vec![joined], None).unwrap();
    g.set_output(x).unwrap();
    Pipeline::new(g, vec![s]).unwrap()
}
