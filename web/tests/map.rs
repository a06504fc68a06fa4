//! The station map in headless Chromium with the real Leaflet (loaded from
//! node_modules into the test page): markers drawn on one canvas, the exact
//! count hook, incremental updates (one station's packets touch one
//! marker), the popup on click; and the pure marker diff.
//!
//! `cargo test -p iotdata-web --target wasm32-unknown-unknown --test map`
//! (with scripts/env.sh sourced).
#![cfg(target_arch = "wasm32")]

mod common;
use common::*;

use iotdata::{Encoder, FieldValue, VariantMap};
use iotdata_web::ctx::Ctx;
use iotdata_web::store::Freshness;
use iotdata_web::views::map::StationMap;
use iotdata_web::views::map_markers::{apply_changes, marker_changes, MarkerChange, MarkerState};
use leptos::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen::JsValue;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

/// A sensor frame with battery, and a position when `at` is given.
fn frame(station: u16, seq: u16, at: Option<(f64, f64)>) -> Vec<u8> {
    let map = VariantMap::default_map();
    let mut enc = Encoder::new(&map, 0, station, seq).unwrap();
    enc.add(FieldValue::battery(80, false).unwrap()).unwrap();
    if let Some((lat, lon)) = at {
        enc.set("position", FieldValue::position(lat, lon).unwrap())
            .unwrap();
    }
    enc.finish().unwrap()
}

/// Where station `id` is placed in these tests.
fn place(id: u16) -> (f64, f64) {
    (
        50.0 + f64::from(id % 64) * 0.02,
        5.0 + f64::from(id / 64) * 0.02,
    )
}

/// Mounts the map in a sized container; the context to feed it.
fn mount_map() -> (web_sys::HtmlElement, Ctx, impl Sized) {
    load_leaflet(800, 500);
    mount_sized(800, 600, || view! { <StationMap class="map" /> })
}

fn marker_items(root: &web_sys::Element) -> Vec<web_sys::Element> {
    all(
        root,
        "[data-testid=map-markers] [data-testid=station-marker]",
    )
}

fn marker_ids(root: &web_sys::Element) -> Vec<u16> {
    let mut ids: Vec<u16> = marker_items(root)
        .iter()
        .map(|e| e.get_attribute("data-station").unwrap().parse().unwrap())
        .collect();
    ids.sort_unstable();
    ids
}

fn attr_num(root: &web_sys::Element, sel: &str, attr: &str) -> u64 {
    one(root, sel)
        .unwrap_or_else(|| panic!("{sel}"))
        .get_attribute(attr)
        .unwrap_or_else(|| panic!("{sel} {attr}"))
        .parse()
        .unwrap()
}

fn drawn_count(root: &web_sys::Element) -> u64 {
    one(root, "[data-testid=map-marker-count]")
        .unwrap()
        .text_content()
        .unwrap()
        .trim()
        .parse()
        .unwrap()
}

/// Waits until `probe` holds (up to ~4 s).
async fn until(mut probe: impl FnMut() -> bool) -> bool {
    for _ in 0..100 {
        if probe() {
            return true;
        }
        sleep(40).await;
    }
    probe()
}

#[wasm_bindgen_test]
async fn count_hook_is_exact_and_markers_are_on_a_canvas() {
    let (root, ctx, _h) = mount_map();
    // 300 stations with a position, 40 without.
    for id in 1..=340u16 {
        let at = (id <= 300).then(|| place(id));
        ctx.ingest("iotdata/raw", &frame(id, 1, at));
    }
    assert!(
        until(|| marker_items(&root).len() == 300).await,
        "300 markers, got {}",
        marker_items(&root).len()
    );
    assert_eq!(marker_ids(&root), (1..=300).collect::<Vec<u16>>());
    assert_eq!(drawn_count(&root), 300);
    assert_eq!(
        attr_num(&root, "[data-testid=map-marker-count]", "data-positioned"),
        300
    );
    // The count is Leaflet's own (markers in the layer group).
    assert_eq!(
        attr_num(&root, "[data-testid=map-markers]", "data-count"),
        300
    );
    // No DOM marker per station: one canvas in the marker pane.
    assert!(all(&root, ".leaflet-marker-icon").is_empty());
    assert_eq!(all(&root, ".leaflet-marker-pane canvas").len(), 1);
    assert!(
        marker_items(&root)
            .iter()
            .all(|e| e.get_attribute("data-freshness").as_deref() == Some("fresh")),
        "all fresh"
    );

    // A station that starts sending a position gets a marker; a cleared
    // store removes them all.
    ctx.ingest("iotdata/raw", &frame(333, 2, Some(place(333))));
    assert!(until(|| drawn_count(&root) == 301).await);
    assert!(marker_ids(&root).contains(&333));
    ctx.live.clear();
    assert!(until(|| drawn_count(&root) == 0).await);
    assert!(marker_items(&root).is_empty());
    assert_eq!(
        attr_num(&root, "[data-testid=map-markers]", "data-count"),
        0
    );
}

