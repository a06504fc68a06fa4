//! Property tests: every decoder returns (a value or an error) on any input,
//! never panics, and stays within its bounds.
#![cfg(not(target_arch = "wasm32"))]

use iotdata_formats::{
    owntelemetry, rtl433, sideband, sti, value, Error, KeyRing, Message, MAX_QUANTITIES, MAX_TEXTS,
    MAX_TEXT_CHARS, MAX_WARNINGS,
};

/// What every decoded message keeps to, whatever the input.
fn bounded(r: Result<Vec<Message>, Error>) -> Result<(), TestCaseError> {
    for m in r.unwrap_or_default() {
        prop_assert!(m.quantities.len() <= MAX_QUANTITIES);
        prop_assert!(m.texts.len() <= MAX_TEXTS);
        prop_assert!(m.warnings.len() <= MAX_WARNINGS);
        prop_assert!(m.quantities.iter().all(|q| q.value.is_finite()));
        for t in &m.texts {
            prop_assert!(t.value.chars().count() <= MAX_TEXT_CHARS);
        }
        if let Some(p) = m.position {
            prop_assert!((-90.0..=90.0).contains(&p.lat) && (-180.0..=180.0).contains(&p.lon));
        }
    }
    Ok(())
}
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
        bounded(owntelemetry::decode("ot/0102030405060708", &data, &keys()))?;
        bounded(owntelemetry::decode("ot/0102030405060708/cmd", &data, &KeyRing::default()))?;
    }

    #[test]
    fn cbor_and_msgpack_readers_never_panic(data in proptest::collection::vec(any::<u8>(), 0..512)) {
        let _ = value::read_cbor_exact(&data);
        let _ = value::read_msgpack_exact(&data);
    }

    #[test]
    fn sideband_never_panics(data in proptest::collection::vec(any::<u8>(), 0..256)) {
        bounded(sideband::decode("lxmf/telemetry/00112233", &data))?;
        bounded(sideband::decode("lxmf/telemetry/0011/location/latitude", &data))?;
        let mut b = sideband::Bridge::default();
        bounded(b.ingest("lxmf/telemetry/0011/battery/charge_percent", &data).map(|m| vec![m]))?;
    }

    #[test]
    fn json_decoders_never_panic(json in json_like(), topic in "[a-z_/0-9]{0,30}") {
        bounded(sti::decode("ws/d/p/meteohelix", json.as_bytes()).map(|m| vec![m]))?;
        bounded(rtl433::decode("rtl_433/h/events", json.as_bytes()).map(|m| vec![m]))?;
        bounded(owntelemetry::decode("ot/0102030405060708", json.as_bytes(), &keys()))?;
        bounded(iotdata_formats::decode(&topic, json.as_bytes(), &keys()))?;
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
