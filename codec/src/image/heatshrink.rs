//! LZSS pixel codec (window 8, lookahead 4) in the reference's and the
//! heatshrink library's bit-stream conventions.

use super::*;
use crate::bits::{BitReader, BitWriter};

/// Compresses `packed` in the reference convention (see
/// [`heatshrink_compress_with`]); output identical to the reference encoder.
pub fn heatshrink_compress(packed: &[u8]) -> Vec<u8> {
    heatshrink_compress_with(packed, HeatshrinkConvention::Reference)
}

/// LZSS-compresses `packed` into an MSB-first bit stream, zero-padded to a
/// whole byte.
///
/// Tokens (reference convention; the library convention swaps the tag bit):
///
/// ```text
/// literal:         tag 0, then the byte (8 bits)             9 bits
/// back-reference:  tag 1, distance - 1 (8 bits, 1..=256),
///                  count - 1 (4 bits, 1..=16)                13 bits
/// ```
///
/// Matching is greedy, like the reference encoder: at each position the
/// longest match (up to 16 bytes, overlapping the current position allowed)
/// within the previous 256 bytes is taken; among equally long matches the
/// farthest (oldest) one wins; matches shorter than 2 bytes are sent as
/// literals.
pub fn heatshrink_compress_with(packed: &[u8], convention: HeatshrinkConvention) -> Vec<u8> {
    let backref = convention.backref_tag();
    let literal = backref ^ 1;
    let mut w = BitWriter::with_capacity(packed.len() + packed.len() / 8 + 1);
    let mut pos = 0usize;
    while let Some(&byte) = packed.get(pos) {
        let max_len = (packed.len() - pos).min(HS_MAX_COUNT);
        let mut best_len = 0usize;
        let mut best_dist = 0usize;
        // Farthest first; a strictly longer match replaces the best, so the
        // farthest of equally long matches is kept.
        for dist in (1..=pos.min(HS_MAX_DISTANCE)).rev() {
            let start = pos - dist;
            let mut len = 0usize;
            while len < max_len && packed.get(start + len) == packed.get(pos + len) {
                len += 1;
            }
            if len > best_len {
                best_len = len;
                best_dist = dist;
                if len == max_len {
                    break;
                }
            }
        }
        if best_len >= 2 {
            w.write(backref, 1);
            w.write((best_dist - 1) as u32, HEATSHRINK_WINDOW_BITS);
            w.write((best_len - 1) as u32, HEATSHRINK_LOOKAHEAD_BITS);
            pos += best_len;
        } else {
            w.write(literal, 1);
            w.write(u32::from(byte), 8);
            pos += 1;
        }
    }
    w.into_bytes()
}

/// Decodes a reference-convention stream into exactly `max_out` bytes
/// (see [`heatshrink_decompress_with`]).
pub fn heatshrink_decompress(data: &[u8], max_out: usize) -> Result<Vec<u8>, ImageError> {
    heatshrink_decompress_with(data, max_out, HeatshrinkConvention::Reference)
}

/// Decodes a heatshrink-library-convention stream into exactly `max_out`
/// bytes (see [`heatshrink_decompress_with`]).
pub fn heatshrink_decompress_library(data: &[u8], max_out: usize) -> Result<Vec<u8>, ImageError> {
    heatshrink_decompress_with(data, max_out, HeatshrinkConvention::Library)
}

/// Decodes an LZSS stream until `max_out` bytes have been produced; the
/// bits after that (padding) are ignored. The output is never longer than
/// `max_out`.
///
/// Stream layout, MSB-first from bit 0 of `data` (window 8 bits, lookahead
/// 4 bits; the library convention swaps the tag values):
///
/// ```text
/// tag (1 bit)   reference: 0 = literal, 1 = back-reference
/// literal:      8 bits, the output byte
/// back-ref:     8 bits distance - 1 (1..=256 bytes back from the output end),
///               4 bits count - 1 (1..=16 bytes, may overlap the bytes it
///               produces)
/// ```
///
/// Errors: [`ImageError::Truncated`] when the stream ends before `max_out`
/// bytes; [`ImageError::Overflow`] when a back-reference would go past
/// `max_out`; [`ImageError::BackrefBeforeStart`] when a back-reference
/// reaches before the first output byte (the heatshrink library would read
/// zeros from its cleared window there; no encoder emits that, so it is
/// rejected).
pub fn heatshrink_decompress_with(
    data: &[u8],
    max_out: usize,
    convention: HeatshrinkConvention,
) -> Result<Vec<u8>, ImageError> {
    heatshrink_decode(data, max_out, convention).map(|(out, _)| out)
}

