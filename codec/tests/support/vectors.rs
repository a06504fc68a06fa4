//! Conformance-vector checks shared by the wasm test (`tests/wasm.rs`, run in
//! headless Chromium). Pure Rust + serde_json: the caller supplies the JSON
//! text producer and the JSON encoder so that the same checks run through
//! the JavaScript API.
//!
//! Per record of `sensor.jsonl`, `quant.jsonl` and `malformed.jsonl`:
//! strict decode outcome (error kind, or `packed_bits`), the decode-to-JSON
//! document (keys and key order exact, numbers within a relative 1e-6,
//! base64 compared as bytes) and, for packets the reference encoder built,
//! JSON -> binary giving the same bytes.

#![allow(dead_code)] // each includer uses a different subset

use std::collections::HashMap;

use base64::Engine as _;
use iotdata::{decode, DecodeOptions, VariantMap};
use serde_json::Value;

/// What a known divergence affects.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Diverges {
    /// Only the JSON document differs (decode outcome and bits are checked).
    Json,
    /// The decode itself differs (bits, fields, error): only "no panic,
    /// typed result" is checked.
    Decode,
}

const UNDEFINED_SLOT: &str =
    "presence bit for a slot the variant does not define: we consume no bits and \
     add a warning; the reference decodes a 6-bit battery there";

/// Records where we deliberately differ from the reference
/// (reference-behaviour.md, "Where we diverge"), what differs and why.
pub const DIVERGENCES: &[(&str, Diverges, &str)] = &[
    (
        "sparse_none_slot0_bit_set",
        Diverges::Json,
        "presence bit for an undefined slot (at the end of the data, so the bits agree): our JSON adds \
         a `warnings` member",
    ),
    ("suite_v5_pres1_aliases_battery", Diverges::Decode, UNDEFINED_SLOT),
    ("random_028", Diverges::Decode, UNDEFINED_SLOT),
    ("random_064", Diverges::Decode, UNDEFINED_SLOT),
    ("random_068", Diverges::Decode, UNDEFINED_SLOT),
    ("random_104", Diverges::Decode, UNDEFINED_SLOT),
    ("random_118", Diverges::Decode, UNDEFINED_SLOT),
    (
        "tlv_ten_entries",
        Diverges::Json,
        "all TLV entries are decoded; the reference keeps the first 8",
    ),
    (
        "tlv_health_wrong_length",
        Diverges::Json,
        "HEALTH of the wrong length: generic raw form with data (lossless); the reference drops the data",
    ),
    (
        "tlv_status_wrong_length",
        Diverges::Json,
        "STATUS of the wrong length: generic raw form with data (lossless); the reference drops the data",
    ),
    (
        "tlv_version_string_odd_tokens",
        Diverges::Json,
        "VERSION text that does not tokenise reversibly: generic string form (lossless); the reference drops tokens",
    ),
];

/// The known divergence of a record, if it is one.
pub fn divergence(name: &str) -> Option<Diverges> {
    DIVERGENCES
        .iter()
        .find(|(n, _, _)| *n == name)
        .map(|(_, d, _)| *d)
}

/// The maps of `variants.json` by name.
pub fn maps(variants_json: &str) -> HashMap<String, VariantMap> {
    VariantMap::parse_maps(variants_json)
        .expect("variants.json loads")
        .into_iter()
        .map(|m| (m.name.clone(), m))
        .collect()
}

/// The records of a JSON Lines file.
pub fn records(jsonl: &str) -> Vec<Value> {
    jsonl
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).expect("vector line is JSON"))
        .collect()
}

/// The reference's decoder status name mapped to our error kind.
pub fn expected_kind(status: &Value) -> Option<&'static str> {
    let name = status.get("name")?.as_str()?;
    Some(match name.trim_start_matches("IOTDATA_ERR_") {
        "DECODE_SHORT" => "short",
        "DECODE_TRUNCATED" => "truncated",
        "DECODE_VARIANT" | "HDR_VARIANT_RESERVED" => "variant_reserved",
        "HDR_VARIANT_UNKNOWN" => "variant_unknown",
        _ => "other",
    })
}

fn is_base64_key(path: &str) -> bool {
    path.ends_with(".pixels")
}

