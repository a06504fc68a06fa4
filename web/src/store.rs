//! Step 6 of the pipeline: the store.
//!
//! [`Store`] is plain data with hard bounds: the packet log keeps the newest
//! [`LOG_CAPACITY`] entries, each station keeps [`HISTORY_POINTS`] points per
//! numeric field (at most [`MAX_FIELDS_PER_STATION`] fields), stations are
//! keyed by id (at most 4096). [`Live`] wraps it for the UI: ingest marks what
//! changed, and the signals the views read are bumped at most once per
//! animation frame, however many messages arrive.
//!
//! Sequence tracking (loss, duplicates, restarts) and mesh topology belong to
//! the receiver (coming from the mesh/receiver work); until it is wired in,
//! [`Station::loss_pct`] stays `None`.

use std::collections::{BTreeMap, HashMap, VecDeque};

use leptos::prelude::*;
use serde_json::{Map, Value};

use crate::decode::{Decoded, EntryKind};

/// Packet log capacity.
pub const LOG_CAPACITY: usize = 2_000;
/// Points kept per numeric field and station.
pub const HISTORY_POINTS: usize = 500;
/// Numeric fields tracked per station.
pub const MAX_FIELDS_PER_STATION: usize = 64;
/// Assumed report interval until two packets have been seen.
pub const DEFAULT_INTERVAL_MS: f64 = 60_000.0;
/// Frames kept per log entry for the inspector link (bytes).
pub const MAX_FRAME_KEEP: usize = 512;

/// One packet-log entry.
#[derive(Debug, Clone, PartialEq)]
pub struct LogEntry {
    /// Unique, increasing id (the row key).
    pub id: u64,
    /// Receive time, ms since the epoch.
    pub t_ms: f64,
    /// MQTT topic.
    pub topic: String,
    /// Kind (`data-kind`).
    pub kind: EntryKind,
    /// Station, when known.
    pub station: Option<u16>,
    /// Payload size in bytes.
    pub size: usize,
    /// One-line description.
    pub summary: String,
    /// Frame hex for "open in inspector" (binary / hex input, bounded).
    pub frame_hex: Option<String>,
}

/// How recently a station was heard, relative to its usual interval.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Freshness {
    /// Within 1.5 × its interval.
    Fresh,
    /// Within 3 × its interval.
    Late,
    /// Older: greyed out.
    Stale,
}

impl Freshness {
    /// CSS class / marker class.
    pub fn as_str(self) -> &'static str {
        match self {
            Freshness::Fresh => "fresh",
            Freshness::Late => "late",
            Freshness::Stale => "stale",
        }
    }
}

/// What is known about one station.
#[derive(Debug, Clone, PartialEq)]
pub struct Station {
    /// Station id.
    pub id: u16,
    /// Last variant nibble.
    pub variant: u8,
    /// Variant name, when known.
    pub variant_name: Option<String>,
    /// First packet time.
    pub first_heard_ms: f64,
    /// Last packet time.
    pub last_heard_ms: f64,
    /// Smoothed interval between packets.
    pub interval_ms: Option<f64>,
    /// Packets received (sensor and mesh).
    pub packets: u64,
    /// Mesh packets among them.
    pub mesh_packets: u64,
    /// Last sequence number.
    pub last_sequence: u16,
    /// Loss percentage (from the receiver; not yet wired).
    pub loss_pct: Option<f64>,
    /// Last known position (lat, lon), cached across packets.
    pub position: Option<(f64, f64)>,
    /// Battery level, percent.
    pub battery: Option<f64>,
    /// Latest canonical JSON.
    pub latest: Option<Map<String, Value>>,
    /// Per-field history: (time, value), newest last.
    pub history: BTreeMap<String, VecDeque<(f64, f64)>>,
}

