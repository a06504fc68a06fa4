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
//!   short input as [`DecodeError::Short`] (fewer than 5 bytes), missing
//!   bytes as [`DecodeError::Truncated`] (bit offset and JSON key of the
//!   field being read) and invalid content as [`DecodeError::Malformed`].
//!   The encoder range-checks every field ([`EncodeError::OutOfRange`]).
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

use std::fmt::Write as _;

use serde_json::{Map, Value};

use crate::bits::{BitReader, BitWriter};
use crate::dump::DumpEntry;
use crate::error::{Bound, DecodeError, EncodeError, Quantity};
use crate::json_write::{write_int, write_key, write_str};

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

// ---------------------------------------------------------------------------
// Control payloads: one description per type
// ---------------------------------------------------------------------------

/// How a member's value reads in the dump.
#[derive(Debug, Clone, Copy)]
enum Text {
    /// The number.
    Plain,
    /// `1 <unit>` / `n <unit>s` (costs in hops, relay counts).
    Count(&'static str),
    /// BEACON flags: hex, and whether the gateway is accepting.
    BeaconFlags,
    /// ROUTE_ERROR reason: the number and its [`reason_name`].
    Reason,
    /// A parent id: the number, `(none, orphaned)` for [`PARENT_NONE`].
    Parent,
    /// A 4-bit RSSI code as dBm ([`q4_to_rssi`]).
    Rssi,
}

/// One fixed-width member of a control payload. Its JSON key is also its
/// dump name and the field named in errors; its wire range is `0 ..=
/// 2^bits - 1`, reported as `quantity` when a value is out of it.
#[derive(Debug, Clone, Copy)]
struct Member {
    name: &'static str,
    bits: u32,
    quantity: Quantity,
    /// The dump's range text.
    range: &'static str,
    text: Text,
    /// Derived from the body rather than stored (NEIGHBOUR_REPORT
    /// `num_neighbours`): written and dumped, never range-checked or read
    /// from JSON as a value.
    derived: bool,
}

impl Member {
    const fn new(
        name: &'static str,
        bits: u32,
        quantity: Quantity,
        range: &'static str,
        text: Text,
    ) -> Member {
        Member {
            name,
            bits,
            quantity,
            range,
            text,
            derived: false,
        }
    }

    /// The largest value the member holds.
    fn max(&self) -> u32 {
        (1u32 << self.bits) - 1
    }

    /// The member's value as the dump shows it.
    fn decoded(&self, v: u32) -> String {
        match self.text {
            Text::Plain => v.to_string(),
            Text::Count(unit) if v == 1 => format!("1 {unit}"),
            Text::Count(unit) => format!("{v} {unit}s"),
            Text::BeaconFlags => {
                let accepting = if v & u32::from(FLAG_ACCEPTING) != 0 {
                    "accepting"
                } else {
                    "not accepting"
                };
                format!("{v:#03x} ({accepting})")
            }
            Text::Reason => format!("{v} ({})", reason_name(v as u8)),
            Text::Parent if v == u32::from(PARENT_NONE) => format!("{v} (none, orphaned)"),
            Text::Parent => v.to_string(),
            Text::Rssi => format!("{} dBm", q4_to_rssi(v as u8)),
        }
    }
}

/// An id member (12 bits).
const fn id(name: &'static str) -> Member {
    Member::new(name, 12, Quantity::Station, "0-4095", Text::Plain)
}

/// A byte member.
const fn byte(name: &'static str, text: Text) -> Member {
    Member::new(name, 8, Quantity::Flags, "0-255", text)
}

/// BEACON, 9-byte frame:
/// ```text
/// bit 36  gateway_id(12)    byte 4 low nibble + byte 5
/// bit 48  cost(8)           byte 6
/// bit 56  flags(4)          byte 7 high nibble (b0 accepting, b1-3 reserved)
/// bit 60  generation(12)    byte 7 low nibble + byte 8
/// ```
const BEACON: &[Member] = &[
    id("gateway_id"),
    byte("cost", Text::Count("hop")),
    Member::new(
        "flags",
        4,
        Quantity::Flags,
        "b0 accepting, b1-b3 reserved",
        Text::BeaconFlags,
    ),
    Member::new(
        "generation",
        12,
        Quantity::Sequence,
        "0-4095 (mod 4096)",
        Text::Plain,
    ),
];

/// FORWARD, (6 + N)-byte frame, N >= 4 (the members before the inner
/// packet; see [`read_forward`]):
/// ```text
/// bit 36  ttl(8)            byte 4 low nibble = ttl[7:4], byte 5 high nibble = ttl[3:0]
/// bit 44  pad(4)            byte 5 low nibble, reserved (ignored, written 0)
/// bit 48  inner packet      bytes 6.. (byte-aligned, opaque; N = frame length - 6)
/// ```
const FORWARD: &[Member] = &[byte("ttl", Text::Plain)];

/// ACK, 8-byte frame:
/// ```text
/// bit 36  fwd_station(12)   byte 4 low nibble + byte 5
/// bit 48  fwd_seq(16)       bytes 6-7, big-endian
/// ```
const ACK: &[Member] = &[
    id("fwd_station"),
    Member::new("fwd_seq", 16, Quantity::Sequence, "0-65535", Text::Plain),
];

/// ROUTE_ERROR, 5-byte frame:
/// ```text
/// bit 36  reason(4)         byte 4 low nibble
/// ```
const ROUTE_ERROR: &[Member] = &[Member::new(
    "reason",
    4,
    Quantity::Flags,
    "0-2 (3-15 reserved)",
    Text::Reason,
)];

/// NEIGHBOUR_REPORT, the members before the entries (see
/// [`read_neighbour_report`] for the two entry layouts):
/// ```text
/// bit 36  parent_id(12)       byte 4 low nibble + byte 5
/// bit 48  my_cost(8)          byte 6
/// bit 56  num_neighbours(6)   byte 7 bits 7-2
/// bit 62  gateway_id(12)      byte 7 bits 1-0 = [11:10], byte 8 = [9:2], byte 9 bits 7-6 = [1:0]
/// ```
const NEIGHBOUR_REPORT: &[Member] = &[
    Member::new(
        "parent_id",
        12,
        Quantity::Station,
        "0-4095 (4095 = none)",
        Text::Parent,
    ),
    byte("my_cost", Text::Count("hop")),
    Member {
        derived: true,
        ..Member::new("num_neighbours", 6, Quantity::Flags, "0-63", Text::Plain)
    },
    id("gateway_id"),
];

/// PING, 8-byte frame:
/// ```text
/// bit 36  target_id(12)     byte 4 low nibble + byte 5
/// bit 48  ttl(8)            byte 6
/// bit 56  ping_id(8)        byte 7
/// ```
const PING: &[Member] = &[
    id("target_id"),
    byte("ttl", Text::Plain),
    byte("ping_id", Text::Plain),
];

/// PONG, 8-byte frame:
/// ```text
/// bit 36  gateway_id(12)    byte 4 low nibble + byte 5
/// bit 48  relays(8)         byte 6
/// bit 56  ping_id(8)        byte 7
/// ```
const PONG: &[Member] = &[
    id("gateway_id"),
    byte("relays", Text::Count("relay")),
    byte("ping_id", Text::Plain),
];

/// The fixed members of a control type (none for reserved types).
fn members_of(ctrl_type: u8) -> &'static [Member] {
    match ctrl_type {
        CTRL_BEACON => BEACON,
        CTRL_FORWARD => FORWARD,
        CTRL_ACK => ACK,
        CTRL_ROUTE_ERROR => ROUTE_ERROR,
        CTRL_NEIGHBOUR_REPORT => NEIGHBOUR_REPORT,
        CTRL_PING => PING,
        CTRL_PONG => PONG,
        _ => &[],
    }
}

/// Values of a control type's fixed members, in table order.
type Values = [u32; 4];

impl MeshBody {
    /// The fixed members of this body and their values.
    fn fixed(&self) -> (&'static [Member], Values) {
        let (a, b, c, d) = match self {
            MeshBody::Beacon {
                gateway_id,
                cost,
                flags,
                generation,
            } => (
                u32::from(*gateway_id),
                u32::from(*cost),
                u32::from(*flags),
                u32::from(*generation),
            ),
            MeshBody::Forward { ttl, .. } => (u32::from(*ttl), 0, 0, 0),
            MeshBody::Ack {
                fwd_station,
                fwd_seq,
            } => (u32::from(*fwd_station), u32::from(*fwd_seq), 0, 0),
            MeshBody::RouteError { reason } => (u32::from(*reason), 0, 0, 0),
            MeshBody::NeighbourReport {
                parent_id,
                my_cost,
                gateway_id,
                neighbours,
            } => (
                u32::from(*parent_id),
                u32::from(*my_cost),
                neighbours.len() as u32,
                u32::from(*gateway_id),
            ),
            MeshBody::Ping {
                target_id,
                ttl,
                ping_id,
            } => (
                u32::from(*target_id),
                u32::from(*ttl),
                u32::from(*ping_id),
                0,
            ),
            MeshBody::Pong {
                gateway_id,
                relays,
                ping_id,
            } => (
                u32::from(*gateway_id),
                u32::from(*relays),
                u32::from(*ping_id),
                0,
            ),
            MeshBody::Unknown { .. } => return (&[], Values::default()),
        };
        (members_of(self.ctrl_type()), [a, b, c, d])
    }

