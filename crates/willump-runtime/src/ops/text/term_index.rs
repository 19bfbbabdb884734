//! A term -> id hash index tuned for the vectorizers' hot loop: looking up millions of short
//! `&str` slices (words, character n-grams) per second with no allocation.
//!
//! Terms live back to back in one text arena; the table is open addressing with linear probing
//! over 16-byte slots, kept at most half full. A term of at most 7 bytes (most character n-grams
//! and many words) is stored in its slot packed into a `u64`, so looking it up is one hash
//! multiply and one cache line, with no byte compare; a longer term's slot holds 56 bits of its
//! hash, confirmed by one compare against the arena. Hashes are folded 64x64->128-bit
//! multiplies over the bytes read as words. They are not randomized: inputs crafted to collide
//! slow the index down (never change its answers).

/// Mixing constants (odd, with well spread bits).
const K0: u64 = 0x9E37_79B9_7F4A_7C15;
const K1: u64 = 0xD6E8_FEB8_6659_FD93;
const K2: u64 = 0xA076_1D64_78BD_642F;

/// The high and low halves of the 128-bit product, xored.
#[inline(always)]
fn fold_mul(a: u64, b: u64) -> u64 {
    let p = (a as u128).wrapping_mul(b as u128);
    (p as u64) ^ ((p >> 64) as u64)
}

#[inline(always)]
fn read8(b: &[u8], i: usize) -> u64 {
    let mut w = [0u8; 8];
    w.copy_from_slice(&b[i..i + 8]);
    u64::from_le_bytes(w)
}

#[inline(always)]
fn read4(b: &[u8], i: usize) -> u64 {
    let mut w = [0u8; 4];
    w.copy_from_slice(&b[i..i + 4]);
    u32::from_le_bytes(w) as u64
}

/// The hash of a term of 8 bytes or more (shorter terms hash their packed key).
#[inline]
fn hash_long(b: &[u8]) -> u64 {
    let len = b.len();
    let (x, y) = if len <= 16 {
        (read8(b, 0), read8(b, len - 8))
    } else {
        let mut acc = K2;
        let mut i = 0;
        while i + 16 < len {
            acc = fold_mul(read8(b, i) ^ K0, read8(b, i + 8) ^ acc);
            i += 16;
        }
        (read8(b, len - 16) ^ acc, read8(b, len - 8))
    };
    fold_mul(x ^ K0 ^ (len as u64).rotate_left(32), y ^ K1)
}

/// A term of at most 7 bytes packed into a `u64`: its bytes (little-endian) and its length in
/// the top byte, so that two short terms are equal exactly when their keys are.
#[inline(always)]
fn pack_short(b: &[u8]) -> u64 {
    let len = b.len();
    let bytes = if len >= 4 {
        read4(b, 0) | read4(b, len - 4) << (8 * (len - 4))
    } else if len > 0 {
        // overlapping single-byte reads write the same byte to the same place
        b[0] as u64 | (b[len / 2] as u64) << (8 * (len / 2)) | (b[len - 1] as u64) << (8 * (len - 1))
    } else {
        0
    };
    bytes | (len as u64) << 56
}

/// The slot key and the hash of a term: a short term's key is the term itself (no byte compare
/// needed on a hit); a long term's key is its hash with the top byte set to `0xFF` (never a short
/// term's key, whose top byte is its length, at most 7), confirmed by a byte compare.
#[inline(always)]
fn key_and_hash(b: &[u8]) -> (u64, u64) {
    if b.len() <= 7 {
        let k = pack_short(b);
        (k, fold_mul(k ^ K0, K1))
    } else {
        let h = hash_long(b);
        (h | 0xFF << 56, h)
    }
}

/// The 64-bit hash of a term's bytes (the one the index uses).
#[cfg(test)]
pub(crate) fn hash_term(b: &[u8]) -> u64 {
    key_and_hash(b).1
}

/// A term's slot key and hash, computed once (see [`TermIndex::prefetch`]).
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Hashed {
    key: u64,
    h: u64,
}

/// The key and hash of `term`.
#[inline(always)]
pub(crate) fn hashed(term: &str) -> Hashed {
    let (key, h) = key_and_hash(term.as_bytes());
    Hashed { key, h }
}

/// The key and hash of the term `text[s..e]`, equal to [`hashed`] of that slice. A short term
/// with 8 readable bytes from its start is packed with one unaligned load and a mask (the common
/// case for character n-grams and words inside a document).
#[inline(always)]
pub(crate) fn hashed_span(text: &[u8], s: usize, e: usize) -> Hashed {
    let len = e - s;
    if len <= 7 && s + 8 <= text.len() {
        let key = (read8(text, s) & ((1u64 << (8 * len)) - 1)) | (len as u64) << 56;
        Hashed { key, h: fold_mul(key ^ K0, K1) }
    } else {
        let (key, h) = key_and_hash(&text[s..e]);
        Hashed { key, h }
    }
}