impl Station {
    fn new(id: u16, now: f64) -> Station {
        Station {
            id,
            variant: 0,
            variant_name: None,
            first_heard_ms: now,
            last_heard_ms: now,
            interval_ms: None,
            packets: 0,
            mesh_packets: 0,
            last_sequence: 0,
            loss_pct: None,
            position: None,
            battery: None,
            latest: None,
            history: BTreeMap::new(),
        }
    }

    /// Freshness at `now_ms`.
    pub fn freshness(&self, now_ms: f64) -> Freshness {
        let interval = self.interval_ms.unwrap_or(DEFAULT_INTERVAL_MS).max(1_000.0);
        let age = now_ms - self.last_heard_ms;
        if age <= 1.5 * interval {
            Freshness::Fresh
        } else if age <= 3.0 * interval {
            Freshness::Late
        } else {
            Freshness::Stale
        }
    }

    /// Up to `n` headline readings (`name value`), battery and link excluded.
    pub fn headline(&self, n: usize) -> Vec<(String, String)> {
        let Some(latest) = &self.latest else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for (path, v) in numeric_leaves(latest) {
            if out.len() >= n {
                break;
            }
            let top = path.split('.').next().unwrap_or("");
            if matches!(top, "battery" | "link" | "position" | "datetime" | "flags") {
                continue;
            }
            // `environment.temperature` reads as `temperature`.
            let name = path.rsplit('.').next().unwrap_or(&path).to_string();
            out.push((name, format_number(v)));
        }
        out
    }
}

/// Formats a reading without float noise (`0.0099999…` → `0.01`).
pub fn format_number(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{}", v as i64)
    } else {
        let s = format!("{v:.3}");
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    }
}

const META_KEYS: [&str; 5] = [
    "variant",
    "station",
    "sequence",
    "packed_bits",
    "packed_bytes",
];

/// Numeric leaves of a canonical JSON object as (`a.b` path, value), in
/// document order, skipping header/meta keys and the TLV array.
pub fn numeric_leaves(json: &Map<String, Value>) -> Vec<(String, f64)> {
    fn walk(prefix: &str, v: &Value, out: &mut Vec<(String, f64)>) {
        match v {
            Value::Number(n) => {
                if let Some(f) = n.as_f64() {
                    out.push((prefix.to_string(), f));
                }
            }
            Value::Object(m) => {
                for (k, v) in m {
                    walk(&format!("{prefix}.{k}"), v, out);
                }
            }
            _ => {}
        }
    }
    let mut out = Vec::new();
    for (k, v) in json {
        if META_KEYS.contains(&k.as_str()) || k == "data" {
            continue;
        }
        walk(k, v, &mut out);
    }
    out
}

/// The first `{latitude, longitude}` object in a canonical JSON packet.
pub fn find_position(json: &Map<String, Value>) -> Option<(f64, f64)> {
    json.values().find_map(|v| {
        let o = v.as_object()?;
        let lat = o.get("latitude")?.as_f64()?;
        let lon = o.get("longitude")?.as_f64()?;
        ((-90.0..=90.0).contains(&lat) && (-180.0..=180.0).contains(&lon)).then_some((lat, lon))
    })
}

fn find_battery(json: &Map<String, Value>) -> Option<f64> {
    json.get("battery")?.get("level")?.as_f64()
}

/// What changed in one ingest (for the UI's coalescing).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Change {
    /// The station that changed.
    pub station: Option<u16>,
    /// A station was added.
    pub new_station: bool,
}

/// All received data, bounded.
#[derive(Debug, Default)]
pub struct Store {
    log: VecDeque<LogEntry>,
    next_id: u64,
    stations: BTreeMap<u16, Station>,
    /// Messages ingested since start (including dropped log entries).
    pub total_messages: u64,
}

impl Store {
    /// An empty store.
    pub fn new() -> Store {
        Store::default()
    }

