//! [`TermScanner`]: a document's vocabulary columns, one call per term occurrence, as fast as the
//! fused scorers need (a few nanoseconds per character n-gram), with exactly the terms of the
//! eager [`TermAnalyzer`].
//!
//! ASCII documents are scanned here: one normalized buffer per document (lowercased; for the
//! `char` analyzer whitespace runs collapsed), padded with 8 zero bytes so every position is one
//! unaligned `u64` load, and the key of each n-gram of at most 7 bytes starting there is that
//! word masked to `n` bytes plus the length tag: no byte is copied per n-gram. A document's keys
//! are made first, then looked up with the slots of later keys prefetched, so the table's cache
//! misses overlap. Any other document (non-ASCII text, where Python's lowercasing, `\w` and `\s` and
//! code points matter) goes through the eager analyzer itself, as do terms longer than 7 bytes
//! in the `char` analyzer and word n-grams (n > 1), which are joined in a buffer.
//!
//! The order in which columns are reported is not scikit-learn's term order (n-gram sizes of one
//! position are interleaved); the multiset of columns is the same.

use willump_ir::params::text::{Analyzer, AnalyzerParams};

use super::analyzer::TermAnalyzer;
use super::chars::is_ascii_space_byte;
use super::lowercase::lowercase_into;
use super::ngrams::collapse_whitespace_into;
use super::packed_vocab::{PackedVocabulary, pack_short, short_key};
use super::word_grams::NONE;
use super::word_runs::word_runs;
use crate::error::Result;

/// Scans documents for one analyzer's terms and looks them up. Holds scratch buffers (reused:
/// no allocation per document once warm), so one scanner serves one thread.
#[derive(Debug, Clone)]
pub struct TermScanner {
    params: AnalyzerParams,
    /// The normalized document, then 8 zero bytes.
    buf: Vec<u8>,
    /// The current document's columns, one per term occurrence.
    hits: Vec<u32>,
    /// The current document's short keys, before lookup.
    keys: Vec<u64>,
    /// Their home slots (scratch of [`PackedVocabulary::probe_all`]).
    homes: Vec<u32>,

    /// A joined word n-gram or a padded `char_wb` word.
    join: Vec<u8>,
    /// Token spans into `buf` (word analyzer).
    tokens: Vec<(u32, u32)>,
    /// The lowercased non-ASCII document (`char` analyzer).
    lower: String,
    /// The whitespace-collapsed non-ASCII document, then 8 zero bytes (`char` analyzer).
    utf8: String,
    /// Its code points' byte offsets, then its length.
    bounds: Vec<u32>,
    /// Word-byte bit masks of `buf` (word analyzer).
    masks: Vec<u64>,
    /// Each token's part id in the vocabulary's word n-gram index (word analyzer).
    parts: Vec<u32>,
    /// The exact path for non-ASCII documents.
    analyzer: TermAnalyzer,
}

/// The short keys of one document, looked up together at the end (so that the table's cache
/// misses overlap: see [`PackedVocabulary::probe_all`]).
struct Batch<'v, 's> {
    vocab: &'v PackedVocabulary,
    keys: &'s mut Vec<u64>,
    homes: &'s mut Vec<u32>,
}

impl<'v, 's> Batch<'v, 's> {
    fn new(vocab: &'v PackedVocabulary, keys: &'s mut Vec<u64>, homes: &'s mut Vec<u32>) -> Self {
        keys.clear();
        Batch { vocab, keys, homes }
    }

    /// Queues a short key.
    #[inline(always)]
    fn push(&mut self, key: u64) {
        self.keys.push(key);
    }

    /// Looks every queued key up, appending the columns found to `hits`.
    #[inline(always)]
    fn flush(&mut self, hits: &mut Vec<u32>) {
        self.vocab.probe_all(self.keys, self.homes, hits);
        self.keys.clear();
    }
}

/// [`is_ascii_space_byte`] by arithmetic (no table: loops over it vectorize). ASCII only.
#[inline(always)]
fn space_byte(b: u8) -> bool {
    (b.wrapping_sub(0x09) < 5) | (b.wrapping_sub(0x1C) < 5)
}

#[inline(always)]
fn read8(b: &[u8], i: usize) -> u64 {
    u64::from_le_bytes(b[i..i + 8].try_into().expect("padded buffer"))
}

