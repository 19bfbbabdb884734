//! Rust-side behaviour of the text operators that the scikit-learn fixture cannot show: the
//! max_features tie-break, nulls, invalid input, serialization, and property tests against a
//! slow, obvious reference implementation on random Unicode strings.

use std::collections::{BTreeMap, HashMap};

use proptest::prelude::*;
use willump_ir::params::text::{
    Analyzer, AnalyzerParams, CountVectorizerParams, DocFrequency, HashingVectorizerParams, NgramRange, Norm,
    TfidfVectorizerParams,
};
use willump_runtime::ops::text::{
    CountVectorizer, HashingVectorizer, TfidfVectorizer, lowercase, murmur3_x86_32, sklearn_column, tokenize,
    tokenize_owned,
};
use willump_runtime::value::{CsrMatrix, StringColumn};

fn col(docs: &[&str]) -> StringColumn {
    StringColumn::from_strs(docs)
}

fn count(max_features: Option<usize>) -> CountVectorizerParams {
    CountVectorizerParams { max_features, ..Default::default() }
}

fn vocab(v: &CountVectorizer) -> Vec<&str> {
    v.vocabulary().terms().collect()
}

#[test]
fn max_features_ties_break_by_term_ascending() {
    // every term once: the two smallest terms survive
    let v = CountVectorizer::fit(&count(Some(2)), &col(&["dd bb", "cc aa"])).unwrap();
    assert_eq!(vocab(&v), ["aa", "bb"]);
    // zz and xx (2 each) are kept; yy and ww tie at 1 for the last place: ww wins
    let docs = ["zz zz yy xx", "xx ww"];
    let v = CountVectorizer::fit(&count(Some(3)), &col(&docs)).unwrap();
    assert_eq!(vocab(&v), ["ww", "xx", "zz"]);
    // the order of the documents does not matter
    let v2 = CountVectorizer::fit(&count(Some(3)), &col(&[docs[1], docs[0]])).unwrap();
    assert_eq!(v, v2);
    // with binary the ranking is by document frequency
    let p = CountVectorizerParams { binary: true, ..count(Some(1)) };
    let v = CountVectorizer::fit(&p, &col(&["bb bb bb", "aa", "aa"])).unwrap();
    assert_eq!(vocab(&v), ["aa"]);
    let v = CountVectorizer::fit(&count(Some(1)), &col(&["bb bb bb", "aa", "aa"])).unwrap();
    assert_eq!(vocab(&v), ["bb"]);
}

#[test]
fn nulls_are_empty_rows_and_empty_documents_in_fits() {
    let with_null = StringColumn::from_options(&[Some("aa bb"), None, Some("aa")]);
    let with_empty = col(&["aa bb", "", "aa"]);
    let p = TfidfVectorizerParams::default();
    let a = TfidfVectorizer::fit(&p, &with_null).unwrap();
    let b = TfidfVectorizer::fit(&p, &with_empty).unwrap();
    assert_eq!(a, b);
    let idf = a.idf().unwrap();
    assert!((idf[0] - ((4.0f64 / 3.0).ln() + 1.0)).abs() < 1e-15 && (idf[1] - (2.0f64.ln() + 1.0)).abs() < 1e-15);
    let m = a.transform(&with_null).unwrap();
    assert_eq!((m.n_rows(), m.row(1).0.len()), (3, 0));
    assert_eq!(m, a.transform(&with_empty).unwrap());
    // a fraction of documents counts the null rows too: "bb" is in 1 of 3 documents
    let p = CountVectorizerParams { min_df: DocFrequency::Fraction(0.5), ..Default::default() };
    assert_eq!(vocab(&CountVectorizer::fit(&p, &with_null).unwrap()), ["aa"]);
    // all rows null: no vocabulary
    let e = CountVectorizer::fit(&count(None), &StringColumn::from_options::<&str>(&[None, None])).unwrap_err();
    assert!(e.to_string().contains("empty vocabulary"), "{e}");
    // hashing and tokens keep nulls as zero rows
    let h = HashingVectorizer::new(&HashingVectorizerParams { n_features: 8, ..Default::default() }).unwrap();
    let m = h.transform(&with_null).unwrap();
    assert_eq!((m.row(1).0.len(), m.row(0).0.is_empty()), (0, false));
    let t = tokenize(&lowercase(&with_null).unwrap()).unwrap();
    assert!(!t.is_valid(1));
    assert_eq!(a.transform_tokens(&t).unwrap(), a.transform(&with_null).unwrap());
    assert_eq!(h.transform_tokens(&t).unwrap(), m);
}