    /// Adds one decoded message received at `now_ms` on `topic`.
    pub fn ingest(&mut self, now_ms: f64, topic: &str, size: usize, d: &Decoded) -> Change {
        self.total_messages += 1;
        let id = self.next_id;
        self.next_id += 1;
        let frame_hex = d
            .frame
            .as_ref()
            .filter(|f| f.len() <= MAX_FRAME_KEEP)
            .map(|f| crate::payload::to_hex(f));
        self.log.push_front(LogEntry {
            id,
            t_ms: now_ms,
            topic: topic.to_string(),
            kind: d.kind,
            station: d.header.map(|h| h.station),
            size,
            summary: d.summary.clone(),
            frame_hex,
        });
        self.log.truncate(LOG_CAPACITY);

        let mut change = Change::default();
        let (Some(h), EntryKind::Sensor | EntryKind::Mesh) = (d.header, d.kind) else {
            return change;
        };
        let new_station = !self.stations.contains_key(&h.station);
        let st = self
            .stations
            .entry(h.station)
            .or_insert_with(|| Station::new(h.station, now_ms));
        if st.packets > 0 {
            let gap = (now_ms - st.last_heard_ms).max(0.0);
            if gap > 0.0 {
                st.interval_ms = Some(match st.interval_ms {
                    None => gap,
                    Some(i) => 0.8 * i + 0.2 * gap,
                });
            }
        }
        st.packets += 1;
        st.last_heard_ms = now_ms;
        st.last_sequence = h.sequence;
        if d.kind == EntryKind::Mesh {
            st.mesh_packets += 1;
        } else {
            st.variant = h.variant;
            if d.variant_name.is_some() {
                st.variant_name = d.variant_name.clone();
            }
        }
        if let Some(json) = &d.json {
            if let Some(p) = find_position(json) {
                st.position = Some(p);
            }
            if let Some(b) = find_battery(json) {
                st.battery = Some(b);
            }
            for (path, v) in numeric_leaves(json) {
                if !st.history.contains_key(&path) && st.history.len() >= MAX_FIELDS_PER_STATION {
                    continue;
                }
                let h = st.history.entry(path).or_default();
                h.push_back((now_ms, v));
                while h.len() > HISTORY_POINTS {
                    h.pop_front();
                }
            }
            st.latest = Some(json.clone());
        }
        change.station = Some(h.station);
        change.new_station = new_station;
        change
    }

    /// Newest-first log entries.
    pub fn log(&self) -> impl Iterator<Item = &LogEntry> {
        self.log.iter()
    }

    /// Number of log entries.
    pub fn log_len(&self) -> usize {
        self.log.len()
    }

    /// A station.
    pub fn station(&self, id: u16) -> Option<&Station> {
        self.stations.get(&id)
    }

    /// All stations by id.
    pub fn stations(&self) -> impl Iterator<Item = &Station> {
        self.stations.values()
    }

    /// Number of stations.
    pub fn station_count(&self) -> usize {
        self.stations.len()
    }

    /// Forgets everything.
    pub fn clear(&mut self) {
        self.log.clear();
        self.stations.clear();
    }
}

/// The store as the UI sees it: data plus revision signals bumped at most once
/// per animation frame. `Copy`, so views can capture it freely.
#[derive(Clone, Copy)]
pub struct Live {
    store: StoredValue<Store>,
    /// Bumped when the set of stations (or any station) changed.
    pub stations_rev: RwSignal<u64>,
    /// Bumped when the log changed.
    pub log_rev: RwSignal<u64>,
    station_revs: StoredValue<HashMap<u16, RwSignal<u64>>>,
    pending: StoredValue<Pending>,
    /// The owner the per-station signals belong to (the store's own), so a
    /// view that asks first does not take them down when it unmounts.
    owner: StoredValue<Option<Owner>>,
}

#[derive(Default)]
struct Pending {
    scheduled: bool,
    log: bool,
    stations: bool,
    dirty: Vec<u16>,
}

impl Default for Live {
    fn default() -> Self {
        Self::new()
    }
}

