//! Loop IR -> Cranelift: one native function per loop stage.
//!
//! Every generated function has the signature
//! `extern "C" fn(args: *const u64, start: u64, end: u64, rows: *const u64, scratch: *mut u8,
//! err: *mut u64) -> u32`. It runs the loop body for positions `k` in `start..end`, reading input
//! collections at row `rows[k]` (row subsets) or `k`, and everything computed at `k`. `args` is
//! an array of pointers laid out by [`LoopLayout`] (column values, validity words, dense data,
//! output buffers), filled and checked by the caller before entry. `scratch` holds the dense rows
//! the body builds, one area per calling thread. It returns 0, or an error code with the failing
//! position and statement in `err[0]`, `err[1]`.

mod join_probe;
mod linear;
mod quickscorer;
mod scalar;
mod trees;

pub(crate) use quickscorer::{has_simd_kernel, willump_quickscorer};

use std::collections::HashMap;

use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::{AbiParam, Block, BlockArg, InstBuilder, MemFlagsData, Signature, Value, types};
use cranelift_codegen::settings::{self, Configurable};
use cranelift_codegen::{Context, print_errors::pretty_verifier_error};
use cranelift_frontend::{FunctionBuilder, FunctionBuilderContext};
use cranelift_jit::{JITBuilder, JITModule};
use cranelift_module::{FuncId, Linkage, Module};
use willump_ir::StateId;
use willump_ir::loops::{CollId, Expr, Loop, LoopProgram, Origin, RowSet, ValId};
use willump_ir::types::{ColumnType, Type};

use crate::helpers::{HelperTy, helpers};
use crate::models::ModelInfo;
use crate::options::{CompileOptions, OptLevel};

/// Error code: a linear model's input holds a NaN or an infinity.
pub(crate) const ERR_NON_FINITE: u32 = 1;

/// Compiled joins by side-table state: the key index's address, each value column's value and
/// validity addresses in the first record, and the bytes from one record to the next.
pub(crate) type JoinAddrs = HashMap<StateId, (i64, Vec<(i64, i64)>, usize)>;

/// A generated loop function.
pub(crate) type LoopFn = unsafe extern "C" fn(
    args: *const u64,
    start: u64,
    end: u64,
    rows: *const u64,
    scratch: *mut u8,
    err: *mut u64,
) -> u32;

/// Which part of a column an argument slot points to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Part {
    /// f64 / i64 / bool values (bools as bytes).
    Values,
    /// Validity: bitmap words for inputs, one byte per row for outputs.
    Validity,
    /// Row-major dense data.
    Data,
    /// CSR row offsets (`usize`).
    Indptr,
    /// CSR column indices (`u32`).
    Indices,
    /// String offsets (`u32`, rows + 1).
    Offsets,
}

/// One pointer of the argument array.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Slot {
    /// Part of column `column` of a collection the loop reads.
    In { coll: CollId, column: u32, part: Part },
    /// Part of column `column` of a collection the loop builds.
    Out { coll: CollId, column: u32, part: Part },
}

/// The argument layout and scratch size of one generated loop.
#[derive(Debug, Clone, Default)]
pub(crate) struct LoopLayout {
    /// The pointers, in argument-array order.
    pub slots: Vec<Slot>,
    /// Bytes of scratch the body needs (16-byte aligned).
    pub scratch: usize,
    /// Text kernels the body calls: (scratch offset where the caller stores the thread's
    /// `TextScratch` pointer, kernel index).
    pub text: Vec<(usize, usize)>,
}

impl LoopLayout {
    fn slot(&mut self, s: Slot) -> usize {
        match self.slots.iter().position(|&x| x == s) {
            Some(i) => i,
            None => {
                self.slots.push(s);
                self.slots.len() - 1
            }
        }
    }

    /// The scratch offset of kernel `kernel`'s per-thread scratch pointer.
    pub(crate) fn text_slot(&mut self, kernel: usize) -> usize {
        if let Some(&(off, _)) = self.text.iter().find(|(_, k)| *k == kernel) {
            return off;
        }
        let off = self.scratch(8);
        self.text.push((off, kernel));
        off
    }

    /// Reserves `bytes` of scratch (16-byte aligned) and returns its offset.
    fn scratch(&mut self, bytes: usize) -> usize {
        let off = self.scratch;
        self.scratch += bytes.div_ceil(16) * 16;
        off
    }
}

