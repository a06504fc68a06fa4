//! Mesh relay control packets (variant 15, specification Appendix G).
//!
//! Every mesh packet starts with the normal 32-bit iotdata header whose
//! variant nibble is 15, followed by a 4-bit control type and a per-type
//! payload, all MSB-first:
//!
//! ```text
//! bit  0..4    variant        = 15 (0xF)
//! bit  4..16   sender_station   0-4095   the node transmitting this copy
//! bit 16..32   sender_seq       0-65535  the node's mesh sequence counter
//! bit 32..36   ctrl_type        0-15     0 BEACON, 1 FORWARD, 2 ACK,
//!                                        3 ROUTE_ERROR, 4 NEIGHBOUR_REPORT,
//!                                        5 PING, 6 PONG, 7-15 reserved
//! bit 36..     payload (see [`MeshBody`] and the private readers below)
//! ```
//!
//! What this module provides:
//!
//! * [`parse`] / [`MeshPacket::to_bytes`]: bytes <-> [`MeshPacket`]. The
//!   decoder never panics, allocates at most the input length, and reports
//!   short input as [`DecodeError::Short`](crate::DecodeError::Short) (fewer than 5 bytes), missing
//!   bytes as [`DecodeError::Truncated`](crate::DecodeError::Truncated) (bit offset and JSON key of the
//!   field being read) and invalid content as [`DecodeError::Malformed`](crate::DecodeError::Malformed).
//!   The encoder range-checks every field ([`EncodeError::OutOfRange`](crate::EncodeError::OutOfRange)).
//! * [`write_mesh_json`] / [`mesh_from_json`]: the stable JSON document and
//!   its lossless inverse.
//! * [`dump_mesh`]: the bit-level dump.
//! * Helpers: [`rssi_to_q4`], [`q4_to_rssi`], [`generation_newer`],
//!   [`is_mesh`], [`inner_origin`], [`ctrl_name_of`], [`reason_name`].
//!
//! Decisions where the specification text is ambiguous or differs from the
//! reference implementation (libiotdata, which the test vectors follow):
//!
//! * **NEIGHBOUR_REPORT layout.** The reference (and the vectors) use a
//!   10-byte header: byte 9 carries `gateway_id[1:0]` in bits 7-6 and bits
//!   5-0 are zero, then byte-aligned 3-byte entries. The specification's
//!   "9.2 bytes + 3N" suggests a pure bit stream in which the entries follow
//!   `gateway_id[1:0]` directly (bit 74). Both layouts have the same total
//!   length for every N, so they cannot be told apart from the length.
//!   [`parse`] and [`MeshPacket::to_bytes`] use the reference layout
//!   ([`NeighbourLayout::Aligned`]); a non-zero value in bits 5-0 of byte 9 is
//!   rejected as malformed (it is what a bit-stream packet whose first
//!   neighbour has cost >= 4 looks like). The bit-stream layout is available
//!   explicitly through [`parse_with_layout`] and
//!   [`MeshPacket::to_bytes_with_layout`] with [`NeighbourLayout::Bitstream`].
//! * **BEACON flags** are 4 bits on the wire. The reference packer silently
//!   drops bits 7-4 of its 8-bit flags argument; the encoder here rejects a
//!   value above 15 instead.
//! * **FORWARD** needs at least the 4-byte header of the inner packet (a
//!   10-byte frame), as the reference's unpacker does: relays read the
//!   origin station and sequence from it for duplicate suppression. The pad
//!   nibble (byte 5, bits 3-0) is reserved: written as zero, ignored when
//!   read.
//! * **Trailing bytes** after the last field of a fixed-size packet (or after
//!   the last NEIGHBOUR_REPORT entry) are ignored, as for sensor packets.
//! * **Reserved control types** 7-15 decode to [`MeshBody::Unknown`] (not an
//!   error) carrying the frame's bytes from byte 4 on verbatim, so that
//!   decode -> encode reproduces the frame exactly.
//! * **ROUTE_ERROR reason names**: `parent_lost` (0), `overloaded` (1),
//!   `shutdown` (2) and `reserved` (3-15, as the specification's table says;
//!   the reference's logging helper says `unknown`).
//!
//! # Where things live
//!
//! * `mod.rs`: the constants (control types, reasons, lengths) and the
//!   public names below;
//! * `model.rs`: the packet types (`MeshPacket`, `MeshBody`, `Neighbour`,
//!   `NeighbourLayout`) and small helpers (names, RSSI quantisation,
//!   generation comparison);
//! * `members.rs`: one description of each control type's payload members,
//!   which the reader, writer, JSON and dump share;
//! * `decode.rs` / `encode.rs`: bytes to packet and back, with range checks;
//! * `json.rs`: canonical JSON out and in;
//! * `dump.rs`: the bit-level dump rows;
//! * `tests.rs`: unit tests and the `mesh.jsonl` vectors.

