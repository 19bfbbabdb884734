//! Linear models in generated code, and the link from raw scores to a model node's output.
//!
//! The dot product follows the eager scoring loop exactly, so that compiled scores are
//! bit-identical to the interpreter's: for one output, four lanes accumulate `x[4c + l] *
//! w[4c + l]` (here as two `f64x2` accumulators), then `(a0 + a1) + (a2 + a3)`, then the scalar
//! tail, then the intercept is added; for `k` outputs, each non-zero feature adds `x[j] * w[j, o]`
//! to every output in feature order. Linear models reject non-finite inputs, as the eager
//! models do: a running `x * 0.0` sum is NaN exactly when some input is NaN or infinite.

use cranelift_codegen::ir::condcodes::{FloatCC, IntCC};
use cranelift_codegen::ir::{BlockArg, InstBuilder, Value, types};
use willump_ir::ModelOutput;
use willump_ir::loops::LType;
use willump_runtime::models::Task;

use super::scalar::{BodyCx, CgVal, SparsePart};
use super::{ERR_NON_FINITE, mem};
use crate::models::ModelInfo;

/// Unrolled up to this many 4-feature chunks; longer rows get a loop.
const UNROLL_CHUNKS: usize = 16;

/// Writes the `k` raw scores of `x` (`d` features at `x`) to `scores`.
pub(crate) fn emit(
    cx: &mut BodyCx<'_, '_>,
    stmt: usize,
    x: Value,
    w: &[f64],
    b: &[f64],
    k: usize,
    scores: Value,
) -> Result<(), String> {
    let d = w.len() / k.max(1);
    let wp = cx.consts.f64s(w.to_vec());
    let wptr = cx.b.ins().iconst(types::I64, wp);
    if k == 1 {
        one_output(cx, stmt, x, wptr, d, b[0], scores);
    } else {
        many_outputs(cx, stmt, x, wptr, d, b, scores);
    }
    Ok(())
}

