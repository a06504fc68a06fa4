//! What keeps the big tables fast: the window arithmetic of the virtual
//! list, the stations order kept incrementally (checked against a full sort
//! after random updates), the filters, and the store's list of stations
//! changed per frame that feeds the order.
//!
//! They run in headless Chromium (`cargo test -p iotdata-web --target
//! wasm32-unknown-unknown --test table_order`, with scripts/env.sh sourced)
//! and natively (`cargo test -p iotdata-web --test table_order`).

use iotdata::{Encoder, FieldValue, VariantMap};
use iotdata_web::store::{Live, Store};
use iotdata_web::views::packet_log::LogFilter;
use iotdata_web::views::station_order::{filtered, rank, SortKey, SortedStations, StationFilter};
use iotdata_web::views::stations::sorted_ids;
use iotdata_web::views::virtual_list::{widen, window, MIN_WINDOW_ROWS, ROW_HEIGHT_PX};
use leptos::prelude::GetUntracked;
#[cfg(not(target_arch = "wasm32"))]
use std::prelude::v1::test as wasm_bindgen_test;
#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test;

#[cfg(target_arch = "wasm32")]
wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

const T0: f64 = 1_767_225_600_000.0;
const KEYS: [SortKey; 6] = [
    SortKey::Id,
    SortKey::Variant,
    SortKey::LastHeard,
    SortKey::Packets,
    SortKey::Loss,
    SortKey::Battery,
];

/// The default map plus a variant 1 (`soil_probe`) with the same slots.
fn two_variants() -> VariantMap {
    let base = VariantMap::default_map();
    let v0 = base.get(0).unwrap().clone();
    let mut v1 = v0.clone();
    v1.id = 1;
    v1.name = "soil_probe".into();
    VariantMap::from_defs("test", vec![v0, v1]).unwrap()
}

fn weather(station: u16, seq: u16, battery: u8) -> Vec<u8> {
    let map = two_variants();
    let mut enc = Encoder::new(&map, 0, station, seq).unwrap();
    enc.add(FieldValue::battery(battery, false).unwrap())
        .unwrap();
    enc.set(
        "environment",
        FieldValue::environment(5.0, 1013, 40).unwrap(),
    )
    .unwrap();
    enc.finish().unwrap()
}

fn battery_only(station: u16, seq: u16, battery: u8) -> Vec<u8> {
    let map = two_variants();
    let mut enc = Encoder::new(&map, 1, station, seq).unwrap();
    enc.add(FieldValue::battery(battery, false).unwrap())
        .unwrap();
    enc.finish().unwrap()
}

struct Rng(u32);

impl Rng {
    fn next(&mut self) -> u32 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 17;
        self.0 ^= self.0 << 5;
        self.0
    }
    fn below(&mut self, n: u32) -> u32 {
        self.next() % n
    }
}

/// The reference: every station ranked and fully sorted.
fn full_sort(store: &Store, key: SortKey, ascending: bool) -> Vec<u16> {
    let mut v: Vec<(u16, _)> = store
        .stations()
        .map(|st| (st.id, rank(store, st, key)))
        .collect();
    v.sort_by(|(a, ra), (b, rb)| {
        let o = ra.compare(rb);
        let o = if ascending { o } else { o.reverse() };
        o.then(a.cmp(b))
    });
    v.into_iter().map(|(id, _)| id).collect()
}

#[wasm_bindgen_test]
fn window_shows_the_visible_rows_and_a_margin() {
    // 4,095 rows of 26 px in a 520 px viewport: 20 visible.
    let len = 4095;
    assert_eq!(window(0.0, 520.0, ROW_HEIGHT_PX, len, 0), 0..20);
    assert_eq!(window(0.0, 520.0, ROW_HEIGHT_PX, len, 8), 0..28);
    let mid = window(26.0 * 2000.0, 520.0, ROW_HEIGHT_PX, len, 8);
    assert_eq!(mid, 1992..2028);
    // Scrolled past the end (the list shrank): clamped, never out of range.
    let past = window(1e9, 520.0, ROW_HEIGHT_PX, len, 8);
    assert!(past.start <= past.end && past.end <= len, "{past:?}");
    // Every scroll position: the visible rows are inside the window.
    for top in (0..(len * 26)).step_by(997) {
        let r = widen(
            window(top as f64, 520.0, ROW_HEIGHT_PX, len, 8),
            len,
            MIN_WINDOW_ROWS,
        );
        let first = top / 26;
        let last = ((top + 520).div_ceil(26)).min(len);
        assert!(
            r.start <= first && last <= r.end,
            "{top}: {r:?} misses {first}..{last}"
        );
        assert!(r.len() <= MIN_WINDOW_ROWS + 1, "{top}: {r:?}");
        assert_eq!(r.start % 2, 0, "stripes follow the rows");
    }
    // A short list is rendered whole.
    assert_eq!(widen(window(0.0, 520.0, 26.0, 30, 8), 30, 100), 0..30);
}

