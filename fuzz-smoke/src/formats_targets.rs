//! The `formats` target: every decoder of the `iotdata-formats` crate
//! (OwnTelemetry, STI compact JSON, Sideband, rtl_433) through its fuzz entry
//! point, on mutated seeds of each encoding and on random bytes.

use crate::corpus::Corpus;
use crate::rng::{mutate_bytes, Rng};

/// Longest generated input, bytes.
const MAX_INPUT: usize = 1024;

/// One seed per encoding; the first byte picks the topic in `fuzz_one`.
fn seeds() -> Vec<Vec<u8>> {
    let with_topic = |t: u8, body: &[u8]| {
        let mut v = vec![t];
        v.extend_from_slice(body);
        v
    };
    vec![
        // OwnTelemetry: a CBOR map {0: 1, 1: h'0102', 2: 21.5}.
        with_topic(0, &[0xa3, 0x00, 0x01, 0x01, 0x42, 0x01, 0x02, 0x02, 0xf9, 0x4d, 0x60]),
        // OwnTelemetry JSON debug form.
        with_topic(0, br#"{"p":1,"id":"0102030405060708","mid":7,"ts":1700000000,"f":{"1":21.5}}"#),
        // STI compact JSON.
        with_topic(
            2,
            br#"{"i":"0004A30B001C2D3E","t":"2024-01-01T00:00:00Z","d":[21.5,60,1013.2],"x":{"rssi":-90,"snr":7.5},"h":{"bv":3.6},"p":"00ff"}"#,
        ),
        // Sideband: a msgpack map {1: 1700000000, 7: 21.5}.
        with_topic(3, &[0x82, 0x01, 0xce, 0x65, 0x53, 0xf1, 0x00, 0x07, 0xca, 0x41, 0xac, 0x00, 0x00]),
        // Sideband bridge plain text.
        with_topic(4, b"59.334"),
        // rtl_433 event.
        with_topic(
            5,
            br#"{"time":"2024-01-01 12:00:00","model":"Acurite-5n1","channel":"A","id":1234,"battery_ok":1,"temperature_C":21.5,"humidity":60,"wind_avg_km_h":12.0}"#,
        ),
        // rtl_433 per-field device topic.
        with_topic(6, b"21.5"),
    ]
}

/// Generates a mutated seed, or (one time in eight) random bytes.
pub fn gen(rng: &mut Rng, _c: &Corpus) -> Vec<u8> {
    if rng.below(8) == 0 {
        let n = rng.size(MAX_INPUT);
        rng.bytes(n)
    } else {
        mutate_bytes(rng, &seeds(), MAX_INPUT)
    }
}

/// Runs every formats decoder on `data`.
pub fn run(data: &[u8], _c: &Corpus) {
    iotdata_formats::fuzz_one(data);
}
