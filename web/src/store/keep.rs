//! What the store keeps so that the browser can remember a broker source
//! across reloads ([`crate::memory`]): a few original frames per node (the
//! newest ones, and the newest that carried each field slot, TLV type and
//! mesh control type), from which a replay rebuilds the receiver's state
//! (latest fields, position, TLVs, topology with its ages, thumbnails);
//! then the saved totals and history are put back. Stations and nodes heard
//! last before the restore are marked as restored ([`Store::restored`]).

use std::sync::Arc;

use iotdata::receiver::{Event, Receiver, ReceiverConfig};

use super::{key_source, station_key, Store, DEMO_SOURCE, HISTORY_POINTS, MAX_FRAME_KEEP};
use crate::memory::snapshot::{Figures, SavedFrame, SavedSeries, Snapshot};

/// Frames kept per node and source for the replay, at most.
pub const KEPT_PER_NODE: usize = 16;
/// Newest frames of a node always kept (its usual interval comes back
/// from them).
pub const KEPT_RECENT: usize = 3;
/// History older than this (before the newest point of its series) is not
/// saved: 24 hours.
pub const SAVED_HISTORY_MS: f64 = 86_400_000.0;

/// One frame kept for the replay.
#[derive(Debug, Clone, PartialEq)]
pub struct Kept {
    /// Receive time, ms since the epoch.
    pub rx_ms: f64,
    /// The topic it came on.
    pub topic: Arc<str>,
    /// The frame as received (FORWARD wrappers included).
    pub bytes: Arc<[u8]>,
    /// What it is still the newest carrier of: a bit per field slot
    /// (0..28), TLV type (28..48, modulo 20) and mesh control type (48..64).
    pub cover: u64,
}

/// Adds `new` to a node's kept frames (oldest first): older frames lose
/// what `new` covers, and one that covers nothing any more leaves unless it
/// is among the [`KEPT_RECENT`] newest; at most [`KEPT_PER_NODE`] stay.
pub fn keep(list: &mut Vec<Kept>, new: Kept) {
    let cover = new.cover;
    list.push(new);
    let recent = list.len().saturating_sub(KEPT_RECENT);
    let mut i = 0;
    list.retain_mut(|k| {
        i += 1;
        if i <= recent {
            k.cover &= !cover;
        }
        i > recent || k.cover != 0
    });
    let over = list.len().saturating_sub(KEPT_PER_NODE);
    list.drain(..over);
}

/// What a sensor packet or mesh packet event covers ([`Kept::cover`]);
/// `None` for events whose frame is not kept (copies, FORWARD wrappers,
/// errors).
pub fn cover_of(ev: &Event) -> Option<(u16, u64)> {
    match ev {
        Event::Sensor {
            station, packet, ..
        } => {
            let mut c = 0u64;
            for f in &packet.fields {
                c |= 1 << (f.slot % 28);
            }
            for t in &packet.tlvs {
                c |= 1 << (28 + t.ty % 20);
            }
            Some((*station, c))
        }
        Event::Mesh {
            station, packet, ..
        } if !matches!(packet.body, iotdata::mesh::MeshBody::Forward { .. }) => {
            Some((*station, 1 << (48 + (packet.ctrl_type() & 15))))
        }
        _ => None,
    }
}

impl Store {
    /// Keeps the frame behind `ev`, from source `src`, for the replay
    /// (broker sources only).
    pub(super) fn keep_frame(
        &mut self,
        src: u8,
        ev: &Event,
        frame: Option<&Arc<[u8]>>,
        topic: &Arc<str>,
    ) {
        let (Some((id, cover)), Some(bytes)) = (cover_of(ev), frame) else {
            return;
        };
        if src >= DEMO_SOURCE || bytes.len() > MAX_FRAME_KEEP {
            return;
        }
        let rx_ms = match ev {
            Event::Sensor { rx_ms, .. } | Event::Mesh { rx_ms, .. } => *rx_ms as f64,
            _ => 0.0,
        };
        let list = self.kept.entry(station_key(src, id)).or_default();
        keep(
            list,
            Kept {
                rx_ms,
                topic: Arc::clone(topic),
                bytes: Arc::clone(bytes),
                cover,
            },
        );
    }

    /// Changes of source `src` so far (a counter that moves with every
    /// message it delivered, and on restore or forget).
    pub fn generation(&self, src: u8) -> u32 {
        self.gens.get(usize::from(src)).copied().unwrap_or(0)
    }

