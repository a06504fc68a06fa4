//! OwnTelemetry vectors built by hand from the booklet and the published
//! profile schemas (mirhunter/owntelemetry, CC0).

use iotdata_formats::owntelemetry::{self, crc16_ccitt, xor_keystream, Dedup};
use iotdata_formats::{Direction, Error, Format, KeyRing, Message, Presence};
use minicbor::Encoder;

const ID: [u8; 8] = [0xa3, 0xf1, 0xc2, 0xb4, 0xd5, 0xe6, 0xf7, 0xa8];
const ID_HEX: &str = "a3f1c2b4d5e6f7a8";
const TOPIC: &str = "ot/a3f1c2b4d5e6f7a8";
const KEY: [u8; 16] = [
    0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff,
];

#[derive(Clone)]
enum V {
    U(u64),
    I(i64),
    F(f32),
    B(bool),
    Bytes(Vec<u8>),
    S(&'static str),
    Arr(Vec<u8>),
    /// A uint16 written in three bytes (0x19 hi lo), whatever its value.
    U16Wide(u16),
}
use V::*;

fn cbor(fields: &[(u8, V)]) -> Vec<u8> {
    let mut e = Encoder::new(Vec::new());
    e.map(fields.len() as u64).unwrap();
    for (k, v) in fields {
        e.u8(*k).unwrap();
        match v {
            U(x) => e.u64(*x).map(|_| ()).unwrap(),
            I(x) => e.i64(*x).map(|_| ()).unwrap(),
            F(x) => e.f32(*x).map(|_| ()).unwrap(),
            B(x) => e.bool(*x).map(|_| ()).unwrap(),
            Bytes(x) => e.bytes(x).map(|_| ()).unwrap(),
            S(x) => e.str(x).map(|_| ()).unwrap(),
            Arr(xs) => {
                e.array(xs.len() as u64).unwrap();
                for x in xs {
                    e.u8(*x).unwrap();
                }
            }
            U16Wide(x) => {
                let [hi, lo] = x.to_be_bytes();
                e.writer_mut().extend_from_slice(&[0x19, hi, lo]);
            }
        }
    }
    e.into_writer()
}

/// An uplink packet: the common header, then `fields`.
fn uplink(profile: u8, ty: u8, mid: u8, fields: &[(u8, V)]) -> Vec<u8> {
    let mut all = vec![
        (0, U(u64::from(profile))),
        (1, Bytes(ID.to_vec())),
        (2, U(u64::from(mid))),
        (3, B(false)),
        (4, U(u64::from(ty))),
    ];
    all.extend_from_slice(fields);
    cbor(&all)
}

/// A profile 3 (basic weather station) reading: timestamp, then temperature,
/// humidity, pressure and battery level.
fn weather_reading(mid: u8, timestamp: u64, [t, h, p, b]: [f32; 4]) -> Vec<u8> {
    uplink(
        3,
        1,
        mid,
        &[
            (5, U(timestamp)),
            (6, F(t)),
            (7, F(h)),
            (8, F(p)),
            (9, F(b)),
        ],
    )
}

/// A key ring holding [`KEY`] for [`ID`].
fn keys() -> KeyRing {
    let mut keys = KeyRing::default();
    assert!(keys.insert(ID, KEY));
    keys
}

/// An uplink packet of a CRC profile: CRC over the packet with crc = 0.
fn uplink_crc(profile: u8, ty: u8, fields: &[(u8, V)], crc_key: u8) -> (Vec<u8>, u16) {
    let mut with_zero = fields.to_vec();
    with_zero.push((crc_key, U(0)));
    let crc = crc16_ccitt(&uplink(profile, ty, 1, &with_zero));
    let mut with_crc = fields.to_vec();
    with_crc.push((crc_key, U(u64::from(crc))));
    (uplink(profile, ty, 1, &with_crc), crc)
}

fn one(topic: &str, payload: &[u8]) -> Message {
    let mut msgs = owntelemetry::decode(topic, payload, &KeyRing::default()).expect("decodes");
    assert_eq!(msgs.len(), 1);
    msgs.pop().unwrap()
}

fn q(m: &Message, key: &str) -> (f64, &'static str) {
    let q = m
        .quantity(key)
        .unwrap_or_else(|| panic!("no {key} in {m:?}"));
    (q.value, q.unit)
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-3
}

fn encrypt(profile: u8, nonce: u32, clear: &[u8], key: &[u8; 16], crc: bool) -> Vec<u8> {
    let mut frame = vec![profile];
    frame.extend_from_slice(&ID);
    frame.extend_from_slice(&nonce.to_be_bytes());
    let mut body = clear.to_vec();
    xor_keystream(&mut body, key, nonce);
    frame.extend_from_slice(&body);
    if crc {
        let c = crc16_ccitt(&frame);
        frame.extend_from_slice(&c.to_be_bytes());
    }
    frame
}

#[test]
fn profile_0_birth_is_online() {
    let p = uplink(
        0,
        1,
        0,
        &[(5, Arr(vec![0, 51])), (6, S("1.2.0")), (7, U(30))],
    );
    let m = one(TOPIC, &p);
    assert_eq!(m.node.format, Format::OwnTelemetry);
    assert_eq!(m.node.to_string(), format!("ot:{ID_HEX}"));
    assert_eq!(m.presence, Some(Presence::Online));
    assert_eq!(m.text("profiles"), Some("[0, 51]"));
    assert_eq!(m.text("firmware"), Some("1.2.0"));
    assert_eq!(q(&m, "interval"), (30.0, "s"));
    let h = m.ot.as_ref().unwrap();
    assert_eq!(
        (h.profile, h.packet_type, h.type_name),
        (0, 1, Some("birth"))
    );
    assert!(m.warnings.is_empty(), "{:?}", m.warnings);
}

#[test]
fn profile_0_will_is_offline_with_reason() {
    let m = one(TOPIC, &uplink(0, 2, 9, &[(5, U(1)), (6, U(1_622_547_800))]));
    assert_eq!(m.presence, Some(Presence::Offline));
    assert_eq!(m.text("reason"), Some("shutdown"));
    assert_eq!(m.time_ms, Some(1_622_547_800_000));
}

#[test]
fn profile_0_pong_and_command_ack() {
    let m = one(TOPIC, &uplink(0, 4, 3, &[(5, U(7))]));
    assert_eq!(m.text("ping_mid"), Some("7"));
    let m = one(TOPIC, &uplink(0, 6, 4, &[(5, U(12)), (6, U(3))]));
    assert_eq!(m.text("status"), Some("unknown_command"));
    assert_eq!(m.ot.unwrap().type_name, Some("command_ack"));
}

#[test]
fn profile_0_downlinks_on_cmd_topic() {
    let ping = cbor(&[(0, U(0)), (1, Bytes(ID.to_vec())), (2, U(5)), (3, U(3))]);
    let m = one(&format!("{TOPIC}/cmd"), &ping);
    assert_eq!(m.direction, Direction::Downlink);
    assert_eq!(m.ot.as_ref().unwrap().type_name, Some("ping"));

    let cmd = cbor(&[
        (0, U(0)),
        (1, Bytes(ID.to_vec())),
        (2, U(6)),
        (3, U(5)),
        (4, U(1)),
        (5, Bytes(vec![0, 60])),
    ]);
    let m = one(&format!("{TOPIC}/cmd"), &cmd);
    assert_eq!(m.text("command_code"), Some("set_interval"));

    // A provisioned key is never shown, only its length.
    let prov = cbor(&[
        (0, U(0)),
        (1, Bytes(ID.to_vec())),
        (2, U(7)),
        (3, U(7)),
        (4, U(1)),
        (5, Bytes(KEY.to_vec())),
    ]);
    let m = one(&format!("{TOPIC}/cmd"), &prov);
    assert_eq!(m.text("data"), Some("16 bytes"));
    assert_eq!(m.text("provision_code"), Some("set_key"));
}

#[test]
fn server_ack_is_a_downlink() {
    let ack = cbor(&[
        (0, U(3)),
        (1, Bytes(ID.to_vec())),
        (2, U(17)),
        (3, U(1_622_547_800)),
        (4, U(1)),
    ]);
    let m = one(&format!("{TOPIC}/cmd"), &ack);
    assert_eq!(m.direction, Direction::Downlink);
    assert_eq!(m.text("status"), Some("accepted"));
    assert_eq!(m.text("ack_timestamp"), Some("1622547800"));
}

#[test]
fn profile_1_location_3d_fix() {
    let p = uplink(
        1,
        1,
        17,
        &[
            (5, U(1_622_547_800)),
            (6, U(2)),
            (7, F(45.678)),
            (8, F(-123.456)),
            (9, F(85.0)),
            (10, F(3.2)),
        ],
    );
    let m = one(TOPIC, &p);
    let pos = m.position.expect("position");
    assert!(close(pos.lat, 45.678) && close(pos.lon, -123.456));
    assert_eq!(pos.alt_m, Some(85.0));
    assert!(close(pos.accuracy_m.unwrap(), 3.2));
    assert_eq!(m.text("fix"), Some("fix_3d"));
    assert_eq!(m.time_ms, Some(1_622_547_800_000));
}

#[test]
fn profile_1_no_fix_has_no_position() {
    let m = one(TOPIC, &uplink(1, 1, 1, &[(5, U(1)), (6, U(0))]));
    assert_eq!(m.position, None);
    assert_eq!(m.text("fix"), Some("no_fix"));
    assert!(m.warnings.is_empty());
}

#[test]
fn profile_2_fleet_location_and_event() {
    let p = uplink(
        2,
        1,
        17,
        &[
            (5, U(1_622_547_800)),
            (6, U(2)),
            (7, F(45.678)),
            (8, F(-123.456)),
            (9, F(85.0)),
            (10, F(3.2)),
            (11, F(88.5)),
            (12, F(274.3)),
            (13, U(9)),
            (14, F(1.2)),
            (15, B(true)),
            (16, B(true)),
            (17, U(142_300)),
            (18, U(2100)),
            (19, F(63.4)),
            (20, F(91.0)),
            (21, F(14.2)),
        ],
    );
    let m = one(TOPIC, &p);
    let (speed, unit) = q(&m, "speed");
    assert!(close(speed, 88.5 / 3.6) && unit == "m/s");
    assert_eq!(q(&m, "odometer"), (142_300.0, "km"));
    assert_eq!(q(&m, "engine_temperature"), (91.0, "°C"));
    assert!(close(m.battery.unwrap().volts.unwrap(), 14.2));
    assert_eq!(m.text("ignition"), Some("true"));

    let ev = uplink(
        2,
        2,
        18,
        &[
            (5, U(2)),
            (6, U(1_622_547_923)),
            (7, U(2)),
            (8, F(45.681)),
            (9, F(-123.46)),
            (10, F(85.0)),
            (11, F(72.1)),
            (12, F(271.8)),
            (13, I(-83)),
        ],
    );
    let m = one(TOPIC, &ev);
    assert_eq!(m.text("event_code"), Some("harsh_brake"));
    assert_eq!(q(&m, "signal"), (-83.0, "dBm"));
    assert_eq!(m.position.unwrap().alt_m, Some(85.0));
}

#[test]
fn profile_3_basic_weather_and_alert() {
    let p = weather_reading(1, 1_622_547_800, [21.5, 58.0, 1015.5, 91.0]);
    let m = one(TOPIC, &p);
    assert_eq!(q(&m, "temperature"), (21.5, "°C"));
    assert_eq!(q(&m, "humidity"), (58.0, "%"));
    assert_eq!(q(&m, "pressure"), (1015.5, "hPa"));
    assert_eq!(m.battery.unwrap().percent, Some(91.0));
    let m = one(
        TOPIC,
        &uplink(3, 2, 2, &[(5, U(7)), (6, U(1)), (7, F(9.5))]),
    );
    assert_eq!(m.text("event_code"), Some("low_battery"));
    assert_eq!(q(&m, "value"), (9.5, ""));
}

#[test]
fn profile_4_advanced_weather_converts_km_h() {
    let p = uplink(
        4,
        1,
        31,
        &[
            (5, U(1_622_547_800)),
            (6, F(21.25)),
            (7, F(58.5)),
            (8, F(1015.5)),
            (10, F(14.5)),
            (11, F(232.0)),
            (12, F(22.0)),
            (13, F(0.0)),
            (14, F(0.0)),
            (15, F(4.25)),
            (16, F(612.0)),
            (18, F(91.0)),
        ],
    );
    let m = one(TOPIC, &p);
    let (ws, unit) = q(&m, "wind_speed");
    assert!(close(ws, 14.5 / 3.6) && unit == "m/s");
    assert!(close(q(&m, "wind_gust").0, 22.0 / 3.6));
    assert_eq!(q(&m, "wind_direction"), (232.0, "°"));
    assert_eq!(q(&m, "rain"), (0.0, "mm"));
    assert_eq!(q(&m, "rain_rate"), (0.0, "mm/h"));
    assert_eq!(q(&m, "solar_ultraviolet"), (4.25, ""));
    assert_eq!(q(&m, "solar_irradiance"), (612.0, "W/m²"));
    assert!(m.quantity("dew_point").is_none());
    assert!(m.warnings.is_empty(), "{:?}", m.warnings);
}

#[test]
fn profile_5_asset_tracker() {
    let p = uplink(
        5,
        1,
        1,
        &[
            (5, U(1)),
            (6, U(1)),
            (7, F(-33.5)),
            (8, F(151.25)),
            (9, F(77.0)),
            (10, B(false)),
            (11, F(5.0)),
        ],
    );
    let m = one(TOPIC, &p);
    let pos = m.position.unwrap();
    assert_eq!(
        (pos.lat, pos.lon, pos.accuracy_m),
        (-33.5, 151.25, Some(5.0))
    );
    assert_eq!(m.battery.unwrap().percent, Some(77.0));
    let m = one(TOPIC, &uplink(5, 2, 2, &[(5, U(4)), (6, U(1))]));
    assert_eq!(m.text("event_code"), Some("geofence_exit"));
}

#[test]
fn profile_6_air_quality() {
    let p = uplink(
        6,
        1,
        22,
        &[
            (5, U(1)),
            (6, U(842)),
            (7, F(12.5)),
            (8, F(18.0)),
            (9, U(210)),
            (12, U(52)),
        ],
    );
    let m = one(TOPIC, &p);
    assert_eq!(q(&m, "co2"), (842.0, "ppm"));
    assert_eq!(q(&m, "pm2_5"), (12.5, "µg/m³"));
    assert_eq!(q(&m, "voc"), (210.0, "ppb"));
    assert_eq!(q(&m, "air_quality_index"), (52.0, ""));
}

#[test]
fn profile_7_power_and_valueless_alert() {
    let p = uplink(
        7,
        1,
        5,
        &[
            (5, U(1)),
            (6, F(241.5)),
            (7, F(4.75)),
            (8, F(1063.0)),
            (9, F(142.5)),
            (11, F(50.0)),
        ],
    );
    let m = one(TOPIC, &p);
    assert_eq!(q(&m, "voltage"), (241.5, "V"));
    assert_eq!(q(&m, "current"), (4.75, "A"));
    assert_eq!(q(&m, "power"), (1063.0, "W"));
    assert_eq!(q(&m, "energy"), (142.5, "kWh"));
    assert_eq!(q(&m, "frequency"), (50.0, "Hz"));
    let m = one(TOPIC, &uplink(7, 2, 6, &[(5, U(5)), (6, U(1))]));
    assert_eq!(m.text("event_code"), Some("power_lost"));
    assert!(m.warnings.is_empty(), "{:?}", m.warnings);
}

#[test]
fn profile_8_marine_converts_knots() {
    let p = uplink(
        8,
        1,
        31,
        &[
            (5, U(1)),
            (6, U(2)),
            (7, F(50.8125)),
            (8, F(-1.125)),
            (9, F(5.5)),
            (10, F(182.0)),
            (12, F(8.25)),
            (13, F(12.0)),
        ],
    );
    let m = one(TOPIC, &p);
    assert!(close(q(&m, "speed_over_ground").0, 5.5 * 0.514_444));
    assert!(close(q(&m, "wind_speed").0, 12.0 * 0.514_444));
    assert_eq!(q(&m, "depth"), (8.25, "m"));
    assert_eq!(m.position.unwrap().lon, -1.125);
}

#[test]
fn profile_9_soil() {
    let p = uplink(
        9,
        1,
        8,
        &[
            (5, U(1)),
            (6, F(34.25)),
            (7, F(18.5)),
            (9, F(6.75)),
            (10, F(21.0)),
            (12, F(28_400.0)),
        ],
    );
    let m = one(TOPIC, &p);
    assert_eq!(q(&m, "soil_moisture"), (34.25, "%"));
    assert_eq!(q(&m, "soil_temperature"), (18.5, "°C"));
    assert_eq!(q(&m, "soil_ph"), (6.75, "pH"));
    assert_eq!(q(&m, "temperature"), (21.0, "°C"));
    assert_eq!(q(&m, "illuminance"), (28_400.0, "lx"));
}

#[test]
fn profile_10_doorbell() {
    let m = one(TOPIC, &uplink(10, 1, 1, &[(5, U(1)), (6, B(true))]));
    assert_eq!(m.text("camera"), Some("true"));
    let chunk = uplink(
        10,
        2,
        2,
        &[
            (5, U(1)),
            (6, U(1)),
            (7, U(0)),
            (8, U(3)),
            (9, Bytes(vec![0xff, 0xd8, 0xff])),
            (10, U(1)),
        ],
    );
    let m = one(TOPIC, &chunk);
    assert_eq!(m.text("data"), Some("3 bytes"));
    assert_eq!(m.text("format"), Some("jpeg"));
}

#[test]
fn profile_51_server_health() {
    let p = uplink(
        51,
        1,
        3,
        &[
            (5, U(1_622_547_800)),
            (6, F(23.5)),
            (7, F(51.0)),
            (8, F(0.75)),
            (9, F(0.5)),
            (10, F(0.25)),
            (11, F(61.25)),
            (12, F(4.0)),
            (13, F(43.75)),
            (14, U(1240)),
            (15, U(380)),
            (16, U(1_728_000)),
            (17, U(214)),
        ],
    );
    let m = one(TOPIC, &p);
    assert_eq!(q(&m, "cpu_load"), (23.5, "%"));
    assert_eq!(q(&m, "cpu_temperature"), (51.0, "°C"));
    assert_eq!(q(&m, "net_rx"), (1240.0, "kB/s"));
    assert_eq!(q(&m, "uptime"), (1_728_000.0, "s"));
    assert_eq!(q(&m, "processes"), (214.0, ""));
    assert!(m.warnings.is_empty(), "{:?}", m.warnings);
}

fn rocket_status() -> Vec<(u8, V)> {
    vec![
        (5, U(1_622_547_600)),
        (6, F(35.375)),
        (7, F(-117.8125)),
        (8, F(0.0)),
        (9, F(8.25)),
        (10, B(false)),
        (11, B(true)),
        (12, B(true)),
        (13, F(28.0)),
        (14, I(-72)),
    ]
}

#[test]
fn profile_52_status_with_valid_crc() {
    let (p, _) = uplink_crc(52, 1, &rocket_status(), 15);
    let m = one(TOPIC, &p);
    assert_eq!(m.radio.as_ref().unwrap().rssi_dbm, Some(-72.0));
    assert_eq!(m.battery.unwrap().volts, Some(8.25));
    assert_eq!(m.position.unwrap().lat, 35.375);
    assert_eq!(q(&m, "altitude"), (0.0, "m"));
    assert_eq!(m.text("pyro_1"), Some("true"));
}

#[test]
fn profile_52_crc_written_at_its_own_width_is_accepted() {
    let mut zero = rocket_status();
    zero.push((15, U16Wide(0)));
    let crc = crc16_ccitt(&uplink(52, 1, 1, &zero));
    let mut with = rocket_status();
    with.push((15, U16Wide(crc)));
    assert!(owntelemetry::decode(TOPIC, &uplink(52, 1, 1, &with), &KeyRing::default()).is_ok());
}

#[test]
fn profile_52_flight_microseconds_and_event() {
    let fields = vec![
        (5, U(1_622_547_613_000_000)),
        (6, F(287.5)),
        (7, F(48.25)),
        (8, F(0.25)),
        (9, F(0.125)),
        (10, F(24.75)),
        (11, F(2.0)),
        (12, F(0.5)),
        (13, F(0.25)),
        (14, F(977.25)),
        (15, F(14.5)),
        (18, I(-89)),
    ];
    let (p, _) = uplink_crc(52, 2, &fields, 19);
    let m = one(TOPIC, &p);
    assert_eq!(m.time_ms, Some(1_622_547_613_000));
    assert_eq!(
        m.ot.as_ref().unwrap().timestamp,
        Some(1_622_547_613_000_000)
    );
    assert_eq!(q(&m, "acceleration_z"), (24.75, "m/s²"));
    assert_eq!(q(&m, "roll_rate"), (2.0, "°/s"));
    assert_eq!(q(&m, "pressure"), (977.25, "hPa"));
    assert_eq!(m.position, None);

    let ev = vec![
        (5, U(3)),
        (6, U(1_622_547_619_000_000)),
        (7, F(612.75)),
        (8, F(0.125)),
        (9, I(-91)),
    ];
    let (p, _) = uplink_crc(52, 3, &ev, 10);
    let m = one(TOPIC, &p);
    assert_eq!(m.text("event_code"), Some("apogee"));
}

#[test]
fn wrong_crc_is_an_error() {
    let (mut p, crc) = uplink_crc(52, 1, &rocket_status(), 15);
    // Damage one data byte: the stated CRC no longer matches.
    let at = p.len() / 2;
    p[at] ^= 0x01;
    match owntelemetry::decode(TOPIC, &p, &KeyRing::default()) {
        Err(Error::CrcMismatch { stated, .. }) => assert_eq!(stated, crc),
        Err(Error::Cbor(_)) => {}
        other => panic!("expected a CRC mismatch, got {other:?}"),
    }
    // A valid packet with a wrong stated CRC.
    let mut fields = rocket_status();
    fields.push((15, U(0x1234)));
    let p = uplink(52, 1, 1, &fields);
    assert!(matches!(
        owntelemetry::decode(TOPIC, &p, &KeyRing::default()),
        Err(Error::CrcMismatch { stated: 0x1234, .. })
    ));
}

#[test]
fn encrypted_packet_decrypts_with_its_key() {
    let clear = weather_reading(1, 1_622_547_800, [21.5, 58.0, 1015.5, 91.0]);
    let frame = encrypt(3, 1_622_547_800, &clear, &KEY, false);
    let keys = keys();
    let msgs = owntelemetry::decode(TOPIC, &frame, &keys).unwrap();
    assert_eq!(msgs.len(), 1);
    assert!(msgs[0].ot.as_ref().unwrap().encrypted);
    assert_eq!(msgs[0].quantity("temperature").unwrap().value, 21.5);

    // The same via hex keys, as entered in settings.
    let mut hex_keys = KeyRing::default();
    hex_keys
        .insert_hex(ID_HEX, "00112233445566778899aabbccddeeff")
        .unwrap();
    assert_eq!(
        owntelemetry::decode(TOPIC, &frame, &hex_keys).unwrap(),
        msgs
    );
}

#[test]
fn encrypted_packet_without_or_with_wrong_key() {
    let clear = weather_reading(1, 7, [21.5, 58.0, 1015.5, 91.0]);
    let frame = encrypt(3, 7, &clear, &KEY, false);
    assert_eq!(
        owntelemetry::decode(TOPIC, &frame, &KeyRing::default()),
        Err(Error::NoKey(ID_HEX.into()))
    );
    let mut wrong = KeyRing::default();
    wrong.insert(ID, [0x5a; 16]);
    assert_eq!(
        owntelemetry::decode(TOPIC, &frame, &wrong),
        Err(Error::WrongKey(ID_HEX.into()))
    );
}

#[test]
fn encrypted_with_crc_checks_the_frame() {
    let mut fields = rocket_status();
    fields.push((15, U(0)));
    let clear = uplink(52, 1, 1, &fields);
    let frame = encrypt(52, 1_622_547_600, &clear, &KEY, true);
    let keys = keys();
    let m = owntelemetry::decode(TOPIC, &frame, &keys).unwrap();
    assert!(m[0].ot.as_ref().unwrap().encrypted);
    assert_eq!(m[0].battery.unwrap().volts, Some(8.25));

    let mut bad = frame.clone();
    bad[20] ^= 0x80;
    assert!(matches!(
        owntelemetry::decode(TOPIC, &bad, &keys),
        Err(Error::CrcMismatch { .. })
    ));
}

#[test]
fn encrypted_frame_id_must_match_inner_id() {
    let other = cbor(&[
        (0, U(3)),
        (1, Bytes(vec![9; 8])),
        (2, U(1)),
        (3, B(false)),
        (4, U(1)),
    ]);
    let frame = encrypt(3, 1, &other, &KEY, false);
    let keys = keys();
    assert!(matches!(
        owntelemetry::decode(TOPIC, &frame, &keys),
        Err(Error::IdMismatch { .. })
    ));
    assert_eq!(
        owntelemetry::decode(TOPIC, &frame[..10], &keys),
        Err(Error::FrameTooShort(10))
    );
}

fn batch(count: u64, packets: &[Vec<u8>], ty: u8) -> Vec<u8> {
    let mut e = Encoder::new(Vec::new());
    e.map(7).unwrap();
    e.u8(0).unwrap().u8(3).unwrap();
    e.u8(1).unwrap().bytes(&ID).unwrap();
    e.u8(2).unwrap().u8(40).unwrap();
    e.u8(3).unwrap().bool(true).unwrap();
    e.u8(4).unwrap().u8(ty).unwrap();
    e.u8(5).unwrap().u64(count).unwrap();
    e.u8(6).unwrap().array(packets.len() as u64).unwrap();
    for p in packets {
        e.bytes(p).unwrap();
    }
    e.into_writer()
}

#[test]
fn batch_gives_one_message_per_packet() {
    let a = weather_reading(1, 100, [20.0, 50.0, 1000.0, 90.0]);
    let b = weather_reading(2, 160, [21.0, 51.0, 1001.0, 89.0]);
    let msgs =
        owntelemetry::decode(TOPIC, &batch(2, &[a.clone(), b], 255), &KeyRing::default()).unwrap();
    assert_eq!(msgs.len(), 2);
    assert_eq!(msgs[0].time_ms, Some(100_000));
    assert_eq!(msgs[1].quantity("temperature").unwrap().value, 21.0);
    assert_eq!(msgs[1].ot.as_ref().unwrap().mid, 2);

    assert_eq!(
        owntelemetry::decode(
            TOPIC,
            &batch(3, std::slice::from_ref(&a), 255),
            &KeyRing::default()
        ),
        Err(Error::BatchCount {
            stated: 3,
            actual: 1
        })
    );
    let nested = batch(1, &[a], 255);
    assert_eq!(
        owntelemetry::decode(TOPIC, &batch(1, &[nested], 255), &KeyRing::default()),
        Err(Error::NestedBatch)
    );
}

#[test]
fn truncated_cbor_is_an_error() {
    let p = weather_reading(1, 100, [20.0, 50.0, 1000.0, 90.0]);
    for cut in 1..p.len() {
        let r = owntelemetry::decode(TOPIC, &p[..cut], &KeyRing::default());
        assert!(
            matches!(
                r,
                Err(Error::Cbor(_)) | Err(Error::FrameTooShort(_)) | Err(Error::NoKey(_))
            ),
            "cut at {cut}: {r:?}"
        );
    }
    assert!(matches!(
        owntelemetry::decode(TOPIC, &p[..p.len() - 3], &KeyRing::default()),
        Err(Error::Cbor(_))
    ));
}

#[test]
fn unknown_profile_shows_header_and_numeric_keys() {
    let p = uplink(200, 1, 9, &[(5, U(123)), (6, F(1.5)), (9, S("x"))]);
    let m = one(TOPIC, &p);
    let h = m.ot.as_ref().unwrap();
    assert_eq!(
        (h.profile, h.packet_type, h.mid, h.profile_name),
        (200, 1, 9, None)
    );
    assert_eq!(m.text("5"), Some("123"));
    assert_eq!(m.text("6"), Some("1.5"));
    assert_eq!(m.text("9"), Some("\"x\""));
    assert!(m.warnings.iter().any(|w| w.contains("unknown profile 200")));
}

#[test]
fn json_debug_form() {
    let json = br#"{"profile": 4, "id": "a3f1c2b4d5e6f7a8", "mid": 31, "ack": false,
        "type": 1, "timestamp": 1622547800, "temperature": 21.3, "humidity": 58.4,
        "pressure": 1015.6, "wind_speed": 14.5, "wind_direction": 232.0,
        "wind_gust": 22.1, "rainfall": 0.0, "rainfall_rate": 0.0, "uv_index": 4.2,
        "solar_radiation": 612.0, "visibility": null, "battery_level": 91.0, "extra": 1}"#;
    let m = one(TOPIC, json);
    assert!(m.ot.as_ref().unwrap().json);
    assert_eq!(m.quantity("temperature").unwrap().value, 21.3);
    assert_eq!(m.quantity("pressure").unwrap().value, 1015.6);
    assert_eq!(m.time_ms, Some(1_622_547_800_000));
    assert_eq!(m.text("extra"), Some("1"));
    assert!(m.warnings.iter().any(|w| w.contains("JSON")));
}

