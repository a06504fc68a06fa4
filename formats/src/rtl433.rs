//! rtl_433 JSON events on `rtl_433/<host>/events`, and the per-field topics
//! `rtl_433/<host>/devices/[<type>/]<model>[/<subtype>][/<channel>][/<id>]/<field>`
//! (rtl_433's default device topic; with all four levels the subtype is
//! left out of the identity, as for events).
//!
//! Identity is model + channel + id (`rtl433:Acurite-5n1/A/1234`);
//! `<quantity>_<unit>` keys become quantities with units; `battery_ok`
//! (0–1) becomes a battery percentage; the time is read in any of
//! rtl_433's formats (local date-time, ISO 8601 with or without zone,
//! Unix seconds with or without fraction).

use crate::model::{Format, Message};
use crate::value::clip;
use crate::Error;
use serde_json::Value;

/// Unit suffixes of rtl_433 keys, longest first, with the unit they mean.
const SUFFIXES: &[(&str, &str)] = &[
    ("_uSv_h", "uSv/h"),
    ("_ug_m3", "ug/m3"),
    ("_rate_mm_h", "mm/h"),
    ("_rate_in_h", "in/h"),
    ("_W_m2", "W/m2"),
    ("_mi_h", "mph"),
    ("_km_h", "km/h"),
    ("_inHg", "inHg"),
    ("_mm_h", "mm/h"),
    ("_in_h", "in/h"),
    ("_m_s", "m/s"),
    ("_hPa", "hPa"),
    ("_kPa", "kPa"),
    ("_psi", "psi"),
    ("_bar", "bar"),
    ("_kWh", "kWh"),
    ("_MHz", "MHz"),
    ("_kHz", "kHz"),
    ("_dBm", "dBm"),
    ("_deg", "deg"),
    ("_lux", "lux"),
    ("_ppm", "ppm"),
    ("_ppb", "ppb"),
    ("_cpm", "cpm"),
    ("_mph", "mph"),
    ("_kmh", "km/h"),
    ("_Wh", "Wh"),
    ("_kW", "kW"),
    ("_mV", "mV"),
    ("_mA", "mA"),
    ("_Hz", "Hz"),
    ("_dB", "dB"),
    ("_mm", "mm"),
    ("_in", "in"),
    ("_ft", "ft"),
    ("_km", "km"),
    ("_Pa", "Pa"),
    ("_C", "C"),
    ("_F", "F"),
    ("_K", "K"),
    ("_V", "V"),
    ("_A", "A"),
    ("_W", "W"),
    ("_m", "m"),
    ("_s", "s"),
    ("_g", "g"),
];

/// Keys that identify the device rather than measure anything.
const IDENTITY: &[&str] = &["model", "id", "channel", "subtype", "type", "time"];

/// Decodes one rtl_433 message: an event (JSON object) or one field of a
/// device topic (plain value).
pub fn decode(topic: &str, payload: &[u8]) -> Result<Message, Error> {
    crate::check_sizes(topic, payload)?;
    let levels: Vec<&str> = topic.split('/').collect();
    if let Some(pos) = levels.iter().position(|l| *l == "devices") {
        return decode_field(topic, &levels[pos + 1..], payload);
    }
    if levels.last() != Some(&"events") && !payload.starts_with(b"{") {
        return Err(Error::BadTopic(clip(topic.to_string())));
    }
    let v: Value = serde_json::from_slice(payload).map_err(|e| Error::Json(e.to_string()))?;
    let obj = v.as_object().ok_or(Error::BadField {
        field: "event".into(),
        expected: "a JSON object",
    })?;
    let model = obj
        .get("model")
        .and_then(Value::as_str)
        .ok_or(Error::MissingField("model"))?;
    let mut id = clip(model.to_string());
    for key in ["channel", "id"] {
        if let Some(v) = obj.get(key) {
            id.push('/');
            id.push_str(&clip(scalar_text(v)));
        }
    }
    let mut m = Message::new(Format::Rtl433, id);
    match obj.get("time") {
        Some(t) => read_time(&mut m, t)?,
        None => m.warn("event has no `time`"),
    }
    for key in ["subtype", "type"] {
        if let Some(v) = obj.get(key) {
            m.push_text(key, scalar_text(v));
        }
    }
    for (key, v) in obj {
        if !IDENTITY.contains(&key.as_str()) {
            field(&mut m, key, v);
        }
    }
    Ok(m)
}

