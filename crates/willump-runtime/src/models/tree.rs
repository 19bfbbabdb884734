//! Tree ensembles as flat arrays, in LightGBM's semantics: the shape that both the trainer and
//! the LightGBM importer produce, the reference evaluator uses, and the compiler turns into
//! branches.
//!
//! A tree's internal nodes are indexed `0..n_internal`; a child index `c >= 0` is an internal
//! node, `c < 0` is leaf `!c` (so leaf 0 is `-1`). A tree with a single leaf has no internal
//! nodes and predicts `leaf_value[0]`.

use serde::{Deserialize, Serialize};

use super::{Link, Task};
use crate::error::{Error, Result};

/// How a numerical split treats missing values (LightGBM's `missing_type`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum MissingType {
    /// No missing values were seen in training: NaN is treated as 0.0 before comparing.
    None,
    /// Zero (|x| <= 1e-35) and NaN are missing and go the default direction.
    Zero,
    /// NaN is missing and goes the default direction.
    NaN,
}

/// The test at an internal node.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Decision {
    /// `x <= threshold` goes left; missing values go left when `default_left`.
    Numerical {
        /// The split threshold.
        threshold: f64,
        /// How missing values are recognized.
        missing: MissingType,
        /// Where missing values go.
        default_left: bool,
    },
    /// `x` (as a non-negative integer category) in `categories` goes left; NaN, negative values
    /// and categories not in the set go right. As in LightGBM, `x` is truncated toward zero
    /// first, so `-0.5` and `2.7` are categories 0 and 2, and values at or above 2^31 go right.
    Categorical {
        /// Bitset of the categories that go left: bit `c % 32` of word `c / 32`.
        categories: Vec<u32>,
    },
}

/// One regression tree in flat-array form.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Tree {
    /// Feature tested at each internal node.
    pub split_feature: Vec<u32>,
    /// Test at each internal node.
    pub decision: Vec<Decision>,
    /// Left child of each internal node (`< 0`: leaf `!c`).
    pub left: Vec<i32>,
    /// Right child of each internal node (`< 0`: leaf `!c`).
    pub right: Vec<i32>,
    /// Output of each leaf (learning rate already applied).
    pub leaf_value: Vec<f64>,
}

/// Values at or below this magnitude count as zero for [`MissingType::Zero`] (LightGBM's
/// `kZeroThreshold`, the `float` literal `1e-35f` widened to `f64`).
pub const ZERO_THRESHOLD: f64 = 1e-35f32 as f64;

/// Whether a numerical split sends `x` left (LightGBM's `NumericalDecision`).
#[inline]
pub fn numerical_goes_left(x: f64, threshold: f64, missing: MissingType, default_left: bool) -> bool {
    match missing {
        MissingType::NaN if x.is_nan() => default_left,
        MissingType::Zero if x.is_nan() || x.abs() <= ZERO_THRESHOLD => default_left,
        MissingType::None if x.is_nan() => 0.0 <= threshold,
        _ => x <= threshold,
    }
}

/// Whether a categorical split with bitset `categories` sends `x` left (LightGBM's
/// `CategoricalDecision` on x86-64: the value is truncated to a 32-bit integer, NaN and
/// out-of-range values becoming negative; negative categories go right).
#[inline]
pub fn categorical_goes_left(x: f64, categories: &[u32]) -> bool {
    // `x > -1.0` keeps values that truncate to 0; NaN fails every comparison.
    if !(x > -1.0 && x < 2_147_483_648.0) {
        return false;
    }
    let c = x as u64;
    let word = (c / 32) as usize;
    word < categories.len() && categories[word] >> (c % 32) & 1 == 1
}

impl Tree {
    /// A tree that always predicts `value`.
    pub fn constant(value: f64) -> Self {
        Tree { split_feature: vec![], decision: vec![], left: vec![], right: vec![], leaf_value: vec![value] }
    }

    /// Number of internal nodes.
    pub fn n_internal(&self) -> usize {
        self.split_feature.len()
    }

    /// Which child a node sends `x` to.
    #[inline]
    pub fn child(&self, node: usize, x: f64) -> i32 {
        let go_left = match &self.decision[node] {
            Decision::Numerical { threshold, missing, default_left } => {
                numerical_goes_left(x, *threshold, *missing, *default_left)
            }
            Decision::Categorical { categories } => categorical_goes_left(x, categories),
        };
        if go_left { self.left[node] } else { self.right[node] }
    }

    /// The leaf index that row `x` reaches.
    #[inline]
    pub fn leaf_index(&self, x: &[f64]) -> usize {
        if self.split_feature.is_empty() {
            return 0;
        }
        let mut node = 0i32;
        while node >= 0 {
            let n = node as usize;
            node = self.child(n, x[self.split_feature[n] as usize]);
        }
        !node as usize
    }

    /// The tree's output for row `x`.
    #[inline]
    pub fn predict_row(&self, x: &[f64]) -> f64 {
        self.leaf_value[self.leaf_index(x)]
    }

