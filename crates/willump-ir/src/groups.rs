//! Feature-group discovery (DESIGN.md section 3).
//!
//! A feature group is an independent subgraph that turns the pipeline inputs into some columns
//! of the final model's input: one vectorizer's block, one join's columns, one opaque function's
//! output. Groups are the unit of cost, importance and selection for cascades and top-K.
//!
//! Discovery walks back from the final model's input through stacking (`stack`), dense
//! conversion (`to_dense`), table plumbing (`make_table`, `select`, `concat`, `get_column`), so
//! that each model-input column is traced to the node that produced it (its *root*): a
//! vectorizer, a join, a numeric op, an opaque call, a model used as a feature. Columns with the
//! same root form one group; a group's nodes are its roots and everything they depend on, except
//! the pipeline inputs.
//!
//! Sharing: a value used by several groups is recomputed in each of them when it is a cheap
//! per-row function of the inputs ([`Op::is_cheap_per_row`]: lowercasing, tokenizing, numeric
//! ops, column plumbing). Any other shared value (a join, a vectorizer, a model, an opaque call)
//! merges the groups that share it into one, and the result records why.

use std::ops::Range;

use crate::entity::NodeId;
use crate::error::IrError;
use crate::graph::Graph;
use crate::op::Op;
use crate::types::Type;

/// One feature group.
#[derive(Debug, Clone, PartialEq)]
pub struct FeatureGroup {
    /// A readable name (the root values' names joined by `+`).
    pub name: String,
    /// The nodes whose values are this group's model-input columns, in column order.
    pub roots: Vec<NodeId>,
    /// Every node the group computes (roots and their dependencies, inputs excluded), in
    /// definition order. Cheap shared values appear in every group that uses them.
    pub nodes: Vec<NodeId>,
    /// The pipeline inputs the group reads.
    pub inputs: Vec<NodeId>,
    /// The model-input column ranges the group produces, in order (`None` when a width is only
    /// known at run time).
    pub columns: Option<Vec<Range<usize>>>,
    /// Why this group is a merge of several, when it is.
    pub merged: Option<String>,
}

impl FeatureGroup {
    /// Number of model-input columns, when known.
    pub fn width(&self) -> Option<usize> {
        self.columns.as_ref().map(|rs| rs.iter().map(|r| r.len()).sum())
    }

    /// Whether the group reads no pipeline input (a constant block).
    pub fn is_constant(&self) -> bool {
        self.inputs.is_empty()
    }
}

/// The result of discovery: the final model node, its input, and the groups in column order.
#[derive(Debug, Clone, PartialEq)]
pub struct FeatureGroups {
    /// The final model node (the graph's output).
    pub model: NodeId,
    /// The model's input value.
    pub model_input: NodeId,
    /// Total model-input width, when known.
    pub width: Option<usize>,
    /// The groups, ordered by their first column.
    pub groups: Vec<FeatureGroup>,
}

/// One run of model-input columns traced to the node that produced them.
#[derive(Debug, Clone)]
struct Segment {
    root: NodeId,
    width: Option<usize>,
}

