//! The loop IR's data types: a [`LoopProgram`] is a list of [`Stage`]s over named
//! [`Collection`]s. A stage is either a [`Loop`] over the batch's rows, whose body computes
//! per-row values ([`Stmt`]) and merges them into builders ([`Merge`]), or a [`Call`] that runs one
//! pipeline node through Rust on whole collections (opaque code, and anything not lowered yet).
//!
//! Entities are `u32` newtypes indexing the program's tables, as in the pipeline IR: a collection
//! is `c3`, a per-row value inside a loop body is `%7`.

use serde::{Deserialize, Serialize};

use crate::entity::{NodeId, StateId};
use crate::op::{ArithOp, BucketRule, ModelOutput, Scalar};
use crate::types::{ColumnType, Type};

/// A collection: a value with one entry per row of the batch (a column, a dense block, a table),
/// or any other pipeline value a [`Call`] produces (`c0`, `c1`, ...).
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct CollId(pub u32);

/// A per-row value defined by one statement of a loop body (`%0`, `%1`, ...).
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct ValId(pub u32);

impl CollId {
    /// The table index.
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

impl ValId {
    /// The table index.
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

impl std::fmt::Display for CollId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "c{}", self.0)
    }
}

impl std::fmt::Debug for CollId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Display::fmt(self, f)
    }
}

impl std::fmt::Display for ValId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "%{}", self.0)
    }
}

impl std::fmt::Debug for ValId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Display::fmt(self, f)
    }
}

/// Which rows a loop runs over.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum RowSet {
    /// Every row of the batch.
    All,
    /// The row indices given at run time (cascades and top-K compute some feature groups only
    /// for some rows). Input collections are read at `rows[k]`; everything the program computes
    /// is indexed by `k`.
    Subset,
}

/// Where a collection comes from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Origin {
    /// Pipeline row input number `index`.
    Input(u32),
    /// Merged into by loop bodies, or returned by a call.
    Computed,
}

/// A collection's declaration.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Collection {
    /// Its pipeline type (a column, `dense<n>`, a table, or any type a call produces).
    pub ty: Type,
    /// Where it comes from.
    pub origin: Origin,
    /// The pipeline node whose value it is, when it is one.
    pub node: Option<NodeId>,
    /// A readable name (the node's name).
    pub name: String,
}

/// The type of a per-row value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum LType {
    /// One scalar of a column type; `nullable` when it may be missing.
    Scalar {
        /// The element type.
        elem: ColumnType,
        /// Whether the value may be missing.
        nullable: bool,
    },
    /// A dense row of `n` f64 features (missing values are NaN).
    Vector(usize),
    /// A sparse row of `n` features (the stored entries of one row of a CSR block).
    Sparse(usize),
}

impl LType {
    /// A non-null f64.
    pub const F64: LType = LType::Scalar { elem: ColumnType::F64, nullable: false };

    /// Whether the value may be missing.
    pub fn nullable(&self) -> bool {
        matches!(self, LType::Scalar { nullable: true, .. })
    }

    /// The number of dense features this value contributes to a [`Expr::Pack`].
    pub fn width(&self) -> usize {
        match self {
            LType::Scalar { .. } => 1,
            LType::Vector(n) | LType::Sparse(n) => *n,
        }
    }
}

