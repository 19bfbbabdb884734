//! The numeric operators: values, IEEE edge cases, missing values, empty columns and invalid
//! input.

use ndarray::array;
use proptest::prelude::*;
use willump_ir::params::numeric::{
    ArithOp, BucketRule, BucketizeParams, ClipParams, ConstArithParams, ConstSide, FillMissingParams, OneHotParams,
};
use willump_ir::params::table::Scalar;
use willump_runtime::Error;
use willump_runtime::ops::numeric::{
    OneHotCategories, OneHotEncoder, arith, arith_const, bucketize, clip, fill_missing, log1p, table_to_dense, to_dense,
};
use willump_runtime::value::{BoolColumn, Column, F64Column, I64Column, StringColumn, Table};

const INF: f64 = f64::INFINITY;
const NAN: f64 = f64::NAN;

fn f(v: &[Option<f64>]) -> Column {
    Column::F64(F64Column::from_options(v))
}

/// Compares option-of-float sequences treating NaN as equal to NaN.
fn same(a: &F64Column, b: &[Option<f64>]) {
    let a: Vec<Option<f64>> = a.iter().collect();
    assert_eq!(a.len(), b.len(), "{a:?} vs {b:?}");
    for (x, y) in a.iter().zip(b) {
        match (x, y) {
            (Some(x), Some(y)) => assert!((x.is_nan() && y.is_nan()) || x == y, "{a:?} vs {b:?}"),
            (None, None) => {}
            _ => panic!("{a:?} vs {b:?}"),
        }
    }
}

#[test]
fn arith_follows_ieee_and_propagates_missing() {
    let a = f(&[Some(1.0), Some(-1.0), Some(0.0), Some(INF), None, Some(NAN), Some(6.0)]);
    let b = f(&[Some(0.0), Some(0.0), Some(0.0), Some(INF), Some(1.0), Some(1.0), None]);
    same(
        &arith(ArithOp::Div, &a, "a", &b, "b").unwrap(),
        &[Some(INF), Some(-INF), Some(NAN), Some(NAN), None, Some(NAN), None],
    );
    same(
        &arith(ArithOp::Sub, &a, "a", &b, "b").unwrap(),
        &[Some(1.0), Some(-1.0), Some(0.0), Some(NAN), None, Some(NAN), None],
    );
    same(
        &arith(ArithOp::Add, &a, "a", &b, "b").unwrap(),
        &[Some(1.0), Some(-1.0), Some(0.0), Some(INF), None, Some(NAN), None],
    );
    same(
        &arith(ArithOp::Mul, &a, "a", &b, "b").unwrap(),
        &[Some(0.0), Some(-0.0), Some(0.0), Some(INF), None, Some(NAN), None],
    );
    // Division by negative zero follows the sign.
    let nz = f(&[Some(-0.0)]);
    same(&arith(ArithOp::Div, &f(&[Some(1.0)]), "a", &nz, "b").unwrap(), &[Some(-INF)]);
}

#[test]
fn arith_mixes_integer_bool_and_float() {
    let i = Column::I64(I64Column::from_options(&[Some(7), Some(-3), None]));
    let b = Column::Bool(BoolColumn::from(vec![true, false, true]));
    same(&arith(ArithOp::Div, &i, "i", &b, "b").unwrap(), &[Some(7.0), Some(-INF), None]);
    let two = Column::I64(I64Column::from(vec![2, 2, 2]));
    same(&arith(ArithOp::Div, &i, "i", &two, "two").unwrap(), &[Some(3.5), Some(-1.5), None]);
}

#[test]
fn arith_rejects_ragged_and_strings_naming_op_and_column() {
    let a = f(&[Some(1.0), Some(2.0)]);
    let b = f(&[Some(1.0)]);
    let e = arith(ArithOp::Div, &a, "price", &b, "qty").unwrap_err();
    assert_eq!(e.to_string(), "div: column `qty`: length mismatch: 1 rows, but `price` has 2");
    let s = Column::Str(StringColumn::from_strs(&["x", "y"]));
    let e = arith(ArithOp::Add, &a, "a", &s, "name").unwrap_err().to_string();
    assert_eq!(e, "add: column `name`: expected a numeric (f64, i64 or bool) column, found str");
    let p = ConstArithParams { op: ArithOp::Mul, constant: 2.0, side: ConstSide::Right };
    assert!(matches!(arith_const(&p, &s, "name"), Err(Error::InvalidInput { .. })));
}

