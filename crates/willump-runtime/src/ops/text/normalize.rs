//! Row normalization as scikit-learn's `normalize` does it on CSR rows
//! (`inplace_csr_row_normalize_l1` / `_l2`): the sum is taken in stored order, an all-zero row is
//! left alone, and every value is divided (not multiplied by a reciprocal), so results match to
//! the last bit where the inputs do.

use willump_ir::params::text::Norm;

/// Normalizes one row's stored values in place.
#[inline]
pub fn normalize_row(values: &mut [f64], norm: Norm) {
    let mut sum = 0.0;
    match norm {
        Norm::L1 => values.iter().for_each(|v| sum += v.abs()),
        Norm::L2 => values.iter().for_each(|v| sum += v * v),
    }
    if sum == 0.0 {
        return;
    }
    if norm == Norm::L2 {
        sum = sum.sqrt();
    }
    values.iter_mut().for_each(|v| *v /= sum);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn l1_l2_and_zero_rows() {
        let mut v = [3.0, -4.0];
        normalize_row(&mut v, Norm::L2);
        assert_eq!(v, [0.6, -0.8]);
        let mut v = [1.0, -3.0];
        normalize_row(&mut v, Norm::L1);
        assert_eq!(v, [0.25, -0.75]);
        let mut v = [0.0, 0.0];
        normalize_row(&mut v, Norm::L2);
        assert_eq!(v, [0.0, 0.0]);
        normalize_row(&mut [], Norm::L1);
    }
}
