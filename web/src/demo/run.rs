//! Browser wiring of the demo feed: fetch the recording
//! ([`super::RECORDING_URL`]), check it ([`Capture::parse`]), then play it
//! on a timer, as the source [`DEMO_SOURCE`] beside any broker. A failed
//! fetch or a refused file is said ("demo feed: …"): as the connection
//! state when no broker is configured (the demo is then all there is),
//! through the live region otherwise; the page goes on without the demo.

use std::cell::{Cell, RefCell};
use std::rc::Rc;
use std::time::Duration;

use iotdata_sim::capture::{Capture, CaptureError, MAX_CAPTURE_BYTES};
use leptos::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

use super::{DemoFeed, RECORDING_URL, TICK_MS};
use crate::connection::ConnState;
use crate::ctx::{now_ms, Ctx};
use crate::store::DEMO_SOURCE;

/// A running demo (dropping it does not stop it: call [`Running::stop`]).
pub struct Running {
    /// Cleared on stop: a fetch still in flight then drops its result.
    alive: Rc<Cell<bool>>,
    /// The playback timer, once the recording is in.
    timer: Rc<Cell<Option<IntervalHandle>>>,
    /// The variant map that was active before the demo selected the
    /// simulator's (restored by [`stop`]).
    previous_map: String,
}

impl Running {
    /// Stops the timer (or the loading).
    pub fn stop(self) {
        self.alive.set(false);
        if let Some(t) = self.timer.take() {
            t.clear();
        }
    }
}

/// Makes the map `key` the active one everywhere (store and inspector).
fn activate_map(ctx: Ctx, key: &str) {
    if ctx.maps.select(key) {
        ctx.live.set_map(ctx.maps.current.get_untracked());
    }
}

/// The recording's bytes (at most [`MAX_CAPTURE_BYTES`] are copied into
/// the page's memory).
async fn fetch_recording() -> Result<Vec<u8>, String> {
    let failed = || format!("could not fetch {RECORDING_URL}");
    let window = web_sys::window().ok_or_else(failed)?;
    let response: web_sys::Response = JsFuture::from(window.fetch_with_str(RECORDING_URL))
        .await
        .ok()
        .and_then(|r| r.dyn_into().ok())
        .ok_or_else(failed)?;
    if !response.ok() {
        return Err(format!("{RECORDING_URL}: HTTP {}", response.status()));
    }
    let body = response.array_buffer().map_err(|_| failed())?;
    let body = JsFuture::from(body).await.map_err(|_| failed())?;
    let body = js_sys::Uint8Array::new(&body);
    let len = body.length() as usize;
    if len > MAX_CAPTURE_BYTES {
        return Err(CaptureError::TooLarge {
            len,
            max: MAX_CAPTURE_BYTES,
        }
        .to_string());
    }
    Ok(body.to_vec())
}

/// Shows the demo's state as the first source's when no broker is
/// configured; with brokers their states stay, and an error is announced.
fn show(ctx: Ctx, state: ConnState) {
    if !ctx.settings.with_untracked(|s| s.has_broker()) {
        ctx.status.set(state);
    } else if let ConnState::Error { reason, .. } = state {
        ctx.announce(reason);
    }
}

/// Makes the demo running in `ctx` (stops a running one, activates the
/// simulator's map); returns its liveness flag and timer slot.
fn begin(ctx: Ctx) -> (Rc<Cell<bool>>, Rc<Cell<Option<IntervalHandle>>>) {
    stop(ctx);
    let previous_map = ctx.maps.active.get_untracked();
    activate_map(ctx, crate::maps::SIM_KEY);
    let running = Running {
        alive: Rc::new(Cell::new(true)),
        timer: Rc::default(),
        previous_map,
    };
    let handles = (Rc::clone(&running.alive), Rc::clone(&running.timer));
    ctx.demo.set_value(Some(running));
    ctx.demo_running.set(true);
    handles
}

/// Starts the demo feed in `ctx` as the source [`DEMO_SOURCE`], beside any
/// broker: activates the simulator's map, fetches the recording, plays the
/// pre-roll, then follows the wall clock.
pub fn start(ctx: Ctx) {
    let (alive, timer) = begin(ctx);
    show(
        ctx,
        ConnState::Idle {
            note: "demo feed: loading the recording".into(),
        },
    );
    wasm_bindgen_futures::spawn_local(async move {
        let capture = fetch_recording()
            .await
            .and_then(|b| Capture::parse(&b).map_err(|e| e.to_string()));
        if !alive.get() {
            return;
        }
        match capture {
            Ok(c) => play(ctx, c, &timer),
            Err(reason) => fail(ctx, reason),
        }
    });
}

/// [`start`] with a recording at hand instead of fetching it (tests, and
/// pages that hold the recording already).
pub fn start_with(ctx: Ctx, capture: Capture) {
    let (_, timer) = begin(ctx);
    play(ctx, capture, &timer);
}

/// Stops the demo and says why.
fn fail(ctx: Ctx, reason: String) {
    stop(ctx);
    show(
        ctx,
        ConnState::Error {
            reason: format!("demo feed: {reason}"),
            hint: "reload the page, or open Settings to connect to a broker".into(),
        },
    );
}

/// Plays `capture` from now on.
fn play(ctx: Ctx, capture: Capture, timer: &Cell<Option<IntervalHandle>>) {
    let mut feed = DemoFeed::new(capture, now_ms());
    ctx.live.set_known_positions(&feed.node_positions());
    for m in feed.preroll() {
        ctx.live
            .ingest_from(DEMO_SOURCE, m.rx_ms, &m.topic, &m.payload);
    }
    let note = format!(
        "demo feed · a recorded simulator run (seed {}) at ×{}",
        feed.seed(),
        feed.speed()
    );
    let feed = RefCell::new(feed);
    let live = ctx.live;
    let handle = set_interval_with_handle(
        move || {
            let msgs = feed.borrow_mut().step(now_ms());
            for m in msgs {
                live.ingest_from(DEMO_SOURCE, m.rx_ms, &m.topic, &m.payload);
            }
        },
        Duration::from_millis(TICK_MS),
    );
    match handle {
        Ok(h) => {
            timer.set(Some(h));
            show(ctx, ConnState::Idle { note });
        }
        Err(_) => fail(ctx, "could not start a timer".into()),
    }
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
        show(
            ctx,
            ConnState::Idle {
                note: "demo feed stopped".into(),
            },
        );
    }
    ctx.demo_running.set(false);
}
