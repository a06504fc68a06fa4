//! Conformance against the reference vectors (`tests/vectors/`, produced by
//! libiotdata; see its README for the record formats).
//!
//! Every test walks every record of its file, collects all failures and
//! asserts once at the end with the full list, so one run shows everything.
//!
//! Where we deliberately differ from the reference (`reference-behaviour.md`,
//! "Where we diverge") the vector is listed in [`DIVERGENCES`] with the
//! reason, and the test asserts OUR documented behaviour for it instead (see
//! [`check_divergent_decode`], [`check_divergent_json_in`] and
//! [`check_divergent_calls`]). A listed name that no longer exists in the
//! files fails [`divergence_table_names_existing_vectors`].

use iotdata::error::EncodeError;
use iotdata::image::Image;
use iotdata::json::{encode_json, to_json};
use iotdata::packet::Warning;
use iotdata::tlv::Tlv;
use iotdata::{decode, decode_with_dump, encode, DecodeOptions, Encoder, FieldValue, Packet, VariantMap};
use serde_json::Value;
use std::collections::{BTreeMap, HashSet};

/// Vectors where we deliberately differ from the reference: `(vector name,
/// reason)`. For each, the tests assert our documented behaviour.
const DIVERGENCES: &[(&str, &str)] = &[];

// ---------------------------------------------------------------------------
// Loading
// ---------------------------------------------------------------------------

const VECTOR_DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/vectors/");

fn vectors(file: &str) -> Vec<Value> {
    let path = format!("{VECTOR_DIR}{file}");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .enumerate()
        .map(|(i, l)| serde_json::from_str(l).unwrap_or_else(|e| panic!("{path}:{}: {e}", i + 1)))
        .collect()
}

fn maps() -> BTreeMap<String, VariantMap> {
    let path = format!("{VECTOR_DIR}variants.json");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    VariantMap::parse_maps(&text)
        .unwrap_or_else(|e| panic!("{path}: {e}"))
        .into_iter()
        .map(|m| (m.name.clone(), m))
        .collect()
}

fn name(rec: &Value) -> &str {
    rec["name"].as_str().unwrap_or("<unnamed>")
}

fn divergence(name: &str) -> Option<&'static str> {
    DIVERGENCES.iter().find(|(n, _)| *n == name).map(|(_, why)| *why)
}

fn unhex(s: &str) -> Vec<u8> {
    iotdata::hex::decode(s).unwrap_or_else(|e| panic!("bad hex in vector: {e}"))
}

fn hex(b: &[u8]) -> String {
    iotdata::hex::encode(b)
}

/// Collected failures of one test.
#[derive(Default)]
struct Failures {
    list: Vec<String>,
    checked: usize,
}

impl Failures {
    fn push(&mut self, rec: &str, msg: impl AsRef<str>) {
        self.list.push(format!("{rec}: {}", msg.as_ref()));
    }

    fn assert_none(self, what: &str) {
        eprintln!("{what}: {} records checked, {} failures", self.checked, self.list.len());
        assert!(
            self.list.is_empty(),
            "{what}: {} of {} records checked failed:\n  {}",
            self.list.len(),
            self.checked,
            self.list.join("\n  ")
        );
    }
}

// ---------------------------------------------------------------------------
// JSON comparison: keys and key order exact, numbers numerically (rel 1e-6)
// ---------------------------------------------------------------------------

fn num_close(a: f64, b: f64) -> bool {
    a == b || (a - b).abs() <= 1e-6 * a.abs().max(b.abs())
}

