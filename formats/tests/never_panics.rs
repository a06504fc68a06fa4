//! Property tests: every decoder returns (a value or an error) on any input,
//! never panics, and stays within its bounds.
#![cfg(not(target_arch = "wasm32"))]

use iotdata_formats::{owntelemetry, rtl433, sideband, sti, value, KeyRing, MAX_QUANTITIES};
use proptest::prelude::*;

fn keys() -> KeyRing {
    let mut k = KeyRing::default();
    k.insert([1, 2, 3, 4, 5, 6, 7, 8], [0x42; 16]);
    k
}

/// Bytes that start like the format's payloads more often than random.
fn cbor_like() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        proptest::collection::vec(any::<u8>(), 0..256),
        proptest::collection::vec(any::<u8>(), 0..64).prop_map(|mut v| {
            v.insert(0, 0xa5);
            v
        }),
        proptest::collection::vec(any::<u8>(), 13..80).prop_map(|mut v| {
            v[1..9].copy_from_slice(&[1, 2, 3, 4, 5, 6, 7, 8]);
            v
        }),
    ]
}

fn json_like() -> impl Strategy<Value = String> {
    let key = prop_oneof![
        Just("i"),
        Just("t"),
        Just("d"),
        Just("x"),
        Just("h"),
        Just("p"),
        Just("time"),
        Just("model"),
        Just("id"),
        Just("channel"),
        Just("battery_ok"),
        Just("temperature_C"),
        Just("wind_avg_km_h"),
        Just("profile"),
        Just("type"),
        Just("mid"),
        Just("ack"),
    ];
    let val = prop_oneof![
        Just("\"0004a30b0021fbae\"".to_string()),
        Just("\"2023-04-17T23:21:08\"".to_string()),
        Just("[1, 2.5, \"x\", null]".to_string()),
        Just("{\"rssi\": -60, \"bp\": 3}".to_string()),
        any::<i64>().prop_map(|i| i.to_string()),
        any::<f64>().prop_map(|f| format!("{f:e}")),
        "[ -~]{0,20}".prop_map(|s| format!("{s:?}")),
    ];
    proptest::collection::vec((key, val), 0..8).prop_map(|kv| {
        let body: Vec<String> = kv.iter().map(|(k, v)| format!("\"{k}\": {v}")).collect();
        format!("{{{}}}", body.join(", "))
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn owntelemetry_never_panics(data in cbor_like()) {
        if let Ok(msgs) = owntelemetry::decode("ot/0102030405060708", &data, &keys()) {
            for m in msgs {
                prop_assert!(m.quantities.len() <= MAX_QUANTITIES);
            }
        }
        let _ = owntelemetry::decode("ot/0102030405060708/cmd", &data, &KeyRing::default());
    }

    #[test]
    fn cbor_and_msgpack_readers_never_panic(data in proptest::collection::vec(any::<u8>(), 0..512)) {
        let _ = value::read_cbor_exact(&data);
        let _ = value::read_msgpack_exact(&data);
    }

    #[test]
    fn sideband_never_panics(data in proptest::collection::vec(any::<u8>(), 0..256)) {
        let _ = sideband::decode("lxmf/telemetry/00112233", &data);
        let _ = sideband::decode("lxmf/telemetry/0011/location/latitude", &data);
        let mut b = sideband::Bridge::default();
        let _ = b.ingest("lxmf/telemetry/0011/battery/charge_percent", &data);
    }

    #[test]
    fn json_decoders_never_panic(json in json_like(), topic in "[a-z_/0-9]{0,30}") {
        let _ = sti::decode("ws/d/p/meteohelix", json.as_bytes());
        let _ = rtl433::decode("rtl_433/h/events", json.as_bytes());
        let _ = owntelemetry::decode("ot/0102030405060708", json.as_bytes(), &keys());
        let _ = iotdata_formats::decode(&topic, json.as_bytes(), &keys());
    }

    #[test]
    fn time_parser_never_panics(s in "[0-9TZ:. +-]{0,40}") {
        let _ = iotdata_formats::parse_time(&s);
    }

    #[test]
    fn fuzz_entry_never_panics(data in proptest::collection::vec(any::<u8>(), 0..256)) {
        iotdata_formats::fuzz_one(&data);
    }
}
