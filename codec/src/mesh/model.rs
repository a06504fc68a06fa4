//! Mesh packet types and small helpers (names, RSSI quantisation,
//! generation comparison, origin of a forwarded frame).

use super::*;
use crate::bits::BitReader;

/// A decoded mesh control packet (variant 15).
///
/// Wire layout of the common part (bits MSB-first from bit 0 of byte 0):
/// `variant(4) = 15 | sender_station(12) | sender_seq(16) | ctrl_type(4)`,
/// then the [`MeshBody`] payload starting at bit 36.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MeshPacket {
    /// The node transmitting this copy (12 bits, 0-4095).
    pub sender_station: u16,
    /// The node's mesh sequence counter (16 bits).
    pub sender_seq: u16,
    /// The control type and its payload.
    pub body: MeshBody,
}

/// One NEIGHBOUR_REPORT entry: `cost(8) | rssi_q4(4) | station_id(12)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Neighbour {
    /// The neighbour's advertised cost (relays to the gateway, 0-255).
    pub cost: u8,
    /// RSSI quantised to 4 bits (0-15), see [`rssi_to_q4`].
    pub rssi_q4: u8,
    /// The neighbour's station id (12 bits, 0-4095).
    pub station_id: u16,
}

impl Neighbour {
    /// The RSSI the entry stands for, in dBm (`rssi_q4 * 5 - 120`).
    pub fn rssi_dbm(&self) -> i32 {
        q4_to_rssi(self.rssi_q4)
    }
}

/// The control type and its payload. Bit offsets are from bit 0 of the
/// frame; every payload starts at bit 36, right after `ctrl_type`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MeshBody {
    /// ctrl_type 0x0, 9 bytes:
    /// `gateway_id(12) @36 | cost(8) @48 | flags(4) @56 | generation(12) @60`.
    Beacon {
        /// Originating gateway (12 bits).
        gateway_id: u16,
        /// 0 at the gateway, +1 per relay.
        cost: u8,
        /// 4 bits: bit 0 = accepting forwards ([`FLAG_ACCEPTING`]), bits 1-3 reserved.
        flags: u8,
        /// Beacon round counter (12 bits, compared with [`generation_newer`]).
        generation: u16,
    },
    /// ctrl_type 0x1, 6 + N bytes:
    /// `ttl(8) @36 | pad(4) = 0 @44 | inner packet (N bytes) @48`.
    Forward {
        /// Remaining hop budget.
        ttl: u8,
        /// The raw inner iotdata packet (opaque, at least 4 bytes).
        inner: Vec<u8>,
    },
    /// ctrl_type 0x2, 8 bytes: `fwd_station(12) @36 | fwd_seq(16) @48`.
    Ack {
        /// Child whose FORWARD is acknowledged (12 bits).
        fwd_station: u16,
        /// The child's `sender_seq` from that FORWARD.
        fwd_seq: u16,
    },
    /// ctrl_type 0x3, 5 bytes: `reason(4) @36`.
    RouteError {
        /// 0 parent_lost, 1 overloaded, 2 shutdown, 3-15 reserved (4 bits).
        reason: u8,
    },
    /// ctrl_type 0x4, 10 + 3N bytes (reference layout):
    /// `parent_id(12) @36 | my_cost(8) @48 | num_neighbours(6) @56 |
    /// gateway_id(12) @62 | reserved(6) = 0 @74 | N x [cost(8) | rssi_q4(4) |
    /// station_id(12)] @80 + 24i`. `num_neighbours` is not stored: it is
    /// `neighbours.len()`.
    NeighbourReport {
        /// Current parent (12 bits, [`PARENT_NONE`] if orphaned).
        parent_id: u16,
        /// The reporting node's cost.
        my_cost: u8,
        /// Current active gateway tree (12 bits).
        gateway_id: u16,
        /// The neighbour entries (at most [`MAX_NEIGHBOURS`]).
        neighbours: Vec<Neighbour>,
    },
    /// ctrl_type 0x5, 8 bytes: `target_id(12) @36 | ttl(8) @48 | ping_id(8) @56`.
    Ping {
        /// Destination node (12 bits).
        target_id: u16,
        /// Decremented per relay on the downstream path.
        ttl: u8,
        /// Correlates with the PONG.
        ping_id: u8,
    },
    /// ctrl_type 0x6, 8 bytes: `gateway_id(12) @36 | relays(8) @48 | ping_id(8) @56`.
    Pong {
        /// Route back to the originating gateway (12 bits).
        gateway_id: u16,
        /// Incremented per relay on the return path.
        relays: u8,
        /// Echoed from the PING.
        ping_id: u8,
    },
    /// Reserved ctrl_type 0x7-0xF: the frame's bytes from byte 4 on, verbatim
    /// (so `payload[0] >> 4 == ctrl_type`; the encoder checks this).
    Unknown {
        /// The control type (7-15).
        ctrl_type: u8,
        /// Bytes 4.. of the frame (at least one byte).
        payload: Vec<u8>,
    },
}

