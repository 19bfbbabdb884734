//! Rewrites of the loop IR, one rule per file behind one small trait (DataFusion's optimizer
//! shape): a rule has a name and a `rewrite` that says whether it changed anything. The driver
//! runs an ordered list of rules to a fixed point, checks the program after every change, and
//! names the rule when a rewrite fails or leaves an invalid program. It records the program's
//! text form after lowering and after every rule that changed it.

mod cse;
mod dead_code;
mod fuse_lowercase;
mod fuse_producer;
mod fuse_siblings;
mod inline_calls;

pub use cse::Cse;
pub use dead_code::DeadCode;
pub use fuse_lowercase::FuseLowercase;
pub use fuse_producer::FuseProducer;
pub use fuse_siblings::FuseSiblings;
pub use inline_calls::InlineCalls;

use super::check::infer;
use super::ir::{LType, Loop, LoopProgram, ValId};
use super::print::print;

/// One rewrite of a loop program.
pub trait Rule {
    /// The rule's name (reports and errors name it).
    fn name(&self) -> &'static str;

    /// Rewrites `program` in place; `Ok(true)` when anything changed.
    fn rewrite(&self, program: &mut LoopProgram) -> Result<bool, String>;
}

/// The default rules, in the order the driver tries them.
pub fn default_rules() -> Vec<Box<dyn Rule>> {
    vec![
        Box::new(InlineCalls),
        Box::new(FuseLowercase),
        Box::new(FuseSiblings),
        Box::new(FuseProducer),
        Box::new(Cse),
        Box::new(DeadCode),
    ]
}

/// A rule that failed, or left an invalid program.
#[derive(Debug, Clone, PartialEq)]
pub struct RuleError {
    /// The rule's name.
    pub rule: String,
    /// What went wrong.
    pub message: String,
    /// The program's text form after the failed rewrite.
    pub program: String,
}

impl std::fmt::Display for RuleError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "loop rule `{}` failed: {}\n{}", self.rule, self.message, self.program)
    }
}

impl std::error::Error for RuleError {}

/// The program's text form at one stage of optimization.
#[derive(Debug, Clone, PartialEq)]
pub struct Snapshot {
    /// `lowered`, or the rule that produced this form.
    pub stage: String,
    /// The text form.
    pub text: String,
}

/// Most passes over the rule list before the driver gives up (a rule set that never settles is a
/// bug; the bound keeps it from hanging).
const MAX_PASSES: usize = 1000;

/// Runs `rules` to a fixed point. Returns the text form after lowering and after every change.
pub fn optimize(program: &mut LoopProgram, rules: &[Box<dyn Rule>]) -> Result<Vec<Snapshot>, RuleError> {
    let mut trace = vec![Snapshot { stage: "lowered".into(), text: print(program) }];
    for _ in 0..MAX_PASSES {
        let mut changed = false;
        for rule in rules {
            let fail = |message: String, p: &LoopProgram| RuleError {
                rule: rule.name().to_string(),
                message,
                program: print(p),
            };
            let c = rule.rewrite(program).map_err(|m| fail(m, program))?;
            if c {
                program.validate().map_err(|m| fail(format!("left an invalid program: {m}"), program))?;
                trace.push(Snapshot { stage: rule.name().to_string(), text: print(program) });
                changed = true;
            }
        }
        if !changed {
            return Ok(trace);
        }
    }
    Err(RuleError {
        rule: "driver".into(),
        message: format!("no fixed point after {MAX_PASSES} passes"),
        program: print(program),
    })
}

/// Recomputes every statement's type in order (after a rewrite replaced an operand by one of a
/// narrower type, e.g. a non-null value where a nullable load was).
pub(crate) fn retype(program: &LoopProgram, l: &mut Loop) -> Result<(), String> {
    let mut types: std::collections::HashMap<ValId, LType> = std::collections::HashMap::new();
    for i in 0..l.body.len() {
        let t = infer(program, &l.body[i].expr, |v| types.get(&v).copied(), l.body[i].ty)?;
        l.body[i].ty = t;
        types.insert(l.body[i].id, t);
    }
    Ok(())
}

/// Renumbers a loop's values `%0, %1, ...` in body order (keeps the text form readable).
pub(crate) fn renumber(l: &mut Loop) {
    let map: std::collections::HashMap<ValId, ValId> =
        l.body.iter().enumerate().map(|(i, s)| (s.id, ValId(i as u32))).collect();
    for s in &mut l.body {
        s.id = map[&s.id];
        s.expr.map_operands(|v| map[&v]);
    }
    for m in &mut l.merges {
        m.value = map[&m.value];
    }
}
