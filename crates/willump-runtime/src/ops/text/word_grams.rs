//! [`WordGrams`]: a `word` vocabulary's n-grams of two words or more, indexed by their words, so
//! that a scan finds them from its tokens without joining any text.
//!
//! Every word of a multi-word term gets a small id (a *part*: looked up in a table of those
//! words only, a few hundred bytes for a brand list). A term is then a path of part ids in a
//! trie stored as one open-addressing table: the key `(prefix, part)` leads to the next prefix
//! and, where the path spells a whole term, that term's id. A scan looks each token's part up
//! once; a token that is no part of any term (most tokens) starts nothing and stops every path
//! through it, and a path stops at the first step the trie does not have. So a document costs one
//! small lookup per token plus one step per token pair that starts a term, instead of joining,
//! hashing and looking up every pair.
//!
//! Exact: a token n-gram is a term exactly when its tokens are the term's words joined by single
//! spaces, which is what the path checks (part lookups compare the bytes). A term that no token
//! sequence can spell (an empty word, as in a double space) is left out: it never matches.

use super::packed_vocab::{PackedVocabulary, pack_short};
use super::vocabulary::Vocabulary;

/// No part, no term.
pub(crate) const NONE: u32 = u32::MAX;

/// An empty trie slot (no prefix id reaches `u32::MAX`).
const EMPTY: u64 = u64::MAX;

/// The multi-word terms of a vocabulary as a trie over their words (see the module docs).
#[derive(Debug, Clone)]
pub(crate) struct WordGrams {
    /// The words of multi-word terms; a word's id there is its part id (also the prefix id of
    /// the one-word path).
    parts: PackedVocabulary,
    /// The short words (at most 7 bytes) that are parts or one-word terms, by their keys, in a
    /// small open-addressing table at most a quarter full ([`EMPTY`]: a free slot; no short key
    /// has all bits set), so that a token's part and its one-word term are one lookup: a
    /// multiply, two loads and two compares, with a probe loop only past two full slots.
    short_keys: Box<[u64]>,
    /// The part id and the one-word term id of each slot of `short_keys` ([`NONE`]: none).
    short_words: Box<[(u32, u32)]>,
    /// `64 - log2(short_keys.len())`.
    short_shift: u32,
    /// Trie keys `prefix << 32 | part`, or [`EMPTY`].
    keys: Box<[u64]>,
    /// Per slot: the prefix id the step leads to, and the id of the term it spells (or [`NONE`]).
    steps: Box<[(u32, u32)]>,
    /// `keys.len() - 1`.
    mask: usize,
    /// Words in the longest term.
    longest: usize,
}

/// The home slot of a short key in a table of `2^(64 - shift)` slots.
#[inline(always)]
fn short_home(key: u64, shift: u32) -> usize {
    (key.wrapping_mul(0xD6E8_FEB8_6659_FD93) >> shift) as usize
}

/// The slot a trie key starts probing at.
#[inline(always)]
fn home(key: u64, mask: usize) -> usize {
    (key.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 32) as usize & mask
}

impl WordGrams {
    /// The trie of the terms of `vocab` with two words or more; `id_of_column[c]` is the id a hit
    /// on column `c` reports. `None` when there is no such term.
    pub(crate) fn build(vocab: &Vocabulary, id_of_column: &[u32]) -> Option<WordGrams> {
        let terms: Vec<(Vec<&str>, u32)> = vocab
            .terms()
            .enumerate()
            .map(|(c, t)| (t.split(' ').collect::<Vec<_>>(), id_of_column[c]))
            .filter(|(words, _)| words.len() >= 2 && words.iter().all(|w| !w.is_empty()))
            .collect();
        if terms.is_empty() {
            return None;
        }
        let mut words: Vec<&str> = terms.iter().flat_map(|(w, _)| w.iter().copied()).collect();
        words.sort_unstable();
        words.dedup();
        let word_vocab = Vocabulary::from_terms("word n-gram parts", &words).ok()?;
        let parts = PackedVocabulary::new(&word_vocab);
        // every short word that is a part or a one-word term, with both ids
        let mut short: Vec<(&str, u32, u32)> = words
            .iter()
            .enumerate()
            .filter(|(_, w)| w.len() <= 7)
            // `parts` has the ids of `PackedVocabulary::new`: columns, here places in `words`
            .map(|(part, w)| (*w, part as u32, vocab.get(w).map_or(NONE, |c| id_of_column[c as usize])))
            .collect();
        let one_word = vocab.terms().enumerate().filter(|(_, t)| t.len() <= 7 && !t.contains(' '));
        short
            .extend(one_word.filter(|(_, t)| words.binary_search(t).is_err()).map(|(c, t)| (t, NONE, id_of_column[c])));
        let size = (short.len() * 4).next_power_of_two().max(64);
        let short_shift = 64 - size.trailing_zeros();
        let (mut short_keys, mut short_words) = (vec![EMPTY; size], vec![(NONE, NONE); size]);
        for (w, part, term) in short {
            let key = pack_short(w.as_bytes());
            let mut i = short_home(key, short_shift);
            while short_keys[i] != EMPTY {
                i = (i + 1) & (size - 1);
            }
            short_keys[i] = key;
            short_words[i] = (part, term);
        }
        let steps_needed: usize = terms.iter().map(|(w, _)| w.len() - 1).sum();
        let size = (steps_needed * 2).next_power_of_two().max(16);
        let mut g = WordGrams {
            parts,
            short_keys: short_keys.into_boxed_slice(),
            short_words: short_words.into_boxed_slice(),
            short_shift,
            keys: vec![EMPTY; size].into_boxed_slice(),
            steps: vec![(NONE, NONE); size].into_boxed_slice(),
            mask: size - 1,
            longest: terms.iter().map(|(w, _)| w.len()).max().unwrap_or(0),
        };
        let mut next_prefix = words.len() as u32;
        for (w, id) in &terms {
            let mut prefix = g.part(w[0].as_bytes());
            for (k, word) in w.iter().enumerate().skip(1) {
                let key = (prefix as u64) << 32 | g.part(word.as_bytes()) as u64;
                let mut i = home(key, g.mask);
                while g.keys[i] != EMPTY && g.keys[i] != key {
                    i = (i + 1) & g.mask;
                }
                if g.keys[i] == EMPTY {
                    g.keys[i] = key;
                    g.steps[i].0 = next_prefix;
                    next_prefix += 1;
                }
                if k + 1 == w.len() {
                    g.steps[i].1 = *id;
                }
                prefix = g.steps[i].0;
            }
        }
        Some(g)
    }

