//! Seeded, label-stratified splits of the training rows into the parts the optimizer uses.

use crate::error::{Error, Result};
use crate::rng::Rng;

/// Splits rows `0..labels.len()` into parts of the given fractions (summing to at most 1; the
/// first part takes the rest), stratified by label: each class is shuffled with `seed` and dealt
/// to the parts in proportion, so every part keeps the class balance. Each part is sorted.
pub fn stratified(labels: &[f64], fractions: &[f64], seed: u64) -> Result<Vec<Vec<usize>>> {
    let op = "split";
    if fractions.iter().any(|f| !(0.0..1.0).contains(f)) || fractions.iter().sum::<f64>() > 1.0 + 1e-12 {
        return Err(Error::invalid(op, "fractions", format!("{fractions:?} are not fractions summing to at most 1")));
    }
    if let Some(bad) = labels.iter().find(|y| !y.is_finite() || y.fract() != 0.0 || **y < 0.0) {
        return Err(Error::invalid(op, "labels", format!("class labels are 0, 1, ..., found {bad}")));
    }
    let k = labels.iter().fold(0.0f64, |a, &b| a.max(b)) as usize + 1;
    let mut by_class: Vec<Vec<usize>> = vec![Vec::new(); k];
    for (i, &y) in labels.iter().enumerate() {
        by_class[y as usize].push(i);
    }
    let mut rng = Rng::new(seed);
    let mut parts: Vec<Vec<usize>> = vec![Vec::new(); fractions.len() + 1];
    for rows in &mut by_class {
        rng.shuffle(rows);
        let n = rows.len();
        let mut at = 0;
        for (p, f) in fractions.iter().enumerate() {
            let take = (f * n as f64).round() as usize;
            let take = take.min(n - at);
            parts[p + 1].extend_from_slice(&rows[at..at + take]);
            at += take;
        }
        parts[0].extend_from_slice(&rows[at..]);
    }
    for p in &mut parts {
        p.sort_unstable();
    }
    Ok(parts)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stratified_and_seeded() {
        let y: Vec<f64> = (0..1000).map(|i| if i % 4 == 0 { 1.0 } else { 0.0 }).collect();
        let parts = stratified(&y, &[0.25, 0.2], 7).unwrap();
        assert_eq!(parts.iter().map(Vec::len).sum::<usize>(), 1000);
        // Per class: round(0.25 * 250) = 63 positives, round(0.25 * 750) = 188 negatives.
        assert_eq!(parts[1].len(), 251);
        assert_eq!(parts[1].iter().filter(|&&i| y[i] == 1.0).count(), 63);
        assert_eq!(parts[2].len(), 200);
        let mut all: Vec<usize> = parts.concat();
        all.sort_unstable();
        assert_eq!(all, (0..1000).collect::<Vec<_>>());
        assert_eq!(stratified(&y, &[0.25, 0.2], 7).unwrap(), parts);
        assert_ne!(stratified(&y, &[0.25, 0.2], 8).unwrap(), parts);
        assert!(stratified(&y, &[0.7, 0.5], 7).is_err());
        assert!(stratified(&[0.5], &[0.2], 7).is_err());
    }
}
