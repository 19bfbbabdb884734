//! Lowering from the pipeline IR: every node the wanted values depend on becomes one stage, in
//! node order. A node whose op and types a loop can compute becomes a [`Loop`] that loads its
//! arguments, computes its value and appends it to the node's collection; any other node (opaque
//! code, sparse blocks, ops not lowered yet, models the compiler cannot see into) becomes a
//! [`Call`] back into Rust. The result is deliberately unfused: one loop per node. The rules of
//! [`super::rules`] then fuse producers into consumers and siblings into one loop.

use std::collections::HashMap;

use crate::entity::{NodeId, StateId};
use crate::graph::Graph;
use crate::op::{ModelOutput, Op, Scalar};
use crate::types::{ColumnType, Type};

use super::check::merge_columns;
use super::ir::{
    Builder, Call, CollId, Collection, Expr, LType, Loop, LoopProgram, Merge, Origin, RowSet, Stage, Stmt, ValId,
};

/// What the backend can compile natively beyond the ops every loop supports: it sees the bound
/// state, the IR does not.
pub trait NativeSupport {
    /// Whether the model bound to `state` can be compiled into a loop on dense rows, or on sparse
    /// rows when `sparse` (a linear model, or a tree ensemble on dense rows; a model the compiler
    /// cannot see into runs as a call).
    fn native_model(&self, state: StateId, sparse: bool) -> bool;

    /// Whether the side table bound to `state` can be probed inside a loop (str / i64 keys,
    /// numeric value columns).
    fn native_join(&self, state: StateId) -> bool;

    /// Whether the vectorizer bound to `state` can run row by row inside a loop.
    fn native_vectorizer(&self, state: StateId) -> bool;
}

/// A per-row value of a node inside a loop body.
#[derive(Debug, Clone)]
enum Row {
    Scalar(ValId),
    Vector(ValId),
    Sparse(ValId),
    Table(Vec<ValId>),
}

/// Lowers the nodes `wanted` depends on into a program that returns their values, in order.
pub fn lower(
    graph: &Graph,
    wanted: &[NodeId],
    rows: RowSet,
    native: &dyn NativeSupport,
) -> Result<LoopProgram, String> {
    let mut needed = vec![false; graph.nodes().len()];
    for &w in wanted {
        if w.index() >= needed.len() {
            return Err(format!("no node {w}"));
        }
        for a in graph.ancestors(w) {
            needed[a.index()] = true;
        }
    }
    let mut p = LoopProgram { name: graph.name.clone(), rows, collections: vec![], stages: vec![], outputs: vec![] };
    let mut coll_of: HashMap<NodeId, CollId> = HashMap::new();
    for id in graph.node_ids().filter(|i| needed[i.index()]) {
        let node = graph.node(id);
        let c = CollId(p.collections.len() as u32);
        let origin = match node.op {
            Op::Input { index } => Origin::Input(index),
            _ => Origin::Computed,
        };
        p.collections.push(Collection { ty: node.ty.clone(), origin, node: Some(id), name: graph.display_name(id) });
        coll_of.insert(id, c);
        if matches!(node.op, Op::Input { .. }) {
            continue;
        }
        let args: Vec<CollId> = node.args.iter().map(|a| coll_of[a]).collect();
        let stage = match lower_loop(graph, id, &args, &p, rows, c, native) {
            Some(l) => Stage::Loop(l),
            None => {
                let row_form = row_form(graph, id, native);
                Stage::Call(Call { node: id, op: node.op.name().to_string(), args, out: c, row_form })
            }
        };
        p.stages.push(stage);
    }
    p.outputs = wanted.iter().map(|w| coll_of[w]).collect();
    p.validate().map_err(|e| format!("lowering produced an invalid program: {e}"))?;
    Ok(p)
}

/// The per-row form of a node lowered to a call, when it has one: a vectorizer on a string column,
/// or a stack of blocks (some sparse) of known widths.
fn row_form(graph: &Graph, id: NodeId, native: &dyn NativeSupport) -> Option<super::ir::RowForm> {
    let node = graph.node(id);
    let arg_ty = |i: usize| &graph.node(node.args[i]).ty;
    match &node.op {
        Op::Vectorize { state } if *arg_ty(0) == Type::STR && native.native_vectorizer(*state) => {
            Some(super::ir::RowForm::Vectorize { state: *state })
        }
        Op::Stack
            if matches!(node.ty, Type::Sparse(Some(_)))
                && (0..node.args.len()).all(|i| match arg_ty(i) {
                    Type::Sparse(Some(_)) | Type::Dense(Some(_)) => true,
                    Type::Column(c) => c.is_numeric(),
                    _ => false,
                }) =>
        {
            Some(super::ir::RowForm::Stack)
        }
        _ => None,
    }
}