#[test]
fn zero_documents() {
    let v = CountVectorizer::fit(&count(None), &col(&["aa bb"])).unwrap();
    let m = v.transform(&col(&[])).unwrap();
    assert_eq!((m.n_rows(), m.n_cols()), (0, 2));
    let e = CountVectorizer::fit(&count(None), &col(&[])).unwrap_err().to_string();
    assert!(e.contains("empty vocabulary"), "{e}");
    let h = HashingVectorizer::new(&HashingVectorizerParams::default()).unwrap();
    assert_eq!(h.transform(&col(&[])).unwrap().n_rows(), 0);
}

fn err<T: std::fmt::Debug>(r: willump_runtime::Result<T>) -> String {
    r.unwrap_err().to_string()
}

#[test]
fn invalid_parameters_name_the_op_and_the_parameter() {
    let docs = col(&["aa bb", "bb cc"]);
    let with = |f: &dyn Fn(&mut CountVectorizerParams)| {
        let mut p = CountVectorizerParams::default();
        f(&mut p);
        err(CountVectorizer::fit(&p, &docs))
    };
    let e = with(&|p| p.analysis.ngram_range = NgramRange::new(2, 1));
    assert!(e.starts_with("CountVectorizer::fit: column `ngram_range`: Invalid value for ngram_range=(2, 1)"), "{e}");
    assert!(with(&|p| p.analysis.ngram_range = NgramRange::new(0, 1)).contains("`ngram_range`"));
    assert!(with(&|p| p.min_df = DocFrequency::Fraction(1.5)).starts_with("CountVectorizer::fit: column `min_df`"));
    assert!(with(&|p| p.max_df = DocFrequency::Fraction(f64::NAN)).contains("column `max_df`"));
    assert!(with(&|p| p.min_df = DocFrequency::Count(0)).contains("column `min_df`"));
    assert!(with(&|p| p.max_features = Some(0)).contains("column `max_features`"));
    let e = with(&|p| {
        p.min_df = DocFrequency::Count(2);
        p.max_df = DocFrequency::Count(1);
    });
    assert_eq!(e, "CountVectorizer::fit: column `max_df`: max_df corresponds to < documents than min_df");
    let p = CountVectorizerParams { max_df: DocFrequency::Count(1), ..Default::default() };
    let e = err(CountVectorizer::fit(&p, &col(&["aa bb", "bb aa"])));
    assert!(e.starts_with("CountVectorizer::fit: column `documents`: After pruning, no terms remain"), "{e}");
    let e = with(&|p| p.vocabulary = Some(vec!["aa".into(), "aa".into()]));
    assert!(e.contains("Duplicate term in vocabulary: 'aa'"), "{e}");
    assert!(with(&|p| p.vocabulary = Some(vec![])).contains("empty vocabulary passed to fit"));
    let e = err(CountVectorizer::fit(&count(None), &col(&["a", "!!", " "])));
    assert_eq!(
        e,
        "CountVectorizer::fit: column `documents`: empty vocabulary; perhaps the documents only contain stop words"
    );

    let tp = TfidfVectorizerParams {
        count: CountVectorizerParams { max_features: Some(0), ..Default::default() },
        ..Default::default()
    };
    assert!(err(TfidfVectorizer::fit(&tp, &docs)).starts_with("TfidfVectorizer::fit: column `max_features`"));

    for n_features in [0, i32::MAX as u32, u32::MAX] {
        let e = err(HashingVectorizer::new(&HashingVectorizerParams { n_features, ..Default::default() }));
        assert!(e.starts_with("HashingVectorizer::new: column `n_features`"), "{e}");
    }
    assert!(
        HashingVectorizer::new(&HashingVectorizerParams { n_features: i32::MAX as u32 - 1, ..Default::default() })
            .is_ok()
    );
}

