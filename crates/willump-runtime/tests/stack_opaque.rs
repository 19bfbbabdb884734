//! Stacking feature blocks and checking opaque user functions.

use ndarray::{Array2, array};
use willump_ir::params::table::StackOutput;
use willump_runtime::Error;
use willump_runtime::ops::opaque::OpaqueFn;
use willump_runtime::ops::stack::{BlockRange, stack};
use willump_runtime::value::{Column, CsrMatrix, F64Column, Matrix, MatrixRef};

fn blocks() -> (Array2<f64>, CsrMatrix) {
    let dense = array![[1.0, 0.0], [f64::INFINITY, -2.0], [0.0, 0.0]];
    let sparse = CsrMatrix::try_new(3, 3, vec![0, 1, 1, 3], vec![2, 0, 0], vec![5.0, 1.0, 2.0]).unwrap();
    (dense, sparse)
}

#[test]
fn mixed_blocks_stack_sparse_with_a_layout() {
    let (d, s) = blocks();
    let (m, layout) =
        stack(&[("num", MatrixRef::from(&d)), ("onehot", MatrixRef::from(&s))], StackOutput::Auto).unwrap();
    let Matrix::Sparse(m) = &m else { panic!("a sparse block makes the output sparse") };
    assert_eq!(
        layout.blocks,
        vec![
            BlockRange { name: "num".into(), start: 0, end: 2 },
            BlockRange { name: "onehot".into(), start: 2, end: 5 }
        ]
    );
    assert_eq!(layout.range("onehot"), Some(2..5));
    assert_eq!(layout.n_cols(), 5);
    // The sparse block's duplicate column 0 in row 2 is summed by to_dense.
    let expected = array![[1.0, 0.0, 0.0, 0.0, 5.0], [f64::INFINITY, -2.0, 0.0, 0.0, 0.0], [0.0, 0.0, 3.0, 0.0, 0.0]];
    assert_eq!(m.to_dense(), expected);
    assert_eq!(m.nnz(), 3 + 3, "zeros of the dense block are not stored");
    let (dense_out, _) = stack(&[("num", (&d).into()), ("onehot", (&s).into())], StackOutput::Dense).unwrap();
    assert_eq!(dense_out, Matrix::Dense(expected));
}

#[test]
fn dense_blocks_stack_dense_unless_asked() {
    let (d, _) = blocks();
    let e = Array2::<f64>::zeros((3, 0));
    let (m, layout) =
        stack(&[("a", (&d).into()), ("empty", (&e).into()), ("b", (&d).into())], StackOutput::Auto).unwrap();
    assert!(matches!(m, Matrix::Dense(_)));
    assert_eq!(m.n_cols(), 4);
    assert_eq!(layout.range("empty"), Some(2..2));
    let (s, _) = stack(&[("a", (&d).into())], StackOutput::Sparse).unwrap();
    assert!(matches!(s, Matrix::Sparse(_)));
    assert_eq!(s.view().to_dense(), d);
}

#[test]
fn stack_rejects_ragged_duplicate_and_empty() {
    let (d, s) = blocks();
    let short = array![[1.0]];
    let e =
        stack(&[("a", (&d).into()), ("s", (&s).into()), ("short", (&short).into())], StackOutput::Auto).unwrap_err();
    assert_eq!(e.to_string(), "stack: column `short`: 1 rows, but block `a` has 3");
    let e = stack(&[("a", (&d).into()), ("a", (&s).into())], StackOutput::Auto).unwrap_err();
    assert_eq!(e.to_string(), "stack: column `a`: block name used twice");
    assert_eq!(stack(&[], StackOutput::Auto).unwrap_err().to_string(), "stack: no blocks to stack");
}

fn col(v: &[f64]) -> Column {
    Column::F64(F64Column::from(v.to_vec()))
}

#[test]
fn opaque_output_is_checked_never_trusted() {
    let square = OpaqueFn::new("square", Some(1), |cols: &[&Column]| {
        let x = cols[0].as_f64("square", "x")?;
        Ok(Matrix::Dense(Array2::from_shape_fn((x.len(), 1), |(i, _)| x.values()[i] * x.values()[i])))
    });
    let x = col(&[1.0, 2.0, 3.0]);
    assert_eq!(square.call(&[&x]).unwrap(), Matrix::Dense(array![[1.0], [4.0], [9.0]]));
    assert_eq!(square.name(), "square");
    assert!(format!("{square:?}").contains("square"));

    let drops_a_row =
        OpaqueFn::new("drop", None, |cols: &[&Column]| Ok(Matrix::Dense(Array2::zeros((cols[0].len() - 1, 2)))));
    assert_eq!(drops_a_row.call(&[&x]).unwrap_err().to_string(), "drop: the function returned 2 rows for 3 input rows");
    let too_wide =
        OpaqueFn::new("wide", Some(2), |cols: &[&Column]| Ok(Matrix::Sparse(CsrMatrix::zeros(cols[0].len(), 3))));
    assert_eq!(too_wide.call(&[&x]).unwrap_err().to_string(), "wide: the function returned 3 columns, declared 2");

    let fails = OpaqueFn::new("fails", None, |_: &[&Column]| Err(Error::op("inner", "boom")));
    assert_eq!(fails.call(&[&x]).unwrap_err(), Error::User { op: "fails".into(), message: "inner: boom".into() });
    let panics =
        OpaqueFn::new("panics", None, |_: &[&Column]| -> willump_runtime::Result<Matrix> { panic!("bad index") });
    assert_eq!(
        panics.call(&[&x]).unwrap_err(),
        Error::User { op: "panics".into(), message: "panicked: bad index".into() }
    );

    let y = col(&[1.0]);
    assert_eq!(square.call(&[&x, &y]).unwrap_err().to_string(), "square: column `input 1`: 1 rows, but input 0 has 3");
    assert!(square.call(&[]).is_err());
    let wrong_type = Column::I64(vec![1i64].into());
    assert!(matches!(square.call(&[&wrong_type]), Err(Error::User { .. })));
}