fn one_output(cx: &mut BodyCx<'_, '_>, stmt: usize, x: Value, w: Value, d: usize, b: f64, scores: Value) {
    let chunks = d / 4;
    let zero = cx.b.ins().f64const(0.0);
    let zv = cx.b.ins().splat(types::F64X2, zero);
    let (mut acc_a, mut acc_b, mut bad) = (zv, zv, zv);
    let chunk = |cx: &mut BodyCx<'_, '_>, xp: Value, wp: Value, a: Value, bb: Value, z: Value| {
        let x0 = cx.b.ins().load(types::F64X2, mem(), xp, 0);
        let x1 = cx.b.ins().load(types::F64X2, mem(), xp, 16);
        let w0 = cx.b.ins().load(types::F64X2, mem(), wp, 0);
        let w1 = cx.b.ins().load(types::F64X2, mem(), wp, 16);
        let p0 = cx.b.ins().fmul(x0, w0);
        let p1 = cx.b.ins().fmul(x1, w1);
        let a = cx.b.ins().fadd(a, p0);
        let bb = cx.b.ins().fadd(bb, p1);
        let zero = cx.b.ins().f64const(0.0);
        let zv = cx.b.ins().splat(types::F64X2, zero);
        let z0 = cx.b.ins().fmul(x0, zv);
        let z1 = cx.b.ins().fmul(x1, zv);
        let z = cx.b.ins().fadd(z, z0);
        let z = cx.b.ins().fadd(z, z1);
        (a, bb, z)
    };
    if chunks <= UNROLL_CHUNKS {
        for c in 0..chunks {
            let xp = cx.b.ins().iadd_imm_u(x, (c * 32) as i64);
            let wp = cx.b.ins().iadd_imm_u(w, (c * 32) as i64);
            (acc_a, acc_b, bad) = chunk(cx, xp, wp, acc_a, acc_b, bad);
        }
    } else {
        // for c in 0..chunks, with the accumulators as block parameters
        let head = cx.b.create_block();
        let body = cx.b.create_block();
        let done = cx.b.create_block();
        let c = cx.b.append_block_param(head, types::I64);
        let pa = cx.b.append_block_param(head, types::F64X2);
        let pb = cx.b.append_block_param(head, types::F64X2);
        let pz = cx.b.append_block_param(head, types::F64X2);
        let ra = cx.b.append_block_param(done, types::F64X2);
        let rb = cx.b.append_block_param(done, types::F64X2);
        let rz = cx.b.append_block_param(done, types::F64X2);
        let c0 = cx.b.ins().iconst(types::I64, 0);
        cx.b.ins().jump(head, &[BlockArg::Value(c0), BlockArg::Value(zv), BlockArg::Value(zv), BlockArg::Value(zv)]);
        cx.b.switch_to_block(head);
        let end = cx.b.ins().icmp_imm_u(IntCC::UnsignedGreaterThanOrEqual, c, chunks as i64);
        cx.b.ins().brif(end, done, &[BlockArg::Value(pa), BlockArg::Value(pb), BlockArg::Value(pz)], body, &[]);
        cx.b.switch_to_block(body);
        let off = cx.b.ins().imul_imm_u(c, 32);
        let xp = cx.b.ins().iadd(x, off);
        let wp = cx.b.ins().iadd(w, off);
        let (na, nb, nz) = chunk(cx, xp, wp, pa, pb, pz);
        let c1 = cx.b.ins().iadd_imm_u(c, 1);
        cx.b.ins().jump(head, &[BlockArg::Value(c1), BlockArg::Value(na), BlockArg::Value(nb), BlockArg::Value(nz)]);
        cx.b.switch_to_block(done);
        (acc_a, acc_b, bad) = (ra, rb, rz);
    }
    let a0 = cx.b.ins().extractlane(acc_a, 0);
    let a1 = cx.b.ins().extractlane(acc_a, 1);
    let b0 = cx.b.ins().extractlane(acc_b, 0);
    let b1 = cx.b.ins().extractlane(acc_b, 1);
    let s01 = cx.b.ins().fadd(a0, a1);
    let s23 = cx.b.ins().fadd(b0, b1);
    let mut s = cx.b.ins().fadd(s01, s23);
    let z0 = cx.b.ins().extractlane(bad, 0);
    let z1 = cx.b.ins().extractlane(bad, 1);
    let mut z = cx.b.ins().fadd(z0, z1);
    for j in 4 * chunks..d {
        let xj = cx.b.ins().load(types::F64, mem(), x, (j * 8) as i32);
        let wj = cx.b.ins().load(types::F64, mem(), w, (j * 8) as i32);
        let p = cx.b.ins().fmul(xj, wj);
        s = cx.b.ins().fadd(s, p);
        let zj = cx.b.ins().fmul(xj, zero);
        z = cx.b.ins().fadd(z, zj);
    }
    let is_bad = cx.b.ins().fcmp(FloatCC::Unordered, z, z);
    cx.fail_if(is_bad, stmt, ERR_NON_FINITE);
    let bc = cx.b.ins().f64const(b);
    let o = cx.b.ins().fadd(bc, s);
    cx.b.ins().store(mem(), o, scores, 0);
}