/// Equality of two byte strings, with a branch-light path for 8 to 16 bytes (the long words).
#[inline(always)]
fn bytes_eq(a: &[u8], b: &[u8]) -> bool {
    let len = a.len();
    if len != b.len() {
        return false;
    }
    if (8..=16).contains(&len) { read8(a, 0) == read8(b, 0) && read8(a, len - 8) == read8(b, len - 8) } else { a == b }
}

/// One table slot: a term's key and its id + 1 (0 when empty). 16 bytes, so a probe touches
/// one cache line and a hit on a short term touches nothing else.
#[derive(Debug, Clone, Copy, Default)]
#[repr(C, align(16))]
struct Slot {
    key: u64,
    id1: u32,
}

/// Terms and their ids (`0..len`, in insertion order), with lookup by `&str`.
#[derive(Debug, Clone)]
pub(crate) struct TermIndex {
    /// Every term's text, back to back.
    arena: String,
    /// `len + 1` offsets: term `i` is `arena[starts[i]..starts[i + 1]]`.
    starts: Vec<usize>,
    /// Open addressing with linear probing; a power-of-two length at least twice `len`.
    slots: Vec<Slot>,
    /// `64 - log2(slots.len())`: the home slot of hash `h` is `h >> shift`.
    shift: u32,
}

impl Default for TermIndex {
    fn default() -> Self {
        Self::with_capacity(0)
    }
}

impl TermIndex {
    /// An empty index with room for `n` terms before it grows.
    pub(crate) fn with_capacity(n: usize) -> Self {
        let slots = (2 * n).next_power_of_two().max(16);
        let mut starts = Vec::with_capacity(n + 1);
        starts.push(0);
        TermIndex {
            arena: String::new(),
            starts,
            slots: vec![Slot::default(); slots],
            shift: 64 - slots.trailing_zeros(),
        }
    }

    /// Number of terms.
    #[inline]
    pub(crate) fn len(&self) -> usize {
        self.starts.len() - 1
    }

    /// Term `id`'s text. Panics when `id >= len`.
    #[inline]
    pub(crate) fn term(&self, id: u32) -> &str {
        &self.arena[self.starts[id as usize]..self.starts[id as usize + 1]]
    }

    /// Term `id`'s bytes (the hot compare: no char-boundary check).
    #[inline(always)]
    fn term_bytes(&self, id: usize) -> &[u8] {
        &self.arena.as_bytes()[self.starts[id]..self.starts[id + 1]]
    }

    /// The id of `term`, if present.
    #[inline]
    pub(crate) fn get(&self, term: &str) -> Option<u32> {
        self.get_hashed(term.as_bytes(), hashed(term))
    }

    /// The id of the term with bytes `term` and [`hashed`] value `hv`, if present.
    #[inline(always)]
    pub(crate) fn get_hashed(&self, term: &[u8], hv: Hashed) -> Option<u32> {
        self.find(term, hv.key, hv.h).ok()
    }

    /// Asks the CPU to start loading the home slot of `hv`, so that a lookup a few terms later
    /// does not wait for memory (lookups in a large vocabulary are cache misses).
    #[inline(always)]
    pub(crate) fn prefetch(&self, hv: Hashed) {
        #[cfg(target_arch = "x86_64")]
        {
            use std::arch::x86_64::{_MM_HINT_T0, _mm_prefetch};
            let p = self.slots.as_ptr().wrapping_add((hv.h >> self.shift) as usize);
            // SAFETY: SSE is part of the x86_64 baseline, and a prefetch never faults nor changes
            // memory (the address is inside the table anyway).
            unsafe { _mm_prefetch::<_MM_HINT_T0>(p.cast::<i8>()) };
        }
        #[cfg(not(target_arch = "x86_64"))]
        let _ = hv;
    }

    /// `Ok(id)` when the term is present, `Err(slot)` with the empty slot that would take it.
    #[inline(always)]
    fn find(&self, term: &[u8], key: u64, h: u64) -> Result<u32, usize> {
        let mask = self.slots.len() - 1;
        let mut i = (h >> self.shift) as usize;
        loop {
            let s = self.slots[i];
            if s.id1 == 0 {
                return Err(i);
            }
            if s.key == key {
                let id = (s.id1 - 1) as usize;
                if term.len() <= 7 || bytes_eq(self.term_bytes(id), term) {
                    return Ok(id as u32);
                }
            }
            i = (i + 1) & mask;
        }
    }

