//! The reference interpreter: runs any valid graph on a batch by calling the eager operators,
//! node by node in definition order. It defines what the IR means; the compiler must equal it.
//!
//! Only the nodes the requested outputs depend on run, and each intermediate value is dropped
//! right after its last use. Errors from an operator name the op and the IR value (the user's
//! `let` name) at fault.

use willump_ir::{Graph, ModelOutput, Node, NodeId, Op};

use crate::error::{Error, Result};
use crate::models::Model;
use crate::state::BoundState;
use crate::value::{Column, Value};

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
    let n = graph.nodes().len();
    // Which nodes are needed, and the last node that uses each one.
    let mut needed = vec![false; n];
    for &w in wanted {
        for a in graph.ancestors(w) {
            needed[a.index()] = true;
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
    for id in graph.node_ids() {
        if !needed[id.index()] {
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
    let value = match (&node.op, state) {
        (Op::Model { output, .. }, Some(BoundState::Model(m))) => {
            let x = args[0].as_matrix(&label, &arg_name(0))?;
            predict(&**m, x.view(), *output)?
        }
        (Op::Opaque { .. }, Some(BoundState::Function(call))) => {
            let out = (call.f)(args).map_err(|e| match e {
                Error::User { .. } => e,
                other => Error::User { op: call.name.clone(), message: other.to_string() },
            })?;
            check_opaque_output(&call.name, node, args, &out)?;
            out
        }
        (op, _) => {
            return Err(Error::op(label, format!("the interpreter cannot run `{}` with this state", op.name())));
        }
    };
    Ok(value)
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
