//! QuickScorer (Lucchese et al., SIGIR 2015): a tree ensemble scored feature by feature instead
//! of tree by tree, with no data-dependent branch per node. [`QuickScorer::new`] prepares an
//! ensemble into per-feature node lists once; [`QuickScorer::score`] (or
//! [`QuickScorer::score_raw`], the form the JIT's generated code calls through its
//! `willump_quickscorer` helper) scores a block of rows. The one kernel serves the compiler's
//! QuickScorer tree mode and the hand-fused workloads.
//!
//! Why a Rust kernel and not generated code (for the JIT): the tables are data either way, and the kernel's
//! inner loop (two compares into a mask register and one masked AND per node, over 16 rows at
//! once) uses AVX-512, which Cranelift does not emit: the same loop in generated code would be
//! about 16 times longer per node.
//!
//! How it scores: each tree's leaves are numbered left to right, and a row starts with every
//! leaf possible (one bit per leaf, `u32` masks when every tree has at most 32 leaves, `u64` up
//! to 64). A node whose test is false for the row (the row goes right) rules out the leaves of
//! its left subtree: its `keep` mask clears them. A feature's nodes are sorted by threshold, so
//! for a value `v` the false nodes are exactly the prefix with `threshold < v`. After every
//! feature, each tree's exit leaf is its leftmost remaining leaf (lowest set bit).
//!
//! Missing values, as trained ([`numerical_goes_left`]): NaN goes to each
//! node's NaN side (the default side, or where 0.0 goes for `MissingType::None`): the nodes a NaN
//! goes right at, found with the runtime's own rule, are flagged (the AVX-512 scan folds NaN
//! lanes into each node's mask) and listed per feature (the other paths apply the list). On a
//! feature with any `MissingType::Zero` node, a value with `|v| <= ZERO_THRESHOLD` is routed node
//! by node by the runtime's rule (the zero-as-missing nodes send it the default way, the others
//! compare it). Leaf values are added onto the base scores tree by tree in ensemble order, as
//! the eager evaluator does, so scores are bit-identical to it.
//!
//! Single rows (a one-row call, or fewer than 4 rows left in a block) use prefix tables when they
//! fit in 2 MiB: per feature and prefix length, the AND of every tree's masks, so a row costs a
//! count of thresholds below its value and one AND of `n_trees` masks per feature (with AVX-512
//! and at most 128 trees, the masks stay in vector registers across the features).
//!
//! Vector instructions: AVX-512 when the machine has it (detected when the ensemble is
//! prepared). Without it (or with `u64` masks) the lane loop is plain Rust, which LLVM compiles
//! with a branch per lane: correct and tested, but several times slower.
//!
//! Limits ([`QuickScorer::new`] returns `None`; callers keep tree traversal for these
//! ensembles): categorical splits, a tree of more than 64 leaves, a NaN threshold, 2^31 trees or
//! more.

use std::fmt::Debug;
use std::ops::BitAndAssign;

use crate::error::{Error, Result};
use crate::models::{Decision, MissingType, TreeEnsemble, ZERO_THRESHOLD, numerical_goes_left};

/// Rows scored together by the lane kernel (see [`Scorer::score_lanes`]).
const LANES: usize = 16;

/// Fewest rows of a group scored by the lane kernel; smaller groups (one row per call, the end of
/// a batch) go row by row (prefix tables, or a scan that stops at the row's own prefix). Not
/// tuned: a group's scan costs about the same for 4 rows as for 16.
const MIN_LANE_ROWS: usize = 4;

/// A feature's nodes and the lanes' masks, with `u32` masks.
type Narrow<'a> = (&'a [Node<u32>], &'a mut [[u32; LANES]]);

/// A leaf bitmask.
trait Mask: Copy + BitAndAssign + Debug + Send + Sync + 'static {
    /// Bits per mask.
    const BITS: usize;
    /// The mask of the `n <= BITS` low bits.
    fn low(n: usize) -> Self;
    /// The low bits of `v`.
    fn from_u64(v: u64) -> Self;
    /// The index of the lowest set bit.
    fn lowest(self) -> usize;
    /// `nodes` and `bits` as `u32` masks, when `Self` is `u32` (the AVX-512 scan's type).
    fn narrow<'a>(nodes: &'a [Node<Self>], bits: &'a mut [[Self; LANES]]) -> Option<Narrow<'a>>;
    /// `s` as a scorer with `u32` masks, when `Self` is `u32`.
    fn narrow_scorer(s: &Scorer<Self>) -> Option<&Scorer<u32>>;
}

/// Applies each node of `nodes` (sorted by threshold) to the lanes whose value `v` is above its
/// threshold (the lanes where its test is false): `bits[tree][lane] &= keep`; `vmax` is the
/// largest of `v` (the scan stops there). Plain Rust: LLVM compiles the lane loop with a branch
/// per lane (it turns the masking into a select, then a branch), so this is the slow path for
/// machines without AVX-512 and for 64-bit masks.
#[inline(always)]
fn scan_lanes<M: Mask>(nodes: &[Node<M>], v: &[f64; LANES], vmax: f64, bits: &mut [[M; LANES]]) {
    for nd in nodes.iter().take_while(|nd| nd.thr < vmax) {
        let b = &mut bits[nd.tree()];
        for l in 0..LANES {
            if nd.thr < v[l] {
                b[l] &= nd.keep;
            }
        }
    }
}

