//! The runtime half of `#[willump]`: what the generated graph function calls.
//!
//! The graph function runs the pipeline's body once on empty row inputs (so every value has its
//! real Rust type and, for feature blocks, its real width) and records each call with the
//! [`Tracer`]. A call is *recognized by type*: a free function by the `TypeId` of its function
//! item (a renamed import, a re-export or an alias is the same item, so it lifts to the same op),
//! a method by the `TypeId` of its receiver and the method's name. A recognized call becomes its
//! IR op; any other call becomes an `opaque` node that calls the user's code back through the
//! fallback closure the macro generated for it.
//!
//! Items here are public because generated code names them (through `willump::__private`);
//! they are not meant to be called by hand.

pub mod consts;
mod registry;
mod tracer;

use std::any::{Any, TypeId};
use std::marker::PhantomData;
use std::sync::Arc;

pub use registry::{Lifted, Registry, registry};
pub use tracer::Tracer;

use crate::error::{Error, Result};
use crate::value::{Column, Value};

/// One recorded call.
pub struct Call {
    /// What was called.
    pub callee: Callee,
    /// Its arguments (the receiver excluded), as recorded.
    pub args: Vec<Arg>,
    /// The user's code, callable on the interpreter's values, for calls the library does not
    /// know.
    pub fallback: Fallback,
    /// The source line of the call.
    pub line: u32,
}

/// What a call called.
pub enum Callee {
    /// A free function.
    Function {
        /// The function item's type id (`None` if its type is not `'static`).
        key: Option<TypeId>,
        /// The path as written.
        path: &'static str,
    },
    /// A method.
    Method {
        /// The receiver.
        recv: Box<Arg>,
        /// The method's name.
        method: &'static str,
    },
}

impl Callee {
    /// A free-function callee.
    pub fn function(key: Option<TypeId>, path: &'static str) -> Self {
        Callee::Function { key, path }
    }

    /// A method callee.
    pub fn method(recv: Arg, method: &'static str) -> Self {
        Callee::Method { recv: Box::new(recv), method }
    }
}

/// One recorded argument.
#[derive(Clone)]
pub enum Arg {
    /// A pipeline value (an earlier node).
    Node {
        /// The node.
        id: willump_ir::NodeId,
        /// The Rust type of its value.
        ty: TypeId,
    },
    /// A state parameter.
    State {
        /// The parameter's name.
        name: &'static str,
        /// The value (an `Arc<T>` seen as `Any`).
        value: Arc<dyn Any + Send + Sync>,
        /// `TypeId` of `T`.
        ty: TypeId,
        /// Name of `T`.
        type_name: &'static str,
    },
    /// A constant.
    Const {
        /// The value.
        value: Arc<dyn Any + Send + Sync>,
        /// Name of its type.
        type_name: &'static str,
    },
    /// A list of arguments.
    List(Vec<Arg>),
}

impl Arg {
    /// The constant, if this is a constant of type `T`.
    pub fn const_as<T: Any>(&self) -> Option<&T> {
        match self {
            Arg::Const { value, .. } => value.downcast_ref::<T>(),
            _ => None,
        }
    }

    /// The node, if this is a pipeline value.
    pub fn node(&self) -> Option<willump_ir::NodeId> {
        match self {
            Arg::Node { id, .. } => Some(*id),
            _ => None,
        }
    }

    /// Pushes the node ids in depth-first order (the order the fallback receives values in).
    pub fn collect_nodes(&self, out: &mut Vec<willump_ir::NodeId>) {
        match self {
            Arg::Node { id, .. } => out.push(*id),
            Arg::List(items) => items.iter().for_each(|a| a.collect_nodes(out)),
            Arg::State { .. } | Arg::Const { .. } => {}
        }
    }
}

/// A pipeline value's argument record.
pub fn node_arg<T: Any>(id: willump_ir::NodeId, _w: &Witness<T>) -> Arg {
    Arg::Node { id, ty: TypeId::of::<T>() }
}

/// A state parameter's argument record.
pub fn state_arg<T: Any + Send + Sync>(name: &'static str, v: &Arc<T>) -> Arg {
    Arg::State { name, value: v.clone(), ty: TypeId::of::<T>(), type_name: std::any::type_name::<T>() }
}