    /// What the browser saves of source `src`: its kept frames (oldest
    /// first), each station's totals, and the history of the last
    /// [`SAVED_HISTORY_MS`] of each series.
    pub fn snapshot(&self, src: u8) -> Snapshot {
        let mut frames: Vec<SavedFrame> = self
            .kept
            .iter()
            .filter(|(k, _)| key_source(**k) == src)
            .flat_map(|(_, list)| list.iter())
            .map(|k| SavedFrame {
                rx_ms: k.rx_ms,
                topic: k.topic.to_string(),
                bytes: k.bytes.to_vec(),
            })
            .collect();
        crate::vecmap::sort_by(&mut frames, |a, b| a.rx_ms.total_cmp(&b.rx_ms));
        let figures = self
            .receiver_of(src)
            .into_iter()
            .flat_map(|r| r.stations())
            .map(|st| Figures {
                id: st.id,
                first_heard_ms: st.first_heard_ms,
                stats: *st.sequence_stats(),
                decode_errors: st.decode_errors,
            })
            .collect();
        let mut series = Vec::new();
        for (key, d) in self.data.iter().filter(|(k, _)| key_source(**k) == src) {
            for s in &d.series {
                let newest = s.points.back().map_or(0.0, |p| p.0);
                series.push(SavedSeries {
                    station: key & 0x0FFF,
                    key: s.key.clone(),
                    points: s
                        .points
                        .iter()
                        .filter(|p| p.0 >= newest - SAVED_HISTORY_MS)
                        .copied()
                        .collect(),
                });
            }
        }
        Snapshot {
            frames,
            figures,
            series,
        }
    }

    /// Restores source `src` from `snap`: replays its frames (the packet log
    /// and message counts are left as they were), puts back each station's
    /// totals and its series' history. Returns the frames replayed.
    pub fn restore(&mut self, src: u8, snap: &Snapshot) -> usize {
        if src >= DEMO_SOURCE {
            return 0;
        }
        let (total, kinds) = (self.total_messages, self.kind_counts);
        let mut newest = i64::MIN;
        for f in &snap.frames {
            self.ingest_from(src, f.rx_ms, &f.topic, &f.bytes);
            newest = newest.max(f.rx_ms as i64);
        }
        for _ in 0..snap.frames.len() {
            self.log.pop_front();
        }
        (self.total_messages, self.kind_counts) = (total, kinds);
        if let Some(r) = self.receiver_mut(src) {
            for f in &snap.figures {
                r.restore_figures(f.id, f.first_heard_ms, f.stats, f.decode_errors);
            }
        }
        for s in &snap.series {
            let key = station_key(src, s.station);
            let found = self
                .data
                .get_mut(&key)
                .and_then(|d| d.series.iter_mut().find(|x| x.key == s.key));
            if let Some(series) = found {
                series.points.clear();
                let skip = s.points.len().saturating_sub(HISTORY_POINTS);
                for p in s.points.get(skip..).unwrap_or_default() {
                    series.points.push_back(*p);
                }
            }
        }
        self.recount();
        self.restored_upto = self.restored_upto.max(newest);
        snap.frames.len()
    }

    /// Whether something last heard at `heard_ms` is known from this
    /// browser's memory rather than heard since the page loaded.
    pub fn restored(&self, heard_ms: i64) -> bool {
        heard_ms <= self.restored_upto
    }

    /// Whether mesh node `id` (of the mesh shown) is known from memory.
    pub fn node_restored(&self, id: u16) -> bool {
        let heard = self
            .receiver()
            .topology()
            .node(id)
            .and_then(|n| n.last_heard_ms);
        heard.is_some_and(|t| self.restored(t))
    }

    /// Forgets everything of source `src` (stations, mesh, history,
    /// thumbnails, kept frames); the packet log stays.
    pub fn forget_source(&mut self, src: u8) {
        match self.rest.get_mut(usize::from(src).wrapping_sub(1)) {
            Some(s) => *s = None,
            None if src == 0 => {
                self.first = Receiver::new(self.map().clone(), ReceiverConfig::default())
            }
            None => {}
        }
        self.seen &= !(1u16 << (src & 15));
        self.data.retain(|k, _| key_source(*k) != src);
        self.kept.retain(|k, _| key_source(*k) != src);
        self.thumbs.retain(|t| key_source(t.station) != src);
        if let Some(g) = self.gens.get_mut(usize::from(src)) {
            *g = g.wrapping_add(1);
        }
        self.recount();
    }

    fn receiver_mut(&mut self, src: u8) -> Option<&mut iotdata::receiver::Receiver> {
        match src {
            0 => Some(&mut self.first),
            s => self.rest.get_mut(usize::from(s) - 1)?.as_mut(),
        }
    }

    /// Recounts the history points and frame bytes held (the caps apply
    /// again at the next point or frame).
    fn recount(&mut self) {
        self.history_points = self
            .data
            .values()
            .flat_map(|d| d.series.iter())
            .map(|s| s.points.len())
            .sum();
        self.frame_bytes = self
            .data
            .values()
            .flat_map(|d| d.frames.iter())
            .map(super::RawFrame::cost)
            .sum();
    }
}
