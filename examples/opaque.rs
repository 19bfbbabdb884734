//! User functions of different cost as feature groups: four small models, each inside an
//! ordinary Rust function the macro does not know, stacked into a logistic regression. Each call
//! becomes an `opaque` node that calls the function back, and its own feature group; the example
//! prints the IR and the groups, then times each group on its own through the interpreter.
//!
//! `cargo run --release --example opaque`
//!
//! The pipeline is `willump_workloads::stacked::stacked_pipeline` (the `stacked` workload), here
//! with smaller hashed feature spaces so that it trains in a few seconds.

use std::time::Instant;

use willump::prelude::*;
use willump_workloads::stacked::{HashBits, StackedModel, StackedWorkload};
use willump_workloads::{Metric, Trained, Workload};

fn main() -> willump::Result<()> {
    let d = StackedWorkload.generate(1, 6000)?;
    let Value::Column(Column::Str(texts)) = &d.train.inputs[0] else {
        return Err(Error::op("opaque example", "expected a text input"));
    };
    let trained = StackedModel::fit(texts, &d.train.labels, HashBits([15, 15, 16]))?;
    let pipeline = trained.graph()?;
    println!("{}", pipeline.ir_text());
    let groups = pipeline.feature_groups()?;
    println!("{}", groups.to_text(pipeline.graph()));
    for g in &groups.groups {
        let t = Instant::now();
        pipeline.run_group(&d.test.inputs, g)?;
        let us = t.elapsed().as_secs_f64() * 1e6 / d.test.n_rows() as f64;
        println!("group {:<12} {us:8.2} us per row", g.name);
    }
    let p = trained.eager(&d.test.inputs)?;
    println!("test accuracy {:.4}", Metric::Accuracy.score(&d.test.labels, &p)?);
    Ok(())
}
