//! MurmurHash3 x86_32 (Austin Appleby's public-domain hash, written here from its specification)
//! and scikit-learn's rule for turning the signed hash into a column and a sign.

const C1: u32 = 0xCC9E_2D51;
const C2: u32 = 0x1B87_3593;

#[inline(always)]
fn mix_k(k: u32) -> u32 {
    k.wrapping_mul(C1).rotate_left(15).wrapping_mul(C2)
}

/// MurmurHash3 x86_32 of `bytes` with `seed`, as an unsigned 32-bit value (scikit-learn's
/// `murmurhash3_32(..., positive=False)` is this value reinterpreted as `i32`).
pub fn murmur3_x86_32(bytes: &[u8], seed: u32) -> u32 {
    let mut h = seed;
    let mut blocks = bytes.chunks_exact(4);
    for b in &mut blocks {
        h ^= mix_k(u32::from_le_bytes([b[0], b[1], b[2], b[3]]));
        h = h.rotate_left(13).wrapping_mul(5).wrapping_add(0xE654_6B64);
    }
    let tail = blocks.remainder();
    if !tail.is_empty() {
        let mut k = 0u32;
        for (i, &b) in tail.iter().enumerate() {
            k ^= (b as u32) << (8 * i);
        }
        h ^= mix_k(k);
    }
    h ^= bytes.len() as u32;
    h ^= h >> 16;
    h = h.wrapping_mul(0x85EB_CA6B);
    h ^= h >> 13;
    h = h.wrapping_mul(0xC2B2_AE35);
    h ^ (h >> 16)
}

/// scikit-learn's `FeatureHasher` column and sign of a term whose signed hash is `h`:
/// `abs(h) % n_features`, except for `h == i32::MIN` (whose absolute value overflows), which maps
/// to `(2^31 - 1 - (n_features - 1)) % n_features`; the sign is `+1` for `h >= 0`, `-1` otherwise.
/// `n_features` must be positive.
#[inline]
pub fn sklearn_column(h: i32, n_features: u32) -> (u32, f64) {
    let n = n_features as i64;
    let col = if h == i32::MIN { (i32::MAX as i64 - (n - 1)) % n } else { (h as i64).abs() % n };
    (col as u32, if h >= 0 { 1.0 } else { -1.0 })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_answers() {
        // Published MurmurHash3_x86_32 test vectors.
        let cases: [(&[u8], u32, u32); 9] = [
            (b"", 0, 0),
            (b"", 1, 0x514E_28B7),
            (b"", 0xFFFF_FFFF, 0x81F1_6F39),
            (b"\0\0\0\0", 0, 0x2362_F9DE),
            (b"aaaa", 0x9747_B28C, 0x5A97_808A),
            (b"aaa", 0x9747_B28C, 0x283E_0130),
            (b"a", 0x9747_B28C, 0x7FA0_9EA6),
            (b"Hello, world!", 0x9747_B28C, 0x2488_4CBA),
            (b"The quick brown fox jumps over the lazy dog", 0x9747_B28C, 0x2FA8_26CD),
        ];
        for (bytes, seed, expect) in cases {
            assert_eq!(murmur3_x86_32(bytes, seed), expect, "{bytes:?} seed {seed:#x}");
        }
        // scikit-learn: murmurhash3_32("hello", seed=0) == 613153351
        assert_eq!(murmur3_x86_32(b"hello", 0) as i32, 613_153_351);
    }

    #[test]
    fn column_rule() {
        assert_eq!(sklearn_column(7, 5), (2, 1.0));
        assert_eq!(sklearn_column(-7, 5), (2, -1.0));
        assert_eq!(sklearn_column(0, 5), (0, 1.0));
        assert_eq!(sklearn_column(i32::MIN, 5), (((i32::MAX as i64 - 4) % 5) as u32, -1.0));
        assert_eq!(sklearn_column(i32::MIN, 1), (0, -1.0));
        assert_eq!(sklearn_column(i32::MAX, u32::MAX), (i32::MAX as u32, 1.0));
    }
}
