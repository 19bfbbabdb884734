//! Type rules of the loop IR and the checks [`LoopProgram::validate`] runs on every loop: each
//! rewrite must leave a program that passes them (the rule driver checks after every rule).

use crate::op::ModelOutput;
use crate::types::{ColumnType, Type};

use super::ir::{CollId, Expr, LType, Loop, LoopProgram, ValId};

/// The per-row type of column `column` of a collection of type `ty`, when a loop can load it.
pub fn column_ltype(ty: &Type, column: u32) -> Option<LType> {
    match ty {
        Type::Column(c) if column == 0 => Some(LType::Scalar { elem: *c, nullable: true }),
        Type::Table(schema) => schema.get(column as usize).map(|(_, c)| LType::Scalar { elem: *c, nullable: true }),
        Type::Dense(Some(n)) if (column as usize) < *n => Some(LType::F64),
        _ => None,
    }
}

/// The number of columns a loop merges into for a collection of type `ty` (`None`: loops cannot
/// produce it).
pub fn merge_columns(ty: &Type) -> Option<usize> {
    match ty {
        Type::Column(_) | Type::Dense(Some(_)) => Some(1),
        Type::Table(schema) => Some(schema.len()),
        _ => None,
    }
}

/// The type a merge into column `column` of a collection of type `ty` takes.
pub fn merge_ltype(ty: &Type, column: u32) -> Option<LType> {
    match ty {
        Type::Column(c) if column == 0 => Some(LType::Scalar { elem: *c, nullable: true }),
        Type::Table(schema) => schema.get(column as usize).map(|(_, c)| LType::Scalar { elem: *c, nullable: true }),
        Type::Dense(Some(n)) if column == 0 => Some(LType::Vector(*n)),
        _ => None,
    }
}

/// Whether a value of type `have` may be merged where `want` is expected (a non-null scalar fits
/// a nullable slot of the same element type).
pub fn fits(have: LType, want: LType) -> bool {
    match (have, want) {
        (LType::Scalar { elem: a, nullable: na }, LType::Scalar { elem: b, nullable: nb }) => a == b && (!na || nb),
        (LType::Vector(a), LType::Vector(b)) => a == b,
        _ => false,
    }
}

fn numeric(t: LType) -> Option<bool> {
    match t {
        LType::Scalar { elem, nullable } if elem != ColumnType::Str => Some(nullable),
        _ => None,
    }
}

