//! End to end on a text pipeline: the eager function and the lifted graph agree, the IR reads
//! as expected, and recognition is by type (a renamed import and a type alias lift the same).

use willump::ops::lowercase as lower_alias;
use willump::ops::{TfidfVectorizer, hstack, lowercase};
use willump::prelude::*;
use willump::runtime::models::{LogisticRegression, LogisticRegressionSpec};
use willump::runtime::value::Matrix;
use willump_ir::params::text::{Analyzer, AnalyzerParams, CountVectorizerParams, NgramRange, TfidfVectorizerParams};

type Tfidf = TfidfVectorizer;

#[willump]
fn text_pipeline(
    #[row] texts: &StringColumn,
    word: &TfidfVectorizer,
    chars: &Tfidf,
    model: &LogisticRegression,
) -> willump::Result<ndarray::Array2<f64>> {
    let lower = lowercase(texts)?;
    let w = word.transform(&lower)?;
    let c = chars.transform(&lower)?;
    let x = hstack(&[&w, &c])?;
    model.predict_proba(x.view())
}

#[willump]
fn renamed(
    #[row] texts: &StringColumn,
    word: &Tfidf,
    chars: &TfidfVectorizer,
    model: &LogisticRegression,
) -> willump::Result<ndarray::Array2<f64>> {
    let lower = lower_alias(texts)?;
    let w = word.transform(&lower)?;
    let c = chars.transform(&lower)?;
    let x = willump::runtime::api::hstack(&[&w, &c])?;
    model.predict_proba(x.view())
}

fn user_len_feature(texts: &StringColumn) -> willump::Result<Matrix> {
    let v: Vec<f64> = texts.iter().map(|t| t.map_or(0.0, |s| s.chars().count() as f64)).collect();
    let n = v.len();
    Ok(Matrix::Dense(ndarray::Array2::from_shape_vec((n, 1), v).unwrap()))
}

#[willump]
fn with_opaque(
    #[row] texts: &StringColumn,
    word: &TfidfVectorizer,
    model: &LogisticRegression,
) -> willump::Result<Vec<f64>> {
    let lower = lowercase(texts)?;
    let w = word.transform(&lower)?;
    let len = user_len_feature(texts)?;
    let x = hstack(&[&w, &len])?;
    model.predict(x.view())
}

fn corpus() -> (StringColumn, Vec<f64>) {
    let pos = ["great fun movie", "loved it 😀", "wonderful acting", "ΣΥΓΧΑΡΗΤΗΡΙΑ great", "fun fun fun"];
    let neg = ["terrible plot", "boring and bad", "awful 👎", "hated it", "bad bad acting"];
    let mut docs = Vec::new();
    let mut y = Vec::new();
    for i in 0..60 {
        docs.push(format!("{} {}", pos[i % 5], i % 7));
        y.push(1.0);
        docs.push(format!("{} {}", neg[i % 5], i % 3));
        y.push(0.0);
    }
    (StringColumn::from(docs), y)
}

fn fitted() -> (TfidfVectorizer, TfidfVectorizer, LogisticRegression, StringColumn, Vec<f64>) {
    let (docs, y) = corpus();
    let word = TfidfVectorizer::fit(&TfidfVectorizerParams::default(), &docs).unwrap();
    let chars = TfidfVectorizer::fit(
        &TfidfVectorizerParams {
            count: CountVectorizerParams {
                analysis: AnalyzerParams {
                    analyzer: Analyzer::Char,
                    ngram_range: NgramRange { min_n: 2, max_n: 4 },
                    lowercase: true,
                },
                max_features: Some(300),
                ..Default::default()
            },
            ..Default::default()
        },
        &docs,
    )
    .unwrap();
    let lower = lowercase(&docs).unwrap();
    let x = hstack(&[&word.transform(&lower).unwrap(), &chars.transform(&lower).unwrap()]).unwrap();
    let model = LogisticRegressionSpec::default().fit(x.view(), &y).unwrap();
    (word, chars, model, docs, y)
}