#[test]
fn arith_const_both_sides() {
    let x = f(&[Some(2.0), Some(0.0), None]);
    let p = |op, side| ConstArithParams { op, constant: 1.0, side };
    same(&arith_const(&p(ArithOp::Sub, ConstSide::Right), &x, "x").unwrap(), &[Some(1.0), Some(-1.0), None]);
    same(&arith_const(&p(ArithOp::Sub, ConstSide::Left), &x, "x").unwrap(), &[Some(-1.0), Some(1.0), None]);
    same(&arith_const(&p(ArithOp::Div, ConstSide::Left), &x, "x").unwrap(), &[Some(0.5), Some(INF), None]);
    same(&arith_const(&p(ArithOp::Div, ConstSide::Right), &x, "x").unwrap(), &[Some(2.0), Some(0.0), None]);
    let z = ConstArithParams { op: ArithOp::Div, constant: 0.0, side: ConstSide::Right };
    same(&arith_const(&z, &x, "x").unwrap(), &[Some(INF), Some(NAN), None]);
}

#[test]
fn log1p_edges() {
    let x = f(&[Some(0.0), Some(-1.0), Some(-2.0), Some(INF), Some(-INF), Some(NAN), None, Some(1e-20)]);
    same(
        &log1p(&x, "x").unwrap(),
        &[Some(0.0), Some(-INF), Some(NAN), Some(INF), Some(NAN), Some(NAN), None, Some(1e-20)],
    );
    assert!(log1p(&f(&[]), "x").unwrap().is_empty());
    let all_missing = log1p(&f(&[None, None]), "x").unwrap();
    assert_eq!(all_missing.null_count(), 2);
}

#[test]
fn clip_edges_and_bad_bounds() {
    let x = f(&[Some(-5.0), Some(0.5), Some(5.0), Some(INF), Some(-INF), Some(NAN), None]);
    let p = ClipParams { lo: Some(0.0), hi: Some(1.0) };
    same(&clip(&p, &x, "x").unwrap(), &[Some(0.0), Some(0.5), Some(1.0), Some(1.0), Some(0.0), Some(NAN), None]);
    let open = ClipParams { lo: None, hi: Some(1.0) };
    same(&clip(&open, &x, "x").unwrap(), &[Some(-5.0), Some(0.5), Some(1.0), Some(1.0), Some(-INF), Some(NAN), None]);
    let bad = ClipParams { lo: Some(2.0), hi: Some(1.0) };
    let e = clip(&bad, &x, "x").unwrap_err().to_string();
    assert!(e.starts_with("clip: column `bounds`: clip lower bound 2 is above"), "{e}");
}

#[test]
fn fill_missing_by_type() {
    let x = f(&[Some(1.0), None, Some(NAN)]);
    let p = |value, fill_nan| FillMissingParams { value, fill_nan };
    let out = fill_missing(&p(Scalar::F64(-1.0), false), &x, "x").unwrap();
    same(out.as_f64("t", "x").unwrap(), &[Some(1.0), Some(-1.0), Some(NAN)]);
    let out = fill_missing(&p(Scalar::I64(0), true), &x, "x").unwrap();
    same(out.as_f64("t", "x").unwrap(), &[Some(1.0), Some(0.0), Some(0.0)]);
    let s = Column::Str(StringColumn::from_options(&[None, Some("é"), Some("")]));
    let out = fill_missing(&p(Scalar::Str("?".into()), false), &s, "s").unwrap();
    assert_eq!(out.as_str("t", "s").unwrap().iter().collect::<Vec<_>>(), vec![Some("?"), Some("é"), Some("")]);
    let i = Column::I64(I64Column::from_options(&[None, Some(3)]));
    let out = fill_missing(&p(Scalar::I64(9), false), &i, "i").unwrap();
    assert_eq!(out.as_i64("t", "i").unwrap().values(), &[9, 3]);
    let b = Column::Bool(BoolColumn::from_options(&[None, Some(false)]));
    let out = fill_missing(&p(Scalar::Bool(true), false), &b, "b").unwrap();
    assert_eq!(out.as_bool("t", "b").unwrap().values(), &[true, false]);
    let e = fill_missing(&p(Scalar::F64(1.5), false), &i, "n").unwrap_err().to_string();
    assert_eq!(e, "fill_missing: column `n`: cannot fill a i64 column with a f64 value");
    assert!(fill_missing(&p(Scalar::Missing, false), &x, "x").is_err());
}

