//! Code for one loop body: loads, the numeric statements, packing dense rows, merges. Models are
//! in [`super::linear`] and [`super::trees`].

use std::collections::{HashMap, HashSet};

use cranelift_codegen::ir::condcodes::{FloatCC, IntCC};
use cranelift_codegen::ir::{Block, BlockArg, FuncRef, InstBuilder, MemFlagsData, Value, types};
use cranelift_frontend::FunctionBuilder;
use willump_ir::StateId;
use willump_ir::loops::{CollId, Expr, LType, Loop, LoopProgram, Merge, Stmt, ValId};
use willump_ir::types::{ColumnType, Type};
use willump_ir::{ArithOp, BucketRule, Scalar};

use super::{ConstPool, LoopLayout, Part, Slot, column_elem, mem, reads_source_row};
use crate::models::{ModelCode, ModelInfo};

/// One part of a sparse row in generated code, at column `offset` of the row.
#[derive(Debug, Clone, Copy)]
pub(crate) enum SparsePart {
    /// Stored entries of a CSR row: `nnz` u32 columns at `idx`, f64 values at `val`.
    Csr { idx: Value, val: Value, nnz: Value, offset: usize },
    /// A dense row of `n` f64s (zeros are not entries).
    Dense { ptr: Value, n: usize, offset: usize },
    /// One f64 feature (missing as NaN; zero is not an entry).
    Scalar { v: Value, offset: usize },
    /// A text scanned by text kernel `kernel` (its thread scratch pointer at scratch `slot`).
    Text { kernel: usize, slot: usize, ptr: Value, len: Value, valid: Value, offset: usize },
}

/// A per-row value in generated code.
#[derive(Debug, Clone)]
pub(crate) enum CgVal {
    /// A scalar: f64, i64 or i8 (bool) value, and an i8 validity when it may be missing.
    Scalar { v: Value, valid: Option<Value>, elem: ColumnType },
    /// A dense row of `n` f64s at `ptr`.
    Vector { ptr: Value, n: usize },
    /// A sparse row, never materialized: its parts, consumed by a linear model.
    Sparse(Vec<SparsePart>),
    /// A string: `len` bytes at `ptr`, and whether it is present (i8).
    Str { ptr: Value, len: Value, valid: Value },
}

/// The state of generating one loop body.
pub(crate) struct BodyCx<'a, 'b> {
    pub b: &'a mut FunctionBuilder<'b>,
    pub program: &'a LoopProgram,
    pub layout: &'a mut LoopLayout,
    pub consts: &'a mut ConstPool,
    pub models: &'a HashMap<StateId, ModelInfo>,
    pub helpers: &'a HashMap<&'static str, FuncRef>,
    pub vals: HashMap<ValId, CgVal>,
    pub types: HashMap<ValId, LType>,
    /// Exit blocks of the counted loops currently open.
    pub loop_exits: Vec<Block>,
    /// Whether tree ensembles may run a block of rows at a time.
    pub tree_blocks: bool,
    pub args: Value,
    pub scratch: Value,
    /// The loop position.
    pub k: Value,
    /// The source row (`rows[k]` for subsets).
    pub row: Value,
    pub fail: Option<Block>,
    pub tree_table: bool,
    /// Whether tree ensembles are scored by the QuickScorer kernel (when it can score them).
    pub tree_quick: bool,
    /// Text kernels by vectorizer state and whether they lowercase first: index, address.
    pub kernels: &'a HashMap<(StateId, bool), (usize, i64)>,
    /// Compiled joins by side-table state: the index's address, and each value column's values
    /// and validity addresses.
    pub joins: &'a super::JoinAddrs,
    /// Join probes by value: the address of the probed row's record and of the first record
    /// (gathers read the record at their column's offset).
    pub records: HashMap<ValId, (Value, i64)>,
    /// Scratch offsets of join probes reserved at loop entry (whose caches the entry clears), by
    /// statement position.
    pub probe_scratch: HashMap<usize, usize>,
    /// Packed rows whose one use is their merge into a dense output ([`direct_packs`]): they are
    /// written straight into the output row, and their merge copies nothing.
    pub direct_packs: HashMap<ValId, Merge>,
    /// Join gathers read without their validity ([`nan_gathers`]).
    pub nan_gathers: HashSet<ValId>,
}

