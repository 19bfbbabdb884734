//! The text kernel a compiled loop calls once per row and vectorizer: it scans the row's text,
//! looks every term up in a vocabulary table built once at compile time, counts the terms of the
//! row in reused scratch (no allocation), weights them (binary, sublinear tf, idf) and normalizes
//! (L1 / L2), and adds each term's value times the linear model's weights straight into the
//! row's scores. No token list, n-gram list or sparse row is materialized.
//!
//! Terms are exactly the eager analyzer's (`willump_runtime::ops::text`): ASCII text takes a fast
//! scan written here (lowercase, Python's ASCII `\w` and whitespace classes, whitespace
//! collapsing, word / char / char_wb n-grams); any other text goes through the eager
//! `TermAnalyzer` itself. A lookup hashes the term's bytes and always compares the bytes.
//!
//! Floating-point order: values are summed in the order the row's terms occur (plain tf with an
//! L2 norm or none is scored in one pass: the model's dot product and the squared norm are
//! accumulated per occurrence, then divided), not in column order as the eager vectorizer does,
//! so scores agree with the interpreter to rounding (about 1e-15 relative), not bit for bit.

use willump_ir::params::text::{Analyzer, AnalyzerParams, Norm};
use willump_runtime::ops::text::{TermAnalyzer, is_space_char, is_word_char};
use willump_runtime::state::BoundState;

/// A vocabulary laid out for lookups: open addressing over a dense array of 8-byte keys (kept
/// at most half full), with each slot's column and arena span beside it. A term of at most 7
/// bytes is its own key (its bytes and its length in the top byte), so a hit is one compare of
/// the whole term; a longer term's key is its hash with the top byte 0xFF (never a short key),
/// confirmed by comparing its bytes with the arena. Either way the bytes decide, never the hash.
#[derive(Debug)]
pub(crate) struct TermTable {
    keys: Vec<u64>,
    /// Per slot: column, arena offset, length.
    vals: Vec<[u32; 3]>,
    arena: Vec<u8>,
    mask: usize,
    /// Cuts the probe hash (64 bits in use; tests cut it to force collisions).
    hash_mask: u64,
}

/// The key of an empty slot (no term packs to it: a short key's top byte is at most 7, a long
/// key's is 0xFF with a hash that is never all ones below).
const EMPTY: u64 = u64::MAX;
const K0: u64 = 0x9E37_79B9_7F4A_7C15;
const K1: u64 = 0xD6E8_FEB8_6659_FD93;

/// A short term (at most 7 bytes) packed into its key.
#[inline(always)]
fn pack(b: &[u8]) -> u64 {
    let mut w = [0u8; 8];
    w[..b.len()].copy_from_slice(b);
    u64::from_le_bytes(w) | (b.len() as u64) << 56
}

/// The probe hash of a key.
#[inline(always)]
fn mix(key: u64) -> u64 {
    let p = ((key ^ K0) as u128).wrapping_mul(K1 as u128);
    (p as u64) ^ ((p >> 64) as u64)
}

/// Hash of a long term's bytes: 8-byte words folded with a multiply.
#[inline]
fn hash_bytes(b: &[u8]) -> u64 {
    let mut h = (b.len() as u64).wrapping_mul(K0);
    let mut chunks = b.chunks_exact(8);
    for c in &mut chunks {
        let w = u64::from_le_bytes(c.try_into().expect("8 bytes"));
        h = mix(h ^ w);
    }
    let rest = chunks.remainder();
    if !rest.is_empty() {
        let mut w = [0u8; 8];
        w[..rest.len()].copy_from_slice(rest);
        h = mix(h ^ u64::from_le_bytes(w));
    }
    h
}

/// The key of a term of 8 bytes or more.
#[inline]
fn long_key(b: &[u8]) -> u64 {
    (hash_bytes(b) & 0x00FF_FFFF_FFFF_FFFE) | 0xFF << 56
}

