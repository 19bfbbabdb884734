//! A term -> id hash index tuned for the vectorizers' hot loop: looking up millions of short
//! `&str` slices (words, character n-grams) per second with no allocation.
//!
//! Terms live back to back in one text arena; the table is open addressing with linear probing
//! over 64-bit slots that hold a 32-bit hash tag and the term's id, kept at most half full, so a
//! miss usually costs one probe and a hit one tag compare plus one short byte compare. The hash
//! is a folded 64x64->128-bit multiply over the term's bytes read in 8- and 4-byte words. It is
//! not randomized: inputs crafted to collide slow it down (never change its answers).

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
    u64::from_le_bytes([b[i], b[i + 1], b[i + 2], b[i + 3], b[i + 4], b[i + 5], b[i + 6], b[i + 7]])
}

#[inline(always)]
fn read4(b: &[u8], i: usize) -> u64 {
    u32::from_le_bytes([b[i], b[i + 1], b[i + 2], b[i + 3]]) as u64
}

/// The 64-bit hash of a term's bytes.
#[inline]
pub(crate) fn hash_term(b: &[u8]) -> u64 {
    let len = b.len();
    let (x, y) = if len <= 16 {
        if len >= 8 {
            (read8(b, 0), read8(b, len - 8))
        } else if len >= 4 {
            (read4(b, 0), read4(b, len - 4))
        } else if len > 0 {
            ((b[0] as u64) << 16 | (b[len / 2] as u64) << 8 | b[len - 1] as u64, 0)
        } else {
            (0, 0)
        }
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

/// A slot's tag: the hash's low 32 bits (the slot number comes from its high bits), placed in
/// the slot's high half.
#[inline(always)]
fn tag_of(h: u64) -> u64 {
    h << 32
}

/// Terms and their ids (`0..len`, in insertion order), with lookup by `&str`.
#[derive(Debug, Clone)]
pub(crate) struct TermIndex {
    /// Every term's text, back to back.
    arena: String,
    /// `len + 1` offsets: term `i` is `arena[starts[i]..starts[i + 1]]`.
    starts: Vec<usize>,
    /// `tag_of(hash) | (id + 1)`, 0 when empty; a power-of-two length at least twice `len`.
    slots: Vec<u64>,
    /// `64 - log2(slots.len())`: the slot of hash `h` is `h >> shift`.
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
        TermIndex { arena: String::new(), starts, slots: vec![0; slots], shift: 64 - slots.trailing_zeros() }
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

    /// Term `id`'s bytes, unchecked for char boundaries (the hot compare).
    #[inline(always)]
    fn term_bytes(&self, id: usize) -> &[u8] {
        &self.arena.as_bytes()[self.starts[id]..self.starts[id + 1]]
    }

    /// The id of `term`, if present.
    #[inline]
    pub(crate) fn get(&self, term: &str) -> Option<u32> {
        self.find(term.as_bytes(), hash_term(term.as_bytes())).ok()
    }

    /// `Ok(id)` when the term is present, `Err(slot)` with the empty slot that would take it.
    #[inline(always)]
    fn find(&self, term: &[u8], h: u64) -> Result<u32, usize> {
        let mask = self.slots.len() - 1;
        let tag = tag_of(h);
        let mut i = (h >> self.shift) as usize;
        loop {
            let s = self.slots[i];
            if s == 0 {
                return Err(i);
            }
            if s & 0xFFFF_FFFF_0000_0000 == tag {
                let id = (s as u32 - 1) as usize;
                if self.term_bytes(id) == term {
                    return Ok(id as u32);
                }
            }
            i = (i + 1) & mask;
        }
    }

    /// The id of `term`, adding it with the next id when absent.
    #[inline]
    pub(crate) fn intern(&mut self, term: &str) -> u32 {
        self.insert(term).unwrap_or_else(|id| id)
    }

    /// Adds `term` with the next id and returns it, or `Err(id)` of the existing equal term.
    pub(crate) fn insert(&mut self, term: &str) -> Result<u32, u32> {
        let h = hash_term(term.as_bytes());
        match self.find(term.as_bytes(), h) {
            Ok(id) => Err(id),
            Err(mut slot) => {
                let id = self.len();
                assert!(id < u32::MAX as usize, "term index full (2^32 - 1 terms)");
                if 2 * (id + 1) > self.slots.len() {
                    self.grow();
                    slot = self.find(term.as_bytes(), h).expect_err("term absent before growing");
                }
                self.arena.push_str(term);
                self.starts.push(self.arena.len());
                self.slots[slot] = tag_of(h) | (id as u64 + 1);
                Ok(id as u32)
            }
        }
    }

    /// Doubles the table and re-places every term.
    fn grow(&mut self) {
        let n = self.slots.len() * 2;
        self.slots = vec![0; n];
        self.shift = 64 - n.trailing_zeros();
        for id in 0..self.len() {
            // Terms are distinct: each goes to the first empty slot from its home slot.
            let h = hash_term(self.term_bytes(id));
            let mut i = (h >> self.shift) as usize;
            while self.slots[i] != 0 {
                i = (i + 1) & (n - 1);
            }
            self.slots[i] = tag_of(h) | (id as u64 + 1);
        }
    }

    /// Bytes held (arena, offsets and table), for size reports.
    #[cfg(test)]
    pub(crate) fn heap_bytes(&self) -> usize {
        self.arena.capacity() + self.starts.capacity() * 8 + self.slots.capacity() * 8
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
