//! Saving and loading an optimized (cascade) pipeline as one versioned file.
//!
//! ```text
//! offset  size  field
//! 0       8     magic "WILLUMPC"
//! 8       4     format version (u32 LE), currently 1
//! 12      8     payload length m (u64 LE)
//! 20      8     FNV-1a 64 checksum of the payload (u64 LE)
//! 28      m     payload: bincode 2 of the body below
//! ```
//!
//! The body holds the pipeline's IR (with the served full model), every piece of bound state
//! (vectorizers, encoders and side tables as their serialized values, models through
//! [`save_model`]), the small model, the plan (groups with their costs and importances, the
//! selected set, the threshold, the score and target), the cascade's IR, and for every opaque
//! function its name and a fingerprint of its signature (name, argument types, result type).
//!
//! Code cannot be saved: loading binds each opaque function again from the user's freshly
//! traced pipeline, matched by name and signature. Loading rejects, with the reason: a file that
//! is not a cascade artifact, another format version, a truncated or corrupt file (checksum), a
//! payload that does not decode, state whose contents do not match its fingerprint, a traced
//! pipeline whose structure differs from the saved one (the first differing line is named), an
//! opaque function missing or with another signature, and a rebuilt cascade that differs from
//! the saved one.

use std::sync::Arc;

use serde::{Deserialize, Serialize};
use willump_ir::{Graph, Op, StateKind, text};

use crate::error::{Error, Result};
use crate::fingerprint::{Fnv64, fingerprint_bytes};
use crate::models::{load_model, save_model};
use crate::ops::numeric::OneHotEncoder;
use crate::ops::table::LeftJoin;
use crate::ops::text::{CountVectorizer, HashingVectorizer, TfidfVectorizer};
use crate::optimize::{CascadePipeline, CascadePlan};
use crate::pipeline::Pipeline;
use crate::state::BoundState;

const MAGIC: &[u8; 8] = b"WILLUMPC";
/// The artifact format version this build writes and reads.
pub const CASCADE_FORMAT_VERSION: u32 = 1;
const HEADER: usize = 28;

/// One piece of bound state as saved.
#[derive(Serialize, Deserialize)]
enum SavedState {
    Count(CountVectorizer),
    Tfidf(TfidfVectorizer),
    Hashing(HashingVectorizer),
    OneHot(OneHotEncoder),
    Join(LeftJoin),
    Model(Vec<u8>),
    /// An opaque function: bound again on load.
    Function {
        name: String,
        signature: u64,
    },
}

#[derive(Serialize, Deserialize)]
struct Body {
    /// The original pipeline (with the served full model), in IR text.
    pipeline_ir: String,
    states: Vec<SavedState>,
    small_model: Vec<u8>,
    plan: CascadePlan,
    cascade_ir: String,
}

fn bincode_config() -> impl bincode::config::Config {
    bincode::config::standard().with_little_endian().with_fixed_int_encoding().with_limit::<{ 1 << 34 }>()
}

fn bad(message: impl Into<String>) -> Error {
    Error::Artifact(format!("cascade file: {}", message.into()))
}

/// The signature fingerprint of opaque function state `index` of `g`: its name, and the argument
/// and result types of every node that calls it.
fn signature(g: &Graph, index: usize) -> u64 {
    let mut h = Fnv64::default();
    h.write(g.states()[index].name.as_bytes());
    for n in g.nodes() {
        if let Op::Opaque { func } = n.op
            && func.index() == index
        {
            for a in &n.args {
                h.write(g.node(*a).ty.to_string().as_bytes());
                h.write(b",");
            }
            h.write(b"->");
            h.write(n.ty.to_string().as_bytes());
            h.write(b";");
        }
    }
    h.finish()
}

/// The graph's text with the fingerprints of non-function state masked: the structure a traced
/// pipeline must match (its fitted values may differ; the artifact carries its own).
fn structure(g: &Graph) -> Vec<String> {
    text::print(g)
        .lines()
        .map(|l| match (l.trim_start().starts_with("state "), l.rfind(" fp=0x")) {
            (true, Some(i)) if !l.contains("= function") => format!("{} fp=*", &l[..i]),
            _ => l.to_string(),
        })
        .collect()
}

