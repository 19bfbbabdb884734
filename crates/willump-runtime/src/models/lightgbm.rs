//! Import of LightGBM's text model format (`Booster.save_model`, versions v2 to v4) into a
//! [`Gbdt`], so that the compiler and the reference evaluator see LightGBM models as any other
//! tree ensemble.
//!
//! Semantics follow LightGBM's `Tree` (include/LightGBM/tree.h) and `GBDT::LoadModelFromString`:
//! - `decision_type` bits: 1 = categorical, 2 = default left, bits 2-3 = missing type (0 None,
//!   1 Zero, 2 NaN); for `None`, NaN is compared as 0.0; for `Zero`, |x| <= 1e-35f and NaN take
//!   the default direction;
//! - a categorical node's `threshold` indexes `cat_boundaries`, which delimit its bitset in
//!   `cat_threshold`;
//! - leaf values already include the shrinkage (and, for the first trees, the initial score), so
//!   every base score is 0; trees cycle through `num_tree_per_iteration` outputs;
//! - objectives: `binary` (sigmoid with parameter `s`: p = 1 / (1 + exp(-s * raw))),
//!   `cross_entropy` / `xentropy` (sigmoid), `multiclass` / `softmax` (softmax over
//!   `num_class >= 3` outputs), and the identity-link objectives (`regression` and its L1,
//!   Huber, fair, quantile and MAPE variants, `lambdarank`, `rank_xendcg`).
//!
//! Since [`Link::Sigmoid`] has no parameter, a `binary` model with `sigmoid:s != 1` is imported
//! with every leaf multiplied by `s`: its [`Model::decision_function`] is then the log-odds
//! (`s` times LightGBM's raw score), as the [`Model`] contract says, and its probabilities are
//! LightGBM's.
//!
//! Rejected with an error: linear trees, random-forest averaging (`average_output`), objectives
//! with other links (`poisson`, `gamma`, `tweedie`, `multiclassova`, `cross_entropy_lambda`,
//! `regression sqrt`, custom), and any malformed or truncated file (every count, length, index
//! and number is checked; the parser never panics).

use super::gbdt::{FeatureImportance, Gbdt, GbdtObjective, GbdtSpec};
use super::{Decision, Link, MissingType, Task, Tree, TreeEnsemble};
use crate::error::{Error, Result};

const OP: &str = "lightgbm";

fn err(msg: impl Into<String>) -> Error {
    Error::Artifact(format!("{OP}: {}", msg.into()))
}

/// Reads a LightGBM text model file.
pub fn load_lightgbm_file(path: impl AsRef<std::path::Path>) -> Result<Gbdt> {
    let path = path.as_ref();
    let text = std::fs::read_to_string(path).map_err(|e| Error::Io(format!("{}: {e}", path.display())))?;
    load_lightgbm(&text)
}

