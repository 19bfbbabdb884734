//! [`compile`] and [`CompiledPipeline`]: a pipeline lowered to loops, fused, JIT-compiled, and
//! run from many threads at once.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use cranelift_jit::JITModule;
use willump_ir::loops::{self, CollId, Expr, LoopProgram, Origin, RowSet, Snapshot, Stage};
use willump_ir::types::{ColumnType, Type};
use willump_ir::{FeatureGroup, NodeId};
use willump_runtime::value::Value;
use willump_runtime::{Error, Pipeline, Result};

use crate::cell::Cell;
use crate::codegen::{ConstPool, Jit, LoopFn, Part, Slot};
use crate::join::{CompiledJoin, JoinIndex};
use crate::models::{ModelInfo, Natives};
use crate::options::CompileOptions;
use crate::program::{ExecStage, Program, bound_model};
use crate::report::{CompileReport, StageReport};
use crate::text::{TextKernel, TextScratch};
use willump_runtime::state::BoundState;

/// The code memory of one compiled program: the JIT module and the tables its code reads. Freed
/// (`free_memory`) when dropped; everything holding its function pointers is dropped first.
struct JitCode {
    module: Option<JITModule>,
    _consts: ConstPool,
}

// SAFETY: the module is only touched when it is dropped (through `&mut self`); shared references
// never reach it.
unsafe impl Sync for JitCode {}

impl Drop for JitCode {
    fn drop(&mut self) {
        if let Some(m) = self.module.take() {
            // SAFETY: the owner drops every function pointer into this module (its `Program`)
            // before this field, and no call can be running: calls borrow the owner.
            unsafe { m.free_memory() };
        }
    }
}

/// A compiled program with the code it runs.
struct Compiled {
    program: Program,
    report: CompileReport,
    _code: JitCode,
}

