//! STI "MQTT Compact Message" JSON on `ws/<action>/<project>/<subtopic...>`
//! (instruments publish data to `d`, joins to `j` and errors to `e`).
//!
//! `i` (device EUI) is the identity, `t` the UTC time; `d` is mapped per
//! model where the STI decoders page defines it (Barani MeteoHelix), else
//! shown as `d[0]`, `d[1]`, ...; `x` is radio metadata, `h` device health
//! (battery), `p` the raw LoRa payload in hex.

use crate::model::{Format, Message};
use crate::value::clip;
use crate::{Error, MAX_PAYLOAD_BYTES};
use serde_json::{Map, Value};

/// The MeteoHelix `d` array: key and unit of each element.
pub const METEOHELIX: [(&str, &str); 7] = [
    ("temperature", "C"),
    ("temperature_min", "C"),
    ("temperature_max", "C"),
    ("humidity", "%"),
    ("pressure", "Pa"),
    ("solar_irradiance", "W/m2"),
    ("solar_irradiance_peak", "W/m2"),
];

/// Decodes one STI compact message.
pub fn decode(topic: &str, payload: &[u8]) -> Result<Message, Error> {
    crate::check_sizes(topic, payload)?;
    let levels: Vec<&str> = topic.split('/').collect();
    // `ws/<action>/<project>/<subtopic...>`; a topic outside `ws/` (a format
    // fixed by the user, or found by the payload's shape) is read as data.
    let (action, project) = match levels.as_slice() {
        ["ws", action @ ("d" | "j" | "e"), project, ..] if !project.is_empty() => {
            (*action, Some(*project))
        }
        ["ws", ..] => return Err(Error::BadTopic(clip(topic.to_string()))),
        _ => ("d", None),
    };
    let v: Value = serde_json::from_slice(payload).map_err(|e| Error::Json(e.to_string()))?;
    let obj = v.as_object().ok_or(Error::BadField {
        field: "message".into(),
        expected: "a JSON object",
    })?;
    let eui = obj
        .get("i")
        .ok_or(Error::MissingField("i"))?
        .as_str()
        .filter(|s| s.len() == 16 && s.bytes().all(|b| b.is_ascii_hexdigit()))
        .ok_or(Error::BadField {
            field: "i".into(),
            expected: "16 hexadecimal digits",
        })?;
    let mut m = Message::new(Format::Sti, eui.to_ascii_uppercase());
    let t = obj.get("t").ok_or(Error::MissingField("t"))?;
    let t = t.as_str().ok_or(Error::BadField {
        field: "t".into(),
        expected: "a UTC time stamp",
    })?;
    m.time_ms = Some(crate::parse_time(t)?.0);
    if let Some(project) = project {
        m.push_text("project", project);
        if let Some(sub) = levels.get(3..).filter(|s| !s.is_empty()) {
            m.push_text("subtopic", sub.join("/"));
        }
    }
    if action != "d" {
        m.push_text("action", if action == "j" { "join" } else { "error" });
    }
    if let Some(d) = obj.get("d") {
        decode_d(&mut m, d, &levels);
    }
    if let Some(x) = obj.get("x") {
        match x.as_object() {
            Some(x) => decode_x(&mut m, x),
            None => m.warn("`x` is not an object"),
        }
    }
    if let Some(h) = obj.get("h") {
        match h.as_object() {
            Some(h) => decode_h(&mut m, h),
            None => m.warn("`h` is not an object"),
        }
    }
    if let Some(p) = obj.get("p") {
        match p.as_str() {
            Some(s)
                if s.len() % 2 == 0
                    && s.len() <= 2 * MAX_PAYLOAD_BYTES
                    && s.bytes().all(|b| b.is_ascii_hexdigit()) =>
            {
                m.raw_hex = Some(s.to_ascii_lowercase());
            }
            _ => m.warn("`p` is not a hexadecimal string"),
        }
    }
    for key in obj.keys() {
        if !matches!(key.as_str(), "i" | "t" | "d" | "x" | "h" | "p") {
            m.warn(format!("unknown field `{}`", clip(key.clone())));
        }
    }
    Ok(m)
}

/// Whether the topic or the array's shape says MeteoHelix.
fn is_meteohelix(d: &[Value], levels: &[&str]) -> bool {
    let named = levels
        .iter()
        .any(|l| l.to_ascii_lowercase().contains("helix"));
    let shaped = d.len() == METEOHELIX.len()
        && d.iter().all(Value::is_number)
        && d[4]
            .as_f64()
            .is_some_and(|p| (30_000.0..=110_000.0).contains(&p));
    named || shaped
}

fn decode_d(m: &mut Message, d: &Value, levels: &[&str]) {
    let Some(items) = d.as_array() else {
        m.warn("`d` is not an array");
        return;
    };
    let helix = is_meteohelix(items, levels) && items.len() <= METEOHELIX.len();
    if helix {
        m.push_text("model", "Barani MeteoHelix");
    }
    for (n, item) in items.iter().enumerate() {
        let label = format!("d[{n}]");
        match item {
            Value::Number(x) => {
                let x = x.as_f64().unwrap_or(f64::NAN);
                match METEOHELIX.get(n).filter(|_| helix) {
                    Some((key, unit)) => m.push(key, x, unit),
                    None => m.push(&label, x, ""),
                }
            }
            Value::Null => {}
            Value::String(s) => m.push_text(&label, s.clone()),
            other => m.push_text(&label, clip(other.to_string())),
        }
    }
}

fn decode_x(m: &mut Message, x: &Map<String, Value>) {
    let r = m.radio_mut();
    r.rssi_dbm = x.get("rssi").and_then(Value::as_f64);
    r.snr_db = x.get("snr").and_then(Value::as_f64);
    r.gateway = x
        .get("i")
        .and_then(Value::as_str)
        .map(|s| clip(s.to_string()));
    r.frequency_hz = x.get("f").and_then(Value::as_f64);
    r.spreading_factor = x
        .get("s")
        .and_then(Value::as_u64)
        .and_then(|s| u32::try_from(s).ok());
    r.coding_rate = x
        .get("c")
        .and_then(Value::as_str)
        .map(|s| clip(s.to_string()));
    r.bandwidth_khz = x.get("b").and_then(Value::as_f64);
    if r.gateway.is_none() {
        m.warn("`x` has no gateway `i`");
    }
    for key in x.keys() {
        if !matches!(key.as_str(), "rssi" | "snr" | "i" | "f" | "s" | "c" | "b") {
            let v = x.get(key).map(Value::to_string).unwrap_or_default();
            m.push_text(&format!("x.{key}"), clip(v));
        }
    }
}

fn decode_h(m: &mut Message, h: &Map<String, Value>) {
    for (key, v) in h {
        match (key.as_str(), v.as_f64()) {
            ("bp", Some(x)) => m.battery_mut().percent = Some(x),
            ("bv" | "pv", Some(x)) => m.battery_mut().volts = Some(x),
            (_, Some(x)) => m.push(&format!("h.{key}"), x, ""),
            (_, None) => m.push_text(&format!("h.{key}"), clip(v.to_string())),
        }
    }
}

/// Decodes arbitrary bytes as an STI message; for fuzzers.
pub fn fuzz_one(data: &[u8]) {
    let _ = decode("ws/d/test/region/station/meteohelix", data);
}
