//! Small Rust functions the generated code calls: math whose result must be bit-identical to
//! the interpreter's (which calls the same Rust functions), and the model links. Every helper is
//! `extern "C"`, pure, and never allocates or panics.

use willump_runtime::models::{argmax, sigmoid};

/// `ln(1 + x)` ([`f64::ln_1p`], as the eager `log1p`).
pub extern "C" fn willump_log1p(x: f64) -> f64 {
    x.ln_1p()
}

/// The logistic function ([`willump_runtime::models::sigmoid`]).
pub extern "C" fn willump_sigmoid(s: f64) -> f64 {
    sigmoid(s)
}

/// Softmax of `k` scores in place, as [`willump_runtime::models::softmax_rows`] does one row.
///
/// # Safety
/// `p` points to `k` initialized f64s that nothing else accesses during the call.
pub unsafe extern "C" fn willump_softmax(p: *mut f64, k: u64) {
    // SAFETY: the generated code passes a scratch row of exactly `k` values.
    let row = unsafe { std::slice::from_raw_parts_mut(p, k as usize) };
    let max = row.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let mut sum = 0.0;
    for v in row.iter_mut() {
        *v = (*v - max).exp();
        sum += *v;
    }
    for v in row.iter_mut() {
        *v /= sum;
    }
}

/// The index of the largest of `k` scores, as f64 ([`willump_runtime::models::argmax`]).
///
/// # Safety
/// `p` points to `k` initialized f64s.
pub unsafe extern "C" fn willump_argmax(p: *const f64, k: u64) -> f64 {
    // SAFETY: the generated code passes a scratch row of exactly `k` values.
    let row = unsafe { std::slice::from_raw_parts(p, k as usize) };
    argmax(row) as f64
}

/// The number of the `n` sorted boundaries at `b` that are `<= x` (binary search, for long
/// boundary lists; short ones are unrolled compares in the generated code).
///
/// # Safety
/// `b` points to `n` f64s.
pub unsafe extern "C" fn willump_bucket_left(b: *const f64, n: u64, x: f64) -> i64 {
    // SAFETY: `b` is a boundary table the compiled pipeline owns, of length `n`.
    let b = unsafe { std::slice::from_raw_parts(b, n as usize) };
    b.partition_point(|&e| e <= x) as i64
}

/// The number of the `n` sorted boundaries at `b` that are `< x`.
///
/// # Safety
/// `b` points to `n` f64s.
pub unsafe extern "C" fn willump_bucket_right(b: *const f64, n: u64, x: f64) -> i64 {
    // SAFETY: `b` is a boundary table the compiled pipeline owns, of length `n`.
    let b = unsafe { std::slice::from_raw_parts(b, n as usize) };
    b.partition_point(|&e| e < x) as i64
}

/// Copies `n` f64s (dense rows longer than the generated code unrolls).
///
/// # Safety
/// `dst` and `src` point to `n` f64s each and do not overlap.
pub unsafe extern "C" fn willump_copy_f64(dst: *mut f64, src: *const f64, n: u64) {
    // SAFETY: the caller's contract.
    unsafe { std::ptr::copy_nonoverlapping(src, dst, n as usize) }
}

/// One helper: its symbol name, address, and signature (f64 / i64 parameters and result).
pub(crate) struct Helper {
    pub name: &'static str,
    pub addr: *const u8,
    pub params: &'static [HelperTy],
    pub ret: Option<HelperTy>,
}

/// A helper parameter or result type.
#[derive(Clone, Copy)]
pub(crate) enum HelperTy {
    F64,
    I64,
}

/// Every helper the generated code may call.
pub(crate) fn helpers() -> Vec<Helper> {
    use HelperTy::{F64, I64};
    vec![
        Helper { name: "willump_log1p", addr: willump_log1p as *const u8, params: &[F64], ret: Some(F64) },
        Helper { name: "willump_sigmoid", addr: willump_sigmoid as *const u8, params: &[F64], ret: Some(F64) },
        Helper { name: "willump_softmax", addr: willump_softmax as *const u8, params: &[I64, I64], ret: None },
        Helper { name: "willump_argmax", addr: willump_argmax as *const u8, params: &[I64, I64], ret: Some(F64) },
        Helper {
            name: "willump_bucket_left",
            addr: willump_bucket_left as *const u8,
            params: &[I64, I64, F64],
            ret: Some(I64),
        },
        Helper {
            name: "willump_bucket_right",
            addr: willump_bucket_right as *const u8,
            params: &[I64, I64, F64],
            ret: Some(I64),
        },
        Helper {
            name: "willump_text_scores",
            addr: crate::text::willump_text_scores as *const u8,
            params: &[I64, I64, I64, I64, I64, I64, I64, I64],
            ret: None,
        },
        Helper {
            name: "willump_join_lookup",
            addr: crate::join::willump_join_lookup as *const u8,
            params: &[I64, I64],
            ret: Some(I64),
        },
        Helper {
            name: "willump_quickscorer",
            addr: crate::codegen::willump_quickscorer as *const u8,
            params: &[I64, I64, I64, I64, I64],
            ret: None,
        },
        Helper { name: "willump_copy_f64", addr: willump_copy_f64 as *const u8, params: &[I64, I64, I64], ret: None },
    ]
}
