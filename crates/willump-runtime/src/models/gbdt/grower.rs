//! Leaf-wise (best-first) growth of one regression tree on gradients: repeatedly split the leaf
//! whose best split gains the most, until `num_leaves` leaves, `max_depth`, or no split gains.
//!
//! Node and leaf numbering follow LightGBM: internal node `i` is the `i`-th split; splitting leaf
//! `l` keeps `l` for the left child and gives the right child the next leaf index.

use super::binning::BinnedData;
use super::histogram::{self, BLOCK, Block, Entry, ROWS_PER_BLOCK, Scratch};
use super::parallel::Workers;
use super::split::{self, Candidate, SplitParams};
use crate::models::{Decision, Tree};

/// Growth limits.
#[derive(Debug, Clone, Copy)]
pub(crate) struct GrowParams {
    pub num_leaves: usize,
    pub max_depth: Option<usize>,
    pub split: SplitParams,
    pub learning_rate: f64,
}

/// A grown tree, with what training needs besides the tree itself.
pub(crate) struct Grown {
    pub tree: Tree,
    /// The bin threshold of each internal node (for routing rows by bins).
    pub bin_threshold: Vec<u8>,
    /// The rows of each leaf, as a range of [`Grower::rows`].
    pub leaf_rows: Vec<(usize, usize)>,
    /// `(feature, gain)` of every split.
    pub splits: Vec<(usize, f64)>,
}

struct Leaf {
    begin: usize,
    end: usize,
    total: Entry,
    depth: usize,
    hist: Option<usize>,
    best: Option<Candidate>,
    /// The internal node pointing at this leaf and whether as its left child.
    parent: Option<(usize, bool)>,
}

/// Reusable buffers for growing trees on one data set.
pub(crate) struct Grower {
    pool: Vec<Vec<Block>>,
    free: Vec<usize>,
    rows: Vec<u32>,
    scratch: Vec<u32>,
    partials: Scratch,
    n_features: usize,
}

impl Grower {
    pub fn new(n_features: usize) -> Self {
        Grower {
            pool: Vec::new(),
            free: Vec::new(),
            rows: Vec::new(),
            scratch: Vec::new(),
            partials: Scratch::default(),
            n_features,
        }
    }

    /// The row buffer that [`Grown::leaf_rows`] index.
    pub fn rows(&self) -> &[u32] {
        &self.rows
    }

    fn alloc(&mut self) -> usize {
        if let Some(i) = self.free.pop() {
            return i;
        }
        self.pool.push(vec![[[0.0; 3]; BLOCK]; self.n_features]);
        self.pool.len() - 1
    }

    /// Grows a tree on the gradients `gh` of `sample` (sorted row indices) using `features`.
    pub fn grow(
        &mut self,
        data: &BinnedData,
        gh: &[[f64; 2]],
        sample: &[u32],
        features: &[usize],
        p: &GrowParams,
        workers: &Workers,
    ) -> Grown {
        self.free = (0..self.pool.len()).collect();
        self.rows.clear();
        self.rows.extend_from_slice(sample);
        let mut total = [0.0; 3];
        for &r in sample {
            let [g, h] = gh[r as usize];
            total[0] += g;
            total[1] += h;
            total[2] += 1.0;
        }
        let can_split = |count: f64, depth: usize| {
            count >= 2.0 * p.split.min_data_in_leaf.max(1.0) && p.max_depth.is_none_or(|m| depth < m)
        };
        let mut leaves =
            vec![Leaf { begin: 0, end: sample.len(), total, depth: 0, hist: None, best: None, parent: None }];
        if p.num_leaves > 1 && can_split(total[2], 0) {
            let slot = self.alloc();
            histogram::build(&mut self.pool[slot], &mut self.partials, data, &self.rows, gh, features, workers);
            leaves[0].best = split::best_split(&self.pool[slot], data, features, total, &p.split);
            leaves[0].hist = Some(slot);
        }
        let mut tree =
            Tree { split_feature: vec![], decision: vec![], left: vec![], right: vec![], leaf_value: vec![] };
        let mut bin_threshold = Vec::new();
        let mut splits = Vec::new();
        while leaves.len() < p.num_leaves {
            // The leaf with the largest gain (the first on ties).
            let mut pick: Option<usize> = None;
            for (i, l) in leaves.iter().enumerate() {
                if let Some(c) = &l.best
                    && pick.is_none_or(|j| c.gain > leaves[j].best.as_ref().map_or(f64::NEG_INFINITY, |b| b.gain))
                {
                    pick = Some(i);
                }
            }
            let Some(li) = pick else { break };
            let c = leaves[li].best.take().expect("picked leaf has a split");
            let (begin, end) = (leaves[li].begin, leaves[li].end);
            let mid = self.partition(data, begin, end, &c, workers);
            let node = tree.split_feature.len();
            tree.split_feature.push(c.feature as u32);
            tree.decision.push(Decision::Numerical {
                threshold: c.threshold,
                missing: c.missing,
                default_left: c.default_left,
            });
            let new_leaf = leaves.len();
            tree.left.push(!(li as i32));
            tree.right.push(!(new_leaf as i32));
            bin_threshold.push(c.bin);
            splits.push((c.feature, c.gain));
            if let Some((parent, is_left)) = leaves[li].parent {
                if is_left {
                    tree.left[parent] = node as i32;
                } else {
                    tree.right[parent] = node as i32;
                }
            }
            let parent_total = leaves[li].total;
            let right_total = [parent_total[0] - c.left[0], parent_total[1] - c.left[1], parent_total[2] - c.left[2]];
            let depth = leaves[li].depth + 1;
            let parent_hist = leaves[li].hist.take();
            leaves[li] =
                Leaf { begin, end: mid, total: c.left, depth, hist: None, best: None, parent: Some((node, true)) };
            leaves.push(Leaf {
                begin: mid,
                end,
                total: right_total,
                depth,
                hist: None,
                best: None,
                parent: Some((node, false)),
            });
            let room = leaves.len() < p.num_leaves;
            let split_l = room && can_split(c.left[2], depth);
            let split_r = room && can_split(right_total[2], depth);
            let Some(parent_slot) = parent_hist else { continue };
            if !split_l && !split_r {
                self.free.push(parent_slot);
                continue;
            }
            // Build the smaller child, derive the larger by subtraction.
            let (small, large) = if c.left[2] <= right_total[2] { (li, new_leaf) } else { (new_leaf, li) };
            let small_slot = self.alloc();
            let (sb, se) = (leaves[small].begin, leaves[small].end);
            histogram::build(
                &mut self.pool[small_slot],
                &mut self.partials,
                data,
                &self.rows[sb..se],
                gh,
                features,
                workers,
            );
            {
                let (a, b) = two_mut(&mut self.pool, parent_slot, small_slot);
                histogram::subtract(a, b, data, features);
            }
            for (leaf, slot) in [(small, small_slot), (large, parent_slot)] {
                let wanted = if leaf == li { split_l } else { split_r };
                if wanted {
                    leaves[leaf].best =
                        split::best_split(&self.pool[slot], data, features, leaves[leaf].total, &p.split);
                }
                if leaves[leaf].best.is_some() {
                    leaves[leaf].hist = Some(slot);
                } else {
                    self.free.push(slot);
                }
            }
        }
        tree.leaf_value = leaves
            .iter()
            .map(|l| split::leaf_output(l.total[0], l.total[1], p.split.lambda_l2) * p.learning_rate)
            .collect();
        let leaf_rows = leaves.iter().map(|l| (l.begin, l.end)).collect();
        Grown { tree, bin_threshold, leaf_rows, splits }
    }