#[test]
fn topic_mismatch_warns_and_bad_topic_fails() {
    let p = uplink(3, 2, 2, &[(5, U(7)), (6, U(1)), (7, F(9.5))]);
    let m = one("ot/0000000000000000", &p);
    assert!(m
        .warnings
        .iter()
        .any(|w| w.contains("topic names endpoint")));
    assert!(matches!(
        owntelemetry::decode("ot/a/b/c", &p, &KeyRing::default()),
        Err(Error::BadTopic(_))
    ));
}

#[test]
fn dedup_over_sixty_seconds() {
    let p = uplink(3, 2, 2, &[(5, U(7)), (6, U(1)), (7, F(9.5))]);
    let h = one(TOPIC, &p).ot.unwrap();
    let mut d = Dedup::default();
    assert!(d.is_new(&h, 0));
    assert!(!d.is_new(&h, 30_000));
    assert!(!d.is_new(&h, 60_000));
    assert!(d.is_new(&h, 60_001));
    let mut other = h.clone();
    other.mid = 3;
    assert!(d.is_new(&other, 60_002));
    // Bounded.
    for i in 0..(iotdata_formats::MAX_DEDUP_ENTRIES as u64 + 10) {
        let mut k = h.clone();
        k.timestamp = Some(i + 1_000);
        d.is_new(&k, 70_000);
    }
    assert!(d.len() <= iotdata_formats::MAX_DEDUP_ENTRIES);
}