    /// The id of `term`, adding it with the next id when absent.
    #[cfg(test)]
    pub(crate) fn intern(&mut self, term: &str) -> u32 {
        self.insert_hashed(term, hashed(term)).unwrap_or_else(|id| id)
    }

    /// [`intern`](Self::intern) with the term's [`hashed`] value computed beforehand.
    #[inline]
    pub(crate) fn intern_hashed(&mut self, term: &str, hv: Hashed) -> u32 {
        self.insert_hashed(term, hv).unwrap_or_else(|id| id)
    }

    /// Adds `term` with the next id and returns it, or `Err(id)` of the existing equal term.
    pub(crate) fn insert(&mut self, term: &str) -> Result<u32, u32> {
        self.insert_hashed(term, hashed(term))
    }

    #[inline]
    fn insert_hashed(&mut self, term: &str, hv: Hashed) -> Result<u32, u32> {
        let b = term.as_bytes();
        let Hashed { key, h } = hv;
        match self.find(b, key, h) {
            Ok(id) => Err(id),
            Err(mut slot) => {
                let id = self.len();
                assert!(id < u32::MAX as usize - 1, "term index full (2^32 - 2 terms)");
                if 2 * (id + 1) > self.slots.len() {
                    self.grow();
                    slot = self.find(b, key, h).expect_err("term absent before growing");
                }
                self.arena.push_str(term);
                self.starts.push(self.arena.len());
                self.slots[slot] = Slot { key, id1: id as u32 + 1 };
                Ok(id as u32)
            }
        }
    }

    /// Doubles the table and re-places every term.
    fn grow(&mut self) {
        let n = self.slots.len() * 2;
        self.slots = vec![Slot::default(); n];
        self.shift = 64 - n.trailing_zeros();
        for id in 0..self.len() {
            // Terms are distinct: each goes to the first empty slot from its home slot.
            let (key, h) = key_and_hash(self.term_bytes(id));
            let mut i = (h >> self.shift) as usize;
            while self.slots[i].id1 != 0 {
                i = (i + 1) & (n - 1);
            }
            self.slots[i] = Slot { key, id1: id as u32 + 1 };
        }
    }

    /// Bytes held (arena, offsets and table), for size reports.
    #[cfg(test)]
    pub(crate) fn heap_bytes(&self) -> usize {
        self.arena.capacity() + self.starts.capacity() * 8 + self.slots.capacity() * 16
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    #[test]
    fn intern_get_and_grow() {
        let mut t = TermIndex::default();
        let mut reference = HashMap::new();
        for i in 0..5000u32 {
            let term = format!("t{}", i % 3001);
            let id = t.intern(&term);
            let next = reference.len() as u32;
            let expect = *reference.entry(term.clone()).or_insert(next);
            assert_eq!(id, expect);
            assert_eq!(t.term(id), term);
        }
        assert_eq!(t.len(), 3001);
        assert_eq!(t.get("t17"), Some(17));
        assert_eq!(t.get("nope"), None);
        assert_eq!(t.insert("t5"), Err(5));
        assert_eq!(t.insert(""), Ok(3001));
        assert_eq!(t.get(""), Some(3001));
        assert!(t.heap_bytes() > 0);
    }

    #[test]
    fn span_hash_equals_slice_hash() {
        let text = "abcdefghijklmnopqrstuvwxyz é日本 0123456789";
        let b = text.as_bytes();
        for s in 0..b.len() {
            for e in s..b.len().min(s + 20) {
                let (x, y) = (hashed_span(b, s, e), key_and_hash(&b[s..e]));
                assert_eq!((x.key, x.h), y, "{s}..{e}");
            }
        }
    }

    #[test]
    fn hash_spreads_short_and_long_keys() {
        let keys: Vec<String> = (0..2000).map(|i| format!("{i:x}")).chain((0..200).map(|i| "é".repeat(i))).collect();
        let mut hs: Vec<u64> = keys.iter().map(|k| hash_term(k.as_bytes())).collect();
        hs.sort_unstable();
        hs.dedup();
        assert_eq!(hs.len(), keys.len());
        // the top bits (the slot) are spread too
        let mut tops: Vec<u64> = keys.iter().map(|k| hash_term(k.as_bytes()) >> 52).collect();
        tops.sort_unstable();
        tops.dedup();
        assert!(tops.len() > 1500, "{}", tops.len());
    }
}
