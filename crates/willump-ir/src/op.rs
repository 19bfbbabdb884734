//! Operator kinds of the pipeline IR and their parameters.
//!
//! Every operator of the eager library has exactly one kind here, so that lifting (eager call ->
//! op) and interpreting (op -> eager call) are both one table lookup. Stateless parameters
//! (constants, bounds) are fields of the op; fitted state (vocabularies, side tables, models) is
//! referenced by a [`StateId`].

use serde::{Deserialize, Serialize};

use crate::entity::StateId;

pub use crate::params::numeric::{ArithOp, BucketRule};
pub use crate::params::table::Scalar;

/// The text form of an arithmetic operator.
pub fn arith_name(op: ArithOp) -> &'static str {
    op.name()
}

/// Parses the text form of an arithmetic operator.
pub fn parse_arith(s: &str) -> Option<ArithOp> {
    Some(match s {
        "add" => ArithOp::Add,
        "sub" => ArithOp::Sub,
        "mul" => ArithOp::Mul,
        "div" => ArithOp::Div,
        _ => return None,
    })
}

/// The text form of a scalar.
fn scalar_attr(v: &Scalar) -> Attr {
    match v {
        Scalar::Missing => Attr::Word("missing".into()),
        Scalar::F64(x) => Attr::F64(*x),
        Scalar::I64(x) => Attr::Int(*x),
        Scalar::Bool(b) => Attr::Bool(*b),
        Scalar::Str(s) => Attr::Str(s.clone()),
    }
}

fn attr_scalar(a: &Attr) -> Option<Scalar> {
    Some(match a {
        Attr::Word(w) if w == "missing" => Scalar::Missing,
        Attr::F64(x) => Scalar::F64(*x),
        Attr::Int(x) => Scalar::I64(*x),
        Attr::Bool(b) => Scalar::Bool(*b),
        Attr::Str(s) => Scalar::Str(s.clone()),
        _ => return None,
    })
}

/// What a model node outputs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ModelOutput {
    /// Class probabilities (`dense<k>`).
    Proba,
    /// The predicted class index or regressed value (`f64`).
    Predict,
    /// Raw scores (`dense<outputs>`).
    Raw,
}

impl ModelOutput {
    /// The text form.
    pub fn as_str(&self) -> &'static str {
        match self {
            ModelOutput::Proba => "proba",
            ModelOutput::Predict => "predict",
            ModelOutput::Raw => "raw",
        }
    }

    /// Parses the text form.
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "proba" => ModelOutput::Proba,
            "predict" => ModelOutput::Predict,
            "raw" => ModelOutput::Raw,
            _ => return None,
        })
    }
}

