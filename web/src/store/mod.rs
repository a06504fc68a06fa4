//! Step 6 of the pipeline: the store.
//!
//! # Contract (other views build on this; add to it, do not rename)
//!
//! The pipeline is one way:
//!
//! ```text
//! socket → mqtt (a message: topic + payload) → payload::classify
//!        → decode::decode_incoming (the codec, once per frame)
//!        → iotdata::receiver::Receiver (dedup, sequences, loss, interval,
//!          staleness, position cache, latest fields/TLVs, DIAGNOSTIC and
//!          USERDATA events, topology)
//!        → Store (the dashboard's own bounded collections)
//!        → Live (revision signals, at most one bump per animation frame)
//!        → views
//! ```
//!
//! Everything enters through [`Store::ingest`] / [`Live::ingest`] with the
//! receive time (ms since the epoch), the MQTT topic and the raw payload:
//! binary frames, hex text and the reference gateway's JSON (which goes to
//! [`Receiver::ingest_frame`]); anything else is logged as `unrecognised`.
//! No input panics.
//!
//! **Read accessors** (all through `live.with(|s| …)`):
//! - [`Store::receiver`]: the codec's receiver. Station state
//!   ([`Receiver::station`], [`Receiver::stations`]: sequence stats, loss %,
//!   interval, [`iotdata::receiver::Station::is_stale`], cached position,
//!   latest fields and TLVs, `messages` = DIAGNOSTIC / USERDATA with time,
//!   delivery paths), the [`Receiver::topology`] and the variant map.
//! - [`Store::stations`] / [`Store::station`] / [`Store::station_count`]:
//!   shortcuts to the receiver's sensor stations.
//! - [`Store::log`]: the packet log, newest first, at most [`LOG_CAPACITY`]
//!   [`LogEntry`]s (one per MQTT message).
//! - [`Store::history`]`(station, key)`: up to [`HISTORY_POINTS`] points
//!   `(rx_ms, value)` per numeric field, oldest first; keys are
//!   `<label>.<component>` (`environment.temperature`, `battery.level`,
//!   `wind.speed`) or the bare label for single-valued types
//!   (`soil_temperature`); [`Store::history_keys`] lists them.
//! - [`Store::frames`]`(station)`: the last [`FRAMES_PER_STATION`] sensor
//!   packets of a station as raw bytes (FORWARDs unwrapped), newest first.
//! - [`Store::thumbnails`]: the latest [`THUMBNAIL_CAPACITY`] images across
//!   stations, newest first.
//! - [`Store::topology_revision`]: the receiver's topology revision.
//! - helpers: [`readings`], [`battery_level`], [`freshness`],
//!   [`Store::variant_name`], [`format_number`].
//!
//! **Reactivity** ([`Live`], `Copy`): [`Live::stations_rev`] (any station
//! added or changed), [`Live::station_rev`]`(id)` (one station),
//! [`Live::log_rev`], [`Live::topology_rev`] (topology structure),
//! [`Live::mesh_rev`] (any mesh activity: counters, last heard),
//! [`Live::gallery_rev`] (thumbnails), [`Live::map_rev`] (variant map
//! replaced). Ingest only marks what changed; the signals are bumped once per
//! `requestAnimationFrame`, however many messages arrive.
//! [`Live::stations_changed_since`]`(rev)` names the stations behind the
//! latest `stations_rev` bump, so a view can keep its own index (the
//! stations table's order) by updating only those.
//!
//! **Bounds**: log [`LOG_CAPACITY`], [`HISTORY_POINTS`] per series and
//! [`MAX_SERIES_PER_STATION`] series, at most [`MAX_HISTORY_POINTS_TOTAL`]
//! points over all stations (beyond it every series drops its oldest
//! half), [`FRAMES_PER_STATION`] frames per station and
//! [`MAX_FRAME_BYTES_TOTAL`] bytes of them in all, frames per
//! station, [`THUMBNAIL_CAPACITY`] thumbnails, 4096 stations (12-bit ids),
//! frames of at most [`MAX_FRAME_KEEP`] kept (longer ones are `oversize`
//! errors), topics cut to [`MAX_TOPIC_BYTES`] and interned (at most
//! [`MAX_TOPICS`] distinct; a raw frame's topic counts against
//! [`MAX_FRAME_BYTES_TOTAL`]).

use crate::vecmap::VecMap;
use std::collections::VecDeque;
use std::sync::Arc;

use iotdata::field::FieldType;
use iotdata::frame::Frame;
use iotdata::image::Image;
use iotdata::mesh::{MeshBody, MeshPacket};
use iotdata::receiver::{Event, Receiver, ReceiverConfig, Station};
use iotdata::{FieldValue, VariantMap};
use leptos::prelude::*;
use serde_json::{Map, Value};

use crate::decode::{EntryKind, Incoming};

/// Packet log capacity.
pub const LOG_CAPACITY: usize = 2_000;
/// Points kept per numeric field and station.
pub const HISTORY_POINTS: usize = 500;
/// History points over all stations and series (16 bytes each: 16 MB).
/// When a new point takes the total above it, every series drops its oldest
/// half, so memory stays bounded with thousands of busy stations while the
/// usual deployment (a few hundred series) never reaches it.
pub const MAX_HISTORY_POINTS_TOTAL: usize = 1_000_000;
/// Numeric series tracked per station.
pub const MAX_SERIES_PER_STATION: usize = 64;
/// Raw sensor frames kept per station (click-to-inspect).
pub const FRAMES_PER_STATION: usize = 50;
/// Bytes of raw sensor frames kept over all stations (16 MB). When a new
/// frame takes the total above it, every station drops its older half of
/// frames (like [`MAX_HISTORY_POINTS_TOTAL`] for history).
pub const MAX_FRAME_BYTES_TOTAL: usize = 16_000_000;
/// Image thumbnails kept across stations.
pub const THUMBNAIL_CAPACITY: usize = 48;
/// Bytes of a payload kept for display in the log.
pub const FIRST_BYTES: usize = crate::payload::PREVIEW_BYTES;
/// Assumed report interval until the receiver knows one.
pub const DEFAULT_INTERVAL_MS: f64 = 60_000.0;
/// Frames longer than this are not kept in the log for the inspector link
/// (longer ones are `oversize` errors: [`crate::decode::MAX_FRAME_BYTES`]).
pub const MAX_FRAME_KEEP: usize = crate::decode::MAX_FRAME_BYTES;
/// Longest topic kept, in bytes; a longer one is cut at a character
/// boundary and ends with [`TOPIC_CUT_MARKER`] (the whole is at most this).
pub const MAX_TOPIC_BYTES: usize = 256;
/// Appended to a topic cut to [`MAX_TOPIC_BYTES`].
pub const TOPIC_CUT_MARKER: &str = "…";
/// Distinct topics interned (one shared string each). When a new topic
/// would exceed it, the least recently used half is forgotten (entries
/// still in the log keep their string until they leave it).
pub const MAX_TOPICS: usize = 4_096;