/// Serializes a cascade pipeline (see the module docs for the layout).
pub fn save_cascade(c: &CascadePipeline) -> Result<Vec<u8>> {
    let p = c.full_pipeline();
    let g = p.graph();
    let states = p
        .states()
        .iter()
        .enumerate()
        .map(|(i, s)| {
            Ok(match s {
                BoundState::Count(v) => SavedState::Count((**v).clone()),
                BoundState::Tfidf(v) => SavedState::Tfidf((**v).clone()),
                BoundState::Hashing(v) => SavedState::Hashing((**v).clone()),
                BoundState::OneHot(v) => SavedState::OneHot((**v).clone()),
                BoundState::Join(v) => SavedState::Join((**v).clone()),
                BoundState::Model(m) => SavedState::Model(save_model(m.as_ref())?),
                BoundState::Function(f) => SavedState::Function { name: f.name.clone(), signature: signature(g, i) },
            })
        })
        .collect::<Result<Vec<_>>>()?;
    let body = Body {
        pipeline_ir: p.ir_text(),
        states,
        small_model: save_model(c.small_model()?.as_ref())?,
        plan: c.plan().clone(),
        cascade_ir: c.ir_text(),
    };
    let payload =
        bincode::serde::encode_to_vec(&body, bincode_config()).map_err(|e| Error::op("save_cascade", e.to_string()))?;
    let mut out = Vec::with_capacity(HEADER + payload.len());
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&CASCADE_FORMAT_VERSION.to_le_bytes());
    out.extend_from_slice(&(payload.len() as u64).to_le_bytes());
    out.extend_from_slice(&fingerprint_bytes(&payload).to_le_bytes());
    out.extend_from_slice(&payload);
    Ok(out)
}

/// Reads a cascade pipeline saved by [`save_cascade`]. `traced` is the user's freshly traced
/// original pipeline: its opaque functions are bound into the loaded cascade (required when the
/// pipeline calls any), and its structure must match the saved one.
pub fn load_cascade(bytes: &[u8], traced: Option<&Pipeline>) -> Result<CascadePipeline> {
    let body = decode(bytes)?;
    let graph = text::parse(&body.pipeline_ir).map_err(|e| bad(format!("the pipeline IR does not parse: {e}")))?;
    if body.states.len() != graph.states().len() {
        return Err(bad(format!("{} states for a pipeline that declares {}", body.states.len(), graph.states().len())));
    }
    if let Some(t) = traced {
        let (saved, fresh) = (structure(&graph), structure(t.graph()));
        if let Some(i) = (0..saved.len().max(fresh.len())).find(|&i| saved.get(i) != fresh.get(i)) {
            return Err(Error::Artifact(format!(
                "cascade file was made for a different pipeline: line {}: saved `{}`, traced `{}`",
                i + 1,
                saved.get(i).map_or("<end>", |s| s.trim()),
                fresh.get(i).map_or("<end>", |s| s.trim())
            )));
        }
    }
    let mut states = Vec::with_capacity(body.states.len());
    for (i, (saved, decl)) in body.states.into_iter().zip(graph.states()).enumerate() {
        let state = match saved {
            SavedState::Count(v) => BoundState::Count(Arc::new(v)),
            SavedState::Tfidf(v) => BoundState::Tfidf(Arc::new(v)),
            SavedState::Hashing(v) => BoundState::Hashing(Arc::new(v)),
            SavedState::OneHot(v) => BoundState::OneHot(Arc::new(v)),
            SavedState::Join(v) => BoundState::Join(Arc::new(v)),
            SavedState::Model(bytes) => BoundState::Model(Arc::from(load_model(&bytes)?)),
            SavedState::Function { name, signature: sig } => bind_function(traced, &graph, i, &name, sig)?,
        };
        if !matches!(state, BoundState::Function(_)) && state.fingerprint() != decl.fingerprint {
            return Err(bad(format!("state s{i} (`{}`) does not match its fingerprint", decl.name)));
        }
        states.push(state);
    }
    let pipeline = Pipeline::new(graph, states).map_err(|e| bad(e.to_string()))?;
    let small = Arc::from(load_model(&body.small_model)?);
    let cascade = CascadePipeline::assemble(pipeline, small, body.plan).map_err(|e| bad(e.to_string()))?;
    if cascade.ir_text() != body.cascade_ir {
        return Err(bad("the rebuilt cascade differs from the saved one (a different format or a corrupt plan)"));
    }
    Ok(cascade)
}

