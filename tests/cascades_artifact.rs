//! Saving and loading cascades: round trips (numeric, text with vectorizers, an opaque function
//! bound again from the traced pipeline) and every kind of bad file rejected with its reason.

mod cascades_support;

use cascades_support::*;
use willump::ops::{TfidfVectorizer, hstack, lowercase};
use willump::prelude::*;
use willump::runtime::artifact::{load_cascade, load_cascade_file, save_cascade, save_cascade_file};
use willump::runtime::models::LogisticRegression;
use willump::runtime::optimize::{CascadeConfig, CascadePipeline, FixedCosts, ProgressBar, train_cascades};

fn config() -> CascadeConfig {
    CascadeConfig { seed: 5, progress: ProgressBar::Never, measure_rows: 0, ..CascadeConfig::default() }
}

fn numeric_cascade() -> (CascadePipeline, Batch) {
    let train = binary(1500, 41);
    let model = fitted_model(&train);
    let p = three_groups_graph(&model).unwrap();
    let out = train_cascades(&p, &train.inputs(), &train.y, &FixedCosts(vec![1.0, 1.0, 2.5]), &config()).unwrap();
    (out.cascade.unwrap(), binary(500, 42))
}

fn dense(v: Value) -> ndarray::Array2<f64> {
    match v {
        Value::Dense(d) => d,
        other => panic!("{other:?}"),
    }
}

#[test]
fn numeric_round_trip() {
    let (c, test) = numeric_cascade();
    let bytes = save_cascade(&c).unwrap();
    let back = load_cascade(&bytes, None).unwrap();
    assert_eq!(back.ir_text(), c.ir_text());
    assert_eq!(back.plan(), c.plan());
    assert_eq!(dense(back.run(&test.inputs()).unwrap()), dense(c.run(&test.inputs()).unwrap()));
    // Saving again gives the same bytes.
    assert_eq!(save_cascade(&back).unwrap(), bytes);
    let path = std::env::temp_dir().join(format!("willump-cascade-{}.wc", std::process::id()));
    save_cascade_file(&path, &c).unwrap();
    let from_file = load_cascade_file(&path, None).unwrap();
    assert_eq!(from_file.plan(), c.plan());
    let _ = std::fs::remove_file(&path);
}

#[test]
fn bad_files_are_rejected() {
    let (c, _) = numeric_cascade();
    let bytes = save_cascade(&c).unwrap();
    let err = |b: &[u8]| load_cascade(b, None).unwrap_err().to_string();
    assert!(err(b"WILLUMPM....").contains("not a willump cascade file"));
    assert!(err(&bytes[..20]).contains("truncated in the header"));
    assert!(err(&bytes[..bytes.len() - 3]).contains("truncated"));
    let mut longer = bytes.clone();
    longer.push(0);
    assert!(err(&longer).contains("unexpected bytes"));
    let mut flipped = bytes.clone();
    let mid = 28 + (bytes.len() - 28) / 2;
    flipped[mid] ^= 0x40;
    assert!(err(&flipped).contains("checksum mismatch"), "{}", err(&flipped));
    let mut version = bytes.clone();
    version[8] = 9;
    assert!(err(&version).contains("format version 9"));
    // A pipeline of another structure is rejected, naming the line that differs.
    let train = binary(300, 43);
    let other = with_opaque_group_graph(&fitted_model(&train)).unwrap();
    let e = load_cascade(&bytes, Some(&other)).unwrap_err().to_string();
    assert!(e.contains("made for a different pipeline") && e.contains("line"), "{e}");
    // The same structure with other fitted values is accepted (the file carries its own state).
    let same = three_groups_graph(&fitted_model(&train)).unwrap();
    load_cascade(&bytes, Some(&same)).unwrap();
}

#[test]
fn opaque_functions_are_bound_from_the_traced_pipeline() {
    let train = binary(1500, 44);
    let model = fitted_model(&train);
    let p = with_opaque_group_graph(&model).unwrap();
    let out = train_cascades(&p, &train.inputs(), &train.y, &FixedCosts(vec![1.0, 1.0, 2.5]), &config()).unwrap();
    let c = out.cascade.unwrap();
    let bytes = save_cascade(&c).unwrap();
    let e = load_cascade(&bytes, None).unwrap_err().to_string();
    assert!(e.contains("opaque function `user_feature`") && e.contains("traced pipeline"), "{e}");
    let traced = with_opaque_group_graph(&model).unwrap();
    let back = load_cascade(&bytes, Some(&traced)).unwrap();
    let test = binary(400, 45);
    assert_eq!(dense(back.run(&test.inputs()).unwrap()), dense(c.run(&test.inputs()).unwrap()));
    assert_eq!(classes(&back.run(&test.inputs()).unwrap()), test.y);
    let e = load_cascade(&bytes, Some(&three_groups_graph(&model).unwrap())).unwrap_err().to_string();
    assert!(e.contains("different pipeline"), "{e}");
}

#[willump]
fn text_cascade(
    #[row] texts: &StringColumn,
    word: &TfidfVectorizer,
    chars: &TfidfVectorizer,
    model: &LogisticRegression,
) -> willump::Result<ndarray::Array2<f64>> {
    let lower = lowercase(texts)?;
    let w = word.transform(&lower)?;
    let c = chars.transform(&lower)?;
    let x = hstack(&[&w, &c])?;
    model.predict_proba(x.view())
}

#[test]
fn text_round_trip_keeps_vectorizers() {
    let pos = ["great fun movie", "loved it 😀", "wonderful acting", "ΣΥΓΧΑΡΗΤΗΡΙΑ great", "fun fun fun"];
    let neg = ["terrible plot", "boring and bad", "awful 👎", "hated it", "bad bad acting"];
    let (mut docs, mut y) = (Vec::new(), Vec::new());
    for i in 0..300 {
        docs.push(format!("{} {}", pos[i % 5], i % 7));
        y.push(1.0);
        docs.push(format!("{} {}", neg[i % 5], i % 3));
        y.push(0.0);
    }
    let docs = StringColumn::from(docs);
    let (word, chars, model) = fit_text_models(&docs, &y);
    let p = text_cascade_graph(&word, &chars, &model).unwrap();
    let inputs = [Value::from(docs.clone())];
    assert_eq!(dense(p.run(&inputs).unwrap()), text_cascade(&docs, &word, &chars, &model).unwrap());
    let out = train_cascades(&p, &inputs, &y, &FixedCosts(vec![1.0, 4.0]), &config()).unwrap();
    let c = out.cascade.unwrap_or_else(|| panic!("{}", out.report));
    let back = load_cascade(&save_cascade(&c).unwrap(), Some(&p)).unwrap();
    assert_eq!(dense(back.run(&inputs).unwrap()), dense(c.run(&inputs).unwrap()));
    assert_eq!(classes(&back.run(&inputs).unwrap()), y);
}