#[test]
fn eager_and_lifted_agree() {
    let (word, chars, model, docs, _) = fitted();
    let eager = text_pipeline(&docs, &word, &chars, &model).unwrap();
    let p = text_pipeline_graph(&word, &chars, &model).unwrap();
    let out = p.run(&[Value::from(docs.clone())]).unwrap();
    let Value::Dense(lifted) = out else { panic!("expected dense probabilities, got {out:?}") };
    assert_eq!(eager, lifted, "bit-identical: the same ops run in the same order");
    // Subsets of rows give the rows' results.
    let rows = [5usize, 0, 5, 17];
    let Value::Dense(sub) = p.run_rows(&[Value::from(docs)], &rows).unwrap() else { panic!() };
    for (k, &r) in rows.iter().enumerate() {
        assert_eq!(sub.row(k), eager.row(r));
    }
}

#[test]
fn ir_and_groups() {
    let (word, chars, model, _, _) = fitted();
    let p = text_pipeline_graph(&word, &chars, &model).unwrap();
    let ir = p.ir_text();
    for line in [
        "= lowercase(v0)",
        "= vectorize(s0, v1)",
        "= vectorize(s1, v1)",
        "= stack(v2, v3)",
        "model[output=proba](s2, v4)",
    ] {
        assert!(ir.contains(line), "missing `{line}` in\n{ir}");
    }
    let groups = p.feature_groups().unwrap();
    assert_eq!(groups.groups.len(), 2);
    assert_eq!(groups.groups[0].name, "w");
    assert_eq!(groups.groups[1].name, "c");
    let nw = word.vocabulary().len();
    assert_eq!(groups.groups[0].columns, Some(std::iter::once(0..nw).collect()));
}

#[test]
fn renamed_import_and_alias_lift_the_same_ir() {
    let (word, chars, model, _, _) = fitted();
    let a = text_pipeline_graph(&word, &chars, &model).unwrap().ir_text();
    let b = renamed_graph(&word, &chars, &model).unwrap().ir_text();
    let strip = |s: &str| s.lines().skip(1).collect::<Vec<_>>().join("\n");
    assert_eq!(strip(&a), strip(&b));
    let docs = corpus().0;
    assert_eq!(text_pipeline(&docs, &word, &chars, &model).unwrap(), renamed(&docs, &word, &chars, &model).unwrap());
    println!("{a}");
}

#[test]
fn unknown_calls_become_opaque_groups() {
    let (word, _, _, docs, y) = fitted();
    let lower = lowercase(&docs).unwrap();
    let x = hstack(&[&word.transform(&lower).unwrap(), &user_len_feature(&docs).unwrap()]).unwrap();
    let model = LogisticRegressionSpec::default().fit(x.view(), &y).unwrap();
    let eager = with_opaque(&docs, &word, &model).unwrap();
    let p = with_opaque_graph(&word, &model).unwrap();
    assert!(p.ir_text().contains("opaque(s1, v0)"), "{}", p.ir_text());
    let Value::Column(Column::F64(lifted)) = p.run(&[Value::from(docs)]).unwrap() else { panic!() };
    assert_eq!(lifted.values(), &eager[..]);
    let groups = p.feature_groups().unwrap();
    assert_eq!(groups.groups.iter().map(|g| g.name.as_str()).collect::<Vec<_>>(), ["w", "len"]);
}

#[test]
fn invalid_inputs_are_errors() {
    let (word, chars, model, docs, _) = fitted();
    let p = text_pipeline_graph(&word, &chars, &model).unwrap();
    let e = p.run(&[]).unwrap_err().to_string();
    assert!(e.contains("takes 1 row input"), "{e}");
    let e = p.run(&[Value::from(F64Column::from(vec![1.0]))]).unwrap_err().to_string();
    assert!(e.contains("texts") && e.contains("expected a str column"), "{e}");
    let e = p.run(&[Value::from(docs.clone()), Value::from(docs)]).unwrap_err().to_string();
    assert!(e.contains("takes 1 row input"), "{e}");
}
