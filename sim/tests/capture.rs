//! The committed demo recording (`static/demo-feed.bin`, played by the
//! dashboard's demo feed) is exactly what the simulator records now, and it
//! reads back whole.

use iotdata::frame::decode_frame;
use iotdata::DecodeOptions;
use iotdata_sim::capture::{demo, Capture, DEMO_DURATION_MS, DEMO_FILE, MAX_CAPTURE_BYTES};
use iotdata_sim::sim_map;

#[test]
fn committed_demo_recording_matches_the_simulator() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join(DEMO_FILE);
    let committed = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let capture = demo();
    let fresh = capture.to_bytes();
    assert!(
        committed == fresh,
        "{DEMO_FILE} ({} bytes) differs from the simulator's recording ({} bytes): \
         regenerate it with `cargo run --release -p iotdata-sim --example demo_capture` \
         and commit it",
        committed.len(),
        fresh.len()
    );
    assert!(fresh.len() <= MAX_CAPTURE_BYTES, "{}", fresh.len());
    let read = Capture::parse(&committed).expect("the committed recording parses");
    assert_eq!(read, capture);
    assert_eq!(read.duration_ms, DEMO_DURATION_MS);
    assert!(!read.nodes.is_empty());
    // Every frame decodes with the simulator's map; the recording spans
    // the whole duration.
    let map = sim_map();
    for f in &read.frames {
        decode_frame(&f.bytes, &map, DecodeOptions::STRICT).unwrap();
    }
    let last = read.frames.last().map_or(0, |f| f.time_ms);
    assert!(last > DEMO_DURATION_MS - 60_000, "{last}");
}
