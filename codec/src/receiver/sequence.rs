//! Per-station sequence tracking (spec section 5: the 16-bit sequence wraps
//! from 65535 to 0 and the wrap is not an error).
//!
//! The tracker keeps the newest sequence seen (the *head*) and a window of
//! the [`SEQ_WINDOW`] sequences ending at the head: which of them arrived,
//! with a content hash of each. An arriving sequence `s` is classified by
//! its distance from the head (mod 65536):
//!
//! | case | outcome | counters |
//! |---|---|---|
//! | first packet | [`SeqOutcome::First`] | received += 1 |
//! | `s` = head + 1 | [`SeqOutcome::InOrder`] | received += 1 |
//! | `s` = head + 1 + g, `1 <= g <= max_forward_gap` (or a longer silence that the reporting interval explains) | [`SeqOutcome::Gap`] | received += 1, missing += g |
//! | within the window, arrived, same content | [`SeqOutcome::Duplicate`] | duplicates += 1 |
//! | within the window, not arrived (a gap) | [`SeqOutcome::Late`] `{ filled: true }` | received += 1, missing -= 1, out_of_order += 1 |
//! | within the window, before the first packet tracked | [`SeqOutcome::Late`] `{ filled: false }` | received += 1, out_of_order += 1, missing += the sequences skipped in between |
//! | within the window, arrived, *different* content | [`SeqOutcome::Restart`] ([`RestartReason::SequenceReused`]) | received += 1, restarts += 1 |
//! | more than `SEQ_WINDOW - 1` behind the head | [`SeqOutcome::Restart`] ([`RestartReason::BackwardJump`]) | received += 1, restarts += 1 |
//! | forward by more than `max_forward_gap + 1`, not explained by the silence | [`SeqOutcome::Restart`] ([`RestartReason::ForwardJump`]) | received += 1, restarts += 1 |
//! | the STATUS TLV's restart count changed (packet not late; not the count of an unconfirmed restart, below) | [`SeqOutcome::Restart`] ([`RestartReason::RestartCount`]) | received += 1, restarts += 1 |
//!
//! "Forward" means `(s - head) mod 65536` in `1..=32767`, so 65535 -> 0 is
//! in order. A restart starts a new window at `s`; the gap across a restart
//! is not counted as loss. A STATUS on a late packet is older news and is
//! ignored (except for an unconfirmed restart, below). Loss is
//! `missing / (received + missing)`. Missing packets after the newest one
//! received are not known (and not counted) until a later packet arrives.
//!
//! A restart detected from the sequence alone (backward jump, forward
//! jump, sequence reused) in a packet without STATUS is *unconfirmed*: the
//! boot packet that carried the new restart count was lost (or is late).
//! The first STATUS after it whose count is ahead of the recorded one
//! (`(current - previous) mod 65536` in `1..=32767`) belongs to that same
//! restart: the count is adopted, no second restart is counted and the
//! packet is classified by its sequence alone (it may be late, e.g. the
//! delayed boot packet itself). Any other STATUS on a packet that is not
//! late ends the unconfirmed state and is handled as usual.
//!
//! The reporting interval is the median of the last [`INTERVAL_SAMPLES`]
//! per-packet intervals (time between consecutive forward arrivals divided
//! by the sequence distance, so a lost packet does not double a sample).

use super::dedup::{hashes_match, HASH_UNKNOWN};

/// Sequences in the tracking window (the head and the 63 before it). A
/// packet further behind the head than `SEQ_WINDOW - 1` is a restart.
pub const SEQ_WINDOW: u16 = 64;
/// Default largest forward gap counted as loss when the reporting interval
/// cannot explain it (see [`SeqTracker::accept`]).
pub const DEFAULT_MAX_FORWARD_GAP: u16 = 1024;
/// Interval samples kept for the median.
pub const INTERVAL_SAMPLES: usize = 16;
/// Samples needed before an interval is reported.
pub const INTERVAL_MIN_SAMPLES: usize = 2;
/// A station is stale when silent for more than this many intervals.
pub const STALE_FACTOR: i64 = 3;
/// Interval assumed by [`SeqTracker::is_stale`] before one is known (ms).
pub const DEFAULT_INTERVAL_MS: i64 = 60_000;

