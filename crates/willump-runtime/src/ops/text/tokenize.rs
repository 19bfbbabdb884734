//! Word tokenization with scikit-learn's default `token_pattern` `(?u)\b\w\w+\b` under Python
//! `re` semantics, and [`TokenColumn`], the tokens of a string column as byte spans into it.
//!
//! With Python's `\w` (see [`is_word_char`]), `re.findall` of that pattern returns exactly the
//! maximal runs of word characters that are at least two code points long: a run starts and ends
//! at a word boundary, and the greedy `\w+` takes the whole run. So a lone letter, a lone digit
//! or a lone `é` is not a token, combining marks split words (Python does not count Mn / Mc as
//! `\w`), and `_` and digits are word characters. Tokenizing does not lowercase: lowercase first
//! (as scikit-learn's word analyzer does) when that is wanted.

use serde::{Deserialize, Serialize};

use super::chars::{is_ascii_word_byte, is_word_char};
use crate::error::{Error, Result};
use crate::value::StringColumn;

/// Calls `f(start, end)` with the byte span of every token of `s`, in order.
///
/// A token is a maximal run of Python `\w` characters of at least two code points.
#[inline]
pub fn for_each_token(s: &str, mut f: impl FnMut(usize, usize)) {
    let bytes = s.as_bytes();
    let n = bytes.len();
    let mut i = 0;
    while i < n {
        // skip to the next word character
        let (word, width) = class_at(s, i);
        if !word {
            i += width;
            continue;
        }
        // take the whole run, counting code points
        let start = i;
        let mut chars = 1usize;
        i += width;
        while i < n {
            let b = bytes[i];
            if b < 0x80 {
                if !is_ascii_word_byte(b) {
                    break;
                }
                i += 1;
            } else {
                let (word, width) = class_at(s, i);
                if !word {
                    break;
                }
                i += width;
            }
            chars += 1;
        }
        if chars >= 2 {
            f(start, i);
        }
        // `i` is at a non-word character (or the end): the outer loop skips it
    }
}

/// Whether the character at byte `i` of `s` (a character boundary) is a word character, and its
/// width in bytes.
#[inline(always)]
fn class_at(s: &str, i: usize) -> (bool, usize) {
    let b = s.as_bytes()[i];
    if b < 0x80 {
        (is_ascii_word_byte(b), 1)
    } else {
        // `i` is always a character boundary: callers advance by whole characters.
        let c = s[i..].chars().next().unwrap_or('\0');
        (is_word_char(c), c.len_utf8())
    }
}

/// The tokens of a string column: for every row, a list of byte spans into the column's text
/// buffer. No token is allocated; a null row has no tokens and stays null.
///
/// Invariants, checked by [`TokenColumn::try_new`]: `row_offsets` has `len + 1` entries, starts
/// at 0, never decreases and ends at the number of spans; every span of row `i` lies inside row
/// `i`'s bytes, with `start <= end` on character boundaries; a null row has no spans.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "TokenColumnParts", into = "TokenColumnParts")]
pub struct TokenColumn {
    text: StringColumn,
    row_offsets: Vec<u32>,
    spans: Vec<(u32, u32)>,
}

/// The serialized form of a [`TokenColumn`], checked on the way back in.
#[derive(Serialize, Deserialize)]
struct TokenColumnParts {
    text: StringColumn,
    row_offsets: Vec<u32>,
    spans: Vec<(u32, u32)>,
}

impl TryFrom<TokenColumnParts> for TokenColumn {
    type Error = Error;
    fn try_from(p: TokenColumnParts) -> Result<Self> {
        TokenColumn::try_new(p.text, p.row_offsets, p.spans)
    }
}

impl From<TokenColumn> for TokenColumnParts {
    fn from(t: TokenColumn) -> Self {
        TokenColumnParts { text: t.text, row_offsets: t.row_offsets, spans: t.spans }
    }
}

