//! A binary gradient-boosted ensemble in 16-byte nodes, evaluated a block of rows at a time.
//!
//! Each internal node is one 16-byte record (threshold, feature, missing-value rule, children as
//! `i16`), so a 31-leaf tree is under 500 bytes and the whole 100-tree ensemble stays in L2.
//! The missing-value rules of LightGBM fold into one default side per node, as in the runtime's
//! evaluator: NaN (and, for `MissingType::Zero`, |x| <= 1e-35) goes to the default side; for
//! `MissingType::None` NaN goes where 0.0 goes. Leaf values are added tree by tree in ensemble
//! order onto the base score, so scores equal the runtime's bit for bit.

use willump::runtime::models::{Decision, Link, MissingType, Task, TreeEnsemble, ZERO_THRESHOLD};

use crate::{Error, Result};

const DEFAULT_LEFT: u8 = 1;
const ZERO_MISSING: u8 = 2;

/// Rows evaluated together per tree: their traversals are independent, so the processor
/// overlaps their loads and branches.
pub const BLOCK: usize = 8;

/// The widest row [`CompactTrees::score_block`] takes (rows are fixed-size stack arrays).
pub const MAX_BLOCK_FEATURES: usize = 64;

#[derive(Debug, Clone, Copy)]
#[repr(C)]
struct Node {
    threshold: f64,
    feature: u16,
    flags: u8,
    left: i16,
    right: i16,
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
                t.nodes.push(Node {
                    threshold,
                    feature: tree.split_feature[i] as u16,
                    flags,
                    left: tree.left[i] as i16,
                    right: tree.right[i] as i16,
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

    #[inline(always)]
    fn step(nd: &Node, v: f64) -> i16 {
        let missing = v.is_nan() || (nd.flags & ZERO_MISSING != 0 && v.abs() <= ZERO_THRESHOLD);
        let left = if missing { nd.flags & DEFAULT_LEFT != 0 } else { v <= nd.threshold };
        if left { nd.left } else { nd.right }
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

    /// The raw scores of the first `m <= BLOCK` rows of `rows` (each holding the row's
    /// `n_features <= MAX_BLOCK_FEATURES` values first), tree by tree.
    #[inline]
    pub fn score_block(&self, rows: &[[f64; MAX_BLOCK_FEATURES]; BLOCK], m: usize, out: &mut [f64; BLOCK]) {
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
                            *c = Self::step(nd, x[nd.feature as usize]);
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
