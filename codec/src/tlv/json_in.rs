//! TLV entries from JSON, with range checks.

use super::*;
use crate::error::{Bound, EncodeError, Quantity};
use base64::Engine as _;
use serde_json::Value;

pub(super) fn invalid(field: impl Into<String>, reason: impl Into<String>) -> EncodeError {
    EncodeError::JsonInvalid {
        field: field.into(),
        reason: reason.into(),
    }
}

/// An unsigned integer member, range-checked against `max` (negative values
/// are `Bound::Low`, fractions invalid).
fn json_uint(j: &Value, field: &str, quantity: Quantity, max: u64) -> Result<u64, EncodeError> {
    let Value::Number(n) = j else {
        return Err(invalid(field, "expected a number"));
    };
    let high = |v: f64| EncodeError::range(field, quantity, Bound::High, v, max as f64);
    let low = |v: f64| EncodeError::range(field, quantity, Bound::Low, v, 0.0);
    if let Some(u) = n.as_u64() {
        return if u > max { Err(high(u as f64)) } else { Ok(u) };
    }
    if let Some(i) = n.as_i64() {
        return Err(low(i as f64));
    }
    let f = n.as_f64().unwrap_or(f64::NAN);
    if !f.is_finite() || f.fract() != 0.0 {
        return Err(invalid(field, "expected an integer"));
    }
    if f < 0.0 {
        Err(low(f))
    } else if f > max as f64 {
        Err(high(f))
    } else {
        Ok(f as u64)
    }
}

/// A signed integer member in `min..=max`.
fn json_int(
    j: &Value,
    field: &str,
    quantity: Quantity,
    min: i64,
    max: i64,
) -> Result<i64, EncodeError> {
    let Value::Number(n) = j else {
        return Err(invalid(field, "expected a number"));
    };
    let v = if let Some(i) = n.as_i64() {
        i as f64
    } else if let Some(u) = n.as_u64() {
        u as f64
    } else {
        n.as_f64().unwrap_or(f64::NAN)
    };
    if !v.is_finite() || v.fract() != 0.0 {
        return Err(invalid(field, "expected an integer"));
    }
    if v < min as f64 {
        return Err(EncodeError::range(
            field,
            quantity,
            Bound::Low,
            v,
            min as f64,
        ));
    }
    if v > max as f64 {
        return Err(EncodeError::range(
            field,
            quantity,
            Bound::High,
            v,
            max as f64,
        ));
    }
    Ok(v as i64)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Wire {
    Raw,
    String,
}

/// The format the reference assumes for an entry without `format`.
fn default_format(ty: u8) -> &'static str {
    match ty {
        VERSION => "version",
        STATUS => "status",
        HEALTH => "health",
        CONFIG => "config",
        DIAGNOSTIC | USERDATA => "string",
        _ => "raw",
    }
}

fn data_str<'a>(data: Option<&'a Value>, ctx: &str) -> Result<&'a str, EncodeError> {
    match data {
        None => Ok(""),
        Some(Value::String(s)) => Ok(s),
        Some(_) => Err(invalid(format!("{ctx}.data"), "expected a string")),
    }
}

