//! What the receiver knows about one sensor station: sequence counters and
//! reporting interval, the last known position (spec 11.2), the last
//! resolved datetime (11.1), the latest value of every field label, the
//! latest TLV of every type, a bounded list of DIAGNOSTIC / USERDATA events,
//! and the paths its packets arrived by ("also heard via").

use std::collections::VecDeque;
use std::sync::Arc;

use super::sequence::{SeqStats, SeqTracker};
use super::SourceId;
use crate::field::FieldValue;
use crate::tlv::{self, Tlv, TlvData, TlvStatus};

/// Latest field values kept per station (distinct labels; a station that
/// changes variant may use more labels than one variant has slots). When
/// full, the least recently updated label is replaced.
pub const MAX_FIELDS_PER_STATION: usize = 64;
/// DIAGNOSTIC and USERDATA entries kept per station (newest; oldest dropped).
pub const MAX_MESSAGES_PER_STATION: usize = 50;
/// Delivery paths (`via` relay, source) kept per station. When full, the
/// least recently used path is replaced.
pub const MAX_PATHS_PER_STATION: usize = 16;

/// A position in degrees.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Position {
    /// Latitude, degrees north.
    pub latitude: f64,
    /// Longitude, degrees east.
    pub longitude: f64,
}

impl Position {
    /// The position carried by a POSITION field value, if it is one.
    pub fn from_field(value: &FieldValue) -> Option<Position> {
        if value.ty() != crate::field::FieldType::Position {
            return None;
        }
        let mut c = value.components();
        let latitude = c.next()?.value.as_f64();
        let longitude = c.next()?.value.as_f64();
        Some(Position {
            latitude,
            longitude,
        })
    }
}

/// A position and when it was reported.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TimedPosition {
    /// The position.
    pub position: Position,
    /// Receive time of the packet that carried it (unix ms).
    pub at_ms: i64,
    /// Sequence of that packet.
    pub sequence: u16,
}

/// The latest value of one field label.
#[derive(Debug, Clone, PartialEq)]
pub struct LatestField {
    /// The label (from the variant map).
    pub label: Arc<str>,
    /// The slot it was decoded from.
    pub slot: u8,
    /// The value.
    pub value: FieldValue,
    /// Receive time (unix ms).
    pub at_ms: i64,
    /// Sequence of the packet.
    pub sequence: u16,
}

/// A TLV entry and when it was received.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimedTlv {
    /// The entry.
    pub tlv: Tlv,
    /// Receive time (unix ms).
    pub at_ms: i64,
    /// Sequence of the packet.
    pub sequence: u16,
}

/// One way a station's packets arrive: the relay that forwarded them (or
/// `None` when heard directly) and the source (topic or gateway).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PathStat {
    /// The FORWARD sender, or `None` for direct reception.
    pub via: Option<u16>,
    /// The source (see [`super::Receiver::source_name`]).
    pub source: SourceId,
    /// First arrivals by this path.
    pub first_arrivals: u64,
    /// Copies by this path ("also heard via").
    pub duplicates: u64,
    /// Last time a packet came this way (unix ms).
    pub last_ms: i64,
}

/// One sensor station. Obtained from [`super::Receiver::station`].
#[derive(Debug, Clone)]
pub struct Station {
    /// Station id (0..=4095).
    pub id: u16,
    /// Header variant of the newest packet.
    pub variant: u8,
    /// Variant whose layout decoded the newest packet (differs from
    /// `variant` in lenient mode when the map lacks it).
    pub layout_variant: u8,
    /// First time heard (unix ms).
    pub first_heard_ms: i64,
    /// Last time heard, copies included (unix ms).
    pub last_heard_ms: i64,
    /// Last time new data arrived (unix ms).
    pub last_data_ms: i64,
    /// Last known position (cached across packets without one, spec 11.2).
    pub position: Option<TimedPosition>,
    /// Last resolved datetime field (unix ms, spec 11.1).
    pub datetime_ms: Option<i64>,
    /// Latest value per field label, in first-seen order.
    pub fields: Vec<LatestField>,
    /// Latest TLV per type except DIAGNOSTIC / USERDATA, sorted by type.
    pub tlvs: Vec<TimedTlv>,
    /// DIAGNOSTIC and USERDATA entries, oldest first (bounded).
    pub messages: VecDeque<TimedTlv>,
    /// Delivery paths (bounded), in first-seen order.
    pub paths: Vec<PathStat>,
    /// Path of the newest first arrival.
    pub last_path: Option<(Option<u16>, SourceId)>,
    /// Frames with this station's header that failed to decode.
    pub decode_errors: u64,
    pub(crate) tracker: SeqTracker,
}

impl Station {
    pub(crate) fn new(id: u16, rx_ms: i64) -> Station {
        Station {
            id,
            variant: 0,
            layout_variant: 0,
            first_heard_ms: rx_ms,
            last_heard_ms: rx_ms,
            last_data_ms: rx_ms,
            position: None,
            datetime_ms: None,
            fields: Vec::new(),
            tlvs: Vec::new(),
            messages: VecDeque::new(),
            paths: Vec::new(),
            last_path: None,
            decode_errors: 0,
            tracker: SeqTracker::new(),
        }
    }

    /// Sequence counters (received, missing, duplicates, out of order,
    /// restarts).
    pub fn sequence_stats(&self) -> &SeqStats {
        self.tracker.stats()
    }

    /// The newest sequence received.
    pub fn last_sequence(&self) -> Option<u16> {
        self.tracker.last_sequence()
    }

