//! The allocation-free decoder ([`decode_into`]) and the JSON written from
//! it ([`json_view`]) agree with [`decode`] and [`json::to_json`]:
//!
//! * every conformance vector (sensor, quant, malformed, roundtrip), and
//!   every prefix of it, strict and lenient, with its own map and every map;
//! * arbitrary bytes (0..300), every map, strict and lenient;
//! * vectors with a bit flipped, cut short or extended with random bytes.
//!
//! Agreement means: the same packet ([`PacketBuf::to_packet`] equals the
//! decoded [`Packet`](iotdata::Packet): header, fields, TLVs, bits,
//! presence bytes, layout, warnings), the same JSON text byte for byte, or
//! the same error (kind, bit offset, bits needed and left, and
//! [`ViewError::to_decode_error`] equal to the decoder's error). One buffer
//! is reused across all cases, so state left over from an earlier frame
//! would show.
//!
//! `PROPTEST_CASES=N` runs every property with N cases.

#![cfg(not(target_arch = "wasm32"))]

use std::cell::RefCell;
use std::sync::LazyLock;

use iotdata::view::{decode_into, PacketBuf, ViewError};
use iotdata::{decode, json, json_view, DecodeError, DecodeOptions, VariantMap};
use proptest::collection::vec;
use proptest::prelude::*;
use serde_json::Value;

/// The built-in default map, then the maps of the conformance vectors.
static MAPS: LazyLock<Vec<VariantMap>> = LazyLock::new(|| {
    let text = include_str!(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../tests/vectors/variants.json"
    ));
    let mut maps = vec![VariantMap::default_map()];
    maps.extend(VariantMap::parse_maps(text).expect("variants.json loads"));
    maps
});

/// `(map name, bytes)` of every sensor-packet vector.
static VECTORS: LazyLock<Vec<(String, Vec<u8>)>> = LazyLock::new(|| {
    let files = [
        include_str!(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../tests/vectors/sensor.jsonl"
        )),
        include_str!(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../tests/vectors/quant.jsonl"
        )),
        include_str!(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../tests/vectors/malformed.jsonl"
        )),
        include_str!(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../tests/vectors/roundtrip.jsonl"
        )),
    ];
    let mut out = Vec::new();
    for line in files.iter().flat_map(|f| f.lines()) {
        let Ok(v) = serde_json::from_str::<Value>(line) else {
            continue;
        };
        let (Some(hex), Some(map)) = (
            v.get("hex").and_then(Value::as_str),
            v.get("variant_map").and_then(Value::as_str),
        ) else {
            continue;
        };
        if let Ok(bytes) = iotdata::hex::decode(hex) {
            out.push((map.to_string(), bytes));
        }
    }
    assert!(out.len() > 500, "vectors load ({} found)", out.len());
    out
});

thread_local! {
    /// One buffer for every case of a thread.
    static BUF: RefCell<PacketBuf> = const { RefCell::new(PacketBuf::new()) };
}

fn map_named(name: &str) -> &'static VariantMap {
    MAPS.iter()
        .find(|m| m.name == name)
        .unwrap_or_else(|| panic!("map {name} is in variants.json"))
}

/// Checks that both decoders agree on `bytes`; returns whether it decoded.
fn agree(bytes: &[u8], map: &VariantMap, opts: DecodeOptions) -> bool {
    BUF.with_borrow_mut(|buf| {
        let old = decode(bytes, map, opts);
        let new = decode_into(bytes, map, opts, buf);
        let hex = iotdata::hex::encode(bytes);
        match (old, new) {
            (Ok(p), Ok(())) => {
                assert_eq!(buf.to_packet(bytes), p, "packet of {hex}");
                assert_eq!(buf.packed_bits(), p.packed_bits, "bits of {hex}");
                assert_eq!(buf.fields().len(), p.fields.len());
                assert_eq!(buf.tlv_count(), p.tlvs.len());
                assert_eq!(
                    json_view::to_json(buf, bytes, map),
                    json::to_json(&p, map),
                    "JSON of {hex}"
                );
                true
            }
            (Err(e), Err(v)) => {
                assert_eq!(v.kind(), e.kind(), "kind for {hex}");
                assert_eq!(v.bit_offset(), e.bit_offset(), "bit offset for {hex}");
                if let (
                    ViewError::Truncated {
                        needed, available, ..
                    },
                    DecodeError::Truncated {
                        needed: n2,
                        available: a2,
                        ..
                    },
                ) = (&v, &e)
                {
                    assert_eq!((needed, available), (n2, a2), "truncation of {hex}");
                }
                assert_eq!(v.to_decode_error(bytes, map), e, "error for {hex}");
                false
            }
            (old, new) => panic!("{hex}: decode gives {old:?}, decode_into gives {new:?}"),
        }
    })
}

fn all_opts() -> [DecodeOptions; 2] {
    [DecodeOptions::STRICT, DecodeOptions::LENIENT]
}

#[test]
fn every_vector_and_every_prefix_agrees() {
    let (mut decoded, mut failed) = (0usize, 0usize);
    for (map_name, bytes) in VECTORS.iter() {
        let own = map_named(map_name);
        for opts in all_opts() {
            for end in 0..=bytes.len() {
                let prefix = bytes.get(..end).unwrap_or_default();
                if agree(prefix, own, opts) {
                    decoded += 1;
                } else {
                    failed += 1;
                }
            }
            for map in MAPS.iter() {
                agree(bytes, map, opts);
            }
        }
    }
    // Both outcomes are exercised in numbers.
    assert!(
        decoded > 1_000 && failed > 10_000,
        "{decoded} decoded, {failed} failed"
    );
}

#[test]
fn tlv_image_and_warning_frames_are_covered() {
    let mut tlvs = 0;
    let mut images = 0;
    let mut warnings = 0;
    let mut buf = PacketBuf::new();
    for (map_name, bytes) in VECTORS.iter() {
        for opts in all_opts() {
            if decode_into(bytes, map_named(map_name), opts, &mut buf).is_ok() {
                tlvs += usize::from(buf.tlv_count() > 0);
                warnings += usize::from(buf.has_warnings());
                images += buf
                    .fields()
                    .iter()
                    .filter(|f| f.value.ty() == iotdata::FieldType::Image)
                    .count();
            }
        }
    }
    assert!(
        tlvs > 20 && images > 10 && warnings > 2,
        "{tlvs} {images} {warnings}"
    );
}

fn cases(n: u32) -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(n)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(cases(2_000)))]

    #[test]
    fn arbitrary_bytes_agree(bytes in vec(any::<u8>(), 0..300)) {
        for map in MAPS.iter() {
            for opts in all_opts() {
                agree(&bytes, map, opts);
            }
        }
    }

    #[test]
    fn mutated_vectors_agree(
        pick in any::<prop::sample::Index>(),
        flip in any::<prop::sample::Index>(),
        cut in any::<prop::sample::Index>(),
        tail in vec(any::<u8>(), 0..40),
        how in 0u8..3,
    ) {
        let (map_name, bytes) = pick.get(&VECTORS[..]);
        let mut bytes = bytes.clone();
        match how {
            0 if !bytes.is_empty() => {
                let bit = flip.index(bytes.len() * 8);
                if let Some(b) = bytes.get_mut(bit / 8) {
                    *b ^= 0x80 >> (bit % 8);
                }
            }
            1 => bytes.truncate(cut.index(bytes.len() + 1)),
            _ => bytes.extend_from_slice(&tail),
        }
        for opts in all_opts() {
            agree(&bytes, map_named(map_name), opts);
        }
    }
}
