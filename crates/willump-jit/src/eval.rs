//! A reference evaluator of the loop IR: runs a [`LoopProgram`] row by row, statement by
//! statement, with plain Rust values. Slow and simple on purpose: it checks lowering and every
//! rewrite against the pipeline interpreter before any code is generated, and the generated code
//! against it.

use ndarray::Array2;
use willump_ir::loops::{CollId, Expr, LoopProgram, Origin, Stage};
use willump_ir::types::{ColumnType, Type};
use willump_ir::{BucketRule, Scalar};
use willump_runtime::interp;
use willump_runtime::ops::text::lowercase;
use willump_runtime::state::BoundState;
use willump_runtime::value::{Bitmap, Column, CsrMatrix, MatrixRef, PrimitiveColumn, StringColumn, Table, Value};
use willump_runtime::{Error, Pipeline, Result};

use crate::program::bound_model;

/// A per-row value.
#[derive(Debug, Clone, PartialEq)]
enum V {
    F64(Option<f64>),
    I64(Option<i64>),
    Bool(Option<bool>),
    /// Strings are loaded but never computed on.
    Str(Option<String>),
    Vec(Vec<f64>),
    /// A sparse row of `n` columns.
    Sparse(usize, Vec<u32>, Vec<f64>),
}

impl V {
    fn num(&self) -> Option<f64> {
        match self {
            V::F64(v) => *v,
            V::I64(v) => v.map(|x| x as f64),
            V::Bool(v) => v.map(|x| x as u8 as f64),
            V::Str(_) | V::Vec(_) | V::Sparse(..) => None,
        }
    }
}

