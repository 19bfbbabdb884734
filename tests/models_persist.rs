//! Save / load round trips of every model class, and rejection of truncated, corrupted,
//! wrong-version and wrong-class files.

use ndarray::Array2;
use willump_runtime::models::{
    GbdtObjective, GbdtSpec, LinearRegressionSpec, LogisticRegressionSpec, MODEL_FORMAT_VERSION, Model, Penalty,
    load_lightgbm, load_model, load_model_of_class, save_model,
};
use willump_runtime::rng::Rng;
use willump_runtime::value::{CsrMatrix, MatrixRef};

fn data(n: usize, d: usize, seed: u64) -> (Array2<f64>, Vec<f64>) {
    let mut rng = Rng::new(seed);
    let x = Array2::from_shape_fn((n, d), |_| rng.normal());
    let y = x.rows().into_iter().map(|r| ((r[0] + 0.5 * r[1] > 0.0) as usize + (r[0] > 1.0) as usize) as f64).collect();
    (x, y)
}

fn models() -> Vec<Box<dyn Model>> {
    let (x, y3) = data(300, 4, 1);
    let y2: Vec<f64> = y3.iter().map(|&v| (v > 0.0) as i32 as f64).collect();
    let yr: Vec<f64> = x.rows().into_iter().map(|r| r[0] * 2.0 - r[2]).collect();
    let mut xn = x.clone();
    xn.column_mut(1).iter_mut().step_by(4).for_each(|v| *v = f64::NAN);
    let dense = MatrixRef::Dense(x.view());
    let sparse = CsrMatrix::from_dense(&x);
    let gbdt = GbdtSpec { n_trees: 5, num_leaves: 6, n_threads: 1, ..GbdtSpec::default() };
    let lightgbm =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/lightgbm/categorical.txt"))
            .unwrap();
    vec![
        Box::new(LogisticRegressionSpec::default().fit(dense, &y2).unwrap()),
        Box::new(
            LogisticRegressionSpec { penalty: Penalty::L1, c: 0.5, ..Default::default() }
                .fit(MatrixRef::Sparse(&sparse), &y3)
                .unwrap(),
        ),
        Box::new(LinearRegressionSpec { alpha: 1.0, fit_intercept: true }.fit(dense, &yr).unwrap()),
        Box::new(gbdt.fit(MatrixRef::Dense(xn.view()), &y2).unwrap()),
        Box::new(gbdt.fit(dense, &y3).unwrap()),
        Box::new(GbdtSpec { objective: GbdtObjective::Regression, ..gbdt }.fit(dense, &yr).unwrap()),
        Box::new(load_lightgbm(&lightgbm).unwrap()),
    ]
}

#[test]
fn every_model_round_trips_exactly() {
    for model in models() {
        let bytes = save_model(model.as_ref()).unwrap();
        let loaded = load_model(&bytes).unwrap();
        assert_eq!(loaded.name(), model.name());
        assert_eq!(loaded.task(), model.task());
        assert_eq!(loaded.spec(), model.spec());
        assert_eq!(loaded.to_saved().unwrap(), model.to_saved().unwrap());
        let mut x = data(50, model.n_features(), 9).0;
        x[[0, 1]] = f64::NAN;
        if model.name() != "gbdt" {
            x[[0, 1]] = 0.0; // linear models reject NaN
        }
        let a = model.decision_function(MatrixRef::Dense(x.view())).unwrap();
        let b = loaded.decision_function(MatrixRef::Dense(x.view())).unwrap();
        assert!(a.iter().zip(&b).all(|(p, q)| p.to_bits() == q.to_bits()), "{}", model.name());
        assert!(load_model_of_class(&bytes, model.name()).is_ok());
        assert_eq!(save_model(loaded.as_ref()).unwrap(), bytes, "saving is deterministic");
    }
}

fn crc32(parts: &[&[u8]]) -> u32 {
    let mut c = 0xFFFF_FFFFu32;
    for p in parts {
        for &b in *p {
            c ^= b as u32;
            for _ in 0..8 {
                c = if c & 1 == 1 { 0xEDB8_8320 ^ (c >> 1) } else { c >> 1 };
            }
        }
    }
    !c
}

#[test]
fn damaged_files_are_rejected() {
    let all = models();
    let model = &all[3];
    let bytes = save_model(model.as_ref()).unwrap();
    let err = |b: &[u8]| load_model(b).map(|_| ()).unwrap_err().to_string();
    assert!(err(&[]).contains("not a willump model file"));
    assert!(err(b"GIF89a..............................").contains("not a willump model file"));
    // Every truncation fails.
    for cut in 0..bytes.len() {
        assert!(load_model(&bytes[..cut]).is_err(), "truncated at {cut} accepted");
    }
    assert!(err(&bytes[..bytes.len() - 1]).contains("truncated"));
    let mut longer = bytes.clone();
    longer.push(0);
    assert!(err(&longer).contains("unexpected bytes"));
    // Any single flipped bit fails (magic, version, lengths, checksum or payload).
    for at in (0..bytes.len()).step_by(7) {
        let mut b = bytes.clone();
        b[at] ^= 0x10;
        assert!(load_model(&b).is_err(), "flipped byte {at} accepted");
    }
    let payload_at = bytes.len() - 10;
    let mut b = bytes.clone();
    b[payload_at] ^= 1;
    assert!(err(&b).contains("checksum"));
    // Another version.
    let mut b = bytes.clone();
    b[8..12].copy_from_slice(&(MODEL_FORMAT_VERSION + 1).to_le_bytes());
    assert!(err(&b).contains("format version 2"));
    // The wrong class: asked for explicitly, or a header that lies about its payload.
    assert!(
        load_model_of_class(&bytes, "logistic_regression").map(|_| ()).unwrap_err().to_string().contains("expected")
    );
    let name_len = u16::from_le_bytes([bytes[12], bytes[13]]) as usize;
    let payload = &bytes[14 + name_len + 12..];
    let fake = b"linear_regression";
    let mut forged = Vec::new();
    forged.extend_from_slice(&bytes[..12]);
    forged.extend_from_slice(&(fake.len() as u16).to_le_bytes());
    forged.extend_from_slice(fake);
    forged.extend_from_slice(&(payload.len() as u64).to_le_bytes());
    forged.extend_from_slice(&crc32(&[fake, payload]).to_le_bytes());
    forged.extend_from_slice(payload);
    assert!(err(&forged).contains("payload holds a `gbdt`"), "{}", err(&forged));
    // A valid envelope around a payload that fails the model's own validation.
    let garbage = [7u8; 40];
    let name = b"gbdt";
    let mut g = Vec::new();
    g.extend_from_slice(&bytes[..12]);
    g.extend_from_slice(&(name.len() as u16).to_le_bytes());
    g.extend_from_slice(name);
    g.extend_from_slice(&(garbage.len() as u64).to_le_bytes());
    g.extend_from_slice(&crc32(&[name, &garbage]).to_le_bytes());
    g.extend_from_slice(&garbage);
    assert!(err(&g).contains("does not decode"), "{}", err(&g));
}
