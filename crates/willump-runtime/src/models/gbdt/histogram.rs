//! Gradient histograms: for one leaf and each feature, the sums of gradients, hessians and row
//! counts per bin.
//!
//! Building is parallel over features: each thread owns the histograms of a fixed subset of
//! features and reads every row of the leaf in order, so each bin is summed by one thread in row
//! order and the result does not depend on the number of threads. The larger child of a split
//! gets its histogram by subtraction (parent minus the smaller child), halving the work.

use super::binning::BinnedData;

/// Bins per feature block (bins are `u8`, so every bin index is in bounds without a check).
pub(crate) const BLOCK: usize = 256;

/// Sum of gradients, sum of hessians, row count.
pub(crate) type Entry = [f64; 3];

/// One feature's histogram.
pub(crate) type Block = [Entry; BLOCK];

/// Leaves with fewer `rows x features` than this build on one thread (spawning costs more).
const PARALLEL_MIN_WORK: usize = 200_000;

/// Fills `hist[f]` for every `f` in `features` from `rows` (other blocks are left untouched).
pub(crate) fn build(
    hist: &mut [Block],
    data: &BinnedData,
    rows: &[u32],
    gh: &[[f64; 2]],
    features: &[usize],
    n_threads: usize,
) {
    let mut slots: Vec<Option<&mut Block>> = hist.iter_mut().map(Some).collect();
    let mut mine: Vec<(usize, &mut Block)> = Vec::with_capacity(features.len());
    for &f in features {
        if let Some(b) = slots[f].take() {
            let n = data.features[f].n_bins();
            b[..n].iter_mut().for_each(|e| *e = [0.0; 3]);
            mine.push((f, b));
        }
    }
    let threads = n_threads.clamp(1, mine.len().max(1));
    if threads == 1 || rows.len() * mine.len() < PARALLEL_MIN_WORK {
        accumulate(&mut mine, data, rows, gh);
        return;
    }
    let per = mine.len().div_ceil(threads);
    std::thread::scope(|s| {
        for chunk in mine.chunks_mut(per) {
            s.spawn(move || accumulate(chunk, data, rows, gh));
        }
    });
}

fn accumulate(blocks: &mut [(usize, &mut Block)], data: &BinnedData, rows: &[u32], gh: &[[f64; 2]]) {
    let d = data.n_features;
    for &r in rows {
        let r = r as usize;
        let [g, h] = gh[r];
        let row = &data.bins[r * d..(r + 1) * d];
        for (f, block) in blocks.iter_mut() {
            let e = &mut block[row[*f] as usize];
            e[0] += g;
            e[1] += h;
            e[2] += 1.0;
        }
    }
}

/// `parent[f] -= child[f]` for every `f` in `features`: the parent's histogram becomes the
/// other child's.
pub(crate) fn subtract(parent: &mut [Block], child: &[Block], data: &BinnedData, features: &[usize]) {
    for &f in features {
        let n = data.features[f].n_bins();
        for (p, c) in parent[f][..n].iter_mut().zip(&child[f][..n]) {
            p[0] -= c[0];
            p[1] -= c[1];
            p[2] -= c[2];
        }
    }
}
