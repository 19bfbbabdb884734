//! [`OccurrenceScores`]: a plain-tf text block (TF-IDF or counts, L2 norm or none) feeding one
//! linear output, scored occurrence by occurrence, for the fused scorers (the compiled text
//! kernel and the hand-fused scorer).
//!
//! Such a block is linear in its counts: occurrence number `k` (from 1) of term `j` adds
//! `w_j * idf_j` to the block's dot product and `(2k - 1) * idf_j^2` to its squared norm (the
//! square grows from `(k-1)^2` to `k^2`), so `dot / sqrt(norm2)` needs no second pass over the
//! document's terms. Each term's two factors and this thread's count of it sit in one 32-byte
//! record, in the vocabulary's id order ([`PackedVocabulary::ranked`](super::PackedVocabulary::ranked):
//! most frequent terms first), so an occurrence touches one cache line and the records most
//! occurrences touch are packed together. Counts reset per document by a generation stamp.
//!
//! The records hold this thread's counts: each thread scores with its own copy (`Clone`).

use crate::error::{Error, Result};

/// How many occurrences ahead [`OccurrenceScores::score`] prefetches a record.
const AHEAD: usize = 8;

/// One term's factors and count (see the module docs).
#[derive(Debug, Clone, Copy)]
#[repr(C, align(32))]
struct Record {
    /// The model weight times the idf (the weight without idf).
    weight_idf: f64,
    /// The idf squared (1 without idf).
    idf2: f64,
    /// Generation (high 32 bits) and count (low 32 bits).
    count: u64,
}

/// A plain-tf block's per-term factors and one thread's counts; see the module docs.
#[derive(Debug, Clone)]
pub struct OccurrenceScores {
    records: Vec<Record>,
    generation: u32,
    l2: bool,
}

impl OccurrenceScores {
    /// The scores of a block whose ids map to columns by `columns` (`columns[id]`), with the
    /// model weights `weights` and the idf `idf` (both per column; `None`: plain counts),
    /// L2-normalized when `l2`. Errors when a column is out of range of the weights or idf.
    pub fn new(columns: &[u32], weights: &[f64], idf: Option<&[f64]>, l2: bool) -> Result<OccurrenceScores> {
        let op = "OccurrenceScores::new";
        if idf.is_some_and(|f| f.len() != weights.len()) {
            return Err(Error::invalid(
                op,
                "idf",
                format!("{} idf values for {} weights", idf.map_or(0, <[f64]>::len), weights.len()),
            ));
        }
        let records = columns
            .iter()
            .map(|&c| {
                let w = *weights
                    .get(c as usize)
                    .ok_or_else(|| Error::invalid(op, "weights", format!("column {c} of {} weights", weights.len())))?;
                let f = idf.map_or(1.0, |f| f[c as usize]);
                Ok(Record { weight_idf: w * f, idf2: f * f, count: 0 })
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(OccurrenceScores { records, generation: 0, l2 })
    }

    /// Number of terms.
    pub fn len(&self) -> usize {
        self.records.len()
    }

    /// Whether there are no terms.
    pub fn is_empty(&self) -> bool {
        self.records.is_empty()
    }

    /// The block's contribution to the output of a document whose term occurrences are `ids`
    /// (any order; each id `< len()`, else this panics). Sums run in the order of `ids`.
    #[inline]
    pub fn score(&mut self, ids: &[u32]) -> f64 {
        self.generation = self.generation.wrapping_add(1);
        if self.generation == 0 {
            // wrapped: old stamps could read as current
            self.records.iter_mut().for_each(|r| r.count = 0);
            self.generation = 1;
        }
        let g = self.generation;
        let records = &mut self.records[..];
        let (mut dot, mut norm2) = (0.0f64, 0.0f64);
        for (j, &id) in ids.iter().enumerate() {
            // the ids are known ahead: start loading a later one's record now
            if let Some(&a) = ids.get(j + AHEAD) {
                super::prefetch(records.as_ptr().wrapping_add(a as usize));
            }
            let r = &mut records[id as usize];
            let before = if (r.count >> 32) as u32 == g { r.count as u32 } else { 0 };
            r.count = (g as u64) << 32 | before.wrapping_add(1) as u64;
            dot += r.weight_idf;
            norm2 += (2 * before as u64 + 1) as f64 * r.idf2;
        }
        if self.l2 && norm2 > 0.0 { dot / norm2.sqrt() } else { dot }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The block's value computed the slow way: counts, tf-idf, L2 norm, dot product.
    fn reference(ids: &[u32], columns: &[u32], w: &[f64], idf: Option<&[f64]>, l2: bool) -> f64 {
        let mut counts = vec![0.0; w.len()];
        for &id in ids {
            counts[columns[id as usize] as usize] += 1.0;
        }
        let v: Vec<f64> = counts.iter().enumerate().map(|(c, k)| k * idf.map_or(1.0, |f| f[c])).collect();
        let norm = v.iter().map(|x| x * x).sum::<f64>().sqrt();
        let dot: f64 = v.iter().zip(w).map(|(a, b)| a * b).sum();
        if l2 && norm > 0.0 { dot / norm } else { dot }
    }

    #[test]
    fn equals_the_reference_across_documents_orders_and_wraparound() {
        let columns = [2u32, 0, 3, 1];
        let w = [0.5, -1.25, 2.0, 0.125];
        let idf = [1.0, 1.5, 2.25, 3.0];
        for l2 in [true, false] {
            for idf in [Some(&idf[..]), None] {
                let mut s = OccurrenceScores::new(&columns, &w, idf, l2).unwrap();
                for doc in [&[0u32, 1, 1, 3, 0, 0][..], &[], &[2], &[3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 1, 2, 0]] {
                    let got = s.score(doc);
                    let want = reference(doc, &columns, &w, idf, l2);
                    assert!((got - want).abs() < 1e-12, "{doc:?}: {got} vs {want}");
                }
                s.generation = u32::MAX - 1;
                s.score(&[1, 1]);
                assert_eq!(s.generation, u32::MAX);
                let got = s.score(&[1]);
                assert_eq!(s.generation, 1);
                assert!((got - reference(&[1], &columns, &w, idf, l2)).abs() < 1e-12);
            }
        }
        assert_eq!(s_empty(), 0.0);
    }

    fn s_empty() -> f64 {
        OccurrenceScores::new(&[], &[], None, true).unwrap().score(&[])
    }

    #[test]
    fn rejects_mismatched_widths() {
        let e = OccurrenceScores::new(&[0, 5], &[1.0, 2.0], None, true).unwrap_err().to_string();
        assert!(e.contains("OccurrenceScores::new") && e.contains("weights"), "{e}");
        let e = OccurrenceScores::new(&[0], &[1.0, 2.0], Some(&[1.0]), true).unwrap_err().to_string();
        assert!(e.contains("idf"), "{e}");
    }
}