#[wasm_bindgen_test]
async fn one_stations_updates_touch_only_its_marker() {
    let (root, ctx, _h) = mount_map();
    // Receive times a minute apart from now on: every station stays fresh
    // whatever the clock does during the test (no restyle to count).
    let t0 = js_sys::Date::now();
    let at = |step: u16| t0 + f64::from(step) * 60_000.0;
    for id in 1..=500u16 {
        ctx.live
            .ingest(at(0), "iotdata/raw", &frame(id, 1, Some(place(id))));
    }
    assert!(until(|| drawn_count(&root) == 500).await);
    settle().await;
    // Mark every entry: a re-created marker would lose the mark.
    for e in marker_items(&root) {
        e.set_attribute("data-probe", "1").unwrap();
    }
    let before = attr_num(&root, "[data-testid=map-markers]", "data-changes");

    // 12 packets of station 77, each moving it, each in its own frame; and
    // packets of other stations that change nothing drawn.
    for step in 1..=12u16 {
        let seq = step + 1;
        let (lat, lon) = place(77);
        let pos = (lat + f64::from(step) * 0.001, lon);
        ctx.live
            .ingest(at(step), "iotdata/raw", &frame(77, seq, Some(pos)));
        let other = 200 + step;
        ctx.live.ingest(
            at(step),
            "iotdata/raw",
            &frame(other, seq, Some(place(other))),
        );
        sleep(40).await;
    }
    settle().await;
    let after = attr_num(&root, "[data-testid=map-markers]", "data-changes");
    assert_eq!(after - before, 12, "one move per packet of station 77");
    let items = marker_items(&root);
    assert_eq!(items.len(), 500);
    assert!(
        items.iter().all(|e| e.has_attribute("data-probe")),
        "no marker re-created"
    );
    let moved = one(&root, "[data-testid=map-markers] [data-station=\"77\"]").unwrap();
    let lat: f64 = moved.get_attribute("data-lat").unwrap().parse().unwrap();
    assert!((lat - (place(77).0 + 0.012)).abs() < 1e-4, "lat {lat}");
}

/// A pixel of the canvas in a marker's fill colour, in client coordinates.
fn marker_pixel(root: &web_sys::Element) -> Option<(f64, f64)> {
    let canvas: web_sys::HtmlCanvasElement =
        one(root, ".leaflet-marker-pane canvas")?.unchecked_into();
    let cx: web_sys::CanvasRenderingContext2d = canvas.get_context("2d").ok()??.unchecked_into();
    let (w, h) = (canvas.width(), canvas.height());
    let data = cx
        .get_image_data(0.0, 0.0, f64::from(w), f64::from(h))
        .ok()?
        .data();
    let rect = canvas.get_bounding_client_rect();
    // --ok (#1f9d55) is not set in the test page: the fallback colour.
    let (r, g, b) = (0x1f_i32, 0x9d_i32, 0x55_i32);
    for y in 0..h {
        for x in 0..w {
            let i = ((y * w + x) * 4) as usize;
            let px = &data[i..i + 4];
            if px[3] > 200
                && (i32::from(px[0]) - r).abs() < 12
                && (i32::from(px[1]) - g).abs() < 12
                && (i32::from(px[2]) - b).abs() < 12
            {
                let sx = rect.width() / f64::from(w);
                let sy = rect.height() / f64::from(h);
                return Some((
                    rect.left() + (f64::from(x) + 0.5) * sx,
                    rect.top() + (f64::from(y) + 0.5) * sy,
                ));
            }
        }
    }
    None
}

fn click_at(el: &web_sys::Element, x: f64, y: f64) {
    let w: JsValue = window().into();
    let ctor: js_sys::Function = js_sys::Reflect::get(&w, &"MouseEvent".into())
        .unwrap()
        .unchecked_into();
    let init = js_sys::Object::new();
    for (k, v) in [
        ("bubbles", JsValue::TRUE),
        ("cancelable", JsValue::TRUE),
        ("clientX", x.into()),
        ("clientY", y.into()),
    ] {
        js_sys::Reflect::set(&init, &k.into(), &v).unwrap();
    }
    for kind in ["mousedown", "mouseup", "click"] {
        let ev =
            js_sys::Reflect::construct(&ctor, &js_sys::Array::of2(&kind.into(), &init)).unwrap();
        el.dispatch_event(ev.unchecked_ref()).unwrap();
    }
}