/// Compares two JSON documents: same keys in the same order, numbers within
/// a relative 1e-6, base64 strings (`pixels`, raw TLV `data`) as bytes.
pub fn json_matches(expected: &Value, actual: &Value, path: &str) -> Result<(), String> {
    match (expected, actual) {
        (Value::Object(e), Value::Object(a)) => {
            let ek: Vec<&String> = e.keys().collect();
            let ak: Vec<&String> = a.keys().collect();
            if ek != ak {
                return Err(format!("{path}: keys {ek:?} != {ak:?}"));
            }
            let raw_tlv = e.get("format").and_then(Value::as_str) == Some("raw");
            for (k, ev) in e {
                let sub = format!("{path}.{k}");
                let av = &a[k];
                if (raw_tlv && k == "data") || is_base64_key(&sub) {
                    let dec = |v: &Value| {
                        v.as_str().and_then(|s| {
                            base64::engine::GeneralPurpose::new(
                                &base64::alphabet::STANDARD,
                                base64::engine::GeneralPurposeConfig::new()
                                    .with_decode_allow_trailing_bits(true)
                                    .with_decode_padding_mode(
                                        base64::engine::DecodePaddingMode::Indifferent,
                                    ),
                            )
                            .decode(s)
                            .ok()
                        })
                    };
                    if dec(ev) != dec(av) || dec(ev).is_none() {
                        return Err(format!("{sub}: base64 {ev} != {av}"));
                    }
                    continue;
                }
                json_matches(ev, av, &sub)?;
            }
            Ok(())
        }
        (Value::Array(e), Value::Array(a)) => {
            if e.len() != a.len() {
                return Err(format!("{path}: {} elements != {}", e.len(), a.len()));
            }
            for (i, (ev, av)) in e.iter().zip(a).enumerate() {
                json_matches(ev, av, &format!("{path}[{i}]"))?;
            }
            Ok(())
        }
        (Value::Number(e), Value::Number(a)) => {
            let (e, a) = (
                e.as_f64().unwrap_or(f64::NAN),
                a.as_f64().unwrap_or(f64::NAN),
            );
            let tol = 1e-6 * e.abs().max(a.abs()).max(1e-300);
            if (e - a).abs() <= tol {
                Ok(())
            } else {
                Err(format!("{path}: {e} != {a}"))
            }
        }
        (e, a) if e == a => Ok(()),
        (e, a) => Err(format!("{path}: {e} != {a}")),
    }
}

/// What one record exercised.
#[derive(Debug, Default, Clone, Copy)]
pub struct Tally {
    /// Records checked against the reference.
    pub compared: usize,
    /// Known divergences (decode still exercised).
    pub divergent: usize,
    /// Records whose JSON document was compared with the reference's.
    pub json_compared: usize,
    /// Records whose JSON was re-encoded and compared with the bytes.
    pub re_encoded: usize,
}

/// Produces the decode-to-JSON text of `(bytes, map name)`.
pub type ToJson<'a> = &'a dyn Fn(&[u8], &str) -> String;
/// Encodes `(JSON text, map name)` to bytes, or an error text.
pub type EncodeJson<'a> = &'a dyn Fn(&str, &str) -> Result<Vec<u8>, String>;

/// Checks one record. `to_json(bytes, map_name)` must give the strict
/// decode-to-JSON text; `encode(json, map_name)` the bytes (or an error
/// text).
pub fn check_record(
    rec: &Value,
    maps: &HashMap<String, VariantMap>,
    to_json: ToJson,
    encode: EncodeJson,
    tally: &mut Tally,
) -> Result<(), String> {
    let name = rec["name"].as_str().unwrap_or("?");
    let map_name = rec["variant_map"].as_str().unwrap_or("default");
    let map = maps
        .get(map_name)
        .ok_or_else(|| format!("{name}: no map {map_name}"))?;
    let hex = rec["hex"].as_str().unwrap_or("");
    let bytes = iotdata::hex::decode(hex).map_err(|e| format!("{name}: bad hex: {e}"))?;
    let res = decode(&bytes, map, DecodeOptions::STRICT);
    let text = to_json(&bytes, map_name);
    let doc: Value =
        serde_json::from_str(&text).map_err(|e| format!("{name}: invalid JSON {e}: {text}"))?;
    let diverges = divergence(name);
    if diverges == Some(Diverges::Decode) {
        tally.divergent += 1;
        return Ok(());
    }
    tally.compared += 1;
    match expected_kind(&rec["error"]) {
        Some(kind) => {
            let e = res
                .err()
                .ok_or_else(|| format!("{name}: decoded, expected {kind}"))?;
            if e.kind() != kind {
                return Err(format!("{name}: error {} ({e}), expected {kind}", e.kind()));
            }
            // The frame API routes variant 15 to the mesh decoder (by
            // design); the sensor decoder above reported variant_reserved.
            let mesh = kind == "variant_reserved" && doc["variant"] == 15;
            if !mesh && doc["error"]["kind"].as_str() != Some(kind) {
                return Err(format!("{name}: JSON error {text}, expected {kind}"));
            }
        }
        None => {
            let p = res.map_err(|e| format!("{name}: {e} ({})", e.kind()))?;
            let bits = rec["bits"].as_u64().unwrap_or(0) as usize;
            if p.packed_bits != bits {
                return Err(format!("{name}: packed_bits {} != {bits}", p.packed_bits));
            }
            if diverges == Some(Diverges::Json) {
                tally.divergent += 1;
            } else {
                json_matches(&rec["json"], &doc, name)?;
                tally.json_compared += 1;
            }
            let tags: Vec<&str> = rec["tags"]
                .as_array()
                .map(|a| a.iter().filter_map(Value::as_str).collect())
                .unwrap_or_default();
            let from_encoder = rec.get("encoder_inputs").is_some_and(|v| !v.is_null());
            if from_encoder
                && !tags
                    .iter()
                    .any(|t| matches!(*t, "trailing" | "padding" | "quirk"))
            {
                let again = encode(&text, map_name)
                    .map_err(|e| format!("{name}: re-encode failed: {e}"))?;
                if again != bytes {
                    return Err(format!(
                        "{name}: re-encoded {} != {hex}",
                        iotdata::hex::encode(&again)
                    ));
                }
                tally.re_encoded += 1;
            }
        }
    }
    Ok(())
}