/// Discovers the feature groups of `g` (whose output must be a model call).
pub fn discover(g: &Graph) -> Result<FeatureGroups, IrError> {
    let model = g.output().ok_or_else(|| IrError::Groups("the graph has no output".into()))?;
    let node = g.node(model);
    if !matches!(node.op, Op::Model { .. }) {
        return Err(IrError::Groups(format!(
            "the output {model} is `{}`, not a model call: feature groups are defined by the final model's input",
            node.op.name()
        )));
    }
    let model_input = node.args[0];
    let mut segments = Vec::new();
    block_segments(g, model_input, &mut segments)?;

    // Column ranges, in model-input order.
    let mut offset = Some(0usize);
    let mut ranges = Vec::with_capacity(segments.len());
    for s in &segments {
        ranges.push(offset.zip(s.width).map(|(o, w)| o..o + w));
        offset = offset.zip(s.width).map(|(o, w)| o + w);
    }

    // One provisional group per distinct root, in order of first appearance.
    let mut roots: Vec<NodeId> = Vec::new();
    for s in &segments {
        if !roots.contains(&s.root) {
            roots.push(s.root);
        }
    }
    let closure: Vec<Vec<NodeId>> = roots.iter().map(|&r| g.ancestors(r)).collect();

    // Union-find over roots: merge groups that share a value that is not cheap to recompute.
    let mut parent: Vec<usize> = (0..roots.len()).collect();
    fn find(p: &mut [usize], mut i: usize) -> usize {
        while p[i] != i {
            p[i] = p[p[i]];
            i = p[i];
        }
        i
    }
    let mut reasons: Vec<Vec<String>> = vec![Vec::new(); roots.len()];
    for i in 0..roots.len() {
        for j in i + 1..roots.len() {
            let shared = closure[i].iter().find(|n| !g.node(**n).op.is_cheap_per_row() && closure[j].contains(n));
            if let Some(&n) = shared {
                let (a, b) = (find(&mut parent, i), find(&mut parent, j));
                if a != b {
                    parent[b] = a;
                    let why = format!(
                        "`{}` and `{}` share {n} (`{}`, {}), which is not cheap to recompute",
                        g.display_name(roots[i]),
                        g.display_name(roots[j]),
                        g.display_name(n),
                        g.node(n).op.name()
                    );
                    let moved = std::mem::take(&mut reasons[b]);
                    reasons[a].extend(moved);
                    reasons[a].push(why);
                }
            }
        }
    }

    let mut groups: Vec<FeatureGroup> = Vec::new();
    let mut group_of_set: Vec<(usize, usize)> = Vec::new(); // (set representative, group index)
    for (si, s) in segments.iter().enumerate() {
        let ri = roots.iter().position(|&r| r == s.root).expect("root recorded");
        let rep = find(&mut parent, ri);
        let gi = match group_of_set.iter().find(|(r, _)| *r == rep) {
            Some(&(_, gi)) => gi,
            None => {
                groups.push(FeatureGroup {
                    name: String::new(),
                    roots: Vec::new(),
                    nodes: Vec::new(),
                    inputs: Vec::new(),
                    columns: Some(Vec::new()),
                    merged: None,
                });
                group_of_set.push((rep, groups.len() - 1));
                groups.len() - 1
            }
        };
        let grp = &mut groups[gi];
        if !grp.roots.contains(&s.root) {
            grp.roots.push(s.root);
        }
        grp.columns = match (grp.columns.take(), &ranges[si]) {
            (Some(mut cols), Some(r)) => {
                // Coalesce adjacent ranges of the same group.
                match cols.last_mut() {
                    Some(last) if last.end == r.start => last.end = r.end,
                    _ => cols.push(r.clone()),
                }
                Some(cols)
            }
            _ => None,
        };
    }
    for (rep, gi) in &group_of_set {
        let grp = &mut groups[*gi];
        let mut members = vec![false; g.nodes().len()];
        for (ri, &r) in roots.iter().enumerate() {
            if grp.roots.contains(&r) {
                for &n in &closure[ri] {
                    members[n.index()] = true;
                }
            }
        }
        grp.nodes = g.node_ids().filter(|n| members[n.index()] && !matches!(g.node(*n).op, Op::Input { .. })).collect();
        grp.inputs = g.node_ids().filter(|n| members[n.index()] && matches!(g.node(*n).op, Op::Input { .. })).collect();
        grp.name = grp.roots.iter().map(|&r| g.display_name(r)).collect::<Vec<_>>().join("+");
        let why = &reasons[*rep];
        grp.merged = (!why.is_empty()).then(|| why.join("; "));
    }
    let width = offset;
    Ok(FeatureGroups { model, model_input, width, groups })
}

