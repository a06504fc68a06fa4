//! The codec compiled to wasm32, run in headless Chromium: every record of
//! the conformance vectors `sensor.jsonl`, `quant.jsonl` and
//! `malformed.jsonl` (decode outcome and error kinds, `packed_bits`, the
//! JSON document with exact keys/order and numbers within 1e-6, JSON ->
//! binary for encoder-built packets), through the JavaScript API
//! ([`iotdata::wasm::Codec`]), plus the API's own behaviour.
//!
//! ```text
//! source scripts/env.sh   # CHROMEDRIVER, WASM_BINDGEN_TEST_WEBDRIVER_JSON, ...
//! cargo test -p iotdata --target wasm32-unknown-unknown --features wasm --test wasm
//! ```

#![cfg(target_arch = "wasm32")]

#[path = "support/vectors.rs"]
mod vectors;

use std::collections::HashMap;

use iotdata::wasm::Codec;
use js_sys::{Array, Reflect, JSON};
use serde_json::Value;
use wasm_bindgen::JsValue;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

const VARIANTS: &str = include_str!("../../tests/vectors/variants.json");
const SENSOR: &str = include_str!("../../tests/vectors/sensor.jsonl");
const QUANT: &str = include_str!("../../tests/vectors/quant.jsonl");
const MALFORMED: &str = include_str!("../../tests/vectors/malformed.jsonl");

const FRAME_32: &str = "002ac350bf7eeef4acddf3180940cdc2762580c80196a3188466c2784f5f8210";

fn get(v: &JsValue, key: &str) -> JsValue {
    Reflect::get(v, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED)
}

/// A JS value as serde_json (through `JSON.stringify`).
fn js_to_json(v: &JsValue) -> Value {
    let text = JSON::stringify(v)
        .ok()
        .and_then(|s| s.as_string())
        .unwrap_or_default();
    serde_json::from_str(&text).unwrap_or(Value::Null)
}

/// Runs every record of `jsonl` through the JS API; returns the tally.
fn run_file(file: &str, jsonl: &str) -> vectors::Tally {
    let maps = vectors::maps(VARIANTS);
    let codecs: HashMap<String, Codec> = maps
        .keys()
        .map(|name| {
            let c = Codec::new(Some(VARIANTS.to_string()), Some(name.clone())).expect("map loads");
            assert_eq!(&c.map_name(), name);
            (name.clone(), c)
        })
        .collect();
    let to_json = |bytes: &[u8], map: &str| codecs[map].to_json(bytes, false);
    let encode = |text: &str, map: &str| {
        codecs[map]
            .encode_json(text)
            .map_err(|e| format!("{:?}", js_to_json(&e)))
    };
    let mut tally = vectors::Tally::default();
    let mut failures = Vec::new();
    let records = vectors::records(jsonl);
    for rec in &records {
        if let Err(e) = vectors::check_record(rec, &maps, &to_json, &encode, &mut tally) {
            failures.push(e);
            continue;
        }
        // `decode` gives an object that mirrors the canonical JSON, or
        // throws an error object of the same kind.
        let name = rec["name"].as_str().unwrap_or("?");
        let map = rec["variant_map"].as_str().unwrap_or("default");
        let hex = rec["hex"].as_str().unwrap_or("");
        let codec = &codecs[map];
        let text = codec.hex_to_json(hex, false);
        let doc: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
        match codec.decode_hex(hex, false) {
            Ok(obj) => {
                if let Err(e) = vectors::json_matches(&doc, &js_to_json(&obj), name) {
                    failures.push(format!("decode object != toJson: {e}"));
                }
            }
            Err(err) => {
                let kind = get(&err, "kind").as_string();
                if kind.as_deref() != doc["error"]["kind"].as_str()
                    || get(&err, "message").as_string().is_none()
                {
                    failures.push(format!("{name}: thrown {:?} vs {text}", js_to_json(&err)));
                }
            }
        }
        let dump = codec.dump(&iotdata::hex::decode(hex).unwrap_or_default(), false);
        if !Array::is_array(&get(&dump, "entries")) {
            failures.push(format!("{name}: dump without entries"));
        }
    }
    assert!(
        failures.is_empty(),
        "{file}: {} of {} records failed:\n{}",
        failures.len(),
        records.len(),
        failures.join("\n")
    );
    assert!(tally.compared + tally.divergent >= records.len());
    tally
}

#[wasm_bindgen_test]
fn sensor_vectors() {
    let t = run_file("sensor.jsonl", SENSOR);
    assert!(
        t.compared >= 120 && t.json_compared >= 110 && t.re_encoded >= 90,
        "{t:?}"
    );
}

#[wasm_bindgen_test]
fn quant_vectors() {
    let t = run_file("quant.jsonl", QUANT);
    assert!(
        t.compared == 460 && t.json_compared == 460 && t.re_encoded == 460,
        "{t:?}"
    );
}

#[wasm_bindgen_test]
fn malformed_vectors() {
    let t = run_file("malformed.jsonl", MALFORMED);
    assert!(t.compared >= 160, "{t:?}");
}

