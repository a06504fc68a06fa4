//! Every input bounded: frame length on every path (binary, hex text,
//! gateway JSON re-encoded), TLV entries from JSON, topic length and the
//! interned topics, the inspector's input, bit grid and dump table, and
//! `#hex=` links.
//!
//! They run in headless Chromium (`cargo test -p iotdata-web --target
//! wasm32-unknown-unknown --test bounds`, with scripts/env.sh sourced) and,
//! except the DOM tests, natively (`cargo test -p iotdata-web --test
//! bounds`).

use std::sync::Arc;

use iotdata::{Encoder, FieldValue, VariantMap};
use iotdata_web::decode::{EntryKind, MAX_FRAME_BYTES, MAX_JSON_TLVS, OVERSIZE};
use iotdata_web::router::{parse_hash, Route, MAX_LINK_HEX_CHARS};
use iotdata_web::store::{
    cut_topic, Store, LOG_CAPACITY, MAX_FRAME_BYTES_TOTAL, MAX_TOPICS, MAX_TOPIC_BYTES,
    TOPIC_CUT_MARKER,
};
use iotdata_web::views::inspector::{inspect, share_hash, Inspection, MAX_INSPECT_BYTES};
#[cfg(not(target_arch = "wasm32"))]
use std::prelude::v1::test as wasm_bindgen_test;
#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test;

#[cfg(target_arch = "wasm32")]
wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

#[cfg(target_arch = "wasm32")]
mod common;

const T0: f64 = 1_767_225_600_000.0;

fn battery(station: u16, seq: u16) -> Vec<u8> {
    let map = VariantMap::default_map();
    let mut enc = Encoder::new(&map, 0, station, seq).unwrap();
    enc.add(FieldValue::battery(60, false).unwrap()).unwrap();
    enc.finish().unwrap()
}

/// A gateway JSON document of station 42 with `n` raw TLVs of `len` bytes.
fn gateway_json(seq: u16, n: usize, len: usize) -> String {
    let tlvs: Vec<iotdata::Tlv> = (0..n)
        .map(|_| iotdata::Tlv::raw(40, vec![0xa5u8; len]).unwrap())
        .collect();
    let mut data = String::new();
    iotdata::tlv::write_tlvs_json(&mut data, &tlvs);
    format!(
        r#"{{"variant":0,"station":42,"sequence":{seq},"battery":{{"level":50,"charging":false}},"data":{data}}}"#
    )
}

fn newest(store: &Store) -> &iotdata_web::store::LogEntry {
    store.log().next().expect("a log entry")
}

#[wasm_bindgen_test]
fn gateway_json_over_a_frame_is_oversize_and_not_kept() {
    let mut store = Store::new();
    let topic = "iotdata/weather_station/002a";
    // 170 TLVs, 50 kB of JSON: over the TLV bound, rejected before encoding.
    let doc = gateway_json(1, 170, 210);
    assert!(doc.len() > 50_000, "{}", doc.len());
    store.ingest(T0, topic, doc.as_bytes());
    let e = newest(&store);
    assert_eq!(e.kind, EntryKind::Oversize);
    assert!(e.summary.starts_with(OVERSIZE), "{}", e.summary);
    assert!(e.summary.contains("170 TLV entries"), "{}", e.summary);
    assert!(
        e.summary.contains(&MAX_JSON_TLVS.to_string()),
        "{}",
        e.summary
    );
    assert_eq!(e.station, Some(42));
    assert!(e.frame.is_none() && e.frame_hex().is_none());
    // Within the TLV bound but re-encoding to more than 255 bytes.
    store.ingest(T0 + 1.0, topic, gateway_json(2, 20, 200).as_bytes());
    let e = newest(&store);
    assert_eq!(e.kind, EntryKind::Oversize);
    assert!(e.summary.starts_with(OVERSIZE), "{}", e.summary);
    assert!(e.summary.contains("re-encodes to"), "{}", e.summary);
    assert!(e.frame.is_none());
    // Nothing reached the station's state.
    assert!(store.station(42).is_none());
    assert_eq!(store.frames(42).count(), 0);
    // A document that fits is decoded and linked as before.
    store.ingest(T0 + 2.0, topic, gateway_json(3, 2, 10).as_bytes());
    let e = newest(&store);
    assert_eq!(e.kind, EntryKind::Sensor, "{}", e.summary);
    let f = e.frame.as_ref().expect("re-encoded frame kept");
    assert!(f.len() <= MAX_FRAME_BYTES);
    assert!(e.frame_hex().unwrap().len() <= 2 * MAX_FRAME_BYTES);
    assert_eq!(store.frames(42).count(), 1);
}