#[test]
fn tokens_need_the_word_analyzer() {
    let docs = col(&["aa bb", "bb cc"]);
    let tokens = tokenize(&docs).unwrap();
    let char_params = CountVectorizerParams {
        analysis: AnalyzerParams { analyzer: Analyzer::Char, ..Default::default() },
        ..Default::default()
    };
    let v = CountVectorizer::fit(&char_params, &docs).unwrap();
    let e = err(v.transform_tokens(&tokens));
    assert!(
        e.starts_with(
            "CountVectorizer::transform_tokens: column `tokens`: pre-tokenized input needs the word analyzer"
        ),
        "{e}"
    );
    assert!(err(CountVectorizer::fit_tokens(&char_params, &tokens)).contains("column `tokens`"));
    let h = HashingVectorizer::new(&HashingVectorizerParams {
        analysis: AnalyzerParams { analyzer: Analyzer::CharWb, ..Default::default() },
        ..Default::default()
    })
    .unwrap();
    assert!(err(h.transform_tokens(&tokens)).starts_with("HashingVectorizer::transform_tokens: column `tokens`"));
}

#[test]
fn fitted_vectorizers_round_trip_through_serde() {
    let docs = col(&["The cat sat", "the dog sat", "Σ ΣΑΣ 😀 café"]);
    let p = TfidfVectorizerParams {
        count: CountVectorizerParams {
            analysis: AnalyzerParams {
                analyzer: Analyzer::CharWb,
                ngram_range: NgramRange::new(2, 4),
                lowercase: true,
            },
            ..Default::default()
        },
        sublinear_tf: true,
        ..Default::default()
    };
    let v = TfidfVectorizer::fit(&p, &docs).unwrap();
    let json = serde_json::to_string(&v).unwrap();
    let back: TfidfVectorizer = serde_json::from_str(&json).unwrap();
    assert_eq!(back, v);
    assert_eq!(back.transform(&docs).unwrap(), v.transform(&docs).unwrap());
    let c = CountVectorizer::fit(&count(None), &docs).unwrap();
    let back: CountVectorizer = serde_json::from_str(&serde_json::to_string(&c).unwrap()).unwrap();
    assert_eq!(back.transform(&docs).unwrap(), c.transform(&docs).unwrap());
    // a corrupt artifact with a repeated term is rejected on load
    let bad = serde_json::to_string(&c).unwrap().replace("\"sat\"", "\"dog\"");
    assert!(serde_json::from_str::<CountVectorizer>(&bad).is_err());
}

// ---------------------------------------------------------------------------------------------
// A slow, obvious reference implementation, written from scikit-learn's Python source with
// Rust's standard library (its lowercase follows the same rules; the character pool below only
// holds characters whose Python 3.11 classes are listed with them, checked by hand in Python).

/// (character, Python `\w`, Python whitespace)
const POOL: &[(char, bool, bool)] = &[
    ('a', true, false),
    ('b', true, false),
    ('Z', true, false),
    ('Q', true, false),
    ('0', true, false),
    ('7', true, false),
    ('_', true, false),
    ('-', false, false),
    ('.', false, false),
    ('\'', false, false),
    (',', false, false),
    ('!', false, false),
    (' ', false, true),
    (' ', false, true),
    (' ', false, true),
    ('\t', false, true),
    ('\n', false, true),
    ('\u{1c}', false, true),
    ('\u{a0}', false, true),
    ('\u{2028}', false, true),
    ('\u{3000}', false, true),
    ('\u{200b}', false, false),
    ('é', true, false),
    ('É', true, false),
    ('ß', true, false),
    ('İ', true, false),
    ('Σ', true, false),
    ('σ', true, false),
    ('ς', true, false),
    ('Ω', true, false),
    ('ω', true, false),
    ('ǅ', true, false),
    ('日', true, false),
    ('本', true, false),
    ('²', true, false),
    ('½', true, false),
    ('Ⅻ', true, false),
    ('٣', true, false),
    ('\u{301}', false, false),
    ('\u{93f}', false, false),
    ('\u{94d}', false, false),
    ('क', true, false),
    ('😀', false, false),
    ('\u{200d}', false, false),
    ('\u{1f3fd}', false, false),
    ('\u{fe0f}', false, false),
    ('Ꭰ', true, false),
    ('ﬁ', true, false),
    ('ŉ', true, false),
    ('\u{345}', false, false),
    ('ʰ', true, false),
    // lowercase forms of the above (İ lowercases to i + U+0307, a combining mark)
    ('ꭰ', true, false),
    ('ǆ', true, false),
    ('ⅻ', true, false),
    ('\u{307}', false, false),
];

fn is_word(c: char) -> bool {
    POOL.iter().find(|p| p.0 == c).map(|p| p.1).unwrap_or_else(|| c.is_ascii_alphanumeric() || c == '_')
}

fn is_space(c: char) -> bool {
    POOL.iter().find(|p| p.0 == c).map(|p| p.2).unwrap_or(c.is_ascii_whitespace())
}

