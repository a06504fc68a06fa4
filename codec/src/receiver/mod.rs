//! Receiver state: what a gateway or dashboard builds from a stream of
//! frames (spec section 11 and Appendix G). Pure: no I/O, no clock (every
//! call takes the receive time in unix milliseconds), bounded memory, and no
//! input makes it panic.
//!
//! [`Receiver::ingest`] takes one frame (sensor or mesh) with its source (an
//! MQTT topic, a gateway id, ...) and returns [`Event`]s; the state it keeps
//! is readable at any time:
//!
//! * **FORWARD unwrap**: the inner packet of a FORWARD (a sensor packet, a
//!   relay's NEIGHBOUR_REPORT, anything) is processed as if received, with
//!   `via` = the FORWARD's sender. Nesting deeper than
//!   [`MAX_FORWARD_DEPTH`] is an error event.
//! * **De-duplication** ([`dedup`]): a `{station, sequence}` FIFO ring
//!   (sensor and mesh keys kept apart, with a content hash so that a
//!   restarted device reusing a sequence number is not mistaken for a copy).
//!   The first arrival is processed; copies give [`Event::Duplicate`] and are
//!   counted per station and per path ("also heard via"). A copy whose key
//!   has left the ring is still caught by the station's sequence window.
//! * **Sequence tracking** ([`sequence`]): received, missing, duplicates,
//!   out of order, restarts, loss %, usual reporting interval and
//!   staleness, per station.
//! * **Datetime** year resolution against the receive time ([`time`], spec
//!   11.1) and the **last known position** per station (11.2): every
//!   [`Event::Sensor`] carries the resolved time and the position (its own
//!   or the cached one).
//! * **Latest values** per field label, latest TLV per type, a bounded list
//!   of DIAGNOSTIC / USERDATA entries ([`station`]).
//! * **Topology** ([`topology`]): gateways, relays and sensors, parent,
//!   neighbour and via edges, orphans and route errors, beacon generations,
//!   last-heard times, forwarded counts. Several gateways and trees at once.
//!
//! Bounds (all `pub const`): [`MAX_STATIONS`] stations (12-bit ids; lower
//! with [`ReceiverConfig::max_stations`], packets of stations beyond the
//! limit are passed through untracked and counted), [`MAX_SOURCES`] sources
//! (further sources share one overflow entry, counted), source names of
//! [`MAX_SOURCE_NAME_BYTES`], frames of [`MAX_FRAME_BYTES`], the dedup ring
//! ([`dedup::DEFAULT_DEDUP_CAPACITY`], at most
//! [`dedup::MAX_DEDUP_CAPACITY`]), [`topology::MAX_NODES`],
//! [`topology::MAX_NEIGHBOURS_PER_NODE`], [`topology::MAX_VIA_PER_NODE`],
//! [`station::MAX_FIELDS_PER_STATION`], [`station::MAX_MESSAGES_PER_STATION`],
//! [`station::MAX_PATHS_PER_STATION`], [`sequence::INTERVAL_SAMPLES`]. One
//! ingest produces at most a handful of events per FORWARD level.
//!
//! ```
//! use iotdata::receiver::{Event, Receiver, ReceiverConfig};
//! use iotdata::{Encoder, FieldValue, VariantMap};
//! let map = VariantMap::default_map();
//! let mut enc = Encoder::new(&map, 0, 42, 7).unwrap();
//! enc.add(FieldValue::battery(80, false).unwrap()).unwrap();
//! let frame = enc.finish().unwrap();
//! let mut rx = Receiver::new(map, ReceiverConfig::default());
//! let events = rx.ingest(&frame, "iotdata/raw/0001", 1_767_225_600_000);
//! assert!(matches!(events[0], Event::Sensor { station: 42, sequence: 7, .. }));
//! // The same packet again (e.g. through a relay) is a duplicate.
//! let events = rx.ingest(&frame, "iotdata/raw/0002", 1_767_225_600_500);
//! assert!(matches!(events[0], Event::Duplicate { station: 42, .. }));
//! assert_eq!(rx.station(42).unwrap().sequence_stats().duplicates, 1);
//! ```

pub mod dedup;
pub mod sequence;
pub mod station;
pub mod time;
pub mod topology;

#[cfg(test)]
mod tests;

use std::collections::HashMap;
use std::sync::Arc;

use crate::error::DecodeError;
use crate::field::FieldType;
pub use crate::frame::MAX_FORWARD_DEPTH;
use crate::frame::{decode_frame, frame_header, Frame};
use crate::mesh::{self, MeshBody, MeshPacket};
use crate::packet::{DecodeOptions, Header, Packet};
use crate::variant::{VariantMap, MAX_SLOTS, MAX_VARIANTS};

