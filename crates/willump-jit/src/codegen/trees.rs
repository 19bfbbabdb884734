//! Tree ensembles in generated code, three ways (measured against each other in
//! `benches/jit_gbdt.rs`):
//! - QuickScorer: a call of the kernel of [`super::quickscorer`] on a block of rows (or one row);
//! - branches: every internal node is a conditional branch with its threshold as a constant, every
//!   leaf a constant passed to the tree's join block;
//! - table: one generated walk over node records (threshold, feature, children, missing rule)
//!   kept in a table the compiled pipeline owns.
//!
//! Both route missing values as trained (`MissingType` in `willump_runtime::models`): NaN, and zero
//! for `Zero`, go the default direction; with `None`, NaN compares as 0.0. Categorical splits send
//! `x` left when its truncated category's bit is set (NaN, `x <= -1` and `x >= 2^31` go right).
//! Scores add tree by tree in ensemble order into the base scores, as the eager evaluator does,
//! so results are bit-identical.

use cranelift_codegen::ir::condcodes::{FloatCC, IntCC};
use cranelift_codegen::ir::{BlockArg, InstBuilder, Value, types};
use willump_runtime::models::{Decision, MissingType, Tree, TreeEnsemble};

use super::mem;
use super::quickscorer::QuickScorer;
use super::scalar::BodyCx;

/// LightGBM's zero threshold for `MissingType::Zero`.
pub(crate) use willump_runtime::models::ZERO_THRESHOLD;

/// Writes the ensemble's raw scores for the row at `x` to `scores`.
pub(crate) fn emit(cx: &mut BodyCx<'_, '_>, e: &TreeEnsemble, x: Value, scores: Value) -> Result<(), String> {
    let k = e.n_outputs();
    if cx.tree_quick
        && let Some(q) = QuickScorer::new(e)
    {
        let one = cx.b.ins().iconst(types::I64, 1);
        quick(cx, q, x, one, scores);
        return Ok(());
    }
    if cx.tree_table {
        let has_cats = e.trees.iter().any(|t| t.decision.iter().any(|d| matches!(d, Decision::Categorical { .. })));
        if has_cats {
            table(cx, e, x, scores);
        } else {
            interleaved(cx, e, x, scores);
        }
        return Ok(());
    }
    let mut acc: Vec<Value> = e.base_score.iter().map(|&b| cx.b.ins().f64const(b)).collect();
    for (t, tree) in e.trees.iter().enumerate() {
        let leaf = branches(cx, tree, x);
        acc[t % k] = cx.b.ins().fadd(acc[t % k], leaf);
    }
    for (o, &a) in acc.iter().enumerate() {
        cx.b.ins().store(mem(), a, scores, (o * 8) as i32);
    }
    Ok(())
}

/// Writes the raw scores of the `nb` rows of the block matrix at `xblk` (`n_features` f64s per
/// row) to `sblk` (`n_outputs` per row): the scores start at the base scores, then each tree (as
/// branches) runs for every row of the block before the next tree, adding its leaf in tree order.
pub(crate) fn emit_block(cx: &mut BodyCx<'_, '_>, e: &TreeEnsemble, xblk: Value, nb: Value, sblk: Value) {
    let k = e.n_outputs();
    if cx.tree_quick
        && let Some(q) = QuickScorer::new(e)
    {
        quick(cx, q, xblk, nb, sblk);
        return;
    }
    let d = e.n_features;
    let (h, j) = super::counted_loop_head(cx, nb);
    let so = cx.b.ins().imul_imm_u(j, (k * 8) as i64);
    let srow = cx.b.ins().iadd(sblk, so);
    for (o, &b) in e.base_score.iter().enumerate() {
        let v = cx.b.ins().f64const(b);
        cx.b.ins().store(mem(), v, srow, (o * 8) as i32);
    }
    super::counted_loop_end(cx, h, j);
    for (t, tree) in e.trees.iter().enumerate() {
        let (h, j) = super::counted_loop_head(cx, nb);
        let xo = cx.b.ins().imul_imm_u(j, (d * 8) as i64);
        let xrow = cx.b.ins().iadd(xblk, xo);
        let leaf = branches(cx, tree, xrow);
        let so = cx.b.ins().imul_imm_u(j, (k * 8) as i64);
        let srow = cx.b.ins().iadd(sblk, so);
        let at = ((t % k) * 8) as i32;
        let cur = cx.b.ins().load(types::F64, mem(), srow, at);
        let sum = cx.b.ins().fadd(cur, leaf);
        cx.b.ins().store(mem(), sum, srow, at);
        super::counted_loop_end(cx, h, j);
    }
}