/// Heatshrink decoding; also returns the number of input bits used.
fn heatshrink_decode(
    data: &[u8],
    max_out: usize,
    convention: HeatshrinkConvention,
) -> Result<(Vec<u8>, usize), ImageError> {
    let backref = convention.backref_tag();
    let mut r = BitReader::new(data);
    // A 13-bit token yields at most 16 bytes: bound the reservation by the
    // input as well as by `max_out`.
    let mut out: Vec<u8> = Vec::with_capacity(max_out.min(data.len().saturating_mul(10)));
    let truncated = |produced: usize| ImageError::Truncated {
        produced,
        expected: max_out,
        unit: "bytes",
    };
    while out.len() < max_out {
        let tag = r.read(1).ok_or_else(|| truncated(out.len()))?;
        if tag == backref {
            let dist = r
                .read(HEATSHRINK_WINDOW_BITS)
                .ok_or_else(|| truncated(out.len()))? as usize
                + 1;
            let count = r
                .read(HEATSHRINK_LOOKAHEAD_BITS)
                .ok_or_else(|| truncated(out.len()))? as usize
                + 1;
            let position = out.len();
            if dist > position {
                return Err(ImageError::BackrefBeforeStart {
                    position,
                    distance: dist,
                });
            }
            if count > max_out - position {
                return Err(ImageError::Overflow {
                    position,
                    length: count,
                    expected: max_out,
                    unit: "bytes",
                });
            }
            for _ in 0..count {
                let b = out
                    .len()
                    .checked_sub(dist)
                    .and_then(|i| out.get(i))
                    .copied()
                    .ok_or(ImageError::BackrefBeforeStart {
                        position,
                        distance: dist,
                    })?;
                out.push(b);
            }
        } else {
            let b = r.read(8).ok_or_else(|| truncated(out.len()))?;
            out.push(b as u8);
        }
    }
    Ok((out, r.pos()))
}

/// Decodes heatshrink image data of `expected` bytes, choosing the
/// convention (see [`Image::decode_pixels`]). Returns the bytes, the
/// convention and the number of data bytes used.
pub(super) fn heatshrink_decode_auto(
    data: &[u8],
    expected: usize,
) -> Result<(Vec<u8>, HeatshrinkConvention, usize), ImageError> {
    let total = data.len().saturating_mul(8);
    let clean = |bits: usize| total.saturating_sub(bits) < 8;
    let reference = heatshrink_decode(data, expected, HeatshrinkConvention::Reference);
    if let Ok((out, bits)) = &reference {
        if clean(*bits) {
            return Ok((
                out.clone(),
                HeatshrinkConvention::Reference,
                bits.div_ceil(8),
            ));
        }
    }
    let library = heatshrink_decode(data, expected, HeatshrinkConvention::Library);
    match (reference, library) {
        (_, Ok((out, bits))) if clean(bits) => {
            Ok((out, HeatshrinkConvention::Library, bits.div_ceil(8)))
        }
        (Ok((out, bits)), _) => Ok((out, HeatshrinkConvention::Reference, bits.div_ceil(8))),
        (Err(_), Ok((out, bits))) => Ok((out, HeatshrinkConvention::Library, bits.div_ceil(8))),
        (Err(reference), Err(library)) => Err(ImageError::Heatshrink {
            reference: Box::new(reference),
            library: Box::new(library),
        }),
    }
}