    /// Checks the flat arrays: equal lengths, children in range, every leaf and internal node
    /// reached exactly once from the root (a tree, not a graph with cycles), features in range.
    pub fn validate(&self, n_features: usize) -> Result<()> {
        let bad = |m: String| Err(Error::Artifact(format!("tree: {m}")));
        let n = self.split_feature.len();
        if self.decision.len() != n || self.left.len() != n || self.right.len() != n {
            return bad("internal-node arrays differ in length".into());
        }
        if self.leaf_value.len() != n + 1 {
            return bad(format!("{} leaves for {n} internal nodes (need {})", self.leaf_value.len(), n + 1));
        }
        if let Some(&f) = self.split_feature.iter().find(|&&f| f as usize >= n_features) {
            return bad(format!("split on feature {f}, the model has {n_features}"));
        }
        let mut seen_internal = vec![false; n];
        let mut seen_leaf = vec![false; n + 1];
        let mut stack = vec![if n == 0 { -1 } else { 0 }];
        while let Some(c) = stack.pop() {
            if c >= 0 {
                let i = c as usize;
                if i >= n || std::mem::replace(&mut seen_internal[i], true) {
                    return bad(format!("internal node {c} is out of range or reached twice"));
                }
                stack.push(self.left[i]);
                stack.push(self.right[i]);
            } else {
                let l = !c as usize;
                if l > n || std::mem::replace(&mut seen_leaf[l], true) {
                    return bad(format!("leaf {l} is out of range or reached twice"));
                }
            }
        }
        if seen_internal.iter().chain(&seen_leaf).any(|s| !s) {
            return bad("some nodes are unreachable from the root".into());
        }
        Ok(())
    }
}

/// A sum of trees: `score[o] = base_score[o] + sum of trees t with t % n_outputs == o`, then
/// `link` (LightGBM's layout: for `k` classes, trees cycle through the classes).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TreeEnsemble {
    /// Number of input features.
    pub n_features: usize,
    /// What the ensemble predicts.
    pub task: Task,
    /// How scores become predictions.
    pub link: Link,
    /// Initial score of each output.
    pub base_score: Vec<f64>,
    /// The trees, cycling through outputs.
    pub trees: Vec<Tree>,
}

impl TreeEnsemble {
    /// Number of outputs (1, or `k` for `k` classes).
    pub fn n_outputs(&self) -> usize {
        self.task.n_outputs()
    }

    /// Adds the raw scores of row `x` into `out` (`n_outputs` values, initialized by the caller
    /// to `base_score`).
    #[inline]
    pub fn add_scores(&self, x: &[f64], out: &mut [f64]) {
        let k = self.n_outputs();
        for (t, tree) in self.trees.iter().enumerate() {
            out[t % k] += tree.predict_row(x);
        }
    }

    /// Checks every tree and the output layout.
    pub fn validate(&self) -> Result<()> {
        if self.base_score.len() != self.n_outputs() {
            return Err(Error::Artifact(format!(
                "tree ensemble: {} base scores for {} outputs",
                self.base_score.len(),
                self.n_outputs()
            )));
        }
        for (i, t) in self.trees.iter().enumerate() {
            t.validate(self.n_features).map_err(|e| Error::Artifact(format!("tree {i}: {e}")))?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stump(missing: MissingType, default_left: bool) -> Tree {
        Tree {
            split_feature: vec![0],
            decision: vec![Decision::Numerical { threshold: 0.5, missing, default_left }],
            left: vec![-1],
            right: vec![-2],
            leaf_value: vec![10.0, 20.0],
        }
    }

    #[test]
    fn numerical_missing_rules() {
        let t = stump(MissingType::NaN, false);
        assert_eq!(t.predict_row(&[0.1]), 10.0);
        assert_eq!(t.predict_row(&[0.5]), 10.0);
        assert_eq!(t.predict_row(&[0.6]), 20.0);
        assert_eq!(t.predict_row(&[f64::NAN]), 20.0);
        assert_eq!(stump(MissingType::NaN, true).predict_row(&[f64::NAN]), 10.0);
        assert_eq!(stump(MissingType::None, false).predict_row(&[f64::NAN]), 10.0, "NaN as 0.0 <= 0.5");
        assert_eq!(stump(MissingType::Zero, false).predict_row(&[0.0]), 20.0, "zero is missing");
        assert!(t.validate(1).is_ok());
        assert!(t.validate(0).is_err());
    }

    #[test]
    fn categorical_and_validation() {
        let t = Tree {
            split_feature: vec![0],
            decision: vec![Decision::Categorical { categories: vec![0b1010, 1] }],
            left: vec![-1],
            right: vec![-2],
            leaf_value: vec![1.0, 2.0],
        };
        assert_eq!(t.predict_row(&[1.0]), 1.0);
        assert_eq!(t.predict_row(&[3.0]), 1.0);
        assert_eq!(t.predict_row(&[32.0]), 1.0);
        assert_eq!(t.predict_row(&[2.0]), 2.0);
        assert_eq!(t.predict_row(&[99.0]), 2.0);
        assert_eq!(t.predict_row(&[-1.0]), 2.0);
        assert_eq!(t.predict_row(&[1.9]), 1.0, "truncated to category 1");
        assert_eq!(t.predict_row(&[4e9]), 2.0, "beyond i32: right");
        assert!(categorical_goes_left(-0.5, &[1]), "-0.5 truncates to category 0");
        assert_eq!(t.predict_row(&[f64::NAN]), 2.0);
        let mut cyclic = t.clone();
        cyclic.right = vec![0];
        assert!(cyclic.validate(1).is_err());
        assert_eq!(Tree::constant(3.0).predict_row(&[]), 3.0);
        assert!(Tree::constant(3.0).validate(0).is_ok());
    }
}