/// Runs `program` (lowered from `pipeline`) on `inputs`, over `rows` when given.
pub fn run(program: &LoopProgram, pipeline: &Pipeline, inputs: &[Value], rows: Option<&[usize]>) -> Result<Vec<Value>> {
    let n_in = pipeline.check_inputs(inputs)?;
    if let Some(r) = rows
        && let Some(&bad) = r.iter().find(|&&x| x >= n_in)
    {
        return Err(Error::invalid("loop evaluator", "rows", format!("row index {bad} out of range for {n_in} rows")));
    }
    let n = rows.map_or(n_in, <[usize]>::len);
    let mut slots: Vec<Option<Value>> = vec![None; program.collections.len()];
    for (i, c) in program.collections.iter().enumerate() {
        if let Origin::Input(k) = c.origin {
            slots[i] = Some(inputs[k as usize].clone());
        }
    }
    for st in &program.stages {
        match st {
            Stage::Call(c) => {
                let args: Vec<Value> = c
                    .args
                    .iter()
                    .map(|a| {
                        let v = slots[a.index()].as_ref().expect("validated: produced before use");
                        match (rows, &program.coll(*a).origin) {
                            (Some(r), Origin::Input(_)) => v.take_rows(r),
                            _ => Ok(v.clone()),
                        }
                    })
                    .collect::<Result<_>>()?;
                let refs: Vec<&Value> = args.iter().collect();
                let graph = pipeline.graph();
                let node = graph.node(c.node);
                let state = node.op.state().map(|s| &pipeline.states()[s.index()]);
                slots[c.out.index()] = Some(interp::eval_node(graph, c.node, node, &refs, state)?);
            }
            Stage::Loop(l) => {
                let mut built: Vec<(CollId, u32, Vec<V>)> =
                    l.merges.iter().map(|m| (m.into, m.column, Vec::with_capacity(n))).collect();
                for k in 0..n {
                    let r = rows.map_or(k, |rs| rs[k]);
                    let mut vals: Vec<Option<V>> = vec![None; l.next_val() as usize];
                    for s in &l.body {
                        let get = |v: willump_ir::loops::ValId| {
                            vals[v.index()].clone().expect("validated: defined before use")
                        };
                        let v = match &s.expr {
                            Expr::Load { coll, column } => {
                                let at = if matches!(program.coll(*coll).origin, Origin::Input(_)) { r } else { k };
                                load(program, &slots, *coll, *column, at)?
                            }
                            Expr::LoadRow { coll } => {
                                let at = if matches!(program.coll(*coll).origin, Origin::Input(_)) { r } else { k };
                                match slots[coll.index()].as_ref() {
                                    Some(Value::Dense(m)) => V::Vec(m.row(at).to_vec()),
                                    Some(Value::Sparse(m)) => {
                                        let (i, v) = m.row(at);
                                        V::Sparse(m.n_cols(), i.to_vec(), v.to_vec())
                                    }
                                    _ => return Err(Error::op("loop evaluator", format!("{coll} is not dense"))),
                                }
                            }
                            Expr::Arith { op, a, b } => {
                                V::F64(get(*a).num().zip(get(*b).num()).map(|(x, y)| op.apply(x, y)))
                            }
                            Expr::ArithConst { op, value, const_left, a } => V::F64(
                                get(*a)
                                    .num()
                                    .map(|x| if *const_left { op.apply(*value, x) } else { op.apply(x, *value) }),
                            ),
                            Expr::Log1p(a) => V::F64(get(*a).num().map(f64::ln_1p)),
                            Expr::Clip { lo, hi, a } => V::F64(get(*a).num().map(|x| {
                                let x = if x < *lo { *lo } else { x };
                                if x > *hi { *hi } else { x }
                            })),
                            Expr::FillMissing { value, nan, a } => fill(get(*a), value, *nan)?,
                            Expr::Bucketize { boundaries, rule, a } => {
                                V::I64(get(*a).num().filter(|x| !x.is_nan()).map(|x| {
                                    boundaries
                                        .iter()
                                        .filter(|&&b| match rule {
                                            BucketRule::LeftClosed => b <= x,
                                            BucketRule::RightClosed => b < x,
                                        })
                                        .count() as i64
                                }))
                            }
                            Expr::JoinProbe { state, keys } => {
                                let BoundState::Join(j) = &pipeline.states()[state.index()] else {
                                    return Err(Error::op("loop evaluator", format!("{state} is not a side table")));
                                };
                                let names: Vec<String> = (0..keys.len()).map(|i| format!("k{i}")).collect();
                                let cols = keys
                                    .iter()
                                    .zip(&names)
                                    .map(|(k, n)| {
                                        Ok((
                                            n.clone(),
                                            match get(*k) {
                                                V::I64(v) => {
                                                    Column::I64(willump_runtime::value::I64Column::from_options(&[v]))
                                                }
                                                V::Str(v) => Column::Str(StringColumn::from_options(&[v])),
                                                _ => return Err(Error::op("loop evaluator", "join key part")),
                                            },
                                        ))
                                    })
                                    .collect::<Result<Vec<_>>>()?;
                                let probe = Table::try_new(cols)?;
                                let refs: Vec<&str> = names.iter().map(String::as_str).collect();
                                V::I64(Some(j.lookup(&probe, &refs)?[0].unwrap_or(j.n_side_rows()) as i64))
                            }
                            Expr::JoinGather { state, column, row } => {
                                let BoundState::Join(j) = &pipeline.states()[state.index()] else {
                                    return Err(Error::op("loop evaluator", format!("{state} is not a side table")));
                                };
                                let V::I64(Some(r)) = get(*row) else {
                                    return Err(Error::op("loop evaluator", "probed row"));
                                };
                                let name = j.value_names()[*column as usize].to_string();
                                if r as usize == j.n_side_rows() {
                                    match j.defaults()[*column as usize] {
                                        Scalar::Missing => match j.value_types()[*column as usize] {
                                            willump_ir::ColumnType::F64 => V::F64(None),
                                            willump_ir::ColumnType::I64 => V::I64(None),
                                            _ => V::Bool(None),
                                        },
                                        Scalar::F64(x) => V::F64(Some(*x)),
                                        Scalar::I64(x)
                                            if j.value_types()[*column as usize] == willump_ir::ColumnType::F64 =>
                                        {
                                            V::F64(Some(*x as f64))
                                        }
                                        Scalar::I64(x) => V::I64(Some(*x)),
                                        Scalar::Bool(x) => V::Bool(Some(*x)),
                                        Scalar::Str(_) => return Err(Error::op("loop evaluator", "a string default")),
                                    }
                                } else {
                                    let side = j.side_table()?;
                                    match side.column("loop evaluator", &name)? {
                                        Column::F64(c) => V::F64(c.get(r as usize)),
                                        Column::I64(c) => V::I64(c.get(r as usize)),
                                        Column::Bool(c) => V::Bool(c.get(r as usize)),
                                        Column::Str(_) => {
                                            return Err(Error::op("loop evaluator", "a string value column"));
                                        }
                                    }
                                }
                            }
                            Expr::Vectorize { state, a, lower } => {
                                let V::Str(text) = get(*a) else {
                                    return Err(Error::op("loop evaluator", "vectorize of a non-string"));
                                };
                                let col = StringColumn::from_options(&[text]);
                                // a fused `lowercase`: the op itself, on this row
                                let col = if *lower { lowercase(&col)? } else { col };
                                let m = match &pipeline.states()[state.index()] {
                                    BoundState::Tfidf(v) => v.transform(&col)?,
                                    BoundState::Count(v) => v.transform(&col)?,
                                    _ => {
                                        return Err(Error::op(
                                            "loop evaluator",
                                            format!("{state} is not a vectorizer"),
                                        ));
                                    }
                                };
                                let (i, v) = m.row(0);
                                V::Sparse(m.n_cols(), i.to_vec(), v.to_vec())
                            }
                            Expr::Stack(parts) => {
                                let (mut n, mut idx, mut val) = (0usize, Vec::new(), Vec::new());
                                for p in parts {
                                    match get(*p) {
                                        V::Sparse(w, i, v) => {
                                            idx.extend(i.iter().map(|&j| j + n as u32));
                                            val.extend(v);
                                            n += w;
                                        }
                                        V::Vec(v) => {
                                            for (j, x) in v.iter().enumerate() {
                                                if *x != 0.0 {
                                                    idx.push((n + j) as u32);
                                                    val.push(*x);
                                                }
                                            }
                                            n += v.len();
                                        }
                                        other => {
                                            let x = other.num().unwrap_or(f64::NAN);
                                            if x != 0.0 {
                                                idx.push(n as u32);
                                                val.push(x);
                                            }
                                            n += 1;
                                        }
                                    }
                                }
                                V::Sparse(n, idx, val)
                            }
                            Expr::Pack(parts) => {
                                let mut out = Vec::new();
                                for p in parts {
                                    match get(*p) {
                                        V::Vec(v) => out.extend(v),
                                        other => out.push(other.num().unwrap_or(f64::NAN)),
                                    }
                                }
                                V::Vec(out)
                            }
                            Expr::Model { state, output, x } => {
                                let m = bound_model(pipeline.states(), *state)
                                    .ok_or_else(|| Error::op("loop evaluator", format!("{state} is not a model")))?;
                                let err = |e: String| Error::op("loop evaluator", e);
                                let (dense, sparse) = match get(*x) {
                                    V::Vec(row) => {
                                        let d = row.len();
                                        (
                                            Some(Array2::from_shape_vec((1, d), row).map_err(|e| err(e.to_string()))?),
                                            None,
                                        )
                                    }
                                    V::Sparse(n, i, v) => {
                                        (None, Some(CsrMatrix::try_new(1, n, vec![0, i.len()], i, v)?))
                                    }
                                    _ => return Err(err("model input is not a row".into())),
                                };
                                let view = match (&dense, &sparse) {
                                    (Some(d), _) => MatrixRef::Dense(d.view()),
                                    (_, Some(s)) => MatrixRef::Sparse(s),
                                    _ => unreachable!("one of them is set"),
                                };
                                match interp::predict(m, view, *output)? {
                                    Value::Dense(y) => V::Vec(y.row(0).to_vec()),
                                    Value::Column(Column::F64(c)) => V::F64(c.get(0)),
                                    other => {
                                        return Err(Error::op(
                                            "loop evaluator",
                                            format!("model returned {}", other.ir_type()),
                                        ));
                                    }
                                }
                            }
                        };
                        vals[s.id.index()] = Some(v);
                    }
                    for (m, b) in l.merges.iter().zip(built.iter_mut()) {
                        b.2.push(vals[m.value.index()].clone().expect("merged values are defined"));
                    }
                }
                for c in l.writes() {
                    let ty = program.coll(c).ty.clone();
                    let mut cols: Vec<(u32, Vec<V>)> =
                        built.iter().filter(|b| b.0 == c).map(|b| (b.1, b.2.clone())).collect();
                    cols.sort_by_key(|x| x.0);
                    slots[c.index()] = Some(build(&ty, cols, n)?);
                }
            }
        }
    }
    program
        .outputs
        .iter()
        .map(|o| {
            let v = slots[o.index()].clone().ok_or_else(|| Error::op("loop evaluator", format!("{o} not computed")))?;
            match (rows, &program.coll(*o).origin) {
                (Some(r), Origin::Input(_)) => v.take_rows(r),
                _ => Ok(v),
            }
        })
        .collect()
}