/// One feature of [`Scorer::score_lanes`] for `u32` masks with AVX-512: the lanes' values
/// `col[l * d]` (`m` active lanes) are classified with vector compares, then every node of the
/// feature's list (sorted by threshold) costs two compares of 8 f64 lanes into one 16-bit mask
/// register and one masked AND of the tree's 16 lane masks. A NaN lane is false exactly at the
/// nodes flagged [`NAN_RIGHT`], so it is folded into each node's mask (and the scan then runs to
/// the end of the list). Returns the lanes holding a zero-like value on a feature with a
/// zero-as-missing node, which the caller routes node by node.
///
/// # Safety
/// The machine has AVX-512 F; `col[l * d]` is readable for `l < m <= LANES`.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
unsafe fn feature_avx512(
    nodes: &[Node<u32>],
    col: *const f64,
    d: usize,
    m: usize,
    zero_feature: bool,
    bits: &mut [[u32; LANES]],
) -> u32 {
    use std::arch::x86_64::{
        _CMP_LE_OQ, _CMP_LT_OQ, _CMP_UNORD_Q, _mm512_abs_pd, _mm512_cmp_pd_mask, _mm512_loadu_pd, _mm512_loadu_si512,
        _mm512_mask_and_epi32, _mm512_mask_mov_pd, _mm512_max_pd, _mm512_reduce_max_pd, _mm512_set1_epi32,
        _mm512_set1_pd, _mm512_storeu_si512,
    };
    const { assert!(LANES == 16) };
    let mut v = [f64::NEG_INFINITY; LANES];
    for (l, vl) in v.iter_mut().enumerate().take(m) {
        // SAFETY: the caller's contract.
        *vl = unsafe { *col.add(l * d) };
    }
    let n_trees = bits.len();
    let base = bits.as_mut_ptr();
    // SAFETY: `v` holds 16 f64s; each node's tree is below `n_trees` (checked), and a tree's
    // lanes are 16 u32s (64 bytes) at `base + tree`.
    unsafe {
        let (mut v0, mut v1) = (_mm512_loadu_pd(v.as_ptr()), _mm512_loadu_pd(v.as_ptr().add(8)));
        let nan = u16::from(_mm512_cmp_pd_mask::<_CMP_UNORD_Q>(v0, v0))
            | (u16::from(_mm512_cmp_pd_mask::<_CMP_UNORD_Q>(v1, v1)) << 8);
        let zero = if zero_feature {
            let zt = _mm512_set1_pd(ZERO_THRESHOLD);
            let z = u16::from(_mm512_cmp_pd_mask::<_CMP_LE_OQ>(_mm512_abs_pd(v0), zt))
                | (u16::from(_mm512_cmp_pd_mask::<_CMP_LE_OQ>(_mm512_abs_pd(v1), zt)) << 8);
            z & !nan
        } else {
            0
        };
        // special lanes scan as -inf: no node compares false for them
        let special = nan | zero;
        let ninf = _mm512_set1_pd(f64::NEG_INFINITY);
        v0 = _mm512_mask_mov_pd(v0, special as u8, ninf);
        v1 = _mm512_mask_mov_pd(v1, (special >> 8) as u8, ninf);
        let vmax = if nan != 0 { f64::INFINITY } else { _mm512_reduce_max_pd(_mm512_max_pd(v0, v1)) };
        for nd in nodes {
            // the list is sorted: past the largest value, no node is false for any lane
            if nd.thr > vmax {
                break;
            }
            let t = nd.tree();
            if t >= n_trees {
                continue;
            }
            let thr = _mm512_set1_pd(nd.thr);
            let lo = _mm512_cmp_pd_mask::<_CMP_LT_OQ>(thr, v0);
            let hi = _mm512_cmp_pd_mask::<_CMP_LT_OQ>(thr, v1);
            let nan_false = nan & 0u16.wrapping_sub(u16::from(nd.tree & NAN_RIGHT != 0));
            let k = u16::from(lo) | (u16::from(hi) << 8) | nan_false;
            let p = base.add(t) as *mut std::arch::x86_64::__m512i;
            let b = _mm512_loadu_si512(p);
            _mm512_storeu_si512(p, _mm512_mask_and_epi32(b, k, b, _mm512_set1_epi32(nd.keep as i32)));
        }
        u32::from(zero)
    }
}

impl Mask for u32 {
    const BITS: usize = 32;
    fn low(n: usize) -> u32 {
        if n >= 32 { u32::MAX } else { (1 << n) - 1 }
    }
    fn narrow<'a>(nodes: &'a [Node<u32>], bits: &'a mut [[u32; LANES]]) -> Option<Narrow<'a>> {
        Some((nodes, bits))
    }
    fn narrow_scorer(s: &Scorer<u32>) -> Option<&Scorer<u32>> {
        Some(s)
    }
    fn from_u64(v: u64) -> u32 {
        v as u32
    }
    #[inline(always)]
    fn lowest(self) -> usize {
        self.trailing_zeros() as usize
    }
}

impl Mask for u64 {
    const BITS: usize = 64;
    fn low(n: usize) -> u64 {
        if n >= 64 { u64::MAX } else { (1 << n) - 1 }
    }
    fn narrow<'a>(nodes: &'a [Node<u64>], bits: &'a mut [[u64; LANES]]) -> Option<Narrow<'a>> {
        let _ = (nodes, bits);
        None
    }
    fn narrow_scorer(s: &Scorer<u64>) -> Option<&Scorer<u32>> {
        let _ = s;
        None
    }
    fn from_u64(v: u64) -> u64 {
        v
    }
    #[inline(always)]
    fn lowest(self) -> usize {
        self.trailing_zeros() as usize
    }
}

/// One node in its feature's list: threshold, tree, and the leaves it keeps when its test is
/// false (all but its left subtree's).
#[derive(Debug, Clone, Copy)]
#[repr(C)]
struct Node<M> {
    thr: f64,
    /// The tree, and in the top bit whether a NaN goes right at the node.
    tree: u32,
    keep: M,
}

/// The bit of [`Node::tree`] that says a NaN goes right.
const NAN_RIGHT: u32 = 1 << 31;

