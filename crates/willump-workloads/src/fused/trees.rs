//! A binary gradient-boosted ensemble evaluated a block of rows at a time, by the fastest form
//! the ensemble allows: QuickScorer, by the kernel the compiler uses too
//! ([`willump::runtime::models::quickscorer`]: AVX-512 lane scan, prefix tables for short
//! blocks), then predicated traversal ([`Predicated`]), or tree traversal over 16-byte nodes
//! (the fallback for categorical splits and trees of more than 64 leaves). All give the same
//! scores bit for bit (tested).
//!
//! In the traversal form each internal node is one 16-byte record (threshold, feature,
//! missing-value rule, children as `i16`), so a 31-leaf tree is under 500 bytes and the whole
//! 100-tree ensemble stays in L2.
//! The missing-value rules of LightGBM fold into one default side per node, as in the runtime's
//! evaluator: NaN (and, for `MissingType::Zero`, |x| <= 1e-35) goes to the default side; for
//! `MissingType::None` NaN goes where 0.0 goes. Leaf values are added tree by tree in ensemble
//! order onto the base score, so scores equal the runtime's bit for bit.

use willump::runtime::models::quickscorer::{QuickScorer, QuickScratch};
use willump::runtime::models::{Decision, Link, MissingType, Task, TreeEnsemble, ZERO_THRESHOLD};

use super::predicated::Predicated;

/// Scores the first `m` rows of a block by the shared QuickScorer kernel: the rows' first `nf`
/// values are copied into one contiguous buffer (the kernel's row-major layout; 16 rows of at
/// most 64 values, small beside the scan of every tree).
#[inline]
fn score_rows_quick(
    q: &QuickScorer,
    rows: &[[f64; MAX_BLOCK_FEATURES]; BLOCK],
    m: usize,
    nf: usize,
    out: &mut [f64; BLOCK],
    scratch: &mut TreeScratch,
) {
    scratch.x.clear();
    for r in &rows[..m] {
        scratch.x.extend_from_slice(&r[..nf]);
    }
    // The buffers hold `m` rows of `nf` values and `m <= BLOCK` scores (one per row: binary
    // ensembles only, checked by `CompactTrees::new`), so this cannot fail.
    if let Err(e) = q.score(&scratch.x, m, &mut out[..m], &mut scratch.quick) {
        unreachable!("QuickScorer on a block sized by its own layout: {e}");
    }
}

/// Scratch space of [`CompactTrees::score_block`]: the kernel's leaf masks and the block's rows
/// in its layout.
#[derive(Debug, Clone, Default)]
pub struct TreeScratch {
    quick: QuickScratch,
    x: Vec<f64>,
}
use crate::{Error, Result};

const DEFAULT_LEFT: u8 = 1;
const ZERO_MISSING: u8 = 2;

/// Rows evaluated together per tree: their traversals are independent, so the processor
/// overlaps their loads and branches.
pub const BLOCK: usize = 16;

/// The widest row [`CompactTrees::score_block`] takes (rows are fixed-size stack arrays).
pub const MAX_BLOCK_FEATURES: usize = 64;

#[derive(Debug, Clone, Copy)]
#[repr(C)]
struct Node {
    threshold: f64,
    /// `[right, left]`: indexed by whether the row goes left.
    child: [i16; 2],
    feature: u16,
    flags: u8,
}

/// A binary tree ensemble ready for fused evaluation.
#[derive(Debug, Clone)]
pub struct CompactTrees {
    nodes: Vec<Node>,
    /// Per tree: first node, first leaf, whether it has internal nodes.
    trees: Vec<(u32, u32, bool)>,
    leaves: Vec<f64>,
    base: f64,
    n_features: usize,
    /// Whether some node treats zero as missing (then the general step runs).
    any_zero_missing: bool,
    /// The feature-by-feature form, when the ensemble allows it.
    quick: Option<QuickScorer>,
    /// The predicated form, when the ensemble allows it.
    predicated: Option<Predicated>,
}