impl TermScanner {
    /// A scanner for `params` (errors for invalid parameters, as [`TermAnalyzer::new`]).
    pub fn new(params: &AnalyzerParams) -> Result<TermScanner> {
        Ok(TermScanner {
            params: params.clone(),
            buf: Vec::new(),
            hits: Vec::new(),
            keys: Vec::new(),
            homes: Vec::new(),
            join: Vec::new(),
            tokens: Vec::new(),
            parts: Vec::new(),
            masks: Vec::new(),
            lower: String::new(),
            utf8: String::new(),
            bounds: Vec::new(),
            analyzer: TermAnalyzer::new(params)?,
        })
    }

    /// The analyzer parameters.
    pub fn params(&self) -> &AnalyzerParams {
        &self.params
    }

    /// Calls `hit(column)` once per occurrence in `text` of a term of `vocab` (a vocabulary
    /// fitted with this scanner's parameters), in no particular order.
    #[inline]
    pub fn for_each_column(&mut self, vocab: &PackedVocabulary, text: &str, mut hit: impl FnMut(u32)) {
        for &c in self.columns(vocab, text) {
            hit(c);
        }
    }

    /// The column of every occurrence in `text` of a term of `vocab` (a vocabulary fitted with
    /// this scanner's parameters), in no particular order (a column occurs once per occurrence).
    pub fn columns(&mut self, vocab: &PackedVocabulary, text: &str) -> &[u32] {
        self.hits.clear();
        let mut hits = std::mem::take(&mut self.hits);
        if !text.is_ascii() && self.params.analyzer == Analyzer::Char {
            self.scan_char_utf8(vocab, text, &mut hits);
        } else if !text.is_ascii() {
            // the exact path; its short terms still go through the prefetched batch
            let terms = self.analyzer.analyze(text);
            let mut batch = Batch::new(vocab, &mut self.keys, &mut self.homes);
            for t in terms.iter() {
                let t = t.as_bytes();
                if t.len() <= 7 {
                    batch.push(pack_short(t));
                } else if let Some(col) = vocab.get(t) {
                    hits.push(col);
                }
            }
            batch.flush(&mut hits);
        } else {
            match self.params.analyzer {
                Analyzer::Char => self.scan_char(vocab, text.as_bytes(), &mut hits),
                Analyzer::Word => self.scan_word(vocab, text.as_bytes(), &mut hits),
                Analyzer::CharWb => self.scan_char_wb(vocab, text.as_bytes(), &mut hits),
            }
        }
        self.hits = hits;
        &self.hits
    }

    /// The columns the last [`columns`](Self::columns) call returned (empty before any).
    #[inline]
    pub fn last_columns(&self) -> &[u32] {
        &self.hits
    }

    /// `char`: lowercase, collapse whitespace runs of two or more into one space, then every
    /// n-gram of bytes (code points, the text being ASCII).
    fn scan_char(&mut self, vocab: &PackedVocabulary, bytes: &[u8], hits: &mut Vec<u32>) {
        let lower = self.params.lowercase;
        let TermScanner { buf, keys, homes, .. } = self;
        buf.clear();
        // most documents have no run of two whitespace bytes: then the buffer is the lowercased
        // bytes, in loops without branches (vectorized), else the run-collapsing walk
        let doubled =
            bytes.iter().zip(bytes.iter().skip(1)).fold(false, |d, (&a, &b)| d | (space_byte(a) & space_byte(b)));
        let mut i = if doubled { 0 } else { bytes.len() };
        if !doubled {
            buf.extend(bytes.iter().map(|&b| if lower { b.to_ascii_lowercase() } else { b }));
        }
        while i < bytes.len() {
            let b = bytes[i];
            if is_ascii_space_byte(b) {
                let start = i;
                while i < bytes.len() && is_ascii_space_byte(bytes[i]) {
                    i += 1;
                }
                buf.push(if i - start >= 2 { b' ' } else { b });
            } else {
                buf.push(if lower { b.to_ascii_lowercase() } else { b });
                i += 1;
            }
        }
        let len = buf.len();
        buf.extend_from_slice(&[0; 8]);
        let (min_n, max_n) = (self.params.ngram_range.min_n, self.params.ngram_range.max_n);
        let short_max = max_n.min(7);
        // 2- and 3-grams from the direct tables, when there are some (the text is ASCII here)
        let min_n = match vocab.direct() {
            Some(direct) if (2..=3).contains(&min_n) => {
                direct.find_all(&buf[..len], min_n == 2, max_n >= 3, hits);
                4
            }
            _ => min_n,
        };
        if min_n <= short_max {
            let mut batch = Batch::new(vocab, keys, homes);
            // every position with all sizes inside the text: a fixed number of keys each, written
            // without capacity checks; then the last positions
            let per = short_max + 1 - min_n;
            let full = (len + 1).saturating_sub(short_max);
            batch.keys.reserve(len * per);
            let out = &mut batch.keys.spare_capacity_mut()[..full * per];
            for (i, out) in out.chunks_exact_mut(per).enumerate() {
                let w = read8(buf, i);
                for (k, o) in out.iter_mut().enumerate() {
                    o.write(short_key(w, min_n + k));
                }
            }
            // SAFETY: the loop wrote the first `full * per` spare elements.
            unsafe { batch.keys.set_len(full * per) };
            for i in full..len {
                let w = read8(buf, i);
                for n in min_n..=short_max.min(len - i) {
                    batch.push(short_key(w, n));
                }
            }
            batch.flush(hits);
        }
        for n in min_n.max(8)..=max_n.min(len) {
            for w in buf[..len].windows(n) {
                if let Some(col) = vocab.get(w) {
                    hits.push(col);
                }
            }
        }
    }

