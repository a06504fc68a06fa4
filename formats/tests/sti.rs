//! STI compact-message vectors built from `sti-compact-json.txt` (the
//! MeteoHelix sample) and the STI decoders page's MeteoHelix order.

use iotdata_formats::{sti, Error, Format};

const TOPIC: &str = "ws/d/GHA/accra/legon/meteohelix";

const FULL: &str = r#"{
    "d": [18, 17.5, 18.5, 41.4, 100780, 0, 0],
    "h": {"bp": 58, "pv": 3.9},
    "i": "0004a30b0021fbae",
    "p": "652700019f3d60000008ff",
    "t": "2023-04-17T23:21:08",
    "x": {"b": 125, "c": "4/5", "f": 868100000, "i": "24e124fffef580c6",
          "rssi": -63, "s": 11, "snr": 9.8}
}"#;

#[test]
fn meteohelix_with_x_h_p() {
    let m = sti::decode(TOPIC, FULL.as_bytes()).unwrap();
    assert_eq!(m.node.format, Format::Sti);
    assert_eq!(m.node.to_string(), "sti:0004A30B0021FBAE");
    assert_eq!(m.time_ms, Some(1_681_773_668_000));
    assert_eq!(m.text("model"), Some("Barani MeteoHelix"));
    assert_eq!(m.text("project"), Some("GHA"));
    assert_eq!(m.text("subtopic"), Some("accra/legon/meteohelix"));
    assert_eq!(m.quantity("temperature").unwrap().value, 18.0);
    assert_eq!(m.quantity("temperature").unwrap().unit, "°C");
    assert_eq!(m.quantity("temperature_min").unwrap().value, 17.5);
    assert_eq!(m.quantity("temperature_max").unwrap().value, 18.5);
    assert_eq!(m.quantity("humidity").unwrap().value, 41.4);
    let p = m.quantity("pressure").unwrap();
    assert!((p.value - 1007.8).abs() < 1e-9 && p.unit == "hPa");
    assert_eq!(m.quantity("solar_irradiance").unwrap().unit, "W/m²");
    let b = m.battery.unwrap();
    assert_eq!((b.percent, b.volts), (Some(58.0), Some(3.9)));
    let r = m.radio.as_ref().unwrap();
    assert_eq!(r.rssi_dbm, Some(-63.0));
    assert_eq!(r.snr_db, Some(9.8));
    assert_eq!(r.gateway.as_deref(), Some("24e124fffef580c6"));
    assert_eq!(r.spreading_factor, Some(11));
    assert_eq!(r.coding_rate.as_deref(), Some("4/5"));
    assert_eq!(r.frequency_hz, Some(868_100_000.0));
    assert_eq!(r.bandwidth_khz, Some(125.0));
    assert_eq!(m.raw_hex.as_deref(), Some("652700019f3d60000008ff"));
    assert!(m.warnings.is_empty(), "{:?}", m.warnings);
}

#[test]
fn other_model_without_x_h_p() {
    let msg = br#"{"i": "0004A30B001C2D3E", "t": "2023-04-17T23:21:08", "d": [1.5, 2, "on"]}"#;
    let m = sti::decode("ws/d/test/region/station/rain", msg).unwrap();
    assert_eq!(m.node.to_string(), "sti:0004A30B001C2D3E");
    assert_eq!(m.text("model"), None);
    assert_eq!(m.quantity("d[0]").unwrap().value, 1.5);
    assert_eq!(m.quantity("d[1]").unwrap().value, 2.0);
    assert_eq!(m.text("d[2]"), Some("on"));
    assert_eq!(
        (m.radio.as_ref(), m.battery, m.raw_hex.as_ref()),
        (None, None, None)
    );
}

#[test]
fn almost_empty_message_is_valid() {
    let m = sti::decode(
        "ws/d/test",
        br#"{"i": "0004a30b0021fbae", "t": "2023-04-17T23:21:08"}"#,
    )
    .unwrap();
    assert!(m.quantities.is_empty());
    let m = sti::decode(
        "ws/j/test/x",
        br#"{"i": "0004a30b0021fbae", "t": "2023-04-17T23:21:08"}"#,
    )
    .unwrap();
    assert_eq!(m.text("action"), Some("join"));
}

#[test]
fn malformed_messages_are_errors() {
    assert_eq!(
        sti::decode(TOPIC, br#"{"t": "2023-04-17T23:21:08"}"#),
        Err(Error::MissingField("i"))
    );
    assert_eq!(
        sti::decode(TOPIC, br#"{"i": "0004a30b0021fbae"}"#),
        Err(Error::MissingField("t"))
    );
    assert!(matches!(
        sti::decode(TOPIC, br#"{"i": "xyz", "t": "2023-04-17T23:21:08"}"#),
        Err(Error::BadField { .. })
    ));
    assert!(matches!(
        sti::decode(TOPIC, br#"{"i": "0004a30b0021fbae", "t": "noon"}"#),
        Err(Error::BadTime(_))
    ));
    assert!(matches!(
        sti::decode("ws/c/0004a30b0021fbae/crd", FULL.as_bytes()),
        Err(Error::BadTopic(_))
    ));
    assert!(matches!(
        sti::decode(TOPIC, b"[1,2]"),
        Err(Error::BadField { .. })
    ));
    let m = sti::decode(
        TOPIC,
        br#"{"i": "0004a30b0021fbae", "t": "2023-04-17T23:21:08", "p": "zz", "x": 3}"#,
    )
    .unwrap();
    assert_eq!(m.raw_hex, None);
    assert_eq!(m.warnings.len(), 2, "{:?}", m.warnings);
}