/// The packs of `l` that are only merged into a dense block (by one merge, used by no statement).
/// Packing them into scratch and then copying the row into the output touched every value twice
/// (14 loads and 14 stores more per row for the flights features).
pub(crate) fn direct_packs(l: &Loop) -> HashMap<ValId, Merge> {
    l.body
        .iter()
        .filter(|s| matches!(s.expr, Expr::Pack(_)))
        .filter_map(|s| {
            let mut merges = l.merges.iter().filter(|m| m.value == s.id);
            let (Some(m), None) = (merges.next(), merges.next()) else { return None };
            let used = l.body.iter().any(|t| t.expr.operands().contains(&s.id));
            (!used).then(|| (s.id, m.clone()))
        })
        .collect()
}

/// The f64 join gathers of `l` whose every user packs or stacks them into a row (and none merges
/// them as they are): those turn a missing value into `f64::NAN`, which is what the compiled
/// join's record holds for a missing f64 value ([`crate::join::CompiledJoin`]), so the gather
/// yields the record's value as a present one and skips loading and testing its validity byte
/// (a load, a test and a select per gathered column and row; 7 per flight for the weather).
pub(crate) fn nan_gathers(l: &Loop) -> HashSet<ValId> {
    l.body
        .iter()
        .filter(|s| {
            matches!(s.expr, Expr::JoinGather { .. })
                && matches!(s.ty, LType::Scalar { elem: ColumnType::F64, .. })
                && !l.merges.iter().any(|m| m.value == s.id)
        })
        .filter(|s| {
            let users: Vec<&Stmt> = l.body.iter().filter(|t| t.expr.operands().contains(&s.id)).collect();
            !users.is_empty() && users.iter().all(|t| matches!(t.expr, Expr::Pack(_) | Expr::Stack(_)))
        })
        .map(|s| s.id)
        .collect()
}

/// Entries of a `log1p` memo: 2^`MEMO_BITS`, each (input bits, result), 16 KiB.
const MEMO_BITS: u32 = 10;

/// The multiplier that spreads an input's bits over the memo's entries (its top `MEMO_BITS`
/// bits of the product pick the entry).
const MEMO_MUL: u64 = 0x9E37_79B9_7F4A_7C15;

/// Loop calls over at least this many rows use a memo (clearing 16 KiB costs about a
/// microsecond; one-row calls skip it).
const MEMO_MIN_ROWS: i64 = 4096;

/// Reserves the scratch of one `log1p` memo in the loop's entry block and returns its offset:
/// a word saying whether the memo is on (calls over at least [`MEMO_MIN_ROWS`] rows), then
/// 2^[`MEMO_BITS`] entries of (input bits, result), cleared when on. `start..end` are the loop
/// call's positions.
///
/// Why: `log1p` is a libm call (bit-identical to the interpreter's `f64::ln_1p` only by calling
/// it), and numeric inputs such as flight distances repeat a few hundred values over a batch,
/// so a direct-mapped memo keyed by the input's bits skips most calls. A zeroed entry is
/// (`+0.0`, `+0.0`), which is `log1p(+0.0)`, so clearing is enough to make every entry true;
/// results are bit for bit the helper's, NaN inputs included (keyed by their bits).
pub(crate) fn reserve_memo(cx: &mut BodyCx<'_, '_>, start: Value, end: Value) -> usize {
    let entries = 1usize << MEMO_BITS;
    let off = cx.layout.scratch(16 + entries * 16);
    let n = cx.b.ins().isub(end, start);
    let on = cx.b.ins().icmp_imm_u(IntCC::UnsignedGreaterThanOrEqual, n, MEMO_MIN_ROWS);
    let on = cx.b.ins().uextend(types::I64, on);
    cx.b.ins().store(mem(), on, cx.scratch, off as i32);
    let clear = cx.b.create_block();
    let cont = cx.b.create_block();
    cx.b.ins().brif(on, clear, &[], cont, &[]);
    cx.b.switch_to_block(clear);
    let p = cx.b.ins().iadd_imm_u(cx.scratch, (off + 16) as i64);
    let words = cx.b.ins().iconst(types::I64, (entries * 2) as i64);
    cx.call("willump_zero_u64", &[p, words]);
    cx.b.ins().jump(cont, &[]);
    cx.b.switch_to_block(cont);
    off
}

impl SparsePart {
    /// The part moved `by` columns right.
    fn shifted(self, by: usize) -> SparsePart {
        match self {
            SparsePart::Csr { idx, val, nnz, offset } => SparsePart::Csr { idx, val, nnz, offset: offset + by },
            SparsePart::Dense { ptr, n, offset } => SparsePart::Dense { ptr, n, offset: offset + by },
            SparsePart::Scalar { v, offset } => SparsePart::Scalar { v, offset: offset + by },
            SparsePart::Text { kernel, slot, ptr, len, valid, offset } => {
                SparsePart::Text { kernel, slot, ptr, len, valid, offset: offset + by }
            }
        }
    }
}

