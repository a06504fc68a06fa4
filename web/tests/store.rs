//! The store and the ingest pipeline (payload → decode → receiver → store):
//! bounds, history keys, de-duplication through the receiver, FORWARD
//! unwrapping, thumbnails, topology revisions, the gateway-JSON path, the
//! variant map switch, the demo feed, and garbage that must never panic.
//!
//! They run in headless Chromium (`cargo test -p iotdata-web --target
//! wasm32-unknown-unknown`, with scripts/env.sh sourced) and natively
//! (`cargo test -p iotdata-web`).

#[path = "support/fixtures.rs"]
mod fixtures;

use iotdata::{Encoder, FieldValue, VariantMap};
use iotdata_web::decode::EntryKind;
use iotdata_web::demo::{topic_for, DemoFeed};
use iotdata_web::maps::{builtin_choices, parse_user_maps};
use iotdata_web::store::{
    battery_level, freshness, headline, Freshness, Live, Store, FRAMES_PER_STATION, HISTORY_POINTS,
    LOG_CAPACITY, THUMBNAIL_CAPACITY,
};
use leptos::prelude::GetUntracked;
// In the browser these are wasm-bindgen tests; natively, plain #[test]s.
#[cfg(not(target_arch = "wasm32"))]
use std::prelude::v1::test as wasm_bindgen_test;
#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test;

#[cfg(target_arch = "wasm32")]
wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

const T0: f64 = 1_767_225_600_000.0;

fn weather(station: u16, seq: u16, temp: f32, battery: u8) -> Vec<u8> {
    fixtures::battery_temp_frame(station, seq, temp, battery)
}

fn xorshift(x: &mut u32) -> u8 {
    *x ^= *x << 13;
    *x ^= *x >> 17;
    *x ^= *x << 5;
    *x as u8
}

#[wasm_bindgen_test]
fn garbage_never_panics_and_everything_is_bounded() {
    let mut store = Store::new();
    let mut x: u32 = 12345;
    for i in 0..(LOG_CAPACITY + 700) {
        let len = i % 48;
        let mut payload: Vec<u8> = (0..len).map(|_| xorshift(&mut x)).collect();
        match i % 6 {
            // mesh-looking garbage
            1 if !payload.is_empty() => payload[0] |= 0xF0,
            // hex text of garbage
            2 => payload = iotdata::hex::encode(&payload).into_bytes(),
            // JSON-looking garbage
            3 => payload = format!("{{\"station\":{},\"variant\":0,\"x\":", i).into_bytes(),
            4 => {
                payload =
                    br#"{"variant":0,"station":9,"sequence":1,"environment":{"temperature":"hot"}}"#
                        .to_vec()
            }
            _ => {}
        }
        let topic = if i % 5 == 0 {
            "iotdata/weather_station/0009".to_string()
        } else {
            format!("fuzz/{}/<b>topic</b>", i % 3)
        };
        store.ingest(T0 + i as f64, &topic, &payload);
    }
    // Huge and empty payloads.
    store.ingest(T0, "big", &vec![0x5a; 200_000]);
    store.ingest(T0, "empty", &[]);
    assert_eq!(store.log_len(), LOG_CAPACITY);
    assert!(store.station_count() <= 4096);
    let e = store.log().next().unwrap();
    assert_eq!(e.kind, EntryKind::Unrecognised);
    assert!(store.log().all(|e| e.first_bytes.len() <= 16));
    assert!(store
        .log()
        .all(|e| e.frame.as_ref().is_none_or(|f| f.len() <= 1024)));
    let kinds: std::collections::HashSet<&str> = store.log().map(|e| e.kind.as_str()).collect();
    assert!(
        kinds.contains("unrecognised") && kinds.contains("error"),
        "{kinds:?}"
    );
}

