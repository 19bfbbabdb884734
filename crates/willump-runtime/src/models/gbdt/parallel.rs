//! Running independent jobs on a few scoped threads, results in job order.
//!
//! Callers cut their work into jobs that do not depend on the thread count (fixed row blocks),
//! so the result is the same however many threads run them.

/// Runs `f` on every job, on up to `n_threads` threads (the calling thread included), and
/// returns the results in job order.
pub(crate) fn map<T: Send, R: Send>(jobs: Vec<T>, n_threads: usize, f: impl Fn(T) -> R + Sync) -> Vec<R> {
    let threads = n_threads.clamp(1, jobs.len().max(1));
    if threads == 1 {
        return jobs.into_iter().map(f).collect();
    }
    // Contiguous groups of jobs, one per thread.
    let n = jobs.len();
    let per = n.div_ceil(threads);
    let mut groups: Vec<Vec<T>> = Vec::with_capacity(threads);
    let mut it = jobs.into_iter();
    for _ in 0..threads {
        groups.push(it.by_ref().take(per).collect());
    }
    let f = &f;
    let mut out: Vec<Vec<R>> = std::thread::scope(|s| {
        let mut groups = groups.into_iter();
        let mine = groups.next().unwrap_or_default();
        let handles: Vec<_> = groups.map(|g| s.spawn(move || g.into_iter().map(f).collect::<Vec<R>>())).collect();
        let mut results = vec![mine.into_iter().map(f).collect::<Vec<R>>()];
        for h in handles {
            match h.join() {
                Ok(r) => results.push(r),
                Err(panic) => std::panic::resume_unwind(panic),
            }
        }
        results
    });
    let mut flat = Vec::with_capacity(n);
    for g in out.iter_mut() {
        flat.append(g);
    }
    flat
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
