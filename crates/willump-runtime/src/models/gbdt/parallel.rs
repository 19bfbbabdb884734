//! Running independent jobs on a few scoped threads, results in job order.
//!
//! Callers cut their work into jobs that do not depend on the thread count (fixed row blocks),
//! so the result is the same however many threads run them.

use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

/// Runs `f` on every job, on up to `n_threads` threads (the calling thread included), and
/// returns the results in job order. Threads take the next job from a shared counter, so a
/// thread slowed by other load on the machine simply does fewer jobs.
pub(crate) fn map<T: Send, R: Send>(jobs: Vec<T>, n_threads: usize, f: impl Fn(T) -> R + Sync) -> Vec<R> {
    let threads = n_threads.clamp(1, jobs.len().max(1));
    if threads == 1 {
        return jobs.into_iter().map(f).collect();
    }
    let n = jobs.len();
    let slots: Vec<Mutex<Option<T>>> = jobs.into_iter().map(|j| Mutex::new(Some(j))).collect();
    let results: Vec<Mutex<Option<R>>> = (0..n).map(|_| Mutex::new(None)).collect();
    let next = AtomicUsize::new(0);
    let work = || {
        loop {
            let i = next.fetch_add(1, Ordering::Relaxed);
            if i >= n {
                break;
            }
            let job = slots[i].lock().unwrap_or_else(|p| p.into_inner()).take();
            if let Some(job) = job {
                let r = f(job);
                *results[i].lock().unwrap_or_else(|p| p.into_inner()) = Some(r);
            }
        }
    };
    std::thread::scope(|s| {
        let handles: Vec<_> = (1..threads).map(|_| s.spawn(work)).collect();
        work();
        for h in handles {
            if let Err(panic) = h.join() {
                std::panic::resume_unwind(panic);
            }
        }
    });
    results.into_iter().map(|m| m.into_inner().unwrap_or_else(|p| p.into_inner()).expect("every job ran")).collect()
}

/// Runs `f` on every job on up to `n_threads` threads.
pub(crate) fn for_each<T: Send>(jobs: Vec<T>, n_threads: usize, f: impl Fn(T) + Sync) {
    map(jobs, n_threads, f);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn order_is_kept() {
        for threads in 1..4 {
            let out = map((0..10).collect(), threads, |i: i32| i * i);
            assert_eq!(out, (0..10).map(|i| i * i).collect::<Vec<_>>());
        }
        assert!(map(Vec::<i32>::new(), 2, |i| i).is_empty());
    }
}
