//! The text kernel a compiled loop calls once per row and vectorizer: it scans the row's text,
//! looks every term up in a vocabulary table built once at compile time, counts the terms of the
//! row in reused scratch (no allocation), weights them (binary, sublinear tf, idf) and normalizes
//! (L1 / L2), and adds each term's value times the linear model's weights straight into the
//! row's scores. No token list, n-gram list or sparse row is materialized.
//!
//! Terms are exactly the eager analyzer's: the scan and the lookups are the runtime's
//! `TermScanner` and `PackedVocabulary` (shared with the hand-fused scorers: ASCII text scanned in
//! place with packed 8-byte keys and prefetched lookups, anything else by the eager analyzer).
//! A TF-IDF vocabulary's ids put the most frequent terms first (per-id data of the terms most
//! occurrences hit sits together); the kernel maps ids to the model's columns where it needs to.
//!
//! Floating-point order: values are summed in the order the row's terms occur (plain tf with an
//! L2 norm or none is scored in one pass: the model's dot product and the squared norm are
//! accumulated per occurrence, then divided), not in column order as the eager vectorizer does,
//! so scores agree with the interpreter to rounding (about 1e-15 relative), not bit for bit.

use std::sync::{Mutex, OnceLock};
use willump_ir::params::text::{AnalyzerParams, Norm};
use willump_runtime::ops::text::{ColumnCounts, OccurrenceScores, PackedVocabulary, TermScanner};
use willump_runtime::state::BoundState;

/// A compiled vectorizer: how to cut terms, the vocabulary table, and the weighting.
#[derive(Debug)]
pub(crate) struct TextKernel {
    params: AnalyzerParams,
    /// Ids by document frequency (TF-IDF) or columns (counts).
    table: PackedVocabulary,
    n_cols: usize,
    binary: bool,
    sublinear: bool,
    /// The idf of each column.
    idf: Option<Vec<f64>>,
    norm: Option<Norm>,
    /// For one-output models: the addresses of the first [`WEIGHT_SETS`] weight vectors seen
    /// (a cascade's small and full models read the same vectorizer with different weights), and
    /// their one-pass scores (per id `w * idf`, `idf^2` and a count: one cache line per
    /// occurrence), copied into each thread's scratch on its first call with them. Filled
    /// lock-free (a slot another thread filled with other weights is skipped); calls with further
    /// weights take the plain path.
    weighted: [OnceLock<(usize, OccurrenceScores)>; WEIGHT_SETS],
    /// Whether every idf is finite (no idf: true).
    idf_finite: bool,
    /// Scratch returned by finished batch calls, for the next ones: a fresh scratch copies the
    /// one-pass scores (1.6 MB for 50,000 terms), which would dominate a small batch.
    pool: Mutex<Vec<TextScratch>>,
}

impl TextKernel {
    /// The kernel of a count or TF-IDF vectorizer (`None` for other state); with `lower`, it
    /// lowercases each text first (a fused `lowercase` op: the analyzer's own lowercasing is
    /// Python's `str.lower()` too, and lowercasing is idempotent, so turning it on is exact).
    pub(crate) fn of(s: &BoundState, hash_bits: u32, lower: bool) -> Option<TextKernel> {
        let with_lower = |p: &AnalyzerParams| AnalyzerParams { lowercase: p.lowercase || lower, ..p.clone() };
        match s {
            BoundState::Tfidf(v) => {
                let p = v.params();
                let mut table = PackedVocabulary::by_frequency(v.vocabulary(), v.idf(), hash_bits).ok()?;
                table.index_word_ngrams(v.vocabulary(), &p.count.analysis).ok()?;
                Some(TextKernel {
                    params: with_lower(&p.count.analysis),
                    table,
                    n_cols: v.vocabulary().len(),
                    binary: p.count.binary,
                    sublinear: p.sublinear_tf,
                    idf: v.idf().map(<[f64]>::to_vec),
                    norm: p.norm,
                    weighted: Default::default(),
                    idf_finite: v.idf().is_none_or(|v| v.iter().all(|f| f.is_finite())),
                    pool: Mutex::default(),
                })
            }
            BoundState::Count(v) => Some(TextKernel {
                params: with_lower(&v.params().analysis),
                table: {
                    let mut table = PackedVocabulary::with_home_bits(v.vocabulary(), hash_bits);
                    table.index_word_ngrams(v.vocabulary(), &v.params().analysis).ok()?;
                    table
                },
                n_cols: v.vocabulary().len(),
                binary: v.params().binary,
                sublinear: false,
                idf: None,
                norm: None,
                weighted: Default::default(),
                idf_finite: true,
                pool: Mutex::default(),
            }),
            _ => None,
        }
    }

