//! A compact form of a [`TreeEnsemble`] for fast eager prediction: every node of every tree in
//! one array of small fixed-size records, leaves in another. The decisions are the shared
//! functions of `tree.rs`, so this form predicts exactly what the reference evaluator does
//! (tested bit for bit).

use ndarray::Array2;

use super::binning::dense_row;
use crate::models::tree::{categorical_goes_left, numerical_goes_left};
use crate::models::{Decision, MissingType, TreeEnsemble};
use crate::value::MatrixRef;

const NUM_NONE: u8 = 0;
const NUM_NAN: u8 = 1;
const NUM_ZERO: u8 = 2;
const CATEGORICAL: u8 = 3;

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
    default_left: bool,
}

/// The packed ensemble.
#[derive(Debug, Clone, Default)]
pub(crate) struct Packed {
    nodes: Vec<Node>,
    /// Per tree: first node, first leaf, output index.
    trees: Vec<(u32, u32, u32)>,
    n_nodes: Vec<u32>,
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
            p.trees.push((p.nodes.len() as u32, p.leaves.len() as u32, (t % k) as u32));
            p.n_nodes.push(tree.n_internal() as u32);
            for i in 0..tree.n_internal() {
                let mut node = Node {
                    threshold: 0.0,
                    feature: tree.split_feature[i],
                    left: tree.left[i],
                    right: tree.right[i],
                    cat_start: 0,
                    cat_len: 0,
                    kind: NUM_NONE,
                    default_left: false,
                };
                match &tree.decision[i] {
                    Decision::Numerical { threshold, missing, default_left } => {
                        node.threshold = *threshold;
                        node.default_left = *default_left;
                        node.kind = match missing {
                            MissingType::None => NUM_NONE,
                            MissingType::NaN => NUM_NAN,
                            MissingType::Zero => NUM_ZERO,
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
        for (&(start, leaf0, o), &n) in self.trees.iter().zip(&self.n_nodes) {
            let mut leaf = 0usize;
            if n > 0 {
                let nodes = &self.nodes[start as usize..(start + n) as usize];
                let mut i = 0usize;
                loop {
                    let nd = &nodes[i];
                    let v = x[nd.feature as usize];
                    let left = match nd.kind {
                        NUM_NONE => numerical_goes_left(v, nd.threshold, MissingType::None, false),
                        NUM_NAN => numerical_goes_left(v, nd.threshold, MissingType::NaN, nd.default_left),
                        NUM_ZERO => numerical_goes_left(v, nd.threshold, MissingType::Zero, nd.default_left),
                        _ => {
                            let s = nd.cat_start as usize;
                            categorical_goes_left(v, &self.cats[s..s + nd.cat_len as usize])
                        }
                    };
                    let c = if left { nd.left } else { nd.right };
                    if c < 0 {
                        leaf = !c as usize;
                        break;
                    }
                    i = c as usize;
                }
            }
            out[o as usize] += self.leaves[leaf0 as usize + leaf];
        }
    }

    /// Raw scores of every row (`x` has been checked to have `n_features` columns).
    pub fn decision(&self, x: &MatrixRef<'_>) -> Array2<f64> {
        let k = self.base.len();
        let n = x.n_rows();
        let mut out = Array2::zeros((n, k));
        let mut buf = vec![0.0; self.n_features];
        for (i, mut o) in out.rows_mut().into_iter().enumerate() {
            let o = o.as_slice_mut().expect("fresh array rows are contiguous");
            o.copy_from_slice(&self.base);
            match x {
                MatrixRef::Dense(m) => match m.row(i).to_slice() {
                    Some(row) => self.add_row(row, o),
                    None => {
                        dense_row(x, i, &mut buf);
                        self.add_row(&buf, o);
                    }
                },
                MatrixRef::Sparse(_) => {
                    dense_row(x, i, &mut buf);
                    self.add_row(&buf, o);
                }
            }
        }
        out
    }
}
