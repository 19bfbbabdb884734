//! 0/1 knapsack over feature groups: the most important set of groups within a cost budget.

/// The indices (ascending) of the items maximizing the total value with total weight at most
/// `capacity`. Items of value `<= 0` are never taken; among equally valuable sets the one the
/// dynamic program finds first (preferring earlier items left out) is returned, so the answer
/// depends only on the inputs.
pub fn knapsack(values: &[f64], weights: &[u32], capacity: u32) -> Vec<usize> {
    let n = values.len();
    let cap = capacity as usize;
    // best[i][w]: the best value using items 0..i within weight w.
    let mut best = vec![vec![0.0f64; cap + 1]; n + 1];
    let mut keep = vec![vec![false; cap + 1]; n + 1];
    for i in 1..=n {
        let (v, wi) = (values[i - 1], weights[i - 1] as usize);
        for w in 0..=cap {
            best[i][w] = best[i - 1][w];
            if v > 0.0 && wi <= w && best[i - 1][w - wi] + v > best[i - 1][w] {
                best[i][w] = best[i - 1][w - wi] + v;
                keep[i][w] = true;
            }
        }
    }
    let mut picks = Vec::new();
    let mut w = cap;
    for i in (1..=n).rev() {
        if keep[i][w] {
            picks.push(i - 1);
            w -= weights[i - 1] as usize;
        }
    }
    picks.reverse();
    picks
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn picks_the_best_set() {
        // Costs 222 / 222 / 556 (1 : 1 : 2.5): at 50% the two cheap groups, at 60% still them
        // when they are worth more than the expensive one.
        let w = [222, 222, 556];
        assert_eq!(knapsack(&[0.3, 0.2, 0.4], &w, 500), vec![0, 1]);
        assert_eq!(knapsack(&[0.3, 0.2, 0.4], &w, 600), vec![0, 1]);
        assert_eq!(knapsack(&[0.1, 0.1, 0.4], &w, 600), vec![2]);
        assert_eq!(knapsack(&[0.3, 0.2, 0.4], &w, 100), Vec::<usize>::new());
        assert_eq!(knapsack(&[0.3, -0.2, 0.0], &w, 1000), vec![0]);
        // Zero-cost items with value are always taken.
        assert_eq!(knapsack(&[0.1, 0.5], &[0, 900], 100), vec![0]);
        assert_eq!(knapsack(&[], &[], 10), Vec::<usize>::new());
    }
}
