//! [`DirectGrams`]: a character n-gram vocabulary's two- and three-byte ASCII terms in direct
//! tables, so that a scan finds them with plain loads instead of hashed bucket probes. On the
//! text task they are half of all lookups.
//!
//! - 2-grams: a 16,384-entry array indexed by the two bytes (7 bits each) holds the term's id.
//! - 3-grams: the first two bytes index a second such array giving a row (0: no 3-gram starts
//!   with them); the row's 128 entries, indexed by the third byte, hold the ids. Row 0 is all
//!   misses, so a lookup takes no branch.
//!
//! Ids are `u16` (a vocabulary of 65,535 terms or more gets no direct tables): the 2-gram array
//! takes 32 KiB, the 3-gram arrays 32 KiB plus 256 bytes per distinct two-byte prefix (about
//! 350 KiB on the text task). Only ASCII bytes are indexed; the scanner uses the tables on ASCII
//! text only.

/// No term (an entry of either table).
pub(crate) const NO_TERM: u16 = u16::MAX;

/// Fewest two-byte ASCII terms for which a vocabulary gets direct tables (a character n-gram
/// vocabulary; a word vocabulary has few).
const MIN_PAIRS: usize = 256;

/// The index of the ASCII bytes `b0 b1` in a two-byte array.
#[inline(always)]
fn pair_index(b0: u8, b1: u8) -> usize {
    (b0 & 0x7F) as usize | ((b1 & 0x7F) as usize) << 7
}

/// The direct tables of a vocabulary's two- and three-byte ASCII terms (see the module docs).
#[derive(Debug, Clone)]
pub(crate) struct DirectGrams {
    /// The id of each two-byte term.
    pairs: Box<[u16]>,
    /// The 3-gram row of each two-byte prefix (0: none).
    rows: Box<[u16]>,
    /// 128 ids per row; row 0 all [`NO_TERM`].
    triples: Box<[u16]>,
}

impl DirectGrams {
    /// The tables of `terms` (`terms[id]` is the term of id `id`), or `None` when there are too
    /// few two-byte ASCII terms or too many terms for `u16` ids.
    pub(crate) fn build(terms: &[&[u8]]) -> Option<DirectGrams> {
        let is_pair = |b: &[u8]| b.len() == 2 && b.is_ascii();
        if terms.len() >= NO_TERM as usize || terms.iter().filter(|b| is_pair(b)).count() < MIN_PAIRS {
            return None;
        }
        let mut g = DirectGrams {
            pairs: vec![NO_TERM; 1 << 14].into_boxed_slice(),
            rows: vec![0; 1 << 14].into_boxed_slice(),
            triples: vec![NO_TERM; 128].into_boxed_slice(),
        };
        let mut triples = g.triples.to_vec();
        for (id, b) in terms.iter().enumerate() {
            if is_pair(b) {
                g.pairs[pair_index(b[0], b[1])] = id as u16;
            } else if b.len() == 3 && b.is_ascii() {
                let p = pair_index(b[0], b[1]);
                if g.rows[p] == 0 {
                    // rows are u16 with row 0 the empty one: at most 65,535 prefixes
                    g.rows[p] = u16::try_from(triples.len() / 128).ok()?;
                    triples.extend([NO_TERM; 128]);
                }
                triples[g.rows[p] as usize * 128 + (b[2] & 0x7F) as usize] = id as u16;
            }
        }
        g.triples = triples.into_boxed_slice();
        Some(g)
    }

    /// Appends to `hits` the id of every 2-gram (`two`) and 3-gram (`three`) of the ASCII text
    /// `text` that is a term, in no particular order.
    pub(crate) fn find_all(&self, text: &[u8], two: bool, three: bool, hits: &mut Vec<u32>) {
        let at = hits.len();
        let n = two as usize * text.len().saturating_sub(1) + three as usize * text.len().saturating_sub(2);
        hits.reserve(n);
        let out = &mut hits.spare_capacity_mut()[..n];
        let mut found = 0;
        let mut put = |id: u16| {
            // SAFETY: `found` is at most the number of n-grams looked up before this one, and
            // there are `n` in all.
            unsafe { out.get_unchecked_mut(found).write(id as u32) };
            found += (id != NO_TERM) as usize;
        };
        if two {
            for w in text.windows(2) {
                put(self.pairs[pair_index(w[0], w[1])]);
            }
        }
        if three {
            for w in text.windows(3) {
                let row = self.rows[pair_index(w[0], w[1])] as usize;
                // SAFETY: every row index in `rows` has its 128 entries in `triples`.
                put(unsafe { *self.triples.get_unchecked(row * 128 + (w[2] & 0x7F) as usize) });
            }
        }
        // SAFETY: the loops initialized the first `found` spare elements.
        unsafe { hits.set_len(at + found) };
    }

    /// Bytes held.
    pub(crate) fn bytes(&self) -> usize {
        (self.pairs.len() + self.rows.len() + self.triples.len()) * 2
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_exactly_the_two_and_three_byte_terms() {
        let mut terms: Vec<Vec<u8>> = Vec::new();
        for x in b'a'..=b'z' {
            for y in b'a'..=b'm' {
                terms.push(vec![x, y]);
            }
        }
        terms.extend([b"abc".to_vec(), b"ab ".to_vec(), b"zz!".to_vec(), b"abcd".to_vec(), vec![0xC3, 0xA9]]);
        let refs: Vec<&[u8]> = terms.iter().map(Vec::as_slice).collect();
        let g = DirectGrams::build(&refs).unwrap();
        let text = b"abc ab zz!zz abcd xyz";
        for (two, three) in [(true, true), (true, false), (false, true)] {
            let mut hits = Vec::new();
            g.find_all(text, two, three, &mut hits);
            hits.sort_unstable();
            let mut want: Vec<u32> = Vec::new();
            for n in [2, 3].into_iter().filter(|&n| if n == 2 { two } else { three }) {
                for w in text.windows(n) {
                    want.extend(refs.iter().position(|t| *t == w).map(|i| i as u32));
                }
            }
            want.sort_unstable();
            assert_eq!(hits, want, "{two} {three}");
        }
    }

    #[test]
    fn few_pairs_or_too_many_terms_get_no_tables() {
        let few: Vec<&[u8]> = vec![b"ab", b"cd", b"abc"];
        assert!(DirectGrams::build(&few).is_none());
    }
}
