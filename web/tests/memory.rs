//! The browser's memory: a broker source's snapshot (kept frames, station
//! totals, history) encoded, decoded and restored into a fresh store gives
//! back the stations' latest fields, positions, TLVs and totals, the mesh
//! topology and the history, within the bounds; corrupt records are
//! refused without panicking; the demo feed is never kept. In the browser,
//! one test writes, reads and deletes a record in real IndexedDB.
//!
//! `cargo test -p iotdata-web --target wasm32-unknown-unknown --test memory`
//! (headless Chromium) and natively `cargo test -p iotdata-web --test memory`.

#[path = "support/fixtures.rs"]
mod fixtures;

use iotdata_web::demo::DemoFeed;
use iotdata_web::memory::snapshot::{self, SavedSeries, Snapshot};
use iotdata_web::store::keep::{keep, Kept, KEPT_PER_NODE, KEPT_RECENT};
use iotdata_web::store::{station_key, Store, DEMO_SOURCE, HISTORY_POINTS};
#[cfg(not(target_arch = "wasm32"))]
use std::prelude::v1::test as wasm_bindgen_test;
#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test;

#[cfg(target_arch = "wasm32")]
wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

const T0: f64 = 1_767_225_600_000.0;

/// A store fed `minutes` of the recorded simulator run as broker source
/// `src` (the demo feed's messages, delivered as a broker's).
fn simulated(src: u8, minutes: u64) -> Store {
    let mut store = Store::with_map(iotdata_sim::sim_map());
    let capture =
        iotdata_sim::capture::Capture::parse(include_bytes!("../../static/demo-feed.bin")).unwrap();
    let mut feed = DemoFeed::new(capture, T0);
    for m in feed.preroll() {
        store.ingest_from(src, m.rx_ms.round(), &m.topic, &m.payload);
    }
    let mut wall = T0;
    while feed.sim_now_ms() < minutes * 60_000 {
        wall += 30_000.0;
        for m in feed.step(wall) {
            store.ingest_from(src, m.rx_ms.round(), &m.topic, &m.payload);
        }
    }
    store
}

fn sorted<T: Clone, K: Ord>(v: &[T], key: impl Fn(&T) -> K) -> Vec<T> {
    let mut v = v.to_vec();
    v.sort_by_key(key);
    v
}

#[wasm_bindgen_test]
fn snapshot_round_trip_restores_stations_topology_and_history() {
    let before = simulated(1, 40);
    let snap = before.snapshot(1);
    assert!(!snap.frames.is_empty() && !snap.series.is_empty());
    let bytes = snapshot::encode(&snap);
    println!(
        "snapshot of {} stations after 40 simulated minutes: {} bytes ({} frames, {} series)",
        before.station_count(),
        bytes.len(),
        snap.frames.len(),
        snap.series.len()
    );
    let back = snapshot::decode(&bytes).expect("decodes");
    assert_eq!(back, snap, "encode → decode is lossless");

    let mut after = Store::with_map(iotdata_sim::sim_map());
    assert_eq!(after.restore(1, &back), snap.frames.len());
    assert_eq!(after.log_len(), 0, "the replay leaves no packet log");
    assert_eq!(after.total_messages, 0);

    // Stations: the same keys, latest fields, position, TLVs and totals.
    let keys: Vec<u16> = before.keyed_stations().map(|(k, _)| k).collect();
    assert!(keys.len() >= 10, "{} stations", keys.len());
    assert_eq!(
        after.keyed_stations().map(|(k, _)| k).collect::<Vec<_>>(),
        keys
    );
    for (key, a) in before.keyed_stations() {
        let b = after.station(key).unwrap();
        let label = |f: &iotdata::receiver::LatestField| f.label.clone();
        assert_eq!(
            sorted(&b.fields, label),
            sorted(&a.fields, label),
            "station {key} fields"
        );
        assert_eq!(b.position, a.position, "station {key} position");
        assert_eq!(b.tlvs, a.tlvs, "station {key} TLVs");
        assert_eq!(
            b.sequence_stats(),
            a.sequence_stats(),
            "station {key} totals"
        );
        assert_eq!(b.first_heard_ms, a.first_heard_ms);
        // Copies heard after the first arrival are not replayed.
        assert_eq!(b.last_data_ms, a.last_data_ms, "station {key} last data");
        assert!(b.last_heard_ms <= a.last_heard_ms && b.last_heard_ms >= a.last_data_ms);
        assert_eq!(b.last_sequence(), a.last_sequence());
        assert!(
            b.interval_ms().is_some(),
            "station {key} has an interval again"
        );
        assert!(
            after.restored(b.last_heard_ms),
            "station {key} is marked restored"
        );
        // History: every series, all its points (40 minutes < 24 h).
        for k in before.history_keys(key) {
            assert_eq!(
                after.history(key, &k),
                before.history(key, &k),
                "station {key} {k}"
            );
        }
    }
    assert_eq!(after.history_points(), before.history_points());

    // The mesh: the same nodes, roles and parents, and their ages.
    let (ta, tb) = (before.receiver().topology(), after.receiver().topology());
    assert!(ta.gateways().count() >= 1 && ta.len() > keys.len());
    for n in ta.nodes() {
        let m = tb
            .node(n.id)
            .unwrap_or_else(|| panic!("node {} restored", n.id));
        assert_eq!(
            (m.role, m.parent, m.orphan),
            (n.role, n.parent, n.orphan),
            "node {}",
            n.id
        );
        assert!(m.last_heard_ms.is_some() || n.last_heard_ms.is_none());
        assert!(
            m.last_heard_ms <= n.last_heard_ms,
            "node {} heard later than it was",
            n.id
        );
        if m.last_heard_ms.is_some() {
            assert!(after.node_restored(n.id), "node {} marked restored", n.id);
        }
    }
    assert_eq!(tb.len(), ta.len());
    // The latest thumbnail of each station that sent one.
    let with_image = |s: &Store| {
        let mut v: Vec<u16> = s.thumbnails().map(|t| t.station).collect();
        v.sort_unstable();
        v.dedup();
        v
    };
    assert!(!with_image(&before).is_empty());
    assert_eq!(with_image(&after), with_image(&before));

    // Heard live again: no longer marked restored.
    let (key, st) = after
        .keyed_stations()
        .next()
        .map(|(k, s)| (k, s.id))
        .unwrap();
    let seq = after
        .station(key)
        .unwrap()
        .last_sequence()
        .unwrap()
        .wrapping_add(1);
    let t = after.station(key).unwrap().last_heard_ms as f64 + 60_000.0;
    after.ingest_from(
        1,
        t,
        "iotdata/raw/0001",
        &fixtures::battery_temp_frame(st, seq, 20.0, 80),
    );
    assert!(!after.restored(after.station(key).unwrap().last_heard_ms));
    // A snapshot of the restored store restores the same stations again.
    let again = after.snapshot(1);
    let mut third = Store::with_map(iotdata_sim::sim_map());
    third.restore(1, &again);
    assert_eq!(third.station_count(), after.station_count());
}