/// Tables the generated code reads (weights, thresholds, boundaries), owned by the compiled
/// pipeline for as long as its code lives. Their heap buffers never move once pushed.
#[derive(Debug, Default)]
pub(crate) struct ConstPool {
    f64s: Vec<Vec<f64>>,
    u32s: Vec<Vec<u32>>,
    /// Prepared structures a kernel reads (boxed: they never move), and their table bytes.
    objects: Vec<Box<dyn std::any::Any + Send + Sync>>,
    object_bytes: usize,
}

impl ConstPool {
    /// Keeps `v` and returns its address.
    pub(crate) fn f64s(&mut self, v: Vec<f64>) -> i64 {
        let v = if v.is_empty() { vec![0.0] } else { v };
        self.f64s.push(v);
        self.f64s.last().expect("just pushed").as_ptr() as i64
    }

    /// Keeps `v` and returns its address.
    pub(crate) fn u32s(&mut self, v: Vec<u32>) -> i64 {
        let v = if v.is_empty() { vec![0] } else { v };
        self.u32s.push(v);
        self.u32s.last().expect("just pushed").as_ptr() as i64
    }

    /// Keeps `v` (whose tables take `bytes`) and returns its address.
    pub(crate) fn object<T: std::any::Any + Send + Sync>(&mut self, v: T, bytes: usize) -> i64 {
        let b = Box::new(v);
        let addr = &*b as *const T as i64;
        self.objects.push(b);
        self.object_bytes += bytes;
        addr
    }

    /// Bytes held.
    pub(crate) fn bytes(&self) -> usize {
        self.f64s.iter().map(|v| v.len() * 8).sum::<usize>()
            + self.u32s.iter().map(|v| v.len() * 4).sum::<usize>()
            + self.object_bytes
    }
}

/// A compiled loop before finalization.
pub(crate) struct PendingLoop {
    pub func: FuncId,
    pub layout: LoopLayout,
    pub clif: Option<String>,
}

/// The JIT: one module holding every function of one compiled pipeline.
pub(crate) struct Jit {
    pub module: JITModule,
    ctx: Context,
    fctx: FunctionBuilderContext,
    helper_ids: HashMap<&'static str, FuncId>,
    counter: usize,
    keep_clif: bool,
    tree_table: bool,
    tree_blocks: bool,
    tree_quick: bool,
}

/// Memory flags for the generated loads and stores: the caller checked every pointer and
/// length, and Rust slices are 8-byte aligned only (never mark vector accesses aligned).
pub(crate) fn mem() -> MemFlagsData {
    MemFlagsData::new().with_notrap()
}

impl Jit {
    /// A JIT for the host machine.
    pub(crate) fn new(opts: &CompileOptions) -> Result<Jit, String> {
        let mut flags = settings::builder();
        let level = match opts.opt_level.resolve(opts.tree_mode) {
            OptLevel::Speed => "speed",
            _ => "none",
        };
        flags.set("opt_level", level).map_err(|e| e.to_string())?;
        flags.set("enable_verifier", if opts.verify { "true" } else { "false" }).map_err(|e| e.to_string())?;
        flags.set("use_colocated_libcalls", "false").map_err(|e| e.to_string())?;
        flags.set("is_pic", "false").map_err(|e| e.to_string())?;
        let isa_builder = cranelift_native::builder().map_err(|e| format!("host machine not supported: {e}"))?;
        let isa = isa_builder.finish(settings::Flags::new(flags)).map_err(|e| e.to_string())?;
        let mut jb = JITBuilder::with_isa(isa, cranelift_module::default_libcall_names());
        let hs = helpers();
        for h in &hs {
            jb.symbol(h.name, h.addr);
        }
        let mut module = JITModule::new(jb);
        let mut helper_ids = HashMap::new();
        for h in &hs {
            let mut sig = module.make_signature();
            let ty = |t: HelperTy| match t {
                HelperTy::F64 => types::F64,
                HelperTy::I64 => types::I64,
            };
            sig.params.extend(h.params.iter().map(|&t| AbiParam::new(ty(t))));
            sig.returns.extend(h.ret.map(|t| AbiParam::new(ty(t))));
            let id = module.declare_function(h.name, Linkage::Import, &sig).map_err(|e| e.to_string())?;
            helper_ids.insert(h.name, id);
        }
        Ok(Jit {
            ctx: module.make_context(),
            module,
            fctx: FunctionBuilderContext::new(),
            helper_ids,
            counter: 0,
            keep_clif: opts.keep_clif,
            tree_table: opts.tree_mode == crate::options::TreeMode::Table,
            tree_blocks: opts.tree_blocks,
            tree_quick: opts.tree_mode == crate::options::TreeMode::QuickScorer,
        })
    }