pub use dedup::{content_hash, DedupCheck, DedupKey, DedupRing};
pub use sequence::{RestartReason, SeqOutcome, SeqStats};
pub use station::{LatestField, PathStat, Position, Station, TimedPosition, TimedTlv};
pub use time::resolve_datetime;
pub use topology::{Edge, EdgeKind, Node, Role, Topology};

/// Most stations tracked (station ids are 12 bits, so this is every id).
pub const MAX_STATIONS: usize = 4096;
/// Most sources (topics, gateways) tracked individually; frames from
/// further sources are processed normally but accounted to
/// [`SourceId::OVERFLOW`].
pub const MAX_SOURCES: usize = 256;
/// Source names are truncated to this many bytes (at a character boundary)
/// before they are stored or compared.
pub const MAX_SOURCE_NAME_BYTES: usize = 256;
/// Longest frame accepted (LoRa frames are at most 255 bytes); longer input
/// is an [`Event::Error`] (`malformed`) without decoding.
pub const MAX_FRAME_BYTES: usize = 1024;

/// Receiver settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReceiverConfig {
    /// Decoder options; lenient by default (a variant missing from the map
    /// is decoded with variant 0's layout and flagged, spec 11.4).
    pub decode: DecodeOptions,
    /// De-duplication ring size (clamped to `1..=`[`dedup::MAX_DEDUP_CAPACITY`]).
    pub dedup_capacity: usize,
    /// Most stations tracked (clamped to [`MAX_STATIONS`]).
    pub max_stations: usize,
    /// Most sources tracked individually (clamped to `1..=`[`MAX_SOURCES`]).
    pub max_sources: usize,
    /// Largest forward sequence gap counted as loss without further
    /// evidence (see [`sequence::SeqTracker::accept`]).
    pub max_forward_gap: u16,
    /// Age after which a neighbour missing from a node's reports is dropped.
    pub neighbour_expiry_ms: i64,
    /// Treat a source whose last `/`-separated segment is four hex digits
    /// (at most `0FFF`) as that gateway ([`gateway_id_from_source`]).
    pub gateway_from_source: bool,
}

impl Default for ReceiverConfig {
    fn default() -> Self {
        ReceiverConfig {
            decode: DecodeOptions::LENIENT,
            dedup_capacity: dedup::DEFAULT_DEDUP_CAPACITY,
            max_stations: MAX_STATIONS,
            max_sources: MAX_SOURCES,
            max_forward_gap: sequence::DEFAULT_MAX_FORWARD_GAP,
            neighbour_expiry_ms: topology::DEFAULT_NEIGHBOUR_EXPIRY_MS,
            gateway_from_source: true,
        }
    }
}

/// The gateway id a source name carries: its last `/`-separated segment
/// when that is exactly four hex digits with a value up to `0x0FFF` (the
/// simulator's `<prefix>/raw/<gateway id>` topics).
///
/// ```
/// use iotdata::receiver::gateway_id_from_source;
/// assert_eq!(gateway_id_from_source("iotdata/raw/00A1"), Some(0xA1));
/// assert_eq!(gateway_id_from_source("0fff"), Some(0xFFF));
/// assert_eq!(gateway_id_from_source("iotdata/raw/1000"), None);
/// assert_eq!(gateway_id_from_source("iotdata/raw/gw1"), None);
/// ```
pub fn gateway_id_from_source(source: &str) -> Option<u16> {
    let last = source.rsplit('/').next()?;
    if last.len() != 4 || !last.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    u16::from_str_radix(last, 16)
        .ok()
        .filter(|&id| id <= 0x0FFF)
}

/// Index of a source in [`Receiver::sources`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SourceId(pub u16);

impl SourceId {
    /// Sources beyond [`ReceiverConfig::max_sources`].
    pub const OVERFLOW: SourceId = SourceId(u16::MAX);
}

/// What is known about one source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceInfo {
    /// Its id.
    pub id: SourceId,
    /// The name (truncated to [`MAX_SOURCE_NAME_BYTES`]).
    pub name: Arc<str>,
    /// The gateway id the name carries.
    pub gateway_id: Option<u16>,
    /// Frames received from it.
    pub frames: u64,
    /// Frames (or FORWARD inner packets) from it that failed to decode.
    pub errors: u64,
    /// First frame (unix ms).
    pub first_ms: i64,
    /// Last frame (unix ms).
    pub last_ms: i64,
    stations: [u64; MAX_STATIONS / 64],
}

