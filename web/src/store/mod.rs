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
//! Everything enters through [`Store::ingest`] / [`Live::ingest`] (or
//! their `ingest_from` forms naming the source) with the receive time (ms
//! since the epoch), the MQTT topic and the raw payload:
//! binary frames, hex text and the reference gateway's JSON (which goes to
//! [`Receiver::ingest_frame`]); anything else is logged as `unrecognised`.
//! No input panics.
//!
//! **Sources** (`sources.rs`): each source (broker connection, demo feed)
//! has its own receiver, and a station is known by its key
//! [`station_key`]`(source, id)` (a plain id is the first source's), so the
//! same id from two sources is two stations; ids merged by the user
//! ([`Store::set_merged`]) are one station of [`MERGED_SOURCE`]. Every
//! accessor and signal below that takes a station takes its key;
//! [`Store::receiver`] is the receiver whose mesh is shown
//! ([`Store::set_mesh_source`]), [`Store::receiver_of`] any source's.
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
//!   [`Store::variant_name`]; display text is [`crate::fmt`]'s.
//!
//! **Reactivity** ([`Live`], `Copy`): [`Live::stations_rev`] (any station
//! added or changed), [`Live::station_rev`]`(id)` (one station),
//! [`Live::log_rev`], [`Live::topology_rev`] (topology structure),
//! [`Live::mesh_rev`] (any mesh activity: counters, last heard),
//! [`Live::gallery_rev`] (thumbnails), [`Live::map_rev`] (variant map
//! replaced), [`Live::alerts_rev`] (alert rules or alerts changed). Ingest only marks what changed; the signals are bumped once per
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
//! station, [`THUMBNAIL_CAPACITY`] thumbnails, 4096 stations (12-bit ids)
//! a source and [`SOURCE_SLOTS`] sources,
//! frames of at most [`MAX_FRAME_KEEP`] kept (longer ones are `oversize`
//! errors), topics cut to [`MAX_TOPIC_BYTES`] and interned (at most
//! [`MAX_TOPICS`] distinct; a raw frame's topic counts against
//! [`MAX_FRAME_BYTES_TOTAL`]).
//!
//! Files: `mod.rs` (the [`Store`], its data types and read side),
//! **Alerts**: [`Live::ingest`] hands each ingest's [`Change`] (stations,
//! mesh senders, message format) to the alert engine
//! ([`crate::alerts::Engine::on_change`]: nothing without rules); the app's
//! 1 s clock calls [`Live::tick_alerts`].
//!
//! `ingest.rs` (the write side), `log.rs` ([`LogEntry`], interned topics),
//! `readings.rs` (what views derive from a station), `live.rs` ([`Live`]),
//! `sources.rs` (station keys, merged ids).

mod ingest;
pub mod keep;
mod live;
mod log;
mod readings;
mod sources;
#[cfg(test)]
mod tests;

pub use live::Live;
pub use log::{cut_topic, LogEntry};
pub use readings::{
    battery_level, field_numbers, freshness, headline, readings, Freshness, Reading,
};
pub use sources::{
    key_id, key_source, station_key, MergeSet, DEMO_SOURCE, MERGED_SOURCE, SOURCE_SLOTS,
};

use std::collections::VecDeque;
use std::sync::Arc;

use iotdata::image::Image;
use iotdata::receiver::{Event, Receiver, ReceiverConfig, Station};
use iotdata::VariantMap;

use crate::decode::EntryKind;
use crate::vecmap::VecMap;
use log::Topics;

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
    /// Station key ([`station_key`]).
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

/// What changed in one ingest (for the UI's coalescing).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Change {
    /// Sensor stations (keys) whose state changed.
    pub stations: Vec<u16>,
    /// A station was added.
    pub new_station: bool,
    /// The topology's structure changed.
    pub topology: bool,
    /// Mesh activity (counters, last heard) without structural change.
    pub mesh: bool,
    /// A thumbnail was added.
    pub gallery: bool,
    /// Mesh senders whose node state may have changed (for alerts).
    pub nodes: Vec<u16>,
    /// How the message came: `binary`, `hex`, `json` (empty otherwise).
    pub format: &'static str,
}

/// All received data, bounded. See the module documentation.
#[derive(Debug)]
pub struct Store {
    /// Source 0's receiver (it always exists: the variant map is its).
    first: Receiver,
    /// The receivers of sources `1..SOURCE_SLOTS`, from their first message.
    rest: Vec<Option<Receiver>>,
    /// Station ids merged across sources.
    merged: MergeSet,
    /// Sources that delivered anything (bit per source number).
    seen: u16,
    /// The source whose mesh [`Store::receiver`] shows (`None`: the first
    /// that delivered anything).
    mesh_source: Option<u8>,
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
    /// Frames kept per node for the browser's memory ([`keep`]), by
    /// station key of the source that delivered them.
    kept: VecMap<u16, Vec<keep::Kept>>,
    /// Per source, a counter of changes ([`Store::generation`]).
    gens: [u32; SOURCE_SLOTS],
    /// Times up to this were restored from memory ([`Store::restored`]).
    restored_upto: i64,
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

impl Store {
    /// An empty store decoding with the built-in default map.
    pub fn new() -> Store {
        Store::with_map(VariantMap::default_map())
    }

    /// An empty store decoding with `map`.
    pub fn with_map(map: VariantMap) -> Store {
        Store {
            first: Receiver::new(map, ReceiverConfig::default()),
            rest: (1..SOURCE_SLOTS).map(|_| None).collect(),
            merged: MergeSet::default(),
            seen: 0,
            mesh_source: None,
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
            kept: VecMap::new(),
            gens: [0; SOURCE_SLOTS],
            restored_upto: i64::MIN,
            total_messages: 0,
            kind_counts: [0; EntryKind::ALL.len()],
        }
    }