impl BodyCx<'_, '_> {
    /// The pointer in argument slot `s`.
    pub(crate) fn arg(&mut self, s: Slot) -> Value {
        let i = self.layout.slot(s);
        self.b.ins().load(types::I64, super::mem(), self.args, (i * 8) as i32)
    }

    /// A pointer into scratch at `off`.
    pub(crate) fn scratch_at(&mut self, off: usize) -> Value {
        self.b.ins().iadd_imm_u(self.scratch, off as i64)
    }

    /// Calls helper `name`.
    pub(crate) fn call(&mut self, name: &str, args: &[Value]) -> Option<Value> {
        let f = self.helpers[name];
        let inst = self.b.ins().call(f, args);
        self.b.inst_results(inst).first().copied()
    }

    fn val(&self, v: ValId) -> Result<CgVal, String> {
        self.vals.get(&v).cloned().ok_or_else(|| format!("{v} used before it is generated"))
    }

    /// A scalar operand as f64, with its validity.
    pub(crate) fn f64_of(&mut self, v: ValId) -> Result<(Value, Option<Value>), String> {
        match self.val(v)? {
            CgVal::Scalar { v, valid, elem } => {
                let x = match elem {
                    ColumnType::F64 => v,
                    ColumnType::I64 => self.b.ins().fcvt_from_sint(types::F64, v),
                    ColumnType::Bool => {
                        let w = self.b.ins().uextend(types::I64, v);
                        self.b.ins().fcvt_from_uint(types::F64, w)
                    }
                    ColumnType::Str => return Err(format!("{v} is a string, not a number")),
                };
                Ok((x, valid))
            }
            CgVal::Vector { .. } | CgVal::Sparse(_) | CgVal::Str { .. } => Err(format!("{v} is not a number")),
        }
    }

    fn and_valid(&mut self, a: Option<Value>, b: Option<Value>) -> Option<Value> {
        match (a, b) {
            (None, x) | (x, None) => x,
            (Some(x), Some(y)) => Some(self.b.ins().band(x, y)),
        }
    }

    fn f64s(&mut self, v: Value, valid: Option<Value>) -> CgVal {
        CgVal::Scalar { v, valid, elem: ColumnType::F64 }
    }

