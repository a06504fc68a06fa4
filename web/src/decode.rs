//! Step 5 of the pipeline: decode a classified payload. This is where the
//! packet pipeline calls the `iotdata` codec (the views also use the codec
//! directly for what they show: the inspector's dump, field tables,
//! thumbnails).
//!
//! Frames (sensor or mesh, dispatched on the variant nibble by
//! `iotdata::frame::decode_frame`) are decoded leniently with the active
//! variant map: a variant missing from the map is decoded with variant 0's
//! layout and flagged, as the spec's section 11.4 recommends for receivers.
//! The result ([`Incoming`]) goes to the store as is: the receiver takes
//! the codec's frame, so each frame is decoded once. The inspector decodes
//! with the bit-level dump itself (`views::inspector::analyse`); both report
//! a frame that does not decode as a [`Failure`].

use iotdata::frame::{self, Frame};
use iotdata::{DecodeOptions, VariantMap};
use serde_json::{Map, Value};

use crate::payload::{GatewayTopic, Payload};

/// Decoding mode of the dashboard (lenient: unknown variants are flagged,
/// not rejected).
pub const OPTIONS: DecodeOptions = DecodeOptions::LENIENT;
/// Longest frame on every path (binary, hex text, gateway JSON re-encoded):
/// a LoRa payload is at most 255 bytes. Longer ones are `oversize` errors,
/// neither decoded nor kept.
pub const MAX_FRAME_BYTES: usize = 255;
/// Most TLV entries taken from a gateway JSON document (what a
/// [`MAX_FRAME_BYTES`] frame can hold; the codec's bound).
pub const MAX_JSON_TLVS: usize = iotdata::tlv::MAX_JSON_TLVS;
/// The failure kind (and the log summary's first word) of input over a
/// bound.
pub const OVERSIZE: &str = "oversize";

/// The 32-bit header every frame starts with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Header {
    /// Variant nibble (15 = mesh).
    pub variant: u8,
    /// Station id, 0..=4095 (for mesh frames: the sender).
    pub station: u16,
    /// Sequence number.
    pub sequence: u16,
}

/// The packet log's kind for an entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EntryKind {
    /// A decoded sensor packet (binary, hex or gateway JSON).
    Sensor,
    /// A mesh control packet (variant 15).
    Mesh,
    /// Not an iotdata message.
    Unrecognised,
    /// Looked like a frame but did not decode.
    Error,
    /// A message over a size bound: an MQTT packet skipped unread, or a
    /// frame (binary, hex or gateway JSON re-encoded) over 255 bytes.
    Oversize,
}

impl EntryKind {
    /// `sensor`, `mesh`, `unrecognised`, `error` or `oversize` (`data-kind`).
    pub fn as_str(self) -> &'static str {
        match self {
            EntryKind::Sensor => "sensor",
            EntryKind::Mesh => "mesh",
            EntryKind::Unrecognised => "unrecognised",
            EntryKind::Error => "error",
            EntryKind::Oversize => "oversize",
        }
    }

    /// All kinds, for filters.
    pub const ALL: [EntryKind; 5] = [
        EntryKind::Sensor,
        EntryKind::Mesh,
        EntryKind::Unrecognised,
        EntryKind::Error,
        EntryKind::Oversize,
    ];
}

/// Why a frame did not decode (from the codec's `DecodeError`): the
/// inspector's error panel and its bit-grid mark.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    /// Stable kind: the codec's `DecodeError::kind` (`short`, `truncated`,
    /// `variant_reserved`, `variant_unknown`, `malformed`).
    pub kind: String,
    /// Readable message.
    pub message: String,
    /// Bit offset where the problem was found.
    pub bit_offset: usize,
    /// Field being read.
    pub field: String,
}

impl From<&iotdata::DecodeError> for Failure {
    fn from(e: &iotdata::DecodeError) -> Self {
        Failure {
            kind: e.kind().to_string(),
            message: e.to_string(),
            bit_offset: e.bit_offset(),
            field: e.field().to_string(),
        }
    }
}

/// Reads the 32-bit header of any frame (sensor or mesh).
pub fn read_header(bytes: &[u8]) -> Option<Header> {
    iotdata::Header::peek(bytes).map(|h| Header {
        variant: h.variant,
        station: h.station,
        sequence: h.sequence,
    })
}

/// A classified message decoded for the store: the frame result goes to
/// the receiver as is (decoded once).
#[derive(Debug)]
pub enum Incoming {
    /// Binary or hex-text frame.
    Frame {
        /// The frame bytes.
        bytes: Vec<u8>,
        /// Sensor or mesh (from the variant nibble).
        kind: crate::payload::FrameKind,
        /// The codec's result (lenient, with the active map).
        result: Result<Frame, iotdata::DecodeError>,
    },
    /// The reference gateway's JSON, parsed into a packet with the map.
    Json {
        /// The packet, or why the JSON does not fit the active map.
        result: Result<iotdata::Packet, String>,
        /// The packet re-encoded (at most [`MAX_FRAME_BYTES`]), when it
        /// encodes.
        frame: Option<Vec<u8>>,
        /// Header from the JSON (or topic), when readable.
        header: Option<Header>,
        /// Variant name from the topic or the map.
        variant_name: Option<String>,
    },
    /// Over a bound ([`MAX_FRAME_BYTES`], [`MAX_JSON_TLVS`]): logged as an
    /// `oversize` error, not decoded, not kept.
    Oversize {
        /// What was too big, e.g. `300-byte frame, more than 255`.
        reason: String,
        /// Header, when readable.
        header: Option<Header>,
    },
    /// Not an iotdata message.
    Unrecognised {
        /// Why.
        reason: String,
    },
}