/// Builds one loop body statement by statement.
struct BodyBuilder {
    body: Vec<Stmt>,
}

impl BodyBuilder {
    fn push(&mut self, ty: LType, expr: Expr) -> ValId {
        let id = ValId(self.body.len() as u32);
        self.body.push(Stmt { id, ty, expr });
        id
    }

    fn ty(&self, v: ValId) -> LType {
        self.body[v.index()].ty
    }

    /// Loads the whole current row of collection `c` of type `ty`.
    fn load(&mut self, c: CollId, ty: &Type) -> Option<Row> {
        Some(match ty {
            Type::Column(e) => {
                Row::Scalar(self.push(LType::Scalar { elem: *e, nullable: true }, Expr::Load { coll: c, column: 0 }))
            }
            Type::Dense(Some(n)) => Row::Vector(self.push(LType::Vector(*n), Expr::LoadRow { coll: c })),
            Type::Sparse(Some(n)) => Row::Sparse(self.push(LType::Sparse(*n), Expr::LoadRow { coll: c })),
            Type::Table(schema) => Row::Table(
                schema
                    .iter()
                    .enumerate()
                    .map(|(j, (_, e))| {
                        self.push(LType::Scalar { elem: *e, nullable: true }, Expr::Load { coll: c, column: j as u32 })
                    })
                    .collect(),
            ),
            _ => return None,
        })
    }

    /// The f64 type of a unary numeric op's result.
    fn f64_like(&self, a: ValId) -> LType {
        LType::Scalar { elem: crate::types::ColumnType::F64, nullable: self.ty(a).nullable() }
    }

    /// Packs the values of rows into one dense vector.
    fn pack(&mut self, parts: &[Row]) -> Option<ValId> {
        let mut vals = Vec::new();
        for r in parts {
            match r {
                Row::Scalar(v) | Row::Vector(v) => vals.push(*v),
                Row::Table(vs) => vals.extend(vs),
                Row::Sparse(_) => return None,
            }
        }
        let mut n = 0;
        for &v in &vals {
            match self.ty(v) {
                LType::Scalar { elem: crate::types::ColumnType::Str, .. } => return None,
                t => n += t.width(),
            }
        }
        Some(self.push(LType::Vector(n), Expr::Pack(vals)))
    }
}

