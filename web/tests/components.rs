//! Component tests in headless Chromium: mount views with a test context,
//! feed messages through the real pipeline and check the DOM test hooks.
//!
//! `cargo test -p iotdata-web --target wasm32-unknown-unknown` (with
//! scripts/env.sh sourced). Browser-only: nothing runs natively.
#![cfg(target_arch = "wasm32")]

mod common;
use common::*;
#[path = "support/fixtures.rs"]
mod fixtures;

use iotdata_web::ctx::Ctx;
use iotdata_web::mqtt::MqttVersion;
use iotdata_web::settings::Settings;
use iotdata_web::views::{inspector::Inspector, packet_log::PacketLog, stations::StationsTable};
use leptos::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

const FRAME_HEX: &str = "002ac350bf7eeef4acddf3180940cdc2762580c80196a3188466c2784f5f8210";

fn set_textarea(root: &web_sys::HtmlElement, text: &str) {
    let ta: web_sys::HtmlTextAreaElement = one(root, "[data-testid=inspector-input]")
        .unwrap()
        .unchecked_into();
    ta.set_value(text);
    let ev = web_sys::Event::new("input").unwrap();
    ta.dispatch_event(&ev).unwrap();
}

#[wasm_bindgen_test]
async fn inspector_decodes_a_vector_and_keeps_bad_text() {
    let root = container();
    let _handle = leptos::mount::mount_to(root.clone(), || {
        Ctx::provide(Settings::default(), false);
        view! { <Inspector initial=FRAME_HEX.to_string() /> }
    });
    settle().await;
    let json = one(&root, "[data-testid=inspector-json]").expect("canonical JSON shown");
    let text = json.text_content().unwrap();
    // Compact or pretty-printed: the same canonical document.
    let doc: serde_json::Value = serde_json::from_str(&text).expect("JSON text");
    assert_eq!(
        (doc["variant"].as_u64(), doc["station"].as_u64()),
        (Some(0), Some(42)),
        "{text}"
    );
    assert!(one(&root, "[data-testid=inspector-error]").is_none());
    assert!(
        all(&root, "table.dump tbody tr").len() > 10,
        "bit dump rows"
    );

    // A truncated frame: error with its kind, the text stays as typed.
    let truncated = &FRAME_HEX[..20];
    set_textarea(&root, truncated);
    settle().await;
    let err = one(&root, "[data-testid=inspector-error]").expect("error shown");
    assert_eq!(err.get_attribute("data-kind").as_deref(), Some("truncated"));
    assert!(one(&root, "[data-testid=inspector-json]").is_none());
    let ta: web_sys::HtmlTextAreaElement = one(&root, "[data-testid=inspector-input]")
        .unwrap()
        .unchecked_into();
    assert_eq!(ta.value(), truncated);

    // Not hex at all.
    set_textarea(&root, "00 2a zz");
    settle().await;
    let err = one(&root, "[data-testid=inspector-error]").expect("hex error shown");
    assert_eq!(err.get_attribute("data-kind").as_deref(), Some("hex"));
    assert_eq!(ta.value(), "00 2a zz");

    // Pretty input is accepted and the hash becomes the shareable link.
    set_textarea(&root, "0x00, 0x2a, 0xc3, 0x50, 0xbf");
    // (The hash may follow the text with a debounce.)
    for _ in 0..40 {
        settle().await;
        if window().location().hash().unwrap() == "#hex=002ac350bf" {
            break;
        }
    }
    assert_eq!(window().location().hash().unwrap(), "#hex=002ac350bf");
}

#[wasm_bindgen_test]
async fn pipeline_fills_log_and_table() {
    let (root, ctx, _handle) = mount(|| {
        view! {
            <StationsTable />
            <PacketLog />
        }
    });
    let frame = iotdata::hex::decode(FRAME_HEX).unwrap();
    ctx.ingest("iotdata/raw", &frame);
    ctx.ingest("iotdata/hex", FRAME_HEX.as_bytes());
    ctx.ingest(
        "iotdata/mesh",
        &iotdata::hex::decode("f00100c8202a012c").unwrap(),
    );
    ctx.ingest(
        "iotdata/weather_station/0007",
        br#"{"variant":0,"station":7,"sequence":1,"battery":{"level":50,"charging":false}}"#,
    );
    ctx.ingest("somewhere/else", b"<script>alert(1)</script>");
    ctx.ingest("iotdata/raw", &frame[..9]);
    settle().await;

    let kinds: Vec<String> = all(&root, "[data-testid=packet-row]")
        .iter()
        .map(|r| r.get_attribute("data-kind").unwrap())
        .collect();
    assert_eq!(
        kinds,
        [
            "error",
            "unrecognised",
            "sensor",
            "mesh",
            "sensor",
            "sensor"
        ]
    );
    let stations: Vec<String> = all(&root, "[data-testid=station-row]")
        .iter()
        .map(|r| r.get_attribute("data-station").unwrap())
        .collect();
    // Sensor stations only (the mesh ACK's sender is a mesh node, not a
    // row); the hex copy of the frame is a duplicate, not a second station.
    assert_eq!(stations, ["7", "42"]);
    // Station links: a sensor packet's to its station page, a mesh
    // packet's to the sender's node in the mesh graph.
    let links: Vec<(String, Option<String>)> = all(&root, "[data-testid=packet-row]")
        .iter()
        .map(|r| {
            let kind = r.get_attribute("data-kind").unwrap();
            let href = one(r, "td.num a").and_then(|a| a.get_attribute("href"));
            (kind, href)
        })
        .collect();
    assert!(
        links.contains(&("mesh".into(), Some("#/mesh?node=1".into()))),
        "{links:?}"
    );
    assert!(
        links.contains(&("sensor".into(), Some("#/station/42".into()))),
        "{links:?}"
    );
    let dup = all(&root, "[data-testid=packet-row].dup");
    assert_eq!(dup.len(), 1, "the hex copy is marked as a duplicate");
    // Untrusted text is text: no element was created from the payload.
    assert!(root.query_selector("script").unwrap().is_none());
    assert!(
        root.text_content().unwrap().contains("3c 73 63 72"),
        "first bytes shown as hex"
    );
}