    /// The body of a type made of fixed members only (BEACON, ACK,
    /// ROUTE_ERROR, PING, PONG) from its values (each within its member's
    /// width, so the narrowing casts are exact).
    fn from_fixed(ctrl_type: u8, v: Values) -> Option<MeshBody> {
        let [a, b, c, d] = v;
        Some(match ctrl_type {
            CTRL_BEACON => MeshBody::Beacon {
                gateway_id: a as u16,
                cost: b as u8,
                flags: c as u8,
                generation: d as u16,
            },
            CTRL_ACK => MeshBody::Ack {
                fwd_station: a as u16,
                fwd_seq: b as u16,
            },
            CTRL_ROUTE_ERROR => MeshBody::RouteError { reason: a as u8 },
            CTRL_PING => MeshBody::Ping {
                target_id: a as u16,
                ttl: b as u8,
                ping_id: c as u8,
            },
            CTRL_PONG => MeshBody::Pong {
                gateway_id: a as u16,
                relays: b as u8,
                ping_id: c as u8,
            },
            _ => return None,
        })
    }
}

/// One NEIGHBOUR_REPORT entry: `cost(8) | rssi_q4(4) | station_id(12)`; the
/// names are prefixed with `neighbours[i].`.
const NEIGHBOUR: &[Member] = &[
    byte("cost", Text::Count("hop")),
    Member::new(
        "rssi_q4",
        4,
        Quantity::LinkRssi,
        "0-15 (-120..-45 dBm, 5 dBm)",
        Text::Rssi,
    ),
    id("station_id"),
];

impl Neighbour {
    fn values(&self) -> Values {
        [
            u32::from(self.cost),
            u32::from(self.rssi_q4),
            u32::from(self.station_id),
            0,
        ]
    }
}

// ---------------------------------------------------------------------------
// Decoding
// ---------------------------------------------------------------------------

/// Reads `n` bits or reports a truncation of `field`.
fn rd(r: &mut BitReader<'_>, n: u32, field: &str) -> Result<u32, DecodeError> {
    let at = r.pos();
    r.read(n)
        .ok_or_else(|| DecodeError::truncated(at, field, n as usize, r.len_bits()))
}

/// Like [`rd`], building the field name only on error.
fn rd_with(
    r: &mut BitReader<'_>,
    n: u32,
    field: impl FnOnce() -> String,
) -> Result<u32, DecodeError> {
    let at = r.pos();
    r.read(n)
        .ok_or_else(|| DecodeError::truncated(at, field(), n as usize, r.len_bits()))
}

/// Decodes a mesh control packet (reference NEIGHBOUR_REPORT layout).
///
/// Reads the common header `variant(4) @0 = 15 | sender_station(12) @4 |
/// sender_seq(16) @16 | ctrl_type(4) @32` and the per-type payload from bit
/// 36 (see [`MeshBody`]). Errors: fewer than 5 bytes -> `Short`; variant not
/// 15 -> `Malformed` (field `variant`); missing bytes -> `Truncated` naming
/// the field (its JSON key, e.g. `generation`, `neighbours[2].station_id`);
/// non-zero NEIGHBOUR_REPORT reserved bits -> `Malformed`. Trailing bytes
/// are ignored. Reserved control types give [`MeshBody::Unknown`].
pub fn parse(bytes: &[u8]) -> Result<MeshPacket, DecodeError> {
    parse_with_layout(bytes, NeighbourLayout::Aligned)
}

/// Decodes a mesh control packet, reading NEIGHBOUR_REPORT entries in the
/// given layout (all other types are unaffected). See [`parse`].
pub fn parse_with_layout(bytes: &[u8], layout: NeighbourLayout) -> Result<MeshPacket, DecodeError> {
    if bytes.len() < MIN_LEN {
        return Err(DecodeError::Short {
            len: bytes.len(),
            min: MIN_LEN,
        });
    }
    let mut r = BitReader::new(bytes);
    // bit 0: variant(4) = 15
    let variant = rd(&mut r, 4, "variant")?;
    if variant != u32::from(MESH_VARIANT) {
        return Err(DecodeError::Malformed {
            bit_offset: 0,
            field: "variant".into(),
            reason: format!("variant {variant} is not 15: not a mesh control packet"),
        });
    }
    // bit 4: sender_station(12); bit 16: sender_seq(16); bit 32: ctrl_type(4)
    let sender_station = rd(&mut r, 12, "sender_station")? as u16;
    let sender_seq = rd(&mut r, 16, "sender_seq")? as u16;
    let ctrl_type = rd(&mut r, 4, "ctrl_type")? as u8;
    let body = match ctrl_type {
        CTRL_FORWARD => read_forward(&mut r, bytes)?,
        CTRL_NEIGHBOUR_REPORT => read_neighbour_report(&mut r, layout)?,
        _ => {
            let values = read_members(&mut r, members_of(ctrl_type), "")?;
            MeshBody::from_fixed(ctrl_type, values).unwrap_or_else(|| MeshBody::Unknown {
                ctrl_type,
                payload: bytes.get(4..).unwrap_or(&[]).to_vec(),
            })
        }
    };
    Ok(MeshPacket {
        sender_station,
        sender_seq,
        body,
    })
}

/// Reads `members` in order (truncation errors name `prefix` + the member).
fn read_members(
    r: &mut BitReader<'_>,
    members: &[Member],
    prefix: &str,
) -> Result<Values, DecodeError> {
    let mut values = Values::default();
    for (v, m) in values.iter_mut().zip(members) {
        *v = rd_with(r, m.bits, || format!("{prefix}{}", m.name))?;
    }
    Ok(values)
}

/// FORWARD payload: the [`FORWARD`] members, the pad nibble, then the inner
/// packet (at least [`FORWARD_MIN_INNER`] bytes) to the end of the frame.
fn read_forward(r: &mut BitReader<'_>, bytes: &[u8]) -> Result<MeshBody, DecodeError> {
    let [ttl, ..] = read_members(r, FORWARD, "")?;
    let _pad = rd(r, 4, "pad")?;
    let inner = bytes.get(FORWARD_HDR_LEN..).unwrap_or(&[]);
    if inner.len() < FORWARD_MIN_INNER {
        return Err(DecodeError::truncated(
            FORWARD_HDR_LEN * 8,
            "inner",
            FORWARD_MIN_INNER * 8,
            r.len_bits(),
        ));
    }
    Ok(MeshBody::Forward {
        ttl: ttl as u8,
        inner: inner.to_vec(),
    })
}

/// NEIGHBOUR_REPORT payload: the [`NEIGHBOUR_REPORT`] members (to bit 74),
/// then the [`NEIGHBOUR`] entries in one of two layouts:
/// ```text
/// Aligned (reference, 10 + 3N bytes):
/// bit 74  reserved(6) = 0     byte 9 bits 5-0
/// bit 80 + 24i  entry i: cost(8) | rssi_q4(4) | station_id(12)   bytes 10+3i .. 12+3i
/// Bitstream (alternative, ceil((74 + 24N) / 8) bytes):
/// bit 74 + 24i  entry i: cost(8) | rssi_q4(4) | station_id(12)
/// ```
fn read_neighbour_report(
    r: &mut BitReader<'_>,
    layout: NeighbourLayout,
) -> Result<MeshBody, DecodeError> {
    let [parent_id, my_cost, count, gateway_id] = read_members(r, NEIGHBOUR_REPORT, "")?;
    if layout == NeighbourLayout::Aligned {
        let at = r.pos();
        let reserved = rd(r, 6, "reserved")?;
        if reserved != 0 {
            return Err(DecodeError::Malformed {
                bit_offset: at,
                field: "reserved".into(),
                reason: format!(
                    "byte 9 bits 5-0 must be zero, found {reserved:#04x} (a NEIGHBOUR_REPORT in the bit-stream layout?)"
                ),
            });
        }
    }
    // count <= 63 (6-bit field): bounded allocation.
    let mut neighbours = Vec::with_capacity(count as usize);
    for i in 0..count {
        let [cost, rssi_q4, station_id, _] =
            read_members(r, NEIGHBOUR, &format!("neighbours[{i}]."))?;
        neighbours.push(Neighbour {
            cost: cost as u8,
            rssi_q4: rssi_q4 as u8,
            station_id: station_id as u16,
        });
    }
    Ok(MeshBody::NeighbourReport {
        parent_id: parent_id as u16,
        my_cost: my_cost as u8,
        gateway_id: gateway_id as u16,
        neighbours,
    })
}

