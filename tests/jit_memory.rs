//! Compiled code memory is freed: compiling and dropping 10,000 small pipelines grows resident
//! memory by less than 10 MB after warm-up (read from /proc/self/statm).

use willump::Pipeline;
use willump::ir::params::numeric::ArithOp;
use willump::ir::{Graph, Op, Type};
use willump::jit::{CompileOptions, compile};
use willump::runtime::value::{F64Column, Value};

fn resident_bytes() -> usize {
    let s = std::fs::read_to_string("/proc/self/statm").expect("Linux /proc");
    let pages: usize = s.split_whitespace().nth(1).and_then(|x| x.parse().ok()).expect("statm field 2");
    pages * 4096
}

fn small(k: usize) -> Pipeline {
    let mut g = Graph::new("small");
    let a = g.add_input("a", Type::F64).unwrap();
    let x = g.add(Op::ArithConst { op: ArithOp::Add, value: k as f64, const_left: false }, vec![a], None).unwrap();
    let y = g.add(Op::Log1p, vec![x], None).unwrap();
    g.set_output(y).unwrap();
    Pipeline::new(g, vec![]).unwrap()
}

#[test]
fn compile_and_drop_does_not_leak() {
    if !std::path::Path::new("/proc/self/statm").exists() {
        return;
    }
    let opts = CompileOptions { verify: false, ..CompileOptions::default() };
    let input = [Value::from(F64Column::new(vec![1.0, 2.0]))];
    let run = |n: usize| {
        for k in 0..n {
            let c = compile(&small(k), &opts).unwrap();
            assert!(c.predict(&input).is_ok());
        }
    };
    run(500);
    let before = resident_bytes();
    run(10_000);
    let grown = resident_bytes().saturating_sub(before);
    assert!(grown < 10 << 20, "resident memory grew by {} MB", grown >> 20);
}
