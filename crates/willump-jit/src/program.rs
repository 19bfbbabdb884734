//! [`Program`]: a loop program compiled to native functions plus the calls back into Rust, and
//! how it runs on a batch: inputs checked, every pointer and length the generated code trusts
//! derived from checked values, outputs built into fresh buffers.

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use ndarray::Array2;
use willump_ir::loops::{CollId, LoopProgram, Origin, Stage};
use willump_ir::types::{ColumnType, Type};
use willump_ir::{NodeId, StateId};
use willump_runtime::interp;
use willump_runtime::state::BoundState;
use willump_runtime::value::{Bitmap, Column, PrimitiveColumn, Table, Value};
use willump_runtime::{Error, Pipeline, Result};

use crate::codegen::{ERR_NON_FINITE, LoopFn, LoopLayout, Part, Slot};
use crate::models::ModelInfo;
use crate::text::{TextKernel, TextScratch};

/// One executable stage.
pub(crate) enum ExecStage {
    /// A native loop.
    Native { f: LoopFn, layout: LoopLayout, stage: usize },
    /// A node run through the interpreter's `eval_node`.
    Call { node: NodeId, args: Vec<CollId>, out: CollId },
}

/// A compiled loop program. Holds function pointers into code that the owner of the JIT module
/// keeps alive ([`crate::CompiledPipeline`] drops the module after every program).
pub(crate) struct Program {
    pub loops: LoopProgram,
    pub stages: Vec<ExecStage>,
    pub models: HashMap<StateId, ModelInfo>,
    /// Text kernels the loops call (boxed: the code holds their addresses, taken while the list
    /// still grew).
    #[allow(clippy::vec_box)]
    pub kernels: Vec<Box<TextKernel>>,
    /// Compiled joins (boxed for the same reason; only the code reads them).
    #[allow(clippy::vec_box)]
    pub _joins: Vec<Box<crate::join::CompiledJoin>>,
}

// SAFETY: the function pointers address immutable code and read-only tables owned alongside;
// the generated functions keep no state between calls (every call brings its own scratch and
// output buffers), so sharing them across threads is sound.
unsafe impl Send for Program {}
// SAFETY: see `Send`.
unsafe impl Sync for Program {}

/// A column's raw parts as the generated code reads them.
struct ColumnParts {
    values: *const u8,
    validity: *const u64,
    /// String offsets (string columns only).
    offsets: *const u32,
}

/// An output column being filled.
enum OutColumn {
    F64(Vec<f64>, Vec<u8>),
    I64(Vec<i64>, Vec<u8>),
    Bool(Vec<bool>, Vec<u8>),
    /// Addresses and lengths of string slices of live inputs, copied out by `finish`.
    Str(Vec<u64>, Vec<u64>, Vec<u8>),
}

impl OutColumn {
    fn new(c: ColumnType, n: usize) -> Result<OutColumn> {
        Ok(match c {
            ColumnType::F64 => OutColumn::F64(vec![0.0; n], vec![0; n]),
            ColumnType::I64 => OutColumn::I64(vec![0; n], vec![0; n]),
            ColumnType::Bool => OutColumn::Bool(vec![false; n], vec![0; n]),
            ColumnType::Str => OutColumn::Str(vec![0; n], vec![0; n], vec![0; n]),
        })
    }

    fn ptrs(&mut self) -> (*mut u8, *mut u8) {
        match self {
            OutColumn::F64(v, f) => (v.as_mut_ptr() as *mut u8, f.as_mut_ptr()),
            OutColumn::I64(v, f) => (v.as_mut_ptr() as *mut u8, f.as_mut_ptr()),
            OutColumn::Bool(v, f) => (v.as_mut_ptr() as *mut u8, f.as_mut_ptr()),
            OutColumn::Str(v, _, f) => (v.as_mut_ptr() as *mut u8, f.as_mut_ptr()),
        }
    }

    /// The lengths buffer (string columns only).
    fn lens(&mut self) -> Option<*mut u8> {
        match self {
            OutColumn::Str(_, l, _) => Some(l.as_mut_ptr() as *mut u8),
            _ => None,
        }
    }

