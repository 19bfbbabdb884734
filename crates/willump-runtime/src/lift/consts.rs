//! Reading recorded constant arguments back as the plain values an op's parameters need. A
//! constant is recorded with its exact Rust type (`&[f64; 3]`, `&str`, `Vec<String>`, ...), so
//! each reader tries the shapes a caller can naturally write.

use std::any::Any;

use willump_ir::params::numeric::{ArithOp, BucketRule};
use willump_ir::params::table::Scalar;

use super::Arg;

fn value(a: &Arg) -> Option<&(dyn Any + Send + Sync)> {
    match a {
        Arg::Const { value, .. } => Some(&**value),
        _ => None,
    }
}

/// An `f64` constant.
pub fn f64_(a: &Arg) -> Option<f64> {
    value(a)?.downcast_ref::<f64>().copied()
}

/// An arithmetic operator.
pub fn arith(a: &Arg) -> Option<ArithOp> {
    value(a)?.downcast_ref::<ArithOp>().copied()
}

/// A bucket rule.
pub fn bucket_rule(a: &Arg) -> Option<BucketRule> {
    value(a)?.downcast_ref::<BucketRule>().copied()
}

/// A scalar.
pub fn scalar(a: &Arg) -> Option<Scalar> {
    value(a)?.downcast_ref::<Scalar>().cloned()
}

/// A string (`&str` or `String`).
pub fn string(a: &Arg) -> Option<String> {
    let v = value(a)?;
    v.downcast_ref::<&str>().map(|s| s.to_string()).or_else(|| v.downcast_ref::<String>().cloned())
}

macro_rules! try_arrays {
    ($v:ident, $elem:ty, $conv:expr, $($n:literal)*) => {$(
        if let Some(a) = $v.downcast_ref::<&[$elem; $n]>() {
            return Some(a.iter().map($conv).collect());
        }
        if let Some(a) = $v.downcast_ref::<[$elem; $n]>() {
            return Some(a.iter().map($conv).collect());
        }
    )*};
}

/// A list of strings (`&[&str; N]`, `[&str; N]`, `&[&str]`, `Vec<&str>`, `Vec<String>`, and the
/// same with `String` elements).
pub fn strings(a: &Arg) -> Option<Vec<String>> {
    let v = value(a)?;
    if let Some(s) = v.downcast_ref::<&[&str]>() {
        return Some(s.iter().map(|s| s.to_string()).collect());
    }
    if let Some(s) = v.downcast_ref::<Vec<&str>>() {
        return Some(s.iter().map(|s| s.to_string()).collect());
    }
    if let Some(s) = v.downcast_ref::<Vec<String>>() {
        return Some(s.clone());
    }
    if let Some(s) = v.downcast_ref::<&[String]>() {
        return Some(s.to_vec());
    }
    try_arrays!(v, &str, |s: &&str| s.to_string(), 0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22 23 24 25 26 27 28 29 30 31 32);
    try_arrays!(v, String, |s: &String| s.clone(), 0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16);
    None
}

/// A list of floats (`&[f64; N]`, `[f64; N]`, `&[f64]`, `Vec<f64>`).
pub fn f64s(a: &Arg) -> Option<Vec<f64>> {
    let v = value(a)?;
    if let Some(s) = v.downcast_ref::<&[f64]>() {
        return Some(s.to_vec());
    }
    if let Some(s) = v.downcast_ref::<Vec<f64>>() {
        return Some(s.clone());
    }
    try_arrays!(v, f64, |x: &f64| *x, 0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22 23 24 25 26 27 28 29 30 31 32 33 34 35 36 37 38 39 40 41 42 43 44 45 46 47 48 49 50 51 52 53 54 55 56 57 58 59 60 61 62 63 64);
    None
}

/// The node ids of a list argument whose elements are all pipeline values.
pub fn node_list(a: &Arg) -> Option<Vec<willump_ir::NodeId>> {
    match a {
        Arg::List(items) => items.iter().map(Arg::node).collect(),
        _ => None,
    }
}
