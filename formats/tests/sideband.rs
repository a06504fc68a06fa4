//! Sideband / LXMF vectors built by hand from `sideband-telemetry.md`.

use iotdata_formats::sideband::{self, Bridge};
use iotdata_formats::{Error, Format};

/// A minimal MessagePack writer for the vectors.
#[derive(Default)]
struct Mp(Vec<u8>);

impl Mp {
    fn map(mut self, n: u8) -> Self {
        assert!(n < 16);
        self.0.push(0x80 | n);
        self
    }
    fn arr(mut self, n: u8) -> Self {
        assert!(n < 16);
        self.0.push(0x90 | n);
        self
    }
    fn uint(mut self, x: u64) -> Self {
        if x < 128 {
            self.0.push(x as u8);
        } else {
            self.0.push(0xcf);
            self.0.extend_from_slice(&x.to_be_bytes());
        }
        self
    }
    fn f64(mut self, x: f64) -> Self {
        self.0.push(0xcb);
        self.0.extend_from_slice(&x.to_be_bytes());
        self
    }
    fn f32(mut self, x: f32) -> Self {
        self.0.push(0xca);
        self.0.extend_from_slice(&x.to_be_bytes());
        self
    }
    fn bin(mut self, b: &[u8]) -> Self {
        self.0.push(0xc4);
        self.0.push(b.len() as u8);
        self.0.extend_from_slice(b);
        self
    }
    fn str(mut self, s: &str) -> Self {
        assert!(s.len() < 32);
        self.0.push(0xa0 | s.len() as u8);
        self.0.extend_from_slice(s.as_bytes());
        self
    }
    fn bool(mut self, b: bool) -> Self {
        self.0.push(if b { 0xc3 } else { 0xc2 });
        self
    }
    fn raw(mut self, b: &[u8]) -> Self {
        self.0.extend_from_slice(b);
        self
    }
}

const HASH: &str = "00112233445566778899aabbccddeeff";
const TOPIC: &str = "lxmf/telemetry/00112233445566778899aabbccddeeff";

/// SID_LOCATION as Sideband packs it: i32 µ° lat/lon, i32 cm altitude,
/// u32 speed ×100, i32 bearing ×100, u16 accuracy ×100, last_update.
fn location(lat: f64, lon: f64, alt_m: f64, speed: f64, bearing: f64, acc: f64) -> Mp {
    Mp::default()
        .arr(7)
        .bin(&((lat * 1e6).round() as i32).to_be_bytes())
        .bin(&((lon * 1e6).round() as i32).to_be_bytes())
        .bin(&((alt_m * 1e2).round() as i32).to_be_bytes())
        .bin(&((speed * 1e2).round() as u32).to_be_bytes())
        .bin(&((bearing * 1e2).round() as i32).to_be_bytes())
        .bin(&((acc * 1e2).round() as u16).to_be_bytes())
        .uint(1_700_000_000)
}

fn sensor_map() -> Vec<u8> {
    Mp::default()
        .map(11)
        .uint(0x01)
        .uint(1_700_000_100)
        .uint(0x02)
        .raw(&location(52.520008, 13.404954, 34.5, 12.34, 270.5, 5.5).0)
        .uint(0x03)
        .f64(1013.25)
        .uint(0x04)
        .arr(3)
        .f64(87.5)
        .bool(true)
        .f64(31.0)
        .uint(0x07)
        .f32(21.5)
        .uint(0x08)
        .f64(44.0)
        .uint(0x06)
        .arr(3)
        .f64(0.5)
        .f64(-0.25)
        .f64(9.75)
        .uint(0x0f)
        .str("hello from the hill")
        .uint(0x0e)
        .bool(true)
        .uint(0xff)
        .map(1)
        .str("object_type")
        .str("marker")
        .uint(0x30)
        .uint(99)
        .0
}

#[test]
fn sensor_map_decodes_every_documented_sid() {
    let msgs = sideband::decode(TOPIC, &sensor_map()).unwrap();
    assert_eq!(msgs.len(), 1);
    let m = &msgs[0];
    assert_eq!(m.node.format, Format::Sideband);
    assert_eq!(m.node.to_string(), format!("lxmf:{HASH}"));
    assert_eq!(m.time_ms, Some(1_700_000_100_000));
    let p = m.position.unwrap();
    assert!((p.lat - 52.520008).abs() < 1e-9 && (p.lon - 13.404954).abs() < 1e-9);
    assert_eq!(p.alt_m, Some(34.5));
    assert_eq!(p.accuracy_m, Some(5.5));
    let speed = m.quantity("speed").unwrap();
    assert!((speed.value - 12.34 / 3.6).abs() < 1e-9 && speed.unit == "m/s");
    assert_eq!(m.quantity("heading").unwrap().value, 270.5);
    assert_eq!(m.quantity("pressure").unwrap().value, 1013.25);
    assert_eq!(m.quantity("pressure").unwrap().unit, "hPa");
    assert_eq!(m.quantity("temperature").unwrap().value, 21.5);
    assert_eq!(m.quantity("humidity").unwrap().unit, "%");
    assert_eq!(m.battery.unwrap().percent, Some(87.5));
    assert_eq!(m.text("charging"), Some("true"));
    assert_eq!(m.quantity("battery_temperature").unwrap().value, 31.0);
    assert_eq!(m.quantity("acceleration_z").unwrap().value, 9.75);
    assert_eq!(m.quantity("acceleration_y").unwrap().value, -0.25);
    assert_eq!(m.text("information"), Some("hello from the hill"));
    assert_eq!(m.text("proximity"), Some("true"));
    assert_eq!(m.text("custom.object_type"), Some("marker"));
    // An unknown SID is shown raw.
    assert_eq!(m.text("sid_0x30"), Some("99"));
}