/// A constant argument's record. Constants of types without `Clone` are recorded by type
/// name only (a call with one is not recognized as a library op).
pub fn konst<T: Any + Send + Sync + Clone>(v: &T) -> Arg {
    Arg::Const { value: Arc::new(v.clone()), type_name: std::any::type_name::<T>() }
}

/// The type id of a function item (its identity, whatever path names it).
pub fn fn_key<F: Any>(_f: &F) -> Option<TypeId> {
    Some(TypeId::of::<F>())
}

/// A zero-sized token of a value's Rust type, created where the value is in scope and moved
/// into the fallback closure, so the closure can downcast the interpreter's values to exactly
/// that type.
pub struct Witness<T>(PhantomData<fn() -> T>);

impl<T> Clone for Witness<T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T> Copy for Witness<T> {}

/// The witness of `v`'s type.
pub fn witness<T: Any>(_v: &T) -> Witness<T> {
    Witness(PhantomData)
}

impl<T: Any> Witness<T> {
    /// Input `i` as a `&T`, or an error naming the expected and the found type.
    pub fn get<'a>(&self, inputs: &[&'a Value], i: usize) -> Result<&'a T> {
        let v = inputs[i];
        if let Some(t) = v.as_any().downcast_ref::<T>() {
            return Ok(t);
        }
        // A model's `predict` output is a `Vec<f64>` in Rust and an f64 column in the IR.
        if let Value::Column(Column::F64(c)) = v
            && c.null_count() == 0
            && let Some(t) = (c.values_vec() as &dyn Any).downcast_ref::<T>()
        {
            return Ok(t);
        }
        Err(Error::invalid(
            "opaque call",
            format!("argument {i}"),
            format!("expected a `{}`, found a value of type {}", std::any::type_name::<T>(), v.ir_type()),
        ))
    }
}

/// The fallback closure type.
pub type Fallback = Arc<dyn Fn(&[&Value]) -> Result<Value> + Send + Sync>;

/// Boxes a fallback closure.
pub fn fallback(f: impl Fn(&[&Value]) -> Result<Value> + Send + Sync + 'static) -> Fallback {
    Arc::new(f)
}

/// Checks that a fallback got the number of values it takes.
pub fn check_arity(inputs: &[&Value], n: usize) -> Result<()> {
    if inputs.len() == n {
        Ok(())
    } else {
        Err(Error::op("opaque call", format!("takes {n} value(s), got {}", inputs.len())))
    }
}

/// Wraps a call's result as an interpreter value.
pub fn into_value<T: Any + Send + Sync>(v: T) -> Value {
    Value::from_any(v)
}

/// Clones a value that the user's code takes by value.
pub fn clone_arg<T: Clone>(v: &T) -> T {
    v.clone()
}

/// An empty row input of type `T` (zero rows).
pub fn empty_row<T: RowValue>() -> T {
    T::empty()
}

/// The IR type of a traced value (its real Rust type, with widths and schemas).
pub fn traced<T: Any>(v: &T) -> willump_ir::Type {
    crate::value::type_of_any(v)
}

/// Types that can be a pipeline's per-row input.
pub trait RowValue: Any + Send + Sync {
    /// A column with no rows.
    fn empty() -> Self;
    /// The IR type.
    fn ir_type() -> willump_ir::Type;
    /// The value as an interpreter input.
    fn to_value(&self) -> Value;
}

macro_rules! row_value {
    ($($t:ty => $ty:expr, $wrap:path),* $(,)?) => {$(
        impl RowValue for $t {
            fn empty() -> Self {
                <$t>::default()
            }
            fn ir_type() -> willump_ir::Type {
                $ty
            }
            fn to_value(&self) -> Value {
                Value::Column($wrap(self.clone()))
            }
        }
    )*};
}

impl Default for crate::value::F64Column {
    fn default() -> Self {
        Self::new(Vec::new())
    }
}

impl Default for crate::value::I64Column {
    fn default() -> Self {
        Self::new(Vec::new())
    }
}

impl Default for crate::value::BoolColumn {
    fn default() -> Self {
        Self::new(Vec::new())
    }
}

row_value!(
    crate::value::StringColumn => willump_ir::Type::STR, Column::Str,
    crate::value::F64Column => willump_ir::Type::F64, Column::F64,
    crate::value::I64Column => willump_ir::Type::I64, Column::I64,
    crate::value::BoolColumn => willump_ir::Type::BOOL, Column::Bool,
);