/// A call of the QuickScorer kernel on the `n` rows at `x`, writing their scores to `scores`;
/// the pipeline keeps the prepared ensemble `q`, the loop's scratch holds the kernel's masks.
fn quick(cx: &mut BodyCx<'_, '_>, q: QuickScorer, x: Value, n: Value, scores: Value) {
    let off = cx.layout_scratch(q.scratch_bytes());
    let bytes = q.bytes();
    let addr = cx.consts.object(q, bytes);
    let qv = cx.b.ins().iconst(types::I64, addr);
    let scratch = cx.scratch_at(off);
    cx.call("willump_quickscorer", &[qv, x, n, scores, scratch]);
}

/// Whether a numerical split sends `x` left, as an i8.
fn numerical(cx: &mut BodyCx<'_, '_>, x: Value, threshold: f64, missing: MissingType, default_left: bool) -> Value {
    let thr = cx.b.ins().f64const(threshold);
    match missing {
        // NaN compares as 0.0: it goes left exactly when 0.0 <= threshold
        MissingType::None if 0.0 <= threshold => cx.b.ins().fcmp(FloatCC::UnorderedOrLessThanOrEqual, x, thr),
        MissingType::None => cx.b.ins().fcmp(FloatCC::LessThanOrEqual, x, thr),
        MissingType::NaN if default_left => cx.b.ins().fcmp(FloatCC::UnorderedOrLessThanOrEqual, x, thr),
        MissingType::NaN => cx.b.ins().fcmp(FloatCC::LessThanOrEqual, x, thr),
        MissingType::Zero => {
            let ax = cx.b.ins().fabs(x);
            let z = cx.b.ins().f64const(ZERO_THRESHOLD);
            let missing = cx.b.ins().fcmp(FloatCC::UnorderedOrLessThanOrEqual, ax, z);
            let le = cx.b.ins().fcmp(FloatCC::LessThanOrEqual, x, thr);
            if default_left {
                cx.b.ins().bor(missing, le)
            } else {
                let one = cx.b.ins().iconst(types::I8, 1);
                let present = cx.b.ins().bxor(missing, one);
                cx.b.ins().band(present, le)
            }
        }
    }
}

/// Whether a categorical split with bitset words at `words` (a table with one extra zero word at
/// index `n_words`) sends `x` left, as an i8.
fn categorical(cx: &mut BodyCx<'_, '_>, x: Value, words: Value, n_words: Value) -> Value {
    let lo = cx.b.ins().f64const(-1.0);
    let hi = cx.b.ins().f64const(2_147_483_648.0);
    let above = cx.b.ins().fcmp(FloatCC::GreaterThan, x, lo);
    let below = cx.b.ins().fcmp(FloatCC::LessThan, x, hi);
    let in_range = cx.b.ins().band(above, below);
    let c = cx.b.ins().fcvt_to_uint_sat(types::I64, x);
    let word = cx.b.ins().ushr_imm_u(c, 5);
    let known = cx.b.ins().icmp(IntCC::UnsignedLessThan, word, n_words);
    let ok = cx.b.ins().band(in_range, known);
    // out-of-range categories read the extra zero word
    let idx = cx.b.ins().select(ok, word, n_words);
    let off = cx.b.ins().ishl_imm_u(idx, 2);
    let p = cx.b.ins().iadd(words, off);
    let bits = cx.b.ins().load(types::I32, mem(), p, 0);
    let sh = cx.b.ins().band_imm_u(c, 31);
    let sh = cx.b.ins().ireduce(types::I32, sh);
    let s = cx.b.ins().ushr(bits, sh);
    let bit = cx.b.ins().band_imm_u(s, 1);
    cx.b.ins().ireduce(types::I8, bit)
}

