//! Gradient histograms: for one leaf and each feature, the sums of gradients, hessians and row
//! counts per bin.
//!
//! Building is parallel over fixed blocks of rows: the leaf's rows are cut into blocks of
//! [`ROWS_PER_BLOCK`] (a constant, not a function of the thread count), each block is summed in
//! row order by one thread, and the block sums are added in block order. The floating-point
//! result is therefore the same for every thread count. The larger child of a split gets its
//! histogram by subtraction (parent minus the smaller child), halving the work.

use super::binning::BinnedData;
use super::parallel::Workers;

/// Bins per feature block (bins are `u8`, so every bin index is in bounds without a check).
pub(crate) const BLOCK: usize = 256;

/// Rows summed by one task; fixed so that results do not depend on the number of threads.
pub(crate) const ROWS_PER_BLOCK: usize = 4096;

/// Sum of gradients, sum of hessians, row count.
pub(crate) type Entry = [f64; 3];

/// One feature's histogram.
pub(crate) type Block = [Entry; BLOCK];

/// Per-block partial histograms, reused across builds.
#[derive(Default)]
pub(crate) struct Scratch {
    partials: Vec<Vec<Block>>,
}

/// Fills `hist[f]` for every `f` in `features` from `rows` (other blocks are left untouched).
pub(crate) fn build(
    hist: &mut [Block],
    scratch: &mut Scratch,
    data: &BinnedData,
    rows: &[u32],
    gh: &[[f64; 2]],
    features: &[usize],
    workers: &Workers,
) {
    let n_blocks = rows.len().div_ceil(ROWS_PER_BLOCK).max(1);
    // Block 0 goes straight into `hist`; blocks 1.. into partials indexed by feature position.
    let mut first: Vec<&mut Block> = Vec::with_capacity(features.len());
    {
        let mut slots: Vec<Option<&mut Block>> = hist.iter_mut().map(Some).collect();
        for &f in features {
            if let Some(b) = slots[f].take() {
                first.push(b);
            }
        }
    }
    while scratch.partials.len() < n_blocks - 1 {
        scratch.partials.push(Vec::new());
    }
    for p in &mut scratch.partials[..n_blocks - 1] {
        p.resize(features.len(), [[0.0; 3]; BLOCK]);
    }
    {
        let mut targets: Vec<Vec<&mut Block>> = Vec::with_capacity(n_blocks);
        targets.push(first);
        for p in scratch.partials[..n_blocks - 1].iter_mut() {
            targets.push(p.iter_mut().collect());
        }
        let jobs: Vec<(usize, Vec<&mut Block>)> = targets.into_iter().enumerate().collect();
        workers.for_each(jobs, |(b, mut blocks)| {
            let part = &rows[b * ROWS_PER_BLOCK..((b + 1) * ROWS_PER_BLOCK).min(rows.len())];
            for (blk, &f) in blocks.iter_mut().zip(features) {
                blk[..data.features[f].n_bins()].iter_mut().for_each(|e| *e = [0.0; 3]);
            }
            accumulate(&mut blocks, features, data, part, gh);
        });
    }
    if n_blocks == 1 {
        return;
    }
    // Add the partials in block order, features in parallel (each feature by one job).
    let partials = &scratch.partials[..n_blocks - 1];
    let mut slots: Vec<Option<&mut Block>> = hist.iter_mut().map(Some).collect();
    let jobs: Vec<(usize, usize, &mut Block)> =
        features.iter().enumerate().filter_map(|(pos, &f)| slots[f].take().map(|b| (pos, f, b))).collect();
    let per_job = jobs.len().div_ceil(4 * workers.threads()).max(1);
    let mut groups: Vec<Vec<(usize, usize, &mut Block)>> = Vec::new();
    let mut it = jobs.into_iter();
    loop {
        let g: Vec<_> = it.by_ref().take(per_job).collect();
        if g.is_empty() {
            break;
        }
        groups.push(g);
    }
    workers.for_each(groups, |group| {
        for (pos, f, block) in group {
            let n = data.features[f].n_bins();
            for p in partials {
                for (e, q) in block[..n].iter_mut().zip(&p[pos][..n]) {
                    e[0] += q[0];
                    e[1] += q[1];
                    e[2] += q[2];
                }
            }
        }
    });
}

fn accumulate(blocks: &mut [&mut Block], features: &[usize], data: &BinnedData, rows: &[u32], gh: &[[f64; 2]]) {
    let d = data.n_features;
    if features.len() == d && features.iter().enumerate().all(|(i, &f)| i == f) {
        // Every feature: walk the row's bins directly (no feature indirection).
        for &r in rows {
            let r = r as usize;
            let [g, h] = gh[r];
            for (block, &b) in blocks.iter_mut().zip(&data.bins[r * d..(r + 1) * d]) {
                let e = &mut block[b as usize];
                e[0] += g;
                e[1] += h;
                e[2] += 1.0;
            }
        }
        return;
    }
    for &r in rows {
        let r = r as usize;
        let [g, h] = gh[r];
        let row = &data.bins[r * d..(r + 1) * d];
        for (block, &f) in blocks.iter_mut().zip(features) {
            let e = &mut block[row[f] as usize];
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