#[wasm_bindgen_test]
async fn demo_feed_fills_the_table_through_the_pipeline() {
    let (root, ctx, _handle) = mount(|| {
        view! {
            <StationsTable />
            <PacketLog limit=200 />
        }
    });
    // The user's map before the demo (given back when it stops).
    assert!(ctx.maps.select(iotdata_web::maps::DEFAULT_KEY));
    // The page fetches the recording (e2e/demo-feed.test.mjs); here it is
    // at hand.
    let capture = iotdata_web::demo::Capture::parse(include_bytes!("../../static/demo-feed.bin"))
        .expect("the committed recording");
    iotdata_web::demo::run::start_with(ctx, capture);
    settle().await;
    assert!(ctx.demo_running.get_untracked());
    // The simulator's map is active, so every frame decodes.
    assert_eq!(ctx.maps.active.get_untracked(), iotdata_web::maps::SIM_KEY);
    let rows: Vec<u16> = all(&root, "[data-testid=station-row]")
        .iter()
        .map(|r| r.get_attribute("data-station").unwrap().parse().unwrap())
        .collect();
    assert!(rows.len() >= 10, "{rows:?}");
    let sensors = fixtures::sim_sensor_ids();
    assert!(rows.iter().all(|id| sensors.contains(id)), "{rows:?}");
    let kinds: std::collections::HashSet<String> = all(&root, "[data-testid=packet-row]")
        .iter()
        .map(|r| r.get_attribute("data-kind").unwrap())
        .collect();
    assert_eq!(
        kinds,
        ["sensor", "mesh"].iter().map(|s| s.to_string()).collect()
    );
    // It keeps running on its timer; stopping it stops the feed.
    let before = ctx.live.with(|s| s.total_messages);
    for _ in 0..20 {
        settle().await;
        if ctx.live.with(|s| s.total_messages) > before {
            break;
        }
    }
    assert!(ctx.live.with(|s| s.total_messages) > before, "live frames");
    ctx.stop_demo();
    let stopped = ctx.live.with(|s| s.total_messages);
    settle().await;
    settle().await;
    assert_eq!(ctx.live.with(|s| s.total_messages), stopped);
    assert!(!ctx.demo_running.get_untracked());
    assert_eq!(
        ctx.maps.active.get_untracked(),
        iotdata_web::maps::DEFAULT_KEY,
        "the map active before the demo is active again"
    );
    assert_eq!(
        ctx.live.with(|s| s.receiver().map().name.clone()),
        ctx.maps.current.with_untracked(|m| m.name.clone())
    );
}

/// A station frame of the default map (battery and environment).
fn station_frame(station: u16, seq: u16) -> Vec<u8> {
    let map = iotdata::VariantMap::default_map();
    let mut enc = iotdata::Encoder::new(&map, 0, station, seq).unwrap();
    enc.add(iotdata::FieldValue::battery(60, false).unwrap())
        .unwrap();
    enc.finish().unwrap()
}

fn row_ids(root: &web_sys::Element) -> Vec<u16> {
    all(root, "[data-testid=station-row]")
        .iter()
        .map(|r| r.get_attribute("data-station").unwrap().parse().unwrap())
        .collect()
}

