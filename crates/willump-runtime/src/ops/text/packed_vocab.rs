//! [`PackedVocabulary`]: a fitted vocabulary laid out for the fused scorers' hot loop (the
//! compiled text kernel and the hand-fused scorers): hundreds of lookups per document, most of
//! them short character n-grams, many of them absent.
//!
//! Every term has a 64-bit key: a term of at most 7 bytes is its own key (its bytes little-endian,
//! its length in the top byte), so the scanner builds keys straight from an unaligned load of the
//! document; a longer term's key is a hash of its bytes with the top byte `0xFF` (never a short
//! key), confirmed by comparing the bytes. The table is open addressing with linear probing over
//! 8-byte slots (a 32-bit fingerprint of the key and the column), kept at most ~20% full, so a
//! miss (most 4- and 5-grams) almost always ends at its first slot; a 50,000-term vocabulary
//! takes 2 MiB of slots plus 400 KB of column keys. (On the text task ~20% full measured faster
//! than ~40% full at half the size, on a loaded machine: see BENCHMARKS.md.) A fingerprint match is confirmed against the column's key, so the keys decide,
//! never the hash. Hashes are not randomized: crafted inputs can slow lookups down, never change
//! answers.

use super::vocabulary::Vocabulary;

/// An empty slot (fingerprints are odd, so no used slot is 0).
const EMPTY: u64 = 0;
/// The hash multiplier (odd, with well spread bits).
const MUL: u64 = 0x9E37_79B9_7F4A_7C15;
/// Mixing constants of the long-term hash.
const K0: u64 = 0xD6E8_FEB8_6659_FD93;
const K1: u64 = 0xA076_1D64_78BD_642F;

/// A term of at most 7 bytes packed into its key.
#[inline(always)]
pub fn pack_short(b: &[u8]) -> u64 {
    debug_assert!(b.len() <= 7);
    let mut w = [0u8; 8];
    w[..b.len()].copy_from_slice(b);
    u64::from_le_bytes(w) | (b.len() as u64) << 56
}

/// The key of the `n`-byte term (`n <= 7`) at the start of `word` (8 bytes read little-endian).
#[inline(always)]
pub fn short_key(word: u64, n: usize) -> u64 {
    debug_assert!(n <= 7);
    word & ((1u64 << (8 * n)) - 1) | (n as u64) << 56
}

/// The high and low halves of the 128-bit product, xored.
#[inline(always)]
fn fold_mul(a: u64, b: u64) -> u64 {
    let p = (a as u128).wrapping_mul(b as u128);
    (p as u64) ^ ((p >> 64) as u64)
}

/// The key of a term of 8 bytes or more: a hash of its bytes with the top byte `0xFF`.
#[inline]
fn long_key(b: &[u8]) -> u64 {
    let mut h = (b.len() as u64).wrapping_mul(K1);
    let mut chunks = b.chunks_exact(8);
    for c in &mut chunks {
        h = fold_mul(h ^ u64::from_le_bytes(c.try_into().expect("8 bytes")), K0);
    }
    let rest = chunks.remainder();
    if !rest.is_empty() {
        let mut w = [0u8; 8];
        w[..rest.len()].copy_from_slice(rest);
        h = fold_mul(h ^ u64::from_le_bytes(w), K0);
    }
    h | 0xFF << 56
}

/// The key of any term.
#[inline(always)]
fn key_of(b: &[u8]) -> u64 {
    if b.len() <= 7 { pack_short(b) } else { long_key(b) }
}

/// The 64-bit hash of a key: its top bits pick the home slot, its low 32 bits (made odd) are the
/// fingerprint.
#[inline(always)]
pub(crate) fn hash_key(key: u64) -> u64 {
    fold_mul(key, MUL)
}

/// A vocabulary (term `i` is column `i`) laid out for fast lookups; see the module docs.
#[derive(Debug, Clone)]
pub struct PackedVocabulary {
    /// Per slot: fingerprint (high 32 bits) and column (low 32 bits), or [`EMPTY`].
    slots: Box<[u64]>,
    /// Per column: its key.
    keys: Box<[u64]>,
    /// `slots.len() - 1` (a power of two minus one).
    mask: usize,
    /// `64 - log2(slots.len())`: the home slot of a hash is its top bits.
    shift: u32,
    /// Cuts the home slot (all ones unless a test forces collisions).
    home_mask: usize,
    /// Terms of 8 bytes or more, back to back; `long_at[col]..long_at[col + 1]` is column `col`'s
    /// text (empty for short terms).
    arena: Vec<u8>,
    long_at: Vec<u32>,
}

