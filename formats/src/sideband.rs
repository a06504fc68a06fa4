//! Sideband / LXMF telemetry: MessagePack sensor maps keyed by sensor id
//! (SID), telemetry streams of `[peer_hash, time, payload, appearance?]`
//! entries, and the MQTT bridge's plain-text per-field topics
//! `lxmf/telemetry/<hash>/<sensor>/<field>` (gathered per peer by
//! [`Bridge`]).
//!
//! Location is `[lat µ°, lon µ°, altitude cm, speed c-km/h, bearing c-°,
//! accuracy cm, last_update]`, the first six as big-endian byte strings
//! (signed, except speed and accuracy) or as plain numbers in the same units.

use crate::model::{Format, Message, Position};
use crate::time::unix_secs_to_ms;
use crate::value::{clip, hex, read_msgpack_exact, Value};
use crate::{Error, MAX_BRIDGE_FIELDS, MAX_BRIDGE_PEERS, MAX_STREAM_ENTRIES};

/// Sensor ids with a meaning in the shared model.
pub mod sid {
    /// Unix time of the snapshot.
    pub const TIME: i128 = 0x01;
    /// Position.
    pub const LOCATION: i128 = 0x02;
    /// Air pressure, hPa.
    pub const PRESSURE: i128 = 0x03;
    /// `[charge %, charging, temperature °C]`.
    pub const BATTERY: i128 = 0x04;
    /// `[rssi, snr, quality]`.
    pub const PHYSICAL_LINK: i128 = 0x05;
    /// `[x, y, z]` m/s².
    pub const ACCELERATION: i128 = 0x06;
    /// Temperature, °C.
    pub const TEMPERATURE: i128 = 0x07;
    /// Relative humidity, %.
    pub const HUMIDITY: i128 = 0x08;
    /// `[x, y, z]` magnetic field.
    pub const MAGNETIC_FIELD: i128 = 0x09;
    /// Illuminance, lux.
    pub const AMBIENT_LIGHT: i128 = 0x0a;
    /// `[x, y, z]` gravity.
    pub const GRAVITY: i128 = 0x0b;
    /// `[x, y, z]` angular velocity.
    pub const ANGULAR_VELOCITY: i128 = 0x0c;
    /// Proximity flag.
    pub const PROXIMITY: i128 = 0x0e;
    /// Free text.
    pub const INFORMATION: i128 = 0x0f;
    /// Application-defined data.
    pub const CUSTOM: i128 = 0xff;
}

/// Whether a decoded value looks like a sensor map (integer SIDs, with
/// `SID_TIME` or `SID_LOCATION`) or a telemetry stream.
pub fn looks_like_sensor_map(v: &Value) -> bool {
    match v {
        Value::Map(entries) => {
            !entries.is_empty()
                && entries
                    .iter()
                    .all(|(k, _)| k.as_int().is_some_and(|i| (0..=0xff).contains(&i)))
                && (v.get_int_key(sid::TIME).is_some() || v.get_int_key(sid::LOCATION).is_some())
        }
        Value::Array(items) => {
            !items.is_empty()
                && items.iter().all(|e| {
                    matches!(e, Value::Array(parts)
                        if matches!(parts.first(), Some(Value::Bytes(_))) && parts.len() >= 3)
                })
        }
        _ => false,
    }
}