/// What a statement computes. Every expression is a pure function of its operands and the
/// row (loads), so that fusion may move and duplicate statements freely.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Expr {
    /// Column `column` of a collection at the current row: a column collection has one column
    /// (0), a table one per schema entry, a dense block one per feature.
    Load {
        /// The collection.
        coll: CollId,
        /// The column within it.
        column: u32,
    },
    /// The whole current row of a dense collection (a vector) or a sparse one (a sparse row).
    LoadRow {
        /// The collection.
        coll: CollId,
    },
    /// Element-wise arithmetic of two numeric scalars (as f64; missing if either is).
    Arith {
        /// The operator.
        op: ArithOp,
        /// Left operand.
        a: ValId,
        /// Right operand.
        b: ValId,
    },
    /// Arithmetic with a constant.
    ArithConst {
        /// The operator.
        op: ArithOp,
        /// The constant.
        value: f64,
        /// Whether the constant is the left operand.
        const_left: bool,
        /// The other operand.
        a: ValId,
    },
    /// `ln(1 + a)`.
    Log1p(ValId),
    /// `a` clamped to `[lo, hi]` (NaN stays NaN).
    Clip {
        /// Lower bound.
        lo: f64,
        /// Upper bound.
        hi: f64,
        /// The operand.
        a: ValId,
    },
    /// `a`, with a missing value (and NaN when `nan`) replaced by `value`; the type stays
    /// `a`'s (an i64 fill converts to f64 for an f64 column).
    FillMissing {
        /// The replacement (its type fits `a`'s: checked by the pipeline IR's typing).
        value: Scalar,
        /// Whether NaN is replaced too.
        nan: bool,
        /// The operand.
        a: ValId,
    },
    /// The bucket of `a`: the number of `boundaries` at or below it (left-closed buckets) or
    /// below it (right-closed); missing for NaN and missing.
    Bucketize {
        /// Strictly increasing boundaries.
        boundaries: Vec<f64>,
        /// Which side of a bucket a boundary belongs to.
        rule: BucketRule,
        /// The operand.
        a: ValId,
    },
    /// The operands side by side as one dense row: scalars convert to f64 (missing -> NaN,
    /// `true` -> 1.0), vectors are copied.
    Pack(Vec<ValId>),
    /// The side-table row a join's probe key matches (a coarse statement: the key's parts hashed
    /// and compared against an index built at compile time), or the number of side rows (the
    /// defaults' row) when the key is absent or has a missing part.
    JoinProbe {
        /// The indexed side table.
        state: StateId,
        /// The probe key's parts (str or i64), in the side table's key order.
        keys: Vec<ValId>,
    },
    /// Value column `column` of a join's side table at the row a [`Expr::JoinProbe`] found (its
    /// default at the defaults' row).
    JoinGather {
        /// The indexed side table.
        state: StateId,
        /// The value column, in the join's output order.
        column: u32,
        /// The probed row.
        row: ValId,
    },
    /// A fitted text vectorizer's row for a string (a coarse statement: scan the text, look its
    /// terms up in the vocabulary, count them, weight and normalize): a sparse row. It is never
    /// materialized: a linear model consumes its (term, value) pairs directly.
    Vectorize {
        /// The vectorizer.
        state: StateId,
        /// The text.
        a: ValId,
        /// Lowercase the text first (Python's `str.lower()`), as a `lowercase` op feeding the
        /// vectorizer did ([`super::rules::FuseLowercase`]): the lowercased column is never
        /// materialized.
        lower: bool,
    },
    /// Rows side by side as one sparse row (scalars as one feature, missing -> NaN).
    Stack(Vec<ValId>),
    /// A model's output for a dense row (or, for a linear model, a sparse row): `Predict` gives
    /// an f64 scalar, `Raw` and `Proba` a vector. The model's structure (linear weights, trees) is compiled into the code.
    Model {
        /// The fitted model.
        state: StateId,
        /// What it outputs.
        output: ModelOutput,
        /// Its input row.
        x: ValId,
    },
}

impl Expr {
    /// The per-row values this expression reads, in order.
    pub fn operands(&self) -> Vec<ValId> {
        match self {
            Expr::Load { .. } | Expr::LoadRow { .. } => vec![],
            Expr::Arith { a, b, .. } => vec![*a, *b],
            Expr::ArithConst { a, .. }
            | Expr::Log1p(a)
            | Expr::Clip { a, .. }
            | Expr::FillMissing { a, .. }
            | Expr::Bucketize { a, .. } => vec![*a],
            Expr::Pack(v) | Expr::Stack(v) | Expr::JoinProbe { keys: v, .. } => v.clone(),
            Expr::JoinGather { row, .. } => vec![*row],
            Expr::Vectorize { a, .. } => vec![*a],
            Expr::Model { x, .. } => vec![*x],
        }
    }