    /// Generates statement `i`.
    pub(crate) fn stmt(&mut self, i: usize, s: &Stmt) -> Result<CgVal, String> {
        Ok(match &s.expr {
            Expr::Load { coll, column } => self.load(*coll, *column)?,
            Expr::LoadRow { coll } if matches!(self.program.coll(*coll).ty, Type::Sparse(_)) => {
                let indptr = self.arg(Slot::In { coll: *coll, column: 0, part: Part::Indptr });
                let indices = self.arg(Slot::In { coll: *coll, column: 0, part: Part::Indices });
                let values = self.arg(Slot::In { coll: *coll, column: 0, part: Part::Values });
                let idx = self.index_for(*coll);
                let off = self.b.ins().ishl_imm_u(idx, 3);
                let p = self.b.ins().iadd(indptr, off);
                let start = self.b.ins().load(types::I64, mem(), p, 0);
                let end = self.b.ins().load(types::I64, mem(), p, 8);
                let nnz = self.b.ins().isub(end, start);
                let io = self.b.ins().ishl_imm_u(start, 2);
                let vo = self.b.ins().ishl_imm_u(start, 3);
                let idx = self.b.ins().iadd(indices, io);
                let val = self.b.ins().iadd(values, vo);
                CgVal::Sparse(vec![SparsePart::Csr { idx, val, nnz, offset: 0 }])
            }
            Expr::LoadRow { coll } => {
                let Type::Dense(Some(n)) = self.program.coll(*coll).ty else {
                    return Err(format!("load_row of non-dense {coll}"));
                };
                let data = self.arg(Slot::In { coll: *coll, column: 0, part: Part::Data });
                let idx = self.index_for(*coll);
                let off = self.b.ins().imul_imm_u(idx, (n * 8) as i64);
                let ptr = self.b.ins().iadd(data, off);
                CgVal::Vector { ptr, n }
            }
            Expr::Arith { op, a, b } => {
                let (x, va) = self.f64_of(*a)?;
                let (y, vb) = self.f64_of(*b)?;
                let v = self.arith(*op, x, y);
                let valid = self.and_valid(va, vb);
                self.f64s(v, valid)
            }
            Expr::ArithConst { op, value, const_left, a } => {
                let (x, va) = self.f64_of(*a)?;
                let c = self.b.ins().f64const(*value);
                let v = if *const_left { self.arith(*op, c, x) } else { self.arith(*op, x, c) };
                self.f64s(v, va)
            }
            Expr::Log1p(a) => {
                let (x, va) = self.f64_of(*a)?;
                let v = match self.probe_scratch.get(&i) {
                    Some(&memo) => self.memo_log1p(memo, x),
                    None => self.call("willump_log1p", &[x]).expect("log1p returns"),
                };
                self.f64s(v, va)
            }
            Expr::Clip { lo, hi, a } => {
                // Two selects, as the eager op: NaN fails both compares and passes through.
                let (x, va) = self.f64_of(*a)?;
                let lo_c = self.b.ins().f64const(*lo);
                let hi_c = self.b.ins().f64const(*hi);
                let below = self.b.ins().fcmp(FloatCC::LessThan, x, lo_c);
                let x = self.b.ins().select(below, lo_c, x);
                let above = self.b.ins().fcmp(FloatCC::GreaterThan, x, hi_c);
                let v = self.b.ins().select(above, hi_c, x);
                self.f64s(v, va)
            }
            Expr::FillMissing { value, nan, a } => {
                let CgVal::Scalar { v: x, valid, elem } = self.val(*a)? else {
                    return Err("fill_missing of a vector".into());
                };
                let fill = match (elem, value) {
                    (ColumnType::F64, Scalar::F64(f)) => self.b.ins().f64const(*f),
                    (ColumnType::F64, Scalar::I64(i)) => self.b.ins().f64const(*i as f64),
                    (ColumnType::I64, Scalar::I64(i)) => self.b.ins().iconst(types::I64, *i),
                    (ColumnType::Bool, Scalar::Bool(t)) => self.b.ins().iconst(types::I8, *t as i64),
                    (e, v) => return Err(format!("cannot fill a {e} value with {v:?}")),
                };
                let mut v = match valid {
                    Some(ok) => self.b.ins().select(ok, x, fill),
                    None => x,
                };
                if *nan && elem == ColumnType::F64 {
                    let is_nan = self.b.ins().fcmp(FloatCC::Unordered, v, v);
                    v = self.b.ins().select(is_nan, fill, v);
                }
                CgVal::Scalar { v, valid: None, elem }
            }
            Expr::Bucketize { boundaries, rule, a } => {
                let (x, va) = self.f64_of(*a)?;
                let (cc, helper) = match rule {
                    BucketRule::LeftClosed => (FloatCC::LessThanOrEqual, "willump_bucket_left"),
                    BucketRule::RightClosed => (FloatCC::LessThan, "willump_bucket_right"),
                };
                let v = if boundaries.len() <= 64 {
                    let mut count = self.b.ins().iconst(types::I64, 0);
                    for &e in boundaries {
                        let ec = self.b.ins().f64const(e);
                        let le = self.b.ins().fcmp(cc, ec, x);
                        let w = self.b.ins().uextend(types::I64, le);
                        count = self.b.ins().iadd(count, w);
                    }
                    count
                } else {
                    let table = self.consts.f64s(boundaries.clone());
                    let t = self.b.ins().iconst(types::I64, table);
                    let n = self.b.ins().iconst(types::I64, boundaries.len() as i64);
                    self.call(helper, &[t, n, x]).expect("bucket returns")
                };
                let not_nan = self.b.ins().fcmp(FloatCC::Ordered, x, x);
                let valid = self.and_valid(va, Some(not_nan));
                CgVal::Scalar { v, valid, elem: ColumnType::I64 }
            }
            Expr::JoinProbe { state, keys } => {
                let v = self.probe_row(i, *state, keys)?;
                // the address of the row's record, which every gather of the row reads at a
                // fixed offset (one multiply per probe, not an address per gathered column)
                let (_, cols, stride) = self.joins.get(state).ok_or_else(|| format!("no compiled join for {state}"))?;
                if let Some(&(first, _)) = cols.first() {
                    let off = self.b.ins().imul_imm_u(v, *stride as i64);
                    let base = self.b.ins().iconst(types::I64, first);
                    let rec = self.b.ins().iadd(base, off);
                    self.records.insert(s.id, (rec, first));
                }
                CgVal::Scalar { v, valid: None, elem: ColumnType::I64 }
            }
            Expr::JoinGather { state, column, row } => {
                let (_, cols, _) = self.joins.get(state).ok_or_else(|| format!("no compiled join for {state}"))?;
                let &(values, valid) =
                    cols.get(*column as usize).ok_or_else(|| format!("{state} has no column {column}"))?;
                let &(rec, base) = self.records.get(row).ok_or_else(|| format!("{row} is not a probed row"))?;
                let LType::Scalar { elem, .. } = s.ty else { return Err("a gather yields a scalar".into()) };
                let ty = match elem {
                    ColumnType::F64 => types::F64,
                    ColumnType::I64 => types::I64,
                    _ => types::I8,
                };
                // the row's record: the column's value, then its validity byte
                let v = self.b.ins().load(ty, mem(), rec, (values - base) as i32);
                if self.nan_gathers.contains(&s.id) {
                    // a missing value is NaN in the record, what its users make of it
                    return Ok(CgVal::Scalar { v, valid: None, elem });
                }
                let ok = self.b.ins().load(types::I8, mem(), rec, (valid - base) as i32);
                CgVal::Scalar { v, valid: Some(ok), elem }
            }
            Expr::Vectorize { state, a, lower } => {
                let CgVal::Str { ptr, len, valid } = self.val(*a)? else {
                    return Err("a vectorizer reads a string".into());
                };
                let &(kernel, _) =
                    self.kernels.get(&(*state, *lower)).ok_or_else(|| format!("no text kernel for {state}"))?;
                let slot = self.layout.text_slot(kernel);
                CgVal::Sparse(vec![SparsePart::Text { kernel, slot, ptr, len, valid, offset: 0 }])
            }
            Expr::Stack(parts) => {
                let mut out = Vec::new();
                let mut at = 0usize;
                for &p in parts {
                    match self.val(p)? {
                        CgVal::Sparse(ps) => {
                            let LType::Sparse(w) = self.ltype(p)? else { return Err("sparse part width".into()) };
                            out.extend(ps.into_iter().map(|q| q.shifted(at)));
                            at += w;
                        }
                        CgVal::Vector { ptr, n } => {
                            out.push(SparsePart::Dense { ptr, n, offset: at });
                            at += n;
                        }
                        CgVal::Scalar { .. } => {
                            let (x, valid) = self.f64_of(p)?;
                            let v = match valid {
                                Some(ok) => {
                                    let nan = self.b.ins().f64const(f64::NAN);
                                    self.b.ins().select(ok, x, nan)
                                }
                                None => x,
                            };
                            out.push(SparsePart::Scalar { v, offset: at });
                            at += 1;
                        }
                        CgVal::Str { .. } => return Err("a string is not a feature".into()),
                    }
                }
                CgVal::Sparse(out)
            }
            Expr::Pack(parts) => {
                let LType::Vector(n) = s.ty else { return Err("pack must yield a vector".into()) };
                let base = match self.direct_packs.get(&s.id).cloned() {
                    Some(m) => self.merge_row(&m, n)?,
                    None => {
                        let off = self.layout.scratch(n * 8);
                        self.scratch_at(off)
                    }
                };
                let mut at = 0usize;
                for &p in parts {
                    match self.val(p)? {
                        CgVal::Vector { ptr, n: w } => {
                            let dst = self.b.ins().iadd_imm_u(base, (at * 8) as i64);
                            self.copy_f64(dst, ptr, w);
                            at += w;
                        }
                        CgVal::Sparse(_) | CgVal::Str { .. } => return Err("only numbers are packed".into()),
                        CgVal::Scalar { .. } => {
                            let (x, valid) = self.f64_of(p)?;
                            let x = match valid {
                                Some(ok) => {
                                    let nan = self.b.ins().f64const(f64::NAN);
                                    self.b.ins().select(ok, x, nan)
                                }
                                None => x,
                            };
                            self.b.ins().store(mem(), x, base, (at * 8) as i32);
                            at += 1;
                        }
                    }
                }
                CgVal::Vector { ptr: base, n }
            }
            Expr::Model { state, output, x } => {
                let info = self.models.get(state).ok_or_else(|| format!("no compiled model for {state}"))?.clone();
                let k = info.task.n_outputs();
                let off = self.layout.scratch(k * 8);
                let scores = self.scratch_at(off);
                let (ptr, n) = match (self.val(*x)?, &info.code) {
                    (CgVal::Vector { ptr, n }, _) => (ptr, n),
                    (CgVal::Sparse(parts), ModelCode::Linear { w, b, k, .. }) => {
                        super::linear::emit_sparse(self, i, &parts, w, b, *k, scores);
                        return super::linear::link(self, &info, *output, scores, s.ty);
                    }
                    _ => return Err("a tree model's input must be a dense row".into()),
                };
                match &info.code {
                    ModelCode::Linear { w, b, d, k } => {
                        if *d != n {
                            return Err(format!("model {state} takes {d} features, its input has {n}"));
                        }
                        super::linear::emit(self, i, ptr, w, b, *k, scores)?;
                    }
                    ModelCode::Trees(e) => {
                        if e.n_features != n {
                            return Err(format!("model {state} takes {} features, its input has {n}", e.n_features));
                        }
                        super::trees::emit(self, e, ptr, scores)?;
                    }
                }
                super::linear::link(self, &info, *output, scores, s.ty)?
            }
        })
    }

