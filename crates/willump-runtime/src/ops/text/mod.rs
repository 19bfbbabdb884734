//! The eager text feature operators, exactly as scikit-learn 1.9.1 defines them (with Python
//! 3.11's Unicode rules), and built for speed: they are the reference semantics of the text
//! operators and the baseline every optimization is measured against.
//!
//! - [`lowercase`]: Python's `str.lower()`.
//! - [`tokenize`] / [`TokenColumn`]: the default `token_pattern` `(?u)\b\w\w+\b`.
//! - [`ngrams`]: `char`, `char_wb` and word n-grams; [`TermAnalyzer`] puts the steps together.
//! - [`CountVectorizer`], [`TfidfVectorizer`], [`HashingVectorizer`]: documents to CSR matrices.
//! - [`PackedVocabulary`] + [`TermScanner`]: a document's vocabulary terms for the fused
//!   scorers (the compiled text kernel, the hand-fused scorers), the same terms by a faster path;
//!   [`OccurrenceScores`]: a plain-tf block's contribution to a linear output, one cache line per
//!   occurrence.
//!
//! Not supported (scikit-learn options outside this project's needs): stop words, accent
//! stripping, custom token patterns, preprocessors and analyzers, `input='file'`, and
//! `ngram_range` with `min_n = 0`.
//!
//! Speed: no allocation per row or per term in any transform. Lowercasing, whitespace collapsing,
//! code-point boundaries and token spans go to scratch buffers reused across rows; terms are
//! `&str` slices looked up in an open-addressing index ([`Vocabulary`]); counts go to a dense
//! per-row counter drained in column order straight into the CSR builder.

mod analyzer;
mod chars;
mod count;
mod direct_grams;
mod hashing;
mod learn;
mod lowercase;
mod murmur3;
pub mod ngrams;
mod normalize;
mod occurrence_scores;
mod packed_vocab;
#[rustfmt::skip]
mod py_unicode;
mod row_counter;
mod term_index;
mod term_scan;
mod tfidf;
mod tokenize;
mod vocabulary;
mod weighting;
mod word_grams;
mod word_runs;

pub use analyzer::{TermAnalyzer, Terms, check_analyzer_params};
pub use chars::{is_space_char, is_word_char};
pub use count::CountVectorizer;
pub use hashing::HashingVectorizer;
pub use lowercase::{lowercase, lowercase_into};
pub use murmur3::{murmur3_x86_32, sklearn_column};
pub use normalize::normalize_row;
pub use occurrence_scores::OccurrenceScores;
pub use packed_vocab::{PackedVocabulary, pack_short, prefetch, short_key};
/// The Unicode version of the character tables (Python 3.11's `unicodedata.unidata_version`).
pub use py_unicode::UNICODE_VERSION as PYTHON_UNICODE_VERSION;
pub use term_scan::{ColumnCounts, TermScanner};
pub use tfidf::{TfidfVectorizer, idf};
pub use tokenize::{TokenColumn, for_each_token, tokenize, tokenize_owned};
pub use vocabulary::Vocabulary;
