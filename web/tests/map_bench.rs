//! The station map under load, in headless Chromium with the real Leaflet:
//! 4,095 stations with positions, then 2,000 packets/s (full weather
//! packets, one in ten moving its station a little) for a few seconds.
//! Prints frames per second and the longest frame with no view mounted,
//! with the map, and with one station's page (the differences are what
//! the views cost).
//!
//! `cargo test -p iotdata-web --target wasm32-unknown-unknown --profile
//! web-release --test map_bench -- --nocapture`
#![cfg(target_arch = "wasm32")]

mod common;
use common::*;
#[path = "support/fixtures.rs"]
mod fixtures;

use std::cell::RefCell;
use std::rc::Rc;

use iotdata_web::views::map::StationMap;
use iotdata_web::views::station::StationPage;
use leptos::prelude::*;
use wasm_bindgen::prelude::*;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

macro_rules! out {
    ($($t:tt)*) => { web_sys::console::log_1(&format!($($t)*).into()) };
}

const STATIONS: u16 = 4095;
const RATE: f64 = 2000.0;
const SECONDS: f64 = 6.0;

fn place(id: u16) -> (f64, f64) {
    (
        45.0 + f64::from(id % 64) * 0.15,
        2.0 + f64::from(id / 64) * 0.2,
    )
}

fn weather(station: u16, seq: u16, at: (f64, f64)) -> Vec<u8> {
    fixtures::weather_frame(station, seq, Some(at), false)
}

/// Runs `step(elapsed_ms)` once per animation frame for `ms`; returns the
/// frames and the longest gap between two frames.
async fn frames(ms: f64, step: impl FnMut(f64) + 'static) -> (u32, f64) {
    type Slot = Rc<RefCell<Option<Closure<dyn FnMut(f64)>>>>;
    let step = Rc::new(RefCell::new(step));
    let result = Rc::new(RefCell::new((0u32, 0.0f64)));
    let slot: Slot = Rc::new(RefCell::new(None));
    let done = js_sys::Promise::new(&mut |resolve, _| {
        let (slot2, result2, step2) = (slot.clone(), result.clone(), step.clone());
        let start = RefCell::new(None::<f64>);
        let last = RefCell::new(0.0f64);
        *slot.borrow_mut() = Some(Closure::new(move |t: f64| {
            let t0 = *start.borrow_mut().get_or_insert(t);
            {
                let mut r = result2.borrow_mut();
                if r.0 > 0 {
                    r.1 = r.1.max(t - *last.borrow());
                }
                r.0 += 1;
            }
            *last.borrow_mut() = t;
            if t - t0 >= ms {
                let _ = resolve.call0(&JsValue::NULL);
                return;
            }
            (step2.borrow_mut())(t - t0);
            if let Some(c) = slot2.borrow().as_ref() {
                let _ = window().request_animation_frame(c.as_ref().unchecked_ref());
            }
        }));
        if let Some(c) = slot.borrow().as_ref() {
            let _ = window().request_animation_frame(c.as_ref().unchecked_ref());
        }
    });
    wasm_bindgen_futures::JsFuture::from(done).await.unwrap();
    slot.borrow_mut().take();
    let r = *result.borrow();
    r
}

#[derive(Clone, Copy, PartialEq)]
enum Mounted {
    Nothing,
    Map,
    Station,
}

async fn run(what: Mounted) {
    load_leaflet(900, 600);
    let with_map = what == Mounted::Map;
    let (root, ctx, _h) = mount_sized(900, 600, move || match what {
        Mounted::Nothing => None,
        Mounted::Map => Some(view! { <StationMap class="map" /> }.into_any()),
        Mounted::Station => Some(view! { <StationPage id=7 /> }.into_any()),
    });
    let label = match what {
        Mounted::Nothing => "no view",
        Mounted::Map => "map",
        Mounted::Station => "station page",
    };

    // All stations, then wait until the map shows them.
    let packets: Vec<Vec<u8>> = (1..=STATIONS).map(|id| weather(id, 1, place(id))).collect();
    let t = js_sys::Date::now();
    for p in &packets {
        ctx.ingest("iotdata/raw/00a0", p);
    }
    let sel = "[data-testid=map-marker-count]";
    for _ in 0..400 {
        let n = one(&root, sel)
            .and_then(|e| e.text_content())
            .and_then(|t| t.trim().parse::<u32>().ok());
        let old = all(&root, ".leaflet-marker-icon").len();
        if !with_map || n == Some(u32::from(STATIONS)) || old == usize::from(STATIONS) {
            break;
        }
        sleep(25).await;
    }
    out!(
        "map bench ({label}): {STATIONS} stations ingested and drawn in {:.0} ms",
        js_sys::Date::now() - t
    );
    settle().await;

    // Time Leaflet's canvas redraws.
    let _ = js_sys::eval("if (!window.__rd) { const orig = L.Canvas.prototype._redraw; L.Canvas.prototype._redraw = function() { const t = performance.now(); orig.call(this); const d = performance.now()-t; __rd.n++; __rd.ms += d; __rd.max = Math.max(__rd.max, d); }; } window.__rd = {n:0, ms:0, max:0};");
    let sent = Rc::new(RefCell::new(0u64));
    let s2 = sent.clone();
    let (n, longest) = frames(SECONDS * 1000.0, move |elapsed| {
        let due = (elapsed / 1000.0 * RATE) as u64;
        let mut k = s2.borrow_mut();
        while *k < due {
            let i = *k;
            let id = (i * 7 % u64::from(STATIONS)) as u16 + 1;
            let seq = (2 + i / u64::from(STATIONS)) as u16;
            let (lat, lon) = place(id);
            let moved = if i % 10 == 0 {
                0.001 * (seq % 5) as f64
            } else {
                0.0
            };
            ctx.ingest("iotdata/raw/00a0", &weather(id, seq, (lat + moved, lon)));
            *k += 1;
        }
    })
    .await;
    out!(
        "map bench ({label}): {} packets in {SECONDS} s ({:.0}/s): {:.1} frames/s, longest frame {longest:.0} ms, canvas redraws {}",
        sent.borrow(),
        *sent.borrow() as f64 / SECONDS,
        f64::from(n) / SECONDS,
        js_sys::JSON::stringify(&js_sys::eval("window.__rd").unwrap()).unwrap()
    );
}

#[wasm_bindgen_test]
async fn map_bench_4095_stations_2000_packets_per_second() {
    run(Mounted::Nothing).await;
    run(Mounted::Map).await;
    run(Mounted::Station).await;
}