/// Lowers, fuses and compiles the nodes `wanted` of `pipeline`.
fn build(pipeline: &Pipeline, wanted: &[NodeId], rows: RowSet, opts: &CompileOptions) -> Result<Compiled> {
    let start = Instant::now();
    let graph = pipeline.graph();
    let natives = Natives { states: pipeline.states() };
    let mut lp = loops::lower(graph, wanted, rows, &natives).map_err(|e| Error::op("compile", e))?;
    let lowered_nodes = lowered(&lp);
    let rules: Vec<Box<dyn loops::Rule>> = if opts.fuse {
        loops::default_rules()
    } else {
        vec![Box::new(loops::rules::Cse), Box::new(loops::rules::DeadCode)]
    };
    let trace: Vec<Snapshot> = loops::optimize(&mut lp, &rules).map_err(|e| Error::op("compile", e.to_string()))?;
    // after the rules: the calls left run through Rust, everything else (calls inlined into loops
    // included) is native
    let callbacks: Vec<NodeId> =
        lp.stages.iter().filter_map(|s| if let Stage::Call(c) = s { Some(c.node) } else { None }).collect();
    let native: Vec<NodeId> = lowered_nodes.into_iter().filter(|n| !callbacks.contains(n)).collect();
    let mut models = HashMap::new();
    let mut kernels: Vec<Box<TextKernel>> = Vec::new();
    let mut kernel_of: HashMap<(willump_ir::StateId, bool), (usize, i64)> = HashMap::new();
    let mut joins: Vec<Box<CompiledJoin>> = Vec::new();
    let mut join_of: crate::codegen::JoinAddrs = HashMap::new();
    for st in &lp.stages {
        let Stage::Loop(l) = st else { continue };
        for s in &l.body {
            if let Expr::Model { state, .. } = &s.expr {
                let m = bound_model(pipeline.states(), *state)
                    .ok_or_else(|| Error::op("compile", format!("{state} is not a model")))?;
                let info = ModelInfo::of(m)
                    .ok_or_else(|| Error::op("compile", format!("model {state} cannot be compiled natively")))?;
                models.insert(*state, info);
            }
            if let Expr::JoinProbe { state, .. } = &s.expr
                && !join_of.contains_key(state)
            {
                let BoundState::Join(j) = &pipeline.states()[state.index()] else {
                    return Err(Error::op("compile", format!("{state} is not a side table")));
                };
                let cj = CompiledJoin::of(j)
                    .ok_or_else(|| Error::op("compile", format!("join {state} cannot be compiled")))?;
                let cj = Box::new(cj);
                join_of.insert(*state, (&cj.index as *const JoinIndex as i64, cj.gathers(), cj.stride()));
                joins.push(cj);
            }
            if let Expr::Vectorize { state, lower, .. } = &s.expr
                && !kernel_of.contains_key(&(*state, *lower))
            {
                let k = TextKernel::of(&pipeline.states()[state.index()], opts.vocab_hash_bits, *lower)
                    .ok_or_else(|| Error::op("compile", format!("{state} is not a count or TF-IDF vectorizer")))?;
                kernels.push(Box::new(k));
                let k = kernels.last().expect("just pushed");
                kernel_of.insert((*state, *lower), (kernels.len() - 1, &**k as *const TextKernel as i64));
            }
        }
    }
    let mut jit = Jit::new(opts).map_err(|e| Error::op("compile", e))?;
    let mut consts = ConstPool::default();
    let mut pending = Vec::new();
    let mut clif = Vec::new();
    for (i, st) in lp.stages.iter().enumerate() {
        if let Stage::Loop(l) = st {
            let p = jit
                .compile_loop(&lp, l, &models, &kernel_of, &join_of, &mut consts)
                .map_err(|e| Error::op("compile", format!("{e}\nloop program:\n{}", loops::print(&lp))))?;
            clif.extend(p.clif.clone());
            pending.push((i, p));
        }
    }
    let ids: Vec<_> = pending.iter().map(|(_, p)| p.func).collect();
    let fns: Vec<LoopFn> = jit.finish(&ids).map_err(|e| Error::op("compile", e))?;
    let mut fn_iter = pending.into_iter().zip(fns);
    let mut stages = Vec::new();
    for (i, st) in lp.stages.iter().enumerate() {
        match st {
            Stage::Loop(_) => {
                let ((j, p), f) = fn_iter.next().expect("one function per loop");
                debug_assert_eq!(i, j);
                stages.push(ExecStage::Native { f, layout: p.layout, stage: i });
            }
            Stage::Call(c) => stages.push(ExecStage::Call { node: c.node, args: c.args.clone(), out: c.out }),
        }
    }
    let stage_reports = lp
        .stages
        .iter()
        .map(|s| match s {
            Stage::Loop(l) => StageReport::Native { statements: l.body.len(), writes: names(&lp, &l.writes()) },
            Stage::Call(c) => {
                StageReport::Callback { node: format!("{} {}", c.node, c.op), writes: names(&lp, &[c.out]) }
            }
        })
        .collect();
    let report = CompileReport {
        pipeline_ir: pipeline.ir_text(),
        loops: trace,
        stages: stage_reports,
        native_nodes: native.iter().map(|n| describe(pipeline, *n)).collect(),
        callback_nodes: callbacks.iter().map(|n| describe(pipeline, *n)).collect(),
        compile_time: Duration::ZERO,
        table_bytes: consts.bytes()
            + kernels.iter().map(|k| k.bytes()).sum::<usize>()
            + joins.iter().map(|j| j.value_bytes()).sum::<usize>(),
        clif,
    };
    let mut compiled = Compiled {
        program: Program { loops: lp, stages, models, kernels, _joins: joins },
        report,
        _code: JitCode { module: Some(jit.module), _consts: consts },
    };
    compiled.report.compile_time = start.elapsed();
    Ok(compiled)
}

fn names(lp: &LoopProgram, cs: &[CollId]) -> Vec<String> {
    cs.iter().map(|c| lp.coll(*c).name.clone()).collect()
}

fn describe(p: &Pipeline, n: NodeId) -> String {
    format!("{n} {} ({})", p.graph().node(n).op.name(), p.graph().display_name(n))
}

/// The nodes a lowered program computes (as loops or calls), in order.
fn lowered(lp: &LoopProgram) -> Vec<NodeId> {
    let mut out = Vec::new();
    for s in &lp.stages {
        match s {
            Stage::Loop(l) => out.extend(l.writes().iter().filter_map(|c| lp.coll(*c).node)),
            Stage::Call(c) => out.push(c.node),
        }
    }
    out
}

