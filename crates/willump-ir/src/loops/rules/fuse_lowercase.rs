//! Lowercase fusion: a `lowercase` call whose column is only read by text vectorizers (each
//! load of it feeding `vectorize` statements and nothing else) is dropped, and those vectorizers
//! lowercase the original text themselves (`vectorize s0 lowercase(%0)`). The lowercased column,
//! a full copy of the text, is never built; a text kernel lowercases ASCII bytes as it scans.
//!
//! Exact: `lowercase` is Python's `str.lower()`, which is what the vectorizer applies, row by
//! row, to the same strings (null stays null).

use super::super::ir::{CollId, Expr, LoopProgram, Stage, ValId};
use super::{Rule, renumber};

/// Moves a `lowercase` call into the vectorizers that read it.
pub struct FuseLowercase;

impl Rule for FuseLowercase {
    fn name(&self) -> &'static str {
        "fuse_lowercase"
    }

    fn rewrite(&self, p: &mut LoopProgram) -> Result<bool, String> {
        let mut changed = false;
        while let Some(i) = find(p) {
            fuse(p, i);
            changed = true;
        }
        Ok(changed)
    }
}

/// The first `lowercase` call every reader of which only vectorizes it.
fn find(p: &LoopProgram) -> Option<usize> {
    (0..p.stages.len()).find(|&i| {
        let Stage::Call(c) = &p.stages[i] else { return false };
        if c.op != "lowercase" || c.args.len() != 1 || p.outputs.contains(&c.out) || c.row_form.is_some() {
            return false;
        }
        let readers = p.readers(c.out);
        !readers.is_empty() && readers.iter().all(|&j| j > i && only_vectorized(p, j, c.out))
    })
}

/// Whether stage `j` is a loop in which `coll` is only loaded, and each load only vectorized
/// (not merged, not read by any other statement).
fn only_vectorized(p: &LoopProgram, j: usize, coll: CollId) -> bool {
    let Stage::Loop(l) = &p.stages[j] else { return false };
    let loads: Vec<ValId> = l
        .body
        .iter()
        .filter(|s| matches!(s.expr, Expr::Load { coll: c, column: 0 } if c == coll))
        .map(|s| s.id)
        .collect();
    if loads.is_empty() || l.merges.iter().any(|m| loads.contains(&m.value)) {
        return false;
    }
    let reads_other = |s: &super::super::ir::Stmt| match &s.expr {
        Expr::Vectorize { lower: false, .. } => false,
        e => e.operands().iter().any(|o| loads.contains(o)),
    };
    // every statement reading the collection is one of those loads; every use of a load is a
    // plain vectorize
    l.body.iter().all(|s| s.expr.loaded() != Some(coll) || loads.contains(&s.id)) && !l.body.iter().any(reads_other)
}

/// Rewrites the readers of call stage `i` to load its argument and lowercase in the vectorizers,
/// then removes the call.
fn fuse(p: &mut LoopProgram, i: usize) {
    let Stage::Call(call) = p.stages[i].clone() else { unreachable!("find returns calls") };
    let (out, src) = (call.out, call.args[0]);
    for st in p.stages.iter_mut() {
        let Stage::Loop(l) = st else { continue };
        let loads: Vec<ValId> = l
            .body
            .iter()
            .filter(|s| matches!(s.expr, Expr::Load { coll: c, column: 0 } if c == out))
            .map(|s| s.id)
            .collect();
        if loads.is_empty() {
            continue;
        }
        for s in &mut l.body {
            match &mut s.expr {
                Expr::Load { coll, .. } if *coll == out => *coll = src,
                Expr::Vectorize { a, lower, .. } if loads.contains(a) => *lower = true,
                _ => {}
            }
        }
        renumber(l);
    }
    p.stages.remove(i);
}