/// The type of `expr` given its operands' types (`model_width` gives a model's output width for
/// `Raw` / `Proba`), or why it is ill-typed.
pub fn infer(
    program: &LoopProgram,
    expr: &Expr,
    operand: impl Fn(ValId) -> Option<LType>,
    declared: LType,
) -> Result<LType, String> {
    let get = |v: ValId| operand(v).ok_or_else(|| format!("{v} is used before it is defined"));
    let num = |v: ValId| -> Result<bool, String> {
        let t = get(v)?;
        numeric(t).ok_or_else(|| format!("{v} must be a numeric scalar, found {t:?}"))
    };
    let f64_ = |nullable| LType::Scalar { elem: ColumnType::F64, nullable };
    Ok(match expr {
        Expr::Load { coll, column } => column_ltype(&coll_ty(program, *coll)?, *column)
            .ok_or_else(|| format!("{coll} has no loadable column {column}"))?,
        Expr::LoadRow { coll } => match coll_ty(program, *coll)? {
            Type::Dense(Some(n)) => LType::Vector(n),
            Type::Sparse(Some(n)) => LType::Sparse(n),
            t => return Err(format!("load_row needs a dense or sparse collection, {coll} is {t}")),
        },
        Expr::Arith { a, b, .. } => f64_(num(*a)? | num(*b)?),
        Expr::ArithConst { a, .. } | Expr::Log1p(a) | Expr::Clip { a, .. } => f64_(num(*a)?),
        Expr::FillMissing { a, value, .. } => {
            use crate::op::Scalar;
            let t = get(*a)?;
            let LType::Scalar { elem, .. } = t else { return Err(format!("{a} must be a scalar")) };
            let ok = matches!(
                (elem, value),
                (ColumnType::F64, Scalar::F64(_) | Scalar::I64(_))
                    | (ColumnType::I64, Scalar::I64(_))
                    | (ColumnType::Bool, Scalar::Bool(_))
            );
            if !ok {
                return Err(format!("cannot fill a {elem} value with a {} value in a loop", value.type_name()));
            }
            LType::Scalar { elem, nullable: false }
        }
        Expr::Bucketize { a, boundaries, .. } => {
            num(*a)?;
            if boundaries.iter().any(|b| b.is_nan()) || boundaries.windows(2).any(|w| w[0] >= w[1]) {
                return Err("bucketize boundaries must be strictly increasing and not NaN".into());
            }
            LType::Scalar { elem: ColumnType::I64, nullable: true }
        }
        Expr::Pack(vs) => {
            let mut n = 0;
            for &v in vs {
                let t = get(v)?;
                match t {
                    LType::Vector(w) => n += w,
                    LType::Sparse(_) => return Err(format!("{v}: sparse rows are not packed")),
                    _ => {
                        num(v)?;
                        n += 1;
                    }
                }
            }
            LType::Vector(n)
        }
        Expr::JoinProbe { keys, .. } => {
            for &k in keys {
                match get(k)? {
                    LType::Scalar { elem: ColumnType::Str | ColumnType::I64, .. } => {}
                    t => return Err(format!("join key part {k} must be str or i64, found {t:?}")),
                }
            }
            LType::Scalar { elem: ColumnType::I64, nullable: false }
        }
        Expr::JoinGather { row, .. } => {
            if get(*row)? != (LType::Scalar { elem: ColumnType::I64, nullable: false }) {
                return Err(format!("a gather's row {row} must be a probed row"));
            }
            match declared {
                LType::Scalar { elem, .. } if elem != ColumnType::Str => LType::Scalar { elem, nullable: true },
                t => return Err(format!("a gather yields a numeric value, declared {t:?}")),
            }
        }
        Expr::Vectorize { a, .. } => {
            match get(*a)? {
                LType::Scalar { elem: ColumnType::Str, .. } => {}
                t => return Err(format!("a vectorizer reads a string, {a} is {t:?}")),
            }
            match declared {
                LType::Sparse(n) => LType::Sparse(n),
                t => return Err(format!("a vectorizer yields a sparse row, declared {t:?}")),
            }
        }
        Expr::Stack(vs) => {
            let mut n = 0;
            for &v in vs {
                match get(v)? {
                    LType::Vector(w) | LType::Sparse(w) => n += w,
                    _ => {
                        num(v)?;
                        n += 1;
                    }
                }
            }
            LType::Sparse(n)
        }
        Expr::Model { output, x, .. } => {
            if !matches!(get(*x)?, LType::Vector(_) | LType::Sparse(_)) {
                return Err(format!("a model's input {x} must be a dense or sparse row"));
            }
            match (output, declared) {
                (ModelOutput::Predict, _) => f64_(false),
                (_, LType::Vector(k)) => LType::Vector(k),
                (o, t) => return Err(format!("model output {} must be a vector, declared {t:?}", o.as_str())),
            }
        }
    })
}

fn coll_ty(program: &LoopProgram, c: CollId) -> Result<Type, String> {
    program.collections.get(c.index()).map(|c| c.ty.clone()).ok_or_else(|| format!("no collection {c}"))
}

/// Checks one loop (stage `i` of `program`).
pub fn check_loop(program: &LoopProgram, i: usize, l: &Loop) -> Result<(), String> {
    let at = |m: String| format!("stage {i}: {m}");
    if l.rows != program.rows {
        return Err(at(format!("loop over {:?} rows in a program over {:?} rows", l.rows, program.rows)));
    }
    let mut types: std::collections::HashMap<ValId, LType> = std::collections::HashMap::new();
    for s in &l.body {
        if types.contains_key(&s.id) {
            return Err(at(format!("{} is defined twice", s.id)));
        }
        let t = infer(program, &s.expr, |v| types.get(&v).copied(), s.ty).map_err(&at)?;
        if t != s.ty {
            return Err(at(format!("{} is declared {:?} but computes {t:?}", s.id, s.ty)));
        }
        types.insert(s.id, t);
    }
    let mut filled: Vec<(CollId, u32)> = Vec::new();
    for m in &l.merges {
        let ty = coll_ty(program, m.into).map_err(&at)?;
        let want = merge_ltype(&ty, m.column).ok_or_else(|| at(format!("{} has no column {}", m.into, m.column)))?;
        let have = *types.get(&m.value).ok_or_else(|| at(format!("merge of undefined {}", m.value)))?;
        if !fits(have, want) {
            return Err(at(format!("{:?} merged into {}[{}], which takes {want:?}", have, m.into, m.column)));
        }
        if filled.contains(&(m.into, m.column)) {
            return Err(at(format!("{}[{}] is merged into twice", m.into, m.column)));
        }
        filled.push((m.into, m.column));
    }
    for c in l.writes() {
        let cols = merge_columns(&program.coll(c).ty).ok_or_else(|| at(format!("a loop cannot build {c}")))?;
        if (0..cols as u32).any(|j| !filled.contains(&(c, j))) {
            return Err(at(format!("{c} is only partly built")));
        }
    }
    Ok(())
}
