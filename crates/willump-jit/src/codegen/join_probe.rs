//! Join probes emitted in the loop body, for the index layouts whose lookup is a few
//! instructions ([`crate::join::InlineProbe`]) and for composite keys by per-part dictionaries
//! ([`crate::join::InlineParts`]): no helper call, no round trip of the key through scratch. The code computes exactly what [`crate::join::willump_join_lookup`] returns for the
//! same index (the side row, or the miss row), so the gathers after it are unchanged.

use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::{Block, BlockArg, InstBuilder, Value, types};
use willump_ir::types::ColumnType;

use super::mem;
use super::scalar::{BodyCx, CgVal};
use crate::join::{EMPTY_ROW, InlineDict, InlinePart, InlineParts, InlineProbe, K0, K1};

/// The side row (i64) of the one-part key `key` in the index `probe` describes, or `miss`.
pub(crate) fn emit(cx: &mut BodyCx<'_, '_>, probe: InlineProbe, miss: u32, key: CgVal) -> Result<Value, String> {
    let done = cx.b.create_block();
    let row = cx.b.append_block_param(done, types::I64);
    let miss = cx.b.ins().iconst(types::I64, miss as i64);
    match (probe, key) {
        (InlineProbe::Dense { min, rows, len }, CgVal::Scalar { v, valid, elem: ColumnType::I64 }) => {
            if let Some(ok) = valid {
                present(cx, ok, miss, done);
            }
            dense_u32(cx, v, min, rows, len, miss, done);
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
            cx.b.switch_to_block(pack);
            let x = short_word(cx, ptr, len);
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

/// Continues where `ok` (an i8) holds; jumps to `done` with `miss` otherwise (a missing key part).
fn present(cx: &mut BodyCx<'_, '_>, ok: Value, miss: Value, done: Block) {
    let go = cx.b.create_block();
    cx.b.ins().brif(ok, go, &[], done, &[BlockArg::Value(miss)]);
    cx.b.switch_to_block(go);
}

/// Jumps to `out` with `table[v - min]` (`len` u32s at address `table`), or with `absent` when
/// `v - min` is outside the table.
fn dense_u32(cx: &mut BodyCx<'_, '_>, v: Value, min: i64, table: i64, len: u64, absent: Value, out: Block) {
    // `v - min` wraps for values far below `min`, and then fails the bound check
    let at = cx.b.ins().iadd_imm_s(v, min.wrapping_neg());
    let inside = cx.b.ins().icmp_imm_u(IntCC::UnsignedLessThan, at, len as i64);
    let load = cx.b.create_block();
    cx.b.ins().brif(inside, load, &[], out, &[BlockArg::Value(absent)]);
    cx.b.switch_to_block(load);
    let off = cx.b.ins().ishl_imm_u(at, 2);
    let base = cx.b.ins().iconst(types::I64, table);
    let p = cx.b.ins().iadd(base, off);
    let r = cx.b.ins().uload32(mem(), p, 0);
    cx.b.ins().jump(out, &[BlockArg::Value(r)]);
}

/// The bytes at `ptr` (`len < 8` of them) as a little-endian word, zero padded, never reading
/// past them (as `join::short_word`); the builder continues in a block where the word is known.
fn short_word(cx: &mut BodyCx<'_, '_>, ptr: Value, len: Value) -> Value {
    let word = cx.b.create_block();
    let w = cx.b.append_block_param(word, types::I64);
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
    cx.b.switch_to_block(word);
    w
}

/// The string at `ptr` (`len < 8 * n` bytes) packed into `n` words as `join::pack_str` packs it:
/// its bytes little-endian, zero padded, the length in the last byte. One block per count of
/// whole words (`len / 8`), each straight-line; the builder continues where the words are known.
fn pack_str(cx: &mut BodyCx<'_, '_>, ptr: Value, len: Value, n: usize) -> Vec<Value> {
    let merge = cx.b.create_block();
    let out: Vec<Value> = (0..n).map(|_| cx.b.append_block_param(merge, types::I64)).collect();
    let full = cx.b.ins().ushr_imm_u(len, 3);
    for f in 0..n {
        let this = cx.b.create_block();
        let next = (f + 1 < n).then(|| cx.b.create_block());
        match next {
            Some(next) => {
                let is = cx.b.ins().icmp_imm_u(IntCC::Equal, full, f as i64);
                cx.b.ins().brif(is, this, &[], next, &[]);
            }
            None => {
                cx.b.ins().jump(this, &[]);
            }
        }
        cx.b.switch_to_block(this);
        let mut words = Vec::with_capacity(n);
        for j in 0..f {
            words.push(cx.b.ins().load(types::I64, mem(), ptr, (8 * j) as i32));
        }
        // the tail's bytes: below 8 bytes in all, the short word; else the last 8 bytes shifted
        // down to the tail's (none when the length is a multiple of 8)
        let tail = if f == 0 {
            short_word(cx, ptr, len)
        } else {
            let end = cx.b.ins().iadd(ptr, len);
            let last8 = cx.b.ins().load(types::I64, mem(), end, -8);
            let r = cx.b.ins().band_imm_u(len, 7);
            let r8 = cx.b.ins().ishl_imm_u(r, 3);
            let sixty_four = cx.b.ins().iconst(types::I64, 64);
            let sh = cx.b.ins().isub(sixty_four, r8);
            let t = cx.b.ins().ushr(last8, sh);
            let zero = cx.b.ins().iconst(types::I64, 0);
            let none = cx.b.ins().icmp_imm_u(IntCC::Equal, r, 0);
            cx.b.ins().select(none, zero, t)
        };
        words.push(tail);
        while words.len() < n {
            words.push(cx.b.ins().iconst(types::I64, 0));
        }
        let args: Vec<BlockArg> = words.into_iter().map(BlockArg::Value).collect();
        cx.b.ins().jump(merge, &args);
        if let Some(next) = next {
            cx.b.switch_to_block(next);
        }
    }
    cx.b.switch_to_block(merge);
    let tag = cx.b.ins().ishl_imm_u(len, 56);
    let mut out = out;
    out[n - 1] = cx.b.ins().bor(out[n - 1], tag);
    out
}

/// `join::packed_hash` of `words`: `h = mix(h ^ w)` from `K1`, where `mix(a)` xors the halves
/// of the 128-bit product `(a ^ K0) * K1`.
fn packed_hash(cx: &mut BodyCx<'_, '_>, words: &[Value]) -> Value {
    let k1 = cx.b.ins().iconst(types::I64, K1 as i64);
    let mut h = None;
    for &w in words {
        // the first word's `K1 ^ w ^ K0` folds into one xor with a constant
        let x = match h {
            None => cx.b.ins().bxor_imm_u(w, (K1 ^ K0) as i64),
            Some(h) => {
                let a = cx.b.ins().bxor(h, w);
                cx.b.ins().bxor_imm_u(a, K0 as i64)
            }
        };
        let lo = cx.b.ins().imul(x, k1);
        let hi = cx.b.ins().umulhi(x, k1);
        h = Some(cx.b.ins().bxor(lo, hi));
    }
    h.unwrap_or_else(|| cx.b.ins().iconst(types::I64, K1 as i64))
}

/// Whether the `words.len()` words at `p + off` equal `words`, as an i8.
fn same_words(cx: &mut BodyCx<'_, '_>, p: Value, off: i32, words: &[Value]) -> Value {
    let mut d = cx.b.ins().iconst(types::I64, 0);
    for (j, &w) in words.iter().enumerate() {
        let x = cx.b.ins().load(types::I64, mem(), p, off + 8 * j as i32);
        let x = cx.b.ins().bxor(x, w);
        d = cx.b.ins().bor(d, x);
    }
    cx.b.ins().icmp_imm_u(IntCC::Equal, d, 0)
}

/// The side row (i64) of the composite key `keys` in the per-part index `probe` describes, or
/// `miss` (see [`crate::join::InlineParts`]); `cache` is the address of the probe's cache area.
pub(crate) fn emit_parts(
    cx: &mut BodyCx<'_, '_>,
    probe: &InlineParts,
    miss: u32,
    keys: &[CgVal],
    cache: Value,
) -> Result<Value, String> {
    if keys.len() != probe.parts.len() {
        return Err(format!("{} key parts for an index of {}", keys.len(), probe.parts.len()));
    }
    let done = cx.b.create_block();
    let row = cx.b.append_block_param(done, types::I64);
    let miss = cx.b.ins().iconst(types::I64, miss as i64);
    let mut at = cx.b.ins().iconst(types::I64, 0);
    for (p, (part, key)) in probe.parts.iter().zip(keys).enumerate() {
        let id = part_id(cx, p, part, key.clone(), cache, miss, done)?;
        // a value no side row has misses
        let known = cx.b.ins().icmp_imm_u(IntCC::UnsignedLessThan, id, part.n_values as i64);
        let next = cx.b.create_block();
        cx.b.ins().brif(known, next, &[], done, &[BlockArg::Value(miss)]);
        cx.b.switch_to_block(next);
        let scaled = cx.b.ins().imul_imm_u(id, part.stride as i64);
        at = cx.b.ins().iadd(at, scaled);
    }
    let off = cx.b.ins().ishl_imm_u(at, 2);
    let base = cx.b.ins().iconst(types::I64, probe.rows);
    let p = cx.b.ins().iadd(base, off);
    let r = cx.b.ins().uload32(mem(), p, 0);
    cx.b.ins().jump(done, &[BlockArg::Value(r)]);
    cx.b.switch_to_block(done);
    Ok(row)
}

/// The id (i64) of part `p`'s value `key` in its dictionary, `n_values` for a value no side row
/// has; a missing value jumps to `done` with `miss`.
fn part_id(
    cx: &mut BodyCx<'_, '_>,
    p: usize,
    part: &InlinePart,
    key: CgVal,
    cache: Value,
    miss: Value,
    done: cranelift_codegen::ir::Block,
) -> Result<Value, String> {
    let n_values = cx.b.ins().iconst(types::I64, part.n_values as i64);
    let found = cx.b.create_block();
    let id = cx.b.append_block_param(found, types::I64);
    match (part.dict, key) {
        (InlineDict::Dense { min, ids, len }, CgVal::Scalar { v, valid, elem: ColumnType::I64 }) => {
            if let Some(ok) = valid {
                present(cx, ok, miss, done);
            }
            dense_u32(cx, v, min, ids, len, n_values, found);
        }
        (InlineDict::Packed { str_part, words: n, slots, mask }, key) => {
            let words = match (str_part, key) {
                (false, CgVal::Scalar { v, valid, elem: ColumnType::I64 }) => {
                    if let Some(ok) = valid {
                        present(cx, ok, miss, done);
                    }
                    vec![v]
                }
                (true, CgVal::Str { ptr, len, valid }) => {
                    present(cx, valid, miss, done);
                    // longer than every side value: no side row has it
                    let fits = cx.b.ins().icmp_imm_u(IntCC::UnsignedLessThan, len, (8 * n) as i64);
                    let pack = cx.b.create_block();
                    cx.b.ins().brif(fits, pack, &[], found, &[BlockArg::Value(n_values)]);
                    cx.b.switch_to_block(pack);
                    pack_str(cx, ptr, len, n)
                }
                (_, k) => return Err(format!("a dictionary {:?} cannot take the key part {k:?}", part.dict)),
            };
            // the part's recent values and ids, in a direct-mapped memo in the cache area,
            // indexed by the hash's top bits (the dictionary uses its low bits)
            let h = packed_hash(cx, &words);
            let memo = crate::join::inline_part_memo(p, n);
            let ids_at = memo.offset as i64;
            let words_at = (memo.offset + 8 * memo.entries) as i64;
            // the loop call's first probe empties the memo (its ids: 0 is an empty entry)
            let inited = cx.b.ins().load(types::I64, mem(), cache, (8 * p) as i32);
            let clear = cx.b.create_block();
            let go = cx.b.create_block();
            cx.b.ins().brif(inited, go, &[], clear, &[]);
            cx.b.switch_to_block(clear);
            let zero = cx.b.ins().iconst(types::I64, 0);
            for e in 0..memo.entries {
                cx.b.ins().store(mem(), zero, cache, (memo.offset + 8 * e) as i32);
            }
            let one = cx.b.ins().iconst(types::I64, 1);
            cx.b.ins().store(mem(), one, cache, (8 * p) as i32);
            cx.b.ins().jump(go, &[]);
            cx.b.switch_to_block(go);
            let e = cx.b.ins().ushr_imm_u(h, (64 - memo.entries.trailing_zeros()) as i64);
            let id_off = cx.b.ins().ishl_imm_u(e, 3);
            let id_p = cx.b.ins().iadd(cache, id_off);
            let held = cx.b.ins().load(types::I64, mem(), id_p, ids_at as i32);
            let w_off = cx.b.ins().imul_imm_u(e, (8 * n) as i64);
            let w_p = cx.b.ins().iadd(cache, w_off);
            let compare = cx.b.create_block();
            let lookup = cx.b.create_block();
            cx.b.ins().brif(held, compare, &[], lookup, &[]);
            cx.b.switch_to_block(compare);
            let same = same_words(cx, w_p, words_at as i32, &words);
            let hit = cx.b.create_block();
            cx.b.ins().brif(same, hit, &[], lookup, &[]);
            cx.b.switch_to_block(hit);
            let r = cx.b.ins().iadd_imm_s(held, -1);
            cx.b.ins().jump(found, &[BlockArg::Value(r)]);
            cx.b.switch_to_block(lookup);
            let got = cx.b.create_block();
            let r = cx.b.append_block_param(got, types::I64);
            probe_words(cx, &words, h, slots, mask, n_values, got);
            cx.b.switch_to_block(got);
            for (j, &w) in words.iter().enumerate() {
                cx.b.ins().store(mem(), w, w_p, (words_at + 8 * j as i64) as i32);
            }
            let r1 = cx.b.ins().iadd_imm_s(r, 1);
            cx.b.ins().store(mem(), r1, id_p, ids_at as i32);
            cx.b.ins().jump(found, &[BlockArg::Value(r)]);
        }
        (d, k) => return Err(format!("a dictionary {d:?} cannot take the key part {k:?}")),
    }
    cx.b.switch_to_block(found);
    Ok(id)
}

/// Open addressing over slots of `words.len() + 1` words from the slot of hash `h`: jumps to
/// `got` with the slot's row on a match, with `absent` at an empty slot.
fn probe_words(cx: &mut BodyCx<'_, '_>, words: &[Value], h: Value, slots: i64, mask: u64, absent: Value, got: Block) {
    let n = words.len();
    let start = cx.b.ins().band_imm_u(h, mask as i64);
    let head = cx.b.create_block();
    let i = cx.b.append_block_param(head, types::I64);
    let compare = cx.b.create_block();
    let next = cx.b.create_block();
    cx.b.ins().jump(head, &[BlockArg::Value(start)]);
    cx.b.switch_to_block(head);
    let stride = 8 * (n + 1);
    let off = if stride.is_power_of_two() {
        cx.b.ins().ishl_imm_u(i, stride.trailing_zeros() as i64)
    } else {
        cx.b.ins().imul_imm_u(i, stride as i64)
    };
    let base = cx.b.ins().iconst(types::I64, slots);
    let p = cx.b.ins().iadd(base, off);
    let r = cx.b.ins().load(types::I64, mem(), p, (8 * n) as i32);
    let empty = cx.b.ins().icmp_imm_u(IntCC::Equal, r, EMPTY_ROW as i64);
    cx.b.ins().brif(empty, got, &[BlockArg::Value(absent)], compare, &[]);
    cx.b.switch_to_block(compare);
    let same = same_words(cx, p, 0, words);
    cx.b.ins().brif(same, got, &[BlockArg::Value(r)], next, &[]);
    cx.b.switch_to_block(next);
    let i1 = cx.b.ins().iadd_imm_u(i, 1);
    let i1 = cx.b.ins().band_imm_u(i1, mask as i64);
    cx.b.ins().jump(head, &[BlockArg::Value(i1)]);
}

/// Open addressing from the slot of the one-word `key`'s hash until its slot (jump to `done`
/// with the row) or an empty slot (jump to `done` with `miss`).
fn probe_slots(cx: &mut BodyCx<'_, '_>, key: Value, slots: i64, mask: u64, miss: Value, done: Block) {
    let h = packed_hash(cx, &[key]);
    probe_words(cx, &[key], h, slots, mask, miss, done);
}