impl<M> Node<M> {
    /// The node's tree.
    #[inline(always)]
    fn tree(&self) -> usize {
        (self.tree & !NAN_RIGHT) as usize
    }
}

/// A node's missing-value rule, for the node-by-node route of zero-like values.
#[derive(Debug, Clone, Copy)]
struct Rule {
    missing: MissingType,
    default_left: bool,
}

/// An ensemble prepared for QuickScorer with masks of type `M`.
#[derive(Debug, Clone)]
struct Scorer<M: Mask> {
    n_features: usize,
    base: Vec<f64>,
    /// Per feature: its nodes are `start[f]..start[f + 1]`, sorted by threshold.
    start: Vec<u32>,
    nodes: Vec<Node<M>>,
    /// The threshold of each node of `nodes` (contiguous, for vector compares).
    thr: Vec<f64>,
    /// The rule of each node of `nodes`.
    rules: Vec<Rule>,
    /// Per feature: the nodes a NaN goes right at, `nan_start[f]..nan_start[f + 1]`.
    nan_start: Vec<u32>,
    nan_nodes: Vec<Node<M>>,
    /// Per feature: whether it has a zero-as-missing node.
    zero_feature: Vec<bool>,
    /// Per tree: every leaf possible.
    init: Vec<M>,
    /// Per tree: its first leaf in `leaves` (leaves in left-to-right order).
    leaf_start: Vec<u32>,
    leaves: Vec<f64>,
    /// The vector instructions the kernel uses.
    simd: Simd,
    /// Prefix tables for rows scored one at a time, when they fit in [`MAX_PREFIX_BYTES`].
    prefix: Option<Prefix<M>>,
}

/// Largest prefix tables built: they should stay in the L2 cache (2 MiB per core here).
const MAX_PREFIX_BYTES: usize = 2 << 20;

/// QuickScorer's false-node masks precomputed per prefix: for feature `f` and each prefix length
/// `j` of its threshold-sorted nodes, table row `off[f] + j` holds, for every tree, the AND of
/// the keep masks of those first `j` nodes; row `off[f] + n_f + 1` holds those of the nodes a NaN
/// goes right at. One row then costs a binary search and one AND of `n_trees` masks per feature
/// (vectorized by LLVM) instead of one AND per false node and a mispredicted loop exit.
#[derive(Debug, Clone)]
struct Prefix<M> {
    /// Per feature: its first table row.
    off: Vec<usize>,
    /// Rows of `n_trees` masks.
    table: Vec<M>,
}

/// Most trees whose `u32` masks [`row_prefix_avx512`] keeps in vector registers (8 x 16).
const REGISTER_TREES: usize = 128;

/// One row by prefix tables with `u32` masks and AVX-512: the trees' masks stay in 8 vector
/// registers across the features, so each feature's table row is a load independent of the
/// others' (the row loads miss the cache on a busy machine; kept in memory, the masks chained
/// every feature's loads behind the previous feature's stores).
///
/// # Safety
/// The machine has the features `Simd::Avx512` checks; `s` has at most [`REGISTER_TREES`] trees,
/// `p` is its prefix table and `x` one row.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,avx512vl,avx512bw,avx512dq,bmi1,popcnt")]
unsafe fn row_prefix_avx512(s: &Scorer<u32>, p: &Prefix<u32>, x: &[f64], out: &mut [f64]) {
    use std::arch::x86_64::{
        __m512i, _mm512_and_epi32, _mm512_maskz_loadu_epi32, _mm512_set1_epi32, _mm512_storeu_si512,
    };
    let nt = s.init.len();
    // lanes of vector i that hold trees
    let kmask: [u16; 8] = std::array::from_fn(|i| {
        let n = nt.saturating_sub(16 * i).min(16);
        ((1u32 << n) - 1) as u16
    });
    let mut acc = [_mm512_set1_epi32(-1); 8];
    let mut any_zero = false;
    for (f, &v) in x.iter().enumerate().take(s.n_features) {
        let thr = &s.thr[s.start[f] as usize..s.start[f + 1] as usize];
        let j = if v.is_nan() {
            thr.len() + 1
        } else if s.zero_feature[f] && v.abs() <= ZERO_THRESHOLD {
            // node by node below, on the combined masks
            any_zero = true;
            continue;
        } else {
            thr.iter().map(|&t| usize::from(t < v)).sum()
        };
        let row = &p.table[(p.off[f] + j) * nt..(p.off[f] + j + 1) * nt];
        for (i, a) in acc.iter_mut().enumerate() {
            // SAFETY: lanes `16 * i + l` with bit `l` of `kmask[i]` set are below `nt`, inside
            // `row`; masked-off lanes are not read.
            *a = _mm512_and_epi32(*a, unsafe {
                _mm512_maskz_loadu_epi32(kmask[i], row.as_ptr().wrapping_add(16 * i) as *const i32)
            });
        }
    }
    let mut bits = [0u32; REGISTER_TREES];
    for (i, a) in acc.iter().enumerate() {
        // SAFETY: `bits` holds 8 x 16 u32s.
        unsafe { _mm512_storeu_si512(bits.as_mut_ptr().add(16 * i) as *mut __m512i, *a) };
    }
    let bits = &mut bits[..nt];
    for (b, &i) in bits.iter_mut().zip(&s.init) {
        *b &= i;
    }
    if any_zero {
        for (f, &v) in x.iter().enumerate().take(s.n_features) {
            if !v.is_nan() && s.zero_feature[f] && v.abs() <= ZERO_THRESHOLD {
                s.special_nodes(f, v, |t, keep| bits[t] &= keep);
            }
        }
    }
    s.sum_row(bits, out);
}

