//! Downloads: the packet log and a station's history as NDJSON and CSV.
//!
//! * **NDJSON**, one packet per line:
//!   `{"rx_ms":…,"time":"2026-01-01T00:00:00.000Z","topic":"…","packet":{…}}`
//!   where `packet` is the codec's canonical JSON of the stored frame
//!   (`iotdata::frame::decode_to_json`, verbatim; an error object when the
//!   frame does not decode) or `null` with a `summary` for messages without
//!   a frame (gateway JSON, unrecognised payloads).
//! * **CSV** (RFC 4180, CRLF): a station's history is `time,rx_ms` and one
//!   column per numeric field, one row per receive time; the packet log is
//!   `time,rx_ms,topic,kind,station,sequence`, the numeric fields of every
//!   decoded frame as columns, then `summary,hex`. Text cells that a
//!   spreadsheet would run as a formula (`=`, `+`, `-`, `@`) are prefixed
//!   with `'`.
//!
//! The formatting functions are pure (and tested); [`download_text`] saves
//! a string through a Blob, an object URL and a temporary `<a download>`.
//!
//! For the packet-log view: [`download_log_ndjson`] and [`download_log_csv`]
//! (whole log, oldest first). For the station page:
//! [`download_station_ndjson`] and [`download_station_csv`].

use crate::vecmap::VecMap;

use iotdata::VariantMap;
use serde_json::Value;

use crate::ctx::Ctx;
use crate::store::Store;

/// One packet to export.
#[derive(Debug, Clone, PartialEq)]
pub struct PacketRecord {
    /// Receive time, ms since the epoch.
    pub rx_ms: f64,
    /// MQTT topic.
    pub topic: String,
    /// Packet-log kind (`sensor`, `mesh`, `unrecognised`, `error`, `oversize`).
    pub kind: String,
    /// Station, when known.
    pub station: Option<u16>,
    /// The frame bytes, when the message was a frame.
    pub frame: Option<Vec<u8>>,
    /// One-line description.
    pub summary: String,
}

/// Columns kept in a packet-log CSV (further fields are left out).
pub const MAX_CSV_FIELD_COLUMNS: usize = 256;

/// `2026-01-01T00:00:00.000Z` for a time in ms since the epoch (the
/// codec's [`iotdata::receiver::time::iso8601`]); empty when not finite.
pub fn iso_utc(ms: f64) -> String {
    if !ms.is_finite() {
        return String::new();
    }
    iotdata::receiver::time::iso8601(ms.round() as i64)
}

/// A CSV cell: quoted when it holds `,`, `"`, CR or LF (quotes doubled).
pub fn csv_cell(s: &str) -> String {
    if s.contains([',', '"', '\r', '\n']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// A CSV cell for untrusted text: as [`csv_cell`], with a leading `'` when
/// a spreadsheet would take the text for a formula.
pub fn csv_text(s: &str) -> String {
    if s.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        csv_cell(&format!("'{s}"))
    } else {
        csv_cell(s)
    }
}

/// A number for CSV/JSON: integers without a fraction, no float noise
/// beyond what the value carries (`21.5`, `-3`, `0.01`).
pub fn csv_number(v: f64) -> String {
    if !v.is_finite() {
        String::new()
    } else if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{}", v as i64)
    } else {
        // Shortest representation that round-trips.
        let s = format!("{v}");
        if s.contains('e') {
            format!("{v:.6}")
        } else {
            s
        }
    }
}

fn csv_line(cells: impl IntoIterator<Item = String>) -> String {
    let mut s = cells.into_iter().collect::<Vec<_>>().join(",");
    s.push_str("\r\n");
    s
}

