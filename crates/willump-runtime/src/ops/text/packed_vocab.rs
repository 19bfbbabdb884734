//! [`PackedVocabulary`]: a fitted vocabulary laid out for the fused scorers' hot loop (the
//! compiled text kernel and the hand-fused scorers): hundreds of lookups per document, most of
//! them short character n-grams.
//!
//! Every term has a 64-bit key: a term of at most 7 bytes is its own key (its bytes little-endian,
//! its length in the top byte), so the scanner builds keys straight from an unaligned load of the
//! document and a hit is one compare; a longer term's key is a hash of its bytes with the top
//! byte `0xFF` (never a short key), confirmed by comparing the bytes. The table is open
//! addressing with linear probing over 16-byte slots (key and column: a probe, and its prefetch,
//! touch one cache line), kept at most ~40% full; a 50,000-term vocabulary takes 2 MiB. The home
//! slot is the top bits of a 64x64->128-bit multiply of the key, folded. Hashes are not
//! randomized: crafted inputs can slow lookups down, never change answers.
//!
//! Also tried on the text task: 8-byte slots (a 32-bit fingerprint and the column, confirmed
//! against a per-column key array) at ~20% and ~40% load. On the loaded machine the differences
//! stayed within the run-to-run noise (about 20%), so the simpler layout stayed (BENCHMARKS.md).

use super::vocabulary::Vocabulary;

/// The key of an empty slot: no term has it (a short key's top byte is at most 7; a long key has
/// its lowest bit cleared).
const EMPTY: u64 = u64::MAX;
/// The hash multiplier (odd, with well spread bits).
const MUL: u64 = 0x9E37_79B9_7F4A_7C15;
/// Mixing constants of the long-term hash.
const K0: u64 = 0xD6E8_FEB8_6659_FD93;
const K1: u64 = 0xA076_1D64_78BD_642F;

/// How many keys ahead [`PackedVocabulary::probe_all`] prefetches slots.
const LOOKAHEAD: usize = 16;

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

/// The key of a term of 8 bytes or more: a hash of its bytes, top byte `0xFF`, lowest bit clear.
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
    (h & 0x00FF_FFFF_FFFF_FFFE) | 0xFF << 56
}

/// The key of any term.
#[inline(always)]
fn key_of(b: &[u8]) -> u64 {
    if b.len() <= 7 { pack_short(b) } else { long_key(b) }
}

/// The 64-bit hash of a key (its top bits pick the home slot).
#[inline(always)]
pub(crate) fn hash_key(key: u64) -> u64 {
    fold_mul(key, MUL)
}

/// One table slot: a key and its column, 16 bytes aligned, so that a probe (and its prefetch)
/// touches one cache line.
#[derive(Debug, Clone, Copy)]
#[repr(C, align(16))]
struct Slot {
    key: u64,
    col: u32,
}

/// A vocabulary (term `i` is column `i`) laid out for fast lookups; see the module docs.
#[derive(Debug, Clone)]
pub struct PackedVocabulary {
    slots: Box<[Slot]>,
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
        let size = (n * 5 / 2).next_power_of_two().max(16);
        let mut t = PackedVocabulary {
            slots: vec![Slot { key: EMPTY, col: 0 }; size].into_boxed_slice(),
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
            let mut i = t.home(hash_key(key));
            while t.slots[i].key != EMPTY {
                i = (i + 1) & t.mask;
            }
            t.slots[i] = Slot { key, col: col as u32 };
            if b.len() > 7 {
                t.arena.extend_from_slice(b);
            }
            t.long_at.push(t.arena.len() as u32);
        }
        t
    }

    /// Number of terms (columns).
    pub fn len(&self) -> usize {
        self.long_at.len() - 1
    }

    /// Whether there are no terms.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Bytes held by the tables.
    pub fn bytes(&self) -> usize {
        self.slots.len() * 16 + self.arena.len() + self.long_at.len() * 4
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

    /// The column of the term with key `key`, if present, confirming a long key's bytes `term`
    /// (ignored for short keys).
    #[inline(always)]
    fn find(&self, key: u64, term: &[u8]) -> Option<u32> {
        let mut i = self.home(hash_key(key));
        loop {
            let s = self.slots[i];
            if s.key == EMPTY {
                return None;
            }
            if s.key == key && (key >> 56 != 0xFF || self.long_term(s.col) == term) {
                return Some(s.col);
            }
            i = (i + 1) & self.mask;
        }
    }

    /// Column `col`'s bytes if it is a long term (empty otherwise).
    fn long_term(&self, col: u32) -> &[u8] {
        &self.arena[self.long_at[col as usize] as usize..self.long_at[col as usize + 1] as usize]
    }

    /// Looks up the short keys `keys`, appending the columns found, in order, to `hits`. The
    /// slot of the key [`LOOKAHEAD`] places later is prefetched before each probe, so cache
    /// misses overlap. Branch light: a probe whose first slot is empty or holds the key takes no
    /// unpredictable branch.
    #[inline]
    pub(crate) fn probe_all(&self, keys: &[u64], hits: &mut Vec<u32>) {
        let (slots, mask) = (&self.slots[..], self.mask);
        let n = keys.len();
        hits.reserve(n);
        let at = hits.len();
        let out = &mut hits.spare_capacity_mut()[..n];
        for &k in keys.iter().take(LOOKAHEAD) {
            self.prefetch(hash_key(k));
        }
        let mut found = 0;
        for j in 0..n {
            if let Some(&k) = keys.get(j + LOOKAHEAD) {
                self.prefetch(hash_key(k));
            }
            let key = keys[j];
            let mut i = self.home(hash_key(key));
            // SAFETY: `i` is a home slot (`< slots.len()`: the shift leaves log2(len) bits) or
            // masked by `mask = slots.len() - 1`; `found <= j < out.len()`.
            let hit = unsafe {
                let mut s = *slots.get_unchecked(i);
                while s.key != key && s.key != EMPTY {
                    i = (i + 1) & mask;
                    s = *slots.get_unchecked(i);
                }
                out.get_unchecked_mut(found).write(s.col);
                s.key == key
            };
            found += hit as usize;
        }
        // SAFETY: the loop initialized the first `found` spare elements.
        unsafe { hits.set_len(at + found) };
    }

    /// The column of the short term packed in `key`.
    #[inline]
    pub fn get_short(&self, key: u64) -> Option<u32> {
        self.find(key, &[])
    }

    /// The column of `term`, if it is in the vocabulary.
    #[inline]
    pub fn get(&self, term: &[u8]) -> Option<u32> {
        self.find(key_of(term), term)
    }
}

/// Asks the CPU to start loading the cache line of `p` (nothing on other architectures); any
/// address is allowed (a prefetch never faults).
#[inline(always)]
pub fn prefetch<T>(p: *const T) {
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
        let mut hits = Vec::new();
        p.probe_all(&[pack_short(b"ab"), pack_short(b"")], &mut hits);
        assert!(hits.is_empty());
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