#[wasm_bindgen_test]
fn history_frames_and_readings() {
    let mut store = Store::new();
    let n = HISTORY_POINTS + 20;
    for i in 0..n {
        let f = weather(42, i as u16, 10.0 + (i % 10) as f32, 80);
        store.ingest(T0 + i as f64 * 60_000.0, "iotdata/raw/0001", &f);
    }
    let keys = store.history_keys(42);
    assert!(
        keys.contains(&"environment.temperature".to_string()),
        "{keys:?}"
    );
    assert!(keys.contains(&"battery.level".to_string()), "{keys:?}");
    assert!(!keys.iter().any(|k| k.contains("charging")), "{keys:?}");
    let h = store.history(42, "environment.temperature").unwrap();
    assert_eq!(h.len(), HISTORY_POINTS);
    assert_eq!(h.back().unwrap().0, T0 + (n - 1) as f64 * 60_000.0);
    assert!(h.iter().zip(h.iter().skip(1)).all(|(a, b)| a.0 < b.0));
    assert_eq!(
        store.series(42, "environment.temperature").unwrap().unit,
        "C"
    );
    // Frames: bounded, newest first, decodable.
    let frames: Vec<_> = store.frames(42).collect();
    assert_eq!(frames.len(), FRAMES_PER_STATION);
    assert_eq!(frames[0].sequence, (n - 1) as u16);
    assert_eq!(
        frames[0].bytes.as_ref(),
        weather(42, (n - 1) as u16, 10.0 + ((n - 1) % 10) as f32, 80).as_slice()
    );
    // The receiver's view.
    let st = store.station(42).unwrap();
    assert_eq!(st.sequence_stats().received, n as u64);
    assert!(
        (battery_level(st).unwrap() - 80.0).abs() < 3.5,
        "5-bit battery"
    );
    let hl = headline(st, 2);
    assert_eq!(hl[0].0, "temperature");
    assert!(hl[0].1.ends_with(" °C"), "{hl:?}");
    assert_eq!(store.variant_name(st), "weather_station");
    let last = T0 + (n - 1) as f64 * 60_000.0;
    assert_eq!(freshness(st, last + 1_000.0), Freshness::Fresh);
    assert_eq!(freshness(st, last + 150_000.0), Freshness::Late);
    assert_eq!(freshness(st, last + 400_000.0), Freshness::Stale);
}

#[wasm_bindgen_test]
fn duplicates_are_recognised_by_the_receiver() {
    let mut store = Store::new();
    let f = weather(7, 100, 12.5, 60);
    store.ingest(T0, "iotdata/raw/0001", &f);
    store.ingest(T0 + 300.0, "iotdata/raw/0002", &f);
    // The same frame as hex text on a third topic.
    store.ingest(
        T0 + 600.0,
        "iotdata/hex",
        iotdata::hex::encode(&f).as_bytes(),
    );
    let st = store.station(7).unwrap();
    assert_eq!(st.sequence_stats().received, 1);
    assert_eq!(st.sequence_stats().duplicates, 2);
    let log: Vec<_> = store.log().collect();
    assert_eq!(log.len(), 3);
    assert!(log[0].duplicate && log[1].duplicate && !log[2].duplicate);
    assert!(log.iter().all(|e| e.kind == EntryKind::Sensor));
    assert!(log[0].summary.starts_with("duplicate"));
    // History and frames count first arrivals only.
    assert_eq!(store.history(7, "battery.level").unwrap().len(), 1);
    assert_eq!(store.frames(7).count(), 1);
}

#[wasm_bindgen_test]
fn gateway_json_goes_through_the_receiver() {
    let mut store = Store::new();
    let json = br#"{"variant":0,"station":7,"sequence":1,"battery":{"level":50,"charging":false}}"#;
    store.ingest(T0, "iotdata/weather_station/0007", json);
    // The same packet as a binary frame is a duplicate.
    let map = VariantMap::default_map();
    let mut enc = Encoder::new(&map, 0, 7, 1).unwrap();
    enc.add(FieldValue::battery(50, false).unwrap()).unwrap();
    store.ingest(T0 + 10.0, "iotdata/raw/0001", &enc.finish().unwrap());
    let st = store.station(7).unwrap();
    assert_eq!(st.sequence_stats().received, 1);
    assert_eq!(st.sequence_stats().duplicates, 1);
    let first = store.log().last().unwrap();
    assert_eq!(first.kind, EntryKind::Sensor);
    assert!(first.frame.is_some(), "re-encoded for the inspector");
    // JSON that does not fit the map is an error entry, not a crash.
    store.ingest(
        T0 + 20.0,
        "iotdata/weather_station/0008",
        br#"{"variant":0,"station":8,"sequence":1,"battery":"full"}"#,
    );
    assert_eq!(store.log().next().unwrap().kind, EntryKind::Error);
}