fn ref_tokens(s: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut run = String::new();
    for c in s.chars().chain(std::iter::once('\u{0}')) {
        if is_word(c) {
            run.push(c);
        } else {
            if run.chars().count() >= 2 {
                out.push(run.clone());
            }
            run.clear();
        }
    }
    out
}

fn ref_terms(p: &AnalyzerParams, doc: &str) -> Vec<String> {
    let doc = if p.lowercase { doc.to_lowercase() } else { doc.to_string() };
    let (min_n, max_n) = (p.ngram_range.min_n, p.ngram_range.max_n);
    let mut out = Vec::new();
    match p.analyzer {
        Analyzer::Word => {
            let toks = ref_tokens(&doc);
            for n in min_n..=max_n {
                for w in toks.windows(n) {
                    out.push(w.join(" "));
                }
            }
        }
        Analyzer::Char => {
            // re.sub(r"\s\s+", " ", doc)
            let chars: Vec<char> = doc.chars().collect();
            let mut text = Vec::new();
            let mut i = 0;
            while i < chars.len() {
                let mut j = i;
                while j < chars.len() && is_space(chars[j]) {
                    j += 1;
                }
                if j - i >= 2 {
                    text.push(' ');
                    i = j;
                } else {
                    text.push(chars[i]);
                    i += 1;
                }
            }
            for n in min_n..=max_n {
                for w in text.windows(n) {
                    out.push(w.iter().collect());
                }
            }
        }
        Analyzer::CharWb => {
            for word in doc.split(is_space).filter(|w| !w.is_empty()) {
                let w: Vec<char> = format!(" {word} ").chars().collect();
                for n in min_n..=max_n {
                    let mut offset = 0;
                    out.push(w[offset..(offset + n).min(w.len())].iter().collect());
                    while offset + n < w.len() {
                        offset += 1;
                        out.push(w[offset..offset + n].iter().collect());
                    }
                    if offset == 0 {
                        break;
                    }
                }
            }
        }
    }
    out
}

fn normalize(row: &mut [f64], norm: Option<Norm>) {
    let s: f64 = match norm {
        None => return,
        Some(Norm::L1) => row.iter().map(|v| v.abs()).sum(),
        Some(Norm::L2) => row.iter().map(|v| v * v).sum::<f64>().sqrt(),
    };
    if s > 0.0 {
        row.iter_mut().for_each(|v| *v /= s);
    }
}

/// The reference TF-IDF: vocabulary and dense output of fitting and transforming `docs`, or
/// `None` when scikit-learn raises.
fn ref_tfidf(p: &TfidfVectorizerParams, docs: &[Option<String>]) -> Option<(Vec<String>, Vec<Vec<f64>>)> {
    let c = &p.count;
    let per_doc: Vec<HashMap<String, usize>> = docs
        .iter()
        .map(|d| {
            let mut m = HashMap::new();
            for t in d.as_deref().map(|d| ref_terms(&c.analysis, d)).unwrap_or_default() {
                *m.entry(t).or_insert(0) += 1;
            }
            m
        })
        .collect();
    let mut stats: BTreeMap<String, (usize, usize)> = BTreeMap::new(); // df, tf
    for m in &per_doc {
        for (t, &n) in m {
            let e = stats.entry(t.clone()).or_default();
            e.0 += 1;
            e.1 += if c.binary { 1 } else { n };
        }
    }
    if stats.is_empty() {
        return None;
    }
    let n = docs.len() as f64;
    let bound = |d: DocFrequency| match d {
        DocFrequency::Count(k) => k as f64,
        DocFrequency::Fraction(f) => f * n,
    };
    let (high, low) = (bound(c.max_df), bound(c.min_df));
    if high < low {
        return None;
    }
    let mut kept: Vec<(&String, &(usize, usize))> =
        stats.iter().filter(|(_, s)| s.0 as f64 <= high && s.0 as f64 >= low).collect();
    if let Some(limit) = c.max_features {
        kept.sort_by(|a, b| b.1.1.cmp(&a.1.1).then(a.0.cmp(b.0)));
        kept.truncate(limit);
        kept.sort_by(|a, b| a.0.cmp(b.0));
    }
    if kept.is_empty() {
        return None;
    }
    let terms: Vec<String> = kept.iter().map(|(t, _)| (*t).clone()).collect();
    let s = p.smooth_idf as usize as f64;
    let idf: Vec<f64> = kept.iter().map(|(_, st)| ((n + s) / (st.0 as f64 + s)).ln() + 1.0).collect();
    let rows = per_doc
        .iter()
        .map(|m| {
            let mut row: Vec<f64> = terms
                .iter()
                .enumerate()
                .map(|(j, t)| {
                    let Some(&tf) = m.get(t) else { return 0.0 };
                    let mut v = if c.binary { 1.0 } else { tf as f64 };
                    if p.sublinear_tf {
                        v = v.ln() + 1.0;
                    }
                    if p.use_idf { v * idf[j] } else { v }
                })
                .collect();
            normalize(&mut row, p.norm);
            row
        })
        .collect();
    Some((terms, rows))
}

