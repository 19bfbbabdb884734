//! Key columns (one or several, str and/or i64) and a hash index over the rows of a table's key
//! columns that never allocates per probe: a row's parts are hashed in place into one u64, the
//! index maps that hash to a row, and every candidate is compared part by part, exactly (two keys
//! with the same hash are chained, so a collision costs a comparison, never a wrong match).

use std::hash::Hasher;

use rustc_hash::{FxHashMap, FxHasher};

use crate::error::{Error, Result};
use crate::value::{Column, ColumnType, I64Column, StringColumn, Table};

/// No row (end of a chain, or no match).
pub(crate) const NONE: u32 = u32::MAX;

/// One key column, by type.
#[derive(Debug, Clone, Copy)]
pub(crate) enum KeyPart<'a> {
    Str(&'a StringColumn),
    I64(&'a I64Column),
}

impl KeyPart<'_> {
    fn column_type(&self) -> ColumnType {
        match self {
            KeyPart::Str(_) => ColumnType::Str,
            KeyPart::I64(_) => ColumnType::I64,
        }
    }

    #[inline]
    fn is_valid(&self, i: usize) -> bool {
        match self {
            KeyPart::Str(c) => c.is_valid(i),
            KeyPart::I64(c) => c.is_valid(i),
        }
    }

    #[inline]
    fn hash_into(&self, i: usize, h: &mut FxHasher) {
        match self {
            KeyPart::Str(c) => {
                h.write(c.value(i).as_bytes());
                // A terminator, so that ("ab", "c") and ("a", "bc") hash apart.
                h.write_u8(0xff);
            }
            KeyPart::I64(c) => h.write_i64(c.values()[i]),
        }
    }

    /// Whether row `i` here equals row `j` of `other` (same type; both rows valid).
    #[inline]
    fn eq_at(&self, i: usize, other: &KeyPart<'_>, j: usize) -> bool {
        match (self, other) {
            (KeyPart::Str(a), KeyPart::Str(b)) => bytes_eq(a.value(i).as_bytes(), b.value(j).as_bytes()),
            (KeyPart::I64(a), KeyPart::I64(b)) => a.values()[i] == b.values()[j],
            _ => false,
        }
    }

    fn render(&self, i: usize) -> String {
        match self {
            KeyPart::Str(c) => format!("{:?}", c.value(i)),
            KeyPart::I64(c) => c.values()[i].to_string(),
        }
    }
}

/// Byte equality with the short keys of joins (codes, ids, timestamps) compared in registers:
/// overlapping 4- or 8-byte loads (up to 32 bytes) instead of a call to `memcmp`.
#[inline]
fn bytes_eq(a: &[u8], b: &[u8]) -> bool {
    let n = a.len();
    if n != b.len() {
        return false;
    }
    let word8 = |s: &[u8], at: usize| u64::from_le_bytes(s[at..at + 8].try_into().expect("8 bytes"));
    let word4 = |s: &[u8], at: usize| u32::from_le_bytes(s[at..at + 4].try_into().expect("4 bytes"));
    match n {
        0..4 => a.iter().zip(b).all(|(x, y)| x == y),
        4..8 => word4(a, 0) == word4(b, 0) && word4(a, n - 4) == word4(b, n - 4),
        8..=16 => word8(a, 0) == word8(b, 0) && word8(a, n - 8) == word8(b, n - 8),
        17..=32 => {
            word8(a, 0) == word8(b, 0)
                && word8(a, 8) == word8(b, 8)
                && word8(a, n - 16) == word8(b, n - 16)
                && word8(a, n - 8) == word8(b, n - 8)
        }
        _ => a == b,
    }
}

/// The key columns of one table, in key order.
#[derive(Debug, Clone)]
pub(crate) struct KeyColumns<'a> {
    parts: Vec<KeyPart<'a>>,
    names: Vec<&'a str>,
    has_nulls: bool,
    n_rows: usize,
    /// ANDed into every hash: all ones, except in tests that force every key to collide.
    mask: u64,
}

