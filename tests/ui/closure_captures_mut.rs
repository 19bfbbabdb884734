#![allow(unused)]
use std::sync::Arc;
use willump::prelude::*;
use willump::runtime::value::Matrix;

fn feat(t: &StringColumn) -> willump::Result<Matrix> {
    Ok(Matrix::Dense(ndarray::Array2::zeros((t.len(), 1))))
}

fn apply(t: &StringColumn, f: impl Fn(&str) -> f64) -> willump::Result<Matrix> {
    let v: Vec<f64> = t.iter().map(|s| f(s.unwrap_or(""))).collect();
    Ok(Matrix::Dense(ndarray::Array2::from_shape_vec((v.len(), 1), v).unwrap()))
}

static mut CALLS: u64 = 0;

#[willump]
fn p(#[row] t: &StringColumn, m: &Arc<dyn Model>) -> willump::Result<ndarray::Array2<f64>> {
    let x = apply(t, |s| {
        unsafe { CALLS += 1 };
        s.len() as f64
    })?;
    m.predict_proba(x.view())
}
fn main() {}