/// Feeds `minutes` of the demo recording (`static/demo-feed.bin`, the
/// simulator's) through the store, as the demo does.
fn simulated(minutes: u64) -> (Store, DemoFeed) {
    let mut store = Store::with_map(iotdata_sim::sim_map());
    let capture =
        iotdata_sim::capture::Capture::parse(include_bytes!("../../static/demo-feed.bin")).unwrap();
    let mut feed = DemoFeed::new(capture, T0);
    for m in feed.preroll() {
        store.ingest(m.rx_ms, &m.topic, &m.payload);
    }
    // Steps of 5 simulated minutes (30 s of wall time at ×10).
    let mut wall = T0;
    while feed.sim_now_ms() < minutes * 60_000 {
        wall += 30_000.0;
        for m in feed.step(wall) {
            store.ingest(m.rx_ms, &m.topic, &m.payload);
        }
    }
    (store, feed)
}

#[wasm_bindgen_test]
fn simulator_through_the_pipeline() {
    let (store, _) = simulated(10);
    let sensors = fixtures::sim_sensor_ids();
    let ids: Vec<u16> = store.stations().map(|s| s.id).collect();
    assert!(ids.len() >= 10, "{ids:?}");
    assert!(ids.iter().all(|id| sensors.contains(id)), "{ids:?}");
    assert!(store.stations().any(|s| s.position.is_some()));
    // Every log entry decoded (the simulator's map is active).
    assert!(
        store
            .log()
            .all(|e| matches!(e.kind, EntryKind::Sensor | EntryKind::Mesh)),
        "{:?}",
        store
            .log()
            .find(|e| !matches!(e.kind, EntryKind::Sensor | EntryKind::Mesh))
    );
    // FORWARDs are unwrapped: the log says which sensor they carried, and
    // the station's frames are sensor packets, not mesh frames.
    let forwarded = store
        .log()
        .find(|e| e.kind == EntryKind::Mesh && e.origin.is_some() && !e.duplicate)
        .expect("a FORWARD of a sensor packet");
    let origin = forwarded.origin.unwrap();
    assert!(store.frames(origin).all(|f| f.bytes[0] >> 4 != 15));
    assert!(store.frames(origin).any(|f| f.via.is_some()));
    // Topology from the mesh frames.
    assert!(store.topology_revision() > 0);
    assert!(store.receiver().topology().gateways().count() >= 2);
    // Topics carry the gateway id.
    assert!(store.log().all(|e| e.topic.starts_with("iotdata/raw/0")));
    assert_eq!(topic_for(0xa1), "iotdata/raw/00a1");
}

#[wasm_bindgen_test]
fn thumbnails_are_kept_and_bounded() {
    let (store, _) = simulated(120);
    let thumbs: Vec<_> = store.thumbnails().collect();
    assert!(!thumbs.is_empty(), "the cameras sent images");
    assert!(thumbs.len() <= THUMBNAIL_CAPACITY);
    assert!(thumbs
        .iter()
        .zip(thumbs.iter().skip(1))
        .all(|(a, b)| a.rx_ms >= b.rx_ms));
    let t = thumbs[0];
    let frame = t.frame.as_ref().expect("frame bytes kept");
    let p = iotdata::decode(frame, store.map(), iotdata::DecodeOptions::STRICT).unwrap();
    assert_eq!(p.header.station, t.station);
}

#[wasm_bindgen_test]
fn the_active_map_decodes() {
    let (sim_frames_store, _) = simulated(10);
    let camera_or_soil: Vec<Vec<u8>> = sim_frames_store
        .stations()
        .filter(|s| s.variant != 0)
        .flat_map(|s| sim_frames_store.frames(s.id).map(|f| f.bytes.to_vec()))
        .take(5)
        .collect();
    assert!(!camera_or_soil.is_empty());
    // With the default map, variants other than 0 decode leniently (flagged).
    let mut store = Store::new();
    for f in &camera_or_soil {
        store.ingest(T0, "t", f);
    }
    assert!(store
        .stations()
        .all(|st| store.variant_name(st).starts_with("variant ")));
    // After switching to the simulator's map they decode with their names.
    store.set_map(iotdata_sim::sim_map());
    store.clear();
    for f in &camera_or_soil {
        store.ingest(T0, "t", f);
    }
    assert!(store.station_count() > 0);
    assert!(store
        .stations()
        .all(|st| !store.variant_name(st).starts_with("variant ")));
}

#[wasm_bindgen_test]
fn maps_parse_and_explain_errors() {
    assert_eq!(builtin_choices().len(), 2);
    let e = parse_user_maps("{\"maps\": 3}").unwrap_err();
    assert!(e.starts_with("not a valid maps file"), "{e}");
    assert!(parse_user_maps("   ").is_err());
    let loaded = parse_user_maps(iotdata_sim::SIM_MAPS_JSON).unwrap();
    assert_eq!(loaded.len(), 1);
    assert_eq!(loaded[0].map.get(0).unwrap().name, "weather_station");
}