    fn finish(self) -> Result<Column> {
        fn col<T: Copy + Default>(v: Vec<T>, f: Vec<u8>) -> Result<PrimitiveColumn<T>> {
            if f.iter().all(|&b| b != 0) {
                Ok(PrimitiveColumn::new(v))
            } else {
                PrimitiveColumn::try_with_validity(v, Bitmap::from_fn(f.len(), |i| f[i] != 0))
            }
        }
        Ok(match self {
            OutColumn::F64(v, f) => Column::F64(col::<f64>(v, f)?),
            OutColumn::I64(v, f) => Column::I64(col::<i64>(v, f)?),
            OutColumn::Bool(v, f) => Column::Bool(col::<bool>(v, f)?),
            OutColumn::Str(p, l, f) => {
                let rows: Vec<Option<&str>> = (0..p.len())
                    .map(|i| {
                        (f[i] != 0).then(|| {
                            // SAFETY: the loop stored the address and length of a string slice of
                            // a column that is still alive (an input or an earlier stage's value,
                            // held by the caller for the whole run), on character boundaries.
                            unsafe {
                                std::str::from_utf8_unchecked(std::slice::from_raw_parts(
                                    p[i] as *const u8,
                                    l[i] as usize,
                                ))
                            }
                        })
                    })
                    .collect();
                Column::Str(willump_runtime::value::StringColumn::from_options(&rows))
            }
        })
    }
}

/// An output collection being filled.
enum OutColl {
    Columns(Vec<OutColumn>),
    Dense(Vec<f64>, usize),
}

impl Program {
    /// Runs the program on `inputs` (checked against the pipeline), over `rows` when given (every
    /// index checked), on up to `threads` threads.
    pub(crate) fn run(
        &self,
        pipeline: &Pipeline,
        inputs: &[Value],
        rows: Option<&[usize]>,
        threads: usize,
    ) -> Result<Vec<Value>> {
        self.run_reusing(pipeline, inputs, rows, threads, &mut None)
    }

    /// [`Program::run`], writing the dense block of collection `reuse.0` into the caller's
    /// buffer `reuse.1` (taken when the loop that builds the block starts; it must hold
    /// exactly `rows * width` values, which the caller checked) instead of a fresh zeroed one.
    /// Every loop writes each row of a dense block it builds in full, so the old contents never
    /// show through.
    pub(crate) fn run_reusing(
        &self,
        pipeline: &Pipeline,
        inputs: &[Value],
        rows: Option<&[usize]>,
        threads: usize,
        reuse: &mut Option<(CollId, Vec<f64>)>,
    ) -> Result<Vec<Value>> {
        let n_in = pipeline.check_inputs(inputs)?;
        let n = match rows {
            Some(r) => {
                if let Some((i, &bad)) = r.iter().enumerate().find(|&(_, &x)| x >= n_in) {
                    return Err(Error::invalid(
                        "compiled pipeline",
                        "rows",
                        format!("row index {bad} (position {i}) is out of range for {n_in} rows"),
                    ));
                }
                r.len()
            }
            None => n_in,
        };
        let rows_u64: Option<Vec<u64>> = rows.map(|r| r.iter().map(|&x| x as u64).collect());
        let ones = vec![u64::MAX; n_in.max(n).div_ceil(64) + 1];
        let mut slots: Vec<Option<Cow<'_, Value>>> = vec![None; self.loops.collections.len()];
        for (i, c) in self.loops.collections.iter().enumerate() {
            if let Origin::Input(k) = c.origin {
                slots[i] = Some(Cow::Borrowed(&inputs[k as usize]));
            }
        }
        // Inputs taken at `rows`, for calls (built on first use).
        let mut taken: HashMap<CollId, Value> = HashMap::new();
        for st in &self.stages {
            match st {
                ExecStage::Native { f, layout, stage } => {
                    let produced = self.run_native(
                        *f,
                        layout,
                        *stage,
                        &slots,
                        &ones,
                        n_in,
                        n,
                        rows_u64.as_deref(),
                        threads,
                        reuse,
                    )?;
                    for (c, v) in produced {
                        slots[c.index()] = Some(Cow::Owned(v));
                    }
                }
                ExecStage::Call { node, args, out } => {
                    let mut vals: Vec<&Value> = Vec::with_capacity(args.len());
                    for a in args {
                        if let (Some(r), Origin::Input(_)) = (rows, &self.loops.coll(*a).origin)
                            && !taken.contains_key(a)
                        {
                            let v = slots[a.index()].as_deref().expect("inputs are bound").take_rows(r)?;
                            taken.insert(*a, v);
                        }
                    }
                    for a in args {
                        let v = match (rows, &self.loops.coll(*a).origin) {
                            (Some(_), Origin::Input(_)) => &taken[a],
                            _ => slots[a.index()]
                                .as_deref()
                                .ok_or_else(|| Error::op("compiled pipeline", format!("{a} is not computed")))?,
                        };
                        vals.push(v);
                    }
                    let graph = pipeline.graph();
                    let nd = graph.node(*node);
                    let state = nd.op.state().map(|s| &pipeline.states()[s.index()]);
                    let v = interp::eval_node(graph, *node, nd, &vals, state)?;
                    if let Some(m) = v.n_rows()
                        && m != n
                        && !matches!(v, Value::Opaque(_))
                    {
                        return Err(Error::op(
                            format!("{} ({})", nd.op.name(), graph.display_name(*node)),
                            format!("returned {m} rows for {n} input rows"),
                        ));
                    }
                    slots[out.index()] = Some(Cow::Owned(v));
                }
            }
        }
        let outputs = &self.loops.outputs;
        (0..outputs.len())
            .map(|i| {
                let o = outputs[i];
                // an input returned as it is (a feature group that is an input column)
                if let (Some(r), Origin::Input(_)) = (rows, &self.loops.coll(o).origin) {
                    let v = slots[o.index()].as_deref().expect("inputs are bound");
                    return v.take_rows(r);
                }
                // a computed value is moved out at its last use as an output, not copied
                let last = !outputs[i + 1..].contains(&o);
                let slot = &mut slots[o.index()];
                match slot {
                    Some(Cow::Owned(_)) if last => Ok(slot.take().expect("matched").into_owned()),
                    Some(v) => Ok(v.as_ref().clone()),
                    None => Err(Error::op("compiled pipeline", format!("output {o} was not computed"))),
                }
            })
            .collect()
    }