mod decode;
mod dump;
mod encode;
mod json;
mod members;
mod model;
#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests;

pub use decode::{parse, parse_with_layout};
pub use dump::dump_mesh;
pub use json::{mesh_from_json, write_mesh_json};
use members::{members_of, Member, Values, FORWARD, NEIGHBOUR, NEIGHBOUR_REPORT};
pub use model::{
    ctrl_name_of, generation_newer, inner_origin, is_mesh, q4_to_rssi, reason_name, rssi_to_q4,
    MeshBody, MeshPacket, Neighbour, NeighbourLayout,
};

/// The header variant of every mesh control packet.
pub const MESH_VARIANT: u8 = 15;
/// Control type of a BEACON.
pub const CTRL_BEACON: u8 = 0x0;
/// Control type of a FORWARD.
pub const CTRL_FORWARD: u8 = 0x1;
/// Control type of an ACK.
pub const CTRL_ACK: u8 = 0x2;
/// Control type of a ROUTE_ERROR.
pub const CTRL_ROUTE_ERROR: u8 = 0x3;
/// Control type of a NEIGHBOUR_REPORT.
pub const CTRL_NEIGHBOUR_REPORT: u8 = 0x4;
/// Control type of a PING (protocol v2).
pub const CTRL_PING: u8 = 0x5;
/// Control type of a PONG (protocol v2).
pub const CTRL_PONG: u8 = 0x6;
/// ROUTE_ERROR reason: all upstream links failed.
pub const REASON_PARENT_LOST: u8 = 0x0;
/// ROUTE_ERROR reason: too many children, shedding load.
pub const REASON_OVERLOADED: u8 = 0x1;
/// ROUTE_ERROR reason: graceful node shutdown.
pub const REASON_SHUTDOWN: u8 = 0x2;
/// BEACON flag bit 0: the gateway is accepting forwards.
pub const FLAG_ACCEPTING: u8 = 0x01;
/// NEIGHBOUR_REPORT `parent_id` of an orphaned node.
pub const PARENT_NONE: u16 = 0xFFF;
/// Most neighbour entries a NEIGHBOUR_REPORT can carry (6-bit count).
pub const MAX_NEIGHBOURS: usize = 63;
/// Smallest mesh packet in bytes (header + control type byte; a ROUTE_ERROR).
pub const MIN_LEN: usize = 5;
/// Bytes before the inner packet of a FORWARD.
pub const FORWARD_HDR_LEN: usize = 6;
/// Smallest inner packet a FORWARD may carry (the inner iotdata header).
pub const FORWARD_MIN_INNER: usize = 4;
/// NEIGHBOUR_REPORT header length in bytes (reference layout).
pub const NEIGHBOUR_HDR_LEN: usize = 10;
/// NEIGHBOUR_REPORT entry length in bytes.
pub const NEIGHBOUR_ENTRY_LEN: usize = 3;

const MAX_ID: u32 = 0xFFF;
const MAX_U4: u32 = 0xF;
const MAX_U16: u32 = 0xFFFF;