    fn loop_signature(&self) -> Signature {
        let mut sig = self.module.make_signature();
        for _ in 0..6 {
            sig.params.push(AbiParam::new(types::I64));
        }
        sig.returns.push(AbiParam::new(types::I32));
        sig
    }

    /// Generates the function of one loop.
    pub(crate) fn compile_loop(
        &mut self,
        program: &LoopProgram,
        l: &Loop,
        models: &HashMap<StateId, ModelInfo>,
        kernels: &HashMap<(StateId, bool), (usize, i64)>,
        joins: &JoinAddrs,
        consts: &mut ConstPool,
    ) -> Result<PendingLoop, String> {
        let sig = self.loop_signature();
        let name = format!("loop{}", self.counter);
        self.counter += 1;
        let func = self.module.declare_function(&name, Linkage::Local, &sig).map_err(|e| e.to_string())?;
        self.ctx.func.signature = sig;
        let mut layout = LoopLayout::default();
        let helper_refs: HashMap<&'static str, cranelift_codegen::ir::FuncRef> = self
            .helper_ids
            .iter()
            .map(|(&n, &id)| (n, self.module.declare_func_in_func(id, &mut self.ctx.func)))
            .collect();
        let frontend = self.module.target_config();
        {
            let mut b = FunctionBuilder::new(&mut self.ctx.func, &mut self.fctx);
            let mut cx = scalar::BodyCx {
                b: &mut b,
                program,
                layout: &mut layout,
                consts,
                models,
                helpers: &helper_refs,
                vals: HashMap::new(),
                args: Value::from_u32(0),
                scratch: Value::from_u32(0),
                k: Value::from_u32(0),
                row: Value::from_u32(0),
                fail: None,
                tree_table: self.tree_table,
                kernels,
                joins,
                types: HashMap::new(),
                loop_exits: Vec::new(),
                tree_blocks: self.tree_blocks,
                tree_quick: self.tree_quick,
                probe_scratch: HashMap::new(),
                records: HashMap::new(),
                direct_packs: HashMap::new(),
                nan_gathers: Default::default(),
            };
            emit_loop(&mut cx, l)?;
            b.seal_all_blocks();
            b.finalize(frontend);
        }
        if let Err(e) = verify(&self.ctx.func, self.module.isa(), &name) {
            self.module.clear_context(&mut self.ctx);
            return Err(e);
        }
        let clif = self.keep_clif.then(|| self.ctx.func.display().to_string());
        if let Err(e) = self.module.define_function(func, &mut self.ctx) {
            let text = self.ctx.func.display().to_string();
            self.module.clear_context(&mut self.ctx);
            return Err(format!("Cranelift could not compile {name}: {e:?}\n{text}"));
        }
        self.module.clear_context(&mut self.ctx);
        Ok(PendingLoop { func, layout, clif })
    }

    /// Finalizes every function and returns their addresses.
    pub(crate) fn finish(&mut self, funcs: &[FuncId]) -> Result<Vec<LoopFn>, String> {
        self.module.finalize_definitions().map_err(|e| e.to_string())?;
        Ok(funcs
            .iter()
            .map(|&f| {
                let p = self.module.get_finalized_function(f);
                // SAFETY: `f` was defined with the loop signature `LoopFn` spells.
                unsafe { std::mem::transmute::<*const u8, LoopFn>(p) }
            })
            .collect())
    }
}

/// Runs the Cranelift verifier on `func`; its errors come back with the function printed and
/// annotated.
fn verify(
    func: &cranelift_codegen::ir::Function,
    isa: &dyn cranelift_codegen::isa::TargetIsa,
    name: &str,
) -> Result<(), String> {
    cranelift_codegen::verify_function(func, isa).map_err(|errors| {
        format!("the Cranelift verifier rejected {name}:\n{}", pretty_verifier_error(func, None, errors))
    })
}