fn json_diff(ours: &Value, theirs: &Value, path: &str, out: &mut Vec<String>) {
    match (ours, theirs) {
        (Value::Object(a), Value::Object(b)) => {
            let ka: Vec<&String> = a.keys().collect();
            let kb: Vec<&String> = b.keys().collect();
            if ka != kb {
                out.push(format!("{path}: keys {ka:?}, reference {kb:?}"));
                return;
            }
            for (k, v) in a {
                json_diff(v, &b[k], &format!("{path}.{k}"), out);
            }
        }
        (Value::Array(a), Value::Array(b)) => {
            if a.len() != b.len() {
                out.push(format!("{path}: {} elements, reference {}", a.len(), b.len()));
                return;
            }
            for (i, (x, y)) in a.iter().zip(b).enumerate() {
                json_diff(x, y, &format!("{path}[{i}]"), out);
            }
        }
        (Value::Number(x), Value::Number(y)) => {
            let (x, y) = (x.as_f64().unwrap_or(f64::NAN), y.as_f64().unwrap_or(f64::NAN));
            if !num_close(x, y) {
                out.push(format!("{path}: {x}, reference {y}"));
            }
        }
        (a, b) if a == b => {}
        (a, b) => out.push(format!("{path}: {a}, reference {b}")),
    }
}

fn json_differences(ours: &Value, theirs: &Value) -> Vec<String> {
    let mut out = Vec::new();
    json_diff(ours, theirs, "$", &mut out);
    out
}

// ---------------------------------------------------------------------------
// Decoded-packet records (sensor, quant, malformed, roundtrip)
// ---------------------------------------------------------------------------

/// The reference status name as our decode error kind.
fn expected_kind(reference: &str) -> Option<&'static str> {
    Some(match reference.trim_start_matches("IOTDATA_ERR_") {
        "DECODE_SHORT" => "short",
        "DECODE_TRUNCATED" => "truncated",
        "DECODE_VARIANT" | "HDR_VARIANT_RESERVED" => "variant_reserved",
        "HDR_VARIANT_UNKNOWN" => "variant_unknown",
        _ => return None,
    })
}

/// The input as a conforming encoder writes it: `packed_bytes` bytes,
/// padding bits after `packed_bits` zero, trailing bytes dropped.
fn canonical_prefix(bytes: &[u8], packed_bits: usize) -> Vec<u8> {
    let mut v = bytes.get(..packed_bits.div_ceil(8)).unwrap_or(bytes).to_vec();
    let rem = packed_bits % 8;
    if rem != 0 {
        if let Some(last) = v.last_mut() {
            *last &= 0xFFu8 << (8 - rem);
        }
    }
    v
}

fn dump_differences(ours: &[iotdata::DumpEntry], theirs: &Value) -> Vec<String> {
    let theirs = theirs.as_array().map(Vec::as_slice).unwrap_or_default();
    let mut out = Vec::new();
    let n = ours.len().max(theirs.len());
    for i in 0..n {
        let a = ours.get(i).map(|e| (e.bit_offset as u64, e.bit_length as u64, e.field.as_str(), e.raw));
        let b = theirs.get(i).map(|e| {
            (
                e["bit_offset"].as_u64().unwrap_or(u64::MAX),
                e["bit_length"].as_u64().unwrap_or(u64::MAX),
                e["field"].as_str().unwrap_or(""),
                e["raw"].as_u64().unwrap_or(u64::MAX),
            )
        });
        if a != b {
            out.push(format!("dump row {i}: ours {a:?}, reference {b:?}"));
        }
    }
    out
}

/// Checks one decoded-packet record against the reference (strict decode,
/// bits, JSON, dump, error kind, lenient mode, round trips). Listed
/// divergences go to [`check_divergent_decode`] instead.
fn check_decoded_record(rec: &Value, maps: &BTreeMap<String, VariantMap>, f: &mut Failures) {
    let n = name(rec);
    let Some(hex_in) = rec["hex"].as_str() else {
        return; // roundtrip.jsonl record whose encoding failed: nothing decoded
    };
    let Some(map) = maps.get(rec["variant_map"].as_str().unwrap_or("")) else {
        f.push(n, format!("unknown variant_map {}", rec["variant_map"]));
        return;
    };
    f.checked += 1;
    let bytes = unhex(hex_in);
    if divergence(n).is_some() {
        check_divergent_decode(n, rec, &bytes, map, f);
        return;
    }
    let strict = decode(&bytes, map, DecodeOptions::STRICT);
    match rec["error"]["name"].as_str() {
        Some(reference) => check_decode_error(n, reference, &bytes, map, strict, f),
        None => match strict {
            Ok(p) => {
                check_packet_against_reference(n, rec, &bytes, map, &p, f);
                check_round_trips(n, &bytes, map, &p, f);
            }
            Err(e) => f.push(n, format!("decode failed ({}): {e}", e.kind())),
        },
    }
}

