//! QuickScorer (Lucchese et al., SIGIR 2015): a tree ensemble scored feature by feature instead
//! of tree by tree, with no data-dependent branch per node.
//!
//! Each tree's leaves are numbered left to right and a row starts with every leaf of every tree
//! possible (one bit per leaf). A node whose test is false for the row (the row goes right)
//! rules out the leaves of its left subtree: its mask clears them. The nodes of each feature are
//! sorted by threshold, so the false nodes of a row with value `v` are exactly a prefix (those
//! with `threshold < v`): one scan applies their masks and stops at the first true node.
//! Each tree's exit leaf is then its leftmost remaining leaf (lowest set bit). A missing value
//! (NaN) goes to each node's default side: a precomputed list per feature holds the nodes whose
//! default is right. Leaf values are added in ensemble order, so scores equal tree traversal bit
//! for bit.
//!
//! Limits (the caller falls back to traversal): at most 64 leaves per tree, numerical splits,
//! no `MissingType::Zero` rule. Masks are `u32` when every tree has at most 32 leaves.

use willump::runtime::models::{Decision, MissingType, TreeEnsemble};

/// A leaf bitmask: `u32` when every tree has at most 32 leaves (half the memory to stream),
/// `u64` otherwise.
pub trait Mask: Copy + std::ops::BitAndAssign + std::fmt::Debug + Send + Sync + 'static {
    /// Bits per mask.
    const BITS: usize;
    /// The mask of `n <= BITS` low bits.
    fn low(n: usize) -> Self;
    /// From the low bits of a `u64`.
    fn from_u64(v: u64) -> Self;
    /// Index of the lowest set bit.
    fn lowest(self) -> usize;
}

impl Mask for u32 {
    const BITS: usize = 32;
    fn low(n: usize) -> Self {
        if n >= 32 { u32::MAX } else { (1u32 << n) - 1 }
    }
    fn from_u64(v: u64) -> Self {
        v as u32
    }
    #[inline(always)]
    fn lowest(self) -> usize {
        self.trailing_zeros() as usize
    }
}

impl Mask for u64 {
    const BITS: usize = 64;
    fn low(n: usize) -> Self {
        if n >= 64 { u64::MAX } else { (1u64 << n) - 1 }
    }
    fn from_u64(v: u64) -> Self {
        v
    }
    #[inline(always)]
    fn lowest(self) -> usize {
        self.trailing_zeros() as usize
    }
}

/// One node in a feature's list: its threshold, its tree, the leaves it keeps when false.
#[derive(Debug, Clone, Copy)]
#[repr(C)]
struct QNode<M> {
    thr: f64,
    tree: u32,
    mask: M,
}

/// An ensemble prepared for QuickScorer, with masks of type `M`.
#[derive(Debug, Clone)]
pub struct QuickScorer<M: Mask = u64> {
    /// Per feature: its nodes are `start[f]..start[f + 1]`, sorted by threshold.
    start: Vec<u32>,
    nodes: Vec<QNode<M>>,
    /// Per feature: the nodes a NaN goes right at, `nan_start[f]..nan_start[f + 1]`.
    nan_start: Vec<u32>,
    nan_nodes: Vec<QNode<M>>,
    /// Per tree: its first leaf in `leaves` (leaves in left-to-right order).
    leaf_start: Vec<u32>,
    leaves: Vec<f64>,
    /// Per tree: every leaf possible.
    init: Vec<M>,
    base: f64,
}

/// One node's entry before sorting: feature, threshold, tree, mask, NaN goes right.
type Entry = (usize, f64, u32, u64, bool);

/// The largest number of leaves of any tree of `e`.
pub fn max_leaves(e: &TreeEnsemble) -> usize {
    e.trees.iter().map(|t| t.leaf_value.len()).max().unwrap_or(0)
}