/// Vector instruction sets the kernel's scan uses (chosen when the ensemble is prepared).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Simd {
    /// What the build targets.
    Baseline,
    /// AVX-512 F, VL, BW, DQ with BMI1 and POPCNT (the lane scan for `u32` masks only).
    Avx512,
}

/// Whether this machine runs the AVX-512 QuickScorer kernel (the plain kernel is several times
/// slower; the JIT's default tree mode depends on it).
pub fn has_simd_kernel() -> bool {
    Simd::detect() == Simd::Avx512
}

impl Simd {
    /// The widest set this machine has.
    fn detect() -> Simd {
        #[cfg(target_arch = "x86_64")]
        if std::arch::is_x86_feature_detected!("avx512f")
            && std::arch::is_x86_feature_detected!("avx512vl")
            && std::arch::is_x86_feature_detected!("avx512bw")
            && std::arch::is_x86_feature_detected!("avx512dq")
            && std::arch::is_x86_feature_detected!("bmi1")
            && std::arch::is_x86_feature_detected!("popcnt")
        {
            return Simd::Avx512;
        }
        Simd::Baseline
    }
}

/// One node before sorting: feature, threshold, tree, keep mask, rule.
type Entry = (u32, f64, u32, u64, Rule);

/// The leaves of subtree `c` of `tree` in left-to-right order appended to `order`; returns their
/// bits (by position in `order`) and records each internal node's left-subtree bits.
fn number_leaves(tree: &crate::models::Tree, c: i32, order: &mut Vec<usize>, left_bits: &mut [u64]) -> u64 {
    if c < 0 {
        order.push(!c as usize);
        return 1 << (order.len() - 1);
    }
    let n = c as usize;
    let l = number_leaves(tree, tree.left[n], order, left_bits);
    left_bits[n] = l;
    l | number_leaves(tree, tree.right[n], order, left_bits)
}