    /// `char` on non-ASCII text: Python's lowercasing and whitespace collapsing (the eager
    /// analyzer's own functions), then every n-gram of code points, its key loaded from the
    /// buffer as on ASCII text (an n-gram of at most 7 bytes) or its bytes looked up.
    fn scan_char_utf8(&mut self, vocab: &PackedVocabulary, text: &str, hits: &mut Vec<u32>) {
        let TermScanner { params, utf8, lower, bounds, keys, homes, .. } = self;
        let src = if params.lowercase {
            lower.clear();
            lowercase_into(text, lower);
            lower.as_str()
        } else {
            text
        };
        utf8.clear();
        collapse_whitespace_into(src, utf8);
        bounds.clear();
        bounds.extend(utf8.char_indices().map(|(i, _)| i as u32));
        bounds.push(utf8.len() as u32);
        let chars = bounds.len() - 1;
        utf8.push_str("\0\0\0\0\0\0\0\0");
        let buf = utf8.as_bytes();
        let (min_n, max_n) = (params.ngram_range.min_n, params.ngram_range.max_n);
        let mut batch = Batch::new(vocab, keys, homes);
        for n in min_n..=max_n.min(chars) {
            for w in bounds.windows(n + 1) {
                let (s, e) = (w[0] as usize, w[n] as usize);
                if e - s <= 7 {
                    batch.push(short_key(read8(buf, s), e - s));
                } else if let Some(col) = vocab.get(&buf[s..e]) {
                    hits.push(col);
                }
            }
        }
        batch.flush(hits);
    }

    /// `word`: lowercase, tokens `\w\w+` (ASCII word bytes), then word n-grams joined by spaces.
    fn scan_word(&mut self, vocab: &PackedVocabulary, bytes: &[u8], hits: &mut Vec<u32>) {
        let lower = self.params.lowercase;
        let TermScanner { buf, join, tokens, parts, masks, keys, homes, .. } = self;
        buf.clear();
        buf.extend(bytes.iter().map(|&b| if lower { b.to_ascii_lowercase() } else { b }));
        let len = buf.len();
        // 16 bytes of padding: 8-byte loads at any position, and the word-byte masks classify
        // the last 16-byte chunk at once
        buf.extend_from_slice(&[0; 16]);
        tokens.clear();
        word_runs(buf, len, masks, tokens);
        let (min_n, max_n) = (self.params.ngram_range.min_n, self.params.ngram_range.max_n);
        if let Some(grams) = vocab.word_grams() {
            // one lookup per short token gives both its part (for the trie of terms of several
            // words) and its one-word term; nothing is joined
            parts.clear();
            parts.reserve(tokens.len());
            hits.reserve(tokens.len());
            for &(s, e) in tokens.iter() {
                let (s, e) = (s as usize, e as usize);
                let (part, term) = if e - s <= 7 {
                    grams.short_word(short_key(read8(buf, s), e - s))
                } else {
                    (grams.part(&buf[s..e]), if min_n == 1 { vocab.get(&buf[s..e]).unwrap_or(NONE) } else { NONE })
                };
                parts.push(part);
                if min_n == 1 && term != NONE {
                    hits.push(term);
                }
            }
            if max_n >= 2 && tokens.len() >= 2 {
                grams.find_all(parts, min_n.max(2), max_n, hits);
            }
            return;
        }
        if min_n == 1 {
            let mut batch = Batch::new(vocab, keys, homes);
            for &(s, e) in tokens.iter() {
                let (s, e) = (s as usize, e as usize);
                if e - s <= 7 {
                    batch.push(short_key(read8(buf, s), e - s));
                } else if let Some(col) = vocab.get(&buf[s..e]) {
                    hits.push(col);
                }
            }
            batch.flush(hits);
        }
        if max_n < 2 || tokens.len() < 2 {
            return;
        }
        for n in min_n.max(2)..=max_n.min(tokens.len()) {
            for w in tokens.windows(n) {
                join.clear();
                for (k, &(a, b)) in w.iter().enumerate() {
                    if k > 0 {
                        join.push(b' ');
                    }
                    join.extend_from_slice(&buf[a as usize..b as usize]);
                }
                if let Some(col) = vocab.get(join) {
                    hits.push(col);
                }
            }
        }
    }