/// Decodes one message: a plain-text bridge field
/// (`lxmf/telemetry/<hash>/<sensor>/<field>`), or a MessagePack sensor map
/// (`lxmf/telemetry/<hash>`) or telemetry stream (one message per entry).
pub fn decode(topic: &str, payload: &[u8]) -> Result<Vec<Message>, Error> {
    crate::check_sizes(topic, payload)?;
    let levels: Vec<&str> = topic.split('/').collect();
    match levels.as_slice() {
        ["lxmf", "telemetry", hash, sensor, field] => {
            decode_bridge_field(hash, sensor, field, payload).map(|m| vec![m])
        }
        // `lxmf/<anything>/<peer_hash>`; on other topics (a format fixed by
        // the user, or found by the payload's shape) only a stream names its
        // peers.
        _ => {
            let hash = match levels.as_slice() {
                ["lxmf", _, hash, ..] => *hash,
                _ => "",
            };
            match read_msgpack_exact(payload)? {
                Value::Array(entries) => decode_stream(&entries),
                map @ Value::Map(_) => {
                    if hash.is_empty() {
                        return Err(Error::MissingField("peer hash"));
                    }
                    Ok(vec![decode_sensor_map(
                        &clip(hash.to_ascii_lowercase()),
                        &map,
                    )?])
                }
                _ => Err(Error::BadField {
                    field: "telemetry".into(),
                    expected: "a sensor map or a stream",
                }),
            }
        }
    }
}

/// Decodes a `FIELD_TELEMETRY_STREAM` list.
pub fn decode_stream(entries: &[Value]) -> Result<Vec<Message>, Error> {
    if entries.len() > MAX_STREAM_ENTRIES {
        return Err(Error::TooManyItems);
    }
    let mut out = Vec::with_capacity(entries.len());
    for e in entries {
        let Value::Array(parts) = e else {
            return Err(Error::BadField {
                field: "stream entry".into(),
                expected: "[peer_hash, time, payload, appearance?]",
            });
        };
        let (hash, time, payload) = match parts.as_slice() {
            [Value::Bytes(h), t, p] | [Value::Bytes(h), t, p, _] => (h, t, p),
            _ => {
                return Err(Error::BadField {
                    field: "stream entry".into(),
                    expected: "[peer_hash, time, payload, appearance?]",
                })
            }
        };
        let map = match payload {
            Value::Bytes(b) => read_msgpack_exact(b)?,
            v @ Value::Map(_) => v.clone(),
            _ => {
                return Err(Error::BadField {
                    field: "stream payload".into(),
                    expected: "a packed sensor map",
                })
            }
        };
        let mut m = decode_sensor_map(&hex(hash), &map)?;
        if m.time_ms.is_none() {
            m.time_ms = time.as_f64().and_then(unix_secs_to_ms);
        }
        if let Some(Value::Array(app)) = parts.get(3) {
            if let Some(Value::Text(icon)) = app.first() {
                m.push_text("icon", icon.clone());
            }
            for (n, key) in [(1, "foreground"), (2, "background")] {
                if let Some(Value::Bytes(rgb)) = app.get(n) {
                    m.push_text(key, format!("#{}", hex(rgb.iter().take(3))));
                }
            }
        }
        out.push(m);
    }
    Ok(out)
}

