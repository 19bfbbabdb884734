//! Join probes emitted in the loop body, for the index layouts whose lookup is a few
//! instructions ([`crate::join::InlineProbe`]): no helper call, no round trip of the key through
//! scratch. The code computes exactly what [`crate::join::willump_join_lookup`] returns for the
//! same index (the side row, or the miss row), so the gathers after it are unchanged.

use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::{BlockArg, InstBuilder, Value, types};
use willump_ir::types::ColumnType;

use super::mem;
use super::scalar::{BodyCx, CgVal};
use crate::join::{EMPTY_ROW, InlineProbe, K0, K1};

/// The side row (i64) of the one-part key `key` in the index `probe` describes, or `miss`.
pub(crate) fn emit(cx: &mut BodyCx<'_, '_>, probe: InlineProbe, miss: u32, key: CgVal) -> Result<Value, String> {
    let done = cx.b.create_block();
    let row = cx.b.append_block_param(done, types::I64);
    let miss = cx.b.ins().iconst(types::I64, miss as i64);
    match (probe, key) {
        (InlineProbe::Dense { min, rows, len }, CgVal::Scalar { v, valid, elem: ColumnType::I64 }) => {
            // `key - min` wraps for keys far below `min`, and then fails the bound check
            let at = cx.b.ins().iadd_imm_s(v, min.wrapping_neg());
            let inside = cx.b.ins().icmp_imm_u(IntCC::UnsignedLessThan, at, len as i64);
            let go = match valid {
                Some(ok) => cx.b.ins().band(ok, inside),
                None => inside,
            };
            let load = cx.b.create_block();
            cx.b.ins().brif(go, load, &[], done, &[BlockArg::Value(miss)]);
            cx.b.switch_to_block(load);
            let off = cx.b.ins().ishl_imm_u(at, 2);
            let base = cx.b.ins().iconst(types::I64, rows);
            let p = cx.b.ins().iadd(base, off);
            let r = cx.b.ins().uload32(mem(), p, 0);
            cx.b.ins().jump(done, &[BlockArg::Value(r)]);
        }
        (InlineProbe::OneWord { str_part: false, slots, mask }, CgVal::Scalar { v, valid, elem: ColumnType::I64 }) => {
            let hash = cx.b.create_block();
            let k = cx.b.append_block_param(hash, types::I64);
            match valid {
                Some(ok) => cx.b.ins().brif(ok, hash, &[BlockArg::Value(v)], done, &[BlockArg::Value(miss)]),
                None => cx.b.ins().jump(hash, &[BlockArg::Value(v)]),
            };
            cx.b.switch_to_block(hash);
            probe_slots(cx, k, slots, mask, miss, done);
        }
        (InlineProbe::OneWord { str_part: true, slots, mask }, CgVal::Str { ptr, len, valid }) => {
            let hash = cx.b.create_block();
            let k = cx.b.append_block_param(hash, types::I64);
            let word = cx.b.create_block();
            let w = cx.b.append_block_param(word, types::I64);
            // a missing key, or one longer than every side key (at most 7 bytes), misses
            let short = cx.b.ins().icmp_imm_u(IntCC::UnsignedLessThan, len, 8);
            let go = cx.b.ins().band(valid, short);
            let pack = cx.b.create_block();
            cx.b.ins().brif(go, pack, &[], done, &[BlockArg::Value(miss)]);
            // the bytes as a little-endian word, zero padded, never reading past them (as
            // `join::short_word`)
            cx.b.switch_to_block(pack);
            let four = cx.b.create_block();
            let small = cx.b.create_block();
            let big = cx.b.ins().icmp_imm_u(IntCC::UnsignedGreaterThanOrEqual, len, 4);
            cx.b.ins().brif(big, four, &[], small, &[]);
            cx.b.switch_to_block(four);
            let lo = cx.b.ins().uload32(mem(), ptr, 0);
            let end = cx.b.ins().iadd(ptr, len);
            let hi = cx.b.ins().uload32(mem(), end, -4);
            let sh = cx.b.ins().iadd_imm_s(len, -4);
            let sh = cx.b.ins().ishl_imm_u(sh, 3);
            let hi = cx.b.ins().ishl(hi, sh);
            let x = cx.b.ins().bor(lo, hi);
            cx.b.ins().jump(word, &[BlockArg::Value(x)]);
            cx.b.switch_to_block(small);
            let bytes = cx.b.create_block();
            let zero = cx.b.ins().iconst(types::I64, 0);
            let empty = cx.b.ins().icmp_imm_u(IntCC::Equal, len, 0);
            cx.b.ins().brif(empty, word, &[BlockArg::Value(zero)], bytes, &[]);
            cx.b.switch_to_block(bytes);
            let first = cx.b.ins().uload8(types::I64, mem(), ptr, 0);
            let half = cx.b.ins().ushr_imm_u(len, 1);
            let mp = cx.b.ins().iadd(ptr, half);
            let mid = cx.b.ins().uload8(types::I64, mem(), mp, 0);
            let msh = cx.b.ins().ishl_imm_u(half, 3);
            let mid = cx.b.ins().ishl(mid, msh);
            let end = cx.b.ins().iadd(ptr, len);
            let last = cx.b.ins().uload8(types::I64, mem(), end, -1);
            let lsh = cx.b.ins().iadd_imm_s(len, -1);
            let lsh = cx.b.ins().ishl_imm_u(lsh, 3);
            let last = cx.b.ins().ishl(last, lsh);
            let x = cx.b.ins().bor(first, mid);
            let x = cx.b.ins().bor(x, last);
            cx.b.ins().jump(word, &[BlockArg::Value(x)]);
            // the length in the last byte
            cx.b.switch_to_block(word);
            let tag = cx.b.ins().ishl_imm_u(len, 56);
            let key = cx.b.ins().bor(w, tag);
            cx.b.ins().jump(hash, &[BlockArg::Value(key)]);
            cx.b.switch_to_block(hash);
            probe_slots(cx, k, slots, mask, miss, done);
        }
        (p, k) => return Err(format!("an inline probe {p:?} cannot take the key {k:?}")),
    }
    cx.b.switch_to_block(done);
    Ok(row)
}