fn fill(v: V, value: &Scalar, nan: bool) -> Result<V> {
    Ok(match (v, value) {
        (V::F64(x), Scalar::F64(f)) => V::F64(Some(x.filter(|x| !(nan && x.is_nan())).unwrap_or(*f))),
        (V::F64(x), Scalar::I64(i)) => V::F64(Some(x.filter(|x| !(nan && x.is_nan())).unwrap_or(*i as f64))),
        (V::I64(x), Scalar::I64(i)) => V::I64(Some(x.unwrap_or(*i))),
        (V::Bool(x), Scalar::Bool(b)) => V::Bool(Some(x.unwrap_or(*b))),
        (v, s) => return Err(Error::op("loop evaluator", format!("cannot fill {v:?} with {s:?}"))),
    })
}

fn load(program: &LoopProgram, slots: &[Option<Value>], c: CollId, column: u32, at: usize) -> Result<V> {
    let v = slots[c.index()].as_ref().ok_or_else(|| Error::op("loop evaluator", format!("{c} not computed")))?;
    let col = match (v, &program.coll(c).ty) {
        (Value::Column(col), _) => col,
        (Value::Table(t), Type::Table(schema)) => t.column("loop evaluator", &schema[column as usize].0)?,
        (Value::Dense(m), _) => return Ok(V::F64(Some(m[[at, column as usize]]))),
        (other, _) => return Err(Error::op("loop evaluator", format!("cannot load from {}", other.ir_type()))),
    };
    Ok(match col {
        Column::F64(x) => V::F64(x.get(at)),
        Column::I64(x) => V::I64(x.get(at)),
        Column::Bool(x) => V::Bool(x.get(at)),
        Column::Str(x) => V::Str(x.get(at).map(str::to_string)),
    })
}

