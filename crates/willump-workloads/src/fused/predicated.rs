//! Predicated tree traversal: every row of a block takes exactly `depth(tree)` steps through
//! each tree, with no branch on the data.
//!
//! Leaves are nodes too, whose two children are themselves, so a row that reaches a leaf early
//! stays there while the others finish; each step picks the child by indexing
//! (`child[goes_left]`), which compiles to a load rather than a jump, and the rows of a block are
//! independent chains the processor overlaps. A missing value (NaN) goes to the node's default
//! side (`v <= t` is false for NaN; the default bit is or-ed in). Leaf values are added tree by
//! tree in ensemble order, so scores equal traversal bit for bit.
//!
//! Limits (the caller falls back): numerical splits without the zero-as-missing rule, at most
//! 65,535 nodes per tree.

use willump::runtime::models::{Decision, MissingType, TreeEnsemble};

use super::trees::{BLOCK, MAX_BLOCK_FEATURES};

#[derive(Debug, Clone, Copy)]
#[repr(C)]
struct PNode {
    threshold: f64,
    /// `[right, left]`, node indices within the tree.
    child: [u16; 2],
    feature: u16,
    default_left: u16,
}

/// An ensemble prepared for predicated traversal.
#[derive(Debug, Clone)]
pub struct Predicated {
    nodes: Vec<PNode>,
    /// Per node: its leaf value (0 for internal nodes).
    value: Vec<f64>,
    /// Per tree: first node, steps to its deepest leaf.
    trees: Vec<(u32, u32)>,
    base: f64,
}

impl Predicated {
    /// Prepares a single-output ensemble, or `None` when a split is categorical or treats zero as
    /// missing, or a tree has more than 65,535 nodes.
    pub fn new(e: &TreeEnsemble) -> Option<Predicated> {
        if e.base_score.len() != 1 || e.n_features > MAX_BLOCK_FEATURES {
            return None;
        }
        let mut p = Predicated { nodes: Vec::new(), value: Vec::new(), trees: Vec::new(), base: e.base_score[0] };
        for tree in &e.trees {
            let n_int = tree.n_internal();
            let n = n_int + tree.leaf_value.len();
            if n > u16::MAX as usize {
                return None;
            }
            let id = |c: i32| -> u16 { if c >= 0 { c as u16 } else { (n_int + !c as usize) as u16 } };
            let start = p.nodes.len() as u32;
            for i in 0..n_int {
                let Decision::Numerical { threshold, missing, default_left } = &tree.decision[i] else { return None };
                let dl = match missing {
                    MissingType::None => 0.0 <= *threshold,
                    MissingType::NaN => *default_left,
                    MissingType::Zero => return None,
                };
                p.nodes.push(PNode {
                    threshold: *threshold,
                    child: [id(tree.right[i]), id(tree.left[i])],
                    feature: tree.split_feature[i] as u16,
                    default_left: dl as u16,
                });
                p.value.push(0.0);
            }
            for (l, &v) in tree.leaf_value.iter().enumerate() {
                let me = (n_int + l) as u16;
                p.nodes.push(PNode { threshold: 0.0, child: [me, me], feature: 0, default_left: 0 });
                p.value.push(v);
            }
            // Depth: the longest root-to-leaf path, in steps.
            fn depth(tree: &willump::runtime::models::Tree, c: i32) -> u32 {
                if c < 0 { 0 } else { 1 + depth(tree, tree.left[c as usize]).max(depth(tree, tree.right[c as usize])) }
            }
            let d = if n_int == 0 { 0 } else { depth(tree, 0) };
            p.trees.push((start, d));
        }
        Some(p)
    }

    /// The raw scores of the first `m <= BLOCK` rows of `rows`.
    #[inline]
    pub fn score_block(&self, rows: &[[f64; MAX_BLOCK_FEATURES]; BLOCK], m: usize, out: &mut [f64; BLOCK]) {
        out[..m].fill(self.base);
        for &(start, depth) in &self.trees {
            let nodes = &self.nodes[start as usize..];
            let values = &self.value[start as usize..];
            let mut cur = [0u16; BLOCK];
            for _ in 0..depth {
                for (c, x) in cur[..m].iter_mut().zip(rows) {
                    let nd = &nodes[*c as usize];
                    let v = x[nd.feature as usize];
                    let left = (v <= nd.threshold) as u16 | (v.is_nan() as u16 & nd.default_left);
                    *c = nd.child[left as usize];
                }
            }
            for (o, c) in out[..m].iter_mut().zip(&cur) {
                *o += values[*c as usize];
            }
        }
    }
}