fn tlv_from_value(item: &Value, i: usize) -> Result<Tlv, EncodeError> {
    let ctx = format!("data[{i}]");
    if !matches!(item, Value::Object(_)) {
        return Err(invalid(ctx, "expected a TLV object"));
    }
    let ty_j = item
        .get("type")
        .ok_or_else(|| EncodeError::JsonMissingField(format!("{ctx}.type")))?;
    let ty = json_uint(
        ty_j,
        &format!("{ctx}.type"),
        Quantity::TlvType,
        u64::from(TYPE_MAX),
    )? as u8;
    let format = match item.get("format") {
        None | Some(Value::Null) => default_format(ty),
        Some(Value::String(s)) => s.as_str(),
        Some(_) => return Err(invalid(format!("{ctx}.format"), "expected a string")),
    };
    let wire = match item.get("wire") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) if s == "raw" => Some(Wire::Raw),
        Some(Value::String(s)) if s == "string" => Some(Wire::String),
        Some(_) => {
            return Err(invalid(
                format!("{ctx}.wire"),
                "expected \"raw\" or \"string\"",
            ))
        }
    };
    let data = match item.get("data") {
        None | Some(Value::Null) => None,
        Some(d) => Some(d),
    };
    let needs_type = |want: u8| -> Result<(), EncodeError> {
        if ty == want {
            Ok(())
        } else {
            Err(invalid(
                format!("{ctx}.format"),
                format!("format \"{format}\" needs type {want}"),
            ))
        }
    };
    let raw_only = || -> Result<(), EncodeError> {
        if wire == Some(Wire::String) {
            Err(invalid(
                format!("{ctx}.wire"),
                format!("format \"{format}\" is carried raw"),
            ))
        } else {
            Ok(())
        }
    };
    match format {
        "raw" => {
            raw_only()?;
            let bytes = B64_IN
                .decode(data_str(data, &ctx)?)
                .map_err(|e| invalid(format!("{ctx}.data"), format!("invalid base64: {e}")))?;
            build_raw(&ctx, ty, bytes)
        }
        "string" => {
            let text = data_str(data, &ctx)?;
            let message = matches!(ty, DIAGNOSTIC | USERDATA);
            let wire = wire.unwrap_or(if message && !is_sixbit_text(text) {
                Wire::Raw
            } else {
                Wire::String
            });
            match wire {
                Wire::String => build_string(&ctx, ty, text),
                Wire::Raw if message => build_raw_text(&ctx, ty, text, Quantity::TlvStringLength),
                Wire::Raw => build_raw_text(&ctx, ty, text, Quantity::TlvLength),
            }
        }
        "version" | "config" => {
            needs_type(if format == "version" { VERSION } else { CONFIG })?;
            match data {
                None => build_kv(&ctx, ty, &[], wire == Some(Wire::Raw)),
                Some(Value::Object(members)) => {
                    let pairs = members
                        .iter()
                        .map(|(k, v)| match v {
                            Value::String(s) => Ok((k.as_str(), s.as_str())),
                            _ => Err(invalid(format!("{ctx}.data.{k}"), "expected a string")),
                        })
                        .collect::<Result<Vec<_>, _>>()?;
                    build_kv(&ctx, ty, &pairs, wire == Some(Wire::Raw))
                }
                Some(Value::String(s)) => match wire {
                    Some(Wire::String) => build_string(&ctx, ty, s),
                    _ => build_raw_text(&ctx, ty, s, Quantity::TlvLength),
                },
                Some(_) => Err(invalid(
                    format!("{ctx}.data"),
                    "expected an object or a string",
                )),
            }
        }
        "status" => {
            needs_type(STATUS)?;
            raw_only()?;
            let m = Members::of(data, &ctx)?;
            let max_secs = UPTIME_TICKS_MAX * TICK_SECS + TICK_SECS - 1;
            let sess = m.uint("session_uptime", Quantity::TlvLength, max_secs)?;
            let life = m
                .optional_uint("lifetime_uptime", Quantity::TlvLength, max_secs)?
                .unwrap_or(0);
            let restarts = m.uint("restarts", Quantity::TlvValue, u64::from(u16::MAX))? as u16;
            let reason = match m.optional("reason") {
                None => REASON_NA,
                Some(Value::String(name)) => REASON_NAMES
                    .iter()
                    .position(|n| n == name)
                    .map(|p| p as u8)
                    .ok_or_else(|| {
                        invalid(m.path("reason"), format!("unknown reason \"{name}\""))
                    })?,
                Some(v) => {
                    json_uint(v, &m.path("reason"), Quantity::TlvValue, u64::from(u8::MAX))? as u8
                }
            };
            build_status(&ctx, sess, life, restarts, reason)
        }
        "health" => {
            needs_type(HEALTH)?;
            raw_only()?;
            let m = Members::of(data, &ctx)?;
            let cpu_temp = match m.optional("cpu_temp") {
                None => CPU_TEMP_NA,
                Some(v) => json_int(
                    v,
                    &m.path("cpu_temp"),
                    Quantity::TlvValue,
                    i64::from(i8::MIN),
                    i64::from(i8::MAX),
                )? as i8,
            };
            let u16_max = u64::from(u16::MAX);
            let supply = m.uint("supply_mv", Quantity::TlvValue, u16_max)? as u16;
            let heap = m.uint("free_heap", Quantity::TlvValue, u16_max)? as u16;
            let max_secs = ACTIVE_TICKS_MAX * TICK_SECS + TICK_SECS - 1;
            let active = m.uint("session_active", Quantity::TlvLength, max_secs)?;
            build_health(&ctx, cpu_temp, supply, heap, active)
        }
        other => Err(invalid(
            format!("{ctx}.format"),
            format!("unknown format \"{other}\""),
        )),
    }
}

