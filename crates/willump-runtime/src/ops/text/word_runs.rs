//! The tokens of an ASCII document (`(?u)\b\w\w+\b` on ASCII: runs of at least two of
//! `[0-9A-Za-z_]`), found from a bit mask of its word bytes: 16 bytes classified per SSE2
//! instruction sequence on x86_64 (a table lookup per byte elsewhere), then each token is two
//! trailing-zero counts instead of a branch per byte.

use super::chars::is_ascii_word_byte;

/// Sets bit `i % 64` of `masks[i / 64]` for every word byte `text[i]`, `i < len`; `masks` ends
/// up with `len / 64 + 1` words (so a run always ends inside it). Bytes of `text` past `len` (a
/// caller's padding) let the last chunk be classified at once; they are masked off.
pub(crate) fn word_byte_masks(text: &[u8], len: usize, masks: &mut Vec<u64>) {
    debug_assert!(len <= text.len());
    masks.clear();
    masks.resize(len / 64 + 1, 0);
    let mut i = 0;
    #[cfg(target_arch = "x86_64")]
    while i < len && i + 16 <= text.len() {
        // SAFETY: `i + 16 <= text.len()`; SSE2 is part of the x86_64 baseline.
        let m = unsafe { word_mask16(text.as_ptr().add(i)) } as u64;
        masks[i / 64] |= m << (i % 64);
        i += 16;
    }
    for (j, &b) in text.iter().enumerate().take(len).skip(i) {
        masks[j / 64] |= (is_ascii_word_byte(b) as u64) << (j % 64);
    }
    // padding classified with the last chunk
    let last = masks.len() - 1;
    masks[last] &= (1u64 << (len % 64)) - 1;
}

/// Bit `k` set for each word byte `p[k]` of the 16 bytes at `p`.
///
/// # Safety
/// `p..p + 16` is readable.
#[cfg(target_arch = "x86_64")]
#[inline(always)]
unsafe fn word_mask16(p: *const u8) -> u32 {
    use std::arch::x86_64::*;
    // SAFETY: the caller's contract; SSE2 is baseline.
    unsafe {
        let v = _mm_loadu_si128(p.cast());
        // a byte in lo..=hi: shifted so that the range starts at i8::MIN, one signed compare
        let in_range = |x: __m128i, lo: u8, hi: u8| {
            let shifted = _mm_add_epi8(x, _mm_set1_epi8((0x80u8.wrapping_sub(lo)) as i8));
            _mm_cmplt_epi8(shifted, _mm_set1_epi8((0x80u8.wrapping_add(hi - lo + 1)) as i8))
        };
        let digit = in_range(v, b'0', b'9');
        let letter = in_range(_mm_or_si128(v, _mm_set1_epi8(0x20)), b'a', b'z');
        let under = _mm_cmpeq_epi8(v, _mm_set1_epi8(b'_' as i8));
        _mm_movemask_epi8(_mm_or_si128(_mm_or_si128(digit, letter), under)) as u32
    }
}

/// Appends to `tokens` the span of every run of at least two word bytes in `text[..len]`
/// (ASCII), in order; `masks` is scratch. Bytes past `len` are padding (see
/// [`word_byte_masks`]).
///
/// Runs come from bit tricks on each 64-byte word of the mask: a run of two or more starts at a
/// word byte whose left neighbour is not one and whose right neighbour is; it ends likewise.
/// Starts and ends are walked with trailing-zero counts (no branch per byte), and the k-th end
/// closes the k-th start.
pub(crate) fn word_runs(text: &[u8], len: usize, masks: &mut Vec<u64>, tokens: &mut Vec<(u32, u32)>) {
    word_byte_masks(text, len, masks);
    let mut closing = tokens.len();
    let n = masks.len();
    for w in 0..n {
        let m = masks[w];
        if m == 0 {
            continue;
        }
        let before = if w > 0 { masks[w - 1] >> 63 } else { 0 };
        let after = if w + 1 < n { masks[w + 1] & 1 } else { 0 };
        let left = m << 1 | before;
        let right = m >> 1 | after << 63;
        let mut starts = m & !left & right;
        let mut ends = m & left & !right;
        let base = (w * 64) as u32;
        while starts != 0 {
            tokens.push((base + starts.trailing_zeros(), 0));
            starts &= starts - 1;
        }
        while ends != 0 {
            tokens[closing].1 = base + ends.trailing_zeros() + 1;
            closing += 1;
            ends &= ends - 1;
        }
    }
    debug_assert_eq!(closing, tokens.len());
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The runs by a byte-by-byte walk.
    fn slow(text: &[u8]) -> Vec<(u32, u32)> {
        let mut out = Vec::new();
        let mut i = 0;
        while i < text.len() {
            if !is_ascii_word_byte(text[i]) {
                i += 1;
                continue;
            }
            let s = i;
            while i < text.len() && is_ascii_word_byte(text[i]) {
                i += 1;
            }
            if i - s >= 2 {
                out.push((s as u32, i as u32));
            }
        }
        out
    }

    #[test]
    fn runs_equal_a_byte_by_byte_walk() {
        let mut rng = crate::rng::Rng::new(5);
        let alphabet = b"aZ09_ -.,\t\x7f@[`{/:";
        let (mut masks, mut tokens) = (Vec::new(), Vec::new());
        for len in (0..200).chain([255, 256, 257, 1000]) {
            for _ in 0..20 {
                let text: Vec<u8> =
                    (0..len).map(|_| alphabet[(rng.next_u64() % alphabet.len() as u64) as usize]).collect();
                tokens.clear();
                word_runs(&text, len, &mut masks, &mut tokens);
                assert_eq!(tokens, slow(&text), "{:?}", String::from_utf8_lossy(&text));
                // with padding of word bytes past the end, which must not count
                let padded = [text.clone(), b"zz_9zzzzzzzzzzzzzzzzzzz".to_vec()].concat();
                tokens.clear();
                word_runs(&padded, len, &mut masks, &mut tokens);
                assert_eq!(tokens, slow(&text), "padded {:?}", String::from_utf8_lossy(&text));
            }
        }
        // every ASCII byte classified as the table does, at every lane
        let all: Vec<u8> = (0u8..128).chain(0u8..128).collect();
        word_byte_masks(&all, all.len(), &mut masks);
        for (i, &b) in all.iter().enumerate() {
            assert_eq!(masks[i / 64] >> (i % 64) & 1 == 1, is_ascii_word_byte(b), "byte {b}");
        }
        // a run crossing a 64-byte word and one ending exactly at the end
        let text = [b" ".repeat(60), b"x".repeat(10), b" ".to_vec(), b"y".repeat(57)].concat();
        tokens.clear();
        word_runs(&text, text.len(), &mut masks, &mut tokens);
        assert_eq!(tokens, vec![(60, 70), (71, 128)]);
    }
}