const WINDOW: usize = SEQ_WINDOW as usize;
const HALF: u16 = 0x8000;

/// Cumulative sequence counters of one station.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SeqStats {
    /// Distinct packets received (first arrivals).
    pub received: u64,
    /// Sequences skipped and not (yet) filled by a late arrival.
    pub missing: u64,
    /// Copies of packets already received.
    pub duplicates: u64,
    /// Late arrivals (behind the newest sequence).
    pub out_of_order: u64,
    /// Restarts detected.
    pub restarts: u64,
}

impl SeqStats {
    /// Loss in percent: `100 * missing / (received + missing)`; `None`
    /// before anything was received.
    pub fn loss_pct(&self) -> Option<f64> {
        let total = self.received.saturating_add(self.missing);
        (total > 0).then(|| 100.0 * self.missing as f64 / total as f64)
    }
}

/// Why a restart was detected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RestartReason {
    /// The sequence went back by `distance` (at least [`SEQ_WINDOW`]).
    BackwardJump {
        /// Sequences behind the previous head.
        distance: u16,
    },
    /// The sequence jumped forward by `distance`, more than the maximum gap
    /// and more than the silence since the previous packet explains.
    ForwardJump {
        /// Sequences ahead of the previous head.
        distance: u16,
    },
    /// A sequence already received arrived again with different content.
    SequenceReused,
    /// The STATUS TLV's restart count changed.
    RestartCount {
        /// The count recorded before.
        previous: u16,
        /// The count in this packet.
        current: u16,
    },
}

/// How a packet's sequence number was classified.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SeqOutcome {
    /// The first packet of the station.
    First,
    /// The next sequence after the newest one.
    InOrder,
    /// Ahead of the newest sequence, `missing` sequences skipped starting
    /// at `first_missing`.
    Gap {
        /// The first skipped sequence.
        first_missing: u16,
        /// How many were skipped.
        missing: u16,
    },
    /// Behind the newest sequence and not received before.
    Late {
        /// It filled a counted gap (`missing` decremented); `false` when it
        /// precedes the first packet tracked.
        filled: bool,
    },
    /// A copy of a packet already received.
    Duplicate,
    /// A restart: a new window starts at this packet.
    Restart(RestartReason),
    /// Not tracked: the station table is full.
    Untracked,
}

impl SeqOutcome {
    /// Whether the packet is new data (everything but a duplicate).
    pub fn is_new(&self) -> bool {
        !matches!(self, SeqOutcome::Duplicate)
    }
}

/// The tracker of one station. See the module documentation.
#[derive(Debug, Clone)]
pub struct SeqTracker {
    stats: SeqStats,
    started: bool,
    head: u16,
    head_ms: i64,
    /// Bit `s % 64`: sequence `s` (within the accounted span) arrived.
    present: u64,
    /// Content hash of sequence `s` at `s % 64`.
    hashes: [u32; WINDOW],
    /// Sequences `head - span + 1 ..= head` are accounted for (arrived or
    /// counted missing); 1..=SEQ_WINDOW once started.
    span: u16,
    restart_count: Option<u16>,
    /// A restart was detected from the sequence alone and no STATUS was
    /// seen since: the next STATUS with a count ahead of `restart_count`
    /// belongs to it.
    unconfirmed_restart: bool,
    samples: [i64; INTERVAL_SAMPLES],
    n_samples: usize,
    next_sample: usize,
    interval_ms: Option<i64>,
}

impl Default for SeqTracker {
    fn default() -> Self {
        SeqTracker::new()
    }
}

impl SeqTracker {
    /// An empty tracker.
    pub fn new() -> SeqTracker {
        SeqTracker {
            stats: SeqStats::default(),
            started: false,
            head: 0,
            head_ms: 0,
            present: 0,
            hashes: [HASH_UNKNOWN; WINDOW],
            span: 0,
            restart_count: None,
            unconfirmed_restart: false,
            samples: [0; INTERVAL_SAMPLES],
            n_samples: 0,
            next_sample: 0,
            interval_ms: None,
        }
    }