#[test]
fn bucketize_matches_numpy_digitize() {
    let x = f(&[Some(-INF), Some(0.0), Some(1.0), Some(1.5), Some(2.0), Some(INF), Some(NAN), None, Some(-0.5)]);
    let b = |rule| BucketizeParams { boundaries: vec![0.0, 1.0, 2.0], rule };
    // numpy.digitize([-inf, 0, 1, 1.5, 2, inf], [0, 1, 2]) == [0, 1, 2, 2, 3, 3]; right=True: [0, 0, 1, 2, 2, 3].
    let left = bucketize(&b(BucketRule::LeftClosed), &x, "x").unwrap();
    assert_eq!(
        left.iter().collect::<Vec<_>>(),
        vec![Some(0), Some(1), Some(2), Some(2), Some(3), Some(3), None, None, Some(0)]
    );
    let right = bucketize(&b(BucketRule::RightClosed), &x, "x").unwrap();
    assert_eq!(
        right.iter().collect::<Vec<_>>(),
        vec![Some(0), Some(0), Some(1), Some(2), Some(2), Some(3), None, None, Some(0)]
    );
    let none = BucketizeParams { boundaries: vec![], rule: BucketRule::LeftClosed };
    assert_eq!(bucketize(&none, &x, "x").unwrap().values()[..6], [0; 6]);
    let bad = BucketizeParams { boundaries: vec![1.0, 0.0], rule: BucketRule::LeftClosed };
    assert!(bucketize(&bad, &x, "x").unwrap_err().to_string().starts_with("bucketize: column `boundaries`"));
    assert!(bucketize(&none, &f(&[]), "x").unwrap().is_empty());
}

proptest! {
    #[test]
    // Up to 80 boundaries: both the counting (<= 32) and the binary-search paths.
    fn bucketize_counts_boundaries(
        mut bounds in proptest::collection::vec(-100i32..100, 0..80),
        xs in proptest::collection::vec(-120i32..120, 0..50),
        right in any::<bool>(),
    ) {
        bounds.sort_unstable();
        bounds.dedup();
        let boundaries: Vec<f64> = bounds.iter().map(|&b| b as f64).collect();
        let rule = if right { BucketRule::RightClosed } else { BucketRule::LeftClosed };
        let x = Column::F64(F64Column::from(xs.iter().map(|&v| v as f64 / 1.0).collect::<Vec<_>>()));
        let out = bucketize(&BucketizeParams { boundaries: boundaries.clone(), rule }, &x, "x").unwrap();
        for (k, &v) in xs.iter().enumerate() {
            let v = v as f64;
            let expected = boundaries.iter().filter(|&&b| if right { b < v } else { b <= v }).count() as i64;
            prop_assert_eq!(out.values()[k], expected);
        }
    }
}