#[wasm_bindgen_test]
fn kept_frames_and_history_are_bounded() {
    // One station, 200 packets: at most KEPT_PER_NODE frames kept, the
    // newest KEPT_RECENT among them.
    let mut store = Store::new();
    for seq in 0..200u16 {
        let t = T0 + f64::from(seq) * 60_000.0;
        store.ingest_from(
            0,
            t,
            "iotdata/raw/0001",
            &fixtures::weather_frame(7, seq, Some((51.5, -0.1)), seq % 50 == 0),
        );
    }
    let snap = store.snapshot(0);
    assert!(snap.frames.len() <= KEPT_PER_NODE && snap.frames.len() >= KEPT_RECENT);
    assert_eq!(snap.frames.last().unwrap().rx_ms, T0 + 199.0 * 60_000.0);
    assert_eq!(snap.figures[0].stats.received, 200);
    // History is at most HISTORY_POINTS per series and 24 h.
    assert!(snap.series.iter().all(|s| s.points.len() <= HISTORY_POINTS));
    let mut fresh = Store::new();
    fresh.restore(0, &snap);
    let st = fresh.station(7).unwrap();
    assert_eq!(st.sequence_stats().received, 200);
    assert!(
        st.position.is_some() && st.datetime_ms.is_some(),
        "the older frame with a datetime is kept"
    );

    // The keep rule: a frame that covers nothing new leaves once it is not
    // among the newest.
    let mut list = Vec::new();
    let k = |t: f64, cover: u64| Kept {
        rx_ms: t,
        topic: "t".into(),
        bytes: vec![1u8].into(),
        cover,
    };
    keep(&mut list, k(0.0, 0b100));
    for t in 1..20 {
        keep(&mut list, k(f64::from(t), 0b011));
    }
    assert_eq!(list.len(), KEPT_RECENT + 1);
    assert_eq!(list[0].rx_ms, 0.0, "the only carrier of bit 2 stays");
    for t in 20..40 {
        keep(&mut list, k(f64::from(t), 1 << t));
    }
    assert_eq!(list.len(), KEPT_PER_NODE);

    // A restored series longer than HISTORY_POINTS keeps its newest.
    let mut snap = store.snapshot(0);
    let s = snap.series.first_mut().unwrap();
    s.points = (0..HISTORY_POINTS as u32 + 50)
        .map(|i| (T0 + f64::from(i), f64::from(i)))
        .collect();
    let (station, key) = (s.station, s.key.clone());
    let mut fresh = Store::new();
    fresh.restore(0, &snap);
    let h = fresh.history(station_key(0, station), &key).unwrap();
    assert_eq!(h.len(), HISTORY_POINTS);
    assert_eq!(h.back().unwrap().1, f64::from(HISTORY_POINTS as u32 + 49));
    // ... but such a record is refused when read.
    assert_eq!(
        snapshot::decode(&snapshot::encode(&snap)),
        Err("a count over its bound")
    );
}