/// An operator: what a node computes from its arguments.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Op {
    /// Pipeline input number `index` (a per-row column).
    Input {
        /// Position among the pipeline's row inputs.
        index: u32,
    },
    /// Unicode lowercasing of a string column (Python's `str.lower`).
    Lowercase,
    /// scikit-learn's default word tokenization of a string column.
    Tokenize,
    /// A fitted text vectorizer (count, TF-IDF or hashing) applied to strings or tokens.
    Vectorize {
        /// The vectorizer.
        state: StateId,
    },
    /// Element-wise arithmetic between two numeric columns.
    Arith {
        /// The operator.
        op: ArithOp,
    },
    /// Element-wise arithmetic between a numeric column and a constant.
    ArithConst {
        /// The operator.
        op: ArithOp,
        /// The constant.
        value: f64,
        /// Whether the constant is the left operand (`value - x` rather than `x - value`).
        const_left: bool,
    },
    /// `ln(1 + x)` element-wise.
    Log1p,
    /// Clamps values to `[lo, hi]`.
    Clip {
        /// Lower bound.
        lo: f64,
        /// Upper bound.
        hi: f64,
    },
    /// Replaces missing values (and NaN in an f64 column when `nan`) by `value`, keeping the
    /// column's type.
    FillMissing {
        /// The replacement.
        value: Scalar,
        /// Whether NaN counts as missing too.
        nan: bool,
    },
    /// The bucket index of each value among sorted `boundaries` (numpy's `digitize`).
    Bucketize {
        /// Strictly increasing bucket boundaries.
        boundaries: Vec<f64>,
        /// Which side of a bucket is closed.
        rule: BucketRule,
    },
    /// One-hot encoding with fitted categories.
    OneHot {
        /// The fitted encoder.
        state: StateId,
    },
    /// Numeric columns and tables to one dense block (missing -> NaN).
    ToDense,
    /// Columns to a table with these column names.
    MakeTable {
        /// One name per argument.
        names: Vec<String>,
    },
    /// One column of a table.
    GetColumn {
        /// The column's name.
        name: String,
    },
    /// Some columns of a table, in the given order.
    Select {
        /// The columns' names.
        names: Vec<String>,
    },
    /// Horizontal concatenation of tables.
    Concat,
    /// Left join (lookup) of the probe table's key columns against a fitted side table; yields
    /// the side table's value columns, one row per probe row.
    LeftJoin {
        /// The indexed side table.
        state: StateId,
        /// The probe table's key columns, in the side table's key order.
        keys: Vec<String>,
    },
    /// Horizontal stack of feature blocks into one model input.
    Stack,
    /// A user function the library does not know, called back through Rust.
    Opaque {
        /// The bound function.
        func: StateId,
    },
    /// A model applied to a feature block (the final prediction, or a feature when a later
    /// model uses it).
    Model {
        /// The fitted model.
        state: StateId,
        /// What it outputs.
        output: ModelOutput,
    },
    /// Cascades: the indices (ascending, as an `i64` column) of the rows whose class
    /// probabilities (`dense<k>`, one row per input row) are not confident: the largest
    /// probability of the row is below `threshold`, or the row holds a NaN. Confidence is
    /// `max(p, 1 - p)` for two classes and the top probability for more.
    UnsureRows {
        /// Rows whose top probability is at least this are confident.
        threshold: f64,
    },
    /// The rows of a value (a column, tokens, a feature block or a table) at the row indices of
    /// an `i64` column, in that order: the batch restricted to some rows.
    TakeRows,
    /// Merges in row order: the first argument, with its rows at the ascending row indices of
    /// the third argument (`i64`) replaced, in order, by the rows of the second argument. Both
    /// values have the same type (a column or a dense block).
    MergeRows,
}

/// The shape of an attribute value in the text form.
#[derive(Debug, Clone, PartialEq)]
pub enum Attr {
    /// A float (printed so that it parses back bit-identically: `1.0`, `1e-7`, `inf`, `NaN`).
    F64(f64),
    /// An integer.
    Int(i64),
    /// A quoted string.
    Str(String),
    /// `true` / `false`.
    Bool(bool),
    /// A bare word (an enum variant).
    Word(String),
    /// A bracketed list.
    List(Vec<Attr>),
}

