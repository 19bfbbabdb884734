//! Dead code: statements no merge needs, and loops that merge nothing, are removed.

use super::super::ir::{LoopProgram, Stage, ValId};
use super::{Rule, renumber};

/// Removes unused statements and empty loops.
pub struct DeadCode;

impl Rule for DeadCode {
    fn name(&self) -> &'static str {
        "dead_code"
    }

    fn rewrite(&self, p: &mut LoopProgram) -> Result<bool, String> {
        let mut changed = false;
        let before = p.stages.len();
        p.stages.retain(|s| !matches!(s, Stage::Loop(l) if l.merges.is_empty()));
        changed |= p.stages.len() != before;
        for s in &mut p.stages {
            let Stage::Loop(l) = s else { continue };
            let mut live: Vec<ValId> = l.merges.iter().map(|m| m.value).collect();
            for st in l.body.iter().rev() {
                if live.contains(&st.id) {
                    live.extend(st.expr.operands());
                }
            }
            let n = l.body.len();
            l.body.retain(|st| live.contains(&st.id));
            if l.body.len() != n {
                renumber(l);
                changed = true;
            }
        }
        Ok(changed)
    }
}