/// One tree as branches; returns its leaf value.
fn branches(cx: &mut BodyCx<'_, '_>, tree: &Tree, x: Value) -> Value {
    if tree.n_internal() == 0 {
        return cx.b.ins().f64const(tree.leaf_value[0]);
    }
    let join = cx.b.create_block();
    let leaf = cx.b.append_block_param(join, types::F64);
    let blocks: Vec<_> = (0..tree.n_internal()).map(|_| cx.b.create_block()).collect();
    let leaves: Vec<_> = (0..tree.leaf_value.len()).map(|_| cx.b.create_block()).collect();
    cx.b.ins().jump(blocks[0], &[]);
    let target = |c: i32| if c >= 0 { blocks[c as usize] } else { leaves[!c as usize] };
    for (n, &block) in blocks.iter().enumerate() {
        cx.b.switch_to_block(block);
        let xv = cx.b.ins().load(types::F64, mem(), x, (tree.split_feature[n] * 8) as i32);
        let left = match &tree.decision[n] {
            Decision::Numerical { threshold, missing, default_left } => {
                numerical(cx, xv, *threshold, *missing, *default_left)
            }
            Decision::Categorical { categories } => {
                let mut words = categories.clone();
                let n_words = words.len();
                words.push(0);
                let wp = cx.consts.u32s(words);
                let w = cx.b.ins().iconst(types::I64, wp);
                let nw = cx.b.ins().iconst(types::I64, n_words as i64);
                categorical(cx, xv, w, nw)
            }
        };
        cx.b.ins().brif(left, target(tree.left[n]), &[], target(tree.right[n]), &[]);
    }
    for (l, &block) in leaves.iter().enumerate() {
        cx.b.switch_to_block(block);
        let v = cx.b.ins().f64const(tree.leaf_value[l]);
        cx.b.ins().jump(join, &[BlockArg::Value(v)]);
    }
    cx.b.switch_to_block(join);
    leaf
}

/// Node record kinds of the table walk.
const NUMERICAL: u32 = 0;
const ZERO_MISSING: u32 = 1;
const CATEGORICAL: u32 = 2;
/// Bytes per node record: threshold f64 @0, feature u32 @8, left i32 @12, right i32 @16,
/// kind u32 @20, aux u32 @24 (missing goes left, or the categorical word count), cat u32 @28
/// (first categorical word).
const RECORD: usize = 32;

/// Trees walked together, branch-free.
const GROUP: usize = 4;

/// The depth of a tree (internal nodes on its longest root-to-leaf path).
fn depth(t: &Tree) -> usize {
    let mut best = 0;
    let mut stack = vec![(0i32, 0usize)];
    if t.n_internal() == 0 {
        return 0;
    }
    while let Some((c, d)) = stack.pop() {
        if c < 0 {
            best = best.max(d);
        } else {
            stack.push((t.left[c as usize], d + 1));
            stack.push((t.right[c as usize], d + 1));
        }
    }
    best
}

