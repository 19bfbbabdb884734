//! Saving and loading fitted models: a [`SavedModel`] encoded with bincode 2 (exact `f64` bits,
//! NaN and infinities included) inside a small versioned envelope:
//!
//! ```text
//! offset  size  field
//! 0       8     magic "WILLUMPM"
//! 8       4     format version (u32 LE), currently 1
//! 12      2     model class name length n (u16 LE)
//! 14      n     model class name (UTF-8, as Model::name)
//! 14+n    8     payload length m (u64 LE)
//! 22+n    4     CRC-32 (IEEE) of the class name and the payload
//! 26+n    m     payload
//! ```
//!
//! Loading checks each field in order and names what is wrong: not a model file, an unknown
//! version, a truncated or over-long file, a checksum mismatch (corruption), a class name that
//! does not match the payload or the class the caller expects, and finally the model's own
//! validation (shapes, tree structure, finite values).

use super::{Model, SavedModel};
use crate::error::{Error, Result};

const MAGIC: &[u8; 8] = b"WILLUMPM";
/// The envelope version this build writes and reads.
pub const MODEL_FORMAT_VERSION: u32 = 1;
/// Largest payload a file may declare (decoding allocations are bounded by it too).
const MAX_PAYLOAD: u64 = 1 << 32;

fn bincode_config() -> impl bincode::config::Config {
    bincode::config::standard().with_little_endian().with_fixed_int_encoding().with_limit::<{ 1 << 32 }>()
}

/// Serializes a fitted model into bytes (see the module docs for the layout).
pub fn save_model(model: &dyn Model) -> Result<Vec<u8>> {
    let saved = model.to_saved()?;
    let name = saved.model_name();
    if name != model.name() {
        return Err(Error::op("save_model", format!("model `{}` saved itself as `{name}`", model.name())));
    }
    let payload = bincode::serde::encode_to_vec(&saved, bincode_config())
        .map_err(|e| Error::op("save_model", format!("encoding failed: {e}")))?;
    let mut out = Vec::with_capacity(payload.len() + 32 + name.len());
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&MODEL_FORMAT_VERSION.to_le_bytes());
    out.extend_from_slice(&(name.len() as u16).to_le_bytes());
    out.extend_from_slice(name.as_bytes());
    out.extend_from_slice(&(payload.len() as u64).to_le_bytes());
    let mut crc = Crc32::new();
    crc.update(name.as_bytes());
    crc.update(&payload);
    out.extend_from_slice(&crc.finish().to_le_bytes());
    out.extend_from_slice(&payload);
    Ok(out)
}

/// Reads a model saved by [`save_model`].
pub fn load_model(bytes: &[u8]) -> Result<Box<dyn Model>> {
    let (_, saved) = decode(bytes)?;
    saved.into_model()
}

/// Reads a model saved by [`save_model`], requiring it to be of class `expected` (as
/// [`Model::name`], e.g. `"gbdt"`).
pub fn load_model_of_class(bytes: &[u8], expected: &str) -> Result<Box<dyn Model>> {
    let (name, saved) = decode(bytes)?;
    if name != expected {
        return Err(Error::Artifact(format!("model file holds a `{name}`, expected a `{expected}`")));
    }
    saved.into_model()
}

fn decode(bytes: &[u8]) -> Result<(String, SavedModel)> {
    let bad = |m: String| Err(Error::Artifact(format!("model file: {m}")));
    let mut r = Reader { bytes, at: 0 };
    if r.take(8).is_none_or(|m| m != MAGIC) {
        return bad("not a willump model file (bad magic bytes)".into());
    }
    let Some(version) = r.u32() else { return bad("truncated in the header".into()) };
    if version != MODEL_FORMAT_VERSION {
        return bad(format!("format version {version} is not supported (this build reads {MODEL_FORMAT_VERSION})"));
    }
    let Some(name_len) = r.u16() else { return bad("truncated in the header".into()) };
    let Some(name) = r.take(name_len as usize) else { return bad("truncated in the class name".into()) };
    let Ok(name) = std::str::from_utf8(name) else { return bad("class name is not UTF-8".into()) };
    let (Some(len), Some(crc)) = (r.u64(), r.u32()) else { return bad("truncated in the header".into()) };
    if len > MAX_PAYLOAD {
        return bad(format!("declared payload of {len} bytes is too large"));
    }
    let rest = &bytes[r.at..];
    if (rest.len() as u64) < len {
        return bad(format!("truncated: payload has {} of {len} bytes", rest.len()));
    }
    if (rest.len() as u64) > len {
        return bad(format!("{} unexpected bytes after the payload", rest.len() as u64 - len));
    }
    let mut check = Crc32::new();
    check.update(name.as_bytes());
    check.update(rest);
    if check.finish() != crc {
        return bad("checksum mismatch: the file is corrupt".into());
    }
    let (saved, used): (SavedModel, usize) = match bincode::serde::decode_from_slice(rest, bincode_config()) {
        Ok(v) => v,
        Err(e) => return bad(format!("payload does not decode as a `{name}`: {e}")),
    };
    if used != rest.len() {
        return bad("payload has trailing bytes".into());
    }
    if saved.model_name() != name {
        return bad(format!("header says `{name}`, payload holds a `{}`", saved.model_name()));
    }
    Ok((name.to_string(), saved))
}

struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        let s = self.bytes.get(self.at..self.at.checked_add(n)?)?;
        self.at += n;
        Some(s)
    }
    fn u16(&mut self) -> Option<u16> {
        self.take(2).map(|b| u16::from_le_bytes([b[0], b[1]]))
    }
    fn u32(&mut self) -> Option<u32> {
        self.take(4).map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }
    fn u64(&mut self) -> Option<u64> {
        self.take(8).map(|b| u64::from_le_bytes(b.try_into().expect("8 bytes")))
    }
}

/// CRC-32 (IEEE 802.3, reflected, polynomial 0xEDB88320), table-driven.
struct Crc32 {
    state: u32,
}

const CRC_TABLE: [u32; 256] = {
    let mut table = [0u32; 256];
    let mut i = 0;
    while i < 256 {
        let mut c = i as u32;
        let mut k = 0;
        while k < 8 {
            c = if c & 1 == 1 { 0xEDB8_8320 ^ (c >> 1) } else { c >> 1 };
            k += 1;
        }
        table[i] = c;
        i += 1;
    }
    table
};

impl Crc32 {
    fn new() -> Self {
        Crc32 { state: 0xFFFF_FFFF }
    }
    fn update(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.state = CRC_TABLE[((self.state ^ b as u32) & 0xFF) as usize] ^ (self.state >> 8);
        }
    }
    fn finish(&self) -> u32 {
        !self.state
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crc32_check_value() {
        let mut c = Crc32::new();
        c.update(b"123456789");
        assert_eq!(c.finish(), 0xCBF4_3926);
    }
}
