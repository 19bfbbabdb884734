//! Smooth and L1-regularized convex minimization: L-BFGS, extended to OWL-QN (orthant-wise
//! limited-memory quasi-Newton, Andrew & Gao 2007) when some coordinates carry an L1 penalty.
//!
//! One routine serves both: with every L1 weight zero, the pseudo-gradient is the gradient, no
//! orthant projection happens and the iteration is plain L-BFGS with a backtracking Armijo line
//! search (enough for the convex objectives used here: the curvature pair is skipped when it is
//! not positive).

/// Stopping rules.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Options {
    /// Converged when the largest absolute (pseudo-)gradient entry is at most `tol`.
    pub tol: f64,
    /// Iteration limit.
    pub max_iter: usize,
    /// Number of correction pairs kept.
    pub memory: usize,
}

/// What the minimizer found.
#[derive(Debug, Clone)]
pub(crate) struct Outcome {
    /// The minimizer.
    pub x: Vec<f64>,
    /// Iterations used.
    pub iterations: usize,
    /// Whether the gradient criterion was met (otherwise the iteration limit was reached or no
    /// step could improve the objective at floating-point precision).
    pub converged: bool,
}

/// Pseudo-gradient of `f + sum_j l1[j] * |x_j|` (the minimum-norm subgradient).
fn pseudo_gradient(x: &[f64], g: &[f64], l1: &[f64], pg: &mut [f64]) {
    for j in 0..x.len() {
        let lam = l1[j];
        pg[j] = if lam == 0.0 {
            g[j]
        } else if x[j] > 0.0 {
            g[j] + lam
        } else if x[j] < 0.0 {
            g[j] - lam
        } else if g[j] + lam < 0.0 {
            g[j] + lam
        } else if g[j] - lam > 0.0 {
            g[j] - lam
        } else {
            0.0
        };
    }
}

fn dot(a: &[f64], b: &[f64]) -> f64 {
    // Four accumulators: faster and no less accurate than one.
    let mut acc = [0.0; 4];
    let chunks = a.len() / 4;
    for c in 0..chunks {
        for l in 0..4 {
            acc[l] += a[4 * c + l] * b[4 * c + l];
        }
    }
    let mut s = (acc[0] + acc[1]) + (acc[2] + acc[3]);
    for i in 4 * chunks..a.len() {
        s += a[i] * b[i];
    }
    s
}

fn l1_term(x: &[f64], l1: &[f64]) -> f64 {
    x.iter().zip(l1).map(|(v, l)| l * v.abs()).sum()
}

fn max_abs(v: &[f64]) -> f64 {
    v.iter().fold(0.0f64, |m, x| m.max(x.abs()))
}