/// The loop skeleton: `for k in start..end { row = rows[k] or k; body; merges }`.
fn emit_loop(cx: &mut scalar::BodyCx<'_, '_>, l: &Loop) -> Result<(), String> {
    let entry = cx.b.create_block();
    cx.b.append_block_params_for_function_params(entry);
    cx.b.switch_to_block(entry);
    let params = cx.b.block_params(entry).to_vec();
    let (args, start, end, rows, scratch, err) = (params[0], params[1], params[2], params[3], params[4], params[5]);
    cx.args = args;
    cx.scratch = scratch;
    let header = cx.b.create_block();
    let k = cx.b.append_block_param(header, types::I64);
    let body = cx.b.create_block();
    let exit = cx.b.create_block();
    let fail = cx.b.create_block();
    let fail_k = cx.b.append_block_param(fail, types::I64);
    let fail_stmt = cx.b.append_block_param(fail, types::I64);
    let fail_code = cx.b.append_block_param(fail, types::I32);
    reserve_probes(cx, l, start, end);
    cx.b.ins().jump(header, &[BlockArg::Value(start)]);

    cx.b.switch_to_block(header);
    let done = cx.b.ins().icmp(cranelift_codegen::ir::condcodes::IntCC::UnsignedGreaterThanOrEqual, k, end);
    cx.b.ins().brif(done, exit, &[], body, &[]);

    cx.fail = Some(fail);
    cx.b.switch_to_block(body);
    match blockable(cx, l) {
        Some(m) => {
            // `k` is the first position of a block of rows here
            let next = emit_blocked(cx, l, m, k, end, rows)?;
            cx.b.ins().jump(header, &[BlockArg::Value(next)]);
        }
        None => {
            cx.direct_packs = scalar::direct_packs(l);
            cx.nan_gathers = scalar::nan_gathers(l);
            cx.k = k;
            cx.row = source_row(cx, l.rows, k, rows);
            cx.vals.clear();
            cx.types.clear();
            for (i, s) in l.body.iter().enumerate() {
                let v = cx.stmt(i, s)?;
                cx.vals.insert(s.id, v);
                cx.types.insert(s.id, s.ty);
            }
            for m in &l.merges {
                cx.merge(m)?;
            }
            let next = cx.b.ins().iadd_imm_u(k, 1);
            cx.b.ins().jump(header, &[BlockArg::Value(next)]);
        }
    }

    cx.b.switch_to_block(exit);
    let zero = cx.b.ins().iconst(types::I32, 0);
    cx.b.ins().return_(&[zero]);

    cx.b.switch_to_block(fail);
    cx.b.ins().store(mem(), fail_k, err, 0);
    cx.b.ins().store(mem(), fail_stmt, err, 8);
    cx.b.ins().return_(&[fail_code]);
    Ok(())
}

/// Reserves the scratch of every join probe of `l` and clears its last-key cache (the scratch
/// may hold anything from an earlier call, of another loop too); the same for the memo of every
/// `log1p` ([`scalar::reserve_memo`]).
fn reserve_probes(cx: &mut scalar::BodyCx<'_, '_>, l: &Loop, start: Value, end: Value) {
    for (i, s) in l.body.iter().enumerate() {
        if let willump_ir::loops::Expr::JoinProbe { keys, .. } = &s.expr {
            let off = cx.layout.scratch(crate::join::probe_scratch_bytes(keys.len()));
            let zero = cx.b.ins().iconst(types::I64, 0);
            let head = off + crate::join::probe_cache_header(keys.len());
            for w in 0..crate::join::CACHE_HEADER_WORDS {
                cx.b.ins().store(mem(), zero, cx.scratch, (head + w * 8) as i32);
            }
            cx.probe_scratch.insert(i, off);
        }
        if let willump_ir::loops::Expr::Log1p(_) = &s.expr {
            let off = scalar::reserve_memo(cx, start, end);
            cx.probe_scratch.insert(i, off);
        }
    }
}

/// The source row of position `k`: `rows[k]` for subsets (`rows` may be null: every row, in
/// order), `k` otherwise.
fn source_row(cx: &mut scalar::BodyCx<'_, '_>, set: RowSet, k: Value, rows: Value) -> Value {
    match set {
        RowSet::All => k,
        RowSet::Subset => {
            let load = cx.b.create_block();
            let join = cx.b.create_block();
            let r = cx.b.append_block_param(join, types::I64);
            let is_null = cx.b.ins().icmp_imm_u(IntCC::Equal, rows, 0);
            cx.b.ins().brif(is_null, join, &[BlockArg::Value(k)], load, &[]);
            cx.b.switch_to_block(load);
            let off = cx.b.ins().ishl_imm_u(k, 3);
            let addr = cx.b.ins().iadd(rows, off);
            let loaded = cx.b.ins().load(types::I64, mem(), addr, 0);
            cx.b.ins().jump(join, &[BlockArg::Value(loaded)]);
            cx.b.switch_to_block(join);
            r
        }
    }
}