/// Decodes one sensor map of peer `hash`.
pub fn decode_sensor_map(hash: &str, map: &Value) -> Result<Message, Error> {
    let Value::Map(entries) = map else {
        return Err(Error::BadField {
            field: "telemetry".into(),
            expected: "a map of sensor ids",
        });
    };
    let mut m = Message::new(Format::Sideband, hash);
    for (k, v) in entries {
        let Some(sid) = k.as_int() else {
            m.push_text(&k.to_text(), v.to_text());
            continue;
        };
        match sid {
            sid::TIME => match v.as_f64().and_then(unix_secs_to_ms) {
                Some(ms) => m.time_ms = Some(ms),
                None => m.warn("time is not a Unix time stamp"),
            },
            sid::LOCATION => location(&mut m, v),
            sid::PRESSURE => number(&mut m, "pressure", v, "hPa"),
            sid::TEMPERATURE => number(&mut m, "temperature", v, "C"),
            sid::HUMIDITY => number(&mut m, "humidity", v, "%"),
            sid::AMBIENT_LIGHT => number(&mut m, "illuminance", v, "lux"),
            sid::BATTERY => battery(&mut m, v),
            sid::PHYSICAL_LINK => {
                if let Value::Array(p) = v {
                    if let Some(rssi) = p.first().and_then(Value::as_f64) {
                        m.radio_mut().rssi_dbm = Some(rssi);
                    }
                    if let Some(snr) = p.get(1).and_then(Value::as_f64) {
                        m.radio_mut().snr_db = Some(snr);
                    }
                }
            }
            sid::ACCELERATION => vector(&mut m, "acceleration", v, "m/s2"),
            sid::ANGULAR_VELOCITY => vector(&mut m, "angular_velocity", v, ""),
            sid::MAGNETIC_FIELD => vector(&mut m, "magnetic_field", v, ""),
            sid::GRAVITY => vector(&mut m, "gravity", v, "m/s2"),
            sid::PROXIMITY => m.push_text("proximity", v.to_text()),
            sid::INFORMATION => match v {
                Value::Text(s) => m.push_text("information", s.clone()),
                other => m.push_text("information", other.to_text()),
            },
            sid::CUSTOM => custom(&mut m, v),
            other => {
                let name = match u8::try_from(other) {
                    Ok(b) => format!("sid_{b:#04x}"),
                    Err(_) => format!("sid_{}", crate::value::int_text(other)),
                };
                m.push_text(&name, v.to_text());
            }
        }
    }
    Ok(m)
}

fn number(m: &mut Message, key: &str, v: &Value, unit: &str) {
    match v.as_f64() {
        Some(x) => m.push(key, x, unit),
        None => m.warn(format!("{key}: not a number")),
    }
}

fn vector(m: &mut Message, key: &str, v: &Value, unit: &str) {
    match v {
        Value::Array(xs) if xs.len() == 3 => {
            for (axis, x) in ["x", "y", "z"].iter().zip(xs) {
                if let Some(x) = x.as_f64() {
                    m.push(&format!("{key}_{axis}"), x, unit);
                }
            }
        }
        other => m.push_text(key, other.to_text()),
    }
}

fn battery(m: &mut Message, v: &Value) {
    let parts: &[Value] = match v {
        Value::Array(p) => p,
        other => std::slice::from_ref(other),
    };
    if let Some(pct) = parts.first().and_then(Value::as_f64) {
        m.battery_mut().percent = Some(pct);
    }
    if let Some(Value::Bool(charging)) = parts.get(1) {
        m.push_text("charging", charging.to_string());
    }
    if let Some(t) = parts.get(2).and_then(Value::as_f64) {
        m.push("battery_temperature", t, "C");
    }
}

fn custom(m: &mut Message, v: &Value) {
    match v {
        Value::Map(entries) => {
            for (k, v) in entries {
                let key = match k {
                    Value::Text(s) => s.clone(),
                    other => other.to_text(),
                };
                m.push_text(&format!("custom.{key}"), v.display_text());
            }
        }
        Value::Array(items) => {
            for item in items {
                match item {
                    Value::Array(pair) if pair.len() >= 2 => {
                        let key = match &pair[0] {
                            Value::Text(s) => s.clone(),
                            other => other.to_text(),
                        };
                        m.push_text(&format!("custom.{key}"), pair[1].display_text());
                    }
                    other => m.push_text("custom", other.to_text()),
                }
            }
        }
        other => m.push_text("custom", other.to_text()),
    }
}

/// A signed or unsigned big-endian integer packed in bytes, or a number.
fn packed(v: &Value, signed: bool) -> Option<f64> {
    match v {
        Value::Bytes(b) if !b.is_empty() && b.len() <= 8 => {
            let mut acc: i128 = 0;
            for &byte in b {
                acc = (acc << 8) | i128::from(byte);
            }
            if signed && b[0] & 0x80 != 0 {
                acc -= 1i128 << (8 * b.len());
            }
            Some(acc as f64)
        }
        other => other.as_f64(),
    }
}