/// Numerical-only ensembles as node records walked branch-free, `GROUP` trees at a time: each
/// level of each tree is a few loads, compares and selects (a leaf's index stays put), so the
/// walks of the trees in a group overlap instead of waiting on mispredicted branches. Leaves add
/// into the scores in tree order.
fn interleaved(cx: &mut BodyCx<'_, '_>, e: &TreeEnsemble, x: Value, scores: Value) {
    let k = e.n_outputs();
    let mut recs: Vec<u32> = Vec::new();
    let mut firsts = Vec::new();
    let mut leaf0s = Vec::new();
    let mut leaves: Vec<f64> = Vec::new();
    let mut any_zero = false;
    for tree in &e.trees {
        firsts.push(recs.len() / (RECORD / 4));
        leaf0s.push(leaves.len());
        for n in 0..tree.n_internal() {
            let Decision::Numerical { threshold, missing, default_left } = &tree.decision[n] else {
                unreachable!("interleaved walks take numerical splits only")
            };
            let (kind, aux) = match missing {
                MissingType::None => (NUMERICAL, (0.0 <= *threshold) as u32),
                MissingType::NaN => (NUMERICAL, *default_left as u32),
                MissingType::Zero => {
                    any_zero = true;
                    (ZERO_MISSING, *default_left as u32)
                }
            };
            let bits = threshold.to_bits();
            recs.extend([
                bits as u32,
                (bits >> 32) as u32,
                tree.split_feature[n],
                tree.left[n] as u32,
                tree.right[n] as u32,
                kind,
                aux,
                0,
            ]);
        }
        leaves.extend(&tree.leaf_value);
    }
    let recs_p = cx.consts.u32s(recs);
    let leaves_p = cx.consts.f64s(leaves);
    let mut acc: Vec<Value> = e.base_score.iter().map(|&b| cx.b.ins().f64const(b)).collect();
    let zero_t = cx.b.ins().f64const(ZERO_THRESHOLD);
    for g in (0..e.trees.len()).step_by(GROUP) {
        let ts: Vec<usize> = (g..(g + GROUP).min(e.trees.len())).collect();
        let depths: Vec<usize> = ts.iter().map(|&t| depth(&e.trees[t])).collect();
        let mut nodes: Vec<Value> = ts.iter().map(|_| cx.b.ins().iconst(types::I64, 0)).collect();
        for level in 0..depths.iter().copied().max().unwrap_or(0) {
            for (i, &t) in ts.iter().enumerate() {
                if depths[i] <= level {
                    continue;
                }
                let node = nodes[i];
                let is_leaf = cx.b.ins().icmp_imm_s(IntCC::SignedLessThan, node, 0);
                let zero = cx.b.ins().iconst(types::I64, 0);
                let idx = cx.b.ins().select(is_leaf, zero, node);
                let off = cx.b.ins().imul_imm_u(idx, RECORD as i64);
                let base = cx.b.ins().iconst(types::I64, recs_p + (firsts[t] * RECORD) as i64);
                let rp = cx.b.ins().iadd(base, off);
                let thr = cx.b.ins().load(types::F64, mem(), rp, 0);
                let feat = cx.b.ins().uload32(mem(), rp, 8);
                let left = cx.b.ins().sload32(mem(), rp, 12);
                let right = cx.b.ins().sload32(mem(), rp, 16);
                let aux = cx.b.ins().uload32(mem(), rp, 24);
                let fo = cx.b.ins().ishl_imm_u(feat, 3);
                let xp = cx.b.ins().iadd(x, fo);
                let xv = cx.b.ins().load(types::F64, mem(), xp, 0);
                let mut missing = cx.b.ins().fcmp(FloatCC::Unordered, xv, xv);
                if any_zero {
                    let kind = cx.b.ins().uload32(mem(), rp, 20);
                    let ax = cx.b.ins().fabs(xv);
                    let small = cx.b.ins().fcmp(FloatCC::UnorderedOrLessThanOrEqual, ax, zero_t);
                    let zero_kind = cx.b.ins().icmp_imm_u(IntCC::Equal, kind, ZERO_MISSING as i64);
                    missing = cx.b.ins().select(zero_kind, small, missing);
                }
                let le = cx.b.ins().fcmp(FloatCC::LessThanOrEqual, xv, thr);
                let aux_left = cx.b.ins().icmp_imm_u(IntCC::NotEqual, aux, 0);
                let go_left = cx.b.ins().select(missing, aux_left, le);
                let child = cx.b.ins().select(go_left, left, right);
                nodes[i] = cx.b.ins().select(is_leaf, node, child);
            }
        }
        for (i, &t) in ts.iter().enumerate() {
            let leaf = if e.trees[t].n_internal() == 0 {
                cx.b.ins().f64const(e.trees[t].leaf_value[0])
            } else {
                let li = cx.b.ins().bnot(nodes[i]);
                let lo = cx.b.ins().ishl_imm_u(li, 3);
                let base = cx.b.ins().iconst(types::I64, leaves_p + (leaf0s[t] * 8) as i64);
                let lp = cx.b.ins().iadd(base, lo);
                cx.b.ins().load(types::F64, mem(), lp, 0)
            };
            acc[t % k] = cx.b.ins().fadd(acc[t % k], leaf);
        }
    }
    for (o, &a) in acc.iter().enumerate() {
        cx.b.ins().store(mem(), a, scores, (o * 8) as i32);
    }
}

