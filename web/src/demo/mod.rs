//! The demo feed: a recorded run of the simulator (`static/demo-feed.bin`,
//! written by `cargo run --release -p iotdata-sim --example demo_capture`;
//! format and bounds in [`iotdata_sim::capture`]) played through the same
//! pipeline as broker messages ([`crate::store::Live::ingest`], topic
//! `iotdata/raw/<gateway as 4 lowercase hex digits>`, like the
//! `iotdata-sim` binary publishes), with the simulator's variant map active.
//! The page fetches the file when the demo starts ([`run`]); the simulator
//! itself is not part of the page.
//!
//! Time: the recording's time advances by wall time × its speed (×10) on a
//! timer ([`TICK_MS`]); a frame recorded at `t` is stamped with the wall
//! time that maps to `t` ([`DemoFeed::rx_ms`]), so "last heard", intervals
//! and staleness stay consistent (a 60 s sensor reports every 6 s at ×10).
//! On start, the recording's pre-roll (10 simulated minutes) is played at
//! once (stamped in the recent past), so the dashboard is populated
//! immediately. A wall-time jump (a background tab) is capped at
//! [`MAX_CATCH_UP_MS`] of simulated time per tick.
//!
//! At its end the recording loops from the start, the clock going on (a
//! pass starts where the previous one ended). To the receiver a loop looks
//! like every station restarting: sequence numbers and beacon generations
//! start again from the recording's first values (one restart more in each
//! station's sequence figures; the receiver's de-duplication has long
//! forgotten the first playing, so no frame is taken for a copy of it), the
//! scenario (a relay shutting down, a sensor rebooting) plays again, and
//! the relay that was down is heard again. The frames are played as recorded: their DATETIME
//! fields are the recording's (2026-03-14 from 07:00 UTC), not the time
//! they are played at.

pub use iotdata_sim::capture::{Capture, CaptureError};

#[cfg(target_arch = "wasm32")]
pub mod run;

/// Timer period, wall ms.
pub const TICK_MS: u64 = 250;
/// Most simulated time advanced in one tick (10 minutes; at most
/// [`iotdata_sim::capture::MIN_DURATION_MS`], so a tick wraps around the
/// recording at most once).
pub const MAX_CATCH_UP_MS: u64 = 10 * 60_000;
/// Topic prefix of the demo's messages.
pub const TOPIC_PREFIX: &str = "iotdata";
/// Where the page fetches the recording, relative to the page (trunk
/// copies `static/demo-feed.bin` there).
pub const RECORDING_URL: &str = "demo-feed.bin";

/// The topic a gateway's frames arrive on: `iotdata/raw/00a1`.
pub fn topic_for(gateway: u16) -> String {
    format!("{TOPIC_PREFIX}/raw/{gateway:04x}")
}

/// One message of the demo feed.
#[derive(Debug, Clone, PartialEq)]
pub struct DemoMessage {
    /// Wall receive time, ms since the epoch.
    pub rx_ms: f64,
    /// Topic.
    pub topic: String,
    /// The frame.
    pub payload: Vec<u8>,
}

/// A recording and its playback clock (pure: the caller passes the wall
/// time, so it is testable anywhere). Simulated time here is the playback's:
/// it goes on across loops.
#[derive(Debug)]
pub struct DemoFeed {
    capture: Capture,
    speed: f64,
    wall0: f64,
    /// The simulated instant that maps to `wall0` (moves back when time is
    /// skipped).
    sim0: f64,
    /// Simulated time reached.
    now: u64,
    /// Simulated time at which the current pass of the recording began.
    pass_start: u64,
    /// The next frame of the current pass.
    next: usize,
}

impl DemoFeed {
    /// Plays `capture` from wall time `wall_now_ms`, at the capture's speed
    /// (at least 1), its pre-roll ending at `wall_now_ms`.
    pub fn new(capture: Capture, wall_now_ms: f64) -> DemoFeed {
        DemoFeed {
            speed: capture.speed.max(1) as f64,
            sim0: capture.preroll_ms as f64,
            capture,
            wall0: wall_now_ms,
            now: 0,
            pass_start: 0,
            next: 0,
        }
    }

    /// The speed factor.
    pub fn speed(&self) -> f64 {
        self.speed
    }

    /// The simulator's seed of the recording.
    pub fn seed(&self) -> u64 {
        self.capture.seed
    }

    /// Simulated ms since the start of playback (across loops).
    pub fn sim_now_ms(&self) -> u64 {
        self.now
    }

    /// Completed passes of the recording.
    pub fn loops(&self) -> u64 {
        self.pass_start / self.capture.duration_ms.max(1)
    }

    /// The wall time (ms since the epoch) a simulated instant maps to.
    pub fn rx_ms(&self, sim_ms: u64) -> f64 {
        self.wall0 + (sim_ms as f64 - self.sim0) / self.speed
    }

