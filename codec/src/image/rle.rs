//! Run-length pixel codec (the reference's RLE).

use super::*;
use crate::bits::{BitReader, BitWriter};

/// Run-length encodes `pixel_count` pixels of `bpp` bits read MSB-first from
/// `packed`, like the reference encoder:
///
/// * `bpp` 1 (bilevel): one byte per run, bit 7 the value, bits 6-0 the run
///   length − 1 (runs of 1..=128; longer runs are split).
/// * `bpp` 2..=8 (greyscale): byte pairs (value, run length − 1), runs of
///   1..=256.
///
/// Runs continue across rows. If `packed` holds fewer than `pixel_count`
/// pixels only those are encoded; an unsupported `bpp` (0 or > 8) gives an
/// empty result.
pub fn rle_compress(packed: &[u8], bpp: u8, pixel_count: usize) -> Vec<u8> {
    if check_bpp(bpp).is_err() {
        return Vec::new();
    }
    let available = packed.len().saturating_mul(8) / usize::from(bpp);
    let count = pixel_count.min(available);
    let max_run = if bpp == 1 { 128 } else { 256 };
    let mut out = Vec::new();
    let mut r = BitReader::new(packed);
    let mut current: Option<(u8, usize)> = None;
    let emit = |value: u8, run: usize, out: &mut Vec<u8>| {
        if bpp == 1 {
            out.push((value << 7) | (run - 1) as u8);
        } else {
            out.push(value);
            out.push((run - 1) as u8);
        }
    };
    for _ in 0..count {
        let Some(v) = r.read(u32::from(bpp)) else {
            break;
        };
        let v = v as u8;
        current = match current {
            Some((value, run)) if value == v && run < max_run => Some((value, run + 1)),
            Some((value, run)) => {
                emit(value, run, &mut out);
                Some((v, 1))
            }
            None => Some((v, 1)),
        };
    }
    if let Some((value, run)) = current {
        emit(value, run, &mut out);
    }
    out
}

/// Decodes RLE data into exactly `pixel_count` packed pixels (`ceil(pixel_count × bpp / 8)` bytes, last byte
/// zero-padded). Decoding stops once the grid is full; data after that is
/// ignored.
///
/// Data layout (runs continue across rows):
///
/// ```text
/// bpp 1:     one byte per run: bit 7 value, bits 6-0 run length - 1 (1..=128)
/// bpp 2..=8: two bytes per run: value (zero-extended to 8 bits),
///            run length - 1 (1..=256)
/// ```
///
/// Errors: [`ImageError::Truncated`] if the data ends first,
/// [`ImageError::Overflow`] if a run goes past `pixel_count`,
/// [`ImageError::InvalidRleValue`] for a greyscale value wider than `bpp`,
/// [`ImageError::InvalidBpp`].
pub fn rle_decompress(data: &[u8], bpp: u8, pixel_count: usize) -> Result<Vec<u8>, ImageError> {
    rle_decode(data, bpp, pixel_count).map(|(packed, _)| packed)
}

/// RLE decoding; also returns the number of data bytes used.
pub(super) fn rle_decode(
    data: &[u8],
    bpp: u8,
    pixel_count: usize,
) -> Result<(Vec<u8>, usize), ImageError> {
    check_bpp(bpp)?;
    let step = if bpp == 1 { 1 } else { 2 };
    let max_value = (1u16 << bpp) - 1;
    let mut w =
        BitWriter::with_capacity(packed_len(pixel_count, bpp).min(data.len().saturating_mul(64)));
    let mut produced = 0usize;
    let mut offset = 0usize;
    while produced < pixel_count {
        let (value, run) = match (data.get(offset), data.get(offset + 1)) {
            (Some(&b), _) if bpp == 1 => (b >> 7, usize::from(b & 0x7f) + 1),
            (Some(&v), Some(&n)) => {
                if u16::from(v) > max_value {
                    return Err(ImageError::InvalidRleValue {
                        value: v,
                        offset,
                        bpp,
                    });
                }
                (v, usize::from(n) + 1)
            }
            _ => {
                return Err(ImageError::Truncated {
                    produced,
                    expected: pixel_count,
                    unit: "pixels",
                })
            }
        };
        if run > pixel_count - produced {
            return Err(ImageError::Overflow {
                position: produced,
                length: run,
                expected: pixel_count,
                unit: "pixels",
            });
        }
        for _ in 0..run {
            w.write(u32::from(value), u32::from(bpp));
        }
        produced += run;
        offset += step;
    }
    Ok((w.into_bytes(), offset))
}