#[test]
fn key_ring_is_bounded() {
    let mut k = KeyRing::default();
    for i in 0..iotdata_formats::MAX_OT_KEYS {
        assert!(k.insert((i as u64).to_be_bytes(), KEY));
    }
    assert!(!k.insert([0xff; 8], KEY));
    assert!(
        k.insert(0u64.to_be_bytes(), [1; 16]),
        "replacing stays possible"
    );
    assert_eq!(k.len(), iotdata_formats::MAX_OT_KEYS);
    assert_eq!(k.insert_hex("zz", "00"), Err(Error::BadHex));
}

#[test]
fn encrypted_frame_starting_with_a_brace_is_not_json() {
    // Profile 123 is `{` on the wire.
    let clear = uplink(123, 1, 1, &[(5, U(42))]);
    let frame = encrypt(123, 1, &clear, &KEY, false);
    assert_eq!(frame[0], b'{');
    let keys = keys();
    let m = &owntelemetry::decode(TOPIC, &frame, &keys).unwrap()[0];
    assert!(m.ot.as_ref().unwrap().encrypted);
    assert_eq!(m.text("5"), Some("42"));
    assert!(matches!(
        owntelemetry::decode(TOPIC, &frame, &KeyRing::default()),
        Err(Error::Json(_))
    ));
}