impl<'a> KeyColumns<'a> {
    /// The columns `names` of `table` as keys. Errors (naming `op` and the column): no key
    /// columns, an unknown column, an f64 or bool column.
    pub(crate) fn from_table(op: &str, table: &'a Table, names: &[&'a str]) -> Result<Self> {
        let cols = names.iter().map(|&n| Ok((n, table.column(op, n)?))).collect::<Result<Vec<_>>>()?;
        Self::from_columns(op, &cols, table.n_rows())
    }

    /// Named key columns of `n_rows` rows each.
    pub(crate) fn from_columns(op: &str, cols: &[(&'a str, &'a Column)], n_rows: usize) -> Result<Self> {
        if cols.is_empty() {
            return Err(Error::op(op, "at least one key column is needed"));
        }
        let mut parts = Vec::with_capacity(cols.len());
        let mut has_nulls = false;
        for &(name, col) in cols {
            if col.len() != n_rows {
                return Err(Error::invalid(op, name, format!("{} rows, expected {n_rows}", col.len())));
            }
            parts.push(match col {
                Column::Str(c) => {
                    has_nulls |= c.null_count() > 0;
                    KeyPart::Str(c)
                }
                Column::I64(c) => {
                    has_nulls |= c.null_count() > 0;
                    KeyPart::I64(c)
                }
                other => {
                    return Err(Error::invalid(
                        op,
                        name,
                        format!(
                            "join keys must be str or i64 columns, found {} (f64 keys are rejected: float \
                             equality is not a sound join condition; cast to i64 or format as str)",
                            other.column_type()
                        ),
                    ));
                }
            });
        }
        Ok(KeyColumns { parts, names: cols.iter().map(|c| c.0).collect(), has_nulls, n_rows, mask: u64::MAX })
    }

    /// Number of rows.
    pub(crate) fn n_rows(&self) -> usize {
        self.n_rows
    }

    /// Checks that `self` (the probe) has the same number and types of keys as `side`.
    pub(crate) fn check_compatible(&self, op: &str, side: &KeyColumns<'_>) -> Result<()> {
        if self.parts.len() != side.parts.len() {
            return Err(Error::op(
                op,
                format!(
                    "{} probe key columns ({}) for {} side key columns ({})",
                    self.parts.len(),
                    self.names.join(", "),
                    side.parts.len(),
                    side.names.join(", ")
                ),
            ));
        }
        for (k, (p, s)) in self.parts.iter().zip(&side.parts).enumerate() {
            if p.column_type() != s.column_type() {
                return Err(Error::invalid(
                    op,
                    self.names[k],
                    format!(
                        "key type mismatch: probe key is {}, side key `{}` is {}",
                        p.column_type(),
                        side.names[k],
                        s.column_type()
                    ),
                ));
            }
        }
        Ok(())
    }

    /// The hash of row `i`'s key, or `None` when any part is null.
    #[inline]
    pub(crate) fn hash(&self, i: usize) -> Option<u64> {
        if self.has_nulls && !self.parts.iter().all(|p| p.is_valid(i)) {
            return None;
        }
        let mut h = FxHasher::default();
        for p in &self.parts {
            p.hash_into(i, &mut h);
        }
        Some(h.finish() & self.mask)
    }

    /// The same keys with every hash equal, so that every lookup walks a collision chain (tests
    /// of the exact comparison).
    #[cfg(test)]
    pub(crate) fn with_colliding_hashes(mut self) -> Self {
        self.mask = 0;
        self
    }

    /// Whether row `i` here and row `j` of `other` hold the same key (both rows non-null).
    #[inline]
    pub(crate) fn eq_at(&self, i: usize, other: &KeyColumns<'_>, j: usize) -> bool {
        self.parts.iter().zip(&other.parts).all(|(a, b)| a.eq_at(i, b, j))
    }

    /// Row `i`'s key as text, for error messages: `(origin = "EWR", hour = 5)`.
    pub(crate) fn render(&self, i: usize) -> String {
        let parts: Vec<String> =
            self.names.iter().zip(&self.parts).map(|(n, p)| format!("{n} = {}", p.render(i))).collect();
        format!("({})", parts.join(", "))
    }

    /// The key column names, comma-separated.
    pub(crate) fn names(&self) -> String {
        self.names.join(", ")
    }
}

/// A hash index from distinct keys to one row each (the first row holding that key).
///
/// Only row numbers are stored; the key columns are passed back in at lookup time, so the index
/// can be rebuilt from saved columns and never borrows them.
#[derive(Debug, Clone, Default)]
pub(crate) struct KeyIndex {
    /// Key hash -> first row of the chain of distinct keys with that hash.
    heads: FxHashMap<u64, u32>,
    /// Per indexed row: the next row with the same hash (another key), or [`NONE`].
    next: Vec<u32>,
}

/// What [`KeyIndex::build`] does with a key seen twice.
pub(crate) enum OnDuplicate {
    /// An error naming the key columns and the key.
    Reject,
    /// Keep the first row as the key's representative.
    Group,
}

/// A built index, with the grouping of the rows when asked for.
pub(crate) struct Built {
    pub index: KeyIndex,
    /// Per row: its distinct key's group number (first-seen order), or [`NONE`] for a null key.
    pub group_of_row: Vec<u32>,
    /// Per group: its first row.
    pub first_rows: Vec<u32>,
}