    /// `log1p(x)` through the memo at scratch offset `memo` ([`reserve_memo`]): when the memo
    /// is on, the entry of `x`'s bits is read, and on a hit its result is used; otherwise the
    /// helper is called (and its result stored in the entry).
    fn memo_log1p(&mut self, memo: usize, x: Value) -> Value {
        let on_memo = self.b.create_block();
        let hit = self.b.create_block();
        let miss = self.b.create_block();
        let plain = self.b.create_block();
        let done = self.b.create_block();
        let y = self.b.append_block_param(done, types::F64);
        let on = self.b.ins().load(types::I64, mem(), self.scratch, memo as i32);
        self.b.ins().brif(on, on_memo, &[], plain, &[]);

        self.b.switch_to_block(on_memo);
        let bits = self.b.ins().bitcast(types::I64, MemFlagsData::new(), x);
        let h = self.b.ins().imul_imm_u(bits, MEMO_MUL as i64);
        let slot = self.b.ins().ushr_imm_u(h, (64 - MEMO_BITS) as i64);
        let off = self.b.ins().ishl_imm_u(slot, 4);
        let entries = self.b.ins().iadd_imm_u(self.scratch, (memo + 16) as i64);
        let e = self.b.ins().iadd(entries, off);
        let key = self.b.ins().load(types::I64, mem(), e, 0);
        let same = self.b.ins().icmp(IntCC::Equal, key, bits);
        self.b.ins().brif(same, hit, &[], miss, &[]);

        self.b.switch_to_block(hit);
        let v = self.b.ins().load(types::F64, mem(), e, 8);
        self.b.ins().jump(done, &[BlockArg::Value(v)]);

        self.b.switch_to_block(miss);
        let v = self.call("willump_log1p", &[x]).expect("log1p returns");
        self.b.ins().store(mem(), bits, e, 0);
        self.b.ins().store(mem(), v, e, 8);
        self.b.ins().jump(done, &[BlockArg::Value(v)]);

        self.b.switch_to_block(plain);
        let v = self.call("willump_log1p", &[x]).expect("log1p returns");
        self.b.ins().jump(done, &[BlockArg::Value(v)]);

        self.b.switch_to_block(done);
        y
    }