/// One packet-log entry (one MQTT message).
#[derive(Debug, Clone, PartialEq)]
pub struct LogEntry {
    /// Unique, increasing id (the row key).
    pub id: u64,
    /// Receive time, ms since the epoch.
    pub rx_ms: f64,
    /// MQTT topic (untrusted: render as text).
    pub topic: Arc<str>,
    /// Kind (`data-kind`): of the outer frame (a FORWARD is `mesh`).
    pub kind: EntryKind,
    /// Station of the outer header (the sender for mesh frames).
    pub station: Option<u16>,
    /// The sensor station a FORWARD carried (innermost), if any.
    pub origin: Option<u16>,
    /// Sequence of the outer header.
    pub sequence: Option<u16>,
    /// The receiver saw this packet before ("also heard via").
    pub duplicate: bool,
    /// Payload size in bytes.
    pub size: usize,
    /// The first [`FIRST_BYTES`] bytes of the payload.
    pub first_bytes: Vec<u8>,
    /// The frame bytes (binary or hex input; re-encoded for gateway JSON).
    pub frame: Option<Arc<[u8]>>,
    /// One-line description (untrusted parts included: render as text).
    pub summary: String,
}

impl LogEntry {
    /// Receive time (old name of [`LogEntry::rx_ms`]).
    pub fn t_ms(&self) -> f64 {
        self.rx_ms
    }

    /// The frame as lowercase hex (for `#hex=`), when kept.
    pub fn frame_hex(&self) -> Option<String> {
        self.frame.as_deref().map(crate::payload::to_hex)
    }

    /// Whether the entry concerns `station` (outer header or FORWARDed
    /// origin).
    pub fn concerns(&self, station: u16) -> bool {
        self.station == Some(station) || self.origin == Some(station)
    }
}

/// A topic as kept: at most [`MAX_TOPIC_BYTES`], cut at a character
/// boundary with [`TOPIC_CUT_MARKER`] when longer.
pub fn cut_topic(topic: &str) -> std::borrow::Cow<'_, str> {
    if topic.len() <= MAX_TOPIC_BYTES {
        return std::borrow::Cow::Borrowed(topic);
    }
    let mut end = MAX_TOPIC_BYTES - TOPIC_CUT_MARKER.len();
    while !topic.is_char_boundary(end) {
        end -= 1;
    }
    std::borrow::Cow::Owned(format!("{}{TOPIC_CUT_MARKER}", &topic[..end]))
}

/// Interned topics: one shared string per distinct (cut) topic, at most
/// [`MAX_TOPICS`], the least recently used half dropped when full.
#[derive(Debug, Default)]
struct Topics {
    /// Topic → (the shared string, last use).
    table: VecMap<Arc<str>, (Arc<str>, u64)>,
    clock: u64,
    bytes: usize,
}

impl Topics {
    fn intern(&mut self, topic: &str) -> Arc<str> {
        self.clock += 1;
        let topic = cut_topic(topic);
        if let Some((t, used)) = self.table.get_mut(topic.as_ref()) {
            *used = self.clock;
            return Arc::clone(t);
        }
        if self.table.len() >= MAX_TOPICS {
            self.evict_older_half();
        }
        let t: Arc<str> = Arc::from(topic.as_ref());
        self.bytes += t.len();
        self.table
            .insert(Arc::clone(&t), (Arc::clone(&t), self.clock));
        t
    }

    /// Keeps the more recently used half (amortised O(1) per new topic).
    fn evict_older_half(&mut self) {
        let mut used: Vec<u64> = self.table.values().map(|(_, u)| *u).collect();
        let mid = used.len() / 2;
        if mid == 0 {
            return;
        }
        let (_, median, _) = used.select_nth_unstable(mid);
        let median = *median;
        self.table.retain(|_, (_, u)| *u >= median);
        self.bytes = self.table.keys().map(|t| t.len()).sum();
    }

    fn clear(&mut self) {
        self.table.clear();
        self.bytes = 0;
    }
}

/// One raw sensor packet of a station.
#[derive(Debug, Clone, PartialEq)]
pub struct RawFrame {
    /// Receive time, ms since the epoch.
    pub rx_ms: f64,
    /// Sequence number.
    pub sequence: u16,
    /// The relay whose FORWARD delivered it (`None`: heard directly).
    pub via: Option<u16>,
    /// MQTT topic it came on.
    pub topic: Arc<str>,
    /// The sensor packet's bytes (FORWARD wrappers removed; re-encoded when
    /// it came as gateway JSON).
    pub bytes: Arc<[u8]>,
}

impl RawFrame {
    /// What it counts against [`MAX_FRAME_BYTES_TOTAL`]: its bytes and its
    /// topic's (counted per frame, even when shared).
    pub fn cost(&self) -> usize {
        self.bytes.len() + self.topic.len()
    }
}

/// An image received from a station.
#[derive(Debug, Clone, PartialEq)]
pub struct Thumbnail {
    /// Unique, increasing id (the key).
    pub id: u64,
    /// Station id.
    pub station: u16,
    /// Sequence of the packet.
    pub sequence: u16,
    /// Receive time, ms since the epoch.
    pub rx_ms: f64,
    /// The field's label in the variant map.
    pub label: Arc<str>,
    /// The image (format, size, compression, flags, data).
    pub image: Image,
    /// The sensor packet's bytes (for the inspector).
    pub frame: Option<Arc<[u8]>>,
}

