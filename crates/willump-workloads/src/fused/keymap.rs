//! Exact string-key lookups for fused loops: [`StrKeyMap`] keeps keys of 1 to 7 bytes packed into
//! a `u64` inside an open-addressing table (one multiply and usually one cache line per probe,
//! no pointer to follow), and any other key in an ordinary hash map; [`HourKeyMap`] turns a
//! canonical `YYYY-MM-DDTHH:00:00Z` timestamp into a dense array index.

use rustc_hash::FxHashMap;

/// `s` packed into a `u64` (its bytes little-endian, its length in the top byte) when it has 1
/// to 7 bytes: two such keys are equal exactly when the strings are.
#[inline(always)]
fn pack(s: &[u8]) -> Option<u64> {
    let n = s.len();
    if n == 0 || n > 7 {
        return None;
    }
    let mut k = (n as u64) << 56;
    for (i, &b) in s.iter().enumerate() {
        k |= (b as u64) << (8 * i);
    }
    Some(k)
}

/// A map from strings to small copyable values, exact for every key.
#[derive(Debug, Clone)]
pub struct StrKeyMap<V: Copy> {
    /// `(packed key, value)`; key 0 marks an empty slot (no packed key is 0).
    slots: Vec<(u64, V)>,
    shift: u32,
    long: FxHashMap<Box<str>, V>,
}

impl<V: Copy + Default> StrKeyMap<V> {
    /// A map of `entries` (later entries win for a repeated key).
    pub fn new<'a>(entries: impl IntoIterator<Item = (&'a str, V)>) -> Self {
        let entries: Vec<(&str, V)> = entries.into_iter().collect();
        let cap = (entries.len() * 2).next_power_of_two().max(16);
        let mut m = StrKeyMap {
            slots: vec![(0, V::default()); cap],
            shift: 64 - cap.trailing_zeros(),
            long: FxHashMap::default(),
        };
        for (k, v) in entries {
            m.insert(k, v);
        }
        m
    }

    #[inline(always)]
    fn slot(&self, k: u64) -> usize {
        (k.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> self.shift) as usize
    }

    fn insert(&mut self, key: &str, v: V) {
        let Some(k) = pack(key.as_bytes()) else {
            self.long.insert(key.into(), v);
            return;
        };
        let mask = self.slots.len() - 1;
        let mut i = self.slot(k);
        while self.slots[i].0 != 0 && self.slots[i].0 != k {
            i = (i + 1) & mask;
        }
        self.slots[i] = (k, v);
    }

    /// The value of `key`.
    #[inline]
    pub fn get(&self, key: &str) -> Option<V> {
        match pack(key.as_bytes()) {
            Some(k) => {
                let mask = self.slots.len() - 1;
                let mut i = self.slot(k);
                loop {
                    let (sk, v) = self.slots[i];
                    if sk == k {
                        return Some(v);
                    }
                    if sk == 0 {
                        return None;
                    }
                    i = (i + 1) & mask;
                }
            }
            None => self.long.get(key).copied(),
        }
    }
}

/// Hours since 1970 of a canonical `YYYY-MM-DDTHH:00:00Z` string with a real date and hour, or
/// `None` (then the string is looked up as a string).
#[inline]
pub fn canonical_hour(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    if b.len() != 20 || &b[4..5] != b"-" || &b[7..8] != b"-" || &b[10..11] != b"T" || &b[13..] != b":00:00Z" {
        return None;
    }
    let num = |r: std::ops::Range<usize>| -> Option<i64> {
        b[r].iter().try_fold(0i64, |acc, &c| c.is_ascii_digit().then(|| acc * 10 + (c - b'0') as i64))
    };
    let (y, m, d, h) = (num(0..4)?, num(5..7)?, num(8..10)?, num(11..13)?);
    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let days_in = match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return None,
    };
    if d < 1 || d > days_in || h > 23 {
        return None;
    }
    // Days since 1970-01-01 (Hinnant's days_from_civil).
    let yy = if m <= 2 { y - 1 } else { y };
    let era = yy.div_euclid(400);
    let yoe = yy - era * 400;
    let doy = (153 * ((m + 9) % 12) + 2) / 5 + d - 1;
    let days = era * 146_097 + yoe * 365 + yoe / 4 - yoe / 100 + doy - 719_468;
    Some(days * 24 + h)
}

