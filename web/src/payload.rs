//! Step 4 of the pipeline: classify one MQTT message.
//!
//! Every message ends up as exactly one [`Payload`]:
//! - a raw binary iotdata frame (sensor, or mesh when the variant nibble is 15),
//! - hex text of such a frame (by the codec's tolerant rule,
//!   [`iotdata::hex`]: whitespace, `:` `,` `-` `_` `;` separators, `0x`
//!   prefixes),
//! - the reference gateway's JSON (an object published on
//!   `<prefix>/<variant_name>/<station as 4 hex>`),
//! - or [`Payload::Unrecognised`] with the reason, topic, size and first bytes.
//!
//! This is syntax only: nothing here interprets fields (that is the codec's
//! job, called from `decode.rs`). Pure code, tested natively and in the browser.

use serde_json::{Map, Value};

/// The smallest iotdata frame: 32-bit header + one presence byte.
pub const MIN_FRAME_BYTES: usize = 5;
/// Variant nibble reserved for mesh control packets.
pub const MESH_VARIANT: u8 = 15;
/// How many leading bytes an "unrecognised" entry keeps for display.
pub const PREVIEW_BYTES: usize = 16;
/// Largest message we try to interpret; bigger ones are reported, not parsed.
pub const MAX_PAYLOAD_BYTES: usize = 64 * 1024;

/// Sensor packet or mesh control packet, from the variant nibble.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FrameKind {
    /// Variants 0..=14.
    Sensor,
    /// Variant 15.
    Mesh,
}

impl FrameKind {
    /// `sensor` or `mesh` (the packet log's `data-kind`).
    pub fn as_str(self) -> &'static str {
        match self {
            FrameKind::Sensor => "sensor",
            FrameKind::Mesh => "mesh",
        }
    }

    /// From the first byte of a frame.
    pub fn of(first_byte: u8) -> FrameKind {
        if first_byte >> 4 == MESH_VARIANT {
            FrameKind::Mesh
        } else {
            FrameKind::Sensor
        }
    }
}

/// Where a frame's bytes came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FrameSource {
    /// The MQTT payload was the frame itself.
    Binary,
    /// The MQTT payload was hex text of the frame.
    HexText,
}

/// `<prefix>/<variant_name>/<station>` as published by the reference gateway.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GatewayTopic {
    /// Everything before the variant name (e.g. `iotdata`).
    pub prefix: String,
    /// The variant's name (e.g. `weather_station`).
    pub variant_name: String,
    /// Station id from the 4 hex digits.
    pub station: u16,
}

/// The result of classifying one message.
#[derive(Debug, Clone, PartialEq)]
pub enum Payload {
    /// An iotdata frame (binary or hex text), not yet decoded.
    Frame {
        /// The frame bytes.
        bytes: Vec<u8>,
        /// Sensor or mesh, from the variant nibble.
        kind: FrameKind,
        /// Binary or hex text.
        source: FrameSource,
    },
    /// An already-decoded packet in the gateway's canonical JSON.
    GatewayJson {
        /// The parsed topic, when it has the gateway's shape.
        topic: Option<GatewayTopic>,
        /// The JSON object.
        json: Map<String, Value>,
    },
    /// Anything else.
    Unrecognised {
        /// Why it was not recognised (one short sentence).
        reason: String,
        /// Payload size in bytes.
        size: usize,
        /// The first [`PREVIEW_BYTES`] bytes.
        first_bytes: Vec<u8>,
    },
}

impl Payload {
    fn unrecognised(reason: impl Into<String>, payload: &[u8]) -> Payload {
        Payload::Unrecognised {
            reason: reason.into(),
            size: payload.len(),
            first_bytes: payload[..payload.len().min(PREVIEW_BYTES)].to_vec(),
        }
    }
}