    fn arith(&mut self, op: ArithOp, x: Value, y: Value) -> Value {
        match op {
            ArithOp::Add => self.b.ins().fadd(x, y),
            ArithOp::Sub => self.b.ins().fsub(x, y),
            ArithOp::Mul => self.b.ins().fmul(x, y),
            ArithOp::Div => self.b.ins().fdiv(x, y),
        }
    }

    /// The row index loads of `c` use.
    fn index_for(&self, c: CollId) -> Value {
        if reads_source_row(self.program, c) { self.row } else { self.k }
    }

    fn load(&mut self, coll: CollId, column: u32) -> Result<CgVal, String> {
        let ty = self.program.coll(coll).ty.clone();
        let idx = self.index_for(coll);
        if let Type::Dense(Some(n)) = ty {
            let data = self.arg(Slot::In { coll, column: 0, part: Part::Data });
            let off = self.b.ins().imul_imm_u(idx, (n * 8) as i64);
            let p = self.b.ins().iadd(data, off);
            let v = self.b.ins().load(types::F64, mem(), p, (column * 8) as i32);
            return Ok(CgVal::Scalar { v, valid: None, elem: ColumnType::F64 });
        }
        let elem = column_elem(&ty, column).ok_or_else(|| format!("{coll} has no column {column}"))?;
        let (cty, width) = match elem {
            ColumnType::F64 => (types::F64, 8),
            ColumnType::I64 => (types::I64, 8),
            ColumnType::Bool => (types::I8, 1),
            ColumnType::Str => return Ok(self.load_str(coll, column, idx)),
        };
        let values = self.arg(Slot::In { coll, column, part: Part::Values });
        let off = self.b.ins().imul_imm_u(idx, width);
        let p = self.b.ins().iadd(values, off);
        let v = self.b.ins().load(cty, mem(), p, 0);
        // Validity words (an all-ones table when the column has no missing values).
        let valid = self.validity(coll, column, idx);
        Ok(CgVal::Scalar { v, valid: Some(valid), elem })
    }

