//! Conformance against the reference vectors (`tests/vectors/`, produced by
//! libiotdata; see its README for the record formats).
//!
//! Every test walks every record of its file, collects all failures and
//! asserts once at the end with the full list, so one run shows everything.
//!
//! Where we deliberately differ from the reference (`reference-behaviour.md`,
//! "Where we diverge") the vector is listed in [`DIVERGENCES`] with the
//! reason, and the tests assert OUR documented behaviour for it instead (one
//! [`Divergence`] check per vector). Inputs no conforming encoder produces
//! are listed in [`NON_CANONICAL`] with how their round trips end. A listed
//! name that no longer exists in the files, or a divergence without a check,
//! fails [`divergence_table_names_existing_vectors`].
//!
//! Files covered: `sensor`, `quant`, `malformed`, `roundtrip` (decode side and
//! `json_in`), `encode_errors`, and the `encoder_inputs` of every record;
//! `utf8` (this project's own vectors for raw TLV text, in the `roundtrip`
//! record format) both ways.

use iotdata::error::EncodeError;
use iotdata::image::Image;
use iotdata::json::{encode_json, to_json};
use iotdata::packet::Warning;
use iotdata::tlv::Tlv;
use iotdata::{
    decode, decode_with_dump, encode, DecodeOptions, Encoder, FieldValue, Packet, VariantMap,
};
use serde_json::Value;
use std::collections::{BTreeMap, HashSet};

#[path = "support/tlv_calls.rs"]
mod tlv_calls;
use tlv_calls::tlv_from_call;

/// Vectors where we deliberately differ from the reference: `(vector name,
/// reason)`. For each, the tests assert our documented behaviour instead
/// (see [`Divergence`] for what is checked).
const DIVERGENCES: &[(&str, &str)] = &[
    // Presence bits for slots the variant does not define.
    (
        "suite_v5_pres1_aliases_battery",
        "presence bit for a slot beyond the variant's presence capacity: the reference decodes a 6-bit \
         BATTERY there (its empty-slot marker equals the battery type); ours consumes no bits and warns",
    ),
    ("random_064", "as suite_v5_pres1_aliases_battery (random bytes, 4 aliased slots)"),
    ("random_068", "as suite_v5_pres1_aliases_battery (random bytes, 5 aliased slots)"),
    ("random_104", "as suite_v5_pres1_aliases_battery (random bytes, 7 aliased slots)"),
    (
        "random_118",
        "as suite_v5_pres1_aliases_battery: the aliased battery bits make the reference read a TLV \
         past the end (DECODE_TRUNCATED); ours consumes no bits for the 5 undefined slots and decodes",
    ),
    (
        "sparse_none_slot0_bit_set",
        "presence bit for a NONE slot: both consume no bits; our JSON adds a `warnings` member",
    ),
    ("random_028", "as sparse_none_slot0_bit_set (random bytes, NONE slot 12)"),
    // All TLVs decoded / encoded, no count limit.
    ("tlv_ten_entries", "all 10 TLV entries decoded and in the JSON (the reference keeps the first 8)"),
    ("json_tlv_more_than_8", "all 10 TLV entries encoded (the reference drops entries after the 8th)"),
    ("enc_tlv_full", "no TLV count limit: a 9th entry is accepted (the reference returns TLV_FULL)"),
    // JSON -> binary is lossless.
    (
        "tlv_status_wrong_length",
        "STATUS that is not 9 raw bytes: our JSON writes it in the generic raw form with its data \
         (the reference writes {type, format:status} without data and cannot re-encode it); \
         our dump has a data row",
    ),
    ("tlv_health_wrong_length", "as tlv_status_wrong_length, for HEALTH (not 7 raw bytes)"),
    (
        "tlv_version_string_odd_tokens",
        "VERSION text that does not tokenise into pairs: our JSON keeps the text as a generic string \
         (the reference drops the odd token)",
    ),
    (
        "json_tlv_mixed_with_dropped",
        "DIAGNOSTIC and USERDATA 6-bit strings encoded as given (the reference drops DIAGNOSTIC)",
    ),
    (
        "json_tlv_base64_invalid",
        "invalid base64 in TLV data is an error (the reference silently decodes a prefix, here none)",
    ),
    // Several slots of one type.
    (
        "quirk_duplicate_temperature_slots",
        "encoder_inputs: one temperature call fills one TEMPERATURE slot (the reference packs its \
         single stored value into both); decoding is as the reference",
    ),
    (
        "custom_json_duplicate_type_slots_error",
        "two TEMPERATURE slots hold independent values (the reference shares one storage slot per \
         type and fails with CTX_DUPLICATE_FIELD)",
    ),
    // Raw TLV text is UTF-8 (utf8.jsonl: our vectors, in the record format of
    // roundtrip.jsonl, with our outputs).
    (
        "utf8_diagnostic_lone_b0",
        "raw text that is not valid UTF-8 is written in the generic raw form (base64) and reads \
         back to the same bytes (the reference writes the bytes into the JSON string as they are, \
         which is invalid UTF-8)",
    ),
    ("utf8_version_invalid", "as utf8_diagnostic_lone_b0, for a raw VERSION"),
    ("utf8_mixed_entries", "as utf8_diagnostic_lone_b0, for the second of four entries"),
    (
        "utf8_userdata_nul_inside",
        "a NUL byte in raw text is kept (\\u0000 in the JSON string; the reference stops at the \
         first NUL)",
    ),
    // Dump.
    (
        "tlv_type0_raw",
        "our dump has a data row for TLV types 0 and 7..=15 (the reference's dump has none and does \
         not advance past the data)",
    ),
    ("tlv_type7_string", "as tlv_type0_raw"),
    ("tlv_type15_raw", "as tlv_type0_raw"),
    // Encoder states the Rust API makes impossible.
    (
        "enc_buffer_too_small_for_header",
        "no caller-supplied buffer: Encoder::finish allocates (the reference returns BUF_TOO_SMALL)",
    ),
    (
        "enc_after_end",
        "Encoder::finish consumes the builder, so a call after end does not compile \
         (the reference returns CTX_ALREADY_ENDED)",
    ),
    (
        "enc_tlv_raw_null_data",
        "no null data pointer in the Rust API: Tlv::raw takes bytes (the reference returns TLV_DATA_NULL)",
    ),
];