#[wasm_bindgen_test]
fn live_marks_station_and_log_revisions() {
    let live = Live::new();
    let before = live.log_rev.get_untracked();
    for i in 0..50u16 {
        live.ingest(
            T0 + f64::from(i),
            "iotdata/raw/0001",
            &weather(i % 5, i, 5.0, 50),
        );
    }
    live.flush();
    assert!(live.log_rev.get_untracked() > before);
    assert!(live.station_rev(3).get_untracked() > 0);
    assert_eq!(live.with(|s| s.station_count()), 5);
    live.clear();
    live.flush();
    assert_eq!(live.with(|s| s.station_count()), 0);
}

/// In the browser, ingest only schedules: the signals move once, at the next
/// animation frame, however many messages arrived.
#[cfg(target_arch = "wasm32")]
#[wasm_bindgen_test]
async fn live_coalesces_to_one_bump_per_animation_frame() {
    let live = Live::new();
    for i in 0..200u16 {
        live.ingest(
            T0 + f64::from(i),
            "iotdata/raw/0001",
            &weather(i % 9, i, 5.0, 50),
        );
    }
    assert_eq!(
        live.log_rev.get_untracked(),
        0,
        "nothing published before the frame"
    );
    let p = js_sys::Promise::new(&mut |resolve, _| {
        leptos::prelude::request_animation_frame(move || {
            drop(resolve.call0(&wasm_bindgen::JsValue::NULL))
        });
    });
    wasm_bindgen_futures::JsFuture::from(p).await.unwrap();
    let p = js_sys::Promise::new(&mut |resolve, _| {
        leptos::prelude::request_animation_frame(move || {
            drop(resolve.call0(&wasm_bindgen::JsValue::NULL))
        });
    });
    wasm_bindgen_futures::JsFuture::from(p).await.unwrap();
    assert_eq!(live.log_rev.get_untracked(), 1, "one bump for 200 messages");
    assert_eq!(live.stations_rev.get_untracked(), 1);
    assert_eq!(live.station_rev(4).get_untracked(), 1);
}

#[wasm_bindgen_test]
fn table_order_is_stable_and_filterable() {
    use iotdata_web::views::stations::{sorted_ids, stable_order, SortKey};
    let mut store = Store::new();
    // Station 5 heard last, 3 first; 9 and 4 share a battery level.
    for (i, (id, batt)) in [(3u16, 40u8), (9, 90), (4, 90), (5, 10)].iter().enumerate() {
        store.ingest(T0 + i as f64 * 1000.0, "t", &weather(*id, 1, 5.0, *batt));
    }
    assert_eq!(sorted_ids(&store, "", SortKey::Id, true), [3, 4, 5, 9]);
    assert_eq!(
        sorted_ids(&store, "", SortKey::LastHeard, false),
        [5, 4, 9, 3]
    );
    // Ties keep id order in both directions (no flicker between equals).
    assert_eq!(
        sorted_ids(&store, "", SortKey::Battery, false),
        [4, 9, 3, 5]
    );
    assert_eq!(sorted_ids(&store, "", SortKey::Battery, true), [5, 3, 4, 9]);
    assert_eq!(sorted_ids(&store, "0x009", SortKey::Id, true), [9]);
    assert_eq!(sorted_ids(&store, "weather", SortKey::Id, true).len(), 4);
    assert!(sorted_ids(&store, "nothing", SortKey::Id, true).is_empty());
    // Frozen order under the pointer: known rows keep their place, new
    // ones are appended, gone ones dropped.
    assert_eq!(stable_order(&[5, 4, 9, 3], &[3, 4, 7, 9]), [4, 9, 3, 7]);
}

#[wasm_bindgen_test]
fn log_filters_by_station_kind_and_topic() {
    use iotdata_web::views::packet_log::entry_matches;
    let (store, _) = simulated(10);
    let forwarded = store
        .log()
        .find(|e| e.origin.is_some() && e.origin != e.station)
        .expect("a FORWARD");
    let origin = forwarded.origin.unwrap();
    assert!(entry_matches(forwarded, &origin.to_string(), ""));
    assert!(entry_matches(forwarded, &format!("0x{origin:x}"), "mesh"));
    assert!(!entry_matches(forwarded, &origin.to_string(), "sensor"));
    assert!(entry_matches(forwarded, "raw/", ""));
    assert!(!entry_matches(forwarded, "nope", ""));
}