/// `devices/[<type>/]<model>[/<channel>][/<id>]/<field>` with the value as payload.
fn decode_field(topic: &str, path: &[&str], payload: &[u8]) -> Result<Message, Error> {
    let (name, ident) = match path.split_last() {
        Some((name, ident)) if !ident.is_empty() && !name.is_empty() => (*name, ident),
        _ => return Err(Error::BadTopic(clip(topic.to_string()))),
    };
    let ident = match ident {
        [t, rest @ ..] if t.eq_ignore_ascii_case("TPMS") && !rest.is_empty() => rest,
        _ => ident,
    };
    // `<model>/<subtype>/<channel>/<id>`: the identity leaves the subtype
    // out, as for events.
    let ident: Vec<&str> = match ident {
        [model, _subtype, channel, id] => vec![model, channel, id],
        other => other.to_vec(),
    };
    let mut m = Message::new(Format::Rtl433, clip(ident.join("/")));
    let text = std::str::from_utf8(payload)
        .map_err(|_| Error::NotText)?
        .trim();
    let v = match text.parse::<f64>() {
        Ok(x) if x.is_finite() => serde_json::Number::from_f64(x).map(Value::Number),
        _ => None,
    }
    .unwrap_or_else(|| Value::String(text.to_string()));
    if name == "time" {
        read_time(&mut m, &v)?;
    } else if !IDENTITY.contains(&name) {
        field(&mut m, name, &v);
    }
    Ok(m)
}

fn read_time(m: &mut Message, t: &Value) -> Result<(), Error> {
    let text = match t {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        _ => return Err(Error::BadTime(clip(t.to_string()))),
    };
    let (ms, zoned) = crate::parse_time(&text)?;
    m.time_ms = Some(ms);
    if !zoned {
        m.warn("time has no zone; read as UTC");
    }
    Ok(())
}

fn scalar_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// One data field of an event.
fn field(m: &mut Message, key: &str, v: &Value) {
    let Some(x) = v.as_f64() else {
        match v {
            Value::Null => {}
            _ => m.push_text(key, clip(scalar_text(v))),
        }
        return;
    };
    match key {
        "battery_ok" => m.battery_mut().percent = Some((x * 100.0).clamp(0.0, 100.0)),
        "battery_V" => m.battery_mut().volts = Some(x),
        "battery_mV" => m.battery_mut().volts = Some(x / 1000.0),
        "rssi" => m.radio_mut().rssi_dbm = Some(x),
        "snr" => m.radio_mut().snr_db = Some(x),
        "freq" | "freq1" => m.radio_mut().frequency_hz = Some(x * 1e6),
        "humidity" | "moisture" => m.push(key, x, "%"),
        "wind_dir_deg" => m.push("wind_direction", x, "deg"),
        _ => {
            let (base, unit) = SUFFIXES
                .iter()
                .find_map(|(suffix, unit)| {
                    key.strip_suffix(suffix)
                        .filter(|b| !b.is_empty())
                        .map(|b| (b, *unit))
                })
                .unwrap_or((key, ""));
            let base = match (base, unit) {
                ("rain", "mm/h" | "in/h") => "rain_rate",
                ("wind_avg" | "wind_speed", _) => "wind_speed",
                ("wind_max" | "gust", _) => "wind_gust",
                ("light", "lux") => "illuminance",
                ("light", "W/m2") => "solar_irradiance",
                (b, _) => b,
            };
            m.push(base, x, unit);
        }
    }
}

/// Decodes arbitrary bytes as rtl_433 messages; for fuzzers.
pub fn fuzz_one(data: &[u8]) {
    let _ = decode("rtl_433/host/events", data);
    let _ = decode(
        "rtl_433/host/devices/Acurite-5n1/A/1234/temperature_C",
        data,
    );
}
