use super::*;
use iotdata::FieldValue;

fn frame(station: u16, seq: u16, battery: u8) -> Vec<u8> {
    let map = VariantMap::default_map();
    let mut enc = iotdata::Encoder::new(&map, 0, station, seq).unwrap();
    enc.add(FieldValue::battery(battery, false).unwrap())
        .unwrap();
    enc.finish().unwrap()
}

#[test]
fn bounded_log_and_stations() {
    let mut s = Store::new();
    for i in 0..(LOG_CAPACITY + 10) {
        let f = frame((i % 7) as u16, (i / 7) as u16, 50);
        s.ingest(i as f64 * 1000.0, "t", &f);
    }
    assert_eq!(s.log_len(), LOG_CAPACITY);
    assert_eq!(s.station_count(), 7);
    assert_eq!(s.log().next().unwrap().id, (LOG_CAPACITY + 9) as u64);
}

#[test]
fn history_total_is_capped_by_shedding_the_oldest_half() {
    let mut s = Store::new();
    assert_eq!(s.history_cap, MAX_HISTORY_POINTS_TOTAL);
    s.set_caps(1_000, MAX_FRAME_BYTES_TOTAL);
    // 40 stations x 40 packets, one series each (battery level; the
    // charging flag is a second series): 3,200 points offered.
    for seq in 0..40u16 {
        for station in 1..=40u16 {
            s.ingest(f64::from(seq) * 1000.0, "t", &frame(station, seq, 50));
        }
    }
    let total: usize = (1..=40u16)
        .flat_map(|id| s.history_keys(id).into_iter().map(move |k| (id, k)))
        .map(|(id, k)| s.history(id, &k).map_or(0, |h| h.len()))
        .sum();
    assert_eq!(s.history_points(), total);
    assert!(total <= 1_000, "{total} points kept");
    assert!(total > 500, "only {total} points kept");
    // The newest points survive, the oldest went.
    let h = s.history(40, "battery.level").unwrap();
    assert_eq!(h.back().unwrap().0, 39_000.0);
    assert!(h.front().unwrap().0 > 0.0);
    s.clear();
    assert_eq!(s.history_points(), 0);
}

#[test]
fn raw_frames_total_is_capped_by_shedding_the_older_half() {
    let mut s = Store::new();
    assert_eq!(s.frame_bytes_cap, MAX_FRAME_BYTES_TOTAL);
    let len = frame(1, 0, 50).len();
    s.set_caps(MAX_HISTORY_POINTS_TOTAL, 100 * (len + 1));
    // 20 stations x 30 frames = 600 frames offered, room for 100.
    for seq in 0..30u16 {
        for station in 1..=20u16 {
            s.ingest(f64::from(seq) * 1000.0, "t", &frame(station, seq, 50));
        }
    }
    let kept: usize = (1..=20u16).map(|id| s.frames(id).count()).sum();
    // Each frame counts its bytes and its topic's ("t").
    assert_eq!(s.frame_bytes(), kept * (len + 1));
    assert!(kept <= 100, "{kept} frames kept");
    assert!(kept >= 50, "only {kept} frames kept");
    // Newest kept: station 20's newest frame is sequence 29.
    assert_eq!(s.frames(20).next().unwrap().sequence, 29);
    // Within the per-station bound, nothing is shed.
    let mut t = Store::new();
    for seq in 0..(FRAMES_PER_STATION as u16 + 10) {
        t.ingest(f64::from(seq), "t", &frame(3, seq, 50));
    }
    assert_eq!(t.frame_bytes(), FRAMES_PER_STATION * (len + 1));
    s.clear();
    assert_eq!(s.frame_bytes(), 0);
}

#[test]
fn history_bounded_and_keyed() {
    let mut s = Store::new();
    for i in 0..(HISTORY_POINTS + 5) {
        s.ingest(i as f64 * 1000.0, "t", &frame(3, i as u16, 80));
    }
    let h = s.history(3, "battery.level").unwrap();
    assert_eq!(h.len(), HISTORY_POINTS);
    assert_eq!(s.frames(3).count(), FRAMES_PER_STATION);
    assert_eq!(
        s.frames(3).next().unwrap().sequence,
        HISTORY_POINTS as u16 + 4
    );
}