impl KeyIndex {
    /// Indexes the rows of `keys`. Rows with a null key part are left out (they match nothing).
    pub(crate) fn build(op: &str, keys: &KeyColumns<'_>, dup: OnDuplicate) -> Result<Built> {
        let n = keys.n_rows();
        if n >= NONE as usize {
            return Err(Error::op(op, format!("{n} rows is more than an index holds ({})", NONE - 1)));
        }
        let mut heads: FxHashMap<u64, u32> = FxHashMap::default();
        heads.reserve(n);
        let mut next = vec![NONE; n];
        let mut group_of_row = vec![NONE; n];
        let mut first_rows = Vec::new();
        for i in 0..n {
            let Some(h) = keys.hash(i) else { continue };
            let head = *heads.entry(h).or_insert(i as u32);
            let mut found = NONE;
            if head != i as u32 {
                let mut r = head;
                while r != NONE {
                    if keys.eq_at(r as usize, keys, i) {
                        found = r;
                        break;
                    }
                    r = next[r as usize];
                }
                if found == NONE {
                    // A new key that shares its hash with another: chain it in front.
                    next[i] = head;
                    heads.insert(h, i as u32);
                }
            }
            if found == NONE {
                group_of_row[i] = first_rows.len() as u32;
                first_rows.push(i as u32);
            } else {
                match dup {
                    OnDuplicate::Reject => {
                        return Err(Error::op(
                            op,
                            format!(
                                "duplicate key in the side table on key columns ({}): {} at rows {found} and {i}",
                                keys.names(),
                                keys.render(i)
                            ),
                        ));
                    }
                    OnDuplicate::Group => group_of_row[i] = group_of_row[found as usize],
                }
            }
        }
        Ok(Built { index: KeyIndex { heads, next }, group_of_row, first_rows })
    }

    /// The indexed row of `side` whose key equals row `i` of `probe`, or [`NONE`] (also for a
    /// null probe key). `probe` must be compatible with `side` (same key types).
    #[inline]
    pub(crate) fn lookup(&self, side: &KeyColumns<'_>, probe: &KeyColumns<'_>, i: usize) -> u32 {
        let Some(h) = probe.hash(i) else { return NONE };
        let mut r = self.heads.get(&h).copied().unwrap_or(NONE);
        while r != NONE {
            if side.eq_at(r as usize, probe, i) {
                return r;
            }
            r = self.next[r as usize];
        }
        NONE
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::value::{I64Column, StringColumn};

    fn table() -> Table {
        Table::try_new(vec![
            ("s".into(), Column::Str(StringColumn::from_options(&[Some("ab"), Some("a"), None, Some(""), Some("ab")]))),
            ("i".into(), Column::I64(I64Column::from(vec![1, 1, 2, 3, 2]))),
        ])
        .unwrap()
    }

    /// With every hash forced equal, lookups still find exactly the right row: the index never
    /// trusts a hash alone.
    #[test]
    fn exact_comparison_under_total_collision() {
        let t = table();
        for colliding in [false, true] {
            let mut keys = KeyColumns::from_table("t", &t, &["s", "i"]).unwrap();
            if colliding {
                keys = keys.with_colliding_hashes();
            }
            let built = KeyIndex::build("t", &keys, OnDuplicate::Reject).unwrap();
            assert_eq!(built.first_rows, vec![0, 1, 3, 4], "the null-key row 2 is not indexed");
            for i in [0, 1, 3, 4] {
                assert_eq!(built.index.lookup(&keys, &keys, i), i as u32);
            }
            assert_eq!(built.index.lookup(&keys, &keys, 2), NONE, "a null key matches nothing");
        }
    }

    #[test]
    fn split_strings_do_not_collide_into_equality() {
        let t = Table::try_new(vec![
            ("a".into(), Column::Str(StringColumn::from_strs(&["ab", "a"]))),
            ("b".into(), Column::Str(StringColumn::from_strs(&["c", "bc"]))),
        ])
        .unwrap();
        let keys = KeyColumns::from_table("t", &t, &["a", "b"]).unwrap().with_colliding_hashes();
        let built = KeyIndex::build("t", &keys, OnDuplicate::Reject).unwrap();
        assert_eq!(built.first_rows, vec![0, 1]);
    }

    #[test]
    fn short_byte_equality() {
        let words =
            ["", "a", "ab", "abc", "abcd", "abce", "abcdefg", "abcdefgh", "abcdefgi", "N12345XY", "0123456789abcdef"];
        let longer = [
            "0123456789abcdefg",
            "0123456789abcdefh",
            "bcdefgh",
            "xbcdefgh",
            "2013-01-01T06:00:00Z",
            "2013-01-01T07:00:00Z",
            "2013-01-01T06:00:00Y",
            "0123456789abcdef0123456789abcdef",
            "0123456789abcdef0123456789abcdeg",
            "0123456789abcdef0123456789abcdef!",
        ];
        for a in words.iter().chain(&longer) {
            for b in words.iter().chain(&longer) {
                assert_eq!(bytes_eq(a.as_bytes(), b.as_bytes()), a == b, "{a:?} vs {b:?}");
            }
        }
    }

    #[test]
    fn grouping_and_duplicates() {
        let t = table();
        let keys = KeyColumns::from_table("t", &t, &["i"]).unwrap().with_colliding_hashes();
        let built = KeyIndex::build("t", &keys, OnDuplicate::Group).unwrap();
        assert_eq!(built.group_of_row, vec![0, 0, 1, 2, 1]);
        let e = KeyIndex::build("join", &keys, OnDuplicate::Reject).err().unwrap().to_string();
        assert_eq!(e, "join: duplicate key in the side table on key columns (i): (i = 1) at rows 0 and 1");
    }
}
