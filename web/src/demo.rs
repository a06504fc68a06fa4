//! The demo feed: the simulator library (`iotdata_sim`) running inside the
//! page, feeding every frame a simulated gateway receives through the same
//! pipeline as broker messages ([`crate::store::Live::ingest`], topic
//! `iotdata/raw/<gateway as 4 lowercase hex digits>`, like the
//! `iotdata-sim` binary publishes), with the simulator's variant map active.
//!
//! Time: simulated time advances by wall time × [`DEFAULT_SPEED`] on a timer
//! ([`TICK_MS`]); a frame simulated at `t` is stamped with the wall time
//! that maps to `t` ([`DemoFeed::rx_ms`]), so "last heard", intervals and
//! staleness stay consistent (a 60 s sensor reports every 6 s at ×10). On
//! start, [`PREROLL_MS`] of simulated time are played at once (stamped in
//! the recent past), so the dashboard is populated immediately. A wall-time
//! jump (a background tab) is capped at [`MAX_CATCH_UP_MS`] of simulated
//! time per tick.

use iotdata_sim::{Role, SimConfig, Simulation, TimedFrame};

/// Simulated ms per wall ms.
pub const DEFAULT_SPEED: f64 = 10.0;
/// Simulated time played at once on start (10 minutes).
pub const PREROLL_MS: u64 = 10 * 60_000;
/// Timer period, wall ms.
pub const TICK_MS: u64 = 250;
/// Most simulated time advanced in one tick (10 minutes).
pub const MAX_CATCH_UP_MS: u64 = 10 * 60_000;
/// Topic prefix of the demo's messages.
pub const TOPIC_PREFIX: &str = "iotdata";

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

/// The simulation and its clock mapping (pure: the caller passes the wall
/// time, so it is testable anywhere).
#[derive(Debug)]
pub struct DemoFeed {
    sim: Simulation,
    speed: f64,
    wall0: f64,
    /// The simulated instant that maps to `wall0` (moves back when time is
    /// skipped).
    sim0: f64,
}

impl DemoFeed {
    /// A feed starting at wall time `wall_now_ms` with `speed` (simulated ms
    /// per wall ms, at least 0.1) and the simulator's `seed`.
    pub fn new(wall_now_ms: f64, speed: f64, seed: u64) -> DemoFeed {
        let speed = if speed.is_finite() {
            speed.max(0.1)
        } else {
            DEFAULT_SPEED
        };
        let sim = Simulation::new(SimConfig {
            seed,
            // DATETIME fields near the real date.
            start_unix_ms: Some(wall_now_ms as i64 - PREROLL_MS as i64),
            ..SimConfig::default()
        });
        DemoFeed {
            sim,
            speed,
            wall0: wall_now_ms,
            sim0: PREROLL_MS as f64,
        }
    }

    /// The speed factor.
    pub fn speed(&self) -> f64 {
        self.speed
    }

    /// Simulated ms since the start of the run.
    pub fn sim_now_ms(&self) -> u64 {
        self.sim.now_ms()
    }

    /// The wall time (ms since the epoch) a simulated instant maps to.
    pub fn rx_ms(&self, sim_ms: u64) -> f64 {
        self.wall0 + (sim_ms as f64 - self.sim0) / self.speed
    }

    /// Gateways and relays with their installed positions `(id, lat, lon)`
    /// (they send no POSITION; the map draws mesh links with these).
    pub fn node_positions(&self) -> Vec<(u16, f64, f64)> {
        self.sim
            .deployment()
            .stations
            .iter()
            .filter(|s| matches!(s.role, Role::Gateway | Role::Relay))
            .map(|s| (s.id, s.lat, s.lon))
            .collect()
    }

    fn messages(&self, frames: Vec<TimedFrame>) -> Vec<DemoMessage> {
        frames
            .into_iter()
            .map(|f| DemoMessage {
                rx_ms: self.rx_ms(f.time_ms),
                topic: topic_for(f.gateway),
                payload: f.bytes,
            })
            .collect()
    }

    /// The pre-roll: [`PREROLL_MS`] of simulated time, stamped in the recent
    /// past.
    pub fn preroll(&mut self) -> Vec<DemoMessage> {
        let frames = self.sim.advance(PREROLL_MS);
        self.messages(frames)
    }

    /// Advances to wall time `wall_now_ms` (at most [`MAX_CATCH_UP_MS`] of
    /// simulated time) and returns the frames received meanwhile, in order.
    pub fn step(&mut self, wall_now_ms: f64) -> Vec<DemoMessage> {
        let elapsed = (wall_now_ms - self.wall0).max(0.0) * self.speed;
        let target = (self.sim0 + elapsed).max(0.0) as u64;
        let now = self.sim.now_ms();
        let until = target.min(now.saturating_add(MAX_CATCH_UP_MS));
        if until < target {
            // Skip the lost time: move the mapping so that `until` is now
            // and later frames stay stamped close to the wall clock.
            self.sim0 -= (target - until) as f64;
        }
        let frames = self.sim.advance(until);
        self.messages(frames)
    }
}

