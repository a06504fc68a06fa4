//! Several sources at once: settings from single-broker versions and
//! `?broker=` links become the first source, the list of sources is
//! bounded and persisted without unremembered passwords; the store keeps
//! the same station id from two sources as two stations (keyed by source
//! and id) unless the id is merged; the stations table sorts and filters
//! by source.
//!
//! They run natively (`cargo test -p iotdata-web --test sources`) and in
//! headless Chromium (`--target wasm32-unknown-unknown`).

use iotdata::{Encoder, FieldValue, VariantMap};
use iotdata_web::router::{parse_hash, station_href, Route};
use iotdata_web::settings::{parse_query, Settings, Startup, MAX_MERGED_IDS, MAX_SOURCES};
use iotdata_web::store::{key_id, key_source, station_key, Store, DEMO_SOURCE, MERGED_SOURCE};
use iotdata_web::views::station_order::{filtered, SortKey, SortedStations, StationFilter};
#[cfg(not(target_arch = "wasm32"))]
use std::prelude::v1::test as wasm_bindgen_test;
#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test;

#[cfg(target_arch = "wasm32")]
wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

const T0: f64 = 1_767_225_600_000.0;

fn weather(station: u16, seq: u16, temp: f32) -> Vec<u8> {
    let map = VariantMap::default_map();
    let mut enc = Encoder::new(&map, 0, station, seq).unwrap();
    enc.add(FieldValue::battery(80, false).unwrap()).unwrap();
    enc.set(
        "environment",
        FieldValue::environment(temp, 1013, 40).unwrap(),
    )
    .unwrap();
    enc.finish().unwrap()
}

fn source(name: &str, broker: &str) -> Settings {
    Settings {
        name: name.into(),
        broker: broker.into(),
        ..Settings::default()
    }
}

// ---- settings -----------------------------------------------------------------

/// What a single-broker version wrote to localStorage.
const SINGLE_BROKER_JSON: &str = r#"{"broker":"ws://home.example:9001/mqtt","user":"alice","password":"pw","remember":true,"topics":["site/#"],"tile_url":"https://tile.openstreetmap.org/{z}/{x}/{y}.png","keepalive":60}"#;

#[wasm_bindgen_test]
fn single_broker_settings_are_the_first_source() {
    let s = Settings::from_json(SINGLE_BROKER_JSON);
    let list = s.source_list();
    assert_eq!(list.len(), 1);
    let first = &list[0];
    assert_eq!(first.broker, "ws://home.example:9001/mqtt");
    assert_eq!(
        (first.user.as_str(), first.password.as_str()),
        ("alice", "pw")
    );
    assert_eq!(first.topics, vec!["site/#"]);
    assert_eq!(first.keepalive, 60);
    assert!(first.enabled, "a stored broker stays enabled");
    assert!(s.has_broker());
    assert_eq!(first.display_name(0), "home.example:9001");
    assert!(s.merged.is_empty());
    // Saved again, it reads the same.
    assert_eq!(Settings::from_json(&s.to_json()), s);
}

#[wasm_bindgen_test]
fn a_link_broker_is_the_first_source_and_leaves_the_others() {
    let stored = Settings::default().with_source_list(vec![
        source("north", "ws://north.example:9001"),
        source("south", "ws://south.example:9001"),
    ]);
    let q = parse_query("?broker=ws%3A%2F%2Flink.example%3A9001&topic=x%2F%23");
    let start = Startup::resolve(stored.clone(), &q);
    assert!(start.unsaved);
    let list = start.settings.source_list();
    assert_eq!(list.len(), 2);
    assert_eq!(list[0].broker, "ws://link.example:9001");
    assert_eq!(list[0].topics, vec!["x/#"]);
    assert_eq!(
        list[1],
        stored.source_list()[1],
        "the second source unchanged"
    );
    // The shared link carries the first source only.
    let share = start.settings.share_query();
    assert!(
        share.contains("broker=ws%3A%2F%2Flink.example%3A9001"),
        "{share}"
    );
    assert!(!share.contains("south"), "{share}");
}

