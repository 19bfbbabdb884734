//! A compact form of a [`TreeEnsemble`] for fast eager prediction: every node of every tree in
//! one array of small fixed-size records, leaves in another.
//!
//! The three numerical missing-value rules fold into one: a value is "missing" when it is NaN
//! (or, for `MissingType::Zero`, when |x| <= 1e-35f) and then goes to the node's default side;
//! for `MissingType::None` the default side is where 0.0 goes (`0.0 <= threshold`), which is
//! LightGBM's NaN-as-zero rule. This form predicts exactly what the reference evaluator in
//! `tree.rs` does (tested bit for bit, including NaN, zeros and categories).
//!
//! Batches are evaluated a block of rows at a time per tree: the traversals of the rows of a
//! block are independent, so the processor overlaps their loads and branches.

use ndarray::Array2;

use super::binning::dense_row;
use crate::models::tree::categorical_goes_left;
use crate::models::{Decision, MissingType, TreeEnsemble, ZERO_THRESHOLD};
use crate::value::MatrixRef;

const NUMERICAL: u8 = 0;
const NUMERICAL_ZERO_MISSING: u8 = 1;
const CATEGORICAL: u8 = 2;

/// Rows evaluated together per tree in batch prediction.
const ROW_BLOCK: usize = 8;

#[derive(Debug, Clone, Copy)]
struct Node {
    threshold: f64,
    feature: u32,
    /// Child node index within the tree, or `!leaf`.
    left: i32,
    right: i32,
    /// For categorical nodes: the bitset's range in `cats`.
    cat_start: u32,
    cat_len: u32,
    kind: u8,
    /// Where missing values go (for `MissingType::None`: where 0.0 goes).
    default_left: bool,
}

impl Node {
    #[inline(always)]
    fn next(&self, v: f64, cats: &[u32]) -> i32 {
        let left = match self.kind {
            NUMERICAL => {
                if v.is_nan() {
                    self.default_left
                } else {
                    v <= self.threshold
                }
            }
            NUMERICAL_ZERO_MISSING => {
                if v.is_nan() || v.abs() <= ZERO_THRESHOLD {
                    self.default_left
                } else {
                    v <= self.threshold
                }
            }
            _ => {
                let s = self.cat_start as usize;
                categorical_goes_left(v, &cats[s..s + self.cat_len as usize])
            }
        };
        if left { self.left } else { self.right }
    }
}

/// The packed ensemble.
#[derive(Debug, Clone, Default)]
pub(crate) struct Packed {
    nodes: Vec<Node>,
    /// Per tree: first node, number of nodes, first leaf, output index.
    trees: Vec<(u32, u32, u32, u32)>,
    leaves: Vec<f64>,
    cats: Vec<u32>,
    base: Vec<f64>,
    n_features: usize,
}

impl Packed {
    /// Packs a validated ensemble.
    pub fn new(e: &TreeEnsemble) -> Packed {
        let k = e.n_outputs();
        let mut p = Packed { base: e.base_score.clone(), n_features: e.n_features, ..Packed::default() };
        for (t, tree) in e.trees.iter().enumerate() {
            p.trees.push((p.nodes.len() as u32, tree.n_internal() as u32, p.leaves.len() as u32, (t % k) as u32));
            for i in 0..tree.n_internal() {
                let mut node = Node {
                    threshold: 0.0,
                    feature: tree.split_feature[i],
                    left: tree.left[i],
                    right: tree.right[i],
                    cat_start: 0,
                    cat_len: 0,
                    kind: NUMERICAL,
                    default_left: false,
                };
                match &tree.decision[i] {
                    Decision::Numerical { threshold, missing, default_left } => {
                        node.threshold = *threshold;
                        (node.kind, node.default_left) = match missing {
                            MissingType::None => (NUMERICAL, 0.0 <= *threshold),
                            MissingType::NaN => (NUMERICAL, *default_left),
                            MissingType::Zero => (NUMERICAL_ZERO_MISSING, *default_left),
                        };
                    }
                    Decision::Categorical { categories } => {
                        node.kind = CATEGORICAL;
                        node.cat_start = p.cats.len() as u32;
                        node.cat_len = categories.len() as u32;
                        p.cats.extend_from_slice(categories);
                    }
                }
                p.nodes.push(node);
            }
            p.leaves.extend_from_slice(&tree.leaf_value);
        }
        p
    }

    /// Adds the raw scores of `x` into `out` (initialized by the caller to the base scores).
    #[inline]
    pub fn add_row(&self, x: &[f64], out: &mut [f64]) {
        for &(start, n, leaf0, o) in &self.trees {
            let mut c = -1i32;
            if n > 0 {
                let nodes = &self.nodes[start as usize..(start + n) as usize];
                let mut i = 0usize;
                loop {
                    let nd = &nodes[i];
                    c = nd.next(x[nd.feature as usize], &self.cats);
                    if c < 0 {
                        break;
                    }
                    i = c as usize;
                }
            }
            out[o as usize] += self.leaves[leaf0 as usize + !c as usize];
        }
    }

    /// Adds the raw scores of up to [`ROW_BLOCK`] rows into their outputs, tree by tree.
    fn add_block(&self, rows: &[&[f64]], out: &mut [&mut [f64]]) {
        let m = rows.len();
        for &(start, n, leaf0, o) in &self.trees {
            let mut cur = [-1i32; ROW_BLOCK];
            if n > 0 {
                let nodes = &self.nodes[start as usize..(start + n) as usize];
                cur[..m].fill(0);
                loop {
                    let mut active = false;
                    for (c, x) in cur.iter_mut().zip(rows) {
                        if *c >= 0 {
                            let nd = &nodes[*c as usize];
                            *c = nd.next(x[nd.feature as usize], &self.cats);
                            active = true;
                        }
                    }
                    if !active {
                        break;
                    }
                }
            }
            for (c, row_out) in cur.iter().zip(out.iter_mut()) {
                row_out[o as usize] += self.leaves[leaf0 as usize + !*c as usize];
            }
        }
    }

    /// Raw scores of every row (`x` has been checked to have `n_features` columns).
    pub fn decision(&self, x: &MatrixRef<'_>) -> Array2<f64> {
        let k = self.base.len();
        let d = self.n_features;
        let n = x.n_rows();
        let mut out = Array2::zeros((n, k));
        for mut row in out.rows_mut() {
            row.assign(&ndarray::ArrayView1::from(&self.base));
        }
        let direct = match x {
            MatrixRef::Dense(m) => m.is_standard_layout().then(|| m.as_slice()).flatten(),
            MatrixRef::Sparse(_) => None,
        };
        let mut buf = vec![0.0; ROW_BLOCK * d];
        let out_slice = out.as_slice_mut().expect("a fresh array is contiguous");
        for (b, out_block) in out_slice.chunks_mut(ROW_BLOCK * k.max(1)).enumerate() {
            let first = b * ROW_BLOCK;
            let m = (n - first).min(ROW_BLOCK);
            let rows: Vec<&[f64]> = match direct {
                Some(all) => (0..m).map(|i| &all[(first + i) * d..(first + i + 1) * d]).collect(),
                None => {
                    for (i, chunk) in buf.chunks_mut(d.max(1)).take(m).enumerate() {
                        dense_row(x, first + i, chunk);
                    }
                    buf.chunks(d.max(1)).take(m).collect()
                }
            };
            let mut outs: Vec<&mut [f64]> = out_block.chunks_mut(k).collect();
            self.add_block(&rows, &mut outs);
        }
        out
    }
}