#[wasm_bindgen_test]
async fn a_click_on_a_drawn_marker_opens_its_popup() {
    let (root, ctx, _h) = mount_map();
    ctx.ingest("iotdata/raw", &frame(0x123, 1, Some((48.2, 16.37))));
    assert!(until(|| drawn_count(&root) == 1).await);
    let mut at = None;
    assert!(
        until(|| {
            at = marker_pixel(&root);
            at.is_some()
        })
        .await,
        "the marker is drawn on the canvas"
    );
    let (x, y) = at.unwrap();
    let canvas = one(&root, ".leaflet-marker-pane canvas").unwrap();
    click_at(&canvas, x, y);
    assert!(
        until(|| one(&root, ".leaflet-popup [data-testid=map-popup]").is_some()).await,
        "popup open"
    );
    let popup = one(&root, ".leaflet-popup [data-testid=map-popup]").unwrap();
    assert_eq!(popup.get_attribute("data-station").as_deref(), Some("291"));
    let text = popup.text_content().unwrap();
    assert!(text.contains("Station 291 (0x123)"), "{text}");
    assert!(text.contains("battery: "), "{text}");
    assert_eq!(
        one(&popup, "a").unwrap().get_attribute("href").as_deref(),
        Some("#/station/291")
    );
    let item = one(&root, "[data-testid=map-markers] [data-station=\"291\"]").unwrap();
    assert!(until(|| item.get_attribute("data-selected").as_deref() == Some("true")).await);

    // Closing the popup clears the selection.
    let close: web_sys::HtmlElement = one(&root, ".leaflet-popup-close-button")
        .unwrap()
        .unchecked_into();
    close.click();
    assert!(
        until(|| !item.has_attribute("data-selected")).await,
        "deselected"
    );
    assert!(
        until(|| one(&root, ".leaflet-popup").is_none()).await,
        "popup closed"
    );
}

fn m(id: u16, lat: f64, fresh: Freshness, selected: bool) -> MarkerState {
    MarkerState {
        id,
        lat,
        lon: 1.0,
        fresh,
        selected,
    }
}

#[wasm_bindgen_test]
fn marker_changes_are_the_difference_only() {
    use Freshness::*;
    let prev = [
        m(1, 1.0, Fresh, false),
        m(2, 2.0, Fresh, false),
        m(4, 4.0, Late, false),
        m(9, 9.0, Fresh, false),
    ];
    let next = [
        m(1, 1.0, Fresh, false), // unchanged
        m(2, 2.5, Stale, true),  // moved and restyled
        m(3, 3.0, Fresh, false), // added
        m(9, 9.0, Fresh, false), // unchanged (4 removed)
        m(10, 1.0, Late, false), // added
    ];
    let ch = marker_changes(&prev, &next);
    assert_eq!(
        ch,
        vec![
            MarkerChange::Move {
                id: 2,
                lat: 2.5,
                lon: 1.0
            },
            MarkerChange::Restyle {
                id: 2,
                fresh: Stale,
                selected: true
            },
            MarkerChange::Add(next[2]),
            MarkerChange::Remove(4),
            MarkerChange::Add(next[4]),
        ]
    );
    assert_eq!(apply_changes(&prev, &ch), next.to_vec());
    assert!(marker_changes(&next, &next).is_empty());
    assert_eq!(marker_changes(&[], &next).len(), next.len());
}

/// A small deterministic generator (xorshift).
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn states(&mut self, n: u16) -> Vec<MarkerState> {
        let fresh = [Freshness::Fresh, Freshness::Late, Freshness::Stale];
        let mut out = Vec::new();
        for id in 0..n {
            if self.next() % 3 == 0 {
                continue;
            }
            out.push(MarkerState {
                id,
                lat: (self.next() % 4) as f64,
                lon: (self.next() % 2) as f64,
                fresh: fresh[(self.next() % 3) as usize],
                selected: self.next() % 50 == 0,
            });
        }
        out
    }
}

#[wasm_bindgen_test]
fn applying_any_prefix_of_the_changes_converges() {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    for _ in 0..200 {
        let prev = rng.states(60);
        let next = rng.states(60);
        let ch = marker_changes(&prev, &next);
        assert_eq!(apply_changes(&prev, &ch), next);
        // Applied in frames of at most `k` changes, as the map does.
        let k = 1 + (rng.next() % 7) as usize;
        let mut cur = prev.clone();
        let mut frames = 0;
        loop {
            let ch = marker_changes(&cur, &next);
            if ch.is_empty() {
                break;
            }
            cur = apply_changes(&cur, &ch[..k.min(ch.len())]);
            frames += 1;
            assert!(frames <= 400, "converges");
        }
        assert_eq!(cur, next);
        // Only stations that differ are touched.
        for c in marker_changes(&prev, &next) {
            let a = prev.iter().find(|m| m.id == c.id());
            let b = next.iter().find(|m| m.id == c.id());
            assert_ne!(a, b, "{c:?}");
        }
    }
}
