//! The table of library operators the tracer recognizes: free functions by the `TypeId` of
//! their function item, methods by the `TypeId` of their receiver and the method name. Each
//! entry turns the recorded arguments into an IR op (or declines, when the arguments are not of
//! a form the op covers, and the call stays opaque).

use std::any::TypeId;
use std::collections::HashMap;
use std::sync::{Arc, OnceLock};

use willump_ir::{ModelOutput, NodeId, Op, StateId};

use super::consts as c;
use super::{Arg, fn_key};
use crate::error::Result;
use crate::models::Model;
use crate::state::BoundState;

/// A recognized call: its op (with a placeholder state id that the tracer fills in), its
/// node arguments, and the state it binds with its dedup key and display name.
pub struct Lifted {
    /// The op.
    pub op: Op,
    /// Node arguments, in op order.
    pub args: Vec<NodeId>,
    /// The state: (dedup key, state, name).
    pub state: Option<(Option<String>, BoundState, String)>,
}

type FnLifter = fn(&[Arg]) -> Result<Option<Lifted>>;
type MethodLifter = fn(&Arg, &[Arg]) -> Result<Option<Lifted>>;

/// The registry of recognized operators.
#[derive(Default)]
pub struct Registry {
    fns: HashMap<TypeId, FnLifter>,
    methods: HashMap<(TypeId, &'static str), MethodLifter>,
}

/// The built-in registry.
pub fn registry() -> &'static Registry {
    static R: OnceLock<Registry> = OnceLock::new();
    R.get_or_init(Registry::builtin)
}

impl Registry {
    /// Registers a free function (by its item's type id; see [`super::fn_key`]).
    pub fn add_fn(&mut self, key: TypeId, lifter: FnLifter) {
        self.fns.insert(key, lifter);
    }

    /// Registers a method of receiver type `recv`.
    pub fn add_method(&mut self, recv: TypeId, method: &'static str, lifter: MethodLifter) {
        self.methods.insert((recv, method), lifter);
    }

    /// Lifts a free-function call, if recognized.
    pub fn lift_fn(&self, key: TypeId, args: &[Arg]) -> Result<Option<Lifted>> {
        match self.fns.get(&key) {
            Some(f) => f(args),
            None => Ok(None),
        }
    }

    /// Lifts a method call, if recognized.
    pub fn lift_method(&self, recv: &Arg, method: &str, args: &[Arg]) -> Result<Option<Lifted>> {
        let ty = match recv {
            Arg::Node { ty, .. } | Arg::State { ty, .. } => *ty,
            _ => return Ok(None),
        };
        match self.methods.iter().find(|((t, m), _)| *t == ty && *m == method) {
            Some((_, f)) => f(recv, args),
            None => Ok(None),
        }
    }

    fn builtin() -> Registry {
        let mut r = Registry::default();
        register_shared_model(&mut r);
        register_model::<crate::models::LogisticRegression>(&mut r);
        register_model::<crate::models::LinearRegression>(&mut r);
        register_model::<crate::models::Gbdt>(&mut r);
        register_ops(&mut r);
        r
    }
}

/// A placeholder state id; the tracer replaces it with the real one.
pub(crate) const STATE: StateId = StateId::from_u32(0);

/// The single node argument of a one-argument op, or `None` when the call has another shape.
pub(crate) fn one_node(args: &[Arg]) -> Option<NodeId> {
    match args {
        [a] => a.node(),
        _ => None,
    }
}

const PROBA: u8 = 0;
const PREDICT: u8 = 1;
const RAW: u8 = 2;

fn model_output(o: u8) -> ModelOutput {
    match o {
        PROBA => ModelOutput::Proba,
        PREDICT => ModelOutput::Predict,
        _ => ModelOutput::Raw,
    }
}

fn lift_model(recv: &Arg, args: &[Arg], output: u8, model: Option<Arc<dyn Model>>) -> Option<Lifted> {
    let Arg::State { name, .. } = recv else { return None };
    let x = one_node(args)?;
    Some(Lifted {
        op: Op::Model { state: STATE, output: model_output(output) },
        args: vec![x],
        state: Some((Some(format!("{name}:model")), BoundState::Model(model?), name.to_string())),
    })
}

