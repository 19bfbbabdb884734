//! Joins in compiled loops: the side table is indexed once at compile time; a probe is emitted
//! inline by generated code for the layouts that allow it (`codegen/join_probe.rs`) or is one
//! call of [`willump_join_lookup`] with the row's key parts, and the gathers of the value columns
//! are native loads from one record per side row (every value column extended with its default
//! in a last record, the row a missing key gets; see [`CompiledJoin`]), so probe and gather are
//! fused into the row loop.
//!
//! The index's layout is chosen by the shape of the side table's keys ([`KeyLayout`]):
//! - one i64 key part over a small range: a dense array indexed by `key - min` (one load);
//! - keys of several parts whose combinations of distinct part values are few enough (at most
//!   `max(4 * n_side, 4096)`): per-part dictionaries giving each part value a dense id, then a
//!   dense array of side rows over the combinations ([`PartDicts`]; generated code probes it
//!   itself, keeping each part's last value and id);
//! - keys that pack into at most [`MAX_PACKED_WORDS`] `u64` words (i64 parts one word each, str
//!   parts their bytes plus their length, sized by the longest side key): open addressing over the
//!   packed words, compared word by word (a probe string longer than every side key misses without
//!   a lookup);
//! - any other key: open addressing over the encoded keys in one arena, compared byte for byte.
//!
//! Every layout compares the whole key, never a hash alone.
//!
//! Semantics are the eager `LeftJoin`'s: keys compare exactly part by part (str byte for byte,
//! i64 by value); a probe key with a missing part, or absent from the side table, gets every
//! value column's default (`Missing` makes the value missing); side rows with a missing key part
//! never match (side keys are unique: `LeftJoin::fit` rejects duplicates).

use std::collections::HashMap;

use willump_ir::ColumnType;
use willump_ir::params::table::Scalar;
use willump_runtime::ops::table::LeftJoin;
use willump_runtime::value::Column;

/// One key part as the generated code passes it: a tag (0 missing, 1 i64, 2 str), then the i64
/// value or the string's address, then the string's length.
pub(crate) const PART_WORDS: usize = 3;

/// Keys a probe's cache holds.
const CACHE_ENTRIES: usize = 8;

/// Probes after which a cache that hits less than a quarter of the time is switched off for the
/// rest of the loop call (keys in no particular order, as tail numbers of flights are).
const CACHE_TRIAL: u64 = 256;

/// Words of a probe's cache of recent keys, after its key parts in the loop's scratch: the
/// number of entries held (`CACHE_OFF` once switched off; the generated code zeroes the
/// header on entry to every loop call), the entry to replace next, probes and hits so far, then `CACHE_ENTRIES`
/// entries of (side row, hash, packed key). Rows near each other often repeat a few keys (flights of
/// one hour from three airports share three weather rows), and then a probe is a few compares of
/// packed words, without hashing or touching the table.
const CACHE_WORDS: usize = CACHE_HEADER_WORDS + CACHE_ENTRIES * (2 + MAX_PACKED_WORDS);

/// The entry count of a cache switched off.
const CACHE_OFF: u64 = u64::MAX;

/// Words of a probe's cache area: room for one cache of whole keys, or (the [`PartDicts`]
/// layout) a header and one cache per key part.
fn cache_words(n_keys: usize) -> usize {
    CACHE_HEADER_WORDS + n_keys * CACHE_WORDS
}

/// Bytes of scratch a probe of `n_keys` key parts takes (parts, then the cache).
pub(crate) fn probe_scratch_bytes(n_keys: usize) -> usize {
    (n_keys * PART_WORDS + cache_words(n_keys)) * 8
}

/// The byte offset of the cache's header in a probe's scratch.
pub(crate) fn probe_cache_header(n_keys: usize) -> usize {
    n_keys * PART_WORDS * 8
}

/// Words of the cache's header, which the generated code zeroes to empty the cache.
pub(crate) const CACHE_HEADER_WORDS: usize = 4;

/// A side table's key index, in the layout its key shape allows.
#[derive(Debug)]
pub(crate) struct JoinIndex {
    layout: KeyLayout,
    n_side: u32,
    n_keys: usize,
}

/// How a [`JoinIndex`] finds a key.
#[derive(Debug)]
enum KeyLayout {
    /// One i64 key part: `rows[key - min]` (`n_side` where no side row has the key).
    DenseInt { min: i64, rows: Vec<u32> },
    /// Keys packed into `words` u64s each (see [`PartShape`]).
    Packed(PackedIndex),
    /// Keys of several parts: each part's dictionary, then a dense array of side rows.
    Parts(PartDicts),
    /// Any other key.
    Arena(ArenaIndex),
}

/// Composite keys by per-part dictionaries: each key part's side values get dense ids
/// `0..n_values` (a [`PartDict`]), and the side row of a key is `rows[sum(id_p * stride_p)]`, a
/// dense array over every combination of ids (`n_side` where no side row has that
/// combination). Weather's (`origin`, `time_hour`): 3 origins and 8.7k hours, one 100 KB array
/// of rows and an 8.7k-entry dictionary of hours, instead of a 2.6 MB table of whole keys. Chosen
/// when the combinations are at most [`MAX_DENSE_COMBINATIONS`] and at most
/// `max(4 * n_side, 4096)` (a sparse product would waste memory), and every part fits a
/// dictionary. A part value absent from the side table misses (the key cannot be there).
#[derive(Debug)]
struct PartDicts {
    /// Per key part, its dictionary.
    dicts: Vec<PartDict>,
    /// Per key part, the multiplier of its id.
    strides: Vec<usize>,
    /// Per key part, the offset of its cache in the probe's cache area.
    cache_at: Vec<usize>,
    /// The side row of every combination of ids.
    rows: Vec<u32>,
}

/// The most combinations of part ids a [`PartDicts`] holds (64 MiB of rows).
const MAX_DENSE_COMBINATIONS: usize = 1 << 24;

/// A key part's dictionary: its side values -> dense ids (`n_values` for any other value).
#[derive(Debug)]
enum PartDict {
    /// An i64 part over a small range: `ids[value - min]`.
    Dense { min: i64, ids: Vec<u32>, n_values: u32 },
    /// Open addressing over the packed part (its "row" is the id), with its own cache of
    /// recent values.
    Packed { index: PackedIndex, n_values: u32 },
}

/// The largest number of `u64` words a packed key may take.
pub(crate) const MAX_PACKED_WORDS: usize = 8;

/// How one key part packs into words.
#[derive(Debug, Clone, Copy)]
enum PartShape {
    /// An i64: one word, its value.
    Int,
    /// A string of at most `8 * words - 1` bytes: its bytes little-endian, zero padded, and its
    /// length in the last byte of the last word (so "a" and "a\0" differ).
    Str { words: usize },
}