#[wasm_bindgen_test]
fn corrupt_or_foreign_records_are_refused_without_panic() {
    let store = simulated(0, 10);
    let bytes = snapshot::encode(&store.snapshot(0));
    assert!(snapshot::decode(&bytes).is_ok());
    assert_eq!(snapshot::decode(b""), Err("not a saved source"));
    assert_eq!(snapshot::decode(b"{\"a\":1}"), Err("not a saved source"));
    let mut other = bytes.clone();
    other[4] = snapshot::SNAPSHOT_VERSION + 1;
    assert_eq!(snapshot::decode(&other), Err("saved by another version"));
    // Every prefix, and bytes flipped all over: an error or a snapshot
    // within bounds, never a panic.
    for n in (0..bytes.len()).step_by(7) {
        assert!(snapshot::decode(&bytes[..n]).is_err(), "prefix {n}");
    }
    let mut x: u32 = 99;
    for i in 0..300 {
        let mut b = bytes.clone();
        for _ in 0..(1 + i % 4) {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            let at = 5 + (x as usize) % (b.len() - 5);
            b[at] ^= (x >> 8) as u8 | 1;
        }
        if let Ok(snap) = snapshot::decode(&b) {
            let mut s = Store::with_map(iotdata_sim::sim_map());
            s.restore(0, &snap);
            assert!(s.station_count() <= 4096);
        }
    }
    // A huge count with few bytes behind it is refused before allocating.
    let mut b = snapshot::MAGIC.to_vec();
    b.push(snapshot::SNAPSHOT_VERSION);
    b.extend_from_slice(&[0xFF, 0xFF, 0xFF, 0xFF, 0x0F]);
    assert_eq!(snapshot::decode(&b), Err("a count over its bound"));
}

#[wasm_bindgen_test]
fn the_demo_feed_is_never_kept_and_forget_drops_a_source() {
    let mut store = simulated(DEMO_SOURCE, 5);
    assert!(store.station_count() > 0);
    assert_eq!(store.snapshot(DEMO_SOURCE).frames, Vec::new());
    assert_eq!(store.restore(DEMO_SOURCE, &Snapshot::default()), 0);
    let demo = store.station_count();
    let live = simulated(2, 5);
    let snap = live.snapshot(2);
    store.restore(2, &snap);
    assert_eq!(store.station_count(), demo * 2);
    let g = store.generation(2);
    store.forget_source(2);
    assert_ne!(store.generation(2), g);
    assert_eq!(store.station_count(), demo);
    assert!(store
        .keyed_stations()
        .all(|(k, _)| k >> 12 == u16::from(DEMO_SOURCE)));
    assert_eq!(store.snapshot(2), Snapshot::default());
    // A series for a station the frames do not bring back is ignored.
    let mut fresh = Store::new();
    let snap = Snapshot {
        series: vec![SavedSeries {
            station: 5,
            key: "battery.level".into(),
            points: vec![(T0, 1.0)],
        }],
        ..Snapshot::default()
    };
    fresh.restore(0, &snap);
    assert_eq!(fresh.history_points(), 0);
}

/// Real IndexedDB in headless Chromium: a record written, read back,
/// deleted; every record cleared.
#[cfg(target_arch = "wasm32")]
#[wasm_bindgen_test]
async fn indexeddb_put_get_delete() {
    use iotdata_web::memory::idb;
    let bytes = snapshot::encode(&simulated(0, 5).snapshot(0));
    idb::put("ws://a x/#", &bytes)
        .await
        .expect("IndexedDB takes a record");
    idb::put("ws://b y", &[1, 2]).await.unwrap();
    let got = idb::get("ws://a x/#").await.unwrap().unwrap();
    assert_eq!(got, bytes);
    assert!(snapshot::decode(&got).is_ok());
    idb::delete(Some("ws://a x/#".into())).await.unwrap();
    assert_eq!(idb::get("ws://a x/#").await.unwrap(), None);
    assert_eq!(idb::get("ws://b y").await.unwrap(), Some(vec![1, 2]));
    idb::delete(None).await.unwrap();
    assert_eq!(idb::get("ws://b y").await.unwrap(), None);
}