/// Writes the `k` raw scores of a sparse row made of `parts` to `scores`, as the eager scoring
/// loop does on the stacked CSR row: entries in column order of the parts, zeros of dense parts
/// not entries; one output sums into a running total and adds the intercept last, `k` outputs
/// start at the intercepts. Accumulators live in scratch (`k` scores and the finiteness sum), so
/// text parts (a Rust kernel) add to the same totals.
pub(crate) fn emit_sparse(
    cx: &mut BodyCx<'_, '_>,
    stmt: usize,
    parts: &[SparsePart],
    w: &[f64],
    b: &[f64],
    k: usize,
    scores: Value,
) {
    let wp = cx.consts.f64s(w.to_vec());
    let off = cx.layout_scratch((k + 1) * 8);
    let acc = cx.scratch_at(off);
    for (o, &bo) in b.iter().enumerate().take(k) {
        let init = if k == 1 { 0.0 } else { bo };
        let v = cx.b.ins().f64const(init);
        cx.b.ins().store(mem(), v, acc, (o * 8) as i32);
    }
    let zero = cx.b.ins().f64const(0.0);
    cx.b.ins().store(mem(), zero, acc, (k * 8) as i32);
    for part in parts {
        match *part {
            SparsePart::Csr { idx, val, nnz, offset } => {
                let wv = cx.b.ins().iconst(types::I64, wp + (offset * k * 8) as i64);
                entries_into(cx, acc, k, nnz, wv, |cx, e| {
                    let io = cx.b.ins().ishl_imm_u(e, 2);
                    let ip = cx.b.ins().iadd(idx, io);
                    let j = cx.b.ins().uload32(mem(), ip, 0);
                    let vo = cx.b.ins().ishl_imm_u(e, 3);
                    let vp = cx.b.ins().iadd(val, vo);
                    (j, cx.b.ins().load(types::F64, mem(), vp, 0), None)
                });
            }
            SparsePart::Dense { ptr, n, offset } => {
                let wv = cx.b.ins().iconst(types::I64, wp + (offset * k * 8) as i64);
                let count = cx.b.ins().iconst(types::I64, n as i64);
                entries_into(cx, acc, k, count, wv, |cx, e| {
                    let vo = cx.b.ins().ishl_imm_u(e, 3);
                    let vp = cx.b.ins().iadd(ptr, vo);
                    let v = cx.b.ins().load(types::F64, mem(), vp, 0);
                    let zero = cx.b.ins().f64const(0.0);
                    let entry = cx.b.ins().fcmp(FloatCC::NotEqual, v, zero);
                    (e, v, Some(entry))
                });
            }
            SparsePart::Scalar { v, offset } => {
                let wv = cx.b.ins().iconst(types::I64, wp + (offset * k * 8) as i64);
                let one = cx.b.ins().iconst(types::I64, 1);
                entries_into(cx, acc, k, one, wv, |cx, e| {
                    let zero = cx.b.ins().f64const(0.0);
                    let entry = cx.b.ins().fcmp(FloatCC::NotEqual, v, zero);
                    (e, v, Some(entry))
                });
            }
            SparsePart::Text { kernel, slot, ptr, len, valid, offset } => {
                let addr = cx.kernels.values().find(|(i, _)| *i == kernel).map_or(0, |&(_, a)| a);
                let kv = cx.b.ins().iconst(types::I64, addr);
                let sp = cx.b.ins().load(types::I64, mem(), cx.scratch, slot as i32);
                let wv = cx.b.ins().iconst(types::I64, wp + (offset * k * 8) as i64);
                let valid = cx.b.ins().uextend(types::I64, valid);
                let kk = cx.b.ins().iconst(types::I64, k as i64);
                cx.call("willump_text_scores", &[kv, sp, ptr, len, valid, wv, kk, acc]);
            }
        }
    }
    let z = cx.b.ins().load(types::F64, mem(), acc, (k * 8) as i32);
    let is_bad = cx.b.ins().fcmp(FloatCC::Unordered, z, z);
    cx.fail_if(is_bad, stmt, ERR_NON_FINITE);
    if k == 1 {
        let s = cx.b.ins().load(types::F64, mem(), acc, 0);
        let bc = cx.b.ins().f64const(b[0]);
        let o = cx.b.ins().fadd(bc, s);
        cx.b.ins().store(mem(), o, scores, 0);
    } else {
        for o in 0..k {
            let s = cx.b.ins().load(types::F64, mem(), acc, (o * 8) as i32);
            cx.b.ins().store(mem(), s, scores, (o * 8) as i32);
        }
    }
}

