//! Tests of lowering, the rules and the driver on small graphs, against their text form.

use super::rules::{Cse, DeadCode, FuseProducer, FuseSiblings};
use super::*;
use crate::op::{ArithOp, ModelOutput, Op};
use crate::state::{ModelTask, StateDecl, StateKind};
use crate::types::Type;
use crate::{Graph, StateId};

struct AllModels;

impl NativeSupport for AllModels {
    fn native_model(&self, _: StateId, _: bool) -> bool {
        true
    }

    fn native_vectorizer(&self, _: StateId) -> bool {
        true
    }

    fn native_join(&self, _: StateId) -> bool {
        true
    }
}

/// a, b -> a + b -> log1p; a * 2; to_dense(both) -> model proba.
fn graph() -> Graph {
    let mut g = Graph::new("t");
    let a = g.add_input("a", Type::F64).unwrap();
    let b = g.add_input("b", Type::I64).unwrap();
    let s = g.add(Op::Arith { op: ArithOp::Add }, vec![a, b], Some("s".into())).unwrap();
    let l = g.add(Op::Log1p, vec![s], Some("l".into())).unwrap();
    let m =
        g.add(Op::ArithConst { op: ArithOp::Mul, value: 2.0, const_left: false }, vec![a], Some("m".into())).unwrap();
    let d = g.add(Op::ToDense, vec![l, m], Some("x".into())).unwrap();
    let st = g.add_state(StateDecl {
        name: "model".into(),
        kind: StateKind::Model { class: "gbdt".into(), n_features: 2, task: ModelTask::Binary },
        fingerprint: 1,
    });
    let p = g.add(Op::Model { state: st, output: ModelOutput::Proba }, vec![d], Some("p".into())).unwrap();
    g.set_output(p).unwrap();
    g
}

#[test]
fn lowering_is_one_loop_per_node_and_fusion_makes_one_loop() {
    let g = graph();
    let out = g.output().unwrap();
    let mut p = lower(&g, &[out], RowSet::All, &AllModels).unwrap();
    assert_eq!(p.n_loops(), 5);
    let trace = optimize(&mut p, &default_rules()).unwrap();
    assert_eq!(trace[0].stage, "lowered");
    assert_eq!(p.n_loops(), 1, "{}", print(&p));
    assert_eq!(
        print(&p),
        r#"program "t"(rows: all)
  c0: f64 = input 0 "a" (v0)
  c1: i64 = input 1 "b" (v1)
  c6: dense<2> = computed "p" (v6)
  loop {
    %0: f64? = load c0[0]
    %1: i64? = load c1[0]
    %2: f64? = add %0, %1
    %3: f64? = log1p %2
    %4: f64? = mul %0, 2.0
    %5: dense<2> = pack %3, %4
    %6: dense<2> = model s0 proba %5
    append c6[0] <- %6
  }
  output c6
"#
    );
}

#[test]
fn a_model_the_backend_cannot_see_into_is_a_call() {
    struct NoModels;
    impl NativeSupport for NoModels {
        fn native_model(&self, _: StateId, _: bool) -> bool {
            false
        }
        fn native_vectorizer(&self, _: StateId) -> bool {
            false
        }
        fn native_join(&self, _: StateId) -> bool {
            false
        }
    }
    let g = graph();
    let mut p = lower(&g, &[g.output().unwrap()], RowSet::Subset, &NoModels).unwrap();
    optimize(&mut p, &default_rules()).unwrap();
    let text = print(&p);
    assert!(text.contains("call c6 = v6 model(c5)"), "{text}");
    assert_eq!(p.n_loops(), 1, "{text}");
    assert!(text.contains("rows: subset"));
}

#[test]
fn siblings_fuse_and_share_loads() {
    let g = graph();
    let ids = [crate::NodeId::new(3), crate::NodeId::new(4)];
    let mut p = lower(&g, &ids, RowSet::All, &AllModels).unwrap();
    // without producer fusion, siblings become one loop; CSE merges the two loads of `a`
    let rules: Vec<Box<dyn Rule>> = vec![Box::new(FuseSiblings), Box::new(Cse), Box::new(DeadCode)];
    optimize(&mut p, &rules).unwrap();
    let loads = print(&p).matches("load c0[0]").count();
    assert_eq!(loads, 1, "{}", print(&p));
    // producer fusion alone keeps the two outputs materialized: they are program outputs
    let mut q = lower(&g, &ids, RowSet::All, &AllModels).unwrap();
    let rules: Vec<Box<dyn Rule>> = vec![Box::new(FuseProducer), Box::new(DeadCode)];
    optimize(&mut q, &rules).unwrap();
    assert_eq!(q.n_loops(), 2, "{}", print(&q));
}

