//! The trainer's worker threads: a rayon pool of the requested size, running independent jobs
//! and returning their results in job order.
//!
//! Callers cut their work into jobs that do not depend on the thread count (fixed row blocks,
//! one feature per reduction), so the result is the same however many threads run them. The
//! pool lives for one fit, so threads are not created per job.

use rayon::prelude::*;

/// A pool of `threads` workers (none for one thread: jobs then run on the caller).
pub(crate) struct Workers {
    pool: Option<rayon::ThreadPool>,
    threads: usize,
}

impl Workers {
    /// Workers for `threads` threads (1 runs everything on the calling thread; a pool that the
    /// system refuses to create falls back to that as well).
    pub fn new(threads: usize) -> Workers {
        if threads <= 1 {
            return Workers { pool: None, threads: 1 };
        }
        match rayon::ThreadPoolBuilder::new().num_threads(threads).build() {
            Ok(pool) => Workers { pool: Some(pool), threads },
            Err(_) => Workers { pool: None, threads: 1 },
        }
    }

    /// Number of threads (for sizing jobs).
    pub fn threads(&self) -> usize {
        self.threads
    }

    /// Runs `f` on every job and returns the results in job order.
    pub fn map<T: Send, R: Send>(&self, jobs: Vec<T>, f: impl Fn(T) -> R + Sync + Send) -> Vec<R> {
        match &self.pool {
            Some(pool) if jobs.len() > 1 => pool.install(|| jobs.into_par_iter().map(f).collect()),
            _ => jobs.into_iter().map(f).collect(),
        }
    }

    /// Runs `f` on every job.
    pub fn for_each<T: Send>(&self, jobs: Vec<T>, f: impl Fn(T) + Sync + Send) {
        self.map(jobs, f);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn order_is_kept() {
        for threads in 1..4 {
            let w = Workers::new(threads);
            let out = w.map((0..10).collect(), |i: i32| i * i);
            assert_eq!(out, (0..10).map(|i| i * i).collect::<Vec<_>>());
            assert!(w.map(Vec::<i32>::new(), |i| i).is_empty());
        }
    }
}