/// Parses a LightGBM text model.
pub fn load_lightgbm(text: &str) -> Result<Gbdt> {
    let mut lines = text.lines().map(|l| l.trim_end_matches('\r')).enumerate().peekable();
    match lines.next() {
        Some((_, "tree")) => {}
        _ => return Err(err("not a LightGBM text model (the first line is not `tree`)")),
    }
    // Header: key=value lines up to the first tree.
    let mut header = Vec::new();
    while let Some(&(_, line)) = lines.peek() {
        if line.starts_with("Tree=") || line == "end of trees" {
            break;
        }
        lines.next();
        if let Some((k, v)) = line.split_once('=') {
            header.push((k, v));
        } else if !line.is_empty() {
            header.push((line, ""));
        }
    }
    let get = |key: &str| header.iter().find(|(k, _)| *k == key).map(|(_, v)| *v);
    let need = |key: &str| get(key).ok_or_else(|| err(format!("header has no `{key}`")));
    if let Some(v) = get("version")
        && !matches!(v, "v2" | "v3" | "v4")
    {
        return Err(err(format!("unsupported format version `{v}`")));
    }
    if get("average_output").is_some() {
        return Err(err("random-forest models (average_output) are not supported"));
    }
    let num_class: usize = parse_int(need("num_class")?, "num_class")?;
    let per_iter: usize = parse_int(need("num_tree_per_iteration")?, "num_tree_per_iteration")?;
    let max_feature_idx: i64 = parse_int(need("max_feature_idx")?, "max_feature_idx")?;
    if !(0..(1 << 24)).contains(&max_feature_idx) {
        return Err(err(format!("max_feature_idx {max_feature_idx} out of range")));
    }
    let n_features = max_feature_idx as usize + 1;
    let (task, link, sigmoid) = objective(need("objective")?, num_class)?;
    if per_iter != task.n_outputs() {
        return Err(err(format!("num_tree_per_iteration {per_iter} for {} outputs", task.n_outputs())));
    }
    let expected_trees = get("tree_sizes").map(|s| s.split_whitespace().count());

    // Trees.
    let mut trees = Vec::new();
    let mut gains = FeatureImportance { split: vec![0; n_features], gain: vec![0.0; n_features] };
    let mut ended = false;
    while let Some((lineno, line)) = lines.next() {
        if line == "end of trees" {
            ended = true;
            break;
        }
        if line.is_empty() {
            continue;
        }
        let Some(idx) = line.strip_prefix("Tree=") else {
            return Err(err(format!("line {}: expected `Tree=...`, found `{}`", lineno + 1, clip(line))));
        };
        if parse_int::<usize>(idx, "Tree")? != trees.len() {
            return Err(err(format!("line {}: tree {idx} out of order (expected {})", lineno + 1, trees.len())));
        }
        let mut fields: Vec<(&str, &str)> = Vec::new();
        while let Some(&(_, l)) = lines.peek() {
            if l.is_empty() || l.starts_with("Tree=") || l == "end of trees" {
                break;
            }
            lines.next();
            let (k, v) = l.split_once('=').ok_or_else(|| err(format!("tree {idx}: malformed line `{}`", clip(l))))?;
            fields.push((k, v));
        }
        let tree = parse_tree(&fields, trees.len(), sigmoid, &mut gains)?;
        trees.push(tree);
    }
    if !ended {
        return Err(err("truncated: no `end of trees` line"));
    }
    if let Some(n) = expected_trees
        && n != trees.len()
    {
        return Err(err(format!("tree_sizes lists {n} trees, the file has {}", trees.len())));
    }
    if !trees.len().is_multiple_of(per_iter) {
        return Err(err(format!("{} trees for {per_iter} trees per iteration", trees.len())));
    }
    // Parameters (optional): the hyper-parameters a refit with the willump trainer uses.
    let mut params: Vec<(&str, &str)> = Vec::new();
    for (_, line) in lines {
        if let Some(inner) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']'))
            && let Some((k, v)) = inner.split_once(": ")
        {
            params.push((k, v));
        }
    }
    let spec = spec_from_parameters(&params, task, trees.len() / per_iter);
    let ensemble = TreeEnsemble { n_features, task, link, base_score: vec![0.0; task.n_outputs()], trees };
    ensemble.validate().map_err(|e| err(e.to_string()))?;
    Gbdt::new(spec, ensemble, gains)
}

fn clip(s: &str) -> String {
    s.chars().take(60).collect()
}

fn parse_int<T: std::str::FromStr>(s: &str, what: &str) -> Result<T> {
    s.trim().parse().map_err(|_| err(format!("`{what}`: `{}` is not an integer in range", clip(s))))
}

