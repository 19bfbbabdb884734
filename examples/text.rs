//! Word and character TF-IDF stacked into a linear model, lifted by `#[willump]`: prints the
//! pipeline's IR and its feature groups, then scores it eagerly and through the interpreter.
//!
//! `cargo run --release --example text [-- --data ../shared/data]`
//!
//! The pipeline is `willump_workloads::text::text_pipeline` (the `text` benchmark workload):
//! lowercase, word 1-gram TF-IDF, char 2-5-gram TF-IDF, `hstack`, logistic regression.

use willump_workloads::text::TextWorkload;
use willump_workloads::{Metric, Workload, class1_of_value};

fn main() -> willump::Result<()> {
    let data = std::env::args().skip_while(|a| a != "--data").nth(1);
    let w = TextWorkload;
    let d = match data.as_deref().map(|p| w.load(std::path::Path::new(p))).transpose()?.flatten() {
        Some(d) => d,
        None => w.generate(1, 6000)?,
    };
    println!("data: {} ({} training rows, {} test rows)\n", d.source, d.train.n_rows(), d.test.n_rows());
    let trained = w.train(&d)?;
    let pipeline = trained.graph()?;
    println!("{}", pipeline.ir_text());
    println!("{}", pipeline.feature_groups()?.to_text(pipeline.graph()));
    let eager = trained.eager(&d.test.inputs)?;
    let interpreted = class1_of_value(&pipeline.run(&d.test.inputs)?)?;
    println!("eager == interpreted: {}", eager == interpreted);
    println!(
        "test accuracy {:.4}, AUC {:.4}",
        Metric::Accuracy.score(&d.test.labels, &eager)?,
        Metric::RocAuc.score(&d.test.labels, &eager)?
    );
    Ok(())
}