#[test]
fn negative_coordinates_and_bearing() {
    let map = Mp::default()
        .map(2)
        .uint(0x01)
        .uint(1_700_000_000)
        .uint(0x02)
        .raw(&location(-33.856784, -151.215297, -12.25, 0.0, -90.0, 3.0).0)
        .0;
    let m = &sideband::decode(TOPIC, &map).unwrap()[0];
    let p = m.position.unwrap();
    assert!((p.lat + 33.856784).abs() < 1e-9);
    assert!((p.lon + 151.215297).abs() < 1e-9);
    assert_eq!(p.alt_m, Some(-12.25));
    assert_eq!(m.quantity("heading").unwrap().value, -90.0);
}

#[test]
fn stream_entries_one_message_per_peer() {
    let peer_a = [0xaa; 16];
    let peer_b = [0xbb; 16];
    let payload_a = Mp::default()
        .map(2)
        .uint(0x01)
        .uint(1_700_000_500)
        .uint(0x02)
        .raw(&location(1.5, -2.5, 0.0, 0.0, 0.0, 1.0).0)
        .0;
    let payload_b = Mp::default().map(1).uint(0x07).f64(-4.5).0;
    let stream = Mp::default()
        .arr(2)
        .arr(4)
        .bin(&peer_a)
        .uint(1_700_000_400)
        .bin(&payload_a)
        .arr(3)
        .str("person")
        .bin(&[0xff, 0xff, 0xff])
        .bin(&[0, 0, 0])
        .arr(3)
        .bin(&peer_b)
        .uint(1_700_000_600)
        .bin(&payload_b)
        .0;
    let msgs = sideband::decode("lxmf/telemetry", &stream).unwrap();
    assert_eq!(msgs.len(), 2);
    assert_eq!(msgs[0].node.id, "aa".repeat(16));
    assert_eq!(msgs[0].time_ms, Some(1_700_000_500_000), "SID_TIME wins");
    assert_eq!(msgs[0].text("icon"), Some("person"));
    assert_eq!(msgs[0].text("foreground"), Some("#ffffff"));
    assert_eq!(msgs[0].position.unwrap().lon, -2.5);
    assert_eq!(msgs[1].node.id, "bb".repeat(16));
    assert_eq!(msgs[1].time_ms, Some(1_700_000_600_000), "entry time");
    assert_eq!(msgs[1].quantity("temperature").unwrap().value, -4.5);
}

#[test]
fn malformed_inputs_are_errors() {
    let map = sensor_map();
    assert!(matches!(
        sideband::decode(TOPIC, &map[..map.len() - 1]),
        Err(Error::Msgpack(_))
    ));
    assert!(matches!(
        sideband::decode(TOPIC, &[map.as_slice(), &[0]].concat()),
        Err(Error::TrailingBytes(1))
    ));
    assert!(matches!(
        sideband::decode("lxmf/telemetry", &map),
        Err(Error::MissingField(_))
    ));
    let bad_entry = Mp::default().arr(1).arr(2).uint(1).uint(2).0;
    assert!(matches!(
        sideband::decode(TOPIC, &bad_entry),
        Err(Error::BadField { .. })
    ));
    // Deep nesting stops at the depth bound.
    let deep = vec![0x91; 100];
    assert_eq!(sideband::decode(TOPIC, &deep), Err(Error::TooDeep));
    // A huge stated length does not allocate: it fails as truncated.
    assert!(matches!(
        sideband::decode(TOPIC, &[0xdd, 0xff, 0xff, 0xff, 0xff]),
        Err(Error::TooManyItems) | Err(Error::Msgpack(_))
    ));
}

#[test]
fn bridge_gathers_fields_into_one_station() {
    let mut b = Bridge::default();
    let base = format!("{TOPIC}/location");
    b.ingest(&format!("{base}/latitude"), b"-33.5").unwrap();
    let m = b.ingest(&format!("{base}/longitude"), b"151.25").unwrap();
    assert_eq!(m.position.map(|p| (p.lat, p.lon)), Some((-33.5, 151.25)));
    b.ingest(&format!("{TOPIC}/temperature/c"), b"19.5")
        .unwrap();
    let m = b
        .ingest(&format!("{TOPIC}/information/contents"), b"on the ridge")
        .unwrap();
    assert_eq!(m.node.id, HASH);
    assert_eq!(m.quantity("temperature").unwrap().value, 19.5);
    assert_eq!(m.text("information.contents"), Some("on the ridge"));
    assert!(m.position.is_some());
    assert_eq!(b.len(), 1);

    // A latitude alone is no position yet.
    let m = b
        .ingest("lxmf/telemetry/ff/location/latitude", b"10")
        .unwrap();
    assert_eq!(m.position, None);

    // Bounded peers.
    for i in 0..iotdata_formats::MAX_BRIDGE_PEERS + 5 {
        b.ingest(&format!("lxmf/telemetry/{i:x}/temperature/c"), b"1")
            .unwrap();
    }
    assert_eq!(b.len(), iotdata_formats::MAX_BRIDGE_PEERS);
    assert!(matches!(
        b.ingest("lxmf/other", b"1"),
        Err(Error::BadTopic(_))
    ));
    assert_eq!(
        b.ingest("lxmf/telemetry/ff/location/latitude", &[0xff, 0xfe]),
        Err(Error::NotText)
    );
}

#[test]
fn bridge_field_alone_decodes() {
    let msgs = sideband::decode(&format!("{TOPIC}/pressure/mbar"), b"1009.5\n").unwrap();
    assert_eq!(msgs[0].quantity("pressure").unwrap().value, 1009.5);
    assert_eq!(msgs[0].quantity("pressure").unwrap().unit, "hPa");
}