#[wasm_bindgen_test]
fn js_api_round_trip() {
    let codec = Codec::new(None, None).expect("default map");
    assert_eq!(codec.map_name(), "default");
    let bytes = iotdata::hex::decode(FRAME_32).unwrap();

    let obj = codec.decode(&bytes, false).expect("decodes");
    assert_eq!(get(&obj, "station").as_f64(), Some(42.0));
    assert_eq!(get(&obj, "packed_bytes").as_f64(), Some(32.0));
    let pos = get(&obj, "position");
    assert!((get(&pos, "latitude").as_f64().unwrap() - 59.334592).abs() < 1e-6);
    // A plain object (not a Map), keys in canonical order.
    let keys: Vec<String> = js_sys::Object::keys(&obj.clone().into())
        .iter()
        .filter_map(|k| k.as_string())
        .collect();
    assert_eq!(
        &keys[..6],
        [
            "variant",
            "station",
            "sequence",
            "packed_bits",
            "packed_bytes",
            "battery"
        ]
    );

    let text = codec.to_json(&bytes, false);
    assert!(text.starts_with(r#"{"variant":0,"station":42,"#), "{text}");
    assert_eq!(codec.encode_json(&text).expect("re-encodes"), bytes);
    assert_eq!(codec.encode(obj.clone()).expect("object re-encodes"), bytes);
    assert_eq!(
        codec
            .encode(JsValue::from_str(&text))
            .expect("string re-encodes"),
        bytes
    );
    assert_eq!(codec.encode_json_hex(&text).unwrap(), FRAME_32);
    assert_eq!(
        js_to_json(&codec.decode_hex(FRAME_32, true).unwrap()),
        js_to_json(&obj)
    );

    let dump = codec.dump(&bytes, false);
    assert!(get(&dump, "error").is_null());
    assert_eq!(get(&dump, "total_bits").as_f64(), Some(253.0));
    let entries = Array::from(&get(&dump, "entries"));
    assert!(entries.length() > 20);
    let first = entries.get(0);
    assert_eq!(get(&first, "field").as_string().as_deref(), Some("variant"));
    assert_eq!(get(&first, "bit_length").as_f64(), Some(4.0));
    assert!(codec.dump_table(&bytes, false).contains("presence[0]"));
}

#[wasm_bindgen_test]
fn js_api_errors() {
    let mut codec = Codec::default();

    let err = codec.decode(&[0, 1, 2], false).unwrap_err();
    assert_eq!(get(&err, "kind").as_string().as_deref(), Some("short"));
    assert_eq!(get(&err, "bit_offset").as_f64(), Some(24.0));
    assert_eq!(get(&err, "field").as_string().as_deref(), Some("header"));
    assert!(get(&err, "message").as_string().is_some());

    // Truncated: the 32-byte frame cut to 20 bytes.
    let bytes = iotdata::hex::decode(FRAME_32).unwrap();
    let err = codec.decode(&bytes[..20], false).unwrap_err();
    assert_eq!(get(&err, "kind").as_string().as_deref(), Some("truncated"));
    assert!(get(&err, "bit_offset").as_f64().unwrap() <= 160.0);
    assert!(get(&err, "field").as_string().is_some());
    let dump = codec.dump(&bytes[..20], false);
    assert_eq!(
        get(&get(&dump, "error"), "kind").as_string().as_deref(),
        Some("truncated")
    );
    assert!(Array::from(&get(&dump, "entries")).length() > 5);
    assert!(get(&dump, "total_bits").is_null());

    // toJson never throws.
    let text = codec.to_json(&[], false);
    let doc: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(doc["error"]["kind"], "short");
    let doc: Value = serde_json::from_str(&codec.hex_to_json("zz", false)).unwrap();
    assert_eq!(doc["error"]["kind"], "hex");

    let err = codec.decode_hex("0g", false).unwrap_err();
    assert_eq!(get(&err, "kind").as_string().as_deref(), Some("hex"));

    // Unknown variant: strict throws, lenient decodes with a warning.
    let unknown = "1001000120a8";
    let err = codec.decode_hex(unknown, false).unwrap_err();
    assert_eq!(
        get(&err, "kind").as_string().as_deref(),
        Some("variant_unknown")
    );
    let obj = codec.decode_hex(unknown, true).unwrap();
    assert_eq!(get(&obj, "variant").as_f64(), Some(1.0));
    assert!(Array::is_array(&get(&obj, "warnings")));

    // Encoder errors name the field and carry the reference's status.
    let err = codec
        .encode_json(r#"{"variant":0,"station":1,"sequence":1,"environment":{"temperature":20,"pressure":849,"humidity":50}}"#)
        .unwrap_err();
    assert_eq!(
        get(&err, "kind").as_string().as_deref(),
        Some("out_of_range")
    );
    assert_eq!(
        get(&err, "reference").as_string().as_deref(),
        Some("PRESSURE_LOW")
    );
    assert!(get(&err, "field")
        .as_string()
        .unwrap()
        .contains("environment"));
    assert!(get(&err, "bit_offset").is_null());
    let err = codec.encode_json("{").unwrap_err();
    assert_eq!(get(&err, "kind").as_string().as_deref(), Some("json_parse"));

    // Maps: a bad document leaves the map unchanged; a good one switches.
    let err = codec.set_maps(Some("{}".into()), None).unwrap_err();
    assert_eq!(get(&err, "kind").as_string().as_deref(), Some("map"));
    assert_eq!(codec.map_name(), "default");
    let err = codec
        .set_maps(Some(VARIANTS.into()), Some("nope".into()))
        .unwrap_err();
    assert_eq!(get(&err, "kind").as_string().as_deref(), Some("map"));
    codec
        .set_maps(Some(VARIANTS.into()), Some("custom".into()))
        .unwrap();
    assert_eq!(codec.map_name(), "custom");
    let def = codec.map_definition();
    assert_eq!(get(&def, "name").as_string().as_deref(), Some("custom"));
    codec.set_maps(None, None).unwrap();
    assert_eq!(codec.map_name(), "default");

    // Mesh frames decode through the same API.
    let obj = codec.decode_hex("f00100c8202a012c", false).unwrap();
    assert_eq!(get(&obj, "variant").as_f64(), Some(15.0));
    let text = codec.hex_to_json("f00100c8202a012c", false);
    assert_eq!(codec.encode_json_hex(&text).unwrap(), "f00100c8202a012c");
}