/// Binds opaque function state `i` (named `name`, signature `sig`) from the traced pipeline.
fn bind_function(traced: Option<&Pipeline>, saved: &Graph, i: usize, name: &str, sig: u64) -> Result<BoundState> {
    let Some(t) = traced else {
        return Err(Error::Artifact(format!(
            "the pipeline calls the opaque function `{name}`: pass the freshly traced pipeline to bind it"
        )));
    };
    match (t.states().get(i), t.graph().states().get(i)) {
        (Some(BoundState::Function(f)), Some(decl)) if matches!(decl.kind, StateKind::Function { .. }) => {
            if f.name != name {
                return Err(Error::Artifact(format!(
                    "opaque function s{i}: the file binds `{name}`, the traced pipeline calls `{}`",
                    f.name
                )));
            }
            if signature(t.graph(), i) != sig || signature(saved, i) != sig {
                return Err(Error::Artifact(format!(
                    "opaque function `{name}` has another signature (argument or result types) than when saved"
                )));
            }
            Ok(BoundState::Function(f.clone()))
        }
        _ => Err(Error::Artifact(format!("the traced pipeline has no opaque function s{i} (`{name}`)"))),
    }
}

fn decode(bytes: &[u8]) -> Result<Body> {
    if bytes.len() < 8 || &bytes[..8] != MAGIC {
        return Err(bad("not a willump cascade file (bad magic bytes)"));
    }
    if bytes.len() < HEADER {
        return Err(bad("truncated in the header"));
    }
    let u32_at = |i: usize| u32::from_le_bytes(bytes[i..i + 4].try_into().expect("4 bytes"));
    let u64_at = |i: usize| u64::from_le_bytes(bytes[i..i + 8].try_into().expect("8 bytes"));
    let version = u32_at(8);
    if version != CASCADE_FORMAT_VERSION {
        return Err(bad(format!(
            "format version {version} is not supported (this build reads {CASCADE_FORMAT_VERSION})"
        )));
    }
    let (len, sum) = (u64_at(12), u64_at(20));
    let payload = &bytes[HEADER..];
    if (payload.len() as u64) < len {
        return Err(bad(format!("truncated: payload has {} of {len} bytes", payload.len())));
    }
    if (payload.len() as u64) > len {
        return Err(bad(format!("{} unexpected bytes after the payload", payload.len() as u64 - len)));
    }
    if fingerprint_bytes(payload) != sum {
        return Err(bad("checksum mismatch: the file is corrupt"));
    }
    let (body, used): (Body, usize) = bincode::serde::decode_from_slice(payload, bincode_config())
        .map_err(|e| bad(format!("payload does not decode: {e}")))?;
    if used != payload.len() {
        return Err(bad("payload has trailing bytes"));
    }
    Ok(body)
}

/// [`save_cascade`] to a file.
pub fn save_cascade_file(path: impl AsRef<std::path::Path>, c: &CascadePipeline) -> Result<()> {
    std::fs::write(path, save_cascade(c)?)?;
    Ok(())
}

/// [`load_cascade`] from a file.
pub fn load_cascade_file(path: impl AsRef<std::path::Path>, traced: Option<&Pipeline>) -> Result<CascadePipeline> {
    load_cascade(&std::fs::read(path)?, traced)
}