/// Classifies one MQTT message. Never panics, whatever the input.
pub fn classify(topic: &str, payload: &[u8]) -> Payload {
    if payload.is_empty() {
        return Payload::unrecognised("empty payload", payload);
    }
    if payload.len() > MAX_PAYLOAD_BYTES {
        return Payload::unrecognised(
            format!("payload larger than {MAX_PAYLOAD_BYTES} bytes"),
            payload,
        );
    }
    if let Some(text) = as_text(payload) {
        let trimmed = text.trim();
        let printable = text.chars().all(|c| !c.is_control() || c.is_whitespace());
        if trimmed.starts_with('{') {
            match classify_json(topic, trimmed, payload) {
                // A binary frame can start with `{` (variant 7): only call it
                // broken JSON when it reads as text.
                Err(reason) if printable || payload.len() < MIN_FRAME_BYTES => {
                    return Payload::unrecognised(reason, payload)
                }
                Err(_) => {}
                Ok(p) => return p,
            }
        }
        if iotdata::hex::looks_like_hex(trimmed) {
            return match iotdata::hex::decode(trimmed) {
                Ok(bytes) if bytes.len() >= MIN_FRAME_BYTES => Payload::Frame {
                    kind: FrameKind::of(bytes[0]),
                    bytes,
                    source: FrameSource::HexText,
                },
                Ok(bytes) => Payload::unrecognised(
                    format!(
                        "hex text of {} bytes, shorter than an iotdata frame ({MIN_FRAME_BYTES})",
                        bytes.len()
                    ),
                    payload,
                ),
                Err(e) => Payload::unrecognised(format!("hex-like text: {e}"), payload),
            };
        }
        if printable && !trimmed.starts_with('{') {
            return Payload::unrecognised("text that is neither hex nor JSON", payload);
        }
    }
    if payload.len() < MIN_FRAME_BYTES {
        return Payload::unrecognised(
            format!(
                "{} bytes, shorter than an iotdata frame ({MIN_FRAME_BYTES})",
                payload.len()
            ),
            payload,
        );
    }
    Payload::Frame {
        bytes: payload.to_vec(),
        kind: FrameKind::of(payload[0]),
        source: FrameSource::Binary,
    }
}

fn classify_json(topic: &str, text: &str, payload: &[u8]) -> Result<Payload, String> {
    let value: Value = serde_json::from_str(text).map_err(|e| format!("invalid JSON: {e}"))?;
    let Value::Object(json) = value else {
        return Ok(Payload::unrecognised("JSON that is not an object", payload));
    };
    let gw_topic = parse_gateway_topic(topic);
    let has_keys = json.get("station").is_some_and(Value::is_u64)
        && json.get("variant").is_some_and(Value::is_u64);
    if gw_topic.is_none() && !has_keys {
        return Ok(Payload::unrecognised(
            "JSON without iotdata keys (station, variant) on a non-gateway topic",
            payload,
        ));
    }
    Ok(Payload::GatewayJson {
        topic: gw_topic,
        json,
    })
}

/// The payload as text, if it is UTF-8 without NUL bytes.
fn as_text(payload: &[u8]) -> Option<&str> {
    if payload.contains(&0) {
        return None;
    }
    std::str::from_utf8(payload).ok()
}

/// Parses `<prefix>/<variant_name>/<station as 4 hex>`; the prefix has at
/// least one level, the variant name is non-empty and free of wildcards, the
/// station is exactly 4 hex digits with a value below 4096.
pub fn parse_gateway_topic(topic: &str) -> Option<GatewayTopic> {
    let (rest, station_hex) = topic.rsplit_once('/')?;
    let (prefix, variant_name) = rest.rsplit_once('/')?;
    if station_hex.len() != 4 || !station_hex.chars().all(|c| c.is_ascii_hexdigit()) {
        return None;
    }
    let station = u16::from_str_radix(station_hex, 16).ok()?;
    if station > 0x0FFF || prefix.is_empty() || variant_name.is_empty() {
        return None;
    }
    if variant_name.contains(['+', '#']) || prefix.contains(['+', '#']) {
        return None;
    }
    Some(GatewayTopic {
        prefix: prefix.to_string(),
        variant_name: variant_name.to_string(),
        station,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gateway_topic() {
        let t = parse_gateway_topic("iotdata/weather_station/002a").unwrap();
        assert_eq!(t.station, 42);
        assert_eq!(t.variant_name, "weather_station");
        assert_eq!(t.prefix, "iotdata");
        assert!(parse_gateway_topic("a/b/c/0FFF").is_some());
        assert!(parse_gateway_topic("weather_station/002a").is_none());
        assert!(parse_gateway_topic("x/y/1000").is_none());
        assert!(parse_gateway_topic("x/y/02a").is_none());
    }
}