/// A numeric series of one station.
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    /// The stable key (`environment.temperature`).
    pub key: String,
    /// Unit of the values (`°C`, `%`, or empty).
    pub unit: &'static str,
    /// `(rx_ms, value)`, oldest first, at most [`HISTORY_POINTS`].
    pub points: VecDeque<(f64, f64)>,
}

/// The dashboard's own data about one station (the receiver has the rest).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct StationData {
    /// Numeric series in first-seen order.
    pub series: Vec<Series>,
    /// Raw sensor packets, newest first.
    pub frames: VecDeque<RawFrame>,
}

/// How recently a station was heard, relative to its usual interval.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Freshness {
    /// Within 1.5 × its interval.
    Fresh,
    /// Within 3 × its interval.
    Late,
    /// Older (the receiver's `is_stale`): greyed out.
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

/// Freshness of a receiver station at `now_ms` (stale exactly when
/// [`Station::is_stale`]: silent for more than 3 usual intervals).
pub fn freshness(st: &Station, now_ms: f64) -> Freshness {
    let now = now_ms as i64;
    if st.is_stale(now) {
        return Freshness::Stale;
    }
    let interval = st
        .interval_ms()
        .map(|i| i as f64)
        .unwrap_or(DEFAULT_INTERVAL_MS);
    if now_ms - st.last_heard_ms as f64 <= 1.5 * interval {
        Freshness::Fresh
    } else {
        Freshness::Late
    }
}

/// One numeric reading of a station's latest values.
#[derive(Debug, Clone, PartialEq)]
pub struct Reading {
    /// Stable key (`environment.temperature`), as in [`Store::history`].
    pub key: String,
    /// Value in native units.
    pub value: f64,
    /// Unit (may be empty).
    pub unit: &'static str,
}

impl Reading {
    /// `21.5 °C`.
    pub fn value_text(&self) -> String {
        let unit = display_unit(self.unit);
        if unit.is_empty() {
            format_number(self.value)
        } else {
            format!("{} {unit}", format_number(self.value))
        }
    }
}

/// A codec unit as people write it (`C` → `°C`, `deg` → `°`, `uSv/h` →
/// `µSv/h`; others unchanged).
pub fn display_unit(unit: &str) -> &str {
    match unit {
        "C" => "°C",
        "deg" => "°",
        "uSv/h" => "µSv/h",
        u => u,
    }
}

/// Field types that are not readings to chart or headline.
fn is_meta_type(ty: FieldType) -> bool {
    matches!(
        ty,
        FieldType::Position | FieldType::Datetime | FieldType::Flags | FieldType::Image
    )
}

/// The numeric values of one field as `(key, value, unit)`, keys prefixed
/// with `label` (booleans such as `battery.charging` left out).
pub fn field_numbers(label: &str, value: &FieldValue) -> Vec<(String, f64, &'static str)> {
    if is_meta_type(value.ty()) {
        return Vec::new();
    }
    let units: Vec<&'static str> = value.components().map(|c| c.spec.unit).collect();
    value
        .numeric_values()
        .into_iter()
        .enumerate()
        .filter(|(_, (k, _))| k != "charging")
        .map(|(i, (k, v))| {
            let key = if k.is_empty() {
                label.to_string()
            } else {
                format!("{label}.{k}")
            };
            (key, v, units.get(i).copied().unwrap_or(""))
        })
        .collect()
}

/// A station's latest numeric readings in field order: battery and link
/// only with `all`; position, datetime, flags and images never.
pub fn readings(st: &Station, all: bool) -> Vec<Reading> {
    let mut out = Vec::new();
    for f in &st.fields {
        let ty = f.value.ty();
        if !all && matches!(ty, FieldType::Battery | FieldType::Link) {
            continue;
        }
        for (key, value, unit) in field_numbers(&f.label, &f.value) {
            out.push(Reading { key, value, unit });
        }
    }
    out
}

/// Up to `n` headline readings as (`short name`, `value with unit`),
/// battery and link excluded (`environment.temperature` reads as
/// `temperature`).
pub fn headline(st: &Station, n: usize) -> Vec<(String, String)> {
    readings(st, false)
        .into_iter()
        .take(n)
        .map(|r| {
            let name = r.key.rsplit('.').next().unwrap_or(&r.key).to_string();
            (name, r.value_text())
        })
        .collect()
}

/// Battery level in percent, from the station's latest BATTERY field.
pub fn battery_level(st: &Station) -> Option<f64> {
    st.fields
        .iter()
        .filter(|f| f.value.ty() == FieldType::Battery)
        .flat_map(|f| f.value.components())
        .find(|c| c.spec.key == "level")
        .map(|c| c.value.as_f64())
}

/// Formats a reading without float noise (`0.0099999…` → `0.01`).
pub fn format_number(v: f64) -> String {
    if !v.is_finite() {
        return "—".into();
    }
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
/// document order, skipping header/meta keys and the TLV array (for code
/// working from JSON, e.g. exports).
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

/// What changed in one ingest (for the UI's coalescing).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Change {
    /// Sensor stations whose state changed.
    pub stations: Vec<u16>,
    /// A station was added.
    pub new_station: bool,
    /// The topology's structure changed.
    pub topology: bool,
    /// Mesh activity (counters, last heard) without structural change.
    pub mesh: bool,
    /// A thumbnail was added.
    pub gallery: bool,
}

/// All received data, bounded. See the module documentation.
#[derive(Debug)]
pub struct Store {
    receiver: Receiver,
    log: VecDeque<LogEntry>,
    next_id: u64,
    data: VecMap<u16, StationData>,
    thumbs: VecDeque<Thumbnail>,
    last_topic: Option<Arc<str>>,
    topics: Topics,
    events: Vec<Event>,
    known_positions: VecMap<u16, (f64, f64)>,
    /// History points held over all stations (see [`MAX_HISTORY_POINTS_TOTAL`]).
    history_points: usize,
    /// The cap on `history_points` ([`MAX_HISTORY_POINTS_TOTAL`] unless set).
    history_cap: usize,
    /// Bytes of raw frames held in [`StationData::frames`] over all stations.
    frame_bytes: usize,
    /// The cap on `frame_bytes` ([`MAX_FRAME_BYTES_TOTAL`] unless set).
    frame_bytes_cap: usize,
    /// Messages ingested since start (including dropped log entries).
    pub total_messages: u64,
    /// Messages per kind since start, indexed like [`EntryKind::ALL`].
    pub kind_counts: [u64; EntryKind::ALL.len()],
}

