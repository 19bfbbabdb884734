//! [`PackedVocabulary`]: a fitted vocabulary laid out for the fused scorers' hot loop (the
//! compiled text kernel and the hand-fused scorers): hundreds of lookups per document, most of
//! them short character n-grams.
//!
//! Every term has a 64-bit key: a term of at most 7 bytes is its own key (its bytes little-endian,
//! its length in the top byte), so the scanner builds keys straight from an unaligned load of the
//! document and a hit is one compare; a longer term's key is a hash of its bytes with the top
//! byte `0xFF` (never a short key), confirmed by comparing the bytes.
//!
//! Two open-addressing tables with linear probing hold the terms:
//! - terms of at most 5 bytes (all of a char 2-5-gram vocabulary on ASCII text, the short words)
//!   in 8-byte slots: the term's bytes (40 bits), its length (3 bits) and its id (21 bits) in
//!   one word, eight slots to a 64-byte bucket (one cache line), compared in one AVX-512
//!   instruction where the machine has it (else slot by slot); a term that finds its home bucket
//!   full goes to the next one and flags its home, so a miss stops at an unflagged bucket. A
//!   50,000-term vocabulary takes 1 MiB at ~38% load (the previous 16-byte slots took 2 MiB).
//!   Against linear probing over the same 1 MiB the buckets ran the text task's lookups 1.5-1.6x
//!   faster (no probe loop of varying length to mispredict);
//! - every other term (and every term when there are more than 2^21) in 16-byte slots (key, id).
//!
//! Ids are the terms' columns ([`PackedVocabulary::new`]) or their places in an order the
//! scorer chooses ([`PackedVocabulary::ranked`]: most frequent terms first, so that the per-id
//! data a scorer reads is dense where the hits are). The home slot is the top bits of a
//! 64x64->128-bit multiply of the key, folded. Hashes are not randomized: crafted inputs can
//! slow lookups down, never change answers.
//!
//! Also tried on the text task (BENCHMARKS.md): 8-byte fingerprint slots confirmed against a
//! per-column key array (two loads per hit: no gain); a small "hot" table of the 2,048 or 4,096
//! most frequent terms probed before the rest (1.5-2x slower: the extra pass and its
//! unpredictable branch cost more than the misses it saves).

use willump_ir::params::text::{Analyzer, AnalyzerParams};

use super::direct_grams::DirectGrams;
use super::vocabulary::Vocabulary;
use super::word_grams::WordGrams;

/// The key of an empty slot: no term has it (a short key's top byte is at most 7; a long key has
/// its lowest bit cleared).
const EMPTY: u64 = u64::MAX;
/// The hash multiplier (odd, with well spread bits).
const MUL: u64 = 0x9E37_79B9_7F4A_7C15;
/// Mixing constants of the long-term hash.
const K0: u64 = 0xD6E8_FEB8_6659_FD93;
const K1: u64 = 0xA076_1D64_78BD_642F;