impl TermTable {
    /// The table of `terms` (term `i` is column `i`).
    pub(crate) fn new<'a>(terms: impl ExactSizeIterator<Item = &'a str>, hash_bits: u32) -> TermTable {
        let n = terms.len();
        let size = (2 * n.max(1)).next_power_of_two();
        let hash_mask = if hash_bits >= 64 { u64::MAX } else { (1u64 << hash_bits) - 1 };
        let mut t = TermTable {
            keys: vec![EMPTY; size],
            vals: vec![[0; 3]; size],
            arena: Vec::new(),
            mask: size - 1,
            hash_mask,
        };
        for (col, term) in terms.enumerate() {
            let b = term.as_bytes();
            let key = if b.len() <= 7 { pack(b) } else { long_key(b) };
            let mut i = (mix(key) & hash_mask) as usize & t.mask;
            while t.keys[i] != EMPTY {
                i = (i + 1) & t.mask;
            }
            t.keys[i] = key;
            t.vals[i] = [col as u32, t.arena.len() as u32, b.len() as u32];
            t.arena.extend_from_slice(b);
        }
        t
    }

    /// The column of the short term packed in `key`.
    #[inline(always)]
    pub(crate) fn get_short(&self, key: u64) -> Option<u32> {
        let mut i = (mix(key) & self.hash_mask) as usize & self.mask;
        loop {
            let k = self.keys[i];
            if k == key {
                return Some(self.vals[i][0]);
            }
            if k == EMPTY {
                return None;
            }
            i = (i + 1) & self.mask;
        }
    }

    /// The column of `term`, if it is in the vocabulary.
    #[inline(always)]
    pub(crate) fn get(&self, term: &[u8]) -> Option<u32> {
        if term.len() <= 7 {
            return self.get_short(pack(term));
        }
        let key = long_key(term);
        let mut i = (mix(key) & self.hash_mask) as usize & self.mask;
        loop {
            let k = self.keys[i];
            if k == EMPTY {
                return None;
            }
            if k == key {
                let [col, start, len] = self.vals[i];
                if &self.arena[start as usize..(start + len) as usize] == term {
                    return Some(col);
                }
            }
            i = (i + 1) & self.mask;
        }
    }

    /// Bytes held.
    pub(crate) fn bytes(&self) -> usize {
        self.keys.len() * 20 + self.arena.len()
    }
}

/// A compiled vectorizer: how to cut terms, the vocabulary table, and the weighting.
#[derive(Debug)]
pub(crate) struct TextKernel {
    params: AnalyzerParams,
    table: TermTable,
    n_cols: usize,
    binary: bool,
    sublinear: bool,
    idf: Option<Vec<f64>>,
    norm: Option<Norm>,
}