fn location(m: &mut Message, v: &Value) {
    let Value::Array(p) = v else {
        m.warn("location is not a list");
        return;
    };
    let lat = p.first().and_then(|x| packed(x, true)).map(|x| x / 1e6);
    let lon = p.get(1).and_then(|x| packed(x, true)).map(|x| x / 1e6);
    let alt = p.get(2).and_then(|x| packed(x, true)).map(|x| x / 100.0);
    let speed = p.get(3).and_then(|x| packed(x, false)).map(|x| x / 100.0);
    let bearing = p.get(4).and_then(|x| packed(x, true)).map(|x| x / 100.0);
    let accuracy = p.get(5).and_then(|x| packed(x, false)).map(|x| x / 100.0);
    match (lat, lon) {
        (Some(la), Some(lo)) => match Position::new(la, lo) {
            Some(mut pos) => {
                pos.alt_m = alt;
                pos.accuracy_m = accuracy;
                m.position = Some(pos);
            }
            None => m.warn("location out of range"),
        },
        _ => m.warn("location without latitude and longitude"),
    }
    if let Some(s) = speed {
        m.push("speed", s, "km/h");
    }
    if let Some(b) = bearing {
        m.push("heading", b, "deg");
    }
    if let Some(t) = p.get(6).and_then(Value::as_f64).and_then(unix_secs_to_ms) {
        m.push_text("location_updated", (t / 1000).to_string());
    }
}

/// One field of the bridge: `<sensor>/<field>` with a plain-text value.
fn decode_bridge_field(
    hash: &str,
    sensor: &str,
    field: &str,
    payload: &[u8],
) -> Result<Message, Error> {
    if hash.is_empty() || sensor.is_empty() || field.is_empty() {
        return Err(Error::BadTopic(clip(format!(
            "lxmf/telemetry/{hash}/{sensor}/{field}"
        ))));
    }
    let text = std::str::from_utf8(payload)
        .map_err(|_| Error::NotText)?
        .trim();
    let mut m = Message::new(Format::Sideband, clip(hash.to_ascii_lowercase()));
    let num = text.parse::<f64>().ok().filter(|x| x.is_finite());
    apply_bridge_field(&mut m, sensor, field, text, num);
    drop_partial_position(&mut m);
    Ok(m)
}

/// A bridge position needs both coordinates; until then there is none.
fn drop_partial_position(m: &mut Message) {
    if m.position
        .is_some_and(|p| !(p.lat.is_finite() && p.lon.is_finite()))
    {
        m.position = None;
    }
}

fn apply_bridge_field(m: &mut Message, sensor: &str, field: &str, text: &str, num: Option<f64>) {
    let pos = |m: &mut Message| {
        *m.position.get_or_insert(Position {
            lat: f64::NAN,
            lon: f64::NAN,
            alt_m: None,
            accuracy_m: None,
        })
    };
    match (sensor, field, num) {
        ("time", _, Some(x)) => m.time_ms = unix_secs_to_ms(x),
        ("location", "latitude" | "lat", Some(x)) if (-90.0..=90.0).contains(&x) => {
            let mut p = pos(m);
            p.lat = x;
            m.position = Some(p);
        }
        ("location", "longitude" | "lon", Some(x)) if (-180.0..=180.0).contains(&x) => {
            let mut p = pos(m);
            p.lon = x;
            m.position = Some(p);
        }
        ("location", "altitude" | "alt", Some(x)) => {
            let mut p = pos(m);
            p.alt_m = Some(x);
            m.position = Some(p);
        }
        ("location", "accuracy", Some(x)) => {
            let mut p = pos(m);
            p.accuracy_m = Some(x);
            m.position = Some(p);
        }
        ("location", "speed", Some(x)) => m.push("speed", x, "km/h"),
        ("location", "bearing", Some(x)) => m.push("heading", x, "deg"),
        ("battery", "charge_percent" | "percent" | "level", Some(x)) => {
            m.battery_mut().percent = Some(x)
        }
        ("battery", "temperature", Some(x)) => m.push("battery_temperature", x, "C"),
        ("pressure", _, Some(x)) => m.push("pressure", x, "hPa"),
        ("temperature", _, Some(x)) => m.push("temperature", x, "C"),
        ("humidity", _, Some(x)) => m.push("humidity", x, "%"),
        ("ambient_light", _, Some(x)) => m.push("illuminance", x, "lux"),
        (s, f, Some(x)) => m.push(&format!("{s}_{f}"), x, ""),
        (s, f, None) => m.push_text(&format!("{s}.{f}"), clip(text.to_string())),
    }
}