/// The members of a structured entry's `data` object (`status`, `health`),
/// named `{ctx}.data.{key}` in errors.
struct Members<'a> {
    data: &'a Value,
    ctx: &'a str,
}

impl<'a> Members<'a> {
    /// The entry's `data`, which must be an object.
    fn of(data: Option<&'a Value>, ctx: &'a str) -> Result<Self, EncodeError> {
        match data {
            Some(d @ Value::Object(_)) => Ok(Members { data: d, ctx }),
            Some(_) => Err(invalid(format!("{ctx}.data"), "expected an object")),
            None => Err(EncodeError::JsonMissingField(format!("{ctx}.data"))),
        }
    }

    /// The member's name in errors.
    fn path(&self, key: &str) -> String {
        format!("{}.data.{key}", self.ctx)
    }

    /// A member that may be absent (`null` counts as absent).
    fn optional(&self, key: &str) -> Option<&'a Value> {
        self.data.get(key).filter(|v| !v.is_null())
    }

    /// A required unsigned member, range-checked against `max`.
    fn uint(&self, key: &str, quantity: Quantity, max: u64) -> Result<u64, EncodeError> {
        let v = self
            .data
            .get(key)
            .ok_or_else(|| EncodeError::JsonMissingField(self.path(key)))?;
        json_uint(v, &self.path(key), quantity, max)
    }

    /// An optional unsigned member, range-checked against `max` when present.
    fn optional_uint(
        &self,
        key: &str,
        quantity: Quantity,
        max: u64,
    ) -> Result<Option<u64>, EncodeError> {
        self.optional(key)
            .map(|v| json_uint(v, &self.path(key), quantity, max))
            .transpose()
    }
}

fn tlvs_from_value(v: &Value) -> Result<Vec<Tlv>, EncodeError> {
    let Value::Array(items) = v else {
        return Err(invalid("data", "expected an array of TLV objects"));
    };
    if items.len() > MAX_JSON_TLVS {
        return Err(EncodeError::TlvFull {
            count: items.len(),
            max: MAX_JSON_TLVS,
        });
    }
    items
        .iter()
        .enumerate()
        .map(|(i, item)| tlv_from_value(item, i))
        .collect()
}

/// Builds TLV entries from the JSON `data` array (the inverse of
/// [`write_tlvs_json`], also reading the reference's documents; see the
/// module documentation). Numbers are range-checked ([`EncodeError`], never
/// wrapped); errors name `data[i]...`. VERSION / CONFIG objects are encoded
/// in member order (serde_json's `preserve_order` is always enabled).
pub fn tlvs_from_json(v: &Value) -> Result<Vec<Tlv>, EncodeError> {
    tlvs_from_value(v)
}

/// [`tlvs_from_json`] from JSON text. `text` is either the `data` array or
/// a whole packet object, whose `data` member is used (no `data` member: no
/// entries).
pub fn tlvs_from_json_str(text: &str) -> Result<Vec<Tlv>, EncodeError> {
    let v: Value = serde_json::from_str(text).map_err(|e| EncodeError::JsonParse(e.to_string()))?;
    match v.get("data") {
        Some(d) => tlvs_from_value(d),
        None if v.is_object() => Ok(Vec::new()),
        None => tlvs_from_value(&v),
    }
}