    /// Rewrites every operand with `f`.
    pub fn map_operands(&mut self, mut f: impl FnMut(ValId) -> ValId) {
        match self {
            Expr::Load { .. } | Expr::LoadRow { .. } => {}
            Expr::Arith { a, b, .. } => {
                *a = f(*a);
                *b = f(*b);
            }
            Expr::ArithConst { a, .. }
            | Expr::Log1p(a)
            | Expr::Clip { a, .. }
            | Expr::FillMissing { a, .. }
            | Expr::Bucketize { a, .. } => *a = f(*a),
            Expr::Pack(v) | Expr::Stack(v) | Expr::JoinProbe { keys: v, .. } => v.iter_mut().for_each(|x| *x = f(*x)),
            Expr::JoinGather { row, .. } => *row = f(*row),
            Expr::Vectorize { a, .. } => *a = f(*a),
            Expr::Model { x, .. } => *x = f(*x),
        }
    }

    /// The collection this expression reads, for loads.
    pub fn loaded(&self) -> Option<CollId> {
        match self {
            Expr::Load { coll, .. } | Expr::LoadRow { coll } => Some(*coll),
            _ => None,
        }
    }

    /// Whether the expression is a coarse, costly statement (a model) that fusion must not
    /// duplicate.
    pub fn is_costly(&self) -> bool {
        matches!(self, Expr::Model { .. } | Expr::Vectorize { .. })
    }
}

/// One statement of a loop body: `%id: ty = expr`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Stmt {
    /// The value it defines.
    pub id: ValId,
    /// The value's type.
    pub ty: LType,
    /// What it computes.
    pub expr: Expr,
}

/// How a loop merges a per-row value into a collection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Builder {
    /// Appends the row's value: the collection gets one entry per row, in row order.
    Append,
}

/// A merge of a per-row value into a column of a collection.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Merge {
    /// The collection.
    pub into: CollId,
    /// The column within it (see [`Expr::Load`]); a vector value fills every column.
    pub column: u32,
    /// The builder.
    pub builder: Builder,
    /// The merged value.
    pub value: ValId,
}

/// A loop over rows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Loop {
    /// Which rows.
    pub rows: RowSet,
    /// Statements in definition order (operands defined before use).
    pub body: Vec<Stmt>,
    /// What the loop produces.
    pub merges: Vec<Merge>,
}

impl Loop {
    /// The statement that defines `v`.
    pub fn stmt(&self, v: ValId) -> Option<&Stmt> {
        self.body.iter().find(|s| s.id == v)
    }

    /// The collections the loop reads.
    pub fn reads(&self) -> Vec<CollId> {
        let mut out: Vec<CollId> = self.body.iter().filter_map(|s| s.expr.loaded()).collect();
        out.sort();
        out.dedup();
        out
    }

    /// The collections the loop merges into.
    pub fn writes(&self) -> Vec<CollId> {
        let mut out: Vec<CollId> = self.merges.iter().map(|m| m.into).collect();
        out.sort();
        out.dedup();
        out
    }

    /// One more than the largest value id used.
    pub fn next_val(&self) -> u32 {
        self.body.iter().map(|s| s.id.0 + 1).max().unwrap_or(0)
    }
}

/// One pipeline node run through Rust (the interpreter's evaluation of the node) on whole
/// collections.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Call {
    /// The pipeline node.
    pub node: NodeId,
    /// Its op's name (for the text form and reports).
    pub op: String,
    /// Its arguments, in order.
    pub args: Vec<CollId>,
    /// The collection it returns.
    pub out: CollId,
    /// The per-row form of the call, when the backend can also compute it row by row inside a
    /// loop (then [`super::rules::InlineCalls`] may move it into its consumer).
    pub row_form: Option<RowForm>,
}

