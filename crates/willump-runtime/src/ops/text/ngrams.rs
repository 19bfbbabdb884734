//! Term n-grams exactly as scikit-learn's analyzers make them: character n-grams over code
//! points (`char`), character n-grams inside space-padded words (`char_wb`), and word n-grams
//! joined by one space. Each function appends the byte spans `(start, end)` of its n-grams to a
//! list, in scikit-learn's order (shorter n-grams first, then left to right); every n-gram is a
//! slice of one text buffer, so nothing is allocated per n-gram.

use willump_ir::params::text::NgramRange;

use super::chars::{is_ascii_space_byte, is_space_char};

/// Appends `s` to `out` with every run of two or more whitespace characters replaced by one
/// space (`re.sub(r"\s\s+", " ", s)`); a single whitespace character (a tab, U+00A0, ...) is
/// kept as it is.
pub fn collapse_whitespace_into(s: &str, out: &mut String) {
    let bytes = s.as_bytes();
    let mut copied = 0; // bytes of `s` before this are already in `out`
    let mut run_start = 0;
    let mut run_chars = 0usize;
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        let (space, width) = if b < 0x80 {
            (is_ascii_space_byte(b), 1)
        } else {
            let c = s[i..].chars().next().unwrap_or('\0');
            (is_space_char(c), c.len_utf8())
        };
        if space {
            if run_chars == 0 {
                run_start = i;
            }
            run_chars += 1;
        } else if run_chars > 0 {
            flush_run(s, &mut copied, run_start, i, run_chars, out);
            run_chars = 0;
        }
        i += width;
    }
    if run_chars > 0 {
        flush_run(s, &mut copied, run_start, bytes.len(), run_chars, out);
    }
    out.push_str(&s[copied..]);
}

/// Replaces the whitespace run `start..end` (of `chars` code points) by one space when it is two
/// or more characters long.
#[inline]
fn flush_run(s: &str, copied: &mut usize, start: usize, end: usize, chars: usize, out: &mut String) {
    if chars >= 2 {
        out.push_str(&s[*copied..start]);
        out.push(' ');
        *copied = end;
    }
}

/// Fills `bounds` with the byte offset of every code point of `s`, then `s.len()`.
fn char_bounds(s: &str, bounds: &mut Vec<usize>) {
    bounds.clear();
    bounds.extend(s.char_indices().map(|(i, _)| i));
    bounds.push(s.len());
}

/// Appends the spans (shifted by `base`) of every run of `n` consecutive code points of `text`,
/// for each `n` in `min_n..=max_n`, shorter first.
fn code_point_runs(
    text: &str,
    base: usize,
    min_n: usize,
    max_n: usize,
    bounds: &mut Vec<usize>,
    out: &mut Vec<(usize, usize)>,
) {
    if text.is_ascii() {
        let len = text.len();
        for n in min_n..=max_n.min(len) {
            out.extend((0..=len - n).map(|i| (base + i, base + i + n)));
        }
        return;
    }
    char_bounds(text, bounds);
    let len = bounds.len() - 1;
    for n in min_n..=max_n.min(len) {
        out.extend((0..=len - n).map(|i| (base + bounds[i], base + bounds[i + n])));
    }
}

/// Appends the spans of the character n-grams of `text` (scikit-learn's `_char_ngrams` after its
/// whitespace collapsing, which the caller does with [`collapse_whitespace_into`]): for each `n`
/// in the range, up to the text's length in code points, every run of `n` consecutive code
/// points.
pub fn char_ngram_spans(text: &str, range: NgramRange, bounds: &mut Vec<usize>, out: &mut Vec<(usize, usize)>) {
    code_point_runs(text, 0, range.min_n, range.max_n, bounds, out);
}

/// Appends the `char_wb` n-grams of `text` (scikit-learn's `_char_wb_ngrams`): for each
/// whitespace-separated word `w` (Python's `str.split()`), padded as `" " + w + " "` of `L` code
/// points, and each `n` in the range: if `n < L`, every run of `n` consecutive code points;
/// otherwise the whole padded word once, and no longer n-grams for that word. The padded words
/// are appended to `buf`; the spans index `buf`.
pub fn char_wb_ngram_spans(
    text: &str,
    range: NgramRange,
    buf: &mut String,
    bounds: &mut Vec<usize>,
    out: &mut Vec<(usize, usize)>,
) {
    for word in py_split_whitespace(text) {
        let start = buf.len();
        buf.push(' ');
        buf.push_str(word);
        buf.push(' ');
        let padded = &buf[start..];
        let w_len = if word.is_ascii() { padded.len() } else { padded.chars().count() };
        // n-grams shorter than the padded word, then the whole word once if the range reaches it
        let short_max = range.max_n.min(w_len - 1);
        if range.min_n <= short_max {
            code_point_runs(padded, start, range.min_n, short_max, bounds, out);
        }
        if range.max_n >= w_len {
            out.push((start, buf.len()));
        }
    }
}

