//! Step 5 of the pipeline: decode a classified payload. This is the only
//! file that calls the `iotdata` codec.
//!
//! Today the codec crate exposes its bit reader and error types; the full
//! decoder (`iotdata::decode_frame` with a `VariantMap`, canonical JSON, the
//! bit-level dump, mesh packets) is being written. Until it lands this file
//! reads only the 32-bit header (variant, station, sequence) with the codec's
//! [`iotdata::bits::BitReader`] and reports errors with the codec's
//! [`iotdata::DecodeError`], so everything downstream (store, views, test
//! hooks) already has its final shape. When the decoder exists, only
//! [`decode_frame`] changes: it fills [`Decoded::json`] (canonical JSON) and
//! [`Decoded::dump`].

use serde_json::{Map, Value};

use crate::payload::{FrameKind, Payload};

/// The 32-bit header every frame starts with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Header {
    /// Variant nibble (15 = mesh).
    pub variant: u8,
    /// Station id, 0..=4095.
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
}

impl EntryKind {
    /// `sensor`, `mesh`, `unrecognised` or `error` (`data-kind`).
    pub fn as_str(self) -> &'static str {
        match self {
            EntryKind::Sensor => "sensor",
            EntryKind::Mesh => "mesh",
            EntryKind::Unrecognised => "unrecognised",
            EntryKind::Error => "error",
        }
    }

    /// All kinds, for filters.
    pub const ALL: [EntryKind; 4] = [
        EntryKind::Sensor,
        EntryKind::Mesh,
        EntryKind::Unrecognised,
        EntryKind::Error,
    ];
}

/// Why a frame did not decode (from the codec's `DecodeError`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    /// Stable kind: `short`, `truncated`, `variant_reserved`,
    /// `variant_unknown`, `malformed` (the codec's `DecodeError::kind`), or
    /// `hex` / `unrecognised` for input that is not a frame at all.
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

/// One row of the bit-level dump (mirrors `iotdata::DumpEntry`).
pub type DumpRow = iotdata::DumpEntry;

/// Everything the store and the views need to know about one message.
#[derive(Debug, Clone, PartialEq)]
pub struct Decoded {
    /// Packet-log kind.
    pub kind: EntryKind,
    /// Header, when at least 32 bits were readable.
    pub header: Option<Header>,
    /// Variant name (from the gateway topic or, later, the variant map).
    pub variant_name: Option<String>,
    /// Canonical JSON of the packet, when decoded (gateway JSON today; the
    /// codec's output once it exists).
    pub json: Option<Map<String, Value>>,
    /// Bit-level dump (empty until the codec provides it).
    pub dump: Vec<DumpRow>,
    /// The frame bytes (binary and hex input).
    pub frame: Option<Vec<u8>>,
    /// Why it did not decode.
    pub failure: Option<Failure>,
    /// One-line description for the packet log.
    pub summary: String,
}

/// Whether the full codec decoder is wired in (false: header only).
pub const FULL_DECODER: bool = false;

/// Reads the 32-bit header with the codec's bit reader.
pub fn read_header(bytes: &[u8]) -> Result<Header, iotdata::DecodeError> {
    const MIN: usize = crate::payload::MIN_FRAME_BYTES;
    if bytes.len() < MIN {
        return Err(iotdata::DecodeError::Short {
            len: bytes.len(),
            min: MIN,
        });
    }
    let mut r = iotdata::bits::BitReader::new(bytes);
    let total = r.len_bits();
    let mut take = |n: u32, field: &str| {
        let at = r.pos();
        r.read(n)
            .ok_or_else(|| iotdata::DecodeError::truncated(at, field, n as usize, total))
    };
    let variant = take(4, "variant")? as u8;
    let station = take(12, "station")? as u16;
    let sequence = take(16, "sequence")? as u16;
    Ok(Header {
        variant,
        station,
        sequence,
    })
}

