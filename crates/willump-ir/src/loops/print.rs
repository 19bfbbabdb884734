//! The loop IR's text form, printed after lowering and after every rewrite (the compile report
//! shows it; tests compare against it). Floats print in their shortest round-trip form.
//!
//! ```text
//! program p(rows: all)
//!   c0: f64 = input 0 "distance"
//!   c2: dense<2> = computed "proba"
//!   loop {
//!     %0: f64? = load c0[0]
//!     %1: dense<1> = pack %0
//!     %2: dense<2> = model s0 proba %1
//!     append c2[0] <- %2
//!   }
//!   output c2
//! ```

use std::fmt::Write;

use super::ir::{Builder, Expr, LType, LoopProgram, Origin, RowSet, Stage};
use crate::op::{BucketRule, Scalar, arith_name};
use crate::text::quote;

/// A float in its shortest round-trip form (`1.0`, `1e-7`, `inf`, `NaN`).
fn num(v: f64) -> String {
    if v.is_nan() {
        "NaN".into()
    } else if v.is_infinite() {
        if v > 0.0 { "inf".into() } else { "-inf".into() }
    } else if v == v.trunc() && v.abs() < 1e15 {
        format!("{v:.1}")
    } else {
        format!("{v:?}")
    }
}

fn ltype(t: &LType) -> String {
    match t {
        LType::Scalar { elem, nullable } => format!("{elem}{}", if *nullable { "?" } else { "" }),
        LType::Vector(n) => format!("dense<{n}>"),
        LType::Sparse(n) => format!("sparse<{n}>"),
    }
}

fn expr(e: &Expr) -> String {
    let list = |v: &[crate::loops::ir::ValId]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>().join(", ");
    match e {
        Expr::Load { coll, column } => format!("load {coll}[{column}]"),
        Expr::LoadRow { coll } => format!("load_row {coll}"),
        Expr::Arith { op, a, b } => format!("{} {a}, {b}", arith_name(*op)),
        Expr::ArithConst { op, value, const_left, a } => {
            if *const_left {
                format!("{} {}, {a}", arith_name(*op), num(*value))
            } else {
                format!("{} {a}, {}", arith_name(*op), num(*value))
            }
        }
        Expr::Log1p(a) => format!("log1p {a}"),
        Expr::Clip { lo, hi, a } => format!("clip {a} [{}, {}]", num(*lo), num(*hi)),
        Expr::FillMissing { value, nan, a } => {
            let v = match value {
                Scalar::F64(v) => num(*v),
                Scalar::I64(v) => v.to_string(),
                Scalar::Bool(v) => v.to_string(),
                Scalar::Str(v) => quote(v),
                Scalar::Missing => "missing".into(),
            };
            format!("fill_missing {a} {v}{}", if *nan { " nan" } else { "" })
        }
        Expr::Bucketize { boundaries, rule, a } => {
            let r = match rule {
                BucketRule::LeftClosed => "left_closed",
                BucketRule::RightClosed => "right_closed",
            };
            format!("bucketize {a} {r} [{}]", boundaries.iter().map(|b| num(*b)).collect::<Vec<_>>().join(", "))
        }
        Expr::Pack(v) => format!("pack {}", list(v)),
        Expr::Stack(v) => format!("stack {}", list(v)),
        Expr::JoinProbe { state, keys } => format!("join_probe {state} {}", list(keys)),
        Expr::JoinGather { state, column, row } => format!("join_gather {state}[{column}] {row}"),
        Expr::Vectorize { state, a, lower: false } => format!("vectorize {state} {a}"),
        Expr::Vectorize { state, a, lower: true } => format!("vectorize {state} lowercase({a})"),
        Expr::Model { state, output, x } => format!("model {state} {} {x}", output.as_str()),
    }
}

/// The program's text form.
pub fn print(p: &LoopProgram) -> String {
    let mut s = String::new();
    let rows = match p.rows {
        RowSet::All => "all",
        RowSet::Subset => "subset",
    };
    let _ = writeln!(s, "program {}(rows: {rows})", quote(&p.name));
    let used: Vec<super::ir::CollId> = p.stages.iter().flat_map(|s| [s.reads(), s.writes()].concat()).collect();
    for (i, c) in p.collections.iter().enumerate() {
        let id = super::ir::CollId(i as u32);
        if matches!(c.origin, Origin::Computed) && !used.contains(&id) && !p.outputs.contains(&id) {
            continue;
        }
        let origin = match &c.origin {
            Origin::Input(k) => format!("input {k}"),
            Origin::Computed => "computed".to_string(),
        };
        let node = c.node.map(|n| format!(" ({n})")).unwrap_or_default();
        let _ = writeln!(s, "  c{i}: {} = {origin} {}{node}", c.ty, quote(&c.name));
    }
    for st in &p.stages {
        match st {
            Stage::Loop(l) => {
                let _ = writeln!(s, "  loop {{");
                for stmt in &l.body {
                    let _ = writeln!(s, "    {}: {} = {}", stmt.id, ltype(&stmt.ty), expr(&stmt.expr));
                }
                for m in &l.merges {
                    let b = match m.builder {
                        Builder::Append => "append",
                    };
                    let _ = writeln!(s, "    {b} {}[{}] <- {}", m.into, m.column, m.value);
                }
                let _ = writeln!(s, "  }}");
            }
            Stage::Call(c) => {
                let args = c.args.iter().map(|a| a.to_string()).collect::<Vec<_>>().join(", ");
                let form = if c.row_form.is_some() { " per_row" } else { "" };
                let _ = writeln!(s, "  call {} = {} {}({args}){form}", c.out, c.node, c.op);
            }
        }
    }
    let outs = p.outputs.iter().map(|o| o.to_string()).collect::<Vec<_>>().join(", ");
    let _ = writeln!(s, "  output {outs}");
    s
}