fn check_decode_error(
    n: &str,
    reference: &str,
    bytes: &[u8],
    map: &VariantMap,
    strict: Result<Packet, iotdata::DecodeError>,
    f: &mut Failures,
) {
    let Some(kind) = expected_kind(reference) else {
        f.push(n, format!("no decode kind for reference status {reference}"));
        return;
    };
    match strict {
        Ok(p) => f.push(n, format!("decoded ({} bits), reference {reference}", p.packed_bits)),
        Err(e) if e.kind() != kind => f.push(n, format!("error kind {} ({e}), reference {reference} = {kind}", e.kind())),
        Err(_) => {}
    }
    // The dump-recording decoder agrees with the plain one.
    if let (Err(e), _) = decode_with_dump(bytes, map, DecodeOptions::STRICT) {
        if e.kind() != kind {
            f.push(n, format!("decode_with_dump error kind {}, expected {kind}", e.kind()));
        }
    } else {
        f.push(n, "decode_with_dump succeeded where decode failed");
    }
    // Lenient mode: an unknown variant decodes with variant 0's layout and
    // is flagged (random bytes may then still be truncated).
    if kind == "variant_unknown" {
        match decode(bytes, map, DecodeOptions::LENIENT) {
            Ok(p) => {
                if !p.unknown_variant() {
                    f.push(n, "lenient decode did not flag the unknown variant");
                }
                let v: Value = serde_json::from_str(&to_json(&p, map)).unwrap_or(Value::Null);
                if v.get("warnings").is_none() {
                    f.push(n, "lenient JSON has no warnings member");
                }
            }
            Err(e) if e.kind() == "variant_unknown" => f.push(n, format!("lenient decode still fails: {e}")),
            Err(_) if n.contains("unknown_variant") => f.push(n, "lenient decode of a well-formed frame failed"),
            Err(_) => {}
        }
    }
}

/// Bits, bytes, JSON (keys, order, numbers) and dump rows against the record.
fn check_packet_against_reference(n: &str, rec: &Value, bytes: &[u8], map: &VariantMap, p: &Packet, f: &mut Failures) {
    if Some(p.packed_bits as u64) != rec["bits"].as_u64() {
        f.push(n, format!("packed_bits {}, reference {}", p.packed_bits, rec["bits"]));
    }
    if Some(p.packed_bytes() as u64) != rec["bytes_used"].as_u64() {
        f.push(n, format!("packed_bytes {}, reference {}", p.packed_bytes(), rec["bytes_used"]));
    }
    let text = to_json(p, map);
    match serde_json::from_str::<Value>(&text) {
        Ok(ours) => {
            for d in json_differences(&ours, &rec["json"]) {
                f.push(n, format!("JSON {d}"));
            }
        }
        Err(e) => f.push(n, format!("our JSON does not parse ({e}): {text}")),
    }
    let (res, entries) = decode_with_dump(bytes, map, DecodeOptions::STRICT);
    match res {
        Ok(q) if &q == p => {}
        Ok(_) => f.push(n, "decode_with_dump gave another packet than decode"),
        Err(e) => f.push(n, format!("decode_with_dump failed: {e}")),
    }
    for d in dump_differences(&entries, &rec["dump_entries"]) {
        f.push(n, d);
    }
}

/// decode -> JSON -> encode and decode -> encode give the input bytes up to
/// `packed_bytes`, padding bits zero.
fn check_round_trips(n: &str, bytes: &[u8], map: &VariantMap, p: &Packet, f: &mut Failures) {
    let want = canonical_prefix(bytes, p.packed_bits);
    let text = to_json(p, map);
    match encode_json(&text, map) {
        Ok(b) if b == want => {}
        Ok(b) => f.push(n, format!("JSON round trip gave {}, want {}", hex(&b), hex(&want))),
        Err(e) => f.push(n, format!("JSON round trip failed ({}): {e}", e.reference_name())),
    }
    match encode(p, map) {
        Ok(b) if b == want => {}
        Ok(b) => f.push(n, format!("packet round trip gave {}, want {}", hex(&b), hex(&want))),
        Err(e) => f.push(n, format!("packet round trip failed ({}): {e}", e.reference_name())),
    }
}

