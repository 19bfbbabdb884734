//! The `python` column: the harness exports the workload's rows (and what the Python side needs
//! to build the same pipeline) into a folder, runs `benches/python/workloads.py` with the given
//! interpreter, and reads back rows with the same fields.

use std::path::Path;
use std::process::Command;

use serde_json::Value as Json;

use super::Effort;
use super::report::ResultRow;
use crate::{Dataset, Error, Result, Trained, Workload};

/// Exports, runs the script and returns its rows and its notes (e.g. LightGBM's AUC on the
/// exported feature matrices).
#[allow(clippy::too_many_arguments)]
pub fn run(
    python: &Path,
    script: &Path,
    w: &dyn Workload,
    trained: &dyn Trained,
    data: &Dataset,
    dir: &Path,
    threads: &[usize],
    effort: Effort,
) -> Result<(Vec<ResultRow>, Json)> {
    if dir.exists() {
        std::fs::remove_dir_all(dir).map_err(|e| Error::Io(format!("{}: {e}", dir.display())))?;
    }
    std::fs::create_dir_all(dir).map_err(|e| Error::Io(format!("{}: {e}", dir.display())))?;
    trained.export(data, dir)?;
    let out = dir.join("results.json");
    let threads: Vec<String> = threads.iter().map(usize::to_string).collect();
    let status = Command::new(python)
        .arg(script)
        .arg("--workload")
        .arg(w.name())
        .arg("--dir")
        .arg(dir)
        .arg("--threads")
        .arg(threads.join(","))
        .arg("--repeats")
        .arg(effort.repeats.to_string())
        .arg("--latency-rows")
        .arg(effort.latency_rows.to_string())
        .arg("--out")
        .arg(&out)
        .status()
        .map_err(|e| Error::Io(format!("running {}: {e}", python.display())))?;
    if !status.success() {
        return Err(Error::op("python", format!("{} {} exited with {status}", python.display(), script.display())));
    }
    let text = std::fs::read_to_string(&out).map_err(|e| Error::Io(format!("{}: {e}", out.display())))?;
    let doc: Json = serde_json::from_str(&text).map_err(|e| Error::op("python", format!("{}: {e}", out.display())))?;
    let rows = doc["results"]
        .as_array()
        .ok_or_else(|| Error::op("python", "no `results` list"))?
        .iter()
        .map(|r| ResultRow::from_json(r).map_err(|e| Error::op("python", e)))
        .collect::<Result<Vec<_>>>()?;
    Ok((rows, doc.get("notes").cloned().unwrap_or(Json::Null)))
}