impl SourceInfo {
    /// Number of distinct stations (sensor and mesh) heard through it.
    pub fn stations_heard(&self) -> usize {
        self.stations.iter().map(|w| w.count_ones() as usize).sum()
    }

    /// Whether `station` was heard through it.
    pub fn heard(&self, station: u16) -> bool {
        let i = usize::from(station & 0x0FFF);
        self.stations
            .get(i / 64)
            .is_some_and(|w| w & (1 << (i % 64)) != 0)
    }

    fn mark(&mut self, station: u16) {
        let i = usize::from(station & 0x0FFF);
        if let Some(w) = self.stations.get_mut(i / 64) {
            *w |= 1 << (i % 64);
        }
    }
}

/// Receiver-wide counters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ReceiverStats {
    /// Frames ingested (FORWARD inner packets not counted).
    pub frames: u64,
    /// Sensor packets processed as new data.
    pub sensor_packets: u64,
    /// Mesh packets processed as new data.
    pub mesh_packets: u64,
    /// FORWARD inner packets processed (new or copies).
    pub forwards_unwrapped: u64,
    /// Copies suppressed (sensor and mesh).
    pub duplicates: u64,
    /// Decode errors (frames and inner packets).
    pub errors: u64,
    /// Sensor packets of stations beyond [`ReceiverConfig::max_stations`]
    /// (passed through with [`SeqOutcome::Untracked`]).
    pub untracked_packets: u64,
    /// Frames from sources beyond [`ReceiverConfig::max_sources`].
    pub overflow_source_frames: u64,
}

/// How a copy was recognised.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DuplicateBy {
    /// Its key and content are in the de-duplication ring.
    Ring,
    /// The key had left the ring; the station's sequence window knew it.
    Sequence,
}

/// What one ingest produced.
#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    /// A sensor packet, new data (emitted once per `{station, sequence}`).
    Sensor {
        /// Station id.
        station: u16,
        /// Sequence.
        sequence: u16,
        /// The decoded packet (all values; shared, cheap to keep).
        packet: Arc<Packet>,
        /// The relay whose FORWARD delivered it; `None` when heard directly.
        via: Option<u16>,
        /// The source it came from.
        source: Arc<str>,
        /// Receive time (unix ms).
        rx_ms: i64,
        /// The packet's datetime field resolved to unix ms (spec 11.1).
        resolved_time_ms: Option<i64>,
        /// The station's last known position (this packet's, or cached
        /// from an earlier one: compare `at_ms` with `rx_ms`).
        position: Option<TimedPosition>,
        /// How its sequence number was classified.
        outcome: SeqOutcome,
    },
    /// A copy of a packet already processed ("also heard via").
    Duplicate {
        /// Origin station (the sender for mesh packets).
        station: u16,
        /// Sequence.
        sequence: u16,
        /// Whether it is a mesh packet.
        mesh: bool,
        /// The relay whose FORWARD delivered this copy.
        via: Option<u16>,
        /// The source of this copy.
        source: Arc<str>,
        /// Receive time (unix ms).
        rx_ms: i64,
        /// How it was recognised.
        detected_by: DuplicateBy,
    },
    /// A mesh control packet, new data (FORWARDs too; their inner packet
    /// follows as its own events).
    Mesh {
        /// Sender station.
        station: u16,
        /// Sender's mesh sequence.
        sequence: u16,
        /// The decoded packet.
        packet: Arc<MeshPacket>,
        /// The relay whose FORWARD delivered it (e.g. a NEIGHBOUR_REPORT).
        via: Option<u16>,
        /// The source it came from.
        source: Arc<str>,
        /// Receive time (unix ms).
        rx_ms: i64,
    },
    /// Sequences skipped by a station (emitted before its [`Event::Sensor`]).
    Gap {
        /// Station id.
        station: u16,
        /// The first skipped sequence.
        first_missing: u16,
        /// How many were skipped.
        missing: u16,
    },
    /// A station restarted (emitted before its [`Event::Sensor`]).
    Restart {
        /// Station id.
        station: u16,
        /// The first sequence after the restart.
        sequence: u16,
        /// How it was detected.
        reason: RestartReason,
    },
    /// A frame (or FORWARD inner packet) that could not be decoded.
    /// Ingestion goes on.
    Error {
        /// The station its header names, if it has a header (mesh sender
        /// for mesh frames).
        station: Option<u16>,
        /// The relay whose FORWARD carried it.
        via: Option<u16>,
        /// The source.
        source: Arc<str>,
        /// Receive time (unix ms).
        rx_ms: i64,
        /// Why.
        error: DecodeError,
        /// Its length in bytes.
        bytes_len: usize,
    },
    /// The topology's structure changed (at most once per ingest, last).
    TopologyChanged {
        /// The new [`Topology::revision`].
        revision: u64,
    },
}

