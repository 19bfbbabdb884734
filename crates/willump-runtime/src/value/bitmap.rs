//! Validity bitmaps: one bit per row, set when the row holds a value, clear when it is missing.

use serde::{Deserialize, Serialize};

/// A fixed-length bitmap (Arrow's validity layout: bit `i` of word `i / 64`, 1 = valid).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "BitmapParts")]
pub struct Bitmap {
    words: Vec<u64>,
    len: usize,
}

/// The serialized form, checked on load: the word count must fit the length and bits past the
/// length must be clear.
#[derive(Deserialize)]
struct BitmapParts {
    words: Vec<u64>,
    len: usize,
}

impl TryFrom<BitmapParts> for Bitmap {
    type Error = String;
    fn try_from(p: BitmapParts) -> Result<Self, String> {
        if p.words.len() != p.len.div_ceil(64) {
            return Err(format!("bitmap: {} words for {} bits", p.words.len(), p.len));
        }
        if let (false, Some(last)) = (p.len.is_multiple_of(64), p.words.last())
            && last >> (p.len % 64) != 0
        {
            return Err("bitmap: bits set past the length".into());
        }
        Ok(Bitmap { words: p.words, len: p.len })
    }
}

impl Bitmap {
    /// A bitmap of `len` bits, all set (every row valid).
    pub fn new_valid(len: usize) -> Self {
        let mut words = vec![u64::MAX; len.div_ceil(64)];
        if let (false, Some(last)) = (len.is_multiple_of(64), words.last_mut()) {
            *last = (1u64 << (len % 64)) - 1;
        }
        Bitmap { words, len }
    }

    /// A bitmap of `len` bits, all clear (every row missing).
    pub fn new_null(len: usize) -> Self {
        Bitmap { words: vec![0; len.div_ceil(64)], len }
    }

    /// A bitmap from one `bool` per row (`true` = valid).
    pub fn from_bools(bits: &[bool]) -> Self {
        let mut b = Bitmap::new_null(bits.len());
        for (i, &v) in bits.iter().enumerate() {
            if v {
                b.set(i, true);
            }
        }
        b
    }

    /// A bitmap of `len` bits where bit `i` is `f(i)`, built a word at a time (no per-bit
    /// bounds checks or stores).
    pub fn from_fn(len: usize, mut f: impl FnMut(usize) -> bool) -> Self {
        let mut words = Vec::with_capacity(len.div_ceil(64));
        for w in 0..len.div_ceil(64) {
            let base = w * 64;
            let mut word = 0u64;
            for b in 0..(len - base).min(64) {
                word |= (f(base + b) as u64) << b;
            }
            words.push(word);
        }
        Bitmap { words, len }
    }

    /// Calls `f(i)` for every clear (missing) bit, in increasing order, a word at a time.
    #[inline]
    pub fn for_each_clear(&self, mut f: impl FnMut(usize)) {
        for (w, &word) in self.words.iter().enumerate() {
            let mut clear = !word;
            while clear != 0 {
                let i = w * 64 + clear.trailing_zeros() as usize;
                if i >= self.len {
                    return;
                }
                f(i);
                clear &= clear - 1;
            }
        }
    }

    /// Number of bits.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether the bitmap has no bits.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Bit `i`. Panics when `i >= len` (callers check lengths at construction).
    #[inline]
    pub fn get(&self, i: usize) -> bool {
        assert!(i < self.len, "bitmap index {i} out of range {}", self.len);
        self.words[i / 64] >> (i % 64) & 1 == 1
    }

    /// Sets bit `i` to `v`.
    #[inline]
    pub fn set(&mut self, i: usize, v: bool) {
        assert!(i < self.len, "bitmap index {i} out of range {}", self.len);
        let mask = 1u64 << (i % 64);
        if v {
            self.words[i / 64] |= mask;
        } else {
            self.words[i / 64] &= !mask;
        }
    }

    /// Appends one bit.
    pub fn push(&mut self, v: bool) {
        if self.len.is_multiple_of(64) {
            self.words.push(0);
        }
        self.len += 1;
        self.set(self.len - 1, v);
    }

    /// Number of set (valid) bits.
    pub fn count_set(&self) -> usize {
        self.words.iter().map(|w| w.count_ones() as usize).sum()
    }

    /// Number of clear (missing) bits.
    pub fn count_clear(&self) -> usize {
        self.len - self.count_set()
    }

    /// The bits at `rows`, in that order.
    pub fn take(&self, rows: &[usize]) -> Bitmap {
        let mut out = Bitmap::new_null(rows.len());
        for (o, &r) in rows.iter().enumerate() {
            if self.get(r) {
                out.set(o, true);
            }
        }
        out
    }

    /// The raw 64-bit words (bit `i` of word `i / 64`); bits past `len` are zero.
    pub fn words(&self) -> &[u64] {
        &self.words
    }

    /// The bit-wise AND of two bitmaps (valid where both are), word by word. Panics when the
    /// lengths differ (callers check column lengths first).
    pub fn and(&self, other: &Bitmap) -> Bitmap {
        assert_eq!(self.len, other.len, "Bitmap::and of bitmaps of different lengths");
        Bitmap { words: self.words.iter().zip(&other.words).map(|(a, b)| a & b).collect(), len: self.len }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn valid_and_null_counts() {
        for len in [0, 1, 63, 64, 65, 130] {
            let v = Bitmap::new_valid(len);
            assert_eq!(v.count_set(), len);
            assert_eq!(Bitmap::new_null(len).count_clear(), len);
        }
    }

    #[test]
    fn push_set_get_take() {
        let mut b = Bitmap::new_null(0);
        for i in 0..200 {
            b.push(i % 3 == 0);
        }
        assert_eq!(b.len(), 200);
        assert!(b.get(0) && !b.get(1) && b.get(198));
        b.set(1, true);
        assert!(b.get(1));
        let t = b.take(&[198, 2, 1]);
        assert_eq!((t.get(0), t.get(1), t.get(2)), (true, false, true));
        assert_eq!(Bitmap::from_bools(&[true, false]).count_set(), 1);
        let x = Bitmap::from_bools(&[true, true, false, false]).and(&Bitmap::from_bools(&[true, false, true, false]));
        assert_eq!(x, Bitmap::from_bools(&[true, false, false, false]));
        for len in [0, 1, 63, 64, 65, 200] {
            let f = Bitmap::from_fn(len, |i| i % 3 != 1);
            assert_eq!(f, Bitmap::from_bools(&(0..len).map(|i| i % 3 != 1).collect::<Vec<_>>()));
            let mut clear = Vec::new();
            f.for_each_clear(|i| clear.push(i));
            assert_eq!(clear, (0..len).filter(|i| i % 3 == 1).collect::<Vec<_>>());
        }
    }
}