/// A pipeline compiled to native code.
///
/// Safe to share between threads and to call from many at once: the generated functions keep no
/// state, every call brings its own buffers. It owns its code memory and frees it when dropped.
pub struct CompiledPipeline {
    pipeline: Pipeline,
    main: Compiled,
    /// Row-subset version, compiled on first use.
    subset: std::sync::OnceLock<std::result::Result<Compiled, String>>,
    opts: CompileOptions,
    pool: Mutex<Vec<OneRow>>,
    one_row_native: bool,
    /// The pipeline's row inputs: their types and names (checked by `predict_one`).
    inputs: Vec<(Type, String)>,
}

/// Compiles `pipeline`: lowering to loops, fusion, Cranelift. Every valid pipeline compiles: what
/// cannot be native runs as a call back into Rust (see [`CompiledPipeline::report`]).
pub fn compile(pipeline: &Pipeline, opts: &CompileOptions) -> Result<CompiledPipeline> {
    let out = pipeline.graph().output().ok_or_else(|| Error::Ir("the graph has no output".into()))?;
    let main = build(pipeline, &[out], RowSet::All, opts)?;
    let has_str = |t: &Type| match t {
        Type::Column(c) => *c == ColumnType::Str,
        Type::Table(s) => s.iter().any(|(_, c)| *c == ColumnType::Str),
        _ => false,
    };
    let lp = &main.program.loops;
    // strings built by loops are copied out by the batch path only
    let builds_str = lp.stages.iter().flat_map(|s| s.writes()).any(|c| has_str(&lp.coll(c).ty));
    let one_row_native = !builds_str
        && main.program.stages.iter().all(|s| matches!(s, ExecStage::Native { .. }))
        && main.program.loops.outputs.iter().all(|o| matches!(main.program.loops.coll(*o).origin, Origin::Computed))
        && output_width(&main.program.loops.coll(main.program.loops.outputs[0]).ty).is_some();
    Ok(CompiledPipeline {
        pipeline: pipeline.clone(),
        main,
        subset: std::sync::OnceLock::new(),
        opts: opts.clone(),
        pool: Mutex::new(Vec::new()),
        one_row_native,
        inputs: pipeline
            .graph()
            .inputs()
            .iter()
            .map(|&i| (pipeline.graph().node(i).ty.clone(), pipeline.graph().display_name(i)))
            .collect(),
    })
}

/// The number of f64s one row of a value of type `ty` is written as by `predict_one`.
fn output_width(ty: &Type) -> Option<usize> {
    match ty {
        Type::Column(c) if *c != ColumnType::Str => Some(1),
        Type::Dense(Some(w)) => Some(*w),
        _ => None,
    }
}

impl CompiledPipeline {
    /// Runs the pipeline on a batch: same contract and output as [`Pipeline::run`], on
    /// [`CompileOptions::threads`] threads.
    pub fn predict(&self, inputs: &[Value]) -> Result<Value> {
        self.predict_threads(inputs, self.opts.threads)
    }

    /// [`predict`](Self::predict) on `threads` threads.
    pub fn predict_threads(&self, inputs: &[Value], threads: usize) -> Result<Value> {
        Ok(self.main.program.run(&self.pipeline, inputs, None, threads)?.remove(0))
    }

