//! Canonical JSON written straight from a [`PacketBuf`], with no
//! intermediate [`Packet`](crate::Packet): the same text as
//! [`json::to_json`](crate::json::to_json) of the decoded packet, byte for
//! byte (see [`json`](crate::json) for the document).
//!
//! Fixed-width fields, the header and the keys are written here with
//! allocation-free number formatting; PM, gas, air-quality, Image and TLV
//! members go through the same writers as the packet path
//! ([`json::write_value_json`](crate::json::write_value_json),
//! [`tlv::write_tlvs_json`]), so each text rule
//! lives in one place.
//!
//! ```
//! use iotdata::view::{decode_into, PacketBuf};
//! use iotdata::{decode, json, json_view, DecodeOptions, VariantMap};
//! let map = VariantMap::default_map();
//! let bytes = iotdata::hex::decode(
//!     "002ac350bf7eeef4acddf3180940cdc2762580c80196a3188466c2784f5f8210").unwrap();
//! let mut buf = PacketBuf::new();
//! decode_into(&bytes, &map, DecodeOptions::STRICT, &mut buf).unwrap();
//! let text = json_view::to_json(&buf, &bytes, &map);
//! let packet = decode(&bytes, &map, DecodeOptions::STRICT).unwrap();
//! assert_eq!(text, json::to_json(&packet, &map));
//! ```

use crate::field::{Layout, Native, Shape};
use crate::json::write_value_json;
use crate::json_write::{write_key, write_str};
use crate::tlv::{self, Tlv};
use crate::variant::VariantMap;
use crate::view::{FieldView, PacketBuf};

/// The buffer's canonical JSON text (compact). `bytes` is the frame the
/// buffer was decoded from.
pub fn to_json(buf: &PacketBuf, bytes: &[u8], map: &VariantMap) -> String {
    let mut out = String::with_capacity(512);
    write_json(&mut out, buf, bytes, map);
    out
}

/// Appends the buffer's canonical JSON to `out`.
pub fn write_json(out: &mut String, buf: &PacketBuf, bytes: &[u8], map: &VariantMap) {
    let h = buf.header();
    out.push_str("{\"variant\":");
    write_u64(out, u64::from(h.variant));
    out.push_str(",\"station\":");
    write_u64(out, u64::from(h.station));
    out.push_str(",\"sequence\":");
    write_u64(out, u64::from(h.sequence));
    out.push_str(",\"packed_bits\":");
    write_u64(out, buf.packed_bits() as u64);
    out.push_str(",\"packed_bytes\":");
    write_u64(out, buf.packed_bytes() as u64);
    let def = map.get(buf.layout_variant());
    for f in buf.fields() {
        out.push(',');
        match def.and_then(|d| d.slot(usize::from(f.slot))) {
            Some(sd) => write_plain_key(out, &sd.label),
            None => write_key(out, &format!("slot{}", f.slot)),
        }
        match f.value {
            FieldView::Fixed { ty, raw } => {
                let spec = ty.spec();
                let Layout::Fixed(comps) = spec.layout else {
                    continue;
                };
                if spec.shape == Shape::Bare {
                    if let (Some(c), Some(&r)) = (comps.first(), raw.first()) {
                        write_native(out, c.quant.dequantise(r));
                    }
                } else {
                    out.push('{');
                    for (i, (c, &r)) in comps.iter().zip(raw.iter()).enumerate() {
                        if i > 0 {
                            out.push(',');
                        }
                        // Component keys are plain ASCII identifiers (see
                        // the `component_keys_need_no_escaping` test).
                        out.push('"');
                        out.push_str(c.key);
                        out.push_str("\":");
                        write_native(out, c.quant.dequantise(r));
                    }
                    out.push('}');
                }
            }
            other => match other.to_value(bytes) {
                Some(v) => write_value_json(out, &v),
                None => out.push_str("null"),
            },
        }
    }
    if buf.tlv_count() > 0 {
        out.push_str(",\"data\":");
        let tlvs: Vec<Tlv> = buf.tlvs(bytes).map(|t| t.to_tlv(bytes)).collect();
        tlv::write_tlvs_json(out, &tlvs);
    }
    if buf.has_warnings() {
        out.push_str(",\"warnings\":[");
        for (i, w) in buf.warnings().enumerate() {
            if i > 0 {
                out.push(',');
            }
            write_str(out, &w.to_string());
        }
        out.push(']');
    }
    out.push('}');
}

/// `"key":` with `key` copied as it is when it needs no escaping (the
/// common case), else escaped by [`write_key`].
#[inline]
fn write_plain_key(out: &mut String, key: &str) {
    if key.bytes().all(|b| b >= 0x20 && b != b'"' && b != b'\\') {
        out.push('"');
        out.push_str(key);
        out.push_str("\":");
    } else {
        write_key(out, key);
    }
}