fn ref_hashing(p: &HashingVectorizerParams, docs: &[Option<String>]) -> Vec<Vec<f64>> {
    docs.iter()
        .map(|d| {
            let mut sums: BTreeMap<u32, f64> = BTreeMap::new();
            for t in d.as_deref().map(|d| ref_terms(&p.analysis, d)).unwrap_or_default() {
                let (col, sign) = sklearn_column(murmur3_x86_32(t.as_bytes(), 0) as i32, p.n_features);
                *sums.entry(col).or_insert(0.0) += if p.alternate_sign { sign } else { 1.0 };
            }
            let mut row = vec![0.0; p.n_features as usize];
            for (c, v) in sums {
                // binary sets every stored entry to 1, a cancelled (zero) sum included
                row[c as usize] = if p.binary { 1.0 } else { v };
            }
            normalize(&mut row, p.norm);
            row
        })
        .collect()
}

fn assert_well_formed(m: &CsrMatrix, rows: usize) {
    assert_eq!(m.n_rows(), rows);
    let again =
        CsrMatrix::try_new(m.n_rows(), m.n_cols(), m.indptr().to_vec(), m.indices().to_vec(), m.data().to_vec());
    assert!(again.is_ok(), "{again:?}");
    assert!(m.has_sorted_indices());
    assert!(m.data().iter().all(|v| v.is_finite()));
}

fn assert_dense_close(m: &CsrMatrix, expected: &[Vec<f64>]) {
    let d = m.to_dense();
    for (i, row) in expected.iter().enumerate() {
        for (j, &e) in row.iter().enumerate() {
            let g = d[[i, j]];
            assert!((g - e).abs() <= 1e-12 * e.abs().max(1.0), "row {i} col {j}: {g} vs {e}");
        }
    }
}

fn doc_strategy() -> impl Strategy<Value = Option<String>> {
    let chars =
        proptest::collection::vec(proptest::sample::select(POOL.iter().map(|p| p.0).collect::<Vec<_>>()), 0..30);
    prop_oneof![1 => Just(None), 9 => chars.prop_map(|c| Some(c.into_iter().collect::<String>()))]
}

fn analysis_strategy() -> impl Strategy<Value = AnalyzerParams> {
    (
        prop_oneof![Just(Analyzer::Word), Just(Analyzer::Char), Just(Analyzer::CharWb)],
        1usize..4,
        0usize..3,
        any::<bool>(),
    )
        .prop_map(|(analyzer, min_n, extra, lowercase)| AnalyzerParams {
            analyzer,
            ngram_range: NgramRange::new(min_n, min_n + extra),
            lowercase,
        })
}

fn df_strategy() -> impl Strategy<Value = DocFrequency> {
    prop_oneof![(1u64..4).prop_map(DocFrequency::Count), (0.0f64..=1.0).prop_map(DocFrequency::Fraction)]
}

fn norm_strategy() -> impl Strategy<Value = Option<Norm>> {
    prop_oneof![Just(None), Just(Some(Norm::L1)), Just(Some(Norm::L2))]
}

