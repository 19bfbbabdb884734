//! Joins and numeric ops into a gradient-boosted model, lifted by `#[willump]`: prints the
//! pipeline's IR (one `left_join` per side table and history table, the numeric ops, `to_dense`,
//! the model) and its feature groups (one per join, per numeric op, per raw column).
//!
//! `cargo run --release --example tables [-- --data ../shared/data]`
//!
//! The pipeline is `willump_workloads::flights::flights_pipeline` (the `flights` workload). With
//! `--data`, the real nycflights13 tables are read (about 10 s of training).

use willump_workloads::flights::FlightsWorkload;
use willump_workloads::{Metric, Workload};

fn main() -> willump::Result<()> {
    let data = std::env::args().skip_while(|a| a != "--data").nth(1);
    let w = FlightsWorkload;
    let d = match data.as_deref().map(|p| w.load(std::path::Path::new(p))).transpose()?.flatten() {
        Some(d) => d,
        None => w.generate(1, 40_000)?,
    };
    println!("data: {} ({} training rows, {} test rows)\n", d.source, d.train.n_rows(), d.test.n_rows());
    let trained = w.train(&d)?;
    let pipeline = trained.graph()?;
    println!("{}", pipeline.ir_text());
    println!("{}", pipeline.feature_groups()?.to_text(pipeline.graph()));
    let p = trained.eager(&d.test.inputs)?;
    println!("test ROC AUC {:.4}", Metric::RocAuc.score(&d.test.labels, &p)?);
    Ok(())
}
