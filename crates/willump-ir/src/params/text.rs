//! Parameters of the text feature operators (lowercasing, tokenizing, n-grams, counting, TF-IDF,
//! hashing), with scikit-learn 1.9.1's meaning and defaults.
//!
//! These are plain settings; checking them (ranges, consistency) is the runtime's job, which
//! reports a bad value as an error naming the operator and the parameter. Every `Default` is
//! scikit-learn's default for the matching estimator argument.

use serde::{Deserialize, Serialize};

/// What a term is (scikit-learn's `analyzer`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub enum Analyzer {
    /// Word n-grams over the tokens of the default `token_pattern` `(?u)\b\w\w+\b`, joined by
    /// one space.
    #[default]
    Word,
    /// Character n-grams over code points, after collapsing every run of two or more whitespace
    /// characters into one space.
    Char,
    /// Character n-grams taken inside each whitespace-separated word padded with one space on
    /// each side (scikit-learn's `char_wb`).
    CharWb,
}

/// The inclusive range of n-gram lengths (scikit-learn's `ngram_range=(min_n, max_n)`).
///
/// Valid when `1 <= min_n <= max_n`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct NgramRange {
    /// The shortest n-gram, in words or code points.
    pub min_n: usize,
    /// The longest n-gram, in words or code points.
    pub max_n: usize,
}

impl NgramRange {
    /// The range `min_n..=max_n`.
    pub fn new(min_n: usize, max_n: usize) -> Self {
        NgramRange { min_n, max_n }
    }
}

impl Default for NgramRange {
    /// `(1, 1)`, scikit-learn's default.
    fn default() -> Self {
        NgramRange { min_n: 1, max_n: 1 }
    }
}

/// How a term is cut into terms: the analyzer, its n-gram range and whether text is lowercased
/// first (shared by the count, TF-IDF and hashing vectorizers).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct AnalyzerParams {
    /// Word, char or char_wb n-grams. Default: word.
    pub analyzer: Analyzer,
    /// The n-gram lengths. Default: `(1, 1)`.
    pub ngram_range: NgramRange,
    /// Lowercase (Python's `str.lower`) before analysis. Default: `true`.
    pub lowercase: bool,
}

impl Default for AnalyzerParams {
    fn default() -> Self {
        AnalyzerParams { analyzer: Analyzer::Word, ngram_range: NgramRange::default(), lowercase: true }
    }
}

/// A document-frequency bound, as scikit-learn's `min_df` / `max_df`: an absolute number of
/// documents (a Python `int`, valid when `>= 1`) or a fraction of the fitted documents (a Python
/// `float`, valid in `[0.0, 1.0]`).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub enum DocFrequency {
    /// At least / at most this many documents.
    Count(u64),
    /// At least / at most this fraction of the documents.
    Fraction(f64),
}

/// The per-row normalization of the output (scikit-learn's `norm`; `None` in a field of type
/// `Option<Norm>` means no normalization).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Norm {
    /// Divide each row by the sum of its absolute values.
    L1,
    /// Divide each row by its Euclidean length.
    L2,
}

/// Parameters of a count vectorizer (scikit-learn's `CountVectorizer`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CountVectorizerParams {
    /// How documents are cut into terms.
    pub analysis: AnalyzerParams,
    /// Keep only terms in at most this many (or this fraction of) documents. Default:
    /// `Fraction(1.0)`. Ignored with a fixed vocabulary.
    pub max_df: DocFrequency,
    /// Keep only terms in at least this many (or this fraction of) documents. Default:
    /// `Count(1)`. Ignored with a fixed vocabulary.
    pub min_df: DocFrequency,
    /// Keep only this many terms: those with the highest total count over the fitted documents
    /// (ties broken by term, ascending). Default: `None` (all). Ignored with a fixed vocabulary.
    pub max_features: Option<usize>,
    /// Record 1 for every present term instead of its count. Default: `false`.
    pub binary: bool,
    /// A fixed vocabulary: term `i` of the list is column `i` (a scikit-learn mapping
    /// `{term: i}` is the list of its terms ordered by index). Default: `None` (learned by fit).
    pub vocabulary: Option<Vec<String>>,
}