/// Random packets to random stations: after each batch the incremental
/// order equals a full sort, for every key and both directions.
#[wasm_bindgen_test]
fn incremental_order_equals_a_full_sort_after_random_updates() {
    let mut store = Store::with_map(two_variants());
    let mut rng = Rng(0x9e37_79b9);
    let mut seqs = vec![0u16; 4096];
    let mut t = T0;
    let mut feed = |store: &mut Store, rng: &mut Rng, n: usize| -> Vec<u16> {
        let mut touched = Vec::new();
        for _ in 0..n {
            let id = rng.below(300) as u16;
            // Skipped sequence numbers make loss; two variants make names.
            let seq = seqs[usize::from(id)].wrapping_add(1 + rng.below(3) as u16);
            seqs[usize::from(id)] = seq;
            t += f64::from(rng.below(2000));
            let batt = (rng.below(5) * 20) as u8;
            let frame = if id % 3 == 0 {
                battery_only(id, seq, batt)
            } else {
                weather(id, seq, batt)
            };
            store.ingest(t, "iotdata/raw", &frame);
            touched.push(id);
        }
        touched
    };
    feed(&mut store, &mut rng, 400);
    for key in KEYS {
        for asc in [true, false] {
            let mut inc = SortedStations::build(&store, key, asc);
            assert_eq!(inc.order(), full_sort(&store, key, asc), "{key:?} {asc}");
            for round in 0..6 {
                let touched = feed(&mut store, &mut rng, 40);
                inc.refresh(&store, &touched);
                assert_eq!(
                    inc.order(),
                    full_sort(&store, key, asc),
                    "{key:?} ascending={asc} round {round}"
                );
                assert_eq!(inc.len(), store.station_count());
            }
        }
    }
    // Stations gone (the store cleared): refresh removes them.
    let mut inc = SortedStations::build(&store, SortKey::Battery, false);
    let ids: Vec<u16> = inc.order().to_vec();
    store.clear();
    inc.refresh(&store, &ids);
    assert!(inc.is_empty());
}

#[wasm_bindgen_test]
fn the_filter_keeps_order_and_matches_id_hex_and_variant() {
    let mut store = Store::with_map(two_variants());
    for id in 0..4095u16 {
        let frame = if id % 2 == 0 {
            battery_only(id, 1, 50)
        } else {
            weather(id, 1, 50)
        };
        store.ingest(T0 + f64::from(id), "iotdata/raw", &frame);
    }
    let order = SortedStations::build(&store, SortKey::LastHeard, false);
    let names = |id: u16| store.variant_name(store.station(id).unwrap());
    for text in ["", "12", "0x0ff", "ABC", "weather", "Soil", "zzz", " 7 "] {
        let got = filtered(&store, order.order(), &StationFilter::new(text));
        // The reference, spelled out with strings.
        let f = text.trim().to_ascii_lowercase();
        let hex = f.strip_prefix("0x").unwrap_or(&f).to_string();
        let want: Vec<u16> = order
            .order()
            .iter()
            .copied()
            .filter(|&id| {
                f.is_empty()
                    || id.to_string().contains(&f)
                    || format!("{id:03x}").contains(&hex)
                    || names(id).to_ascii_lowercase().contains(&f)
            })
            .collect();
        assert_eq!(got, want, "filter {text:?}");
    }
    let weather_count = sorted_ids(&store, "weather", SortKey::Id, true).len();
    assert_eq!(weather_count, 4095 / 2, "odd ids send the weather variant");
    let soil_count = sorted_ids(&store, "soil", SortKey::Id, true).len();
    assert_eq!(soil_count, 4095 - 4095 / 2);
    assert_eq!(sorted_ids(&store, "0xabc", SortKey::Id, true), [0xabc]);
}

#[wasm_bindgen_test]
fn log_filter_parses_once_and_matches_like_the_text() {
    let mut store = Store::new();
    store.ingest(T0, "iotdata/raw/0001", &weather(42, 1, 50));
    store.ingest(T0, "other/topic", &weather(43, 1, 50));
    store.ingest(T0, "iotdata/raw", b"junk");
    let count = |st: &str, kind: &str| {
        let f = LogFilter::new(st, kind);
        store.log().filter(|e| f.matches(e)).count()
    };
    assert_eq!(count("", ""), 3);
    assert_eq!(count("42", ""), 1);
    assert_eq!(count("0x2b", "sensor"), 1);
    assert_eq!(count("0x2b", "mesh"), 0);
    assert_eq!(count("iotdata/", ""), 2);
    assert_eq!(count("", "unrecognised"), 1);
    // Entries by id, while the log holds them.
    let newest = store.log().next().unwrap().id;
    assert_eq!(store.log_entry(newest).map(|e| e.id), Some(newest));
    assert!(store.log_entry(newest + 1).is_none());
}

/// The view keeps its order with the ids [`Live`] says changed since the
/// revision it saw; further behind, or after a clear, it must rebuild.
#[wasm_bindgen_test]
fn live_reports_the_stations_changed_since_a_revision() {
    let live = Live::new();
    for id in [5u16, 6, 7] {
        live.ingest(T0, "iotdata/raw", &weather(id, 1, 50));
    }
    live.flush();
    let rev = live.stations_rev.get_untracked();
    assert_eq!(live.stations_changed_since(rev), Some(vec![]));
    live.ingest(T0 + 1.0, "iotdata/raw", &weather(6, 2, 40));
    live.flush();
    assert_eq!(live.stations_changed_since(rev), Some(vec![6]));
    live.ingest(T0 + 2.0, "iotdata/raw", &weather(7, 2, 40));
    live.flush();
    assert_eq!(live.stations_changed_since(rev), None, "two bumps behind");
    let rev = live.stations_rev.get_untracked();
    live.clear();
    live.flush();
    assert_eq!(live.stations_changed_since(rev), None, "cleared: rebuild");
}