    /// The part id of `word` ([`NONE`] when it is in no multi-word term).
    #[inline]
    pub(crate) fn part(&self, word: &[u8]) -> u32 {
        self.parts.get(word).unwrap_or(NONE)
    }

    /// The part id and the one-word term id ([`NONE`] for none) of the word of at most 7 bytes
    /// packed in the short key `key`.
    #[inline(always)]
    pub(crate) fn short_word(&self, key: u64) -> (u32, u32) {
        let mask = self.short_keys.len() - 1;
        let (h0, h1) = (short_home(key, self.short_shift), (short_home(key, self.short_shift) + 1) & mask);
        // SAFETY: a home is `< len` (by the shift), the next slot is masked; both tables have the
        // same length.
        let (k0, k1) = unsafe { (*self.short_keys.get_unchecked(h0), *self.short_keys.get_unchecked(h1)) };
        let (v0, v1) = unsafe { (*self.short_words.get_unchecked(h0), *self.short_words.get_unchecked(h1)) };
        let found = if k0 == key {
            v0
        } else if k1 == key {
            v1
        } else {
            (NONE, NONE)
        };
        if (k0 == key) | (k1 == key) | (k0 == EMPTY) | (k1 == EMPTY) {
            return found;
        }
        // two full slots, neither the key: the rest of the probe sequence (rare at a quarter full)
        let mut i = (h1 + 1) & mask;
        loop {
            // SAFETY: masked, as above.
            let k = unsafe { *self.short_keys.get_unchecked(i) };
            if k == key {
                return unsafe { *self.short_words.get_unchecked(i) };
            }
            if k == EMPTY {
                return (NONE, NONE);
            }
            i = (i + 1) & mask;
        }
    }

    /// The step from `prefix` by `part` (neither [`NONE`]): the next prefix and the id of the
    /// term spelled ([`NONE`] if none), or `None` when no term continues this way.
    #[inline]
    pub(crate) fn step(&self, prefix: u32, part: u32) -> Option<(u32, u32)> {
        let key = (prefix as u64) << 32 | part as u64;
        let mut i = home(key, self.mask);
        loop {
            // SAFETY: `i` is masked by `keys.len() - 1`; `steps` has the same length.
            let k = unsafe { *self.keys.get_unchecked(i) };
            if k == key {
                return Some(unsafe { *self.steps.get_unchecked(i) });
            }
            if k == EMPTY {
                return None;
            }
            i = (i + 1) & self.mask;
        }
    }

    /// Appends to `hits` the id of every term of `min_n` to `max_n` words (`min_n >= 2`) spelled
    /// by consecutive parts of `parts` (one per token, [`NONE`] for a token in no term).
    pub(crate) fn find_all(&self, parts: &[u32], min_n: usize, max_n: usize, hits: &mut Vec<u32>) {
        let max_n = max_n.min(self.longest);
        for (i, &first) in parts.iter().enumerate() {
            if first == NONE {
                continue;
            }
            let mut prefix = first;
            for (k, &p) in parts[i + 1..].iter().take(max_n.saturating_sub(1)).enumerate() {
                if p == NONE {
                    break;
                }
                let Some((next, id)) = self.step(prefix, p) else { break };
                if k + 2 >= min_n && id != NONE {
                    hits.push(id);
                }
                prefix = next;
            }
        }
    }