    /// The column `column` of a value a loop reads, checked against the collection's type and
    /// the number of rows the loop indexes it with.
    fn column_parts<'v>(
        &self,
        c: CollId,
        v: &'v Value,
        column: u32,
        rows: usize,
        ones: &'v [u64],
    ) -> Result<ColumnParts> {
        let coll = self.loops.coll(c);
        let name = coll.name.as_str();
        let col: &Column = match (&coll.ty, v) {
            (Type::Column(_), Value::Column(col)) => col,
            (Type::Table(schema), Value::Table(t)) => {
                let (cname, _) = &schema[column as usize];
                t.column("compiled loop", cname)?
            }
            (t, v) => {
                return Err(Error::invalid("compiled loop", name, format!("expected {t}, found {}", v.ir_type())));
            }
        };
        if col.len() != rows {
            return Err(Error::invalid("compiled loop", name, format!("{} rows, expected {rows}", col.len())));
        }
        let want = crate::codegen::column_elem(&coll.ty, column);
        if want != Some(col.column_type()) {
            return Err(Error::invalid(
                "compiled loop",
                name,
                format!("expected a {want:?} column, found {}", col.column_type()),
            ));
        }
        fn parts<T: Copy + Default>(c: &PrimitiveColumn<T>, ones: &[u64]) -> ColumnParts {
            ColumnParts {
                values: c.values().as_ptr() as *const u8,
                validity: c.validity().map_or(ones.as_ptr(), |b| b.words().as_ptr()),
                offsets: std::ptr::null(),
            }
        }
        Ok(match col {
            Column::F64(x) => parts(x, ones),
            Column::I64(x) => parts(x, ones),
            Column::Bool(x) => parts(x, ones),
            Column::Str(s) => ColumnParts {
                values: s.data().as_ptr(),
                validity: s.validity().map_or(ones.as_ptr(), |b| b.words().as_ptr()),
                offsets: s.offsets().as_ptr(),
            },
        })
    }

    #[allow(clippy::too_many_arguments)]
    fn run_native(
        &self,
        f: LoopFn,
        layout: &LoopLayout,
        stage: usize,
        slots: &[Option<Cow<'_, Value>>],
        ones: &[u64],
        n_in: usize,
        n: usize,
        rows: Option<&[u64]>,
        threads: usize,
        reuse: &mut Option<(CollId, Vec<f64>)>,
    ) -> Result<Vec<(CollId, Value)>> {
        let Stage::Loop(l) = &self.loops.stages[stage] else { unreachable!("native stages are loops") };
        // Dense inputs that are not in standard layout are copied once.
        let mut dense_copies: HashMap<CollId, Array2<f64>> = HashMap::new();
        let mut outs: HashMap<CollId, OutColl> = HashMap::new();
        for c in l.writes() {
            let coll = self.loops.coll(c);
            let o = match &coll.ty {
                Type::Column(ct) => OutColl::Columns(vec![OutColumn::new(*ct, n)?]),
                Type::Table(schema) => {
                    OutColl::Columns(schema.iter().map(|(_, ct)| OutColumn::new(*ct, n)).collect::<Result<_>>()?)
                }
                Type::Dense(Some(w)) => match reuse.take() {
                    Some((r, buf)) if r == c && buf.len() == n * w => OutColl::Dense(buf, *w),
                    other => {
                        *reuse = other;
                        OutColl::Dense(crate::helpers::zeroed_f64_block(n * w), *w)
                    }
                },
                t => return Err(Error::op("compiled loop", format!("a loop cannot build a {t}"))),
            };
            outs.insert(c, o);
        }
        let mut args: Vec<u64> = Vec::with_capacity(layout.slots.len());
        for s in &layout.slots {
            let p: u64 = match *s {
                Slot::In { coll, column, part } => {
                    let v = slots[coll.index()]
                        .as_deref()
                        .ok_or_else(|| Error::op("compiled loop", format!("{coll} is not computed")))?;
                    let expect_rows = if crate::codegen::reads_source_row(&self.loops, coll) { n_in } else { n };
                    match part {
                        Part::Data => {
                            let Type::Dense(Some(w)) = self.loops.coll(coll).ty else {
                                return Err(Error::op("compiled loop", format!("{coll} is not dense")));
                            };
                            let name = &self.loops.coll(coll).name;
                            let Value::Dense(m) = v else {
                                return Err(Error::invalid(
                                    "compiled loop",
                                    name,
                                    format!("expected dense<{w}>, found {}", v.ir_type()),
                                ));
                            };
                            if m.dim() != (expect_rows, w) {
                                return Err(Error::invalid(
                                    "compiled loop",
                                    name,
                                    format!("shape {:?}, expected ({expect_rows}, {w})", m.dim()),
                                ));
                            }
                            match m.as_slice() {
                                Some(s) => s.as_ptr() as u64,
                                None => {
                                    let copy =
                                        dense_copies.entry(coll).or_insert_with(|| m.as_standard_layout().into_owned());
                                    copy.as_ptr() as u64
                                }
                            }
                        }
                        Part::Indptr | Part::Indices | Part::Values if matches!(v, Value::Sparse(_)) => {
                            let Value::Sparse(m) = v else { unreachable!("matched") };
                            let coll_ty = &self.loops.coll(coll).ty;
                            let name = &self.loops.coll(coll).name;
                            if m.n_rows() != expect_rows || Some(m.n_cols()) != coll_ty.block_width() {
                                return Err(Error::invalid(
                                    "compiled loop",
                                    name,
                                    format!(
                                        "{} x {}, expected {expect_rows} rows of {coll_ty}",
                                        m.n_rows(),
                                        m.n_cols()
                                    ),
                                ));
                            }
                            match part {
                                Part::Indptr => m.indptr().as_ptr() as u64,
                                Part::Indices => m.indices().as_ptr() as u64,
                                _ => m.data().as_ptr() as u64,
                            }
                        }
                        Part::Values => self.column_parts(coll, v, column, expect_rows, ones)?.values as u64,
                        Part::Validity => self.column_parts(coll, v, column, expect_rows, ones)?.validity as u64,
                        Part::Offsets => self.column_parts(coll, v, column, expect_rows, ones)?.offsets as u64,
                        Part::Indptr | Part::Indices => {
                            return Err(Error::invalid(
                                "compiled loop",
                                &self.loops.coll(coll).name,
                                "expected a sparse block",
                            ));
                        }
                    }
                }
                Slot::Out { coll, column, part } => {
                    let o = outs
                        .get_mut(&coll)
                        .ok_or_else(|| Error::op("compiled loop", format!("{coll} is not built here")))?;
                    match (o, part) {
                        (OutColl::Dense(v, _), Part::Data) => v.as_mut_ptr() as u64,
                        (OutColl::Columns(cols), Part::Values) => cols[column as usize].ptrs().0 as u64,
                        (OutColl::Columns(cols), Part::Validity) => cols[column as usize].ptrs().1 as u64,
                        (OutColl::Columns(cols), Part::Offsets) => cols[column as usize]
                            .lens()
                            .ok_or_else(|| Error::op("compiled loop", "lengths of a non-string column"))?
                            as u64,
                        _ => return Err(Error::op("compiled loop", format!("bad output slot for {coll}"))),
                    }
                }
            };
            args.push(p);
        }
        let rows_ptr = rows.map_or(std::ptr::null(), |r| r.as_ptr());
        let workers = threads.max(1).min(n.div_ceil(MIN_CHUNK)).max(1);
        if workers <= 1 {
            let (code, err) = self.call(f, &args, 0, n, rows_ptr, layout)?;
            if code != 0 {
                return Err(self.loop_error(stage, code, err));
            }
        } else if let Some((_, code, err)) = self.call_shared(f, &args, n, workers, rows_ptr, layout)? {
            return Err(self.loop_error(stage, code, err));
        }
        let mut produced = Vec::new();
        for (c, o) in outs {
            let coll = self.loops.coll(c);
            let v = match (o, &coll.ty) {
                (OutColl::Dense(v, w), _) => Value::Dense(
                    Array2::from_shape_vec((n, w), v).map_err(|e| Error::op("compiled loop", e.to_string()))?,
                ),
                (OutColl::Columns(mut cols), Type::Column(_)) => {
                    Value::Column(cols.pop().expect("one column").finish()?)
                }
                (OutColl::Columns(cols), Type::Table(schema)) => {
                    let columns = schema
                        .iter()
                        .zip(cols)
                        .map(|((name, _), c)| Ok((name.clone(), c.finish()?)))
                        .collect::<Result<Vec<_>>>()?;
                    Value::Table(Table::try_new(columns)?)
                }
                (_, t) => return Err(Error::op("compiled loop", format!("cannot build {t}"))),
            };
            produced.push((c, v));
        }
        Ok(produced)
    }

    /// The error a loop reported.
    pub(crate) fn loop_error(&self, stage: usize, code: u32, err: [u64; 2]) -> Error {
        let Stage::Loop(l) = &self.loops.stages[stage] else { unreachable!("native stages are loops") };
        let stmt = l.body.get(err[1] as usize);
        let node = |s: StateId| self.models.get(&s).map_or("model", |m| m.name);
        match (code, stmt.map(|s| &s.expr)) {
            (ERR_NON_FINITE, Some(willump_ir::loops::Expr::Model { state, .. })) => Error::invalid(
                node(*state),
                "x",
                format!("row {} holds a NaN or infinite value, which a linear model cannot use", err[0]),
            ),
            (u32::MAX, _) => Error::op("compiled loop", "a worker thread panicked"),
            _ => Error::op("compiled loop", format!("error code {code} at position {}", err[0])),
        }
    }
}