    /// `char_wb`: each whitespace-separated word, lowercased and padded with one space on each
    /// side; its n-grams (up to its padded length), and the padded word itself when `max_n`
    /// reaches past it (scikit-learn's rule).
    fn scan_char_wb(&mut self, vocab: &PackedVocabulary, bytes: &[u8], hits: &mut Vec<u32>) {
        let lower = self.params.lowercase;
        let (min_n, max_n) = (self.params.ngram_range.min_n, self.params.ngram_range.max_n);
        let TermScanner { join, keys, homes, .. } = self;
        // n-grams of at most 7 bytes are looked up together at the end, the rest at once
        let mut batch = Batch::new(vocab, keys, homes);
        let mut i = 0;
        while i < bytes.len() {
            if is_ascii_space_byte(bytes[i]) {
                i += 1;
                continue;
            }
            let start = i;
            while i < bytes.len() && !is_ascii_space_byte(bytes[i]) {
                i += 1;
            }
            join.clear();
            join.push(b' ');
            join.extend(bytes[start..i].iter().map(|&b| if lower { b.to_ascii_lowercase() } else { b }));
            join.push(b' ');
            let len = join.len();
            for n in min_n..=max_n.min(len - 1) {
                for w in join.windows(n) {
                    if n <= 7 {
                        batch.push(pack_short(w));
                    } else if let Some(col) = vocab.get(w) {
                        hits.push(col);
                    }
                }
            }
            if max_n >= len {
                if len <= 7 {
                    batch.push(pack_short(join));
                } else if let Some(col) = vocab.get(join) {
                    hits.push(col);
                }
            }
        }
        batch.flush(hits);
    }
}

/// Per-column occurrence counts of the current document, for scorers that weigh each occurrence
/// as it is found. Moving to the next document is O(1): each column's count carries the
/// document's generation, and a count of an older generation reads as 0 (no list of touched
/// columns to walk, no branch per occurrence).
#[derive(Debug, Clone)]
pub struct ColumnCounts {
    /// Per column: generation (high 32 bits) and count (low 32 bits).
    state: Vec<u64>,
    generation: u32,
}

impl ColumnCounts {
    /// Counts for `n` columns, all 0.
    pub fn new(n: usize) -> ColumnCounts {
        ColumnCounts { state: vec![0; n], generation: 1 }
    }

    /// Adds one occurrence of `col` and returns its count before. Panics when `col >= n`.
    #[inline(always)]
    pub fn bump(&mut self, col: u32) -> u32 {
        let g = self.generation;
        let s = &mut self.state[col as usize];
        let before = if (*s >> 32) as u32 == g { *s as u32 } else { 0 };
        *s = (g as u64) << 32 | (before.wrapping_add(1)) as u64;
        before
    }

    /// Asks the CPU to start loading `col`'s count (a bump a few occurrences later then does not
    /// wait for memory). Any `col` is allowed.
    #[inline(always)]
    pub fn prefetch(&self, col: u32) {
        super::packed_vocab::prefetch(self.state.as_ptr().wrapping_add(col as usize));
    }

    /// The count of `col` in the current document.
    #[inline]
    pub fn get(&self, col: u32) -> u32 {
        let s = self.state[col as usize];
        if (s >> 32) as u32 == self.generation { s as u32 } else { 0 }
    }