/// A term of at most 7 bytes packed into its key.
#[inline(always)]
pub fn pack_short(b: &[u8]) -> u64 {
    debug_assert!(b.len() <= 7);
    // byte by byte: a call to `memcpy` per term cost more than the lookup on non-ASCII text
    let mut w = 0u64;
    for (i, &x) in b.iter().take(7).enumerate() {
        w |= (x as u64) << (8 * i);
    }
    w | (b.len() as u64) << 56
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
    if !chunks.remainder().is_empty() {
        // the last 8 bytes (overlapping the last whole chunk: a key is at least 8 bytes), one
        // load instead of a copy into a zeroed word, whose stores the load would wait for
        let tail = match b.len().checked_sub(8) {
            Some(at) => u64::from_le_bytes(b[at..].try_into().expect("8 bytes")),
            None => pack_short(b),
        };
        h = fold_mul(h ^ tail, K0);
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

/// One slot of the 16-byte table: a key and its term's id, 16 bytes aligned, so that a probe
/// (and its prefetch) touches one cache line.
#[derive(Debug, Clone, Copy)]
#[repr(C, align(16))]
struct Slot {
    key: u64,
    id: u32,
}

/// Longest term (bytes) the compact table holds.
const COMPACT_BYTES: u64 = 5;
/// Bits of a compact slot that hold the term (its bytes, then its length).
const COMPACT_KEY_BITS: u32 = 43;
const COMPACT_KEY_MASK: u64 = (1 << COMPACT_KEY_BITS) - 1;
/// Most ids the compact table can hold.
const COMPACT_IDS: usize = 1 << (64 - COMPACT_KEY_BITS);
/// The byte mask of a compact term.
const LOW40: u64 = (1 << 40) - 1;

/// The compact form of the short key `key` of a term of at most 5 bytes: its bytes, then its
/// length at bit 40 (a short key has its length at bit 56).
#[inline(always)]
fn compact_key(key: u64) -> u64 {
    (key & LOW40) | (key >> 56) << 40
}

/// Eight compact slots: one cache line, compared at once.
#[derive(Debug, Clone, Copy)]
#[repr(C, align(64))]
struct Bucket([u64; 8]);

/// Whether this machine has AVX-512 F (one compare per bucket).
fn has_avx512() -> bool {
    #[cfg(target_arch = "x86_64")]
    return std::arch::is_x86_feature_detected!("avx512f");
    #[cfg(not(target_arch = "x86_64"))]
    false
}

/// The hash of a compact key (one multiply: its top bits mix every key bit).
#[inline(always)]
fn compact_hash(ck: u64) -> u64 {
    ck.wrapping_mul(MUL)
}

/// Flags a home slot of the 16-byte table in [`PackedVocabulary::probe_all`]'s scratch.
const WIDE: u32 = 1 << 31;

/// Home-slot arithmetic shared by both tables (power-of-two sizes).
#[derive(Debug, Clone, Copy)]
struct Homes {
    /// `size - 1`.
    mask: usize,
    /// `64 - log2(size)`: the home slot of a hash is its top bits.
    shift: u32,
    /// Cuts the home slot (all ones unless a test forces collisions).
    home_mask: usize,
}

impl Homes {
    fn new(size: usize, home_bits: u32) -> Homes {
        Homes {
            mask: size - 1,
            shift: 64 - size.trailing_zeros(),
            home_mask: if home_bits >= 63 { usize::MAX } else { (1usize << home_bits) - 1 },
        }
    }

    /// The home slot of hash `h` (always `< size`).
    #[inline(always)]
    fn home(&self, h: u64) -> usize {
        (h >> self.shift) as usize & self.home_mask
    }
}

/// A vocabulary laid out for fast lookups (see the module docs). Each term has an id: its
/// column by default ([`new`](Self::new)), or its place in a given order
/// ([`ranked`](Self::ranked)), so that the data a scorer keeps per id can be ordered the same way.
#[derive(Debug, Clone)]
pub struct PackedVocabulary {
    /// Terms of at most 5 bytes in buckets of 8 slots (one cache line): `compact_key | id <<
    /// 43`, or [`EMPTY`] (whose key bits no term has: a compact length is at most 5).
    compact: Box<[Bucket]>,
    /// Per bucket: whether a term whose home it is sits in a later bucket (a lookup that misses
    /// in a bucket without it stops there).
    spilled: Box<[bool]>,
    compact_homes: Homes,
    /// Whether this machine compares a bucket in one AVX-512 instruction.
    simd: bool,
    /// Every other term.
    slots: Box<[Slot]>,
    homes: Homes,
    /// Terms of 8 bytes or more, back to back; `long_at[id]..long_at[id + 1]` is id `id`'s
    /// text (empty for short terms).
    arena: Vec<u8>,
    long_at: Vec<u32>,
    /// The vocabulary column of each id.
    columns: Vec<u32>,
    /// The two- and three-byte ASCII terms in direct tables (a character n-gram vocabulary's;
    /// see [`DirectGrams`]).
    direct: Option<Box<DirectGrams>>,
    /// The terms of two words or more, by their words (a `word` analyzer's vocabulary, once
    /// [`index_word_ngrams`](Self::index_word_ngrams) ran).
    word_grams: Option<Box<WordGrams>>,
}

impl PackedVocabulary {
    /// The packed form of `vocab`; each term's id is its column.
    pub fn new(vocab: &Vocabulary) -> PackedVocabulary {
        Self::with_home_bits(vocab, 64)
    }

    /// The packed form of `vocab` with home slots cut to their low `bits` bits (every term then
    /// starts probing in one of `2^bits` slots): for tests that force long probe chains.
    pub fn with_home_bits(vocab: &Vocabulary, bits: u32) -> PackedVocabulary {
        let order: Vec<u32> = (0..vocab.len() as u32).collect();
        Self::build(vocab, &order, bits)
    }

    /// The packed form of `vocab` with ids in the order `order` (`order[id]` is a column; every
    /// column once), home slots cut as in [`with_home_bits`](Self::with_home_bits) (64: not
    /// cut). With the most frequent terms first, a scorer's per-id data of the terms most hits
    /// land on sits in few cache lines. Errors when `order` is not a permutation of the columns.
    pub fn ranked(vocab: &Vocabulary, order: &[u32], bits: u32) -> Result<PackedVocabulary, String> {
        if order.len() != vocab.len() {
            return Err(format!("an order of {} ids for {} columns", order.len(), vocab.len()));
        }
        let mut seen = vec![false; vocab.len()];
        for &c in order {
            match seen.get_mut(c as usize) {
                Some(s) if !*s => *s = true,
                _ => return Err(format!("column {c} is out of range or repeated in the order")),
            }
        }
        Ok(Self::build(vocab, order, bits))
    }

    /// The packed form of a TF-IDF vocabulary with ids by document frequency, most frequent
    /// first (by `idf` ascending, ties by column; with `idf` `None` ids are columns), home slots
    /// cut as in [`with_home_bits`](Self::with_home_bits). Errors when `idf` does not have one
    /// value per column.
    pub fn by_frequency(vocab: &Vocabulary, idf: Option<&[f64]>, bits: u32) -> Result<PackedVocabulary, String> {
        let mut order: Vec<u32> = (0..vocab.len() as u32).collect();
        if let Some(idf) = idf {
            if idf.len() != vocab.len() {
                return Err(format!("{} idf values for {} columns", idf.len(), vocab.len()));
            }
            order.sort_by(|&a, &b| idf[a as usize].total_cmp(&idf[b as usize]).then(a.cmp(&b)));
        }
        Self::ranked(vocab, &order, bits)
    }

    fn build(vocab: &Vocabulary, order: &[u32], bits: u32) -> PackedVocabulary {
        let n = order.len();
        let terms: Vec<&[u8]> =
            order.iter().map(|&c| vocab.term(c as usize).expect("a column of the vocabulary").as_bytes()).collect();
        let fits_compact = n <= COMPACT_IDS;
        let compact_n = if fits_compact { terms.iter().filter(|t| t.len() as u64 <= COMPACT_BYTES).count() } else { 0 };
        let size = |n: usize| (n * 5 / 2).next_power_of_two().max(16);
        // buckets of 8 slots, at most ~40% full overall
        let (buckets, wide_size) = (size(compact_n).div_ceil(8).max(1), size(n - compact_n));
        let mut t = PackedVocabulary {
            compact: vec![Bucket([EMPTY; 8]); buckets].into_boxed_slice(),
            spilled: vec![false; buckets].into_boxed_slice(),
            compact_homes: Homes::new(buckets, bits),
            simd: has_avx512(),
            slots: vec![Slot { key: EMPTY, id: 0 }; wide_size].into_boxed_slice(),
            homes: Homes::new(wide_size, bits),
            arena: Vec::new(),
            long_at: Vec::with_capacity(n + 1),
            columns: order.to_vec(),
            word_grams: None,
            direct: None,
        };
        t.long_at.push(0);
        for (id, b) in terms.iter().enumerate() {
            let key = key_of(b);
            if fits_compact && b.len() as u64 <= COMPACT_BYTES {
                let ck = compact_key(key);
                let mut i = t.compact_homes.home(compact_hash(ck));
                loop {
                    if let Some(slot) = t.compact[i].0.iter_mut().find(|s| **s == EMPTY) {
                        *slot = ck | (id as u64) << COMPACT_KEY_BITS;
                        break;
                    }
                    t.spilled[i] = true;
                    i = (i + 1) & t.compact_homes.mask;
                }
            } else {
                let mut i = t.homes.home(hash_key(key));
                while t.slots[i].key != EMPTY {
                    i = (i + 1) & t.homes.mask;
                }
                t.slots[i] = Slot { key, id: id as u32 };
            }
            if b.len() > 7 {
                t.arena.extend_from_slice(b);
            }
            t.long_at.push(t.arena.len() as u32);
        }
        t.direct = DirectGrams::build(&terms).map(Box::new);
        t
    }

    /// The direct tables of two- and three-byte ASCII terms, if the vocabulary has them.
    #[inline]
    pub(crate) fn direct(&self) -> Option<&DirectGrams> {
        self.direct.as_deref()
    }

    /// Indexes the word n-gram terms (two words or more) of `vocab` (the vocabulary this table
    /// was built from) by their words when `params` is a `word` analyzer producing them, so that
    /// [`TermScanner`](super::TermScanner) finds them from its tokens without joining text (see
    /// [`WordGrams`]). Nothing for other analyzers. Errors when `vocab` has another number of
    /// terms than this table.
    pub fn index_word_ngrams(&mut self, vocab: &Vocabulary, params: &AnalyzerParams) -> Result<(), String> {
        if vocab.len() != self.columns.len() {
            return Err(format!("a vocabulary of {} terms for a table of {}", vocab.len(), self.columns.len()));
        }
        if params.analyzer != Analyzer::Word || params.ngram_range.max_n < 2 {
            return Ok(());
        }
        let mut id_of_column = vec![0u32; self.columns.len()];
        for (id, &c) in self.columns.iter().enumerate() {
            id_of_column[c as usize] = id as u32;
        }
        self.word_grams = WordGrams::build(vocab, &id_of_column).map(Box::new);
        Ok(())
    }

    /// The word n-gram index, if [`index_word_ngrams`](Self::index_word_ngrams) made one.
    pub(crate) fn word_grams(&self) -> Option<&WordGrams> {
        self.word_grams.as_deref()
    }

    /// Number of terms (columns).
    pub fn len(&self) -> usize {
        self.long_at.len() - 1
    }

    /// Whether there are no terms.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The vocabulary column of id `id` (`id < len()`).
    #[inline]
    pub fn column(&self, id: u32) -> u32 {
        self.columns[id as usize]
    }

    /// The vocabulary column of each id, in id order.
    pub fn columns(&self) -> &[u32] {
        &self.columns
    }

    /// Bytes held by the tables.
    pub fn bytes(&self) -> usize {
        self.compact.len() * 65
            + self.slots.len() * 16
            + self.arena.len()
            + (self.long_at.len() + self.columns.len()) * 4
            + self.word_grams.as_ref().map_or(0, |g| g.bytes())
            + self.direct.as_ref().map_or(0, |d| d.bytes())
    }

    /// Whether the short key `key` goes to the compact table (its term has at most 5 bytes and
    /// the vocabulary fits it).
    #[inline(always)]
    fn is_compact(&self, key: u64) -> bool {
        key >> 56 <= COMPACT_BYTES && self.columns.len() <= COMPACT_IDS
    }

    /// The id of the term with key `key`, if present, confirming a long key's bytes `term`
    /// (ignored for short keys).
    #[inline(always)]
    fn find(&self, key: u64, term: &[u8]) -> Option<u32> {
        if self.is_compact(key) {
            let (id, hit) = self.probe_compact(compact_key(key));
            return hit.then_some(id);
        }
        let mut i = self.homes.home(hash_key(key));
        loop {
            let s = self.slots[i];
            if s.key == EMPTY {
                return None;
            }
            if s.key == key && (key >> 56 != 0xFF || self.long_term(s.id) == term) {
                return Some(s.id);
            }
            i = (i + 1) & self.homes.mask;
        }
    }

    /// Probes the compact table for `ck`: the id found and whether it is a hit. Branch light: a
    /// probe whose first slot is empty or holds the key takes no unpredictable branch.
    #[inline(always)]
    fn probe_compact(&self, ck: u64) -> (u32, bool) {
        self.probe_compact_at(ck, self.compact_homes.home(compact_hash(ck)))
    }

    /// [`probe_compact`](Self::probe_compact) from home bucket `i` (`< compact.len()`), one slot
    /// at a time.
    #[inline(always)]
    fn probe_compact_at(&self, ck: u64, mut i: usize) -> (u32, bool) {
        loop {
            // SAFETY: `i` is a home bucket (`< compact.len()`) or masked by `compact.len() - 1`.
            let b = unsafe { self.compact.get_unchecked(i) };
            if let Some(s) = b.0.iter().find(|&&s| s & COMPACT_KEY_MASK == ck) {
                return ((s >> COMPACT_KEY_BITS) as u32, true);
            }
            // SAFETY: as above (`spilled` has one flag per bucket).
            if !unsafe { *self.spilled.get_unchecked(i) } {
                return (0, false);
            }
            i = (i + 1) & self.compact_homes.mask;
        }
    }

    /// [`probe_compact_at`](Self::probe_compact_at) comparing a whole bucket in one AVX-512
    /// instruction.
    ///
    /// # Safety
    /// The machine has AVX-512 F; `i < compact.len()`.
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx512f")]
    #[inline]
    unsafe fn probe_compact_avx512(&self, ck: u64, mut i: usize) -> (u32, bool) {
        use std::arch::x86_64::{_mm512_and_si512, _mm512_cmpeq_epi64_mask, _mm512_load_si512, _mm512_set1_epi64};
        let (mask, key) = (_mm512_set1_epi64(COMPACT_KEY_MASK as i64), _mm512_set1_epi64(ck as i64));
        loop {
            // SAFETY: `i` is in range (the contract, then masked); a bucket is 64 bytes, aligned.
            let b = unsafe { self.compact.get_unchecked(i) };
            let v = unsafe { _mm512_load_si512(b.0.as_ptr().cast()) };
            let m = _mm512_cmpeq_epi64_mask(_mm512_and_si512(v, mask), key);
            if m != 0 {
                return ((b.0[m.trailing_zeros() as usize] >> COMPACT_KEY_BITS) as u32, true);
            }
            // SAFETY: `spilled` has one flag per bucket.
            if !unsafe { *self.spilled.get_unchecked(i) } {
                return (0, false);
            }
            i = (i + 1) & self.compact_homes.mask;
        }
    }

    /// Probes the 16-byte table for the short key `key` from home slot `i` (`< slots.len()`), as
    /// [`probe_compact`](Self::probe_compact).
    #[inline(always)]
    fn probe_wide_at(&self, key: u64, mut i: usize) -> (u32, bool) {
        // SAFETY: `i` is a home slot (`< slots.len()`) or masked by `slots.len() - 1`.
        unsafe {
            let mut s = *self.slots.get_unchecked(i);
            while s.key != key && s.key != EMPTY {
                i = (i + 1) & self.homes.mask;
                s = *self.slots.get_unchecked(i);
            }
            (s.id, s.key == key)
        }
    }

    /// Id `id`'s bytes if it is a long term (empty otherwise).
    fn long_term(&self, id: u32) -> &[u8] {
        &self.arena[self.long_at[id as usize] as usize..self.long_at[id as usize + 1] as usize]
    }

    /// Looks up the short keys `keys`, appending the ids found, in order, to `hits`; `homes` is
    /// scratch. Two passes: the first computes every key's home slot and asks the CPU to start
    /// loading it (independent iterations: the cache misses of a whole document overlap, as many
    /// at once as the core can track); the second probes, mostly from cache.
    #[inline]
    pub(crate) fn probe_all(&self, keys: &[u64], homes: &mut Vec<u32>, hits: &mut Vec<u32>) {
        let n = keys.len();
        homes.clear();
        homes.reserve(n);
        let compact_ok = self.columns.len() <= COMPACT_IDS;
        for (&key, home) in keys.iter().zip(&mut homes.spare_capacity_mut()[..n]) {
            home.write(if key >> 56 <= COMPACT_BYTES && compact_ok {
                let i = self.compact_homes.home(compact_hash(compact_key(key)));
                prefetch(self.compact.as_ptr().wrapping_add(i));
                i as u32
            } else {
                let i = self.homes.home(hash_key(key));
                prefetch(self.slots.as_ptr().wrapping_add(i));
                i as u32 | WIDE
            });
        }
        // SAFETY: the loop wrote the first `n` spare elements.
        unsafe { homes.set_len(n) };
        hits.reserve(n);
        #[cfg(target_arch = "x86_64")]
        if self.simd {
            // SAFETY: `simd` says the machine has AVX-512 F.
            unsafe { self.probe_homes_avx512(keys, homes, hits) };
            return;
        }
        self.probe_homes(keys, homes, hits, |ck, i| self.probe_compact_at(ck, i));
    }

    /// The second pass of [`probe_all`](Self::probe_all) with AVX-512 bucket compares.
    ///
    /// # Safety
    /// The machine has AVX-512 F.
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx512f")]
    unsafe fn probe_homes_avx512(&self, keys: &[u64], homes: &[u32], hits: &mut Vec<u32>) {
        // SAFETY: the caller's contract; every compact home is a bucket index.
        self.probe_homes(keys, homes, hits, |ck, i| unsafe { self.probe_compact_avx512(ck, i) });
    }

    /// The second pass of [`probe_all`](Self::probe_all): probes every key from its home
    /// (`hits` has room for every key).
    #[inline(always)]
    fn probe_homes(
        &self,
        keys: &[u64],
        homes: &[u32],
        hits: &mut Vec<u32>,
        compact: impl Fn(u64, usize) -> (u32, bool),
    ) {
        let at = hits.len();
        let out = &mut hits.spare_capacity_mut()[..keys.len()];
        let mut found = 0;
        for (&key, &home) in keys.iter().zip(homes.iter()) {
            let (id, hit) = if home & WIDE == 0 {
                compact(compact_key(key), home as usize)
            } else {
                self.probe_wide_at(key, (home & !WIDE) as usize)
            };
            // SAFETY: `found` is at most the number of keys seen before this one, `< out.len()`.
            unsafe { out.get_unchecked_mut(found).write(id) };
            found += hit as usize;
        }
        // SAFETY: the loop initialized the first `found` spare elements.
        unsafe { hits.set_len(at + found) };
    }

    /// The id of the short term packed in `key`.
    #[inline]
    pub fn get_short(&self, key: u64) -> Option<u32> {
        self.find(key, &[])
    }

    /// The id of `term`, if it is in the vocabulary.
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
    fn ranked_ids_follow_the_order_in_both_tables() {
        // 1- to 5-byte terms go to the compact table, longer ones to the 16-byte table
        let terms = ["a", "bb", "ccc", "dddd", "eeeee", "ffffff", "ggggggg", "hhhhhhhh", "é", "éé", "日本"];
        let v = vocab(&terms);
        let order: Vec<u32> = (0..terms.len() as u32).rev().collect();
        for bits in [64, 1, 0] {
            let p = PackedVocabulary::ranked(&v, &order, bits).unwrap();
            for (id, &col) in order.iter().enumerate() {
                let t = terms[col as usize];
                assert_eq!(p.get(t.as_bytes()), Some(id as u32), "{t}");
                assert_eq!(p.column(id as u32), col);
            }
            let keys: Vec<u64> = terms.iter().filter(|t| t.len() <= 7).map(|t| pack_short(t.as_bytes())).collect();
            let mut hits = Vec::new();
            p.probe_all(&keys, &mut Vec::new(), &mut hits);
            let want: Vec<u32> = terms
                .iter()
                .enumerate()
                .filter(|(_, t)| t.len() <= 7)
                .map(|(c, _)| order.iter().position(|&o| o == c as u32).unwrap() as u32)
                .collect();
            assert_eq!(hits, want);
            for miss in ["aa", "bbb", "eeeef", "ffffffg", "hhhhhhhhh", "", "è"] {
                assert_eq!(p.get(miss.as_bytes()), None, "{miss}");
            }
        }
        assert!(PackedVocabulary::ranked(&v, &order[1..], 64).is_err());
        assert!(PackedVocabulary::ranked(&v, &[0; 11], 64).is_err());
        assert!(PackedVocabulary::ranked(&v, &[99; 11], 64).is_err());
    }

    #[test]
    fn bucket_compares_with_and_without_avx512_agree() {
        // many 1-5-byte terms, home buckets cut to 1 and 3 bits (long spill chains) and not cut
        let terms: Vec<String> = (0..5000).map(|i| format!("{}", i * 37 % 99991)).collect();
        let mut uniq = terms.clone();
        uniq.sort();
        uniq.dedup();
        let refs: Vec<&str> = uniq.iter().map(String::as_str).collect();
        let v = vocab(&refs);
        let probes: Vec<u64> = (0..12000).map(|i| pack_short(format!("{}", i * 37 % 99991).as_bytes())).collect();
        for bits in [64, 3, 1] {
            let mut p = PackedVocabulary::with_home_bits(&v, bits);
            let want: Vec<u32> = probes.iter().filter_map(|&k| p.get_short(k)).collect();
            for simd in [true, false] {
                p.simd = simd && has_avx512();
                let mut hits = Vec::new();
                p.probe_all(&probes, &mut Vec::new(), &mut hits);
                assert_eq!(hits, want, "bits {bits} simd {}", p.simd);
            }
            for (col, t) in refs.iter().enumerate() {
                assert_eq!(p.get(t.as_bytes()), Some(col as u32));
            }
        }
    }

    #[test]
    fn by_frequency_puts_the_lowest_idf_first() {
        let v = vocab(&["x", "y", "z"]);
        let p = PackedVocabulary::by_frequency(&v, Some(&[2.0, 1.0, 2.0]), 64).unwrap();
        assert_eq!(p.columns(), &[1, 0, 2]);
        assert_eq!(PackedVocabulary::by_frequency(&v, None, 64).unwrap().columns(), &[0, 1, 2]);
        assert!(PackedVocabulary::by_frequency(&v, Some(&[1.0]), 64).is_err());
    }

    #[test]
    fn empty_vocabulary_finds_nothing() {
        let p = PackedVocabulary::new(&vocab(&[]));
        assert!(p.is_empty());
        assert_eq!(p.get(b"ab"), None);
        let mut hits = Vec::new();
        p.probe_all(&[pack_short(b"ab"), pack_short(b"")], &mut Vec::new(), &mut hits);
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
