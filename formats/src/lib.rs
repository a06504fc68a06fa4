//! Decoders for the telemetry formats that share brokers with iotdata:
//! [OwnTelemetry](owntelemetry) (CBOR / JSON on `ot/<id>`),
//! [STI compact JSON](sti) (`ws/d/...`), [Sideband/LXMF](sideband)
//! (MessagePack sensor maps and the `lxmf/telemetry/...` bridge) and
//! [rtl_433](rtl433) (`rtl_433/<host>/events` and `/devices/...`).
//!
//! Each decoder turns a message (topic + payload) into [`Message`]s of one
//! shared model: node identity, sender time, position, quantities with
//! normalised keys and units, battery, radio metadata and warnings.
//! [`detect`] picks the format from the topic and the payload's shape;
//! [`decode`] runs the matching decoder.
//!
//! Everything is untrusted input: every bound is a `pub const` below, and
//! malformed input gives an [`Error`], never a panic.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod error;
mod model;
pub mod owntelemetry;
pub mod rtl433;
pub mod sideband;
pub mod sti;
mod time;
pub mod value;

pub use error::Error;
pub use model::{
    Battery, Direction, Format, Message, NodeId, OtHeader, Position, Presence, Quantity, Radio,
    Text,
};
pub use owntelemetry::KeyRing;
pub use time::parse_time;

/// Largest payload any decoder accepts, in bytes.
pub const MAX_PAYLOAD_BYTES: usize = 65_536;
/// Longest topic any decoder accepts, in bytes.
pub const MAX_TOPIC_BYTES: usize = 1_024;
/// Deepest nesting of arrays and maps in CBOR and MessagePack payloads.
pub const MAX_DEPTH: usize = 16;
/// Most items (values, array elements, map entries) in one payload.
pub const MAX_ITEMS: usize = 4_096;
/// Most quantities kept per message; the rest are dropped with a warning.
pub const MAX_QUANTITIES: usize = 64;
/// Most text fields kept per message; the rest are dropped with a warning.
pub const MAX_TEXTS: usize = 64;
/// Most warnings kept per message.
pub const MAX_WARNINGS: usize = 16;
/// Longest text value kept, in characters (longer ones are cut).
pub const MAX_TEXT_CHARS: usize = 256;
/// Most packets in one OwnTelemetry batch (its count is a uint8).
pub const MAX_BATCH: usize = 255;
/// Most entries decoded from one Sideband telemetry stream.
pub const MAX_STREAM_ENTRIES: usize = 256;
/// OwnTelemetry deduplication window, in milliseconds.
pub const DEDUP_WINDOW_MS: i64 = 60_000;
/// Most (id, mid, timestamp) keys the OwnTelemetry dedup cache holds.
pub const MAX_DEDUP_ENTRIES: usize = 4_096;
/// Most OwnTelemetry endpoint keys a [`KeyRing`] holds.
pub const MAX_OT_KEYS: usize = 256;
/// Most peers the Sideband bridge aggregator tracks.
pub const MAX_BRIDGE_PEERS: usize = 256;
/// Most fields per peer the Sideband bridge aggregator keeps.
pub const MAX_BRIDGE_FIELDS: usize = 64;

/// Picks the format of a message from its topic, then from its payload's
/// shape. `None` when it is none of this crate's formats.
pub fn detect(topic: &str, payload: &[u8]) -> Option<Format> {
    let first = topic.split('/').next().unwrap_or("");
    match first {
        "ot" => return Some(Format::OwnTelemetry),
        "ws" => return Some(Format::Sti),
        "lxmf" => return Some(Format::Sideband),
        "rtl_433" => return Some(Format::Rtl433),
        _ => {}
    }
    if topic.split('/').any(|level| level == "rtl_433") {
        return Some(Format::Rtl433);
    }
    // Shape of the payload when the topic says nothing.
    let json = || serde_json::from_slice::<serde_json::Value>(payload).ok();
    match payload.iter().find(|b| !b.is_ascii_whitespace()) {
        Some(b'{') => {
            let v = json()?;
            let o = v.as_object()?;
            if o.contains_key("model") && o.contains_key("time") {
                Some(Format::Rtl433)
            } else if o.get("i").is_some_and(|i| i.is_string()) && o.contains_key("t") {
                Some(Format::Sti)
            } else if o.contains_key("profile") && o.contains_key("id") {
                Some(Format::OwnTelemetry)
            } else {
                None
            }
        }
        Some(0xa0..=0xbf) => match value::read_cbor_exact(payload) {
            Ok(v) if v.get_int_key(0).is_some() && v.get_int_key(1).is_some() => {
                Some(Format::OwnTelemetry)
            }
            _ => match value::read_msgpack_exact(payload) {
                Ok(v) if sideband::looks_like_sensor_map(&v) => Some(Format::Sideband),
                _ => None,
            },
        },
        Some(0x80..=0x9f | 0xdc..=0xdf) => match value::read_msgpack_exact(payload) {
            Ok(v) if sideband::looks_like_sensor_map(&v) => Some(Format::Sideband),
            _ => None,
        },
        _ => None,
    }
}

/// Detects the format and decodes the message. `keys` holds the
/// OwnTelemetry endpoint keys for encrypted packets.
pub fn decode(topic: &str, payload: &[u8], keys: &KeyRing) -> Result<Vec<Message>, Error> {
    check_sizes(topic, payload)?;
    match detect(topic, payload) {
        Some(Format::OwnTelemetry) => owntelemetry::decode(topic, payload, keys),
        Some(Format::Sti) => sti::decode(topic, payload).map(|m| vec![m]),
        Some(Format::Sideband) => sideband::decode(topic, payload),
        Some(Format::Rtl433) => rtl433::decode(topic, payload).map(|m| vec![m]),
        None => Err(Error::NotRecognised),
    }
}

/// Rejects topics and payloads over [`MAX_TOPIC_BYTES`] / [`MAX_PAYLOAD_BYTES`].
pub(crate) fn check_sizes(topic: &str, payload: &[u8]) -> Result<(), Error> {
    if topic.len() > MAX_TOPIC_BYTES {
        return Err(Error::TopicTooLong(topic.len()));
    }
    if payload.len() > MAX_PAYLOAD_BYTES {
        return Err(Error::PayloadTooLarge(payload.len()));
    }
    Ok(())
}

/// Runs every decoder on arbitrary bytes (the first byte picks a topic) and
/// checks that it returns rather than panics. Entry point for fuzzers.
pub fn fuzz_one(data: &[u8]) {
    const TOPICS: [&str; 8] = [
        "ot/0102030405060708",
        "ot/0102030405060708/cmd",
        "ws/d/test/region/station/meteohelix",
        "lxmf/telemetry/00112233445566778899aabbccddeeff",
        "lxmf/telemetry/00112233445566778899aabbccddeeff/location/latitude",
        "rtl_433/host/events",
        "rtl_433/host/devices/Acurite-5n1/A/1234/temperature_C",
        "other/topic",
    ];
    let (first, rest) = match data.split_first() {
        Some((f, r)) => (*f, r),
        None => return,
    };
    let topic = TOPICS[usize::from(first) % TOPICS.len()];
    let mut keys = KeyRing::default();
    keys.insert([1, 2, 3, 4, 5, 6, 7, 8], [0x5a; 16]);
    let _ = decode(topic, rest, &keys);
    owntelemetry::fuzz_one(rest);
    sti::fuzz_one(rest);
    sideband::fuzz_one(rest);
    rtl433::fuzz_one(rest);
}
