//! Python 3.11's character classes, as scikit-learn's analyzers see them through `re` and `str`:
//! `\w` (word characters), `\s` / `str.isspace()` / `str.split()` (whitespace), and the cased and
//! case-ignorable properties of the final-sigma rule of `str.lower()`.
//!
//! ASCII is decided by a 128-entry table; other code points by binary search in the tables that
//! `tests/fixtures/gen_py_unicode_tables.py` generated from Python's own behaviour (Unicode
//! 14.0.0). A code point assigned after Unicode 14.0 is neither a word character nor whitespace
//! here, exactly as in Python 3.11 (Rust's `char::is_alphanumeric` follows a newer Unicode and
//! also counts combining marks, which Python's `\w` does not).

use super::py_unicode::{CASE_IGNORABLE, CASED, SPACE, WORD};

/// Bit flags of the ASCII table.
const WORD_BIT: u8 = 1;
const SPACE_BIT: u8 = 2;
const CASED_BIT: u8 = 4;
const IGNORABLE_BIT: u8 = 8;

/// Flags of every ASCII byte: `[0-9A-Za-z_]` are word characters; `\t \n \v \f \r`, the four
/// information separators U+001C..U+001F and the space are whitespace (Python counts the
/// separators as whitespace because of their bidirectional class); letters are cased; `' . : ^ ``
/// are case-ignorable.
static ASCII: [u8; 128] = {
    let mut t = [0u8; 128];
    let mut b = 0;
    while b < 128 {
        let c = b as u8;
        if c.is_ascii_alphanumeric() || c == b'_' {
            t[b] |= WORD_BIT;
        }
        if matches!(c, 0x09..=0x0D | 0x1C..=0x20) {
            t[b] |= SPACE_BIT;
        }
        if c.is_ascii_alphabetic() {
            t[b] |= CASED_BIT;
        }
        if matches!(c, b'\'' | b'.' | b':' | b'^' | b'`') {
            t[b] |= IGNORABLE_BIT;
        }
        b += 1;
    }
    t
};

/// Whether `c` is in a sorted table of disjoint inclusive ranges.
#[inline]
fn in_ranges(table: &[(u32, u32)], c: u32) -> bool {
    let i = table.partition_point(|&(_, end)| end < c);
    i < table.len() && table[i].0 <= c
}

/// Whether the ASCII byte `b` (< 128) is a word character (`[0-9A-Za-z_]`).
#[inline]
pub fn is_ascii_word_byte(b: u8) -> bool {
    b < 0x80 && ASCII[b as usize] & WORD_BIT != 0
}

/// Whether the ASCII byte `b` (< 128) is Python whitespace.
#[inline]
pub fn is_ascii_space_byte(b: u8) -> bool {
    b < 0x80 && ASCII[b as usize] & SPACE_BIT != 0
}

/// Whether `c` matches Python 3.11's `\w` in a `str` pattern: `c.isalnum()` (letters, decimal
/// digits, and every character with a numeric value such as `²`, `½`, `Ⅻ`) or `_`. Combining
/// marks (Mn, Mc) are *not* word characters.
#[inline]
pub fn is_word_char(c: char) -> bool {
    let u = c as u32;
    if u < 0x80 { ASCII[u as usize] & WORD_BIT != 0 } else { in_ranges(WORD, u) }
}

/// Whether `c` is Python 3.11 whitespace (`str.isspace()`, `\s`, the separators of
/// `str.split()`): the ASCII whitespace including U+001C..U+001F, and U+0085, U+00A0, U+1680,
/// U+2000..U+200A, U+2028, U+2029, U+202F, U+205F, U+3000. U+200B (zero width space) is not.
#[inline]
pub fn is_space_char(c: char) -> bool {
    let u = c as u32;
    if u < 0x80 { ASCII[u as usize] & SPACE_BIT != 0 } else { in_ranges(SPACE, u) }
}

/// Whether `c` is case-ignorable (Unicode's `Case_Ignorable`, as Python 3.11 has it).
#[inline]
pub(crate) fn is_case_ignorable(c: char) -> bool {
    let u = c as u32;
    if u < 0x80 { ASCII[u as usize] & IGNORABLE_BIT != 0 } else { in_ranges(CASE_IGNORABLE, u) }
}

/// Whether `c` is cased and not case-ignorable (what the final-sigma rule checks after skipping
/// case-ignorable characters).
#[inline]
pub(crate) fn is_cased(c: char) -> bool {
    let u = c as u32;
    if u < 0x80 { ASCII[u as usize] & CASED_BIT != 0 } else { in_ranges(CASED, u) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn word_characters_follow_python_not_rust() {
        for c in ['a', 'Z', '0', '_', 'é', 'ß', '日', '²', '½', 'Ⅻ', '٣', 'ǅ'] {
            assert!(is_word_char(c), "{c:?}");
        }
        // combining marks: alphabetic for Rust, not `\w` for Python
        for c in ['\u{301}', '\u{93F}', '\u{94D}', '-', ' ', '😀', '\u{200D}', '\u{FE0F}'] {
            assert!(!is_word_char(c), "{c:?}");
        }
        assert!('\u{301}'.is_alphanumeric() || '\u{93F}'.is_alphabetic());
    }

    #[test]
    fn whitespace_follows_python() {
        for c in ['\t', '\n', '\u{b}', '\u{c}', '\r', '\u{1c}', '\u{1f}', ' ', '\u{85}', '\u{a0}', '\u{1680}'] {
            assert!(is_space_char(c), "{c:?}");
        }
        for c in ['\u{2000}', '\u{200a}', '\u{2028}', '\u{2029}', '\u{202f}', '\u{205f}', '\u{3000}'] {
            assert!(is_space_char(c), "{c:?}");
        }
        for c in ['\u{200b}', '\u{180e}', '\u{feff}', 'a', '\u{1b}'] {
            assert!(!is_space_char(c), "{c:?}");
        }
        assert!(is_ascii_space_byte(b'\x1c') && !is_ascii_space_byte(0xA0) && !is_ascii_word_byte(0xC3));
    }

    #[test]
    fn case_properties() {
        assert!(is_cased('A') && is_cased('σ') && !is_cased('1') && !is_cased('\''));
        assert!(is_case_ignorable('\'') && is_case_ignorable('\u{301}') && !is_case_ignorable('a'));
        assert_eq!(super::super::py_unicode::UNICODE_VERSION, "14.0.0");
    }
}