    /// Stable partition of `rows[begin..end]` by the split; returns the first right row. (A
    /// stable partition is unique, so the parallel path gives the same order.)
    fn partition(&mut self, data: &BinnedData, begin: usize, end: usize, c: &Candidate, workers: &Workers) -> usize {
        let fb = &data.features[c.feature];
        let nan_bin = if fb.has_nan { fb.nan_bin() } else { usize::MAX };
        let column = &data.columns[c.feature * data.n_rows..(c.feature + 1) * data.n_rows];
        let goes_left = |r: u32| {
            let b = column[r as usize] as usize;
            if b == nan_bin { c.default_left } else { b <= c.bin as usize }
        };
        if workers.threads() > 1 && end - begin >= 2 * ROWS_PER_BLOCK {
            let chunk = (end - begin).div_ceil(4 * workers.threads()).max(4096);
            let parts = workers.map(self.rows[begin..end].chunks(chunk).collect(), |rows: &[u32]| {
                let (mut l, mut r) = (Vec::with_capacity(rows.len()), Vec::with_capacity(rows.len()));
                for &row in rows {
                    if goes_left(row) { l.push(row) } else { r.push(row) }
                }
                (l, r)
            });
            let mut w = begin;
            for (l, _) in &parts {
                self.rows[w..w + l.len()].copy_from_slice(l);
                w += l.len();
            }
            let mid = w;
            for (_, r) in &parts {
                self.rows[w..w + r.len()].copy_from_slice(r);
                w += r.len();
            }
            return mid;
        }
        self.scratch.clear();
        let mut w = begin;
        for i in begin..end {
            let r = self.rows[i];
            if goes_left(r) {
                self.rows[w] = r;
                w += 1;
            } else {
                self.scratch.push(r);
            }
        }
        self.rows[w..end].copy_from_slice(&self.scratch);
        w
    }
}

/// Routes binned row `bins` through a grown tree; returns the leaf.
pub(crate) fn leaf_of_binned(tree: &Tree, bin_threshold: &[u8], data: &BinnedData, bins: &[u8]) -> usize {
    if tree.split_feature.is_empty() {
        return 0;
    }
    let mut node = 0i32;
    while node >= 0 {
        let n = node as usize;
        let f = tree.split_feature[n] as usize;
        let fb = &data.features[f];
        let b = bins[f] as usize;
        let default_left = matches!(tree.decision[n], Decision::Numerical { default_left: true, .. });
        let left = if fb.has_nan && b == fb.nan_bin() { default_left } else { b <= bin_threshold[n] as usize };
        node = if left { tree.left[n] } else { tree.right[n] };
    }
    !node as usize
}

fn two_mut<T>(v: &mut [T], a: usize, b: usize) -> (&mut T, &T) {
    debug_assert_ne!(a, b);
    if a < b {
        let (x, y) = v.split_at_mut(b);
        (&mut x[a], &y[0])
    } else {
        let (x, y) = v.split_at_mut(a);
        (&mut y[0], &x[b])
    }
}