fn lower_loop(
    graph: &Graph,
    id: NodeId,
    args: &[CollId],
    p: &LoopProgram,
    rows: RowSet,
    out: CollId,
    native: &dyn NativeSupport,
) -> Option<Loop> {
    let node = graph.node(id);
    merge_columns(&node.ty)?;
    let mut b = BodyBuilder { body: vec![] };
    let mut loaded = Vec::new();
    for &a in args {
        loaded.push(b.load(a, &p.coll(a).ty)?);
    }
    let scalar = |r: &Row| match r {
        Row::Scalar(v) => Some(*v),
        _ => None,
    };
    let schema_of = |i: usize| p.coll(args[i]).ty.schema().cloned();
    let result = match &node.op {
        Op::Arith { op } => {
            let (a, c) = (scalar(&loaded[0])?, scalar(&loaded[1])?);
            let nullable = b.ty(a).nullable() || b.ty(c).nullable();
            Row::Scalar(b.push(
                LType::Scalar { elem: crate::types::ColumnType::F64, nullable },
                Expr::Arith { op: *op, a, b: c },
            ))
        }
        Op::ArithConst { op, value, const_left } => {
            let a = scalar(&loaded[0])?;
            Row::Scalar(b.push(b.f64_like(a), Expr::ArithConst { op: *op, value: *value, const_left: *const_left, a }))
        }
        Op::Log1p => {
            let a = scalar(&loaded[0])?;
            Row::Scalar(b.push(b.f64_like(a), Expr::Log1p(a)))
        }
        Op::Clip { lo, hi } => {
            let a = scalar(&loaded[0])?;
            Row::Scalar(b.push(b.f64_like(a), Expr::Clip { lo: *lo, hi: *hi, a }))
        }
        Op::FillMissing { value, nan } => {
            let a = scalar(&loaded[0])?;
            let LType::Scalar { elem, .. } = b.ty(a) else { return None };
            let ok = matches!(
                (elem, value),
                (ColumnType::F64, Scalar::F64(_) | Scalar::I64(_))
                    | (ColumnType::I64, Scalar::I64(_))
                    | (ColumnType::Bool, Scalar::Bool(_))
            );
            if !ok {
                return None;
            }
            Row::Scalar(b.push(
                LType::Scalar { elem, nullable: false },
                Expr::FillMissing { value: value.clone(), nan: *nan, a },
            ))
        }
        Op::Bucketize { boundaries, rule } => {
            let a = scalar(&loaded[0])?;
            Row::Scalar(b.push(
                LType::Scalar { elem: ColumnType::I64, nullable: true },
                Expr::Bucketize { boundaries: boundaries.clone(), rule: *rule, a },
            ))
        }
        Op::ToDense | Op::Stack => Row::Vector(b.pack(&loaded)?),
        Op::MakeTable { .. } => Row::Table(loaded.iter().map(scalar).collect::<Option<_>>()?),
        Op::GetColumn { name } => {
            let schema = schema_of(0)?;
            let j = schema.iter().position(|(n, _)| n == name)?;
            match &loaded[0] {
                Row::Table(vs) => Row::Scalar(vs[j]),
                _ => return None,
            }
        }
        Op::Select { names } => {
            let schema = schema_of(0)?;
            let Row::Table(vs) = &loaded[0] else { return None };
            Row::Table(
                names.iter().map(|n| schema.iter().position(|(m, _)| m == n).map(|j| vs[j])).collect::<Option<_>>()?,
            )
        }
        Op::LeftJoin { state, keys } => {
            if !native.native_join(*state) {
                return None;
            }
            let schema = schema_of(0)?;
            let Row::Table(vs) = &loaded[0] else { return None };
            let parts = keys
                .iter()
                .map(|k| schema.iter().position(|(n, _)| n == k).map(|j| vs[j]))
                .collect::<Option<Vec<_>>>()?;
            let row = b.push(
                LType::Scalar { elem: ColumnType::I64, nullable: false },
                Expr::JoinProbe { state: *state, keys: parts },
            );
            let values = node.ty.schema()?.clone();
            Row::Table(
                values
                    .iter()
                    .enumerate()
                    .map(|(j, (_, c))| {
                        b.push(
                            LType::Scalar { elem: *c, nullable: true },
                            Expr::JoinGather { state: *state, column: j as u32, row },
                        )
                    })
                    .collect(),
            )
        }
        Op::Concat => {
            let mut all = Vec::new();
            for r in &loaded {
                let Row::Table(vs) = r else { return None };
                all.extend(vs);
            }
            Row::Table(all)
        }
        Op::Model { state, output } => {
            let sparse = matches!(loaded[0], Row::Sparse(_));
            if !native.native_model(*state, sparse) {
                return None;
            }
            let x = match &loaded[0] {
                Row::Vector(v) | Row::Sparse(v) => *v,
                r @ Row::Scalar(_) => b.pack(std::slice::from_ref(r))?,
                Row::Table(_) => return None,
            };
            let ty = match (output, &node.ty) {
                (ModelOutput::Predict, _) => LType::F64,
                (_, Type::Dense(Some(k))) => LType::Vector(*k),
                _ => return None,
            };
            let y = b.push(ty, Expr::Model { state: *state, output: *output, x });
            if ty == LType::F64 { Row::Scalar(y) } else { Row::Vector(y) }
        }
        _ => return None,
    };
    let mut merges = Vec::new();
    let append = |column: u32, value: ValId| Merge { into: out, column, builder: Builder::Append, value };
    match result {
        Row::Scalar(v) | Row::Vector(v) => merges.push(append(0, v)),
        Row::Sparse(_) => return None,
        Row::Table(vs) => merges.extend(vs.into_iter().enumerate().map(|(j, v)| append(j as u32, v))),
    }
    Some(Loop { rows, body: b.body, merges })
}