impl Default for Store {
    fn default() -> Self {
        Store::new()
    }
}

fn kind_index(k: EntryKind) -> usize {
    EntryKind::ALL.iter().position(|x| *x == k).unwrap_or(0)
}

/// The bytes of the innermost non-FORWARD packet of a frame.
fn unwrap_forwards(bytes: &[u8]) -> Option<Vec<u8>> {
    let mut cur: Vec<u8> = bytes.to_vec();
    for _ in 0..=iotdata::receiver::MAX_FORWARD_DEPTH + 1 {
        if !iotdata::mesh::is_mesh(&cur) {
            return Some(cur);
        }
        match iotdata::mesh::parse(&cur) {
            Ok(MeshPacket {
                body: MeshBody::Forward { inner, .. },
                ..
            }) => cur = inner,
            _ => return None,
        }
    }
    None
}

impl Store {
    /// An empty store decoding with the built-in default map.
    pub fn new() -> Store {
        Store::with_map(VariantMap::default_map())
    }

    /// An empty store decoding with `map`.
    pub fn with_map(map: VariantMap) -> Store {
        Store {
            receiver: Receiver::new(map, ReceiverConfig::default()),
            log: VecDeque::with_capacity(LOG_CAPACITY),
            next_id: 0,
            data: VecMap::new(),
            thumbs: VecDeque::new(),
            last_topic: None,
            topics: Topics::default(),
            events: Vec::new(),
            known_positions: VecMap::new(),
            history_points: 0,
            history_cap: MAX_HISTORY_POINTS_TOTAL,
            frame_bytes: 0,
            frame_bytes_cap: MAX_FRAME_BYTES_TOTAL,
            total_messages: 0,
            kind_counts: [0; EntryKind::ALL.len()],
        }
    }

    /// The receiver (stations, topology, sources, variant map).
    pub fn receiver(&self) -> &Receiver {
        &self.receiver
    }

    /// The variant map frames are decoded with.
    pub fn map(&self) -> &VariantMap {
        self.receiver.map()
    }

    /// Replaces the variant map (for messages ingested from now on).
    pub fn set_map(&mut self, map: VariantMap) {
        self.receiver.set_map(map);
    }

    /// The interned, cut topic (see [`MAX_TOPIC_BYTES`], [`MAX_TOPICS`]).
    fn topic(&mut self, topic: &str) -> Arc<str> {
        match &self.last_topic {
            Some(t) if &**t == topic => Arc::clone(t),
            _ => {
                let t = self.topics.intern(topic);
                self.last_topic = Some(Arc::clone(&t));
                t
            }
        }
    }

    /// Distinct topics interned (at most [`MAX_TOPICS`]).
    pub fn topic_count(&self) -> usize {
        self.topics.table.len()
    }

    /// Bytes of the interned topics (at most [`MAX_TOPICS`] ×
    /// [`MAX_TOPIC_BYTES`]).
    pub fn topic_bytes(&self) -> usize {
        self.topics.bytes
    }

    /// The whole pipeline for one MQTT message received at `rx_ms` (ms since
    /// the epoch) on `topic`: classify, decode, feed the receiver, record.
    /// Never panics.
    pub fn ingest(&mut self, rx_ms: f64, topic: &str, payload: &[u8]) -> Change {
        let p = crate::payload::classify(topic, payload);
        let incoming = crate::decode::decode_incoming(p, self.receiver.map());
        self.ingest_incoming(rx_ms, topic, payload, incoming)
    }

