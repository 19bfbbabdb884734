//! [`TermAnalyzer`]: a document to its terms, as scikit-learn's `build_analyzer()` does for the
//! `word`, `char` and `char_wb` analyzers (lowercase, then tokens and word n-grams, or character
//! n-grams), with every intermediate in reused scratch buffers.

use willump_ir::params::text::{Analyzer, AnalyzerParams};

use super::lowercase::lowercase_into;
use super::ngrams::{char_ngram_spans, char_wb_ngram_spans, collapse_whitespace_into, word_ngram_spans};
use super::tokenize::{TokenColumn, for_each_token};
use crate::error::{Error, Result};
use crate::value::StringColumn;

/// Checks analyzer parameters for `op`: `1 <= min_n <= max_n`.
///
/// scikit-learn accepts `min_n = 0` and then emits empty-string terms; willump rejects it.
pub fn check_analyzer_params(op: &str, p: &AnalyzerParams) -> Result<()> {
    let r = p.ngram_range;
    if r.min_n > r.max_n {
        return Err(Error::invalid(
            op,
            "ngram_range",
            format!(
                "Invalid value for ngram_range=({}, {}) lower boundary larger than the upper boundary.",
                r.min_n, r.max_n
            ),
        ));
    }
    if r.min_n == 0 {
        return Err(Error::invalid(
            op,
            "ngram_range",
            format!("min_n must be at least 1, got ({}, {})", r.min_n, r.max_n),
        ));
    }
    Ok(())
}

/// Turns documents into terms. Holds scratch buffers, so one analyzer is reused across rows (and
/// is not shared between threads).
#[derive(Debug, Clone)]
pub struct TermAnalyzer {
    params: AnalyzerParams,
    /// The lowercased document (char and char_wb analyzers).
    lower: String,
    /// The text every term of the current document is a slice of: the (lowercased) document and
    /// the joined word n-grams (word), the collapsed document (char), the padded words (char_wb).
    buf: String,
    /// The current document's terms, as spans into `buf`.
    spans: Vec<(usize, usize)>,
    /// Token spans into `buf` (word analyzer).
    tokens: Vec<(usize, usize)>,
    /// Code-point boundaries.
    bounds: Vec<usize>,
}

/// The terms of one document: byte spans into one text (see [`TermAnalyzer::analyze`]).
#[derive(Debug, Clone, Copy)]
pub struct Terms<'a> {
    /// The text the spans index.
    pub text: &'a str,
    /// One `(start, end)` per term, in scikit-learn's order.
    pub spans: &'a [(usize, usize)],
}

impl<'a> Terms<'a> {
    /// Term `k`. Panics when `k >= len`.
    #[inline]
    pub fn get(&self, k: usize) -> &'a str {
        let (s, e) = self.spans[k];
        &self.text[s..e]
    }

    /// Number of terms.
    pub fn len(&self) -> usize {
        self.spans.len()
    }

    /// Whether there are no terms.
    pub fn is_empty(&self) -> bool {
        self.spans.is_empty()
    }

    /// The terms, in order.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = &'a str> + '_ {
        (0..self.len()).map(|k| self.get(k))
    }
}

/// The documents a vectorizer reads: raw text, or tokens made earlier (word analyzer only).
#[derive(Debug, Clone, Copy)]
pub(crate) enum Docs<'a> {
    /// One document per row; a null row has no terms.
    Text(&'a StringColumn),
    /// One token list per row, used as they are (not lowercased again).
    Tokens(&'a TokenColumn),
}

impl Docs<'_> {
    /// Number of documents.
    pub(crate) fn len(&self) -> usize {
        match self {
            Docs::Text(c) => c.len(),
            Docs::Tokens(t) => t.len(),
        }
    }
}

impl TermAnalyzer {
    /// An analyzer for `params`; errors when they are invalid (see [`check_analyzer_params`]).
    pub fn new(params: &AnalyzerParams) -> Result<Self> {
        Self::for_op("TermAnalyzer::new", params)
    }

    /// An analyzer whose parameter errors name `op`.
    pub(crate) fn for_op(op: &str, params: &AnalyzerParams) -> Result<Self> {
        check_analyzer_params(op, params)?;
        Ok(TermAnalyzer {
            params: params.clone(),
            lower: String::new(),
            buf: String::new(),
            spans: Vec::new(),
            tokens: Vec::new(),
            bounds: Vec::new(),
        })
    }

    /// The parameters.
    pub fn params(&self) -> &AnalyzerParams {
        &self.params
    }