// ---------------------------------------------------------------------------
// Encoding
// ---------------------------------------------------------------------------

fn check_max(field: &str, value: u32, max: u32, quantity: Quantity) -> Result<(), EncodeError> {
    if value > max {
        Err(EncodeError::range(
            field,
            quantity,
            Bound::High,
            f64::from(value),
            f64::from(max),
        ))
    } else {
        Ok(())
    }
}

/// Writes `values` as `members`.
fn write_members(w: &mut BitWriter, members: &[Member], values: &Values) {
    for (m, v) in members.iter().zip(values) {
        w.write(*v, m.bits);
    }
}

/// Range-checks `values` against `members` (derived members excepted);
/// errors name `prefix` + the member.
fn check_members(members: &[Member], values: &Values, prefix: &str) -> Result<(), EncodeError> {
    for (m, v) in members.iter().zip(values) {
        if !m.derived && *v > m.max() {
            return Err(EncodeError::range(
                format!("{prefix}{}", m.name),
                m.quantity,
                Bound::High,
                f64::from(*v),
                f64::from(m.max()),
            ));
        }
    }
    Ok(())
}

impl MeshPacket {
    /// The 4-bit control type.
    pub fn ctrl_type(&self) -> u8 {
        self.body.ctrl_type()
    }

    /// The control type's name (`BEACON`, ..., `UNKNOWN`).
    pub fn ctrl_name(&self) -> &'static str {
        self.body.ctrl_name()
    }

    /// Encodes the packet (reference NEIGHBOUR_REPORT layout). The bit layout
    /// is the one [`parse`] reads; padding and reserved bits are written as
    /// zero.
    ///
    /// Range checks ([`EncodeError::OutOfRange`], field = JSON key):
    /// station ids (`sender_station`, `gateway_id`, `fwd_station`,
    /// `parent_id`, `target_id`, `neighbours[i].station_id`) 0-4095
    /// ([`Quantity::Station`]); `generation` 0-4095 ([`Quantity::Sequence`]);
    /// `flags` and `reason` 0-15 ([`Quantity::Flags`]); `neighbours[i].rssi_q4`
    /// 0-15 ([`Quantity::LinkRssi`]); at most 63 `neighbours` and at least 4
    /// `inner` bytes ([`Quantity::TlvLength`]); `Unknown`: `ctrl_type` 7-15
    /// ([`Quantity::Variant`]), `payload` non-empty ([`Quantity::TlvLength`])
    /// with `payload[0] >> 4 == ctrl_type` ([`Quantity::Variant`]).
    pub fn to_bytes(&self) -> Result<Vec<u8>, EncodeError> {
        self.to_bytes_with_layout(NeighbourLayout::Aligned)
    }

    /// Encodes the packet with NEIGHBOUR_REPORT entries in the given layout.
    /// See [`MeshPacket::to_bytes`].
    pub fn to_bytes_with_layout(&self, layout: NeighbourLayout) -> Result<Vec<u8>, EncodeError> {
        self.validate()?;
        let mut w = BitWriter::with_capacity(self.encoded_len());
        w.write(u32::from(MESH_VARIANT), 4);
        w.write(u32::from(self.sender_station), 12);
        w.write(u32::from(self.sender_seq), 16);
        if let MeshBody::Unknown { payload, .. } = &self.body {
            // payload[0]'s high nibble is ctrl_type (checked by validate).
            w.write_bytes(payload);
            return Ok(w.into_bytes());
        }
        w.write(u32::from(self.ctrl_type()), 4);
        let (members, values) = self.body.fixed();
        write_members(&mut w, members, &values);
        match &self.body {
            MeshBody::Forward { inner, .. } => {
                w.write(0, 4); // pad
                w.write_bytes(inner);
            }
            MeshBody::NeighbourReport { neighbours, .. } => {
                if layout == NeighbourLayout::Aligned {
                    w.write(0, 6); // reserved
                }
                for n in neighbours {
                    write_members(&mut w, NEIGHBOUR, &n.values());
                }
            }
            _ => {}
        }
        Ok(w.into_bytes())
    }

    /// Encoded length in bytes (reference layout), used as a capacity hint.
    fn encoded_len(&self) -> usize {
        match &self.body {
            MeshBody::Beacon { .. } => 9,
            MeshBody::Forward { inner, .. } => FORWARD_HDR_LEN + inner.len(),
            MeshBody::Ack { .. } | MeshBody::Ping { .. } | MeshBody::Pong { .. } => 8,
            MeshBody::RouteError { .. } => MIN_LEN,
            MeshBody::NeighbourReport { neighbours, .. } => {
                NEIGHBOUR_HDR_LEN + NEIGHBOUR_ENTRY_LEN * neighbours.len()
            }
            MeshBody::Unknown { payload, .. } => 4 + payload.len(),
        }
    }

    /// Checks every field against its wire range.
    fn validate(&self) -> Result<(), EncodeError> {
        check_max(
            "sender_station",
            u32::from(self.sender_station),
            MAX_ID,
            Quantity::Station,
        )?;
        let (members, values) = self.body.fixed();
        check_members(members, &values, "")?;
        match &self.body {
            MeshBody::Forward { inner, .. } if inner.len() < FORWARD_MIN_INNER => {
                return Err(EncodeError::range(
                    "inner",
                    Quantity::TlvLength,
                    Bound::Low,
                    inner.len() as f64,
                    FORWARD_MIN_INNER as f64,
                ));
            }
            MeshBody::NeighbourReport { neighbours, .. } => {
                if neighbours.len() > MAX_NEIGHBOURS {
                    return Err(EncodeError::range(
                        "neighbours",
                        Quantity::TlvLength,
                        Bound::High,
                        neighbours.len() as f64,
                        MAX_NEIGHBOURS as f64,
                    ));
                }
                for (i, n) in neighbours.iter().enumerate() {
                    check_members(NEIGHBOUR, &n.values(), &format!("neighbours[{i}]."))?;
                }
            }
            MeshBody::Unknown { ctrl_type, payload } => {
                if *ctrl_type <= CTRL_PONG {
                    return Err(EncodeError::range(
                        "ctrl_type",
                        Quantity::Variant,
                        Bound::Low,
                        f64::from(*ctrl_type),
                        f64::from(CTRL_PONG + 1),
                    ));
                }
                check_max(
                    "ctrl_type",
                    u32::from(*ctrl_type),
                    MAX_U4,
                    Quantity::Variant,
                )?;
                let Some(first) = payload.first() else {
                    return Err(EncodeError::range(
                        "payload",
                        Quantity::TlvLength,
                        Bound::Low,
                        0.0,
                        1.0,
                    ));
                };
                let nibble = first >> 4;
                if nibble != *ctrl_type {
                    let bound = if nibble < *ctrl_type {
                        Bound::Low
                    } else {
                        Bound::High
                    };
                    return Err(EncodeError::range(
                        "payload",
                        Quantity::Variant,
                        bound,
                        f64::from(nibble),
                        f64::from(*ctrl_type),
                    ));
                }
            }
            _ => {}
        }
        Ok(())
    }
}

// ---------------------------------------------------------------------------
// JSON
// ---------------------------------------------------------------------------

fn push_hex(out: &mut String, bytes: &[u8]) {
    out.reserve(bytes.len() * 2);
    for b in bytes {
        let _ = write!(out, "{b:02x}");
    }
}

fn hex_string(bytes: &[u8]) -> String {
    let mut s = String::new();
    push_hex(&mut s, bytes);
    s
}

fn parse_hex(s: &str) -> Option<Vec<u8>> {
    let pairs = s.as_bytes().chunks_exact(2);
    if !pairs.remainder().is_empty() {
        return None;
    }
    pairs
        .map(|pair| {
            let hi = char::from(*pair.first()?).to_digit(16)?;
            let lo = char::from(*pair.get(1)?).to_digit(16)?;
            Some((hi * 16 + lo) as u8)
        })
        .collect()
}

fn int_member(out: &mut String, key: &str, v: impl Into<i64>) {
    out.push(',');
    write_key(out, key);
    write_int(out, v.into());
}