/// Decodes one frame (binary bytes). Used by the pipeline and the inspector.
pub fn decode_frame(bytes: &[u8]) -> Decoded {
    let header = match read_header(bytes) {
        Ok(h) => h,
        Err(e) => {
            let failure = Failure::from(&e);
            return Decoded {
                kind: EntryKind::Error,
                header: None,
                variant_name: None,
                json: None,
                dump: Vec::new(),
                frame: Some(bytes.to_vec()),
                summary: format!("{}: {}", failure.kind, failure.message),
                failure: Some(failure),
            };
        }
    };
    let kind = match FrameKind::of(bytes[0]) {
        FrameKind::Sensor => EntryKind::Sensor,
        FrameKind::Mesh => EntryKind::Mesh,
    };
    // Header rows of the bit-level dump; the codec's dump replaces these
    // (and adds every field and TLV) once it is wired in.
    let dump = vec![
        DumpRow::new(0, 4, "variant", header.variant.into(), header.variant.to_string(), "0-14, 15 = mesh"),
        DumpRow::new(4, 12, "station", header.station.into(), header.station.to_string(), "0-4095"),
        DumpRow::new(16, 16, "sequence", header.sequence.into(), header.sequence.to_string(), "0-65535"),
    ];
    let summary = format!(
        "{} v{} station {} seq {} · {} bytes",
        if kind == EntryKind::Mesh { "mesh" } else { "sensor" },
        header.variant,
        header.station,
        header.sequence,
        bytes.len()
    );
    Decoded {
        kind,
        header: Some(header),
        variant_name: None,
        json: None,
        dump,
        frame: Some(bytes.to_vec()),
        failure: None,
        summary,
    }
}

fn json_u64(m: &Map<String, Value>, k: &str) -> Option<u64> {
    m.get(k).and_then(Value::as_u64)
}

/// Decodes a classified payload.
pub fn decode_payload(p: &Payload) -> Decoded {
    match p {
        Payload::Frame { bytes, .. } => decode_frame(bytes),
        Payload::GatewayJson { topic, json } => {
            let station = json_u64(json, "station")
                .map(|s| s as u16)
                .or(topic.as_ref().map(|t| t.station));
            let variant = json_u64(json, "variant").map(|v| v as u8);
            let sequence = json_u64(json, "sequence").map(|v| v as u16);
            let header = station.map(|station| Header {
                variant: variant.unwrap_or(0),
                station,
                sequence: sequence.unwrap_or(0),
            });
            let variant_name = topic.as_ref().map(|t| t.variant_name.clone());
            let summary = match header {
                Some(h) => format!(
                    "gateway JSON {} station {} seq {}",
                    variant_name.as_deref().unwrap_or("?"),
                    h.station,
                    h.sequence
                ),
                None => "gateway JSON without a station".into(),
            };
            Decoded {
                kind: if header.is_some() {
                    EntryKind::Sensor
                } else {
                    EntryKind::Error
                },
                header,
                variant_name,
                json: Some(json.clone()),
                dump: Vec::new(),
                frame: None,
                failure: None,
                summary,
            }
        }
        Payload::Unrecognised {
            reason,
            size,
            first_bytes,
        } => Decoded {
            kind: EntryKind::Unrecognised,
            header: None,
            variant_name: None,
            json: None,
            dump: Vec::new(),
            frame: None,
            failure: Some(Failure {
                kind: "unrecognised".into(),
                message: reason.clone(),
                bit_offset: 0,
                field: String::new(),
            }),
            summary: format!(
                "{reason} · {size} bytes · {}",
                crate::payload::to_hex_spaced(first_bytes)
            ),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header() {
        // variant 0, station 42, sequence 1234
        let h = read_header(&[0x00, 0x2a, 0x04, 0xd2, 0x00]).unwrap();
        assert_eq!(
            h,
            Header {
                variant: 0,
                station: 42,
                sequence: 1234
            }
        );
        assert_eq!(read_header(&[1, 2]).unwrap_err().kind(), "short");
        let d = decode_frame(&[0xf0, 0x01, 0x00, 0xc8, 0x20, 0x2a]);
        assert_eq!(d.kind, EntryKind::Mesh);
    }
}