/// Our documented behaviour for the decoded-packet records in
/// [`DIVERGENCES`].
fn check_divergent_decode(n: &str, _rec: &Value, _bytes: &[u8], _map: &VariantMap, f: &mut Failures) {
    f.push(n, "listed in DIVERGENCES but has no decode check");
}

fn run_decoded_file(file: &str) {
    let maps = maps();
    let mut f = Failures::default();
    for rec in vectors(file) {
        check_decoded_record(&rec, &maps, &mut f);
    }
    f.assert_none(file);
}

#[test]
fn sensor_vectors() {
    run_decoded_file("sensor.jsonl");
}

#[test]
fn quant_vectors() {
    run_decoded_file("quant.jsonl");
}

#[test]
fn malformed_vectors() {
    run_decoded_file("malformed.jsonl");
}

/// `roundtrip.jsonl`, decode side: the packets the reference produced from
/// `json_in`, decoded like the other files.
#[test]
fn roundtrip_vectors_decode() {
    run_decoded_file("roundtrip.jsonl");
}

// ---------------------------------------------------------------------------
// roundtrip.jsonl, encode side: json_in -> encode_json
// ---------------------------------------------------------------------------

#[test]
fn roundtrip_vectors_json_in() {
    let maps = maps();
    let mut f = Failures::default();
    for rec in vectors("roundtrip.jsonl") {
        let n = name(&rec);
        let Some(map) = maps.get(rec["variant_map"].as_str().unwrap_or("")) else {
            f.push(n, "unknown variant_map");
            continue;
        };
        let Some(json_in) = rec["json_in"].as_str() else {
            f.push(n, "no json_in");
            continue;
        };
        f.checked += 1;
        let ours = encode_json(json_in, map);
        if divergence(n).is_some() {
            check_divergent_json_in(n, &rec, map, ours, &mut f);
            continue;
        }
        match (rec["encode_error"]["name"].as_str(), ours) {
            (None, Ok(b)) => {
                if Some(hex(&b).as_str()) != rec["hex"].as_str() {
                    f.push(n, format!("encoded {}, reference {}", hex(&b), rec["hex"]));
                }
            }
            (None, Err(e)) => f.push(n, format!("encode failed ({}): {e}", e.reference_name())),
            (Some(want), Ok(b)) => f.push(n, format!("encoded {}, reference failed with {want}", hex(&b))),
            (Some(want), Err(e)) => {
                if want.trim_start_matches("IOTDATA_ERR_") != e.reference_name() {
                    f.push(n, format!("error {} ({e}), reference {want}", e.reference_name()));
                }
            }
        }
    }
    f.assert_none("roundtrip.jsonl json_in");
}

/// Our documented behaviour for the `json_in` records in [`DIVERGENCES`].
fn check_divergent_json_in(
    n: &str,
    _rec: &Value,
    _map: &VariantMap,
    _ours: Result<Vec<u8>, EncodeError>,
    f: &mut Failures,
) {
    f.push(n, "listed in DIVERGENCES but has no json_in check");
}

// ---------------------------------------------------------------------------
// Encoder API replay (encode_errors calls, encoder_inputs)
// ---------------------------------------------------------------------------

fn int(c: &Value, k: &str) -> i64 {
    c[k].as_i64().unwrap_or_else(|| panic!("call {c}: {k} is not an integer"))
}

fn f32_arg(c: &Value, k: &str) -> f32 {
    c[k].as_f64().unwrap_or_else(|| panic!("call {c}: {k} is not a number")) as f32
}

fn f64_arg(c: &Value, k: &str) -> f64 {
    c[k].as_f64().unwrap_or_else(|| panic!("call {c}: {k} is not a number"))
}