/// Open addressing over packed keys, at most half full (one-word keys at most a quarter: a
/// probe's first slot then holds its key more often, and fewer probes take the mispredicted walk
/// to the next slot; measured on flights' tail numbers, about 5% of the feature stage). A slot is
/// `words + 1` words: the packed
/// key, then the side row (`EMPTY` for an empty slot), so a probe usually reads one cache line.
#[derive(Debug)]
struct PackedIndex {
    parts: Vec<PartShape>,
    words: usize,
    slots: Vec<u64>,
    mask: usize,
}

const EMPTY: u64 = u64::MAX;

/// Open addressing (at most half full) over (hash, row, key span) slots, the encoded keys back
/// to back in one arena. A probe compares the hash, then the bytes.
#[derive(Debug)]
struct ArenaIndex {
    /// Per slot: the key's hash (`u64::MAX` for an empty slot).
    hashes: Vec<u64>,
    /// Per slot: side row, arena offset, key length.
    slots: Vec<[u32; 3]>,
    arena: Vec<u8>,
    mask: usize,
}

/// The hash's constants (generated code hashes one-word keys with them too).
pub(crate) const K0: u64 = 0x9E37_79B9_7F4A_7C15;
/// See [`K0`].
pub(crate) const K1: u64 = 0xD6E8_FEB8_6659_FD93;

#[inline(always)]
fn mix(a: u64) -> u64 {
    let p = ((a ^ K0) as u128).wrapping_mul(K1 as u128);
    (p as u64) ^ ((p >> 64) as u64)
}

/// The hash of a string key part.
#[inline(always)]
fn str_hash(b: &[u8]) -> u64 {
    let mut h = (b.len() as u64).wrapping_mul(K0);
    let mut chunks = b.chunks_exact(8);
    for c in &mut chunks {
        h = mix(h ^ u64::from_le_bytes(c.try_into().expect("8 bytes")));
    }
    let rest = chunks.remainder();
    if !rest.is_empty() {
        let mut w = [0u8; 8];
        w[..rest.len()].copy_from_slice(rest);
        h = mix(h ^ u64::from_le_bytes(w));
    }
    h
}

/// A key part: an i64, or a string's bytes.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
enum Part<'a> {
    Int(i64),
    Str(&'a [u8]),
}

/// The hash of a key's parts (never `u64::MAX`, the empty slot's mark).
#[inline(always)]
fn key_hash<'a>(parts: impl Iterator<Item = Part<'a>>) -> u64 {
    let mut h = K1;
    for p in parts {
        h = mix(h ^ match p {
            Part::Int(v) => mix(v as u64),
            Part::Str(b) => str_hash(b),
        });
    }
    h >> 1
}

/// A compiled join: the key index, and the value columns extended with their defaults as one
/// record per side row (`n_side + 1` records, the last the row a missing key gets): each
/// column's value (f64 bits, i64, or 0/1 for bool, one `u64`), then one validity byte per column
/// (1 when present), padded to whole words. A missing f64 value is stored as the NaN the
/// generated code packs for a missing value (`f64::NAN`), so a gather whose only users pack it
/// into a dense row needs no validity test (`codegen::scalar::nan_gathers`). A probe's gathers then read one or two cache lines
/// instead of two per column: for keys in no order (tail numbers), each line is a likely cache
/// miss.
#[derive(Debug)]
pub(crate) struct CompiledJoin {
    pub index: JoinIndex,
    records: Vec<u64>,
    n_columns: usize,
}

impl CompiledJoin {
    /// The compiled form of `j`, when its keys are str / i64 and its value columns numeric.
    pub(crate) fn of(j: &LeftJoin) -> Option<CompiledJoin> {
        let side = j.side_table().ok()?;
        let keys: Vec<&Column> = j.key_names().iter().map(|k| side.column("join", k).ok()).collect::<Option<_>>()?;
        if keys.iter().any(|c| !matches!(c, Column::Str(_) | Column::I64(_))) || keys.is_empty() {
            return None;
        }
        let n_side = j.n_side_rows();
        // the side rows with a present key, with their key parts
        let mut entries: Vec<(u32, Vec<Part<'_>>)> = Vec::with_capacity(n_side);
        'rows: for r in 0..n_side {
            let mut parts = Vec::with_capacity(keys.len());
            for c in &keys {
                parts.push(match c {
                    Column::I64(c) => match c.get(r) {
                        Some(v) => Part::Int(v),
                        None => continue 'rows,
                    },
                    Column::Str(c) => match c.get(r) {
                        Some(s) => Part::Str(s.as_bytes()),
                        None => continue 'rows,
                    },
                    _ => return None,
                });
            }
            entries.push((r as u32, parts));
        }
        let layout = KeyLayout::dense_int(&keys, &entries, n_side as u32)
            .or_else(|| PartDicts::of(&keys, &entries, n_side).map(KeyLayout::Parts))
            .or_else(|| PackedIndex::of(&keys, &entries).map(KeyLayout::Packed))
            .unwrap_or_else(|| KeyLayout::Arena(ArenaIndex::of(&entries, n_side)));
        let index = JoinIndex { layout, n_side: n_side as u32, n_keys: keys.len() };
        let n_columns = j.value_names().len();
        let stride = record_words(n_columns);
        let mut records = vec![0u64; stride * (n_side + 1)];
        for (c, (name, default)) in j.value_names().iter().zip(j.defaults()).enumerate() {
            let col = side.column("join", name).ok()?;
            let mut values: Vec<u64> = Vec::with_capacity(n_side + 1);
            let mut valid: Vec<u8> = Vec::with_capacity(n_side + 1);
            let elem = col.column_type();
            for r in 0..n_side {
                let (v, ok) = match col {
                    Column::F64(c) => (c.get(r).unwrap_or(f64::NAN).to_bits(), c.is_valid(r)),
                    Column::I64(c) => (c.get(r).unwrap_or(0) as u64, c.is_valid(r)),
                    Column::Bool(c) => (c.get(r).unwrap_or(false) as u64, c.is_valid(r)),
                    Column::Str(_) => return None,
                };
                values.push(v);
                valid.push(ok as u8);
            }
            let (v, ok) = match (elem, default) {
                (ColumnType::F64, Scalar::Missing) => (f64::NAN.to_bits(), false),
                (_, Scalar::Missing) => (0, false),
                (ColumnType::F64, Scalar::F64(x)) => (x.to_bits(), true),
                (ColumnType::F64, Scalar::I64(x)) => ((*x as f64).to_bits(), true),
                (ColumnType::I64, Scalar::I64(x)) => (*x as u64, true),
                (ColumnType::Bool, Scalar::Bool(x)) => (*x as u64, true),
                _ => return None,
            };
            values.push(v);
            valid.push(ok as u8);
            for (r, (v, ok)) in values.into_iter().zip(valid).enumerate() {
                let rec = &mut records[r * stride..(r + 1) * stride];
                rec[c] = v;
                rec[n_columns + c / 8] |= u64::from(ok) << (8 * (c % 8));
            }
        }
        Some(CompiledJoin { index, records, n_columns })
    }

