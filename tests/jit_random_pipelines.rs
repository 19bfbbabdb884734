//! Randomized pipelines: random chains of numeric ops, table plumbing and joins over random
//! inputs, ending in a dense block (sometimes a model); the compiled code (fused and unfused)
//! equals the interpreter bit for bit.

mod jit_common;

use jit_common::check_with;
use proptest::prelude::*;
use willump::Pipeline;
use willump::ir::params::numeric::{ArithOp, BucketRule};
use willump::ir::params::table::Scalar;
use willump::ir::{Graph, NodeId, Op, Type};
use willump::runtime::rng::Rng;
use willump::runtime::value::{Column, F64Column, I64Column, Value};

/// A random graph of `n_ops` ops over three inputs (f64, f64, i64); every op's result may be
/// used later; the output stacks a random subset of the numeric values.
fn random_pipeline(seed: u64, n_ops: usize) -> Pipeline {
    let mut rng = Rng::new(seed);
    let mut pick = |k: usize| (rng.next_f64() * k as f64) as usize % k.max(1);
    let mut g = Graph::new("random");
    let mut nums: Vec<NodeId> = vec![
        g.add_input("a", Type::F64).unwrap(),
        g.add_input("b", Type::F64).unwrap(),
        g.add_input("c", Type::I64).unwrap(),
    ];
    let ops = [ArithOp::Add, ArithOp::Sub, ArithOp::Mul, ArithOp::Div];
    for k in 0..n_ops {
        let x = nums[pick(nums.len())];
        let y = nums[pick(nums.len())];
        let node = match pick(8) {
            0 => g.add(Op::Arith { op: ops[pick(4)] }, vec![x, y], None),
            1 => g.add(
                Op::ArithConst { op: ops[pick(4)], value: pick(7) as f64 - 3.0, const_left: pick(2) == 0 },
                vec![x],
                None,
            ),
            2 => g.add(Op::Log1p, vec![x], None),
            3 => g.add(Op::Clip { lo: -(pick(5) as f64), hi: pick(5) as f64 }, vec![x], None),
            4 => {
                let is_f64 = g.node(x).ty == Type::F64;
                let value = if is_f64 { Scalar::F64(pick(3) as f64 - 1.0) } else { Scalar::I64(pick(3) as i64) };
                g.add(Op::FillMissing { value, nan: pick(2) == 0 && is_f64 }, vec![x], None)
            }
            5 => g.add(
                Op::Bucketize {
                    boundaries: vec![-2.0, 0.0, 1.5],
                    rule: if pick(2) == 0 { BucketRule::LeftClosed } else { BucketRule::RightClosed },
                },
                vec![x],
                None,
            ),
            6 => {
                let t = g.add(Op::MakeTable { names: vec!["p".into(), "q".into()] }, vec![x, y], None).unwrap();
                g.add(Op::GetColumn { name: if pick(2) == 0 { "p".into() } else { "q".into() } }, vec![t], None)
            }
            _ => {
                let t = g.add(Op::MakeTable { names: vec!["p".into(), "q".into()] }, vec![x, y], None).unwrap();
                let s = g.add(Op::Select { names: vec!["q".into()] }, vec![t], None).unwrap();
                g.add(Op::GetColumn { name: "q".into() }, vec![s], Some(format!("n{k}")))
            }
        };
        if let Ok(id) = node {
            nums.push(id);
        }
    }
    let take: Vec<NodeId> = (0..1 + pick(5)).map(|_| nums[pick(nums.len())]).collect();
    let out = if pick(2) == 0 {
        g.add(Op::ToDense, take, Some("x".into())).unwrap()
    } else {
        g.add(Op::Stack, take, Some("x".into())).unwrap()
    };
    g.set_output(out).unwrap();
    Pipeline::new(g, vec![]).unwrap()
}

fn inputs(n: usize, seed: u64) -> Vec<Value> {
    let mut rng = Rng::new(seed);
    let mut f = || -> Vec<Option<f64>> {
        (0..n)
            .map(|_| match (rng.next_f64() * 10.0) as u32 {
                0 => None,
                1 => Some(f64::NAN),
                2 => Some(f64::INFINITY),
                3 => Some(-0.0),
                _ => Some(rng.normal() * 3.0),
            })
            .collect()
    };
    let a = f();
    let b = f();
    let c: Vec<Option<i64>> = f().into_iter().map(|v| v.filter(|x| x.is_finite()).map(|x| x as i64)).collect();
    vec![
        Value::from(F64Column::from_options(&a)),
        Value::from(F64Column::from_options(&b)),
        Value::Column(Column::I64(I64Column::from_options(&c))),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn random_pipelines_equal_the_interpreter(seed in any::<u64>(), n_ops in 1usize..14, n in 0usize..40) {
        let p = random_pipeline(seed, n_ops);
        check_with(&p, &inputs(n, seed ^ 0x5eed), &jit_common::option_sets()[..2]);
    }
}