impl PackedVocabulary {
    /// The packed form of `vocab`.
    pub fn new(vocab: &Vocabulary) -> PackedVocabulary {
        Self::with_home_bits(vocab, 64)
    }

    /// The packed form of `vocab` with home slots cut to their low `bits` bits (every term then
    /// starts probing in one of `2^bits` slots): for tests that force long probe chains.
    pub fn with_home_bits(vocab: &Vocabulary, bits: u32) -> PackedVocabulary {
        let n = vocab.len();
        let size = (n * 5).next_power_of_two().max(16);
        let mut t = PackedVocabulary {
            slots: vec![EMPTY; size].into_boxed_slice(),
            keys: vec![0; n].into_boxed_slice(),
            mask: size - 1,
            shift: 64 - size.trailing_zeros(),
            home_mask: if bits >= 63 { usize::MAX } else { (1usize << bits) - 1 },
            arena: Vec::new(),
            long_at: Vec::with_capacity(n + 1),
        };
        t.long_at.push(0);
        for (col, term) in vocab.terms().enumerate() {
            let b = term.as_bytes();
            let key = key_of(b);
            let h = hash_key(key);
            let mut i = t.home(h);
            while t.slots[i] != EMPTY {
                i = (i + 1) & t.mask;
            }
            t.slots[i] = fingerprint(h) << 32 | col as u64;
            t.keys[col] = key;
            if b.len() > 7 {
                t.arena.extend_from_slice(b);
            }
            t.long_at.push(t.arena.len() as u32);
        }
        t
    }

    /// Number of terms (columns).
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    /// Whether there are no terms.
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// Bytes held by the tables.
    pub fn bytes(&self) -> usize {
        self.slots.len() * 8 + self.keys.len() * 8 + self.arena.len() + self.long_at.len() * 4
    }

    /// The home slot of hash `h`.
    #[inline(always)]
    pub(crate) fn home(&self, h: u64) -> usize {
        (h >> self.shift) as usize & self.home_mask
    }

    /// Asks the CPU to start loading the home slot of hash `h`, so that a probe a few terms later
    /// does not wait for memory.
    #[inline(always)]
    pub(crate) fn prefetch(&self, h: u64) {
        prefetch(self.slots.as_ptr().wrapping_add(self.home(h)));
    }

    /// The column of the term with key `key` and hash `h`, if present, confirming a long key's
    /// bytes `term` (ignored for short keys).
    #[inline(always)]
    fn find(&self, key: u64, h: u64, term: &[u8]) -> Option<u32> {
        let fp = fingerprint(h);
        let mut i = self.home(h);
        loop {
            // SAFETY: `i` is a home slot (`< slots.len()`: the shift leaves log2(len) bits) or was
            // masked by `mask = slots.len() - 1`; a used slot's column is below `keys.len()`.
            let s = unsafe { *self.slots.get_unchecked(i) };
            if s == EMPTY {
                return None;
            }
            let col = s as u32;
            if s >> 32 == fp
                && unsafe { *self.keys.get_unchecked(col as usize) } == key
                && (key >> 56 != 0xFF || self.long_term(col) == term)
            {
                return Some(col);
            }
            i = (i + 1) & self.mask;
        }
    }

    /// Column `col`'s bytes if it is a long term (empty otherwise).
    fn long_term(&self, col: u32) -> &[u8] {
        &self.arena[self.long_at[col as usize] as usize..self.long_at[col as usize + 1] as usize]
    }

