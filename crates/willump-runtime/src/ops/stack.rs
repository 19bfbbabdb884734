//! Horizontal stacking of dense and sparse feature blocks into one model input, remembering
//! which column range came from which block.

use std::ops::Range;

use ndarray::Array2;
use serde::{Deserialize, Serialize};
use willump_ir::params::table::StackOutput;

use crate::error::{Error, Result};
use crate::value::{CsrBuilder, Matrix, MatrixRef};

const OP: &str = "stack";

/// One block's place in a stacked matrix: columns `start..end`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BlockRange {
    /// The block's name.
    pub name: String,
    /// First column.
    pub start: usize,
    /// One past the last column.
    pub end: usize,
}

/// Which columns of a stacked matrix came from which block, in column order.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct StackLayout {
    /// The blocks, in column order; ranges are contiguous and start at 0.
    pub blocks: Vec<BlockRange>,
}

impl StackLayout {
    /// The column range of the block called `name`.
    pub fn range(&self, name: &str) -> Option<Range<usize>> {
        self.blocks.iter().find(|b| b.name == name).map(|b| b.start..b.end)
    }

    /// Total number of columns.
    pub fn n_cols(&self) -> usize {
        self.blocks.last().map_or(0, |b| b.end)
    }
}

/// Stacks `blocks` side by side (the first block's columns first).
///
/// The output is sparse when `output` is [`StackOutput::Sparse`], or [`StackOutput::Auto`] and
/// any block is sparse; dense otherwise. A dense block going into a sparse output stores every
/// value that is not equal to 0.0 (NaN is stored; `-0.0` equals 0.0 and is dropped); a
/// sparse block going into a dense output has its duplicate entries summed (as `to_dense`).
/// Values are otherwise copied unchanged (NaN and `+-inf` included). A block may have zero
/// columns (an empty range).
///
/// Errors (naming `stack` and the block): no blocks, a block name used twice, a block whose row
/// count differs from the first block's.
pub fn stack(blocks: &[(&str, MatrixRef<'_>)], output: StackOutput) -> Result<(Matrix, StackLayout)> {
    let Some((_, first)) = blocks.first() else {
        return Err(Error::op(OP, "no blocks to stack"));
    };
    let n_rows = first.n_rows();
    let mut layout = StackLayout::default();
    let mut start = 0;
    for (i, (name, b)) in blocks.iter().enumerate() {
        if blocks[..i].iter().any(|(n, _)| n == name) {
            return Err(Error::invalid(OP, *name, "block name used twice"));
        }
        if b.n_rows() != n_rows {
            return Err(Error::invalid(
                OP,
                *name,
                format!("{} rows, but block `{}` has {n_rows}", b.n_rows(), blocks[0].0),
            ));
        }
        layout.blocks.push(BlockRange { name: (*name).to_owned(), start, end: start + b.n_cols() });
        start += b.n_cols();
    }
    let n_cols = start;
    let sparse = match output {
        StackOutput::Sparse => true,
        StackOutput::Dense => false,
        StackOutput::Auto => blocks.iter().any(|(_, b)| matches!(b, MatrixRef::Sparse(_))),
    };
    if sparse && n_cols > u32::MAX as usize + 1 {
        return Err(Error::op(OP, format!("{n_cols} columns do not fit a sparse matrix's u32 indices")));
    }
    let matrix = if sparse {
        stack_sparse(blocks, &layout, n_rows, n_cols)
    } else {
        stack_dense(blocks, &layout, n_rows, n_cols)
    };
    Ok((matrix, layout))
}

fn stack_sparse(blocks: &[(&str, MatrixRef<'_>)], layout: &StackLayout, n_rows: usize, n_cols: usize) -> Matrix {
    let nnz: usize = blocks
        .iter()
        .map(|(_, b)| match b {
            MatrixRef::Sparse(m) => m.nnz(),
            MatrixRef::Dense(m) => m.len(),
        })
        .sum();
    let mut out = CsrBuilder::with_capacity(n_cols, n_rows, nnz);
    for i in 0..n_rows {
        for ((_, b), r) in blocks.iter().zip(&layout.blocks) {
            let off = r.start as u32;
            match b {
                MatrixRef::Sparse(m) => {
                    let (idx, val) = m.row(i);
                    for (&j, &v) in idx.iter().zip(val) {
                        out.push(off + j, v);
                    }
                }
                MatrixRef::Dense(m) => {
                    for (j, &v) in m.row(i).iter().enumerate() {
                        if v != 0.0 {
                            out.push(off + j as u32, v);
                        }
                    }
                }
            }
        }
        out.end_row();
    }
    Matrix::Sparse(out.finish())
}

fn stack_dense(blocks: &[(&str, MatrixRef<'_>)], layout: &StackLayout, n_rows: usize, n_cols: usize) -> Matrix {
    let mut out = Array2::<f64>::zeros((n_rows, n_cols));
    for ((_, b), r) in blocks.iter().zip(&layout.blocks) {
        match b {
            MatrixRef::Dense(m) => out.slice_mut(ndarray::s![.., r.start..r.end]).assign(m),
            MatrixRef::Sparse(m) => {
                for i in 0..n_rows {
                    let (idx, val) = m.row(i);
                    for (&j, &v) in idx.iter().zip(val) {
                        out[[i, r.start + j as usize]] += v;
                    }
                }
            }
        }
    }
    Matrix::Dense(out)
}
