//! Canonical JSON, both ways.
//!
//! Decode -> JSON gives the reference's document: `variant, station,
//! sequence, packed_bits, packed_bytes`, then each present field under its
//! label in slot order, then `data` (the TLV array). Numbers that the
//! reference computes in f32 print as the shortest decimal of the f32.
//! Two members are ours and appear only when needed: `warnings` (lenient
//! decoding of an unknown variant, presence bits for undefined slots).
//!
//! JSON -> binary accepts everything the decoder emits (lossless round
//! trip) and reads other documents the way the reference's cJSON reader
//! does:
//!
//! - members that are not labels of the variant are ignored;
//! - a bundle object (battery, link, environment, wind, rain, solar,
//!   radiation, position) lacking one of its numeric members is skipped,
//!   as if absent (the reference returns before encoding it); a missing
//!   boolean member (`charging`) is `false`; the air-quality bundle's
//!   members are all optional (index 0, no PM, no gas);
//! - a string, boolean or `null` where a number is expected reads as 0
//!   (cJSON's `valuedouble`), and only JSON `true` is true (cJSON_IsTrue);
//!   arrays or objects where a number is expected are an error.

use crate::error::EncodeError;
use crate::field::{
    FieldType, FieldValue, GasSlots, Layout, PmChannels, Shape, GAS_SLOTS, PM_CHANNELS,
};
use crate::image;
use crate::json_write::*;
use crate::packet::{Encoder, Packet};
use crate::tlv;
use crate::variant::VariantMap;
use serde_json::Value;

/// The packet as canonical JSON text (compact).
///
/// ```
/// use iotdata::{decode, json, DecodeOptions, VariantMap};
/// let map = VariantMap::default_map();
/// let bytes = iotdata::hex::decode("002a00043fd1b7b51ad1500440cf5270").unwrap();
/// let p = decode(&bytes, &map, DecodeOptions::STRICT).unwrap();
/// let text = json::to_json(&p, &map);
/// assert!(text.starts_with(r#"{"variant":0,"station":42,"sequence":4,"packed_bits":124,"packed_bytes":16,"battery":{"level":84,"charging":false}"#));
/// ```
pub fn to_json(p: &Packet, map: &VariantMap) -> String {
    let mut out = String::with_capacity(256);
    write_packet_json(&mut out, p, map);
    out
}

/// Appends the packet's canonical JSON to `out`.
pub fn write_packet_json(out: &mut String, p: &Packet, map: &VariantMap) {
    out.push_str("{\"variant\":");
    write_int(out, p.header.variant as i64);
    out.push_str(",\"station\":");
    write_int(out, p.header.station as i64);
    out.push_str(",\"sequence\":");
    write_int(out, p.header.sequence as i64);
    out.push_str(",\"packed_bits\":");
    write_int(out, p.packed_bits as i64);
    out.push_str(",\"packed_bytes\":");
    write_int(out, p.packed_bytes() as i64);
    let def = map.get(p.layout_variant);
    for f in &p.fields {
        out.push(',');
        match def.and_then(|d| d.slot(f.slot as usize)) {
            Some(sd) => write_key(out, &sd.label),
            None => write_key(out, &format!("slot{}", f.slot)),
        }
        write_value_json(out, &f.value);
    }
    if !p.tlvs.is_empty() {
        out.push_str(",\"data\":");
        tlv::write_tlvs_json(out, &p.tlvs);
    }
    if !p.warnings.is_empty() {
        out.push_str(",\"warnings\":[");
        for (i, w) in p.warnings.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            write_str(out, &w.to_string());
        }
        out.push(']');
    }
    out.push('}');
}

/// Appends one field value's JSON.
pub fn write_value_json(out: &mut String, v: &FieldValue) {
    match v {
        FieldValue::Fixed { ty, .. } => {
            if ty.spec().shape == Shape::Bare {
                if let Some(c) = v.components().next() {
                    c.value.write_json(out);
                }
            } else {
                out.push('{');
                for (i, c) in v.components().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    write_key(out, c.spec.key);
                    c.value.write_json(out);
                }
                out.push('}');
            }
        }
        FieldValue::Pm(pm) => write_pm(out, pm),
        FieldValue::Gas(g) => write_gas(out, g),
        FieldValue::AirQuality { index, pm, gas } => {
            out.push_str("{\"index\":");
            write_int(out, *index as i64);
            out.push_str(",\"pm\":");
            write_pm(out, pm);
            out.push_str(",\"gas\":");
            write_gas(out, gas);
            out.push('}');
        }
        FieldValue::Image(img) => image::write_image_json(out, img),
    }
}