impl TextKernel {
    /// The kernel of a count or TF-IDF vectorizer (`None` for other state).
    pub(crate) fn of(s: &BoundState, hash_bits: u32) -> Option<TextKernel> {
        match s {
            BoundState::Tfidf(v) => {
                let p = v.params();
                Some(TextKernel {
                    params: p.count.analysis.clone(),
                    table: TermTable::new(v.vocabulary().terms(), hash_bits),
                    n_cols: v.vocabulary().len(),
                    binary: p.count.binary,
                    sublinear: p.sublinear_tf,
                    idf: v.idf().map(<[f64]>::to_vec),
                    norm: p.norm,
                })
            }
            BoundState::Count(v) => Some(TextKernel {
                params: v.params().analysis.clone(),
                table: TermTable::new(v.vocabulary().terms(), hash_bits),
                n_cols: v.vocabulary().len(),
                binary: v.params().binary,
                sublinear: false,
                idf: None,
                norm: None,
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
            counts: vec![0; self.n_cols],
            touched: Vec::new(),
            vals: Vec::new(),
            buf: Vec::new(),
            join: Vec::new(),
            tokens: Vec::new(),
            analyzer: TermAnalyzer::new(&self.params).map_err(|e| e.to_string())?,
        })
    }

    /// Counts the terms of `text` into `s`, calling `hit(column, count before)` for every
    /// occurrence of a vocabulary term.
    fn count(&self, text: &str, s: &mut TextScratch, mut hit: impl FnMut(u32, u32)) {
        let TextScratch { counts, touched, buf, join, tokens, analyzer, .. } = s;
        let table = &self.table;
        // macros rather than closures: the per-occurrence work must inline into the scan loops
        macro_rules! add_col {
            ($col:expr) => {{
                let col: u32 = $col;
                let c = &mut counts[col as usize];
                if *c == 0 {
                    touched.push(col);
                }
                hit(col, *c);
                *c += 1;
            }};
        }
        macro_rules! add {
            ($term:expr) => {
                if let Some(col) = table.get($term) {
                    add_col!(col);
                }
            };
        }
        if !text.is_ascii() {
            let terms = analyzer.analyze(text);
            for k in 0..terms.len() {
                add!(terms.get(k).as_bytes());
            }
            return;
        }
        let bytes = text.as_bytes();
        let lower = self.params.lowercase;
        let (min_n, max_n) = (self.params.ngram_range.min_n, self.params.ngram_range.max_n);
        buf.clear();
        match self.params.analyzer {
            Analyzer::Word => {
                buf.extend(bytes.iter().map(|&b| if lower { b.to_ascii_lowercase() } else { b }));
                tokens.clear();
                let mut i = 0;
                while i < buf.len() {
                    if !is_word_char(buf[i] as char) {
                        i += 1;
                        continue;
                    }
                    let start = i;
                    while i < buf.len() && is_word_char(buf[i] as char) {
                        i += 1;
                    }
                    if i - start >= 2 {
                        tokens.push((start as u32, i as u32));
                    }
                }
                for n in min_n..=max_n.min(tokens.len()) {
                    for w in tokens.windows(n) {
                        if n == 1 {
                            add!(&buf[w[0].0 as usize..w[0].1 as usize]);
                        } else {
                            join.clear();
                            for (k, &(a, b)) in w.iter().enumerate() {
                                if k > 0 {
                                    join.push(b' ');
                                }
                                join.extend_from_slice(&buf[a as usize..b as usize]);
                            }
                            add!(join);
                        }
                    }
                }
            }
            Analyzer::Char => {
                // runs of two or more whitespace characters become one space
                let mut i = 0;
                while i < bytes.len() {
                    let b = bytes[i];
                    if is_space_char(b as char) {
                        let start = i;
                        while i < bytes.len() && is_space_char(bytes[i] as char) {
                            i += 1;
                        }
                        if i - start >= 2 {
                            buf.push(b' ');
                        } else {
                            buf.push(b);
                        }
                    } else {
                        buf.push(if lower { b.to_ascii_lowercase() } else { b });
                        i += 1;
                    }
                }
                let len = buf.len();
                buf.extend_from_slice(&[0; 8]);
                for n in min_n..=max_n.min(len) {
                    if n <= 7 {
                        // each window read as one word, masked to its bytes: its key directly
                        let mask = (1u64 << (8 * n)) - 1;
                        for i in 0..=len - n {
                            let w = u64::from_le_bytes(buf[i..i + 8].try_into().expect("padded"));
                            if let Some(col) = self.table.get_short(w & mask | (n as u64) << 56) {
                                add_col!(col);
                            }
                        }
                    } else {
                        for w in buf[..len].windows(n) {
                            add!(w);
                        }
                    }
                }
            }
            Analyzer::CharWb => {
                let mut i = 0;
                while i < bytes.len() {
                    if is_space_char(bytes[i] as char) {
                        i += 1;
                        continue;
                    }
                    let start = i;
                    while i < bytes.len() && !is_space_char(bytes[i] as char) {
                        i += 1;
                    }
                    join.clear();
                    join.push(b' ');
                    join.extend(bytes[start..i].iter().map(|&b| if lower { b.to_ascii_lowercase() } else { b }));
                    join.push(b' ');
                    let len = join.len();
                    let short_max = max_n.min(len - 1);
                    for n in min_n..=short_max {
                        for w in join.windows(n) {
                            add!(w);
                        }
                    }
                    if max_n >= len {
                        add!(join);
                    }
                }
            }
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
            if k == 1 {
                // one output: the dot product stays in a register
                let mut d = 0.0f64;
                self.count(text, s, |col, prev| {
                    let f = idf.map_or(1.0, |v| v[col as usize]);
                    d += w[col as usize] * f;
                    sq += (2 * prev + 1) as f64 * f * f;
                    z += f * 0.0;
                });
                dot[0] = d;
            } else {
                self.count(text, s, |col, prev| {
                    let f = idf.map_or(1.0, |v| v[col as usize]);
                    let row = &w[col as usize * k..(col as usize + 1) * k];
                    for (d, &wo) in dot.iter_mut().zip(row) {
                        *d += wo * f;
                    }
                    sq += (2 * prev + 1) as f64 * f * f;
                    z += f * 0.0;
                });
            }
            let TextScratch { counts, touched, .. } = s;
            for &col in touched.iter() {
                counts[col as usize] = 0;
            }
            touched.clear();
            let norm = if self.norm == Some(Norm::L2) && sq != 0.0 { sq.sqrt() } else { 1.0 };
            for (a, d) in acc.iter_mut().zip(&dot[..k]) {
                *a += d / norm;
            }
            acc[k] += z;
            return;
        }
        self.count(text, s, |_, _| {});
        let TextScratch { counts, touched, vals, .. } = s;
        vals.clear();
        let mut sum = 0.0;
        for &col in touched.iter() {
            let c = std::mem::take(&mut counts[col as usize]);
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
        for (&col, &v) in touched.iter().zip(vals.iter()) {
            let v = if self.norm.is_some() && sum != 0.0 { v / sum } else { v };
            let row = &w[col as usize * k..(col as usize + 1) * k];
            for (a, &wo) in acc.iter_mut().zip(row) {
                *a += v * wo;
            }
            acc[k] += v * 0.0;
        }
        touched.clear();
    }
}

/// Most model outputs the one-pass scoring keeps on the stack (the JIT compiles linear models of
/// at most this many outputs).
const MAX_OUTPUTS: usize = crate::models::MAX_LINEAR_OUTPUTS;

/// One thread's reused buffers for one text kernel.
#[derive(Debug)]
pub(crate) struct TextScratch {
    counts: Vec<u32>,
    touched: Vec<u32>,
    vals: Vec<f64>,
    buf: Vec<u8>,
    join: Vec<u8>,
    tokens: Vec<(u32, u32)>,
    analyzer: TermAnalyzer,
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
