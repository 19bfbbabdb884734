//! Joins in compiled loops: the side table is indexed once at compile time; a probe is one call
//! of [`willump_join_lookup`] with the row's key parts, and the gather of each value column is a
//! native load from a copy of the column extended with its default at the end (the row a missing
//! key gets), so probe and gather are fused into the row loop.
//!
//! Semantics are the eager `LeftJoin`'s: keys compare exactly part by part (str byte for byte,
//! i64 by value); a probe key with a missing part, or absent from the side table, gets every
//! value column's default (`Missing` makes the value missing); side rows with a missing key part
//! never match.

use willump_ir::ColumnType;
use willump_ir::params::table::Scalar;
use willump_runtime::ops::table::LeftJoin;
use willump_runtime::value::Column;

/// One key part as the generated code passes it: a tag (0 missing, 1 i64, 2 str), then the i64
/// value or the string's address, then the string's length.
pub(crate) const PART_WORDS: usize = 3;

/// A side table's key index: open addressing (at most half full) over (hash, row, key span)
/// slots, the encoded keys back to back in one arena. A probe compares the hash, then the bytes.
#[derive(Debug)]
pub(crate) struct JoinIndex {
    /// Per slot: the key's hash (`u64::MAX` for an empty slot).
    hashes: Vec<u64>,
    /// Per slot: side row, arena offset, key length.
    slots: Vec<[u32; 3]>,
    arena: Vec<u8>,
    mask: usize,
    n_side: u32,
    n_keys: usize,
}

const K0: u64 = 0x9E37_79B9_7F4A_7C15;
const K1: u64 = 0xD6E8_FEB8_6659_FD93;

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
#[derive(Clone, Copy)]
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

/// A value column extended with its default: `n_side + 1` values and validity bytes.
#[derive(Debug)]
pub(crate) struct ExtendedColumn {
    /// f64 bits, i64, or 0/1 (bool), one `u64` per row.
    pub values: Vec<u64>,
    /// 1 when present.
    pub valid: Vec<u8>,
}

/// A compiled join.
#[derive(Debug)]
pub(crate) struct CompiledJoin {
    pub index: JoinIndex,
    pub columns: Vec<ExtendedColumn>,
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
        let size = (2 * n_side.max(1)).next_power_of_two();
        let mut index = JoinIndex {
            hashes: vec![u64::MAX; size],
            slots: vec![[0; 3]; size],
            arena: Vec::new(),
            mask: size - 1,
            n_side: n_side as u32,
            n_keys: keys.len(),
        };
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
            // keys are unique (checked when the join was fitted)
            let h = key_hash(parts.iter().copied());
            let mut i = h as usize & index.mask;
            while index.hashes[i] != u64::MAX {
                i = (i + 1) & index.mask;
            }
            let start = index.arena.len();
            for p in &parts {
                match p {
                    Part::Int(v) => index.arena.extend_from_slice(&v.to_le_bytes()),
                    Part::Str(b) => {
                        index.arena.extend_from_slice(&(b.len() as u32).to_le_bytes());
                        index.arena.extend_from_slice(b);
                    }
                }
            }
            index.hashes[i] = h;
            index.slots[i] = [r as u32, start as u32, (index.arena.len() - start) as u32];
        }
        let mut columns = Vec::new();
        for (name, default) in j.value_names().iter().zip(j.defaults()) {
            let col = side.column("join", name).ok()?;
            let mut values: Vec<u64> = Vec::with_capacity(n_side + 1);
            let mut valid: Vec<u8> = Vec::with_capacity(n_side + 1);
            let elem = col.column_type();
            for r in 0..n_side {
                let (v, ok) = match col {
                    Column::F64(c) => (c.get(r).unwrap_or(0.0).to_bits(), c.is_valid(r)),
                    Column::I64(c) => (c.get(r).unwrap_or(0) as u64, c.is_valid(r)),
                    Column::Bool(c) => (c.get(r).unwrap_or(false) as u64, c.is_valid(r)),
                    Column::Str(_) => return None,
                };
                values.push(v);
                valid.push(ok as u8);
            }
            let (v, ok) = match (elem, default) {
                (_, Scalar::Missing) => (0, false),
                (ColumnType::F64, Scalar::F64(x)) => (x.to_bits(), true),
                (ColumnType::F64, Scalar::I64(x)) => ((*x as f64).to_bits(), true),
                (ColumnType::I64, Scalar::I64(x)) => (*x as u64, true),
                (ColumnType::Bool, Scalar::Bool(x)) => (*x as u64, true),
                _ => return None,
            };
            values.push(v);
            valid.push(ok as u8);
            columns.push(ExtendedColumn { values, valid });
        }
        Some(CompiledJoin { index, columns })
    }
}

impl JoinIndex {
    /// The side row of the key in `parts` (`n_keys * PART_WORDS` words), or `n_side`.
    ///
    /// # Safety
    /// Every str part's address and length describe readable bytes.
    unsafe fn lookup(&self, parts: &[u64]) -> u32 {
        let part = |p: &[u64]| -> Option<Part<'_>> {
            match p[0] {
                1 => Some(Part::Int(p[1] as i64)),
                // SAFETY: the caller's contract.
                2 => Some(Part::Str(unsafe { std::slice::from_raw_parts(p[1] as *const u8, p[2] as usize) })),
                _ => None,
            }
        };
        let words = &parts[..self.n_keys * PART_WORDS];
        if words.chunks_exact(PART_WORDS).any(|p| part(p).is_none()) {
            return self.n_side;
        }
        let probe = || words.chunks_exact(PART_WORDS).filter_map(part);
        let h = key_hash(probe());
        let mut i = h as usize & self.mask;
        loop {
            let sh = self.hashes[i];
            if sh == u64::MAX {
                return self.n_side;
            }
            if sh == h {
                let [row, off, len] = self.slots[i];
                if self.same(&self.arena[off as usize..(off + len) as usize], probe()) {
                    return row;
                }
            }
            i = (i + 1) & self.mask;
        }
    }

    /// Whether the stored key `stored` has exactly the parts `probe`.
    #[inline(always)]
    fn same<'a>(&self, mut stored: &[u8], probe: impl Iterator<Item = Part<'a>>) -> bool {
        for p in probe {
            match p {
                Part::Int(v) => {
                    if stored.len() < 8 || stored[..8] != v.to_le_bytes() {
                        return false;
                    }
                    stored = &stored[8..];
                }
                Part::Str(b) => {
                    if stored.len() < 4
                        || u32::from_le_bytes(stored[..4].try_into().expect("4 bytes")) as usize != b.len()
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
}

/// The helper compiled loops call for a probe: the side row of the key parts at `parts`, or the
/// number of side rows.
///
/// # Safety
/// `index` points to a live [`JoinIndex`]; `parts` holds its `n_keys * PART_WORDS` words, string
/// parts addressing readable bytes.
pub unsafe extern "C" fn willump_join_lookup(index: *const JoinIndex, parts: *const u64) -> u64 {
    // SAFETY: the caller's contract.
    unsafe {
        let index = &*index;
        let parts = std::slice::from_raw_parts(parts, index.n_keys * PART_WORDS);
        index.lookup(parts) as u64
    }
}