fn tfidf_strategy() -> impl Strategy<Value = TfidfVectorizerParams> {
    (
        analysis_strategy(),
        prop_oneof![2 => Just(DocFrequency::Fraction(1.0)), 1 => df_strategy()],
        prop_oneof![2 => Just(DocFrequency::Count(1)), 1 => df_strategy()],
        proptest::option::of(1usize..12),
        any::<bool>(),
        (norm_strategy(), any::<bool>(), any::<bool>(), any::<bool>()),
    )
        .prop_map(|(analysis, max_df, min_df, max_features, binary, (norm, use_idf, smooth_idf, sublinear_tf))| {
            TfidfVectorizerParams {
                count: CountVectorizerParams { analysis, max_df, min_df, max_features, binary, vocabulary: None },
                norm,
                use_idf,
                smooth_idf,
                sublinear_tf,
            }
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn lowercase_and_tokens_match_the_reference(docs in proptest::collection::vec(doc_strategy(), 0..6)) {
        let c = StringColumn::from_options(&docs);
        let lower = lowercase(&c).unwrap();
        let tokens = tokenize(&c).unwrap();
        for (i, d) in docs.iter().enumerate() {
            prop_assert_eq!(lower.get(i).map(str::to_string), d.as_ref().map(|d| d.to_lowercase()));
            let got: Vec<String> = tokens.tokens(i).map(str::to_string).collect();
            prop_assert_eq!(got, d.as_deref().map(ref_tokens).unwrap_or_default());
        }
    }

    #[test]
    fn tfidf_matches_the_reference(docs in proptest::collection::vec(doc_strategy(), 0..7), p in tfidf_strategy()) {
        let c = StringColumn::from_options(&docs);
        let expected = ref_tfidf(&p, &docs);
        let got = TfidfVectorizer::fit_transform(&p, &c);
        match (expected, got) {
            (None, Err(_)) => {}
            (Some((terms, rows)), Ok((v, m))) => {
                prop_assert_eq!(v.vocabulary().terms().collect::<Vec<_>>(), terms.iter().map(String::as_str).collect::<Vec<_>>());
                assert_well_formed(&m, docs.len());
                assert_dense_close(&m, &rows);
                let t = v.transform(&c).unwrap();
                prop_assert_eq!(&t, &m);
                // the count vectorizer gives the same vocabulary and the raw counts' pattern
                let (cv, cm) = CountVectorizer::fit_transform(&p.count, &c).unwrap();
                prop_assert_eq!(cv.vocabulary(), v.vocabulary());
                assert_well_formed(&cm, docs.len());
                prop_assert_eq!(cm.indptr(), m.indptr());
                prop_assert_eq!(cm.indices(), m.indices());
                if p.count.analysis.analyzer == Analyzer::Word {
                    let lowered = if p.count.analysis.lowercase { lowercase(&c).unwrap() } else { c.clone() };
                    let tokens = tokenize_owned(lowered).unwrap();
                    prop_assert_eq!(v.transform_tokens(&tokens).unwrap(), t);
                }
            }
            (e, g) => prop_assert!(false, "reference {:?} vs willump {:?}", e.map(|x| x.0), g.map(|x| x.0)),
        }
    }

    #[test]
    fn hashing_matches_the_reference(
        docs in proptest::collection::vec(doc_strategy(), 0..6),
        analysis in analysis_strategy(),
        n_features in 1u32..20,
        (alternate_sign, binary, norm) in (any::<bool>(), any::<bool>(), norm_strategy()),
    ) {
        let p = HashingVectorizerParams { analysis, n_features, alternate_sign, norm, binary };
        let m = HashingVectorizer::new(&p).unwrap().transform(&StringColumn::from_options(&docs)).unwrap();
        assert_well_formed(&m, docs.len());
        prop_assert_eq!(m.n_cols(), n_features as usize);
        assert_dense_close(&m, &ref_hashing(&p, &docs));
    }
}

#[test]
fn one_row_queries_equal_the_batch_rows() {
    // A vocabulary much larger than the batch takes the sparse row counter; a batch the dense one.
    let docs: Vec<String> =
        (0..300).map(|i| format!("w{i} w{} shared Shared x{} é{}", i * 7 % 300, i % 13, i % 5)).collect();
    let c = StringColumn::from_strs(&docs);
    for analyzer in [Analyzer::Word, Analyzer::Char, Analyzer::CharWb] {
        let p = TfidfVectorizerParams {
            count: CountVectorizerParams {
                analysis: AnalyzerParams { analyzer, ngram_range: NgramRange::new(1, 3), lowercase: true },
                ..Default::default()
            },
            ..Default::default()
        };
        let v = TfidfVectorizer::fit(&p, &c).unwrap();
        assert!(v.vocabulary().len() > 64, "{}", v.vocabulary().len());
        let batch = v.transform(&c).unwrap();
        for i in [0, 1, 150, 299] {
            let one = v.transform(&StringColumn::from_strs(&[docs[i].as_str()])).unwrap();
            assert_eq!(one.row(0), batch.row(i), "{analyzer:?} row {i}");
        }
    }
}