/// A concrete model type's `predict_proba` / `predict` / `decision_function`.
fn lift_concrete<M: Model + 'static, const O: u8>(recv: &Arg, args: &[Arg]) -> Result<Option<Lifted>> {
    let model = match recv {
        Arg::State { value, .. } => value.clone().downcast::<M>().ok().map(|m| m as Arc<dyn Model>),
        _ => None,
    };
    Ok(lift_model(recv, args, O, model))
}

/// The same methods on an `Arc<dyn Model>` state.
fn lift_shared<const O: u8>(recv: &Arg, args: &[Arg]) -> Result<Option<Lifted>> {
    let model = match recv {
        Arg::State { value, .. } => value.downcast_ref::<Arc<dyn Model>>().cloned(),
        _ => None,
    };
    Ok(lift_model(recv, args, O, model))
}

/// Registers a concrete model type's prediction methods.
pub(crate) fn register_model<M: Model + 'static>(r: &mut Registry) {
    r.add_method(TypeId::of::<M>(), "predict_proba", lift_concrete::<M, PROBA>);
    r.add_method(TypeId::of::<M>(), "predict", lift_concrete::<M, PREDICT>);
    r.add_method(TypeId::of::<M>(), "decision_function", lift_concrete::<M, RAW>);
}

fn register_shared_model(r: &mut Registry) {
    let t = TypeId::of::<Arc<dyn Model>>();
    r.add_method(t, "predict_proba", lift_shared::<PROBA>);
    r.add_method(t, "predict", lift_shared::<PREDICT>);
    r.add_method(t, "decision_function", lift_shared::<RAW>);
}

fn op(op: Op, args: Vec<NodeId>) -> Result<Option<Lifted>> {
    Ok(Some(Lifted { op, args, state: None }))
}