/// Open addressing from the slot of `key`'s hash until its slot (jump to `done` with the row) or
/// an empty slot (jump to `done` with `miss`).
fn probe_slots(
    cx: &mut BodyCx<'_, '_>,
    key: Value,
    slots: i64,
    mask: u64,
    miss: Value,
    done: cranelift_codegen::ir::Block,
) {
    // `packed_hash` of one word: mix(K1 ^ key), mix(a) = the halves of (a ^ K0) * K1 xored
    let x = cx.b.ins().bxor_imm_u(key, (K1 ^ K0) as i64);
    let k1 = cx.b.ins().iconst(types::I64, K1 as i64);
    let lo = cx.b.ins().imul(x, k1);
    let hi = cx.b.ins().umulhi(x, k1);
    let h = cx.b.ins().bxor(lo, hi);
    let start = cx.b.ins().band_imm_u(h, mask as i64);
    let head = cx.b.create_block();
    let i = cx.b.append_block_param(head, types::I64);
    let compare = cx.b.create_block();
    let next = cx.b.create_block();
    cx.b.ins().jump(head, &[BlockArg::Value(start)]);
    cx.b.switch_to_block(head);
    let off = cx.b.ins().ishl_imm_u(i, 4);
    let base = cx.b.ins().iconst(types::I64, slots);
    let p = cx.b.ins().iadd(base, off);
    let r = cx.b.ins().load(types::I64, mem(), p, 8);
    let empty = cx.b.ins().icmp_imm_u(IntCC::Equal, r, EMPTY_ROW as i64);
    cx.b.ins().brif(empty, done, &[BlockArg::Value(miss)], compare, &[]);
    cx.b.switch_to_block(compare);
    let k = cx.b.ins().load(types::I64, mem(), p, 0);
    let same = cx.b.ins().icmp(IntCC::Equal, k, key);
    cx.b.ins().brif(same, done, &[BlockArg::Value(r)], next, &[]);
    cx.b.switch_to_block(next);
    let i1 = cx.b.ins().iadd_imm_u(i, 1);
    let i1 = cx.b.ins().band_imm_u(i1, mask as i64);
    cx.b.ins().jump(head, &[BlockArg::Value(i1)]);
}