/// A native value as [`Native::write_json`] writes it: integers (and
/// integral floats below 1e15) in decimal, other finite floats as their
/// shortest round-trip decimal, non-finite floats as `null`.
#[inline]
fn write_native(out: &mut String, v: Native) {
    match v {
        Native::Int(i) => write_i64(out, i),
        Native::Bool(b) => out.push_str(if b { "true" } else { "false" }),
        Native::F32(f) if f.is_finite() && f == f.trunc() && f.abs() < 1e15 => {
            write_i64(out, f as i64)
        }
        Native::F32(f) if (f * 4.0).fract() == 0.0 && f.abs() < QUARTER_LIMIT => {
            write_quarter(out, f)
        }
        Native::F64(f) if f.is_finite() && f == f.trunc() && f.abs() < 1e15 => {
            write_i64(out, f as i64)
        }
        other => other.write_json(out),
    }
}

/// Below this magnitude an f32 that is a whole number of quarters prints,
/// as its shortest round-trip decimal, exactly: one or two fraction digits
/// are far coarser than its precision (2^-3 at 2^20), so no shorter text
/// reads back as the same f32.
const QUARTER_LIMIT: f32 = 1_048_576.0;

/// A non-integral f32 that is a whole number of quarters (temperature, wind,
/// rain rate): integer part, then `.25`, `.5` or `.75`.
#[inline]
fn write_quarter(out: &mut String, f: f32) {
    if f < 0.0 {
        out.push('-');
    }
    let a = f.abs();
    let whole = a.trunc();
    write_u64(out, whole as u64);
    out.push_str(match ((a - whole) * 4.0) as u8 {
        1 => ".25",
        2 => ".5",
        _ => ".75",
    });
}

#[inline]
fn write_i64(out: &mut String, v: i64) {
    if v < 0 {
        out.push('-');
    }
    write_u64(out, v.unsigned_abs());
}

/// Decimal digits of `v` without going through `core::fmt`.
#[inline]
fn write_u64(out: &mut String, mut v: u64) {
    let mut buf = [0u8; 20];
    let mut i = buf.len();
    loop {
        i -= 1;
        if let Some(d) = buf.get_mut(i) {
            *d = b'0' + (v % 10) as u8;
        }
        v /= 10;
        if v == 0 || i == 0 {
            break;
        }
    }
    for &d in buf.get(i..).unwrap_or_default() {
        out.push(char::from(d));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json_write;

    #[test]
    #[allow(clippy::excessive_precision)]
    fn numbers_match_the_shared_writer() {
        let ints = [
            0i64,
            1,
            -1,
            9,
            10,
            99,
            100,
            -120,
            4095,
            65535,
            i64::MAX,
            i64::MIN,
        ];
        for v in ints {
            let (mut a, mut b) = (String::new(), String::new());
            write_i64(&mut a, v);
            json_write::write_int(&mut b, v);
            assert_eq!(a, b);
        }
        let natives = [
            Native::F32(0.25),
            Native::F32(-40.0),
            Native::F32(f32::NAN),
            Native::F32(1e20),
            Native::F32(-0.0),
            Native::F64(59.334592183506032),
            Native::F64(-180.0),
            Native::F64(f64::INFINITY),
            Native::Bool(true),
            Native::Int(-7),
        ];
        for v in natives {
            let (mut a, mut b) = (String::new(), String::new());
            write_native(&mut a, v);
            v.write_json(&mut b);
            assert_eq!(a, b, "{v:?}");
        }
    }

    #[test]
    fn every_raw_value_prints_as_the_shared_writer() {
        for spec in &crate::field::TYPE_SPECS {
            let Layout::Fixed(comps) = spec.layout else {
                continue;
            };
            for c in comps {
                let n = 1u64 << c.bits.min(16);
                for raw in (0..n).chain([(1u64 << c.bits) - 1]) {
                    let v = c.quant.dequantise(raw as u32);
                    let (mut a, mut b) = (String::new(), String::new());
                    write_native(&mut a, v);
                    v.write_json(&mut b);
                    assert_eq!(a, b, "{} {} raw {raw}", spec.name, c.key);
                }
            }
        }
        for q in (-4_194_304i32..=4_194_304)
            .step_by(37)
            .chain([-4_194_303, -4_194_301, -1, 1, 2, 3, 4_194_301, 4_194_303])
        {
            let v = Native::F32(q as f32 * 0.25);
            let (mut a, mut b) = (String::new(), String::new());
            write_native(&mut a, v);
            v.write_json(&mut b);
            assert_eq!(a, b, "{q}/4");
        }
    }

    #[test]
    fn component_keys_need_no_escaping() {
        for spec in &crate::field::TYPE_SPECS {
            if let Layout::Fixed(comps) = spec.layout {
                for c in comps {
                    let mut escaped = String::new();
                    json_write::write_str(&mut escaped, c.key);
                    assert_eq!(escaped, format!("\"{}\"", c.key));
                }
            }
        }
    }

    #[test]
    fn keys_match_the_shared_writer() {
        for k in ["temperature", "a\"b", "tab\there", "back\\slash", "°C", ""] {
            let (mut a, mut b) = (String::new(), String::new());
            write_plain_key(&mut a, k);
            json_write::write_key(&mut b, k);
            assert_eq!(a, b);
        }
    }
}
