//! The reference interpreter: runs any valid graph on a batch by calling the eager operators,
//! node by node in definition order. It defines what the IR means; the compiler must equal it.
//!
//! Only the nodes the requested outputs depend on run, and each intermediate value is dropped
//! right after its last use. Errors from an operator name the op and the IR value (the user's
//! `let` name) at fault.
//!
//! Equality with the eager function: every op runs the same eager implementation the user's
//! call runs (`crate::api` and this file call the same `crate::ops` functions, in the same
//! order, on the same values), so results are bit-identical, floating point included; the
//! tests compare them through `Debug`, which prints every f64 exactly. The only differences
//! are in error messages, which name the pipeline's values (`lower`, `x`) here and the
//! function's parameters (`x`, `a`) in the eager library.

use willump_ir::{Graph, ModelOutput, Node, NodeId, Op};

use willump_ir::params::numeric::{BucketizeParams, ConstArithParams, ConstSide, FillMissingParams};

use crate::api;
use crate::error::{Error, Result};
use crate::models::Model;
use crate::ops::{numeric, table as table_ops, text};
use crate::optimize::rows as cascade_rows;
use crate::state::BoundState;
use crate::value::{Column, F64Column, Matrix, Table, Value};

fn f64_col(c: F64Column) -> Value {
    Value::Column(Column::F64(c))
}

/// A value slot: an input borrowed from the caller, or a computed value.
enum Slot<'a> {
    Borrowed(&'a Value),
    Owned(Value),
}

impl Slot<'_> {
    fn get(&self) -> &Value {
        match self {
            Slot::Borrowed(v) => v,
            Slot::Owned(v) => v,
        }
    }
}

/// Computes the values of `wanted` from `inputs` (already checked against the graph's inputs).
pub fn eval(graph: &Graph, states: &[BoundState], inputs: &[Value], wanted: &[NodeId]) -> Result<Vec<Value>> {
    eval_with(graph, states, inputs, &[], wanted)
}

/// [`eval`] given the values of some nodes already (`known`, computed earlier on the same rows):
/// they are not computed again, nor is anything only they depend on. A staged run (a cascade's
/// small part, then the rest) uses it.
pub fn eval_with(
    graph: &Graph,
    states: &[BoundState],
    inputs: &[Value],
    known: &[(NodeId, &Value)],
    wanted: &[NodeId],
) -> Result<Vec<Value>> {
    let n = graph.nodes().len();
    // Which nodes are needed (walking back from the wanted ones, stopping at known values), and
    // the last node that uses each one.
    let mut is_known = vec![false; n];
    for (k, _) in known {
        is_known[k.index()] = true;
    }
    let mut needed = vec![false; n];
    let mut stack: Vec<NodeId> = wanted.to_vec();
    while let Some(id) = stack.pop() {
        if !std::mem::replace(&mut needed[id.index()], true) && !is_known[id.index()] {
            stack.extend(graph.node(id).args.iter().copied());
        }
    }
    let mut last_use = vec![0usize; n];
    for id in graph.node_ids().filter(|i| needed[i.index()]) {
        for a in &graph.node(id).args {
            last_use[a.index()] = last_use[a.index()].max(id.index());
        }
    }
    for &w in wanted {
        last_use[w.index()] = usize::MAX;
    }

    let mut slots: Vec<Option<Slot<'_>>> = (0..n).map(|_| None).collect();
    for (k, v) in known {
        slots[k.index()] = Some(Slot::Borrowed(v));
    }
    for id in graph.node_ids() {
        if !needed[id.index()] || is_known[id.index()] {
            continue;
        }
        let node = graph.node(id);
        let slot = match node.op {
            Op::Input { index } => Slot::Borrowed(&inputs[index as usize]),
            _ => {
                let args: Vec<&Value> = node
                    .args
                    .iter()
                    .map(|a| slots[a.index()].as_ref().expect("argument computed before use").get())
                    .collect();
                let state = node.op.state().map(|s| &states[s.index()]);
                Slot::Owned(eval_node(graph, id, node, &args, state)?)
            }
        };
        slots[id.index()] = Some(slot);
        for a in &node.args {
            if last_use[a.index()] == id.index() {
                slots[a.index()] = None;
            }
        }
    }
    wanted
        .iter()
        .map(|w| {
            Ok(match slots[w.index()].as_ref().expect("wanted value computed") {
                Slot::Borrowed(v) => (*v).clone(),
                Slot::Owned(v) => v.clone(),
            })
        })
        .collect()
}

/// The op's name as errors report it: the op and the IR value it computes.
fn op_label(graph: &Graph, id: NodeId, node: &Node) -> String {
    format!("{} ({})", node.op.name(), graph.display_name(id))
}

