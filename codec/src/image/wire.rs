//! Reading and writing the Image field.

use super::*;
use crate::bits::{BitReader, BitWriter};
use crate::error::DecodeError;

/// Reads an Image field at the reader's position (not necessarily
/// byte-aligned).
///
/// Layout, MSB-first from the cursor:
///
/// ```text
/// bits 0-7    length L (1..=255): bytes that follow, control byte included
/// bits 8-15   control: format (7-6) | size (5-4) | compression (3-2) |
///             fragment (1) | invert (0)
/// bits 16-    L - 1 data bytes (compressed pixels), 8 bits each
/// total       (1 + L) × 8 bits
/// ```
///
/// Errors: input ending inside the length byte, control byte or data is
/// [`DecodeError::Truncated`] with field `{label}.length`,
/// `{label}.control` or `{label}.data` and the bit offset where that part
/// starts; L = 0 is [`DecodeError::Malformed`] (`{label}.length`). The
/// control byte is not validated (reserved codes are kept).
pub(crate) fn read_image(r: &mut BitReader, label: &str) -> Result<Image, DecodeError> {
    let total = r.len_bits();
    let start = r.pos();
    let len = r
        .read(8)
        .ok_or_else(|| DecodeError::truncated(start, format!("{label}.length"), 8, total))?;
    if len == 0 {
        return Err(DecodeError::Malformed {
            bit_offset: start,
            field: format!("{label}.length"),
            reason:
                "image length byte is 0; it must be 1..255 (the control byte is always present)"
                    .into(),
        });
    }
    let control_at = r.pos();
    let control = r
        .read(8)
        .ok_or_else(|| DecodeError::truncated(control_at, format!("{label}.control"), 8, total))?;
    let data_at = r.pos();
    let n = (len - 1) as usize;
    let mut data = Vec::new();
    r.read_bytes_into(n, &mut data)
        .ok_or_else(|| DecodeError::truncated(data_at, format!("{label}.data"), n * 8, total))?;
    Ok(Image {
        control: control as u8,
        data,
    })
}

/// Writes the field: length byte, control byte, data (layout as
/// [`read_image`]), at the writer's current bit position.
pub(crate) fn write_image(w: &mut BitWriter, img: &Image) {
    w.write(u32::from(img.length_byte()), 8);
    w.write(u32::from(img.control), 8);
    w.write_bytes(
        img.data
            .get(..MAX_DATA_LEN.min(img.data.len()))
            .unwrap_or(&[]),
    );
}

/// Bits the field occupies on the wire: `(2 + data bytes) × 8`.
pub fn image_bits(img: &Image) -> usize {
    (2 + img.data.len()) * 8
}