fn column(elem: ColumnType, vals: Vec<V>) -> Result<Column> {
    fn prim<T: Copy + Default>(v: Vec<Option<T>>) -> Result<PrimitiveColumn<T>> {
        let bits = Bitmap::from_fn(v.len(), |i| v[i].is_some());
        let vals = v.into_iter().map(Option::unwrap_or_default).collect();
        if bits.count_clear() == 0 {
            Ok(PrimitiveColumn::new(vals))
        } else {
            PrimitiveColumn::try_with_validity(vals, bits)
        }
    }
    let bad = || Error::op("loop evaluator", format!("merged values do not fit a {elem} column"));
    Ok(match elem {
        ColumnType::F64 => Column::F64(prim(
            vals.into_iter().map(|v| if let V::F64(x) = v { Ok(x) } else { Err(bad()) }).collect::<Result<_>>()?,
        )?),
        ColumnType::I64 => Column::I64(prim(
            vals.into_iter().map(|v| if let V::I64(x) = v { Ok(x) } else { Err(bad()) }).collect::<Result<_>>()?,
        )?),
        ColumnType::Bool => Column::Bool(prim(
            vals.into_iter().map(|v| if let V::Bool(x) = v { Ok(x) } else { Err(bad()) }).collect::<Result<_>>()?,
        )?),
        ColumnType::Str => Column::Str(StringColumn::from_options(
            &vals
                .into_iter()
                .map(|v| if let V::Str(x) = v { Ok(x) } else { Err(bad()) })
                .collect::<Result<Vec<_>>>()?,
        )),
    })
}

fn build(ty: &Type, mut cols: Vec<(u32, Vec<V>)>, n: usize) -> Result<Value> {
    Ok(match ty {
        Type::Column(c) => Value::Column(column(*c, cols.remove(0).1)?),
        Type::Table(schema) => {
            let mut out = Vec::new();
            for ((name, c), (_, vals)) in schema.iter().zip(cols) {
                out.push((name.clone(), column(*c, vals)?));
            }
            Value::Table(Table::try_new(out)?)
        }
        Type::Dense(Some(w)) => {
            let mut data = Vec::with_capacity(n * w);
            for v in cols.remove(0).1 {
                let V::Vec(r) = v else { return Err(Error::op("loop evaluator", "dense merge of a scalar")) };
                data.extend(r);
            }
            Value::Dense(Array2::from_shape_vec((n, *w), data).map_err(|e| Error::op("loop evaluator", e.to_string()))?)
        }
        t => return Err(Error::op("loop evaluator", format!("a loop cannot build {t}"))),
    })
}

/// What the backend compiles natively for `pipeline` (the lowering oracle [`compile`] uses), for
/// lowering a pipeline by hand in tests and tools.
///
/// [`compile`]: crate::compile
pub fn native_support(pipeline: &Pipeline) -> impl willump_ir::loops::NativeSupport + '_ {
    crate::models::Natives { states: pipeline.states() }
}