    /// Bytes of tables held.
    pub(crate) fn bytes(&self) -> usize {
        self.table.bytes() + self.idf.as_ref().map_or(0, |v| v.len() * 8)
    }

    /// Scratch for one thread.
    pub(crate) fn scratch(&self) -> Result<TextScratch, String> {
        Ok(TextScratch {
            scores: Default::default(),
            counts: ColumnCounts::new(self.n_cols),
            touched: Vec::new(),
            vals: Vec::new(),
            scanner: TermScanner::new(&self.params).map_err(|e| e.to_string())?,
            last: Vec::new(),
            scanned: false,
        })
    }

    /// A scratch for one batch call: one a finished call gave back, or a fresh one.
    pub(crate) fn take_scratch(&self) -> Result<TextScratch, String> {
        match self.pool.lock().ok().and_then(|mut p| p.pop()) {
            Some(s) => Ok(s),
            None => self.scratch(),
        }
    }

    /// Gives a batch call's scratch back for the next call (at most [`POOLED`] are kept).
    pub(crate) fn give_back(&self, s: TextScratch) {
        if let Ok(mut p) = self.pool.lock()
            && p.len() < POOLED
        {
            p.push(s);
        }
    }

    /// Counts the terms of `text` into `s` (a new document), calling `hit(id, column, count
    /// before)` for every occurrence of a vocabulary term.
    #[inline(always)]
    fn count(&self, text: &str, s: &mut TextScratch, mut hit: impl FnMut(u32, u32, u32)) {
        s.counts.next_document();
        // the scan fills a list of ids, then a tight loop with no call folds them in, so the
        // caller's accumulators stay in registers
        s.ids(&self.table, text);
        let TextScratch { counts, scanner, .. } = s;
        let ids = scanner.last_columns();
        for (j, &id) in ids.iter().enumerate() {
            // the ids are known ahead: start loading a later one's count now
            if let Some(&a) = ids.get(j + AHEAD) {
                counts.prefetch(a);
            }
            hit(id, self.table.column(id), counts.bump(id));
        }
    }

    /// Adds the row's contribution to a linear model's scores: for every term value `v_j` (after
    /// weighting and normalization) `acc[o] += v_j * w[j * k + o]`, and `acc[k] += v_j * 0.0` (a
    /// NaN there flags a non-finite value).
    fn add_scores(&self, text: Option<&str>, s: &mut TextScratch, w: &[f64], k: usize, acc: &mut [f64]) {
        let Some(text) = text else { return };
        if !self.binary && !self.sublinear && self.norm != Some(Norm::L1) && k <= MAX_OUTPUTS {
            // Plain tf with an L2 norm (or none) is linear in the counts: each occurrence adds
            // `w_j * idf_j` to the dot product and `(2c + 1) * idf_j^2` to the squared norm (`c`
            // the count so far), so the row's terms are never walked a second time.
            let mut dot = [0.0f64; MAX_OUTPUTS];
            let (mut sq, mut z) = (0.0f64, 0.0f64);
            let idf = self.idf.as_deref();
            if k == 1 && self.idf_finite {
                let addr = w.as_ptr() as usize;
                for (slot, set) in self.weighted.iter().enumerate() {
                    let (at, template) = set.get_or_init(|| {
                        let l2 = self.norm == Some(Norm::L2);
                        let scores = OccurrenceScores::new(self.table.columns(), w, idf, l2)
                            .expect("the weights and idf have one value per column");
                        (addr, scores)
                    });
                    if *at == addr {
                        // one output, finite idf, known weights: one record per occurrence, and
                        // the finiteness flag stays 0 (every idf is finite)
                        s.ids(&self.table, text);
                        let TextScratch { scores, scanner, .. } = s;
                        let scores = scores[slot].get_or_insert_with(|| template.clone());
                        acc[0] += scores.score(scanner.last_columns());
                        return;
                    }
                }
            }
            if k == 1 {
                // one output: the dot product stays in a register
                let mut d = 0.0f64;
                self.count(text, s, |_, col, prev| {
                    let f = idf.map_or(1.0, |v| v[col as usize]);
                    d += w[col as usize] * f;
                    sq += (2 * prev + 1) as f64 * f * f;
                    z += f * 0.0;
                });
                dot[0] = d;
            } else {
                self.count(text, s, |_, col, prev| {
                    let f = idf.map_or(1.0, |v| v[col as usize]);
                    let row = &w[col as usize * k..(col as usize + 1) * k];
                    for (d, &wo) in dot.iter_mut().zip(row) {
                        *d += wo * f;
                    }
                    sq += (2 * prev + 1) as f64 * f * f;
                    z += f * 0.0;
                });
            }
            let norm = if self.norm == Some(Norm::L2) && sq != 0.0 { sq.sqrt() } else { 1.0 };
            for (a, d) in acc.iter_mut().zip(&dot[..k]) {
                *a += d / norm;
            }
            acc[k] += z;
            return;
        }
        let mut touched = std::mem::take(&mut s.touched);
        touched.clear();
        self.count(text, s, |id, _, before| {
            if before == 0 {
                touched.push(id);
            }
        });
        let TextScratch { counts, vals, .. } = s;
        vals.clear();
        let mut sum = 0.0;
        for &id in touched.iter() {
            let (c, col) = (counts.get(id), self.table.column(id));
            let mut v = if self.binary { 1.0 } else { c as f64 };
            if self.sublinear {
                v = v.ln() + 1.0;
            }
            if let Some(idf) = &self.idf {
                v *= idf[col as usize];
            }
            match self.norm {
                Some(Norm::L2) => sum += v * v,
                Some(Norm::L1) => sum += v.abs(),
                None => {}
            }
            vals.push(v);
        }
        if self.norm == Some(Norm::L2) {
            sum = sum.sqrt();
        }
        for (&id, &v) in touched.iter().zip(vals.iter()) {
            let col = self.table.column(id);
            let v = if self.norm.is_some() && sum != 0.0 { v / sum } else { v };
            let row = &w[col as usize * k..(col as usize + 1) * k];
            for (a, &wo) in acc.iter_mut().zip(row) {
                *a += v * wo;
            }
            acc[k] += v * 0.0;
        }
        s.touched = touched;
    }
}