/// Channel values present per the mask (bit i = channel i).
fn masked<const N: usize>(c: &Value, mask_key: &str, values_key: &str) -> [Option<u32>; N] {
    let mask = int(c, mask_key);
    let vals = c[values_key].as_array().cloned().unwrap_or_default();
    let mut out = [None; N];
    for (i, slot) in out.iter_mut().enumerate() {
        if mask & (1 << i) != 0 {
            *slot = Some(vals.get(i).and_then(Value::as_u64).unwrap_or(0) as u32);
        }
    }
    out
}

/// A field call as a [`FieldValue`]; `None` if the call is not a field call.
fn field_from_call(c: &Value) -> Option<Result<FieldValue, EncodeError>> {
    let i = |k: &str| int(c, k) as i32;
    Some(match c["call"].as_str()? {
        "battery" => FieldValue::battery(int(c, "level_percent") as u8, c["charging"].as_bool().unwrap_or(false)),
        "link" => FieldValue::link(i("rssi_dbm"), f32_arg(c, "snr_db")),
        "environment" => FieldValue::environment(f32_arg(c, "temperature_c"), i("pressure_hpa"), i("humidity_pct")),
        "temperature" => FieldValue::temperature(f32_arg(c, "temperature_c")),
        "pressure" => FieldValue::pressure(i("pressure_hpa")),
        "humidity" => FieldValue::humidity(i("humidity_pct")),
        "wind" => FieldValue::wind(f32_arg(c, "speed_ms"), i("direction_deg"), f32_arg(c, "gust_ms")),
        "wind_speed" => FieldValue::wind_speed(f32_arg(c, "speed_ms")),
        "wind_direction" => FieldValue::wind_direction(i("direction_deg")),
        "wind_gust" => FieldValue::wind_gust(f32_arg(c, "gust_ms")),
        "rain" => FieldValue::rain(i("rate_mmhr"), i("size_mm_x10")),
        "rain_rate" => FieldValue::rain_rate(i("rate_mmhr")),
        "rain_size" => FieldValue::rain_size(i("size_mm_x10")),
        "solar" => FieldValue::solar(i("irradiance_wm2"), i("ultraviolet_index")),
        "clouds" => FieldValue::clouds(i("okta")),
        "air_quality" => FieldValue::air_quality(
            i("aq_index"),
            masked(c, "pm_present", "pm"),
            masked(c, "gas_present", "gas"),
        ),
        "air_quality_index" => FieldValue::air_quality_index(i("aq_index")),
        "air_quality_pm" => FieldValue::air_quality_pm(masked(c, "pm_present", "pm")),
        "air_quality_gas" => FieldValue::air_quality_gas(masked(c, "gas_present", "gas")),
        "radiation" => FieldValue::radiation(i("cpm"), f32_arg(c, "dose_usvh")),
        "radiation_cpm" => FieldValue::radiation_cpm(i("cpm")),
        "radiation_dose" => FieldValue::radiation_dose(f32_arg(c, "dose_usvh")),
        "depth" => FieldValue::depth(i("depth_cm")),
        "position" => FieldValue::position(f64_arg(c, "latitude"), f64_arg(c, "longitude")),
        "datetime" => FieldValue::datetime(int(c, "seconds_from_year_start") as u32),
        "flags" => FieldValue::flags(int(c, "flags") as u8),
        "image" => {
            let data = c["data_hex"].as_str().map(unhex);
            let len = match &data {
                Some(d) => d.len(),
                None => c["data_len"].as_u64().unwrap_or(0) as usize,
            };
            Image::from_call(
                int(c, "pixel_format") as u8,
                int(c, "size_tier") as u8,
                int(c, "compression") as u8,
                int(c, "flags") as u8,
                data.as_deref(),
                len,
            )
            .map(FieldValue::Image)
        }
        _ => return None,
    })
}

