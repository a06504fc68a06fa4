//! The store's write side: one message in (classified and decoded, or an
//! oversize report), the receiver fed, the log, histories, frames and
//! thumbnails updated.

use std::sync::Arc;

use iotdata::frame::Frame;
use iotdata::mesh::{MeshBody, MeshPacket};
use iotdata::receiver::Event;
use iotdata::FieldValue;

use super::*;
use crate::decode::{EntryKind, Header, Incoming};

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
    /// The whole pipeline for one MQTT message received at `rx_ms` (ms since
    /// the epoch) on `topic`: classify, decode, feed the receiver, record.
    /// Never panics.
    pub fn ingest(&mut self, rx_ms: f64, topic: &str, payload: &[u8]) -> Change {
        self.ingest_from(0, rx_ms, topic, payload)
    }

    /// [`Store::ingest`] for a message from source `src` (a source number:
    /// see [`station_key`]).
    pub fn ingest_from(&mut self, src: u8, rx_ms: f64, topic: &str, payload: &[u8]) -> Change {
        use crate::payload::{FrameSource, Payload};
        let p = crate::payload::classify(topic, payload);
        let format = match &p {
            Payload::Frame {
                source: FrameSource::Binary,
                ..
            } => "binary",
            Payload::Frame { .. } => "hex",
            Payload::GatewayJson { .. } => "json",
            Payload::Unrecognised { .. } => "",
        };
        let incoming = crate::decode::decode_incoming(p, self.map());
        let mut change = self.ingest_incoming(src, rx_ms, topic, payload, incoming);
        change.format = format;
        change
    }

    /// Records a message already classified and decoded (`payload` is the
    /// original message, for size and first bytes) from source `src`.
    pub fn ingest_incoming(
        &mut self,
        src: u8,
        rx_ms: f64,
        topic: &str,
        payload: &[u8],
        incoming: Incoming,
    ) -> Change {
        let topic = self.topic(topic);
        let rx_i = if rx_ms.is_finite() { rx_ms as i64 } else { 0 };
        if let Some(g) = self.gens.get_mut(usize::from(src)) {
            *g = g.wrapping_add(1);
        }
        let mut entry = self.new_entry(src, rx_ms, Arc::clone(&topic), payload.len(), payload);
        if let Incoming::Oversize { reason, header } = &incoming {
            let summary = format!("{}: {reason}", crate::decode::OVERSIZE);
            self.push_oversize(entry, *header, summary);
            return Change::default();
        }
        let mut events = std::mem::take(&mut self.events);
        events.clear();
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
                let map = self.map();
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
                // Merging is by the sensor's own id (a mesh frame stays with
                // its source's mesh).
                let sensor = match &result {
                    Ok(Frame::Sensor(p)) => Some(p.header.station),
                    _ => None,
                };
                let (src, receiver) = self.receiver_for(src, sensor);
                entry.source = src;
                receiver.ingest_decoded(&bytes, result, &topic, rx_i, &mut events);
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
                        let (src, receiver) = self.receiver_for(src, entry.station);
                        entry.source = src;
                        receiver.ingest_frame(Frame::Sensor(packet), &topic, rx_i, &mut events);
                    }
                    Err(reason) => {
                        entry.kind = EntryKind::Error;
                        entry.summary = format!("gateway JSON: {reason}");
                    }
                }
            }
            // Logged above, before the receiver.
            Incoming::Oversize { .. } => {}
            Incoming::Unrecognised { reason, .. } => {
                entry.kind = EntryKind::Unrecognised;
                entry.summary = format!(
                    "{reason} · {} bytes · {}",
                    payload.len(),
                    iotdata::hex::encode_spaced(&entry.first_bytes)
                );
            }
        }
        let change = self.apply_events(
            (src, entry.source),
            &events,
            &mut entry,
            frame_bytes.as_deref(),
            &topic,
        );
        self.events = events;
        self.push_entry(entry);
        change
    }

    /// A new log entry for a message of `size` bytes whose first bytes are
    /// `payload`'s, from source `src` (counted in [`Store::total_messages`]).
    fn new_entry(
        &mut self,
        src: u8,
        rx_ms: f64,
        topic: Arc<str>,
        size: usize,
        payload: &[u8],
    ) -> LogEntry {
        self.total_messages += 1;
        self.next_id += 1;
        LogEntry {
            id: self.next_id - 1,
            source: src,
            rx_ms,
            topic,
            kind: EntryKind::Unrecognised,
            station: None,
            origin: None,
            sequence: None,
            duplicate: false,
            size,
            first_bytes: payload[..payload.len().min(FIRST_BYTES)].to_vec(),
            frame: None,
            summary: String::new(),
        }
    }

    /// Adds `entry` to the log (newest first, at most [`LOG_CAPACITY`]).
    fn push_entry(&mut self, entry: LogEntry) {
        self.kind_counts[kind_index(entry.kind)] += 1;
        if self.log.len() >= LOG_CAPACITY {
            self.log.pop_back();
        }
        self.log.push_front(entry);
    }

    /// Logs `entry` as an `oversize` error: neither decoded nor kept. The
    /// one path of both [`Incoming::Oversize`] and
    /// [`Store::record_oversize`].
    fn push_oversize(&mut self, mut entry: LogEntry, header: Option<Header>, summary: String) {
        entry.kind = EntryKind::Oversize;
        entry.station = header.map(|h| h.station);
        entry.sequence = header.map(|h| h.sequence);
        entry.summary = summary;
        self.push_entry(entry);
    }

    /// `(from, src)`: the source the message came from and the source its
    /// station is counted under (the merged source for a merged id).
    fn apply_events(
        &mut self,
        (from, src): (u8, u8),
        events: &[Event],
        entry: &mut LogEntry,
        frame: Option<&[u8]>,
        topic: &Arc<str>,
    ) -> Change {
        let mut change = Change::default();
        let mut first = true;
        let mut inner_copy = false;
        // The log entry's copy of the frame (when it is small enough to
        // keep) is the one the memory keeps too: no copy per packet.
        let kept = entry.frame.clone();
        for ev in events {
            self.keep_frame(from, ev, kept.as_ref(), topic);
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
                    let key = station_key(src, *station);
                    let new_station = !self.data.contains_key(&key);
                    let data = self.data.entry(key).or_default();
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
                    let labels = self.first.map().get(packet.layout_variant);
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
                                station: key,
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
                    if !change.stations.contains(&key) {
                        change.stations.push(key);
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
                    let key = station_key(src, *station);
                    if !mesh && !change.stations.contains(&key) {
                        change.stations.push(key);
                    }
                    change.mesh = true;
                }
                Event::Mesh { station, .. } => {
                    change.mesh = true;
                    if !change.nodes.contains(station) {
                        change.nodes.push(*station);
                    }
                }
                Event::Gap { station, .. } | Event::Restart { station, .. } => {
                    let key = station_key(src, *station);
                    if !change.stations.contains(&key) {
                        change.stations.push(key);
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
        self.record_oversize_from(0, rx_ms, topic, size);
    }

    /// [`Store::record_oversize`] for a message from source `src`.
    pub fn record_oversize_from(&mut self, src: u8, rx_ms: f64, topic: &str, size: usize) {
        let shown = if topic.is_empty() {
            "(no topic)"
        } else {
            topic
        };
        let summary = format!("{} {size} bytes on {shown}", crate::decode::OVERSIZE);
        let topic = self.topic(topic);
        let entry = self.new_entry(src, rx_ms, topic, size, &[]);
        self.push_oversize(entry, None, summary);
    }
}