/// One NDJSON line (with the trailing `\n`): receive time, topic and the
/// packet's canonical JSON embedded verbatim (as a string if it is not
/// valid JSON, which the codec never produces).
pub fn ndjson_line(rx_ms: f64, topic: &str, packet_json: &str) -> String {
    let packet = if serde_json::from_str::<serde::de::IgnoredAny>(packet_json).is_ok() {
        packet_json.trim().to_string()
    } else {
        Value::String(packet_json.to_string()).to_string()
    };
    format!(
        "{{\"rx_ms\":{},\"time\":\"{}\",\"topic\":{},\"packet\":{packet}}}\n",
        csv_number(rx_ms.round()),
        iso_utc(rx_ms),
        Value::String(topic.to_string())
    )
}

/// NDJSON of `records` (in the given order), frames decoded with `map`.
pub fn packets_ndjson(records: &[PacketRecord], map: &VariantMap) -> String {
    let mut out = String::with_capacity(records.len() * 256);
    for r in records {
        match &r.frame {
            Some(f) => out.push_str(&ndjson_line(
                r.rx_ms,
                &r.topic,
                &iotdata::frame::decode_to_json(f, map, crate::decode::OPTIONS),
            )),
            None => {
                let line = serde_json::json!({
                    "rx_ms": r.rx_ms.round() as i64,
                    "time": iso_utc(r.rx_ms),
                    "topic": r.topic,
                    "packet": Value::Null,
                    "kind": r.kind,
                    "summary": r.summary,
                });
                out.push_str(&line.to_string());
                out.push('\n');
            }
        }
    }
    out
}

/// Numeric leaves of a canonical JSON packet as (`a.b` path, value), in
/// document order, without the header keys (`variant`, `station`,
/// `sequence`, `packed_*`) and the TLV array (`data`).
pub fn numeric_fields(json: &Value) -> Vec<(String, f64)> {
    fn walk(prefix: &str, v: &Value, out: &mut Vec<(String, f64)>) {
        match v {
            Value::Number(n) => {
                if let Some(f) = n.as_f64() {
                    out.push((prefix.to_string(), f));
                }
            }
            Value::Bool(b) => out.push((prefix.to_string(), f64::from(u8::from(*b)))),
            Value::Object(m) => {
                for (k, v) in m {
                    walk(&format!("{prefix}.{k}"), v, out);
                }
            }
            _ => {}
        }
    }
    let mut out = Vec::new();
    if let Value::Object(m) = json {
        for (k, v) in m {
            // Header, TLVs and warnings are not fields; `error` is this
            // module's own key for a frame that did not decode.
            if !iotdata::variant::RESERVED_KEYS.contains(&k.as_str()) && k != "error" {
                walk(k, v, &mut out);
            }
        }
    }
    out
}

/// CSV of a station's history: `time,rx_ms,<field>…`, one row per receive
/// time (ascending), empty cells where a field has no point at that time.
pub fn history_csv(series: &[(String, Vec<(f64, f64)>)]) -> String {
    let mut rows: VecMap<i64, Vec<Option<f64>>> = VecMap::new();
    for (i, (_, pts)) in series.iter().enumerate() {
        for &(t, v) in pts {
            if !t.is_finite() {
                continue;
            }
            let row = rows
                .entry(t.round() as i64)
                .or_insert_with(|| vec![None; series.len()]);
            if let Some(c) = row.get_mut(i) {
                *c = Some(v);
            }
        }
    }
    let mut out = csv_line(
        ["time".to_string(), "rx_ms".to_string()]
            .into_iter()
            .chain(series.iter().map(|(k, _)| csv_text(k))),
    );
    for (t, cells) in rows {
        out.push_str(&csv_line(
            [iso_utc(t as f64), t.to_string()].into_iter().chain(
                cells
                    .into_iter()
                    .map(|c| c.map(csv_number).unwrap_or_default()),
            ),
        ));
    }
    out
}

/// A decoded frame for the CSV: its sequence and numeric fields.
type DecodedRow = (Option<u16>, Vec<(String, f64)>);

