#![allow(unused)]
use std::sync::Arc;
use willump::prelude::*;
use willump::runtime::value::Matrix;

fn feat(t: &StringColumn) -> willump::Result<Matrix> {
    Ok(Matrix::Dense(ndarray::Array2::zeros((t.len(), 1))))
}

fn grow(x: &mut Matrix) -> willump::Result<Matrix> {
    Ok(x.clone())
}

#[willump]
fn p(#[row] t: &StringColumn, m: &Arc<dyn Model>) -> willump::Result<ndarray::Array2<f64>> {
    let x = feat(t)?;
    let y = grow(&mut x.clone())?;
    m.predict_proba(y.view())
}
fn main() {}