#[test]
fn the_driver_names_a_failing_rule() {
    struct Broken;
    impl Rule for Broken {
        fn name(&self) -> &'static str {
            "broken_rule"
        }
        fn rewrite(&self, p: &mut LoopProgram) -> Result<bool, String> {
            // reads a collection before it is produced
            if let Some(Stage::Loop(l)) = p.stages.first_mut() {
                l.body.push(Stmt { id: ValId(99), ty: LType::F64, expr: Expr::Load { coll: CollId(6), column: 0 } });
                return Ok(true);
            }
            Ok(false)
        }
    }
    let g = graph();
    let mut p = lower(&g, &[g.output().unwrap()], RowSet::All, &AllModels).unwrap();
    let e = optimize(&mut p, &[Box::new(Broken) as Box<dyn Rule>]).unwrap_err();
    assert_eq!(e.rule, "broken_rule");
    assert!(e.to_string().contains("invalid program") && e.program.contains("loop {"), "{e}");
}

#[test]
fn validation_rejects_bad_programs() {
    let g = graph();
    let p = lower(&g, &[g.output().unwrap()], RowSet::All, &AllModels).unwrap();
    let mut q = p.clone();
    q.stages.swap(0, 1);
    assert!(q.validate().unwrap_err().contains("before it is produced"));
    let mut q = p.clone();
    if let Stage::Loop(l) = &mut q.stages[0] {
        l.merges.clear();
    }
    assert!(q.validate().is_err());
    let mut q = p;
    if let Stage::Loop(l) = &mut q.stages[1] {
        l.body[1].ty = LType::Vector(3);
    }
    assert!(q.validate().unwrap_err().contains("declared"));
}

/// text -> lowercase -> two vectorizers -> stack -> model; with `lower_is_output` the
/// lowercased column is also a wanted output.
fn text_graph() -> (Graph, Vec<crate::NodeId>) {
    let mut g = Graph::new("t");
    let t = g.add_input("text", Type::STR).unwrap();
    let low = g.add(Op::Lowercase, vec![t], Some("lower".into())).unwrap();
    let vec_state = |g: &mut Graph, name: &str, n: usize| {
        g.add_state(StateDecl {
            name: name.into(),
            kind: StateKind::Vectorizer { class: "tfidf".into(), n_features: n, tokens: false },
            fingerprint: n as u64,
        })
    };
    let (s1, s2) = (vec_state(&mut g, "words", 10), vec_state(&mut g, "chars", 20));
    let w = g.add(Op::Vectorize { state: s1 }, vec![low], Some("w".into())).unwrap();
    let c = g.add(Op::Vectorize { state: s2 }, vec![low], Some("c".into())).unwrap();
    let x = g.add(Op::Stack, vec![w, c], Some("x".into())).unwrap();
    let st = g.add_state(StateDecl {
        name: "model".into(),
        kind: StateKind::Model { class: "logistic_regression".into(), n_features: 30, task: ModelTask::Binary },
        fingerprint: 1,
    });
    let p = g.add(Op::Model { state: st, output: ModelOutput::Proba }, vec![x], Some("p".into())).unwrap();
    g.set_output(p).unwrap();
    (g, vec![low, p])
}

#[test]
fn lowercase_read_only_by_vectorizers_is_fused_into_them() {
    let (g, nodes) = text_graph();
    let mut p = lower(&g, &[nodes[1]], RowSet::All, &AllModels).unwrap();
    let trace = optimize(&mut p, &default_rules()).unwrap();
    assert!(trace.iter().any(|s| s.stage == "fuse_lowercase"), "{trace:?}");
    let text = print(&p);
    assert!(!text.contains("call"), "{text}");
    assert_eq!(text.matches("lowercase(%0)").count(), 2, "{text}");
    assert!(text.contains("load c0[0]"), "the vectorizers read the input itself:\n{text}");
}

#[test]
fn lowercase_that_is_also_an_output_stays_a_call() {
    let (g, nodes) = text_graph();
    let mut p = lower(&g, &nodes, RowSet::All, &AllModels).unwrap();
    optimize(&mut p, &default_rules()).unwrap();
    let text = print(&p);
    assert!(text.contains("lowercase(c0)"), "{text}");
    assert!(!text.contains("lowercase(%"), "{text}");
}