/// A loop over `count` entries adding `v * w[j * k + o]` to the accumulators at `acc` (and
/// `v * 0.0` to the finiteness sum); `entry(e)` gives entry `e`'s column, value, and whether it is
/// an entry at all (dense zeros are not).
fn entries_into(
    cx: &mut BodyCx<'_, '_>,
    acc: Value,
    k: usize,
    count: Value,
    w: Value,
    entry: impl FnOnce(&mut BodyCx<'_, '_>, Value) -> (Value, Value, Option<Value>),
) {
    let head = cx.b.create_block();
    let body = cx.b.create_block();
    let done = cx.b.create_block();
    let e = cx.b.append_block_param(head, types::I64);
    let accs: Vec<Value> = (0..=k).map(|_| cx.b.append_block_param(head, types::F64)).collect();
    let outs: Vec<Value> = (0..=k).map(|_| cx.b.append_block_param(done, types::F64)).collect();
    let e0 = cx.b.ins().iconst(types::I64, 0);
    let mut init = vec![BlockArg::Value(e0)];
    for o in 0..=k {
        init.push(BlockArg::Value(cx.b.ins().load(types::F64, mem(), acc, (o * 8) as i32)));
    }
    cx.b.ins().jump(head, &init);
    cx.b.switch_to_block(head);
    let end = cx.b.ins().icmp(IntCC::UnsignedGreaterThanOrEqual, e, count);
    let pass: Vec<BlockArg> = accs.iter().map(|&a| BlockArg::Value(a)).collect();
    cx.b.ins().brif(end, done, &pass, body, &[]);
    cx.b.switch_to_block(body);
    let (j, v, is_entry) = entry(cx, e);
    let wo = cx.b.ins().imul_imm_u(j, (k * 8) as i64);
    let wrow = cx.b.ins().iadd(w, wo);
    let e1 = cx.b.ins().iadd_imm_u(e, 1);
    let mut next = vec![BlockArg::Value(e1)];
    let zero = cx.b.ins().f64const(0.0);
    for (o, &a) in accs.iter().enumerate() {
        let p = if o < k {
            let wv = cx.b.ins().load(types::F64, mem(), wrow, (o * 8) as i32);
            cx.b.ins().fmul(v, wv)
        } else {
            cx.b.ins().fmul(v, zero)
        };
        let sum = cx.b.ins().fadd(a, p);
        next.push(BlockArg::Value(match is_entry {
            Some(c) => cx.b.ins().select(c, sum, a),
            None => sum,
        }));
    }
    cx.b.ins().jump(head, &next);
    cx.b.switch_to_block(done);
    for (o, &v) in outs.iter().enumerate() {
        cx.b.ins().store(mem(), v, acc, (o * 8) as i32);
    }
}

fn many_outputs(cx: &mut BodyCx<'_, '_>, stmt: usize, x: Value, w: Value, d: usize, b: &[f64], scores: Value) {
    let k = b.len();
    // for j in 0..d, with the k scores and the finiteness sum as block parameters
    let head = cx.b.create_block();
    let body = cx.b.create_block();
    let done = cx.b.create_block();
    let j = cx.b.append_block_param(head, types::I64);
    let accs: Vec<Value> = (0..=k).map(|_| cx.b.append_block_param(head, types::F64)).collect();
    let outs: Vec<Value> = (0..=k).map(|_| cx.b.append_block_param(done, types::F64)).collect();
    let j0 = cx.b.ins().iconst(types::I64, 0);
    let mut init = vec![BlockArg::Value(j0)];
    for &bo in b {
        init.push(BlockArg::Value(cx.b.ins().f64const(bo)));
    }
    init.push(BlockArg::Value(cx.b.ins().f64const(0.0)));
    cx.b.ins().jump(head, &init);
    cx.b.switch_to_block(head);
    let end = cx.b.ins().icmp_imm_u(IntCC::UnsignedGreaterThanOrEqual, j, d as i64);
    let pass: Vec<BlockArg> = accs.iter().map(|&a| BlockArg::Value(a)).collect();
    cx.b.ins().brif(end, done, &pass, body, &[]);
    cx.b.switch_to_block(body);
    let xo = cx.b.ins().ishl_imm_u(j, 3);
    let xp = cx.b.ins().iadd(x, xo);
    let v = cx.b.ins().load(types::F64, mem(), xp, 0);
    let zero = cx.b.ins().f64const(0.0);
    let nonzero = cx.b.ins().fcmp(FloatCC::NotEqual, v, zero);
    let wo = cx.b.ins().imul_imm_u(j, (k * 8) as i64);
    let wrow = cx.b.ins().iadd(w, wo);
    let j1 = cx.b.ins().iadd_imm_u(j, 1);
    let mut next = vec![BlockArg::Value(j1)];
    for (o, &acc) in accs.iter().take(k).enumerate() {
        let wv = cx.b.ins().load(types::F64, mem(), wrow, (o * 8) as i32);
        let p = cx.b.ins().fmul(v, wv);
        let sum = cx.b.ins().fadd(acc, p);
        next.push(BlockArg::Value(cx.b.ins().select(nonzero, sum, acc)));
    }
    let zv = cx.b.ins().fmul(v, zero);
    next.push(BlockArg::Value(cx.b.ins().fadd(accs[k], zv)));
    cx.b.ins().jump(head, &next);
    cx.b.switch_to_block(done);
    let is_bad = cx.b.ins().fcmp(FloatCC::Unordered, outs[k], outs[k]);
    cx.fail_if(is_bad, stmt, ERR_NON_FINITE);
    for (o, &s) in outs.iter().take(k).enumerate() {
        cx.b.ins().store(mem(), s, scores, (o * 8) as i32);
    }
}