    /// A string: offsets `[idx]`, `[idx + 1]` into the column's bytes, and its validity.
    fn load_str(&mut self, coll: CollId, column: u32, idx: Value) -> CgVal {
        let offsets = self.arg(Slot::In { coll, column, part: Part::Offsets });
        let data = self.arg(Slot::In { coll, column, part: Part::Values });
        let off = self.b.ins().ishl_imm_u(idx, 2);
        let p = self.b.ins().iadd(offsets, off);
        let start = self.b.ins().uload32(mem(), p, 0);
        let end = self.b.ins().uload32(mem(), p, 4);
        let len = self.b.ins().isub(end, start);
        let ptr = self.b.ins().iadd(data, start);
        let valid = self.validity(coll, column, idx);
        CgVal::Str { ptr, len, valid }
    }

    /// The side row (i64) a join probe of `state` finds for the key parts `keys` (statement `i`).
    fn probe_row(&mut self, i: usize, state: StateId, keys: &[ValId]) -> Result<Value, String> {
        let index = self.joins.get(&state).ok_or_else(|| format!("no compiled join for {state}"))?.0;
        // SAFETY: `joins` holds the addresses of the indexes the compiled pipeline keeps
        // alive while it generates code.
        let ix = unsafe { crate::join::index_at(index) };
        if let ([k], Some(inline)) = (keys, ix.inline_probe()) {
            let v = super::join_probe::emit(self, inline, ix.miss_row(), self.val(*k)?)?;
            return Ok(v);
        }
        let off = match self.probe_scratch.get(&i) {
            Some(&off) => off,
            None => {
                // not reserved at loop entry: a cache cleared before every probe
                let off = self.layout.scratch(crate::join::probe_scratch_bytes(keys.len()));
                let zero = self.b.ins().iconst(types::I64, 0);
                let head = self.scratch_at(off + crate::join::probe_cache_header(keys.len()));
                for w in 0..crate::join::CACHE_HEADER_WORDS {
                    self.b.ins().store(mem(), zero, head, (w * 8) as i32);
                }
                off
            }
        };
        if let Some(inline) = ix.inline_parts() {
            // composite keys by per-part dictionaries: each part's last value and id
            // live in the probe's cache area (its header zeroed on loop entry)
            let cache = self.scratch_at(off + crate::join::probe_cache_header(keys.len()));
            let vals = keys.iter().map(|&k| self.val(k)).collect::<Result<Vec<_>, _>>()?;
            let v = super::join_probe::emit_parts(self, &inline, ix.miss_row(), &vals, cache)?;
            return Ok(v);
        }
        let parts = self.scratch_at(off);
        for (p, &k) in keys.iter().enumerate() {
            let at = (p * crate::join::PART_WORDS * 8) as i32;
            let (tag, a, len) = match self.val(k)? {
                CgVal::Str { ptr, len, valid } => {
                    let two = self.b.ins().iconst(types::I64, 2);
                    let zero = self.b.ins().iconst(types::I64, 0);
                    (self.b.ins().select(valid, two, zero), ptr, len)
                }
                CgVal::Scalar { v, valid, elem: ColumnType::I64 } => {
                    let one = self.b.ins().iconst(types::I64, 1);
                    let tag = match valid {
                        Some(ok) => {
                            let zero = self.b.ins().iconst(types::I64, 0);
                            self.b.ins().select(ok, one, zero)
                        }
                        None => one,
                    };
                    let zero = self.b.ins().iconst(types::I64, 0);
                    (tag, v, zero)
                }
                _ => return Err(format!("join key part {k} must be str or i64")),
            };
            self.b.ins().store(mem(), tag, parts, at);
            self.b.ins().store(mem(), a, parts, at + 8);
            self.b.ins().store(mem(), len, parts, at + 16);
        }
        let ix = self.b.ins().iconst(types::I64, index);
        Ok(self.call("willump_join_lookup", &[ix, parts]).expect("lookup returns"))
    }

    /// Bit `idx` of a column's validity words, as an i8.
    fn validity(&mut self, coll: CollId, column: u32, idx: Value) -> Value {
        let bits = self.arg(Slot::In { coll, column, part: Part::Validity });
        let word_i = self.b.ins().ushr_imm_u(idx, 6);
        let word_off = self.b.ins().ishl_imm_u(word_i, 3);
        let wp = self.b.ins().iadd(bits, word_off);
        let word = self.b.ins().load(types::I64, mem(), wp, 0);
        let bit = self.b.ins().band_imm_u(idx, 63);
        let shifted = self.b.ins().ushr(word, bit);
        let one = self.b.ins().band_imm_u(shifted, 1);
        self.b.ins().ireduce(types::I8, one)
    }

