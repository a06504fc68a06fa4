//! Any frame off the air: a sensor packet (variants 0..=14) or a mesh
//! control packet (variant 15). This is the entry point the CLI, the
//! dashboard and the receiver use.

use crate::dump::DumpEntry;
use crate::error::{DecodeError, EncodeError};
use crate::json_write::write_str;
use crate::mesh::{self, MeshBody, MeshPacket};
use crate::packet::{decode, decode_with_dump, DecodeOptions, Packet};
use crate::variant::VariantMap;
use serde_json::Value;

/// FORWARD packets may wrap other mesh packets; nesting beyond this depth
/// is reported as an error object instead of being followed.
pub const MAX_FORWARD_DEPTH: usize = 4;

/// A decoded frame.
#[derive(Debug, Clone, PartialEq)]
pub enum Frame {
    /// A sensor packet.
    Sensor(Packet),
    /// A mesh control packet.
    Mesh(MeshPacket),
}

/// Decodes a sensor or mesh frame (dispatching on the variant nibble).
///
/// ```
/// use iotdata::frame::{decode_frame, Frame};
/// use iotdata::{DecodeOptions, VariantMap};
/// let ack = iotdata::hex::decode("f00100c8202a012c").unwrap();
/// let f = decode_frame(&ack, &VariantMap::default_map(), DecodeOptions::STRICT).unwrap();
/// assert!(matches!(f, Frame::Mesh(_)));
/// ```
pub fn decode_frame(
    bytes: &[u8],
    map: &VariantMap,
    opts: DecodeOptions,
) -> Result<Frame, DecodeError> {
    if mesh::is_mesh(bytes) {
        mesh::parse(bytes).map(Frame::Mesh)
    } else {
        decode(bytes, map, opts).map(Frame::Sensor)
    }
}

/// Decodes and records the bit-level dump (entries read before an error
/// are kept).
pub fn dump_frame(
    bytes: &[u8],
    map: &VariantMap,
    opts: DecodeOptions,
) -> (Result<Frame, DecodeError>, Vec<DumpEntry>) {
    if mesh::is_mesh(bytes) {
        match mesh::parse(bytes) {
            Ok(m) => {
                let mut entries = Vec::new();
                mesh::dump_mesh(&m, &mut entries);
                (Ok(Frame::Mesh(m)), entries)
            }
            Err(e) => (Err(e), Vec::new()),
        }
    } else {
        let (r, entries) = decode_with_dump(bytes, map, opts);
        (r.map(Frame::Sensor), entries)
    }
}

/// The frame's JSON: a sensor packet's canonical JSON, or the mesh
/// document (FORWARD's `inner` decoded with `map`).
pub fn frame_to_json(frame: &Frame, map: &VariantMap, opts: DecodeOptions) -> String {
    let mut out = String::with_capacity(256);
    write_frame_json(&mut out, frame, map, opts, 0);
    out
}

fn write_frame_json(
    out: &mut String,
    frame: &Frame,
    map: &VariantMap,
    opts: DecodeOptions,
    depth: usize,
) {
    match frame {
        Frame::Sensor(p) => crate::json::write_packet_json(out, p, map),
        Frame::Mesh(m) => {
            let inner =
                |bytes: &[u8], out: &mut String| write_bytes_json(out, bytes, map, opts, depth + 1);
            mesh::write_mesh_json(out, m, &inner);
        }
    }
}

fn write_bytes_json(
    out: &mut String,
    bytes: &[u8],
    map: &VariantMap,
    opts: DecodeOptions,
    depth: usize,
) {
    if depth > MAX_FORWARD_DEPTH {
        out.push_str("{\"error\":{\"kind\":\"nesting\",\"message\":");
        write_str(out, "FORWARD nesting too deep");
        out.push_str("}}");
        return;
    }
    match decode_frame(bytes, map, opts) {
        Ok(f) => write_frame_json(out, &f, map, opts, depth),
        Err(e) => out.push_str(&e.to_json_value().to_string()),
    }
}

/// Decodes `bytes` to JSON text; on failure the error object
/// `{"error":{"kind","message","bit_offset","field"}}`. Never fails.
///
/// ```
/// use iotdata::{frame::decode_to_json, DecodeOptions, VariantMap};
/// let map = VariantMap::default_map();
/// let text = decode_to_json(&[0, 1, 2], &map, DecodeOptions::STRICT);
/// assert!(text.contains(r#""kind":"short""#));
/// ```
pub fn decode_to_json(bytes: &[u8], map: &VariantMap, opts: DecodeOptions) -> String {
    let mut out = String::with_capacity(256);
    write_bytes_json(&mut out, bytes, map, opts, 0);
    out
}

/// Encodes a JSON document (sensor canonical JSON, or a mesh document with
/// `"variant": 15`) to frame bytes.
pub fn encode_frame_json(text: &str, map: &VariantMap) -> Result<Vec<u8>, EncodeError> {
    let v: Value = serde_json::from_str(text).map_err(|e| EncodeError::JsonParse(e.to_string()))?;
    encode_frame_value(&v, map)
}

/// Like [`encode_frame_json`] from a parsed value.
pub fn encode_frame_value(v: &Value, map: &VariantMap) -> Result<Vec<u8>, EncodeError> {
    if v.get("variant").and_then(Value::as_u64) == Some(mesh::MESH_VARIANT as u64)
        && v.get("ctrl_type").is_some()
    {
        mesh::mesh_from_json(v)?.to_bytes()
    } else {
        crate::json::encode_json_value(v, map)
    }
}

/// The header fields common to both kinds: `(variant, station, sequence)`.
pub fn frame_header(frame: &Frame) -> (u8, u16, u16) {
    match frame {
        Frame::Sensor(p) => (p.header.variant, p.header.station, p.header.sequence),
        Frame::Mesh(m) => (mesh::MESH_VARIANT, m.sender_station, m.sender_seq),
    }
}

/// For a FORWARD, the wrapped bytes.
pub fn forward_inner(frame: &Frame) -> Option<&[u8]> {
    match frame {
        Frame::Mesh(MeshPacket {
            body: MeshBody::Forward { inner, .. },
            ..
        }) => Some(inner),
        _ => None,
    }
}

/// Formats dump entries as a fixed-width table for people.
///
/// ```text
///   Offset  Len  Field                  Raw  Decoded                 Range
/// ```
pub fn format_dump_table(entries: &[DumpEntry], total_bits: Option<usize>) -> String {
    use std::fmt::Write as _;
    let mut s = String::new();
    let _ = writeln!(
        s,
        "{:>8} {:>5}  {:<24} {:>10}  {:<30} Range",
        "Offset", "Len", "Field", "Raw", "Decoded"
    );
    let _ = writeln!(
        s,
        "{:>8} {:>5}  {:<24} {:>10}  {:<30} -----",
        "------", "---", "-----", "---", "-------"
    );
    for e in entries {
        let _ = writeln!(
            s,
            "{:>8} {:>5}  {:<24} {:>10}  {:<30} {}",
            e.bit_offset, e.bit_length, e.field, e.raw, e.decoded, e.range
        );
    }
    if let Some(bits) = total_bits {
        let _ = writeln!(s, "\nTotal: {bits} bits ({} bytes)", bits.div_ceil(8));
    }
    s
}
