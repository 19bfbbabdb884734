//! willump-ir: the pipeline IR as data. A [`Graph`] is an arena of typed nodes (feature
//! operators applied to earlier nodes) addressed by [`NodeId`], plus a table of bound state
//! addressed by [`StateId`]; it validates itself, prints and parses a stable text form, and
//! discovers its feature groups. Nothing here executes anything: the runtime interprets the IR
//! and the JIT compiles it.
//!
//! See ARCHITECTURE.md at the repository root for the map of the crates.

pub mod cascade;
pub mod entity;
pub mod error;
pub mod graph;
pub mod groups;
pub mod loops;
pub mod op;
pub mod params;
pub mod state;
pub mod text;
pub mod types;
pub mod typing;

pub use cascade::{CascadeNodes, CascadeSpec, SplitGraphs, cascade_graph, selected_columns, small_graph, split_graphs};
pub use entity::{NodeId, StateId};
pub use error::IrError;
pub use graph::{Graph, Node};
pub use groups::{FeatureGroup, FeatureGroups, discover};
pub use op::{ArithOp, Attr, BucketRule, ModelOutput, Op, Scalar};
pub use state::{ModelTask, StateDecl, StateKind};
pub use types::{ColumnType, Schema, Type};