/// Evaluates one node on its argument values.
pub fn eval_node(graph: &Graph, id: NodeId, node: &Node, args: &[&Value], state: Option<&BoundState>) -> Result<Value> {
    let label = op_label(graph, id, node);
    let arg_name = |i: usize| graph.display_name(node.args[i]);
    let col = |i: usize| args[i].as_column(&label, &arg_name(i));
    let table = |i: usize| args[i].as_table(&label, &arg_name(i));
    let strs = |i: usize| -> Result<&crate::value::StringColumn> { col(i)?.as_str(&label, &arg_name(i)) };
    let value = match (&node.op, state) {
        (Op::Lowercase, None) => Value::Column(Column::Str(text::lowercase(strs(0)?)?)),
        (Op::Tokenize, None) => Value::Tokens(text::tokenize(strs(0)?)?),
        (Op::Vectorize { .. }, Some(s)) => {
            let m = match (s, args[0]) {
                (BoundState::Count(v), Value::Tokens(t)) => v.transform_tokens(t)?,
                (BoundState::Count(v), _) => v.transform(strs(0)?)?,
                (BoundState::Tfidf(v), Value::Tokens(t)) => v.transform_tokens(t)?,
                (BoundState::Tfidf(v), _) => v.transform(strs(0)?)?,
                (BoundState::Hashing(v), Value::Tokens(t)) => v.transform_tokens(t)?,
                (BoundState::Hashing(v), _) => v.transform(strs(0)?)?,
                _ => return Err(Error::op(label, "the state is not a vectorizer")),
            };
            Value::Sparse(m)
        }
        (Op::Arith { op }, None) => f64_col(numeric::arith(*op, col(0)?, &arg_name(0), col(1)?, &arg_name(1))?),
        (Op::ArithConst { op, value, const_left }, None) => {
            let side = if *const_left { ConstSide::Left } else { ConstSide::Right };
            f64_col(numeric::arith_const(&ConstArithParams { op: *op, constant: *value, side }, col(0)?, &arg_name(0))?)
        }
        (Op::Log1p, None) => f64_col(numeric::log1p(col(0)?, &arg_name(0))?),
        (Op::Clip { lo, hi }, None) => f64_col(numeric::clip(&api::clip_params(*lo, *hi), col(0)?, &arg_name(0))?),
        (Op::FillMissing { value, nan }, None) => Value::Column(numeric::fill_missing(
            &FillMissingParams { value: value.clone(), fill_nan: *nan },
            col(0)?,
            &arg_name(0),
        )?),
        (Op::Bucketize { boundaries, rule }, None) => Value::Column(Column::I64(numeric::bucketize(
            &BucketizeParams { boundaries: boundaries.clone(), rule: *rule },
            col(0)?,
            &arg_name(0),
        )?)),
        (Op::OneHot { .. }, Some(BoundState::OneHot(e))) => Value::Sparse(e.transform(col(0)?, &arg_name(0))?),
        (Op::ToDense, None) => {
            let mut cols: Vec<(String, &Column)> = Vec::new();
            for (i, a) in args.iter().enumerate() {
                match a {
                    Value::Table(t) => cols.extend(t.names().iter().cloned().zip(t.columns())),
                    _ => cols.push((arg_name(i), col(i)?)),
                }
            }
            let refs: Vec<(&str, &Column)> = cols.iter().map(|(n, c)| (n.as_str(), *c)).collect();
            Value::Dense(numeric::to_dense(&refs)?)
        }
        (Op::MakeTable { names }, None) => {
            let cols = (0..args.len()).map(|i| Ok((names[i].clone(), col(i)?.clone()))).collect::<Result<Vec<_>>>()?;
            Value::Table(Table::try_new(cols)?)
        }
        (Op::GetColumn { name }, None) => Value::Column(table(0)?.column(&label, name)?.clone()),
        (Op::Select { names }, None) => {
            let names: Vec<&str> = names.iter().map(String::as_str).collect();
            Value::Table(table_ops::select(table(0)?, &names)?)
        }
        (Op::Concat, None) => {
            let tables = (0..args.len()).map(table).collect::<Result<Vec<_>>>()?;
            Value::Table(table_ops::hconcat(&tables)?)
        }
        (Op::LeftJoin { keys, .. }, Some(BoundState::Join(j))) => {
            let keys: Vec<&str> = keys.iter().map(String::as_str).collect();
            Value::Table(j.transform(table(0)?, &keys)?)
        }
        (Op::Stack, None) => {
            let columns = column_blocks(args, &label, &arg_name)?;
            let views = block_views(args, &columns, &label, &arg_name)?;
            match api::stack_matrices(&views)? {
                Matrix::Dense(d) => Value::Dense(d),
                Matrix::Sparse(s) => Value::Sparse(s),
            }
        }
        (Op::Model { output, .. }, Some(BoundState::Model(m))) => {
            let columns = column_blocks(&args[..1], &label, &arg_name)?;
            let views = block_views(&args[..1], &columns, &label, &arg_name)?;
            predict(&**m, views[0], *output)?
        }
        (Op::Opaque { .. }, Some(BoundState::Function(call))) => {
            let out = (call.f)(args).map_err(|e| match e {
                Error::User { .. } => e,
                other => Error::User { op: call.name.clone(), message: other.to_string() },
            })?;
            check_opaque_output(&call.name, node, args, &out)?;
            out
        }
        (Op::UnsureRows { threshold }, None) => {
            let proba = args[0].matrix_ref(&label, &arg_name(0))?;
            let crate::value::MatrixRef::Dense(p) = proba else {
                return Err(Error::invalid(label, arg_name(0), "expected dense class probabilities"));
            };
            cascade_rows::indices_column(&cascade_rows::unsure_rows(p, *threshold))
        }
        (Op::TakeRows, None) => {
            let rows = cascade_rows::indices_of(&label, &arg_name(1), args[1])?;
            cascade_rows::take_rows(&label, &arg_name(0), args[0], &rows)?
        }
        (Op::MergeRows, None) => {
            let rows = cascade_rows::indices_of(&label, &arg_name(2), args[2])?;
            cascade_rows::merge_rows(&label, args[0], args[1], &rows)?
        }
        (op, _) => {
            return Err(Error::op(label, format!("the interpreter cannot run `{}` with this state", op.name())));
        }
    };
    Ok(value)
}