/// Registers every function and method of `crate::api`.
fn register_ops(r: &mut Registry) {
    use crate::api;
    macro_rules! fn_ {
        ($f:path, |$a:ident| $body:expr) => {
            r.add_fn(fn_key(&$f).expect("'static fn item"), |$a: &[Arg]| -> Result<Option<Lifted>> {
                let lifted: Option<Result<Option<Lifted>>> = (|| Some($body))();
                lifted.unwrap_or(Ok(None))
            });
        };
    }
    fn_!(api::lowercase, |a| match a {
        [x] => op(Op::Lowercase, vec![x.node()?]),
        _ => None?,
    });
    fn_!(api::tokenize, |a| match a {
        [x] => op(Op::Tokenize, vec![x.node()?]),
        _ => None?,
    });
    fn_!(api::arith, |a| match a {
        [x, o, y] => op(Op::Arith { op: c::arith(o)? }, vec![x.node()?, y.node()?]),
        _ => None?,
    });
    fn_!(api::arith_const, |a| match a {
        [x, o, k] => op(Op::ArithConst { op: c::arith(o)?, value: c::f64_(k)?, const_left: false }, vec![x.node()?]),
        _ => None?,
    });
    fn_!(api::const_arith, |a| match a {
        [k, o, x] => op(Op::ArithConst { op: c::arith(o)?, value: c::f64_(k)?, const_left: true }, vec![x.node()?]),
        _ => None?,
    });
    fn_!(api::log1p, |a| match a {
        [x] => op(Op::Log1p, vec![x.node()?]),
        _ => None?,
    });
    fn_!(api::clip, |a| match a {
        [x, lo, hi] => op(Op::Clip { lo: c::f64_(lo)?, hi: c::f64_(hi)? }, vec![x.node()?]),
        _ => None?,
    });
    fn_!(api::fill_missing, |a| match a {
        [x, v] => op(Op::FillMissing { value: c::scalar(v)?, nan: false }, vec![x.node()?]),
        _ => None?,
    });
    fn_!(api::fill_missing_and_nan, |a| match a {
        [x, v] => op(Op::FillMissing { value: willump_ir::Scalar::F64(c::f64_(v)?), nan: true }, vec![x.node()?]),
        _ => None?,
    });
    fn_!(api::bucketize, |a| match a {
        [x, b, rule] => op(Op::Bucketize { boundaries: c::f64s(b)?, rule: c::bucket_rule(rule)? }, vec![x.node()?]),
        _ => None?,
    });
    fn_!(api::make_table, |a| match a {
        [names, cols] => op(Op::MakeTable { names: c::strings(names)? }, c::node_list(cols)?),
        _ => None?,
    });
    fn_!(api::column, |a| match a {
        [t, n] => op(Op::GetColumn { name: c::string(n)? }, vec![t.node()?]),
        _ => None?,
    });
    fn_!(api::select, |a| match a {
        [t, n] => op(Op::Select { names: c::strings(n)? }, vec![t.node()?]),
        _ => None?,
    });
    fn_!(api::hconcat, |a| match a {
        [ts] => op(Op::Concat, c::node_list(ts)?),
        _ => None?,
    });
    fn_!(api::to_dense, |a| match a {
        [ps] => op(Op::ToDense, c::node_list(ps)?),
        _ => None?,
    });
    fn_!(api::hstack, |a| match a {
        [bs] => op(Op::Stack, c::node_list(bs)?),
        _ => None?,
    });

    // Methods on state: vectorizers, the one-hot encoder, joins and aggregates.
    fn state<T: Send + Sync + 'static>(recv: &Arg) -> Option<(&'static str, Arc<T>)> {
        match recv {
            Arg::State { name, value, .. } => Some((name, value.clone().downcast::<T>().ok()?)),
            _ => None,
        }
    }
    fn with_state(op: Op, args: Vec<NodeId>, name: &str, kind: &str, s: BoundState) -> Result<Option<Lifted>> {
        Ok(Some(Lifted { op, args, state: Some((Some(format!("{name}:{kind}")), s, name.to_string())) }))
    }
    macro_rules! method {
        ($t:ty, $m:literal, |$recv:ident, $a:ident| $body:expr) => {
            r.add_method(TypeId::of::<$t>(), $m, |$recv: &Arg, $a: &[Arg]| -> Result<Option<Lifted>> {
                let lifted: Option<Result<Option<Lifted>>> = (|| Some($body))();
                lifted.unwrap_or(Ok(None))
            });
        };
    }
    macro_rules! vectorizer {
        ($t:ty, $variant:ident, $kind:literal) => {
            // `transform` takes text, `transform_tokens` tokens: one op, typed by its input.
            for m in ["transform", "transform_tokens"] {
                r.add_method(TypeId::of::<$t>(), m, |recv: &Arg, a: &[Arg]| -> Result<Option<Lifted>> {
                    let Some((name, v)) = state::<$t>(recv) else { return Ok(None) };
                    let Some(x) = c_one(a) else { return Ok(None) };
                    with_state(Op::Vectorize { state: STATE }, vec![x], name, $kind, BoundState::$variant(v))
                });
            }
        };
    }
    fn c_one(a: &[Arg]) -> Option<NodeId> {
        one_node(a)
    }
    vectorizer!(api::CountVectorizer, Count, "count");
    vectorizer!(api::TfidfVectorizer, Tfidf, "tfidf");
    vectorizer!(api::HashingVectorizer, Hashing, "hashing");
    method!(api::OneHotEncoder, "encode", |recv, a| {
        let (name, e) = state::<api::OneHotEncoder>(recv)?;
        with_state(Op::OneHot { state: STATE }, vec![c_one(a)?], name, "one_hot", BoundState::OneHot(e))
    });
    method!(api::LeftJoin, "transform", |recv, a| {
        let (name, j) = state::<api::LeftJoin>(recv)?;
        match a {
            [t, keys] => with_state(
                Op::LeftJoin { state: STATE, keys: c::strings(keys)? },
                vec![t.node()?],
                name,
                "join",
                BoundState::Join(j),
            ),
            _ => None?,
        }
    });
    method!(api::TargetAggregate, "transform", |recv, a| {
        let (name, g) = state::<api::TargetAggregate>(recv)?;
        match a {
            [t, keys] => with_state(
                Op::LeftJoin { state: STATE, keys: c::strings(keys)? },
                vec![t.node()?],
                name,
                "join",
                BoundState::Join(Arc::new(g.join().clone())),
            ),
            _ => None?,
        }
    });
}
