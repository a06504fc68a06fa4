//! Format detection from topic and payload shape, and the `decode` front door.

use iotdata_formats::{decode, detect, Error, Format, KeyRing};

#[test]
fn detects_by_topic() {
    assert_eq!(
        detect("ot/0102030405060708", b""),
        Some(Format::OwnTelemetry)
    );
    assert_eq!(
        detect("ot/0102030405060708/cmd", b""),
        Some(Format::OwnTelemetry)
    );
    assert_eq!(detect("ws/d/GHA/x", b""), Some(Format::Sti));
    assert_eq!(
        detect("lxmf/telemetry/aa/location/latitude", b"1"),
        Some(Format::Sideband)
    );
    assert_eq!(detect("rtl_433/host/events", b"{}"), Some(Format::Rtl433));
    assert_eq!(detect("home/rtl_433/events", b"{}"), Some(Format::Rtl433));
    assert_eq!(detect("iotdata/abc", &[0x12, 0x34]), None);
}

#[test]
fn detects_by_payload_shape_on_other_topics() {
    assert_eq!(
        detect(
            "x",
            br#"{"time":"2024-01-15 10:30:00","model":"Acurite-5n1"}"#
        ),
        Some(Format::Rtl433)
    );
    assert_eq!(
        detect(
            "x",
            br#"{"i":"0004a30b0021fbae","t":"2023-04-17T23:21:08"}"#
        ),
        Some(Format::Sti)
    );
    assert_eq!(
        detect("x", br#"{"profile":3,"id":"a3f1c2b4d5e6f7a8","mid":1}"#),
        Some(Format::OwnTelemetry)
    );
    // CBOR map {0: 3, 1: h'0102030405060708'}
    let cbor = [0xa2, 0x00, 0x03, 0x01, 0x48, 1, 2, 3, 4, 5, 6, 7, 8];
    assert_eq!(detect("x", &cbor), Some(Format::OwnTelemetry));
    // MessagePack {1: 1700000000}
    let mp = [0x81, 0x01, 0xce, 0x65, 0x53, 0xf1, 0x00];
    assert_eq!(detect("x", &mp), Some(Format::Sideband));
    assert_eq!(detect("x", br#"{"temperature": 3}"#), None);
    assert_eq!(detect("x", b"hello"), None);
}

#[test]
fn decode_routes_and_bounds() {
    let keys = KeyRing::default();
    let msgs = decode(
        "rtl_433/h/events",
        br#"{"time":"2024-01-15T10:30:00Z","model":"Nexus-TH","id":7,"temperature_C":3.5}"#,
        &keys,
    )
    .unwrap();
    assert_eq!(msgs[0].node.to_string(), "rtl433:Nexus-TH/7");
    assert_eq!(msgs[0].node.format.kind(), "rtl_433");
    assert_eq!(decode("x/y", b"hello", &keys), Err(Error::NotRecognised));
    let big = vec![b' '; iotdata_formats::MAX_PAYLOAD_BYTES + 1];
    assert_eq!(
        decode("ot/0102030405060708", &big, &keys),
        Err(Error::PayloadTooLarge(big.len()))
    );
    let long = "a/".repeat(iotdata_formats::MAX_TOPIC_BYTES);
    assert_eq!(
        decode(&long, b"1", &keys),
        Err(Error::TopicTooLong(long.len()))
    );
}

#[test]
fn errors_read_as_sentences() {
    assert_eq!(
        Error::CrcMismatch {
            stated: 0x1234,
            computed: 0xabcd
        }
        .to_string(),
        "CRC mismatch: packet states 0x1234, content gives 0xabcd"
    );
    assert_eq!(
        Error::NoKey("a3f1c2b4d5e6f7a8".into()).to_string(),
        "encrypted packet from endpoint a3f1c2b4d5e6f7a8: no key for it in settings"
    );
}

#[test]
fn a_format_found_by_shape_decodes_on_any_topic() {
    let keys = KeyRing::default();
    let sti = decode(
        "gateway/up",
        br#"{"i":"0004a30b0021fbae","t":"2023-04-17T23:21:08","d":[1.5]}"#,
        &keys,
    )
    .unwrap();
    assert_eq!(sti[0].node.to_string(), "sti:0004A30B0021FBAE");
    assert_eq!(sti[0].text("project"), None);

    let ot = decode(
        "gateway/up",
        &[
            0xa5, 0x00, 0x03, 0x01, 0x48, 1, 2, 3, 4, 5, 6, 7, 8, 0x02, 0x01, 0x03, 0xf4, 0x04,
            0x02,
        ],
        &keys,
    )
    .unwrap();
    assert_eq!(ot[0].node.to_string(), "ot:0102030405060708");
    assert!(ot[0].warnings.iter().all(|w| !w.contains("topic names")));

    // A stream names its peers; a bare sensor map needs the topic's hash.
    let stream = [0x91, 0x93, 0xc4, 0x01, 0xab, 0x01, 0x81, 0x07, 0x05];
    let sb = decode("gateway/up", &stream, &keys).unwrap();
    assert_eq!(sb[0].node.to_string(), "lxmf:ab");
    assert_eq!(sb[0].quantity("temperature").unwrap().value, 5.0);
    let map = [0x81, 0x01, 0xce, 0x65, 0x53, 0xf1, 0x00];
    assert_eq!(
        decode("gateway/up", &map, &keys),
        Err(Error::MissingField("peer hash"))
    );
    assert_eq!(
        decode("lxmf/telemetry/CAFE", &map, &keys).unwrap()[0]
            .node
            .id,
        "cafe"
    );
}