/// Gathers the bridge's per-field messages into one station per peer
/// (at most [`MAX_BRIDGE_PEERS`] peers of [`MAX_BRIDGE_FIELDS`] fields; the
/// peer updated longest ago makes room for a new one).
#[derive(Debug, Clone, Default)]
pub struct Bridge {
    peers: Vec<(String, Vec<(String, String)>)>,
}

impl Bridge {
    /// Takes one bridge message (`lxmf/telemetry/<hash>/<sensor>/<field>`)
    /// and returns the peer's station with every field seen so far.
    pub fn ingest(&mut self, topic: &str, payload: &[u8]) -> Result<Message, Error> {
        crate::check_sizes(topic, payload)?;
        let levels: Vec<&str> = topic.split('/').collect();
        let ["lxmf", "telemetry", hash, sensor, field] = levels.as_slice() else {
            return Err(Error::BadTopic(clip(topic.to_string())));
        };
        // Validates the field the same way as a single message.
        decode_bridge_field(hash, sensor, field, payload)?;
        let text = std::str::from_utf8(payload)
            .map_err(|_| Error::NotText)?
            .trim();
        let hash = clip(hash.to_ascii_lowercase());
        let path = clip(format!("{sensor}/{field}"));
        let idx = match self.peers.iter().position(|(h, _)| *h == hash) {
            Some(i) => i,
            None => {
                if self.peers.len() >= MAX_BRIDGE_PEERS {
                    self.peers.remove(0);
                }
                self.peers.push((hash.clone(), Vec::new()));
                self.peers.len() - 1
            }
        };
        let mut entry = self.peers.remove(idx);
        let full = entry.1.len() >= MAX_BRIDGE_FIELDS;
        match entry.1.iter_mut().find(|(p, _)| *p == path) {
            Some(slot) => slot.1 = clip(text.to_string()),
            None if !full => entry.1.push((path, clip(text.to_string()))),
            None => {}
        }
        let station = Self::station(&entry.0, &entry.1);
        self.peers.push(entry);
        Ok(station)
    }

    /// The number of peers tracked.
    pub fn len(&self) -> usize {
        self.peers.len()
    }

    /// Whether no peer is tracked.
    pub fn is_empty(&self) -> bool {
        self.peers.is_empty()
    }

    fn station(hash: &str, fields: &[(String, String)]) -> Message {
        let mut m = Message::new(Format::Sideband, hash);
        for (path, text) in fields {
            let (sensor, field) = path.split_once('/').unwrap_or((path, ""));
            let num = text.parse::<f64>().ok().filter(|x| x.is_finite());
            apply_bridge_field(&mut m, sensor, field, text, num);
        }
        drop_partial_position(&mut m);
        m
    }
}

/// Decodes arbitrary bytes as Sideband messages; for fuzzers.
pub fn fuzz_one(data: &[u8]) {
    let _ = decode("lxmf/telemetry/00112233445566778899aabbccddeeff", data);
    let _ = decode("lxmf/telemetry/0011/location/latitude", data);
    let mut bridge = Bridge::default();
    let _ = bridge.ingest("lxmf/telemetry/0011/location/latitude", data);
}