/// The ensemble as node records and a generated walk (ensembles with categorical splits).
fn table(cx: &mut BodyCx<'_, '_>, e: &TreeEnsemble, x: Value, scores: Value) {
    let k = e.n_outputs();
    // Records are written as u32 words; the threshold takes two.
    let mut recs: Vec<u32> = Vec::new();
    let mut trees: Vec<u32> = Vec::new(); // per tree: first record, leaf base, output
    let mut leaves: Vec<f64> = Vec::new();
    let mut cats: Vec<u32> = Vec::new();
    for (t, tree) in e.trees.iter().enumerate() {
        trees.extend([
            (recs.len() / (RECORD / 4)) as u32,
            leaves.len() as u32,
            (t % k) as u32,
            tree.n_internal() as u32,
        ]);
        for n in 0..tree.n_internal() {
            let (thr, kind, aux, cat) = match &tree.decision[n] {
                Decision::Numerical { threshold, missing, default_left } => match missing {
                    MissingType::None => (*threshold, NUMERICAL, (0.0 <= *threshold) as u32, 0),
                    MissingType::NaN => (*threshold, NUMERICAL, *default_left as u32, 0),
                    MissingType::Zero => (*threshold, ZERO_MISSING, *default_left as u32, 0),
                },
                Decision::Categorical { categories } => {
                    let start = cats.len() as u32;
                    cats.extend(categories);
                    (0.0, CATEGORICAL, categories.len() as u32, start)
                }
            };
            let bits = thr.to_bits();
            recs.extend([
                bits as u32,
                (bits >> 32) as u32,
                tree.split_feature[n],
                tree.left[n] as u32,
                tree.right[n] as u32,
                kind,
                aux,
                cat,
            ]);
        }
        leaves.extend(&tree.leaf_value);
    }
    let has_cats = !cats.is_empty();
    cats.push(0); // the zero word out-of-range categories read
    let zero_word = (cats.len() - 1) as i64;
    let recs_p = cx.consts.u32s(recs);
    let trees_p = cx.consts.u32s(trees);
    let leaves_p = cx.consts.f64s(leaves);
    let cats_p = cx.consts.u32s(cats);

    for (o, &b) in e.base_score.iter().enumerate() {
        let v = cx.b.ins().f64const(b);
        cx.b.ins().store(mem(), v, scores, (o * 8) as i32);
    }
    let recs_v = cx.b.ins().iconst(types::I64, recs_p);
    let trees_v = cx.b.ins().iconst(types::I64, trees_p);
    let leaves_v = cx.b.ins().iconst(types::I64, leaves_p);
    let cats_v = cx.b.ins().iconst(types::I64, cats_p);

    // for t in 0..n_trees
    let t_head = cx.b.create_block();
    let t_body = cx.b.create_block();
    let walk = cx.b.create_block();
    let leaf_block = cx.b.create_block();
    let t_done = cx.b.create_block();
    let t = cx.b.append_block_param(t_head, types::I64);
    let t0 = cx.b.ins().iconst(types::I64, 0);
    cx.b.ins().jump(t_head, &[BlockArg::Value(t0)]);

    cx.b.switch_to_block(t_head);
    let end = cx.b.ins().icmp_imm_u(IntCC::UnsignedGreaterThanOrEqual, t, e.trees.len() as i64);
    cx.b.ins().brif(end, t_done, &[], t_body, &[]);

    cx.b.switch_to_block(t_body);
    let toff = cx.b.ins().ishl_imm_u(t, 4);
    let tp = cx.b.ins().iadd(trees_v, toff);
    let first = cx.b.ins().uload32(mem(), tp, 0);
    let leaf0 = cx.b.ins().uload32(mem(), tp, 4);
    let n_int = cx.b.ins().uload32(mem(), tp, 12);
    let minus1 = cx.b.ins().iconst(types::I64, -1);
    let zero = cx.b.ins().iconst(types::I64, 0);
    let empty = cx.b.ins().icmp_imm_u(IntCC::Equal, n_int, 0);
    cx.b.ins().brif(empty, leaf_block, &[BlockArg::Value(minus1)], walk, &[BlockArg::Value(zero)]);

    // walk(node): c = child; c < 0 ? leaf(c) : walk(c)
    let node = cx.b.append_block_param(walk, types::I64);
    cx.b.switch_to_block(walk);
    let idx = cx.b.ins().iadd(first, node);
    let roff = cx.b.ins().imul_imm_u(idx, RECORD as i64);
    let rp = cx.b.ins().iadd(recs_v, roff);
    let thr = cx.b.ins().load(types::F64, mem(), rp, 0);
    let feat = cx.b.ins().uload32(mem(), rp, 8);
    let left = cx.b.ins().sload32(mem(), rp, 12);
    let right = cx.b.ins().sload32(mem(), rp, 16);
    let kind = cx.b.ins().uload32(mem(), rp, 20);
    let aux = cx.b.ins().uload32(mem(), rp, 24);
    let fo = cx.b.ins().ishl_imm_u(feat, 3);
    let xp = cx.b.ins().iadd(x, fo);
    let xv = cx.b.ins().load(types::F64, mem(), xp, 0);
    // numerical rules: missing = NaN (or |x| <= zero threshold); missing goes left when aux
    let is_nan = cx.b.ins().fcmp(FloatCC::Unordered, xv, xv);
    let ax = cx.b.ins().fabs(xv);
    let z = cx.b.ins().f64const(ZERO_THRESHOLD);
    let small = cx.b.ins().fcmp(FloatCC::UnorderedOrLessThanOrEqual, ax, z);
    let zero_kind = cx.b.ins().icmp_imm_u(IntCC::Equal, kind, ZERO_MISSING as i64);
    let missing = cx.b.ins().select(zero_kind, small, is_nan);
    let le = cx.b.ins().fcmp(FloatCC::LessThanOrEqual, xv, thr);
    let aux_left = cx.b.ins().icmp_imm_u(IntCC::NotEqual, aux, 0);
    let mut go_left = cx.b.ins().select(missing, aux_left, le);
    if has_cats {
        let cat_start = cx.b.ins().uload32(mem(), rp, 28);
        let cat_left = categorical_table(cx, xv, cats_v, cat_start, aux, zero_word);
        let is_cat = cx.b.ins().icmp_imm_u(IntCC::Equal, kind, CATEGORICAL as i64);
        go_left = cx.b.ins().select(is_cat, cat_left, go_left);
    }
    let child = cx.b.ins().select(go_left, left, right);
    let is_leaf = cx.b.ins().icmp_imm_s(IntCC::SignedLessThan, child, 0);
    cx.b.ins().brif(is_leaf, leaf_block, &[BlockArg::Value(child)], walk, &[BlockArg::Value(child)]);

    // leaf(c): scores[t % k] += leaves[leaf0 + !c]
    let c = cx.b.append_block_param(leaf_block, types::I64);
    cx.b.switch_to_block(leaf_block);
    let li = cx.b.ins().bnot(c);
    let li = cx.b.ins().iadd(leaf0, li);
    let lo = cx.b.ins().ishl_imm_u(li, 3);
    let lp = cx.b.ins().iadd(leaves_v, lo);
    let lv = cx.b.ins().load(types::F64, mem(), lp, 0);
    let out = cx.b.ins().uload32(mem(), tp, 8);
    let oo = cx.b.ins().ishl_imm_u(out, 3);
    let sp = cx.b.ins().iadd(scores, oo);
    let cur = cx.b.ins().load(types::F64, mem(), sp, 0);
    let sum = cx.b.ins().fadd(cur, lv);
    cx.b.ins().store(mem(), sum, sp, 0);
    let t1 = cx.b.ins().iadd_imm_u(t, 1);
    cx.b.ins().jump(t_head, &[BlockArg::Value(t1)]);

    cx.b.switch_to_block(t_done);
}