/// Decodes a classified payload for the store (step 5 of the pipeline).
pub fn decode_incoming(p: Payload, map: &VariantMap) -> Incoming {
    match p {
        Payload::Frame { bytes, .. } if bytes.len() > MAX_FRAME_BYTES => Incoming::Oversize {
            reason: format!(
                "{}-byte frame, more than {MAX_FRAME_BYTES} (the LoRa limit)",
                bytes.len()
            ),
            header: read_header(&bytes),
        },
        Payload::Frame { bytes, kind, .. } => {
            let result = frame::decode_frame(&bytes, map, OPTIONS);
            Incoming::Frame {
                bytes,
                kind,
                result,
            }
        }
        Payload::GatewayJson { topic, json } => {
            let (header, variant_name) = gateway_json_header(&json, topic.as_ref(), map);
            let mut value = Value::Object(json);
            // The gateway topic names the station when the JSON does not.
            if let (Some(h), Value::Object(m)) = (header, &mut value) {
                m.entry("station").or_insert_with(|| h.station.into());
            }
            if header.is_none() {
                return Incoming::Json {
                    result: Err("no valid station in the JSON or the topic".to_string()),
                    frame: None,
                    header,
                    variant_name,
                };
            }
            let packet = match iotdata::json::from_json_value(&value, map) {
                Ok(p) => p,
                Err(e @ iotdata::EncodeError::TlvFull { .. }) => {
                    return Incoming::Oversize {
                        reason: format!("gateway JSON: {e}"),
                        header,
                    }
                }
                Err(e) => {
                    return Incoming::Json {
                        result: Err(format!("does not fit the variant map '{}': {e}", map.name)),
                        frame: None,
                        header,
                        variant_name,
                    }
                }
            };
            let frame = iotdata::encode(&packet, map).ok();
            if let Some(len) = frame
                .as_ref()
                .map(Vec::len)
                .filter(|&n| n > MAX_FRAME_BYTES)
            {
                return Incoming::Oversize {
                    reason: format!(
                        "gateway JSON re-encodes to {len} bytes, more than a {MAX_FRAME_BYTES}-byte frame"
                    ),
                    header,
                };
            }
            Incoming::Json {
                result: Ok(packet),
                frame,
                header,
                variant_name,
            }
        }
        Payload::Unrecognised { reason, .. } => Incoming::Unrecognised { reason },
    }
}

fn json_u64(m: &Map<String, Value>, k: &str) -> Option<u64> {
    m.get(k).and_then(Value::as_u64)
}

/// The header of a reference-gateway JSON document (`station` from the JSON,
/// else from the topic; `variant` and `sequence` 0 when missing) and its
/// variant name (the topic's, else the map's); no header without a valid
/// station.
fn gateway_json_header(
    json: &Map<String, Value>,
    topic: Option<&GatewayTopic>,
    map: &VariantMap,
) -> (Option<Header>, Option<String>) {
    let station = json_u64(json, "station")
        .filter(|s| *s < 4096)
        .map(|s| s as u16)
        .or(topic.map(|t| t.station));
    let variant = json_u64(json, "variant").map(|v| v as u8);
    let sequence = json_u64(json, "sequence").map(|v| v as u16);
    let header = station.map(|station| Header {
        variant: variant.unwrap_or(0),
        station,
        sequence: sequence.unwrap_or(0),
    });
    let variant_name = topic
        .map(|t| t.variant_name.clone())
        .or_else(|| variant.and_then(|v| map.get(v)).map(|v| v.name.clone()));
    (header, variant_name)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn incoming(bytes: &[u8]) -> Incoming {
        decode_incoming(
            crate::payload::classify("t", bytes),
            &VariantMap::default_map(),
        )
    }

    #[test]
    fn header_and_kinds() {
        let h = read_header(&[0x00, 0x2a, 0x04, 0xd2, 0x00]).unwrap();
        assert_eq!(
            h,
            Header {
                variant: 0,
                station: 42,
                sequence: 1234
            }
        );
        let cut = iotdata::hex::decode("002ac350bf7eeef4").unwrap();
        let Incoming::Frame { result, .. } = incoming(&cut) else {
            panic!("a frame")
        };
        assert_eq!(Failure::from(&result.unwrap_err()).kind, "truncated");
        let mesh = [0xf0, 0x01, 0x00, 0xc8, 0x20, 0x2a, 0x01, 0x2c];
        let Incoming::Frame { result, kind, .. } = incoming(&mesh) else {
            panic!("a frame")
        };
        assert_eq!(kind, crate::payload::FrameKind::Mesh);
        match result {
            Ok(Frame::Mesh(m)) => assert_eq!(m.ctrl_name(), "ACK"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn oversize_frames_are_not_decoded() {
        let mut bytes = vec![0x00, 0x2a, 0x00, 0x01, 0x00];
        bytes.resize(MAX_FRAME_BYTES + 1, 0);
        assert!(matches!(
            incoming(&bytes),
            Incoming::Oversize {
                header: Some(Header { station: 42, .. }),
                ..
            }
        ));
        bytes.truncate(MAX_FRAME_BYTES);
        assert!(matches!(
            incoming(&bytes),
            Incoming::Frame {
                result: Ok(Frame::Sensor(_)),
                ..
            }
        ));
    }
}
