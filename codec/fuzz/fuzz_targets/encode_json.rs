//! Bytes as UTF-8 -> `encode_frame_json` under every map. Any panic is a
//! bug; accepted JSON must encode to bytes that decode, and our JSON of
//! those bytes must encode to the same bytes.
#![no_main]

use iotdata::frame;
use iotdata::DecodeOptions;
use libfuzzer_sys::fuzz_target;

mod common;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    for map in common::MAPS.iter() {
        let Ok(bytes) = frame::encode_frame_json(text, map) else {
            continue;
        };
        let f = frame::decode_frame(&bytes, map, DecodeOptions::STRICT)
            .unwrap_or_else(|e| panic!("accepted JSON gave undecodable bytes: {e}"));
        let back = frame::frame_to_json(&f, map, DecodeOptions::STRICT);
        let again = frame::encode_frame_json(&back, map)
            .unwrap_or_else(|e| panic!("our own JSON did not re-encode: {e}\n{back}"));
        assert_eq!(again, bytes, "{back}");
    }
});