/// What the tests assert for a vector in [`DIVERGENCES`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Divergence {
    /// Presence bits for slots beyond the variant's capacity: no bits
    /// consumed, one `UndefinedSlot` warning each; fields, dump and JSON as
    /// the reference's minus the aliased battery; the round trip gives the
    /// canonical encoding.
    UndefinedSlotAliased,
    /// Presence bits for NONE slots: as the reference plus our warnings.
    UndefinedSlotWarned,
    /// All TLVs decoded: the reference's JSON `data` is a prefix of ours.
    AllTlvsDecoded,
    /// Lossless TLV JSON: entries that differ are in the generic raw /
    /// string form; the round trip is exact.
    TlvJsonLossless,
    /// Extra dump rows for TLV data; everything else as the reference.
    TlvDumpDataRow,
    /// Raw TLV text not valid UTF-8, or holding NUL: the recorded outputs
    /// are ours and are checked as for any other record, both ways.
    TlvTextUtf8,
    /// `json_in` with TLVs the reference drops: ours encodes every entry.
    JsonAllTlvs,
    /// `json_in` with invalid base64: ours is a JSON error.
    JsonBase64Rejected,
    /// `json_in` with two slots of one type: both encoded.
    JsonDuplicateTypeSlots,
    /// `encoder_inputs` with one call for a type that has two slots: one
    /// slot filled; a second call fills the other.
    EncoderOneSlotPerCall,
    /// Encoder calls: a 9th TLV is accepted.
    NoTlvLimit,
    /// Encoder calls: no buffer size; the packet is built.
    NoBuffer,
    /// Encoder calls: nothing can follow `end`.
    BuilderConsumed,
    /// Encoder calls: no null pointer; an empty raw TLV is valid.
    NoNullPointer,
}

/// The check for a vector in [`DIVERGENCES`] (every listed name has one,
/// and every name here is listed: see
/// [`divergence_table_names_existing_vectors`]).
fn divergence_kind(name: &str) -> Option<Divergence> {
    use Divergence::*;
    Some(match name {
        "suite_v5_pres1_aliases_battery"
        | "random_064"
        | "random_068"
        | "random_104"
        | "random_118" => UndefinedSlotAliased,
        "sparse_none_slot0_bit_set" | "random_028" => UndefinedSlotWarned,
        "tlv_ten_entries" => AllTlvsDecoded,
        "tlv_status_wrong_length" | "tlv_health_wrong_length" | "tlv_version_string_odd_tokens" => {
            TlvJsonLossless
        }
        "tlv_type0_raw" | "tlv_type7_string" | "tlv_type15_raw" => TlvDumpDataRow,
        "utf8_diagnostic_lone_b0"
        | "utf8_version_invalid"
        | "utf8_mixed_entries"
        | "utf8_userdata_nul_inside" => TlvTextUtf8,
        "json_tlv_more_than_8" | "json_tlv_mixed_with_dropped" => JsonAllTlvs,
        "json_tlv_base64_invalid" => JsonBase64Rejected,
        "custom_json_duplicate_type_slots_error" => JsonDuplicateTypeSlots,
        "quirk_duplicate_temperature_slots" => EncoderOneSlotPerCall,
        "enc_tlv_full" => NoTlvLimit,
        "enc_buffer_too_small_for_header" => NoBuffer,
        "enc_after_end" => BuilderConsumed,
        "enc_tlv_raw_null_data" => NoNullPointer,
        _ => return None,
    })
}

/// Inputs no conforming encoder produces, so decode -> encode cannot give
/// the input back (the reference's `json_roundtrip` is not identical for
/// any of them either, which the tests check). Not divergences: we decode
/// them exactly as the reference does. The round trips are asserted as
/// given here.
const NON_CANONICAL: &[(&str, RoundTrip)] = &[
    // The 4th presence byte's Ext bit is ignored; encoders write it as 0.
    ("std_pres3_ext_bit_ignored", RoundTrip::Canonical),
    // Ext bit set in the last presence byte at the end of the input.
    ("pres_ext_set_but_no_more_bytes", RoundTrip::Canonical),
    // Raw values outside the encoder's range (clouds 15, AQI 511,
    // temperature 87.75, humidity 127 / 123): the JSON fails the range
    // check as in the reference; the packet (raw values) re-encodes exactly.
    (
        "raw_out_of_range_clouds_aqi",
        RoundTrip::JsonFails("CLOUDS_HIGH"),
    ),
    (
        "raw_out_of_range_environment",
        RoundTrip::JsonFails("TEMPERATURE_HIGH"),
    ),
    ("random_116", RoundTrip::JsonFails("HUMIDITY_HIGH")),
    // Reserved image format / compression code 3.
    (
        "img_reserved_format_and_compression",
        RoundTrip::JsonFails("IMAGE_FORMAT_HIGH"),
    ),
    // 6-bit value 63 (reserved) decodes to '?', which is not encodable.
    (
        "tlv_sixbit_value_63",
        RoundTrip::BothFail("TLV_STR_CHAR_INVALID"),
    ),
];

/// How the round trips of a [`NON_CANONICAL`] input end.
#[derive(Debug, Clone, Copy)]
enum RoundTrip {
    /// Both give the canonical encoding: it re-decodes to the same JSON.
    Canonical,
    /// JSON -> binary fails with this reference status; the packet
    /// re-encodes to the input exactly.
    JsonFails(&'static str),
    /// Both fail with this reference status.
    BothFail(&'static str),
}

fn non_canonical(name: &str) -> Option<RoundTrip> {
    NON_CANONICAL
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, r)| *r)
}

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

