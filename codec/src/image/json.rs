//! The Image field to canonical JSON and back.

use super::*;
use crate::error::EncodeError;
use crate::json_write::{write_bool, write_key, write_str};
use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;

/// Appends the reference's JSON object for the field:
/// `{"format":..,"size":..,"compression":..,"fragment":..,"invert":..,"pixels":..}`
/// with names as [`PixelFormat::name`], [`SizeTier::name`],
/// [`Compression::name`] (reserved codes print as `"reserved"`) and
/// `pixels` the standard RFC 4648 base64 of the data bytes as on the wire
/// (still compressed), omitted when there are none.
pub fn write_image_json(out: &mut String, img: &Image) {
    out.push('{');
    write_key(out, "format");
    write_str(out, img.format().name());
    out.push(',');
    write_key(out, "size");
    write_str(out, img.size().name());
    out.push(',');
    write_key(out, "compression");
    write_str(out, img.compression().name());
    out.push(',');
    write_key(out, "fragment");
    write_bool(out, img.fragment());
    out.push(',');
    write_key(out, "invert");
    write_bool(out, img.invert());
    if !img.data.is_empty() {
        out.push(',');
        write_key(out, "pixels");
        write_str(out, &STANDARD.encode(&img.data));
    }
    out.push('}');
}

/// Rebuilds an image from its JSON object (as [`write_image_json`] writes
/// it), following the reference's `iotdata_encode_from_json`:
///
/// * keys `format`, `size`, `compression` (strings), `fragment`, `invert`
///   (booleans), `pixels` (base64); every key is optional. The spec's
///   `pixel_format` key is not read (the reference reads `format`).
/// * a missing or unknown name means code 0 (`bilevel`, `24x18`, `raw`);
///   `"reserved"` means code 3 and fails like [`Image::new`]
///   (`IMAGE_FORMAT_HIGH` / `IMAGE_COMPRESSION_HIGH`).
/// * missing `fragment` / `invert` are false; missing or empty `pixels`
///   means no data bytes.
/// * `pixels` is standard base64; padding is optional and non-zero unused
///   bits in the last character (the reference's output, e.g. `ChssPf==`)
///   are accepted. More than 254 bytes is `IMAGE_DATA_HIGH`.
///
/// Unlike the reference (which silently treats them as absent), members of
/// the wrong JSON type are [`EncodeError::JsonInvalid`]. `field` is the
/// member path used in error messages (e.g. `thumbnail`).
pub fn image_from_json(v: &serde_json::Value, field: &str) -> Result<Image, EncodeError> {
    let obj = v.as_object().ok_or_else(|| EncodeError::JsonInvalid {
        field: field.to_string(),
        reason: "expected an image object".into(),
    })?;
    let name = |key: &str| -> Result<Option<&str>, EncodeError> {
        match obj.get(key) {
            None | Some(serde_json::Value::Null) => Ok(None),
            Some(serde_json::Value::String(s)) => Ok(Some(s.as_str())),
            Some(_) => Err(EncodeError::JsonInvalid {
                field: format!("{field}.{key}"),
                reason: "expected a string".into(),
            }),
        }
    };
    let flag = |key: &str| -> Result<bool, EncodeError> {
        match obj.get(key) {
            None | Some(serde_json::Value::Null) => Ok(false),
            Some(serde_json::Value::Bool(b)) => Ok(*b),
            Some(_) => Err(EncodeError::JsonInvalid {
                field: format!("{field}.{key}"),
                reason: "expected true or false".into(),
            }),
        }
    };
    let format = name("format")?
        .and_then(PixelFormat::from_name)
        .map_or(0, PixelFormat::code);
    let size = name("size")?
        .and_then(SizeTier::from_name)
        .map_or(0, SizeTier::code);
    let compression = name("compression")?
        .and_then(Compression::from_name)
        .map_or(0, Compression::code);
    let flags = (u8::from(flag("fragment")?) << 1) | u8::from(flag("invert")?);
    let data = match name("pixels")? {
        None => Vec::new(),
        Some(s) => BASE64_LENIENT
            .decode(s)
            .map_err(|e| EncodeError::JsonInvalid {
                field: format!("{field}.pixels"),
                reason: format!("invalid base64: {e}"),
            })?,
    };
    Image::build(field, format, size, compression, flags, data)
}
