//! The JavaScript API (wasm-bindgen), built with the `wasm` feature.
//!
//! `scripts/pack-js.sh` packages it for Node and browsers as `codec/pkg/`
//! (npm package `iotdata-codec`, see `codec/js/README.md`).
//!
//! ```js
//! import init, { Codec } from "iotdata-codec";
//! await init();                              // loads the wasm (Node: already loaded)
//! const codec = new Codec();                 // built-in default map
//! const pkt = codec.decodeHex("002a00043fd1b7b51ad1500440cf5270", false);
//! pkt.station;                               // 42
//! pkt.environment.temperature;               // 21.5
//! const text = codec.toJson(bytes, true);    // canonical JSON text, never throws
//! const again = codec.encodeJson(text);      // Uint8Array
//! const { entries, error, total_bits } = codec.dump(bytes, true);
//! codec.setMaps(variantsJson, "suite");      // maps in the variants.json schema
//! ```
//!
//! `decode` returns a plain JS object that mirrors the canonical JSON
//! exactly (same keys, key order and numbers: it is the canonical JSON text
//! given to `JSON.parse`). Frames with variant 15 decode as mesh packets.
//!
//! Errors are thrown as plain objects
//! `{kind, message, bit_offset, field}`: decode kinds `short`, `truncated`,
//! `variant_reserved`, `variant_unknown`, `malformed`; encoder kinds as
//! [`EncodeError::kind`] (with `reference`, the reference implementation's
//! status name); `hex` for unparsable hex; `map` for a rejected variant map.
//! `bit_offset` and `field` are `null` where they do not apply.

use serde::Serialize;
use serde_json::{json, Value};
use wasm_bindgen::prelude::*;

use crate::error::{DecodeError, EncodeError};
use crate::frame;
use crate::packet::DecodeOptions;
use crate::variant::{MapError, VariantMap};

/// TypeScript types of the values `decode`, `dump` and the errors carry
/// (emitted into the package's `.d.ts`).
#[wasm_bindgen(typescript_custom_section)]
const TS_TYPES: &str = r#"
/** What every method throws (and `dump`'s `error`, `toJson`'s `{error}`). */
export interface CodecError {
    /** `short`, `truncated`, `variant_reserved`, `variant_unknown`, `malformed` (decoding); an encoder kind such as `out_of_range`; `hex`; `map`. */
    kind: string;
    /** The message for people. */
    message: string;
    /** The bit at which decoding stopped, or `null`. */
    bit_offset: number | null;
    /** The field being read or written, or `null`. */
    field: string | null;
    /** Encoder errors: the reference implementation's status name. */
    reference?: string | null;
}

/** A sensor packet as canonical JSON (variant 0..14): header, then one member per field present (`battery`, `environment`, `tlv`, ...). */
export interface SensorPacket {
    variant: number;
    station: number;
    sequence: number;
    packed_bits: number;
    packed_bytes: number;
    [field: string]: unknown;
}

/** A mesh control packet as canonical JSON (variant 15). */
export interface MeshPacket {
    variant: 15;
    sender_station: number;
    sender_seq: number;
    ctrl_type: number;
    ctrl_name: string;
    [field: string]: unknown;
}

/** A decoded frame: the canonical JSON document as a plain object. */
export type Frame = SensorPacket | MeshPacket;

/** One row of the bit-level dump. */
export interface DumpEntry {
    bit_offset: number;
    bit_length: number;
    /** `variant`, `presence[0]`, `battery_level`, `tlv[0].len`, ... */
    field: string;
    /** The raw value read from the wire (0 for parts wider than 64 bits). */
    raw: number;
    /** The decoded value as text, with its unit. */
    decoded: string;
    /** The valid range or encoding as text. */
    range: string;
}

/** The bit-level dump of a frame. */
export interface Dump {
    /** The rows read (those before an error are kept). */
    entries: DumpEntry[];
    /** Why decoding stopped, or `null`. */
    error: CodecError | null;
    /** The bits decoded, or `null` on error. */
    total_bits: number | null;
}
"#;

/// A codec bound to one variant map.
#[wasm_bindgen]
#[derive(Debug, Clone, Default)]
pub struct Codec {
    map: VariantMap,
}

/// Converts a JSON value to a plain JS value (objects, not `Map`s).
fn to_js(v: &impl Serialize) -> JsValue {
    v.serialize(&serde_wasm_bindgen::Serializer::json_compatible())
        .unwrap_or(JsValue::NULL)
}