#[wasm_bindgen_test]
fn sources_are_bounded_and_persisted_without_unremembered_passwords() {
    let many: Vec<Settings> = (0..MAX_SOURCES + 4)
        .map(|i| Settings {
            password: format!("secret{i}"),
            remember: i == 1,
            ..source(&format!("s{i}"), &format!("ws://h{i}.example:9001"))
        })
        .collect();
    let mut s = Settings::default().with_source_list(many);
    s.merged = (0..5000u16).rev().collect();
    let back = Settings::from_json(&s.to_json());
    let list = back.source_list();
    assert_eq!(list.len(), MAX_SOURCES);
    assert_eq!(list[7].name, "s7");
    assert_eq!(list[1].password, "secret1", "remembered");
    assert!(
        list.iter()
            .enumerate()
            .all(|(i, x)| i == 1 || x.password.is_empty()),
        "unremembered passwords are not stored"
    );
    assert_eq!(back.merged.len(), MAX_MERGED_IDS);
    assert!(back.merged.windows(2).all(|w| w[0] < w[1]));
    assert!(back.merged.iter().all(|id| *id <= 0x0FFF));
    // A disabled source keeps its settings but does not connect.
    let mut list = back.source_list();
    list[2].enabled = false;
    let s = back.with_source_list(list);
    assert!(!s.source_list()[2].connects());
    assert!(s.source_list()[3].connects());
    assert_eq!(Settings::parse_ids("42, 17 x 9999,3"), vec![42, 17, 3]);
    // Garbage gives the defaults.
    assert_eq!(Settings::from_json(r#"{"sources":7}"#), Settings::default());
}

// ---- routes -------------------------------------------------------------------

#[wasm_bindgen_test]
fn station_links_name_the_source_when_it_is_not_the_first() {
    assert_eq!(station_href(42), "#/station/42");
    assert_eq!(station_href(station_key(3, 42)), "#/station/3/42");
    assert_eq!(parse_hash("#/station/3/42"), Route::Station(Some(3), 42));
    assert_eq!(parse_hash("#/station/42"), Route::Station(None, 42));
    assert_eq!(
        parse_hash(&station_href(station_key(DEMO_SOURCE, 7))),
        Route::Station(Some(DEMO_SOURCE), 7)
    );
    assert!(matches!(parse_hash("#/station/3/4096"), Route::NotFound(_)));
    assert!(matches!(parse_hash("#/station/200/1"), Route::NotFound(_)));
}

// ---- the store ----------------------------------------------------------------

#[wasm_bindgen_test]
fn the_same_station_id_from_two_sources_is_two_stations() {
    let mut store = Store::new();
    store.ingest_from(0, T0, "a/weather", &weather(42, 1, 10.0));
    store.ingest_from(1, T0 + 1.0, "b/weather", &weather(42, 1, 20.0));
    store.ingest_from(1, T0 + 2.0, "b/weather", &weather(7, 1, 5.0));
    assert_eq!(store.station_count(), 3);
    let keys: Vec<u16> = store.keyed_stations().map(|(k, _)| k).collect();
    assert_eq!(keys, vec![42, station_key(1, 7), station_key(1, 42)]);
    assert_eq!(store.sources().collect::<Vec<_>>(), vec![0, 1]);
    // Each source's station has its own readings and history.
    let t = |key: u16| {
        store
            .history(key, "environment.temperature")
            .and_then(|h| h.back().copied())
            .map(|(_, v)| v)
    };
    assert_eq!(t(42), Some(10.0));
    assert_eq!(t(station_key(1, 42)), Some(20.0));
    // The same sequence from the other source is not a duplicate there.
    assert!(store.log().all(|e| !e.duplicate));
    let newest = store.log().next().unwrap();
    assert_eq!((newest.source, newest.station), (1, Some(7)));
    // `#/station/<id>`: the first source that has the id.
    assert_eq!(store.resolve(42), 42);
    assert_eq!(store.resolve(7), station_key(1, 7));
    assert_eq!(key_source(store.resolve(7)), 1);
    assert_eq!(key_id(store.resolve(7)), 7);
    // The mesh shown is the first source's unless another is picked.
    assert_eq!(store.mesh_source(), 0);
    store.set_mesh_source(Some(1));
    assert_eq!(store.mesh_source(), 1);
    assert_eq!(store.receiver().station_count(), 2);
    store.clear();
    assert_eq!(store.station_count(), 0);
    assert_eq!(store.sources().count(), 0);
}

#[wasm_bindgen_test]
fn merged_station_ids_are_one_station_across_sources() {
    let mut store = Store::new();
    store.set_merged(&[42]);
    store.ingest_from(0, T0, "a/weather", &weather(42, 1, 10.0));
    store.ingest_from(1, T0 + 1.0, "b/weather", &weather(42, 1, 10.0));
    store.ingest_from(1, T0 + 2.0, "b/weather", &weather(42, 2, 11.0));
    store.ingest_from(1, T0 + 3.0, "b/weather", &weather(7, 1, 5.0));
    assert_eq!(store.station_count(), 2);
    let merged = station_key(MERGED_SOURCE, 42);
    let st = store.station(merged).expect("one merged station");
    assert_eq!(st.sequence_stats().received, 2);
    assert!(store.station(42).is_none());
    assert!(store.station(station_key(1, 42)).is_none());
    // The copy heard through the second broker is a duplicate.
    assert_eq!(store.log().filter(|e| e.duplicate).count(), 1);
    assert_eq!(store.resolve(42), merged);
}

#[wasm_bindgen_test]
fn the_table_orders_by_id_across_sources_and_filters_by_source() {
    let mut store = Store::new();
    for (src, id) in [(1u8, 5u16), (0, 9), (0, 5), (DEMO_SOURCE, 1)] {
        store.ingest_from(src, T0, "t", &weather(id, 1, 1.0));
    }
    let order = SortedStations::build(&store, SortKey::Id, true);
    assert_eq!(
        order.order(),
        &[station_key(DEMO_SOURCE, 1), 5, station_key(1, 5), 9]
    );
    let only = |src: Option<u8>, text: &str| {
        filtered(
            &store,
            order.order(),
            &StationFilter::new(text).with_source(src),
        )
    };
    assert_eq!(only(Some(1), ""), vec![station_key(1, 5)]);
    assert_eq!(only(Some(0), ""), vec![5, 9]);
    assert_eq!(only(None, "5"), vec![5, station_key(1, 5)]);
    assert_eq!(only(Some(0), "0x009"), vec![9]);
    // Incremental updates keep keys from several sources in place.
    let mut order = order;
    store.ingest_from(2, T0, "t", &weather(3, 1, 1.0));
    order.refresh(&store, &[station_key(2, 3)]);
    assert_eq!(
        order.order(),
        &[
            station_key(DEMO_SOURCE, 1),
            station_key(2, 3),
            5,
            station_key(1, 5),
            9
        ]
    );
}