    /// The terms of `doc`, in scikit-learn's order, valid until the next call.
    #[inline]
    pub fn analyze(&mut self, doc: &str) -> Terms<'_> {
        let TermAnalyzer { params, lower, buf, spans, tokens, bounds } = self;
        buf.clear();
        spans.clear();
        let range = params.ngram_range;
        let src: &str = if params.lowercase && params.analyzer != Analyzer::Word {
            lower.clear();
            lowercase_into(doc, lower);
            lower
        } else {
            doc
        };
        match params.analyzer {
            Analyzer::Word => {
                if params.lowercase {
                    lowercase_into(doc, buf);
                } else {
                    buf.push_str(doc);
                }
                tokens.clear();
                for_each_token(buf, |s, e| tokens.push((s, e)));
                word_ngram_spans(buf, tokens, range, spans);
            }
            Analyzer::Char => {
                collapse_whitespace_into(src, buf);
                char_ngram_spans(buf, range, bounds, spans);
            }
            // `str.split()` already ignores runs of whitespace: no collapsing needed.
            Analyzer::CharWb => char_wb_ngram_spans(src, range, buf, bounds, spans),
        }
        Terms { text: buf, spans }
    }

    /// The word n-grams of tokens given as spans into `text` (shifted by `base`), as the word
    /// analyzer makes them after tokenizing. Tokens are used as they are (not lowercased).
    #[inline]
    pub fn analyze_tokens(&mut self, text: &str, base: u32, token_spans: &[(u32, u32)]) -> Terms<'_> {
        let TermAnalyzer { params, buf, spans, tokens, .. } = self;
        buf.clear();
        spans.clear();
        buf.push_str(text);
        tokens.clear();
        tokens.extend(token_spans.iter().map(|&(s, e)| ((s - base) as usize, (e - base) as usize)));
        word_ngram_spans(buf, tokens, params.ngram_range, spans);
        Terms { text: buf, spans }
    }

    /// Calls `emit` with every term of `doc`, in scikit-learn's order.
    #[inline]
    pub fn for_each_term(&mut self, doc: &str, mut emit: impl FnMut(&str)) {
        let terms = self.analyze(doc);
        for k in 0..terms.len() {
            emit(terms.get(k));
        }
    }

    /// The terms of `doc` as owned strings (for tests and inspection; the vectorizers use
    /// [`analyze`](Self::analyze)).
    pub fn terms(&mut self, doc: &str) -> Vec<String> {
        self.analyze(doc).iter().map(str::to_string).collect()
    }

    /// The terms of row `i` of `docs`, or `None` for a null row.
    #[inline]
    pub(crate) fn row_terms(&mut self, docs: Docs<'_>, i: usize) -> Option<Terms<'_>> {
        match docs {
            Docs::Text(c) => c.get(i).map(|doc| self.analyze(doc)),
            Docs::Tokens(t) => {
                if !t.is_valid(i) {
                    return None;
                }
                let (text, base) = t.row_text(i);
                Some(self.analyze_tokens(text, base, t.row_spans(i)))
            }
        }
    }

    /// Errors (naming `op`) unless pre-tokenized documents can be analyzed: only the word analyzer
    /// takes tokens.
    pub(crate) fn check_docs(&self, op: &str, docs: Docs<'_>) -> Result<()> {
        if matches!(docs, Docs::Tokens(_)) && self.params.analyzer != Analyzer::Word {
            return Err(Error::invalid(
                op,
                "tokens",
                format!("pre-tokenized input needs the word analyzer, this one is {:?}", self.params.analyzer),
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use willump_ir::params::text::NgramRange;

    fn analyzer(analyzer: Analyzer, min_n: usize, max_n: usize, lowercase: bool) -> TermAnalyzer {
        TermAnalyzer::new(&AnalyzerParams { analyzer, ngram_range: NgramRange::new(min_n, max_n), lowercase }).unwrap()
    }

    #[test]
    fn word_char_and_char_wb() {
        let mut a = analyzer(Analyzer::Word, 1, 2, true);
        assert_eq!(a.terms("The cat, THE hat"), ["the", "cat", "the", "hat", "the cat", "cat the", "the hat"]);
        let mut a = analyzer(Analyzer::Char, 2, 3, false);
        assert_eq!(a.terms("Ab  c"), ["Ab", "b ", " c", "Ab ", "b c"]);
        let mut a = analyzer(Analyzer::CharWb, 3, 3, true);
        assert_eq!(a.terms("Ab  c"), [" ab", "ab ", " c "]);
    }

    #[test]
    fn bad_ranges_are_errors() {
        let p = |a, b| AnalyzerParams { ngram_range: NgramRange::new(a, b), ..Default::default() };
        let e = TermAnalyzer::new(&p(2, 1)).unwrap_err().to_string();
        assert!(e.contains("ngram_range") && e.contains("lower boundary larger"), "{e}");
        assert!(TermAnalyzer::new(&p(0, 1)).unwrap_err().to_string().contains("min_n must be at least 1"));
    }
}