fn write_channels<'a>(
    out: &mut String,
    it: impl Iterator<Item = (&'a crate::field::Channel, u32, u32)>,
) {
    out.push('{');
    for (i, (ch, _, v)) in it.enumerate() {
        if i > 0 {
            out.push(',');
        }
        write_key(out, ch.key);
        write_int(out, v as i64);
    }
    out.push('}');
}

fn write_pm(out: &mut String, pm: &PmChannels) {
    write_channels(out, pm.values());
}

fn write_gas(out: &mut String, g: &GasSlots) {
    write_channels(out, g.values());
}

/// Parses canonical JSON text into a packet (not yet encoded).
pub fn from_json(text: &str, map: &VariantMap) -> Result<Packet, EncodeError> {
    let v: Value = serde_json::from_str(text).map_err(|e| EncodeError::JsonParse(e.to_string()))?;
    from_json_value(&v, map)
}

/// Encodes canonical JSON text to packet bytes.
///
/// ```
/// use iotdata::{json, VariantMap};
/// let map = VariantMap::default_map();
/// let bytes = json::encode_json(r#"{"variant":0,"station":1,"sequence":1,"battery":{"level":84,"charging":false}}"#, &map).unwrap();
/// assert_eq!(iotdata::hex::encode(&bytes), "0001000120d0");
/// ```
pub fn encode_json(text: &str, map: &VariantMap) -> Result<Vec<u8>, EncodeError> {
    let v: Value = serde_json::from_str(text).map_err(|e| EncodeError::JsonParse(e.to_string()))?;
    encode_json_value(&v, map)
}

/// Encodes a parsed JSON document to packet bytes.
pub fn encode_json_value(v: &Value, map: &VariantMap) -> Result<Vec<u8>, EncodeError> {
    build(v, map)?.finish()
}

/// Parses a JSON document into a packet.
pub fn from_json_value(v: &Value, map: &VariantMap) -> Result<Packet, EncodeError> {
    let enc = build(v, map)?;
    Ok(enc.into_packet())
}

fn header_num(v: &Value, key: &str) -> Result<f64, EncodeError> {
    let m = v
        .get(key)
        .ok_or_else(|| EncodeError::JsonMissingField(key.to_string()))?;
    number(m, key)
}

/// A number as the reference's cJSON reader sees it (`valuedouble`): a
/// number as given; a string, boolean or `null` reads as 0 (the reference
/// encodes `{"level":"84"}` as level 0). Arrays and objects are an error.
fn number(v: &Value, field: &str) -> Result<f64, EncodeError> {
    match v {
        Value::Number(n) => n.as_f64().ok_or_else(|| invalid(field, "not a number")),
        Value::String(_) | Value::Bool(_) | Value::Null => Ok(0.0),
        _ => Err(invalid(field, "expected a number")),
    }
}

/// A boolean as cJSON_IsTrue sees it: only JSON `true` is true (a string
/// `"true"` or a number 1 is false, as in the reference).
fn boolean(v: &Value) -> bool {
    matches!(v, Value::Bool(true))
}

fn invalid(field: &str, reason: &str) -> EncodeError {
    EncodeError::JsonInvalid {
        field: field.to_string(),
        reason: reason.to_string(),
    }
}

