//! Type rules: the result type of each op from its argument types and its state. These rules are
//! the IR's contract with the runtime: the interpreter produces values of exactly these types.

use crate::op::{ModelOutput, Op};
use crate::state::{StateDecl, StateKind};
use crate::types::{ColumnType, Schema, Type};

/// The result type of `op` applied to arguments of `args` types, or why it is ill-typed.
/// `declared` is the node's recorded type, used for ops whose type is not inferable (inputs and
/// opaque calls), which accept any declared type of the right shape.
pub fn infer_type(op: &Op, args: &[&Type], states: &[StateDecl], declared: Option<&Type>) -> Result<Type, String> {
    let arity = |n: usize| -> Result<(), String> {
        if args.len() == n { Ok(()) } else { Err(format!("takes {n} argument(s), got {}", args.len())) }
    };
    let numeric = |i: usize| -> Result<(), String> {
        match args[i] {
            Type::Column(c) if c.is_numeric() => Ok(()),
            t => Err(format!("argument {i} must be a numeric column, found {t}")),
        }
    };
    let table = |i: usize| -> Result<&Schema, String> {
        args[i].schema().ok_or_else(|| format!("argument {i} must be a table, found {}", args[i]))
    };
    let state = |s: crate::entity::StateId| &states[s.index()];
    match op {
        Op::Input { .. } => {
            arity(0)?;
            match declared {
                Some(t @ Type::Column(_)) => Ok(t.clone()),
                Some(t) => Err(format!("pipeline inputs are per-row columns, not {t}")),
                None => Err("an input's type must be declared".into()),
            }
        }
        Op::Lowercase => {
            arity(1)?;
            expect(args[0], &Type::STR, 0)?;
            Ok(Type::STR)
        }
        Op::Tokenize => {
            arity(1)?;
            expect(args[0], &Type::STR, 0)?;
            Ok(Type::Tokens)
        }
        Op::Vectorize { state: s } => {
            arity(1)?;
            let StateKind::Vectorizer { n_features, tokens, .. } = &state(*s).kind else {
                return Err(format!("{s} is a {}, not a vectorizer", state(*s).kind.name()));
            };
            match args[0] {
                Type::Column(ColumnType::Str) => {}
                Type::Tokens if *tokens => {}
                t => {
                    return Err(format!(
                        "vectorizer input must be str{}, found {t}",
                        if *tokens { " or tokens" } else { "" }
                    ));
                }
            }
            Ok(Type::Sparse(Some(*n_features)))
        }
        Op::Arith { .. } => {
            arity(2)?;
            numeric(0)?;
            numeric(1)?;
            Ok(Type::F64)
        }
        Op::FillMissing { value, .. } => {
            arity(1)?;
            use crate::params::table::Scalar;
            let c = args[0].column().ok_or_else(|| format!("argument 0 must be a column, found {}", args[0]))?;
            let ok = matches!(
                (c, value),
                (ColumnType::F64, Scalar::F64(_) | Scalar::I64(_))
                    | (ColumnType::I64, Scalar::I64(_))
                    | (ColumnType::Bool, Scalar::Bool(_))
                    | (ColumnType::Str, Scalar::Str(_))
            );
            if !ok {
                return Err(format!("cannot fill a {c} column with a {} value", value.type_name()));
            }
            Ok(Type::Column(c))
        }
        Op::ArithConst { .. } | Op::Log1p | Op::Clip { .. } => {
            arity(1)?;
            numeric(0)?;
            if let Op::Clip { lo, hi } = op
                && (lo > hi || lo.is_nan() || hi.is_nan())
            {
                return Err(format!("clip bounds [{lo}, {hi}] are not an interval"));
            }
            Ok(Type::F64)
        }
        Op::Bucketize { boundaries, .. } => {
            arity(1)?;
            numeric(0)?;
            if boundaries.iter().any(|b| b.is_nan()) || boundaries.windows(2).any(|w| w[0] >= w[1]) {
                return Err("boundaries must be strictly increasing and not NaN".into());
            }
            Ok(Type::I64)
        }
        Op::OneHot { state: s } => {
            arity(1)?;
            let StateKind::OneHot { n_categories, input } = &state(*s).kind else {
                return Err(format!("{s} is a {}, not a one-hot encoder", state(*s).kind.name()));
            };
            expect(args[0], &Type::Column(*input), 0)?;
            Ok(Type::Sparse(Some(*n_categories)))
        }
        Op::ToDense => {
            if args.is_empty() {
                return Err("takes at least one argument".into());
            }
            let mut width = 0;
            for (i, t) in args.iter().enumerate() {
                match t {
                    Type::Column(c) if c.is_numeric() => width += 1,
                    Type::Table(schema) => {
                        if let Some((name, _)) = schema.iter().find(|(_, c)| !c.is_numeric()) {
                            return Err(format!("argument {i}: column `{name}` is not numeric"));
                        }
                        width += schema.len();
                    }
                    t => return Err(format!("argument {i} must be a numeric column or table, found {t}")),
                }
            }
            Ok(Type::Dense(Some(width)))
        }
        Op::MakeTable { names } => {
            if names.len() != args.len() {
                return Err(format!("{} names for {} columns", names.len(), args.len()));
            }
            let mut schema = Schema::new();
            for (i, (name, t)) in names.iter().zip(args).enumerate() {
                let c = t.column().ok_or_else(|| format!("argument {i} must be a column, found {t}"))?;
                push_unique(&mut schema, name, c)?;
            }
            Ok(Type::Table(schema))
        }
        Op::GetColumn { name } => {
            arity(1)?;
            let schema = table(0)?;
            lookup(schema, name).map(Type::Column)
        }
        Op::Select { names } => {
            arity(1)?;
            let schema = table(0)?;
            let mut out = Schema::new();
            for name in names {
                push_unique(&mut out, name, lookup(schema, name)?)?;
            }
            Ok(Type::Table(out))
        }
        Op::Concat => {
            if args.is_empty() {
                return Err("takes at least one table".into());
            }
            let mut out = Schema::new();
            for i in 0..args.len() {
                for (name, c) in table(i)? {
                    push_unique(&mut out, name, *c)?;
                }
            }
            Ok(Type::Table(out))
        }
        Op::LeftJoin { state: s, keys } => {
            arity(1)?;
            let StateKind::SideTable { keys: key_types, values, .. } = &state(*s).kind else {
                return Err(format!("{s} is a {}, not a side table", state(*s).kind.name()));
            };
            if keys.len() != key_types.len() {
                return Err(format!("{} probe keys for a side table with {} key columns", keys.len(), key_types.len()));
            }
            let schema = table(0)?;
            for (k, kt) in keys.iter().zip(key_types) {
                let c = lookup(schema, k)?;
                if c != *kt {
                    return Err(format!("key column `{k}` is {c}, the side table's key is {kt}"));
                }
            }
            Ok(Type::Table(values.clone()))
        }
        Op::Stack => {
            if args.is_empty() {
                return Err("takes at least one block".into());
            }
            let mut width = Some(0usize);
            let mut sparse = false;
            for (i, t) in args.iter().enumerate() {
                if !t.is_block() {
                    return Err(format!("argument {i} must be a feature block, found {t}"));
                }
                sparse |= matches!(t, Type::Sparse(_));
                width = width.zip(t.block_width()).map(|(a, b)| a + b);
            }
            Ok(if sparse { Type::Sparse(width) } else { Type::Dense(width) })
        }
        Op::Opaque { func } => match &state(*func).kind {
            StateKind::Function { .. } => {
                declared.cloned().ok_or_else(|| "an opaque call's type must be declared".into())
            }
            k => Err(format!("{func} is a {}, not a function", k.name())),
        },
        Op::Model { state: s, output } => {
            arity(1)?;
            let StateKind::Model { n_features, task, .. } = &state(*s).kind else {
                return Err(format!("{s} is a {}, not a model", state(*s).kind.name()));
            };
            if !args[0].is_block() {
                return Err(format!("model input must be a feature block, found {}", args[0]));
            }
            if let Some(w) = args[0].block_width()
                && w != *n_features
            {
                return Err(format!("model expects {n_features} features, input has {w}"));
            }
            match output {
                ModelOutput::Predict => Ok(Type::F64),
                ModelOutput::Raw => Ok(Type::Dense(Some(task.n_outputs()))),
                ModelOutput::Proba => task
                    .n_classes()
                    .map(|k| Type::Dense(Some(k)))
                    .ok_or_else(|| "a regression model has no probabilities".into()),
            }
        }
        Op::UnsureRows { .. } | Op::TakeRows | Op::MergeRows => infer_cascade(op, args),
    }
}