/// The divergence check for `name` if it is listed in [`DIVERGENCES`].
fn divergence(name: &str) -> Option<Divergence> {
    DIVERGENCES
        .iter()
        .any(|(n, _)| *n == name)
        .then(|| divergence_kind(name))
        .flatten()
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
        eprintln!(
            "{what}: {} records checked, {} failures",
            self.checked,
            self.list.len()
        );
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
                out.push(format!(
                    "{path}: {} elements, reference {}",
                    a.len(),
                    b.len()
                ));
                return;
            }
            for (i, (x, y)) in a.iter().zip(b).enumerate() {
                json_diff(x, y, &format!("{path}[{i}]"), out);
            }
        }
        (Value::Number(x), Value::Number(y)) => {
            let (x, y) = (
                x.as_f64().unwrap_or(f64::NAN),
                y.as_f64().unwrap_or(f64::NAN),
            );
            if !num_close(x, y) {
                out.push(format!("{path}: {x}, reference {y}"));
            }
        }
        (Value::String(a), Value::String(b)) if a == b || same_base64(path, a, b) => {}
        (a, b) if a == b => {}
        (a, b) => out.push(format!("{path}: {a}, reference {b}")),
    }
}

/// Base64 members (`pixels`, TLV `data`) compare by their bytes: the
/// reference sets the unused low bits of the last character (`ChssPf==`),
/// we write standard RFC 4648 (`ChssPQ==`).
fn same_base64(path: &str, a: &str, b: &str) -> bool {
    use base64::Engine as _;
    const LENIENT: base64::engine::GeneralPurpose = base64::engine::GeneralPurpose::new(
        &base64::alphabet::STANDARD,
        base64::engine::GeneralPurposeConfig::new()
            .with_decode_allow_trailing_bits(true)
            .with_decode_padding_mode(base64::engine::DecodePaddingMode::Indifferent),
    );
    if !(path.ends_with(".pixels") || path.ends_with("].data")) {
        return false;
    }
    match (LENIENT.decode(a), LENIENT.decode(b)) {
        (Ok(x), Ok(y)) => x == y && a.len() == b.len(),
        _ => false,
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
    let mut v = bytes
        .get(..packed_bits.div_ceil(8))
        .unwrap_or(bytes)
        .to_vec();
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
        let a = ours.get(i).map(|e| {
            (
                e.bit_offset as u64,
                e.bit_length as u64,
                e.field.as_str(),
                e.raw,
            )
        });
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
/// divergences and non-canonical inputs are checked as documented there.
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
    match divergence(n) {
        Some(Divergence::UndefinedSlotAliased | Divergence::UndefinedSlotWarned) => {
            return check_undefined_slots(n, rec, &bytes, map, f)
        }
        Some(
            d @ (Divergence::AllTlvsDecoded
            | Divergence::TlvJsonLossless
            | Divergence::TlvDumpDataRow),
        ) => return check_tlv_divergence(n, d, rec, &bytes, map, f),
        // json_in / encoder-call divergences: the decode side is as the
        // reference; TlvTextUtf8: the record holds our outputs.
        _ => {}
    }
    let strict = decode(&bytes, map, DecodeOptions::STRICT);
    match rec["error"]["name"].as_str() {
        Some(reference) => check_decode_error(n, reference, &bytes, map, strict, f),
        None => match strict {
            Ok(p) => {
                check_packet_against_reference(n, rec, &bytes, map, &p, f);
                match non_canonical(n) {
                    None => check_round_trips(n, &bytes, map, &p, f),
                    Some(rt) => check_non_canonical_round_trips(n, rt, rec, &bytes, map, &p, f),
                }
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
        f.push(
            n,
            format!("no decode kind for reference status {reference}"),
        );
        return;
    };
    match strict {
        Ok(p) => f.push(
            n,
            format!("decoded ({} bits), reference {reference}", p.packed_bits),
        ),
        Err(e) if e.kind() != kind => f.push(
            n,
            format!(
                "error kind {} ({e}), reference {reference} = {kind}",
                e.kind()
            ),
        ),
        Err(_) => {}
    }
    // The dump-recording decoder agrees with the plain one.
    if let (Err(e), _) = decode_with_dump(bytes, map, DecodeOptions::STRICT) {
        if e.kind() != kind {
            f.push(
                n,
                format!("decode_with_dump error kind {}, expected {kind}", e.kind()),
            );
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
            Err(e) if e.kind() == "variant_unknown" => {
                f.push(n, format!("lenient decode still fails: {e}"))
            }
            Err(e) if n.contains("unknown_variant") => f.push(
                n,
                format!("lenient decode of a well-formed frame failed: {e}"),
            ),
            Err(_) => {}
        }
    }
}

/// Bits, bytes, JSON (keys, order, numbers) and dump rows against the record.
fn check_packet_against_reference(
    n: &str,
    rec: &Value,
    bytes: &[u8],
    map: &VariantMap,
    p: &Packet,
    f: &mut Failures,
) {
    check_bits(n, rec, p, 0, f);
    let ours = our_json(n, map, p, f);
    for d in json_differences(&ours, &rec["json"]) {
        f.push(n, format!("JSON {d}"));
    }
    for d in dump_differences(&our_dump(n, bytes, map, p, f), &rec["dump_entries"]) {
        f.push(n, d);
    }
}

/// `packed_bits` / `packed_bytes` equal the reference's minus `fewer_bits`.
fn check_bits(n: &str, rec: &Value, p: &Packet, fewer_bits: u64, f: &mut Failures) {
    let (Some(bits), Some(bytes)) = (rec["bits"].as_u64(), rec["bytes_used"].as_u64()) else {
        f.push(n, "record has no bits / bytes_used");
        return;
    };
    let want = bits.saturating_sub(fewer_bits);
    if p.packed_bits as u64 != want {
        f.push(
            n,
            format!(
                "packed_bits {}, expected {want} (reference {bits})",
                p.packed_bits
            ),
        );
    }
    if fewer_bits == 0 && p.packed_bytes() as u64 != bytes {
        f.push(
            n,
            format!("packed_bytes {}, reference {bytes}", p.packed_bytes()),
        );
    }
}

/// Our canonical JSON, parsed.
fn our_json(n: &str, map: &VariantMap, p: &Packet, f: &mut Failures) -> Value {
    let text = to_json(p, map);
    serde_json::from_str(&text).unwrap_or_else(|e| {
        f.push(n, format!("our JSON does not parse ({e}): {text}"));
        Value::Null
    })
}

/// Our dump rows (and the dump-recording decoder agrees with `p`).
fn our_dump(
    n: &str,
    bytes: &[u8],
    map: &VariantMap,
    p: &Packet,
    f: &mut Failures,
) -> Vec<iotdata::DumpEntry> {
    let (res, entries) = decode_with_dump(bytes, map, DecodeOptions::STRICT);
    match res {
        Ok(q) if &q == p => {}
        Ok(_) => f.push(n, "decode_with_dump gave another packet than decode"),
        Err(e) => f.push(n, format!("decode_with_dump failed: {e}")),
    }
    entries
}

/// The `what` round trip (`JSON` or `packet`) of record `n` gave `want`.
fn gives(n: &str, what: &str, got: Result<Vec<u8>, EncodeError>, want: &[u8], f: &mut Failures) {
    match got {
        Ok(b) if b == want => {}
        Ok(b) => f.push(
            n,
            format!("{what} round trip gave {}, want {}", hex(&b), hex(want)),
        ),
        Err(e) => f.push(
            n,
            format!("{what} round trip failed ({}): {e}", e.reference_name()),
        ),
    }
}

/// decode -> JSON -> encode and decode -> encode give the input bytes up to
/// `packed_bytes`, padding bits zero.
fn check_round_trips(n: &str, bytes: &[u8], map: &VariantMap, p: &Packet, f: &mut Failures) {
    let want = canonical_prefix(bytes, p.packed_bits);
    gives(n, "JSON", encode_json(&to_json(p, map), map), &want, f);
    gives(n, "packet", encode(p, map), &want, f);
}

/// `json` without the members that depend on the encoding's length or are
/// ours only.
fn content(v: &Value) -> Value {
    let mut v = v.clone();
    if let Some(o) = v.as_object_mut() {
        for k in ["packed_bits", "packed_bytes", "warnings"] {
            o.shift_remove(k);
        }
    }
    v
}

/// Both round trips give the same bytes, which re-decode without warnings
/// to the same content as `p`.
/// `json_range_ok`: the packet holds raw values outside the encoder's
/// range (random bytes the reference could not decode, so there is no
/// reference round trip to compare with): the JSON round trip may then fail
/// the range check, and only the packet round trip is checked.
fn check_canonical_round_trips(
    n: &str,
    map: &VariantMap,
    p: &Packet,
    json_range_ok: bool,
    f: &mut Failures,
) {
    let via_json = encode_json(&to_json(p, map), map);
    let via_packet = encode(p, map);
    let a = match (&via_json, &via_packet) {
        (Ok(a), Ok(b)) if a == b => a,
        (Ok(a), Ok(b)) => {
            return f.push(
                n,
                format!(
                    "JSON round trip gave {}, packet round trip {}",
                    hex(a),
                    hex(b)
                ),
            );
        }
        (Err(e), Ok(b)) if json_range_ok && e.kind() == "out_of_range" => b,
        _ => {
            return f.push(
                n,
                format!("round trip failed: JSON {via_json:?}, packet {via_packet:?}"),
            )
        }
    };
    match decode(a, map, DecodeOptions::STRICT) {
        Ok(q) => {
            if !q.warnings.is_empty() {
                f.push(
                    n,
                    format!(
                        "re-encoding {} still decodes with warnings {:?}",
                        hex(a),
                        q.warnings
                    ),
                );
            }
            let (x, y) = (
                content(&our_json(n, map, &q, f)),
                content(&our_json(n, map, p, f)),
            );
            for d in json_differences(&x, &y) {
                f.push(
                    n,
                    format!("re-encoding {} decodes differently: {d}", hex(a)),
                );
            }
        }
        Err(e) => f.push(n, format!("re-encoding {} does not decode: {e}", hex(a))),
    }
}

/// Round trips of a [`NON_CANONICAL`] input.
fn check_non_canonical_round_trips(
    n: &str,
    rt: RoundTrip,
    rec: &Value,
    bytes: &[u8],
    map: &VariantMap,
    p: &Packet,
    f: &mut Failures,
) {
    if rec["json_roundtrip"]["identical"].as_bool() != Some(false) {
        f.push(
            n,
            "listed in NON_CANONICAL but the reference's JSON round trip is identical",
        );
    }
    let want = canonical_prefix(bytes, p.packed_bits);
    let fails_with =
        |r: Result<Vec<u8>, EncodeError>, name: &str, what: &str, f: &mut Failures| match r {
            Err(e) if e.reference_name() == name => {}
            Err(e) => f.push(
                n,
                format!(
                    "{what} failed with {} ({e}), expected {name}",
                    e.reference_name()
                ),
            ),
            Ok(b) => f.push(n, format!("{what} gave {}, expected {name}", hex(&b))),
        };
    match rt {
        RoundTrip::Canonical => {
            check_canonical_round_trips(n, map, p, false, f);
            if encode(p, map).is_ok_and(|b| b == want) {
                f.push(
                    n,
                    "listed in NON_CANONICAL but the round trip gives the input back",
                );
            }
        }
        RoundTrip::JsonFails(name) => {
            let reference = rec["json_roundtrip"]["error"]["name"]
                .as_str()
                .unwrap_or("");
            if reference.trim_start_matches("IOTDATA_ERR_") != name {
                f.push(
                    n,
                    format!("reference JSON round trip error {reference}, table says {name}"),
                );
            }
            fails_with(
                encode_json(&to_json(p, map), map),
                name,
                "JSON round trip",
                f,
            );
            gives(n, "packet", encode(p, map), &want, f);
        }
        RoundTrip::BothFail(name) => {
            fails_with(
                encode_json(&to_json(p, map), map),
                name,
                "JSON round trip",
                f,
            );
            fails_with(encode(p, map), name, "packet round trip", f);
        }
    }
}

/// Set presence slots read independently of the codec: up to 4 presence
/// bytes from byte 4 (Ext bit 7; byte 0 holds slots 0..=5 in bits 5..0,
/// the others 7 slots in bits 6..0).
fn set_slots(bytes: &[u8]) -> Vec<usize> {
    let mut out = Vec::new();
    for (i, b) in bytes.iter().skip(4).take(4).enumerate() {
        let (base, width) = if i == 0 { (0, 6) } else { (6 + 7 * (i - 1), 7) };
        for k in 0..width {
            if b & (1 << (width - 1 - k)) != 0 {
                out.push(base + k);
            }
        }
        if b & 0x80 == 0 {
            break;
        }
    }
    out
}

/// [`Divergence::UndefinedSlotAliased`] and [`Divergence::UndefinedSlotWarned`].
fn check_undefined_slots(n: &str, rec: &Value, bytes: &[u8], map: &VariantMap, f: &mut Failures) {
    let p = match decode(bytes, map, DecodeOptions::STRICT) {
        Ok(p) => p,
        Err(e) => return f.push(n, format!("decode failed ({}): {e}", e.kind())),
    };
    let Some(def) = map.get(p.header.variant) else {
        return f.push(n, "variant not in map");
    };
    let undefined: Vec<usize> = set_slots(bytes)
        .into_iter()
        .filter(|&s| def.slot(s).is_none())
        .collect();
    let aliased: Vec<usize> = undefined
        .iter()
        .copied()
        .filter(|&s| s >= def.capacity())
        .collect();
    let want: Vec<Warning> = undefined
        .iter()
        .map(|&s| Warning::UndefinedSlot { slot: s as u8 })
        .collect();
    if p.warnings != want {
        f.push(n, format!("warnings {:?}, expected {want:?}", p.warnings));
    }
    let expect_aliased = divergence(n) == Some(Divergence::UndefinedSlotAliased);
    if aliased.is_empty() == expect_aliased {
        f.push(
            n,
            format!("aliased slots {aliased:?} do not fit the divergence kind"),
        );
    }
    let ours = our_json(n, map, &p, f);
    if ours.get("warnings").and_then(Value::as_array).map(Vec::len) != Some(want.len()) {
        f.push(n, "JSON warnings member missing or of the wrong length");
    }
    let reference_ok = rec["error"].is_null();
    if !reference_ok {
        // The reference failed (the aliased battery bits ran it off the end).
        if expected_kind(rec["error"]["name"].as_str().unwrap_or("")) != Some("truncated") {
            f.push(
                n,
                format!("reference error {} is not a truncation", rec["error"]),
            );
        }
        return check_canonical_round_trips(n, map, &p, true, f);
    }
    // Bits: the reference spent 6 per aliased slot.
    check_bits(n, rec, &p, 6 * aliased.len() as u64, f);
    // JSON: ours without `warnings` against the reference's without the
    // keys its aliased battery wrote (battery-typed labels share its storage).
    let battery_labels: Vec<&str> = def
        .slots
        .iter()
        .flatten()
        .filter(|s| s.ty == iotdata::FieldType::Battery)
        .map(|s| s.label.as_str())
        .collect();
    let mut mine = ours.clone();
    let mut theirs = rec["json"].clone();
    for v in [&mut mine, &mut theirs] {
        if let Some(o) = v.as_object_mut() {
            o.shift_remove("warnings");
            o.shift_remove("packed_bits");
            o.shift_remove("packed_bytes");
            if !aliased.is_empty() {
                for l in &battery_labels {
                    o.shift_remove(*l);
                }
            }
        }
    }
    for d in json_differences(&mine, &theirs) {
        f.push(n, format!("JSON {d}"));
    }
    // Dump: ours equals the reference's without the aliased rows, which
    // the reference writes after the defined fields.
    let theirs_dump: Vec<Value> = rec["dump_entries"]
        .as_array()
        .map(|rows| {
            rows.iter()
                .filter(|r| {
                    r["bit_offset"]
                        .as_u64()
                        .is_some_and(|o| o < p.packed_bits as u64)
                        || aliased.is_empty()
                })
                .cloned()
                .collect()
        })
        .unwrap_or_default();
    for d in dump_differences(&our_dump(n, bytes, map, &p, f), &Value::Array(theirs_dump)) {
        f.push(n, d);
    }
    check_canonical_round_trips(n, map, &p, false, f);
}

/// [`Divergence::AllTlvsDecoded`], [`Divergence::TlvJsonLossless`] and
/// [`Divergence::TlvDumpDataRow`].
fn check_tlv_divergence(
    n: &str,
    kind: Divergence,
    rec: &Value,
    bytes: &[u8],
    map: &VariantMap,
    f: &mut Failures,
) {
    let p = match decode(bytes, map, DecodeOptions::STRICT) {
        Ok(p) => p,
        Err(e) => return f.push(n, format!("decode failed ({}): {e}", e.kind())),
    };
    check_bits(n, rec, &p, 0, f);
    let ours = our_json(n, map, &p, f);
    let empty = Vec::new();
    let our_data = ours["data"].as_array().unwrap_or(&empty);
    let their_data = rec["json"]["data"].as_array().unwrap_or(&empty);
    // Everything outside `data` as the reference.
    let strip = |v: &Value| {
        let mut v = v.clone();
        if let Some(o) = v.as_object_mut() {
            o.shift_remove("data");
        }
        v
    };
    for d in json_differences(&strip(&ours), &strip(&rec["json"])) {
        f.push(n, format!("JSON {d}"));
    }
    match kind {
        Divergence::AllTlvsDecoded => {
            if p.tlvs.len() <= 8 || our_data.len() != p.tlvs.len() || their_data.len() != 8 {
                f.push(
                    n,
                    format!(
                        "{} TLVs, {} in our JSON, {} in the reference's",
                        p.tlvs.len(),
                        our_data.len(),
                        their_data.len()
                    ),
                );
            }
            let prefix = Value::Array(our_data.iter().take(their_data.len()).cloned().collect());
            for d in json_differences(&prefix, &rec["json"]["data"]) {
                f.push(n, format!("JSON {d}"));
            }
        }
        Divergence::TlvJsonLossless => {
            if our_data.len() != their_data.len() {
                f.push(
                    n,
                    format!(
                        "{} TLVs in our JSON, {} in the reference's",
                        our_data.len(),
                        their_data.len()
                    ),
                );
            }
            let mut differing = 0;
            for (i, (a, b)) in our_data.iter().zip(their_data).enumerate() {
                if json_differences(a, b).is_empty() {
                    continue;
                }
                differing += 1;
                let keys: Vec<&String> = a
                    .as_object()
                    .map(|o| o.keys().collect())
                    .unwrap_or_default();
                let generic = matches!(a["format"].as_str(), Some("raw" | "string"));
                if keys != ["type", "format", "data"] || !generic || a["type"] != b["type"] {
                    f.push(n, format!("data[{i}]: {a} is not the generic form of {b}"));
                }
            }
            if differing == 0 {
                f.push(
                    n,
                    "listed as a lossless-JSON divergence but our TLV JSON equals the reference's",
                );
            }
        }
        _ => {
            for d in json_differences(&Value::Array(our_data.clone()), &rec["json"]["data"]) {
                f.push(n, format!("JSON {d}"));
            }
        }
    }
    // Dump: the reference's rows, plus (for the lossless / data-row kinds)
    // our rows covering TLV data that the reference's dump skips.
    let dump = our_dump(n, bytes, map, &p, f);
    let theirs: Vec<(u64, u64, String, u64)> = rec["dump_entries"]
        .as_array()
        .unwrap_or(&empty)
        .iter()
        .map(|e| {
            (
                e["bit_offset"].as_u64().unwrap_or(0),
                e["bit_length"].as_u64().unwrap_or(0),
                e["field"].as_str().unwrap_or("").to_string(),
                e["raw"].as_u64().unwrap_or(0),
            )
        })
        .collect();
    let mine: Vec<(u64, u64, String, u64)> = dump
        .iter()
        .map(|e| {
            (
                e.bit_offset as u64,
                e.bit_length as u64,
                e.field.clone(),
                e.raw,
            )
        })
        .collect();
    let extra: Vec<&(u64, u64, String, u64)> =
        mine.iter().filter(|r| !theirs.contains(r)).collect();
    let missing: Vec<&(u64, u64, String, u64)> =
        theirs.iter().filter(|r| !mine.contains(r)).collect();
    if !missing.is_empty() {
        f.push(n, format!("dump rows missing: {missing:?}"));
    }
    let extra_allowed = kind != Divergence::AllTlvsDecoded;
    if extra
        .iter()
        .any(|r| !r.2.starts_with("tlv[") || !extra_allowed)
        || (kind == Divergence::TlvDumpDataRow && extra.is_empty())
    {
        f.push(n, format!("extra dump rows: {extra:?}"));
    }
    check_round_trips(n, bytes, map, &p, f);
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

/// `utf8.jsonl`, decode side: binary -> JSON as recorded, then JSON ->
/// binary and packet -> binary give the input bytes.
#[test]
fn utf8_vectors_decode() {
    run_decoded_file("utf8.jsonl");
}

/// `utf8.jsonl`, JSON first: `json_in` -> binary is the recorded `hex`
/// (see [`roundtrip_vectors_json_in`]), and decoding it gives back exactly
/// the members of `json_in` (text compared character for character).
#[test]
fn utf8_vectors_json_round_trip() {
    run_json_in_file("utf8.jsonl");
    let map = VariantMap::default_map();
    let mut f = Failures::default();
    for rec in vectors("utf8.jsonl") {
        let n = name(&rec);
        f.checked += 1;
        let input: Value =
            serde_json::from_str(rec["json_in"].as_str().unwrap_or("")).unwrap_or(Value::Null);
        let back = encode_json(&input.to_string(), &map)
            .map_err(|e| e.to_string())
            .and_then(|b| decode(&b, &map, DecodeOptions::STRICT).map_err(|e| e.to_string()));
        match back {
            Ok(p) => {
                let ours = content(&our_json(n, &map, &p, &mut f));
                if ours != input {
                    f.push(
                        n,
                        format!("JSON -> binary -> JSON gave {ours}, want {input}"),
                    );
                }
            }
            Err(e) => f.push(n, format!("JSON -> binary -> JSON failed: {e}")),
        }
    }
    f.assert_none("utf8.jsonl JSON -> binary -> JSON");
}

// ---------------------------------------------------------------------------
// roundtrip.jsonl, encode side: json_in -> encode_json
// ---------------------------------------------------------------------------

#[test]
fn roundtrip_vectors_json_in() {
    run_json_in_file("roundtrip.jsonl");
}

/// `json_in` -> `encode_json` of every record of `file` gives the recorded
/// `hex` or `encode_error` (listed divergences: our documented behaviour).
fn run_json_in_file(file: &str) {
    let maps = maps();
    let mut f = Failures::default();
    for rec in vectors(file) {
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
        if let Some(
            d @ (Divergence::JsonAllTlvs
            | Divergence::JsonBase64Rejected
            | Divergence::JsonDuplicateTypeSlots),
        ) = divergence(n)
        {
            check_divergent_json_in(n, d, json_in, map, ours, &mut f);
            continue;
        }
        match (rec["encode_error"]["name"].as_str(), ours) {
            (None, Ok(b)) => {
                if Some(hex(&b).as_str()) != rec["hex"].as_str() {
                    f.push(n, format!("encoded {}, reference {}", hex(&b), rec["hex"]));
                }
            }
            (None, Err(e)) => f.push(n, format!("encode failed ({}): {e}", e.reference_name())),
            (Some(want), Ok(b)) => f.push(
                n,
                format!("encoded {}, reference failed with {want}", hex(&b)),
            ),
            (Some(want), Err(e)) => {
                if want.trim_start_matches("IOTDATA_ERR_") != e.reference_name() {
                    f.push(
                        n,
                        format!("error {} ({e}), reference {want}", e.reference_name()),
                    );
                }
            }
        }
    }
    f.assert_none(&format!("{file} json_in"));
}

/// Our documented behaviour for the `json_in` records in [`DIVERGENCES`].
fn check_divergent_json_in(
    n: &str,
    kind: Divergence,
    json_in: &str,
    map: &VariantMap,
    ours: Result<Vec<u8>, EncodeError>,
    f: &mut Failures,
) {
    let input: Value = serde_json::from_str(json_in).unwrap_or(Value::Null);
    if kind == Divergence::JsonBase64Rejected {
        match ours {
            Err(e) if e.kind() == "json_invalid" && e.to_string().contains("base64") => {}
            Err(e) => f.push(
                n,
                format!(
                    "failed with {} ({e}), expected an invalid-base64 error",
                    e.kind()
                ),
            ),
            Ok(b) => f.push(
                n,
                format!("encoded {}, expected an invalid-base64 error", hex(&b)),
            ),
        }
        return;
    }
    let bytes = match ours {
        Ok(b) => b,
        Err(e) => return f.push(n, format!("encode failed ({}): {e}", e.reference_name())),
    };
    let p = match decode(&bytes, map, DecodeOptions::STRICT) {
        Ok(p) => p,
        Err(e) => {
            return f.push(
                n,
                format!("our encoding {} does not decode: {e}", hex(&bytes)),
            )
        }
    };
    let back = our_json(n, map, &p, f);
    match kind {
        // Every TLV of the input comes back, in order.
        Divergence::JsonAllTlvs => {
            for d in json_differences(&back["data"], &input["data"]) {
                f.push(n, format!("TLVs after the round trip: {d}"));
            }
        }
        // Every member of the input comes back with its own value.
        _ => {
            for d in json_differences(&content(&back), &input) {
                f.push(n, format!("after the round trip: {d}"));
            }
        }
    }
}

// ---------------------------------------------------------------------------
// Encoder API replay (encode_errors calls, encoder_inputs)
// ---------------------------------------------------------------------------

fn int(c: &Value, k: &str) -> i64 {
    c[k].as_i64()
        .unwrap_or_else(|| panic!("call {c}: {k} is not an integer"))
}

fn f32_arg(c: &Value, k: &str) -> f32 {
    c[k].as_f64()
        .unwrap_or_else(|| panic!("call {c}: {k} is not a number")) as f32
}

fn f64_arg(c: &Value, k: &str) -> f64 {
    c[k].as_f64()
        .unwrap_or_else(|| panic!("call {c}: {k} is not a number"))
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
        "battery" => FieldValue::battery(
            int(c, "level_percent") as u8,
            c["charging"].as_bool().unwrap_or(false),
        ),
        "link" => FieldValue::link(i("rssi_dbm"), f32_arg(c, "snr_db")),
        "environment" => FieldValue::environment(
            f32_arg(c, "temperature_c"),
            i("pressure_hpa"),
            i("humidity_pct"),
        ),
        "temperature" => FieldValue::temperature(f32_arg(c, "temperature_c")),
        "pressure" => FieldValue::pressure(i("pressure_hpa")),
        "humidity" => FieldValue::humidity(i("humidity_pct")),
        "wind" => FieldValue::wind(
            f32_arg(c, "speed_ms"),
            i("direction_deg"),
            f32_arg(c, "gust_ms"),
        ),
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

fn is_tlv_call(c: &Value) -> bool {
    c["call"]
        .as_str()
        .is_some_and(|s| s == "tlv" || s.starts_with("tlv_"))
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
            match Encoder::new(
                map,
                int(c, "variant") as u8,
                int(c, "station") as u16,
                int(c, "sequence") as u16,
            ) {
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
        let want = rec["error"]["name"]
            .as_str()
            .unwrap_or("")
            .trim_start_matches("IOTDATA_ERR_");
        f.checked += 1;
        let outcome = replay(&calls, map);
        if let Some(d) = divergence(n) {
            check_divergent_calls(n, d, &calls, map, outcome, &mut f);
            continue;
        }
        match outcome {
            Replay::Failed { index, err } => {
                if index + 1 != calls.len() {
                    f.push(
                        n,
                        format!(
                            "call {index} of {} failed ({}): {err}",
                            calls.len(),
                            err.reference_name()
                        ),
                    );
                } else if err.reference_name() != want {
                    f.push(
                        n,
                        format!("error {} ({err}), reference {want}", err.reference_name()),
                    );
                }
            }
            Replay::Finished { bytes, .. } => f.push(
                n,
                format!("encoded {}, reference failed with {want}", hex(&bytes)),
            ),
            Replay::Open(_) => f.push(
                n,
                format!("every call succeeded, reference failed with {want}"),
            ),
            Replay::Inexpressible { index, why } => f.push(n, format!("call {index}: {why}")),
        }
    }
    f.assert_none("encode_errors.jsonl");
}

/// Our documented behaviour for the `encode_errors` records in
/// [`DIVERGENCES`].
fn check_divergent_calls(
    n: &str,
    kind: Divergence,
    calls: &[Value],
    map: &VariantMap,
    outcome: Replay,
    f: &mut Failures,
) {
    let finish = |outcome: Replay, f: &mut Failures| -> Option<Packet> {
        let bytes = match outcome {
            Replay::Open(enc) => match enc.finish() {
                Ok(b) => b,
                Err(e) => {
                    f.push(n, format!("finish failed ({}): {e}", e.reference_name()));
                    return None;
                }
            },
            Replay::Finished { bytes, .. } => bytes,
            Replay::Failed { index, err } => {
                f.push(
                    n,
                    format!("call {index} failed ({}): {err}", err.reference_name()),
                );
                return None;
            }
            Replay::Inexpressible { index, why } => {
                f.push(n, format!("call {index}: {why}"));
                return None;
            }
        };
        decode(&bytes, map, DecodeOptions::STRICT)
            .map_err(|e| f.push(n, format!("{} does not decode: {e}", hex(&bytes))))
            .ok()
    };
    match kind {
        Divergence::NoTlvLimit => {
            let want = calls.iter().filter(|c| is_tlv_call(c)).count();
            if let Some(p) = finish(outcome, f) {
                if want <= 8 || p.tlvs.len() != want {
                    f.push(n, format!("{} TLVs decoded, {want} added", p.tlvs.len()));
                }
            }
        }
        Divergence::NoBuffer => {
            if let Some(p) = finish(outcome, f) {
                if p.packed_bytes() != 5 || !p.fields.is_empty() || !p.tlvs.is_empty() {
                    f.push(n, format!("expected an empty 5-byte packet, got {p:?}"));
                }
            }
        }
        Divergence::BuilderConsumed => match outcome {
            Replay::Finished { after_end: 1, .. } => {}
            Replay::Finished { after_end, .. } => {
                f.push(n, format!("{after_end} calls after end, expected 1"))
            }
            _ => f.push(n, "expected begin and end to succeed"),
        },
        Divergence::NoNullPointer => {
            match outcome {
                Replay::Inexpressible { index, .. } if index + 1 == calls.len() => {}
                _ => f.push(n, "expected the last call to be inexpressible"),
            }
            // What the Rust API offers instead: an empty raw entry is valid
            // and round-trips.
            let ty = calls.last().and_then(|c| c["type"].as_u64()).unwrap_or(0) as u8;
            let built = Tlv::raw(ty, Vec::new()).and_then(|t| {
                let mut enc = Encoder::new(map, 0, 1, 0)?;
                enc.tlv(t)?;
                enc.finish()
            });
            match built.map(|b| decode(&b, map, DecodeOptions::STRICT)) {
                Ok(Ok(p)) if p.tlvs.len() == 1 && p.tlvs[0].is_empty() && p.tlvs[0].ty == ty => {}
                other => f.push(n, format!("empty raw TLV: {other:?}")),
            }
        }
        _ => f.push(n, format!("divergence {kind:?} has no encoder-call check")),
    }
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
            if divergence(n) == Some(Divergence::EncoderOneSlotPerCall) {
                check_one_slot_per_call(n, calls, map, want, &mut f);
                continue;
            }
            match replay(calls, map) {
                Replay::Finished {
                    bytes,
                    after_end: 0,
                } => {
                    if hex(&bytes) != want {
                        f.push(n, format!("encoded {}, reference {want}", hex(&bytes)));
                    }
                }
                Replay::Finished { after_end, .. } => {
                    f.push(n, format!("{after_end} calls after end"))
                }
                Replay::Failed { index, err } => f.push(
                    n,
                    format!("call {index} failed ({}): {err}", err.reference_name()),
                ),
                // `encoder_inputs` leave the final `end` implicit.
                Replay::Open(enc) => match enc.finish() {
                    Ok(bytes) if hex(&bytes) == want => {}
                    Ok(bytes) => f.push(n, format!("encoded {}, reference {want}", hex(&bytes))),
                    Err(e) => f.push(n, format!("finish failed ({}): {e}", e.reference_name())),
                },
                Replay::Inexpressible { index, why } => f.push(n, format!("call {index}: {why}")),
            }
        }
    }
    f.assert_none("encoder_inputs");
}

/// [`Divergence::EncoderOneSlotPerCall`]: the calls fill the first slot of
/// the type only; repeating the last call fills the next slot too and
/// gives the reference's bytes.
fn check_one_slot_per_call(
    n: &str,
    calls: &[Value],
    map: &VariantMap,
    want: &str,
    f: &mut Failures,
) {
    let once = match replay(calls, map) {
        Replay::Open(enc) => enc.finish(),
        _ => return f.push(n, "expected every call to succeed"),
    };
    match once.map(|b| decode(&b, map, DecodeOptions::STRICT)) {
        Ok(Ok(p)) if p.fields.len() + 1 == calls.len() => {}
        other => f.push(
            n,
            format!("one call per field expected one field per call: {other:?}"),
        ),
    }
    let mut twice = calls.to_vec();
    twice.extend(calls.last().cloned());
    match replay(&twice, map) {
        Replay::Open(enc) => match enc.finish() {
            Ok(b) if hex(&b) == want => {}
            other => f.push(
                n,
                format!("repeating the last call gave {other:?}, reference {want}"),
            ),
        },
        _ => f.push(n, "repeating the last call failed"),
    }
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
        "utf8.jsonl",
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
    for (n, _) in DIVERGENCES {
        if divergence_kind(n).is_none() {
            bad.push(format!("{n}: no check in divergence_kind"));
        }
    }
    for n in &names {
        if divergence_kind(n).is_some() && !DIVERGENCES.iter().any(|(d, _)| d == n) {
            bad.push(format!(
                "{n}: has a divergence check but is not in DIVERGENCES"
            ));
        }
    }
    for (n, _) in NON_CANONICAL {
        if !names.contains(*n) {
            bad.push(format!("{n}: in NON_CANONICAL, no such vector"));
        }
        if divergence_kind(n).is_some() {
            bad.push(format!("{n}: in both NON_CANONICAL and DIVERGENCES"));
        }
    }
    assert!(
        bad.is_empty(),
        "DIVERGENCES is stale:\n  {}",
        bad.join("\n  ")
    );
}