fn build<'m>(v: &Value, map: &'m VariantMap) -> Result<Encoder<'m>, EncodeError> {
    if !v.is_object() {
        return Err(EncodeError::JsonParse(
            "a packet must be a JSON object".into(),
        ));
    }
    let variant = header_num(v, "variant")?;
    let station = header_num(v, "station")?;
    let sequence = header_num(v, "sequence")?;
    let bad = |q, val: f64, max: f64, name: &str| {
        EncodeError::range(name, q, crate::error::Bound::High, val, max)
    };
    if !(0.0..=15.0).contains(&variant) || variant.fract() != 0.0 {
        return Err(bad(
            crate::error::Quantity::Variant,
            variant,
            14.0,
            "variant",
        ));
    }
    if !(0.0..=4095.0).contains(&station) || station.fract() != 0.0 {
        return Err(bad(
            crate::error::Quantity::Station,
            station,
            4095.0,
            "station",
        ));
    }
    if !(0.0..=65535.0).contains(&sequence) || sequence.fract() != 0.0 {
        return Err(bad(
            crate::error::Quantity::Sequence,
            sequence,
            65535.0,
            "sequence",
        ));
    }
    let mut enc = Encoder::new(map, variant as u8, station as u16, sequence as u16)?;
    let def = map
        .get(variant as u8)
        .ok_or_else(|| EncodeError::VariantUnknown {
            variant: variant as u8,
            map: map.name.clone(),
        })?;
    for sd in def.slots.iter().flatten() {
        if let Some(fv) = v.get(&sd.label) {
            if let Some(value) = value_from_json(sd.ty, fv, &sd.label)? {
                enc.set(&sd.label, value)?;
            }
        }
    }
    if let Some(Value::Array(_)) = v.get("data") {
        for t in tlv::tlvs_from_json(v.get("data").unwrap_or(&Value::Null))? {
            enc.tlv(t)?;
        }
    }
    Ok(enc)
}

/// Parses one field value of type `ty` from its JSON (`field` names it in
/// errors). `Ok(None)` when the reference would skip the member: a bundle
/// object lacking one of its numeric members (see the module documentation).
pub fn value_from_json(
    ty: FieldType,
    v: &Value,
    field: &str,
) -> Result<Option<FieldValue>, EncodeError> {
    match ty.spec().layout {
        Layout::Fixed(comps) => {
            let mut natives = [0f64; 3];
            if ty.spec().shape == Shape::Bare {
                natives[0] = number(v, field)?;
            } else {
                if !v.is_object() {
                    return Err(invalid(field, "expected an object"));
                }
                for (c, n) in comps.iter().zip(natives.iter_mut()) {
                    *n = match v.get(c.key) {
                        None if c.quant == crate::field::Quant::Bool => 0.0,
                        None => return Ok(None),
                        Some(x) if c.quant == crate::field::Quant::Bool => boolean(x) as u8 as f64,
                        Some(x) => number(x, &format!("{field}.{}", c.key))?,
                    };
                }
            }
            FieldValue::from_natives(ty, &natives[..comps.len()], field).map(Some)
        }
        Layout::Pm => Ok(Some(FieldValue::Pm(pm_from_json(v, field)?))),
        Layout::Gas => Ok(Some(FieldValue::Gas(gas_from_json(v, field)?))),
        Layout::AirQualityBundle => {
            if !v.is_object() {
                return Err(invalid(field, "expected an object"));
            }
            let index = v
                .get("index")
                .map(|x| number(x, field))
                .transpose()?
                .unwrap_or(0.0);
            let index = match FieldValue::from_natives(FieldType::AirQualityIndex, &[index], field)?
            {
                FieldValue::Fixed { raw, .. } => raw[0] as u16,
                _ => 0,
            };
            let pm = match v.get("pm") {
                Some(x) => pm_from_json(x, &format!("{field}.pm"))?,
                None => PmChannels::default(),
            };
            let gas = match v.get("gas") {
                Some(x) => gas_from_json(x, &format!("{field}.gas"))?,
                None => GasSlots::default(),
            };
            Ok(Some(FieldValue::AirQuality { index, pm, gas }))
        }
        Layout::Image => Ok(Some(FieldValue::Image(image::image_from_json(v, field)?))),
    }
}

fn channel_values<const N: usize>(
    v: &Value,
    field: &str,
    channels: &[crate::field::Channel; N],
) -> Result<[Option<u32>; N], EncodeError> {
    let obj = v
        .as_object()
        .ok_or_else(|| invalid(field, "expected an object"))?;
    let mut out = [None; N];
    for (ch, slot) in channels.iter().zip(out.iter_mut()) {
        if let Some(x) = obj.get(ch.key) {
            let n = number(x, &format!("{field}.{}", ch.key))?;
            if n < 0.0 {
                return Err(invalid(&format!("{field}.{}", ch.key), "negative"));
            }
            *slot = Some(n.min(u32::MAX as f64) as u32);
        }
    }
    Ok(out)
}

fn pm_from_json(v: &Value, field: &str) -> Result<PmChannels, EncodeError> {
    PmChannels::from_values(channel_values(v, field, &PM_CHANNELS)?)
}

fn gas_from_json(v: &Value, field: &str) -> Result<GasSlots, EncodeError> {
    GasSlots::from_values(channel_values(v, field, &GAS_SLOTS)?)
}
