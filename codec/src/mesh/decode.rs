//! Bytes to mesh packet: never panics, reports truncation by field.

use super::*;
use crate::bits::BitReader;
use crate::error::DecodeError;

/// Reads `n` bits or reports a truncation of `field`.
pub(super) fn rd(r: &mut BitReader<'_>, n: u32, field: &str) -> Result<u32, DecodeError> {
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