    /// Records a message already classified and decoded (`payload` is the
    /// original message, for size and first bytes).
    pub fn ingest_incoming(
        &mut self,
        rx_ms: f64,
        topic: &str,
        payload: &[u8],
        incoming: Incoming,
    ) -> Change {
        self.total_messages += 1;
        let topic = self.topic(topic);
        let rx_i = if rx_ms.is_finite() { rx_ms as i64 } else { 0 };
        let mut events = std::mem::take(&mut self.events);
        events.clear();
        let mut entry = LogEntry {
            id: self.next_id,
            rx_ms,
            topic: Arc::clone(&topic),
            kind: EntryKind::Unrecognised,
            station: None,
            origin: None,
            sequence: None,
            duplicate: false,
            size: payload.len(),
            first_bytes: payload[..payload.len().min(FIRST_BYTES)].to_vec(),
            frame: None,
            summary: String::new(),
        };
        self.next_id += 1;
        let mut frame_bytes: Option<Arc<[u8]>> = None;
        match incoming {
            Incoming::Frame { bytes, result, .. } => {
                let header = crate::decode::read_header(&bytes);
                entry.station = header.map(|h| h.station);
                entry.sequence = header.map(|h| h.sequence);
                let bytes: Arc<[u8]> = Arc::from(bytes);
                if bytes.len() <= MAX_FRAME_KEEP {
                    entry.frame = Some(Arc::clone(&bytes));
                }
                let map = self.receiver.map();
                match &result {
                    Ok(Frame::Sensor(p)) => {
                        entry.kind = EntryKind::Sensor;
                        let name = map
                            .get(p.layout_variant)
                            .map(|v| v.name.as_str())
                            .unwrap_or("sensor");
                        entry.summary = format!(
                            "{name} station {} seq {} · {} fields{}{} · {} bytes",
                            p.header.station,
                            p.header.sequence,
                            p.fields.len(),
                            if p.tlvs.is_empty() {
                                String::new()
                            } else {
                                format!(", {} TLV", p.tlvs.len())
                            },
                            if p.unknown_variant() {
                                format!(" · variant {} not in the map", p.header.variant)
                            } else {
                                String::new()
                            },
                            bytes.len()
                        );
                    }
                    Ok(Frame::Mesh(m)) => {
                        entry.kind = EntryKind::Mesh;
                        entry.summary = format!(
                            "mesh {} from {} seq {} · {} bytes",
                            m.ctrl_name(),
                            m.sender_station,
                            m.sender_seq,
                            bytes.len()
                        );
                    }
                    Err(e) => {
                        entry.kind = EntryKind::Error;
                        entry.summary = format!("{}: {e}", e.kind());
                    }
                }
                frame_bytes = Some(Arc::clone(&bytes));
                self.receiver
                    .ingest_decoded(&bytes, result, &topic, rx_i, &mut events);
            }
            Incoming::Json {
                result,
                frame,
                header,
                variant_name,
            } => {
                entry.station = header.map(|h| h.station);
                entry.sequence = header.map(|h| h.sequence);
                match result {
                    Ok(packet) => {
                        entry.kind = EntryKind::Sensor;
                        if let Some(b) = frame.filter(|b| b.len() <= MAX_FRAME_KEEP) {
                            let b: Arc<[u8]> = Arc::from(b);
                            entry.frame = Some(Arc::clone(&b));
                            frame_bytes = Some(b);
                        }
                        entry.summary = format!(
                            "gateway JSON {} station {} seq {} · {} fields",
                            variant_name.as_deref().unwrap_or("?"),
                            packet.header.station,
                            packet.header.sequence,
                            packet.fields.len()
                        );
                        self.receiver.ingest_frame(
                            Frame::Sensor(packet),
                            &topic,
                            rx_i,
                            &mut events,
                        );
                    }
                    Err(reason) => {
                        entry.kind = EntryKind::Error;
                        entry.summary = format!("gateway JSON: {reason}");
                    }
                }
            }
            Incoming::Oversize { reason, header } => {
                entry.kind = EntryKind::Oversize;
                entry.station = header.map(|h| h.station);
                entry.sequence = header.map(|h| h.sequence);
                entry.summary = format!("{}: {reason}", crate::decode::OVERSIZE);
            }
            Incoming::Unrecognised { reason, .. } => {
                entry.kind = EntryKind::Unrecognised;
                entry.summary = format!(
                    "{reason} · {} bytes · {}",
                    payload.len(),
                    crate::payload::to_hex_spaced(&entry.first_bytes)
                );
            }
        }
        let change = self.apply_events(&events, &mut entry, frame_bytes.as_deref(), &topic);
        self.events = events;
        self.kind_counts[kind_index(entry.kind)] += 1;
        if self.log.len() >= LOG_CAPACITY {
            self.log.pop_back();
        }
        self.log.push_front(entry);
        change
    }

    fn apply_events(
        &mut self,
        events: &[Event],
        entry: &mut LogEntry,
        frame: Option<&[u8]>,
        topic: &Arc<str>,
    ) -> Change {
        let mut change = Change::default();
        let mut first = true;
        let mut inner_copy = false;
        for ev in events {
            match ev {
                Event::Sensor {
                    station,
                    sequence,
                    packet,
                    via,
                    rx_ms,
                    ..
                } => {
                    if via.is_some() {
                        entry.origin = Some(*station);
                    }
                    let rx = *rx_ms as f64;
                    let bytes: Option<Arc<[u8]>> = match (via, frame) {
                        (None, Some(f)) => Some(Arc::from(f)),
                        (Some(_), Some(f)) => unwrap_forwards(f).map(Arc::from),
                        _ => None,
                    };
                    let new_station = !self.data.contains_key(station);
                    let data = self.data.entry(*station).or_default();
                    let mut frame_bytes = self.frame_bytes;
                    if let Some(b) = &bytes {
                        if data.frames.len() >= FRAMES_PER_STATION {
                            if let Some(old) = data.frames.pop_back() {
                                frame_bytes = frame_bytes.saturating_sub(old.cost());
                            }
                        }
                        let raw = RawFrame {
                            rx_ms: rx,
                            sequence: *sequence,
                            via: *via,
                            topic: Arc::clone(topic),
                            bytes: Arc::clone(b),
                        };
                        frame_bytes += raw.cost();
                        data.frames.push_front(raw);
                    }
                    let labels = self.receiver.map().get(packet.layout_variant);
                    let mut grew = 0usize;
                    for f in &packet.fields {
                        let Some(label) = labels.and_then(|v| v.slot(usize::from(f.slot))) else {
                            continue;
                        };
                        if let FieldValue::Image(img) = &f.value {
                            let id = self.next_id;
                            self.next_id += 1;
                            if self.thumbs.len() >= THUMBNAIL_CAPACITY {
                                self.thumbs.pop_back();
                            }
                            self.thumbs.push_front(Thumbnail {
                                id,
                                station: *station,
                                sequence: *sequence,
                                rx_ms: rx,
                                label: Arc::from(label.label.as_str()),
                                image: img.clone(),
                                frame: bytes.clone(),
                            });
                            change.gallery = true;
                            continue;
                        }
                        for (key, value, unit) in field_numbers(&label.label, &f.value) {
                            if push_point(data, key, unit, rx, value) {
                                grew += 1;
                            }
                        }
                    }
                    self.frame_bytes = frame_bytes;
                    self.history_points += grew;
                    self.enforce_caps();
                    change.new_station |= new_station;
                    if !change.stations.contains(station) {
                        change.stations.push(*station);
                    }
                    change.mesh = true;
                }
                Event::Duplicate {
                    station, mesh, via, ..
                } => {
                    if first {
                        entry.duplicate = true;
                        entry.summary.insert_str(0, "duplicate · ");
                    } else if via.is_some() && !mesh {
                        entry.origin = Some(*station);
                        inner_copy = true;
                        entry
                            .summary
                            .push_str(&format!(" → sensor {station} (copy)"));
                    }
                    if !mesh && !change.stations.contains(station) {
                        change.stations.push(*station);
                    }
                    change.mesh = true;
                }
                Event::Mesh { .. } => change.mesh = true,
                Event::Gap { station, .. } | Event::Restart { station, .. } => {
                    if !change.stations.contains(station) {
                        change.stations.push(*station);
                    }
                }
                Event::Error { via, error, .. } => {
                    if via.is_some() {
                        entry
                            .summary
                            .push_str(&format!(" → inner packet: {}", error.kind()));
                    } else if entry.kind != EntryKind::Error {
                        entry.kind = EntryKind::Error;
                        entry.summary = format!("{}: {error}", error.kind());
                    }
                }
                Event::TopologyChanged { .. } => change.topology = true,
            }
            if !matches!(ev, Event::Gap { .. } | Event::Restart { .. }) {
                first = false;
            }
        }
        if let (Some(o), false) = (entry.origin, entry.duplicate || inner_copy) {
            if entry.kind == EntryKind::Mesh {
                entry.summary.push_str(&format!(" → sensor {o}"));
            }
        }
        change
    }