/// Minimizes `f(x) + sum_j l1[j] * |x_j|` from `x0`. `f` writes the gradient of its smooth part
/// into its second argument and returns the value. Returns `None` when `f` produced a
/// non-finite value at the start point.
pub(crate) fn minimize(
    mut f: impl FnMut(&[f64], &mut [f64]) -> f64,
    x0: Vec<f64>,
    l1: &[f64],
    opts: Options,
) -> Option<Outcome> {
    let n = x0.len();
    debug_assert_eq!(l1.len(), n);
    let mut x = x0;
    let mut g = vec![0.0; n];
    let mut fx = f(&x, &mut g);
    if !fx.is_finite() {
        return None;
    }
    let mut obj = fx + l1_term(&x, l1);
    let mut pg = vec![0.0; n];
    pseudo_gradient(&x, &g, l1, &mut pg);

    let m = opts.memory.max(1);
    let mut s_hist: Vec<Vec<f64>> = Vec::with_capacity(m);
    let mut y_hist: Vec<Vec<f64>> = Vec::with_capacity(m);
    let mut rho: Vec<f64> = Vec::with_capacity(m);
    let mut alpha = vec![0.0; m];

    let mut d = vec![0.0; n];
    let mut x_new = vec![0.0; n];
    let mut g_new = vec![0.0; n];
    let mut pg_new = vec![0.0; n];
    let mut iterations = 0;
    let mut converged = max_abs(&pg) <= opts.tol;
    while !converged && iterations < opts.max_iter {
        iterations += 1;
        // d = -H * pg (two-loop recursion), newest pair last.
        for (dj, pj) in d.iter_mut().zip(&pg) {
            *dj = -pj;
        }
        let k = s_hist.len();
        for i in (0..k).rev() {
            alpha[i] = rho[i] * dot(&s_hist[i], &d);
            for (dj, yj) in d.iter_mut().zip(&y_hist[i]) {
                *dj -= alpha[i] * yj;
            }
        }
        if k > 0 {
            let gamma = dot(&s_hist[k - 1], &y_hist[k - 1]) / dot(&y_hist[k - 1], &y_hist[k - 1]);
            d.iter_mut().for_each(|v| *v *= gamma);
        }
        for i in 0..k {
            let beta = rho[i] * dot(&y_hist[i], &d);
            for (dj, sj) in d.iter_mut().zip(&s_hist[i]) {
                *dj += (alpha[i] - beta) * sj;
            }
        }
        // OWL-QN: keep only the components that descend along the pseudo-gradient.
        for j in 0..n {
            if l1[j] != 0.0 && d[j] * pg[j] >= 0.0 {
                d[j] = 0.0;
            }
        }
        let mut slope = dot(&d, &pg);
        if slope >= 0.0 || !slope.is_finite() {
            // Not a descent direction (numerical trouble): restart from steepest descent.
            s_hist.clear();
            y_hist.clear();
            rho.clear();
            for (dj, pj) in d.iter_mut().zip(&pg) {
                *dj = -pj;
            }
            slope = -dot(&pg, &pg);
        }
        // Backtracking line search with the Armijo rule on the full objective; the first
        // iteration scales the step so that it moves at most one unit.
        let mut step = if k == 0 { (1.0 / dot(&d, &d).sqrt()).min(1.0) } else { 1.0 };
        let mut accepted = false;
        let mut obj_new = obj;
        let mut f_new = fx;
        for _ in 0..60 {
            for j in 0..n {
                let v = x[j] + step * d[j];
                // Orthant projection: a penalized coordinate may not cross zero in one step.
                let orthant = if x[j] != 0.0 { x[j] } else { -pg[j] };
                x_new[j] = if l1[j] != 0.0 && v * orthant <= 0.0 { 0.0 } else { v };
            }
            f_new = f(&x_new, &mut g_new);
            obj_new = f_new + l1_term(&x_new, l1);
            let decrease: f64 = if l1.iter().all(|&l| l == 0.0) {
                step * slope
            } else {
                pg.iter().zip(x_new.iter().zip(&x)).map(|(p, (a, b))| p * (a - b)).sum()
            };
            if obj_new.is_finite() && obj_new <= obj + 1e-4 * decrease {
                accepted = true;
                break;
            }
            // Near the optimum the objective stops resolving progress (its changes fall below
            // its rounding): then accept a step that keeps the value and shrinks the gradient.
            if obj_new.is_finite() && obj_new <= obj + 1e-12 * obj.abs() {
                pseudo_gradient(&x_new, &g_new, l1, &mut pg_new);
                if max_abs(&pg_new) < 0.9 * max_abs(&pg) {
                    accepted = true;
                    break;
                }
            }
            step *= 0.5;
        }
        if !accepted {
            // No progress is possible at this precision: the point is as good as it gets.
            break;
        }
        // Curvature pair from the smooth gradients.
        let s: Vec<f64> = x_new.iter().zip(&x).map(|(a, b)| a - b).collect();
        let y: Vec<f64> = g_new.iter().zip(&g).map(|(a, b)| a - b).collect();
        let sy = dot(&s, &y);
        if sy > 1e-16 * dot(&y, &y).max(f64::MIN_POSITIVE) && sy > 0.0 {
            if s_hist.len() == m {
                s_hist.remove(0);
                y_hist.remove(0);
                rho.remove(0);
            }
            rho.push(1.0 / sy);
            s_hist.push(s);
            y_hist.push(y);
        }
        std::mem::swap(&mut x, &mut x_new);
        std::mem::swap(&mut g, &mut g_new);
        fx = f_new;
        obj = obj_new;
        pseudo_gradient(&x, &g, l1, &mut pg);
        converged = max_abs(&pg) <= opts.tol;
    }
    let _ = fx;
    Some(Outcome { x, iterations, converged })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quadratic_and_lasso() {
        // f = 0.5 * sum a_j (x_j - c_j)^2: minimum at c; with L1 weight l, soft-thresholded.
        let a = [1.0, 10.0, 100.0];
        let c = [1.0, -2.0, 0.005];
        let f = |x: &[f64], g: &mut [f64]| {
            let mut v = 0.0;
            for j in 0..3 {
                g[j] = a[j] * (x[j] - c[j]);
                v += 0.5 * a[j] * (x[j] - c[j]).powi(2);
            }
            v
        };
        let opts = Options { tol: 1e-12, max_iter: 200, memory: 5 };
        let out = minimize(f, vec![0.0; 3], &[0.0; 3], opts).unwrap();
        assert!(out.converged);
        for (got, want) in out.x.iter().zip(c) {
            assert!((got - want).abs() < 1e-10, "{:?}", out.x);
        }
        let out = minimize(f, vec![0.0; 3], &[1.0; 3], opts).unwrap();
        // argmin 0.5 a (x - c)^2 + |x| = sign(c) max(|c| - 1/a, 0)
        let want = [0.0, -1.9, 0.0];
        for (got, want) in out.x.iter().zip(want) {
            assert!((got - want).abs() < 1e-9, "{:?}", out.x);
        }
        assert!(minimize(|_: &[f64], _: &mut [f64]| f64::NAN, vec![0.0], &[0.0], opts).is_none());
    }
}