impl Default for CountVectorizerParams {
    fn default() -> Self {
        CountVectorizerParams {
            analysis: AnalyzerParams::default(),
            max_df: DocFrequency::Fraction(1.0),
            min_df: DocFrequency::Count(1),
            max_features: None,
            binary: false,
            vocabulary: None,
        }
    }
}

/// Parameters of a TF-IDF vectorizer (scikit-learn's `TfidfVectorizer`: a count vectorizer
/// followed by a `TfidfTransformer`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TfidfVectorizerParams {
    /// The counting step (analyzer, document-frequency pruning, vocabulary, binary).
    pub count: CountVectorizerParams,
    /// Row normalization. Default: `Some(Norm::L2)`.
    pub norm: Option<Norm>,
    /// Multiply by the inverse document frequency. Default: `true`.
    pub use_idf: bool,
    /// Add one to every document frequency and to the document count, as if one extra document
    /// held every term once: `idf = ln((1 + n) / (1 + df)) + 1`. Default: `true`.
    pub smooth_idf: bool,
    /// Replace a term frequency `tf` by `1 + ln(tf)`. Default: `false`.
    pub sublinear_tf: bool,
}

impl Default for TfidfVectorizerParams {
    fn default() -> Self {
        TfidfVectorizerParams {
            count: CountVectorizerParams::default(),
            norm: Some(Norm::L2),
            use_idf: true,
            smooth_idf: true,
            sublinear_tf: false,
        }
    }
}

/// Parameters of a hashing vectorizer (scikit-learn's `HashingVectorizer`: terms hashed with
/// MurmurHash3 x86_32, seed 0, into a fixed number of columns; nothing is fitted).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct HashingVectorizerParams {
    /// How documents are cut into terms.
    pub analysis: AnalyzerParams,
    /// The number of output columns, in `1..2^31 - 1` (scikit-learn's bound). Default: `2^20`.
    pub n_features: u32,
    /// Add a term's weight with the sign of its hash, so that collisions tend to cancel.
    /// Default: `true`.
    pub alternate_sign: bool,
    /// Row normalization. Default: `Some(Norm::L2)`.
    pub norm: Option<Norm>,
    /// Set every stored value to 1 before normalizing. Default: `false`.
    pub binary: bool,
}

impl Default for HashingVectorizerParams {
    fn default() -> Self {
        HashingVectorizerParams {
            analysis: AnalyzerParams::default(),
            n_features: 1 << 20,
            alternate_sign: true,
            norm: Some(Norm::L2),
            binary: false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_scikit_learns() {
        let c = CountVectorizerParams::default();
        assert_eq!(c.analysis.analyzer, Analyzer::Word);
        assert_eq!(c.analysis.ngram_range, NgramRange::new(1, 1));
        assert!(c.analysis.lowercase && !c.binary);
        assert_eq!((c.max_df, c.min_df, c.max_features), (DocFrequency::Fraction(1.0), DocFrequency::Count(1), None));
        let t = TfidfVectorizerParams::default();
        assert_eq!((t.norm, t.use_idf, t.smooth_idf, t.sublinear_tf), (Some(Norm::L2), true, true, false));
        let h = HashingVectorizerParams::default();
        assert_eq!((h.n_features, h.alternate_sign, h.norm, h.binary), (1 << 20, true, Some(Norm::L2), false));
    }

    #[test]
    fn serde_round_trip() {
        let mut t = TfidfVectorizerParams::default();
        t.count.analysis.analyzer = Analyzer::CharWb;
        t.count.min_df = DocFrequency::Fraction(0.25);
        t.count.vocabulary = Some(vec!["a b".into(), "é".into()]);
        t.norm = None;
        let s = serde_json::to_string(&t).unwrap();
        assert_eq!(serde_json::from_str::<TfidfVectorizerParams>(&s).unwrap(), t);
        let h = HashingVectorizerParams { n_features: 7, ..Default::default() };
        let s = serde_json::to_string(&h).unwrap();
        assert_eq!(serde_json::from_str::<HashingVectorizerParams>(&s).unwrap(), h);
    }
}
