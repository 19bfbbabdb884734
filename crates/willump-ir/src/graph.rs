//! The pipeline graph: an arena of nodes addressed by [`NodeId`], a table of bound state
//! addressed by [`StateId`], and one output.
//!
//! Invariant kept by [`Graph::push`] and checked by [`Graph::validate`]: a node's arguments are
//! nodes defined before it, so the node order is a topological order and the graph is acyclic.

use serde::{Deserialize, Serialize};

use crate::entity::{NodeId, StateId};
use crate::error::IrError;
use crate::op::Op;
use crate::state::StateDecl;
use crate::types::Type;
use crate::typing::infer_type;

/// One node: an op applied to earlier nodes, with its result type and an optional name (the
/// `let` binding it came from).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Node {
    /// What the node computes.
    pub op: Op,
    /// Its arguments, in order.
    pub args: Vec<NodeId>,
    /// Its result type.
    pub ty: Type,
    /// The user's name for the value, when it has one.
    pub name: Option<String>,
}

/// A pipeline graph.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Graph {
    /// The pipeline's name.
    pub name: String,
    nodes: Vec<Node>,
    states: Vec<StateDecl>,
    output: Option<NodeId>,
}

impl Graph {
    /// An empty graph.
    pub fn new(name: impl Into<String>) -> Self {
        Graph { name: name.into(), ..Default::default() }
    }

    /// Declares a piece of state.
    pub fn add_state(&mut self, decl: StateDecl) -> StateId {
        self.states.push(decl);
        StateId::new(self.states.len() - 1)
    }

    /// Adds pipeline input number `index` (the next one) of a column type.
    pub fn add_input(&mut self, name: impl Into<String>, ty: Type) -> Result<NodeId, IrError> {
        if ty.column().is_none() {
            return Err(IrError::Input(format!("pipeline inputs are per-row columns, not {ty}")));
        }
        let index = self.inputs().len() as u32;
        self.push(Node { op: Op::Input { index }, args: vec![], ty, name: Some(name.into()) })
    }

    /// Adds a node whose type is inferred from its op and arguments. Ops whose result type cannot
    /// be inferred (inputs, opaque functions) need [`push`](Self::push) with the type.
    pub fn add(&mut self, op: Op, args: Vec<NodeId>, name: Option<String>) -> Result<NodeId, IrError> {
        let id = NodeId::new(self.nodes.len());
        let ty = self.infer(id, &op, &args, None)?;
        self.push(Node { op, args, ty, name })
    }

    /// Adds a node with a declared type, checking it against the inferred type where the op has
    /// one, and checking that arguments are defined earlier.
    pub fn push(&mut self, node: Node) -> Result<NodeId, IrError> {
        let id = NodeId::new(self.nodes.len());
        self.check_node(id, &node)?;
        self.nodes.push(node);
        Ok(id)
    }

    /// Sets the output node.
    pub fn set_output(&mut self, id: NodeId) -> Result<(), IrError> {
        if id.index() >= self.nodes.len() {
            return Err(IrError::Output(format!("{id} does not exist")));
        }
        self.output = Some(id);
        Ok(())
    }

    /// The output node.
    pub fn output(&self) -> Option<NodeId> {
        self.output
    }

    /// All nodes, in definition (topological) order.
    pub fn nodes(&self) -> &[Node] {
        &self.nodes
    }

    /// Node `id`. Panics when out of range (ids come from this graph).
    pub fn node(&self, id: NodeId) -> &Node {
        &self.nodes[id.index()]
    }