/// Rows per block when a loop's tree ensemble is evaluated a block of rows at a time.
const TREE_BLOCK: usize = 16;

/// The statement index of a loop's tree-ensemble model when the loop can run in row blocks:
/// trees as branches with blocks asked for, or QuickScorer; a dense input; and everything after
/// the model a function of its output (the rest is computed per row before the block's trees
/// run, the model's users after).
fn blockable(cx: &scalar::BodyCx<'_, '_>, l: &Loop) -> Option<usize> {
    if cx.tree_table || !(cx.tree_blocks || cx.tree_quick) {
        return None;
    }
    let models: Vec<usize> = (0..l.body.len()).filter(|&i| matches!(l.body[i].expr, Expr::Model { .. })).collect();
    let [m] = models[..] else { return None };
    let Expr::Model { state, x, .. } = &l.body[m].expr else { return None };
    if !matches!(cx.models.get(state).map(|i| &i.code), Some(crate::models::ModelCode::Trees(_))) {
        return None;
    }
    if !matches!(l.stmt(*x).map(|s| s.ty), Some(willump_ir::loops::LType::Vector(_))) {
        return None;
    }
    let mut after = vec![l.body[m].id];
    for s in &l.body[m + 1..] {
        if s.expr.operands().iter().any(|o| !after.contains(o)) || s.expr.loaded().is_some() {
            return None;
        }
        after.push(s.id);
    }
    Some(m)
}

/// One block of up to `TREE_BLOCK` rows from position `k0`: the statements before the model per
/// row (their merges included, the model's input row copied into a block matrix), then the trees
/// over the whole block (each tree's code runs for every row of the block in turn, so the
/// ensemble's code is fetched once per block, not once per row), then the model's link, the
/// statements after it and their merges per row. Returns the next block's first position.
fn emit_blocked(
    cx: &mut scalar::BodyCx<'_, '_>,
    l: &Loop,
    m: usize,
    k0: Value,
    end: Value,
    rows: Value,
) -> Result<Value, String> {
    let Expr::Model { state, output, x } = l.body[m].expr.clone() else { unreachable!("blockable") };
    let info = cx.models[&state].clone();
    let crate::models::ModelCode::Trees(e) = &info.code else { unreachable!("blockable") };
    let d = e.n_features;
    let kk = e.n_outputs();
    let xoff = cx.layout_scratch(TREE_BLOCK * d * 8);
    let soff = cx.layout_scratch(TREE_BLOCK * kk * 8);
    let xblk = cx.scratch_at(xoff);
    let sblk = cx.scratch_at(soff);
    let left = cx.b.ins().isub(end, k0);
    let cap = cx.b.ins().iconst(types::I64, TREE_BLOCK as i64);
    let small = cx.b.ins().icmp(IntCC::UnsignedLessThan, left, cap);
    let nb = cx.b.ins().select(small, left, cap);
    let pre_ids: Vec<ValId> = l.body[..m].iter().map(|s| s.id).collect();

    // pass 1: statements before the model, per row
    let (h1, j1) = counted_loop_head(cx, nb);
    cx.k = cx.b.ins().iadd(k0, j1);
    cx.row = source_row(cx, l.rows, cx.k, rows);
    cx.vals.clear();
    cx.types.clear();
    for (i, s) in l.body[..m].iter().enumerate() {
        let v = cx.stmt(i, s)?;
        cx.vals.insert(s.id, v);
        cx.types.insert(s.id, s.ty);
    }
    let Some(scalar::CgVal::Vector { ptr, n }) = cx.vals.get(&x).cloned() else {
        return Err("a tree model's input must be a dense row".into());
    };
    if n != d {
        return Err(format!("model {state} takes {d} features, its input has {n}"));
    }
    let xo = cx.b.ins().imul_imm_u(j1, (d * 8) as i64);
    let dst = cx.b.ins().iadd(xblk, xo);
    cx.copy_f64(dst, ptr, d);
    for mg in l.merges.iter().filter(|mg| pre_ids.contains(&mg.value)) {
        cx.merge(mg)?;
    }
    counted_loop_end(cx, h1, j1);

    // the trees, over the block
    trees::emit_block(cx, e, xblk, nb, sblk);

    // pass 2: the model's output and what follows it, per row
    let (h2, j2) = counted_loop_head(cx, nb);
    cx.k = cx.b.ins().iadd(k0, j2);
    cx.row = source_row(cx, l.rows, cx.k, rows);
    let so = cx.b.ins().imul_imm_u(j2, (kk * 8) as i64);
    let scores = cx.b.ins().iadd(sblk, so);
    let y = linear::link(cx, &info, output, scores, l.body[m].ty)?;
    cx.vals.insert(l.body[m].id, y);
    cx.types.insert(l.body[m].id, l.body[m].ty);
    for (i, s) in l.body.iter().enumerate().skip(m + 1) {
        let v = cx.stmt(i, s)?;
        cx.vals.insert(s.id, v);
        cx.types.insert(s.id, s.ty);
    }
    for mg in l.merges.iter().filter(|mg| !pre_ids.contains(&mg.value)) {
        cx.merge(mg)?;
    }
    counted_loop_end(cx, h2, j2);
    Ok(cx.b.ins().iadd(k0, nb))
}