/// The categorical test of the table walk: the bitset is `n_words` words at `cats[start..]`;
/// out-of-range categories read the zero word at `cats[zero_word]`.
fn categorical_table(
    cx: &mut BodyCx<'_, '_>,
    x: Value,
    cats: Value,
    start: Value,
    n_words: Value,
    zero_word: i64,
) -> Value {
    let lo = cx.b.ins().f64const(-1.0);
    let hi = cx.b.ins().f64const(2_147_483_648.0);
    let above = cx.b.ins().fcmp(FloatCC::GreaterThan, x, lo);
    let below = cx.b.ins().fcmp(FloatCC::LessThan, x, hi);
    let in_range = cx.b.ins().band(above, below);
    let c = cx.b.ins().fcvt_to_uint_sat(types::I64, x);
    let word = cx.b.ins().ushr_imm_u(c, 5);
    let known = cx.b.ins().icmp(IntCC::UnsignedLessThan, word, n_words);
    let ok = cx.b.ins().band(in_range, known);
    let at = cx.b.ins().iadd(start, word);
    let zw = cx.b.ins().iconst(types::I64, zero_word);
    let idx = cx.b.ins().select(ok, at, zw);
    let off = cx.b.ins().ishl_imm_u(idx, 2);
    let p = cx.b.ins().iadd(cats, off);
    let bits = cx.b.ins().load(types::I32, mem(), p, 0);
    let sh = cx.b.ins().band_imm_u(c, 31);
    let sh = cx.b.ins().ireduce(types::I32, sh);
    let s = cx.b.ins().ushr(bits, sh);
    let bit = cx.b.ins().band_imm_u(s, 1);
    cx.b.ins().ireduce(types::I8, bit)
}