/// The task, link and sigmoid scale of an `objective=` line.
fn objective(line: &str, num_class: usize) -> Result<(Task, Link, f64)> {
    let mut tokens = line.split_whitespace();
    let name = tokens.next().ok_or_else(|| err("empty objective"))?;
    let mut sigmoid = 1.0f64;
    let mut sqrt = false;
    for t in tokens {
        if let Some(v) = t.strip_prefix("sigmoid:") {
            sigmoid = v.parse().map_err(|_| err(format!("bad sigmoid parameter `{v}`")))?;
            if !(sigmoid > 0.0 && sigmoid.is_finite()) {
                return Err(err(format!("sigmoid parameter {sigmoid} must be positive")));
            }
        } else if t == "sqrt" {
            sqrt = true;
        }
    }
    if sqrt {
        return Err(err(format!("objective `{line}`: the squared-output transform (reg_sqrt) is not supported")));
    }
    let single = |task, link| {
        if num_class != 1 {
            return Err(err(format!("objective `{name}` with num_class {num_class}")));
        }
        Ok((task, link, 1.0))
    };
    match name {
        "binary" => single(Task::Binary, Link::Sigmoid).map(|(t, l, _)| (t, l, sigmoid)),
        "cross_entropy" | "xentropy" => single(Task::Binary, Link::Sigmoid),
        "multiclass" | "softmax" => {
            if num_class < 3 {
                return Err(err(format!("multiclass with {num_class} classes is not supported (need >= 3)")));
            }
            if num_class > 1 << 16 {
                return Err(err(format!("{num_class} classes")));
            }
            Ok((Task::MultiClass { n_classes: num_class }, Link::Softmax, 1.0))
        }
        "regression"
        | "regression_l2"
        | "l2"
        | "mean_squared_error"
        | "mse"
        | "l2_root"
        | "root_mean_squared_error"
        | "rmse"
        | "regression_l1"
        | "l1"
        | "mean_absolute_error"
        | "mae"
        | "huber"
        | "fair"
        | "quantile"
        | "mape"
        | "mean_absolute_percentage_error"
        | "lambdarank"
        | "rank_xendcg" => single(Task::Regression, Link::Identity),
        other => Err(err(format!("objective `{other}` is not supported (its output transform has no willump link)"))),
    }
}

fn array<T: std::str::FromStr>(fields: &[(&str, &str)], key: &str, len: usize, tree: usize) -> Result<Vec<T>> {
    let Some(&(_, v)) = fields.iter().find(|(k, _)| *k == key) else {
        return Err(err(format!("tree {tree}: missing `{key}`")));
    };
    let out: Vec<T> = v
        .split_whitespace()
        .map(|s| s.parse::<T>().map_err(|_| err(format!("tree {tree}: `{key}` has a bad value `{}`", clip(s)))))
        .collect::<Result<_>>()?;
    if out.len() != len {
        return Err(err(format!("tree {tree}: `{key}` has {} values, expected {len}", out.len())));
    }
    Ok(out)
}

fn parse_tree(fields: &[(&str, &str)], t: usize, sigmoid: f64, imp: &mut FeatureImportance) -> Result<Tree> {
    let scalar = |key: &str| {
        fields.iter().find(|(k, _)| *k == key).map(|(_, v)| *v).ok_or_else(|| err(format!("tree {t}: missing `{key}`")))
    };
    let num_leaves: usize = parse_int(scalar("num_leaves")?, "num_leaves")?;
    if num_leaves == 0 || num_leaves > 1 << 24 {
        return Err(err(format!("tree {t}: num_leaves {num_leaves} out of range")));
    }
    let num_cat: usize = parse_int(scalar("num_cat")?, "num_cat")?;
    if num_cat >= num_leaves.max(1) {
        return Err(err(format!("tree {t}: num_cat {num_cat} for {num_leaves} leaves")));
    }
    if let Some((_, v)) = fields.iter().find(|(k, _)| *k == "is_linear")
        && v.trim() != "0"
    {
        return Err(err(format!("tree {t}: linear trees are not supported")));
    }
    let mut leaf_value: Vec<f64> = array(fields, "leaf_value", num_leaves, t)?;
    if sigmoid != 1.0 {
        leaf_value.iter_mut().for_each(|v| *v *= sigmoid);
    }
    if num_leaves == 1 {
        return Ok(Tree::constant(leaf_value[0]));
    }
    let n = num_leaves - 1;
    let split_feature: Vec<u32> = array(fields, "split_feature", n, t)?;
    let threshold: Vec<f64> = array(fields, "threshold", n, t)?;
    let decision_type: Vec<u8> = if fields.iter().any(|(k, _)| *k == "decision_type") {
        array(fields, "decision_type", n, t)?
    } else {
        vec![0; n]
    };
    let left: Vec<i32> = array(fields, "left_child", n, t)?;
    let right: Vec<i32> = array(fields, "right_child", n, t)?;
    let split_gain: Vec<f64> =
        if fields.iter().any(|(k, _)| *k == "split_gain") { array(fields, "split_gain", n, t)? } else { vec![0.0; n] };
    let (cat_boundaries, cat_threshold): (Vec<usize>, Vec<u32>) = if num_cat > 0 {
        let b: Vec<usize> = array(fields, "cat_boundaries", num_cat + 1, t)?;
        if b[0] != 0 || b.windows(2).any(|w| w[1] < w[0]) || b[num_cat] > 1 << 26 {
            return Err(err(format!("tree {t}: cat_boundaries are not increasing from 0")));
        }
        let c: Vec<u32> = array(fields, "cat_threshold", b[num_cat], t)?;
        (b, c)
    } else {
        (vec![0], vec![])
    };
    let mut decision = Vec::with_capacity(n);
    for i in 0..n {
        let dt = decision_type[i];
        if dt > 15 {
            return Err(err(format!("tree {t}: decision_type {dt} has unknown bits")));
        }
        if dt & 1 == 1 {
            let th = threshold[i];
            if !(th >= 0.0 && th.fract() == 0.0 && (th as usize) < num_cat) {
                return Err(err(format!("tree {t}: categorical split {i} refers to bitset {th} of {num_cat}")));
            }
            let c = th as usize;
            decision.push(Decision::Categorical {
                categories: cat_threshold[cat_boundaries[c]..cat_boundaries[c + 1]].to_vec(),
            });
        } else {
            let missing = match (dt >> 2) & 3 {
                0 => MissingType::None,
                1 => MissingType::Zero,
                2 => MissingType::NaN,
                _ => return Err(err(format!("tree {t}: decision_type {dt} has missing type 3"))),
            };
            if threshold[i].is_nan() {
                return Err(err(format!("tree {t}: NaN threshold at node {i}")));
            }
            decision.push(Decision::Numerical { threshold: threshold[i], missing, default_left: dt & 2 == 2 });
        }
    }
    for (&f, &g) in split_feature.iter().zip(&split_gain) {
        if let Some(s) = imp.split.get_mut(f as usize) {
            *s += 1;
            imp.gain[f as usize] += g;
        }
    }
    let tree = Tree { split_feature, decision, left, right, leaf_value };
    tree.validate(imp.split.len()).map_err(|e| err(format!("tree {t}: {e}")))?;
    Ok(tree)
}

