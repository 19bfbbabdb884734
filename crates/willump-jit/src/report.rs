//! [`CompileReport`]: what the compiler made of a pipeline.

use std::fmt::Write;
use std::time::Duration;

use willump_ir::loops::Snapshot;

/// One stage of the compiled program.
#[derive(Debug, Clone, PartialEq)]
pub enum StageReport {
    /// A native loop.
    Native {
        /// Statements in its body.
        statements: usize,
        /// The values it materializes.
        writes: Vec<String>,
    },
    /// A call back into Rust.
    Callback {
        /// The node (`v3 opaque`).
        node: String,
        /// The value it returns.
        writes: Vec<String>,
    },
}

/// What the compiler made of a pipeline.
#[derive(Debug, Clone)]
pub struct CompileReport {
    /// The pipeline IR's text form.
    pub pipeline_ir: String,
    /// The loop IR after lowering and after every rewrite that changed it.
    pub loops: Vec<Snapshot>,
    /// The final stages.
    pub stages: Vec<StageReport>,
    /// Pipeline nodes compiled to native code.
    pub native_nodes: Vec<String>,
    /// Pipeline nodes run through Rust callbacks.
    pub callback_nodes: Vec<String>,
    /// Lowering, fusion and Cranelift, end to end.
    pub compile_time: Duration,
    /// Bytes of tables (weights, trees) the code reads.
    pub table_bytes: usize,
    /// Cranelift IR of every function (with [`crate::CompileOptions::keep_clif`]).
    pub clif: Vec<String>,
}

impl CompileReport {
    /// The final loop program's text form.
    pub fn final_loops(&self) -> &str {
        self.loops.last().map_or("", |s| s.text.as_str())
    }
}

impl std::fmt::Display for CompileReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut s = String::new();
        let _ = writeln!(
            s,
            "compiled in {:.1} ms, {} bytes of tables",
            self.compile_time.as_secs_f64() * 1e3,
            self.table_bytes
        );
        let _ = writeln!(
            s,
            "native: {}",
            if self.native_nodes.is_empty() { "-".into() } else { self.native_nodes.join(", ") }
        );
        let _ = writeln!(
            s,
            "callbacks: {}",
            if self.callback_nodes.is_empty() { "-".into() } else { self.callback_nodes.join(", ") }
        );
        for st in &self.stages {
            let _ = match st {
                StageReport::Native { statements, writes } => {
                    writeln!(s, "  native loop ({statements} statements) -> {}", writes.join(", "))
                }
                StageReport::Callback { node, writes } => writeln!(s, "  callback {node} -> {}", writes.join(", ")),
            };
        }
        for snap in &self.loops {
            let _ = writeln!(s, "-- after {}:\n{}", snap.stage, snap.text);
        }
        f.write_str(&s)
    }
}