impl<M: Mask> Scorer<M> {
    /// Prepares `e` (validated), or `None` when it has a categorical split, a NaN threshold or a
    /// tree of more than `M::BITS` leaves.
    fn new(e: &TreeEnsemble) -> Option<Scorer<M>> {
        let mut entries: Vec<Entry> = Vec::new();
        let mut leaf_start = Vec::with_capacity(e.trees.len());
        let mut leaves = Vec::new();
        let mut init = Vec::with_capacity(e.trees.len());
        if e.trees.len() >= NAN_RIGHT as usize {
            return None;
        }
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
            let mut order = Vec::with_capacity(n_leaves);
            let mut left_bits = vec![0u64; tree.n_internal()];
            number_leaves(tree, 0, &mut order, &mut left_bits);
            leaves.extend(order.iter().map(|&l| tree.leaf_value[l]));
            for ((decision, &feature), &left) in tree.decision.iter().zip(&tree.split_feature).zip(&left_bits) {
                let &Decision::Numerical { threshold, missing, default_left } = decision else {
                    return None;
                };
                if threshold.is_nan() {
                    return None;
                }
                let rule = Rule { missing, default_left };
                entries.push((feature, threshold, t as u32, !left, rule));
            }
        }
        entries.sort_by(|a, b| a.0.cmp(&b.0).then(a.1.total_cmp(&b.1)));
        let nf = e.n_features;
        let mut s = Scorer {
            n_features: nf,
            base: e.base_score.clone(),
            start: vec![0; nf + 1],
            nodes: Vec::with_capacity(entries.len()),
            thr: entries.iter().map(|e| e.1).collect(),
            rules: Vec::with_capacity(entries.len()),
            nan_start: vec![0; nf + 1],
            nan_nodes: Vec::new(),
            zero_feature: vec![false; nf],
            init,
            leaf_start,
            leaves,
            simd: Simd::detect(),
            prefix: None,
        };
        let mut at = 0;
        for f in 0..nf {
            s.start[f] = s.nodes.len() as u32;
            s.nan_start[f] = s.nan_nodes.len() as u32;
            while at < entries.len() && entries[at].0 as usize == f {
                let (_, thr, tree, keep, rule) = entries[at];
                let nan_right = !numerical_goes_left(f64::NAN, thr, rule.missing, rule.default_left);
                let node = Node { thr, tree: tree | if nan_right { NAN_RIGHT } else { 0 }, keep: M::from_u64(keep) };
                s.nodes.push(node);
                s.rules.push(rule);
                if nan_right {
                    s.nan_nodes.push(node);
                }
                s.zero_feature[f] |= rule.missing == MissingType::Zero;
                at += 1;
            }
        }
        s.start[nf] = s.nodes.len() as u32;
        s.nan_start[nf] = s.nan_nodes.len() as u32;
        s.prefix = s.prefix_tables();
        Some(s)
    }

    /// The prefix tables, when they take at most [`MAX_PREFIX_BYTES`].
    fn prefix_tables(&self) -> Option<Prefix<M>> {
        let nt = self.init.len();
        let rows = self.nodes.len() + 2 * self.n_features;
        if rows.checked_mul(nt)?.checked_mul(std::mem::size_of::<M>())? > MAX_PREFIX_BYTES {
            return None;
        }
        let all = M::low(M::BITS);
        let mut p = Prefix { off: Vec::with_capacity(self.n_features), table: Vec::with_capacity(rows * nt) };
        for f in 0..self.n_features {
            p.off.push(p.table.len() / nt.max(1));
            let mut row = vec![all; nt];
            p.table.extend_from_slice(&row);
            for nd in &self.nodes[self.start[f] as usize..self.start[f + 1] as usize] {
                row[nd.tree()] &= nd.keep;
                p.table.extend_from_slice(&row);
            }
            let mut nan = vec![all; nt];
            for nd in &self.nan_nodes[self.nan_start[f] as usize..self.nan_start[f + 1] as usize] {
                nan[nd.tree()] &= nd.keep;
            }
            p.table.extend_from_slice(&nan);
        }
        Some(p)
    }

    /// Bytes of the tables.
    fn bytes(&self) -> usize {
        let node = std::mem::size_of::<Node<M>>();
        (self.nodes.len() + self.nan_nodes.len()) * node
            + self.rules.len() * std::mem::size_of::<Rule>()
            + (self.start.len() + self.nan_start.len() + self.leaf_start.len()) * 4
            + (self.leaves.len() + self.base.len()) * 8
            + self.init.len() * std::mem::size_of::<M>()
            + self.prefix.as_ref().map_or(0, |p| p.table.len() * std::mem::size_of::<M>() + p.off.len() * 8)
    }

    /// Scratch bytes [`Scorer::score_block`] needs: one mask per tree and lane.
    fn scratch_bytes(&self) -> usize {
        self.init.len() * LANES * std::mem::size_of::<M>()
    }

    /// Whether value `x` of feature `f` takes the node-by-node route (or, for NaN, its list):
    /// NaN, and zero-like values on a feature with a zero-as-missing node.
    #[inline(always)]
    fn special(&self, f: usize, x: f64) -> bool {
        x.is_nan() || (self.zero_feature[f] && x.abs() <= ZERO_THRESHOLD)
    }

    /// Calls `clear(tree, keep)` for every node of feature `f` that sends the special value `x`
    /// right.
    #[inline(never)]
    fn special_nodes(&self, f: usize, x: f64, mut clear: impl FnMut(usize, M)) {
        if x.is_nan() {
            for nd in &self.nan_nodes[self.nan_start[f] as usize..self.nan_start[f + 1] as usize] {
                clear(nd.tree(), nd.keep);
            }
            return;
        }
        let (s, e) = (self.start[f] as usize, self.start[f + 1] as usize);
        for (nd, r) in self.nodes[s..e].iter().zip(&self.rules[s..e]) {
            if !numerical_goes_left(x, nd.thr, r.missing, r.default_left) {
                clear(nd.tree(), nd.keep);
            }
        }
    }

    /// The leaf of tree `t` that mask `b` selects (a mask keeps at least the row's exit leaf, so
    /// the index is one of tree `t`'s leaves).
    #[inline(always)]
    fn leaf(&self, t: usize, b: M) -> f64 {
        self.leaves[self.leaf_start[t] as usize + b.lowest()]
    }

    /// Adds the leaves the masks `bits` (one per tree) select onto the base scores in `out`
    /// (`k` values), tree by tree in ensemble order.
    #[inline(always)]
    fn sum_row(&self, bits: &[M], out: &mut [f64]) {
        if let [base] = self.base[..] {
            // one register accumulator: the sum's chain of adds, not a store and a load per tree
            out[0] = bits.iter().enumerate().fold(base, |acc, (t, &b)| acc + self.leaf(t, b));
            return;
        }
        out.copy_from_slice(&self.base);
        let mut o = 0;
        for (t, &b) in bits.iter().enumerate() {
            out[o] += self.leaf(t, b);
            o = if o + 1 == out.len() { 0 } else { o + 1 };
        }
    }

    /// [`Scorer::sum_row`] for the first `m` lanes of `bits` into `out` (`k` per row): trees in
    /// ensemble order for each row, lanes innermost so that the rows' chains of adds overlap.
    #[inline(always)]
    fn sum_lanes(&self, bits: &[[M; LANES]], m: usize, out: &mut [f64]) {
        let k = self.base.len();
        if let [base] = self.base[..] {
            let mut acc = [base; LANES];
            for (t, b) in bits.iter().enumerate() {
                for l in 0..LANES {
                    acc[l] += self.leaf(t, b[l]);
                }
            }
            out[..m].copy_from_slice(&acc[..m]);
            return;
        }
        for row in out.chunks_exact_mut(k).take(m) {
            row.copy_from_slice(&self.base);
        }
        let mut o = 0;
        for (t, b) in bits.iter().enumerate() {
            for l in 0..m {
                out[l * k + o] += self.leaf(t, b[l]);
            }
            o = if o + 1 == k { 0 } else { o + 1 };
        }
    }

    /// [`Scorer::score_row`] compiled with AVX-512 (the prefix count and the AND of a table row
    /// take a few wide instructions) and BMI1 (`tzcnt`).
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx512f,avx512vl,avx512bw,avx512dq,bmi1,popcnt")]
    fn score_row_avx512(&self, x: &[f64], bits: &mut [M], out: &mut [f64]) {
        if let Some(s) = M::narrow_scorer(self)
            && let Some(p) = &s.prefix
            && s.init.len() <= REGISTER_TREES
        {
            // SAFETY: the caller checked the features (`Simd::Avx512`).
            return unsafe { row_prefix_avx512(s, p, x, out) };
        }
        self.score_row(x, bits, out)
    }

    /// The raw scores of one row `x` into `out`, with `bits` (one mask per tree) as scratch.
    #[inline(always)]
    fn score_row(&self, x: &[f64], bits: &mut [M], out: &mut [f64]) {
        bits.copy_from_slice(&self.init);
        if let Some(p) = &self.prefix {
            let nt = bits.len();
            for (f, &v) in x.iter().enumerate() {
                let thr = &self.thr[self.start[f] as usize..self.start[f + 1] as usize];
                let j = if v.is_nan() {
                    thr.len() + 1
                } else if self.zero_feature[f] && v.abs() <= ZERO_THRESHOLD {
                    self.special_nodes(f, v, |t, keep| bits[t] &= keep);
                    continue;
                } else {
                    // the prefix length by counting (vector compares), not a binary search (a
                    // chain of dependent loads and compares)
                    thr.iter().map(|&t| usize::from(t < v)).sum()
                };
                let row = &p.table[(p.off[f] + j) * nt..(p.off[f] + j + 1) * nt];
                for (b, &m) in bits.iter_mut().zip(row) {
                    *b &= m;
                }
            }
            self.sum_row(bits, out);
            return;
        }
        for (f, &v) in x.iter().enumerate() {
            if self.special(f, v) {
                self.special_nodes(f, v, |t, keep| bits[t] &= keep);
                continue;
            }
            // the false nodes are the prefix with `threshold < v`: stop at the first true one
            let nodes = &self.nodes[self.start[f] as usize..self.start[f + 1] as usize];
            for nd in nodes.iter().take_while(|nd| nd.thr < v) {
                bits[nd.tree()] &= nd.keep;
            }
        }
        self.sum_row(bits, out);
    }

    /// The raw scores of the `m <= LANES` rows of `x` (row-major, `n_features` per row) into
    /// `out` (`k` per row). Every node of a feature's list up to the largest of the rows' values
    /// is read once for all of them, and each lane applies its mask or not ([`feature_avx512`] or [`scan_lanes`]:
    /// branch-free vector compares and masked ANDs with AVX-512). Idle lanes and special values
    /// scan as -inf (no node is false for them); special values then take their own route.
    #[inline(always)]
    fn score_lanes(&self, x: &[f64], m: usize, bits: &mut [[M; LANES]], out: &mut [f64]) {
        let d = self.n_features;
        for (b, &i) in bits.iter_mut().zip(&self.init) {
            *b = [i; LANES];
        }
        for f in 0..d {
            let zero_feature = self.zero_feature[f];
            let nodes = &self.nodes[self.start[f] as usize..self.start[f + 1] as usize];
            #[cfg(target_arch = "x86_64")]
            if self.simd == Simd::Avx512
                && let Some((narrow_nodes, narrow)) = M::narrow(nodes, bits)
            {
                let col = x[f..].as_ptr();
                // SAFETY: AVX-512 F was detected; row `l < m` of `x` has its feature `f` at
                // `col + l * d` (`x` holds `m` rows of `d`).
                let mut zero = unsafe { feature_avx512(narrow_nodes, col, d, m, zero_feature, narrow) };
                while zero != 0 {
                    let l = zero.trailing_zeros() as usize;
                    zero &= zero - 1;
                    self.special_nodes(f, x[l * d + f], |t, keep| bits[t][l] &= keep);
                }
                continue;
            }
            let mut v = [f64::NEG_INFINITY; LANES];
            let mut vmax = f64::NEG_INFINITY;
            let mut special = 0u32; // one bit per special lane
            for (l, vl) in v.iter_mut().enumerate().take(m) {
                let xv = x[l * d + f];
                let s = xv.is_nan() | (zero_feature & (xv.abs() <= ZERO_THRESHOLD));
                special |= u32::from(s) << l;
                *vl = if s { f64::NEG_INFINITY } else { xv };
                vmax = if *vl > vmax { *vl } else { vmax };
            }
            scan_lanes(nodes, &v, vmax, bits);
            while special != 0 {
                let l = special.trailing_zeros() as usize;
                special &= special - 1;
                let xv = x[l * d + f];
                if xv.is_nan() {
                    for nd in &self.nan_nodes[self.nan_start[f] as usize..self.nan_start[f + 1] as usize] {
                        bits[nd.tree()][l] &= nd.keep;
                    }
                } else {
                    self.special_nodes(f, xv, |t, keep| bits[t][l] &= keep);
                }
            }
        }
        self.sum_lanes(bits, m, out);
    }

    /// The raw scores of the `n` rows of `x` (row-major) into `out` (`k` per row): groups of
    /// [`LANES`] rows by the lane kernel, fewer than [`MIN_LANE_ROWS`] row by row.
    fn score_block(&self, x: &[f64], n: usize, out: &mut [f64], scratch: &mut [[M; LANES]]) {
        let d = self.n_features;
        let k = self.base.len();
        let mut r = 0;
        while r < n {
            let m = (n - r).min(LANES);
            let (xs, os) = (&x[r * d..(r + m) * d], &mut out[r * k..(r + m) * k]);
            if m >= MIN_LANE_ROWS {
                self.score_lanes(xs, m, scratch, os);
            } else {
                // row by row, with the first lane of each tree's masks as the row's scratch
                let bits: &mut [M] = scratch.as_flattened_mut();
                let bits = &mut bits[..self.init.len()];
                for i in 0..m {
                    let (xr, or) = (&xs[i * d..(i + 1) * d], &mut os[i * k..(i + 1) * k]);
                    #[cfg(target_arch = "x86_64")]
                    if self.simd == Simd::Avx512 {
                        // SAFETY: `Simd::detect` found these features on this machine.
                        unsafe { self.score_row_avx512(xr, bits, or) };
                        continue;
                    }
                    self.score_row(xr, bits, or);
                }
            }
            r += m;
        }
    }
}