#[test]
fn one_hot_sorted_unknown_and_null_rows_are_zero() {
    let train = Column::Str(StringColumn::from_options(&[Some("b"), Some("a"), None, Some("é"), Some("b"), Some("Z")]));
    let enc = OneHotEncoder::fit(&OneHotParams::default(), &train, "cat").unwrap();
    // Byte order of UTF-8 = code-point order, as Python sorts: "Z" < "a" < "b" < "é".
    assert_eq!(enc.categories(), &OneHotCategories::Str(vec!["Z".into(), "a".into(), "b".into(), "é".into()]));
    let test = Column::Str(StringColumn::from_options(&[Some("a"), Some("unseen"), None, Some("é"), Some("")]));
    let m = enc.transform(&test, "cat").unwrap();
    assert_eq!(
        m.to_dense(),
        array![[0., 1., 0., 0.], [0., 0., 0., 0.], [0., 0., 0., 0.], [0., 0., 0., 1.], [0., 0., 0., 0.]]
    );
    assert_eq!(m.nnz(), 2);
    let min2 = OneHotEncoder::fit(&OneHotParams { min_count: 2 }, &train, "cat").unwrap();
    assert_eq!(min2.categories(), &OneHotCategories::Str(vec!["b".into()]));
}

#[test]
fn one_hot_i64_serde_and_errors() {
    let train = Column::I64(I64Column::from_options(&[Some(30), Some(-1), Some(30), None]));
    let enc = OneHotEncoder::fit(&OneHotParams::default(), &train, "n").unwrap();
    assert_eq!(enc.categories(), &OneHotCategories::I64(vec![-1, 30]));
    let json = serde_json::to_string(&enc).unwrap();
    let back: OneHotEncoder = serde_json::from_str(&json).unwrap();
    let probe = Column::I64(I64Column::from_options(&[Some(30), Some(5), None]));
    assert_eq!(back.transform(&probe, "n").unwrap(), enc.transform(&probe, "n").unwrap());
    assert!(serde_json::from_str::<OneHotEncoder>(r#"{"I64":[30,-1]}"#).is_err(), "unsorted categories rejected");
    let e = enc.transform(&Column::Str(StringColumn::from_strs(&["x"])), "n").unwrap_err().to_string();
    assert_eq!(e, "one_hot.transform: column `n`: the encoder was fitted on a i64 column, found str");
    let e = OneHotEncoder::fit(&OneHotParams::default(), &f(&[Some(1.0)]), "price").unwrap_err().to_string();
    assert!(e.starts_with("one_hot.fit: column `price`: one-hot categories must be a str or i64 column"), "{e}");
    let empty =
        OneHotEncoder::fit(&OneHotParams::default(), &Column::I64(I64Column::from_options(&[None])), "n").unwrap();
    let m = empty.transform(&probe, "n").unwrap();
    assert_eq!((m.n_rows(), m.n_cols(), m.nnz()), (3, 0, 0));
}

#[test]
fn dense_block_from_columns() {
    let t = Table::try_new(vec![
        ("f".into(), f(&[Some(1.5), None, Some(NAN)])),
        ("i".into(), Column::I64(I64Column::from_options(&[Some(2), Some(-3), None]))),
        ("b".into(), Column::Bool(BoolColumn::from(vec![true, false, true]))),
        ("s".into(), Column::Str(StringColumn::from_strs(&["a", "b", "c"]))),
    ])
    .unwrap();
    let m = table_to_dense(&t, Some(&["i", "f", "b"])).unwrap();
    assert_eq!(m.shape(), &[3, 3]);
    assert_eq!(m.row(0).to_vec(), vec![2.0, 1.5, 1.0]);
    assert_eq!(m[[1, 0]], -3.0);
    assert!(m[[1, 1]].is_nan() && m[[2, 0]].is_nan() && m[[2, 1]].is_nan());
    let e = table_to_dense(&t, None).unwrap_err().to_string();
    assert_eq!(e, "to_dense: column `s`: a string column cannot be a dense numeric feature");
    assert_eq!(table_to_dense(&t, Some(&[])).unwrap().shape(), &[3, 0]);
    let short = f(&[Some(1.0)]);
    let e = to_dense(&[("a", &t.columns()[0]), ("short", &short)]).unwrap_err().to_string();
    assert_eq!(e, "to_dense: column `short`: length mismatch: 1 rows, but `a` has 3");
    assert_eq!(to_dense(&[]).unwrap().shape(), &[0, 0]);
}

/// Thousands of rows (several internal row blocks) with missing values in every column type.
#[test]
fn dense_block_across_row_blocks() {
    let mut rng = willump_runtime::rng::Rng::new(11);
    let n = 5_000;
    let fv: Vec<Option<f64>> = (0..n).map(|_| (rng.below(7) != 0).then(|| rng.normal())).collect();
    let iv: Vec<Option<i64>> = (0..n).map(|_| (rng.below(5) != 0).then(|| rng.below(100) as i64 - 50)).collect();
    let bv: Vec<Option<bool>> = (0..n).map(|_| (rng.below(3) != 0).then(|| rng.below(2) == 1)).collect();
    let cols = [
        ("b", Column::Bool(BoolColumn::from_options(&bv))),
        ("f", Column::F64(F64Column::from_options(&fv))),
        ("i", Column::I64(I64Column::from_options(&iv))),
    ];
    let named: Vec<(&str, &Column)> = cols.iter().map(|(n, c)| (*n, c)).collect();
    let m = to_dense(&named).unwrap();
    assert_eq!(m.shape(), &[n, 3]);
    let same = |got: f64, want: Option<f64>| match want {
        Some(w) => got == w,
        None => got.is_nan(),
    };
    for r in 0..n {
        assert!(same(m[[r, 0]], bv[r].map(|b| if b { 1.0 } else { 0.0 })), "row {r} b");
        assert!(same(m[[r, 1]], fv[r]), "row {r} f");
        assert!(same(m[[r, 2]], iv[r].map(|v| v as f64)), "row {r} i");
    }
    let filled = fill_missing(&FillMissingParams { value: Scalar::I64(7), fill_nan: false }, &cols[2].1, "i").unwrap();
    let filled = filled.as_i64("t", "i").unwrap();
    assert!((0..n).all(|r| filled.get(r) == Some(iv[r].unwrap_or(7))));
}

/// Every numeric operator on every column type: numbers work, strings are an error naming the
/// operator and the column; all-missing and empty inputs give all-missing and empty outputs.
#[test]
fn every_type_and_all_missing() {
    let cols = [
        Column::F64(F64Column::from_options(&[None, None])),
        Column::I64(I64Column::from_options(&[None, None])),
        Column::Bool(BoolColumn::from_options(&[None, None])),
        Column::Str(StringColumn::from_options(&[None::<&str>, None])),
    ];
    let clip_p = ClipParams { lo: Some(0.0), hi: None };
    let bucket_p = BucketizeParams { boundaries: vec![0.0], rule: BucketRule::LeftClosed };
    let const_p = ConstArithParams { op: ArithOp::Sub, constant: 1.0, side: ConstSide::Left };
    for c in &cols {
        let is_str = matches!(c, Column::Str(_));
        let results: Vec<(&str, Result<usize, Error>)> = vec![
            ("log1p", log1p(c, "col").map(|o| o.null_count())),
            ("clip", clip(&clip_p, c, "col").map(|o| o.null_count())),
            ("sub", arith_const(&const_p, c, "col").map(|o| o.null_count())),
            ("add", arith(ArithOp::Add, &cols[0], "f", c, "col").map(|o| o.null_count())),
            ("bucketize", bucketize(&bucket_p, c, "col").map(|o| o.null_count())),
            ("to_dense", to_dense(&[("col", c)]).map(|m| m.iter().filter(|v| v.is_nan()).count())),
        ];
        for (op, r) in results {
            match r {
                Ok(missing) => assert!(!is_str && missing == 2, "{op} on {:?}: {missing} missing", c.column_type()),
                Err(e) => {
                    assert!(is_str, "{op} failed on {:?}: {e}", c.column_type());
                    assert!(e.to_string().starts_with(&format!("{op}: column `col`")), "{e}");
                }
            }
        }
        let empty = c.take(&[]).unwrap();
        assert_eq!(log1p(&empty, "e").map(|o| o.len()).unwrap_or(0), 0);
    }
}
