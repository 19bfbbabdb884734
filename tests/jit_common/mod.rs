//! Shared helpers of the JIT's differential tests: run a pipeline through the interpreter, the
//! loop-IR evaluator (lowered, unfused and fused) and the compiled code (fused and not, both
//! optimization levels, both tree modes, one and two threads, all rows and a row subset), and
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
            for tree_mode in [TreeMode::Branches, TreeMode::Table] {
                out.push(CompileOptions { fuse, opt_level, tree_mode, verify: true, ..CompileOptions::default() });
            }
        }
    }
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