/// CSV of packets: `time,rx_ms,topic,kind,station,sequence`, the numeric
/// fields of the decoded frames (columns in first-seen order, at most
/// [`MAX_CSV_FIELD_COLUMNS`]), `summary,hex`.
pub fn packets_csv(records: &[PacketRecord], map: &VariantMap) -> String {
    let decoded: Vec<DecodedRow> = records
        .iter()
        .map(|r| {
            let Some(f) = &r.frame else {
                return (None, Vec::new());
            };
            let text = iotdata::frame::decode_to_json(f, map, crate::decode::OPTIONS);
            let v: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
            let seq = v
                .get("sequence")
                .and_then(Value::as_u64)
                .and_then(|s| u16::try_from(s).ok());
            (seq, numeric_fields(&v))
        })
        .collect();
    let mut columns: Vec<String> = Vec::new();
    let mut index: VecMap<String, usize> = VecMap::new();
    for (_, fields) in &decoded {
        for (k, _) in fields {
            if !index.contains_key(k) && columns.len() < MAX_CSV_FIELD_COLUMNS {
                index.insert(k.clone(), columns.len());
                columns.push(k.clone());
            }
        }
    }
    let mut out = csv_line(
        ["time", "rx_ms", "topic", "kind", "station", "sequence"]
            .into_iter()
            .map(String::from)
            .chain(columns.iter().map(|c| csv_text(c)))
            .chain(["summary".to_string(), "hex".to_string()]),
    );
    for (r, (seq, fields)) in records.iter().zip(decoded) {
        let mut cells = vec![String::new(); columns.len()];
        for (k, v) in fields {
            if let Some(c) = index.get(&k).and_then(|&i| cells.get_mut(i)) {
                *c = csv_number(v);
            }
        }
        out.push_str(&csv_line(
            [
                iso_utc(r.rx_ms),
                csv_number(r.rx_ms.round()),
                csv_text(&r.topic),
                csv_text(&r.kind),
                r.station.map(|s| s.to_string()).unwrap_or_default(),
                seq.map(|s| s.to_string()).unwrap_or_default(),
            ]
            .into_iter()
            .chain(cells)
            .chain([
                csv_text(&r.summary),
                r.frame
                    .as_deref()
                    .map(iotdata::hex::encode)
                    .unwrap_or_default(),
            ]),
        ));
    }
    out
}

/// A file name: `iotdata-<what>-<UTC time, no colons>.<ext>`.
pub fn file_name(what: &str, now_ms: f64, ext: &str) -> String {
    let t: String = iso_utc(now_ms)
        .chars()
        .take(19)
        .map(|c| if c == ':' { '-' } else { c })
        .collect();
    format!("iotdata-{what}-{t}.{ext}")
}

// ---- store access ------------------------------------------------------------

/// The packet log as records, oldest first.
pub fn log_records(store: &Store) -> Vec<PacketRecord> {
    let mut v: Vec<PacketRecord> = store
        .log()
        .map(|e| PacketRecord {
            rx_ms: e.rx_ms,
            topic: e.topic.to_string(),
            kind: e.kind.as_str().to_string(),
            station: e.station,
            frame: e.frame.as_deref().map(<[u8]>::to_vec),
            summary: e.summary.clone(),
        })
        .collect();
    v.reverse();
    v
}

/// A station's last sensor packets (the store keeps
/// [`crate::store::FRAMES_PER_STATION`]; FORWARDs unwrapped), oldest first.
pub fn station_records(store: &Store, id: u16) -> Vec<PacketRecord> {
    let mut v: Vec<PacketRecord> = store
        .frames(id)
        .map(|f| PacketRecord {
            rx_ms: f.rx_ms,
            topic: f.topic.to_string(),
            kind: "sensor".into(),
            station: Some(id),
            frame: Some(f.bytes.to_vec()),
            summary: match f.via {
                Some(v) => format!("seq {} via relay {v}", f.sequence),
                None => format!("seq {}", f.sequence),
            },
        })
        .collect();
    v.reverse();
    v
}

/// A station's history series: (key, points ascending), in first-seen order.
pub fn station_series(store: &Store, id: u16) -> Vec<(String, Vec<(f64, f64)>)> {
    store
        .station_data(id)
        .map(|d| {
            d.series
                .iter()
                .map(|s| (s.key.clone(), s.points.iter().copied().collect()))
                .collect()
        })
        .unwrap_or_default()
}

