//! Term n-grams exactly as scikit-learn's analyzers make them: character n-grams over code
//! points (`char`), character n-grams inside space-padded words (`char_wb`), and word n-grams
//! joined by one space. Every function calls `emit` once per n-gram, in scikit-learn's order
//! (shorter n-grams first, then left to right), with a slice of the input or of a reused scratch
//! buffer: nothing is allocated per n-gram.

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
fn char_bounds(s: &str, bounds: &mut Vec<u32>) {
    bounds.clear();
    bounds.extend(s.char_indices().map(|(i, _)| i as u32));
    bounds.push(s.len() as u32);
}

/// The character n-grams of `text` (scikit-learn's `_char_ngrams` after its whitespace
/// collapsing, which the caller does with [`collapse_whitespace_into`]): for each `n` in the
/// range, up to the text's length in code points, every run of `n` consecutive code points.
pub fn char_ngrams(text: &str, range: NgramRange, bounds: &mut Vec<u32>, mut emit: impl FnMut(&str)) {
    if text.is_ascii() {
        let len = text.len();
        for n in range.min_n..=range.max_n.min(len) {
            for i in 0..=len - n {
                emit(&text[i..i + n]);
            }
        }
        return;
    }
    char_bounds(text, bounds);
    let len = bounds.len() - 1;
    for n in range.min_n..=range.max_n.min(len) {
        for i in 0..=len - n {
            emit(&text[bounds[i] as usize..bounds[i + n] as usize]);
        }
    }
}

/// The `char_wb` n-grams of `text` (scikit-learn's `_char_wb_ngrams`): for each whitespace-
/// separated word `w` (Python's `str.split()`), padded as `" " + w + " "` of `L` code points, and
/// each `n` in the range: if `n < L`, every run of `n` consecutive code points; otherwise the
/// whole padded word once, and no longer n-grams for that word.
pub fn char_wb_ngrams(
    text: &str,
    range: NgramRange,
    padded: &mut String,
    bounds: &mut Vec<u32>,
    mut emit: impl FnMut(&str),
) {
    for word in py_split_whitespace(text) {
        padded.clear();
        padded.push(' ');
        padded.push_str(word);
        padded.push(' ');
        let w: &str = padded;
        let ascii = word.is_ascii();
        if !ascii {
            char_bounds(w, bounds);
        }
        let w_len = if ascii { w.len() } else { bounds.len() - 1 };
        for n in range.min_n..=range.max_n {
            if n >= w_len {
                emit(w);
                break;
            }
            for i in 0..=w_len - n {
                if ascii {
                    emit(&w[i..i + n]);
                } else {
                    emit(&w[bounds[i] as usize..bounds[i + n] as usize]);
                }
            }
        }
    }
}

/// Python's `str.split()` with no argument: the non-empty pieces between runs of whitespace.
pub fn py_split_whitespace(s: &str) -> impl Iterator<Item = &str> + '_ {
    s.split(is_space_char).filter(|w| !w.is_empty())
}

/// The word n-grams of a token list (scikit-learn's `_word_ngrams` without stop words): for each
/// `n` in the range, up to the number of tokens, every run of `n` consecutive tokens joined by one
/// space. Token `k` is `text[spans[k].0 - base .. spans[k].1 - base]`. When the source already has
/// exactly one space between the tokens of an n-gram, that slice of `text` is emitted; otherwise
/// the n-gram is joined in `joined`.
pub fn word_ngrams(
    text: &str,
    base: u32,
    spans: &[(u32, u32)],
    range: NgramRange,
    joined: &mut String,
    mut emit: impl FnMut(&str),
) {
    let tok = |k: usize| &text[(spans[k].0 - base) as usize..(spans[k].1 - base) as usize];
    let bytes = text.as_bytes();
    let single_space_after = |k: usize| spans[k + 1].0 == spans[k].1 + 1 && bytes[(spans[k].1 - base) as usize] == b' ';
    for n in range.min_n..=range.max_n.min(spans.len()) {
        for i in 0..=spans.len() - n {
            if n == 1 {
                emit(tok(i));
            } else if (i..i + n - 1).all(single_space_after) {
                emit(&text[(spans[i].0 - base) as usize..(spans[i + n - 1].1 - base) as usize]);
            } else {
                joined.clear();
                for k in i..i + n {
                    if k > i {
                        joined.push(' ');
                    }
                    joined.push_str(tok(k));
                }
                emit(joined);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn collect(f: impl FnOnce(&mut dyn FnMut(&str))) -> Vec<String> {
        let mut v = Vec::new();
        f(&mut |t: &str| v.push(t.to_string()));
        v
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
        let mut b = Vec::new();
        let g = collect(|e| char_ngrams("abc", NgramRange::new(1, 2), &mut b, e));
        assert_eq!(g, ["a", "b", "c", "ab", "bc"]);
        let g = collect(|e| char_ngrams("日本語", NgramRange::new(2, 5), &mut b, e));
        assert_eq!(g, ["日本", "本語", "日本語"]);
        assert!(collect(|e| char_ngrams("", NgramRange::new(1, 3), &mut b, e)).is_empty());
    }

    #[test]
    fn char_wb_short_words() {
        let (mut p, mut b) = (String::new(), Vec::new());
        let g = collect(|e| char_wb_ngrams("a bc", NgramRange::new(2, 4), &mut p, &mut b, e));
        // " a " has 3 code points: its 2-grams, then itself once for n = 3 (and no n = 4)
        assert_eq!(g, [" a", "a ", " a ", " b", "bc", "c ", " bc", "bc ", " bc "]);
        let g = collect(|e| char_wb_ngrams("\u{a0}é\t", NgramRange::new(5, 6), &mut p, &mut b, e));
        assert_eq!(g, [" é "]);
    }

    #[test]
    fn word_ngrams_join_with_one_space() {
        let text = "ab  cd ef";
        let spans = [(0, 2), (4, 6), (7, 9)];
        let mut j = String::new();
        let g = collect(|e| word_ngrams(text, 0, &spans, NgramRange::new(1, 3), &mut j, e));
        assert_eq!(g, ["ab", "cd", "ef", "ab cd", "cd ef", "ab cd ef"]);
        let g = collect(|e| word_ngrams(text, 0, &spans, NgramRange::new(4, 5), &mut j, e));
        assert!(g.is_empty());
    }
}
