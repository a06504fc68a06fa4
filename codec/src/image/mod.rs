//! The Image field (specification §8.27): wire format, pixel codecs
//! (RLE and heatshrink-style LZSS), canonical JSON and bit-level dump.
//!
//! An [`Image`] is the field exactly as carried on the wire: the control
//! byte and the (still compressed) data bytes. [`Image::decode_pixels`]
//! turns it into a [`PixelGrid`]; [`Image::from_pixels`] goes the other way.
//!
//! Every decode path is bounded: decompressors never produce more than the
//! image size (`width × height × bpp / 8` bytes, at most 1536) whatever the
//! input, and malformed input yields an [`ImageError`], never a panic.
//!
//! # Heatshrink conventions
//!
//! The reference implementation (libiotdata) calls its codec "heatshrink"
//! with window 8 / lookahead 4, but its bit stream uses tag bit **1 for a
//! back-reference** (8-bit distance − 1, 4-bit count − 1) and **0 for a
//! literal** (8 bits), the opposite of the heatshrink library's own
//! convention (1 = literal, 0 = back-reference; same field widths). The
//! decoder tries the reference convention first and falls back to the
//! library convention (see [`Image::decode_pixels`]); the compressor emits
//! the reference convention byte for byte like the reference encoder.
//!
//! # Where things live
//!
//! * `mod.rs`: the limits and the public names below;
//! * `control.rs`: the control byte's parts (`PixelFormat`, `SizeTier`,
//!   `Compression`) and the heatshrink conventions;
//! * `error.rs`: `ImageError`, why pixels could not be recovered;
//! * `pixels.rs`: the uncompressed picture (`PixelGrid`, `DecodedImage`);
//! * `model.rs`: the field as carried on the wire (`Image`), building it
//!   from pixels and decoding its pixels;
//! * `wire.rs`: reading and writing the field;
//! * `rle.rs` / `heatshrink.rs`: the two pixel codecs;
//! * `json.rs`: canonical JSON out and in;
//! * `dump.rs`: the bit-level dump rows;
//! * `tests.rs`: unit and property tests and the `image_codec.jsonl` vectors.

use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig};
use base64::engine::DecodePaddingMode;

mod control;
mod dump;
mod error;
mod heatshrink;
mod json;
mod model;
mod pixels;
mod rle;
#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests;
mod wire;

pub use control::{Compression, HeatshrinkConvention, PixelFormat, SizeTier};
pub use dump::{describe_control, dump_image, dump_image_parts};
pub use error::ImageError;
use heatshrink::heatshrink_decode_auto;
pub use heatshrink::{
    heatshrink_compress, heatshrink_compress_with, heatshrink_decompress,
    heatshrink_decompress_library, heatshrink_decompress_with,
};
pub use json::{image_from_json, write_image_json};
pub use model::Image;
use pixels::{check_bpp, packed_len};
pub use pixels::{DecodedImage, PixelGrid};
use rle::rle_decode;
pub use rle::{rle_compress, rle_decompress};
pub use wire::image_bits;
pub(crate) use wire::{read_image, write_image};

/// Most data bytes an image field can carry (the length byte counts the
/// control byte too and is at most 255).
pub const MAX_DATA_LEN: usize = 254;

/// Heatshrink window size in bits (256-byte window): back-reference
/// distances are 1..=256.
pub const HEATSHRINK_WINDOW_BITS: u32 = 8;

/// Heatshrink lookahead size in bits (16-byte lookahead): back-reference
/// counts are 1..=16.
pub const HEATSHRINK_LOOKAHEAD_BITS: u32 = 4;

const HS_MAX_DISTANCE: usize = 1 << HEATSHRINK_WINDOW_BITS;
const HS_MAX_COUNT: usize = 1 << HEATSHRINK_LOOKAHEAD_BITS;

/// Length of the dump's control-byte text: the reference formats it into a
/// 32-byte buffer, so at most 31 characters survive
/// (`"grey16 64x48 heatshrink frag in"`).
const DUMP_CONTROL_TEXT_MAX: usize = 31;

/// Base64 decoder for JSON input: standard alphabet, padding optional, and
/// non-zero unused low bits in the last character accepted (the reference
/// emits `ChssPf==` for `0a1b2c3d`).
const BASE64_LENIENT: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::STANDARD,
    GeneralPurposeConfig::new()
        .with_decode_allow_trailing_bits(true)
        .with_decode_padding_mode(DecodePaddingMode::Indifferent),
);