/// The willump trainer's hyper-parameters closest to LightGBM's `parameters:` section (defaults
/// for anything absent or unparsable).
fn spec_from_parameters(params: &[(&str, &str)], task: Task, n_iterations: usize) -> GbdtSpec {
    let get = |k: &str| params.iter().find(|(key, _)| *key == k).map(|(_, v)| v.trim());
    let f = |k: &str, d: f64| get(k).and_then(|v| v.parse::<f64>().ok()).filter(|v| v.is_finite()).unwrap_or(d);
    let u = |k: &str, d: usize| get(k).and_then(|v| v.parse::<usize>().ok()).unwrap_or(d);
    let d = GbdtSpec::default();
    GbdtSpec {
        objective: if task == Task::Regression { GbdtObjective::Regression } else { GbdtObjective::Classification },
        n_trees: n_iterations.max(1),
        learning_rate: f("learning_rate", d.learning_rate),
        num_leaves: u("num_leaves", d.num_leaves).max(2),
        max_depth: get("max_depth").and_then(|v| v.parse::<i64>().ok()).filter(|&v| v > 0).map(|v| v as usize),
        min_data_in_leaf: u("min_data_in_leaf", d.min_data_in_leaf),
        min_sum_hessian_in_leaf: f("min_sum_hessian_in_leaf", d.min_sum_hessian_in_leaf).max(0.0),
        lambda_l2: f("lambda_l2", d.lambda_l2).max(0.0),
        min_gain_to_split: f("min_gain_to_split", d.min_gain_to_split).max(0.0),
        feature_fraction: f("feature_fraction", 1.0).clamp(f64::MIN_POSITIVE, 1.0),
        bagging_fraction: f("bagging_fraction", 1.0).clamp(f64::MIN_POSITIVE, 1.0),
        bagging_freq: u("bagging_freq", 0),
        max_bin: u("max_bin", d.max_bin).clamp(2, 256),
        bin_construct_sample_cnt: u("bin_construct_sample_cnt", d.bin_construct_sample_cnt).max(1),
        seed: get("seed").and_then(|v| v.parse::<i64>().ok()).map_or(0, |v| v as u64),
        n_threads: 0,
    }
}
