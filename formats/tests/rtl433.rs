//! rtl_433 vectors built by hand from `rtl_433-data-format.txt`.

use iotdata_formats::{rtl433, Error, Format};

const TOPIC: &str = "rtl_433/pi4/events";

fn event(time: &str) -> String {
    format!(
        r#"{{"time": {time}, "model": "Acurite-5n1", "subtype": 49, "channel": "A",
        "id": 1234, "battery_ok": 1, "wind_avg_km_h": 10.8, "wind_dir_deg": 247.5,
        "rain_in": 0.5, "temperature_F": 68.0, "humidity": 52, "mic": "CHECKSUM",
        "rssi": -7.5, "snr": 22.25}}"#
    )
}

#[test]
fn event_with_default_local_time() {
    let m = rtl433::decode(TOPIC, event(r#""2024-01-15 10:30:00""#).as_bytes()).unwrap();
    assert_eq!(m.node.format, Format::Rtl433);
    assert_eq!(m.node.to_string(), "rtl433:Acurite-5n1/A/1234");
    assert_eq!(m.time_ms, Some(1_705_314_600_000));
    assert!(m.warnings.iter().any(|w| w.contains("no zone")));
    let t = m.quantity("temperature").unwrap();
    assert!((t.value - 20.0).abs() < 1e-9 && t.unit == "°C");
    let w = m.quantity("wind_speed").unwrap();
    assert!((w.value - 3.0).abs() < 1e-9 && w.unit == "m/s");
    assert_eq!(m.quantity("wind_direction").unwrap().value, 247.5);
    let r = m.quantity("rain").unwrap();
    assert!((r.value - 12.7).abs() < 1e-9 && r.unit == "mm");
    assert_eq!(m.quantity("humidity").unwrap().unit, "%");
    assert_eq!(m.battery.unwrap().percent, Some(100.0));
    assert_eq!(m.text("mic"), Some("CHECKSUM"));
    assert_eq!(m.text("subtype"), Some("49"));
    let radio = m.radio.unwrap();
    assert_eq!((radio.rssi_dbm, radio.snr_db), (Some(-7.5), Some(22.25)));
}

#[test]
fn event_with_iso_utc_and_offset_time() {
    let m = rtl433::decode(TOPIC, event(r#""2024-01-15T10:30:00Z""#).as_bytes()).unwrap();
    assert_eq!(m.time_ms, Some(1_705_314_600_000));
    assert!(m.warnings.is_empty(), "{:?}", m.warnings);
    let m = rtl433::decode(TOPIC, event(r#""2024-01-15T11:30:00+01:00""#).as_bytes()).unwrap();
    assert_eq!(m.time_ms, Some(1_705_314_600_000));
    let m = rtl433::decode(TOPIC, event(r#""2024-01-15 10:30:00.250000""#).as_bytes()).unwrap();
    assert_eq!(m.time_ms, Some(1_705_314_600_250));
}

#[test]
fn event_with_unix_time() {
    let m = rtl433::decode(TOPIC, event(r#""1705314600""#).as_bytes()).unwrap();
    assert_eq!(m.time_ms, Some(1_705_314_600_000));
    let m = rtl433::decode(TOPIC, event("1705314600.5").as_bytes()).unwrap();
    assert_eq!(m.time_ms, Some(1_705_314_600_500));
}

#[test]
fn tpms_pressure_and_battery_levels() {
    let e = br#"{"time":"2024-01-15 10:30:00","type":"TPMS","model":"Toyota","id":"0a1b2c3d",
        "pressure_kPa":230.0,"temperature_C":21.0,"battery_ok":0,"battery_mV":2900}"#;
    let m = rtl433::decode(TOPIC, e).unwrap();
    assert_eq!(m.node.id, "Toyota/0a1b2c3d");
    assert_eq!(m.quantity("pressure").unwrap().value, 2300.0);
    assert_eq!(m.quantity("pressure").unwrap().unit, "hPa");
    assert_eq!(m.battery.unwrap().percent, Some(0.0));
    assert_eq!(m.battery.unwrap().volts, Some(2.9));
    assert_eq!(m.text("type"), Some("TPMS"));
}

#[test]
fn per_field_device_topics() {
    let m = rtl433::decode(
        "rtl_433/pi4/devices/Acurite-5n1/A/1234/temperature_C",
        b"21.5",
    )
    .unwrap();
    assert_eq!(m.node.to_string(), "rtl433:Acurite-5n1/A/1234");
    assert_eq!(m.quantity("temperature").unwrap().value, 21.5);
    let m = rtl433::decode("rtl_433/pi4/devices/Acurite-5n1/A/1234/battery_ok", b"1").unwrap();
    assert_eq!(m.battery.unwrap().percent, Some(100.0));
    let m = rtl433::decode(
        "rtl_433/pi4/devices/Acurite-5n1/A/1234/time",
        b"2024-01-15T10:30:00Z",
    )
    .unwrap();
    assert_eq!(m.time_ms, Some(1_705_314_600_000));
    let m = rtl433::decode("rtl_433/pi4/devices/Acurite-5n1/49/A/1234/humidity", b"52").unwrap();
    assert_eq!(m.node.to_string(), "rtl433:Acurite-5n1/A/1234");
    assert_eq!(m.quantity("humidity").unwrap().unit, "%");
    let m = rtl433::decode(
        "rtl_433/pi4/devices/TPMS/Toyota/0a1b2c3d/pressure_kPa",
        b"230",
    )
    .unwrap();
    assert_eq!(m.node.id, "Toyota/0a1b2c3d");
}

#[test]
fn malformed_events_are_errors() {
    assert_eq!(
        rtl433::decode(TOPIC, br#"{"time":"2024-01-15 10:30:00"}"#),
        Err(Error::MissingField("model"))
    );
    assert!(matches!(
        rtl433::decode(TOPIC, br#"{"time":"yesterday","model":"X"}"#),
        Err(Error::BadTime(_))
    ));
    assert!(matches!(
        rtl433::decode(TOPIC, br#"{"time":"2024-13-15 10:30:00","model":"X"}"#),
        Err(Error::BadTime(_))
    ));
    assert!(matches!(
        rtl433::decode(TOPIC, b"{\"model\":"),
        Err(Error::Json(_))
    ));
    assert!(matches!(
        rtl433::decode("rtl_433/pi4/devices/temperature_C", b"1"),
        Err(Error::BadTopic(_))
    ));
    let m = rtl433::decode(TOPIC, br#"{"model":"X"}"#).unwrap();
    assert!(m.warnings.iter().any(|w| w.contains("no `time`")));
}

#[test]
fn conversion_overflow_is_a_warning_not_infinity() {
    let e = br#"{"time":"2024-01-15T10:30:00Z","model":"X","pressure_psi":1e308,"temperature_F":1e308}"#;
    let m = rtl433::decode(TOPIC, e).unwrap();
    assert!(m.quantity("pressure").is_none());
    assert!(m.quantities.iter().all(|q| q.value.is_finite()));
    assert!(m.warnings.iter().any(|w| w.contains("out of range")));
}
