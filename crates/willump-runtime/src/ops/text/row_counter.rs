//! [`RowCounter`]: counts the columns hit by one document's terms and hands them back in column
//! order, with no allocation per row.

/// Per-row term counts over a fixed number of columns. Dense counts plus a bitmap of the touched
/// columns: a row with few distinct columns sorts its short touched list, a long row scans the
/// bitmap (one bit per column), whichever is cheaper. Both leave the scratch all-zero again.
#[derive(Debug, Clone)]
pub(crate) struct RowCounter {
    counts: Vec<u32>,
    bits: Vec<u64>,
    touched: Vec<u32>,
}

impl RowCounter {
    /// A counter for columns `0..n_cols`.
    pub(crate) fn new(n_cols: usize) -> Self {
        RowCounter { counts: vec![0; n_cols], bits: vec![0; n_cols.div_ceil(64)], touched: Vec::new() }
    }

    /// Counts one occurrence of `col` (< `n_cols`).
    #[inline(always)]
    pub(crate) fn add(&mut self, col: u32) {
        let c = &mut self.counts[col as usize];
        if *c == 0 {
            self.touched.push(col);
            self.bits[col as usize / 64] |= 1 << (col % 64);
        }
        *c += 1;
    }

    /// Number of distinct columns counted since the last drain.
    #[cfg(test)]
    pub(crate) fn distinct(&self) -> usize {
        self.touched.len()
    }

    /// Calls `f(col, count)` for every counted column in increasing column order, then resets.
    #[inline]
    pub(crate) fn drain_sorted(&mut self, mut f: impl FnMut(u32, u32)) {
        // Sorting k items costs about k log k; scanning the bitmap costs its length / 8 or so.
        let k = self.touched.len();
        if k * (usize::BITS - k.leading_zeros()) as usize * 8 < self.bits.len() {
            self.touched.sort_unstable();
            for &col in &self.touched {
                f(col, std::mem::take(&mut self.counts[col as usize]));
                self.bits[col as usize / 64] = 0;
            }
        } else {
            for (w, word) in self.bits.iter_mut().enumerate() {
                let mut b = std::mem::take(word);
                while b != 0 {
                    let col = w * 64 + b.trailing_zeros() as usize;
                    f(col as u32, std::mem::take(&mut self.counts[col]));
                    b &= b - 1;
                }
            }
        }
        self.touched.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_drains_sort_and_reset() {
        for (n_cols, cols) in [(10_000usize, vec![9_999u32, 3, 3, 700, 3]), (130, (0..130).rev().chain(5..9).collect())]
        {
            let mut rc = RowCounter::new(n_cols);
            for _ in 0..2 {
                for &c in &cols {
                    rc.add(c);
                }
                let mut got = Vec::new();
                rc.drain_sorted(|c, n| got.push((c, n)));
                let mut expect = std::collections::BTreeMap::new();
                for &c in &cols {
                    *expect.entry(c).or_insert(0u32) += 1;
                }
                assert_eq!(got, expect.into_iter().collect::<Vec<_>>());
                assert_eq!(rc.distinct(), 0);
                assert!(rc.counts.iter().all(|&c| c == 0) && rc.bits.iter().all(|&b| b == 0));
            }
        }
    }
}
