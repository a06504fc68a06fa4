//! The mesh graph (`#/mesh`) and the thumbnail gallery (`#/gallery`) in
//! headless Chromium, fed by the simulator through the real pipeline: the
//! test hooks (`mesh-node`, `mesh-edge`, `thumbnail`) and what they carry.
//!
//! `cargo test -p iotdata-web --target wasm32-unknown-unknown --test
//! mesh_gallery` (with scripts/env.sh sourced). Browser-only.
#![cfg(target_arch = "wasm32")]

mod common;
use common::*;

use iotdata::receiver::EdgeKind;
use iotdata_sim::{SimConfig, Simulation};
use iotdata_web::app::{now_ms, Ctx};
use iotdata_web::settings::Settings;
use iotdata_web::views::{gallery::Gallery, mesh::MeshView};
use leptos::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

/// Mounts `view` with a fresh context whose map is the simulator's.
fn mount<V: IntoView + 'static>(
    root: &web_sys::HtmlElement,
    view: impl FnOnce() -> V + 'static,
) -> (Ctx, Box<dyn std::any::Any>) {
    let ctx = StoredValue::new_local(None::<Ctx>);
    let handle = leptos::mount::mount_to(root.clone(), move || {
        let c = Ctx::provide(Settings::default(), false);
        c.live.set_map(iotdata_sim::sim_map());
        ctx.set_value(Some(c));
        view()
    });
    (ctx.get_value().unwrap(), Box::new(handle))
}

/// Plays `minutes` of the default simulation into the pipeline, stamped so
/// that the last frame arrives now.
fn play(ctx: &Ctx, minutes: u64) {
    let mut sim = Simulation::new(SimConfig::default());
    let end = minutes * 60_000;
    let base = now_ms() - end as f64;
    for f in sim.advance(end) {
        let topic = format!("iotdata/raw/{:04x}", f.gateway);
        ctx.live.ingest(base + f.time_ms as f64, &topic, &f.bytes);
    }
}

#[wasm_bindgen_test]
async fn mesh_graph_shows_the_simulated_network() {
    let root = container();
    let (ctx, _handle) = mount(&root, || view! { <MeshView /> });
    play(&ctx, 15);
    settle().await;

    let node = |id: u16| one(&root, &format!("[data-testid=mesh-node][data-node='{id}']"));
    for (id, role) in [
        (1, "gateway"),
        (2, "gateway"),
        (0x101, "relay"),
        (0x102, "relay"),
        (0x103, "relay"),
        (0x104, "relay"),
        (0x105, "relay"),
        (0x201, "sensor"),
    ] {
        let n = node(id).unwrap_or_else(|| panic!("node {id} drawn"));
        assert_eq!(n.get_attribute("data-role").as_deref(), Some(role), "{id}");
    }
    // HOP-1 shut down at 12 minutes: orphaned, with its ROUTE_ERROR reason.
    let hop1 = node(0x101).unwrap();
    assert_eq!(hop1.get_attribute("data-orphan").as_deref(), Some("true"));
    assert_eq!(
        hop1.get_attribute("data-route-error").as_deref(),
        Some("shutdown")
    );
    assert!(node(0x104).unwrap().get_attribute("data-orphan").is_none());

    // Every parent edge of the receiver's topology is drawn.
    let parents: Vec<(u16, u16)> = ctx.live.with(|s| {
        s.receiver()
            .topology()
            .edges()
            .into_iter()
            .filter(|e| e.kind == EdgeKind::Parent)
            .map(|e| (e.from, e.to))
            .collect()
    });
    assert!(parents.contains(&(0x104, 2)), "{parents:?}");
    assert!(parents.contains(&(0x105, 0x104)), "{parents:?}");
    for (from, to) in &parents {
        assert!(
            one(
                &root,
                &format!(
                    "[data-testid=mesh-edge][data-kind=parent][data-from='{from}'][data-to='{to}']"
                )
            )
            .is_some(),
            "parent edge {from} -> {to}"
        );
    }
    let kinds: Vec<String> = all(&root, "[data-testid=mesh-edge]")
        .iter()
        .filter_map(|e| e.get_attribute("data-kind"))
        .collect();
    assert!(kinds.iter().any(|k| k == "neighbour"));
    assert!(kinds.iter().any(|k| k == "via"));

    // Hiding sensors removes sensor nodes (and their via links).
    let toggle: web_sys::HtmlInputElement = one(&root, "[data-testid=mesh-toggle-sensors]")
        .unwrap()
        .unchecked_into();
    toggle.set_checked(false);
    mouse(&toggle, "change");
    settle().await;
    assert!(all(&root, "[data-testid=mesh-node][data-role=sensor]").is_empty());
    assert!(all(&root, "[data-testid=mesh-edge][data-kind=via]").is_empty());
    assert_eq!(all(&root, "[data-testid=mesh-node]").len(), 7);

    // A click opens the side panel with the node's neighbour table.
    mouse(&node(0x102).unwrap(), "click");
    settle().await;
    let panel = one(&root, "[data-testid=mesh-panel]").expect("panel open");
    assert_eq!(panel.get_attribute("data-node").as_deref(), Some("258"));
    assert!(!all(&root, "[data-testid=mesh-neighbours] tbody tr").is_empty());
}

#[wasm_bindgen_test]
async fn gallery_shows_thumbnails_and_error_tiles() {
    let root = container();
    let (ctx, _handle) = mount(&root, || view! { <Gallery /> });
    play(&ctx, 6);
    settle().await;
    let thumbs = all(&root, "canvas[data-testid=thumbnail]");
    assert!(!thumbs.is_empty(), "thumbnails drawn");
    let mut stations: Vec<String> = thumbs
        .iter()
        .filter_map(|t| t.get_attribute("data-station"))
        .collect();
    stations.sort();
    stations.dedup();
    assert_eq!(stations, ["609", "610"], "CAM-1 and CAM-2");
    // At least one canvas is not blank (more than one grey level).
    let varied = thumbs.iter().any(|c| {
        let c: web_sys::HtmlCanvasElement = c.clone().unchecked_into();
        let ctx: web_sys::CanvasRenderingContext2d =
            c.get_context("2d").unwrap().unwrap().unchecked_into();
        let data = ctx
            .get_image_data(0.0, 0.0, c.width().into(), c.height().into())
            .unwrap()
            .data();
        data.chunks(4).any(|p| p[0] != data[0])
    });
    assert!(varied, "a thumbnail has content");
    // Newest first, and a click opens the frame in the inspector.
    let link = one(&root, ".gallery-pic").expect("link");
    assert!(link
        .get_attribute("href")
        .is_some_and(|h| h.starts_with("#hex=")));

    // A picture that does not decompress (raw data too short) becomes an
    // error tile, and the page goes on.
    let image = iotdata::image::Image::from_wire(0x10, vec![1, 2, 3, 4]).unwrap();
    let map = iotdata_sim::sim_map();
    let mut enc = iotdata::Encoder::new(&map, 6, 0x263, 1).unwrap();
    enc.set("thumbnail", iotdata::FieldValue::Image(image))
        .unwrap();
    let frame = enc.finish().unwrap();
    ctx.live.ingest(now_ms(), "iotdata/raw/0001", &frame);
    settle().await;
    let err = one(&root, "[data-testid=thumbnail][data-station='611']").expect("error tile");
    assert_eq!(err.get_attribute("data-state").as_deref(), Some("error"));
    let first = one(&root, "[data-testid=gallery-tile]").unwrap();
    assert_eq!(first.get_attribute("data-station").as_deref(), Some("611"));
}