    /// The loop IR type of a generated value.
    fn ltype(&self, v: ValId) -> Result<LType, String> {
        self.types.get(&v).copied().ok_or_else(|| format!("{v} has no type"))
    }

    /// Copies `n` f64s from `src` to `dst`.
    pub(crate) fn copy_f64(&mut self, dst: Value, src: Value, n: usize) {
        if n <= 16 {
            for j in 0..n {
                let x = self.b.ins().load(types::F64, mem(), src, (j * 8) as i32);
                self.b.ins().store(mem(), x, dst, (j * 8) as i32);
            }
        } else {
            let n = self.b.ins().iconst(types::I64, n as i64);
            self.call("willump_copy_f64", &[dst, src, n]);
        }
    }

    /// The address of the output row that merge `m` of a packed row `n` values wide writes at
    /// the loop position, for a pack written in place ([`direct_packs`]).
    fn merge_row(&mut self, m: &Merge, n: usize) -> Result<Value, String> {
        if self.program.coll(m.into).ty != Type::Dense(Some(n)) {
            return Err(format!("{} is merged into {}, not a dense<{n}> block", m.value, m.into));
        }
        let data = self.arg(Slot::Out { coll: m.into, column: m.column, part: Part::Data });
        let off = self.b.ins().imul_imm_u(self.k, (n * 8) as i64);
        Ok(self.b.ins().iadd(data, off))
    }

    /// Appends a value at the loop position.
    pub(crate) fn merge(&mut self, m: &Merge) -> Result<(), String> {
        if self.direct_packs.contains_key(&m.value) {
            // written in place by its pack
            return Ok(());
        }
        let v = self.val(m.value)?;
        let (coll, column) = (m.into, m.column);
        match v {
            CgVal::Sparse(_) => return Err("loops do not build sparse blocks".into()),
            CgVal::Str { ptr, len, valid } => {
                // a string a loop merges is a slice of a live input: its address and length are
                // kept, and the caller copies the bytes into the new column
                let values = self.arg(Slot::Out { coll, column, part: Part::Values });
                let off = self.b.ins().ishl_imm_u(self.k, 3);
                let p = self.b.ins().iadd(values, off);
                self.b.ins().store(mem(), ptr, p, 0);
                let lens = self.arg(Slot::Out { coll, column, part: Part::Offsets });
                let off = self.b.ins().ishl_imm_u(self.k, 3);
                let p = self.b.ins().iadd(lens, off);
                self.b.ins().store(mem(), len, p, 0);
                let flags = self.arg(Slot::Out { coll, column, part: Part::Validity });
                let fp = self.b.ins().iadd(flags, self.k);
                self.b.ins().store(mem(), valid, fp, 0);
            }
            CgVal::Vector { ptr, n } => {
                let data = self.arg(Slot::Out { coll, column, part: Part::Data });
                let off = self.b.ins().imul_imm_u(self.k, (n * 8) as i64);
                let dst = self.b.ins().iadd(data, off);
                self.copy_f64(dst, ptr, n);
            }
            CgVal::Scalar { v, valid, elem } => {
                let width = match elem {
                    ColumnType::F64 | ColumnType::I64 => 8,
                    ColumnType::Bool => 1,
                    ColumnType::Str => return Err("loops do not build string columns".into()),
                };
                let values = self.arg(Slot::Out { coll, column, part: Part::Values });
                let off = self.b.ins().imul_imm_u(self.k, width);
                let p = self.b.ins().iadd(values, off);
                self.b.ins().store(mem(), v, p, 0);
                let flags = self.arg(Slot::Out { coll, column, part: Part::Validity });
                let fp = self.b.ins().iadd(flags, self.k);
                let valid = match valid {
                    Some(x) => x,
                    None => self.b.ins().iconst(types::I8, 1),
                };
                self.b.ins().store(mem(), valid, fp, 0);
            }
        }
        Ok(())
    }

    /// Jumps to the failure exit with `code` for statement `stmt` when `cond` is true.
    pub(crate) fn fail_if(&mut self, cond: Value, stmt: usize, code: u32) {
        let fail = self.fail.expect("inside a loop body");
        let cont = self.b.create_block();
        let s = self.b.ins().iconst(types::I64, stmt as i64);
        let c = self.b.ins().iconst(types::I32, code as i64);
        self.b.ins().brif(cond, fail, &[BlockArg::Value(self.k), BlockArg::Value(s), BlockArg::Value(c)], cont, &[]);
        self.b.switch_to_block(cont);
    }
}