impl CompactTrees {
    /// Packs a binary ensemble with a sigmoid link. Errors on multi-class or regression
    /// ensembles, categorical splits (the trainer makes none), more than 65,535 features or
    /// more than 32,767 internal nodes in a tree.
    pub fn new(e: &TreeEnsemble) -> Result<CompactTrees> {
        const OP: &str = "CompactTrees::new";
        if e.task != Task::Binary || e.link != Link::Sigmoid || e.base_score.len() != 1 {
            return Err(Error::op(OP, "only binary ensembles with a sigmoid link are supported"));
        }
        if e.n_features > u16::MAX as usize {
            return Err(Error::op(OP, format!("{} features, at most 65535 are supported", e.n_features)));
        }
        let mut t = CompactTrees {
            nodes: Vec::new(),
            trees: Vec::new(),
            leaves: Vec::new(),
            base: e.base_score[0],
            n_features: e.n_features,
            any_zero_missing: false,
            quick: QuickScorer::new(e),
            predicated: Predicated::new(e),
        };
        for tree in &e.trees {
            let n = tree.n_internal();
            if n > i16::MAX as usize {
                return Err(Error::op(OP, format!("a tree has {n} internal nodes, at most 32767 are supported")));
            }
            t.trees.push((t.nodes.len() as u32, t.leaves.len() as u32, n > 0));
            for i in 0..n {
                let (threshold, flags) = match &tree.decision[i] {
                    Decision::Numerical { threshold, missing, default_left } => match missing {
                        MissingType::None => (*threshold, if 0.0 <= *threshold { DEFAULT_LEFT } else { 0 }),
                        MissingType::NaN => (*threshold, if *default_left { DEFAULT_LEFT } else { 0 }),
                        MissingType::Zero => (*threshold, ZERO_MISSING | if *default_left { DEFAULT_LEFT } else { 0 }),
                    },
                    Decision::Categorical { .. } => return Err(Error::op(OP, "categorical splits are not supported")),
                };
                t.any_zero_missing |= flags & ZERO_MISSING != 0;
                t.nodes.push(Node {
                    threshold,
                    child: [tree.right[i] as i16, tree.left[i] as i16],
                    feature: tree.split_feature[i] as u16,
                    flags,
                });
            }
            t.leaves.extend_from_slice(&tree.leaf_value);
        }
        Ok(t)
    }

    /// Number of input features.
    pub fn n_features(&self) -> usize {
        self.n_features
    }

    /// The child a node sends `v` to, with every missing-value rule.
    #[inline(always)]
    fn step(nd: &Node, v: f64) -> i16 {
        let missing = v.is_nan() || (nd.flags & ZERO_MISSING != 0 && v.abs() <= ZERO_THRESHOLD);
        let left = if missing { nd.flags & DEFAULT_LEFT != 0 } else { v <= nd.threshold };
        nd.child[left as usize]
    }

    /// The same without the zero rule, branch-free: `v <= t` is false for NaN, which then goes
    /// to the default side.
    #[inline(always)]
    fn step_nan(nd: &Node, v: f64) -> i16 {
        let left = (v <= nd.threshold) as u8 | (v.is_nan() as u8 & nd.flags);
        nd.child[left as usize]
    }

    /// The raw score (log-odds) of one row of `n_features` values.
    #[inline]
    pub fn score(&self, x: &[f64]) -> f64 {
        let mut s = self.base;
        for &(start, leaf0, internal) in &self.trees {
            let mut c: i16 = -1;
            if internal {
                let nodes = &self.nodes[start as usize..];
                let mut i = 0usize;
                loop {
                    let nd = &nodes[i];
                    c = Self::step(nd, x[nd.feature as usize]);
                    if c < 0 {
                        break;
                    }
                    i = c as usize;
                }
            }
            s += self.leaves[leaf0 as usize + !c as usize];
        }
        s
    }

    /// Scratch space for [`score_block`](Self::score_block).
    pub fn scratch(&self) -> TreeScratch {
        let n = self.quick.as_ref().map_or(0, QuickScorer::n_features);
        TreeScratch {
            quick: self.quick.as_ref().map(QuickScorer::scratch).unwrap_or_default(),
            x: vec![0.0; BLOCK * n],
        }
    }

    /// Whether the QuickScorer path is used (else: tree traversal).
    pub fn is_quick(&self) -> bool {
        self.quick.is_some()
    }

    /// The raw scores of the first `m <= BLOCK` rows of `rows` (each holding the row's
    /// `n_features <= MAX_BLOCK_FEATURES` values first). `scratch` comes from
    /// [`scratch`](Self::scratch).
    #[inline]
    pub fn score_block(
        &self,
        rows: &[[f64; MAX_BLOCK_FEATURES]; BLOCK],
        m: usize,
        out: &mut [f64; BLOCK],
        scratch: &mut TreeScratch,
    ) {
        if let Some(q) = &self.quick {
            score_rows_quick(q, rows, m, self.n_features, out, scratch);
        } else {
            self.score_block_traversal(rows, m, out);
        }
    }

