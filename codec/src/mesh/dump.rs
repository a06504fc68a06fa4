//! Bit-level dump rows of a mesh packet.

use super::*;
use crate::dump::DumpEntry;

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
                format!("{} bytes: {}", payload.len(), crate::hex::encode(payload)),
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