    /// Node ids in definition order.
    pub fn node_ids(&self) -> impl Iterator<Item = NodeId> + '_ {
        (0..self.nodes.len()).map(NodeId::new)
    }

    /// All state declarations.
    pub fn states(&self) -> &[StateDecl] {
        &self.states
    }

    /// State `id`. Panics when out of range.
    pub fn state(&self, id: StateId) -> &StateDecl {
        &self.states[id.index()]
    }

    /// The input nodes, by input index.
    pub fn inputs(&self) -> Vec<NodeId> {
        let mut v: Vec<(u32, NodeId)> = self
            .node_ids()
            .filter_map(|id| match self.node(id).op {
                Op::Input { index } => Some((index, id)),
                _ => None,
            })
            .collect();
        v.sort();
        v.into_iter().map(|(_, id)| id).collect()
    }

    /// The display name of a node: its user name, or its id.
    pub fn display_name(&self, id: NodeId) -> String {
        self.node(id).name.clone().unwrap_or_else(|| id.to_string())
    }

    /// For each node, the nodes that use it.
    pub fn users(&self) -> Vec<Vec<NodeId>> {
        let mut users = vec![Vec::new(); self.nodes.len()];
        for id in self.node_ids() {
            for &a in &self.node(id).args {
                if !users[a.index()].contains(&id) {
                    users[a.index()].push(id);
                }
            }
        }
        users
    }

    /// `id` and every node it depends on, in definition order.
    pub fn ancestors(&self, id: NodeId) -> Vec<NodeId> {
        let mut seen = vec![false; self.nodes.len()];
        let mut stack = vec![id];
        while let Some(n) = stack.pop() {
            if !std::mem::replace(&mut seen[n.index()], true) {
                stack.extend(self.node(n).args.iter().copied());
            }
        }
        self.node_ids().filter(|n| seen[n.index()]).collect()
    }

    /// Builds a graph from parts (the parser's entry point), then validates it.
    pub fn from_parts(
        name: String,
        states: Vec<StateDecl>,
        nodes: Vec<Node>,
        output: Option<NodeId>,
    ) -> Result<Graph, IrError> {
        let g = Graph { name, nodes, states, output };
        g.validate()?;
        Ok(g)
    }

    /// Checks every invariant: arguments defined before use (and no cycles), states exist and
    /// fit their ops, every type agrees with its op, inputs are numbered `0..n` once each, and
    /// the output exists.
    pub fn validate(&self) -> Result<(), IrError> {
        for id in self.node_ids() {
            let node = self.node(id);
            for &a in &node.args {
                if a.index() >= self.nodes.len() {
                    return Err(IrError::Unknown { node: id, what: "value", id: a.to_string() });
                }
            }
        }
        for id in self.node_ids() {
            if let Some(&used) = self.node(id).args.iter().find(|a| a.index() >= id.index()) {
                return Err(match self.find_cycle(id) {
                    Some(cycle) => IrError::Cycle(cycle),
                    None => IrError::UsedBeforeDefined { node: id, used },
                });
            }
        }
        for id in self.node_ids() {
            self.check_node(id, self.node(id))?;
        }
        let inputs = self.inputs();
        for (i, &id) in inputs.iter().enumerate() {
            if let Op::Input { index } = self.node(id).op
                && index as usize != i
            {
                return Err(IrError::Input(format!(
                    "inputs must be numbered 0..{}, found {index} at {id}",
                    inputs.len()
                )));
            }
        }
        match self.output {
            None => Err(IrError::Output("the graph has no output".into())),
            Some(o) if o.index() >= self.nodes.len() => Err(IrError::Output(format!("{o} does not exist"))),
            Some(_) => Ok(()),
        }
    }

    fn find_cycle(&self, start: NodeId) -> Option<Vec<NodeId>> {
        // Depth-first search over argument edges, looking for a path back to `start`.
        let mut stack = vec![(start, vec![start])];
        let mut seen = vec![false; self.nodes.len()];
        while let Some((n, path)) = stack.pop() {
            for &a in &self.node(n).args {
                if a == start {
                    return Some(path);
                }
                if a.index() < self.nodes.len() && !std::mem::replace(&mut seen[a.index()], true) {
                    let mut p = path.clone();
                    p.push(a);
                    stack.push((a, p));
                }
            }
        }
        None
    }

    fn check_node(&self, id: NodeId, node: &Node) -> Result<(), IrError> {
        let limit = id.index().min(self.nodes.len());
        if let Some(&used) = node.args.iter().find(|a| a.index() >= limit) {
            return Err(if used.index() < self.nodes.len() {
                IrError::UsedBeforeDefined { node: id, used }
            } else {
                IrError::Unknown { node: id, what: "value", id: used.to_string() }
            });
        }
        let inferred = self.infer(id, &node.op, &node.args, Some(&node.ty))?;
        if inferred != node.ty {
            return Err(IrError::Type {
                node: id,
                op: node.op.name().into(),
                message: format!("declared type {} but the op yields {inferred}", node.ty),
            });
        }
        Ok(())
    }

    fn infer(&self, id: NodeId, op: &Op, args: &[NodeId], declared: Option<&Type>) -> Result<Type, IrError> {
        if let Some(s) = op.state()
            && s.index() >= self.states.len()
        {
            return Err(IrError::Unknown { node: id, what: "state", id: s.to_string() });
        }
        let arg_types: Vec<&Type> = args.iter().map(|a| &self.nodes[a.index()].ty).collect();
        infer_type(op, &arg_types, &self.states, declared).map_err(|message| IrError::Type {
            node: id,
            op: op.name().into(),
            message,
        })
    }
}