    /// Newest-first log entries.
    pub fn log(&self) -> impl Iterator<Item = &LogEntry> {
        self.log.iter()
    }

    /// The log entry with `id`, while the log holds it (binary search: the
    /// log is newest first, ids increase).
    pub fn log_entry(&self, id: u64) -> Option<&LogEntry> {
        let i = self.log.binary_search_by(|e| id.cmp(&e.id)).ok()?;
        self.log.get(i)
    }

    /// Number of log entries.
    pub fn log_len(&self) -> usize {
        self.log.len()
    }

    /// A sensor station (the receiver's).
    pub fn station(&self, id: u16) -> Option<&Station> {
        self.receiver.station(id)
    }

    /// All sensor stations, by id.
    pub fn stations(&self) -> impl Iterator<Item = &Station> {
        self.receiver.stations()
    }

    /// Number of sensor stations.
    pub fn station_count(&self) -> usize {
        self.receiver.station_count()
    }

    /// The dashboard's data about a station (series, frames).
    pub fn station_data(&self, id: u16) -> Option<&StationData> {
        self.data.get(&id)
    }

    /// Points `(rx_ms, value)` of one numeric field, oldest first.
    pub fn history(&self, station: u16, key: &str) -> Option<&VecDeque<(f64, f64)>> {
        self.series(station, key).map(|s| &s.points)
    }

    /// One series (with its unit).
    pub fn series(&self, station: u16, key: &str) -> Option<&Series> {
        self.data
            .get(&station)?
            .series
            .iter()
            .find(|s| s.key == key)
    }

    /// Keys of a station's series, in first-seen order.
    pub fn history_keys(&self, station: u16) -> Vec<String> {
        self.data
            .get(&station)
            .map(|d| d.series.iter().map(|s| s.key.clone()).collect())
            .unwrap_or_default()
    }

    /// A station's last raw sensor frames, newest first.
    pub fn frames(&self, station: u16) -> impl Iterator<Item = &RawFrame> {
        self.data
            .get(&station)
            .into_iter()
            .flat_map(|d| d.frames.iter())
    }

    /// The latest thumbnails across stations, newest first.
    pub fn thumbnails(&self) -> impl Iterator<Item = &Thumbnail> {
        self.thumbs.iter()
    }

    /// The receiver's topology revision (bumps on structural change).
    pub fn topology_revision(&self) -> u64 {
        self.receiver.topology().revision()
    }

    /// The variant name a station's newest packet was decoded with: the
    /// map's name of its header variant, or `variant N` when the map lacks
    /// it (decoded leniently with another layout).
    pub fn variant_name(&self, st: &Station) -> String {
        match self.receiver.map().get(st.variant) {
            Some(v) if st.layout_variant == st.variant => v.name.clone(),
            _ => format!("variant {}", st.variant),
        }
    }

    /// Records where a node is installed (gateways and relays send no
    /// POSITION; the demo feed supplies the simulated deployment's). Used
    /// for drawing mesh links on the map only: station markers come from
    /// received positions.
    pub fn set_known_position(&mut self, id: u16, lat: f64, lon: f64) {
        if (-90.0..=90.0).contains(&lat) && (-180.0..=180.0).contains(&lon) {
            self.known_positions.insert(id & 0x0FFF, (lat, lon));
        }
    }

    /// Where a node is: its last received POSITION (the receiver's cache),
    /// else its known installation position.
    pub fn node_position(&self, id: u16) -> Option<(f64, f64)> {
        self.receiver
            .station(id)
            .and_then(|st| st.position)
            .map(|p| (p.position.latitude, p.position.longitude))
            .or_else(|| self.known_positions.get(&id).copied())
    }

    /// Nodes with a known installation position, by id.
    pub fn known_positions(&self) -> impl Iterator<Item = (u16, (f64, f64))> + '_ {
        self.known_positions.iter().map(|(k, v)| (*k, *v))
    }

    /// A station's cached received position as `(lat, lon)`.
    pub fn position(&self, id: u16) -> Option<(f64, f64)> {
        self.receiver
            .station(id)
            .and_then(|st| st.position)
            .map(|p| (p.position.latitude, p.position.longitude))
    }

    /// Forgets all data (the map and known positions stay).
    pub fn clear(&mut self) {
        self.receiver.clear();
        self.log.clear();
        self.data.clear();
        self.thumbs.clear();
        self.topics.clear();
        self.last_topic = None;
        self.history_points = 0;
        self.frame_bytes = 0;
    }

    /// History points held over all stations and series.
    pub fn history_points(&self) -> usize {
        self.history_points
    }

    /// Bytes of raw frames held over all stations, their topics included
    /// ([`RawFrame::cost`]).
    pub fn frame_bytes(&self) -> usize {
        self.frame_bytes
    }

    /// Sets the caps on history points and on raw frame bytes over all
    /// stations (defaults [`MAX_HISTORY_POINTS_TOTAL`] and
    /// [`MAX_FRAME_BYTES_TOTAL`]), shedding at once if above them.
    pub fn set_caps(&mut self, history_points: usize, frame_bytes: usize) {
        self.history_cap = history_points;
        self.frame_bytes_cap = frame_bytes;
        self.enforce_caps();
    }

    /// Above a cap, every station keeps only the newer half of its history
    /// series (or of its raw frames). Amortised O(1) per point or frame:
    /// the next shedding is at least half the cap away.
    fn enforce_caps(&mut self) {
        if self.history_points > self.history_cap {
            let mut total = 0;
            for d in self.data.values_mut() {
                for series in &mut d.series {
                    series.points.drain(..series.points.len() / 2);
                    total += series.points.len();
                }
            }
            self.history_points = total;
        }
        if self.frame_bytes > self.frame_bytes_cap {
            let mut total = 0;
            for d in self.data.values_mut() {
                // Newest first: keep the front half.
                d.frames.truncate(d.frames.len().div_ceil(2));
                total += d.frames.iter().map(RawFrame::cost).sum::<usize>();
            }
            self.frame_bytes = total;
        }
    }
}

