//! What the compiler takes from a bound model: its structure (linear weights or trees) copied
//! into tables the compiled pipeline owns, its task, and which models it can compile at all.

use willump_ir::StateId;
use willump_ir::loops::NativeSupport;
use willump_runtime::models::{Model, ModelStructure, Task, TreeEnsemble};
use willump_runtime::state::BoundState;

/// Most outputs a natively compiled linear model may have (its per-output accumulators are
/// unrolled); wider models run as calls.
pub(crate) const MAX_LINEAR_OUTPUTS: usize = 16;

/// A model's structure, owned.
#[derive(Debug, Clone)]
pub(crate) enum ModelCode {
    /// `score[o] = b[o] + sum_j x[j] * w[j * k + o]` (feature-major weights).
    Linear { w: Vec<f64>, b: Vec<f64>, d: usize, k: usize },
    /// A tree ensemble.
    Trees(TreeEnsemble),
}

/// A model ready for code generation.
#[derive(Debug, Clone)]
pub(crate) struct ModelInfo {
    /// Its structure.
    pub code: ModelCode,
    /// What it predicts.
    pub task: Task,
    /// Its class name (error messages).
    pub name: &'static str,
}

impl ModelInfo {
    /// The structure of `m`, when the compiler can use it.
    pub(crate) fn of(m: &dyn Model) -> Option<ModelInfo> {
        let task = m.task();
        let code = match m.structure() {
            ModelStructure::Linear { weights, intercepts, .. } => {
                let (k, d) = weights.dim();
                if k != task.n_outputs() || intercepts.len() != k || d != m.n_features() || k > MAX_LINEAR_OUTPUTS {
                    return None;
                }
                let w: Vec<f64> = weights.t().iter().copied().collect();
                ModelCode::Linear { w, b: intercepts.to_vec(), d, k }
            }
            ModelStructure::Trees(e) => {
                if e.validate().is_err() || e.n_features != m.n_features() || e.task != task {
                    return None;
                }
                ModelCode::Trees(e.clone())
            }
            ModelStructure::Opaque => return None,
        };
        Some(ModelInfo { code, task, name: m.name() })
    }
}

/// The backend's answer to "can this be native?" for one pipeline's bound state.
pub(crate) struct Natives<'a> {
    pub states: &'a [BoundState],
}

impl NativeSupport for Natives<'_> {
    fn native_join(&self, state: StateId) -> bool {
        match self.states.get(state.index()) {
            Some(BoundState::Join(j)) => crate::join::CompiledJoin::of(j).is_some(),
            _ => false,
        }
    }

    fn native_vectorizer(&self, state: StateId) -> bool {
        matches!(self.states.get(state.index()), Some(BoundState::Tfidf(_) | BoundState::Count(_)))
    }

    fn native_model(&self, state: StateId, sparse: bool) -> bool {
        match self.states.get(state.index()).map(|s| match s {
            BoundState::Model(m) => ModelInfo::of(&**m),
            _ => None,
        }) {
            Some(Some(info)) => !sparse || matches!(info.code, ModelCode::Linear { .. }),
            _ => false,
        }
    }
}