    /// Gateways and relays with their installed positions `(id, lat, lon)`
    /// (they send no POSITION; the map draws mesh links with these).
    pub fn node_positions(&self) -> Vec<(u16, f64, f64)> {
        self.capture
            .nodes
            .iter()
            .map(|n| (n.id, n.lat, n.lon))
            .collect()
    }

    /// Plays the recording up to simulated time `until` (looping at its
    /// end) and returns the frames meanwhile, in order.
    fn advance(&mut self, until: u64) -> Vec<DemoMessage> {
        let mut out = Vec::new();
        // A recording is at least MIN_DURATION_MS long (parse checks it)
        // and `until` at most MAX_CATCH_UP_MS ahead, so this wraps at
        // most once; `max(1)` keeps a hand-built empty span finite.
        let span = self.capture.duration_ms.max(1);
        loop {
            let at = match self.capture.frames.get(self.next) {
                Some(f) => self.pass_start.saturating_add(f.time_ms),
                None => {
                    let end = self.pass_start.saturating_add(span);
                    if end > until {
                        break;
                    }
                    self.pass_start = end;
                    self.next = 0;
                    continue;
                }
            };
            if at > until {
                break;
            }
            if let Some(f) = self.capture.frames.get(self.next) {
                out.push(DemoMessage {
                    rx_ms: self.rx_ms(at),
                    topic: topic_for(f.gateway),
                    payload: f.bytes.clone(),
                });
            }
            self.next += 1;
        }
        self.now = self.now.max(until);
        out
    }

    /// The pre-roll: the recording's first simulated minutes, stamped in
    /// the recent past.
    pub fn preroll(&mut self) -> Vec<DemoMessage> {
        self.advance(self.capture.preroll_ms)
    }

    /// Advances to wall time `wall_now_ms` (at most [`MAX_CATCH_UP_MS`] of
    /// simulated time) and returns the frames received meanwhile, in order.
    pub fn step(&mut self, wall_now_ms: f64) -> Vec<DemoMessage> {
        let elapsed = (wall_now_ms - self.wall0).max(0.0) * self.speed;
        let target = (self.sim0 + elapsed).max(0.0) as u64;
        let until = target.min(self.now.saturating_add(MAX_CATCH_UP_MS));
        if until < target {
            // Skip the lost time: move the mapping so that `until` is now
            // and later frames stay stamped close to the wall clock.
            self.sim0 -= (target - until) as f64;
        }
        self.advance(until)
    }
}

/// Native stand-in (the demo runs in the browser only).
#[cfg(not(target_arch = "wasm32"))]
pub mod run {
    /// A running demo (never constructed natively).
    pub struct Running;
}

#[cfg(test)]
mod tests {
    use super::*;
    use iotdata_sim::capture::{CapturedFrame, MIN_DURATION_MS};

    fn recording() -> Capture {
        Capture::parse(include_bytes!("../../../static/demo-feed.bin")).unwrap()
    }

    #[test]
    fn preroll_then_steps() {
        let mut f = DemoFeed::new(recording(), 1_000_000.0);
        let preroll_ms = 10 * 60_000;
        let pre = f.preroll();
        assert!(pre.len() > 20, "{}", pre.len());
        assert!(pre.iter().all(|m| m.rx_ms <= 1_000_000.0));
        assert!(pre.iter().all(|m| m.rx_ms >= 1_000_000.0 - 60_000.0));
        assert!(pre.iter().all(|m| m.topic.starts_with("iotdata/raw/")));
        assert_eq!(f.sim_now_ms(), preroll_ms);
        let next = f.step(1_000_000.0 + 60_000.0);
        assert!(!next.is_empty());
        assert!(next.iter().all(|m| m.rx_ms > 1_000_000.0 - 1.0));
        assert_eq!(f.sim_now_ms(), preroll_ms + 600_000);
        // A long pause (background tab) is skipped, not replayed.
        f.step(1_000_000.0 + 3_600_000.0);
        assert_eq!(f.sim_now_ms(), preroll_ms + 2 * MAX_CATCH_UP_MS);
        let later = f.step(1_000_000.0 + 3_601_000.0);
        assert_eq!(f.sim_now_ms(), preroll_ms + 2 * MAX_CATCH_UP_MS + 10_000);
        assert!(later.iter().all(|m| m.rx_ms > 1_000_000.0 + 3_599_000.0));
        assert!(!f.node_positions().is_empty());
        assert_eq!(f.speed(), 10.0);
    }

