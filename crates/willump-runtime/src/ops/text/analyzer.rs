//! [`TermAnalyzer`]: a document to its terms, as scikit-learn's `build_analyzer()` does for the
//! `word`, `char` and `char_wb` analyzers (lowercase, then tokens and word n-grams, or character
//! n-grams), with every intermediate in reused scratch buffers.

use willump_ir::params::text::{Analyzer, AnalyzerParams};

use super::lowercase::lowercase_into;
use super::ngrams::{char_ngrams, char_wb_ngrams, collapse_whitespace_into, word_ngrams};
use super::tokenize::{TokenColumn, token_spans};
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
    /// The lowercased document.
    lower: String,
    /// The whitespace-collapsed document (char), a padded word (char_wb) or a joined word n-gram.
    scratch: String,
    /// Code-point boundaries.
    bounds: Vec<u32>,
    /// Token spans of the current document.
    spans: Vec<(u32, u32)>,
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
            scratch: String::new(),
            bounds: Vec::new(),
            spans: Vec::new(),
        })
    }

    /// The parameters.
    pub fn params(&self) -> &AnalyzerParams {
        &self.params
    }

    /// Calls `emit` with every term of `doc`, in scikit-learn's order.
    #[inline]
    pub fn for_each_term(&mut self, doc: &str, mut emit: impl FnMut(&str)) {
        let TermAnalyzer { params, lower, scratch, bounds, spans } = self;
        let doc: &str = if params.lowercase {
            lower.clear();
            lowercase_into(doc, lower);
            lower
        } else {
            doc
        };
        let range = params.ngram_range;
        match params.analyzer {
            Analyzer::Word => {
                spans.clear();
                token_spans(doc, 0, spans);
                word_ngrams(doc, 0, spans, range, scratch, &mut emit);
            }
            Analyzer::Char => {
                scratch.clear();
                collapse_whitespace_into(doc, scratch);
                char_ngrams(scratch, range, bounds, &mut emit);
            }
            // `str.split()` already ignores runs of whitespace: no collapsing needed.
            Analyzer::CharWb => char_wb_ngrams(doc, range, scratch, bounds, &mut emit),
        }
    }

    /// Calls `emit` with the word n-grams of tokens given as spans into `text` (shifted by
    /// `base`), as the word analyzer does after tokenizing. Tokens are used as they are.
    #[inline]
    pub fn for_each_token_term(&mut self, text: &str, base: u32, spans: &[(u32, u32)], emit: impl FnMut(&str)) {
        word_ngrams(text, base, spans, self.params.ngram_range, &mut self.scratch, emit);
    }

    /// The terms of `doc` as owned strings (for tests and inspection; the vectorizers use
    /// [`for_each_term`](Self::for_each_term)).
    pub fn terms(&mut self, doc: &str) -> Vec<String> {
        let mut v = Vec::new();
        self.for_each_term(doc, |t| v.push(t.to_string()));
        v
    }

    /// Calls `emit` with the terms of row `i` of `docs`; returns `false` (and emits nothing) for a
    /// null row.
    #[inline]
    pub(crate) fn row_terms(&mut self, docs: Docs<'_>, i: usize, emit: impl FnMut(&str)) -> bool {
        match docs {
            Docs::Text(c) => match c.get(i) {
                Some(doc) => {
                    self.for_each_term(doc, emit);
                    true
                }
                None => false,
            },
            Docs::Tokens(t) => {
                if !t.is_valid(i) {
                    return false;
                }
                let (text, base) = t.row_text(i);
                self.for_each_token_term(text, base, t.row_spans(i), emit);
                true
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
