//! The tracer: records each call of a pipeline body into the graph, as a library op when the
//! registry recognizes it and as an opaque call back into the user's code otherwise.

use std::any::Any;
use std::sync::Arc;

use willump_ir::{Graph, Node, NodeId, Op, StateDecl, StateId, Type};

use super::{Call, Callee, RowValue, registry};
use crate::error::{Error, Result};
use crate::pipeline::Pipeline;
use crate::state::{BoundState, OpaqueCall};

/// Builds a [`Pipeline`] from the calls of a traced pipeline body.
pub struct Tracer {
    graph: Graph,
    states: Vec<BoundState>,
    /// Dedup keys of lifted states (a state parameter used by several ops is one state).
    state_keys: Vec<Option<String>>,
    captured: Vec<(&'static str, Arc<dyn Any + Send + Sync>)>,
    /// For the final check: how each node's call was written.
    call_names: Vec<(NodeId, String, u32)>,
}

impl Tracer {
    /// A tracer for the pipeline called `name`.
    pub fn new(name: &'static str) -> Self {
        Tracer {
            graph: Graph::new(name),
            states: Vec::new(),
            state_keys: Vec::new(),
            captured: Vec::new(),
            call_names: Vec::new(),
        }
    }

    /// Declares the next row input.
    pub fn input<T: RowValue>(&mut self, name: &'static str, _v: &T) -> Result<NodeId> {
        self.graph.add_input(name, T::ir_type()).map_err(|e| Error::Ir(e.to_string()))
    }

    /// The pipeline's shared copy of state parameter `name` (cloned once, then shared by every
    /// op and fallback that uses it).
    pub fn capture<T: Any + Clone + Send + Sync>(&mut self, name: &'static str, v: &T) -> Arc<T> {
        if let Some((_, a)) = self.captured.iter().find(|(n, _)| *n == name)
            && let Ok(t) = a.clone().downcast::<T>()
        {
            return t;
        }
        let a = Arc::new(v.clone());
        self.captured.push((name, a.clone()));
        a
    }

    fn add_state(&mut self, key: Option<String>, state: BoundState, name: &str) -> StateId {
        if let Some(k) = &key
            && let Some(i) = self.state_keys.iter().position(|s| s.as_ref() == Some(k))
        {
            return StateId::new(i);
        }
        let decl = StateDecl { name: name.to_string(), kind: state.kind(), fingerprint: state.fingerprint() };
        let id = self.graph.add_state(decl);
        self.states.push(state);
        self.state_keys.push(key);
        id
    }

    /// Records one call whose eager result had IR type `traced`; returns its node.
    pub fn record(&mut self, call: Call, binding: Option<&'static str>, traced: Type) -> Result<NodeId> {
        let reg = registry();
        let line = call.line;
        let (written, lifted) = match &call.callee {
            Callee::Function { key, path } => (
                path.to_string(),
                match key {
                    Some(k) => reg.lift_fn(*k, &call.args)?,
                    None => None,
                },
            ),
            Callee::Method { recv, method } => {
                let recv_name = match &**recv {
                    super::Arg::State { type_name, .. } => short_type(type_name),
                    super::Arg::Node { id, .. } => self.graph.display_name(*id),
                    super::Arg::Const { type_name, .. } => short_type(type_name),
                    super::Arg::List(_) => "[..]".into(),
                };
                (format!("{recv_name}.{method}"), reg.lift_method(recv, method, &call.args)?)
            }
        };
        let ir = |e: willump_ir::IrError| Error::Ir(format!("line {line}: `{written}`: {e}"));
        let id = match lifted {
            Some(l) => {
                let mut op = l.op;
                if let Some((key, state, state_name)) = l.state {
                    let s = self.add_state(key, state, &state_name);
                    op.set_state(s);
                }
                let op_name = op.name();
                let id = self.graph.add(op, l.args, binding.map(String::from)).map_err(ir)?;
                let ty = &self.graph.node(id).ty;
                if *ty != traced {
                    return Err(Error::Ir(format!(
                        "line {line}: `{written}` was lifted as `{op_name}` of type {ty}, but the eager call returned {traced}"
                    )));
                }
                id
            }
            None => {
                let mut args = Vec::new();
                if let Callee::Method { recv, .. } = &call.callee {
                    recv.collect_nodes(&mut args);
                }
                call.args.iter().for_each(|a| a.collect_nodes(&mut args));
                let state = BoundState::Function(OpaqueCall { name: written.clone(), f: call.fallback });
                let func = self.add_state(None, state, &written);
                let node = Node { op: Op::Opaque { func }, args, ty: traced, name: binding.map(String::from) };
                self.graph.push(node).map_err(ir)?
            }
        };
        self.call_names.push((id, written, line));
        Ok(id)
    }

    /// The finished pipeline, whose output is `out` (which must be a model call).
    pub fn finish(mut self, out: NodeId) -> Result<Pipeline> {
        if !matches!(self.graph.node(out).op, Op::Model { .. }) {
            let (written, line) = self
                .call_names
                .iter()
                .find(|(id, _, _)| *id == out)
                .map(|(_, w, l)| (w.clone(), *l))
                .unwrap_or_default();
            return Err(Error::Ir(format!(
                "line {line}: the pipeline must end in a model call (`model.predict_proba(..)`, `model.predict(..)`, \
                 `model.decision_function(..)` on a willump model), but `{written}` was lifted as `{}`",
                self.graph.node(out).op.name()
            )));
        }
        self.graph.set_output(out).map_err(|e| Error::Ir(e.to_string()))?;
        self.graph.validate().map_err(|e| Error::Ir(e.to_string()))?;
        Pipeline::new(self.graph, self.states)
    }
}

/// `a::b::Type<c::D>` -> `Type<D>` (for readable call names).
fn short_type(name: &str) -> String {
    let mut out = String::new();
    let mut seg = String::new();
    for c in name.chars() {
        match c {
            ':' => seg.clear(),
            '<' | '>' | ',' | ' ' | '&' | '(' | ')' | '[' | ']' | ';' => {
                out.push_str(&seg);
                seg.clear();
                out.push(c);
            }
            c => seg.push(c),
        }
    }
    out.push_str(&seg);
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn short_type_names() {
        assert_eq!(super::short_type("alloc::sync::Arc<dyn willump_runtime::models::Model>"), "Arc<dyn Model>");
        assert_eq!(super::short_type("my::Thing"), "Thing");
    }
}