/// A map from timestamps to values: canonical hourly timestamps in a dense array over their
/// range, any other string in a hash map. Exact: a canonical string and its hour determine each
/// other.
#[derive(Debug, Clone)]
pub struct HourKeyMap<V: Copy> {
    first: i64,
    dense: Vec<Option<V>>,
    other: FxHashMap<Box<str>, V>,
}

impl<V: Copy> HourKeyMap<V> {
    /// A map of `entries`; the dense range is capped at ten years of hours (the rest go to the
    /// hash map).
    pub fn new<'a>(entries: impl IntoIterator<Item = (&'a str, V)> + Clone) -> Self {
        let hours: Vec<i64> = entries.clone().into_iter().filter_map(|(k, _)| canonical_hour(k)).collect();
        let first = hours.iter().copied().min().unwrap_or(0);
        let last = hours.iter().copied().max().unwrap_or(-1);
        let span = (last - first + 1).clamp(0, 24 * 366 * 10) as usize;
        let mut m = HourKeyMap { first, dense: vec![None; span], other: FxHashMap::default() };
        for (k, v) in entries {
            match canonical_hour(k).map(|h| h - first).filter(|&i| i >= 0 && (i as usize) < span) {
                Some(i) => m.dense[i as usize] = Some(v),
                None => {
                    m.other.insert(k.into(), v);
                }
            }
        }
        m
    }

    /// The value of `key`.
    #[inline]
    pub fn get(&self, key: &str) -> Option<V> {
        if let Some(h) = canonical_hour(key) {
            let i = h - self.first;
            if i >= 0 && (i as usize) < self.dense.len() {
                return self.dense[i as usize];
            }
        }
        self.other.get(key).copied()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_long_and_missing_keys() {
        let keys = ["N14228", "", "a", "ABCDEFG", "ABCDEFGH", "ü", "N1", "dup"];
        let m = StrKeyMap::new(keys.iter().enumerate().map(|(i, k)| (*k, i as u32)).chain([("dup", 99)]));
        for (i, k) in keys.iter().enumerate().take(7) {
            assert_eq!(m.get(k), Some(i as u32), "{k:?}");
        }
        assert_eq!(m.get("dup"), Some(99));
        for k in ["N1422", "N142288", "b", "ABCDEFGHI", "u", "N1\0"] {
            assert_eq!(m.get(k), None, "{k:?}");
        }
    }

    #[test]
    fn hours_dense_and_other() {
        assert_eq!(canonical_hour("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(canonical_hour("2013-01-01T10:00:00Z"), Some(15_706 * 24 + 10));
        for bad in ["2013-02-29T00:00:00Z", "2013-01-01T24:00:00Z", "2013-01-01T10:30:00Z", "2013-1-01T10:00:00Z", "x"]
        {
            assert_eq!(canonical_hour(bad), None, "{bad}");
        }
        let m = HourKeyMap::new([("2013-01-01T10:00:00Z", 1u32), ("2013-01-02T00:00:00Z", 2), ("odd key", 3)]);
        assert_eq!(m.get("2013-01-01T10:00:00Z"), Some(1));
        assert_eq!(m.get("2013-01-02T00:00:00Z"), Some(2));
        assert_eq!(m.get("2013-01-01T11:00:00Z"), None);
        assert_eq!(m.get("odd key"), Some(3));
        assert_eq!(m.get("2014-01-01T10:00:00Z"), None);
    }
}
