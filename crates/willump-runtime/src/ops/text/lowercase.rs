//! Lowercasing exactly as Python 3.11's `str.lower()` (scikit-learn's `lowercase=True`).
//!
//! Full case mappings (U+0130 `İ` becomes two code points, `i` + U+0307) and the final-sigma
//! rule: U+03A3 `Σ` becomes `ς` when a cased letter precedes it and none follows it (skipping
//! case-ignorable characters both ways), `σ` otherwise. The mappings come from tables generated
//! from Python 3.11 itself (Unicode 14.0.0), not from Rust's `str::to_lowercase`, whose newer
//! Unicode version also lowercases letters assigned after 14.0 (for example U+A7CB, a Latin
//! capital letter of Unicode 16) that Python 3.11 leaves unchanged. ASCII text takes a fast
//! path (a copy and an in-place ASCII lowercase).

use super::chars::{is_case_ignorable, is_cased};
use super::py_unicode::{LOWER_MULTI, LOWER_RUNS};
use crate::error::Result;
use crate::value::{StringColumn, StringColumnBuilder};

const CAPITAL_SIGMA: char = '\u{3A3}';

/// Every row lowercased as Python's `str.lower()`; a null row stays null.
pub fn lowercase(col: &StringColumn) -> Result<StringColumn> {
    let mut b = StringColumnBuilder::with_capacity(col.len(), col.data().len());
    for row in col.iter() {
        match row {
            Some(s) => {
                lowercase_into(s, b.buffer());
                b.finish_row();
            }
            None => b.push_null(),
        }
    }
    Ok(b.finish())
}

/// Appends `s` lowercased (Python's `str.lower()`) to `out`, with no allocation beyond `out`'s
/// growth.
pub fn lowercase_into(s: &str, out: &mut String) {
    if s.is_ascii() {
        let start = out.len();
        out.push_str(s);
        out[start..].make_ascii_lowercase();
        return;
    }
    out.reserve(s.len());
    for (i, c) in s.char_indices() {
        if c.is_ascii() {
            out.push(c.to_ascii_lowercase());
        } else if c == CAPITAL_SIGMA {
            out.push(if is_final_sigma(s, i) { '\u{3C2}' } else { '\u{3C3}' });
        } else {
            push_lower(c, out);
        }
    }
}

/// Appends the lowercase of one non-ASCII, non-sigma code point.
#[inline]
fn push_lower(c: char, out: &mut String) {
    let u = c as u32;
    let i = LOWER_RUNS.partition_point(|&(start, _, _, _)| start <= u);
    if i > 0 {
        let (start, count, stride, delta) = LOWER_RUNS[i - 1];
        let k = u - start;
        if k.is_multiple_of(stride as u32) && k / (stride as u32) < count as u32 {
            // The generator checked that every mapped value is a valid scalar value.
            if let Some(l) = char::from_u32(u.wrapping_add_signed(delta)) {
                out.push(l);
                return;
            }
        }
    }
    if let Ok(j) = LOWER_MULTI.binary_search_by_key(&u, |&(cp, _)| cp) {
        out.push_str(LOWER_MULTI[j].1);
        return;
    }
    out.push(c);
}

/// Python's `Final_Sigma` test for the `Σ` at byte `i` of `s`: a cased character precedes it
/// and no cased character follows it, skipping case-ignorable characters in both directions.
fn is_final_sigma(s: &str, i: usize) -> bool {
    let before = s[..i].chars().rev().find(|&c| !is_case_ignorable(c));
    if !before.is_some_and(is_cased) {
        return false;
    }
    let after = s[i + CAPITAL_SIGMA.len_utf8()..].chars().find(|&c| !is_case_ignorable(c));
    !after.is_some_and(is_cased)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Lowercasing twice equals lowercasing once (what the compiler relies on when it fuses a
    /// `lowercase` op into a vectorizer that lowercases again): every code point alone, between
    /// letters, and the final-sigma contexts.
    #[test]
    fn lowercasing_is_idempotent() {
        let mut s = String::new();
        for c in (0..=0x10FFFFu32).filter_map(char::from_u32) {
            for t in [format!("{c}"), format!("A{c}b"), format!("Σ{c}"), format!("{c}Σ"), format!("AΣ{c}")] {
                s.clear();
                let once = lower(&t);
                lowercase_into(&once, &mut s);
                assert_eq!(s, once, "{t:?} (U+{:04X})", c as u32);
            }
        }
    }

    fn lower(s: &str) -> String {
        let mut out = String::new();
        lowercase_into(s, &mut out);
        out
    }

    #[test]
    fn ascii_and_full_mappings() {
        assert_eq!(lower("HeLLo, World 123_"), "hello, world 123_");
        assert_eq!(lower("ÀÉÎÕÜ Straße"), "àéîõü straße");
        assert_eq!(lower("İstanbul"), "i\u{307}stanbul");
        assert_eq!(lower("ǅ ǈ Ꭰ ＡＢ"), "ǆ ǉ ꭰ ａｂ");
        assert_eq!(lower("ΑΒΓ Привет"), "αβγ привет");
    }

    #[test]
    fn final_sigma() {
        assert_eq!(lower("ΟΔΟΣ"), "οδος");
        assert_eq!(lower("ΣΑΣ ΣΑΣ."), "σας σας.");
        assert_eq!(lower("Σ"), "σ");
        assert_eq!(lower("ΑΣ'Β"), "ασ'β"); // the apostrophe is case-ignorable: a letter follows
        assert_eq!(lower("ΑΣ'"), "ας'");
        assert_eq!(lower("ΑΣ\u{301}"), "ας\u{301}");
        assert_eq!(lower("'Σ"), "'σ");
        assert_eq!(lower("ΣΣ"), "σς");
        assert_eq!(lower("1Σ"), "1σ");
    }

    #[test]
    fn letters_newer_than_unicode_14_stay() {
        // U+A7C0 was assigned in Unicode 14 (lowercased); U+A7CB in Unicode 16 (unassigned in
        // Python 3.11, so unchanged), although Rust's newer tables lowercase it.
        assert_eq!(lower("\u{A7C0}"), "\u{A7C1}");
        assert_eq!(lower("\u{A7CB}"), "\u{A7CB}");
    }

    #[test]
    fn column_keeps_nulls() {
        let c = StringColumn::from_options(&[Some("ABC"), None, Some(""), Some("ÉΣ")]);
        let l = lowercase(&c).unwrap();
        assert_eq!(l.iter().collect::<Vec<_>>(), vec![Some("abc"), None, Some(""), Some("éς")]);
    }
}