/// 4,095 stations: the count is exact, only a window of rows is in the
/// DOM, scrolling moves the window, the filter and the sort act on every
/// station, and a station heard again moves in the order.
#[wasm_bindgen_test]
async fn stations_table_windows_4095_rows() {
    use iotdata_web::views::stations::STATION_ROWS;
    use iotdata_web::views::virtual_list::ROW_HEIGHT_PX;
    let (root, ctx, _handle) = mount(|| view! { <StationsTable /> });
    for id in 0..4095u16 {
        ctx.ingest("iotdata/raw", &station_frame(id, 1));
    }
    settle().await;
    let count = one(&root, "[data-testid=station-count]").expect("station-count");
    assert_eq!(count.get_attribute("data-total").as_deref(), Some("4095"));
    assert_eq!(count.text_content().as_deref(), Some("4095"));
    let rows = row_ids(&root);
    assert!(
        rows.len() >= STATION_ROWS.min(4095) && rows.len() <= 200,
        "{} rows in the DOM",
        rows.len()
    );
    assert_eq!(rows[..3], [0, 1, 2], "sorted by id");

    // A 400 px viewport scrolled to row 2,000.
    let wrap: web_sys::HtmlElement = one(&root, ".vlist").unwrap().unchecked_into();
    wrap.set_attribute("style", "height:400px;overflow:auto")
        .unwrap();
    wrap.set_scroll_top((2000.0 * ROW_HEIGHT_PX) as i32);
    wrap.dispatch_event(&web_sys::Event::new("scroll").unwrap())
        .unwrap();
    settle().await;
    let rows = row_ids(&root);
    assert!(rows.len() <= 200, "{} rows after scrolling", rows.len());
    assert!(
        rows.contains(&2000) && rows.contains(&2010) && !rows.contains(&0),
        "window around row 2000: {:?}..{:?}",
        rows.first(),
        rows.last()
    );

    // Filter: every station matching, counted exactly.
    let input: web_sys::HtmlInputElement = one(&root, "[data-testid=station-filter]")
        .unwrap()
        .unchecked_into();
    input.set_value("0xabc");
    input
        .dispatch_event(&web_sys::Event::new("input").unwrap())
        .unwrap();
    settle().await;
    assert_eq!(row_ids(&root), [0xabc]);
    assert_eq!(count.get_attribute("data-shown").as_deref(), Some("1"));
    assert_eq!(count.get_attribute("data-total").as_deref(), Some("4095"));
    input.set_value("");
    input
        .dispatch_event(&web_sys::Event::new("input").unwrap())
        .unwrap();

    // Sort by last heard (most recent first); a station heard again comes
    // to the top.
    wrap.set_scroll_top(0);
    wrap.dispatch_event(&web_sys::Event::new("scroll").unwrap())
        .unwrap();
    let heard = all(&root, "th.sortable")
        .into_iter()
        .find(|th| th.text_content().unwrap_or_default().contains("Last heard"))
        .unwrap();
    mouse(&heard, "click");
    settle().await;
    sleep(20).await;
    ctx.live.ingest(
        iotdata_web::ctx::now_ms() + 5_000.0,
        "iotdata/raw",
        &station_frame(1234, 2),
    );
    settle().await;
    assert_eq!(row_ids(&root).first(), Some(&1234));
    assert_eq!(count.get_attribute("data-total").as_deref(), Some("4095"));
}

/// The settings panel shows the MQTT version from the settings (here as a
/// `?mqtt=5` link would set it), and the shareable link follows the form as
/// it is edited: the version and the broker.
#[wasm_bindgen_test]
async fn settings_panel_mqtt_version_and_live_share_link() {
    let (root, _handle) = open_settings_panel(Settings {
        mqtt: MqttVersion::V5,
        ..Settings::default()
    })
    .await;
    let select: web_sys::HtmlSelectElement = one(&root, "[data-testid=settings-mqtt]")
        .expect("MQTT version select")
        .unchecked_into();
    assert_eq!(select.value(), "5");
    let share = || one(&root, "code.share").unwrap().text_content().unwrap();
    assert!(share().ends_with("&mqtt=5"), "{}", share());

    select.set_value("3.1.1");
    select
        .dispatch_event(&web_sys::Event::new("change").unwrap())
        .unwrap();
    settle().await;
    assert!(
        !share().contains("mqtt="),
        "3.1.1 is the default: {}",
        share()
    );

    let broker: web_sys::HtmlInputElement = one(&root, "[data-testid=settings-broker]")
        .unwrap()
        .unchecked_into();
    broker.set_value("ws://broker.example:9001/mqtt");
    broker
        .dispatch_event(&web_sys::Event::new("input").unwrap())
        .unwrap();
    settle().await;
    assert!(
        share().contains("broker=ws%3A%2F%2Fbroker.example%3A9001%2Fmqtt"),
        "{}",
        share()
    );

    let keepalive: web_sys::HtmlInputElement = one(&root, "[data-testid=settings-keepalive]")
        .expect("keepalive input")
        .unchecked_into();
    assert_eq!(keepalive.value(), "30");
    keepalive.set_value("120");
    keepalive
        .dispatch_event(&web_sys::Event::new("input").unwrap())
        .unwrap();
    settle().await;
    assert!(share().ends_with("&keepalive=120"), "{}", share());
}
