//! The QuickScorer tree mode: generated code calls [`willump_quickscorer`] once per block of rows
//! (or once per row), which runs the shared kernel of
//! [`willump_runtime::models::quickscorer`] on an ensemble prepared at compile time and owned
//! by the compiled pipeline.

pub(crate) use willump_runtime::models::quickscorer::{QuickScorer, has_simd_kernel};

/// Scores `n` rows with the prepared ensemble at `q` (a [`QuickScorer`] the compiled pipeline
/// owns): `x` holds `n` rows of `n_features` f64s, `scores` receives `n` rows of `n_outputs`
/// raw scores, `scratch` is [`QuickScorer::scratch_bytes`] bytes of 16-byte-aligned scratch.
///
/// # Safety
/// The pointers are valid as described and do not overlap.
pub(crate) unsafe extern "C" fn willump_quickscorer(
    q: *const QuickScorer,
    x: *const f64,
    n: u64,
    scores: *mut f64,
    scratch: *mut u8,
) {
    // SAFETY: the generated code passes the address of a `QuickScorer` its pipeline keeps alive,
    // and buffers sized by the layout (the caller's contract).
    unsafe { (*q).score_raw(x, n as usize, scores, scratch) }
}