impl Live {
    /// An empty live store.
    pub fn new() -> Live {
        Live {
            store: StoredValue::new(Store::new()),
            stations_rev: RwSignal::new(0),
            log_rev: RwSignal::new(0),
            station_revs: StoredValue::new(HashMap::new()),
            pending: StoredValue::new(Pending::default()),
            owner: StoredValue::new(Owner::current()),
        }
    }

    /// Reads the store.
    pub fn with<R>(&self, f: impl FnOnce(&Store) -> R) -> R {
        self.store.with_value(f)
    }

    /// The revision signal of one station (created on first use).
    pub fn station_rev(&self, id: u16) -> RwSignal<u64> {
        if let Some(s) = self.station_revs.with_value(|m| m.get(&id).copied()) {
            return s;
        }
        let s = match self.owner.get_value() {
            Some(owner) => owner.with(|| RwSignal::new(0)),
            None => RwSignal::new(0),
        };
        self.station_revs.update_value(|m| {
            m.insert(id, s);
        });
        s
    }

    /// Ingests one decoded message and schedules a UI update.
    pub fn ingest(&self, now_ms: f64, topic: &str, size: usize, d: &Decoded) {
        let change = self
            .store
            .try_update_value(|s| s.ingest(now_ms, topic, size, d))
            .unwrap_or_default();
        self.pending.update_value(|p| {
            p.log = true;
            if let Some(id) = change.station {
                p.stations = true;
                if !p.dirty.contains(&id) {
                    p.dirty.push(id);
                }
            }
        });
        self.schedule();
    }

    /// Clears all data.
    pub fn clear(&self) {
        self.store.update_value(Store::clear);
        self.pending.update_value(|p| {
            p.log = true;
            p.stations = true;
        });
        self.schedule();
    }

    fn schedule(&self) {
        let already = self
            .pending
            .try_update_value(|p| std::mem::replace(&mut p.scheduled, true))
            .unwrap_or(true);
        if already {
            return;
        }
        let this = *self;
        #[cfg(target_arch = "wasm32")]
        request_animation_frame(move || this.flush());
        #[cfg(not(target_arch = "wasm32"))]
        this.flush();
    }

    /// Publishes pending changes to the signals (once per animation frame).
    pub fn flush(&self) {
        let Some(p) = self.pending.try_update_value(std::mem::take) else {
            return;
        };
        for id in &p.dirty {
            let rev = self.station_rev(*id);
            rev.update(|r| *r += 1);
        }
        if p.stations {
            self.stations_rev.update(|r| *r += 1);
        }
        if p.log {
            self.log_rev.update(|r| *r += 1);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decode::{decode_frame, default_map, Header};

    #[test]
    fn bounded_log_and_stations() {
        let mut s = Store::new();
        let map = default_map();
        for i in 0..(LOG_CAPACITY + 10) {
            let d = decode_frame(&[0x00, (i % 7) as u8, 0, i as u8, 0], &map);
            s.ingest(i as f64 * 1000.0, "t", 5, &d);
        }
        assert_eq!(s.log_len(), LOG_CAPACITY);
        assert_eq!(s.station_count(), 7);
        assert_eq!(s.log().next().unwrap().id, (LOG_CAPACITY + 9) as u64);
    }

    #[test]
    fn history_bounded() {
        let mut s = Store::new();
        for i in 0..(HISTORY_POINTS + 5) {
            let mut json = Map::new();
            json.insert("station".into(), 3.into());
            json.insert("temperature".into(), (i as f64).into());
            let d = Decoded {
                kind: EntryKind::Sensor,
                header: Some(Header {
                    variant: 0,
                    station: 3,
                    sequence: i as u16,
                }),
                variant_name: None,
                mesh_type: None,
                json_text: None,
                json: Some(json),
                dump: Vec::new(),
                warnings: Vec::new(),
                frame: None,
                failure: None,
                summary: String::new(),
            };
            s.ingest(i as f64, "t", 1, &d);
        }
        let st = s.station(3).unwrap();
        assert_eq!(st.history["temperature"].len(), HISTORY_POINTS);
    }
}