    /// Runs the pipeline on a batch (as [`predict`](Self::predict), on
    /// [`CompileOptions::threads`] threads) and writes its output into `out`, reusing `out`'s
    /// memory: for callers that predict batch after batch, this skips allocating and zeroing a
    /// fresh output block per call (for a 37 MB block, zeroing the fresh pages was 14% of the
    /// flights feature stage).
    ///
    /// The pipeline's output must be a dense block (`dense<w>`), and `out` a
    /// [`Value::Dense`] of the batch's shape (`rows x w`, standard row-major layout), such as
    /// the value an earlier `predict` or `predict_into` of a batch of as many rows returned;
    /// anything else is an `Err` naming `out` (nothing is computed). On success `out` holds
    /// exactly what `predict` returns for `inputs` (every value is written; the old contents
    /// never show through). When the block is built by a compiled loop the loop writes straight
    /// into `out`'s buffer; when a callback builds it (no native code for that op) its result is
    /// copied into `out`. After any other `Err` (bad inputs, a failing op) `out` holds either its
    /// old contents or an empty block of `0 x w`.
    pub fn predict_into(&self, inputs: &[Value], out: &mut Value) -> Result<()> {
        let lp = &self.main.program.loops;
        let o = lp.outputs[0];
        let ty = &lp.coll(o).ty;
        let Type::Dense(Some(w)) = *ty else {
            return Err(Error::op("predict_into", format!("the output is a {ty}, not a dense block")));
        };
        let n = self.pipeline.check_inputs(inputs)?;
        let Value::Dense(m) = out else {
            return Err(Error::invalid(
                "predict_into",
                "out",
                format!("expected a dense block of {n} x {w}, found {}", out.ir_type()),
            ));
        };
        if m.dim() != (n, w) || !m.is_standard_layout() {
            let layout = if m.is_standard_layout() { "" } else { " (not in row-major layout)" };
            return Err(Error::invalid(
                "predict_into",
                "out",
                format!("shape {:?}{layout}, expected ({n}, {w}) in row-major layout", m.dim()),
            ));
        }
        let buf = std::mem::replace(m, ndarray::Array2::zeros((0, w)));
        let (v, offset) = buf.into_raw_vec_and_offset();
        if offset.unwrap_or(0) != 0 || v.len() != n * w {
            // an owned block viewing part of its buffer: not reusable as it is
            return Err(Error::invalid("predict_into", "out", "the block is a view into a larger buffer"));
        }
        let mut reuse = Some((o, v));
        let result = self.main.program.run_reusing(&self.pipeline, inputs, None, self.opts.threads, &mut reuse);
        let restore = |reuse: Option<(CollId, Vec<f64>)>| {
            reuse.and_then(|(_, v)| ndarray::Array2::from_shape_vec((n, w), v).ok())
        };
        match result {
            Ok(mut vals) => {
                let Value::Dense(got) = vals.remove(0) else {
                    return Err(Error::op("predict_into", "the output was not a dense block"));
                };
                match restore(reuse) {
                    // a callback built the block: its values go into the caller's buffer
                    Some(mut mine) => {
                        mine.assign(&got);
                        *out = Value::Dense(mine);
                    }
                    None => *out = Value::Dense(got),
                }
                Ok(())
            }
            Err(e) => {
                if let Some(mine) = restore(reuse) {
                    *out = Value::Dense(mine);
                }
                Err(e)
            }
        }
    }

    /// Runs the pipeline on the rows at `rows` only, in that order (as [`Pipeline::run_rows`]).
    pub fn predict_rows(&self, inputs: &[Value], rows: &[usize]) -> Result<Value> {
        let c = self.subset()?;
        Ok(c.program.run(&self.pipeline, inputs, Some(rows), self.opts.threads)?.remove(0))
    }

    fn subset(&self) -> Result<&Compiled> {
        let c = self.subset.get_or_init(|| {
            let out = self.main.program.loops.outputs.clone();
            let nodes: Vec<NodeId> = out.iter().filter_map(|o| self.main.program.loops.coll(*o).node).collect();
            build(&self.pipeline, &nodes, RowSet::Subset, &self.opts).map_err(|e| e.to_string())
        });
        c.as_ref().map_err(|e| Error::op("compile", e.clone()))
    }

    /// Compiles a part of the pipeline: the values of `nodes`, for all rows or a subset (the
    /// cascade and top-K passes compute some feature groups only for some rows).
    pub fn compile_part(&self, nodes: &[NodeId]) -> Result<CompiledPart> {
        compile_nodes(&self.pipeline, nodes, &self.opts)
    }

    /// Compiles one feature group: [`CompiledPart::run`] returns its roots' values.
    pub fn compile_group(&self, group: &FeatureGroup) -> Result<CompiledPart> {
        self.compile_part(&group.roots)
    }