/// The thrown object for a decode error.
fn decode_error_value(e: &DecodeError) -> Value {
    json!({
        "kind": e.kind(),
        "message": e.to_string(),
        "bit_offset": e.bit_offset(),
        "field": e.field(),
    })
}

/// The field an encoder error names, if any.
fn encode_error_field(e: &EncodeError) -> Option<&str> {
    match e {
        EncodeError::OutOfRange { field, .. }
        | EncodeError::DuplicateField { field }
        | EncodeError::NoSuchField { field, .. }
        | EncodeError::WrongType { field, .. }
        | EncodeError::JsonInvalid { field, .. } => Some(field),
        EncodeError::JsonMissingField(field) => Some(field),
        _ => None,
    }
}

/// The thrown object for an encoder error.
fn encode_error_value(e: &EncodeError) -> Value {
    json!({
        "kind": e.kind(),
        "message": e.to_string(),
        "bit_offset": null,
        "field": encode_error_field(e),
        "reference": e.reference_name(),
    })
}

fn map_error(e: &MapError) -> JsValue {
    to_js(&json!({"kind": "map", "message": e.to_string(), "bit_offset": null, "field": null}))
}

fn hex_bytes(hex: &str) -> Result<Vec<u8>, JsValue> {
    crate::hex::decode(hex).map_err(|e| {
        to_js(&json!({"kind": "hex", "message": e.to_string(), "bit_offset": null, "field": "hex"}))
    })
}

fn options(lenient: bool) -> DecodeOptions {
    DecodeOptions { lenient }
}

/// Parses canonical JSON text into a JS value with `JSON.parse`, so the
/// object has exactly the text's numbers and key order.
fn parse_json(text: &str) -> JsValue {
    js_sys::JSON::parse(text).unwrap_or(JsValue::NULL)
}

/// Bits covered by dump entries (a mesh frame's decoded length).
fn dumped_bits(entries: &[crate::DumpEntry]) -> usize {
    entries
        .iter()
        .map(|e| e.bit_offset + e.bit_length)
        .max()
        .unwrap_or(0)
}

#[wasm_bindgen]
impl Codec {
    /// `new Codec(mapsJson?, mapName?)`: the built-in default map, or the
    /// map `mapName` (or the only / `default` / first map) of `mapsJson` in
    /// the `variants.json` schema. Throws `{kind: "map", ...}` for an
    /// invalid document or an unknown name.
    #[wasm_bindgen(constructor)]
    pub fn new(maps_json: Option<String>, map_name: Option<String>) -> Result<Codec, JsValue> {
        let mut c = Codec::default();
        c.set_maps(maps_json, map_name)?;
        Ok(c)
    }

    /// Replaces the variant map (arguments as the constructor; no JSON
    /// means the built-in default map). On error the map is unchanged.
    #[wasm_bindgen(js_name = setMaps)]
    pub fn set_maps(
        &mut self,
        maps_json: Option<String>,
        map_name: Option<String>,
    ) -> Result<(), JsValue> {
        self.map = match maps_json.as_deref().filter(|s| !s.trim().is_empty()) {
            None => VariantMap::default_map(),
            Some(json) => {
                VariantMap::select(json, map_name.as_deref()).map_err(|e| map_error(&e))?
            }
        };
        Ok(())
    }

    /// The active map's name (`default` for the built-in map).
    #[wasm_bindgen(getter, js_name = mapName)]
    pub fn map_name(&self) -> String {
        self.map.name.clone()
    }

    /// The active map as a JS object in the `variants.json` single-map schema.
    #[wasm_bindgen(js_name = mapDefinition, unchecked_return_type = "Record<string, unknown>")]
    pub fn map_definition(&self) -> JsValue {
        to_js(&self.map.to_json_value())
    }

    /// Decodes a frame (sensor or mesh) to a plain object mirroring the
    /// canonical JSON; throws the error object on failure. `lenient` decodes
    /// variants missing from the map with variant 0's layout (flagged in
    /// `warnings`).
    #[wasm_bindgen(unchecked_return_type = "Frame")]
    pub fn decode(&self, bytes: &[u8], lenient: bool) -> Result<JsValue, JsValue> {
        let opts = options(lenient);
        match frame::decode_frame(bytes, &self.map, opts) {
            Ok(f) => Ok(parse_json(&frame::frame_to_json(&f, &self.map, opts))),
            Err(e) => Err(to_js(&decode_error_value(&e))),
        }
    }

