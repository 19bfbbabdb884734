//! Sibling fusion: two loops over the same rows that do not depend on each other become one loop,
//! so the rows are walked once and shared loads can be merged (by [`super::Cse`]).

use super::super::ir::{LoopProgram, Stage, ValId};
use super::{Rule, renumber};

/// Fuses independent loops over the same rows.
pub struct FuseSiblings;

impl Rule for FuseSiblings {
    fn name(&self) -> &'static str {
        "fuse_siblings"
    }

    fn rewrite(&self, p: &mut LoopProgram) -> Result<bool, String> {
        let mut changed = false;
        while let Some((i, j)) = find_pair(p) {
            let Stage::Loop(b) = p.stages.remove(j) else { unreachable!("find_pair returns loops") };
            let Stage::Loop(a) = &mut p.stages[i] else { unreachable!("find_pair returns loops") };
            let base = a.next_val();
            let shift = |v: ValId| ValId(v.0 + base);
            for mut s in b.body {
                s.id = shift(s.id);
                s.expr.map_operands(shift);
                a.body.push(s);
            }
            for mut m in b.merges {
                m.value = shift(m.value);
                a.merges.push(m);
            }
            renumber(a);
            changed = true;
        }
        Ok(changed)
    }
}

/// Loops `i < j` that can run as one loop at position `i`: everything `j` reads exists before
/// stage `i` (so `j` may move up), and nothing between them reads what `j` writes.
fn find_pair(p: &LoopProgram) -> Option<(usize, usize)> {
    let loops: Vec<usize> = (0..p.stages.len()).filter(|&k| matches!(p.stages[k], Stage::Loop(_))).collect();
    for (x, &i) in loops.iter().enumerate() {
        for &j in &loops[x + 1..] {
            let produced_between: Vec<_> = p.stages[i..j].iter().flat_map(|s| s.writes()).collect();
            let j_reads = p.stages[j].reads();
            if j_reads.iter().any(|c| produced_between.contains(c)) {
                continue;
            }
            let j_writes = p.stages[j].writes();
            // stages after j are unaffected; stages between i and j cannot read j's writes (they
            // come before j), so moving j up to i is safe
            debug_assert!(p.stages[i + 1..j].iter().all(|s| s.reads().iter().all(|c| !j_writes.contains(c))));
            return Some((i, j));
        }
    }
    None
}