    /// The counters.
    pub fn stats(&self) -> &SeqStats {
        &self.stats
    }

    /// Replaces the counters (a dashboard restoring what it saved; the
    /// window and interval stay as the frames it replayed left them).
    pub fn set_stats(&mut self, stats: SeqStats) {
        self.stats = stats;
    }

    /// The newest sequence received.
    pub fn last_sequence(&self) -> Option<u16> {
        self.started.then_some(self.head)
    }

    /// The receive time of the newest sequence.
    pub fn last_sequence_ms(&self) -> Option<i64> {
        self.started.then_some(self.head_ms)
    }

    /// The last STATUS restart count seen.
    pub fn restart_count(&self) -> Option<u16> {
        self.restart_count
    }

    /// The usual reporting interval in ms: the median of the recent
    /// per-packet intervals, once [`INTERVAL_MIN_SAMPLES`] are known.
    pub fn interval_ms(&self) -> Option<i64> {
        self.interval_ms
    }

    /// Whether the station has been silent at `now_ms` for more than
    /// [`STALE_FACTOR`] intervals since `last_heard_ms` (the interval is
    /// [`DEFAULT_INTERVAL_MS`] until one is known).
    pub fn is_stale(&self, last_heard_ms: i64, now_ms: i64) -> bool {
        let interval = self.interval_ms.unwrap_or(DEFAULT_INTERVAL_MS).max(1);
        now_ms.saturating_sub(last_heard_ms) > interval.saturating_mul(STALE_FACTOR)
    }

    fn bit(seq: u16) -> u64 {
        1u64 << (seq as usize % WINDOW)
    }

    fn slot(&mut self, seq: u16) -> Option<&mut u32> {
        self.hashes.get_mut(seq as usize % WINDOW)
    }

    fn hash_at(&self, seq: u16) -> u32 {
        self.hashes
            .get(seq as usize % WINDOW)
            .copied()
            .unwrap_or(HASH_UNKNOWN)
    }

    fn mark(&mut self, seq: u16, hash: u32) {
        self.present |= Self::bit(seq);
        if let Some(h) = self.slot(seq) {
            *h = hash;
        }
    }

    /// Whether `seq` with content `hash` is a copy of a packet in the
    /// window (checked before decoding, so copies cost no decode). Does not
    /// change any counter.
    pub fn is_duplicate(&self, seq: u16, hash: u32) -> bool {
        if !self.started {
            return false;
        }
        let back = self.head.wrapping_sub(seq);
        back < self.span
            && self.present & Self::bit(seq) != 0
            && hashes_match(self.hash_at(seq), hash)
    }

    /// Counts a copy found elsewhere (the de-duplication ring).
    pub fn count_duplicate(&mut self) {
        self.stats.duplicates = self.stats.duplicates.saturating_add(1);
    }

    fn start(&mut self, seq: u16, hash: u32, rx_ms: i64) {
        self.started = true;
        self.head = seq;
        self.head_ms = rx_ms;
        self.present = 0;
        self.span = 1;
        self.mark(seq, hash);
        self.stats.received = self.stats.received.saturating_add(1);
    }

    /// Starts a new window at `seq`. `status` is the packet's STATUS
    /// restart count: without one the restart is unconfirmed (the new
    /// count is still to come).
    fn restart(
        &mut self,
        seq: u16,
        hash: u32,
        rx_ms: i64,
        status: Option<u16>,
        reason: RestartReason,
    ) -> SeqOutcome {
        self.stats.restarts = self.stats.restarts.saturating_add(1);
        self.unconfirmed_restart = status.is_none();
        self.start(seq, hash, rx_ms);
        SeqOutcome::Restart(reason)
    }

    /// Records a packet that arrived behind the head (out of order).
    fn mark_late(&mut self, seq: u16, hash: u32) {
        self.mark(seq, hash);
        self.stats.received = self.stats.received.saturating_add(1);
        self.stats.out_of_order = self.stats.out_of_order.saturating_add(1);
    }