/// Appends a point to the station's series `key` (created if there is room);
/// `true` when the series grew (rather than dropping its oldest point or
/// the point being refused).
fn push_point(
    data: &mut StationData,
    key: String,
    unit: &'static str,
    rx: f64,
    value: f64,
) -> bool {
    let i = match data.series.iter().position(|s| s.key == key) {
        Some(i) => i,
        None if data.series.len() < MAX_SERIES_PER_STATION => {
            data.series.push(Series {
                key,
                unit,
                points: VecDeque::new(),
            });
            data.series.len() - 1
        }
        None => return false,
    };
    let Some(series) = data.series.get_mut(i) else {
        return false;
    };
    let pts = &mut series.points;
    let full = pts.len() >= HISTORY_POINTS;
    if full {
        pts.pop_front();
    }
    pts.push_back((rx, value));
    !full
}

impl Store {
    /// Records an MQTT message that was too large to take (skipped by the
    /// MQTT session, never read): an `oversize` log entry "oversize N bytes
    /// on <topic>" (`topic` is already cut to a bound by the session).
    pub fn record_oversize(&mut self, rx_ms: f64, topic: &str, size: usize) {
        self.total_messages += 1;
        let shown = if topic.is_empty() {
            "(no topic)"
        } else {
            topic
        };
        let entry = LogEntry {
            id: self.next_id,
            rx_ms,
            topic: self.topic(topic),
            kind: EntryKind::Oversize,
            station: None,
            origin: None,
            sequence: None,
            duplicate: false,
            size,
            first_bytes: Vec::new(),
            frame: None,
            summary: format!("oversize {size} bytes on {shown}"),
        };
        self.next_id += 1;
        self.kind_counts[kind_index(entry.kind)] += 1;
        if self.log.len() >= LOG_CAPACITY {
            self.log.pop_back();
        }
        self.log.push_front(entry);
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
    /// Bumped when the topology's structure changed (parents, neighbours,
    /// roles, orphans, route errors).
    pub topology_rev: RwSignal<u64>,
    /// Bumped on any mesh activity (node counters, last heard, deliveries).
    pub mesh_rev: RwSignal<u64>,
    /// Bumped when a thumbnail was added.
    pub gallery_rev: RwSignal<u64>,
    /// Bumped when the variant map was replaced.
    pub map_rev: RwSignal<u64>,
    station_revs: StoredValue<VecMap<u16, RwSignal<u64>>>,
    pending: StoredValue<Pending>,
    published: StoredValue<Published>,
    /// The owner the per-station signals belong to (the store's own), so a
    /// view that asks first does not take them down when it unmounts.
    owner: StoredValue<Option<Owner>>,
}

/// The stations that changed at the latest [`Live::stations_rev`] bump.
#[derive(Default)]
struct Published {
    /// The value `stations_rev` took.
    rev: u64,
    /// Every station may have changed (cleared, map replaced).
    all: bool,
    /// The stations that changed.
    ids: Vec<u16>,
}

#[derive(Default)]
struct Pending {
    scheduled: bool,
    log: bool,
    stations: bool,
    topology: bool,
    mesh: bool,
    gallery: bool,
    all_stations: bool,
    dirty: Vec<u16>,
}

impl Default for Live {
    fn default() -> Self {
        Self::new()
    }
}

impl Live {
    /// An empty live store (built-in default map).
    pub fn new() -> Live {
        Live::with_map(VariantMap::default_map())
    }

