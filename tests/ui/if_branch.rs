#![allow(unused)]
use std::sync::Arc;
use willump::prelude::*;
use willump::runtime::value::Matrix;

fn feat(t: &StringColumn) -> willump::Result<Matrix> {
    Ok(Matrix::Dense(ndarray::Array2::zeros((t.len(), 1))))
}

#[willump]
fn p(#[row] t: &StringColumn, m: &Arc<dyn Model>) -> willump::Result<ndarray::Array2<f64>> {
    let x = if t.is_empty() { feat(t)? } else { feat(t)? };
    m.predict_proba(x.view())
}
fn main() {}
