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
use iotdata_web::ctx::{now_ms, Ctx};
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

/// Every parent edge `(from, to)` is drawn in `root`.
fn assert_parent_edges(root: &web_sys::Element, parents: &[(u16, u16)]) {
    for (from, to) in parents {
        assert!(
            one(
                root,
                &format!(
                    "[data-testid=mesh-edge][data-kind=parent][data-from='{from}'][data-to='{to}']"
                )
            )
            .is_some(),
            "parent edge {from} -> {to}"
        );
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
    assert_parent_edges(&root, &parents);
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
async fn a_clock_tick_refades_without_rebuilding_the_graph() {
    use iotdata_web::views::mesh::scene::scene_builds;
    let root = container();
    let (ctx, _handle) = mount(&root, || view! { <MeshView /> });
    play(&ctx, 15);
    settle().await;
    let opacity = |id: u16| {
        one(&root, &format!("[data-testid=mesh-node][data-node='{id}']"))
            .and_then(|n| n.get_attribute("opacity"))
    };
    assert_eq!(opacity(0x104).as_deref(), Some("1.00"));
    let builds = scene_builds();
    let edge = one(&root, "[data-testid=mesh-edge][data-kind=parent]").expect("a parent edge");
    // A tick: nothing is rebuilt.
    ctx.clock.set(now_ms() + 1_000.0);
    settle().await;
    assert_eq!(scene_builds(), builds, "a tick rebuilt the scene");
    // Half an hour of silence: everything fades, still without a rebuild,
    // and the edge elements are the same ones.
    ctx.clock.set(now_ms() + 1_800_000.0);
    settle().await;
    assert_eq!(scene_builds(), builds, "fading rebuilt the scene");
    assert_eq!(opacity(0x104).as_deref(), Some("0.25"));
    assert_eq!(edge.get_attribute("opacity").as_deref(), Some("0.25"));
    assert!(edge.is_connected(), "edge elements kept");
}

/// A NEIGHBOUR_REPORT frame of `relay` (parent `parent`, cost `cost`,
/// gateway `gw`), neighbours as `(id, cost, rssi dBm)`.
fn report_frame(
    relay: u16,
    seq: u16,
    gw: u16,
    parent: u16,
    cost: u8,
    nb: &[(u16, u8, i32)],
) -> Vec<u8> {
    use iotdata::mesh::{MeshBody, MeshPacket, Neighbour};
    MeshPacket {
        sender_station: relay,
        sender_seq: seq,
        body: MeshBody::NeighbourReport {
            parent_id: parent,
            my_cost: cost,
            gateway_id: gw,
            neighbours: nb
                .iter()
                .map(|&(id, cost, rssi)| Neighbour {
                    cost,
                    rssi_q4: iotdata::mesh::rssi_to_q4(rssi),
                    station_id: id,
                })
                .collect(),
        },
    }
    .to_bytes()
    .expect("report encodes")
}

/// A sensor frame of `station` forwarded by `relay`.
fn forward_frame(map: &iotdata::VariantMap, station: u16, relay: u16, seq: u16) -> Vec<u8> {
    use iotdata::mesh::{MeshBody, MeshPacket};
    let mut enc = iotdata::Encoder::new(map, 0, station, seq).expect("encoder");
    enc.add(iotdata::FieldValue::battery(80, false).expect("battery"))
        .expect("add");
    MeshPacket {
        sender_station: relay,
        sender_seq: seq,
        body: MeshBody::Forward {
            ttl: 3,
            inner: enc.finish().expect("frame"),
        },
    }
    .to_bytes()
    .expect("forward encodes")
}

/// Runs the pending flush and times it: until the effects it starts are
/// done (a zero timeout runs after them), then until the next frame is
/// drawn. Milliseconds.
async fn timed_flush(ctx: &Ctx) -> (f64, f64) {
    let t0 = now_ms();
    ctx.live.flush();
    sleep(0).await;
    let update = now_ms() - t0;
    next_frame().await;
    next_frame().await;
    (update, now_ms() - t0)
}

/// Resolves at the next animation frame.
async fn next_frame() {
    let p = js_sys::Promise::new(&mut |resolve, _| {
        request_animation_frame(move || {
            drop(resolve.call0(&wasm_bindgen::JsValue::NULL));
        });
    });
    wasm_bindgen_futures::JsFuture::from(p).await.unwrap();
}

/// Elements under `root`.
fn elements(root: &web_sys::Element) -> usize {
    root.query_selector_all("*")
        .map_or(0, |l| l.length() as usize)
}

#[wasm_bindgen_test]
async fn big_mesh_draws_groups_and_merged_links_within_bounds() {
    use iotdata_web::views::mesh::scene::EDGE_ELEMENT_LIMIT;
    let root = container();
    let (ctx, _handle) = mount(&root, || view! { <MeshView /> });
    let map = iotdata::VariantMap::default_map();
    ctx.live.set_map(map.clone());
    settle().await;
    // Scenario (b): 2 gateways, 64 relays reporting 63 neighbours each,
    // 4,000 sensors through FORWARDs.
    let t = now_ms() - 60_000.0;
    let t0 = now_ms();
    for id in 3..=66u16 {
        let gw = 1 + id % 2;
        let nb: Vec<(u16, u8, i32)> = (1..=66u16)
            .filter(|&o| o != id)
            .take(63)
            .map(|o| (o, u8::from(o > 2), -119 + i32::from((o * 7 + id * 3) % 58)))
            .collect();
        let topic = format!("iotdata/raw/{gw:04x}");
        ctx.live
            .ingest(t, &topic, &report_frame(id, 1, gw, gw, 1, &nb));
    }
    for s in 0..4000u16 {
        let relay = 3 + s % 64;
        let topic = format!("iotdata/raw/{:04x}", 1 + relay % 2);
        ctx.live
            .ingest(t, &topic, &forward_frame(&map, 67 + s, relay, s + 2));
    }
    let ingest_ms = now_ms() - t0;
    let (update_ms, frame_ms) = timed_flush(&ctx).await;
    settle().await;
    let groups = all(&root, "[data-testid=mesh-group]");
    assert_eq!(groups.len(), 64);
    let grouped: usize = groups
        .iter()
        .filter_map(|g| g.get_attribute("data-count")?.parse::<usize>().ok())
        .sum();
    assert_eq!(grouped, 4000);
    let summary = one(&root, "[data-testid=mesh-summary]").expect("summary");
    assert_eq!(
        summary.get_attribute("data-sensors-grouped").as_deref(),
        Some("4000")
    );
    let total: usize = ctx.live.with(|s| s.receiver().topology().edges().len());
    assert_eq!(
        summary.get_attribute("data-links-total"),
        Some(total.to_string())
    );
    assert!(summary
        .text_content()
        .unwrap_or_default()
        .contains("4,000 sensors grouped"));
    assert_eq!(all(&root, "[data-testid=mesh-node]").len(), 66);
    assert!(all(&root, "[data-testid=mesh-edge]").len() <= EDGE_ELEMENT_LIMIT);
    // Every parent edge is drawn.
    let parents: Vec<(u16, u16)> = ctx.live.with(|s| {
        s.receiver()
            .topology()
            .edges()
            .into_iter()
            .filter(|e| e.kind == EdgeKind::Parent)
            .map(|e| (e.from, e.to))
            .collect()
    });
    assert_eq!(parents.len(), 64);
    assert_parent_edges(&root, &parents);
    let before = elements(&root);
    // A click on a group shows its sensors.
    let g3 = one(&root, "[data-testid=mesh-group][data-anchor='3']").expect("group of 3");
    let n3: usize = g3
        .get_attribute("data-count")
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    let t1 = now_ms();
    mouse(&g3, "click");
    settle().await;
    let expand_ms = now_ms() - t1;
    assert_eq!(
        all(&root, "[data-testid=mesh-node][data-role=sensor]").len(),
        n3
    );
    assert!(one(&root, "[data-testid=mesh-group][data-anchor='3']").is_none());
    let builds = iotdata_web::views::mesh::scene::scene_builds();
    let t2 = now_ms();
    ctx.clock.set(now_ms() + 1_000.0);
    sleep(0).await;
    let tick_ms = now_ms() - t2;
    assert_eq!(iotdata_web::views::mesh::scene::scene_builds(), builds);
    console_log!(
        "mesh (b): ingest {ingest_ms:.0} ms; update {update_ms:.0} ms, drawn after {frame_ms:.0} ms; {before} elements; a tick {tick_ms:.1} ms; expand a group {expand_ms:.0} ms (incl. 160 ms settling)"
    );
}

#[wasm_bindgen_test]
async fn worst_case_mesh_draws_the_parent_tree_in_merged_paths() {
    let root = container();
    let (ctx, _handle) = mount(&root, || view! { <MeshView /> });
    settle().await;
    // Scenario (c): 4,095 nodes, each relay reporting 63 neighbours.
    let t = now_ms() - 60_000.0;
    let parent = |id: u16| {
        if id <= 10 {
            1 + id % 2
        } else {
            3 + (id - 11) / 8
        }
    };
    let mut frames = Vec::new();
    for id in 3..=4095u16 {
        let mut top = parent(id);
        let mut depth = 1u8;
        while top > 2 {
            depth = depth.saturating_add(1);
            top = parent(top);
        }
        let nb: Vec<(u16, u8, i32)> = (0..63u32)
            .map(|j| ((u32::from(id) * 7 + j * 61) % 4093 + 3) as u16)
            .filter(|&o| o != id)
            .enumerate()
            .map(|(j, o)| {
                (
                    o,
                    (1 + (j % 15) as u8, -120 + ((u32::from(o) * 13) % 61) as i32),
                )
            })
            .collect::<std::collections::BTreeMap<u16, (u8, i32)>>()
            .into_iter()
            .map(|(o, (c, r))| (o, c, r))
            .collect();
        frames.push((
            format!("iotdata/raw/{top:04x}"),
            report_frame(id, 1, top, parent(id), depth, &nb),
        ));
    }
    let t0 = now_ms();
    for (topic, f) in &frames {
        ctx.live.ingest(t, topic, f);
    }
    let ingest_ms = now_ms() - t0;
    let (update_ms, frame_ms) = timed_flush(&ctx).await;
    settle().await;
    // Nodes and links drawn merged: every node listed once, with its role.
    assert!(all(&root, "[data-testid=mesh-node]").is_empty());
    assert!(all(&root, "[data-testid=mesh-edge]").is_empty());
    let mut drawn: Vec<(u16, String)> = all(&root, "[data-testid=mesh-nodes]")
        .iter()
        .flat_map(|p| {
            let role = p.get_attribute("data-role").unwrap_or_default();
            p.get_attribute("data-nodes")
                .unwrap_or_default()
                .split(' ')
                .filter_map(|id| id.parse::<u16>().ok())
                .map(|id| (id, role.clone()))
                .collect::<Vec<_>>()
        })
        .collect();
    drawn.sort();
    assert_eq!(drawn.len(), 4095);
    assert_eq!(drawn.first(), Some(&(1, "gateway".to_string())));
    assert_eq!(drawn.last(), Some(&(4095, "relay".to_string())));
    let listed: Vec<String> = all(&root, "[data-testid=mesh-edges][data-kind=parent]")
        .iter()
        .filter_map(|p| p.get_attribute("data-edges"))
        .flat_map(|e| e.split(' ').map(str::to_string).collect::<Vec<_>>())
        .collect();
    let truth: Vec<String> = ctx.live.with(|s| {
        s.receiver()
            .topology()
            .edges()
            .into_iter()
            .filter(|e| e.kind == EdgeKind::Parent)
            .map(|e| format!("{}-{}", e.from, e.to))
            .collect()
    });
    let mut a = listed.clone();
    a.sort();
    let mut b = truth.clone();
    b.sort();
    assert_eq!(a, b, "merged parent paths list exactly the parent edges");
    let count = elements(&root);
    // A bounded number of merged paths and other chrome.
    assert!(count < 500, "{count} elements");
    // A tick does not rebuild the scene.
    let builds = iotdata_web::views::mesh::scene::scene_builds();
    let t2 = now_ms();
    ctx.clock.set(now_ms() + 1_000.0);
    sleep(0).await;
    let tick_ms = now_ms() - t2;
    settle().await;
    assert_eq!(iotdata_web::views::mesh::scene::scene_builds(), builds);
    // One more report (a new neighbour): the structure changed, one
    // rebuild.
    let nb = [(5u16, 1u8, -70i32), (6, 1, -75)];
    ctx.live.ingest(
        now_ms(),
        "iotdata/raw/0001",
        &report_frame(3, 2, 1, 1, 1, &nb),
    );
    let (again_ms, again_frame_ms) = timed_flush(&ctx).await;
    assert_eq!(iotdata_web::views::mesh::scene::scene_builds(), builds + 1);
    console_log!(
        "mesh (c): ingest {ingest_ms:.0} ms; first update {update_ms:.0} ms, drawn after {frame_ms:.0} ms; {count} elements; a tick {tick_ms:.1} ms; a structural change {again_ms:.0} ms, drawn after {again_frame_ms:.0} ms"
    );
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
