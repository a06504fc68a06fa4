//! Bytes -> `decode_frame`, `decode_to_json`, `dump_frame` under every map,
//! strict and lenient. Any panic is a bug; errors must carry a known kind.
#![no_main]

use iotdata::frame::{self, Frame};
use iotdata::DecodeOptions;
use libfuzzer_sys::fuzz_target;

mod common;

fuzz_target!(|data: &[u8]| {
    for map in common::MAPS.iter() {
        for opts in [DecodeOptions::STRICT, DecodeOptions::LENIENT] {
            let res = frame::decode_frame(data, map, opts);
            if let Err(e) = &res {
                assert!(
                    [
                        "short",
                        "truncated",
                        "variant_reserved",
                        "variant_unknown",
                        "malformed"
                    ]
                    .contains(&e.kind()),
                    "untyped error {e:?}"
                );
                assert!(e.bit_offset() <= data.len() * 8);
            }
            let text = frame::decode_to_json(data, map, opts);
            assert!(text.starts_with('{') && text.ends_with('}'));
            let (dumped, entries) = frame::dump_frame(data, map, opts);
            assert_eq!(dumped, res);
            let _ = frame::format_dump_table(&entries, None);
            if let Ok(Frame::Sensor(p)) = &res {
                assert!(p.packed_bytes() <= data.len());
                let _ = iotdata::json::to_json(p, map);
                for f in &p.fields {
                    if let iotdata::FieldValue::Image(img) = &f.value {
                        let _ = img.decode_pixels();
                    }
                }
                // What a conforming encoder accepts must decode again.
                if let Ok(bytes) = iotdata::encode(p, map) {
                    assert!(iotdata::decode(&bytes, map, DecodeOptions::STRICT).is_ok());
                }
            }
        }
    }
});