    /// Looks up short keys `keys[j]` with hashes `hashes[j]` (at most [`MAX_BATCH`]), writing the
    /// columns found, in order, to the front of `out` (as long as `keys`); returns how many were
    /// found. Two passes so that the cache misses of a batch overlap: the first walks each probe
    /// to a fingerprint match or an empty slot and prefetches the candidate column's key; the
    /// second confirms the keys. Branch light: a probe whose first slot is empty or matches takes
    /// no unpredictable branch.
    #[inline(always)]
    pub(crate) fn probe_batch(&self, keys: &[u64], hashes: &[u64], out: &mut [std::mem::MaybeUninit<u32>]) -> usize {
        let (slots, ck, mask) = (&self.slots[..], &self.keys[..], self.mask);
        let n = keys.len();
        assert!(hashes.len() == n && out.len() >= n && n <= MAX_BATCH);
        if ck.is_empty() {
            return 0;
        }
        // per key: the slot where its probe stopped (a fingerprint match or empty)
        let mut stop = [EMPTY; MAX_BATCH];
        for j in 0..n {
            let h = hashes[j];
            let fp = fingerprint(h);
            let mut i = self.home(h);
            // SAFETY: `i` is a home slot (`< slots.len()`: the shift leaves log2(len) bits) or
            // masked by `mask = slots.len() - 1`.
            let mut s = unsafe { *slots.get_unchecked(i) };
            while s >> 32 != fp && s != EMPTY {
                i = (i + 1) & mask;
                s = unsafe { *slots.get_unchecked(i) };
            }
            stop[j] = s;
            prefetch(ck.as_ptr().wrapping_add(s as u32 as usize));
        }
        let mut found = 0;
        for j in 0..n {
            let s = stop[j];
            let col = s as u32;
            // SAFETY: a used slot's column is below `ck.len()`, an empty slot reads column 0 (`ck`
            // is not empty); `found <= j < out.len()`.
            let hit = s != EMPTY && unsafe { *ck.get_unchecked(col as usize) } == keys[j];
            unsafe { out.get_unchecked_mut(found).write(col) };
            if s != EMPTY && !hit {
                // a fingerprint collision (rare): the exact lookup decides
                if let Some(c) = self.find(keys[j], hashes[j], &[]) {
                    unsafe { out.get_unchecked_mut(found).write(c) };
                    found += 1;
                }
                continue;
            }
            found += hit as usize;
        }
        found
    }

    /// The column of the short term packed in `key`.
    #[inline]
    pub fn get_short(&self, key: u64) -> Option<u32> {
        self.find(key, hash_key(key), &[])
    }

    /// The column of `term`, if it is in the vocabulary.
    #[inline]
    pub fn get(&self, term: &[u8]) -> Option<u32> {
        let key = key_of(term);
        self.find(key, hash_key(key), term)
    }
}

/// Most keys [`PackedVocabulary::probe_batch`] takes at once.
pub(crate) const MAX_BATCH: usize = 64;

/// Asks the CPU to start loading the cache line of `p` (nothing on other architectures).
#[inline(always)]
fn prefetch<T>(p: *const T) {
    #[cfg(target_arch = "x86_64")]
    {
        use std::arch::x86_64::{_MM_HINT_T0, _mm_prefetch};
        // SAFETY: SSE is part of the x86_64 baseline; a prefetch never faults nor changes memory,
        // whatever the address.
        unsafe { _mm_prefetch::<_MM_HINT_T0>(p.cast::<i8>()) };
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = p;
}

/// The fingerprint of hash `h`: its low 32 bits, made odd (never [`EMPTY`]'s high half, 0).
#[inline(always)]
fn fingerprint(h: u64) -> u64 {
    (h & 0xFFFF_FFFF) | 1
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vocab(terms: &[&str]) -> Vocabulary {
        Vocabulary::from_terms("test", terms).unwrap()
    }

    #[test]
    fn finds_every_term_and_nothing_else() {
        let terms: Vec<String> = (0..3000)
            .map(|i| match i % 4 {
                0 => format!("{i}"),
                1 => format!("long term number {i}"),
                2 => format!("é{i}"),
                _ => format!("{}", i * 7919),
            })
            .collect();
        let refs: Vec<&str> = terms.iter().map(String::as_str).collect();
        let v = vocab(&refs);
        for bits in [64, 3, 0] {
            let p = PackedVocabulary::with_home_bits(&v, bits);
            assert_eq!(p.len(), v.len());
            for (col, t) in refs.iter().enumerate() {
                assert_eq!(p.get(t.as_bytes()), v.get(t), "{t} bits {bits}");
                assert_eq!(p.get(t.as_bytes()), Some(col as u32));
            }
            for miss in ["", "x", "long term number 99999", "é", "1234567", "12345678"] {
                assert_eq!(p.get(miss.as_bytes()), v.get(miss), "{miss}");
            }
        }
    }

    #[test]
    fn empty_vocabulary_finds_nothing() {
        let p = PackedVocabulary::new(&vocab(&[]));
        assert!(p.is_empty());
        assert_eq!(p.get(b"ab"), None);
        let mut out = [std::mem::MaybeUninit::uninit(); 2];
        let keys = [pack_short(b"ab"), pack_short(b"")];
        assert_eq!(p.probe_batch(&keys, &keys.map(hash_key), &mut out), 0);
    }

    #[test]
    fn short_key_of_a_loaded_word_equals_the_packed_term() {
        let text = b"abcdefgh";
        let w = u64::from_le_bytes(*text);
        for n in 0..=7 {
            assert_eq!(short_key(w, n), pack_short(&text[..n]));
        }
        // the empty term and a NUL byte differ by their length tag
        assert_ne!(pack_short(b""), pack_short(b"\0"));
    }
}