#[wasm_bindgen_test]
fn binary_and_hex_frames_over_255_bytes_are_oversize() {
    let mut store = Store::new();
    let mut long = battery(5, 1);
    long.resize(MAX_FRAME_BYTES + 1, 0);
    store.ingest(T0, "iotdata/raw/0001", &long);
    let e = newest(&store);
    assert_eq!(e.kind, EntryKind::Oversize);
    assert!(
        e.summary
            .starts_with(&format!("{OVERSIZE}: 256-byte frame")),
        "{}",
        e.summary
    );
    assert_eq!(e.station, Some(5));
    assert!(e.frame.is_none());
    store.ingest(
        T0,
        "iotdata/raw/0001",
        iotdata::hex::encode(&long).as_bytes(),
    );
    assert!(newest(&store).summary.starts_with(OVERSIZE));
    assert!(store.station(5).is_none());
    // A frame at the bound (trailing bytes) is decoded and kept.
    long.truncate(MAX_FRAME_BYTES);
    store.ingest(T0 + 1.0, "iotdata/raw/0001", &long);
    let e = newest(&store);
    assert_eq!(e.kind, EntryKind::Sensor, "{}", e.summary);
    assert_eq!(e.frame.as_ref().map(|f| f.len()), Some(MAX_FRAME_BYTES));
}

#[wasm_bindgen_test]
fn long_topics_are_cut_with_a_marker() {
    assert_eq!(cut_topic("iotdata/raw/0001"), "iotdata/raw/0001");
    let exact = "a".repeat(MAX_TOPIC_BYTES);
    assert_eq!(cut_topic(&exact), exact.as_str());
    let long = "é".repeat(MAX_TOPIC_BYTES);
    let cut = cut_topic(&long);
    assert!(cut.len() <= MAX_TOPIC_BYTES, "{}", cut.len());
    assert!(cut.ends_with(TOPIC_CUT_MARKER));
    assert!(cut.len() > MAX_TOPIC_BYTES - 8);
}

#[wasm_bindgen_test]
fn distinct_long_topics_stay_bounded() {
    let mut store = Store::new();
    let tail = "x".repeat(64 * 1024);
    let n = 10_000usize;
    for i in 0..n {
        let topic = format!("t/{i}/{tail}");
        let station = (i % 4000) as u16;
        store.ingest(T0 + i as f64, &topic, &battery(station, (i / 4000) as u16));
    }
    assert_eq!(store.log_len(), LOG_CAPACITY);
    // The interned table is bounded in count and bytes.
    assert!(store.topic_count() <= MAX_TOPICS, "{}", store.topic_count());
    assert!(store.topic_count() > 0);
    assert!(store.topic_bytes() <= MAX_TOPICS * MAX_TOPIC_BYTES);
    // Every kept topic is cut, with the marker, wherever it is held.
    let mut distinct: Vec<Arc<str>> = Vec::new();
    for e in store.log() {
        assert!(e.topic.len() <= MAX_TOPIC_BYTES);
        assert!(e.topic.ends_with(TOPIC_CUT_MARKER));
        distinct.push(Arc::clone(&e.topic));
    }
    for id in 0..4000u16 {
        for f in store.frames(id) {
            assert!(f.topic.len() <= MAX_TOPIC_BYTES);
            distinct.push(Arc::clone(&f.topic));
        }
    }
    distinct.sort_by_key(|t| Arc::as_ptr(t) as *const u8 as usize);
    distinct.dedup_by(|a, b| Arc::ptr_eq(a, b));
    let held: usize = distinct.iter().map(|t| t.len()).sum();
    // At most one string per log entry or kept frame, each at most 256
    // bytes, and raw frames (with their topics) within the frame budget.
    assert!(distinct.len() <= n, "{}", distinct.len());
    assert!(held <= n * MAX_TOPIC_BYTES, "{held}");
    assert!(store.frame_bytes() <= MAX_FRAME_BYTES_TOTAL);
    // The same topic again shares one string.
    store.ingest(T0, "iotdata/raw/0001", &battery(1, 100));
    store.ingest(T0, "other", &battery(2, 100));
    store.ingest(T0, "iotdata/raw/0001", &battery(1, 101));
    let mut log = store.log();
    let a = Arc::clone(&log.next().unwrap().topic);
    let _ = log.next();
    let b = Arc::clone(&log.next().unwrap().topic);
    assert!(Arc::ptr_eq(&a, &b));
    drop(log);
    store.clear();
    assert_eq!(store.topic_count(), 0);
}