impl TokenColumn {
    /// Builds a token column from raw parts, checking every invariant (see the type's doc).
    pub fn try_new(text: StringColumn, row_offsets: Vec<u32>, spans: Vec<(u32, u32)>) -> Result<Self> {
        const OP: &str = "TokenColumn::try_new";
        let n = text.len();
        if row_offsets.len() != n + 1 {
            return Err(Error::invalid(
                OP,
                "row_offsets",
                format!("{} entries for {n} rows (need rows + 1)", row_offsets.len()),
            ));
        }
        if row_offsets[0] != 0 || row_offsets[n] as usize != spans.len() {
            return Err(Error::invalid(
                OP,
                "row_offsets",
                format!(
                    "must run from 0 to the {} spans, runs from {} to {}",
                    spans.len(),
                    row_offsets[0],
                    row_offsets[n]
                ),
            ));
        }
        if let Some(i) = row_offsets.windows(2).position(|w| w[1] < w[0]) {
            return Err(Error::invalid(OP, "row_offsets", format!("decrease at row {i}")));
        }
        let offsets = text.offsets();
        let all =
            std::str::from_utf8(text.data()).map_err(|e| Error::invalid(OP, "text", format!("invalid UTF-8: {e}")))?;
        for i in 0..n {
            let row = &spans[row_offsets[i] as usize..row_offsets[i + 1] as usize];
            if !text.is_valid(i) && !row.is_empty() {
                return Err(Error::invalid(OP, "spans", format!("row {i} is null but has {} tokens", row.len())));
            }
            let (lo, hi) = (offsets[i], offsets[i + 1]);
            for &(s, e) in row {
                if s > e || s < lo || e > hi {
                    return Err(Error::invalid(
                        OP,
                        "spans",
                        format!("span {s}..{e} of row {i} is outside the row's bytes {lo}..{hi}"),
                    ));
                }
                if !all.is_char_boundary(s as usize) || !all.is_char_boundary(e as usize) {
                    return Err(Error::invalid(OP, "spans", format!("span {s}..{e} of row {i} splits a character")));
                }
            }
        }
        Ok(TokenColumn { text, row_offsets, spans })
    }

    /// Number of rows.
    pub fn len(&self) -> usize {
        self.text.len()
    }

    /// Whether the column has no rows.
    pub fn is_empty(&self) -> bool {
        self.text.is_empty()
    }

    /// Whether row `i` holds a value (is not null).
    #[inline]
    pub fn is_valid(&self, i: usize) -> bool {
        self.text.is_valid(i)
    }

    /// The tokenized text.
    pub fn text(&self) -> &StringColumn {
        &self.text
    }

    /// Total number of tokens.
    pub fn n_tokens(&self) -> usize {
        self.spans.len()
    }

    /// The `len + 1` offsets of each row's spans in [`spans`](Self::spans).
    pub fn row_offsets(&self) -> &[u32] {
        &self.row_offsets
    }

    /// Every token's byte span into the text buffer, row after row.
    pub fn spans(&self) -> &[(u32, u32)] {
        &self.spans
    }

    /// Row `i`'s token spans (into the text buffer). Panics when `i >= len`.
    #[inline]
    pub fn row_spans(&self, i: usize) -> &[(u32, u32)] {
        &self.spans[self.row_offsets[i] as usize..self.row_offsets[i + 1] as usize]
    }

    /// Row `i`'s text and the byte offset of its start in the text buffer (subtract it from a
    /// span to index the row's text). Panics when `i >= len`.
    #[inline]
    pub fn row_text(&self, i: usize) -> (&str, u32) {
        (self.text.value(i), self.text.offsets()[i])
    }

    /// The rows at `rows`, in that order (rows may repeat). Errors when an index is out of range.
    pub fn take(&self, rows: &[usize]) -> Result<TokenColumn> {
        let text = self.text.take(rows)?;
        let mut row_offsets = Vec::with_capacity(rows.len() + 1);
        row_offsets.push(0u32);
        let mut spans = Vec::with_capacity(rows.iter().map(|&r| self.row_spans(r).len()).sum());
        for (new_row, &r) in rows.iter().enumerate() {
            // Rebase each span from the old row's start to the new row's start.
            let (old_base, new_base) = (self.text.offsets()[r], text.offsets()[new_row]);
            spans.extend(self.row_spans(r).iter().map(|&(s, e)| (s - old_base + new_base, e - old_base + new_base)));
            let end = u32::try_from(spans.len())
                .map_err(|_| Error::invalid("take", "tokens", "more than 2^32 tokens in one column"))?;
            row_offsets.push(end);
        }
        Ok(TokenColumn { text, row_offsets, spans })
    }