/// The prepared ensemble with the narrowest mask it allows.
#[derive(Debug, Clone)]
enum Masks {
    /// Every tree has at most 32 leaves.
    Narrow(Scorer<u32>),
    /// Some tree has 33 to 64 leaves.
    Wide(Scorer<u64>),
}

/// A tree ensemble prepared for the QuickScorer kernel (see the module documentation): scores
/// equal [`TreeEnsemble::add_scores`] onto the base scores, bit for bit, with every
/// missing-value rule.
#[derive(Debug, Clone)]
pub struct QuickScorer {
    masks: Masks,
}

/// Scratch space of [`QuickScorer::score`]: one leaf mask per tree and lane, 16-byte aligned.
#[derive(Debug, Clone, Default)]
pub struct QuickScratch {
    words: Vec<u128>,
}

impl QuickScorer {
    /// Prepares `e` (a validated ensemble), or `None` when QuickScorer cannot score it (see the
    /// module's limits).
    pub fn new(e: &TreeEnsemble) -> Option<QuickScorer> {
        let most = e.trees.iter().map(|t| t.leaf_value.len()).max().unwrap_or(0);
        let masks = if most <= 32 { Scorer::new(e).map(Masks::Narrow) } else { Scorer::new(e).map(Masks::Wide) };
        masks.map(|masks| QuickScorer { masks })
    }

