//! Producer-into-consumer fusion: when the only reader of a collection a loop appends to is one
//! later loop, the consumer computes the values itself instead of loading them, and the
//! collection is never materialized (Weld's loop fusion).
//!
//! Statements the producer still needs for its other merges are copied, not moved; a costly
//! statement (a model) is never duplicated this way: such a producer is left alone.

use std::collections::HashMap;

use super::super::ir::{Builder, CollId, Expr, Loop, LoopProgram, Stage, Stmt, ValId};
use super::{Rule, renumber, retype};

/// Fuses a producer loop into its single consumer loop.
pub struct FuseProducer;

impl Rule for FuseProducer {
    fn name(&self) -> &'static str {
        "fuse_producer"
    }

    fn rewrite(&self, p: &mut LoopProgram) -> Result<bool, String> {
        let mut changed = false;
        'search: loop {
            for i in 0..p.stages.len() {
                let Stage::Loop(prod) = &p.stages[i] else { continue };
                for c in prod.writes() {
                    if p.outputs.contains(&c) || prod.merges.iter().any(|m| m.into == c && m.builder != Builder::Append)
                    {
                        continue;
                    }
                    let readers = p.readers(c);
                    let [j] = readers[..] else { continue };
                    if j <= i || p.stages[j].rows_differ(prod) {
                        continue;
                    }
                    let Stage::Loop(_) = &p.stages[j] else { continue };
                    if duplicates_costly(prod, c) {
                        continue;
                    }
                    fuse(p, i, j, c)?;
                    changed = true;
                    continue 'search;
                }
            }
            return Ok(changed);
        }
    }
}

impl Stage {
    fn rows_differ(&self, l: &Loop) -> bool {
        match self {
            Stage::Loop(m) => m.rows != l.rows,
            Stage::Call(_) => true,
        }
    }
}

/// The statements (transitively) needed by `values`, in body order.
fn needed(l: &Loop, values: &[ValId]) -> Vec<ValId> {
    let mut want: Vec<ValId> = values.to_vec();
    let mut out = Vec::new();
    for s in l.body.iter().rev() {
        if want.contains(&s.id) {
            out.push(s.id);
            want.extend(s.expr.operands());
        }
    }
    out.reverse();
    out
}

/// Whether fusing `c` away would compute a costly statement both in the producer (for its other
/// merges) and in the consumer.
fn duplicates_costly(prod: &Loop, c: CollId) -> bool {
    let for_c: Vec<ValId> = prod.merges.iter().filter(|m| m.into == c).map(|m| m.value).collect();
    let rest: Vec<ValId> = prod.merges.iter().filter(|m| m.into != c).map(|m| m.value).collect();
    let a = needed(prod, &for_c);
    let b = needed(prod, &rest);
    a.iter().any(|v| b.contains(v) && prod.stmt(*v).is_some_and(|s| s.expr.is_costly()))
}

fn fuse(p: &mut LoopProgram, i: usize, j: usize, c: CollId) -> Result<(), String> {
    let Stage::Loop(prod) = p.stages[i].clone() else { unreachable!() };
    let Stage::Loop(mut cons) = p.stages[j].clone() else { unreachable!() };
    let for_c: HashMap<u32, ValId> = prod.merges.iter().filter(|m| m.into == c).map(|m| (m.column, m.value)).collect();
    let copy = needed(&prod, &for_c.values().copied().collect::<Vec<_>>());
    // Copy the producer's statements to the front of the consumer, with fresh ids.
    let base = cons.next_val().max(prod.next_val());
    let mut map: HashMap<ValId, ValId> = HashMap::new();
    let mut front: Vec<Stmt> = Vec::new();
    for (k, v) in copy.iter().enumerate() {
        let mut s = prod.stmt(*v).expect("needed values are defined").clone();
        s.id = ValId(base + k as u32);
        s.expr.map_operands(|o| map[&o]);
        map.insert(*v, s.id);
        front.push(s);
    }
    // Each load of `c` becomes the value the producer merged.
    let mut subst: HashMap<ValId, ValId> = HashMap::new();
    let mut body = Vec::new();
    for s in cons.body.drain(..) {
        match s.expr {
            Expr::Load { coll, column } if coll == c => {
                let v = for_c.get(&column).ok_or_else(|| format!("{c}[{column}] is never merged"))?;
                subst.insert(s.id, map[v]);
            }
            Expr::LoadRow { coll } if coll == c => {
                let v = for_c.get(&0).ok_or_else(|| format!("{c} is never merged"))?;
                subst.insert(s.id, map[v]);
            }
            _ => body.push(s),
        }
    }
    for s in &mut body {
        s.expr.map_operands(|o| subst.get(&o).copied().unwrap_or(o));
    }
    for m in &mut cons.merges {
        m.value = subst.get(&m.value).copied().unwrap_or(m.value);
    }
    front.extend(body);
    cons.body = front;
    retype(p, &mut cons)?;
    renumber(&mut cons);
    let mut prod = prod;
    prod.merges.retain(|m| m.into != c);
    p.stages[j] = Stage::Loop(cons);
    if prod.merges.is_empty() {
        p.stages.remove(i);
    } else {
        p.stages[i] = Stage::Loop(prod);
    }
    Ok(())
}
