//! Call inlining: a call with a per-row form (a text vectorizer, stacking with sparse blocks)
//! whose only reader is one loop is computed inside that loop instead, row by row, so its batch
//! value (a sparse matrix) is never materialized. With a linear model as the consumer, the model
//! then takes each row's (term, value) pairs straight from the text scan.

use super::super::check::column_ltype;
use super::super::ir::{CollId, Expr, LType, LoopProgram, RowForm, Stage, Stmt, ValId};
use super::{Rule, renumber, retype};
use crate::types::Type;

/// Moves per-row calls into their single consumer loop.
pub struct InlineCalls;

impl Rule for InlineCalls {
    fn name(&self) -> &'static str {
        "inline_calls"
    }

    fn rewrite(&self, p: &mut LoopProgram) -> Result<bool, String> {
        let mut changed = false;
        while let Some((i, j)) = find(p) {
            inline(p, i, j)?;
            changed = true;
        }
        Ok(changed)
    }
}

fn find(p: &LoopProgram) -> Option<(usize, usize)> {
    for (i, st) in p.stages.iter().enumerate() {
        let Stage::Call(c) = st else { continue };
        if c.row_form.is_none() || p.outputs.contains(&c.out) {
            continue;
        }
        let readers = p.readers(c.out);
        if let [j] = readers[..]
            && j > i
            && matches!(p.stages[j], Stage::Loop(_))
        {
            return Some((i, j));
        }
    }
    None
}

/// Statements that load the whole current row of `c`.
fn load_row(p: &LoopProgram, c: CollId, next: &mut u32, out: &mut Vec<Stmt>) -> Result<ValId, String> {
    let mut push = |ty: LType, expr: Expr| {
        let id = ValId(*next);
        *next += 1;
        out.push(Stmt { id, ty, expr });
        id
    };
    Ok(match &p.coll(c).ty {
        Type::Column(_) => {
            let ty = column_ltype(&p.coll(c).ty, 0).ok_or_else(|| format!("{c} cannot be loaded"))?;
            push(ty, Expr::Load { coll: c, column: 0 })
        }
        Type::Dense(Some(n)) => push(LType::Vector(*n), Expr::LoadRow { coll: c }),
        Type::Sparse(Some(n)) => push(LType::Sparse(*n), Expr::LoadRow { coll: c }),
        t => return Err(format!("{c}: a {t} row cannot be loaded")),
    })
}

fn inline(p: &mut LoopProgram, i: usize, j: usize) -> Result<(), String> {
    let Stage::Call(call) = p.stages[i].clone() else { unreachable!("find returns calls") };
    let Stage::Loop(mut l) = p.stages[j].clone() else { unreachable!("find returns loops") };
    let Type::Sparse(Some(n)) = p.coll(call.out).ty else {
        return Err(format!("{}: a per-row call must return a sparse block of known width", call.out));
    };
    let mut next = l.next_val();
    let mut front = Vec::new();
    let args = call.args.iter().map(|&a| load_row(p, a, &mut next, &mut front)).collect::<Result<Vec<_>, _>>()?;
    let expr = match call.row_form {
        Some(RowForm::Vectorize { state }) => Expr::Vectorize { state, a: args[0], lower: false },
        Some(RowForm::Stack) => Expr::Stack(args),
        None => unreachable!("find returns calls with a per-row form"),
    };
    let value = ValId(next);
    front.push(Stmt { id: value, ty: LType::Sparse(n), expr });
    let mut body = Vec::new();
    let mut replaced = Vec::new();
    for s in l.body.drain(..) {
        match s.expr {
            Expr::LoadRow { coll } if coll == call.out => replaced.push(s.id),
            _ => body.push(s),
        }
    }
    for s in &mut body {
        s.expr.map_operands(|o| if replaced.contains(&o) { value } else { o });
    }
    for m in &mut l.merges {
        if replaced.contains(&m.value) {
            m.value = value;
        }
    }
    front.extend(body);
    l.body = front;
    retype(p, &mut l)?;
    renumber(&mut l);
    p.stages[j] = Stage::Loop(l);
    p.stages.remove(i);
    Ok(())
}