/// Per-ingest context.
struct Ctx {
    source_id: SourceId,
    source: Arc<str>,
    gateway: Option<u16>,
    rx_ms: i64,
}

/// The receiver. See the module documentation.
#[derive(Debug, Clone)]
pub struct Receiver {
    map: VariantMap,
    /// `labels[variant][slot]`.
    labels: Vec<Vec<Option<Arc<str>>>>,
    config: ReceiverConfig,
    ring: DedupRing,
    stations: Vec<Option<Box<Station>>>,
    station_count: usize,
    topology: Topology,
    sources: Vec<SourceInfo>,
    source_index: HashMap<Arc<str>, SourceId>,
    last_source: Option<SourceId>,
    overflow: SourceInfo,
    stats: ReceiverStats,
}

fn labels_of(map: &VariantMap) -> Vec<Vec<Option<Arc<str>>>> {
    (0..MAX_VARIANTS as u8)
        .map(|v| {
            let mut row: Vec<Option<Arc<str>>> = vec![None; MAX_SLOTS];
            if let Some(def) = map.get(v) {
                for (slot, s) in row.iter_mut().zip(def.slots.iter()) {
                    *slot = s.as_ref().map(|s| Arc::from(s.label.as_str()));
                }
            }
            row
        })
        .collect()
}

/// The station `id`, created if absent and the table (`count` of `max`)
/// has room.
fn station_entry<'a>(
    stations: &'a mut [Option<Box<Station>>],
    count: &mut usize,
    max: usize,
    id: u16,
    rx_ms: i64,
) -> Option<&'a mut Station> {
    let slot = stations.get_mut(usize::from(id & 0x0FFF))?;
    if slot.is_none() {
        if *count >= max {
            return None;
        }
        *slot = Some(Box::new(Station::new(id & 0x0FFF, rx_ms)));
        *count += 1;
    }
    slot.as_deref_mut()
}

fn truncate_name(s: &str) -> &str {
    if s.len() <= MAX_SOURCE_NAME_BYTES {
        return s;
    }
    let mut end = MAX_SOURCE_NAME_BYTES;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    s.get(..end).unwrap_or("")
}

fn new_source(id: SourceId, name: Arc<str>, gateway_id: Option<u16>, rx_ms: i64) -> SourceInfo {
    SourceInfo {
        id,
        name,
        gateway_id,
        frames: 0,
        errors: 0,
        first_ms: rx_ms,
        last_ms: rx_ms,
        stations: [0; MAX_STATIONS / 64],
    }
}

impl Receiver {
    /// A receiver decoding sensor packets with `map`.
    pub fn new(map: VariantMap, config: ReceiverConfig) -> Receiver {
        let mut config = config;
        config.dedup_capacity = config.dedup_capacity.clamp(1, dedup::MAX_DEDUP_CAPACITY);
        config.max_stations = config.max_stations.min(MAX_STATIONS);
        config.max_sources = config.max_sources.clamp(1, MAX_SOURCES);
        config.neighbour_expiry_ms = config.neighbour_expiry_ms.max(0);
        Receiver {
            labels: labels_of(&map),
            map,
            config,
            ring: DedupRing::new(config.dedup_capacity),
            stations: vec![None; MAX_STATIONS],
            station_count: 0,
            topology: Topology::new(config.neighbour_expiry_ms),
            sources: Vec::new(),
            source_index: HashMap::new(),
            last_source: None,
            overflow: new_source(SourceId::OVERFLOW, Arc::from("(overflow)"), None, 0),
            stats: ReceiverStats::default(),
        }
    }

    /// The settings in effect (after clamping).
    pub fn config(&self) -> &ReceiverConfig {
        &self.config
    }

    /// The variant map.
    pub fn map(&self) -> &VariantMap {
        &self.map
    }

    /// Replaces the variant map (for packets ingested from now on).
    pub fn set_map(&mut self, map: VariantMap) {
        self.labels = labels_of(&map);
        self.map = map;
    }

    /// Forgets all state (stations, topology, sources, ring, counters); the
    /// map and settings stay. The topology revision keeps increasing.
    pub fn clear(&mut self) {
        self.ring.clear();
        self.stations.iter_mut().for_each(|s| *s = None);
        self.station_count = 0;
        self.topology.clear();
        self.sources.clear();
        self.source_index.clear();
        self.last_source = None;
        self.overflow = new_source(SourceId::OVERFLOW, Arc::from("(overflow)"), None, 0);
        self.stats = ReceiverStats::default();
    }