impl<M: Mask> QuickScorer<M> {
    /// Prepares a single-output ensemble, or `None` when it has a tree of more than `M::BITS`
    /// leaves, a categorical split, or a zero-as-missing split.
    pub fn new(e: &TreeEnsemble) -> Option<QuickScorer<M>> {
        if e.base_score.len() != 1 {
            return None;
        }
        let mut entries: Vec<Entry> = Vec::new();
        let mut leaf_start = Vec::with_capacity(e.trees.len());
        let mut leaves = Vec::new();
        let mut init = Vec::with_capacity(e.trees.len());
        for (t, tree) in e.trees.iter().enumerate() {
            let n_leaves = tree.leaf_value.len();
            if n_leaves > M::BITS || n_leaves == 0 {
                return None;
            }
            leaf_start.push(leaves.len() as u32);
            init.push(M::low(n_leaves));
            if tree.n_internal() == 0 {
                leaves.push(tree.leaf_value[0]);
                continue;
            }
            // In-order leaf numbering, and each node's left-subtree leaves.
            let mut order: Vec<usize> = Vec::with_capacity(n_leaves);
            let mut left_bits = vec![0u64; tree.n_internal()];
            fn walk(
                tree: &willump::runtime::models::Tree,
                c: i32,
                order: &mut Vec<usize>,
                left_bits: &mut [u64],
            ) -> u64 {
                if c < 0 {
                    order.push(!c as usize);
                    return 1u64 << (order.len() - 1);
                }
                let n = c as usize;
                let l = walk(tree, tree.left[n], order, left_bits);
                left_bits[n] = l;
                l | walk(tree, tree.right[n], order, left_bits)
            }
            walk(tree, 0, &mut order, &mut left_bits);
            leaves.extend(order.iter().map(|&l| tree.leaf_value[l]));
            for ((decision, &feature), &left) in tree.decision.iter().zip(&tree.split_feature).zip(&left_bits) {
                let Decision::Numerical { threshold, missing, default_left } = decision else { return None };
                let nan_left = match missing {
                    MissingType::None => 0.0 <= *threshold,
                    MissingType::NaN => *default_left,
                    MissingType::Zero => return None,
                };
                entries.push((feature as usize, *threshold, t as u32, !left, !nan_left));
            }
        }
        entries.sort_by(|a, b| a.0.cmp(&b.0).then(a.1.total_cmp(&b.1)));
        let nf = e.n_features;
        let mut q = QuickScorer {
            start: vec![0; nf + 1],
            nodes: Vec::with_capacity(entries.len()),
            nan_start: vec![0; nf + 1],
            nan_nodes: Vec::new(),
            leaf_start,
            leaves,
            init,
            base: e.base_score[0],
        };
        let mut at = 0;
        for f in 0..nf {
            q.start[f] = q.nodes.len() as u32;
            q.nan_start[f] = q.nan_nodes.len() as u32;
            while at < entries.len() && entries[at].0 == f {
                let (_, thr, tree, mask, nan_right) = entries[at];
                let node = QNode { thr, tree, mask: M::from_u64(mask) };
                q.nodes.push(node);
                if nan_right {
                    q.nan_nodes.push(node);
                }
                at += 1;
            }
        }
        q.start[nf] = q.nodes.len() as u32;
        q.nan_start[nf] = q.nan_nodes.len() as u32;
        Some(q)
    }

    /// Number of trees (the length of the scratch [`score`](Self::score) takes).
    pub fn n_trees(&self) -> usize {
        self.init.len()
    }

    /// The raw score of `x`, using `bits` (one mask per tree) as scratch.
    #[inline]
    pub fn score(&self, x: &[f64], bits: &mut [M]) -> f64 {
        bits.copy_from_slice(&self.init);
        for (f, &v) in x.iter().enumerate().take(self.start.len() - 1) {
            if v.is_nan() {
                let (s, e) = (self.nan_start[f] as usize, self.nan_start[f + 1] as usize);
                for nd in &self.nan_nodes[s..e] {
                    bits[nd.tree as usize] &= nd.mask;
                }
            } else {
                // The false nodes are the prefix with `threshold < v`: apply their masks and
                // stop at the first true node.
                let (s, e) = (self.start[f] as usize, self.start[f + 1] as usize);
                for nd in self.nodes[s..e].iter().take_while(|nd| nd.thr < v) {
                    bits[nd.tree as usize] &= nd.mask;
                }
            }
        }
        let mut s = self.base;
        for (&b, &l0) in bits.iter().zip(&self.leaf_start) {
            s += self.leaves[l0 as usize + b.lowest()];
        }
        s
    }
}