/// A chunk's failure: the chunk's first row, the loop's error code and its error words.
type ChunkFailure = (usize, u32, [u64; 2]);

/// The fewest rows worth a thread of their own, and the smallest chunk a worker claims.
const MIN_CHUNK: usize = 256;

/// The rows a worker claims at a time out of `n` shared by `workers`: about eight chunks per
/// worker, so a worker slowed by the host or by longer rows (texts are not spread evenly through a
/// batch) leaves its share to the others instead of holding up the batch.
fn chunk_rows(n: usize, workers: usize) -> usize {
    n.div_ceil(workers * 8).max(MIN_CHUNK)
}

impl Program {
    /// Runs rows `0..n` of a loop on `workers` threads (the calling one included), which claim
    /// chunks of rows in order from a shared counter. Returns the failure of the chunk that starts
    /// first, as `(start, code, err)`: every chunk before a failing one was claimed before it and
    /// runs to its end, so this is the error a single thread would report, whatever the timing.
    fn call_shared(
        &self,
        f: LoopFn,
        args: &[u64],
        n: usize,
        workers: usize,
        rows: *const u64,
        layout: &LoopLayout,
    ) -> Result<Option<ChunkFailure>> {
        let grain = chunk_rows(n, workers);
        let next = AtomicUsize::new(0);
        let failed = AtomicBool::new(false);
        let rows_addr = rows as usize;
        // Each worker keeps its text scratch for all its chunks: handing scratches back to the
        // pool between chunks would move a thread's counts and one-pass scores (megabytes on
        // large vocabularies) from one core's cache to the other's.
        let work = || -> Result<Option<ChunkFailure>> {
            self.with_scratch(layout, |chunk| {
                while !failed.load(Ordering::Relaxed) {
                    let a = next.fetch_add(grain, Ordering::Relaxed);
                    if a >= n {
                        break;
                    }
                    let (code, err) = chunk(f, args, a, (a + grain).min(n), rows_addr as *const u64);
                    if code != 0 {
                        failed.store(true, Ordering::Relaxed);
                        return Some((a, code, err));
                    }
                }
                None
            })
        };
        let results: Vec<Result<Option<ChunkFailure>>> = std::thread::scope(|s| {
            let hs: Vec<_> = (1..workers).map(|_| s.spawn(work)).collect();
            let mut out = vec![work()];
            out.extend(hs.into_iter().map(|h| h.join().unwrap_or(Ok(Some((0, u32::MAX, [0, 0]))))));
            out
        });
        let mut first: Option<ChunkFailure> = None;
        for r in results {
            if let Some(fail) = r?
                && first.is_none_or(|f| fail.0 < f.0)
            {
                first = Some(fail);
            }
        }
        Ok(first)
    }

