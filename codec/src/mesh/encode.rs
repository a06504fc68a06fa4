//! Mesh packet to bytes, with range checks.

use super::*;
use crate::bits::BitWriter;
use crate::error::{Bound, EncodeError, Quantity};

/// Checks a NEIGHBOUR_REPORT's list length against [`MAX_NEIGHBOURS`].
pub(super) fn check_neighbour_count(len: usize) -> Result<(), EncodeError> {
    EncodeError::check_max(
        len as u64,
        MAX_NEIGHBOURS as u64,
        Quantity::TlvLength,
        || "neighbours".into(),
    )
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
        if !m.derived {
            EncodeError::check_max(u64::from(*v), u64::from(m.max()), m.quantity, || {
                format!("{prefix}{}", m.name)
            })?;
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
    pub(super) fn validate(&self) -> Result<(), EncodeError> {
        EncodeError::check_max(
            u64::from(self.sender_station),
            u64::from(MAX_ID),
            Quantity::Station,
            || "sender_station".into(),
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
                check_neighbour_count(neighbours.len())?;
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
                EncodeError::check_max(
                    u64::from(*ctrl_type),
                    u64::from(MAX_U4),
                    Quantity::Variant,
                    || "ctrl_type".into(),
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
