//! Common subexpressions: two statements of one loop with the same expression (after their
//! operands are merged) compute the same value; the later one is replaced by the earlier. After
//! sibling fusion this merges the loads of the same column.

use std::collections::HashMap;

use super::super::ir::{LoopProgram, Stage, ValId};
use super::{Rule, renumber, retype};

/// Merges identical statements within each loop.
pub struct Cse;

impl Rule for Cse {
    fn name(&self) -> &'static str {
        "cse"
    }

    fn rewrite(&self, p: &mut LoopProgram) -> Result<bool, String> {
        let mut changed = false;
        for k in 0..p.stages.len() {
            let Stage::Loop(l) = &p.stages[k] else { continue };
            let mut l = l.clone();
            let mut seen: Vec<(String, ValId)> = Vec::new();
            let mut subst: HashMap<ValId, ValId> = HashMap::new();
            let mut body = Vec::new();
            for mut s in l.body.drain(..) {
                s.expr.map_operands(|o| subst.get(&o).copied().unwrap_or(o));
                // The debug form is a faithful key: it prints every field, floats bit-exactly
                // enough for equality of the same constant.
                let key = format!("{:?}", s.expr);
                match seen.iter().find(|(k, _)| *k == key) {
                    Some(&(_, v)) => {
                        subst.insert(s.id, v);
                    }
                    None => {
                        seen.push((key, s.id));
                        body.push(s);
                    }
                }
            }
            if subst.is_empty() {
                continue;
            }
            l.body = body;
            for m in &mut l.merges {
                m.value = subst.get(&m.value).copied().unwrap_or(m.value);
            }
            retype(p, &mut l)?;
            renumber(&mut l);
            p.stages[k] = Stage::Loop(l);
            changed = true;
        }
        Ok(changed)
    }
}
