#![allow(unused)]
use std::sync::Arc;
use willump::prelude::*;
use willump::runtime::value::Matrix;

fn feat(t: &StringColumn) -> willump::Result<Matrix> {
    Ok(Matrix::Dense(ndarray::Array2::zeros((t.len(), 1))))
}

fn scaled(t: &StringColumn, k: usize) -> willump::Result<Matrix> {
    feat(t).map(|m| if k > 0 { m } else { m })
}

#[willump]
fn p(#[row] t: &StringColumn, m: &Arc<dyn Model>) -> willump::Result<ndarray::Array2<f64>> {
    let x = scaled(t, t.len() * 2)?;
    m.predict_proba(x.view())
}
fn main() {}
