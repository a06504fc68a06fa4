//! The packet log's entries and the interned topics they share.

use std::sync::Arc;

use crate::decode::EntryKind;
use crate::vecmap::VecMap;

use super::{MAX_TOPICS, MAX_TOPIC_BYTES, TOPIC_CUT_MARKER};

/// One packet-log entry (one MQTT message).
#[derive(Debug, Clone, PartialEq)]
pub struct LogEntry {
    /// Unique, increasing id (the row key).
    pub id: u64,
    /// Receive time, ms since the epoch.
    pub rx_ms: f64,
    /// Source number it came from (see [`super::station_key`]; merged
    /// station ids give [`super::MERGED_SOURCE`]).
    pub source: u8,
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
        self.frame.as_deref().map(iotdata::hex::encode)
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
pub(super) struct Topics {
    /// Topic → (the shared string, last use).
    pub(super) table: VecMap<Arc<str>, (Arc<str>, u64)>,
    clock: u64,
    pub(super) bytes: usize,
}

impl Topics {
    pub(super) fn intern(&mut self, topic: &str) -> Arc<str> {
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

    pub(super) fn clear(&mut self) {
        self.table.clear();
        self.bytes = 0;
    }
}
