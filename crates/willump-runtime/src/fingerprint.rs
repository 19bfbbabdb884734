//! Stable 64-bit content fingerprints (FNV-1a over a canonical serialization), so that the same
//! state gives the same fingerprint on every run and machine.

/// FNV-1a, 64-bit.
#[derive(Debug, Clone, Copy)]
pub struct Fnv64(u64);

impl Default for Fnv64 {
    fn default() -> Self {
        Fnv64(0xcbf2_9ce4_8422_2325)
    }
}

impl Fnv64 {
    /// Feeds bytes.
    pub fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 ^= b as u64;
            self.0 = self.0.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }

    /// The hash so far.
    pub fn finish(&self) -> u64 {
        self.0
    }
}

/// The fingerprint of `bytes`.
pub fn fingerprint_bytes(bytes: &[u8]) -> u64 {
    let mut h = Fnv64::default();
    h.write(bytes);
    h.finish()
}

/// The fingerprint of a serializable value (its JSON form). Errors only if serialization fails.
pub fn fingerprint_of<T: serde::Serialize + ?Sized>(v: &T) -> Result<u64, serde_json::Error> {
    struct Writer(Fnv64);
    impl std::io::Write for Writer {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.write(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let mut w = Writer(Fnv64::default());
    serde_json::to_writer(&mut w, v)?;
    Ok(w.0.finish())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_answers_and_stability() {
        assert_eq!(fingerprint_bytes(b""), 0xcbf29ce484222325);
        assert_eq!(fingerprint_bytes(b"a"), 0xaf63dc4c8601ec8c);
        assert_eq!(fingerprint_of(&vec![1, 2]).unwrap(), fingerprint_bytes(b"[1,2]"));
    }
}
