//! `cargo bench --bench workloads -- [WORKLOAD|all] [--data DIR] [--rows N] [--threads T] [--quick]
//! [--json PATH] [--python PATH]`: every workload run every way, side by side (see
//! `willump_workloads::harness`).

use std::path::Path;
use std::process::ExitCode;

fn main() -> ExitCode {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let args: Vec<String> = std::env::args().skip(1).collect();
    willump_workloads::harness::main(
        &args,
        root.join("benches/python/workloads.py"),
        root.join("target/workloads-export"),
    )
}
