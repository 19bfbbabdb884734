//! Timing: batch throughput on one or several threads, and one-row latency, measured side by
//! side (every round runs every way once, so the machine's noise falls on all of them alike).

use std::time::{Duration, Instant};

use willump::runtime::value::Value;

use super::variants::Runner;
use crate::{Error, Result};

/// A batch of row inputs, also cut into contiguous chunks for multi-threaded runs (cut once,
/// before any timing).
pub struct Batch {
    /// The whole batch.
    pub inputs: Vec<Value>,
    /// `threads` contiguous chunks of it, in row order.
    pub chunks: Vec<Vec<Value>>,
    /// Number of rows.
    pub rows: usize,
}

impl Batch {
    /// The batch `inputs` of `rows` rows, with chunks for `threads` threads.
    pub fn new(inputs: Vec<Value>, rows: usize, threads: usize) -> Result<Batch> {
        let per = rows.div_ceil(threads.max(1)).max(1);
        let mut chunks = Vec::new();
        let mut start = 0;
        while start < rows {
            let end = (start + per).min(rows);
            let idx: Vec<usize> = (start..end).collect();
            chunks.push(inputs.iter().map(|v| v.take_rows(&idx)).collect::<Result<Vec<_>>>()?);
            start = end;
        }
        Ok(Batch { inputs, chunks, rows })
    }
}

/// Runs `r` on the whole batch, on one thread or on each chunk in its own thread (results
/// concatenated in row order).
pub fn run_batch(r: &dyn Runner, b: &Batch, threads: usize) -> Result<Vec<f64>> {
    if threads <= 1 || b.chunks.len() <= 1 {
        return r.predict(&b.inputs);
    }
    let parts: Vec<Result<Vec<f64>>> = std::thread::scope(|s| {
        let handles: Vec<_> = b.chunks.iter().map(|c| s.spawn(move || r.predict(c))).collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap_or_else(|_| Err(Error::op("harness", "a worker thread panicked"))))
            .collect()
    });
    let mut out = Vec::with_capacity(b.rows);
    for p in parts {
        out.extend(p?);
    }
    Ok(out)
}

/// The wall time of one call.
pub fn timed<R>(f: impl FnOnce() -> R) -> (Duration, R) {
    let t = Instant::now();
    let r = f();
    (t.elapsed(), r)
}

/// The median of `v` (which must not be empty).
pub fn median(v: &[f64]) -> f64 {
    percentile(v, 0.5)
}

/// The `q`-quantile of `v` by the nearest-rank rule (`v` must not be empty).
pub fn percentile(v: &[f64], q: f64) -> f64 {
    let mut s = v.to_vec();
    s.sort_by(f64::total_cmp);
    let rank = ((q * s.len() as f64).ceil() as usize).clamp(1, s.len());
    s[rank - 1]
}

/// One-row inputs: row `r` of `inputs` alone, for each of `rows` (built before any timing).
pub fn single_rows(inputs: &[Value], rows: &[usize]) -> Result<Vec<Vec<Value>>> {
    rows.iter().map(|&r| inputs.iter().map(|v| v.take_rows(&[r])).collect()).collect()
}

/// Evenly spaced sample rows of a batch of `n` rows (`k` of them, or all when `n <= k`).
pub fn sample_rows(n: usize, k: usize) -> Vec<usize> {
    if n <= k {
        return (0..n).collect();
    }
    (0..k).map(|i| i * n / k).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_by_nearest_rank() {
        let v: Vec<f64> = (1..=100).map(f64::from).collect();
        assert_eq!(percentile(&v, 0.5), 50.0);
        assert_eq!(percentile(&v, 0.99), 99.0);
        assert_eq!(percentile(&[3.0], 0.99), 3.0);
        assert_eq!(median(&[5.0, 1.0, 3.0]), 3.0);
        assert_eq!(sample_rows(10, 4), [0, 2, 5, 7]);
        assert_eq!(sample_rows(3, 4), [0, 1, 2]);
    }
}
