//! Bit-level dump rows of the Image field.

use super::*;
use crate::dump::DumpEntry;

/// The control byte as text: `"<format> <size> <compression>"` plus
/// `" frag"` and `" inv"` for the flags, e.g. `"bilevel 32x24 raw frag inv"`.
pub fn describe_control(control: u8) -> String {
    let mut s = format!(
        "{} {} {}",
        PixelFormat::from_code(control >> 6),
        SizeTier::from_code(control >> 4),
        Compression::from_code(control >> 2)
    );
    if control & 0x02 != 0 {
        s.push_str(" frag");
    }
    if control & 0x01 != 0 {
        s.push_str(" inv");
    }
    s
}

/// Appends the dump rows of an image field starting at bit `start_bit`
/// (see [`dump_image_parts`]). The rows are named `image_length`,
/// `image_control` and `image_pixels` whatever the slot's label, like the
/// reference's dump (a `thumbnail` slot still dumps as `image_*`); `_label`
/// is accepted for symmetry with the other field dumpers and not used.
pub fn dump_image(img: &Image, start_bit: usize, _label: &str, out: &mut Vec<DumpEntry>) {
    dump_image_parts(start_bit, img.length_byte(), img.control, out);
}

/// Appends the dump rows for an image field from its length and control
/// bytes alone (usable for a lenient dump of truncated input, where the data
/// bytes may be missing), as the reference does:
///
/// * `image_length`: 8 bits, raw L, `"L (L+1 total)"`, range `1..255`;
/// * `image_control`: 8 bits, raw control, e.g. `"bilevel 32x24 rle"`
///   ([`describe_control`], cut to 31 characters like the reference's
///   32-byte buffer: `"grey16 64x48 heatshrink frag in"`), range
///   `fmt|sz|comp|flg`;
/// * `image_pixels` (only when L > 1): (L−1)×8 bits, raw 0, `"N bytes"`,
///   range `pixel data`.
///
/// With L = 0 (malformed) only the length row is produced.
pub fn dump_image_parts(start_bit: usize, length: u8, control: u8, out: &mut Vec<DumpEntry>) {
    let l = usize::from(length);
    out.push(DumpEntry::new(
        start_bit,
        8,
        "image_length",
        u64::from(length),
        format!("{l} ({} total)", l + 1),
        "1..255",
    ));
    if length == 0 {
        return;
    }
    let text: String = describe_control(control)
        .chars()
        .take(DUMP_CONTROL_TEXT_MAX)
        .collect();
    out.push(DumpEntry::new(
        start_bit + 8,
        8,
        "image_control",
        u64::from(control),
        text,
        "fmt|sz|comp|flg",
    ));
    let n = l - 1;
    if n > 0 {
        out.push(DumpEntry::new(
            start_bit + 16,
            n * 8,
            "image_pixels",
            0,
            format!("{n} bytes"),
            "pixel data",
        ));
    }
}
