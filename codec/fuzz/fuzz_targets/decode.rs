//! Bytes -> `decode_frame`, `decode_to_json`, `dump_frame` under every map,
//! strict and lenient. Any panic is a bug; errors must carry a known kind
//! (the checks are in `checks.rs`).
#![no_main]

use libfuzzer_sys::fuzz_target;

mod checks;
mod common;

fuzz_target!(|data: &[u8]| {
    checks::decode(data, &common::MAPS, |text| {
        text.starts_with('{') && text.ends_with('}')
    });
});
