//! The checks of the `decode` and `encode_json` targets: what must hold for
//! any input. The stable-Rust fuzz run (`fuzz-smoke`) includes this file as
//! well, so both fuzzers apply the same checks. Uses only `iotdata` and `std`.

// Each cargo-fuzz target uses one of the checks.
#![allow(dead_code)]

use iotdata::frame::{self, Frame};
use iotdata::{DecodeOptions, FieldValue, VariantMap};

/// The error kinds a failed decode may report.
pub const KINDS: [&str; 5] = [
    "short",
    "truncated",
    "variant_reserved",
    "variant_unknown",
    "malformed",
];

/// `decode_frame`, `decode_to_json` and `dump_frame` of `data` under every
/// map, strict and lenient: errors of a known kind with a bit offset inside
/// the input, JSON text that `json_ok` accepts, `dump_frame` agreeing with
/// `decode_frame`, decoded images decompressing without a panic, and a
/// decoded packet that the encoder accepts decoding again.
pub fn decode(data: &[u8], maps: &[VariantMap], json_ok: fn(&str) -> bool) {
    for map in maps {
        for opts in [DecodeOptions::STRICT, DecodeOptions::LENIENT] {
            let res = frame::decode_frame(data, map, opts);
            if let Err(e) = &res {
                assert!(KINDS.contains(&e.kind()), "untyped error {e:?}");
                assert!(e.bit_offset() <= data.len() * 8, "offset past input: {e:?}");
            }
            let text = frame::decode_to_json(data, map, opts);
            assert!(json_ok(&text), "invalid JSON {text}");
            let (dumped, entries) = frame::dump_frame(data, map, opts);
            assert_eq!(dumped, res, "dump_frame disagrees with decode_frame");
            let _ = frame::format_dump_table(&entries, None);
            if let Ok(Frame::Sensor(p)) = &res {
                assert!(p.packed_bytes() <= data.len());
                let _ = iotdata::json::to_json(p, map);
                for f in &p.fields {
                    if let FieldValue::Image(img) = &f.value {
                        let _ = img.decode_pixels();
                    }
                }
                if let Ok(bytes) = iotdata::encode(p, map) {
                    assert!(
                        iotdata::decode(&bytes, map, DecodeOptions::STRICT).is_ok(),
                        "re-encoded packet does not decode"
                    );
                }
            }
        }
    }
}

/// `encode_frame_json` of `data` (as UTF-8) under every map: JSON that is
/// accepted encodes to bytes that decode, and our JSON of those bytes
/// encodes to the same bytes.
pub fn encode_json(data: &[u8], maps: &[VariantMap]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    for map in maps {
        let Ok(bytes) = frame::encode_frame_json(text, map) else {
            continue;
        };
        let f = frame::decode_frame(&bytes, map, DecodeOptions::STRICT)
            .unwrap_or_else(|e| panic!("accepted JSON gave undecodable bytes: {e}"));
        let back = frame::frame_to_json(&f, map, DecodeOptions::STRICT);
        let again = frame::encode_frame_json(&back, map)
            .unwrap_or_else(|e| panic!("our JSON did not re-encode: {e}\n{back}"));
        assert_eq!(again, bytes, "{back}");
    }
}