/// Python's `str.split()` with no argument: the non-empty pieces between runs of whitespace.
pub fn py_split_whitespace(s: &str) -> impl Iterator<Item = &str> + '_ {
    s.split(is_space_char).filter(|w| !w.is_empty())
}

/// Appends the word n-grams of the tokens `tokens` (spans into `buf`) in scikit-learn's
/// `_word_ngrams` order (no stop words): for each `n` in the range, up to the number of tokens,
/// every run of `n` consecutive tokens joined by one space. Where `buf` already has exactly one
/// space between the tokens of an n-gram, the n-gram is that slice of `buf`; otherwise it is
/// joined at the end of `buf`.
pub fn word_ngram_spans(buf: &mut String, tokens: &[(usize, usize)], range: NgramRange, out: &mut Vec<(usize, usize)>) {
    let single_space_after =
        |buf: &str, k: usize| tokens[k + 1].0 == tokens[k].1 + 1 && buf.as_bytes()[tokens[k].1] == b' ';
    for n in range.min_n..=range.max_n.min(tokens.len()) {
        for i in 0..=tokens.len() - n {
            if n == 1 {
                out.push(tokens[i]);
            } else if (i..i + n - 1).all(|k| single_space_after(buf, k)) {
                out.push((tokens[i].0, tokens[i + n - 1].1));
            } else {
                let start = buf.len();
                for (k, &(s, e)) in tokens[i..i + n].iter().enumerate() {
                    if k > 0 {
                        buf.push(' ');
                    }
                    // the tokens lie before `start`: copy within the buffer
                    buf.extend_from_within(s..e);
                }
                out.push((start, buf.len()));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts<'a>(buf: &'a str, spans: &[(usize, usize)]) -> Vec<&'a str> {
        spans.iter().map(|&(s, e)| &buf[s..e]).collect()
    }

    #[test]
    fn collapse_whitespace() {
        let c = |s: &str| {
            let mut o = String::new();
            collapse_whitespace_into(s, &mut o);
            o
        };
        assert_eq!(c("a  b\tc \t d"), "a b\tc d");
        assert_eq!(c("  x\u{a0}y\u{a0}\u{2028}z  "), " x\u{a0}y z ");
        assert_eq!(c(""), "");
        assert_eq!(c("\n"), "\n");
        assert_eq!(c("é\u{3000}\u{3000}ü"), "é ü");
    }

    #[test]
    fn char_ngrams_over_code_points() {
        let (mut b, mut out) = (Vec::new(), Vec::new());
        char_ngram_spans("abc", NgramRange::new(1, 2), &mut b, &mut out);
        assert_eq!(texts("abc", &out), ["a", "b", "c", "ab", "bc"]);
        out.clear();
        char_ngram_spans("日本語", NgramRange::new(2, 5), &mut b, &mut out);
        assert_eq!(texts("日本語", &out), ["日本", "本語", "日本語"]);
        out.clear();
        char_ngram_spans("", NgramRange::new(1, 3), &mut b, &mut out);
        assert!(out.is_empty());
    }

    #[test]
    fn char_wb_short_words() {
        let (mut buf, mut b, mut out) = (String::new(), Vec::new(), Vec::new());
        char_wb_ngram_spans("a bc", NgramRange::new(2, 4), &mut buf, &mut b, &mut out);
        // " a " has 3 code points: its 2-grams, then itself once for n = 3 (and no n = 4)
        assert_eq!(texts(&buf, &out), [" a", "a ", " a ", " b", "bc", "c ", " bc", "bc ", " bc "]);
        let (mut buf, mut out) = (String::new(), Vec::new());
        char_wb_ngram_spans("\u{a0}é\t", NgramRange::new(5, 6), &mut buf, &mut b, &mut out);
        assert_eq!(texts(&buf, &out), [" é "]);
    }

    #[test]
    fn word_ngrams_join_with_one_space() {
        let mut buf = String::from("ab  cd ef");
        let tokens = [(0, 2), (4, 6), (7, 9)];
        let mut out = Vec::new();
        word_ngram_spans(&mut buf, &tokens, NgramRange::new(1, 3), &mut out);
        assert_eq!(texts(&buf, &out), ["ab", "cd", "ef", "ab cd", "cd ef", "ab cd ef"]);
        out.clear();
        word_ngram_spans(&mut buf, &tokens, NgramRange::new(4, 5), &mut out);
        assert!(out.is_empty());
    }
}
