//! Checks of training inputs shared by every model: shapes, label domains, finite targets.

use crate::error::{Error, Result};
use crate::value::MatrixRef;

/// Checks that `x` has rows and that `y` has one label per row.
pub(crate) fn check_shapes(op: &str, x: &MatrixRef<'_>, y: &[f64]) -> Result<()> {
    if x.n_rows() == 0 {
        return Err(Error::invalid(op, "x", "no training rows"));
    }
    if y.len() != x.n_rows() {
        return Err(Error::invalid(op, "y", format!("{} labels for {} rows", y.len(), x.n_rows())));
    }
    Ok(())
}

/// The number of classes `k` of class labels `0.0 .. k-1`: every label must be a non-negative
/// integer, and every class in `0..k` must occur (a class with no example cannot be fitted and
/// would silently shift the class indices). Errors when fewer than two classes occur.
pub(crate) fn n_classes(op: &str, y: &[f64]) -> Result<usize> {
    let mut max = 0.0f64;
    for &v in y {
        if !(v >= 0.0 && v.fract() == 0.0 && v < (1u64 << 31) as f64) {
            return Err(Error::invalid(op, "y", format!("label {v} is not a class index 0, 1, 2, ...")));
        }
        max = max.max(v);
    }
    let k = max as usize + 1;
    if k < 2 {
        return Err(Error::invalid(op, "y", "only one class (0) in the labels: nothing to separate"));
    }
    if k > y.len() {
        return Err(Error::invalid(
            op,
            "y",
            format!("label {max} needs {k} classes but there are only {} rows: some class has no example", y.len()),
        ));
    }
    let mut seen = vec![false; k];
    for &v in y {
        seen[v as usize] = true;
    }
    if let Some(c) = seen.iter().position(|s| !s) {
        return Err(Error::invalid(
            op,
            "y",
            format!("class {c} has no example (labels must be 0..k with every class present; k = {k})"),
        ));
    }
    Ok(k)
}

/// Errors when a regression target is NaN or infinite.
pub(crate) fn check_targets(op: &str, y: &[f64]) -> Result<()> {
    if let Some(v) = y.iter().find(|v| !v.is_finite()) {
        return Err(Error::invalid(op, "y", format!("non-finite target {v}")));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn label_domains() {
        assert_eq!(n_classes("m", &[0.0, 1.0, 1.0]).unwrap(), 2);
        assert_eq!(n_classes("m", &[2.0, 1.0, 0.0]).unwrap(), 3);
        assert!(n_classes("m", &[0.0, 0.0]).unwrap_err().to_string().contains("one class"));
        assert!(n_classes("m", &[0.0, 2.0, 2.0]).unwrap_err().to_string().contains("class 1 has no example"));
        assert!(n_classes("m", &[0.0, 0.5]).is_err());
        assert!(n_classes("m", &[0.0, -1.0]).is_err());
        assert!(n_classes("m", &[0.0, f64::NAN]).is_err());
        assert!(n_classes("m", &[0.0, 2e9]).unwrap_err().to_string().contains("only 2 rows"));
        assert!(check_targets("m", &[1.0, f64::INFINITY]).is_err());
    }
}