    /// [`score_block`](Self::score_block) by QuickScorer (`None` when the ensemble does not
    /// allow it).
    pub fn score_block_quick(
        &self,
        rows: &[[f64; MAX_BLOCK_FEATURES]; BLOCK],
        m: usize,
        out: &mut [f64; BLOCK],
        scratch: &mut TreeScratch,
    ) -> Option<()> {
        score_rows_quick(self.quick.as_ref()?, rows, m, self.n_features, out, scratch);
        Some(())
    }

    /// [`score_block`](Self::score_block) by predicated traversal (`None` when the ensemble does
    /// not allow it).
    pub fn score_block_predicated(
        &self,
        rows: &[[f64; MAX_BLOCK_FEATURES]; BLOCK],
        m: usize,
        out: &mut [f64; BLOCK],
    ) -> Option<()> {
        self.predicated.as_ref()?.score_block(rows, m, out);
        Some(())
    }

    /// [`score_block`](Self::score_block) by tree traversal, a block of rows per tree.
    #[inline]
    pub fn score_block_traversal(&self, rows: &[[f64; MAX_BLOCK_FEATURES]; BLOCK], m: usize, out: &mut [f64; BLOCK]) {
        if self.any_zero_missing {
            self.block_with(rows, m, out, Self::step)
        } else {
            self.block_with(rows, m, out, Self::step_nan)
        }
    }

    #[inline(always)]
    fn block_with(
        &self,
        rows: &[[f64; MAX_BLOCK_FEATURES]; BLOCK],
        m: usize,
        out: &mut [f64; BLOCK],
        step: impl Fn(&Node, f64) -> i16,
    ) {
        out[..m].fill(self.base);
        for &(start, leaf0, internal) in &self.trees {
            let mut cur = [-1i16; BLOCK];
            if internal {
                let nodes = &self.nodes[start as usize..];
                cur[..m].fill(0);
                loop {
                    let mut active = false;
                    for (c, x) in cur[..m].iter_mut().zip(rows) {
                        if *c >= 0 {
                            let nd = &nodes[*c as usize];
                            *c = step(nd, x[nd.feature as usize]);
                            active = true;
                        }
                    }
                    if !active {
                        break;
                    }
                }
            }
            for (o, c) in out[..m].iter_mut().zip(&cur) {
                *o += self.leaves[leaf0 as usize + !*c as usize];
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use willump::runtime::models::GbdtSpec;
    use willump::runtime::rng::Rng;

    #[test]
    fn quickscorer_and_traversal_agree_bit_for_bit() {
        let mut rng = Rng::new(3);
        let (n, d) = (3000, 6);
        let mut x = ndarray::Array2::zeros((n, d));
        let mut y = Vec::with_capacity(n);
        for i in 0..n {
            for j in 0..d {
                // Feature 2 is sometimes missing; feature 4 is sometimes exactly zero.
                x[[i, j]] = if j == 2 && rng.next_f64() < 0.2 {
                    f64::NAN
                } else if j == 4 && rng.next_f64() < 0.3 {
                    0.0
                } else {
                    rng.normal()
                };
            }
            let z = x[[i, 0]] + 0.5 * x[[i, 1]] * x[[i, 3]] + if x[[i, 2]].is_nan() { 1.0 } else { x[[i, 2]] };
            y.push(if z + rng.normal() > 0.0 { 1.0 } else { 0.0 });
        }
        let spec = GbdtSpec { n_trees: 30, num_leaves: 15, ..GbdtSpec::default() };
        let m = spec.fit(x.view().into(), &y).unwrap();
        let t = CompactTrees::new(m.ensemble()).unwrap();
        assert!(t.is_quick());
        let mut scratch = t.scratch();
        let mut rows = [[0.0; MAX_BLOCK_FEATURES]; BLOCK];
        let (mut quick, mut walk) = ([0.0; BLOCK], [0.0; BLOCK]);
        for start in (0..n).step_by(BLOCK) {
            let k = (n - start).min(BLOCK);
            for r in 0..k {
                for j in 0..d {
                    // Also probe NaN everywhere and values exactly at thresholds' neighbours.
                    rows[r][j] = if (start + r + j) % 11 == 0 { f64::NAN } else { x[[start + r, j]] };
                }
            }
            t.score_block(&rows, k, &mut quick, &mut scratch);
            t.score_block_traversal(&rows, k, &mut walk);
            let mut raw = [0.0];
            for r in 0..k {
                assert_eq!(quick[r].to_bits(), walk[r].to_bits(), "row {}", start + r);
                m.decision_row(&rows[r][..d], &mut raw).unwrap();
                assert_eq!(quick[r].to_bits(), raw[0].to_bits(), "row {} against the runtime", start + r);
            }
        }
    }
}
