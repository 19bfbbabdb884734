//! `predict_one` on a fully native pipeline allocates nothing after warm-up: this test binary
//! counts every heap allocation with a global allocator.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use willump::Pipeline;
use willump::ir::params::numeric::ArithOp;
use willump::ir::{Graph, ModelOutput, NodeId, Op, StateDecl, Type};
use willump::jit::{Cell, CompileOptions, compile};
use willump::runtime::models::{Model, load_lightgbm_file};
use willump::runtime::state::BoundState;

struct Counting;

static ALLOCS: AtomicUsize = AtomicUsize::new(0);

// SAFETY: forwards to the system allocator, only counting calls.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, l: Layout) -> *mut u8 {
        ALLOCS.fetch_add(1, Ordering::Relaxed);
        // SAFETY: the caller's contract is passed on.
        unsafe { System.alloc(l) }
    }
    unsafe fn dealloc(&self, p: *mut u8, l: Layout) {
        // SAFETY: the caller's contract is passed on.
        unsafe { System.dealloc(p, l) }
    }
    unsafe fn realloc(&self, p: *mut u8, l: Layout, n: usize) -> *mut u8 {
        ALLOCS.fetch_add(1, Ordering::Relaxed);
        // SAFETY: the caller's contract is passed on.
        unsafe { System.realloc(p, l, n) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

#[test]
fn predict_one_does_not_allocate() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/lightgbm");
    let m: Arc<dyn Model> = Arc::new(load_lightgbm_file(dir.join("binary.txt")).unwrap());
    let d = m.n_features();
    // numeric ops in front of the model: x0 * 2, log1p(x1), the rest as they are
    let mut g = Graph::new("one_row");
    let xs: Vec<NodeId> = (0..d).map(|j| g.add_input(format!("x{j}"), Type::F64).unwrap()).collect();
    let mut feats = xs.clone();
    feats[0] = g.add(Op::ArithConst { op: ArithOp::Mul, value: 2.0, const_left: false }, vec![xs[0]], None).unwrap();
    feats[1] = g.add(Op::Log1p, vec![xs[1]], None).unwrap();
    let dense = g.add(Op::ToDense, feats, None).unwrap();
    let s = BoundState::Model(m);
    let state = g.add_state(StateDecl { name: "m".into(), kind: s.kind(), fingerprint: s.fingerprint() });
    let out = g.add(Op::Model { state, output: ModelOutput::Proba }, vec![dense], None).unwrap();
    g.set_output(out).unwrap();
    let p = Pipeline::new(g, vec![s]).unwrap();
    let c = compile(&p, &CompileOptions::default()).unwrap();
    assert!(c.one_row_is_native());
    let row: Vec<Cell<'_>> =
        (0..d).map(|j| Cell::F64(if j == 2 { None } else { Some(j as f64 * 0.3 - 1.0) })).collect();
    let mut out = [0.0; 2];
    c.predict_one(&row, &mut out).unwrap(); // warm-up: the scratch is created
    let before = ALLOCS.load(Ordering::SeqCst);
    let mut sum = 0.0;
    for k in 0..1000 {
        let row: Vec<Cell<'_>> = Vec::new();
        drop(row);
        let cells = [Cell::F64(Some(k as f64 * 0.01)); 64];
        c.predict_one(&cells[..d], &mut out).unwrap();
        sum += out[1];
    }
    let after = ALLOCS.load(Ordering::SeqCst);
    assert_eq!(after - before, 0, "predict_one allocated {} times", after - before);
    assert!(sum > 0.0 && sum < 1000.0);
}