/// Where NEIGHBOUR_REPORT entries start.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum NeighbourLayout {
    /// Reference layout (libiotdata, the test vectors): 10-byte header whose
    /// byte 9 bits 5-0 are zero, entries byte-aligned from byte 10.
    #[default]
    Aligned,
    /// Alternative reading of the specification text ("9.2 + 3N bytes"):
    /// entries continue the bit stream right after `gateway_id` (bit 74);
    /// the last byte is zero-padded.
    Bitstream,
}

/// The name of a control type: `BEACON`, `FORWARD`, `ACK`, `ROUTE_ERROR`,
/// `NEIGHBOUR_REPORT`, `PING`, `PONG`, or `UNKNOWN` for 7-15.
pub fn ctrl_name_of(ctrl_type: u8) -> &'static str {
    match ctrl_type {
        CTRL_BEACON => "BEACON",
        CTRL_FORWARD => "FORWARD",
        CTRL_ACK => "ACK",
        CTRL_ROUTE_ERROR => "ROUTE_ERROR",
        CTRL_NEIGHBOUR_REPORT => "NEIGHBOUR_REPORT",
        CTRL_PING => "PING",
        CTRL_PONG => "PONG",
        _ => "UNKNOWN",
    }
}

/// The name of a ROUTE_ERROR reason: `parent_lost`, `overloaded`,
/// `shutdown`, else `reserved`.
pub fn reason_name(reason: u8) -> &'static str {
    match reason {
        REASON_PARENT_LOST => "parent_lost",
        REASON_OVERLOADED => "overloaded",
        REASON_SHUTDOWN => "shutdown",
        _ => "reserved",
    }
}

/// Quantises an RSSI to the 4-bit NEIGHBOUR_REPORT code:
/// `clamp(trunc((rssi_dbm + 120) / 5), 0, 15)` (5 dBm steps from -120 dBm).
pub fn rssi_to_q4(rssi_dbm: i32) -> u8 {
    let q = (i64::from(rssi_dbm) + 120) / 5;
    q.clamp(0, 15) as u8
}

/// Decodes a 4-bit RSSI code: `q * 5 - 120` dBm (-120 for 0, -45 for 15).
pub fn q4_to_rssi(q: u8) -> i32 {
    i32::from(q) * 5 - 120
}

/// Whether beacon generation `a` is newer than `b` under the 12-bit
/// wrap-around rule: `(a - b) mod 4096` is in `1..=2047`.
pub fn generation_newer(a: u16, b: u16) -> bool {
    let diff = a.wrapping_sub(b) & 0x0FFF;
    (1..=2047).contains(&diff)
}

/// Whether the frame is a mesh control packet (header variant nibble 15).
/// An empty frame is not.
pub fn is_mesh(bytes: &[u8]) -> bool {
    bytes.first().is_some_and(|b| b >> 4 == MESH_VARIANT)
}

/// The origin `(station, sequence)` of a FORWARD's inner packet, read from
/// its iotdata header (`variant(4) | station(12) | sequence(16)`), or `None`
/// if `inner` is shorter than 4 bytes. This is the duplicate-suppression key.
pub fn inner_origin(inner: &[u8]) -> Option<(u16, u16)> {
    let mut r = BitReader::new(inner);
    r.skip(4)?;
    let station = r.read(12)? as u16;
    let seq = r.read(16)? as u16;
    Some((station, seq))
}

impl MeshBody {
    /// The 4-bit control type.
    pub fn ctrl_type(&self) -> u8 {
        match self {
            MeshBody::Beacon { .. } => CTRL_BEACON,
            MeshBody::Forward { .. } => CTRL_FORWARD,
            MeshBody::Ack { .. } => CTRL_ACK,
            MeshBody::RouteError { .. } => CTRL_ROUTE_ERROR,
            MeshBody::NeighbourReport { .. } => CTRL_NEIGHBOUR_REPORT,
            MeshBody::Ping { .. } => CTRL_PING,
            MeshBody::Pong { .. } => CTRL_PONG,
            MeshBody::Unknown { ctrl_type, .. } => *ctrl_type,
        }
    }

    /// The control type's name ([`ctrl_name_of`]); `UNKNOWN` for reserved types.
    pub fn ctrl_name(&self) -> &'static str {
        match self {
            MeshBody::Unknown { .. } => "UNKNOWN",
            other => ctrl_name_of(other.ctrl_type()),
        }
    }
}