/// A call's per-row form.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum RowForm {
    /// A text vectorizer on a string column: [`Expr::Vectorize`].
    Vectorize {
        /// The vectorizer.
        state: StateId,
    },
    /// Stacking blocks with at least one sparse one: [`Expr::Stack`].
    Stack,
}

/// A stage of a program.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Stage {
    /// A loop over rows (compiled to native code).
    Loop(Loop),
    /// A call back into Rust.
    Call(Call),
}

impl Stage {
    /// The collections the stage reads.
    pub fn reads(&self) -> Vec<CollId> {
        match self {
            Stage::Loop(l) => l.reads(),
            Stage::Call(c) => {
                let mut v = c.args.clone();
                v.sort();
                v.dedup();
                v
            }
        }
    }

    /// The collections the stage produces.
    pub fn writes(&self) -> Vec<CollId> {
        match self {
            Stage::Loop(l) => l.writes(),
            Stage::Call(c) => vec![c.out],
        }
    }
}

/// A program of loops and calls: what a pipeline (or a part of one) lowers to.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LoopProgram {
    /// The pipeline's name.
    pub name: String,
    /// Which rows every loop runs over.
    pub rows: RowSet,
    /// The collections, indexed by [`CollId`].
    pub collections: Vec<Collection>,
    /// The stages, in execution order.
    pub stages: Vec<Stage>,
    /// The collections the program returns, in order.
    pub outputs: Vec<CollId>,
}

impl LoopProgram {
    /// The collection `c`.
    pub fn coll(&self, c: CollId) -> &Collection {
        &self.collections[c.index()]
    }

    /// Number of stages that are native loops.
    pub fn n_loops(&self) -> usize {
        self.stages.iter().filter(|s| matches!(s, Stage::Loop(_))).count()
    }

    /// The stages that read `c`.
    pub fn readers(&self, c: CollId) -> Vec<usize> {
        (0..self.stages.len()).filter(|&i| self.stages[i].reads().contains(&c)).collect()
    }

    /// The stage that produces `c` (`None` for inputs and collections no stage writes).
    pub fn producer(&self, c: CollId) -> Option<usize> {
        (0..self.stages.len()).find(|&i| self.stages[i].writes().contains(&c))
    }

    /// Checks the program's invariants: every collection read is an input or produced by an
    /// earlier stage; every loop body defines values before use, exactly once, with operand types
    /// that fit; every merge fills a collection column of the right type exactly once; outputs
    /// are produced.
    pub fn validate(&self) -> Result<(), String> {
        let n = self.collections.len();
        let mut ready: Vec<bool> = self.collections.iter().map(|c| matches!(c.origin, Origin::Input(_))).collect();
        let check = |c: CollId, what: &str| -> Result<(), String> {
            if c.index() >= n { Err(format!("{what}: no collection {c}")) } else { Ok(()) }
        };
        for (i, stage) in self.stages.iter().enumerate() {
            for c in stage.reads() {
                check(c, &format!("stage {i}"))?;
                if !ready[c.index()] {
                    return Err(format!("stage {i} reads {c} before it is produced"));
                }
            }
            match stage {
                Stage::Loop(l) => crate::loops::check::check_loop(self, i, l)?,
                Stage::Call(c) => check(c.out, &format!("stage {i}"))?,
            }
            for c in stage.writes() {
                check(c, &format!("stage {i}"))?;
                if ready[c.index()] {
                    return Err(format!("stage {i} writes {c}, which is already produced"));
                }
            }
            for c in stage.writes() {
                ready[c.index()] = true;
            }
        }
        for &o in &self.outputs {
            check(o, "outputs")?;
            if !ready[o.index()] {
                return Err(format!("output {o} is never produced"));
            }
        }
        Ok(())
    }
}
