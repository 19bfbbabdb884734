//! [`RowCounter`]: counts the columns hit by one document's terms and hands them back in column
//! order, with no allocation per row.

/// Per-row term counts over a fixed number of columns.
///
/// For a batch, dense counts plus a bitmap of the touched columns: a row with few distinct
/// columns sorts its short touched list, a long row scans the bitmap (one bit per column),
/// whichever is cheaper; both leave the scratch all-zero again. For a batch too small to repay
/// clearing a dense array of the vocabulary's size (a one-row query against a large vocabulary),
/// the hit columns are just listed, sorted and counted in runs.
#[derive(Debug, Clone)]
pub(crate) enum RowCounter {
    /// Dense counts, touched bitmap and list.
    Dense { counts: Vec<u32>, bits: Vec<u64>, touched: Vec<u32> },
    /// Every hit column, in arrival order.
    Sparse { hits: Vec<u32> },
}

impl RowCounter {
    /// A counter for columns `0..n_cols` that will count `n_rows` rows.
    pub(crate) fn new(n_cols: usize, n_rows: usize) -> Self {
        // The dense scratch costs about n_cols / 16 words to clear; a batch of rows repays it.
        if n_rows.saturating_mul(64) >= n_cols {
            RowCounter::Dense { counts: vec![0; n_cols], bits: vec![0; n_cols.div_ceil(64)], touched: Vec::new() }
        } else {
            RowCounter::Sparse { hits: Vec::new() }
        }
    }

    /// Counts one occurrence of `col` (< `n_cols`).
    #[inline(always)]
    pub(crate) fn add(&mut self, col: u32) {
        match self {
            RowCounter::Dense { counts, bits, touched } => {
                let c = &mut counts[col as usize];
                if *c == 0 {
                    touched.push(col);
                    bits[col as usize / 64] |= 1 << (col % 64);
                }
                *c += 1;
            }
            RowCounter::Sparse { hits } => hits.push(col),
        }
    }

    /// Calls `f(col, count)` for every counted column in increasing column order, then resets.
    #[inline]
    pub(crate) fn drain_sorted(&mut self, mut f: impl FnMut(u32, u32)) {
        match self {
            RowCounter::Dense { counts, bits, touched } => {
                // Sorting k items costs about k log k; scanning the bitmap, its length / 8 or so.
                let k = touched.len();
                if k * (usize::BITS - k.leading_zeros()) as usize * 8 < bits.len() {
                    touched.sort_unstable();
                    for &col in touched.iter() {
                        f(col, std::mem::take(&mut counts[col as usize]));
                        bits[col as usize / 64] = 0;
                    }
                } else {
                    for (w, word) in bits.iter_mut().enumerate() {
                        let mut b = std::mem::take(word);
                        while b != 0 {
                            let col = w * 64 + b.trailing_zeros() as usize;
                            f(col as u32, std::mem::take(&mut counts[col]));
                            b &= b - 1;
                        }
                    }
                }
                touched.clear();
            }
            RowCounter::Sparse { hits } => {
                hits.sort_unstable();
                for run in hits.chunk_by(|a, b| a == b) {
                    f(run[0], run.len() as u32);
                }
                hits.clear();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_drains_sort_and_reset() {
        let cases: [(usize, Vec<u32>); 2] =
            [(10_000, vec![9_999, 3, 3, 700, 3]), (130, (0..130).rev().chain(5..9).collect())];
        for (n_cols, cols) in cases {
            for n_rows in [1, 1000] {
                check_counter(n_cols, n_rows, &cols);
            }
        }
    }

    fn check_counter(n_cols: usize, n_rows: usize, cols: &[u32]) {
        let mut rc = RowCounter::new(n_cols, n_rows);
        for _ in 0..2 {
            for &c in cols {
                rc.add(c);
            }
            let mut got = Vec::new();
            rc.drain_sorted(|c, n| got.push((c, n)));
            let mut expect = std::collections::BTreeMap::new();
            for &c in cols {
                *expect.entry(c).or_insert(0u32) += 1;
            }
            assert_eq!(got, expect.into_iter().collect::<Vec<_>>());
            match &rc {
                RowCounter::Dense { counts, bits, touched } => {
                    assert!(counts.iter().all(|&c| c == 0) && bits.iter().all(|&b| b == 0) && touched.is_empty());
                    assert!(n_rows * 64 >= n_cols);
                }
                RowCounter::Sparse { hits } => assert!(hits.is_empty() && n_rows * 64 < n_cols),
            }
        }
    }
}
