//! Bytes as UTF-8 -> `encode_frame_json` under every map. Any panic is a
//! bug; accepted JSON must encode to bytes that decode, and our JSON of
//! those bytes must encode to the same bytes (the checks are in `checks.rs`).
#![no_main]

use libfuzzer_sys::fuzz_target;

mod checks;
mod common;

fuzz_target!(|data: &[u8]| {
    checks::encode_json(data, &common::MAPS);
});