    /// [`Codec::decode`] of a hex string (whitespace, `0x`, `:` tolerated).
    #[wasm_bindgen(js_name = decodeHex, unchecked_return_type = "Frame")]
    pub fn decode_hex(&self, hex: &str, lenient: bool) -> Result<JsValue, JsValue> {
        self.decode(&hex_bytes(hex)?, lenient)
    }

    /// The canonical JSON text of a frame, or on failure
    /// `{"error":{"kind","message","bit_offset","field"}}`. Never throws.
    #[wasm_bindgen(js_name = toJson)]
    pub fn to_json(&self, bytes: &[u8], lenient: bool) -> String {
        frame::decode_to_json(bytes, &self.map, options(lenient))
    }

    /// [`Codec::to_json`] of a hex string; a hex error gives an error
    /// document of kind `hex`. Never throws.
    #[wasm_bindgen(js_name = hexToJson)]
    pub fn hex_to_json(&self, hex: &str, lenient: bool) -> String {
        match crate::hex::decode(hex) {
            Ok(bytes) => self.to_json(&bytes, lenient),
            Err(e) => json!({"error": {"kind": "hex", "message": e.to_string(), "bit_offset": null, "field": "hex"}})
                .to_string(),
        }
    }

    /// Encodes canonical JSON text (a sensor packet, or a mesh document with
    /// `"variant": 15`) to frame bytes; throws the error object on failure.
    #[wasm_bindgen(js_name = encodeJson)]
    pub fn encode_json(&self, json: &str) -> Result<Vec<u8>, JsValue> {
        frame::encode_frame_json(json, &self.map).map_err(|e| to_js(&encode_error_value(&e)))
    }

    /// Encodes a JS object (as `decode` returns) or a JSON string.
    pub fn encode(
        &self,
        #[wasm_bindgen(unchecked_param_type = "Frame | string")] value: JsValue,
    ) -> Result<Vec<u8>, JsValue> {
        let text = match value.as_string() {
            Some(s) => s,
            None => js_sys::JSON::stringify(&value)
                .ok()
                .and_then(|s| s.as_string())
                .ok_or_else(|| {
                    to_js(&encode_error_value(&EncodeError::JsonParse(
                        "the value cannot be converted to JSON".into(),
                    )))
                })?,
        };
        self.encode_json(&text)
    }

    /// Encodes JSON text and returns lowercase hex; throws like `encodeJson`.
    #[wasm_bindgen(js_name = encodeJsonHex)]
    pub fn encode_json_hex(&self, json: &str) -> Result<String, JsValue> {
        self.encode_json(json).map(|b| crate::hex::encode(&b))
    }

    /// The bit-level dump: `{entries, error, total_bits}` where `entries` is
    /// an array of `{bit_offset, bit_length, field, raw, decoded, range}`
    /// (those read before an error are kept), `error` the error object or
    /// `null`, and `total_bits` the bits decoded (`null` on error). Never
    /// throws.
    #[wasm_bindgen(unchecked_return_type = "Dump")]
    pub fn dump(&self, bytes: &[u8], lenient: bool) -> JsValue {
        let (res, entries) = frame::dump_frame(bytes, &self.map, options(lenient));
        let (error, total) = match &res {
            Ok(frame::Frame::Sensor(p)) => (Value::Null, Value::from(p.packed_bits)),
            Ok(frame::Frame::Mesh(_)) => (Value::Null, Value::from(dumped_bits(&entries))),
            Err(e) => (decode_error_value(e), Value::Null),
        };
        #[derive(Serialize)]
        struct Dump<'a> {
            entries: &'a [crate::DumpEntry],
            error: Value,
            total_bits: Value,
        }
        to_js(&Dump {
            entries: &entries,
            error,
            total_bits: total,
        })
    }

    /// The bit-level dump as a fixed-width text table for people.
    #[wasm_bindgen(js_name = dumpTable)]
    pub fn dump_table(&self, bytes: &[u8], lenient: bool) -> String {
        let (res, entries) = frame::dump_frame(bytes, &self.map, options(lenient));
        let total = match &res {
            Ok(frame::Frame::Sensor(p)) => Some(p.packed_bits),
            Ok(frame::Frame::Mesh(_)) => Some(dumped_bits(&entries)),
            Err(_) => None,
        };
        let mut s = frame::format_dump_table(&entries, total);
        if let Err(e) = res {
            s.push_str(&format!("\nerror: {} ({})\n", e, e.kind()));
        }
        s
    }
}