    /// Calls a loop function with its own scratch (text kernels' thread scratch included).
    fn call(
        &self,
        f: LoopFn,
        args: &[u64],
        start: usize,
        end: usize,
        rows: *const u64,
        layout: &LoopLayout,
    ) -> Result<(u32, [u64; 2])> {
        self.with_scratch(layout, |chunk| chunk(f, args, start, end, rows))
    }

    /// Runs `body` with one thread's scratch for `layout` (the text kernels' scratch taken from
    /// their pools and given back after), handing it a function that calls a loop function on
    /// rows `start..end` with that scratch (zeroed before each call, as a fresh one would be).
    fn with_scratch<R>(
        &self,
        layout: &LoopLayout,
        body: impl FnOnce(&mut dyn FnMut(LoopFn, &[u64], usize, usize, *const u64) -> (u32, [u64; 2])) -> R,
    ) -> Result<R> {
        let mut s = vec![0u128; layout.scratch.div_ceil(16).max(1)];
        let mut texts: Vec<TextScratch> = layout
            .text
            .iter()
            .map(|&(_, k)| self.kernels[k].take_scratch().map_err(|e| Error::op("compiled loop", e)))
            .collect::<Result<_>>()?;
        let mut chunk = |f: LoopFn, args: &[u64], start: usize, end: usize, rows: *const u64| {
            s.fill(0);
            write_text_slots(&mut s, layout, &mut texts);
            let mut err = [0u64; 2];
            // SAFETY: `args` was built from checked values by `run_native` (every column has the
            // rows the loop indexes, every output buffer has `n` rows, `rows` indices are in
            // range), `start..end` lies in `0..n`, the scratch has the size the layout asks for
            // with this thread's text scratch pointers in it, and concurrent calls write disjoint
            // output rows.
            let code = unsafe {
                f(args.as_ptr(), start as u64, end as u64, rows, s.as_mut_ptr() as *mut u8, err.as_mut_ptr())
            };
            (code, err)
        };
        let out = body(&mut chunk);
        for (t, &(_, k)) in texts.into_iter().zip(&layout.text) {
            self.kernels[k].give_back(t);
        }
        Ok(out)
    }
}

/// Stores the addresses of `texts` (one per `layout.text` entry) at their scratch offsets.
pub(crate) fn write_text_slots(scratch: &mut [u128], layout: &LoopLayout, texts: &mut [TextScratch]) {
    let base = scratch.as_mut_ptr() as *mut u8;
    for (&(off, _), t) in layout.text.iter().zip(texts.iter_mut()) {
        let p = t as *mut TextScratch as u64;
        // SAFETY: `off + 8` lies inside the scratch the layout sized (it reserved the slot).
        unsafe { std::ptr::write_unaligned(base.add(off) as *mut u64, p) };
    }
}

/// The pipeline's state bound to `s`, as a model.
pub(crate) fn bound_model(states: &[BoundState], s: StateId) -> Option<&dyn willump_runtime::models::Model> {
    match states.get(s.index()) {
        Some(BoundState::Model(m)) => Some(&**m),
        _ => None,
    }
}
