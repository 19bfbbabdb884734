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

    /// Scores `LANES` rows together: every node of a feature's prefix is read once for all of
    /// them, and each lane keeps or ignores its mask branch-free (`thr < v` as an all-ones or
    /// all-zeros word), so the compiler can use vector instructions. The scan runs to the
    /// longest prefix among the lanes; a NaN lane compares false everywhere (no effect) and then
    /// gets its feature's NaN list. `bits` holds `LANES` masks per tree.
    #[inline]
    pub fn score_lanes<const LANES: usize>(
        &self,
        x: &[&[f64]; LANES],
        bits: &mut [[M; LANES]],
        out: &mut [f64; LANES],
    ) {
        for (b, &i) in bits.iter_mut().zip(&self.init) {
            *b = [i; LANES];
        }
        let all = M::low(M::BITS);
        for f in 0..self.start.len() - 1 {
            let v: [f64; LANES] = std::array::from_fn(|l| x[l][f]);
            let vmax = v.iter().copied().filter(|x| !x.is_nan()).fold(f64::NEG_INFINITY, f64::max);
            let (s, e) = (self.start[f] as usize, self.start[f + 1] as usize);
            for nd in self.nodes[s..e].iter().take_while(|nd| nd.thr < vmax) {
                let b = &mut bits[nd.tree as usize];
                for l in 0..LANES {
                    // false (goes right) for this lane: apply the mask; else keep every leaf
                    b[l] &= if nd.thr < v[l] { nd.mask } else { all };
                }
            }
            for l in 0..LANES {
                if v[l].is_nan() {
                    let (s, e) = (self.nan_start[f] as usize, self.nan_start[f + 1] as usize);
                    for nd in &self.nan_nodes[s..e] {
                        bits[nd.tree as usize][l] &= nd.mask;
                    }
                }
            }
        }
        *out = [self.base; LANES];
        for (b, &l0) in bits.iter().zip(&self.leaf_start) {
            for l in 0..LANES {
                out[l] += self.leaves[l0 as usize + b[l].lowest()];
            }
        }
    }

    /// The same ensemble with every feature's prefix masks precomputed (see [`PrefixTables`]),
    /// when the tables take at most `max_bytes`.
    pub fn prefix_tables(&self, max_bytes: usize) -> Option<PrefixTables<M>> {
        let nt = self.n_trees();
        let nf = self.start.len() - 1;
        let rows = self.nodes.len() + 2 * nf;
        if rows.checked_mul(nt)?.checked_mul(std::mem::size_of::<M>())? > max_bytes {
            return None;
        }
        let all = M::low(M::BITS);
        let mut t = PrefixTables {
            n_trees: nt,
            thr: Vec::with_capacity(nf),
            off: Vec::with_capacity(nf),
            table: Vec::with_capacity(rows * nt),
            init: self.init.clone(),
            leaf_start: self.leaf_start.clone(),
            leaves: self.leaves.clone(),
            base: self.base,
        };
        for f in 0..nf {
            let nodes = &self.nodes[self.start[f] as usize..self.start[f + 1] as usize];
            t.thr.push(nodes.iter().map(|n| n.thr).collect());
            t.off.push(t.table.len());
            // Row k: the masks of the first k nodes (the false ones when k thresholds are < v).
            let mut row = vec![all; nt];
            t.table.extend_from_slice(&row);
            for nd in nodes {
                row[nd.tree as usize] &= nd.mask;
                t.table.extend_from_slice(&row);
            }
            // Last row: the masks of the nodes a NaN goes right at.
            let mut nan = vec![all; nt];
            for nd in &self.nan_nodes[self.nan_start[f] as usize..self.nan_start[f + 1] as usize] {
                nan[nd.tree as usize] &= nd.mask;
            }
            t.table.extend_from_slice(&nan);
        }
        Some(t)
    }
}

/// QuickScorer with precomputed prefix masks: for each feature and each prefix length `k` of
/// its threshold-sorted nodes, one row holding, for every tree, the AND of the masks of those
/// first `k` nodes. Scoring a row is then, per feature, one binary search for `k` and one
/// AND of a contiguous row of masks into the trees' leaf sets (which the compiler vectorizes),
/// instead of one AND per false node. Memory: (nodes + 2 x features) x trees masks, so it is
/// used for ensembles of moderate size only (the caller sets the limit).
#[derive(Debug, Clone)]
pub struct PrefixTables<M: Mask = u32> {
    n_trees: usize,
    /// Per feature: its nodes' thresholds, sorted.
    thr: Vec<Vec<f64>>,
    /// Per feature: where its rows start in `table` (`thr.len() + 1` prefix rows, then the
    /// NaN row).
    off: Vec<usize>,
    table: Vec<M>,
    init: Vec<M>,
    leaf_start: Vec<u32>,
    leaves: Vec<f64>,
    base: f64,
}

impl<M: Mask> PrefixTables<M> {
    /// Number of trees (the length of the scratch [`score`](Self::score) takes).
    pub fn n_trees(&self) -> usize {
        self.n_trees
    }

    /// The raw score of `x`, using `bits` (one mask per tree) as scratch.
    #[inline]
    pub fn score(&self, x: &[f64], bits: &mut [M]) -> f64 {
        let nt = self.n_trees;
        bits.copy_from_slice(&self.init);
        for (f, thr) in self.thr.iter().enumerate() {
            let v = x[f];
            let k = if v.is_nan() { thr.len() + 1 } else { thr.partition_point(|&t| t < v) };
            let row = &self.table[self.off[f] + k * nt..self.off[f] + (k + 1) * nt];
            for (b, &m) in bits.iter_mut().zip(row) {
                *b &= m;
            }
        }
        let mut s = self.base;
        for (&b, &l0) in bits.iter().zip(&self.leaf_start) {
            s += self.leaves[l0 as usize + b.lowest()];
        }
        s
    }
}