    /// The station `id`.
    pub fn station(&self, id: u16) -> Option<&Station> {
        self.stations
            .get(usize::from(id))
            .and_then(|s| s.as_deref())
    }

    /// All stations, sorted by id.
    pub fn stations(&self) -> impl Iterator<Item = &Station> + '_ {
        self.stations.iter().filter_map(|s| s.as_deref())
    }

    /// Sets station `id`'s cumulative figures, as saved earlier: first
    /// heard time, sequence counters and decode errors. For a dashboard
    /// that restores a station by replaying a few of its frames (which
    /// counts only those) and then puts back the totals it had. `false`
    /// when the station is not tracked.
    pub fn restore_figures(
        &mut self,
        id: u16,
        first_heard_ms: i64,
        stats: SeqStats,
        decode_errors: u64,
    ) -> bool {
        let Some(st) = self
            .stations
            .get_mut(usize::from(id))
            .and_then(|s| s.as_deref_mut())
        else {
            return false;
        };
        st.first_heard_ms = first_heard_ms.min(st.first_heard_ms);
        st.decode_errors = decode_errors;
        st.tracker.set_stats(stats);
        true
    }

    /// Number of stations tracked.
    pub fn station_count(&self) -> usize {
        self.station_count
    }

    /// The topology snapshot.
    pub fn topology(&self) -> &Topology {
        &self.topology
    }

    /// The topology's edges (see [`Topology::edges`]).
    pub fn edges(&self) -> Vec<Edge> {
        self.topology.edges()
    }

    /// Sources in first-seen order (index = [`SourceId`]).
    pub fn sources(&self) -> &[SourceInfo] {
        &self.sources
    }

    /// The overflow source's counters.
    pub fn overflow_source(&self) -> &SourceInfo {
        &self.overflow
    }

    /// The name of a source (`"(overflow)"` for [`SourceId::OVERFLOW`]).
    pub fn source_name(&self, id: SourceId) -> &str {
        self.sources
            .get(usize::from(id.0))
            .map_or(&self.overflow.name, |s| &s.name)
    }

    /// Receiver-wide counters.
    pub fn stats(&self) -> &ReceiverStats {
        &self.stats
    }

    /// The de-duplication ring.
    pub fn dedup(&self) -> &DedupRing {
        &self.ring
    }

    /// Ingests one frame received from `source` at `rx_ms` (unix ms).
    pub fn ingest(&mut self, frame: &[u8], source: &str, rx_ms: i64) -> Vec<Event> {
        let mut out = Vec::new();
        self.ingest_into(frame, source, rx_ms, &mut out);
        out
    }

    /// Like [`Receiver::ingest`], appending to `out` (reuse one buffer to
    /// avoid an allocation per frame).
    pub fn ingest_into(&mut self, frame: &[u8], source: &str, rx_ms: i64, out: &mut Vec<Event>) {
        let rev = self.topology.revision();
        let ctx = self.begin(source, rx_ms);
        self.process(frame, None, content_hash(frame), &ctx, None, 0, out);
        self.finish(rev, out);
    }

    /// Ingests a frame the caller has already decoded (e.g. for its own
    /// packet log) from `frame`, which is still needed for the content
    /// hash. A FORWARD's inner packet is decoded here.
    pub fn ingest_decoded(
        &mut self,
        frame: &[u8],
        decoded: Result<Frame, DecodeError>,
        source: &str,
        rx_ms: i64,
        out: &mut Vec<Event>,
    ) {
        let rev = self.topology.revision();
        let ctx = self.begin(source, rx_ms);
        self.process(
            frame,
            Some(decoded),
            content_hash(frame),
            &ctx,
            None,
            0,
            out,
        );
        self.finish(rev, out);
    }

    /// Ingests a decoded frame without its bytes (e.g. built from JSON).
    /// Its content is unknown to the de-duplication ring and the sequence
    /// window, so copies are recognised by `{station, sequence}` alone and a
    /// restart is detected by sequence jumps and STATUS only (not by a
    /// reused sequence number with new content).
    pub fn ingest_frame(&mut self, frame: Frame, source: &str, rx_ms: i64, out: &mut Vec<Event>) {
        let rev = self.topology.revision();
        let ctx = self.begin(source, rx_ms);
        self.process(
            &[],
            Some(Ok(frame)),
            dedup::HASH_UNKNOWN,
            &ctx,
            None,
            0,
            out,
        );
        self.finish(rev, out);
    }

    fn begin(&mut self, source: &str, rx_ms: i64) -> Ctx {
        self.stats.frames = self.stats.frames.saturating_add(1);
        let name = truncate_name(source);
        let cached = self.last_source.filter(|id| {
            self.sources
                .get(usize::from(id.0))
                .is_some_and(|s| &*s.name == name)
        });
        let id = match cached.or_else(|| self.source_index.get(name).copied()) {
            Some(id) => id,
            None if self.sources.len() < self.config.max_sources => {
                let id = SourceId(self.sources.len() as u16);
                let gateway = if self.config.gateway_from_source {
                    gateway_id_from_source(name)
                } else {
                    None
                };
                let info = new_source(id, Arc::from(name), gateway, rx_ms);
                self.source_index.insert(Arc::clone(&info.name), id);
                self.sources.push(info);
                id
            }
            None => SourceId::OVERFLOW,
        };
        self.last_source = Some(id);
        let (source, gateway) = if id == SourceId::OVERFLOW {
            self.stats.overflow_source_frames = self.stats.overflow_source_frames.saturating_add(1);
            let gateway = if self.config.gateway_from_source {
                gateway_id_from_source(name)
            } else {
                None
            };
            (Arc::from(name), gateway)
        } else {
            match self.sources.get(usize::from(id.0)) {
                Some(s) => (Arc::clone(&s.name), s.gateway_id),
                None => (Arc::from(name), None),
            }
        };
        let info = self.source_mut(id);
        info.frames = info.frames.saturating_add(1);
        info.last_ms = info.last_ms.max(rx_ms);
        if let Some(g) = gateway {
            self.topology.source_gateway(g, rx_ms);
        }
        Ctx {
            source_id: id,
            source,
            gateway,
            rx_ms,
        }
    }

    fn finish(&mut self, rev: u64, out: &mut Vec<Event>) {
        if self.topology.revision() != rev {
            out.push(Event::TopologyChanged {
                revision: self.topology.revision(),
            });
        }
    }

    fn source_mut(&mut self, id: SourceId) -> &mut SourceInfo {
        match self.sources.get_mut(usize::from(id.0)) {
            Some(s) => s,
            None => &mut self.overflow,
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn error(
        &mut self,
        ctx: &Ctx,
        via: Option<u16>,
        station: Option<u16>,
        mesh: bool,
        error: DecodeError,
        len: usize,
        out: &mut Vec<Event>,
    ) {
        self.stats.errors = self.stats.errors.saturating_add(1);
        let info = self.source_mut(ctx.source_id);
        info.errors = info.errors.saturating_add(1);
        if let (Some(id), false) = (station, mesh) {
            if let Some(st) = self
                .stations
                .get_mut(usize::from(id))
                .and_then(|s| s.as_deref_mut())
            {
                st.decode_errors = st.decode_errors.saturating_add(1);
            }
        }
        out.push(Event::Error {
            station,
            via,
            source: Arc::clone(&ctx.source),
            rx_ms: ctx.rx_ms,
            error,
            bytes_len: len,
        });
    }

    #[allow(clippy::too_many_arguments)]
    fn process(
        &mut self,
        bytes: &[u8],
        decoded: Option<Result<Frame, DecodeError>>,
        hash: u32,
        ctx: &Ctx,
        via: Option<u16>,
        depth: usize,
        out: &mut Vec<Event>,
    ) {
        let header = match &decoded {
            Some(Ok(f)) => Some(frame_header(f)),
            _ => Header::peek(bytes).map(|h| (h.variant, h.station, h.sequence)),
        };
        let is_mesh = match &decoded {
            Some(Ok(f)) => matches!(f, Frame::Mesh(_)),
            _ => mesh::is_mesh(bytes),
        };
        let station = header.map(|h| h.1);
        if depth > MAX_FORWARD_DEPTH || bytes.len() > MAX_FRAME_BYTES {
            let reason = if depth > MAX_FORWARD_DEPTH {
                format!("FORWARD nesting deeper than {MAX_FORWARD_DEPTH}")
            } else {
                format!("{} bytes, more than {MAX_FRAME_BYTES}", bytes.len())
            };
            let e = DecodeError::Malformed {
                bit_offset: 0,
                field: "frame".into(),
                reason,
            };
            self.error(ctx, via, station, is_mesh, e, bytes.len(), out);
            return;
        }
        let key = header.map(|(_, st, seq)| DedupKey::new(is_mesh, st, seq));
        if let (Some(key), Some((_, st, seq))) = (key, header) {
            let by = if self.ring.check(key, hash) == DedupCheck::Duplicate {
                Some(DuplicateBy::Ring)
            } else if !is_mesh
                && self
                    .station(st)
                    .is_some_and(|s| s.tracker.is_duplicate(seq, hash))
            {
                self.ring.insert(key, hash);
                Some(DuplicateBy::Sequence)
            } else {
                None
            };
            if let Some(by) = by {
                self.duplicate(ctx, via, st, seq, is_mesh, by, out);
                let forward = bytes.get(4).is_some_and(|b| b >> 4 == mesh::CTRL_FORWARD)
                    || matches!(&decoded, Some(Ok(f)) if crate::frame::forward_inner(f).is_some());
                if is_mesh && forward {
                    // A copy of a FORWARD carries a copy of its inner packet:
                    // record that path too.
                    let parsed = match decoded {
                        Some(Ok(Frame::Mesh(m))) => Some(m),
                        _ => mesh::parse(bytes).ok(),
                    };
                    if let Some(MeshPacket {
                        sender_station,
                        body: MeshBody::Forward { inner, .. },
                        ..
                    }) = parsed
                    {
                        self.stats.forwards_unwrapped =
                            self.stats.forwards_unwrapped.saturating_add(1);
                        let h = content_hash(&inner);
                        self.process(&inner, None, h, ctx, Some(sender_station), depth + 1, out);
                    }
                }
                return;
            }
        }
        let frame = match decoded {
            Some(r) => r,
            None => decode_frame(bytes, &self.map, self.config.decode),
        };
        match frame {
            Err(e) => self.error(ctx, via, station, is_mesh, e, bytes.len(), out),
            Ok(frame) => {
                if let Some(key) = key {
                    self.ring.insert(key, hash);
                }
                match frame {
                    Frame::Sensor(p) => self.sensor(ctx, via, p, hash, out),
                    Frame::Mesh(m) => self.mesh(ctx, via, m, depth, out),
                }
            }
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn duplicate(
        &mut self,
        ctx: &Ctx,
        via: Option<u16>,
        station: u16,
        sequence: u16,
        mesh: bool,
        by: DuplicateBy,
        out: &mut Vec<Event>,
    ) {
        self.stats.duplicates = self.stats.duplicates.saturating_add(1);
        self.source_mut(ctx.source_id).mark(station);
        if mesh {
            self.topology.mesh_heard(station, 0, ctx.rx_ms, false);
        } else {
            if let Some(st) = self
                .stations
                .get_mut(usize::from(station))
                .and_then(|s| s.as_deref_mut())
            {
                st.tracker.count_duplicate();
                st.last_heard_ms = st.last_heard_ms.max(ctx.rx_ms);
                st.record_path(via, ctx.source_id, ctx.rx_ms, false);
            }
            self.topology.sensor_heard(station, ctx.rx_ms, false);
        }
        if let Some(d) = via.or(ctx.gateway) {
            self.topology.delivery(station, d, ctx.rx_ms, false);
        }
        out.push(Event::Duplicate {
            station,
            sequence,
            mesh,
            via,
            source: Arc::clone(&ctx.source),
            rx_ms: ctx.rx_ms,
            detected_by: by,
        });
    }

    fn sensor(&mut self, ctx: &Ctx, via: Option<u16>, p: Packet, hash: u32, out: &mut Vec<Event>) {
        let id = p.header.station;
        let seq = p.header.sequence;
        let rx_ms = ctx.rx_ms;
        self.source_mut(ctx.source_id).mark(id);
        let restarts = p
            .tlvs
            .iter()
            .rev()
            .find_map(station::status_of)
            .map(|s| s.restarts);
        let resolved_time_ms = p
            .first_of(FieldType::Datetime)
            .and_then(|v| v.components().next())
            .map(|c| {
                resolve_datetime(
                    c.value.as_f64().clamp(0.0, f64::from(u32::MAX)) as u32,
                    rx_ms,
                )
            });
        let own_position = p
            .first_of(FieldType::Position)
            .and_then(Position::from_field)
            .map(|position| TimedPosition {
                position,
                at_ms: rx_ms,
                sequence: seq,
            });
        let max_gap = self.config.max_forward_gap;
        let labels = self
            .labels
            .get(usize::from(p.layout_variant))
            .map_or(&[][..], Vec::as_slice);
        let entry = station_entry(
            &mut self.stations,
            &mut self.station_count,
            self.config.max_stations,
            id,
            rx_ms,
        );
        let (outcome, position) = match entry {
            Some(st) => {
                let outcome = st.tracker.accept(seq, hash, restarts, rx_ms, max_gap);
                if outcome == SeqOutcome::Duplicate {
                    // Not reachable after the pre-check, kept for safety.
                    st.record_path(via, ctx.source_id, rx_ms, false);
                    out.push(Event::Duplicate {
                        station: id,
                        sequence: seq,
                        mesh: false,
                        via,
                        source: Arc::clone(&ctx.source),
                        rx_ms,
                        detected_by: DuplicateBy::Sequence,
                    });
                    self.stats.duplicates = self.stats.duplicates.saturating_add(1);
                    return;
                }
                // A late arrival is older than what the station already
                // shows: it only fills values not known yet.
                let newest = !matches!(outcome, SeqOutcome::Late { .. });
                if newest {
                    st.variant = p.header.variant;
                    st.layout_variant = p.layout_variant;
                }
                st.last_heard_ms = st.last_heard_ms.max(rx_ms);
                st.last_data_ms = st.last_data_ms.max(rx_ms);
                st.record_path(via, ctx.source_id, rx_ms, true);
                for f in &p.fields {
                    if let Some(Some(label)) = labels.get(usize::from(f.slot)) {
                        st.set_field(label, f.slot, &f.value, rx_ms, seq, newest);
                    }
                }
                if own_position.is_some() && (newest || st.position.is_none()) {
                    st.position = own_position;
                }
                if resolved_time_ms.is_some() && (newest || st.datetime_ms.is_none()) {
                    st.datetime_ms = resolved_time_ms;
                }
                for t in &p.tlvs {
                    st.add_tlv(t, rx_ms, seq, newest);
                }
                (outcome, st.position)
            }
            None => {
                self.stats.untracked_packets = self.stats.untracked_packets.saturating_add(1);
                (SeqOutcome::Untracked, own_position)
            }
        };
        self.topology.sensor_heard(id, rx_ms, true);
        if let Some(d) = via.or(ctx.gateway) {
            self.topology.delivery(id, d, rx_ms, true);
        }
        match outcome {
            SeqOutcome::Gap {
                first_missing,
                missing,
            } => out.push(Event::Gap {
                station: id,
                first_missing,
                missing,
            }),
            SeqOutcome::Restart(reason) => out.push(Event::Restart {
                station: id,
                sequence: seq,
                reason,
            }),
            _ => {}
        }
        self.stats.sensor_packets = self.stats.sensor_packets.saturating_add(1);
        out.push(Event::Sensor {
            station: id,
            sequence: seq,
            packet: Arc::new(p),
            via,
            source: Arc::clone(&ctx.source),
            rx_ms,
            resolved_time_ms,
            position,
            outcome,
        });
    }

    fn mesh(
        &mut self,
        ctx: &Ctx,
        via: Option<u16>,
        m: MeshPacket,
        depth: usize,
        out: &mut Vec<Event>,
    ) {
        let sender = m.sender_station;
        let seq = m.sender_seq;
        let rx_ms = ctx.rx_ms;
        self.source_mut(ctx.source_id).mark(sender);
        self.topology.mesh_heard(sender, m.ctrl_type(), rx_ms, true);
        if let Some(d) = via.or(ctx.gateway) {
            self.topology.delivery(sender, d, rx_ms, true);
        }
        match &m.body {
            MeshBody::Beacon {
                gateway_id,
                cost,
                flags,
                generation,
            } => self
                .topology
                .beacon(sender, *gateway_id, *cost, *flags, *generation, rx_ms),
            MeshBody::Forward { .. } => self.topology.forwarded(sender),
            MeshBody::RouteError { reason } => {
                self.topology.route_error(sender, seq, *reason, rx_ms)
            }
            MeshBody::NeighbourReport {
                parent_id,
                my_cost,
                gateway_id,
                neighbours,
            } => self.topology.neighbour_report(
                sender,
                seq,
                *parent_id,
                *my_cost,
                *gateway_id,
                neighbours,
                rx_ms,
            ),
            MeshBody::Ack { .. }
            | MeshBody::Ping { .. }
            | MeshBody::Pong { .. }
            | MeshBody::Unknown { .. } => {}
        }
        self.stats.mesh_packets = self.stats.mesh_packets.saturating_add(1);
        let packet = Arc::new(m);
        out.push(Event::Mesh {
            station: sender,
            sequence: seq,
            packet: Arc::clone(&packet),
            via,
            source: Arc::clone(&ctx.source),
            rx_ms,
        });
        if let MeshBody::Forward { inner, .. } = &packet.body {
            self.stats.forwards_unwrapped = self.stats.forwards_unwrapped.saturating_add(1);
            self.process(
                inner,
                None,
                content_hash(inner),
                ctx,
                Some(sender),
                depth + 1,
                out,
            );
        }
    }
}