/// Appends the segments of a feature block (a model input or a part of one).
fn block_segments(g: &Graph, id: NodeId, out: &mut Vec<Segment>) -> Result<(), IrError> {
    let node = g.node(id);
    match &node.op {
        Op::Stack => {
            for &a in &node.args {
                block_segments(g, a, out)?;
            }
        }
        Op::ToDense => {
            for &a in &node.args {
                match &g.node(a).ty {
                    Type::Table(_) => {
                        for (_, producer) in table_columns(g, a)? {
                            out.push(Segment { root: producer, width: Some(1) });
                        }
                    }
                    _ => out.push(Segment { root: column_producer(g, a)?, width: Some(1) }),
                }
            }
        }
        Op::GetColumn { .. } => out.push(Segment { root: column_producer(g, id)?, width: Some(1) }),
        _ => out.push(Segment { root: id, width: node.ty.block_width() }),
    }
    Ok(())
}

/// The node that produced a column value, seen through table plumbing.
fn column_producer(g: &Graph, id: NodeId) -> Result<NodeId, IrError> {
    match &g.node(id).op {
        Op::GetColumn { name } => {
            let table = g.node(id).args[0];
            table_columns(g, table)?
                .into_iter()
                .find(|(n, _)| n == name)
                .map(|(_, p)| p)
                .ok_or_else(|| IrError::Groups(format!("{id}: column `{name}` not found")))
        }
        _ => Ok(id),
    }
}

/// Each column of a table value with the node that produced it.
fn table_columns(g: &Graph, id: NodeId) -> Result<Vec<(String, NodeId)>, IrError> {
    let node = g.node(id);
    Ok(match &node.op {
        Op::MakeTable { names } => names
            .iter()
            .zip(&node.args)
            .map(|(n, &a)| Ok((n.clone(), column_producer(g, a)?)))
            .collect::<Result<_, IrError>>()?,
        Op::Select { names } => {
            let cols = table_columns(g, node.args[0])?;
            names
                .iter()
                .map(|n| {
                    cols.iter()
                        .find(|(c, _)| c == n)
                        .cloned()
                        .ok_or_else(|| IrError::Groups(format!("{id}: column `{n}` not found")))
                })
                .collect::<Result<_, _>>()?
        }
        Op::Concat => {
            let mut v = Vec::new();
            for &a in &node.args {
                v.extend(table_columns(g, a)?);
            }
            v
        }
        // A join, an opaque call, or anything else producing a table: its columns are its own.
        _ => match &node.ty {
            Type::Table(schema) => schema.iter().map(|(n, _)| (n.clone(), id)).collect(),
            t => return Err(IrError::Groups(format!("{id} is {t}, not a table"))),
        },
    })
}

impl FeatureGroups {
    /// A readable summary, one group per line (used in reports and file tests).
    pub fn to_text(&self, g: &Graph) -> String {
        use std::fmt::Write as _;
        let fmt_ids = |ids: &[NodeId]| ids.iter().map(|n| n.to_string()).collect::<Vec<_>>().join(", ");
        let mut out = String::new();
        let width = self.width.map_or_else(|| "?".to_string(), |w| w.to_string());
        let _ = writeln!(out, "model {} input {} width {width}", self.model, self.model_input);
        for (i, grp) in self.groups.iter().enumerate() {
            let cols = match &grp.columns {
                Some(rs) => rs.iter().map(|r| format!("{}..{}", r.start, r.end)).collect::<Vec<_>>().join(", "),
                None => "?".into(),
            };
            let _ = writeln!(
                out,
                "group {i} {}: columns [{cols}] roots [{}] nodes [{}] inputs [{}]",
                crate::text::quote(&grp.name),
                fmt_ids(&grp.roots),
                fmt_ids(&grp.nodes),
                fmt_ids(&grp.inputs)
            );
            if let Some(why) = &grp.merged {
                let _ = writeln!(out, "  merged: {why}");
            }
        }
        let _ = g;
        out
    }
}

/// The node that produced a column value, seen through table plumbing (for the cascade rewrite).
pub(crate) fn column_producer_of(g: &Graph, id: NodeId) -> Result<NodeId, IrError> {
    column_producer(g, id)
}

/// Each column of a table value with the node that produced it (for the cascade rewrite).
pub(crate) fn table_columns_of(g: &Graph, id: NodeId) -> Result<Vec<(String, NodeId)>, IrError> {
    table_columns(g, id)
}