impl Op {
    /// The op's name in the text form.
    pub fn name(&self) -> &'static str {
        match self {
            Op::Input { .. } => "input",
            Op::Lowercase => "lowercase",
            Op::Tokenize => "tokenize",
            Op::Vectorize { .. } => "vectorize",
            Op::Arith { .. } => "arith",
            Op::ArithConst { .. } => "arith_const",
            Op::Log1p => "log1p",
            Op::Clip { .. } => "clip",
            Op::FillMissing { .. } => "fill_missing",
            Op::Bucketize { .. } => "bucketize",
            Op::OneHot { .. } => "one_hot",
            Op::ToDense => "to_dense",
            Op::MakeTable { .. } => "make_table",
            Op::GetColumn { .. } => "get_column",
            Op::Select { .. } => "select",
            Op::Concat => "concat",
            Op::LeftJoin { .. } => "left_join",
            Op::Stack => "stack",
            Op::Opaque { .. } => "opaque",
            Op::Model { .. } => "model",
            Op::UnsureRows { .. } => "unsure_rows",
            Op::TakeRows => "take_rows",
            Op::MergeRows => "merge_rows",
        }
    }

    /// The state this op uses, if any.
    pub fn state(&self) -> Option<StateId> {
        match self {
            Op::Vectorize { state } | Op::OneHot { state } | Op::LeftJoin { state, .. } | Op::Model { state, .. } => {
                Some(*state)
            }
            Op::Opaque { func } => Some(*func),
            _ => None,
        }
    }

    /// Replaces the op's state reference (no effect on ops without state).
    pub fn set_state(&mut self, s: StateId) {
        match self {
            Op::Vectorize { state } | Op::OneHot { state } | Op::LeftJoin { state, .. } | Op::Model { state, .. } => {
                *state = s
            }
            Op::Opaque { func } => *func = s,
            _ => {}
        }
    }

    /// Whether the op is a cheap function of one row that group discovery may recompute in
    /// every group that uses it instead of merging those groups (lowercasing, tokenizing,
    /// element-wise numeric ops, column plumbing).
    pub fn is_cheap_per_row(&self) -> bool {
        matches!(
            self,
            Op::Input { .. }
                | Op::Lowercase
                | Op::Tokenize
                | Op::Arith { .. }
                | Op::ArithConst { .. }
                | Op::Log1p
                | Op::Clip { .. }
                | Op::FillMissing { .. }
                | Op::Bucketize { .. }
                | Op::MakeTable { .. }
                | Op::GetColumn { .. }
                | Op::Select { .. }
                | Op::Concat
        )
    }

    /// The op's attributes (its parameters other than state and arguments), in text order.
    pub fn attrs(&self) -> Vec<(&'static str, Attr)> {
        let strs = |v: &[String]| Attr::List(v.iter().cloned().map(Attr::Str).collect());
        match self {
            Op::Input { index } => vec![("index", Attr::Int(*index as i64))],
            Op::Arith { op } => vec![("op", Attr::Word(arith_name(*op).into()))],
            Op::ArithConst { op, value, const_left } => vec![
                ("op", Attr::Word(arith_name(*op).into())),
                ("value", Attr::F64(*value)),
                ("const_left", Attr::Bool(*const_left)),
            ],
            Op::Clip { lo, hi } => vec![("lo", Attr::F64(*lo)), ("hi", Attr::F64(*hi))],
            Op::FillMissing { value, nan } => vec![("value", scalar_attr(value)), ("nan", Attr::Bool(*nan))],
            Op::Bucketize { boundaries, rule } => vec![
                ("boundaries", Attr::List(boundaries.iter().map(|&b| Attr::F64(b)).collect())),
                (
                    "rule",
                    Attr::Word(match rule {
                        BucketRule::LeftClosed => "left".into(),
                        BucketRule::RightClosed => "right".into(),
                    }),
                ),
            ],
            Op::MakeTable { names } => vec![("names", strs(names))],
            Op::GetColumn { name } => vec![("name", Attr::Str(name.clone()))],
            Op::Select { names } => vec![("names", strs(names))],
            Op::LeftJoin { keys, .. } => vec![("keys", strs(keys))],
            Op::Model { output, .. } => vec![("output", Attr::Word(output.as_str().into()))],
            Op::UnsureRows { threshold } => vec![("threshold", Attr::F64(*threshold))],
            Op::Lowercase
            | Op::Tokenize
            | Op::Vectorize { .. }
            | Op::Log1p
            | Op::OneHot { .. }
            | Op::ToDense
            | Op::Concat
            | Op::Stack
            | Op::Opaque { .. }
            | Op::TakeRows
            | Op::MergeRows => vec![],
        }
    }

    /// Rebuilds an op from its text-form parts: name, state (if any) and attributes.
    pub fn from_parts(name: &str, state: Option<StateId>, attrs: &[(String, Attr)]) -> Result<Op, String> {
        let get = |key: &str| -> Result<&Attr, String> {
            attrs
                .iter()
                .find(|(k, _)| k == key)
                .map(|(_, v)| v)
                .ok_or_else(|| format!("`{name}` needs attribute `{key}`"))
        };
        let f64_ = |key: &str| -> Result<f64, String> {
            match get(key)? {
                Attr::F64(v) => Ok(*v),
                Attr::Int(v) => Ok(*v as f64),
                other => Err(format!("`{name}`: attribute `{key}` must be a number, found {other:?}")),
            }
        };
        let bool_ = |key: &str| -> Result<bool, String> {
            match get(key)? {
                Attr::Bool(b) => Ok(*b),
                other => Err(format!("`{name}`: attribute `{key}` must be true or false, found {other:?}")),
            }
        };
        let word = |key: &str| -> Result<String, String> {
            match get(key)? {
                Attr::Word(w) => Ok(w.clone()),
                other => Err(format!("`{name}`: attribute `{key}` must be a word, found {other:?}")),
            }
        };
        let strs = |key: &str| -> Result<Vec<String>, String> {
            match get(key)? {
                Attr::List(items) => items
                    .iter()
                    .map(|a| match a {
                        Attr::Str(s) => Ok(s.clone()),
                        other => Err(format!("`{name}`: `{key}` must list strings, found {other:?}")),
                    })
                    .collect(),
                other => Err(format!("`{name}`: attribute `{key}` must be a list, found {other:?}")),
            }
        };
        let need_state = || state.ok_or_else(|| format!("`{name}` needs a state argument"));
        let arith = |w: String| parse_arith(&w).ok_or_else(|| format!("`{name}`: unknown arithmetic op `{w}`"));
        let known: &[&str] = match name {
            "input" => &["index"],
            "arith" => &["op"],
            "arith_const" => &["op", "value", "const_left"],
            "clip" => &["lo", "hi"],
            "fill_missing" => &["value", "nan"],
            "bucketize" => &["boundaries", "rule"],
            "make_table" | "select" => &["names"],
            "get_column" => &["name"],
            "left_join" => &["keys"],
            "model" => &["output"],
            "unsure_rows" => &["threshold"],
            _ => &[],
        };
        if let Some((k, _)) = attrs.iter().find(|(k, _)| !known.contains(&k.as_str())) {
            return Err(format!("`{name}` has no attribute `{k}`"));
        }
        let takes_state = matches!(name, "vectorize" | "one_hot" | "left_join" | "model" | "opaque");
        if state.is_some() && !takes_state {
            return Err(format!("`{name}` takes no state argument"));
        }
        Ok(match name {
            "input" => match get("index")? {
                Attr::Int(i) if *i >= 0 && *i <= u32::MAX as i64 => Op::Input { index: *i as u32 },
                other => return Err(format!("`input`: bad index {other:?}")),
            },
            "lowercase" => Op::Lowercase,
            "tokenize" => Op::Tokenize,
            "vectorize" => Op::Vectorize { state: need_state()? },
            "arith" => Op::Arith { op: arith(word("op")?)? },
            "arith_const" => {
                Op::ArithConst { op: arith(word("op")?)?, value: f64_("value")?, const_left: bool_("const_left")? }
            }
            "log1p" => Op::Log1p,
            "clip" => Op::Clip { lo: f64_("lo")?, hi: f64_("hi")? },
            "fill_missing" => Op::FillMissing {
                value: attr_scalar(get("value")?).ok_or_else(|| format!("`{name}`: bad fill value"))?,
                nan: bool_("nan")?,
            },
            "bucketize" => match get("boundaries")? {
                Attr::List(items) => Op::Bucketize {
                    boundaries: items
                        .iter()
                        .map(|a| match a {
                            Attr::F64(v) => Ok(*v),
                            Attr::Int(v) => Ok(*v as f64),
                            other => Err(format!("`bucketize`: boundary {other:?} is not a number")),
                        })
                        .collect::<Result<_, _>>()?,
                    rule: match word("rule")?.as_str() {
                        "left" => BucketRule::LeftClosed,
                        "right" => BucketRule::RightClosed,
                        w => return Err(format!("`bucketize`: unknown rule `{w}` (left or right)")),
                    },
                },
                other => return Err(format!("`bucketize`: boundaries must be a list, found {other:?}")),
            },
            "one_hot" => Op::OneHot { state: need_state()? },
            "to_dense" => Op::ToDense,
            "make_table" => Op::MakeTable { names: strs("names")? },
            "get_column" => match get("name")? {
                Attr::Str(s) => Op::GetColumn { name: s.clone() },
                other => return Err(format!("`get_column`: name must be a string, found {other:?}")),
            },
            "select" => Op::Select { names: strs("names")? },
            "concat" => Op::Concat,
            "left_join" => Op::LeftJoin { state: need_state()?, keys: strs("keys")? },
            "stack" => Op::Stack,
            "opaque" => Op::Opaque { func: need_state()? },
            "model" => {
                let w = word("output")?;
                let output = ModelOutput::parse(&w).ok_or_else(|| format!("`model`: unknown output `{w}`"))?;
                Op::Model { state: need_state()?, output }
            }
            "unsure_rows" => Op::UnsureRows { threshold: f64_("threshold")? },
            "take_rows" => Op::TakeRows,
            "merge_rows" => Op::MergeRows,
            other => return Err(format!("unknown op `{other}`")),
        })
    }
}