#[wasm_bindgen_test]
fn inspector_input_is_cut_at_4096_bytes() {
    let map = VariantMap::default_map();
    let frame = battery(42, 7);
    let mut hex = iotdata::hex::encode(&frame);
    // 400 kB of hex: the first 4096 bytes are read, the rest is not.
    hex.push_str(&"00".repeat(200_000));
    let Inspection::Frame(a) = inspect(&hex, &map) else {
        panic!("a frame");
    };
    assert!(a.cut);
    assert_eq!(a.bytes.len(), MAX_INSPECT_BYTES);
    assert_eq!(a.model.as_ref().map(|m| m.station), Some(42));
    assert_eq!(
        iotdata_web::views::inspector::limit_text(),
        "frame longer than 4096 bytes: first 4096 shown"
    );
    // The share link carries the shown bytes only.
    assert_eq!(
        share_hash(&hex, "").len(),
        "#hex=".len() + 2 * MAX_INSPECT_BYTES
    );
    // A frame within the bound is not cut.
    let Inspection::Frame(a) = inspect(&iotdata::hex::encode(&frame), &map) else {
        panic!("a frame");
    };
    assert!(!a.cut);
    // A bad character past the bound is never read.
    let Inspection::Frame(a) = inspect(&format!("{hex}zz"), &map) else {
        panic!("a frame");
    };
    assert!(a.cut);
}

#[wasm_bindgen_test]
fn hex_links_are_bounded() {
    let hash = format!("#hex={}", "ab".repeat(200_000));
    let Route::Inspector { hex: Some(h) } = parse_hash(&hash) else {
        panic!("inspector route");
    };
    assert_eq!(h.len(), MAX_LINK_HEX_CHARS);
    let map = VariantMap::default_map();
    let Inspection::Frame(a) = inspect(&h, &map) else {
        panic!("a frame");
    };
    assert!(a.cut, "the link held more than the inspector shows");
}

/// The inspector page on a 400 kB `#hex=` link: answers quickly, says the
/// limit, and the DOM stays small (bit grid and dump bounded).
#[cfg(target_arch = "wasm32")]
#[wasm_bindgen_test]
async fn inspector_page_on_a_huge_link_is_fast_and_bounded() {
    use common::*;
    use iotdata_web::ctx::Ctx;
    use iotdata_web::settings::Settings;
    use iotdata_web::views::bitgrid::{MAX_DUMP_ROWS, MAX_GRID_BYTES};
    use iotdata_web::views::inspector::Inspector;
    use leptos::prelude::*;

    // Random bytes after a sensor header: many TLVs and dump entries.
    let mut x: u32 = 0x1234_5678;
    let mut bytes = vec![0x00, 0x2a, 0x00, 0x01, 0x80];
    bytes.extend((0..200_000).map(|_| {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        x as u8
    }));
    let hash = format!("#hex={}", iotdata::hex::encode(&bytes));
    let Route::Inspector { hex: Some(h) } = parse_hash(&hash) else {
        panic!("inspector route");
    };
    let t0 = js_sys::Date::now();
    let root = container();
    let _h = leptos::mount::mount_to(root.clone(), move || {
        Ctx::provide(Settings::default(), false);
        view! { <Inspector initial=h /> }
    });
    let took = js_sys::Date::now() - t0;
    // This is the unoptimised test build on shared cores (about 0.7 s
    // here); e2e/hostile-input.test.mjs holds the release build to 1 s.
    assert!(took < 4000.0, "mounted in {took} ms");
    settle().await;
    let limit = one(&root, "[data-testid=inspector-limit]").expect("limit message");
    assert_eq!(
        limit.text_content().unwrap_or_default(),
        "frame longer than 4096 bytes: first 4096 shown"
    );
    assert!(all(&root, ".bitgrid .b[data-e], .bitgrid .b.u").len() <= MAX_GRID_BYTES * 8);
    assert!(all(&root, "table.dump tbody tr[data-e]").len() <= MAX_DUMP_ROWS);
    let nodes = all(&root, "*").len();
    assert!(nodes < 20_000, "{nodes} elements");
    web_sys::console::log_1(
        &format!("inspector on a 400 kB link: {took:.0} ms, {nodes} elements").into(),
    );
}
