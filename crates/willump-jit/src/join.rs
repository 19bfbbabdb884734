//! Joins in compiled loops: the side table is indexed once at compile time; a probe is one call
//! of [`willump_join_lookup`] with the row's key parts, and the gather of each value column is a
//! native load from a copy of the column extended with its default at the end (the row a missing
//! key gets), so probe and gather are fused into the row loop.
//!
//! Semantics are the eager `LeftJoin`'s: keys compare exactly part by part (str byte for byte,
//! i64 by value); a probe key with a missing part, or absent from the side table, gets every
//! value column's default (`Missing` makes the value missing); side rows with a missing key part
//! never match.

use std::collections::HashMap;

use willump_ir::ColumnType;
use willump_ir::params::table::Scalar;
use willump_runtime::ops::table::LeftJoin;
use willump_runtime::value::Column;

/// One key part as the generated code passes it: a tag (0 missing, 1 i64, 2 str), then the i64
/// value or the string's address, then the string's length.
pub(crate) const PART_WORDS: usize = 3;

/// A side table's key index.
#[derive(Debug)]
pub(crate) struct JoinIndex {
    /// Side rows by encoded key.
    map: HashMap<Vec<u8>, u32>,
    /// Single i64 key: side rows by value (the common case, no encoding).
    ints: Option<HashMap<i64, u32>>,
    n_side: u32,
    n_keys: usize,
}

/// A value column extended with its default: `n_side + 1` values and validity bytes.
#[derive(Debug)]
pub(crate) struct ExtendedColumn {
    /// f64 bits, i64, or 0/1 (bool), one `u64` per row.
    pub values: Vec<u64>,
    /// 1 when present.
    pub valid: Vec<u8>,
    /// The element type.
    pub elem: ColumnType,
}

/// A compiled join.
#[derive(Debug)]
pub(crate) struct CompiledJoin {
    pub index: JoinIndex,
    pub columns: Vec<ExtendedColumn>,
}

/// Appends one key part's encoding (tag, then the value) to `out`.
fn encode_i64(out: &mut Vec<u8>, v: i64) {
    out.push(1);
    out.extend_from_slice(&v.to_le_bytes());
}

fn encode_str(out: &mut Vec<u8>, s: &[u8]) {
    out.push(2);
    out.extend_from_slice(&(s.len() as u64).to_le_bytes());
    out.extend_from_slice(s);
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
        let mut map = HashMap::new();
        let single_int = keys.len() == 1 && matches!(keys[0], Column::I64(_));
        let mut ints = single_int.then(HashMap::new);
        let mut buf = Vec::new();
        'rows: for r in 0..n_side {
            buf.clear();
            for c in &keys {
                match c {
                    Column::I64(c) => match c.get(r) {
                        Some(v) => encode_i64(&mut buf, v),
                        None => continue 'rows,
                    },
                    Column::Str(c) => match c.get(r) {
                        Some(s) => encode_str(&mut buf, s.as_bytes()),
                        None => continue 'rows,
                    },
                    _ => return None,
                }
            }
            if let (Some(m), Column::I64(c)) = (ints.as_mut(), keys[0]) {
                m.insert(c.get(r)?, r as u32);
            } else {
                map.insert(buf.clone(), r as u32);
            }
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
            columns.push(ExtendedColumn { values, valid, elem });
        }
        Some(CompiledJoin { index: JoinIndex { map, ints, n_side: n_side as u32, n_keys: keys.len() }, columns })
    }
}

impl JoinIndex {
    /// The side row of the key in `parts` (`n_keys * PART_WORDS` words), or `n_side`.
    ///
    /// # Safety
    /// Every str part's address and length describe readable bytes.
    unsafe fn lookup(&self, parts: &[u64]) -> u32 {
        if let Some(ints) = &self.ints {
            return match parts[0] {
                1 => ints.get(&(parts[1] as i64)).copied().unwrap_or(self.n_side),
                _ => self.n_side,
            };
        }
        // Most keys fit a stack buffer; longer ones are encoded on the heap.
        let mut small = [0u8; 256];
        let mut len = 0usize;
        let mut heap: Option<Vec<u8>> = None;
        let mut push = |bytes: &[u8]| match heap.as_mut() {
            Some(h) => h.extend_from_slice(bytes),
            None if len + bytes.len() <= small.len() => {
                small[len..len + bytes.len()].copy_from_slice(bytes);
                len += bytes.len();
            }
            None => {
                let mut h = small[..len].to_vec();
                h.extend_from_slice(bytes);
                heap = Some(h);
            }
        };
        for p in parts.chunks_exact(PART_WORDS).take(self.n_keys) {
            match p[0] {
                1 => {
                    push(&[1]);
                    push(&(p[1] as i64).to_le_bytes());
                }
                2 => {
                    // SAFETY: the caller's contract.
                    let s = unsafe { std::slice::from_raw_parts(p[1] as *const u8, p[2] as usize) };
                    push(&[2]);
                    push(&(s.len() as u64).to_le_bytes());
                    push(s);
                }
                _ => return self.n_side,
            }
        }
        let key: &[u8] = heap.as_deref().unwrap_or(&small[..len]);
        self.map.get(key).copied().unwrap_or(self.n_side)
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