/// Writes the packet's JSON document to `out`: one object, keys in this
/// order (all numbers are integers):
///
/// * common: `variant` (15), `sender_station`, `sender_seq`, `ctrl_type`,
///   `ctrl_name`
/// * BEACON: `gateway_id`, `cost`, `flags`, `generation`
/// * FORWARD: `ttl`, `inner_hex` (lowercase hex of the inner packet),
///   `inner` (whatever `inner_json` writes for the inner bytes: the inner
///   packet's canonical JSON or its error object; it must write one JSON
///   value)
/// * ACK: `fwd_station`, `fwd_seq`
/// * ROUTE_ERROR: `reason`, `reason_name` ([`reason_name`])
/// * NEIGHBOUR_REPORT: `parent_id`, `my_cost`, `num_neighbours`,
///   `gateway_id`, `neighbours`: array of `{cost, rssi_q4, rssi_dbm,
///   station_id}` (`rssi_dbm` = [`q4_to_rssi`])
/// * PING: `target_id`, `ttl`, `ping_id`
/// * PONG: `gateway_id`, `relays`, `ping_id`
/// * UNKNOWN (ctrl_type 7-15): `payload_hex` (frame bytes 4.., lowercase hex)
///
/// [`mesh_from_json`] turns this document back into the same packet.
pub fn write_mesh_json(out: &mut String, p: &MeshPacket, inner_json: &dyn Fn(&[u8], &mut String)) {
    out.push('{');
    write_key(out, "variant");
    write_int(out, i64::from(MESH_VARIANT));
    int_member(out, "sender_station", p.sender_station);
    int_member(out, "sender_seq", p.sender_seq);
    int_member(out, "ctrl_type", p.ctrl_type());
    out.push(',');
    write_key(out, "ctrl_name");
    write_str(out, p.ctrl_name());
    let (members, values) = p.body.fixed();
    for (m, v) in members.iter().zip(values) {
        int_member(out, m.name, v);
    }
    match &p.body {
        MeshBody::Forward { inner, .. } => {
            out.push(',');
            write_key(out, "inner_hex");
            out.push('"');
            push_hex(out, inner);
            out.push('"');
            out.push(',');
            write_key(out, "inner");
            inner_json(inner, out);
        }
        MeshBody::RouteError { reason } => {
            out.push(',');
            write_key(out, "reason_name");
            write_str(out, reason_name(*reason));
        }
        MeshBody::NeighbourReport { neighbours, .. } => {
            out.push(',');
            write_key(out, "neighbours");
            out.push('[');
            for (i, n) in neighbours.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push('{');
                write_key(out, "cost");
                write_int(out, i64::from(n.cost));
                int_member(out, "rssi_q4", n.rssi_q4);
                int_member(out, "rssi_dbm", n.rssi_dbm());
                int_member(out, "station_id", n.station_id);
                out.push('}');
            }
            out.push(']');
        }
        MeshBody::Unknown { payload, .. } => {
            out.push(',');
            write_key(out, "payload_hex");
            out.push('"');
            push_hex(out, payload);
            out.push('"');
        }
        _ => {}
    }
    out.push('}');
}

fn json_invalid(field: impl Into<String>, reason: impl Into<String>) -> EncodeError {
    EncodeError::JsonInvalid {
        field: field.into(),
        reason: reason.into(),
    }
}

/// Reads an unsigned integer member (`field` names it in errors) and checks
/// it against `max`.
fn json_uint(
    v: Option<&Value>,
    field: &str,
    max: u32,
    quantity: Quantity,
) -> Result<u32, EncodeError> {
    let v = v.ok_or_else(|| EncodeError::JsonMissingField(field.to_string()))?;
    if let Some(u) = v.as_u64() {
        if u > u64::from(max) {
            return Err(EncodeError::range(
                field,
                quantity,
                Bound::High,
                u as f64,
                f64::from(max),
            ));
        }
        return Ok(u as u32);
    }
    if let Some(f) = v.as_f64() {
        if f < 0.0 {
            return Err(EncodeError::range(field, quantity, Bound::Low, f, 0.0));
        }
        if f.fract() == 0.0 && f <= f64::from(max) {
            return Ok(f as u32);
        }
        if f.fract() == 0.0 {
            return Err(EncodeError::range(
                field,
                quantity,
                Bound::High,
                f,
                f64::from(max),
            ));
        }
    }
    Err(json_invalid(field, "expected a non-negative integer"))
}

fn json_hex(v: Option<&Value>, field: &str) -> Result<Vec<u8>, EncodeError> {
    let v = v.ok_or_else(|| EncodeError::JsonMissingField(field.to_string()))?;
    let s = v
        .as_str()
        .ok_or_else(|| json_invalid(field, "expected a hex string"))?;
    parse_hex(s).ok_or_else(|| json_invalid(field, "expected an even number of hex digits"))
}

fn ctrl_from_name(name: &str) -> Option<u8> {
    Some(match name {
        "BEACON" => CTRL_BEACON,
        "FORWARD" => CTRL_FORWARD,
        "ACK" => CTRL_ACK,
        "ROUTE_ERROR" => CTRL_ROUTE_ERROR,
        "NEIGHBOUR_REPORT" | "NEIGHBOUR_RPT" => CTRL_NEIGHBOUR_REPORT,
        "PING" => CTRL_PING,
        "PONG" => CTRL_PONG,
        _ => return None,
    })
}

/// Determines the control type from `ctrl_type` and/or `ctrl_name`.
fn json_ctrl_type(obj: &Map<String, Value>) -> Result<u8, EncodeError> {
    let by_number = match obj.get("ctrl_type") {
        Some(v) => Some(json_uint(Some(v), "ctrl_type", MAX_U4, Quantity::Variant)? as u8),
        None => None,
    };
    let name = match obj.get("ctrl_name") {
        Some(v) => Some(
            v.as_str()
                .ok_or_else(|| json_invalid("ctrl_name", "expected a string"))?,
        ),
        None => None,
    };
    match (by_number, name) {
        (Some(t), None) => Ok(t),
        (Some(t), Some(n)) => {
            let agrees = match ctrl_from_name(n) {
                Some(from_name) => from_name == t,
                None => n == "UNKNOWN" && t > CTRL_PONG,
            };
            if agrees {
                Ok(t)
            } else {
                Err(json_invalid(
                    "ctrl_name",
                    format!("'{n}' does not match ctrl_type {t}"),
                ))
            }
        }
        (None, Some(n)) => ctrl_from_name(n).ok_or_else(|| {
            if n == "UNKNOWN" {
                EncodeError::JsonMissingField("ctrl_type".into())
            } else {
                json_invalid("ctrl_name", format!("unknown control type name '{n}'"))
            }
        }),
        (None, None) => Err(EncodeError::JsonMissingField("ctrl_type".into())),
    }
}

fn json_neighbour(v: &Value, i: usize) -> Result<Neighbour, EncodeError> {
    let obj = v
        .as_object()
        .ok_or_else(|| json_invalid(format!("neighbours[{i}]"), "expected an object"))?;
    let mut values = Values::default();
    for (slot, m) in values.iter_mut().zip(NEIGHBOUR) {
        let key = format!("neighbours[{i}].{}", m.name);
        *slot = match (m.name, obj.get(m.name), obj.get("rssi_dbm")) {
            // `rssi_dbm` stands in for a missing `rssi_q4`.
            ("rssi_q4", None, Some(dbm)) => {
                let d = dbm.as_i64().ok_or_else(|| {
                    json_invalid(format!("neighbours[{i}].rssi_dbm"), "expected an integer")
                })?;
                u32::from(rssi_to_q4(
                    d.clamp(i64::from(i32::MIN), i64::from(i32::MAX)) as i32,
                ))
            }
            (_, value, _) => json_uint(value, &key, m.max(), m.quantity)?,
        };
    }
    let [cost, rssi_q4, station_id, _] = values;
    Ok(Neighbour {
        cost: cost as u8,
        rssi_q4: rssi_q4 as u8,
        station_id: station_id as u16,
    })
}

