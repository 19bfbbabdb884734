//! Compile options.

/// Cranelift's optimization level.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OptLevel {
    /// No optimization: fastest to compile. Tree code compiled as branches runs faster at this
    /// level (measured in `benches/jit_gbdt.rs`: thousands of constants make `speed` spill).
    None,
    /// Cranelift's `speed` level.
    Speed,
    /// The default: [`Speed`](OptLevel::Speed) when trees are scored by the QuickScorer kernel
    /// (no tree code is generated, and the feature loops gain: 6-14% on the flights feature
    /// stage, BENCHMARKS.md "Flights"), else [`None`](OptLevel::None). An ensemble QuickScorer
    /// cannot score (categorical splits, more than 64 leaves) is then compiled as branches at
    /// `speed`, which is correct but slower than at `none`: choose `None` for such models.
    Auto,
}

impl OptLevel {
    /// The level [`Auto`](OptLevel::Auto) stands for with `tree_mode`; other levels are themselves.
    pub fn resolve(self, tree_mode: TreeMode) -> OptLevel {
        match (self, tree_mode) {
            (OptLevel::Auto, TreeMode::QuickScorer) => OptLevel::Speed,
            (OptLevel::Auto, _) => OptLevel::None,
            (level, _) => level,
        }
    }
}

/// How tree ensembles are compiled. The default ([`TreeMode::for_this_machine`]) is
/// [`TreeMode::QuickScorer`] on machines with AVX-512: on the 100-tree,
/// 31-leaf bench (`benches/jit_gbdt.rs`) it scored batches 2.8x to 4.4x faster than branches and
/// single rows faster too (1.6 against 2.3-3.0 us), and compiles 10x faster.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TreeMode {
    /// Every node a branch with its threshold as a constant.
    Branches,
    /// A generated walk over node records in a table.
    Table,
    /// QuickScorer: the ensemble prepared at compile time into per-feature threshold lists and
    /// leaf masks, scored by a Rust kernel a block of 16 rows at a time (see
    /// `codegen/quickscorer.rs`). Ensembles it cannot score (categorical splits, trees of more
    /// than 64 leaves) are compiled as branches.
    QuickScorer,
}

impl TreeMode {
    /// The default tree mode on this machine: [`QuickScorer`](TreeMode::QuickScorer) where its
    /// AVX-512 kernel runs (x86-64 with AVX-512 F/VL/BW/DQ), else [`Branches`](TreeMode::Branches):
    /// the plain QuickScorer kernel tests one row at a time with a branch and was measured about
    /// 6x slower than the AVX-512 one, which would lose to branches.
    pub fn for_this_machine() -> TreeMode {
        if crate::codegen::has_simd_kernel() { TreeMode::QuickScorer } else { TreeMode::Branches }
    }
}

/// Options of [`crate::compile`].
#[derive(Debug, Clone)]
pub struct CompileOptions {
    /// Cranelift's optimization level ([`OptLevel::Auto`] by default).
    pub opt_level: OptLevel,
    /// How tree ensembles are compiled (QuickScorer by default).
    pub tree_mode: TreeMode,
    /// Run the Cranelift verifier on every function (on by default in debug builds, so in tests).
    pub verify: bool,
    /// Apply the fusion rules (off: one loop per node, for tests and reports).
    pub fuse: bool,
    /// Threads a batch is split across by [`crate::CompiledPipeline::predict`] (1: the calling
    /// thread only). The calling thread is one of them; they claim chunks of rows (about eight
    /// per thread, at least 256 rows) from a shared counter, so a thread the host slows down, or
    /// one that drew the longer texts, does not hold up the batch.
    pub threads: usize,
    /// Keep the Cranelift IR of every function for the report.
    pub keep_clif: bool,
    /// Evaluate tree ensembles (as branches) a block of 16 rows at a time, so that the
    /// ensemble's code is fetched once per block (batch calls; one row is a block of one). Off by
    /// default: `benches/jit_gbdt.rs` measured no gain on a 100-tree, 31-leaf ensemble.
    pub tree_blocks: bool,
    /// Bits of the vocabulary tables' term hashes (64; tests cut it to force every lookup through
    /// collisions, which must never change an answer).
    pub vocab_hash_bits: u32,
}

impl Default for CompileOptions {
    fn default() -> Self {
        CompileOptions {
            opt_level: OptLevel::Auto,
            tree_mode: TreeMode::for_this_machine(),
            verify: cfg!(debug_assertions),
            fuse: true,
            threads: 1,
            keep_clif: false,
            vocab_hash_bits: 64,
            tree_blocks: false,
        }
    }
}