// ---- downloads -----------------------------------------------------------------

/// Saves `text` as a file called `filename` (browser: Blob, object URL and
/// a temporary `<a download>`; elsewhere a no-op).
pub fn download_text(filename: &str, mime: &str, text: &str) -> Result<(), String> {
    #[cfg(target_arch = "wasm32")]
    {
        use wasm_bindgen::JsCast;
        let err = |e: wasm_bindgen::JsValue| format!("{e:?}");
        let parts = js_sys::Array::of1(&wasm_bindgen::JsValue::from_str(text));
        let opts = web_sys::BlobPropertyBag::new();
        opts.set_type(mime);
        let blob = web_sys::Blob::new_with_str_sequence_and_options(&parts, &opts).map_err(err)?;
        let url = web_sys::Url::create_object_url_with_blob(&blob).map_err(err)?;
        let doc = leptos::prelude::document();
        let a: web_sys::HtmlAnchorElement = doc
            .create_element("a")
            .map_err(err)?
            .dyn_into()
            .map_err(|_| "not an anchor".to_string())?;
        a.set_href(&url);
        a.set_download(filename);
        a.set_attribute("style", "display:none").map_err(err)?;
        let body = doc.body().ok_or("no body")?;
        body.append_child(&a).map_err(err)?;
        a.click();
        a.remove();
        // Revoke later: the download reads the blob asynchronously.
        leptos::prelude::set_timeout(
            move || {
                let _ = web_sys::Url::revoke_object_url(&url);
            },
            std::time::Duration::from_secs(30),
        );
        Ok(())
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        let _ = (filename, mime, text);
        Ok(())
    }
}

fn now() -> f64 {
    #[cfg(target_arch = "wasm32")]
    {
        js_sys::Date::now()
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        0.0
    }
}

fn save(name: String, mime: &str, text: String) {
    if let Err(e) = download_text(&name, mime, &text) {
        leptos::logging::warn!("download of {name} failed: {e}");
    }
}

const NDJSON: &str = "application/x-ndjson";
const CSV: &str = "text/csv;charset=utf-8";

/// Downloads the whole packet log as NDJSON (oldest first).
pub fn download_log_ndjson(ctx: &Ctx) {
    let text = ctx.live.with(|s| packets_ndjson(&log_records(s), s.map()));
    save(file_name("log", now(), "ndjson"), NDJSON, text);
}

/// Downloads the whole packet log as CSV (oldest first).
pub fn download_log_csv(ctx: &Ctx) {
    let text = ctx.live.with(|s| packets_csv(&log_records(s), s.map()));
    save(file_name("log", now(), "csv"), CSV, text);
}

/// Downloads station `id`'s last packets as NDJSON (oldest first).
pub fn download_station_ndjson(ctx: &Ctx, id: u16) {
    let text = ctx
        .live
        .with(|s| packets_ndjson(&station_records(s, id), s.map()));
    save(
        file_name(
            &format!("station-{}", crate::store::key_id(id)),
            now(),
            "ndjson",
        ),
        NDJSON,
        text,
    );
}

/// Downloads station `id`'s field history as CSV.
pub fn download_station_csv(ctx: &Ctx, id: u16) {
    let text = ctx.live.with(|s| history_csv(&station_series(s, id)));
    save(
        file_name(
            &format!("station-{}-history", crate::store::key_id(id)),
            now(),
            "csv",
        ),
        CSV,
        text,
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iso() {
        assert_eq!(iso_utc(0.0), "1970-01-01T00:00:00.000Z");
        assert_eq!(iso_utc(1_767_225_600_123.0), "2026-01-01T00:00:00.123Z");
        assert_eq!(csv_text("=1+1"), "'=1+1");
        assert_eq!(csv_cell("a,\"b\""), "\"a,\"\"b\"\"\"");
    }
}