    fn add_sample(&mut self, sample: i64) {
        if let Some(s) = self.samples.get_mut(self.next_sample) {
            *s = sample;
        }
        self.next_sample = (self.next_sample + 1) % INTERVAL_SAMPLES;
        self.n_samples = (self.n_samples + 1).min(INTERVAL_SAMPLES);
        if self.n_samples >= INTERVAL_MIN_SAMPLES {
            let mut v = self.samples;
            let v = v.get_mut(..self.n_samples).unwrap_or_default();
            v.sort_unstable();
            let mid = v.len() / 2;
            let median = if v.len() % 2 == 1 {
                v.get(mid).copied()
            } else {
                match (v.get(mid - 1), v.get(mid)) {
                    (Some(a), Some(b)) => Some(a / 2 + b / 2 + (a % 2 + b % 2) / 2),
                    _ => None,
                }
            };
            self.interval_ms = median;
        }
    }

    /// Classifies a new packet (see the module documentation) and updates
    /// the counters. `hash` is the frame's content hash,
    /// `status_restarts` the restart count of its STATUS TLV if it has one,
    /// `max_forward_gap` the largest gap counted as loss when the silence
    /// does not explain it: a longer forward jump is still loss when the
    /// time since the previous packet is at least half of `gap x interval`.
    pub fn accept(
        &mut self,
        seq: u16,
        hash: u32,
        status_restarts: Option<u16>,
        rx_ms: i64,
        max_forward_gap: u16,
    ) -> SeqOutcome {
        if !self.started {
            self.start(seq, hash, rx_ms);
            if status_restarts.is_some() {
                self.restart_count = status_restarts;
            }
            return SeqOutcome::First;
        }
        let back = self.head.wrapping_sub(seq);
        let fwd = seq.wrapping_sub(self.head);
        // The count of the unconfirmed restart (see the module
        // documentation): adopted (below, unless the packet is a copy),
        // not another restart.
        let adopt = self.unconfirmed_restart
            && matches!(
                (self.restart_count, status_restarts),
                (Some(previous), Some(current))
                    if (1..HALF).contains(&current.wrapping_sub(previous))
            );
        let recorded = if adopt {
            status_restarts
        } else {
            self.restart_count
        };
        let status_change = match (recorded, status_restarts) {
            (Some(previous), Some(current)) if previous != current => {
                Some(RestartReason::RestartCount { previous, current })
            }
            _ => None,
        };

        // Within the accounted part of the window: copy, reuse or a gap filled.
        let in_span = back < self.span;
        let arrived = in_span && self.present & Self::bit(seq) != 0;
        if arrived && hashes_match(self.hash_at(seq), hash) {
            self.count_duplicate();
            return SeqOutcome::Duplicate;
        }
        if adopt {
            self.restart_count = status_restarts;
            self.unconfirmed_restart = false;
        }
        if in_span && !arrived {
            self.stats.missing = self.stats.missing.saturating_sub(1);
            self.mark_late(seq, hash);
            return SeqOutcome::Late { filled: true };
        }

        if in_span || fwd == 0 || fwd >= HALF {
            // Behind the head: a sequence number reused within the span, or
            // one outside it.
            if !in_span && back < SEQ_WINDOW && status_change.is_none() {
                // Precedes the first packet tracked: extend the span back to it.
                let skipped = back - self.span;
                self.stats.missing = self.stats.missing.saturating_add(u64::from(skipped));
                self.span = back + 1;
                self.mark_late(seq, hash);
                return SeqOutcome::Late { filled: false };
            }
            let otherwise = if in_span {
                RestartReason::SequenceReused
            } else {
                RestartReason::BackwardJump { distance: back }
            };
            self.restart_count = status_restarts.or(self.restart_count);
            return self.restart(
                seq,
                hash,
                rx_ms,
                status_restarts,
                status_change.unwrap_or(otherwise),
            );
        }

        // Forward.
        if let Some(reason) = status_change {
            self.restart_count = status_restarts;
            return self.restart(seq, hash, rx_ms, status_restarts, reason);
        }
        if status_restarts.is_some() {
            self.restart_count = status_restarts;
            self.unconfirmed_restart = false;
        }
        let gap = fwd - 1;
        let elapsed = rx_ms.saturating_sub(self.head_ms);
        if gap > max_forward_gap {
            let explained = self
                .interval_ms
                .is_some_and(|i| elapsed >= i.saturating_mul(i64::from(gap)) / 2);
            if !explained {
                return self.restart(
                    seq,
                    hash,
                    rx_ms,
                    status_restarts,
                    RestartReason::ForwardJump { distance: fwd },
                );
            }
        }
        if elapsed > 0 {
            self.add_sample(elapsed / i64::from(fwd));
        }
        if fwd >= SEQ_WINDOW {
            self.present = 0;
        } else {
            for k in 1..=fwd {
                self.present &= !Self::bit(self.head.wrapping_add(k));
            }
        }
        let first_missing = self.head.wrapping_add(1);
        self.head = seq;
        self.head_ms = rx_ms;
        self.span = self.span.saturating_add(fwd).min(SEQ_WINDOW);
        self.mark(seq, hash);
        self.stats.received = self.stats.received.saturating_add(1);
        self.stats.missing = self.stats.missing.saturating_add(u64::from(gap));
        if gap == 0 {
            SeqOutcome::InOrder
        } else {
            SeqOutcome::Gap {
                first_missing,
                missing: gap,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GAP: u16 = DEFAULT_MAX_FORWARD_GAP;

    /// Feeds sequences one second apart with content hash `seq + 1000`.
    fn feed(t: &mut SeqTracker, seqs: &[u16]) -> Vec<SeqOutcome> {
        seqs.iter()
            .enumerate()
            .map(|(i, &s)| t.accept(s, u32::from(s) + 1000, None, i as i64 * 1000, GAP))
            .collect()
    }

    /// The outcome of a STATUS whose restart count moved from `previous` to `current`.
    fn count_restart(previous: u16, current: u16) -> SeqOutcome {
        SeqOutcome::Restart(RestartReason::RestartCount { previous, current })
    }

    #[test]
    fn wrap_65535_to_0_is_in_order() {
        let mut t = SeqTracker::new();
        let out = feed(&mut t, &[65533, 65534, 65535, 0, 1]);
        assert_eq!(out[0], SeqOutcome::First);
        assert!(
            out[1..].iter().all(|o| *o == SeqOutcome::InOrder),
            "{out:?}"
        );
        let s = t.stats();
        assert_eq!((s.received, s.missing, s.restarts), (5, 0, 0));
        assert_eq!(s.loss_pct(), Some(0.0));
        assert_eq!(t.last_sequence(), Some(1));
    }

    #[test]
    fn gap_across_the_wrap() {
        let mut t = SeqTracker::new();
        let out = feed(&mut t, &[65534, 1]);
        assert_eq!(
            out[1],
            SeqOutcome::Gap {
                first_missing: 65535,
                missing: 2
            }
        );
        assert_eq!(t.stats().missing, 2);
        assert!((t.stats().loss_pct().unwrap() - 50.0).abs() < 1e-9);
    }

    #[test]
    fn gaps_then_late_arrivals_fill_them() {
        let mut t = SeqTracker::new();
        let out = feed(&mut t, &[10, 11, 15, 13, 12, 14, 16]);
        assert_eq!(
            out[2],
            SeqOutcome::Gap {
                first_missing: 12,
                missing: 3
            }
        );
        assert_eq!(&out[3..6], &[SeqOutcome::Late { filled: true }; 3]);
        assert_eq!(out[6], SeqOutcome::InOrder);
        let s = *t.stats();
        assert_eq!(
            (s.received, s.missing, s.out_of_order, s.duplicates),
            (7, 0, 3, 0)
        );
        // A copy of a filled sequence is a duplicate.
        assert_eq!(t.accept(13, 1013, None, 9000, GAP), SeqOutcome::Duplicate);
        assert!(t.is_duplicate(13, 1013) && !t.is_duplicate(13, 999) && !t.is_duplicate(17, 1017));
        assert_eq!(t.stats().duplicates, 1);
    }

    #[test]
    fn late_arrival_before_the_first_packet_tracked() {
        let mut t = SeqTracker::new();
        let out = feed(&mut t, &[100, 101, 97]);
        assert_eq!(out[2], SeqOutcome::Late { filled: false });
        assert_eq!(t.stats().missing, 2); // 98 and 99 are now accounted for
        assert_eq!(
            t.accept(98, 1098, None, 5000, GAP),
            SeqOutcome::Late { filled: true }
        );
        assert_eq!(
            t.accept(99, 1099, None, 6000, GAP),
            SeqOutcome::Late { filled: true }
        );
        let s = *t.stats();
        assert_eq!((s.received, s.missing, s.out_of_order), (5, 0, 3));
    }

    #[test]
    fn duplicates_of_the_head_and_of_older_packets() {
        let mut t = SeqTracker::new();
        feed(&mut t, &[1, 2, 3]);
        assert_eq!(t.accept(3, 1003, None, 5000, GAP), SeqOutcome::Duplicate);
        assert_eq!(t.accept(1, 1001, None, 5000, GAP), SeqOutcome::Duplicate);
        // Unknown content matches anything.
        assert_eq!(
            t.accept(2, HASH_UNKNOWN, None, 5000, GAP),
            SeqOutcome::Duplicate
        );
        assert_eq!(t.stats().duplicates, 3);
        assert_eq!(t.stats().received, 3);
    }

    #[test]
    fn restart_by_backward_jump_beyond_the_window() {
        let mut t = SeqTracker::new();
        let seqs: Vec<u16> = (500..600).collect();
        feed(&mut t, &seqs);
        // 63 behind the head (536) is still in the window: a duplicate.
        assert_eq!(
            t.accept(536, 1536, None, 200_000, GAP),
            SeqOutcome::Duplicate
        );
        // 64 behind: restart.
        assert_eq!(
            t.accept(535, 1535, None, 200_000, GAP),
            SeqOutcome::Restart(RestartReason::BackwardJump { distance: 64 })
        );
        // A device restarting at 0.
        assert_eq!(
            t.accept(0, 7, None, 201_000, GAP),
            SeqOutcome::Restart(RestartReason::BackwardJump { distance: 535 })
        );
        assert_eq!(t.accept(1, 8, None, 202_000, GAP), SeqOutcome::InOrder);
        let s = t.stats();
        assert_eq!((s.restarts, s.missing), (2, 0));
    }

    #[test]
    fn restart_by_sequence_reuse_with_different_content() {
        let mut t = SeqTracker::new();
        feed(&mut t, &[0, 1, 2, 3, 4, 5]);
        // Restarted device sends 0 again with other readings.
        assert_eq!(
            t.accept(0, 4242, None, 10_000, GAP),
            SeqOutcome::Restart(RestartReason::SequenceReused)
        );
        assert_eq!(t.accept(1, 4243, None, 11_000, GAP), SeqOutcome::InOrder);
        assert_eq!(t.stats().restarts, 1);
    }

    #[test]
    fn restart_by_status_restart_count() {
        let mut t = SeqTracker::new();
        assert_eq!(t.accept(7, 1, Some(3), 0, GAP), SeqOutcome::First);
        assert_eq!(t.accept(8, 2, Some(3), 1000, GAP), SeqOutcome::InOrder);
        assert_eq!(t.accept(9, 3, None, 2000, GAP), SeqOutcome::InOrder);
        // Sequence continues (persisted counter) but the count went up.
        assert_eq!(t.accept(10, 4, Some(4), 3000, GAP), count_restart(3, 4));
        assert_eq!(t.restart_count(), Some(4));
        // Restart to a small sequence with a new count: one restart, not two.
        assert_eq!(t.accept(1, 5, Some(5), 4000, GAP), count_restart(4, 5));
        assert_eq!(t.accept(2, 6, Some(5), 5000, GAP), SeqOutcome::InOrder);
        assert_eq!(t.stats().restarts, 2);
        // A late packet carrying an old count is not a restart.
        t.accept(5, 9, Some(5), 6000, GAP);
        assert_eq!(
            t.accept(4, 8, Some(4), 6500, GAP),
            SeqOutcome::Late { filled: true }
        );
        assert_eq!((t.stats().restarts, t.restart_count()), (2, Some(5)));
    }

    /// The boot packet (sequence 0, STATUS with the new count) is lost:
    /// the restart is seen at sequence 1 (no STATUS); the next STATUS, with
    /// the new count, belongs to that restart and a gap just before it is
    /// still loss.
    #[test]
    fn lost_boot_packet_is_one_restart() {
        let mut t = SeqTracker::new();
        assert_eq!(t.accept(4100, 1, Some(3), 0, GAP), SeqOutcome::First);
        for s in 4101..=4136u16 {
            t.accept(s, u32::from(s), None, i64::from(s - 4100) * 1000, GAP);
        }
        // Reboot: 0 (STATUS 4) lost, 1 arrives.
        assert_eq!(
            t.accept(1, 101, None, 40_000, GAP),
            SeqOutcome::Restart(RestartReason::BackwardJump { distance: 4135 })
        );
        assert_eq!(t.restart_count(), Some(3));
        for s in 2..=7u16 {
            let out = t.accept(
                s,
                100 + u32::from(s),
                None,
                39_000 + i64::from(s) * 1000,
                GAP,
            );
            assert_eq!(out, SeqOutcome::InOrder);
        }
        // 8 lost, 9 carries STATUS 4: a gap, not a second restart.
        assert_eq!(
            t.accept(9, 109, Some(4), 48_000, GAP),
            SeqOutcome::Gap {
                first_missing: 8,
                missing: 1
            }
        );
        assert_eq!(t.restart_count(), Some(4));
        assert_eq!(t.accept(10, 110, Some(4), 49_000, GAP), SeqOutcome::InOrder);
        let s = *t.stats();
        assert_eq!((s.received, s.missing, s.restarts), (37 + 9, 1, 1));
        // Confirmed: the next change of the count is a restart again.
        assert_eq!(t.accept(11, 111, Some(5), 50_000, GAP), count_restart(4, 5));
        assert_eq!(t.stats().restarts, 2);
    }

    /// The boot packet arrives late, after the restart was detected at
    /// sequence 1: it precedes the new window and its count is adopted.
    #[test]
    fn late_boot_packet_confirms_the_restart() {
        let mut t = SeqTracker::new();
        feed(&mut t, &[500, 501, 502]);
        t.accept(503, 1503, Some(7), 3000, GAP);
        assert_eq!(
            t.accept(1, 1, None, 4000, GAP),
            SeqOutcome::Restart(RestartReason::BackwardJump { distance: 502 })
        );
        assert_eq!(
            t.accept(0, 0, Some(8), 4100, GAP),
            SeqOutcome::Late { filled: false }
        );
        assert_eq!(t.restart_count(), Some(8));
        assert_eq!(t.accept(2, 2, Some(8), 5000, GAP), SeqOutcome::InOrder);
        let s = *t.stats();
        assert_eq!((s.received, s.missing, s.restarts), (7, 0, 1));
    }

    /// Only a count ahead of the recorded one confirms a restart; a STATUS
    /// with the old count ends the unconfirmed state, and a copy changes
    /// nothing.
    #[test]
    fn unconfirmed_restart_needs_a_count_ahead() {
        // A lower count is not this restart's: counted.
        let mut t = SeqTracker::new();
        t.accept(300, 1, Some(9), 0, GAP);
        t.accept(1, 2, None, 1000, GAP);
        assert_eq!(t.accept(2, 3, Some(2), 2000, GAP), count_restart(9, 2));
        assert_eq!(t.stats().restarts, 2);
        // The old count (no restart after all, e.g. a forward jump after a
        // silence), then a new count: counted.
        let mut t = SeqTracker::new();
        feed(&mut t, &[0, 1, 2, 3]);
        t.accept(4, 4, Some(2), 4000, GAP);
        assert_eq!(
            t.accept(3004, 5, None, 6000, GAP),
            SeqOutcome::Restart(RestartReason::ForwardJump { distance: 3000 })
        );
        assert_eq!(t.accept(3005, 6, Some(2), 7000, GAP), SeqOutcome::InOrder);
        assert!(matches!(
            t.accept(3006, 7, Some(3), 8000, GAP),
            SeqOutcome::Restart(RestartReason::RestartCount { .. })
        ));
        assert_eq!(t.stats().restarts, 2);
        // A copy of a packet in the new window does not adopt its count.
        let mut t = SeqTracker::new();
        t.accept(300, 1, Some(9), 0, GAP);
        t.accept(1, 2, None, 1000, GAP);
        assert_eq!(t.accept(1, 2, Some(10), 1500, GAP), SeqOutcome::Duplicate);
        assert_eq!(t.restart_count(), Some(9));
        // Wrapping count: 65535 -> 0 is ahead.
        let mut t = SeqTracker::new();
        t.accept(300, 1, Some(65535), 0, GAP);
        t.accept(1, 2, None, 1000, GAP);
        assert_eq!(t.accept(2, 3, Some(0), 2000, GAP), SeqOutcome::InOrder);
        assert_eq!((t.stats().restarts, t.restart_count()), (1, Some(0)));
    }

    #[test]
    fn forward_jumps_beyond_the_gap_limit() {
        let mut t = SeqTracker::new();
        feed(&mut t, &[0, 1, 2, 3]); // interval 1 s
                                     // 2000 ahead after 2 s: not explained, a restart.
        assert_eq!(
            t.accept(2003, 1, None, 5000, GAP),
            SeqOutcome::Restart(RestartReason::ForwardJump { distance: 2000 })
        );
        // 3000 ahead after 3000 s of silence: an outage, counted as loss.
        assert_eq!(
            t.accept(5003, 2, None, 3_005_000, GAP),
            SeqOutcome::Gap {
                first_missing: 2004,
                missing: 2999
            }
        );
        assert_eq!(t.stats().missing, 2999);
        // Within the limit: always loss.
        assert!(matches!(
            t.accept(6003, 3, None, 3_006_000, GAP),
            SeqOutcome::Gap { missing: 999, .. }
        ));
    }

    #[test]
    fn interval_is_the_median_and_staleness() {
        let mut t = SeqTracker::new();
        assert_eq!(t.interval_ms(), None);
        // 10 s nominal, one packet lost (20 s for 2 sequences), one outlier.
        let times = [0, 10_000, 20_000, 40_000, 50_000, 51_000, 60_000];
        let seqs = [0, 1, 2, 4, 5, 6, 7];
        for (s, ms) in seqs.iter().zip(times) {
            t.accept(*s, 1, None, ms, GAP);
        }
        assert_eq!(t.interval_ms(), Some(10_000));
        assert!(!t.is_stale(60_000, 90_000));
        assert!(t.is_stale(60_000, 90_001));
        // Default interval before anything is known.
        let fresh = SeqTracker::new();
        assert!(!fresh.is_stale(0, 3 * DEFAULT_INTERVAL_MS));
        assert!(fresh.is_stale(0, 3 * DEFAULT_INTERVAL_MS + 1));
        assert!(!fresh.is_stale(i64::MAX, i64::MIN));
        assert!(fresh.is_stale(i64::MIN, i64::MAX));
    }

    #[test]
    fn loss_is_none_before_data() {
        assert_eq!(SeqStats::default().loss_pct(), None);
    }

    #[test]
    fn exhaustive_small_sequences_never_panic_and_stay_consistent() {
        // All 3-packet orders over a few interesting sequences.
        let vals = [0u16, 1, 2, 62, 63, 64, 65, 100, 32767, 32768, 65534, 65535];
        for &a in &vals {
            for &b in &vals {
                for &c in &vals {
                    let mut t = SeqTracker::new();
                    for (i, s) in [a, b, c].into_iter().enumerate() {
                        t.accept(s, u32::from(s) + 1, Some(1), i as i64, GAP);
                    }
                    let st = t.stats();
                    assert_eq!(st.received + st.duplicates, 3, "{a} {b} {c}");
                }
            }
        }
    }
}