    /// What was compiled: the loop IR after every rewrite, which nodes are native and which are
    /// callbacks, compile time.
    pub fn report(&self) -> &CompileReport {
        &self.main.report
    }

    /// The pipeline this was compiled from.
    pub fn pipeline(&self) -> &Pipeline {
        &self.pipeline
    }

    /// Whether [`predict_one`](Self::predict_one) runs without allocating (every stage native).
    pub fn one_row_is_native(&self) -> bool {
        self.one_row_native
    }

    /// Runs the pipeline on one row and writes its output row to `out` (the values of the
    /// output's one row: `k` probabilities, or one value for a column output, a missing value as
    /// NaN); returns how many values were written.
    ///
    /// When every stage is native ([`one_row_is_native`](Self::one_row_is_native)) this does not
    /// allocate after the first call on each concurrently calling thread: the row is written into
    /// reused per-call scratch. Pipelines with callbacks build one-row values (allocating).
    pub fn predict_one(&self, row: &[Cell<'_>], out: &mut [f64]) -> Result<usize> {
        self.check_row(row)?;
        let lp = &self.main.program.loops;
        let out_coll = lp.outputs[0];
        let width = output_width(&lp.coll(out_coll).ty).ok_or_else(|| {
            Error::op("predict_one", format!("the output is a {}, not a prediction row", lp.coll(out_coll).ty))
        })?;
        if out.len() < width {
            return Err(Error::invalid(
                "predict_one",
                "out",
                format!("{} values for an output row of {width}", out.len()),
            ));
        }
        if !self.one_row_native {
            return self.predict_one_slow(row, out, width);
        }
        let mut one = self.pool.lock().map_err(|_| Error::op("predict_one", "scratch pool poisoned"))?.pop();
        let mut one = match one.take() {
            Some(o) => o,
            None => OneRow::new(&self.main.program)?,
        };
        let result = one.run(&self.main.program, row, out, width);
        if let Ok(mut pool) = self.pool.lock() {
            pool.push(one);
        }
        result.map(|_| width)
    }

    fn check_row(&self, row: &[Cell<'_>]) -> Result<()> {
        if row.len() != self.inputs.len() {
            return Err(Error::op("predict_one", format!("takes {} input(s), got {}", self.inputs.len(), row.len())));
        }
        for (c, (ty, name)) in row.iter().zip(&self.inputs) {
            if ty.column() != Some(c.column_type()) {
                return Err(Error::invalid("predict_one", name, format!("expected {ty}, found {}", c.column_type())));
            }
            if let Cell::Str(Some(s)) = c
                && s.len() > u32::MAX as usize
            {
                return Err(Error::invalid("predict_one", name, "a string over 4 GiB"));
            }
        }
        Ok(())
    }

    fn predict_one_slow(&self, row: &[Cell<'_>], out: &mut [f64], width: usize) -> Result<usize> {
        use willump_runtime::value::{BoolColumn, Column, F64Column, I64Column, StringColumn};
        let inputs: Vec<Value> = row
            .iter()
            .map(|c| match *c {
                Cell::Str(v) => Value::Column(Column::Str(StringColumn::from_options(&[v]))),
                Cell::F64(v) => Value::Column(Column::F64(F64Column::from_options(&[v]))),
                Cell::I64(v) => Value::Column(Column::I64(I64Column::from_options(&[v]))),
                Cell::Bool(v) => Value::Column(Column::Bool(BoolColumn::from_options(&[v]))),
            })
            .collect();
        let v = self.predict_threads(&inputs, 1)?;
        match v {
            Value::Dense(m) => out[..width].copy_from_slice(&m.row(0).to_vec()),
            Value::Column(c) => {
                out[0] = match c {
                    Column::F64(c) => c.get(0).unwrap_or(f64::NAN),
                    Column::I64(c) => c.get(0).map_or(f64::NAN, |x| x as f64),
                    Column::Bool(c) => c.get(0).map_or(f64::NAN, |x| x as u8 as f64),
                    Column::Str(_) => return Err(Error::op("predict_one", "a string output")),
                }
            }
            other => return Err(Error::op("predict_one", format!("a {} output", other.ir_type()))),
        }
        Ok(width)
    }
}

/// Compiles the values of `nodes` of `pipeline`, for all rows or a subset (the cascade and
/// top-K passes compute some feature groups only for some rows; see also
/// [`crate::JitExecutor`]).
pub fn compile_nodes(pipeline: &Pipeline, nodes: &[NodeId], opts: &CompileOptions) -> Result<CompiledPart> {
    let n = pipeline.graph().nodes().len();
    if let Some(bad) = nodes.iter().find(|o| o.index() >= n) {
        return Err(Error::Ir(format!("{bad} is not a node of pipeline `{}`", pipeline.graph().name)));
    }
    let c = build(pipeline, nodes, RowSet::Subset, opts)?;
    Ok(CompiledPart { pipeline: pipeline.clone(), compiled: c, threads: opts.threads })
}

/// A compiled part of a pipeline (some nodes' values), for all rows or a subset.
pub struct CompiledPart {
    pipeline: Pipeline,
    compiled: Compiled,
    threads: usize,
}

impl CompiledPart {
    /// The values of the part's nodes for `rows` (every row when `None`), in order.
    pub fn run(&self, inputs: &[Value], rows: Option<&[usize]>) -> Result<Vec<Value>> {
        self.compiled.program.run(&self.pipeline, inputs, rows, self.threads)
    }

    /// What was compiled.
    pub fn report(&self) -> &CompileReport {
        &self.compiled.report
    }
}

/// One computed column's one row: its value and its validity (a byte, read back as a word).
type ColumnBufs = (Box<[u64]>, Box<[u64]>);

/// Reused buffers of one `predict_one` call: the row's inputs, every computed collection's one
/// row, the argument arrays pointing at them, and the loop scratch. The heap buffers never move
/// (moving a `OneRow` moves only their handles), so the argument arrays are filled once.
struct OneRow {
    /// Per collection: the two offsets of a one-row string input (`[0, len]`).
    str_offsets: Vec<[u32; 2]>,
    /// (stage, argument slot, collection) of every string input's bytes pointer, set per call.
    str_slots: Vec<(usize, usize, usize)>,
    /// One scratch per text kernel.
    texts: Vec<TextScratch>,
    in_vals: Vec<u64>,
    in_valid: Vec<u64>,
    cols: Vec<Vec<ColumnBufs>>,
    dense: Vec<Box<[f64]>>,
    args: Vec<Vec<u64>>,
    scratch: Vec<u128>,
}

impl OneRow {
    fn new(p: &Program) -> Result<OneRow> {
        let lp = &p.loops;
        let nc = lp.collections.len();
        let mut one = OneRow {
            str_offsets: vec![[0, 0]; nc],
            str_slots: Vec::new(),
            texts: p
                .kernels
                .iter()
                .map(|k| k.scratch())
                .collect::<std::result::Result<_, _>>()
                .map_err(|e| Error::op("predict_one", e))?,
            in_vals: vec![0; nc],
            in_valid: vec![0; nc],
            cols: vec![Vec::new(); nc],
            dense: vec![Box::new([]); nc],
            args: Vec::new(),
            scratch: Vec::new(),
        };
        let mut scratch = 0;
        for (i, c) in lp.collections.iter().enumerate() {
            match &c.ty {
                Type::Column(_) => one.cols[i] = vec![(Box::new([0]), Box::new([0]))],
                Type::Table(s) => {
                    one.cols[i] =
                        s.iter().map(|_| (Box::new([0u64]) as Box<[u64]>, Box::new([0u64]) as Box<[u64]>)).collect()
                }
                Type::Dense(Some(w)) => one.dense[i] = vec![0.0; *w].into_boxed_slice(),
                _ => {}
            }
        }
        for (stage_i, st) in p.stages.iter().enumerate() {
            let ExecStage::Native { layout, .. } = st else {
                return Err(Error::op("predict_one", "a callback stage"));
            };
            scratch = scratch.max(layout.scratch);
            let mut args = Vec::with_capacity(layout.slots.len());
            for s in &layout.slots {
                let (coll, column, part) = match *s {
                    Slot::In { coll, column, part } | Slot::Out { coll, column, part } => (coll, column, part),
                };
                let i = coll.index();
                let is_input = matches!(lp.coll(coll).origin, Origin::Input(_));
                let is_str = crate::codegen::column_elem(&lp.coll(coll).ty, column) == Some(ColumnType::Str);
                if is_str && part == Part::Values {
                    one.str_slots.push((stage_i, args.len(), i));
                }
                let p: u64 = match (part, is_input) {
                    (Part::Offsets, true) => one.str_offsets[i].as_ptr() as u64,
                    (Part::Offsets, false) => return Err(Error::op("predict_one", "a computed string column")),
                    (Part::Values, true) => &one.in_vals[i] as *const u64 as u64,
                    (Part::Validity, true) => &one.in_valid[i] as *const u64 as u64,
                    (Part::Values, false) => one.cols[i][column as usize].0.as_ptr() as u64,
                    (Part::Validity, false) => one.cols[i][column as usize].1.as_ptr() as u64,
                    (Part::Data, _) => one.dense[i].as_ptr() as u64,
                    (Part::Indptr | Part::Indices, _) => return Err(Error::op("predict_one", "a sparse block")),
                };
                args.push(p);
            }
            one.args.push(args);
        }
        one.scratch = vec![0u128; scratch.div_ceil(16).max(1)];
        Ok(one)
    }

    fn run(&mut self, p: &Program, row: &[Cell<'_>], out: &mut [f64], width: usize) -> Result<()> {
        let lp = &p.loops;
        for (i, c) in lp.collections.iter().enumerate() {
            if let Origin::Input(k) = c.origin {
                let (bits, valid) = row[k as usize].bits();
                self.in_vals[i] = bits;
                self.in_valid[i] = valid as u64;
                if let Cell::Str(s) = row[k as usize] {
                    // checked by `check_row`: at most u32::MAX bytes
                    self.str_offsets[i] = [0, s.map_or(0, str::len) as u32];
                }
            }
        }
        for &(stage, slot, coll) in &self.str_slots {
            let Origin::Input(k) = lp.collections[coll].origin else { continue };
            let Cell::Str(s) = row[k as usize] else { continue };
            self.args[stage][slot] = s.map_or("".as_ptr(), str::as_ptr) as u64;
        }
        for (st, args) in p.stages.iter().zip(&self.args) {
            let ExecStage::Native { f, stage, layout } = st else { unreachable!("checked in new") };
            for &(off, k) in &layout.text {
                let ptr = &mut self.texts[k] as *mut TextScratch as u64;
                // SAFETY: the layout reserved 8 bytes at `off` in a scratch at least this large.
                unsafe { std::ptr::write_unaligned((self.scratch.as_mut_ptr() as *mut u8).add(off) as *mut u64, ptr) };
            }
            let mut err = [0u64; 2];
            // SAFETY: every pointer in `args` addresses a buffer of this `OneRow` sized for one
            // row of its collection (inputs: one value and one validity word), the loop runs for
            // position 0 only with no row subset, and the scratch has the size every loop needs.
            let code = unsafe {
                f(args.as_ptr(), 0, 1, std::ptr::null(), self.scratch.as_mut_ptr() as *mut u8, err.as_mut_ptr())
            };
            if code != 0 {
                return Err(p.loop_error(*stage, code, err));
            }
        }
        let o = lp.outputs[0];
        match &lp.coll(o).ty {
            Type::Dense(Some(_)) => out[..width].copy_from_slice(&self.dense[o.index()]),
            Type::Column(c) => {
                let (v, valid) = (&self.cols[o.index()][0].0, &self.cols[o.index()][0].1);
                out[0] = if valid[0] & 0xFF == 0 {
                    f64::NAN
                } else {
                    match c {
                        ColumnType::F64 => f64::from_bits(v[0]),
                        ColumnType::I64 => v[0] as i64 as f64,
                        ColumnType::Bool => (v[0] & 0xFF) as f64,
                        ColumnType::Str => return Err(Error::op("predict_one", "a string output")),
                    }
                };
            }
            t => return Err(Error::op("predict_one", format!("a {t} output"))),
        }
        Ok(())
    }
}
