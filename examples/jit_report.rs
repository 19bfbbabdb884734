//! Prints what the JIT makes of a small numeric pipeline: the loop IR after lowering and after
//! every fusion rule, which nodes are native and which are callbacks.
//!
//! `cargo run --example jit_report`

use willump::Pipeline;
use willump::ir::params::numeric::ArithOp;
use willump::ir::{Graph, Op, Type};
use willump::jit::{CompileOptions, compile};
use willump::runtime::value::{F64Column, I64Column, Value};

fn main() -> willump::Result<()> {
    let mut g = Graph::new("report");
    let ir = |e: willump::ir::IrError| willump::Error::Ir(e.to_string());
    let a = g.add_input("distance", Type::F64).map_err(ir)?;
    let i = g.add_input("hour", Type::I64).map_err(ir)?;
    let t = g
        .add(Op::MakeTable { names: vec!["distance".into(), "hour".into()] }, vec![a, i], Some("table".into()))
        .map_err(ir)?;
    let d = g.add(Op::GetColumn { name: "distance".into() }, vec![t], None).map_err(ir)?;
    let l = g.add(Op::Log1p, vec![d], Some("log_distance".into())).map_err(ir)?;
    let x = g
        .add(Op::ArithConst { op: ArithOp::Mul, value: 2.0, const_left: false }, vec![l], Some("scaled".into()))
        .map_err(ir)?;
    let out = g.add(Op::ToDense, vec![x, i], Some("features".into())).map_err(ir)?;
    g.set_output(out).map_err(ir)?;
    let p = Pipeline::new(g, vec![])?;
    let c = compile(&p, &CompileOptions::default())?;
    println!("{}", c.report());
    let inputs = [Value::from(F64Column::new(vec![1.0, 10.0, 100.0])), Value::from(I64Column::new(vec![5, 6, 7]))];
    println!("{:?}", c.predict(&inputs)?);
    Ok(())
}