    /// The first source's receiver.
    fn base(&self) -> &Receiver {
        &self.first
    }

    /// The receiver of the source whose mesh is shown (stations,
    /// topology, gateways, variant map): the one picked with
    /// [`Store::set_mesh_source`], else the first source that delivered
    /// anything.
    pub fn receiver(&self) -> &Receiver {
        self.receiver_of(self.mesh_source())
            .unwrap_or_else(|| self.base())
    }

    /// The source number [`Store::receiver`] shows.
    pub fn mesh_source(&self) -> u8 {
        self.mesh_source
            .unwrap_or_else(|| self.sources().next().unwrap_or(0))
    }

    /// Shows the mesh of source `src` (`None`: the first that delivered).
    pub fn set_mesh_source(&mut self, src: Option<u8>) {
        self.mesh_source = src;
    }

    /// The receiver of source `src`, once it delivered anything.
    pub fn receiver_of(&self, src: u8) -> Option<&Receiver> {
        match src {
            0 => Some(&self.first),
            s => self.rest.get(usize::from(s) - 1)?.as_ref(),
        }
    }

    /// Every receiver with its source number.
    fn receivers(&self) -> impl Iterator<Item = (u8, &Receiver)> {
        std::iter::once((0, &self.first)).chain(
            self.rest
                .iter()
                .enumerate()
                .filter_map(|(i, r)| Some((i as u8 + 1, r.as_ref()?))),
        )
    }

    /// Source numbers that delivered anything, in order.
    pub fn sources(&self) -> impl Iterator<Item = u8> + '_ {
        (0..SOURCE_SLOTS as u8).filter(|s| self.seen & (1 << s) != 0)
    }

    /// Sets the station ids merged across sources (frames from then on).
    pub fn set_merged(&mut self, ids: &[u16]) {
        self.merged = MergeSet::of(ids);
    }

    /// The receiver that takes source `src`'s station `id` (merged ids go
    /// to [`MERGED_SOURCE`]), created on first use, and that source number.
    fn receiver_for(&mut self, src: u8, id: Option<u16>) -> (u8, &mut Receiver) {
        let src = match id {
            Some(id) if self.merged.contains(id) => MERGED_SOURCE,
            _ if usize::from(src) < SOURCE_SLOTS => src,
            _ => 0,
        };
        self.seen |= 1 << src;
        if let Some(slot) = self.rest.get_mut(usize::from(src).wrapping_sub(1)) {
            let map = self.first.map();
            return (
                src,
                slot.get_or_insert_with(|| Receiver::new(map.clone(), ReceiverConfig::default())),
            );
        }
        (0, &mut self.first)
    }

    /// The variant map frames are decoded with.
    pub fn map(&self) -> &VariantMap {
        self.base().map()
    }

    /// Replaces the variant map (for messages ingested from now on).
    pub fn set_map(&mut self, map: VariantMap) {
        for r in self.rest.iter_mut().flatten() {
            r.set_map(map.clone());
        }
        self.first.set_map(map);
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

    /// A sensor station by key ([`station_key`]; a plain id is the first
    /// source's).
    pub fn station(&self, key: u16) -> Option<&Station> {
        self.receiver_of(key_source(key))?.station(key_id(key))
    }

    /// All sensor stations of every source, by source then id.
    pub fn stations(&self) -> impl Iterator<Item = &Station> {
        self.keyed_stations().map(|(_, st)| st)
    }

    /// All sensor stations with their keys, by source then id.
    pub fn keyed_stations(&self) -> impl Iterator<Item = (u16, &Station)> {
        self.receivers()
            .flat_map(|(src, r)| r.stations().map(move |st| (station_key(src, st.id), st)))
    }

    /// Number of sensor stations over all sources.
    pub fn station_count(&self) -> usize {
        self.receivers().map(|(_, r)| r.station_count()).sum()
    }

    /// The key `#/station/<id>` means: station `id` of the first source
    /// that has it, else of the first source that delivered anything.
    pub fn resolve(&self, id: u16) -> u16 {
        self.sources()
            .find(|&s| self.station(station_key(s, id)).is_some())
            .or_else(|| self.sources().next())
            .map_or(id & 0x0FFF, |s| station_key(s, id))
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
        self.receiver().topology().revision()
    }

    /// The variant name a station's newest packet was decoded with: the
    /// map's name of its header variant, or `variant N` when the map lacks
    /// it (decoded leniently with another layout).
    pub fn variant_name(&self, st: &Station) -> String {
        match self.map().get(st.variant) {
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
        self.receiver()
            .station(id)
            .and_then(|st| st.position)
            .map(|p| (p.position.latitude, p.position.longitude))
            .or_else(|| self.known_positions.get(&id).copied())
    }

    /// Nodes with a known installation position, by id.
    pub fn known_positions(&self) -> impl Iterator<Item = (u16, (f64, f64))> + '_ {
        self.known_positions.iter().map(|(k, v)| (*k, *v))
    }

    /// A station's cached received position as `(lat, lon)`, by key.
    pub fn position(&self, key: u16) -> Option<(f64, f64)> {
        self.station(key)
            .and_then(|st| st.position)
            .map(|p| (p.position.latitude, p.position.longitude))
    }

    /// Forgets all data (the map and known positions stay).
    pub fn clear(&mut self) {
        self.rest.iter_mut().for_each(|r| *r = None);
        self.first.clear();
        self.seen = 0;
        self.log.clear();
        self.data.clear();
        self.thumbs.clear();
        self.topics.clear();
        self.last_topic = None;
        self.history_points = 0;
        self.frame_bytes = 0;
        self.kept.clear();
        self.gens.iter_mut().for_each(|g| *g = g.wrapping_add(1));
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