/// Most scratches a kernel keeps for later batch calls (one per concurrent thread is enough).
const POOLED: usize = 16;

/// How many weight vectors (linear models) per vectorizer get one-pass scores.
const WEIGHT_SETS: usize = 4;

/// How many occurrences ahead the counting loop prefetches a count.
const AHEAD: usize = 8;

/// Most model outputs the one-pass scoring keeps on the stack (the JIT compiles linear models of
/// at most this many outputs).
const MAX_OUTPUTS: usize = crate::models::MAX_LINEAR_OUTPUTS;

/// One thread's reused buffers for one text kernel.
#[derive(Debug)]
pub(crate) struct TextScratch {
    /// This thread's copies of the kernel's one-pass scores (each made on its first use).
    scores: [Option<OccurrenceScores>; WEIGHT_SETS],
    /// Counts by id.
    counts: ColumnCounts,
    touched: Vec<u32>,
    vals: Vec<f64>,
    scanner: TermScanner,
    /// The text whose ids the scanner holds (valid when `scanned`): a second model reading this
    /// vectorizer in the same row (a cascade's small model and the full model's partial sum)
    /// reuses them instead of scanning again. Keyed by the bytes, not the address, so a caller
    /// that reuses a buffer for another text never gets stale ids.
    last: Vec<u8>,
    scanned: bool,
}

impl TextScratch {
    /// The ids of `text`'s terms in `table`: the scanner's last result when it scanned the same
    /// text, else a new scan.
    #[inline]
    fn ids(&mut self, table: &PackedVocabulary, text: &str) -> &[u32] {
        if self.scanned && self.last.as_slice() == text.as_bytes() {
            return self.scanner.last_columns();
        }
        self.last.clear();
        self.last.extend_from_slice(text.as_bytes());
        self.scanned = true;
        self.scanner.columns(table, text)
    }
}

/// The helper compiled loops call: adds one row's text contribution to a linear model's `k`
/// accumulators (and the finiteness flag `acc[k]`). `w` points at the weights of the
/// vectorizer's first column, feature-major.
///
/// # Safety
/// `kernel` and `scratch` point to live objects (the scratch used by one thread at a time);
/// `text..text + len` is valid UTF-8 when `valid != 0`; `w` holds `n_cols * k` weights; `acc`
/// holds `k + 1` values.
pub unsafe extern "C" fn willump_text_scores(
    kernel: *const TextKernel,
    scratch: *mut TextScratch,
    text: *const u8,
    len: u64,
    valid: u64,
    w: *const f64,
    k: u64,
    acc: *mut f64,
) {
    // SAFETY: the caller's contract; the compiled loop passes a checked string column's row
    // (UTF-8 checked when the column was built) and buffers the compiled program owns.
    unsafe {
        let kernel = &*kernel;
        let s = &mut *scratch;
        let text = (valid != 0).then(|| std::str::from_utf8_unchecked(std::slice::from_raw_parts(text, len as usize)));
        let k = k as usize;
        let w = std::slice::from_raw_parts(w, kernel.n_cols * k);
        let acc = std::slice::from_raw_parts_mut(acc, k + 1);
        kernel.add_scores(text, s, w, k, acc);
    }
}
