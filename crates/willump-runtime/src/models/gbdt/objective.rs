//! Losses of gradient boosting: initial scores and per-row gradients and hessians, as LightGBM's
//! `binary` (log loss, sigmoid 1), `multiclass` (softmax) and `regression` (L2) objectives.

use super::parallel::Workers;
use crate::models::{Task, sigmoid};

/// The constant score that minimizes the loss (LightGBM's `boost_from_average`): the log-odds of
/// the positive rate, the log class frequencies (centered), the mean target.
pub(crate) fn init_scores(task: Task, y: &[f64]) -> Vec<f64> {
    let n = y.len() as f64;
    match task {
        Task::Regression => vec![y.iter().sum::<f64>() / n],
        Task::Binary => {
            let p = y.iter().sum::<f64>() / n;
            vec![(p / (1.0 - p)).ln()]
        }
        Task::MultiClass { n_classes } => {
            let mut counts = vec![0.0; n_classes];
            for &v in y {
                counts[v as usize] += 1.0;
            }
            let logs: Vec<f64> = counts.iter().map(|c| (c / n).ln()).collect();
            let mean = logs.iter().sum::<f64>() / n_classes as f64;
            logs.iter().map(|l| l - mean).collect()
        }
    }
}

/// Writes `gh[c][r] = [gradient, hessian]` of every row for every output `c`, from the current
/// raw scores (`scores[r * k + c]`), on the workers (each row is independent).
pub(crate) fn gradients(task: Task, y: &[f64], scores: &[f64], gh: &mut [Vec<[f64; 2]>], workers: &Workers) {
    let k = gh.len();
    let chunk = y.len().div_ceil(4 * workers.threads()).max(8192);
    let mut per_class: Vec<_> = gh.iter_mut().map(|g| g.chunks_mut(chunk)).collect();
    let mut jobs = Vec::new();
    let mut start = 0;
    loop {
        let parts: Vec<&mut [[f64; 2]]> = per_class.iter_mut().filter_map(|it| it.next()).collect();
        if parts.len() < k || k == 0 {
            break;
        }
        let len = parts[0].len();
        jobs.push((start, parts));
        start += len;
    }
    workers.for_each(jobs, |(start, mut parts)| {
        let len = parts[0].len();
        let end = start + len;
        gradients_of_rows(task, &y[start..end], &scores[start * k..end * k], &mut parts);
    });
}

fn gradients_of_rows(task: Task, y: &[f64], scores: &[f64], gh: &mut [&mut [[f64; 2]]]) {
    match task {
        Task::Regression => {
            for ((o, &s), &t) in gh[0].iter_mut().zip(scores).zip(y) {
                *o = [s - t, 1.0];
            }
        }
        Task::Binary => {
            for ((o, &s), &t) in gh[0].iter_mut().zip(scores).zip(y) {
                let p = sigmoid(s);
                *o = [p - t, (p * (1.0 - p)).max(1e-16)];
            }
        }
        Task::MultiClass { n_classes: k } => {
            // LightGBM scales the softmax hessian by k / (k - 1).
            let factor = k as f64 / (k as f64 - 1.0);
            let mut p = vec![0.0; k];
            for (r, &t) in y.iter().enumerate() {
                let s = &scores[r * k..(r + 1) * k];
                let m = s.iter().copied().fold(f64::NEG_INFINITY, f64::max);
                let mut sum = 0.0;
                for (pc, &sc) in p.iter_mut().zip(s) {
                    *pc = (sc - m).exp();
                    sum += *pc;
                }
                for (c, &pc) in p.iter().enumerate() {
                    let pc = pc / sum;
                    let target = if t as usize == c { 1.0 } else { 0.0 };
                    gh[c][r] = [pc - target, (factor * pc * (1.0 - pc)).max(1e-16)];
                }
            }
        }
    }
}