    /// Number of input features per row.
    pub fn n_features(&self) -> usize {
        match &self.masks {
            Masks::Narrow(s) => s.n_features,
            Masks::Wide(s) => s.n_features,
        }
    }

    /// Number of raw scores per row.
    pub fn n_outputs(&self) -> usize {
        match &self.masks {
            Masks::Narrow(s) => s.base.len(),
            Masks::Wide(s) => s.base.len(),
        }
    }

    /// Scratch bytes a call of [`QuickScorer::score_raw`] needs.
    pub fn scratch_bytes(&self) -> usize {
        match &self.masks {
            Masks::Narrow(s) => s.scratch_bytes(),
            Masks::Wide(s) => s.scratch_bytes(),
        }
    }

    /// Scratch space for [`QuickScorer::score`].
    pub fn scratch(&self) -> QuickScratch {
        QuickScratch { words: vec![0; self.scratch_bytes().div_ceil(16)] }
    }

    /// Bytes of the tables.
    pub fn bytes(&self) -> usize {
        match &self.masks {
            Masks::Narrow(s) => s.bytes(),
            Masks::Wide(s) => s.bytes(),
        }
    }

    /// The raw scores of the `n` rows of `x` (row-major, [`QuickScorer::n_features`] values per
    /// row) into `scores` ([`QuickScorer::n_outputs`] per row). `scratch` grows when it is too
    /// small (one from [`QuickScorer::scratch`] never does). Errors when `x` or `scores` is
    /// shorter than `n` rows.
    pub fn score(&self, x: &[f64], n: usize, scores: &mut [f64], scratch: &mut QuickScratch) -> Result<()> {
        const OP: &str = "QuickScorer::score";
        let (d, k) = (self.n_features(), self.n_outputs());
        if n.checked_mul(d).is_none_or(|need| x.len() < need) {
            return Err(Error::op(OP, format!("{n} rows of {d} features, input holds {} values", x.len())));
        }
        if n.checked_mul(k).is_none_or(|need| scores.len() < need) {
            return Err(Error::op(OP, format!("{n} rows of {k} scores, output holds {} values", scores.len())));
        }
        let need = self.scratch_bytes().div_ceil(16);
        if scratch.words.len() < need {
            scratch.words.resize(need, 0);
        }
        // SAFETY: the lengths were checked above; `scratch` holds `scratch_bytes` bytes aligned
        // to 16 (u128 words) and is not part of `x` or `scores` (distinct borrows).
        unsafe { self.score_raw(x.as_ptr(), n, scores.as_mut_ptr(), scratch.words.as_mut_ptr() as *mut u8) };
        Ok(())
    }