/// The `n x 1` dense form of each numeric-column block (`None` for matrices, used in place).
fn column_blocks(
    args: &[&Value],
    label: &str,
    arg_name: &dyn Fn(usize) -> String,
) -> Result<Vec<Option<ndarray::Array2<f64>>>> {
    args.iter()
        .enumerate()
        .map(|(i, a)| match a {
            Value::Column(c) => {
                let name = arg_name(i);
                Ok(Some(numeric::to_dense(&[(name.as_str(), c)]).map_err(|e| match e {
                    Error::InvalidInput { message, .. } => Error::invalid(label, name, message),
                    e => e,
                })?))
            }
            _ => Ok(None),
        })
        .collect()
}

/// Borrowed views of feature blocks: matrices in place, columns through their dense form.
fn block_views<'a>(
    args: &[&'a Value],
    columns: &'a [Option<ndarray::Array2<f64>>],
    label: &str,
    arg_name: &dyn Fn(usize) -> String,
) -> Result<Vec<crate::value::MatrixRef<'a>>> {
    args.iter()
        .zip(columns)
        .enumerate()
        .map(|(i, (a, c))| match c {
            Some(d) => Ok(crate::value::MatrixRef::Dense(d.view())),
            None => a.matrix_ref(label, &arg_name(i)),
        })
        .collect()
}

/// A model's output as a value.
pub fn predict(m: &dyn Model, x: crate::value::MatrixRef<'_>, output: ModelOutput) -> Result<Value> {
    Ok(match output {
        ModelOutput::Proba => Value::Dense(m.predict_proba(x)?),
        ModelOutput::Raw => Value::Dense(m.decision_function(x)?),
        ModelOutput::Predict => Value::Column(Column::F64(m.predict(x)?.into())),
    })
}

/// An opaque call's result is checked, never trusted: its type must be the one traced, and a
/// value with rows must have one row per input row.
fn check_opaque_output(name: &str, node: &Node, args: &[&Value], out: &Value) -> Result<()> {
    let ty = out.ir_type();
    let compatible = match (&node.ty, &ty) {
        (willump_ir::Type::Dense(None), willump_ir::Type::Dense(_)) => true,
        (willump_ir::Type::Sparse(None), willump_ir::Type::Sparse(_)) => true,
        (a, b) => a == b,
    };
    if !compatible {
        return Err(Error::User {
            op: name.to_string(),
            message: format!("returned {ty}, but the pipeline was traced with {}", node.ty),
        });
    }
    let in_rows = args.iter().find_map(|a| a.n_rows());
    if let (Some(i), Some(o)) = (in_rows, out.n_rows())
        && i != o
    {
        return Err(Error::User { op: name.to_string(), message: format!("returned {o} rows for {i} input rows") });
    }
    Ok(())
}