/// A TLV call as a [`Tlv`]; `None` if the call is not a TLV call or cannot
/// be expressed in the Rust API (a null data pointer).
fn tlv_from_call(c: &Value) -> Option<Result<Tlv, EncodeError>> {
    let s = |k: &str| c[k].as_str().unwrap_or_default();
    let raw = c["raw"].as_bool().unwrap_or(false);
    let ty = int(c, "type").clamp(0, 255) as u8;
    Some(match c["call"].as_str()? {
        "tlv" => Tlv::raw(ty, unhex(c["data_hex"].as_str()?)),
        "tlv_string" => Tlv::string(ty, s("str")),
        call @ ("tlv_version" | "tlv_config") => {
            let tokens: Vec<&str> = c["kv"].as_array()?.iter().filter_map(Value::as_str).collect();
            if call == "tlv_version" {
                Tlv::version_tokens(&tokens, raw)
            } else {
                Tlv::config_tokens(&tokens, raw)
            }
        }
        "tlv_status" => Tlv::status(
            int(c, "session_uptime_secs") as u32,
            int(c, "lifetime_uptime_secs") as u32,
            int(c, "restarts") as u16,
            int(c, "reason") as u8,
        ),
        "tlv_health" => Tlv::health(
            int(c, "cpu_temp") as i8,
            int(c, "supply_mv") as u16,
            int(c, "free_heap") as u16,
            int(c, "session_active_secs") as u32,
        ),
        "tlv_diagnostic" => Tlv::diagnostic(s("str"), raw),
        "tlv_userdata" => Tlv::userdata(s("str"), raw),
        _ => return None,
    })
}

fn is_tlv_call(c: &Value) -> bool {
    c["call"].as_str().is_some_and(|s| s == "tlv" || s.starts_with("tlv_"))
}

/// The outcome of replaying reference encoder calls through [`Encoder`].
enum Replay<'m> {
    /// `end` packed these bytes; `after_end` counts the calls that followed
    /// it (the Rust builder is consumed by `finish`, so they cannot be made).
    Finished { bytes: Vec<u8>, after_end: usize },
    /// Call `index` failed.
    Failed { index: usize, err: EncodeError },
    /// Every call succeeded and there was no `end`: the open builder.
    Open(Encoder<'m>),
    /// Call `index` has no Rust equivalent.
    Inexpressible { index: usize, why: String },
}

fn replay<'m>(calls: &[Value], map: &'m VariantMap) -> Replay<'m> {
    let mut enc: Option<Encoder<'m>> = None;
    for (index, c) in calls.iter().enumerate() {
        let call = c["call"].as_str().unwrap_or("");
        if call == "begin" {
            match Encoder::new(map, int(c, "variant") as u8, int(c, "station") as u16, int(c, "sequence") as u16) {
                Ok(e) => enc = Some(e),
                Err(err) => return Replay::Failed { index, err },
            }
            continue;
        }
        let Some(e) = enc.as_mut() else {
            return Replay::Inexpressible {
                index,
                why: format!("{call} without begin"),
            };
        };
        let res = if call == "end" {
            let Some(e) = enc.take() else {
                unreachable!("checked above");
            };
            return match e.finish() {
                Ok(bytes) => Replay::Finished {
                    bytes,
                    after_end: calls.len() - index - 1,
                },
                Err(err) => Replay::Failed { index, err },
            };
        } else if let Some(v) = field_from_call(c) {
            v.and_then(|v| e.add(v).map(|_| ()))
        } else if is_tlv_call(c) {
            match tlv_from_call(c) {
                Some(t) => t.and_then(|t| e.tlv(t).map(|_| ())),
                None => {
                    return Replay::Inexpressible {
                        index,
                        why: format!("{call} with a null data pointer"),
                    }
                }
            }
        } else {
            return Replay::Inexpressible {
                index,
                why: format!("unknown call {call}"),
            };
        };
        if let Err(err) = res {
            return Replay::Failed { index, err };
        }
    }
    match enc {
        Some(e) => Replay::Open(e),
        None => Replay::Inexpressible {
            index: 0,
            why: "no begin".into(),
        },
    }
}

