//! Mesh packets to canonical JSON and back.

use super::*;
use crate::error::{Bound, EncodeError, Quantity};
use crate::json_write::{write_int, write_key, write_str};
use serde_json::{Map, Value};

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
            out.push_str(&crate::hex::encode(inner));
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
            out.push_str(&crate::hex::encode(payload));
            out.push('"');
        }
        _ => {}
    }
    out.push('}');
}

pub(super) fn json_invalid(field: impl Into<String>, reason: impl Into<String>) -> EncodeError {
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
    crate::hex::decode(s).map_err(|e| json_invalid(field, format!("expected hex: {e}")))
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
/// ignored); UNKNOWN from `payload_hex` (both read with [`crate::hex::decode`]).
/// Derived members are optional:
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
            encode::check_neighbour_count(list.len())?;
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
