//! [`Vocabulary`]: the fitted term -> column map of a count or TF-IDF vectorizer.

use serde::{Deserialize, Serialize};

use super::analyzer::Terms;
use super::term_index::{Hashed, TermIndex, hashed_span};
use crate::error::{Error, Result};

/// Terms and their output columns: term `i` is column `i`. A fitted vocabulary lists its terms
/// in sorted order (Python's code-point order, which is UTF-8 byte order), as scikit-learn's
/// `vocabulary_` assigns them; a fixed vocabulary keeps the order it was given.
///
/// Serialized as the list of terms in column order (the hash index is rebuilt on load, and a
/// list with a repeated term is rejected).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(try_from = "Vec<String>", into = "Vec<String>")]
pub struct Vocabulary {
    index: TermIndex,
}

impl Vocabulary {
    /// A vocabulary whose column `i` is `terms[i]`; errors (naming `op`) on a repeated term, as
    /// scikit-learn does for a fixed vocabulary.
    pub fn from_terms<S: AsRef<str>>(op: &str, terms: &[S]) -> Result<Self> {
        let mut index = TermIndex::with_capacity(terms.len());
        for t in terms {
            let t = t.as_ref();
            if index.insert(t).is_err() {
                return Err(Error::invalid(op, "vocabulary", format!("Duplicate term in vocabulary: '{t}'")));
            }
        }
        Ok(Vocabulary { index })
    }

    /// Wraps an index whose ids are the columns.
    pub(crate) fn from_index(index: TermIndex) -> Self {
        Vocabulary { index }
    }

    /// Number of terms (output columns).
    pub fn len(&self) -> usize {
        self.index.len()
    }

    /// Whether there are no terms.
    pub fn is_empty(&self) -> bool {
        self.index.len() == 0
    }

    /// The column of `term`, if it is in the vocabulary.
    #[inline]
    pub fn get(&self, term: &str) -> Option<u32> {
        self.index.get(term)
    }

    /// Calls `hit(col)` for the column of every term of `terms` that is in the vocabulary, in
    /// order (the lookup of an analyzed document). Hashes are computed and table slots prefetched
    /// a batch of terms ahead of the lookups, so that the cache misses of a large vocabulary
    /// overlap instead of adding up.
    #[inline]
    pub fn for_each_column(&self, terms: Terms<'_>, mut hit: impl FnMut(u32)) {
        let mut index = &self.index;
        for_each_hashed_batch(
            terms,
            &mut index,
            |index, hv| index.prefetch(hv),
            |index, terms, k, hv| {
                let (s, e) = terms.spans[k];
                if let Some(col) = index.get_hashed(&terms.text.as_bytes()[s..e], hv) {
                    hit(col);
                }
            },
        );
    }

    /// The term of column `col`, or `None` when `col >= len`.
    pub fn term(&self, col: usize) -> Option<&str> {
        (col < self.len()).then(|| self.index.term(col as u32))
    }

    /// The terms in column order.
    pub fn terms(&self) -> impl ExactSizeIterator<Item = &str> + '_ {
        (0..self.len() as u32).map(|i| self.index.term(i))
    }
}

/// Prefetch distance: terms hashed (and their slots prefetched) before the first is looked up.
const BATCH: usize = 16;

/// Calls `ahead(state, hash)` on each term `k` of `terms` a batch before
/// `then(state, terms, k, hash)`: the pattern that lets lookups in a large table overlap their
/// cache misses.
#[inline(always)]
pub(crate) fn for_each_hashed_batch<'a, S>(
    terms: Terms<'a>,
    state: &mut S,
    ahead: impl Fn(&S, Hashed),
    mut then: impl FnMut(&mut S, Terms<'a>, usize, Hashed),
) {
    let text = terms.text.as_bytes();
    let n = terms.len();
    let mut start = 0;
    while start < n {
        let end = (start + BATCH).min(n);
        let mut batch = [Hashed::default(); BATCH];
        for (k, slot) in (start..end).zip(batch.iter_mut()) {
            let (s, e) = terms.spans[k];
            let hv = hashed_span(text, s, e);
            ahead(state, hv);
            *slot = hv;
        }
        for (k, &hv) in (start..end).zip(batch.iter()) {
            then(state, terms, k, hv);
        }
        start = end;
    }
}

impl PartialEq for Vocabulary {
    fn eq(&self, other: &Self) -> bool {
        self.len() == other.len() && self.terms().eq(other.terms())
    }
}

impl TryFrom<Vec<String>> for Vocabulary {
    type Error = Error;
    fn try_from(terms: Vec<String>) -> Result<Self> {
        Vocabulary::from_terms("Vocabulary::deserialize", &terms)
    }
}

impl From<Vocabulary> for Vec<String> {
    fn from(v: Vocabulary) -> Self {
        v.terms().map(str::to_string).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lookup_and_round_trip() {
        let v = Vocabulary::from_terms("t", &["b", "a", "é 😀"]).unwrap();
        assert_eq!((v.get("a"), v.get("é 😀"), v.get("z")), (Some(1), Some(2), None));
        assert_eq!(v.term(0), Some("b"));
        assert_eq!(v.term(3), None);
        let json = serde_json::to_string(&v).unwrap();
        assert_eq!(json, r#"["b","a","é 😀"]"#);
        assert_eq!(serde_json::from_str::<Vocabulary>(&json).unwrap(), v);
        assert!(serde_json::from_str::<Vocabulary>(r#"["x","x"]"#).is_err());
    }

    #[test]
    fn duplicates_are_errors() {
        let e = Vocabulary::from_terms("CountVectorizer::fit", &["a", "b", "a"]).unwrap_err().to_string();
        assert_eq!(e, "CountVectorizer::fit: column `vocabulary`: Duplicate term in vocabulary: 'a'");
    }
}