/// Builds a packet from its JSON document (as written by
/// [`write_mesh_json`]), so that decode -> JSON -> encode gives the same
/// bytes.
///
/// Required: `sender_station`, `sender_seq`, `ctrl_type` (or a `ctrl_name`
/// other than `UNKNOWN`; when both are given they must agree; the reference's
/// `NEIGHBOUR_RPT` is accepted) and the per-type members listed at
/// [`write_mesh_json`]. FORWARD is built from `inner_hex` (`inner` is
/// ignored); UNKNOWN from `payload_hex`. Derived members are optional:
/// `variant` must be 15 if present, `num_neighbours` must equal the number of
/// entries if present, `reason_name` is ignored, and a neighbour's `rssi_dbm`
/// is used (quantised with [`rssi_to_q4`]) only when `rssi_q4` is absent.
/// Values are range-checked as in [`MeshPacket::to_bytes`].
pub fn mesh_from_json(v: &Value) -> Result<MeshPacket, EncodeError> {
    let obj = v
        .as_object()
        .ok_or_else(|| json_invalid("(root)", "expected a JSON object"))?;
    if let Some(variant) = obj.get("variant") {
        if variant.as_u64() != Some(u64::from(MESH_VARIANT)) {
            return Err(json_invalid(
                "variant",
                "a mesh control packet has variant 15",
            ));
        }
    }
    let sender_station = json_uint(
        obj.get("sender_station"),
        "sender_station",
        MAX_ID,
        Quantity::Station,
    )? as u16;
    let sender_seq = json_uint(
        obj.get("sender_seq"),
        "sender_seq",
        MAX_U16,
        Quantity::Sequence,
    )? as u16;
    let ctrl_type = json_ctrl_type(obj)?;
    let mut values = Values::default();
    for (slot, m) in values.iter_mut().zip(members_of(ctrl_type)) {
        if !m.derived {
            *slot = json_uint(obj.get(m.name), m.name, m.max(), m.quantity)?;
        }
    }
    let body = match ctrl_type {
        CTRL_FORWARD => {
            let [ttl, ..] = values;
            MeshBody::Forward {
                ttl: ttl as u8,
                inner: json_hex(obj.get("inner_hex"), "inner_hex")?,
            }
        }
        CTRL_NEIGHBOUR_REPORT => {
            let [parent_id, my_cost, _, gateway_id] = values;
            let list = obj
                .get("neighbours")
                .ok_or_else(|| EncodeError::JsonMissingField("neighbours".into()))?
                .as_array()
                .ok_or_else(|| json_invalid("neighbours", "expected an array"))?;
            if list.len() > MAX_NEIGHBOURS {
                return Err(EncodeError::range(
                    "neighbours",
                    Quantity::TlvLength,
                    Bound::High,
                    list.len() as f64,
                    MAX_NEIGHBOURS as f64,
                ));
            }
            if let Some(n) = obj.get("num_neighbours") {
                if n.as_u64() != Some(list.len() as u64) {
                    return Err(json_invalid(
                        "num_neighbours",
                        format!("must equal the number of entries ({})", list.len()),
                    ));
                }
            }
            let neighbours = list
                .iter()
                .enumerate()
                .map(|(i, e)| json_neighbour(e, i))
                .collect::<Result<Vec<_>, _>>()?;
            MeshBody::NeighbourReport {
                parent_id: parent_id as u16,
                my_cost: my_cost as u8,
                gateway_id: gateway_id as u16,
                neighbours,
            }
        }
        _ => match MeshBody::from_fixed(ctrl_type, values) {
            Some(body) => body,
            None => MeshBody::Unknown {
                ctrl_type,
                payload: json_hex(obj.get("payload_hex"), "payload_hex")?,
            },
        },
    };
    let p = MeshPacket {
        sender_station,
        sender_seq,
        body,
    };
    p.validate()?;
    Ok(p)
}

// ---------------------------------------------------------------------------
// Dump
// ---------------------------------------------------------------------------

/// Appends the packet's bit-level dump (reference NEIGHBOUR_REPORT layout):
/// one entry per header part (`variant`, `station`, `sequence`,
/// `ctrl_type`) and per payload field, named by its JSON key
/// (`neighbours[i].cost` etc.; `pad`/`reserved` for the zero bits; `inner`
/// and `payload` for opaque bytes, whose `raw` is 0 when wider than 64
/// bits), with bit offset and length as [`MeshPacket::to_bytes`] writes
/// them, the decoded value with its unit and the valid range.
pub fn dump_mesh(p: &MeshPacket, out: &mut Vec<DumpEntry>) {
    let e = |at: usize, len: usize, field: &str, raw: u64, decoded: String, range: &str| {
        DumpEntry::new(at, len, field, raw, decoded, range)
    };
    out.push(e(
        0,
        4,
        "variant",
        u64::from(MESH_VARIANT),
        "15 (mesh)".into(),
        "15 = mesh control",
    ));
    out.push(e(
        4,
        12,
        "station",
        u64::from(p.sender_station),
        p.sender_station.to_string(),
        "0-4095",
    ));
    out.push(e(
        16,
        16,
        "sequence",
        u64::from(p.sender_seq),
        p.sender_seq.to_string(),
        "0-65535",
    ));
    let ct = p.ctrl_type();
    out.push(e(
        32,
        4,
        "ctrl_type",
        u64::from(ct),
        p.ctrl_name().into(),
        "0-6 (7-15 reserved)",
    ));
    let mut at = 36;
    let (members, values) = p.body.fixed();
    dump_members(out, &mut at, members, &values, "");
    match &p.body {
        MeshBody::Forward { inner, .. } => {
            out.push(e(at, 4, "pad", 0, "0".into(), "reserved, 0"));
            let raw = if inner.len() <= 8 {
                inner.iter().fold(0u64, |acc, b| (acc << 8) | u64::from(*b))
            } else {
                0
            };
            let decoded = match inner_origin(inner) {
                Some((s, q)) => format!("{} bytes, origin station {s} seq {q}", inner.len()),
                None => format!("{} bytes", inner.len()),
            };
            out.push(e(
                FORWARD_HDR_LEN * 8,
                inner.len() * 8,
                "inner",
                raw,
                decoded,
                "opaque iotdata packet",
            ));
        }
        MeshBody::NeighbourReport { neighbours, .. } => {
            out.push(e(at, 6, "reserved", 0, "0".into(), "reserved, 0"));
            at += 6;
            for (i, nb) in neighbours.iter().enumerate() {
                dump_members(
                    out,
                    &mut at,
                    NEIGHBOUR,
                    &nb.values(),
                    &format!("neighbours[{i}]."),
                );
            }
        }
        MeshBody::Unknown { payload, .. } => {
            // The payload's first nibble is ctrl_type; its bits start at 36.
            let bits = (payload.len() * 8).saturating_sub(4);
            let raw = if bits <= 64 {
                payload
                    .iter()
                    .fold(0u64, |acc, b| (acc << 8) | u64::from(*b))
                    & ((1u128 << bits) - 1) as u64
            } else {
                0
            };
            out.push(e(
                36,
                bits,
                "payload",
                raw,
                format!("{} bytes: {}", payload.len(), hex_string(payload)),
                "reserved control type, opaque",
            ));
        }
        _ => {}
    }
}