/// Opens `for j in 0..n`: returns the loop's header block and `j`, positioned in its body; the
/// code after [`counted_loop_end`] runs once the loop is done.
pub(crate) fn counted_loop_head(cx: &mut scalar::BodyCx<'_, '_>, n: Value) -> (Block, Value) {
    let head = cx.b.create_block();
    let body = cx.b.create_block();
    let j = cx.b.append_block_param(head, types::I64);
    let zero = cx.b.ins().iconst(types::I64, 0);
    cx.b.ins().jump(head, &[BlockArg::Value(zero)]);
    cx.b.switch_to_block(head);
    let done = cx.b.create_block();
    let stop = cx.b.ins().icmp(IntCC::UnsignedGreaterThanOrEqual, j, n);
    cx.b.ins().brif(stop, done, &[], body, &[]);
    cx.loop_exits.push(done);
    cx.b.switch_to_block(body);
    (head, j)
}

/// Closes a loop opened by [`counted_loop_head`].
pub(crate) fn counted_loop_end(cx: &mut scalar::BodyCx<'_, '_>, head: Block, j: Value) {
    let next = cx.b.ins().iadd_imm_u(j, 1);
    cx.b.ins().jump(head, &[BlockArg::Value(next)]);
    let done = cx.loop_exits.pop().expect("a loop is open");
    cx.b.switch_to_block(done);
}

/// The element type of column `column` of collection type `ty` (`None` for dense blocks).
pub(crate) fn column_elem(ty: &Type, column: u32) -> Option<ColumnType> {
    match ty {
        Type::Column(c) => Some(*c),
        Type::Table(s) => s.get(column as usize).map(|(_, c)| *c),
        _ => None,
    }
}

/// Whether loads of `c` index by the source row (inputs) rather than the loop position.
pub(crate) fn reads_source_row(program: &LoopProgram, c: CollId) -> bool {
    matches!(program.coll(c).origin, Origin::Input(_))
}

#[cfg(test)]
mod tests {
    use cranelift_codegen::ir::{Function, UserFuncName};
    use cranelift_frontend::{FunctionBuilder, FunctionBuilderContext};
    use cranelift_module::Module;

    use super::*;

    #[test]
    fn a_verifier_error_prints_the_function() {
        let jit = Jit::new(&CompileOptions::default()).unwrap();
        let mut func = Function::with_name_signature(UserFuncName::user(0, 0), jit.loop_signature());
        let mut ctx = FunctionBuilderContext::new();
        let mut b = FunctionBuilder::new(&mut func, &mut ctx);
        let block = b.create_block();
        b.append_block_params_for_function_params(block);
        b.switch_to_block(block);
        // an integer add of two floats: ill-typed
        let x = b.ins().f64const(1.0);
        let y = b.ins().iadd(x, x);
        let _ = y;
        let zero = b.ins().iconst(types::I32, 0);
        b.ins().return_(&[zero]);
        b.seal_all_blocks();
        b.finalize(jit.module.target_config());
        let e = verify(&func, jit.module.isa(), "bad").unwrap_err();
        assert!(e.contains("verifier rejected bad") && e.contains("iadd"), "{e}");
    }
}