    /// Bytes held.
    pub(crate) fn bytes(&self) -> usize {
        self.parts.bytes() + self.short_keys.len() * 16 + self.keys.len() * 16
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn grams(terms: &[&str]) -> (Vocabulary, WordGrams) {
        let v = Vocabulary::from_terms("t", terms).unwrap();
        let ids: Vec<u32> = (0..terms.len() as u32).collect();
        let g = WordGrams::build(&v, &ids).unwrap();
        (v, g)
    }

    /// The terms of `tokens` by the trie, as sorted term strings.
    fn found(v: &Vocabulary, g: &WordGrams, tokens: &[&str], min_n: usize, max_n: usize) -> Vec<String> {
        let parts: Vec<u32> = tokens.iter().map(|t| g.part(t.as_bytes())).collect();
        let mut hits = Vec::new();
        g.find_all(&parts, min_n, max_n, &mut hits);
        let mut out: Vec<String> = hits.iter().map(|&id| v.term(id as usize).unwrap().to_string()).collect();
        out.sort();
        out
    }

    /// The terms of `tokens` by joining every n-gram, as sorted term strings.
    fn joined(v: &Vocabulary, tokens: &[&str], min_n: usize, max_n: usize) -> Vec<String> {
        let mut out = Vec::new();
        for n in min_n..=max_n {
            for w in tokens.windows(n) {
                let t = w.join(" ");
                if v.get(&t).is_some() {
                    out.push(t);
                }
            }
        }
        out.sort();
        out
    }

    #[test]
    fn finds_exactly_the_joined_terms() {
        let terms = [
            "north ridge",
            "north",
            "ridge cedar fox",
            "cedar fox",
            "fox",
            "a  b",
            "x y z w",
            "x y",
            "long_words_are_long here",
            "rose gold",
        ];
        let (v, g) = grams(&terms);
        let docs: [&[&str]; 6] = [
            &["north", "ridge", "cedar", "fox", "north"],
            &["x", "y", "z", "w", "x", "y", "z"],
            &["long_words_are_long", "here", "rose", "gold", "rose"],
            &["nothing", "here"],
            &["a", "b"],
            &[],
        ];
        for doc in docs {
            for (lo, hi) in [(2, 2), (2, 3), (2, 4), (3, 4), (2, 9), (4, 4)] {
                assert_eq!(found(&v, &g, doc, lo, hi), joined(&v, doc, lo, hi), "{doc:?} {lo}..{hi}");
            }
        }
    }

    #[test]
    fn a_vocabulary_of_single_words_has_no_trie() {
        let v = Vocabulary::from_terms("t", &["a", "bb", ""]).unwrap();
        assert!(WordGrams::build(&v, &[0, 1, 2]).is_none());
    }

    #[test]
    fn reports_the_given_ids() {
        let v = Vocabulary::from_terms("t", &["p q", "q r"]).unwrap();
        let g = WordGrams::build(&v, &[7, 3]).unwrap();
        let parts: Vec<u32> = ["p", "q", "r"].iter().map(|t| g.part(t.as_bytes())).collect();
        let mut hits = Vec::new();
        g.find_all(&parts, 2, 2, &mut hits);
        assert_eq!(hits, vec![7, 3]);
    }

    #[test]
    fn short_words_give_both_ids_past_colliding_slots() {
        // words sharing one home slot of the 64-slot short table, found by search: three in
        // two-word terms (parts) and one-word terms, two absent
        let home = |w: &str| short_home(pack_short(w.as_bytes()), 58);
        let words: Vec<String> = (0..100_000).map(|k| format!("w{k}")).collect();
        let same: Vec<&str> = words.iter().map(String::as_str).filter(|w| home(w) == home("w0")).take(5).collect();
        assert_eq!(same.len(), 5);
        let (a, b, c) = (same[0], same[1], same[2]);
        let terms = [format!("{a} {b}"), c.to_string(), format!("{b} {c}"), a.to_string(), "longerthanseven".into()];
        let refs: Vec<&str> = terms.iter().map(String::as_str).collect();
        let (v, g) = grams(&refs);
        assert_eq!(g.short_keys.len(), 64, "the table size the search assumed");
        let id = |t: &str| v.get(t).unwrap();
        let part = |w: &str| g.part(w.as_bytes());
        assert_eq!(g.short_word(pack_short(a.as_bytes())), (part(a), id(a)));
        assert_eq!(g.short_word(pack_short(b.as_bytes())), (part(b), NONE));
        assert_eq!(g.short_word(pack_short(c.as_bytes())), (part(c), id(c)));
        assert!([a, b, c].iter().all(|w| part(w) != NONE));
        for absent in &same[3..] {
            assert_eq!(g.short_word(pack_short(absent.as_bytes())), (NONE, NONE), "{absent}");
        }
    }
}
