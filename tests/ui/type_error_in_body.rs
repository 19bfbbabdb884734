#![allow(unused)]
use std::sync::Arc;
use willump::ops::lowercase;
use willump::prelude::*;
use willump::runtime::value::Matrix;

fn feat(t: &StringColumn) -> willump::Result<Matrix> {
    Ok(Matrix::Dense(ndarray::Array2::zeros((t.len(), 1))))
}

#[willump]
fn p(#[row] n: &F64Column, m: &Arc<dyn Model>) -> willump::Result<ndarray::Array2<f64>> {
    let lower = lowercase(n)?;
    let x = feat(&lower)?;
    m.predict_proba(x.view())
}

fn main() {}