    #[test]
    fn loops_with_a_continuing_clock() {
        let frame = |time_ms, b| CapturedFrame {
            time_ms,
            gateway: 1,
            bytes: vec![b],
        };
        let capture = Capture {
            seed: 1,
            speed: 10,
            preroll_ms: 60_000,
            duration_ms: MIN_DURATION_MS,
            nodes: Vec::new(),
            frames: vec![
                frame(0, 0),
                frame(60_000, 1),
                frame(300_000, 2),
                frame(MIN_DURATION_MS, 3),
            ],
        };
        let wall0 = 5_000_000.0;
        let mut f = DemoFeed::new(capture, wall0);
        let pre = f.preroll();
        let bytes = |ms: &[DemoMessage]| ms.iter().map(|m| m.payload[0]).collect::<Vec<_>>();
        assert_eq!(bytes(&pre), [0, 1]);
        assert_eq!(pre[0].rx_ms, wall0 - 6_000.0);
        assert_eq!(pre[1].rx_ms, wall0);
        // Three passes and a half, one wall second (10 simulated s) a tick.
        let mut all = Vec::new();
        let mut wall = wall0;
        while f.sim_now_ms() < 35 * 60_000 {
            wall += 1_000.0;
            all.extend(f.step(wall));
        }
        assert_eq!(bytes(&all), [2, 3, 0, 1, 2, 3, 0, 1, 2, 3, 0, 1, 2]);
        assert_eq!(f.loops(), 3);
        // Simulated time goes on across loops: frame 0 of the second pass
        // is at 10 minutes, stamped 54 s after the start.
        assert_eq!(all[2].rx_ms, wall0 + 54_000.0);
        assert!(all.windows(2).all(|w| w[0].rx_ms <= w[1].rx_ms));
        let last = all.last().map(|m| m.rx_ms);
        assert_eq!(
            last,
            Some(wall0 + (3 * 600_000 + 300_000 - 60_000) as f64 / 10.0)
        );
    }

    /// The recording through the dashboard's store for three loops: a loop
    /// is one restart more for every station, the same each time, and no
    /// replayed frame is taken for a copy of its first playing.
    #[test]
    fn a_loop_looks_like_every_station_restarting() {
        let capture = recording();
        let span = capture.duration_ms;
        let mut store = crate::store::Store::with_map(iotdata_sim::sim_map());
        let mut f = DemoFeed::new(capture, 0.0);
        // Per pass: copies seen, and each station's restarts an hour in.
        let mut copies = [0usize; 4];
        for m in f.preroll() {
            store.ingest(m.rx_ms, &m.topic, &m.payload);
            if store.log().next().is_some_and(|e| e.duplicate) {
                copies[0] += 1;
            }
        }
        let mut restarts: Vec<Vec<(u16, u64)>> = Vec::new();
        let mut wall = 0.0;
        while f.sim_now_ms() < 3 * span + 3_600_000 {
            // 5 simulated minutes a step: a multiple of the span's minutes.
            wall += 30_000.0;
            let pass = (f.sim_now_ms() / span) as usize;
            for m in f.step(wall) {
                store.ingest(m.rx_ms, &m.topic, &m.payload);
                if store.log().next().is_some_and(|e| e.duplicate) {
                    copies[pass.min(3)] += 1;
                }
            }
            if f.sim_now_ms() % span == 3_600_000 {
                let r = store
                    .stations()
                    .map(|s| (s.id, s.sequence_stats().restarts));
                restarts.push(r.collect());
            }
        }
        assert_eq!(f.loops(), 3);
        // The first pass had nothing before it: the others see as many
        // copies (relays' and both gateways'), none more.
        assert!(copies[0] > 0);
        assert_eq!(copies[..3], [copies[0]; 3], "{copies:?}");
        let [_, a, b, c] = &restarts[..] else {
            panic!("{restarts:?}")
        };
        assert_eq!(a.len(), b.len());
        for ((id, ra), ((_, rb), (_, rc))) in a.iter().zip(b.iter().zip(c)) {
            assert!(rb > ra, "{id:x}: {ra} then {rb}");
            assert_eq!(rb - ra, rc - rb, "{id:x}");
        }
    }

    #[test]
    fn a_catch_up_over_the_end_wraps_once() {
        let capture = Capture {
            seed: 1,
            speed: 10,
            preroll_ms: MIN_DURATION_MS,
            duration_ms: MIN_DURATION_MS,
            nodes: Vec::new(),
            frames: vec![CapturedFrame {
                time_ms: 1,
                gateway: 2,
                bytes: vec![9],
            }],
        };
        let mut f = DemoFeed::new(capture, 0.0);
        assert_eq!(f.preroll().len(), 1);
        assert_eq!(f.loops(), 1);
        // A day later: one tick plays at most MAX_CATCH_UP_MS.
        let next = f.step(86_400_000.0);
        assert_eq!(next.len(), 1);
        assert_eq!(next[0].topic, "iotdata/raw/0002");
        assert_eq!(f.sim_now_ms(), MIN_DURATION_MS + MAX_CATCH_UP_MS);
        assert_eq!(f.loops(), 2);
    }
}