    /// Loss in percent (`missing / (received + missing)`).
    pub fn loss_pct(&self) -> Option<f64> {
        self.tracker.stats().loss_pct()
    }

    /// The usual reporting interval (median of recent per-packet
    /// intervals), in ms.
    pub fn interval_ms(&self) -> Option<i64> {
        self.tracker.interval_ms()
    }

    /// Whether the station has been silent for more than 3 intervals at
    /// `now_ms` ([`super::sequence::STALE_FACTOR`]; 60 s assumed until an
    /// interval is known).
    pub fn is_stale(&self, now_ms: i64) -> bool {
        self.tracker.is_stale(self.last_heard_ms, now_ms)
    }

    /// The latest value of the field labelled `label`.
    pub fn field(&self, label: &str) -> Option<&LatestField> {
        self.fields.iter().find(|f| &*f.label == label)
    }

    /// The latest TLV of type `ty` (not for DIAGNOSTIC / USERDATA: see
    /// [`Station::messages`]).
    pub fn tlv(&self, ty: u8) -> Option<&TimedTlv> {
        self.tlvs
            .binary_search_by_key(&ty, |t| t.tlv.ty)
            .ok()
            .and_then(|i| self.tlvs.get(i))
    }

    /// The latest STATUS entry, decoded (when raw with 9 bytes).
    pub fn status(&self) -> Option<TlvStatus> {
        self.tlv(tlv::STATUS).and_then(|t| status_of(&t.tlv))
    }

    /// The last STATUS restart count seen.
    pub fn restart_count(&self) -> Option<u16> {
        self.tracker.restart_count()
    }

    pub(crate) fn record_path(
        &mut self,
        via: Option<u16>,
        source: SourceId,
        rx_ms: i64,
        first: bool,
    ) {
        let i = match self
            .paths
            .iter()
            .position(|p| p.via == via && p.source == source)
        {
            Some(i) => i,
            None => {
                let fresh = PathStat {
                    via,
                    source,
                    first_arrivals: 0,
                    duplicates: 0,
                    last_ms: rx_ms,
                };
                if self.paths.len() < MAX_PATHS_PER_STATION {
                    self.paths.push(fresh);
                    self.paths.len() - 1
                } else {
                    let oldest = lru_index(self.paths.iter().map(|p| p.last_ms));
                    if let Some(p) = self.paths.get_mut(oldest) {
                        *p = fresh;
                    }
                    oldest
                }
            }
        };
        if let Some(p) = self.paths.get_mut(i) {
            p.last_ms = p.last_ms.max(rx_ms);
            if first {
                p.first_arrivals = p.first_arrivals.saturating_add(1);
            } else {
                p.duplicates = p.duplicates.saturating_add(1);
            }
        }
        if first {
            self.last_path = Some((via, source));
        }
    }

    /// Records a field value; an existing label is only overwritten when
    /// `newest` (the packet is not a late arrival).
    pub(crate) fn set_field(
        &mut self,
        label: &Arc<str>,
        slot: u8,
        value: &FieldValue,
        at_ms: i64,
        sequence: u16,
        newest: bool,
    ) {
        let existing = self
            .fields
            .iter()
            .position(|f| Arc::ptr_eq(&f.label, label) || f.label == *label);
        if existing.is_some() && !newest {
            return;
        }
        let latest = LatestField {
            label: Arc::clone(label),
            slot,
            value: value.clone(),
            at_ms,
            sequence,
        };
        if let Some(f) = existing.and_then(|i| self.fields.get_mut(i)) {
            *f = latest;
        } else if self.fields.len() < MAX_FIELDS_PER_STATION {
            self.fields.push(latest);
        } else {
            let oldest = lru_index(self.fields.iter().map(|f| f.at_ms));
            if let Some(f) = self.fields.get_mut(oldest) {
                *f = latest;
            }
        }
    }

    /// Records a TLV: DIAGNOSTIC / USERDATA into the message list, others
    /// as the latest of their type (an existing one is only replaced when
    /// `newest`).
    pub(crate) fn add_tlv(&mut self, t: &Tlv, at_ms: i64, sequence: u16, newest: bool) {
        let timed = TimedTlv {
            tlv: t.clone(),
            at_ms,
            sequence,
        };
        if t.ty == tlv::DIAGNOSTIC || t.ty == tlv::USERDATA {
            if self.messages.len() >= MAX_MESSAGES_PER_STATION {
                self.messages.pop_front();
            }
            self.messages.push_back(timed);
            return;
        }
        // At most 64 types (6-bit type field), so this list is bounded.
        match self.tlvs.binary_search_by_key(&t.ty, |x| x.tlv.ty) {
            Ok(i) => {
                if let (Some(x), true) = (self.tlvs.get_mut(i), newest) {
                    *x = timed;
                }
            }
            Err(i) => self.tlvs.insert(i, timed),
        }
    }
}

/// The decoded STATUS of a TLV entry (type STATUS, raw, 9 bytes).
pub fn status_of(t: &Tlv) -> Option<TlvStatus> {
    match (&t.data, t.ty) {
        (TlvData::Raw(b), tlv::STATUS) => TlvStatus::from_bytes(b),
        _ => None,
    }
}

/// Index of the smallest timestamp (the first one on ties); 0 when empty.
fn lru_index(times: impl Iterator<Item = i64>) -> usize {
    times
        .enumerate()
        .min_by_key(|&(i, t)| (t, i))
        .map_or(0, |(i, _)| i)
}