    /// Row `i`'s tokens (none for a null row). Panics when `i >= len`.
    pub fn tokens(&self, i: usize) -> impl ExactSizeIterator<Item = &str> + '_ {
        let (text, base) = self.row_text(i);
        self.row_spans(i).iter().map(move |&(s, e)| &text[(s - base) as usize..(e - base) as usize])
    }
}

/// Tokenizes every row of `col` (a copy of `col` is kept as the tokens' text).
pub fn tokenize(col: &StringColumn) -> Result<TokenColumn> {
    tokenize_owned(col.clone())
}

/// Tokenizes every row of `col`, keeping `col` itself as the tokens' text (no copy).
pub fn tokenize_owned(col: StringColumn) -> Result<TokenColumn> {
    let mut spans = Vec::with_capacity(col.data().len() / 6);
    let mut row_offsets = Vec::with_capacity(col.len() + 1);
    row_offsets.push(0u32);
    for i in 0..col.len() {
        if col.is_valid(i) {
            // Offsets into the column's buffer, which is under 4 GiB: they fit u32.
            let base = col.offsets()[i];
            for_each_token(col.value(i), |s, e| spans.push((base + s as u32, base + e as u32)));
        }
        // A token takes at least two bytes and the buffer is under 4 GiB: this always fits.
        let end = u32::try_from(spans.len())
            .map_err(|_| Error::invalid("tokenize", "text", "more than 2^32 tokens in one column"))?;
        row_offsets.push(end);
    }
    Ok(TokenColumn { text: col, row_offsets, spans })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn toks(s: &str) -> Vec<&str> {
        let mut v = Vec::new();
        for_each_token(s, |a, b| v.push(&s[a..b]));
        v
    }

    #[test]
    fn default_token_pattern() {
        assert_eq!(toks("Hello, world! a bc d_e 1 23 x1"), vec!["Hello", "world", "bc", "d_e", "23", "x1"]);
        assert_eq!(toks("é ée 日本 x²"), vec!["ée", "日本", "x²"]);
        // a combining mark is not \w in Python: it splits "e\u{301}cole" into "e" + "cole"
        assert_eq!(toks("e\u{301}cole"), vec!["cole"]);
        assert_eq!(toks(""), Vec::<&str>::new());
        assert_eq!(toks("ab"), vec!["ab"]);
        assert_eq!(toks("😀ab😀"), vec!["ab"]);
    }

    #[test]
    fn column_spans_and_nulls() {
        let c = StringColumn::from_options(&[Some("ab cd"), None, Some(""), Some("x yz")]);
        let t = tokenize(&c).unwrap();
        assert_eq!(t.len(), 4);
        assert_eq!(t.tokens(0).collect::<Vec<_>>(), vec!["ab", "cd"]);
        assert!(!t.is_valid(1) && t.tokens(1).len() == 0);
        assert_eq!(t.tokens(3).collect::<Vec<_>>(), vec!["yz"]);
        assert_eq!(t.row_offsets(), &[0, 2, 2, 2, 3]);
        let json = serde_json::to_string(&t).unwrap();
        assert_eq!(serde_json::from_str::<TokenColumn>(&json).unwrap(), t);
    }

    #[test]
    fn raw_parts_are_checked() {
        let c = StringColumn::from_options(&[Some("ab é"), None]);
        let e = |o: Vec<u32>, s: Vec<(u32, u32)>| TokenColumn::try_new(c.clone(), o, s).unwrap_err().to_string();
        assert!(e(vec![0, 1], vec![(0, 2)]).contains("rows + 1"));
        assert!(e(vec![0, 1, 2], vec![(0, 2)]).contains("must run from 0"));
        assert!(e(vec![0, 1, 1], vec![(0, 9)]).contains("outside"));
        assert!(e(vec![0, 1, 1], vec![(0, 4)]).contains("splits a character"));
        assert!(e(vec![0, 0, 1], vec![(0, 1)]).contains("null"));
        assert!(e(vec![0, 1, 1], vec![(2, 1)]).contains("outside"));
        assert!(e(vec![0, 1, 1], vec![(0, 9)]).starts_with("TokenColumn::try_new: column `spans`"));
        let ok = TokenColumn::try_new(c.clone(), vec![0, 2, 2], vec![(0, 2), (3, 5)]).unwrap();
        assert_eq!(ok.tokens(0).collect::<Vec<_>>(), vec!["ab", "é"]);
    }
}