/// Browser wiring: a running feed and its timer.
#[cfg(target_arch = "wasm32")]
pub mod run {
    use std::cell::RefCell;
    use std::rc::Rc;
    use std::time::Duration;

    use leptos::prelude::*;

    use super::{DemoFeed, DEFAULT_SPEED, TICK_MS};
    use crate::ctx::{now_ms, Ctx};
    use crate::store::DEMO_SOURCE;

    /// A running demo (dropping it does not stop it: call [`Running::stop`]).
    pub struct Running {
        feed: Rc<RefCell<DemoFeed>>,
        timer: IntervalHandle,
        /// The variant map that was active before the demo selected the
        /// simulator's (restored by [`stop`]).
        previous_map: String,
    }

    impl Running {
        /// Stops the timer.
        pub fn stop(self) {
            self.timer.clear();
        }

        /// Simulated minutes so far.
        pub fn sim_minutes(&self) -> f64 {
            self.feed.borrow().sim_now_ms() as f64 / 60_000.0
        }
    }

    /// Makes the map `key` the active one everywhere (store and inspector).
    fn activate_map(ctx: Ctx, key: &str) {
        if ctx.maps.select(key) {
            ctx.live.set_map(ctx.maps.current.get_untracked());
        }
    }

    /// Starts the demo feed in `ctx` as the source [`DEMO_SOURCE`], beside
    /// any broker (activates the simulator's map, plays the pre-roll, then
    /// follows the wall clock).
    pub fn start(ctx: Ctx) {
        stop(ctx);
        let previous_map = ctx.maps.active.get_untracked();
        activate_map(ctx, crate::maps::SIM_KEY);
        let mut feed = DemoFeed::new(now_ms(), DEFAULT_SPEED, iotdata_sim::DEFAULT_SEED);
        ctx.live.set_known_positions(&feed.node_positions());
        for m in feed.preroll() {
            ctx.live
                .ingest_from(DEMO_SOURCE, m.rx_ms, &m.topic, &m.payload);
        }
        let feed = Rc::new(RefCell::new(feed));
        let tick_feed = Rc::clone(&feed);
        let live = ctx.live;
        let timer = set_interval_with_handle(
            move || {
                let msgs = tick_feed.borrow_mut().step(now_ms());
                for m in msgs {
                    live.ingest_from(DEMO_SOURCE, m.rx_ms, &m.topic, &m.payload);
                }
            },
            Duration::from_millis(TICK_MS),
        );
        let Ok(timer) = timer else {
            ctx.announce("the demo feed could not start a timer: reload the page");
            return;
        };
        ctx.demo.set_value(Some(Running {
            feed,
            timer,
            previous_map,
        }));
        ctx.demo_running.set(true);
    }

    /// Stops the demo feed, if running (the data stays).
    pub fn stop(ctx: Ctx) {
        if let Some(r) = ctx.demo.try_update_value(Option::take).flatten() {
            // Give back the map the user had (unless they chose another
            // one while the demo ran).
            if ctx.maps.active.try_get_untracked().as_deref() == Some(crate::maps::SIM_KEY)
                && r.previous_map != crate::maps::SIM_KEY
            {
                activate_map(ctx, &r.previous_map);
            }
            r.stop();
        }
        ctx.demo_running.set(false);
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

    #[test]
    fn preroll_then_steps() {
        let mut f = DemoFeed::new(1_000_000.0, 10.0, iotdata_sim::DEFAULT_SEED);
        let pre = f.preroll();
        assert!(pre.len() > 20, "{}", pre.len());
        assert!(pre.iter().all(|m| m.rx_ms <= 1_000_000.0));
        assert!(pre.iter().all(|m| m.topic.starts_with("iotdata/raw/")));
        let next = f.step(1_000_000.0 + 60_000.0);
        assert!(!next.is_empty());
        assert!(next.iter().all(|m| m.rx_ms > 1_000_000.0 - 1.0));
        assert_eq!(f.sim_now_ms(), PREROLL_MS + 600_000);
        // A long pause (background tab) is skipped, not replayed.
        f.step(1_000_000.0 + 3_600_000.0);
        assert_eq!(f.sim_now_ms(), PREROLL_MS + 2 * MAX_CATCH_UP_MS);
        let later = f.step(1_000_000.0 + 3_601_000.0);
        assert_eq!(f.sim_now_ms(), PREROLL_MS + 2 * MAX_CATCH_UP_MS + 10_000);
        assert!(later.iter().all(|m| m.rx_ms > 1_000_000.0 + 3_599_000.0));
        assert!(!f.node_positions().is_empty());
    }
}
