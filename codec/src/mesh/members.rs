//! Control payloads: one description per control type, shared by the
//! reader, the writer, the JSON and the dump.

use super::*;
use crate::error::Quantity;

/// How a member's value reads in the dump.
#[derive(Debug, Clone, Copy)]
pub(super) enum Text {
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
pub(super) struct Member {
    pub(super) name: &'static str,
    pub(super) bits: u32,
    pub(super) quantity: Quantity,
    /// The dump's range text.
    pub(super) range: &'static str,
    pub(super) text: Text,
    /// Derived from the body rather than stored (NEIGHBOUR_REPORT
    /// `num_neighbours`): written and dumped, never range-checked or read
    /// from JSON as a value.
    pub(super) derived: bool,
}

impl Member {
    pub(super) const fn new(
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
    pub(super) fn max(&self) -> u32 {
        (1u32 << self.bits) - 1
    }

    /// The member's value as the dump shows it.
    pub(super) fn decoded(&self, v: u32) -> String {
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
pub(super) const fn id(name: &'static str) -> Member {
    Member::new(name, 12, Quantity::Station, "0-4095", Text::Plain)
}

/// A byte member.
pub(super) const fn byte(name: &'static str, text: Text) -> Member {
    Member::new(name, 8, Quantity::Flags, "0-255", text)
}

/// BEACON, 9-byte frame:
/// ```text
/// bit 36  gateway_id(12)    byte 4 low nibble + byte 5
/// bit 48  cost(8)           byte 6
/// bit 56  flags(4)          byte 7 high nibble (b0 accepting, b1-3 reserved)
/// bit 60  generation(12)    byte 7 low nibble + byte 8
/// ```
pub(super) const BEACON: &[Member] = &[
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
pub(super) const FORWARD: &[Member] = &[byte("ttl", Text::Plain)];

/// ACK, 8-byte frame:
/// ```text
/// bit 36  fwd_station(12)   byte 4 low nibble + byte 5
/// bit 48  fwd_seq(16)       bytes 6-7, big-endian
/// ```
pub(super) const ACK: &[Member] = &[
    id("fwd_station"),
    Member::new("fwd_seq", 16, Quantity::Sequence, "0-65535", Text::Plain),
];

/// ROUTE_ERROR, 5-byte frame:
/// ```text
/// bit 36  reason(4)         byte 4 low nibble
/// ```
pub(super) const ROUTE_ERROR: &[Member] = &[Member::new(
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
pub(super) const NEIGHBOUR_REPORT: &[Member] = &[
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
pub(super) const PING: &[Member] = &[
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
pub(super) const PONG: &[Member] = &[
    id("gateway_id"),
    byte("relays", Text::Count("relay")),
    byte("ping_id", Text::Plain),
];

/// The fixed members of a control type (none for reserved types).
pub(super) fn members_of(ctrl_type: u8) -> &'static [Member] {
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
pub(super) type Values = [u32; 4];

impl MeshBody {
    /// The fixed members of this body and their values.
    pub(super) fn fixed(&self) -> (&'static [Member], Values) {
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
    pub(super) fn from_fixed(ctrl_type: u8, v: Values) -> Option<MeshBody> {
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
pub(super) const NEIGHBOUR: &[Member] = &[
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
    pub(super) fn values(&self) -> Values {
        [
            u32::from(self.cost),
            u32::from(self.rssi_q4),
            u32::from(self.station_id),
            0,
        ]
    }
}