    /// Per value column, the addresses of its value and of its validity byte in the first
    /// record; a row's are `stride` bytes further per row ([`CompiledJoin::stride`]).
    pub(crate) fn gathers(&self) -> Vec<(i64, i64)> {
        let base = self.records.as_ptr() as i64;
        (0..self.n_columns).map(|c| (base + 8 * c as i64, base + (8 * self.n_columns + c) as i64)).collect()
    }

    /// Bytes from one record to the next.
    pub(crate) fn stride(&self) -> usize {
        record_words(self.n_columns) * 8
    }

    /// Bytes of the records.
    pub(crate) fn value_bytes(&self) -> usize {
        self.records.len() * 8
    }
}

/// Words of a record of `n_columns` values (see [`CompiledJoin`]).
fn record_words(n_columns: usize) -> usize {
    n_columns + n_columns.div_ceil(8)
}

impl KeyLayout {
    /// The dense layout, when the key is one i64 part whose side values span at most
    /// `max(1024, 4 * n_side)` values.
    fn dense_int(keys: &[&Column], entries: &[(u32, Vec<Part<'_>>)], n_side: u32) -> Option<KeyLayout> {
        if keys.len() != 1 || !matches!(keys[0], Column::I64(_)) {
            return None;
        }
        let int = |p: &[Part<'_>]| match p[0] {
            Part::Int(v) => v,
            Part::Str(_) => unreachable!("an i64 key"),
        };
        let min = entries.iter().map(|(_, p)| int(p)).min().unwrap_or(0);
        let max = entries.iter().map(|(_, p)| int(p)).max().unwrap_or(-1);
        let span = (max as i128 - min as i128 + 1).max(0) as u128;
        if span > (4 * n_side as u128).max(1024) {
            return None;
        }
        let mut rows = vec![n_side; span as usize];
        for (r, p) in entries {
            rows[(int(p) - min) as usize] = *r;
        }
        Some(KeyLayout::DenseInt { min, rows })
    }
}

impl PartShape {
    fn words(self) -> usize {
        match self {
            PartShape::Int => 1,
            PartShape::Str { words } => words,
        }
    }
}

/// The bytes `t` (fewer than 8) as a little-endian word, zero padded, without reading past them.
#[inline(always)]
fn short_word(t: &[u8]) -> u64 {
    let n = t.len();
    if n >= 4 {
        let lo = u32::from_le_bytes(t[..4].try_into().expect("4 bytes")) as u64;
        let hi = u32::from_le_bytes(t[n - 4..].try_into().expect("4 bytes")) as u64;
        lo | (hi << (8 * (n - 4)))
    } else if n > 0 {
        (t[0] as u64) | ((t[n / 2] as u64) << (8 * (n / 2))) | ((t[n - 1] as u64) << (8 * (n - 1)))
    } else {
        0
    }
}

/// Packs `b` into `out` (`out.len()` words, `b.len() < 8 * out.len()`), as [`PartShape::Str`].
#[inline(always)]
fn pack_str(b: &[u8], out: &mut [u64]) {
    let n = b.len();
    let full = n / 8;
    for (i, w) in out.iter_mut().enumerate() {
        *w = if i < full {
            u64::from_le_bytes(b[8 * i..8 * i + 8].try_into().expect("8 bytes"))
        } else if i == full && !n.is_multiple_of(8) {
            if n >= 8 {
                // the last 8 bytes, shifted down to the tail's
                u64::from_le_bytes(b[n - 8..].try_into().expect("8 bytes")) >> (8 * (8 - n % 8))
            } else {
                short_word(b)
            }
        } else {
            0
        };
    }
    let last = out.len() - 1;
    out[last] |= (n as u64) << 56;
}

/// The hash of a packed key.
#[inline(always)]
fn packed_hash(words: &[u64]) -> u64 {
    let mut h = K1;
    for &w in words {
        h = mix(h ^ w);
    }
    h
}

impl PackedIndex {
    /// The packed layout, when every key fits in [`MAX_PACKED_WORDS`] words.
    fn of(keys: &[&Column], entries: &[(u32, Vec<Part<'_>>)]) -> Option<PackedIndex> {
        let parts: Vec<PartShape> = keys
            .iter()
            .enumerate()
            .map(|(i, c)| match c {
                Column::Str(_) => {
                    let max = entries
                        .iter()
                        .map(|(_, p)| match p[i] {
                            Part::Str(b) => b.len(),
                            Part::Int(_) => 0,
                        })
                        .max()
                        .unwrap_or(0);
                    PartShape::Str { words: max / 8 + 1 }
                }
                _ => PartShape::Int,
            })
            .collect();
        let words: usize = parts.iter().map(|p| p.words()).sum();
        if words > MAX_PACKED_WORDS {
            return None;
        }
        let spread = if words == 1 { 4 } else { 2 };
        let size = (spread * entries.len().max(1)).next_power_of_two();
        let stride = words + 1;
        let mut slots = vec![0; size * stride];
        for s in slots.chunks_exact_mut(stride) {
            s[words] = EMPTY;
        }
        let mut index = PackedIndex { parts, words, slots, mask: size - 1 };
        let mut key = [0u64; MAX_PACKED_WORDS];
        for (r, p) in entries {
            let key = &mut key[..words];
            let mut at = 0;
            for (shape, part) in index.parts.iter().zip(p) {
                match (shape, part) {
                    (PartShape::Int, Part::Int(v)) => key[at] = *v as u64,
                    (PartShape::Str { words }, Part::Str(b)) => pack_str(b, &mut key[at..at + words]),
                    _ => return None,
                }
                at += shape.words();
            }
            let mut i = packed_hash(key) as usize & index.mask;
            // keys are unique (checked when the join was fitted); a repeat would keep the first row
            while index.slots[i * stride + words] != EMPTY && index.slots[i * stride..i * stride + words] != *key {
                i = (i + 1) & index.mask;
            }
            if index.slots[i * stride + words] == EMPTY {
                index.slots[i * stride..i * stride + words].copy_from_slice(key);
                index.slots[i * stride + words] = *r as u64;
            }
        }
        Some(index)
    }

    /// The side row of the packed key `key` of hash `h` ([`packed_hash`]), or `miss`.
    #[inline(always)]
    fn find<const W: usize>(&self, key: &[u64; W], h: u64, miss: u32) -> u32 {
        let mut i = h as usize & self.mask;
        loop {
            let slot = &self.slots[i * (W + 1)..(i + 1) * (W + 1)];
            if slot[W] == EMPTY {
                return miss;
            }
            if same_words(&slot[..W], key) {
                return slot[W] as u32;
            }
            i = (i + 1) & self.mask;
        }
    }

    /// The side row of the key parts `words` (`W == self.words`), through the probe's last-key
    /// `cache`, or `miss`.
    ///
    /// # Safety
    /// Every str part's address and length describe readable bytes.
    #[inline(always)]
    unsafe fn probe<const W: usize>(&self, words: &[u64], cache: &mut [u64], miss: u32) -> u32 {
        let mut key = [0u64; W];
        let mut at = 0;
        for (shape, w) in self.parts.iter().zip(words.chunks_exact(PART_WORDS)) {
            match (shape, w[0]) {
                (PartShape::Int, 1) => key[at] = w[1],
                (&PartShape::Str { words: n }, 2) => {
                    let len = w[2] as usize;
                    if len >= 8 * n {
                        // longer than every side key
                        return miss;
                    }
                    // SAFETY: the caller's contract.
                    let b = unsafe { std::slice::from_raw_parts(w[1] as *const u8, len) };
                    pack_str(b, &mut key[at..at + n]);
                }
                _ => return miss,
            }
            at += shape.words();
        }
        // The cache is searched by hash first: comparing whole keys right after packing them
        // read the key back in 16-byte loads over its 8-byte stores (a store-forwarding stall
        // that was a third of the probe's time), and a hash is one compare per entry.
        let h = packed_hash(&key);
        let (head, entries) = cache.split_at_mut(CACHE_HEADER_WORDS);
        if head[0] == CACHE_OFF {
            return self.find::<W>(&key, h, miss);
        }
        let held = (head[0] as usize).min(CACHE_ENTRIES);
        head[2] += 1;
        for e in entries.chunks_exact(W + 2).take(held) {
            if e[1] == h && same_words(&e[2..], &key) {
                head[3] += 1;
                return e[0] as u32;
            }
        }
        let row = self.find::<W>(&key, h, miss);
        if head[2] >= CACHE_TRIAL && head[3] * 4 < head[2] {
            head[0] = CACHE_OFF;
            return row;
        }
        let at = if held < CACHE_ENTRIES {
            head[0] = held as u64 + 1;
            held
        } else {
            let next = head[1] as usize % CACHE_ENTRIES;
            head[1] = (next + 1) as u64;
            next
        };
        let e = &mut entries[at * (W + 2)..(at + 1) * (W + 2)];
        e[0] = row as u64;
        e[1] = h;
        e[2..].copy_from_slice(&key);
        row
    }
}

/// Whether two packed keys are equal.
#[inline(always)]
fn same_words(a: &[u64], b: &[u64]) -> bool {
    let mut d = 0;
    for (x, y) in a.iter().zip(b) {
        d |= x ^ y;
    }
    d == 0
}

impl PartDicts {
    /// The per-part layout, when the key has several parts, each part's side values fit a
    /// dictionary and the combinations of ids fit the size rule (see [`PartDicts`]).
    fn of(keys: &[&Column], entries: &[(u32, Vec<Part<'_>>)], n_side: usize) -> Option<PartDicts> {
        if keys.len() < 2 {
            return None;
        }
        let limit = (4 * n_side).clamp(4096, MAX_DENSE_COMBINATIONS);
        // each part's distinct side values, numbered in order of first appearance
        let mut ids: Vec<Vec<u32>> = vec![Vec::with_capacity(entries.len()); keys.len()];
        let mut values: Vec<Vec<(u32, Vec<Part<'_>>)>> = vec![Vec::new(); keys.len()];
        for (p, (ids, values)) in ids.iter_mut().zip(&mut values).enumerate() {
            let mut seen: HashMap<PartKey<'_>, u32> = HashMap::new();
            for (_, parts) in entries {
                let next = seen.len() as u32;
                let id = *seen.entry(PartKey(parts[p])).or_insert(next);
                if id == next {
                    values.push((id, vec![parts[p]]));
                }
                ids.push(id);
            }
        }
        let mut combinations = 1usize;
        let mut strides = vec![0; keys.len()];
        for p in (0..keys.len()).rev() {
            strides[p] = combinations;
            combinations = combinations.checked_mul(values[p].len().max(1))?;
            if combinations > limit {
                return None;
            }
        }
        let mut dicts = Vec::with_capacity(keys.len());
        let mut cache_at = Vec::with_capacity(keys.len());
        let mut cache_end = CACHE_HEADER_WORDS;
        for (p, values) in values.iter().enumerate() {
            let n_values = values.len() as u32;
            let one = [keys[p]];
            let dict = match KeyLayout::dense_int(&one, values, n_values) {
                Some(KeyLayout::DenseInt { min, rows }) => PartDict::Dense { min, ids: rows, n_values },
                _ => PartDict::Packed { index: PackedIndex::of(&one, values)?, n_values },
            };
            cache_at.push(cache_end);
            if let PartDict::Packed { index, .. } = &dict {
                cache_end += CACHE_HEADER_WORDS + CACHE_ENTRIES * (2 + index.words);
            }
            dicts.push(dict);
        }
        debug_assert!(cache_end <= cache_words(keys.len()));
        let mut rows = vec![n_side as u32; combinations];
        for (e, (r, _)) in entries.iter().enumerate() {
            let at: usize = (0..keys.len()).map(|p| ids[p][e] as usize * strides[p]).sum();
            rows[at] = *r;
        }
        Some(PartDicts { dicts, strides, cache_at, rows })
    }

    /// The side row of the key parts `words`, or `miss`: each part's id through its dictionary
    /// (and its cache), then the row of the combination. `cache` is the probe's cache area: its
    /// first word is 0 when the loop call has not probed yet (the generated code zeroes it),
    /// and then every part's cache is emptied.
    ///
    /// # Safety
    /// Every str part's address and length describe readable bytes.
    #[inline(always)]
    unsafe fn lookup(&self, words: &[u64], cache: &mut [u64], miss: u32) -> u32 {
        if cache[0] == 0 {
            for &at in &self.cache_at {
                cache[at..at + CACHE_HEADER_WORDS].fill(0);
            }
            cache[0] = 1;
        }
        let mut at = 0;
        for (p, dict) in self.dicts.iter().enumerate() {
            let w = &words[p * PART_WORDS..(p + 1) * PART_WORDS];
            let id = match dict {
                PartDict::Dense { min, ids, n_values } => {
                    if w[0] != 1 {
                        return miss;
                    }
                    let i = (w[1] as i64).wrapping_sub(*min) as u64;
                    if i < ids.len() as u64 { ids[i as usize] } else { *n_values }
                }
                PartDict::Packed { index, n_values } => {
                    let c = &mut cache[self.cache_at[p]..];
                    // SAFETY (all arms): the caller's contract.
                    match index.words {
                        1 => unsafe { index.probe::<1>(w, c, *n_values) },
                        2 => unsafe { index.probe::<2>(w, c, *n_values) },
                        3 => unsafe { index.probe::<3>(w, c, *n_values) },
                        4 => unsafe { index.probe::<4>(w, c, *n_values) },
                        5 => unsafe { index.probe::<5>(w, c, *n_values) },
                        6 => unsafe { index.probe::<6>(w, c, *n_values) },
                        7 => unsafe { index.probe::<7>(w, c, *n_values) },
                        _ => unsafe { index.probe::<MAX_PACKED_WORDS>(w, c, *n_values) },
                    }
                }
            };
            let n = match dict {
                PartDict::Dense { n_values, .. } | PartDict::Packed { n_values, .. } => *n_values,
            };
            if id >= n {
                return miss;
            }
            at += id as usize * self.strides[p];
        }
        self.rows[at]
    }
}

/// A key part as a map key (a part column holds one type, so ints and strings never meet).
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
struct PartKey<'a>(Part<'a>);

impl ArenaIndex {
    fn of(entries: &[(u32, Vec<Part<'_>>)], n_side: usize) -> ArenaIndex {
        let size = (2 * n_side.max(1)).next_power_of_two();
        let mut index =
            ArenaIndex { hashes: vec![u64::MAX; size], slots: vec![[0; 3]; size], arena: Vec::new(), mask: size - 1 };
        for (r, parts) in entries {
            // keys are unique (checked when the join was fitted)
            let h = key_hash(parts.iter().copied());
            let mut i = h as usize & index.mask;
            while index.hashes[i] != u64::MAX {
                i = (i + 1) & index.mask;
            }
            let start = index.arena.len();
            for p in parts {
                match p {
                    Part::Int(v) => index.arena.extend_from_slice(&v.to_le_bytes()),
                    Part::Str(b) => {
                        index.arena.extend_from_slice(&(b.len() as u32).to_le_bytes());
                        index.arena.extend_from_slice(b);
                    }
                }
            }
            index.hashes[i] = h;
            index.slots[i] = [*r, start as u32, (index.arena.len() - start) as u32];
        }
        index
    }

    fn find<'a>(&self, probe: impl Iterator<Item = Part<'a>> + Clone, miss: u32) -> u32 {
        let h = key_hash(probe.clone());
        let mut i = h as usize & self.mask;
        loop {
            let sh = self.hashes[i];
            if sh == u64::MAX {
                return miss;
            }
            if sh == h {
                let [row, off, len] = self.slots[i];
                if same(&self.arena[off as usize..(off + len) as usize], probe.clone()) {
                    return row;
                }
            }
            i = (i + 1) & self.mask;
        }
    }
}

/// Whether the stored key `stored` has exactly the parts `probe`.
#[inline(always)]
fn same<'a>(mut stored: &[u8], probe: impl Iterator<Item = Part<'a>>) -> bool {
    for p in probe {
        match p {
            Part::Int(v) => {
                if stored.len() < 8 || stored[..8] != v.to_le_bytes() {
                    return false;
                }
                stored = &stored[8..];
            }
            Part::Str(b) => {
                if stored.len() < 4 || u32::from_le_bytes(stored[..4].try_into().expect("4 bytes")) as usize != b.len()
                {
                    return false;
                }
                let rest = &stored[4..];
                if rest.len() < b.len() || &rest[..b.len()] != b {
                    return false;
                }
                stored = &rest[b.len()..];
            }
        }
    }
    stored.is_empty()
}

impl JoinIndex {
    /// The side row of the key in `parts` (`n_keys * PART_WORDS` words, then the cache's
    /// `CACHE_WORDS`), or `n_side`.
    ///
    /// # Safety
    /// Every str part's address and length describe readable bytes.
    #[inline(always)]
    unsafe fn lookup(&self, parts: &mut [u64]) -> u32 {
        let (words, cache) = parts.split_at_mut(self.n_keys * PART_WORDS);
        let miss = self.n_side;
        match &self.layout {
            KeyLayout::DenseInt { min, rows } => {
                if words[0] != 1 {
                    return miss;
                }
                let i = (words[1] as i64).wrapping_sub(*min) as u64;
                if i < rows.len() as u64 { rows[i as usize] } else { miss }
            }
            // SAFETY (all arms): the caller's contract.
            KeyLayout::Packed(p) => match p.words {
                1 => unsafe { p.probe::<1>(words, cache, miss) },
                2 => unsafe { p.probe::<2>(words, cache, miss) },
                3 => unsafe { p.probe::<3>(words, cache, miss) },
                4 => unsafe { p.probe::<4>(words, cache, miss) },
                5 => unsafe { p.probe::<5>(words, cache, miss) },
                6 => unsafe { p.probe::<6>(words, cache, miss) },
                7 => unsafe { p.probe::<7>(words, cache, miss) },
                _ => unsafe { p.probe::<MAX_PACKED_WORDS>(words, cache, miss) },
            },
            // SAFETY: the caller's contract.
            KeyLayout::Parts(d) => unsafe { d.lookup(words, cache, miss) },
            KeyLayout::Arena(a) => {
                let part = |p: &[u64]| -> Option<Part<'_>> {
                    match p[0] {
                        1 => Some(Part::Int(p[1] as i64)),
                        // SAFETY: the caller's contract.
                        2 => Some(Part::Str(unsafe { std::slice::from_raw_parts(p[1] as *const u8, p[2] as usize) })),
                        _ => None,
                    }
                };
                if words.chunks_exact(PART_WORDS).any(|p| part(p).is_none()) {
                    return miss;
                }
                a.find(words.chunks_exact(PART_WORDS).filter_map(part), miss)
            }
        }
    }

    /// How generated code can probe this index itself, when its layout makes that a few
    /// instructions: the dense i64 array, and packed keys of one word (one i64 part, or one str
    /// part whose side keys are at most 7 bytes). Composite keys of the per-part layout are
    /// probed by generated code too ([`JoinIndex::inline_parts`]); other layouts go through
    /// [`willump_join_lookup`] (with its cache of recent keys).
    pub(crate) fn inline_probe(&self) -> Option<InlineProbe> {
        match &self.layout {
            KeyLayout::DenseInt { min, rows } => {
                Some(InlineProbe::Dense { min: *min, rows: rows.as_ptr() as i64, len: rows.len() as u64 })
            }
            KeyLayout::Packed(p) if p.words == 1 && p.parts.len() == 1 => Some(InlineProbe::OneWord {
                str_part: matches!(p.parts[0], PartShape::Str { .. }),
                slots: p.slots.as_ptr() as i64,
                mask: p.mask as u64,
            }),
            _ => None,
        }
    }

    /// How generated code probes a [`PartDicts`] index itself (every composite key of that
    /// layout with at most [`CACHE_HEADER_WORDS`] parts), or `None` for other layouts.
    pub(crate) fn inline_parts(&self) -> Option<InlineParts> {
        let KeyLayout::Parts(d) = &self.layout else { return None };
        if d.dicts.len() > CACHE_HEADER_WORDS {
            return None;
        }
        let parts = d
            .dicts
            .iter()
            .zip(&d.strides)
            .map(|(dict, &stride)| match dict {
                PartDict::Dense { min, ids, n_values } => InlinePart {
                    dict: InlineDict::Dense { min: *min, ids: ids.as_ptr() as i64, len: ids.len() as u64 },
                    n_values: *n_values,
                    stride: stride as u64,
                },
                PartDict::Packed { index, n_values } => InlinePart {
                    dict: InlineDict::Packed {
                        str_part: matches!(index.parts[0], PartShape::Str { .. }),
                        words: index.words,
                        slots: index.slots.as_ptr() as i64,
                        mask: index.mask as u64,
                    },
                    n_values: *n_values,
                    stride: stride as u64,
                },
            })
            .collect();
        Some(InlineParts { parts, rows: d.rows.as_ptr() as i64 })
    }

    /// The row a key absent from the side table gets (the default row of the value columns).
    pub(crate) fn miss_row(&self) -> u32 {
        self.n_side
    }

    /// The name of the layout (for tests and reports).
    #[cfg(test)]
    fn layout_name(&self) -> &'static str {
        match self.layout {
            KeyLayout::DenseInt { .. } => "dense-int",
            KeyLayout::Packed(_) => "packed",
            KeyLayout::Parts(_) => "part-dicts",
            KeyLayout::Arena(_) => "arena",
        }
    }
}

/// An index layout generated code probes without a call ([`JoinIndex::inline_probe`]). The
/// addresses are of buffers the [`JoinIndex`] owns.
#[derive(Debug, Clone, Copy)]
pub(crate) enum InlineProbe {
    /// `rows[key - min]` (`len` u32 rows; the miss row where no side row has the key).
    Dense { min: i64, rows: i64, len: u64 },
    /// Open addressing over slots of two words (packed key, side row; row `EMPTY` for an empty
    /// slot), `mask + 1` slots, hashed with [`packed_hash`]. The key is the i64, or a str part
    /// packed as [`PartShape::Str`] with one word (a longer probe string misses).
    OneWord { str_part: bool, slots: i64, mask: u64 },
}

/// A [`PartDicts`] index as generated code probes it ([`JoinIndex::inline_parts`]): each part's
/// id through its dictionary, then `rows[sum(id * stride)]` (u32 rows). Each hashed part keeps
/// its recent values and ids in a memo in the probe's cache area ([`inline_part_memo`]). The
/// addresses are of buffers the [`JoinIndex`] owns.
#[derive(Debug, Clone)]
pub(crate) struct InlineParts {
    /// Per key part.
    pub parts: Vec<InlinePart>,
    /// The address of the rows of every combination of ids.
    pub rows: i64,
}

/// One key part of [`InlineParts`].
#[derive(Debug, Clone, Copy)]
pub(crate) struct InlinePart {
    /// Its dictionary.
    pub dict: InlineDict,
    /// Its number of side values (the id of any other value).
    pub n_values: u32,
    /// The multiplier of its id.
    pub stride: u64,
}

/// A key part's dictionary as generated code reads it.
#[derive(Debug, Clone, Copy)]
pub(crate) enum InlineDict {
    /// An i64 part: `ids[value - min]` (`len` u32 ids; `n_values` where no side value is).
    Dense { min: i64, ids: i64, len: u64 },
    /// Open addressing over slots of `words + 1` words (the packed part, then its id; `EMPTY`
    /// for an empty slot), `mask + 1` slots, hashed with [`packed_hash`]. An i64 part is one word,
    /// its value; a str part is packed as [`PartShape::Str`] (a longer probe string misses).
    Packed { str_part: bool, words: usize, slots: i64, mask: u64 },
}

/// Where [`InlineParts`] keeps part `p`'s memo of recent values in a probe's cache area: a
/// direct-mapped table of `entries` (a power of two) ids plus one (0: empty) at byte `offset`,
/// then the entries' packed values (`words` each). Word `p` of the cache's header (zeroed on
/// loop entry) says whether the loop call has emptied the memo yet.
#[derive(Debug, Clone, Copy)]
pub(crate) struct PartMemo {
    /// Byte offset of the ids in the cache area.
    pub offset: usize,
    /// Entries (a power of two).
    pub entries: usize,
}

/// Part `p`'s memo ([`PartMemo`]) for values of `words` packed words: 16 entries where they fit
/// in the part's share of the cache area ([`CACHE_WORDS`] words), else 8. Flights' `time_hour`
/// in file order: a value equal to the last one 66% of the time, found in 16 direct-mapped
/// entries 97% of the time.
pub(crate) fn inline_part_memo(p: usize, words: usize) -> PartMemo {
    let entries = if 16 * (words + 1) <= CACHE_WORDS { 16 } else { 8 };
    PartMemo { offset: (CACHE_HEADER_WORDS + p * CACHE_WORDS) * 8, entries }
}

/// The row of an empty packed slot.
pub(crate) const EMPTY_ROW: u64 = EMPTY;

/// The index at `addr`.
///
/// # Safety
/// `addr` is the address of a [`JoinIndex`] alive for `'a` (the compiled pipeline keeps every
/// index it generated code for; code generation runs while it is alive).
pub(crate) unsafe fn index_at<'a>(addr: i64) -> &'a JoinIndex {
    // SAFETY: the caller's contract.
    unsafe { &*(addr as *const JoinIndex) }
}

/// The helper compiled loops call for a probe: the side row of the key parts at `parts`, or the
/// number of side rows.
///
/// # Safety
/// `index` points to a live [`JoinIndex`]; `parts` holds its `n_keys * PART_WORDS` words, string
/// parts addressing readable bytes, followed by `CACHE_WORDS` words of this probe's cache that
/// nothing else writes (its header zeroed, or as an earlier call with the same index left it).
pub unsafe extern "C" fn willump_join_lookup(index: *const JoinIndex, parts: *mut u64) -> u64 {
    // SAFETY: the caller's contract.
    unsafe {
        let index = &*index;
        let parts = std::slice::from_raw_parts_mut(parts, index.n_keys * PART_WORDS + cache_words(index.n_keys));
        index.lookup(parts) as u64
    }
}

#[cfg(test)]
mod tests {
    use willump_runtime::rng::Rng;
    use willump_runtime::value::{I64Column, StringColumn, Table};

    use super::*;

    /// One probe key part as a test writes it.
    #[derive(Clone, Debug)]
    enum K {
        S(Option<String>),
        I(Option<i64>),
    }

    fn column(parts: &[K]) -> Column {
        match &parts[0] {
            K::S(_) => {
                let v: Vec<Option<&str>> = parts
                    .iter()
                    .map(|k| match k {
                        K::S(s) => s.as_deref(),
                        K::I(_) => unreachable!("one type per column"),
                    })
                    .collect();
                Column::Str(StringColumn::from_options(&v))
            }
            K::I(_) => {
                let v: Vec<Option<i64>> = parts
                    .iter()
                    .map(|k| match k {
                        K::I(i) => *i,
                        K::S(_) => unreachable!("one type per column"),
                    })
                    .collect();
                Column::I64(I64Column::from_options(&v))
            }
        }
    }

    /// A table of `rows` (each a key) with key columns `k0, k1, ...` and a value column.
    fn table(rows: &[Vec<K>]) -> Table {
        let n_keys = rows[0].len();
        let mut cols: Vec<(String, Column)> = (0..n_keys)
            .map(|j| (format!("k{j}"), column(&rows.iter().map(|r| r[j].clone()).collect::<Vec<_>>())))
            .collect();
        cols.push(("v".into(), Column::I64(I64Column::new((0..rows.len() as i64).collect()))));
        Table::try_new(cols).unwrap()
    }

    /// Probes `index` with every key of `probes` in order through one cache (as a loop call
    /// does), and checks each against the eager join's lookup.
    fn check(j: &LeftJoin, index: &JoinIndex, probes: &[Vec<K>]) {
        let n_keys = probes[0].len();
        let names: Vec<String> = (0..n_keys).map(|j| format!("k{j}")).collect();
        let names: Vec<&str> = names.iter().map(|s| s.as_str()).collect();
        let want = j.lookup(&table(probes), &names).unwrap();
        let mut scratch = vec![0u64; probe_scratch_bytes(n_keys) / 8];
        for (p, w) in probes.iter().zip(&want) {
            for (i, k) in p.iter().enumerate() {
                let (tag, a, l) = match k {
                    K::S(Some(s)) => (2, s.as_ptr() as u64, s.len() as u64),
                    K::I(Some(v)) => (1, *v as u64, 0),
                    // a missing part's other words are whatever the code left there
                    _ => (0, 0xdead_beef, 7),
                };
                scratch[i * PART_WORDS..(i + 1) * PART_WORDS].copy_from_slice(&[tag, a, l]);
            }
            // SAFETY: the string parts address live strings of `p`.
            let got = unsafe { willump_join_lookup(index, scratch.as_mut_ptr()) };
            assert_eq!(got, w.map_or(j.n_side_rows() as u64, |r| r as u64), "{p:?}");
        }
    }

    fn fit(side: &[Vec<K>]) -> (LeftJoin, CompiledJoin) {
        let names: Vec<String> = (0..side[0].len()).map(|j| format!("k{j}")).collect();
        let names: Vec<&str> = names.iter().map(|s| s.as_str()).collect();
        let j = LeftJoin::fit(&table(side), &names, &[("v", Scalar::I64(-1))]).unwrap();
        let c = CompiledJoin::of(&j).unwrap();
        (j, c)
    }

    fn s(x: &str) -> K {
        K::S(Some(x.to_string()))
    }

    #[test]
    fn packed_strings_are_distinct_exactly_when_the_strings_are() {
        let alphabet: [&[u8]; 4] = [b"a", b"\0", "\u{e9}".as_bytes(), b"Z"];
        let mut strings: Vec<Vec<u8>> = vec![vec![]];
        let mut rng = Rng::new(5);
        for len in 1..24 {
            for _ in 0..40 {
                let mut v = Vec::new();
                while v.len() < len {
                    v.extend_from_slice(alphabet[(rng.next_f64() * 4.0) as usize]);
                }
                strings.push(v);
            }
            strings.push(vec![0; len]);
        }
        let pack = |b: &[u8]| {
            let mut w = [0u64; 4];
            pack_str(b, &mut w);
            w
        };
        for a in &strings {
            for b in &strings {
                if a.len() < 32 && b.len() < 32 {
                    assert_eq!(pack(a) == pack(b), a == b, "{a:?} {b:?}");
                }
            }
        }
    }

    #[test]
    fn one_str_key_packed() {
        let side: Vec<Vec<K>> = ["N101", "", "Ñ303😀", "N1", "N10", "N1010", "N101\0", "abcdefgh", "abcdefghijklmno"]
            .iter()
            .map(|x| vec![s(x)])
            .chain([vec![K::S(None)]])
            .collect();
        let (j, c) = fit(&side);
        assert_eq!(c.index.layout_name(), "packed");
        let probes: Vec<Vec<K>> = [
            "N101",
            "N101",
            "",
            "N10",
            "N1010",
            "N101\0",
            "N101\0\0",
            "X",
            "abcdefgh",
            "abcdefghi",
            "abcdefghijklmno",
            "abcdefghijklmnop",
            "abcdefghijklmnopq",
            "Ñ303😀",
            "Ñ303",
        ]
        .iter()
        .map(|x| vec![s(x)])
        .chain([vec![K::S(None)], vec![s("N101")]])
        .collect();
        check(&j, &c.index, &probes);
    }

    #[test]
    fn small_int_range_is_dense_and_wide_range_packed() {
        let side: Vec<Vec<K>> =
            [5i64, -3, 100, 7].iter().map(|&v| vec![K::I(Some(v))]).chain([vec![K::I(None)]]).collect();
        let (j, c) = fit(&side);
        assert_eq!(c.index.layout_name(), "dense-int");
        let probes: Vec<Vec<K>> = [-4i64, -3, 0, 5, 7, 99, 100, 101, i64::MIN, i64::MAX]
            .iter()
            .map(|&v| vec![K::I(Some(v))])
            .chain([vec![K::I(None)]])
            .collect();
        check(&j, &c.index, &probes);

        let side: Vec<Vec<K>> = [i64::MIN, 0, i64::MAX, 1 << 40].iter().map(|&v| vec![K::I(Some(v))]).collect();
        let (j, c) = fit(&side);
        assert_eq!(c.index.layout_name(), "packed");
        let probes: Vec<Vec<K>> =
            [i64::MIN, i64::MIN + 1, 0, 1, i64::MAX, 1 << 40].iter().map(|&v| vec![K::I(Some(v))]).collect();
        check(&j, &c.index, &probes);
    }

    #[test]
    fn composite_keys_through_the_cache() {
        // (origin, hour, stamp): 3 + 1 + 3 packed words; probes cycle over more keys than the
        // cache holds, repeat keys, and mix in unseen and null parts
        let origins = ["EWR", "JFK", "LGA"];
        let stamp = |h: i64| format!("2013-01-{:02}T{:02}:00:00Z", 1 + h / 24, h % 24);
        let mut side = Vec::new();
        for (i, o) in origins.iter().enumerate() {
            for h in 0..60i64 {
                if (h + i as i64) % 7 != 3 {
                    side.push(vec![s(o), K::I(Some(h)), s(&stamp(h))]);
                }
            }
        }
        let (j, c) = fit(&side);
        assert_eq!(c.index.layout_name(), "packed");
        let mut rng = Rng::new(11);
        let mut pick = |k: usize| (rng.next_f64() * k as f64) as usize;
        let mut probes = Vec::new();
        for _ in 0..3000 {
            let h = pick(64) as i64;
            let o = if pick(20) == 0 { K::S(None) } else { s(["EWR", "JFK", "LGA", "XYZ", "EW"][pick(5)]) };
            let hour = if pick(30) == 0 { K::I(None) } else { K::I(Some(h)) };
            let st = if pick(25) == 0 { s(&stamp(h + 1)) } else { s(&stamp(h)) };
            let p = vec![o, hour, st];
            for _ in 0..pick(4) {
                probes.push(p.clone());
            }
            probes.push(p);
        }
        check(&j, &c.index, &probes);
    }

    #[test]
    fn one_word_and_dense_keys_are_probed_inline() {
        // what `tests/jit_join_inline.rs` checks through compiled code relies on these shapes
        let inline = |side: &[Vec<K>]| fit(side).1.index.inline_probe();
        let short: Vec<Vec<K>> = ["N101", "", "abcdefg"].iter().map(|x| vec![s(x)]).collect();
        assert!(matches!(inline(&short), Some(InlineProbe::OneWord { str_part: true, .. })));
        let wide: Vec<Vec<K>> = [i64::MIN, i64::MAX].iter().map(|&v| vec![K::I(Some(v))]).collect();
        assert!(matches!(inline(&wide), Some(InlineProbe::OneWord { str_part: false, .. })));
        let dense: Vec<Vec<K>> = [1i64, 5, 9].iter().map(|&v| vec![K::I(Some(v))]).collect();
        assert!(matches!(inline(&dense), Some(InlineProbe::Dense { min: 1, len: 9, .. })));
        // eight bytes need a second word; composite keys keep the helper and its cache
        let eight: Vec<Vec<K>> = ["abcdefgh"].iter().map(|x| vec![s(x)]).collect();
        assert!(inline(&eight).is_none());
        assert!(inline(&[vec![s("EWR"), K::I(Some(5))]]).is_none());
    }

    #[test]
    fn composite_keys_by_part_dictionaries() {
        // (origin, stamp): every origin and stamp exists, not every pair; null side parts
        let origins = ["EWR", "Zürich", ""];
        let stamp = |h: usize| format!("2013-01-{:02}T{:02}:00:00Z", 1 + h / 24, h % 24);
        let mut side = Vec::new();
        for (i, o) in origins.iter().enumerate() {
            for h in 0..50 {
                if (h + i) % 7 != 3 {
                    side.push(vec![s(o), s(&stamp(h))]);
                }
            }
        }
        side.push(vec![K::S(None), s(&stamp(1))]);
        side.push(vec![s("EWR"), K::S(None)]);
        let (j, c) = fit(&side);
        assert_eq!(c.index.layout_name(), "part-dicts");
        let inline = c.index.inline_parts().expect("inline");
        assert_eq!(inline.parts.iter().map(|p| p.n_values).collect::<Vec<_>>(), [3, 50]);
        let mut rng = Rng::new(4);
        let mut pick = |k: usize| (rng.next_f64() * k as f64) as usize;
        let mut probes = Vec::new();
        for _ in 0..2000 {
            let o = match pick(10) {
                0 => K::S(None),
                1 => s("JFK"),
                2 => s("Zürich\0"),
                k => s(origins[k % 3]),
            };
            let t = match pick(12) {
                0 => K::S(None),
                1 => s(&stamp(60)),
                2 => s(&format!("{}!", stamp(2))),
                _ => s(&stamp(pick(50))),
            };
            probes.push(vec![o, t]);
        }
        check(&j, &c.index, &probes);

        // (small-range i64, str): a dense dictionary for the int part
        let side: Vec<Vec<K>> = (0..30i64)
            .filter(|v| v % 4 != 1)
            .map(|v| vec![K::I(Some(v / 3)), s(&"ab".repeat(v as usize % 3))])
            .collect();
        let (j, c) = fit(&side);
        assert_eq!(c.index.layout_name(), "part-dicts");
        assert!(matches!(c.index.inline_parts().unwrap().parts[0].dict, InlineDict::Dense { .. }));
        let probes: Vec<Vec<K>> = (-2..13i64)
            .flat_map(|v| ["", "ab", "abab", "abc"].map(|t| vec![K::I(Some(v)), s(t)]))
            .chain([vec![K::I(None), s("")], vec![K::I(Some(0)), K::S(None)]])
            .collect();
        check(&j, &c.index, &probes);
    }

    #[test]
    fn long_keys_use_the_arena() {
        let long = |i: usize| format!("{}{i}", "x".repeat(70));
        let side: Vec<Vec<K>> = (0..20).map(|i| vec![s(&long(i)), K::I(Some(i as i64))]).collect();
        let (j, c) = fit(&side);
        assert_eq!(c.index.layout_name(), "arena");
        let probes: Vec<Vec<K>> = (0..25)
            .map(|i| vec![s(&long(i)), K::I(Some(i as i64 % 22))])
            .chain([vec![K::S(None), K::I(Some(1))], vec![s(&long(1)), K::I(None)], vec![s("short"), K::I(Some(1))]])
            .collect();
        check(&j, &c.index, &probes);
    }

    #[test]
    fn keys_colliding_in_the_hash_still_compare_exactly() {
        // a table of a few slots: every key lands near every other, probes walk the chain
        let side: Vec<Vec<K>> = vec![vec![s("a")]];
        let (j, c) = fit(&side);
        check(&j, &c.index, &[vec![s("b")], vec![s("a")], vec![s("")], vec![s("a\0")]]);
        // many keys sharing their first words
        let side: Vec<Vec<K>> = (0..500).map(|i| vec![s(&format!("2013-01-01T00:00:{i:03}"))]).collect();
        let (j, c) = fit(&side);
        let probes: Vec<Vec<K>> = (0..600).map(|i| vec![s(&format!("2013-01-01T00:00:{i:03}"))]).collect();
        check(&j, &c.index, &probes);
    }
}