/// The cascade ops' rules (kept apart: they restrict rows, they compute no feature).
fn infer_cascade(op: &Op, args: &[&Type]) -> Result<Type, String> {
    let arity = |n: usize| -> Result<(), String> {
        if args.len() == n { Ok(()) } else { Err(format!("takes {n} argument(s), got {}", args.len())) }
    };
    let row_indices = |i: usize| -> Result<(), String> {
        if *args[i] == Type::I64 {
            Ok(())
        } else {
            Err(format!("argument {i} must be i64 row indices, found {}", args[i]))
        }
    };
    match op {
        Op::UnsureRows { threshold } => {
            arity(1)?;
            if !(0.0..=1.0).contains(threshold) {
                return Err(format!("threshold {threshold} is not a probability in [0, 1]"));
            }
            match args[0] {
                Type::Dense(None) => {}
                Type::Dense(Some(k)) if *k >= 2 => {}
                t => return Err(format!("argument 0 must be class probabilities (dense<k>, k >= 2), found {t}")),
            }
            Ok(Type::I64)
        }
        Op::TakeRows => {
            arity(2)?;
            match args[0] {
                Type::Column(_) | Type::Tokens | Type::Sparse(_) | Type::Dense(_) | Type::Table(_) => {}
                t => return Err(format!("argument 0 must be a value with rows, found {t}")),
            }
            row_indices(1)?;
            Ok(args[0].clone())
        }
        Op::MergeRows => {
            arity(3)?;
            match args[0] {
                Type::Column(_) | Type::Dense(_) => {}
                t => return Err(format!("argument 0 must be a column or a dense block, found {t}")),
            }
            if args[1] != args[0] {
                return Err(format!("argument 1 must have the type of argument 0 ({}), found {}", args[0], args[1]));
            }
            row_indices(2)?;
            Ok(args[0].clone())
        }
        _ => Err(format!("`{}` is not a cascade op", op.name())),
    }
}

fn expect(found: &Type, want: &Type, i: usize) -> Result<(), String> {
    if found == want { Ok(()) } else { Err(format!("argument {i} must be {want}, found {found}")) }
}

fn lookup(schema: &Schema, name: &str) -> Result<ColumnType, String> {
    schema.iter().find(|(n, _)| n == name).map(|(_, c)| *c).ok_or_else(|| {
        let names: Vec<&str> = schema.iter().map(|(n, _)| n.as_str()).collect();
        format!("no column `{name}` (table has: {})", names.join(", "))
    })
}

fn push_unique(schema: &mut Schema, name: &str, c: ColumnType) -> Result<(), String> {
    if schema.iter().any(|(n, _)| n == name) {
        return Err(format!("duplicate column `{name}`"));
    }
    schema.push((name.to_string(), c));
    Ok(())
}