#[test]
fn encode_errors_vectors() {
    let maps = maps();
    let mut f = Failures::default();
    for rec in vectors("encode_errors.jsonl") {
        let n = name(&rec);
        let Some(map) = maps.get(rec["variant_map"].as_str().unwrap_or("")) else {
            f.push(n, "unknown variant_map");
            continue;
        };
        let calls = rec["calls"].as_array().cloned().unwrap_or_default();
        let want = rec["error"]["name"].as_str().unwrap_or("").trim_start_matches("IOTDATA_ERR_");
        f.checked += 1;
        let outcome = replay(&calls, map);
        if divergence(n).is_some() {
            check_divergent_calls(n, &calls, map, outcome, &mut f);
            continue;
        }
        match outcome {
            Replay::Failed { index, err } => {
                if index + 1 != calls.len() {
                    f.push(n, format!("call {index} of {} failed ({}): {err}", calls.len(), err.reference_name()));
                } else if err.reference_name() != want {
                    f.push(n, format!("error {} ({err}), reference {want}", err.reference_name()));
                }
            }
            Replay::Finished { bytes, .. } => f.push(n, format!("encoded {}, reference failed with {want}", hex(&bytes))),
            Replay::Open(_) => f.push(n, format!("every call succeeded, reference failed with {want}")),
            Replay::Inexpressible { index, why } => f.push(n, format!("call {index}: {why}")),
        }
    }
    f.assert_none("encode_errors.jsonl");
}

/// Our documented behaviour for the `encode_errors` records in
/// [`DIVERGENCES`].
fn check_divergent_calls(n: &str, _calls: &[Value], _map: &VariantMap, _outcome: Replay, f: &mut Failures) {
    f.push(n, "listed in DIVERGENCES but has no encoder check");
}

/// `encoder_inputs` of the sensor / quant / roundtrip records replayed
/// through the Rust encoder give the reference's bytes (checks every
/// quantiser against the reference encoder).
#[test]
fn encoder_inputs_replay() {
    let maps = maps();
    let mut f = Failures::default();
    for file in ["sensor.jsonl", "quant.jsonl", "roundtrip.jsonl"] {
        for rec in vectors(file) {
            let n = name(&rec);
            let Some(calls) = rec["encoder_inputs"].as_array() else {
                continue;
            };
            let Some(map) = maps.get(rec["variant_map"].as_str().unwrap_or("")) else {
                f.push(n, "unknown variant_map");
                continue;
            };
            f.checked += 1;
            let want = rec["hex"].as_str().unwrap_or("");
            match replay(calls, map) {
                Replay::Finished { bytes, after_end: 0 } => {
                    if hex(&bytes) != want {
                        f.push(n, format!("encoded {}, reference {want}", hex(&bytes)));
                    }
                }
                Replay::Finished { after_end, .. } => f.push(n, format!("{after_end} calls after end")),
                Replay::Failed { index, err } => f.push(n, format!("call {index} failed ({}): {err}", err.reference_name())),
                Replay::Open(_) => f.push(n, "no end call"),
                Replay::Inexpressible { index, why } => f.push(n, format!("call {index}: {why}")),
            }
        }
    }
    f.assert_none("encoder_inputs");
}

// ---------------------------------------------------------------------------
// The divergence table cannot rot
// ---------------------------------------------------------------------------

#[test]
fn divergence_table_names_existing_vectors() {
    let mut names = HashSet::new();
    for file in [
        "sensor.jsonl",
        "quant.jsonl",
        "malformed.jsonl",
        "roundtrip.jsonl",
        "encode_errors.jsonl",
        "mesh.jsonl",
        "image_codec.jsonl",
    ] {
        for rec in vectors(file) {
            names.insert(name(&rec).to_string());
        }
    }
    let mut seen = HashSet::new();
    let mut bad = Vec::new();
    for (n, why) in DIVERGENCES {
        if !names.contains(*n) {
            bad.push(format!("{n}: no such vector"));
        }
        if !seen.insert(*n) {
            bad.push(format!("{n}: listed twice"));
        }
        if why.trim().is_empty() {
            bad.push(format!("{n}: no reason given"));
        }
    }
    assert!(bad.is_empty(), "DIVERGENCES is stale:\n  {}", bad.join("\n  "));
}

#[allow(dead_code)]
fn warnings_of(p: &Packet) -> Vec<Warning> {
    p.warnings.clone()
}