    /// Starts the next document: every count reads 0.
    #[inline]
    pub fn next_document(&mut self) {
        self.generation = self.generation.wrapping_add(1);
        if self.generation == 0 {
            // wrapped: old stamps could read as current
            self.state.fill(0);
            self.generation = 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use willump_ir::params::text::NgramRange;

    /// Columns of `doc` by the scanner and by the eager analyzer + vocabulary, as sorted lists.
    fn both(p: &AnalyzerParams, vocab: &PackedVocabulary, exact: &super::super::Vocabulary, doc: &str) {
        let mut s = TermScanner::new(p).unwrap();
        let mut got = Vec::new();
        s.for_each_column(vocab, doc, |c| got.push(c));
        got.sort_unstable();
        let mut a = TermAnalyzer::new(p).unwrap();
        let mut want: Vec<u32> = a.terms(doc).iter().filter_map(|t| exact.get(t)).collect();
        want.sort_unstable();
        assert_eq!(got, want, "{:?} {doc:?}", p.analyzer);
    }

    #[test]
    fn space_byte_equals_the_table() {
        for b in 0u8..128 {
            assert_eq!(space_byte(b), is_ascii_space_byte(b), "byte {b}");
        }
    }

    #[test]
    fn column_counts_reset_per_document_and_across_wraparound() {
        let mut c = ColumnCounts::new(3);
        assert_eq!((c.bump(1), c.bump(1), c.bump(2)), (0, 1, 0));
        assert_eq!((c.get(0), c.get(1), c.get(2)), (0, 2, 1));
        c.next_document();
        assert_eq!((c.get(1), c.bump(1)), (0, 0));
        c.generation = u32::MAX;
        c.bump(0);
        c.next_document();
        assert_eq!((c.generation, c.get(0), c.get(1)), (1, 0, 0));
    }

    #[test]
    fn two_byte_terms_from_the_direct_table_equal_the_analyzer_terms() {
        // enough two-byte terms for the direct table, every other one kept so that some miss,
        // and longer terms beside them
        let letters: Vec<char> = ('a'..='z').chain(['0', ' ', '!', '\t']).collect();
        let mut terms: Vec<String> = Vec::new();
        for (k, &x) in letters.iter().enumerate() {
            for (j, &y) in letters.iter().enumerate() {
                if (k + j) % 2 == 0 {
                    terms.push(format!("{x}{y}"));
                }
            }
        }
        terms.extend(["the", "he q", "quick", " bro", "x\ty"].map(String::from));
        let kept: Vec<&str> = terms.iter().map(String::as_str).collect();
        let exact = super::super::Vocabulary::from_terms("t", &kept).unwrap();
        let docs = ["", "a", "ab", "The quick  brown fox!\tjumps", "x\ty zz 00 !!", "café au lait", "  a  b  "];
        for (lo, hi) in [(2, 2), (2, 5), (1, 3), (3, 4)] {
            let p = AnalyzerParams { analyzer: Analyzer::Char, ngram_range: NgramRange::new(lo, hi), lowercase: true };
            for bits in [64, 2] {
                let packed = PackedVocabulary::with_home_bits(&exact, bits);
                assert!(packed.direct().is_some());
                for d in docs {
                    both(&p, &packed, &exact, d);
                }
            }
        }
    }

    #[test]
    fn scanner_terms_equal_the_analyzer_terms() {
        let docs = [
            "",
            " ",
            "\t\n  \r",
            "Hello,  World!\tHELLO\n\nworld a b_c __ x9 Zebra-crossing interestingly",
            "a",
            "ab",
            "Ünïcode ÉTÉ café naïve",
            "emoji 😀😀 ok 👍🏽 done",
            "ascii then é then ascii",
            "İstanbul ΣΑΣ straße",
            "naïve  double\u{a0}\u{a0}nbsp\u{2003}em \t end ÀB\u{a0}C",
            "tab\tsep\x0bvt\x1cfs  double   triple",
            "one two three four five six seven eight nine ten eleven",
        ];
        // the vocabulary holds every term of every document and range, plus misses
        for analyzer in [Analyzer::Char, Analyzer::Word, Analyzer::CharWb] {
            for (lo, hi) in [(1, 1), (2, 5), (1, 3), (3, 9)] {
                for lowercase in [true, false] {
                    let p = AnalyzerParams { analyzer, ngram_range: NgramRange::new(lo, hi), lowercase };
                    let mut a = TermAnalyzer::new(&p).unwrap();
                    let mut terms: Vec<String> = docs.iter().flat_map(|d| a.terms(d)).collect();
                    terms.sort();
                    terms.dedup();
                    // keep every other term so that some lookups miss
                    let kept: Vec<&str> = terms.iter().step_by(2).map(String::as_str).collect();
                    let exact = super::super::Vocabulary::from_terms("t", &kept).unwrap();
                    for bits in [64, 2] {
                        let mut packed = PackedVocabulary::with_home_bits(&exact, bits);
                        for d in docs {
                            both(&p, &packed, &exact, d);
                        }
                        // word n-grams found from the tokens' parts
                        packed.index_word_ngrams(&exact, &p).unwrap();
                        for d in docs {
                            both(&p, &packed, &exact, d);
                        }
                    }
                }
            }
        }
    }
}