    /// Scores the `n` rows at `x` into `scores`, as [`QuickScorer::score`] without checks (the
    /// JIT's generated code calls it with buffers its layout sized).
    ///
    /// # Safety
    /// `x` points to `n * n_features` f64s, `scores` to `n * n_outputs` f64s and `scratch` to
    /// [`QuickScorer::scratch_bytes`] bytes aligned to 16, none of them overlapping.
    pub unsafe fn score_raw(&self, x: *const f64, n: usize, scores: *mut f64, scratch: *mut u8) {
        fn run<M: Mask>(s: &Scorer<M>, x: *const f64, n: usize, scores: *mut f64, scratch: *mut u8) {
            // SAFETY: the caller's contract; the scratch holds one `[M; LANES]` per tree, and its
            // alignment (16) is at least `M`'s.
            let (x, out, bits) = unsafe {
                (
                    std::slice::from_raw_parts(x, n * s.n_features),
                    std::slice::from_raw_parts_mut(scores, n * s.base.len()),
                    std::slice::from_raw_parts_mut(scratch as *mut [M; LANES], s.init.len()),
                )
            };
            s.score_block(x, n, out, bits);
        }
        match &self.masks {
            Masks::Narrow(s) => run(s, x, n, scores, scratch),
            Masks::Wide(s) => run(s, x, n, scores, scratch),
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::models::{Link, Task, Tree};

    use super::*;

    fn node(threshold: f64, missing: MissingType, default_left: bool) -> Decision {
        Decision::Numerical { threshold, missing, default_left }
    }

    /// Two features, three trees (one a single leaf), every missing rule, two outputs.
    fn ensemble() -> TreeEnsemble {
        let t0 = Tree {
            split_feature: vec![0, 1, 0],
            decision: vec![
                node(0.5, MissingType::NaN, true),
                node(ZERO_THRESHOLD, MissingType::Zero, false),
                node(2.0, MissingType::None, false),
            ],
            left: vec![1, -1, -3],
            right: vec![2, -2, -4],
            leaf_value: vec![1.0, 2.0, 3.0, 4.0],
        };
        let t1 = Tree {
            split_feature: vec![1, 1],
            decision: vec![node(-1.0, MissingType::None, false), node(-ZERO_THRESHOLD, MissingType::NaN, false)],
            left: vec![-1, -2],
            right: vec![1, -3],
            leaf_value: vec![0.125, 0.25, 0.5],
        };
        TreeEnsemble {
            n_features: 2,
            task: Task::MultiClass { n_classes: 2 },
            link: Link::Softmax,
            base_score: vec![0.1, -0.2],
            trees: vec![t0, t1, Tree::constant(7.0)],
        }
    }

    fn want(e: &TreeEnsemble, x: &[f64]) -> Vec<f64> {
        let mut out = e.base_score.clone();
        e.add_scores(x, &mut out);
        out
    }

    /// Values around every threshold of [`ensemble`] and the special ones.
    const VALS: [f64; 15] = [
        -3.0,
        -1.0,
        -0.5,
        -1e-36,
        -0.0,
        0.0,
        1e-36,
        ZERO_THRESHOLD,
        1e-30,
        0.5,
        1.0,
        2.0,
        9.0,
        f64::NAN,
        f64::INFINITY,
    ];

    /// Every configuration of the kernel: vector instructions or not, prefix tables or not.
    fn variants(q: &QuickScorer) -> Vec<QuickScorer> {
        let mut out = vec![q.clone()];
        for simd in [Simd::Baseline, Simd::detect()] {
            for prefix in [false, true] {
                let mut v = q.clone();
                match &mut v.masks {
                    Masks::Narrow(s) => {
                        s.simd = simd;
                        s.prefix = if prefix { s.prefix_tables() } else { None };
                    }
                    Masks::Wide(s) => {
                        s.simd = simd;
                        s.prefix = if prefix { s.prefix_tables() } else { None };
                    }
                }
                out.push(v);
            }
        }
        out
    }

    /// Scores `rows` (of `d` features) in blocks of every size with every kernel configuration
    /// and requires the scores of tree traversal, bit for bit.
    fn check(e: &TreeEnsemble, rows: &[Vec<f64>]) {
        e.validate().unwrap();
        let k = e.n_outputs();
        let x: Vec<f64> = rows.iter().flatten().copied().collect();
        for q in variants(&QuickScorer::new(e).unwrap()) {
            let mut scratch = vec![0u128; q.scratch_bytes().div_ceil(16)];
            for n in [0, 1, 3, 4, 15, 16, 17, 40, rows.len()] {
                let n = n.min(rows.len());
                let mut out = vec![f64::NAN; n * k];
                // SAFETY: buffers sized as the kernel's contract asks.
                unsafe { q.score_raw(x.as_ptr(), n, out.as_mut_ptr(), scratch.as_mut_ptr() as *mut u8) };
                let mut safe = vec![f64::NAN; n * k];
                q.score(&x, n, &mut safe, &mut QuickScratch::default()).unwrap();
                assert_eq!(format!("{safe:?}"), format!("{out:?}"));
                for (i, r) in rows[..n].iter().enumerate() {
                    let got = format!("{:?}", &out[i * k..(i + 1) * k]);
                    assert_eq!(got, format!("{:?}", want(e, r)), "row {r:?} of {n}, {q:?}");
                }
            }
        }
    }

    #[test]
    fn every_block_size_and_kernel_equals_tree_traversal() {
        let rows: Vec<Vec<f64>> = VALS.iter().flat_map(|&a| VALS.iter().map(move |&b| vec![a, b])).collect();
        let e = ensemble();
        check(&e, &rows);
        assert!(matches!(QuickScorer::new(&e), Some(QuickScorer { masks: Masks::Narrow(_) })));
    }

    /// A chain of `n` internal nodes alternating between two features (`n + 1` leaves).
    fn chain(n: usize) -> Tree {
        let missing = [MissingType::NaN, MissingType::Zero, MissingType::None];
        Tree {
            split_feature: (0..n).map(|i| (i % 2) as u32).collect(),
            decision: (0..n).map(|i| node(i as f64 * 0.25 - 4.0, missing[i % 3], i % 4 == 0)).collect(),
            left: (0..n).map(|i| !(i as i32)).collect(),
            right: (0..n).map(|i| if i + 1 < n { i as i32 + 1 } else { !(n as i32) }).collect(),
            leaf_value: (0..=n).map(|i| 1.0 / (i + 1) as f64).collect(),
        }
    }

    #[test]
    fn wide_trees_use_64_bit_masks() {
        let mut e = ensemble();
        e.task = Task::Regression;
        e.link = Link::Identity;
        e.base_score = vec![0.5];
        e.trees.push(chain(40));
        e.trees.push(chain(63));
        let vals: Vec<f64> = (0..50).map(|i| i as f64 * 0.2 - 5.0).chain(VALS).collect();
        let rows: Vec<Vec<f64>> = vals.iter().flat_map(|&a| vals.iter().step_by(3).map(move |&b| vec![a, b])).collect();
        check(&e, &rows);
        assert!(matches!(QuickScorer::new(&e), Some(QuickScorer { masks: Masks::Wide(_) })));
        e.trees.push(chain(64));
        assert!(QuickScorer::new(&e).is_none(), "65 leaves");
    }

    #[test]
    fn short_buffers_are_errors() {
        let q = QuickScorer::new(&ensemble()).unwrap();
        let mut scratch = QuickScratch::default();
        let x = [0.5; 5];
        let mut out = [0.0; 6];
        let err = q.score(&x, 3, &mut out, &mut scratch).unwrap_err().to_string();
        assert!(err.contains("QuickScorer::score") && err.contains("input holds 5"), "{err}");
        let err = q.score(&x, 2, &mut out[..3], &mut scratch).unwrap_err().to_string();
        assert!(err.contains("output holds 3"), "{err}");
        q.score(&x, 2, &mut out, &mut scratch).unwrap();
        assert_eq!(out[4..], [0.0, 0.0], "only the `n` rows are written");
        assert_eq!((q.n_features(), q.n_outputs()), (2, 2));
    }

    #[test]
    fn unsupported_ensembles() {
        let mut e = ensemble();
        e.trees[1].decision[0] = Decision::Categorical { categories: vec![1] };
        assert!(QuickScorer::new(&e).is_none());
        let mut e = ensemble();
        e.trees[1].decision[0] = node(f64::NAN, MissingType::None, false);
        assert!(QuickScorer::new(&e).is_none());
    }
}