    /// An empty live store decoding with `map`.
    pub fn with_map(map: VariantMap) -> Live {
        Live {
            store: StoredValue::new(Store::with_map(map)),
            stations_rev: RwSignal::new(0),
            log_rev: RwSignal::new(0),
            topology_rev: RwSignal::new(0),
            mesh_rev: RwSignal::new(0),
            gallery_rev: RwSignal::new(0),
            map_rev: RwSignal::new(0),
            station_revs: StoredValue::new(VecMap::new()),
            pending: StoredValue::new(Pending::default()),
            published: StoredValue::new(Published::default()),
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

    /// The stations that changed after `stations_rev` was `rev`, for a view
    /// that keeps its own index up to date: empty when `rev` is current,
    /// the changed ids when `rev` is one bump behind, `None` (rebuild from
    /// the store) when further behind or when every station may have
    /// changed.
    pub fn stations_changed_since(&self, rev: u64) -> Option<Vec<u16>> {
        self.published.with_value(|p| {
            if p.rev == rev {
                Some(Vec::new())
            } else if p.rev == rev.wrapping_add(1) && !p.all {
                Some(p.ids.clone())
            } else {
                None
            }
        })
    }

    /// The whole pipeline for one message (see [`Store::ingest`]); the UI
    /// updates at the next animation frame.
    pub fn ingest(&self, rx_ms: f64, topic: &str, payload: &[u8]) {
        let change = self
            .store
            .try_update_value(|s| s.ingest(rx_ms, topic, payload))
            .unwrap_or_default();
        self.mark(change);
    }

    /// Records an oversize MQTT message (see [`Store::record_oversize`]).
    pub fn record_oversize(&self, rx_ms: f64, topic: &str, size: usize) {
        self.store
            .try_update_value(|s| s.record_oversize(rx_ms, topic, size));
        self.mark(Change::default());
    }

    fn mark(&self, change: Change) {
        self.pending.update_value(|p| {
            p.log = true;
            p.stations |= !change.stations.is_empty();
            p.topology |= change.topology;
            p.mesh |= change.mesh || change.topology;
            p.gallery |= change.gallery;
            for id in change.stations {
                if !p.dirty.contains(&id) {
                    p.dirty.push(id);
                }
            }
        });
        self.schedule();
    }

    /// Replaces the variant map (messages from now on decode with it).
    pub fn set_map(&self, map: VariantMap) {
        self.store.update_value(|s| s.set_map(map));
        self.map_rev.update(|r| *r += 1);
        self.pending.update_value(|p| {
            p.stations = true;
            p.all_stations = true;
        });
        self.schedule();
    }

    /// Records known node positions (see [`Store::set_known_position`]).
    pub fn set_known_positions(&self, nodes: &[(u16, f64, f64)]) {
        self.store.update_value(|s| {
            for &(id, lat, lon) in nodes {
                s.set_known_position(id, lat, lon);
            }
        });
        self.pending.update_value(|p| p.topology = true);
        self.schedule();
    }

    /// Clears all data.
    pub fn clear(&self) {
        self.store.update_value(Store::clear);
        self.pending.update_value(|p| {
            p.log = true;
            p.stations = true;
            p.topology = true;
            p.mesh = true;
            p.gallery = true;
            p.all_stations = true;
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

    /// Publishes pending changes to the signals (once per animation frame;
    /// tests may call it directly).
    pub fn flush(&self) {
        let Some(p) = self.pending.try_update_value(std::mem::take) else {
            return;
        };
        let mut dirty = p.dirty;
        if p.all_stations {
            dirty = self
                .station_revs
                .with_value(|m| m.keys().copied().collect());
        }
        for id in &dirty {
            let rev = self.station_rev(*id);
            rev.update(|r| *r += 1);
        }
        if p.stations {
            let rev = self.stations_rev.get_untracked().wrapping_add(1);
            self.published.set_value(Published {
                rev,
                all: p.all_stations,
                ids: dirty,
            });
            self.stations_rev.set(rev);
        }
        if p.log {
            self.log_rev.update(|r| *r += 1);
        }
        if p.topology {
            self.topology_rev.update(|r| *r += 1);
        }
        if p.mesh {
            self.mesh_rev.update(|r| *r += 1);
        }
        if p.gallery {
            self.gallery_rev.update(|r| *r += 1);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(station: u16, seq: u16, battery: u8) -> Vec<u8> {
        let map = VariantMap::default_map();
        let mut enc = iotdata::Encoder::new(&map, 0, station, seq).unwrap();
        enc.add(FieldValue::battery(battery, false).unwrap())
            .unwrap();
        enc.finish().unwrap()
    }

    #[test]
    fn bounded_log_and_stations() {
        let mut s = Store::new();
        for i in 0..(LOG_CAPACITY + 10) {
            let f = frame((i % 7) as u16, (i / 7) as u16, 50);
            s.ingest(i as f64 * 1000.0, "t", &f);
        }
        assert_eq!(s.log_len(), LOG_CAPACITY);
        assert_eq!(s.station_count(), 7);
        assert_eq!(s.log().next().unwrap().id, (LOG_CAPACITY + 9) as u64);
    }

    #[test]
    fn history_total_is_capped_by_shedding_the_oldest_half() {
        let mut s = Store::new();
        assert_eq!(s.history_cap, MAX_HISTORY_POINTS_TOTAL);
        s.set_caps(1_000, MAX_FRAME_BYTES_TOTAL);
        // 40 stations x 40 packets, one series each (battery level; the
        // charging flag is a second series): 3,200 points offered.
        for seq in 0..40u16 {
            for station in 1..=40u16 {
                s.ingest(f64::from(seq) * 1000.0, "t", &frame(station, seq, 50));
            }
        }
        let total: usize = (1..=40u16)
            .flat_map(|id| s.history_keys(id).into_iter().map(move |k| (id, k)))
            .map(|(id, k)| s.history(id, &k).map_or(0, |h| h.len()))
            .sum();
        assert_eq!(s.history_points(), total);
        assert!(total <= 1_000, "{total} points kept");
        assert!(total > 500, "only {total} points kept");
        // The newest points survive, the oldest went.
        let h = s.history(40, "battery.level").unwrap();
        assert_eq!(h.back().unwrap().0, 39_000.0);
        assert!(h.front().unwrap().0 > 0.0);
        s.clear();
        assert_eq!(s.history_points(), 0);
    }

    #[test]
    fn raw_frames_total_is_capped_by_shedding_the_older_half() {
        let mut s = Store::new();
        assert_eq!(s.frame_bytes_cap, MAX_FRAME_BYTES_TOTAL);
        let len = frame(1, 0, 50).len();
        s.set_caps(MAX_HISTORY_POINTS_TOTAL, 100 * (len + 1));
        // 20 stations x 30 frames = 600 frames offered, room for 100.
        for seq in 0..30u16 {
            for station in 1..=20u16 {
                s.ingest(f64::from(seq) * 1000.0, "t", &frame(station, seq, 50));
            }
        }
        let kept: usize = (1..=20u16).map(|id| s.frames(id).count()).sum();
        // Each frame counts its bytes and its topic's ("t").
        assert_eq!(s.frame_bytes(), kept * (len + 1));
        assert!(kept <= 100, "{kept} frames kept");
        assert!(kept >= 50, "only {kept} frames kept");
        // Newest kept: station 20's newest frame is sequence 29.
        assert_eq!(s.frames(20).next().unwrap().sequence, 29);
        // Within the per-station bound, nothing is shed.
        let mut t = Store::new();
        for seq in 0..(FRAMES_PER_STATION as u16 + 10) {
            t.ingest(f64::from(seq), "t", &frame(3, seq, 50));
        }
        assert_eq!(t.frame_bytes(), FRAMES_PER_STATION * (len + 1));
        s.clear();
        assert_eq!(s.frame_bytes(), 0);
    }

    #[test]
    fn history_bounded_and_keyed() {
        let mut s = Store::new();
        for i in 0..(HISTORY_POINTS + 5) {
            s.ingest(i as f64 * 1000.0, "t", &frame(3, i as u16, 80));
        }
        let h = s.history(3, "battery.level").unwrap();
        assert_eq!(h.len(), HISTORY_POINTS);
        assert_eq!(s.frames(3).count(), FRAMES_PER_STATION);
        assert_eq!(
            s.frames(3).next().unwrap().sequence,
            HISTORY_POINTS as u16 + 4
        );
    }
}