/// Turns the raw scores at `scores` into the model node's output, as the `Model` trait's
/// default `predict_proba` / `predict` do.
pub(crate) fn link(
    cx: &mut BodyCx<'_, '_>,
    info: &ModelInfo,
    output: ModelOutput,
    scores: Value,
    ty: LType,
) -> Result<CgVal, String> {
    let k = info.task.n_outputs();
    Ok(match output {
        ModelOutput::Raw => CgVal::Vector { ptr: scores, n: k },
        ModelOutput::Proba => match info.task {
            Task::Binary => {
                let s = cx.b.ins().load(types::F64, mem(), scores, 0);
                let p = cx.call("willump_sigmoid", &[s]).expect("sigmoid returns");
                let one = cx.b.ins().f64const(1.0);
                let q = cx.b.ins().fsub(one, p);
                let off = cx.layout_scratch(16);
                let out = cx.scratch_at(off);
                cx.b.ins().store(mem(), q, out, 0);
                cx.b.ins().store(mem(), p, out, 8);
                CgVal::Vector { ptr: out, n: 2 }
            }
            Task::MultiClass { n_classes } => {
                let n = cx.b.ins().iconst(types::I64, n_classes as i64);
                cx.call("willump_softmax", &[scores, n]);
                CgVal::Vector { ptr: scores, n: n_classes }
            }
            Task::Regression => return Err(format!("{}: a regression model has no probabilities", info.name)),
        },
        ModelOutput::Predict => {
            if ty != LType::F64 {
                return Err("predict yields an f64".into());
            }
            let v = match info.task {
                Task::Regression => cx.b.ins().load(types::F64, mem(), scores, 0),
                Task::Binary => {
                    let s = cx.b.ins().load(types::F64, mem(), scores, 0);
                    let zero = cx.b.ins().f64const(0.0);
                    let one = cx.b.ins().f64const(1.0);
                    let pos = cx.b.ins().fcmp(FloatCC::GreaterThan, s, zero);
                    cx.b.ins().select(pos, one, zero)
                }
                Task::MultiClass { n_classes } => {
                    let n = cx.b.ins().iconst(types::I64, n_classes as i64);
                    cx.call("willump_argmax", &[scores, n]).expect("argmax returns")
                }
            };
            CgVal::Scalar { v, valid: None, elem: willump_ir::ColumnType::F64 }
        }
    })
}

impl BodyCx<'_, '_> {
    /// Reserves scratch bytes.
    pub(crate) fn layout_scratch(&mut self, bytes: usize) -> usize {
        self.layout.scratch(bytes)
    }
}
