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

/// Sets `n` u64 words at `dst` to zero (a memo's entries, cleared on loop entry).
///
/// # Safety
/// `dst` points to `n` writable u64s.
pub unsafe extern "C" fn willump_zero_u64(dst: *mut u64, n: u64) {
    // SAFETY: the caller's contract.
    unsafe { std::ptr::write_bytes(dst, 0, n as usize) }
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
        Helper { name: "willump_zero_u64", addr: willump_zero_u64 as *const u8, params: &[I64, I64], ret: None },
    ]
}

/// Blocks at least this large get huge pages where the OS allows it ([`zeroed_f64_block`]).
const HUGE_BLOCK_BYTES: usize = 8 << 20;

/// The size of a transparent huge page on x86-64 and aarch64 Linux (4 KiB base pages).
#[cfg(target_os = "linux")]
const HUGE_PAGE: usize = 2 << 20;

/// `len` zeros, for an output block the generated code fills.
///
/// A fresh block comes from the OS untouched (the allocator maps zero pages), so the loop that
/// first writes each 4 KiB page takes a page fault (about 3 us each on the VM this was measured
/// on: 9.2k faults, about a third of the flights feature stage, for a 37 MB dense block). On
/// Linux, blocks of at least [`HUGE_BLOCK_BYTES`] ask for transparent huge pages over their
/// 2 MiB-aligned interior (`madvise(MADV_HUGEPAGE)`), so the same block takes about 18 faults.
/// The hint changes nothing else: the memory is the same zeroed, ordinary heap memory (freed by
/// the `Vec`), and the kernel may ignore it (THP `never`, or no free huge page: then it faults
/// 4 KiB pages as before). Limitation: with THP defragmentation set to `madvise` (common), a
/// first fault may stall while the kernel compacts memory into a free huge page.
pub(crate) fn zeroed_f64_block(len: usize) -> Vec<f64> {
    let v = vec![0.0f64; len];
    #[cfg(target_os = "linux")]
    if len * 8 >= HUGE_BLOCK_BYTES {
        let start = v.as_ptr() as usize;
        let lo = start.next_multiple_of(HUGE_PAGE);
        let hi = (start + len * 8) / HUGE_PAGE * HUGE_PAGE;
        if hi > lo {
            // SAFETY: [lo, hi) lies inside the block's allocation, which this function owns; the
            // advice only changes how the kernel backs the pages, never their contents. A
            // failure (an old kernel, THP off) leaves the block as it was, so it is ignored.
            unsafe { libc::madvise(lo as *mut libc::c_void, hi - lo, libc::MADV_HUGEPAGE) };
        }
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zeroed_blocks_are_zero_and_writable_at_every_size() {
        // below, at and above the huge-page size threshold, with lengths not a page multiple
        for len in [0usize, 1, 1000, HUGE_BLOCK_BYTES / 8 - 1, HUGE_BLOCK_BYTES / 8, 3 * HUGE_BLOCK_BYTES / 8 + 5] {
            let mut v = zeroed_f64_block(len);
            assert_eq!(v.len(), len);
            assert!(v.iter().all(|x| x.to_bits() == 0), "{len}");
            for (i, x) in v.iter_mut().enumerate().step_by(511) {
                *x = i as f64;
            }
            assert!(v.iter().enumerate().step_by(511).all(|(i, x)| *x == i as f64));
        }
    }
}