/// Appends one dump entry per member from bit `*at` on (advancing it);
/// names are `prefix` + the member's.
fn dump_members(
    out: &mut Vec<DumpEntry>,
    at: &mut usize,
    members: &[Member],
    values: &Values,
    prefix: &str,
) {
    for (m, v) in members.iter().zip(values) {
        let len = m.bits as usize;
        out.push(DumpEntry::new(
            *at,
            len,
            format!("{prefix}{}", m.name),
            u64::from(*v),
            m.decoded(*v),
            m.range,
        ));
        *at += len;
    }
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const VECTORS: &str = include_str!(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../tests/vectors/mesh.jsonl"
    ));

    fn records() -> Vec<Value> {
        VECTORS
            .lines()
            .filter(|l| !l.trim().is_empty())
            .map(|l| serde_json::from_str(l).expect("vector line is JSON"))
            .collect()
    }

    fn packet_records() -> Vec<Value> {
        records()
            .into_iter()
            .filter(|r| r.get("hex").is_some())
            .collect()
    }

    fn hex_of(r: &Value, key: &str) -> Vec<u8> {
        parse_hex(r[key].as_str().expect("hex string")).expect("valid hex")
    }

    fn stub_inner(bytes: &[u8], out: &mut String) {
        out.push_str("{\"stub_len\":");
        write_int(out, bytes.len() as i64);
        out.push('}');
    }

    fn to_json(p: &MeshPacket) -> String {
        let mut s = String::new();
        write_mesh_json(&mut s, p, &stub_inner);
        s
    }

    #[test]
    fn vectors_parse_to_fields_and_rebuild() {
        let recs = packet_records();
        assert_eq!(recs.len(), 16);
        for r in &recs {
            let name = r["name"].as_str().unwrap();
            let bytes = hex_of(r, "hex");
            assert_eq!(bytes.len() as u64, r["length"].as_u64().unwrap(), "{name}");
            assert!(is_mesh(&bytes), "{name}");
            let p = parse(&bytes).unwrap_or_else(|e| panic!("{name}: {e}"));
            let fields = &r["fields"];
            let json: Value =
                serde_json::from_str(&to_json(&p)).unwrap_or_else(|e| panic!("{name}: {e}"));
            let obj = json.as_object().unwrap();
            assert_eq!(obj["variant"], 15, "{name}");
            // Every key of our document except `variant`/`inner` matches `fields`.
            for (k, v) in obj {
                match k.as_str() {
                    "variant" => {}
                    "inner" => {
                        assert_eq!(v["stub_len"], hex_of(fields, "inner_hex").len(), "{name}")
                    }
                    "neighbours" => {
                        let want = fields["neighbours"].as_array().unwrap();
                        let got = v.as_array().unwrap();
                        assert_eq!(got.len(), want.len(), "{name}");
                        for (g, w) in got.iter().zip(want) {
                            for key in ["cost", "rssi_q4", "rssi_dbm", "station_id"] {
                                assert_eq!(g[key], w[key], "{name} {key}");
                            }
                            assert_eq!(g.as_object().unwrap().len(), 4);
                            let q = rssi_to_q4(w["rssi_dbm_in"].as_i64().unwrap() as i32);
                            assert_eq!(u64::from(q), w["rssi_q4"].as_u64().unwrap(), "{name}");
                        }
                    }
                    _ => assert_eq!(Some(v), fields.get(k), "{name}: key {k}"),
                }
            }
            // ... and every key of `fields` is in our document.
            for k in fields.as_object().unwrap().keys() {
                assert!(obj.contains_key(k), "{name}: missing key {k}");
            }
            // peek
            let peek = &r["peek"];
            assert_eq!(peek["variant"], 15);
            assert_eq!(peek["station"], p.sender_station, "{name}");
            assert_eq!(peek["sequence"], p.sender_seq, "{name}");
            assert_eq!(peek["ctrl_type"], p.ctrl_type(), "{name}");
            // unpacked (reference unpack helpers)
            if let Some(u) = r.get("unpacked") {
                assert_eq!(u["ok"], true);
                for (k, v) in u.as_object().unwrap() {
                    match k.as_str() {
                        "ok" => {}
                        "inner_len" => assert_eq!(*v, hex_of(fields, "inner_hex").len(), "{name}"),
                        "origin_station" | "origin_sequence" => {
                            let MeshBody::Forward { inner, .. } = &p.body else {
                                panic!("{name}: not a forward")
                            };
                            let (s, q) = inner_origin(inner).unwrap();
                            let got = if k == "origin_station" { s } else { q };
                            assert_eq!(*v, got, "{name}");
                        }
                        _ => assert_eq!(Some(v), obj.get(k), "{name}: unpacked {k}"),
                    }
                }
            }
            // rebuild
            assert_eq!(p.to_bytes().unwrap(), bytes, "{name}");
            // JSON -> packet -> bytes, both from our document and from `fields`
            assert_eq!(mesh_from_json(&json).unwrap(), p, "{name}");
            assert_eq!(
                mesh_from_json(fields).unwrap().to_bytes().unwrap(),
                bytes,
                "{name}"
            );
            // trailing bytes are ignored for everything but FORWARD/UNKNOWN
            let mut longer = bytes.clone();
            longer.extend_from_slice(&[0xAA, 0x55]);
            let q = parse(&longer).unwrap();
            if p.ctrl_type() != CTRL_FORWARD {
                assert_eq!(q, p, "{name}");
            }
        }
    }

    #[test]
    fn neighbour_report_alt_bitstream_layout() {
        let mut seen = 0;
        for r in packet_records()
            .iter()
            .filter(|r| r.get("hex_alt_bitstream").is_some())
        {
            let name = r["name"].as_str().unwrap();
            let primary = hex_of(r, "hex");
            let alt = hex_of(r, "hex_alt_bitstream");
            assert_eq!(alt.len(), primary.len(), "{name}");
            let p = parse(&primary).unwrap();
            // the explicit bit-stream layout reads the alternative bytes to the same packet
            assert_eq!(
                parse_with_layout(&alt, NeighbourLayout::Bitstream).unwrap(),
                p,
                "{name}"
            );
            assert_eq!(
                p.to_bytes_with_layout(NeighbourLayout::Bitstream).unwrap(),
                alt,
                "{name}"
            );
            // the default (reference) layout does not silently accept it as the same packet
            let MeshBody::NeighbourReport { neighbours, .. } = &p.body else {
                panic!()
            };
            match parse(&alt) {
                Ok(q) if neighbours.is_empty() => assert_eq!(q, p, "{name}"),
                Ok(q) => assert_ne!(q, p, "{name}"),
                Err(e) => assert!(matches!(e.kind(), "malformed" | "truncated"), "{name}: {e}"),
            }
            seen += 1;
        }
        assert_eq!(seen, 4);
        // A bit-stream packet whose first neighbour has cost >= 4 puts non-zero
        // bits into byte 9 bits 5-0: rejected by the reference layout.
        let p = MeshPacket {
            sender_station: 1,
            sender_seq: 2,
            body: MeshBody::NeighbourReport {
                parent_id: 3,
                my_cost: 1,
                gateway_id: 1,
                neighbours: vec![Neighbour {
                    cost: 200,
                    rssi_q4: 3,
                    station_id: 7,
                }],
            },
        };
        let alt = p.to_bytes_with_layout(NeighbourLayout::Bitstream).unwrap();
        let err = parse(&alt).unwrap_err();
        assert_eq!(err.kind(), "malformed");
        assert_eq!(err.bit_offset(), 74);
        assert_eq!(err.field(), "reserved");
    }

    #[test]
    fn member_tables_fill_the_documented_layouts() {
        let bits = |ms: &[Member]| ms.iter().map(|m| m.bits).sum::<u32>();
        // Payloads start at bit 36; frame lengths as documented.
        assert_eq!(36 + bits(BEACON), 9 * 8);
        assert_eq!(36 + bits(FORWARD) + 4, FORWARD_HDR_LEN as u32 * 8);
        assert_eq!(36 + bits(ACK), 8 * 8);
        assert_eq!(36 + bits(ROUTE_ERROR), MIN_LEN as u32 * 8);
        assert_eq!(
            36 + bits(NEIGHBOUR_REPORT) + 6,
            NEIGHBOUR_HDR_LEN as u32 * 8
        );
        assert_eq!(bits(NEIGHBOUR), NEIGHBOUR_ENTRY_LEN as u32 * 8);
        assert_eq!(36 + bits(PING), 8 * 8);
        assert_eq!(36 + bits(PONG), 8 * 8);
        for ctrl in 0..16u8 {
            let ms = members_of(ctrl);
            assert!(ms.len() <= 4, "{ctrl}: at most four values");
            let mut names: Vec<&str> = ms.iter().map(|m| m.name).collect();
            names.dedup();
            assert_eq!(names.len(), ms.len(), "{ctrl}: unique names");
            assert_eq!(ms.is_empty(), ctrl > CTRL_PONG);
        }
        assert_eq!(NEIGHBOUR_REPORT.iter().filter(|m| m.derived).count(), 1);
    }

    #[test]
    fn rssi_table() {
        let r = records()
            .into_iter()
            .find(|r| r["kind"] == "rssi_q4_table")
            .unwrap();
        let entries = r["entries"].as_array().unwrap();
        assert!(!entries.is_empty());
        for e in entries {
            let (dbm, q, dec) = (
                e[0].as_i64().unwrap(),
                e[1].as_u64().unwrap(),
                e[2].as_i64().unwrap(),
            );
            assert_eq!(u64::from(rssi_to_q4(dbm as i32)), q, "{dbm}");
            assert_eq!(i64::from(q4_to_rssi(q as u8)), dec, "{q}");
        }
        assert_eq!(rssi_to_q4(i32::MIN), 0);
        assert_eq!(rssi_to_q4(i32::MAX), 15);
        assert_eq!(q4_to_rssi(15), -45);
    }

    #[test]
    fn generation_table() {
        let r = records()
            .into_iter()
            .find(|r| r["kind"] == "generation_newer_table")
            .unwrap();
        let entries = r["entries"].as_array().unwrap();
        assert!(!entries.is_empty());
        for e in entries {
            let (a, b, want) = (
                e[0].as_u64().unwrap(),
                e[1].as_u64().unwrap(),
                e[2].as_bool().unwrap(),
            );
            assert_eq!(generation_newer(a as u16, b as u16), want, "{a} vs {b}");
        }
    }

    #[test]
    fn reserved_ctrl_types_are_unknown() {
        for ct in 7u8..=15 {
            let bytes = [0xF0, 0x2A, 0x01, 0x02, (ct << 4) | 0x9, 0xDE, 0xAD];
            let p = parse(&bytes).unwrap();
            assert_eq!(
                p.body,
                MeshBody::Unknown {
                    ctrl_type: ct,
                    payload: bytes[4..].to_vec()
                }
            );
            assert_eq!(p.ctrl_name(), "UNKNOWN");
            assert_eq!(p.to_bytes().unwrap(), bytes);
            let json = to_json(&p);
            assert_eq!(
                json,
                format!(
                    "{{\"variant\":15,\"sender_station\":42,\"sender_seq\":258,\"ctrl_type\":{ct},\"ctrl_name\":\"UNKNOWN\",\"payload_hex\":\"{:02x}dead\"}}",
                    (ct << 4) | 9
                )
            );
            assert_eq!(
                mesh_from_json(&serde_json::from_str(&json).unwrap()).unwrap(),
                p
            );
            // minimal 5-byte frame
            let p5 = parse(&bytes[..5]).unwrap();
            assert_eq!(p5.to_bytes().unwrap(), &bytes[..5]);
        }
        // encoder invariants
        let bad = |ctrl_type, payload: Vec<u8>| {
            MeshPacket {
                sender_station: 0,
                sender_seq: 0,
                body: MeshBody::Unknown { ctrl_type, payload },
            }
            .to_bytes()
            .unwrap_err()
        };
        assert_eq!(bad(3, vec![0x30]).kind(), "out_of_range");
        assert_eq!(bad(16, vec![0x00]).kind(), "out_of_range");
        assert_eq!(bad(9, vec![]).kind(), "out_of_range");
        assert_eq!(bad(9, vec![0x80]).kind(), "out_of_range");
    }

    #[test]
    fn every_truncation_is_ok_or_typed_error() {
        for r in packet_records() {
            let name = r["name"].as_str().unwrap();
            let mut frames = vec![(hex_of(&r, "hex"), NeighbourLayout::Aligned)];
            if r.get("hex_alt_bitstream").is_some() {
                frames.push((hex_of(&r, "hex_alt_bitstream"), NeighbourLayout::Bitstream));
            }
            for (bytes, native) in frames {
                for n in 0..=bytes.len() {
                    let cut = &bytes[..n];
                    for layout in [NeighbourLayout::Aligned, NeighbourLayout::Bitstream] {
                        match parse_with_layout(cut, layout) {
                            Ok(p) => {
                                // Whatever decodes re-encodes and decodes to itself.
                                let again = p.to_bytes_with_layout(layout).unwrap();
                                assert_eq!(
                                    parse_with_layout(&again, layout).unwrap(),
                                    p,
                                    "{name}[..{n}]"
                                );
                            }
                            Err(e) => {
                                // The complete frame decodes in its own layout.
                                assert!(n < bytes.len() || layout != native, "{name}: {e}");
                                assert!(
                                    matches!(e.kind(), "short" | "truncated" | "malformed"),
                                    "{name}[..{n}]: {e}"
                                );
                                if n < MIN_LEN {
                                    assert_eq!(
                                        e,
                                        DecodeError::Short {
                                            len: n,
                                            min: MIN_LEN
                                        }
                                    );
                                }
                                assert!(e.bit_offset() <= bytes.len() * 8);
                            }
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn truncation_errors_name_the_field() {
        // BEACON cut after the cost byte: flags are missing.
        let b = parse_hex("f00500050abc021123").unwrap();
        let e = parse(&b[..7]).unwrap_err();
        assert_eq!(
            e,
            DecodeError::Truncated {
                bit_offset: 56,
                field: "flags".into(),
                needed: 4,
                available: 0
            }
        );
        // NEIGHBOUR_REPORT with 4 entries, last entry cut.
        let n = parse_hex("f04d019340110212af0000c00101501102080103ffff").unwrap();
        let e = parse(&n[..21]).unwrap_err();
        assert_eq!(e.field(), "neighbours[3].station_id");
        assert_eq!(e.bit_offset(), 80 + 24 * 3 + 12);
        // FORWARD needs the inner header.
        let f = parse_hex("f009000b10307fff123400").unwrap();
        let e = parse(&f[..9]).unwrap_err();
        assert_eq!(
            (e.kind(), e.field(), e.bit_offset()),
            ("truncated", "inner", 48)
        );
        assert!(parse(&f[..10]).is_ok());
        // not a mesh packet
        let e = parse(&[0x00, 0x01, 0x00, 0x00, 0x00]).unwrap_err();
        assert_eq!((e.kind(), e.field()), ("malformed", "variant"));
        assert!(!is_mesh(&[]));
        assert!(!is_mesh(&[0xE0]));
        assert!(is_mesh(&[0xF0]));
    }

    #[test]
    fn forward_pad_nibble_is_ignored() {
        let f = parse_hex("f009000b10377fff123400").unwrap();
        let p = parse(&f).unwrap();
        assert_eq!(
            p.body,
            MeshBody::Forward {
                ttl: 3,
                inner: parse_hex("7fff123400").unwrap()
            }
        );
        assert_eq!(hex_string(&p.to_bytes().unwrap()), "f009000b10307fff123400");
    }

    #[test]
    fn encoder_range_checks() {
        let pk = |body| MeshPacket {
            sender_station: 1,
            sender_seq: 1,
            body,
        };
        let err = |p: MeshPacket| p.to_bytes().unwrap_err();
        let e = err(MeshPacket {
            sender_station: 4096,
            sender_seq: 0,
            body: MeshBody::RouteError { reason: 0 },
        });
        assert_eq!(
            e,
            EncodeError::range(
                "sender_station",
                Quantity::Station,
                Bound::High,
                4096.0,
                4095.0
            )
        );
        let beacon = |gateway_id, flags, generation| {
            pk(MeshBody::Beacon {
                gateway_id,
                cost: 0,
                flags,
                generation,
            })
        };
        assert!(beacon(4095, 15, 4095).to_bytes().is_ok());
        assert_eq!(
            err(beacon(4096, 0, 0)).to_string(),
            "gateway_id: hdr station 4096 is above the maximum 4095"
        );
        assert!(
            matches!(err(beacon(0, 16, 0)), EncodeError::OutOfRange { ref field, .. } if field == "flags")
        );
        assert!(
            matches!(err(beacon(0, 0, 4096)), EncodeError::OutOfRange { ref field, .. } if field == "generation")
        );
        assert!(err(pk(MeshBody::RouteError { reason: 16 })).kind() == "out_of_range");
        assert!(
            err(pk(MeshBody::Ack {
                fwd_station: 5000,
                fwd_seq: 0
            }))
            .kind()
                == "out_of_range"
        );
        assert!(
            err(pk(MeshBody::Forward {
                ttl: 1,
                inner: vec![1, 2, 3]
            }))
            .kind()
                == "out_of_range"
        );
        assert!(
            err(pk(MeshBody::Ping {
                target_id: 4096,
                ttl: 0,
                ping_id: 0
            }))
            .kind()
                == "out_of_range"
        );
        assert!(
            err(pk(MeshBody::Pong {
                gateway_id: 4096,
                relays: 0,
                ping_id: 0
            }))
            .kind()
                == "out_of_range"
        );
        let nr = |neighbours: Vec<Neighbour>| {
            pk(MeshBody::NeighbourReport {
                parent_id: PARENT_NONE,
                my_cost: 0,
                gateway_id: 0,
                neighbours,
            })
        };
        let ok = Neighbour {
            cost: 1,
            rssi_q4: 15,
            station_id: 4095,
        };
        assert!(nr(vec![ok; 63]).to_bytes().is_ok());
        assert!(
            matches!(err(nr(vec![ok; 64])), EncodeError::OutOfRange { ref field, .. } if field == "neighbours")
        );
        let e = err(nr(vec![ok, Neighbour { rssi_q4: 16, ..ok }]));
        assert!(
            matches!(e, EncodeError::OutOfRange { ref field, quantity: Quantity::LinkRssi, .. } if field == "neighbours[1].rssi_q4")
        );
        let e = err(nr(vec![Neighbour {
            station_id: 4096,
            ..ok
        }]));
        assert!(
            matches!(e, EncodeError::OutOfRange { ref field, .. } if field == "neighbours[0].station_id")
        );
    }

    #[test]
    fn json_documents() {
        let recs = packet_records();
        let by_name = |n: &str| {
            let r = recs.iter().find(|r| r["name"] == n).unwrap();
            to_json(&parse(&hex_of(r, "hex")).unwrap())
        };
        assert_eq!(
            by_name("beacon_flags_upper_bits_dropped"),
            r#"{"variant":15,"sender_station":5,"sender_seq":5,"ctrl_type":0,"ctrl_name":"BEACON","gateway_id":2748,"cost":2,"flags":1,"generation":291}"#
        );
        assert_eq!(
            by_name("forward_opaque_inner_variant7"),
            r#"{"variant":15,"sender_station":9,"sender_seq":11,"ctrl_type":1,"ctrl_name":"FORWARD","ttl":3,"inner_hex":"7fff123400","inner":{"stub_len":5}}"#
        );
        assert_eq!(
            by_name("ack_basic"),
            r#"{"variant":15,"sender_station":1,"sender_seq":200,"ctrl_type":2,"ctrl_name":"ACK","fwd_station":42,"fwd_seq":300}"#
        );
        assert_eq!(
            by_name("route_error_overloaded"),
            r#"{"variant":15,"sender_station":42,"sender_seq":302,"ctrl_type":3,"ctrl_name":"ROUTE_ERROR","reason":1,"reason_name":"overloaded"}"#
        );
        assert_eq!(
            by_name("neighbour_report_1"),
            r#"{"variant":15,"sender_station":42,"sender_seq":402,"ctrl_type":4,"ctrl_name":"NEIGHBOUR_REPORT","parent_id":1,"my_cost":1,"num_neighbours":1,"gateway_id":1447,"neighbours":[{"cost":0,"rssi_q4":10,"rssi_dbm":-70,"station_id":1}]}"#
        );
        assert_eq!(
            by_name("ping_basic"),
            r#"{"variant":15,"sender_station":1,"sender_seq":500,"ctrl_type":5,"ctrl_name":"PING","target_id":42,"ttl":7,"ping_id":1}"#
        );
        assert_eq!(
            by_name("pong_basic"),
            r#"{"variant":15,"sender_station":42,"sender_seq":501,"ctrl_type":6,"ctrl_name":"PONG","gateway_id":1,"relays":2,"ping_id":1}"#
        );
        for (reason, name) in [
            (0, "parent_lost"),
            (1, "overloaded"),
            (2, "shutdown"),
            (3, "reserved"),
            (15, "reserved"),
        ] {
            assert_eq!(reason_name(reason), name);
        }
    }

    #[test]
    fn json_input_errors() {
        let j = |s: &str| mesh_from_json(&serde_json::from_str(s).unwrap());
        let base = r#""sender_station":1,"sender_seq":2"#;
        assert!(j(&format!(
            r#"{{{base},"ctrl_name":"PING","target_id":3,"ttl":4,"ping_id":5}}"#
        ))
        .is_ok());
        assert!(j(&format!(r#"{{{base},"ctrl_name":"NEIGHBOUR_RPT","parent_id":1,"my_cost":1,"gateway_id":1,"neighbours":[{{"cost":1,"rssi_dbm":-67,"station_id":9}}]}}"#)).is_ok());
        assert_eq!(
            j(&format!(r#"{{{base}}}"#)).unwrap_err().kind(),
            "json_missing_field"
        );
        assert_eq!(
            j(&format!(
                r#"{{{base},"ctrl_type":0,"ctrl_name":"ACK","fwd_station":1,"fwd_seq":1}}"#
            ))
            .unwrap_err()
            .kind(),
            "json_invalid"
        );
        assert_eq!(
            j(&format!(
                r#"{{"variant":3,{base},"ctrl_type":3,"reason":1}}"#
            ))
            .unwrap_err()
            .kind(),
            "json_invalid"
        );
        assert_eq!(
            j(&format!(
                r#"{{{base},"ctrl_type":0,"gateway_id":1,"cost":256,"flags":1,"generation":1}}"#
            ))
            .unwrap_err()
            .kind(),
            "out_of_range"
        );
        assert_eq!(
            j(&format!(
                r#"{{{base},"ctrl_type":0,"gateway_id":1,"cost":-1,"flags":1,"generation":1}}"#
            ))
            .unwrap_err()
            .kind(),
            "out_of_range"
        );
        assert_eq!(
            j(&format!(
                r#"{{{base},"ctrl_type":0,"gateway_id":1,"cost":1.5,"flags":1,"generation":1}}"#
            ))
            .unwrap_err()
            .kind(),
            "json_invalid"
        );
        assert_eq!(
            j(&format!(
                r#"{{{base},"ctrl_type":1,"ttl":1,"inner_hex":"abc"}}"#
            ))
            .unwrap_err()
            .kind(),
            "json_invalid"
        );
        assert_eq!(
            j(&format!(
                r#"{{{base},"ctrl_type":1,"ttl":1,"inner_hex":"0011"}}"#
            ))
            .unwrap_err()
            .kind(),
            "out_of_range"
        );
        assert_eq!(
            j(&format!(r#"{{{base},"ctrl_type":4,"parent_id":1,"my_cost":1,"gateway_id":1,"num_neighbours":2,"neighbours":[]}}"#))
                .unwrap_err()
                .kind(),
            "json_invalid"
        );
        assert_eq!(
            j(&format!(
                r#"{{{base},"ctrl_name":"UNKNOWN","payload_hex":"70"}}"#
            ))
            .unwrap_err()
            .kind(),
            "json_missing_field"
        );
        assert_eq!(j("[]").unwrap_err().kind(), "json_invalid");
    }

    #[test]
    fn dump_entries() {
        let recs = packet_records();
        for r in &recs {
            let name = r["name"].as_str().unwrap();
            let bytes = hex_of(r, "hex");
            let p = parse(&bytes).unwrap();
            let mut d = Vec::new();
            dump_mesh(&p, &mut d);
            let names: Vec<&str> = d.iter().take(4).map(|e| e.field.as_str()).collect();
            assert_eq!(
                names,
                ["variant", "station", "sequence", "ctrl_type"],
                "{name}"
            );
            // entries are contiguous and cover exactly the encoded bits
            let mut at = 0;
            for e in &d {
                assert_eq!(e.bit_offset, at, "{name}: {}", e.field);
                // raw values of fields up to 32 bits match the wire
                if e.bit_length <= 32 {
                    let mut rd = BitReader::at(&bytes, e.bit_offset);
                    assert_eq!(
                        rd.read(e.bit_length as u32).map(u64::from),
                        Some(e.raw),
                        "{name}: {}",
                        e.field
                    );
                }
                at += e.bit_length;
            }
            assert_eq!(at.div_ceil(8), bytes.len(), "{name}");
        }
        let r = recs
            .iter()
            .find(|r| r["name"] == "neighbour_report_4")
            .unwrap();
        let mut d = Vec::new();
        dump_mesh(&parse(&hex_of(r, "hex")).unwrap(), &mut d);
        let e = d
            .iter()
            .find(|e| e.field == "neighbours[1].rssi_q4")
            .unwrap();
        assert_eq!(
            (e.bit_offset, e.bit_length, e.raw, e.decoded.as_str()),
            (80 + 24 + 8, 4, 5, "-95 dBm")
        );
        let e = d.iter().find(|e| e.field == "station").unwrap();
        assert_eq!(e.range, "0-4095");
    }

    fn arb_body() -> impl Strategy<Value = MeshBody> {
        let id = 0u16..=4095;
        let nb = (any::<u8>(), 0u8..=15, 0u16..=4095).prop_map(|(cost, rssi_q4, station_id)| {
            Neighbour {
                cost,
                rssi_q4,
                station_id,
            }
        });
        prop_oneof![
            (id.clone(), any::<u8>(), 0u8..=15, 0u16..=4095).prop_map(
                |(gateway_id, cost, flags, generation)| {
                    MeshBody::Beacon {
                        gateway_id,
                        cost,
                        flags,
                        generation,
                    }
                }
            ),
            (any::<u8>(), proptest::collection::vec(any::<u8>(), 4..64))
                .prop_map(|(ttl, inner)| MeshBody::Forward { ttl, inner }),
            (id.clone(), any::<u16>()).prop_map(|(fwd_station, fwd_seq)| MeshBody::Ack {
                fwd_station,
                fwd_seq
            }),
            (0u8..=15).prop_map(|reason| MeshBody::RouteError { reason }),
            (
                id.clone(),
                any::<u8>(),
                id.clone(),
                proptest::collection::vec(nb, 0..=63)
            )
                .prop_map(|(parent_id, my_cost, gateway_id, neighbours)| {
                    MeshBody::NeighbourReport {
                        parent_id,
                        my_cost,
                        gateway_id,
                        neighbours,
                    }
                }),
            (id.clone(), any::<u8>(), any::<u8>()).prop_map(|(target_id, ttl, ping_id)| {
                MeshBody::Ping {
                    target_id,
                    ttl,
                    ping_id,
                }
            }),
            (id, any::<u8>(), any::<u8>()).prop_map(|(gateway_id, relays, ping_id)| {
                MeshBody::Pong {
                    gateway_id,
                    relays,
                    ping_id,
                }
            }),
            (
                7u8..=15,
                0u8..=15,
                proptest::collection::vec(any::<u8>(), 0..32)
            )
                .prop_map(|(ctrl_type, low, rest)| {
                    let mut payload = vec![(ctrl_type << 4) | low];
                    payload.extend(rest);
                    MeshBody::Unknown { ctrl_type, payload }
                }),
        ]
    }

    fn arb_packet() -> impl Strategy<Value = MeshPacket> {
        (0u16..=4095, any::<u16>(), arb_body()).prop_map(|(sender_station, sender_seq, body)| {
            MeshPacket {
                sender_station,
                sender_seq,
                body,
            }
        })
    }

    proptest! {
        #[test]
        fn prop_bytes_roundtrip(p in arb_packet()) {
            let bytes = p.to_bytes().unwrap();
            prop_assert!(is_mesh(&bytes));
            prop_assert_eq!(parse(&bytes).unwrap(), p.clone());
            let alt = p.to_bytes_with_layout(NeighbourLayout::Bitstream).unwrap();
            prop_assert_eq!(alt.len(), bytes.len());
            prop_assert_eq!(parse_with_layout(&alt, NeighbourLayout::Bitstream).unwrap(), p);
        }

        #[test]
        fn prop_json_roundtrip(p in arb_packet()) {
            let text = to_json(&p);
            let v: Value = serde_json::from_str(&text).unwrap();
            prop_assert_eq!(mesh_from_json(&v).unwrap(), p);
        }

        #[test]
        fn prop_random_frames_never_panic(mut bytes in proptest::collection::vec(any::<u8>(), 0..80), mesh in any::<bool>()) {
            if mesh {
                if let Some(b) = bytes.first_mut() { *b |= 0xF0; }
            }
            for layout in [NeighbourLayout::Aligned, NeighbourLayout::Bitstream] {
                if let Ok(p) = parse_with_layout(&bytes, layout) {
                    let again = p.to_bytes_with_layout(layout).unwrap();
                    prop_assert!(again.len() <= bytes.len());
                    prop_assert_eq!(parse_with_layout(&again, layout).unwrap(), p.clone());
                    let mut d = Vec::new();
                    dump_mesh(&p, &mut d);
                    let mut s = String::new();
                    write_mesh_json(&mut s, &p, &stub_inner);
                    prop_assert!(serde_json::from_str::<Value>(&s).is_ok());
                }
            }
        }
    }
}
